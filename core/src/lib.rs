//! streamlab-core: the deterministic simulator. Pure: no I/O, no wall clock,
//! no threads, no unseeded randomness. See `ARCHITECTURE.md`.
#![forbid(unsafe_code)]

pub mod check;
pub mod export;
pub mod kafka;
pub mod kernel;
pub mod lesson;
pub mod model;
pub mod permalink;
pub mod player;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod session;
pub mod stream;
pub mod time;
pub mod views;
pub mod world;

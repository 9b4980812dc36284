//! What the browser app shows, computed from a [`crate::world::World`] at
//! its current moment: plain data (no HTML), so every view is unit-tested
//! natively and the web app only draws it.
//!
//! Each view is a pure function of the world (mostly of its trace, the
//! single source of truth), or a small incremental fold over the trace when
//! recomputing from scratch every frame would be too slow.

pub mod cluster;
pub mod event_time;
pub mod messages;
pub mod metrics;
pub mod outputs;
pub mod partitions;
#[cfg(test)]
mod scrub_tests;
pub mod trace_table;

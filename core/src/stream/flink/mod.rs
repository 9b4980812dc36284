//! Flink-style event-time processing: watermark generation and propagation,
//! the window operator, keyed features, and the runtime (tasks, channels,
//! checkpoints, recovery, two-phase-commit sinks).

pub mod features;
pub mod job;
pub mod reduce;
pub mod runtime;
pub mod valve;
pub mod watermark;
pub mod window;

//! Checkers and metrics over the trace.

pub mod metrics;

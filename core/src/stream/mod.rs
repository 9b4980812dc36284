//! Stream processing: the engines that read from the simulated Kafka (or
//! from scripted inputs), process in event time or in micro-batches, and
//! write to sinks. Follows `../shared/reference/streaming-semantics.md`.
//!
//! Each engine is a pure state machine behind [`types::Engine`]; the job
//! node of the model drives it at processing times and records what it
//! reports in the trace.

pub mod beam;
pub mod check;
pub mod engines;
pub mod flink;
pub mod job;
pub mod kafka_sink;
pub mod kstreams;
pub mod oracle;
pub mod report;
pub mod spark;
pub mod types;

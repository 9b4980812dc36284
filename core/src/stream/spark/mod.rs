//! Spark-style micro-batch processing: Structured Streaming (triggers,
//! offset and commit logs, watermarks, output modes, recovery) and legacy
//! DStreams windows.

pub mod dstream;
pub mod microbatch;

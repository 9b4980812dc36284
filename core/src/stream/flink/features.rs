//! Keyed real-time ML features as Flink operators (the kind of thing a
//! `KeyedProcessFunction` computes for a feature store or an online model):
//!
//! - [`RollingAverage`]: per key, the mean of the values of the last
//!   `window` of event time, emitted for every element (a point-in-time
//!   feature: never looks at records with a later timestamp);
//! - [`AnomalyDetector`]: the "model inference" step, an exponentially
//!   weighted mean and variance per key and a z-score alert.
//!
//! Both are [`crate::stream::types::Operator`]s hosted by a Flink task like
//! the window operator: keyed state, the task's watermark, `Clone` as the
//! checkpointed snapshot. They show how stream-processing anomalies leak
//! into ML features: late records are scored against incomplete state,
//! duplicates (at-least-once delivery, replays) are counted twice, and
//! arrival order changes an exponentially weighted state.

mod anomaly;
mod rolling;

pub use anomaly::{AnomalyCounts, AnomalyDetector, AnomalySpec};
pub use rolling::{RollingAverage, RollingSpec};

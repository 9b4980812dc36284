//! The task metrics the Kafka test asserts (`stream-task-metrics`:
//! `dropped-records-total`, `record-lateness-max`, `record-lateness-avg`;
//! `stream-processor-node-metrics`: `window-aggregate-final-emit-total`)
//! and the "Skipping record for expired window" log lines.
//!
//! Record lateness is measured where Kafka measures it,
//! `PartitionGroup.nextRecord`: for **every** record taken from the queue,
//! `0` if its timestamp is ahead of the task's stream time (which then
//! advances), else `streamTime − timestamp`. So the average is over all
//! records, not only the skipped ones: EX-K1 gives `(0 + 100 + 99 + … + 94
//! + 0 + 0) / 10 = 67.9` (over the 7 skipped records alone it would be 97).
//!
//! Simplification: Kafka's `Avg`/`Max` are sampled stats over the last
//! `metrics.num.samples × metrics.sample.window.ms` (2 × 30 s); here they
//! cover the whole run.

use crate::stream::types::{EventTime, Window};
use serde::Serialize;
use std::fmt;

/// One task's counters.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct TaskMetrics {
    /// Task id `0_<partition>` (sub-topology 0, one task per source channel).
    pub task: String,
    /// Skipped (record, window) pairs and records with negative timestamps.
    pub dropped_records_total: u64,
    /// Records measured for lateness.
    pub lateness_count: u64,
    pub lateness_sum: i64,
    pub record_lateness_max: Option<i64>,
    /// Final results emitted by `onWindowClose`.
    pub window_aggregate_final_emit_total: u64,
    /// The task's stream time (max timestamp seen), None before any record.
    pub stream_time: Option<EventTime>,
}

impl TaskMetrics {
    pub fn record_lateness(&mut self, lateness: i64) {
        self.lateness_count += 1;
        self.lateness_sum = self.lateness_sum.saturating_add(lateness);
        self.record_lateness_max = Some(self.record_lateness_max.map_or(lateness, |m| m.max(lateness)));
    }
}

/// The job's metrics: the EX-K1 figures are for its single task `0_0`;
/// with several tasks the totals add up, the max is the max, and the
/// average is over all records of all tasks. Kafka reports NaN for a
/// lateness with no samples; here it is None.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct KStreamsMetrics {
    pub dropped_records_total: f64,
    pub record_lateness_max: Option<f64>,
    pub record_lateness_avg: Option<f64>,
    pub window_aggregate_final_emit_total: f64,
    pub tasks: Vec<TaskMetrics>,
}

impl KStreamsMetrics {
    pub fn from_tasks(tasks: Vec<TaskMetrics>) -> Self {
        let count: u64 = tasks.iter().map(|t| t.lateness_count).sum();
        let sum: i64 = tasks.iter().map(|t| t.lateness_sum).sum();
        KStreamsMetrics {
            dropped_records_total: tasks.iter().map(|t| t.dropped_records_total).sum::<u64>() as f64,
            record_lateness_max: tasks.iter().filter_map(|t| t.record_lateness_max).max().map(|m| m as f64),
            record_lateness_avg: if count == 0 { None } else { Some(sum as f64 / count as f64) },
            window_aggregate_final_emit_total: tasks.iter().map(|t| t.window_aggregate_final_emit_total).sum::<u64>() as f64,
            tasks,
        }
    }
}

/// A "Skipping record for expired window" log line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Skip {
    pub task: String,
    pub key: String,
    pub timestamp: EventTime,
    /// The generic window (sessions: `[first, last + gap)`).
    pub window: Window,
    /// Kafka's own window text: `[start,end)` for time windows,
    /// `[first,last]` for sessions.
    pub kafka_window: String,
    /// `expiration=[…]`: the close time (streamTime − grace, sessions also
    /// − gap).
    pub expiration: EventTime,
    pub stream_time: EventTime,
}

impl fmt::Display for Skip {
    /// Kafka's message without topic/partition/offset.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Skipping record for expired window. key=[{}] timestamp=[{}] window={} expiration=[{}] streamTime=[{}]",
            self.key, self.timestamp, self.kafka_window, self.expiration, self.stream_time
        )
    }
}

//! Checkers and metrics over the trace (and the final replica logs).
//!
//! Checkers never look at node internals: they read the trace records and,
//! for replica agreement, the final logs that the world exports.
//!
//! [`run`] is the single entry point: it extracts a Jepsen-style history
//! ([`history`]), runs the counters ([`counts`]), the Jepsen checkers
//! ([`jepsen`]), the replica checkers ([`replicas`]) and the processing
//! checkers ([`consumers`]), and returns every
//! metric of [`metrics::METRICS`] plus the anomalies found, each with the
//! index of the trace record that reveals it. Pure and deterministic
//! (`BTreeMap`s and `Vec`s only); never panics, whatever the input.

pub mod consumers;
pub mod counts;
pub mod history;
pub mod jepsen;
pub mod metrics;
pub mod replicas;
#[cfg(test)]
mod tests;

use crate::kafka::types::Tp;
use crate::kernel::TraceRecord;
use crate::model::Event;
use crate::time::Micros;
use std::collections::BTreeMap;

/// At most this many hits are listed per checker; the metric keeps the full
/// count, and one more hit says how many were left out.
pub const MAX_HITS_PER_CHECKER: usize = 100;

/// One anomaly found by a checker.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Hit {
    /// The checker (a metric name, e.g. `lost-write`).
    pub checker: &'static str,
    /// Index into the trace of the record that reveals the anomaly (the
    /// last record for checks that need the end of the run).
    pub trace_index: usize,
    /// That record's time.
    pub t: Micros,
    /// For humans: which value, partition, offsets.
    pub message: String,
}

/// Everything the checkers found.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CheckReport {
    /// Every name of [`metrics::METRICS`], 0 if nothing counted.
    pub metrics: BTreeMap<&'static str, i64>,
    /// Anomalies, ordered by trace index (then checker order).
    pub hits: Vec<Hit>,
}

/// What a checker returns: its count and its hits (before capping).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub count: u64,
    pub hits: Vec<Hit>,
}

/// Builds hits with the time of the record they point at.
#[derive(Clone, Copy, Debug)]
pub struct Hits<'r> {
    records: &'r [TraceRecord<Event>],
}

impl<'r> Hits<'r> {
    pub fn new(records: &'r [TraceRecord<Event>]) -> Self {
        Hits { records }
    }
    /// Index of the last record (0 for an empty trace).
    pub fn last(&self) -> usize {
        self.records.len().saturating_sub(1)
    }
    pub fn hit(&self, checker: &'static str, trace_index: usize, message: String) -> Hit {
        let t = self.records.get(trace_index).map(|r| r.t).unwrap_or(0);
        Hit { checker, trace_index, t, message }
    }
}

/// Runs every counter and checker.
pub fn run(records: &[TraceRecord<Event>], logs: &FinalLogs) -> CheckReport {
    let hits = Hits::new(records);
    let h = history::extract(records, logs);
    let cluster = replicas::Cluster::from_trace(records);

    let mut metrics: BTreeMap<&'static str, i64> = metrics::METRICS.iter().map(|(n, _)| (*n, 0)).collect();
    for (name, n) in counts::count(records) {
        metrics.insert(name, clamp(n));
    }

    let (poll_skip, nonmonotonic_poll) = jepsen::poll_order(records, &hits);
    let (reprocessed, unprocessed) = consumers::processing(records, &hits);
    let found: Vec<(&'static str, Found)> = vec![
        ("lost-write", jepsen::lost_write(&h, logs, &cluster, &hits)),
        ("unseen", jepsen::unseen(&h, &hits)),
        ("duplicate", jepsen::duplicate(&h, logs, &cluster, &hits)),
        ("inconsistent-offsets", jepsen::inconsistent_offsets(&h, &hits)),
        ("poll-skip", poll_skip),
        ("nonmonotonic-poll", nonmonotonic_poll),
        ("nonmonotonic-send", jepsen::nonmonotonic_send(&h, &hits)),
        ("G1a", jepsen::g1a(&h, &hits)),
        ("divergent-replicas", replicas::divergent_replicas(logs, &cluster, &hits)),
        ("consumed-offset-changed", replicas::consumed_offset_changed(records, &h, logs, &cluster, &hits, MAX_HITS_PER_CHECKER)),
        ("reprocessed", reprocessed),
        ("unprocessed", unprocessed),
    ];

    let mut all = Vec::new();
    for (name, f) in found {
        metrics.insert(name, clamp(f.count));
        let n = f.hits.len();
        all.extend(f.hits.into_iter().take(MAX_HITS_PER_CHECKER));
        if n > MAX_HITS_PER_CHECKER {
            all.push(hits.hit(name, hits.last(), format!("{} more {name} hits not listed", n - MAX_HITS_PER_CHECKER)));
        }
    }
    // Stable: hits of one record keep the checker order above.
    all.sort_by_key(|h| h.trace_index);
    CheckReport { metrics, hits: all }
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub use crate::kafka::types::{FinalRecord, FinalReplica};

/// The final logs of every partition, replica by replica (brokers in id
/// order). Input to the replica-agreement checker and the report.
pub type FinalLogs = BTreeMap<Tp, Vec<FinalReplica>>;

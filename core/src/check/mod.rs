//! Checkers and metrics over the trace (and the final replica logs).
//!
//! Checkers never look at node internals: they read the trace records and,
//! for replica agreement, the final logs that the world exports.

pub mod metrics;

use crate::kafka::types::{BrokerId, Tp};
use std::collections::BTreeMap;

/// One record of a final replica log, as the report shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FinalRecord {
    pub offset: u64,
    pub epoch: i32,
    pub key: Option<String>,
    pub value: String,
}

/// One replica's final state.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FinalReplica {
    pub broker: BrokerId,
    pub log_start: u64,
    pub leo: u64,
    pub hw: u64,
    pub records: Vec<FinalRecord>,
}

/// The final logs of every partition, replica by replica (brokers in id
/// order). Input to the replica-agreement checker and the report.
pub type FinalLogs = BTreeMap<Tp, Vec<FinalReplica>>;

use crate::kernel::{KernelEvent, TraceEvent, TraceRecord};
use crate::kafka::events::KEvent;
use crate::model::Event;
use serde::Serialize;

/// One anomaly found by a checker, pointing at the trace record that shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hit {
    pub checker: &'static str,
    pub trace_index: usize,
    pub t: u64,
    pub message: String,
}

/// Every metric (all names of [`metrics::METRICS`]) and every hit.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CheckReport {
    pub metrics: BTreeMap<&'static str, i64>,
    pub hits: Vec<Hit>,
}

/// Runs every checker. (Interim counters; the Jepsen checkers land next.)
pub fn run(records: &[TraceRecord<Event>], _logs: &FinalLogs) -> CheckReport {
    let mut m: BTreeMap<&'static str, i64> = metrics::METRICS.iter().map(|(n, _)| (*n, 0)).collect();
    for r in records {
        let key = match &r.ev {
            TraceEvent::Domain(Event::Kafka(k)) => match k {
                KEvent::Send { .. } => "sent",
                KEvent::SendOk { .. } => "acked",
                KEvent::SendFail { .. } => "failed",
                KEvent::SendInfo { .. } => "indefinite",
                KEvent::Truncated { to, from_leo, .. } if to < from_leo => "truncations",
                _ => continue,
            },
            TraceEvent::Kernel(KernelEvent::FaultFired { label }) if !label.ends_with(" (end)") => "faults",
            _ => continue,
        };
        *m.entry(key).or_default() += 1;
    }
    CheckReport { metrics: m, hits: Vec::new() }
}

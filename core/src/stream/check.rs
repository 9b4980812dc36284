//! Stream metrics for expectations and the report: late records, results,
//! failures, checkpoints, and `duplicate-output` — the same result
//! delivered to the sink's readers more than once (what at-least-once
//! sinks do after a restore, and exactly-once sinks must never do).

use super::report::JobRun;
use super::types::{CheckpointPhase, LateFate};
use crate::kafka::events::KEvent;
use crate::kernel::{TraceEvent, TraceRecord};
use crate::model::Event;
use crate::scenario::jobs::SinkSpec;
use crate::scenario::Scenario;
use std::collections::{BTreeMap, BTreeSet};

/// Counts, by metric name (see `check::metrics::METRICS`).
pub fn metrics(scenario: &Scenario, runs: &[JobRun], records: &[TraceRecord<Event>]) -> BTreeMap<&'static str, i64> {
    let mut m: BTreeMap<&'static str, i64> = BTreeMap::new();
    let mut add = |k: &'static str, v: usize| *m.entry(k).or_insert(0) += v as i64;
    for (j, run) in runs.iter().enumerate() {
        add("late-dropped", run.late.iter().filter(|l| l.fate == LateFate::Dropped).count());
        add("late-side-output", run.late.iter().filter(|l| l.fate == LateFate::SideOutput).count());
        add("job-results", run.published.len());
        add("job-failures", run.failures.len().max(run.restarts.len()));
        add("checkpoints-completed", run.checkpoints.iter().filter(|c| c.phase == CheckpointPhase::Completed).count());
        add("batches", run.batches.len());
        let dups = match &scenario.jobs[j].sink {
            SinkSpec::Kafka { topic, .. } => kafka_duplicates(scenario, *topic as u16, records),
            SinkSpec::Print => print_duplicates(run),
            // Upserts overwrite: a replayed result replaces itself.
            SinkSpec::Upsert => 0,
        };
        add("duplicate-output", dups);
    }
    m
}

/// Identical published results (window, key, value, pane index, inputs).
fn print_duplicates(run: &JobRun) -> usize {
    let mut seen = BTreeSet::new();
    run.published
        .iter()
        .filter(|p| {
            let id = (p.window, p.key.clone(), p.value.to_string(), p.index, p.retraction, p.inputs.clone(), p.batch);
            !seen.insert(format!("{id:?}"))
        })
        .count()
}

/// Values that the readers of a sink topic (every consumer polling it)
/// saw at more than one offset.
fn kafka_duplicates(scenario: &Scenario, topic: u16, records: &[TraceRecord<Event>]) -> usize {
    let _ = scenario;
    let mut at: BTreeMap<(u32, u64), String> = BTreeMap::new();
    for r in records {
        if let TraceEvent::Domain(Event::Kafka(KEvent::Polled { tp, records })) = &r.ev {
            if tp.0 == topic {
                for (off, v) in records {
                    at.insert((tp.1, *off), v.clone());
                }
            }
        }
    }
    let mut count: BTreeMap<&String, usize> = BTreeMap::new();
    for v in at.values() {
        *count.entry(v).or_insert(0) += 1;
    }
    count.values().map(|c| c.saturating_sub(1)).sum()
}

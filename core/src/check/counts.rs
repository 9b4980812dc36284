//! The simple counters: one pass over the trace.
//!
//! Definitions (each counts trace records, not distinct things, unless said):
//! - `sent` / `acked` / `failed` / `indefinite`: `Send` / `SendOk` /
//!   `SendFail` / `SendInfo` records.
//! - `not-enough-replicas`: broker-side `ProduceRejected` records with
//!   `NOT_ENOUGH_REPLICAS` or `NOT_ENOUGH_REPLICAS_AFTER_APPEND` (one per
//!   produce response, as the metric says). Client-side `SendFail` /
//!   `SendInfo` with those codes are *not* added: the producer retries them,
//!   so they would double count the same responses.
//! - `polled`: records returned by `Polled` (sum of their lengths).
//! - `commits` / `rejected-commits` / `rebalances`: `Committed` /
//!   `CommitRejected` / `GroupRebalanced` records.
//! - `leader-elections`: `PartitionChanged` records that name a leader
//!   (`Some(b)`) different from the leader of the previous
//!   `PartitionChanged` of that partition (none before the first), except the
//!   partition's creation (reason `"created"`). A leader re-elected after
//!   the partition was offline counts; a change to no leader does not.
//! - `unclean-elections`: `PartitionChanged` with reason `"unclean-election"`.
//! - `isr-shrinks` / `isr-expands`: replicas removed from / added to the ISR
//!   between successive `PartitionChanged` records of a partition; the first
//!   record of a partition is the baseline and counts nothing.
//! - `truncations`: `Truncated` records with `to < from_leo`.
//! - `offline-partitions`: partitions whose last `PartitionChanged` has no
//!   leader.
//! - `committed-transactions` / `aborted-transactions`: producers'
//!   `TxnEnded` records with `commit` true / false; `fenced-producers`:
//!   `ProducerFenced` records.
//! - `faults`: kernel `FaultFired` records whose label does not end with
//!   `" (end)"` (the end of a timed fault is not a new fault).

use super::history::Rec;
use crate::kafka::events::KEvent;
use crate::kafka::types::{BrokerId, ErrorCode, Tp};
use crate::kernel::{KernelEvent, TraceEvent};
use crate::model::Event;
use std::collections::BTreeMap;

/// `(metric, count)` for every counter metric.
pub fn count(records: &[Rec]) -> Vec<(&'static str, u64)> {
    let mut c: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut add = |name: &'static str, n: u64| {
        let e = c.entry(name).or_insert(0);
        *e = e.saturating_add(n);
    };
    // Last (leader, isr) per partition.
    let mut parts: BTreeMap<Tp, (Option<BrokerId>, Vec<BrokerId>)> = BTreeMap::new();
    for r in records {
        let k = match &r.ev {
            TraceEvent::Kernel(KernelEvent::FaultFired { label }) => {
                if !label.ends_with(" (end)") {
                    add("faults", 1);
                }
                continue;
            }
            TraceEvent::Kernel(_) => continue,
            TraceEvent::Domain(Event::Kafka(k)) => k,
            TraceEvent::Domain(Event::Stream(_)) => continue,
        };
        match k {
            KEvent::Send { .. } => add("sent", 1),
            KEvent::SendOk { .. } => add("acked", 1),
            KEvent::SendFail { .. } => add("failed", 1),
            KEvent::SendInfo { .. } => add("indefinite", 1),
            KEvent::TxnEnded { commit: true, .. } => add("committed-transactions", 1),
            KEvent::TxnEnded { commit: false, .. } => add("aborted-transactions", 1),
            KEvent::ProducerFenced { .. } => add("fenced-producers", 1),
            KEvent::ProduceRejected { error: ErrorCode::NotEnoughReplicas | ErrorCode::NotEnoughReplicasAfterAppend, .. } => add("not-enough-replicas", 1),
            KEvent::Polled { records, .. } => add("polled", records.len() as u64),
            KEvent::Committed { .. } => add("commits", 1),
            KEvent::CommitRejected { .. } => add("rejected-commits", 1),
            KEvent::GroupRebalanced { .. } => add("rebalances", 1),
            KEvent::Truncated { to, from_leo, .. } if to < from_leo => add("truncations", 1),
            KEvent::PartitionChanged { tp, leader, isr, reason, .. } => {
                if *reason == "unclean-election" {
                    add("unclean-elections", 1);
                }
                let prev = parts.get(tp);
                let prev_leader = prev.and_then(|p| p.0);
                if leader.is_some() && *leader != prev_leader && *reason != "created" {
                    add("leader-elections", 1);
                }
                if let Some((_, prev_isr)) = prev {
                    add("isr-shrinks", prev_isr.iter().filter(|b| !isr.contains(b)).count() as u64);
                    add("isr-expands", isr.iter().filter(|b| !prev_isr.contains(b)).count() as u64);
                }
                parts.insert(*tp, (*leader, isr.clone()));
            }
            _ => {}
        }
    }
    add("offline-partitions", parts.values().filter(|p| p.0.is_none()).count() as u64);
    c.into_iter().collect()
}

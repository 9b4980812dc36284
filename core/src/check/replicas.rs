//! Checkers over the final replica logs.
//!
//! **Reference replica.** A partition's reference replica is the final log
//! of its leader at the end of the run (the leader of its last
//! `PartitionChanged`); if the partition ends offline, the last leader the
//! trace named (the replica that held the data: reference A4, A9, A12).
//! Without any `PartitionChanged` for the partition there is none, and the
//! checks that need one skip the partition.
//!
//! **Down at the end.** A broker (broker `b` is node `b`) is down at the end
//! if its last `Crash` was not followed by a `Restart`/`Start`, or its last
//! `Pause` by a `Resume` (or restart). A down replica could not reconcile
//! its log, so `divergent-replicas` leaves it out.
//!
//! - `divergent-replicas`: offsets `o` below the partition's final HW (the
//!   reference replica's `hw`; without one, the highest `hw` of the compared
//!   replicas) where two replicas of brokers that are up at the end both hold
//!   `o` (`log_start <= o`, a record at `o`) with different `(epoch, value)`.
//!   Lagging (shorter) replicas are not divergent. Counts offsets; one hit per
//!   run of consecutive divergent offsets, at the last record.
//! - `consumed-offset-changed` (reference B9, Vanlightly's
//!   `ConsistentReadProperty`): a distinct polled `(partition, offset,
//!   value)` whose offset, in the reference replica's final log, holds
//!   another value or no record, unless it lies below that replica's
//!   `log_start` (deleted by retention, not changed). Counts distinct
//!   triples. The hit points at the first record after the first poll of
//!   the triple that changed the offset (an `Appended` of another value at
//!   it, or a `Truncated`/`Recovered` of the reference broker that dropped
//!   it), or at the last record if none did.

use super::history::{kernel, kevent, History, Rec};
use super::{FinalLogs, FinalRecord, FinalReplica, Found, Hits};
use crate::kafka::events::KEvent;
use crate::kafka::types::{BrokerId, Tp};
use crate::kernel::KernelEvent;
use std::collections::{BTreeMap, BTreeSet};

/// What the trace says about leaders and broker liveness at the end.
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    /// Leader of the last `PartitionChanged` of each partition.
    pub leader_at_end: BTreeMap<Tp, Option<BrokerId>>,
    /// Last leader (`Some`) each partition had.
    pub last_leader: BTreeMap<Tp, BrokerId>,
    /// Nodes down (crashed or paused) at the end.
    pub down: BTreeSet<u32>,
}

impl Cluster {
    pub fn from_trace(records: &[Rec]) -> Self {
        let mut c = Cluster::default();
        let mut crashed = BTreeSet::new();
        let mut paused = BTreeSet::new();
        for r in records {
            if let Some(k) = kernel(r) {
                match k {
                    KernelEvent::Crash { .. } => {
                        crashed.insert(r.node);
                    }
                    KernelEvent::Start | KernelEvent::Restart => {
                        crashed.remove(&r.node);
                        paused.remove(&r.node);
                    }
                    KernelEvent::Pause => {
                        paused.insert(r.node);
                    }
                    KernelEvent::Resume => {
                        paused.remove(&r.node);
                    }
                    _ => {}
                }
            } else if let Some(KEvent::PartitionChanged { tp, leader, .. }) = kevent(r) {
                c.leader_at_end.insert(*tp, *leader);
                if let Some(l) = leader {
                    c.last_leader.insert(*tp, *l);
                }
            }
        }
        c.down = crashed.union(&paused).copied().collect();
        c
    }

    /// The reference replica's broker (see the module docs).
    pub fn reference_broker(&self, tp: Tp) -> Option<BrokerId> {
        match self.leader_at_end.get(&tp) {
            Some(Some(l)) => Some(*l),
            Some(None) => self.last_leader.get(&tp).copied(),
            None => None,
        }
    }

    /// The reference replica's final log.
    pub fn reference<'l>(&self, tp: Tp, logs: &'l FinalLogs) -> Option<&'l FinalReplica> {
        let b = self.reference_broker(tp)?;
        logs.get(&tp)?.iter().find(|r| r.broker == b)
    }
}

/// The record at `offset` of a final replica (records are normally sorted
/// and dense, but neither is assumed).
pub fn record_at(rep: &FinalReplica, offset: u64) -> Option<&FinalRecord> {
    if offset < rep.log_start {
        return None;
    }
    let guess = usize::try_from(offset - rep.log_start).ok();
    if let Some(r) = guess.and_then(|g| rep.records.get(g)) {
        if r.offset == offset {
            return Some(r);
        }
    }
    rep.records.iter().find(|r| r.offset == offset)
}

pub fn divergent_replicas(logs: &FinalLogs, cluster: &Cluster, hits: &Hits<'_>) -> Found {
    let mut f = Found::default();
    for (tp, reps) in logs {
        let up: Vec<&FinalReplica> = reps.iter().filter(|r| !cluster.down.contains(&r.broker)).collect();
        let hw = match cluster.reference(*tp, logs) {
            Some(r) => r.hw,
            None => up.iter().map(|r| r.hw).max().unwrap_or(0),
        };
        // Per replica: offset → record, below the HW.
        let maps: Vec<(BrokerId, BTreeMap<u64, &FinalRecord>)> =
            up.iter().map(|r| (r.broker, r.records.iter().filter(|x| x.offset < hw && x.offset >= r.log_start).map(|x| (x.offset, x)).collect())).collect();
        let offsets: BTreeSet<u64> = maps.iter().flat_map(|(_, m)| m.keys().copied()).collect();
        // Runs of consecutive divergent offsets: (first, last, example).
        let mut runs: Vec<(u64, u64, String)> = Vec::new();
        for o in offsets {
            let held: Vec<(BrokerId, &FinalRecord)> = maps.iter().filter_map(|(b, m)| m.get(&o).map(|x| (*b, *x))).collect();
            let distinct: BTreeSet<(i32, &str)> = held.iter().map(|(_, x)| (x.epoch, x.value.as_str())).collect();
            if distinct.len() < 2 {
                continue;
            }
            f.count += 1;
            match runs.last_mut() {
                Some(run) if run.1.checked_add(1) == Some(o) => run.1 = o,
                _ => {
                    let who: Vec<String> = held.iter().map(|(b, x)| format!("broker {b} has {:?} (epoch {})", x.value, x.epoch)).collect();
                    runs.push((o, o, format!("at offset {o}: {}", who.join(", "))));
                }
            }
        }
        for (a, b, example) in runs {
            let range = if a == b { format!("offset {a}") } else { format!("offsets {a}..={b}") };
            f.hits.push(hits.hit("divergent-replicas", hits.last(), format!("{tp} {range} below HW {hw}: replicas disagree; {example}")));
        }
    }
    f
}

pub fn consumed_offset_changed(records: &[Rec], h: &History<'_>, logs: &FinalLogs, cluster: &Cluster, hits: &Hits<'_>, detail: usize) -> Found {
    let mut f = Found::default();
    // Per partition, the records that can change an offset (built once,
    // only if some hit needs its change point).
    let mut changers: Option<BTreeMap<Tp, Vec<usize>>> = None;
    // Distinct polled triples → first poll index.
    let mut consumed: BTreeMap<(Tp, u64, &str), usize> = BTreeMap::new();
    for o in h.obs.iter().filter(|o| o.kind == super::history::ObsKind::Poll) {
        consumed.entry((o.tp, o.offset, o.value)).or_insert(o.index);
    }
    for ((tp, offset, value), first) in consumed {
        let Some(rep) = cluster.reference(tp, logs) else { continue };
        if offset < rep.log_start {
            continue;
        }
        let now = record_at(rep, offset);
        if now.is_some_and(|r| r.value == value) {
            continue;
        }
        f.count += 1;
        let what = match now {
            Some(r) => format!("now holds {:?} (epoch {})", r.value, r.epoch),
            None => format!("no longer exists (log end {})", rep.leo),
        };
        let at = if f.hits.len() < detail {
            let ch = changers.get_or_insert_with(|| changing_records(records));
            ch.get(&tp).and_then(|c| change_point(records, c, first, tp, offset, value, rep.broker))
        } else {
            None
        };
        f.hits.push(hits.hit(
            "consumed-offset-changed",
            at.unwrap_or(hits.last()),
            format!("{tp} offset {offset} was consumed as {value:?} (poll at #{first}) but on broker {} (final leader) it {what}", rep.broker),
        ));
    }
    f
}

/// Indexes of `Appended`, `Truncated` and `Recovered` records per partition.
fn changing_records(records: &[Rec]) -> BTreeMap<Tp, Vec<usize>> {
    let mut m: BTreeMap<Tp, Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        if let Some(KEvent::Appended { tp, .. } | KEvent::Truncated { tp, .. } | KEvent::Recovered { tp, .. }) = kevent(r) {
            m.entry(*tp).or_default().push(i);
        }
    }
    m
}

/// The first record after `after` (among `candidates`, ascending trace
/// indexes) that overwrote or dropped `(tp, offset)`.
fn change_point(records: &[Rec], candidates: &[usize], after: usize, tp: Tp, offset: u64, value: &str, reference: BrokerId) -> Option<usize> {
    let start = candidates.partition_point(|i| *i <= after);
    candidates.get(start..)?.iter().copied().find(|i| {
        let Some(r) = records.get(*i) else { return false };
        match kevent(r) {
            Some(KEvent::Appended { tp: t, base, values, .. }) if *t == tp && offset >= *base => {
                let at = usize::try_from(offset - base).ok();
                at.and_then(|a| values.get(a)).is_some_and(|v| v != value)
            }
            Some(KEvent::Truncated { tp: t, to, .. }) => *t == tp && r.node == reference && *to <= offset,
            Some(KEvent::Recovered { tp: t, leo, .. }) => *t == tp && r.node == reference && *leo <= offset,
            _ => false,
        }
    })
}

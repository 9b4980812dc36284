//! Checkers of what the consumer *applications* processed (reference B1,
//! B2, B5, B6, B8): the trace's `Processed` records, per consumer group.
//!
//! **Group of a consumer.** A consumer node's `Polled` and `Processed`
//! records belong to the group named by its latest `ConsumerGroup` record
//! (emitted when the application starts, again after each restart). A
//! consumer without one (assign mode, nothing committed) is a group of its
//! own.
//!
//! - `reprocessed`: distinct `(group, partition, offset)` covered by more
//!   than one `Processed` record of the group's consumers (any nodes, any
//!   incarnations): the application's side effects for that record ran
//!   twice or more (at-least-once redelivery after a crash B2/B4/B5, a
//!   zombie B6). Not the same as `duplicate`, which counts one *value* at
//!   several *offsets*. Counts triples; one hit per `Processed` record that
//!   processed offsets again, pointing at it.
//! - `unprocessed`: for each group and partition with a committed offset,
//!   the offsets in `[first, committed)` that no consumer of the group
//!   processed, where `first` is the lowest offset any consumer of the
//!   group polled from the partition and `committed` the offset of the
//!   group's last `Committed` record for it. The group's committed position
//!   moved past records it never processed: committed before processing and
//!   crashed (at-most-once, B1), or the records were deleted by retention
//!   before they were read and the position was reset past them (B8).
//!   Offsets are taken as dense, as `poll-skip` does, except that offsets
//!   holding a transaction marker (`TxnMarker`) are not records and never
//!   count; a batch still being processed when the run ends counts. Counts
//!   `(group, partition, offset)`; one hit per run of consecutive offsets,
//!   at the first `Committed` record of the group that moved past the run
//!   (the last record if there is none).
//!
//! Offset ranges are kept as interval sets, so the work does not depend on
//! the width of the ranges a trace names.

use super::history::{kevent, Rec};
use super::{Found, Hits};
use crate::kafka::events::KEvent;
use crate::kafka::types::Tp;
use crate::kernel::{KernelEvent, NodeId, TraceEvent};
use std::collections::BTreeMap;
use std::ops::Range;

/// A set of `u64` as disjoint, non-adjacent half-open intervals
/// (start → end).
#[derive(Clone, Debug, Default)]
pub struct IntervalSet {
    m: BTreeMap<u64, u64>,
}

impl IntervalSet {
    /// Adds `r`; returns the parts of `r` that were already present, in
    /// order.
    pub fn insert(&mut self, r: Range<u64>) -> Vec<Range<u64>> {
        if r.start >= r.end {
            return Vec::new();
        }
        let mut present = Vec::new();
        let (mut lo, mut hi) = (r.start, r.end);
        // Intervals that overlap or touch r: start <= r.end and end >= r.start.
        let touching: Vec<(u64, u64)> = self.m.range(..=r.end).rev().take_while(|(_, e)| **e >= r.start).map(|(s, e)| (*s, *e)).collect();
        for (s, e) in touching.into_iter().rev() {
            let (a, b) = (s.max(r.start), e.min(r.end));
            if a < b {
                present.push(a..b);
            }
            lo = lo.min(s);
            hi = hi.max(e);
            self.m.remove(&s);
        }
        self.m.insert(lo, hi);
        present
    }

    /// Adds every interval of `other`.
    pub fn union(&mut self, other: &IntervalSet) {
        for (s, e) in &other.m {
            self.insert(*s..*e);
        }
    }

    /// The parts of `r` not in the set, in order.
    pub fn gaps(&self, r: Range<u64>) -> Vec<Range<u64>> {
        let mut out = Vec::new();
        let mut at = r.start;
        // Start from the interval that may contain r.start.
        let first = self.m.range(..=r.start).next_back().map(|(s, _)| *s).unwrap_or(r.start);
        for (s, e) in self.m.range(first..) {
            if *s >= r.end || at >= r.end {
                break;
            }
            if *s > at {
                out.push(at..*s);
            }
            at = at.max(*e);
        }
        if at < r.end {
            out.push(at..r.end);
        }
        out
    }
}

fn len(r: &Range<u64>) -> u64 {
    r.end.saturating_sub(r.start)
}

fn show(r: &Range<u64>) -> String {
    if len(r) == 1 {
        format!("{}", r.start)
    } else {
        format!("{}..={}", r.start, r.end - 1)
    }
}

/// Which group a consumer node's records belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key<'a> {
    Group(&'a str),
    Node(NodeId),
}

impl Key<'_> {
    fn describe(&self) -> String {
        match self {
            Key::Group(g) => format!("group {g:?}"),
            Key::Node(n) => format!("consumer node {n} (no group)"),
        }
    }
}

/// `(reprocessed, unprocessed)`.
pub fn processing(records: &[Rec], hits: &Hits<'_>) -> (Found, Found) {
    let mut rep = Found::default();
    let mut unp = Found::default();
    let mut group_of: BTreeMap<NodeId, &str> = BTreeMap::new();
    // (group, partition) → offsets processed once or more / twice or more.
    let mut once: BTreeMap<(Key<'_>, Tp), IntervalSet> = BTreeMap::new();
    let mut twice: BTreeMap<(Key<'_>, Tp), IntervalSet> = BTreeMap::new();
    // (group, partition) → lowest offset polled.
    let mut first: BTreeMap<(&str, Tp), u64> = BTreeMap::new();
    // (group, partition) → commits (trace index, offset) in trace order.
    let mut commits: BTreeMap<(&str, Tp), Vec<(usize, u64)>> = BTreeMap::new();
    // Offsets of transaction markers (control records, never returned).
    let mut markers: BTreeMap<Tp, IntervalSet> = BTreeMap::new();

    for (i, r) in records.iter().enumerate() {
        let n = r.node;
        if let TraceEvent::Kernel(KernelEvent::Crash { .. } | KernelEvent::Restart) = &r.ev {
            // A new process names its group again.
            group_of.remove(&n);
            continue;
        }
        let Some(k) = kevent(r) else { continue };
        match k {
            KEvent::ConsumerGroup { group } => {
                group_of.insert(n, group.as_str());
            }
            KEvent::Polled { tp, records: recs } => {
                if let (Some(g), Some(lo)) = (group_of.get(&n), recs.iter().map(|x| x.0).min()) {
                    let e = first.entry((*g, *tp)).or_insert(lo);
                    *e = (*e).min(lo);
                }
            }
            KEvent::Processed { tp, from, to } => {
                let key = group_of.get(&n).map_or(Key::Node(n), |g| Key::Group(g));
                let again = once.entry((key, *tp)).or_default().insert(*from..*to);
                let t = twice.entry((key, *tp)).or_default();
                let mut new = 0u64;
                for p in &again {
                    let already = t.insert(p.clone());
                    new += len(p) - already.iter().map(len).sum::<u64>();
                }
                if !again.is_empty() {
                    rep.count += new;
                    let total: u64 = again.iter().map(len).sum();
                    let list: Vec<String> = again.iter().map(show).collect();
                    rep.hits.push(hits.hit(
                        "reprocessed",
                        i,
                        format!(
                            "consumer node {n} processed {tp} offsets {} again: {total} record(s) a consumer of {} had already processed",
                            list.join(", "),
                            key.describe()
                        ),
                    ));
                }
            }
            KEvent::Committed { group, tp, offset, .. } => {
                commits.entry((group.as_str(), *tp)).or_default().push((i, *offset));
            }
            KEvent::TxnMarker { tp, offset, .. } => {
                markers.entry(*tp).or_default().insert(*offset..offset.saturating_add(1));
            }
            _ => {}
        }
    }

    for ((g, tp), cs) in &commits {
        let Some(&(_, committed)) = cs.last() else { continue };
        let Some(&lo) = first.get(&(*g, *tp)) else { continue };
        if lo >= committed {
            continue;
        }
        let mut done = once.get(&(Key::Group(g), *tp)).cloned().unwrap_or_default();
        if let Some(m) = markers.get(tp) {
            done.union(m);
        }
        for gap in done.gaps(lo..committed) {
            unp.count += len(&gap);
            let at = cs.iter().find(|(_, o)| *o > gap.start).map_or(hits.last(), |(idx, _)| *idx);
            unp.hits.push(hits.hit(
                "unprocessed",
                at,
                format!(
                    "group {g:?} committed {tp} up to offset {committed} but no consumer of the group processed offsets {} ({} record(s))",
                    show(&gap),
                    len(&gap)
                ),
            ));
        }
    }
    unp.hits.sort_by_key(|h| h.trace_index);
    (rep, unp)
}

//! The Jepsen-named checkers (reference §2 D; `jepsen.tests.kafka`).
//!
//! The *version order* of a partition is built, as in Jepsen, from every
//! acknowledged send with a known offset (`SendOk` with `offset >= 0`) and
//! every polled record: a set of values per offset. Send and value identity
//! are described in [`super::history`].
//!
//! - `lost-write`: an acknowledged send `s` of value `v` to partition `p` is
//!   lost if no poll of `p` ever returned `v` and `v`'s *last* offset in the
//!   version order is `<=` the highest *first* offset of any value polled
//!   from `p` (Jepsen: something at or after it was read, so it should have
//!   been read too). The hit points at the later of `s`'s `SendOk` and the
//!   earliest poll that returned such a value. **Simulator extension:** `s`
//!   is also lost if `v` is absent from the partition's reference replica
//!   (final leader, see [`super::replicas`]), whether or not it was polled,
//!   unless retention explains it (its acked offset is below that replica's
//!   `log_start`, or, offset unknown (acks=0), the log start moved at all);
//!   that hit points at the last record. A send counts once.
//! - `unseen`: acknowledged sends (value known), to partitions some consumer
//!   was assigned or polled, whose value no poll of their
//!   partition ever returned. Counts sends; one hit per partition at the
//!   last record, listing the first values.
//! - `duplicate`: a `(partition, value)` seen at more offsets than the number
//!   of distinct sends that carried it (at least 1), counting the version
//!   order and the reference replica's final log. Counts pairs; the hit
//!   points at the observation that added the offset too many, or at the
//!   last record if only the final log shows it.
//! - `inconsistent-offsets`: a `(partition, offset)` with more than one value
//!   in the version order (sends and polls). Counts offsets; the hit points
//!   at the record that showed the second value.
//! - `poll-skip` / `nonmonotonic-poll`: per consumer node and partition,
//!   successive non-empty `Polled` records: the next poll's first offset is
//!   beyond the previous poll's last offset `+ 1` (skip) or `<=` it
//!   (nonmonotonic; a re-read counts, as in Jepsen). Raw offsets are used
//!   (Kafka offsets without transactions are dense). The expectation is
//!   forgotten for every partition on `Assigned`, on a `Crash`/`Restart` of
//!   the consumer, and for one partition on `PositionReset` of it (stricter
//!   than Jepsen, which keeps still-assigned keys: here each generation
//!   restarts from committed offsets, where rewinds are legal, reference
//!   B5). Counts pairs; the hit points at the later poll.
//! - `nonmonotonic-send`: per producer node, incarnation and partition, the
//!   acknowledged sends with a known offset in send id order: a send whose
//!   offset is `<=` the previous one's (Jepsen's `delta < 1`). Counts pairs;
//!   the hit points at the later of the two `SendOk` records.
//! - `G1a`: a `(partition, value)` returned by a poll whose sends (at least
//!   one) all definitely failed (`SendFail`). Counts pairs; the hit points at
//!   the later of the first such poll and the last `SendFail`.

use super::history::{History, Obs, ObsKind, Outcome, Rec, SendOp};
use super::replicas::Cluster;
use super::{FinalLogs, Found, Hits};
use crate::kafka::events::KEvent;
use crate::kafka::types::Tp;
use crate::kernel::{KernelEvent, NodeId, TraceEvent};
use crate::model::Event;
use std::collections::{BTreeMap, BTreeSet};

/// `(partition, value)` → `(first offset, last offset)` in the version order.
fn spans<'a>(h: &History<'a>) -> BTreeMap<(Tp, &'a str), (u64, u64)> {
    let mut m: BTreeMap<(Tp, &str), (u64, u64)> = BTreeMap::new();
    for o in &h.obs {
        let e = m.entry((o.tp, o.value)).or_insert((o.offset, o.offset));
        e.0 = e.0.min(o.offset);
        e.1 = e.1.max(o.offset);
    }
    m
}

/// For one partition: polls as `(first offset of the polled value, trace
/// index)` sorted by offset, with the suffix minimum of the index.
struct Reads {
    by_offset: Vec<(u64, usize)>,
    suffix_min: Vec<usize>,
}

impl Reads {
    fn bound(&self) -> Option<u64> {
        self.by_offset.last().map(|x| x.0)
    }
    /// The earliest poll that read a value whose first offset is `>= at`.
    fn earliest_at_or_after(&self, at: u64) -> Option<usize> {
        let i = self.by_offset.partition_point(|x| x.0 < at);
        self.suffix_min.get(i).copied()
    }
}

fn reads(h: &History<'_>, spans: &BTreeMap<(Tp, &str), (u64, u64)>) -> BTreeMap<Tp, Reads> {
    let mut per: BTreeMap<Tp, Vec<(u64, usize)>> = BTreeMap::new();
    for o in h.obs.iter().filter(|o| o.kind == ObsKind::Poll) {
        let first = spans.get(&(o.tp, o.value)).map_or(o.offset, |s| s.0);
        per.entry(o.tp).or_default().push((first, o.index));
    }
    per.into_iter()
        .map(|(tp, mut v)| {
            v.sort_unstable();
            let mut suffix_min = vec![usize::MAX; v.len()];
            let mut m = usize::MAX;
            for (i, x) in v.iter().enumerate().rev() {
                m = m.min(x.1);
                suffix_min[i] = m;
            }
            (tp, Reads { by_offset: v, suffix_min })
        })
        .collect()
}

fn acked_offset_text(s: &SendOp<'_>) -> String {
    match s.acked_offset() {
        Some(o) => format!("acked at offset {o}"),
        None => "acked without offset".to_string(),
    }
}

pub fn lost_write(h: &History<'_>, logs: &FinalLogs, cluster: &Cluster, hits: &Hits<'_>) -> Found {
    let spans = spans(h);
    let reads = reads(h, &spans);
    // Values of each partition's reference replica.
    let mut finals: BTreeMap<Tp, (u32, u64, BTreeSet<&str>)> = BTreeMap::new();
    for tp in logs.keys() {
        if let Some(rep) = cluster.reference(*tp, logs) {
            finals.insert(*tp, (rep.broker, rep.log_start, rep.records.iter().map(|r| r.value.as_str()).collect()));
        }
    }
    let mut f = Found::default();
    for s in h.sends.iter().filter(|s| s.acked()) {
        let Some(v) = s.value else { continue };
        let polled = h.first_poll.contains_key(&(s.tp, v));
        // Jepsen: something at or after it was read, it was not.
        let jepsen = if polled {
            None
        } else {
            let last = spans.get(&(s.tp, v)).map(|x| x.1);
            let r = reads.get(&s.tp);
            match (last, r.and_then(|r| r.bound())) {
                (Some(last), Some(bound)) if last <= bound => {
                    let poll = r.and_then(|r| r.earliest_at_or_after(last)).unwrap_or(hits.last());
                    Some((poll.max(s.complete.unwrap_or(0)), last, bound, poll))
                }
                _ => None,
            }
        };
        // Simulator: absent from the final log of the reference replica.
        let absent = finals.get(&s.tp).and_then(|(broker, log_start, values)| {
            let trimmed = match s.acked_offset() {
                Some(o) => o < *log_start,
                None => *log_start > 0,
            };
            (!values.contains(v) && !trimmed).then_some(*broker)
        });
        let msg = match (jepsen, absent) {
            (None, None) => continue,
            (Some((at, last, bound, poll)), absent) => {
                let also = absent.map(|b| format!("; it is also absent from the final log of broker {b} (final leader)")).unwrap_or_default();
                (
                    at,
                    format!(
                        "{} to {} ({}) was never polled although offset {bound} >= {last} was (poll at #{poll}){also}",
                        s.describe(),
                        s.tp,
                        acked_offset_text(s)
                    ),
                )
            }
            (None, Some(b)) => {
                (hits.last(), format!("{} to {} ({}) is absent from the final log of broker {b} (final leader)", s.describe(), s.tp, acked_offset_text(s)))
            }
        };
        f.count += 1;
        f.hits.push(hits.hit("lost-write", msg.0, msg.1));
    }
    f
}

pub fn unseen(h: &History<'_>, hits: &Hits<'_>) -> Found {
    let mut f = Found::default();
    let mut per: BTreeMap<Tp, Vec<&SendOp<'_>>> = BTreeMap::new();
    for s in h.sends.iter().filter(|s| s.acked() && h.consumed.contains(&s.tp)) {
        let Some(v) = s.value else { continue };
        if !h.first_poll.contains_key(&(s.tp, v)) {
            per.entry(s.tp).or_default().push(s);
        }
    }
    const SHOWN: usize = 5;
    for (tp, sends) in per {
        f.count += sends.len() as u64;
        let shown: Vec<String> = sends.iter().take(SHOWN).map(|s| format!("{:?}", s.value.unwrap_or(""))).collect();
        let more = if sends.len() > SHOWN { format!(" and {} more", sends.len() - SHOWN) } else { String::new() };
        f.hits.push(hits.hit("unseen", hits.last(), format!("{tp}: {} acknowledged value(s) never polled: {}{more}", sends.len(), shown.join(", "))));
    }
    f
}

/// Where an offset of a value was seen.
#[derive(Clone, Copy)]
enum Src {
    Ack(usize),
    Poll(usize),
    Log(u32),
}

pub fn duplicate(h: &History<'_>, logs: &FinalLogs, cluster: &Cluster, hits: &Hits<'_>) -> Found {
    let mut f = Found::default();
    let allow = |tp: Tp, v: &str| h.writers.get(&(tp, v)).map_or(1, |w| w.len().max(1));
    let mut seen: BTreeMap<(Tp, &str), BTreeMap<u64, Src>> = BTreeMap::new();
    let mut flagged: BTreeMap<(Tp, &str), usize> = BTreeMap::new();
    for o in &h.obs {
        let offs = seen.entry((o.tp, o.value)).or_default();
        if offs.contains_key(&o.offset) {
            continue;
        }
        offs.insert(o.offset, if o.kind == ObsKind::Ack { Src::Ack(o.index) } else { Src::Poll(o.index) });
        if offs.len() > allow(o.tp, o.value) && !flagged.contains_key(&(o.tp, o.value)) {
            flagged.insert((o.tp, o.value), o.index);
        }
    }
    for tp in logs.keys() {
        let Some(rep) = cluster.reference(*tp, logs) else { continue };
        for r in &rep.records {
            let key = (*tp, r.value.as_str());
            let offs = seen.entry(key).or_default();
            offs.entry(r.offset).or_insert(Src::Log(rep.broker));
            if offs.len() > allow(*tp, &r.value) && !flagged.contains_key(&key) {
                flagged.insert(key, hits.last());
            }
        }
    }
    // Report in trace order of discovery, then by partition and value.
    let mut order: Vec<((Tp, &str), usize)> = flagged.into_iter().collect();
    order.sort_by_key(|(k, i)| (*i, *k));
    for ((tp, v), at) in order {
        f.count += 1;
        let offs = seen.get(&(tp, v)).cloned().unwrap_or_default();
        let list: Vec<String> = offs
            .iter()
            .map(|(o, src)| match src {
                Src::Ack(i) => format!("{o} (ack #{i})"),
                Src::Poll(i) => format!("{o} (poll #{i})"),
                Src::Log(b) => format!("{o} (final log of broker {b})"),
            })
            .collect();
        let sends = allow(tp, v);
        f.hits.push(hits.hit("duplicate", at, format!("value {v:?} of {tp} is at {} offsets: {} ({sends} send(s) carried it)", offs.len(), list.join(", "))));
    }
    f
}

pub fn inconsistent_offsets(h: &History<'_>, hits: &Hits<'_>) -> Found {
    let mut f = Found::default();
    // (partition, offset) → the first observation of each distinct value.
    let mut at: BTreeMap<(Tp, u64), Vec<&Obs<'_>>> = BTreeMap::new();
    for o in &h.obs {
        let vals = at.entry((o.tp, o.offset)).or_default();
        if vals.iter().any(|x| x.value == o.value) {
            continue;
        }
        vals.push(o);
        if vals.len() == 2 {
            f.count += 1;
            let list: Vec<String> =
                vals.iter().map(|x| format!("{:?} ({} #{})", x.value, if x.kind == ObsKind::Ack { "ack" } else { "poll" }, x.index)).collect();
            f.hits.push(hits.hit("inconsistent-offsets", o.index, format!("{} offset {} holds more than one value: {}", o.tp, o.offset, list.join(", "))));
        }
    }
    f
}

/// `(poll-skip, nonmonotonic-poll)`.
pub fn poll_order(records: &[Rec], hits: &Hits<'_>) -> (Found, Found) {
    let mut skip = Found::default();
    let mut back = Found::default();
    // consumer node → partition → (last offset read, poll index).
    let mut last: BTreeMap<NodeId, BTreeMap<Tp, (u64, usize)>> = BTreeMap::new();
    let skippable = skippable_offsets(records);
    let no_skippable = std::collections::BTreeSet::new();
    for (i, r) in records.iter().enumerate() {
        let n = r.node;
        match &r.ev {
            TraceEvent::Kernel(KernelEvent::Crash { .. } | KernelEvent::Restart) => {
                last.remove(&n);
            }
            TraceEvent::Kernel(_) | TraceEvent::Domain(Event::Stream(_)) => {}
            TraceEvent::Domain(Event::Kafka(k)) => match k {
                KEvent::Assigned { .. } => {
                    last.remove(&n);
                }
                KEvent::PositionReset { tp, .. } => {
                    if let Some(m) = last.get_mut(&n) {
                        m.remove(tp);
                    }
                }
                KEvent::Polled { tp, records: recs } => {
                    let (Some(first), Some(end)) = (recs.first(), recs.last()) else { continue };
                    let m = last.entry(n).or_default();
                    if let Some((prev, pidx)) = m.get(tp).copied() {
                        let gap = prev.saturating_add(1)..first.0.max(prev.saturating_add(1));
                        let expected_gap = skippable.get(tp).unwrap_or(&no_skippable).range(gap.clone()).count() as u64;
                        if first.0 > prev.saturating_add(1) && gap.end - gap.start > expected_gap {
                            skip.count += 1;
                            skip.hits.push(hits.hit(
                                "poll-skip",
                                i,
                                format!(
                                    "consumer node {n} polled {tp} from offset {} after offset {prev} (poll at #{pidx}): skipped offsets {}..={}",
                                    first.0,
                                    prev.saturating_add(1),
                                    first.0 - 1
                                ),
                            ));
                        } else if first.0 <= prev {
                            back.count += 1;
                            back.hits.push(hits.hit(
                                "nonmonotonic-poll",
                                i,
                                format!("consumer node {n} polled {tp} from offset {} after offset {prev} (poll at #{pidx})", first.0),
                            ));
                        }
                    }
                    m.insert(*tp, (end.0, i));
                }
                _ => {}
            },
        }
    }
    (skip, back)
}

/// Offsets a consumer legitimately never sees: transaction markers, and
/// records of aborted transactions (a read_committed consumer skips them;
/// a read_uncommitted one reads them, which G1a reports).
fn skippable_offsets(records: &[Rec]) -> BTreeMap<Tp, std::collections::BTreeSet<u64>> {
    let mut out: BTreeMap<Tp, std::collections::BTreeSet<u64>> = BTreeMap::new();
    let mut values: BTreeMap<(NodeId, u64), &str> = BTreeMap::new();
    let mut aborted: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for r in records {
        let TraceEvent::Domain(Event::Kafka(k)) = &r.ev else { continue };
        match k {
            KEvent::TxnMarker { tp, offset, .. } => {
                out.entry(*tp).or_default().insert(*offset);
            }
            KEvent::Send { id, value, .. } => {
                values.insert((r.node, *id), value.as_str());
            }
            KEvent::TxnEnded { commit: false, sends, .. } => {
                for id in sends {
                    if let Some(v) = values.get(&(r.node, *id)) {
                        aborted.insert(v);
                    }
                }
            }
            _ => {}
        }
    }
    if !aborted.is_empty() {
        for r in records {
            if let TraceEvent::Domain(Event::Kafka(KEvent::Appended { tp, base, values, .. })) = &r.ev {
                for (i, v) in values.iter().enumerate() {
                    if aborted.contains(v.as_str()) {
                        out.entry(*tp).or_default().insert(base + i as u64);
                    }
                }
            }
        }
    }
    out
}

pub fn nonmonotonic_send(h: &History<'_>, hits: &Hits<'_>) -> Found {
    let mut per: BTreeMap<(NodeId, u32, Tp), Vec<&SendOp<'_>>> = BTreeMap::new();
    for s in h.sends.iter().filter(|s| s.acked_offset().is_some()) {
        per.entry((s.producer, s.incarnation, s.tp)).or_default().push(s);
    }
    let mut found = Vec::new();
    for ((_, _, tp), mut v) in per {
        v.sort_by_key(|s| (s.id, s.acked_offset()));
        for w in v.windows(2) {
            let (a, b) = (w[0], w[1]);
            let (Some(oa), Some(ob)) = (a.acked_offset(), b.acked_offset()) else { continue };
            if ob <= oa {
                let at = a.complete.unwrap_or(0).max(b.complete.unwrap_or(0));
                found.push(hits.hit("nonmonotonic-send", at, format!("{} got offset {ob} of {tp} after {} got offset {oa}", b.describe(), a.describe())));
            }
        }
    }
    found.sort_by_key(|x| x.trace_index);
    Found { count: found.len() as u64, hits: found }
}

pub fn g1a(h: &History<'_>, hits: &Hits<'_>) -> Found {
    let mut f = Found::default();
    for ((tp, v), (poll, offset)) in &h.first_poll {
        let Some(ws) = h.writers.get(&(*tp, *v)) else { continue };
        let sends: Vec<&SendOp<'_>> = ws.iter().filter_map(|w| h.sends.get(*w)).collect();
        if sends.is_empty() || !sends.iter().all(|s| matches!(s.outcome, Outcome::Fail(_))) {
            continue;
        }
        let last_fail = sends.iter().filter_map(|s| s.complete).max().unwrap_or(0);
        let why: Vec<String> = sends
            .iter()
            .map(|s| match s.outcome {
                Outcome::Fail(e) => format!("{} failed with {e:?} (#{})", s.describe(), s.complete.unwrap_or(0)),
                _ => s.describe(),
            })
            .collect();
        f.count += 1;
        f.hits.push(hits.hit("G1a", (*poll).max(last_fail), format!("{tp} offset {offset}: polled {v:?} (poll at #{poll}) but {}", why.join("; "))));
    }
    f.hits.sort_by_key(|x| x.trace_index);
    f
}

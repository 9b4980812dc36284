//! A Jepsen-style history extracted from the trace.
//!
//! **Send identity.** A send is identified by `(producer node, incarnation,
//! send id)`. The incarnation counts the kernel `Restart` records of the
//! producer node seen so far, so ids that restart from 0 in a new process
//! are still distinct sends; a completion (`SendOk` / `SendFail` /
//! `SendInfo`) belongs to the current incarnation's send with that id. Only
//! the first completion of a send counts. A completion without a `Send`
//! still makes an op (value unknown): it counts, but no value-based check
//! can use it.
//!
//! **Value identity.** Polls carry `(offset, value)` only, so a poll is
//! linked to sends through the value, within one partition. Producers
//! generate unique values, but scripted records may repeat one: a value
//! polled then counts as polled for every send that carried it to that
//! partition (checkers under-report rather than invent anomalies), and the
//! `duplicate` checker allows one offset per distinct send of the value.
//!
//! **Topic of a send.** `Send` / `SendOk` name the partition number but not
//! the topic; a producer writes one topic. The topic is taken from the
//! producer node's `BatchSent` records; failing that, from an `Appended`
//! record holding the same value in a partition of that number; failing
//! that, the only topic in the trace and final logs; failing that, topic 0.

use super::FinalLogs;
use crate::kafka::events::KEvent;
use crate::kafka::types::{ErrorCode, Tp};
use crate::kernel::{KernelEvent, NodeId, TraceEvent, TraceRecord};
use crate::model::Event;
use std::collections::{BTreeMap, BTreeSet};

/// A trace record of the streamlab domain.
pub type Rec = TraceRecord<Event>;

/// The Kafka event of a record, if it is one.
pub fn kevent(r: &Rec) -> Option<&KEvent> {
    match &r.ev {
        TraceEvent::Domain(Event::Kafka(k)) => Some(k),
        TraceEvent::Kernel(_) | TraceEvent::Domain(Event::Stream(_)) => None,
    }
}

/// The kernel event of a record, if it is one.
pub fn kernel(r: &Rec) -> Option<&KernelEvent> {
    match &r.ev {
        TraceEvent::Kernel(k) => Some(k),
        TraceEvent::Domain(_) => None,
    }
}

/// How a send ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No completion in the trace.
    Pending,
    /// `SendOk`; `offset` is `None` for acks=0 (offset -1).
    Ok { offset: Option<u64> },
    /// `SendFail`: definitely not appended.
    Fail(ErrorCode),
    /// `SendInfo`: may or may not have been appended.
    Info(ErrorCode),
}

/// One send: the invocation and its outcome.
#[derive(Clone, Debug)]
pub struct SendOp<'a> {
    pub producer: NodeId,
    pub incarnation: u32,
    pub id: u64,
    /// The partition: the `SendOk`'s if acknowledged, else the `Send`'s.
    pub tp: Tp,
    /// `None` when the trace has a completion but no `Send`.
    pub value: Option<&'a str>,
    /// Trace index of the `Send`.
    pub invoke: Option<usize>,
    pub outcome: Outcome,
    /// Trace index of the (first) completion.
    pub complete: Option<usize>,
}

impl SendOp<'_> {
    pub fn acked(&self) -> bool {
        matches!(self.outcome, Outcome::Ok { .. })
    }
    pub fn acked_offset(&self) -> Option<u64> {
        match self.outcome {
            Outcome::Ok { offset } => offset,
            _ => None,
        }
    }
    /// `node 4 send 17 ("p1-17")`
    pub fn describe(&self) -> String {
        let inc = if self.incarnation > 0 { format!(" (incarnation {})", self.incarnation) } else { String::new() };
        match self.value {
            Some(v) => format!("producer node {} send {}{inc} ({v:?})", self.producer, self.id),
            None => format!("producer node {} send {}{inc}", self.producer, self.id),
        }
    }
}

/// One poll of one partition by one consumer.
#[derive(Clone, Debug)]
pub struct PollOp<'a> {
    pub consumer: NodeId,
    pub index: usize,
    pub tp: Tp,
    pub records: &'a [(u64, String)],
}

/// Where an `(offset, value)` observation came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObsKind {
    Ack,
    Poll,
}

/// One observation of a value at an offset (Jepsen's version order is
/// built from these: acknowledged sends with an offset, and every polled
/// record).
#[derive(Clone, Debug)]
pub struct Obs<'a> {
    pub index: usize,
    pub tp: Tp,
    pub offset: u64,
    pub value: &'a str,
    pub kind: ObsKind,
}

/// The extracted history.
#[derive(Clone, Debug, Default)]
pub struct History<'a> {
    /// Sends in invocation order (completions without a `Send` are appended
    /// when they appear).
    pub sends: Vec<SendOp<'a>>,
    pub polls: Vec<PollOp<'a>>,
    /// Observations in trace order.
    pub obs: Vec<Obs<'a>>,
    /// `(partition, value)` → indexes into `sends` of the sends carrying it.
    pub writers: BTreeMap<(Tp, &'a str), Vec<usize>>,
    /// `(partition, value)` → `(trace index, offset)` of the first poll
    /// that returned it.
    pub first_poll: BTreeMap<(Tp, &'a str), (usize, u64)>,
    /// Partitions some consumer was assigned or polled: only these can be
    /// `unseen` (without consumers, nothing is expected to be read).
    pub consumed: BTreeSet<Tp>,
}

/// Resolves the topic of a producer's sends (see the module docs).
struct Topics<'a> {
    by_batch: BTreeMap<NodeId, u16>,
    by_append: BTreeMap<(u32, &'a str), u16>,
    only: Option<u16>,
}

impl<'a> Topics<'a> {
    fn new(records: &'a [Rec], logs: &FinalLogs) -> Self {
        let mut by_batch = BTreeMap::new();
        let mut by_append = BTreeMap::new();
        let mut topics: BTreeSet<u16> = logs.keys().map(|tp| tp.0).collect();
        for r in records {
            let Some(k) = kevent(r) else { continue };
            match k {
                KEvent::BatchSent { tp, .. } => {
                    by_batch.entry(r.node).or_insert(tp.0);
                    topics.insert(tp.0);
                }
                KEvent::Appended { tp, values, .. } => {
                    for v in values {
                        by_append.entry((tp.1, v.as_str())).or_insert(tp.0);
                    }
                    topics.insert(tp.0);
                }
                KEvent::PartitionChanged { tp, .. } | KEvent::Polled { tp, .. } => {
                    topics.insert(tp.0);
                }
                _ => {}
            }
        }
        let only = if topics.len() == 1 { topics.first().copied() } else { None };
        Topics { by_batch, by_append, only }
    }

    fn topic(&self, producer: NodeId, partition: u32, value: Option<&str>) -> u16 {
        if let Some(t) = self.by_batch.get(&producer) {
            return *t;
        }
        if let Some(t) = value.and_then(|v| self.by_append.get(&(partition, v))) {
            return *t;
        }
        self.only.unwrap_or(0)
    }
}

/// Extracts the history of sends and polls.
pub fn extract<'a>(records: &'a [Rec], logs: &FinalLogs) -> History<'a> {
    let topics = Topics::new(records, logs);
    let mut h = History::default();
    let mut incarnation: BTreeMap<NodeId, u32> = BTreeMap::new();
    let mut open: BTreeMap<(NodeId, u32, u64), usize> = BTreeMap::new();

    for (i, r) in records.iter().enumerate() {
        let node = r.node;
        let inc = incarnation.get(&node).copied().unwrap_or(0);
        let k = match &r.ev {
            TraceEvent::Kernel(KernelEvent::Restart) => {
                *incarnation.entry(node).or_insert(0) += 1;
                continue;
            }
            TraceEvent::Kernel(_) | TraceEvent::Domain(Event::Stream(_)) => continue,
            TraceEvent::Domain(Event::Kafka(k)) => k,
        };
        match k {
            KEvent::Send { id, value, partition, .. } => {
                let tp = Tp(topics.topic(node, *partition, Some(value)), *partition);
                open.insert((node, inc, *id), h.sends.len());
                h.sends.push(SendOp {
                    producer: node,
                    incarnation: inc,
                    id: *id,
                    tp,
                    value: Some(value.as_str()),
                    invoke: Some(i),
                    outcome: Outcome::Pending,
                    complete: None,
                });
            }
            KEvent::SendOk { id, partition, offset } => {
                let offset = u64::try_from(*offset).ok();
                let s = complete(&mut h, &mut open, &topics, (node, inc, *id), *partition, i, Outcome::Ok { offset });
                if let Some(s) = s {
                    let op = &mut h.sends[s];
                    // The partition it landed in.
                    op.tp = Tp(op.tp.0, *partition);
                    if let (Some(value), Some(offset)) = (op.value, offset) {
                        h.obs.push(Obs { index: i, tp: op.tp, offset, value, kind: ObsKind::Ack });
                    }
                }
            }
            KEvent::SendFail { id, error } => {
                complete(&mut h, &mut open, &topics, (node, inc, *id), u32::MAX, i, Outcome::Fail(*error));
            }
            KEvent::SendInfo { id, error } => {
                complete(&mut h, &mut open, &topics, (node, inc, *id), u32::MAX, i, Outcome::Info(*error));
            }
            KEvent::Assigned { partitions, .. } => {
                h.consumed.extend(partitions.iter().copied());
            }
            KEvent::Polled { tp, records: recs } => {
                h.consumed.insert(*tp);
                for (offset, value) in recs {
                    h.obs.push(Obs { index: i, tp: *tp, offset: *offset, value, kind: ObsKind::Poll });
                    h.first_poll.entry((*tp, value.as_str())).or_insert((i, *offset));
                }
                h.polls.push(PollOp { consumer: node, index: i, tp: *tp, records: recs });
            }
            _ => {}
        }
    }
    for (s, op) in h.sends.iter().enumerate() {
        if let Some(v) = op.value {
            h.writers.entry((op.tp, v)).or_default().push(s);
        }
    }
    h
}

/// Records the first completion of a send; returns its index in `sends` if
/// this completion is the one that counts.
fn complete(
    h: &mut History<'_>,
    open: &mut BTreeMap<(NodeId, u32, u64), usize>,
    topics: &Topics<'_>,
    key: (NodeId, u32, u64),
    partition: u32,
    index: usize,
    outcome: Outcome,
) -> Option<usize> {
    let s = match open.get(&key) {
        Some(s) => *s,
        None => {
            // A completion without an invocation: keep it, value unknown.
            let partition = if partition == u32::MAX { 0 } else { partition };
            let s = h.sends.len();
            h.sends.push(SendOp {
                producer: key.0,
                incarnation: key.1,
                id: key.2,
                tp: Tp(topics.topic(key.0, partition, None), partition),
                value: None,
                invoke: None,
                outcome: Outcome::Pending,
                complete: None,
            });
            open.insert(key, s);
            s
        }
    };
    let op = h.sends.get_mut(s)?;
    if op.complete.is_some() {
        return None;
    }
    op.outcome = outcome;
    op.complete = Some(index);
    Some(s)
}

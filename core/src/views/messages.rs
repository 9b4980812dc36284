//! The Messages view: a sequence (Lamport) diagram of the protocol messages
//! around the current moment — one vertical lane per node, time flowing
//! down, one arrow per message from its send to its delivery (or to the
//! point where the network or a dead receiver dropped it).
//!
//! Everything comes from the trace's kernel records: `msg_send` (sender,
//! receiver, message kind), `msg_deliver`, `msg_drop` (with its reason) and
//! `msg_duplicate`, paired by message id, plus the lifecycle records
//! (crash, restart, pause, link cut/heal, fault fired) shown as marks on the
//! lanes. Kafka speaks request/response over TCP; here each request and
//! each response is its own message, so a produce with `acks=all` shows as
//! `Produce` from the producer to the leader, the followers' `Fetch(replica)`
//! round trips, and the `ProduceResponse` once the high watermark passed it.
//!
//! Cost: the model is recomputed every animation frame while the run plays,
//! so it scans the trace backwards from the end only as far as the span
//! reaches (records are in time order), plus a bounded look further back
//! for the sends of messages that arrived inside the span. Message ids grow
//! in send order, which lets that look stop as soon as it passes the oldest
//! id it still needs.
//!
//! Simplifications: a message sent before the span and still in flight at
//! the current moment (e.g. held by a paused receiver) is not shown; every
//! node gets a lane (a stable layout while the run plays), whether or not
//! it sent anything in the span.

use crate::kernel::{CrashKind, DropReason, KernelEvent, NodeId, NodeStatus, Sim, TraceEvent, WORLD};
use crate::model::Model;
use crate::time::Micros;
use crate::world::World;
use serde::Serialize;
use std::collections::BTreeMap;

/// Spans the app offers (µs): 50 ms, 200 ms, 1 s, 5 s.
pub const SPANS: &[Micros] = &[50_000, 200_000, 1_000_000, 5_000_000];
/// The span shown first: a few produce round trips at the default 1 ms
/// link latency.
pub const DEFAULT_SPAN: Micros = 200_000;
/// How many arrows the app draws at most (it stays smooth at 60 fps).
pub const DEFAULT_MAX_ARROWS: usize = 300;
/// How many records before the span the view reads, at most, to find the
/// sends of messages delivered inside it.
const LOOK_BACK: usize = 50_000;

/// A family of protocol messages, for filtering (a request and its
/// response are in the same family).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Produce,
    Fetch,
    Metadata,
    Heartbeat,
    Controller,
    Group,
    Txn,
    Other,
}

impl Family {
    pub const ALL: [Family; 8] =
        [Family::Produce, Family::Fetch, Family::Metadata, Family::Heartbeat, Family::Controller, Family::Group, Family::Txn, Family::Other];

    /// The family of a message kind as the trace names it (`Produce`,
    /// `Fetch(replica)`, `FetchResponse` …).
    pub fn of(kind: &str) -> Family {
        let base = kind.strip_suffix("Response").unwrap_or(kind);
        match base {
            "Produce" | "InitProducerId" => Family::Produce,
            "Fetch(replica)" | "Fetch(consumer)" | "Fetch" | "ListOffsets" => Family::Fetch,
            "Metadata" | "UpdateMetadata" => Family::Metadata,
            "BrokerHeartbeat" | "Heartbeat" => Family::Heartbeat,
            "BrokerRegistration" | "AlterPartition" => Family::Controller,
            "JoinGroup" | "SyncGroup" | "LeaveGroup" | "OffsetCommit" | "OffsetFetch" => Family::Group,
            "AddPartitionsToTxn" | "EndTxn" | "WriteTxnMarkers" => Family::Txn,
            _ => Family::Other,
        }
    }

    /// The family's name (lower case, as in the filter).
    pub fn name(self) -> &'static str {
        match self {
            Family::Produce => "produce",
            Family::Fetch => "fetch",
            Family::Metadata => "metadata",
            Family::Heartbeat => "heartbeat",
            Family::Controller => "controller",
            Family::Group => "group",
            Family::Txn => "txn",
            Family::Other => "other",
        }
    }

    /// One sentence for a tooltip.
    pub fn explain(self) -> &'static str {
        match self {
            Family::Produce => "Producers writing: Produce requests to partition leaders and their acknowledgements (and InitProducerId for idempotence).",
            Family::Fetch => "Reads: followers and consumers fetching records from leaders (a fetch waits at the leader until there is data), and ListOffsets.",
            Family::Metadata => "Who leads what: the controller pushing UpdateMetadata to brokers, and clients asking a broker for Metadata.",
            Family::Heartbeat => "I am alive: brokers heartbeat the controller, consumers heartbeat their group coordinator.",
            Family::Controller => "Cluster membership and ISR changes: broker registration and AlterPartition requests to the controller.",
            Family::Group => "Consumer groups: join, sync, leave, and committing or fetching offsets at the group coordinator.",
            Family::Txn => "Transactions: adding partitions, ending a transaction, and the commit/abort markers written to leaders.",
            Family::Other => "Any other message.",
        }
    }
}

/// The word for a drop reason, as the diagram prints it.
pub fn drop_word(r: DropReason) -> &'static str {
    match r {
        DropReason::Partitioned => "partitioned",
        DropReason::Lost => "lost",
        DropReason::CutInFlight => "cut in flight",
        DropReason::NodeDown => "receiver down",
    }
}

/// One sentence per drop reason, for a tooltip.
pub fn drop_explain(r: DropReason) -> &'static str {
    match r {
        DropReason::Partitioned => "The link was cut when the message was sent, so it never left.",
        DropReason::Lost => "The link lost the message (its configured loss probability).",
        DropReason::CutInFlight => "The link was cut while the message was on its way.",
        DropReason::NodeDown => "The receiver was down when the message arrived.",
    }
}

/// Which messages to show. The default shows everything.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MessagesFilter {
    /// Families not to show.
    pub hide: Vec<Family>,
    /// Only messages sent or received by this node (and marks on its lane
    /// and world-wide fault marks). A name that is not a node is ignored.
    pub node: Option<String>,
}

/// What happened to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "fate")]
pub enum Fate {
    Delivered {
        at: Micros,
    },
    /// Dropped at `at`: at the send for `partitioned` and `lost`, on arrival
    /// for `cut_in_flight` and `node_down`.
    Dropped {
        at: Micros,
        reason: DropReason,
    },
    /// Neither delivered nor dropped yet (still on the wire, or held by a
    /// paused receiver).
    InFlight,
}

/// One message.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Arrow {
    /// The message id (`id` of `msg_send`).
    pub id: u64,
    /// Lane indices of the sender and the receiver.
    pub from: usize,
    pub to: usize,
    /// The message kind (`Produce`, `Fetch(replica)`, `FetchResponse` …).
    pub kind: &'static str,
    pub family: Family,
    pub sent: Micros,
    pub fate: Fate,
    /// A second copy the link delivered (`msg_duplicate`): the id of the
    /// original message.
    pub copy_of: Option<u64>,
}

impl Arrow {
    /// When the message was delivered or dropped.
    pub fn end(&self) -> Option<Micros> {
        match self.fate {
            Fate::Delivered { at } | Fate::Dropped { at, .. } => Some(at),
            Fate::InFlight => None,
        }
    }
    /// Delivery time minus send time, for a delivered message.
    pub fn latency(&self) -> Option<Micros> {
        match self.fate {
            Fate::Delivered { at } => Some(at.saturating_sub(self.sent)),
            _ => None,
        }
    }
}

/// A node's lane.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lane {
    pub name: String,
    /// `controller`, `brokers`, `producers`, `consumers` or `jobs`.
    pub group: String,
    /// At the current moment: `up`, `paused` or `down`.
    pub status: &'static str,
    /// Periods of the span the node was down / paused.
    pub down: Vec<(Micros, Micros)>,
    pub paused: Vec<(Micros, Micros)>,
}

/// What a lane mark shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    Crash,
    Restart,
    Pause,
    Resume,
    DiskLost,
    ClockSkew,
    /// The directed link `lane → peer` was cut.
    LinkCut,
    LinkHealed,
    /// The link's latency/loss settings changed (or were reset).
    LinkChanged,
    /// A connection reset came back from `peer` (its process is dead).
    ConnectionRefused,
    /// A scripted or random fault fired (world-wide: no lane).
    Fault,
    FaultSkipped,
    NemesisHealed,
}

/// A lifecycle or fault event in the span.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mark {
    pub t: Micros,
    /// The node's lane (None: the world, e.g. a fault firing).
    pub lane: Option<usize>,
    /// The other end of a link, or the peer that reset a connection.
    pub peer: Option<usize>,
    pub kind: MarkKind,
    /// A short text: `crash (process)`, `cut b1 → b2`, `fault: …`.
    pub label: String,
}

/// The diagram of `[start, now]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MessagesModel {
    pub now: Micros,
    pub start: Micros,
    /// One lane per node, in node id order (controller, brokers,
    /// producers, consumers, jobs): lane `i` is node `i`.
    pub lanes: Vec<Lane>,
    /// Messages sent or ending in the span that pass the filter, by send
    /// time (then id); the newest `max` of them.
    pub arrows: Vec<Arrow>,
    /// Lifecycle and fault marks in the span, by time (the newest `max`).
    pub marks: Vec<Mark>,
    /// Messages of the span that pass the filter but were not drawn (the
    /// oldest ones, beyond `max`).
    pub not_drawn: usize,
    /// Messages sent in the span per family, before filtering (every
    /// family, in [`Family::ALL`] order).
    pub family_counts: Vec<(Family, usize)>,
    /// The lane the node filter selected, if any.
    pub focus: Option<usize>,
}

/// The messages of the last `span` µs up to the current moment, at most
/// `max` arrows (the newest).
pub fn messages(world: &World, span: Micros, max: usize) -> MessagesModel {
    messages_filtered(world, span, max, &MessagesFilter::default())
}

/// How a message ended, while pairing.
#[derive(Clone, Copy)]
struct End {
    at: Micros,
    drop: Option<DropReason>,
}

impl End {
    fn fate(e: Option<End>) -> Fate {
        match e {
            None => Fate::InFlight,
            Some(End { at, drop: None }) => Fate::Delivered { at },
            Some(End { at, drop: Some(reason) }) => Fate::Dropped { at, reason },
        }
    }
}

/// Collects arrows newest first, up to a cap.
struct Collector<'a> {
    filter_hide: &'a [Family],
    focus: Option<usize>,
    lanes: usize,
    max: usize,
    arrows: Vec<Arrow>,
    not_drawn: usize,
}

impl Collector<'_> {
    /// The send of message `id` seen in the trace at `t` from `from`: its
    /// end (None: do not draw the original, only its link copy), and its
    /// link copy, if any.
    #[allow(clippy::too_many_arguments)]
    fn send(&mut self, t: Micros, from: NodeId, to: NodeId, id: u64, kind: &'static str, end: Option<Option<End>>, copy: Option<(u64, Option<End>)>) {
        let (from, to) = (from as usize, to as usize);
        if from >= self.lanes || to >= self.lanes {
            return;
        }
        let family = Family::of(kind);
        if self.filter_hide.contains(&family) || self.focus.is_some_and(|f| f != from && f != to) {
            return;
        }
        // Newest first: the copy was sent with the original, but has the
        // larger id, so it sorts after it.
        let copy = copy.map(|(c, e)| Arrow { id: c, from, to, kind, family, sent: t, fate: End::fate(e), copy_of: Some(id) });
        let original = end.map(|e| Arrow { id, from, to, kind, family, sent: t, fate: End::fate(e), copy_of: None });
        for a in copy.into_iter().chain(original) {
            if self.arrows.len() < self.max {
                self.arrows.push(a);
            } else {
                self.not_drawn += 1;
            }
        }
    }
}

/// [`messages`] with a filter by family and node.
pub fn messages_filtered(world: &World, span: Micros, max: usize, filter: &MessagesFilter) -> MessagesModel {
    let sim = &world.sim;
    let now = sim.now();
    let start = now.saturating_sub(span);
    let recs = sim.trace().records();
    let n = sim.node_count();
    let focus = filter.node.as_deref().and_then(|name| sim.node_id(name)).map(|id| id as usize);
    let lane_of = |id: NodeId| (id != WORLD && (id as usize) < n).then_some(id as usize);

    let mut col = Collector { filter_hide: &filter.hide, focus, lanes: n, max, arrows: Vec::new(), not_drawn: 0 };
    let mut counts = [0usize; Family::ALL.len()];
    // Deliveries and drops seen (scanning backwards) whose send is not yet
    // seen; link copies by original id.
    let mut ends: BTreeMap<u64, End> = BTreeMap::new();
    let mut copies: BTreeMap<u64, u64> = BTreeMap::new();
    let mut marks: Vec<Mark> = Vec::new();

    // Records are in time order: those up to now end at `hi`.
    let hi = recs.partition_point(|r| r.t <= now);
    let mut i = hi;
    while i > 0 && recs[i - 1].t >= start {
        i -= 1;
        let r = &recs[i];
        let TraceEvent::Kernel(k) = &r.ev else { continue };
        match k {
            KernelEvent::Deliver { id, .. } => {
                ends.insert(*id, End { at: r.t, drop: None });
            }
            KernelEvent::Drop { id, reason, .. } => {
                ends.insert(*id, End { at: r.t, drop: Some(*reason) });
            }
            KernelEvent::Duplicate { id, copy } => {
                copies.insert(*id, *copy);
            }
            KernelEvent::Send { id, to, kind } => {
                counts[Family::of(kind) as usize] += 1;
                let end = ends.remove(id);
                let copy = copies.remove(id).map(|c| (c, ends.remove(&c)));
                col.send(r.t, r.node, *to, *id, kind, Some(end), copy);
            }
            other => {
                if let Some(m) = mark(sim, r.t, r.node, other, &lane_of) {
                    marks.push(m);
                }
            }
        }
    }

    // Messages that arrived (or were dropped) in the span but were sent
    // before it: look further back for their sends.
    let mut wanted_copy: BTreeMap<u64, u64> = BTreeMap::new();
    let mut budget = LOOK_BACK;
    while i > 0 && !ends.is_empty() && budget > 0 {
        i -= 1;
        budget -= 1;
        let r = &recs[i];
        match &r.ev {
            TraceEvent::Kernel(KernelEvent::Duplicate { id, copy }) if ends.contains_key(copy) => {
                wanted_copy.insert(*id, *copy);
            }
            TraceEvent::Kernel(KernelEvent::Send { id, to, kind }) => {
                let oldest = ends.keys().next().copied().into_iter().chain(wanted_copy.keys().next().copied()).min().unwrap_or(0);
                if *id < oldest {
                    break; // ids grow in send order: every wanted send is later
                }
                let end = ends.remove(id);
                let copy = wanted_copy.remove(id).map(|c| (c, ends.remove(&c)));
                if end.is_some() || copy.is_some() {
                    // The original may have ended before the span: then
                    // only its copy is drawn.
                    col.send(r.t, r.node, *to, *id, kind, end.map(Some), copy);
                }
            }
            _ => {}
        }
    }
    // Sends not found within the look-back: counted, not drawn.
    col.not_drawn += ends.len();

    let mut arrows = col.arrows;
    arrows.sort_by_key(|a| (a.sent, a.id));
    marks.reverse();
    let lanes = (0..n as NodeId).map(|id| lane(sim, id, start, now, &marks)).collect();
    let keep_mark = |m: &Mark| focus.is_none() || m.lane.is_none() || m.lane == focus || m.peer == focus;
    let mut marks: Vec<Mark> = marks.into_iter().filter(keep_mark).collect();
    if marks.len() > max {
        marks.drain(..marks.len() - max);
    }
    MessagesModel {
        now,
        start,
        lanes,
        arrows,
        marks,
        not_drawn: col.not_drawn,
        family_counts: Family::ALL.iter().map(|f| (*f, counts[*f as usize])).collect(),
        focus,
    }
}

/// The mark for a lifecycle or fault record, if it is one.
fn mark(sim: &Sim<Model>, t: Micros, node: NodeId, k: &KernelEvent, lane_of: &dyn Fn(NodeId) -> Option<usize>) -> Option<Mark> {
    let name = |id: NodeId| sim.node_name(id).to_string();
    let (kind, peer, label) = match k {
        KernelEvent::Crash { kind } => (
            MarkKind::Crash,
            None,
            match kind {
                CrashKind::Process => "crash (process)".to_string(),
                CrashKind::Machine => "crash (machine)".to_string(),
            },
        ),
        KernelEvent::Restart => (MarkKind::Restart, None, "restart".to_string()),
        KernelEvent::Pause => (MarkKind::Pause, None, "pause".to_string()),
        KernelEvent::Resume => (MarkKind::Resume, None, "resume".to_string()),
        KernelEvent::DiskLost => (MarkKind::DiskLost, None, "disk lost".to_string()),
        KernelEvent::ClockSkew { skew_us } => (MarkKind::ClockSkew, None, format!("clock skew {:+} ms", *skew_us as f64 / 1000.0)),
        KernelEvent::ConnectionRefused { peer } => (MarkKind::ConnectionRefused, Some(*peer), format!("reset by {}", name(*peer))),
        KernelEvent::LinkCut { from, to } => return link_mark(t, MarkKind::LinkCut, *from, *to, format!("cut {} → {}", name(*from), name(*to)), lane_of),
        KernelEvent::LinkHealed { from, to } => {
            return link_mark(t, MarkKind::LinkHealed, *from, *to, format!("healed {} → {}", name(*from), name(*to)), lane_of)
        }
        KernelEvent::LinkChanged { from, to, reset } => {
            let what = if *reset { "link reset" } else { "link changed" };
            return link_mark(t, MarkKind::LinkChanged, *from, *to, format!("{what} {} → {}", name(*from), name(*to)), lane_of);
        }
        KernelEvent::FaultFired { label } => (MarkKind::Fault, None, format!("fault: {label}")),
        KernelEvent::FaultSkipped { label, why } => (MarkKind::FaultSkipped, None, format!("fault skipped: {label} ({why})")),
        KernelEvent::NemesisHealed => (MarkKind::NemesisHealed, None, "nemesis healed everything".to_string()),
        KernelEvent::Start | KernelEvent::Send { .. } | KernelEvent::Deliver { .. } | KernelEvent::Drop { .. } | KernelEvent::Duplicate { .. } => return None,
    };
    Some(Mark { t, lane: lane_of(node), peer: peer.and_then(lane_of), kind, label })
}

fn link_mark(t: Micros, kind: MarkKind, from: NodeId, to: NodeId, label: String, lane_of: &dyn Fn(NodeId) -> Option<usize>) -> Option<Mark> {
    Some(Mark { t, lane: lane_of(from), peer: lane_of(to), kind, label })
}

/// A node's lane: its status now, and when in the span it was down or
/// paused (walking its lifecycle marks back from its current status).
fn lane(sim: &Sim<Model>, id: NodeId, start: Micros, now: Micros, marks: &[Mark]) -> Lane {
    let status = sim.node_status(id);
    let mut down = Vec::new();
    let mut paused = Vec::new();
    let mut state = status;
    let mut end = now;
    for m in marks.iter().rev().filter(|m| m.lane == Some(id as usize)) {
        let before = match m.kind {
            MarkKind::Crash | MarkKind::Pause => NodeStatus::Up,
            MarkKind::Restart => NodeStatus::Down,
            MarkKind::Resume => NodeStatus::Paused,
            _ => continue,
        };
        push_period(state, m.t, end, &mut down, &mut paused);
        state = before;
        end = m.t;
    }
    push_period(state, start, end, &mut down, &mut paused);
    down.reverse();
    paused.reverse();
    let status = match status {
        NodeStatus::Up => "up",
        NodeStatus::Paused => "paused",
        NodeStatus::Down => "down",
    };
    Lane { name: sim.node_name(id).to_string(), group: sim.node_group(id).to_string(), status, down, paused }
}

fn push_period(state: NodeStatus, from: Micros, to: Micros, down: &mut Vec<(Micros, Micros)>, paused: &mut Vec<(Micros, Micros)>) {
    match state {
        NodeStatus::Down => down.push((from, to)),
        NodeStatus::Paused => paused.push((from, to)),
        NodeStatus::Up => {}
    }
}

#[cfg(test)]
mod tests;

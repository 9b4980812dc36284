//! The Trace view: the run's trace as a filterable table, one row per
//! record (index, time, node, kind, a one-line summary), newest last.
//!
//! The trace is the single source of truth every other view is computed
//! from; this table lets a student check any picture against the records
//! themselves, and jump the player to a record's moment.
//!
//! Cost: a long run has 100k–200k records and the table is recomputed every
//! frame while the run plays and the table follows its end. A page is
//! filled by scanning from the end (or from the page's edge) and stops when
//! the page is full; the match counts around the page are computed within
//! a budget of records examined, and shown as "≥ N" when the budget ran
//! out. Cheap tests (time range by binary search, node id, kind) run before
//! the free-text test, which formats the record (its summary and its JSON)
//! and has a smaller budget of its own. The list of kinds for the dropdown
//! is an incremental fold ([`KindIndex`]) over the records appended since
//! the last call.

use crate::kafka::events::KEvent;
use crate::kernel::{KernelEvent, NodeId, TraceEvent, TraceRecord, WORLD};
use crate::model::Event;
use crate::stream::job::StreamEvent;
use crate::stream::types::{EventTime, Out, MAX_WATERMARK, MIN_WATERMARK};
use crate::time::{fmt_time, Micros};
use crate::world::World;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Rows per page the app shows.
pub const DEFAULT_PAGE_ROWS: usize = 100;
/// Records examined per call (page and counts) with the cheap tests.
const SCAN_BUDGET: usize = 250_000;
/// Records examined per call with the free-text test (it formats each).
const TEXT_BUDGET: usize = 20_000;

/// Which records to list. The default lists every record.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TraceFilter {
    /// The node the record was recorded at (`b1`, `p1`, `world` for faults
    /// and link changes). A name that is no node matches nothing.
    pub node: Option<String>,
    /// The event kind: the `k` of the JSONL trace (`msg_send`,
    /// `partition_changed`, `send_ok` …) or, for stream events,
    /// `stream:` and the stream kind (`stream:input`) or output kind
    /// (`stream:pane`, `stream:watermark` …), as [`kind_tag`] names them.
    pub kind: Option<String>,
    /// Case-insensitive (ASCII) substring of the record's node name, kind,
    /// summary or event JSON (the JSONL form, where nodes inside events are
    /// ids). Empty: any.
    pub text: String,
    /// Time range, inclusive (µs).
    pub from: Option<Micros>,
    pub to: Option<Micros>,
    /// Only faults, lifecycle and leadership records (see [`is_notable`]).
    pub notable: bool,
}

/// Which page of matches to show (rows are always oldest first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "page")]
pub enum Page {
    /// The newest `rows` matches (follow the end of the trace).
    Follow { rows: usize },
    /// The newest `rows` matches with a trace index below `index`.
    Before { index: usize, rows: usize },
    /// The oldest `rows` matches with a trace index `index` or above.
    From { index: usize, rows: usize },
}

/// A count of matching records, exact or a lower bound (the budget ran
/// out before the whole range was examined).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MatchCount {
    pub n: usize,
    pub exact: bool,
}

impl MatchCount {
    fn add(self, o: MatchCount) -> MatchCount {
        MatchCount { n: self.n + o.n, exact: self.exact && o.exact }
    }
}

impl fmt::Display for MatchCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.exact {
            write!(f, "{}", self.n)
        } else {
            write!(f, "≥ {}", self.n)
        }
    }
}

/// One record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceRow {
    /// The trace index (`i` of the JSONL trace).
    pub index: usize,
    pub t: Micros,
    pub node: String,
    pub kind: &'static str,
    /// One line for people: names instead of ids, `orders-0` instead of
    /// `[0, 0]`.
    pub summary: String,
    /// A fault, lifecycle or leadership record ([`is_notable`]).
    pub notable: bool,
}

/// A page of the filtered trace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceTableModel {
    /// Oldest first.
    pub rows: Vec<TraceRow>,
    /// Matches in the whole trace (within the time range).
    pub matched: MatchCount,
    /// Matches before the first row / after the last row.
    pub older: MatchCount,
    pub newer: MatchCount,
    /// The pages just before and after this one (same size), None when
    /// there is certainly nothing there.
    pub older_page: Option<Page>,
    pub newer_page: Option<Page>,
    /// Records in the trace.
    pub records: usize,
}

/// The page of the trace that `filter` and `page` select.
pub fn trace_rows(world: &World, filter: &TraceFilter, page: Page) -> TraceTableModel {
    let recs = world.sim.trace().records();
    let lo = filter.from.map_or(0, |f| recs.partition_point(|r| r.t < f));
    let hi = filter.to.map_or(recs.len(), |t| recs.partition_point(|r| r.t <= t)).max(lo);
    let mut m = Matcher::new(world, filter);
    let (want, found, older_end, newer_start) = match page {
        Page::Follow { rows } => {
            let (found, next) = m.backward(recs, lo, hi, rows);
            (rows, found, next, hi)
        }
        Page::Before { index, rows } => {
            let end = index.clamp(lo, hi);
            let (found, next) = m.backward(recs, lo, end, rows);
            (rows, found, next, end)
        }
        Page::From { index, rows } => {
            let start = index.clamp(lo, hi);
            let (mut found, next) = m.forward(recs, start, hi, rows);
            found.reverse();
            (rows, found, start, next)
        }
    };
    // `found` is newest first. The records between the page's oldest row
    // and `older_end`, and between its newest row and `newer_start`, were
    // examined and did not match.
    let (older, _) = m.count_backward(recs, lo, older_end);
    let (newer, _) = m.count_forward(recs, newer_start, hi);
    let page_n = MatchCount { n: found.len(), exact: true };
    let rows: Vec<TraceRow> = found.iter().rev().map(|&i| row(world, i, &recs[i])).collect();
    let nothing = |c: MatchCount| c.exact && c.n == 0;
    TraceTableModel {
        matched: older.add(page_n).add(newer),
        older_page: (!nothing(older)).then(|| Page::Before { index: rows.first().map_or(older_end, |r| r.index), rows: want }),
        newer_page: (!nothing(newer)).then(|| Page::From { index: rows.last().map_or(newer_start, |r| r.index + 1), rows: want }),
        older,
        newer,
        records: recs.len(),
        rows,
    }
}

/// The row for record `i`.
pub fn row(world: &World, i: usize, r: &TraceRecord<Event>) -> TraceRow {
    let kind = kind_tag(&r.ev);
    TraceRow { index: i, t: r.t, node: world.sim.node_name(r.node).to_string(), kind, summary: summary(world, r), notable: is_notable(kind) }
}

/// Applies a filter within the budgets.
struct Matcher<'a> {
    world: &'a World,
    /// None: no node filter; Some(None): a name that is no node.
    node: Option<Option<NodeId>>,
    kind: Option<&'a str>,
    needle: Vec<u8>,
    notable: bool,
    scan: usize,
    text: usize,
}

impl<'a> Matcher<'a> {
    fn new(world: &'a World, f: &'a TraceFilter) -> Self {
        let node = f.node.as_deref().map(|n| if n == "world" { Some(WORLD) } else { world.sim.node_id(n) });
        let needle = f.text.trim().as_bytes().to_ascii_lowercase();
        Matcher { world, node, kind: f.kind.as_deref(), needle, notable: f.notable, scan: SCAN_BUDGET, text: TEXT_BUDGET }
    }

    /// Every record matches: counts are plain arithmetic.
    fn trivial(&self) -> bool {
        self.node.is_none() && self.kind.is_none() && self.needle.is_empty() && !self.notable
    }

    /// Whether a record matches; None when the budget ran out.
    fn test(&mut self, r: &TraceRecord<Event>) -> Option<bool> {
        if self.scan == 0 {
            return None;
        }
        self.scan -= 1;
        if let Some(n) = self.node {
            if n != Some(r.node) {
                return Some(false);
            }
        }
        let kind = kind_tag(&r.ev);
        if self.kind.is_some_and(|k| k != kind) || (self.notable && !is_notable(kind)) {
            return Some(false);
        }
        if self.needle.is_empty() {
            return Some(true);
        }
        if self.text == 0 {
            return None;
        }
        self.text -= 1;
        let found = contains_ci(self.world.sim.node_name(r.node).as_bytes(), &self.needle)
            || contains_ci(kind.as_bytes(), &self.needle)
            || contains_ci(summary(self.world, r).as_bytes(), &self.needle)
            || serde_json::to_string(&r.ev).is_ok_and(|j| contains_ci(j.as_bytes(), &self.needle));
        Some(found)
    }

    /// Up to `want` matches in `[lo, end)`, newest first, and the lowest
    /// index examined (the end of what is left to examine).
    fn backward(&mut self, recs: &[TraceRecord<Event>], lo: usize, end: usize, want: usize) -> (Vec<usize>, usize) {
        let mut found = Vec::new();
        let mut i = end;
        while i > lo && found.len() < want {
            match self.test(&recs[i - 1]) {
                None => break,
                Some(true) => found.push(i - 1),
                Some(false) => {}
            }
            i -= 1;
        }
        (found, i)
    }

    /// Up to `want` matches in `[start, hi)`, oldest first, and the index
    /// after the last one examined.
    fn forward(&mut self, recs: &[TraceRecord<Event>], start: usize, hi: usize, want: usize) -> (Vec<usize>, usize) {
        let mut found = Vec::new();
        let mut i = start;
        while i < hi && found.len() < want {
            match self.test(&recs[i]) {
                None => break,
                Some(true) => found.push(i),
                Some(false) => {}
            }
            i += 1;
        }
        (found, i)
    }

    /// Matches in `[lo, end)`, and the lowest index examined.
    fn count_backward(&mut self, recs: &[TraceRecord<Event>], lo: usize, end: usize) -> (MatchCount, usize) {
        if self.trivial() {
            return (MatchCount { n: end - lo, exact: true }, lo);
        }
        let (found, i) = self.backward(recs, lo, end, usize::MAX);
        (MatchCount { n: found.len(), exact: i == lo }, i)
    }

    /// Matches in `[start, hi)`, and the index after the last examined.
    fn count_forward(&mut self, recs: &[TraceRecord<Event>], start: usize, hi: usize) -> (MatchCount, usize) {
        if self.trivial() {
            return (MatchCount { n: hi - start, exact: true }, hi);
        }
        let (found, i) = self.forward(recs, start, hi, usize::MAX);
        (MatchCount { n: found.len(), exact: i == hi }, i)
    }
}

/// ASCII case-insensitive substring test (`needle` is lower case).
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w.iter().zip(needle).all(|(a, b)| a.to_ascii_lowercase() == *b))
}

/// The kinds that "only faults & elections" keeps: faults and node
/// lifecycle, link changes, broker fencing, leadership and ISR changes,
/// truncations, producer fencing, stream task failures and restarts.
pub const NOTABLE_KINDS: &[&str] = &[
    "crash",
    "restart",
    "pause",
    "resume",
    "disk_lost",
    "clock_skew",
    "link_cut",
    "link_healed",
    "link_changed",
    "fault_fired",
    "fault_skipped",
    "nemesis_healed",
    "broker_fenced",
    "broker_unfenced",
    "partition_changed",
    "became_leader",
    "truncated",
    "producer_fenced",
    "stream:failure",
    "stream:restarted",
];

/// Whether a kind is one of [`NOTABLE_KINDS`].
pub fn is_notable(kind: &str) -> bool {
    NOTABLE_KINDS.contains(&kind)
}

/// The kinds present in a trace with their counts, folded incrementally:
/// call [`KindIndex::update`] every frame; it reads only the records
/// appended since the last call. Start a new index when the run is
/// replaced (it resets itself if the trace got shorter).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KindIndex {
    seen: usize,
    kinds: BTreeMap<&'static str, usize>,
}

impl KindIndex {
    pub fn update(&mut self, world: &World) {
        let recs = world.sim.trace().records();
        if recs.len() < self.seen {
            *self = KindIndex::default();
        }
        for r in &recs[self.seen..] {
            *self.kinds.entry(kind_tag(&r.ev)).or_default() += 1;
        }
        self.seen = recs.len();
    }
    /// (kind, records), by kind name.
    pub fn kinds(&self) -> Vec<(&'static str, usize)> {
        self.kinds.iter().map(|(k, n)| (*k, *n)).collect()
    }
    /// Records folded so far.
    pub fn seen(&self) -> usize {
        self.seen
    }
}

/// The kind of a trace event: the `k` of the JSONL trace, or `stream:…`
/// for stream events (which carry `"stream"` instead of `k`). Written out
/// rather than serialized, because it runs for every record scanned; the
/// matches are exhaustive, so a new event variant does not compile until
/// it is named here, and a test checks every name against the JSON.
pub fn kind_tag(ev: &TraceEvent<Event>) -> &'static str {
    match ev {
        TraceEvent::Kernel(k) => match k {
            KernelEvent::Send { .. } => "msg_send",
            KernelEvent::Deliver { .. } => "msg_deliver",
            KernelEvent::Duplicate { .. } => "msg_duplicate",
            KernelEvent::Drop { .. } => "msg_drop",
            KernelEvent::ConnectionRefused { .. } => "connection_refused",
            KernelEvent::Start => "start",
            KernelEvent::Crash { .. } => "crash",
            KernelEvent::Restart => "restart",
            KernelEvent::Pause => "pause",
            KernelEvent::Resume => "resume",
            KernelEvent::DiskLost => "disk_lost",
            KernelEvent::ClockSkew { .. } => "clock_skew",
            KernelEvent::LinkCut { .. } => "link_cut",
            KernelEvent::LinkHealed { .. } => "link_healed",
            KernelEvent::LinkChanged { .. } => "link_changed",
            KernelEvent::FaultFired { .. } => "fault_fired",
            KernelEvent::FaultSkipped { .. } => "fault_skipped",
            KernelEvent::NemesisHealed => "nemesis_healed",
        },
        TraceEvent::Domain(Event::Kafka(k)) => match k {
            KEvent::BrokerRegistered { .. } => "broker_registered",
            KEvent::BrokerFenced { .. } => "broker_fenced",
            KEvent::BrokerUnfenced { .. } => "broker_unfenced",
            KEvent::PartitionChanged { .. } => "partition_changed",
            KEvent::AlterPartitionRejected { .. } => "alter_partition_rejected",
            KEvent::BecameLeader { .. } => "became_leader",
            KEvent::BecameFollower { .. } => "became_follower",
            KEvent::Appended { .. } => "appended",
            KEvent::Replicated { .. } => "replicated",
            KEvent::HwChanged { .. } => "hw_changed",
            KEvent::Truncated { .. } => "truncated",
            KEvent::ProduceRejected { .. } => "produce_rejected",
            KEvent::DuplicateBatch { .. } => "duplicate_batch",
            KEvent::IsrChangeRequested { .. } => "isr_change_requested",
            KEvent::Recovered { .. } => "recovered",
            KEvent::RetentionDeleted { .. } => "retention_deleted",
            KEvent::Send { .. } => "send",
            KEvent::SendOk { .. } => "send_ok",
            KEvent::SendFail { .. } => "send_fail",
            KEvent::SendInfo { .. } => "send_info",
            KEvent::BatchSent { .. } => "batch_sent",
            KEvent::Assigned { .. } => "assigned",
            KEvent::Polled { .. } => "polled",
            KEvent::Processed { .. } => "processed",
            KEvent::PositionReset { .. } => "position_reset",
            KEvent::Committed { .. } => "committed",
            KEvent::CommitRejected { .. } => "commit_rejected",
            KEvent::GroupRebalanced { .. } => "group_rebalanced",
            KEvent::MemberLeft { .. } => "member_left",
            KEvent::ConsumerError { .. } => "consumer_error",
            KEvent::ConsumerGroup { .. } => "consumer_group",
            KEvent::TxnBegun { .. } => "txn_begun",
            KEvent::TxnEnded { .. } => "txn_ended",
            KEvent::ProducerFenced { .. } => "producer_fenced",
            KEvent::TxnMarker { .. } => "txn_marker",
            KEvent::TxnState { .. } => "txn_state",
        },
        TraceEvent::Domain(Event::Stream(s)) => match s {
            StreamEvent::Input { .. } => "stream:input",
            StreamEvent::SourceWatermark { .. } => "stream:source_watermark",
            StreamEvent::Restarted { .. } => "stream:restarted",
            StreamEvent::Out { out, .. } => match out {
                Out::Pane(_) => "stream:pane",
                Out::Late { .. } => "stream:late",
                Out::Watermark { .. } => "stream:watermark",
                Out::Idle { .. } => "stream:idle",
                Out::Batch(_) => "stream:batch",
                Out::Checkpoint { .. } => "stream:checkpoint",
                Out::Txn { .. } => "stream:txn",
                Out::Failure { .. } => "stream:failure",
            },
        },
    }
}

/// A serde enum's name as the trace writes it (`NOT_ENOUGH_REPLICAS`,
/// `process`, `completed`).
fn word<T: Serialize>(x: &T) -> String {
    match serde_json::to_value(x) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(v) => v.to_string(),
        Err(_) => "?".into(),
    }
}

/// An event time (ms) for people.
fn event_time(ms: EventTime) -> String {
    match ms {
        MIN_WATERMARK => "−∞".into(),
        MAX_WATERMARK => "+∞".into(),
        _ => {
            let sign = if ms < 0 { "-" } else { "" };
            let a = ms.unsigned_abs();
            format!("{sign}{}.{:03}s", a / 1000, a % 1000)
        }
    }
}

/// One line for people describing record `r`. Names replace node ids,
/// `orders-0` replaces `[0, 0]`; kinds without a hand-written line fall
/// back to their JSON.
pub fn summary(world: &World, r: &TraceRecord<Event>) -> String {
    let name = |id: NodeId| world.sim.node_name(id);
    let tp = |tp: &crate::kafka::types::Tp| world.tp_name(*tp);
    let brokers = |v: &[u32]| format!("[{}]", v.iter().map(|b| name(*b)).collect::<Vec<_>>().join(", "));
    match &r.ev {
        TraceEvent::Kernel(k) => match k {
            KernelEvent::Send { id, to, kind } => format!("{kind} → {} (message #{id})", name(*to)),
            KernelEvent::Deliver { id, from } => format!("received message #{id} from {}", name(*from)),
            KernelEvent::Duplicate { id, copy } => format!("the link will deliver message #{id} twice (copy #{copy})"),
            KernelEvent::Drop { id, to, reason } => {
                format!("message #{id} to {} dropped: {}", name(*to), crate::views::messages::drop_word(*reason))
            }
            KernelEvent::ConnectionRefused { peer } => format!("connection reset by {} (its process is down)", name(*peer)),
            KernelEvent::Start => "started".into(),
            KernelEvent::Crash { kind } => format!("crashed ({} crash)", word(kind)),
            KernelEvent::Restart => "restarted".into(),
            KernelEvent::Pause => "paused".into(),
            KernelEvent::Resume => "resumed".into(),
            KernelEvent::DiskLost => "lost its disk".into(),
            KernelEvent::ClockSkew { skew_us } => format!("clock skew now {:+} ms", *skew_us as f64 / 1000.0),
            KernelEvent::LinkCut { from, to } => format!("link {} → {} cut", name(*from), name(*to)),
            KernelEvent::LinkHealed { from, to } => format!("link {} → {} healed", name(*from), name(*to)),
            KernelEvent::LinkChanged { from, to, reset } => {
                format!("link {} → {} {}", name(*from), name(*to), if *reset { "settings reset" } else { "settings changed" })
            }
            KernelEvent::FaultFired { label } => format!("fault fired: {label}"),
            KernelEvent::FaultSkipped { label, why } => format!("fault skipped: {label} ({why})"),
            KernelEvent::NemesisHealed => "the nemesis healed everything it broke".into(),
        },
        TraceEvent::Domain(Event::Kafka(k)) => match k {
            KEvent::BrokerRegistered { broker, broker_epoch, clean } => {
                format!("{} registered (broker epoch {broker_epoch}{})", name(*broker), if *clean { ", clean shutdown" } else { "" })
            }
            KEvent::BrokerFenced { broker, reason } => format!("{} fenced: {reason}", name(*broker)),
            KEvent::BrokerUnfenced { broker } => format!("{} unfenced", name(*broker)),
            KEvent::PartitionChanged { tp: p, leader, leader_epoch, isr, elr, reason, .. } => {
                let leader = leader.map_or("none".to_string(), |b| name(b).to_string());
                let elr = if elr.is_empty() { String::new() } else { format!(", ELR {}", brokers(elr)) };
                format!("{}: leader {leader} (epoch {leader_epoch}), ISR {}{elr} — {reason}", tp(p), brokers(isr))
            }
            KEvent::AlterPartitionRejected { tp: p, from, error } => format!("{}: ISR change from {} rejected: {}", tp(p), name(*from), word(error)),
            KEvent::BecameLeader { tp: p, leader_epoch, leo, hw } => format!("{}: became leader (epoch {leader_epoch}, LEO {leo}, HW {hw})", tp(p)),
            KEvent::BecameFollower { tp: p, leader, leader_epoch } => {
                format!("{}: follows {} (epoch {leader_epoch})", tp(p), leader.map_or("no leader yet", name))
            }
            KEvent::Appended { tp: p, leader_epoch, base, values } => match values.len() {
                1 => format!("{}: appended offset {base} (epoch {leader_epoch}): {}", tp(p), values[0]),
                n => format!("{}: appended offsets {base}..{} ({n} records, epoch {leader_epoch})", tp(p), base + n as u64 - 1),
            },
            KEvent::Replicated { tp: p, from, to } => format!("{}: copied offsets [{from}, {to}) from the leader", tp(p)),
            KEvent::HwChanged { tp: p, hw } => format!("{}: HW → {hw}", tp(p)),
            KEvent::Truncated { tp: p, to, from_leo, reason } => format!("{}: truncated to {to}, dropping [{to}, {from_leo}) — {reason}", tp(p)),
            KEvent::ProduceRejected { tp: p, error, producer } => format!("{}: produce from {} rejected: {}", tp(p), name(*producer), word(error)),
            KEvent::DuplicateBatch { tp: p, producer_id, base_sequence, base_offset } => {
                format!("{}: duplicate batch (producer {producer_id}, sequence {base_sequence}) already at offset {base_offset}", tp(p))
            }
            KEvent::IsrChangeRequested { tp: p, isr } => format!("{}: asks the controller for ISR {}", tp(p), brokers(isr)),
            KEvent::Recovered { tp: p, leo, hw, log_start } => format!("{}: recovered LEO {leo}, HW {hw}, log start {log_start}", tp(p)),
            KEvent::RetentionDeleted { tp: p, log_start, segments } => format!("{}: retention deleted {segments} segment(s), log start → {log_start}", tp(p)),
            KEvent::Send { id, key, value, partition } => {
                format!("send #{id}: key {} value {value} → partition {partition}", key.as_deref().unwrap_or("(none)"))
            }
            KEvent::SendOk { id, partition, offset } => {
                if *offset < 0 {
                    format!("send #{id} acknowledged (acks=0: no offset), partition {partition}")
                } else {
                    format!("send #{id} acknowledged: partition {partition} offset {offset}")
                }
            }
            KEvent::SendFail { id, error } => format!("send #{id} failed: {}", word(error)),
            KEvent::SendInfo { id, error } => format!("send #{id} outcome unknown: {}", word(error)),
            KEvent::BatchSent { tp: p, first_send, count, attempt, broker } => {
                let retry = if *attempt == 0 { String::new() } else { format!(", retry {attempt}") };
                format!("{}: batch of {count} (from send #{first_send}) → {}{retry}", tp(p), name(*broker))
            }
            KEvent::Assigned { generation, partitions } => {
                format!("assigned [{}] (generation {generation})", partitions.iter().map(&tp).collect::<Vec<_>>().join(", "))
            }
            KEvent::Polled { tp: p, records } => match (records.first(), records.last()) {
                (Some(a), Some(b)) => format!("{}: polled {} record(s), offsets {}..{}", tp(p), records.len(), a.0, b.0),
                _ => format!("{}: polled nothing", tp(p)),
            },
            KEvent::Processed { tp: p, from, to } => format!("{}: processed [{from}, {to})", tp(p)),
            KEvent::PositionReset { tp: p, offset, reason } => format!("{}: position reset to {offset} — {reason}", tp(p)),
            KEvent::Committed { group, tp: p, offset, generation } => format!("group {group}: committed {} offset {offset} (generation {generation})", tp(p)),
            KEvent::CommitRejected { group, error, generation } => format!("group {group}: commit rejected: {} (generation {generation})", word(error)),
            KEvent::GroupRebalanced { group, generation, members } => {
                format!("group {group}: rebalanced, generation {generation}, members [{}]", members.join(", "))
            }
            KEvent::MemberLeft { group, member, reason } => format!("group {group}: {member} left — {reason}"),
            KEvent::ConsumerError { tp: p, error } => format!("{}: consumer error {}", tp(p), word(error)),
            KEvent::ConsumerGroup { group } => format!("consumer started in group {group}"),
            KEvent::TxnBegun { txn, producer_epoch } => format!("transaction {txn} begun (producer epoch {producer_epoch})"),
            KEvent::TxnEnded { txn, commit, sends } => {
                format!("transaction {txn} {} ({} send(s))", if *commit { "committed" } else { "aborted" }, sends.len())
            }
            KEvent::ProducerFenced { txn, producer_epoch } => format!("producer fenced: {txn} (epoch {producer_epoch}) has a newer instance"),
            KEvent::TxnMarker { tp: p, producer_id, commit, offset } => {
                format!("{}: {} marker for producer {producer_id} at offset {offset}", tp(p), if *commit { "COMMIT" } else { "ABORT" })
            }
            KEvent::TxnState { txn, state, producer_epoch, .. } => format!("transaction {txn}: {state} (producer epoch {producer_epoch})"),
        },
        TraceEvent::Domain(Event::Stream(s)) => match s {
            StreamEvent::Input { channel, id, key, value, ts, .. } => {
                format!("input on channel {channel}: key {key} value {value} event time {} (id {id})", event_time(*ts))
            }
            StreamEvent::SourceWatermark { channel, wm, .. } => format!("source watermark on channel {channel} → {}", event_time(*wm)),
            StreamEvent::Restarted { .. } => "job process restarted".into(),
            StreamEvent::Out { out, .. } => match out {
                Out::Pane(p) => {
                    let window = p.window.map_or(String::new(), |w| format!("window [{}, {}) ", event_time(w.start), event_time(w.end)));
                    let timing = p.timing.map_or(String::new(), |t| format!(" {t}"));
                    let retraction = if p.retraction { " (retraction)" } else { "" };
                    format!("result {window}key {} = {}{timing}{retraction}, pane #{}", p.key, p.value, p.index)
                }
                Out::Late { elem, window, fate } => {
                    let w = window.map_or(String::new(), |w| format!(" for window [{}, {})", event_time(w.start), event_time(w.end)));
                    format!("late record key {} event time {}{w}: {}", elem.key, event_time(elem.ts), word(fate))
                }
                Out::Watermark { op, wm } => format!("{op}: watermark → {}", event_time(*wm)),
                Out::Idle { op, channel, idle } => format!("{op}: channel {channel} {}", if *idle { "idle" } else { "active again" }),
                Out::Batch(b) => format!(
                    "micro-batch {}: {} row(s) in, {} out, watermark {}{}",
                    b.id,
                    b.rows_in,
                    b.rows_out,
                    event_time(b.watermark),
                    if b.rerun { " (re-run)" } else { "" }
                ),
                Out::Checkpoint { id, phase, .. } => format!("checkpoint {id} {}", word(phase)),
                Out::Txn { id, phase } => format!("sink transaction {id} {}", word(phase)),
                Out::Failure { task, restored_from } => match restored_from {
                    Some(c) => format!("task {task} failed; restoring checkpoint {c}"),
                    None => format!("task {task} failed; restarting from scratch (no checkpoint yet)"),
                },
            },
        },
    }
}

/// `t` for the table (`12.345678s`).
pub fn time_text(t: Micros) -> String {
    fmt_time(t)
}

#[cfg(test)]
mod tests;

//! The consumer client: a `KafkaConsumer` (classic group protocol) and the
//! application loop around it (`poll → process → commit`), reference §B.
//!
//! # The application
//!
//! The simulated application runs the textbook loop on one thread:
//!
//! ```text
//! while running { records = poll(); [commit]; process(records); [commit] }
//! consumer.close()
//! ```
//!
//! * `poll()` first does the group work (join / sync after a rebalance
//!   request, as `ConsumerCoordinator.poll` does), auto-commits when
//!   `auto.commit.interval.ms` has elapsed (committing the positions of the
//!   *previous* poll, reference B4), then returns buffered records of up to
//!   `max.poll.records`, emitting [`KEvent::Polled`] per partition; the
//!   position becomes last offset + 1.
//! * Processing takes `streamlab.processing.time.ms` per record, partition by
//!   partition ([`KEvent::Processed`] as each partition's chunk is done). The
//!   application does not poll meanwhile; a batch that takes longer than
//!   `max.poll.interval.ms` makes the heartbeat thread leave the group
//!   (B6).
//! * `streamlab.commit.mode`: `auto` (`enable.auto.commit`, B4),
//!   `before-processing` (commitSync right after poll: at-most-once, B1 — a
//!   batch whose commit fails is *not* processed, as an at-most-once
//!   application must not), `after-processing` (commitSync after processing:
//!   at-least-once, B2), `none`. Committed offset = next offset to read (B3).
//!   Like `commitSync()`, a commit covers every assigned partition's
//!   position; partitions whose position equals the last offset this
//!   consumer knows to be committed are left out (Kafka re-sends them; the
//!   stored result is the same and the trace stays small).
//! * When the application starts (and after each restart) it emits
//!   [`KEvent::ConsumerGroup`] if it has a group to commit to (its
//!   `group.id`, or the simple group of assign mode below), so checkers can
//!   tell which group its `Processed` records belong to.
//! * `spec.stop`: the loop ends after the current batch and `close()` runs:
//!   a synchronous auto-commit (if enabled), then LeaveGroup.
//!
//! # The client
//!
//! * **Metadata** from brokers `1..=N`, rotating on timeouts and when a
//!   broker's cache lacks a leader; refreshed on NOT_LEADER_OR_FOLLOWER,
//!   FENCED/UNKNOWN_LEADER_EPOCH and request timeouts. Responses older than
//!   what we know (lower leader epoch) are ignored, as `Metadata` does.
//! * **Fetching**: one Fetch in flight per assigned partition to its leader,
//!   only for partitions with no buffered records (`Fetcher`'s rule), with
//!   the leader epoch from metadata (KIP-320) and the epoch of the last
//!   consumed record as `last_fetched_epoch`; a `diverging` answer (KIP-320
//!   truncation detection) moves the position back to the divergence point
//!   ([`KEvent::PositionReset`] "log-truncation"). OFFSET_OUT_OF_RANGE resets
//!   the position by `auto.offset.reset`; with `none` the partition stops
//!   with a [`KEvent::ConsumerError`]. Control records are skipped (the
//!   position moves past them). *Simplification:* read_committed relies on
//!   the broker's LSO bound; aborted records are not filtered (the
//!   FetchResponse carries no aborted-transaction list).
//! * **Group mode** (`spec.group` set): JoinGroup → SyncGroup →
//!   [`KEvent::Assigned`] → OffsetFetch → ListOffsets for partitions with no
//!   committed offset. Heartbeats every `heartbeat.interval.ms`.
//!   REBALANCE_IN_PROGRESS requests a rejoin at the next poll;
//!   ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID reset the member id and
//!   generation, and the partitions are *lost* (no commit) at the next poll,
//!   as in `ConsumerCoordinator.onJoinPrepare`. Eager assignors (any list
//!   not made only of `cooperative-sticky`, Kafka's `RebalanceProtocol`
//!   rule) revoke everything before rejoining, after a synchronous
//!   auto-commit; the cooperative protocol keeps its partitions and sends
//!   them as `owned`, revokes only what the new assignment takes away, and
//!   rejoins once more if it revoked anything (KIP-429).
//!   *Simplification:* the application does not get records while a
//!   rebalance is in progress (Kafka's cooperative consumer keeps returning
//!   records of kept partitions meanwhile).
//! * **Assign mode** (`spec.group` absent): every partition of the topics is
//!   assigned (generation −1). There is no `group.id`, so, as in Kafka,
//!   auto-commit is off; the explicit commit modes commit as a simple group
//!   named after the consumer (generation −1, member "") and a restarted
//!   consumer resumes from those commits.
//! * **Timeouts**: every request has a fixed 30 s request timeout (JoinGroup:
//!   the rebalance timeout + 5 s, as `AbstractCoordinator` does); retries
//!   back off 100 ms, growing to 1 s for metadata.
//! * A crash loses everything; a restart is a new process: new member id,
//!   committed offsets fetched again (B1/B2/B5).

use super::coordinator::{ASSIGNORS, COOPERATIVE_STICKY, RANGE};
use super::events::KEvent;
use super::log::LogRecord;
use super::protocol::Msg;
use super::types::{BrokerId, ErrorCode, Tp};
use crate::kernel::{Ctx, NodeId};
use crate::model::{emit, Model, Timer};
use crate::scenario::{ConsumerSpec, TopicSpec};
use crate::time::Micros;
use std::collections::{BTreeMap, VecDeque};

/// The group coordinator lives on the controller node.
const COORDINATOR: NodeId = 0;
/// `request.timeout.ms` (fixed).
const REQUEST_TIMEOUT: Micros = 30_000_000;
/// `retry.backoff.ms`.
const RETRY_BACKOFF: Micros = 100_000;
/// `retry.backoff.max.ms` (metadata refreshes back off up to this).
const RETRY_BACKOFF_MAX: Micros = 1_000_000;
/// `AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE`.
const JOIN_GROUP_TIMEOUT_LAPSE: Micros = 5_000_000;

/// Consumer timers (wrapped as `Timer::Consumer`).
#[derive(Clone, Debug)]
pub enum ConsumerTimer {
    /// `spec.start`: the application creates the consumer.
    Start,
    /// `spec.stop`: the application leaves its loop and calls close().
    Stop,
    /// The heartbeat thread's tick; `seq` ends a stale chain.
    Heartbeat { seq: u64 },
    /// A request got no answer in time.
    RequestTimeout { corr: u64 },
    /// The application finished processing the current chunk.
    ProcessingDone { seq: u64 },
    /// `max.poll.interval.ms` after the last poll returned.
    PollTimeout { seq: u64 },
    /// An auto-commit falls due while the application waits in poll().
    AutoCommit { seq: u64 },
    /// A backoff ended: look again at what needs doing.
    Wake,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CommitMode {
    Auto,
    BeforeProcessing,
    AfterProcessing,
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResetPolicy {
    Earliest,
    Latest,
    None,
}

#[derive(Clone, Debug)]
struct Config {
    /// Effective auto-commit: commit mode `auto`, `enable.auto.commit` and a
    /// group id.
    auto_commit: bool,
    auto_commit_interval: Micros,
    reset: ResetPolicy,
    session_timeout: Micros,
    heartbeat_interval: Micros,
    max_poll_interval: Micros,
    max_poll_records: u32,
    read_committed: bool,
    assignors: Vec<String>,
    /// Kafka's `RebalanceProtocol.COOPERATIVE`: every assignor supports it.
    cooperative: bool,
    fetch_max_wait: Micros,
    mode: CommitMode,
    processing_time: Micros,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Before `spec.start`.
    Idle,
    Running,
    /// After close() (or a restart after `spec.stop`).
    Stopped,
}

/// `MemberState` of `AbstractCoordinator`, plus the commit of
/// `onJoinPrepare`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MemberState {
    Unjoined,
    PrepareJoin { commit: u64 },
    Joining,
    Syncing,
    Stable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResetWhy {
    NoCommitted,
    OutOfRange,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Init {
    NeedCommitted,
    AwaitCommitted,
    NeedReset(ResetWhy),
    AwaitReset,
    Ready,
    /// No reset policy: the application got an error for this partition.
    Failed,
}

#[derive(Clone, Debug)]
struct Part {
    position: Option<u64>,
    /// Leader epoch of the last consumed record (-1: unknown).
    last_epoch: i32,
    init: Init,
    /// The Fetch in flight (its corr).
    fetch: Option<u64>,
    /// Fetched data records not yet returned by poll().
    buffer: VecDeque<LogRecord>,
    /// The offset after the buffered batch (control records included).
    buffer_end: u64,
    retry_at: Micros,
    /// An error or timeout asked for fresh metadata: no request for this
    /// partition until it arrives.
    await_meta: bool,
}

impl Part {
    fn new(init: Init) -> Self {
        Part { position: None, last_epoch: -1, init, fetch: None, buffer: VecDeque::new(), buffer_end: 0, retry_at: 0, await_meta: false }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    Auto,
    BeforeProcessing,
    AfterProcessing,
    JoinPrepare,
    Close,
}

#[derive(Clone, Debug)]
enum Req {
    Metadata,
    Fetch { tp: Tp, offset: u64 },
    ListOffsets { tp: Tp, why: ResetWhy },
    OffsetFetch,
    Join,
    Sync,
    Heartbeat { generation: i32 },
    Commit { purpose: Purpose, generation: i32 },
}

/// Records of one partition returned by one poll.
#[derive(Clone, Debug)]
struct Chunk {
    tp: Tp,
    from: u64,
    to: u64,
    n: u64,
}

#[derive(Clone, Debug)]
enum App {
    Idle,
    /// Inside poll(): waiting for records or for a rebalance to finish.
    Polling,
    CommitBefore {
        corr: u64,
        chunks: Vec<Chunk>,
    },
    Processing {
        chunks: VecDeque<Chunk>,
        seq: u64,
    },
    CommitAfter {
        corr: u64,
    },
    Closing {
        corr: u64,
    },
}

enum CommitStart {
    Sent(u64),
    Nothing,
    Failed(ErrorCode),
}

/// Everything in the process's memory (lost in a crash).
#[derive(Clone, Debug)]
struct Volatile {
    phase: Phase,
    // metadata
    leaders: BTreeMap<Tp, (Option<BrokerId>, i32)>,
    meta_wanted: bool,
    meta_inflight: Option<u64>,
    meta_broker: u32,
    meta_backoff: Micros,
    meta_retry_at: Micros,
    // membership
    member: String,
    generation: i32,
    protocol: String,
    ms: MemberState,
    rejoin: bool,
    lost: bool,
    join_retry_at: Micros,
    hb_seq: u64,
    hb_inflight: Option<u64>,
    // partitions
    parts: BTreeMap<Tp, Part>,
    ready: VecDeque<Tp>,
    offset_fetch: Option<u64>,
    committed: BTreeMap<Tp, u64>,
    inflight: BTreeMap<u64, Req>,
    /// Where each in-flight request went (for connection resets).
    inflight_to: BTreeMap<u64, NodeId>,
    // application
    app: App,
    poll_seq: u64,
    proc_seq: u64,
    last_auto_commit: Micros,
    stop_requested: bool,
    wake_at: Option<Micros>,
}

impl Volatile {
    fn fresh() -> Self {
        Volatile {
            phase: Phase::Idle,
            leaders: BTreeMap::new(),
            meta_wanted: false,
            meta_inflight: None,
            meta_broker: 0,
            meta_backoff: RETRY_BACKOFF,
            meta_retry_at: 0,
            member: String::new(),
            generation: -1,
            protocol: String::new(),
            ms: MemberState::Unjoined,
            rejoin: false,
            lost: false,
            join_retry_at: 0,
            hb_seq: 0,
            hb_inflight: None,
            parts: BTreeMap::new(),
            ready: VecDeque::new(),
            offset_fetch: None,
            committed: BTreeMap::new(),
            inflight: BTreeMap::new(),
            inflight_to: BTreeMap::new(),
            app: App::Idle,
            poll_seq: 0,
            proc_seq: 0,
            last_auto_commit: 0,
            stop_requested: false,
            wake_at: None,
        }
    }
}

/// A consumer client node with its application. See the module docs.
#[derive(Clone, Debug)]
pub struct Consumer {
    pub name: String,
    /// `group.id` of subscribe mode.
    group: Option<String>,
    /// The group offsets are committed to (the group, or in assign mode the
    /// consumer's name when the commit mode commits).
    commit_group: Option<String>,
    /// Subscribed topics `(index, name, partitions)`.
    topics: Vec<(u16, String, u32)>,
    brokers: u32,
    start: Micros,
    stop: Option<Micros>,
    cfg: Config,
    /// Correlation ids are never reused, not even across restarts: a new
    /// process has new connections and never sees its predecessor's
    /// responses.
    next_corr: u64,
    v: Volatile,
    /// Embedded in a stream job (a Flink/Spark Kafka source): records
    /// returned by poll() are also handed to the host through `outbox`.
    embedded: bool,
    outbox: Vec<(Tp, LogRecord)>,
}

fn timer(t: ConsumerTimer) -> Timer {
    Timer::Consumer(t)
}

impl Consumer {
    pub fn new(spec: &ConsumerSpec, topics: &[TopicSpec], brokers: u32) -> Self {
        let c = &spec.config;
        let mode = match c.str("streamlab.commit.mode") {
            "before-processing" => CommitMode::BeforeProcessing,
            "after-processing" => CommitMode::AfterProcessing,
            "none" => CommitMode::None,
            _ => CommitMode::Auto,
        };
        let reset = match c.str("auto.offset.reset") {
            "earliest" => ResetPolicy::Earliest,
            "none" => ResetPolicy::None,
            _ => ResetPolicy::Latest,
        };
        // Unknown assignor names are dropped (Kafka would fail to construct
        // the consumer); an empty list falls back to range.
        let mut assignors: Vec<String> = c.list("partition.assignment.strategy").iter().filter(|a| ASSIGNORS.contains(&a.as_str())).cloned().collect();
        if assignors.is_empty() {
            assignors.push(RANGE.to_string());
        }
        let cooperative = assignors.iter().all(|a| a == COOPERATIVE_STICKY);
        let subscribed: Vec<(u16, String, u32)> =
            topics.iter().enumerate().filter(|(_, t)| spec.topics.contains(&t.name)).map(|(i, t)| (i as u16, t.name.clone(), t.partitions)).collect();
        let commit_group = match (&spec.group, mode) {
            (Some(g), _) => Some(g.clone()),
            (None, CommitMode::BeforeProcessing | CommitMode::AfterProcessing) => Some(spec.name.clone()),
            (None, _) => None,
        };
        let cfg = Config {
            auto_commit: mode == CommitMode::Auto && c.bool("enable.auto.commit") && spec.group.is_some(),
            auto_commit_interval: c.micros("auto.commit.interval.ms").max(1),
            reset,
            session_timeout: c.micros("session.timeout.ms"),
            heartbeat_interval: c.micros("heartbeat.interval.ms").max(1),
            max_poll_interval: c.micros("max.poll.interval.ms").max(1),
            max_poll_records: c.int("max.poll.records").clamp(1, i64::from(u32::MAX)) as u32,
            read_committed: c.str("isolation.level") == "read_committed",
            assignors,
            cooperative,
            fetch_max_wait: c.micros("fetch.max.wait.ms"),
            mode,
            processing_time: c.micros("streamlab.processing.time.ms"),
        };
        Consumer {
            name: spec.name.clone(),
            group: spec.group.clone(),
            commit_group,
            topics: subscribed,
            brokers,
            start: spec.start,
            stop: spec.stop,
            cfg,
            next_corr: 1,
            v: Volatile::fresh(),
            embedded: false,
            outbox: Vec::new(),
        }
    }

    /// A consumer embedded in a stream job: `assign` mode over every
    /// partition of `topics`, no group, no commits (Flink's KafkaSource keeps
    /// its offsets in checkpoints, C-10), records handed to the host.
    pub fn embedded(name: &str, topic_names: &[String], config: &crate::kafka::config::Props, topics: &[TopicSpec], brokers: u32) -> Self {
        let spec = ConsumerSpec { name: name.to_string(), group: None, topics: topic_names.to_vec(), config: config.clone(), start: 0, stop: None };
        let mut c = Consumer::new(&spec, topics, brokers);
        c.embedded = true;
        c
    }

    /// The records poll() returned since the last call (embedded mode).
    pub fn take_polled(&mut self) -> Vec<(Tp, LogRecord)> {
        std::mem::take(&mut self.outbox)
    }

    /// `KafkaConsumer.seek`: the next poll() returns records from `offset`.
    /// Buffered records and an in-flight fetch are discarded.
    pub fn seek(&mut self, ctx: &mut Ctx<'_, Model>, tp: Tp, offset: u64) {
        // Before start_app the partition is not assigned yet: the seek
        // creates it, and start_app keeps it.
        let part = self.v.parts.entry(tp).or_insert_with(|| Part::new(Init::Ready));
        part.position = Some(offset);
        part.buffer.clear();
        part.buffer_end = offset;
        part.fetch = None;
        part.init = Init::Ready;
        part.retry_at = 0;
        self.v.ready.retain(|t| *t != tp);
        self.drive(ctx);
    }

    // ----- accessors for the report ---------------------------------------

    /// The consumer's name (`client.id`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// `group.id` (None: assign mode).
    pub fn group(&self) -> Option<&str> {
        self.group.as_deref()
    }
    /// The current member id ("" when not a member).
    pub fn member_id(&self) -> &str {
        &self.v.member
    }
    /// The generation the consumer believes it is in (-1: none).
    pub fn generation(&self) -> i32 {
        self.v.generation
    }
    /// The partitions assigned now.
    pub fn assignment(&self) -> Vec<Tp> {
        self.v.parts.keys().copied().collect()
    }
    /// The position (next offset to return) of each assigned partition that
    /// has one.
    pub fn positions(&self) -> BTreeMap<Tp, u64> {
        self.v.parts.iter().filter_map(|(tp, p)| p.position.map(|o| (*tp, o))).collect()
    }
    /// The committed offsets this consumer last saw accepted or fetched.
    pub fn known_committed(&self) -> &BTreeMap<Tp, u64> {
        &self.v.committed
    }
    /// Whether the application loop runs (started, not closed, not crashed).
    pub fn is_running(&self) -> bool {
        self.v.phase == Phase::Running
    }

    // ----- lifecycle ------------------------------------------------------

    /// Time 0: arm the start and stop timers.
    pub fn on_start(&mut self, ctx: &mut Ctx<'_, Model>) {
        self.v = Volatile::fresh();
        let now = ctx.now();
        if let Some(stop) = self.stop {
            if now >= stop {
                self.v.phase = Phase::Stopped;
                return;
            }
            ctx.set_timer(stop - now, timer(ConsumerTimer::Stop));
        }
        ctx.set_timer(self.start.saturating_sub(now), timer(ConsumerTimer::Start));
    }

    /// A restarted process has lost all memory: it starts over (a new member
    /// id, committed offsets fetched again).
    pub fn on_restart(&mut self, ctx: &mut Ctx<'_, Model>) {
        self.on_start(ctx);
    }

    /// Everything in memory is gone (the kernel drops our timers).
    /// A connection reset from a dead process: its requests fail now, as on
    /// a disconnect, instead of after the request timeout.
    pub fn on_unreachable(&mut self, ctx: &mut Ctx<'_, Model>, peer: NodeId) {
        let corrs: Vec<u64> = self.v.inflight_to.iter().filter(|(c, to)| **to == peer && self.v.inflight.contains_key(c)).map(|(c, _)| *c).collect();
        for corr in corrs {
            self.request_timed_out(ctx, corr);
        }
    }

    pub fn on_crash(&mut self) {
        self.v = Volatile::fresh();
        self.outbox.clear();
        self.v.phase = Phase::Stopped;
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, Model>, t: ConsumerTimer) {
        match t {
            ConsumerTimer::Start => self.start_app(ctx),
            ConsumerTimer::Stop => match self.v.phase {
                Phase::Idle => self.v.phase = Phase::Stopped,
                Phase::Running => {
                    self.v.stop_requested = true;
                    if matches!(self.v.app, App::Polling) {
                        self.close(ctx);
                    }
                }
                Phase::Stopped => {}
            },
            ConsumerTimer::Heartbeat { seq } => self.heartbeat_tick(ctx, seq),
            ConsumerTimer::RequestTimeout { corr } => self.request_timed_out(ctx, corr),
            ConsumerTimer::ProcessingDone { seq } => self.processing_done(ctx, seq),
            ConsumerTimer::PollTimeout { seq } => self.poll_timeout(ctx, seq),
            ConsumerTimer::AutoCommit { seq } => {
                if self.v.phase == Phase::Running && matches!(self.v.app, App::Polling) && seq == self.v.poll_seq {
                    self.maybe_auto_commit(ctx);
                    self.arm_auto_commit(ctx);
                    self.drive(ctx);
                }
            }
            ConsumerTimer::Wake => {
                if self.v.wake_at.is_some_and(|w| w <= ctx.now()) {
                    self.v.wake_at = None;
                }
                self.drive(ctx);
            }
        }
    }

    pub fn on_msg(&mut self, ctx: &mut Ctx<'_, Model>, _from: NodeId, msg: Msg) {
        if self.v.phase != Phase::Running {
            return;
        }
        match msg {
            Msg::MetadataResponse { corr, partitions } => {
                if !matches!(self.v.inflight.remove(&corr), Some(Req::Metadata)) {
                    return;
                }
                self.v.meta_inflight = None;
                let now = ctx.now();
                for p in partitions {
                    if !self.subscribed(p.tp) {
                        continue;
                    }
                    let known = self.v.leaders.get(&p.tp).copied();
                    if known.is_none_or(|(_, e)| p.leader_epoch >= e) {
                        if known.is_some_and(|k| k != (p.leader, p.leader_epoch)) {
                            if let Some(part) = self.v.parts.get_mut(&p.tp) {
                                part.retry_at = 0;
                            }
                        }
                        self.v.leaders.insert(p.tp, (p.leader, p.leader_epoch));
                    }
                }
                self.v.meta_wanted = false;
                for part in self.v.parts.values_mut() {
                    part.await_meta = false;
                }
                if self.missing_leaders() {
                    // This broker does not know a leader (yet): ask another
                    // one after a growing backoff.
                    self.v.meta_wanted = true;
                    self.v.meta_retry_at = now + self.v.meta_backoff;
                    self.v.meta_backoff = (self.v.meta_backoff * 2).min(RETRY_BACKOFF_MAX);
                    self.v.meta_broker = self.v.meta_broker.wrapping_add(1);
                } else {
                    self.v.meta_backoff = RETRY_BACKOFF;
                }
            }
            Msg::FetchResponse { corr, tp, error, diverging, records, .. } => {
                let Some(Req::Fetch { tp: rtp, offset }) = self.v.inflight.remove(&corr) else { return };
                if rtp != tp {
                    return;
                }
                self.fetch_response(ctx, tp, corr, offset, error, diverging, records);
            }
            Msg::ListOffsetsResponse { corr, tp, error, offset, .. } => {
                let Some(Req::ListOffsets { tp: rtp, why }) = self.v.inflight.remove(&corr) else { return };
                let now = ctx.now();
                let Some(part) = self.v.parts.get_mut(&rtp) else { return };
                if rtp != tp || part.init != Init::AwaitReset {
                    return;
                }
                if error == ErrorCode::None {
                    part.position = Some(offset);
                    part.last_epoch = -1;
                    part.init = Init::Ready;
                    part.retry_at = 0;
                    let reason = match (why, self.cfg.reset) {
                        (ResetWhy::NoCommitted, ResetPolicy::Earliest) => "no-committed-offset:earliest",
                        (ResetWhy::NoCommitted, _) => "no-committed-offset:latest",
                        (ResetWhy::OutOfRange, ResetPolicy::Earliest) => "offset-out-of-range:earliest",
                        (ResetWhy::OutOfRange, _) => "offset-out-of-range:latest",
                    };
                    emit(ctx, KEvent::PositionReset { tp, offset, reason });
                } else {
                    part.init = Init::NeedReset(why);
                    self.refresh_for(tp, now);
                }
            }
            Msg::OffsetFetchResponse { corr, offsets } => {
                if !matches!(self.v.inflight.remove(&corr), Some(Req::OffsetFetch)) || self.v.offset_fetch != Some(corr) {
                    return;
                }
                self.v.offset_fetch = None;
                for (tp, off) in offsets {
                    let Some(part) = self.v.parts.get_mut(&tp) else { continue };
                    if part.init != Init::AwaitCommitted {
                        continue;
                    }
                    match off {
                        Some(o) => {
                            part.position = Some(o);
                            part.last_epoch = -1;
                            part.init = Init::Ready;
                            self.v.committed.insert(tp, o);
                        }
                        None => self.reset_or_fail(ctx, tp, ResetWhy::NoCommitted),
                    }
                }
                // Anything the response left out is asked for again.
                for part in self.v.parts.values_mut() {
                    if part.init == Init::AwaitCommitted {
                        part.init = Init::NeedCommitted;
                    }
                }
            }
            Msg::JoinGroupResponse { corr, error, generation, member, protocol, .. } => {
                if !matches!(self.v.inflight.remove(&corr), Some(Req::Join)) || self.v.ms != MemberState::Joining {
                    return;
                }
                self.join_response(ctx, error, generation, member, protocol);
            }
            Msg::SyncGroupResponse { corr, error, assignment } => {
                if !matches!(self.v.inflight.remove(&corr), Some(Req::Sync)) || self.v.ms != MemberState::Syncing {
                    return;
                }
                self.sync_response(ctx, error, assignment);
            }
            Msg::HeartbeatResponse { corr, error } => {
                let Some(Req::Heartbeat { generation }) = self.v.inflight.remove(&corr) else { return };
                if self.v.hb_inflight == Some(corr) {
                    self.v.hb_inflight = None;
                }
                if generation != self.v.generation {
                    return;
                }
                match error {
                    ErrorCode::RebalanceInProgress if self.v.ms == MemberState::Stable => self.v.rejoin = true,
                    ErrorCode::IllegalGeneration | ErrorCode::UnknownMemberId => self.reset_membership(),
                    _ => {}
                }
            }
            Msg::OffsetCommitResponse { corr, error, offsets } => {
                let Some(Req::Commit { purpose, generation }) = self.v.inflight.remove(&corr) else { return };
                self.commit_response(ctx, corr, purpose, generation, error, offsets);
            }
            _ => return,
        }
        self.drive(ctx);
    }

    // ----- the application loop -------------------------------------------

    fn start_app(&mut self, ctx: &mut Ctx<'_, Model>) {
        if self.v.phase != Phase::Idle {
            return;
        }
        self.v.phase = Phase::Running;
        self.v.last_auto_commit = ctx.now();
        self.v.meta_wanted = true;
        if let Some(group) = &self.commit_group {
            emit(ctx, KEvent::ConsumerGroup { group: group.clone() });
        }
        if self.group.is_none() {
            let init = if self.commit_group.is_some() { Init::NeedCommitted } else { Init::NeedReset(ResetWhy::NoCommitted) };
            let tps: Vec<Tp> = self.topics.iter().flat_map(|(t, _, n)| (0..*n).map(move |p| Tp(*t, p))).collect();
            for tp in &tps {
                self.v.parts.entry(*tp).or_insert_with(|| Part::new(init));
            }
            emit(ctx, KEvent::Assigned { generation: -1, partitions: tps });
        }
        self.begin_poll(ctx);
    }

    /// The application calls poll().
    fn begin_poll(&mut self, ctx: &mut Ctx<'_, Model>) {
        if self.v.phase != Phase::Running {
            return;
        }
        if self.v.stop_requested {
            self.close(ctx);
            return;
        }
        self.v.app = App::Polling;
        self.v.poll_seq += 1;
        self.maybe_auto_commit(ctx);
        self.arm_auto_commit(ctx);
        self.drive(ctx);
    }

    /// `maybeAutoCommitOffsetsAsync`: at most once per interval, only with a
    /// stable generation.
    fn maybe_auto_commit(&mut self, ctx: &mut Ctx<'_, Model>) {
        let now = ctx.now();
        if self.cfg.auto_commit
            && self.v.ms == MemberState::Stable
            && !self.v.rejoin
            && now >= self.v.last_auto_commit.saturating_add(self.cfg.auto_commit_interval)
        {
            self.v.last_auto_commit = now;
            let _ = self.commit(ctx, Purpose::Auto);
        }
    }

    fn arm_auto_commit(&mut self, ctx: &mut Ctx<'_, Model>) {
        if self.cfg.auto_commit {
            let due = self.v.last_auto_commit.saturating_add(self.cfg.auto_commit_interval);
            let now = ctx.now();
            let after = if due > now { due - now } else { self.cfg.auto_commit_interval };
            ctx.set_timer(after, timer(ConsumerTimer::AutoCommit { seq: self.v.poll_seq }));
        }
    }

    /// Returns buffered records from poll(), if the group lets us.
    fn maybe_return_records(&mut self, ctx: &mut Ctx<'_, Model>) {
        if !matches!(self.v.app, App::Polling) || self.v.stop_requested {
            return;
        }
        if self.group.is_some() && (self.v.ms != MemberState::Stable || self.v.rejoin || self.v.lost) {
            return;
        }
        let mut left = u64::from(self.cfg.max_poll_records);
        let mut chunks = Vec::new();
        while left > 0 {
            let Some(&tp) = self.v.ready.front() else { break };
            let Some(part) = self.v.parts.get_mut(&tp) else {
                self.v.ready.pop_front();
                continue;
            };
            let k = (part.buffer.len() as u64).min(left);
            if k == 0 || part.init != Init::Ready {
                self.v.ready.pop_front();
                continue;
            }
            let recs: Vec<LogRecord> = part.buffer.drain(..k as usize).collect();
            let (Some(first), Some(last)) = (recs.first(), recs.last()) else { break };
            let (from, to, last_epoch) = (first.offset, last.offset.saturating_add(1), last.leader_epoch);
            part.position = Some(to);
            part.last_epoch = last_epoch;
            if part.buffer.is_empty() {
                part.position = Some(to.max(part.buffer_end));
                self.v.ready.pop_front();
            }
            if self.embedded {
                self.outbox.extend(recs.iter().map(|r| (tp, r.clone())));
            }
            emit(ctx, KEvent::Polled { tp, records: recs.into_iter().map(|r| (r.offset, r.value)).collect() });
            chunks.push(Chunk { tp, from, to, n: k });
            left -= k;
        }
        if chunks.is_empty() {
            return;
        }
        // poll() returned: the poll timer (max.poll.interval.ms) runs until
        // the application calls poll() again.
        if self.group.is_some() {
            ctx.set_timer(self.cfg.max_poll_interval, timer(ConsumerTimer::PollTimeout { seq: self.v.poll_seq }));
        }
        if self.cfg.mode == CommitMode::BeforeProcessing {
            match self.commit(ctx, Purpose::BeforeProcessing) {
                CommitStart::Sent(corr) => self.v.app = App::CommitBefore { corr, chunks },
                CommitStart::Nothing => self.start_processing(ctx, chunks),
                CommitStart::Failed(error) => {
                    // At-most-once: a batch that could not be committed is
                    // not processed.
                    self.emit_commit_rejected(ctx, error);
                    self.v.app = App::Polling;
                    ctx.set_timer(0, timer(ConsumerTimer::Wake));
                }
            }
        } else {
            self.start_processing(ctx, chunks);
        }
    }

    fn start_processing(&mut self, ctx: &mut Ctx<'_, Model>, chunks: Vec<Chunk>) {
        self.v.proc_seq += 1;
        let seq = self.v.proc_seq;
        let first = chunks.first().map_or(0, |c| c.n);
        self.v.app = App::Processing { chunks: chunks.into(), seq };
        ctx.set_timer(first.saturating_mul(self.cfg.processing_time), timer(ConsumerTimer::ProcessingDone { seq }));
    }

    fn processing_done(&mut self, ctx: &mut Ctx<'_, Model>, seq: u64) {
        if self.v.phase != Phase::Running {
            return;
        }
        let App::Processing { chunks, seq: s } = &mut self.v.app else { return };
        if *s != seq {
            return;
        }
        if let Some(c) = chunks.pop_front() {
            emit(ctx, KEvent::Processed { tp: c.tp, from: c.from, to: c.to });
        }
        if let Some(next) = chunks.front() {
            ctx.set_timer(next.n.saturating_mul(self.cfg.processing_time), timer(ConsumerTimer::ProcessingDone { seq }));
            return;
        }
        if self.cfg.mode == CommitMode::AfterProcessing {
            match self.commit(ctx, Purpose::AfterProcessing) {
                CommitStart::Sent(corr) => {
                    self.v.app = App::CommitAfter { corr };
                    return;
                }
                CommitStart::Nothing => {}
                CommitStart::Failed(error) => self.emit_commit_rejected(ctx, error),
            }
        }
        self.begin_poll(ctx);
    }

    /// The heartbeat thread's poll timer expired: "consumer poll timeout has
    /// expired" → `maybeLeaveGroup`. The partitions are lost at the next
    /// poll; the batch in progress is still processed (B6).
    fn poll_timeout(&mut self, ctx: &mut Ctx<'_, Model>, seq: u64) {
        if self.v.phase != Phase::Running || seq != self.v.poll_seq || matches!(self.v.app, App::Polling) {
            return;
        }
        if let Some(group) = &self.group {
            if !self.v.member.is_empty() && self.v.ms != MemberState::Unjoined {
                ctx.send(COORDINATOR, Msg::LeaveGroup { group: group.clone(), member: self.v.member.clone() });
                self.reset_membership();
            }
        }
    }

    /// close(): a synchronous auto-commit, then LeaveGroup.
    fn close(&mut self, ctx: &mut Ctx<'_, Model>) {
        self.v.stop_requested = false;
        if self.cfg.auto_commit && self.v.ms == MemberState::Stable && !self.v.lost {
            if let CommitStart::Sent(corr) = self.commit(ctx, Purpose::Close) {
                self.v.app = App::Closing { corr };
                return;
            }
        }
        self.finish_close(ctx);
    }

    fn finish_close(&mut self, ctx: &mut Ctx<'_, Model>) {
        if let Some(group) = &self.group {
            if !self.v.member.is_empty() {
                ctx.send(COORDINATOR, Msg::LeaveGroup { group: group.clone(), member: self.v.member.clone() });
            }
        }
        if !self.v.parts.is_empty() {
            emit(ctx, KEvent::Assigned { generation: self.v.generation, partitions: Vec::new() });
        }
        let committed = std::mem::take(&mut self.v.committed);
        self.v = Volatile::fresh();
        self.v.committed = committed;
        self.v.phase = Phase::Stopped;
    }

    // ----- the reconcile loop -------------------------------------------------

    /// Looks at the state and sends whatever is missing: metadata, the group
    /// protocol, offset lookups, fetches; then lets poll() return records.
    fn drive(&mut self, ctx: &mut Ctx<'_, Model>) {
        if self.v.phase != Phase::Running {
            return;
        }
        self.maybe_metadata(ctx);
        self.maybe_join(ctx);
        self.maybe_init_positions(ctx);
        self.maybe_fetch(ctx);
        self.maybe_return_records(ctx);
        self.schedule_wake(ctx);
    }

    /// An error or timeout on `tp`: refresh metadata (from the next broker)
    /// before trying again, as the Java client's `requestMetadataUpdate`.
    fn refresh_for(&mut self, tp: Tp, now: Micros) {
        if let Some(p) = self.v.parts.get_mut(&tp) {
            p.await_meta = true;
            p.retry_at = now + RETRY_BACKOFF;
        }
        if !self.v.meta_wanted {
            self.v.meta_broker = self.v.meta_broker.wrapping_add(1);
        }
        self.v.meta_wanted = true;
    }

    fn subscribed(&self, tp: Tp) -> bool {
        self.topics.iter().any(|(t, _, n)| *t == tp.0 && tp.1 < *n)
    }

    fn leader(&self, tp: Tp) -> Option<(BrokerId, i32)> {
        self.v.leaders.get(&tp).and_then(|(l, e)| l.map(|b| (b, *e)))
    }

    /// Partitions that need a leader but have none we know of.
    fn missing_leaders(&self) -> bool {
        self.v.parts.iter().any(|(tp, p)| matches!(p.init, Init::Ready | Init::NeedReset(_)) && self.leader(*tp).is_none())
    }

    fn next_corr(&mut self) -> u64 {
        let c = self.next_corr;
        self.next_corr += 1;
        c
    }

    fn request(&mut self, ctx: &mut Ctx<'_, Model>, to: NodeId, req: Req, timeout: Micros, msg: impl FnOnce(u64) -> Msg) -> u64 {
        let corr = self.next_corr();
        self.v.inflight.insert(corr, req);
        self.v.inflight_to.retain(|c, _| self.v.inflight.contains_key(c));
        self.v.inflight_to.insert(corr, to);
        ctx.send(to, msg(corr));
        ctx.set_timer(timeout, timer(ConsumerTimer::RequestTimeout { corr }));
        corr
    }

    fn maybe_metadata(&mut self, ctx: &mut Ctx<'_, Model>) {
        if self.brokers == 0 || self.v.meta_inflight.is_some() || ctx.now() < self.v.meta_retry_at {
            return;
        }
        if !(self.v.meta_wanted || self.missing_leaders()) {
            return;
        }
        let broker = 1 + self.v.meta_broker % self.brokers;
        let corr = self.request(ctx, broker, Req::Metadata, REQUEST_TIMEOUT, |corr| Msg::MetadataRequest { corr });
        self.v.meta_inflight = Some(corr);
    }

    fn maybe_join(&mut self, ctx: &mut Ctx<'_, Model>) {
        if self.group.is_none() || !matches!(self.v.app, App::Polling) || self.v.stop_requested {
            return;
        }
        let start = match self.v.ms {
            MemberState::Unjoined => ctx.now() >= self.v.join_retry_at,
            MemberState::Stable => self.v.rejoin || self.v.lost,
            _ => false,
        };
        if !start {
            return;
        }
        // onJoinPrepare: with auto-commit, commit before revoking (only with
        // a valid generation; a reset member has lost its partitions).
        if self.v.ms == MemberState::Stable && self.cfg.auto_commit && !self.v.lost {
            if let CommitStart::Sent(commit) = self.commit(ctx, Purpose::JoinPrepare) {
                self.v.ms = MemberState::PrepareJoin { commit };
                return;
            }
        }
        self.send_join(ctx);
    }

    /// The rest of onJoinPrepare (revoke or lose partitions), then
    /// JoinGroup.
    fn send_join(&mut self, ctx: &mut Ctx<'_, Model>) {
        let Some(group) = self.group.clone() else { return };
        if self.v.lost || !self.cfg.cooperative {
            if !self.v.parts.is_empty() {
                let generation = if self.v.lost { -1 } else { self.v.generation };
                emit(ctx, KEvent::Assigned { generation, partitions: Vec::new() });
                self.v.parts.clear();
                self.v.ready.clear();
            }
            self.v.lost = false;
        }
        self.v.rejoin = false;
        self.v.ms = MemberState::Joining;
        let member = self.v.member.clone();
        let client_id = self.name.clone();
        let (session_timeout, rebalance_timeout) = (self.cfg.session_timeout, self.cfg.max_poll_interval);
        let topics: Vec<u16> = self.topics.iter().map(|(t, _, _)| *t).collect();
        let protocols = self.cfg.assignors.clone();
        let owned: Vec<Tp> = self.v.parts.keys().copied().collect();
        let metadata = self.topics.clone();
        let timeout = REQUEST_TIMEOUT.max(rebalance_timeout.saturating_add(JOIN_GROUP_TIMEOUT_LAPSE));
        self.request(ctx, COORDINATOR, Req::Join, timeout, move |corr| Msg::JoinGroup {
            corr,
            group,
            member,
            client_id,
            session_timeout,
            rebalance_timeout,
            topics,
            protocols,
            owned,
            metadata,
        });
    }

    fn join_response(&mut self, ctx: &mut Ctx<'_, Model>, error: ErrorCode, generation: i32, member: String, protocol: String) {
        let now = ctx.now();
        match error {
            ErrorCode::None => {
                self.v.member = member;
                self.v.generation = generation;
                self.v.protocol = protocol;
                self.v.ms = MemberState::Syncing;
                let (group, member) = (self.group.clone().unwrap_or_default(), self.v.member.clone());
                self.request(ctx, COORDINATOR, Req::Sync, REQUEST_TIMEOUT, |corr| Msg::SyncGroup { corr, group, member, generation });
                // The heartbeat thread runs from now on.
                self.v.hb_seq += 1;
                self.v.hb_inflight = None;
                ctx.set_timer(self.cfg.heartbeat_interval, timer(ConsumerTimer::Heartbeat { seq: self.v.hb_seq }));
            }
            ErrorCode::UnknownMemberId => {
                self.reset_membership();
                self.v.join_retry_at = now;
            }
            _ => {
                self.v.ms = MemberState::Unjoined;
                self.v.join_retry_at = now + RETRY_BACKOFF;
            }
        }
    }

    fn sync_response(&mut self, ctx: &mut Ctx<'_, Model>, error: ErrorCode, assignment: Vec<Tp>) {
        match error {
            ErrorCode::None => {
                self.v.ms = MemberState::Stable;
                self.apply_assignment(ctx, assignment);
            }
            ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration => self.reset_membership(),
            ErrorCode::RebalanceInProgress => self.v.ms = MemberState::Unjoined,
            _ => {
                self.v.ms = MemberState::Unjoined;
                self.v.join_retry_at = ctx.now() + RETRY_BACKOFF;
            }
        }
    }

    /// `onJoinComplete`: take the new assignment; the cooperative protocol
    /// revokes what it lost and rejoins (KIP-429).
    fn apply_assignment(&mut self, ctx: &mut Ctx<'_, Model>, assignment: Vec<Tp>) {
        let mut new: Vec<Tp> = assignment.into_iter().filter(|tp| self.subscribed(*tp)).collect();
        new.sort();
        new.dedup();
        let revoked: Vec<Tp> = self.v.parts.keys().copied().filter(|tp| !new.contains(tp)).collect();
        for tp in &revoked {
            self.v.parts.remove(tp);
        }
        self.v.ready.retain(|tp| !revoked.contains(tp));
        for tp in &new {
            self.v.parts.entry(*tp).or_insert_with(|| Part::new(Init::NeedCommitted));
        }
        if !revoked.is_empty() {
            self.v.rejoin = true;
        }
        emit(ctx, KEvent::Assigned { generation: self.v.generation, partitions: new });
    }

    /// `resetGenerationOnResponseError` / `resetGenerationOnLeaveGroup`:
    /// forget the member id and generation; the partitions are lost.
    fn reset_membership(&mut self) {
        self.v.member.clear();
        self.v.generation = -1;
        self.v.protocol.clear();
        self.v.ms = MemberState::Unjoined;
        self.v.rejoin = false;
        self.v.lost = !self.v.parts.is_empty();
        self.v.hb_seq += 1;
        self.v.hb_inflight = None;
    }

    fn heartbeat_tick(&mut self, ctx: &mut Ctx<'_, Model>, seq: u64) {
        if self.v.phase != Phase::Running || seq != self.v.hb_seq || !matches!(self.v.ms, MemberState::Syncing | MemberState::Stable) {
            return;
        }
        if self.v.hb_inflight.is_none() {
            let (group, member, generation) = (self.group.clone().unwrap_or_default(), self.v.member.clone(), self.v.generation);
            let corr =
                self.request(ctx, COORDINATOR, Req::Heartbeat { generation }, REQUEST_TIMEOUT, |corr| Msg::Heartbeat { corr, group, member, generation });
            self.v.hb_inflight = Some(corr);
        }
        ctx.set_timer(self.cfg.heartbeat_interval, timer(ConsumerTimer::Heartbeat { seq }));
    }

    fn maybe_init_positions(&mut self, ctx: &mut Ctx<'_, Model>) {
        let now = ctx.now();
        if self.v.offset_fetch.is_none() {
            if let Some(group) = self.commit_group.clone() {
                let wanted: Vec<Tp> = self.v.parts.iter().filter(|(_, p)| p.init == Init::NeedCommitted).map(|(tp, _)| *tp).collect();
                if !wanted.is_empty() {
                    for tp in &wanted {
                        if let Some(p) = self.v.parts.get_mut(tp) {
                            p.init = Init::AwaitCommitted;
                        }
                    }
                    let corr = self.request(ctx, COORDINATOR, Req::OffsetFetch, REQUEST_TIMEOUT, |corr| Msg::OffsetFetch { corr, group, partitions: wanted });
                    self.v.offset_fetch = Some(corr);
                }
            }
        }
        let resets: Vec<(Tp, ResetWhy, BrokerId)> = self
            .v
            .parts
            .iter()
            .filter_map(|(tp, p)| match p.init {
                Init::NeedReset(why) if now >= p.retry_at && !p.await_meta => self.leader(*tp).map(|(b, _)| (*tp, why, b)),
                _ => None,
            })
            .collect();
        let latest = self.cfg.reset != ResetPolicy::Earliest;
        let read_committed = self.cfg.read_committed;
        for (tp, why, broker) in resets {
            if let Some(p) = self.v.parts.get_mut(&tp) {
                p.init = Init::AwaitReset;
            }
            self.request(ctx, broker, Req::ListOffsets { tp, why }, REQUEST_TIMEOUT, |corr| Msg::ListOffsets { corr, tp, latest, read_committed });
        }
    }

    /// No committed offset / out of range: reset by `auto.offset.reset`, or
    /// with `none` report the error and stop fetching the partition.
    fn reset_or_fail(&mut self, ctx: &mut Ctx<'_, Model>, tp: Tp, why: ResetWhy) {
        let Some(part) = self.v.parts.get_mut(&tp) else { return };
        part.buffer.clear();
        if self.cfg.reset == ResetPolicy::None {
            // NoOffsetForPartitionException / OffsetOutOfRangeException.
            part.init = Init::Failed;
            emit(ctx, KEvent::ConsumerError { tp, error: ErrorCode::OffsetOutOfRange });
        } else {
            part.init = Init::NeedReset(why);
            part.retry_at = 0;
        }
    }

    fn maybe_fetch(&mut self, ctx: &mut Ctx<'_, Model>) {
        let now = ctx.now();
        if self.group.is_some() && self.v.ms == MemberState::Unjoined && self.v.lost {
            return;
        }
        let wanted: Vec<(Tp, u64, i32, BrokerId, i32)> = self
            .v
            .parts
            .iter()
            .filter(|(_, p)| p.init == Init::Ready && p.fetch.is_none() && p.buffer.is_empty() && !p.await_meta && now >= p.retry_at)
            .filter_map(|(tp, p)| {
                let pos = p.position?;
                let (b, epoch) = self.leader(*tp)?;
                Some((*tp, pos, p.last_epoch, b, epoch))
            })
            .collect();
        let (max_records, read_committed, max_wait) = (self.cfg.max_poll_records, self.cfg.read_committed, self.cfg.fetch_max_wait);
        for (tp, offset, last_fetched_epoch, broker, current_leader_epoch) in wanted {
            let corr = self.request(ctx, broker, Req::Fetch { tp, offset }, REQUEST_TIMEOUT, |corr| Msg::Fetch {
                corr,
                tp,
                replica: None,
                broker_epoch: 0,
                fetch_offset: offset,
                last_fetched_epoch,
                current_leader_epoch,
                max_records,
                read_committed,
                max_wait,
            });
            if let Some(p) = self.v.parts.get_mut(&tp) {
                p.fetch = Some(corr);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fetch_response(
        &mut self,
        ctx: &mut Ctx<'_, Model>,
        tp: Tp,
        corr: u64,
        offset: u64,
        error: ErrorCode,
        diverging: Option<(i32, i64)>,
        records: Vec<LogRecord>,
    ) {
        let now = ctx.now();
        let Some(part) = self.v.parts.get_mut(&tp) else { return };
        if part.fetch != Some(corr) {
            return;
        }
        part.fetch = None;
        if part.position != Some(offset) || part.init != Init::Ready {
            return;
        }
        match error {
            ErrorCode::None => {
                if let Some((epoch, end)) = diverging {
                    // KIP-320: the log diverged from what we consumed; go
                    // back to the divergence point (an undefined one means
                    // a full reset, as `maybeCompleteValidation` does).
                    let Ok(end) = u64::try_from(end) else {
                        self.reset_or_fail(ctx, tp, ResetWhy::OutOfRange);
                        return;
                    };
                    // Position confirmed (or moved back): check no further.
                    part.last_epoch = if end < offset { epoch } else { -1 };
                    if end < offset {
                        if self.cfg.reset == ResetPolicy::None {
                            // LogTruncationException.
                            part.init = Init::Failed;
                            emit(ctx, KEvent::ConsumerError { tp, error: ErrorCode::OffsetOutOfRange });
                        } else {
                            part.position = Some(end);
                            emit(ctx, KEvent::PositionReset { tp, offset: end, reason: "log-truncation" });
                        }
                    }
                    return;
                }
                let end = records.iter().map(|r| r.offset.saturating_add(1)).max().unwrap_or(offset).max(offset);
                part.buffer = records.into_iter().filter(|r| r.offset >= offset && !r.is_control).collect();
                part.buffer.make_contiguous().sort_by_key(|r| r.offset);
                part.buffer_end = end;
                if part.buffer.is_empty() {
                    part.position = Some(end);
                } else if !self.v.ready.contains(&tp) {
                    self.v.ready.push_back(tp);
                }
            }
            ErrorCode::OffsetOutOfRange => self.reset_or_fail(ctx, tp, ResetWhy::OutOfRange),
            _ => {
                // NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH …:
                // refresh metadata and retry.
                self.refresh_for(tp, now);
            }
        }
    }

    fn schedule_wake(&mut self, ctx: &mut Ctx<'_, Model>) {
        let now = ctx.now();
        let mut times: Vec<Micros> = Vec::new();
        if self.v.meta_inflight.is_none() && (self.v.meta_wanted || self.missing_leaders()) {
            times.push(self.v.meta_retry_at);
        }
        if self.group.is_some() && self.v.ms == MemberState::Unjoined && matches!(self.v.app, App::Polling) {
            times.push(self.v.join_retry_at);
        }
        for p in self.v.parts.values() {
            if p.fetch.is_none() && !p.await_meta && matches!(p.init, Init::Ready | Init::NeedReset(_)) {
                times.push(p.retry_at);
            }
        }
        let Some(t) = times.into_iter().filter(|t| *t > now).min() else { return };
        if self.v.wake_at.is_none_or(|w| w <= now || t < w) {
            self.v.wake_at = Some(t);
            ctx.set_timer(t - now, timer(ConsumerTimer::Wake));
        }
    }

    // ----- commits ------------------------------------------------------------

    /// Starts an OffsetCommit of every changed position. Like
    /// `sendOffsetCommitRequest`, a group member needs a stable generation
    /// (`generationIfStable`), else the commit fails locally.
    fn commit(&mut self, ctx: &mut Ctx<'_, Model>, purpose: Purpose) -> CommitStart {
        let Some(group) = self.commit_group.clone() else { return CommitStart::Nothing };
        let offsets: Vec<(Tp, u64)> = self
            .v
            .parts
            .iter()
            .filter_map(|(tp, p)| p.position.filter(|_| p.init == Init::Ready).map(|o| (*tp, o)))
            .filter(|(tp, o)| self.v.committed.get(tp) != Some(o))
            .collect();
        if offsets.is_empty() {
            return CommitStart::Nothing;
        }
        let (member, generation) = if self.group.is_some() {
            if self.v.member.is_empty() || self.v.generation < 0 || self.v.lost {
                return CommitStart::Failed(ErrorCode::UnknownMemberId);
            }
            if !matches!(self.v.ms, MemberState::Stable) {
                return CommitStart::Failed(ErrorCode::RebalanceInProgress);
            }
            (self.v.member.clone(), self.v.generation)
        } else {
            (String::new(), -1)
        };
        let corr = self.request(ctx, COORDINATOR, Req::Commit { purpose, generation }, REQUEST_TIMEOUT, |corr| Msg::OffsetCommit {
            corr,
            group,
            member,
            generation,
            offsets,
        });
        CommitStart::Sent(corr)
    }

    fn emit_commit_rejected(&self, ctx: &mut Ctx<'_, Model>, error: ErrorCode) {
        let group = self.commit_group.clone().unwrap_or_default();
        emit(ctx, KEvent::CommitRejected { group, error, generation: self.v.generation });
    }

    fn commit_response(&mut self, ctx: &mut Ctx<'_, Model>, corr: u64, purpose: Purpose, generation: i32, error: ErrorCode, offsets: Vec<(Tp, u64)>) {
        let ok = error == ErrorCode::None;
        if ok {
            for (tp, o) in offsets {
                self.v.committed.insert(tp, o);
            }
        } else {
            let group = self.commit_group.clone().unwrap_or_default();
            emit(ctx, KEvent::CommitRejected { group, error, generation });
            match error {
                ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration if generation == self.v.generation && generation >= 0 => self.reset_membership(),
                ErrorCode::RebalanceInProgress if self.v.ms == MemberState::Stable => self.v.rejoin = true,
                _ => {}
            }
        }
        self.commit_done(ctx, corr, purpose, ok);
    }

    /// The application (or onJoinPrepare / close) continues after a
    /// synchronous commit ended.
    fn commit_done(&mut self, ctx: &mut Ctx<'_, Model>, corr: u64, purpose: Purpose, ok: bool) {
        match purpose {
            Purpose::Auto => {}
            Purpose::BeforeProcessing => {
                if let App::CommitBefore { corr: c, chunks } = &self.v.app {
                    if *c == corr {
                        let chunks = chunks.clone();
                        if ok {
                            self.start_processing(ctx, chunks);
                        } else {
                            self.begin_poll(ctx);
                        }
                    }
                }
            }
            Purpose::AfterProcessing => {
                if matches!(self.v.app, App::CommitAfter { corr: c } if c == corr) {
                    self.begin_poll(ctx);
                }
            }
            Purpose::JoinPrepare => {
                if self.v.ms == (MemberState::PrepareJoin { commit: corr }) {
                    self.send_join(ctx);
                }
            }
            Purpose::Close => {
                if matches!(self.v.app, App::Closing { corr: c } if c == corr) {
                    self.finish_close(ctx);
                }
            }
        }
    }

    fn request_timed_out(&mut self, ctx: &mut Ctx<'_, Model>, corr: u64) {
        if self.v.phase != Phase::Running {
            return;
        }
        let Some(req) = self.v.inflight.remove(&corr) else { return };
        let now = ctx.now();
        match req {
            Req::Metadata => {
                self.v.meta_inflight = None;
                self.v.meta_broker = self.v.meta_broker.wrapping_add(1);
                self.v.meta_wanted = true;
            }
            Req::Fetch { tp, .. } => {
                if let Some(p) = self.v.parts.get_mut(&tp) {
                    if p.fetch == Some(corr) {
                        p.fetch = None;
                    }
                }
                self.refresh_for(tp, now);
            }
            Req::ListOffsets { tp, why } => {
                if let Some(p) = self.v.parts.get_mut(&tp) {
                    if p.init == Init::AwaitReset {
                        p.init = Init::NeedReset(why);
                    }
                }
                self.refresh_for(tp, now);
            }
            Req::OffsetFetch => {
                if self.v.offset_fetch == Some(corr) {
                    self.v.offset_fetch = None;
                    for p in self.v.parts.values_mut() {
                        if p.init == Init::AwaitCommitted {
                            p.init = Init::NeedCommitted;
                        }
                    }
                }
            }
            Req::Join => {
                if self.v.ms == MemberState::Joining {
                    self.v.ms = MemberState::Unjoined;
                    self.v.join_retry_at = now + RETRY_BACKOFF;
                }
            }
            Req::Sync => {
                if self.v.ms == MemberState::Syncing {
                    self.v.ms = MemberState::Unjoined;
                    self.v.join_retry_at = now + RETRY_BACKOFF;
                }
            }
            Req::Heartbeat { .. } => {
                if self.v.hb_inflight == Some(corr) {
                    self.v.hb_inflight = None;
                }
            }
            Req::Commit { purpose, generation } => {
                // The outcome is unknown: the coordinator's Committed event
                // (or its absence) tells.
                let group = self.commit_group.clone().unwrap_or_default();
                emit(ctx, KEvent::CommitRejected { group, error: ErrorCode::RequestTimedOut, generation });
                self.commit_done(ctx, corr, purpose, false);
            }
        }
        self.drive(ctx);
    }
}

#[cfg(test)]
mod tests {
    //! A small deterministic harness: the real [`GroupCoordinator`] (node
    //! 0), a fake single broker that leads every partition (node 1) and the
    //! consumers under test (nodes 2…), wired through a fixed-latency
    //! network with crash / restart and scripted appends.
    use super::*;
    use crate::kafka::config::{KafkaVersion, Props, Scope, Value};
    use crate::kafka::controller::ControllerTimer;
    use crate::kafka::coordinator::GroupCoordinator;
    use crate::kafka::types::PartitionMeta;
    use crate::kernel::actor::Effect;
    use crate::model::Event;
    use crate::rng::RngStream;
    use crate::time::Duration;
    use std::collections::BTreeSet;

    const MS: Micros = 1_000;
    const S: Micros = 1_000_000;

    #[derive(Clone, Debug)]
    enum Ev {
        Deliver {
            from: NodeId,
            to: NodeId,
            msg: Msg,
        },
        Timer {
            node: NodeId,
            inc: u32,
            id: u64,
            t: Timer,
        },
        Append {
            tp: Tp,
            n: u64,
        },
        LogStart {
            tp: Tp,
            start: u64,
        },
        Crash(NodeId),
        Restart(NodeId),
        /// Drops messages `from → to` while set.
        Cut(NodeId, NodeId, bool),
    }

    enum Call {
        Start,
        Restart,
        Msg(NodeId, Msg),
        Timer(Timer),
    }

    #[derive(Default)]
    struct FakeBroker {
        /// Values per partition; offsets below `start` are deleted.
        logs: BTreeMap<Tp, Vec<String>>,
        start: BTreeMap<Tp, u64>,
        /// Answer fetches with NOT_LEADER_OR_FOLLOWER before this time.
        not_leader_until: Micros,
    }

    impl FakeBroker {
        fn handle(&mut self, now: Micros, msg: Msg) -> Option<(Msg, Micros)> {
            match msg {
                Msg::MetadataRequest { corr } => {
                    let partitions = self
                        .logs
                        .keys()
                        .map(|tp| PartitionMeta { tp: *tp, replicas: vec![1], leader: Some(1), leader_epoch: 0, partition_epoch: 0, isr: vec![1], elr: vec![] })
                        .collect();
                    Some((Msg::MetadataResponse { corr, partitions }, 0))
                }
                Msg::Fetch { corr, tp, fetch_offset, max_records, max_wait, .. } => {
                    let log = self.logs.get(&tp).cloned().unwrap_or_default();
                    let (start, hw) = (self.start.get(&tp).copied().unwrap_or(0), log.len() as u64);
                    let resp = |error, records: Vec<LogRecord>| Msg::FetchResponse {
                        corr,
                        tp,
                        error,
                        high_watermark: hw,
                        last_stable_offset: hw,
                        log_start_offset: start,
                        diverging: None,
                        records,
                    };
                    if now < self.not_leader_until {
                        return Some((resp(ErrorCode::NotLeaderOrFollower, vec![]), 0));
                    }
                    if fetch_offset < start || fetch_offset > hw {
                        return Some((resp(ErrorCode::OffsetOutOfRange, vec![]), 0));
                    }
                    let end = hw.min(fetch_offset + u64::from(max_records));
                    let records: Vec<LogRecord> = (fetch_offset..end)
                        .map(|o| {
                            let mut r = LogRecord::new(None, log[o as usize].clone(), 0);
                            r.offset = o;
                            r.leader_epoch = 0;
                            r
                        })
                        .collect();
                    let delay = if records.is_empty() { max_wait } else { 0 };
                    Some((resp(ErrorCode::None, records), delay))
                }
                Msg::ListOffsets { corr, tp, latest, .. } => {
                    let hw = self.logs.get(&tp).map_or(0, |l| l.len() as u64);
                    let offset = if latest { hw } else { self.start.get(&tp).copied().unwrap_or(0) };
                    Some((Msg::ListOffsetsResponse { corr, tp, error: ErrorCode::None, offset, leader_epoch: 0 }, 0))
                }
                _ => None,
            }
        }
    }

    struct World {
        now: Micros,
        seq: u64,
        queue: BTreeMap<(Micros, u64), Ev>,
        coord: GroupCoordinator,
        broker: FakeBroker,
        consumers: Vec<Consumer>,
        up: Vec<bool>,
        inc: Vec<u32>,
        live: BTreeSet<u64>,
        next_timer: u64,
        rng: RngStream,
        trace: Vec<(Micros, NodeId, KEvent)>,
        sent: Vec<(Micros, NodeId, &'static str)>,
        cut: BTreeSet<(NodeId, NodeId)>,
    }

    const LATENCY: Micros = MS;

    impl World {
        fn new(topics: &[TopicSpec], specs: &[ConsumerSpec]) -> Self {
            let mut broker = FakeBroker::default();
            for (i, t) in topics.iter().enumerate() {
                for p in 0..t.partitions {
                    broker.logs.insert(Tp(i as u16, p), vec![]);
                }
            }
            let n = 2 + specs.len();
            let mut w = World {
                now: 0,
                seq: 0,
                queue: BTreeMap::new(),
                coord: GroupCoordinator::new(&Props::defaults(KafkaVersion::DEFAULT, &[Scope::Broker])),
                broker,
                consumers: specs.iter().map(|s| Consumer::new(s, topics, 1)).collect(),
                up: vec![true; n],
                inc: vec![0; n],
                live: BTreeSet::new(),
                next_timer: 0,
                rng: RngStream::derive(7, "harness"),
                trace: vec![],
                sent: vec![],
                cut: BTreeSet::new(),
            };
            for node in 0..n as NodeId {
                if node != 1 {
                    w.dispatch(node, Call::Start);
                }
            }
            w
        }

        fn at(&mut self, t: Micros, ev: Ev) {
            self.seq += 1;
            self.queue.insert((t, self.seq), ev);
        }

        fn append(&mut self, t: Micros, tp: Tp, n: u64) {
            self.at(t, Ev::Append { tp, n });
        }

        fn dispatch(&mut self, node: NodeId, call: Call) {
            let mut effects = Vec::new();
            {
                let mut ctx = Ctx { now: self.now, node, skew: 0, rng: &mut self.rng, effects: &mut effects, next_timer: &mut self.next_timer };
                if node == 0 {
                    match call {
                        Call::Start | Call::Restart => self.coord.on_start(&mut ctx),
                        Call::Msg(from, m) => self.coord.on_msg(&mut ctx, from, m),
                        Call::Timer(Timer::Controller(ControllerTimer::Group(t))) => self.coord.on_timer(&mut ctx, t),
                        Call::Timer(_) => {}
                    }
                } else if let Some(c) = self.consumers.get_mut(node as usize - 2) {
                    match call {
                        Call::Start => c.on_start(&mut ctx),
                        Call::Restart => c.on_restart(&mut ctx),
                        Call::Msg(from, m) => c.on_msg(&mut ctx, from, m),
                        Call::Timer(Timer::Consumer(t)) => c.on_timer(&mut ctx, t),
                        Call::Timer(_) => {}
                    }
                }
            }
            for e in effects {
                match e {
                    Effect::Send { to, msg } => self.send(node, to, msg, 0),
                    Effect::SetTimer { id, after, timer } => {
                        self.live.insert(id);
                        let inc = self.inc[node as usize];
                        self.at(self.now + after, Ev::Timer { node, inc, id, t: timer });
                    }
                    Effect::CancelTimer { id } => {
                        self.live.remove(&id);
                    }
                    Effect::Emit(Event::Kafka(k)) => self.trace.push((self.now, node, k)),
                    Effect::Emit(Event::Stream(_)) => {}
                }
            }
        }

        fn send(&mut self, from: NodeId, to: NodeId, msg: Msg, extra: Micros) {
            self.sent.push((self.now, from, msg.kind()));
            self.at(self.now + LATENCY + extra, Ev::Deliver { from, to, msg });
        }

        fn run_until(&mut self, t: Micros) {
            while let Some((&(time, seq), _)) = self.queue.first_key_value() {
                if time > t {
                    break;
                }
                let Some(ev) = self.queue.remove(&(time, seq)) else { break };
                self.now = time;
                match ev {
                    Ev::Deliver { from, to, msg } => {
                        if !self.up[to as usize] || self.cut.contains(&(from, to)) {
                            continue;
                        }
                        if to == 1 {
                            if let Some((resp, delay)) = self.broker.handle(self.now, msg) {
                                self.send(1, from, resp, delay);
                            }
                        } else {
                            self.dispatch(to, Call::Msg(from, msg));
                        }
                    }
                    Ev::Timer { node, inc, id, t } => {
                        if self.up[node as usize] && inc == self.inc[node as usize] && self.live.remove(&id) {
                            self.dispatch(node, Call::Timer(t));
                        }
                    }
                    Ev::Append { tp, n } => {
                        let log = self.broker.logs.entry(tp).or_default();
                        for _ in 0..n {
                            let v = format!("v{}", log.len());
                            log.push(v);
                        }
                    }
                    Ev::LogStart { tp, start } => {
                        self.broker.start.insert(tp, start);
                    }
                    Ev::Crash(n) => {
                        self.up[n as usize] = false;
                        self.inc[n as usize] += 1;
                        if n == 0 {
                            self.coord.on_crash();
                        } else if let Some(c) = self.consumers.get_mut(n as usize - 2) {
                            c.on_crash();
                        }
                    }
                    Ev::Restart(n) => {
                        self.up[n as usize] = true;
                        self.dispatch(n, Call::Restart);
                    }
                    Ev::Cut(from, to, on) => {
                        if on {
                            self.cut.insert((from, to));
                        } else {
                            self.cut.remove(&(from, to));
                        }
                    }
                }
            }
            self.now = t;
        }

        fn events(&self, node: NodeId) -> impl Iterator<Item = &KEvent> {
            self.trace.iter().filter(move |(_, n, _)| *n == node).map(|(_, _, e)| e)
        }
        /// Every offset polled by `node` for `tp`, in order, duplicates kept.
        fn polled(&self, node: NodeId, tp: Tp) -> Vec<u64> {
            self.events(node)
                .filter_map(|e| match e {
                    KEvent::Polled { tp: t, records } if *t == tp => Some(records.iter().map(|r| r.0).collect::<Vec<_>>()),
                    _ => None,
                })
                .flatten()
                .collect()
        }
        /// Every offset processed for `tp` by any consumer, duplicates kept.
        fn processed(&self, tp: Tp) -> Vec<u64> {
            let mut v: Vec<u64> = self
                .trace
                .iter()
                .filter_map(|(_, _, e)| match e {
                    KEvent::Processed { tp: t, from, to } if *t == tp => Some(*from..*to),
                    _ => None,
                })
                .flatten()
                .collect();
            v.sort();
            v
        }
        fn assigned(&self, node: NodeId) -> Vec<(i32, Vec<Tp>)> {
            self.events(node)
                .filter_map(|e| match e {
                    KEvent::Assigned { generation, partitions } => Some((*generation, partitions.clone())),
                    _ => None,
                })
                .collect()
        }
        fn rebalances(&self) -> Vec<(i32, Vec<String>)> {
            self.events(0)
                .filter_map(|e| match e {
                    KEvent::GroupRebalanced { generation, members, .. } => Some((*generation, members.clone())),
                    _ => None,
                })
                .collect()
        }
        /// No partition is assigned to two consumers at the same moment
        /// (KIP-848's `NoDoubleClientAssignment`, read off the trace; a
        /// crash drops the crashed node's partitions).
        /// Members the coordinator considers current never overlap (a
        /// zombie that has not heard of its removal may still believe it
        /// owns partitions: that is B6).
        fn assert_no_double_assignment_among_members(&self) {
            for g in self.coord.groups() {
                let mut seen = BTreeSet::new();
                for m in &g.members {
                    for tp in &m.assignment {
                        assert!(seen.insert(*tp), "{tp} assigned twice in {g:?}");
                    }
                }
            }
        }
        fn assert_no_double_assignment(&self) {
            let mut owned: BTreeMap<NodeId, Vec<Tp>> = BTreeMap::new();
            for (t, node, e) in &self.trace {
                if let KEvent::Assigned { partitions, .. } = e {
                    owned.insert(*node, partitions.clone());
                    let mut seen = BTreeSet::new();
                    for tp in owned.values().flatten() {
                        assert!(seen.insert(*tp), "{tp} owned twice at {t}: {owned:?}");
                    }
                }
            }
        }
    }

    fn topic(name: &str, partitions: u32) -> TopicSpec {
        TopicSpec { name: name.into(), partitions, replication_factor: 1, assignment: vec![vec![1]; partitions as usize], config: Props::default() }
    }

    fn ms(v: u64) -> Value {
        Value::Time(Duration(v * MS))
    }
    fn st(v: &str) -> Value {
        Value::Str(v.into())
    }

    fn spec(name: &str, group: Option<&str>, cfg: &[(&'static str, Value)]) -> ConsumerSpec {
        let mut config = Props::defaults(KafkaVersion::DEFAULT, &[Scope::Consumer]);
        config.set("auto.offset.reset", st("earliest"));
        for (k, v) in cfg {
            config.set(k, v.clone());
        }
        ConsumerSpec { name: name.into(), group: group.map(String::from), topics: vec!["orders".into()], config, start: 0, stop: None }
    }

    const P0: Tp = Tp(0, 0);
    const P1: Tp = Tp(0, 1);

    #[test]
    fn group_of_one_consumes_everything_and_auto_commits() {
        let mut w = World::new(&[topic("orders", 2)], &[spec("c1", Some("g"), &[])]);
        w.append(0, P0, 10);
        w.append(0, P1, 10);
        w.append(8 * S, P0, 5);
        w.run_until(20 * S);
        // The first rebalance of an empty group waits 3 s.
        let first = w.trace.iter().find(|(_, _, e)| matches!(e, KEvent::GroupRebalanced { .. })).map(|(t, _, _)| *t);
        assert_eq!(first, Some(3 * S + LATENCY));
        assert_eq!(w.rebalances(), vec![(1, vec!["c1-1".to_string()])]);
        assert_eq!(w.assigned(2), vec![(1, vec![P0, P1])]);
        assert_eq!(w.polled(2, P0), (0..15).collect::<Vec<_>>());
        assert_eq!(w.polled(2, P1), (0..10).collect::<Vec<_>>());
        assert_eq!(w.processed(P0), (0..15).collect::<Vec<_>>());
        // Auto-commit (every 5 s, from poll): committed = next offset to read.
        assert_eq!(w.coord.committed_offset("g", P0), Some(15));
        assert_eq!(w.coord.committed_offset("g", P1), Some(10));
        // B4: each auto-commit carries the position of an earlier poll,
        // never offsets of a poll still in progress.
        let mut last_polled_end = BTreeMap::new();
        for (_, _, e) in &w.trace {
            match e {
                KEvent::Polled { tp, records } => {
                    last_polled_end.insert(*tp, records.last().map_or(0, |r| r.0 + 1));
                }
                KEvent::Committed { tp, offset, .. } => assert!(*offset <= last_polled_end[tp]),
                _ => {}
            }
        }
        assert!(w.consumers[0].is_running());
        assert_eq!(w.consumers[0].positions(), BTreeMap::from([(P0, 15), (P1, 10)]));
    }

    #[test]
    fn second_member_extends_the_initial_delay_and_range_splits() {
        let mut c2 = spec("c2", Some("g"), &[]);
        c2.start = S;
        let mut w = World::new(&[topic("orders", 4)], &[spec("c1", Some("g"), &[]), c2]);
        w.run_until(10 * S);
        // c2 joined during the 3 s delay: extended once, one rebalance.
        assert_eq!(w.rebalances(), vec![(1, vec!["c1-1".to_string(), "c2-2".to_string()])]);
        assert_eq!(w.assigned(2), vec![(1, vec![P0, P1])]);
        assert_eq!(w.assigned(3), vec![(1, vec![Tp(0, 2), Tp(0, 3)])]);
    }

    #[test]
    fn b2_at_least_once_duplicates_after_a_crash() {
        let cfg = [
            ("streamlab.commit.mode", st("after-processing")),
            ("streamlab.processing.time.ms", ms(100)),
            ("max.poll.records", Value::Int(5)),
            ("session.timeout.ms", ms(6000)),
        ];
        let mut w = World::new(&[topic("orders", 1)], &[spec("c1", Some("g"), &cfg)]);
        w.append(0, P0, 20);
        // Batches of 5 take 0.5 s from ≈3 s. The second batch is processed
        // at ≈4.0 s but its commit is lost (c1 → coordinator cut), and c1
        // crashes while it waits for the answer.
        w.at(3_800 * MS, Ev::Cut(2, 0, true));
        w.at(4_500 * MS, Ev::Crash(2));
        w.at(4_600 * MS, Ev::Cut(2, 0, false));
        w.at(5 * S, Ev::Restart(2));
        w.run_until(30 * S);
        let processed = w.processed(P0);
        let distinct: BTreeSet<u64> = processed.iter().copied().collect();
        assert_eq!(distinct, (0..20).collect(), "every offset processed at least once");
        // Exactly the uncommitted window [5, 10) was processed twice.
        let dups: Vec<u64> = (0..20).filter(|o| processed.iter().filter(|x| *x == o).count() > 1).collect();
        assert_eq!(dups, (5..10).collect::<Vec<_>>());
        assert_eq!(w.coord.committed_offset("g", P0), Some(20));
        // The restarted process is a new member; the old one expired.
        assert!(w.trace.iter().any(|(_, _, e)| matches!(e, KEvent::MemberLeft { member, reason: "session-timeout", .. } if member == "c1-1")));
        assert!(w.rebalances().iter().any(|(_, m)| m == &vec!["c1-2".to_string()]));
    }

    #[test]
    fn b1_at_most_once_loses_the_batch_in_progress() {
        let cfg = [
            ("streamlab.commit.mode", st("before-processing")),
            ("streamlab.processing.time.ms", ms(100)),
            ("max.poll.records", Value::Int(5)),
            ("session.timeout.ms", ms(6000)),
        ];
        let mut w = World::new(&[topic("orders", 1)], &[spec("c1", Some("g"), &cfg)]);
        w.append(0, P0, 20);
        w.at(3_800 * MS, Ev::Crash(2));
        w.at(5 * S, Ev::Restart(2));
        w.run_until(30 * S);
        let processed = w.processed(P0);
        let distinct: BTreeSet<u64> = processed.iter().copied().collect();
        assert_eq!(processed.len(), distinct.len(), "no duplicates");
        let lost: Vec<u64> = (0..20).filter(|o| !distinct.contains(o)).collect();
        assert!(!lost.is_empty() && lost.iter().all(|o| (5..10).contains(o)), "{lost:?}");
        // Everything polled, some never processed (processed ⊊ consumed).
        let polled: BTreeSet<u64> = w.polled(2, P0).into_iter().collect();
        assert!(distinct.is_subset(&polled) && distinct.len() < polled.len());
    }

    #[test]
    fn session_timeout_moves_partitions_to_the_survivor() {
        let cfg = [("session.timeout.ms", ms(10_000))];
        let mut w = World::new(&[topic("orders", 2)], &[spec("c1", Some("g"), &cfg), spec("c2", Some("g"), &cfg)]);
        w.append(0, P0, 3);
        w.append(0, P1, 3);
        w.at(10 * S, Ev::Crash(3));
        w.append(11 * S, P1, 3);
        w.run_until(40 * S);
        assert!(w
            .trace
            .iter()
            .any(|(t, _, e)| matches!(e, KEvent::MemberLeft { member, reason: "session-timeout", .. } if member == "c2-2") && (18 * S..21 * S).contains(t)));
        assert_eq!(w.rebalances().last(), Some(&(2, vec!["c1-1".to_string()])));
        assert_eq!(w.assigned(2), vec![(1, vec![P0]), (1, vec![]), (2, vec![P0, P1])]);
        // c1 resumes P1 from c2's committed offset (auto-committed at ≈6 s).
        assert_eq!(w.coord.committed_offset("g", P1), Some(6));
        assert_eq!(w.polled(2, P1), vec![3, 4, 5]);
    }

    #[test]
    fn b6_poll_interval_exceeded_leaves_the_group_and_the_commit_fails() {
        let cfg = [
            ("streamlab.commit.mode", st("after-processing")),
            ("streamlab.processing.time.ms", ms(1000)),
            ("max.poll.interval.ms", ms(5000)),
            ("session.timeout.ms", ms(6000)),
        ];
        let mut w = World::new(&[topic("orders", 1)], &[spec("c1", Some("g"), &cfg)]);
        w.append(0, P0, 8);
        w.run_until(40 * S);
        assert!(w.trace.iter().any(|(_, _, e)| matches!(e, KEvent::MemberLeft { member, reason: "leave", .. } if member == "c1-1")));
        // The batch is still processed, but its commit fails: the member has
        // left the group (CommitFailedException).
        assert!(w.events(2).any(|e| matches!(e, KEvent::CommitRejected { error: ErrorCode::UnknownMemberId, .. })));
        // After rejoining it starts over from the last commit (none), and
        // the same thing happens again: a livelock that never commits.
        assert_eq!(w.processed(P0).len(), 3 * 8);
        assert!(w.rebalances().iter().any(|(_, m)| m == &vec!["c1-2".to_string()]));
        assert_eq!(w.coord.committed_offset("g", P0), None);
    }

    #[test]
    fn b6_zombie_cut_off_from_the_coordinator_duplicates_but_cannot_commit() {
        let cfg = [("streamlab.commit.mode", st("after-processing")), ("session.timeout.ms", ms(6000))];
        let mut w = World::new(&[topic("orders", 2)], &[spec("c1", Some("g"), &cfg), spec("c2", Some("g"), &cfg)]);
        w.append(0, P0, 3);
        // c1 (owner of P0) loses the coordinator but still reaches the
        // broker: it keeps processing P0 while the group gives P0 to c2.
        w.at(10 * S, Ev::Cut(2, 0, true));
        w.at(10 * S, Ev::Cut(0, 2, true));
        w.append(11 * S, P0, 2);
        w.at(25 * S, Ev::Cut(2, 0, false));
        w.at(25 * S, Ev::Cut(0, 2, false));
        w.run_until(60 * S);
        assert!(w.events(0).any(|e| matches!(e, KEvent::MemberLeft { member, reason: "session-timeout", .. } if member == "c1-1")));
        // Both processed offsets 3 and 4 (duplicated side effects) …
        assert_eq!(w.processed(P0), vec![0, 1, 2, 3, 3, 4, 4]);
        // … but only c2's commit moved P0: c1's was never accepted.
        let p0_commits: Vec<(u64, i32)> = w
            .events(0)
            .filter_map(|e| match e {
                KEvent::Committed { tp, offset, generation, .. } if *tp == P0 => Some((*offset, *generation)),
                _ => None,
            })
            .collect();
        assert_eq!(p0_commits, vec![(3, 1), (5, 2)]);
        assert!(w.events(2).any(|e| matches!(e, KEvent::CommitRejected { error: ErrorCode::RequestTimedOut, generation: 1, .. })));
        // c1 finds out on its first heartbeat after the cut heals, and
        // rejoins as a new member.
        assert!(w.rebalances().iter().any(|(_, m)| m.contains(&"c1-3".to_string())));
        w.assert_no_double_assignment_among_members();
    }

    #[test]
    fn cooperative_sticky_hands_partitions_over_in_two_rebalances() {
        let cfg = [("partition.assignment.strategy", Value::List(vec!["cooperative-sticky".into()]))];
        let mut c2 = spec("c2", Some("g"), &cfg);
        c2.start = 10 * S;
        let mut w = World::new(&[topic("orders", 4)], &[spec("c1", Some("g"), &cfg), c2]);
        for p in 0..4 {
            w.append(0, Tp(0, p), 2);
        }
        w.run_until(30 * S);
        let all: Vec<Tp> = (0..4).map(|p| Tp(0, p)).collect();
        // c1 never gives up the partitions it keeps; c2 gets the others only
        // after c1 revoked them and rejoined.
        assert_eq!(w.assigned(2), vec![(1, all.clone()), (2, vec![P0, P1]), (3, vec![P0, P1])]);
        assert_eq!(w.assigned(3), vec![(2, vec![]), (3, vec![Tp(0, 2), Tp(0, 3)])]);
        w.assert_no_double_assignment();
        // The kept partitions were not re-read; the moved ones resume from
        // c1's commit (its onJoinPrepare auto-commit).
        assert_eq!(w.polled(2, P0), vec![0, 1]);
        assert_eq!(w.processed(Tp(0, 2)), vec![0, 1]);
    }

    #[test]
    fn eager_range_revokes_everything_before_rejoining() {
        let mut c2 = spec("c2", Some("g"), &[]);
        c2.start = 10 * S;
        let mut w = World::new(&[topic("orders", 2)], &[spec("c1", Some("g"), &[]), c2]);
        w.append(0, P0, 2);
        w.append(0, P1, 2);
        w.run_until(30 * S);
        assert_eq!(w.assigned(2), vec![(1, vec![P0, P1]), (1, vec![]), (2, vec![P0])]);
        assert_eq!(w.assigned(3), vec![(2, vec![P1])]);
        w.assert_no_double_assignment();
        // onJoinPrepare committed c1's positions: c2 does not re-read P1.
        assert_eq!(w.processed(P1), vec![0, 1]);
    }

    #[test]
    fn assign_mode_latest_starts_at_the_high_watermark_and_never_commits() {
        let mut c = spec("c1", None, &[("auto.offset.reset", st("latest"))]);
        c.start = S;
        let mut w = World::new(&[topic("orders", 1)], &[c]);
        w.append(0, P0, 5);
        w.append(2 * S, P0, 5);
        w.run_until(10 * S);
        assert_eq!(w.assigned(2), vec![(-1, vec![P0])]);
        assert!(w.events(2).any(|e| matches!(e, KEvent::PositionReset { offset: 5, reason: "no-committed-offset:latest", .. })));
        assert_eq!(w.polled(2, P0), (5..10).collect::<Vec<_>>());
        assert!(!w.sent.iter().any(|(_, _, k)| matches!(*k, "OffsetCommit" | "JoinGroup" | "Heartbeat")));
    }

    #[test]
    fn assign_mode_with_commits_resumes_after_a_restart() {
        let cfg = [("streamlab.commit.mode", st("after-processing"))];
        let mut w = World::new(&[topic("orders", 1)], &[spec("c1", None, &cfg)]);
        w.append(0, P0, 5);
        w.at(2 * S, Ev::Crash(2));
        w.at(3 * S, Ev::Restart(2));
        w.append(4 * S, P0, 5);
        w.run_until(10 * S);
        // A simple group named after the consumer, generation -1.
        assert!(w.events(0).any(|e| matches!(e, KEvent::Committed { group, generation: -1, offset: 5, .. } if group == "c1")));
        assert_eq!(w.processed(P0), (0..10).collect::<Vec<_>>());
        assert_eq!(w.coord.committed_offset("c1", P0), Some(10));
    }

    #[test]
    fn out_of_range_resets_by_policy_or_fails_with_none() {
        for (policy, expect_reset) in [("earliest", true), ("none", false)] {
            let mut w = World::new(&[topic("orders", 1)], &[spec("c1", None, &[])]);
            w.consumers[0].cfg.reset = if policy == "none" { ResetPolicy::None } else { ResetPolicy::Earliest };
            w.append(0, P0, 3);
            // Retention deletes past the consumer's position.
            w.append(S, P0, 10);
            w.at(S, Ev::LogStart { tp: P0, start: 8 });
            w.run_until(5 * S);
            let reset = w.events(2).any(|e| matches!(e, KEvent::PositionReset { offset: 8, reason: "offset-out-of-range:earliest", .. }));
            let error = w.events(2).any(|e| matches!(e, KEvent::ConsumerError { error: ErrorCode::OffsetOutOfRange, .. }));
            assert_eq!((reset, error), (expect_reset, !expect_reset), "{policy}");
            if expect_reset {
                assert_eq!(w.polled(2, P0), [0, 1, 2].into_iter().chain(8..13).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn fetch_errors_and_timeouts_refresh_metadata_and_retry() {
        let mut w = World::new(&[topic("orders", 1)], &[spec("c1", None, &[])]);
        w.broker.not_leader_until = 2 * S;
        w.append(0, P0, 3);
        // The broker is unreachable for a while: the fetch in flight gets
        // no answer and times out after 30 s.
        w.at(5 * S, Ev::Cut(1, 2, true));
        w.append(6 * S, P0, 2);
        w.at(20 * S, Ev::Cut(1, 2, false));
        w.append(21 * S, P0, 2);
        w.run_until(60 * S);
        assert_eq!(w.polled(2, P0), (0..7).collect::<Vec<_>>());
        let first_poll = w.trace.iter().find(|(_, _, e)| matches!(e, KEvent::Polled { .. })).map(|(t, _, _)| *t);
        assert!(first_poll.is_some_and(|t| (2 * S..3 * S).contains(&t)), "{first_poll:?}");
        let metadata = |from: Micros, to: Micros| w.sent.iter().filter(|(t, n, k)| *n == 2 && *k == "Metadata" && (from..to).contains(t)).count();
        assert!(metadata(0, 2 * S) >= 10, "NOT_LEADER_OR_FOLLOWER refreshes metadata before each retry");
        assert!(metadata(5 * S, 35 * S) <= 2, "no busy loop while waiting");
        // The answer to the fetch in flight at 5 s is lost: the records
        // appended meanwhile arrive only after its 30 s timeout.
        let t3 = w.trace.iter().find(|(_, _, e)| matches!(e, KEvent::Polled { records, .. } if records[0].0 == 3)).map(|(t, _, _)| *t);
        assert!(t3.is_some_and(|t| (34 * S..36 * S).contains(&t)), "{t3:?}");
    }

    #[test]
    fn stop_commits_and_leaves_the_group() {
        let mut c = spec("c1", Some("g"), &[("auto.commit.interval.ms", ms(60_000))]);
        c.stop = Some(10 * S);
        let mut w = World::new(&[topic("orders", 1)], &[c]);
        w.append(0, P0, 4);
        w.run_until(20 * S);
        assert_eq!(w.coord.committed_offset("g", P0), Some(4), "close() commits synchronously");
        assert!(w.events(0).any(|e| matches!(e, KEvent::MemberLeft { reason: "leave", .. })));
        assert_eq!(w.assigned(2).last(), Some(&(1, vec![])));
        assert!(!w.consumers[0].is_running());
        assert_eq!(w.rebalances().last(), Some(&(2, vec![])), "the empty group moves to a new generation");
    }

    #[test]
    fn coordinator_crash_members_rejoin_offsets_survive() {
        let mut w = World::new(&[topic("orders", 1)], &[spec("c1", Some("g"), &[])]);
        w.append(0, P0, 3);
        w.at(10 * S, Ev::Crash(0));
        w.at(12 * S, Ev::Restart(0));
        w.append(13 * S, P0, 3);
        w.run_until(40 * S);
        assert_eq!(w.rebalances(), vec![(1, vec!["c1-1".to_string()]), (2, vec!["c1-2".to_string()])]);
        // Committed at 5 s (3), so nothing is read twice.
        assert_eq!(w.processed(P0), (0..6).collect::<Vec<_>>());
        assert_eq!(w.coord.committed_offset("g", P0), Some(6));
    }

    #[test]
    fn consumer_group_is_named_at_each_start() {
        let groups = |w: &World, node: NodeId| -> Vec<String> {
            w.events(node)
                .filter_map(|e| match e {
                    KEvent::ConsumerGroup { group } => Some(group.clone()),
                    _ => None,
                })
                .collect()
        };
        let specs = [
            spec("c1", Some("g"), &[]),
            spec("c2", None, &[("streamlab.commit.mode", st("after-processing"))]),
            spec("c3", None, &[("streamlab.commit.mode", st("none"))]),
        ];
        let mut w = World::new(&[topic("orders", 1)], &specs);
        w.at(5 * S, Ev::Crash(2));
        w.at(6 * S, Ev::Restart(2));
        w.run_until(10 * S);
        // The group, again after the restart (a new process).
        assert_eq!(groups(&w, 2), vec!["g".to_string(), "g".to_string()]);
        // Assign mode commits to a simple group named after the consumer.
        assert_eq!(groups(&w, 3), vec!["c2".to_string()]);
        // No group: nothing.
        assert!(groups(&w, 4).is_empty());
    }

    #[test]
    fn runs_are_deterministic() {
        let run = || {
            let cfg = [("streamlab.processing.time.ms", ms(7)), ("max.poll.records", Value::Int(3))];
            let mut c2 = spec("c2", Some("g"), &cfg);
            c2.start = 4 * S;
            let mut w = World::new(&[topic("orders", 3)], &[spec("c1", Some("g"), &cfg), c2]);
            for p in 0..3 {
                w.append(0, Tp(0, p), 10);
            }
            w.at(9 * S, Ev::Crash(3));
            w.at(11 * S, Ev::Restart(3));
            w.run_until(80 * S);
            format!("{:?}", w.trace)
        };
        assert_eq!(run(), run());
    }
}

//! A Kafka broker: hosts partition replicas, leads some and follows others.
//!
//! Leader side: the produce path with `acks` and min ISR (reference §1.2),
//! the high watermark from the maximal ISR (§1.1.1, strict min ISR from 3.7),
//! follower fetch state and ISR shrink/expand through AlterPartition (§1.3),
//! the fetch-time divergence check (§1.5), idempotent-producer
//! deduplication (C3), delayed produce (purgatory) and delayed fetch.
//! Follower side: the fetch loop, truncation by diverging epoch — or, for
//! Kafka before 0.11, the old high-watermark truncation rule — and the
//! follower HW (§1.1.2). Durability: no fsync by default, HW checkpoints,
//! process vs machine crash, disk loss (§1.7); retention (§1.6).

use super::config::{KafkaVersion, Props};
use super::epoch_cache::{follower_truncation, leader_divergence, LeaderDivergence};
use super::events::KEvent;
use super::log::{LogConfig, LogRecord, ReplicaLog, TimestampType};
use super::protocol::{Acks, Msg, SendRecord};
use super::types::{BrokerId, ErrorCode, PartitionMeta, Tp};
use super::types::{FinalRecord, FinalReplica};
use crate::kernel::{CrashKind, Ctx, NodeId};
use crate::model::{emit, Model, Timer};
use crate::rng::RngStream;
use crate::scenario::TopicSpec;
use crate::time::Micros;
use std::collections::BTreeMap;

/// The controller's node id.
pub const CONTROLLER: NodeId = 0;
/// How long a follower waits for a fetch response (`replica.socket.timeout.ms`).
const REPLICA_REQUEST_TIMEOUT: Micros = 30_000_000;
/// Records per follower fetch.
const REPLICA_FETCH_MAX_RECORDS: usize = 1000;

#[derive(Clone, Debug)]
pub enum BrokerTimer {
    RegisterRetry,
    Heartbeat,
    IsrCheck,
    HwCheckpoint,
    Retention,
    Flush,
    FetchTimeout { tp: Tp, corr: u64 },
    FetchRetry { tp: Tp },
    ParkTimeout { id: u64 },
    ProduceTimeout { id: u64 },
}

#[derive(Clone, Debug)]
struct TopicCfg {
    min_isr: usize,
    retention_ms: Option<Micros>,
    retention_bytes: Option<u64>,
}

/// What survives a process crash: the log files and the HW checkpoint.
#[derive(Clone, Debug)]
struct Disk {
    log: ReplicaLog,
    hw_checkpoint: u64,
}

#[derive(Clone, Debug, PartialEq)]
enum Role {
    Leader,
    Follower(Option<BrokerId>),
}

#[derive(Clone, Debug)]
struct FollowerInfo {
    leo: u64,
    last_caught_up: Micros,
    last_fetch_leader_leo: u64,
    last_fetch_time: Micros,
    fetched_this_epoch: bool,
}

/// Idempotence state of one producer on one partition: the last batches'
/// sequence ranges (`ProducerStateEntry`, 5 batches retained).
#[derive(Clone, Debug, Default)]
struct ProducerEntry {
    epoch: i16,
    /// (first_seq, last_seq, first_offset), oldest first.
    batches: Vec<(i32, i32, u64)>,
}

const BATCHES_RETAINED: usize = 5;

#[derive(Clone, Debug)]
struct Replica {
    hw: u64,
    leader_epoch: i32,
    partition_epoch: i32,
    role: Role,
    replicas: Vec<BrokerId>,
    isr: Vec<BrokerId>,
    pending_isr: Option<Vec<BrokerId>>,
    followers: BTreeMap<BrokerId, FollowerInfo>,
    /// Leader epoch start offset (LESO).
    leso: u64,
    producers: BTreeMap<i64, ProducerEntry>,
    /// Open transactions: producer id → offset of its first record in this
    /// partition (what holds the last stable offset back).
    ongoing: BTreeMap<i64, u64>,
    /// Aborted transactions: (producer id, first offset, marker offset).
    aborted: Vec<(i64, u64, u64)>,
    /// The follower's in-flight fetch.
    fetch_corr: Option<u64>,
}

#[derive(Clone, Debug)]
struct FetchArgs {
    corr: u64,
    tp: Tp,
    replica: Option<BrokerId>,
    fetch_offset: u64,
    last_fetched_epoch: i32,
    current_leader_epoch: i32,
    max_records: u32,
    read_committed: bool,
    max_wait: Micros,
}

#[derive(Clone, Debug)]
struct Parked {
    id: u64,
    from: NodeId,
    args: FetchArgs,
}

#[derive(Clone, Debug)]
struct DelayedProduce {
    id: u64,
    from: NodeId,
    corr: u64,
    tp: Tp,
    required: u64,
    base: u64,
    timer: u64,
}

/// In-memory state, lost in a crash.
#[derive(Clone, Debug, Default)]
struct Volatile {
    broker_epoch: Option<u64>,
    metadata: BTreeMap<Tp, PartitionMeta>,
    /// Offset of the last metadata update applied in order.
    metadata_offset: u64,
    replicas: BTreeMap<Tp, Replica>,
    next_corr: u64,
    next_id: u64,
    parked: Vec<Parked>,
    purgatory: Vec<DelayedProduce>,
    timers_armed: bool,
}

#[derive(Clone, Debug)]
pub struct Broker {
    id: BrokerId,
    version: KafkaVersion,
    /// KIP-101 leader epochs (Kafka 0.11+). Without them a follower
    /// truncates to its HW when it starts following — the rule that lets
    /// replicas diverge (reference A10/§1.5 history).
    leader_epochs: bool,
    strict_min_isr: bool,
    lag_max: Micros,
    fetch_wait: Micros,
    fetch_backoff: Micros,
    hw_checkpoint_interval: Micros,
    heartbeat_interval: Micros,
    flush_messages: u64,
    flush_ms: Micros,
    retention_check: Micros,
    topics: Vec<TopicCfg>,
    disks: BTreeMap<Tp, Disk>,
    clean_shutdown: bool,
    incarnation: u64,
    v: Volatile,
}

impl Broker {
    pub fn new(id: BrokerId, version: KafkaVersion, cfg: &Props, topics: &[TopicSpec]) -> Self {
        let mut disks = BTreeMap::new();
        let mut tcfg = Vec::new();
        for (ti, t) in topics.iter().enumerate() {
            let log = LogConfig {
                segment_bytes: t.config.int("segment.bytes").max(1) as u64,
                segment_ms: t.config.micros("segment.ms"),
                timestamp_type: if t.config.str("message.timestamp.type") == "LogAppendTime" {
                    TimestampType::LogAppendTime
                } else {
                    TimestampType::CreateTime
                },
            };
            let rb = t.config.int("retention.bytes");
            tcfg.push(TopicCfg {
                min_isr: (t.config.int("min.insync.replicas").max(1) as usize).min(t.replication_factor as usize),
                retention_ms: Some(t.config.micros("retention.ms")).filter(|m| *m != u64::MAX),
                retention_bytes: (rb >= 0).then_some(rb as u64),
            });
            for (p, replicas) in t.assignment.iter().enumerate() {
                if replicas.contains(&id) {
                    disks.insert(Tp(ti as u16, p as u32), Disk { log: ReplicaLog::new(log.clone()), hw_checkpoint: 0 });
                }
            }
        }
        let fm = cfg.int("log.flush.interval.messages");
        Broker {
            id,
            version,
            leader_epochs: version.at_least(0, 11),
            strict_min_isr: version.at_least(3, 7),
            lag_max: cfg.micros("replica.lag.time.max.ms"),
            fetch_wait: cfg.micros("replica.fetch.wait.max.ms"),
            fetch_backoff: cfg.micros("replica.fetch.backoff.ms").max(1_000),
            hw_checkpoint_interval: cfg.micros("replica.high.watermark.checkpoint.interval.ms").max(1_000),
            heartbeat_interval: cfg.micros("broker.heartbeat.interval.ms").max(1_000),
            flush_messages: if fm <= 0 { u64::MAX } else { fm as u64 },
            flush_ms: cfg.micros("log.flush.interval.ms"),
            retention_check: cfg.micros("log.retention.check.interval.ms").max(1_000),
            topics: tcfg,
            disks,
            clean_shutdown: true,
            incarnation: 0,
            v: Volatile::default(),
        }
    }

    pub fn id(&self) -> BrokerId {
        self.id
    }
    pub fn version(&self) -> KafkaVersion {
        self.version
    }

    /// The final state of every hosted replica (for checkers and reports).
    pub fn final_replicas(&self) -> Vec<(Tp, FinalReplica)> {
        self.disks
            .iter()
            .map(|(tp, d)| {
                let hw = self.v.replicas.get(tp).map(|r| r.hw).unwrap_or(d.hw_checkpoint.min(d.log.log_end_offset()));
                (
                    *tp,
                    FinalReplica {
                        broker: self.id,
                        log_start: d.log.log_start_offset(),
                        leo: d.log.log_end_offset(),
                        hw,
                        records: d
                            .log
                            .iter()
                            .filter(|r| !r.is_control)
                            .map(|r| FinalRecord { offset: r.offset, epoch: r.leader_epoch, key: r.key.clone(), value: r.value.clone() })
                            .collect(),
                    },
                )
            })
            .collect()
    }

    /// Role, epoch and HW per hosted partition, for reports and views.
    pub fn replica_state(&self, tp: Tp) -> Option<(&'static str, i32, u64, u64)> {
        let d = self.disks.get(&tp)?;
        let (role, epoch, hw) = match self.v.replicas.get(&tp) {
            Some(r) => (
                match r.role {
                    Role::Leader => "leader",
                    Role::Follower(_) => "follower",
                },
                r.leader_epoch,
                r.hw,
            ),
            None => ("offline", -1, d.hw_checkpoint),
        };
        Some((role, epoch, hw, d.log.log_end_offset()))
    }

    // ------------------------------------------------------------------
    // lifecycle

    pub fn on_start(&mut self, ctx: &mut Ctx<'_, Model>) {
        self.incarnation += 1;
        self.v = Volatile::default();
        self.register(ctx);
        if !self.v.timers_armed {
            self.v.timers_armed = true;
            ctx.set_timer(self.lag_max / 2, Timer::Broker(BrokerTimer::IsrCheck));
            ctx.set_timer(self.hw_checkpoint_interval, Timer::Broker(BrokerTimer::HwCheckpoint));
            ctx.set_timer(self.retention_check, Timer::Broker(BrokerTimer::Retention));
            if self.flush_ms != u64::MAX && self.flush_ms > 0 {
                ctx.set_timer(self.flush_ms, Timer::Broker(BrokerTimer::Flush));
            }
        }
    }

    pub fn on_restart(&mut self, ctx: &mut Ctx<'_, Model>) {
        for (tp, d) in &self.disks {
            let leo = d.log.log_end_offset();
            emit(ctx, KEvent::Recovered { tp: *tp, leo, hw: d.hw_checkpoint.min(leo), log_start: d.log.log_start_offset() });
        }
        self.on_start(ctx);
    }

    pub fn on_crash(&mut self, kind: CrashKind, rng: &mut RngStream) {
        self.v = Volatile::default();
        self.clean_shutdown = false;
        if kind == CrashKind::Machine {
            for d in self.disks.values_mut() {
                d.log.lose_unflushed_random(rng);
            }
        }
    }

    /// A reset from a dead peer: a follower whose leader is gone stops
    /// waiting for its fetch and retries after `replica.fetch.backoff.ms`.
    pub fn on_unreachable(&mut self, ctx: &mut Ctx<'_, Model>, peer: NodeId) {
        let tps: Vec<Tp> = self.v.replicas.iter().filter(|(_, r)| r.role == Role::Follower(Some(peer)) && r.fetch_corr.is_some()).map(|(tp, _)| *tp).collect();
        for tp in tps {
            if let Some(r) = self.v.replicas.get_mut(&tp) {
                r.fetch_corr = None;
            }
            ctx.set_timer(self.fetch_backoff, Timer::Broker(BrokerTimer::FetchRetry { tp }));
        }
    }

    pub fn on_disk_loss(&mut self) {
        for d in self.disks.values_mut() {
            d.log.wipe();
            d.hw_checkpoint = 0;
        }
    }

    fn register(&mut self, ctx: &mut Ctx<'_, Model>) {
        let logs = self.disks.iter().map(|(tp, d)| (*tp, d.log.log_end_offset())).collect();
        ctx.send(CONTROLLER, Msg::BrokerRegistration { broker: self.id, incarnation: self.incarnation, clean: self.clean_shutdown, logs });
        ctx.set_timer(self.heartbeat_interval, Timer::Broker(BrokerTimer::RegisterRetry));
    }

    fn corr(&mut self) -> u64 {
        self.v.next_corr += 1;
        self.v.next_corr
    }
    fn next_id(&mut self) -> u64 {
        self.v.next_id += 1;
        self.v.next_id
    }

    // ------------------------------------------------------------------
    // timers

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, Model>, t: BrokerTimer) {
        match t {
            BrokerTimer::RegisterRetry => {
                if self.v.broker_epoch.is_none() {
                    self.register(ctx);
                }
            }
            BrokerTimer::Heartbeat => {
                if let Some(epoch) = self.v.broker_epoch {
                    ctx.send(CONTROLLER, Msg::BrokerHeartbeat { broker: self.id, broker_epoch: epoch, metadata_offset: self.v.metadata_offset });
                }
                ctx.set_timer(self.heartbeat_interval, Timer::Broker(BrokerTimer::Heartbeat));
            }
            BrokerTimer::IsrCheck => {
                self.shrink_isr(ctx);
                ctx.set_timer((self.lag_max / 2).max(1_000), Timer::Broker(BrokerTimer::IsrCheck));
            }
            BrokerTimer::HwCheckpoint => {
                for (tp, r) in &self.v.replicas {
                    if let Some(d) = self.disks.get_mut(tp) {
                        d.hw_checkpoint = r.hw;
                    }
                }
                ctx.set_timer(self.hw_checkpoint_interval, Timer::Broker(BrokerTimer::HwCheckpoint));
            }
            BrokerTimer::Retention => {
                self.retention(ctx);
                ctx.set_timer(self.retention_check, Timer::Broker(BrokerTimer::Retention));
            }
            BrokerTimer::Flush => {
                for d in self.disks.values_mut() {
                    d.log.flush();
                }
                ctx.set_timer(self.flush_ms, Timer::Broker(BrokerTimer::Flush));
            }
            BrokerTimer::FetchTimeout { tp, corr } => {
                let stale = self.v.replicas.get(&tp).is_some_and(|r| r.fetch_corr == Some(corr));
                if stale {
                    if let Some(r) = self.v.replicas.get_mut(&tp) {
                        r.fetch_corr = None;
                    }
                    self.fetch_from_leader(ctx, tp);
                }
            }
            BrokerTimer::FetchRetry { tp } => {
                if self.v.replicas.get(&tp).is_some_and(|r| r.fetch_corr.is_none()) {
                    self.fetch_from_leader(ctx, tp);
                }
            }
            BrokerTimer::ParkTimeout { id } => {
                if let Some(pos) = self.v.parked.iter().position(|p| p.id == id) {
                    let p = self.v.parked.remove(pos);
                    self.serve_fetch(ctx, p.from, p.args, false);
                }
            }
            BrokerTimer::ProduceTimeout { id } => {
                if let Some(pos) = self.v.purgatory.iter().position(|d| d.id == id) {
                    let d = self.v.purgatory.remove(pos);
                    ctx.send(d.from, Msg::ProduceResponse { corr: d.corr, tp: d.tp, error: ErrorCode::RequestTimedOut, base_offset: -1 });
                }
            }
        }
    }

    // ------------------------------------------------------------------
    // messages

    pub fn on_msg(&mut self, ctx: &mut Ctx<'_, Model>, from: NodeId, msg: Msg) {
        match msg {
            Msg::BrokerRegistrationResponse { broker_epoch } => {
                let first = self.v.broker_epoch.is_none();
                self.v.broker_epoch = Some(broker_epoch);
                self.clean_shutdown = false; // the "clean shutdown" marker is consumed at start-up
                if first {
                    ctx.set_timer(self.heartbeat_interval, Timer::Broker(BrokerTimer::Heartbeat));
                }
            }
            Msg::BrokerHeartbeatResponse { fenced, broker_epoch } if fenced && self.v.broker_epoch == Some(broker_epoch) => {
                // The controller no longer knows this epoch: register again.
                self.v.broker_epoch = None;
                self.register(ctx);
            }
            Msg::UpdateMetadata { partitions, full, offset } => {
                // A delta applies only on top of everything before it; a
                // full update brings the broker up to `offset`.
                if full || offset == self.v.metadata_offset + 1 {
                    self.v.metadata_offset = self.v.metadata_offset.max(offset);
                }
                for meta in partitions {
                    self.apply_metadata(ctx, meta);
                }
            }
            Msg::AlterPartitionResponse { tp, error, meta } => {
                if let Some(r) = self.v.replicas.get_mut(&tp) {
                    r.pending_isr = None;
                }
                if let Some(meta) = meta {
                    if error == ErrorCode::None || meta.partition_epoch > self.v.replicas.get(&tp).map_or(-1, |r| r.partition_epoch) {
                        self.apply_metadata(ctx, meta);
                    }
                }
                self.maybe_increment_hw(ctx, tp);
            }
            Msg::MetadataRequest { corr } => {
                ctx.send(from, Msg::MetadataResponse { corr, partitions: self.v.metadata.values().cloned().collect() });
            }
            Msg::Produce { corr, tp, acks, timeout, producer_id, producer_epoch, base_sequence, transactional, records } => {
                self.produce(ctx, from, corr, tp, acks, timeout, (producer_id, producer_epoch, base_sequence, transactional), records);
            }
            Msg::WriteTxnMarkers { corr, producer_id, producer_epoch, commit, partitions } => {
                let mut errors = Vec::new();
                for tp in partitions {
                    errors.push((tp, self.write_marker(ctx, tp, producer_id, producer_epoch, commit)));
                }
                ctx.send(from, Msg::WriteTxnMarkersResponse { corr, errors });
            }
            Msg::Fetch {
                corr,
                tp,
                replica,
                broker_epoch: _,
                fetch_offset,
                last_fetched_epoch,
                current_leader_epoch,
                max_records,
                read_committed,
                max_wait,
            } => {
                let args = FetchArgs { corr, tp, replica, fetch_offset, last_fetched_epoch, current_leader_epoch, max_records, read_committed, max_wait };
                self.serve_fetch(ctx, from, args, true);
            }
            Msg::FetchResponse { corr, tp, error, high_watermark, last_stable_offset: _, log_start_offset, diverging, records } => {
                self.on_fetch_response(ctx, corr, tp, error, high_watermark, log_start_offset, diverging, records);
            }
            Msg::ListOffsets { corr, tp, latest, read_committed: _ } => {
                let reply = match (self.v.replicas.get(&tp), self.disks.get(&tp)) {
                    (Some(r), Some(d)) if r.role == Role::Leader => Msg::ListOffsetsResponse {
                        corr,
                        tp,
                        error: ErrorCode::None,
                        offset: if latest { r.hw } else { d.log.log_start_offset() },
                        leader_epoch: r.leader_epoch,
                    },
                    _ => Msg::ListOffsetsResponse { corr, tp, error: ErrorCode::NotLeaderOrFollower, offset: 0, leader_epoch: -1 },
                };
                ctx.send(from, reply);
            }
            _ => {}
        }
    }

    // ------------------------------------------------------------------
    // metadata → roles

    fn apply_metadata(&mut self, ctx: &mut Ctx<'_, Model>, meta: PartitionMeta) {
        let tp = meta.tp;
        let newer = self.v.metadata.get(&tp).is_none_or(|m| meta.partition_epoch >= m.partition_epoch);
        if !newer {
            return;
        }
        self.v.metadata.insert(tp, meta.clone());
        if !self.disks.contains_key(&tp) || !meta.replicas.contains(&self.id) {
            return;
        }
        let now = ctx.now();
        let existing = self.v.replicas.get(&tp).cloned();
        let leo = self.disks[&tp].log.log_end_offset();
        if meta.leader == Some(self.id) {
            let already = existing.as_ref().is_some_and(|r| r.role == Role::Leader && r.leader_epoch == meta.leader_epoch);
            if already {
                let r = self.v.replicas.get_mut(&tp).expect("exists");
                r.isr = meta.isr.clone();
                r.partition_epoch = meta.partition_epoch;
                if r.pending_isr.as_ref() == Some(&meta.isr) {
                    r.pending_isr = None;
                }
                self.maybe_increment_hw(ctx, tp);
                return;
            }
            // makeLeader: record the new epoch at our LEO (LESO), reset
            // follower state; ISR members count as caught up now.
            let disk = self.disks.get_mut(&tp).expect("hosted");
            if self.leader_epochs {
                disk.log.assign_leader_epoch(meta.leader_epoch);
            }
            let hw = existing.as_ref().map(|r| r.hw).unwrap_or(disk.hw_checkpoint.min(leo));
            let followers = meta
                .replicas
                .iter()
                .filter(|b| **b != self.id)
                .map(|b| {
                    let in_isr = meta.isr.contains(b);
                    (
                        *b,
                        FollowerInfo {
                            leo: 0,
                            last_caught_up: if in_isr { now } else { 0 },
                            last_fetch_leader_leo: 0,
                            last_fetch_time: 0,
                            fetched_this_epoch: false,
                        },
                    )
                })
                .collect();
            let producers = rebuild_producers(&disk.log);
            let (ongoing, aborted) = txn_state(&disk.log);
            self.fail_purgatory(ctx, tp);
            self.v.replicas.insert(
                tp,
                Replica {
                    hw,
                    leader_epoch: meta.leader_epoch,
                    partition_epoch: meta.partition_epoch,
                    role: Role::Leader,
                    replicas: meta.replicas.clone(),
                    isr: meta.isr.clone(),
                    pending_isr: None,
                    followers,
                    leso: leo,
                    producers,
                    ongoing,
                    aborted,
                    fetch_corr: None,
                },
            );
            emit(ctx, KEvent::BecameLeader { tp, leader_epoch: meta.leader_epoch, leo, hw });
            self.maybe_increment_hw(ctx, tp);
        } else {
            let changed = existing.as_ref().is_none_or(|r| r.role != Role::Follower(meta.leader) || r.leader_epoch != meta.leader_epoch);
            if !changed {
                let r = self.v.replicas.get_mut(&tp).expect("exists");
                r.isr = meta.isr.clone();
                r.partition_epoch = meta.partition_epoch;
                return;
            }
            let was_leader = existing.as_ref().is_some_and(|r| r.role == Role::Leader);
            if was_leader {
                self.fail_purgatory(ctx, tp);
            }
            let disk = self.disks.get_mut(&tp).expect("hosted");
            let mut hw = existing.as_ref().map(|r| r.hw).unwrap_or(disk.hw_checkpoint.min(leo));
            hw = hw.min(leo);
            if !self.leader_epochs && meta.leader.is_some() {
                // Pre-KIP-101: truncate to the high watermark before
                // following. Records above it that the new leader does have
                // are fetched again; the ones it lacks diverge.
                if hw < leo {
                    disk.log.truncate_to(hw);
                    emit(ctx, KEvent::Truncated { tp, to: hw, from_leo: leo, reason: "hw-truncation" });
                }
            }
            self.v.replicas.insert(
                tp,
                Replica {
                    hw,
                    leader_epoch: meta.leader_epoch,
                    partition_epoch: meta.partition_epoch,
                    role: Role::Follower(meta.leader),
                    replicas: meta.replicas.clone(),
                    isr: meta.isr.clone(),
                    pending_isr: None,
                    followers: BTreeMap::new(),
                    leso: 0,
                    producers: rebuild_producers(&disk.log),
                    ongoing: BTreeMap::new(),
                    aborted: Vec::new(),
                    fetch_corr: None,
                },
            );
            emit(ctx, KEvent::BecameFollower { tp, leader: meta.leader, leader_epoch: meta.leader_epoch });
            self.v.parked.retain(|p| p.args.tp != tp || p.args.replica.is_none());
            if meta.leader.is_some() {
                self.fetch_from_leader(ctx, tp);
            }
        }
    }

    fn fail_purgatory(&mut self, ctx: &mut Ctx<'_, Model>, tp: Tp) {
        let (fail, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.v.purgatory).into_iter().partition(|d| d.tp == tp);
        self.v.purgatory = keep;
        for d in fail {
            ctx.cancel_timer(d.timer);
            ctx.send(d.from, Msg::ProduceResponse { corr: d.corr, tp, error: ErrorCode::NotLeaderOrFollower, base_offset: -1 });
        }
    }

    // ------------------------------------------------------------------
    // produce path

    #[allow(clippy::too_many_arguments)]
    fn produce(
        &mut self,
        ctx: &mut Ctx<'_, Model>,
        from: NodeId,
        corr: u64,
        tp: Tp,
        acks: Acks,
        timeout: Micros,
        (producer_id, producer_epoch, base_sequence, transactional): (i64, i16, i32, bool),
        records: Vec<SendRecord>,
    ) {
        let reply = |ctx: &mut Ctx<'_, Model>, error: ErrorCode, base_offset: i64| {
            if acks != Acks::Zero {
                ctx.send(from, Msg::ProduceResponse { corr, tp, error, base_offset });
            }
        };
        let is_leader = self.v.replicas.get(&tp).is_some_and(|r| r.role == Role::Leader);
        if !is_leader || self.v.broker_epoch.is_none() {
            emit(ctx, KEvent::ProduceRejected { tp, error: ErrorCode::NotLeaderOrFollower, producer: from });
            reply(ctx, ErrorCode::NotLeaderOrFollower, -1);
            return;
        }
        let min_isr = self.topics[tp.0 as usize].min_isr;
        let r = self.v.replicas.get(&tp).expect("leader");
        if acks == Acks::All && maximal_isr(r).len() < min_isr {
            emit(ctx, KEvent::ProduceRejected { tp, error: ErrorCode::NotEnoughReplicas, producer: from });
            reply(ctx, ErrorCode::NotEnoughReplicas, -1);
            return;
        }
        let count = records.len() as i32;
        if producer_id >= 0 {
            let last_seq = base_sequence.wrapping_add(count - 1);
            if let Some(entry) = r.producers.get(&producer_id) {
                if entry.epoch == producer_epoch {
                    if let Some(&(fs, _, fo)) = entry.batches.iter().find(|(fs, ls, _)| *fs <= base_sequence && last_seq <= *ls) {
                        // A retry of a batch we already have (findDuplicateBatch):
                        // nothing is appended; the original offset is returned.
                        let base = fo + (base_sequence - fs) as u64;
                        emit(ctx, KEvent::DuplicateBatch { tp, producer_id, base_sequence, base_offset: base });
                        if acks == Acks::All && r.hw < base + count as u64 {
                            self.delay_produce(ctx, from, corr, tp, base + count as u64, base, timeout);
                            self.maybe_increment_hw(ctx, tp);
                        } else {
                            reply(ctx, ErrorCode::None, base as i64);
                        }
                        return;
                    }
                    let expected = entry.batches.last().map_or(0, |(_, ls, _)| ls.wrapping_add(1));
                    if base_sequence != expected {
                        emit(ctx, KEvent::ProduceRejected { tp, error: ErrorCode::OutOfOrderSequenceNumber, producer: from });
                        reply(ctx, ErrorCode::OutOfOrderSequenceNumber, -1);
                        return;
                    }
                } else if producer_epoch < entry.epoch {
                    emit(ctx, KEvent::ProduceRejected { tp, error: ErrorCode::InvalidProducerEpoch, producer: from });
                    reply(ctx, ErrorCode::InvalidProducerEpoch, -1);
                    return;
                }
            }
        }
        let now = ctx.local_now();
        let leader_epoch = r.leader_epoch;
        let log_records: Vec<LogRecord> = records
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut lr = LogRecord::new(s.key.clone(), s.value.clone(), s.timestamp);
                if producer_id >= 0 {
                    lr.producer_id = producer_id;
                    lr.producer_epoch = producer_epoch;
                    lr.sequence = base_sequence.wrapping_add(i as i32);
                }
                lr.transactional = transactional && producer_id >= 0;
                lr
            })
            .collect();
        let disk = self.disks.get_mut(&tp).expect("hosted");
        let info = match disk.log.append_as_leader(log_records, leader_epoch, now) {
            Ok(info) => info,
            Err(_) => {
                emit(ctx, KEvent::ProduceRejected { tp, error: ErrorCode::RecordTooLarge, producer: from });
                reply(ctx, ErrorCode::RecordTooLarge, -1);
                return;
            }
        };
        if disk.log.unflushed_count() >= self.flush_messages {
            disk.log.flush();
        }
        let base = info.first_offset;
        emit(ctx, KEvent::Appended { tp, leader_epoch, base, values: records.iter().map(|s| s.value.clone()).collect() });
        if producer_id >= 0 {
            let r = self.v.replicas.get_mut(&tp).expect("leader");
            let entry = r.producers.entry(producer_id).or_default();
            if entry.epoch != producer_epoch {
                entry.epoch = producer_epoch;
                entry.batches.clear();
            }
            entry.batches.push((base_sequence, base_sequence.wrapping_add(count - 1), base));
            if entry.batches.len() > BATCHES_RETAINED {
                entry.batches.remove(0);
            }
            if transactional {
                r.ongoing.entry(producer_id).or_insert(base);
            }
        }
        match acks {
            Acks::Zero => {}
            Acks::One => reply(ctx, ErrorCode::None, base as i64),
            Acks::All => self.delay_produce(ctx, from, corr, tp, info.next_offset, base, timeout),
        }
        self.maybe_increment_hw(ctx, tp);
        self.wake_parked(ctx, tp);
    }

    #[allow(clippy::too_many_arguments)]
    fn delay_produce(&mut self, ctx: &mut Ctx<'_, Model>, from: NodeId, corr: u64, tp: Tp, required: u64, base: u64, timeout: Micros) {
        let id = self.next_id();
        let timer = ctx.set_timer(timeout.max(1), Timer::Broker(BrokerTimer::ProduceTimeout { id }));
        self.v.purgatory.push(DelayedProduce { id, from, corr, tp, required, base, timer });
    }

    /// Leader HW = min LEO over the maximal ISR plus caught-up eligible
    /// replicas (`Partition.maybeIncrementLeaderHW`); monotonic; frozen
    /// under min ISR from 3.7 (KAFKA-15583).
    fn maybe_increment_hw(&mut self, ctx: &mut Ctx<'_, Model>, tp: Tp) {
        let min_isr = self.topics[tp.0 as usize].min_isr;
        let Some(disk) = self.disks.get(&tp) else { return };
        let leo = disk.log.log_end_offset();
        let Some(r) = self.v.replicas.get_mut(&tp) else { return };
        if r.role != Role::Leader {
            return;
        }
        if !(self.strict_min_isr && r.isr.len() < min_isr) {
            let max_isr = maximal_isr(r);
            let mut new_hw = leo;
            let now = ctx.now();
            for (b, f) in &r.followers {
                // A replica outside the ISR holds the HW back only while it
                // is caught up (`isCaughtUp`: at the LEO, or caught up within
                // replica.lag.time.max.ms) and about to join.
                let caught_up = f.leo == leo || now.saturating_sub(f.last_caught_up) <= self.lag_max;
                let counts = max_isr.contains(b) || (f.fetched_this_epoch && caught_up);
                if counts {
                    new_hw = new_hw.min(f.leo);
                }
            }
            if new_hw > r.hw {
                r.hw = new_hw;
                emit(ctx, KEvent::HwChanged { tp, hw: new_hw });
                self.wake_parked(ctx, tp);
            }
        }
        self.complete_purgatory(ctx, tp);
    }

    fn complete_purgatory(&mut self, ctx: &mut Ctx<'_, Model>, tp: Tp) {
        let Some(r) = self.v.replicas.get(&tp) else { return };
        let hw = r.hw;
        let enough = maximal_isr(r).len() >= self.topics[tp.0 as usize].min_isr;
        let (done, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.v.purgatory).into_iter().partition(|d| d.tp == tp && d.required <= hw);
        self.v.purgatory = keep;
        for d in done {
            ctx.cancel_timer(d.timer);
            let (error, base) = if enough { (ErrorCode::None, d.base as i64) } else { (ErrorCode::NotEnoughReplicasAfterAppend, -1) };
            if !enough {
                emit(ctx, KEvent::ProduceRejected { tp, error, producer: d.from });
            }
            ctx.send(d.from, Msg::ProduceResponse { corr: d.corr, tp, error, base_offset: base });
        }
    }

    // ------------------------------------------------------------------
    // fetch path (leader side)

    fn serve_fetch(&mut self, ctx: &mut Ctx<'_, Model>, from: NodeId, a: FetchArgs, may_park: bool) {
        let tp = a.tp;
        let corr = a.corr;
        // Every answer to this fetch: (error, hw, lso, log start, diverging, records).
        let reply = |ctx: &mut Ctx<'_, Model>, error: ErrorCode, hw: u64, lso: u64, ls: u64, diverging: Option<(i32, i64)>, records: Vec<LogRecord>| {
            ctx.send(from, Msg::FetchResponse { corr, tp, error, high_watermark: hw, last_stable_offset: lso, log_start_offset: ls, diverging, records });
        };
        let error_reply = |ctx: &mut Ctx<'_, Model>, error: ErrorCode, hw: u64, ls: u64| reply(ctx, error, hw, hw, ls, None, Vec::new());
        let (Some(r), Some(disk)) = (self.v.replicas.get(&tp), self.disks.get(&tp)) else {
            error_reply(ctx, ErrorCode::NotLeaderOrFollower, 0, 0);
            return;
        };
        if r.role != Role::Leader {
            error_reply(ctx, ErrorCode::NotLeaderOrFollower, 0, 0);
            return;
        }
        if a.current_leader_epoch >= 0 && a.current_leader_epoch != r.leader_epoch {
            let e = if a.current_leader_epoch < r.leader_epoch { ErrorCode::FencedLeaderEpoch } else { ErrorCode::UnknownLeaderEpoch };
            error_reply(ctx, e, r.hw, disk.log.log_start_offset());
            return;
        }
        let leo = disk.log.log_end_offset();
        let log_start = disk.log.log_start_offset();
        // The divergence check (§1.5): for followers, and (KIP-320) for
        // consumers that send the epoch of the last record they read, so
        // that after an unclean election they learn where the leader's log
        // diverged from what they read instead of skipping or resetting.
        if self.leader_epochs && a.last_fetched_epoch >= 0 {
            match leader_divergence(disk.log.epoch_cache(), leo, Some(a.last_fetched_epoch), a.fetch_offset) {
                LeaderDivergence::Consistent => {}
                LeaderDivergence::Diverging { epoch, end_offset } => {
                    reply(ctx, ErrorCode::None, r.hw, r.hw, log_start, Some((epoch, end_offset as i64)), Vec::new());
                    return;
                }
                LeaderDivergence::Undefined if a.replica.is_some() => {
                    error_reply(ctx, ErrorCode::OffsetOutOfRange, r.hw, log_start);
                    return;
                }
                LeaderDivergence::Undefined => {}
            }
        }
        if a.fetch_offset > leo || a.fetch_offset < log_start {
            error_reply(ctx, ErrorCode::OffsetOutOfRange, r.hw, log_start);
            return;
        }
        if let Some(b) = a.replica {
            self.update_follower(ctx, tp, b, a.fetch_offset);
        }
        let r = self.v.replicas.get(&tp).expect("leader");
        let disk = self.disks.get(&tp).expect("hosted");
        let lso = last_stable_offset(r);
        let upper = match (a.replica, a.read_committed) {
            (Some(_), _) => leo,
            (None, true) => lso,
            (None, false) => r.hw,
        };
        let max = if a.replica.is_some() { REPLICA_FETCH_MAX_RECORDS } else { a.max_records.max(1) as usize };
        let mut records = disk.log.read(a.fetch_offset, max, upper).unwrap_or_default();
        if a.replica.is_none() && a.read_committed {
            // The consumer would drop aborted records using the response's
            // aborted-transaction list; we drop them here (as control
            // records, which a consumer skips but counts in its position).
            for rec in records.iter_mut() {
                if rec.transactional
                    && !rec.is_control
                    && r.aborted.iter().any(|(pid, first, marker)| *pid == rec.producer_id && *first <= rec.offset && rec.offset < *marker)
                {
                    rec.is_control = true;
                    rec.value.clear();
                }
            }
        }
        if records.is_empty() && may_park && a.max_wait > 0 {
            let id = self.next_id();
            ctx.set_timer(a.max_wait, Timer::Broker(BrokerTimer::ParkTimeout { id }));
            self.v.parked.push(Parked { id, from, args: a });
            return;
        }
        reply(ctx, ErrorCode::None, r.hw, lso, disk.log.log_start_offset(), None, records);
    }

    /// `Replica.updateFetchState` + `maybeExpandIsr` + HW.
    fn update_follower(&mut self, ctx: &mut Ctx<'_, Model>, tp: Tp, b: BrokerId, fetch_offset: u64) {
        let now = ctx.now();
        let leo = self.disks[&tp].log.log_end_offset();
        let epoch = self.v.broker_epoch.unwrap_or(0);
        let Some(r) = self.v.replicas.get_mut(&tp) else { return };
        let Some(f) = r.followers.get_mut(&b) else { return };
        if fetch_offset >= leo {
            f.last_caught_up = now;
        } else if fetch_offset >= f.last_fetch_leader_leo {
            f.last_caught_up = f.last_caught_up.max(f.last_fetch_time);
        }
        f.leo = fetch_offset;
        f.last_fetch_leader_leo = leo;
        f.last_fetch_time = now;
        f.fetched_this_epoch = true;
        // ISR expansion guards (§1.3.2); the controller checks fencing and
        // the broker epoch.
        let eligible = !r.isr.contains(&b) && f.leo >= r.hw && f.leo >= r.leso && r.pending_isr.is_none();
        if eligible {
            let mut new_isr = r.isr.clone();
            new_isr.push(b);
            new_isr.sort_by_key(|x| r.replicas.iter().position(|y| y == x));
            r.pending_isr = Some(new_isr.clone());
            let msg = Msg::AlterPartition {
                tp,
                leader: self.id,
                broker_epoch: epoch,
                leader_epoch: r.leader_epoch,
                partition_epoch: r.partition_epoch,
                new_isr: new_isr.clone(),
            };
            emit(ctx, KEvent::IsrChangeRequested { tp, isr: new_isr });
            ctx.send(CONTROLLER, msg);
        }
        self.maybe_increment_hw(ctx, tp);
    }

    fn shrink_isr(&mut self, ctx: &mut Ctx<'_, Model>) {
        let now = ctx.now();
        let epoch = self.v.broker_epoch.unwrap_or(0);
        let tps: Vec<Tp> = self.v.replicas.iter().filter(|(_, r)| r.role == Role::Leader && r.pending_isr.is_none()).map(|(tp, _)| *tp).collect();
        for tp in tps {
            let leo = self.disks[&tp].log.log_end_offset();
            let r = self.v.replicas.get_mut(&tp).expect("exists");
            let out: Vec<BrokerId> = r
                .isr
                .iter()
                .copied()
                .filter(|b| *b != self.id)
                .filter(|b| r.followers.get(b).is_none_or(|f| f.leo != leo && now.saturating_sub(f.last_caught_up) > self.lag_max))
                .collect();
            if out.is_empty() {
                continue;
            }
            let new_isr: Vec<BrokerId> = r.isr.iter().copied().filter(|b| !out.contains(b)).collect();
            r.pending_isr = Some(new_isr.clone());
            let msg = Msg::AlterPartition {
                tp,
                leader: self.id,
                broker_epoch: epoch,
                leader_epoch: r.leader_epoch,
                partition_epoch: r.partition_epoch,
                new_isr: new_isr.clone(),
            };
            emit(ctx, KEvent::IsrChangeRequested { tp, isr: new_isr });
            ctx.send(CONTROLLER, msg);
        }
    }

    fn wake_parked(&mut self, ctx: &mut Ctx<'_, Model>, tp: Tp) {
        let Some(r) = self.v.replicas.get(&tp) else { return };
        let leo = self.disks[&tp].log.log_end_offset();
        let hw = r.hw;
        let lso = last_stable_offset(r);
        let (ready, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.v.parked).into_iter().partition(|p| {
            p.args.tp == tp
                && match (p.args.replica, p.args.read_committed) {
                    (Some(_), _) => leo > p.args.fetch_offset,
                    (None, true) => lso > p.args.fetch_offset,
                    (None, false) => hw > p.args.fetch_offset,
                }
        });
        self.v.parked = keep;
        for p in ready {
            self.serve_fetch(ctx, p.from, p.args, false);
        }
    }

    // ------------------------------------------------------------------
    // fetch path (follower side)

    fn fetch_from_leader(&mut self, ctx: &mut Ctx<'_, Model>, tp: Tp) {
        let Some(r) = self.v.replicas.get(&tp) else { return };
        let Role::Follower(Some(leader)) = r.role else { return };
        if r.fetch_corr.is_some() {
            return;
        }
        let corr = self.corr();
        let disk = &self.disks[&tp];
        let last_fetched_epoch = if self.leader_epochs { disk.log.last_epoch().unwrap_or(-1) } else { -1 };
        let r = self.v.replicas.get_mut(&tp).expect("exists");
        r.fetch_corr = Some(corr);
        let msg = Msg::Fetch {
            corr,
            tp,
            replica: Some(self.id),
            broker_epoch: self.v.broker_epoch.unwrap_or(0),
            fetch_offset: disk.log.log_end_offset(),
            last_fetched_epoch,
            current_leader_epoch: r.leader_epoch,
            max_records: REPLICA_FETCH_MAX_RECORDS as u32,
            read_committed: false,
            max_wait: self.fetch_wait,
        };
        ctx.send(leader, msg);
        ctx.set_timer(REPLICA_REQUEST_TIMEOUT, Timer::Broker(BrokerTimer::FetchTimeout { tp, corr }));
    }

    #[allow(clippy::too_many_arguments)]
    fn on_fetch_response(
        &mut self,
        ctx: &mut Ctx<'_, Model>,
        corr: u64,
        tp: Tp,
        error: ErrorCode,
        leader_hw: u64,
        leader_log_start: u64,
        diverging: Option<(i32, i64)>,
        records: Vec<LogRecord>,
    ) {
        let Some(r) = self.v.replicas.get_mut(&tp) else { return };
        if r.fetch_corr != Some(corr) {
            return; // a stale response (we timed out, or changed leader)
        }
        r.fetch_corr = None;
        let disk = self.disks.get_mut(&tp).expect("hosted");
        let leo = disk.log.log_end_offset();
        match error {
            ErrorCode::None => {}
            ErrorCode::OffsetOutOfRange => {
                if leo < leader_log_start || disk.log.is_empty() {
                    disk.log.truncate_fully_and_start_at(leader_log_start);
                    emit(ctx, KEvent::Truncated { tp, to: leader_log_start, from_leo: leo, reason: "out-of-range" });
                } else {
                    let to = leader_hw.min(leo).max(disk.log.log_start_offset());
                    disk.log.truncate_to(to);
                    emit(ctx, KEvent::Truncated { tp, to, from_leo: leo, reason: "out-of-range" });
                }
                self.fetch_from_leader(ctx, tp);
                return;
            }
            _ => {
                ctx.set_timer(self.fetch_backoff, Timer::Broker(BrokerTimer::FetchRetry { tp }));
                return;
            }
        }
        if let Some((e, o)) = diverging {
            let d = follower_truncation(e, o, disk.log.epoch_cache(), leo);
            if d.truncate_to < leo {
                disk.log.truncate_to(d.truncate_to);
                emit(ctx, KEvent::Truncated { tp, to: d.truncate_to, from_leo: leo, reason: "diverging-epoch" });
            } else {
                disk.log.truncate_to(d.truncate_to);
            }
            let r = self.v.replicas.get_mut(&tp).expect("exists");
            r.hw = r.hw.min(disk.log.log_end_offset());
            self.fetch_from_leader(ctx, tp);
            return;
        }
        if let Some(first) = records.first() {
            if first.offset == leo {
                let from = leo;
                if disk.log.append(records).is_ok() {
                    let to = disk.log.log_end_offset();
                    if disk.log.unflushed_count() >= self.flush_messages {
                        disk.log.flush();
                    }
                    emit(ctx, KEvent::Replicated { tp, from, to });
                    let r = self.v.replicas.get_mut(&tp).expect("exists");
                    update_producers_from(&mut r.producers, &disk.log, from);
                }
            }
        }
        let new_leo = disk.log.log_end_offset();
        let r = self.v.replicas.get_mut(&tp).expect("exists");
        let hw = leader_hw.min(new_leo).max(disk.log.log_start_offset());
        if hw != r.hw {
            r.hw = hw;
            emit(ctx, KEvent::HwChanged { tp, hw });
        }
        self.fetch_from_leader(ctx, tp);
    }

    /// Appends a COMMIT/ABORT control record for a producer's transaction
    /// (`WriteTxnMarkers`), which ends it in this partition.
    fn write_marker(&mut self, ctx: &mut Ctx<'_, Model>, tp: Tp, producer_id: i64, producer_epoch: i16, commit: bool) -> ErrorCode {
        let Some(r) = self.v.replicas.get(&tp) else { return ErrorCode::NotLeaderOrFollower };
        if r.role != Role::Leader {
            return ErrorCode::NotLeaderOrFollower;
        }
        let leader_epoch = r.leader_epoch;
        let now = ctx.local_now();
        let mut rec = LogRecord::new(None, String::new(), now);
        rec.producer_id = producer_id;
        rec.producer_epoch = producer_epoch;
        rec.is_control = true;
        rec.control_commit = commit;
        rec.transactional = true;
        let disk = self.disks.get_mut(&tp).expect("hosted");
        let Ok(info) = disk.log.append_as_leader(vec![rec], leader_epoch, now) else { return ErrorCode::RecordTooLarge };
        let r = self.v.replicas.get_mut(&tp).expect("leader");
        if let Some(first) = r.ongoing.remove(&producer_id) {
            if !commit {
                r.aborted.push((producer_id, first, info.first_offset));
            }
        }
        emit(ctx, KEvent::TxnMarker { tp, producer_id, commit, offset: info.first_offset });
        self.maybe_increment_hw(ctx, tp);
        self.wake_parked(ctx, tp);
        ErrorCode::None
    }

    fn retention(&mut self, ctx: &mut Ctx<'_, Model>) {
        let now = ctx.local_now();
        let tps: Vec<Tp> = self.disks.keys().copied().collect();
        for tp in tps {
            let cfg = &self.topics[tp.0 as usize];
            let hw = self.v.replicas.get(&tp).map(|r| r.hw).unwrap_or(0);
            let disk = self.disks.get_mut(&tp).expect("hosted");
            let deleted = disk.log.apply_retention(now, cfg.retention_ms, cfg.retention_bytes, hw);
            if !deleted.is_empty() {
                emit(ctx, KEvent::RetentionDeleted { tp, log_start: disk.log.log_start_offset(), segments: deleted.len() as u32 });
            }
        }
    }
}

/// The last stable offset: the HW, held back by the first record of the
/// oldest open transaction (read_committed consumers read below it).
fn last_stable_offset(r: &Replica) -> u64 {
    r.ongoing.values().copied().min().map_or(r.hw, |first| first.min(r.hw))
}

/// Aborted transactions of a partition: (producer id, first offset, marker offset).
type AbortedTxns = Vec<(i64, u64, u64)>;

/// Open and aborted transactions, rebuilt from a log (as a broker does when
/// it loads a log or becomes leader).
fn txn_state(log: &ReplicaLog) -> (BTreeMap<i64, u64>, AbortedTxns) {
    let mut ongoing = BTreeMap::new();
    let mut aborted = Vec::new();
    for r in log.iter().filter(|r| r.transactional) {
        if r.is_control {
            if let Some(first) = ongoing.remove(&r.producer_id) {
                if !r.control_commit {
                    aborted.push((r.producer_id, first, r.offset));
                }
            }
        } else {
            ongoing.entry(r.producer_id).or_insert(r.offset);
        }
    }
    (ongoing, aborted)
}

/// Maximal ISR: the committed ISR plus the members of an in-flight
/// AlterPartition (KIP-497).
fn maximal_isr(r: &Replica) -> Vec<BrokerId> {
    let mut v = r.isr.clone();
    if let Some(p) = &r.pending_isr {
        for b in p {
            if !v.contains(b) {
                v.push(*b);
            }
        }
    }
    v
}

/// Rebuilds idempotence state from the log (as a broker does on load and
/// on becoming leader): runs of consecutive sequence numbers per producer.
fn rebuild_producers(log: &ReplicaLog) -> BTreeMap<i64, ProducerEntry> {
    let mut m = BTreeMap::new();
    update_producers_from(&mut m, log, log.log_start_offset());
    m
}

fn update_producers_from(m: &mut BTreeMap<i64, ProducerEntry>, log: &ReplicaLog, from: u64) {
    for r in log.iter_from(from).filter(|r| r.producer_id >= 0 && !r.is_control) {
        let e: &mut ProducerEntry = m.entry(r.producer_id).or_default();
        if e.epoch != r.producer_epoch {
            e.epoch = r.producer_epoch;
            e.batches.clear();
        }
        match e.batches.last_mut() {
            Some((fs, ls, fo)) if ls.wrapping_add(1) == r.sequence && *fo + (ls.wrapping_sub(*fs) as u64) + 1 == r.offset => {
                *ls = r.sequence;
            }
            _ => {
                e.batches.push((r.sequence, r.sequence, r.offset));
                if e.batches.len() > BATCHES_RETAINED {
                    e.batches.remove(0);
                }
            }
        }
    }
}

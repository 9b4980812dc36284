//! The KRaft controller: broker registration and fencing, partition
//! leadership and ISR, leader election, and metadata propagation.
//!
//! Real KRaft runs a Raft quorum of controllers; we model a single,
//! durable controller node (its metadata survives its own crashes, as the
//! Raft log would), so a controller crash stalls metadata changes but loses
//! nothing. Election follows `PartitionChangeBuilder.electAnyLeader`
//! (reference §1.4); ISR rules follow §1.3 and KIP-966 ELR (§A13).
//!
//! Simplification: the group coordinator is hosted on the controller node
//! (in Kafka it lives on the broker leading the group's `__consumer_offsets`
//! partition). Its committed offsets are durable.

use super::config::{KafkaVersion, Props};
use super::coordinator::{GroupCoordinator, GroupTimer};
use super::events::KEvent;
use super::protocol::Msg;
use super::txn_coordinator::{TxnCoordinator, TxnTimer};
use super::types::{BrokerId, ErrorCode, PartitionMeta, Tp};
use crate::kernel::{CrashKind, Ctx, NodeId};
use crate::model::{emit, Model, Timer};
use crate::scenario::TopicSpec;
use crate::time::Micros;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub enum ControllerTimer {
    /// Checks broker sessions (fencing).
    SessionCheck,
    /// Periodic unclean election of leaderless partitions.
    UncleanCheck,
    /// Periodic preferred-leader rebalance.
    PreferredLeaderCheck,
    /// End of the creation grace period: create with whoever registered.
    CreateTopics,
    Group(GroupTimer),
    Txn(TxnTimer),
}

#[derive(Clone, Debug)]
struct BrokerReg {
    epoch: u64,
    incarnation: u64,
    fenced: bool,
    last_heartbeat: Micros,
}

/// Per-topic settings the controller needs.
#[derive(Clone, Debug)]
struct TopicRules {
    min_isr: usize,
    unclean: bool,
}

#[derive(Clone, Debug)]
pub struct Controller {
    version: KafkaVersion,
    session_timeout: Micros,
    elr_enabled: bool,
    auto_rebalance: bool,
    rebalance_interval: Micros,
    imbalance_pct: i64,
    unclean_interval: Micros,
    brokers: u32,
    topics: Vec<TopicRules>,
    regs: BTreeMap<BrokerId, BrokerReg>,
    partitions: BTreeMap<Tp, PartitionMeta>,
    next_broker_epoch: u64,
    next_producer_id: i64,
    /// Offset of the last metadata change (the metadata log's end).
    metadata_offset: u64,
    pub groups: GroupCoordinator,
    pub txns: TxnCoordinator,
    started: bool,
}

const SESSION_CHECK: Micros = 250_000;
/// How long topic creation waits for all assigned brokers to register.
const CREATION_GRACE: Micros = 3_000_000;

impl Controller {
    pub fn new(version: KafkaVersion, broker_config: &Props, topics: &[TopicSpec], brokers: u32) -> Self {
        let mut partitions = BTreeMap::new();
        let mut rules = Vec::new();
        for (ti, t) in topics.iter().enumerate() {
            let rf = t.replication_factor as usize;
            rules.push(TopicRules {
                min_isr: (t.config.int("min.insync.replicas").max(1) as usize).min(rf),
                unclean: t.config.bool("unclean.leader.election.enable"),
            });
            for (p, replicas) in t.assignment.iter().enumerate() {
                let tp = Tp(ti as u16, p as u32);
                partitions.insert(
                    tp,
                    PartitionMeta { tp, replicas: replicas.clone(), leader: None, leader_epoch: -1, partition_epoch: -1, isr: Vec::new(), elr: Vec::new() },
                );
            }
        }
        Controller {
            version,
            session_timeout: broker_config.micros("broker.session.timeout.ms"),
            elr_enabled: broker_config.bool("eligible.leader.replicas.enable"),
            auto_rebalance: broker_config.bool("auto.leader.rebalance.enable"),
            rebalance_interval: (broker_config.int("leader.imbalance.check.interval.seconds").max(1) as u64) * 1_000_000,
            imbalance_pct: broker_config.int("leader.imbalance.per.broker.percentage"),
            unclean_interval: broker_config.micros("unclean.leader.election.interval.ms").max(1_000),
            brokers,
            topics: rules,
            regs: BTreeMap::new(),
            partitions,
            next_broker_epoch: 1,
            metadata_offset: 0,
            next_producer_id: 1000,
            groups: GroupCoordinator::new(broker_config),
            txns: TxnCoordinator::default(),
            started: false,
        }
    }

    /// The partitions as the controller has them (for the report).
    pub fn partitions(&self) -> &BTreeMap<Tp, PartitionMeta> {
        &self.partitions
    }

    pub fn on_start(&mut self, ctx: &mut Ctx<'_, Model>) {
        // A scenario of scripted stream inputs only has no cluster: the
        // controller stays idle.
        if self.brokers == 0 {
            return;
        }
        ctx.set_timer(SESSION_CHECK, Timer::Controller(ControllerTimer::SessionCheck));
        if ctx.now() < CREATION_GRACE {
            ctx.set_timer(CREATION_GRACE - ctx.now(), Timer::Controller(ControllerTimer::CreateTopics));
        }
        ctx.set_timer(self.unclean_interval, Timer::Controller(ControllerTimer::UncleanCheck));
        if self.auto_rebalance {
            ctx.set_timer(self.rebalance_interval, Timer::Controller(ControllerTimer::PreferredLeaderCheck));
        }
        if !self.started {
            self.started = true;
        } else {
            // After a controller restart every broker must re-prove liveness:
            // give them a full session before fencing anybody.
            let now = ctx.now();
            for r in self.regs.values_mut() {
                r.last_heartbeat = now;
            }
        }
        self.groups.on_start(ctx);
        self.txns.on_start(ctx);
    }

    pub fn on_crash(&mut self, _kind: CrashKind) {
        self.groups.on_crash();
        self.txns.on_crash();
    }

    pub fn on_disk_loss(&mut self) {
        // The metadata log is replicated by the (modelled as reliable)
        // controller quorum: losing one disk loses nothing.
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, Model>, t: ControllerTimer) {
        match t {
            ControllerTimer::SessionCheck => {
                let now = ctx.now();
                let expired: Vec<BrokerId> =
                    self.regs.iter().filter(|(_, r)| !r.fenced && now.saturating_sub(r.last_heartbeat) > self.session_timeout).map(|(b, _)| *b).collect();
                for b in expired {
                    self.fence(ctx, b, "session timeout");
                }
                ctx.set_timer(SESSION_CHECK, Timer::Controller(ControllerTimer::SessionCheck));
            }
            ControllerTimer::UncleanCheck => {
                let leaderless: Vec<Tp> = self.partitions.values().filter(|p| p.leader.is_none()).map(|p| p.tp).collect();
                let mut changed = Vec::new();
                for tp in leaderless {
                    if self.elect(ctx, tp, true) {
                        changed.push(tp);
                    }
                }
                self.broadcast(ctx, &changed);
                ctx.set_timer(self.unclean_interval, Timer::Controller(ControllerTimer::UncleanCheck));
            }
            ControllerTimer::PreferredLeaderCheck => {
                self.preferred_leader_rebalance(ctx);
                ctx.set_timer(self.rebalance_interval, Timer::Controller(ControllerTimer::PreferredLeaderCheck));
            }
            ControllerTimer::CreateTopics => self.elect_leaderless(ctx),
            ControllerTimer::Group(g) => self.groups.on_timer(ctx, g),
            ControllerTimer::Txn(t) => self.txns.on_timer(ctx, t, &self.partitions),
        }
    }

    pub fn on_msg(&mut self, ctx: &mut Ctx<'_, Model>, from: NodeId, msg: Msg) {
        match msg {
            Msg::BrokerRegistration { broker, incarnation, clean, logs: _ } => self.register(ctx, from, broker, incarnation, clean),
            Msg::BrokerHeartbeat { broker, broker_epoch, metadata_offset } => {
                let now = ctx.now();
                let mut unfenced = false;
                let reply = match self.regs.get_mut(&broker) {
                    Some(r) if r.epoch == broker_epoch => {
                        r.last_heartbeat = now;
                        if r.fenced {
                            r.fenced = false;
                            unfenced = true;
                        }
                        Msg::BrokerHeartbeatResponse { fenced: false, broker_epoch }
                    }
                    _ => Msg::BrokerHeartbeatResponse { fenced: true, broker_epoch },
                };
                let behind = matches!(reply, Msg::BrokerHeartbeatResponse { fenced: false, .. }) && metadata_offset < self.metadata_offset;
                ctx.send(from, reply);
                if behind {
                    self.send_full_metadata(ctx, from);
                }
                if unfenced {
                    emit(ctx, KEvent::BrokerUnfenced { broker });
                    self.elect_leaderless(ctx);
                }
            }
            Msg::AlterPartition { tp, leader, broker_epoch, leader_epoch, partition_epoch, new_isr } => {
                let result = self.alter_partition(ctx, tp, leader, broker_epoch, leader_epoch, partition_epoch, new_isr);
                match result {
                    Ok(meta) => {
                        ctx.send(from, Msg::AlterPartitionResponse { tp, error: ErrorCode::None, meta: Some(meta) });
                        self.broadcast(ctx, &[tp]);
                    }
                    Err(error) => {
                        emit(ctx, KEvent::AlterPartitionRejected { tp, from: leader, error });
                        let meta = self.partitions.get(&tp).cloned();
                        ctx.send(from, Msg::AlterPartitionResponse { tp, error, meta });
                    }
                }
            }
            Msg::InitProducerId { corr, transactional_id: None, txn_timeout: _ } => {
                let producer_id = self.next_producer_id;
                self.next_producer_id += 1;
                ctx.send(from, Msg::InitProducerIdResponse { corr, producer_id, producer_epoch: 0 });
            }
            Msg::InitProducerId { corr, transactional_id: Some(id), txn_timeout } => {
                let next = &mut self.next_producer_id;
                let (producer_id, producer_epoch) = self.txns.init_producer_id(ctx, &id, txn_timeout, || {
                    let p = *next;
                    *next += 1;
                    p
                });
                ctx.send(from, Msg::InitProducerIdResponse { corr, producer_id, producer_epoch });
                // An open transaction of the fenced instance is being aborted.
                self.txns.on_timer_markers(ctx, &self.partitions);
            }
            m @ (Msg::AddPartitionsToTxn { .. } | Msg::EndTxn { .. } | Msg::WriteTxnMarkersResponse { .. }) => {
                self.txns.on_msg(ctx, from, m, &self.partitions);
            }
            Msg::MetadataRequest { corr } => {
                ctx.send(from, Msg::MetadataResponse { corr, partitions: self.partitions.values().cloned().collect() });
            }
            m @ (Msg::JoinGroup { .. }
            | Msg::SyncGroup { .. }
            | Msg::Heartbeat { .. }
            | Msg::LeaveGroup { .. }
            | Msg::OffsetCommit { .. }
            | Msg::OffsetFetch { .. }) => self.groups.on_msg(ctx, from, m),
            _ => {}
        }
    }

    fn acceptable(&self, b: BrokerId) -> bool {
        self.regs.get(&b).is_some_and(|r| !r.fenced)
    }

    fn register(&mut self, ctx: &mut Ctx<'_, Model>, from: NodeId, broker: BrokerId, incarnation: u64, clean: bool) {
        if broker == 0 || broker > self.brokers {
            return;
        }
        // A registration from a new incarnation means the broker restarted:
        // it is fenced and removed from every ISR first (§1.7 restart rule).
        if let Some(r) = self.regs.get(&broker) {
            if r.incarnation == incarnation {
                // A retried registration of the same process.
                let broker_epoch = r.epoch;
                ctx.send(from, Msg::BrokerRegistrationResponse { broker_epoch });
                return;
            }
            if !r.fenced {
                self.fence(ctx, broker, "restarted");
            }
        }
        if !clean && self.elr_enabled {
            // KIP-966: an uncleanly restarted broker may have lost data it
            // acknowledged: it is no longer an eligible leader.
            let mut changed = Vec::new();
            for p in self.partitions.values_mut() {
                if p.elr.contains(&broker) {
                    p.elr.retain(|b| *b != broker);
                    p.partition_epoch += 1;
                    changed.push(p.tp);
                }
            }
            for tp in &changed {
                self.emit_change(ctx, *tp, "elr-unclean-restart");
            }
            self.broadcast(ctx, &changed);
        }
        let epoch = self.next_broker_epoch;
        self.next_broker_epoch += 1;
        let now = ctx.now();
        self.regs.insert(broker, BrokerReg { epoch, incarnation, fenced: false, last_heartbeat: now });
        emit(ctx, KEvent::BrokerRegistered { broker, broker_epoch: epoch, clean });
        ctx.send(from, Msg::BrokerRegistrationResponse { broker_epoch: epoch });
        self.send_full_metadata(ctx, from);
        self.elect_leaderless(ctx);
    }

    /// Elects leaders for partitions that have none (initial start-up, a
    /// returning ISR member).
    fn elect_leaderless(&mut self, ctx: &mut Ctx<'_, Model>) {
        let leaderless: Vec<Tp> = self.partitions.values().filter(|p| p.leader.is_none()).map(|p| p.tp).collect();
        let mut changed = Vec::new();
        for tp in leaderless {
            if self.elect(ctx, tp, false) {
                changed.push(tp);
            }
        }
        self.broadcast(ctx, &changed);
    }

    fn fence(&mut self, ctx: &mut Ctx<'_, Model>, broker: BrokerId, reason: &'static str) {
        if let Some(r) = self.regs.get_mut(&broker) {
            r.fenced = true;
        }
        emit(ctx, KEvent::BrokerFenced { broker, reason });
        let tps: Vec<Tp> = self.partitions.values().filter(|p| p.isr.contains(&broker) || p.leader == Some(broker)).map(|p| p.tp).collect();
        let mut changed = Vec::new();
        for tp in tps {
            let min_isr = self.topics[tp.0 as usize].min_isr;
            let Some(p) = self.partitions.get_mut(&tp) else { continue };
            let mut isr_changed = false;
            if p.isr.contains(&broker) {
                let new_isr: Vec<BrokerId> = p.isr.iter().copied().filter(|b| *b != broker).collect();
                if new_isr.is_empty() && !self.elr_enabled {
                    // §1.3.4: never an empty ISR without ELR; the last member
                    // stays, and the partition goes leaderless.
                } else {
                    if self.elr_enabled && new_isr.len() < min_isr && !p.elr.contains(&broker) {
                        p.elr.push(broker);
                    }
                    p.isr = new_isr;
                    isr_changed = true;
                }
            }
            if isr_changed {
                p.partition_epoch += 1;
            }
            let was_leader = p.leader == Some(broker);
            let elected = if was_leader { self.elect(ctx, tp, false) } else { false };
            if isr_changed && !elected {
                self.emit_change(ctx, tp, "fenced");
            }
            if isr_changed || elected {
                changed.push(tp);
            }
        }
        self.broadcast(ctx, &changed);
    }

    /// Runs the election of §1.4 for one partition. Returns whether the
    /// leader changed (the change is recorded and must be broadcast).
    fn elect(&mut self, ctx: &mut Ctx<'_, Model>, tp: Tp, periodic_unclean: bool) -> bool {
        let rules = self.topics[tp.0 as usize].clone();
        let Some(p) = self.partitions.get(&tp).cloned() else { return false };
        if let Some(l) = p.leader {
            if p.isr.contains(&l) && self.acceptable(l) {
                return false;
            }
        }
        let mut isr = p.isr.clone();
        let mut elr = p.elr.clone();
        let mut reason = "election";
        let mut leader = p.replicas.iter().copied().find(|b| isr.contains(b) && self.acceptable(*b));
        if leader.is_none() && p.leader_epoch < 0 && isr.is_empty() {
            // Initial creation (as an admin's CreateTopics once the cluster
            // is up): wait until every assigned replica has registered, or
            // for the creation grace period; then every replica is in the
            // ISR and the first acceptable one leads.
            let all_up = p.replicas.iter().all(|b| self.acceptable(*b));
            if !all_up && ctx.now() < CREATION_GRACE {
                return false;
            }
            if let Some(first) = p.replicas.iter().copied().find(|b| self.acceptable(*b)) {
                isr = p.replicas.clone();
                leader = Some(first);
                reason = "created";
            }
        }
        if leader.is_none() && self.elr_enabled && isr.is_empty() {
            if let Some(e) = p.replicas.iter().copied().find(|b| elr.contains(b) && self.acceptable(*b)) {
                leader = Some(e);
                isr = vec![e];
                elr.retain(|b| *b != e);
                reason = "elr-election";
            }
        }
        if leader.is_none() && rules.unclean && (periodic_unclean || p.leader_epoch >= 0) {
            if let Some(u) = p.replicas.iter().copied().find(|b| self.acceptable(*b)) {
                leader = Some(u);
                isr = vec![u];
                elr.clear();
                reason = "unclean-election";
            }
        }
        if leader == p.leader && isr == p.isr {
            return false;
        }
        let np = self.partitions.get_mut(&tp).expect("partition exists");
        let leader_changed = leader != np.leader;
        np.leader = leader;
        np.isr = isr;
        np.elr = elr;
        if leader_changed {
            np.leader_epoch += 1;
        }
        np.partition_epoch += 1;
        if leader.is_none() {
            reason = "no-eligible-leader";
        }
        self.emit_change(ctx, tp, reason);
        true
    }

    fn emit_change(&mut self, ctx: &mut Ctx<'_, Model>, tp: Tp, reason: &'static str) {
        let p = &self.partitions[&tp];
        emit(
            ctx,
            KEvent::PartitionChanged {
                tp,
                leader: p.leader,
                leader_epoch: p.leader_epoch,
                partition_epoch: p.partition_epoch,
                isr: p.isr.clone(),
                elr: p.elr.clone(),
                reason,
            },
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn alter_partition(
        &mut self,
        ctx: &mut Ctx<'_, Model>,
        tp: Tp,
        leader: BrokerId,
        broker_epoch: u64,
        leader_epoch: i32,
        partition_epoch: i32,
        new_isr: Vec<BrokerId>,
    ) -> Result<PartitionMeta, ErrorCode> {
        let Some(p) = self.partitions.get(&tp) else { return Err(ErrorCode::UnknownTopicOrPartition) };
        if self.regs.get(&leader).is_none_or(|r| r.epoch != broker_epoch) {
            return Err(ErrorCode::StaleBrokerEpoch);
        }
        if p.leader != Some(leader) || p.leader_epoch != leader_epoch {
            return Err(ErrorCode::FencedLeaderEpoch);
        }
        if p.partition_epoch != partition_epoch {
            return Err(ErrorCode::InvalidUpdateVersion);
        }
        if new_isr.is_empty() || !new_isr.contains(&leader) {
            return Err(ErrorCode::InvalidUpdateVersion);
        }
        for b in &new_isr {
            if !p.isr.contains(b) && !self.acceptable(*b) {
                return Err(ErrorCode::IneligibleReplica);
            }
        }
        let min_isr = self.topics[tp.0 as usize].min_isr;
        let shrink = new_isr.len() < p.isr.len();
        let removed: Vec<BrokerId> = p.isr.iter().copied().filter(|b| !new_isr.contains(b)).collect();
        let p = self.partitions.get_mut(&tp).expect("exists");
        if self.elr_enabled {
            if new_isr.len() < min_isr {
                for b in removed {
                    if !p.elr.contains(&b) {
                        p.elr.push(b);
                    }
                }
                p.elr.retain(|b| !new_isr.contains(b));
            } else {
                p.elr.clear();
            }
        }
        p.isr = new_isr;
        p.partition_epoch += 1;
        let meta = p.clone();
        self.emit_change(ctx, tp, if shrink { "isr-shrink" } else { "isr-expand" });
        Ok(meta)
    }

    fn preferred_leader_rebalance(&mut self, ctx: &mut Ctx<'_, Model>) {
        let mut per_broker: BTreeMap<BrokerId, (u32, Vec<Tp>)> = BTreeMap::new();
        for p in self.partitions.values() {
            if let Some(&pref) = p.replicas.first() {
                let e = per_broker.entry(pref).or_default();
                e.0 += 1;
                if p.leader != Some(pref) && p.isr.contains(&pref) && self.acceptable(pref) {
                    e.1.push(p.tp);
                }
            }
        }
        let mut changed = Vec::new();
        for (pref, (total, movable)) in per_broker {
            if total == 0 || movable.is_empty() {
                continue;
            }
            if (movable.len() as i64) * 100 / i64::from(total) <= self.imbalance_pct {
                continue;
            }
            for tp in movable {
                let Some(p) = self.partitions.get_mut(&tp) else { continue };
                p.leader = Some(pref);
                p.leader_epoch += 1;
                p.partition_epoch += 1;
                self.emit_change(ctx, tp, "preferred-leader");
                changed.push(tp);
            }
        }
        self.broadcast(ctx, &changed);
    }

    fn broadcast(&mut self, ctx: &mut Ctx<'_, Model>, tps: &[Tp]) {
        if tps.is_empty() {
            return;
        }
        self.metadata_offset += 1;
        let parts: Vec<PartitionMeta> = tps.iter().filter_map(|tp| self.partitions.get(tp).cloned()).collect();
        for b in 1..=self.brokers {
            if self.regs.contains_key(&b) {
                ctx.send(b, Msg::UpdateMetadata { partitions: parts.clone(), full: false, offset: self.metadata_offset });
            }
        }
    }

    fn send_full_metadata(&self, ctx: &mut Ctx<'_, Model>, to: NodeId) {
        ctx.send(to, Msg::UpdateMetadata { partitions: self.partitions.values().cloned().collect(), full: true, offset: self.metadata_offset });
    }

    /// Whether the Kafka version has strict min ISR (3.7+), for reports.
    pub fn version(&self) -> KafkaVersion {
        self.version
    }
}

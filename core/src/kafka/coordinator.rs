//! The group coordinator: Kafka's *classic* consumer group protocol
//! (JoinGroup / SyncGroup / Heartbeat / LeaveGroup) and the offset store
//! (OffsetCommit / OffsetFetch), written after `ClassicGroup` and
//! `GroupMetadataManager` of Kafka's `group-coordinator` module (3.7–4.0)
//! and reference §B.
//!
//! # Model
//!
//! One coordinator serves every group; it is hosted on the controller node
//! (node 0, see `controller.rs`). A group moves through Kafka's states
//! `Empty → PreparingRebalance → CompletingRebalance → Stable`:
//!
//! * **Join phase.** The first JoinGroup of an empty group waits
//!   `group.initial.rebalance.delay.ms` (extended by the same delay while new
//!   members keep arriving, at most the rebalance timeout: Kafka's
//!   `InitialDelayedJoin`). Otherwise the phase ends as soon as every known
//!   member has rejoined, or when the largest rebalance timeout
//!   (`max.poll.interval.ms` of the members) expires; members that did not
//!   rejoin are removed (`MemberLeft{reason: "rebalance-timeout"}`). The
//!   generation is then bumped and every waiting member gets its
//!   JoinGroupResponse ([`KEvent::GroupRebalanced`] is emitted here).
//! * **Sync phase.** Kafka's leader member computes the assignment and sends
//!   it in its SyncGroup. *Simplification:* here the coordinator computes it
//!   at the end of the join phase with the same assignor (same result: the
//!   assignors are deterministic functions of the subscriptions), but it
//!   still waits for the leader's SyncGroup before the group becomes Stable;
//!   followers' SyncGroups are parked until then, exactly as in Kafka. So
//!   offset commits during COMPLETING_REBALANCE are still refused.
//! * **Liveness.** Every member has a session (`session.timeout.ms`, clamped
//!   to `group.{min,max}.session.timeout.ms` — Kafka rejects out-of-range
//!   values with INVALID_SESSION_TIMEOUT instead). JoinGroup, SyncGroup,
//!   Heartbeat and accepted OffsetCommits refresh it; members waiting for a
//!   Join or Sync response are kept alive. An expired member is removed
//!   (`MemberLeft{reason: "session-timeout"}`) and a rebalance starts.
//!   Heartbeats answer REBALANCE_IN_PROGRESS while a rebalance is prepared.
//! * **Offsets** are validated as `ClassicGroup.validateOffsetCommit` (see
//!   [`validate_offset_commit`]); generation −1 commits from consumers that
//!   do not use group management are accepted while the group is empty or
//!   does not exist (a "simple group").
//!
//! # Durability
//!
//! Committed offsets are durable (Kafka keeps them in `__consumer_offsets`).
//! Membership is volatile here: a controller crash forgets every member, and
//! consumers find out through UNKNOWN_MEMBER_ID and rejoin. (Kafka also
//! persists the group metadata record — generation, leader, members and
//! assignment — so a coordinator failover keeps the members; we keep only the
//! generation, so generations never go backwards.)
//!
//! # Assignors
//!
//! [`assign`] implements `range` (`RangeAssignor`), `roundrobin`
//! (`RoundRobinAssignor`) and `cooperative-sticky` (`CooperativeStickyAssignor`
//! with the KIP-429 incremental protocol: a partition that must move from
//! one member to another is first only revoked; the revoking member rejoins
//! and the next rebalance hands it over). Unknown assignor names fall back to
//! `range`. When the members share no assignor, Kafka refuses the joiner with
//! INCONSISTENT_GROUP_PROTOCOL; there is no such error code in the model, so
//! the group falls back to its leader's first choice (see [`select_protocol`]).

use super::config::Props;
use super::controller::ControllerTimer;
use super::events::KEvent;
use super::protocol::Msg;
use super::types::{ErrorCode, Tp};
use crate::kernel::{Ctx, NodeId, TimerId};
use crate::model::{emit, Model, Timer};
use crate::time::Micros;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// `RangeAssignor` (the default's first choice).
pub const RANGE: &str = "range";
/// `RoundRobinAssignor`.
pub const ROUNDROBIN: &str = "roundrobin";
/// `CooperativeStickyAssignor` (KIP-429 incremental rebalancing).
pub const COOPERATIVE_STICKY: &str = "cooperative-sticky";
/// Every assignor the model implements.
pub const ASSIGNORS: &[&str] = &[RANGE, ROUNDROBIN, COOPERATIVE_STICKY];

/// Coordinator timers (wrapped as `ControllerTimer::Group`).
#[derive(Clone, Debug)]
pub enum GroupTimer {
    /// End of the initial delay or of the rebalance timeout of a join phase;
    /// `seq` identifies the phase (a stale timer is ignored).
    Join { group: String, seq: u64 },
    /// Checks one member's session deadline.
    Session { group: String, member: String },
}

/// Kafka's `ClassicGroupState` (without DEAD: groups are never deleted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
}

#[derive(Clone, Debug)]
struct Member {
    node: NodeId,
    /// Join order: a departed leader is replaced by the earliest joiner
    /// (Kafka's members map keeps insertion order).
    joined: u64,
    session_timeout: Micros,
    rebalance_timeout: Micros,
    topics: Vec<u16>,
    protocols: Vec<String>,
    owned: Vec<Tp>,
    metadata: Vec<(u16, String, u32)>,
    /// A JoinGroup waiting for the join phase to end (its `corr`).
    awaiting_join: Option<u64>,
    /// A follower's SyncGroup waiting for the leader's (its `corr`).
    awaiting_sync: Option<u64>,
    last_seen: Micros,
    session_armed: bool,
}

/// `InitialDelayedJoin`: the first rebalance of an empty group.
#[derive(Clone, Debug)]
struct InitialDelay {
    delay: Micros,
    remaining: Micros,
    new_members: bool,
}

#[derive(Clone, Debug)]
struct Group {
    state: GroupState,
    generation: i32,
    protocol: Option<String>,
    leader: Option<String>,
    members: BTreeMap<String, Member>,
    /// The assignment of the current generation.
    assignment: BTreeMap<String, Vec<Tp>>,
    join_seq: u64,
    join_timer: Option<TimerId>,
    initial: Option<InitialDelay>,
}

impl Group {
    fn new(generation: i32) -> Self {
        Group {
            state: GroupState::Empty,
            generation,
            protocol: None,
            leader: None,
            members: BTreeMap::new(),
            assignment: BTreeMap::new(),
            join_seq: 0,
            join_timer: None,
            initial: None,
        }
    }
}

/// One member as the report shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberSummary {
    pub member: String,
    pub node: NodeId,
    pub assignment: Vec<Tp>,
}

/// One group as the report shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupSummary {
    pub group: String,
    pub state: GroupState,
    pub generation: i32,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    pub members: Vec<MemberSummary>,
}

/// A JoinGroup request, unpacked.
struct JoinRequest {
    corr: u64,
    group: String,
    member: String,
    client_id: String,
    session_timeout: Micros,
    rebalance_timeout: Micros,
    topics: Vec<u16>,
    protocols: Vec<String>,
    owned: Vec<Tp>,
    metadata: Vec<(u16, String, u32)>,
}

/// The classic group coordinator. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct GroupCoordinator {
    initial_delay: Micros,
    min_session: Micros,
    max_session: Micros,
    /// Volatile: lost in a crash.
    groups: BTreeMap<String, Group>,
    /// Durable: committed offsets per (group, partition).
    offsets: BTreeMap<(String, Tp), u64>,
    /// Durable: the last generation of each group.
    generations: BTreeMap<String, i32>,
    /// Never reset: stands in for the UUID part of member ids, so a member
    /// id is never reused, not even after a coordinator crash.
    next_member: u64,
    next_join_seq: u64,
}

fn set_timer(ctx: &mut Ctx<'_, Model>, after: Micros, t: GroupTimer) -> TimerId {
    ctx.set_timer(after, Timer::Controller(ControllerTimer::Group(t)))
}

fn join_error(corr: u64, error: ErrorCode) -> Msg {
    Msg::JoinGroupResponse { corr, error, generation: -1, member: String::new(), protocol: String::new(), leader: String::new() }
}

impl GroupCoordinator {
    pub fn new(config: &Props) -> Self {
        let min_session = config.micros("group.min.session.timeout.ms");
        GroupCoordinator {
            initial_delay: config.micros("group.initial.rebalance.delay.ms"),
            min_session,
            max_session: config.micros("group.max.session.timeout.ms").max(min_session),
            ..GroupCoordinator::default()
        }
    }

    /// The controller node started or restarted. Nothing to re-arm: groups
    /// were forgotten in the crash and are rebuilt by rejoining members.
    pub fn on_start(&mut self, _ctx: &mut Ctx<'_, Model>) {}

    /// The controller crashed: volatile group state (members, generations in
    /// progress) is lost; committed offsets and generation numbers are
    /// durable.
    pub fn on_crash(&mut self) {
        self.groups.clear();
    }

    /// Committed offsets per (group, partition): the next offset to read
    /// (reference B3).
    pub fn committed(&self) -> &BTreeMap<(String, Tp), u64> {
        &self.offsets
    }

    /// The committed offset of one partition for one group.
    pub fn committed_offset(&self, group: &str, tp: Tp) -> Option<u64> {
        self.offsets.get(&(group.to_string(), tp)).copied()
    }

    /// The current generation of a group (also after a crash, from the
    /// durable record).
    pub fn generation(&self, group: &str) -> Option<i32> {
        self.groups.get(group).map(|g| g.generation).or_else(|| self.generations.get(group).copied())
    }

    /// Every live group with its members and their assignments.
    pub fn groups(&self) -> Vec<GroupSummary> {
        self.groups
            .iter()
            .map(|(name, g)| GroupSummary {
                group: name.clone(),
                state: g.state,
                generation: g.generation,
                protocol: g.protocol.clone(),
                leader: g.leader.clone(),
                members: g
                    .members
                    .iter()
                    .map(|(id, m)| MemberSummary { member: id.clone(), node: m.node, assignment: g.assignment.get(id).cloned().unwrap_or_default() })
                    .collect(),
            })
            .collect()
    }

    /// Handles JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
    /// OffsetFetch; ignores anything else.
    pub fn on_msg(&mut self, ctx: &mut Ctx<'_, Model>, from: NodeId, msg: Msg) {
        match msg {
            Msg::JoinGroup { corr, group, member, client_id, session_timeout, rebalance_timeout, topics, protocols, owned, metadata } => {
                let req = JoinRequest { corr, group, member, client_id, session_timeout, rebalance_timeout, topics, protocols, owned, metadata };
                self.join(ctx, from, req);
            }
            Msg::SyncGroup { corr, group, member, generation } => self.sync(ctx, from, corr, &group, &member, generation),
            Msg::Heartbeat { corr, group, member, generation } => {
                let error = self.heartbeat(ctx.now(), &group, &member, generation);
                ctx.send(from, Msg::HeartbeatResponse { corr, error });
            }
            Msg::LeaveGroup { group, member } => self.remove_member(ctx, &group, &member, "leave"),
            Msg::OffsetCommit { corr, group, member, generation, offsets } => {
                let error = self.validate_commit(&group, &member, generation);
                if error == ErrorCode::None {
                    let now = ctx.now();
                    if let Some(m) = self.groups.get_mut(&group).and_then(|g| g.members.get_mut(&member)) {
                        m.last_seen = now;
                    }
                    for &(tp, offset) in &offsets {
                        self.offsets.insert((group.clone(), tp), offset);
                        emit(ctx, KEvent::Committed { group: group.clone(), tp, offset, generation });
                    }
                }
                ctx.send(from, Msg::OffsetCommitResponse { corr, error, offsets });
            }
            Msg::OffsetFetch { corr, group, partitions } => {
                let offsets = partitions.into_iter().map(|tp| (tp, self.offsets.get(&(group.clone(), tp)).copied())).collect();
                ctx.send(from, Msg::OffsetFetchResponse { corr, offsets });
            }
            _ => {}
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, Model>, t: GroupTimer) {
        match t {
            GroupTimer::Join { group, seq } => self.join_timer_fired(ctx, &group, seq),
            GroupTimer::Session { group, member } => self.session_timer_fired(ctx, &group, &member),
        }
    }

    // ----- join phase --------------------------------------------------------

    fn join(&mut self, ctx: &mut Ctx<'_, Model>, from: NodeId, req: JoinRequest) {
        let now = ctx.now();
        let session_timeout = req.session_timeout.clamp(self.min_session, self.max_session);
        let protocols = if req.protocols.is_empty() { vec![RANGE.to_string()] } else { req.protocols };
        let name = req.group;
        if req.member.is_empty() {
            // A new member (Kafka ≥ 2.2 first answers MEMBER_ID_REQUIRED and
            // waits for a second JoinGroup with the id; we skip that round
            // trip).
            self.next_member += 1;
            let id = format!("{}-{}", if req.client_id.is_empty() { "consumer" } else { &req.client_id }, self.next_member);
            let generation = self.generations.get(&name).copied().unwrap_or(0);
            let g = self.groups.entry(name.clone()).or_insert_with(|| Group::new(generation));
            g.members.insert(
                id.clone(),
                Member {
                    node: from,
                    joined: self.next_member,
                    session_timeout,
                    rebalance_timeout: req.rebalance_timeout,
                    topics: req.topics,
                    protocols,
                    owned: req.owned,
                    metadata: req.metadata,
                    awaiting_join: Some(req.corr),
                    awaiting_sync: None,
                    last_seen: now,
                    session_armed: false,
                },
            );
            let state = g.state;
            let in_initial_delay = if let Some(init) = g.initial.as_mut() {
                init.new_members = true;
                true
            } else {
                false
            };
            self.arm_session(ctx, &name, &id);
            match state {
                GroupState::PreparingRebalance if in_initial_delay => {}
                GroupState::PreparingRebalance => self.try_complete_join(ctx, &name),
                _ => self.prepare_rebalance(ctx, &name),
            }
            return;
        }
        let Some(g) = self.groups.get_mut(&name) else {
            ctx.send(from, join_error(req.corr, ErrorCode::UnknownMemberId));
            return;
        };
        let Some(m) = g.members.get_mut(&req.member) else {
            ctx.send(from, join_error(req.corr, ErrorCode::UnknownMemberId));
            return;
        };
        m.node = from;
        m.session_timeout = session_timeout;
        m.rebalance_timeout = req.rebalance_timeout;
        m.topics = req.topics;
        m.protocols = protocols;
        m.owned = req.owned;
        m.metadata = req.metadata;
        m.awaiting_join = Some(req.corr);
        m.last_seen = now;
        match g.state {
            GroupState::PreparingRebalance => self.try_complete_join(ctx, &name),
            // Simplification: Kafka answers a follower that rejoins with
            // unchanged metadata during COMPLETING_REBALANCE / STABLE with
            // the current generation; we always start a new rebalance.
            _ => self.prepare_rebalance(ctx, &name),
        }
    }

    /// `GroupMetadataManager.prepareRebalance`.
    fn prepare_rebalance(&mut self, ctx: &mut Ctx<'_, Model>, name: &str) {
        self.next_join_seq += 1;
        let seq = self.next_join_seq;
        let initial_delay = self.initial_delay;
        let Some(g) = self.groups.get_mut(name) else { return };
        if g.state == GroupState::CompletingRebalance {
            // `resetAndPropagateAssignmentWithError(REBALANCE_IN_PROGRESS)`.
            for m in g.members.values_mut() {
                if let Some(corr) = m.awaiting_sync.take() {
                    ctx.send(m.node, Msg::SyncGroupResponse { corr, error: ErrorCode::RebalanceInProgress, assignment: Vec::new() });
                }
            }
        }
        let was_empty = g.state == GroupState::Empty;
        g.state = GroupState::PreparingRebalance;
        let rebalance_timeout = g.members.values().map(|m| m.rebalance_timeout).max().unwrap_or(0);
        if let Some(t) = g.join_timer.take() {
            ctx.cancel_timer(t);
        }
        g.join_seq = seq;
        let after = if was_empty {
            let delay = initial_delay.min(rebalance_timeout);
            g.initial = Some(InitialDelay { delay, remaining: rebalance_timeout.saturating_sub(delay), new_members: false });
            delay
        } else {
            g.initial = None;
            rebalance_timeout
        };
        g.join_timer = Some(set_timer(ctx, after, GroupTimer::Join { group: name.to_string(), seq }));
        if !was_empty {
            self.try_complete_join(ctx, name);
        }
    }

    fn try_complete_join(&mut self, ctx: &mut Ctx<'_, Model>, name: &str) {
        let Some(g) = self.groups.get(name) else { return };
        if g.state == GroupState::PreparingRebalance && g.initial.is_none() && g.members.values().all(|m| m.awaiting_join.is_some()) {
            self.complete_join(ctx, name);
        }
    }

    fn join_timer_fired(&mut self, ctx: &mut Ctx<'_, Model>, name: &str, seq: u64) {
        self.next_join_seq += 1;
        let next_seq = self.next_join_seq;
        let Some(g) = self.groups.get_mut(name) else { return };
        if g.join_seq != seq || g.state != GroupState::PreparingRebalance {
            return;
        }
        g.join_timer = None;
        if let Some(init) = g.initial.as_mut() {
            // `InitialDelayedJoin.onExpiration`: extend while new members
            // keep arriving, up to the rebalance timeout.
            if init.new_members && init.remaining > 0 {
                let delay = init.delay.min(init.remaining).max(1);
                init.remaining = init.remaining.saturating_sub(delay);
                init.new_members = false;
                g.join_seq = next_seq;
                g.join_timer = Some(set_timer(ctx, delay, GroupTimer::Join { group: name.to_string(), seq: next_seq }));
                return;
            }
        }
        self.complete_join(ctx, name);
    }

    /// `GroupMetadataManager.completeClassicGroupJoin`.
    fn complete_join(&mut self, ctx: &mut Ctx<'_, Model>, name: &str) {
        let now = ctx.now();
        let Some(g) = self.groups.get_mut(name) else { return };
        if let Some(t) = g.join_timer.take() {
            ctx.cancel_timer(t);
        }
        g.initial = None;
        let missing: Vec<String> = g.members.iter().filter(|(_, m)| m.awaiting_join.is_none()).map(|(id, _)| id.clone()).collect();
        for id in missing {
            if let Some(m) = g.members.remove(&id) {
                if let Some(corr) = m.awaiting_sync {
                    ctx.send(m.node, Msg::SyncGroupResponse { corr, error: ErrorCode::UnknownMemberId, assignment: Vec::new() });
                }
            }
            g.assignment.remove(&id);
            emit(ctx, KEvent::MemberLeft { group: name.to_string(), member: id, reason: "rebalance-timeout" });
        }
        g.generation += 1;
        self.generations.insert(name.to_string(), g.generation);
        if g.members.is_empty() {
            g.state = GroupState::Empty;
            g.protocol = None;
            g.leader = None;
            g.assignment.clear();
            emit(ctx, KEvent::GroupRebalanced { group: name.to_string(), generation: g.generation, members: Vec::new() });
            return;
        }
        if g.leader.as_ref().is_none_or(|l| !g.members.contains_key(l)) {
            g.leader = g.members.iter().min_by_key(|(_, m)| m.joined).map(|(id, _)| id.clone());
        }
        let leader = g.leader.clone().unwrap_or_default();
        let prefs: Vec<(&str, &[String])> = g.members.iter().map(|(id, m)| (id.as_str(), m.protocols.as_slice())).collect();
        let protocol = select_protocol(&prefs, &leader);
        let mut topics: BTreeMap<u16, TopicInfo> = BTreeMap::new();
        for m in g.members.values() {
            for (t, tname, n) in &m.metadata {
                let e = topics.entry(*t).or_insert_with(|| TopicInfo { name: tname.clone(), partitions: 0 });
                e.partitions = e.partitions.max(*n);
            }
        }
        let subs: Vec<Subscription> =
            g.members.iter().map(|(id, m)| Subscription { member: id.clone(), topics: m.topics.clone(), owned: m.owned.clone() }).collect();
        g.assignment = assign(&protocol, &subs, &topics);
        g.protocol = Some(protocol.clone());
        g.state = GroupState::CompletingRebalance;
        for (id, m) in g.members.iter_mut() {
            m.last_seen = now;
            if let Some(corr) = m.awaiting_join.take() {
                ctx.send(
                    m.node,
                    Msg::JoinGroupResponse {
                        corr,
                        error: ErrorCode::None,
                        generation: g.generation,
                        member: id.clone(),
                        protocol: protocol.clone(),
                        leader: leader.clone(),
                    },
                );
            }
        }
        let members = g.members.keys().cloned().collect();
        emit(ctx, KEvent::GroupRebalanced { group: name.to_string(), generation: g.generation, members });
    }

    // ----- sync, heartbeat, leave ---------------------------------------------

    fn sync(&mut self, ctx: &mut Ctx<'_, Model>, from: NodeId, corr: u64, name: &str, member: &str, generation: i32) {
        let now = ctx.now();
        let reply = |ctx: &mut Ctx<'_, Model>, error| ctx.send(from, Msg::SyncGroupResponse { corr, error, assignment: Vec::new() });
        let Some(g) = self.groups.get_mut(name) else { return reply(ctx, ErrorCode::UnknownMemberId) };
        let Some(m) = g.members.get_mut(member) else { return reply(ctx, ErrorCode::UnknownMemberId) };
        if generation != g.generation {
            return reply(ctx, ErrorCode::IllegalGeneration);
        }
        m.last_seen = now;
        m.node = from;
        match g.state {
            GroupState::Empty => reply(ctx, ErrorCode::UnknownMemberId),
            GroupState::PreparingRebalance => reply(ctx, ErrorCode::RebalanceInProgress),
            GroupState::Stable => {
                let assignment = g.assignment.get(member).cloned().unwrap_or_default();
                ctx.send(from, Msg::SyncGroupResponse { corr, error: ErrorCode::None, assignment });
            }
            GroupState::CompletingRebalance => {
                if g.leader.as_deref() != Some(member) {
                    m.awaiting_sync = Some(corr);
                    return;
                }
                g.state = GroupState::Stable;
                for (id, m) in g.members.iter_mut() {
                    if let Some(c) = m.awaiting_sync.take() {
                        let assignment = g.assignment.get(id).cloned().unwrap_or_default();
                        ctx.send(m.node, Msg::SyncGroupResponse { corr: c, error: ErrorCode::None, assignment });
                    }
                }
                let assignment = g.assignment.get(member).cloned().unwrap_or_default();
                ctx.send(from, Msg::SyncGroupResponse { corr, error: ErrorCode::None, assignment });
            }
        }
    }

    /// `classicGroupHeartbeat`: unknown member, then generation, then state.
    fn heartbeat(&mut self, now: Micros, name: &str, member: &str, generation: i32) -> ErrorCode {
        let Some(g) = self.groups.get_mut(name) else { return ErrorCode::UnknownMemberId };
        let Some(m) = g.members.get_mut(member) else { return ErrorCode::UnknownMemberId };
        if generation != g.generation {
            return ErrorCode::IllegalGeneration;
        }
        m.last_seen = now;
        match g.state {
            GroupState::Empty => ErrorCode::UnknownMemberId,
            GroupState::PreparingRebalance => ErrorCode::RebalanceInProgress,
            GroupState::CompletingRebalance | GroupState::Stable => ErrorCode::None,
        }
    }

    /// Removes a member (LeaveGroup, session expiry) and rebalances.
    fn remove_member(&mut self, ctx: &mut Ctx<'_, Model>, name: &str, member: &str, reason: &'static str) {
        let Some(g) = self.groups.get_mut(name) else { return };
        let Some(m) = g.members.remove(member) else { return };
        g.assignment.remove(member);
        if let Some(corr) = m.awaiting_join {
            ctx.send(m.node, join_error(corr, ErrorCode::UnknownMemberId));
        }
        if let Some(corr) = m.awaiting_sync {
            ctx.send(m.node, Msg::SyncGroupResponse { corr, error: ErrorCode::UnknownMemberId, assignment: Vec::new() });
        }
        emit(ctx, KEvent::MemberLeft { group: name.to_string(), member: member.to_string(), reason });
        match g.state {
            GroupState::Stable | GroupState::CompletingRebalance => self.prepare_rebalance(ctx, name),
            GroupState::PreparingRebalance => self.try_complete_join(ctx, name),
            GroupState::Empty => {}
        }
    }

    fn arm_session(&mut self, ctx: &mut Ctx<'_, Model>, name: &str, member: &str) {
        let Some(m) = self.groups.get_mut(name).and_then(|g| g.members.get_mut(member)) else { return };
        if !m.session_armed {
            m.session_armed = true;
            set_timer(ctx, m.session_timeout.max(1), GroupTimer::Session { group: name.to_string(), member: member.to_string() });
        }
    }

    /// One timer per member, re-armed at its current deadline: no timer
    /// churn per heartbeat.
    fn session_timer_fired(&mut self, ctx: &mut Ctx<'_, Model>, name: &str, member: &str) {
        let now = ctx.now();
        let Some(m) = self.groups.get_mut(name).and_then(|g| g.members.get_mut(member)) else { return };
        m.session_armed = false;
        if m.awaiting_join.is_some() || m.awaiting_sync.is_some() {
            // The member waits for us: it is alive by definition.
            m.last_seen = now;
        }
        let deadline = m.last_seen.saturating_add(m.session_timeout);
        if now >= deadline {
            self.remove_member(ctx, name, member, "session-timeout");
        } else {
            m.session_armed = true;
            set_timer(ctx, deadline - now, GroupTimer::Session { group: name.to_string(), member: member.to_string() });
        }
    }

    // ----- offsets ---------------------------------------------------------

    fn validate_commit(&self, name: &str, member: &str, generation: i32) -> ErrorCode {
        match self.groups.get(name) {
            // The old coordinator's answer for an unknown group: a simple
            // (non-managed) commit is accepted, anything else is from a
            // generation that no longer exists.
            None => {
                if generation < 0 {
                    ErrorCode::None
                } else {
                    ErrorCode::IllegalGeneration
                }
            }
            Some(g) => validate_offset_commit(g.state, g.generation, g.members.contains_key(member), member, generation),
        }
    }
}

/// `ClassicGroup.validateOffsetCommit` (non-transactional, no static
/// membership): the answer to an OffsetCommit from `member` with
/// `generation` for a group in `state` at `group_generation`.
pub fn validate_offset_commit(state: GroupState, group_generation: i32, member_known: bool, member: &str, generation: i32) -> ErrorCode {
    if generation < 0 && state == GroupState::Empty {
        // Admin client or a consumer without group management.
        return ErrorCode::None;
    }
    if generation >= 0 || !member.is_empty() {
        if !member_known {
            return ErrorCode::UnknownMemberId;
        }
        if generation != group_generation {
            return ErrorCode::IllegalGeneration;
        }
    } else if state != GroupState::Empty {
        return ErrorCode::UnknownMemberId;
    }
    if state == GroupState::CompletingRebalance {
        // The member has its new generation but not its assignment yet.
        return ErrorCode::RebalanceInProgress;
    }
    ErrorCode::None
}

// ----- protocol selection and assignors ---------------------------------------

/// `ClassicGroup.selectProtocol`: among the assignors every member supports,
/// each member votes for its most preferred one; the most votes win (ties:
/// the leader's order). With no common assignor (Kafka would have refused
/// the joiner) the leader's first choice is used.
pub fn select_protocol(members: &[(&str, &[String])], leader: &str) -> String {
    let leader_prefs: &[String] = members.iter().find(|(id, _)| *id == leader).or(members.first()).map(|(_, p)| *p).unwrap_or(&[]);
    let mut order: Vec<&str> = leader_prefs.iter().map(|s| s.as_str()).collect();
    for (_, prefs) in members {
        for p in prefs.iter() {
            if !order.contains(&p.as_str()) {
                order.push(p);
            }
        }
    }
    let candidates: Vec<&str> = order.iter().copied().filter(|p| members.iter().all(|(_, prefs)| prefs.iter().any(|x| x == p))).collect();
    if candidates.is_empty() {
        return leader_prefs.first().cloned().unwrap_or_else(|| RANGE.to_string());
    }
    let mut votes = vec![0usize; candidates.len()];
    for (_, prefs) in members {
        if let Some(i) = prefs.iter().find_map(|p| candidates.iter().position(|c| c == p)) {
            votes[i] += 1;
        }
    }
    let mut best = 0;
    for i in 1..candidates.len() {
        if votes[i] > votes[best] {
            best = i;
        }
    }
    candidates[best].to_string()
}

/// A member's subscription as the assignor sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub member: String,
    /// Subscribed topics (indices).
    pub topics: Vec<u16>,
    /// Partitions the member owns now (KIP-429 `ownedPartitions`; empty for
    /// eager members, which revoked everything before rejoining).
    pub owned: Vec<Tp>,
}

/// A topic as the assignor sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicInfo {
    pub name: String,
    pub partitions: u32,
}

/// Computes the assignment with the named assignor (unknown names: range).
/// Every member appears in the result, possibly with no partitions; each
/// member's list is sorted.
pub fn assign(protocol: &str, subs: &[Subscription], topics: &BTreeMap<u16, TopicInfo>) -> BTreeMap<String, Vec<Tp>> {
    let mut out = match protocol {
        ROUNDROBIN => round_robin(subs, topics),
        COOPERATIVE_STICKY => cooperative_sticky(subs, topics),
        _ => range(subs, topics),
    };
    for v in out.values_mut() {
        v.sort();
    }
    out
}

fn empty_assignment(subs: &[Subscription]) -> BTreeMap<String, Vec<Tp>> {
    subs.iter().map(|s| (s.member.clone(), Vec::new())).collect()
}

/// Kafka orders topic-partitions by topic *name*, then partition.
fn name_order<'a>(topics: &'a BTreeMap<u16, TopicInfo>) -> impl Fn(&Tp) -> (&'a str, u16, u32) + 'a {
    move |tp: &Tp| (topics.get(&tp.0).map_or("", |t| t.name.as_str()), tp.0, tp.1)
}

/// All partitions of the given topics, in name order.
fn sorted_partitions(topics: &BTreeMap<u16, TopicInfo>, wanted: impl Fn(u16) -> bool) -> Vec<Tp> {
    let mut all: Vec<Tp> = topics.iter().filter(|(t, _)| wanted(**t)).flat_map(|(t, info)| (0..info.partitions).map(move |p| Tp(*t, p))).collect();
    let key = name_order(topics);
    all.sort_by(|a, b| key(a).cmp(&key(b)));
    all
}

/// `RangeAssignor`: per topic, the members subscribed to it in member-id
/// order take contiguous ranges; the first `partitions % members` get one
/// extra.
fn range(subs: &[Subscription], topics: &BTreeMap<u16, TopicInfo>) -> BTreeMap<String, Vec<Tp>> {
    let mut out = empty_assignment(subs);
    for (&t, info) in topics {
        let mut consumers: Vec<&str> = subs.iter().filter(|s| s.topics.contains(&t)).map(|s| s.member.as_str()).collect();
        consumers.sort_unstable();
        consumers.dedup();
        if consumers.is_empty() {
            continue;
        }
        let n = info.partitions as usize;
        let c = consumers.len();
        let (per, extra) = (n / c, n % c);
        for (i, m) in consumers.iter().enumerate() {
            let start = per * i + i.min(extra);
            let len = per + usize::from(i < extra);
            if let Some(v) = out.get_mut(*m) {
                v.extend((start..start + len).map(|p| Tp(t, p as u32)));
            }
        }
    }
    out
}

/// `RoundRobinAssignor`: all partitions in (topic name, partition) order
/// dealt to the members in member-id order, skipping members not
/// subscribed to the partition's topic; the dealer position carries across
/// topics.
fn round_robin(subs: &[Subscription], topics: &BTreeMap<u16, TopicInfo>) -> BTreeMap<String, Vec<Tp>> {
    let mut out = empty_assignment(subs);
    let mut members: Vec<&Subscription> = subs.iter().collect();
    members.sort_by(|a, b| a.member.cmp(&b.member));
    if members.is_empty() {
        return out;
    }
    let parts = sorted_partitions(topics, |t| subs.iter().any(|s| s.topics.contains(&t)));
    let mut next = 0usize;
    for tp in parts {
        for k in 0..members.len() {
            let i = (next + k) % members.len();
            if members[i].topics.contains(&tp.0) {
                if let Some(v) = out.get_mut(&members[i].member) {
                    v.push(tp);
                }
                next = (i + 1) % members.len();
                break;
            }
        }
    }
    out
}

/// `CooperativeStickyAssignor`: a balanced assignment that keeps as many
/// owned partitions as possible, then (KIP-429 `adjustAssignment`) withholds
/// every partition that another member still owns: that member is assigned
/// without it, revokes it and rejoins, and the follow-up rebalance hands it
/// over.
///
/// Owned partitions are valid when the partition exists, the owner
/// subscribes to its topic and no earlier member (member-id order) claims it.
/// (Kafka resolves double claims by the generation in the members' user
/// data, which our JoinGroup does not carry.)
fn cooperative_sticky(subs: &[Subscription], topics: &BTreeMap<u16, TopicInfo>) -> BTreeMap<String, Vec<Tp>> {
    let mut members: Vec<&Subscription> = subs.iter().collect();
    members.sort_by(|a, b| a.member.cmp(&b.member));
    members.dedup_by(|a, b| a.member == b.member);
    let key = name_order(topics);
    let mut claimed: BTreeMap<Tp, String> = BTreeMap::new();
    let mut owned: BTreeMap<String, Vec<Tp>> = BTreeMap::new();
    for m in &members {
        let mut o: Vec<Tp> = m.owned.iter().copied().filter(|tp| topics.get(&tp.0).is_some_and(|t| tp.1 < t.partitions) && m.topics.contains(&tp.0)).collect();
        o.sort_by(|a, b| key(a).cmp(&key(b)));
        o.dedup();
        o.retain(|tp| {
            if claimed.contains_key(tp) {
                false
            } else {
                claimed.insert(*tp, m.member.clone());
                true
            }
        });
        owned.insert(m.member.clone(), o);
    }
    let topic_set = |s: &Subscription| -> BTreeSet<u16> { s.topics.iter().copied().filter(|t| topics.contains_key(t)).collect() };
    let homogeneous = members.windows(2).all(|w| topic_set(w[0]) == topic_set(w[1]));
    let mut out = if homogeneous && !members.is_empty() {
        let common = topic_set(members[0]);
        constrained_assign(&members, &owned, &sorted_partitions(topics, |t| common.contains(&t)))
    } else {
        general_assign(&members, &owned, topics)
    };
    // KIP-429: never hand over a partition its owner has not revoked yet.
    for (m, parts) in out.iter_mut() {
        parts.retain(|tp| claimed.get(tp).is_none_or(|owner| owner == m));
    }
    out
}

/// `AbstractStickyAssignor.constrainedAssign` (all members subscribe to the
/// same topics): keep owned partitions up to the max quota, fill members
/// below the min quota round-robin from the unassigned partitions (in
/// order), steal from members at max quota if partitions ran out, and give
/// what is left one each to members at min quota.
fn constrained_assign(members: &[&Subscription], owned: &BTreeMap<String, Vec<Tp>>, all: &[Tp]) -> BTreeMap<String, Vec<Tp>> {
    let mut assignment: BTreeMap<String, Vec<Tp>> = members.iter().map(|m| (m.member.clone(), Vec::new())).collect();
    let c = members.len();
    if c == 0 {
        return assignment;
    }
    let min_q = all.len() / c;
    let max_q = all.len().div_ceil(c);
    let mut unassigned: Vec<Tp> = all.to_vec();
    let mut unfilled: Vec<String> = Vec::new();
    let mut min_cap: std::collections::VecDeque<String> = Default::default();
    let mut max_cap: std::collections::VecDeque<String> = Default::default();
    for m in members {
        let o = owned.get(&m.member).map(|v| v.as_slice()).unwrap_or(&[]);
        let a = assignment.entry(m.member.clone()).or_default();
        for tp in o.iter().take(max_q) {
            a.push(*tp);
            unassigned.retain(|x| x != tp);
        }
        if o.len() < min_q {
            unfilled.push(m.member.clone());
        } else {
            if a.len() == min_q {
                min_cap.push_back(m.member.clone());
            }
            if a.len() == max_q {
                max_cap.push_back(m.member.clone());
            }
        }
    }
    unfilled.sort();
    let mut pool = unassigned.into_iter();
    let mut exhausted = false;
    while !unfilled.is_empty() && !exhausted {
        let mut i = 0;
        while i < unfilled.len() {
            let Some(tp) = pool.next() else {
                exhausted = true;
                break;
            };
            let m = unfilled[i].clone();
            let a = assignment.entry(m.clone()).or_default();
            a.push(tp);
            if a.len() == min_q {
                min_cap.push_back(m);
                unfilled.remove(i);
            } else {
                i += 1;
            }
        }
    }
    for m in &unfilled {
        let mut need = min_q.saturating_sub(assignment.get(m).map_or(0, |a| a.len()));
        while need > 0 {
            let Some(over) = max_cap.pop_front() else { break };
            let stolen = assignment.get_mut(&over).filter(|a| !a.is_empty()).map(|a| a.remove(0));
            if let Some(tp) = stolen {
                assignment.entry(m.clone()).or_default().push(tp);
                need -= 1;
            }
        }
        min_cap.push_back(m.clone());
    }
    for tp in pool {
        // Defensive: if every member is full (cannot happen when the quotas
        // add up) the partition goes to the least loaded member.
        let target = min_cap.pop_front().or_else(|| assignment.iter().min_by_key(|(_, a)| a.len()).map(|(m, _)| m.clone()));
        if let Some(m) = target {
            assignment.entry(m).or_default().push(tp);
        }
    }
    assignment
}

/// Members with different subscriptions. *Simplification* of Kafka's
/// `generalAssign`: keep every valid owned partition, give each unowned
/// partition (in order) to the eligible member with the fewest partitions
/// (ties: member id), then move partitions one at a time from the most to
/// the least loaded eligible member while that narrows the gap by more than
/// one.
fn general_assign(members: &[&Subscription], owned: &BTreeMap<String, Vec<Tp>>, topics: &BTreeMap<u16, TopicInfo>) -> BTreeMap<String, Vec<Tp>> {
    let mut assignment: BTreeMap<String, Vec<Tp>> = members.iter().map(|m| (m.member.clone(), owned.get(&m.member).cloned().unwrap_or_default())).collect();
    let eligible = |tp: &Tp| -> Vec<String> { members.iter().filter(|m| m.topics.contains(&tp.0)).map(|m| m.member.clone()).collect() };
    let taken: BTreeSet<Tp> = assignment.values().flatten().copied().collect();
    for tp in sorted_partitions(topics, |t| members.iter().any(|m| m.topics.contains(&t))) {
        if taken.contains(&tp) {
            continue;
        }
        let best = eligible(&tp).into_iter().min_by_key(|m| (assignment.get(m).map_or(0, |a| a.len()), m.clone()));
        if let Some(m) = best {
            assignment.entry(m).or_default().push(tp);
        }
    }
    // Balance: bounded, since each move lowers the sum of squared loads.
    let total: usize = assignment.values().map(|a| a.len()).sum();
    for _ in 0..total * total + 1 {
        let mut best_move: Option<(usize, Tp, String, String)> = None;
        for (from, parts) in &assignment {
            for tp in parts {
                for to in eligible(tp) {
                    let (lf, lt) = (parts.len(), assignment.get(&to).map_or(0, |a| a.len()));
                    if to != *from && lt + 1 < lf {
                        let gap = lf - lt;
                        if best_move.as_ref().is_none_or(|b| gap > b.0) {
                            best_move = Some((gap, *tp, from.clone(), to.clone()));
                        }
                    }
                }
            }
        }
        let Some((_, tp, from, to)) = best_move else { break };
        if let Some(a) = assignment.get_mut(&from) {
            a.retain(|x| *x != tp);
        }
        assignment.entry(to).or_default().push(tp);
    }
    assignment
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::config::{KafkaVersion, Scope};
    use crate::kernel::actor::Effect;
    use crate::model::Event;
    use crate::rng::RngStream;

    fn topics(list: &[(u16, &str, u32)]) -> BTreeMap<u16, TopicInfo> {
        list.iter().map(|(i, n, p)| (*i, TopicInfo { name: n.to_string(), partitions: *p })).collect()
    }
    fn sub(member: &str, t: &[u16], owned: &[Tp]) -> Subscription {
        Subscription { member: member.to_string(), topics: t.to_vec(), owned: owned.to_vec() }
    }
    fn tps(list: &[(u16, u32)]) -> Vec<Tp> {
        list.iter().map(|(t, p)| Tp(*t, *p)).collect()
    }
    fn expect(pairs: &[(&str, Vec<Tp>)]) -> BTreeMap<String, Vec<Tp>> {
        pairs.iter().map(|(m, v)| (m.to_string(), v.clone())).collect()
    }

    #[test]
    fn range_matches_the_range_assignor_javadoc() {
        // RangeAssignor javadoc: C0, C1; t0, t1 with 3 partitions each →
        // C0: [t0p0, t0p1, t1p0, t1p1], C1: [t0p2, t1p2].
        let t = topics(&[(0, "t0", 3), (1, "t1", 3)]);
        let got = assign(RANGE, &[sub("C1", &[0, 1], &[]), sub("C0", &[0, 1], &[])], &t);
        assert_eq!(got, expect(&[("C0", tps(&[(0, 0), (0, 1), (1, 0), (1, 1)])), ("C1", tps(&[(0, 2), (1, 2)]))]));
        // 7 partitions over 3 members: 3 + 2 + 2, contiguous, by member id.
        let t = topics(&[(0, "orders", 7)]);
        let got = assign(RANGE, &[sub("b", &[0], &[]), sub("a", &[0], &[]), sub("c", &[0], &[])], &t);
        assert_eq!(got, expect(&[("a", tps(&[(0, 0), (0, 1), (0, 2)])), ("b", tps(&[(0, 3), (0, 4)])), ("c", tps(&[(0, 5), (0, 6)]))]));
        // More members than partitions: the last ones get nothing; a member
        // not subscribed to a topic gets none of it.
        let t = topics(&[(0, "orders", 2), (1, "audit", 1)]);
        let got = assign(RANGE, &[sub("a", &[0], &[]), sub("b", &[0, 1], &[]), sub("c", &[0], &[])], &t);
        assert_eq!(got, expect(&[("a", tps(&[(0, 0)])), ("b", tps(&[(0, 1), (1, 0)])), ("c", vec![])]));
    }

    #[test]
    fn roundrobin_matches_the_roundrobin_assignor_javadoc() {
        // Same subscriptions: C0: [t0p0, t0p2, t1p1], C1: [t0p1, t1p0, t1p2].
        let t = topics(&[(0, "t0", 3), (1, "t1", 3)]);
        let got = assign(ROUNDROBIN, &[sub("C0", &[0, 1], &[]), sub("C1", &[0, 1], &[])], &t);
        assert_eq!(got, expect(&[("C0", tps(&[(0, 0), (0, 2), (1, 1)])), ("C1", tps(&[(0, 1), (1, 0), (1, 2)]))]));
        // Different subscriptions: C0 ⊂ {t0}, C1 ⊂ {t0, t1}, C2 ⊂ {t0, t1,
        // t2} with 1, 2, 3 partitions → C0: [t0p0], C1: [t1p0],
        // C2: [t1p1, t2p0, t2p1, t2p2].
        let t = topics(&[(0, "t0", 1), (1, "t1", 2), (2, "t2", 3)]);
        let got = assign(ROUNDROBIN, &[sub("C0", &[0], &[]), sub("C1", &[0, 1], &[]), sub("C2", &[0, 1, 2], &[])], &t);
        assert_eq!(got, expect(&[("C0", tps(&[(0, 0)])), ("C1", tps(&[(1, 0)])), ("C2", tps(&[(1, 1), (2, 0), (2, 1), (2, 2)]))]));
        // Topics are dealt in *name* order, not declaration order.
        let t = topics(&[(0, "zeta", 1), (1, "alpha", 2)]);
        let got = assign(ROUNDROBIN, &[sub("a", &[0, 1], &[]), sub("b", &[0, 1], &[])], &t);
        assert_eq!(got, expect(&[("a", tps(&[(0, 0), (1, 0)])), ("b", tps(&[(1, 1)]))]));
    }

    #[test]
    fn cooperative_sticky_initial_and_after_a_member_leaves() {
        // StickyAssignor javadoc: C0, C1, C2; t0..t3 with 2 partitions each →
        // C0: [t0p0, t1p1, t3p0], C1: [t0p1, t2p0, t3p1], C2: [t1p0, t2p1].
        let t = topics(&[(0, "t0", 2), (1, "t1", 2), (2, "t2", 2), (3, "t3", 2)]);
        let all = [0, 1, 2, 3];
        let got = assign(COOPERATIVE_STICKY, &[sub("C0", &all, &[]), sub("C1", &all, &[]), sub("C2", &all, &[])], &t);
        let c0 = tps(&[(0, 0), (1, 1), (3, 0)]);
        let c2 = tps(&[(1, 0), (2, 1)]);
        assert_eq!(got, expect(&[("C0", c0.clone()), ("C1", tps(&[(0, 1), (2, 0), (3, 1)])), ("C2", c2.clone())]));
        // C1 leaves: C0 and C2 keep everything they own and share C1's
        // partitions round-robin (constrainedAssign; the javadoc's older
        // example predates it and orders the hand-over differently).
        let got = assign(COOPERATIVE_STICKY, &[sub("C0", &all, &c0), sub("C2", &all, &c2)], &t);
        assert_eq!(got, expect(&[("C0", tps(&[(0, 0), (0, 1), (1, 1), (3, 0)])), ("C2", tps(&[(1, 0), (2, 0), (2, 1), (3, 1)]))]));
    }

    #[test]
    fn cooperative_sticky_revokes_before_handing_over() {
        // a owns all three partitions, b joins: a keeps two, t0p2 must move
        // to b but a still owns it, so b gets nothing this round (KIP-429).
        let t = topics(&[(0, "orders", 3)]);
        let all = tps(&[(0, 0), (0, 1), (0, 2)]);
        let got = assign(COOPERATIVE_STICKY, &[sub("a", &[0], &all), sub("b", &[0], &[])], &t);
        assert_eq!(got, expect(&[("a", tps(&[(0, 0), (0, 1)])), ("b", vec![])]));
        // a revoked t0p2 and rejoined: now b gets it.
        let got = assign(COOPERATIVE_STICKY, &[sub("a", &[0], &tps(&[(0, 0), (0, 1)])), sub("b", &[0], &[])], &t);
        assert_eq!(got, expect(&[("a", tps(&[(0, 0), (0, 1)])), ("b", tps(&[(0, 2)]))]));
        // A partition claimed twice stays with the first claimant (member
        // id order); claims of unknown partitions are ignored.
        let got = assign(COOPERATIVE_STICKY, &[sub("a", &[0], &tps(&[(0, 1)])), sub("b", &[0], &tps(&[(0, 1), (0, 9)]))], &t);
        assert_eq!(got, expect(&[("a", tps(&[(0, 1), (0, 2)])), ("b", tps(&[(0, 0)]))]));
    }

    #[test]
    fn cooperative_sticky_with_different_subscriptions_balances() {
        let t = topics(&[(0, "orders", 2), (1, "payments", 2)]);
        let got = assign(COOPERATIVE_STICKY, &[sub("a", &[0], &[]), sub("b", &[0, 1], &[])], &t);
        assert_eq!(got, expect(&[("a", tps(&[(0, 0), (0, 1)])), ("b", tps(&[(1, 0), (1, 1)]))]));
        // b owns orders-1 and payments-0: balancing moves orders-1 to a, but
        // b must revoke it first (a gets it in the follow-up rebalance).
        let got = assign(COOPERATIVE_STICKY, &[sub("a", &[0], &[]), sub("b", &[0, 1], &tps(&[(0, 1), (1, 0)]))], &t);
        assert_eq!(got, expect(&[("a", tps(&[(0, 0)])), ("b", tps(&[(1, 0), (1, 1)]))]));
        let got = assign(COOPERATIVE_STICKY, &[sub("a", &[0], &tps(&[(0, 0)])), sub("b", &[0, 1], &tps(&[(1, 0), (1, 1)]))], &t);
        assert_eq!(got, expect(&[("a", tps(&[(0, 0), (0, 1)])), ("b", tps(&[(1, 0), (1, 1)]))]));
    }

    #[test]
    fn protocol_selection_votes_among_common_assignors() {
        let both = vec![RANGE.to_string(), COOPERATIVE_STICKY.to_string()];
        let coop = vec![COOPERATIVE_STICKY.to_string()];
        let rr = vec![ROUNDROBIN.to_string()];
        assert_eq!(select_protocol(&[("a", &both), ("b", &both)], "a"), RANGE);
        // The KIP-429 upgrade path: one member lists only cooperative-sticky.
        assert_eq!(select_protocol(&[("a", &both), ("b", &coop)], "a"), COOPERATIVE_STICKY);
        // Nothing in common (Kafka: INCONSISTENT_GROUP_PROTOCOL): leader's first.
        assert_eq!(select_protocol(&[("a", &rr), ("b", &coop)], "b"), COOPERATIVE_STICKY);
    }

    #[test]
    fn offset_commit_validation_follows_classic_group() {
        use ErrorCode as E;
        use GroupState as S;
        let v = validate_offset_commit;
        // Simple (generation -1) commits: only while the group is empty.
        assert_eq!(v(S::Empty, 3, false, "", -1), E::None);
        assert_eq!(v(S::Stable, 3, false, "", -1), E::UnknownMemberId);
        // A member id with generation -1 is validated as a member.
        assert_eq!(v(S::Stable, 3, false, "c1-1", -1), E::UnknownMemberId);
        assert_eq!(v(S::Stable, 3, true, "c1-1", -1), E::IllegalGeneration);
        // Members.
        assert_eq!(v(S::Stable, 3, true, "c1-1", 3), E::None);
        assert_eq!(v(S::Stable, 3, true, "c1-1", 2), E::IllegalGeneration);
        assert_eq!(v(S::Stable, 3, false, "c1-9", 3), E::UnknownMemberId);
        assert_eq!(v(S::Empty, 3, false, "c1-1", 3), E::UnknownMemberId);
        // Commits while a rebalance is prepared are accepted (onJoinPrepare
        // relies on it) but not while the new assignment is being synced.
        assert_eq!(v(S::PreparingRebalance, 3, true, "c1-1", 3), E::None);
        assert_eq!(v(S::CompletingRebalance, 4, true, "c1-1", 4), E::RebalanceInProgress);
        assert_eq!(v(S::CompletingRebalance, 4, true, "c1-1", 3), E::IllegalGeneration);
    }

    /// Drives a coordinator directly through its callbacks.
    struct Env {
        gc: GroupCoordinator,
        now: Micros,
        rng: RngStream,
        next_timer: u64,
        timers: Vec<(Micros, u64, GroupTimer)>,
        cancelled: Vec<u64>,
        sent: Vec<(NodeId, Msg)>,
        events: Vec<KEvent>,
    }

    impl Env {
        fn new() -> Self {
            let props = Props::defaults(KafkaVersion::DEFAULT, &[Scope::Broker]);
            Env {
                gc: GroupCoordinator::new(&props),
                now: 0,
                rng: RngStream::derive(1, "t"),
                next_timer: 0,
                timers: vec![],
                cancelled: vec![],
                sent: vec![],
                events: vec![],
            }
        }
        fn run(&mut self, f: impl FnOnce(&mut GroupCoordinator, &mut Ctx<'_, Model>)) {
            let mut effects = Vec::new();
            {
                let mut ctx = Ctx { now: self.now, node: 0, skew: 0, rng: &mut self.rng, effects: &mut effects, next_timer: &mut self.next_timer };
                f(&mut self.gc, &mut ctx);
            }
            for e in effects {
                match e {
                    Effect::Send { to, msg } => self.sent.push((to, msg)),
                    Effect::SetTimer { id, after, timer: Timer::Controller(ControllerTimer::Group(t)) } => self.timers.push((self.now + after, id, t)),
                    Effect::CancelTimer { id } => self.cancelled.push(id),
                    Effect::Emit(Event::Kafka(k)) => self.events.push(k),
                    _ => {}
                }
            }
        }
        fn msg(&mut self, from: NodeId, m: Msg) {
            self.run(|gc, ctx| gc.on_msg(ctx, from, m));
        }
        /// Advances time, firing due timers in order.
        fn advance(&mut self, to: Micros) {
            loop {
                self.timers.sort_by_key(|(t, id, _)| (*t, *id));
                let Some(pos) = self.timers.iter().position(|(t, id, _)| *t <= to && !self.cancelled.contains(id)) else { break };
                let (t, _, timer) = self.timers.remove(pos);
                self.now = t;
                self.run(|gc, ctx| gc.on_timer(ctx, timer));
            }
            self.now = to;
        }
        fn join(&mut self, from: NodeId, corr: u64, member: &str) {
            self.msg(
                from,
                Msg::JoinGroup {
                    corr,
                    group: "g".into(),
                    member: member.into(),
                    client_id: format!("c{from}"),
                    session_timeout: 10_000_000,
                    rebalance_timeout: 60_000_000,
                    topics: vec![0],
                    protocols: vec![RANGE.into()],
                    owned: vec![],
                    metadata: vec![(0, "orders".into(), 4)],
                },
            );
        }
        fn take_sent(&mut self) -> Vec<(NodeId, Msg)> {
            std::mem::take(&mut self.sent)
        }
        fn commit(&mut self, from: NodeId, member: &str, generation: i32) -> ErrorCode {
            self.msg(from, Msg::OffsetCommit { corr: 99, group: "g".into(), member: member.into(), generation, offsets: vec![(Tp(0, 0), 5)] });
            match self.take_sent().pop() {
                Some((_, Msg::OffsetCommitResponse { error, .. })) => error,
                other => panic!("no commit response: {other:?}"),
            }
        }
    }

    #[test]
    fn join_sync_heartbeat_commit_and_expiry() {
        let mut env = Env::new();
        // Two members join an empty group: the initial delay (3 s) holds the
        // first rebalance; the second joiner extends it by another 3 s.
        env.join(5, 1, "");
        env.advance(1_000_000);
        env.join(6, 1, "");
        env.advance(5_999_999);
        assert!(env.take_sent().is_empty(), "still in the initial delay");
        env.advance(6_000_000);
        let sent = env.take_sent();
        let joins: Vec<(NodeId, i32, String, String)> = sent
            .iter()
            .filter_map(|(to, m)| match m {
                Msg::JoinGroupResponse { error: ErrorCode::None, generation, member, leader, .. } => Some((*to, *generation, member.clone(), leader.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(joins, vec![(5, 1, "c5-1".into(), "c5-1".into()), (6, 1, "c6-2".into(), "c5-1".into())]);
        assert_eq!(env.events, vec![KEvent::GroupRebalanced { group: "g".into(), generation: 1, members: vec!["c5-1".into(), "c6-2".into()] }]);
        // COMPLETING_REBALANCE: commits are refused, the follower's sync waits.
        assert_eq!(env.commit(5, "c5-1", 1), ErrorCode::RebalanceInProgress);
        env.msg(6, Msg::SyncGroup { corr: 2, group: "g".into(), member: "c6-2".into(), generation: 1 });
        assert!(env.take_sent().is_empty(), "follower waits for the leader");
        env.msg(5, Msg::SyncGroup { corr: 2, group: "g".into(), member: "c5-1".into(), generation: 1 });
        let mut syncs: Vec<(NodeId, Vec<Tp>)> = env
            .take_sent()
            .into_iter()
            .filter_map(|(to, m)| match m {
                Msg::SyncGroupResponse { error: ErrorCode::None, assignment, .. } => Some((to, assignment)),
                _ => None,
            })
            .collect();
        syncs.sort();
        assert_eq!(syncs, vec![(5, tps(&[(0, 0), (0, 1)])), (6, tps(&[(0, 2), (0, 3)]))]);
        assert_eq!(env.gc.groups()[0].state, GroupState::Stable);
        // Stable: commits from the current generation are accepted, stale
        // and unknown ones are not.
        assert_eq!(env.commit(5, "c5-1", 1), ErrorCode::None);
        assert_eq!(env.commit(5, "c5-1", 0), ErrorCode::IllegalGeneration);
        assert_eq!(env.commit(9, "x-1", 1), ErrorCode::UnknownMemberId);
        assert_eq!(env.commit(9, "", -1), ErrorCode::UnknownMemberId, "a simple commit into a live group");
        assert_eq!(env.gc.committed_offset("g", Tp(0, 0)), Some(5));
        // c5 keeps heartbeating, c6 goes silent: after its session (10 s)
        // c6 is removed and a rebalance starts; c5's heartbeat says so.
        for k in 1..=5 {
            env.advance(6_000_000 + k * 3_000_000);
            env.msg(5, Msg::Heartbeat { corr: 10 + k, group: "g".into(), member: "c5-1".into(), generation: 1 });
        }
        assert!(env.events.contains(&KEvent::MemberLeft { group: "g".into(), member: "c6-2".into(), reason: "session-timeout" }));
        let hb: Vec<ErrorCode> = env
            .take_sent()
            .into_iter()
            .filter_map(|(_, m)| match m {
                Msg::HeartbeatResponse { error, .. } => Some(error),
                _ => None,
            })
            .collect();
        assert_eq!(hb.last(), Some(&ErrorCode::RebalanceInProgress));
        // Commits are still accepted while the rebalance is prepared.
        assert_eq!(env.commit(5, "c5-1", 1), ErrorCode::None);
        // c5 rejoins: it is the only member, the join completes at once.
        env.join(5, 30, "c5-1");
        assert!(env.events.contains(&KEvent::GroupRebalanced { group: "g".into(), generation: 2, members: vec!["c5-1".into()] }));
        // A coordinator crash forgets members but not offsets or generations.
        env.gc.on_crash();
        assert_eq!(env.gc.committed_offset("g", Tp(0, 0)), Some(5));
        assert_eq!(env.gc.generation("g"), Some(2));
        env.msg(5, Msg::Heartbeat { corr: 40, group: "g".into(), member: "c5-1".into(), generation: 2 });
        assert!(matches!(env.take_sent().pop(), Some((5, Msg::HeartbeatResponse { error: ErrorCode::UnknownMemberId, .. }))));
        env.join(5, 41, "");
        env.advance(env.now + 3_000_000);
        assert!(env.events.contains(&KEvent::GroupRebalanced { group: "g".into(), generation: 3, members: vec!["c5-3".into()] }));
    }

    #[test]
    fn rebalance_timeout_removes_members_that_do_not_rejoin() {
        let mut env = Env::new();
        env.join(5, 1, "");
        env.join(6, 1, "");
        // c6 joined during the initial delay: it is extended once (6 s).
        env.advance(5_999_999);
        assert!(env.events.is_empty());
        env.advance(6_000_000);
        let _ = env.take_sent();
        env.msg(5, Msg::SyncGroup { corr: 2, group: "g".into(), member: "c5-1".into(), generation: 1 });
        // A third member joins; c6 never rejoins (a long processing batch)
        // but keeps heartbeating, so only the rebalance timeout removes it.
        env.join(7, 1, "");
        env.join(5, 3, "c5-1");
        for k in 1..=20 {
            env.advance(6_000_000 + k * 3_000_000);
            env.msg(6, Msg::Heartbeat { corr: 100 + k, group: "g".into(), member: "c6-2".into(), generation: 1 });
        }
        assert!(env.events.contains(&KEvent::MemberLeft { group: "g".into(), member: "c6-2".into(), reason: "rebalance-timeout" }));
        assert!(env.events.contains(&KEvent::GroupRebalanced { group: "g".into(), generation: 2, members: vec!["c5-1".into(), "c7-3".into()] }));
        // The removed member's commit is rejected.
        assert_eq!(env.commit(6, "c6-2", 1), ErrorCode::UnknownMemberId);
        // LeaveGroup of everyone empties the group (generation bumps).
        env.msg(5, Msg::LeaveGroup { group: "g".into(), member: "c5-1".into() });
        env.msg(7, Msg::LeaveGroup { group: "g".into(), member: "c7-3".into() });
        assert_eq!(env.gc.groups()[0].state, GroupState::Empty);
        assert_eq!(env.gc.generation("g"), Some(3));
        // Now a simple commit is fine again.
        assert_eq!(env.commit(9, "", -1), ErrorCode::None);
        // An unknown group: simple commits create nothing and pass; managed
        // ones are from a generation that does not exist.
        env.msg(9, Msg::OffsetCommit { corr: 1, group: "other".into(), member: "".into(), generation: -1, offsets: vec![(Tp(0, 1), 7)] });
        env.msg(9, Msg::OffsetCommit { corr: 2, group: "nope".into(), member: "m".into(), generation: 4, offsets: vec![(Tp(0, 1), 7)] });
        let errs: Vec<ErrorCode> = env
            .take_sent()
            .into_iter()
            .filter_map(|(_, m)| match m {
                Msg::OffsetCommitResponse { error, .. } => Some(error),
                _ => None,
            })
            .collect();
        assert_eq!(errs, vec![ErrorCode::None, ErrorCode::IllegalGeneration]);
        env.msg(9, Msg::OffsetFetch { corr: 3, group: "other".into(), partitions: vec![Tp(0, 1), Tp(0, 2)] });
        assert!(matches!(env.take_sent().pop(), Some((9, Msg::OffsetFetchResponse { offsets, .. })) if offsets == vec![(Tp(0, 1), Some(7)), (Tp(0, 2), None)]));
    }
}

//! The world driver: one event queue, the nodes, the network, the nemesis
//! and the trace, advanced one event at a time by the caller.
//!
//! Like TigerBeetle's simulator and turmoil, the kernel never runs on its
//! own: the CLI calls [`Sim::run_to_end`], the browser calls [`Sim::step`] /
//! [`Sim::run_until`] from animation frames. A `Sim` is `Clone`; the mutable
//! state and the append-only trace are kept apart so that a
//! [`Snapshot`] costs the state only, and restoring one rolls the trace back
//! to the snapshot's length (exact, because the run is deterministic).

use super::actor::{Actor, Ctx, Domain, Effect, NodeId, TimerId, WORLD};
use super::fault::{CrashKind, FaultAction, Target};
use super::nemesis::{RandomFaultKind, RandomFaults, ScriptedFault, Trigger};
use super::network::{Fate, LinkConfig, Network, NetworkConfig};
use super::queue::EventQueue;
use super::trace::{DropReason, KernelEvent, Trace, TraceEvent, TraceMark, TraceRecord};
use crate::rng::RngStream;
use crate::time::Micros;
use serde::Serialize;
use std::collections::BTreeSet;

/// A node to put in the world.
#[derive(Clone, Debug)]
pub struct NodeSpec<D: Domain> {
    /// Unique, user-facing name (`"b1"`, `"p1"` …); also names its RNG streams.
    pub name: String,
    /// Group used by the random nemesis (`"brokers"`, `"consumers"` …).
    pub group: String,
    pub node: D::Node,
}

/// Everything the kernel needs to build a world.
#[derive(Clone, Debug)]
pub struct SimConfig<D: Domain> {
    pub seed: u64,
    /// Events after this time are not processed.
    pub end: Micros,
    pub network: NetworkConfig,
    pub scripted: Vec<ScriptedFault<D::Condition, D::Selector>>,
    pub random: Option<RandomFaults>,
}

/// A node's liveness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    Up,
    Paused,
    Down,
}

#[derive(Clone, Debug)]
enum Pending<D: Domain> {
    Start(NodeId),
    Deliver {
        id: u64,
        from: NodeId,
        to: NodeId,
        msg: D::Msg,
    },
    /// A TCP reset travelling back from a dead process's host.
    Refused {
        to: NodeId,
        peer: NodeId,
    },
    Timer {
        node: NodeId,
        incarnation: u32,
        id: TimerId,
        timer: D::Timer,
    },
    Scripted(usize),
    CheckConditions,
    Revert {
        label: String,
        action: FaultAction<D::Selector>,
        heal: Vec<(NodeId, NodeId)>,
    },
    NemesisTick,
    NemesisRevert(u64),
    NemesisStop,
}

#[derive(Clone, Debug)]
struct Slot<D: Domain> {
    name: String,
    group: String,
    actor: D::Node,
    status: NodeStatus,
    /// How it went down (while `status` is `Down`).
    down_kind: Option<CrashKind>,
    incarnation: u32,
    skew: i64,
    rng: RngStream,
    storage_rng: RngStream,
    /// Messages and timers that arrived while paused, in arrival order.
    held: Vec<Pending<D>>,
    /// Nodes that have a connection to this one (they sent it a message
    /// since it last started): a process crash resets their connections.
    peers: BTreeSet<NodeId>,
}

#[derive(Clone, Debug)]
struct ActiveRandom<S> {
    id: u64,
    label: String,
    revert: Option<FaultAction<S>>,
    heal: Vec<(NodeId, NodeId)>,
}

/// The mutable state of a world (everything but the trace).
#[derive(Clone, Debug)]
struct State<D: Domain> {
    seed: u64,
    now: Micros,
    end: Micros,
    queue: EventQueue<Pending<D>>,
    slots: Vec<Slot<D>>,
    network: Network,
    scripted: Vec<ScriptedFault<D::Condition, D::Selector>>,
    fired: Vec<bool>,
    random: Option<RandomFaults>,
    nemesis_rng: RngStream,
    nemesis_active: Vec<ActiveRandom<D::Selector>>,
    nemesis_count: u64,
    view: D::View,
    next_msg: u64,
    next_timer: TimerId,
    live_timers: BTreeSet<TimerId>,
    events: u64,
    finished: bool,
}

/// A simulated world.
#[derive(Clone, Debug)]
pub struct Sim<D: Domain> {
    st: State<D>,
    trace: Trace<D::Event>,
    effects: Vec<Effect<D>>,
}

/// A saved moment of a [`Sim`] (state plus the trace length).
#[derive(Clone, Debug)]
pub struct Snapshot<D: Domain> {
    st: State<D>,
    mark: TraceMarkDebug,
}

#[derive(Clone)]
struct TraceMarkDebug(TraceMark);
impl std::fmt::Debug for TraceMarkDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TraceMark")
    }
}

impl<D: Domain> Snapshot<D> {
    pub fn time(&self) -> Micros {
        self.st.now
    }
}

impl<D: Domain> Sim<D> {
    /// Builds the world; nothing runs until the caller steps it.
    pub fn new(config: SimConfig<D>, nodes: Vec<NodeSpec<D>>) -> Self {
        let seed = config.seed;
        let names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
        let slots: Vec<Slot<D>> = nodes
            .into_iter()
            .map(|n| Slot {
                rng: RngStream::derive(seed, &format!("node/{}", n.name)),
                storage_rng: RngStream::derive(seed, &format!("storage/{}", n.name)),
                name: n.name,
                group: n.group,
                actor: n.node,
                status: NodeStatus::Up,
                down_kind: None,
                peers: BTreeSet::new(),
                incarnation: 0,
                skew: 0,
                held: Vec::new(),
            })
            .collect();
        let mut queue = EventQueue::new();
        for i in 0..slots.len() {
            queue.push(0, Pending::Start(i as NodeId));
        }
        for (i, f) in config.scripted.iter().enumerate() {
            match &f.trigger {
                Trigger::At(t) => {
                    queue.push(*t, Pending::Scripted(i));
                }
                Trigger::When { after, .. } => {
                    if *after > 0 {
                        queue.push(*after, Pending::CheckConditions);
                    }
                }
            }
        }
        let mut nemesis_rng = RngStream::derive(seed, "nemesis");
        if let Some(r) = &config.random {
            if !r.kinds.is_empty() && r.mean_interval > 0 && r.stop > r.start {
                let first = r.start + exp_micros(&mut nemesis_rng, r.mean_interval);
                queue.push(first, Pending::NemesisTick);
                queue.push(r.stop, Pending::NemesisStop);
            }
        }
        let fired = vec![false; config.scripted.len()];
        Sim {
            st: State {
                seed,
                now: 0,
                end: config.end,
                queue,
                network: Network::new(seed, config.network, names),
                slots,
                scripted: config.scripted,
                fired,
                random: config.random,
                nemesis_rng,
                nemesis_active: Vec::new(),
                nemesis_count: 0,
                view: D::View::default(),
                next_msg: 0,
                next_timer: 0,
                live_timers: BTreeSet::new(),
                events: 0,
                finished: false,
            },
            trace: Trace::new(),
            effects: Vec::new(),
        }
    }

    // ----- reading --------------------------------------------------------

    pub fn seed(&self) -> u64 {
        self.st.seed
    }
    pub fn now(&self) -> Micros {
        self.st.now
    }
    pub fn end(&self) -> Micros {
        self.st.end
    }
    /// Changes the end of the run (e.g. `--until`).
    pub fn set_end(&mut self, end: Micros) {
        self.st.end = end;
        if self.st.queue.peek_time().is_some_and(|t| t <= end) {
            self.st.finished = false;
        }
    }
    pub fn trace(&self) -> &Trace<D::Event> {
        &self.trace
    }
    pub fn view(&self) -> &D::View {
        &self.st.view
    }
    /// Number of queue events processed so far.
    pub fn events_processed(&self) -> u64 {
        self.st.events
    }
    pub fn is_finished(&self) -> bool {
        self.st.finished
    }
    pub fn node_count(&self) -> usize {
        self.st.slots.len()
    }
    pub fn node(&self, id: NodeId) -> &D::Node {
        &self.st.slots[id as usize].actor
    }
    pub fn node_name(&self, id: NodeId) -> &str {
        if id == WORLD {
            return "world";
        }
        self.st.slots.get(id as usize).map(|s| s.name.as_str()).unwrap_or("?")
    }
    pub fn node_group(&self, id: NodeId) -> &str {
        &self.st.slots[id as usize].group
    }
    pub fn node_status(&self, id: NodeId) -> NodeStatus {
        self.st.slots[id as usize].status
    }
    pub fn node_skew(&self, id: NodeId) -> i64 {
        self.st.slots[id as usize].skew
    }
    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.st.slots.iter().position(|s| s.name == name).map(|i| i as NodeId)
    }
    pub fn node_names(&self) -> Vec<String> {
        self.st.slots.iter().map(|s| s.name.clone()).collect()
    }
    pub fn network(&self) -> &Network {
        &self.st.network
    }
    /// Events still queued (for benchmarks and diagnostics).
    pub fn pending_events(&self) -> usize {
        self.st.queue.len()
    }

    // ----- snapshots ------------------------------------------------------

    /// Saves the current moment. Cheap: the trace is not copied.
    pub fn snapshot(&self) -> Snapshot<D> {
        Snapshot { st: self.st.clone(), mark: TraceMarkDebug(self.trace.mark()) }
    }

    /// Returns to a moment saved from this run (the trace is rolled back).
    pub fn restore(&mut self, snap: &Snapshot<D>) {
        self.st = snap.st.clone();
        self.trace.truncate(&snap.mark.0);
    }

    // ----- driving --------------------------------------------------------

    /// Processes one event. Returns false when the run is over (no events
    /// left, or the next one is past the end).
    pub fn step(&mut self) -> bool {
        match self.st.queue.peek_time() {
            None => {
                // Nothing can happen any more: the run is over at its end.
                self.st.now = self.st.now.max(self.st.end);
                self.st.finished = true;
                false
            }
            Some(t) if t > self.st.end => {
                self.st.now = self.st.end.max(self.st.now);
                self.st.finished = true;
                false
            }
            Some(_) => {
                let Some((t, _seq, item)) = self.st.queue.pop() else {
                    return false;
                };
                self.st.now = t;
                self.st.events += 1;
                self.process(item);
                true
            }
        }
    }

    /// Processes every event up to and including time `t` (capped at the
    /// end), then sets the clock to `t`.
    pub fn run_until(&mut self, t: Micros) {
        let t = t.min(self.st.end);
        while self.st.queue.peek_time().is_some_and(|nt| nt <= t) {
            self.step();
        }
        self.st.now = self.st.now.max(t);
        if self.st.queue.peek_time().is_none_or(|nt| nt > self.st.end) && t >= self.st.end {
            self.st.finished = true;
        }
    }

    /// Runs to the end.
    pub fn run_to_end(&mut self) {
        while self.step() {}
    }

    /// Applies a fault now, as if scripted (used by lessons' `inject`
    /// steps; the web app's direct manipulation writes `[[faults]]` into the
    /// scenario text instead, see `player::inject`).
    pub fn inject(&mut self, label: &str, action: FaultAction<D::Selector>) {
        self.fire(label.to_string(), action, None);
    }

    // ----- internals ------------------------------------------------------

    fn record(&mut self, node: NodeId, ev: KernelEvent) {
        self.trace.push(TraceRecord { t: self.st.now, node, ev: TraceEvent::Kernel(ev) });
    }

    fn process(&mut self, item: Pending<D>) {
        match item {
            Pending::Start(n) => {
                self.record(n, KernelEvent::Start);
                self.call(n, |a, ctx| a.on_start(ctx));
            }
            Pending::Deliver { id, from, to, msg } => {
                if self.st.network.is_blocked(from, to) {
                    self.record(from, KernelEvent::Drop { id, to, reason: DropReason::CutInFlight });
                    return;
                }
                match self.st.slots[to as usize].status {
                    NodeStatus::Down => {
                        self.record(from, KernelEvent::Drop { id, to, reason: DropReason::NodeDown });
                        if self.st.slots[to as usize].down_kind == Some(CrashKind::Process) {
                            // The host is up and answers with a reset, which
                            // travels back over the network like any packet.
                            if let Fate::Deliver(times) = self.st.network.route(self.st.now, to, from) {
                                self.st.queue.push(times[0], Pending::Refused { to: from, peer: to });
                            }
                        }
                    }
                    NodeStatus::Paused => {
                        self.st.slots[to as usize].held.push(Pending::Deliver { id, from, to, msg });
                    }
                    NodeStatus::Up => {
                        self.st.slots[to as usize].peers.insert(from);
                        self.record(to, KernelEvent::Deliver { id, from });
                        self.call(to, |a, ctx| a.on_msg(ctx, from, msg));
                    }
                }
            }
            Pending::Refused { to, peer } => {
                if self.st.slots[to as usize].status == NodeStatus::Up && !self.st.network.is_blocked(peer, to) {
                    self.record(to, KernelEvent::ConnectionRefused { peer });
                    self.call(to, |a, ctx| a.on_unreachable(ctx, peer));
                }
            }
            Pending::Timer { node, incarnation, id, timer } => {
                let slot = &mut self.st.slots[node as usize];
                if incarnation != slot.incarnation || slot.status == NodeStatus::Down {
                    self.st.live_timers.remove(&id);
                    return;
                }
                if slot.status == NodeStatus::Paused {
                    slot.held.push(Pending::Timer { node, incarnation, id, timer });
                    return;
                }
                if self.st.live_timers.remove(&id) {
                    self.call(node, |a, ctx| a.on_timer(ctx, timer));
                }
            }
            Pending::Scripted(i) => {
                let f = self.st.scripted[i].clone();
                self.st.fired[i] = true;
                self.fire(f.label, f.action, f.duration);
            }
            Pending::CheckConditions => self.check_conditions(),
            Pending::Revert { label, action, heal } => {
                self.record(WORLD, KernelEvent::FaultFired { label: format!("{label} (end)") });
                for (a, b) in heal {
                    if self.st.network.unblock(a, b) {
                        self.record(WORLD, KernelEvent::LinkHealed { from: a, to: b });
                    }
                }
                let _ = self.apply(&label, &action);
            }
            Pending::NemesisTick => self.nemesis_tick(),
            Pending::NemesisRevert(id) => {
                if let Some(pos) = self.st.nemesis_active.iter().position(|a| a.id == id) {
                    let a = self.st.nemesis_active.remove(pos);
                    self.revert_random(a);
                }
            }
            Pending::NemesisStop => {
                let active = std::mem::take(&mut self.st.nemesis_active);
                for a in active {
                    self.revert_random(a);
                }
                self.record(WORLD, KernelEvent::NemesisHealed);
            }
        }
    }

    fn revert_random(&mut self, a: ActiveRandom<D::Selector>) {
        self.record(WORLD, KernelEvent::FaultFired { label: format!("{} (end)", a.label) });
        for (x, y) in a.heal {
            if self.st.network.unblock(x, y) {
                self.record(WORLD, KernelEvent::LinkHealed { from: x, to: y });
            }
        }
        if let Some(r) = a.revert {
            let _ = self.apply(&a.label, &r);
        }
    }

    /// Fires a fault: resolves targets, applies, schedules the revert.
    fn fire(&mut self, label: String, action: FaultAction<D::Selector>, duration: Option<Micros>) {
        let Some(resolved) = self.resolve(&action) else {
            self.record(WORLD, KernelEvent::FaultSkipped { label, why: "target resolved to no node" });
            return;
        };
        self.record(WORLD, KernelEvent::FaultFired { label: label.clone() });
        match self.apply(&label, &resolved) {
            Ok(cut) => {
                if let Some(d) = duration {
                    let inverse = match &resolved {
                        FaultAction::Partition { .. } | FaultAction::Isolate { .. } => None,
                        other => other.inverse(),
                    };
                    if let Some(inv) = inverse {
                        self.st.queue.push(self.st.now + d, Pending::Revert { label, action: inv, heal: Vec::new() });
                    } else if !cut.is_empty() {
                        self.st.queue.push(
                            self.st.now + d,
                            Pending::Revert {
                                label,
                                action: FaultAction::HealLink { from: Target::Node(WORLD), to: Target::Node(WORLD), symmetric: false },
                                heal: cut,
                            },
                        );
                    }
                }
            }
            Err(why) => self.record(WORLD, KernelEvent::FaultSkipped { label, why }),
        }
    }

    fn resolve_target(&self, t: &Target<D::Selector>) -> Option<Target<D::Selector>> {
        match t {
            Target::Node(n) => Some(Target::Node(*n)),
            Target::Select(s) => D::select(&self.st.view, s).map(Target::Node),
        }
    }

    /// Replaces every dynamic target by the node it names now (None if one
    /// names nobody).
    pub fn resolve(&self, a: &FaultAction<D::Selector>) -> Option<FaultAction<D::Selector>> {
        use FaultAction::*;
        let r = |t: &Target<D::Selector>| self.resolve_target(t);
        Some(match a {
            Crash { target, kind } => Crash { target: r(target)?, kind: *kind },
            Restart { target } => Restart { target: r(target)? },
            Pause { target } => Pause { target: r(target)? },
            Resume { target } => Resume { target: r(target)? },
            LoseDisk { target } => LoseDisk { target: r(target)? },
            ClockSkew { target, skew_us } => ClockSkew { target: r(target)?, skew_us: *skew_us },
            Partition { sides } => Partition { sides: sides.iter().map(|s| s.iter().map(r).collect::<Option<Vec<_>>>()).collect::<Option<Vec<_>>>()? },
            Isolate { target } => Isolate { target: r(target)? },
            CutLink { from, to, symmetric } => CutLink { from: r(from)?, to: r(to)?, symmetric: *symmetric },
            HealLink { from, to, symmetric } => HealLink { from: r(from)?, to: r(to)?, symmetric: *symmetric },
            HealAll => HealAll,
            SetLink { from, to, symmetric, config } => SetLink { from: r(from)?, to: r(to)?, symmetric: *symmetric, config: config.clone() },
            ResetLink { from, to, symmetric } => ResetLink { from: r(from)?, to: r(to)?, symmetric: *symmetric },
        })
    }

    /// Applies a resolved action. Returns the links it cut, or why it did
    /// not apply.
    fn apply(&mut self, _label: &str, a: &FaultAction<D::Selector>) -> Result<Vec<(NodeId, NodeId)>, &'static str> {
        use FaultAction::*;
        let node = |t: &Target<D::Selector>| match t {
            Target::Node(n) => *n,
            Target::Select(_) => WORLD,
        };
        let valid = |n: NodeId, len: usize| (n as usize) < len;
        let len = self.st.slots.len();
        let mut cut = Vec::new();
        match a {
            Crash { target, kind } => {
                let n = node(target);
                if !valid(n, len) {
                    return Err("no such node");
                }
                if self.st.slots[n as usize].status == NodeStatus::Down {
                    return Err("node already down");
                }
                self.crash(n, *kind);
            }
            Restart { target } => {
                let n = node(target);
                if !valid(n, len) {
                    return Err("no such node");
                }
                if self.st.slots[n as usize].status != NodeStatus::Down {
                    return Err("node is not down");
                }
                self.st.slots[n as usize].status = NodeStatus::Up;
                self.st.slots[n as usize].down_kind = None;
                self.record(n, KernelEvent::Restart);
                self.call(n, |a, ctx| a.on_restart(ctx));
            }
            Pause { target } => {
                let n = node(target);
                if !valid(n, len) {
                    return Err("no such node");
                }
                if self.st.slots[n as usize].status != NodeStatus::Up {
                    return Err("node is not up");
                }
                self.st.slots[n as usize].status = NodeStatus::Paused;
                self.record(n, KernelEvent::Pause);
            }
            Resume { target } => {
                let n = node(target);
                if !valid(n, len) {
                    return Err("no such node");
                }
                if self.st.slots[n as usize].status != NodeStatus::Paused {
                    return Err("node is not paused");
                }
                self.st.slots[n as usize].status = NodeStatus::Up;
                self.record(n, KernelEvent::Resume);
                let held = std::mem::take(&mut self.st.slots[n as usize].held);
                for item in held {
                    self.st.queue.push(self.st.now, item);
                }
            }
            LoseDisk { target } => {
                let n = node(target);
                if !valid(n, len) {
                    return Err("no such node");
                }
                if self.st.slots[n as usize].status != NodeStatus::Down {
                    self.crash(n, CrashKind::Machine);
                }
                self.st.slots[n as usize].actor.on_disk_loss();
                self.record(n, KernelEvent::DiskLost);
            }
            ClockSkew { target, skew_us } => {
                let n = node(target);
                if !valid(n, len) {
                    return Err("no such node");
                }
                self.st.slots[n as usize].skew = *skew_us;
                self.record(n, KernelEvent::ClockSkew { skew_us: *skew_us });
            }
            Partition { sides } => {
                let sides: Vec<Vec<NodeId>> = sides.iter().map(|s| s.iter().map(node).filter(|n| valid(*n, len)).collect()).collect();
                for i in 0..sides.len() {
                    for j in 0..sides.len() {
                        if i == j {
                            continue;
                        }
                        for &x in &sides[i] {
                            for &y in &sides[j] {
                                if self.st.network.block(x, y) {
                                    cut.push((x, y));
                                    self.record(WORLD, KernelEvent::LinkCut { from: x, to: y });
                                }
                            }
                        }
                    }
                }
            }
            Isolate { target } => {
                let n = node(target);
                if !valid(n, len) {
                    return Err("no such node");
                }
                for other in 0..len as NodeId {
                    for (x, y) in [(n, other), (other, n)] {
                        if self.st.network.block(x, y) {
                            cut.push((x, y));
                            self.record(WORLD, KernelEvent::LinkCut { from: x, to: y });
                        }
                    }
                }
            }
            CutLink { from, to, symmetric } => {
                let (f, t) = (node(from), node(to));
                if !valid(f, len) || !valid(t, len) {
                    return Err("no such node");
                }
                let mut pairs = vec![(f, t)];
                if *symmetric {
                    pairs.push((t, f));
                }
                for (x, y) in pairs {
                    if self.st.network.block(x, y) {
                        cut.push((x, y));
                        self.record(WORLD, KernelEvent::LinkCut { from: x, to: y });
                    }
                }
            }
            HealLink { from, to, symmetric } => {
                let (f, t) = (node(from), node(to));
                if f == WORLD && t == WORLD {
                    return Ok(cut); // the heal-by-list revert marker
                }
                let mut pairs = vec![(f, t)];
                if *symmetric {
                    pairs.push((t, f));
                }
                for (x, y) in pairs {
                    if self.st.network.unblock(x, y) {
                        self.record(WORLD, KernelEvent::LinkHealed { from: x, to: y });
                    }
                }
            }
            HealAll => {
                for (x, y) in self.st.network.heal_all() {
                    self.record(WORLD, KernelEvent::LinkHealed { from: x, to: y });
                }
            }
            SetLink { from, to, symmetric, config } => {
                self.set_link(node(from), node(to), *symmetric, Some(config.clone()));
            }
            ResetLink { from, to, symmetric } => {
                self.set_link(node(from), node(to), *symmetric, None);
            }
        }
        Ok(cut)
    }

    fn set_link(&mut self, f: NodeId, t: NodeId, symmetric: bool, cfg: Option<LinkConfig>) {
        let mut pairs = vec![(f, t)];
        if symmetric {
            pairs.push((t, f));
        }
        for (x, y) in pairs {
            match &cfg {
                Some(c) => self.st.network.set_override(x, y, c.clone()),
                None => self.st.network.clear_override(x, y),
            }
            self.record(WORLD, KernelEvent::LinkChanged { from: x, to: y, reset: cfg.is_none() });
        }
    }

    fn crash(&mut self, n: NodeId, kind: CrashKind) {
        let slot = &mut self.st.slots[n as usize];
        slot.status = NodeStatus::Down;
        slot.down_kind = Some(kind);
        slot.incarnation += 1;
        slot.held.clear();
        slot.actor.on_crash(kind, &mut slot.storage_rng);
        let peers = std::mem::take(&mut slot.peers);
        self.record(n, KernelEvent::Crash { kind });
        if kind == CrashKind::Process {
            // The OS closes the dead process's sockets: every connected peer
            // gets a reset (if the network lets it through). After a machine
            // crash nothing is sent; peers find out by timing out.
            for p in peers {
                if let Fate::Deliver(times) = self.st.network.route(self.st.now, n, p) {
                    self.st.queue.push(times[0], Pending::Refused { to: p, peer: n });
                }
            }
        }
    }

    fn check_conditions(&mut self) {
        for i in 0..self.st.scripted.len() {
            if self.st.fired[i] {
                continue;
            }
            if let Trigger::When { cond, after, delay } = &self.st.scripted[i].trigger {
                if self.st.now >= *after && D::holds(&self.st.view, cond) {
                    self.st.fired[i] = true;
                    let at = self.st.now + *delay;
                    self.st.queue.push(at, Pending::Scripted(i));
                }
            }
        }
    }

    fn has_pending_conditions(&self) -> bool {
        self.st.scripted.iter().zip(&self.st.fired).any(|(f, fired)| !fired && matches!(f.trigger, Trigger::When { .. }))
    }

    fn nemesis_tick(&mut self) {
        let Some(cfg) = self.st.random.clone() else { return };
        if self.st.now >= cfg.stop {
            return;
        }
        let next = self.st.now + exp_micros(&mut self.st.nemesis_rng, cfg.mean_interval);
        if next < cfg.stop {
            self.st.queue.push(next, Pending::NemesisTick);
        }
        if cfg.max_concurrent > 0 && self.st.nemesis_active.len() >= cfg.max_concurrent as usize {
            return;
        }
        let kind = cfg.kinds[self.st.nemesis_rng.below(cfg.kinds.len() as u64) as usize];
        let eligible: Vec<NodeId> = (0..self.st.slots.len() as NodeId)
            .filter(|&n| {
                let s = &self.st.slots[n as usize];
                s.status == NodeStatus::Up && cfg.targets.contains(&s.group)
            })
            .collect();
        if eligible.is_empty() {
            return;
        }
        let target = eligible[self.st.nemesis_rng.below(eligible.len() as u64) as usize];
        let duration = exp_micros(&mut self.st.nemesis_rng, cfg.mean_duration).max(1_000);
        let t = Target::Node(target);
        let action: FaultAction<D::Selector> = match kind {
            RandomFaultKind::Kill => FaultAction::Crash { target: t, kind: CrashKind::Process },
            RandomFaultKind::MachineCrash => FaultAction::Crash { target: t, kind: CrashKind::Machine },
            RandomFaultKind::Pause => FaultAction::Pause { target: t },
            RandomFaultKind::Isolate => FaultAction::Isolate { target: t },
            RandomFaultKind::LoseDisk => FaultAction::LoseDisk { target: t },
            RandomFaultKind::ClockSkew => {
                let span = cfg.max_skew.max(1);
                let mag = self.st.nemesis_rng.range_inclusive(1, span) as i64;
                let skew = if self.st.nemesis_rng.chance(0.5) { -mag } else { mag };
                FaultAction::ClockSkew { target: t, skew_us: skew }
            }
            RandomFaultKind::CutLink => {
                let others: Vec<NodeId> = (0..self.st.slots.len() as NodeId).filter(|&n| n != target).collect();
                if others.is_empty() {
                    return;
                }
                let other = others[self.st.nemesis_rng.below(others.len() as u64) as usize];
                let (from, to) = if self.st.nemesis_rng.chance(0.5) { (target, other) } else { (other, target) };
                FaultAction::CutLink { from: Target::Node(from), to: Target::Node(to), symmetric: false }
            }
        };
        self.st.nemesis_count += 1;
        let id = self.st.nemesis_count;
        let label = format!("nemesis#{id}");
        self.record(WORLD, KernelEvent::FaultFired { label: label.clone() });
        match self.apply(&label, &action) {
            Ok(cut) => {
                let revert = match &action {
                    FaultAction::Isolate { .. } | FaultAction::CutLink { .. } => None,
                    other => other.inverse(),
                };
                self.st.nemesis_active.push(ActiveRandom { id, label, revert, heal: cut });
                self.st.queue.push(self.st.now + duration, Pending::NemesisRevert(id));
            }
            Err(why) => self.record(WORLD, KernelEvent::FaultSkipped { label, why }),
        }
    }

    /// Runs one actor callback and applies its effects in order.
    fn call<F>(&mut self, n: NodeId, f: F)
    where
        F: FnOnce(&mut D::Node, &mut Ctx<'_, D>),
    {
        let mut effects = std::mem::take(&mut self.effects);
        {
            let now = self.st.now;
            let slot = &mut self.st.slots[n as usize];
            let mut ctx = Ctx { now, node: n, skew: slot.skew, rng: &mut slot.rng, effects: &mut effects, next_timer: &mut self.st.next_timer };
            f(&mut slot.actor, &mut ctx);
        }
        let mut emitted = false;
        for e in effects.drain(..) {
            match e {
                Effect::Send { to, msg } => self.send(n, to, msg),
                Effect::SetTimer { id, after, timer } => {
                    let incarnation = self.st.slots[n as usize].incarnation;
                    self.st.live_timers.insert(id);
                    self.st.queue.push(self.st.now.saturating_add(after), Pending::Timer { node: n, incarnation, id, timer });
                }
                Effect::CancelTimer { id } => {
                    self.st.live_timers.remove(&id);
                }
                Effect::Emit(ev) => {
                    D::observe(&mut self.st.view, self.st.now, n, &ev);
                    self.trace.push(TraceRecord { t: self.st.now, node: n, ev: TraceEvent::Domain(ev) });
                    emitted = true;
                }
            }
        }
        self.effects = effects;
        if emitted && self.has_pending_conditions() {
            self.check_conditions();
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: D::Msg) {
        let id = self.st.next_msg;
        self.st.next_msg += 1;
        let kind = D::msg_kind(&msg);
        self.record(from, KernelEvent::Send { id, to, kind });
        if to as usize >= self.st.slots.len() {
            self.record(from, KernelEvent::Drop { id, to, reason: DropReason::Lost });
            return;
        }
        match self.st.network.route(self.st.now, from, to) {
            Fate::Partitioned => self.record(from, KernelEvent::Drop { id, to, reason: DropReason::Partitioned }),
            Fate::Lost => self.record(from, KernelEvent::Drop { id, to, reason: DropReason::Lost }),
            Fate::Deliver(times) => {
                let mut times = times.into_iter();
                if let Some(t0) = times.next() {
                    if let Some(t1) = times.next() {
                        let copy = self.st.next_msg;
                        self.st.next_msg += 1;
                        self.record(from, KernelEvent::Duplicate { id, copy });
                        self.st.queue.push(t1, Pending::Deliver { id: copy, from, to, msg: msg.clone() });
                    }
                    self.st.queue.push(t0, Pending::Deliver { id, from, to, msg });
                }
            }
        }
    }
}

/// An exponential draw with the given mean, in whole microseconds (≥ 1).
fn exp_micros(rng: &mut RngStream, mean: Micros) -> Micros {
    let x = rng.exponential(mean as f64);
    if x.is_finite() {
        (x.round() as u64).clamp(1, u64::MAX / 4)
    } else {
        1
    }
}

/// Nodes in a group, by id (for domains building selectors).
pub fn group_members<D: Domain>(sim: &Sim<D>, group: &str) -> Vec<NodeId> {
    (0..sim.node_count() as NodeId).filter(|&n| sim.node_group(n) == group).collect()
}

//! The cluster view: every node (controller, brokers, producers, consumers,
//! jobs) with its status, and the links between the nodes that talk to each
//! other, drawn as a graph with the network's current cuts and faults.
//!
//! Who talks to whom, as in Kafka:
//! * every broker heartbeats the (KRaft) controller;
//! * each follower fetches from its partition's leader (replication);
//! * a producer sends to the leaders of its topic's partitions, a
//!   transactional one also to its transaction coordinator;
//! * a consumer fetches from the leaders of its assigned partitions and, in
//!   a group, talks to the group coordinator;
//! * a stream job reads its source partitions from their leaders and writes
//!   its Kafka sink like a producer.
//!
//! Simplifications, following the model (ARCHITECTURE.md): there is one
//! controller node, and it also hosts the group and transaction
//! coordinators (Kafka: the brokers leading `__consumer_offsets` /
//! `__transaction_state`), so those links end at the controller. The
//! controller is "active" whenever it is up (no Raft quorum to lose).
//! Links that carry no regular traffic are drawn only while they are cut and
//! touch a broker or the controller, so a partition's full cut is visible.
//!
//! Everything comes from the trace: leaders from the incremental
//! [`crate::kafka::view::ClusterView`] (`sim.view()`), fencing, assignments
//! and groups from [`ClusterFold`], which consumes only the records appended
//! since its last call; node liveness and link state are the kernel's
//! (`node_status`, `network()`), which the trace records as events but the
//! kernel already folds.

mod layout;
mod reach;

pub use layout::{Curve, Point, NODE_H, NODE_W};

use crate::kafka::events::KEvent;
use crate::kafka::types::Tp;
use crate::kernel::network::Network;
use crate::kernel::{Latency, NodeStatus, TraceEvent};
use crate::model::{Event, Node};
use crate::scenario::jobs::{DeliveryGuarantee, SinkSpec, SourceRef};
use crate::time::Micros;
use crate::world::World;
use layout::Row;
use serde::Serialize;
use std::collections::BTreeMap;

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Controller,
    Broker,
    Producer,
    Consumer,
    Job,
}

impl NodeKind {
    /// The word shown on the node (and its glossary term).
    pub fn word(self) -> &'static str {
        match self {
            NodeKind::Controller => "controller",
            NodeKind::Broker => "broker",
            NodeKind::Producer => "producer",
            NodeKind::Consumer => "consumer",
            NodeKind::Job => "job",
        }
    }
}

/// The state of a link, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkState {
    /// Blocked in both directions.
    Cut,
    /// Blocked in one direction only (see `EdgeModel::forward_cut`).
    CutOneWay,
    /// Open, but loses messages.
    Lossy,
    /// Open, but slower than the network's default.
    Slow,
    Ok,
}

impl LinkState {
    /// The word for `data-state` and labels.
    pub fn word(self) -> &'static str {
        match self {
            LinkState::Cut => "cut",
            LinkState::CutOneWay => "cut-one-way",
            LinkState::Lossy => "lossy",
            LinkState::Slow => "slow",
            LinkState::Ok => "ok",
        }
    }
}

/// One node as drawn.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeModel {
    /// The scenario's name (`b1`, `p1`, `controller` …).
    pub name: String,
    pub kind: NodeKind,
    /// "up", "paused" or "down".
    pub status: &'static str,
    /// A broker the controller fenced (missed heartbeats or restarted, and
    /// not unfenced since): it leads nothing and is in no ISR.
    pub fenced: bool,
    /// The controller, while it is up.
    pub active_controller: bool,
    /// How many partitions the controller has this broker leading.
    pub leads: u32,
    /// What a consumer or job reads: its assigned partitions (`orders-0`),
    /// or its topics / inputs before it has an assignment.
    pub reads: Vec<String>,
    /// What a producer or job writes (topic names, "print", "upsert table").
    pub writes: Vec<String>,
    /// Index into [`ClusterModel::sides`].
    pub side: usize,
    /// Whether the link to and from the controller is open (and the
    /// controller up); true for the controller itself.
    pub reaches_controller: bool,
    /// Centre in view-box units.
    pub at: Point,
}

/// A link between two nodes that talk to each other (drawn from the client
/// to the server: requests go `from` → `to`, answers come back).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EdgeModel {
    pub from: String,
    pub to: String,
    /// Why the two talk, in words ("heartbeats", "replication: orders-0" …);
    /// empty for a cut link that carries no regular traffic.
    pub roles: Vec<String>,
    pub state: LinkState,
    /// `from` → `to` is blocked.
    pub forward_cut: bool,
    /// `to` → `from` is blocked.
    pub backward_cut: bool,
    /// The state in a sentence, for the tooltip.
    pub detail: String,
    pub curve: Curve,
}

/// One side of a network partition: nodes that can reach each other.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SideModel {
    pub nodes: Vec<String>,
    /// The controller is on this side.
    pub has_controller: bool,
    /// Brokers on this side, and how many brokers there are in all.
    pub brokers: u32,
    pub brokers_total: u32,
}

/// The whole picture at the world's current moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterModel {
    pub now: Micros,
    /// The view box (`0 0 width height`).
    pub width: i32,
    pub height: i32,
    pub nodes: Vec<NodeModel>,
    pub edges: Vec<EdgeModel>,
    /// Connected groups under the current cuts (one when nothing is cut).
    pub sides: Vec<SideModel>,
    /// What the picture means, in sentences (empty when all is well).
    pub notes: Vec<String>,
}

impl ClusterModel {
    pub fn node(&self, name: &str) -> Option<&NodeModel> {
        self.nodes.iter().find(|n| n.name == name)
    }
    /// The link between two nodes, whichever way it is drawn.
    pub fn edge(&self, a: &str, b: &str) -> Option<&EdgeModel> {
        self.edges.iter().find(|e| (e.from == a && e.to == b) || (e.from == b && e.to == a))
    }
}

/// The part of the picture only the trace knows, folded incrementally:
/// which brokers the controller fenced, each client's current assignment
/// and consumer group.
#[derive(Clone, Debug, Default)]
pub struct ClusterFold {
    pos: usize,
    fenced: BTreeMap<u32, bool>,
    assigned: BTreeMap<u32, Vec<Tp>>,
    groups: BTreeMap<u32, String>,
}

impl ClusterFold {
    pub fn new() -> Self {
        ClusterFold::default()
    }

    /// Consumes the trace records appended since the last call (starts
    /// over if the trace got shorter: a restored snapshot). A caller that
    /// replaces the world must start a new fold.
    pub fn advance(&mut self, world: &World) {
        let recs = world.sim.trace().records();
        if recs.len() < self.pos {
            *self = ClusterFold::new();
        }
        for r in &recs[self.pos..] {
            let TraceEvent::Domain(Event::Kafka(ev)) = &r.ev else { continue };
            match ev {
                KEvent::BrokerRegistered { broker, .. } | KEvent::BrokerUnfenced { broker } => {
                    self.fenced.insert(*broker, false);
                }
                KEvent::BrokerFenced { broker, .. } => {
                    self.fenced.insert(*broker, true);
                }
                KEvent::Assigned { partitions, .. } => {
                    self.assigned.insert(r.node, partitions.clone());
                }
                KEvent::ConsumerGroup { group } => {
                    self.groups.insert(r.node, group.clone());
                }
                _ => {}
            }
        }
        self.pos = recs.len();
    }

    /// The picture at the world's current moment (call [`Self::advance`]
    /// first).
    pub fn model(&self, world: &World) -> ClusterModel {
        build(self, world)
    }
}

/// The cluster view of `world` now, folding its whole trace (the web app
/// keeps a [`ClusterFold`] instead, which costs only the new records).
pub fn cluster(world: &World) -> ClusterModel {
    let mut f = ClusterFold::new();
    f.advance(world);
    f.model(world)
}

fn status_word(s: NodeStatus) -> &'static str {
    match s {
        NodeStatus::Up => "up",
        NodeStatus::Paused => "paused",
        NodeStatus::Down => "down",
    }
}

/// "9 s", "250 ms": a configured duration as people say it.
fn human(us: Micros) -> String {
    if us == u64::MAX {
        "never".into()
    } else if us >= 1_000_000 && us.is_multiple_of(100_000) {
        let tenths = us / 100_000;
        if tenths.is_multiple_of(10) {
            format!("{} s", tenths / 10)
        } else {
            format!("{}.{} s", tenths / 10, tenths % 10)
        }
    } else if us >= 1_000 {
        format!("{} ms", us / 1_000)
    } else {
        format!("{us} µs")
    }
}

/// The mean one-way latency of a distribution, in µs.
fn mean_latency(l: &Latency) -> u64 {
    match l {
        Latency::Constant { value, jitter } => value.0 + jitter.0 / 2,
        Latency::Uniform { min, max, jitter } => (min.0 + max.0.max(min.0)) / 2 + jitter.0 / 2,
        Latency::Exponential { mean, min, jitter } => min.0 + mean.0 + jitter.0 / 2,
    }
}

/// The state of the link between `a` and `b` (both directions), with a
/// sentence saying why.
fn link_state(world: &World, net: &Network, a: u32, b: u32) -> (LinkState, bool, bool, String) {
    let (na, nb) = (world.sim.node_name(a), world.sim.node_name(b));
    let (fwd, back) = (net.is_blocked(a, b), net.is_blocked(b, a));
    if fwd && back {
        return (LinkState::Cut, true, true, format!("cut both ways: nothing gets through between {na} and {nb}"));
    }
    if fwd || back {
        let (x, y) = if fwd { (na, nb) } else { (nb, na) };
        return (
            LinkState::CutOneWay,
            fwd,
            back,
            format!("cut one way: {x} → {y} is blocked, {y} → {x} still gets through (requests or their answers are lost)"),
        );
    }
    let (ca, cb) = (net.link_config(a, b), net.link_config(b, a));
    let loss = ca.loss.max(cb.loss);
    let lat = mean_latency(&ca.latency).max(mean_latency(&cb.latency));
    let base = mean_latency(&world.scenario.network.default.latency);
    let slow = lat > base.saturating_mul(2) && lat > base + 1_000;
    let latency = format!("about {} per message (network default {})", human(lat), human(base));
    if loss > 0.0 {
        let pct = (loss * 1000.0).round() / 10.0;
        return (LinkState::Lossy, false, false, format!("lossy: loses {pct}% of messages; {latency}"));
    }
    if slow {
        return (LinkState::Slow, false, false, format!("slow: {latency}"));
    }
    (LinkState::Ok, false, false, format!("ok: {latency}"))
}

/// Edges while they are being collected: roles per unordered pair, kept in
/// the direction first seen.
#[derive(Default)]
struct Edges {
    order: Vec<(u32, u32)>,
    roles: BTreeMap<(u32, u32), Vec<String>>,
}

impl Edges {
    fn add(&mut self, from: u32, to: u32, role: String) {
        if from == to {
            return;
        }
        let key = if self.roles.contains_key(&(to, from)) { (to, from) } else { (from, to) };
        let roles = self.roles.entry(key).or_insert_with(|| {
            self.order.push(key);
            Vec::new()
        });
        if !role.is_empty() && !roles.contains(&role) {
            roles.push(role);
        }
    }
    fn has(&self, a: u32, b: u32) -> bool {
        self.roles.contains_key(&(a, b)) || self.roles.contains_key(&(b, a))
    }
}

fn build(fold: &ClusterFold, world: &World) -> ClusterModel {
    let sim = &world.sim;
    let sc = &world.scenario;
    let view = &sim.view().cluster;
    let has_kafka = sc.brokers > 0;
    const CONTROLLER: u32 = 0;

    // Which nodes are drawn: everything but a controller without brokers.
    let ids: Vec<u32> = (0..sim.node_count() as u32).filter(|&id| has_kafka || !matches!(sim.node(id), Node::Controller(_))).collect();
    let kind_of = |id: u32| match sim.node(id) {
        Node::Controller(_) => NodeKind::Controller,
        Node::Broker(_) => NodeKind::Broker,
        Node::Producer(_) => NodeKind::Producer,
        Node::Consumer(_) => NodeKind::Consumer,
        Node::Job(_) => NodeKind::Job,
    };
    let name = |id: u32| sim.node_name(id).to_string();
    let tp_names = |tps: &[Tp]| tps.iter().map(|tp| world.tp_name(*tp)).collect::<Vec<_>>();
    let topic_tps = |t: usize| (0..sc.topics.get(t).map_or(0, |t| t.partitions)).map(move |p| Tp(t as u16, p)).collect::<Vec<_>>();
    let topic_index = |n: &str| sc.topics.iter().position(|t| t.name == n);
    let leader_of = |tp: Tp| view.partitions.get(&tp).and_then(|p| p.leader);

    let mut leads: BTreeMap<u32, u32> = BTreeMap::new();
    for p in view.partitions.values() {
        if let Some(l) = p.leader {
            *leads.entry(l).or_default() += 1;
        }
    }

    // ---- who talks to whom ----
    let mut edges = Edges::default();
    if has_kafka {
        for b in 1..=sc.brokers {
            edges.add(b, CONTROLLER, "heartbeats".into());
        }
        // Follower → leader, grouped per pair.
        let mut fetches: BTreeMap<(u32, u32), Vec<Tp>> = BTreeMap::new();
        for (ti, t) in sc.topics.iter().enumerate() {
            for (p, replicas) in t.assignment.iter().enumerate() {
                let tp = Tp(ti as u16, p as u32);
                if let Some(l) = leader_of(tp) {
                    for &r in replicas.iter().filter(|&&r| r != l) {
                        fetches.entry((r, l)).or_default().push(tp);
                    }
                }
            }
        }
        for ((f, l), tps) in &fetches {
            edges.add(*f, *l, format!("replication: {}", tp_names(tps).join(", ")));
        }
    }
    let mut reads: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut writes: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let to_leaders = |edges: &mut Edges, id: u32, tps: &[Tp], verb: &str| {
        let mut per: BTreeMap<u32, Vec<Tp>> = BTreeMap::new();
        for &tp in tps {
            if let Some(l) = leader_of(tp) {
                per.entry(l).or_default().push(tp);
            }
        }
        for (l, tps) in per {
            edges.add(id, l, format!("{verb}: {}", tp_names(&tps).join(", ")));
        }
    };
    for &id in &ids {
        match sim.node(id) {
            Node::Producer(_) => {
                let Some(spec) = sc.producers.iter().find(|p| p.name == sim.node_name(id)) else { continue };
                writes.insert(id, vec![spec.topic.clone()]);
                if let Some(t) = topic_index(&spec.topic) {
                    to_leaders(&mut edges, id, &topic_tps(t), "produce");
                }
                if !spec.config.list("transactional.id").is_empty() {
                    edges.add(id, CONTROLLER, "transaction coordinator".into());
                }
            }
            Node::Consumer(_) => {
                let Some(spec) = sc.consumers.iter().find(|c| c.name == sim.node_name(id)) else { continue };
                let tps = match fold.assigned.get(&id) {
                    Some(a) if !a.is_empty() => a.clone(),
                    _ => Vec::new(),
                };
                if tps.is_empty() {
                    reads.insert(id, spec.topics.clone());
                } else {
                    reads.insert(id, tp_names(&tps));
                    to_leaders(&mut edges, id, &tps, "fetch");
                }
                if let Some(g) = fold.groups.get(&id).or(spec.group.as_ref()) {
                    edges.add(id, CONTROLLER, format!("group coordinator: {g}"));
                }
            }
            Node::Job(_) => {
                let Some(spec) = sc.jobs.iter().find(|j| j.name == sim.node_name(id)) else { continue };
                let assigned = fold.assigned.get(&id).cloned().unwrap_or_default();
                let mut r = Vec::new();
                for s in &spec.sources {
                    match s {
                        SourceRef::Input(i) => r.push(format!("input {}", sc.inputs.get(*i).map_or("?", |x| x.name.as_str()))),
                        SourceRef::Topic(t) => {
                            let mine: Vec<Tp> = assigned.iter().copied().filter(|tp| tp.0 as usize == *t).collect();
                            let tps = if mine.is_empty() { topic_tps(*t) } else { mine };
                            r.extend(tp_names(&tps));
                            to_leaders(&mut edges, id, &tps, "job source");
                        }
                    }
                }
                reads.insert(id, r);
                let w = match &spec.sink {
                    SinkSpec::Print => "print".to_string(),
                    SinkSpec::Upsert => "upsert table".to_string(),
                    SinkSpec::Kafka { topic, guarantee, .. } => {
                        to_leaders(&mut edges, id, &topic_tps(*topic), "job sink");
                        if *guarantee == DeliveryGuarantee::ExactlyOnce {
                            edges.add(id, CONTROLLER, "transaction coordinator".into());
                        }
                        sc.topics.get(*topic).map_or("?".into(), |t| t.name.clone())
                    }
                };
                writes.insert(id, vec![w]);
            }
            _ => {}
        }
    }
    // Cut links without regular traffic, if they touch the cluster.
    let net = sim.network();
    for (a, b) in net.blocked_links() {
        let server = |n: u32| matches!(sim.node(n), Node::Controller(_) | Node::Broker(_));
        if ids.contains(&a) && ids.contains(&b) && (server(a) || server(b)) && !edges.has(a, b) {
            let (x, y) = if a < b { (a, b) } else { (b, a) };
            edges.add(x, y, String::new());
        }
    }

    // ---- sides under the current cuts (petgraph) ----
    let side_lists = reach::sides(net, &ids);
    let mut side_of = vec![0usize; ids.len()];
    for (s, members) in side_lists.iter().enumerate() {
        for &i in members {
            side_of[i] = s;
        }
    }
    let controller_up = has_kafka && sim.node_status(CONTROLLER) == NodeStatus::Up;
    let reaches = |id: u32| has_kafka && (id == CONTROLLER || (controller_up && !net.is_blocked(id, CONTROLLER) && !net.is_blocked(CONTROLLER, id)));
    let sides: Vec<SideModel> = side_lists
        .iter()
        .map(|m| SideModel {
            nodes: m.iter().map(|&i| name(ids[i])).collect(),
            has_controller: has_kafka && m.iter().any(|&i| ids[i] == CONTROLLER),
            brokers: m.iter().filter(|&&i| kind_of(ids[i]) == NodeKind::Broker).count() as u32,
            brokers_total: sc.brokers,
        })
        .collect();

    // ---- layout ----
    let rows: Vec<Row> = ids
        .iter()
        .map(|&id| match kind_of(id) {
            NodeKind::Controller => Row::Controller,
            NodeKind::Broker => Row::Brokers,
            _ => Row::Clients,
        })
        .collect();
    let (points, width, height) = layout::place(&rows);
    let pos = |id: u32| ids.iter().position(|&x| x == id).map(|i| points[i]);

    let nodes: Vec<NodeModel> = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            let kind = kind_of(id);
            NodeModel {
                name: name(id),
                kind,
                status: status_word(sim.node_status(id)),
                fenced: kind == NodeKind::Broker && fold.fenced.get(&id).copied().unwrap_or(false),
                active_controller: kind == NodeKind::Controller && sim.node_status(id) == NodeStatus::Up,
                leads: leads.get(&id).copied().unwrap_or(0),
                reads: reads.get(&id).cloned().unwrap_or_default(),
                writes: writes.get(&id).cloned().unwrap_or_default(),
                side: side_of[i],
                reaches_controller: reaches(id),
                at: points[i],
            }
        })
        .collect();

    let edge_models: Vec<EdgeModel> = edges
        .order
        .iter()
        .filter_map(|&(a, b)| {
            let (pa, pb) = (pos(a)?, pos(b)?);
            let others: Vec<Point> = ids.iter().filter(|&&x| x != a && x != b).filter_map(|&x| pos(x)).collect();
            let (state, forward_cut, backward_cut, detail) = link_state(world, net, a, b);
            Some(EdgeModel {
                from: name(a),
                to: name(b),
                roles: edges.roles[&(a, b)].clone(),
                state,
                forward_cut,
                backward_cut,
                detail,
                curve: layout::route(pa, pb, &others),
            })
        })
        .collect();

    let notes = notes(world, &nodes, &edge_models, &sides, &fold.fenced);
    ClusterModel { now: sim.now(), width, height, nodes, edges: edge_models, sides, notes }
}

/// What a student should notice, in sentences.
fn notes(world: &World, nodes: &[NodeModel], edges: &[EdgeModel], sides: &[SideModel], fenced: &BTreeMap<u32, bool>) -> Vec<String> {
    let sc = &world.scenario;
    if sc.brokers == 0 {
        return Vec::new();
    }
    let session = human(sc.broker_config.micros("broker.session.timeout.ms"));
    let lag = human(sc.broker_config.micros("replica.lag.time.max.ms"));
    let plural = |n: u32, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
    let mut out = Vec::new();
    if sides.len() > 1 {
        let list: Vec<String> = sides.iter().map(|s| format!("[{}]", s.nodes.join(", "))).collect();
        out.push(format!("The network is split into {} sides that cannot talk to each other: {}.", sides.len(), list.join(" and ")));
    }
    for n in nodes.iter().filter(|n| n.kind == NodeKind::Controller && n.status != "up") {
        out.push(format!("The controller is {}: no leader can be elected and no ISR can change until it is back.", n.status));
    }
    let controller_up = nodes.iter().any(|n| n.active_controller);
    for n in nodes.iter().filter(|n| n.kind == NodeKind::Broker) {
        let id = world.sim.node_id(&n.name).unwrap_or(0);
        let is_fenced = fenced.get(&id).copied().unwrap_or(false);
        if n.status != "up" && n.leads > 0 {
            out.push(format!(
                "{} is {} but still the leader of {}: writes and reads there wait until the controller fences it (broker.session.timeout.ms = {session}) and elects another leader.",
                n.name,
                n.status,
                plural(n.leads, "partition")
            ));
        } else if n.status == "up" && controller_up && !n.reaches_controller {
            if is_fenced {
                out.push(format!("{} cannot reach the controller and is fenced: it leads nothing and is in no ISR until it can heartbeat again.", n.name));
            } else {
                out.push(format!(
                    "{} cannot reach the controller: if its heartbeats stay lost for broker.session.timeout.ms = {session}, the controller fences it and moves its {} elsewhere.",
                    n.name,
                    plural(n.leads, "leadership")
                ));
            }
        }
    }
    // Followers that cannot fetch from their leader.
    for e in edges.iter().filter(|e| e.state <= LinkState::CutOneWay) {
        for r in e.roles.iter().filter_map(|r| r.strip_prefix("replication: ")) {
            out.push(format!(
                "{} cannot fetch {} from its leader {}: the leader drops it from the ISR after replica.lag.time.max.ms = {lag}.",
                e.from, r, e.to
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests;

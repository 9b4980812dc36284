//! The streamlab domain: every node kind, message, timer and trace event of
//! the simulated world, plugged into the kernel as one [`Domain`].
//!
//! The kernel is generic; this module is where Kafka (and, later, stream
//! jobs) meet it. Node kinds are an enum rather than trait objects so that
//! the world stays `Clone` and dispatch stays cheap.

use crate::kafka::broker::{Broker, BrokerTimer};
use crate::kafka::consumer::{Consumer, ConsumerTimer};
use crate::kafka::controller::{Controller, ControllerTimer};
use crate::kafka::events::KEvent;
use crate::kafka::producer::{Producer, ProducerTimer};
use crate::kafka::protocol::Msg;
use crate::kafka::types::{BrokerId, Tp};
use crate::kafka::view::ClusterView;
use crate::kernel::{Actor, CrashKind, Ctx, Domain, NodeId};
use crate::rng::RngStream;
use crate::stream::job::{JobNode, JobTimer, StreamEvent};
use crate::time::Micros;
use serde::Serialize;

/// The domain marker type.
#[derive(Clone, Debug)]
pub struct Model;

/// A trace event of the domain.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Event {
    Kafka(KEvent),
    Stream(StreamEvent),
}

/// A timer of any node kind.
#[derive(Clone, Debug)]
pub enum Timer {
    Controller(ControllerTimer),
    Broker(BrokerTimer),
    Producer(ProducerTimer),
    Consumer(ConsumerTimer),
    Job(JobTimer),
}

/// Every node kind.
#[derive(Clone, Debug)]
pub enum Node {
    Controller(Box<Controller>),
    Broker(Box<Broker>),
    Producer(Box<Producer>),
    Consumer(Box<Consumer>),
    Job(Box<JobNode>),
}

/// The view fault conditions and selectors read.
#[derive(Clone, Debug, Default)]
pub struct View {
    pub cluster: ClusterView,
}

/// A resolved fault condition.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Leader { tp: Tp, broker: Option<BrokerId> },
    IsrAtMost { tp: Tp, size: u32 },
    HwAtLeast { tp: Tp, offset: u64 },
    AckedAtLeast { count: u64 },
}

/// A resolved dynamic fault target.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Selector {
    LeaderOf(Tp),
}

/// Emits a Kafka event from a node callback.
pub fn emit(ctx: &mut Ctx<'_, Model>, ev: KEvent) {
    ctx.emit(Event::Kafka(ev));
}

impl Domain for Model {
    type Msg = Msg;
    type Timer = Timer;
    type Event = Event;
    type View = View;
    type Condition = Condition;
    type Selector = Selector;
    type Node = Node;

    fn msg_kind(msg: &Msg) -> &'static str {
        msg.kind()
    }

    fn observe(view: &mut View, t: Micros, node: NodeId, ev: &Event) {
        match ev {
            Event::Kafka(k) => view.cluster.observe(t, node, k),
            Event::Stream(_) => {}
        }
    }

    fn holds(view: &View, c: &Condition) -> bool {
        let part = |tp: &Tp| view.cluster.partitions.get(tp);
        match c {
            Condition::Leader { tp, broker } => part(tp).is_some_and(|p| p.leader == *broker),
            Condition::IsrAtMost { tp, size } => part(tp).is_some_and(|p| p.isr.len() as u32 <= *size),
            Condition::HwAtLeast { tp, offset } => part(tp).is_some_and(|p| p.hw >= *offset),
            Condition::AckedAtLeast { count } => view.cluster.acked >= *count,
        }
    }

    fn select(view: &View, s: &Selector) -> Option<NodeId> {
        match s {
            Selector::LeaderOf(tp) => view.cluster.partitions.get(tp).and_then(|p| p.leader),
        }
    }
}

impl Actor<Model> for Node {
    fn on_start(&mut self, ctx: &mut Ctx<'_, Model>) {
        match self {
            Node::Controller(n) => n.on_start(ctx),
            Node::Broker(n) => n.on_start(ctx),
            Node::Producer(n) => n.on_start(ctx),
            Node::Consumer(n) => n.on_start(ctx),
            Node::Job(n) => n.on_start(ctx),
        }
    }
    fn on_msg(&mut self, ctx: &mut Ctx<'_, Model>, from: NodeId, msg: Msg) {
        match self {
            Node::Controller(n) => n.on_msg(ctx, from, msg),
            Node::Broker(n) => n.on_msg(ctx, from, msg),
            Node::Producer(n) => n.on_msg(ctx, from, msg),
            Node::Consumer(n) => n.on_msg(ctx, from, msg),
            Node::Job(n) => n.on_msg(ctx, from, msg),
        }
    }
    fn on_timer(&mut self, ctx: &mut Ctx<'_, Model>, timer: Timer) {
        match (self, timer) {
            (Node::Controller(n), Timer::Controller(t)) => n.on_timer(ctx, t),
            (Node::Broker(n), Timer::Broker(t)) => n.on_timer(ctx, t),
            (Node::Producer(n), Timer::Producer(t)) => n.on_timer(ctx, t),
            (Node::Consumer(n), Timer::Consumer(t)) => n.on_timer(ctx, t),
            (Node::Job(n), Timer::Job(t)) => n.on_timer(ctx, t),
            (Node::Job(n), Timer::Consumer(t)) => n.on_consumer_timer(ctx, t),
            (Node::Job(n), Timer::Producer(t)) => n.on_producer_timer(ctx, t),
            _ => {}
        }
    }
    fn on_unreachable(&mut self, ctx: &mut Ctx<'_, Model>, peer: NodeId) {
        match self {
            Node::Broker(n) => n.on_unreachable(ctx, peer),
            Node::Producer(n) => n.on_unreachable(ctx, peer),
            Node::Consumer(n) => n.on_unreachable(ctx, peer),
            Node::Job(n) => n.on_unreachable(ctx, peer),
            Node::Controller(_) => {}
        }
    }
    fn on_crash(&mut self, kind: CrashKind, rng: &mut RngStream) {
        match self {
            Node::Controller(n) => n.on_crash(kind),
            Node::Broker(n) => n.on_crash(kind, rng),
            Node::Producer(n) => n.on_crash(),
            Node::Consumer(n) => n.on_crash(),
            Node::Job(n) => n.on_crash(),
        }
    }
    fn on_disk_loss(&mut self) {
        match self {
            Node::Controller(n) => n.on_disk_loss(),
            Node::Broker(n) => n.on_disk_loss(),
            Node::Producer(_) | Node::Consumer(_) | Node::Job(_) => {}
        }
    }
    fn on_restart(&mut self, ctx: &mut Ctx<'_, Model>) {
        match self {
            Node::Controller(n) => n.on_start(ctx),
            Node::Broker(n) => n.on_restart(ctx),
            Node::Producer(n) => n.on_restart(ctx),
            Node::Consumer(n) => n.on_restart(ctx),
            Node::Job(n) => n.on_restart(ctx),
        }
    }
}

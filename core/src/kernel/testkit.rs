//! A tiny domain for testing and benchmarking the kernel on its own:
//! nodes that play ping-pong with random peers and tick a timer.
//!
//! It exercises every kernel path (send, deliver, timers, crash with state
//! loss, pause, disk loss, conditions on a view, dynamic selectors) without
//! any Kafka in it, so kernel tests stay independent of the models.

use super::actor::{Actor, Ctx, Domain, NodeId};
use super::fault::CrashKind;
use crate::rng::RngStream;
use crate::time::Micros;
use serde::Serialize;

/// The ping-pong domain.
#[derive(Clone, Debug)]
pub struct PingPong;

#[derive(Clone, Debug)]
pub enum Msg {
    Ping(u64),
    Pong(u64),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "k")]
pub enum Event {
    Tick { n: u64 },
    Pong { n: u64 },
    Recovered { durable: u64 },
}

/// Counts pongs seen per node.
#[derive(Clone, Debug, Default)]
pub struct View {
    pub pongs: Vec<u64>,
}

/// "node N has seen at least K pongs".
#[derive(Clone, Debug, Serialize)]
pub struct AtLeast {
    pub node: NodeId,
    pub pongs: u64,
}

/// "the node with the most pongs".
#[derive(Clone, Debug, Serialize)]
pub struct Busiest;

#[derive(Clone, Debug)]
pub struct Node {
    pub peers: u32,
    pub fanout: u32,
    pub tick: Micros,
    pub pongs: u64,
    /// `counter` models durable state: `flushed` survives a machine crash,
    /// the rest survives only a process crash.
    pub counter: u64,
    pub flushed: u64,
}

impl Node {
    pub fn new(peers: u32, fanout: u32, tick: Micros) -> Self {
        Node { peers, fanout, tick, pongs: 0, counter: 0, flushed: 0 }
    }
    fn ping_someone(&mut self, ctx: &mut Ctx<'_, PingPong>, n: u64) {
        if self.peers < 2 {
            return;
        }
        let me = ctx.me();
        let mut to = ctx.rng().below(u64::from(self.peers)) as NodeId;
        if to == me {
            to = (to + 1) % self.peers;
        }
        ctx.send(to, Msg::Ping(n));
    }
}

impl Actor<PingPong> for Node {
    fn on_start(&mut self, ctx: &mut Ctx<'_, PingPong>) {
        ctx.emit(Event::Recovered { durable: self.counter });
        for i in 0..self.fanout {
            self.ping_someone(ctx, u64::from(i));
        }
        if self.tick > 0 {
            ctx.set_timer(self.tick, ());
        }
    }
    fn on_msg(&mut self, ctx: &mut Ctx<'_, PingPong>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Ping(n) => ctx.send(from, Msg::Pong(n)),
            Msg::Pong(n) => {
                self.pongs += 1;
                self.counter += 1;
                if self.counter.is_multiple_of(8) {
                    self.flushed = self.counter;
                }
                ctx.emit(Event::Pong { n });
                self.ping_someone(ctx, n + 1);
            }
        }
    }
    fn on_timer(&mut self, ctx: &mut Ctx<'_, PingPong>, _t: ()) {
        ctx.emit(Event::Tick { n: self.counter });
        ctx.set_timer(self.tick, ());
    }
    fn on_crash(&mut self, kind: CrashKind, _rng: &mut RngStream) {
        self.pongs = 0;
        if kind == CrashKind::Machine {
            self.counter = self.flushed;
        }
    }
    fn on_disk_loss(&mut self) {
        self.counter = 0;
        self.flushed = 0;
    }
}

impl Domain for PingPong {
    type Msg = Msg;
    type Timer = ();
    type Event = Event;
    type View = View;
    type Condition = AtLeast;
    type Selector = Busiest;
    type Node = Node;

    fn msg_kind(m: &Msg) -> &'static str {
        match m {
            Msg::Ping(_) => "Ping",
            Msg::Pong(_) => "Pong",
        }
    }
    fn observe(view: &mut View, _t: Micros, node: NodeId, ev: &Event) {
        if let Event::Pong { .. } = ev {
            let i = node as usize;
            if view.pongs.len() <= i {
                view.pongs.resize(i + 1, 0);
            }
            view.pongs[i] += 1;
        }
    }
    fn holds(view: &View, c: &AtLeast) -> bool {
        view.pongs.get(c.node as usize).copied().unwrap_or(0) >= c.pongs
    }
    fn select(view: &View, _s: &Busiest) -> Option<NodeId> {
        let mut best: Option<(u64, NodeId)> = None;
        for (i, &p) in view.pongs.iter().enumerate() {
            if best.is_none_or(|(bp, _)| p > bp) {
                best = Some((p, i as NodeId));
            }
        }
        best.map(|(_, n)| n)
    }
}

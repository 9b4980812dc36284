//! The actor interface: how a domain's nodes meet the kernel.
//!
//! Modelled on Stateright's `Actor` (`on_start`, `on_msg`, `on_timeout`): a
//! node is a plain state machine that reacts to a message or a timer through a
//! small [`Ctx`] (`now`, `send`, `set_timer`, `rng`, `emit`). Everything a real
//! system does over the network is a message, so every network fault applies
//! to it without the node knowing.

use super::fault::CrashKind;
use crate::rng::RngStream;
use crate::time::Micros;
use serde::Serialize;
use std::fmt::Debug;

/// Index of a node in the world (stable for a given scenario).
pub type NodeId = u32;

/// The pseudo-node that kernel-level records (faults applied by the nemesis)
/// are attributed to.
pub const WORLD: NodeId = u32::MAX;

/// Handle for cancelling a timer.
pub type TimerId = u64;

/// Everything the kernel needs to know about a domain (Kafka, stream jobs…).
pub trait Domain: Clone + Debug + 'static {
    /// A protocol message between nodes.
    type Msg: Clone + Debug;
    /// A timer payload.
    type Timer: Clone + Debug;
    /// A domain event recorded in the trace (e.g. "record appended").
    type Event: Clone + Debug + Serialize;
    /// A fold of the trace that conditions and selectors read
    /// (e.g. "who leads orders-0 now"). Never node internals.
    type View: Clone + Default + Debug;
    /// A condition on the view that triggers a scripted fault.
    type Condition: Clone + Debug + Serialize;
    /// A dynamic fault target, resolved against the view when the fault fires.
    type Selector: Clone + Debug + Serialize;
    /// The node type (usually an enum of all node kinds).
    type Node: Actor<Self>;

    /// Short name of a message kind, recorded in the trace (`"Produce"`).
    fn msg_kind(msg: &Self::Msg) -> &'static str;
    /// Folds one event into the view.
    fn observe(view: &mut Self::View, t: Micros, node: NodeId, ev: &Self::Event);
    /// Whether a condition holds in the view.
    fn holds(view: &Self::View, cond: &Self::Condition) -> bool;
    /// Resolves a dynamic target.
    fn select(view: &Self::View, sel: &Self::Selector) -> Option<NodeId>;
}

/// A node's behaviour.
pub trait Actor<D: Domain>: Clone + Debug {
    /// The node starts (at time 0, and — unless overridden — after a restart).
    fn on_start(&mut self, ctx: &mut Ctx<'_, D>);
    /// A message arrived.
    fn on_msg(&mut self, ctx: &mut Ctx<'_, D>, from: NodeId, msg: D::Msg);
    /// A timer fired.
    fn on_timer(&mut self, ctx: &mut Ctx<'_, D>, timer: D::Timer);
    /// The node crashed. Drop all volatile (in-memory) state here. A
    /// [`CrashKind::Machine`] crash also loses data not yet flushed to disk;
    /// `rng` is the node's storage stream for choosing how much.
    fn on_crash(&mut self, kind: CrashKind, rng: &mut RngStream);
    /// The node's disk was lost (replaced by an empty one). Called while the
    /// node is down.
    fn on_disk_loss(&mut self);
    /// A message this node sent to `peer` found `peer`'s process dead while
    /// its machine was up: the connection was refused/reset (a TCP RST came
    /// back). After a machine crash nothing comes back and the sender only
    /// learns by timing out.
    fn on_unreachable(&mut self, _ctx: &mut Ctx<'_, D>, _peer: NodeId) {}
    /// The node restarts after a crash: recover from what is on disk.
    fn on_restart(&mut self, ctx: &mut Ctx<'_, D>) {
        self.on_start(ctx);
    }
}

/// What a node asked the kernel to do during one callback, in order.
#[derive(Clone, Debug)]
pub(crate) enum Effect<D: Domain> {
    Send { to: NodeId, msg: D::Msg },
    SetTimer { id: TimerId, after: Micros, timer: D::Timer },
    CancelTimer { id: TimerId },
    Emit(D::Event),
}

/// The context a node acts through during one callback.
pub struct Ctx<'a, D: Domain> {
    pub(crate) now: Micros,
    pub(crate) node: NodeId,
    pub(crate) skew: i64,
    pub(crate) rng: &'a mut RngStream,
    pub(crate) effects: &'a mut Vec<Effect<D>>,
    pub(crate) next_timer: &'a mut TimerId,
}

impl<'a, D: Domain> Ctx<'a, D> {
    /// True simulated time (what the trace records).
    pub fn now(&self) -> Micros {
        self.now
    }
    /// This node's wall clock: simulated time plus its clock skew, never
    /// below zero. Use it for timestamps the real system takes from the
    /// local clock (CreateTime, LogAppendTime, time-based retention).
    pub fn local_now(&self) -> Micros {
        let t = self.now as i128 + self.skew as i128;
        t.max(0) as Micros
    }
    /// This node's id.
    pub fn me(&self) -> NodeId {
        self.node
    }
    /// This node's own random stream.
    pub fn rng(&mut self) -> &mut RngStream {
        self.rng
    }
    /// Sends a message over the simulated network.
    pub fn send(&mut self, to: NodeId, msg: D::Msg) {
        self.effects.push(Effect::Send { to, msg });
    }
    /// Fires `timer` after `after` microseconds of simulated time (delayed
    /// further if the node is paused then).
    pub fn set_timer(&mut self, after: Micros, timer: D::Timer) -> TimerId {
        let id = *self.next_timer;
        *self.next_timer += 1;
        self.effects.push(Effect::SetTimer { id, after, timer });
        id
    }
    /// Cancels a timer set earlier (no-op if it already fired).
    pub fn cancel_timer(&mut self, id: TimerId) {
        self.effects.push(Effect::CancelTimer { id });
    }
    /// Records a domain event in the trace.
    pub fn emit(&mut self, ev: D::Event) {
        self.effects.push(Effect::Emit(ev));
    }
}

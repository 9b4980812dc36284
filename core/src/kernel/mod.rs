//! The simulation kernel: time, the event queue, named RNG streams, the
//! simulated network, node lifecycle, the nemesis and the trace.
//!
//! The kernel knows nothing of Kafka or stream engines. A *domain* (see
//! [`actor::Domain`]) plugs in its node type, message type and trace events;
//! the kernel delivers messages and timers to nodes and records everything
//! that happens in one append-only [`trace::Trace`].

pub mod actor;
pub mod fault;
pub mod nemesis;
pub mod network;
pub mod queue;
pub mod sim;
pub mod testkit;
pub mod trace;

pub use actor::{Actor, Ctx, Domain, NodeId, TimerId, WORLD};
pub use fault::{CrashKind, FaultAction, Target};
pub use nemesis::{RandomFaultKind, RandomFaults, ScriptedFault, Trigger};
pub use network::{Latency, LinkConfig, NetworkConfig};
pub use sim::{NodeSpec, NodeStatus, Sim, SimConfig};
pub use trace::{DropReason, KernelEvent, Trace, TraceEvent, TraceRecord};

#[cfg(test)]
mod tests;

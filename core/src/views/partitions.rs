//! The partitions view: for each partition (`orders-0`), who leads it in
//! which leader epoch, the ISR and ELR, the high watermark; for each replica
//! its log as a strip of offset cells, each cell carrying the leader epoch
//! its record was written in, with the log start, the HW this replica
//! knows, its LEO and the consumer groups' committed offsets marked.
//!
//! What a student should see in it (Kafka's replication protocol):
//! * records at or above the partition's HW are not visible to consumers
//!   yet (`Cell::visible`): not every ISR member has them;
//! * a replica whose record at an offset has another epoch than the
//!   leader's record there holds a diverged suffix (`Cell::diverged`): it
//!   will truncate it when it follows the leader (KIP-101 / KIP-279), and
//!   the last such truncation stays visible (`ReplicaModel::truncated`);
//! * a broker that still thinks it leads (`role` "leader") while the
//!   controller chose another leader is a deposed leader.
//!
//! Long logs are shown as a window: the last `max_cells` offsets up to the
//! highest LEO, with the number of older offsets left out, so the model
//! stays small whatever the log length. Leader, epoch, ISR and ELR come
//! from the controller's records (`sim.view()`); the logs from
//! [`PartitionsFold`], which consumes only the trace records appended since
//! its last call.

mod fold;

pub use fold::{Truncation, UNKNOWN_EPOCH};

use crate::kafka::types::Tp;
use crate::kernel::{KernelEvent, NodeStatus, TraceEvent};
use crate::model::Event;
use crate::time::Micros;
use crate::world::World;
use fold::{Logs, Role};
use serde::Serialize;

/// One offset of one replica's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub offset: u64,
    /// The leader epoch the record was written in ([`UNKNOWN_EPOCH`] if the
    /// trace did not say).
    pub epoch: i32,
    /// Below the partition's HW: consumers can read it.
    pub visible: bool,
    /// Not in the leader's log: the leader holds a record of another epoch
    /// at this offset, or its records of this epoch end before it (a new
    /// leader starts its epoch at its own LEO). This replica will truncate
    /// it when it follows the leader.
    pub diverged: bool,
}

/// One replica of a partition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplicaModel {
    pub broker: String,
    /// The broker process: "up", "paused" or "down".
    pub status: &'static str,
    /// What the broker thinks it is: "leader", "follower" or "offline".
    pub role: &'static str,
    /// The controller's leader for the partition.
    pub is_leader: bool,
    pub in_isr: bool,
    pub in_elr: bool,
    pub log_start: u64,
    pub leo: u64,
    /// The high watermark as this replica knows it.
    pub hw: u64,
    /// The cells in the partition's window, oldest first.
    pub cells: Vec<Cell>,
    /// The last time this replica dropped the end of its log.
    pub truncated: Option<Truncation>,
}

/// A consumer group's committed offset (the next offset it will read).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommittedMark {
    pub group: String,
    pub offset: u64,
}

/// One partition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartitionModel {
    /// `topic-partition` (`orders-0`).
    pub name: String,
    pub leader: Option<String>,
    pub leader_epoch: i32,
    pub isr: Vec<String>,
    pub elr: Vec<String>,
    /// The partition's HW: the leader's (the last known one if there is
    /// no leader now).
    pub hw: u64,
    /// The window of offsets drawn: `[first, end)`.
    pub first: u64,
    pub end: u64,
    /// Offsets held by some replica before `first`, not drawn.
    pub elided: u64,
    /// In assignment order (the first is the preferred leader).
    pub replicas: Vec<ReplicaModel>,
    /// Per group that committed an offset for this partition.
    pub committed: Vec<CommittedMark>,
}

impl PartitionModel {
    pub fn replica(&self, broker: &str) -> Option<&ReplicaModel> {
        self.replicas.iter().find(|r| r.broker == broker)
    }
}

/// Every partition at the world's current moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartitionsModel {
    pub now: Micros,
    pub partitions: Vec<PartitionModel>,
    /// Every group with a committed offset, sorted.
    pub groups: Vec<String>,
}

impl PartitionsModel {
    pub fn partition(&self, name: &str) -> Option<&PartitionModel> {
        self.partitions.iter().find(|p| p.name == name)
    }
}

/// The replicas' logs and the groups' commits, folded from the trace
/// incrementally.
#[derive(Clone, Debug, Default)]
pub struct PartitionsFold {
    pos: usize,
    logs: Logs,
}

impl PartitionsFold {
    pub fn new() -> Self {
        PartitionsFold::default()
    }

    /// Consumes the records appended since the last call (starts over if
    /// the trace got shorter). A caller that replaces the world must start
    /// a new fold.
    pub fn advance(&mut self, world: &World) {
        let recs = world.sim.trace().records();
        if recs.len() < self.pos {
            *self = PartitionsFold::new();
        }
        for r in &recs[self.pos..] {
            match &r.ev {
                TraceEvent::Domain(Event::Kafka(ev)) => self.logs.kafka(r.t, r.node, ev),
                TraceEvent::Kernel(KernelEvent::Crash { .. }) => self.logs.crashed(r.node),
                TraceEvent::Kernel(KernelEvent::DiskLost) => self.logs.disk_lost(r.t, r.node),
                _ => {}
            }
        }
        self.pos = recs.len();
    }

    /// The picture now, with at most `max_cells` cells per replica.
    pub fn model(&self, world: &World, max_cells: usize) -> PartitionsModel {
        build(&self.logs, world, max_cells)
    }
}

/// The partitions view of `world` now, folding its whole trace (the web app
/// keeps a [`PartitionsFold`] instead).
pub fn partitions(world: &World, max_cells: usize) -> PartitionsModel {
    let mut f = PartitionsFold::new();
    f.advance(world);
    f.model(world, max_cells)
}

fn build(logs: &Logs, world: &World, max_cells: usize) -> PartitionsModel {
    let sim = &world.sim;
    let view = &sim.view().cluster;
    let bname = |b: u32| sim.node_name(b).to_string();
    let empty = fold::ReplicaLog::default();
    let mut out = Vec::new();
    for (ti, topic) in world.scenario.topics.iter().enumerate() {
        for (p, assignment) in topic.assignment.iter().enumerate() {
            let tp = Tp(ti as u16, p as u32);
            let meta = view.partitions.get(&tp).cloned().unwrap_or_default();
            let log = |b: u32| logs.replicas.get(&(tp, b)).unwrap_or(&empty);
            let leader_log = meta.leader.map(log);
            // The partition's HW: the leader's; without a leader, the
            // highest any replica knows.
            let hw = match leader_log {
                Some(l) => l.hw,
                None => assignment.iter().map(|&b| log(b).hw).max().unwrap_or(0),
            };
            let end = assignment.iter().map(|&b| log(b).leo).max().unwrap_or(0);
            let start = assignment.iter().map(|&b| log(b)).filter(|l| l.leo > l.log_start).map(|l| l.log_start).min().unwrap_or(end);
            let first = start.max(end.saturating_sub(max_cells as u64));
            let replicas = assignment
                .iter()
                .map(|&b| {
                    let l = log(b);
                    let cells = (first.max(l.log_start)..l.leo.min(end))
                        .map(|o| {
                            let epoch = l.epoch_at(o).unwrap_or(UNKNOWN_EPOCH);
                            // Not in the leader's log: another epoch at this
                            // offset, or past where the leader's copy of
                            // this epoch ends (KIP-101's truncation point).
                            let diverged = meta.leader != Some(b)
                                && leader_log.is_some_and(|ll| ll.epoch_at(o).is_some_and(|le| le != epoch) || o >= ll.end_offset_for(epoch));
                            Cell { offset: o, epoch, visible: o < hw, diverged }
                        })
                        .collect();
                    ReplicaModel {
                        broker: bname(b),
                        status: match sim.node_status(b) {
                            NodeStatus::Up => "up",
                            NodeStatus::Paused => "paused",
                            NodeStatus::Down => "down",
                        },
                        role: match l.role {
                            Role::Leader(_) => "leader",
                            Role::Follower(_) => "follower",
                            Role::Offline => "offline",
                        },
                        is_leader: meta.leader == Some(b),
                        in_isr: meta.isr.contains(&b),
                        in_elr: meta.elr.contains(&b),
                        log_start: l.log_start,
                        leo: l.leo,
                        hw: l.hw,
                        cells,
                        truncated: l.truncation.clone(),
                    }
                })
                .collect();
            let committed = logs
                .committed
                .range((tp, String::new())..)
                .take_while(|((t, _), _)| *t == tp)
                .map(|((_, g), o)| CommittedMark { group: g.clone(), offset: *o })
                .collect();
            out.push(PartitionModel {
                name: world.tp_name(tp),
                leader: meta.leader.map(bname),
                leader_epoch: meta.leader_epoch,
                isr: meta.isr.iter().map(|&b| bname(b)).collect(),
                elr: meta.elr.iter().map(|&b| bname(b)).collect(),
                hw,
                first,
                end,
                elided: first - start.min(first),
                replicas,
                committed,
            });
        }
    }
    let mut groups: Vec<String> = logs.committed.keys().map(|(_, g)| g.clone()).collect();
    groups.sort();
    groups.dedup();
    PartitionsModel { now: sim.now(), partitions: out, groups }
}

#[cfg(test)]
mod tests;

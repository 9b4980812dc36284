//! The cluster as the trace tells it: a fold of [`KEvent`]s that fault
//! conditions, fault selectors and the UI read (never node internals).

use super::events::KEvent;
use super::types::{BrokerId, Tp};
use crate::time::Micros;
use std::collections::BTreeMap;

/// The controller's view of one partition, plus the leader's HW.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PartitionView {
    pub leader: Option<BrokerId>,
    pub leader_epoch: i32,
    pub isr: Vec<BrokerId>,
    pub elr: Vec<BrokerId>,
    /// The current leader's high watermark.
    pub hw: u64,
    /// LEO per replica as last reported by the trace.
    pub leo: BTreeMap<BrokerId, u64>,
}

#[derive(Clone, Debug, Default)]
pub struct ClusterView {
    pub partitions: BTreeMap<Tp, PartitionView>,
    pub acked: u64,
    pub sent: u64,
    pub last_change: Micros,
}

impl ClusterView {
    pub fn observe(&mut self, t: Micros, node: u32, ev: &KEvent) {
        match ev {
            KEvent::PartitionChanged { tp, leader, leader_epoch, isr, elr, .. } => {
                let p = self.partitions.entry(*tp).or_default();
                p.leader = *leader;
                p.leader_epoch = *leader_epoch;
                p.isr = isr.clone();
                p.elr = elr.clone();
                self.last_change = t;
            }
            KEvent::HwChanged { tp, hw } => {
                let p = self.partitions.entry(*tp).or_default();
                if p.leader == Some(node) {
                    p.hw = *hw;
                }
            }
            KEvent::BecameLeader { tp, hw, leo, .. } => {
                let p = self.partitions.entry(*tp).or_default();
                p.hw = *hw;
                p.leo.insert(node, *leo);
            }
            KEvent::Appended { tp, base, values, .. } => {
                self.partitions.entry(*tp).or_default().leo.insert(node, base + values.len() as u64);
            }
            KEvent::Replicated { tp, to, .. } => {
                self.partitions.entry(*tp).or_default().leo.insert(node, *to);
            }
            KEvent::Truncated { tp, to, .. } => {
                self.partitions.entry(*tp).or_default().leo.insert(node, *to);
            }
            KEvent::Recovered { tp, leo, .. } => {
                self.partitions.entry(*tp).or_default().leo.insert(node, *leo);
            }
            KEvent::Send { .. } => self.sent += 1,
            KEvent::SendOk { .. } => self.acked += 1,
            _ => {}
        }
    }
}

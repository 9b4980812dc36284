//! Every replica's log, rebuilt from the trace as runs of leader epochs.
//!
//! A replica's records are described, as Kafka's leader-epoch cache
//! describes them, by the offset where each epoch's records start: offset
//! `o` was written in the epoch of the last run starting at or below `o`.
//! The trace has what it takes: a leader's `Appended` carries the epoch of
//! the records it appended; a follower's `Replicated { from, to }` copies
//! `[from, to)` from the leader it follows (`BecameFollower`), so the
//! follower's runs are the leader's over that range; `Truncated`,
//! `Recovered` and `RetentionDeleted` cut the end or the start. So the fold
//! is a few integers per epoch, whatever the length of the log.
//!
//! Simplifications: a follower's copy is taken from the fold of its leader
//! at the moment the follower applied the fetch, not when the leader read
//! it (they differ only if the leader truncated in between, which a fetch
//! of a deposed leader's log would not survive anyway). Records a machine
//! crash loses show until the broker's `Recovered` reports what survived.

use crate::kafka::types::{BrokerId, Tp};
use crate::time::Micros;
use serde::Serialize;
use std::collections::BTreeMap;

/// An epoch the fold could not know (shown as "?").
pub const UNKNOWN_EPOCH: i32 = -1;

/// What a replica thinks it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Leader in this epoch.
    Leader(i32),
    /// Follower of this broker (none while the partition has no leader).
    Follower(Option<BrokerId>),
    /// Not serving: the broker crashed and has not been told its role again.
    Offline,
}

/// A replica dropped the end of its log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Truncation {
    pub at: Micros,
    /// The LEO after: `[to, from_leo)` was dropped.
    pub to: u64,
    pub from_leo: u64,
    /// "diverging-epoch", "hw-truncation", "out-of-range", or "crash" (a
    /// machine crash lost unflushed records).
    pub reason: &'static str,
}

/// One replica's log as the trace tells it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaLog {
    pub log_start: u64,
    pub leo: u64,
    /// The high watermark as this replica knows it.
    pub hw: u64,
    /// `(epoch, first offset)`, offsets increasing, every start below the LEO.
    runs: Vec<(i32, u64)>,
    pub role: Role,
    /// While leader: the epoch it leads and the offset that epoch starts at
    /// (its LEO when elected), even before it appended anything: Kafka's
    /// leader assigns that epoch in its cache at election.
    led_from: Option<(i32, u64)>,
    pub truncation: Option<Truncation>,
}

impl Default for ReplicaLog {
    fn default() -> Self {
        ReplicaLog { log_start: 0, leo: 0, hw: 0, runs: Vec::new(), role: Role::Offline, led_from: None, truncation: None }
    }
}

impl ReplicaLog {
    /// The leader epoch of the record at `offset`, if this replica holds it.
    pub fn epoch_at(&self, offset: u64) -> Option<i32> {
        if offset < self.log_start || offset >= self.leo {
            return None;
        }
        let i = self.runs.partition_point(|&(_, s)| s <= offset);
        Some(if i == 0 { UNKNOWN_EPOCH } else { self.runs[i - 1].0 })
    }

    /// Where this replica's records of `epoch` end, as a leader answers a
    /// follower (`endOffsetFor`, KIP-101): the start of the first later
    /// epoch it has (or leads), else its LEO. A follower's record of
    /// `epoch` at or beyond it is not in this leader's log.
    pub fn end_offset_for(&self, epoch: i32) -> u64 {
        self.runs.iter().copied().chain(self.led_from).filter(|&(e, _)| e > epoch).map(|(_, s)| s).min().unwrap_or(self.leo)
    }

    /// The runs `(epoch, first offset)` from `from` on (the first clipped
    /// to start at `from`).
    fn runs_from(&self, from: u64, to: u64) -> Vec<(i32, u64)> {
        let mut out = Vec::new();
        let i = self.runs.partition_point(|&(_, s)| s <= from);
        if i > 0 {
            out.push((self.runs[i - 1].0, from));
        }
        out.extend(self.runs[i..].iter().copied().filter(|&(_, s)| s < to));
        out
    }

    fn push_run(&mut self, epoch: i32, start: u64) {
        if self.runs.last().is_none_or(|&(e, _)| e != epoch) {
            self.runs.push((epoch, start));
        }
    }

    fn reset_at(&mut self, offset: u64) {
        self.runs.clear();
        self.log_start = offset;
        self.leo = offset;
    }

    /// Drops `[to, LEO)`.
    fn truncate(&mut self, to: u64) {
        if to >= self.leo {
            return;
        }
        if to < self.log_start {
            self.reset_at(to);
            return;
        }
        self.leo = to;
        self.runs.retain(|&(_, s)| s < to);
    }

    /// Makes the LEO `leo` (truncating, or filling a gap the trace did not
    /// explain with unknown epochs).
    fn set_leo(&mut self, leo: u64) {
        if leo < self.leo {
            self.truncate(leo);
        } else if leo > self.leo {
            self.push_run(UNKNOWN_EPOCH, self.leo);
            self.leo = leo;
        }
    }

    fn append(&mut self, epoch: i32, base: u64, n: u64) {
        self.set_leo(base);
        self.push_run(epoch, base);
        self.leo = base + n;
    }

    /// Copies `[from, to)` given the leader's runs over it (`None`: the
    /// leader's log does not cover it, or no leader is known).
    fn copy(&mut self, leader_runs: Option<Vec<(i32, u64)>>, from: u64, to: u64) {
        self.set_leo(from);
        match leader_runs {
            Some(runs) if runs.first().is_some_and(|&(_, s)| s == from) => {
                for (e, s) in runs {
                    self.push_run(e, s);
                }
            }
            _ => self.push_run(UNKNOWN_EPOCH, from),
        }
        self.leo = to.max(from);
    }

    /// Drops the runs wholly below the log start.
    fn trim_start(&mut self) {
        let i = self.runs.partition_point(|&(_, s)| s <= self.log_start);
        if i > 1 {
            self.runs.drain(..i - 1);
        }
    }
}

/// Every replica of every partition, and the groups' committed offsets.
#[derive(Clone, Debug, Default)]
pub struct Logs {
    pub replicas: BTreeMap<(Tp, BrokerId), ReplicaLog>,
    /// `(partition, group)` → committed offset.
    pub committed: BTreeMap<(Tp, String), u64>,
}

impl Logs {
    fn at(&mut self, tp: Tp, b: BrokerId) -> &mut ReplicaLog {
        self.replicas.entry((tp, b)).or_default()
    }

    /// A Kafka event at broker (or coordinator) node `node`, time `t`.
    pub fn kafka(&mut self, t: Micros, node: u32, ev: &crate::kafka::events::KEvent) {
        use crate::kafka::events::KEvent as K;
        match ev {
            K::Appended { tp, leader_epoch, base, values } => self.at(*tp, node).append(*leader_epoch, *base, values.len() as u64),
            K::TxnMarker { tp, offset, .. } => {
                let r = self.at(*tp, node);
                let epoch = if let Role::Leader(e) = r.role { e } else { UNKNOWN_EPOCH };
                r.append(epoch, *offset, 1);
            }
            K::Replicated { tp, from, to } => {
                let runs = match self.replicas.get(&(*tp, node)).map(|r| r.role) {
                    Some(Role::Follower(Some(l))) => {
                        self.replicas.get(&(*tp, l)).filter(|l| *from >= l.log_start && *to <= l.leo).map(|l| l.runs_from(*from, *to))
                    }
                    _ => None,
                };
                self.at(*tp, node).copy(runs, *from, *to);
            }
            K::Truncated { tp, to, from_leo, reason } => {
                let r = self.at(*tp, node);
                if *to > r.leo || r.log_start == r.leo {
                    r.reset_at(*to);
                } else {
                    r.truncate(*to);
                }
                r.hw = r.hw.min(r.leo);
                r.truncation = Some(Truncation { at: t, to: *to, from_leo: *from_leo, reason });
            }
            K::Recovered { tp, leo, hw, log_start } => {
                let r = self.at(*tp, node);
                if *leo < r.leo {
                    r.truncation = Some(Truncation { at: t, to: *leo, from_leo: r.leo, reason: "crash" });
                }
                if *log_start > *leo || *leo < r.log_start {
                    r.reset_at(*log_start);
                }
                r.set_leo(*leo);
                r.log_start = *log_start;
                r.trim_start();
                r.hw = *hw;
                r.role = Role::Offline;
                r.led_from = None;
            }
            K::RetentionDeleted { tp, log_start, .. } => {
                let r = self.at(*tp, node);
                r.log_start = (*log_start).min(r.leo).max(r.log_start);
                r.trim_start();
            }
            K::BecameLeader { tp, leader_epoch, leo, hw } => {
                let r = self.at(*tp, node);
                r.set_leo(*leo);
                r.hw = *hw;
                r.role = Role::Leader(*leader_epoch);
                r.led_from = Some((*leader_epoch, *leo));
            }
            K::BecameFollower { tp, leader, .. } => {
                let r = self.at(*tp, node);
                r.hw = r.hw.min(r.leo);
                r.role = Role::Follower(*leader);
                r.led_from = None;
            }
            K::HwChanged { tp, hw } => self.at(*tp, node).hw = *hw,
            K::Committed { group, tp, offset, .. } => {
                self.committed.insert((*tp, group.clone()), *offset);
            }
            _ => {}
        }
    }

    /// A broker process stopped: its replicas serve nobody until told again.
    pub fn crashed(&mut self, node: u32) {
        for ((_, b), r) in self.replicas.iter_mut() {
            if *b == node {
                r.role = Role::Offline;
                r.led_from = None;
            }
        }
    }

    /// A broker lost its disk: every replica is empty again.
    pub fn disk_lost(&mut self, t: Micros, node: u32) {
        for ((_, b), r) in self.replicas.iter_mut() {
            if *b == node {
                if r.leo > 0 {
                    r.truncation = Some(Truncation { at: t, to: 0, from_leo: r.leo, reason: "disk lost" });
                }
                r.reset_at(0);
                r.hw = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::events::KEvent as K;

    const TP: Tp = Tp(0, 0);

    fn appended(epoch: i32, base: u64, n: usize) -> K {
        K::Appended { tp: TP, leader_epoch: epoch, base, values: vec![String::new(); n] }
    }

    #[test]
    fn followers_copy_the_leaders_epochs_and_truncate() {
        let mut l = Logs::default();
        l.kafka(0, 1, &K::BecameLeader { tp: TP, leader_epoch: 0, leo: 0, hw: 0 });
        l.kafka(0, 2, &K::BecameFollower { tp: TP, leader: Some(1), leader_epoch: 0 });
        l.kafka(1, 1, &appended(0, 0, 3));
        l.kafka(2, 2, &K::Replicated { tp: TP, from: 0, to: 2 });
        let f = &l.replicas[&(TP, 2)];
        assert_eq!((f.leo, f.epoch_at(0), f.epoch_at(1), f.epoch_at(2)), (2, Some(0), Some(0), None));
        // New leader b2 in epoch 1 appends at 2; b1 truncates back to 2.
        l.kafka(3, 2, &K::BecameLeader { tp: TP, leader_epoch: 1, leo: 2, hw: 2 });
        l.kafka(3, 2, &appended(1, 2, 4));
        l.kafka(4, 1, &K::BecameFollower { tp: TP, leader: Some(2), leader_epoch: 1 });
        l.kafka(5, 1, &K::Truncated { tp: TP, to: 2, from_leo: 3, reason: "diverging-epoch" });
        l.kafka(6, 1, &K::Replicated { tp: TP, from: 2, to: 6 });
        let b1 = &l.replicas[&(TP, 1)];
        let epochs: Vec<Option<i32>> = (0..7).map(|o| b1.epoch_at(o)).collect();
        assert_eq!(epochs, [Some(0), Some(0), Some(1), Some(1), Some(1), Some(1), None]);
        assert_eq!(b1.truncation, Some(Truncation { at: 5, to: 2, from_leo: 3, reason: "diverging-epoch" }));
        assert_eq!(b1.runs, [(0, 0), (1, 2)]);
        assert_eq!((b1.end_offset_for(0), b1.end_offset_for(1)), (2, 6));
    }

    #[test]
    fn a_new_leader_ends_the_old_epoch_before_appending() {
        let mut l = Logs::default();
        l.kafka(0, 1, &K::BecameLeader { tp: TP, leader_epoch: 0, leo: 0, hw: 0 });
        l.kafka(0, 1, &appended(0, 0, 4));
        l.kafka(1, 2, &K::BecameLeader { tp: TP, leader_epoch: 3, leo: 2, hw: 2 });
        let b2 = &l.replicas[&(TP, 2)];
        assert_eq!((b2.leo, b2.end_offset_for(0), b2.end_offset_for(3)), (2, 2, 2));
        l.kafka(2, 2, &K::BecameFollower { tp: TP, leader: Some(1), leader_epoch: 4 });
        assert_eq!(l.replicas[&(TP, 2)].end_offset_for(0), 2);
    }

    #[test]
    fn retention_and_out_of_range_move_the_start() {
        let mut l = Logs::default();
        l.kafka(0, 1, &K::BecameLeader { tp: TP, leader_epoch: 3, leo: 0, hw: 0 });
        l.kafka(0, 1, &appended(3, 0, 5));
        l.kafka(0, 1, &appended(4, 5, 5));
        l.kafka(1, 1, &K::RetentionDeleted { tp: TP, log_start: 6, segments: 2 });
        let r = &l.replicas[&(TP, 1)];
        assert_eq!((r.log_start, r.epoch_at(5), r.epoch_at(6), r.runs.len()), (6, None, Some(4), 1));
        // A follower behind the leader's log start restarts there.
        l.kafka(2, 2, &K::Truncated { tp: TP, to: 6, from_leo: 0, reason: "out-of-range" });
        let f = &l.replicas[&(TP, 2)];
        assert_eq!((f.log_start, f.leo), (6, 6));
    }

    #[test]
    fn recovery_after_a_lossy_crash_and_disk_loss() {
        let mut l = Logs::default();
        l.kafka(0, 1, &K::BecameLeader { tp: TP, leader_epoch: 0, leo: 0, hw: 0 });
        l.kafka(0, 1, &appended(0, 0, 10));
        l.crashed(1);
        assert_eq!(l.replicas[&(TP, 1)].role, Role::Offline);
        l.kafka(5, 1, &K::Recovered { tp: TP, leo: 7, hw: 4, log_start: 0 });
        let r = &l.replicas[&(TP, 1)];
        assert_eq!((r.leo, r.hw), (7, 4));
        assert_eq!(r.truncation, Some(Truncation { at: 5, to: 7, from_leo: 10, reason: "crash" }));
        l.disk_lost(6, 1);
        let r = &l.replicas[&(TP, 1)];
        assert_eq!((r.leo, r.log_start, r.epoch_at(0)), (0, 0, None));
    }
}

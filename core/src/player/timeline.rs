//! The snapshot timeline that makes scrubbing cheap.
//!
//! As the run goes forward the player saves a [`Snapshot`] of the kernel
//! state every `spacing` processed events (events, not simulated seconds:
//! the cost of replaying is proportional to events, and a quiet minute
//! costs nothing). To show moment `t`, the player restores the last
//! snapshot at or before `t` and replays at most about `spacing` events —
//! the same idea as rr's and Pernosco's periodic checkpoints, or a video
//! codec's key frames.
//!
//! Memory is bounded: when more than `max` snapshots exist, every other one
//! is dropped and the spacing doubles, so a long run keeps at most `max`
//! snapshots (and the worst-case replay grows with the run instead).
//!
//! Every snapshot is a state of the *one* deterministic run of (scenario,
//! seed): it stays valid however the player moves, until the scenario
//! changes (a fault is injected), which starts a new timeline. Snapshots
//! are immutable and shared (`Arc`) between a player and its forks.

use crate::kernel::sim::Snapshot;
use crate::kernel::Sim;
use crate::model::Model;
use crate::time::Micros;
use std::sync::Arc;

/// Events between snapshots. About 8 ms of replay natively (≈4 µs per
/// event on the Kafka scenarios), so a seek costs a restore plus < 10 ms.
pub const DEFAULT_SPACING: u64 = 2_000;
/// Most snapshots kept (a 1-minute Kafka scenario needs 13–19).
pub const DEFAULT_MAX: usize = 64;

/// One saved moment.
#[derive(Debug)]
pub(crate) struct Mark {
    /// Simulated time of the state (every event at or before it that the
    /// state has processed; possibly more at the same time are pending).
    pub t: Micros,
    /// Queue events processed (the position in the run).
    pub events: u64,
    pub snap: Snapshot<Model>,
}

/// The saved moments of one run, in order.
#[derive(Clone, Debug)]
pub(crate) struct Timeline {
    /// The spacing asked for (`spacing` doubles as the timeline thins).
    base: u64,
    spacing: u64,
    max: usize,
    marks: Vec<Arc<Mark>>,
}

impl Timeline {
    /// A timeline whose first mark is the freshly built world.
    pub fn new(sim: &Sim<Model>, spacing: u64, max: usize) -> Self {
        let first = Mark { t: sim.now(), events: sim.events_processed(), snap: sim.snapshot() };
        Timeline { base: spacing.max(1), spacing: spacing.max(1), max: max.max(2), marks: vec![Arc::new(first)] }
    }

    /// Called after the run moved forward: saves a snapshot when `spacing`
    /// events have passed since the last one.
    pub fn observe(&mut self, sim: &Sim<Model>) {
        let last = self.marks.last().map_or(0, |m| m.events);
        if sim.events_processed() >= last + self.spacing {
            self.marks.push(Arc::new(Mark { t: sim.now(), events: sim.events_processed(), snap: sim.snapshot() }));
            if self.marks.len() > self.max {
                self.thin();
            }
        }
    }

    /// Drops every other snapshot (keeping the first) and doubles the spacing.
    fn thin(&mut self) {
        let kept: Vec<Arc<Mark>> = self.marks.iter().step_by(2).cloned().collect();
        self.marks = kept;
        self.spacing = self.spacing.saturating_mul(2);
    }

    /// The last mark at or before `t` (the first mark, at time 0, always
    /// qualifies).
    pub fn best_at(&self, t: Micros) -> &Arc<Mark> {
        let i = self.marks.partition_point(|m| m.t <= t);
        &self.marks[i.saturating_sub(1)]
    }

    /// The policy it was made with: (spacing asked for, most snapshots).
    pub fn policy(&self) -> (u64, usize) {
        (self.base, self.max)
    }
    pub fn spacing(&self) -> u64 {
        self.spacing
    }
    pub fn len(&self) -> usize {
        self.marks.len()
    }
}

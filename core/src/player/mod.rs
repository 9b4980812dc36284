//! The player behind the browser app: run, pause, scrub, break and
//! understand a scenario. Pure and natively tested; the app only draws.
//!
//! * Driving: [`Player::step`] (one event), [`Player::advance_to`] (run
//!   forward), [`Player::seek`] (any moment, backward or forward), and
//!   [`Player::next_interesting`] (run to just after the next fault,
//!   election, truncation, client failure, pane … — see [`interesting`]).
//! * Scrubbing: snapshots are taken as the run goes forward
//!   ([`timeline`]); a seek restores the nearest one at or before the
//!   target and replays the rest, and leaves exactly the state a fresh run
//!   to that moment has (same trace, same hash). The furthest state ever
//!   reached is kept while the student looks at an earlier moment, so a
//!   jump forward again costs a copy of it plus a short replay, not a rerun.
//! * Breaking: [`Player::inject`] turns a fault into scenario text
//!   ([`inject`]), so the broken run is as reproducible and shareable as
//!   the original. [`Player::fork`] keeps the original to compare with.
//! * Understanding: [`faults::fault_periods`] for shading plots,
//!   [`interesting::classify`] for one-sentence explanations.

pub mod faults;
pub mod inject;
pub mod interesting;
pub mod timeline;

use crate::report::{report_json, summary_text, Outcome};
use crate::scenario::{self, ScenarioError};
use crate::time::Micros;
use crate::world::World;
use std::sync::Arc;
use timeline::Timeline;

pub use faults::{fault_periods, FaultPeriod};
pub use inject::UserFault;
pub use interesting::{classify, Interesting};

/// Simulated time run per `run_until` call while running forward, so that
/// snapshots land close to their spacing (doubled while nothing happens).
const CHUNK: Micros = 5_000;

/// What copying a world (and dropping the one it replaces) costs, in
/// events of replay: measured natively, a record copies and drops about
/// 30× faster than an event replays (A8 at the end: 46 763 records, 4 ms;
/// 25 622 events, 75 ms).
fn copy_cost(w: &World) -> u64 {
    w.sim.trace().len() as u64 / 30
}

/// A scenario being played. `Clone` is cheap in snapshots (they are
/// shared) but copies the current world.
#[derive(Clone, Debug)]
pub struct Player {
    file_name: String,
    text: String,
    /// What the student sees.
    world: World,
    /// The furthest state reached, kept while `world` is earlier (its
    /// trace covers every snapshot, so any of them can be restored into a
    /// copy of it).
    ahead: Option<Arc<World>>,
    timeline: Timeline,
    /// Where [`Player::next_interesting`] resumes scanning the trace, when
    /// the last call stopped in the middle of one step's records.
    scan_from: Option<usize>,
}

impl Player {
    /// Parses and builds; `seed` overrides the scenario's.
    pub fn load(file_name: &str, text: &str, seed: Option<u64>) -> Result<Player, ScenarioError> {
        let sc = scenario::parse(file_name, text)?;
        let seed = sc.effective_seed(seed);
        Ok(Player::from_world(file_name, text, World::new(sc, seed), timeline::DEFAULT_SPACING, timeline::DEFAULT_MAX))
    }

    fn from_world(file_name: &str, text: &str, world: World, spacing: u64, max: usize) -> Player {
        let timeline = Timeline::new(&world.sim, spacing, max);
        Player { file_name: file_name.to_string(), text: text.to_string(), world, ahead: None, timeline, scan_from: None }
    }

    /// Changes the snapshot policy (events between snapshots, most
    /// snapshots kept); restarts the timeline from the current state.
    pub fn set_snapshot_policy(&mut self, spacing: u64, max: usize) {
        let fresh = Player::from_world(&self.file_name, &self.text, World::new(self.world.scenario.clone(), self.world.seed), spacing, max);
        let now = self.now();
        *self = fresh;
        self.run_forward(now);
    }

    // ----- reading --------------------------------------------------------

    pub fn world(&self) -> &World {
        &self.world
    }
    pub fn now(&self) -> Micros {
        self.world.sim.now()
    }
    pub fn end_time(&self) -> Micros {
        self.world.sim.end()
    }
    pub fn is_finished(&self) -> bool {
        self.world.sim.is_finished()
    }
    pub fn seed(&self) -> u64 {
        self.world.seed
    }
    /// The scenario text, including every fault injected so far.
    pub fn scenario_text(&self) -> &str {
        &self.text
    }
    pub fn file_name(&self) -> &str {
        &self.file_name
    }
    pub fn trace_hash(&self) -> String {
        self.world.sim.trace().hash_hex()
    }
    pub fn trace_len(&self) -> usize {
        self.world.sim.trace().len()
    }
    pub fn summary_text(&self) -> String {
        summary_text(&self.world, &Outcome::of(&self.world))
    }
    pub fn report_json(&self) -> String {
        serde_json::to_string_pretty(&report_json(&self.world, &Outcome::of(&self.world))).unwrap_or_default()
    }
    /// How far the run has been computed (the furthest moment reached):
    /// seeking up to here is cheap.
    pub fn computed_until(&self) -> Micros {
        self.ahead.as_ref().map_or(self.now(), |a| a.sim.now().max(self.now()))
    }
    /// Snapshots held, and the events between them (for the docs and the bench).
    pub fn snapshot_stats(&self) -> (usize, u64) {
        (self.timeline.len(), self.timeline.spacing())
    }

    // ----- driving --------------------------------------------------------

    /// Processes one event; false when the run is over.
    pub fn step(&mut self) -> bool {
        self.scan_from = None;
        self.step_inner()
    }

    /// Processes events until one of them writes to the trace (or the run
    /// ends): the Step button. A queue event can write nothing — a timer
    /// that was cancelled or has gone stale — and a step that changes
    /// nothing on screen looks broken to a student. False when the run is over.
    pub fn step_to_next_record(&mut self) -> bool {
        self.scan_from = None;
        let before = self.trace_len();
        loop {
            if !self.step_inner() {
                return false;
            }
            if self.trace_len() > before {
                return true;
            }
        }
    }

    fn step_inner(&mut self) -> bool {
        let r = self.world.sim.step();
        self.moved();
        r
    }

    /// Runs forward to `t` (capped at the end); does nothing if `t` is not
    /// after now. Reuses the furthest state reached when it helps.
    pub fn advance_to(&mut self, t: Micros) {
        if t >= self.now() {
            self.seek(t);
        }
    }

    /// Runs to the end.
    pub fn run_to_end(&mut self) {
        self.seek(self.end_time());
    }

    /// Shows moment `t` (capped at the end), backward or forward: the state
    /// is exactly that of a fresh run to `t` (`World::new` then
    /// `run_until(t)`).
    pub fn seek(&mut self, t: Micros) {
        self.scan_from = None;
        let t = t.min(self.end_time());
        let frontier_now = self.ahead.as_ref().map_or(self.now(), |a| a.sim.now());
        if t >= frontier_now {
            // Beyond everything computed: continue from the furthest state.
            if let Some(a) = self.ahead.take() {
                self.world = Arc::try_unwrap(a).unwrap_or_else(|a| (*a).clone());
            }
            self.run_forward(t);
            return;
        }
        let mark = Arc::clone(self.timeline.best_at(t));
        let here = self.world.sim.events_processed();
        if self.now() <= t {
            // Forward, inside what was computed. The world's own trace only
            // covers snapshots up to where it is; a snapshot further on is
            // restored into a copy of the furthest state.
            if let Some(a) = self.ahead.as_ref().filter(|a| mark.events > here + copy_cost(a)) {
                self.world = (**a).clone();
                self.world.sim.restore(&mark.snap);
            }
        } else {
            // Backward. Keep the furthest state first, unless little would
            // be lost (then it is cheaper to recompute than to copy).
            if self.ahead.is_none() && here > mark.events + copy_cost(&self.world) {
                self.ahead = Some(Arc::new(self.world.clone()));
            }
            self.world.sim.restore(&mark.snap);
        }
        self.run_forward(t);
    }

    /// `run_until(t)` in chunks, taking snapshots on the way.
    fn run_forward(&mut self, t: Micros) {
        let t = t.min(self.end_time());
        let mut chunk = CHUNK;
        loop {
            let before = self.world.sim.events_processed();
            let c = self.now().saturating_add(chunk).min(t);
            self.world.sim.run_until(c);
            self.moved();
            if c >= t {
                break;
            }
            chunk = if self.world.sim.events_processed() == before { chunk.saturating_mul(2) } else { CHUNK };
        }
    }

    /// After the world moved forward: snapshot if due; forget the kept
    /// furthest state once the world has caught up with it.
    fn moved(&mut self) {
        self.timeline.observe(&self.world.sim);
        if self.ahead.as_ref().is_some_and(|a| self.world.sim.events_processed() >= a.sim.events_processed()) {
            self.ahead = None;
        }
    }

    /// Runs until just after the next interesting event and describes it;
    /// None if the run ends first. Several interesting records of one
    /// step are returned one call at a time, without running further.
    pub fn next_interesting(&mut self) -> Option<Interesting> {
        let mut i = self.scan_from.take().unwrap_or_else(|| self.trace_len());
        loop {
            while i < self.trace_len() {
                if let Some((found, next)) = self.interesting_at(i) {
                    self.scan_from = Some(next);
                    return Some(found);
                }
                i += 1;
            }
            if self.is_finished() || !self.step_inner() {
                return None;
            }
        }
    }

    /// The interesting event at trace index `i`, if any, and the index to
    /// resume from. A fault's firing absorbs the records of what it did
    /// at that moment ("fault … fired: b1 crashed …").
    fn interesting_at(&self, i: usize) -> Option<(Interesting, usize)> {
        let recs = self.world.sim.trace().records();
        let rec = recs.get(i)?;
        let (kind, mut text) = classify(&self.world, rec)?;
        let mut next = i + 1;
        if kind == "fault" {
            let mut effects = Vec::new();
            while let Some(r) = recs.get(next).filter(|r| r.t == rec.t && interesting::is_fault_effect(r)) {
                if let Some((_, t)) = classify(&self.world, r) {
                    effects.push(t);
                }
                next += 1;
            }
            if !effects.is_empty() {
                let shown = effects.len().min(4);
                text = format!("{text}: {}", effects[..shown].join("; "));
                if effects.len() > shown {
                    text.push_str(&format!(" and {} more", effects.len() - shown));
                }
            }
        }
        Some((Interesting { t: rec.t, index: i, kind, text }, next))
    }

    // ----- breaking ---------------------------------------------------------

    /// Injects a fault now: appends it to the scenario text as a
    /// `[[faults]]` entry at the current moment, rebuilds the world from
    /// the new text and re-runs to now. Returns what the fault did (a
    /// `fault` or, e.g. restarting a node that is up, `fault-skipped`).
    /// On error (unknown node, text that no longer parses) nothing changes.
    pub fn inject(&mut self, fault: UserFault) -> Result<Interesting, String> {
        let now = self.now();
        let entry = fault.to_toml(&self.world, now)?;
        let text = inject::append(&self.text, &entry);
        let sc = scenario::parse(&self.file_name, &text).map_err(|e| format!("the fault could not be added to the scenario: {e}"))?;
        let (spacing, max) = self.timeline.policy();
        *self = Player::from_world(&self.file_name, &text, World::new(sc, self.world.seed), spacing, max);
        self.run_forward(now);
        let label = fault.label();
        let recs = self.world.sim.trace().records();
        let index = recs.iter().rposition(|r| {
            r.t == now
                && matches!(&r.ev, crate::kernel::TraceEvent::Kernel(crate::kernel::KernelEvent::FaultFired { label: l } | crate::kernel::KernelEvent::FaultSkipped { label: l, .. }) if *l == label)
        });
        let found = index.and_then(|i| self.interesting_at(i)).map(|(it, _)| it);
        Ok(found.unwrap_or(Interesting { t: now, index: self.trace_len(), kind: "fault", text: format!("fault “{label}” added") }))
    }

    /// A copy that can diverge (inject, seek) while this one is kept.
    pub fn fork(&self) -> Player {
        self.clone()
    }
}

#[cfg(test)]
mod tests;

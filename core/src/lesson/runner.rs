//! Runs a lesson headless with the real simulator: every step in order,
//! on a [`World`] built from the lesson's scenarios, producing one
//! [`StepOutcome`] per step.
//!
//! Faults are applied with the kernel's `inject` (as the UI does), so they
//! happen at the exact moment the previous run step stopped. A fault with a
//! `duration` is undone by the runner, which stops every run at the undo
//! time: the kernel's own timed undo only exists for scripted faults. Like
//! the kernel, the undo acts on what the fault hit when it fired (the node a
//! `leader:` target named then, the links a partition actually cut).

use super::expect::{condition_holds, epoch_now, Observed};
use super::*;
use crate::kafka::types::Tp;
use crate::kernel::{FaultAction, KernelEvent, Target, TraceEvent, WORLD};
use crate::model::Selector;
use crate::scenario::TargetSpec;
use crate::time::fmt_time;
use crate::world::World;
use std::collections::{BTreeMap, BTreeSet};

/// The verdict of one expectation.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckOutcome {
    /// `lost-write == 0`.
    pub text: String,
    pub actual: String,
    pub ok: bool,
    /// Where the expectation is written.
    pub place: Place,
    /// The step it is written in (a prediction's `because` is checked by
    /// the run that follows it).
    pub step: usize,
}

/// What one step did.
#[derive(Clone, Debug, PartialEq)]
pub struct StepOutcome {
    pub number: usize,
    pub kind: &'static str,
    pub place: Place,
    /// The scenario and the simulated time after the step (none before the
    /// first scenario starts).
    pub scenario: Option<String>,
    pub time: Option<Micros>,
    /// What happened, for people.
    pub notes: Vec<String>,
    pub checks: Vec<CheckOutcome>,
    /// A step that could not do what it says (a condition that never held,
    /// a fault that did not apply, a time already past).
    pub failure: Option<String>,
}

/// The result of running a lesson.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonRun {
    pub file: String,
    pub steps: Vec<StepOutcome>,
}

impl LessonRun {
    /// Every expectation held and every step did what it said.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.failure.is_none() && s.checks.iter().all(|c| c.ok))
    }
    pub fn checks(&self) -> impl Iterator<Item = &CheckOutcome> {
        self.steps.iter().flat_map(|s| s.checks.iter())
    }
    /// One precise message per failure: the lesson file and place, the step
    /// number, the expectation and the actual value.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.steps {
            let when = match (&s.scenario, s.time) {
                (Some(n), Some(t)) => format!(" (scenario {n:?} at {})", fmt_time(t)),
                _ => String::new(),
            };
            if let Some(f) = &s.failure {
                out.push(located(&self.file, &s.place, &format!("step {}: {f}{when}", s.number)));
            }
            for c in s.checks.iter().filter(|c| !c.ok) {
                let checked = if c.step != s.number { format!(", checked after step {}", s.number) } else { String::new() };
                out.push(located(&self.file, &c.place, &format!("step {}{checked}: expected {}, got {}{when}", c.step, c.text, c.actual)));
            }
        }
        out
    }
}

/// A timed injected fault waiting to be undone.
struct Undo {
    at: Micros,
    label: String,
    actions: Vec<FaultAction<Selector>>,
}

/// The world of the current scenario.
struct Live {
    name: String,
    world: World,
    undo: Vec<Undo>,
}

impl Live {
    fn next_undo(&self) -> Option<Micros> {
        self.undo.iter().map(|u| u.at).min()
    }

    /// Applies every undo due at or before now, in the order they were
    /// scheduled.
    fn undo_due(&mut self) {
        let now = self.world.sim.now();
        let (due, keep): (Vec<Undo>, Vec<Undo>) = std::mem::take(&mut self.undo).into_iter().partition(|u| u.at <= now);
        self.undo = keep;
        for u in due {
            for a in u.actions {
                self.world.sim.inject(&u.label, a);
            }
        }
    }

    /// Runs to `t` (capped at the end), stopping for undos on the way.
    fn advance(&mut self, t: Micros) {
        let t = t.min(self.world.sim.end());
        loop {
            match self.next_undo() {
                Some(u) if u <= t => {
                    self.world.sim.run_until(u);
                    self.undo_due();
                }
                _ => {
                    self.world.sim.run_until(t);
                    return;
                }
            }
        }
    }

    /// Runs event by event until `c` holds (returns the time) or `limit`.
    fn run_until_condition(&mut self, c: &Condition, limit: Micros) -> Option<Micros> {
        let epoch_at_start = match c {
            Condition::LeaderChanges { partition } => epoch_now(&self.world, partition),
            _ => 0,
        };
        if condition_holds(&self.world, c, epoch_at_start, &[]) {
            return Some(self.world.sim.now());
        }
        let end = self.world.sim.end();
        let limit = limit.min(end);
        let mut seen = self.world.sim.trace().len();
        loop {
            let bound = self.next_undo().filter(|u| *u <= limit).unwrap_or(limit);
            // Lowering the end makes `step` stop before the first event past
            // the bound instead of taking it off the queue.
            self.world.sim.set_end(bound);
            let mut hit = false;
            while self.world.sim.step() {
                let recs = &self.world.sim.trace().records()[seen..];
                hit = condition_holds(&self.world, c, epoch_at_start, recs);
                seen = self.world.sim.trace().len();
                if hit {
                    break;
                }
            }
            self.world.sim.set_end(end);
            if hit {
                return Some(self.world.sim.now());
            }
            self.world.sim.run_until(bound);
            if self.next_undo().is_some_and(|u| u <= bound) && bound <= limit {
                self.undo_due();
                let recs = &self.world.sim.trace().records()[seen..];
                let now_holds = condition_holds(&self.world, c, epoch_at_start, recs);
                seen = self.world.sim.trace().len();
                if now_holds {
                    return Some(self.world.sim.now());
                }
                if bound < limit {
                    continue;
                }
            }
            return None;
        }
    }
}

/// The state of a lesson being run, one step at a time (driven by [`run`]
/// and by [`super::stepper::LessonStepper`]).
pub(super) struct Runner {
    pub(super) lesson: Lesson,
    /// Each scenario as the `set` steps so far left it.
    pub(super) versions: BTreeMap<String, Scenario>,
    pub(super) current: Option<String>,
    live: Option<Live>,
    /// Predictions waiting for the next run: (step number, prediction).
    pending: Vec<(usize, Prediction)>,
}

/// Runs every step of a lesson. Never panics; deterministic (the same
/// lesson gives the same outcomes, byte for byte).
pub fn run(lesson: &Lesson) -> LessonRun {
    let mut s = super::stepper::LessonStepper::new(lesson.clone());
    while s.advance().is_some() {}
    LessonRun { file: lesson.file.clone(), steps: s.into_outcomes() }
}

impl Runner {
    pub(super) fn new(lesson: Lesson) -> Self {
        Runner {
            versions: lesson.scenarios.iter().map(|s| (s.name.clone(), s.scenario.clone())).collect(),
            current: lesson.first_scenario().map(|s| s.name.clone()),
            live: None,
            pending: Vec::new(),
            lesson,
        }
    }

    /// The world of the current scenario, if one has started.
    pub(super) fn world(&self) -> Option<&World> {
        self.live.as_ref().map(|l| &l.world)
    }

    /// The world of the current scenario, built (at time 0) if needed.
    fn live(&mut self) -> Option<&mut Live> {
        let name = self.current.clone()?;
        if self.live.as_ref().is_none_or(|l| l.name != name) {
            let sc = self.versions.get(&name)?.clone();
            let seed_override = self.lesson.scenarios.iter().find(|s| s.name == name).and_then(|s| s.seed);
            let seed = sc.effective_seed(seed_override);
            self.live = Some(Live { name, world: World::new(sc, seed), undo: Vec::new() });
        }
        self.live.as_mut()
    }

    pub(super) fn step(&mut self, step: &Step) -> StepOutcome {
        let mut out = StepOutcome {
            number: step.number,
            kind: match &step.kind {
                StepKind::Narrative(_) => "narrative",
                StepKind::Run(_) => "run",
                StepKind::Inject(_) => "inject",
                StepKind::Set(_) => "set",
                StepKind::Predict(_) => "predict",
                StepKind::Expect(_) => "expect",
            },
            place: step.place.clone(),
            scenario: None,
            time: None,
            notes: Vec::new(),
            checks: Vec::new(),
            failure: None,
        };
        match &step.kind {
            StepKind::Narrative(_) => {}
            StepKind::Predict(p) => self.pending.push((step.number, p.clone())),
            StepKind::Run(r) => self.run_step(r, &mut out),
            StepKind::Inject(i) => self.inject(i, &mut out),
            StepKind::Set(s) => {
                if let Some(n) = &s.scenario_name {
                    self.current = Some(n.clone());
                }
                if let Some(name) = self.current.clone() {
                    self.versions.insert(name.clone(), (*s.scenario).clone());
                    self.live = None;
                    out.notes.push(format!(
                        "changed {}: scenario {name:?} starts again from time 0 with this setting (the simulator applies a setting from the start, as Kafka reads most of them when a client or broker starts); faults injected earlier are not repeated",
                        s.text
                    ));
                }
            }
            StepKind::Expect(checks) => {
                if let Some(live) = self.live() {
                    let obs = Observed::of(&live.world);
                    for c in checks {
                        let (ok, actual) = c.verdict(&obs.value(&c.subject));
                        out.checks.push(CheckOutcome { text: c.describe(), ok, actual, place: c.place.clone(), step: step.number });
                    }
                }
            }
        }
        if let Some(l) = &self.live {
            out.scenario = Some(l.name.clone());
            out.time = Some(l.world.sim.now());
        }
        out
    }

    fn run_step(&mut self, r: &RunStep, out: &mut StepOutcome) {
        if let Some(name) = &r.scenario {
            if self.current.as_ref() != Some(name) {
                self.current = Some(name.clone());
                self.live = None;
            }
        }
        if r.restart {
            self.live = None;
        }
        let fresh = self.live.is_none();
        let Some(live) = self.live() else { return };
        let start = live.world.sim.now();
        let end = live.world.sim.end();
        let name = live.name.clone();
        if fresh {
            let seed = live.world.seed;
            out.notes.push(format!("scenario {name:?} ({}) starts at time 0 with seed {seed}", live.world.scenario.file));
        }
        match &r.until {
            Until::Time(t) if *t < start => {
                out.failure = Some(format!("cannot run until {}: the run is already at {}", fmt_time(*t), fmt_time(start)));
            }
            Until::Time(t) => live.advance(*t),
            Until::For(d) => live.advance(start.saturating_add(*d)),
            Until::End => live.advance(end),
            Until::Cond(c) => {
                let limit = r.within.map(|w| start.saturating_add(w)).unwrap_or(end);
                match live.run_until_condition(c, limit) {
                    Some(t) if t == start => out.notes.push(format!("{} already holds at {}", c.describe(), at(&live.world, t))),
                    Some(t) => out.notes.push(format!("{} at {}", c.describe(), at(&live.world, t))),
                    None => out.failure = Some(format!("ran until {}, but it did not happen by {}", c.describe(), fmt_time(live.world.sim.now()))),
                }
            }
        }
        out.notes.push(format!("ran from {} to {}", at(&live.world, start), at(&live.world, live.world.sim.now())));
        out.notes.extend(status(&live.world));
        // Reveal the predictions asked since the last run.
        let pending = std::mem::take(&mut self.pending);
        if pending.is_empty() {
            return;
        }
        let Some(live) = self.live.as_ref() else { return };
        let obs = Observed::of(&live.world);
        for (number, p) in pending {
            let answer = match &p.answer {
                Answer::Measured { subject, .. } => format!("{} = {}", subject.describe(), obs.value(subject)),
                other => super::text::answer_text(other),
            };
            out.notes.push(format!("the prediction of step {number} is revealed: {answer}"));
            for c in &p.because {
                let (ok, actual) = c.verdict(&obs.value(&c.subject));
                out.checks.push(CheckOutcome { text: c.describe(), ok, actual, place: c.place.clone(), step: number });
            }
            if let Answer::Measured { subject, .. } = &p.answer {
                if let crate::lesson::Actual::Missing(why) = obs.value(subject) {
                    out.failure = Some(format!("the answer of the prediction in step {number} cannot be measured: {why}"));
                }
            }
        }
    }

    fn inject(&mut self, step: &InjectStep, out: &mut StepOutcome) {
        let Some(live) = self.live() else { return };
        let world = &mut live.world;
        let action = to_action(world, &step.action);
        let resolved = resolve_now(world, &action);
        let before: BTreeSet<(u32, u32)> = world.sim.network().blocked_links().collect();
        let len = world.sim.trace().len();
        world.sim.inject(&step.label, resolved.clone().unwrap_or(action));
        let skipped = world.sim.trace().records()[len..].iter().find_map(|r| match &r.ev {
            TraceEvent::Kernel(KernelEvent::FaultSkipped { label, why }) if *label == step.label => Some(*why),
            _ => None,
        });
        let now = world.sim.now();
        if let Some(why) = skipped {
            out.failure = Some(format!("the fault \"{}\" did not apply: {why}", step.text));
            return;
        }
        let Some(resolved) = resolved else { return };
        let named = match &step.action {
            crate::scenario::ActionSpec::Crash { target: TargetSpec::LeaderOf { topic, partition }, .. }
            | crate::scenario::ActionSpec::Pause { target: TargetSpec::LeaderOf { topic, partition } }
            | crate::scenario::ActionSpec::Isolate { target: TargetSpec::LeaderOf { topic, partition } }
            | crate::scenario::ActionSpec::LoseDisk { target: TargetSpec::LeaderOf { topic, partition } } => match &resolved {
                FaultAction::Crash { target: Target::Node(n), .. }
                | FaultAction::Pause { target: Target::Node(n) }
                | FaultAction::Isolate { target: Target::Node(n) }
                | FaultAction::LoseDisk { target: Target::Node(n) } => format!(" (the leader of {topic}-{partition} was {})", world.sim.node_name(*n)),
                _ => String::new(),
            },
            _ => String::new(),
        };
        out.notes.push(format!("at {}: {}{named}", fmt_time(now), step.text));
        if let Some(d) = step.duration {
            let actions = match &resolved {
                FaultAction::Partition { .. } | FaultAction::Isolate { .. } => {
                    let after: BTreeSet<(u32, u32)> = world.sim.network().blocked_links().collect();
                    after.difference(&before).map(|(a, b)| FaultAction::HealLink { from: Target::Node(*a), to: Target::Node(*b), symmetric: false }).collect()
                }
                other => other.inverse().into_iter().collect(),
            };
            live.undo.push(Undo { at: now.saturating_add(d), label: format!("{} (end)", step.label), actions });
        }
    }
}

/// The scenario fault action with node names turned into ids (as
/// `World::new` does for scripted faults).
fn to_action(world: &World, a: &crate::scenario::ActionSpec) -> FaultAction<Selector> {
    use crate::scenario::ActionSpec as A;
    let tgt = |t: &TargetSpec| -> Target<Selector> {
        match t {
            TargetSpec::Node(n) => Target::Node(world.sim.node_id(n).unwrap_or(WORLD)),
            TargetSpec::LeaderOf { topic, partition } => {
                let ti = world.scenario.topics.iter().position(|x| &x.name == topic).unwrap_or(0) as u16;
                Target::Select(Selector::LeaderOf(Tp(ti, *partition)))
            }
        }
    };
    match a {
        A::Crash { target, mode } => FaultAction::Crash { target: tgt(target), kind: *mode },
        A::Restart { target } => FaultAction::Restart { target: tgt(target) },
        A::Pause { target } => FaultAction::Pause { target: tgt(target) },
        A::Resume { target } => FaultAction::Resume { target: tgt(target) },
        A::LoseDisk { target } => FaultAction::LoseDisk { target: tgt(target) },
        A::ClockSkew { target, skew_us } => FaultAction::ClockSkew { target: tgt(target), skew_us: *skew_us },
        A::Partition { sides } => FaultAction::Partition { sides: sides.iter().map(|s| s.iter().map(tgt).collect()).collect() },
        A::Isolate { target } => FaultAction::Isolate { target: tgt(target) },
        A::Cut { from, to, symmetric } => FaultAction::CutLink { from: tgt(from), to: tgt(to), symmetric: *symmetric },
        A::Heal { from, to, symmetric } => FaultAction::HealLink { from: tgt(from), to: tgt(to), symmetric: *symmetric },
        A::HealAll => FaultAction::HealAll,
        A::SetLink { from, to, symmetric, config } => FaultAction::SetLink { from: tgt(from), to: tgt(to), symmetric: *symmetric, config: config.clone() },
        A::ResetLink { from, to, symmetric } => FaultAction::ResetLink { from: tgt(from), to: tgt(to), symmetric: *symmetric },
    }
}

/// Replaces every `leader:` target by the node it names now, so that the
/// undo of a timed fault hits the same node; `None` if one names nobody.
fn resolve_now(world: &World, a: &FaultAction<Selector>) -> Option<FaultAction<Selector>> {
    world.sim.resolve(a)
}

/// A simulated time for people, with the wall-clock time of a scenario
/// that sets `clock` (`499.000000s (12:08:19)`).
fn at(world: &World, t: Micros) -> String {
    if world.scenario.clock == 0 {
        return fmt_time(t);
    }
    format!("{} ({})", fmt_time(t), crate::stream::types::clock(world.scenario.clock + (t / 1000) as i64))
}

/// One line per partition (at most 6) and one for the producers, from the
/// trace's view of the cluster: what a student would glance at.
fn status(world: &World) -> Vec<String> {
    let view = &world.sim.view().cluster;
    let mut lines: Vec<String> = view
        .partitions
        .iter()
        .take(6)
        .map(|(tp, p)| {
            let isr = p.isr.iter().map(|b| format!("b{b}")).collect::<Vec<_>>().join(", ");
            let leader = p.leader.map_or("none".to_string(), |b| format!("b{b}"));
            format!("{}: leader {leader} (epoch {}), ISR [{isr}], HW {}", world.tp_name(*tp), p.leader_epoch, p.hw)
        })
        .collect();
    if view.partitions.len() > 6 {
        lines.push(format!("… and {} more partitions", view.partitions.len() - 6));
    }
    if view.sent > 0 {
        lines.push(format!("producers: {} sent, {} acknowledged", view.sent, view.acked));
    }
    lines.extend(super::stream::status(world));
    lines
}

//! A lesson taken one step at a time, as a student does in the browser:
//! the same runner as [`run`] (which is a loop over this), with the live
//! world in between steps for the views to draw, the measured answers of
//! predictions once a run revealed them, and the scenario as the `set`
//! steps left it, so the student can take it to the sandbox ("try it
//! yourself").

use super::runner::Runner;
use super::*;
use crate::world::World;
use std::cell::OnceCell;
use std::collections::BTreeMap;

/// A lesson being taken: the steps done so far and the world they left.
pub struct LessonStepper {
    runner: Runner,
    outcomes: Vec<StepOutcome>,
    /// Each scenario's TOML text as the `set` steps so far left it.
    texts: BTreeMap<String, String>,
    /// Measured predictions asked since the last run: (step, what to measure).
    unrevealed: Vec<(usize, Subject)>,
    /// The measured answer of each prediction a run has revealed.
    measured: BTreeMap<usize, Actual>,
    /// The current scenario at time 0, built when first asked for while
    /// no run is live (before the first run, after a `set` step).
    idle: OnceCell<World>,
}

impl LessonStepper {
    pub fn new(lesson: Lesson) -> Self {
        let texts = lesson.scenarios.iter().map(|s| (s.name.clone(), s.text.clone())).collect();
        LessonStepper { runner: Runner::new(lesson), outcomes: Vec::new(), texts, unrevealed: Vec::new(), measured: BTreeMap::new(), idle: OnceCell::new() }
    }

    pub fn lesson(&self) -> &Lesson {
        &self.runner.lesson
    }

    /// How many steps are done.
    pub fn done(&self) -> usize {
        self.outcomes.len()
    }

    /// Every step is done.
    pub fn finished(&self) -> bool {
        self.done() >= self.lesson().steps.len()
    }

    /// Runs exactly the next step (as [`run`] would) and returns what it
    /// did; `None` once every step is done.
    pub fn advance(&mut self) -> Option<StepOutcome> {
        let step = self.runner.lesson.steps.get(self.outcomes.len())?.clone();
        match &step.kind {
            StepKind::Predict(Prediction { answer: Answer::Measured { subject, .. }, .. }) => self.unrevealed.push((step.number, subject.clone())),
            StepKind::Set(s) => {
                if let Some(name) = s.scenario_name.clone().or_else(|| self.runner.current.clone()) {
                    self.texts.insert(name, s.source.clone());
                }
            }
            _ => {}
        }
        let out = self.runner.step(&step);
        if matches!(step.kind, StepKind::Run(_)) && !self.unrevealed.is_empty() {
            if let Some(world) = self.runner.world() {
                let obs = Observed::of(world);
                for (number, subject) in std::mem::take(&mut self.unrevealed) {
                    self.measured.insert(number, obs.value(&subject));
                }
            }
        }
        self.outcomes.push(out.clone());
        self.idle = OnceCell::new();
        Some(out)
    }

    /// What each step done so far did, in order.
    pub fn outcomes(&self) -> &[StepOutcome] {
        &self.outcomes
    }

    pub fn into_outcomes(self) -> Vec<StepOutcome> {
        self.outcomes
    }

    /// The world of the current scenario as the steps left it, for the
    /// views. Before its first run, and after a `set` step (which starts
    /// the scenario again), that is the scenario at time 0, as the next run
    /// will start it. `None` only for a lesson without scenarios.
    pub fn world(&self) -> Option<&World> {
        if let Some(w) = self.runner.world() {
            return Some(w);
        }
        if let Some(w) = self.idle.get() {
            return Some(w);
        }
        let name = self.runner.current.as_ref()?;
        let sc = self.runner.versions.get(name)?.clone();
        let seed = sc.effective_seed(self.lesson().scenarios.iter().find(|s| &s.name == name).and_then(|s| s.seed));
        Some(self.idle.get_or_init(|| World::new(sc, seed)))
    }

    /// The name of the current scenario (as the lesson declares it).
    pub fn scenario_name(&self) -> Option<&str> {
        self.runner.current.as_deref()
    }

    /// The answer a run measured for the measured prediction of `step`
    /// (`answer = "lost-write"`), once revealed.
    pub fn measured(&self, step: usize) -> Option<&Actual> {
        self.measured.get(&step)
    }

    /// The current scenario as the `set` steps so far left it: a file name
    /// (relative to `scenarios/` for a file, `<lesson id>-<name>.toml` for
    /// an inline one) and its TOML text. A seed the lesson gives the
    /// scenario is written into the text, so the sandbox runs the same
    /// world. Faults injected by steps are not part of it: the student
    /// starts from the scenario and breaks it at will.
    pub fn scenario_text(&self) -> Option<(String, String)> {
        let name = self.runner.current.as_ref()?;
        let ls = self.lesson().scenarios.iter().find(|s| &s.name == name)?;
        let text = self.texts.get(name).cloned().unwrap_or_else(|| ls.text.clone());
        let file = match ls.origin.strip_prefix("scenarios/") {
            Some(rel) => rel.to_string(),
            None => format!("{}-{}.toml", self.lesson().id, ls.name),
        };
        let text = match ls.seed {
            Some(seed) => with_seed(&text, seed),
            None => text,
        };
        Some((file, text))
    }
}

/// `text` with its top-level `seed` set to `seed`: the line replaced if the
/// scenario has one before its first table, else added at the top.
fn with_seed(text: &str, seed: u64) -> String {
    let line = format!("seed = {seed}  # the lesson's seed");
    let mut out = Vec::new();
    let mut done = false;
    let mut top = true;
    for l in text.lines() {
        let t = l.trim_start();
        if t.starts_with('[') {
            top = false;
        }
        let key = t.split('=').next().unwrap_or("").trim();
        if top && !done && key == "seed" && t.contains('=') {
            out.push(line.clone());
            done = true;
        } else {
            out.push(l.to_string());
        }
    }
    let mut s = if done { out.join("\n") } else { format!("{line}\n{}", out.join("\n")) };
    if text.ends_with('\n') {
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(path: &str) -> Lesson {
        let text = BUILTIN_LESSONS.iter().find(|(p, _)| *p == path).map(|(_, t)| *t).unwrap_or_else(|| panic!("no built-in lesson {path}"));
        parse(path, text, &builtin_scenario).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn stepping_one_at_a_time_gives_the_outcomes_of_run() {
        for path in ["lessons/04-losing-a-broker.toml", "lessons/examples/annotated.toml"] {
            let l = load(path);
            let whole = run(&l);
            let mut s = LessonStepper::new(l.clone());
            assert_eq!(s.done(), 0);
            let first = l.scenarios[0].scenario.name.clone();
            assert_eq!(s.world().map(|w| (w.sim.now(), w.scenario.name.clone())), Some((0, first)), "{path}: the first scenario at time 0 before any run");
            let mut i = 0;
            while let Some(out) = s.advance() {
                assert_eq!(out, whole.steps[i], "{path} step {}", i + 1);
                i += 1;
                assert_eq!(s.done(), i);
                // The world shown is at the step's time (time 0 once a set
                // step started the scenario again).
                assert_eq!(s.world().map(|w| w.sim.now()), Some(out.time.unwrap_or(0)), "{path} step {}", i);
            }
            assert_eq!(i, l.steps.len());
            assert!(s.finished());
            assert_eq!(s.outcomes(), &whole.steps[..]);
            assert!(s.advance().is_none());
        }
    }

    #[test]
    fn measured_predictions_are_revealed_by_the_next_run() {
        let l = load("lessons/04-losing-a-broker.toml");
        // Step 15 asks how many writes acks=all loses (answer = "lost-write");
        // step 16 runs the acksall scenario to 10.5 s.
        let mut s = LessonStepper::new(l);
        while s.done() < 15 {
            s.advance();
        }
        assert_eq!(s.outcomes()[14].kind, "predict");
        assert_eq!(s.measured(15), None, "not revealed before the run");
        s.advance();
        assert_eq!(s.measured(15), Some(&Actual::Num(0)));
        assert_eq!(s.measured(7), None, "a choice is not measured");
    }

    #[test]
    fn the_scenario_to_try_follows_switches_and_set_steps() {
        let l = load("lessons/examples/annotated.toml");
        let mut s = LessonStepper::new(l);
        let (file, text) = s.scenario_text().unwrap();
        assert_eq!(file, "kafka/a2-acks1-failover-loss.toml");
        assert_eq!(text, builtin_scenario("scenarios/kafka/a2-acks1-failover-loss.toml").unwrap());
        // Step 11 sets acks=all on p1.
        while s.done() < 11 {
            s.advance();
        }
        assert_eq!(s.outcomes()[10].kind, "set");
        let w = s.world().unwrap();
        assert_eq!((w.sim.now(), w.scenario.producers[0].config.str("acks")), (0, "all"), "after a set step: the changed scenario at time 0");
        let (file, text) = s.scenario_text().unwrap();
        assert_eq!(file, "kafka/a2-acks1-failover-loss.toml");
        let changed = crate::scenario::parse("x.toml", &text).unwrap();
        assert_eq!(changed.producers[0].config.str("acks"), "all");
        // Step 15 switches to the inline scenario "tiny".
        while s.done() < 15 {
            s.advance();
        }
        let (file, text) = s.scenario_text().unwrap();
        assert_eq!(file, "example-acks-and-failover-tiny.toml");
        assert!(text.starts_with("name = \"One partition, three replicas\""), "{text}");
    }

    #[test]
    fn a_lesson_seed_is_written_into_the_scenario_text() {
        assert_eq!(with_seed("name = \"x\"\n[[topics]]\nseed = 3\n", 7), "seed = 7  # the lesson's seed\nname = \"x\"\n[[topics]]\nseed = 3\n");
        assert_eq!(with_seed("name = \"x\"\nseed = 3\n[[topics]]\n", 7), "name = \"x\"\nseed = 7  # the lesson's seed\n[[topics]]\n");
        let lesson = "id = \"t\"\ntitle = \"T\"\nminutes = 10\ngoals = [\"g\"]\n[[scenarios]]\nname = \"basic\"\nfile = \"scenarios/basic.toml\"\nseed = 42\n[[steps]]\nrun = \"1s\"\n";
        let l = parse("t.toml", lesson, &builtin_scenario).unwrap();
        let (_, text) = LessonStepper::new(l).scenario_text().unwrap();
        assert_eq!(crate::scenario::parse("basic.toml", &text).unwrap().effective_seed(None), 42);
    }

    #[test]
    fn every_lesson_file_is_built_in() {
        assert!(BUILTIN_LESSONS.iter().any(|(p, _)| *p == "lessons/04-losing-a-broker.toml"));
        assert!(BUILTIN_LESSONS.iter().any(|(p, _)| *p == "lessons/examples/annotated.toml"));
        // Top-level lessons first, each directory alphabetically.
        let first_nested = BUILTIN_LESSONS.iter().position(|(p, _)| p.matches('/').count() > 1).unwrap_or(BUILTIN_LESSONS.len());
        assert!(BUILTIN_LESSONS[..first_nested].windows(2).all(|w| w[0].0 < w[1].0));
        assert!(BUILTIN_LESSONS[first_nested..].iter().all(|(p, _)| p.matches('/').count() > 1));
    }
}

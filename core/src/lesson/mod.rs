//! Lessons: instructor-written TOML files that walk a student through one
//! idea with the real simulator (see `docs/writing-lessons.md`).
//!
//! A lesson names one or more scenarios (files under `scenarios/`, or
//! inline) and a list of steps: narrative, run (to a time, or until a
//! condition on the cluster holds), inject a fault (the scenario
//! `[[faults]]` vocabulary), change a setting (the scenario is re-run from
//! the start with it), predict (revealed after the next run) and expect
//! (checked against the report of the run so far). A quiz closes it.
//!
//! Like the scenario module this is pure: [`parse`] takes the lesson text
//! and a resolver that returns the text of a scenario file by its path, so
//! the CLI reads files and the web app can serve the built-in scenarios.
//! Every rejection happens in [`parse`], as a located [`ScenarioError`]
//! (the same `file:line:column: field.path: message` machinery), so a lesson
//! that parsed runs without input errors; what [`run`] reports are facts
//! about the simulation (an expectation that does not hold, a condition that
//! never came).

mod expect;
mod raw;
mod resolve;
mod runner;
mod stream;
#[cfg(test)]
mod tests;
mod text;

pub use expect::{Actual, Check, Condition, EventFilter, Observed, Subject, Want};
pub use resolve::{is_lesson_text, parse};
pub use runner::{run, CheckOutcome, LessonRun, StepOutcome};
pub use stream::{JobAttr, OutputFilter, OutputMeasure, ValueSel, WindowSel, JOB_ATTRS};
pub use text::render;

use crate::scenario::{Scenario, ScenarioError};
use crate::time::Micros;

/// Returns the text of a scenario file named in a lesson (a path under
/// `scenarios/`, relative to the repository), or why it cannot.
pub type ScenarioSource<'a> = &'a dyn Fn(&str) -> Result<String, String>;

/// Taking a lesson one step at a time (the web app's lesson player).
pub mod stepper;

include!(concat!(env!("OUT_DIR"), "/builtin_lessons.rs"));

/// A resolver over the scenarios compiled into the library
/// ([`crate::session::BUILTIN_SCENARIOS`]): what the web app can offer
/// without a file system, and the CLI's fallback.
pub fn builtin_scenario(path: &str) -> Result<String, String> {
    let rel = path.strip_prefix("scenarios/").unwrap_or(path);
    crate::session::BUILTIN_SCENARIOS
        .iter()
        .find(|(name, _)| *name == rel)
        .map(|(_, text)| (*text).to_string())
        .ok_or_else(|| format!("no built-in scenario {path:?}"))
}

/// A validated lesson.
#[derive(Clone, Debug)]
pub struct Lesson {
    /// The file it came from (as given), for messages.
    pub file: String,
    pub id: String,
    pub title: String,
    /// Estimated minutes for a student.
    pub minutes: u32,
    pub goals: Vec<String>,
    /// Markdown shown before the first step.
    pub summary: String,
    pub scenarios: Vec<LessonScenario>,
    pub steps: Vec<Step>,
    pub quiz: Vec<Question>,
}

/// A scenario a lesson uses, parsed as written (before any `set` step).
#[derive(Clone, Debug)]
pub struct LessonScenario {
    /// The name steps refer to it by.
    pub name: String,
    /// `scenarios/…` for a file, `inline` for an inline one.
    pub origin: String,
    /// The scenario's TOML text (kept so `set` steps can patch it).
    pub text: String,
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    pub scenario: Scenario,
}

/// Where something is written in the lesson file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    /// 1-based; 0 when unknown.
    pub line: usize,
    pub column: usize,
    /// The field path (`steps[3].expect[0]`).
    pub path: String,
}

/// One step of a lesson.
#[derive(Clone, Debug)]
pub struct Step {
    /// 1-based, as students count.
    pub number: usize,
    pub place: Place,
    pub kind: StepKind,
}

/// What a step does.
#[derive(Clone, Debug)]
pub enum StepKind {
    /// Markdown for the student; nothing runs.
    Narrative(String),
    Run(RunStep),
    Inject(InjectStep),
    Set(SetStep),
    Predict(Prediction),
    Expect(Vec<Check>),
}

/// How far a run step goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Until {
    /// An absolute simulated time.
    Time(Micros),
    /// This long after the current time.
    For(Micros),
    /// The scenario's `duration`.
    End,
    /// Until the condition first holds (checked after every event).
    Cond(Condition),
}

#[derive(Clone, Debug)]
pub struct RunStep {
    /// Switch to this scenario first (started from time 0).
    pub scenario: Option<String>,
    /// Start the current scenario again from time 0.
    pub restart: bool,
    pub until: Until,
    /// With a condition: give up this long after the step starts (default:
    /// the end of the scenario).
    pub within: Option<Micros>,
}

/// A fault applied when the step runs, through the kernel's `inject`.
#[derive(Clone, Debug)]
pub struct InjectStep {
    pub label: String,
    /// The fault as the scenario resolver understood it.
    pub action: crate::scenario::ActionSpec,
    /// Undo after this long (as a scenario fault's `duration`).
    pub duration: Option<Micros>,
    /// `crash b1 for 10s`, for people.
    pub text: String,
}

/// A configuration change. The simulator cannot change a client's or a
/// broker's configuration in the middle of a run faithfully (Kafka applies
/// most of these properties at start-up), so the scenario is re-run from
/// time 0 with the change, and the step says so.
#[derive(Clone, Debug)]
pub struct SetStep {
    /// `producer p1: acks = "all"`.
    pub text: String,
    /// Change this scenario (it becomes the current one) rather than the
    /// current one.
    pub scenario_name: Option<String>,
    /// The scenario with this change (and every earlier one) applied.
    pub scenario: Box<Scenario>,
    /// Its TOML text.
    pub source: String,
}

/// A question asked before a run and answered by it.
#[derive(Clone, Debug)]
pub struct Prediction {
    pub question: String,
    pub answer: Answer,
    /// Markdown revealed with the answer.
    pub explain: String,
    /// Checked after the next run: they confirm the answer key.
    pub because: Vec<Check>,
}

/// A quiz question (not tied to a run).
#[derive(Clone, Debug)]
pub struct Question {
    pub place: Place,
    pub question: String,
    pub answer: Answer,
    pub explain: String,
}

/// The right answer of a prediction or a quiz question.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// Multiple choice; `correct` is 0-based.
    Choice { choices: Vec<String>, correct: usize },
    /// A number; a guess within the tolerance counts as right.
    Number { value: i64, tolerance: Tolerance },
    /// A number measured by the next run (a metric, or a report value).
    Measured { subject: Subject, tolerance: Tolerance },
}

/// How far a numeric guess may be from the answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tolerance {
    Absolute(u64),
    /// Percent of the answer.
    Percent(u32),
}

impl Tolerance {
    /// Whether `guess` counts as `answer`.
    pub fn accepts(self, answer: i64, guess: i64) -> bool {
        let diff = answer.abs_diff(guess);
        match self {
            Tolerance::Absolute(t) => diff <= t,
            Tolerance::Percent(p) => u128::from(diff) * 100 <= u128::from(answer.unsigned_abs()) * u128::from(p),
        }
    }
}

impl std::fmt::Display for Tolerance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tolerance::Absolute(t) => write!(f, "± {t}"),
            Tolerance::Percent(p) => write!(f, "± {p}%"),
        }
    }
}

impl Lesson {
    /// The scenario a lesson starts with (the first declared).
    pub fn first_scenario(&self) -> Option<&LessonScenario> {
        self.scenarios.first()
    }
    /// Number of expectations (including those that confirm predictions).
    pub fn check_count(&self) -> usize {
        self.steps
            .iter()
            .map(|s| match &s.kind {
                StepKind::Expect(c) => c.len(),
                StepKind::Predict(p) => p.because.len(),
                _ => 0,
            })
            .sum()
    }
}

/// Formats a located message the way scenario errors are formatted.
pub(crate) fn located(file: &str, place: &Place, message: &str) -> String {
    let e = ScenarioError { file: file.to_string(), line: place.line, column: place.column, path: place.path.clone(), message: message.to_string() };
    e.to_string()
}

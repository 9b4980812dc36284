//! One lesson being taken: the stepper (shared with the views, which draw
//! its world), the student's progress and answers in progress, and the
//! replay of saved progress.
//!
//! Restoring re-runs the steps already done rather than storing any state:
//! lessons are deterministic, so the world after replaying step N is the
//! world the student left. The replay happens a few steps per animation
//! frame (see `LessonsPage`), so the page stays responsive.

use super::grade::{is_right, Guess};
use super::progress::{self, Progress};
use crate::views::WorldSource;
use std::cell::{Ref, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use streamlab_core::lesson::stepper::LessonStepper;
use streamlab_core::lesson::{Lesson, StepKind};
use streamlab_core::world::World;

/// What the views draw: the lesson's current world.
pub struct LessonWorld {
    pub stepper: LessonStepper,
    /// Shown when the stepper has no world: only for a lesson without any
    /// scenario (its steps are all narrative).
    fallback: World,
}

/// The scenario shown beside a lesson that declares none.
const NO_SCENARIO: &str = "name = \"(this lesson has no scenario)\"\nduration = \"1s\"\n";

impl LessonWorld {
    pub fn new(lesson: Lesson) -> Result<Self, String> {
        let sc = match lesson.first_scenario() {
            Some(s) => s.scenario.clone(),
            None => streamlab_core::scenario::parse("none.toml", NO_SCENARIO).map_err(|e| e.to_string())?,
        };
        let seed = sc.effective_seed(lesson.first_scenario().and_then(|s| s.seed));
        Ok(LessonWorld { fallback: World::new(sc, seed), stepper: LessonStepper::new(lesson) })
    }
}

impl WorldSource for LessonWorld {
    fn world(&self) -> &World {
        self.stepper.world().unwrap_or(&self.fallback)
    }
}

/// A lesson being taken.
pub struct Taking {
    /// The id progress is saved under (`None`: not saved).
    pub storage_id: Option<String>,
    pub source: Rc<RefCell<LessonWorld>>,
    pub progress: Progress,
    /// Replay saved progress up to this many steps.
    pub restore_to: usize,
    /// A prediction left unanswered stops the replay (students); an
    /// instructor's preview replays through it.
    pub strict: bool,
    /// Bumped when the world moved / was replaced (for the views).
    pub frame: u64,
    pub run: u64,
    /// The answer being given to the open prediction.
    pub choice: Option<usize>,
    pub number: String,
    pub answer_error: Option<String>,
    /// Quiz answers before they are submitted.
    pub quiz_draft: BTreeMap<usize, Guess>,
    pub quiz_numbers: BTreeMap<usize, String>,
    pub quiz_error: Option<String>,
}

impl Taking {
    /// Starts `lesson`; with `saved`, the steps it records are replayed.
    pub fn new(lesson: Lesson, fingerprint: &str, storage_id: Option<String>, saved: Option<Progress>, strict: bool) -> Result<Self, String> {
        let steps = lesson.steps.len();
        let mut progress = saved.unwrap_or_else(|| Progress::new(fingerprint));
        progress.fingerprint = fingerprint.to_string();
        let restore_to = progress.done.min(steps);
        progress.done = 0;
        let quiz_draft = if progress.quiz_submitted { progress.quiz.clone() } else { BTreeMap::new() };
        Ok(Taking {
            storage_id,
            source: Rc::new(RefCell::new(LessonWorld::new(lesson)?)),
            progress,
            restore_to,
            strict,
            frame: 0,
            run: 0,
            choice: None,
            number: String::new(),
            answer_error: None,
            quiz_draft,
            quiz_numbers: BTreeMap::new(),
            quiz_error: None,
        })
    }

    pub fn world(&self) -> Ref<'_, LessonWorld> {
        self.source.borrow()
    }

    pub fn lesson(&self) -> Ref<'_, Lesson> {
        Ref::map(self.source.borrow(), |w| w.stepper.lesson())
    }

    pub fn done(&self) -> usize {
        self.source.borrow().stepper.done()
    }

    pub fn steps(&self) -> usize {
        self.lesson().steps.len()
    }

    pub fn finished(&self) -> bool {
        self.source.borrow().stepper.finished()
    }

    pub fn restoring(&self) -> bool {
        self.done() < self.restore_to
    }

    /// The step number of the prediction waiting for an answer: the last
    /// step done, if it is a prediction without one.
    pub fn open_prediction(&self) -> Option<usize> {
        let w = self.source.borrow();
        let done = w.stepper.done();
        let step = w.stepper.lesson().steps.get(done.checked_sub(1)?)?;
        (matches!(step.kind, StepKind::Predict(_)) && !self.progress.predictions.contains_key(&step.number)).then_some(step.number)
    }

    /// Whether the prediction of step `n` has been revealed (a run came after it).
    pub fn revealed(&self, n: usize) -> bool {
        self.source.borrow().stepper.outcomes().iter().any(|o| o.kind == "run" && o.number > n)
    }

    /// Runs the next step; saves the progress.
    pub fn advance(&mut self) -> bool {
        let moved = self.source.borrow_mut().stepper.advance().is_some();
        if moved {
            self.frame += 1;
            self.run += 1;
            self.progress.done = self.progress.done.max(self.done());
            if !self.restoring() {
                self.save();
            }
        }
        moved
    }

    /// Replays saved steps until `budget` says stop; returns whether more
    /// remain. A student's replay stops at a prediction they never answered.
    pub fn restore_some(&mut self, mut budget: impl FnMut() -> bool) -> bool {
        while self.restoring() && budget() {
            if self.strict && self.open_prediction().is_some() {
                self.restore_to = self.done();
                break;
            }
            if !self.advance() {
                self.restore_to = self.done();
            }
        }
        if !self.restoring() {
            self.restore_to = self.done();
            self.progress.done = self.done();
            self.save();
        }
        self.restoring()
    }

    pub fn answer(&mut self, step: usize, guess: Guess) {
        self.progress.predictions.insert(step, guess);
        self.choice = None;
        self.number.clear();
        self.answer_error = None;
        self.save();
    }

    /// Submits the quiz (every question must have an answer).
    pub fn submit_quiz(&mut self) -> Result<(), String> {
        let n = self.lesson().quiz.len();
        let missing: Vec<String> = (0..n).filter(|i| !self.quiz_draft.contains_key(i)).map(|i| (i + 1).to_string()).collect();
        if !missing.is_empty() {
            return Err(format!("Answer every question first (missing: {}).", missing.join(", ")));
        }
        self.progress.quiz = self.quiz_draft.clone();
        self.progress.quiz_submitted = true;
        self.quiz_error = None;
        self.save();
        Ok(())
    }

    pub fn retake_quiz(&mut self) {
        self.progress.quiz.clear();
        self.progress.quiz_submitted = false;
        self.quiz_draft.clear();
        self.quiz_numbers.clear();
        self.save();
    }

    /// Right answers in the submitted quiz.
    pub fn quiz_right(&self) -> usize {
        quiz_right(&self.lesson(), &self.progress)
    }

    fn save(&self) {
        if let Some(id) = &self.storage_id {
            progress::save(id, &self.progress);
        }
    }
}

/// Right answers of a progress's quiz.
pub fn quiz_right(lesson: &Lesson, p: &Progress) -> usize {
    lesson.quiz.iter().enumerate().filter(|(i, q)| p.quiz.get(i).is_some_and(|g| is_right(&q.answer, *g, None) == Some(true))).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson04() -> Lesson {
        let (path, text) = streamlab_core::lesson::BUILTIN_LESSONS.iter().find(|(p, _)| p.ends_with("04-losing-a-broker.toml")).unwrap();
        streamlab_core::lesson::parse(path, text, &streamlab_core::lesson::builtin_scenario).unwrap()
    }

    #[test]
    fn a_lesson_without_scenario_still_has_a_world_to_show() {
        let l = streamlab_core::lesson::parse("t.toml", "id = \"t\"\ntitle = \"T\"\nminutes = 5\ngoals = [\"g\"]\n[[steps]]\nnarrative = \"Hi\"\n", &|_| {
            Err("none".into())
        })
        .unwrap();
        let w = LessonWorld::new(l).unwrap();
        assert_eq!(w.world().sim.now(), 0);
    }

    #[test]
    fn replay_stops_at_an_unanswered_prediction_and_answers_unblock() {
        let mut saved = Progress::new("f");
        saved.done = 10;
        saved.predictions.insert(7, Guess::Choice(1));
        let mut t = Taking::new(lesson04(), "f", None, Some(saved), true).unwrap();
        assert!(t.restoring());
        assert!(!t.restore_some(|| true));
        // Step 10 (a prediction) is done, but step 10's answer is not saved…
        assert_eq!(t.done(), 10);
        assert_eq!(t.open_prediction(), Some(10));
        assert!(t.revealed(7) && !t.revealed(10));
        t.answer(10, Guess::Choice(1));
        assert_eq!(t.open_prediction(), None);
        assert!(t.advance());
        assert!(t.revealed(10));
        assert_eq!(t.progress.done, 11);
        // The world is the one the run left: b1 truncated, at the event.
        let w = t.world();
        assert_eq!(w.world().sim.now(), w.stepper.outcomes()[10].time.unwrap());
    }

    #[test]
    fn the_quiz_needs_every_answer() {
        let mut t = Taking::new(lesson04(), "f", None, None, true).unwrap();
        t.quiz_draft.insert(0, Guess::Number(9000));
        assert!(t.submit_quiz().unwrap_err().contains("missing: 2, 3, 4"));
        t.quiz_draft.insert(1, Guess::Choice(1));
        t.quiz_draft.insert(2, Guess::Choice(0));
        t.quiz_draft.insert(3, Guess::Choice(1));
        t.submit_quiz().unwrap();
        assert_eq!(t.quiz_right(), 3);
    }
}

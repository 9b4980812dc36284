//! A student's progress through one lesson, kept in the browser's local
//! storage under `streamlab.lesson.<id>`: how many steps are done, the
//! predictions and quiz answers given. Runs are deterministic, so the
//! steps themselves are not stored: reopening the lesson runs them again.
//!
//! The progress is tied to the lesson's text by a fingerprint: when the
//! lesson changed (a new version of the app), its steps may have moved, so
//! the old progress is set aside and the lesson starts again. Storage may
//! be missing or full; every function here fails quietly.

use super::grade::Guess;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const PREFIX: &str = "streamlab.lesson.";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// [`fingerprint`] of the lesson text the progress was made on.
    pub fingerprint: String,
    /// Steps done.
    pub done: usize,
    /// Prediction answers by step number.
    pub predictions: BTreeMap<usize, Guess>,
    /// Quiz answers by question (0-based), once submitted.
    pub quiz: BTreeMap<usize, Guess>,
    pub quiz_submitted: bool,
}

impl Progress {
    pub fn new(fingerprint: &str) -> Self {
        Progress { fingerprint: fingerprint.to_string(), ..Progress::default() }
    }
}

/// How far a student got, for the lesson list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    NotStarted,
    /// `done` of `steps`.
    InProgress {
        done: usize,
        steps: usize,
    },
    /// Every step done; the quiz not yet submitted.
    QuizToGo,
    Completed {
        right: usize,
        questions: usize,
    },
}

impl Standing {
    pub fn text(&self) -> String {
        match self {
            Standing::NotStarted => "not started".into(),
            Standing::InProgress { done, steps } => format!("step {done} of {steps}"),
            Standing::QuizToGo => "steps done, quiz to go".into(),
            Standing::Completed { questions: 0, .. } => "completed".into(),
            Standing::Completed { right, questions } => format!("completed, quiz {right}/{questions}"),
        }
    }
    pub fn class(&self) -> &'static str {
        match self {
            Standing::NotStarted => "standing-new",
            Standing::InProgress { .. } | Standing::QuizToGo => "standing-started",
            Standing::Completed { .. } => "standing-done",
        }
    }
}

/// The standing of a progress on a lesson of `steps` steps whose quiz
/// answers are judged by `right` (the number of right answers).
pub fn standing(p: Option<&Progress>, steps: usize, questions: usize, right: impl Fn(&Progress) -> usize) -> Standing {
    match p {
        None => Standing::NotStarted,
        Some(p) if p.done == 0 && !p.quiz_submitted => Standing::NotStarted,
        Some(p) if p.done < steps => Standing::InProgress { done: p.done, steps },
        Some(p) if questions > 0 && !p.quiz_submitted => Standing::QuizToGo,
        Some(p) => Standing::Completed { right: right(p), questions },
    }
}

/// FNV-1a (64 bits) of the lesson text, in hex: stable across browsers and
/// builds, so a progress is kept exactly as long as the lesson is unchanged.
pub fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

pub fn key(id: &str) -> String {
    format!("{PREFIX}{id}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The saved progress on lesson `id`, if it was made on this very text.
pub fn load(id: &str, fingerprint: &str) -> Option<Progress> {
    let json = storage()?.get_item(&key(id)).ok().flatten()?;
    decode(&json, fingerprint)
}

/// Reads a saved progress, refusing one made on another text (or garbage).
pub fn decode(json: &str, fingerprint: &str) -> Option<Progress> {
    serde_json::from_str::<Progress>(json).ok().filter(|p| p.fingerprint == fingerprint)
}

/// Whether some progress (possibly on an older text) is saved for `id`.
pub fn exists(id: &str) -> bool {
    storage().and_then(|s| s.get_item(&key(id)).ok().flatten()).is_some()
}

pub fn save(id: &str, p: &Progress) {
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(p)) {
        let _ = s.set_item(&key(id), &json);
    }
}

pub fn clear(id: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&key(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_differ() {
        assert_eq!(fingerprint(""), "cbf29ce484222325");
        assert_eq!(fingerprint("a"), "af63dc4c8601ec8c");
        assert_ne!(fingerprint("lesson v1"), fingerprint("lesson v2"));
    }

    #[test]
    fn progress_round_trips_and_is_tied_to_the_text() {
        let mut p = Progress::new("abc");
        p.done = 5;
        p.predictions.insert(7, Guess::Choice(1));
        p.quiz.insert(0, Guess::Number(9000));
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(decode(&json, "abc"), Some(p.clone()));
        assert_eq!(decode(&json, "other"), None, "made on another text");
        assert_eq!(decode("{not json", "abc"), None);
    }

    #[test]
    fn standings() {
        let mut p = Progress::new("f");
        assert_eq!(standing(None, 23, 4, |_| 0).text(), "not started");
        assert_eq!(standing(Some(&p), 23, 4, |_| 0).text(), "not started");
        p.done = 5;
        assert_eq!(standing(Some(&p), 23, 4, |_| 0).text(), "step 5 of 23");
        p.done = 23;
        assert_eq!(standing(Some(&p), 23, 4, |_| 0).text(), "steps done, quiz to go");
        p.quiz_submitted = true;
        assert_eq!(standing(Some(&p), 23, 4, |_| 3).text(), "completed, quiz 3/4");
        assert_eq!(standing(Some(&p), 23, 0, |_| 0).text(), "completed");
    }
}

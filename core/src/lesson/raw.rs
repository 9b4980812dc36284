//! The lesson file as written: serde structs that mirror the TOML, unknown
//! fields rejected. Parts whose shape depends on another field (a run's
//! target, expectations, answers, the fault and setting tables) stay
//! `toml::Value`s here and are checked by [`super::resolve`], which knows
//! their field paths.

use crate::time::Duration;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLesson {
    pub id: String,
    pub title: String,
    pub minutes: i64,
    #[serde(default)]
    pub goals: Vec<String>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub scenarios: Vec<RawScenarioRef>,
    #[serde(default)]
    pub steps: Vec<RawStep>,
    #[serde(default)]
    pub quiz: Vec<RawQuestion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenarioRef {
    pub name: String,
    /// A path under `scenarios/`, relative to the repository.
    pub file: Option<String>,
    /// The scenario's TOML, written in the lesson.
    pub inline: Option<String>,
    pub seed: Option<i64>,
}

/// One `[[steps]]` entry. Exactly one of the kind keys (`narrative`, `run`,
/// `inject`, `set`, `predict`, `expect`) is given; the other keys belong to
/// one kind each.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub narrative: Option<String>,
    /// `"12s"`, `"+5s"`, `"end"`, or a condition table.
    pub run: Option<toml::Value>,
    pub scenario: Option<String>,
    pub restart: Option<bool>,
    pub within: Option<Duration>,
    /// A `[[faults]]` entry without its trigger.
    pub inject: Option<toml::Table>,
    pub set: Option<toml::Table>,
    /// The question.
    pub predict: Option<String>,
    pub choices: Option<Vec<String>>,
    pub answer: Option<toml::Value>,
    pub tolerance: Option<toml::Value>,
    pub explain: Option<String>,
    pub because: Option<toml::Value>,
    pub expect: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    pub question: String,
    pub choices: Option<Vec<String>>,
    pub answer: toml::Value,
    pub tolerance: Option<toml::Value>,
    #[serde(default)]
    pub explain: String,
}

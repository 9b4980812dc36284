//! The `[jobs.beam]` table: Beam's windowing strategy minus the window
//! function (which comes from the job's common `window`), i.e. the *when*
//! (trigger, allowed lateness) and *how* (accumulation mode) of B-1.
//!
//! Field names follow the Beam Java API (`Window.triggering(..)`,
//! `withAllowedLateness`, `accumulatingFiredPanes()`, `withOnTimeBehavior`).
//! The trigger is a small tagged table, because the real API is a builder:
//!
//! ```toml
//! [jobs.beam]
//! # Window.into(..) with no .triggering(..): DefaultTrigger
//! trigger = { type = "default" }
//! # Repeatedly.forever(AfterPane.elementCountAtLeast(1))
//! trigger = { type = "repeatedly", elementCountAtLeast = 1 }
//! # Repeatedly.forever(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(2 min))
//! trigger = { type = "repeatedly", processingTimeDelay = "2m" }
//! # AfterWatermark.pastEndOfWindow()
//! #   .withEarlyFirings(AfterProcessingTime.pastFirstElementInPane().plusDelayOf(1 min))
//! #   .withLateFirings(AfterPane.elementCountAtLeast(1))
//! trigger = { type = "watermark", early = { processingTimeDelay = "1m" }, late = { elementCountAtLeast = 1 } }
//! allowedLateness = "1000d"
//! accumulationMode = "accumulatingFiredPanes"
//! ```

use super::trigger::{Sub, Trigger};
use crate::stream::types::SpecError;
use crate::time::Duration;
use serde::Deserialize;

/// Beam engine configuration (`[jobs.beam]`): the trigger, allowed
/// lateness, accumulation mode and on-time behaviour of the job's
/// `Window.into(..)` (B-3..B-8).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BeamSpec {
    /// `Window.triggering(..)`: when in processing time panes are emitted
    /// (B-3). A table with `type = "default" | "watermark" | "repeatedly"`;
    /// see [`TriggerSpec`]. Default: `DefaultTrigger`
    /// (`Repeatedly.forever(AfterWatermark.pastEndOfWindow())`).
    pub trigger: TriggerSpec,
    /// `withAllowedLateness`: how long (in event time) past the end of a
    /// window its state is kept; a record for a window with
    /// `maxTimestamp + allowedLateness < inputWatermark` is dropped (B-6).
    /// Default `0`, Beam's default.
    #[serde(rename = "allowedLateness")]
    pub allowed_lateness: Duration,
    /// How successive panes of a window relate (B-5):
    /// `"discardingFiredPanes"` (Beam's default), `"accumulatingFiredPanes"`,
    /// or `"accumulatingAndRetractingFiredPanes"` (the Dataflow model's third
    /// mode; Beam Java never shipped it).
    #[serde(rename = "accumulationMode")]
    pub accumulation_mode: AccumulationMode,
    /// `withOnTimeBehavior`: `"FIRE_ALWAYS"` (default: the ON_TIME pane is
    /// emitted even when it has no new data, B-8) or `"FIRE_IF_NON_EMPTY"`.
    #[serde(rename = "onTimeBehavior")]
    pub on_time_behavior: OnTimeBehavior,
}

/// The trigger of a window (`Window.triggering(..)`), as a tagged table.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TriggerSpec {
    /// `DefaultTrigger` = `Repeatedly.forever(AfterWatermark.pastEndOfWindow())`:
    /// one pane when the watermark passes the end of the window, then one
    /// pane per late record (within the allowed lateness).
    #[default]
    Default,
    /// `AfterWatermark.pastEndOfWindow()` with optional
    /// `.withEarlyFirings(early)` and `.withLateFirings(late)`. Without
    /// `late` the trigger finishes at the end-of-window pane (marked
    /// `isLast`) and later records for the window are dropped.
    Watermark {
        /// `.withEarlyFirings(..)`: repeated before the watermark passes
        /// the end of the window.
        early: Option<SubTriggerSpec>,
        /// `.withLateFirings(..)`: repeated after the end-of-window pane.
        late: Option<SubTriggerSpec>,
    },
    /// `Repeatedly.forever(..)` of one sub-trigger; it ignores the
    /// watermark (panes stay EARLY until the window's final pane at
    /// garbage collection). Exactly one of the two fields.
    Repeatedly {
        /// `AfterPane.elementCountAtLeast(n)`, `n >= 1`.
        #[serde(rename = "elementCountAtLeast")]
        element_count_at_least: Option<u32>,
        /// `AfterProcessingTime.pastFirstElementInPane().plusDelayOf(d)`.
        #[serde(rename = "processingTimeDelay")]
        processing_time_delay: Option<Duration>,
    },
}

/// One early or late sub-trigger (implicitly repeated, as in
/// `AfterWatermarkEarlyAndLate`). Exactly one of the two fields.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubTriggerSpec {
    /// `AfterPane.elementCountAtLeast(n)`, `n >= 1`.
    #[serde(rename = "elementCountAtLeast")]
    pub element_count_at_least: Option<u32>,
    /// `AfterProcessingTime.pastFirstElementInPane().plusDelayOf(d)`
    /// (unaligned: measured from the first record of the pane).
    #[serde(rename = "processingTimeDelay")]
    pub processing_time_delay: Option<Duration>,
}

/// Beam `Window.AccumulationMode` plus the model's retracting mode (B-5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum AccumulationMode {
    /// A pane holds only the records since the previous firing.
    #[default]
    #[serde(rename = "discardingFiredPanes")]
    Discarding,
    /// A pane holds every record of the window so far.
    #[serde(rename = "accumulatingFiredPanes")]
    Accumulating,
    /// Accumulating, and each pane is preceded by the retraction of the
    /// previous value (and, for merged sessions, of every merged-away
    /// session's last value).
    #[serde(rename = "accumulatingAndRetractingFiredPanes")]
    AccumulatingAndRetracting,
}

impl AccumulationMode {
    pub fn accumulates(self) -> bool {
        !matches!(self, AccumulationMode::Discarding)
    }
}

/// Beam `Window.OnTimeBehavior` (B-8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum OnTimeBehavior {
    /// Always emit the ON_TIME pane, even without new data (`TeamX:0` in
    /// discarding mode).
    #[default]
    #[serde(rename = "FIRE_ALWAYS")]
    FireAlways,
    /// Emit the ON_TIME pane only when it has new data.
    #[serde(rename = "FIRE_IF_NON_EMPTY")]
    FireIfNonEmpty,
}

impl BeamSpec {
    /// Turns the serde form into the engine's trigger, checking what serde
    /// cannot (exactly one sub-trigger kind, counts >= 1).
    pub(crate) fn trigger(&self) -> Result<Trigger, SpecError> {
        match &self.trigger {
            TriggerSpec::Default => Ok(Trigger::Default),
            TriggerSpec::Watermark { early, late } => {
                let early = early.as_ref().map(|s| sub(s.element_count_at_least, s.processing_time_delay, "trigger.early")).transpose()?;
                let late = late.as_ref().map(|s| sub(s.element_count_at_least, s.processing_time_delay, "trigger.late")).transpose()?;
                Ok(Trigger::Watermark { early, late })
            }
            TriggerSpec::Repeatedly { element_count_at_least, processing_time_delay } => {
                Ok(Trigger::Repeatedly(sub(*element_count_at_least, *processing_time_delay, "trigger")?))
            }
        }
    }

    /// `allowedLateness` in event-time milliseconds.
    pub(crate) fn lateness_ms(&self) -> i64 {
        i64::try_from(self.allowed_lateness.0 / 1000).unwrap_or(i64::MAX)
    }
}

fn sub(count: Option<u32>, delay: Option<Duration>, field: &str) -> Result<Sub, SpecError> {
    match (count, delay) {
        (Some(0), None) => Err(SpecError::new(format!("{field}.elementCountAtLeast"), "must be at least 1")),
        (Some(n), None) => Ok(Sub::Count(n)),
        (None, Some(d)) => Ok(Sub::Delay(d.0)),
        (Some(_), Some(_)) => Err(SpecError::new(field, "give either elementCountAtLeast or processingTimeDelay, not both")),
        (None, None) => Err(SpecError::new(field, "needs elementCountAtLeast = N or processingTimeDelay = \"1m\"")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<BeamSpec, String> {
        toml::from_str(s).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_are_beams() {
        let s = parse("").unwrap();
        assert_eq!(s.trigger, TriggerSpec::Default);
        assert_eq!(s.allowed_lateness, Duration::ZERO);
        assert_eq!(s.accumulation_mode, AccumulationMode::Discarding);
        assert_eq!(s.on_time_behavior, OnTimeBehavior::FireAlways);
        assert_eq!(s.trigger().unwrap(), Trigger::Default);
    }

    #[test]
    fn early_late_trigger() {
        let s = parse(
            r#"trigger = { type = "watermark", early = { processingTimeDelay = "1m" }, late = { elementCountAtLeast = 1 } }
               allowedLateness = "1000d"
               accumulationMode = "accumulatingAndRetractingFiredPanes""#,
        )
        .unwrap();
        assert_eq!(s.trigger().unwrap(), Trigger::Watermark { early: Some(Sub::Delay(60_000_000)), late: Some(Sub::Count(1)) });
        assert_eq!(s.lateness_ms(), 1000 * 86_400_000);
        assert_eq!(s.accumulation_mode, AccumulationMode::AccumulatingAndRetracting);
    }

    #[test]
    fn repeatedly_trigger() {
        let s = parse(r#"trigger = { type = "repeatedly", processingTimeDelay = "2m" }"#).unwrap();
        assert_eq!(s.trigger().unwrap(), Trigger::Repeatedly(Sub::Delay(120_000_000)));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(parse(r#"trigger = { type = "watermark", erly = {} }"#).is_err());
        assert!(parse(r#"allowedLatenes = "1m""#).is_err());
        assert!(parse(r#"accumulationMode = "accumulating""#).is_err());
        assert!(parse(r#"trigger = { type = "sometimes" }"#).is_err());
        let both = parse(r#"trigger = { type = "repeatedly", elementCountAtLeast = 1, processingTimeDelay = "1m" }"#).unwrap();
        assert_eq!(both.trigger().unwrap_err().field, "trigger");
        let zero = parse(r#"trigger = { type = "watermark", late = { elementCountAtLeast = 0 } }"#).unwrap();
        assert_eq!(zero.trigger().unwrap_err().field, "trigger.late.elementCountAtLeast");
        let none = parse(r#"trigger = { type = "watermark", early = {} }"#).unwrap();
        assert_eq!(none.trigger().unwrap_err().field, "trigger.early");
    }
}

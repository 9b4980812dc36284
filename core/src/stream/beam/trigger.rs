//! Triggers: *when* in processing time a window emits a pane (B-1, B-3).
//!
//! The state-machine triggers of Beam's runners-core
//! (`AfterWatermarkStateMachine.AfterWatermarkEarlyAndLate`,
//! `RepeatedlyStateMachine`, `AfterPaneStateMachine`,
//! `AfterDelayFromFirstElementStateMachine`) reduced to what they decide:
//! a window is in its *early* phase until the watermark fires its
//! end-of-window pane, then in its *late* phase. Each phase runs at most one
//! implicitly repeated sub-trigger. Sub-trigger state is derived from the
//! window's unfired records (a count, or the arrival time of the first one),
//! which is what Beam's trigger state holds after every reset — so merging
//! sessions merges trigger state for free (`AfterPane` sums counts,
//! `AfterDelayFromFirstElement` keeps the earliest timer).

use crate::time::Micros;

/// A repeated sub-trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sub {
    /// `AfterPane.elementCountAtLeast(n)`.
    Count(u32),
    /// `AfterProcessingTime.pastFirstElementInPane().plusDelayOf(d)`, in µs.
    Delay(Micros),
}

/// The window's trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// `Repeatedly.forever(AfterWatermark.pastEndOfWindow())`: the late
    /// phase fires on every record, like `elementCountAtLeast(1)`.
    Default,
    /// `AfterWatermark.pastEndOfWindow().withEarlyFirings(..).withLateFirings(..)`.
    Watermark { early: Option<Sub>, late: Option<Sub> },
    /// `Repeatedly.forever(sub)`: no watermark component.
    Repeatedly(Sub),
}

/// Where a window's trigger is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Before the end-of-window pane (always, for `Repeatedly`).
    Early,
    /// After the end-of-window pane, running the late sub-trigger.
    Late,
    /// The trigger finished (`AfterWatermark` without late firings): the
    /// window drops further records until it is garbage collected.
    Closed,
}

impl Trigger {
    /// Whether the trigger waits for the watermark to pass the end of the
    /// window (and so holds the output watermark there, see the engine).
    pub fn has_watermark(self) -> bool {
        !matches!(self, Trigger::Repeatedly(_))
    }

    /// The sub-trigger running in `phase`.
    pub fn sub_trigger(self, phase: Phase) -> Option<Sub> {
        match (self, phase) {
            (_, Phase::Closed) => None,
            (Trigger::Default, Phase::Early) => None,
            (Trigger::Default, Phase::Late) => Some(Sub::Count(1)),
            (Trigger::Watermark { early, .. }, Phase::Early) => early,
            (Trigger::Watermark { late, .. }, Phase::Late) => late,
            (Trigger::Repeatedly(s), _) => Some(s),
        }
    }

    /// The phase after the end-of-window pane: late firings, or finished
    /// when there are none (`AfterWatermark.pastEndOfWindow()` alone).
    pub fn after_end_of_window(self) -> Phase {
        match self {
            Trigger::Watermark { late: None, .. } => Phase::Closed,
            _ => Phase::Late,
        }
    }

    /// `shouldFire` for a record-driven check: the end-of-window condition
    /// (watermark triggers in their early phase) or a satisfied count.
    pub fn should_fire(self, phase: Phase, unfired: usize, end_passed: bool) -> bool {
        if phase == Phase::Early && self.has_watermark() && end_passed {
            return true;
        }
        matches!(self.sub_trigger(phase), Some(Sub::Count(n)) if unfired >= n as usize && unfired > 0)
    }

    /// The processing-time timer of the running sub-trigger, given the
    /// arrival time of the pane's first unfired record.
    pub fn timer(self, phase: Phase, first_unfired_arrival: Option<Micros>) -> Option<Micros> {
        match (self.sub_trigger(phase), first_unfired_arrival) {
            (Some(Sub::Delay(d)), Some(t)) => Some(t.saturating_add(d)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_trigger_fires_at_end_then_per_record() {
        let t = Trigger::Default;
        assert!(!t.should_fire(Phase::Early, 3, false));
        assert!(t.should_fire(Phase::Early, 0, true));
        assert!(t.should_fire(Phase::Late, 1, true));
        assert_eq!(t.after_end_of_window(), Phase::Late);
    }

    #[test]
    fn watermark_without_late_firings_finishes() {
        let t = Trigger::Watermark { early: Some(Sub::Delay(60)), late: None };
        assert_eq!(t.after_end_of_window(), Phase::Closed);
        assert_eq!(t.timer(Phase::Early, Some(10)), Some(70));
        assert_eq!(t.timer(Phase::Late, Some(10)), None);
        assert!(!t.should_fire(Phase::Closed, 5, true));
    }

    #[test]
    fn repeatedly_ignores_the_watermark() {
        let t = Trigger::Repeatedly(Sub::Count(2));
        assert!(!t.should_fire(Phase::Early, 1, true));
        assert!(t.should_fire(Phase::Early, 2, false));
    }
}

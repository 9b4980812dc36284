//! Triggers: when a window's contents are emitted (`Trigger`,
//! `TriggerResult`). Pure decisions; the operator applies the timer
//! registrations and deletions they ask for.
//!
//! Supported: `EventTimeTrigger` (F-11, the default of every event-time
//! assigner), `CountTrigger.of(n)`, and `PurgingTrigger.of(...)` around
//! either (F-16). `ContinuousEventTimeTrigger` is left out: its behaviour
//! changed across Flink versions (whether it also fires at the window end,
//! how it clamps the next fire time), so no single version is "the" one.

use crate::stream::types::{EventTime, Window};

/// The trigger of a window operator, parsed from the `trigger` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TriggerConf {
    pub(crate) kind: TriggerKind,
    /// `PurgingTrigger.of(inner)`: every FIRE becomes FIRE_AND_PURGE.
    pub(crate) purging: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TriggerKind {
    /// `EventTimeTrigger.create()`.
    EventTime,
    /// `CountTrigger.of(n)`: fires every `n` elements of a window
    /// (`ReducingState<Long>` count, cleared on fire, summed on merge).
    Count(u64),
}

/// `TriggerResult`: whether to emit, and whether to clear the contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) fire: bool,
    pub(crate) purge: bool,
}

impl Decision {
    const CONTINUE: Decision = Decision { fire: false, purge: false };
}

impl TriggerConf {
    /// Parses `"EventTimeTrigger"`, `"EventTimeTrigger.create()"`,
    /// `"CountTrigger.of(3)"`, `"PurgingTrigger.of(EventTimeTrigger)"`,
    /// `"PurgingTrigger.of(CountTrigger.of(3))"` (spaces ignored).
    pub(crate) fn parse(s: &str) -> Result<TriggerConf, String> {
        let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if let Some(inner) = t.strip_prefix("PurgingTrigger.of(").and_then(|r| r.strip_suffix(')')) {
            let kind = parse_kind(inner).ok_or_else(|| unknown(s))?;
            return Ok(TriggerConf { kind, purging: true });
        }
        let kind = parse_kind(&t).ok_or_else(|| unknown(s))?;
        Ok(TriggerConf { kind, purging: false })
    }

    fn fire(&self) -> Decision {
        Decision { fire: true, purge: self.purging }
    }

    /// `Trigger.onElement`. `count` is the window's count state
    /// (CountTrigger). Returns the decision and a timer to register.
    ///
    /// EventTimeTrigger (F-11): if `window.maxTimestamp() <= watermark`
    /// FIRE at once (a late firing, F-16), else register a timer at
    /// `maxTimestamp` and CONTINUE.
    pub(crate) fn on_element(&self, window: Window, wm: EventTime, count: &mut u64) -> (Decision, Option<EventTime>) {
        match self.kind {
            TriggerKind::EventTime => {
                if window.max_timestamp() <= wm {
                    (self.fire(), None)
                } else {
                    (Decision::CONTINUE, Some(window.max_timestamp()))
                }
            }
            TriggerKind::Count(n) => {
                *count += 1;
                if *count >= n {
                    *count = 0;
                    (self.fire(), None)
                } else {
                    (Decision::CONTINUE, None)
                }
            }
        }
    }

    /// `Trigger.onEventTime`: EventTimeTrigger fires iff `time ==
    /// window.maxTimestamp()` (so a cleanup timer at a later time does not
    /// fire); CountTrigger never fires on time.
    pub(crate) fn on_event_time(&self, time: EventTime, window: Window) -> Decision {
        match self.kind {
            TriggerKind::EventTime if time == window.max_timestamp() => self.fire(),
            _ => Decision::CONTINUE,
        }
    }

    /// `Trigger.onMerge`: EventTimeTrigger re-registers the merged window's
    /// timer only if its `maxTimestamp > watermark` (F-11); otherwise the
    /// element itself will FIRE at once in `on_element`. (CountTrigger's
    /// count states are summed by the operator.)
    pub(crate) fn on_merge(&self, merged: Window, wm: EventTime) -> Option<EventTime> {
        match self.kind {
            TriggerKind::EventTime if merged.max_timestamp() > wm => Some(merged.max_timestamp()),
            _ => None,
        }
    }

    /// `Trigger.clear`: the timer to delete (EventTimeTrigger's at
    /// `maxTimestamp`).
    pub(crate) fn clear(&self, window: Window) -> Option<EventTime> {
        match self.kind {
            TriggerKind::EventTime => Some(window.max_timestamp()),
            TriggerKind::Count(_) => None,
        }
    }
}

fn parse_kind(t: &str) -> Option<TriggerKind> {
    match t {
        "EventTimeTrigger" | "EventTimeTrigger.create()" => Some(TriggerKind::EventTime),
        _ => {
            let n = t.strip_prefix("CountTrigger.of(")?.strip_suffix(')')?;
            let n: u64 = n.strip_suffix('L').unwrap_or(n).parse().ok()?;
            (n > 0).then_some(TriggerKind::Count(n))
        }
    }
}

fn unknown(s: &str) -> String {
    format!(
        "unknown trigger {s:?}; expected \"EventTimeTrigger\", \"PurgingTrigger.of(EventTimeTrigger)\", \"CountTrigger.of(n)\" (n >= 1) or \"PurgingTrigger.of(CountTrigger.of(n))\""
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flink_trigger_names() {
        assert_eq!(TriggerConf::parse("EventTimeTrigger").unwrap(), TriggerConf { kind: TriggerKind::EventTime, purging: false });
        assert_eq!(TriggerConf::parse("PurgingTrigger.of(EventTimeTrigger.create())").unwrap(), TriggerConf { kind: TriggerKind::EventTime, purging: true });
        assert_eq!(TriggerConf::parse("PurgingTrigger.of( CountTrigger.of(3) )").unwrap(), TriggerConf { kind: TriggerKind::Count(3), purging: true });
        assert!(TriggerConf::parse("CountTrigger.of(0)").is_err());
        assert!(TriggerConf::parse("PurgingTrigger.of(PurgingTrigger.of(EventTimeTrigger))").is_err());
        assert!(TriggerConf::parse("ProcessingTimeTrigger").is_err());
    }
}

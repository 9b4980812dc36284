//! Flink's `WindowOperator` (keyed event-time windows) as an
//! [`Operator`] hosted by a Flink task: window assigners (F-8..F-10),
//! `EventTimeTrigger` (F-11), event-time timers (F-12), result timestamps
//! (F-13), allowed lateness and cleanup (F-14), the late side output (F-15),
//! late firings (F-16) and the session merge guard (F-17), following
//! `WindowOperator.processElement` / `onEventTime` line by line.
//!
//! Window contents are kept as a list (like a `ProcessWindowFunction` over
//! `ListState`) and the job's [`Aggregate`] is applied at each firing, so
//! every result knows which input records it includes.
//!
//! Deterministic order (Flink's tests sort, the heap order is unspecified):
//! on a watermark, timers fire by timestamp, then key, then window start and
//! end (F-12); a timer registered while firing is fired in the same pass if
//! it is `<= wm`, as `InternalTimerServiceImpl.advanceWatermark` does. For
//! one element, windows are processed in assigner order (sliding:
//! newest-first, F-9); the late side output comes after its firings.
//!
//! Pane metadata (Flink has none; the simulator labels by cause):
//! `ON_TIME` = the firing of the timer at `maxTimestamp` (the watermark
//! passed the end), `LATE` = a firing caused by an element for a window with
//! `maxTimestamp <= watermark` (F-16), `EARLY` = a CountTrigger firing before
//! that. `index` counts firings per (key, window) (a merged session window
//! starts from the sum of the counts of the windows it absorbed);
//! `is_last` marks the firing whose timer also cleans the window up
//! (lateness 0).
//!
//! Late elements: one late for all its windows (`isElementLate`) becomes
//! `Out::Late { window: None }`, side output or dropped (counted as
//! `numLateRecordsDropped`); one late for only some of its sliding windows
//! is kept in the others and reported as `Out::Late { window: Some(w),
//! fate: Dropped }` per skipped window (Flink neither side-outputs nor
//! counts those, F-15).
//!
//! The global window is accepted although it is not an event-time window
//! (`GlobalWindows.isEventTime() == false`): no lateness, no cleanup; with
//! `EventTimeTrigger` its timer is at `Long.MAX_VALUE`, so it fires once, at
//! the end of input (`MAX_WATERMARK`, F-18); with `CountTrigger` it is
//! Flink's `countWindow`.
//!
//! Simplifications: `ContinuousEventTimeTrigger`, evictors and processing-
//! time windows are not modelled; the merge guard, which makes Flink throw
//! `UnsupportedOperationException`, cannot trip with these assigners and
//! triggers (a live session window's cleanup time is always after the
//! watermark) and is handled by skipping the element for that window.

mod assigner;
mod format;
mod merging;
mod trigger;

#[cfg(test)]
mod examples_tests;
#[cfg(test)]
mod tests;

pub use format::{format_out, format_out_for};

use crate::stream::types::{
    Aggregate, Datum, Elem, EventTime, JobShape, LateFate, Operator, Out, Pane, SpecError, Timing, Window, MAX_WATERMARK, MIN_WATERMARK,
};
use crate::time::{Duration, Micros};
use assigner::Assigner;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use trigger::TriggerConf;

/// The window operator's options, `[jobs.flink]` of a scenario: the calls
/// on Flink's `WindowedStream` (`.allowedLateness(...)`,
/// `.sideOutputLateData(tag)`, `.trigger(...)`). The window assigner and the
/// aggregate come from the job (`window`, `aggregate`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowOperatorSpec {
    /// `WindowedStream.allowedLateness`: how long after the watermark passed
    /// a window's end its state is kept and late elements still fire it
    /// (F-14, F-16). Whole milliseconds; default `"0"` (Flink's default).
    /// Ignored for the global window (not an event-time window).
    #[serde(rename = "allowedLateness", default)]
    pub allowed_lateness: Duration,
    /// `WindowedStream.sideOutputLateData(tag)`: elements late for all their
    /// windows go to the late side output instead of being dropped and
    /// counted in `numLateRecordsDropped` (F-15). Default `false`.
    #[serde(rename = "sideOutputLateData", default)]
    pub side_output_late_data: bool,
    /// `WindowedStream.trigger`: `"EventTimeTrigger"` (default),
    /// `"PurgingTrigger.of(EventTimeTrigger)"`, `"CountTrigger.of(n)"` or
    /// `"PurgingTrigger.of(CountTrigger.of(n))"`.
    #[serde(default = "default_trigger")]
    pub trigger: String,
}

/// The name the job node may use for [`WindowOperatorSpec`].
pub type WindowSpecFlink = WindowOperatorSpec;

fn default_trigger() -> String {
    "EventTimeTrigger".into()
}

impl Default for WindowOperatorSpec {
    fn default() -> Self {
        WindowOperatorSpec { allowed_lateness: Duration::ZERO, side_output_late_data: false, trigger: default_trigger() }
    }
}

/// One element in a window's contents.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    /// Arrival order at this operator (contents are kept in it).
    seq: u64,
    id: u64,
    value: Datum,
}

/// The keyed state of one (key, window): `windowState` plus the trigger's
/// partitioned state, plus the pane counters of the simulator.
#[derive(Clone, Debug, Default, PartialEq)]
struct PaneState {
    contents: Vec<Entry>,
    /// CountTrigger's `ReducingState<Long>`.
    count: u64,
    /// Firings so far (the next pane's `index`).
    firings: u32,
    /// ON_TIME and LATE firings so far (the next `on_time_index`).
    non_early: u32,
}

impl PaneState {
    fn absorb(&mut self, other: PaneState) {
        self.contents.extend(other.contents);
        self.contents.sort_by_key(|e| e.seq);
        self.count += other.count;
        self.firings += other.firings;
        self.non_early += other.non_early;
    }
}

/// An event-time timer: `(timestamp, key, window)`, de-duplicated like
/// Flink's `TimerHeapInternalTimer` (key, namespace, timestamp), ordered by
/// timestamp, then key, then window (F-12).
type Timer = (EventTime, String, Window);

/// Flink's `WindowOperator` for one keyed operator instance.
#[derive(Clone, Debug)]
pub struct WindowOperator {
    assigner: Assigner,
    aggregate: Aggregate,
    /// Allowed lateness in ms (0 for the global window).
    lateness: EventTime,
    side_output: bool,
    trigger: TriggerConf,
    /// The operator's current event time (`currentWatermark`).
    wm: EventTime,
    seq: u64,
    panes: BTreeMap<(String, Window), PaneState>,
    /// Live session windows per key (`MergingWindowSet`).
    sessions: BTreeMap<String, BTreeSet<Window>>,
    timers: BTreeSet<Timer>,
    late_dropped: u64,
    side_outputs: u64,
}

impl WindowOperator {
    /// Builds the operator for a job: validates the window (Flink's
    /// assigner preconditions), the lateness and the trigger.
    pub fn new(shape: &JobShape, spec: &WindowOperatorSpec) -> Result<Self, SpecError> {
        let assigner = Assigner::from_spec(&shape.window)?;
        if !spec.allowed_lateness.0.is_multiple_of(1000) {
            return Err(SpecError::new("allowedLateness", "allowedLateness must be a whole number of milliseconds"));
        }
        let lateness = i64::try_from(spec.allowed_lateness.0 / 1000).map_err(|_| SpecError::new("allowedLateness", "allowedLateness is too large"))?;
        let trigger = TriggerConf::parse(&spec.trigger).map_err(|m| SpecError::new("trigger", m))?;
        Ok(WindowOperator {
            assigner,
            aggregate: shape.aggregate.clone(),
            // WindowOperatorBuilder: lateness only matters for event-time assigners
            lateness: if assigner.is_event_time() { lateness } else { 0 },
            side_output: spec.side_output_late_data,
            trigger,
            wm: MIN_WATERMARK,
            seq: 0,
            panes: BTreeMap::new(),
            sessions: BTreeMap::new(),
            timers: BTreeSet::new(),
            late_dropped: 0,
            side_outputs: 0,
        })
    }

    /// The operator's event time (the last watermark it saw).
    pub fn current_watermark(&self) -> EventTime {
        self.wm
    }
    /// Flink's `numLateRecordsDropped` metric (elements late for all their
    /// windows, without a side output).
    pub fn num_late_records_dropped(&self) -> u64 {
        self.late_dropped
    }
    /// Elements sent to the late side output.
    pub fn num_side_output(&self) -> u64 {
        self.side_outputs
    }
    /// (key, window) pairs holding state.
    pub fn open_windows(&self) -> usize {
        self.panes.len()
    }
    /// Registered event-time timers (trigger and cleanup timers).
    pub fn pending_timers(&self) -> usize {
        self.timers.len()
    }

    /// `cleanupTime(w) = maxTimestamp + allowedLateness`, saturating at
    /// `Long.MAX_VALUE` (F-14).
    fn cleanup_time(&self, w: Window) -> EventTime {
        w.max_timestamp().checked_add(self.lateness).unwrap_or(MAX_WATERMARK)
    }
    /// `isWindowLate(w) = cleanupTime(w) <= currentWatermark` (F-14).
    fn is_window_late(&self, w: Window) -> bool {
        self.assigner.is_event_time() && self.cleanup_time(w) <= self.wm
    }
    /// `isElementLate = ts + allowedLateness <= currentWatermark` (F-15).
    fn is_element_late(&self, ts: EventTime) -> bool {
        self.assigner.is_event_time() && ts.saturating_add(self.lateness) <= self.wm
    }
    /// `registerCleanupTimer`: none for "end of time" (saturated or the
    /// global window).
    fn register_cleanup_timer(&mut self, key: &str, w: Window) {
        let t = self.cleanup_time(w);
        if self.assigner.is_event_time() && t != MAX_WATERMARK {
            self.timers.insert((t, key.to_string(), w));
        }
    }
    fn delete_cleanup_timer(&mut self, key: &str, w: Window) {
        let t = self.cleanup_time(w);
        self.timers.remove(&(t, key.to_string(), w));
    }

    /// `MergingWindowSet.addWindow` with the merge function of
    /// `processElement`: returns the actual window, or None when the merge
    /// guard (F-17) refuses it.
    fn add_session_window(&mut self, key: &str, proto: Window) -> Option<Window> {
        let live = self.sessions.entry(key.to_string()).or_default();
        let added = merging::add_window(live, proto);
        if added.absorbed.is_empty() {
            live.insert(added.window);
            return Some(added.window);
        }
        let result = added.window;
        // F-17: "The end timestamp of an event-time window cannot become
        // earlier than the current watermark by merging."
        if result.max_timestamp().saturating_add(self.lateness) <= self.wm {
            return None;
        }
        if let Some(t) = self.trigger.on_merge(result, self.wm) {
            self.timers.insert((t, key.to_string(), result));
        }
        let mut merged = PaneState::default();
        for m in &added.absorbed {
            if let Some(t) = self.trigger.clear(*m) {
                self.timers.remove(&(t, key.to_string(), *m));
            }
            self.delete_cleanup_timer(key, *m);
            if let Some(st) = self.panes.remove(&(key.to_string(), *m)) {
                merged.absorb(st);
            }
        }
        self.panes.insert((key.to_string(), result), merged);
        let live = self.sessions.entry(key.to_string()).or_default();
        for m in &added.absorbed {
            live.remove(m);
        }
        live.insert(result);
        Some(result)
    }

    /// `mergingWindows.retireWindow`.
    fn retire(&mut self, key: &str, w: Window) {
        if let Some(live) = self.sessions.get_mut(key) {
            live.remove(&w);
            if live.is_empty() {
                self.sessions.remove(key);
            }
        }
    }

    /// Adds the element to the window's contents and asks the trigger
    /// (the body of the per-window loop of `processElement`).
    fn add_and_trigger(&mut self, pt: Micros, e: &Elem, w: Window, out: &mut Vec<Out>) {
        self.seq += 1;
        let (wm, trigger) = (self.wm, self.trigger);
        let st = self.panes.entry((e.key.clone(), w)).or_default();
        st.contents.push(Entry { seq: self.seq, id: e.id, value: e.value.clone() });
        let (decision, timer) = trigger.on_element(w, wm, &mut st.count);
        if let Some(t) = timer {
            self.timers.insert((t, e.key.clone(), w));
        }
        if decision.fire {
            let timing = if w.max_timestamp() <= wm { Timing::Late } else { Timing::Early };
            self.emit(pt, &e.key, w, timing, false, out);
        }
        if decision.purge {
            if let Some(st) = self.panes.get_mut(&(e.key.clone(), w)) {
                st.contents.clear();
            }
        }
        self.register_cleanup_timer(&e.key, w);
    }

    /// `emitWindowContents`: the aggregate over the contents, timestamped
    /// `window.maxTimestamp()` (F-13). Nothing if the contents are empty
    /// (purged), as Flink skips `null` state.
    fn emit(&mut self, pt: Micros, key: &str, w: Window, timing: Timing, is_last: bool, out: &mut Vec<Out>) {
        let Some(st) = self.panes.get_mut(&(key.to_string(), w)) else { return };
        if st.contents.is_empty() {
            return;
        }
        let value = self.aggregate.apply(st.contents.iter().map(|c| &c.value));
        let mut pane = Pane::plain(Some(w), key.to_string(), value, w.max_timestamp(), pt);
        pane.timing = Some(timing);
        pane.index = st.firings;
        pane.is_first = st.firings == 0;
        pane.is_last = is_last;
        if timing != Timing::Early {
            pane.on_time_index = Some(st.non_early);
            st.non_early += 1;
        }
        st.firings += 1;
        pane.inputs = st.contents.iter().map(|c| c.id).collect();
        out.push(Out::Pane(pane));
    }

    /// `onEventTime` for one timer.
    fn on_event_time(&mut self, pt: Micros, time: EventTime, key: &str, w: Window, out: &mut Vec<Out>) {
        if self.assigner.is_merging() && !self.sessions.get(key).is_some_and(|l| l.contains(&w)) {
            // "Timer firing for non-existent window": nothing to do.
            return;
        }
        let decision = self.trigger.on_event_time(time, w);
        let cleanup = self.assigner.is_event_time() && time == self.cleanup_time(w);
        if decision.fire {
            self.emit(pt, key, w, Timing::OnTime, cleanup, out);
        }
        if decision.purge {
            if let Some(st) = self.panes.get_mut(&(key.to_string(), w)) {
                st.contents.clear();
            }
        }
        if cleanup {
            // clearAllState: window state, trigger state and timers, merging set entry
            self.panes.remove(&(key.to_string(), w));
            if let Some(t) = self.trigger.clear(w) {
                self.timers.remove(&(t, key.to_string(), w));
            }
            self.retire(key, w);
        }
    }

    fn late(&mut self, e: Elem, out: &mut Vec<Out>) {
        let fate = if self.side_output {
            self.side_outputs += 1;
            LateFate::SideOutput
        } else {
            self.late_dropped += 1;
            LateFate::Dropped
        };
        out.push(Out::Late { elem: e, window: None, fate });
    }
}

impl Operator for WindowOperator {
    /// `WindowOperator.processElement`.
    fn on_element(&mut self, pt: Micros, e: Elem, out: &mut Vec<Out>) {
        let windows = self.assigner.assign(e.ts);
        if windows.is_empty() {
            // a timestamp whose window does not fit in i64 (Flink throws or overflows)
            self.late_dropped += 1;
            out.push(Out::Late { elem: e, window: None, fate: LateFate::Dropped });
            return;
        }
        let mut skipped_all = true;
        let mut skipped = Vec::new();
        for proto in windows {
            let w = if self.assigner.is_merging() {
                match self.add_session_window(&e.key, proto) {
                    Some(w) => w,
                    None => continue,
                }
            } else {
                proto
            };
            if self.is_window_late(w) {
                if self.assigner.is_merging() {
                    self.retire(&e.key, w);
                }
                skipped.push(w);
                continue;
            }
            skipped_all = false;
            self.add_and_trigger(pt, &e, w, out);
        }
        if skipped_all {
            if self.is_element_late(e.ts) {
                self.late(e, out);
            }
        } else {
            // F-15: late for some windows only: not side output, not counted
            // by Flink; reported per window so the loss is visible.
            for w in skipped {
                out.push(Out::Late { elem: e.clone(), window: Some(w), fate: LateFate::Dropped });
            }
        }
    }

    /// `InternalTimerServiceImpl.advanceWatermark` + `onEventTime` (F-12).
    fn on_watermark(&mut self, pt: Micros, wm: EventTime, out: &mut Vec<Out>) {
        if wm <= self.wm {
            return;
        }
        self.wm = wm;
        while self.timers.first().is_some_and(|t| t.0 <= wm) {
            let Some((time, key, w)) = self.timers.pop_first() else { break };
            self.on_event_time(pt, time, &key, w, out);
        }
    }
}

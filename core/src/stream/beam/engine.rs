//! The engine: Beam's `GroupByKey` with a windowing strategy, i.e.
//! `ReduceFnRunner` driven by a runner's watermarks and timers.
//!
//! Each call ([`Engine`]) is one *bundle*: first the processing-time timers
//! that are due (`<= pt`) fire, as when a `TestStream` advances processing
//! time before adding elements; then the call's own work. The output
//! watermark a bundle sees is computed once at its start:
//! `min(input watermark, every window's hold)` (`describePane` reads it to
//! tell ON_TIME from LATE).

use super::pane::{describe, Clocks, PaneMeta};
use super::spec::{AccumulationMode, BeamSpec, OnTimeBehavior};
use super::state::{Emitted, Item, WinState};
use super::trigger::{Phase, Trigger};
use super::windowing::{max_ts, overlaps, span, WindowFn};
use crate::stream::types::{Aggregate, Elem, Engine, EventTime, JobShape, LateFate, Out, Pane, SpecError, Timing, Window, MAX_WATERMARK, MIN_WATERMARK};
use crate::time::Micros;
use std::collections::BTreeMap;

/// The operator name in [`Out::Watermark`] reports.
pub const GBK: &str = "GroupByKey";

/// A Dataflow/Beam model job: windowing from the [`JobShape`], trigger,
/// allowed lateness and accumulation from the [`BeamSpec`].
#[derive(Clone, Debug)]
pub struct BeamEngine {
    window_fn: WindowFn,
    aggregate: Aggregate,
    trigger: Trigger,
    mode: AccumulationMode,
    lateness: EventTime,
    on_time: OnTimeBehavior,
    /// Scripted watermark of each source channel (Beam convention B-2:
    /// `wm = E` means every input before `E` was seen).
    channel_wm: Vec<EventTime>,
    /// The GroupByKey's input watermark: the minimum over channels.
    input_wm: EventTime,
    /// The input ended: the watermark is +∞ and every window is done.
    ended: bool,
    /// The last output watermark reported.
    reported_wm: EventTime,
    windows: BTreeMap<String, BTreeMap<Window, WinState>>,
}

/// Why a window fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cause {
    /// The trigger (`shouldFire` after a record, a timer or the watermark).
    Trigger,
    /// Garbage collection: the watermark passed `end + allowedLateness`
    /// (or the input ended). The final pane, `isLast`.
    Collect,
}

impl BeamEngine {
    pub fn new(shape: &JobShape, spec: &BeamSpec) -> Result<BeamEngine, SpecError> {
        let window_fn = WindowFn::new(&shape.window)?;
        let trigger = spec.trigger()?;
        let channels = shape.channels().max(1) as usize;
        Ok(BeamEngine {
            window_fn,
            aggregate: shape.aggregate.clone(),
            trigger,
            mode: spec.accumulation_mode,
            lateness: spec.lateness_ms(),
            on_time: spec.on_time_behavior,
            channel_wm: vec![MIN_WATERMARK; channels],
            input_wm: MIN_WATERMARK,
            ended: false,
            reported_wm: MIN_WATERMARK,
            windows: BTreeMap::new(),
        })
    }

    /// The GroupByKey's input watermark (+∞ = `MAX_WATERMARK` once ended).
    pub fn input_watermark(&self) -> EventTime {
        self.input_wm
    }

    /// The output watermark: the input watermark held back by the windows'
    /// holds (`WatermarkHold`).
    pub fn output_watermark(&self) -> EventTime {
        self.windows.values().flat_map(|m| m.values()).filter_map(|s| s.hold).fold(self.input_wm, EventTime::min)
    }

    /// B-3: the input watermark is past the window's max timestamp.
    fn end_passed(&self, w: &Window) -> bool {
        self.ended || self.input_wm > max_ts(w)
    }

    /// B-6, `canDropDueToExpiredWindow`: `maxTimestamp + allowedLateness`
    /// is before the input watermark.
    fn expired(&self, w: &Window) -> bool {
        self.ended || max_ts(w).saturating_add(self.lateness) < self.input_wm
    }

    fn report_watermark(&mut self, out: &mut Vec<Out>) {
        let wm = self.output_watermark();
        if wm > self.reported_wm {
            self.reported_wm = wm;
            out.push(Out::Watermark { op: GBK.into(), wm });
        }
    }

    /// The earliest processing-time timer: `(time, window, key)`.
    fn next_timer(&self) -> Option<(Micros, Window, String)> {
        let mut best: Option<(Micros, EventTime, Window, &String)> = None;
        for (key, m) in &self.windows {
            for (w, s) in m {
                if let Some(t) = self.trigger.timer(s.phase, s.first_unfired_arrival()) {
                    let cand = (t, max_ts(w), *w, key);
                    let better = match &best {
                        None => true,
                        Some(b) => (cand.0, cand.1, cand.2, cand.3) < (b.0, b.1, b.2, b.3),
                    };
                    if better {
                        best = Some(cand);
                    }
                }
            }
        }
        best.map(|(t, _, w, k)| (t, w, k.clone()))
    }

    /// Fires every processing-time timer due at `pt`, in timer order (ties:
    /// window end, window start, key). Timers set for the same instant form
    /// one bundle (one output-watermark snapshot).
    fn fire_due_timers(&mut self, pt: Micros, out: &mut Vec<Out>) {
        let mut bundle: Option<(Micros, EventTime)> = None;
        while let Some((t, w, key)) = self.next_timer() {
            if t > pt {
                break;
            }
            let snap = match bundle {
                Some((bt, snap)) if bt == t => snap,
                _ => self.output_watermark(),
            };
            bundle = Some((t, snap));
            self.fire(&key, w, Cause::Trigger, snap, pt, out);
        }
    }

    /// The input watermark advanced (or the input ended): fire the
    /// end-of-window panes of watermark triggers and collect expired
    /// windows, in order of window end, start, key.
    fn on_input_watermark(&mut self, pt: Micros, out: &mut Vec<Out>) {
        let snap = self.output_watermark();
        let mut due: Vec<(EventTime, Window, String, Cause)> = Vec::new();
        for (key, m) in &self.windows {
            for (w, s) in m {
                if self.expired(w) {
                    due.push((max_ts(w), *w, key.clone(), Cause::Collect));
                } else if s.phase == Phase::Early && self.trigger.has_watermark() && self.end_passed(w) {
                    due.push((max_ts(w), *w, key.clone(), Cause::Trigger));
                }
            }
        }
        due.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        for (_, w, key, cause) in due {
            self.fire(&key, w, cause, snap, pt, out);
        }
        self.report_watermark(out);
    }

    /// Fires one window: describes the pane, emits it if it must be
    /// emitted, then updates the trigger phase, buffered records and hold.
    fn fire(&mut self, key: &str, w: Window, cause: Cause, snap: EventTime, pt: Micros, out: &mut Vec<Out>) {
        let end_passed = self.end_passed(&w);
        let input_wm = self.input_wm;
        let (trigger, mode, on_time) = (self.trigger, self.mode, self.on_time);
        let Some(st) = self.windows.get_mut(key).and_then(|m| m.get_mut(&w)) else {
            return;
        };
        if st.phase == Phase::Closed {
            if cause == Cause::Collect {
                self.remove(key, &w);
            }
            return;
        }
        let end_of_window = trigger.has_watermark() && st.phase == Phase::Early && end_passed;
        let next_phase = if end_of_window { trigger.after_end_of_window() } else { st.phase };
        let is_final = cause == Cause::Collect || next_phase == Phase::Closed;
        let meta = describe(st.prev.as_ref(), Clocks { max_ts: max_ts(&w), end_passed, output_wm: snap }, is_final);
        let has_new = st.unfired() > 0;
        // ReduceFnRunner.needToEmit: new data, or the ON_TIME pane under
        // FIRE_ALWAYS (B-8). ClosingBehavior is FIRE_IF_NON_EMPTY.
        if has_new || (meta.timing == Timing::OnTime && on_time == OnTimeBehavior::FireAlways) {
            let items: Vec<&Item> = st.items.iter().filter(|i| mode.accumulates() || !i.fired).collect();
            let value = self.aggregate.apply(items.iter().map(|i| &i.value));
            let inputs: Vec<u64> = items.iter().map(|i| i.id).collect();
            if mode == AccumulationMode::AccumulatingAndRetracting {
                let mut retract = std::mem::take(&mut st.retract);
                retract.sort_by_key(|r| r.window);
                retract.extend(st.last.take());
                for r in retract {
                    out.push(Out::Pane(retraction(key, r, &meta, pt)));
                }
                st.last = Some(Emitted { window: w, value: value.clone(), inputs: inputs.clone() });
            }
            out.push(Out::Pane(Pane {
                window: Some(w),
                key: key.to_string(),
                value,
                retraction: false,
                timing: Some(meta.timing),
                index: meta.index,
                on_time_index: meta.on_time_index,
                is_first: meta.is_first,
                is_last: meta.is_last,
                out_ts: w.max_timestamp(),
                emit: pt,
                batch: None,
                inputs,
                txn: None,
            }));
            st.prev = Some(meta);
        }
        if mode.accumulates() {
            st.items.iter_mut().for_each(|i| i.fired = true);
        } else {
            st.items.clear();
        }
        st.phase = next_phase;
        // WatermarkHold.extractAndRelease: holds go with the pane; a
        // watermark trigger that will still fire its end-of-window pane
        // keeps an end-of-window hold (see the module docs for why
        // `Repeatedly` triggers do not).
        st.hold = None;
        if !is_final && trigger.has_watermark() && max_ts(&w) >= input_wm {
            st.hold = Some(max_ts(&w));
        }
        if cause == Cause::Collect {
            self.remove(key, &w);
        } else if next_phase == Phase::Closed {
            st.items.clear();
            st.retract.clear();
        }
    }

    fn remove(&mut self, key: &str, w: &Window) {
        if let Some(m) = self.windows.get_mut(key) {
            m.remove(w);
            if m.is_empty() {
                self.windows.remove(key);
            }
        }
    }

    /// Merges the session proto-window `proto` of `key` with every active
    /// window it (transitively) overlaps, as `MergeOverlappingIntervalWindows`
    /// does, and returns the window the record goes to.
    fn merge_session(&mut self, key: &str, proto: Window) -> Window {
        let input_wm = self.input_wm;
        let lateness = self.lateness;
        let m = self.windows.entry(key.to_string()).or_default();
        let mut union = proto;
        let mut parts: Vec<Window> = Vec::new();
        loop {
            let more: Vec<Window> = m.keys().filter(|w| !parts.contains(w) && overlaps(w, &union)).copied().collect();
            if more.is_empty() {
                break;
            }
            for w in more {
                union = span(&union, &w);
                parts.push(w);
            }
        }
        parts.sort();
        // Beam merges only when the candidate set {proto} ∪ parts has more
        // than one distinct window.
        if parts.is_empty() || (parts.len() == 1 && parts[0] == proto) {
            m.entry(proto).or_default();
            return proto;
        }
        let mut result = if parts.contains(&union) { m.remove(&union).unwrap_or_default() } else { WinState::new() };
        for w in parts.iter().filter(|w| **w != union) {
            if let Some(s) = m.remove(w) {
                result.absorb(s);
            }
        }
        // AfterWatermarkEarlyAndLate.onMerge: the proto-window's early
        // trigger never finished, so the merged trigger is back in its early
        // phase (a finished trigger is not carried over either — a
        // simplification for watermark triggers without late firings).
        result.phase = Phase::Early;
        // WatermarkHold.onMerge: an end-of-window hold, or when too late for
        // that a garbage-collection hold.
        let mts = max_ts(&union);
        result.hold = None;
        if mts >= input_wm {
            result.add_hold(mts);
        } else if lateness > 0 {
            result.add_hold(mts.saturating_add(lateness));
        }
        m.insert(union, result);
        union
    }

    fn late(e: &Elem, window: Option<Window>) -> Out {
        Out::Late { elem: e.clone(), window, fate: LateFate::Dropped }
    }
}

/// The retraction of an earlier value (accumulating & retracting): the old
/// window, value, timestamp and inputs, labelled with the new pane's
/// timing and indices.
fn retraction(key: &str, r: Emitted, meta: &PaneMeta, pt: Micros) -> Pane {
    Pane {
        window: Some(r.window),
        key: key.to_string(),
        value: r.value,
        retraction: true,
        timing: Some(meta.timing),
        index: meta.index,
        on_time_index: meta.on_time_index,
        is_first: false,
        is_last: false,
        out_ts: r.window.max_timestamp(),
        emit: pt,
        batch: None,
        inputs: r.inputs,
        txn: None,
    }
}

impl Engine for BeamEngine {
    fn on_record(&mut self, pt: Micros, _channel: u32, e: Elem, out: &mut Vec<Out>) {
        self.fire_due_timers(pt, out);
        let snap = self.output_watermark();
        let assigned = self.window_fn.assign(e.ts);
        // LateDataDroppingDoFnRunner: drop per window, before merging.
        let (dropped, live): (Vec<Window>, Vec<Window>) = assigned.iter().partition(|w| self.expired(w));
        if live.is_empty() && assigned.len() > 1 {
            out.push(Self::late(&e, None));
        } else {
            out.extend(dropped.iter().map(|w| Self::late(&e, Some(*w))));
        }
        for proto in live {
            let w = if self.window_fn.is_merging() { self.merge_session(&e.key, proto) } else { proto };
            let (input_wm, lateness) = (self.input_wm, self.lateness);
            let st = self.windows.entry(e.key.clone()).or_default().entry(w).or_default();
            if st.phase == Phase::Closed {
                // The trigger finished: Beam counts droppedDueToClosedWindow.
                out.push(Self::late(&e, Some(w)));
                continue;
            }
            st.items.push(Item { id: e.id, value: e.value.clone(), arrival: pt, fired: false });
            // WatermarkHold.addHolds: an element hold at the output timestamp
            // (END_OF_WINDOW: max_ts) while the window can still be on time,
            // else a garbage-collection hold.
            let mts = max_ts(&w);
            if mts >= input_wm && mts >= snap {
                st.add_hold(mts);
            } else if lateness > 0 {
                st.add_hold(mts.saturating_add(lateness));
            }
            let (phase, unfired) = (st.phase, st.unfired());
            if self.trigger.should_fire(phase, unfired, self.end_passed(&w)) {
                self.fire(&e.key, w, Cause::Trigger, snap, pt, out);
            }
        }
        self.report_watermark(out);
    }

    fn on_watermark(&mut self, pt: Micros, channel: u32, wm: EventTime, out: &mut Vec<Out>) {
        self.fire_due_timers(pt, out);
        if self.ended {
            return;
        }
        let c = channel as usize;
        if c >= self.channel_wm.len() {
            self.channel_wm.resize(c + 1, MIN_WATERMARK);
        }
        self.channel_wm[c] = self.channel_wm[c].max(wm);
        let combined = self.channel_wm.iter().copied().min().unwrap_or(MIN_WATERMARK);
        if combined == MAX_WATERMARK {
            self.on_end_of_input(pt, out);
        } else if combined > self.input_wm {
            self.input_wm = combined;
            self.on_input_watermark(pt, out);
        }
    }

    fn on_end_of_input(&mut self, pt: Micros, out: &mut Vec<Out>) {
        self.fire_due_timers(pt, out);
        if self.ended {
            return;
        }
        self.ended = true;
        self.input_wm = MAX_WATERMARK;
        self.channel_wm.iter_mut().for_each(|w| *w = MAX_WATERMARK);
        self.on_input_watermark(pt, out);
    }

    fn next_wakeup(&self) -> Option<Micros> {
        self.next_timer().map(|(t, _, _)| t)
    }

    fn on_wakeup(&mut self, pt: Micros, out: &mut Vec<Out>) {
        self.fire_due_timers(pt, out);
        self.report_watermark(out);
    }
}

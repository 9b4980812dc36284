//! Unit tests of the window operator beyond the worked examples: the
//! boundary cheat-sheet, negative timestamps, per-window lateness of
//! sliding windows, merging and its guard, overflow, the global window,
//! CountTrigger, pane metadata and configuration errors.

use super::*;
use crate::stream::types::WindowSpec;

/// Drives a [`WindowOperator`] the way Flink's
/// `OneInputStreamOperatorTestHarness` does: elements (value 1) and explicit
/// watermarks; each call returns the lines it produced.
pub(super) struct Harness {
    pub(super) op: WindowOperator,
    pub(super) window: WindowSpec,
    pub(super) outs: Vec<Out>,
    next_id: u64,
    pt: Micros,
}

pub(super) fn shape(window: WindowSpec) -> JobShape {
    JobShape { name: "t".into(), window, aggregate: Aggregate::Sum, sources: vec![1], parallelism: 1 }
}

pub(super) fn spec(lateness_ms: u64, side_output: bool, trigger: &str) -> WindowOperatorSpec {
    WindowOperatorSpec { allowed_lateness: Duration::from_millis(lateness_ms), side_output_late_data: side_output, trigger: trigger.into() }
}

pub(super) fn tumbling(size: i64) -> WindowSpec {
    WindowSpec::Tumbling { size, offset: 0 }
}
pub(super) fn sliding(size: i64, slide: i64) -> WindowSpec {
    WindowSpec::Sliding { size, slide, offset: 0 }
}
pub(super) fn session(gap: i64) -> WindowSpec {
    WindowSpec::Session { gap }
}

impl Harness {
    pub(super) fn new(window: WindowSpec, spec: WindowOperatorSpec) -> Self {
        let op = WindowOperator::new(&shape(window.clone()), &spec).expect("valid spec");
        Harness { op, window, outs: Vec::new(), next_id: 0, pt: 0 }
    }
    /// `processElement(new StreamRecord<>(new Tuple2<>(key, 1), ts))`.
    pub(super) fn element(&mut self, key: &str, ts: EventTime) -> Vec<String> {
        self.element_value(key, ts, Datum::Int(1))
    }
    pub(super) fn element_value(&mut self, key: &str, ts: EventTime, value: Datum) -> Vec<String> {
        self.pt += 1000;
        let e = Elem { id: self.next_id, key: key.into(), value, ts, arrival: self.pt };
        self.next_id += 1;
        let mut out = Vec::new();
        self.op.on_element(self.pt, e, &mut out);
        self.record(out)
    }
    /// `processWatermark(new Watermark(wm))`.
    pub(super) fn watermark(&mut self, wm: EventTime) -> Vec<String> {
        self.pt += 1000;
        let mut out = Vec::new();
        self.op.on_watermark(self.pt, wm, &mut out);
        self.record(out)
    }
    fn record(&mut self, out: Vec<Out>) -> Vec<String> {
        let lines = out.iter().filter_map(|o| format_out_for(&self.window, o)).collect();
        self.outs.extend(out);
        lines
    }
    pub(super) fn panes(&self) -> Vec<&Pane> {
        self.outs.iter().filter_map(|o| if let Out::Pane(p) = o { Some(p) } else { None }).collect()
    }
}

pub(super) fn lines(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Reference 1G, Flink row: window [0, 1000), no lateness. The result is
/// emitted when wm >= 999 (`maxTimestamp <= wm`); an element at 999 is
/// dropped when wm >= 999 (`999 + 0 <= wm`).
#[test]
fn boundary_cheat_sheet_flink_row() {
    let mut h = Harness::new(tumbling(1000), spec(0, false, "EventTimeTrigger"));
    assert!(h.element("k", 0).is_empty());
    assert!(h.watermark(998).is_empty());
    // still accepted at wm 998: 999 + 0 > 998
    assert!(h.element("k", 999).is_empty());
    assert_eq!(h.watermark(999), lines(&["(k,2)@999"]));
    // now 999 + 0 <= 999: late for its only window, dropped and counted
    assert_eq!(h.element("k", 999), lines(&["dropped (k,1)@999"]));
    assert_eq!(h.op.num_late_records_dropped(), 1);
    assert_eq!(h.op.open_windows(), 0);
    assert_eq!(h.op.pending_timers(), 0);
}

/// F-8: Flink 2.x start formula, negative timestamps and offsets.
#[test]
fn negative_timestamps_and_offsets() {
    let t = Assigner::from_spec(&tumbling(1000)).unwrap();
    assert_eq!(t.assign(-1), vec![Window::new(-1000, 0)]);
    assert_eq!(t.assign(-1000), vec![Window::new(-1000, 0)]);
    assert_eq!(t.assign(-1001), vec![Window::new(-2000, -1000)]);
    assert_eq!(t.assign(0), vec![Window::new(0, 1000)]);
    // Flink 1.x: start = ts - (ts - offset + size) % size puts -1001 into
    // [-1000, 0), a window that does not contain it.
    let legacy = |ts: i64, offset: i64, size: i64| ts - (ts - offset + size) % size;
    assert_eq!(legacy(-1001, 0, 1000), -1000);
    assert_eq!(assigner::window_start(-1001, 0, 1000), Some(-2000));
    assert_eq!(legacy(-1, 0, 1000), -1000); // agrees while ts - offset >= -size
    let off = Assigner::from_spec(&WindowSpec::Tumbling { size: 1000, offset: 300 }).unwrap();
    assert_eq!(off.assign(0), vec![Window::new(-700, 300)]);
    assert_eq!(off.assign(-701), vec![Window::new(-1700, -700)]);
    let neg = Assigner::from_spec(&WindowSpec::Tumbling { size: 1000, offset: -300 }).unwrap();
    assert_eq!(neg.assign(0), vec![Window::new(-300, 700)]);
    // F-9: sliding windows newest-first, negative starts allowed
    let s = Assigner::from_spec(&sliding(3000, 1000)).unwrap();
    assert_eq!(s.assign(0), vec![Window::new(0, 3000), Window::new(-1000, 2000), Window::new(-2000, 1000)]);
    assert_eq!(s.assign(-1), vec![Window::new(-1000, 2000), Window::new(-2000, 1000), Window::new(-3000, 0)]);
    // end to end: a window entirely before the epoch fires at its maxTimestamp
    let mut h = Harness::new(tumbling(1000), spec(0, false, "EventTimeTrigger"));
    h.element("k", -1500);
    h.element("k", -1001);
    assert!(h.watermark(-1002).is_empty());
    assert_eq!(h.watermark(-1001), lines(&["(k,2)@-1001"]));
}

/// F-15, Flink's `testSideOutputDueToLatenessSliding`: an element late for
/// one of its sliding windows is dropped from that window only and kept in
/// the others (not side output); one late for all goes to the side output.
#[test]
fn sliding_partly_late_is_not_side_output() {
    let mut h = Harness::new(sliding(3000, 1000), spec(0, true, "EventTimeTrigger"));
    h.element("key2", 1000);
    assert_eq!(h.watermark(1999), lines(&["(key2,1)@1999"]));
    h.element("key2", 2000);
    assert_eq!(h.watermark(3000), lines(&["(key2,2)@2999"]));
    assert!(h.element("key1", 3001).is_empty());
    // 2400 belongs to windows ending 2999 (late at wm 3000), 3999, 4999
    assert_eq!(h.element("key2", 2400), lines(&["dropped (key2,1)@2400 from [0,3000)"]));
    assert_eq!(h.element("key2", 2400), lines(&["dropped (key2,1)@2400 from [0,3000)"]));
    h.element("key1", 3001);
    h.element("key2", 3900);
    // timers fire by timestamp, then key
    assert_eq!(h.watermark(6000), lines(&["(key1,2)@3999", "(key2,5)@3999", "(key1,2)@4999", "(key2,4)@4999", "(key1,2)@5999", "(key2,1)@5999"]));
    assert_eq!(h.element("key1", 3001), lines(&["side output (key1,1)@3001"]));
    assert!(h.watermark(25000).is_empty());
    assert_eq!(h.op.num_side_output(), 1);
    assert_eq!(h.op.num_late_records_dropped(), 0, "partial drops are not counted by Flink");
    // without a side output tag the fully late element is dropped and counted
    let mut d = Harness::new(sliding(3000, 1000), spec(0, false, "EventTimeTrigger"));
    d.watermark(6000);
    assert_eq!(d.element("key1", 3001), lines(&["dropped (key1,1)@3001"]));
    assert_eq!(d.op.num_late_records_dropped(), 1);
}

/// F-17 and merging around the watermark: a proto-window that is late on
/// its own is accepted when it merges into a live session; one that merges
/// with nothing is retired and the element is late.
#[test]
fn late_proto_window_merging_into_live_session() {
    let mut h = Harness::new(session(3000), spec(0, true, "EventTimeTrigger"));
    h.element("k", 5000); // [5000, 8000)
    h.watermark(6000);
    // [2500, 5500) alone would be late (5499 <= 6000); merged it is [2500, 8000)
    assert!(h.element("k", 2500).is_empty());
    // [-1000, 2000) does not touch [2500, 8000): late, side output
    assert_eq!(h.element("k", -1000), lines(&["side output (k,1)@-1000"]));
    assert_eq!(h.watermark(7999), lines(&["(k-2,2500,8000)@7999"]));
    assert_eq!(h.op.open_windows(), 0);
    assert_eq!(h.op.pending_timers(), 0);
}

/// F-17 guard itself: merging into a window whose `maxTimestamp +
/// allowedLateness <= wm`. Flink throws; unreachable through the public API
/// (live windows always end after the watermark), so the state is forced
/// here: the merge is refused, the element treated as late, nothing changes.
#[test]
fn merge_guard_refuses_moving_a_window_end_behind_the_watermark() {
    let mut h = Harness::new(session(3000), spec(0, true, "EventTimeTrigger"));
    h.element("k", 1000); // [1000, 4000), timer 3999
    h.op.wm = 10_000; // watermark moved without firing timers (not possible in Flink)
    let before = (h.op.panes.clone(), h.op.sessions.clone(), h.op.timers.clone());
    // [3000, 6000) would merge into [1000, 6000): 5999 + 0 <= 10000
    assert_eq!(h.element("k", 3000), lines(&["side output (k,1)@3000"]));
    assert_eq!((h.op.panes.clone(), h.op.sessions.clone(), h.op.timers.clone()), before);
}

/// F-11 `onMerge` with allowed lateness: a late element merges a fired
/// session into a longer one whose end is after the watermark; the merged
/// window gets a new timer and fires ON_TIME; the old window's cleanup
/// timer is deleted.
#[test]
fn merged_session_reregisters_its_timer() {
    let mut h = Harness::new(session(3000), spec(2000, false, "EventTimeTrigger"));
    h.element("k", 1000);
    assert_eq!(h.watermark(4500), lines(&["(k-1,1000,4000)@3999"]));
    assert_eq!(h.op.pending_timers(), 1); // cleanup at 5999
    assert!(h.element("k", 3800).is_empty()); // [1000, 6800), maxTs 6799 > 4500
    assert_eq!(h.op.timers.iter().map(|t| t.0).collect::<Vec<_>>(), vec![6799, 8799]);
    assert_eq!(h.watermark(7000), lines(&["(k-2,1000,6800)@6799"]));
    let p = h.panes()[1];
    assert_eq!((p.timing, p.index, p.on_time_index), (Some(Timing::OnTime), 1, Some(1)));
    assert_eq!(p.inputs, vec![0, 1]);
    // touching sessions merge (F-10): 6800 is exactly `gap` after 3800
    assert!(h.element("k", 6800).is_empty()); // within lateness: merges into [1000, 9800)
    assert_eq!(h.watermark(9799), lines(&["(k-3,1000,9800)@9799"]));
}

/// Flink's `testCleanupTimeOverflow`: `maxTimestamp + lateness` saturates
/// at `Long.MAX_VALUE` instead of wrapping and cleaning the window early.
#[test]
fn cleanup_time_saturates() {
    let mut h = Harness::new(tumbling(1000), spec(2000, false, "EventTimeTrigger"));
    let ts = i64::MAX - 1750;
    let w = Assigner::from_spec(&tumbling(1000)).unwrap().assign(ts)[0];
    assert!(w.max_timestamp().checked_add(2000).is_none());
    h.element("key2", ts);
    assert!(h.watermark(i64::MAX - 1500).is_empty());
    assert_eq!(h.watermark(w.max_timestamp()), vec![format!("(key2,1)@{}", w.max_timestamp())]);
}

/// F-18 and the global window: not an event-time window (no lateness, no
/// cleanup); with EventTimeTrigger it fires once, at MAX_WATERMARK.
#[test]
fn global_window_fires_at_end_of_input() {
    let mut h = Harness::new(WindowSpec::Global, spec(5000, false, "EventTimeTrigger"));
    h.element("k", 10);
    h.element("k", 20);
    assert!(h.watermark(1_000_000_000).is_empty());
    assert!(h.element("k", 5).is_empty(), "nothing is late in the global window");
    assert_eq!(h.watermark(MAX_WATERMARK), vec![format!("(k,3)@{MAX_WATERMARK}")]);
    assert_eq!(h.panes()[0].timing, Some(Timing::OnTime));
}

/// `countWindow(2)` = GlobalWindows + `PurgingTrigger.of(CountTrigger.of(2))`;
/// a non-purging CountTrigger on tumbling windows fires the accumulated
/// contents every n elements and never on the watermark.
#[test]
fn count_trigger() {
    let mut h = Harness::new(WindowSpec::Global, spec(0, false, "PurgingTrigger.of(CountTrigger.of(2))"));
    let got: Vec<String> = (0..5).flat_map(|i| h.element("k", i)).collect();
    assert_eq!(got, vec![format!("(k,2)@{MAX_WATERMARK}"), format!("(k,2)@{MAX_WATERMARK}")]);
    assert!(h.panes().iter().all(|p| p.timing == Some(Timing::Early)));
    assert_eq!(h.panes()[1].inputs, vec![2, 3]);

    let mut t = Harness::new(tumbling(1000), spec(0, false, "CountTrigger.of(2)"));
    assert!(t.element("k", 1).is_empty());
    assert_eq!(t.element("k", 2), lines(&["(k,2)@999"]));
    assert!(t.element("k", 3).is_empty());
    assert_eq!(t.element("k", 4), lines(&["(k,4)@999"]));
    assert!(t.element("k", 5).is_empty());
    // the watermark only cleans the window up: the fifth element is never emitted
    assert!(t.watermark(999).is_empty());
    assert_eq!(t.op.open_windows(), 0);
}

/// Spec parsing and validation with Flink's preconditions and messages.
#[test]
fn spec_validation() {
    let s: WindowOperatorSpec =
        toml::from_str("allowedLateness = \"500ms\"\nsideOutputLateData = true\ntrigger = \"PurgingTrigger.of(EventTimeTrigger)\"").unwrap();
    assert_eq!(s, spec(500, true, "PurgingTrigger.of(EventTimeTrigger)"));
    assert_eq!(toml::from_str::<WindowOperatorSpec>("").unwrap(), WindowOperatorSpec::default());
    assert!(toml::from_str::<WindowOperatorSpec>("lateness = \"1s\"").is_err());
    let err = |w: WindowSpec, s: WindowOperatorSpec| WindowOperator::new(&shape(w), &s).unwrap_err().field;
    assert_eq!(err(WindowSpec::Tumbling { size: 1000, offset: 1000 }, spec(0, false, "EventTimeTrigger")), "window.offset");
    assert_eq!(err(WindowSpec::Tumbling { size: 1000, offset: -1000 }, spec(0, false, "EventTimeTrigger")), "window.offset");
    assert_eq!(err(WindowSpec::Tumbling { size: 0, offset: 0 }, spec(0, false, "EventTimeTrigger")), "window.size");
    assert_eq!(err(WindowSpec::Sliding { size: 3000, slide: 1000, offset: 1000 }, spec(0, false, "EventTimeTrigger")), "window.offset");
    assert_eq!(err(WindowSpec::Sliding { size: 3000, slide: 0, offset: 0 }, spec(0, false, "EventTimeTrigger")), "window.slide");
    assert_eq!(err(WindowSpec::Session { gap: 0 }, spec(0, false, "EventTimeTrigger")), "window.gap");
    assert_eq!(err(tumbling(1000), spec(0, false, "ProcessingTimeTrigger")), "trigger");
    let sub_ms = WindowOperatorSpec { allowed_lateness: Duration(1500), ..WindowOperatorSpec::default() };
    assert_eq!(err(tumbling(1000), sub_ms), "allowedLateness");
    assert!(WindowOperator::new(&shape(WindowSpec::Tumbling { size: 1000, offset: 999 }), &WindowOperatorSpec::default()).is_ok());
}

/// Same calls, same outputs; a clone taken mid-run (a checkpoint) continues
/// identically.
#[test]
fn deterministic_and_snapshot_is_clone() {
    let run = |h: &mut Harness| {
        let mut v = Vec::new();
        for (k, ts) in [("b", 10), ("a", 20), ("b", 1500), ("a", 900), ("c", 1999)] {
            v.extend(h.element(k, ts));
        }
        v
    };
    let mut a = Harness::new(sliding(2000, 500), spec(100, true, "EventTimeTrigger"));
    run(&mut a);
    let mut b = Harness { op: a.op.clone(), window: a.window.clone(), outs: Vec::new(), next_id: 100, pt: a.pt };
    for wm in [499, 999, 2000, 5000] {
        assert_eq!(a.watermark(wm), b.watermark(wm));
    }
    assert_eq!(a.outs[a.outs.len() - b.outs.len()..], b.outs[..]);
}

//! The worked examples EX-F1, EX-F2, EX-F3, EX-F5 and EX-F6 of the
//! reference (Flink's `WindowOperatorTest`), with exact outputs. Flink's
//! tests sort the outputs of one watermark; here the order is the
//! operator's deterministic one (timer timestamp, then key).

use super::tests::{lines, session, sliding, spec, tumbling, Harness};
use super::*;

const NONE: &[&str] = &[];

/// The elements of EX-F1 / EX-F2, out of order.
fn feed_ex_f1(h: &mut Harness) {
    for (k, ts) in [("key2", 3999), ("key2", 3000), ("key1", 20), ("key1", 0), ("key1", 999), ("key2", 1998), ("key2", 1999), ("key2", 1000)] {
        assert!(h.element(k, ts).is_empty());
    }
}

/// EX-F1: tumbling 3 s (`testTumblingEventTimeWindows`), including the
/// snapshot + restore at wm 1999 (a clone of the operator).
#[test]
fn ex_f1_tumbling() {
    let mut h = Harness::new(tumbling(3000), spec(0, false, "EventTimeTrigger"));
    feed_ex_f1(&mut h);
    assert_eq!(h.watermark(999), lines(NONE));
    assert_eq!(h.watermark(1999), lines(NONE));
    // snapshot, close, restore
    let snapshot = h.op.clone();
    h.op = snapshot;
    assert_eq!(h.watermark(2999), lines(&["(key1,3)@2999", "(key2,3)@2999"]));
    assert_eq!(h.watermark(3999), lines(NONE));
    assert_eq!(h.watermark(4999), lines(NONE));
    assert_eq!(h.watermark(5999), lines(&["(key2,2)@5999"]));
    assert_eq!(h.watermark(6999), lines(NONE));
    assert_eq!(h.watermark(7999), lines(NONE));
    // pane metadata: ON_TIME, first and (lateness 0) last, F-13 timestamp
    let p = h.panes()[0];
    assert_eq!(p.window, Some(Window::new(0, 3000)));
    assert_eq!((p.key.as_str(), &p.value, p.out_ts), ("key1", &Datum::Int(3), 2999));
    assert_eq!((p.timing, p.index, p.on_time_index, p.is_first, p.is_last), (Some(Timing::OnTime), 0, Some(0), true, true));
    assert_eq!(p.inputs, vec![2, 3, 4]);
    assert_eq!(h.op.open_windows(), 0);
}

/// EX-F2: sliding 3 s / 1 s (`testSlidingEventTimeWindows`); the first
/// result is window [-2000, 1000).
#[test]
fn ex_f2_sliding() {
    let mut h = Harness::new(sliding(3000, 1000), spec(0, false, "EventTimeTrigger"));
    feed_ex_f1(&mut h);
    assert_eq!(h.watermark(999), lines(&["(key1,3)@999"]));
    assert_eq!(h.panes()[0].window, Some(Window::new(-2000, 1000)));
    assert_eq!(h.watermark(1999), lines(&["(key1,3)@1999", "(key2,3)@1999"]));
    assert_eq!(h.watermark(2999), lines(&["(key1,3)@2999", "(key2,3)@2999"]));
    let snapshot = h.op.clone();
    h.op = snapshot;
    assert_eq!(h.watermark(3999), lines(&["(key2,5)@3999"]));
    assert_eq!(h.watermark(4999), lines(&["(key2,2)@4999"]));
    assert_eq!(h.watermark(5999), lines(&["(key2,2)@5999"]));
    assert_eq!(h.watermark(6999), lines(NONE));
    assert_eq!(h.watermark(7999), lines(NONE));
}

/// EX-F3: late element to the side output, tumbling 2 s, lateness 0
/// (`testSideOutputDueToLatenessTumbling`).
#[test]
fn ex_f3_side_output_tumbling() {
    let mut h = Harness::new(tumbling(2000), spec(0, true, "EventTimeTrigger"));
    assert_eq!(h.element("key2", 1000), lines(NONE));
    assert_eq!(h.watermark(1985), lines(NONE));
    // not late: maxTimestamp 1999 > 1985
    assert_eq!(h.element("key2", 1980), lines(NONE));
    assert_eq!(h.watermark(1999), lines(&["(key2,2)@1999"]));
    assert_eq!(h.element("key2", 1998), lines(&["side output (key2,1)@1998"]));
    assert_eq!(h.element("key2", 2001), lines(NONE));
    assert_eq!(h.watermark(2999), lines(NONE));
    assert_eq!(h.watermark(3999), lines(&["(key2,1)@3999"]));
    assert_eq!((h.op.num_side_output(), h.op.num_late_records_dropped()), (1, 0));
}

fn ex_f5(trigger: &str) -> (Harness, Vec<Vec<String>>) {
    let mut h = Harness::new(tumbling(2000), spec(500, true, trigger));
    let mut steps = Vec::new();
    let mut step = |v: Vec<Vec<String>>| steps.push(v.concat());
    step(vec![h.element("key2", 500), h.watermark(1500)]);
    step(vec![h.element("key2", 1300), h.watermark(2300)]);
    // cleanup 1999 + 500 = 2499 > 2300: accepted; maxTs <= wm: immediate FIRE
    step(vec![h.element("key2", 1997), h.watermark(6000)]);
    // 2499 <= 6000: late
    step(vec![h.element("key2", 1998), h.watermark(7000)]);
    (h, steps)
}

/// EX-F5: allowed lateness 500 ms with `PurgingTrigger.of(EventTimeTrigger)`
/// (`testLateness`): the late firing holds only the late element.
#[test]
fn ex_f5_lateness_purging() {
    let (h, steps) = ex_f5("PurgingTrigger.of(EventTimeTrigger)");
    assert_eq!(steps, vec![lines(NONE), lines(&["(key2,2)@1999"]), lines(&["(key2,1)@1999"]), lines(&["side output (key2,1)@1998"])]);
    let p = h.panes();
    assert_eq!((p[0].timing, p[0].index, p[0].is_last), (Some(Timing::OnTime), 0, false));
    assert_eq!((p[1].timing, p[1].index, p[1].on_time_index), (Some(Timing::Late), 1, Some(1)));
    assert_eq!(p[1].inputs, vec![2]);
}

/// EX-F5 corollary (F-11/F-16): with the non-purging `EventTimeTrigger` the
/// late firing carries the full accumulated contents: (key2,3)@1999.
#[test]
fn ex_f5_lateness_accumulating() {
    let (h, steps) = ex_f5("EventTimeTrigger");
    assert_eq!(steps, vec![lines(NONE), lines(&["(key2,2)@1999"]), lines(&["(key2,3)@1999"]), lines(&["side output (key2,1)@1998"])]);
    let p = h.panes();
    assert_eq!((p[1].timing, p[1].index), (Some(Timing::Late), 1));
    assert_eq!(p[1].inputs, vec![0, 1, 2]);
}

fn ex_f6(trigger: &str, second_late: bool) -> Vec<Vec<String>> {
    let mut h = Harness::new(session(3000), spec(0, true, trigger));
    let mut steps = Vec::new();
    let mut step = |v: Vec<Vec<String>>| steps.push(v.concat());
    step(vec![h.element("key2", 1000), h.watermark(1999)]);
    step(vec![h.element("key2", 2000), h.watermark(4998)]);
    step(vec![h.element("key2", 4500), h.element("key2", 8500), h.watermark(7400)]);
    step(vec![h.element("key2", 7000), h.watermark(11501)]);
    step(vec![h.element("key2", 11600), h.watermark(14600)]);
    if second_late {
        step(vec![h.element("key2", 10000), h.element("key2", 10100)]);
    } else {
        step(vec![h.element("key2", 10000)]);
    }
    step(vec![h.element("key2", 14500), h.watermark(20000)]);
    step(vec![h.watermark(100000)]);
    let first = h.panes()[0];
    assert_eq!((first.window, first.key.as_str(), &first.value, first.out_ts), (Some(Window::new(1000, 11500)), "key2", &Datum::Int(5), 11499));
    steps
}

/// EX-F6: event-time sessions, gap 3 s, lateness 0
/// (`testSideOutputDueToLatenessSessionZeroLateness`).
#[test]
fn ex_f6_sessions() {
    assert_eq!(
        ex_f6("EventTimeTrigger", false),
        vec![
            lines(NONE),
            lines(NONE),
            lines(NONE),
            lines(&["(key2-5,1000,11500)@11499"]),
            lines(&["(key2-1,11600,14600)@14599"]),
            lines(&["side output (key2,1)@10000"]),
            lines(&["(key2-1,14500,17500)@17499"]),
            lines(NONE),
        ]
    );
}

/// EX-F6 purging variant (`...SessionZeroLatenessPurgingTrigger`): same
/// outputs; the second late element (10100) is also side output, not merged
/// with the first.
#[test]
fn ex_f6_sessions_purging() {
    assert_eq!(
        ex_f6("PurgingTrigger.of(EventTimeTrigger)", true),
        vec![
            lines(NONE),
            lines(NONE),
            lines(NONE),
            lines(&["(key2-5,1000,11500)@11499"]),
            lines(&["(key2-1,11600,14600)@14599"]),
            lines(&["side output (key2,1)@10000", "side output (key2,1)@10100"]),
            lines(&["(key2-1,14500,17500)@17499"]),
            lines(NONE),
        ]
    );
}

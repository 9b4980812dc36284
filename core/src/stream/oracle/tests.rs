//! Oracle tests on the book's data set (EX-B0, EX-B6, EX-B9, EX-B10) and
//! small hand examples (retractions, duplicates, latency percentiles).

use super::latency::nearest_rank;
use super::*;
use crate::stream::types::{Aggregate, Datum, Elem, JobShape, LateFate, Pane, Window, WindowSpec};

const MIN: i64 = 60_000;
const BASE: i64 = 12 * 3_600_000;

/// "12:MM:SS" → event-time ms.
fn t(m: i64, s: i64) -> i64 {
    BASE + m * MIN + s * 1000
}

/// "12:MM:SS" processing time → µs since the run start at 12:00:00.
fn pt(m: u64, s: u64) -> u64 {
    (m * 60 + s) * 1_000_000
}

fn w(a: i64, b: i64) -> Window {
    Window::new(a, b)
}

/// EX-B0 as replayed by `BeamModelTest` (5 at 12:04:59, 7 @ 12:02:24,
/// 9 @ 12:01:25); ids are the CSV rows 0..8.
fn ex_b0() -> Vec<Elem> {
    let rows = [
        (5, t(0, 26), pt(4, 59)),
        (7, t(2, 24), pt(5, 39)),
        (3, t(3, 39), pt(6, 13)),
        (4, t(4, 19), pt(6, 39)),
        (8, t(3, 6), pt(7, 6)),
        (3, t(6, 39), pt(7, 19)),
        (9, t(1, 25), pt(8, 19)),
        (8, t(7, 26), pt(8, 39)),
        (1, t(7, 46), pt(9, 0)),
    ];
    rows.iter().enumerate().map(|(i, (v, ts, a))| Elem { id: i as u64, key: "TeamX".into(), value: Datum::Int(*v), ts: *ts, arrival: *a }).collect()
}

fn shape(window: WindowSpec) -> JobShape {
    JobShape { name: "team-score".into(), window, aggregate: Aggregate::Sum, sources: vec![1], parallelism: 1 }
}

fn two_min() -> JobShape {
    shape(WindowSpec::Tumbling { size: 2 * MIN, offset: 0 })
}

fn win(i: i64) -> Window {
    w(t(2 * i, 0), t(2 * i + 2, 0))
}

fn pane(window: Window, value: i64, inputs: &[u64], emit: u64) -> Pane {
    let mut p = Pane::plain(Some(window), "TeamX".into(), Datum::Int(value), window.max_timestamp(), emit);
    p.inputs = inputs.to_vec();
    p
}

fn retraction(window: Window, value: i64, inputs: &[u64], emit: u64) -> Pane {
    let mut p = pane(window, value, inputs, emit);
    p.retraction = true;
    p
}

#[test]
fn ideal_fixed_two_minute_windows_ex_b0() {
    let rows = ideal(&two_min(), false, &ex_b0());
    let got: Vec<(Option<Window>, i64, Vec<u64>)> = rows
        .iter()
        .map(|r| match r.value {
            Datum::Int(v) => (r.window, v, r.inputs.clone()),
            _ => panic!("integer sums"),
        })
        .collect();
    assert_eq!(got, vec![(Some(win(0)), 14, vec![0, 6]), (Some(win(1)), 18, vec![1, 2, 4]), (Some(win(2)), 4, vec![3]), (Some(win(3)), 12, vec![5, 7, 8]),]);
}

#[test]
fn ideal_global_sliding_and_offset() {
    let g = ideal(&shape(WindowSpec::Global), false, &ex_b0());
    assert_eq!((g.len(), g[0].window, &g[0].value), (1, None, &Datum::Int(48)));
    // Sliding 10 ms / 5 ms includes windows before the epoch (generic
    // rule, unlike Kafka's K-1); a 3 ms offset shifts the grid.
    assert_eq!(windows_of(&WindowSpec::Sliding { size: 10, slide: 5, offset: 0 }, 3), vec![w(-5, 5), w(0, 10)]);
    assert_eq!(windows_of(&WindowSpec::Tumbling { size: 10, offset: 3 }, 2), vec![w(-7, 3)]);
    assert_eq!(windows_of(&WindowSpec::Tumbling { size: 10, offset: 0 }, -1), vec![w(-10, 0)]);
    assert!(windows_of(&WindowSpec::Tumbling { size: 0, offset: 0 }, 5).is_empty());
}

#[test]
fn ideal_sessions_touching_rule() {
    // EX-B10's final sessions with Beam's strict-overlap rule.
    let s = ideal(&shape(WindowSpec::Session { gap: MIN }), false, &ex_b0());
    let got: Vec<(Option<Window>, Datum)> = s.iter().map(|r| (r.window, r.value.clone())).collect();
    assert_eq!(got, vec![(Some(w(t(0, 26), t(5, 19))), Datum::Int(36)), (Some(w(t(6, 39), t(8, 46))), Datum::Int(12))]);
    // Two records exactly one gap apart: separate for Beam, one session
    // for Flink / Spark / Kafka Streams.
    let es: Vec<Elem> = [0, 60].iter().enumerate().map(|(i, ts)| Elem { id: i as u64, key: "k".into(), value: Datum::Int(1), ts: *ts, arrival: 0 }).collect();
    let sh = shape(WindowSpec::Session { gap: 60 });
    assert_eq!(ideal(&sh, false, &es).iter().map(|r| r.window.unwrap()).collect::<Vec<_>>(), vec![w(0, 60), w(60, 120)]);
    assert_eq!(ideal(&sh, true, &es).iter().map(|r| r.window.unwrap()).collect::<Vec<_>>(), vec![w(0, 120)]);
}

#[test]
fn ideal_dedupes_redeliveries_and_keeps_arrival_order_for_concat() {
    let mk = |id, v: &str, ts, a| Elem { id, key: "k".into(), value: Datum::Text(v.into()), ts, arrival: a };
    let inputs = vec![mk(1, "b", 5, 20), mk(0, "a", 6, 10), mk(1, "b", 5, 90)];
    let sh = JobShape { aggregate: Aggregate::Concat, ..shape(WindowSpec::Tumbling { size: 10, offset: 0 }) };
    let rows = ideal(&sh, true, &inputs);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].value.clone(), rows[0].inputs.clone()), (Datum::Text("+a+b".into()), vec![0, 1]));
}

/// EX-B6, heuristic watermark: the 9 (id 6) is dropped as late.
fn ex_b6_heuristic() -> Vec<Pane> {
    vec![pane(win(0), 5, &[0], pt(6, 0)), pane(win(1), 18, &[1, 2, 4], pt(7, 30)), pane(win(2), 4, &[3], pt(7, 40)), pane(win(3), 12, &[5, 7, 8], pt(10, 0))]
}

#[test]
fn compare_flags_the_heuristic_first_window() {
    let inputs = ex_b0();
    let late: Vec<LateEntry> = vec![(6, Some(win(0)), LateFate::Dropped)];
    let r = compare(&ideal(&two_min(), false, &inputs), &ex_b6_heuristic(), Refinement::Accumulating, &inputs, &late);
    let first = &r.rows[0];
    assert_eq!((first.window, first.ideal.clone(), first.actual.clone()), (Some(win(0)), Some(Datum::Int(14)), Some(Datum::Int(5))));
    assert!(!first.correct && !first.complete);
    assert_eq!((first.missing.clone(), first.missing_late.clone()), (vec![6], vec![6]));
    assert_eq!((first.first_emit, first.final_emit, first.panes), (Some(pt(6, 0)), Some(pt(6, 0)), 1));
    assert!(r.rows[1..].iter().all(|row| row.correct && row.complete && !row.extra));
    assert_eq!(r.totals, Totals { ideal_rows: 4, correct: 3, incorrect: 1, missing_rows: 0, extra_rows: 0, incomplete_rows: 1 });
    assert_eq!(r.late, LateCounts { dropped: 1, dropped_inputs: 1, side_output: 0 });
    // The perfect-watermark run (EX-B6 left) is all correct.
    let mut perfect = ex_b6_heuristic();
    perfect[0] = pane(win(0), 14, &[0, 6], pt(9, 0));
    let r = compare(&ideal(&two_min(), false, &inputs), &perfect, Refinement::Accumulating, &inputs, &[]);
    assert_eq!((r.totals.correct, r.totals.incomplete_rows), (4, 0));
}

/// EX-B9 (discarding, heuristic watermark): early, on-time and late panes.
fn ex_b9() -> Vec<Pane> {
    vec![
        pane(win(0), 5, &[0], pt(5, 59)),
        pane(win(0), 0, &[], pt(6, 0)),
        pane(win(0), 9, &[6], pt(8, 19)),
        pane(win(1), 10, &[1, 2], pt(6, 39)),
        pane(win(1), 8, &[4], pt(7, 30)),
        pane(win(2), 4, &[3], pt(7, 39)),
        pane(win(2), 0, &[], pt(7, 40)),
        pane(win(3), 3, &[5], pt(8, 19)),
        pane(win(3), 9, &[7, 8], pt(9, 30)),
    ]
}

#[test]
fn discarding_fold_adds_panes() {
    let inputs = ex_b0();
    let ideal_rows = ideal(&two_min(), false, &inputs);
    let r = compare(&ideal_rows, &ex_b9(), Refinement::Discarding, &inputs, &[]);
    assert_eq!(r.rows.iter().map(|row| row.actual.clone().unwrap()).collect::<Vec<_>>(), vec![Datum::Int(14), Datum::Int(18), Datum::Int(4), Datum::Int(12)]);
    assert!(r.rows.iter().all(|row| row.correct && row.complete && row.duplicated.is_empty()));
    assert_eq!(r.rows[0].panes, 3);
    // Read as accumulating, the same panes are wrong: the last pane is a delta.
    let r = compare(&ideal_rows, &ex_b9(), Refinement::Accumulating, &inputs, &[]);
    assert_eq!(r.rows[0].actual, Some(Datum::Int(9)));
    assert_eq!(r.rows[0].missing, vec![0]);
    assert_eq!((r.totals.correct, r.totals.incorrect), (0, 4));
}

#[test]
fn retracting_fold_sums_with_negative_retractions() {
    let inputs = ex_b0();
    let ideal_rows = ideal(&two_min(), false, &inputs);
    // [12:06, 12:08): 3, then 12 with the retraction of 3 (EX-B9 table).
    let outs = vec![pane(win(3), 3, &[5], pt(8, 19)), pane(win(3), 12, &[5, 7, 8], pt(9, 30)), retraction(win(3), 3, &[5], pt(9, 30))];
    let r = compare(&ideal_rows, &outs, Refinement::Retracting, &inputs, &[]);
    let row = r.rows.iter().find(|row| row.window == Some(win(3))).unwrap();
    assert_eq!(row.actual, Some(Datum::Int(12)));
    assert!(row.correct && row.complete && row.duplicated.is_empty());
    // Without the retraction the reader counts the 3 twice.
    let r = compare(&ideal_rows, &outs[..2], Refinement::Retracting, &inputs, &[]);
    let row = r.rows.iter().find(|row| row.window == Some(win(3))).unwrap();
    assert_eq!((row.actual.clone(), row.duplicated.clone(), row.correct), (Some(Datum::Int(15)), vec![5], false));
    // EX-B11's second window: 7, 14 −7, 22 −14 → 22.
    let seq = [(7, false), (14, false), (7, true), (22, false), (14, true)];
    let ps: Vec<Pane> = seq.iter().map(|(v, r)| if *r { retraction(win(1), *v, &[], 0) } else { pane(win(1), *v, &[], 0) }).collect();
    let refs: Vec<&Pane> = ps.iter().collect();
    assert_eq!(fold::fold(Refinement::Retracting, &refs).value, Some(Datum::Int(22)));
    assert_eq!(fold::fold(Refinement::Discarding, &refs[..1]).value, Some(Datum::Int(7)));
}

#[test]
fn trailing_retraction_deletes_a_row_and_spurious_sessions_are_extra() {
    // EX-B10 (Beam accumulating sessions, heuristic watermark): the early
    // single-record sessions are never retracted, so a reader keeps them.
    let inputs = ex_b0();
    let sh = shape(WindowSpec::Session { gap: MIN });
    let ideal_rows = ideal(&sh, false, &inputs);
    let outs = vec![
        pane(w(t(0, 26), t(1, 26)), 5, &[0], pt(5, 26)),
        pane(w(t(2, 24), t(3, 24)), 7, &[1], pt(6, 39)),
        pane(w(t(2, 24), t(5, 19)), 22, &[1, 2, 3, 4], pt(7, 6)),
        pane(w(t(0, 26), t(5, 19)), 36, &[0, 1, 2, 3, 4, 6], pt(8, 19)),
        pane(w(t(6, 39), t(7, 39)), 3, &[5], pt(7, 19)),
        pane(w(t(6, 39), t(8, 46)), 12, &[5, 7, 8], pt(10, 0)),
    ];
    let r = compare(&ideal_rows, &outs, Refinement::Accumulating, &inputs, &[]);
    assert_eq!(r.totals, Totals { ideal_rows: 2, correct: 2, incorrect: 0, missing_rows: 0, extra_rows: 4, incomplete_rows: 0 });
    let extra: Vec<Window> = r.rows.iter().filter(|row| row.extra).map(|row| row.window.unwrap()).collect();
    assert_eq!(extra, vec![w(t(0, 26), t(1, 26)), w(t(2, 24), t(3, 24)), w(t(2, 24), t(5, 19)), w(t(6, 39), t(7, 39))]);
    // A Kafka Streams tombstone after each merge deletes the old session.
    let mut with_tombstones = outs.clone();
    with_tombstones.insert(3, retraction(w(t(2, 24), t(3, 24)), 7, &[1], pt(7, 6)));
    with_tombstones.insert(5, retraction(w(t(2, 24), t(5, 19)), 22, &[1, 2, 3, 4], pt(8, 19)));
    with_tombstones.insert(6, retraction(w(t(0, 26), t(1, 26)), 5, &[0], pt(8, 19)));
    with_tombstones.push(retraction(w(t(6, 39), t(7, 39)), 3, &[5], pt(8, 39)));
    let r = compare(&ideal_rows, &with_tombstones, Refinement::Accumulating, &inputs, &[]);
    assert_eq!((r.totals.correct, r.totals.extra_rows), (2, 0));
    let deleted = r.rows.iter().find(|row| row.window == Some(w(t(0, 26), t(1, 26)))).unwrap();
    assert_eq!((deleted.actual.clone(), deleted.extra, deleted.panes), (None, false, 2));
}

#[test]
fn duplicates_detected() {
    let inputs = ex_b0();
    let ideal_rows = ideal(&two_min(), false, &inputs);
    // Discarding: the same pane delivered twice (a replay after failure).
    let outs = vec![pane(win(0), 14, &[0, 6], pt(9, 0)), pane(win(0), 14, &[0, 6], pt(9, 5))];
    let r = compare(&ideal_rows, &outs, Refinement::Discarding, &inputs, &[]);
    let row = &r.rows[0];
    assert_eq!((row.actual.clone(), row.duplicated.clone(), row.correct, row.complete), (Some(Datum::Int(28)), vec![0, 6], false, true));
    assert_eq!(r.totals.missing_rows, 3);
    // Append mode: a second row for the window is a duplicate even with
    // the right value.
    let r = compare(&ideal_rows, &outs, Refinement::AppendOnce, &inputs, &[]);
    assert_eq!((r.rows[0].actual.clone(), r.rows[0].duplicated.clone(), r.rows[0].correct), (Some(Datum::Int(14)), vec![0, 6], false));
    let r = compare(&ideal_rows, &outs[..1], Refinement::AppendOnce, &inputs, &[]);
    assert!(r.rows[0].correct);
    // An input in the wrong window is unexpected there and missing where
    // it belongs.
    let r = compare(&ideal_rows, &[pane(win(1), 27, &[1, 2, 4, 6], 0)], Refinement::Accumulating, &inputs, &[]);
    assert_eq!(r.rows[1].unexpected, vec![6]);
    assert_eq!(r.rows[0].missing, vec![0, 6]);
}

#[test]
fn global_window_and_none_are_one_row() {
    let inputs = ex_b0();
    let rows = ideal(&shape(WindowSpec::Global), false, &inputs);
    let mut p = pane(Window::GLOBAL, 48, &[0, 1, 2, 3, 4, 5, 6, 7, 8], pt(10, 0));
    p.value = Datum::Float(48.0);
    let r = compare(&rows, &[p], Refinement::Accumulating, &inputs, &[]);
    assert_eq!(r.rows.len(), 1);
    assert!(r.rows[0].correct && r.rows[0].window.is_none());
}

#[test]
fn latency_percentiles_nearest_rank() {
    let mk = |id, a| Elem { id, key: "k".into(), value: Datum::Int(1), ts: 0, arrival: a };
    // id 2 is redelivered later (the first arrival counts); id 5 never
    // reaches an output.
    let inputs = vec![mk(1, 0), mk(2, 10), mk(3, 20), mk(4, 30), mk(5, 40), mk(2, 5000)];
    let mut outs = vec![pane(win(0), 2, &[1, 2], 100), pane(win(0), 3, &[1, 2, 3], 150), retraction(win(0), 1, &[4], 120), pane(win(0), 1, &[4], 300)];
    let l = latency(&inputs, &outs);
    // samples: 1 → 100, 2 → 90, 3 → 130, 4 → 270 (the retraction does not count).
    assert_eq!(l, Latency { samples: 4, never_emitted: 1, p50: Some(100), p95: Some(270), p99: Some(270), max: Some(270) });
    outs.clear();
    assert_eq!(latency(&inputs, &outs), Latency { samples: 0, never_emitted: 5, p50: None, p95: None, p99: None, max: None });
    let xs: Vec<u64> = (1..=10).collect();
    assert_eq!((nearest_rank(&xs, 50), nearest_rank(&xs, 95), nearest_rank(&xs, 99)), (Some(5), Some(10), Some(10)));
    let xs: Vec<u64> = (1..=100).collect();
    assert_eq!((nearest_rank(&xs, 50), nearest_rank(&xs, 95), nearest_rank(&xs, 99)), (Some(50), Some(95), Some(99)));
    // EX-B6 heuristic: the slowest input is the 3 of 12:07:19, emitted at 12:10:00.
    let r = compare(&ideal(&two_min(), false, &ex_b0()), &ex_b6_heuristic(), Refinement::Accumulating, &ex_b0(), &[]);
    assert_eq!((r.latency.samples, r.latency.never_emitted), (8, 1));
    assert_eq!(r.latency.max, Some(pt(10, 0) - pt(7, 19)));
}

#[test]
fn report_serializes_deterministically() {
    let inputs = ex_b0();
    let run = || {
        let r = compare(&ideal(&two_min(), false, &inputs), &ex_b6_heuristic(), Refinement::Accumulating, &inputs, &[(6, None, LateFate::Dropped)]);
        serde_json::to_string(&r).unwrap()
    };
    let a = run();
    assert_eq!(a, run());
    assert!(a.contains("\"refinement\":\"accumulating\""));
    assert!(a.contains("\"missing_late\":[6]"));
}

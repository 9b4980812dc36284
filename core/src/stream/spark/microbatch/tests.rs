//! The Spark worked examples EX-S1..EX-S5 (exact engine-correct tables of
//! the reference), the trigger rules S-10/S-11, the multiple-watermark
//! policy (S-3) and recovery (S-13). Processing time 0 is 12:00:00.

use super::*;
use crate::stream::types::{Aggregate, Datum, Pane, Window, WindowSpec};
use crate::time::Duration;

const MIN_MS: i64 = 60_000;
const SEC_US: u64 = 1_000_000;

/// Event time `h:m` (ms since midnight).
fn ev(h: i64, m: i64) -> EventTime {
    (h * 60 + m) * MIN_MS
}
/// Processing time `h:m:s` with 12:00:00 = 0.
fn at(h: u64, m: u64, s: u64) -> Micros {
    ((h - 12) * 3600 + m * 60 + s) * SEC_US
}

fn shape(window: WindowSpec, aggregate: Aggregate, sources: Vec<u32>) -> JobShape {
    JobShape { name: "q".into(), window, aggregate, sources, parallelism: 1 }
}
fn sliding_10_5() -> WindowSpec {
    WindowSpec::Sliding { size: 10 * MIN_MS, slide: 5 * MIN_MS, offset: 0 }
}
fn every(d: &str) -> Trigger {
    Trigger::ProcessingTime(Duration::parse(d).unwrap())
}

/// Drives an engine like the job node: records and wakeups in time order.
struct Driver {
    eng: SparkEngine,
    out: Vec<Out>,
    next_id: u64,
}

impl Driver {
    fn new(shape: &JobShape, spec: &SparkSpec) -> Self {
        Driver { eng: SparkEngine::new(shape, spec).expect("valid spec"), out: Vec::new(), next_id: 0 }
    }
    fn run_to(&mut self, t: Micros) {
        let mut guard = 0;
        while let Some(w) = self.eng.next_wakeup() {
            if w > t {
                break;
            }
            self.eng.on_wakeup(w, &mut self.out);
            guard += 1;
            assert!(guard < 100_000, "engine does not make progress at {w}");
        }
    }
    /// One input line at `pt`: each word one record (same input id).
    fn line(&mut self, pt: Micros, channel: u32, ts: EventTime, words: &str) {
        self.run_to(pt);
        let id = self.next_id;
        self.next_id += 1;
        for w in words.split_whitespace() {
            let e = Elem { id, key: w.into(), value: Datum::Int(1), ts, arrival: pt };
            self.eng.on_record(pt, channel, e, &mut self.out);
        }
    }
    fn lines(&self) -> Vec<String> {
        self.out.iter().filter_map(format_out).collect()
    }
    fn batches(&self) -> Vec<BatchInfo> {
        self.out.iter().filter_map(|o| if let Out::Batch(b) = o { Some(b.clone()) } else { None }).collect()
    }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn ex_s1_quick_example_complete_mode() {
    let spec = SparkSpec { output_mode: OutputMode::Complete, ..SparkSpec::default() };
    let mut d = Driver::new(&shape(WindowSpec::Global, Aggregate::Count, vec![1]), &spec);
    d.line(at(12, 0, 1), 0, 0, "apache spark");
    d.line(at(12, 0, 3), 0, 0, "apache hadoop");
    d.run_to(at(12, 1, 0));
    assert_eq!(d.lines(), strs(&["batch 0: apache 1", "batch 0: spark 1", "batch 1: apache 2", "batch 1: hadoop 1", "batch 1: spark 1"]));
    // default trigger: the first poll after the arrival (10 ms grid), 100 ms per batch
    let b = d.batches();
    assert_eq!((b[0].start, b[0].end), (at(12, 0, 1) + 10_000, at(12, 0, 1) + 110_000));
    assert_eq!(b.len(), 2);
}

fn ex_s2_driver(late_dog: bool) -> Driver {
    let spec = SparkSpec { output_mode: OutputMode::Complete, trigger: every("5 minutes"), ..SparkSpec::default() };
    let mut d = Driver::new(&shape(sliding_10_5(), Aggregate::Count, vec![1]), &spec);
    d.line(at(12, 2, 0), 0, ev(12, 2), "cat dog");
    d.line(at(12, 3, 0), 0, ev(12, 3), "dog dog");
    d.line(at(12, 7, 0), 0, ev(12, 7), "owl cat");
    if late_dog {
        d.line(at(12, 11, 0), 0, ev(12, 4), "dog");
    } else {
        d.line(at(12, 11, 0), 0, ev(12, 11), "dog");
    }
    d.line(at(12, 13, 0), 0, ev(12, 13), "owl");
    d.run_to(at(12, 30, 0));
    d
}

#[test]
fn ex_s2_windowed_counts_include_windows_before_noon() {
    let d = ex_s2_driver(false);
    #[rustfmt::skip]
    let expected = strs(&[
        "batch 0: 11:55-12:05 cat 1", "batch 0: 11:55-12:05 dog 3", "batch 0: 12:00-12:10 cat 1", "batch 0: 12:00-12:10 dog 3",
        "batch 1: 11:55-12:05 cat 1", "batch 1: 11:55-12:05 dog 3",
        "batch 1: 12:00-12:10 cat 2", "batch 1: 12:00-12:10 dog 3", "batch 1: 12:00-12:10 owl 1",
        "batch 1: 12:05-12:15 cat 1", "batch 1: 12:05-12:15 owl 1",
        "batch 2: 11:55-12:05 cat 1", "batch 2: 11:55-12:05 dog 3",
        "batch 2: 12:00-12:10 cat 2", "batch 2: 12:00-12:10 dog 3", "batch 2: 12:00-12:10 owl 1",
        "batch 2: 12:05-12:15 cat 1", "batch 2: 12:05-12:15 dog 1", "batch 2: 12:05-12:15 owl 2",
        "batch 2: 12:10-12:20 dog 1", "batch 2: 12:10-12:20 owl 1",
    ]);
    assert_eq!(d.lines(), expected);
    let starts: Vec<Micros> = d.batches().iter().map(|b| b.start).collect();
    assert_eq!(starts, vec![at(12, 5, 0), at(12, 10, 0), at(12, 15, 0)]);
}

#[test]
fn ex_s3_late_data_without_watermark_is_counted() {
    let d = ex_s2_driver(true);
    let batch2: Vec<String> = d.lines().into_iter().filter(|l| l.starts_with("batch 2:")).collect();
    #[rustfmt::skip]
    let expected = strs(&[
        "batch 2: 11:55-12:05 cat 1", "batch 2: 11:55-12:05 dog 4",
        "batch 2: 12:00-12:10 cat 2", "batch 2: 12:00-12:10 dog 4", "batch 2: 12:00-12:10 owl 1",
        "batch 2: 12:05-12:15 cat 1", "batch 2: 12:05-12:15 owl 2",
        "batch 2: 12:10-12:20 owl 1",
    ]);
    assert_eq!(batch2, expected);
}

/// The guide's watermark example: batches 0..2, then `batch3` rows (and
/// for append, batch 4's late cat).
fn watermark_example(mode: OutputMode, version: &str, append_figure: bool) -> Driver {
    let spec = SparkSpec {
        output_mode: mode,
        trigger: every("5 minutes"),
        with_watermark: Some(WatermarkDelay::All(Duration::parse("10 minutes").unwrap())),
        spark_version: version.into(),
        ..SparkSpec::default()
    };
    let mut d = Driver::new(&shape(sliding_10_5(), Aggregate::Count, vec![1]), &spec);
    d.line(at(12, 7, 0), 0, ev(12, 7), "dog");
    d.line(at(12, 8, 0), 0, ev(12, 8), "owl");
    d.line(at(12, 14, 0), 0, ev(12, 14), "dog");
    d.line(at(12, 14, 30), 0, ev(12, 9), "cat");
    d.line(at(12, 15, 30), 0, ev(12, 15), "cat");
    d.line(at(12, 16, 0), 0, ev(12, 8), "dog");
    d.line(at(12, 17, 0), 0, ev(12, 13), "owl");
    d.line(at(12, 19, 0), 0, ev(12, 21), "owl");
    d.line(at(12, 22, 0), 0, ev(12, 4), "donkey");
    d.line(at(12, 23, 0), 0, ev(12, 17), "owl");
    if append_figure {
        d.line(at(12, 24, 0), 0, ev(12, 26), "owl");
        d.line(at(12, 26, 0), 0, ev(12, 9), "cat");
    }
    d.run_to(at(12, 45, 0));
    d
}

#[rustfmt::skip]
const EX_S4_BATCHES_0_TO_2: [&str; 16] = [
    "batch 0: 12:00-12:10 dog 1", "batch 0: 12:00-12:10 owl 1", "batch 0: 12:05-12:15 dog 1", "batch 0: 12:05-12:15 owl 1",
    "batch 1: 12:00-12:10 cat 1", "batch 1: 12:05-12:15 cat 1", "batch 1: 12:05-12:15 dog 2", "batch 1: 12:10-12:20 dog 1",
    "batch 2: 12:00-12:10 dog 2", "batch 2: 12:05-12:15 dog 3", "batch 2: 12:05-12:15 owl 2",
    "batch 2: 12:10-12:20 cat 1", "batch 2: 12:10-12:20 owl 1", "batch 2: 12:15-12:25 cat 1", "batch 2: 12:15-12:25 owl 1",
    "batch 2: 12:20-12:30 owl 1",
];

#[test]
fn ex_s4_update_mode_spark_3_3() {
    let d = watermark_example(OutputMode::Update, "3.3", false);
    let mut expected = strs(&EX_S4_BATCHES_0_TO_2);
    expected.extend(strs(&[
        "late 12:04 donkey dropped for 11:55-12:05",
        "late 12:04 donkey dropped for 12:00-12:10",
        "batch 3: 12:10-12:20 owl 2",
        "batch 3: 12:15-12:25 owl 2",
    ]));
    assert_eq!(d.lines(), expected);
    let b = d.batches();
    let wms: Vec<EventTime> = b.iter().map(|b| b.watermark).collect();
    assert_eq!(wms, vec![0, ev(11, 58), ev(12, 4), ev(12, 11)]);
    assert_eq!(b.iter().map(|b| b.late_watermark).collect::<Vec<_>>(), wms);
    assert_eq!(d.eng.watermark(), ev(12, 11), "W(4) = 12:11");
    assert_eq!(b.iter().map(|b| b.start).collect::<Vec<_>>(), vec![at(12, 10, 0), at(12, 15, 0), at(12, 20, 0), at(12, 25, 0)]);
    // state after batch 3: everything ending at or before 12:11 is gone
    assert!(d.eng.ckpt.state.rows.keys().all(|(w, _)| w.end > ev(12, 11)));
}

#[test]
fn ex_s4_update_mode_spark_3_5() {
    let d = watermark_example(OutputMode::Update, "3.5", false);
    let mut expected = strs(&EX_S4_BATCHES_0_TO_2);
    expected.extend(strs(&["batch 3: 11:55-12:05 donkey 1", "batch 3: 12:00-12:10 donkey 1", "batch 3: 12:10-12:20 owl 2", "batch 3: 12:15-12:25 owl 2"]));
    assert_eq!(d.lines(), expected);
    let late: Vec<EventTime> = d.batches().iter().map(|b| b.late_watermark).collect();
    assert_eq!(late, vec![0, 0, ev(11, 58), ev(12, 4)]);
    // the donkey rows were emitted as updated and evicted in the same batch
    let donkey = d.out.iter().find_map(|o| if let Out::Pane(p) = o { (p.key == "donkey").then_some(p.clone()) } else { None }).unwrap();
    assert!(donkey.is_last && donkey.is_first);
    assert!(d.eng.ckpt.state.rows.keys().all(|(w, _)| w.end > ev(12, 11)));
}

#[test]
fn ex_s5_append_mode_spark_3_3() {
    let d = watermark_example(OutputMode::Append, "3.3", true);
    let expected = strs(&[
        "late 12:04 donkey dropped for 11:55-12:05",
        "late 12:04 donkey dropped for 12:00-12:10",
        "batch 3: 12:00-12:10 cat 1",
        "batch 3: 12:00-12:10 dog 2",
        "batch 3: 12:00-12:10 owl 1",
        "late 12:09 cat dropped for 12:00-12:10",
        "late 12:09 cat dropped for 12:05-12:15",
        "batch 4: 12:05-12:15 cat 1",
        "batch 4: 12:05-12:15 dog 3",
        "batch 4: 12:05-12:15 owl 2",
    ]);
    assert_eq!(d.lines(), expected);
    let wms: Vec<EventTime> = d.batches().iter().map(|b| b.watermark).collect();
    assert_eq!(wms, vec![0, ev(11, 58), ev(12, 4), ev(12, 11), ev(12, 16)]);
    // still in state, not final: [12:10,12:20) [12:15,12:25) [12:20,12:30) [12:25,12:35)
    let mut open: Vec<Window> = d.eng.ckpt.state.rows.keys().map(|(w, _)| *w).collect();
    open.dedup();
    let starts: Vec<EventTime> = open.iter().map(|w| w.start).collect();
    assert_eq!(starts, vec![ev(12, 10), ev(12, 15), ev(12, 20), ev(12, 25)]);
}

#[test]
fn ex_s5_append_mode_spark_3_5() {
    let d = watermark_example(OutputMode::Append, "3.5", true);
    let expected = strs(&[
        "batch 3: 11:55-12:05 donkey 1",
        "batch 3: 12:00-12:10 cat 1",
        "batch 3: 12:00-12:10 dog 2",
        "batch 3: 12:00-12:10 donkey 1",
        "batch 3: 12:00-12:10 owl 1",
        "late 12:09 cat dropped for 12:00-12:10",
        "batch 4: 12:05-12:15 cat 2",
        "batch 4: 12:05-12:15 dog 3",
        "batch 4: 12:05-12:15 owl 2",
    ]);
    assert_eq!(d.lines(), expected);
    assert_eq!(d.batches().len(), 5);
}

#[test]
fn allow_multiple_false_restores_the_3_3_rule() {
    let spec = SparkSpec { allow_multiple: false, spark_version: "3.5".into(), ..SparkSpec::default() };
    let cfg = spec.validate(&shape(WindowSpec::Global, Aggregate::Count, vec![1]));
    assert!(cfg.is_err(), "append without a window is rejected");
    let spec = SparkSpec { output_mode: OutputMode::Update, ..spec };
    assert!(!spec.validate(&shape(sliding_10_5(), Aggregate::Count, vec![1])).unwrap().late_uses_previous);
}

#[test]
fn s11_overrun_starts_next_batch_immediately_without_catching_up() {
    let spec = SparkSpec { output_mode: OutputMode::Complete, trigger: every("5m"), batch_duration: Duration::parse("7m").unwrap(), ..SparkSpec::default() };
    let mut d = Driver::new(&shape(WindowSpec::Global, Aggregate::Count, vec![1]), &spec);
    d.line(at(12, 1, 0), 0, 0, "a");
    d.line(at(12, 6, 0), 0, 0, "b");
    d.line(at(12, 13, 0), 0, 0, "c");
    d.line(at(12, 40, 0), 0, 0, "d");
    d.run_to(at(13, 0, 0));
    let b = d.batches();
    let starts: Vec<Micros> = b.iter().map(|b| b.start).collect();
    let ms = 1000;
    // 12:05 → ends 12:12 (boundary 12:10 missed, not caught up) → next starts right after the commit;
    // after the idle gap the loop is back on the 5-minute grid (12:45).
    assert_eq!(starts, vec![at(12, 5, 0), at(12, 12, 0) + 10 * ms, at(12, 19, 0) + 20 * ms, at(12, 45, 0)]);
    assert_eq!(b.iter().map(|b| b.rows_in).collect::<Vec<_>>(), vec![1, 1, 1, 1]);
    assert_eq!(b[1].end, at(12, 19, 0) + 10 * ms);
}

fn no_data_spec(enabled: bool) -> SparkSpec {
    SparkSpec {
        output_mode: OutputMode::Append,
        trigger: every("1m"),
        with_watermark: Some(WatermarkDelay::All(Duration::parse("5m").unwrap())),
        no_data_micro_batches: enabled,
        ..SparkSpec::default()
    }
}

#[test]
fn s10_no_data_batch_closes_the_window() {
    let tumbling = WindowSpec::Tumbling { size: 10 * MIN_MS, offset: 0 };
    let mut d = Driver::new(&shape(tumbling.clone(), Aggregate::Count, vec![1]), &no_data_spec(true));
    d.line(at(12, 0, 30), 0, ev(12, 3), "a");
    d.line(at(12, 1, 30), 0, ev(12, 16), "b");
    d.run_to(at(12, 30, 0));
    assert_eq!(d.lines(), strs(&["batch 2: 12:00-12:10 a 1"]));
    let b = d.batches();
    assert_eq!(b.len(), 3);
    assert!(b[2].no_data && b[2].rows_in == 0 && b[2].start == at(12, 3, 0));
    assert_eq!(b[2].watermark, ev(12, 11));

    let mut off = Driver::new(&shape(tumbling, Aggregate::Count, vec![1]), &no_data_spec(false));
    off.line(at(12, 0, 30), 0, ev(12, 3), "a");
    off.line(at(12, 1, 30), 0, ev(12, 16), "b");
    off.run_to(at(12, 30, 0));
    assert!(off.lines().is_empty(), "without no-data batches the window waits for new data");
    assert_eq!(off.batches().len(), 2);
    off.line(at(12, 31, 0), 0, ev(12, 17), "c");
    off.run_to(at(12, 40, 0));
    assert_eq!(off.lines(), strs(&["batch 2: 12:00-12:10 a 1"]));
}

fn two_sources(policy: WatermarkPolicy) -> Driver {
    let spec = SparkSpec {
        output_mode: OutputMode::Append,
        trigger: every("1m"),
        with_watermark: Some(WatermarkDelay::PerSource(vec![Duration::ZERO, Duration::ZERO])),
        multiple_watermark_policy: policy,
        ..SparkSpec::default()
    };
    let mut d = Driver::new(&shape(WindowSpec::Tumbling { size: 10 * MIN_MS, offset: 0 }, Aggregate::Count, vec![1, 1]), &spec);
    d.line(at(12, 0, 10), 0, ev(12, 5), "a");
    d.line(at(12, 0, 20), 0, ev(12, 15), "b");
    d.run_to(at(12, 5, 0));
    d
}

#[test]
fn s3_min_policy_is_blocked_by_a_silent_source_max_is_not() {
    let mut min = two_sources(WatermarkPolicy::Min);
    assert!(min.lines().is_empty());
    assert_eq!(min.eng.watermark(), 0, "the silent source contributes 0");
    let mut max = two_sources(WatermarkPolicy::Max);
    assert_eq!(max.lines(), strs(&["batch 1: 12:00-12:10 a 1"]));
    assert!(max.batches()[1].no_data);
    // the silent source speaks: min moves to its watermark and the window closes
    min.line(at(12, 5, 30), 1, ev(12, 12), "x");
    min.run_to(at(12, 10, 0));
    assert_eq!(min.eng.watermark(), ev(12, 12));
    assert_eq!(min.lines(), strs(&["batch 2: 12:00-12:10 a 1"]));
    let ops: Vec<(String, EventTime)> = min.out.iter().filter_map(|o| if let Out::Watermark { op, wm } = o { Some((op.clone(), *wm)) } else { None }).collect();
    assert_eq!(ops, vec![("EventTimeWatermark[0]".into(), ev(12, 15)), ("EventTimeWatermark[1]".into(), ev(12, 12)), ("global".into(), ev(12, 12))]);
    max.line(at(12, 5, 30), 1, ev(12, 8), "y");
    max.run_to(at(12, 10, 0));
    assert_eq!(max.lines(), strs(&["batch 1: 12:00-12:10 a 1", "late 12:08 y dropped for 12:00-12:10"]), "max policy: the slow source's rows are dropped");
}

fn recovery_spec(idempotent: bool) -> SparkSpec {
    SparkSpec {
        output_mode: OutputMode::Update,
        trigger: every("1m"),
        with_watermark: Some(WatermarkDelay::All(Duration::parse("1m").unwrap())),
        batch_duration: Duration::parse("10s").unwrap(),
        sink_idempotent: idempotent,
        ..SparkSpec::default()
    }
}

fn recovery_shape() -> JobShape {
    shape(WindowSpec::Tumbling { size: 10 * MIN_MS, offset: 0 }, Aggregate::Count, vec![1])
}

#[test]
fn s13_crash_mid_batch_reruns_same_offsets_and_watermark() {
    let mut d = Driver::new(&recovery_shape(), &recovery_spec(true));
    d.line(at(12, 0, 30), 0, ev(12, 5), "a");
    d.line(at(12, 1, 30), 0, ev(12, 6), "a");
    d.run_to(at(12, 2, 5));
    assert_eq!(d.eng.offset_log().len(), 2, "offsets/1 written at the trigger");
    assert!(!d.eng.commit_log().contains_key(&1));
    let before = d.eng.offset_log()[&1].clone();
    d.eng.crash();
    assert_eq!(d.eng.next_wakeup(), None);
    d.line(at(12, 2, 30), 0, ev(12, 7), "a"); // arrives while the query is down
    d.run_to(at(12, 3, 0));
    d.eng.restart(at(12, 3, 0));
    d.run_to(at(12, 10, 0));
    assert_eq!(d.eng.offset_log()[&1], before, "offsets/1 unchanged");
    let b = d.batches();
    assert_eq!(b.iter().map(|b| (b.id, b.rerun, b.rows_in)).collect::<Vec<_>>(), vec![(0, false, 1), (1, true, 1), (2, false, 1), (3, false, 0)]);
    // (batch 3: the no-data batch for the watermark 12:05 → 12:06, S-10)
    assert_eq!((b[1].start, b[1].watermark), (at(12, 3, 0), ev(12, 4)));
    assert_eq!(d.lines(), strs(&["batch 0: 12:00-12:10 a 1", "batch 1: 12:00-12:10 a 2", "batch 2: 12:00-12:10 a 3"]));
}

#[test]
fn s13_restart_after_a_commit_continues_with_the_next_batch_and_its_watermark() {
    let mut d = Driver::new(&recovery_shape(), &recovery_spec(true));
    d.line(at(12, 0, 30), 0, ev(12, 5), "a");
    d.run_to(at(12, 1, 30));
    assert_eq!(d.eng.commit_log()[&0].next_batch_watermark_ms, ev(12, 4));
    d.eng.crash();
    d.eng.restart(at(12, 1, 40));
    assert_eq!(d.eng.watermark(), ev(12, 4), "restored from commits/0");
    d.line(at(12, 1, 50), 0, ev(12, 6), "a");
    d.run_to(at(12, 5, 0));
    let b = d.batches();
    assert_eq!(b.iter().map(|b| (b.id, b.rerun, b.watermark)).collect::<Vec<_>>(), vec![(0, false, 0), (1, false, ev(12, 4)), (2, false, ev(12, 5))]);
    // (batch 2: no-data batch for the watermark move to 12:05, S-10)
    assert_eq!(b[1].start, at(12, 2, 0), "back on the trigger grid");
}

/// Crash after the sink got batch 1's rows but before `commits/1`.
fn crash_after_sink_write(idempotent: bool) -> Driver {
    let mut d = Driver::new(&recovery_shape(), &recovery_spec(idempotent));
    d.line(at(12, 0, 30), 0, ev(12, 5), "a");
    d.line(at(12, 1, 30), 0, ev(12, 6), "a");
    d.run_to(at(12, 2, 10) + 5_000);
    assert_eq!(d.lines().len(), 2, "batch 1 is in the sink");
    assert!(!d.eng.commit_log().contains_key(&1));
    d.eng.crash();
    d.eng.restart(at(12, 3, 0));
    d.line(at(12, 3, 30), 0, ev(12, 7), "a");
    d.run_to(at(12, 10, 0));
    d
}

#[test]
fn s13_idempotent_sink_skips_the_rerun_non_idempotent_duplicates() {
    let d = crash_after_sink_write(true);
    assert_eq!(d.lines(), strs(&["batch 0: 12:00-12:10 a 1", "batch 1: 12:00-12:10 a 2", "batch 2: 12:00-12:10 a 3"]));
    let b = d.batches();
    assert_eq!((b[1].id, b[1].rerun, b[1].rows_out), (1, true, 0));
    let d = crash_after_sink_write(false);
    assert_eq!(d.lines(), strs(&["batch 0: 12:00-12:10 a 1", "batch 1: 12:00-12:10 a 2", "batch 1: 12:00-12:10 a 2", "batch 2: 12:00-12:10 a 3"]));
    let dup: Vec<&Pane> = d.out.iter().filter_map(|o| if let Out::Pane(p) = o { (p.batch == Some(1)).then_some(p) } else { None }).collect();
    assert_eq!(dup[0].inputs, dup[1].inputs);
    assert_eq!(dup[0].inputs, vec![0, 1]);
}

#[test]
fn available_now_processes_the_snapshot_in_rate_limited_batches_and_stops() {
    let spec = SparkSpec { output_mode: OutputMode::Update, trigger: Trigger::AvailableNow, max_offsets_per_trigger: Some(2), ..SparkSpec::default() };
    let mut d = Driver::new(&shape(WindowSpec::Global, Aggregate::Count, vec![1]), &spec);
    for (i, w) in ["a", "b", "a", "c", "a"].iter().enumerate() {
        d.line(at(12, 0, i as u64), 0, 0, w);
    }
    d.run_to(at(12, 1, 0));
    assert!(d.out.is_empty(), "waits for the end of the input");
    d.eng.on_end_of_input(at(12, 1, 0), &mut d.out);
    d.run_to(at(12, 5, 0));
    assert_eq!(d.batches().iter().map(|b| b.rows_in).collect::<Vec<_>>(), vec![2, 2, 1]);
    assert!(d.eng.is_terminated());
    assert_eq!(d.lines(), strs(&["batch 0: a 1", "batch 0: b 1", "batch 1: a 2", "batch 1: c 1", "batch 2: a 3"]));

    let once = SparkSpec { trigger: Trigger::Once, ..spec };
    let mut d = Driver::new(&shape(WindowSpec::Global, Aggregate::Count, vec![1]), &once);
    for (i, w) in ["a", "b", "a"].iter().enumerate() {
        d.line(at(12, 0, i as u64), 0, 0, w);
    }
    d.eng.on_end_of_input(at(12, 1, 0), &mut d.out);
    d.run_to(at(12, 5, 0));
    assert_eq!(d.batches().len(), 1, "once ignores maxOffsetsPerTrigger");
}

#[test]
fn session_windows_append_mode() {
    let spec =
        SparkSpec { output_mode: OutputMode::Append, trigger: every("1m"), with_watermark: Some(WatermarkDelay::All(Duration::ZERO)), ..SparkSpec::default() };
    let mut d = Driver::new(&shape(WindowSpec::Session { gap: 5 * MIN_MS }, Aggregate::Count, vec![1]), &spec);
    d.line(at(12, 0, 10), 0, ev(12, 0), "u");
    d.line(at(12, 1, 10), 0, ev(12, 5), "u"); // touches [12:00,12:05): merges
    d.line(at(12, 2, 10), 0, ev(12, 20), "u");
    d.line(at(12, 5, 10), 0, ev(12, 1), "u"); // proto [12:01,12:06) ends before the late watermark 12:20
    d.run_to(at(12, 10, 0));
    assert_eq!(d.lines(), strs(&["batch 3: 12:00-12:10 u 2", "late 12:01 u dropped for 12:01-12:06"]));
    let bad = SparkSpec { output_mode: OutputMode::Update, ..spec };
    assert_eq!(SparkEngine::new(&shape(WindowSpec::Session { gap: 1000 }, Aggregate::Count, vec![1]), &bad).unwrap_err().field, "outputMode");
}

#[test]
fn spec_from_toml_and_rejections() {
    let spec: SparkSpec = toml::from_str(
        r#"
        outputMode = "update"
        trigger = { processingTime = "5 minutes" }
        withWatermark = "10 minutes"
        "spark.version" = "3.3"
        "spark.sql.streaming.multipleWatermarkPolicy" = "max"
        "streamlab.sink.idempotent" = false
        "#,
    )
    .unwrap();
    assert_eq!(spec.trigger, every("5m"));
    assert_eq!(spec.with_watermark, Some(WatermarkDelay::All(Duration::parse("10m").unwrap())));
    let cfg = spec.validate(&shape(sliding_10_5(), Aggregate::Count, vec![1])).unwrap();
    assert_eq!((cfg.delays.clone(), cfg.late_uses_previous, cfg.idempotent_sink), (vec![10 * MIN_MS], false, false));
    let t: SparkSpec = toml::from_str(r#"trigger = "availableNow""#).unwrap();
    assert_eq!(t.trigger, Trigger::AvailableNow);
    let per: SparkSpec = toml::from_str(r#"withWatermark = ["1m", "2m"]"#).unwrap();
    assert_eq!(per.validate(&shape(sliding_10_5(), Aggregate::Count, vec![1])).unwrap_err().field, "withWatermark");
    assert!(toml::from_str::<SparkSpec>("outputmode = \"update\"").is_err(), "unknown fields are rejected");
    let old = SparkSpec { spark_version: "3.2".into(), trigger: Trigger::AvailableNow, ..per.clone() };
    assert_eq!(old.validate(&shape(sliding_10_5(), Aggregate::Count, vec![1, 1])).unwrap_err().field, "trigger");
    let bad_slide = shape(WindowSpec::Sliding { size: 1000, slide: 2000, offset: 0 }, Aggregate::Count, vec![1]);
    assert_eq!(SparkSpec::default().validate(&bad_slide).unwrap_err().field, "window");
    assert_eq!(SparkSpec { spark_version: "x".into(), ..SparkSpec::default() }.validate(&bad_slide).unwrap_err().field, "spark.version");
}

#[test]
fn format_of_odd_times_and_batches() {
    let mut p = Pane::plain(Some(Window::new(ev(12, 0) + 30_000, ev(12, 1))), "k".into(), Datum::Int(3), 0, 0);
    p.batch = Some(7);
    assert_eq!(format_out(&Out::Pane(p)).unwrap(), "batch 7: 12:00:30-12:01:00 k 3");
    let b = BatchInfo {
        id: 3,
        start: 1_500_000_000,
        end: 1_500_100_000,
        watermark: ev(12, 11),
        late_watermark: ev(12, 4),
        rows_in: 2,
        rows_out: 4,
        no_data: false,
        rerun: true,
    };
    assert_eq!(format_batch(&b), "batch 3 1500.000000s-1500.100000s wm 12:11 late-wm 12:04 in 2 out 4 rerun");
    assert_eq!(format_out(&Out::Batch(b)), None);
}

#[test]
fn deterministic_replay() {
    let a = watermark_example(OutputMode::Update, "3.5", true);
    let b = watermark_example(OutputMode::Update, "3.5", true);
    assert_eq!(a.out, b.out);
}

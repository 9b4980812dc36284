//! The event-time view against the built-in EX-B and compare scenarios,
//! whose exact panes, watermarks and late records are documented in the
//! scenario files (and checked there by `[[expect.outputs]]`).

use super::*;
use crate::session::{Session, BUILTIN_SCENARIOS};
use crate::stream::types::clock;

fn load(name: &str) -> Session {
    let text = BUILTIN_SCENARIOS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t).expect("built-in scenario");
    Session::load(name, text, None).expect("loads")
}

fn run(name: &str) -> Session {
    let mut s = load(name);
    s.run_to_end();
    s
}

/// Processing time as the scenario's clock reads it.
fn pt(m: &EventTimeModel, at: Micros) -> String {
    clock(m.clock + (at / 1000) as i64)
}

/// `12:05:59 [12:00:00) TeamX:5 EARLY`
fn panes(m: &EventTimeModel, j: &JobPlot) -> Vec<String> {
    j.panes
        .iter()
        .map(|p| {
            let w = p.window.map_or("global".to_string(), |w| format!("[{})", clock(w.start)));
            let t = p.timing.map_or_else(|| format!("batch {}", p.batch.unwrap_or(0)), |t| t.to_string());
            format!("{} {w} {}:{} {t}", pt(m, p.at), p.key, p.value)
        })
        .collect()
}

/// `12:06:00→12:02:00` steps.
fn steps(m: &EventTimeModel, c: &Curve) -> Vec<String> {
    c.steps.iter().map(|s| format!("{}→{}", pt(m, s.at), clock(s.wm))).collect()
}

fn dots_with(m: &EventTimeModel, j: &JobPlot, fate: DotFate) -> Vec<String> {
    j.dots.iter().filter(|d| d.fate == fate).map(|d| format!("{} {} {}:{}", pt(m, d.at), clock(d.ts), d.key, d.value)).collect()
}

#[test]
fn ex_b7_heuristic_dots_watermarks_windows_and_panes() {
    let s = run("stream/beam/ex-b7-early-late.toml");
    let m = event_time(s.world());
    assert_eq!(m.clock, 12 * 3_600_000);
    assert_eq!(m.jobs.iter().map(|j| j.job.as_str()).collect::<Vec<_>>(), ["perfect", "heuristic"]);
    let h = &m.jobs[1];
    assert_eq!((h.engine.as_str(), h.windowing.as_str()), ("beam", "tumbling 2m"));
    assert_eq!(h.dots.len(), 9);
    assert_eq!((h.dots[0].at, h.dots[0].ts, h.dots[0].key.as_str(), h.dots[0].value.as_str()), (299_000_000, 12 * 3_600_000 + 26_000, "TeamX", "5"));
    // The 9 (event time 12:01:25) arrives at 12:08:19 behind the heuristic
    // watermark (12:06) and, with 1000 days of allowed lateness, is kept:
    // it produces the LATE pane 14.
    assert_eq!(dots_with(&m, h, DotFate::LateAccepted), ["12:08:19 12:01:25 TeamX:9"]);
    assert_eq!((h.late_accepted, h.side_output, h.dropped), (1, 0, 0));
    assert_eq!(dots_with(&m, h, DotFate::OnTime).len(), 8);
    // The scripted (source) watermark and the GroupByKey output watermark;
    // the end of input takes the operator to +inf.
    assert_eq!(
        h.curves.iter().map(|c| (c.name.as_str(), c.kind)).collect::<Vec<_>>(),
        [("input scores-heuristic", CurveKind::Source), ("GroupByKey", CurveKind::Operator)]
    );
    assert_eq!(steps(&m, &h.curves[0]), ["12:00:00→12:00:00", "12:06:00→12:02:00", "12:07:30→12:04:00", "12:07:40→12:06:00", "12:09:30→12:08:30"]);
    assert_eq!(
        steps(&m, &h.watermark),
        ["12:00:00→12:00:00", "12:06:00→12:02:00", "12:07:30→12:04:00", "12:07:40→12:06:00", "12:09:30→12:08:30", "12:10:00→+inf"]
    );
    assert_eq!(h.watermark.current(), Some(MAX_WATERMARK));
    // Two-minute bands from the records' event times.
    let w: Vec<String> = h.windows.iter().map(|w| format!("[{}, {})", clock(w.start), clock(w.end))).collect();
    assert_eq!(w, ["[12:00:00, 12:02:00)", "[12:02:00, 12:04:00)", "[12:04:00, 12:06:00)", "[12:06:00, 12:08:00)"]);
    // Exactly the scenario's expected outputs, with their emit times.
    assert_eq!(
        panes(&m, h),
        [
            "12:05:59 [12:00:00) TeamX:5 EARLY",
            "12:06:00 [12:00:00) TeamX:5 ON_TIME",
            "12:06:39 [12:02:00) TeamX:10 EARLY",
            "12:07:30 [12:02:00) TeamX:18 ON_TIME",
            "12:07:39 [12:04:00) TeamX:4 EARLY",
            "12:07:40 [12:04:00) TeamX:4 ON_TIME",
            "12:08:19 [12:06:00) TeamX:3 EARLY",
            "12:08:19 [12:00:00) TeamX:14 LATE",
            "12:09:30 [12:06:00) TeamX:12 ON_TIME",
        ]
    );
    // A pane sits on its window's band at the window's last instant.
    assert_eq!(h.panes[0].y(), Some(12 * 3_600_000 + 119_999));
    // Axes: event time from the first window's start to the last scripted
    // watermark; processing time to the end of input + 4 % (12:10:24).
    assert_eq!(h.y_range, Some((12 * 3_600_000, 12 * 3_600_000 + 8 * 60_000 + 30_000)));
    assert_eq!(h.x_max, 624_000_000);
}

#[test]
fn ex_b7_perfect_watermark_has_no_late_data() {
    let s = run("stream/beam/ex-b7-early-late.toml");
    let m = event_time(s.world());
    let p = &m.jobs[0];
    assert_eq!((p.late_accepted, p.side_output, p.dropped), (0, 0, 0));
    assert_eq!(panes(&m, p)[5], "12:08:39 [12:00:00) TeamX:14 ON_TIME");
    assert_eq!(steps(&m, &p.watermark)[1], "12:08:39→12:02:00");
}

#[test]
fn ex_b8_allowed_lateness_keeps_the_6_and_drops_the_9() {
    let s = run("stream/beam/ex-b8-allowed-lateness.toml");
    let m = event_time(s.world());
    let h = &m.jobs[0];
    assert_eq!(h.dots.len(), 10);
    assert_eq!(dots_with(&m, h, DotFate::LateAccepted), ["12:06:39 12:00:53 TeamX:6"]);
    assert_eq!(dots_with(&m, h, DotFate::Dropped), ["12:08:19 12:01:25 TeamX:9"]);
    assert_eq!((h.late_accepted, h.side_output, h.dropped), (1, 0, 1));
    assert!(panes(&m, h).contains(&"12:06:39 [12:00:00) TeamX:11 LATE".to_string()));
}

#[test]
fn flink_side_output_is_its_own_mark() {
    let s = run("stream/flink/ex-f3-side-output.toml");
    let m = event_time(s.world());
    let j = &m.jobs[0];
    assert_eq!((j.late_accepted, j.side_output, j.dropped), (1, 1, 0));
    let side: Vec<&Dot> = j.dots.iter().filter(|d| d.fate == DotFate::SideOutput).collect();
    assert_eq!(side.len(), 1);
    assert_eq!(side[0].late_for, None);
}

#[test]
fn flink_and_spark_side_by_side() {
    let s = run("stream/compare/flink-vs-spark.toml");
    let m = event_time(s.world());
    let (f, sp) = (&m.jobs[0], &m.jobs[1]);
    assert_eq!((f.job.as_str(), f.engine.as_str(), sp.job.as_str(), sp.engine.as_str()), ("flink-counts", "flink", "spark-counts", "spark"));
    // Both read the same 54 records from Kafka.
    assert_eq!((f.dots.len(), sp.dots.len()), (54, 54));
    // Flink drops the stragglers 8200 (cart) and 9500 (search); Spark's late
    // filter (the previous batch's watermark) only drops the 9500.
    assert_eq!(
        dots_with(&m, f, DotFate::Dropped).iter().map(|d| d.split(' ').skip(1).collect::<Vec<_>>().join(" ")).collect::<Vec<_>>(),
        ["00:00:08.200 cart:1", "00:00:09.500 search:1"]
    );
    assert_eq!(
        dots_with(&m, sp, DotFate::Dropped).iter().map(|d| d.split(' ').skip(1).collect::<Vec<_>>().join(" ")).collect::<Vec<_>>(),
        ["00:00:09.500 search:1"]
    );
    assert_eq!((f.dropped, sp.dropped), (2, 1));
    // Flink: one watermark generator per partition, one window subtask.
    assert_eq!(f.curves.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["source[0] (clicks-0)", "source[1] (clicks-1)", "flink-counts[0]"]);
    // Spark: the per-source and the global watermark move at batch commits
    // (a step function, one step per batch that saw newer data).
    assert_eq!(
        sp.curves.iter().map(|c| (c.name.as_str(), c.kind)).collect::<Vec<_>>(),
        [("EventTimeWatermark[0]", CurveKind::Source), ("global", CurveKind::Operator)]
    );
    assert_eq!(
        steps(&m, &sp.watermark),
        [
            "00:00:05.110→00:00:02.350",
            "00:00:10.110→00:00:07.150",
            "00:00:15.110→00:00:12.050",
            "00:00:20.110→00:00:17.550",
            "00:00:25.110→00:00:22.300",
            "00:00:30.110→00:00:27.650",
            "00:00:35.110→00:00:31.600",
            "00:00:40.110→00:00:34.800"
        ]
    );
    assert_eq!(sp.batches.len(), 9);
    assert_eq!((sp.batches[3].id, sp.batches[3].start, sp.batches[3].end, sp.batches[3].watermark), (3, 20_000_000, 20_100_000, 12_050));
    // Same windows, emitted at very different processing times.
    assert_eq!(
        panes(&m, f)[..3],
        ["00:00:13.201 [00:00:00) cart:5 ON_TIME", "00:00:13.201 [00:00:00) home:5 ON_TIME", "00:00:13.201 [00:00:00) search:5 ON_TIME"]
    );
    assert_eq!(
        panes(&m, sp)[..3],
        ["00:00:20.100 [00:00:00) cart:6 batch 3", "00:00:20.100 [00:00:00) home:5 batch 3", "00:00:20.100 [00:00:00) search:5 batch 3"]
    );
    assert_eq!((f.panes.len(), sp.panes.len()), (9, 9));
    assert_eq!(f.y_range, Some((0, 40_000)));
    assert_eq!(f.windows.len(), 4);
}

#[test]
fn only_the_trace_up_to_now() {
    let mut s = load("stream/beam/ex-b7-early-late.toml");
    s.run_until(7 * 60 * 1_000_000 + 35_000_000); // 12:07:35
    let m = event_time(s.world());
    let h = &m.jobs[1];
    assert_eq!(m.now, 455_000_000);
    assert_eq!(h.dots.len(), 6);
    assert_eq!(h.panes.len(), 4);
    assert_eq!(h.watermark.current(), Some(12 * 3_600_000 + 4 * 60_000));
    // The axes are already those of the whole scripted input.
    assert_eq!(h.x_max, 624_000_000);
}

#[test]
fn the_fold_is_incremental_and_follows_rollbacks() {
    let mut s = load("stream/compare/flink-vs-spark.toml");
    let mut fold = EventTimeFold::default();
    let mut t = 0;
    while !s.is_finished() {
        t += 777_000;
        s.run_until(t);
        fold.update(s.world());
    }
    assert_eq!(*fold.model(), event_time(s.world()));

    // Roll back to 20 s (as the app's seek backward does): the fold starts
    // again by itself.
    let mut s2 = load("stream/compare/flink-vs-spark.toml");
    s2.run_until(20_000_000);
    let snap = s2.world().sim.snapshot();
    s2.run_until(40_000_000);
    fold.update(s2.world());
    assert_eq!(*fold.model(), event_time(s2.world()));
    s2.world_mut().sim.restore(&snap);
    fold.update(s2.world());
    assert_eq!(*fold.model(), event_time(s2.world()));
    assert_eq!(fold.model().jobs[0].panes.len(), 3);
}

#[test]
fn kafka_only_scenarios_have_no_plots() {
    let mut s = load("kafka/a2-acks1-failover-loss.toml");
    s.run_until(1_000_000);
    let m = event_time(s.world());
    assert!(m.jobs.is_empty());
}

/// Timings (run with `--ignored --nocapture`, ideally `--release`): a
/// Flink job counting a 500 records/s Kafka topic for 60 s (30 000 dots).
#[test]
#[ignore]
fn timing() {
    const BIG: &str = r#"
name = "big stream"
duration = "60s"
[cluster]
brokers = 3
[[topics]]
name = "clicks"
partitions = 4
replication_factor = 3
[[producers]]
name = "web"
topic = "clicks"
rate = 500
keys = { distribution = "uniform", count = 20 }
[[jobs]]
name = "counts"
engine = "flink"
source = "clicks"
window = { type = "tumbling", size = "5s" }
aggregate = "count"
[jobs.flink]
forBoundedOutOfOrderness = "1s"
"#;
    let mut s = Session::load("big.toml", BIG, Some(1)).expect("loads");
    let mut fold = EventTimeFold::default();
    let (mut frames, mut worst, mut total) = (0u32, std::time::Duration::ZERO, std::time::Duration::ZERO);
    let mut t = 0;
    while !s.is_finished() {
        t += 166_667;
        s.run_until(t);
        let start = std::time::Instant::now();
        fold.update(s.world());
        let d = start.elapsed();
        worst = worst.max(d);
        total += d;
        frames += 1;
    }
    let start = std::time::Instant::now();
    let m = event_time(s.world());
    let full = start.elapsed();
    println!(
        "trace {} records, {} dots, {} panes; EventTimeFold per frame: mean {:?}, worst {:?} over {frames} frames; from scratch {:?}",
        s.world().sim.trace().len(),
        m.jobs[0].dots.len(),
        m.jobs[0].panes.len(),
        total / frames,
        worst,
        full
    );
    assert_eq!(*fold.model(), m);
}

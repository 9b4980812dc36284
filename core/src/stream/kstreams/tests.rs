//! Tests of the Kafka Streams engine: EX-K1 (eager and emit-final,
//! skips, metrics), the K-3 grace defaults, sessions (K-5), the record
//! cache, `suppress`, tasks per channel and spec validation.

use super::*;
use crate::stream::types::{Aggregate, Datum, Elem, Engine, JobShape, LateFate, Out, Pane, Timing, Window, WindowSpec};

fn shape(window: WindowSpec, aggregate: Aggregate, channels: u32) -> JobShape {
    JobShape { name: "job".into(), window, aggregate, sources: vec![channels], parallelism: 1 }
}

fn hopping_10_5() -> JobShape {
    shape(WindowSpec::Sliding { size: 10, slide: 5, offset: 0 }, Aggregate::Concat, 1)
}

fn spec(toml_text: &str) -> KStreamsSpec {
    toml::from_str(toml_text).expect("spec parses")
}

fn elem(id: u64, key: &str, value: i64, ts: i64) -> Elem {
    Elem { id, key: key.into(), value: Datum::Int(value), ts, arrival: 0 }
}

/// Feeds `(pt ms, channel, key, value, ts)` records, ids 0, 1, 2, ….
fn run(engine: &mut KStreamsEngine, recs: &[(u64, u32, &str, i64, i64)]) -> Vec<Out> {
    let mut out = Vec::new();
    for (i, (pt, ch, key, v, ts)) in recs.iter().enumerate() {
        let mut e = elem(i as u64, key, *v, *ts);
        e.arrival = pt * 1000;
        engine.on_record(pt * 1000, *ch, e, &mut out);
    }
    out
}

fn lines(outs: &[Out]) -> Vec<String> {
    outs.iter().filter_map(format_out).collect()
}

fn panes(outs: &[Out]) -> Vec<&Pane> {
    outs.iter()
        .filter_map(|o| match o {
            Out::Pane(p) => Some(p),
            _ => None,
        })
        .collect()
}

/// EX-K1 input: (k, v, ts) = (100,100), (0,0) … (6,6), (105,105), (106,106),
/// one record per ms of processing time.
fn ex_k1_records() -> Vec<(u64, u32, &'static str, i64, i64)> {
    [100, 0, 1, 2, 3, 4, 5, 6, 105, 106].iter().enumerate().map(|(i, v)| (i as u64, 0, "k", *v, *v)).collect()
}

const EX_K1_EAGER: [&str; 8] = [
    "[k@95/105] \"+100\" ts 100",
    "[k@100/110] \"+100\" ts 100",
    "[k@5/15] \"+5\" ts 5",
    "[k@5/15] \"+5+6\" ts 6",
    "[k@100/110] \"+100+105\" ts 105",
    "[k@105/115] \"+105\" ts 105",
    "[k@100/110] \"+100+105+106\" ts 106",
    "[k@105/115] \"+105+106\" ts 106",
];

fn assert_ex_k1_metrics(m: &KStreamsMetrics) {
    assert_eq!(m.dropped_records_total, 7.0);
    assert_eq!(m.record_lateness_max, Some(100.0));
    // (0 + 100 + 99 + 98 + 97 + 96 + 95 + 94 + 0 + 0) / 10: every record
    // is measured (PartitionGroup), not only the skipped ones.
    assert_eq!(m.record_lateness_avg, Some(67.9));
    assert_eq!(m.tasks.len(), 1);
    assert_eq!(m.tasks[0].task, "0_0");
    assert_eq!(m.tasks[0].stream_time, Some(106));
}

#[test]
fn ex_k1_eager_output_skips_and_metrics() {
    let mut eng = KStreamsEngine::new(&hopping_10_5(), &spec("grace = \"90ms\"\n\"statestore.cache.max.bytes\" = 0")).unwrap();
    assert_eq!(eng.grace_ms(), 90);
    let out = run(&mut eng, &ex_k1_records());
    let ps: Vec<String> = panes(&out).iter().map(|p| format_out(&Out::Pane((*p).clone())).unwrap()).collect();
    assert_eq!(ps, EX_K1_EAGER);
    // The full output, skips in place (window order within a record).
    let mut want: Vec<String> = EX_K1_EAGER[..2].iter().map(|s| s.to_string()).collect();
    for ts in 0..=4 {
        want.push(format!("dropped k ts {ts} window [0,10)"));
    }
    want.push("dropped k ts 5 window [0,10)".into());
    want.push(EX_K1_EAGER[2].into());
    want.push("dropped k ts 6 window [0,10)".into());
    want.extend(EX_K1_EAGER[3..].iter().map(|s| s.to_string()));
    assert_eq!(lines(&out), want);
    // Eager panes: no timing, index counts the updates of the window.
    let p = panes(&out);
    assert_eq!(p[3].timing, None);
    assert_eq!((p[3].index, p[3].is_first, p[2].is_first), (1, false, true));
    assert_eq!(p[3].inputs, vec![6, 7]);
    assert_eq!(p[6].inputs, vec![0, 8, 9]);
    assert!(out.iter().all(|o| !matches!(o, Out::Late { fate, .. } if *fate != LateFate::Dropped)));
    assert_ex_k1_metrics(&eng.metrics());
    let logs: Vec<String> = eng.skipped().iter().map(|s| s.to_string()).collect();
    let want_logs: Vec<String> =
        (0..=6).map(|ts| format!("Skipping record for expired window. key=[k] timestamp=[{ts}] window=[0,10) expiration=[10] streamTime=[100]")).collect();
    assert_eq!(logs, want_logs);
}

#[test]
fn ex_k1_emit_final() {
    let s = spec("grace = \"90ms\"\nemitStrategy = \"onWindowClose\"\n\"__emit.interval.ms.kstreams.windowed.aggregation__\" = \"0\"");
    let mut eng = KStreamsEngine::new(&hopping_10_5(), &s).unwrap();
    let out = run(&mut eng, &ex_k1_records());
    let p = panes(&out);
    assert_eq!(p.len(), 1);
    // "Window close time is 15 when timestamp is 105".
    assert_eq!(format_out(&Out::Pane(p[0].clone())).unwrap(), "[k@5/15] \"+5+6\" ts 6");
    assert_eq!((p[0].timing, p[0].is_first, p[0].is_last, p[0].emit), (Some(Timing::OnTime), true, true, 8000));
    assert_eq!(p[0].inputs, vec![6, 7]);
    let l = lines(&out);
    assert_eq!(l.len(), 8);
    assert_eq!(l[7], "[k@5/15] \"+5+6\" ts 6");
    assert!(l[..7].iter().all(|s| s.starts_with("dropped k ts ")));
    let m = eng.metrics();
    assert_ex_k1_metrics(&m);
    assert_eq!(m.window_aggregate_final_emit_total, 1.0);
}

#[test]
fn emit_final_is_throttled_by_the_emit_interval() {
    // Default interval 1000 ms: the first record (pt 0) uses the emit
    // pass; records within the next second do not look for closed windows.
    let s = spec("grace = \"90ms\"\nemitStrategy = \"onWindowClose\"");
    let mut eng = KStreamsEngine::new(&hopping_10_5(), &s).unwrap();
    assert!(panes(&run(&mut eng, &ex_k1_records())).is_empty());
    // One record per second: every record gets an emit pass.
    let mut eng = KStreamsEngine::new(&hopping_10_5(), &s).unwrap();
    let spaced: Vec<_> = ex_k1_records().into_iter().map(|(pt, c, k, v, ts)| (pt * 1000, c, k, v, ts)).collect();
    let out = run(&mut eng, &spaced);
    assert_eq!(panes(&out).len(), 1);
    assert_eq!(panes(&out)[0].emit, 8_000_000);
}

#[test]
fn suppress_until_window_closes_gives_the_final_window() {
    let s = spec("grace = \"90ms\"\nsuppress = \"untilWindowCloses\"\n\"statestore.cache.max.bytes\" = 0");
    let mut eng = KStreamsEngine::new(&hopping_10_5(), &s).unwrap();
    let out = run(&mut eng, &ex_k1_records());
    let p = panes(&out);
    assert_eq!(p.len(), 1);
    assert_eq!(format_out(&Out::Pane(p[0].clone())).unwrap(), "[k@5/15] \"+5+6\" ts 6");
    assert_eq!(p[0].timing, Some(Timing::OnTime));
    assert_eq!(p[0].emit, 8000);
}

#[test]
fn grace_defaults_kip_633() {
    let tumbling = |size| shape(WindowSpec::Tumbling { size, offset: 0 }, Aggregate::Sum, 1);
    let grace = |sh: &JobShape, t: &str| KStreamsEngine::new(sh, &spec(t)).unwrap().grace_ms();
    // Deprecated TimeWindows.of(size): max(24h − size, 0); also the default.
    assert_eq!(grace(&tumbling(10), ""), 86_399_990);
    assert_eq!(grace(&tumbling(10), "grace = \"legacy-default\""), 86_399_990);
    assert_eq!(grace(&tumbling(86_400_000), "grace = \"of\""), 0);
    assert_eq!(grace(&tumbling(90_000_000), ""), 0);
    // ofSizeWithNoGrace and ofSizeAndGrace.
    assert_eq!(grace(&tumbling(10), "grace = \"none\""), 0);
    assert_eq!(grace(&tumbling(10), "grace = \"ofSizeWithNoGrace\""), 0);
    assert_eq!(grace(&tumbling(10), "grace = \"2m\""), 120_000);
    // The deprecated default uses the size, not the advance.
    let hop = shape(WindowSpec::Sliding { size: 60_000, slide: 10_000, offset: 0 }, Aggregate::Sum, 1);
    assert_eq!(grace(&hop, ""), 86_340_000);
    // SessionWindows.with(gap): max(24h − gap, 0).
    let sess = shape(WindowSpec::Session { gap: 3 }, Aggregate::Sum, 1);
    assert_eq!(grace(&sess, ""), 86_399_997);
    assert_eq!(DEPRECATED_DEFAULT_24_HR_GRACE_PERIOD, 86_400_000);
}

#[test]
fn legacy_default_grace_keeps_late_records() {
    // With of(size) a record 1 h late is still counted (24 h − size grace):
    // the KIP-633 surprise is the other side — final results wait a day.
    let sh = shape(WindowSpec::Tumbling { size: 60_000, offset: 0 }, Aggregate::Sum, 1);
    let mut eng = KStreamsEngine::new(&sh, &spec("\"statestore.cache.max.bytes\" = 0")).unwrap();
    let out = run(&mut eng, &[(0, 0, "k", 1, 3_600_000), (1, 0, "k", 2, 0)]);
    assert_eq!(lines(&out), vec!["[k@3600000/3660000] 1 ts 3600000", "[k@0/60000] 2 ts 0"]);
    let mut eng = KStreamsEngine::new(&sh, &spec("grace = \"none\"\n\"statestore.cache.max.bytes\" = 0")).unwrap();
    let out = run(&mut eng, &[(0, 0, "k", 1, 3_600_000), (1, 0, "k", 2, 0)]);
    assert_eq!(lines(&out), vec!["[k@3600000/3660000] 1 ts 3600000", "dropped k ts 0 window [0,60000)"]);
}

#[test]
fn window_end_boundary_no_grace() {
    // 1G: with no grace, [0,10) accepts records while streamTime < 10.
    let sh = shape(WindowSpec::Tumbling { size: 10, offset: 0 }, Aggregate::Count, 1);
    let mut eng = KStreamsEngine::new(&sh, &spec("grace = \"none\"\n\"statestore.cache.max.bytes\" = 0")).unwrap();
    let out = run(&mut eng, &[(0, 0, "k", 1, 9), (1, 0, "k", 1, 0), (2, 0, "k", 1, 10), (3, 0, "k", 1, 9)]);
    assert_eq!(lines(&out), vec!["[k@0/10] 1 ts 9", "[k@0/10] 2 ts 9", "[k@10/20] 1 ts 10", "dropped k ts 9 window [0,10)"]);
}

fn session_job(t: &str) -> KStreamsEngine {
    let sh = shape(WindowSpec::Session { gap: 5 }, Aggregate::Concat, 1);
    KStreamsEngine::new(&sh, &spec(t)).unwrap()
}

/// Sessions, gap 5, grace 10: close = streamTime − 15.
const SESSION_INPUT: [(u64, u32, &str, i64, i64); 8] = [
    (0, 0, "k", 0, 0),   // new session [0,0]
    (1, 0, "k", 5, 5),   // exactly gap apart: merges → [0,5]
    (2, 0, "k", 20, 20), // new session [20,20]
    (3, 0, "k", 16, 16), // joins [20,20] → [16,20]
    (4, 0, "k", 30, 30), // [30,30]; close 15
    (5, 0, "k", 8, 8),   // alone [8,8]: end 8 < close 15 → dropped
    (6, 0, "k", 40, 40), // [40,40]
    (7, 0, "k", 35, 35), // bridges [30,30] and [40,40] → [30,40]
];

#[test]
fn sessions_merge_within_gap_and_close_at_stream_time_minus_grace_minus_gap() {
    let mut eng = session_job("grace = \"10ms\"\n\"statestore.cache.max.bytes\" = 0");
    let out = run(&mut eng, &SESSION_INPUT);
    assert_eq!(
        lines(&out),
        vec![
            "[k@0/5] \"+0\" ts 0",
            "[k@0/5] null ts 0",
            "[k@0/10] \"+0+5\" ts 5",
            "[k@20/25] \"+20\" ts 20",
            "[k@20/25] null ts 20",
            "[k@16/25] \"+20+16\" ts 20",
            "[k@30/35] \"+30\" ts 30",
            "dropped k ts 8 window [8,13)",
            "[k@40/45] \"+40\" ts 40",
            "[k@30/35] null ts 30",
            "[k@40/45] null ts 40",
            "[k@30/45] \"+30+40+35\" ts 40",
        ]
    );
    // Tombstones are retractions of the absorbed session's value.
    let p = panes(&out);
    assert!(p[1].retraction && p[1].value == Datum::Text("+0".into()) && p[1].inputs == vec![0]);
    assert_eq!(p[10].inputs, vec![4, 6, 7]);
    let logs: Vec<String> = eng.skipped().iter().map(|s| s.to_string()).collect();
    assert_eq!(logs, vec!["Skipping record for expired window. key=[k] timestamp=[8] window=[8,8] expiration=[15] streamTime=[30]"]);
    assert_eq!(eng.metrics().dropped_records_total, 1.0);
}

#[test]
fn sessions_without_grace_cannot_bridge() {
    // With grace 0 the store forgets a session once streamTime passes its
    // end + gap, so a record between two sessions more than `gap` apart
    // only joins the later one.
    let mut eng = session_job("grace = \"none\"\n\"statestore.cache.max.bytes\" = 0");
    let out = run(&mut eng, &[(0, 0, "k", 30, 30), (1, 0, "k", 40, 40), (2, 0, "k", 35, 35)]);
    assert_eq!(lines(&out), vec!["[k@30/35] \"+30\" ts 30", "[k@40/45] \"+40\" ts 40", "[k@40/45] null ts 40", "[k@35/45] \"+40+35\" ts 40"]);
}

#[test]
fn sessions_emit_final_once_closed() {
    let mut eng = session_job("grace = \"10ms\"\nemitStrategy = \"onWindowClose\"\n\"__emit.interval.ms.kstreams.windowed.aggregation__\" = \"0\"");
    let out = run(&mut eng, &SESSION_INPUT);
    // [0,5] is emitted when a record brings the close time to 15 (end ≤
    // close − 1), [16,20] at close 25; [30,40] stays open.
    assert_eq!(lines(&out), vec!["[k@0/10] \"+0+5\" ts 5", "dropped k ts 8 window [8,13)", "[k@16/25] \"+20+16\" ts 20"]);
    let p = panes(&out);
    assert_eq!((p[0].emit, p[1].emit), (4000, 6000));
    assert!(p.iter().all(|p| p.timing == Some(Timing::OnTime) && !p.retraction));
    assert_eq!(eng.metrics().window_aggregate_final_emit_total, 2.0);
}

#[test]
fn record_cache_holds_updates_until_commit() {
    // Default cache (10 MiB) and commit.interval.ms = 30 s.
    let sh = shape(WindowSpec::Tumbling { size: 60_000, offset: 0 }, Aggregate::Sum, 1);
    let mut eng = KStreamsEngine::new(&sh, &spec("grace = \"none\"")).unwrap();
    let out = run(&mut eng, &[(0, 0, "a", 1, 1000), (1000, 0, "b", 2, 2000), (2000, 0, "a", 3, 3000)]);
    assert!(panes(&out).is_empty());
    assert_eq!(eng.next_wakeup(), Some(30_000_000));
    let mut out = Vec::new();
    eng.on_wakeup(30_000_000, &mut out);
    // Last-put order: b (put at 1 s), then a (re-put at 2 s).
    assert_eq!(lines(&out), vec!["[b@0/60000] 2 ts 2000", "[a@0/60000] 4 ts 3000"]);
    assert_eq!(panes(&out)[1].inputs, vec![0, 2]);
    assert_eq!(eng.next_wakeup(), None);
    // A record after the commit is held until the input ends (close commits).
    let mut out = Vec::new();
    let mut e = elem(3, "a", 5, 4000);
    e.arrival = 31_000_000;
    eng.on_record(31_000_000, 0, e, &mut out);
    assert_eq!(eng.next_wakeup(), Some(60_000_000));
    eng.on_end_of_input(40_000_000, &mut out);
    assert_eq!(lines(&out), vec!["[a@0/60000] 9 ts 4000"]);
    assert_eq!(panes(&out)[0].index, 1);
}

#[test]
fn cached_session_created_and_merged_between_commits_sends_no_tombstone() {
    let mut eng = session_job("grace = \"none\"\n\"commit.interval.ms\" = \"1s\"");
    let mut out = run(&mut eng, &[(0, 0, "k", 0, 0), (1, 0, "k", 5, 5)]);
    eng.on_wakeup(1_000_000, &mut out);
    assert_eq!(lines(&out), vec!["[k@0/10] \"+0+5\" ts 5"]);
}

#[test]
fn un_windowed_aggregate_is_a_ktable() {
    let sh = shape(WindowSpec::Global, Aggregate::Sum, 1);
    let mut eng = KStreamsEngine::new(&sh, &spec("\"statestore.cache.max.bytes\" = 0")).unwrap();
    let out = run(&mut eng, &[(0, 0, "k", 1, 50), (1, 0, "k", 2, 10), (2, 0, "j", 3, 0)]);
    assert_eq!(lines(&out), vec!["[k] 1 ts 50", "[k] 3 ts 50", "[j] 3 ts 0"]);
    assert!(panes(&out).iter().all(|p| p.window.is_none()));
}

#[test]
fn each_channel_is_a_task_with_its_own_stream_time() {
    let sh = shape(WindowSpec::Tumbling { size: 10, offset: 0 }, Aggregate::Count, 2);
    let mut eng = KStreamsEngine::new(&sh, &spec("grace = \"none\"\n\"statestore.cache.max.bytes\" = 0")).unwrap();
    let out = run(&mut eng, &[(0, 0, "a", 1, 100), (1, 1, "b", 1, 0), (2, 0, "a", 1, 0)]);
    assert_eq!(lines(&out), vec!["[a@100/110] 1 ts 100", "[b@0/10] 1 ts 0", "dropped a ts 0 window [0,10)"]);
    let m = eng.metrics();
    assert_eq!(m.tasks.iter().map(|t| t.task.as_str()).collect::<Vec<_>>(), vec!["0_0", "0_1"]);
    assert_eq!((m.tasks[0].dropped_records_total, m.tasks[1].dropped_records_total), (1, 0));
    let wms: Vec<(String, i64)> = out
        .iter()
        .filter_map(|o| match o {
            Out::Watermark { op, wm } => Some((op.clone(), *wm)),
            _ => None,
        })
        .collect();
    assert_eq!(wms, vec![("stream-time 0_0".to_string(), 100), ("stream-time 0_1".to_string(), 0)]);
}

#[test]
fn watermarks_are_ignored_and_negative_timestamps_dropped() {
    let sh = shape(WindowSpec::Tumbling { size: 10, offset: 0 }, Aggregate::Count, 1);
    let mut eng = KStreamsEngine::new(&sh, &spec("grace = \"none\"\n\"statestore.cache.max.bytes\" = 0")).unwrap();
    let mut out = Vec::new();
    eng.on_watermark(0, 0, 1_000, &mut out);
    assert!(out.is_empty());
    let out = run(&mut eng, &[(0, 0, "k", 1, -5), (1, 0, "k", 1, 3)]);
    assert_eq!(lines(&out), vec!["dropped k ts -5 negative timestamp", "[k@0/10] 1 ts 3"]);
    let m = eng.metrics();
    assert_eq!((m.dropped_records_total, m.tasks[0].lateness_count), (1.0, 1));
}

#[test]
fn spec_errors() {
    let err = |w: WindowSpec, t: &str| KStreamsEngine::new(&shape(w, Aggregate::Sum, 1), &spec(t)).unwrap_err().field;
    assert_eq!(err(WindowSpec::Tumbling { size: 10, offset: 3 }, ""), "window.offset");
    assert_eq!(err(WindowSpec::Sliding { size: 10, slide: 20, offset: 0 }, ""), "window.slide");
    assert_eq!(err(WindowSpec::Tumbling { size: 0, offset: 0 }, ""), "window.size");
    assert_eq!(err(WindowSpec::Session { gap: 0 }, ""), "window.gap");
    assert_eq!(err(WindowSpec::Global, "emitStrategy = \"onWindowClose\""), "emitStrategy");
    assert_eq!(err(WindowSpec::Global, "grace = \"1s\""), "grace");
    assert_eq!(err(WindowSpec::Tumbling { size: 10, offset: 0 }, "emitStrategy = \"onWindowClose\"\nsuppress = \"untilWindowCloses\""), "suppress");
    assert!(toml::from_str::<KStreamsSpec>("allowedLateness = \"1s\"").is_err());
    assert!(toml::from_str::<KStreamsSpec>("grace = 90").is_err());
    assert!(toml::from_str::<KStreamsSpec>("emitStrategy = \"onWindowClosed\"").is_err());
    assert_eq!(toml::from_str::<KStreamsSpec>("").unwrap(), KStreamsSpec::default());
}

#[test]
fn deterministic_and_cloneable() {
    let s = spec("grace = \"90ms\"\n\"commit.interval.ms\" = \"2ms\"");
    let mut a = KStreamsEngine::new(&hopping_10_5(), &s).unwrap();
    let mut b = a.clone();
    let (oa, ob) = (run(&mut a, &ex_k1_records()), run(&mut b, &ex_k1_records()));
    assert_eq!(oa, ob);
    assert_eq!(format!("{:?}", a.metrics()), format!("{:?}", b.metrics()));
    let _ = Window::new(0, 1);
}

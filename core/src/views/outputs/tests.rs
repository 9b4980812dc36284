#![allow(clippy::type_complexity)] // tuples of expected values read best inline
use super::*;
use crate::session::{Session, BUILTIN_SCENARIOS};
use crate::stream::types::Window;

fn builtin(name: &str) -> Session {
    let (_, text) = BUILTIN_SCENARIOS.iter().find(|(n, _)| *n == name).expect("built-in scenario");
    Session::load(name, text, None).expect("loads")
}

fn finished(name: &str) -> Session {
    let mut s = builtin(name);
    s.run_to_end();
    s
}

fn job<'a>(m: &'a OutputsModel, name: &str) -> &'a JobOutputs {
    m.jobs.iter().find(|j| j.name == name).expect("job")
}

fn group<'a>(c: &'a CheckersModel, name: &str) -> &'a CheckerGroup {
    c.groups.iter().find(|g| g.checker == name).expect("checker group")
}

fn stream_out(world: &World, index: usize) -> &Out {
    match &world.sim.trace().records()[index].ev {
        TraceEvent::Domain(Event::Stream(StreamEvent::Out { out, .. })) => out,
        other => panic!("record #{index} is not a stream output: {other:?}"),
    }
}

/// The rows the engine printed, whitespace-normalized as `[[expect.outputs]]`
/// compares them.
fn printed(j: &JobOutputs) -> Vec<String> {
    j.rows.iter().filter_map(|r| r.line.as_ref()).map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

#[test]
fn flink_printed_lines_equal_the_expected_outputs() {
    let names = [
        "stream/flink/ex-f1-tumbling.toml",
        "stream/flink/ex-f2-sliding.toml",
        "stream/flink/ex-f3-side-output.toml",
        "stream/flink/ex-f5-lateness.toml",
        "stream/flink/ex-f6-sessions.toml",
    ];
    for name in names {
        let s = finished(name);
        let w = s.world();
        let m = outputs(w);
        assert!(!w.scenario.expect_outputs.is_empty(), "{name}");
        for e in &w.scenario.expect_outputs {
            let j = &m.jobs[e.job];
            assert_eq!(printed(j), e.lines, "{name} job {}", j.name);
            let v = m.checkers.output_expectations.iter().find(|v| v.job == j.name).expect("verdict");
            assert!(v.pass, "{name}: {v:?}");
            assert_eq!(v.text, format!("job {}: {n} lines expected, {n} printed", j.name, n = e.lines.len()));
            assert_eq!(v.difference, None);
        }
        // Every row points at the trace record that reported it.
        for j in &m.jobs {
            for r in &j.rows {
                assert_eq!(w.sim.trace().records()[r.trace_index].t, r.t, "{name}");
                let _ = stream_out(w, r.trace_index);
            }
        }
    }
}

#[test]
fn ex_f1_results_with_pane_timing_and_verdicts() {
    let s = finished("stream/flink/ex-f1-tumbling.toml");
    let m = outputs(s.world());
    let j = job(&m, "tumbling-3s");
    assert_eq!((j.engine.as_str(), j.sink.as_str()), ("flink", "print"));
    assert_eq!(j.keys, ["key1", "key2"]);
    assert_eq!(j.counts, JobCounts { emitted: 3, published: 3, ..JobCounts::default() });
    let got: Vec<(Micros, &str, Option<Window>, Option<&str>, Option<&str>, &str, u32, Option<Publish>, Option<&str>)> = j
        .rows
        .iter()
        .map(|r| {
            (
                r.t,
                r.text.as_str(),
                r.window,
                r.key.as_deref(),
                r.value.as_deref(),
                r.timing_word(),
                r.pane.map_or(99, |p| p.index),
                r.publish,
                r.verdict.as_ref().map(|v| v.words.as_str()),
            )
        })
        .collect();
    let w = |a, b| Some(Window::new(a, b));
    assert_eq!(
        got,
        [
            (12_000, "(key1,3)@2999", w(0, 3000), Some("key1"), Some("3"), "ON_TIME", 0, Some(Publish::AtEmit), Some("correct")),
            (12_000, "(key2,3)@2999", w(0, 3000), Some("key2"), Some("3"), "ON_TIME", 0, Some(Publish::AtEmit), Some("correct")),
            (15_000, "(key2,2)@5999", w(3000, 6000), Some("key2"), Some("2"), "ON_TIME", 0, Some(Publish::AtEmit), Some("correct")),
        ]
    );
    assert_eq!(window_text(j.rows[2].window), "[00:00:03, 00:00:06)");
    match stream_out(s.world(), j.rows[0].trace_index) {
        Out::Pane(p) => assert_eq!((p.key.as_str(), p.out_ts), ("key1", 2999)),
        other => panic!("{other:?}"),
    }
    // A passing stream scenario: nothing flagged, only the output check.
    assert!(m.checkers.groups.is_empty(), "{:?}", m.checkers.groups);
    assert_eq!(m.checkers.oracles[0].as_ref().map(|o| o.summary.as_str()), Some("3 of 3 results correct, 0 incomplete, 0 missing, 0 extra"));
}

#[test]
fn ex_f5_late_firing_refines_the_on_time_pane() {
    let s = finished("stream/flink/ex-f5-lateness.toml");
    let m = outputs(s.world());
    for (name, late_value) in [("purging", "1"), ("accumulating", "3")] {
        let j = job(&m, name);
        assert_eq!(j.counts, JobCounts { emitted: 2, published: 2, side_output: 1, ..JobCounts::default() }, "{name}");
        let (on_time, late, side) = (&j.rows[0], &j.rows[1], &j.rows[2]);
        assert_eq!((on_time.t, on_time.timing, on_time.value.as_deref()), (5_000, Some(Timing::OnTime), Some("2")));
        assert_eq!(on_time.pane.map(|p| (p.index, p.on_time_index, p.is_first)), Some((0, Some(0), true)));
        // The reader's value was refined by the LATE pane: the verdict sits there.
        assert_eq!((on_time.refined_by, on_time.verdict.as_ref()), (Some(1), None));
        assert_eq!((late.t, late.timing, late.value.as_deref()), (6_000, Some(Timing::Late), Some(late_value)));
        assert_eq!(late.pane.map(|p| (p.index, p.on_time_index, p.is_first)), Some((1, Some(1), false)));
        let v = late.verdict.as_ref().expect("verdict");
        assert_eq!((v.correct, v.complete, v.missing, v.missing_late, v.ideal.as_deref()), (false, false, 1, 1, Some("4")));
        assert_eq!(v.words, "ideal 4; 1 input missing (1 reported late)");
        assert_eq!(side.kind, RowKind::Late { fate: LateFate::SideOutput });
        assert_eq!(
            (side.t, side.line.as_deref(), side.key.as_deref(), side.event_time, side.timing_word()),
            (8_000, Some("side output (key2,1)@1998"), Some("key2"), Some(1998), "none")
        );
    }
    assert_eq!(m.checkers.notable, [("late-side-output".to_string(), 2)]);
}

#[test]
fn spark_rows_carry_their_batch_and_late_drops_join_the_batch_that_filtered_them() {
    let s = finished("stream/spark/ex-s4-watermark-update-mode.toml");
    let m = outputs(s.world());
    let j = job(&m, "spark-3.3");
    assert_eq!(printed(j), s.world().scenario.expect_outputs[0].lines);
    let batches: Vec<Option<u64>> = j.rows.iter().map(|r| r.batch).collect();
    let expected: Vec<Option<u64>> = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3].into_iter().map(Some).collect();
    assert_eq!(batches, expected);
    assert_eq!(j.rows[16].kind, RowKind::Late { fate: LateFate::Dropped });
    assert_eq!(j.rows[16].line.as_deref(), Some("late 12:04 donkey dropped for 11:55-12:05"));
    assert!(j.rows.iter().all(|r| r.timing.is_none()));
    let heads: Vec<&str> = j.batches.iter().map(|b| b.text.as_str()).collect();
    assert_eq!(
        heads,
        [
            "batch 0 600.000000s-600.100000s wm 00:00 late-wm 00:00 in 2 out 4",
            "batch 1 900.000000s-900.100000s wm 11:58 late-wm 11:58 in 2 out 4",
            "batch 2 1200.000000s-1200.100000s wm 12:04 late-wm 12:04 in 4 out 8",
            "batch 3 1500.000000s-1500.100000s wm 12:11 late-wm 12:11 in 2 out 2",
        ]
    );
    assert_eq!(j.counts.late_dropped, 2);
    assert_eq!(m.checkers.oracles[0].as_ref().map(|o| o.summary.as_str()), Some("12 of 14 results correct, 2 incomplete, 2 missing, 0 extra"));
    // Spark 3.5 counts the late donkey: every result is correct.
    assert_eq!(job(&m, "spark-3.5").counts.late_dropped, 0);
    assert_eq!(m.checkers.oracles[1].as_ref().map(|o| o.summary.as_str()), Some("14 of 14 results correct, 0 incomplete, 0 missing, 0 extra"));
}

#[test]
fn two_phase_commit_sink_publishes_on_commit_and_replays_are_flagged_elsewhere() {
    let s = finished("stream/flink-runtime/checkpoints-exactly-once.toml");
    let w = s.world();
    let m = outputs(w);

    // Exactly-once print sink: results wait for their transaction.
    let eo = job(&m, "clicks-per-user");
    assert_eq!(eo.counts.emitted, 15);
    assert_eq!((eo.counts.published, eo.counts.pending, eo.counts.aborted, eo.counts.duplicates), (12, 0, 3, 0));
    let first = eo.rows.iter().find(|r| r.kind == RowKind::Result).expect("a result");
    assert_eq!((first.t, first.text.as_str()), (4_551_000, "(user1,2)@43201999"));
    assert_eq!(first.publish, Some(Publish::Committed { txn: 0, at: 5_002_000, trace_index: 144 }));
    assert_eq!(stream_out(w, 144), &Out::Txn { id: 0, phase: TxnPhase::Committed });
    let aborted: Vec<(&str, Option<Publish>)> =
        eo.rows.iter().filter(|r| matches!(r.publish, Some(Publish::Aborted { .. }))).map(|r| (r.text.as_str(), r.publish)).collect();
    let ab = Some(Publish::Aborted { txn: 1, at: 6_700_000, trace_index: 184 });
    assert_eq!(aborted, [("(user1,2)@43203999", ab), ("(user2,2)@43203999", ab), ("(user3,12)@43203999", ab)]);
    assert_eq!(ab.map(|p| p.words()).as_deref(), Some("never (txn 1 aborted)"));
    assert_eq!(first.publish.map(|p| p.words()).as_deref(), Some("published at 5.002000s (txn 0 committed)"));
    let kinds: Vec<&str> = eo.rows.iter().map(|r| r.kind.word()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "txn").count(), 7, "pre-commit and commit of txns 0, 2, 3; abort of 1; {kinds:?}");
    assert_eq!(eo.rows.iter().filter(|r| r.kind == RowKind::Failure).count(), 1);

    // At-least-once print sink: the replay after the restore is published twice.
    let alo = job(&m, "clicks-at-least-once");
    assert_eq!((alo.counts.emitted, alo.counts.published, alo.counts.duplicates), (15, 15, 3));
    let dups: Vec<(usize, Option<usize>)> = alo.rows.iter().enumerate().filter(|(_, r)| r.duplicate_of.is_some()).map(|(i, r)| (i, r.duplicate_of)).collect();
    assert_eq!(dups, [(14, Some(9)), (15, Some(10)), (16, Some(11))]);
    let g = group(&m.checkers, "duplicate-output");
    assert_eq!(g.count, 3);
    let hits: Vec<(String, &str)> = g.hits.iter().map(|h| (h.label(), h.message.as_str())).collect();
    assert_eq!(
        hits,
        [
            ("at 7.951s (#251)".to_string(), "clicks-at-least-once published (user1,2)@43203999 again (first published at 6.700000s, #190)"),
            ("at 7.951s (#252)".to_string(), "clicks-at-least-once published (user2,2)@43203999 again (first published at 6.700000s, #191)"),
            ("at 7.951s (#253)".to_string(), "clicks-at-least-once published (user3,12)@43203999 again (first published at 6.700000s, #192)"),
        ]
    );
    assert_eq!(g.hits[0].related, [Moment { label: "first".into(), t: 6_700_000, trace_index: 190 }]);

    // Upsert sink: the replay overwrites the row instead of duplicating it.
    let up = job(&m, "clicks-upsert");
    assert_eq!(up.counts.duplicates, 0);
    let writes: Vec<Option<u32>> = up.rows.iter().filter(|r| r.kind == RowKind::Result).map(|r| r.upsert_write).collect();
    assert_eq!(writes.iter().filter(|w| **w == Some(2)).count(), 3);
    assert!(writes.iter().all(|w| matches!(w, Some(1) | Some(2))));
}

#[test]
fn kafka_sinks_published_vs_emitted_and_duplicate_output_hits() {
    let s = finished("stream/exactly-once/kafka-two-phase-commit.toml");
    let m = outputs(s.world());
    let j = job(&m, "counter");
    assert_eq!(j.sink, "Kafka topic counts (exactly-once)");
    assert_eq!((j.counts.emitted, j.counts.published, j.counts.pending + j.counts.aborted, j.counts.failures), (812, 800, 12, 1));
    assert!(!m.checkers.groups.iter().any(|g| g.checker == "duplicate-output"));
    assert!(m.checkers.expectations.iter().all(|e| e.pass));

    let s = finished("stream/exactly-once/kafka-at-least-once.toml");
    let m = outputs(s.world());
    let j = job(&m, "counter");
    assert_eq!(j.sink, "Kafka topic counts (at-least-once)");
    assert_eq!((j.counts.emitted, j.counts.published, j.counts.pending, j.counts.aborted), (812, 812, 0, 0));
    let g = group(&m.checkers, "duplicate-output");
    assert_eq!((g.count, g.hits.len()), (12, 12));
    let records = s.world().sim.trace().records();
    for h in &g.hits {
        assert_eq!(records[h.trace_index].t, h.t);
        assert!(matches!(&records[h.trace_index].ev, TraceEvent::Domain(Event::Kafka(KEvent::Polled { .. }))), "{h:?}");
        assert!(h.message.starts_with("readers of counts-0 read counter's result ("), "{}", h.message);
    }
    assert_eq!(
        m.checkers.expectations.iter().map(|e| e.summary_line.as_str()).collect::<Vec<_>>(),
        [
            "PASS duplicate-output > 0 (actual 12)  stream/exactly-once/kafka-at-least-once.toml:60",
            "PASS job-failures == 1 (actual 1)  stream/exactly-once/kafka-at-least-once.toml:61",
        ]
    );
}

#[test]
fn a2_lost_writes_point_at_their_records_and_at_the_ack_and_truncation() {
    let s = finished("kafka/a2-acks1-failover-loss.toml");
    let w = s.world();
    let records = w.sim.trace().records();
    let m = outputs(w);
    assert!(m.jobs.is_empty());
    let c = &m.checkers;
    assert!(c.finished);
    let names: Vec<(&str, i64, usize)> = c.groups.iter().map(|g| (g.checker.as_str(), g.count, g.hits.len())).collect();
    assert_eq!(names, [("lost-write", 100, 100), ("unseen", 3001, 1), ("inconsistent-offsets", 100, 100), ("nonmonotonic-send", 1, 1)]);

    let lost = group(c, "lost-write");
    let h = &lost.hits[0];
    assert_eq!((h.t, h.trace_index, h.label()), (29_522_010, 93_138, "at 29.522s (#93138)".to_string()));
    assert_eq!(h.message, "p1 send 2000 (\"p1-2000\") to orders-0 (acked at offset 2000) is absent from the final log of b2 (final leader)");
    assert_eq!(
        h.related,
        [
            Moment { label: "acknowledged".into(), t: 10_002_205, trace_index: 53_987 },
            Moment { label: "truncated on b1".into(), t: 20_004_721, trace_index: 56_840 },
        ]
    );
    assert!(matches!(&records[53_987].ev, TraceEvent::Domain(Event::Kafka(KEvent::SendOk { offset: 2000, .. }))));
    assert!(matches!(&records[56_840].ev, TraceEvent::Domain(Event::Kafka(KEvent::Truncated { to, from_leo, .. })) if *to <= 2000 && 2000 < *from_leo));
    assert_eq!(w.sim.node_name(records[56_840].node), "b1");

    let inc = &group(c, "inconsistent-offsets").hits[0];
    assert_eq!((inc.t, inc.trace_index, inc.label()), (20_519_930, 56_999, "at 20.519s (#56999)".to_string()));
    assert_eq!(
        inc.related,
        [Moment { label: "ack".into(), t: 10_002_205, trace_index: 53_987 }, Moment { label: "ack".into(), t: 20_519_930, trace_index: 56_999 }]
    );

    // Every hit and every related moment carries its record's time, and the
    // first ten read exactly as `streamlab run` prints them.
    let summary = crate::report::summary_text(w, &Outcome::of(w));
    let mut all: Vec<&CheckerHit> = c.groups.iter().flat_map(|g| g.hits.iter()).collect();
    all.sort_by_key(|h| h.trace_index);
    for h in &all {
        assert_eq!(records[h.trace_index].t, h.t);
        for r in &h.related {
            assert_eq!(records[r.trace_index].t, r.t);
        }
    }
    for h in all.iter().take(10) {
        let line = format!("  {} at {} (trace #{}): {}", h.checker, fmt_time(h.t), h.trace_index, h.message);
        assert!(summary.contains(&line), "{line}");
    }
    assert_eq!(
        c.notable,
        [("leader-elections".to_string(), 1), ("isr-shrinks".to_string(), 1), ("isr-expands".to_string(), 1), ("truncations".to_string(), 1)]
    );
    assert_eq!(c.expectations.len(), 1);
    assert_eq!(
        (c.expectations[0].pass, c.expectations[0].text.as_str(), c.expectations[0].summary_line.as_str()),
        (true, "lost-write > 0 (actual 100)", "PASS lost-write > 0 (actual 100)  kafka/a2-acks1-failover-loss.toml:48")
    );
    assert!(summary.contains(&c.expectations[0].summary_line));
}

const CLEAN: &str = r#"
name = "clean"
duration = "10s"
[cluster]
brokers = 3
[[topics]]
name = "orders"
partitions = 1
replication_factor = 3
[[producers]]
name = "p1"
topic = "orders"
rate = 20
stop = "3s"
config = { acks = "all" }
[[consumers]]
name = "c1"
topics = ["orders"]
group = "g"
config = { "auto.offset.reset" = "earliest" }
[expect]
lost-write = 0
acked = 60
"#;

#[test]
fn a_clean_kafka_run_flags_nothing() {
    let mut s = Session::load("t.toml", CLEAN, Some(1)).expect("loads");
    s.run_to_end();
    let c = checkers(s.world());
    assert!(c.groups.is_empty(), "{:?}", c.groups);
    assert_eq!(c.hit_count(), 0);
    let lines: Vec<(&str, bool)> = c.expectations.iter().map(|e| (e.summary_line.as_str(), e.pass)).collect();
    assert_eq!(lines, [("PASS acked == 60 (actual 60)  t.toml:23", true), ("PASS lost-write == 0 (actual 0)  t.toml:22", true)]);
}

#[test]
fn mid_run_verdicts_are_so_far() {
    let mut s = builtin("stream/flink/ex-f1-tumbling.toml");
    s.run_until(12_000);
    let m = outputs(s.world());
    assert!(!m.finished && !m.checkers.finished);
    assert_eq!(printed(&m.jobs[0]), ["(key1,3)@2999", "(key2,3)@2999"]);
    let v = &m.checkers.output_expectations[0];
    assert!(!v.pass);
    assert_eq!(v.text, "job tumbling-3s: 3 lines expected, 2 printed");
    assert_eq!(v.difference, Some((3, "(key2,2)@5999".to_string(), "(nothing)".to_string())));
    let mut s = builtin("kafka/a2-acks1-failover-loss.toml");
    s.run_until(5_000_000);
    let c = checkers(s.world());
    assert_eq!(c.at, 5_000_000);
    assert_eq!(
        c.expectations[0].summary_line,
        format!(
            "so far lost-write > 0 (actual {})  kafka/a2-acks1-failover-loss.toml:48",
            c.expectations[0].text.split("actual ").nth(1).map_or("", |x| x.trim_end_matches(')'))
        )
    );
    assert!(!c.expectations[0].pass);
}

#[test]
fn the_fold_is_incremental_and_restarts_with_a_new_run() {
    let mut s = builtin("stream/flink-runtime/checkpoints-exactly-once.toml");
    let mut fold = OutputsFold::new();
    let end = s.end_time();
    let mut t = 0;
    while t < end {
        t = (t + 350_000).min(end);
        s.run_until(t);
        fold.advance(s.world(), 7);
        let mut fresh = OutputsFold::new();
        fresh.advance(s.world(), 0);
        assert_eq!(fold.jobs(), fresh.jobs(), "at {t}");
        assert_eq!(fold.position(), s.trace_len());
    }
    assert!(!fold.advance(s.world(), 7), "nothing new");
    // A new run (same length or shorter) starts the fold over.
    let mut s2 = builtin("stream/flink-runtime/checkpoints-exactly-once.toml");
    s2.run_until(5_000_000);
    assert!(fold.advance(s2.world(), 8));
    let mut fresh = OutputsFold::new();
    fresh.advance(s2.world(), 0);
    assert_eq!(fold.jobs(), fresh.jobs());
    assert!(fold.jobs()[0].counts.emitted < 15);
}

#[test]
fn the_memo_recomputes_only_for_a_new_run_or_a_longer_trace() {
    let mut s = builtin("stream/flink/ex-f1-tumbling.toml");
    s.run_until(12_000);
    let mut memo = CheckersMemo::new();
    assert!(memo.latest(1).is_none());
    assert_eq!(memo.get(s.world(), 1).trace_len, s.trace_len());
    assert!(memo.is_current(s.world(), 1));
    assert!(!memo.is_current(s.world(), 2));
    s.run_to_end();
    assert!(!memo.is_current(s.world(), 1));
    assert_eq!(memo.latest(1).map(|c| c.finished), Some(false), "the old model until recomputed");
    assert!(memo.latest(2).is_none());
    assert!(memo.get(s.world(), 1).finished);
}

#[test]
fn trace_references_in_messages_become_moments() {
    let s = finished("stream/flink/ex-f1-tumbling.toml");
    let records = s.world().sim.trace().records();
    let m = refs("x (ack #5), y (poll at #7) and z (#9); #99999 is past the end", records);
    let got: Vec<(&str, usize)> = m.iter().map(|m| (m.label.as_str(), m.trace_index)).collect();
    assert_eq!(got, [("ack", 5), ("poll", 7), ("record", 9)]);
    assert_eq!(m[1].t, records[7].t);
    assert_eq!(first_quoted(r#"p1 send 3 ("a \"b\"") to t"#), Some(r#""a \"b\"""#));
    assert_eq!(first_quoted("no quotes"), None);
    assert_eq!(short_time(20_519_930), "20.519s");
    assert_eq!(window_text(None), "no window");
    assert_eq!(window_text(Some(Window::GLOBAL)), "global window");
}

#[test]
#[ignore]
fn zz_measure_cost() {
    let s = finished("kafka/a2-acks1-failover-loss.toml");
    let w = s.world();
    let t0 = std::time::Instant::now();
    let n = 5;
    for _ in 0..n {
        let _ = Outcome::of(w);
    }
    let t1 = std::time::Instant::now();
    for _ in 0..n {
        let _ = checkers(w);
    }
    let t2 = std::time::Instant::now();
    for _ in 0..n {
        let mut f = OutputsFold::new();
        f.advance(w, 0);
    }
    let t3 = std::time::Instant::now();
    println!("trace {} records: Outcome::of {:?}, checkers {:?}, fold {:?}", w.sim.trace().len(), (t1 - t0) / n, (t2 - t1) / n, (t3 - t2) / n);
    let s = finished("stream/exactly-once/kafka-at-least-once.toml");
    let w = s.world();
    let t0 = std::time::Instant::now();
    let _ = checkers(w);
    let t1 = std::time::Instant::now();
    let mut f = OutputsFold::new();
    f.advance(w, 0);
    let t2 = std::time::Instant::now();
    println!("trace {} records: checkers {:?}, fold {:?}", w.sim.trace().len(), t1 - t0, t2 - t1);
}

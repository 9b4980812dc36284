//! Unit tests of the runtime: watermark propagation through the job,
//! idleness, alignment, unaligned in-flight state, two-phase commit around
//! a crash, restarts, external sink acks, checkpoints not changing results.

use super::testkit::*;
use super::*;
use crate::stream::types::{CheckpointPhase, Datum, Out, Pane, TxnPhase, Window, MAX_WATERMARK};
use crate::time::Duration;
use std::collections::BTreeMap;

const MS: Micros = 1000;
const S: Micros = 1_000_000;

fn spec() -> FlinkRuntimeSpec {
    FlinkRuntimeSpec::default()
}

fn checkpoint_events(outs: &[Out]) -> Vec<(u64, CheckpointPhase)> {
    outs.iter().filter_map(|o| if let Out::Checkpoint { id, phase, .. } = o { Some((*id, *phase)) } else { None }).collect()
}

/// How often each input id appears in the given panes.
fn id_counts<'a>(ps: impl IntoIterator<Item = &'a Pane>) -> BTreeMap<u64, usize> {
    let mut m = BTreeMap::new();
    for p in ps {
        for i in &p.inputs {
            *m.entry(*i).or_default() += 1;
        }
    }
    m
}

#[test]
fn subtask_event_time_is_the_minimum_of_its_inputs() {
    let mut job = FlinkJob::new(&shape(2, 1), &spec(), |_| WindowSum::new(1000)).unwrap();
    let mut feed = Feed::new(2);
    feed.records[0].push((0, elem(0, "a", 1, 500)));
    feed.records[1].push((5 * MS, elem(1, "a", 2, 700)));
    feed.watermarks[0].push((10 * MS, 1500));
    feed.watermarks[1].push((20 * MS, 999));
    let outs = drive(&mut job, &feed, 60 * S);
    let ps = panes(&outs);
    assert_eq!(ps.len(), 1);
    assert_eq!((ps[0].window, ps[0].value.clone(), ps[0].emit, ps[0].out_ts), (Some(Window::new(0, 1000)), Datum::Int(3), 21 * MS, 999));
    // the subtask's clock moved once, to min(1500, 999), after the result (F-12)
    let wms: Vec<_> = outs.iter().filter_map(|o| if let Out::Watermark { op, wm } = o { Some((op.as_str(), *wm)) } else { None }).collect();
    assert_eq!(wms, vec![("source[0]", 1500), ("source[1]", 999), ("op[0]", 999)]);
    let pane_pos = outs.iter().position(|o| matches!(o, Out::Pane(_))).unwrap();
    let wm_pos = outs.iter().position(|o| matches!(o, Out::Watermark { op, .. } if op == "op[0]")).unwrap();
    assert!(pane_pos < wm_pos);
}

/// The records of /work/stream-scenarios/flink-runtime/idle-input.toml:
/// "left" every 10 s of event time (arrival ts + 1 s), "right" four records
/// then silence (arrival ts + 2 s); processing time 0 = 12:00:00.
fn idle_feed() -> Feed {
    let noon: i64 = 12 * 3_600_000;
    let mut feed = Feed::new(2);
    let mut id = 0;
    for k in 0..18 {
        let ts = 5_000 + 10_000 * k;
        feed.records[0].push(((ts as u64 + 1000) * MS, elem(id, "TeamX", 1, noon + ts)));
        id += 1;
    }
    for k in 1..=4 {
        let ts = 10_000 * k;
        feed.records[1].push(((ts as u64 + 2000) * MS, elem(id, "TeamX", 10, noon + ts)));
        id += 1;
    }
    feed
}

#[test]
fn idle_input_no_longer_holds_the_watermark_back() {
    let noon: i64 = 12 * 3_600_000;
    let bounded = FlinkRuntimeSpec { for_bounded_out_of_orderness: Some(Duration::from_secs(5)), ..spec() };
    // without idleness: "right" stops at 12:00:40, so the job's event time
    // stays at 12:00:40 − 5 s − 1 ms and no window ever fires
    let mut stuck = FlinkJob::new(&shape(2, 1), &bounded, |_| WindowSum::new(60_000)).unwrap();
    let outs = drive(&mut stuck, &idle_feed(), 240 * S);
    assert!(panes(&outs).is_empty());
    assert_eq!(stuck.subtask_watermarks(), vec![noon + 34_999]);

    let idle = FlinkRuntimeSpec { with_idleness: Some(Duration::from_secs(30)), ..bounded };
    let mut job = FlinkJob::new(&shape(2, 1), &idle, |_| WindowSum::new(60_000)).unwrap();
    let outs = drive(&mut job, &idle_feed(), 240 * S);
    // right's last record arrives at 12:00:42; tick 42.2 sees it, 42.4 starts
    // the countdown, 72.6 is the first tick more than 30 s later (F-6); the
    // IDLE status reaches the subtask 1 ms later and the minimum is left's
    // 12:01:04.999 (F-5): [12:00, 12:01) fires with 6×1 + 4×10
    let idle_at = outs.iter().position(|o| matches!(o, Out::Idle { channel: 1, idle: true, .. })).expect("right goes idle");
    let ps: Vec<_> = panes(&outs).iter().map(|p| (p.window.unwrap().start - noon, p.value.clone(), p.emit)).collect();
    assert_eq!(ps, vec![(0, Datum::Int(46), 72_601 * MS), (60_000, Datum::Int(6), 126_201 * MS)]);
    let first_pane = outs.iter().position(|o| matches!(o, Out::Pane(_))).unwrap();
    assert!(idle_at < first_pane);
    // left's last record (12:02:55) leaves [12:02, 12:03) open at 12:02:49.999
    assert_eq!(job.subtask_watermarks(), vec![noon + 169_999]);
}

/// Backlog: one subtask, 10 ms per record, channel 1 gets 20 records just
/// before the checkpoint at 100 ms; channel 0 gets one record before and one
/// right after the barrier.
fn backlog_feed() -> Feed {
    let mut feed = Feed::new(2);
    feed.records[0].push((50 * MS, elem(0, "a", 1, 50)));
    feed.records[0].push((101 * MS, elem(1, "a", 1, 101)));
    for k in 0..20 {
        feed.records[1].push(((60 + 2 * k) * MS, elem(100 + k, "b", 1, 60 + 2 * k as i64)));
    }
    feed
}

fn backlog_spec(mode: CheckpointingMode, unaligned: bool) -> FlinkRuntimeSpec {
    FlinkRuntimeSpec {
        checkpointing_interval: Some(Duration::from_millis(100)),
        checkpointing_mode: mode,
        unaligned,
        record_processing_time: Duration::from_millis(10),
        ..spec()
    }
}

fn order_of(outs: &[Out], id: u64) -> usize {
    outs.iter().position(|o| matches!(o, Out::Pane(p) if p.inputs == [id])).unwrap()
}

#[test]
fn aligned_barrier_blocks_its_channel_c2() {
    let mut job = FlinkJob::new(&shape(2, 1), &backlog_spec(CheckpointingMode::ExactlyOnce, false), |_| RunningCount::default()).unwrap();
    let feed = backlog_feed();
    let outs = drive(&mut job, &feed, 150 * MS);
    // channel 0 delivered barrier 1 at 101 ms and is blocked while channel 1
    // works through its backlog; the post-barrier record waits in it
    assert_eq!(job.blocked_channels(0), vec![0]);
    assert_eq!(job.pending_checkpoint(), Some(1));
    assert!(!panes(&outs).iter().any(|p| p.inputs == [1]));
    let mut rest = outs;
    // (until 290 ms: checkpoint 2, triggered at 300 ms, would include record 1)
    rest.extend(drive(&mut job, &Feed::new(2), 290 * MS));
    // the checkpoint completes after the last pre-barrier record of channel 1
    // (r104..r119 at 10 ms each from 101 ms); then channel 0 resumes
    assert!(order_of(&rest, 1) > order_of(&rest, 119));
    let done = rest.iter().position(|o| matches!(o, Out::Checkpoint { phase: CheckpointPhase::Completed, .. })).unwrap();
    assert!(done > order_of(&rest, 119) && done < order_of(&rest, 1));
    let snap = job.checkpointed_operators().unwrap();
    assert_eq!(snap[0].counts, BTreeMap::from([("a".to_string(), 1), ("b".to_string(), 20)]));
    assert_eq!(job.blocked_channels(0), Vec::<u32>::new());
}

#[test]
fn at_least_once_checkpoint_includes_post_barrier_records_c5() {
    let mut job = FlinkJob::new(&shape(2, 1), &backlog_spec(CheckpointingMode::AtLeastOnce, false), |_| RunningCount::default()).unwrap();
    let outs = drive(&mut job, &backlog_feed(), S);
    // nothing blocks: record 1 (after the barrier) is processed between
    // channel 1's backlog records
    assert!(order_of(&outs, 1) < order_of(&outs, 119));
    // the snapshot, taken when channel 1's barrier arrives, counts it, but
    // the checkpoint's source position for channel 0 is 1 (before it): a
    // restore would replay it and count it twice
    let snap = job.checkpointed_operators().unwrap();
    assert_eq!(snap[0].counts, BTreeMap::from([("a".to_string(), 2), ("b".to_string(), 20)]));
    let positions =
        outs.iter().find_map(|o| if let Out::Checkpoint { id: 1, phase: CheckpointPhase::Completed, positions } = o { Some(positions.clone()) } else { None });
    assert_eq!(positions, Some(vec![(0, 1), (1, 20)]));
}

#[test]
fn unaligned_barrier_overtakes_and_stores_in_flight_records_c6() {
    let mut sp = backlog_spec(CheckpointingMode::ExactlyOnce, true);
    sp.sink = SinkGuarantee::ExactlyOnce;
    sp.restart_delay = Duration::from_millis(20);
    let mut job = FlinkJob::new(&shape(2, 1), &sp, |_| RunningCount::default()).unwrap();
    let mut feed = backlog_feed();
    feed.crashes.push(150 * MS);
    feed.ends = vec![Some(400 * MS), Some(400 * MS)];
    let outs = drive(&mut job, &feed, 10 * S);
    // r100..r103 were processed by 101 ms; the barrier overtook r104..r119
    // (16 records in channel 1), so checkpoint 1 completed at once with them
    // as in-flight state
    let c1 = outs.iter().position(|o| matches!(o, Out::Checkpoint { id: 1, phase: CheckpointPhase::Completed, .. })).unwrap();
    assert!(c1 < order_of(&outs, 104));
    let restored =
        outs.iter()
            .find_map(|o| if let Out::Checkpoint { id, phase: CheckpointPhase::Restored, positions } = o { Some((*id, positions.clone())) } else { None });
    assert_eq!(restored, Some((1, vec![(0, 1), (1, 20)])));
    // after the crash at 150 ms the in-flight records are replayed from the
    // checkpoint, not from the sources (positions are past them)
    let committed = committed_outputs(&outs);
    let counts = id_counts(committed.iter().copied());
    assert_eq!(counts.len(), 22);
    assert!(counts.values().all(|n| *n == 1), "exactly once: {counts:?}");
    assert_eq!(job.operators()[0].counts, BTreeMap::from([("a".to_string(), 2), ("b".to_string(), 20)]));
}

#[test]
fn unaligned_snapshot_content() {
    let mut job = FlinkJob::new(&shape(2, 1), &backlog_spec(CheckpointingMode::ExactlyOnce, true), |_| RunningCount::default()).unwrap();
    drive(&mut job, &backlog_feed(), 102 * MS);
    assert_eq!(job.latest_completed_checkpoint(), Some(1));
    assert_eq!(job.checkpointed_in_flight_records(), 16);
    assert_eq!(job.checkpointed_operators().unwrap()[0].counts, BTreeMap::from([("a".to_string(), 1), ("b".to_string(), 4)]));
}

#[test]
fn two_phase_commit_around_a_crash_c4_c7() {
    // one channel, one subtask, checkpoint every 100 ms, crash at 250 ms
    let sp = FlinkRuntimeSpec {
        checkpointing_interval: Some(Duration::from_millis(100)),
        sink: SinkGuarantee::ExactlyOnce,
        restart_delay: Duration::from_millis(30),
        ..spec()
    };
    let mut job = FlinkJob::new(&shape(1, 1), &sp, |_| RunningCount::default()).unwrap();
    let mut feed = Feed::new(1);
    for (i, t) in [50u64, 150, 220, 240].into_iter().enumerate() {
        feed.records[0].push((t * MS, elem(i as u64, "k", 1, t as i64)));
    }
    feed.crashes.push(250 * MS);
    let outs = drive(&mut job, &feed, 400 * MS);
    let ev: Vec<String> = outs
        .iter()
        .filter_map(|o| match o {
            Out::Pane(p) => Some(format!("pane {} txn {:?}", p.inputs[0], p.txn)),
            Out::Txn { id, phase } => Some(format!("txn {id} {phase:?}")),
            Out::Checkpoint { id, phase, positions } => Some(format!("cp {id} {phase:?} {positions:?}")),
            Out::Failure { restored_from, .. } => Some(format!("failure from {restored_from:?}")),
            _ => None,
        })
        .collect();
    assert_eq!(
        ev,
        vec![
            "txn 0 Begun",
            "pane 0 txn Some(0)",
            "cp 1 Triggered [(0, 1)]",
            "txn 0 PreCommitted",
            "cp 1 Completed [(0, 1)]",
            "txn 0 Committed",
            "txn 1 Begun",
            "pane 1 txn Some(1)",
            "cp 2 Triggered [(0, 2)]",
            "txn 1 PreCommitted",
            "cp 2 Completed [(0, 2)]",
            "txn 1 Committed",
            "txn 2 Begun",
            "pane 2 txn Some(2)",
            "pane 3 txn Some(2)",
            "failure from Some(2)",
            "txn 2 Aborted",
            "cp 2 Restored [(0, 2)]",
            "txn 3 Begun",
            "pane 2 txn Some(3)",
            "pane 3 txn Some(3)",
            "cp 3 Triggered [(0, 4)]",
            "txn 3 PreCommitted",
            "cp 3 Completed [(0, 4)]",
            "txn 3 Committed",
        ]
    );
    // the replayed records get the counts they had before the crash
    let vals: Vec<_> = committed_outputs(&outs).iter().map(|p| p.value.clone()).collect();
    assert_eq!(vals, vec![Datum::Int(1), Datum::Int(2), Datum::Int(3), Datum::Int(4)]);
}

#[test]
fn restart_without_checkpoint_starts_from_scratch() {
    let mut job = FlinkJob::new(&shape(1, 1), &spec(), |_| RunningCount::default()).unwrap();
    let mut out = Vec::new();
    job.on_record(0, 0, elem(0, "k", 1, 0), &mut out);
    job.fail(10 * MS, "source[0]", &mut out);
    assert!(!job.is_running());
    // offered while down: ignored
    job.on_record(20 * MS, 0, elem(1, "k", 1, 0), &mut out);
    assert_eq!(job.next_wakeup(), Some(10 * MS + S));
    job.on_wakeup(10 * MS + S, &mut out);
    assert_eq!(job.take_rewind(), Some(vec![(0, 0)]));
    assert_eq!(job.take_rewind(), None);
    assert!(out.contains(&Out::Failure { task: "source[0]".into(), restored_from: None }));
    assert!(job.operators()[0].counts.is_empty());
    job.on_record(2 * S, 0, elem(0, "k", 1, 0), &mut out);
    assert_eq!(job.source_positions(), vec![(0, 1)]);
}

#[test]
fn external_sink_must_confirm_before_completion() {
    let sp = FlinkRuntimeSpec { checkpointing_interval: Some(Duration::from_millis(100)), sink: SinkGuarantee::ExactlyOnce, ..spec() };
    let mut job = FlinkJob::new(&shape(1, 2), &sp, |_| RunningCount::default()).unwrap();
    job.set_external_sink(true);
    let mut out = Vec::new();
    job.on_record(10 * MS, 0, elem(0, "A", 1, 0), &mut out); // subtask 1
    job.on_record(20 * MS, 0, elem(1, "B", 1, 0), &mut out); // subtask 0
    job.on_wakeup(101 * MS, &mut out);
    let mut flushes = job.take_sink_flushes();
    flushes.sort_by_key(|f| f.subtask);
    assert_eq!(flushes, vec![SinkFlush { checkpoint: 1, subtask: 0, txn: Some(1) }, SinkFlush { checkpoint: 1, subtask: 1, txn: Some(0) }]);
    assert_eq!((job.txn_owner(0), job.txn_owner(1)), (Some(1), Some(0)));
    assert_eq!(job.latest_completed_checkpoint(), None);
    job.sink_ack(105 * MS, 1, 0, &mut out);
    assert_eq!(job.latest_completed_checkpoint(), None);
    job.sink_ack(110 * MS, 1, 1, &mut out);
    assert_eq!(job.latest_completed_checkpoint(), Some(1));
    job.on_wakeup(111 * MS, &mut out);
    assert!(out.contains(&Out::Txn { id: 0, phase: TxnPhase::Committed }) && out.contains(&Out::Txn { id: 1, phase: TxnPhase::Committed }));
}

#[test]
fn end_of_input_fires_everything_and_takes_a_final_checkpoint() {
    let sp = FlinkRuntimeSpec { checkpointing_interval: Some(Duration::from_secs(10)), sink: SinkGuarantee::ExactlyOnce, ..spec() };
    let mut job = FlinkJob::new(&shape(2, 2), &sp, |_| WindowSum::new(1000)).unwrap();
    let mut out = Vec::new();
    job.on_record(0, 0, elem(0, "A", 1, 10), &mut out);
    job.on_record(0, 1, elem(1, "B", 2, 20), &mut out);
    job.on_end_of_input(5 * MS, &mut out);
    while let Some(t) = job.next_wakeup() {
        job.on_wakeup(t, &mut out);
    }
    assert_eq!(job.subtask_watermarks(), vec![MAX_WATERMARK, MAX_WATERMARK]);
    assert_eq!(checkpoint_events(&out), vec![(1, CheckpointPhase::Triggered), (1, CheckpointPhase::Completed)]);
    let vis: Vec<_> = committed_outputs(&out).iter().map(|p| (p.key.clone(), p.value.clone())).collect();
    assert_eq!(vis.len(), 2);
    assert!(vis.contains(&("A".into(), Datum::Int(1))) && vis.contains(&("B".into(), Datum::Int(2))));
}

fn strip(p: &Pane) -> Pane {
    Pane { txn: None, ..p.clone() }
}

#[test]
fn checkpoints_do_not_change_results_without_failures() {
    for seed in 1..6 {
        let mut r = Rng(seed);
        let mut feed = Feed::new(2);
        let mut id = 0;
        for c in 0..2 {
            let mut t = 0;
            for _ in 0..40 {
                t += r.range(0, 4) * MS;
                let key = ["a", "b", "c", "d", "e"][r.range(0, 5) as usize];
                feed.records[c].push((t, elem(id, key, r.range(1, 10) as i64, (t / MS) as i64)));
                id += 1;
            }
            feed.ends[c] = Some(t + MS);
        }
        let base = FlinkRuntimeSpec { record_processing_time: Duration::from_millis(1), ..spec() };
        let eo = |unaligned| FlinkRuntimeSpec {
            checkpointing_interval: Some(Duration::from_millis(10)),
            unaligned,
            sink: SinkGuarantee::ExactlyOnce,
            ..base.clone()
        };
        // running count: unaligned barriers never change the processing order
        let mut plain = FlinkJob::new(&shape(2, 2), &base, |_| RunningCount::default()).unwrap();
        let want: Vec<Pane> = panes(&drive(&mut plain, &feed, 10 * S)).into_iter().cloned().collect();
        let mut job = FlinkJob::new(&shape(2, 2), &eo(true), |_| RunningCount::default()).unwrap();
        let outs = drive(&mut job, &feed, 10 * S);
        let got: Vec<Pane> = committed_outputs(&outs).into_iter().map(strip).collect();
        assert!(checkpoint_events(&outs).len() > 4);
        assert_eq!(got, want, "seed {seed}");
        // aligned: blocking reorders records, so compare the windowed sums
        // (order-insensitive; no watermark but the end of input, so nothing is late)
        let key = |p: &Pane| {
            let mut ids = p.inputs.clone();
            ids.sort();
            (p.window, p.key.clone(), p.value.to_string(), ids)
        };
        let mut plain = FlinkJob::new(&shape(2, 2), &base, |_| WindowSum::new(20)).unwrap();
        let mut want: Vec<_> = panes(&drive(&mut plain, &feed, 10 * S)).into_iter().map(key).collect();
        let mut job = FlinkJob::new(&shape(2, 2), &eo(false), |_| WindowSum::new(20)).unwrap();
        let outs = drive(&mut job, &feed, 10 * S);
        let mut got: Vec<_> = committed_outputs(&outs).into_iter().map(key).collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "seed {seed}");
    }
}

#[test]
fn deterministic_and_cloneable() {
    let sp = FlinkRuntimeSpec {
        checkpointing_interval: Some(Duration::from_millis(100)),
        sink: SinkGuarantee::ExactlyOnce,
        record_processing_time: Duration::from_millis(10),
        ..spec()
    };
    let mut feed = backlog_feed();
    feed.crashes.push(180 * MS);
    let mut a = FlinkJob::new(&shape(2, 2), &sp, |_| RunningCount::default()).unwrap();
    let mut b = a.clone();
    assert_eq!(drive(&mut a, &feed, 5 * S), drive(&mut b, &feed, 5 * S));
    assert_eq!(a.task_names(), vec!["source[0]", "source[1]", "op[0]", "op[1]"]);
}

/// /work/stream-scenarios/flink-runtime/checkpoints-exactly-once.toml with
/// parallelism 1: a burst on input b delays barrier 4, input a is blocked.
#[test]
fn checkpoint_scenario_aligns_behind_the_burst() {
    let noon: i64 = 12 * 3_600_000;
    let sp = FlinkRuntimeSpec {
        for_bounded_out_of_orderness: Some(Duration::from_millis(500)),
        checkpointing_interval: Some(Duration::from_secs(1)),
        sink: SinkGuarantee::ExactlyOnce,
        record_processing_time: Duration::from_millis(50),
        ..spec()
    };
    let mut feed = Feed::new(2);
    for k in 0..17u64 {
        let at = 500 + 500 * k;
        feed.records[0].push((at * MS, elem(k, if k % 2 == 0 { "user1" } else { "user2" }, 1, noon + at as i64 - 100)));
    }
    for i in 0..12u64 {
        feed.records[1].push((3900 * MS, elem(100 + i, "user3", 1, noon + 3800 + i as i64)));
    }
    feed.records[1].push((6000 * MS, elem(112, "user3", 1, noon + 5900)));
    feed.records[1].push((7000 * MS, elem(113, "user3", 1, noon + 6950)));
    feed.ends = vec![Some(9 * S), Some(9 * S)];
    let mut job = FlinkJob::new(&shape(2, 1), &sp, |_| WindowSum::new(2000)).unwrap();
    let timed = drive_timed(&mut job, &feed, 15 * S);
    let cp4: Vec<_> = timed.iter().filter_map(|(t, o)| matches!(o, Out::Checkpoint { id: 4, .. }).then_some(*t)).collect();
    // triggered at 12:00:04, completed when barrier 4 of b came through the burst
    assert_eq!(cp4, vec![4 * S, 4501 * MS]);
    let all: Vec<Out> = timed.into_iter().map(|x| x.1).collect();
    let committed = committed_outputs(&all);
    let counts = id_counts(committed.iter().copied());
    assert_eq!(counts.len(), 31);
    assert!(counts.values().all(|n| *n == 1));
    let completed: Vec<_> =
        all.iter().filter_map(|o| if let Out::Checkpoint { id, phase: CheckpointPhase::Completed, .. } = o { Some(*id) } else { None }).collect();
    assert_eq!(completed, (1..=10).collect::<Vec<_>>());
}

//! Metrics against built-in scenarios whose fault schedule is known: the
//! A2 failover (partition at 10 s, crash at 10.5 s, both over at 20 s) and
//! EX-B7 (exact arrival and emit times, so exact latencies).

use super::*;
use crate::session::{Session, BUILTIN_SCENARIOS};

fn load(name: &str) -> Session {
    let text = BUILTIN_SCENARIOS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t).expect("built-in scenario");
    Session::load(name, text, None).expect("loads")
}

fn fold_at_end(name: &str) -> (Session, MetricsModel) {
    let mut s = load(name);
    s.run_to_end();
    let mut f = MetricsFold::new();
    f.update(s.world());
    let m = f.model().expect("a model after update").clone();
    (s, m)
}

fn line<'m>(m: &'m MetricsModel, chart: &str, name: &str) -> &'m [Option<f64>] {
    let c = m.chart(chart).unwrap_or_else(|| panic!("chart {chart}"));
    &c.lines.iter().find(|l| l.name == name).unwrap_or_else(|| panic!("line {name} of {chart}")).values
}

fn ids(m: &MetricsModel) -> Vec<&str> {
    m.charts.iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn bucket_sizes_give_100_to_200_buckets() {
    assert_eq!(bucket_for(30_000_000), 200_000);
    assert_eq!(bucket_for(60_000_000), 500_000);
    assert_eq!(bucket_for(15 * 60_000_000), 5_000_000);
    assert_eq!(bucket_for(40_000_000), 200_000);
    assert_eq!(bucket_for(1_000_000), 5_000);
    assert_eq!(bucket_for(1), 1_000);
}

#[test]
fn a2_failover_fault_periods_and_isr_dip() {
    let (s, m) = fold_at_end("kafka/a2-acks1-failover-loss.toml");
    assert_eq!((m.bucket, m.end, m.now, m.times.len()), (200_000, 30_000_000, 30_000_000, 150));
    assert_eq!(m.times[0], 200_000);
    assert_eq!(ids(&m), ["produce-throughput", "consume-throughput", "consumer-lag", "isr", "latency"]);
    // The partition cuts b1 and p1 off from the rest (16 directed links)
    // from 10 s until it heals at 20 s; b1 is down from 10.5 s to 20 s.
    assert_eq!(
        m.faults,
        vec![
            FaultSpan { kind: FaultKind::Network, subject: "16 links".into(), label: "faults[0] partition".into(), start: 10_000_000, end: Some(20_000_000) },
            FaultSpan { kind: FaultKind::Down, subject: "b1".into(), label: "faults[1] crash".into(), start: 10_500_000, end: Some(20_000_000) },
        ]
    );
    // The controller shrinks the ISR when it fences b1 (no heartbeats since
    // the partition), and b1 rejoins after its restart: the dip is in the
    // buckets of those two trace records.
    let changes: Vec<(Micros, usize)> = s
        .world()
        .sim
        .trace()
        .records()
        .iter()
        .filter_map(|r| match &r.ev {
            TraceEvent::Domain(Event::Kafka(KEvent::PartitionChanged { isr, .. })) => Some((r.t, isr.len())),
            _ => None,
        })
        .collect();
    let shrink = changes.iter().find(|(_, n)| *n == 2).expect("an ISR shrink").0;
    let expand = changes.iter().find(|(t, n)| *t > shrink && *n == 3).expect("an ISR expand").0;
    let (first, last) = ((shrink / m.bucket) as usize, (expand / m.bucket) as usize);
    assert_eq!((first, last), (86, 100));
    let isr = line(&m, "isr", "smallest ISR");
    let urp = line(&m, "isr", "under-replicated partitions");
    for i in 0..150 {
        let dip = (first..=last).contains(&i);
        assert_eq!(isr[i], Some(if dip { 2.0 } else { 3.0 }), "bucket {i}");
        assert_eq!(urp[i], Some(if dip { 1.0 } else { 0.0 }), "bucket {i}");
    }
    // p1 writes 200 records/s with acks=1; while b1 is down and no leader
    // is elected yet, nothing is acknowledged.
    let acked = line(&m, "produce-throughput", "acked");
    assert!(acked[..52].iter().all(|v| *v == Some(200.0)));
    assert!(acked[53..100].iter().all(|v| *v == Some(0.0)));
    // The consumer reads nothing during the outage: no latency samples.
    let p50 = line(&m, "latency", "p50");
    assert!(p50[..50].iter().all(Option::is_some));
    assert!(p50[53..100].iter().all(Option::is_none));
    let (p95, p99) = (line(&m, "latency", "p95"), line(&m, "latency", "p99"));
    for i in 0..50 {
        assert!(p50[i] <= p95[i] && p95[i] <= p99[i], "bucket {i}");
    }
    // c1 never commits (streamlab.commit.mode = none): its lag is measured
    // from its consumed position.
    assert_eq!(m.chart("consumer-lag").unwrap().lines.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["c1 (consumed)"]);
}

#[test]
fn committing_groups_are_measured_from_their_committed_offsets() {
    let (_, m) = fold_at_end("kafka/b5-rebalance-after-crash-duplicates.toml");
    let lag = m.chart("consumer-lag").unwrap();
    assert_eq!(lag.lines.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["group g (committed)"]);
    // No value before the group's first commit.
    assert_eq!(lag.lines[0].values[0], None);
    assert_eq!(m.faults.len(), 1);
    assert_eq!((m.faults[0].kind, m.faults[0].subject.as_str(), m.faults[0].start, m.faults[0].end), (FaultKind::Down, "c1", 12_500_000, None));
}

#[test]
fn ex_b7_latency_and_watermark_lag_are_exact() {
    let (_, m) = fold_at_end("stream/beam/ex-b7-early-late.toml");
    // No Kafka in a scripted Beam scenario: only the stream charts.
    assert_eq!(ids(&m), ["latency-perfect", "latency-heuristic", "watermark-lag"]);
    assert_eq!(m.bucket, 5_000_000);
    // perfect: the 5 arrives at 12:04:59, its first (EARLY) pane fires at
    // 12:05:59 (bucket [355 s, 360 s)): 60 s.
    let p50 = line(&m, "latency-perfect", "p50");
    let p95 = line(&m, "latency-perfect", "p95");
    let p99 = line(&m, "latency-perfect", "p99");
    assert_eq!((p50[71], p99[71]), (Some(60_000.0), Some(60_000.0)));
    // 12:06:39: the 7 (arrived 12:05:39, 60 s) and the 3 (12:06:13, 26 s).
    assert_eq!((p50[79], p95[79]), (Some(26_000.0), Some(60_000.0)));
    // 12:09:20 ON_TIME: the 8 (12:08:39, 41 s) and the 1 (12:09:00, 20 s).
    assert_eq!((p50[112], p99[112]), (Some(20_000.0), Some(41_000.0)));
    // Nine inputs, nine samples, in 7 buckets; nothing elsewhere.
    assert_eq!(p50.iter().filter(|v| v.is_some()).count(), 7);
    // Watermark lag: 12:00:05 − 12:00:00 at the end of the first bucket;
    // 12:08:40 − 12:02:00 = 400 s after the perfect watermark's first move;
    // none once the input ended (watermark +inf).
    let wl = line(&m, "watermark-lag", "perfect");
    assert_eq!((wl[0], wl[103]), (Some(5.0), Some(400.0)));
    assert_eq!(wl[120], None);
    assert_eq!(m.faults, vec![]);
}

#[test]
fn flink_vs_spark_has_kafka_and_stream_charts() {
    let (_, m) = fold_at_end("stream/compare/flink-vs-spark.toml");
    assert_eq!(ids(&m), ["produce-throughput", "consume-throughput", "consumer-lag", "isr", "latency-flink-counts", "latency-spark-counts", "watermark-lag"]);
    // Flink's first window fires at 13.201 s (bucket [13 s, 13.5 s)), Spark's
    // at the end of batch 3, 20.1 s (bucket [20 s, 20.5 s)).
    let first = |id: &str| line(&m, id, "p50").iter().position(Option::is_some);
    assert_eq!((first("latency-flink-counts"), first("latency-spark-counts")), (Some(26), Some(40)));
}

#[test]
fn the_fold_is_incremental_and_follows_rollbacks() {
    let mut s = load("kafka/a2-acks1-failover-loss.toml");
    let mut fold = MetricsFold::new();
    let mut t = 0;
    while !s.is_finished() {
        t += 123_457;
        s.run_until(t);
        fold.update(s.world());
        if t == 123_457 * 100 {
            // Mid-run (12.3 s, b1 down): the open fault has no end yet.
            let m = fold.model().unwrap();
            assert_eq!(m.faults[1].end, None);
            assert_eq!(*m.times.last().unwrap(), t);
            let mut fresh = MetricsFold::new();
            fresh.update(s.world());
            assert_eq!(fresh.model(), fold.model());
        }
    }
    let mut fresh = MetricsFold::new();
    fresh.update(s.world());
    assert_eq!(fresh.model(), fold.model());

    // A seek backward restores an earlier snapshot: the trace is shorter,
    // the fold starts again.
    let mut s2 = load("kafka/a2-acks1-failover-loss.toml");
    s2.run_until(5_000_000);
    let snap = s2.world().sim.snapshot();
    s2.run_until(15_000_000);
    fold.update(s2.world());
    s2.world_mut().sim.restore(&snap);
    fold.update(s2.world());
    let mut fresh = MetricsFold::new();
    fresh.update(s2.world());
    assert_eq!(fresh.model(), fold.model());
    assert_eq!(fold.model().unwrap().times.len(), 25);
    assert!(fold.model().unwrap().faults.is_empty());
}

/// Timings (run with `--ignored --nocapture`, ideally `--release`): a
/// 5-broker, 12-partition cluster at 2000 records/s for 60 s.
#[test]
#[ignore]
fn timing() {
    const BIG: &str = r#"
name = "big"
duration = "60s"
[cluster]
brokers = 5
[[topics]]
name = "orders"
partitions = 12
replication_factor = 3
[[producers]]
name = "p1"
topic = "orders"
rate = 1000
keys = { distribution = "uniform", count = 100 }
[[producers]]
name = "p2"
topic = "orders"
rate = 1000
keys = { distribution = "uniform", count = 100 }
[[consumers]]
name = "c1"
group = "g"
topics = ["orders"]
[[consumers]]
name = "c2"
group = "g"
topics = ["orders"]
[[faults]]
at = "20s"
action = "crash"
target = "b2"
duration = "10s"
"#;
    let mut s = Session::load("big.toml", BIG, Some(1)).expect("loads");
    let mut fold = MetricsFold::new();
    let mut frames = 0u32;
    let mut worst = std::time::Duration::ZERO;
    let mut total = std::time::Duration::ZERO;
    let mut t = 0;
    // 60 fps at 10× speed: 166.7 ms of simulated time per frame.
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
    let n = s.world().sim.trace().len();
    let start = std::time::Instant::now();
    let mut fresh = MetricsFold::new();
    fresh.update(s.world());
    let full = start.elapsed();
    println!("trace {n} records; MetricsFold per frame: mean {:?}, worst {:?} over {frames} frames; from scratch {:?}", total / frames, worst, full);
    assert_eq!(fresh.model(), fold.model());
}

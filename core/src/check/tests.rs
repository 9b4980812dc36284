//! Checker tests on small hand-built traces: for each checker a positive
//! case (right count, right trace index) and a negative one.

use super::*;
use crate::kafka::events::KEvent;
use crate::kafka::types::ErrorCode;
use crate::kernel::{CrashKind, KernelEvent, TraceEvent};

const TP: Tp = Tp(0, 0);
const TP1: Tp = Tp(0, 1);
/// Producer, consumer and controller nodes (brokers are 1..=3).
const P: u32 = 10;
const P2: u32 = 11;
const C: u32 = 20;
const C2: u32 = 21;
const CTL: u32 = 0;

#[derive(Default)]
struct B {
    recs: Vec<TraceRecord<Event>>,
}

impl B {
    fn push(&mut self, node: u32, ev: TraceEvent<Event>) -> usize {
        let i = self.recs.len();
        self.recs.push(TraceRecord { t: (i as u64 + 1) * 10, node, ev });
        i
    }
    fn k(&mut self, node: u32, ev: KEvent) -> usize {
        self.push(node, TraceEvent::Domain(Event::Kafka(ev)))
    }
    fn kern(&mut self, node: u32, ev: KernelEvent) -> usize {
        self.push(node, TraceEvent::Kernel(ev))
    }
    fn send(&mut self, p: u32, id: u64, value: &str) -> usize {
        self.send_to(p, id, value, 0)
    }
    fn send_to(&mut self, p: u32, id: u64, value: &str, partition: u32) -> usize {
        self.k(p, KEvent::Send { id, key: None, value: value.into(), partition })
    }
    fn ok(&mut self, p: u32, id: u64, offset: i64) -> usize {
        self.ok_to(p, id, 0, offset)
    }
    fn ok_to(&mut self, p: u32, id: u64, partition: u32, offset: i64) -> usize {
        self.k(p, KEvent::SendOk { id, partition, offset })
    }
    fn fail(&mut self, p: u32, id: u64) -> usize {
        self.k(p, KEvent::SendFail { id, error: ErrorCode::InvalidProducerEpoch })
    }
    fn info(&mut self, p: u32, id: u64) -> usize {
        self.k(p, KEvent::SendInfo { id, error: ErrorCode::RequestTimedOut })
    }
    /// Sends and acks `values` at consecutive offsets from `base`, ids from `id`.
    fn produce(&mut self, p: u32, id: u64, base: i64, values: &[&str]) {
        for (n, v) in values.iter().enumerate() {
            self.send(p, id + n as u64, v);
            self.ok(p, id + n as u64, base + n as i64);
        }
    }
    fn poll(&mut self, c: u32, tp: Tp, recs: &[(u64, &str)]) -> usize {
        self.k(c, KEvent::Polled { tp, records: recs.iter().map(|(o, v)| (*o, v.to_string())).collect() })
    }
    fn assigned(&mut self, c: u32, generation: i32) -> usize {
        self.k(c, KEvent::Assigned { generation, partitions: vec![TP] })
    }
    fn changed(&mut self, tp: Tp, leader: Option<u32>, isr: &[u32], reason: &'static str) -> usize {
        self.k(CTL, KEvent::PartitionChanged { tp, leader, leader_epoch: 0, partition_epoch: 0, isr: isr.to_vec(), elr: vec![], reason })
    }
    fn run(&self, logs: &FinalLogs) -> CheckReport {
        run(&self.recs, logs)
    }
    fn last(&self) -> usize {
        self.recs.len() - 1
    }
}

fn replica(broker: u32, log_start: u64, hw: u64, recs: &[(u64, i32, &str)]) -> FinalReplica {
    let records: Vec<FinalRecord> = recs.iter().map(|(o, e, v)| FinalRecord { offset: *o, epoch: *e, key: None, value: v.to_string() }).collect();
    let leo = records.last().map_or(log_start, |r| r.offset + 1);
    FinalReplica { broker, log_start, leo, hw, records }
}

fn logs(tp: Tp, reps: Vec<FinalReplica>) -> FinalLogs {
    let mut l = FinalLogs::new();
    l.insert(tp, reps);
    l
}

fn hits<'r>(r: &'r CheckReport, checker: &str) -> Vec<&'r Hit> {
    r.hits.iter().filter(|h| h.checker == checker).collect()
}

fn m(r: &CheckReport, name: &str) -> i64 {
    *r.metrics.get(name).expect("every metric is present")
}

// ---------------------------------------------------------------- report

#[test]
fn empty_trace_has_every_metric_at_zero() {
    let r = run(&[], &FinalLogs::new());
    assert_eq!(r.metrics.len(), metrics::METRICS.len());
    for (name, _) in metrics::METRICS {
        assert_eq!(m(&r, name), 0, "{name}");
    }
    assert!(r.hits.is_empty());
}

#[test]
fn report_serializes() {
    let mut b = B::default();
    b.produce(P, 0, 0, &["a"]);
    b.poll(C, TP, &[]);
    let json = serde_json::to_string(&b.run(&FinalLogs::new())).unwrap();
    assert!(json.contains("\"unseen\":1"), "{json}");
    assert!(json.contains("\"trace_index\":2"), "{json}");
}

#[test]
fn hits_are_sorted_and_capped() {
    let mut b = B::default();
    let n = MAX_HITS_PER_CHECKER + 20;
    for i in 0..n as u64 {
        // Every poll skips one offset.
        b.poll(C, TP, &[(2 * i, "x")]);
    }
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "poll-skip"), (n - 1) as i64);
    let h = hits(&r, "poll-skip");
    assert_eq!(h.len(), MAX_HITS_PER_CHECKER + 1);
    assert!(h.last().unwrap().message.contains(&format!("{} more", n - 1 - MAX_HITS_PER_CHECKER)));
    assert!(r.hits.windows(2).all(|w| w[0].trace_index <= w[1].trace_index));
}

#[test]
fn hit_carries_the_time_of_its_record() {
    let mut b = B::default();
    b.poll(C, TP, &[(0, "a")]);
    let i = b.poll(C, TP, &[(0, "a")]);
    let r = b.run(&FinalLogs::new());
    let h = hits(&r, "nonmonotonic-poll");
    assert_eq!(h[0].trace_index, i);
    assert_eq!(h[0].t, b.recs[i].t);
}

// ---------------------------------------------------------------- history

#[test]
fn history_links_sends_by_node_incarnation_and_id() {
    let mut b = B::default();
    b.send(P, 0, "a");
    b.send(P2, 0, "b");
    b.ok(P2, 0, 0);
    b.ok(P, 0, 1);
    b.fail(P, 0); // a second completion is ignored
    b.kern(P, KernelEvent::Restart);
    b.send(P, 0, "c"); // ids restart in the new process
    b.info(P, 0);
    b.ok(P, 9, 5); // no Send: value unknown
    let h = history::extract(&b.recs, &FinalLogs::new());
    let out: Vec<(u32, u32, u64, Option<&str>, history::Outcome)> = h.sends.iter().map(|s| (s.producer, s.incarnation, s.id, s.value, s.outcome)).collect();
    use history::Outcome::*;
    assert_eq!(
        out,
        vec![
            (P, 0, 0, Some("a"), Ok { offset: Some(1) }),
            (P2, 0, 0, Some("b"), Ok { offset: Some(0) }),
            (P, 1, 0, Some("c"), Info(ErrorCode::RequestTimedOut)),
            (P, 1, 9, None, Ok { offset: Some(5) }),
        ]
    );
    assert_eq!(h.sends[0].invoke, Some(0));
    assert_eq!(h.sends[0].complete, Some(3));
}

#[test]
fn history_resolves_the_topic_of_sends() {
    // From BatchSent.
    let mut b = B::default();
    b.k(P, KEvent::BatchSent { tp: Tp(2, 1), first_send: 0, count: 1, attempt: 0, broker: 1 });
    b.send_to(P, 0, "a", 1);
    b.changed(Tp(0, 0), Some(1), &[1], "created");
    let h = history::extract(&b.recs, &FinalLogs::new());
    assert_eq!(h.sends[0].tp, Tp(2, 1));
    // From an Appended of the same value in a partition of that number.
    let mut b = B::default();
    b.changed(Tp(0, 0), Some(1), &[1], "created");
    b.send_to(P, 0, "a", 0);
    b.k(1, KEvent::Appended { tp: Tp(3, 0), leader_epoch: 0, base: 0, values: vec!["a".into()] });
    let h = history::extract(&b.recs, &FinalLogs::new());
    assert_eq!(h.sends[0].tp, Tp(3, 0));
    // The only topic.
    let mut b = B::default();
    b.send_to(P, 0, "a", 1);
    let h = history::extract(&b.recs, &logs(Tp(4, 0), vec![]));
    assert_eq!(h.sends[0].tp, Tp(4, 1));
}

// ---------------------------------------------------------------- counters

#[test]
fn counters_count_their_events() {
    let mut b = B::default();
    b.send(P, 0, "a");
    b.send(P, 1, "b");
    b.send(P, 2, "c");
    b.send(P, 3, "d");
    b.ok(P, 0, 0);
    b.fail(P, 1);
    b.info(P, 2);
    b.k(1, KEvent::ProduceRejected { tp: TP, error: ErrorCode::NotEnoughReplicas, producer: 1 });
    b.k(1, KEvent::ProduceRejected { tp: TP, error: ErrorCode::NotEnoughReplicasAfterAppend, producer: 1 });
    b.k(1, KEvent::ProduceRejected { tp: TP, error: ErrorCode::NotLeaderOrFollower, producer: 1 });
    b.poll(C, TP, &[(0, "a"), (1, "b")]);
    b.poll(C, TP, &[]);
    b.k(5, KEvent::Committed { group: "g".into(), tp: TP, offset: 2, generation: 1 });
    b.k(5, KEvent::CommitRejected { group: "g".into(), error: ErrorCode::IllegalGeneration, generation: 0 });
    b.k(5, KEvent::GroupRebalanced { group: "g".into(), generation: 1, members: vec![] });
    b.k(5, KEvent::GroupRebalanced { group: "g".into(), generation: 2, members: vec![] });
    b.k(2, KEvent::Truncated { tp: TP, to: 3, from_leo: 5, reason: "diverging-epoch" });
    b.k(2, KEvent::Truncated { tp: TP, to: 5, from_leo: 5, reason: "noop" });
    b.kern(u32::MAX, KernelEvent::FaultFired { label: "kill leader".into() });
    b.kern(u32::MAX, KernelEvent::FaultFired { label: "partition (end)".into() });
    let r = b.run(&FinalLogs::new());
    let expect = [
        ("sent", 4),
        ("acked", 1),
        ("failed", 1),
        ("indefinite", 1),
        ("not-enough-replicas", 2),
        ("polled", 2),
        ("commits", 1),
        ("rejected-commits", 1),
        ("rebalances", 2),
        ("truncations", 1),
        ("faults", 1),
    ];
    for (name, n) in expect {
        assert_eq!(m(&r, name), n, "{name}");
    }
}

#[test]
fn partition_changes_count_elections_isr_changes_and_offline() {
    let mut b = B::default();
    b.changed(TP, Some(1), &[1, 2, 3], "created"); // baseline, not an election
    b.changed(TP1, Some(2), &[2, 3, 1], "created");
    b.changed(TP, Some(1), &[1, 2], "isr-shrink"); // -3
    b.changed(TP, Some(2), &[2], "election"); // election, -1
    b.changed(TP, None, &[2], "no-eligible-leader"); // not an election
    b.changed(TP, Some(2), &[2], "election"); // re-election after offline
    b.changed(TP, Some(3), &[3], "unclean-election"); // election, -2 +3
    b.changed(TP, Some(3), &[3, 1, 2], "isr-expand"); // +1 +2
    b.changed(TP1, None, &[2], "fenced"); // -3 -1, offline at the end
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "leader-elections"), 3);
    assert_eq!(m(&r, "unclean-elections"), 1);
    assert_eq!(m(&r, "isr-shrinks"), 1 + 1 + 1 + 2);
    assert_eq!(m(&r, "isr-expands"), 1 + 2);
    assert_eq!(m(&r, "offline-partitions"), 1);
}

#[test]
fn counters_are_zero_without_their_events() {
    let mut b = B::default();
    b.changed(TP, Some(1), &[1, 2, 3], "created");
    b.changed(TP, Some(1), &[1, 2, 3], "preferred-leader");
    b.kern(u32::MAX, KernelEvent::FaultFired { label: "kill (end)".into() });
    let r = b.run(&FinalLogs::new());
    for name in ["leader-elections", "unclean-elections", "isr-shrinks", "isr-expands", "offline-partitions", "faults", "truncations"] {
        assert_eq!(m(&r, name), 0, "{name}");
    }
}

// ---------------------------------------------------------------- lost-write

#[test]
fn lost_write_when_a_later_offset_was_polled() {
    let mut b = B::default();
    b.produce(P, 0, 0, &["a", "b", "c"]);
    b.poll(C, TP, &[(0, "a")]);
    let i = b.poll(C, TP, &[(2, "c")]);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "lost-write"), 1);
    let h = hits(&r, "lost-write");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].trace_index, i);
    assert!(h[0].message.contains("\"b\""), "{}", h[0].message);
}

#[test]
fn no_lost_write_when_nothing_later_was_polled() {
    let mut b = B::default();
    b.produce(P, 0, 0, &["a", "b", "c"]);
    b.poll(C, TP, &[(0, "a")]);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "lost-write"), 0);
    assert_eq!(m(&r, "unseen"), 2);
    // Indefinite and failed sends are never lost.
    let mut b = B::default();
    b.send(P, 0, "a");
    b.info(P, 0);
    b.send(P, 1, "b");
    b.ok(P, 1, 1);
    b.poll(C, TP, &[(1, "b")]);
    assert_eq!(m(&b.run(&FinalLogs::new()), "lost-write"), 0);
}

#[test]
fn lost_write_when_absent_from_the_final_leader_log() {
    // A2: acked at offset 0 by a leader that lost it; offset 0 now holds x.
    let mut b = B::default();
    b.changed(TP, Some(1), &[1, 2, 3], "created");
    b.produce(P, 0, 0, &["a"]);
    b.changed(TP, Some(2), &[2, 3], "election");
    let l = logs(TP, vec![replica(1, 0, 1, &[(0, 1, "x")]), replica(2, 0, 1, &[(0, 1, "x")])]);
    let r = b.run(&l);
    assert_eq!(m(&r, "lost-write"), 1);
    let h = hits(&r, "lost-write");
    assert_eq!(h[0].trace_index, b.last());
    assert!(h[0].message.contains("broker 2"), "{}", h[0].message);
}

#[test]
fn lost_write_counts_a_send_once_for_both_reasons() {
    let mut b = B::default();
    b.changed(TP, Some(1), &[1], "created");
    b.produce(P, 0, 0, &["a", "b"]);
    let i = b.poll(C, TP, &[(1, "b")]);
    let l = logs(TP, vec![replica(1, 0, 2, &[(0, 0, "z"), (1, 0, "b")])]);
    let r = b.run(&l);
    assert_eq!(m(&r, "lost-write"), 1);
    let h = hits(&r, "lost-write");
    assert_eq!(h[0].trace_index, i);
    assert!(h[0].message.contains("also absent"), "{}", h[0].message);
}

#[test]
fn no_lost_write_when_retention_deleted_it_or_the_log_has_it() {
    let mut b = B::default();
    b.changed(TP, Some(1), &[1], "created");
    b.produce(P, 0, 0, &["a", "b"]);
    let l = logs(TP, vec![replica(1, 1, 2, &[(1, 0, "b")])]);
    let r = b.run(&l);
    assert_eq!(m(&r, "lost-write"), 0);
}

// ---------------------------------------------------------------- unseen

#[test]
fn unseen_counts_acked_values_never_polled() {
    let mut b = B::default();
    b.produce(P, 0, 0, &["a", "b", "c"]);
    b.send_to(P, 3, "d", 1);
    b.ok_to(P, 3, 1, 0);
    b.send(P, 4, "e");
    b.info(P, 4); // not acked: never unseen
    b.poll(C, TP, &[(0, "a")]);
    b.poll(C, TP, &[]);
    b.poll(C, Tp(0, 1), &[]);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "unseen"), 3);
    let h = hits(&r, "unseen");
    assert_eq!(h.len(), 2, "one hit per partition");
    assert!(h.iter().all(|h| h.trace_index == b.last()));
    assert!(h[0].message.contains("2 acknowledged"), "{}", h[0].message);
}

#[test]
fn nothing_is_unseen_without_consumers() {
    let mut b = B::default();
    b.produce(P, 0, 0, &["a", "b"]);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "unseen"), 0);
}

#[test]
fn nothing_unseen_when_everything_was_polled() {
    let mut b = B::default();
    b.produce(P, 0, 0, &["a", "b"]);
    b.poll(C, TP, &[(0, "a"), (1, "b")]);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "unseen"), 0);
    assert!(hits(&r, "unseen").is_empty());
}

// ---------------------------------------------------------------- duplicate

#[test]
fn duplicate_when_a_value_is_polled_at_two_offsets() {
    let mut b = B::default();
    b.send(P, 0, "a");
    b.info(P, 0); // retried without idempotence (C1)
    b.poll(C, TP, &[(0, "a")]);
    let i = b.poll(C, TP, &[(1, "a")]);
    b.poll(C2, TP, &[(1, "a")]);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "duplicate"), 1);
    let h = hits(&r, "duplicate");
    assert_eq!(h[0].trace_index, i);
}

#[test]
fn duplicate_in_the_final_log() {
    let mut b = B::default();
    b.changed(TP, Some(1), &[1], "created");
    b.produce(P, 0, 0, &["a"]);
    let l = logs(TP, vec![replica(1, 0, 2, &[(0, 0, "a"), (1, 0, "a")])]);
    let r = b.run(&l);
    assert_eq!(m(&r, "duplicate"), 1);
    assert_eq!(hits(&r, "duplicate")[0].trace_index, b.last());
}

#[test]
fn no_duplicate_for_rereads_or_repeated_scripted_values() {
    let mut b = B::default();
    // Two distinct sends of the same scripted value.
    b.produce(P, 0, 0, &["x", "x"]);
    b.poll(C, TP, &[(0, "x"), (1, "x")]);
    b.poll(C2, TP, &[(0, "x"), (1, "x")]); // a re-read is not a duplicate
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "duplicate"), 0);
}

// ---------------------------------------------------------------- inconsistent-offsets

#[test]
fn inconsistent_offsets_between_ack_and_poll() {
    let mut b = B::default();
    b.produce(P, 0, 0, &["a"]);
    let i = b.poll(C, TP, &[(0, "b")]);
    b.poll(C, TP, &[(0, "c")]); // the same offset again: still one offset
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "inconsistent-offsets"), 1);
    let h = hits(&r, "inconsistent-offsets");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].trace_index, i);
}

#[test]
fn no_inconsistent_offsets_when_all_agree() {
    let mut b = B::default();
    b.produce(P, 0, 0, &["a", "b"]);
    b.poll(C, TP, &[(0, "a"), (1, "b")]);
    b.poll(C2, TP1, &[(0, "b")]); // another partition
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "inconsistent-offsets"), 0);
}

// ---------------------------------------------------------------- poll-skip / nonmonotonic-poll

#[test]
fn poll_skip_between_successive_polls() {
    let mut b = B::default();
    b.assigned(C, 1);
    b.poll(C, TP, &[(0, "a"), (1, "b")]);
    let i = b.poll(C, TP, &[(4, "e")]);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "poll-skip"), 1);
    assert_eq!(m(&r, "nonmonotonic-poll"), 0);
    let h = hits(&r, "poll-skip");
    assert_eq!(h[0].trace_index, i);
    assert!(h[0].message.contains("2..=3"), "{}", h[0].message);
}

#[test]
fn no_poll_skip_when_contiguous_or_reset() {
    let mut b = B::default();
    b.assigned(C, 1);
    b.poll(C, TP, &[(0, "a"), (1, "b")]);
    b.poll(C, TP, &[]); // empty polls change nothing
    b.poll(C, TP, &[(2, "c")]);
    b.poll(C2, TP, &[(7, "h")]); // another consumer
    b.k(C, KEvent::PositionReset { tp: TP, offset: 9, reason: "latest" });
    b.poll(C, TP, &[(9, "j")]);
    b.assigned(C, 2);
    b.poll(C, TP, &[(20, "u")]);
    b.poll(C, TP1, &[(5, "f")]); // first read of another partition
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "poll-skip"), 0);
    assert_eq!(m(&r, "nonmonotonic-poll"), 0);
}

#[test]
fn nonmonotonic_poll_when_a_consumer_goes_back() {
    let mut b = B::default();
    b.assigned(C, 1);
    b.poll(C, TP, &[(0, "a"), (1, "b"), (2, "c")]);
    let i = b.poll(C, TP, &[(1, "b"), (2, "c")]);
    let j = b.poll(C, TP, &[(2, "c")]);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "nonmonotonic-poll"), 2);
    assert_eq!(m(&r, "poll-skip"), 0);
    let idx: Vec<usize> = hits(&r, "nonmonotonic-poll").iter().map(|h| h.trace_index).collect();
    assert_eq!(idx, vec![i, j]);
}

#[test]
fn no_nonmonotonic_poll_across_rebalance_or_restart() {
    let mut b = B::default();
    b.assigned(C, 1);
    b.poll(C, TP, &[(0, "a"), (1, "b"), (2, "c")]);
    b.assigned(C, 2); // rewinds to the committed offset (B5)
    b.poll(C, TP, &[(1, "b"), (2, "c")]);
    b.kern(C, KernelEvent::Crash { kind: CrashKind::Process });
    b.kern(C, KernelEvent::Restart);
    b.poll(C, TP, &[(0, "a")]);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "nonmonotonic-poll"), 0);
}

// ---------------------------------------------------------------- nonmonotonic-send

#[test]
fn nonmonotonic_send_when_a_later_send_gets_a_lower_offset() {
    let mut b = B::default();
    b.send(P, 0, "a");
    b.send(P, 1, "b");
    b.ok(P, 1, 3); // b lands first (C2)
    let i = b.ok(P, 0, 4);
    b.send(P, 2, "c");
    b.ok(P, 2, 5);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "nonmonotonic-send"), 1);
    let h = hits(&r, "nonmonotonic-send");
    assert_eq!(h[0].trace_index, i);
    assert!(h[0].message.contains("offset 3"), "{}", h[0].message);
}

#[test]
fn no_nonmonotonic_send_in_order_or_across_producers_partitions_restarts() {
    let mut b = B::default();
    b.produce(P, 0, 5, &["a", "b"]);
    b.produce(P2, 0, 0, &["x"]); // another producer, lower offset
    b.send_to(P, 2, "c", 1);
    b.ok_to(P, 2, 1, 0); // another partition
    b.send(P, 3, "d");
    b.ok(P, 3, -1); // acks=0: no offset
    b.kern(P, KernelEvent::Restart);
    b.produce(P, 0, 2, &["e"]); // a new process
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "nonmonotonic-send"), 0);
}

// ---------------------------------------------------------------- G1a

#[test]
fn g1a_when_a_failed_send_is_polled() {
    let mut b = B::default();
    b.send(P, 0, "a");
    b.fail(P, 0);
    let i = b.poll(C, TP, &[(0, "a")]);
    b.poll(C2, TP, &[(0, "a")]);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "G1a"), 1);
    let h = hits(&r, "G1a");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].trace_index, i);
}

#[test]
fn g1a_is_revealed_by_a_late_failure() {
    let mut b = B::default();
    b.send(P, 0, "a");
    b.poll(C, TP, &[(0, "a")]);
    let i = b.fail(P, 0);
    let r = b.run(&FinalLogs::new());
    assert_eq!(hits(&r, "G1a")[0].trace_index, i);
}

#[test]
fn no_g1a_for_indefinite_or_partly_acked_values() {
    let mut b = B::default();
    b.send(P, 0, "a");
    b.info(P, 0); // A6: indefinite, may be visible
    b.send(P, 1, "x");
    b.fail(P, 1);
    b.send(P, 2, "x"); // the same scripted value, acked
    b.ok(P, 2, 1);
    b.poll(C, TP, &[(0, "a"), (1, "x")]);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "G1a"), 0);
}

// ---------------------------------------------------------------- divergent-replicas

#[test]
fn divergent_replicas_below_the_hw() {
    let mut b = B::default();
    b.changed(TP, Some(1), &[1, 2, 3], "created");
    let l = logs(
        TP,
        vec![
            replica(1, 0, 4, &[(0, 0, "a"), (1, 0, "b"), (2, 1, "c"), (3, 1, "d")]),
            replica(2, 0, 4, &[(0, 0, "a"), (1, 0, "B"), (2, 2, "c"), (3, 1, "d")]), // value, then epoch
            replica(3, 0, 2, &[(0, 0, "a")]),                                        // lagging: fine
        ],
    );
    let r = b.run(&l);
    assert_eq!(m(&r, "divergent-replicas"), 2);
    let h = hits(&r, "divergent-replicas");
    assert_eq!(h.len(), 1, "one run of offsets");
    assert_eq!(h[0].trace_index, b.last());
    assert!(h[0].message.contains("offsets 1..=2"), "{}", h[0].message);
}

#[test]
fn no_divergence_above_the_hw_or_on_down_brokers() {
    let mut b = B::default();
    b.changed(TP, Some(1), &[1, 2], "created");
    b.kern(3, KernelEvent::Crash { kind: CrashKind::Machine });
    let l = logs(
        TP,
        vec![
            replica(1, 0, 1, &[(0, 0, "a"), (1, 0, "b")]),
            replica(2, 0, 1, &[(0, 0, "a"), (1, 0, "X")]), // above the HW: not yet committed
            replica(3, 0, 1, &[(0, 9, "Z")]),              // down at the end
        ],
    );
    let r = b.run(&l);
    assert_eq!(m(&r, "divergent-replicas"), 0);
}

// ---------------------------------------------------------------- consumed-offset-changed

#[test]
fn consumed_offset_changed_after_an_unclean_election() {
    // A8: b consumed at offset 1 from broker 1; broker 2 wins an unclean
    // election and writes y at offset 1.
    let mut b = B::default();
    b.changed(TP, Some(1), &[1], "created");
    b.k(1, KEvent::Appended { tp: TP, leader_epoch: 0, base: 0, values: vec!["a".into(), "b".into()] });
    b.poll(C, TP, &[(0, "a"), (1, "b")]);
    b.changed(TP, Some(2), &[2], "unclean-election");
    let i = b.k(2, KEvent::Appended { tp: TP, leader_epoch: 1, base: 1, values: vec!["y".into()] });
    let l = logs(TP, vec![replica(2, 0, 2, &[(0, 0, "a"), (1, 1, "y")])]);
    let r = b.run(&l);
    assert_eq!(m(&r, "consumed-offset-changed"), 1);
    let h = hits(&r, "consumed-offset-changed");
    assert_eq!(h[0].trace_index, i);
    assert!(h[0].message.contains("\"y\""), "{}", h[0].message);
}

#[test]
fn consumed_offset_vanished() {
    let mut b = B::default();
    b.changed(TP, Some(1), &[1], "created");
    b.poll(C, TP, &[(0, "a"), (1, "b")]);
    let i = b.k(1, KEvent::Truncated { tp: TP, to: 1, from_leo: 2, reason: "lossy-restart" });
    b.k(2, KEvent::Truncated { tp: TP, to: 0, from_leo: 2, reason: "other broker" });
    let l = logs(TP, vec![replica(1, 0, 1, &[(0, 0, "a")])]);
    let r = b.run(&l);
    assert_eq!(m(&r, "consumed-offset-changed"), 1);
    let h = hits(&r, "consumed-offset-changed");
    assert_eq!(h[0].trace_index, i);
    assert!(h[0].message.contains("no longer exists"), "{}", h[0].message);
}

#[test]
fn consumed_offsets_stable_or_deleted_by_retention() {
    let mut b = B::default();
    b.changed(TP, Some(1), &[1], "created");
    b.poll(C, TP, &[(0, "a"), (1, "b"), (2, "c")]);
    b.poll(C2, TP, &[(1, "b")]);
    let l = logs(TP, vec![replica(1, 1, 3, &[(1, 0, "b"), (2, 0, "c")])]);
    let r = b.run(&l);
    assert_eq!(m(&r, "consumed-offset-changed"), 0);
}

// ---------------------------------------------------------------- processing

impl B {
    fn group(&mut self, c: u32, group: &str) -> usize {
        self.k(c, KEvent::ConsumerGroup { group: group.into() })
    }
    fn processed(&mut self, c: u32, tp: Tp, from: u64, to: u64) -> usize {
        self.k(c, KEvent::Processed { tp, from, to })
    }
    fn committed(&mut self, group: &str, tp: Tp, offset: u64) -> usize {
        self.k(CTL, KEvent::Committed { group: group.into(), tp, offset, generation: 1 })
    }
    /// A poll of `[from, to)` with values `"v<offset>"`.
    fn poll_range(&mut self, c: u32, tp: Tp, from: u64, to: u64) -> usize {
        let vals: Vec<String> = (from..to).map(|o| format!("v{o}")).collect();
        let recs: Vec<(u64, &str)> = (from..to).zip(vals.iter().map(String::as_str)).collect();
        self.poll(c, tp, &recs)
    }
}

#[test]
fn interval_set_insert_and_gaps() {
    let mut s = consumers::IntervalSet::default();
    assert_eq!(s.insert(5..10), vec![]);
    assert_eq!(s.insert(0..3), vec![]);
    assert_eq!(s.insert(8..12), vec![8..10]);
    assert_eq!(s.insert(2..9), vec![2..3, 5..9]);
    assert_eq!(s.insert(3..3), vec![]);
    assert_eq!(s.gaps(0..20), vec![12..20]);
    assert_eq!(s.insert(14..16), vec![]);
    assert_eq!(s.gaps(1..15), vec![12..14]);
    assert_eq!(s.gaps(13..14), vec![13..14]);
    assert_eq!(s.gaps(0..12), vec![]);
    // Touching intervals merge: 12..14 fills the gap exactly.
    assert_eq!(s.insert(12..14), vec![]);
    assert_eq!(s.gaps(0..16), vec![]);
    assert_eq!(s.insert(0..u64::MAX), vec![0..16]);
}

/// B2/B5: a crashed consumer's processed-but-uncommitted batch is processed
/// again by the consumer that takes the partition over.
#[test]
fn reprocessed_after_a_crash_counts_offsets_once() {
    let mut b = B::default();
    b.group(C, "g");
    b.group(C2, "g");
    b.poll_range(C, TP, 0, 10);
    b.processed(C, TP, 0, 5);
    b.committed("g", TP, 5);
    b.processed(C, TP, 5, 10);
    b.kern(C, KernelEvent::Crash { kind: CrashKind::Process });
    b.poll_range(C2, TP, 5, 10);
    let i = b.processed(C2, TP, 5, 10);
    // A third time counts no new offsets but still names the record.
    b.kern(C2, KernelEvent::Crash { kind: CrashKind::Process });
    b.kern(C2, KernelEvent::Restart);
    b.group(C2, "g");
    let j = b.processed(C2, TP, 8, 12);
    b.committed("g", TP, 12);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "reprocessed"), 5);
    assert_eq!(m(&r, "unprocessed"), 0);
    let h = hits(&r, "reprocessed");
    assert_eq!(h.iter().map(|h| h.trace_index).collect::<Vec<_>>(), vec![i, j]);
    assert!(h[0].message.contains("offsets 5..=9 again: 5 record(s)"), "{}", h[0].message);
    assert!(h[1].message.contains("offsets 8..=9 again"), "{}", h[1].message);
}

#[test]
fn no_reprocessing_across_groups_or_partitions() {
    let mut b = B::default();
    b.group(C, "g1");
    b.group(C2, "g2");
    b.processed(C, TP, 0, 5);
    b.processed(C2, TP, 0, 5);
    b.processed(C, TP1, 0, 5);
    b.processed(C, TP, 5, 6);
    // Consumers without a group are each a group of their own.
    b.processed(P, TP, 0, 5);
    b.processed(P2, TP, 0, 5);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "reprocessed"), 0);
    // The same consumer without a group re-reading (e.g. after a restart
    // with no committed offsets) is reprocessing.
    b.processed(P, TP, 3, 7);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "reprocessed"), 2);
    assert!(hits(&r, "reprocessed")[0].message.contains("(no group)"));
}

/// B1: committed before processing, then crashed: the batch is never
/// processed by anyone.
#[test]
fn unprocessed_below_the_final_committed_offset() {
    let mut b = B::default();
    b.group(C, "g");
    b.group(C2, "g");
    b.poll_range(C, TP, 3, 8); // the group starts at 3 (auto.offset.reset)
    b.committed("g", TP, 8);
    b.processed(C, TP, 3, 8);
    b.poll_range(C, TP, 8, 13);
    let c2 = b.committed("g", TP, 13);
    b.processed(C, TP, 8, 10); // crashed after two records
    b.kern(C, KernelEvent::Crash { kind: CrashKind::Process });
    b.poll_range(C2, TP, 13, 20);
    b.committed("g", TP, 20);
    b.processed(C2, TP, 13, 16);
    b.processed(C2, TP, 17, 20);
    // Another group's processing does not count for g.
    b.group(P, "other");
    b.processed(P, TP, 10, 13);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "unprocessed"), 4);
    assert_eq!(m(&r, "reprocessed"), 0);
    let h = hits(&r, "unprocessed");
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].trace_index, c2, "the commit that moved past 10..=12");
    assert!(h[0].message.contains("offsets 10..=12 (3 record(s))"), "{}", h[0].message);
    assert!(h[1].message.contains("offsets 16 (1 record(s))"), "{}", h[1].message);
}

#[test]
fn nothing_unprocessed_without_commits_or_below_the_first_poll() {
    let mut b = B::default();
    b.group(C, "g");
    b.poll_range(C, TP, 10, 15);
    b.processed(C, TP, 10, 15);
    b.committed("g", TP, 15);
    // A group that never committed, and a commit of a group nobody polled.
    b.group(C2, "h");
    b.poll_range(C2, TP, 0, 5);
    b.committed("nobody", TP, 50);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "unprocessed"), 0);
    // A group whose final commit is below what it polled (a rewind).
    b.committed("g", TP, 12);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "unprocessed"), 0);
}

/// B8: the position was reset past records deleted by retention.
#[test]
fn unprocessed_after_a_reset_past_deleted_records() {
    let mut b = B::default();
    b.group(C, "g");
    b.poll_range(C, TP, 0, 5);
    b.processed(C, TP, 0, 5);
    b.committed("g", TP, 5);
    b.k(C, KEvent::PositionReset { tp: TP, offset: 40, reason: "offset-out-of-range:earliest" });
    b.poll_range(C, TP, 40, 45);
    b.processed(C, TP, 40, 45);
    let i = b.committed("g", TP, 45);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "unprocessed"), 35);
    assert_eq!(hits(&r, "unprocessed")[0].trace_index, i);
}

/// Transaction markers take an offset but are not records: a consumer
/// never returns them, so they are never unprocessed.
#[test]
fn transaction_markers_are_not_unprocessed() {
    let mut b = B::default();
    b.group(C, "g");
    b.poll_range(C, TP, 0, 3);
    b.processed(C, TP, 0, 3);
    b.k(1, KEvent::TxnMarker { tp: TP, producer_id: 7, commit: true, offset: 3 });
    b.poll_range(C, TP, 4, 6);
    b.processed(C, TP, 4, 6);
    b.committed("g", TP, 6);
    let r = b.run(&FinalLogs::new());
    assert_eq!(m(&r, "unprocessed"), 0);
    // A marker of another partition does not cover this one's offset.
    let mut b2 = B { recs: b.recs.iter().filter(|r| !matches!(&r.ev, TraceEvent::Domain(Event::Kafka(KEvent::TxnMarker { .. })))).cloned().collect() };
    b2.k(1, KEvent::TxnMarker { tp: TP1, producer_id: 7, commit: true, offset: 3 });
    let r = b2.run(&FinalLogs::new());
    assert_eq!(m(&r, "unprocessed"), 1);
}

// ---------------------------------------------------------------- robustness

/// Arbitrary event soup (including nonsense) never panics.
#[test]
fn never_panics_on_arbitrary_input() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n.max(1)
    };
    for _ in 0..200 {
        let mut b = B::default();
        let len = next(60);
        for _ in 0..len {
            let node = next(4) as u32;
            let tp = Tp(next(2) as u16, next(2) as u32);
            let o = next(6);
            let v = format!("v{}", next(5));
            match next(19) {
                0 => b.send_to(node, next(4), &v, tp.1),
                1 => b.ok_to(node, next(4), tp.1, next(8) as i64 - 2),
                2 => b.fail(node, next(4)),
                3 => b.info(node, next(4)),
                4 => b.poll(node, tp, &[(o, &v), (o.saturating_sub(next(3)), "w"), (u64::MAX, "m")]),
                5 => b.assigned(node, 1),
                6 => b.k(node, KEvent::PositionReset { tp, offset: o, reason: "x" }),
                7 => b.changed(tp, if next(3) == 0 { None } else { Some(node) }, &[node, 1], "election"),
                8 => b.k(node, KEvent::Truncated { tp, to: o, from_leo: next(6), reason: "x" }),
                9 => b.k(node, KEvent::Appended { tp, leader_epoch: 0, base: u64::MAX - next(2), values: vec![v.clone(), v] }),
                10 => b.kern(node, KernelEvent::Restart),
                11 => b.kern(node, KernelEvent::Crash { kind: CrashKind::Process }),
                12 => b.k(node, KEvent::Recovered { tp, leo: o, hw: 0, log_start: 0 }),
                13 => b.group(node, if next(2) == 0 { "g" } else { "h" }),
                14 => b.processed(node, tp, o.saturating_sub(next(3)), if next(5) == 0 { u64::MAX } else { o + next(4) }),
                15 => b.committed(if next(2) == 0 { "g" } else { "h" }, tp, if next(5) == 0 { u64::MAX } else { o }),
                16 => b.poll_range(node, tp, o, o + next(3)),
                17 => b.k(node, KEvent::TxnMarker { tp, producer_id: 1, commit: true, offset: if next(4) == 0 { u64::MAX } else { o } }),
                _ => b.kern(node, KernelEvent::FaultFired { label: v }),
            };
        }
        let mut l = FinalLogs::new();
        for t in 0..2u16 {
            let reps = (0..next(4) as u32)
                .map(|br| {
                    let recs: Vec<(u64, i32, String)> = (0..next(5)).map(|o| (o * next(2), next(2) as i32, format!("v{}", next(5)))).collect();
                    let refs: Vec<(u64, i32, &str)> = recs.iter().map(|(o, e, v)| (*o, *e, v.as_str())).collect();
                    replica(br, next(3), next(8), &refs)
                })
                .collect();
            l.insert(Tp(t, 0), reps);
        }
        let r = b.run(&l);
        assert_eq!(r.metrics.len(), metrics::METRICS.len());
        assert!(r.hits.iter().all(|h| h.trace_index < b.recs.len().max(1)));
    }
}

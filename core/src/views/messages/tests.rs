#![allow(clippy::type_complexity)] // tuples of expected values read best inline
use super::*;
use crate::session::Session;

/// One acks=all record at 5 s, three brokers, constant 1 ms links (no
/// jitter), so every arrow's times are exact. The topic exists long
/// before 5 s; both followers' long-poll fetches are parked at the leader
/// (b1) when the record is sent.
const PRODUCE: &str = r#"
name = "one acks=all produce"
duration = "6s"
[network]
latency = { distribution = "constant", value = "1ms" }
[cluster]
brokers = 3
[[topics]]
name = "orders"
partitions = 1
replication_factor = 3
[[producers]]
name = "p1"
topic = "orders"
config = { acks = "all", linger.ms = 0 }
records = [{ at = "5s", key = "a", value = "v" }]
"#;

fn session(extra: &str) -> Session {
    Session::load("t.toml", &format!("{PRODUCE}{extra}"), Some(1)).expect("scenario")
}

/// (from, to, kind, sent, fate) with names.
fn arrows(m: &MessagesModel) -> Vec<(String, String, &'static str, Micros, Fate)> {
    m.arrows.iter().map(|a| (m.lanes[a.from].name.clone(), m.lanes[a.to].name.clone(), a.kind, a.sent, a.fate)).collect()
}

fn row(from: &str, to: &str, kind: &'static str, sent: Micros, fate: Fate) -> (String, String, &'static str, Micros, Fate) {
    (from.to_string(), to.to_string(), kind, sent, fate)
}

fn delivered(at: Micros) -> Fate {
    Fate::Delivered { at }
}

const MS: Micros = 1_000;
const T0: Micros = 5_000_000;

#[test]
fn acks_all_produce_is_metadata_produce_two_fetch_round_trips_and_the_response() {
    let mut s = session("");
    s.run_until(T0 + 10 * MS);
    let m = messages(s.world(), 15 * MS, 300);
    assert_eq!((m.start, m.now), (T0 - 5 * MS, T0 + 10 * MS));
    assert_eq!(m.lanes.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["controller", "b1", "b2", "b3", "p1"]);
    assert_eq!(m.lanes.iter().map(|l| l.group.as_str()).collect::<Vec<_>>(), ["controller", "brokers", "brokers", "brokers", "producers"]);
    assert!(m.lanes.iter().all(|l| l.status == "up" && l.down.is_empty() && l.paused.is_empty()));
    // The producer learns the leader, sends to b1; b1 appends and answers
    // the parked follower fetches; their next fetches carry the new LEO,
    // so the HW passes the record and b1 acknowledges it.
    assert_eq!(
        arrows(&m),
        vec![
            row("p1", "b2", "Metadata", T0, delivered(T0 + MS)),
            row("b2", "p1", "MetadataResponse", T0 + MS, delivered(T0 + 2 * MS)),
            row("p1", "b1", "Produce", T0 + 2 * MS, delivered(T0 + 3 * MS)),
            row("b1", "b2", "FetchResponse", T0 + 3 * MS, delivered(T0 + 4 * MS)),
            row("b1", "b3", "FetchResponse", T0 + 3 * MS, delivered(T0 + 4 * MS)),
            row("b2", "b1", "Fetch(replica)", T0 + 4 * MS, delivered(T0 + 5 * MS)),
            row("b3", "b1", "Fetch(replica)", T0 + 4 * MS, delivered(T0 + 5 * MS)),
            row("b1", "p1", "ProduceResponse", T0 + 5 * MS, delivered(T0 + 6 * MS)),
        ]
    );
    assert_eq!(m.arrows.iter().map(|a| a.latency()).collect::<Vec<_>>(), vec![Some(MS); 8]);
    assert_eq!(
        m.arrows.iter().map(|a| a.family.name()).collect::<Vec<_>>(),
        ["metadata", "metadata", "produce", "fetch", "fetch", "fetch", "fetch", "produce"]
    );
    // Ids grow in send order.
    assert!(m.arrows.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(m.not_drawn, 0);
    assert!(m.marks.is_empty());
    let count = |f: Family| m.family_counts.iter().find(|(g, _)| *g == f).map(|(_, n)| *n);
    assert_eq!((count(Family::Produce), count(Family::Fetch), count(Family::Metadata), count(Family::Txn)), (Some(2), Some(4), Some(2), Some(0)));
}

#[test]
fn a_message_sent_before_the_span_and_delivered_in_it_is_drawn_from_its_send() {
    let mut s = session("");
    s.run_until(T0 + 10 * MS);
    // The span starts at 5.0025 s: the Produce (sent 5.002 s, delivered
    // 5.003 s) is found by looking back; the MetadataResponse, delivered
    // at 5.002 s, is entirely before the span.
    let m = messages(s.world(), 7_500, 300);
    let a = arrows(&m);
    assert_eq!(a.len(), 6);
    assert_eq!(a[0], row("p1", "b1", "Produce", T0 + 2 * MS, delivered(T0 + 3 * MS)));
    assert_eq!(a[5], row("b1", "p1", "ProduceResponse", T0 + 5 * MS, delivered(T0 + 6 * MS)));
}

#[test]
fn messages_still_on_the_wire_are_in_flight() {
    let mut s = session("");
    s.run_until(T0 + 3 * MS + 500);
    let m = messages(s.world(), 5 * MS, 300);
    let a = arrows(&m);
    assert_eq!(a.len(), 5);
    assert_eq!(a[2], row("p1", "b1", "Produce", T0 + 2 * MS, delivered(T0 + 3 * MS)));
    assert_eq!(a[3], row("b1", "b2", "FetchResponse", T0 + 3 * MS, Fate::InFlight));
    assert_eq!(a[4], row("b1", "b3", "FetchResponse", T0 + 3 * MS, Fate::InFlight));
    assert_eq!(m.arrows[4].end(), None);
}

#[test]
fn a_produce_over_a_cut_link_is_dropped_as_partitioned_and_the_cut_is_marked() {
    // One-way cut p1 → b1 just before the send: the Metadata round trip
    // with b2 works, the Produce never leaves.
    let mut s = session(
        r#"
[[faults]]
at = "4.999s"
action = "cut"
from = "p1"
to = "b1"
symmetric = false
label = "cut p1 from b1"
"#,
    );
    s.run_until(T0 + 10 * MS);
    let m = messages(s.world(), 15 * MS, 300);
    assert_eq!(
        arrows(&m),
        vec![
            row("p1", "b2", "Metadata", T0, delivered(T0 + MS)),
            row("b2", "p1", "MetadataResponse", T0 + MS, delivered(T0 + 2 * MS)),
            row("p1", "b1", "Produce", T0 + 2 * MS, Fate::Dropped { at: T0 + 2 * MS, reason: DropReason::Partitioned }),
        ]
    );
    assert_eq!(drop_word(DropReason::Partitioned), "partitioned");
    let marks: Vec<(Micros, Option<usize>, Option<usize>, MarkKind, &str)> = m.marks.iter().map(|k| (k.t, k.lane, k.peer, k.kind, k.label.as_str())).collect();
    assert_eq!(marks, vec![(T0 - MS, None, None, MarkKind::Fault, "fault: cut p1 from b1"), (T0 - MS, Some(4), Some(1), MarkKind::LinkCut, "cut p1 → b1")]);
}

#[test]
fn a_cut_while_in_flight_and_a_dead_receiver_drop_on_arrival() {
    // The Produce is on the wire from 5.002 to 5.003 s: cut it at 5.0025 s.
    let mut s = session(
        r#"
[[faults]]
at = "5.0025s"
action = "cut"
from = "p1"
to = "b1"
"#,
    );
    s.run_until(T0 + 10 * MS);
    let m = messages(s.world(), 15 * MS, 300);
    let produce = m.arrows.iter().find(|a| a.kind == "Produce").expect("produce");
    assert_eq!((produce.sent, produce.fate), (T0 + 2 * MS, Fate::Dropped { at: T0 + 3 * MS, reason: DropReason::CutInFlight }));

    // b2 crashes (process) at 5.0035 s while b1's FetchResponse to it is on
    // the wire: dropped on arrival, and b2's lane is down from then on.
    let mut s = session(
        r#"
[[faults]]
at = "5.0035s"
action = "crash"
target = "b2"
"#,
    );
    s.run_until(T0 + 10 * MS);
    let m = messages(s.world(), 15 * MS, 300);
    let to_b2 = m.arrows.iter().find(|a| a.kind == "FetchResponse" && m.lanes[a.to].name == "b2").expect("fetch response");
    assert_eq!(to_b2.fate, Fate::Dropped { at: T0 + 4 * MS, reason: DropReason::NodeDown });
    let b2 = &m.lanes[2];
    assert_eq!((b2.status, b2.down.clone()), ("down", vec![(T0 + 3_500, T0 + 10 * MS)]));
    assert!(m.marks.iter().any(|k| k.kind == MarkKind::Crash && k.lane == Some(2) && k.label == "crash (process)" && k.t == T0 + 3_500));
}

#[test]
fn a_duplicated_message_shows_both_copies() {
    let mut s = session(
        r#"
[[network.links]]
from = "p1"
to = "b1"
symmetric = false
duplicate = 1.0
latency = { distribution = "constant", value = "1ms" }
"#,
    );
    s.run_until(T0 + 10 * MS);
    let m = messages(s.world(), 15 * MS, 300);
    let produces: Vec<&Arrow> = m.arrows.iter().filter(|a| a.kind == "Produce").collect();
    assert_eq!(produces.len(), 2);
    assert_eq!(produces[0].copy_of, None);
    assert_eq!(produces[1].copy_of, Some(produces[0].id));
    assert_eq!(produces[1].id, produces[0].id + 1);
    assert!(produces.iter().all(|a| a.sent == T0 + 2 * MS && matches!(a.fate, Fate::Delivered { .. })));
}

#[test]
fn filters_by_family_and_node_and_the_cap_keeps_the_newest() {
    let mut s = session("");
    s.run_until(T0 + 10 * MS);
    let w = s.world();
    let hide_fetch = MessagesFilter { hide: vec![Family::Fetch, Family::Metadata], node: None };
    let m = messages_filtered(w, 15 * MS, 300, &hide_fetch);
    assert_eq!(m.arrows.iter().map(|a| a.kind).collect::<Vec<_>>(), ["Produce", "ProduceResponse"]);
    // Counts are before filtering.
    assert_eq!(m.family_counts.iter().map(|(_, n)| n).sum::<usize>(), 8);

    let b3 = MessagesFilter { hide: vec![], node: Some("b3".into()) };
    let m = messages_filtered(w, 15 * MS, 300, &b3);
    assert_eq!(m.focus, Some(3));
    assert_eq!(
        arrows(&m),
        vec![row("b1", "b3", "FetchResponse", T0 + 3 * MS, delivered(T0 + 4 * MS)), row("b3", "b1", "Fetch(replica)", T0 + 4 * MS, delivered(T0 + 5 * MS))]
    );
    // A name that is no node is ignored.
    let nobody = MessagesFilter { hide: vec![], node: Some("zz".into()) };
    assert_eq!(messages_filtered(w, 15 * MS, 300, &nobody).arrows.len(), 8);

    let m = messages(w, 15 * MS, 3);
    assert_eq!(m.arrows.iter().map(|a| a.kind).collect::<Vec<_>>(), ["Fetch(replica)", "Fetch(replica)", "ProduceResponse"]);
    assert_eq!(m.not_drawn, 5);
}

#[test]
fn family_of_every_documented_kind() {
    let cases = [
        ("Produce", Family::Produce),
        ("ProduceResponse", Family::Produce),
        ("InitProducerIdResponse", Family::Produce),
        ("Fetch(replica)", Family::Fetch),
        ("Fetch(consumer)", Family::Fetch),
        ("FetchResponse", Family::Fetch),
        ("ListOffsets", Family::Fetch),
        ("UpdateMetadata", Family::Metadata),
        ("MetadataResponse", Family::Metadata),
        ("BrokerHeartbeat", Family::Heartbeat),
        ("HeartbeatResponse", Family::Heartbeat),
        ("BrokerRegistrationResponse", Family::Controller),
        ("AlterPartition", Family::Controller),
        ("JoinGroup", Family::Group),
        ("OffsetCommitResponse", Family::Group),
        ("WriteTxnMarkers", Family::Txn),
        ("EndTxnResponse", Family::Txn),
        ("Nop", Family::Other),
    ];
    for (kind, f) in cases {
        assert_eq!(Family::of(kind), f, "{kind}");
    }
}

#[test]
fn pause_periods_and_world_marks_on_a_long_run() {
    // The built-in nemesis scenario pauses, kills and partitions nodes;
    // at every second, every down/paused period lies inside the span and
    // the lanes' current status agrees with the world.
    let (_, text) = crate::session::BUILTIN_SCENARIOS.iter().find(|(n, _)| n.contains("nemesis-kill-pause-partition")).expect("builtin");
    let mut s = Session::load("n.toml", text, None).expect("scenario");
    let mut saw_pause = false;
    for sec in 1..=40u64 {
        s.run_until(sec * 1_000_000);
        let m = messages(s.world(), 1_000_000, 300);
        for (i, l) in m.lanes.iter().enumerate() {
            for &(a, b) in l.down.iter().chain(&l.paused) {
                assert!(m.start <= a && a <= b && b <= m.now, "{} {a}..{b}", l.name);
            }
            let st = s.world().sim.node_status(i as u32);
            assert_eq!(l.status == "down", st == NodeStatus::Down);
            assert_eq!(l.down.last().is_some_and(|d| d.1 == m.now), l.status == "down", "{} at {sec}s", l.name);
            assert_eq!(l.paused.last().is_some_and(|d| d.1 == m.now), l.status == "paused", "{} at {sec}s", l.name);
            saw_pause |= !l.paused.is_empty();
        }
        assert!(m.arrows.len() <= 300);
        assert!(m.arrows.windows(2).all(|w| (w[0].sent, w[0].id) <= (w[1].sent, w[1].id)));
        assert!(m.arrows.iter().all(|a| a.end().is_none_or(|e| e >= a.sent && e >= m.start && e <= m.now)));
    }
    assert!(saw_pause);
}

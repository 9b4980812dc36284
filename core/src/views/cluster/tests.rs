use super::*;
use crate::session::{Session, BUILTIN_SCENARIOS};

fn builtin(name: &str) -> Session {
    let (_, text) = BUILTIN_SCENARIOS.iter().find(|(n, _)| *n == name).expect("built-in scenario");
    Session::load(name, text, None).expect("loads")
}

fn roles(m: &ClusterModel, a: &str, b: &str) -> Vec<String> {
    m.edge(a, b).unwrap_or_else(|| panic!("no edge {a}–{b}")).roles.clone()
}

/// A2 before the fault: one partition led by b1, everyone talks, no notes.
#[test]
fn a2_before_the_partition() {
    let mut s = builtin("kafka/a2-acks1-failover-loss.toml");
    s.run_until(9_000_000);
    let m = cluster(s.world());
    let names: Vec<&str> = m.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["controller", "b1", "b2", "b3", "p1", "c1"]);
    let kinds: Vec<&str> = m.nodes.iter().map(|n| n.kind.word()).collect();
    assert_eq!(kinds, ["controller", "broker", "broker", "broker", "producer", "consumer"]);
    assert!(m.node("controller").unwrap().active_controller);
    assert_eq!(m.node("b1").unwrap().leads, 1);
    assert_eq!(m.node("b2").unwrap().leads, 0);
    assert!(m.nodes.iter().all(|n| n.status == "up" && !n.fenced && n.reaches_controller && n.side == 0));
    assert_eq!(m.node("c1").unwrap().reads, ["orders-0"]);
    assert_eq!(m.node("p1").unwrap().writes, ["orders"]);
    // Who talks to whom, in the order collected.
    let pairs: Vec<(&str, &str)> = m.edges.iter().map(|e| (e.from.as_str(), e.to.as_str())).collect();
    assert_eq!(pairs, [("b1", "controller"), ("b2", "controller"), ("b3", "controller"), ("b2", "b1"), ("b3", "b1"), ("p1", "b1"), ("c1", "b1")]);
    assert_eq!(roles(&m, "b1", "controller"), ["heartbeats"]);
    assert_eq!(roles(&m, "b2", "b1"), ["replication: orders-0"]);
    assert_eq!(roles(&m, "p1", "b1"), ["produce: orders-0"]);
    assert_eq!(roles(&m, "c1", "b1"), ["fetch: orders-0"]);
    assert!(m.edges.iter().all(|e| e.state == LinkState::Ok && !e.forward_cut && !e.backward_cut));
    assert_eq!(m.edge("p1", "b1").unwrap().detail, "ok: about 1 ms per message (network default 1 ms)");
    assert_eq!(m.sides.len(), 1);
    assert!(m.notes.is_empty(), "{:?}", m.notes);
    // Layout: controller on top centre, brokers in a row, clients below.
    let at = |n: &str| m.node(n).unwrap().at;
    assert_eq!(at("controller").x, at("b2").x);
    assert!(at("controller").y < at("b1").y && at("b1").y == at("b3").y && at("b3").y < at("p1").y);
    assert!(at("p1").x < at("c1").x);
    // b3 → b1 passes b2 in the row: it bends around it.
    let e = m.edge("b3", "b1").unwrap();
    assert!(!e.curve.hits(at("b2")));
    assert_eq!((m.width, m.height), (440, 346));
}

/// A2 at 10.2 s: {b1, p1} | {controller, b2, b3, c1}; b1 still leads.
#[test]
fn a2_during_the_partition() {
    let mut s = builtin("kafka/a2-acks1-failover-loss.toml");
    s.run_until(10_200_000);
    let m = cluster(s.world());
    let e = m.edge("b1", "controller").unwrap();
    assert_eq!((e.state, e.forward_cut, e.backward_cut), (LinkState::Cut, true, true));
    assert_eq!(e.state.word(), "cut");
    assert_eq!(e.detail, "cut both ways: nothing gets through between b1 and controller");
    assert_eq!(m.edge("b2", "b1").unwrap().state, LinkState::Cut);
    assert_eq!(m.edge("c1", "b1").unwrap().state, LinkState::Cut);
    assert_eq!(m.edge("p1", "b1").unwrap().state, LinkState::Ok);
    // The producer's cut links to the majority side show, without roles.
    for other in ["controller", "b2", "b3"] {
        let e = m.edge("p1", other).unwrap();
        assert_eq!(e.state, LinkState::Cut);
        assert!(e.roles.is_empty());
    }
    // The consumer and the producer never talk: no line between them.
    assert!(m.edge("p1", "c1").is_none());
    assert_eq!(m.sides.len(), 2);
    assert_eq!(m.sides[0].nodes, ["controller", "b2", "b3", "c1"]);
    assert_eq!((m.sides[0].has_controller, m.sides[0].brokers, m.sides[0].brokers_total), (true, 2, 3));
    assert_eq!(m.sides[1].nodes, ["b1", "p1"]);
    assert!(!m.sides[1].has_controller);
    assert_eq!(m.node("b1").unwrap().side, 1);
    assert!(!m.node("b1").unwrap().reaches_controller);
    assert!(m.node("b2").unwrap().reaches_controller);
    assert_eq!(m.node("b1").unwrap().leads, 1);
    assert_eq!(
        m.notes,
        [
            "The network is split into 2 sides that cannot talk to each other: [controller, b2, b3, c1] and [b1, p1].",
            "b1 cannot reach the controller: if its heartbeats stay lost for broker.session.timeout.ms = 9 s, the controller fences it and moves its 1 leadership elsewhere.",
            "b2 cannot fetch orders-0 from its leader b1: the leader drops it from the ISR after replica.lag.time.max.ms = 30 s.",
            "b3 cannot fetch orders-0 from its leader b1: the leader drops it from the ISR after replica.lag.time.max.ms = 30 s.",
        ]
    );
}

/// A2 at 15 s: b1 crashed at 10.5 s and is still the leader (not fenced yet).
/// At the end: b2 leads, b1 is back, everything healed.
#[test]
fn a2_crashed_leader_then_failover() {
    let mut s = builtin("kafka/a2-acks1-failover-loss.toml");
    s.run_until(15_000_000);
    let m = cluster(s.world());
    let b1 = m.node("b1").unwrap();
    assert_eq!((b1.status, b1.leads, b1.fenced), ("down", 1, false));
    assert!(m.notes.contains(
        &"b1 is down but still the leader of 1 partition: writes and reads there wait until the controller fences it (broker.session.timeout.ms = 9 s) and elects another leader.".to_string()
    ));
    s.run_to_end();
    let m = cluster(s.world());
    assert_eq!(m.node("b1").unwrap().status, "up");
    assert_eq!(m.node("b1").unwrap().leads, 0);
    assert_eq!(m.node("b2").unwrap().leads, 1);
    assert!(m.edge("b1", "b2").unwrap().roles.contains(&"replication: orders-0".to_string()));
    assert!(m.edges.iter().all(|e| e.state == LinkState::Ok));
    assert_eq!(m.sides.len(), 1);
    assert!(m.notes.is_empty(), "{:?}", m.notes);
}

const SMALL: &str = r#"
name = "t"
duration = "5s"
[cluster]
brokers = 2
[[topics]]
name = "t"
partitions = 2
replication_factor = 2
[[producers]]
name = "p1"
topic = "t"
rate = 10
[[consumers]]
name = "c1"
group = "g"
topics = ["t"]
[[network.links]]
from = "p1"
to = "b1"
latency = { distribution = "constant", value = "40ms" }
[[network.links]]
from = "b2"
to = "b1"
loss = 0.25
[[faults]]
at = "2s"
action = "cut"
from = "b2"
to = "controller"
symmetric = false
[[faults]]
at = "2s"
action = "pause"
target = "c1"
"#;

/// One-way cuts, slow and lossy links, a paused client, a group coordinator.
#[test]
fn one_way_cut_slow_and_lossy_links() {
    let mut s = Session::load("t.toml", SMALL, Some(3)).expect("loads");
    s.run_until(3_000_000);
    let m = cluster(s.world());
    let e = m.edge("b2", "controller").unwrap();
    assert_eq!((e.from.as_str(), e.state, e.forward_cut, e.backward_cut), ("b2", LinkState::CutOneWay, true, false));
    assert_eq!(e.state.word(), "cut-one-way");
    assert_eq!(e.detail, "cut one way: b2 → controller is blocked, controller → b2 still gets through (requests or their answers are lost)");
    // A one-way cut breaks b2's conversation with the controller, but b2
    // still talks to b1, which talks to the controller: one side.
    assert!(!m.node("b2").unwrap().reaches_controller);
    assert!(m.node("b1").unwrap().reaches_controller);
    assert_eq!(m.sides.len(), 1);
    assert_eq!(
        m.notes,
        ["b2 cannot reach the controller: if its heartbeats stay lost for broker.session.timeout.ms = 9 s, the controller fences it and moves its 1 leadership elsewhere."]
    );
    let p = m.edge("p1", "b1").expect("p1 produces to b1");
    assert_eq!(p.state, LinkState::Slow);
    assert_eq!(p.detail, "slow: about 40 ms per message (network default 1 ms)");
    let l = m.edge("b2", "b1").or(m.edge("b1", "b2")).expect("replication between b1 and b2");
    assert_eq!(l.state, LinkState::Lossy);
    assert_eq!(l.detail, "lossy: loses 25% of messages; about 1 ms per message (network default 1 ms)");
    assert_eq!(m.node("c1").unwrap().status, "paused");
    assert_eq!(roles(&m, "c1", "controller"), ["group coordinator: g"]);
}

#[test]
fn stream_job_without_brokers_has_no_controller() {
    let mut s = builtin("stream/flink/ex-f1-tumbling.toml");
    s.run_until(1_000_000);
    let m = cluster(s.world());
    assert!(m.nodes.iter().all(|n| n.kind == NodeKind::Job));
    assert!(m.edges.is_empty());
    assert!(m.notes.is_empty());
    assert!(!m.nodes[0].reads.is_empty() && m.nodes[0].reads[0].starts_with("input "));
}

#[test]
fn jobs_read_their_topic_partitions() {
    let mut s = builtin("stream/compare/flink-vs-spark.toml");
    s.run_until(5_000_000);
    let m = cluster(s.world());
    let jobs: Vec<&NodeModel> = m.nodes.iter().filter(|n| n.kind == NodeKind::Job).collect();
    assert_eq!(jobs.len(), 2);
    for j in jobs {
        assert_eq!(j.reads, ["clicks-0", "clicks-1"]);
        assert!(m.edges.iter().any(|e| e.from == j.name && e.roles.iter().any(|r| r.starts_with("job source: clicks-"))));
    }
}

/// The fold consumes only new records, and gives what a fresh fold gives.
#[test]
fn incremental_fold_matches_a_fresh_one() {
    let mut s = builtin("kafka/a2-acks1-failover-loss.toml");
    let mut f = ClusterFold::new();
    for t in [1_000_000, 10_200_000, 15_000_000, 25_000_000] {
        s.run_until(t);
        f.advance(s.world());
        assert_eq!(f.model(s.world()), cluster(s.world()), "at {t}");
    }
}

#[test]
fn durations_read_as_people_say_them() {
    assert_eq!(human(9_000_000), "9 s");
    assert_eq!(human(1_500_000), "1.5 s");
    assert_eq!(human(250_000), "250 ms");
    assert_eq!(human(40), "40 µs");
    assert_eq!(human(u64::MAX), "never");
}

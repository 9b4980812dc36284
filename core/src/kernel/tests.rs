//! Kernel tests on the ping-pong test domain.

use super::fault::{CrashKind, FaultAction, Target};
use super::nemesis::{RandomFaultKind, RandomFaults, ScriptedFault, Trigger};
use super::network::{LinkConfig, NetworkConfig};
use super::sim::{NodeSpec, NodeStatus, Sim, SimConfig};
use super::testkit::{AtLeast, Busiest, Event, Node, PingPong};
use super::trace::{DropReason, KernelEvent, TraceEvent};

fn world(seed: u64, scripted: Vec<ScriptedFault<AtLeast, Busiest>>, random: Option<RandomFaults>) -> Sim<PingPong> {
    let n = 4;
    let nodes = (0..n).map(|i| NodeSpec { name: format!("n{i}"), group: "nodes".into(), node: Node::new(n, 2, 10_000) }).collect();
    Sim::new(SimConfig { seed, end: 1_000_000, network: NetworkConfig::default(), scripted, random }, nodes)
}

fn at(t: u64, action: FaultAction<Busiest>, duration: Option<u64>) -> ScriptedFault<AtLeast, Busiest> {
    ScriptedFault { label: format!("f@{t}"), trigger: Trigger::At(t), action, duration }
}

fn random() -> RandomFaults {
    RandomFaults {
        kinds: vec![
            RandomFaultKind::Kill,
            RandomFaultKind::MachineCrash,
            RandomFaultKind::Pause,
            RandomFaultKind::Isolate,
            RandomFaultKind::CutLink,
            RandomFaultKind::ClockSkew,
            RandomFaultKind::LoseDisk,
        ],
        targets: vec!["nodes".into()],
        mean_interval: 50_000,
        mean_duration: 30_000,
        max_skew: 5_000,
        start: 100_000,
        stop: 700_000,
        max_concurrent: 2,
    }
}

#[test]
fn same_seed_same_trace_different_seed_different_trace() {
    let mut a = world(1, vec![], Some(random()));
    let mut b = world(1, vec![], Some(random()));
    let mut c = world(2, vec![], Some(random()));
    a.run_to_end();
    b.run_to_end();
    c.run_to_end();
    assert!(a.trace().len() > 1000);
    assert_eq!(a.trace().hash_hex(), b.trace().hash_hex());
    assert_eq!(a.trace().records(), b.trace().records());
    assert_ne!(a.trace().hash_hex(), c.trace().hash_hex());
}

#[test]
fn clone_mid_run_continues_identically() {
    let mut a = world(9, vec![], Some(random()));
    a.run_until(300_000);
    let mut b = a.clone();
    a.run_to_end();
    b.run_to_end();
    assert_eq!(a.trace().hash_hex(), b.trace().hash_hex());
}

#[test]
fn snapshot_restore_reproduces_the_same_future() {
    let mut a = world(3, vec![], Some(random()));
    a.run_until(250_000);
    let snap = a.snapshot();
    a.run_to_end();
    let full = a.trace().hash_hex();
    let len = a.trace().len();
    a.restore(&snap);
    assert!(a.trace().len() < len);
    assert_eq!(a.now(), 250_000);
    a.run_to_end();
    assert_eq!(a.trace().hash_hex(), full);
}

#[test]
fn crashed_node_drops_messages_and_loses_unflushed_state_on_machine_crash() {
    let mut w = world(5, vec![at(200_000, FaultAction::Crash { target: Target::Node(1), kind: CrashKind::Machine }, Some(100_000))], None);
    w.run_until(250_000);
    assert_eq!(w.node_status(1), NodeStatus::Down);
    let n = w.node(1);
    assert_eq!(n.counter, n.flushed, "machine crash keeps only flushed state");
    w.run_to_end();
    assert_eq!(w.node_status(1), NodeStatus::Up);
    let dropped = w.trace().records().iter().any(|r| matches!(r.ev, TraceEvent::Kernel(KernelEvent::Drop { to: 1, reason: DropReason::NodeDown, .. })));
    assert!(dropped, "messages to a down node are dropped");
    let restarted = w.trace().records().iter().any(|r| r.node == 1 && r.ev == TraceEvent::Kernel(KernelEvent::Restart));
    assert!(restarted);
}

#[test]
fn process_crash_keeps_written_state() {
    let mut w = world(5, vec![at(200_000, FaultAction::Crash { target: Target::Node(1), kind: CrashKind::Process }, None)], None);
    w.run_until(199_999);
    let before = w.node(1).counter;
    w.run_until(200_000);
    assert_eq!(w.node_status(1), NodeStatus::Down);
    assert!(w.node(1).counter >= before);
    assert_eq!(w.node(1).pongs, 0, "volatile state is lost");
}

#[test]
fn paused_node_holds_messages_and_processes_them_on_resume() {
    let mut w = world(6, vec![at(100_000, FaultAction::Pause { target: Target::Node(2) }, Some(200_000))], None);
    w.run_until(299_000);
    assert_eq!(w.node_status(2), NodeStatus::Paused);
    let last_before =
        w.trace().records().iter().filter(|r| r.node == 2 && r.t > 100_000 && matches!(r.ev, TraceEvent::Kernel(KernelEvent::Deliver { .. }))).count();
    assert_eq!(last_before, 0, "nothing is delivered during a pause");
    w.run_until(300_000);
    assert_eq!(w.node_status(2), NodeStatus::Up);
    let delivered_at_resume =
        w.trace().records().iter().filter(|r| r.node == 2 && r.t == 300_000 && matches!(r.ev, TraceEvent::Kernel(KernelEvent::Deliver { .. }))).count();
    assert!(delivered_at_resume > 0, "held messages are delivered on resume");
}

#[test]
fn partition_blocks_and_duration_heals_exactly_its_links() {
    let f = at(100_000, FaultAction::Partition { sides: vec![vec![Target::Node(0), Target::Node(1)], vec![Target::Node(2), Target::Node(3)]] }, Some(100_000));
    let mut w = world(7, vec![f], None);
    w.run_until(150_000);
    assert_eq!(w.network().blocked_links().count(), 8);
    let crossing = w.trace().records().iter().any(|r| {
        r.t > 100_000
            && matches!(
                r.ev,
                TraceEvent::Kernel(KernelEvent::Drop { reason: DropReason::Partitioned, .. } | KernelEvent::Drop { reason: DropReason::CutInFlight, .. })
            )
    });
    assert!(crossing);
    w.run_until(200_000);
    assert_eq!(w.network().blocked_links().count(), 0);
}

#[test]
fn condition_trigger_fires_once_and_selector_resolves_at_fire_time() {
    let f = ScriptedFault {
        label: "when-busy".into(),
        trigger: Trigger::When { cond: AtLeast { node: 0, pongs: 20 }, after: 0, delay: 1_000 },
        action: FaultAction::Crash { target: Target::Select(Busiest), kind: CrashKind::Process },
        duration: None,
    };
    let mut w = world(8, vec![f], None);
    w.run_to_end();
    let fired: Vec<_> =
        w.trace().records().iter().filter(|r| matches!(&r.ev, TraceEvent::Kernel(KernelEvent::FaultFired { label }) if label == "when-busy")).collect();
    assert_eq!(fired.len(), 1);
    let crashes = w.trace().records().iter().filter(|r| matches!(r.ev, TraceEvent::Kernel(KernelEvent::Crash { .. }))).count();
    assert_eq!(crashes, 1);
}

#[test]
fn lossy_link_loses_and_duplicates() {
    let nodes = (0..3).map(|i| NodeSpec { name: format!("n{i}"), group: "nodes".into(), node: Node::new(3, 4, 0) }).collect();
    let mut w: Sim<PingPong> = Sim::new(
        SimConfig {
            seed: 1,
            end: 2_000_000,
            network: NetworkConfig { default: LinkConfig { loss: 0.05, duplicate: 0.05, ..LinkConfig::default() }, links: Default::default() },
            scripted: vec![],
            random: None,
        },
        nodes,
    );
    w.run_to_end();
    let recs = w.trace().records();
    assert!(recs.iter().any(|r| matches!(r.ev, TraceEvent::Kernel(KernelEvent::Drop { reason: DropReason::Lost, .. }))));
    assert!(recs.iter().any(|r| matches!(r.ev, TraceEvent::Kernel(KernelEvent::Duplicate { .. }))));
}

#[test]
fn random_nemesis_heals_everything_at_stop() {
    let mut w = world(11, vec![], Some(random()));
    w.run_until(700_000);
    for n in 0..4 {
        assert_eq!(w.node_status(n), NodeStatus::Up, "node {n} healed");
        assert_eq!(w.node_skew(n), 0);
    }
    assert_eq!(w.network().blocked_links().count(), 0);
    let faults =
        w.trace().records().iter().filter(|r| matches!(&r.ev, TraceEvent::Kernel(KernelEvent::FaultFired { label }) if !label.ends_with("(end)"))).count();
    assert!(faults >= 5, "only {faults} random faults");
    // pongs resume after healing (liveness)
    w.run_to_end();
    assert!(w.trace().records().iter().any(|r| r.t > 750_000 && matches!(r.ev, TraceEvent::Domain(Event::Pong { .. }))));
}

#[test]
fn adding_a_node_does_not_change_existing_links_draws() {
    // Latency draws on n0→n1 come from the stream "net/n0->n1": the same with
    // 4 or 5 nodes in the world.
    use super::network::{Fate, Network};
    let mut a = Network::new(4, NetworkConfig::default(), (0..4).map(|i| format!("n{i}")).collect());
    let mut b = Network::new(4, NetworkConfig::default(), (0..5).map(|i| format!("n{i}")).collect());
    for t in 0..20 {
        b.route(t, 4, 0);
        assert_eq!(a.route(t, 0, 1), b.route(t, 0, 1));
        assert!(matches!(a.route(t, 1, 2), Fate::Deliver(_)));
    }
}

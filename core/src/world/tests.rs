use super::World;
use crate::kafka::events::KEvent;
use crate::kernel::TraceEvent;
use crate::model::Event;

fn load(path: &str) -> crate::scenario::Scenario {
    let text = std::fs::read_to_string(format!("{}/../scenarios/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    crate::scenario::parse(path, &text).unwrap()
}

#[test]
fn basic_scenario_replicates_and_acks() {
    let mut w = World::new(load("basic.toml"), 1);
    w.sim.run_to_end();
    let recs = w.sim.trace().records();
    let count = |f: &dyn Fn(&KEvent) -> bool| recs.iter().filter(|r| matches!(&r.ev, TraceEvent::Domain(Event::Kafka(k)) if f(k))).count();
    let sent = count(&|k| matches!(k, KEvent::Send { .. }));
    let acked = count(&|k| matches!(k, KEvent::SendOk { .. }));
    let elections = count(&|k| matches!(k, KEvent::PartitionChanged { .. }));
    eprintln!("trace {} records, sent {sent}, acked {acked}, partition changes {elections}", recs.len());
    for r in recs.iter().take(60) {
        eprintln!("{:>10} {:<10} {:?}", r.t, w.sim.node_name(r.node), r.ev);
    }
    assert!(sent >= 490, "sent {sent}");
    assert!(acked >= 480, "acked {acked}");
    let logs = w.final_logs();
    for (tp, reps) in &logs {
        let leos: Vec<u64> = reps.iter().map(|r| r.leo).collect();
        eprintln!("{} leos {:?} hws {:?}", w.tp_name(*tp), leos, reps.iter().map(|r| r.hw).collect::<Vec<_>>());
    }
}

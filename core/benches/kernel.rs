//! Kernel throughput: events per second through the event queue and the
//! simulated network, on the ping-pong test domain (no Kafka), and the full
//! model on the baseline scenario. Figures are recorded in
//! `docs/performance.md`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use streamlab_core::kernel::testkit::{Node, PingPong};
use streamlab_core::kernel::{LinkConfig, NetworkConfig, NodeSpec, Sim, SimConfig};

fn world(nodes: u32, fanout: u32, end: u64) -> Sim<PingPong> {
    let specs = (0..nodes).map(|i| NodeSpec { name: format!("n{i}"), group: "nodes".into(), node: Node::new(nodes, fanout, 10_000) }).collect();
    Sim::new(
        SimConfig { seed: 1, end, network: NetworkConfig { default: LinkConfig::default(), links: Default::default() }, scripted: vec![], random: None },
        specs,
    )
}

fn kernel(c: &mut Criterion) {
    // Count the events of one run to express throughput in events/s.
    let mut probe = world(16, 8, 2_000_000);
    probe.run_to_end();
    let events = probe.events_processed();
    let mut g = c.benchmark_group("kernel");
    g.throughput(Throughput::Elements(events));
    g.sample_size(20);
    g.bench_function("ping-pong 16 nodes, 2s simulated", |b| {
        b.iter_batched(
            || world(16, 8, 2_000_000),
            |mut w| {
                w.run_to_end();
                w.events_processed()
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn model(c: &mut Criterion) {
    let text = include_str!("../../scenarios/basic.toml");
    let sc = streamlab_core::scenario::parse("basic.toml", text).expect("valid");
    let mut probe = streamlab_core::world::World::new(sc.clone(), 1);
    probe.sim.run_to_end();
    let events = probe.sim.events_processed();
    let mut g = c.benchmark_group("model");
    g.throughput(Throughput::Elements(events));
    g.sample_size(20);
    g.bench_function("basic.toml (3 brokers, 50 rec/s, 10s)", |b| {
        b.iter_batched(
            || streamlab_core::world::World::new(sc.clone(), 1),
            |mut w| {
                w.sim.run_to_end();
                w.sim.events_processed()
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, kernel, model);
criterion_main!(benches);

//! The player's scrubbing cost: seeks to random moments of a 1-minute
//! scenario (A8, 60 s simulated) after a full run, with the default
//! snapshot policy. Before Criterion's own measurement it prints what
//! `docs/player.md` reports: min/mean/max over 200 random seeks, the first
//! seek back from the end (which also keeps a copy of the end state), the
//! memory the snapshots take (live heap bytes, counted by this bench's
//! allocator), and permalink lengths.

use criterion::{criterion_group, criterion_main, Criterion};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use streamlab_core::permalink::{encode, Link, VERSION};
use streamlab_core::player::Player;
use streamlab_core::rng::RngStream;

/// Counts live heap bytes (for the memory figures only).
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new, Ordering::Relaxed);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

const FILE: &str = "kafka/a8-unclean-election-loss.toml";
const TEXT: &str = include_str!("../../scenarios/kafka/a8-unclean-election-loss.toml");

fn mib(b: usize) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

fn report() {
    // Memory: the same run without snapshots, then with the default policy.
    let base = live();
    let mut plain = Player::load(FILE, TEXT, None).expect("valid");
    plain.set_snapshot_policy(u64::MAX / 4, 2);
    plain.run_to_end();
    let plain_bytes = live() - base;
    let events = plain.world().sim.events_processed();
    drop(plain);
    let base = live();
    let t0 = Instant::now();
    let mut p = Player::load(FILE, TEXT, None).expect("valid");
    p.run_to_end();
    let full_run = t0.elapsed();
    let with_bytes = live() - base;
    let (snaps, spacing) = p.snapshot_stats();
    let t0 = Instant::now();
    let mut plain = Player::load(FILE, TEXT, None).expect("valid");
    plain.set_snapshot_policy(u64::MAX / 4, 2);
    plain.run_to_end();
    let plain_run = t0.elapsed();
    drop(plain);
    println!("player: {FILE}: {events} events, {} trace records", p.trace_len());
    println!(
        "player: full run {:.1} ms with snapshots, {:.1} ms without; world at the end {:.2} MiB; {snaps} snapshots every {spacing} events take {:.2} MiB ({:.0} KiB each on average)",
        full_run.as_secs_f64() * 1e3,
        plain_run.as_secs_f64() * 1e3,
        mib(plain_bytes),
        mib(with_bytes.saturating_sub(plain_bytes)),
        with_bytes.saturating_sub(plain_bytes) as f64 / 1024.0 / (snaps.max(2) - 1) as f64
    );
    // The first seek back from the end keeps a copy of the end state.
    let before = live();
    let t0 = Instant::now();
    p.seek(30_000_000);
    let first = t0.elapsed();
    println!(
        "player: first seek back from the end {:.2} ms; live heap then +{:.2} MiB (the kept end state)",
        first.as_secs_f64() * 1e3,
        mib(live().saturating_sub(before))
    );
    // 200 random seeks, backward and forward, by direction.
    let mut rng = RngStream::derive(1, "bench/seeks");
    let end = p.end_time();
    let mut times: Vec<(&str, f64)> = Vec::new();
    let mut worst: Vec<(f64, &str, u64, u64)> = Vec::new();
    for _ in 0..200 {
        let t = rng.below(end + 1);
        let kind = if t < p.now() {
            "backward"
        } else if t < p.computed_until() {
            "forward"
        } else {
            "beyond"
        };
        let from = p.now();
        let t0 = Instant::now();
        p.seek(t);
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        times.push((kind, ms));
        worst.push((ms, kind, from, t));
    }
    worst.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ms, kind, from, t) in worst.iter().take(3) {
        println!("player: slow seek {kind} {} s → {} s: {ms:.2} ms", *from as f64 / 1e6, *t as f64 / 1e6);
    }
    for kind in ["all", "backward", "forward", "beyond"] {
        let ts: Vec<f64> = times.iter().filter(|(k, _)| kind == "all" || *k == kind).map(|(_, t)| *t).collect();
        if ts.is_empty() {
            continue;
        }
        let mut sorted = ts.clone();
        sorted.sort_by(f64::total_cmp);
        let pct = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        let mean = ts.iter().sum::<f64>() / ts.len() as f64;
        println!(
            "player: {} random seeks ({kind}): min {:.2} ms, mean {mean:.2} ms, median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
            ts.len(),
            pct(0.0),
            pct(0.5),
            pct(0.95),
            pct(1.0)
        );
    }
    // What a snapshot holds: each node's state at the end.
    p.run_to_end();
    let w = p.world();
    for id in 0..w.sim.node_count() as u32 {
        let before = live();
        let copy = w.sim.node(id).clone();
        let bytes = live() - before;
        drop(copy);
        println!("player: node {} holds {:.0} KiB at the end", w.sim.node_name(id), bytes as f64 / 1024.0);
    }
    println!("player: {} events queued at the end", w.sim.pending_events());
    let before = live();
    let snap = w.sim.snapshot();
    println!("player: one snapshot at the end holds {:.0} KiB", (live() - before) as f64 / 1024.0);
    drop(snap);
    let t0 = Instant::now();
    let copy = w.clone();
    let clone_ms = t0.elapsed().as_secs_f64() * 1e3;
    let t0 = Instant::now();
    drop(copy);
    println!("player: copying the world at the end {clone_ms:.2} ms, dropping it {:.2} ms", t0.elapsed().as_secs_f64() * 1e3);
    for f in [FILE, "basic.toml"] {
        let text = streamlab_core::session::BUILTIN_SCENARIOS.iter().find(|(n, _)| *n == f).map(|(_, t)| *t).expect("built in");
        let link = encode(&Link { scenario_file: f.into(), text: text.into(), seed: 1, version: VERSION.into() });
        println!("player: permalink for {f} ({} bytes of TOML): {} characters", text.len(), link.len());
    }
}

fn seeks(c: &mut Criterion) {
    report();
    let mut p = Player::load(FILE, TEXT, None).expect("valid");
    p.run_to_end();
    let end = p.end_time();
    let mut rng = RngStream::derive(2, "bench/criterion");
    let mut g = c.benchmark_group("player");
    g.sample_size(30);
    g.bench_function("seek to a random moment of a8 (60 s)", |b| {
        b.iter(|| {
            p.seek(rng.below(end + 1));
            p.trace_len()
        })
    });
    g.finish();
}

criterion_group!(benches, seeks);
criterion_main!(benches);

//! The run report: a JSON document (see `docs/report-format.md`) and a
//! human summary, both views of the trace plus the final replica logs.

use crate::check::{self, CheckReport, FinalLogs};
use crate::kafka::config::Props;
use crate::kafka::events::KEvent;
use crate::kernel::{KernelEvent, NodeStatus, TraceEvent, WORLD};
use crate::model::{Event, Node};
use crate::scenario::{Cmp, Scenario};
use crate::stream::report::{JobRun, OutputVerdict};
use crate::time::{fmt_time, Duration};
use crate::world::World;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The streamlab version recorded in reports and traces.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One expectation's verdict.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub metric: String,
    pub cmp: Cmp,
    pub expected: i64,
    pub actual: i64,
    pub ok: bool,
    pub location: String,
}

/// Everything derived after (or during) a run.
pub struct Outcome {
    pub checks: CheckReport,
    pub verdicts: Vec<Verdict>,
    pub logs: FinalLogs,
    /// Per stream job, what it did (from the trace).
    pub jobs: Vec<JobRun>,
    /// `[[expect.outputs]]` verdicts.
    pub output_verdicts: Vec<OutputVerdict>,
}

impl Outcome {
    pub fn of(world: &World) -> Self {
        let logs = world.final_logs();
        let mut checks = check::run(world.sim.trace().records(), &logs);
        for h in &mut checks.hits {
            h.message = name_things(world, &h.message);
        }
        let jobs = crate::stream::report::collect(&world.scenario, world.sim.trace().records());
        for (k, v) in crate::stream::check::metrics(&world.scenario, &jobs, world.sim.trace().records()) {
            checks.metrics.insert(k, v);
        }
        let verdicts = world
            .scenario
            .expect
            .iter()
            .map(|e| {
                let actual = checks.metrics.get(e.metric.as_str()).copied().unwrap_or(0);
                Verdict { metric: e.metric.clone(), cmp: e.cmp, expected: e.value, actual, ok: e.cmp.holds(actual, e.value), location: e.location.clone() }
            })
            .collect();
        let output_verdicts = crate::stream::report::check_outputs(&world.scenario.expect_outputs, &jobs);
        Outcome { checks, verdicts, logs, jobs, output_verdicts }
    }
    pub fn passed(&self) -> bool {
        self.verdicts.iter().all(|v| v.ok) && self.output_verdicts.iter().all(|v| v.ok)
    }
}

/// Rewrites the checkers' ids (`t0-1`, `producer node 4`, `broker 2`) as
/// the names people use (`orders-1`, `p1`, `b2`).
fn name_things(world: &World, msg: &str) -> String {
    let mut out = msg.to_string();
    for id in (0..world.sim.node_count() as u32).rev() {
        let name = world.sim.node_name(id);
        for kind in ["producer node ", "consumer node ", "node "] {
            out = out.replace(&format!("{kind}{id}"), name);
        }
    }
    for (ti, t) in world.scenario.topics.iter().enumerate().rev() {
        for p in (0..t.partitions).rev() {
            out = out.replace(&format!("t{ti}-{p}"), &format!("{}-{p}", t.name));
        }
    }
    for b in (1..=world.scenario.brokers).rev() {
        out = out.replace(&format!("broker {b}"), &format!("b{b}"));
    }
    out
}

fn props_json(p: &Props) -> Value {
    let mut m = Map::new();
    for (k, v) in p.iter() {
        m.insert((*k).to_string(), serde_json::to_value(v).unwrap_or(Value::Null));
    }
    Value::Object(m)
}

/// The resolved configuration, with every default filled in.
pub fn config_json(s: &Scenario) -> Value {
    json!({
        "kafka.version": s.kafka_version.to_string(),
        "duration": s.duration,
        "cluster": { "brokers": s.brokers, "config": props_json(&s.broker_config) },
        "topics": s.topics.iter().map(|t| json!({
            "name": t.name, "partitions": t.partitions, "replication_factor": t.replication_factor,
            "assignment": t.assignment, "config": props_json(&t.config),
        })).collect::<Vec<_>>(),
        "producers": s.producers.iter().map(|p| json!({
            "name": p.name, "topic": p.topic, "idempotent": p.idempotent, "config": props_json(&p.config),
            "workload": p.workload, "scripted_records": p.records.len(),
        })).collect::<Vec<_>>(),
        "consumers": s.consumers.iter().map(|c| json!({
            "name": c.name, "group": c.group, "topics": c.topics, "config": props_json(&c.config),
            "start": Duration(c.start), "stop": c.stop.map(Duration),
        })).collect::<Vec<_>>(),
        "network": s.network,
        "faults": s.faults,
        "nemesis": s.nemesis,
    })
}

/// Per-producer outcomes from the trace.
#[derive(Default, Serialize)]
struct ProducerOut {
    sent: u64,
    acked: u64,
    failed: u64,
    indefinite: u64,
    sends: Vec<Value>,
}

/// The JSON report.
pub fn report_json(world: &World, out: &Outcome) -> Value {
    let sim = &world.sim;
    let recs = sim.trace().records();
    // producers
    let mut producers: BTreeMap<u32, ProducerOut> = BTreeMap::new();
    let mut send_index: BTreeMap<(u32, u64), usize> = BTreeMap::new();
    // consumers
    let mut polled: BTreeMap<u32, Vec<Value>> = BTreeMap::new();
    let mut commits: BTreeMap<u32, Vec<Value>> = BTreeMap::new();
    for (i, r) in recs.iter().enumerate() {
        let TraceEvent::Domain(Event::Kafka(k)) = &r.ev else { continue };
        match k {
            KEvent::Send { id, key, value, partition } => {
                let p = producers.entry(r.node).or_default();
                p.sent += 1;
                send_index.insert((r.node, *id), p.sends.len());
                p.sends.push(json!({ "id": id, "key": key, "value": value, "partition": partition, "sent_at": r.t, "outcome": "pending" }));
            }
            KEvent::SendOk { id, .. } | KEvent::SendFail { id, .. } | KEvent::SendInfo { id, .. } => {
                let p = producers.entry(r.node).or_default();
                let (outcome, err) = match k {
                    KEvent::SendOk { .. } => {
                        p.acked += 1;
                        ("acked", Value::Null)
                    }
                    KEvent::SendFail { error, .. } => {
                        p.failed += 1;
                        ("failed", json!(error))
                    }
                    KEvent::SendInfo { error, .. } => {
                        p.indefinite += 1;
                        ("indefinite", json!(error))
                    }
                    _ => unreachable!(),
                };
                if let Some(&ix) = send_index.get(&(r.node, *id)) {
                    let s = &mut p.sends[ix];
                    s["outcome"] = json!(outcome);
                    s["at"] = json!(r.t);
                    s["trace_index"] = json!(i);
                    if let KEvent::SendOk { offset, .. } = k {
                        s["offset"] = json!(offset);
                    }
                    if !err.is_null() {
                        s["error"] = err;
                    }
                }
            }
            KEvent::Polled { tp, records } => {
                for (o, v) in records {
                    polled.entry(r.node).or_default().push(json!({ "partition": world.tp_name(*tp), "offset": o, "value": v, "at": r.t }));
                }
            }
            KEvent::Committed { group, tp, offset, generation } => {
                commits
                    .entry(r.node)
                    .or_default()
                    .push(json!({ "group": group, "partition": world.tp_name(*tp), "offset": offset, "generation": generation, "at": r.t }));
            }
            _ => {}
        }
    }
    let mut controller_parts = BTreeMap::new();
    if let Node::Controller(c) = sim.node(0) {
        controller_parts = c.partitions().clone();
    }
    let partitions: Vec<Value> = out
        .logs
        .iter()
        .map(|(tp, reps)| {
            let meta = controller_parts.get(tp);
            json!({
                "partition": world.tp_name(*tp),
                "leader": meta.and_then(|m| m.leader).map(|b| format!("b{b}")),
                "leader_epoch": meta.map(|m| m.leader_epoch),
                "partition_epoch": meta.map(|m| m.partition_epoch),
                "isr": meta.map(|m| m.isr.iter().map(|b| format!("b{b}")).collect::<Vec<_>>()),
                "elr": meta.map(|m| m.elr.iter().map(|b| format!("b{b}")).collect::<Vec<_>>()),
                "replicas": reps.iter().map(|r| {
                    let role = match sim.node(r.broker) {
                        Node::Broker(b) => b.replica_state(*tp).map(|s| s.0).unwrap_or("offline"),
                        _ => "offline",
                    };
                    json!({
                        "broker": format!("b{}", r.broker),
                        "status": sim.node_status(r.broker),
                        "role": if sim.node_status(r.broker) == NodeStatus::Down { "down" } else { role },
                        "log_start": r.log_start, "leo": r.leo, "hw": r.hw,
                        "records": r.records.iter().map(|x| json!([x.offset, x.epoch, x.key, x.value])).collect::<Vec<_>>(),
                    })
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let faults: Vec<Value> = recs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.ev {
            TraceEvent::Kernel(KernelEvent::FaultFired { label }) => Some(json!({ "label": label, "at": r.t, "trace_index": i })),
            TraceEvent::Kernel(KernelEvent::FaultSkipped { label, why }) => Some(json!({ "label": label, "at": r.t, "trace_index": i, "skipped": why })),
            _ => None,
        })
        .collect();
    let name = |n: u32| sim.node_name(n).to_string();
    json!({
        "streamlab": VERSION,
        "scenario": world.scenario.name,
        "file": world.scenario.file,
        "scenario_hash": world.scenario.hash,
        "seed": world.seed,
        "end_time_us": sim.now(),
        "events_processed": sim.events_processed(),
        "trace_len": sim.trace().len(),
        "trace_hash": sim.trace().hash_hex(),
        "config": config_json(&world.scenario),
        "nodes": (0..sim.node_count() as u32).map(|n| json!({ "name": name(n), "group": sim.node_group(n), "status": sim.node_status(n) })).collect::<Vec<_>>(),
        "partitions": partitions,
        "producers": producers.into_iter().map(|(n, p)| json!({
            "name": name(n), "sent": p.sent, "acked": p.acked, "failed": p.failed, "indefinite": p.indefinite, "sends": p.sends,
        })).collect::<Vec<_>>(),
        "consumers": world.scenario.consumers.iter().map(|c| {
            let id = sim.node_id(&c.name).unwrap_or(WORLD);
            // Commits are recorded by the group coordinator: list the ones of
            // this consumer's group (or of its simple group, named after it).
            let group = c.group.clone().unwrap_or_else(|| c.name.clone());
            let group_commits: Vec<Value> = commits.values().flatten().filter(|v| v["group"] == json!(group)).cloned().collect();
            // Lag per partition at the end: the partition's high watermark
            // minus the group's last committed offset (Kafka's consumer lag).
            let mut last: BTreeMap<String, u64> = BTreeMap::new();
            for v in &group_commits {
                if let (Some(p), Some(o)) = (v["partition"].as_str(), v["offset"].as_u64()) {
                    last.insert(p.to_string(), o);
                }
            }
            let lag: Vec<Value> = out
                .logs
                .iter()
                .filter(|(tp, _)| c.topics.iter().any(|t| world.scenario.topics.get(tp.0 as usize).is_some_and(|x| &x.name == t)))
                .map(|(tp, reps)| {
                    let name = world.tp_name(*tp);
                    let leader = controller_parts.get(tp).and_then(|m| m.leader);
                    let hw = reps.iter().find(|r| Some(r.broker) == leader).map(|r| r.hw);
                    let committed = last.get(&name).copied();
                    json!({ "partition": name, "high_watermark": hw, "committed": committed, "lag": hw.map(|h| h.saturating_sub(committed.unwrap_or(0))) })
                })
                .collect();
            json!({ "name": c.name, "group": c.group, "polled": polled.remove(&id).unwrap_or_default(), "commits": group_commits, "lag": lag })
        }).collect::<Vec<_>>(),
        "faults": faults,
        "checks": out.checks,
        "jobs": out.jobs,
        "compare": crate::stream::report::compare(&world.scenario, &out.jobs),
        "expectations": out.verdicts,
        "output_expectations": out.output_verdicts,
        "ok": out.passed(),
    })
}

/// The human summary.
pub fn summary_text(world: &World, out: &Outcome) -> String {
    let sim = &world.sim;
    let s = &world.scenario;
    let mut t = String::new();
    let _ = writeln!(t, "streamlab {VERSION} · {} ({})", s.name, s.file);
    let _ = writeln!(
        t,
        "seed {} · simulated {} · {} events · {} trace records\ntrace hash {}",
        world.seed,
        fmt_time(sim.now()),
        sim.events_processed(),
        sim.trace().len(),
        sim.trace().hash_hex()
    );
    if s.brokers > 0 {
        let _ = writeln!(t, "\ncluster: {} brokers, kafka {}", s.brokers, s.kafka_version);
    }
    let mut controller_parts = BTreeMap::new();
    if let Node::Controller(c) = sim.node(0) {
        controller_parts = c.partitions().clone();
    }
    for (tp, reps) in &out.logs {
        let meta = controller_parts.get(tp);
        let leader = meta.and_then(|m| m.leader).map_or("none".to_string(), |b| format!("b{b}"));
        let isr = meta.map(|m| m.isr.iter().map(|b| format!("b{b}")).collect::<Vec<_>>().join(",")).unwrap_or_default();
        let leos = reps.iter().map(|r| format!("b{}={}", r.broker, r.leo)).collect::<Vec<_>>().join(" ");
        let hw = reps.iter().find(|r| meta.and_then(|m| m.leader) == Some(r.broker)).map(|r| r.hw.to_string()).unwrap_or_else(|| "-".into());
        let _ = writeln!(
            t,
            "  {:<14} leader {:<4} epoch {:<3} ISR [{}]  HW {}  LEO {}",
            world.tp_name(*tp),
            leader,
            meta.map_or(-1, |m| m.leader_epoch),
            isr,
            hw,
            leos
        );
    }
    let m = &out.checks.metrics;
    let g = |k: &str| m.get(k).copied().unwrap_or(0);
    if s.brokers > 0 {
        let _ = writeln!(t, "\nproducers: sent {} · acked {} · failed {} · indefinite {}", g("sent"), g("acked"), g("failed"), g("indefinite"));
    }
    if !s.consumers.is_empty() {
        let _ = writeln!(
            t,
            "consumers: polled {} · commits {} · rejected commits {} · rebalances {}",
            g("polled"),
            g("commits"),
            g("rejected-commits"),
            g("rebalances")
        );
    }
    let _ = writeln!(t, "faults: {} fired", g("faults"));
    let interesting: Vec<String> = check::metrics::METRICS
        .iter()
        .filter(|(n, _)| {
            !matches!(*n, "sent" | "acked" | "failed" | "indefinite" | "polled" | "commits" | "faults" | "job-results" | "checkpoints-completed" | "batches")
        })
        .filter(|(n, _)| g(n) != 0)
        .map(|(n, _)| format!("{n} {}", g(n)))
        .collect();
    let _ = writeln!(t, "checks: {}", if interesting.is_empty() { "no anomalies".to_string() } else { interesting.join(" · ") });
    for h in out.checks.hits.iter().take(10) {
        let _ = writeln!(t, "  {} at {} (trace #{}): {}", h.checker, fmt_time(h.t), h.trace_index, h.message);
    }
    if out.checks.hits.len() > 10 {
        let _ = writeln!(t, "  … {} more (see --json)", out.checks.hits.len() - 10);
    }
    crate::stream::report::summary(&mut t, world, out);
    let running = !world.sim.is_finished();
    if !out.verdicts.is_empty() {
        let _ = writeln!(t, "\nexpectations{}:", if running { " (checked when the run ends)" } else { "" });
        for v in &out.verdicts {
            let _ = writeln!(
                t,
                "  {} {} {} {} (actual {})  {}",
                if running {
                    "so far"
                } else if v.ok {
                    "PASS"
                } else {
                    "FAIL"
                },
                v.metric,
                v.cmp.symbol(),
                v.expected,
                v.actual,
                v.location
            );
        }
    }
    if !out.output_verdicts.is_empty() {
        let _ = writeln!(t, "\nexpected outputs{}:", if running { " (checked when the run ends)" } else { "" });
        for v in &out.output_verdicts {
            let state = if running {
                "so far"
            } else if v.ok {
                "PASS"
            } else {
                "FAIL"
            };
            let _ = writeln!(t, "  {state} job {}: {} lines expected, {} printed  {}", v.job, v.expected, v.actual, v.location);
            if let (false, Some((i, e, a))) = (running, &v.first_difference) {
                let _ = writeln!(t, "    line {}: expected {}", i + 1, e.as_deref().unwrap_or("(nothing)"));
                let _ = writeln!(t, "    line {}: printed  {}", i + 1, a.as_deref().unwrap_or("(nothing)"));
            }
        }
    }
    let failed = out.verdicts.iter().filter(|v| !v.ok).count() + out.output_verdicts.iter().filter(|v| !v.ok).count();
    let total = out.verdicts.len() + out.output_verdicts.len();
    if running {
        let _ = writeln!(t, "\nresult: running (at {} of {})", fmt_time(sim.now()), fmt_time(sim.end()));
        return t;
    }
    let _ =
        writeln!(t, "\nresult: {}", if failed == 0 { format!("ok ({total} expectations held)") } else { format!("FAILED ({failed} of {total} expectations)") });
    t
}

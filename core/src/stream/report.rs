//! The stream part of the run report: per job, what went in, what came
//! out (and when), what was late, how the watermarks moved, the checkpoint
//! and micro-batch history — all folded from the trace — plus the exact
//! output lines checked by `[[expect.outputs]]`.

use super::engines;
use super::job::StreamEvent;
use super::oracle::Refinement;
use super::types::Datum;
use super::types::{BatchInfo, CheckpointPhase, Elem, EventTime, LateFate, Out, Pane, TxnPhase, Window};
use crate::kernel::TraceEvent;
use crate::model::Event;
use crate::scenario::jobs::{EngineSpec, FlatMap, OutputExpectation, SourceRef};
use crate::scenario::Scenario;
use crate::time::Micros;
use serde::Serialize;
use std::collections::BTreeSet;

/// One input record as the job saw it.
#[derive(Clone, Debug, Serialize)]
pub struct InputSeen {
    pub at: Micros,
    pub channel: u32,
    pub id: u64,
    pub key: String,
    pub value: super::types::Datum,
    pub ts: EventTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct LateRecord {
    pub at: Micros,
    pub id: u64,
    pub key: String,
    pub ts: EventTime,
    pub window: Option<Window>,
    pub fate: LateFate,
}

#[derive(Clone, Debug, Serialize)]
pub struct WatermarkMove {
    pub at: Micros,
    pub op: String,
    pub wm: EventTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckpointMove {
    pub at: Micros,
    pub id: u64,
    pub phase: CheckpointPhase,
    pub positions: Vec<(u32, u64)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TxnMove {
    pub at: Micros,
    pub id: u64,
    pub phase: TxnPhase,
}

#[derive(Clone, Debug, Serialize)]
pub struct FailureSeen {
    pub at: Micros,
    pub task: String,
    pub restored_from: Option<u64>,
}

/// Everything one job did, from the trace.
#[derive(Clone, Debug, Default, Serialize)]
pub struct JobRun {
    pub name: String,
    pub engine: String,
    pub inputs: Vec<InputSeen>,
    /// Every result the engine emitted, in order.
    pub outputs: Vec<Pane>,
    /// The results a reader of the sink sees: all of them for a print
    /// sink, only committed transactions' for a two-phase-commit sink.
    pub published: Vec<Pane>,
    pub late: Vec<LateRecord>,
    pub watermarks: Vec<WatermarkMove>,
    pub batches: Vec<BatchInfo>,
    pub checkpoints: Vec<CheckpointMove>,
    pub txns: Vec<TxnMove>,
    pub failures: Vec<FailureSeen>,
    pub restarts: Vec<Micros>,
    /// Every engine report formatted the engine's way (the lines
    /// `[[expect.outputs]]` compares).
    pub lines: Vec<String>,
    /// The published results against the ideal answer (None for DStreams,
    /// whose windows are in processing time, and feature pipelines).
    pub oracle: Option<super::oracle::OracleReport>,
    /// For an upsert sink: the key-value table at the end, one row per
    /// (window, key), the last write winning (a retraction deletes). A
    /// replayed result overwrites itself, so replays leave no duplicates.
    pub table: Option<Vec<UpsertRow>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct UpsertRow {
    pub window: Option<Window>,
    pub key: String,
    pub value: Datum,
    /// Writes to this row (replays included).
    pub writes: u32,
}

/// Folds the trace into one [`JobRun`] per job.
pub fn collect(scenario: &Scenario, records: &[crate::kernel::TraceRecord<Event>]) -> Vec<JobRun> {
    let mut runs: Vec<JobRun> =
        scenario.jobs.iter().map(|j| JobRun { name: j.name.clone(), engine: j.engine.name().to_string(), ..JobRun::default() }).collect();
    let mut committed: Vec<BTreeSet<u64>> = vec![BTreeSet::new(); runs.len()];
    for r in records {
        let TraceEvent::Domain(Event::Stream(ev)) = &r.ev else { continue };
        match ev {
            StreamEvent::Input { job, channel, id, key, value, ts } => {
                if let Some(run) = runs.get_mut(*job as usize) {
                    run.inputs.push(InputSeen { at: r.t, channel: *channel, id: *id, key: key.clone(), value: value.clone(), ts: *ts });
                }
            }
            StreamEvent::SourceWatermark { .. } => {}
            StreamEvent::Restarted { job } => {
                if let Some(run) = runs.get_mut(*job as usize) {
                    run.restarts.push(r.t);
                }
            }
            StreamEvent::Out { job, out } => {
                let Some(run) = runs.get_mut(*job as usize) else { continue };
                if let Some(line) = engines::format_out(&scenario.jobs[*job as usize], out) {
                    run.lines.push(line);
                }
                match out {
                    Out::Pane(p) => {
                        run.outputs.push(p.clone());
                        if p.txn.is_none() {
                            run.published.push(p.clone());
                        }
                    }
                    Out::Late { elem, window, fate } => run.late.push(late(r.t, elem, *window, *fate)),
                    Out::Watermark { op, wm } => run.watermarks.push(WatermarkMove { at: r.t, op: op.clone(), wm: *wm }),
                    Out::Idle { .. } => {}
                    Out::Batch(b) => run.batches.push(b.clone()),
                    Out::Checkpoint { id, phase, positions } => {
                        run.checkpoints.push(CheckpointMove { at: r.t, id: *id, phase: *phase, positions: positions.clone() })
                    }
                    Out::Txn { id, phase } => {
                        run.txns.push(TxnMove { at: r.t, id: *id, phase: *phase });
                        if *phase == TxnPhase::Committed && committed[*job as usize].insert(*id) {
                            let newly: Vec<Pane> = run.outputs.iter().filter(|p| p.txn == Some(*id)).cloned().collect();
                            run.published.extend(newly);
                        }
                    }
                    Out::Failure { task, restored_from } => run.failures.push(FailureSeen { at: r.t, task: task.clone(), restored_from: *restored_from }),
                }
            }
        }
    }
    for (j, run) in runs.iter_mut().enumerate() {
        run.oracle = oracle_of(scenario, j, run);
        if scenario.jobs[j].sink == crate::scenario::jobs::SinkSpec::Upsert {
            let mut t: std::collections::BTreeMap<(Option<Window>, String), (Option<Datum>, u32)> = std::collections::BTreeMap::new();
            for p in &run.published {
                let e = t.entry((p.window, p.key.clone())).or_insert((None, 0));
                e.0 = if p.retraction { None } else { Some(p.value.clone()) };
                e.1 += 1;
            }
            run.table = Some(t.into_iter().filter_map(|((window, key), (v, writes))| v.map(|value| UpsertRow { window, key, value, writes })).collect());
        }
    }
    runs
}

/// The elements the ideal answer is computed over: every record of the
/// job's scripted inputs (even those that arrive after the run ended or
/// while the job was down), plus every Kafka record it read; `flatMap`
/// applied.
fn ideal_inputs(scenario: &Scenario, j: usize, run: &JobRun) -> Vec<Elem> {
    let spec = &scenario.jobs[j];
    let mut raw: Vec<Elem> = Vec::new();
    for (src, s) in spec.sources.iter().enumerate() {
        let _ = src;
        if let SourceRef::Input(i) = s {
            for (k, r) in scenario.inputs[*i].records.iter().enumerate() {
                raw.push(Elem { id: super::job::script_id(*i, k), key: r.key.clone(), value: r.value.clone(), ts: r.ts, arrival: r.at });
            }
        }
    }
    let scripted: BTreeSet<u64> = raw.iter().map(|e| e.id).collect();
    // Arrival = when the job first saw it (for latency).
    let mut first_seen: std::collections::BTreeMap<u64, Micros> = std::collections::BTreeMap::new();
    for i in &run.inputs {
        first_seen.entry(i.id).or_insert(i.at);
        if !scripted.contains(&i.id) && first_seen[&i.id] == i.at {
            raw.push(Elem { id: i.id, key: i.key.clone(), value: i.value.clone(), ts: i.ts, arrival: i.at });
        }
    }
    for e in raw.iter_mut() {
        if let Some(t) = first_seen.get(&e.id) {
            e.arrival = *t;
        }
    }
    match spec.flat_map {
        None => raw,
        Some(FlatMap::Split) => raw
            .into_iter()
            .flat_map(|e| {
                let words: Vec<String> = e.value.to_string().split_whitespace().map(str::to_string).collect();
                words.into_iter().map(move |w| Elem { id: e.id, key: w, value: Datum::Int(1), ts: e.ts, arrival: e.arrival })
            })
            .collect(),
    }
}

/// How a reader folds the job's results per (window, key).
fn refinement(spec: &crate::scenario::jobs::JobSpec) -> Option<(Refinement, bool)> {
    let s = |t: &toml::Table, k: &str| t.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    Some(match &spec.engine {
        EngineSpec::Beam { spec: t } => {
            let r = match s(t, "accumulationMode").as_str() {
                "accumulatingFiredPanes" => Refinement::Accumulating,
                "accumulatingAndRetractingFiredPanes" => Refinement::Retracting,
                _ => Refinement::Discarding,
            };
            (r, false)
        }
        // Feature pipelines emit per-element features, not window results:
        // there is no ideal table to compare them with.
        EngineSpec::Flink { spec: t } if t.contains_key("rolling") || t.contains_key("anomaly") => return None,
        EngineSpec::Flink { spec: t } => (if s(t, "trigger").starts_with("PurgingTrigger") { Refinement::Discarding } else { Refinement::Accumulating }, true),
        EngineSpec::Spark { spec: t } => {
            (if matches!(s(t, "outputMode").as_str(), "update" | "complete") { Refinement::Accumulating } else { Refinement::AppendOnce }, true)
        }
        EngineSpec::KStreams { .. } => (Refinement::Accumulating, true),
        EngineSpec::DStream { .. } => return None,
    })
}

fn oracle_of(scenario: &Scenario, j: usize, run: &JobRun) -> Option<super::oracle::OracleReport> {
    let spec = &scenario.jobs[j];
    let (refinement, touching) = refinement(spec)?;
    let inputs = ideal_inputs(scenario, j, run);
    let ideal = super::oracle::ideal(&spec.shape, touching, &inputs);
    let late: Vec<super::oracle::LateEntry> = run.late.iter().map(|l| (l.id, l.window, l.fate)).collect();
    Some(super::oracle::compare(&ideal, &run.published, refinement, &inputs, &late))
}

fn late(at: Micros, e: &Elem, window: Option<Window>, fate: LateFate) -> LateRecord {
    LateRecord { at, id: e.id, key: e.key.clone(), ts: e.ts, window, fate }
}

/// The verdict of one `[[expect.outputs]]`.
#[derive(Clone, Debug, Serialize)]
pub struct OutputVerdict {
    pub job: String,
    pub ok: bool,
    pub expected: usize,
    pub actual: usize,
    /// The first line that differs: (index, expected, actual).
    pub first_difference: Option<(usize, Option<String>, Option<String>)>,
    pub location: String,
}

pub fn check_outputs(expect: &[OutputExpectation], runs: &[JobRun]) -> Vec<OutputVerdict> {
    expect
        .iter()
        .map(|e| {
            let run = &runs[e.job];
            let actual: Vec<String> = run.lines.iter().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
            let n = e.lines.len().max(actual.len());
            let first_difference = (0..n).find(|i| e.lines.get(*i) != actual.get(*i)).map(|i| (i, e.lines.get(i).cloned(), actual.get(i).cloned()));
            OutputVerdict {
                job: run.name.clone(),
                ok: first_difference.is_none(),
                expected: e.lines.len(),
                actual: actual.len(),
                first_difference,
                location: e.location.clone(),
            }
        })
        .collect()
}

/// The jobs' part of the human summary.
pub fn summary(t: &mut String, world: &crate::world::World, out: &crate::report::Outcome) {
    use std::fmt::Write;
    if out.jobs.is_empty() {
        return;
    }
    jobs_summary(t, world, out);
    let Some(c) = compare(&world.scenario, &out.jobs) else { return };
    let _ = writeln!(t, "\ncompare: {}", c.description);
    let _ = writeln!(t, "  {:<30} {:<8} {:<8} {}", "window · key", "ideal", "", c.jobs.join(" | "));
    for r in &c.rows {
        let w = r.window.map(|w| format!("[{}, {})", super::types::clock(w.start), super::types::clock(w.end))).unwrap_or_else(|| "-".into());
        let cells: Vec<String> = r
            .jobs
            .iter()
            .map(|j| {
                let v = j.value.as_ref().map_or("-".to_string(), |v| v.to_string());
                let at = j.final_emit.map(crate::time::fmt_time).unwrap_or_default();
                format!("{v}{} {at}", if j.correct { "" } else { " ✗" })
            })
            .collect();
        let ideal = r.ideal.as_ref().map_or("-".to_string(), |v| v.to_string());
        let _ = writeln!(t, "  {:<30} {:<8} {:<8} {}", format!("{w} · {}", r.key), ideal, "", cells.join(" | "));
        for (name, j) in c.jobs.iter().zip(&r.jobs) {
            if let Some(why) = &j.why {
                let _ = writeln!(t, "      {name}: {why}");
            }
        }
    }
}

fn jobs_summary(t: &mut String, world: &crate::world::World, out: &crate::report::Outcome) {
    use std::fmt::Write;
    let clock = world.scenario.clock;
    let pt = |us: Micros| super::types::clock(clock + (us / 1000) as i64);
    let _ = writeln!(t, "\njobs:");
    for run in &out.jobs {
        let dropped = run.late.iter().filter(|l| l.fate == LateFate::Dropped).count();
        let side = run.late.iter().filter(|l| l.fate == LateFate::SideOutput).count();
        let _ = writeln!(
            t,
            "  {} ({}): {} inputs · {} results ({} published) · late: {} dropped, {} side output{}{}{}",
            run.name,
            run.engine,
            run.inputs.len(),
            run.outputs.len(),
            run.published.len(),
            dropped,
            side,
            if run.batches.is_empty() { String::new() } else { format!(" · {} batches", run.batches.len()) },
            if run.checkpoints.is_empty() {
                String::new()
            } else {
                format!(" · {} checkpoints completed", run.checkpoints.iter().filter(|c| c.phase == CheckpointPhase::Completed).count())
            },
            if run.failures.is_empty() { String::new() } else { format!(" · {} failures", run.failures.len()) },
        );
        if let Some(o) = &run.oracle {
            let ms = |x: Option<Micros>| x.map(|v| format!("{}ms", v / 1000)).unwrap_or_else(|| "-".into());
            let _ = writeln!(
                t,
                "    against the ideal answer: {} of {} results correct, {} incomplete, {} missing, {} extra · latency p50 {} p99 {} max {}",
                o.totals.correct,
                o.totals.ideal_rows,
                o.totals.incomplete_rows,
                o.totals.missing_rows,
                o.totals.extra_rows,
                ms(o.latency.p50),
                ms(o.latency.p99),
                ms(o.latency.max),
            );
        }
        let shown = 12;
        for (i, line) in run.lines.iter().take(shown).enumerate() {
            let _ = writeln!(t, "    {line}");
            let _ = i;
        }
        if run.lines.len() > shown {
            let _ = writeln!(t, "    … {} more (see --json)", run.lines.len() - shown);
        }
        let _ = pt;
    }
}

/// One (window, key) of a `[compare]`: the ideal value and what each job's
/// readers ended up with, and when.
#[derive(Clone, Debug, Serialize)]
pub struct CompareRow {
    pub window: Option<Window>,
    pub key: String,
    pub ideal: Option<Datum>,
    /// Per compared job, in `[compare] jobs` order.
    pub jobs: Vec<CompareCell>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CompareCell {
    pub value: Option<Datum>,
    pub correct: bool,
    pub first_emit: Option<Micros>,
    pub final_emit: Option<Micros>,
    pub panes: u32,
    /// Why it differs from the ideal answer, in words.
    pub why: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub jobs: Vec<String>,
    pub description: String,
    pub rows: Vec<CompareRow>,
}

/// Builds the side-by-side comparison of `[compare]`.
pub fn compare(scenario: &Scenario, runs: &[JobRun]) -> Option<Comparison> {
    let c = scenario.compare.as_ref()?;
    let mut keys: BTreeSet<(Option<Window>, String)> = BTreeSet::new();
    for &j in &c.jobs {
        if let Some(o) = &runs[j].oracle {
            keys.extend(o.rows.iter().map(|r| (r.window, r.key.clone())));
        }
    }
    let rows = keys
        .into_iter()
        .map(|(window, key)| {
            let mut ideal = None;
            let jobs = c
                .jobs
                .iter()
                .map(|&j| {
                    let run = &runs[j];
                    let row = run.oracle.as_ref().and_then(|o| o.rows.iter().find(|r| r.window == window && r.key == key));
                    match row {
                        None => CompareCell { value: None, correct: false, first_emit: None, final_emit: None, panes: 0, why: Some("no result".into()) },
                        Some(r) => {
                            if ideal.is_none() {
                                ideal = r.ideal.clone();
                            }
                            CompareCell {
                                value: r.actual.clone(),
                                correct: r.correct,
                                first_emit: r.first_emit,
                                final_emit: r.final_emit,
                                panes: r.panes,
                                why: why(run, r),
                            }
                        }
                    }
                })
                .collect();
            CompareRow { window, key, ideal, jobs }
        })
        .collect();
    Some(Comparison { jobs: c.jobs.iter().map(|&j| runs[j].name.clone()).collect(), description: c.description.clone(), rows })
}

/// Explains a difference from the ideal answer from what the trace shows.
fn why(run: &JobRun, r: &super::oracle::OracleRow) -> Option<String> {
    if r.correct && r.complete {
        return None;
    }
    let mut parts = Vec::new();
    if r.actual.is_none() {
        parts.push("not emitted (yet): the watermark never passed the window's end, or the output mode waits for it".to_string());
    }
    let dropped: Vec<&LateRecord> = run.late.iter().filter(|l| r.missing.contains(&l.id) && (l.window.is_none() || l.window == r.window)).collect();
    if !dropped.is_empty() {
        let l = dropped[0];
        parts.push(format!(
            "{} input(s) dropped as late (e.g. {} with event time {} at {})",
            dropped.len(),
            l.key,
            super::types::clock(l.ts),
            crate::time::fmt_time(l.at)
        ));
    }
    let not_late = r.missing.len().saturating_sub(dropped.len());
    if not_late > 0 && r.actual.is_some() {
        parts.push(format!("{not_late} input(s) not included yet (arrived after the last result, or not read)"));
    }
    if !r.duplicated.is_empty() {
        parts.push(format!("{} input(s) counted twice (a replay)", r.duplicated.len()));
    }
    if r.extra {
        parts.push("a result for a window the ideal answer does not have".into());
    }
    if parts.is_empty() {
        parts.push("value differs from the ideal answer".into());
    }
    Some(parts.join("; "))
}

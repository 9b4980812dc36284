//! The stream part of the run report: per job, what went in, what came
//! out (and when), what was late, how the watermarks moved, the checkpoint
//! and micro-batch history — all folded from the trace — plus the exact
//! output lines checked by `[[expect.outputs]]`.

use super::engines;
use super::job::StreamEvent;
use super::types::{BatchInfo, CheckpointPhase, Elem, EventTime, LateFate, Out, Pane, TxnPhase, Window};
use crate::kernel::TraceEvent;
use crate::model::Event;
use crate::scenario::jobs::OutputExpectation;
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
}

/// Folds the trace into one [`JobRun`] per job.
pub fn collect(scenario: &Scenario, records: &[crate::kernel::TraceRecord<Event>]) -> Vec<JobRun> {
    let mut runs: Vec<JobRun> =
        scenario.jobs.iter().map(|j| JobRun { name: j.name.clone(), engine: j.engine.name().to_string(), ..JobRun::default() }).collect();
    let mut committed: Vec<BTreeSet<u64>> = vec![BTreeSet::new(); runs.len()];
    for r in records {
        let TraceEvent::Domain(Event::Stream(ev)) = &r.ev else { continue };
        match ev {
            StreamEvent::Input { job, channel, id, key, ts } => {
                if let Some(run) = runs.get_mut(*job as usize) {
                    run.inputs.push(InputSeen { at: r.t, channel: *channel, id: *id, key: key.clone(), ts: *ts });
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
    runs
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

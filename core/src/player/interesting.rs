//! Which trace records a student would want to stop at, in one sentence
//! each: the "next interesting event" button, markers on the timeline,
//! highlighted rows in the trace table.
//!
//! Interesting means: a fault and what it did (a crash, a pause, a cut
//! link), a leadership or ISR change of a partition (the controller's
//! `PartitionChanged`, with its reason), a fenced broker, a log
//! truncation, a client failure the checkers look at (a failed or
//! indefinite send, a position reset, a rejected commit, a fenced
//! producer), a stream result (a pane, with its ON_TIME / EARLY / LATE
//! timing), a late record, and a checkpoint that completed, was aborted
//! or was restored. Message traffic, heartbeats, appends and acks are not.
//!
//! Simplification: each record is judged alone. A leadership change is
//! recognised by the controller's reason (`election`, `unclean-election`,
//! `preferred-leader` …), not by comparing with the previous leader.

use crate::kafka::events::KEvent;
use crate::kafka::types::{BrokerId, ErrorCode};
use crate::kernel::{CrashKind, KernelEvent, TraceEvent, TraceRecord};
use crate::model::Event;
use crate::stream::job::StreamEvent;
use crate::stream::types::{CheckpointPhase, LateFate, Out, Pane, Window, MAX_WATERMARK, MIN_WATERMARK};
use crate::time::{fmt_time, Micros};
use crate::world::World;
use serde::Serialize;

/// A moment worth stopping at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Interesting {
    pub t: Micros,
    /// Index of the record in the trace.
    pub index: usize,
    /// A short machine-readable kind (see [`classify`]).
    pub kind: &'static str,
    /// One sentence for people.
    pub text: String,
}

/// Classifies one record: `Some((kind, sentence))` if it is interesting.
///
/// Kinds: `fault`, `fault-skipped`, `crash`, `restart`, `pause`, `resume`,
/// `disk-lost`, `clock-skew`, `link-cut`, `link-healed`, `link-changed`
/// (kernel); `election`, `isr`, `partition`, `fenced`, `truncation`,
/// `send-failed`, `send-unknown`, `position-reset`, `consumer-error`,
/// `commit-rejected`, `producer-fenced` (Kafka); `pane`, `late-drop`,
/// `late-side-output`, `checkpoint`, `checkpoint-aborted`,
/// `checkpoint-restored`, `job-failure` (stream jobs).
pub fn classify(world: &World, rec: &TraceRecord<Event>) -> Option<(&'static str, String)> {
    let name = |n: u32| world.sim.node_name(n).to_string();
    let me = name(rec.node);
    match &rec.ev {
        TraceEvent::Kernel(k) => kernel(world, &me, k),
        TraceEvent::Domain(Event::Kafka(k)) => kafka(world, &me, k),
        TraceEvent::Domain(Event::Stream(s)) => stream(world, s),
    }
}

/// Whether a kernel record is an effect of a fault firing just before it
/// (the player folds these into the fault's sentence).
pub fn is_fault_effect(rec: &TraceRecord<Event>) -> bool {
    use KernelEvent::*;
    matches!(
        &rec.ev,
        TraceEvent::Kernel(Crash { .. } | Restart | Pause | Resume | DiskLost | ClockSkew { .. } | LinkCut { .. } | LinkHealed { .. } | LinkChanged { .. })
    )
}

fn kernel(world: &World, me: &str, k: &KernelEvent) -> Option<(&'static str, String)> {
    let name = |n: u32| world.sim.node_name(n).to_string();
    Some(match k {
        KernelEvent::FaultFired { label } => match label.strip_suffix(" (end)") {
            Some(base) => ("fault", format!("fault “{base}” ended")),
            None => ("fault", format!("fault “{label}” fired")),
        },
        KernelEvent::FaultSkipped { label, why } => ("fault-skipped", format!("fault “{label}” did nothing: {why}")),
        KernelEvent::NemesisHealed => ("fault", "the nemesis healed everything it broke".to_string()),
        KernelEvent::Crash { kind: CrashKind::Process } => ("crash", format!("{me} crashed (process crash: what it wrote survives in the page cache)")),
        KernelEvent::Crash { kind: CrashKind::Machine } => ("crash", format!("{me} crashed (machine crash: data not yet fsynced may be lost)")),
        KernelEvent::Restart => ("restart", format!("{me} restarted")),
        KernelEvent::Pause => ("pause", format!("{me} paused (like a long GC pause)")),
        KernelEvent::Resume => ("resume", format!("{me} resumed")),
        KernelEvent::DiskLost => ("disk-lost", format!("{me} lost its disk")),
        KernelEvent::ClockSkew { skew_us: 0 } => ("clock-skew", format!("{me}'s clock is correct again")),
        KernelEvent::ClockSkew { skew_us } => ("clock-skew", format!("{me}'s clock is now off by {}", signed_time(*skew_us))),
        KernelEvent::LinkCut { from, to } => ("link-cut", format!("link {} → {} cut", name(*from), name(*to))),
        KernelEvent::LinkHealed { from, to } => ("link-healed", format!("link {} → {} healed", name(*from), name(*to))),
        KernelEvent::LinkChanged { from, to, reset: false } => ("link-changed", format!("link {} → {} changed", name(*from), name(*to))),
        KernelEvent::LinkChanged { from, to, reset: true } => ("link-changed", format!("link {} → {} back to normal", name(*from), name(*to))),
        KernelEvent::Send { .. } | KernelEvent::Deliver { .. } | KernelEvent::Duplicate { .. } | KernelEvent::Drop { .. } => return None,
        KernelEvent::ConnectionRefused { .. } | KernelEvent::Start => return None,
    })
}

fn kafka(world: &World, me: &str, k: &KEvent) -> Option<(&'static str, String)> {
    let broker = |b: &BrokerId| format!("b{b}");
    let brokers = |v: &[BrokerId]| format!("[{}]", v.iter().map(broker).collect::<Vec<_>>().join(", "));
    let err = |e: &ErrorCode| serde_json::to_value(e).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| format!("{e:?}"));
    Some(match k {
        KEvent::PartitionChanged { tp, leader, leader_epoch, isr, reason, .. } => {
            let p = world.tp_name(*tp);
            match *reason {
                "isr-shrink" => ("isr", format!("ISR of {p} shrank to {} (leader epoch {leader_epoch})", brokers(isr))),
                "isr-expand" => ("isr", format!("ISR of {p} grew to {} (leader epoch {leader_epoch})", brokers(isr))),
                r if r == "created" || r.contains("election") || r == "preferred-leader" => match leader {
                    Some(b) => ("election", format!("{} became leader of {p} (epoch {leader_epoch}, {r}), ISR {}", broker(b), brokers(isr))),
                    None => ("election", format!("{p} has no leader (epoch {leader_epoch}, {r})")),
                },
                r => match leader {
                    Some(b) => ("partition", format!("{p}: leader {} (epoch {leader_epoch}), ISR {} ({r})", broker(b), brokers(isr))),
                    None => ("partition", format!("{p} has no leader (epoch {leader_epoch}, {r}), ISR {}", brokers(isr))),
                },
            }
        }
        KEvent::BrokerFenced { broker: b, reason } => ("fenced", format!("the controller fenced {} ({reason})", broker(b))),
        KEvent::Truncated { tp, to, from_leo, reason } => {
            ("truncation", format!("{me} truncated {} to offset {to}, dropping offsets {to}..{from_leo} ({reason})", world.tp_name(*tp)))
        }
        KEvent::SendFail { id, error } => ("send-failed", format!("{me}: send #{id} failed ({})", err(error))),
        KEvent::SendInfo { id, error } => {
            ("send-unknown", format!("{me}: send #{id} has an unknown outcome ({}): it may or may not be in the log", err(error)))
        }
        KEvent::PositionReset { tp, offset, reason } => {
            ("position-reset", format!("{me} reset its position on {} to offset {offset} ({reason})", world.tp_name(*tp)))
        }
        KEvent::ConsumerError { tp, error } => ("consumer-error", format!("{me}: error on {} ({})", world.tp_name(*tp), err(error))),
        KEvent::CommitRejected { group, error, generation } => {
            ("commit-rejected", format!("{me}: offset commit for group {group} rejected ({}, generation {generation})", err(error)))
        }
        KEvent::ProducerFenced { txn, producer_epoch } => {
            ("producer-fenced", format!("{me} was fenced: a newer producer took transactional id {txn} (epoch {producer_epoch})"))
        }
        _ => return None,
    })
}

fn stream(world: &World, s: &StreamEvent) -> Option<(&'static str, String)> {
    let StreamEvent::Out { job, out } = s else { return None };
    let job = world.scenario.jobs.get(*job as usize).map_or_else(|| format!("job {job}"), |j| j.name.clone());
    Some(match out {
        Out::Pane(p) => ("pane", pane(&job, p)),
        Out::Late { elem, window, fate } => {
            let w = window.map(|w| format!(" for window {}", fmt_window(&w))).unwrap_or_default();
            let what = format!("a late record (key “{}”, event time {}){w}", elem.key, fmt_event_time(elem.ts));
            match fate {
                LateFate::Dropped => ("late-drop", format!("{job} dropped {what}")),
                LateFate::SideOutput => ("late-side-output", format!("{job} sent {what} to the late side output")),
            }
        }
        Out::Checkpoint { id, phase: CheckpointPhase::Completed, .. } => ("checkpoint", format!("{job}: checkpoint {id} completed")),
        Out::Checkpoint { id, phase: CheckpointPhase::Aborted, .. } => ("checkpoint-aborted", format!("{job}: checkpoint {id} aborted")),
        Out::Checkpoint { id, phase: CheckpointPhase::Restored, .. } => ("checkpoint-restored", format!("{job} restored checkpoint {id}")),
        Out::Failure { task, restored_from } => (
            "job-failure",
            match restored_from {
                Some(c) => format!("{job}: task {task} failed; the job restarts from checkpoint {c}"),
                None => format!("{job}: task {task} failed; the job restarts from scratch (no checkpoint completed yet)"),
            },
        ),
        _ => return None,
    })
}

fn pane(job: &str, p: &Pane) -> String {
    let window = p.window.map(|w| format!("window {} ", fmt_window(&w))).unwrap_or_default();
    let what = if p.retraction { "retracts" } else { "=" };
    let mut detail = Vec::new();
    if let Some(t) = p.timing {
        detail.push(format!("{t}, pane {}", p.index));
    }
    if let Some(b) = p.batch {
        detail.push(format!("batch {b}"));
    }
    let detail = if detail.is_empty() { String::new() } else { format!(" ({})", detail.join(", ")) };
    format!("{job}: {window}key “{}” {what} {}{detail}", p.key, p.value)
}

/// `[0s, 10s)`, or `the global window`.
pub fn fmt_window(w: &Window) -> String {
    if w.is_global() {
        return "global".to_string();
    }
    format!("[{}, {})", fmt_event_time(w.start), fmt_event_time(w.end))
}

/// Event time (ms) as seconds: `12s`, `12.345s`, `-1s`, `-∞`, `+∞`.
pub fn fmt_event_time(ms: i64) -> String {
    match ms {
        MIN_WATERMARK => "-∞".to_string(),
        MAX_WATERMARK => "+∞".to_string(),
        _ => {
            let sign = if ms < 0 { "-" } else { "" };
            let a = ms.unsigned_abs();
            if a.is_multiple_of(1000) {
                format!("{sign}{}s", a / 1000)
            } else {
                format!("{sign}{}.{:03}s", a / 1000, a % 1000)
            }
        }
    }
}

fn signed_time(us: i64) -> String {
    let sign = if us < 0 { "-" } else { "+" };
    format!("{sign}{}", fmt_time(us.unsigned_abs()))
}

//! The event-time view: the classic event-time × processing-time plot of
//! *Streaming Systems* (Akidau, Chernyak, Lax, ch. 2–3), one plot per stream
//! job, folded from the trace up to the current moment.
//!
//! * Every input record is a dot at (arrival processing time, event time),
//!   with its key and value ([`StreamEvent::Input`]). A record the job
//!   reported late ([`Out::Late`]) is marked dropped or side output; a record
//!   that arrived behind the job's watermark but was not reported late (Beam
//!   within its allowed lateness, Spark whose late filter uses the previous
//!   batch's watermark) is marked "late, accepted".
//! * Watermarks are step curves (a watermark holds until it moves): one per
//!   source (scripted [`StreamEvent::SourceWatermark`]s, Flink's
//!   `source[c]` generators, Spark's per-source `EventTimeWatermark[i]`) and
//!   one per operator (Beam `GroupByKey`, Flink window subtasks, Spark's
//!   `global`, Kafka Streams' stream time per task), plus the job's
//!   watermark: the least of its operators' (the one that decides what is
//!   late, Flink's min over input channels).
//! * Windows are horizontal bands (tumbling and sliding windows from the
//!   job's window spec and its records' event times; sessions from the
//!   panes that fired), and every fired pane is a marker at its emit time
//!   on its window's band, with its value and timing (ON_TIME/EARLY/LATE).
//! * Spark micro-batches are listed (start, end, the watermark they used).
//!
//! The model is kept by [`EventTimeFold`], which consumes only the trace
//! records appended since the previous frame; [`event_time`] is the
//! one-shot form.
//!
//! Simplifications: "late, accepted" compares with the job's watermark at
//! arrival (the least over operators, so a record is only flagged when it
//! is behind every subtask); DStreams' windows are in processing time, so
//! no event-time bands are drawn for them; a record re-read after a restore
//! is a second dot (it did reach the job twice).

use super::metrics::TraceCursor;
use crate::kernel::{TraceEvent, TraceRecord};
use crate::model::Event;
use crate::scenario::jobs::{EngineSpec, JobSpec, SourceRef};
use crate::scenario::Scenario;
use crate::stream::job::StreamEvent;
use crate::stream::oracle::windows_of;
use crate::stream::types::{EventTime, LateFate, Out, Timing, Window, WindowSpec, MAX_WATERMARK, MIN_WATERMARK};
use crate::time::{Duration, Micros};
use crate::world::World;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[cfg(test)]
mod tests;

/// What became of an input record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DotFate {
    /// Arrived ahead of the watermark.
    OnTime,
    /// Arrived behind the job's watermark, but the job kept it (allowed
    /// lateness, or an older watermark in Spark's late filter).
    LateAccepted,
    /// Late, sent to the late side output (Flink `sideOutputLateData`).
    SideOutput,
    /// Late and dropped (for at least one of its windows).
    Dropped,
}

/// One input record as the job saw it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dot {
    /// Processing time it reached the job.
    pub at: Micros,
    /// Its event time (ms).
    pub ts: EventTime,
    pub key: String,
    pub value: String,
    pub fate: DotFate,
    /// The window it was reported late for (None: all its windows, or not
    /// late).
    pub late_for: Option<Window>,
}

/// What a watermark curve belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CurveKind {
    /// A source channel (scripted watermark, Flink watermark generator,
    /// Spark's per-source `EventTimeWatermark`).
    Source,
    /// An operator downstream of the sources.
    Operator,
    /// The job's watermark: the least over its operators.
    Job,
}

/// The watermark holds `wm` from processing time `at` until the next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WmStep {
    pub at: Micros,
    /// Event time (ms); [`MAX_WATERMARK`] means "end of input" (+∞).
    pub wm: EventTime,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Curve {
    pub name: String,
    pub kind: CurveKind,
    pub steps: Vec<WmStep>,
}

impl Curve {
    fn new(name: String, kind: CurveKind) -> Self {
        Curve { name, kind, steps: Vec::new() }
    }
    fn push(&mut self, at: Micros, wm: EventTime) {
        if wm == MIN_WATERMARK || self.steps.last().is_some_and(|s| s.wm == wm) {
            return;
        }
        self.steps.push(WmStep { at, wm });
    }
    /// The watermark now (None before its first move).
    pub fn current(&self) -> Option<EventTime> {
        self.steps.last().map(|s| s.wm)
    }
}

/// A fired pane (a result leaving the job).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PaneMark {
    /// Processing time it was emitted.
    pub at: Micros,
    /// None for un-windowed results and the global window.
    pub window: Option<Window>,
    pub key: String,
    pub value: String,
    /// ON_TIME / EARLY / LATE (None for engines without pane timing: Spark).
    pub timing: Option<Timing>,
    pub retraction: bool,
    pub index: u32,
    /// Spark: the micro-batch that produced it.
    pub batch: Option<u64>,
}

impl PaneMark {
    /// Where it is drawn in event time: its window's last instant
    /// (`end − 1`, the result timestamp of Beam and Flink); None (the top of
    /// the plot) for the global window and un-windowed results.
    pub fn y(&self) -> Option<EventTime> {
        self.window.map(|w| w.max_timestamp())
    }
}

/// A Spark micro-batch.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BatchMark {
    pub id: u64,
    pub start: Micros,
    pub end: Micros,
    /// `batchWatermarkMs`: the watermark the batch evicted state with.
    pub watermark: EventTime,
    pub no_data: bool,
    pub rerun: bool,
}

/// One job's plot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobPlot {
    pub job: String,
    pub engine: String,
    /// The windowing in words (`tumbling 10s`).
    pub windowing: String,
    pub dots: Vec<Dot>,
    /// Source and operator watermark curves, in order of first move.
    pub curves: Vec<Curve>,
    /// The job's watermark (least over operators; over sources when the job
    /// reports no operator watermark).
    pub watermark: Curve,
    /// Event-time windows to draw as bands, sorted.
    pub windows: Vec<Window>,
    pub panes: Vec<PaneMark>,
    pub batches: Vec<BatchMark>,
    pub late_accepted: usize,
    pub side_output: usize,
    pub dropped: usize,
    /// Processing-time axis: `[0, x_max]` µs. Stable while the scripted
    /// inputs play, then growing with the current time.
    pub x_max: Micros,
    /// Event-time axis (ms), snapped to window boundaries; None while there
    /// is nothing to show.
    pub y_range: Option<(EventTime, EventTime)>,
}

/// The whole view: one plot per job.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventTimeModel {
    /// The current processing time (µs).
    pub now: Micros,
    /// Processing time 0 as a clock time (ms since midnight), for axis
    /// labels: processing time `t` reads as `clock + t/1000`.
    pub clock: EventTime,
    pub jobs: Vec<JobPlot>,
}

/// Is this watermark report from a source (rather than an operator)?
pub fn is_source_op(op: &str) -> bool {
    op.starts_with("source[") || op.starts_with("EventTimeWatermark[")
}

/// The event-time view of the world now (a fresh fold: use
/// [`EventTimeFold`] to update frame by frame).
pub fn event_time(world: &World) -> EventTimeModel {
    let mut f = EventTimeFold::default();
    f.update(world);
    f.model().clone()
}

/// Per-job state the model does not show.
#[derive(Clone, Debug, Default)]
struct JobAcc {
    /// Input id → index of its latest dot.
    dot_of: BTreeMap<u64, usize>,
    /// Curve name → index in `curves`.
    curve_of: BTreeMap<String, usize>,
    /// Latest watermark per operator (not sources), per source.
    ops: BTreeMap<String, EventTime>,
    sources: BTreeMap<String, EventTime>,
    /// Channel names (`input scores`, `clicks-0`).
    channels: Vec<String>,
    windows: BTreeSet<Window>,
    /// What the scenario itself says: last scripted arrival, event-time range.
    planned_end: Option<Micros>,
    planned_ts: Option<(EventTime, EventTime)>,
    /// Processing time of the job's latest trace record.
    last_activity: Micros,
    /// Seen records' event-time range (watermarks are left out: a
    /// generator's first watermark, max − delay, may lie far below every
    /// record and would squash the plot).
    seen_ts: Option<(EventTime, EventTime)>,
    bands: bool,
}

/// The incremental event-time model: [`EventTimeFold::update`] consumes
/// only the records appended to the trace since the previous call, and
/// starts again by itself when the run changed or the trace was rolled back.
#[derive(Clone, Debug)]
pub struct EventTimeFold {
    cursor: TraceCursor,
    acc: Vec<JobAcc>,
    model: EventTimeModel,
}

impl Default for EventTimeFold {
    fn default() -> Self {
        EventTimeFold { cursor: TraceCursor::default(), acc: Vec::new(), model: EventTimeModel { now: 0, clock: 0, jobs: Vec::new() } }
    }
}

fn widen(r: &mut Option<(EventTime, EventTime)>, ts: EventTime) {
    if ts == MIN_WATERMARK || ts == MAX_WATERMARK {
        return;
    }
    *r = Some(match *r {
        None => (ts, ts),
        Some((a, b)) => (a.min(ts), b.max(ts)),
    });
}

fn fmt_ms(ms: EventTime) -> String {
    Duration(ms.unsigned_abs() * 1000).to_string()
}

fn windowing(spec: &JobSpec) -> String {
    if matches!(spec.engine, EngineSpec::DStream { .. }) {
        return "processing-time windows (DStreams)".into();
    }
    match &spec.shape.window {
        WindowSpec::Global => "global window".into(),
        WindowSpec::Tumbling { size, .. } => format!("tumbling {}", fmt_ms(*size)),
        WindowSpec::Sliding { size, slide, .. } => format!("sliding {} every {}", fmt_ms(*size), fmt_ms(*slide)),
        WindowSpec::Session { gap } => format!("sessions, gap {}", fmt_ms(*gap)),
    }
}

impl JobAcc {
    fn new(scenario: &Scenario, spec: &JobSpec) -> Self {
        let mut acc = JobAcc { bands: !matches!(spec.engine, EngineSpec::DStream { .. }), ..JobAcc::default() };
        let mut end: Option<Micros> = None;
        let mut later = |t: Micros| end = Some(end.map_or(t, |e| e.max(t)));
        for src in &spec.sources {
            match src {
                SourceRef::Input(i) => {
                    let Some(inp) = scenario.inputs.get(*i) else { continue };
                    acc.channels.push(format!("input {}", inp.name));
                    for r in &inp.records {
                        later(r.at);
                        widen(&mut acc.planned_ts, r.ts);
                    }
                    for (at, wm) in &inp.watermarks {
                        later(*at);
                        widen(&mut acc.planned_ts, *wm);
                    }
                    if let Some(e) = inp.end {
                        later(e);
                    }
                }
                SourceRef::Topic(t) => {
                    let Some(topic) = scenario.topics.get(*t) else { continue };
                    for p in 0..topic.partitions {
                        acc.channels.push(format!("{}-{p}", topic.name));
                    }
                    for p in scenario.producers.iter().filter(|p| p.topic == topic.name) {
                        if p.workload.is_some() {
                            // A generated workload runs until its stop: no
                            // scripted end to scale the axis to.
                            later(scenario.duration.0);
                        }
                        for r in &p.records {
                            later(r.at);
                            widen(&mut acc.planned_ts, (r.event_time / 1000) as EventTime);
                        }
                    }
                }
            }
        }
        acc.planned_end = end;
        acc
    }

    fn channel_name(&self, channel: u32) -> String {
        self.channels.get(channel as usize).cloned().unwrap_or_else(|| format!("channel {channel}"))
    }

    /// The job's watermark now.
    fn job_wm(&self) -> Option<EventTime> {
        self.ops.values().min().or_else(|| self.sources.values().min()).copied()
    }

    fn curve(&mut self, plot: &mut JobPlot, name: String, kind: CurveKind) -> usize {
        if let Some(i) = self.curve_of.get(&name) {
            return *i;
        }
        plot.curves.push(Curve::new(name.clone(), kind));
        self.curve_of.insert(name, plot.curves.len() - 1);
        plot.curves.len() - 1
    }

    fn watermark(&mut self, plot: &mut JobPlot, at: Micros, name: String, kind: CurveKind, wm: EventTime) {
        let i = self.curve(plot, name.clone(), kind);
        plot.curves[i].push(at, wm);
        if wm != MIN_WATERMARK {
            match kind {
                CurveKind::Source => self.sources.insert(name, wm),
                _ => self.ops.insert(name, wm),
            };
        }
        if let Some(j) = self.job_wm() {
            plot.watermark.push(at, j);
        }
    }
}

impl EventTimeFold {
    /// The model as of the last [`EventTimeFold::update`].
    pub fn model(&self) -> &EventTimeModel {
        &self.model
    }

    /// Folds in the trace records appended since the last call.
    pub fn update(&mut self, world: &World) {
        let (restart, new) = self.cursor.advance(world);
        if restart {
            self.start(world);
        }
        for r in new {
            self.observe(world, r);
        }
        self.model.now = world.sim.now();
        self.finish(world);
    }

    fn start(&mut self, world: &World) {
        let sc = &world.scenario;
        self.acc = sc.jobs.iter().map(|j| JobAcc::new(sc, j)).collect();
        self.model = EventTimeModel {
            now: 0,
            clock: sc.clock,
            jobs: sc
                .jobs
                .iter()
                .map(|j| JobPlot {
                    job: j.name.clone(),
                    engine: j.engine.name().to_string(),
                    windowing: windowing(j),
                    dots: Vec::new(),
                    curves: Vec::new(),
                    watermark: Curve::new("job watermark".into(), CurveKind::Job),
                    windows: Vec::new(),
                    panes: Vec::new(),
                    batches: Vec::new(),
                    late_accepted: 0,
                    side_output: 0,
                    dropped: 0,
                    x_max: 0,
                    y_range: None,
                })
                .collect(),
        };
    }

    fn observe(&mut self, world: &World, r: &TraceRecord<Event>) {
        let TraceEvent::Domain(Event::Stream(ev)) = &r.ev else { return };
        let job = match ev {
            StreamEvent::Input { job, .. } | StreamEvent::SourceWatermark { job, .. } | StreamEvent::Out { job, .. } | StreamEvent::Restarted { job } => {
                *job as usize
            }
        };
        let (Some(acc), Some(plot), Some(spec)) = (self.acc.get_mut(job), self.model.jobs.get_mut(job), world.scenario.jobs.get(job)) else { return };
        acc.last_activity = r.t;
        match ev {
            StreamEvent::Input { id, key, value, ts, .. } => {
                let late = acc.job_wm().is_some_and(|w| *ts < w);
                if late {
                    plot.late_accepted += 1;
                }
                let fate = if late { DotFate::LateAccepted } else { DotFate::OnTime };
                plot.dots.push(Dot { at: r.t, ts: *ts, key: key.clone(), value: value.to_string(), fate, late_for: None });
                acc.dot_of.insert(*id, plot.dots.len() - 1);
                widen(&mut acc.seen_ts, *ts);
                if acc.bands && matches!(spec.shape.window, WindowSpec::Tumbling { .. } | WindowSpec::Sliding { .. }) {
                    acc.windows.extend(windows_of(&spec.shape.window, *ts));
                }
            }
            StreamEvent::SourceWatermark { channel, wm, .. } => {
                let name = acc.channel_name(*channel);
                acc.watermark(plot, r.t, name, CurveKind::Source, *wm);
            }
            StreamEvent::Restarted { .. } => {}
            StreamEvent::Out { out, .. } => match out {
                Out::Pane(p) => {
                    if let Some(w) = p.window.filter(|w| !w.is_global()) {
                        if acc.bands {
                            acc.windows.insert(w);
                        }
                    }
                    plot.panes.push(PaneMark {
                        at: r.t,
                        window: p.window.filter(|w| !w.is_global()),
                        key: p.key.clone(),
                        value: p.value.to_string(),
                        timing: p.timing,
                        retraction: p.retraction,
                        index: p.index,
                        batch: p.batch,
                    });
                }
                Out::Late { elem, window, fate } => {
                    let Some(&i) = acc.dot_of.get(&elem.id) else { return };
                    let dot = &mut plot.dots[i];
                    let new = match fate {
                        LateFate::Dropped => DotFate::Dropped,
                        LateFate::SideOutput => DotFate::SideOutput,
                    };
                    if new > dot.fate {
                        match dot.fate {
                            DotFate::LateAccepted => plot.late_accepted -= 1,
                            DotFate::SideOutput => plot.side_output -= 1,
                            _ => {}
                        }
                        match new {
                            DotFate::Dropped => plot.dropped += 1,
                            _ => plot.side_output += 1,
                        }
                        dot.fate = new;
                        dot.late_for = *window;
                    }
                }
                Out::Watermark { op, wm } => {
                    let (name, kind) = if is_source_op(op) {
                        let name = match op.strip_prefix("source[").and_then(|s| s.strip_suffix(']')).and_then(|c| c.parse::<u32>().ok()) {
                            Some(c) => format!("{op} ({})", acc.channel_name(c)),
                            None => op.clone(),
                        };
                        (name, CurveKind::Source)
                    } else {
                        (op.clone(), CurveKind::Operator)
                    };
                    acc.watermark(plot, r.t, name, kind, *wm);
                }
                Out::Batch(b) => {
                    plot.batches.push(BatchMark { id: b.id, start: b.start, end: b.end, watermark: b.watermark, no_data: b.no_data, rerun: b.rerun })
                }
                Out::Idle { .. } | Out::Checkpoint { .. } | Out::Txn { .. } | Out::Failure { .. } => {}
            },
        }
    }

    /// Axes and windows after new records.
    fn finish(&mut self, world: &World) {
        let end = world.sim.end().max(1);
        for (acc, plot) in self.acc.iter().zip(self.model.jobs.iter_mut()) {
            if plot.windows.len() != acc.windows.len() {
                plot.windows = acc.windows.iter().copied().collect();
            }
            // Stable while the scripted inputs play; then only as far as
            // something happened (a run that idles to its end does not
            // squash the interesting part).
            let pad = |t: Micros| t.saturating_add(t / 25);
            let planned = acc.planned_end.map_or(end, pad);
            plot.x_max = planned.max(pad(acc.last_activity)).min(end).max(1);

            let mut r = acc.planned_ts;
            if let Some((a, b)) = acc.seen_ts {
                widen(&mut r, a);
                widen(&mut r, b);
            }
            plot.y_range = r.map(|(lo, hi)| {
                let lo = plot.windows.iter().filter(|w| w.contains(lo)).map(|w| w.start).min().unwrap_or(lo);
                let hi = plot.windows.iter().filter(|w| w.contains(hi)).map(|w| w.end).max().unwrap_or(hi);
                if hi > lo {
                    (lo, hi)
                } else {
                    (lo - 500, lo + 500)
                }
            });
        }
    }
}

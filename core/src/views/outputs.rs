//! The outputs-and-checkers view: what each stream job emitted so far (with
//! Beam/Flink pane timing, Spark batch ids, whether a reader of the sink can
//! see it yet, and the oracle's verdict), and every anomaly the checkers
//! flag, each pointing at the trace record (and time) that reveals it.
//!
//! Two halves with very different costs:
//! - [`OutputsFold`] folds the job's `StreamEvent::Out` records into rows,
//!   incrementally: each call consumes only the records appended since the
//!   last one, so the browser can update it every animation frame. A row
//!   keeps the engine's own line ([`crate::stream::engines::format_out`],
//!   the line `streamlab run` prints and `[[expect.outputs]]` compares).
//!   Publication follows [`crate::stream::report::collect`]: a result
//!   written in a sink transaction (Flink's `TwoPhaseCommitSinkFunction`)
//!   becomes visible when that transaction commits, every other result when
//!   it is emitted.
//! - [`checkers`] runs the whole report ([`Outcome::of`]: every checker,
//!   the stream metrics, the oracle, the expectations). It is a pass over
//!   the entire trace plus the final logs, so the web app runs it only when
//!   paused, finished or at most every ~500 ms, through [`CheckersMemo`]
//!   (keyed on run and trace length).
//!
//! Simplifications: `duplicate-output` is only a count in the report; this
//! module lists its hits itself — for a print sink, a published result
//! identical to an earlier one (the report's rule, in publication order);
//! for a Kafka sink, a value the topic's readers polled at a second offset
//! (the report's rule, pointing at the first poll of that offset). The
//! oracle's verdict is per (window, key), so it is shown on the latest
//! published result of that window and key; earlier ones say they were
//! refined. Checkpoint `triggered` and transaction `begun` moves are not
//! listed (one per checkpoint interval; the completed/committed rows carry
//! the story).

use crate::check::metrics::METRICS;
use crate::check::MAX_HITS_PER_CHECKER;
use crate::kafka::events::KEvent;
use crate::kernel::{TraceEvent, TraceRecord};
use crate::model::Event;
use crate::report::Outcome;
use crate::scenario::jobs::{DeliveryGuarantee, SinkSpec};
use crate::stream::engines::format_out;
use crate::stream::job::StreamEvent;
use crate::stream::types::{clock, BatchInfo, CheckpointPhase, LateFate, Out, Pane, Timing, TxnPhase, Window};
use crate::time::{fmt_time, Micros};
use crate::world::World;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[cfg(test)]
mod tests;

/// Everything the view shows, computed from scratch (see [`outputs`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutputsModel {
    pub now: Micros,
    pub finished: bool,
    pub jobs: Vec<JobOutputs>,
    pub checkers: CheckersModel,
}

/// The outputs of one stream job.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobOutputs {
    pub name: String,
    /// `flink`, `spark`, `beam`, `kstreams`, `dstream`.
    pub engine: String,
    /// Where results go, in words (`print`, `Kafka topic counts
    /// (exactly-once)`, `upsert table`).
    pub sink: String,
    /// Rows in trace order: results, late records, checkpoints, sink
    /// transactions, failures and restarts.
    pub rows: Vec<OutputRow>,
    /// Spark micro-batches, in order (rows carry their batch id).
    pub batches: Vec<BatchRow>,
    pub counts: JobCounts,
    /// Keys of the results, sorted (for the filter).
    pub keys: Vec<String>,
}

/// Emitted vs published, and the other things a job did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    /// Results the engine emitted (retractions included).
    pub emitted: u32,
    /// Results a reader of the sink can see.
    pub published: u32,
    /// Results in a sink transaction not committed (yet).
    pub pending: u32,
    /// Results in an aborted sink transaction: never visible.
    pub aborted: u32,
    pub late_dropped: u32,
    pub side_output: u32,
    pub checkpoints_completed: u32,
    pub failures: u32,
    /// Print sink: published results identical to an earlier one.
    pub duplicates: u32,
}

/// What a row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RowKind {
    /// A result (a pane, a result-table row, a KTable update).
    Result,
    /// A record late for its window: dropped or sent to the side output.
    Late {
        fate: LateFate,
    },
    Checkpoint {
        id: u64,
        phase: CheckpointPhase,
    },
    /// A sink transaction moved.
    Txn {
        id: u64,
        phase: TxnPhase,
    },
    /// A task failed; the job restarts from a checkpoint (or from scratch).
    Failure,
    /// The job's process came back after a crash.
    Restart,
}

impl RowKind {
    /// One word for CSS and tests (`result`, `late`, `checkpoint`, `txn`,
    /// `failure`, `restart`).
    pub fn word(&self) -> &'static str {
        match self {
            RowKind::Result => "result",
            RowKind::Late { .. } => "late",
            RowKind::Checkpoint { .. } => "checkpoint",
            RowKind::Txn { .. } => "txn",
            RowKind::Failure => "failure",
            RowKind::Restart => "restart",
        }
    }
}

/// Beam's `PaneInfo` (index, non-speculative index, first/last), plus
/// whether the pane retracts an earlier value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PaneInfo {
    pub index: u32,
    pub on_time_index: Option<u32>,
    pub is_first: bool,
    /// The engine says no further pane of this window and key will come.
    pub is_last: bool,
    pub retraction: bool,
}

/// When readers of the sink see a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Publish {
    /// Visible as soon as emitted (print and upsert sinks, Kafka sinks
    /// without transactions).
    AtEmit,
    /// Written in sink transaction `txn`, not committed yet.
    Pending { txn: u64 },
    /// Visible since its transaction committed.
    Committed { txn: u64, at: Micros, trace_index: usize },
    /// Its transaction aborted: no reader will ever see it.
    Aborted { txn: u64, at: Micros, trace_index: usize },
}

impl Publish {
    pub fn published(&self) -> bool {
        matches!(self, Publish::AtEmit | Publish::Committed { .. })
    }
    /// `published`, `pending (txn 3 open)`, `published at 1.000000s (txn 3
    /// committed)`, `never (txn 3 aborted)`.
    pub fn words(&self) -> String {
        match self {
            Publish::AtEmit => "published".into(),
            Publish::Pending { txn } => format!("pending (txn {txn} not committed)"),
            Publish::Committed { txn, at, .. } => format!("published at {} (txn {txn} committed)", fmt_time(*at)),
            Publish::Aborted { txn, .. } => format!("never (txn {txn} aborted)"),
        }
    }
}

/// One row of a job's outputs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutputRow {
    /// The trace record that reported it (its time is the emit time).
    pub trace_index: usize,
    pub t: Micros,
    pub kind: RowKind,
    /// The engine's printed line, exactly as `streamlab run` prints it
    /// (None for rows the engine does not print).
    pub line: Option<String>,
    /// The line, or a description for unprinted rows.
    pub text: String,
    pub window: Option<Window>,
    pub key: Option<String>,
    /// The value (for a late record: the record's value).
    pub value: Option<String>,
    /// Event time of a late record (ms).
    pub event_time: Option<i64>,
    /// EARLY / ON_TIME / LATE (None: the engine has no pane timing, Spark).
    pub timing: Option<Timing>,
    pub pane: Option<PaneInfo>,
    /// Spark: the micro-batch (late drops get the batch that filtered them).
    pub batch: Option<u64>,
    /// Results only.
    pub publish: Option<Publish>,
    /// Upsert sink: this is the n-th write of its (window, key) (1 = the
    /// first; more means it overwrote an earlier one).
    pub upsert_write: Option<u32>,
    /// Print sink: the row index of the identical result published earlier.
    pub duplicate_of: Option<usize>,
    /// The next published result of the same window and key (the reader's
    /// value was refined by it).
    pub refined_by: Option<usize>,
    /// The oracle's verdict on this window and key (only on its latest
    /// published result; filled by [`outputs`] and [`CheckersModel::verdict`]).
    pub verdict: Option<RowVerdict>,
}

impl OutputRow {
    /// `EARLY`, `ON_TIME`, `LATE`, or `none`.
    pub fn timing_word(&self) -> &'static str {
        match self.timing {
            Some(Timing::Early) => "EARLY",
            Some(Timing::OnTime) => "ON_TIME",
            Some(Timing::Late) => "LATE",
            None => "none",
        }
    }
}

/// A Spark micro-batch.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BatchRow {
    pub trace_index: usize,
    pub info: BatchInfo,
    /// `batch 3 1500.000000s-1500.100000s wm 12:11 late-wm 12:04 in 3 out 4`
    pub text: String,
}

/// The event-time window as `[12:00:00, 12:02:00)`, `global window`, or
/// `no window`.
pub fn window_text(w: Option<Window>) -> String {
    match w {
        None => "no window".into(),
        Some(w) if w.is_global() => "global window".into(),
        Some(w) => format!("[{}, {})", clock(w.start), clock(w.end)),
    }
}

/// `20.519s`: a time for a button label (the exact µs go in attributes).
pub fn short_time(t: Micros) -> String {
    format!("{}.{:03}s", t / 1_000_000, t % 1_000_000 / 1000)
}

/// The oracle's row key: the global window is the un-windowed row.
fn row_key(w: Option<Window>, key: &str) -> (Option<Window>, String) {
    (w.filter(|w| !w.is_global()), key.to_string())
}

/// The incremental fold of the jobs' outputs.
#[derive(Clone, Debug, Default)]
pub struct OutputsFold {
    run: Option<u64>,
    pos: usize,
    jobs: Vec<JobOutputs>,
    state: Vec<JobState>,
}

#[derive(Clone, Debug, Default)]
struct JobState {
    print: bool,
    kafka: bool,
    upsert: bool,
    spark: bool,
    /// Result rows per sink transaction.
    txn_rows: BTreeMap<u64, Vec<usize>>,
    committed: BTreeSet<u64>,
    /// Rows waiting for their Spark batch id (late drops come before it).
    unbatched: Vec<usize>,
    /// Print sink: the identity of each result not published yet (the
    /// report's, `stream::check::print_duplicates`: window, key, value, pane
    /// index, retraction, input ids, batch).
    identity: BTreeMap<usize, String>,
    /// Print sink: identity of a published result → its first row.
    published_ids: BTreeMap<String, usize>,
    upsert_writes: BTreeMap<(Option<Window>, String), u32>,
    /// Latest published result row per (window, key).
    latest: BTreeMap<(Option<Window>, String), usize>,
    keys: BTreeSet<String>,
    /// Publications in order: (row, trace index of the publication).
    publications: Vec<(usize, usize)>,
    /// Kafka sink: the record value of each result → its first row.
    sink_values: BTreeMap<String, usize>,
}

impl OutputsFold {
    pub fn new() -> Self {
        OutputsFold::default()
    }

    /// Consumes the records appended since the last call. Starts over when
    /// `run` differs from the last call's (a new run, an injected fault, a
    /// seek backwards) or the trace got shorter. Returns whether anything
    /// was read.
    pub fn advance(&mut self, world: &World, run: u64) -> bool {
        let records = world.sim.trace().records();
        if self.run != Some(run) || records.len() < self.pos || self.jobs.len() != world.scenario.jobs.len() {
            self.start(world, run);
        }
        if self.pos == records.len() {
            return false;
        }
        for (i, r) in records.iter().enumerate().skip(self.pos) {
            if let TraceEvent::Domain(Event::Stream(ev)) = &r.ev {
                self.apply(world, i, r, ev);
            }
        }
        self.pos = records.len();
        true
    }

    /// Every job's outputs so far.
    pub fn jobs(&self) -> &[JobOutputs] {
        &self.jobs
    }

    /// How many trace records were consumed.
    pub fn position(&self) -> usize {
        self.pos
    }

    fn start(&mut self, world: &World, run: u64) {
        self.run = Some(run);
        self.pos = 0;
        self.jobs = world
            .scenario
            .jobs
            .iter()
            .map(|j| JobOutputs {
                name: j.name.clone(),
                engine: j.engine.name().to_string(),
                sink: match &j.sink {
                    SinkSpec::Print => "print".into(),
                    SinkSpec::Upsert => "upsert table".into(),
                    SinkSpec::Kafka { topic, guarantee, .. } => {
                        let g = match guarantee {
                            DeliveryGuarantee::ExactlyOnce => "exactly-once",
                            DeliveryGuarantee::AtLeastOnce => "at-least-once",
                            DeliveryGuarantee::None => "no guarantee",
                        };
                        let name = world.scenario.topics.get(*topic).map_or("?", |t| t.name.as_str());
                        format!("Kafka topic {name} ({g})")
                    }
                },
                rows: Vec::new(),
                batches: Vec::new(),
                counts: JobCounts::default(),
                keys: Vec::new(),
            })
            .collect();
        self.state = world
            .scenario
            .jobs
            .iter()
            .map(|j| JobState {
                print: j.sink == SinkSpec::Print,
                kafka: matches!(j.sink, SinkSpec::Kafka { .. }),
                upsert: j.sink == SinkSpec::Upsert,
                spark: j.engine.name() == "spark",
                ..JobState::default()
            })
            .collect();
    }

    fn apply(&mut self, world: &World, i: usize, r: &TraceRecord<Event>, ev: &StreamEvent) {
        let (job, out) = match ev {
            StreamEvent::Out { job, out } => (*job as usize, Some(out)),
            StreamEvent::Restarted { job } => (*job as usize, None),
            StreamEvent::Input { .. } | StreamEvent::SourceWatermark { .. } => return,
        };
        let (Some(jo), Some(st), Some(spec)) = (self.jobs.get_mut(job), self.state.get_mut(job), world.scenario.jobs.get(job)) else {
            return;
        };
        let Some(out) = out else {
            push_row(jo, st, row(i, r.t, RowKind::Restart, None, "the job's process restarted".into()));
            return;
        };
        let line = format_out(spec, out);
        match out {
            Out::Pane(p) => result_row(jo, st, i, r.t, p, line),
            Out::Late { elem, window, fate } => {
                let what = match fate {
                    LateFate::Dropped => "dropped as late",
                    LateFate::SideOutput => "sent to the late side output",
                };
                let text = line.clone().unwrap_or_else(|| {
                    format!(
                        "({},{}) at event time {} {what}{}",
                        elem.key,
                        elem.value,
                        clock(elem.ts),
                        window.map(|w| format!(" for {}", window_text(Some(w)))).unwrap_or_default()
                    )
                });
                let mut row = row(i, r.t, RowKind::Late { fate: *fate }, line, text);
                row.window = *window;
                row.key = Some(elem.key.clone());
                row.value = Some(elem.value.to_string());
                row.event_time = Some(elem.ts);
                match fate {
                    LateFate::Dropped => jo.counts.late_dropped += 1,
                    LateFate::SideOutput => jo.counts.side_output += 1,
                }
                push_row(jo, st, row);
            }
            Out::Batch(b) => {
                for ix in std::mem::take(&mut st.unbatched) {
                    if let Some(row) = jo.rows.get_mut(ix) {
                        row.batch.get_or_insert(b.id);
                    }
                }
                let text = crate::stream::spark::microbatch::format_batch(b);
                jo.batches.push(BatchRow { trace_index: i, info: b.clone(), text });
            }
            Out::Checkpoint { id, phase, .. } => {
                let word = match phase {
                    CheckpointPhase::Triggered => return,
                    CheckpointPhase::Completed => {
                        jo.counts.checkpoints_completed += 1;
                        "completed"
                    }
                    CheckpointPhase::Aborted => "aborted",
                    CheckpointPhase::Restored => "restored (the job restarts from it)",
                };
                push_row(jo, st, row(i, r.t, RowKind::Checkpoint { id: *id, phase: *phase }, line, format!("checkpoint {id} {word}")));
            }
            Out::Txn { id, phase } => {
                let text = match phase {
                    TxnPhase::Begun => return,
                    TxnPhase::PreCommitted => format!("sink transaction {id} pre-committed (flushed, waiting for its checkpoint)"),
                    TxnPhase::Committed => format!("sink transaction {id} committed: its results are published"),
                    TxnPhase::Aborted => format!("sink transaction {id} aborted: its results are never published"),
                };
                match phase {
                    TxnPhase::Committed if st.committed.insert(*id) => {
                        for ix in st.txn_rows.get(id).cloned().unwrap_or_default() {
                            publish(jo, st, ix, Publish::Committed { txn: *id, at: r.t, trace_index: i }, i);
                        }
                    }
                    TxnPhase::Aborted if !st.committed.contains(id) => {
                        for ix in st.txn_rows.get(id).cloned().unwrap_or_default() {
                            if let Some(row) = jo.rows.get_mut(ix) {
                                if matches!(row.publish, Some(Publish::Pending { .. })) {
                                    row.publish = Some(Publish::Aborted { txn: *id, at: r.t, trace_index: i });
                                    jo.counts.pending -= 1;
                                    jo.counts.aborted += 1;
                                }
                            }
                        }
                    }
                    _ => {}
                }
                push_row(jo, st, row(i, r.t, RowKind::Txn { id: *id, phase: *phase }, line, text));
            }
            Out::Failure { task, restored_from } => {
                jo.counts.failures += 1;
                let from = restored_from.map_or_else(|| "from scratch (no checkpoint completed yet)".to_string(), |c| format!("from checkpoint {c}"));
                push_row(jo, st, row(i, r.t, RowKind::Failure, line, format!("task {task} failed: the job restarts {from}")));
            }
            Out::Watermark { .. } | Out::Idle { .. } => {}
        }
    }
}

fn row(i: usize, t: Micros, kind: RowKind, line: Option<String>, text: String) -> OutputRow {
    OutputRow {
        trace_index: i,
        t,
        kind,
        line,
        text,
        window: None,
        key: None,
        value: None,
        event_time: None,
        timing: None,
        pane: None,
        batch: None,
        publish: None,
        upsert_write: None,
        duplicate_of: None,
        refined_by: None,
        verdict: None,
    }
}

fn push_row(jo: &mut JobOutputs, st: &mut JobState, row: OutputRow) -> usize {
    let ix = jo.rows.len();
    if st.spark && row.batch.is_none() {
        st.unbatched.push(ix);
    }
    jo.rows.push(row);
    ix
}

fn result_row(jo: &mut JobOutputs, st: &mut JobState, i: usize, t: Micros, p: &Pane, line: Option<String>) {
    let sign = if p.retraction { "-" } else { "" };
    let text = line.clone().unwrap_or_else(|| format!("{} {}: {sign}{}", window_text(p.window), p.key, p.value));
    let mut row = row(i, t, RowKind::Result, line, text);
    row.window = p.window;
    row.key = Some(p.key.clone());
    row.value = Some(format!("{sign}{}", p.value));
    row.timing = p.timing;
    row.pane = Some(PaneInfo { index: p.index, on_time_index: p.on_time_index, is_first: p.is_first, is_last: p.is_last, retraction: p.retraction });
    row.batch = p.batch;
    row.publish = Some(match p.txn {
        None => Publish::AtEmit,
        Some(txn) => Publish::Pending { txn },
    });
    if st.keys.insert(p.key.clone()) {
        jo.keys = st.keys.iter().cloned().collect();
    }
    jo.counts.emitted += 1;
    let ix = push_row(jo, st, row);
    if st.kafka {
        st.sink_values.entry(crate::stream::job::sink_value(p)).or_insert(ix);
    }
    if st.print {
        let id = (p.window, p.key.clone(), p.value.to_string(), p.index, p.retraction, p.inputs.clone(), p.batch);
        st.identity.insert(ix, format!("{id:?}"));
    }
    match p.txn {
        None => publish(jo, st, ix, Publish::AtEmit, i),
        Some(txn) => {
            jo.counts.pending += 1;
            st.txn_rows.entry(txn).or_default().push(ix);
        }
    }
}

/// A result becomes visible to the sink's readers (in the report's order).
fn publish(jo: &mut JobOutputs, st: &mut JobState, ix: usize, how: Publish, at_index: usize) {
    let Some(row) = jo.rows.get_mut(ix) else { return };
    match row.publish {
        Some(Publish::Pending { .. }) => jo.counts.pending -= 1,
        Some(Publish::Aborted { .. }) => jo.counts.aborted -= 1,
        _ => {}
    }
    row.publish = Some(how);
    jo.counts.published += 1;
    st.publications.push((ix, at_index));
    let (window, key) = (row.window, row.key.clone().unwrap_or_default());
    if st.upsert {
        let n = st.upsert_writes.entry((window, key.clone())).or_insert(0);
        *n += 1;
        row.upsert_write = Some(*n);
    }
    if let Some(id) = st.identity.remove(&ix) {
        match st.published_ids.get(&id) {
            Some(first) => {
                row.duplicate_of = Some(*first);
                jo.counts.duplicates += 1;
            }
            None => {
                st.published_ids.insert(id, ix);
            }
        }
    }
    if let Some(prev) = st.latest.insert(row_key(window, &key), ix) {
        if let Some(p) = jo.rows.get_mut(prev) {
            p.refined_by = Some(ix);
        }
    }
}

/// What the checkers, the oracle and the expectations say about the run at
/// one moment (a whole-trace pass; see [`CheckersMemo`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckersModel {
    /// The trace length and simulated time it was computed at.
    pub trace_len: usize,
    pub at: Micros,
    /// The run had ended: expectations are final (else "so far").
    pub finished: bool,
    /// Checkers with at least one hit, in the order of the metrics list.
    pub groups: Vec<CheckerGroup>,
    /// Other non-zero counts worth a look (leader elections, truncations,
    /// late drops …), like the summary's `checks:` line.
    pub notable: Vec<(String, i64)>,
    pub expectations: Vec<ExpectationResult>,
    pub output_expectations: Vec<OutputExpectationResult>,
    /// Per job (scenario order): the comparison with the ideal answer.
    pub oracles: Vec<Option<JobOracle>>,
}

/// One checker's hits.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckerGroup {
    pub checker: String,
    /// What it counts, in one sentence (from the metrics list).
    pub doc: String,
    /// The metric's value (hits are capped at 100 per checker).
    pub count: i64,
    pub hits: Vec<CheckerHit>,
}

/// One anomaly, with the trace record that reveals it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckerHit {
    pub checker: String,
    pub t: Micros,
    pub trace_index: usize,
    /// Node and partition names as people write them (`b2`, `orders-0`).
    pub message: String,
    /// Other moments the message points at (`ack #53987`), and for a lost
    /// write, when it was acknowledged and when a replica truncated it.
    pub related: Vec<Moment>,
}

impl CheckerHit {
    /// `at 20.519s (#57009)`
    pub fn label(&self) -> String {
        format!("at {} (#{})", short_time(self.t), self.trace_index)
    }
}

/// A moment of the trace a hit refers to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Moment {
    /// `ack`, `poll`, `acknowledged`, `truncated on b1` …
    pub label: String,
    pub t: Micros,
    pub trace_index: usize,
}

/// An `[expect]` entry's verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpectationResult {
    pub pass: bool,
    /// `lost-write > 0 (actual 100)`
    pub text: String,
    /// `file:line`
    pub location: String,
    /// The summary's line: `PASS lost-write > 0 (actual 100)  file:48`
    /// (`so far` instead of PASS/FAIL while the run goes on).
    pub summary_line: String,
}

/// An `[[expect.outputs]]` verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutputExpectationResult {
    pub pass: bool,
    pub job: String,
    /// `job tumbling-3s: 3 lines expected, 3 printed`
    pub text: String,
    pub location: String,
    /// The first line that differs: (1-based line, expected, printed), with
    /// `(nothing)` for a missing line.
    pub difference: Option<(usize, String, String)>,
}

/// A job's results against the ideal answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobOracle {
    /// `12 of 14 results correct, 2 incomplete, 2 missing, 0 extra`
    pub summary: String,
    /// Per (window, key), ordered as the oracle orders them.
    pub rows: Vec<RowVerdict>,
}

/// The oracle's verdict on one (window, key): what a reader of the sink
/// holds for it, against the ideal answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RowVerdict {
    pub window: Option<Window>,
    pub key: String,
    pub correct: bool,
    pub complete: bool,
    /// Ideal inputs missing from the reader's value, and how many of them
    /// the job reported as late.
    pub missing: usize,
    pub missing_late: usize,
    /// Inputs counted twice (a replay).
    pub duplicated: usize,
    /// A row the ideal answer does not have.
    pub extra: bool,
    /// The ideal value (None: the row should not exist).
    pub ideal: Option<String>,
    /// `correct`, `ideal 4; 1 input missing (1 reported late)`, `1 input
    /// counted twice`, `missing: no result (yet)` …
    pub words: String,
}

impl CheckersModel {
    /// The verdict shown on `row` of job `job`: the oracle's verdict on its
    /// window and key, on the latest published result of that window and
    /// key only.
    pub fn verdict(&self, job: usize, row: &OutputRow) -> Option<&RowVerdict> {
        if row.kind != RowKind::Result || row.refined_by.is_some() || !row.publish.is_some_and(|p| p.published()) {
            return None;
        }
        let (w, key) = row_key(row.window, row.key.as_deref()?);
        self.oracles.get(job)?.as_ref()?.rows.iter().find(|v| v.window == w && v.key == key)
    }

    /// Total hits listed.
    pub fn hit_count(&self) -> usize {
        self.groups.iter().map(|g| g.hits.len()).sum()
    }
}

/// Everything: the outputs so far and the checkers' verdicts, from scratch.
pub fn outputs(world: &World) -> OutputsModel {
    let mut fold = OutputsFold::new();
    fold.advance(world, 0);
    let checkers = checkers(world);
    let mut jobs = fold.jobs;
    for (j, jo) in jobs.iter_mut().enumerate() {
        for ix in 0..jo.rows.len() {
            let v = checkers.verdict(j, &jo.rows[ix]).cloned();
            jo.rows[ix].verdict = v;
        }
    }
    OutputsModel { now: world.sim.now(), finished: world.sim.is_finished(), jobs, checkers }
}

/// The checkers' model: runs [`Outcome::of`] (every checker over the whole
/// trace and the final logs, the stream report and oracle, the
/// expectations), then adds the `duplicate-output` hits and the related
/// moments.
pub fn checkers(world: &World) -> CheckersModel {
    let out = Outcome::of(world);
    let records = world.sim.trace().records();
    let finished = world.sim.is_finished();
    let metric = |k: &str| out.checks.metrics.get(k).copied().unwrap_or(0);

    let mut by_checker: BTreeMap<&str, Vec<CheckerHit>> = BTreeMap::new();
    let acks = if out.checks.hits.iter().any(|h| h.checker == "lost-write") { Some(AckIndex::build(world)) } else { None };
    for h in &out.checks.hits {
        let mut related = refs(&h.message, records);
        if let (Some(a), "lost-write") = (&acks, h.checker) {
            related.extend(a.lost_write_moments(world, &h.message));
        }
        by_checker.entry(h.checker).or_default().push(CheckerHit {
            checker: h.checker.to_string(),
            t: h.t,
            trace_index: h.trace_index,
            message: h.message.clone(),
            related,
        });
    }
    let dups = duplicate_output_hits(world, records);
    if !dups.is_empty() {
        by_checker.insert("duplicate-output", dups);
    }
    let groups: Vec<CheckerGroup> = METRICS
        .iter()
        .filter_map(|(name, doc)| {
            let hits = by_checker.remove(name)?;
            Some(CheckerGroup { checker: name.to_string(), doc: doc.to_string(), count: metric(name).max(hits.len() as i64), hits })
        })
        .collect();
    let plain = ["sent", "acked", "failed", "indefinite", "polled", "commits", "faults", "job-results", "checkpoints-completed", "batches"];
    let notable = METRICS
        .iter()
        .filter(|(n, _)| !plain.contains(n) && !groups.iter().any(|g| g.checker == *n) && metric(n) != 0)
        .map(|(n, _)| (n.to_string(), metric(n)))
        .collect();

    let word = |ok: bool| {
        if !finished {
            "so far"
        } else if ok {
            "PASS"
        } else {
            "FAIL"
        }
    };
    let expectations = out
        .verdicts
        .iter()
        .map(|v| {
            let text = format!("{} {} {} (actual {})", v.metric, v.cmp.symbol(), v.expected, v.actual);
            ExpectationResult { pass: v.ok, summary_line: format!("{} {text}  {}", word(v.ok), v.location), text, location: v.location.clone() }
        })
        .collect();
    let output_expectations = out
        .output_verdicts
        .iter()
        .map(|v| OutputExpectationResult {
            pass: v.ok,
            job: v.job.clone(),
            text: format!("job {}: {} lines expected, {} printed", v.job, v.expected, v.actual),
            location: v.location.clone(),
            difference: v.first_difference.as_ref().map(|(i, e, a)| {
                let s = |x: &Option<String>| x.clone().unwrap_or_else(|| "(nothing)".into());
                (i + 1, s(e), s(a))
            }),
        })
        .collect();
    let oracles = out.jobs.iter().map(|run| run.oracle.as_ref().map(job_oracle)).collect();
    CheckersModel { trace_len: records.len(), at: world.sim.now(), finished, groups, notable, expectations, output_expectations, oracles }
}

fn job_oracle(o: &crate::stream::oracle::OracleReport) -> JobOracle {
    let t = &o.totals;
    let summary =
        format!("{} of {} results correct, {} incomplete, {} missing, {} extra", t.correct, t.ideal_rows, t.incomplete_rows, t.missing_rows, t.extra_rows);
    let rows = o
        .rows
        .iter()
        .map(|r| {
            let mut parts = Vec::new();
            let ideal = r.ideal.as_ref().map_or("-".to_string(), |v| v.to_string());
            if r.extra {
                parts.push("extra: the ideal answer has no such row".to_string());
            } else if r.actual.is_none() {
                parts.push("missing: no result (yet)".to_string());
            } else if !r.correct {
                parts.push(format!("ideal {ideal}"));
            }
            if !r.missing.is_empty() && r.actual.is_some() {
                let late = if r.missing_late.is_empty() { String::new() } else { format!(" ({} reported late)", r.missing_late.len()) };
                parts.push(format!("{} input{} missing{late}", r.missing.len(), plural(r.missing.len())));
            }
            if !r.duplicated.is_empty() {
                parts.push(format!("{} input{} counted twice", r.duplicated.len(), plural(r.duplicated.len())));
            }
            let words = if parts.is_empty() { "correct".to_string() } else { parts.join("; ") };
            RowVerdict {
                window: r.window.filter(|w| !w.is_global()),
                key: r.key.clone(),
                correct: r.correct,
                complete: r.complete,
                missing: r.missing.len(),
                missing_late: r.missing_late.len(),
                duplicated: r.duplicated.len(),
                extra: r.extra,
                ideal: r.ideal.as_ref().map(|v| v.to_string()),
                words,
            }
        })
        .collect();
    JobOracle { summary, rows }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The `#N` trace references in a checker message (`(ack #53987)`,
/// `(poll at #14677)`), labelled by the word before them.
fn refs(message: &str, records: &[TraceRecord<Event>]) -> Vec<Moment> {
    let mut out = Vec::new();
    let bytes = message.as_bytes();
    let mut i = 0;
    while let Some(off) = message[i..].find('#') {
        let at = i + off;
        let digits = bytes[at + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        i = at + 1 + digits;
        let Ok(index) = message[at + 1..at + 1 + digits].parse::<usize>() else { continue };
        let Some(r) = records.get(index) else { continue };
        // The words between the opening parenthesis and the `#`: `ack`,
        // `poll at` (→ `poll`), or nothing (→ `record`).
        let head = &message[..at];
        let inside = head.rfind('(').filter(|p| head.rfind(')').is_none_or(|q| q < *p)).map_or(head, |p| &head[p + 1..]);
        let label = inside.split_whitespace().rfind(|w| *w != "at").unwrap_or("record");
        out.push(Moment { label: label.to_string(), t: r.t, trace_index: index });
    }
    out
}

/// Acknowledged sends by value, to point a lost write at the moment it was
/// acknowledged and the moment a replica truncated it away.
struct AckIndex {
    /// `Debug` of the value → (producer node, partition, offset, SendOk index).
    acks: BTreeMap<String, (u32, u32, u64, usize)>,
    /// Every truncation: (trace index, topic, partition, to, from LEO).
    truncations: Vec<(usize, u16, u32, u64, u64)>,
}

impl AckIndex {
    fn build(world: &World) -> Self {
        let mut values: BTreeMap<(u32, u64), &str> = BTreeMap::new();
        let mut acks = BTreeMap::new();
        let mut truncations = Vec::new();
        for (i, r) in world.sim.trace().records().iter().enumerate() {
            match &r.ev {
                TraceEvent::Domain(Event::Kafka(KEvent::Send { id, value, .. })) => {
                    values.insert((r.node, *id), value);
                }
                TraceEvent::Domain(Event::Kafka(KEvent::SendOk { id, partition, offset })) if *offset >= 0 => {
                    if let Some(v) = values.get(&(r.node, *id)) {
                        acks.entry(format!("{v:?}")).or_insert((r.node, *partition, *offset as u64, i));
                    }
                }
                TraceEvent::Domain(Event::Kafka(KEvent::Truncated { tp, to, from_leo, .. })) => truncations.push((i, tp.0, tp.1, *to, *from_leo)),
                _ => {}
            }
        }
        AckIndex { acks, truncations }
    }

    /// The first quoted value of the message (the lost send's), its
    /// acknowledgement and the first later truncation that dropped its offset.
    fn lost_write_moments(&self, world: &World, message: &str) -> Vec<Moment> {
        let Some(value) = first_quoted(message) else { return Vec::new() };
        let Some(&(node, partition, offset, ack)) = self.acks.get(value) else { return Vec::new() };
        let records = world.sim.trace().records();
        let mut out = vec![Moment { label: "acknowledged".into(), t: records[ack].t, trace_index: ack }];
        let topic = world
            .scenario
            .producers
            .iter()
            .find(|p| p.name == world.sim.node_name(node))
            .and_then(|p| world.scenario.topics.iter().position(|t| t.name == p.topic));
        if let Some(topic) = topic {
            let hit =
                self.truncations.iter().find(|&&(i, t, p, to, from)| i > ack && usize::from(t) == topic && p == partition && to <= offset && offset < from);
            if let Some(&(i, ..)) = hit {
                out.push(Moment { label: format!("truncated on {}", world.sim.node_name(records[i].node)), t: records[i].t, trace_index: i });
            }
        }
        out
    }
}

/// `"p1-2000"` (with its quotes, as `{:?}` prints it) from `… ("p1-2000") …`.
fn first_quoted(message: &str) -> Option<&str> {
    let start = message.find('"')?;
    let mut escaped = false;
    for (k, c) in message[start + 1..].char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(&message[start..start + 1 + k + 1]),
            _ => escaped = false,
        }
    }
    None
}

/// `duplicate-output` hits (the report only counts them): see the module
/// doc for the rule per sink.
fn duplicate_output_hits(world: &World, records: &[TraceRecord<Event>]) -> Vec<CheckerHit> {
    let mut hits = Vec::new();
    let mut fold = OutputsFold::new();
    fold.advance(world, 0);
    for (j, spec) in world.scenario.jobs.iter().enumerate() {
        match &spec.sink {
            SinkSpec::Print => {
                let (Some(jo), Some(st)) = (fold.jobs.get(j), fold.state.get(j)) else { continue };
                for &(ix, at) in &st.publications {
                    let row = &jo.rows[ix];
                    let Some(first) = row.duplicate_of else { continue };
                    let f = &jo.rows[first];
                    hits.push(CheckerHit {
                        checker: "duplicate-output".into(),
                        t: records.get(at).map_or(row.t, |r| r.t),
                        trace_index: at,
                        message: format!("{} published {} again (first published at {}, #{})", jo.name, row.text, fmt_time(f.t), f.trace_index),
                        related: vec![Moment { label: "first".into(), t: f.t, trace_index: f.trace_index }],
                    });
                }
            }
            SinkSpec::Kafka { topic, .. } => {
                let (Some(jo), Some(st)) = (fold.jobs.get(j), fold.state.get(j)) else { continue };
                hits.extend(kafka_duplicate_hits(world, records, *topic as u16, jo, &st.sink_values));
            }
            SinkSpec::Upsert => {}
        }
    }
    hits.sort_by_key(|h| h.trace_index);
    if hits.len() > MAX_HITS_PER_CHECKER {
        let n = hits.len() - MAX_HITS_PER_CHECKER;
        hits.truncate(MAX_HITS_PER_CHECKER);
        let last = records.len().saturating_sub(1);
        hits.push(CheckerHit {
            checker: "duplicate-output".into(),
            t: records.last().map_or(0, |r| r.t),
            trace_index: last,
            message: format!("{n} more duplicate-output hits not listed"),
            related: Vec::new(),
        });
    }
    hits
}

/// Values of the sink topic its readers polled at more than one offset
/// (`stream::check::kafka_duplicates`): the last value polled at each
/// offset counts; each offset beyond a value's first is a hit at the
/// first poll that showed it there.
fn kafka_duplicate_hits(world: &World, records: &[TraceRecord<Event>], topic: u16, jo: &JobOutputs, values: &BTreeMap<String, usize>) -> Vec<CheckerHit> {
    let mut at: BTreeMap<(u32, u64), (&str, usize)> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        if let TraceEvent::Domain(Event::Kafka(KEvent::Polled { tp, records: polled })) = &r.ev {
            if tp.0 == topic {
                for (off, v) in polled {
                    let e = at.entry((tp.1, *off)).or_insert((v.as_str(), i));
                    if e.0 != v.as_str() {
                        *e = (v.as_str(), i);
                    }
                }
            }
        }
    }
    let mut by_value: BTreeMap<&str, Vec<(usize, u32, u64)>> = BTreeMap::new();
    for (&(p, off), &(v, i)) in &at {
        by_value.entry(v).or_default().push((i, p, off));
    }
    let mut hits = Vec::new();
    for (v, mut seen) in by_value {
        seen.sort_unstable();
        let Some(&(first_i, first_p, first_off)) = seen.first() else { continue };
        let first_tp = world.tp_name(crate::kafka::types::Tp(topic, first_p));
        for &(i, p, off) in &seen[1..] {
            hits.push(CheckerHit {
                checker: "duplicate-output".into(),
                t: records[i].t,
                trace_index: i,
                message: format!(
                    "readers of {} read {}'s result {} again at offset {off} (first read at offset {first_off} of {first_tp}, poll #{first_i})",
                    world.tp_name(crate::kafka::types::Tp(topic, p)),
                    jo.name,
                    values.get(v).and_then(|r| jo.rows.get(*r)).map_or_else(|| format!("{v:?}"), |r| r.text.clone()),
                ),
                related: vec![Moment { label: "first poll".into(), t: records[first_i].t, trace_index: first_i }],
            });
        }
    }
    hits
}

/// [`checkers`] computed at most once per (run, trace length).
#[derive(Clone, Debug, Default)]
pub struct CheckersMemo {
    key: Option<(u64, usize)>,
    model: Option<CheckersModel>,
}

impl CheckersMemo {
    pub fn new() -> Self {
        CheckersMemo::default()
    }
    /// Whether the memo already holds the model of this run at this length.
    pub fn is_current(&self, world: &World, run: u64) -> bool {
        self.key == Some((run, world.sim.trace().len()))
    }
    /// The model for this run at its current length, computing it if needed.
    pub fn get(&mut self, world: &World, run: u64) -> &CheckersModel {
        let key = (run, world.sim.trace().len());
        if self.key != Some(key) || self.model.is_none() {
            self.model = Some(checkers(world));
            self.key = Some(key);
        }
        self.model.get_or_insert_with(|| checkers(world))
    }
    /// The last computed model, if it belongs to `run` (possibly older).
    pub fn latest(&self, run: u64) -> Option<&CheckersModel> {
        self.model.as_ref().filter(|_| self.key.is_some_and(|k| k.0 == run))
    }
}

//! The vocabulary every stream engine shares: records with event time,
//! windows, aggregates, panes (window results) and what an engine reports.
//!
//! Event time is `i64` milliseconds, as in Flink (`long` timestamps) and Beam
//! (`Instant` millis); it may be negative (Flink's sliding windows start
//! before 0). Processing time is the simulator's clock, [`Micros`] since the
//! start of the run. Engines are pure state machines: the job node (or a unit
//! test) hands them records and watermark moves at processing times, and asks
//! when they next want to be woken (a processing-time timer, a trigger
//! interval, a periodic watermark emission).

use crate::time::Micros;
use serde::Serialize;
use std::fmt;

/// Event time in milliseconds.
pub type EventTime = i64;

/// Flink's `Long.MIN_VALUE` watermark: nothing seen yet.
pub const MIN_WATERMARK: EventTime = i64::MIN;
/// Flink's `Watermark.MAX_WATERMARK` / Beam's end of global window: end of
/// input, every window fires.
pub const MAX_WATERMARK: EventTime = i64::MAX;

/// A record's value. Numbers stay integers while every input is an integer
/// (Beam's `Sum.integersPerKey` prints `14`, not `14.0`).
#[derive(Clone, Debug, PartialEq, PartialOrd, Serialize)]
#[serde(untagged)]
pub enum Datum {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Datum {
    /// The numeric value (text counts as 0; engines that need text use
    /// [`Aggregate::Concat`]).
    pub fn as_f64(&self) -> f64 {
        match self {
            Datum::Int(i) => *i as f64,
            Datum::Float(f) => *f,
            Datum::Text(s) => s.parse().unwrap_or(0.0),
        }
    }
}

impl fmt::Display for Datum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Datum::Int(i) => write!(f, "{i}"),
            Datum::Float(x) => {
                if x.fract() == 0.0 && x.abs() < 1e15 {
                    write!(f, "{}", *x as i64)
                } else {
                    write!(f, "{:.3}", x)
                }
            }
            Datum::Text(s) => f.write_str(s),
        }
    }
}

/// One input record as an engine sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Elem {
    /// Identity of the *input* record this came from (index in the scripted
    /// input, or a Kafka (partition, offset) packed by the job node). A
    /// `flatMap` keeps the id of its input. The oracle and the exactly-once
    /// checker count outputs by these ids.
    pub id: u64,
    pub key: String,
    pub value: Datum,
    /// Event time (ms).
    pub ts: EventTime,
    /// Processing time at which the record reached the job.
    pub arrival: Micros,
}

/// A half-open event-time window `[start, end)`. The global window is
/// `[MIN_WATERMARK, MAX_WATERMARK)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Window {
    pub start: EventTime,
    pub end: EventTime,
}

impl Window {
    pub const GLOBAL: Window = Window { start: MIN_WATERMARK, end: MAX_WATERMARK };

    pub fn new(start: EventTime, end: EventTime) -> Self {
        Window { start, end }
    }
    /// `end - 1`: Flink's `TimeWindow.maxTimestamp()`, Beam's
    /// `IntervalWindow.maxTimestamp()` (the result timestamp, B-9 / F-13).
    pub fn max_timestamp(&self) -> EventTime {
        if self.is_global() {
            MAX_WATERMARK
        } else {
            self.end - 1
        }
    }
    pub fn is_global(&self) -> bool {
        *self == Window::GLOBAL
    }
    pub fn contains(&self, ts: EventTime) -> bool {
        self.start <= ts && ts < self.end
    }
}

/// Where in event time (the windowing of a job), engine-neutral. Each
/// engine assigns windows with its own rule (Flink F-8/F-9/F-10, Beam B-7,
/// Spark S-1/S-12, Kafka Streams K-1/K-5).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum WindowSpec {
    Global,
    Tumbling { size: EventTime, offset: EventTime },
    Sliding { size: EventTime, slide: EventTime, offset: EventTime },
    Session { gap: EventTime },
}

/// What is computed per window and key.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    Count,
    Sum,
    Min,
    Max,
    Avg,
    /// Nearest-rank percentile, `p` in (0, 100].
    Percentile(f64),
    /// Kafka Streams' test aggregator: `"" + "+v1" + "+v2"` in arrival order.
    Concat,
}

impl Aggregate {
    /// Applies the aggregate to the values of a window, in the order given
    /// (arrival order for [`Aggregate::Concat`]). An empty input gives
    /// `Int(0)` for count and sum (Beam's empty ON_TIME pane prints
    /// `TeamX:0`, B-8), and `Text("")` for concat.
    pub fn apply<'a>(&self, values: impl IntoIterator<Item = &'a Datum>) -> Datum {
        let vals: Vec<&Datum> = values.into_iter().collect();
        let all_int = vals.iter().all(|v| matches!(v, Datum::Int(_)));
        match self {
            Aggregate::Count => Datum::Int(vals.len() as i64),
            Aggregate::Sum => {
                if all_int {
                    Datum::Int(vals.iter().map(|v| if let Datum::Int(i) = v { *i } else { 0 }).sum())
                } else {
                    Datum::Float(vals.iter().map(|v| v.as_f64()).sum())
                }
            }
            Aggregate::Min | Aggregate::Max => {
                let pick = |a: f64, b: f64| if matches!(self, Aggregate::Min) { a.min(b) } else { a.max(b) };
                match vals.iter().map(|v| v.as_f64()).reduce(pick) {
                    None => Datum::Int(0),
                    Some(x) if all_int => Datum::Int(x as i64),
                    Some(x) => Datum::Float(x),
                }
            }
            Aggregate::Avg => {
                if vals.is_empty() {
                    Datum::Int(0)
                } else {
                    Datum::Float(vals.iter().map(|v| v.as_f64()).sum::<f64>() / vals.len() as f64)
                }
            }
            Aggregate::Percentile(p) => {
                let mut xs: Vec<f64> = vals.iter().map(|v| v.as_f64()).collect();
                if xs.is_empty() {
                    return Datum::Int(0);
                }
                xs.sort_by(|a, b| a.total_cmp(b));
                let rank = ((p / 100.0) * xs.len() as f64).ceil().max(1.0) as usize;
                let x = xs[rank.min(xs.len()) - 1];
                if all_int {
                    Datum::Int(x as i64)
                } else {
                    Datum::Float(x)
                }
            }
            Aggregate::Concat => Datum::Text(vals.iter().map(|v| format!("+{v}")).collect()),
        }
    }
}

/// Beam's `PaneInfo.Timing` (B-4); Flink and Kafka Streams results are
/// labelled `OnTime` for the firing caused by the watermark / window close
/// and `Late` for firings after it; Spark rows carry no timing (`None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Timing {
    Early,
    OnTime,
    Late,
}

impl fmt::Display for Timing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Timing::Early => "EARLY",
            Timing::OnTime => "ON_TIME",
            Timing::Late => "LATE",
        })
    }
}

/// One result an engine emitted: a pane of a window for a key (Beam/Flink),
/// a result-table row of a micro-batch (Spark), or an update record of a
/// windowed KTable (Kafka Streams).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pane {
    /// None for un-windowed results (Spark `groupBy(value).count()`).
    pub window: Option<Window>,
    pub key: String,
    pub value: Datum,
    /// A retraction of an earlier pane's value (accumulating & retracting).
    pub retraction: bool,
    pub timing: Option<Timing>,
    /// Beam `PaneInfo.index` (0-based per window and key).
    pub index: u32,
    /// Beam `PaneInfo.nonSpeculativeIndex` (ON_TIME and LATE panes only).
    pub on_time_index: Option<u32>,
    pub is_first: bool,
    pub is_last: bool,
    /// The result's event-time timestamp (window end − 1 in Beam and Flink).
    pub out_ts: EventTime,
    /// Processing time at which the result left the operator.
    pub emit: Micros,
    /// Spark: the micro-batch that produced the row.
    pub batch: Option<u64>,
    /// Ids of the input records the value includes (for the oracle,
    /// completeness and end-to-end latency).
    pub inputs: Vec<u64>,
    /// The sink transaction the result was written in (two-phase-commit
    /// sinks); None when the sink publishes immediately.
    pub txn: Option<u64>,
}

impl Pane {
    /// A plain result (no pane metadata).
    pub fn plain(window: Option<Window>, key: String, value: Datum, out_ts: EventTime, emit: Micros) -> Self {
        Pane {
            window,
            key,
            value,
            retraction: false,
            timing: None,
            index: 0,
            on_time_index: None,
            is_first: false,
            is_last: false,
            out_ts,
            emit,
            batch: None,
            inputs: Vec::new(),
            txn: None,
        }
    }
}

/// Why a record did not make it into (some of) its windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LateFate {
    /// Dropped and counted (Flink `numLateRecordsDropped`, Spark late-row
    /// filter, Kafka Streams `dropped-records`, Beam expired window).
    Dropped,
    /// Sent to the late side output (Flink `sideOutputLateData`).
    SideOutput,
}

/// A micro-batch (Spark) as the offset and commit logs record it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BatchInfo {
    pub id: u64,
    /// Processing time the batch started (its trigger time).
    pub start: Micros,
    /// Processing time the batch finished (results are emitted then).
    pub end: Micros,
    /// `batchWatermarkMs`: the watermark used for eviction in this batch.
    pub watermark: EventTime,
    /// The watermark used to filter late rows (Spark ≥ 3.4: the previous
    /// batch's; ≤ 3.3: the same as `watermark`).
    pub late_watermark: EventTime,
    pub rows_in: u64,
    pub rows_out: u64,
    /// A no-data batch run only to advance the watermark (S-10).
    pub no_data: bool,
    /// Re-run after a restart with the same offsets and watermark (S-13).
    pub rerun: bool,
}

/// What an engine reports while it runs. The job node turns each into a
/// trace event; the report and the views read them from the trace.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Out {
    /// A result left the job's last operator.
    Pane(Pane),
    /// A record was late for `window` (None: for all its windows).
    Late { elem: Elem, window: Option<Window>, fate: LateFate },
    /// An operator's event-time clock (its output watermark) advanced.
    Watermark { op: String, wm: EventTime },
    /// An input channel of an operator became idle (true) or active again.
    Idle { op: String, channel: u32, idle: bool },
    /// A micro-batch ran.
    Batch(BatchInfo),
    /// A checkpoint moved (Flink, C-1..C-6). `positions` are the source
    /// positions `(channel, next position)` the checkpoint records (Kafka:
    /// the next offset).
    Checkpoint { id: u64, phase: CheckpointPhase, positions: Vec<(u32, u64)> },
    /// A sink transaction moved (two-phase commit, C-7).
    Txn { id: u64, phase: TxnPhase },
    /// A task failed; the job restarts from `restored_from` (None: from
    /// scratch, no checkpoint completed yet).
    Failure { task: String, restored_from: Option<u64> },
}

/// Checkpoint lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckpointPhase {
    /// The coordinator injected barriers at the sources.
    Triggered,
    /// Every task acknowledged: the checkpoint is complete.
    Completed,
    /// Abandoned (a failure before it completed).
    Aborted,
    /// The job restarted from it.
    Restored,
}

/// Sink transaction lifecycle (`TwoPhaseCommitSinkFunction`, C-7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnPhase {
    Begun,
    PreCommitted,
    Committed,
    Aborted,
}

/// A stream engine as the job node drives it. Every call gets the current
/// processing time; outputs are appended to `out` in emission order. All
/// engines are deterministic: same calls, same outputs.
pub trait Engine {
    /// A record reaches the job on source channel `channel` (a Kafka
    /// partition, or a scripted input) at processing time `pt`.
    fn on_record(&mut self, pt: Micros, channel: u32, e: Elem, out: &mut Vec<Out>);
    /// A scripted watermark move on a source channel (a "perfect" or
    /// "heuristic" watermark of the Beam examples, or the explicit
    /// `processWatermark` of Flink's operator tests).
    fn on_watermark(&mut self, pt: Micros, channel: u32, wm: EventTime, out: &mut Vec<Out>);
    /// The bounded input ended (Flink `MAX_WATERMARK`, Beam wm → +∞).
    fn on_end_of_input(&mut self, pt: Micros, out: &mut Vec<Out>);
    /// The earliest processing time at which the engine wants
    /// [`Engine::on_wakeup`] (a processing-time trigger, the next
    /// micro-batch, a periodic watermark emission), if any.
    fn next_wakeup(&self) -> Option<Micros>;
    fn on_wakeup(&mut self, pt: Micros, out: &mut Vec<Out>);
}

/// A keyed event-time operator hosted by a Flink task (the window
/// operator, a rolling feature, an anomaly detector). The task's runtime
/// (`flink::runtime`) owns channels, watermark propagation and checkpoints;
/// the operator owns its keyed state and timers. `Clone` is its snapshot:
/// a checkpoint stores a clone, recovery restores it.
pub trait Operator: Clone + fmt::Debug {
    /// An element reaches the operator (the task's event time is whatever
    /// the last [`Operator::on_watermark`] said; initially `MIN_WATERMARK`).
    fn on_element(&mut self, pt: Micros, e: Elem, out: &mut Vec<Out>);
    /// The task's combined input watermark advanced to `wm` (strictly
    /// greater than before): fire every event-time timer `<= wm`, in
    /// timestamp order, and append the results. The runtime forwards the
    /// watermark downstream after these results (F-12).
    fn on_watermark(&mut self, pt: Micros, wm: EventTime, out: &mut Vec<Out>);
    /// Processing-time timers (none by default).
    fn next_wakeup(&self) -> Option<Micros> {
        None
    }
    fn on_wakeup(&mut self, _pt: Micros, _out: &mut Vec<Out>) {}
}

/// What every engine is told about the job it runs, whatever the engine:
/// the logical query (window and aggregate) and the shape of its input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobShape {
    pub name: String,
    pub window: WindowSpec,
    pub aggregate: Aggregate,
    /// Source channels per source, in order: a scripted input is one
    /// channel, a Kafka topic one channel per partition. Channel numbers
    /// passed to the engine count across sources (source 0's channels
    /// first). Spark keeps one watermark per source, Flink one per channel.
    pub sources: Vec<u32>,
    /// Parallelism of the keyed operator (Flink; 1 elsewhere).
    pub parallelism: u32,
}

impl JobShape {
    /// Total number of source channels.
    pub fn channels(&self) -> u32 {
        self.sources.iter().sum()
    }
    /// The source a channel belongs to.
    pub fn source_of(&self, channel: u32) -> usize {
        let mut c = channel;
        for (i, n) in self.sources.iter().enumerate() {
            if c < *n {
                return i;
            }
            c -= n;
        }
        self.sources.len().saturating_sub(1)
    }
}

/// An engine rejected its configuration: `field` is the path inside the
/// engine's table (`"trigger.early"`), turned into a located scenario error
/// by the resolver.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecError {
    pub field: String,
    pub message: String,
}

impl SpecError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError { field: field.into(), message: message.into() }
    }
}

/// Formats event time as `HH:MM:SS` (or `HH:MM:SS.mmm`) of its day, the way
/// the book and the Spark guide print times.
pub fn clock(ts: EventTime) -> String {
    if ts == MAX_WATERMARK {
        return "+inf".into();
    }
    if ts == MIN_WATERMARK {
        return "-inf".into();
    }
    let day = 86_400_000;
    let ms = ts.rem_euclid(day);
    let (h, m, s, frac) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    if frac == 0 {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}.{frac:03}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregates() {
        let v = [Datum::Int(5), Datum::Int(9), Datum::Int(3)];
        assert_eq!(Aggregate::Sum.apply(&v), Datum::Int(17));
        assert_eq!(Aggregate::Count.apply(&v), Datum::Int(3));
        assert_eq!(Aggregate::Max.apply(&v), Datum::Int(9));
        assert_eq!(Aggregate::Percentile(50.0).apply(&v), Datum::Int(5));
        assert_eq!(Aggregate::Sum.apply(&[]), Datum::Int(0));
        assert_eq!(Aggregate::Concat.apply(&[Datum::Int(100), Datum::Int(105)]), Datum::Text("+100+105".into()));
        assert_eq!(Aggregate::Avg.apply(&v).to_string(), "5.667");
    }

    #[test]
    fn clock_format() {
        assert_eq!(clock(12 * 3_600_000 + 119_000), "12:01:59");
        assert_eq!(clock(1999), "00:00:01.999");
        assert_eq!(Window::new(0, 2000).max_timestamp(), 1999);
    }
}

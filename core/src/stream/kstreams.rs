//! Kafka Streams windowed aggregation (`groupByKey().windowedBy(…)
//! .aggregate(…)`), following rules K-1..K-5 of
//! `../shared/reference/streaming-semantics.md` and the upstream classes
//! `TimeWindows`, `KStreamWindowAggregate`, `KStreamSessionWindowAggregate`,
//! `AbstractKStreamTimeWindowAggregateProcessor`, `KTableSuppressProcessor`
//! and `PartitionGroup` (record lateness).
//!
//! What the engine does:
//! * One stream task per source channel (a Kafka partition is a task
//!   `0_p`; a scripted input is one task). Each task has its own **stream
//!   time** = the max record timestamp it has seen, and its own store.
//! * Time windows are epoch-aligned, none before the epoch (K-1). A record
//!   updates each of its windows whose end is after `streamTime − grace`,
//!   and is skipped for the others (K-2): one [`Out::Late`] (fate
//!   `Dropped`, the window) and one `dropped-records` count per skipped
//!   window. Grace defaults follow KIP-633 (K-3, [`Grace`]).
//! * `onWindowUpdate` (eager): every update is forwarded as a pane with
//!   the record timestamp `max(ts of the window's records)`, timing None
//!   (Kafka has no pane timing), `index` = the n-th update of that window
//!   and key. With the record cache on (the default!), only the latest
//!   update per window and key leaves at each commit.
//! * `onWindowClose` (K-4): each window once, when `windowEnd ≤
//!   streamTime − grace`, timing ON_TIME, `isLast`; `suppress(
//!   untilWindowCloses)` gives the same windows from a buffer after the
//!   eager aggregation.
//! * Sessions (K-5): inclusive `[first, last]`, merge within `gap` on both
//!   sides, close = `streamTime − grace − gap`; a merge forwards a
//!   tombstone (a retraction pane) for each absorbed session. Panes show a
//!   session as the generic `[first, last + gap)` (comparable with the
//!   other engines and the oracle); `out_ts` is Kafka's session end `last`.
//!
//! Deliberately left out: Kafka Streams has **no watermarks** — scripted
//! watermark moves are ignored, and the end of the input closes nothing
//! (final results of still-open windows never appear without newer
//! records; the record cache is flushed, as on close). Stream time is
//! reported as an [`Out::Watermark`] named `stream-time 0_<p>`. Not
//! modelled: `SlidingWindows` (KIP-450; the job's `sliding` window is a
//! hopping `TimeWindows`), cache eviction by size, sampled metric windows,
//! co-partitioned multi-topic tasks (each channel is its own task).

mod metrics;
mod session_store;
mod spec;
mod table_store;
mod task;
mod time_store;
mod time_windows;
mod update;

#[cfg(test)]
mod tests;

pub use metrics::{KStreamsMetrics, Skip, TaskMetrics};
pub use spec::{EmitStrategyKind, Grace, KStreamsSpec, SuppressKind, DEPRECATED_DEFAULT_24_HR_GRACE_PERIOD};
pub use time_windows::windows_for;

use crate::stream::types::{Datum, Elem, Engine, EventTime, JobShape, Out, SpecError};
use crate::time::Micros;
use spec::Config;
use task::Task;

/// A Kafka Streams windowed aggregation (see the module doc).
#[derive(Clone, Debug)]
pub struct KStreamsEngine {
    cfg: Config,
    tasks: Vec<Task>,
    /// The next commit (µs); commits flush the record cache.
    next_commit: Micros,
}

impl KStreamsEngine {
    /// Builds the engine for a job, validating the table as the Kafka
    /// Streams DSL would (window size and advance, session gap, offsets,
    /// emit strategy on an un-windowed aggregation).
    pub fn new(shape: &JobShape, spec: &KStreamsSpec) -> Result<Self, SpecError> {
        let cfg = spec::resolve(shape, spec)?;
        let tasks = (0..shape.channels().max(1)).map(|c| Task::new(&cfg, c)).collect();
        let next_commit = cfg.commit_interval;
        Ok(KStreamsEngine { cfg, tasks, next_commit })
    }

    /// The grace period in use (ms), after the K-3 defaults.
    pub fn grace_ms(&self) -> EventTime {
        self.cfg.grace
    }

    /// The task metrics the Kafka tests assert (dropped records, record
    /// lateness max/avg, final emits), per task and for the whole job.
    pub fn metrics(&self) -> KStreamsMetrics {
        KStreamsMetrics::from_tasks(self.tasks.iter().map(|t| t.metrics.clone()).collect())
    }

    /// Every "Skipping record for expired window" log line so far, by task
    /// then time.
    pub fn skipped(&self) -> Vec<&Skip> {
        self.tasks.iter().flat_map(|t| t.skips.iter()).collect()
    }

    /// Makes sure task `channel` exists (channels beyond the job shape get
    /// their own task too).
    fn ensure_task(&mut self, channel: u32) {
        while self.tasks.len() <= channel as usize {
            let c = self.tasks.len() as u32;
            self.tasks.push(Task::new(&self.cfg, c));
        }
    }

    /// A commit at `pt`: flush every task's cache (in task order) and
    /// schedule the next one at the next multiple of the interval.
    fn commit(&mut self, pt: Micros, out: &mut Vec<Out>) {
        for t in &mut self.tasks {
            t.flush(&self.cfg, pt, out);
        }
        let iv = self.cfg.commit_interval;
        if let Some(n) = pt.checked_div(iv) {
            self.next_commit = n.saturating_add(1).saturating_mul(iv);
        }
    }
}

impl Engine for KStreamsEngine {
    fn on_record(&mut self, pt: Micros, channel: u32, e: Elem, out: &mut Vec<Out>) {
        if self.cfg.cache && self.cfg.commit_interval > 0 && pt >= self.next_commit {
            self.commit(pt, out);
        }
        self.ensure_task(channel);
        self.tasks[channel as usize].on_record(&self.cfg, pt, e, out);
    }

    /// Kafka Streams has no watermarks: ignored.
    fn on_watermark(&mut self, _pt: Micros, _channel: u32, _wm: EventTime, _out: &mut Vec<Out>) {}

    /// The application closes: a last commit flushes the record cache.
    /// Open windows are not emitted (no stream-time advance).
    fn on_end_of_input(&mut self, pt: Micros, out: &mut Vec<Out>) {
        if self.cfg.cache {
            self.commit(pt, out);
        }
    }

    fn next_wakeup(&self) -> Option<Micros> {
        if self.cfg.cache && self.cfg.commit_interval > 0 && self.tasks.iter().any(|t| t.has_cached()) {
            Some(self.next_commit)
        } else {
            None
        }
    }

    fn on_wakeup(&mut self, pt: Micros, out: &mut Vec<Out>) {
        if self.cfg.cache && self.cfg.commit_interval > 0 && pt >= self.next_commit {
            self.commit(pt, out);
        }
    }
}

/// One output line as the Kafka test's output topic shows it
/// (`Windowed.toString()`, value, record timestamp):
/// `[k@5/15] "+5+6" ts 6`; a tombstone prints `null`; an un-windowed row
/// `[k] 5 ts 6`. A skipped record: `dropped k ts 0 window [0,10)` (the
/// expiration and stream time of Kafka's log line are in
/// [`KStreamsEngine::skipped`]; an [`Out`] does not carry them). Session
/// windows print as `[first, last + gap)`. Other outputs: None.
pub fn format_out(out: &Out) -> Option<String> {
    match out {
        Out::Pane(p) => {
            let head = match p.window {
                Some(w) if !w.is_global() => format!("[{}@{}/{}]", p.key, w.start, w.end),
                _ => format!("[{}]", p.key),
            };
            let value = if p.retraction { "null".to_string() } else { show(&p.value) };
            Some(format!("{head} {value} ts {}", p.out_ts))
        }
        Out::Late { elem, window: Some(w), .. } => Some(format!("dropped {} ts {} window [{},{})", elem.key, elem.ts, w.start, w.end)),
        Out::Late { elem, window: None, .. } => Some(format!("dropped {} ts {} negative timestamp", elem.key, elem.ts)),
        _ => None,
    }
}

fn show(d: &Datum) -> String {
    match d {
        Datum::Text(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

//! Spark Structured Streaming, micro-batch execution (rules S-1..S-14 of
//! `streaming-semantics.md`, section 1D): one streaming aggregation
//! (`[withWatermark] → groupBy([window|session_window], key).agg`) over one
//! or more sources, driven by a trigger, with Spark's checkpoint and
//! recovery protocol.
//!
//! How a run goes (`MicroBatchExecution`):
//! * **Source.** Records handed to [`Engine::on_record`] become available
//!   in a durable per-channel log ([`source`]); a batch is a range of
//!   offsets in it. Scripted watermark moves ([`Engine::on_watermark`]) are
//!   ignored: Spark derives its watermark from the data (S-2).
//! * **Trigger** (S-11). `processingTime(i)`: at trigger time `t` the next
//!   trigger is `t / i · i + i` (epoch-aligned); a batch that overruns makes
//!   the next one start as soon as it ends, and missed boundaries are not
//!   caught up; no new data ⇒ no batch, unless a no-data batch is due
//!   (S-10). Interval 0 (the default trigger) re-checks every
//!   `spark.sql.streaming.pollingDelay` while idle. `availableNow` runs the
//!   data available at start (rate-limited batches, then no-data batches
//!   while the watermark asks for them) and stops; `once` runs one batch.
//!   The query starts at `streamlab.query.start`, by default at 0 for
//!   `processingTime` and at the end of the input for the other two.
//! * **Batch N** (costs `streamlab.batch.duration` + `streamlab.batch.perRow`
//!   per row of simulated time): `offsets/N` is written at its trigger with
//!   `batchWatermarkMs` = W(N) (S-4, S-13); at its end the stateful
//!   operator runs ([`stateful`]), the sink receives the rows (they are
//!   emitted then, `Pane.emit` = batch end), the watermark tracker folds the
//!   batch's event times in ([`watermark`], the new value is W(N+1)) and,
//!   `streamlab.commit.duration` later, `commits/N` is written and the
//!   batch reported as [`Out::Batch`].
//! * **Watermark reports**: at a batch's commit, each change is an
//!   [`Out::Watermark`] — op `EventTimeWatermark[i]` for source `i`'s
//!   operator, op `global` for the query's watermark (the value the next
//!   batch uses).
//! * **Late rows and eviction** (S-5..S-7): late rows are reported as
//!   [`Out::Late`] (`Dropped`, with the window they were too late for);
//!   the late-row filter uses W(N) up to Spark 3.3 and W(N−1) from 3.4.
//! * **Crash and restart** (S-13): [`SparkEngine::crash`] loses the
//!   in-flight batch and everything in memory; the source log, offset and
//!   commit logs, the committed state store version and the sink survive.
//!   [`SparkEngine::restart`] re-runs the latest batch of the offset log
//!   with the same offsets and watermark if it has no commit
//!   (`BatchInfo.rerun`), else continues with N+1. An idempotent sink
//!   (`FileStreamSink`) skips a batch id it already has — the batch is then
//!   not even executed, so it reports no late rows and gives the watermark
//!   no event times (Spark behaves the same way); a non-idempotent sink
//!   receives the re-run batch's rows again (duplicates).
//!
//! Simplifications: one stateful operator (no joins, deduplication or
//! `flatMapGroupsWithState`); the state store keeps only the committed
//! version; rows are output by window, then key (Spark's order is
//! unspecified); a restart forgets the previous execution, so a no-data
//! batch due before the crash is not run until new data arrives (as in
//! Spark, whose `lastExecution` is gone too).

mod checkpoint;
mod format;
mod source;
mod spec;
mod stateful;
mod watermark;
mod window;

#[cfg(test)]
mod tests;

pub use checkpoint::{CommitEntry, OffsetEntry};
pub use format::{fmt_ts, fmt_window, format_batch, format_out};
pub use spec::{Config, OutputMode, SparkSpec, Trigger, WatermarkDelay, WatermarkPolicy};
pub use window::assign as assign_windows;

use self::checkpoint::Checkpoint;
use self::source::{rate_limit, SourceLog};
use self::stateful::{Plan, Stamp, StateStore};
use self::watermark::WatermarkTracker;
use crate::stream::types::{BatchInfo, Elem, Engine, EventTime, JobShape, Out, SpecError};
use crate::time::Micros;
use std::collections::BTreeMap;

/// Whether the query (the driver's `StreamExecution`) runs.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Status {
    /// `start()` not called yet.
    NotStarted,
    Active,
    /// `availableNow` / `once` finished.
    Terminated,
}

/// Where the trigger loop is.
#[derive(Clone, Debug)]
enum Phase {
    /// Waiting for the next trigger.
    Idle,
    /// Batch executing; the sink gets its rows at `until`.
    Running { batch: BatchInfo, start: Vec<u64>, end: Vec<u64>, until: Micros },
    /// Rows written; `commits/N` at `until`.
    Committing { batch: BatchInfo, state: StateStore, max_event_time: Vec<Option<EventTime>>, until: Micros },
}

/// A Structured Streaming query.
#[derive(Clone, Debug)]
pub struct SparkEngine {
    cfg: Config,
    // --- durable: survives a crash ---
    source: SourceLog,
    exhausted: bool,
    ckpt: Checkpoint,
    /// The sink's own record of the last batch it received (FileStreamSink's
    /// `_spark_metadata` log).
    sink_latest: Option<u64>,
    // --- the driver process ---
    alive: bool,
    status: Status,
    phase: Phase,
    /// Earliest time of the next trigger.
    loop_next: Micros,
    /// `nextTriggerTime` computed when the current batch was triggered.
    trigger_boundary: Micros,
    tracker: WatermarkTracker,
    /// `lastExecution.shouldRunAnotherBatch` (S-10).
    last_requires_another: bool,
    /// `availableNow` / `once`: the end offsets available at start.
    snapshot: Option<Vec<u64>>,
}

impl SparkEngine {
    pub fn new(shape: &JobShape, spec: &SparkSpec) -> Result<Self, SpecError> {
        if shape.sources.is_empty() || shape.channels() == 0 {
            return Err(SpecError::new("source", "a streaming query needs at least one source"));
        }
        let cfg = spec.validate(shape)?;
        let tracker = WatermarkTracker::new(cfg.delays.len(), cfg.policy);
        Ok(SparkEngine {
            source: SourceLog::new(shape.channels()),
            exhausted: false,
            ckpt: Checkpoint::default(),
            sink_latest: None,
            alive: true,
            status: Status::NotStarted,
            phase: Phase::Idle,
            loop_next: 0,
            trigger_boundary: 0,
            tracker,
            last_requires_another: false,
            snapshot: None,
            cfg,
        })
    }

    /// The driver process dies: the in-flight batch and all in-memory state
    /// (watermark tracker, last execution) are lost; the source, the
    /// checkpoint (offset log, commit log, committed state) and the sink
    /// survive. Records keep arriving in the source meanwhile.
    pub fn crash(&mut self) {
        self.alive = false;
        self.phase = Phase::Idle;
        self.tracker = WatermarkTracker::new(self.cfg.delays.len(), self.cfg.policy);
        self.last_requires_another = false;
        self.snapshot = None;
    }

    /// The query is started again from its checkpoint at `pt`
    /// (`populateStartOffsets`, S-13); the first trigger is at `pt`. On a
    /// running query this is a crash followed by a restart.
    pub fn restart(&mut self, pt: Micros) {
        self.crash();
        self.alive = true;
        self.start(pt);
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.cfg
    }
    /// `offsets/N` entries.
    pub fn offset_log(&self) -> &BTreeMap<u64, OffsetEntry> {
        &self.ckpt.offsets
    }
    /// `commits/N` entries.
    pub fn commit_log(&self) -> &BTreeMap<u64, CommitEntry> {
        &self.ckpt.commits
    }
    /// The current global watermark (what the next batch will use).
    pub fn watermark(&self) -> EventTime {
        self.tracker.current()
    }
    /// The driver process is up.
    pub fn is_alive(&self) -> bool {
        self.alive
    }
    /// An `availableNow` / `once` query has finished.
    pub fn is_terminated(&self) -> bool {
        self.status == Status::Terminated
    }

    /// `start()`: recover from the checkpoint, arm the trigger at `pt`.
    fn start(&mut self, pt: Micros) {
        self.status = Status::Active;
        self.phase = Phase::Idle;
        self.loop_next = pt;
        self.trigger_boundary = pt;
        self.last_requires_another = false;
        self.tracker = WatermarkTracker::new(self.cfg.delays.len(), self.cfg.policy);
        if let Some((n, entry)) = self.ckpt.latest() {
            let mut wm = entry.batch_watermark_ms;
            if let Some(c) = self.ckpt.commits.get(&n) {
                wm = wm.max(c.next_batch_watermark_ms);
            }
            self.tracker.restore(wm);
        }
        self.snapshot = match self.cfg.trigger {
            Trigger::ProcessingTime(_) => None,
            _ if self.exhausted => Some(self.source.ends()),
            _ => Some(self.source.ends_before(pt)),
        };
    }

    fn source_of(&self, channel: u32) -> usize {
        let mut c = channel;
        for (i, n) in self.cfg.sources.iter().enumerate() {
            if c < *n {
                return i;
            }
            c -= n;
        }
        self.cfg.sources.len().saturating_sub(1)
    }

    /// When the idle trigger loop next has something to do.
    fn idle_due(&self) -> Option<Micros> {
        if self.ckpt.uncommitted().is_some() || (self.cfg.no_data_batches && self.last_requires_another) {
            return Some(self.loop_next);
        }
        match self.cfg.trigger {
            Trigger::AvailableNow | Trigger::Once => Some(self.loop_next),
            Trigger::ProcessingTime(interval) => {
                let from = self.ckpt.start_of(self.ckpt.next_id(), self.source.channels());
                let a = self.source.first_arrival_from(&from)?;
                if a < self.loop_next {
                    return Some(self.loop_next);
                }
                match a.checked_div(interval.0) {
                    Some(k) => Some((k + 1).saturating_mul(interval.0)),
                    None => {
                        let p = self.cfg.polling_delay;
                        Some(self.loop_next.saturating_add(((a - self.loop_next) / p + 1).saturating_mul(p)))
                    }
                }
            }
        }
    }

    /// `ProcessingTimeExecutor.nextBatchTime`.
    fn next_boundary(&self, t: Micros) -> Micros {
        match self.cfg.trigger {
            Trigger::ProcessingTime(i) if i.0 > 0 => (t / i.0 + 1).saturating_mul(i.0),
            _ => t,
        }
    }

    /// The end offsets a new batch would take at `pt`.
    fn target_offsets(&self, start: &[u64], pt: Micros) -> Vec<u64> {
        let avail = self.snapshot.clone().unwrap_or_else(|| self.source.ends_before(pt));
        let avail: Vec<u64> = avail.iter().zip(start).map(|(a, s)| (*a).max(*s)).collect();
        let Some(limit) = self.cfg.max_offsets.filter(|_| self.cfg.trigger != Trigger::Once) else {
            return avail;
        };
        let mut end = Vec::with_capacity(avail.len());
        let mut first = 0usize;
        for n in &self.cfg.sources {
            let last = (first + *n as usize).min(avail.len());
            end.extend(rate_limit(limit, &start[first..last], &avail[first..last]));
            first = last;
        }
        end
    }

    /// One trigger at `pt` (`constructNextBatch` + start of `runBatch`).
    fn trigger(&mut self, pt: Micros) {
        let channels = self.source.channels();
        let (n, rerun, start, end, wm) = match self.ckpt.uncommitted() {
            Some(n) => {
                let entry = &self.ckpt.offsets[&n];
                (n, true, self.ckpt.start_of(n, channels), entry.end.clone(), entry.batch_watermark_ms)
            }
            None => {
                let n = self.ckpt.next_id();
                let start = self.ckpt.start_of(n, channels);
                let end = self.target_offsets(&start, pt);
                let has_data = end != start;
                if !(has_data || self.cfg.no_data_batches && self.last_requires_another) {
                    match self.cfg.trigger {
                        Trigger::ProcessingTime(i) => {
                            self.loop_next = if i.0 == 0 { pt.saturating_add(self.cfg.polling_delay) } else { self.next_boundary(pt) }
                        }
                        _ => self.status = Status::Terminated,
                    }
                    return;
                }
                let wm = self.tracker.current();
                self.ckpt.offsets.insert(n, OffsetEntry { end: end.clone(), batch_watermark_ms: wm, batch_timestamp: pt });
                (n, false, start, end, wm)
            }
        };
        let late_watermark = if self.cfg.late_uses_previous { self.ckpt.watermark_of(n.checked_sub(1)) } else { wm };
        let rows_in: u64 = end.iter().zip(&start).map(|(e, s)| e.saturating_sub(*s)).sum();
        let until = pt.saturating_add(self.cfg.batch_fixed).saturating_add(self.cfg.batch_per_row.saturating_mul(rows_in));
        self.trigger_boundary = self.next_boundary(pt);
        self.last_requires_another = false;
        let batch = BatchInfo { id: n, start: pt, end: until, watermark: wm, late_watermark, rows_in, rows_out: 0, no_data: rows_in == 0, rerun };
        self.phase = Phase::Running { batch, start, end, until };
    }

    /// End of the batch's execution: the stateful operator runs and the
    /// sink receives its rows.
    fn execute(&mut self, pt: Micros, mut batch: BatchInfo, start: &[u64], end: &[u64], out: &mut Vec<Out>) {
        let rows = self.source.range(start, end);
        let mut state = self.ckpt.state.clone();
        let elems: Vec<&Elem> = rows.iter().map(|l| l.elem).collect();
        let plan = Plan { window: &self.cfg.window, aggregate: &self.cfg.aggregate, mode: self.cfg.mode, evicts: self.cfg.evicts() };
        let (late, panes) = stateful::execute(&mut state, &elems, plan, batch.watermark, batch.late_watermark, Stamp { batch: batch.id, emit: pt });
        let skipped = self.cfg.idempotent_sink && self.sink_latest.is_some_and(|l| l >= batch.id);
        let mut max_event_time: Vec<Option<EventTime>> = vec![None; self.cfg.delays.len()];
        if !skipped {
            for l in &rows {
                if let Some(m) = max_event_time.get_mut(self.source_of(l.channel)) {
                    *m = Some(m.map_or(l.elem.ts, |x| x.max(l.elem.ts)));
                }
            }
            out.extend(late);
            batch.rows_out = panes.len() as u64;
            out.extend(panes.into_iter().map(Out::Pane));
            self.sink_latest = Some(self.sink_latest.map_or(batch.id, |l| l.max(batch.id)));
        }
        batch.end = pt;
        self.phase = Phase::Committing { batch, state, max_event_time, until: pt.saturating_add(self.cfg.commit) };
    }

    /// `markMicroBatchEnd`: update the watermark, write `commits/N`.
    fn commit(&mut self, pt: Micros, batch: BatchInfo, state: StateStore, max_event_time: &[Option<EventTime>], out: &mut Vec<Out>) {
        self.ckpt.state = state;
        let changes = self.tracker.update(max_event_time, &self.cfg.delays);
        for (i, wm) in changes.ops {
            out.push(Out::Watermark { op: format!("EventTimeWatermark[{i}]"), wm });
        }
        if let Some(wm) = changes.global {
            out.push(Out::Watermark { op: "global".into(), wm });
        }
        self.ckpt.commits.insert(batch.id, CommitEntry { next_batch_watermark_ms: self.tracker.current() });
        self.last_requires_another = self.cfg.evicts() && self.tracker.current() > batch.watermark;
        out.push(Out::Batch(batch));
        self.phase = Phase::Idle;
        match self.cfg.trigger {
            Trigger::ProcessingTime(_) => self.loop_next = self.trigger_boundary.max(pt),
            Trigger::AvailableNow => self.loop_next = pt,
            Trigger::Once => self.status = Status::Terminated,
        }
    }

    /// Runs everything due at `pt`.
    fn advance(&mut self, pt: Micros, out: &mut Vec<Out>) {
        // Each step either waits for a later time or makes progress (a
        // batch consumes data, a no-data batch clears its reason, an empty
        // trigger moves `loop_next` past `pt`), so this ends.
        while self.alive && self.status == Status::Active {
            match std::mem::replace(&mut self.phase, Phase::Idle) {
                Phase::Idle => match self.idle_due() {
                    Some(due) if due <= pt => self.trigger(pt),
                    _ => return,
                },
                Phase::Running { batch, start, end, until } => {
                    if until > pt {
                        self.phase = Phase::Running { batch, start, end, until };
                        return;
                    }
                    self.execute(pt, batch, &start, &end, out);
                }
                Phase::Committing { batch, state, max_event_time, until } => {
                    if until > pt {
                        self.phase = Phase::Committing { batch, state, max_event_time, until };
                        return;
                    }
                    self.commit(pt, batch, state, &max_event_time, out);
                }
            }
        }
    }
}

impl Engine for SparkEngine {
    fn on_record(&mut self, pt: Micros, channel: u32, e: Elem, _out: &mut Vec<Out>) {
        // The source is outside the driver: it keeps receiving while the
        // query is down. A channel outside the job shape is ignored.
        self.source.append(channel, pt, e);
    }

    /// Ignored: Spark has no externally supplied watermarks (S-2).
    fn on_watermark(&mut self, _pt: Micros, _channel: u32, _wm: EventTime, _out: &mut Vec<Out>) {}

    fn on_end_of_input(&mut self, pt: Micros, out: &mut Vec<Out>) {
        self.exhausted = true;
        if self.alive && self.status == Status::NotStarted && self.cfg.start.is_none() {
            self.start(pt);
            self.advance(pt, out);
        }
    }

    fn next_wakeup(&self) -> Option<Micros> {
        if !self.alive {
            return None;
        }
        match self.status {
            Status::NotStarted => self.cfg.start,
            Status::Terminated => None,
            Status::Active => match &self.phase {
                Phase::Running { until, .. } | Phase::Committing { until, .. } => Some(*until),
                Phase::Idle => self.idle_due(),
            },
        }
    }

    fn on_wakeup(&mut self, pt: Micros, out: &mut Vec<Out>) {
        if !self.alive {
            return;
        }
        if self.status == Status::NotStarted {
            match self.cfg.start {
                Some(s) if s <= pt => self.start(pt),
                _ => return,
            }
        }
        self.advance(pt, out);
    }
}

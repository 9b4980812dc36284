//! The Flink runtime as an [`Engine`]: source tasks, a `keyBy` shuffle,
//! parallel operator subtasks hosting any [`Operator`], FIFO network
//! channels with latency, watermark propagation, checkpoints (aligned,
//! unaligned, at-least-once), failure and recovery, and sinks (published at
//! once, or two-phase commit).
//!
//! ## The job graph
//! ```text
//!  source[0] ──┐   keyBy: murmur(hashCode) % maxParallelism → subtask   ┌─▶ op[0] ─▶ sink[0]
//!  source[1] ──┼──────────────── (all-to-all FIFO channels) ─────────────┼─▶ op[1] ─▶ sink[1]
//!  ...         ┘                                                         └─▶ ...
//! ```
//! * One **source task per source channel** (a Kafka partition or a scripted
//!   input). It runs the channel's watermark generator (F-2, F-3, F-6; or
//!   forwards scripted moves), records its position, and sends records to the
//!   subtask of their key group (`keygroups.rs`, Flink's
//!   `KeyGroupRangeAssignment`), watermarks, idle statuses, barriers and the
//!   end of input to every subtask.
//! * **Channels** are FIFO with `streamlab.channel-latency`.
//! * **Operator subtasks** (`shape.parallelism`): each has one input channel
//!   per source task, a [`StatusWatermarkValve`] over them (F-5), the hosted
//!   operator (timers fire before the watermark is forwarded, F-12), and a
//!   chained sink. A subtask spends `streamlab.record-processing-time` per
//!   record, so channels fill up when input outpaces it. It takes input from
//!   its channels round-robin (like an input gate), one event at a time.
//!
//! ## Checkpoints (C-1..C-6)
//! Every `execution.checkpointing.interval` the coordinator records each
//! source's position and injects barrier *n* into all its channels (C-1). At
//! most one checkpoint is pending; a trigger while one is pending is skipped.
//! * EXACTLY_ONCE aligned (C-2): a channel that delivered barrier *n* is
//!   blocked until barrier *n* came from every input (or the input ended);
//!   then the subtask snapshots and unblocks.
//! * EXACTLY_ONCE unaligned (C-6): the first barrier *n* to arrive is taken
//!   ahead of queued records (it overtakes them); the subtask snapshots at
//!   once and the records queued ahead of barrier *n* in each channel are
//!   stored in the checkpoint as in-flight data (and still processed now).
//! * AT_LEAST_ONCE (C-5): nothing blocks; the subtask snapshots when the last
//!   barrier arrives, so records after an earlier barrier are in the state
//!   and will be replayed after a restore.
//!
//! A subtask snapshot = operator clone (keyed state and timers, C-3) + valve
//! state + in-flight data + sink state; the sink pre-commits its
//! transaction in it (C-7). The checkpoint completes when every subtask
//! acknowledged (and, with an external sink, the sink confirmed its flush:
//! [`FlinkJob::sink_ack`]); the "checkpoint complete" notification reaches
//! the sinks one channel latency later and commits their transactions.
//! When all inputs ended and checkpointing is on, a final checkpoint is
//! taken (FLIP-147) so that the last transactions commit.
//!
//! ## Failure and recovery (C-4)
//! [`FlinkJob::fail`]: the failover region is the whole job (keyBy is
//! all-to-all). Everything volatile is lost: channels, operator state, the
//! pending checkpoint (aborted), the open and uncompleted transactions
//! (aborted), undelivered notifications. After
//! `restart-strategy.fixed-delay.delay` the job restarts from the latest
//! completed checkpoint (from scratch if none): operators, valves and sink
//! state are restored, in-flight data is re-queued first, pending
//! transactions are committed (`recoverAndCommit`), and each source resumes
//! at the checkpoint's position: [`FlinkJob::take_rewind`] (also in the
//! `Out::Checkpoint { phase: Restored }` event) tells the job node where to
//! re-feed from. Records offered while the job is down are ignored.
//!
//! ## Simplifications
//! * Source watermark generators restart fresh after a restore, as in Flink,
//!   but the subtasks' valves are restored from the snapshot (Flink restarts
//!   them at `Long.MIN_VALUE`); operators therefore never see their event
//!   time go backwards. Channels the snapshot had idle start active.
//! * The restart strategy is always fixed-delay with unlimited attempts.
//! * Checkpoints are triggered at exact multiples of the interval after
//!   (re)start; no minimum pause, no timeout, no alignment timeout.
//! * Sources inject barriers instantly; only subtasks have a processing cost.
//!
//! ## Order of simultaneous events
//! Internal events due at the same processing time run in this order:
//! restart, checkpoint-complete notifications, checkpoint trigger, periodic
//! watermark emission, then subtasks by index (each: an overtaking unaligned
//! barrier, then the operator's processing-time timer, then one input). An
//! external call at time `pt` first runs every internal event due `≤ pt`.

mod keygroups;
mod sink;
mod spec;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_property;

pub use keygroups::{assign_key, java_string_hash, key_group, murmur_hash, operator_index};
pub use sink::{committed_outputs, SinkTask, TxnLedger};
pub use spec::{default_max_parallelism, Alignment, CheckpointingMode, FlinkRuntimeSpec, RuntimeConfig, SinkGuarantee};

use crate::stream::flink::valve::StatusWatermarkValve;
use crate::stream::flink::watermark::{SourceWatermarks, WmEmit};
use crate::stream::types::{CheckpointPhase, Elem, Engine, EventTime, JobShape, Operator, Out, SpecError};
use crate::time::Micros;
use std::collections::VecDeque;

/// What travels in a channel.
#[derive(Clone, Debug, PartialEq)]
enum Ev {
    Record(Elem),
    Watermark(EventTime),
    Status {
        idle: bool,
    },
    Barrier(u64),
    /// `EndOfPartitionEvent`: the upstream source task finished.
    End,
}

/// One input channel of a subtask (from one source task).
#[derive(Clone, Debug, Default)]
struct Channel {
    /// (delivery time, event), FIFO.
    queue: VecDeque<(Micros, Ev)>,
    /// Blocked by alignment (C-2).
    blocked: bool,
    /// The end of partition was consumed.
    ended: bool,
}

#[derive(Clone, Debug)]
struct SourceTask {
    wm: SourceWatermarks,
    /// The next position to read (Kafka: the next offset).
    position: u64,
    finished: bool,
}

#[derive(Clone, Debug)]
struct Subtask<O> {
    op: O,
    valve: StatusWatermarkValve,
    sink: SinkTask,
    inputs: Vec<Channel>,
    busy_until: Micros,
    /// Next channel to poll (round-robin).
    rr: usize,
    /// Barriers of the pending checkpoint seen per channel.
    barriers: Option<(u64, Vec<bool>)>,
    finished: bool,
    last_op_wakeup: Option<Micros>,
}

#[derive(Clone, Debug)]
struct SubtaskSnapshot<O> {
    op: O,
    valve: StatusWatermarkValve,
    sink: SinkTask,
    /// Unaligned checkpoints: the events queued ahead of the barrier, per channel.
    inflight: Vec<Vec<Ev>>,
    ended: Vec<bool>,
    finished: bool,
}

#[derive(Clone, Debug)]
struct SourceSnapshot {
    position: u64,
    finished: bool,
}

/// A checkpoint, pending or completed.
#[derive(Clone, Debug)]
struct Checkpoint<O> {
    id: u64,
    positions: Vec<(u32, u64)>,
    sources: Vec<SourceSnapshot>,
    subtasks: Vec<Option<SubtaskSnapshot<O>>>,
    sink_acked: Vec<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JobState {
    Running,
    Restarting { at: Micros },
}

/// The final checkpoint after all inputs ended (FLIP-147).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Final {
    NotYet,
    Requested,
    Triggered(u64),
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    Restart,
    Notify,
    Trigger,
    Periodic,
    Subtask(usize),
}

/// A request to an external sink (see [`FlinkJob::set_external_sink`]):
/// flush what subtask `subtask` wrote (in `txn`, for an exactly-once sink,
/// which is now pre-committed) and confirm with [`FlinkJob::sink_ack`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SinkFlush {
    pub checkpoint: u64,
    pub subtask: u32,
    pub txn: Option<u64>,
}

/// A Flink job: sources, keyBy, `parallelism` subtasks of `O`, sinks.
#[derive(Clone, Debug)]
pub struct FlinkJob<O: Operator> {
    cfg: RuntimeConfig,
    op_name: String,
    initial: Vec<O>,
    sources: Vec<SourceTask>,
    subtasks: Vec<Subtask<O>>,
    state: JobState,
    next_periodic: Option<Micros>,
    next_checkpoint: Option<Micros>,
    next_checkpoint_id: u64,
    pending: Option<Checkpoint<O>>,
    completed: Option<Checkpoint<O>>,
    notifications: VecDeque<(Micros, u64)>,
    ledger: TxnLedger,
    rewind: Option<Vec<(u32, u64)>>,
    external_sink: bool,
    sink_flushes: Vec<SinkFlush>,
    final_cp: Final,
}

impl<O: Operator> FlinkJob<O> {
    /// Builds the job: `make(i)` creates the operator of subtask `i` (its
    /// initial state, also used for a restart without checkpoint).
    pub fn new(shape: &JobShape, spec: &FlinkRuntimeSpec, mut make: impl FnMut(u32) -> O) -> Result<Self, SpecError> {
        let cfg = spec.resolve(shape)?;
        let initial: Vec<O> = (0..cfg.parallelism).map(&mut make).collect();
        let mut job = FlinkJob {
            op_name: shape.name.clone(),
            initial,
            sources: Vec::new(),
            subtasks: Vec::new(),
            state: JobState::Running,
            next_periodic: None,
            next_checkpoint: None,
            next_checkpoint_id: 1,
            pending: None,
            completed: None,
            notifications: VecDeque::new(),
            ledger: TxnLedger::default(),
            rewind: None,
            external_sink: false,
            sink_flushes: Vec::new(),
            final_cp: Final::NotYet,
            cfg,
        };
        job.deploy(0, None);
        Ok(job)
    }

    /// Names the operator in task names and events (default: the job name).
    pub fn with_op_name(mut self, name: &str) -> Self {
        self.op_name = name.to_string();
        self
    }

    pub fn config(&self) -> &RuntimeConfig {
        &self.cfg
    }

    /// Task names, as accepted by [`FlinkJob::fail`] and used in events:
    /// `source[c]` per source channel, then `<op>[i]` per subtask.
    pub fn task_names(&self) -> Vec<String> {
        (0..self.cfg.channels).map(source_name).chain((0..self.cfg.parallelism as usize).map(|s| self.subtask_name(s))).collect()
    }

    fn subtask_name(&self, s: usize) -> String {
        format!("{}[{s}]", self.op_name)
    }

    /// The subtask that owns `key` (Flink's key-group assignment).
    pub fn subtask_of(&self, key: &str) -> u32 {
        assign_key(key, self.cfg.max_parallelism, self.cfg.parallelism)
    }

    // ----------------------------------------------------------------- inputs

    /// A record of source channel `channel` at processing time `pt`;
    /// `position` is the source position after it (Kafka: offset + 1). A
    /// record at or before the channel's current position is already in the
    /// state and ignored, as is everything while the job is down.
    pub fn on_source_record(&mut self, pt: Micros, channel: u32, position: u64, e: Elem, out: &mut Vec<Out>) {
        self.advance(pt, out);
        if self.state != JobState::Running {
            return;
        }
        let Some(src) = self.sources.get_mut(channel as usize) else { return };
        if src.finished || position <= src.position {
            return;
        }
        src.position = position;
        src.wm.on_event(e.ts);
        let s = self.subtask_of(&e.key) as usize;
        self.send(s, channel as usize, Ev::Record(e), pt);
        self.advance(pt, out);
    }

    /// A scripted watermark move of source channel `channel` (ignored when
    /// the job uses a watermark generator).
    pub fn on_source_watermark(&mut self, pt: Micros, channel: u32, wm: EventTime, out: &mut Vec<Out>) {
        self.advance(pt, out);
        let c = channel as usize;
        if self.state != JobState::Running || self.sources.get(c).is_none_or(|s| s.finished) {
            return;
        }
        let mut emits = Vec::new();
        self.sources[c].wm.on_scripted(wm, &mut emits);
        self.broadcast_watermarks(c, emits, pt, out);
        self.advance(pt, out);
    }

    /// Source channel `channel` reached the end of its bounded input: it
    /// emits `MAX_WATERMARK` (F-18) and finishes.
    pub fn on_source_end(&mut self, pt: Micros, channel: u32, out: &mut Vec<Out>) {
        self.advance(pt, out);
        let c = channel as usize;
        if self.state != JobState::Running || self.sources.get(c).is_none_or(|s| s.finished) {
            return;
        }
        let mut emits = Vec::new();
        self.sources[c].wm.on_end_of_input(&mut emits);
        self.broadcast_watermarks(c, emits, pt, out);
        self.broadcast(c, Ev::End, pt);
        self.sources[c].finished = true;
        self.advance(pt, out);
    }

    /// A task crashed at `pt` (any name; the failover region is the whole
    /// job). Emits `Out::Failure`, aborts the pending checkpoint and the
    /// transactions that cannot commit any more, and schedules the restart.
    pub fn fail(&mut self, pt: Micros, task: &str, out: &mut Vec<Out>) {
        self.advance(pt, out);
        let restored_from = self.completed.as_ref().map(|c| c.id);
        out.push(Out::Failure { task: task.to_string(), restored_from });
        if let Some(p) = self.pending.take() {
            out.push(Out::Checkpoint { id: p.id, phase: CheckpointPhase::Aborted, positions: p.positions });
        }
        for st in &mut self.subtasks {
            st.sink.abort_uncompleted(restored_from, &mut self.ledger, out);
            st.inputs.iter_mut().for_each(|c| c.queue.clear());
        }
        self.notifications.clear();
        self.sink_flushes.clear();
        self.rewind = None;
        self.next_periodic = None;
        self.next_checkpoint = None;
        self.final_cp = Final::NotYet;
        self.state = JobState::Restarting { at: pt.saturating_add(self.cfg.restart_delay) };
    }

    /// After a restart: where each source channel resumes, `(channel, next
    /// position)`, given once. The job node re-feeds every record from
    /// there (a Kafka seek; a scripted input replays from that index;
    /// positions are 0 after a restart without checkpoint).
    pub fn take_rewind(&mut self) -> Option<Vec<(u32, u64)>> {
        self.rewind.take()
    }

    // ------------------------------------------------------- external sinks

    /// Plugs in an external sink (e.g. a Kafka producer driven by the job
    /// node). The job node then: writes every `Out::Pane` to it (in
    /// transaction `pane.txn` if set; transactional id per subtask:
    /// [`FlinkJob::txn_owner`]); after each call drains
    /// [`FlinkJob::take_sink_flushes`], flushes what each request names
    /// (exactly-once: the pre-committed transaction) and confirms with
    /// [`FlinkJob::sink_ack`]; commits a transaction when `Out::Txn {
    /// Committed }` appears and aborts it on `Aborted`. A checkpoint
    /// completes only after every subtask's flush was confirmed (C-8).
    pub fn set_external_sink(&mut self, on: bool) {
        self.external_sink = on;
    }

    /// Flush requests issued since the last call.
    pub fn take_sink_flushes(&mut self) -> Vec<SinkFlush> {
        std::mem::take(&mut self.sink_flushes)
    }

    /// The external sink of `subtask` flushed for `checkpoint`.
    pub fn sink_ack(&mut self, pt: Micros, checkpoint: u64, subtask: u32, out: &mut Vec<Out>) {
        self.advance(pt, out);
        if let Some(p) = &mut self.pending {
            if p.id == checkpoint && p.subtasks.get(subtask as usize).is_some_and(|s| s.is_some()) {
                p.sink_acked[subtask as usize] = true;
                self.try_complete(pt, out);
            }
        }
        self.advance(pt, out);
    }

    /// The sink subtask that owns transaction `txn`.
    pub fn txn_owner(&self, txn: u64) -> Option<u32> {
        self.ledger.owner.get(&txn).copied()
    }

    // ------------------------------------------------------------ inspection

    pub fn is_running(&self) -> bool {
        self.state == JobState::Running
    }
    /// The latest completed checkpoint id.
    pub fn latest_completed_checkpoint(&self) -> Option<u64> {
        self.completed.as_ref().map(|c| c.id)
    }
    /// The id of the checkpoint in progress.
    pub fn pending_checkpoint(&self) -> Option<u64> {
        self.pending.as_ref().map(|c| c.id)
    }
    /// The next position of each source channel.
    pub fn source_positions(&self) -> Vec<(u32, u64)> {
        self.sources.iter().enumerate().map(|(c, s)| (c as u32, s.position)).collect()
    }
    /// Event time (valve output) of each subtask.
    pub fn subtask_watermarks(&self) -> Vec<EventTime> {
        self.subtasks.iter().map(|s| s.valve.watermark()).collect()
    }
    /// The operators as they are now.
    pub fn operators(&self) -> Vec<&O> {
        self.subtasks.iter().map(|s| &s.op).collect()
    }
    /// The operators as stored in the latest completed checkpoint.
    pub fn checkpointed_operators(&self) -> Option<Vec<&O>> {
        self.completed.as_ref().map(|c| c.subtasks.iter().flatten().map(|s| &s.op).collect())
    }
    /// Records stored as in-flight data in the latest completed checkpoint (C-6).
    pub fn checkpointed_in_flight_records(&self) -> usize {
        self.completed
            .as_ref()
            .map_or(0, |c| c.subtasks.iter().flatten().flat_map(|s| s.inflight.iter().flatten()).filter(|e| matches!(e, Ev::Record(_))).count())
    }
    /// Records queued in channels now.
    pub fn in_flight_records(&self) -> usize {
        self.subtasks.iter().flat_map(|s| &s.inputs).flat_map(|c| &c.queue).filter(|(_, e)| matches!(e, Ev::Record(_))).count()
    }
    /// Input channels of `subtask` blocked by alignment now (C-2).
    pub fn blocked_channels(&self, subtask: usize) -> Vec<u32> {
        self.subtasks.get(subtask).map_or(Vec::new(), |s| s.inputs.iter().enumerate().filter(|(_, c)| c.blocked).map(|(i, _)| i as u32).collect())
    }

    // ---------------------------------------------------------------- engine

    /// (Re)creates every task, from a checkpoint or from the initial state.
    fn deploy(&mut self, t: Micros, from: Option<&Checkpoint<O>>) {
        let n = self.cfg.channels as usize;
        self.sources = (0..n)
            .map(|c| SourceTask {
                wm: SourceWatermarks::new(&self.cfg.watermarks),
                position: from.map_or(0, |cp| cp.sources[c].position),
                finished: from.is_some_and(|cp| cp.sources[c].finished),
            })
            .collect();
        self.subtasks = (0..self.cfg.parallelism as usize)
            .map(|s| {
                let snap = from.and_then(|cp| cp.subtasks[s].as_ref());
                let mut inputs = vec![Channel::default(); n];
                if let Some(snap) = snap {
                    for (c, ch) in inputs.iter_mut().enumerate() {
                        ch.ended = snap.ended[c];
                        ch.queue = snap.inflight[c].iter().map(|e| (t, e.clone())).collect();
                    }
                }
                Subtask {
                    op: snap.map_or_else(|| self.initial[s].clone(), |x| x.op.clone()),
                    valve: snap.map_or_else(|| StatusWatermarkValve::new(n), |x| x.valve.clone()),
                    sink: snap.map_or_else(|| SinkTask::new(self.cfg.exactly_once_sink), |x| x.sink.clone()),
                    inputs,
                    busy_until: t,
                    rr: 0,
                    barriers: None,
                    finished: snap.is_some_and(|x| x.finished),
                    last_op_wakeup: None,
                }
            })
            .collect();
        self.state = JobState::Running;
        let any_running_source = self.sources.iter().any(|s| !s.finished);
        self.next_periodic = (self.cfg.watermarks.is_periodic() && any_running_source).then(|| t + self.cfg.watermarks.interval);
        self.next_checkpoint = self.cfg.checkpoint_interval.map(|i| t + i);
        self.final_cp = Final::NotYet;
    }

    fn restart(&mut self, t: Micros, out: &mut Vec<Out>) {
        let cp = self.completed.take();
        self.deploy(t, cp.as_ref());
        let positions = cp.as_ref().map_or_else(|| (0..self.cfg.channels).map(|c| (c, 0)).collect(), |c| c.positions.clone());
        if let Some(c) = &cp {
            out.push(Out::Checkpoint { id: c.id, phase: CheckpointPhase::Restored, positions: positions.clone() });
        }
        self.completed = cp;
        for s in 0..self.subtasks.len() {
            let st = &mut self.subtasks[s];
            st.sink.recover_and_commit(&mut self.ledger, out);
            // fresh sources start ACTIVE
            for c in 0..st.inputs.len() {
                if st.valve.channel(c).is_some_and(|x| x.idle) {
                    out.push(Out::Idle { op: format!("{}[{s}]", self.op_name), channel: c as u32, idle: false });
                    st.valve.input_status(c, false);
                }
            }
        }
        self.rewind = Some(positions);
        self.maybe_request_final(t);
    }

    fn send(&mut self, s: usize, c: usize, ev: Ev, t: Micros) {
        let ch = &mut self.subtasks[s].inputs[c];
        let at = ch.queue.back().map_or(t + self.cfg.latency, |(last, _)| (*last).max(t + self.cfg.latency));
        ch.queue.push_back((at, ev));
    }

    fn broadcast(&mut self, c: usize, ev: Ev, t: Micros) {
        for s in 0..self.subtasks.len() {
            self.send(s, c, ev.clone(), t);
        }
    }

    fn broadcast_watermarks(&mut self, c: usize, emits: Vec<WmEmit>, t: Micros, out: &mut Vec<Out>) {
        for e in emits {
            match e {
                WmEmit::Watermark(w) => {
                    out.push(Out::Watermark { op: source_name(c as u32), wm: w });
                    self.broadcast(c, Ev::Watermark(w), t);
                }
                WmEmit::Status { idle } => self.broadcast(c, Ev::Status { idle }, t),
            }
        }
    }

    /// The earliest due internal event.
    fn next_action(&self) -> Option<(Micros, Action)> {
        if let JobState::Restarting { at } = self.state {
            return Some((at, Action::Restart));
        }
        let mut best: Option<(Micros, Action)> = None;
        let mut consider = |t: Option<Micros>, a: Action| {
            if let Some(t) = t {
                if best.is_none_or(|b| (t, a) < b) {
                    best = Some((t, a));
                }
            }
        };
        consider(self.notifications.front().map(|n| n.0), Action::Notify);
        consider(self.next_checkpoint, Action::Trigger);
        consider(self.next_periodic, Action::Periodic);
        for s in 0..self.subtasks.len() {
            consider(self.subtask_due(s), Action::Subtask(s));
        }
        best
    }

    fn op_wakeup(st: &Subtask<O>) -> Option<Micros> {
        st.op.next_wakeup().map(|w| st.last_op_wakeup.map_or(w, |l| w.max(l + 1)))
    }

    fn overtaking_barrier(&self, ch: &Channel) -> Option<(usize, Micros, u64)> {
        if self.cfg.alignment != Alignment::Unaligned {
            return None;
        }
        ch.queue.iter().enumerate().find_map(|(i, (at, e))| if let Ev::Barrier(id) = e { Some((i, *at, *id)) } else { None })
    }

    /// When subtask `s` next has something to do.
    fn subtask_due(&self, s: usize) -> Option<Micros> {
        let st = &self.subtasks[s];
        let mut due = Self::op_wakeup(st);
        for ch in &st.inputs {
            let head = if ch.blocked || ch.ended { None } else { ch.queue.front().map(|x| x.0) };
            let barrier = self.overtaking_barrier(ch).map(|x| x.1);
            for t in [head, barrier].into_iter().flatten() {
                due = Some(due.map_or(t, |d| d.min(t)));
            }
        }
        due.map(|d| d.max(st.busy_until))
    }

    /// Runs every internal event due at or before `until`.
    fn advance(&mut self, until: Micros, out: &mut Vec<Out>) {
        while let Some((t, a)) = self.next_action() {
            if t > until {
                break;
            }
            match a {
                Action::Restart => self.restart(t, out),
                Action::Notify => {
                    let (_, id) = self.notifications.pop_front().expect("due notification");
                    for st in &mut self.subtasks {
                        st.sink.notify_complete(id, &mut self.ledger, out);
                    }
                }
                Action::Trigger => self.trigger(t, out),
                Action::Periodic => self.periodic(t, out),
                Action::Subtask(s) => self.step_subtask(s, t, out),
            }
        }
    }

    fn periodic(&mut self, t: Micros, out: &mut Vec<Out>) {
        for c in 0..self.sources.len() {
            if !self.sources[c].finished {
                let mut emits = Vec::new();
                self.sources[c].wm.on_periodic_emit(t, &mut emits);
                self.broadcast_watermarks(c, emits, t, out);
            }
        }
        let any_running = self.sources.iter().any(|s| !s.finished);
        self.next_periodic = any_running.then(|| t + self.cfg.watermarks.interval);
    }

    // ----------------------------------------------------------- checkpoints

    fn trigger(&mut self, t: Micros, out: &mut Vec<Out>) {
        self.next_checkpoint = self.cfg.checkpoint_interval.map(|i| t + i);
        if self.pending.is_some() {
            return; // execution.checkpointing.max-concurrent-checkpoints = 1
        }
        match self.final_cp {
            Final::Done | Final::Triggered(_) => {
                self.next_checkpoint = None;
                return;
            }
            _ => {}
        }
        let id = self.next_checkpoint_id;
        self.next_checkpoint_id += 1;
        if self.final_cp == Final::Requested {
            self.final_cp = Final::Triggered(id);
            self.next_checkpoint = None;
        }
        let positions = self.source_positions();
        out.push(Out::Checkpoint { id, phase: CheckpointPhase::Triggered, positions: positions.clone() });
        let p = self.subtasks.len();
        self.pending = Some(Checkpoint {
            id,
            positions,
            sources: self.sources.iter().map(|s| SourceSnapshot { position: s.position, finished: s.finished }).collect(),
            subtasks: vec![None; p],
            sink_acked: vec![false; p],
        });
        for c in 0..self.sources.len() {
            if !self.sources[c].finished {
                self.broadcast(c, Ev::Barrier(id), t);
            }
        }
        for s in 0..p {
            self.check_aligned(s, t, out);
        }
    }

    /// Whether subtask `s` still owes the pending checkpoint its snapshot.
    fn owes_snapshot(&self, s: usize) -> Option<u64> {
        self.pending.as_ref().filter(|p| p.subtasks[s].is_none()).map(|p| p.id)
    }

    /// Aligned / at-least-once: snapshot once every input delivered the
    /// barrier or ended.
    fn check_aligned(&mut self, s: usize, t: Micros, out: &mut Vec<Out>) {
        let Some(id) = self.owes_snapshot(s) else { return };
        let st = &mut self.subtasks[s];
        let seen = |c: usize| st.inputs[c].ended || st.barriers.as_ref().is_some_and(|(b, v)| *b == id && v[c]);
        if (0..st.inputs.len()).all(seen) {
            st.barriers = None;
            st.inputs.iter_mut().for_each(|c| c.blocked = false);
            let n = st.inputs.len();
            self.snapshot(s, id, t, vec![Vec::new(); n], out);
        }
    }

    fn on_barrier(&mut self, s: usize, c: usize, id: u64, t: Micros, out: &mut Vec<Out>) {
        if self.owes_snapshot(s) != Some(id) {
            return; // stale, or already snapshotted
        }
        if self.cfg.alignment == Alignment::Unaligned {
            return self.unaligned_snapshot(s, id, t, out);
        }
        let st = &mut self.subtasks[s];
        let n = st.inputs.len();
        if st.barriers.as_ref().is_none_or(|(b, _)| *b != id) {
            st.barriers = Some((id, vec![false; n]));
        }
        if let Some((_, seen)) = &mut st.barriers {
            seen[c] = true;
        }
        if self.cfg.alignment == Alignment::Aligned {
            st.inputs[c].blocked = true;
        }
        self.check_aligned(s, t, out);
    }

    /// C-6: snapshot now; what is queued ahead of barrier `id` in each
    /// channel becomes in-flight state (a channel whose source finished
    /// before the trigger has no barrier: all of its queue is in flight).
    fn unaligned_snapshot(&mut self, s: usize, id: u64, t: Micros, out: &mut Vec<Out>) {
        let st = &mut self.subtasks[s];
        let mut inflight = Vec::with_capacity(st.inputs.len());
        for ch in &mut st.inputs {
            let pos = ch.queue.iter().position(|(_, e)| *e == Ev::Barrier(id));
            let upto = pos.unwrap_or(ch.queue.len());
            inflight.push(ch.queue.iter().take(upto).map(|(_, e)| e.clone()).collect());
            if let Some(p) = pos {
                ch.queue.remove(p);
            }
        }
        self.snapshot(s, id, t, inflight, out);
    }

    fn snapshot(&mut self, s: usize, id: u64, t: Micros, inflight: Vec<Vec<Ev>>, out: &mut Vec<Out>) {
        let st = &mut self.subtasks[s];
        let txn = st.sink.snapshot(id, out);
        let snap = SubtaskSnapshot {
            op: st.op.clone(),
            valve: st.valve.clone(),
            sink: st.sink.clone(),
            inflight,
            ended: st.inputs.iter().map(|c| c.ended).collect(),
            finished: st.finished,
        };
        let Some(p) = &mut self.pending else { return };
        p.subtasks[s] = Some(snap);
        if self.external_sink {
            self.sink_flushes.push(SinkFlush { checkpoint: id, subtask: s as u32, txn });
        } else {
            p.sink_acked[s] = true;
        }
        self.try_complete(t, out);
    }

    fn try_complete(&mut self, t: Micros, out: &mut Vec<Out>) {
        let done = self.pending.as_ref().is_some_and(|p| p.subtasks.iter().all(Option::is_some) && p.sink_acked.iter().all(|a| *a));
        if !done {
            return;
        }
        let p = self.pending.take().expect("pending checkpoint");
        out.push(Out::Checkpoint { id: p.id, phase: CheckpointPhase::Completed, positions: p.positions.clone() });
        self.notifications.push_back((t + self.cfg.latency, p.id));
        match self.final_cp {
            Final::Triggered(f) if f == p.id => {
                self.final_cp = Final::Done;
                self.next_checkpoint = None;
            }
            Final::Requested => self.next_checkpoint = Some(t),
            _ => {}
        }
        self.completed = Some(p);
    }

    /// When every subtask finished, take a final checkpoint (FLIP-147) so
    /// the last transactions commit.
    fn maybe_request_final(&mut self, t: Micros) {
        if self.cfg.checkpoint_interval.is_some() && self.final_cp == Final::NotYet && self.subtasks.iter().all(|s| s.finished) {
            self.final_cp = Final::Requested;
            self.next_checkpoint = Some(self.next_checkpoint.map_or(t, |n| n.min(t)));
        }
    }

    // -------------------------------------------------------------- subtasks

    fn step_subtask(&mut self, s: usize, t: Micros, out: &mut Vec<Out>) {
        // 1. an unaligned barrier overtakes queued input
        for c in 0..self.subtasks[s].inputs.len() {
            if let Some((_, at, id)) = self.overtaking_barrier(&self.subtasks[s].inputs[c]) {
                if at <= t {
                    if self.owes_snapshot(s) == Some(id) {
                        return self.unaligned_snapshot(s, id, t, out);
                    }
                    // stale barrier: drop it
                    let ch = &mut self.subtasks[s].inputs[c];
                    ch.queue.retain(|(_, e)| *e != Ev::Barrier(id));
                    return;
                }
            }
        }
        // 2. a processing-time timer of the operator
        if Self::op_wakeup(&self.subtasks[s]).is_some_and(|w| w <= t) {
            let st = &mut self.subtasks[s];
            st.last_op_wakeup = Some(t);
            let mut tmp = Vec::new();
            st.op.on_wakeup(t, &mut tmp);
            return self.route(s, tmp, out);
        }
        // 3. one input event, round-robin over the channels that have one
        let st = &mut self.subtasks[s];
        let n = st.inputs.len();
        for k in 0..n {
            let c = (st.rr + k) % n;
            let ch = &mut st.inputs[c];
            if ch.blocked || ch.ended || ch.queue.front().is_none_or(|x| x.0 > t) {
                continue;
            }
            st.rr = (c + 1) % n;
            let (_, ev) = ch.queue.pop_front().expect("head");
            return self.handle_input(s, c, ev, t, out);
        }
    }

    fn handle_input(&mut self, s: usize, c: usize, ev: Ev, t: Micros, out: &mut Vec<Out>) {
        match ev {
            Ev::Record(e) => {
                let st = &mut self.subtasks[s];
                let mut tmp = Vec::new();
                st.op.on_element(t, e, &mut tmp);
                st.busy_until = t + self.cfg.cost;
                self.route(s, tmp, out);
            }
            Ev::Watermark(wm) => {
                if let Some(w) = self.subtasks[s].valve.input_watermark(c, wm) {
                    self.advance_event_time(s, t, w, out);
                }
            }
            Ev::Status { idle } => {
                let st = &self.subtasks[s];
                if st.valve.channel(c).is_some_and(|x| x.idle != idle) {
                    out.push(Out::Idle { op: self.subtask_name(s), channel: c as u32, idle });
                }
                if let Some(w) = self.subtasks[s].valve.input_status(c, idle).watermark {
                    self.advance_event_time(s, t, w, out);
                }
            }
            Ev::Barrier(id) => self.on_barrier(s, c, id, t, out),
            Ev::End => {
                let st = &mut self.subtasks[s];
                st.inputs[c].ended = true;
                st.inputs[c].queue.clear();
                st.finished = st.inputs.iter().all(|x| x.ended);
                self.check_aligned_if_started(s, t, out);
                if self.subtasks[s].finished {
                    self.maybe_request_final(t);
                }
            }
        }
    }

    /// An input ended: it no longer owes a barrier. Aligned/at-least-once
    /// subtasks may complete their alignment; an unaligned subtask whose
    /// inputs all ended snapshots (its barrier will never come).
    fn check_aligned_if_started(&mut self, s: usize, t: Micros, out: &mut Vec<Out>) {
        let all_ended = self.subtasks[s].inputs.iter().all(|x| x.ended);
        if self.cfg.alignment != Alignment::Unaligned || all_ended {
            self.check_aligned(s, t, out);
        }
    }

    /// The valve advanced: fire timers (results first), then forward (F-12).
    fn advance_event_time(&mut self, s: usize, t: Micros, wm: EventTime, out: &mut Vec<Out>) {
        let mut tmp = Vec::new();
        self.subtasks[s].op.on_watermark(t, wm, &mut tmp);
        self.route(s, tmp, out);
        out.push(Out::Watermark { op: self.subtask_name(s), wm });
    }

    /// Operator output: results go to the chained sink, the rest through.
    fn route(&mut self, s: usize, tmp: Vec<Out>, out: &mut Vec<Out>) {
        for o in tmp {
            match o {
                Out::Pane(p) => self.subtasks[s].sink.write(s as u32, p, &mut self.ledger, out),
                other => out.push(other),
            }
        }
    }
}

fn source_name(c: u32) -> String {
    format!("source[{c}]")
}

impl<O: Operator> Engine for FlinkJob<O> {
    /// Feeds [`FlinkJob::on_source_record`] with a running count per channel
    /// as the position (after a restore it continues from the rewind position).
    fn on_record(&mut self, pt: Micros, channel: u32, e: Elem, out: &mut Vec<Out>) {
        self.advance(pt, out);
        let pos = self.sources.get(channel as usize).map_or(0, |s| s.position) + 1;
        self.on_source_record(pt, channel, pos, e, out);
    }
    fn on_watermark(&mut self, pt: Micros, channel: u32, wm: EventTime, out: &mut Vec<Out>) {
        self.on_source_watermark(pt, channel, wm, out);
    }
    fn on_end_of_input(&mut self, pt: Micros, out: &mut Vec<Out>) {
        for c in 0..self.cfg.channels {
            self.on_source_end(pt, c, out);
        }
    }
    fn next_wakeup(&self) -> Option<Micros> {
        self.next_action().map(|x| x.0)
    }
    fn on_wakeup(&mut self, pt: Micros, out: &mut Vec<Out>) {
        self.advance(pt, out);
    }
}

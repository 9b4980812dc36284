//! A job's Kafka sink: the job's own producer writing results to a topic,
//! with Flink's `KafkaSink` delivery guarantees (C-7, C-8).
//!
//! - `none`: records are sent when results are emitted; nothing waits.
//! - `at-least-once`: as `none`, and a checkpoint's pre-commit waits until
//!   every record sent so far is acknowledged (`flush()`), so a completed
//!   checkpoint never covers a lost record; a restore replays (duplicates).
//! - `exactly-once`: each checkpoint epoch's records go into one Kafka
//!   transaction; pre-commit flushes it and remembers its producer id and
//!   epoch (in checkpoint storage); when the checkpoint completes the
//!   transaction commits. After a failure the transaction of the restored
//!   checkpoint is committed again from its stored identity (Flink's
//!   `recoverAndCommit`: an `EndTxn` with the old producer id and epoch,
//!   before the new instance's `InitProducerId` would abort it); whatever
//!   else was open is aborted by that `InitProducerId` (zombie fencing).
//!
//! Simplification: Flink keeps a pool of transactional producers so the
//! next epoch can write while the previous transaction waits for its
//! commit; this sink has one producer and holds the next epoch's records
//! in memory until the previous commit is done. The guarantees are the
//! same; the next epoch's records reach the broker a little later.

use crate::kafka::producer::{Producer, ProducerTimer};
use crate::kafka::protocol::Msg;
use crate::kernel::{Ctx, NodeId};
use crate::model::{Model, Timer};
use crate::scenario::jobs::DeliveryGuarantee;
use crate::time::Micros;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

const CONTROLLER: NodeId = 0;
/// Correlation ids of recovery commits (distinct from the producer's and
/// the consumer's).
const RESUME_CORR: u64 = 1 << 50;
/// How long a recovery commit waits for an answer before trying again.
const RESUME_TIMEOUT: Micros = 1_000_000;

#[derive(Clone, Debug)]
struct Held {
    txn: Option<u64>,
    key: String,
    value: String,
    ts: Micros,
}

#[derive(Clone, Debug)]
pub struct KafkaSink {
    guarantee: DeliveryGuarantee,
    producer: Producer,
    txn_id: String,
    // ---- durable (checkpoint storage) ----
    /// Pre-committed transactions: sink txn → (producer id, epoch).
    precommitted: BTreeMap<u64, (i64, i16)>,
    /// Sink txns known committed in Kafka.
    committed: BTreeSet<u64>,
    // ---- volatile ----
    started: bool,
    /// The producer process died since it last started (restart, not start).
    crashed: bool,
    /// The sink txn the producer's open Kafka transaction belongs to.
    current: Option<u64>,
    /// The sink txn the producer is committing (or aborting).
    ending: Option<u64>,
    held: VecDeque<Held>,
    /// Flushes waiting for their records to be acknowledged: (checkpoint,
    /// the transaction pre-committed by it).
    flushing: Vec<(u64, Option<u64>)>,
    /// Pre-commits done, to report to the engine.
    acked: Vec<u64>,
    /// A recovery commit in flight: (corr, txn).
    resume: Option<(u64, u64)>,
    resume_seq: u64,
}

impl KafkaSink {
    pub fn new(guarantee: DeliveryGuarantee, producer: Producer, txn_id: String) -> Self {
        KafkaSink {
            guarantee,
            producer,
            txn_id,
            precommitted: BTreeMap::new(),
            committed: BTreeSet::new(),
            started: false,
            crashed: false,
            current: None,
            ending: None,
            held: VecDeque::new(),
            flushing: Vec::new(),
            acked: Vec::new(),
            resume: None,
            resume_seq: 0,
        }
    }

    fn exactly_once(&self) -> bool {
        self.guarantee == DeliveryGuarantee::ExactlyOnce
    }

    /// Starts the producer (at the job's start, and after a restart once no
    /// recovery commit is pending).
    fn ensure_started(&mut self, ctx: &mut Ctx<'_, Model>) {
        if !self.started && self.resume.is_none() {
            self.started = true;
            if std::mem::take(&mut self.crashed) {
                self.producer.on_restart(ctx);
            } else {
                self.producer.on_start(ctx);
            }
        }
    }

    pub fn on_start(&mut self, ctx: &mut Ctx<'_, Model>) {
        self.ensure_started(ctx);
    }

    /// A result to write, in sink transaction `txn` (exactly-once) or not.
    pub fn write(&mut self, ctx: &mut Ctx<'_, Model>, txn: Option<u64>, key: String, value: String, ts: Micros) {
        self.held.push_back(Held { txn, key, value, ts });
        self.pump(ctx);
    }

    /// The engine snapshots the sink for `checkpoint`: flush, and
    /// pre-commit `txn` (exactly-once).
    pub fn pre_commit(&mut self, ctx: &mut Ctx<'_, Model>, checkpoint: u64, txn: Option<u64>) {
        self.flushing.push((checkpoint, txn));
        self.producer.flush(ctx);
        self.pump(ctx);
    }

    /// The checkpoint of `txn` completed (or was restored): commit it.
    pub fn commit(&mut self, ctx: &mut Ctx<'_, Model>, txn: u64) {
        if !self.exactly_once() || self.committed.contains(&txn) {
            return;
        }
        if self.current == Some(txn) && self.started {
            self.ending = Some(txn);
            self.current = None;
            self.producer.end_transaction(ctx, true);
        } else if let (Some(&(pid, epoch)), true) = (self.precommitted.get(&txn), self.ending != Some(txn)) {
            // recoverAndCommit: the transaction of a restored checkpoint,
            // written by an instance that is gone.
            self.resume_commit(ctx, txn, pid, epoch);
        }
        self.pump(ctx);
    }

    /// The engine aborted `txn` (a failure before its checkpoint).
    pub fn abort(&mut self, ctx: &mut Ctx<'_, Model>, txn: u64) {
        self.held.retain(|h| h.txn != Some(txn));
        if self.current == Some(txn) && self.started {
            self.ending = Some(txn);
            self.current = None;
            self.producer.end_transaction(ctx, false);
        }
        self.pump(ctx);
    }

    /// Checkpoints whose flush finished since the last call.
    pub fn take_acked(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.acked)
    }

    fn resume_commit(&mut self, ctx: &mut Ctx<'_, Model>, txn: u64, pid: i64, epoch: i16) {
        self.resume_seq += 1;
        let corr = RESUME_CORR + self.resume_seq;
        self.resume = Some((corr, txn));
        ctx.send(CONTROLLER, Msg::EndTxn { corr, txn_id: self.txn_id.clone(), producer_id: pid, producer_epoch: epoch, commit: true });
        ctx.set_timer(RESUME_TIMEOUT, Timer::Producer(ProducerTimer::TxnTimeout { corr }));
    }

    /// Sends what can be sent, finishes transactions that ended, acks
    /// flushed pre-commits.
    fn pump(&mut self, ctx: &mut Ctx<'_, Model>) {
        self.ensure_started(ctx);
        if !self.started {
            return;
        }
        if let Some(t) = self.ending {
            if self.producer.txn_idle() {
                self.ending = None;
                self.committed.insert(t);
            }
        }
        while let Some(h) = self.held.front() {
            if self.exactly_once() {
                if self.ending.is_some() || self.producer.fenced() {
                    break;
                }
                match (self.current, h.txn) {
                    (None, t) => self.current = t,
                    (Some(c), Some(t)) if c == t => {}
                    _ => break, // the next epoch waits for this one's commit
                }
            }
            let Some(h) = self.held.pop_front() else { break };
            self.producer.app_send(ctx, Some(h.key), h.value, h.ts);
        }
        // Pre-commits: every record of the txn is out and acknowledged.
        let mut done = Vec::new();
        for &(cp, txn) in &self.flushing {
            let pending_writes = if self.exactly_once() { txn.is_some() && self.held.iter().any(|h| h.txn == txn) } else { !self.held.is_empty() };
            if pending_writes || !self.producer.flushed() {
                continue;
            }
            if let Some(t) = txn {
                if self.exactly_once() && self.current == Some(t) {
                    self.precommitted.insert(t, self.producer.identity());
                }
            }
            done.push(cp);
        }
        if !done.is_empty() {
            self.flushing.retain(|(cp, _)| !done.contains(cp));
            self.acked.extend(done);
        }
    }

    pub fn on_msg(&mut self, ctx: &mut Ctx<'_, Model>, from: NodeId, msg: Msg) {
        if let Msg::EndTxnResponse { corr, .. } = &msg {
            if let Some((c, txn)) = self.resume {
                if *corr == c {
                    // Committed now, or already (CompleteCommit answers
                    // NONE); a fenced answer means Kafka aborted it on
                    // timeout (C-8: transaction.timeout.ms too short).
                    self.resume = None;
                    self.committed.insert(txn);
                    self.pump(ctx);
                    return;
                }
            }
        }
        if self.started {
            self.producer.on_msg(ctx, from, msg);
        }
        self.pump(ctx);
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, Model>, t: ProducerTimer) {
        if let ProducerTimer::TxnTimeout { corr } = &t {
            if let Some((c, txn)) = self.resume {
                if *corr == c {
                    if let Some(&(pid, epoch)) = self.precommitted.get(&txn) {
                        self.resume_commit(ctx, txn, pid, epoch);
                    }
                    return;
                }
            }
        }
        if self.started {
            self.producer.on_timer(ctx, t);
        }
        self.pump(ctx);
    }

    pub fn on_unreachable(&mut self, ctx: &mut Ctx<'_, Model>, peer: NodeId) {
        if self.started {
            self.producer.on_unreachable(ctx, peer);
        }
        self.pump(ctx);
    }

    pub fn on_crash(&mut self) {
        self.producer.on_crash();
        self.started = false;
        self.crashed = true;
        self.current = None;
        self.ending = None;
        self.held.clear();
        self.flushing.clear();
        self.acked.clear();
        self.resume = None;
    }
}

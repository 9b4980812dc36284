//! The producer client, after the Java `KafkaProducer`.
//!
//! The application calls `send()` (a generated workload or scripted
//! records); the record is partitioned (murmur2 for keys, sticky for null
//! keys, §4), accumulated into a per-partition batch (`batch.size`,
//! `linger.ms`), sent to the partition leader with `acks`, and retried on
//! retriable errors with exponential backoff until `retries` or
//! `delivery.timeout.ms` runs out. With idempotence it carries a producer id,
//! epoch and per-partition sequence numbers so the broker can drop retried
//! duplicates (C3). Every send ends in the history as acked, failed
//! (definitely not written) or indefinite (may or may not be in the log, C7).

use super::events::KEvent;
use super::partitioner::{choose_partition, StickyPartitioner, StickyStrategy, TopicPartitions};
use super::protocol::{Acks, Msg, SendRecord};
use super::types::{BrokerId, ErrorCode, PartitionMeta, Tp};
use crate::kernel::{Ctx, NodeId};
use crate::model::{emit, Model, Timer};
use crate::scenario::{KeyDist, ProducerSpec, ScriptedRecord, TopicSpec, Workload};
use crate::time::Micros;
use std::collections::BTreeMap;

const CONTROLLER: NodeId = 0;
/// How long to wait for a metadata or InitProducerId answer before asking again.
const META_TIMEOUT: Micros = 1_000_000;

#[derive(Clone, Debug)]
pub enum ProducerTimer {
    /// The next generated send().
    Generate,
    /// The next scripted send().
    Script,
    /// `linger.ms` expired for a partition's open batch.
    Linger {
        partition: u32,
    },
    /// Try to send ready batches (after a backoff or a metadata update).
    Drain,
    RequestTimeout {
        corr: u64,
    },
    MetadataTimeout {
        corr: u64,
    },
    /// A transactional request (AddPartitionsToTxn, EndTxn) got no answer.
    TxnTimeout {
        corr: u64,
    },
    DeliveryTimeout,
}

#[derive(Clone, Debug)]
struct Batch {
    partition: u32,
    records: Vec<SendRecord>,
    bytes: u64,
    created: Micros,
    /// Sent at least once.
    attempts: u32,
    base_seq: Option<i32>,
    /// The producer epoch its sequence numbers belong to.
    epoch: i16,
    /// Some attempt ended in a way that may have written it.
    ambiguous: bool,
    /// Not before this time (retry backoff).
    ready_at: Micros,
    /// Closed to new records (full, lingered, or sent).
    closed: bool,
}

#[derive(Clone, Debug)]
struct InFlight {
    batch: Batch,
    broker: BrokerId,
    timer: u64,
}

/// In-memory client state (lost in a crash).
#[derive(Clone, Debug)]
struct Volatile {
    leaders: BTreeMap<u32, (Option<BrokerId>, i32)>,
    meta_corr: Option<u64>,
    next_bootstrap: u32,
    producer_id: i64,
    producer_epoch: i16,
    pid_corr: Option<u64>,
    queues: BTreeMap<u32, Vec<Batch>>,
    inflight: BTreeMap<u64, InFlight>,
    next_seq: BTreeMap<u32, i32>,
    next_corr: u64,
    sticky: StickyPartitioner,
    drain_armed: bool,
    txn: TxnClient,
}

/// Where the current transaction is (transactional producers only).
#[derive(Clone, Debug, Default, PartialEq)]
enum TxnPhase {
    #[default]
    Idle,
    Open,
    /// The application asked to commit (or abort); waiting for its batches
    /// to be acknowledged, then for EndTxn.
    Ending {
        commit: bool,
    },
}

#[derive(Clone, Debug, Default)]
struct TxnClient {
    phase: TxnPhase,
    /// Partitions the coordinator knows are in the transaction.
    added: std::collections::BTreeSet<u32>,
    /// An AddPartitionsToTxn in flight, with its partitions.
    add_inflight: Option<(u64, Vec<u32>)>,
    end_corr: Option<u64>,
    /// Sends of this transaction, with their offsets once acknowledged.
    sends: Vec<u64>,
    offsets: BTreeMap<u64, (u32, i64)>,
    /// Some send of this transaction definitely failed: it must abort.
    doomed: bool,
    fenced: bool,
    /// Records the application produced while the previous transaction was
    /// ending: (key, value, timestamp, explicit partition).
    deferred: Vec<(Option<String>, String, Micros, Option<u32>)>,
}

#[derive(Clone, Debug)]
pub struct Producer {
    name: String,
    topic: u16,
    partitions: u32,
    brokers: u32,
    acks: Acks,
    idempotent: bool,
    linger: Micros,
    batch_size: u64,
    retries: i64,
    delivery_timeout: Micros,
    request_timeout: Micros,
    backoff: Micros,
    backoff_max: Micros,
    max_in_flight: usize,
    ignore_keys: bool,
    /// `transactional.id`, when transactional.
    txn_id: Option<String>,
    txn_timeout: Micros,
    txn_records: u64,
    abort_every: u64,
    /// Transactions ended so far (for abort_every) — the application's own
    /// count, kept across crashes.
    txns_ended: u64,
    /// An EndTxn(commit) had been sent when the process died.
    commit_in_doubt: bool,
    resend_on_failure: bool,
    workload: Option<Workload>,
    script: Vec<ScriptedRecord>,
    zipf_cdf: Vec<f64>,
    // The application's own progress and the test harness's ledger survive
    // a crash of the client library's memory: they are the history.
    next_send_id: u64,
    generated: u64,
    next_script: usize,
    /// Send id → whether it was ever put on the wire.
    pending: BTreeMap<u64, bool>,
    v: Volatile,
    /// Correlation ids start here: a producer embedded in a stream job
    /// shares the node with a consumer and must not answer its responses.
    corr_base: u64,
}

fn volatile(batch_size: u64) -> Volatile {
    Volatile {
        leaders: BTreeMap::new(),
        meta_corr: None,
        next_bootstrap: 0,
        producer_id: -1,
        producer_epoch: -1,
        pid_corr: None,
        queues: BTreeMap::new(),
        inflight: BTreeMap::new(),
        next_seq: BTreeMap::new(),
        next_corr: 0,
        sticky: StickyPartitioner::new(StickyStrategy::BuiltIn, batch_size),
        drain_armed: false,
        txn: TxnClient::default(),
    }
}

impl Producer {
    pub fn new(spec: &ProducerSpec, topics: &[TopicSpec], brokers: u32) -> Self {
        let ti = topics.iter().position(|t| t.name == spec.topic).unwrap_or(0);
        let c = &spec.config;
        let acks = match c.str("acks") {
            "0" => Acks::Zero,
            "1" => Acks::One,
            _ => Acks::All,
        };
        let batch_size = c.int("batch.size").max(1) as u64;
        let zipf_cdf = match &spec.workload {
            Some(Workload { keys: KeyDist::Zipf { count, exponent, .. }, .. }) => {
                // libm's pow: bit-identical on native and WASM.
                let w: Vec<f64> = (1..=*count).map(|k| 1.0 / libm::pow(k as f64, *exponent)).collect();
                let total: f64 = w.iter().sum();
                let mut acc = 0.0;
                w.iter()
                    .map(|x| {
                        acc += x / total;
                        acc
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        let mut script = spec.records.clone();
        script.sort_by_key(|r| r.at);
        Producer {
            name: spec.name.clone(),
            topic: ti as u16,
            partitions: topics.get(ti).map_or(1, |t| t.partitions),
            brokers,
            acks,
            idempotent: spec.idempotent,
            linger: c.micros("linger.ms"),
            batch_size,
            retries: c.int("retries"),
            delivery_timeout: c.micros("delivery.timeout.ms"),
            request_timeout: c.micros("request.timeout.ms").max(1_000),
            backoff: c.micros("retry.backoff.ms").max(1_000),
            backoff_max: c.micros("retry.backoff.max.ms").max(1_000),
            max_in_flight: c.int("max.in.flight.requests.per.connection").max(1) as usize,
            ignore_keys: c.bool("partitioner.ignore.keys"),
            txn_id: c.list("transactional.id").first().cloned(),
            txn_timeout: c.micros("transaction.timeout.ms"),
            txn_records: c.int("streamlab.transaction.records").max(1) as u64,
            abort_every: c.int("streamlab.transaction.abort.every").max(0) as u64,
            txns_ended: 0,
            commit_in_doubt: false,
            resend_on_failure: c.bool("streamlab.resend.on.failure"),
            workload: spec.workload.clone(),
            script,
            zipf_cdf,
            next_send_id: 0,
            generated: 0,
            next_script: 0,
            pending: BTreeMap::new(),
            v: volatile(batch_size),
            corr_base: 0,
        }
    }

    /// A producer embedded in a stream job's Kafka sink: no workload, the
    /// job calls [`Producer::app_send`]; a transactional one ends its
    /// transactions only when the job says so ([`Producer::end_transaction`]).
    pub fn embedded(spec: &ProducerSpec, topics: &[TopicSpec], brokers: u32) -> Self {
        let mut p = Producer::new(spec, topics, brokers);
        p.txn_records = u64::MAX;
        p.corr_base = 1 << 40;
        p
    }

    /// The application's `send()` of a job's sink.
    pub fn app_send(&mut self, ctx: &mut Ctx<'_, Model>, key: Option<String>, value: String, timestamp: Micros) {
        self.send(ctx, key, value, timestamp, None);
    }

    /// `flush()`: every open batch goes out now.
    pub fn flush(&mut self, ctx: &mut Ctx<'_, Model>) {
        for q in self.v.queues.values_mut() {
            for b in q.iter_mut() {
                b.closed = true;
            }
        }
        self.drain(ctx);
    }

    /// Every send so far is acknowledged (or definitely failed).
    pub fn flushed(&self) -> bool {
        self.v.inflight.is_empty() && self.v.queues.values().all(|q| q.is_empty())
    }

    /// `commitTransaction()` / `abortTransaction()` of the open transaction.
    pub fn end_transaction(&mut self, ctx: &mut Ctx<'_, Model>, commit: bool) {
        if self.v.txn.phase != TxnPhase::Open {
            return;
        }
        self.v.txn.phase = TxnPhase::Ending { commit };
        self.flush(ctx);
        self.maybe_end_txn(ctx);
    }

    /// No transaction is open or ending.
    pub fn txn_idle(&self) -> bool {
        self.v.txn.phase == TxnPhase::Idle
    }

    /// A newer instance fenced this one (it is closed).
    pub fn fenced(&self) -> bool {
        self.v.txn.fenced
    }

    /// `(producerId, epoch)` of this instance (-1 before InitProducerId).
    pub fn identity(&self) -> (i64, i16) {
        (self.v.producer_id, self.v.producer_epoch)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn on_start(&mut self, ctx: &mut Ctx<'_, Model>) {
        self.v = volatile(self.batch_size);
        self.request_metadata(ctx);
        if self.idempotent {
            self.request_pid(ctx);
        }
        let now = ctx.now();
        if let Some(w) = &self.workload {
            if w.count != Some(0) {
                let first = w.start.max(now);
                if first < w.stop {
                    ctx.set_timer(first - now, Timer::Producer(ProducerTimer::Generate));
                }
            }
        }
        self.arm_script(ctx);
        ctx.set_timer(1_000_000, Timer::Producer(ProducerTimer::DeliveryTimeout));
    }

    /// After a crash: what the process had in memory is gone. Sends never
    /// put on the wire definitely failed; the others are indefinite.
    pub fn on_restart(&mut self, ctx: &mut Ctx<'_, Model>) {
        let in_doubt = std::mem::take(&mut self.commit_in_doubt);
        for (id, sent) in std::mem::take(&mut self.pending) {
            if self.txn_id.is_some() {
                // The new instance's InitProducerId aborts the open
                // transaction — unless its commit was already on the way.
                if in_doubt {
                    emit(ctx, KEvent::SendInfo { id, error: ErrorCode::NetworkException });
                } else {
                    emit(ctx, KEvent::SendFail { id, error: ErrorCode::TransactionAborted });
                }
                continue;
            }
            if sent {
                emit(ctx, KEvent::SendInfo { id, error: ErrorCode::NetworkException });
            } else {
                emit(ctx, KEvent::SendFail { id, error: ErrorCode::NetworkException });
            }
        }
        // Scripted sends scheduled during the downtime are skipped: the
        // application was down.
        let now = ctx.now();
        while self.next_script < self.script.len() && self.script[self.next_script].at < now {
            self.next_script += 1;
        }
        self.on_start(ctx);
    }

    /// The connection to a broker was reset: every request in flight to it
    /// fails with a disconnect (`NetworkClient` → NetworkException), which
    /// is retriable and leaves the outcome unknown.
    pub fn on_unreachable(&mut self, ctx: &mut Ctx<'_, Model>, peer: NodeId) {
        let failed: Vec<u64> = self.v.inflight.iter().filter(|(_, f)| f.broker == peer).map(|(c, _)| *c).collect();
        if self.v.meta_corr.is_some() {
            self.v.meta_corr = None;
        }
        for corr in failed {
            if let Some(f) = self.v.inflight.remove(&corr) {
                ctx.cancel_timer(f.timer);
                self.retry_or_finish(ctx, f.batch, ErrorCode::NetworkException);
            }
        }
        self.v.leaders.retain(|_, (l, _)| *l != Some(peer));
        self.request_metadata(ctx);
    }

    pub fn on_crash(&mut self) {
        self.v = volatile(self.batch_size);
    }

    fn corr(&mut self) -> u64 {
        self.v.next_corr += 1;
        self.corr_base + self.v.next_corr
    }

    fn request_metadata(&mut self, ctx: &mut Ctx<'_, Model>) {
        if self.v.meta_corr.is_some() || self.brokers == 0 {
            return;
        }
        let corr = self.corr();
        self.v.meta_corr = Some(corr);
        let b = self.v.next_bootstrap % self.brokers + 1;
        self.v.next_bootstrap += 1;
        ctx.send(b, Msg::MetadataRequest { corr });
        ctx.set_timer(META_TIMEOUT, Timer::Producer(ProducerTimer::MetadataTimeout { corr }));
    }

    fn request_pid(&mut self, ctx: &mut Ctx<'_, Model>) {
        if self.v.pid_corr.is_some() {
            return;
        }
        let corr = self.corr();
        self.v.pid_corr = Some(corr);
        ctx.send(CONTROLLER, Msg::InitProducerId { corr, transactional_id: self.txn_id.clone(), txn_timeout: self.txn_timeout });
        ctx.set_timer(META_TIMEOUT, Timer::Producer(ProducerTimer::MetadataTimeout { corr }));
    }

    fn arm_script(&mut self, ctx: &mut Ctx<'_, Model>) {
        if let Some(r) = self.script.get(self.next_script) {
            let now = ctx.now();
            ctx.set_timer(r.at.saturating_sub(now), Timer::Producer(ProducerTimer::Script));
        }
    }

    fn arm_drain(&mut self, ctx: &mut Ctx<'_, Model>, after: Micros) {
        if !self.v.drain_armed {
            self.v.drain_armed = true;
            ctx.set_timer(after, Timer::Producer(ProducerTimer::Drain));
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, Model>, t: ProducerTimer) {
        match t {
            ProducerTimer::Generate => self.generate(ctx),
            ProducerTimer::Script => {
                let now = ctx.now();
                while let Some(r) = self.script.get(self.next_script).cloned() {
                    if r.at > now {
                        break;
                    }
                    self.next_script += 1;
                    let value = r.value.clone().unwrap_or_else(|| format!("{}-{}", self.name, self.next_send_id));
                    self.send(ctx, r.key.clone(), value, r.event_time, r.partition);
                }
                self.arm_script(ctx);
            }
            ProducerTimer::Linger { partition } => {
                let now = ctx.now();
                if let Some(q) = self.v.queues.get_mut(&partition) {
                    if let Some(b) = q.last_mut().filter(|b| now.saturating_sub(b.created) >= self.linger) {
                        b.closed = true;
                    }
                }
                self.drain(ctx);
            }
            ProducerTimer::Drain => {
                self.v.drain_armed = false;
                self.drain(ctx);
            }
            ProducerTimer::RequestTimeout { corr } => {
                if let Some(f) = self.v.inflight.remove(&corr) {
                    // The client gives up on the request: the batch may or
                    // may not have been written.
                    self.request_metadata(ctx);
                    self.retry_or_finish(ctx, f.batch, ErrorCode::NetworkException);
                }
            }
            ProducerTimer::MetadataTimeout { corr } => {
                if self.v.meta_corr == Some(corr) {
                    self.v.meta_corr = None;
                    self.request_metadata(ctx);
                }
                if self.v.pid_corr == Some(corr) {
                    self.v.pid_corr = None;
                    self.request_pid(ctx);
                }
            }
            ProducerTimer::TxnTimeout { corr } => {
                if self.v.txn.add_inflight.as_ref().is_some_and(|(c, _)| *c == corr) {
                    self.v.txn.add_inflight = None;
                    self.add_partitions(ctx);
                }
                if self.v.txn.end_corr == Some(corr) {
                    self.v.txn.end_corr = None;
                    self.maybe_end_txn(ctx);
                }
            }
            ProducerTimer::DeliveryTimeout => {
                self.expire_queued(ctx);
                ctx.set_timer(1_000_000, Timer::Producer(ProducerTimer::DeliveryTimeout));
            }
        }
    }

    fn generate(&mut self, ctx: &mut Ctx<'_, Model>) {
        let Some(w) = self.workload.clone() else { return };
        let now = ctx.now();
        if now >= w.stop || w.count.is_some_and(|c| self.generated >= c) {
            return;
        }
        let key = self.next_key(ctx, &w.keys);
        let value = format!("{}-{}", self.name, self.next_send_id);
        let ts = ctx.local_now();
        self.generated += 1;
        self.send(ctx, key, value, ts, None);
        // Fixed inter-arrival time 1/rate (documented), so lessons can
        // count records exactly.
        let interval = ((1_000_000.0 / w.rate).round() as u64).max(1);
        if now + interval < w.stop && w.count.is_none_or(|c| self.generated < c) {
            ctx.set_timer(interval, Timer::Producer(ProducerTimer::Generate));
        }
    }

    fn next_key(&mut self, ctx: &mut Ctx<'_, Model>, keys: &KeyDist) -> Option<String> {
        match keys {
            KeyDist::None => None,
            KeyDist::Uniform { count, prefix } => Some(format!("{prefix}{}", ctx.rng().below(u64::from(*count)))),
            KeyDist::Sequential { count, prefix } => Some(format!("{prefix}{}", self.generated % u64::from(*count))),
            KeyDist::Zipf { prefix, .. } => {
                let u = ctx.rng().unit();
                let i = self.zipf_cdf.partition_point(|c| *c < u).min(self.zipf_cdf.len().saturating_sub(1));
                Some(format!("{prefix}{i}"))
            }
        }
    }

    fn available(&self) -> Vec<u32> {
        (0..self.partitions).filter(|p| self.v.leaders.get(p).is_some_and(|(l, _)| l.is_some())).collect()
    }

    /// The application's `send()`.
    fn send(&mut self, ctx: &mut Ctx<'_, Model>, key: Option<String>, value: String, timestamp: Micros, explicit: Option<u32>) {
        if self.txn_id.is_some() {
            if self.v.txn.fenced {
                return; // a fenced producer is closed: the application stops
            }
            if matches!(self.v.txn.phase, TxnPhase::Ending { .. }) {
                // commitTransaction() blocks the application thread: the
                // record is produced once the next transaction begins.
                self.v.txn.deferred.push((key, value, timestamp, explicit));
                return;
            }
            if self.v.txn.phase == TxnPhase::Idle {
                self.v.txn.phase = TxnPhase::Open;
                emit(ctx, KEvent::TxnBegun { txn: self.txn_id.clone().unwrap_or_default(), producer_epoch: self.v.producer_epoch });
            }
        }
        let id = self.next_send_id;
        self.next_send_id += 1;
        let available = self.available();
        let all: Vec<u32> = (0..self.partitions).collect();
        let avail = if available.is_empty() { &all } else { &available };
        let tps = TopicPartitions::uniform(self.partitions, avail);
        let mut rng = ctx.rng().clone();
        let partition = choose_partition(explicit, key.as_deref().map(str::as_bytes), self.ignore_keys, &mut self.v.sticky, &mut rng, &tps).unwrap_or(0);
        emit(ctx, KEvent::Send { id, key: key.clone(), value: value.clone(), partition });
        let rec = SendRecord { send_id: id, key: key.clone(), value, timestamp };
        let bytes = rec.value.len() as u64 + key.as_ref().map_or(0, |k| k.len() as u64) + super::log::RECORD_OVERHEAD_BYTES;
        let now = ctx.now();
        self.pending.insert(id, false);
        let q = self.v.queues.entry(partition).or_default();
        let open = q.last_mut().filter(|b| !b.closed && b.attempts == 0);
        let new_batch = match open {
            Some(b) => {
                b.records.push(rec);
                b.bytes += bytes;
                if b.bytes >= self.batch_size {
                    b.closed = true;
                }
                false
            }
            None => {
                q.push(Batch {
                    partition,
                    records: vec![rec],
                    bytes,
                    created: now,
                    attempts: 0,
                    base_seq: None,
                    epoch: -1,
                    ambiguous: false,
                    ready_at: now,
                    closed: bytes >= self.batch_size,
                });
                true
            }
        };
        let switch_ok = explicit.is_none() && (key.is_none() || self.ignore_keys);
        if switch_ok {
            self.v.sticky.on_append(&mut rng, &tps, partition, bytes, true);
        }
        // The partitioner's draws come from the producer's own stream.
        *ctx.rng() = rng;
        if self.txn_id.is_some() {
            self.v.txn.sends.push(id);
            if self.v.txn.sends.len() as u64 >= self.txn_records {
                let n = self.txns_ended + 1;
                let commit = !(self.abort_every > 0 && n.is_multiple_of(self.abort_every));
                self.v.txn.phase = TxnPhase::Ending { commit };
                // Flush: every open batch goes out now.
                for q in self.v.queues.values_mut() {
                    for b in q.iter_mut() {
                        b.closed = true;
                    }
                }
            }
        }
        if new_batch && self.linger > 0 {
            ctx.set_timer(self.linger, Timer::Producer(ProducerTimer::Linger { partition }));
        }
        if self.linger == 0 {
            if let Some(b) = self.v.queues.get_mut(&partition).and_then(|q| q.last_mut()) {
                b.closed = true;
            }
        }
        self.drain(ctx);
    }

    fn drain(&mut self, ctx: &mut Ctx<'_, Model>) {
        let now = ctx.now();
        if self.idempotent && self.v.producer_id < 0 {
            self.request_pid(ctx);
            return;
        }
        let partitions: Vec<u32> = self.v.queues.keys().copied().collect();
        let mut earliest_wait: Option<Micros> = None;
        for p in partitions {
            while let Some(front) = self.v.queues.get(&p).and_then(|q| q.first()) {
                if !front.closed {
                    break;
                }
                if front.ready_at > now {
                    earliest_wait = Some(earliest_wait.map_or(front.ready_at, |e| e.min(front.ready_at)));
                    break;
                }
                if self.txn_id.is_some() && !self.v.txn.added.contains(&p) {
                    self.add_partitions(ctx);
                    break;
                }
                let Some((Some(leader), _)) = self.v.leaders.get(&p).copied() else {
                    self.request_metadata(ctx);
                    earliest_wait = Some(earliest_wait.map_or(now + self.backoff, |e| e.min(now + self.backoff)));
                    break;
                };
                let inflight_to = self.v.inflight.values().filter(|f| f.broker == leader).count();
                if inflight_to >= self.max_in_flight {
                    break;
                }
                // With idempotence, a partition's batches go out strictly in
                // sequence order: a retried batch waits for nothing, later
                // ones wait for it to be in flight.
                let mut batch = self.v.queues.get_mut(&p).expect("queue").remove(0);
                if self.idempotent && (batch.base_seq.is_none() || batch.epoch != self.v.producer_epoch) {
                    // Sequences restart with each epoch: a batch from before
                    // an epoch bump gets new ones.
                    let seq = self.v.next_seq.entry(p).or_insert(0);
                    batch.base_seq = Some(*seq);
                    batch.epoch = self.v.producer_epoch;
                    *seq = seq.wrapping_add(batch.records.len() as i32);
                }
                self.send_batch(ctx, batch, leader);
            }
        }
        if let Some(t) = earliest_wait {
            self.arm_drain(ctx, t.saturating_sub(now).max(1));
        }
        self.maybe_end_txn(ctx);
    }

    /// Registers the partitions the open transaction is about to write.
    fn add_partitions(&mut self, ctx: &mut Ctx<'_, Model>) {
        if self.v.txn.add_inflight.is_some() || self.v.txn.fenced || self.v.producer_id < 0 {
            return;
        }
        let needed: Vec<u32> = self.v.queues.iter().filter(|(p, q)| !q.is_empty() && !self.v.txn.added.contains(p)).map(|(p, _)| *p).collect();
        if needed.is_empty() {
            return;
        }
        let corr = self.corr();
        self.v.txn.add_inflight = Some((corr, needed.clone()));
        let msg = Msg::AddPartitionsToTxn {
            corr,
            txn_id: self.txn_id.clone().unwrap_or_default(),
            producer_id: self.v.producer_id,
            producer_epoch: self.v.producer_epoch,
            partitions: needed.iter().map(|p| Tp(self.topic, *p)).collect(),
        };
        ctx.send(CONTROLLER, msg);
        ctx.set_timer(self.request_timeout, Timer::Producer(ProducerTimer::TxnTimeout { corr }));
    }

    /// Once every batch of an ending transaction is acknowledged, ask the
    /// coordinator to commit (or abort) it.
    fn maybe_end_txn(&mut self, ctx: &mut Ctx<'_, Model>) {
        let TxnPhase::Ending { commit } = self.v.txn.phase else { return };
        if self.v.txn.end_corr.is_some() || self.v.txn.fenced || !self.v.inflight.is_empty() || self.v.queues.values().any(|q| !q.is_empty()) {
            return;
        }
        let commit = commit && !self.v.txn.doomed;
        if self.v.txn.added.is_empty() {
            self.finish_txn(ctx, commit);
            return;
        }
        let corr = self.corr();
        self.v.txn.end_corr = Some(corr);
        self.v.txn.phase = TxnPhase::Ending { commit };
        if commit {
            self.commit_in_doubt = true;
        }
        let msg = Msg::EndTxn {
            corr,
            txn_id: self.txn_id.clone().unwrap_or_default(),
            producer_id: self.v.producer_id,
            producer_epoch: self.v.producer_epoch,
            commit,
        };
        ctx.send(CONTROLLER, msg);
        ctx.set_timer(self.request_timeout, Timer::Producer(ProducerTimer::TxnTimeout { corr }));
    }

    /// The transaction ended: its sends complete now, all together.
    fn finish_txn(&mut self, ctx: &mut Ctx<'_, Model>, commit: bool) {
        let txn = std::mem::take(&mut self.v.txn);
        self.commit_in_doubt = false;
        self.txns_ended += 1;
        emit(ctx, KEvent::TxnEnded { txn: self.txn_id.clone().unwrap_or_default(), commit, sends: txn.sends.clone() });
        for id in &txn.sends {
            self.pending.remove(id);
            match (commit, txn.offsets.get(id)) {
                (true, Some((partition, offset))) => emit(ctx, KEvent::SendOk { id: *id, partition: *partition, offset: *offset }),
                _ => emit(ctx, KEvent::SendFail { id: *id, error: ErrorCode::TransactionAborted }),
            }
        }
        for (key, value, ts, explicit) in txn.deferred {
            self.send(ctx, key, value, ts, explicit);
        }
    }

    /// A newer instance with our transactional.id exists: this one is dead.
    fn fence(&mut self, ctx: &mut Ctx<'_, Model>) {
        if self.v.txn.fenced {
            return;
        }
        self.v.txn.fenced = true;
        emit(ctx, KEvent::ProducerFenced { txn: self.txn_id.clone().unwrap_or_default(), producer_epoch: self.v.producer_epoch });
        let in_doubt = self.v.txn.end_corr.is_some() && matches!(self.v.txn.phase, TxnPhase::Ending { commit: true });
        let sends = std::mem::take(&mut self.v.txn.sends);
        for id in sends {
            self.pending.remove(&id);
            if in_doubt {
                emit(ctx, KEvent::SendInfo { id, error: ErrorCode::ProducerFenced });
            } else {
                emit(ctx, KEvent::SendFail { id, error: ErrorCode::ProducerFenced });
            }
        }
        self.v.queues.clear();
        for (_, f) in std::mem::take(&mut self.v.inflight) {
            ctx.cancel_timer(f.timer);
        }
    }

    fn send_batch(&mut self, ctx: &mut Ctx<'_, Model>, mut batch: Batch, leader: BrokerId) {
        let corr = self.corr();
        let tp = Tp(self.topic, batch.partition);
        emit(
            ctx,
            KEvent::BatchSent {
                tp,
                first_send: batch.records.first().map_or(0, |r| r.send_id),
                count: batch.records.len() as u32,
                attempt: batch.attempts,
                broker: leader,
            },
        );
        for r in &batch.records {
            self.pending.insert(r.send_id, true);
        }
        batch.attempts += 1;
        let msg = Msg::Produce {
            corr,
            tp,
            acks: self.acks,
            timeout: self.request_timeout,
            producer_id: if self.idempotent { self.v.producer_id } else { -1 },
            producer_epoch: if self.idempotent { self.v.producer_epoch } else { -1 },
            base_sequence: batch.base_seq.unwrap_or(-1),
            transactional: self.txn_id.is_some(),
            records: batch.records.clone(),
        };
        ctx.send(leader, msg);
        if self.acks == Acks::Zero {
            // acks=0: the future completes once the request is written to
            // the socket; the offset is unknown (-1) and retries never apply.
            for r in &batch.records {
                self.pending.remove(&r.send_id);
                emit(ctx, KEvent::SendOk { id: r.send_id, partition: batch.partition, offset: -1 });
            }
            return;
        }
        let timer = ctx.set_timer(self.request_timeout, Timer::Producer(ProducerTimer::RequestTimeout { corr }));
        self.v.inflight.insert(corr, InFlight { batch, broker: leader, timer });
    }

    fn retry_or_finish(&mut self, ctx: &mut Ctx<'_, Model>, mut batch: Batch, error: ErrorCode) {
        let now = ctx.now();
        if error.ambiguous_for_produce() {
            batch.ambiguous = true;
        }
        let expired = now.saturating_sub(batch.created) >= self.delivery_timeout;
        let retriable = error.retriable() || (self.idempotent && error == ErrorCode::OutOfOrderSequenceNumber);
        if retriable && i64::from(batch.attempts) <= self.retries && !expired {
            let exp = batch.attempts.saturating_sub(1).min(20);
            let base = self.backoff.saturating_mul(1 << exp).min(self.backoff_max);
            // ±20% jitter, as the Java client's ExponentialBackoff.
            let jitter = ctx.rng().range_inclusive(0, base / 5 * 2);
            batch.ready_at = now + (base - base / 5 + jitter);
            batch.closed = true;
            let q = self.v.queues.entry(batch.partition).or_default();
            // Retries go back to the front, in sequence order.
            let pos = q.iter().position(|b| b.base_seq.is_none() || (batch.base_seq.is_some() && b.base_seq > batch.base_seq)).unwrap_or(q.len());
            q.insert(pos, batch);
            self.arm_drain(ctx, (self.backoff).max(1));
            return;
        }
        let error = if expired { ErrorCode::DeliveryTimeout } else { error };
        if self.txn_id.is_some() {
            // A failed send dooms its transaction: it can only abort, and
            // its sends complete (as failed) when it does.
            self.v.txn.doomed = true;
            self.maybe_end_txn(ctx);
            return;
        }
        for r in &batch.records {
            self.pending.remove(&r.send_id);
            if batch.ambiguous || error.ambiguous_for_produce() {
                emit(ctx, KEvent::SendInfo { id: r.send_id, error });
            } else {
                emit(ctx, KEvent::SendFail { id: r.send_id, error });
            }
        }
        self.resend(ctx, &batch);
    }

    /// `streamlab.resend.on.failure`: the application sends a failed record
    /// again as a new record — which idempotence cannot recognise (new
    /// sequence numbers), so an indefinite original becomes a duplicate
    /// (reference C5).
    fn resend(&mut self, ctx: &mut Ctx<'_, Model>, batch: &Batch) {
        if !self.resend_on_failure {
            return;
        }
        for r in &batch.records {
            self.send(ctx, r.key.clone(), r.value.clone(), r.timestamp, Some(batch.partition));
        }
    }

    /// `delivery.timeout.ms` for batches still waiting in the accumulator.
    fn expire_queued(&mut self, ctx: &mut Ctx<'_, Model>) {
        let now = ctx.now();
        let mut expired = Vec::new();
        for q in self.v.queues.values_mut() {
            let (old, keep): (Vec<Batch>, Vec<Batch>) = std::mem::take(q).into_iter().partition(|b| now.saturating_sub(b.created) >= self.delivery_timeout);
            *q = keep;
            expired.extend(old);
        }
        if self.txn_id.is_some() && !expired.is_empty() {
            self.v.txn.doomed = true;
            self.maybe_end_txn(ctx);
            return;
        }
        for b in expired {
            for r in &b.records {
                self.pending.remove(&r.send_id);
                if b.ambiguous {
                    emit(ctx, KEvent::SendInfo { id: r.send_id, error: ErrorCode::DeliveryTimeout });
                } else {
                    emit(ctx, KEvent::SendFail { id: r.send_id, error: ErrorCode::DeliveryTimeout });
                }
            }
            self.resend(ctx, &b);
        }
    }

    pub fn on_msg(&mut self, ctx: &mut Ctx<'_, Model>, _from: NodeId, msg: Msg) {
        match msg {
            Msg::MetadataResponse { corr, partitions } => {
                if self.v.meta_corr == Some(corr) {
                    self.v.meta_corr = None;
                }
                self.apply_metadata(&partitions);
                if partitions.iter().all(|p| p.tp.0 != self.topic) {
                    // The broker had no metadata yet: ask again shortly.
                    self.arm_drain(ctx, self.backoff);
                }
                self.drain(ctx);
            }
            Msg::InitProducerIdResponse { corr, producer_id, producer_epoch } if self.v.pid_corr == Some(corr) => {
                self.v.pid_corr = None;
                self.v.producer_id = producer_id;
                self.v.producer_epoch = producer_epoch;
                self.drain(ctx);
            }
            Msg::AddPartitionsToTxnResponse { corr, error } => {
                let Some((c, parts)) = self.v.txn.add_inflight.clone() else { return };
                if c != corr {
                    return;
                }
                self.v.txn.add_inflight = None;
                match error {
                    ErrorCode::None => {
                        self.v.txn.added.extend(parts);
                        self.drain(ctx);
                    }
                    ErrorCode::ProducerFenced | ErrorCode::InvalidProducerEpoch | ErrorCode::UnknownProducerId => self.fence(ctx),
                    _ => self.arm_drain(ctx, self.backoff),
                }
            }
            Msg::EndTxnResponse { corr, error } => {
                if self.v.txn.end_corr != Some(corr) {
                    return;
                }
                self.v.txn.end_corr = None;
                match error {
                    ErrorCode::None => {
                        let commit = matches!(self.v.txn.phase, TxnPhase::Ending { commit: true });
                        self.finish_txn(ctx, commit);
                        self.drain(ctx);
                    }
                    ErrorCode::ProducerFenced | ErrorCode::InvalidProducerEpoch | ErrorCode::UnknownProducerId => self.fence(ctx),
                    _ => self.maybe_end_txn(ctx),
                }
            }
            Msg::ProduceResponse { corr, tp: _, error, base_offset } => {
                let Some(f) = self.v.inflight.remove(&corr) else { return };
                ctx.cancel_timer(f.timer);
                if error == ErrorCode::None && self.txn_id.is_some() {
                    // Acknowledged, but only the commit makes it a success.
                    for (i, r) in f.batch.records.iter().enumerate() {
                        self.v.txn.offsets.insert(r.send_id, (f.batch.partition, base_offset + i as i64));
                    }
                } else if error == ErrorCode::None {
                    for (i, r) in f.batch.records.iter().enumerate() {
                        self.pending.remove(&r.send_id);
                        emit(ctx, KEvent::SendOk { id: r.send_id, partition: f.batch.partition, offset: base_offset + i as i64 });
                    }
                } else if self.txn_id.is_some() && matches!(error, ErrorCode::InvalidProducerEpoch | ErrorCode::ProducerFenced) {
                    self.fence(ctx);
                    return;
                } else if error == ErrorCode::OutOfOrderSequenceNumber
                    && self.idempotent
                    && self.txn_id.is_none()
                    && f.batch.epoch == self.v.producer_epoch
                    && self.is_oldest(&f.batch)
                {
                    // No earlier batch of ours can fill the gap: the broker
                    // lost sequences it had acknowledged (a failover to a
                    // replica that never had them). As the Java client does
                    // since KIP-360, bump the producer epoch and restart the
                    // sequences; everything unacknowledged is sent again.
                    self.bump_epoch(ctx, f.batch);
                } else {
                    if matches!(
                        error,
                        ErrorCode::NotLeaderOrFollower | ErrorCode::FencedLeaderEpoch | ErrorCode::UnknownLeaderEpoch | ErrorCode::LeaderNotAvailable
                    ) {
                        self.v.leaders.remove(&f.batch.partition);
                        self.request_metadata(ctx);
                    }
                    self.retry_or_finish(ctx, f.batch, error);
                }
                self.drain(ctx);
            }
            _ => {}
        }
    }

    /// Whether no other batch of the same partition precedes `b` in
    /// sequence order (in flight or queued).
    fn is_oldest(&self, b: &Batch) -> bool {
        let Some(seq) = b.base_seq else { return true };
        let same = |x: &Batch| x.partition == b.partition && x.epoch == b.epoch && x.base_seq.is_some_and(|s| s < seq);
        let earlier_inflight = self.v.inflight.values().any(|f| same(&f.batch));
        let earlier_queued = self.v.queues.get(&b.partition).is_some_and(|q| q.iter().any(same));
        !earlier_inflight && !earlier_queued
    }

    /// Requests in flight keep their old epoch: their answers still count;
    /// if they fail they are retried with new sequence numbers.
    fn bump_epoch(&mut self, ctx: &mut Ctx<'_, Model>, failed: Batch) {
        self.v.producer_epoch = self.v.producer_epoch.saturating_add(1);
        self.v.next_seq.clear();
        let mut all = vec![failed];
        for q in self.v.queues.values_mut() {
            all.append(q);
        }
        all.sort_by_key(|b| (b.partition, b.records.first().map_or(0, |r| r.send_id)));
        for mut b in all {
            b.base_seq = None;
            b.ambiguous = b.ambiguous || b.attempts > 0;
            b.closed = true;
            self.v.queues.entry(b.partition).or_default().push(b);
        }
        self.arm_drain(ctx, self.backoff);
    }

    fn apply_metadata(&mut self, partitions: &[PartitionMeta]) {
        for p in partitions.iter().filter(|p| p.tp.0 == self.topic) {
            let newer = self.v.leaders.get(&p.tp.1).is_none_or(|(_, e)| p.leader_epoch >= *e);
            if newer {
                self.v.leaders.insert(p.tp.1, (p.leader, p.leader_epoch));
            }
        }
    }
}

//! The transaction coordinator: transactional ids, producer epochs and the
//! two-phase end of a transaction (prepare, markers, complete).
//!
//! After Kafka's `TransactionCoordinator`: `InitProducerId` with a
//! transactional.id returns the id's producer id with a bumped epoch — the
//! previous instance (a "zombie") is fenced, and a transaction it left open
//! is aborted. `AddPartitionsToTxn` records the partitions a transaction
//! writes; `EndTxn` moves it to PrepareCommit/PrepareAbort and has every
//! partition leader write a COMMIT or ABORT control record
//! (`WriteTxnMarkers`); once all are written the transaction is complete.
//! Transactions open longer than `transaction.timeout.ms` are aborted by
//! the coordinator, with an epoch bump.
//!
//! Simplifications (documented in ARCHITECTURE.md): the coordinator is
//! hosted on the controller node and its state (the `__transaction_state`
//! log) survives the node's crashes; markers are acknowledged after the
//! leader's local append.

use super::events::KEvent;
use super::protocol::Msg;
use super::types::{BrokerId, ErrorCode, PartitionMeta, Tp};
use crate::kernel::{Ctx, NodeId};
use crate::model::{emit, Model, Timer};
use crate::time::Micros;
use std::collections::{BTreeMap, BTreeSet};

/// How often the coordinator checks timeouts and retries markers.
const TICK: Micros = 200_000;

#[derive(Clone, Debug)]
pub enum TxnTimer {
    Tick,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Empty,
    Ongoing,
    PrepareCommit,
    PrepareAbort,
    CompleteCommit,
    CompleteAbort,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Empty => "Empty",
            State::Ongoing => "Ongoing",
            State::PrepareCommit => "PrepareCommit",
            State::PrepareAbort => "PrepareAbort",
            State::CompleteCommit => "CompleteCommit",
            State::CompleteAbort => "CompleteAbort",
        }
    }
}

#[derive(Clone, Debug)]
struct TxnMeta {
    producer_id: i64,
    epoch: i16,
    state: State,
    partitions: BTreeSet<Tp>,
    started: Micros,
    timeout: Micros,
    /// Markers not yet confirmed.
    pending: BTreeSet<Tp>,
    /// Who to answer when the markers are written (EndTxn's sender).
    reply_to: Option<(NodeId, u64)>,
    /// The epoch the markers are written with.
    marker_epoch: i16,
}

#[derive(Clone, Debug, Default)]
pub struct TxnCoordinator {
    txns: BTreeMap<String, TxnMeta>,
    /// Marker request correlation → transactional id.
    marker_corrs: BTreeMap<u64, String>,
    next_corr: u64,
}

impl TxnCoordinator {
    pub fn on_start(&mut self, ctx: &mut Ctx<'_, Model>) {
        self.marker_corrs.clear();
        ctx.set_timer(TICK, Timer::Controller(super::controller::ControllerTimer::Txn(TxnTimer::Tick)));
    }

    /// The node crashed: in-flight marker requests are forgotten (they are
    /// re-sent by the next tick); the transaction log itself is durable.
    pub fn on_crash(&mut self) {
        self.marker_corrs.clear();
        for t in self.txns.values_mut() {
            t.reply_to = None;
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, Model>, _t: TxnTimer, partitions: &BTreeMap<Tp, PartitionMeta>) {
        let now = ctx.now();
        let expired: Vec<String> =
            self.txns.iter().filter(|(_, t)| t.state == State::Ongoing && now.saturating_sub(t.started) > t.timeout).map(|(id, _)| id.clone()).collect();
        for id in expired {
            // Abort with a bumped epoch: the producer that let it time out
            // is fenced from now on.
            if let Some(t) = self.txns.get_mut(&id) {
                t.epoch = t.epoch.saturating_add(1);
            }
            self.begin_end(ctx, &id, false, None);
        }
        // (Re)send markers that are still pending.
        let pending: Vec<String> = self.txns.iter().filter(|(_, t)| !t.pending.is_empty()).map(|(id, _)| id.clone()).collect();
        for id in pending {
            self.send_markers(ctx, &id, partitions);
        }
        ctx.set_timer(TICK, Timer::Controller(super::controller::ControllerTimer::Txn(TxnTimer::Tick)));
    }

    /// Returns the (producer id, epoch) for an InitProducerId with a
    /// transactional id. `alloc` hands out a fresh producer id.
    pub fn init_producer_id(&mut self, ctx: &mut Ctx<'_, Model>, txn_id: &str, timeout: Micros, alloc: impl FnOnce() -> i64) -> (i64, i16) {
        let now = ctx.now();
        match self.txns.get_mut(txn_id) {
            None => {
                let pid = alloc();
                self.txns.insert(
                    txn_id.to_string(),
                    TxnMeta {
                        producer_id: pid,
                        epoch: 0,
                        state: State::Empty,
                        partitions: BTreeSet::new(),
                        started: now,
                        timeout,
                        pending: BTreeSet::new(),
                        reply_to: None,
                        marker_epoch: 0,
                    },
                );
                self.state_event(ctx, txn_id);
                (pid, 0)
            }
            Some(t) => {
                t.epoch = t.epoch.saturating_add(1);
                t.timeout = timeout;
                let (pid, epoch, ongoing) = (t.producer_id, t.epoch, t.state == State::Ongoing);
                if ongoing {
                    // The previous instance left a transaction open: abort it.
                    self.begin_end(ctx, txn_id, false, None);
                } else {
                    self.state_event(ctx, txn_id);
                }
                (pid, epoch)
            }
        }
    }

    fn check_epoch(&self, txn_id: &str, pid: i64, epoch: i16) -> Result<(), ErrorCode> {
        match self.txns.get(txn_id) {
            None => Err(ErrorCode::UnknownProducerId),
            Some(t) if t.producer_id != pid => Err(ErrorCode::UnknownProducerId),
            Some(t) if epoch < t.epoch => Err(ErrorCode::ProducerFenced),
            Some(_) => Ok(()),
        }
    }

    pub fn on_msg(&mut self, ctx: &mut Ctx<'_, Model>, from: NodeId, msg: Msg, partitions: &BTreeMap<Tp, PartitionMeta>) {
        match msg {
            Msg::AddPartitionsToTxn { corr, txn_id, producer_id, producer_epoch, partitions: parts } => {
                let error = match self.check_epoch(&txn_id, producer_id, producer_epoch) {
                    Err(e) => e,
                    Ok(()) => {
                        let now = ctx.now();
                        let t = self.txns.get_mut(&txn_id).expect("checked");
                        match t.state {
                            State::PrepareCommit | State::PrepareAbort => ErrorCode::RebalanceInProgress, // CONCURRENT_TRANSACTIONS: retry
                            _ => {
                                let fresh = t.state != State::Ongoing;
                                if fresh {
                                    t.partitions.clear();
                                    t.started = now;
                                }
                                t.state = State::Ongoing;
                                t.partitions.extend(parts);
                                if fresh {
                                    self.state_event(ctx, &txn_id);
                                }
                                ErrorCode::None
                            }
                        }
                    }
                };
                ctx.send(from, Msg::AddPartitionsToTxnResponse { corr, error });
            }
            Msg::EndTxn { corr, txn_id, producer_id, producer_epoch, commit } => {
                if let Err(e) = self.check_epoch(&txn_id, producer_id, producer_epoch) {
                    ctx.send(from, Msg::EndTxnResponse { corr, error: e });
                    return;
                }
                let state = self.txns[&txn_id].state;
                match (state, commit) {
                    (State::Ongoing, _) => {
                        self.begin_end(ctx, &txn_id, commit, Some((from, corr)));
                        self.send_markers(ctx, &txn_id, partitions);
                    }
                    // A retried EndTxn for a transaction already ending or ended.
                    (State::PrepareCommit, true) | (State::PrepareAbort, false) => {
                        if let Some(t) = self.txns.get_mut(&txn_id) {
                            t.reply_to = Some((from, corr));
                        }
                    }
                    (State::CompleteCommit, true) | (State::CompleteAbort, false) | (State::Empty, _) => {
                        ctx.send(from, Msg::EndTxnResponse { corr, error: ErrorCode::None });
                    }
                    _ => ctx.send(from, Msg::EndTxnResponse { corr, error: ErrorCode::ProducerFenced }),
                }
            }
            Msg::WriteTxnMarkersResponse { corr, errors } => {
                let Some(id) = self.marker_corrs.remove(&corr) else { return };
                let Some(t) = self.txns.get_mut(&id) else { return };
                for (tp, e) in errors {
                    if e == ErrorCode::None {
                        t.pending.remove(&tp);
                    }
                }
                if t.pending.is_empty() && matches!(t.state, State::PrepareCommit | State::PrepareAbort) {
                    t.state = if t.state == State::PrepareCommit { State::CompleteCommit } else { State::CompleteAbort };
                    if let Some((to, c)) = t.reply_to.take() {
                        ctx.send(to, Msg::EndTxnResponse { corr: c, error: ErrorCode::None });
                    }
                    self.state_event(ctx, &id);
                }
            }
            _ => {}
        }
    }

    /// Sends the markers of every transaction that has some pending.
    pub fn on_timer_markers(&mut self, ctx: &mut Ctx<'_, Model>, partitions: &BTreeMap<Tp, PartitionMeta>) {
        let pending: Vec<String> = self.txns.iter().filter(|(_, t)| !t.pending.is_empty() && t.reply_to.is_none()).map(|(id, _)| id.clone()).collect();
        for id in pending {
            self.send_markers(ctx, &id, partitions);
        }
    }

    fn begin_end(&mut self, ctx: &mut Ctx<'_, Model>, id: &str, commit: bool, reply_to: Option<(NodeId, u64)>) {
        let Some(t) = self.txns.get_mut(id) else { return };
        t.state = if commit { State::PrepareCommit } else { State::PrepareAbort };
        t.pending = t.partitions.clone();
        t.reply_to = reply_to;
        t.marker_epoch = t.epoch;
        if t.pending.is_empty() {
            t.state = if commit { State::CompleteCommit } else { State::CompleteAbort };
            if let Some((to, c)) = t.reply_to.take() {
                ctx.send(to, Msg::EndTxnResponse { corr: c, error: ErrorCode::None });
            }
        }
        self.state_event(ctx, id);
    }

    fn send_markers(&mut self, ctx: &mut Ctx<'_, Model>, id: &str, partitions: &BTreeMap<Tp, PartitionMeta>) {
        let Some(t) = self.txns.get(id) else { return };
        let commit = t.state == State::PrepareCommit;
        let mut by_leader: BTreeMap<BrokerId, Vec<Tp>> = BTreeMap::new();
        for tp in &t.pending {
            if let Some(l) = partitions.get(tp).and_then(|p| p.leader) {
                by_leader.entry(l).or_default().push(*tp);
            }
        }
        let (pid, epoch) = (t.producer_id, t.marker_epoch);
        // Forget older marker requests of this transaction: only the newest
        // answers count (older ones may still confirm partitions — harmless).
        for (leader, tps) in by_leader {
            self.next_corr += 1;
            let corr = self.next_corr;
            self.marker_corrs.insert(corr, id.to_string());
            ctx.send(leader, Msg::WriteTxnMarkers { corr, producer_id: pid, producer_epoch: epoch, commit, partitions: tps });
        }
    }

    fn state_event(&self, ctx: &mut Ctx<'_, Model>, id: &str) {
        if let Some(t) = self.txns.get(id) {
            emit(ctx, KEvent::TxnState { txn: id.to_string(), producer_id: t.producer_id, producer_epoch: t.epoch, state: t.state.name() });
        }
    }
}

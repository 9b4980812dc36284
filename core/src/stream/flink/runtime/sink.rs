//! The sink chained to each operator subtask (same parallelism, forward
//! edge, so no network in between), and what it writes.
//!
//! At-least-once: every result is published at once (`txn = None`).
//!
//! Exactly-once: `TwoPhaseCommitSinkFunction` (C-7). `invoke` writes into
//! the current transaction; `snapshotState(cp)` pre-commits it and keeps it
//! in `pendingCommitTransactions[cp]`; `notifyCheckpointComplete(id)`
//! commits every pending transaction with checkpoint id `≤ id`; on restore,
//! the pending transactions of the restored checkpoint are
//! `recoverAndCommit`ed (idempotent) and transactions opened after it are
//! aborted.
//!
//! Simplification: Flink begins a transaction eagerly (also empty ones,
//! which it pre-commits and commits at every checkpoint); we begin one at
//! the first write after a checkpoint, so quiet checkpoints produce no
//! transaction events.

use crate::stream::types::{Out, Pane, TxnPhase};
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

/// A sink subtask's state. `Clone` is its checkpointed state
/// (`pendingCommitTransactions`; the open transaction is not carried over,
/// it is aborted on restore).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SinkTask {
    two_phase: bool,
    /// The transaction results are currently written into.
    pub open: Option<u64>,
    /// Pre-committed transactions by checkpoint id.
    pub pending: BTreeMap<u64, u64>,
}

/// Job-wide transaction bookkeeping (ids, owners, what is committed): not
/// part of any task, it survives failures like Kafka's transaction log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TxnLedger {
    next: u64,
    /// Transaction id → the sink subtask that owns it.
    pub owner: BTreeMap<u64, u32>,
    /// Committed or aborted (final) transactions.
    pub finished: BTreeMap<u64, TxnPhase>,
}

impl TxnLedger {
    fn begin(&mut self, subtask: u32, out: &mut Vec<Out>) -> u64 {
        let id = self.next;
        self.next += 1;
        self.owner.insert(id, subtask);
        out.push(Out::Txn { id, phase: TxnPhase::Begun });
        id
    }
    /// Commits (once; a repeated `recoverAndCommit` is a no-op).
    pub fn commit(&mut self, id: u64, out: &mut Vec<Out>) {
        if let Entry::Vacant(slot) = self.finished.entry(id) {
            slot.insert(TxnPhase::Committed);
            out.push(Out::Txn { id, phase: TxnPhase::Committed });
        }
    }
    pub fn abort(&mut self, id: u64, out: &mut Vec<Out>) {
        if let Entry::Vacant(slot) = self.finished.entry(id) {
            slot.insert(TxnPhase::Aborted);
            out.push(Out::Txn { id, phase: TxnPhase::Aborted });
        }
    }
}

impl SinkTask {
    pub fn new(two_phase: bool) -> Self {
        SinkTask { two_phase, open: None, pending: BTreeMap::new() }
    }

    /// `invoke`: write one result.
    pub fn write(&mut self, subtask: u32, mut pane: Pane, ledger: &mut TxnLedger, out: &mut Vec<Out>) {
        if self.two_phase {
            let id = match self.open {
                Some(id) => id,
                None => {
                    let id = ledger.begin(subtask, out);
                    self.open = Some(id);
                    id
                }
            };
            pane.txn = Some(id);
        }
        out.push(Out::Pane(pane));
    }

    /// `snapshotState(checkpoint)`: pre-commit the open transaction.
    /// Returns the pre-committed transaction, if any.
    pub fn snapshot(&mut self, checkpoint: u64, out: &mut Vec<Out>) -> Option<u64> {
        let id = self.open.take()?;
        out.push(Out::Txn { id, phase: TxnPhase::PreCommitted });
        self.pending.insert(checkpoint, id);
        Some(id)
    }

    /// `notifyCheckpointComplete(checkpoint)`.
    pub fn notify_complete(&mut self, checkpoint: u64, ledger: &mut TxnLedger, out: &mut Vec<Out>) {
        let later = self.pending.split_off(&(checkpoint + 1));
        for id in std::mem::replace(&mut self.pending, later).into_values() {
            ledger.commit(id, out);
        }
    }

    /// On a failure: the open transaction and the ones pre-committed for
    /// checkpoints that never completed (`> completed`) are aborted.
    pub fn abort_uncompleted(&mut self, completed: Option<u64>, ledger: &mut TxnLedger, out: &mut Vec<Out>) {
        for (cp, id) in &self.pending {
            if completed.is_none_or(|c| *cp > c) {
                ledger.abort(*id, out);
            }
        }
        if let Some(id) = self.open.take() {
            ledger.abort(id, out);
        }
    }

    /// `initializeState` on restore: `recoverAndCommit` the restored pending
    /// transactions; a fresh transaction will begin at the next write.
    pub fn recover_and_commit(&mut self, ledger: &mut TxnLedger, out: &mut Vec<Out>) {
        for id in std::mem::take(&mut self.pending).into_values() {
            ledger.commit(id, out);
        }
        self.open = None;
    }
}

/// The results that became visible downstream: panes written without a
/// transaction, and panes of committed transactions (what a
/// `read_committed` consumer would eventually read), in emission order.
pub fn committed_outputs(outs: &[Out]) -> Vec<&Pane> {
    let committed: std::collections::BTreeSet<u64> =
        outs.iter().filter_map(|o| if let Out::Txn { id, phase: TxnPhase::Committed } = o { Some(*id) } else { None }).collect();
    outs.iter()
        .filter_map(|o| match o {
            Out::Pane(p) if p.txn.is_none_or(|t| committed.contains(&t)) => Some(p),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::types::Datum;

    fn pane(v: i64) -> Pane {
        Pane::plain(None, "k".into(), Datum::Int(v), 0, 0)
    }

    #[test]
    fn two_phase_commit_lifecycle_c7() {
        let mut l = TxnLedger::default();
        let mut s = SinkTask::new(true);
        let mut out = Vec::new();
        s.write(0, pane(1), &mut l, &mut out);
        s.write(0, pane(2), &mut l, &mut out);
        assert_eq!(s.snapshot(1, &mut out), Some(0));
        s.write(0, pane(3), &mut l, &mut out);
        assert_eq!(s.snapshot(2, &mut out), Some(1));
        s.write(0, pane(4), &mut l, &mut out);
        // checkpoint 2 completes first (1's notification was lost): both commit
        s.notify_complete(2, &mut l, &mut out);
        assert!(s.pending.is_empty());
        s.abort_uncompleted(Some(2), &mut l, &mut out);
        let phases: Vec<_> = out.iter().filter_map(|o| if let Out::Txn { id, phase } = o { Some((*id, *phase)) } else { None }).collect();
        use TxnPhase::*;
        assert_eq!(phases, vec![(0, Begun), (0, PreCommitted), (1, Begun), (1, PreCommitted), (2, Begun), (0, Committed), (1, Committed), (2, Aborted)]);
        let vis: Vec<_> = committed_outputs(&out).iter().map(|p| p.value.clone()).collect();
        assert_eq!(vis, vec![Datum::Int(1), Datum::Int(2), Datum::Int(3)]);
    }

    #[test]
    fn restore_commits_pending_once() {
        let mut l = TxnLedger::default();
        let mut s = SinkTask::new(true);
        let mut out = Vec::new();
        s.write(0, pane(1), &mut l, &mut out);
        s.snapshot(7, &mut out);
        let restored = s.clone();
        s.notify_complete(7, &mut l, &mut out);
        let mut r = restored;
        let n = out.len();
        r.recover_and_commit(&mut l, &mut out);
        assert_eq!(out.len(), n, "already committed: recoverAndCommit is idempotent");
    }
}

//! The leader-epoch cache of one replica (reference §1.5).
//!
//! Every replica remembers, for each leader epoch it has records from (or
//! led), the offset at which that epoch starts. This is what lets a returning
//! follower find exactly where its log diverged from the leader's (KIP-101,
//! KIP-279) instead of trusting its high watermark, which loses or
//! duplicates records after unclean failovers.
//!
//! Mirrors `storage/.../LeaderEpochFileCache.java` (`assign`,
//! `endOffsetFor`, `truncateFromEnd`, `truncateFromStart`, `epochForOffset`)
//! and the follower rule of `AbstractFetcherThread.getOffsetTruncationState`.
//! There is no checkpoint file: the owning log (`super::log`) keeps the
//! cache consistent with its records on truncation, crash and disk loss.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `RecordBatch.NO_PARTITION_LEADER_EPOCH` / `UNDEFINED_EPOCH`.
pub const UNDEFINED_EPOCH: i32 = -1;
/// `UNDEFINED_EPOCH_OFFSET`.
pub const UNDEFINED_EPOCH_OFFSET: i64 = -1;

/// One cache entry: `epoch` starts at `start_offset` (Kafka's `EpochEntry`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EpochEntry {
    pub epoch: i32,
    pub start_offset: u64,
}

/// Per-replica ordered map `leader epoch → start offset`.
///
/// Invariant (kept by [`LeaderEpochCache::assign`]): both epochs and start
/// offsets strictly increase along the map.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderEpochCache {
    epochs: BTreeMap<i32, u64>,
}

impl LeaderEpochCache {
    pub fn new() -> Self {
        LeaderEpochCache::default()
    }

    /// A cache holding exactly `entries` (assigned in order, so Kafka's
    /// conflict rules apply). Handy for tests and for restoring state.
    pub fn from_entries(entries: &[(i32, u64)]) -> Self {
        let mut c = LeaderEpochCache::new();
        for &(e, o) in entries {
            c.assign(e, o);
        }
        c
    }

    /// Records that `epoch` starts at `start_offset` (`LeaderEpochFileCache.assign`).
    /// Returns whether the cache changed.
    ///
    /// Kafka's rules, exactly:
    /// * an update is needed only if `epoch` differs from the latest epoch,
    ///   or has the same epoch with a *smaller* start offset; so the first
    ///   assignment of the current epoch wins against later, larger offsets
    ///   (appends of further batches of the same epoch);
    /// * before inserting, entries are removed from the end while their epoch
    ///   is `>= epoch` or their start offset is `>= start_offset`, keeping the
    ///   map monotonic (e.g. `2=>9` then `3=>9` leaves only `3=>9`).
    ///
    /// Negative epochs are ignored (Kafka throws `IllegalArgumentException`;
    /// here they are records without a leader epoch, which never enter the
    /// cache).
    pub fn assign(&mut self, epoch: i32, start_offset: u64) -> bool {
        if epoch < 0 {
            return false;
        }
        let update_needed = match self.latest_entry() {
            Some(latest) => epoch != latest.epoch || start_offset < latest.start_offset,
            None => true,
        };
        if !update_needed {
            return false;
        }
        // maybeTruncateNonMonotonicEntries: removeFromEnd while conflicting.
        while let Some((&e, &o)) = self.epochs.iter().next_back() {
            if e >= epoch || o >= start_offset {
                self.epochs.remove(&e);
            } else {
                break;
            }
        }
        self.epochs.insert(epoch, start_offset);
        self.debug_check();
        true
    }

    /// `endOffsetFor(requestedEpoch, logEndOffset)`: the largest epoch
    /// `<= requested_epoch` this replica knows, and where it ends (the start
    /// of the next higher epoch, or `leo` for the latest epoch).
    ///
    /// * `requested == UNDEFINED` → `(UNDEFINED, UNDEFINED)`;
    /// * `requested == latest epoch` → `(requested, leo)`;
    /// * no higher epoch → `(UNDEFINED, UNDEFINED)`;
    /// * no lower-or-equal epoch → `(requested, start of first higher)`;
    /// * else → `(floor epoch, start of first higher)`.
    pub fn end_offset_for(&self, requested_epoch: i32, leo: u64) -> (i32, i64) {
        let undefined = (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        if requested_epoch == UNDEFINED_EPOCH {
            return undefined;
        }
        if self.latest_epoch() == Some(requested_epoch) {
            return (requested_epoch, offset_to_i64(leo));
        }
        let higher = self.epochs.range(requested_epoch.saturating_add(1)..).next();
        let Some((_, &higher_start)) = higher else {
            return undefined;
        };
        match self.epochs.range(..=requested_epoch).next_back() {
            None => (requested_epoch, offset_to_i64(higher_start)),
            Some((&floor_epoch, _)) => (floor_epoch, offset_to_i64(higher_start)),
        }
    }

    /// `truncateFromEnd(endOffset)`: removes every entry whose start offset
    /// is `>= end_offset`, as the log is truncated to `end_offset`.
    pub fn truncate_from_end(&mut self, end_offset: u64) {
        while let Some((&e, &o)) = self.epochs.iter().next_back() {
            if o >= end_offset {
                self.epochs.remove(&e);
            } else {
                break;
            }
        }
    }

    /// `truncateFromStart(startOffset)`: when the log start offset moves to
    /// `start_offset` (retention), entries starting at or before it are
    /// removed and the last of them is re-inserted starting at
    /// `start_offset`, so the epoch that covers the new first record is
    /// kept. Exclusive: `truncate_from_start(6)` keeps an entry at offset 6.
    pub fn truncate_from_start(&mut self, start_offset: u64) {
        let mut last_removed = None;
        while let Some((&e, &o)) = self.epochs.iter().next() {
            if o <= start_offset {
                self.epochs.remove(&e);
                last_removed = Some(e);
            } else {
                break;
            }
        }
        if let Some(e) = last_removed {
            self.epochs.insert(e, start_offset);
        }
        self.debug_check();
    }

    /// Removes all entries (`clearAndFlush`, used by
    /// `truncateFullyAndStartAt` and disk loss).
    pub fn clear(&mut self) {
        self.epochs.clear();
    }

    /// The latest epoch, if any. A leader's latest epoch may have no records
    /// yet (it is assigned at `LEO` on election).
    pub fn latest_epoch(&self) -> Option<i32> {
        self.epochs.keys().next_back().copied()
    }

    pub fn latest_entry(&self) -> Option<EpochEntry> {
        self.epochs.iter().next_back().map(|(&epoch, &start_offset)| EpochEntry { epoch, start_offset })
    }

    pub fn earliest_entry(&self) -> Option<EpochEntry> {
        self.epochs.iter().next().map(|(&epoch, &start_offset)| EpochEntry { epoch, start_offset })
    }

    /// The start offset of `epoch`, if cached.
    pub fn start_offset_of(&self, epoch: i32) -> Option<u64> {
        self.epochs.get(&epoch).copied()
    }

    /// `epochForOffset`: the epoch whose range contains `offset` (the last
    /// entry starting at or before it).
    pub fn epoch_for_offset(&self, offset: u64) -> Option<i32> {
        self.epochs.iter().take_while(|(_, &o)| o <= offset).last().map(|(&e, _)| e)
    }

    /// All entries, oldest epoch first.
    pub fn entries(&self) -> Vec<EpochEntry> {
        self.epochs.iter().map(|(&epoch, &start_offset)| EpochEntry { epoch, start_offset }).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.epochs.is_empty()
    }

    pub fn len(&self) -> usize {
        self.epochs.len()
    }

    fn debug_check(&self) {
        debug_assert!(
            self.epochs.values().zip(self.epochs.values().skip(1)).all(|(a, b)| a < b),
            "epoch cache start offsets not strictly increasing: {:?}",
            self.epochs
        );
    }
}

fn offset_to_i64(o: u64) -> i64 {
    i64::try_from(o).unwrap_or(i64::MAX)
}

/// The leader's answer to a follower fetch that carries `lastFetchedEpoch`
/// (`Partition.readRecords`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeaderDivergence {
    /// No divergence: serve records from the fetch offset.
    Consistent,
    /// Reply with `divergingEpoch = (epoch, end_offset)` and no records.
    Diverging { epoch: i32, end_offset: u64 },
    /// The leader's cache cannot place the follower's epoch
    /// (`endOffsetFor` was UNDEFINED); Kafka 3.x+ answers
    /// `OFFSET_OUT_OF_RANGE`, and the follower resets from the leader's log
    /// start / end offsets.
    Undefined,
}

/// Leader side of the fetch-time divergence check (reference §1.5):
/// `(E, O) = endOffsetFor(lastFetchedEpoch, leaderLEO)`; if `E <
/// lastFetchedEpoch` or `O < fetchOffset` the follower's log has diverged.
/// A fetch without `lastFetchedEpoch` (a follower with an empty cache) is
/// not checked.
pub fn leader_divergence(leader_cache: &LeaderEpochCache, leader_leo: u64, last_fetched_epoch: Option<i32>, fetch_offset: u64) -> LeaderDivergence {
    let Some(fetch_epoch) = last_fetched_epoch else {
        return LeaderDivergence::Consistent;
    };
    let (e, o) = leader_cache.end_offset_for(fetch_epoch, leader_leo);
    if e == UNDEFINED_EPOCH || o < 0 {
        return LeaderDivergence::Undefined;
    }
    let o = o as u64;
    if e < fetch_epoch || o < fetch_offset {
        LeaderDivergence::Diverging { epoch: e, end_offset: o }
    } else {
        LeaderDivergence::Consistent
    }
}

/// Where a follower truncates after a `divergingEpoch` reply, and whether it
/// is done (Kafka's `OffsetTruncationState(offset, truncationCompleted)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruncationDecision {
    /// Truncate the local log to this offset (never above the LEO).
    pub truncate_to: u64,
    /// `false`: the follower must fetch again (with its new last epoch) and
    /// may truncate further — the KIP-279 multi-round case.
    pub complete: bool,
}

/// Follower side of the divergence protocol
/// (`AbstractFetcherThread.getOffsetTruncationState`, reference §1.5).
/// `(leader_epoch, leader_end_offset)` is the leader's `divergingEpoch`;
/// `cache` and `leo` are the follower's own.
///
/// * the follower computes `(fE, fO) = endOffsetFor(E)` on its own cache;
/// * `fE == E`: truncate to `min(fO, O, LEO)`, done;
/// * `fE != E` (it never saw epoch `E`): truncate to `min(fO, LEO)` and ask
///   again;
/// * if its own answer is UNDEFINED (it tracks no epoch at or below `E`):
///   truncate to `min(O, LEO)`, done (post-KIP-101 behaviour);
/// * a reply with an UNDEFINED epoch but defined offset: `min(O, LEO)`, done;
/// * a reply with an UNDEFINED offset: Kafka truncates to the fetch offset,
///   which for a fetching follower is its LEO, so nothing is truncated.
pub fn follower_truncation(leader_epoch: i32, leader_end_offset: i64, cache: &LeaderEpochCache, leo: u64) -> TruncationDecision {
    if leader_end_offset < 0 {
        return TruncationDecision { truncate_to: leo, complete: true };
    }
    let leader_o = leader_end_offset as u64;
    if leader_epoch == UNDEFINED_EPOCH {
        return TruncationDecision { truncate_to: leader_o.min(leo), complete: true };
    }
    let (f_epoch, f_offset) = cache.end_offset_for(leader_epoch, leo);
    if f_offset < 0 {
        return TruncationDecision { truncate_to: leader_o.min(leo), complete: true };
    }
    let f_offset = f_offset as u64;
    if f_epoch != leader_epoch {
        TruncationDecision { truncate_to: f_offset.min(leo), complete: false }
    } else {
        TruncationDecision { truncate_to: f_offset.min(leader_o).min(leo), complete: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(c: &LeaderEpochCache) -> Vec<(i32, u64)> {
        c.entries().into_iter().map(|e| (e.epoch, e.start_offset)).collect()
    }

    // ---- LeaderEpochFileCacheTest table, reference §1.5, row by row ----

    /// `2=>11` (assign(2,12) ignored) | endOffsetFor(2, LEO=14) | (2, 14)
    #[test]
    fn row01_same_epoch_larger_offset_ignored_latest_returns_leo() {
        let mut c = LeaderEpochCache::new();
        assert!(c.assign(2, 11));
        assert!(!c.assign(2, 12));
        assert_eq!(entries(&c), vec![(2, 11)]);
        assert_eq!(c.end_offset_for(2, 14), (2, 14));
    }

    /// `2=>11, 3=>12` | endOffsetFor(UNDEFINED=-1, 0) | (-1, -1)
    #[test]
    fn row02_undefined_requested_epoch() {
        let c = LeaderEpochCache::from_entries(&[(2, 11), (3, 12)]);
        assert_eq!(c.end_offset_for(UNDEFINED_EPOCH, 0), (-1, -1));
    }

    /// empty | endOffsetFor(0, 0) | (-1, -1)
    #[test]
    fn row03_empty_cache() {
        let c = LeaderEpochCache::new();
        assert_eq!(c.end_offset_for(0, 0), (-1, -1));
    }

    /// `5=>11, 6=>12, 7=>13` | endOffsetFor(4, 0) | (4, 11)
    #[test]
    fn row04_requested_below_all_epochs() {
        let c = LeaderEpochCache::from_entries(&[(5, 11), (6, 12), (7, 13)]);
        assert_eq!(entries(&c), vec![(5, 11), (6, 12), (7, 13)]);
        assert_eq!(c.end_offset_for(4, 0), (4, 11));
    }

    /// `5=>11, 6=>12`, then assign(7,13), then assign(7,12) → `5=>11, 7=>12`
    /// | endOffsetFor(5,0) / endOffsetFor(6,0) | (5,12) / (5,12)
    #[test]
    fn row05_same_epoch_smaller_offset_drops_conflicts() {
        let mut c = LeaderEpochCache::from_entries(&[(5, 11), (6, 12)]);
        assert!(c.assign(7, 13));
        assert!(c.assign(7, 12));
        assert_eq!(entries(&c), vec![(5, 11), (7, 12)]);
        assert_eq!(c.end_offset_for(5, 0), (5, 12));
        assert_eq!(c.end_offset_for(6, 0), (5, 12));
    }

    /// `1=>11, 2=>13, 3=>15` | endOffsetFor(2, 17) | (2, 15)
    #[test]
    fn row06_middle_epoch_ends_at_next_start() {
        let c = LeaderEpochCache::from_entries(&[(1, 11), (2, 13), (3, 15)]);
        assert_eq!(c.end_offset_for(2, 17), (2, 15));
    }

    /// `0=>10, 2=>13, 4=>17` | endOffsetFor(1,0) / (2,0) / (3,0) | (0,13) / (2,17) / (2,17)
    #[test]
    fn row07_gaps_between_epochs() {
        let c = LeaderEpochCache::from_entries(&[(0, 10), (2, 13), (4, 17)]);
        assert_eq!(c.end_offset_for(1, 0), (0, 13));
        assert_eq!(c.end_offset_for(2, 0), (2, 17));
        assert_eq!(c.end_offset_for(3, 0), (2, 17));
    }

    /// `2=>100` | endOffsetFor(3, 100) | (-1, -1)
    #[test]
    fn row08_requested_above_latest() {
        let c = LeaderEpochCache::from_entries(&[(2, 100)]);
        assert_eq!(c.end_offset_for(3, 100), (-1, -1));
    }

    /// `2=>6` | endOffsetFor(2, 7) | (2, 7)
    #[test]
    fn row09_latest_epoch_returns_leo() {
        let c = LeaderEpochCache::from_entries(&[(2, 6)]);
        assert_eq!(c.end_offset_for(2, 7), (2, 7));
    }

    /// assign(2,9), then assign(3,9) | entries | `[3=>9]` only
    #[test]
    fn row10_newer_epoch_same_offset_replaces() {
        let mut c = LeaderEpochCache::new();
        c.assign(2, 9);
        c.assign(3, 9);
        assert_eq!(entries(&c), vec![(3, 9)]);
    }

    /// assign(2,6), then assign(2,10) | entries | `[2=>6]` (first wins)
    #[test]
    fn row11_first_assignment_wins() {
        let mut c = LeaderEpochCache::new();
        c.assign(2, 6);
        assert!(!c.assign(2, 10));
        assert_eq!(entries(&c), vec![(2, 6)]);
    }

    // ---- further assign rules ----

    #[test]
    fn assign_newer_epoch_with_smaller_offset_drops_all_conflicting() {
        let mut c = LeaderEpochCache::from_entries(&[(1, 0), (2, 5), (3, 8)]);
        assert!(c.assign(4, 6));
        assert_eq!(entries(&c), vec![(1, 0), (2, 5), (4, 6)]);
        assert!(c.assign(5, 0));
        assert_eq!(entries(&c), vec![(5, 0)]);
    }

    #[test]
    fn assign_ignores_negative_epoch() {
        let mut c = LeaderEpochCache::new();
        assert!(!c.assign(-1, 3));
        assert!(c.is_empty());
    }

    #[test]
    fn assign_same_epoch_same_offset_is_noop() {
        let mut c = LeaderEpochCache::from_entries(&[(1, 4)]);
        assert!(!c.assign(1, 4));
        assert_eq!(c.len(), 1);
    }

    // ---- truncation ----

    #[test]
    fn truncate_from_end_drops_entries_at_or_after() {
        let base = LeaderEpochCache::from_entries(&[(2, 6), (3, 8), (4, 11)]);
        let mut c = base.clone();
        c.truncate_from_end(9);
        assert_eq!(entries(&c), vec![(2, 6), (3, 8)]);
        let mut c = base.clone();
        c.truncate_from_end(8);
        assert_eq!(entries(&c), vec![(2, 6)]);
        let mut c = base.clone();
        c.truncate_from_end(12);
        assert_eq!(c, base);
        let mut c = base.clone();
        c.truncate_from_end(0);
        assert!(c.is_empty());
    }

    #[test]
    fn truncate_from_start_rewrites_first_entry() {
        let base = LeaderEpochCache::from_entries(&[(2, 6), (3, 8), (4, 11)]);
        // Between epochs: epoch 3 now starts at 9.
        let mut c = base.clone();
        c.truncate_from_start(9);
        assert_eq!(entries(&c), vec![(3, 9), (4, 11)]);
        // Exactly at an entry: exclusive, the entry at 8 survives as 8.
        let mut c = base.clone();
        c.truncate_from_start(8);
        assert_eq!(entries(&c), vec![(3, 8), (4, 11)]);
        // Before the first entry: nothing changes.
        let mut c = base.clone();
        c.truncate_from_start(5);
        assert_eq!(c, base);
        // At the first entry: unchanged.
        let mut c = base.clone();
        c.truncate_from_start(6);
        assert_eq!(c, base);
        // Past every entry: only the latest epoch remains, moved forward.
        let mut c = base.clone();
        c.truncate_from_start(12);
        assert_eq!(entries(&c), vec![(4, 12)]);
    }

    #[test]
    fn epoch_for_offset_and_accessors() {
        let c = LeaderEpochCache::from_entries(&[(2, 6), (3, 8), (4, 11)]);
        assert_eq!(c.epoch_for_offset(5), None);
        assert_eq!(c.epoch_for_offset(6), Some(2));
        assert_eq!(c.epoch_for_offset(7), Some(2));
        assert_eq!(c.epoch_for_offset(8), Some(3));
        assert_eq!(c.epoch_for_offset(100), Some(4));
        assert_eq!(c.latest_epoch(), Some(4));
        assert_eq!(c.earliest_entry(), Some(EpochEntry { epoch: 2, start_offset: 6 }));
        assert_eq!(c.start_offset_of(3), Some(8));
        assert_eq!(c.start_offset_of(5), None);
        let mut c = c;
        c.clear();
        assert_eq!(c.latest_epoch(), None);
    }

    // ---- divergence protocol ----

    #[test]
    fn leader_check_consistent_and_diverging() {
        let leader = LeaderEpochCache::from_entries(&[(0, 0), (2, 5)]);
        // Follower in the latest epoch, behind: consistent.
        assert_eq!(leader_divergence(&leader, 8, Some(2), 6), LeaderDivergence::Consistent);
        // Follower ahead of the leader in the leader's own epoch.
        assert_eq!(leader_divergence(&leader, 8, Some(2), 9), LeaderDivergence::Diverging { epoch: 2, end_offset: 8 });
        // Follower wrote epoch 1, unknown to the leader: (0, 5).
        assert_eq!(leader_divergence(&leader, 8, Some(1), 4), LeaderDivergence::Diverging { epoch: 0, end_offset: 5 });
        // Epoch 0 up to 5 is fine for a follower at 5.
        assert_eq!(leader_divergence(&leader, 8, Some(0), 5), LeaderDivergence::Consistent);
        // No lastFetchedEpoch: no check.
        assert_eq!(leader_divergence(&leader, 8, None, 100), LeaderDivergence::Consistent);
        // Epoch newer than anything the leader knows.
        assert_eq!(leader_divergence(&leader, 8, Some(7), 3), LeaderDivergence::Undefined);
    }

    /// A2-style: the old leader appended m at k in epoch 1 and crashed; the
    /// new leader (epoch 2) starts at k. One round truncates m.
    #[test]
    fn follower_single_round_truncates_unreplicated_suffix() {
        let k = 10;
        let leader = LeaderEpochCache::from_entries(&[(0, 0), (2, k)]);
        let leader_leo = k + 3;
        let follower = LeaderEpochCache::from_entries(&[(0, 0), (1, k)]);
        let follower_leo = k + 1;
        let reply = leader_divergence(&leader, leader_leo, follower.latest_epoch(), follower_leo);
        assert_eq!(reply, LeaderDivergence::Diverging { epoch: 0, end_offset: k });
        let d = follower_truncation(0, k as i64, &follower, follower_leo);
        assert_eq!(d, TruncationDecision { truncate_to: k, complete: true });
    }

    #[test]
    fn follower_ahead_in_same_epoch_truncates_to_leader_end() {
        let follower = LeaderEpochCache::from_entries(&[(0, 0), (3, 5)]);
        let d = follower_truncation(3, 7, &follower, 9);
        assert_eq!(d, TruncationDecision { truncate_to: 7, complete: true });
    }

    /// KIP-279: the leader answers with an epoch the follower never saw; the
    /// follower truncates to the end of its largest smaller epoch and asks
    /// again, and the second round finishes.
    #[test]
    fn follower_multi_round_kip279() {
        // Leader: e0 [0,2), e1 [2,6), e3 [6,8).
        let leader = LeaderEpochCache::from_entries(&[(0, 0), (1, 2), (3, 6)]);
        let leader_leo = 8;
        // Follower: e0 [0,4), e2 [4,7).
        let mut follower = LeaderEpochCache::from_entries(&[(0, 0), (2, 4)]);
        let mut leo = 7;
        let mut rounds = Vec::new();
        loop {
            let reply = leader_divergence(&leader, leader_leo, follower.latest_epoch(), leo);
            let LeaderDivergence::Diverging { epoch, end_offset } = reply else {
                break;
            };
            let d = follower_truncation(epoch, end_offset as i64, &follower, leo);
            rounds.push(((epoch, end_offset), d));
            follower.truncate_from_end(d.truncate_to);
            leo = d.truncate_to;
            if d.complete {
                break;
            }
        }
        assert_eq!(
            rounds,
            vec![
                // Leader: endOffsetFor(2) = (1, 6); follower does not know 1:
                // its endOffsetFor(1) = (0, 4) → truncate to 4, again.
                ((1, 6), TruncationDecision { truncate_to: 4, complete: false }),
                // Leader: endOffsetFor(0) = (0, 2) < 4; follower (0, 4) →
                // min(4, 2, 4) = 2, done.
                ((0, 2), TruncationDecision { truncate_to: 2, complete: true }),
            ]
        );
        assert_eq!(entries(&follower), vec![(0, 0)]);
        assert_eq!(leo, 2);
        // Now the follower is consistent and fetches from 2.
        assert_eq!(leader_divergence(&leader, leader_leo, Some(0), 2), LeaderDivergence::Consistent);
    }

    #[test]
    fn follower_undefined_cases() {
        let follower = LeaderEpochCache::from_entries(&[(3, 5)]);
        // Undefined offset from the leader: nothing truncated.
        assert_eq!(follower_truncation(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, &follower, 9), TruncationDecision { truncate_to: 9, complete: true });
        // Undefined epoch, defined offset: min(O, LEO).
        assert_eq!(follower_truncation(UNDEFINED_EPOCH, 6, &follower, 9), TruncationDecision { truncate_to: 6, complete: true });
        // An empty follower cache answers UNDEFINED: min(O, LEO).
        let empty = LeaderEpochCache::new();
        assert_eq!(follower_truncation(1, 4, &empty, 9), TruncationDecision { truncate_to: 4, complete: true });
        // E below every follower epoch: endOffsetFor gives (E, 5) → fE == E,
        // truncate to min(5, O, LEO).
        assert_eq!(follower_truncation(1, 7, &follower, 9), TruncationDecision { truncate_to: 5, complete: true });
        // Never truncates above the LEO.
        assert_eq!(follower_truncation(3, 50, &follower, 9), TruncationDecision { truncate_to: 9, complete: true });
    }

    #[test]
    fn serde_round_trip() {
        let c = LeaderEpochCache::from_entries(&[(0, 0), (4, 17)]);
        let json = serde_json::to_string(&c).unwrap();
        let back: LeaderEpochCache = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
    }
}

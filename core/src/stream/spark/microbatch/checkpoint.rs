//! The checkpoint directory (S-13): the offset log is Spark's write-ahead
//! log — `offsets/N` (end offsets, `batchWatermarkMs`, `batchTimestampMs`)
//! is written *before* batch N runs — and `commits/N`
//! (`nextBatchWatermarkMs`) after it finished. A batch's start offsets are
//! the end offsets of `offsets/N−1`. The state store keeps the version
//! produced by the last committed batch. All of it survives a crash.

use super::stateful::StateStore;
use crate::stream::types::EventTime;
use crate::time::Micros;
use serde::Serialize;
use std::collections::BTreeMap;

/// `offsets/N`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OffsetEntry {
    /// End offset per source channel (exclusive).
    pub end: Vec<u64>,
    /// `batchWatermarkMs`: the watermark of this batch, W(N).
    pub batch_watermark_ms: EventTime,
    /// `batchTimestampMs`: when the batch was triggered.
    pub batch_timestamp: Micros,
}

/// `commits/N`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CommitEntry {
    /// `nextBatchWatermarkMs`: the watermark after this batch, W(N+1).
    pub next_batch_watermark_ms: EventTime,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checkpoint {
    pub offsets: BTreeMap<u64, OffsetEntry>,
    pub commits: BTreeMap<u64, CommitEntry>,
    /// The state store version of the last committed batch.
    pub state: StateStore,
}

impl Checkpoint {
    /// Start offsets of batch `n`: the end offsets of batch `n − 1`.
    pub fn start_of(&self, n: u64, channels: usize) -> Vec<u64> {
        n.checked_sub(1).and_then(|p| self.offsets.get(&p)).map_or_else(|| vec![0; channels], |e| e.end.clone())
    }

    /// The latest batch in the offset log.
    pub fn latest(&self) -> Option<(u64, &OffsetEntry)> {
        self.offsets.iter().next_back().map(|(n, e)| (*n, e))
    }

    /// The latest batch has no commit: a restart re-runs it.
    pub fn uncommitted(&self) -> Option<u64> {
        self.latest().map(|(n, _)| n).filter(|n| !self.commits.contains_key(n))
    }

    /// The id of the next new batch.
    pub fn next_id(&self) -> u64 {
        self.latest().map_or(0, |(n, _)| n + 1)
    }

    /// The watermark of batch `n` as the offset log recorded it (0 before
    /// the first batch).
    pub fn watermark_of(&self, n: Option<u64>) -> EventTime {
        n.and_then(|n| self.offsets.get(&n)).map_or(0, |e| e.batch_watermark_ms)
    }
}

//! One replica's log of one partition (`UnifiedLog` / `LocalLog` /
//! `LogSegment` in Kafka), reduced to what the simulator needs to reproduce
//! loss, divergence and retention exactly:
//!
//! * **offsets** — contiguous from the log start offset to the log end
//!   offset (LEO, exclusive); there is no compaction, so offset `o` is
//!   always record `o − base` of its segment;
//! * **segments** — rolled on `segment.bytes` / `segment.ms` at append time
//!   (`LogSegment.shouldRoll`), deleted whole by retention (reference §1.6);
//! * **leader-epoch cache** — kept in step with the records
//!   ([`LeaderEpochCache`], reference §1.5);
//! * **durability** — a `flushed_offset` (Kafka's recovery point): records
//!   below it are fsynced; a lossy crash may drop any suffix above it
//!   (reference §1.7). Kafka does not fsync by default
//!   (`log.flush.interval.messages = Long.MAX_VALUE`), but it does flush a
//!   segment when it rolls.
//!
//! Reads follow `LocalLog.read` / `UnifiedLog.read` (reference §1.1.4). The
//! high watermark is partition state owned by the caller; operations that
//! need it (reads bounded by it, retention) take it as an argument.

use serde::{Deserialize, Serialize};

use super::epoch_cache::LeaderEpochCache;
use crate::rng::RngStream;
use crate::time::Micros;

/// Bytes added to `key.len() + value.len()` when estimating a record's size
/// on disk. Roughly a one-record v2 batch: the 61-byte batch header plus
/// about 9 bytes of per-record varints (length, attributes, timestamp and
/// offset deltas, key/value lengths, header count). Only size-based rolling
/// and retention use it, so an estimate is enough.
pub const RECORD_OVERHEAD_BYTES: u64 = 70;

/// `segment.bytes` / `log.segment.bytes` default: 1 GiB.
pub const DEFAULT_SEGMENT_BYTES: u64 = 1_073_741_824;

/// `segment.ms` default: 7 days (604800000 ms), in microseconds.
pub const DEFAULT_SEGMENT_MS: Micros = 604_800_000 * 1_000;

/// `retention.ms` default (`log.retention.hours = 168`), in microseconds.
pub const DEFAULT_RETENTION_MS: Micros = 604_800_000 * 1_000;

/// `RecordBatch.NO_PRODUCER_ID`.
pub const NO_PRODUCER_ID: i64 = -1;
/// `RecordBatch.NO_PRODUCER_EPOCH`.
pub const NO_PRODUCER_EPOCH: i16 = -1;
/// `RecordBatch.NO_SEQUENCE`.
pub const NO_SEQUENCE: i32 = -1;

/// One record as stored in a replica's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecord {
    pub offset: u64,
    /// The leader epoch stamped by the leader that appended it
    /// (`partitionLeaderEpoch` of its batch).
    pub leader_epoch: i32,
    pub key: Option<String>,
    pub value: String,
    /// The producer's CreateTime.
    pub timestamp: Micros,
    /// When the leader appended it (LogAppendTime); copied by followers.
    pub append_time: Micros,
    /// `-1` when the producer is not idempotent.
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// Per-partition sequence number of this record, `-1` when none.
    pub sequence: i32,
    /// A transaction marker (control record), not user data.
    pub is_control: bool,
    /// For a control record: COMMIT (`true`) or ABORT (`false`).
    pub control_commit: bool,
    /// Written inside a transaction (the batch's transactional attribute).
    #[serde(default)]
    pub transactional: bool,
}

impl LogRecord {
    /// A plain, non-idempotent, non-transactional data record. `offset`,
    /// `leader_epoch` and `append_time` are filled in by
    /// [`ReplicaLog::append_as_leader`].
    pub fn new(key: Option<String>, value: impl Into<String>, timestamp: Micros) -> Self {
        LogRecord {
            offset: 0,
            leader_epoch: -1,
            key,
            value: value.into(),
            timestamp,
            append_time: timestamp,
            producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            sequence: NO_SEQUENCE,
            is_control: false,
            control_commit: false,
            transactional: false,
        }
    }

    /// Estimated size in bytes: key length + value length (UTF-8) +
    /// [`RECORD_OVERHEAD_BYTES`].
    pub fn size_bytes(&self) -> u64 {
        let key = self.key.as_ref().map_or(0, |k| k.len() as u64);
        key + self.value.len() as u64 + RECORD_OVERHEAD_BYTES
    }

    /// The timestamp Kafka indexes and retains by, under the topic's
    /// `message.timestamp.type`.
    pub fn effective_timestamp(&self, ty: TimestampType) -> Micros {
        match ty {
            TimestampType::CreateTime => self.timestamp,
            TimestampType::LogAppendTime => self.append_time,
        }
    }
}

/// `message.timestamp.type`: which timestamp segment rolling and time-based
/// retention look at. Kafka's default is `CreateTime`, which is why a
/// producer with a skewed clock can keep segments alive (or get them deleted)
/// early.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimestampType {
    #[default]
    CreateTime,
    LogAppendTime,
}

/// Topic-level log settings that this module enforces by itself. Retention
/// limits are passed to [`ReplicaLog::apply_retention`] instead, because the
/// caller runs the retention checker on its own cadence
/// (`log.retention.check.interval.ms`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogConfig {
    /// `segment.bytes`.
    pub segment_bytes: u64,
    /// `segment.ms`, in microseconds.
    pub segment_ms: Micros,
    /// `message.timestamp.type`.
    pub timestamp_type: TimestampType,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { segment_bytes: DEFAULT_SEGMENT_BYTES, segment_ms: DEFAULT_SEGMENT_MS, timestamp_type: TimestampType::CreateTime }
    }
}

/// A log segment: a contiguous run of records starting at `base_offset`.
///
/// The records are a persistent vector: the player snapshots the whole
/// world every few thousand events, and a snapshot then shares the records
/// with the live log instead of copying every one (with a plain `Vec`, a
/// snapshot of a one-minute, 12-partition run took 14 ms natively and
/// grew with the run).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Segment {
    base_offset: u64,
    records: imbl::Vector<LogRecord>,
    size_bytes: u64,
    /// Largest effective timestamp of its records (`maxTimestampSoFar`).
    max_timestamp: Option<Micros>,
    /// Max timestamp of the first batch appended (`rollingBasedTimestamp`),
    /// the reference point for `segment.ms`.
    first_batch_timestamp: Option<Micros>,
}

impl Segment {
    fn empty(base_offset: u64) -> Self {
        Segment { base_offset, records: imbl::Vector::new(), size_bytes: 0, max_timestamp: None, first_batch_timestamp: None }
    }

    fn next_offset(&self) -> u64 {
        self.base_offset + self.records.len() as u64
    }

    /// Keeps only records below `offset` (`LogSegment.truncateTo`).
    fn truncate_to(&mut self, offset: u64, ty: TimestampType) {
        let keep = offset.saturating_sub(self.base_offset).min(self.records.len() as u64) as usize;
        self.records.truncate(keep);
        self.size_bytes = self.records.iter().map(LogRecord::size_bytes).sum();
        self.max_timestamp = self.records.iter().map(|r| r.effective_timestamp(ty)).max();
        if self.records.is_empty() {
            self.first_batch_timestamp = None;
        }
    }
}

/// A summary of one segment, for reports and views.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentInfo {
    pub base_offset: u64,
    /// Exclusive end: the next segment's base offset, or the LEO for the
    /// active segment. Retention's "upper bound offset".
    pub next_offset: u64,
    pub record_count: u64,
    pub size_bytes: u64,
    /// Largest effective timestamp, `None` for an empty segment.
    pub largest_timestamp: Option<Micros>,
    /// The last (active) segment, the one appends go to.
    pub is_active: bool,
}

/// What an append did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendInfo {
    /// Offset of the first appended record (the LEO before the append).
    pub first_offset: u64,
    /// The LEO after the append; `first_offset` for an empty batch.
    pub next_offset: u64,
    /// Base offset of the segment rolled for this batch, if any.
    pub rolled_segment: Option<u64>,
}

/// Why an append was refused; the log is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppendError {
    /// A replicated batch does not start at the LEO. Kafka refuses a first
    /// offset below the LEO (`UnexpectedAppendOffsetException`); without
    /// compaction a gap above it is a bug too, so we refuse both.
    #[error("unexpected append offset {found}, log end offset is {expected}")]
    UnexpectedOffset { expected: u64, found: u64 },
    /// Offsets inside a replicated batch are not consecutive.
    #[error("non-consecutive offset {found} after {after} in batch")]
    NonContiguousOffsets { after: u64, found: u64 },
    /// The batch is larger than `segment.bytes`
    /// (`RecordBatchTooLargeException`).
    #[error("batch of {batch_bytes} bytes exceeds segment.bytes {segment_bytes}")]
    RecordBatchTooLarge { batch_bytes: u64, segment_bytes: u64 },
}

/// Why a read was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ReadError {
    /// `OFFSET_OUT_OF_RANGE`: the fetch offset is above the LEO or below the
    /// log start offset.
    #[error("OFFSET_OUT_OF_RANGE: offset {offset} not in [{log_start_offset}, {log_end_offset}]")]
    OffsetOutOfRange { offset: u64, log_start_offset: u64, log_end_offset: u64 },
}

/// One replica's log of one partition.
///
/// Invariants: there is always at least one segment (the last is active);
/// segments are contiguous; `log_start_offset <= flushed_offset <= LEO`;
/// the epoch cache has no entry at or above the LEO except one a leader
/// assigned on election (removed again by any truncation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaLog {
    config: LogConfig,
    segments: Vec<Segment>,
    log_start_offset: u64,
    flushed_offset: u64,
    epoch_cache: LeaderEpochCache,
}

impl Default for ReplicaLog {
    fn default() -> Self {
        ReplicaLog::new(LogConfig::default())
    }
}

impl ReplicaLog {
    /// An empty log: one empty segment at offset 0.
    pub fn new(config: LogConfig) -> Self {
        ReplicaLog { config, segments: vec![Segment::empty(0)], log_start_offset: 0, flushed_offset: 0, epoch_cache: LeaderEpochCache::new() }
    }

    pub fn config(&self) -> &LogConfig {
        &self.config
    }

    /// Changes topic settings (dynamic topic config); applies from the next
    /// append.
    pub fn set_config(&mut self, config: LogConfig) {
        self.config = config;
    }

    // ---- offsets and state ----

    pub fn log_start_offset(&self) -> u64 {
        self.log_start_offset
    }

    /// LEO: the offset the next appended record gets.
    pub fn log_end_offset(&self) -> u64 {
        self.active().next_offset()
    }

    /// Records below this offset are fsynced and survive any crash.
    pub fn flushed_offset(&self) -> u64 {
        self.flushed_offset
    }

    /// Number of records a lossy crash could drop.
    pub fn unflushed_count(&self) -> u64 {
        self.log_end_offset() - self.flushed_offset
    }

    pub fn is_empty(&self) -> bool {
        self.log_start_offset == self.log_end_offset()
    }

    /// Number of records held.
    pub fn len(&self) -> u64 {
        self.log_end_offset() - self.log_start_offset
    }

    pub fn epoch_cache(&self) -> &LeaderEpochCache {
        &self.epoch_cache
    }

    /// The latest leader epoch in the cache (`UnifiedLog.latestEpoch`),
    /// which a follower sends as `lastFetchedEpoch`. It can be an epoch this
    /// replica led without appending anything.
    pub fn last_epoch(&self) -> Option<i32> {
        self.epoch_cache.latest_epoch()
    }

    /// `endOffsetFor(epoch, LEO)` on this replica's cache.
    pub fn end_offset_for_epoch(&self, epoch: i32) -> (i32, i64) {
        self.epoch_cache.end_offset_for(epoch, self.log_end_offset())
    }

    /// Records that this replica became leader in `epoch` at its current LEO
    /// (`Partition.makeLeader` → `maybeAssignEpochStartOffset(epoch, LEO)`).
    pub fn assign_leader_epoch(&mut self, epoch: i32) -> bool {
        let leo = self.log_end_offset();
        self.epoch_cache.assign(epoch, leo)
    }

    /// Total estimated size of all segments.
    pub fn size_bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.size_bytes).sum()
    }

    /// The record at `offset`, if this log holds it.
    pub fn record_at(&self, offset: u64) -> Option<&LogRecord> {
        if offset < self.log_start_offset || offset >= self.log_end_offset() {
            return None;
        }
        let idx = self.segments.partition_point(|s| s.base_offset <= offset).checked_sub(1)?;
        let seg = &self.segments[idx];
        seg.records.get((offset - seg.base_offset) as usize)
    }

    /// All records, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &LogRecord> + '_ {
        self.segments.iter().flat_map(|s| s.records.iter())
    }

    /// The records at or above `offset`, oldest first, without walking the
    /// older ones (a follower's append looks only at what it appended).
    pub fn iter_from(&self, offset: u64) -> impl Iterator<Item = &LogRecord> + '_ {
        self.segments.iter().filter(move |s| s.next_offset() > offset).flat_map(move |s| {
            let skip = offset.saturating_sub(s.base_offset).min(s.records.len() as u64) as usize;
            s.records.focus().narrow(skip..).into_iter()
        })
    }

    /// A summary of every segment, oldest first.
    pub fn segments(&self) -> Vec<SegmentInfo> {
        let last = self.segments.len() - 1;
        self.segments
            .iter()
            .enumerate()
            .map(|(i, s)| SegmentInfo {
                base_offset: s.base_offset,
                next_offset: s.next_offset(),
                record_count: s.records.len() as u64,
                size_bytes: s.size_bytes,
                largest_timestamp: s.max_timestamp,
                is_active: i == last,
            })
            .collect()
    }

    // ---- append ----

    /// Appends a producer batch on the leader (`UnifiedLog.appendAsLeader`):
    /// assigns offsets from the LEO, stamps `leader_epoch` and
    /// `append_time = now`, and records a new epoch in the cache.
    pub fn append_as_leader(&mut self, mut records: Vec<LogRecord>, leader_epoch: i32, now: Micros) -> Result<AppendInfo, AppendError> {
        let leo = self.log_end_offset();
        for (i, r) in records.iter_mut().enumerate() {
            r.offset = leo + i as u64;
            r.leader_epoch = leader_epoch;
            r.append_time = now;
        }
        self.append(records)
    }

    /// Appends records whose offsets are already assigned (a follower
    /// appending what it fetched, `appendAsFollower`). They must start at the
    /// LEO and be consecutive.
    ///
    /// The batch goes into one segment; first the active segment is rolled
    /// if it is non-empty and either the batch would push it past
    /// `segment.bytes`, or the batch's max timestamp is more than
    /// `segment.ms` after the segment's first batch (`LogSegment.shouldRoll`).
    /// Rolling flushes the old segment (`UnifiedLog.roll` schedules that
    /// flush at once; we apply it immediately).
    ///
    /// Each record's epoch goes through [`LeaderEpochCache::assign`] at its
    /// offset, as Kafka does per batch; a repeated epoch is a no-op there.
    pub fn append(&mut self, records: Vec<LogRecord>) -> Result<AppendInfo, AppendError> {
        let leo = self.log_end_offset();
        let Some(first) = records.first() else {
            return Ok(AppendInfo { first_offset: leo, next_offset: leo, rolled_segment: None });
        };
        if first.offset != leo {
            return Err(AppendError::UnexpectedOffset { expected: leo, found: first.offset });
        }
        for pair in records.windows(2) {
            if pair[1].offset != pair[0].offset + 1 {
                return Err(AppendError::NonContiguousOffsets { after: pair[0].offset, found: pair[1].offset });
            }
        }
        let ty = self.config.timestamp_type;
        let batch_bytes: u64 = records.iter().map(LogRecord::size_bytes).sum();
        if batch_bytes > self.config.segment_bytes {
            return Err(AppendError::RecordBatchTooLarge { batch_bytes, segment_bytes: self.config.segment_bytes });
        }
        let batch_max_ts = records.iter().map(|r| r.effective_timestamp(ty)).max().unwrap_or(0);

        let mut rolled_segment = None;
        if self.should_roll(batch_bytes, batch_max_ts) {
            self.flushed_offset = self.flushed_offset.max(leo);
            self.segments.push(Segment::empty(leo));
            rolled_segment = Some(leo);
        }

        for r in &records {
            self.epoch_cache.assign(r.leader_epoch, r.offset);
        }
        let seg = self.active_mut();
        if seg.records.is_empty() {
            seg.first_batch_timestamp = Some(batch_max_ts);
        }
        seg.size_bytes += batch_bytes;
        seg.max_timestamp = Some(seg.max_timestamp.map_or(batch_max_ts, |m| m.max(batch_max_ts)));
        seg.records.extend(records);
        Ok(AppendInfo { first_offset: leo, next_offset: self.log_end_offset(), rolled_segment })
    }

    fn should_roll(&self, batch_bytes: u64, batch_max_ts: Micros) -> bool {
        let seg = self.active();
        if seg.records.is_empty() {
            // Rolling an empty segment would recreate it at the same offset.
            return false;
        }
        let full = seg.size_bytes + batch_bytes > self.config.segment_bytes;
        let old = seg.first_batch_timestamp.is_some_and(|first| batch_max_ts.saturating_sub(first) > self.config.segment_ms);
        full || old
    }

    // ---- read ----

    /// Reads up to `max_records` records from `from_offset`, never at or
    /// above `upper_bound_exclusive` (the HW for consumers, the LSO for
    /// `read_committed`, the LEO for followers) — `UnifiedLog.read`:
    ///
    /// * `from_offset > LEO` or `< log start offset` → `OFFSET_OUT_OF_RANGE`;
    /// * `upper bound <= from_offset <= LEO` → empty, not an error.
    ///
    /// An upper bound above the LEO is treated as the LEO.
    pub fn read(&self, from_offset: u64, max_records: usize, upper_bound_exclusive: u64) -> Result<Vec<LogRecord>, ReadError> {
        let leo = self.log_end_offset();
        if from_offset > leo || from_offset < self.log_start_offset {
            return Err(ReadError::OffsetOutOfRange { offset: from_offset, log_start_offset: self.log_start_offset, log_end_offset: leo });
        }
        let end = upper_bound_exclusive.min(leo);
        if from_offset >= end {
            return Ok(Vec::new());
        }
        let end = end.min(from_offset.saturating_add(max_records as u64));
        Ok((from_offset..end).filter_map(|o| self.record_at(o).cloned()).collect())
    }

    // ---- truncation ----

    /// Removes every record at or above `offset` (`UnifiedLog.truncateTo`),
    /// as a follower does after divergence. Returns whether anything was
    /// removed.
    ///
    /// * `offset >= LEO`: no records go, but the epoch cache is still
    ///   truncated at the LEO — this drops an epoch this replica assigned as
    ///   leader without appending to it, which would otherwise confuse the
    ///   next divergence check (Kafka does the same);
    /// * `offset` below the first segment: the log restarts empty at `offset`
    ///   ([`ReplicaLog::truncate_fully_and_start_at`]);
    /// * otherwise segments above `offset` are deleted, the segment holding
    ///   it is cut, the cache is truncated from the end, and the flushed
    ///   offset and log start offset are capped at `offset`.
    pub fn truncate_to(&mut self, offset: u64) -> bool {
        let leo = self.log_end_offset();
        if offset >= leo {
            self.epoch_cache.truncate_from_end(leo);
            return false;
        }
        if offset < self.segments[0].base_offset {
            self.truncate_fully_and_start_at(offset);
            return true;
        }
        let ty = self.config.timestamp_type;
        self.segments.retain(|s| s.base_offset <= offset);
        self.active_mut().truncate_to(offset, ty);
        self.epoch_cache.truncate_from_end(offset);
        self.log_start_offset = self.log_start_offset.min(offset);
        self.flushed_offset = self.flushed_offset.min(offset);
        true
    }

    /// Empties the log and restarts it at `offset`
    /// (`UnifiedLog.truncateFullyAndStartAt`): what a follower does when the
    /// leader's log starts beyond its own LEO. The epoch cache is cleared.
    pub fn truncate_fully_and_start_at(&mut self, offset: u64) {
        self.segments = vec![Segment::empty(offset)];
        self.log_start_offset = offset;
        self.flushed_offset = offset;
        self.epoch_cache.clear();
    }

    // ---- durability ----

    /// fsyncs everything (`UnifiedLog.flush`).
    pub fn flush(&mut self) {
        self.flushed_offset = self.log_end_offset();
    }

    /// fsyncs records below `offset` (capped at the LEO). Never moves the
    /// flushed offset backwards.
    pub fn flush_up_to(&mut self, offset: u64) {
        let target = offset.min(self.log_end_offset());
        self.flushed_offset = self.flushed_offset.max(target);
    }

    /// A lossy unclean shutdown (OS crash, power loss, reference §1.7): the
    /// unflushed suffix above `keep_upto` is lost. `keep_upto` is clamped to
    /// `[flushed_offset, LEO]`, so fsynced records always survive. Returns
    /// how many records were lost.
    ///
    /// The epoch cache is truncated to the surviving LEO, as log recovery
    /// does on restart; everything that survived is on disk afterwards.
    pub fn lose_unflushed(&mut self, keep_upto: u64) -> u64 {
        let leo = self.log_end_offset();
        let keep = keep_upto.clamp(self.flushed_offset, leo);
        self.truncate_to(keep);
        self.flushed_offset = self.log_end_offset();
        leo - keep
    }

    /// [`ReplicaLog::lose_unflushed`] with the length of the lost suffix
    /// drawn uniformly from `0..=unflushed_count()`. Draws nothing when
    /// nothing is unflushed, so a crash of a fully flushed log does not shift
    /// the random stream.
    pub fn lose_unflushed_random(&mut self, rng: &mut RngStream) -> u64 {
        let unflushed = self.unflushed_count();
        let lost = if unflushed == 0 { 0 } else { rng.below(unflushed + 1) };
        self.lose_unflushed(self.log_end_offset() - lost)
    }

    /// Disk loss: the replica comes back with an empty log at offset 0 and
    /// an empty epoch cache; configuration is kept.
    pub fn wipe(&mut self) {
        self.truncate_fully_and_start_at(0);
    }

    // ---- retention ----

    /// One run of the retention checker with `cleanup.policy=delete`
    /// (`UnifiedLog.deleteOldSegments`, reference §1.6). Returns the base
    /// offsets of the deleted segments, oldest first.
    ///
    /// * size first (`deleteRetentionSizeBreachedSegments`): if
    ///   `size >= retention.bytes`, delete oldest segments while
    ///   `size − segmentSize >= retention.bytes`;
    /// * then time (`deleteRetentionMsBreachedSegments`): delete oldest
    ///   segments while `now − largestTimestamp > retention.ms`;
    /// * in both, whole segments only, oldest first, stopping at the first
    ///   segment that may not go; a segment may go only if
    ///   `high_watermark >= its upper bound` (next base offset, or the LEO
    ///   for the active segment), so the log start offset never passes the
    ///   HW; an empty active segment never goes;
    /// * the active segment can go (all rules holding); Kafka then first
    ///   rolls a new empty segment at the LEO, so the log is empty with
    ///   log start offset = LEO.
    ///
    /// `None` means unlimited (Kafka's `-1`). The log start offset moves to
    /// the first remaining segment and the epoch cache is truncated from the
    /// start accordingly.
    pub fn apply_retention(&mut self, now: Micros, retention_ms: Option<Micros>, retention_bytes: Option<u64>, high_watermark: u64) -> Vec<u64> {
        let mut deleted = Vec::new();
        if let Some(limit) = retention_bytes {
            let size = self.size_bytes();
            if size >= limit {
                let mut diff = size - limit;
                let n = self.count_deletable(high_watermark, |seg| {
                    if diff >= seg.size_bytes {
                        diff -= seg.size_bytes;
                        true
                    } else {
                        false
                    }
                });
                deleted.extend(self.delete_oldest(n));
            }
        }
        if let Some(retention) = retention_ms {
            let n = self.count_deletable(high_watermark, |seg| seg.max_timestamp.is_some_and(|ts| now.saturating_sub(ts) > retention));
            deleted.extend(self.delete_oldest(n));
        }
        deleted
    }

    /// `deletableSegments`: how many segments from the oldest satisfy the
    /// HW bound and `predicate` in a row. `predicate` is only consulted once
    /// the HW bound holds (it may count bytes).
    fn count_deletable(&self, high_watermark: u64, mut predicate: impl FnMut(&Segment) -> bool) -> usize {
        let leo = self.log_end_offset();
        let last = self.segments.len() - 1;
        let mut n = 0;
        for (i, seg) in self.segments.iter().enumerate() {
            let upper = self.segments.get(i + 1).map_or(leo, |next| next.base_offset);
            let last_and_empty = i == last && seg.records.is_empty();
            if high_watermark >= upper && predicate(seg) && !last_and_empty {
                n += 1;
            } else {
                break;
            }
        }
        n
    }

    /// `deleteSegments`: removes the `n` oldest segments, rolling a fresh
    /// active segment first if all would go, and advances the log start
    /// offset (`incrementStartOffset`), which also truncates the epoch cache
    /// from the start.
    fn delete_oldest(&mut self, n: usize) -> Vec<u64> {
        if n == 0 {
            return Vec::new();
        }
        if n >= self.segments.len() {
            let leo = self.log_end_offset();
            self.flushed_offset = self.flushed_offset.max(leo);
            self.segments.push(Segment::empty(leo));
        }
        let removed: Vec<u64> = self.segments.drain(..n).map(|s| s.base_offset).collect();
        let new_start = self.segments[0].base_offset;
        if new_start > self.log_start_offset {
            self.log_start_offset = new_start;
            self.epoch_cache.truncate_from_start(new_start);
        }
        self.flushed_offset = self.flushed_offset.max(self.log_start_offset);
        removed
    }

    fn active(&self) -> &Segment {
        // Invariant: never empty.
        self.segments.last().expect("a log always has an active segment")
    }

    fn active_mut(&mut self) -> &mut Segment {
        self.segments.last_mut().expect("a log always has an active segment")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record of exactly `size` bytes (value only, no key).
    fn rec(size: u64, ts: Micros) -> LogRecord {
        assert!(size >= RECORD_OVERHEAD_BYTES);
        LogRecord::new(None, "x".repeat((size - RECORD_OVERHEAD_BYTES) as usize), ts)
    }

    fn cfg(segment_bytes: u64, segment_ms: Micros) -> LogConfig {
        LogConfig { segment_bytes, segment_ms, timestamp_type: TimestampType::CreateTime }
    }

    #[test]
    fn iter_from_starts_at_the_offset_across_segments() {
        // 100-byte records, 300-byte segments: [0,3) [3,6) [6,9) [9,10).
        let mut log = ReplicaLog::new(LogConfig { segment_bytes: 300, ..LogConfig::default() });
        fill(&mut log, 10, 0, 0);
        assert!(log.segments().len() > 2, "several segments");
        for from in [0, 2, 3, 4, 9, 10, 11] {
            let got: Vec<u64> = log.iter_from(from).map(|r| r.offset).collect();
            let want: Vec<u64> = log.iter().map(|r| r.offset).filter(|o| *o >= from).collect();
            assert_eq!(got, want, "from {from}");
        }
    }

    fn offsets(records: &[LogRecord]) -> Vec<u64> {
        records.iter().map(|r| r.offset).collect()
    }

    fn bases(log: &ReplicaLog) -> Vec<u64> {
        log.segments().iter().map(|s| s.base_offset).collect()
    }

    /// Appends `n` leader records of 100 bytes each at timestamps `ts`.
    fn fill(log: &mut ReplicaLog, n: usize, epoch: i32, ts: Micros) {
        for _ in 0..n {
            log.append_as_leader(vec![rec(100, ts)], epoch, ts).unwrap();
        }
    }

    #[test]
    fn record_size_estimate() {
        let r = LogRecord::new(Some("key".into()), "value", 0);
        assert_eq!(r.size_bytes(), 3 + 5 + 70);
        let r = LogRecord::new(None, "", 0);
        assert_eq!(r.size_bytes(), 70);
        // UTF-8 bytes, not chars.
        let r = LogRecord::new(Some("é".into()), "ü", 0);
        assert_eq!(r.size_bytes(), 2 + 2 + 70);
    }

    #[test]
    fn defaults_match_kafka() {
        let c = LogConfig::default();
        assert_eq!(c.segment_bytes, 1_073_741_824);
        assert_eq!(c.segment_ms, 7 * 24 * 3600 * 1_000_000);
        assert_eq!(DEFAULT_RETENTION_MS, 604_800_000_000);
        assert_eq!(c.timestamp_type, TimestampType::CreateTime);
    }

    #[test]
    fn empty_log() {
        let log = ReplicaLog::default();
        assert_eq!(log.log_start_offset(), 0);
        assert_eq!(log.log_end_offset(), 0);
        assert_eq!(log.flushed_offset(), 0);
        assert_eq!(log.last_epoch(), None);
        assert!(log.is_empty());
        assert_eq!(log.record_at(0), None);
        assert_eq!(log.read(0, 10, 0), Ok(vec![]));
        assert_eq!(log.segments().len(), 1);
    }

    #[test]
    fn leader_append_assigns_offsets_epochs_and_cache() {
        let mut log = ReplicaLog::default();
        let info = log.append_as_leader(vec![LogRecord::new(Some("a".into()), "1", 5), LogRecord::new(None, "2", 6)], 0, 100).unwrap();
        assert_eq!(info, AppendInfo { first_offset: 0, next_offset: 2, rolled_segment: None });
        let r = log.record_at(1).unwrap();
        assert_eq!((r.offset, r.leader_epoch, r.append_time, r.timestamp), (1, 0, 100, 6));
        assert_eq!(log.last_epoch(), Some(0));

        log.append_as_leader(vec![LogRecord::new(None, "3", 7)], 0, 101).unwrap();
        log.append_as_leader(vec![LogRecord::new(None, "4", 8)], 3, 102).unwrap();
        let cache: Vec<(i32, u64)> = log.epoch_cache().entries().iter().map(|e| (e.epoch, e.start_offset)).collect();
        assert_eq!(cache, vec![(0, 0), (3, 3)]);
        assert_eq!(log.log_end_offset(), 4);
        assert_eq!(log.end_offset_for_epoch(0), (0, 3));
        assert_eq!(log.end_offset_for_epoch(3), (3, 4));
    }

    #[test]
    fn assign_leader_epoch_at_leo() {
        let mut log = ReplicaLog::default();
        fill(&mut log, 3, 1, 0);
        assert!(log.assign_leader_epoch(2));
        assert_eq!(log.last_epoch(), Some(2));
        assert_eq!(log.epoch_cache().start_offset_of(2), Some(3));
        // Records then appended in epoch 2 do not move its start.
        fill(&mut log, 2, 2, 0);
        assert_eq!(log.epoch_cache().start_offset_of(2), Some(3));
    }

    #[test]
    fn follower_append_checks_offsets() {
        let mut leader = ReplicaLog::default();
        fill(&mut leader, 5, 0, 0);
        let mut follower = ReplicaLog::default();
        let batch = leader.read(0, 3, 5).unwrap();
        assert_eq!(follower.append(batch).unwrap().next_offset, 3);

        // Gap.
        let skip = leader.read(4, 1, 5).unwrap();
        assert_eq!(follower.append(skip), Err(AppendError::UnexpectedOffset { expected: 3, found: 4 }));
        // Overlap.
        let again = leader.read(2, 1, 5).unwrap();
        assert_eq!(follower.append(again), Err(AppendError::UnexpectedOffset { expected: 3, found: 2 }));
        // Non-consecutive inside the batch.
        let mut bad = leader.read(3, 2, 5).unwrap();
        bad[1].offset = 9;
        assert_eq!(follower.append(bad), Err(AppendError::NonContiguousOffsets { after: 3, found: 9 }));
        assert_eq!(follower.log_end_offset(), 3);

        let rest = leader.read(3, 10, 5).unwrap();
        follower.append(rest).unwrap();
        assert_eq!(follower.iter().cloned().collect::<Vec<_>>(), leader.iter().cloned().collect::<Vec<_>>());
        assert_eq!(follower.epoch_cache(), leader.epoch_cache());
        // Empty batch: nothing happens.
        assert_eq!(follower.append(vec![]), Ok(AppendInfo { first_offset: 5, next_offset: 5, rolled_segment: None }));
    }

    #[test]
    fn segment_rolls_on_size() {
        // Three 100-byte records fit a 300-byte segment exactly; the fourth
        // rolls (size > segment.bytes − batch size).
        let mut log = ReplicaLog::new(cfg(300, DEFAULT_SEGMENT_MS));
        for i in 0..3 {
            let info = log.append_as_leader(vec![rec(100, 0)], 0, 0).unwrap();
            assert_eq!(info.rolled_segment, None, "record {i}");
        }
        let info = log.append_as_leader(vec![rec(100, 0)], 0, 0).unwrap();
        assert_eq!(info.rolled_segment, Some(3));
        fill(&mut log, 3, 0, 0);
        assert_eq!(bases(&log), vec![0, 3, 6]);
        let segs = log.segments();
        assert_eq!(segs[0].next_offset, 3);
        assert_eq!(segs[0].size_bytes, 300);
        assert!(segs[2].is_active && !segs[1].is_active);
        assert_eq!(log.size_bytes(), 700);
        // A 2-record batch that does not fit whole goes to a new segment.
        let mut log = ReplicaLog::new(cfg(300, DEFAULT_SEGMENT_MS));
        fill(&mut log, 2, 0, 0);
        let info = log.append_as_leader(vec![rec(100, 0), rec(100, 0)], 0, 0).unwrap();
        assert_eq!(info.rolled_segment, Some(2));
        assert_eq!(bases(&log), vec![0, 2]);
    }

    #[test]
    fn batch_larger_than_segment_is_rejected() {
        let mut log = ReplicaLog::new(cfg(250, DEFAULT_SEGMENT_MS));
        let err = log.append_as_leader(vec![rec(100, 0), rec(100, 0), rec(100, 0)], 0, 0);
        assert_eq!(err, Err(AppendError::RecordBatchTooLarge { batch_bytes: 300, segment_bytes: 250 }));
        assert!(log.is_empty());
        assert_eq!(log.last_epoch(), None);
    }

    #[test]
    fn segment_rolls_on_age() {
        let ms = 1_000;
        let mut log = ReplicaLog::new(cfg(DEFAULT_SEGMENT_BYTES, ms));
        fill(&mut log, 1, 0, 10);
        // Exactly segment.ms later: not older *than* segment.ms.
        assert_eq!(log.append_as_leader(vec![rec(100, 10 + ms)], 0, 0).unwrap().rolled_segment, None);
        // One microsecond more: roll.
        assert_eq!(log.append_as_leader(vec![rec(100, 11 + ms)], 0, 0).unwrap().rolled_segment, Some(2));
        // The age counts from the new segment's first batch.
        assert_eq!(log.append_as_leader(vec![rec(100, 11 + 2 * ms)], 0, 0).unwrap().rolled_segment, None);
        // A timestamp going backwards never rolls.
        assert_eq!(log.append_as_leader(vec![rec(100, 0)], 0, 0).unwrap().rolled_segment, None);
        assert_eq!(bases(&log), vec![0, 2]);
    }

    #[test]
    fn segment_age_uses_log_append_time_when_configured() {
        let ms = 1_000;
        let mut log = ReplicaLog::new(LogConfig { segment_bytes: DEFAULT_SEGMENT_BYTES, segment_ms: ms, timestamp_type: TimestampType::LogAppendTime });
        // CreateTime is ancient, append time is what counts.
        log.append_as_leader(vec![rec(100, 0)], 0, 5_000).unwrap();
        assert_eq!(log.append_as_leader(vec![rec(100, 0)], 0, 5_000 + ms).unwrap().rolled_segment, None);
        assert_eq!(log.append_as_leader(vec![rec(100, 0)], 0, 5_001 + ms).unwrap().rolled_segment, Some(2));
        assert_eq!(log.segments()[0].largest_timestamp, Some(5_000 + ms));
    }

    #[test]
    fn roll_flushes_the_previous_segment() {
        let mut log = ReplicaLog::new(cfg(300, DEFAULT_SEGMENT_MS));
        fill(&mut log, 3, 0, 0);
        assert_eq!(log.flushed_offset(), 0);
        fill(&mut log, 1, 0, 0);
        assert_eq!(log.flushed_offset(), 3);
        assert_eq!(log.unflushed_count(), 1);
    }

    // ---- read (reference §1.1.4) ----

    #[test]
    fn read_range_rules() {
        let mut log = ReplicaLog::default();
        fill(&mut log, 10, 0, 0);
        let hw = 6;
        // Below HW: records, limited by max_records and by the bound.
        assert_eq!(offsets(&log.read(2, 3, hw).unwrap()), vec![2, 3, 4]);
        assert_eq!(offsets(&log.read(4, 100, hw).unwrap()), vec![4, 5]);
        // HW <= fetchOffset <= LEO: empty, not an error.
        assert_eq!(log.read(6, 10, hw), Ok(vec![]));
        assert_eq!(log.read(8, 10, hw), Ok(vec![]));
        assert_eq!(log.read(10, 10, hw), Ok(vec![]));
        // Upper bound = LEO (followers).
        assert_eq!(offsets(&log.read(8, 10, 10).unwrap()), vec![8, 9]);
        // Upper bound above LEO is clamped.
        assert_eq!(offsets(&log.read(9, 10, 50).unwrap()), vec![9]);
        // fetchOffset > LEO: OFFSET_OUT_OF_RANGE.
        assert_eq!(log.read(11, 10, hw), Err(ReadError::OffsetOutOfRange { offset: 11, log_start_offset: 0, log_end_offset: 10 }));
        // max_records 0: nothing.
        assert_eq!(log.read(0, 0, hw), Ok(vec![]));
    }

    #[test]
    fn read_below_log_start_is_out_of_range() {
        let mut log = ReplicaLog::new(cfg(300, DEFAULT_SEGMENT_MS));
        fill(&mut log, 7, 0, 0);
        let deleted = log.apply_retention(0, None, Some(400), 7);
        assert_eq!(deleted, vec![0]);
        assert_eq!(log.log_start_offset(), 3);
        assert_eq!(log.read(2, 10, 7), Err(ReadError::OffsetOutOfRange { offset: 2, log_start_offset: 3, log_end_offset: 7 }));
        assert_eq!(offsets(&log.read(3, 2, 7).unwrap()), vec![3, 4]);
        assert_eq!(log.record_at(2), None);
        assert_eq!(log.record_at(3).map(|r| r.offset), Some(3));
    }

    #[test]
    fn record_at_across_segments() {
        let mut log = ReplicaLog::new(cfg(300, DEFAULT_SEGMENT_MS));
        fill(&mut log, 8, 0, 0);
        for o in 0..8 {
            assert_eq!(log.record_at(o).map(|r| r.offset), Some(o));
        }
        assert_eq!(log.record_at(8), None);
    }

    // ---- truncation ----

    #[test]
    fn truncate_to_middle_of_earlier_segment() {
        let mut log = ReplicaLog::new(cfg(300, DEFAULT_SEGMENT_MS));
        fill(&mut log, 4, 0, 0);
        fill(&mut log, 4, 1, 0);
        assert_eq!(bases(&log), vec![0, 3, 6]);
        log.flush();
        assert!(log.truncate_to(4));
        assert_eq!(log.log_end_offset(), 4);
        assert_eq!(bases(&log), vec![0, 3]);
        assert_eq!(log.segments()[1].size_bytes, 100);
        assert_eq!(log.flushed_offset(), 4);
        // Epoch 1 started at 4: gone.
        assert_eq!(log.last_epoch(), Some(0));
        // Appends continue at 4 in the active segment.
        let info = log.append_as_leader(vec![rec(100, 0)], 2, 0).unwrap();
        assert_eq!(info.first_offset, 4);
        assert_eq!(info.rolled_segment, None);
    }

    #[test]
    fn truncate_to_segment_base_leaves_empty_active_segment() {
        let mut log = ReplicaLog::new(cfg(300, DEFAULT_SEGMENT_MS));
        fill(&mut log, 5, 0, 0);
        assert!(log.truncate_to(3));
        assert_eq!(bases(&log), vec![0, 3]);
        assert_eq!(log.segments()[1].record_count, 0);
        assert_eq!(log.segments()[1].largest_timestamp, None);
    }

    #[test]
    fn truncate_to_at_or_beyond_leo_only_trims_epoch_cache() {
        let mut log = ReplicaLog::default();
        fill(&mut log, 3, 1, 0);
        // Elected in epoch 2, but nothing appended before losing leadership.
        log.assign_leader_epoch(2);
        assert_eq!(log.last_epoch(), Some(2));
        assert!(!log.truncate_to(3));
        assert_eq!(log.log_end_offset(), 3);
        assert_eq!(log.last_epoch(), Some(1));
        assert!(!log.truncate_to(10));
        assert_eq!(log.log_end_offset(), 3);
    }

    #[test]
    fn truncate_below_first_segment_restarts_log() {
        let mut log = ReplicaLog::new(cfg(300, DEFAULT_SEGMENT_MS));
        fill(&mut log, 7, 0, 0);
        log.apply_retention(0, None, Some(0), 6); // deletes segments 0 and 3
        assert_eq!(log.log_start_offset(), 6);
        assert!(log.truncate_to(4));
        assert_eq!(log.log_start_offset(), 4);
        assert_eq!(log.log_end_offset(), 4);
        assert!(log.epoch_cache().is_empty());
    }

    #[test]
    fn truncate_fully_and_start_at() {
        let mut log = ReplicaLog::default();
        fill(&mut log, 3, 0, 0);
        log.truncate_fully_and_start_at(50);
        assert_eq!((log.log_start_offset(), log.log_end_offset(), log.flushed_offset()), (50, 50, 50));
        assert_eq!(log.read(49, 1, 50).unwrap_err().to_string(), "OFFSET_OUT_OF_RANGE: offset 49 not in [50, 50]");
        let info = log.append_as_leader(vec![rec(100, 0)], 4, 0).unwrap();
        assert_eq!(info.first_offset, 50);
        assert_eq!(log.epoch_cache().start_offset_of(4), Some(50));
    }

    // ---- durability (reference §1.7) ----

    #[test]
    fn flush_and_flush_up_to() {
        let mut log = ReplicaLog::default();
        fill(&mut log, 5, 0, 0);
        assert_eq!(log.unflushed_count(), 5);
        log.flush_up_to(2);
        assert_eq!(log.flushed_offset(), 2);
        log.flush_up_to(1);
        assert_eq!(log.flushed_offset(), 2, "never backwards");
        log.flush_up_to(99);
        assert_eq!(log.flushed_offset(), 5, "capped at LEO");
        fill(&mut log, 2, 0, 0);
        log.flush();
        assert_eq!(log.flushed_offset(), 7);
    }

    #[test]
    fn lose_unflushed_keeps_flushed_prefix() {
        let mut log = ReplicaLog::default();
        fill(&mut log, 4, 0, 0);
        log.flush();
        fill(&mut log, 3, 1, 0);
        fill(&mut log, 3, 2, 0);
        // Caller asks to keep up to 2: clamped to the flushed offset 4.
        assert_eq!(log.lose_unflushed(2), 6);
        assert_eq!(log.log_end_offset(), 4);
        assert_eq!(log.last_epoch(), Some(0));
        assert_eq!(log.flushed_offset(), 4);

        fill(&mut log, 3, 3, 0);
        assert_eq!(log.lose_unflushed(6), 1);
        assert_eq!(log.log_end_offset(), 6);
        assert_eq!(log.flushed_offset(), 6, "survivors are on disk after recovery");
        assert_eq!(log.last_epoch(), Some(3));
        // Keeping everything loses nothing.
        assert_eq!(log.lose_unflushed(100), 0);
        assert_eq!(log.log_end_offset(), 6);
    }

    #[test]
    fn lose_unflushed_random_is_uniform_and_bounded() {
        let mut rng = RngStream::derive(21, "nemesis");
        let mut counts = [0u32; 6];
        for _ in 0..6000 {
            let mut log = ReplicaLog::default();
            fill(&mut log, 3, 0, 0);
            log.flush();
            fill(&mut log, 5, 0, 0);
            let lost = log.lose_unflushed_random(&mut rng);
            assert!(lost <= 5);
            assert_eq!(log.log_end_offset(), 8 - lost);
            assert!(log.log_end_offset() >= 3);
            counts[lost as usize] += 1;
        }
        for c in counts {
            assert!((850..1150).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn lose_unflushed_random_draws_nothing_when_flushed() {
        let mut rng = RngStream::derive(22, "nemesis");
        let mut twin = rng.clone();
        let mut log = ReplicaLog::default();
        fill(&mut log, 3, 0, 0);
        log.flush();
        assert_eq!(log.lose_unflushed_random(&mut rng), 0);
        assert_eq!(rng.next_u64(), twin.next_u64());
    }

    #[test]
    fn wipe_empties_everything() {
        let mut log = ReplicaLog::new(cfg(300, 77));
        fill(&mut log, 5, 2, 0);
        log.flush();
        log.wipe();
        assert_eq!((log.log_start_offset(), log.log_end_offset(), log.flushed_offset()), (0, 0, 0));
        assert!(log.epoch_cache().is_empty());
        assert_eq!(log.size_bytes(), 0);
        assert_eq!(log.config().segment_ms, 77);
    }

    // ---- retention (reference §1.6) ----

    /// Three full segments [0,3) [3,6) [6,9) of 300 bytes plus an active one
    /// [9,10): 1000 bytes. Segment k's records have timestamp `ts[k]`.
    fn retention_log(ts: [Micros; 4]) -> ReplicaLog {
        let mut log = ReplicaLog::new(cfg(300, DEFAULT_SEGMENT_MS));
        for (k, &t) in ts.iter().enumerate() {
            let n = if k == 3 { 1 } else { 3 };
            fill(&mut log, n, 0, t);
        }
        assert_eq!(bases(&log), vec![0, 3, 6, 9]);
        log
    }

    #[test]
    fn retention_time_deletes_oldest_expired_segments() {
        let day = 86_400_000_000u64;
        let mut log = retention_log([0, day, 10 * day, 10 * day]);
        // now = 9 days, retention 7 days: segment 0 (9 days) and segment 3
        // (8 days) expired; segment 6 not.
        let deleted = log.apply_retention(9 * day, Some(7 * day), None, 10);
        assert_eq!(deleted, vec![0, 3]);
        assert_eq!(log.log_start_offset(), 6);
        assert_eq!(bases(&log), vec![6, 9]);
    }

    #[test]
    fn retention_time_is_strictly_greater() {
        let mut log = retention_log([100, 500, 500, 500]);
        // now − ts == retention: kept.
        assert_eq!(log.apply_retention(200, Some(100), None, 10), Vec::<u64>::new());
        assert_eq!(log.apply_retention(201, Some(100), None, 10), vec![0]);
    }

    #[test]
    fn retention_stops_at_first_non_deletable_segment() {
        // Segment 3 is young, segment 6 is old: 6 survives behind 3.
        let mut log = retention_log([0, 1_000, 0, 1_000]);
        let deleted = log.apply_retention(900, Some(500), None, 10);
        assert_eq!(deleted, vec![0]);
        assert_eq!(bases(&log), vec![3, 6, 9]);
    }

    #[test]
    fn retention_size_rule() {
        // 1000 bytes; retention.bytes 650: delete while size − seg >= 650:
        // 1000−300 = 700 ≥ 650 → delete [0,3); 700−300 = 400 < 650 → stop.
        let mut log = retention_log([0; 4]);
        assert_eq!(log.apply_retention(0, None, Some(650), 10), vec![0]);
        assert_eq!(log.size_bytes(), 700);

        // retention.bytes 400: 700 → 400 (≥ 400, delete), then 100 < 400.
        let mut log = retention_log([0; 4]);
        assert_eq!(log.apply_retention(0, None, Some(400), 10), vec![0, 3]);
        assert_eq!(log.size_bytes(), 400);

        // Exactly at the limit: size − seg = 700 < 1000 → nothing.
        let mut log = retention_log([0; 4]);
        assert_eq!(log.apply_retention(0, None, Some(1000), 10), Vec::<u64>::new());
        // Under the limit: nothing.
        assert_eq!(log.apply_retention(0, None, Some(5000), 10), Vec::<u64>::new());
    }

    #[test]
    fn retention_never_passes_high_watermark() {
        // Everything is expired, but HW = 5 is inside segment [3,6): only
        // segment 0 (upper bound 3 <= 5) may go.
        let mut log = retention_log([0; 4]);
        assert_eq!(log.apply_retention(1_000, Some(10), None, 5), vec![0]);
        assert_eq!(log.log_start_offset(), 3);
        // HW = 6 = upper bound of [3,6): it may go now.
        assert_eq!(log.apply_retention(1_000, Some(10), None, 6), vec![3]);
        // HW = 0: nothing at all.
        let mut log = retention_log([0; 4]);
        assert_eq!(log.apply_retention(1_000, Some(10), Some(0), 0), Vec::<u64>::new());
        // Size rule respects the HW too.
        assert_eq!(log.apply_retention(0, None, Some(0), 3), vec![0]);
        assert!(log.log_start_offset() <= 3);
    }

    #[test]
    fn retention_active_segment_needs_hw_at_leo() {
        // Everything expired; HW = 9 < LEO 10: the active segment stays.
        let mut log = retention_log([0; 4]);
        assert_eq!(log.apply_retention(1_000, Some(10), None, 9), vec![0, 3, 6]);
        assert_eq!(bases(&log), vec![9]);
        // HW = LEO: the active segment goes too; a new empty one is rolled
        // at the LEO first, so the log is empty and starts at the LEO.
        assert_eq!(log.apply_retention(1_000, Some(10), None, 10), vec![9]);
        assert_eq!(bases(&log), vec![10]);
        assert_eq!((log.log_start_offset(), log.log_end_offset()), (10, 10));
        assert!(log.flushed_offset() >= log.log_start_offset());
        // The empty active segment is never deleted.
        assert_eq!(log.apply_retention(1_000, Some(10), Some(0), 10), Vec::<u64>::new());
        // The epoch survives, moved to the new start.
        assert_eq!(log.epoch_cache().start_offset_of(0), Some(10));
        // Appending continues at 10.
        let info = log.append_as_leader(vec![rec(100, 2_000)], 0, 2_000).unwrap();
        assert_eq!(info.first_offset, 10);
    }

    #[test]
    fn retention_young_active_segment_stays_even_at_hw() {
        let mut log = retention_log([0, 0, 0, 900]);
        assert_eq!(log.apply_retention(1_000, Some(500), None, 10), vec![0, 3, 6]);
        assert_eq!(bases(&log), vec![9]);
    }

    #[test]
    fn retention_size_then_time_in_one_run() {
        // Size removes [0,3); time then removes [3,6) (old) and stops at [6,9).
        let mut log = retention_log([1_000, 0, 1_000, 1_000]);
        let deleted = log.apply_retention(1_000, Some(500), Some(700), 10);
        assert_eq!(deleted, vec![0, 3]);
    }

    #[test]
    fn retention_truncates_epoch_cache_from_start() {
        let mut log = ReplicaLog::new(cfg(300, DEFAULT_SEGMENT_MS));
        fill(&mut log, 2, 0, 0);
        fill(&mut log, 2, 1, 0); // epoch 1 starts at 2, crosses the roll at 3
        fill(&mut log, 3, 2, 0); // epoch 2 starts at 4
        assert_eq!(bases(&log), vec![0, 3, 6]);
        log.apply_retention(0, None, Some(0), 6);
        assert_eq!(log.log_start_offset(), 6);
        let cache: Vec<(i32, u64)> = log.epoch_cache().entries().iter().map(|e| (e.epoch, e.start_offset)).collect();
        assert_eq!(cache, vec![(2, 6)]);
        // Deleting only [0,3): epoch 1 (started at 2) now starts at 3.
        let mut log = ReplicaLog::new(cfg(300, DEFAULT_SEGMENT_MS));
        fill(&mut log, 2, 0, 0);
        fill(&mut log, 2, 1, 0);
        log.apply_retention(0, None, Some(0), 3);
        let cache: Vec<(i32, u64)> = log.epoch_cache().entries().iter().map(|e| (e.epoch, e.start_offset)).collect();
        assert_eq!(cache, vec![(1, 3)]);
    }

    #[test]
    fn retention_unlimited_does_nothing() {
        let mut log = retention_log([0; 4]);
        assert_eq!(log.apply_retention(u64::MAX, None, None, 10), Vec::<u64>::new());
        assert_eq!(log.log_start_offset(), 0);
    }

    /// A2 end to end at the log level: the old leader's acked-but-unreplicated
    /// record is truncated through the divergence protocol.
    #[test]
    fn divergence_truncation_end_to_end() {
        use crate::kafka::epoch_cache::{follower_truncation, leader_divergence, LeaderDivergence};
        let mut b1 = ReplicaLog::default();
        let mut b2 = ReplicaLog::default();
        b1.assign_leader_epoch(0);
        for i in 0..3 {
            b1.append_as_leader(vec![LogRecord::new(None, format!("m{i}"), 0)], 0, 0).unwrap();
        }
        b2.append(b1.read(0, 2, 3).unwrap()).unwrap(); // b2 has 0..2
                                                       // B1 crashes; B2 leads epoch 1 and appends.
        b2.assign_leader_epoch(1);
        b2.append_as_leader(vec![LogRecord::new(None, "n2", 0)], 1, 0).unwrap();
        b2.append_as_leader(vec![LogRecord::new(None, "n3", 0)], 1, 0).unwrap();
        // B1 returns as follower.
        let reply = leader_divergence(b2.epoch_cache(), b2.log_end_offset(), b1.last_epoch(), b1.log_end_offset());
        let LeaderDivergence::Diverging { epoch, end_offset } = reply else {
            panic!("expected divergence, got {reply:?}");
        };
        assert_eq!((epoch, end_offset), (0, 2));
        let d = follower_truncation(epoch, end_offset as i64, b1.epoch_cache(), b1.log_end_offset());
        assert!(d.complete);
        b1.truncate_to(d.truncate_to);
        b1.append(b2.read(b1.log_end_offset(), 10, b2.log_end_offset()).unwrap()).unwrap();
        let values = |l: &ReplicaLog| l.iter().map(|r| r.value.clone()).collect::<Vec<_>>();
        assert_eq!(values(&b1), vec!["m0", "m1", "n2", "n3"]);
        assert_eq!(values(&b1), values(&b2));
        assert_eq!(b1.epoch_cache(), b2.epoch_cache());
    }

    #[test]
    fn serde_round_trip() {
        let mut log = ReplicaLog::new(cfg(300, DEFAULT_SEGMENT_MS));
        fill(&mut log, 4, 1, 7);
        let json = serde_json::to_string(&log).unwrap();
        let back: ReplicaLog = serde_json::from_str(&json).unwrap();
        assert_eq!(back, log);
    }
}

//! The Java producer's default partitioner (reference §4).
//!
//! Which partition a record lands on decides ordering, co-location of keys
//! and who sees a partition outage, so we follow the Java client bit for bit:
//!
//! * keyed records: `toPositive(murmur2(keyBytes)) % numPartitions`
//!   (`BuiltInPartitioner.partitionForKey`, `Utils.murmur2`, `Utils.toPositive`);
//!   `numPartitions` counts *all* partitions of the topic, so a keyed record
//!   whose partition has no leader is never rerouted;
//! * records without a key (or with `partitioner.ignore.keys=true`): a
//!   *sticky* choice, random through the caller's seeded [`RngStream`].
//!   Two generations are modelled, chosen by [`StickyStrategy`]:
//!   - [`StickyStrategy::BuiltIn`] (Kafka 3.3+, KIP-794, `BuiltInPartitioner`):
//!     switch after `batch.size` bytes were produced to the sticky partition
//!     (or after `2 × batch.size` if switching was deferred because a batch
//!     was still open); the next partition is uniform over the *available*
//!     partitions (the current one included), or weighted by inverse queue
//!     size under adaptive partitioning ([`PartitionLoadStats`]);
//!   - [`StickyStrategy::StickyPartitionCache`] (Kafka 2.4–3.2, KIP-480,
//!     `StickyPartitionCache`): switch when a batch for the sticky partition
//!     completes; the next partition is random over the available partitions
//!     *other than* the current one.
//!
//! Simplifications (documented where they apply):
//! * the custom `partitioner.class` path and the pre-2.4 round-robin
//!   partitioner are not modelled;
//! * Kafka draws `toPositive(ThreadLocalRandom.nextInt()) % n`; we draw
//!   `rng.below(n)`, the same distribution without modulo bias, so traces are
//!   equal in law, not draw for draw, to a real client;
//! * `partitioner.availability.timeout.ms` (exclusion of slow brokers) is the
//!   caller's business: it passes only the partitions it considers usable in
//!   [`PartitionLoadStats::from_queue_sizes`].

use serde::{Deserialize, Serialize};

use crate::rng::RngStream;

/// Kafka's `Utils.murmur2`: 32-bit MurmurHash2 with seed `0x9747b28c`,
/// returned as a signed Java `int`.
///
/// Written on `u32` with wrapping multiplication and logical shifts, which is
/// exactly Java's `int` arithmetic with `>>>`; bytes are taken unsigned
/// (Java masks with `& 0xff`), and the tail bytes fall through as in the
/// Java `switch`.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    // Java uses the array length as an `int`; arrays never exceed 2^31 there,
    // and truncation keeps the arithmetic defined here.
    let mut h: u32 = SEED ^ (data.len() as u32);

    let blocks = data.chunks_exact(4);
    let tail = blocks.remainder();
    for block in blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }

    // Fall-through of the Java switch on `length % 4`.
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }

    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (`x & 0x7fffffff`).
///
/// Deliberately *not* `abs`: for every negative hash the two differ (for
/// `"kafka"` with 10 partitions `toPositive` gives partition 0, `abs` 8), and
/// `abs(i32::MIN)` does not even exist.
pub fn to_positive(x: i32) -> i32 {
    x & 0x7fff_ffff
}

/// The partition of a keyed record: `toPositive(murmur2(key)) % numPartitions`
/// (`BuiltInPartitioner.partitionForKey`). `key` is the *serialized* key
/// (`StringSerializer` gives UTF-8, `IntegerSerializer` 4 bytes big-endian).
///
/// `num_partitions` must be positive; a topic with no partitions is rejected
/// by [`choose_partition`], and this function answers 0 rather than divide by
/// zero.
pub fn partition_for_key(key: &[u8], num_partitions: u32) -> u32 {
    // to_positive is in 0..=i32::MAX, so the cast is lossless.
    let hash = to_positive(murmur2(key)) as u32;
    hash.checked_rem(num_partitions).unwrap_or(0)
}

/// Which generation of the sticky partitioner picks partitions for records
/// without a key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StickyStrategy {
    /// Kafka 2.4–3.2 (KIP-480, `StickyPartitionCache`): stick until a batch
    /// completes, then move to a random available partition other than the
    /// current one.
    StickyPartitionCache,
    /// Kafka 3.3+ (KIP-794, `BuiltInPartitioner`): stick for `batch.size`
    /// bytes (up to `2 × batch.size` while a batch is still open), then move
    /// to a uniformly (or adaptively) chosen available partition.
    #[default]
    BuiltIn,
}

/// Load statistics for adaptive partitioning
/// (`partitioner.adaptive.partitioning.enable=true`, the default in 3.3+):
/// a cumulative frequency table in which a partition's weight is
/// `maxQueueSize + 1 − queueSize`, so partitions whose brokers drain slowly
/// (long queues of batches) receive fewer new batches.
///
/// Follows `BuiltInPartitioner.updatePartitionLoadStats` (the reference only
/// says "weighted by inverse queue size").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionLoadStats {
    /// Running sums of the inverted queue sizes; strictly increasing.
    cumulative: Vec<u64>,
    /// The partition for each entry of `cumulative`.
    partition_ids: Vec<u32>,
}

impl PartitionLoadStats {
    /// Builds the table from `(partition, queue size in batches)` for the
    /// partitions that have a leader and are not excluded by
    /// `partitioner.availability.timeout.ms`; `num_partitions` is the topic's
    /// partition count.
    ///
    /// Returns `None` when Kafka would fall back to the uniform choice: no
    /// usable partition, a topic with fewer than two partitions, or all queue
    /// sizes equal with no partition left out.
    pub fn from_queue_sizes(queue_sizes: &[(u32, u32)], num_partitions: u32) -> Option<Self> {
        if queue_sizes.is_empty() || num_partitions < 2 {
            return None;
        }
        let first = queue_sizes[0].1;
        let all_equal = queue_sizes.iter().all(|&(_, q)| q == first);
        let none_excluded = queue_sizes.len() as u64 == u64::from(num_partitions);
        if all_equal && none_excluded {
            return None;
        }
        let max_plus_1 = u64::from(queue_sizes.iter().map(|&(_, q)| q).max().unwrap_or(0)) + 1;
        let mut cumulative = Vec::with_capacity(queue_sizes.len());
        let mut running = 0u64;
        for &(_, q) in queue_sizes {
            running += max_plus_1 - u64::from(q);
            cumulative.push(running);
        }
        Some(PartitionLoadStats { cumulative, partition_ids: queue_sizes.iter().map(|&(p, _)| p).collect() })
    }

    /// The sum of all weights: a uniform draw in `0..total()` picks a
    /// partition with its weighted probability.
    pub fn total(&self) -> u64 {
        self.cumulative.last().copied().unwrap_or(0)
    }

    /// The partition for a draw `r` in `0..total()`: the first entry whose
    /// running sum is strictly greater than `r` (Kafka's binary search).
    pub fn pick(&self, r: u64) -> u32 {
        let idx = self.cumulative.partition_point(|&c| c <= r);
        let idx = idx.min(self.partition_ids.len().saturating_sub(1));
        self.partition_ids[idx]
    }
}

/// What the producer's metadata says about a topic at the moment of the
/// choice: what `Cluster.partitionsForTopic` / `availablePartitionsForTopic`
/// return in the Java client.
#[derive(Clone, Copy, Debug)]
pub struct TopicPartitions<'a> {
    /// All partitions of the topic (`partitionsForTopic(topic).size()`).
    pub num_partitions: u32,
    /// Partitions that currently have a leader, in ascending order.
    pub available: &'a [u32],
    /// Adaptive-partitioning statistics, if enabled and not uniform.
    /// Only [`StickyStrategy::BuiltIn`] uses them.
    pub load: Option<&'a PartitionLoadStats>,
}

impl<'a> TopicPartitions<'a> {
    /// A topic with the given available partitions and no load statistics
    /// (uniform choice).
    pub fn uniform(num_partitions: u32, available: &'a [u32]) -> Self {
        TopicPartitions { num_partitions, available, load: None }
    }
}

/// The sticky partitioner for records without a key (one per producer and
/// topic, as Kafka keeps one `BuiltInPartitioner` / cache entry per topic).
///
/// Protocol for the caller (the producer model):
/// 1. [`StickyPartitioner::partition`] gives the partition for the next
///    key-less record (choosing one on first use);
/// 2. after the record was appended to the accumulator,
///    [`StickyPartitioner::on_append`] reports its size and whether every
///    batch of that partition is now full (`enable_switch`, Kafka's
///    `allBatchesFull(deque)`); this is where [`StickyStrategy::BuiltIn`]
///    switches;
/// 3. under [`StickyStrategy::StickyPartitionCache`], when the accumulator
///    has to open a new batch for the sticky partition (the previous one was
///    sent by `linger.ms`), call [`StickyPartitioner::on_new_batch`]
///    (Kafka's `Partitioner.onNewBatch`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StickyPartitioner {
    strategy: StickyStrategy,
    /// `batch.size` in bytes (default 16384).
    batch_size: u64,
    /// The sticky partition, once chosen.
    current: Option<u32>,
    /// Bytes produced to `current` since it was chosen.
    produced_bytes: u64,
}

/// `batch.size` default (`ProducerConfig`).
pub const DEFAULT_BATCH_SIZE: u64 = 16_384;

impl StickyPartitioner {
    pub fn new(strategy: StickyStrategy, batch_size: u64) -> Self {
        StickyPartitioner { strategy, batch_size, current: None, produced_bytes: 0 }
    }

    pub fn strategy(&self) -> StickyStrategy {
        self.strategy
    }

    pub fn batch_size(&self) -> u64 {
        self.batch_size
    }

    /// The current sticky partition, if one was chosen.
    pub fn current(&self) -> Option<u32> {
        self.current
    }

    /// Bytes produced to the current sticky partition since it was chosen.
    pub fn produced_bytes(&self) -> u64 {
        self.produced_bytes
    }

    /// The partition for the next key-less record. Chooses one on first use
    /// (`peekCurrentPartitionInfo` / `StickyPartitionCache.partition`), or if
    /// the remembered one no longer exists in the topic.
    pub fn partition(&mut self, rng: &mut RngStream, topic: &TopicPartitions<'_>) -> u32 {
        match self.current {
            Some(p) if p < topic.num_partitions => p,
            _ => self.switch(rng, topic),
        }
    }

    /// Reports that `appended_bytes` of a key-less record were appended to
    /// `partition`. `enable_switch` is true when no batch of that partition
    /// is still open for appends (Kafka's `allBatchesFull`).
    ///
    /// Returns the new sticky partition if this append made it switch.
    ///
    /// * [`StickyStrategy::BuiltIn`] (`BuiltInPartitioner.updatePartitionInfo`):
    ///   switch when `produced ≥ batch.size && enable_switch`, or
    ///   unconditionally when `produced ≥ 2 × batch.size` (the cap that stops
    ///   deferral from growing forever).
    /// * [`StickyStrategy::StickyPartitionCache`]: switch when `batch.size`
    ///   bytes filled the batch, i.e. the next record would need a new batch.
    ///   Simplification: Kafka switches when the next record *does not fit*
    ///   (batches may end a little under `batch.size`); we switch once the
    ///   batch is at least full.
    ///
    /// Appends to a partition other than the sticky one (keyed records,
    /// explicit partitions) do not count, as in Kafka.
    pub fn on_append(&mut self, rng: &mut RngStream, topic: &TopicPartitions<'_>, partition: u32, appended_bytes: u64, enable_switch: bool) -> Option<u32> {
        if self.current != Some(partition) {
            return None;
        }
        self.produced_bytes = self.produced_bytes.saturating_add(appended_bytes);
        let switch = match self.strategy {
            StickyStrategy::BuiltIn => (self.produced_bytes >= self.batch_size && enable_switch) || self.produced_bytes >= self.batch_size.saturating_mul(2),
            StickyStrategy::StickyPartitionCache => self.produced_bytes >= self.batch_size,
        };
        if switch {
            Some(self.switch(rng, topic))
        } else {
            None
        }
    }

    /// Kafka's `onNewBatch(topic, cluster, prevPartition)`: the accumulator
    /// is about to open a new batch for `prev_partition` because the previous
    /// batch was completed (sent after `linger.ms`, or full).
    ///
    /// Under [`StickyStrategy::StickyPartitionCache`] this moves the sticky
    /// partition if `prev_partition` is the current one (KIP-480); under
    /// [`StickyStrategy::BuiltIn`] it does nothing, because 3.3+ switches on
    /// bytes produced, not on batch boundaries. Returns the new partition if
    /// it switched.
    pub fn on_new_batch(&mut self, rng: &mut RngStream, topic: &TopicPartitions<'_>, prev_partition: u32) -> Option<u32> {
        match self.strategy {
            StickyStrategy::BuiltIn => None,
            StickyStrategy::StickyPartitionCache => {
                if self.current == Some(prev_partition) {
                    Some(self.switch(rng, topic))
                } else {
                    None
                }
            }
        }
    }

    /// Picks the next sticky partition and resets the byte count.
    fn switch(&mut self, rng: &mut RngStream, topic: &TopicPartitions<'_>) -> u32 {
        let next = match self.strategy {
            StickyStrategy::BuiltIn => next_partition_built_in(rng, topic),
            StickyStrategy::StickyPartitionCache => next_partition_sticky_cache(rng, topic, self.current),
        };
        self.current = Some(next);
        self.produced_bytes = 0;
        next
    }
}

/// `BuiltInPartitioner.nextPartition`: weighted by load statistics if there
/// are any, else uniform over the available partitions (the current one
/// included), else uniform over all partitions.
fn next_partition_built_in(rng: &mut RngStream, topic: &TopicPartitions<'_>) -> u32 {
    if let Some(load) = topic.load {
        let total = load.total();
        if total > 0 {
            return load.pick(rng.below(total));
        }
    }
    if !topic.available.is_empty() {
        let i = rng.below(topic.available.len() as u64) as usize;
        return topic.available[i];
    }
    uniform_over_all(rng, topic.num_partitions)
}

/// `StickyPartitionCache.nextPartition`: a random available partition other
/// than the current one; the only available one if there is exactly one; any
/// partition if none is available.
///
/// Kafka redraws until it hits a partition different from the old one; we
/// draw once among the others, which has the same distribution and always
/// terminates in one draw.
fn next_partition_sticky_cache(rng: &mut RngStream, topic: &TopicPartitions<'_>, current: Option<u32>) -> u32 {
    match topic.available.len() {
        0 => uniform_over_all(rng, topic.num_partitions),
        1 => topic.available[0],
        _ => {
            let others: Vec<u32> = topic.available.iter().copied().filter(|&p| Some(p) != current).collect();
            let pool: &[u32] = if others.is_empty() { topic.available } else { &others };
            pool[rng.below(pool.len() as u64) as usize]
        }
    }
}

fn uniform_over_all(rng: &mut RngStream, num_partitions: u32) -> u32 {
    if num_partitions == 0 {
        0
    } else {
        rng.below(u64::from(num_partitions)) as u32
    }
}

/// Why a partition could not be chosen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PartitionerError {
    /// The topic has no partitions (the Java client would still be waiting
    /// for metadata).
    #[error("topic has no partitions")]
    NoPartitions,
    /// The record named a partition the topic does not have (Java:
    /// `KafkaException("Invalid partition given with record: …")`).
    #[error("invalid partition {partition} given with record: not in the range [0...{num_partitions})")]
    InvalidPartition { partition: u32, num_partitions: u32 },
}

/// `KafkaProducer.partition` with the built-in partitioner (reference §4.1):
///
/// 1. a partition named by the record wins (it must exist);
/// 2. a key, unless `partitioner.ignore.keys=true`, gives
///    [`partition_for_key`] over *all* partitions;
/// 3. otherwise the sticky partitioner chooses.
///
/// After appending a key-less record the caller reports it with
/// [`StickyPartitioner::on_append`].
pub fn choose_partition(
    explicit_partition: Option<u32>,
    key: Option<&[u8]>,
    ignore_keys: bool,
    sticky: &mut StickyPartitioner,
    rng: &mut RngStream,
    topic: &TopicPartitions<'_>,
) -> Result<u32, PartitionerError> {
    if topic.num_partitions == 0 {
        return Err(PartitionerError::NoPartitions);
    }
    if let Some(p) = explicit_partition {
        if p >= topic.num_partitions {
            return Err(PartitionerError::InvalidPartition { partition: p, num_partitions: topic.num_partitions });
        }
        return Ok(p);
    }
    match key {
        Some(k) if !ignore_keys => Ok(partition_for_key(k, topic.num_partitions)),
        _ => Ok(sticky.partition(rng, topic)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `UtilsTest.testMurmur2` (Apache Kafka), reference §4.3(a), verbatim.
    #[test]
    fn murmur2_kafka_utils_test_vectors() {
        let cases: &[(&[u8], i32)] = &[
            (b"21", -973932308),
            (b"foobar", -790332482),
            (b"a-little-bit-long-string", -985981536),
            (b"a-little-bit-longer-string", -1486304829),
            (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
            (b"abc", 479470107), // the Java test passes new byte[] {'a', 'b', 'c'}
        ];
        for (input, expected) in cases {
            assert_eq!(murmur2(input), *expected, "murmur2({:?})", String::from_utf8_lossy(input));
        }
    }

    /// librdkafka `unittest_murmur2` `java_murmur2_results`, reference
    /// §4.3(b), verbatim: both the hex bit pattern and the signed value.
    #[test]
    fn murmur2_librdkafka_java_vectors() {
        let cases: &[(&str, u32, i32)] = &[
            ("kafka", 0xd067cf64, -798503068),
            ("giberish123456789", 0x8f552b0c, -1890243828),
            ("1234", 0x9fc97b14, -1614185708),
            ("234", 0xe7c009ca, -406844982),
            ("34", 0x873930da, -2026295078),
            ("4", 0x5a4b5ca1, 1514888353),
            ("PreAmbleWillBeRemoved,ThePrePartThatIs", 0x78424f1c, 2017611548),
            ("reAmbleWillBeRemoved,ThePrePartThatIs", 0x4a62b377, 1247982455),
            ("eAmbleWillBeRemoved,ThePrePartThatIs", 0xe0e4e09e, -521871202),
            ("AmbleWillBeRemoved,ThePrePartThatIs", 0x62b8b43f, 1656271935),
            ("", 0x106e08d9, 275646681),
        ];
        for (input, hex, signed) in cases {
            let h = murmur2(input.as_bytes());
            assert_eq!(h, *signed, "murmur2({input:?})");
            assert_eq!(h as u32, *hex, "murmur2({input:?}) bits");
        }
    }

    /// The older librdkafka test lists the toPositive values (reference §4.3).
    #[test]
    fn to_positive_librdkafka_old_vectors() {
        assert_eq!(to_positive(murmur2(b"kafka")), 1348980580);
        assert_eq!(to_positive(murmur2(b"amqp")), 767747138);
        assert_eq!(to_positive(murmur2(b"giberish123456789")), 257239820);
        // "0xd067cf64 & 0x7fffffff = 1348980580"
        assert_eq!(to_positive(0xd067cf64_u32 as i32), 1348980580);
    }

    #[test]
    fn to_positive_is_mask_not_abs() {
        assert_eq!(to_positive(0), 0);
        assert_eq!(to_positive(5), 5);
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(i32::MAX), i32::MAX);
        assert_eq!(to_positive(-798503068), 1348980580);
    }

    /// Reference §4.2 trap 4: for "kafka" (hash −798503068) with N=10,
    /// toPositive gives partition 0, abs gives 8.
    #[test]
    fn kafka_key_to_positive_vs_abs() {
        // Kafka's `Utils.abs` after KAFKA-1988, for contrast only.
        fn utils_abs(n: i32) -> i32 {
            if n == i32::MIN {
                0
            } else {
                n.abs()
            }
        }
        let h = murmur2(b"kafka");
        assert_eq!(h, -798503068);
        assert_eq!(partition_for_key(b"kafka", 10), 0);
        assert_eq!(utils_abs(h) % 10, 8);
    }

    /// Key → partition for the reference's published keys, derived from the
    /// verbatim hashes (`toPositive(h) % N`, [R] arithmetic).
    #[test]
    fn partition_for_reference_keys() {
        // to_positive values: 21 → 1173551340, foobar → 1357151166,
        // kafka → 1348980580, 4 → 1514888353, "" → 275646681.
        assert_eq!(partition_for_key(b"21", 3), 0);
        assert_eq!(partition_for_key(b"foobar", 10), 6);
        assert_eq!(partition_for_key(b"kafka", 3), 1);
        assert_eq!(partition_for_key(b"kafka", 12), 4);
        assert_eq!(partition_for_key(b"4", 10), 3);
        assert_eq!(partition_for_key(b"", 10), 1);
        assert_eq!(partition_for_key(b"giberish123456789", 10), 0);
        assert_eq!(partition_for_key(b"anything", 1), 0);
    }

    /// Bytes ≥ 0x80 (reference §4.2 trap 1: sign extension). Values [R]:
    /// computed with a JVM transcription of `Utils.murmur2` (signed `byte`
    /// masked with `& 0xff`), not published vectors.
    #[test]
    fn murmur2_high_bytes_and_serializers() {
        assert_eq!(murmur2(&[0xff]), -311467685);
        assert_eq!(murmur2(&[0x80, 0xff, 0x7f, 0x00]), -1282299421);
        assert_eq!(murmur2(&[0xfe, 0xfd, 0xfc, 0xfb, 0xfa]), 2010478291);
        // StringSerializer: UTF-8.
        assert_eq!(murmur2("café".as_bytes()), -1358007374);
        assert_eq!(murmur2("ÿ".as_bytes()), 1511439487);
        // IntegerSerializer(1): 4 bytes big-endian.
        assert_eq!(murmur2(&1i32.to_be_bytes()), -173113808);
        // LongSerializer(-1): 8 bytes big-endian.
        assert_eq!(murmur2(&(-1i64).to_be_bytes()), 185950397);
    }

    /// Cross-check against a literal transcription of the Java code with
    /// signed `i32` arithmetic and sign-extended bytes, over many inputs of
    /// every tail length.
    #[test]
    fn murmur2_matches_signed_java_transcription() {
        fn java_murmur2(data: &[u8]) -> i32 {
            let length = data.len() as i32;
            let seed: i32 = 0x9747b28c_u32 as i32;
            let m: i32 = 0x5bd1e995;
            let mut h: i32 = seed ^ length;
            let b = |i: usize| (data[i] as i8 as i32) & 0xff;
            let ushr = |x: i32, n: u32| ((x as u32) >> n) as i32;
            for i in 0..(data.len() / 4) {
                let i4 = i * 4;
                let mut k = b(i4).wrapping_add(b(i4 + 1) << 8).wrapping_add(b(i4 + 2) << 16).wrapping_add(b(i4 + 3) << 24);
                k = k.wrapping_mul(m);
                k ^= ushr(k, 24);
                k = k.wrapping_mul(m);
                h = h.wrapping_mul(m);
                h ^= k;
            }
            let base = data.len() & !3;
            let rem = data.len() % 4;
            if rem == 3 {
                h ^= b(base + 2) << 16;
            }
            if rem >= 2 {
                h ^= b(base + 1) << 8;
            }
            if rem >= 1 {
                h ^= b(base);
                h = h.wrapping_mul(m);
            }
            h ^= ushr(h, 13);
            h = h.wrapping_mul(m);
            h ^= ushr(h, 15);
            h
        }
        let mut rng = RngStream::derive(1, "murmur2-fuzz");
        for len in 0..64usize {
            for _ in 0..8 {
                let data: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
                assert_eq!(murmur2(&data), java_murmur2(&data), "{data:?}");
            }
        }
    }

    #[test]
    fn partition_for_key_zero_partitions_does_not_panic() {
        assert_eq!(partition_for_key(b"kafka", 0), 0);
    }

    fn all(n: u32) -> Vec<u32> {
        (0..n).collect()
    }

    #[test]
    fn choose_partition_explicit_keyed_and_ignore_keys() {
        let mut rng = RngStream::derive(3, "p");
        let avail = all(10);
        let topic = TopicPartitions::uniform(10, &avail);
        let mut sticky = StickyPartitioner::new(StickyStrategy::BuiltIn, DEFAULT_BATCH_SIZE);

        // Explicit partition wins over the key.
        assert_eq!(choose_partition(Some(7), Some(b"kafka"), false, &mut sticky, &mut rng, &topic), Ok(7));
        assert_eq!(
            choose_partition(Some(10), None, false, &mut sticky, &mut rng, &topic),
            Err(PartitionerError::InvalidPartition { partition: 10, num_partitions: 10 })
        );
        // Keyed: murmur2, no randomness, sticky untouched.
        assert_eq!(choose_partition(None, Some(b"kafka"), false, &mut sticky, &mut rng, &topic), Ok(0));
        assert_eq!(sticky.current(), None);
        // ignore.keys: the key is ignored, the sticky partition is used.
        let p = choose_partition(None, Some(b"kafka"), true, &mut sticky, &mut rng, &topic).unwrap();
        assert_eq!(sticky.current(), Some(p));
        let q = choose_partition(None, Some(b"foobar"), true, &mut sticky, &mut rng, &topic).unwrap();
        assert_eq!(p, q);
        // Null key: sticky.
        assert_eq!(choose_partition(None, None, false, &mut sticky, &mut rng, &topic), Ok(p));
        // No partitions.
        let empty = TopicPartitions::uniform(0, &[]);
        assert_eq!(choose_partition(None, None, false, &mut sticky, &mut rng, &empty), Err(PartitionerError::NoPartitions));
    }

    /// A keyed record whose partition has no leader is not rerouted:
    /// numPartitions is all partitions, not the available ones.
    #[test]
    fn keyed_records_ignore_availability() {
        let mut rng = RngStream::derive(3, "p");
        let avail = [1u32, 2];
        let topic = TopicPartitions::uniform(3, &avail);
        let mut sticky = StickyPartitioner::new(StickyStrategy::BuiltIn, DEFAULT_BATCH_SIZE);
        // "21" → partition 0 of 3, which is unavailable: still 0.
        assert_eq!(choose_partition(None, Some(b"21"), false, &mut sticky, &mut rng, &topic), Ok(0));
    }

    #[test]
    fn built_in_sticks_for_batch_size_bytes_then_switches() {
        let mut rng = RngStream::derive(9, "producer/p1");
        let avail = all(4);
        let topic = TopicPartitions::uniform(4, &avail);
        let mut s = StickyPartitioner::new(StickyStrategy::BuiltIn, 1000);
        let p0 = s.partition(&mut rng, &topic);
        // 9 records of 100 bytes: 900 < 1000, no switch.
        for _ in 0..9 {
            assert_eq!(s.on_append(&mut rng, &topic, p0, 100, true), None);
            assert_eq!(s.partition(&mut rng, &topic), p0);
        }
        assert_eq!(s.produced_bytes(), 900);
        // The 10th reaches batch.size: switch (possibly to the same one, as
        // BuiltInPartitioner does not exclude the current partition).
        let next = s.on_append(&mut rng, &topic, p0, 100, true);
        assert!(next.is_some());
        assert_eq!(s.produced_bytes(), 0);
        assert_eq!(s.current(), next);
    }

    #[test]
    fn built_in_defers_switch_while_batch_open_up_to_twice_batch_size() {
        let mut rng = RngStream::derive(9, "producer/p1");
        let avail = all(4);
        let topic = TopicPartitions::uniform(4, &avail);
        let mut s = StickyPartitioner::new(StickyStrategy::BuiltIn, 1000);
        let p0 = s.partition(&mut rng, &topic);
        assert_eq!(s.on_append(&mut rng, &topic, p0, 1000, false), None, "deferred: batch still open");
        assert_eq!(s.on_append(&mut rng, &topic, p0, 999, false), None);
        assert!(s.on_append(&mut rng, &topic, p0, 1, false).is_some(), "2 × batch.size forces the switch");
    }

    #[test]
    fn appends_to_other_partitions_do_not_count() {
        let mut rng = RngStream::derive(9, "producer/p1");
        let avail = all(4);
        let topic = TopicPartitions::uniform(4, &avail);
        let mut s = StickyPartitioner::new(StickyStrategy::BuiltIn, 1000);
        let p0 = s.partition(&mut rng, &topic);
        let other = (p0 + 1) % 4;
        assert_eq!(s.on_append(&mut rng, &topic, other, 5000, true), None);
        assert_eq!(s.produced_bytes(), 0);
        assert_eq!(s.current(), Some(p0));
    }

    #[test]
    fn built_in_chooses_only_available_partitions_uniformly() {
        let mut rng = RngStream::derive(11, "producer/p1");
        let avail = [0u32, 2, 5];
        let topic = TopicPartitions::uniform(6, &avail);
        let mut s = StickyPartitioner::new(StickyStrategy::BuiltIn, 10);
        let mut counts = [0u32; 6];
        for _ in 0..3000 {
            let p = s.partition(&mut rng, &topic);
            counts[p as usize] += 1;
            s.on_append(&mut rng, &topic, p, 10, true);
        }
        assert_eq!(counts[1] + counts[3] + counts[4], 0);
        for &p in &avail {
            assert!(counts[p as usize] > 850, "{counts:?}");
        }
    }

    #[test]
    fn no_available_partition_falls_back_to_all() {
        let mut rng = RngStream::derive(12, "producer/p1");
        let topic = TopicPartitions::uniform(3, &[]);
        for strategy in [StickyStrategy::BuiltIn, StickyStrategy::StickyPartitionCache] {
            let mut s = StickyPartitioner::new(strategy, 10);
            for _ in 0..50 {
                let p = s.partition(&mut rng, &topic);
                assert!(p < 3);
                s.on_append(&mut rng, &topic, p, 10, true);
            }
        }
    }

    #[test]
    fn sticky_cache_switches_to_a_different_partition() {
        let mut rng = RngStream::derive(13, "producer/p1");
        let avail = all(3);
        let topic = TopicPartitions::uniform(3, &avail);
        let mut s = StickyPartitioner::new(StickyStrategy::StickyPartitionCache, 100);
        let mut prev = s.partition(&mut rng, &topic);
        for _ in 0..200 {
            // Fill the batch: the next record needs a new batch.
            assert_eq!(s.on_append(&mut rng, &topic, prev, 50, true), None);
            let next = s.on_append(&mut rng, &topic, prev, 50, true).expect("batch full");
            assert_ne!(next, prev);
            prev = next;
        }
    }

    #[test]
    fn sticky_cache_on_new_batch_switches_only_for_current() {
        let mut rng = RngStream::derive(14, "producer/p1");
        let avail = all(5);
        let topic = TopicPartitions::uniform(5, &avail);
        let mut s = StickyPartitioner::new(StickyStrategy::StickyPartitionCache, DEFAULT_BATCH_SIZE);
        let p = s.partition(&mut rng, &topic);
        assert_eq!(s.on_new_batch(&mut rng, &topic, (p + 1) % 5), None);
        assert_eq!(s.current(), Some(p));
        let q = s.on_new_batch(&mut rng, &topic, p).unwrap();
        assert_ne!(q, p);

        // BuiltIn ignores batch boundaries.
        let mut b = StickyPartitioner::new(StickyStrategy::BuiltIn, DEFAULT_BATCH_SIZE);
        let p = b.partition(&mut rng, &topic);
        assert_eq!(b.on_new_batch(&mut rng, &topic, p), None);
        assert_eq!(b.current(), Some(p));
    }

    #[test]
    fn sticky_cache_single_available_partition_draws_nothing() {
        let mut rng = RngStream::derive(15, "producer/p1");
        let mut twin = rng.clone();
        let avail = [2u32];
        let topic = TopicPartitions::uniform(4, &avail);
        let mut s = StickyPartitioner::new(StickyStrategy::StickyPartitionCache, 10);
        assert_eq!(s.partition(&mut rng, &topic), 2);
        assert_eq!(s.on_append(&mut rng, &topic, 2, 10, true), Some(2));
        assert_eq!(rng.next_u64(), twin.next_u64());
    }

    #[test]
    fn sticky_choice_is_deterministic_per_seed() {
        let avail = all(8);
        let topic = TopicPartitions::uniform(8, &avail);
        let run = |seed| {
            let mut rng = RngStream::derive(seed, "producer/p1");
            let mut s = StickyPartitioner::new(StickyStrategy::BuiltIn, 100);
            (0..100)
                .map(|_| {
                    let p = s.partition(&mut rng, &topic);
                    s.on_append(&mut rng, &topic, p, 30, true);
                    p
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }

    /// The worked example in `BuiltInPartitioner.updatePartitionLoadStats`'
    /// comment: queue sizes 0 3 1 → weights 4 1 3 → table 4 5 8; draws
    /// 0..=3 pick the first partition, 4 the second, 5..=7 the third.
    #[test]
    fn load_stats_cumulative_frequency_example() {
        let stats = PartitionLoadStats::from_queue_sizes(&[(0, 0), (1, 3), (2, 1)], 3).unwrap();
        assert_eq!(stats.total(), 8);
        let picks: Vec<u32> = (0..8).map(|r| stats.pick(r)).collect();
        assert_eq!(picks, vec![0, 0, 0, 0, 1, 2, 2, 2]);
    }

    #[test]
    fn load_stats_uniform_cases_fall_back() {
        // All equal and none excluded: uniform.
        assert_eq!(PartitionLoadStats::from_queue_sizes(&[(0, 2), (1, 2), (2, 2)], 3), None);
        // Fewer than two partitions, or nothing usable.
        assert_eq!(PartitionLoadStats::from_queue_sizes(&[(0, 5)], 1), None);
        assert_eq!(PartitionLoadStats::from_queue_sizes(&[], 3), None);
        // All equal but one partition excluded: a table over the others.
        let s = PartitionLoadStats::from_queue_sizes(&[(0, 2), (2, 2)], 3).unwrap();
        assert_eq!(s.total(), 2);
        assert_eq!((s.pick(0), s.pick(1)), (0, 2));
    }

    #[test]
    fn built_in_uses_load_stats() {
        let mut rng = RngStream::derive(16, "producer/p1");
        let avail = all(3);
        // Partition 1 has a long queue: weights 11, 1, 11.
        let stats = PartitionLoadStats::from_queue_sizes(&[(0, 0), (1, 10), (2, 0)], 3).unwrap();
        let topic = TopicPartitions { num_partitions: 3, available: &avail, load: Some(&stats) };
        let mut s = StickyPartitioner::new(StickyStrategy::BuiltIn, 1);
        let mut counts = [0u32; 3];
        for _ in 0..2300 {
            let p = s.partition(&mut rng, &topic);
            counts[p as usize] += 1;
            s.on_append(&mut rng, &topic, p, 1, true);
        }
        assert!(counts[1] < 250, "{counts:?}");
        assert!(counts[0] > 900 && counts[2] > 900, "{counts:?}");
    }
}

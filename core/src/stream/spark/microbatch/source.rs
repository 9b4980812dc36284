//! The replayable source: what Structured Streaming's fault tolerance rests
//! on (S-13). Records handed to the engine become *available* in a durable
//! per-channel log (think Kafka partitions, or files in a directory); an
//! offset is a position in it, and a batch is a range of offsets, so a
//! re-run batch reads exactly the same records.
//!
//! Availability is strict: a trigger at processing time `T` sees the records
//! that arrived before `T`. A record arriving exactly at a trigger instant
//! goes to the next batch, whatever order the caller delivers simultaneous
//! events in.

use crate::stream::types::Elem;
use crate::time::Micros;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceLog {
    /// Per channel: (arrival, record), in arrival order.
    channels: Vec<Vec<(Micros, Elem)>>,
}

/// A record of a batch, with where it came from.
#[derive(Clone, Copy, Debug)]
pub struct Located<'a> {
    pub arrival: Micros,
    pub channel: u32,
    pub offset: u64,
    pub elem: &'a Elem,
}

impl SourceLog {
    pub fn new(channels: u32) -> Self {
        SourceLog { channels: vec![Vec::new(); channels as usize] }
    }

    pub fn channels(&self) -> usize {
        self.channels.len()
    }

    /// Appends a record; a channel the job shape does not know is ignored
    /// (returns false).
    pub fn append(&mut self, channel: u32, pt: Micros, e: Elem) -> bool {
        match self.channels.get_mut(channel as usize) {
            Some(log) => {
                log.push((pt, e));
                true
            }
            None => false,
        }
    }

    /// End offsets of everything in the log.
    pub fn ends(&self) -> Vec<u64> {
        self.channels.iter().map(|c| c.len() as u64).collect()
    }

    /// End offsets of what arrived strictly before `t`.
    pub fn ends_before(&self, t: Micros) -> Vec<u64> {
        self.channels.iter().map(|c| c.partition_point(|(a, _)| *a < t) as u64).collect()
    }

    /// Arrival of the first record at or after `from`, over all channels.
    pub fn first_arrival_from(&self, from: &[u64]) -> Option<Micros> {
        self.channels.iter().enumerate().filter_map(|(ch, c)| c.get(from.get(ch).copied().unwrap_or(0) as usize).map(|(a, _)| *a)).min()
    }

    /// The records in `[start, end)` per channel, by (arrival, channel, offset).
    pub fn range(&self, start: &[u64], end: &[u64]) -> Vec<Located<'_>> {
        let mut out = Vec::new();
        for (ch, c) in self.channels.iter().enumerate() {
            let s = start.get(ch).copied().unwrap_or(0) as usize;
            let e = (end.get(ch).copied().unwrap_or(0) as usize).min(c.len());
            for (i, (a, elem)) in c.iter().enumerate().take(e).skip(s) {
                out.push(Located { arrival: *a, channel: ch as u32, offset: i as u64, elem });
            }
        }
        out.sort_by_key(|l| (l.arrival, l.channel, l.offset));
        out
    }
}

/// `maxOffsetsPerTrigger` for one source (Spark's `KafkaMicroBatchStream
/// .rateLimit`): the limit is shared by the source's channels in proportion
/// to their backlog, rounding down — except that a share below one record
/// rounds up ("don't completely starve small topicpartitions").
pub fn rate_limit(limit: u64, begin: &[u64], end: &[u64]) -> Vec<u64> {
    let total: u64 = begin.iter().zip(end).map(|(b, e)| e.saturating_sub(*b)).sum();
    if total == 0 {
        return end.to_vec();
    }
    begin
        .iter()
        .zip(end)
        .map(|(&b, &e)| {
            let size = e.saturating_sub(b);
            if size == 0 {
                return e;
            }
            let prorate = limit as f64 * (size as f64 / total as f64);
            let n = if prorate < 1.0 { prorate.ceil() } else { prorate.floor() } as u64;
            e.min(b.saturating_add(n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_is_proportional_and_never_starves() {
        assert_eq!(rate_limit(10, &[0, 0], &[30, 10]), vec![7, 2]);
        assert_eq!(rate_limit(10, &[0, 0], &[100, 1]), vec![9, 1]);
        assert_eq!(rate_limit(100, &[5, 5], &[10, 5]), vec![10, 5]);
    }
}

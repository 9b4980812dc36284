//! End-to-end latency: for every input, the processing time from its
//! arrival at the job to the first pane that includes it.

use super::ideal::dedupe;
use crate::stream::types::{Elem, Pane};
use crate::time::Micros;
use serde::Serialize;
use std::collections::BTreeMap;

/// Latency percentiles in µs, nearest rank (`rank = ⌈p/100 · n⌉`, the
/// `rank`-th smallest sample). None when no input was emitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Latency {
    /// Inputs with a first output.
    pub samples: u64,
    /// Inputs no (non-retraction) pane ever included.
    pub never_emitted: u64,
    pub p50: Option<Micros>,
    pub p95: Option<Micros>,
    pub p99: Option<Micros>,
    pub max: Option<Micros>,
}

/// Nearest-rank percentile of sorted samples (`p` in 1..=100).
pub fn nearest_rank(sorted: &[Micros], p: u64) -> Option<Micros> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let rank = (p * n).div_ceil(100).clamp(1, n);
    Some(sorted[(rank - 1) as usize])
}

/// The latency of each input id (first arrival → first non-retraction
/// pane listing it; a pane emitted before the arrival counts as 0).
pub fn latency(inputs: &[Elem], outputs: &[Pane]) -> Latency {
    let mut arrival: BTreeMap<u64, Micros> = BTreeMap::new();
    for e in dedupe(inputs) {
        arrival.entry(e.id).or_insert(e.arrival);
    }
    let mut first_out: BTreeMap<u64, Micros> = BTreeMap::new();
    for p in outputs.iter().filter(|p| !p.retraction) {
        for id in &p.inputs {
            let t = first_out.entry(*id).or_insert(p.emit);
            *t = (*t).min(p.emit);
        }
    }
    let mut samples: Vec<Micros> = Vec::new();
    let mut never = 0;
    for (id, a) in &arrival {
        match first_out.get(id) {
            Some(t) => samples.push(t.saturating_sub(*a)),
            None => never += 1,
        }
    }
    samples.sort_unstable();
    Latency {
        samples: samples.len() as u64,
        never_emitted: never,
        p50: nearest_rank(&samples, 50),
        p95: nearest_rank(&samples, 95),
        p99: nearest_rank(&samples, 99),
        max: samples.last().copied(),
    }
}

//! The oracle: the ideal answer of a windowed aggregation and the
//! comparison of what a job emitted against it.
//!
//! [`ideal`] computes the result a perfect system would give — every input
//! exactly once, grouped by **event time** with the generic window rules
//! (tumbling/sliding with offset, sessions merged when they overlap, and
//! when they touch iff `sessions_merge_touching`: true for Flink, Spark and
//! Kafka Streams, false for Beam, B-7 / §6.4), nothing late, nothing lost.
//!
//! [`compare`] folds a job's panes per (window, key) the way a downstream
//! reader would ([`Refinement`], B-5) and reports, per row, whether the
//! folded value is the ideal one, which inputs it is missing or counts
//! twice (by [`Elem::id`] lineage carried in [`Pane::inputs`]), when it was
//! first and last emitted, which rows exist only in the output (e.g.
//! sessions that a merge should have replaced), how many inputs the job
//! dropped as late, and the end-to-end latency of every input (arrival →
//! first pane that includes it).
//!
//! Conventions (deterministic everywhere): rows are ordered by (window,
//! key) with the un-windowed row (`None`) first; the global window
//! `Window::GLOBAL` is the same row as `None`; id lists are sorted and
//! de-duplicated; a pane's `inputs` are read as a set (a `flatMap` keeps
//! its input's id, so "a a" lists it once or twice depending on the
//! engine). Pass the panes a reader actually sees (e.g. only committed
//! transactions), in emission order.

mod compare;
mod fold;
mod ideal;
mod latency;

#[cfg(test)]
mod tests;

pub use compare::compare;
pub use ideal::{ideal, windows_of};
pub use latency::{latency, Latency};

use crate::stream::types::{Datum, LateFate, Window};
use crate::time::Micros;
use serde::{Deserialize, Serialize};

/// One row of the ideal answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IdealRow {
    /// None for an un-windowed (global) aggregation.
    pub window: Option<Window>,
    pub key: String,
    pub value: Datum,
    /// The input ids the value includes, sorted.
    pub inputs: Vec<u64>,
}

/// How a downstream reader folds a job's successive panes of one (window,
/// key) into the value it believes (B-5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refinement {
    /// Each pane replaces the previous one (an upsert table): Beam
    /// accumulating, Flink, Spark update/complete, Kafka Streams. The last
    /// pane wins; if the last pane is a retraction (a Kafka tombstone, a
    /// retracted session) the row is deleted.
    Accumulating,
    /// Panes are deltas that add up (Beam discarding). Numbers are summed,
    /// texts concatenated in emission order: right for count, sum and
    /// concat. Min, max, avg and percentiles cannot be folded from deltas
    /// without the aggregate: the sum will usually be flagged incorrect
    /// (read such jobs as `Accumulating`).
    Discarding,
    /// Accumulating & retracting: a retraction cancels an earlier equal
    /// value; the row is the sum of what is left (= the sum of all panes
    /// with retractions negative, for numbers).
    Retracting,
    /// Spark append mode: one row per (window, key) expected, the first
    /// one is the value; every further pane is a duplicate.
    AppendOnce,
}

/// A late record as the job reported it ([`crate::stream::types::Out::Late`]):
/// the input id, the window it was late for (None: all its windows), and
/// what happened to it.
pub type LateEntry = (u64, Option<Window>, LateFate);

/// One (window, key) of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OracleRow {
    pub window: Option<Window>,
    pub key: String,
    /// The ideal value (None: the row should not exist).
    pub ideal: Option<Datum>,
    /// The folded value of the job's panes (None: no live row).
    pub actual: Option<Datum>,
    /// The folded value equals the ideal one and no input is counted twice.
    pub correct: bool,
    /// Every ideal input id is included in the folded result.
    pub complete: bool,
    /// Ideal inputs the folded result lacks.
    pub missing: Vec<u64>,
    /// Inputs counted more than once in the folded result (in
    /// `AppendOnce`: every input of a second or later pane).
    pub duplicated: Vec<u64>,
    /// Inputs in the folded result that the ideal row does not have (an
    /// input assigned to a wrong window).
    pub unexpected: Vec<u64>,
    /// Missing inputs the job reported as late for this window (or for all
    /// of its windows).
    pub missing_late: Vec<u64>,
    /// Panes emitted for this row (retractions included).
    pub panes: u32,
    /// Processing time of the first and of the last pane of the row.
    pub first_emit: Option<Micros>,
    pub final_emit: Option<Micros>,
    /// The row exists only in the output (a live row with no ideal row).
    pub extra: bool,
}

/// Row counts. `correct + incorrect + missing_rows` = ideal rows;
/// `extra_rows` are live output rows with no ideal row.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub ideal_rows: u64,
    pub correct: u64,
    /// Ideal rows with a live output row whose value is wrong (or counts an
    /// input twice).
    pub incorrect: u64,
    /// Ideal rows with no live output row.
    pub missing_rows: u64,
    pub extra_rows: u64,
    /// Ideal rows lacking at least one input.
    pub incomplete_rows: u64,
}

/// What the job reported as late.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LateCounts {
    /// `Late` reports with fate Dropped (one per record and window where
    /// the engine reports per window).
    pub dropped: u64,
    /// Distinct input ids dropped at least once.
    pub dropped_inputs: u64,
    /// `Late` reports sent to a side output.
    pub side_output: u64,
}

/// The comparison of a job's output against the ideal answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OracleReport {
    pub refinement: Refinement,
    pub rows: Vec<OracleRow>,
    pub totals: Totals,
    pub late: LateCounts,
    pub latency: Latency,
}

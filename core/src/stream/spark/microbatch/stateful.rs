//! The streaming aggregation of one micro-batch: Spark's
//! `StateStoreRestoreExec` → aggregate → `StateStoreSaveExec` (and their
//! session-window variants), over a state store keyed by (window, key).
//!
//! Per batch N, with `wm_evict = W(N)` and `wm_late` (W(N) before 3.4,
//! W(N−1) from 3.4, S-7):
//! 1. each (row, window) pair whose window end ≤ `wm_late` is dropped before
//!    it reaches the state (S-6) — independently per window, so a row can be
//!    late for an old sliding window and counted in a newer one; only in
//!    append and update mode, and only when the grouping key carries the
//!    watermarked event time;
//! 2. the rest is merged into the state (sessions re-merged, S-12);
//! 3. output (S-8): complete = every row; update = the rows this batch
//!    changed (before eviction, so a row can be emitted and evicted in the
//!    same batch); append = the rows that are final, `end ≤ wm_evict` (S-5);
//! 4. rows with `end ≤ wm_evict` are evicted (not in complete mode).
//!
//! Output order is deterministic: by window (start, end), then key. Spark's
//! own order follows hash partitions and is unspecified.
//! Simplification: the state keeps every input value of a row (not a
//! partial aggregate), so every [`Aggregate`] works, including percentiles.

use super::spec::OutputMode;
use super::window::{assign, merge_sessions};
use crate::stream::types::{Aggregate, Datum, Elem, EventTime, LateFate, Out, Pane, Window, WindowSpec};
use crate::time::Micros;
use std::collections::{BTreeMap, BTreeSet};

/// One row of the result table as the state store holds it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    /// Input values in the order they were merged in.
    pub values: Vec<Datum>,
    /// Input record ids included.
    pub inputs: Vec<u64>,
    /// Largest event time included (the timestamp of an unwindowed row).
    pub max_ts: EventTime,
    /// How often this row was output before (the pane index).
    pub emitted: u32,
}

impl Row {
    fn add(&mut self, e: &Elem) {
        self.max_ts = if self.values.is_empty() { e.ts } else { self.max_ts.max(e.ts) };
        self.values.push(e.value.clone());
        self.inputs.push(e.id);
    }
}

/// The state store of the aggregation: one version per committed batch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateStore {
    pub rows: BTreeMap<(Window, String), Row>,
}

/// The query as the stateful operator sees it.
#[derive(Clone, Copy, Debug)]
pub struct Plan<'a> {
    pub window: &'a WindowSpec,
    pub aggregate: &'a Aggregate,
    pub mode: OutputMode,
    /// The late-row filter and eviction apply (append/update with a
    /// watermarked event-time key).
    pub evicts: bool,
}

/// Stamp of the batch the outputs belong to.
#[derive(Clone, Copy, Debug)]
pub struct Stamp {
    pub batch: u64,
    pub emit: Micros,
}

/// Runs one batch over `state` (mutated into the next version). `rows` in
/// the order they are processed (arrival order). Returns the late drops
/// and the result rows, in emission order.
pub fn execute(state: &mut StateStore, rows: &[&Elem], plan: Plan, wm_evict: EventTime, wm_late: EventTime, stamp: Stamp) -> (Vec<Out>, Vec<Pane>) {
    let mut late = Vec::new();
    let mut touched: BTreeSet<(Window, String)> = BTreeSet::new();
    let is_late = |w: &Window| plan.evicts && w.end <= wm_late;
    if let WindowSpec::Session { .. } = plan.window {
        let mut by_key: BTreeMap<&str, Vec<&Elem>> = BTreeMap::new();
        for e in rows {
            let proto = assign(plan.window, e.ts)[0];
            if is_late(&proto) {
                late.push(Out::Late { elem: (*e).clone(), window: Some(proto), fate: LateFate::Dropped });
            } else {
                by_key.entry(e.key.as_str()).or_default().push(e);
            }
        }
        for (key, elems) in by_key {
            merge_into_sessions(state, key, &elems, plan.window, &mut touched);
        }
    } else {
        for e in rows {
            for w in assign(plan.window, e.ts) {
                if is_late(&w) {
                    late.push(Out::Late { elem: (*e).clone(), window: Some(w), fate: LateFate::Dropped });
                    continue;
                }
                let k = (w, e.key.clone());
                state.rows.entry(k.clone()).or_default().add(e);
                touched.insert(k);
            }
        }
    }
    let is_final = |w: &Window| plan.evicts && w.end <= wm_evict;
    let selected: Vec<(Window, String)> = match plan.mode {
        OutputMode::Complete => state.rows.keys().cloned().collect(),
        OutputMode::Update => touched.into_iter().collect(),
        OutputMode::Append => state.rows.keys().filter(|(w, _)| is_final(w)).cloned().collect(),
    };
    let mut panes = Vec::with_capacity(selected.len());
    for k in selected {
        if let Some(row) = state.rows.get_mut(&k) {
            panes.push(pane(&k.0, &k.1, row, plan.aggregate, stamp, is_final(&k.0)));
            row.emitted += 1;
        }
    }
    if plan.evicts {
        state.rows.retain(|(w, _), _| !is_final(w));
    }
    (late, panes)
}

/// Session windows (S-12): this batch's proto sessions of `key` and the
/// key's sessions in the state are re-merged; merged rows replace them.
/// Values: the state's (by session start) first, then the new rows in
/// arrival order.
fn merge_into_sessions(state: &mut StateStore, key: &str, elems: &[&Elem], spec: &WindowSpec, touched: &mut BTreeSet<(Window, String)>) {
    let existing: Vec<Window> = state.rows.keys().filter(|(_, k)| k == key).map(|(w, _)| *w).collect();
    let mut old_rows: Vec<Row> = Vec::with_capacity(existing.len());
    for w in &existing {
        old_rows.push(state.rows.remove(&(*w, key.to_string())).unwrap_or_default());
    }
    let mut windows = existing.clone();
    windows.extend(elems.iter().map(|e| assign(spec, e.ts)[0]));
    for (w, mut members) in merge_sessions(&windows) {
        members.sort_unstable();
        let mut row = Row::default();
        for i in members {
            if let Some(old) = old_rows.get(i) {
                row.max_ts = if row.values.is_empty() { old.max_ts } else { row.max_ts.max(old.max_ts) };
                row.values.extend(old.values.iter().cloned());
                row.inputs.extend(old.inputs.iter().copied());
                row.emitted = row.emitted.max(old.emitted);
            } else if let Some(e) = elems.get(i - existing.len()) {
                row.add(e);
                touched.insert((w, key.to_string()));
            }
        }
        state.rows.insert((w, key.to_string()), row);
    }
}

fn pane(w: &Window, key: &str, row: &Row, aggregate: &Aggregate, stamp: Stamp, is_last: bool) -> Pane {
    let (window, out_ts) = if w.is_global() { (None, row.max_ts) } else { (Some(*w), w.max_timestamp()) };
    let mut p = Pane::plain(window, key.to_string(), aggregate.apply(&row.values), out_ts, stamp.emit);
    p.batch = Some(stamp.batch);
    p.inputs = row.inputs.clone();
    p.index = row.emitted;
    p.is_first = row.emitted == 0;
    p.is_last = is_last;
    p
}

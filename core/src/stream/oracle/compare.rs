//! The comparison of a job's panes against the ideal rows.

use super::fold::{fold, same_value};
use super::latency::latency;
use super::{IdealRow, LateCounts, LateEntry, OracleReport, OracleRow, Refinement, Totals};
use crate::stream::types::{Elem, LateFate, Pane, Window};
use std::collections::{BTreeMap, BTreeSet};

type RowKey = (Option<Window>, String);

/// The global window and "no window" are the same row.
fn norm(w: Option<Window>) -> Option<Window> {
    w.filter(|w| !w.is_global())
}

/// Compares `outputs` (in emission order) with `ideal`, folding each
/// (window, key) with `refinement`; `inputs` are the job's input elements
/// (for latency), `late` what it reported late. See the module doc.
pub fn compare(ideal: &[IdealRow], outputs: &[Pane], refinement: Refinement, inputs: &[Elem], late: &[LateEntry]) -> OracleReport {
    let mut groups: BTreeMap<RowKey, Vec<&Pane>> = BTreeMap::new();
    for p in outputs {
        groups.entry((norm(p.window), p.key.clone())).or_default().push(p);
    }
    let ideals: BTreeMap<RowKey, &IdealRow> = ideal.iter().map(|r| ((norm(r.window), r.key.clone()), r)).collect();
    let keys: BTreeSet<RowKey> = groups.keys().chain(ideals.keys()).cloned().collect();

    let mut rows = Vec::new();
    let mut totals = Totals::default();
    for key in keys {
        let panes = groups.get(&key).map(|v| v.as_slice()).unwrap_or(&[]);
        let f = fold(refinement, panes);
        let ideal_row = ideals.get(&key).copied();
        let ideal_ids: BTreeSet<u64> = ideal_row.map(|r| r.inputs.iter().copied().collect()).unwrap_or_default();
        let missing: Vec<u64> = ideal_ids.iter().copied().filter(|id| f.counts.get(id).copied().unwrap_or(0) <= 0).collect();
        let mut duplicated: BTreeSet<u64> = f.counts.iter().filter(|(_, c)| **c > 1).map(|(id, _)| *id).collect();
        duplicated.extend(f.extra.iter().copied());
        let unexpected: Vec<u64> = f.counts.iter().filter(|(id, c)| **c > 0 && !ideal_ids.contains(id)).map(|(id, _)| *id).collect();
        let missing_late: Vec<u64> =
            missing.iter().copied().filter(|id| late.iter().any(|(lid, lw, _)| lid == id && (lw.is_none() || norm(*lw) == key.0))).collect();
        let values_match = match (&ideal_row, &f.value) {
            (Some(r), Some(v)) => same_value(&r.value, v),
            _ => false,
        };
        let correct = values_match && duplicated.is_empty();
        let extra = ideal_row.is_none() && f.value.is_some();
        match (ideal_row, &f.value) {
            (Some(_), None) => totals.missing_rows += 1,
            (Some(_), Some(_)) if correct => totals.correct += 1,
            (Some(_), Some(_)) => totals.incorrect += 1,
            (None, Some(_)) => totals.extra_rows += 1,
            (None, None) => {}
        }
        if ideal_row.is_some() {
            totals.ideal_rows += 1;
            if !missing.is_empty() {
                totals.incomplete_rows += 1;
            }
        }
        rows.push(OracleRow {
            window: key.0,
            key: key.1,
            ideal: ideal_row.map(|r| r.value.clone()),
            actual: f.value,
            correct,
            complete: missing.is_empty(),
            missing,
            duplicated: duplicated.into_iter().collect(),
            unexpected,
            missing_late,
            panes: panes.len() as u32,
            first_emit: panes.iter().map(|p| p.emit).min(),
            final_emit: panes.iter().map(|p| p.emit).max(),
            extra,
        });
    }

    let dropped: Vec<u64> = late.iter().filter(|(_, _, f)| *f == LateFate::Dropped).map(|(id, _, _)| *id).collect();
    let late_counts = LateCounts {
        dropped: dropped.len() as u64,
        dropped_inputs: dropped.iter().collect::<BTreeSet<_>>().len() as u64,
        side_output: late.iter().filter(|(_, _, f)| *f == LateFate::SideOutput).count() as u64,
    };
    OracleReport { refinement, rows, totals, late: late_counts, latency: latency(inputs, outputs) }
}

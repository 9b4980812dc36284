//! Folding the panes of one (window, key) the way a reader does
//! ([`Refinement`]): the value it ends up with and how many times each
//! input id is counted in it.

use super::Refinement;
use crate::stream::types::{Datum, Pane};
use std::collections::{BTreeMap, BTreeSet};

/// A reader's view of one row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Folded {
    /// None: no live row (never emitted, or deleted by a trailing
    /// retraction / fully retracted).
    pub value: Option<Datum>,
    /// How many times each input id is counted (pane inputs read as sets).
    pub counts: BTreeMap<u64, i64>,
    /// `AppendOnce`: ids of the panes after the first (duplicate rows).
    pub extra: BTreeSet<u64>,
}

/// `a + b`: integers stay integers, numbers add, texts concatenate.
pub fn add(a: &Datum, b: &Datum) -> Datum {
    match (a, b) {
        (Datum::Int(x), Datum::Int(y)) => Datum::Int(x.saturating_add(*y)),
        (Datum::Text(x), Datum::Text(y)) => Datum::Text(format!("{x}{y}")),
        (Datum::Text(x), y) | (y, Datum::Text(x)) => Datum::Text(format!("{x}{y}")),
        (x, y) => Datum::Float(x.as_f64() + y.as_f64()),
    }
}

fn negate(d: &Datum) -> Option<Datum> {
    match d {
        Datum::Int(i) => Some(Datum::Int(i.saturating_neg())),
        Datum::Float(f) => Some(Datum::Float(-f)),
        Datum::Text(_) => None,
    }
}

fn ids(p: &Pane) -> BTreeSet<u64> {
    p.inputs.iter().copied().collect()
}

fn count_signed(panes: &[&Pane]) -> BTreeMap<u64, i64> {
    let mut counts = BTreeMap::new();
    for p in panes {
        let d = if p.retraction { -1 } else { 1 };
        for id in ids(p) {
            *counts.entry(id).or_insert(0) += d;
        }
    }
    counts
}

/// Folds the panes of one row, in emission order.
pub fn fold(refinement: Refinement, panes: &[&Pane]) -> Folded {
    match refinement {
        Refinement::Accumulating => match panes.last() {
            Some(p) if !p.retraction => Folded { value: Some(p.value.clone()), counts: ids(p).into_iter().map(|i| (i, 1)).collect(), extra: BTreeSet::new() },
            _ => Folded::default(),
        },
        Refinement::Discarding => {
            let mut value: Option<Datum> = None;
            for p in panes {
                let v = if p.retraction { negate(&p.value) } else { Some(p.value.clone()) };
                if let Some(v) = v {
                    value = Some(match value {
                        None => v,
                        Some(acc) => add(&acc, &v),
                    });
                }
            }
            Folded { value, counts: count_signed(panes), extra: BTreeSet::new() }
        }
        Refinement::Retracting => {
            let mut live: Vec<Datum> = Vec::new();
            for p in panes {
                if p.retraction {
                    match live.iter().position(|v| *v == p.value) {
                        Some(i) => {
                            live.remove(i);
                        }
                        None => live.extend(negate(&p.value)),
                    }
                } else {
                    live.push(p.value.clone());
                }
            }
            let value = live.iter().cloned().reduce(|a, b| add(&a, &b));
            Folded { value, counts: count_signed(panes), extra: BTreeSet::new() }
        }
        Refinement::AppendOnce => {
            let mut live = panes.iter().filter(|p| !p.retraction);
            match live.next() {
                None => Folded::default(),
                Some(first) => Folded {
                    value: Some(first.value.clone()),
                    counts: ids(first).into_iter().map(|i| (i, 1)).collect(),
                    extra: live.flat_map(|p| p.inputs.iter().copied()).collect(),
                },
            }
        }
    }
}

/// Value equality a reader would accept: numbers compare numerically
/// (`14` = `14.0`, relative tolerance 1e-9), texts exactly.
pub fn same_value(a: &Datum, b: &Datum) -> bool {
    match (a, b) {
        (Datum::Text(x), Datum::Text(y)) => x == y,
        (Datum::Text(_), _) | (_, Datum::Text(_)) => false,
        (Datum::Int(x), Datum::Int(y)) => x == y,
        (x, y) => {
            let (x, y) = (x.as_f64(), y.as_f64());
            (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
        }
    }
}

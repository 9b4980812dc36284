//! `keyBy(..).sum(..)` / `.reduce(..)` without a window: Flink's rolling
//! aggregation. Every element updates its key's state and emits the new
//! aggregate at once (`StreamGroupedReduceOperator`), so the output is a
//! changelog: one result per input. Watermarks pass through untouched.
//!
//! The result's `inputs` is the one element that caused it (its lineage),
//! so "every input exactly once in the output" is checkable record by
//! record — the classic exactly-once demonstration.

use crate::stream::types::{Aggregate, Datum, Elem, EventTime, JobShape, Operator, Out, Pane};
use crate::time::Micros;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct RollingReduce {
    aggregate: Aggregate,
    /// Per key: the values so far (the aggregate is recomputed from them, so
    /// every aggregate kind works; teaching-sized state).
    state: BTreeMap<String, Vec<Datum>>,
    /// Per key: results emitted (the pane index).
    emitted: BTreeMap<String, u32>,
}

impl RollingReduce {
    pub fn new(shape: &JobShape) -> Self {
        RollingReduce { aggregate: shape.aggregate.clone(), state: BTreeMap::new(), emitted: BTreeMap::new() }
    }
}

impl Operator for RollingReduce {
    fn on_element(&mut self, pt: Micros, e: Elem, out: &mut Vec<Out>) {
        let values = self.state.entry(e.key.clone()).or_default();
        values.push(e.value.clone());
        let value = self.aggregate.apply(values.iter());
        let index = self.emitted.entry(e.key.clone()).or_insert(0);
        let mut p = Pane::plain(None, e.key.clone(), value, e.ts, pt);
        p.index = *index;
        p.inputs = vec![e.id];
        *index += 1;
        out.push(Out::Pane(p));
    }

    fn on_watermark(&mut self, _pt: Micros, _wm: EventTime, _out: &mut Vec<Out>) {}
}

/// Flink-style line of a rolling result: `(key,value)` as the DataStream
/// `print()` sink shows a `Tuple2`.
pub fn format_rolling(p: &Pane) -> String {
    format!("({},{})", p.key, p.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::types::WindowSpec;

    #[test]
    fn emits_the_running_sum_per_element() {
        let shape = JobShape { name: "j".into(), window: WindowSpec::Global, aggregate: Aggregate::Sum, sources: vec![1], parallelism: 1 };
        let mut op = RollingReduce::new(&shape);
        let mut out = Vec::new();
        for (i, (k, v)) in [("a", 1), ("b", 5), ("a", 2)].iter().enumerate() {
            op.on_element(0, Elem { id: i as u64, key: k.to_string(), value: Datum::Int(*v), ts: 0, arrival: 0 }, &mut out);
        }
        let lines: Vec<String> = out.iter().filter_map(|o| if let Out::Pane(p) = o { Some(format_rolling(p)) } else { None }).collect();
        assert_eq!(lines, ["(a,1)", "(b,5)", "(a,3)"]);
    }
}

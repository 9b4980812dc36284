//! A Flink job as the scenario describes it: the `[jobs.flink]` table split
//! into the runtime's options ([`FlinkRuntimeSpec`]) and the operator's
//! (window operator, rolling aggregation or feature operators), and the
//! operator chain a subtask runs.
//!
//! Which operator: `rolling` and/or `anomaly` tables give the feature
//! pipeline (rolling average, then the anomaly detector on its output, as
//! chained operators); otherwise a window gives the `WindowOperator`; no
//! window (`global`) with the default trigger gives `keyBy().sum()`'s
//! rolling aggregation.

use super::features::{AnomalyDetector, AnomalySpec, RollingAverage, RollingSpec};
use super::reduce::RollingReduce;
use super::runtime::{FlinkJob, FlinkRuntimeSpec};
use super::window::{WindowOperator, WindowOperatorSpec};
use crate::stream::engines::de_table;
use crate::stream::types::{Elem, EventTime, JobShape, Operator, Out, SpecError, WindowSpec};
use crate::time::Micros;
use serde::Deserialize;

/// The operator of one subtask.
#[derive(Clone, Debug)]
pub enum FlinkOp {
    Window(Box<WindowOperator>),
    Reduce(RollingReduce),
    Rolling(RollingAverage),
    Anomaly(AnomalyDetector),
    /// Operators chained in one task: results of one are elements of the
    /// next (key, value, timestamp = the result's timestamp; lineage kept).
    Chain(Vec<FlinkOp>),
}

impl Operator for FlinkOp {
    fn on_element(&mut self, pt: Micros, e: Elem, out: &mut Vec<Out>) {
        match self {
            FlinkOp::Window(o) => o.on_element(pt, e, out),
            FlinkOp::Reduce(o) => o.on_element(pt, e, out),
            FlinkOp::Rolling(o) => o.on_element(pt, e, out),
            FlinkOp::Anomaly(o) => o.on_element(pt, e, out),
            FlinkOp::Chain(ops) => chain(ops, pt, Step::Element(e), out),
        }
    }
    fn on_watermark(&mut self, pt: Micros, wm: EventTime, out: &mut Vec<Out>) {
        match self {
            FlinkOp::Window(o) => o.on_watermark(pt, wm, out),
            FlinkOp::Reduce(o) => o.on_watermark(pt, wm, out),
            FlinkOp::Rolling(o) => o.on_watermark(pt, wm, out),
            FlinkOp::Anomaly(o) => o.on_watermark(pt, wm, out),
            FlinkOp::Chain(ops) => chain(ops, pt, Step::Watermark(wm), out),
        }
    }
}

enum Step {
    Element(Elem),
    Watermark(EventTime),
}

/// Runs a step through a chain: each operator's panes feed the next one;
/// late records and other reports pass straight out.
fn chain(ops: &mut [FlinkOp], pt: Micros, step: Step, out: &mut Vec<Out>) {
    let Some((first, rest)) = ops.split_first_mut() else { return };
    let mut mine = Vec::new();
    let wm = match step {
        Step::Element(e) => {
            first.on_element(pt, e, &mut mine);
            None
        }
        Step::Watermark(wm) => {
            first.on_watermark(pt, wm, &mut mine);
            Some(wm)
        }
    };
    if rest.is_empty() {
        out.extend(mine);
        return;
    }
    for o in mine {
        match o {
            Out::Pane(p) => {
                let id = p.inputs.first().copied().unwrap_or(0);
                let e = Elem { id, key: p.key, value: p.value, ts: p.out_ts, arrival: pt };
                chain(rest, pt, Step::Element(e), out);
            }
            other => out.push(other),
        }
    }
    if let Some(wm) = wm {
        chain(rest, pt, Step::Watermark(wm), out);
    }
}

/// The operator-level keys of `[jobs.flink]`.
const OPERATOR_KEYS: &[&str] = &["allowedLateness", "sideOutputLateData", "trigger", "rolling", "anomaly"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeatureKeys {
    rolling: Option<RollingSpec>,
    anomaly: Option<AnomalySpec>,
}

/// The parsed `[jobs.flink]` table.
#[derive(Clone, Debug)]
pub struct FlinkSpec {
    pub runtime: FlinkRuntimeSpec,
    pub window: Option<WindowOperatorSpec>,
    pub rolling: Option<RollingSpec>,
    pub anomaly: Option<AnomalySpec>,
}

impl FlinkSpec {
    pub fn parse(table: &toml::Table) -> Result<Self, SpecError> {
        let (mut op, mut rt) = (toml::Table::new(), toml::Table::new());
        for (k, v) in table {
            if OPERATOR_KEYS.contains(&k.as_str()) {
                op.insert(k.clone(), v.clone());
            } else {
                rt.insert(k.clone(), v.clone());
            }
        }
        let runtime: FlinkRuntimeSpec = de_table(&rt)?;
        let mut feat = toml::Table::new();
        for k in ["rolling", "anomaly"] {
            if let Some(v) = op.remove(k) {
                feat.insert(k.to_string(), v);
            }
        }
        let features: FeatureKeys = de_table(&feat)?;
        let window = if op.is_empty() { None } else { Some(de_table::<WindowOperatorSpec>(&op)?) };
        Ok(FlinkSpec { runtime, window, rolling: features.rolling, anomaly: features.anomaly })
    }

    /// The operator a subtask runs.
    pub fn operator(&self, shape: &JobShape) -> Result<FlinkOp, SpecError> {
        let mut chain = Vec::new();
        if let Some(r) = &self.rolling {
            chain.push(FlinkOp::Rolling(RollingAverage::new(r)?));
        }
        if let Some(a) = &self.anomaly {
            chain.push(FlinkOp::Anomaly(AnomalyDetector::new(a)?));
        }
        if !chain.is_empty() {
            if self.window.is_some() {
                return Err(SpecError::new("rolling", "a job runs either a window (allowedLateness, trigger …) or the feature operators (rolling, anomaly)"));
            }
            return Ok(if chain.len() == 1 { chain.remove(0) } else { FlinkOp::Chain(chain) });
        }
        let wspec = match &self.window {
            Some(w) => w.clone(),
            None => default_window_spec(),
        };
        if shape.window == WindowSpec::Global && self.window.is_none() {
            return Ok(FlinkOp::Reduce(RollingReduce::new(shape)));
        }
        Ok(FlinkOp::Window(Box::new(WindowOperator::new(shape, &wspec)?)))
    }

    /// Builds the job (validating everything).
    pub fn build(&self, shape: &JobShape, external_sink: bool) -> Result<FlinkJob<FlinkOp>, SpecError> {
        let op = self.operator(shape)?;
        let mut job = FlinkJob::new(shape, &self.runtime, |_| op.clone())?;
        job.set_external_sink(external_sink);
        Ok(job)
    }
}

fn default_window_spec() -> WindowOperatorSpec {
    // Every field of WindowOperatorSpec has a default, so an empty table
    // always parses; this is only the type's fallback.
    toml::Value::Table(toml::Table::new()).try_into().expect("WindowOperatorSpec has defaults for every field")
}

/// Prints a Flink job's output line: the window operator's test format, or
/// `(key,value)` for rolling and feature results.
pub fn format_out(shape: &JobShape, out: &Out) -> Option<String> {
    match out {
        Out::Pane(p) if p.window.is_none() => Some(super::reduce::format_rolling(p)),
        _ => super::window::format_out_for(&shape.window, out),
    }
}

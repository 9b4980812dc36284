//! [`EngineBox`]: the engine of a job, chosen by the scenario, behind one
//! enum so the world stays `Clone` and dispatch stays static.

use super::types::{Elem, Engine, Out};
use crate::scenario::jobs::{EngineSpec, JobSpec};
use crate::time::Micros;

#[derive(Clone, Debug)]
pub enum EngineBox {
    /// Placeholder while the engines are wired in.
    Idle(Idle),
}

#[derive(Clone, Debug, Default)]
pub struct Idle;

impl Engine for Idle {
    fn on_record(&mut self, _pt: Micros, _channel: u32, _e: Elem, _out: &mut Vec<Out>) {}
    fn on_watermark(&mut self, _pt: Micros, _channel: u32, _wm: i64, _out: &mut Vec<Out>) {}
    fn on_end_of_input(&mut self, _pt: Micros, _out: &mut Vec<Out>) {}
    fn next_wakeup(&self) -> Option<Micros> {
        None
    }
    fn on_wakeup(&mut self, _pt: Micros, _out: &mut Vec<Out>) {}
}

impl EngineBox {
    /// Builds the engine. The scenario resolver already built it once to
    /// validate the configuration, so this cannot fail.
    pub fn build(spec: &JobSpec) -> Self {
        match &spec.engine {
            EngineSpec::Beam { .. } | EngineSpec::Flink { .. } | EngineSpec::Spark { .. } | EngineSpec::DStream { .. } | EngineSpec::KStreams { .. } => {
                EngineBox::Idle(Idle)
            }
        }
    }

    pub fn get(&mut self) -> &mut dyn Engine {
        match self {
            EngineBox::Idle(e) => e,
        }
    }

    /// A source record with its source position (the next position to read
    /// after it: a Kafka offset + 1, or a scripted record count).
    pub fn on_record(&mut self, pt: Micros, channel: u32, _position: u64, e: Elem, out: &mut Vec<Out>) {
        self.get().on_record(pt, channel, e, out);
    }

    /// An external sink (Kafka) finished the pre-commit of `txn`.
    pub fn sink_ack(&mut self, _pt: Micros, _txn: u64, _out: &mut Vec<Out>) {}

    /// The job process died.
    pub fn crash(&mut self, spec: &JobSpec) {
        *self = EngineBox::build(spec);
    }

    /// The job process is back: returns the source positions to resume
    /// from, per channel (None: keep reading where the sources are).
    pub fn restart(&mut self, _pt: Micros, _out: &mut Vec<Out>) -> Option<Vec<(u32, u64)>> {
        None
    }
}

/// Formats an engine report the way the engine's own tests print it (the
/// lines `[[expect.outputs]]` compares); None for bookkeeping the engine
/// does not print.
pub fn format_out(job: &JobSpec, out: &Out) -> Option<String> {
    let _ = job;
    generic_line(out)
}

/// A neutral format for reports without an engine-specific one.
fn generic_line(out: &Out) -> Option<String> {
    use super::types::clock;
    match out {
        Out::Pane(p) => {
            let w = p.window.map(|w| format!("[{}, {}) ", clock(w.start), clock(w.end))).unwrap_or_default();
            Some(format!("{w}{}:{}", p.key, p.value))
        }
        Out::Late { elem, fate, .. } => Some(format!("late {:?} ({},{})@{}", fate, elem.key, elem.value, elem.ts)),
        _ => None,
    }
}

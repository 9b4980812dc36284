//! [`EngineBox`]: the engine of a job, chosen by the scenario, behind one
//! enum so the world stays `Clone` and dispatch stays static. Also where
//! each engine's own configuration table is parsed and its output lines
//! are formatted.

use super::beam::{BeamEngine, BeamSpec};
use super::flink::job::{FlinkOp, FlinkSpec};
use super::flink::runtime::FlinkJob;
use super::kstreams::{KStreamsEngine, KStreamsSpec};
use super::spark::dstream::{DStreamEngine, DStreamSpec};
use super::spark::microbatch::{SparkEngine, SparkSpec};
use super::types::{Elem, Engine, EventTime, Out, SpecError};
use crate::scenario::jobs::{DeliveryGuarantee, EngineSpec, JobSpec, SinkSpec};
use crate::time::Micros;
use serde::Deserialize;

#[derive(Clone, Debug)]
pub enum EngineBox {
    Flink(Box<FlinkJob<FlinkOp>>),
    Spark(Box<SparkEngine>),
    DStream(Box<DStreamEngine>),
    Beam(Box<BeamEngine>),
    KStreams(Box<KStreamsEngine>),
}

/// Deserializes an engine table, naming the offending field when serde
/// does.
pub fn de_table<T: for<'de> Deserialize<'de>>(t: &toml::Table) -> Result<T, SpecError> {
    toml::Value::Table(t.clone()).try_into::<T>().map_err(|e| {
        let msg = e.to_string();
        let field = msg.split('`').nth(1).filter(|_| msg.contains("unknown field")).unwrap_or("").to_string();
        SpecError::new(field, msg.trim().to_string())
    })
}

impl EngineBox {
    /// Builds the engine, or says what is wrong with its configuration.
    pub fn try_build(spec: &JobSpec) -> Result<Self, SpecError> {
        Ok(match &spec.engine {
            EngineSpec::Flink { spec: t } => {
                let mut fs = FlinkSpec::parse(t)?;
                let external = matches!(spec.sink, SinkSpec::Kafka { .. });
                if let SinkSpec::Kafka { guarantee, .. } = &spec.sink {
                    if t.contains_key("sink") {
                        return Err(SpecError::new("sink", "with a kafka sink, the job's sink.deliveryGuarantee sets the guarantee"));
                    }
                    fs.runtime.sink = match guarantee {
                        DeliveryGuarantee::ExactlyOnce => super::flink::runtime::SinkGuarantee::ExactlyOnce,
                        DeliveryGuarantee::AtLeastOnce => super::flink::runtime::SinkGuarantee::AtLeastOnce,
                        DeliveryGuarantee::None => super::flink::runtime::SinkGuarantee::None,
                    };
                }
                EngineBox::Flink(Box::new(fs.build(&spec.shape, external)?.with_op_name(&spec.name)))
            }
            EngineSpec::Spark { spec: t } => EngineBox::Spark(Box::new(SparkEngine::new(&spec.shape, &de_table::<SparkSpec>(t)?)?)),
            EngineSpec::DStream { spec: t } => EngineBox::DStream(Box::new(DStreamEngine::new(&spec.shape, &de_table::<DStreamSpec>(t)?)?)),
            EngineSpec::Beam { spec: t } => EngineBox::Beam(Box::new(BeamEngine::new(&spec.shape, &de_table::<BeamSpec>(t)?)?)),
            EngineSpec::KStreams { spec: t } => EngineBox::KStreams(Box::new(KStreamsEngine::new(&spec.shape, &de_table::<KStreamsSpec>(t)?)?)),
        })
    }

    /// Builds the engine. The scenario resolver already built it once to
    /// validate the configuration (a `Scenario` that parsed always builds).
    pub fn build(spec: &JobSpec) -> Self {
        Self::try_build(spec).expect("the resolver validated the engine configuration")
    }

    pub fn get(&mut self) -> &mut dyn Engine {
        match self {
            EngineBox::Flink(e) => e.as_mut(),
            EngineBox::Spark(e) => e.as_mut(),
            EngineBox::DStream(e) => e.as_mut(),
            EngineBox::Beam(e) => e.as_mut(),
            EngineBox::KStreams(e) => e.as_mut(),
        }
    }

    /// A source record with its source position (the next position to read
    /// after it: a Kafka offset + 1, or a scripted record count).
    pub fn on_record(&mut self, pt: Micros, channel: u32, position: u64, e: Elem, out: &mut Vec<Out>) {
        match self {
            EngineBox::Flink(j) => j.on_source_record(pt, channel, position, e, out),
            other => other.get().on_record(pt, channel, e, out),
        }
    }

    pub fn on_watermark(&mut self, pt: Micros, channel: u32, wm: EventTime, out: &mut Vec<Out>) {
        match self {
            EngineBox::Flink(j) => j.on_source_watermark(pt, channel, wm, out),
            other => other.get().on_watermark(pt, channel, wm, out),
        }
    }

    /// A scripted input ended; `all` when every channel has.
    pub fn on_channel_end(&mut self, pt: Micros, channel: u32, all: bool, out: &mut Vec<Out>) {
        match self {
            EngineBox::Flink(j) => j.on_source_end(pt, channel, out),
            other => {
                if all {
                    other.get().on_end_of_input(pt, out);
                }
            }
        }
    }

    /// The job process died. Flink and Spark keep their durable part
    /// (checkpoints; offset and commit logs); the others lose everything and
    /// start over (their state is not fault tolerant in this model).
    pub fn crash(&mut self, spec: &JobSpec, pt: Micros, out: &mut Vec<Out>) {
        match self {
            EngineBox::Flink(j) => j.fail(pt, "process", out),
            EngineBox::Spark(s) => s.crash(),
            EngineBox::DStream(_) | EngineBox::Beam(_) | EngineBox::KStreams(_) => *self = EngineBox::build(spec),
        }
    }

    /// The job process is back.
    pub fn restart(&mut self, pt: Micros) {
        if let EngineBox::Spark(s) = self {
            s.restart(pt);
        }
    }

    /// Source positions to resume from after a restore, once.
    pub fn take_rewind(&mut self) -> Option<Vec<(u32, u64)>> {
        match self {
            EngineBox::Flink(j) => j.take_rewind(),
            _ => None,
        }
    }

    /// Sink flushes the engine asks for: (checkpoint, subtask, txn).
    pub fn take_sink_flushes(&mut self) -> Vec<(u64, u32, Option<u64>)> {
        match self {
            EngineBox::Flink(j) => j.take_sink_flushes().into_iter().map(|f| (f.checkpoint, f.subtask, f.txn)).collect(),
            _ => Vec::new(),
        }
    }

    /// An external sink (Kafka) finished a flush.
    pub fn sink_ack(&mut self, pt: Micros, checkpoint: u64, subtask: u32, out: &mut Vec<Out>) {
        if let EngineBox::Flink(j) = self {
            j.sink_ack(pt, checkpoint, subtask, out);
        }
    }

    /// The subtask that owns a sink transaction.
    pub fn txn_owner(&self, txn: u64) -> u32 {
        match self {
            EngineBox::Flink(j) => j.txn_owner(txn).unwrap_or(0),
            _ => 0,
        }
    }
}

/// Formats an engine report the way the engine's own tests print it (the
/// lines `[[expect.outputs]]` compares); None for bookkeeping the engine
/// does not print.
pub fn format_out(job: &JobSpec, out: &Out) -> Option<String> {
    match &job.engine {
        EngineSpec::Flink { .. } => super::flink::job::format_out(&job.shape, out),
        EngineSpec::Spark { .. } => super::spark::microbatch::format_out(out),
        EngineSpec::DStream { .. } => super::spark::dstream::format_out(out),
        EngineSpec::Beam { .. } => super::beam::format_out(out),
        EngineSpec::KStreams { .. } => super::kstreams::format_out(out),
    }
}

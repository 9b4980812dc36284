//! `[jobs.flink]` runtime fields: watermark strategy, checkpointing, restart
//! strategy, sink delivery guarantee and the simulator's cost knobs, under
//! their Flink names, and their resolution into a [`RuntimeConfig`].

use crate::stream::flink::watermark::{GeneratorKind, WatermarkStrategy};
use crate::stream::types::{JobShape, SpecError};
use crate::time::{Duration, Micros};
use serde::Deserialize;

/// `execution.checkpointing.mode` (C-1, C-5).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub enum CheckpointingMode {
    /// Barriers are aligned (C-2) or, with unaligned checkpoints, overtake
    /// in-flight data that becomes part of the snapshot (C-6).
    #[default]
    #[serde(rename = "EXACTLY_ONCE")]
    ExactlyOnce,
    /// No alignment: records after a barrier may enter the snapshot and are
    /// replayed after a restore (C-5).
    #[serde(rename = "AT_LEAST_ONCE")]
    AtLeastOnce,
}

/// The sink's `DeliveryGuarantee` (C-7, C-8).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub enum SinkGuarantee {
    /// `TwoPhaseCommitSinkFunction`: results are written into a transaction
    /// that is pre-committed at the checkpoint and committed when the
    /// checkpoint completes (C-7).
    #[serde(rename = "exactly-once")]
    ExactlyOnce,
    /// Results are published as soon as they are produced; after a restore
    /// the replayed records produce them again (duplicates).
    #[default]
    #[serde(rename = "at-least-once")]
    AtLeastOnce,
    /// Flink's `NONE`: here the same as at-least-once (publish immediately;
    /// the flush on checkpoint that distinguishes them is not modelled).
    #[serde(rename = "none")]
    None,
}

/// The Flink runtime part of a `[jobs.flink]` table.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FlinkRuntimeSpec {
    /// `WatermarkStrategy.forBoundedOutOfOrderness(B)` (F-2): every source
    /// channel emits `max timestamp − B − 1`. Without this field and without
    /// `forMonotonousTimestamps`, watermarks are the inputs' scripted moves.
    #[serde(rename = "forBoundedOutOfOrderness", default)]
    pub for_bounded_out_of_orderness: Option<Duration>,
    /// `WatermarkStrategy.forMonotonousTimestamps()`: bound 0 (`max − 1`).
    #[serde(rename = "forMonotonousTimestamps", default)]
    pub for_monotonous_timestamps: bool,
    /// `.withIdleness(d)` (F-6): a source channel with no record for
    /// (at least) `d` of processing time is marked idle and stops holding
    /// back the watermark downstream (F-5).
    #[serde(rename = "withIdleness", default)]
    pub with_idleness: Option<Duration>,
    /// `pipeline.auto-watermark-interval` (F-3): how often sources emit
    /// periodic watermarks, in processing time. Default 200ms; "0" disables
    /// periodic emission.
    #[serde(rename = "pipeline.auto-watermark-interval", default = "default_wm_interval")]
    pub auto_watermark_interval: Duration,
    /// `pipeline.max-parallelism`: number of key groups. Default: Flink's
    /// `computeDefaultMaxParallelism` (128 for parallelism up to 85).
    #[serde(rename = "pipeline.max-parallelism", default)]
    pub max_parallelism: Option<u32>,
    /// `execution.checkpointing.interval` (C-1): how often the checkpoint
    /// coordinator injects barriers. Absent: checkpointing is disabled and a
    /// failed job restarts from scratch. Flink's minimum is 10ms.
    #[serde(rename = "execution.checkpointing.interval", default)]
    pub checkpointing_interval: Option<Duration>,
    /// `execution.checkpointing.mode`: `"EXACTLY_ONCE"` (default) or
    /// `"AT_LEAST_ONCE"` (C-5).
    #[serde(rename = "execution.checkpointing.mode", default)]
    pub checkpointing_mode: CheckpointingMode,
    /// `execution.checkpointing.unaligned.enabled` (C-6): barriers overtake
    /// in-flight records, which are stored in the checkpoint. EXACTLY_ONCE
    /// only. Default false.
    #[serde(rename = "execution.checkpointing.unaligned.enabled", default)]
    pub unaligned: bool,
    /// `restart-strategy.fixed-delay.delay` (C-4): time between a failure and
    /// the restart from the latest completed checkpoint. Default 1s.
    #[serde(rename = "restart-strategy.fixed-delay.delay", default = "default_restart_delay")]
    pub restart_delay: Duration,
    /// Sink delivery guarantee: `"exactly-once"` (two-phase commit, C-7;
    /// needs checkpointing), `"at-least-once"` (default) or `"none"`.
    #[serde(default)]
    pub sink: SinkGuarantee,
    /// streamlab: latency of every network channel between tasks (records,
    /// watermarks, barriers; channels are FIFO), and of the checkpoint
    /// coordinator's "checkpoint complete" notification. Default 1ms.
    #[serde(rename = "streamlab.channel-latency", default = "default_latency")]
    pub channel_latency: Duration,
    /// streamlab: processing time an operator subtask spends per record.
    /// Records queue in the input channels while it is busy (backpressure),
    /// which is what checkpoint alignment has to wait for. Default 0.
    #[serde(rename = "streamlab.record-processing-time", default)]
    pub record_processing_time: Duration,
}

fn default_wm_interval() -> Duration {
    Duration::from_millis(200)
}
fn default_restart_delay() -> Duration {
    Duration::from_secs(1)
}
fn default_latency() -> Duration {
    Duration::from_millis(1)
}

impl Default for FlinkRuntimeSpec {
    fn default() -> Self {
        FlinkRuntimeSpec {
            for_bounded_out_of_orderness: None,
            for_monotonous_timestamps: false,
            with_idleness: None,
            auto_watermark_interval: default_wm_interval(),
            max_parallelism: None,
            checkpointing_interval: None,
            checkpointing_mode: CheckpointingMode::ExactlyOnce,
            unaligned: false,
            restart_delay: default_restart_delay(),
            sink: SinkGuarantee::AtLeastOnce,
            channel_latency: default_latency(),
            record_processing_time: Duration::ZERO,
        }
    }
}

/// Flink's `KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM`.
pub const UPPER_BOUND_MAX_PARALLELISM: u32 = 1 << 15;
/// `CheckpointConfig.MINIMAL_CHECKPOINT_TIME`.
pub const MINIMAL_CHECKPOINT_TIME: Micros = 10_000;

/// How barriers are handled at an operator with several inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alignment {
    /// EXACTLY_ONCE, aligned (C-2): a channel blocks after its barrier.
    Aligned,
    /// EXACTLY_ONCE, unaligned (C-6): the first barrier snapshots at once,
    /// the records it overtook are stored in the checkpoint.
    Unaligned,
    /// AT_LEAST_ONCE (C-5): no blocking; snapshot when the last barrier arrives.
    None,
}

/// The validated runtime configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeConfig {
    pub watermarks: WatermarkStrategy,
    pub max_parallelism: u32,
    pub parallelism: u32,
    pub channels: u32,
    pub checkpoint_interval: Option<Micros>,
    pub alignment: Alignment,
    pub restart_delay: Micros,
    pub exactly_once_sink: bool,
    pub latency: Micros,
    pub cost: Micros,
}

/// Flink's `KeyGroupRangeAssignment.computeDefaultMaxParallelism`:
/// `min(max(roundUpToPowerOfTwo(p + p/2), 128), 32768)`.
pub fn default_max_parallelism(parallelism: u32) -> u32 {
    let p = parallelism.saturating_add(parallelism / 2).max(1);
    p.checked_next_power_of_two().unwrap_or(UPPER_BOUND_MAX_PARALLELISM).clamp(128, UPPER_BOUND_MAX_PARALLELISM)
}

impl FlinkRuntimeSpec {
    /// Checks the fields against each other and the job shape.
    pub fn resolve(&self, shape: &JobShape) -> Result<RuntimeConfig, SpecError> {
        let kind = match (self.for_bounded_out_of_orderness, self.for_monotonous_timestamps) {
            (Some(_), true) => {
                return Err(SpecError::new("forMonotonousTimestamps", "choose one generator: forBoundedOutOfOrderness or forMonotonousTimestamps"))
            }
            // Duration.toMillis truncates, as in Flink
            (Some(b), false) => GeneratorKind::BoundedOutOfOrderness((b.0 / 1000) as i64),
            (None, true) => GeneratorKind::BoundedOutOfOrderness(0),
            (None, false) => GeneratorKind::Scripted,
        };
        if let Some(d) = self.with_idleness {
            if d.0 == 0 {
                return Err(SpecError::new("withIdleness", "idleTimeout must be greater than zero"));
            }
            if self.auto_watermark_interval.0 == 0 {
                return Err(SpecError::new("withIdleness", "idleness is only checked at periodic emissions; \"pipeline.auto-watermark-interval\" is 0"));
            }
        }
        if shape.channels() == 0 {
            return Err(SpecError::new("source", "the job has no source channel"));
        }
        if shape.parallelism == 0 {
            return Err(SpecError::new("parallelism", "parallelism must be at least 1"));
        }
        let max_parallelism = match self.max_parallelism {
            Some(m) if m == 0 || m > UPPER_BOUND_MAX_PARALLELISM => {
                return Err(SpecError::new("pipeline.max-parallelism", format!("must be between 1 and {UPPER_BOUND_MAX_PARALLELISM}")))
            }
            Some(m) => m,
            None => default_max_parallelism(shape.parallelism),
        };
        if shape.parallelism > max_parallelism {
            return Err(SpecError::new(
                "pipeline.max-parallelism",
                format!("parallelism {} is larger than the maximum parallelism {max_parallelism}", shape.parallelism),
            ));
        }
        let checkpoint_interval = match self.checkpointing_interval {
            Some(d) if d.0 < MINIMAL_CHECKPOINT_TIME => {
                return Err(SpecError::new("execution.checkpointing.interval", "checkpoint interval must be at least 10ms"))
            }
            other => other.map(|d| d.0),
        };
        let alignment = match (self.checkpointing_mode, self.unaligned) {
            (CheckpointingMode::AtLeastOnce, true) => {
                return Err(SpecError::new("execution.checkpointing.unaligned.enabled", "unaligned checkpoints are only supported with EXACTLY_ONCE mode"))
            }
            (CheckpointingMode::AtLeastOnce, false) => Alignment::None,
            (CheckpointingMode::ExactlyOnce, true) => Alignment::Unaligned,
            (CheckpointingMode::ExactlyOnce, false) => Alignment::Aligned,
        };
        let exactly_once_sink = self.sink == SinkGuarantee::ExactlyOnce;
        if exactly_once_sink && checkpoint_interval.is_none() {
            return Err(SpecError::new(
                "sink",
                "an exactly-once sink commits on checkpoints: set \"execution.checkpointing.interval\" (without it nothing would ever be committed)",
            ));
        }
        Ok(RuntimeConfig {
            watermarks: WatermarkStrategy { kind, idleness: self.with_idleness.map(|d| d.0), interval: self.auto_watermark_interval.0 },
            max_parallelism,
            parallelism: shape.parallelism,
            channels: shape.channels(),
            checkpoint_interval,
            alignment,
            restart_delay: self.restart_delay.0,
            exactly_once_sink,
            latency: self.channel_latency.0,
            cost: self.record_processing_time.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::types::{Aggregate, WindowSpec};

    fn shape(par: u32) -> JobShape {
        JobShape { name: "j".into(), window: WindowSpec::Global, aggregate: Aggregate::Count, sources: vec![2], parallelism: par }
    }

    #[test]
    fn parses_flink_names_and_defaults() {
        let s: FlinkRuntimeSpec = toml::from_str(
            r#"
            forBoundedOutOfOrderness = "5s"
            withIdleness = "1m"
            "execution.checkpointing.interval" = "1s"
            "execution.checkpointing.mode" = "AT_LEAST_ONCE"
            sink = "exactly-once"
            "streamlab.record-processing-time" = "2ms"
            "#,
        )
        .unwrap();
        let c = s.resolve(&shape(2)).unwrap();
        assert_eq!(c.watermarks.kind, GeneratorKind::BoundedOutOfOrderness(5000));
        assert_eq!(c.watermarks.interval, 200_000);
        assert_eq!(c.watermarks.idleness, Some(60_000_000));
        assert_eq!(c.checkpoint_interval, Some(1_000_000));
        assert_eq!(c.alignment, Alignment::None);
        assert_eq!(c.restart_delay, 1_000_000);
        assert_eq!(c.max_parallelism, 128);
        assert!(c.exactly_once_sink);
        assert_eq!((c.latency, c.cost), (1000, 2000));
        let d: FlinkRuntimeSpec = toml::from_str("").unwrap();
        assert_eq!(d, FlinkRuntimeSpec::default());
        assert_eq!(d.resolve(&shape(1)).unwrap().watermarks.kind, GeneratorKind::Scripted);
    }

    #[test]
    fn rejects_bad_combinations() {
        assert!(toml::from_str::<FlinkRuntimeSpec>("allowedLatenes = \"1s\"").is_err());
        let err = |t: &str| toml::from_str::<FlinkRuntimeSpec>(t).unwrap().resolve(&shape(2)).unwrap_err().field;
        assert_eq!(err("forBoundedOutOfOrderness = \"1s\"\nforMonotonousTimestamps = true"), "forMonotonousTimestamps");
        assert_eq!(err("withIdleness = \"0\""), "withIdleness");
        assert_eq!(err("sink = \"exactly-once\""), "sink");
        assert_eq!(err("\"execution.checkpointing.interval\" = \"5ms\""), "execution.checkpointing.interval");
        assert_eq!(
            err("\"execution.checkpointing.interval\" = \"1s\"\n\"execution.checkpointing.mode\" = \"AT_LEAST_ONCE\"\n\"execution.checkpointing.unaligned.enabled\" = true"),
            "execution.checkpointing.unaligned.enabled"
        );
        assert_eq!(err("\"pipeline.max-parallelism\" = 1"), "pipeline.max-parallelism");
        assert!(toml::from_str::<FlinkRuntimeSpec>("\"execution.checkpointing.mode\" = \"exactly_once\"").is_err());
    }

    #[test]
    fn default_max_parallelism_matches_flink() {
        assert_eq!(default_max_parallelism(1), 128);
        assert_eq!(default_max_parallelism(85), 128);
        assert_eq!(default_max_parallelism(86), 256);
        assert_eq!(default_max_parallelism(30_000), 32_768);
    }
}

//! `[jobs.spark]`: the configuration of a Structured Streaming query, named
//! after Spark's own API (`outputMode`, `trigger`, `withWatermark`) and SQL
//! confs (`spark.sql.streaming.*`), plus a few `streamlab.*` knobs for what
//! Spark leaves to the cluster (how long a batch takes, whether the sink is
//! idempotent). Validation turns it into a [`Config`]; every rejection is a
//! [`SpecError`] whose `field` is the key inside `[jobs.spark]`.

use crate::stream::types::{Aggregate, EventTime, JobShape, SpecError, WindowSpec};
use crate::time::{Duration, Micros};
use serde::Deserialize;

/// `DataStreamWriter.outputMode` (S-8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputMode {
    /// Only finalised rows (window end ≤ watermark), each once. Spark's default.
    #[default]
    Append,
    /// Rows changed in this batch.
    Update,
    /// The whole result table every batch; state is never dropped.
    Complete,
}

/// `DataStreamWriter.trigger` (S-11). TOML: `trigger = { processingTime = "5 minutes" }`,
/// `trigger = "availableNow"` or `trigger = "once"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Trigger {
    /// `Trigger.ProcessingTime(interval)`: epoch-aligned loop; `"0"` (the
    /// default trigger) starts the next batch as soon as the previous ends.
    ProcessingTime(Duration),
    /// `Trigger.AvailableNow()` (Spark ≥ 3.3): everything available when the
    /// query starts, in as many batches as the rate limit needs (and the
    /// no-data batches the watermark asks for), then stop.
    AvailableNow,
    /// `Trigger.Once()` (deprecated in 3.4): exactly one batch, then stop; an
    /// uncommitted batch of a previous run is that one batch.
    Once,
}

impl Default for Trigger {
    fn default() -> Self {
        Trigger::ProcessingTime(Duration::ZERO)
    }
}

/// `spark.sql.streaming.multipleWatermarkPolicy` (S-3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WatermarkPolicy {
    /// The slowest source holds everything back (a silent source: at 0).
    #[default]
    Min,
    /// The fastest source wins; rows of slower sources may be dropped.
    Max,
}

/// `withWatermark` delay: one for every source, or one per source (each
/// source of a union has its own `EventTimeWatermarkExec`, S-2).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum WatermarkDelay {
    All(Duration),
    PerSource(Vec<Duration>),
}

/// The `[jobs.spark]` table.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SparkSpec {
    /// `outputMode`: `"append"` (Spark's default), `"update"` or `"complete"` (S-8).
    /// Append needs `withWatermark` and an event-time window; update is not
    /// allowed with session windows.
    #[serde(rename = "outputMode", default)]
    pub output_mode: OutputMode,
    /// `trigger`: `{ processingTime = "5 minutes" }` (default `"0"`: the next
    /// batch as soon as the previous one ends), `"availableNow"` or `"once"` (S-11).
    #[serde(default)]
    pub trigger: Trigger,
    /// `withWatermark(eventTime, delay)`: the delay (e.g. `"10 minutes"`), or a
    /// list with one delay per source. Absent: no watermark (no eviction, no
    /// late-row filter).
    #[serde(rename = "withWatermark", default)]
    pub with_watermark: Option<WatermarkDelay>,
    /// `spark.sql.streaming.multipleWatermarkPolicy`: `"min"` (default) or `"max"` (S-3).
    #[serde(rename = "spark.sql.streaming.multipleWatermarkPolicy", default)]
    pub multiple_watermark_policy: WatermarkPolicy,
    /// `spark.sql.streaming.noDataMicroBatches.enabled` (default true): run a
    /// batch without new data when the watermark moved past the one the last
    /// batch evicted with, so windows can close (S-10).
    #[serde(rename = "spark.sql.streaming.noDataMicroBatches.enabled", default = "yes")]
    pub no_data_micro_batches: bool,
    /// `spark.sql.streaming.statefulOperator.allowMultiple` (Spark ≥ 3.4,
    /// default true). False restores the ≤ 3.3 late-row rule (S-7).
    #[serde(rename = "spark.sql.streaming.statefulOperator.allowMultiple", default = "yes")]
    pub allow_multiple: bool,
    /// `spark.sql.streaming.pollingDelay` (default `"10ms"`): how long the
    /// default trigger sleeps when a check found no new data.
    #[serde(rename = "spark.sql.streaming.pollingDelay", default = "polling_delay")]
    pub polling_delay: Duration,
    /// `spark.version`: `"3.3"` and older filter late rows with the batch's
    /// own watermark, `"3.4"` and newer with the previous batch's (S-7).
    /// Default `"4.0"` (the current behaviour).
    #[serde(rename = "spark.version", default = "spark_version")]
    pub spark_version: String,
    /// `maxOffsetsPerTrigger` (Kafka source option): at most this many new
    /// records per source and batch, split over its channels in proportion
    /// to their backlog. Ignored by `once`, as in Spark.
    #[serde(rename = "maxOffsetsPerTrigger", default)]
    pub max_offsets_per_trigger: Option<u64>,
    /// `streamlab.batch.duration` (default `"100ms"`): fixed simulated time a
    /// micro-batch takes from its trigger to the sink write.
    #[serde(rename = "streamlab.batch.duration", default = "batch_duration")]
    pub batch_duration: Duration,
    /// `streamlab.batch.perRow` (default `"0"`): extra batch time per input row.
    #[serde(rename = "streamlab.batch.perRow", default)]
    pub batch_per_row: Duration,
    /// `streamlab.commit.duration` (default `"10ms"`): time between the sink
    /// write and `commits/N`. A crash in it re-runs a batch whose rows the
    /// sink already has (S-13).
    #[serde(rename = "streamlab.commit.duration", default = "commit_duration")]
    pub commit_duration: Duration,
    /// `streamlab.sink.idempotent` (default true): the sink skips a batch id it
    /// already has (`FileStreamSink`: "Skipping already committed batch");
    /// false re-emits the rows of a re-run batch (duplicates, e.g. `foreach`).
    #[serde(rename = "streamlab.sink.idempotent", default = "yes")]
    pub sink_idempotent: bool,
    /// `streamlab.query.start`: processing time at which `start()` is called.
    /// Default: 0 for `processingTime`; for `availableNow` and `once` the end
    /// of the input (a scheduled job run over what has arrived).
    #[serde(rename = "streamlab.query.start", default)]
    pub query_start: Option<Duration>,
}

fn yes() -> bool {
    true
}
fn polling_delay() -> Duration {
    Duration::from_millis(10)
}
fn spark_version() -> String {
    "4.0".into()
}
fn batch_duration() -> Duration {
    Duration::from_millis(100)
}
fn commit_duration() -> Duration {
    Duration::from_millis(10)
}

impl Default for SparkSpec {
    fn default() -> Self {
        SparkSpec {
            output_mode: OutputMode::default(),
            trigger: Trigger::default(),
            with_watermark: None,
            multiple_watermark_policy: WatermarkPolicy::default(),
            no_data_micro_batches: true,
            allow_multiple: true,
            polling_delay: polling_delay(),
            spark_version: spark_version(),
            max_offsets_per_trigger: None,
            batch_duration: batch_duration(),
            batch_per_row: Duration::ZERO,
            commit_duration: commit_duration(),
            sink_idempotent: true,
            query_start: None,
        }
    }
}

/// A validated query: what the engine runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub name: String,
    pub window: WindowSpec,
    pub aggregate: Aggregate,
    pub mode: OutputMode,
    pub trigger: Trigger,
    /// Channels per source (from the job shape).
    pub sources: Vec<u32>,
    /// Watermark delay (ms) per source; empty without `withWatermark`.
    pub delays: Vec<EventTime>,
    pub policy: WatermarkPolicy,
    /// Late rows are filtered with W(N−1) (Spark ≥ 3.4 default, S-7).
    pub late_uses_previous: bool,
    pub no_data_batches: bool,
    pub polling_delay: Micros,
    pub max_offsets: Option<u64>,
    pub batch_fixed: Micros,
    pub batch_per_row: Micros,
    pub commit: Micros,
    pub idempotent_sink: bool,
    /// None: start at the end of the input.
    pub start: Option<Micros>,
}

impl Config {
    /// The stateful operator has a watermark predicate: a watermark exists
    /// and the grouping key carries event time (a window or a session).
    /// Plain `groupBy(key)` keeps its state forever even with a watermark.
    pub fn has_event_time_key(&self) -> bool {
        !self.delays.is_empty() && !matches!(self.window, WindowSpec::Global)
    }
    /// Late rows are filtered and final rows evicted (Append/Update, S-5, S-6).
    pub fn evicts(&self) -> bool {
        self.has_event_time_key() && self.mode != OutputMode::Complete
    }
}

/// Parses `"3.3"`, `"3.5.1"`, `"4.0"` into (major, minor).
fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    Some((major, minor))
}

impl SparkSpec {
    /// Checks the query the way Spark's `UnsupportedOperationChecker` and
    /// the window resolution do, and resolves defaults.
    pub fn validate(&self, shape: &JobShape) -> Result<Config, SpecError> {
        let version = parse_version(&self.spark_version)
            .ok_or_else(|| SpecError::new("spark.version", format!("{:?} is not a version like \"3.3\" or \"3.5.1\"", self.spark_version)))?;
        if version < (2, 0) {
            return Err(SpecError::new("spark.version", "Structured Streaming exists from Spark 2.0"));
        }
        match shape.window {
            WindowSpec::Tumbling { size, .. } if size <= 0 => return Err(SpecError::new("window", "the window duration must be positive")),
            WindowSpec::Sliding { size, slide, .. } if size <= 0 || slide <= 0 => {
                return Err(SpecError::new("window", "the window and slide durations must be positive"))
            }
            WindowSpec::Sliding { size, slide, .. } if slide > size => {
                return Err(SpecError::new("window", "the slide duration must be less than or equal to the windowDuration (Spark's TimeWindow check)"))
            }
            WindowSpec::Session { gap } if gap <= 0 => return Err(SpecError::new("window", "the session gap must be positive")),
            WindowSpec::Session { .. } if version < (3, 2) => return Err(SpecError::new("window", "session_window needs Spark 3.2 or newer")),
            _ => {}
        }
        let delays: Vec<EventTime> = match &self.with_watermark {
            None => Vec::new(),
            Some(WatermarkDelay::All(d)) => vec![(d.0 / 1000) as EventTime; shape.sources.len()],
            Some(WatermarkDelay::PerSource(ds)) => {
                if ds.len() != shape.sources.len() {
                    return Err(SpecError::new(
                        "withWatermark",
                        format!("{} delays given for {} sources; give one delay, or one per source", ds.len(), shape.sources.len()),
                    ));
                }
                ds.iter().map(|d| (d.0 / 1000) as EventTime).collect()
            }
        };
        match self.output_mode {
            OutputMode::Append if delays.is_empty() => {
                return Err(SpecError::new(
                    "outputMode",
                    "Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark",
                ))
            }
            OutputMode::Append if shape.window == WindowSpec::Global => {
                return Err(SpecError::new(
                    "outputMode",
                    "Append output mode needs the watermarked event time (a window) among the grouping keys; plain groupBy(key) never finalises a row",
                ))
            }
            OutputMode::Update if matches!(shape.window, WindowSpec::Session { .. }) => {
                return Err(SpecError::new("outputMode", "Update output mode is not supported for session windows (use append or complete)"))
            }
            _ => {}
        }
        if self.trigger == Trigger::AvailableNow && version < (3, 3) {
            return Err(SpecError::new("trigger", "Trigger.AvailableNow needs Spark 3.3 or newer"));
        }
        if self.multiple_watermark_policy == WatermarkPolicy::Max && version < (2, 4) {
            return Err(SpecError::new("spark.sql.streaming.multipleWatermarkPolicy", "the policy exists from Spark 2.4 (older versions use min)"));
        }
        if self.max_offsets_per_trigger == Some(0) {
            return Err(SpecError::new("maxOffsetsPerTrigger", "must be positive"));
        }
        if self.polling_delay.0 == 0 {
            return Err(SpecError::new("spark.sql.streaming.pollingDelay", "must be positive"));
        }
        let start = match (self.query_start, self.trigger) {
            (Some(d), _) => Some(d.0),
            (None, Trigger::ProcessingTime(_)) => Some(0),
            (None, _) => None,
        };
        Ok(Config {
            name: shape.name.clone(),
            window: shape.window.clone(),
            aggregate: shape.aggregate.clone(),
            mode: self.output_mode,
            trigger: self.trigger,
            sources: shape.sources.clone(),
            delays,
            policy: self.multiple_watermark_policy,
            late_uses_previous: version >= (3, 4) && self.allow_multiple,
            no_data_batches: self.no_data_micro_batches,
            polling_delay: self.polling_delay.0,
            max_offsets: self.max_offsets_per_trigger,
            batch_fixed: self.batch_duration.0,
            batch_per_row: self.batch_per_row.0,
            commit: self.commit_duration.0,
            idempotent_sink: self.sink_idempotent,
            start,
        })
    }
}

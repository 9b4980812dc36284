//! The scenario file as written: serde structs that mirror the TOML, with
//! unknown fields rejected. [`super::resolve`] turns them into a checked
//! [`super::Scenario`]. See `docs/scenario-format.md`.

use crate::kernel::Latency;
use crate::kernel::LinkConfig;
use crate::time::Duration;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub seed: Option<i64>,
    pub duration: Option<Duration>,
    #[serde(default)]
    pub kafka: RawKafka,
    #[serde(default)]
    pub network: RawNetwork,
    #[serde(default)]
    pub cluster: RawCluster,
    #[serde(default)]
    pub topics: Vec<RawTopic>,
    #[serde(default)]
    pub producers: Vec<RawProducer>,
    #[serde(default)]
    pub consumers: Vec<RawConsumer>,
    #[serde(default)]
    pub faults: Vec<RawFault>,
    pub nemesis: Option<RawNemesis>,
    /// Processing time 0 of the run, as a clock time (`"12:00:00"`): `at`
    /// times written as clock strings are relative to it.
    pub clock: Option<String>,
    #[serde(default)]
    pub inputs: Vec<RawInput>,
    #[serde(default)]
    pub jobs: Vec<RawJob>,
    pub compare: Option<RawCompare>,
    #[serde(default)]
    pub expect: BTreeMap<String, toml::Value>,
}

/// A time written in a scenario's stream parts: an integer number of
/// milliseconds, or a clock string `"HH:MM:SS[.mmm]"`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum RawTime {
    Millis(i64),
    Text(String),
}

/// A scripted stream source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInput {
    pub name: String,
    #[serde(default)]
    pub records: Vec<RawInputRecord>,
    #[serde(default)]
    pub watermarks: Vec<RawWatermarkMove>,
    /// The bounded input ends at this processing time.
    pub end: Option<RawTime>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInputRecord {
    /// Arrival (processing time).
    pub at: RawTime,
    /// Event time.
    pub ts: RawTime,
    pub key: Option<String>,
    pub value: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWatermarkMove {
    pub at: RawTime,
    pub wm: RawTime,
}

/// One source or several.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawSources {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWindow {
    /// `tumbling` (or `fixed`), `sliding`, `session`, `global`.
    #[serde(rename = "type")]
    pub kind: String,
    pub size: Option<Duration>,
    pub slide: Option<Duration>,
    pub gap: Option<Duration>,
    pub offset: Option<Duration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSink {
    /// `print` (default: results are published when emitted), `kafka`, `upsert`.
    #[serde(rename = "type")]
    pub kind: String,
    pub topic: Option<String>,
    /// Flink's `DeliveryGuarantee`: `exactly-once`, `at-least-once`, `none`.
    #[serde(rename = "deliveryGuarantee")]
    pub delivery_guarantee: Option<String>,
    #[serde(rename = "transactionalIdPrefix")]
    pub transactional_id_prefix: Option<String>,
    #[serde(default)]
    pub config: toml::Table,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJob {
    pub name: String,
    /// `beam`, `flink`, `spark`, `dstream`, `kstreams`.
    pub engine: String,
    pub source: RawSources,
    /// `split`: one record per whitespace-separated word of the value.
    #[serde(rename = "flatMap")]
    pub flat_map: Option<String>,
    pub window: Option<RawWindow>,
    pub aggregate: Option<String>,
    pub parallelism: Option<i64>,
    pub sink: Option<RawSink>,
    /// Consumer properties of the job's Kafka source (`isolation.level` …).
    #[serde(default)]
    pub config: toml::Table,
    pub beam: Option<toml::Table>,
    pub flink: Option<toml::Table>,
    pub spark: Option<toml::Table>,
    pub dstream: Option<toml::Table>,
    pub kstreams: Option<toml::Table>,
}

impl RawJob {
    /// Whether the job has a `[jobs.<engine>]` table.
    pub fn engine_table(&self, engine: &str) -> bool {
        match engine {
            "beam" => self.beam.is_some(),
            "flink" => self.flink.is_some(),
            "spark" => self.spark.is_some(),
            "dstream" => self.dstream.is_some(),
            "kstreams" => self.kstreams.is_some(),
            _ => false,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCompare {
    pub jobs: Vec<String>,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKafka {
    pub version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    pub latency: Option<Latency>,
    pub loss: Option<f64>,
    pub duplicate: Option<f64>,
    pub reorder: Option<f64>,
    #[serde(default)]
    pub links: Vec<RawLink>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    pub from: String,
    pub to: String,
    #[serde(default = "yes")]
    pub symmetric: bool,
    pub latency: Option<Latency>,
    pub loss: Option<f64>,
    pub duplicate: Option<f64>,
    pub reorder: Option<f64>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    pub brokers: Option<i64>,
    #[serde(default)]
    pub config: toml::Table,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTopic {
    pub name: String,
    pub partitions: Option<i64>,
    pub replication_factor: Option<i64>,
    /// Explicit replica assignment: one list of broker ids per partition.
    pub assignment: Option<Vec<Vec<i64>>>,
    #[serde(default)]
    pub config: toml::Table,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProducer {
    pub name: Option<String>,
    pub topic: String,
    #[serde(default)]
    pub config: toml::Table,
    /// Records per second of the generated workload.
    pub rate: Option<f64>,
    /// Stop after this many generated records.
    pub count: Option<i64>,
    pub start: Option<Duration>,
    pub stop: Option<Duration>,
    pub keys: Option<RawKeys>,
    #[serde(default)]
    pub records: Vec<RawRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKeys {
    /// `uniform`, `zipf`, `sequential` or `none` (null keys).
    pub distribution: String,
    /// Number of distinct keys.
    pub count: Option<i64>,
    /// Zipf exponent `s` (default 1.0).
    pub exponent: Option<f64>,
    /// Key prefix (default `"k"`): keys are `k0`, `k1`, …
    pub prefix: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecord {
    /// When the application calls send() (processing/arrival time).
    pub at: Duration,
    pub key: Option<String>,
    pub value: Option<String>,
    /// The record's event time (its CreateTime timestamp); default `at`.
    pub event_time: Option<Duration>,
    /// Explicit partition (bypasses the partitioner).
    pub partition: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConsumer {
    pub name: Option<String>,
    /// Consumer group (`group.id`); without one the consumer assigns itself
    /// every partition of its topics (`assign`).
    pub group: Option<String>,
    pub topics: Vec<String>,
    #[serde(default)]
    pub config: toml::Table,
    pub start: Option<Duration>,
    /// The consumer closes (cleanly, leaving its group) at this time.
    pub stop: Option<Duration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    pub label: Option<String>,
    pub at: Option<Duration>,
    pub when: Option<RawCondition>,
    /// With `when`: only from this time on.
    pub after: Option<Duration>,
    /// With `when`: fire this long after the condition first holds.
    pub delay: Option<Duration>,
    pub action: String,
    pub target: Option<String>,
    /// For `crash`: `process` (default) or `machine`.
    pub mode: Option<String>,
    pub duration: Option<Duration>,
    pub sides: Option<Vec<Vec<String>>>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub symmetric: Option<bool>,
    /// For `clock-skew`: a signed duration, `"-2s"`.
    pub skew: Option<String>,
    /// For `set-link`.
    pub latency: Option<Latency>,
    pub loss: Option<f64>,
    pub duplicate: Option<f64>,
    pub reorder: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    /// `"orders-0"`: a condition on this partition.
    pub partition: Option<String>,
    /// With `partition`: holds when this broker leads it (`"b1"`), or, with
    /// `"none"`, when it has no leader.
    pub leader: Option<String>,
    /// With `partition`: holds when the ISR has at most this many members.
    pub isr_at_most: Option<i64>,
    /// With `partition`: holds when the leader's HW reaches this offset.
    pub hw_at_least: Option<i64>,
    /// Holds when this many sends have been acknowledged (all producers).
    pub acked_at_least: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNemesis {
    pub faults: Vec<String>,
    pub targets: Option<Vec<String>>,
    pub interval: Duration,
    pub duration: Option<Duration>,
    pub start: Option<Duration>,
    pub stop: Option<Duration>,
    pub max_concurrent: Option<i64>,
    pub max_skew: Option<Duration>,
}

impl RawLink {
    pub fn config(&self, default: &LinkConfig) -> LinkConfig {
        LinkConfig {
            latency: self.latency.clone().unwrap_or_else(|| default.latency.clone()),
            loss: self.loss.unwrap_or(default.loss),
            duplicate: self.duplicate.unwrap_or(default.duplicate),
            reorder: self.reorder.unwrap_or(default.reorder),
        }
    }
}

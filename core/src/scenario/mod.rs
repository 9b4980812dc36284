//! Scenario files: parsing, validation and the resolved [`Scenario`].
//!
//! A scenario is a TOML file (see `docs/scenario-format.md`): the cluster,
//! topics, network, workloads (generated and scripted records), faults
//! (scripted and random) and expectations. Loading never panics: every
//! problem becomes a [`ScenarioError`] naming file, line, column and field.

pub mod error;
pub mod jobs;
pub mod raw;
mod resolve;

pub use error::{FieldPath, ScenarioError};
pub use resolve::parse;

use crate::kafka::config::{KafkaVersion, Props};
use crate::kernel::{CrashKind, LinkConfig, RandomFaultKind};
use crate::time::{Duration, Micros};
use serde::Serialize;

/// The seed used when neither the scenario nor the command line gives one.
pub const DEFAULT_SEED: u64 = 1;
/// The run length when the scenario gives none.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(60);

/// A validated scenario.
#[derive(Clone, Debug, Serialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The file it came from (as given), for messages.
    pub file: String,
    /// The exact TOML text (kept so a trace can be replayed from itself).
    #[serde(skip)]
    pub source: String,
    /// XXH3-128 of the source text.
    pub hash: String,
    pub seed: Option<u64>,
    pub duration: Duration,
    pub kafka_version: KafkaVersion,
    pub network: NetworkSpec,
    pub brokers: u32,
    /// Broker-wide properties (including topic-level defaults).
    pub broker_config: Props,
    pub topics: Vec<TopicSpec>,
    pub producers: Vec<ProducerSpec>,
    pub consumers: Vec<ConsumerSpec>,
    pub faults: Vec<FaultSpec>,
    pub nemesis: Option<NemesisSpec>,
    pub expect: Vec<Expectation>,
    /// Processing time 0 shown as this clock time (ms since midnight).
    pub clock: crate::stream::types::EventTime,
    pub inputs: Vec<jobs::InputSpec>,
    pub jobs: Vec<jobs::JobSpec>,
    pub compare: Option<jobs::CompareSpec>,
    pub expect_outputs: Vec<jobs::OutputExpectation>,
}

#[derive(Clone, Debug, Serialize)]
pub struct NetworkSpec {
    pub default: LinkConfig,
    /// Per-link overrides by node name (directed).
    pub links: Vec<(String, String, LinkConfig)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: u32,
    pub replication_factor: u32,
    /// Broker ids (1-based) per partition; the first is the preferred leader.
    pub assignment: Vec<Vec<u32>>,
    /// Topic properties, with broker defaults for the ones not set.
    pub config: Props,
}

/// How generated keys are chosen.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "distribution")]
pub enum KeyDist {
    /// Null keys (the sticky partitioner spreads them).
    None,
    Uniform {
        count: u32,
        prefix: String,
    },
    Zipf {
        count: u32,
        exponent: f64,
        prefix: String,
    },
    /// k0, k1, k2, … cycling through `count` keys.
    Sequential {
        count: u32,
        prefix: String,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct Workload {
    /// Records per second.
    pub rate: f64,
    pub count: Option<u64>,
    pub start: Micros,
    pub stop: Micros,
    pub keys: KeyDist,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScriptedRecord {
    pub at: Micros,
    pub key: Option<String>,
    pub value: Option<String>,
    pub event_time: Micros,
    pub partition: Option<u32>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProducerSpec {
    pub name: String,
    pub topic: String,
    pub config: Props,
    /// Effective idempotence after the C6 resolution.
    pub idempotent: bool,
    pub workload: Option<Workload>,
    pub records: Vec<ScriptedRecord>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConsumerSpec {
    pub name: String,
    pub group: Option<String>,
    pub topics: Vec<String>,
    pub config: Props,
    pub start: Micros,
    pub stop: Option<Micros>,
}

/// A condition that triggers a fault (on the cluster view).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionSpec {
    /// `broker` (1-based id) leads the partition; `None` = no leader.
    Leader {
        topic: String,
        partition: u32,
        broker: Option<u32>,
    },
    IsrAtMost {
        topic: String,
        partition: u32,
        size: u32,
    },
    HwAtLeast {
        topic: String,
        partition: u32,
        offset: u64,
    },
    AckedAtLeast {
        count: u64,
    },
}

/// A fault target by name.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetSpec {
    Node(String),
    /// The leader of a partition at the moment the fault fires.
    LeaderOf {
        topic: String,
        partition: u32,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum ActionSpec {
    Crash { target: TargetSpec, mode: CrashKind },
    Restart { target: TargetSpec },
    Pause { target: TargetSpec },
    Resume { target: TargetSpec },
    LoseDisk { target: TargetSpec },
    ClockSkew { target: TargetSpec, skew_us: i64 },
    Partition { sides: Vec<Vec<TargetSpec>> },
    Isolate { target: TargetSpec },
    Cut { from: TargetSpec, to: TargetSpec, symmetric: bool },
    Heal { from: TargetSpec, to: TargetSpec, symmetric: bool },
    HealAll,
    SetLink { from: TargetSpec, to: TargetSpec, symmetric: bool, config: LinkConfig },
    ResetLink { from: TargetSpec, to: TargetSpec, symmetric: bool },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerSpec {
    At(Micros),
    When { cond: ConditionSpec, after: Micros, delay: Micros },
}

#[derive(Clone, Debug, Serialize)]
pub struct FaultSpec {
    pub label: String,
    pub trigger: TriggerSpec,
    pub action: ActionSpec,
    pub duration: Option<Micros>,
}

#[derive(Clone, Debug, Serialize)]
pub struct NemesisSpec {
    pub kinds: Vec<RandomFaultKind>,
    pub targets: Vec<String>,
    pub interval: Micros,
    pub duration: Micros,
    pub start: Micros,
    pub stop: Micros,
    pub max_concurrent: u32,
    pub max_skew: Micros,
}

/// A comparison in an expectation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Cmp {
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

impl Cmp {
    pub fn holds(self, actual: i64, expected: i64) -> bool {
        match self {
            Cmp::Eq => actual == expected,
            Cmp::Ne => actual != expected,
            Cmp::Lt => actual < expected,
            Cmp::Le => actual <= expected,
            Cmp::Gt => actual > expected,
            Cmp::Ge => actual >= expected,
        }
    }
    /// `"> 0"`, `">= 10"`, `"== 3"`, `"= 3"`, `"!= 0"`, or a bare integer
    /// (equality).
    pub fn parse(s: &str) -> Result<(Cmp, i64), String> {
        let t = s.trim();
        let (cmp, rest) = [(">=", Cmp::Ge), ("<=", Cmp::Le), ("==", Cmp::Eq), ("!=", Cmp::Ne), (">", Cmp::Gt), ("<", Cmp::Lt), ("=", Cmp::Eq)]
            .iter()
            .find_map(|(sym, c)| t.strip_prefix(sym).map(|r| (*c, r)))
            .unwrap_or((Cmp::Eq, t));
        rest.trim().parse::<i64>().map(|v| (cmp, v)).map_err(|_| format!("{s:?} is not a comparison; write e.g. \"> 0\", \">= 10\", \"== 3\" or an integer"))
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

/// `metric <cmp> value`, checked after the run.
#[derive(Clone, Debug, Serialize)]
pub struct Expectation {
    pub metric: String,
    pub cmp: Cmp,
    pub value: i64,
    /// Where it was written, for failure messages (`file:line`).
    pub location: String,
}

impl Scenario {
    /// The node names of the world this scenario builds, in id order:
    /// `controller`, the brokers `b1..bN`, producers, consumers.
    pub fn node_names(&self) -> Vec<String> {
        let mut v = node_names(self.brokers, self.producers.iter().map(|p| p.name.clone()), self.consumers.iter().map(|c| c.name.clone()));
        v.extend(self.jobs.iter().map(|j| j.name.clone()));
        v
    }

    /// The seed to use: the command line's, else the scenario's, else
    /// [`DEFAULT_SEED`].
    pub fn effective_seed(&self, cli: Option<u64>) -> u64 {
        cli.or(self.seed).unwrap_or(DEFAULT_SEED)
    }
}

pub(crate) fn node_names(brokers: u32, producers: impl Iterator<Item = String>, consumers: impl Iterator<Item = String>) -> Vec<String> {
    let mut v = vec!["controller".to_string()];
    v.extend((1..=brokers).map(|b| format!("b{b}")));
    v.extend(producers);
    v.extend(consumers);
    v
}

/// Splits `"orders-0"` into `("orders", 0)` (the last `-` separates).
pub fn split_partition_name(s: &str) -> Option<(&str, u32)> {
    let (t, p) = s.rsplit_once('-')?;
    if t.is_empty() {
        return None;
    }
    p.parse().ok().map(|p| (t, p))
}

//! The resolved stream parts of a scenario: scripted inputs, stream jobs,
//! the comparison of jobs, and expected outputs. See the "Stream jobs"
//! section of `docs/scenario-format.md`.

use crate::kafka::config::Props;
use crate::stream::types::{Datum, EventTime, JobShape};
use crate::time::Micros;
use serde::Serialize;

/// A scripted source: exact records with event time and arrival time, and
/// optional scripted watermark moves (a "perfect" or "heuristic" watermark,
/// or the explicit watermarks of an operator test harness).
#[derive(Clone, Debug, Serialize)]
pub struct InputSpec {
    pub name: String,
    pub records: Vec<InputRecord>,
    /// `(arrival, watermark)`, in file order.
    pub watermarks: Vec<(Micros, EventTime)>,
    /// The bounded input ends here (watermark → +∞).
    pub end: Option<Micros>,
}

#[derive(Clone, Debug, Serialize)]
pub struct InputRecord {
    pub at: Micros,
    pub ts: EventTime,
    pub key: String,
    pub value: Datum,
}

/// Where a job reads from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceRef {
    /// Index into `Scenario::inputs` (one channel).
    Input(usize),
    /// Index into `Scenario::topics` (one channel per partition).
    Topic(usize),
}

/// `flatMap` transforms applied at the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlatMap {
    /// One record per whitespace-separated word: key = the word, value 1.
    Split,
}

/// How results leave the job.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum SinkSpec {
    /// Results are published as the engine emits them (or, for a Flink
    /// exactly-once sink, when their transaction commits).
    Print,
    /// A Kafka topic written by the job's own producer.
    Kafka { topic: usize, guarantee: DeliveryGuarantee, transactional_id_prefix: String },
    /// An idempotent upsert into a key-value table keyed by (window, key):
    /// replays overwrite, so duplicates do not show.
    Upsert,
}

/// Flink's `DeliveryGuarantee`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryGuarantee {
    ExactlyOnce,
    AtLeastOnce,
    None,
}

/// The engine a job runs on, with its own configuration table (parsed by
/// the engine).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "snake_case", tag = "engine")]
pub enum EngineSpec {
    Beam { spec: toml::Table },
    Flink { spec: toml::Table },
    Spark { spec: toml::Table },
    DStream { spec: toml::Table },
    KStreams { spec: toml::Table },
}

impl EngineSpec {
    pub fn name(&self) -> &'static str {
        match self {
            EngineSpec::Beam { .. } => "beam",
            EngineSpec::Flink { .. } => "flink",
            EngineSpec::Spark { .. } => "spark",
            EngineSpec::DStream { .. } => "dstream",
            EngineSpec::KStreams { .. } => "kstreams",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct JobSpec {
    pub name: String,
    pub engine: EngineSpec,
    pub shape: JobShape,
    pub sources: Vec<SourceRef>,
    pub flat_map: Option<FlatMap>,
    pub sink: SinkSpec,
    /// Consumer properties of the Kafka source (`isolation.level`).
    pub consumer_config: Props,
    /// Producer properties of a Kafka sink.
    pub producer_config: Props,
    /// The sink producer's effective idempotence.
    pub producer_idempotent: bool,
}

/// Jobs to report side by side.
#[derive(Clone, Debug, Serialize)]
pub struct CompareSpec {
    pub jobs: Vec<usize>,
    pub description: String,
}

/// `[[expect.outputs]]`: the exact lines a job prints, in order.
#[derive(Clone, Debug, Serialize)]
pub struct OutputExpectation {
    pub job: usize,
    pub lines: Vec<String>,
    pub location: String,
}

/// Parses `"HH:MM[:SS[.mmm]]"` into milliseconds since midnight.
pub fn parse_clock(s: &str) -> Result<EventTime, String> {
    let bad = || format!("time {s:?} is not a clock time like \"12:04:59\" or \"12:04:59.250\"");
    let t = s.trim();
    let (hms, frac) = match t.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (t, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad());
    }
    let n: Vec<i64> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
    let (h, m, sec) = (n[0], n[1], n.get(2).copied().unwrap_or(0));
    if h > 23 || m > 59 || sec > 59 {
        return Err(bad());
    }
    let ms = match frac {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 3 && f.bytes().all(|b| b.is_ascii_digit()) => f.parse::<i64>().unwrap_or(0) * 10i64.pow(3 - f.len() as u32),
        Some(_) => return Err(bad()),
    };
    Ok(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks() {
        assert_eq!(parse_clock("12:00:26"), Ok(43_226_000));
        assert_eq!(parse_clock("12:02"), Ok(43_320_000));
        assert_eq!(parse_clock("00:00:01.5"), Ok(1500));
        assert!(parse_clock("12:60:00").is_err());
        assert!(parse_clock("noon").is_err());
        assert!(parse_clock("1:2:3:4").is_err());
    }
}

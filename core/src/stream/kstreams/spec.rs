//! The `[jobs.kstreams]` table: how the windowed aggregation is built in
//! the Kafka Streams DSL (`TimeWindows`/`SessionWindows` grace, the emit
//! strategy, `suppress`) and the few `StreamsConfig` properties that change
//! what the output topic shows (record cache, commit interval).
//!
//! The window itself (size, advance, gap) and the aggregate come from the
//! job's common fields ([`JobShape`]); this table only holds what Kafka
//! Streams adds to them. Validation mirrors the DSL's own
//! `IllegalArgumentException`s and is returned as [`SpecError`]s.

use crate::stream::types::{Aggregate, EventTime, JobShape, SpecError, WindowSpec};
use crate::time::{Duration, Micros};
use serde::{de, Deserialize, Deserializer};
use std::fmt;

/// `Windows.DEPRECATED_DEFAULT_24_HR_GRACE_PERIOD` (K-3).
pub const DEPRECATED_DEFAULT_24_HR_GRACE_PERIOD: EventTime = 24 * 3_600_000;

/// How the window's grace period is chosen (K-3, KIP-633).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Grace {
    /// The deprecated `TimeWindows.of(size)` / `SessionWindows.with(gap)`
    /// (deprecated in 3.0, removed in 4.0): grace = `max(24h − size, 0)`
    /// (sessions: `max(24h − gap, 0)`). KIP-633's motivation: with this
    /// default, final results (`suppress`, `onWindowClose`) only appear a
    /// day later.
    #[default]
    LegacyDefault,
    /// `TimeWindows.ofSizeWithNoGrace(size)` /
    /// `SessionWindows.ofInactivityGapWithNoGrace(gap)`: grace 0.
    NoGrace,
    /// `TimeWindows.ofSizeAndGrace(size, grace)` /
    /// `SessionWindows.ofInactivityGapAndGrace(gap, grace)`.
    Explicit(Duration),
}

impl<'de> Deserialize<'de> for Grace {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Grace;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as \"90ms\", \"none\" (ofSizeWithNoGrace) or \"legacy-default\" (the deprecated of(size))")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Grace, E> {
                match v.trim() {
                    "legacy-default" | "of" => Ok(Grace::LegacyDefault),
                    "none" | "ofSizeWithNoGrace" | "ofInactivityGapWithNoGrace" => Ok(Grace::NoGrace),
                    other => Duration::parse(other).map(Grace::Explicit).map_err(E::custom),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Grace, E> {
                if v == 0 {
                    Ok(Grace::Explicit(Duration::ZERO))
                } else {
                    Err(E::custom(format!("grace {v} needs a unit; write it as a string such as \"{v}ms\"")))
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Grace, E> {
                self.visit_i64(v as i64)
            }
        }
        d.deserialize_any(V)
    }
}

/// `EmitStrategy` (KIP-825, Kafka 3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
pub enum EmitStrategyKind {
    /// `EmitStrategy.onWindowUpdate()`: every update of a window is
    /// forwarded (through the record cache, if enabled).
    #[default]
    #[serde(rename = "onWindowUpdate")]
    OnWindowUpdate,
    /// `EmitStrategy.onWindowClose()`: each window is emitted once, when
    /// `windowEnd ≤ streamTime − grace` (K-4).
    #[serde(rename = "onWindowClose")]
    OnWindowClose,
}

/// `KTable.suppress(...)` after the aggregation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum SuppressKind {
    /// `Suppressed.untilWindowCloses(unbounded())`: buffer the updates and
    /// emit the last one per window once the window closes (K-4).
    #[serde(rename = "untilWindowCloses")]
    UntilWindowCloses,
}

fn default_cache_max_bytes() -> u64 {
    10 * 1024 * 1024
}
fn default_commit_interval() -> Duration {
    Duration::from_secs(30)
}
fn default_emit_interval() -> Duration {
    Duration::from_secs(1)
}

/// Kafka Streams configuration of one job (`[jobs.kstreams]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KStreamsSpec {
    /// The window's grace period (K-2, K-3): a duration (`"90ms"` =
    /// `TimeWindows.ofSizeAndGrace(size, 90ms)`), `"none"` (=
    /// `ofSizeWithNoGrace`), or `"legacy-default"` (= the deprecated
    /// `TimeWindows.of(size)`: `max(24h − size, 0)`). Default:
    /// `"legacy-default"`, what a job written before KIP-633 gets.
    #[serde(default)]
    pub grace: Grace,
    /// `"onWindowUpdate"` (default: every update is forwarded) or
    /// `"onWindowClose"` (one final result per window, K-4).
    #[serde(default, rename = "emitStrategy")]
    pub emit_strategy: EmitStrategyKind,
    /// `"untilWindowCloses"`: `.suppress(Suppressed.untilWindowCloses(unbounded()))`
    /// after an `onWindowUpdate` aggregation. Absent by default.
    #[serde(default)]
    pub suppress: Option<SuppressKind>,
    /// `statestore.cache.max.bytes` (formerly `cache.max.bytes.buffering`),
    /// default 10485760. With a cache, `onWindowUpdate` updates are held
    /// and only the latest per window and key is forwarded at the next
    /// commit; `0` disables it (every update is forwarded, as
    /// `Materialized.withCachingDisabled()` or the `TopologyTestDriver`).
    /// Simplification: any non-zero size is an unbounded cache (no eviction
    /// by size).
    #[serde(default = "default_cache_max_bytes", rename = "statestore.cache.max.bytes")]
    pub cache_max_bytes: u64,
    /// `commit.interval.ms` (default 30 s with at-least-once): the record
    /// cache is flushed downstream at every commit. Commits happen at
    /// multiples of the interval from the start of the run, and when the
    /// input ends (close). `"0"`: after every record.
    #[serde(default = "default_commit_interval", rename = "commit.interval.ms")]
    pub commit_interval: Duration,
    /// The internal `StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_WINDOWED_AGGREGATION`
    /// (default 1000 ms): `onWindowClose` looks for closed windows at most
    /// once per interval of processing time. The `TopologyTestDriver` sets
    /// it to 0.
    #[serde(default = "default_emit_interval", rename = "__emit.interval.ms.kstreams.windowed.aggregation__")]
    pub emit_interval: Duration,
}

impl Default for KStreamsSpec {
    fn default() -> Self {
        KStreamsSpec {
            grace: Grace::default(),
            emit_strategy: EmitStrategyKind::default(),
            suppress: None,
            cache_max_bytes: default_cache_max_bytes(),
            commit_interval: default_commit_interval(),
            emit_interval: default_emit_interval(),
        }
    }
}

/// The windowing of a Kafka Streams aggregation, in event-time ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WinKind {
    /// `TimeWindows` (tumbling when `advance == size`, hopping otherwise).
    Time { size: EventTime, advance: EventTime },
    /// `SessionWindows` with an inactivity gap.
    Session { gap: EventTime },
    /// No window: `groupByKey().aggregate(...)` into a KTable.
    Table,
}

/// How results leave the aggregation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `onWindowUpdate`, no suppression: every (cached) update.
    Eager,
    /// `EmitStrategy.onWindowClose()`.
    OnWindowClose,
    /// `onWindowUpdate` + `suppress(untilWindowCloses)`.
    Suppress,
}

/// The resolved configuration an engine runs with.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub kind: WinKind,
    /// Grace in ms, resolved with the K-3 defaults.
    pub grace: EventTime,
    pub mode: Mode,
    pub aggregate: Aggregate,
    /// Record cache enabled (`statestore.cache.max.bytes > 0`).
    pub cache: bool,
    /// µs; 0 = commit after every record.
    pub commit_interval: Micros,
    /// ms.
    pub emit_interval: EventTime,
}

fn ms(d: Duration) -> EventTime {
    (d.0 / 1000).min(i64::MAX as u64) as EventTime
}

/// Resolves the job's window and this table into a [`Config`], rejecting
/// what the Kafka Streams DSL rejects.
pub fn resolve(shape: &JobShape, spec: &KStreamsSpec) -> Result<Config, SpecError> {
    let kind = match shape.window {
        WindowSpec::Global => WinKind::Table,
        WindowSpec::Tumbling { size, offset } => {
            check_offset(offset)?;
            check_positive("window.size", size, "Window size (sizeMs) must be larger than zero.")?;
            WinKind::Time { size, advance: size }
        }
        WindowSpec::Sliding { size, slide, offset } => {
            check_offset(offset)?;
            check_positive("window.size", size, "Window size (sizeMs) must be larger than zero.")?;
            if slide <= 0 || slide > size {
                return Err(SpecError::new(
                    "window.slide",
                    format!("Window advancement interval should be more than zero and less than window duration which is {size} ms, but given advancement interval is: {slide} ms (TimeWindows.advanceBy)"),
                ));
            }
            WinKind::Time { size, advance: slide }
        }
        WindowSpec::Session { gap } => {
            check_positive("window.gap", gap, "Gap time cannot be zero or negative. (SessionWindows)")?;
            WinKind::Session { gap }
        }
    };
    let windowed = kind != WinKind::Table;
    let grace = match (spec.grace, kind) {
        (Grace::Explicit(d), WinKind::Table) if d != Duration::ZERO => {
            return Err(SpecError::new("grace", "grace applies to windowed aggregations; this job has no window"));
        }
        (_, WinKind::Table) | (Grace::NoGrace, _) => 0,
        (Grace::Explicit(d), _) => ms(d),
        (Grace::LegacyDefault, WinKind::Time { size, .. }) => (DEPRECATED_DEFAULT_24_HR_GRACE_PERIOD - size).max(0),
        (Grace::LegacyDefault, WinKind::Session { gap }) => (DEPRECATED_DEFAULT_24_HR_GRACE_PERIOD - gap).max(0),
    };
    let mode = match (spec.emit_strategy, spec.suppress) {
        (EmitStrategyKind::OnWindowUpdate, None) => Mode::Eager,
        (EmitStrategyKind::OnWindowUpdate, Some(SuppressKind::UntilWindowCloses)) => Mode::Suppress,
        (EmitStrategyKind::OnWindowClose, None) => Mode::OnWindowClose,
        (EmitStrategyKind::OnWindowClose, Some(_)) => {
            return Err(SpecError::new(
                "suppress",
                "choose one of emitStrategy = \"onWindowClose\" and suppress = \"untilWindowCloses\" (both give final results)",
            ));
        }
    };
    if !windowed && mode == Mode::OnWindowClose {
        return Err(SpecError::new("emitStrategy", "ON_WINDOW_CLOSE strategy is only supported for windowed aggregations"));
    }
    if !windowed && mode == Mode::Suppress {
        return Err(SpecError::new("suppress", "untilWindowCloses needs a windowed aggregation"));
    }
    Ok(Config {
        kind,
        grace,
        mode,
        aggregate: shape.aggregate.clone(),
        cache: spec.cache_max_bytes > 0,
        commit_interval: spec.commit_interval.0,
        emit_interval: ms(spec.emit_interval),
    })
}

fn check_offset(offset: EventTime) -> Result<(), SpecError> {
    if offset != 0 {
        return Err(SpecError::new(
            "window.offset",
            "Kafka Streams time windows are aligned to the epoch (K-1); a window offset cannot be expressed with TimeWindows",
        ));
    }
    Ok(())
}

fn check_positive(field: &str, v: EventTime, msg: &str) -> Result<(), SpecError> {
    if v <= 0 {
        return Err(SpecError::new(field, msg));
    }
    Ok(())
}

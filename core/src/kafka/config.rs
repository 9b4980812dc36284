//! Kafka configuration: the real property names, types and defaults, per
//! Kafka version.
//!
//! Scenario files set configuration with the real names (`acks`,
//! `min.insync.replicas`, `replica.lag.time.max.ms` …). Each property is
//! declared once here with its scope, type and default (reference §3), so
//! that unknown names are rejected with a suggestion, values are type-checked,
//! and the report can show the fully resolved configuration. Properties
//! whose default changed across releases take the default of the selected
//! `kafka.version`.

use crate::time::Duration;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// A Kafka release, `major.minor`. Selects version-dependent defaults and
/// semantics (strict min ISR from 3.7, ELR from 4.1 …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KafkaVersion {
    pub major: u16,
    pub minor: u16,
}

impl KafkaVersion {
    pub const DEFAULT: KafkaVersion = KafkaVersion { major: 4, minor: 0 };
    pub const OLDEST: KafkaVersion = KafkaVersion { major: 0, minor: 8 };
    pub const NEWEST: KafkaVersion = KafkaVersion { major: 4, minor: 1 };

    pub fn parse(s: &str) -> Result<Self, String> {
        let mut parts = s.trim().split('.');
        let major = parts.next().and_then(|p| p.parse::<u16>().ok());
        let minor = parts.next().and_then(|p| p.parse::<u16>().ok());
        let patch_ok = parts.next().is_none_or(|p| p.parse::<u16>().is_ok());
        match (major, minor, patch_ok, parts.next()) {
            (Some(major), Some(minor), true, None) => {
                let v = KafkaVersion { major, minor };
                if v < Self::OLDEST || v > Self::NEWEST {
                    Err(format!("kafka version {s:?} is outside the modelled range {}..={}", Self::OLDEST, Self::NEWEST))
                } else {
                    Ok(v)
                }
            }
            _ => Err(format!("kafka version {s:?} is not of the form \"3.7\" or \"3.7.1\"")),
        }
    }
    pub fn at_least(self, major: u16, minor: u16) -> bool {
        self >= KafkaVersion { major, minor }
    }
}

impl fmt::Display for KafkaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl Serialize for KafkaVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// Where a property is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `server.properties`; broker-wide (`[cluster.config]`).
    Broker,
    /// Per topic (`[[topics]] config`); falls back to the broker default.
    Topic,
    Producer,
    Consumer,
}

/// A property's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Bool,
    /// A non-negative integer (counts, bytes). `i64::MAX` means unlimited.
    Int,
    /// A time in milliseconds, as Kafka has it; scenario files may also
    /// write a duration string (`"30s"`).
    Ms,
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
    /// A list of strings.
    List,
}

/// A property value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Time(Duration),
    Str(String),
    List(Vec<String>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Time(d) => write!(f, "{d}"),
            Value::Str(s) => write!(f, "{s}"),
            Value::List(l) => write!(f, "{}", l.join(",")),
        }
    }
}

/// A declared property.
pub struct Prop {
    pub name: &'static str,
    pub scope: Scope,
    pub kind: Kind,
    /// The default for a version.
    pub default: fn(KafkaVersion) -> Value,
    /// One sentence: what it does.
    pub doc: &'static str,
}

const ACKS: &[&str] = &["all", "-1", "0", "1"];
const RESET: &[&str] = &["latest", "earliest", "none"];
const ISOLATION: &[&str] = &["read_uncommitted", "read_committed"];
const CLEANUP: &[&str] = &["delete"];
const COMMIT_MODE: &[&str] = &["auto", "before-processing", "after-processing", "none"];

const fn ms(v: u64) -> Value {
    Value::Time(Duration(v * 1000))
}
const MAX: i64 = i64::MAX;

macro_rules! prop {
    ($name:expr, $scope:ident, $kind:expr, $default:expr, $doc:expr) => {
        Prop { name: $name, scope: Scope::$scope, kind: $kind, default: $default, doc: $doc }
    };
}

/// Every property the simulator models.
pub static PROPS: &[Prop] = &[
    // ---- broker -----------------------------------------------------------
    prop!("broker.heartbeat.interval.ms", Broker, Kind::Ms, |_| ms(2000), "How often a broker heartbeats to the KRaft controller."),
    prop!("broker.session.timeout.ms", Broker, Kind::Ms, |_| ms(9000), "A broker that has not heartbeated for this long is fenced and removed from every ISR."),
    prop!(
        "replica.lag.time.max.ms",
        Broker,
        Kind::Ms,
        |v| if v.at_least(2, 5) { ms(30_000) } else { ms(10_000) },
        "A follower not caught up to the leader's LEO for this long leaves the ISR (30 s since 2.5, 10 s before)."
    ),
    prop!("replica.fetch.wait.max.ms", Broker, Kind::Ms, |_| ms(500), "How long a follower's fetch waits at the leader when there is no new data."),
    prop!("replica.fetch.backoff.ms", Broker, Kind::Ms, |_| ms(1000), "How long a follower waits before retrying after a fetch error."),
    prop!(
        "replica.high.watermark.checkpoint.interval.ms",
        Broker,
        Kind::Ms,
        |_| ms(5000),
        "How often the high watermark is checkpointed to disk; after a restart a replica starts from the stale checkpoint."
    ),
    prop!(
        "auto.leader.rebalance.enable",
        Broker,
        Kind::Bool,
        |_| Value::Bool(true),
        "Move leadership back to the preferred (first assigned) replica periodically."
    ),
    prop!("leader.imbalance.check.interval.seconds", Broker, Kind::Int, |_| Value::Int(300), "Seconds between preferred-leader rebalance checks."),
    prop!("leader.imbalance.per.broker.percentage", Broker, Kind::Int, |_| Value::Int(10), "Imbalance above which a preferred-leader election is triggered."),
    prop!(
        "unclean.leader.election.interval.ms",
        Broker,
        Kind::Ms,
        |_| ms(300_000),
        "How often KRaft applies unclean leader election to leaderless partitions when enabled."
    ),
    prop!(
        "eligible.leader.replicas.enable",
        Broker,
        Kind::Bool,
        |v| Value::Bool(v.at_least(4, 1)),
        "KIP-966 eligible leader replicas (on by default for new clusters from 4.1)."
    ),
    prop!("log.retention.check.interval.ms", Broker, Kind::Ms, |_| ms(300_000), "How often the retention checker runs."),
    prop!(
        "log.flush.interval.messages",
        Broker,
        Kind::Int,
        |_| Value::Int(MAX),
        "fsync after this many appended records (default: never; durability comes from replication)."
    ),
    prop!(
        "log.flush.interval.ms",
        Broker,
        Kind::Ms,
        |_| Value::Int(MAX),
        "fsync every log at least this often (simplified: a periodic flush of all logs; default: never)."
    ),
    prop!("group.initial.rebalance.delay.ms", Broker, Kind::Ms, |_| ms(3000), "Delay of the first rebalance of an empty group, so that more members can join."),
    prop!("group.min.session.timeout.ms", Broker, Kind::Ms, |_| ms(6000), "Smallest session.timeout.ms a consumer may use."),
    prop!("group.max.session.timeout.ms", Broker, Kind::Ms, |_| ms(1_800_000), "Largest session.timeout.ms a consumer may use."),
    prop!("producer.id.expiration.ms", Broker, Kind::Ms, |_| ms(86_400_000), "How long a broker keeps an idle producer's idempotence state."),
    prop!("num.partitions", Broker, Kind::Int, |_| Value::Int(1), "Partitions of an auto-created topic."),
    prop!("default.replication.factor", Broker, Kind::Int, |_| Value::Int(1), "Replication factor of an auto-created topic."),
    // ---- topic (with broker-level defaults of the same name) -------------
    prop!(
        "min.insync.replicas",
        Topic,
        Kind::Int,
        |_| Value::Int(1),
        "acks=all writes need at least this many replicas in the ISR (effective value min(this, RF))."
    ),
    prop!(
        "unclean.leader.election.enable",
        Topic,
        Kind::Bool,
        |v| Value::Bool(!v.at_least(0, 11)),
        "Allow an out-of-sync replica to become leader when no ISR member is available (true before 0.11)."
    ),
    prop!("retention.ms", Topic, Kind::Ms, |_| ms(604_800_000), "Delete whole segments whose newest record is older than this (7 days)."),
    prop!("retention.bytes", Topic, Kind::Int, |_| Value::Int(-1), "Delete oldest segments while the log is larger than this (-1: unlimited)."),
    prop!("segment.bytes", Topic, Kind::Int, |_| Value::Int(1_073_741_824), "Roll a new segment when the active one reaches this size."),
    prop!("segment.ms", Topic, Kind::Ms, |_| ms(604_800_000), "Roll a new segment when the active one is this old."),
    prop!("cleanup.policy", Topic, Kind::Enum(CLEANUP), |_| Value::Str("delete".into()), "Only delete is modelled (compaction is not)."),
    prop!(
        "message.timestamp.type",
        Topic,
        Kind::Enum(&["CreateTime", "LogAppendTime"]),
        |_| Value::Str("CreateTime".into()),
        "Which timestamp a record carries."
    ),
    // ---- producer ---------------------------------------------------------
    prop!(
        "acks",
        Producer,
        Kind::Enum(ACKS),
        |v| Value::Str(if v.at_least(3, 0) { "all" } else { "1" }.into()),
        "How many replicas must have a write before it is acknowledged: 0, 1 or all (the ISR); all since 3.0."
    ),
    prop!(
        "enable.idempotence",
        Producer,
        Kind::Bool,
        |v| Value::Bool(v.at_least(3, 2)),
        "Producer id + sequence numbers let the broker drop retried duplicates (default true since 3.0; effective from 3.0.1/3.1.1/3.2)."
    ),
    prop!("retries", Producer, Kind::Int, |_| Value::Int(i64::from(i32::MAX)), "How many times a failed batch is retried (bounded by delivery.timeout.ms)."),
    prop!(
        "max.in.flight.requests.per.connection",
        Producer,
        Kind::Int,
        |_| Value::Int(5),
        "Unacknowledged requests per broker; must be at most 5 for idempotence."
    ),
    prop!("delivery.timeout.ms", Producer, Kind::Ms, |_| ms(120_000), "Upper bound on the time to report success or failure after send()."),
    prop!("request.timeout.ms", Producer, Kind::Ms, |_| ms(30_000), "How long to wait for a produce response before retrying."),
    prop!("retry.backoff.ms", Producer, Kind::Ms, |_| ms(100), "Wait before retrying a failed request."),
    prop!("retry.backoff.max.ms", Producer, Kind::Ms, |_| ms(1000), "Cap of the exponential retry backoff."),
    prop!("batch.size", Producer, Kind::Int, |_| Value::Int(16_384), "Bytes per partition batch before it is sent."),
    prop!(
        "linger.ms",
        Producer,
        Kind::Ms,
        |v| if v.at_least(4, 0) { ms(5) } else { ms(0) },
        "How long to wait for more records before sending a batch (5 ms since 4.0, 0 before)."
    ),
    prop!("partitioner.ignore.keys", Producer, Kind::Bool, |_| Value::Bool(false), "Ignore keys and use the sticky partitioner for every record."),
    prop!("transactional.id", Producer, Kind::List, |_| Value::List(vec![]), "Enables transactions with this id (implies enable.idempotence)."),
    prop!(
        "streamlab.resend.on.failure",
        Producer,
        Kind::Bool,
        |_| Value::Bool(false),
        "Simulator: the application sends a record again (as a new send) when its send failed or timed out."
    ),
    prop!("streamlab.transaction.records", Producer, Kind::Int, |_| Value::Int(10), "Simulator: a transactional producer commits after this many sends."),
    prop!(
        "streamlab.transaction.abort.every",
        Producer,
        Kind::Int,
        |_| Value::Int(0),
        "Simulator: the application aborts every Nth transaction instead of committing it (0: never)."
    ),
    prop!("transaction.timeout.ms", Producer, Kind::Ms, |_| ms(60_000), "The coordinator aborts a transaction open longer than this."),
    prop!("metadata.max.age.ms", Producer, Kind::Ms, |_| ms(300_000), "Refresh metadata at least this often."),
    // ---- consumer ---------------------------------------------------------
    prop!(
        "enable.auto.commit",
        Consumer,
        Kind::Bool,
        |_| Value::Bool(true),
        "Commit the position of the previous poll every auto.commit.interval.ms, in poll()."
    ),
    prop!("auto.commit.interval.ms", Consumer, Kind::Ms, |_| ms(5000), "Interval between automatic offset commits."),
    prop!(
        "auto.offset.reset",
        Consumer,
        Kind::Enum(RESET),
        |_| Value::Str("latest".into()),
        "Where to start with no valid committed offset: latest, earliest or none (error)."
    ),
    prop!(
        "session.timeout.ms",
        Consumer,
        Kind::Ms,
        |v| if v.at_least(3, 0) { ms(45_000) } else { ms(10_000) },
        "A member that sends no heartbeat for this long is removed from the group (45 s since 3.0)."
    ),
    prop!("heartbeat.interval.ms", Consumer, Kind::Ms, |_| ms(3000), "How often the consumer heartbeats to the group coordinator."),
    prop!("max.poll.interval.ms", Consumer, Kind::Ms, |_| ms(300_000), "A consumer that does not call poll() for this long leaves the group."),
    prop!("max.poll.records", Consumer, Kind::Int, |_| Value::Int(500), "Most records returned by one poll()."),
    prop!(
        "isolation.level",
        Consumer,
        Kind::Enum(ISOLATION),
        |_| Value::Str("read_uncommitted".into()),
        "read_uncommitted reads up to the high watermark; read_committed up to the last stable offset."
    ),
    prop!(
        "partition.assignment.strategy",
        Consumer,
        Kind::List,
        |v| Value::List(if v.at_least(3, 0) { vec!["range".into(), "cooperative-sticky".into()] } else { vec!["range".into()] }),
        "Assignors in order of preference: range, roundrobin, cooperative-sticky."
    ),
    prop!("fetch.max.wait.ms", Consumer, Kind::Ms, |_| ms(500), "How long a fetch waits at the broker when there is no data."),
    prop!(
        "streamlab.commit.mode",
        Consumer,
        Kind::Enum(COMMIT_MODE),
        |_| Value::Str("auto".into()),
        "Simulator: when the application commits — auto (enable.auto.commit), before-processing (at-most-once), after-processing (at-least-once) or none."
    ),
    prop!("streamlab.processing.time.ms", Consumer, Kind::Ms, |_| ms(1), "Simulator: time the application spends processing each record."),
];

/// Looks a property up by name.
pub fn prop(name: &str) -> Option<&'static Prop> {
    PROPS.iter().find(|p| p.name == name)
}

/// The closest known property names in a scope, for "did you mean".
pub fn suggest(name: &str, scopes: &[Scope]) -> Option<&'static str> {
    PROPS
        .iter()
        .filter(|p| scopes.contains(&p.scope))
        .map(|p| (edit_distance(name, p.name), p.name))
        .filter(|(d, n)| *d <= (n.len() / 3).max(2))
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A raw value from a scenario file, before type checking.
#[derive(Clone, Debug, PartialEq)]
pub enum Raw {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Raw>),
}

/// Properties where Kafka reads -1 as "unlimited".
const MINUS_ONE_MEANS_UNLIMITED: &[&str] = &["retention.ms", "retention.bytes"];

/// Checks a raw value against a property's type. The error says what was
/// expected.
pub fn coerce(p: &Prop, raw: &Raw) -> Result<Value, String> {
    match (p.kind, raw) {
        (Kind::Bool, Raw::Bool(b)) => Ok(Value::Bool(*b)),
        (Kind::Bool, Raw::Str(s)) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
        (Kind::Bool, _) => Err(format!("`{}` expects true or false", p.name)),
        (Kind::Int, Raw::Int(-1)) if MINUS_ONE_MEANS_UNLIMITED.contains(&p.name) => Ok(Value::Int(-1)),
        (Kind::Int, Raw::Int(i)) if *i >= 0 => Ok(Value::Int(*i)),
        (Kind::Int, Raw::Int(i)) => Err(format!("`{}` must not be negative, got {i}", p.name)),
        (Kind::Int, _) => Err(format!("`{}` expects an integer", p.name)),
        (Kind::Ms, Raw::Int(-1)) if MINUS_ONE_MEANS_UNLIMITED.contains(&p.name) => Ok(Value::Int(MAX)),
        (Kind::Ms, Raw::Int(i)) if *i >= 0 => Ok(Value::Time(Duration((*i as u64).saturating_mul(1000).min(i64::MAX as u64)))),
        (Kind::Ms, Raw::Int(i)) => Err(format!("`{}` must not be negative, got {i}", p.name)),
        (Kind::Ms, Raw::Str(s)) => Duration::parse(s).map(Value::Time).map_err(|e| format!("`{}`: {e}", p.name)),
        (Kind::Ms, _) => Err(format!("`{}` expects milliseconds (an integer) or a duration string such as \"30s\"", p.name)),
        (Kind::Enum(allowed), Raw::Str(s)) if allowed.contains(&s.as_str()) => Ok(Value::Str(s.clone())),
        (Kind::Enum(allowed), Raw::Int(i)) if allowed.contains(&i.to_string().as_str()) => Ok(Value::Str(i.to_string())),
        (Kind::Enum(allowed), _) => Err(format!("`{}` expects one of {}", p.name, allowed.join(", "))),
        (Kind::List, Raw::Str(s)) => Ok(Value::List(s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())),
        (Kind::List, Raw::List(items)) => items
            .iter()
            .map(|i| match i {
                Raw::Str(s) => Ok(s.clone()),
                _ => Err(format!("`{}` expects a list of strings", p.name)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::List),
        (Kind::List, _) => Err(format!("`{}` expects a list of strings", p.name)),
    }
}

/// A resolved set of properties: every property of the given scopes, with
/// the value set in the scenario or the version's default.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Props {
    values: BTreeMap<&'static str, Value>,
}

impl Props {
    /// Defaults for `scopes` under `version`.
    pub fn defaults(version: KafkaVersion, scopes: &[Scope]) -> Self {
        let values = PROPS.iter().filter(|p| scopes.contains(&p.scope)).map(|p| (p.name, (p.default)(version))).collect();
        Props { values }
    }
    pub fn set(&mut self, name: &'static str, v: Value) {
        self.values.insert(name, v);
    }
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&&'static str, &Value)> {
        self.values.iter()
    }
    pub fn bool(&self, name: &str) -> bool {
        matches!(self.values.get(name), Some(Value::Bool(true)))
    }
    pub fn int(&self, name: &str) -> i64 {
        match self.values.get(name) {
            Some(Value::Int(i)) => *i,
            _ => 0,
        }
    }
    /// A time property in microseconds (`i64::MAX` ms means "never").
    pub fn micros(&self, name: &str) -> u64 {
        match self.values.get(name) {
            Some(Value::Time(d)) => d.0,
            Some(Value::Int(i)) if *i == i64::MAX => u64::MAX,
            _ => 0,
        }
    }
    pub fn str(&self, name: &str) -> &str {
        match self.values.get(name) {
            Some(Value::Str(s)) => s,
            _ => "",
        }
    }
    pub fn list(&self, name: &str) -> &[String] {
        match self.values.get(name) {
            Some(Value::List(l)) => l,
            _ => &[],
        }
    }
}

/// The producer's effective idempotence, resolved as `KafkaProducer` does
/// (reference C6): explicitly enabled + a conflicting setting is a config
/// error; enabled by default + a conflict silently turns it off.
pub fn resolve_idempotence(props: &Props, explicitly_set: bool) -> Result<bool, String> {
    let acks = props.str("acks");
    let conflicts: Vec<String> = [
        (acks != "all" && acks != "-1").then(|| format!("acks={acks}")),
        (props.int("retries") == 0).then(|| "retries=0".to_string()),
        (props.int("max.in.flight.requests.per.connection") > 5)
            .then(|| format!("max.in.flight.requests.per.connection={}", props.int("max.in.flight.requests.per.connection"))),
    ]
    .into_iter()
    .flatten()
    .collect();
    let wanted = props.bool("enable.idempotence");
    if !wanted {
        return Ok(false);
    }
    if conflicts.is_empty() {
        Ok(true)
    } else if explicitly_set {
        Err(format!("enable.idempotence=true conflicts with {} (Kafka throws ConfigException)", conflicts.join(", ")))
    } else {
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_defaults_follow_the_reference() {
        let v40 = Props::defaults(KafkaVersion::parse("4.0").unwrap(), &[Scope::Producer, Scope::Consumer, Scope::Topic, Scope::Broker]);
        assert_eq!(v40.str("acks"), "all");
        assert_eq!(v40.micros("linger.ms"), 5_000);
        assert!(!v40.bool("eligible.leader.replicas.enable"));
        assert!(!v40.bool("unclean.leader.election.enable"));
        assert_eq!(v40.micros("replica.lag.time.max.ms"), 30_000_000);
        assert_eq!(v40.micros("session.timeout.ms"), 45_000_000);
        let v28 = Props::defaults(KafkaVersion::parse("2.8").unwrap(), &[Scope::Producer, Scope::Consumer]);
        assert_eq!(v28.str("acks"), "1");
        assert!(!v28.bool("enable.idempotence"));
        assert_eq!(v28.micros("linger.ms"), 0);
        assert_eq!(v28.micros("session.timeout.ms"), 10_000_000);
        let v41 = Props::defaults(KafkaVersion::parse("4.1").unwrap(), &[Scope::Broker]);
        assert!(v41.bool("eligible.leader.replicas.enable"));
        let v010 = Props::defaults(KafkaVersion::parse("0.10").unwrap(), &[Scope::Topic]);
        assert!(v010.bool("unclean.leader.election.enable"));
    }

    #[test]
    fn c6_idempotence_resolution() {
        let v = KafkaVersion::DEFAULT;
        let mut p = Props::defaults(v, &[Scope::Producer]);
        assert_eq!(resolve_idempotence(&p, false), Ok(true));
        p.set("acks", Value::Str("1".into()));
        assert_eq!(resolve_idempotence(&p, false), Ok(false), "acks=1 with idempotence unset: silently off");
        assert!(resolve_idempotence(&p, true).unwrap_err().contains("acks=1"), "explicit + conflict: config error");
    }

    #[test]
    fn coercion_and_suggestions() {
        let p = prop("replica.lag.time.max.ms").unwrap();
        assert_eq!(coerce(p, &Raw::Int(10_000)), Ok(Value::Time(Duration::from_secs(10))));
        assert_eq!(coerce(p, &Raw::Str("10s".into())), Ok(Value::Time(Duration::from_secs(10))));
        assert!(coerce(p, &Raw::Bool(true)).is_err());
        assert_eq!(coerce(prop("acks").unwrap(), &Raw::Int(1)), Ok(Value::Str("1".into())));
        assert!(coerce(prop("acks").unwrap(), &Raw::Str("some".into())).unwrap_err().contains("one of"));
        assert_eq!(suggest("min.insync.replica", &[Scope::Topic, Scope::Broker]), Some("min.insync.replicas"));
        assert_eq!(suggest("lingerms", &[Scope::Producer]), Some("linger.ms"));
        assert_eq!(KafkaVersion::parse("3.7.1").unwrap().to_string(), "3.7");
        assert!(KafkaVersion::parse("9.9").is_err());
        assert!(KafkaVersion::parse("three").is_err());
    }
}

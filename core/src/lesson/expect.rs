//! The expectation vocabulary of lessons: what a check looks at (a
//! [`Subject`]), what it wants (a [`Want`]), how both are read from the
//! lesson file, and how a subject is measured on a running world.
//!
//! Everything is measured from the public outputs — the JSON report
//! ([`crate::report::report_json`], which also carries every checker
//! metric) and the trace — never from node internals, so a lesson checks
//! exactly what a student can see in `streamlab run --json`. The report is
//! computed for the run *so far*: an expectation after `run = "10s"` sees
//! the cluster at 10 s, as if the run had ended there.

use super::resolve::Cx;
use super::stream::{self, JobAttr, OutputFilter, OutputMeasure};
use crate::check::metrics;
use crate::kernel::{KernelEvent, TraceEvent, TraceRecord};
use crate::model::Event;
use crate::report::{report_json, Outcome};
use crate::scenario::{split_partition_name, Cmp, FieldPath, Scenario, ScenarioError};
use crate::world::World;
use serde_json::Value;
use std::cell::OnceCell;
use std::fmt;

type R<T> = Result<T, ScenarioError>;

/// Trace event kinds (`k` in the JSONL trace, see `docs/report-format.md`)
/// that `event` conditions and counts may name. Listed by hand because an
/// enum's variant names cannot be enumerated; a kind added to the model
/// must be added here before lessons can use it.
pub const EVENT_KINDS: &[&str] = &[
    // kernel
    "msg_send",
    "msg_deliver",
    "msg_duplicate",
    "msg_drop",
    "connection_refused",
    "start",
    "crash",
    "restart",
    "pause",
    "resume",
    "disk_lost",
    "clock_skew",
    "link_cut",
    "link_healed",
    "link_changed",
    "fault_fired",
    "fault_skipped",
    "nemesis_healed",
    // Kafka
    "broker_registered",
    "broker_fenced",
    "broker_unfenced",
    "partition_changed",
    "alter_partition_rejected",
    "became_leader",
    "became_follower",
    "appended",
    "replicated",
    "hw_changed",
    "truncated",
    "produce_rejected",
    "duplicate_batch",
    "isr_change_requested",
    "recovered",
    "retention_deleted",
    "send",
    "send_ok",
    "send_fail",
    "send_info",
    "batch_sent",
    "assigned",
    "polled",
    "processed",
    "position_reset",
    "committed",
    "commit_rejected",
    "group_rebalanced",
    "member_left",
    "consumer_error",
    "consumer_group",
    "txn_begun",
    "txn_ended",
    "producer_fenced",
    "txn_marker",
    "txn_state",
];

/// Which trace records an event condition or count matches.
#[derive(Clone, Debug, PartialEq)]
pub struct EventFilter {
    pub kind: String,
    /// `orders-0`: the record's `tp`.
    pub partition: Option<String>,
    /// The node the record was recorded at (`b1`, `p1`, `world`).
    pub node: Option<String>,
    /// The record's `error` field (`NOT_ENOUGH_REPLICAS`).
    pub error: Option<String>,
    /// The record's `reason` field (`unclean-election`).
    pub reason: Option<String>,
}

impl EventFilter {
    /// Whether `rec` matches, in `world` (for names).
    pub fn matches(&self, world: &World, rec: &TraceRecord<Event>) -> bool {
        // Most records are kernel message events: name them without
        // serializing (the JSON encoding is the reference for the rest).
        if let TraceEvent::Kernel(k) = &rec.ev {
            let kind = match k {
                KernelEvent::Send { .. } => Some("msg_send"),
                KernelEvent::Deliver { .. } => Some("msg_deliver"),
                KernelEvent::Duplicate { .. } => Some("msg_duplicate"),
                KernelEvent::Drop { .. } => Some("msg_drop"),
                _ => None,
            };
            if kind.is_some_and(|k| k != self.kind) {
                return false;
            }
        }
        let v = match serde_json::to_value(&rec.ev) {
            Ok(v) => v,
            Err(_) => return false,
        };
        if v.get("k").and_then(Value::as_str) != Some(self.kind.as_str()) {
            return false;
        }
        if let Some(p) = &self.partition {
            let Some((ti, n)) = tp_of(&world.scenario, p) else { return false };
            if v.get("tp") != Some(&serde_json::json!([ti, n])) {
                return false;
            }
        }
        if let Some(n) = &self.node {
            if world.sim.node_name(rec.node) != n {
                return false;
            }
        }
        for (field, want) in [("error", &self.error), ("reason", &self.reason)] {
            if let Some(w) = want {
                if v.get(field).and_then(Value::as_str) != Some(w.as_str()) {
                    return false;
                }
            }
        }
        true
    }

    fn describe(&self) -> String {
        let mut s = format!("{:?} events", self.kind);
        if let Some(p) = &self.partition {
            s += &format!(" of {p}");
        }
        if let Some(n) = &self.node {
            s += &format!(" at {n}");
        }
        if let Some(e) = &self.error {
            s += &format!(" with error {e}");
        }
        if let Some(r) = &self.reason {
            s += &format!(" with reason {r:?}");
        }
        s
    }
}

/// Topic index and partition number of `orders-0` in a scenario.
pub(crate) fn tp_of(sc: &Scenario, name: &str) -> Option<(u16, u32)> {
    let (t, p) = split_partition_name(name)?;
    let ti = sc.topics.iter().position(|x| x.name == t)?;
    (p < sc.topics[ti].partitions).then_some((ti as u16, p))
}

/// A partition attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartAttr {
    Leader,
    LeaderEpoch,
    Isr,
    IsrSize,
    Elr,
    Hw,
    Leo,
    LogStart,
    Role,
    Status,
}

/// A producer attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProducerAttr {
    /// `sent`, `acked`, `failed`, `indefinite`, `pending`.
    Count(&'static str),
    /// Sends whose outcome carries this error.
    Error(String),
    /// The partition(s) the sends with this key went to.
    KeyPartition(String),
}

/// A consumer attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsumerAttr {
    Polled,
    Lag,
    Committed,
    /// The partitions of its latest assignment (from the trace's
    /// `assigned` records; the report does not list assignments).
    Assigned,
}

/// What a check measures.
#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    /// A checker metric (`lost-write`, `acked` … every `[expect]` name).
    Metric(String),
    Partition {
        partition: String,
        replica: Option<String>,
        attr: PartAttr,
    },
    /// The value at an offset of a replica's log (the leader's by default).
    Record {
        partition: String,
        replica: Option<String>,
        offset: u64,
    },
    Producer {
        producer: String,
        attr: ProducerAttr,
    },
    Consumer {
        consumer: String,
        partition: Option<String>,
        attr: ConsumerAttr,
    },
    /// How many trace records match.
    Events(EventFilter),
    /// Any value of the JSON report, by JSON pointer (`/partitions/0/hw`).
    Report(String),
    /// Results of a stream job (`output = { job, window, key, … }`).
    Output {
        filter: OutputFilter,
        measure: OutputMeasure,
    },
    /// A stream job as a whole (`job = "flink", late_dropped = 2`).
    Job {
        job: String,
        attr: JobAttr,
    },
}

impl Subject {
    /// `HW of orders-0`, `p1 acked`, for people.
    pub fn describe(&self) -> String {
        match self {
            Subject::Metric(m) => m.clone(),
            Subject::Partition { partition, replica, attr } => {
                let a = match attr {
                    PartAttr::Leader => "leader",
                    PartAttr::LeaderEpoch => "leader epoch",
                    PartAttr::Isr => "ISR",
                    PartAttr::IsrSize => "ISR size",
                    PartAttr::Elr => "ELR",
                    PartAttr::Hw => "HW",
                    PartAttr::Leo => "LEO",
                    PartAttr::LogStart => "log start offset",
                    PartAttr::Role => "role",
                    PartAttr::Status => "status",
                };
                match replica {
                    Some(r) => format!("{a} of {partition} on {r}"),
                    None => format!("{a} of {partition}"),
                }
            }
            Subject::Record { partition, replica, offset } => match replica {
                Some(r) => format!("value at {partition} offset {offset} on {r}"),
                None => format!("value at {partition} offset {offset}"),
            },
            Subject::Producer { producer, attr } => match attr {
                ProducerAttr::Count(c) => format!("{producer} {c}"),
                ProducerAttr::Error(e) => format!("{producer} sends that ended with {e}"),
                ProducerAttr::KeyPartition(k) => format!("partition of {producer}'s records with key {k:?}"),
            },
            Subject::Consumer { consumer, partition, attr } => {
                let a = match attr {
                    ConsumerAttr::Polled => "records polled",
                    ConsumerAttr::Lag => "lag",
                    ConsumerAttr::Committed => "committed offset",
                    ConsumerAttr::Assigned => "assignment",
                };
                match partition {
                    Some(p) => format!("{consumer} {a} on {p}"),
                    None => format!("{consumer} {a}"),
                }
            }
            Subject::Events(f) => f.describe(),
            Subject::Report(p) => format!("report {p}"),
            Subject::Output { filter, measure } => stream::describe_output(filter, *measure),
            Subject::Job { job, attr } => stream::describe_job(job, *attr),
        }
    }
}

/// What a check wants.
#[derive(Clone, Debug, PartialEq)]
pub enum Want {
    Num(Cmp, i64),
    /// Equal (or, with `equal: false`, different).
    Text {
        equal: bool,
        value: String,
    },
    /// The same members, in any order.
    Set(Vec<String>),
    /// Exactly these, in this order (a job's lines or values).
    Seq(Vec<String>),
    /// An event time in milliseconds (a watermark), shown as a clock.
    Time(Cmp, i64),
}

impl fmt::Display for Want {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Want::Num(c, v) => write!(f, "{} {v}", c.symbol()),
            Want::Text { equal, value } => write!(f, "{} {value}", if *equal { "==" } else { "!=" }),
            Want::Set(v) => write!(f, "== [{}]", v.join(", ")),
            Want::Seq(v) => write!(f, "== [{}]", v.join(seq_separator(v))),
            Want::Time(c, v) => write!(f, "{} {}", c.symbol(), crate::stream::types::clock(*v)),
        }
    }
}

/// A measured value.
#[derive(Clone, Debug, PartialEq)]
pub enum Actual {
    Num(i64),
    Text(String),
    List(Vec<String>),
    /// Nothing to measure, and why (`orders-0 has no leader`).
    Missing(String),
    /// How many results of a job matched, their lines, and every line the
    /// job printed (shown when none matched).
    Matches {
        count: i64,
        lines: Vec<String>,
        printed: Vec<String>,
    },
    /// An event time (ms), shown as a clock.
    Time(i64),
}

/// How a list compared in order is printed: lines (which hold commas)
/// with ` | `, values with `, `.
fn seq_separator(v: &[String]) -> &'static str {
    if v.iter().any(|x| x.contains(',')) {
        " | "
    } else {
        ", "
    }
}

/// At most `max` lines joined with ` | `, and how many more there are.
fn some_lines(lines: &[String], max: usize) -> String {
    let mut s = lines.iter().take(max).cloned().collect::<Vec<_>>().join(" | ");
    if lines.len() > max {
        s += &format!(" | … {} more", lines.len() - max);
    }
    s
}

impl fmt::Display for Actual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actual::Num(n) => write!(f, "{n}"),
            Actual::Text(s) => f.write_str(s),
            Actual::List(v) => write!(f, "[{}]", v.join(", ")),
            Actual::Missing(why) => f.write_str(why),
            Actual::Matches { count, lines, .. } if *count > 0 => write!(f, "{count}: {}", some_lines(lines, 8)),
            Actual::Matches { printed, .. } if printed.is_empty() => f.write_str("0 (the job printed nothing yet)"),
            Actual::Matches { printed, .. } => write!(f, "0 (the job printed {} line(s): {})", printed.len(), some_lines(printed, 12)),
            Actual::Time(t) => f.write_str(&crate::stream::types::clock(*t)),
        }
    }
}

impl Want {
    pub fn holds(&self, actual: &Actual) -> bool {
        match (self, actual) {
            (Want::Num(c, v), Actual::Num(a)) => c.holds(*a, *v),
            (Want::Text { equal, value }, Actual::Text(a)) => (a == value) == *equal,
            (Want::Text { equal, value }, Actual::Num(a)) => (a.to_string() == *value) == *equal,
            (Want::Num(c, v), Actual::Matches { count, .. }) => c.holds(*count, *v),
            (Want::Time(c, v), Actual::Time(a)) => c.holds(*a, *v),
            (Want::Seq(want), Actual::List(got)) => want == got,
            (Want::Set(want), Actual::List(got)) => {
                let mut w = want.clone();
                let mut g = got.clone();
                w.sort();
                w.dedup();
                g.sort();
                g.dedup();
                w == g
            }
            _ => false,
        }
    }
}

/// One expectation, as written at `place`.
#[derive(Clone, Debug)]
pub struct Check {
    pub subject: Subject,
    pub want: Want,
    pub place: super::Place,
}

impl Check {
    /// `HW of orders-0 == 41`.
    pub fn describe(&self) -> String {
        match &self.want {
            Want::Seq(v) if v.len() > 3 => format!("{} == the {} written in the lesson", self.subject.describe(), v.len()),
            Want::Num(Cmp::Ge, 1) if matches!(self.subject, Subject::Output { measure: OutputMeasure::Panes, .. }) => {
                format!("{} exist", self.subject.describe().replacen("number of ", "", 1))
            }
            w => format!("{} {w}", self.subject.describe()),
        }
    }

    /// Whether the check holds for `actual`, and the actual value as the
    /// verdict shows it: for a list compared in order that fails, where it
    /// first differs.
    pub fn verdict(&self, actual: &Actual) -> (bool, String) {
        let ok = self.want.holds(actual);
        let text = match (&self.want, actual) {
            (Want::Seq(want), Actual::List(got)) if !ok => {
                let n = want.len().max(got.len());
                let first = (0..n).find(|i| want.get(*i) != got.get(*i)).unwrap_or(0);
                let show = |x: Option<&String>| x.map_or("nothing".to_string(), |s| format!("{s:?}"));
                format!(
                    "{} item(s); #{} differs: expected {}, got {} (all: [{}])",
                    got.len(),
                    first + 1,
                    show(want.get(first)),
                    show(got.get(first)),
                    some_lines(got, 20)
                )
            }
            (Want::Seq(_), Actual::List(got)) => format!("[{}]", got.join(seq_separator(got))),
            _ => actual.to_string(),
        };
        (ok, text)
    }
}

/// A condition a run step waits for.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// `leader = "b2"` / `"none"`.
    Leader {
        partition: String,
        broker: Option<u32>,
    },
    /// `leader = "changes"`: a leader elected after the step started (a
    /// higher leader epoch, with a leader). The partition's creation, in
    /// epoch 0, does not count, so a lesson can say it from time 0.
    LeaderChanges {
        partition: String,
    },
    IsrAtMost {
        partition: String,
        size: u32,
    },
    IsrAtLeast {
        partition: String,
        size: u32,
    },
    HwAtLeast {
        partition: String,
        offset: u64,
    },
    AckedAtLeast(u64),
    SentAtLeast(u64),
    /// A trace record matching the filter is recorded.
    Event(EventFilter),
    /// A stream job emits a result matching the filter.
    Output(OutputFilter),
}

impl Condition {
    pub fn describe(&self) -> String {
        match self {
            Condition::Leader { partition, broker: Some(b) } => format!("b{b} leads {partition}"),
            Condition::Leader { partition, broker: None } => format!("{partition} has no leader"),
            Condition::LeaderChanges { partition } => format!("the leader of {partition} changes"),
            Condition::IsrAtMost { partition, size } => format!("the ISR of {partition} has at most {size} member(s)"),
            Condition::IsrAtLeast { partition, size } => format!("the ISR of {partition} has at least {size} member(s)"),
            Condition::HwAtLeast { partition, offset } => format!("the HW of {partition} reaches {offset}"),
            Condition::AckedAtLeast(n) => format!("{n} sends are acknowledged"),
            Condition::SentAtLeast(n) => format!("{n} records are sent"),
            Condition::Event(f) => {
                let one = f.describe().replacen(" events", " event", 1);
                let article = if f.kind.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
                format!("{article} {one} is recorded")
            }
            Condition::Output(f) => format!("job {} emits one of its {}", f.job, f.describe().replacen(&format!(" of job {}", f.job), "", 1)),
        }
    }
}

// ----- reading from the lesson file ----------------------------------------

pub(crate) fn want_num(cx: &Cx, v: &toml::Value, p: &FieldPath) -> R<Want> {
    match v {
        toml::Value::Integer(i) => Ok(Want::Num(Cmp::Eq, *i)),
        toml::Value::String(s) => Cmp::parse(s).map(|(c, n)| Want::Num(c, n)).or_else(|m| cx.err(p, m)),
        _ => cx.err(p, "expected an integer or a comparison string like \">= 10\""),
    }
}

fn want_text(cx: &Cx, v: &toml::Value, p: &FieldPath) -> R<Want> {
    match v {
        toml::Value::String(s) => Ok(match s.trim().strip_prefix("!=") {
            Some(rest) => Want::Text { equal: false, value: rest.trim().to_string() },
            None => Want::Text { equal: true, value: s.trim().strip_prefix("==").unwrap_or(s).trim().to_string() },
        }),
        toml::Value::Integer(i) => Ok(Want::Text { equal: true, value: i.to_string() }),
        toml::Value::Boolean(b) => Ok(Want::Text { equal: true, value: b.to_string() }),
        _ => cx.err(p, "expected a string (\"b2\", or \"!= b1\")"),
    }
}

fn want_set(cx: &Cx, v: &toml::Value, p: &FieldPath) -> R<Vec<String>> {
    let Some(a) = v.as_array() else { return cx.err(p, "expected a list of broker names, e.g. [\"b1\", \"b2\"]") };
    a.iter().enumerate().map(|(i, x)| x.as_str().map(str::to_string).ok_or_else(|| cx.loc.error_at(&p.index(i), "expected a broker name string"))).collect()
}

pub(crate) fn get_str<'v>(cx: &Cx, t: &'v toml::Table, key: &str, p: &FieldPath) -> R<Option<&'v str>> {
    match t.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s)),
        Some(_) => cx.err(&p.key(key), "expected a string"),
    }
}

pub(crate) fn get_int(cx: &Cx, t: &toml::Table, key: &str, p: &FieldPath) -> R<Option<u64>> {
    match t.get(key) {
        None => Ok(None),
        Some(toml::Value::Integer(i)) if *i >= 0 => Ok(Some(*i as u64)),
        Some(_) => cx.err(&p.key(key), "expected a non-negative integer"),
    }
}

pub(crate) fn only_keys(cx: &Cx, t: &toml::Table, allowed: &[&str], p: &FieldPath, what: &str) -> R<()> {
    for k in t.keys() {
        if !allowed.contains(&k.as_str()) {
            let list = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
            return cx.err(&p.key(k), format!("unknown field `{k}` in {what}, expected one of {list}"));
        }
    }
    Ok(())
}

fn check_partition(cx: &Cx, sc: &Scenario, name: &str, p: &FieldPath) -> R<()> {
    if tp_of(sc, name).is_some() {
        return Ok(());
    }
    let all: Vec<String> = sc.topics.iter().flat_map(|t| (0..t.partitions).map(move |i| format!("{}-{i}", t.name))).take(12).collect();
    cx.err(p, format!("no partition {name:?} in this step's scenario; partitions are {}", all.join(", ")))
}

fn check_broker(cx: &Cx, sc: &Scenario, name: &str, p: &FieldPath) -> R<u32> {
    match name.strip_prefix('b').and_then(|n| n.parse::<u32>().ok()) {
        Some(b) if (1..=sc.brokers).contains(&b) && name == format!("b{b}") => Ok(b),
        _ => cx.err(p, format!("{name:?} is not a broker of this step's scenario (brokers are b1..b{})", sc.brokers)),
    }
}

pub(crate) fn suggest(name: &str, candidates: &[&str]) -> String {
    let best = candidates.iter().map(|c| (strsim(name, c), *c)).min_by_key(|(d, _)| *d);
    match best {
        Some((d, c)) if d <= 3 => format!(" (did you mean `{c}`?)"),
        _ => String::new(),
    }
}

/// Levenshtein distance, for "did you mean".
fn strsim(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(crate) fn check_metric(cx: &Cx, name: &str, p: &FieldPath) -> R<()> {
    if metrics::known(name) {
        return Ok(());
    }
    let names: Vec<&str> = metrics::METRICS.iter().map(|(n, _)| *n).collect();
    cx.err(p, format!("unknown metric `{name}`{}; expected one of {}", suggest(name, &names), names.join(", ")))
}

fn event_filter(cx: &Cx, sc: &Scenario, t: &toml::Table, p: &FieldPath) -> R<EventFilter> {
    let kind = get_str(cx, t, "event", p)?.unwrap_or_default().to_string();
    if !EVENT_KINDS.contains(&kind.as_str()) {
        return cx.err(
            &p.key("event"),
            format!("unknown event kind {kind:?}{}; see docs/report-format.md (JSONL trace) for the kinds", suggest(&kind, EVENT_KINDS)),
        );
    }
    let partition = get_str(cx, t, "partition", p)?.map(str::to_string);
    if let Some(part) = &partition {
        check_partition(cx, sc, part, &p.key("partition"))?;
    }
    let node = get_str(cx, t, "node", p)?.map(str::to_string);
    if let Some(n) = &node {
        let names = sc.node_names();
        if n != "world" && !names.contains(n) {
            return cx.err(&p.key("node"), format!("no node named {n:?}; nodes are {}, and \"world\" for faults", names.join(", ")));
        }
    }
    let error = get_str(cx, t, "error", p)?.map(str::to_string);
    if let Some(e) = &error {
        if e.is_empty() || !e.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
            return cx.err(&p.key("error"), format!("{e:?} is not a Kafka error name such as NOT_ENOUGH_REPLICAS"));
        }
    }
    let reason = get_str(cx, t, "reason", p)?.map(str::to_string);
    Ok(EventFilter { kind, partition, node, error, reason })
}

/// The `expect` of a step (or a prediction's `because`): a table of metrics
/// exactly like a scenario's `[expect]`, or a list of expectation tables.
pub(crate) fn parse_checks(cx: &Cx, sc: &Scenario, v: &toml::Value, p: &FieldPath) -> R<Vec<Check>> {
    let mut out = Vec::new();
    match v {
        toml::Value::Table(t) => {
            if t.is_empty() {
                return cx.err(p, "no expectations: write e.g. { lost-write = 0 }");
            }
            for (k, val) in t {
                let kp = p.key(k);
                check_metric(cx, k, &kp)?;
                out.push(Check { subject: Subject::Metric(k.clone()), want: want_num(cx, val, &kp)?, place: cx.place(&kp) });
            }
        }
        toml::Value::Array(a) => {
            if a.is_empty() {
                return cx.err(p, "no expectations in the list");
            }
            for (i, item) in a.iter().enumerate() {
                let ip = p.index(i);
                let Some(t) = item.as_table() else {
                    return cx.err(&ip, "an expectation is a table, e.g. { metric = \"lost-write\", is = 0 } or { partition = \"orders-0\", leader = \"b2\" }");
                };
                out.extend(parse_item(cx, sc, t, &ip)?);
            }
        }
        _ => return cx.err(p, "expected a table of metrics ({ lost-write = 0 }) or a list of expectation tables"),
    }
    Ok(out)
}

const SUBJECTS: &[&str] = &["metric", "partition", "producer", "consumer", "event", "report", "output", "job"];

fn parse_item(cx: &Cx, sc: &Scenario, t: &toml::Table, p: &FieldPath) -> R<Vec<Check>> {
    // `partition` is also a filter of producer, consumer and event
    // expectations: it names the subject only when nothing else does.
    let mut present: Vec<&str> = SUBJECTS.iter().copied().filter(|s| *s != "partition" && t.contains_key(*s)).collect();
    if present.is_empty() && t.contains_key("partition") {
        present.push("partition");
    }
    if present.len() != 1 {
        return cx.err(
            p,
            format!(
                "an expectation names exactly one of `metric`, `partition`, `producer`, `consumer`, `event`, `report`, `output` or `job` (found {})",
                present.len()
            ),
        );
    }
    let place = |k: &str| cx.place(&p.key(k));
    let mut out = Vec::new();
    match present[0] {
        "output" => return stream::parse_output_item(cx, sc, t, p),
        "job" => return stream::parse_job_item(cx, sc, t, p),
        "metric" => {
            only_keys(cx, t, &["metric", "is"], p, "a metric expectation")?;
            let m = get_str(cx, t, "metric", p)?.unwrap_or_default();
            check_metric(cx, m, &p.key("metric"))?;
            let Some(is) = t.get("is") else { return cx.err(p, "say what the metric should be: is = 0, or is = \">= 10\"") };
            out.push(Check { subject: Subject::Metric(m.to_string()), want: want_num(cx, is, &p.key("is"))?, place: place("is") });
        }
        "report" => {
            only_keys(cx, t, &["report", "is"], p, "a report expectation")?;
            let ptr = get_str(cx, t, "report", p)?.unwrap_or_default();
            if !ptr.starts_with('/') {
                return cx.err(&p.key("report"), format!("{ptr:?} is not a JSON pointer into the report; write e.g. \"/partitions/0/leader_epoch\""));
            }
            let Some(is) = t.get("is") else { return cx.err(p, "say what the value should be: is = …") };
            let ip = p.key("is");
            let want = match is {
                toml::Value::Integer(_) => want_num(cx, is, &ip)?,
                toml::Value::String(s) if Cmp::parse(s).is_ok() => want_num(cx, is, &ip)?,
                toml::Value::Array(_) => Want::Set(want_set(cx, is, &ip)?),
                _ => want_text(cx, is, &ip)?,
            };
            out.push(Check { subject: Subject::Report(ptr.to_string()), want, place: place("is") });
        }
        "event" => {
            only_keys(cx, t, &["event", "count", "partition", "node", "error", "reason"], p, "an event count")?;
            let f = event_filter(cx, sc, t, p)?;
            let Some(c) = t.get("count") else { return cx.err(p, "say how many: count = \">= 1\"") };
            out.push(Check { subject: Subject::Events(f), want: want_num(cx, c, &p.key("count"))?, place: place("count") });
        }
        "partition" => {
            const ATTRS: &[&str] = &["leader", "leader_epoch", "isr", "isr_size", "elr", "hw", "leo", "log_start", "role", "status"];
            let mut allowed = vec!["partition", "replica", "offset", "value"];
            allowed.extend_from_slice(ATTRS);
            only_keys(cx, t, &allowed, p, "a partition expectation")?;
            let part = get_str(cx, t, "partition", p)?.unwrap_or_default().to_string();
            check_partition(cx, sc, &part, &p.key("partition"))?;
            let replica = get_str(cx, t, "replica", p)?.map(str::to_string);
            if let Some(r) = &replica {
                let b = check_broker(cx, sc, r, &p.key("replica"))?;
                let (ti, n) = tp_of(sc, &part).unwrap_or((0, 0));
                let assigned = sc.topics.get(ti as usize).and_then(|x| x.assignment.get(n as usize)).is_some_and(|a| a.contains(&b));
                if !assigned {
                    return cx.err(&p.key("replica"), format!("{r} holds no replica of {part}"));
                }
            }
            match (get_int(cx, t, "offset", p)?, t.get("value")) {
                (Some(offset), Some(v)) => {
                    let want = want_text(cx, v, &p.key("value"))?;
                    out.push(Check { subject: Subject::Record { partition: part.clone(), replica: replica.clone(), offset }, want, place: place("value") });
                }
                (Some(_), None) => return cx.err(&p.key("offset"), "`offset` goes with `value`: the record expected at that offset"),
                (None, Some(_)) => return cx.err(&p.key("value"), "`value` goes with `offset`"),
                (None, None) => {}
            }
            for a in ATTRS {
                let Some(v) = t.get(*a) else { continue };
                let ap = p.key(a);
                let attr = match *a {
                    "leader" => PartAttr::Leader,
                    "leader_epoch" => PartAttr::LeaderEpoch,
                    "isr" => PartAttr::Isr,
                    "isr_size" => PartAttr::IsrSize,
                    "elr" => PartAttr::Elr,
                    "hw" => PartAttr::Hw,
                    "leo" => PartAttr::Leo,
                    "log_start" => PartAttr::LogStart,
                    "role" => PartAttr::Role,
                    _ => PartAttr::Status,
                };
                let want = match attr {
                    PartAttr::Leader => {
                        let w = want_text(cx, v, &ap)?;
                        if let Want::Text { value, .. } = &w {
                            if value != "none" {
                                check_broker(cx, sc, value, &ap)?;
                            }
                        }
                        w
                    }
                    PartAttr::Isr | PartAttr::Elr => {
                        let set = want_set(cx, v, &ap)?;
                        for (i, b) in set.iter().enumerate() {
                            check_broker(cx, sc, b, &ap.index(i))?;
                        }
                        Want::Set(set)
                    }
                    PartAttr::Role | PartAttr::Status => {
                        if replica.is_none() {
                            return cx.err(&ap, format!("`{a}` is a replica's: add replica = \"b1\""));
                        }
                        let w = want_text(cx, v, &ap)?;
                        let ok: &[&str] = if attr == PartAttr::Role { &["leader", "follower", "offline", "down"] } else { &["up", "paused", "down"] };
                        if let Want::Text { value, .. } = &w {
                            if !ok.contains(&value.as_str()) {
                                return cx.err(&ap, format!("{value:?}: expected one of {}", ok.join(", ")));
                            }
                        }
                        w
                    }
                    _ => want_num(cx, v, &ap)?,
                };
                if replica.is_some() && matches!(attr, PartAttr::Leader | PartAttr::LeaderEpoch | PartAttr::Isr | PartAttr::IsrSize | PartAttr::Elr) {
                    return cx.err(&ap, format!("`{a}` is the partition's (the controller's record), not a replica's: drop `replica`"));
                }
                out.push(Check { subject: Subject::Partition { partition: part.clone(), replica: replica.clone(), attr }, want, place: cx.place(&ap) });
            }
            if out.is_empty() {
                return cx.err(p, format!("say what to check of {part}: one of {}, or offset + value", ATTRS.join(", ")));
            }
        }
        "producer" => {
            const COUNTS: &[&str] = &["sent", "acked", "failed", "indefinite", "pending"];
            let mut allowed = vec!["producer", "error", "count", "key", "partition"];
            allowed.extend_from_slice(COUNTS);
            only_keys(cx, t, &allowed, p, "a producer expectation")?;
            let name = get_str(cx, t, "producer", p)?.unwrap_or_default().to_string();
            let Some(spec) = sc.producers.iter().find(|x| x.name == name) else {
                let names: Vec<&str> = sc.producers.iter().map(|x| x.name.as_str()).collect();
                return cx.err(&p.key("producer"), format!("no producer named {name:?} in this step's scenario (producers: {})", names.join(", ")));
            };
            for c in COUNTS {
                if let Some(v) = t.get(*c) {
                    let want = want_num(cx, v, &p.key(c))?;
                    out.push(Check { subject: Subject::Producer { producer: name.clone(), attr: ProducerAttr::Count(c) }, want, place: place(c) });
                }
            }
            match (get_str(cx, t, "error", p)?, t.get("count")) {
                (Some(e), Some(c)) => {
                    if e.is_empty() || !e.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_') {
                        return cx.err(&p.key("error"), format!("{e:?} is not a Kafka error name such as NOT_ENOUGH_REPLICAS"));
                    }
                    let want = want_num(cx, c, &p.key("count"))?;
                    out.push(Check {
                        subject: Subject::Producer { producer: name.clone(), attr: ProducerAttr::Error(e.to_string()) },
                        want,
                        place: place("count"),
                    });
                }
                (Some(_), None) => return cx.err(&p.key("error"), "`error` goes with `count`: how many sends ended with it"),
                (None, Some(_)) => return cx.err(&p.key("count"), "`count` goes with `error`"),
                (None, None) => {}
            }
            match (get_str(cx, t, "key", p)?, t.get("partition")) {
                (Some(k), Some(v)) => {
                    let want = want_text(cx, v, &p.key("partition"))?;
                    if let Want::Text { value, .. } = &want {
                        check_partition(cx, sc, value, &p.key("partition"))?;
                        if split_partition_name(value).map(|x| x.0) != Some(spec.topic.as_str()) {
                            return cx.err(&p.key("partition"), format!("{name} writes topic {:?}, not {value:?}", spec.topic));
                        }
                    }
                    out.push(Check {
                        subject: Subject::Producer { producer: name.clone(), attr: ProducerAttr::KeyPartition(k.to_string()) },
                        want,
                        place: place("partition"),
                    });
                }
                (Some(_), None) => return cx.err(&p.key("key"), "`key` goes with `partition`: where the records with that key went"),
                (None, Some(_)) => return cx.err(&p.key("partition"), "`partition` goes with `key`"),
                (None, None) => {}
            }
            if out.is_empty() {
                return cx.err(p, format!("say what to check of {name}: one of {}, error + count, or key + partition", COUNTS.join(", ")));
            }
        }
        "consumer" => {
            only_keys(cx, t, &["consumer", "partition", "polled", "lag", "committed", "assigned"], p, "a consumer expectation")?;
            let name = get_str(cx, t, "consumer", p)?.unwrap_or_default().to_string();
            let Some(spec) = sc.consumers.iter().find(|x| x.name == name) else {
                let names: Vec<&str> = sc.consumers.iter().map(|x| x.name.as_str()).collect();
                return cx.err(&p.key("consumer"), format!("no consumer named {name:?} in this step's scenario (consumers: {})", names.join(", ")));
            };
            let partition = get_str(cx, t, "partition", p)?.map(str::to_string);
            if let Some(part) = &partition {
                check_partition(cx, sc, part, &p.key("partition"))?;
                if !spec.topics.iter().any(|tn| split_partition_name(part).map(|x| x.0) == Some(tn.as_str())) {
                    return cx.err(&p.key("partition"), format!("{name} does not read {part}'s topic"));
                }
            }
            for (k, attr) in [("polled", ConsumerAttr::Polled), ("lag", ConsumerAttr::Lag), ("committed", ConsumerAttr::Committed)] {
                if let Some(v) = t.get(k) {
                    if attr == ConsumerAttr::Committed && partition.is_none() {
                        return cx.err(&p.key(k), "a committed offset is per partition: add partition = \"TOPIC-N\"");
                    }
                    let want = want_num(cx, v, &p.key(k))?;
                    out.push(Check { subject: Subject::Consumer { consumer: name.clone(), partition: partition.clone(), attr }, want, place: place(k) });
                }
            }
            if let Some(v) = t.get("assigned") {
                let ap = p.key("assigned");
                if partition.is_some() {
                    return cx.err(&p.key("partition"), "`assigned` lists every partition of the consumer: drop `partition`");
                }
                let Some(list) = v.as_array() else { return cx.err(&ap, "expected a list of partitions, e.g. [\"orders-0\"] (or [] for none)") };
                let mut parts = Vec::new();
                for (i, x) in list.iter().enumerate() {
                    let Some(s) = x.as_str() else { return cx.err(&ap.index(i), "expected a partition name such as \"orders-0\"") };
                    check_partition(cx, sc, s, &ap.index(i))?;
                    parts.push(s.to_string());
                }
                out.push(Check {
                    subject: Subject::Consumer { consumer: name.clone(), partition: None, attr: ConsumerAttr::Assigned },
                    want: Want::Set(parts),
                    place: place("assigned"),
                });
            }
            if out.is_empty() {
                return cx.err(p, format!("say what to check of {name}: polled, lag, committed or assigned"));
            }
        }
        _ => unreachable!("SUBJECTS"),
    }
    Ok(out)
}

/// A numeric answer measured by the next run: a metric name, or a JSON
/// pointer into the report.
pub(crate) fn parse_measure(cx: &Cx, s: &str, p: &FieldPath) -> R<Subject> {
    if s.starts_with('/') {
        return Ok(Subject::Report(s.to_string()));
    }
    check_metric(cx, s, p)?;
    Ok(Subject::Metric(s.to_string()))
}

/// `run = { … }`: a condition table (the scenario `when` vocabulary, plus
/// `leader = "changes"`, `isr_at_least`, `sent_at_least` and `event`).
pub(crate) fn parse_condition(cx: &Cx, sc: &Scenario, t: &toml::Table, p: &FieldPath) -> R<Condition> {
    const KINDS: &[&str] = &["leader", "isr_at_most", "isr_at_least", "hw_at_least", "acked_at_least", "sent_at_least", "event", "output"];
    let kinds: Vec<&str> = KINDS.iter().copied().filter(|k| t.contains_key(*k)).collect();
    if kinds.len() != 1 {
        return cx.err(p, format!("a run condition needs exactly one of {}", KINDS.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")));
    }
    if kinds[0] == "output" {
        return Ok(Condition::Output(stream::parse_output_condition(cx, sc, t, p)?));
    }
    if kinds[0] == "event" {
        only_keys(cx, t, &["event", "partition", "node", "error", "reason"], p, "an event condition")?;
        return Ok(Condition::Event(event_filter(cx, sc, t, p)?));
    }
    only_keys(cx, t, &["partition", kinds[0]], p, "a run condition")?;
    let partition = get_str(cx, t, "partition", p)?.map(str::to_string);
    let count = |k: &str| -> R<u64> { get_int(cx, t, k, p).map(|x| x.unwrap_or(0)) };
    match kinds[0] {
        "acked_at_least" | "sent_at_least" => {
            if partition.is_some() {
                return cx.err(&p.key("partition"), format!("`{}` counts all producers: drop `partition`", kinds[0]));
            }
            let n = count(kinds[0])?;
            return Ok(if kinds[0] == "acked_at_least" { Condition::AckedAtLeast(n) } else { Condition::SentAtLeast(n) });
        }
        _ => {}
    }
    let Some(part) = partition else { return cx.err(p, "this condition needs partition = \"TOPIC-N\"") };
    check_partition(cx, sc, &part, &p.key("partition"))?;
    Ok(match kinds[0] {
        "leader" => match get_str(cx, t, "leader", p)? {
            Some("changes") => Condition::LeaderChanges { partition: part },
            Some("none") => Condition::Leader { partition: part, broker: None },
            Some(b) => Condition::Leader { broker: Some(check_broker(cx, sc, b, &p.key("leader"))?), partition: part },
            None => return cx.err(&p.key("leader"), "expected \"changes\", \"none\" or a broker name"),
        },
        "isr_at_most" => Condition::IsrAtMost { size: count("isr_at_most")? as u32, partition: part },
        "isr_at_least" => Condition::IsrAtLeast { size: count("isr_at_least")? as u32, partition: part },
        _ => Condition::HwAtLeast { offset: count("hw_at_least")?, partition: part },
    })
}

// ----- measuring -------------------------------------------------------------

/// The report of a world at its current moment, and the measurements made
/// from it.
pub struct Observed<'w> {
    world: &'w World,
    /// The checkers' outcome and the report, computed when first needed
    /// (an expectation on trace events needs neither).
    outcome: OnceCell<Outcome>,
    report: OnceCell<Value>,
}

impl<'w> Observed<'w> {
    /// Observes the run so far.
    pub fn of(world: &'w World) -> Self {
        Observed { world, outcome: OnceCell::new(), report: OnceCell::new() }
    }

    pub(crate) fn outcome(&self) -> &Outcome {
        self.outcome.get_or_init(|| Outcome::of(self.world))
    }

    /// The JSON report of the run so far.
    pub fn report(&self) -> &Value {
        self.report.get_or_init(|| report_json(self.world, self.outcome()))
    }

    /// Measures a subject.
    pub fn value(&self, s: &Subject) -> Actual {
        match s {
            Subject::Metric(m) => self.outcome().checks.metrics.get(m.as_str()).map(|v| Actual::Num(*v)).unwrap_or(Actual::Missing(format!("no metric {m}"))),
            Subject::Report(ptr) => match self.report().pointer(ptr) {
                None => Actual::Missing(format!("the report has nothing at {ptr}")),
                Some(v) => json_actual(v),
            },
            Subject::Events(f) => {
                let n = self.world.sim.trace().records().iter().filter(|r| f.matches(self.world, r)).count();
                Actual::Num(n as i64)
            }
            Subject::Partition { partition, replica, attr } => self.partition(partition, replica.as_deref(), *attr),
            Subject::Output { filter, measure } => stream::measure_output(self.world, &self.outcome().jobs, filter, *measure),
            Subject::Job { job, attr } => stream::measure_job(self.world, &self.outcome().jobs, job, *attr),
            Subject::Record { partition, replica, offset } => {
                let rep = match self.replica(partition, replica.as_deref()) {
                    Ok(r) => r,
                    Err(m) => return Actual::Missing(m),
                };
                let recs = rep.get("records").and_then(Value::as_array).cloned().unwrap_or_default();
                match recs.iter().find(|r| r.get(0).and_then(Value::as_u64) == Some(*offset)) {
                    Some(r) => Actual::Text(r.get(3).and_then(Value::as_str).unwrap_or("null").to_string()),
                    None => Actual::Missing(format!("no record at offset {offset} (log start {}, LEO {})", rep["log_start"], rep["leo"])),
                }
            }
            Subject::Producer { producer, attr } => {
                let p = self.report()["producers"].as_array().and_then(|a| a.iter().find(|x| x["name"] == *producer.as_str()));
                let sends: Vec<Value> = p.and_then(|x| x["sends"].as_array().cloned()).unwrap_or_default();
                match attr {
                    ProducerAttr::Count(c) => {
                        let n = match *c {
                            "pending" => sends.iter().filter(|s| s["outcome"] == "pending").count() as i64,
                            other => p.and_then(|x| x[other].as_i64()).unwrap_or(0),
                        };
                        Actual::Num(n)
                    }
                    ProducerAttr::Error(e) => Actual::Num(sends.iter().filter(|s| s["error"] == *e.as_str()).count() as i64),
                    ProducerAttr::KeyPartition(k) => {
                        let topic = self.world.scenario.producers.iter().find(|x| &x.name == producer).map(|x| x.topic.clone()).unwrap_or_default();
                        let mut parts: Vec<String> =
                            sends.iter().filter(|s| s["key"] == *k.as_str()).filter_map(|s| s["partition"].as_u64()).map(|n| format!("{topic}-{n}")).collect();
                        parts.sort();
                        parts.dedup();
                        match parts.len() {
                            0 => Actual::Missing(format!("{producer} sent no record with key {k:?}")),
                            1 => Actual::Text(parts.remove(0)),
                            _ => Actual::Text(parts.join(" and ")),
                        }
                    }
                }
            }
            Subject::Consumer { consumer, partition, attr } => {
                let Some(c) = self.report()["consumers"].as_array().and_then(|a| a.iter().find(|x| x["name"] == *consumer.as_str())) else {
                    return Actual::Missing(format!("no consumer {consumer}"));
                };
                let lags: Vec<&Value> = c["lag"]
                    .as_array()
                    .map(|a| a.iter().filter(|l| partition.as_ref().is_none_or(|p| l["partition"] == *p.as_str())).collect())
                    .unwrap_or_default();
                match attr {
                    ConsumerAttr::Assigned => self.assignment(consumer),
                    ConsumerAttr::Polled => {
                        let polled =
                            c["polled"].as_array().map(|a| a.iter().filter(|r| partition.as_ref().is_none_or(|p| r["partition"] == *p.as_str())).count());
                        Actual::Num(polled.unwrap_or(0) as i64)
                    }
                    ConsumerAttr::Lag => {
                        if lags.iter().any(|l| l["lag"].is_null()) {
                            return Actual::Missing("a partition has no leader, so its lag is unknown".into());
                        }
                        Actual::Num(lags.iter().filter_map(|l| l["lag"].as_i64()).sum())
                    }
                    ConsumerAttr::Committed => match lags.first().map(|l| &l["committed"]) {
                        Some(Value::Number(n)) => Actual::Num(n.as_i64().unwrap_or(0)),
                        _ => Actual::Missing(format!("{consumer}'s group has committed no offset for {}", partition.as_deref().unwrap_or("it"))),
                    },
                }
            }
        }
    }

    /// The latest `assigned` record of a consumer, as partition names.
    fn assignment(&self, consumer: &str) -> Actual {
        let Some(id) = self.world.sim.node_id(consumer) else { return Actual::Missing(format!("no consumer {consumer}")) };
        let last = self.world.sim.trace().records().iter().rev().filter(|r| r.node == id).find_map(|r| {
            let v = serde_json::to_value(&r.ev).ok()?;
            (v.get("k")? == "assigned").then(|| v.get("partitions").cloned()).flatten()
        });
        let Some(parts) = last else { return Actual::Missing(format!("{consumer} has not been assigned partitions yet")) };
        let names = parts
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|tp| {
                        let (t, p) = (tp.get(0)?.as_u64()?, tp.get(1)?.as_u64()?);
                        Some(self.world.tp_name(crate::kafka::types::Tp(t as u16, p as u32)))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Actual::List(names)
    }

    fn part(&self, name: &str) -> Option<&Value> {
        self.report()["partitions"].as_array().and_then(|a| a.iter().find(|x| x["partition"] == name))
    }

    /// The replica on `broker`, or the leader's.
    fn replica(&self, partition: &str, broker: Option<&str>) -> Result<&Value, String> {
        let p = self.part(partition).ok_or_else(|| format!("{partition} does not exist yet"))?;
        let b = match broker {
            Some(b) => b.to_string(),
            None => match p["leader"].as_str() {
                Some(l) => l.to_string(),
                None => return Err(format!("{partition} has no leader")),
            },
        };
        p["replicas"].as_array().and_then(|a| a.iter().find(|r| r["broker"] == b.as_str())).ok_or_else(|| format!("{b} holds no replica of {partition}"))
    }

    fn partition(&self, name: &str, replica: Option<&str>, attr: PartAttr) -> Actual {
        let Some(p) = self.part(name) else { return Actual::Missing(format!("{name} does not exist yet")) };
        let names = |v: &Value| v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect::<Vec<_>>()).unwrap_or_default();
        match attr {
            PartAttr::Leader => Actual::Text(p["leader"].as_str().unwrap_or("none").to_string()),
            PartAttr::LeaderEpoch => p["leader_epoch"].as_i64().map(Actual::Num).unwrap_or(Actual::Missing(format!("{name} has not been created yet"))),
            PartAttr::Isr => Actual::List(names(&p["isr"])),
            PartAttr::IsrSize => Actual::Num(names(&p["isr"]).len() as i64),
            PartAttr::Elr => Actual::List(names(&p["elr"])),
            PartAttr::Hw | PartAttr::Leo | PartAttr::LogStart | PartAttr::Role | PartAttr::Status => {
                let r = match self.replica(name, replica) {
                    Ok(r) => r,
                    Err(m) => return Actual::Missing(m),
                };
                let field = match attr {
                    PartAttr::Hw => "hw",
                    PartAttr::Leo => "leo",
                    PartAttr::LogStart => "log_start",
                    PartAttr::Role => "role",
                    _ => "status",
                };
                json_actual(&r[field])
            }
        }
    }
}

fn json_actual(v: &Value) -> Actual {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => Actual::Num(i),
            None => Actual::Text(n.to_string()),
        },
        Value::String(s) => Actual::Text(s.clone()),
        Value::Bool(b) => Actual::Text(b.to_string()),
        Value::Null => Actual::Text("null".into()),
        Value::Array(a) => Actual::List(a.iter().map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string())).collect()),
        Value::Object(_) => Actual::Missing("an object, not a value".into()),
    }
}

/// Whether a run condition holds now. `epoch_at_start` is the partition's
/// leader epoch when the step began (for `leader = "changes"`).
pub(crate) fn condition_holds(world: &World, c: &Condition, epoch_at_start: i32, new_records: &[TraceRecord<Event>]) -> bool {
    let view = &world.sim.view().cluster;
    let part = |name: &str| tp_of(&world.scenario, name).and_then(|(t, p)| view.partitions.get(&crate::kafka::types::Tp(t, p)));
    match c {
        Condition::Leader { partition, broker } => part(partition).is_some_and(|p| p.leader == *broker),
        Condition::LeaderChanges { partition } => part(partition).is_some_and(|p| p.leader.is_some() && p.leader_epoch > epoch_at_start),
        Condition::IsrAtMost { partition, size } => part(partition).is_some_and(|p| (!p.isr.is_empty() || *size == 0) && p.isr.len() as u32 <= *size),
        Condition::IsrAtLeast { partition, size } => part(partition).is_some_and(|p| p.isr.len() as u32 >= *size),
        Condition::HwAtLeast { partition, offset } => part(partition).is_some_and(|p| p.hw >= *offset),
        Condition::AckedAtLeast(n) => view.acked >= *n,
        Condition::SentAtLeast(n) => view.sent >= *n,
        Condition::Event(f) => new_records.iter().any(|r| f.matches(world, r)),
        Condition::Output(f) => stream::output_emitted(world, f, new_records),
    }
}

/// The current leader epoch of a partition, from the trace's view (0
/// before it is created).
pub(crate) fn epoch_now(world: &World, partition: &str) -> i32 {
    tp_of(&world.scenario, partition).and_then(|(t, p)| world.sim.view().cluster.partitions.get(&crate::kafka::types::Tp(t, p))).map_or(0, |x| x.leader_epoch)
}

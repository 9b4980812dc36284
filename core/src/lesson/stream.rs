//! Stream-job expectations: what a lesson checks of a job's results
//! (`output`), of the job as a whole (`job`), and the `output` run
//! condition (`run = { output = { … } }`).
//!
//! Like every lesson measurement they read the public outputs only: the
//! per-job fold of the trace that the report prints
//! ([`crate::stream::report::JobRun`]: emitted results, published results,
//! late records, watermark moves, checkpoints, the oracle's comparison with
//! the ideal answer) and the exact lines `[[expect.outputs]]` compares, so
//! an instructor can copy a line from `streamlab run` into a lesson.
//!
//! A result is matched on its structure (window bounds in event-time
//! milliseconds, key, value, pane timing and index, micro-batch), not on
//! its printed line, so `"[12:00, 12:02)"` and `"[12:00:00, 12:02:00)"`
//! name the same window whatever the engine prints. Simplifications: a
//! job's `watermark` is the lowest of the latest watermarks of its
//! operators (Spark: the global watermark; Kafka Streams: stream time), not
//! a per-channel view; `duplicates` is the `duplicate-output` metric of the
//! job alone.

use super::expect::{get_int, get_str, only_keys, suggest, want_num, Actual, Check, Subject, Want};
use super::resolve::Cx;
use crate::kernel::{TraceEvent, TraceRecord};
use crate::model::Event;
use crate::scenario::jobs::parse_clock;
use crate::scenario::{Cmp, FieldPath, Scenario, ScenarioError};
use crate::stream::job::StreamEvent;
use crate::stream::report::JobRun;
use crate::stream::types::{clock, CheckpointPhase, Datum, EventTime, LateFate, Out, Pane, Timing, Window, MAX_WATERMARK, MIN_WATERMARK};
use crate::world::World;
use std::collections::BTreeMap;

type R<T> = Result<T, ScenarioError>;

/// The window an output expectation names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowSel {
    /// `"global"`: the global window, or no window (Spark's un-windowed
    /// aggregations, Flink's rolling `keyBy().sum()`).
    Global,
    Range(Window),
}

impl WindowSel {
    fn matches(self, w: Option<Window>) -> bool {
        match self {
            WindowSel::Global => w.is_none_or(|w| w.is_global()),
            WindowSel::Range(r) => w == Some(r),
        }
    }
    fn describe(self) -> String {
        match self {
            WindowSel::Global => "global".into(),
            WindowSel::Range(w) => format!("[{}, {})", clock(w.start), clock(w.end)),
        }
    }
}

/// A result's value as an expectation names it.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueSel {
    /// A number, equal to within the printed precision (0.0005).
    Num(f64),
    /// A comparison with an integer (`"> 10"`).
    Cmp(Cmp, i64),
    /// Text, as printed (`"+5+6"`).
    Text(String),
}

impl ValueSel {
    fn matches(&self, d: &Datum) -> bool {
        let num = match d {
            Datum::Int(i) => Some(*i as f64),
            Datum::Float(x) => Some(*x),
            Datum::Text(_) => None,
        };
        match (self, num) {
            (ValueSel::Num(x), Some(n)) => (n - x).abs() < 0.0005,
            (ValueSel::Cmp(c, v), Some(n)) => cmp_f64(*c, n, *v as f64),
            (ValueSel::Text(t), _) => d.to_string() == *t,
            _ => false,
        }
    }
    fn describe(&self) -> String {
        match self {
            ValueSel::Num(x) => Datum::Float(*x).to_string(),
            ValueSel::Cmp(c, v) => format!("{} {v}", c.symbol()),
            ValueSel::Text(t) => format!("{t:?}"),
        }
    }
}

fn cmp_f64(c: Cmp, a: f64, b: f64) -> bool {
    match c {
        Cmp::Eq => a == b,
        Cmp::Ne => a != b,
        Cmp::Lt => a < b,
        Cmp::Le => a <= b,
        Cmp::Gt => a > b,
        Cmp::Ge => a >= b,
    }
}

/// Which results of a job an `output` expectation or condition looks at.
/// Every field but `job` narrows the match; none given means every result.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputFilter {
    pub job: String,
    pub window: Option<WindowSel>,
    pub key: Option<String>,
    pub value: Option<ValueSel>,
    /// The result's event-time timestamp (`@1999` in Flink's lines; the
    /// window's end − 1 for window results, the element's own timestamp
    /// for per-element results such as rolling features).
    pub ts: Option<EventTime>,
    /// Pane timing (Beam B-4; Flink and Kafka Streams label their window
    /// results ON_TIME / LATE; Spark rows have none).
    pub timing: Option<Timing>,
    /// Beam `PaneInfo.index` (`index=2` in the printed line).
    pub index: Option<u32>,
    /// Spark: the micro-batch that produced the row.
    pub batch: Option<u64>,
    /// Only retractions (true) or only normal results (false).
    pub retraction: Option<bool>,
    /// Only the results the sink's readers see (a two-phase-commit sink
    /// publishes a result when its transaction commits); by default every
    /// result the engine emitted, as the job's lines show them.
    pub published: bool,
}

impl OutputFilter {
    pub fn matches(&self, p: &Pane) -> bool {
        self.window.is_none_or(|w| w.matches(p.window))
            && self.key.as_ref().is_none_or(|k| *k == p.key)
            && self.value.as_ref().is_none_or(|v| v.matches(&p.value))
            && self.ts.is_none_or(|t| p.out_ts == t)
            && self.timing.is_none_or(|t| p.timing == Some(t))
            && self.index.is_none_or(|i| p.index == i)
            && self.batch.is_none_or(|b| p.batch == Some(b))
            && self.retraction.is_none_or(|r| p.retraction == r)
    }

    /// Whether anything but the job is given.
    fn narrows(&self) -> bool {
        self.window.is_some()
            || self.key.is_some()
            || self.value.is_some()
            || self.ts.is_some()
            || self.timing.is_some()
            || self.index.is_some()
            || self.batch.is_some()
            || self.retraction.is_some()
            || self.published
    }

    /// `results of job heuristic (window [12:00:00, 12:02:00), key TeamX, timing LATE)`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(w) = self.window {
            parts.push(format!("window {}", w.describe()));
        }
        if let Some(k) = &self.key {
            parts.push(format!("key {k}"));
        }
        if let Some(v) = &self.value {
            parts.push(format!("value {}", v.describe()));
        }
        if let Some(t) = self.ts {
            parts.push(format!("timestamp {}", clock(t)));
        }
        if let Some(t) = self.timing {
            parts.push(format!("timing {t}"));
        }
        if let Some(i) = self.index {
            parts.push(format!("index {i}"));
        }
        if let Some(b) = self.batch {
            parts.push(format!("batch {b}"));
        }
        if let Some(r) = self.retraction {
            parts.push(if r { "retractions".into() } else { "not retractions".into() });
        }
        let what = if self.published { "published results" } else { "results" };
        if parts.is_empty() {
            format!("{what} of job {}", self.job)
        } else {
            format!("{what} of job {} ({})", self.job, parts.join(", "))
        }
    }
}

/// What an `output` expectation measures of the matching results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMeasure {
    /// How many there are (`panes`; without one, at least one).
    Panes,
    /// Their printed lines in order (`lines`); with no filter, every line
    /// the job printed, late records included, as `[[expect.outputs]]`.
    Lines,
    /// Their values in order (`values`); a retraction shows as `-v`.
    Values,
    /// The value the sink's readers end up with for one (window, key),
    /// folded the way the job refines its results (`final`, the oracle's
    /// `actual`).
    Final,
}

/// A job attribute (`{ job = "flink", late_dropped = 2 }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobAttr {
    Inputs,
    Results,
    Published,
    LateDropped,
    SideOutput,
    Duplicates,
    Checkpoints,
    Failures,
    Batches,
    Watermark,
    Ideal,
    Correct,
    Incorrect,
    Missing,
    Incomplete,
    Extra,
    LatencyP50,
    LatencyP99,
    LatencyMax,
    TableRows,
}

/// Job attributes: the name in a lesson, the attribute, and what it is.
pub const JOB_ATTRS: &[(&str, JobAttr, &str)] = &[
    ("inputs", JobAttr::Inputs, "records read"),
    ("results", JobAttr::Results, "results emitted"),
    ("published", JobAttr::Published, "results published"),
    ("late_dropped", JobAttr::LateDropped, "records dropped as late"),
    ("side_output", JobAttr::SideOutput, "late records sent to the side output"),
    ("duplicates", JobAttr::Duplicates, "duplicate outputs"),
    ("checkpoints", JobAttr::Checkpoints, "checkpoints completed"),
    ("failures", JobAttr::Failures, "failures"),
    ("batches", JobAttr::Batches, "micro-batches"),
    ("watermark", JobAttr::Watermark, "watermark"),
    ("ideal", JobAttr::Ideal, "rows of the ideal answer"),
    ("correct", JobAttr::Correct, "correct results"),
    ("incorrect", JobAttr::Incorrect, "wrong results"),
    ("missing", JobAttr::Missing, "missing results"),
    ("incomplete", JobAttr::Incomplete, "incomplete results"),
    ("extra", JobAttr::Extra, "extra results"),
    ("latency_p50_ms", JobAttr::LatencyP50, "latency p50 (ms)"),
    ("latency_p99_ms", JobAttr::LatencyP99, "latency p99 (ms)"),
    ("latency_max_ms", JobAttr::LatencyMax, "latency max (ms)"),
    ("table_rows", JobAttr::TableRows, "rows of the upsert table"),
];

fn attr_name(a: JobAttr) -> &'static str {
    JOB_ATTRS.iter().find(|x| x.1 == a).map_or("?", |x| x.2)
}

/// `late records of flink-counts dropped`, for people.
pub fn describe_job(job: &str, attr: JobAttr) -> String {
    format!("{} of job {job}", attr_name(attr))
}

pub fn describe_output(f: &OutputFilter, m: OutputMeasure) -> String {
    match m {
        OutputMeasure::Panes => format!("number of {}", f.describe()),
        OutputMeasure::Lines if !f.narrows() => format!("lines printed by job {}", f.job),
        OutputMeasure::Lines => format!("lines of the {}", f.describe()),
        OutputMeasure::Values => format!("values of the {}", f.describe()),
        OutputMeasure::Final => {
            format!("final value of job {} for {} · {}", f.job, f.window.map(WindowSel::describe).unwrap_or_default(), f.key.as_deref().unwrap_or(""))
        }
    }
}

// ----- reading from the lesson file ----------------------------------------

/// Checks a job name against the step's scenario.
fn check_job(cx: &Cx, sc: &Scenario, name: &str, p: &FieldPath) -> R<()> {
    if sc.jobs.iter().any(|j| j.name == name) {
        return Ok(());
    }
    if sc.jobs.is_empty() {
        return cx.err(p, format!("no job named {name:?}: this step's scenario has no stream jobs"));
    }
    let names: Vec<&str> = sc.jobs.iter().map(|j| j.name.as_str()).collect();
    cx.err(p, format!("no job named {name:?} in this step's scenario{}; jobs are {}", suggest(name, &names), names.join(", ")))
}

/// An event time: milliseconds, or a clock `"12:02:00[.250]"`.
fn parse_event_time(s: &str) -> Result<EventTime, String> {
    let t = s.trim();
    match t {
        "+inf" | "inf" => return Ok(MAX_WATERMARK),
        "-inf" => return Ok(MIN_WATERMARK),
        _ => {}
    }
    if let Ok(ms) = t.parse::<i64>() {
        return Ok(ms);
    }
    parse_clock(t)
}

/// `"[12:00, 12:02)"`, `"[0, 2000)"` or `"global"`.
pub(crate) fn parse_window(s: &str) -> Result<WindowSel, String> {
    let bad = || format!("{s:?} is not a window; write \"[12:00:00, 12:02:00)\" (clock times or milliseconds, start included, end excluded) or \"global\"");
    let t = s.trim();
    if t == "global" {
        return Ok(WindowSel::Global);
    }
    let inner = t.strip_prefix('[').and_then(|x| x.strip_suffix(')')).ok_or_else(bad)?;
    let (a, b) = inner.split_once(',').ok_or_else(bad)?;
    let start = parse_event_time(a).map_err(|m| format!("{}: {m}", bad()))?;
    let end = parse_event_time(b).map_err(|m| format!("{}: {m}", bad()))?;
    if start >= end {
        return Err(format!("{s:?}: the window must end after it starts"));
    }
    Ok(WindowSel::Range(Window::new(start, end)))
}

fn parse_value(cx: &Cx, v: &toml::Value, p: &FieldPath) -> R<ValueSel> {
    match v {
        toml::Value::Integer(i) => Ok(ValueSel::Num(*i as f64)),
        toml::Value::Float(x) => Ok(ValueSel::Num(*x)),
        toml::Value::String(s) if s.trim_start().starts_with(['<', '>', '=', '!']) => Cmp::parse(s).map(|(c, n)| ValueSel::Cmp(c, n)).or_else(|m| cx.err(p, m)),
        toml::Value::String(s) => Ok(ValueSel::Text(s.clone())),
        _ => cx.err(p, "expected a number (14, 45.635), a comparison (\"> 10\") or text (\"+5+6\")"),
    }
}

/// The `output = { … }` table.
fn parse_filter(cx: &Cx, sc: &Scenario, o: &toml::Table, p: &FieldPath) -> R<OutputFilter> {
    for k in ["panes", "lines", "values", "final", "count", "pane"] {
        if o.contains_key(k) {
            let hint = if k == "pane" {
                "the pane index is `index`".to_string()
            } else {
                format!("`{}` goes beside `output`, not inside it: {{ output = {{ job = \"…\" }}, panes = 2 }}", if k == "count" { "panes" } else { k })
            };
            return cx.err(&p.key(k), hint);
        }
    }
    only_keys(cx, o, &["job", "window", "key", "value", "ts", "timing", "index", "batch", "retraction", "published"], p, "an output filter")?;
    let job = match get_str(cx, o, "job", p)? {
        Some(j) if !j.is_empty() => j.to_string(),
        _ => return cx.err(&p.key("job"), "name the stream job: job = \"…\""),
    };
    check_job(cx, sc, &job, &p.key("job"))?;
    let window = match get_str(cx, o, "window", p)? {
        None => None,
        Some(w) => Some(parse_window(w).or_else(|m| cx.err(&p.key("window"), m))?),
    };
    let key = get_str(cx, o, "key", p)?.map(str::to_string);
    let value = match o.get("value") {
        None => None,
        Some(v) => Some(parse_value(cx, v, &p.key("value"))?),
    };
    let ts = match o.get("ts") {
        None => None,
        Some(toml::Value::Integer(i)) => Some(*i),
        Some(toml::Value::String(t)) => {
            Some(parse_event_time(t).or_else(|m| cx.err(&p.key("ts"), format!("{m}; write milliseconds (1999) or a clock time (\"12:00:40\")")))?)
        }
        Some(_) => return cx.err(&p.key("ts"), "expected an event time: milliseconds (1999) or a clock time (\"12:00:40\")"),
    };
    let timing = match get_str(cx, o, "timing", p)? {
        None => None,
        Some("EARLY") => Some(Timing::Early),
        Some("ON_TIME") => Some(Timing::OnTime),
        Some("LATE") => Some(Timing::Late),
        Some(t) => return cx.err(&p.key("timing"), format!("timing {t:?}: expected EARLY, ON_TIME or LATE")),
    };
    let index = get_int(cx, o, "index", p)?.map(|i| i as u32);
    let batch = get_int(cx, o, "batch", p)?;
    let boolean = |k: &str| -> R<Option<bool>> {
        match o.get(k) {
            None => Ok(None),
            Some(toml::Value::Boolean(b)) => Ok(Some(*b)),
            Some(_) => cx.err(&p.key(k), "expected true or false"),
        }
    };
    let retraction = boolean("retraction")?;
    let published = boolean("published")?.unwrap_or(false);
    Ok(OutputFilter { job, window, key, value, ts, timing, index, batch, retraction, published })
}

fn string_list(cx: &Cx, v: &toml::Value, p: &FieldPath, what: &str) -> R<Vec<String>> {
    let Some(a) = v.as_array() else { return cx.err(p, format!("expected a list of {what}")) };
    let mut out = Vec::new();
    for (i, x) in a.iter().enumerate() {
        let s = match x {
            toml::Value::String(s) => s.split_whitespace().collect::<Vec<_>>().join(" "),
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Float(f) => Datum::Float(*f).to_string(),
            _ => return cx.err(&p.index(i), format!("expected {what}")),
        };
        out.push(s);
    }
    Ok(out)
}

/// `{ output = { job, window, key, value, timing, … } }`, optionally with
/// one of `panes = N`, `lines = […]`, `values = […]`, `final = v`.
pub(crate) fn parse_output_item(cx: &Cx, sc: &Scenario, t: &toml::Table, p: &FieldPath) -> R<Vec<Check>> {
    let op = p.key("output");
    let Some(o) = t.get("output").and_then(toml::Value::as_table) else {
        return cx.err(&op, "expected a table: { job = \"…\", window = \"[12:00:00, 12:02:00)\", key = \"…\", value = 14, timing = \"ON_TIME\" }");
    };
    only_keys(cx, t, &["output", "panes", "lines", "values", "final"], p, "an output expectation")?;
    let filter = parse_filter(cx, sc, o, &op)?;
    let measures: Vec<&str> = ["panes", "lines", "values", "final"].into_iter().filter(|k| t.contains_key(*k)).collect();
    if measures.len() > 1 {
        return cx
            .err(&p.key(measures[1]), format!("give one of `panes`, `lines`, `values`, `final` per expectation (this one has {})", measures.join(" and ")));
    }
    let (measure, want, at) = match measures.first().copied() {
        None => (OutputMeasure::Panes, Want::Num(Cmp::Ge, 1), op.clone()),
        Some("panes") => (OutputMeasure::Panes, want_num(cx, &t["panes"], &p.key("panes"))?, p.key("panes")),
        Some("lines") => {
            (OutputMeasure::Lines, Want::Seq(string_list(cx, &t["lines"], &p.key("lines"), "lines as `streamlab run` prints them")?), p.key("lines"))
        }
        Some("values") => (OutputMeasure::Values, Want::Seq(string_list(cx, &t["values"], &p.key("values"), "values (numbers or text)")?), p.key("values")),
        _ => {
            let fp = p.key("final");
            if filter.window.is_none() || filter.key.is_none() {
                return cx.err(&fp, "`final` is the value of one (window, key): give `window` and `key` in `output`");
            }
            if filter.value.is_some()
                || filter.ts.is_some()
                || filter.timing.is_some()
                || filter.index.is_some()
                || filter.batch.is_some()
                || filter.retraction.is_some()
                || filter.published
            {
                return cx.err(&op, "with `final`, `output` names only job, window and key (the value is what readers end up with)");
            }
            let want = match &t["final"] {
                toml::Value::Integer(i) => Want::Text { equal: true, value: i.to_string() },
                toml::Value::Float(x) => Want::Text { equal: true, value: Datum::Float(*x).to_string() },
                toml::Value::String(s) => match s.trim().strip_prefix("!=") {
                    Some(rest) => Want::Text { equal: false, value: rest.trim().to_string() },
                    None => Want::Text { equal: true, value: s.trim().to_string() },
                },
                _ => return cx.err(&fp, "expected a value (14, 45.635, \"+5+6\") or \"none\" for no result"),
            };
            (OutputMeasure::Final, want, fp)
        }
    };
    Ok(vec![Check { subject: Subject::Output { filter, measure }, want, place: cx.place(&at) }])
}

/// A watermark want: `"12:02:00"`, `">= 12:02:00"`, `"+inf"` or
/// milliseconds.
fn want_time(cx: &Cx, v: &toml::Value, p: &FieldPath) -> R<Want> {
    match v {
        toml::Value::Integer(i) => Ok(Want::Time(Cmp::Eq, *i)),
        toml::Value::String(s) => {
            let t = s.trim();
            let (c, rest) = [(">=", Cmp::Ge), ("<=", Cmp::Le), ("==", Cmp::Eq), ("!=", Cmp::Ne), (">", Cmp::Gt), ("<", Cmp::Lt), ("=", Cmp::Eq)]
                .iter()
                .find_map(|(sym, c)| t.strip_prefix(sym).map(|r| (*c, r)))
                .unwrap_or((Cmp::Eq, t));
            let ms = parse_event_time(rest).or_else(|m| cx.err(p, format!("{m}; write e.g. \"12:02:00\", \">= 12:02:00\" or \"+inf\"")))?;
            Ok(Want::Time(c, ms))
        }
        _ => cx.err(p, "expected an event time such as \"12:02:00\" or \">= 12:02:00\""),
    }
}

/// `{ job = "NAME", late_dropped = 2, watermark = "12:02:00", … }`.
pub(crate) fn parse_job_item(cx: &Cx, sc: &Scenario, t: &toml::Table, p: &FieldPath) -> R<Vec<Check>> {
    let mut allowed = vec!["job"];
    allowed.extend(JOB_ATTRS.iter().map(|a| a.0));
    only_keys(cx, t, &allowed, p, "a job expectation")?;
    let name = get_str(cx, t, "job", p)?.unwrap_or_default().to_string();
    check_job(cx, sc, &name, &p.key("job"))?;
    let mut out = Vec::new();
    for (k, attr, _) in JOB_ATTRS {
        let Some(v) = t.get(*k) else { continue };
        let kp = p.key(k);
        let want = if *attr == JobAttr::Watermark { want_time(cx, v, &kp)? } else { want_num(cx, v, &kp)? };
        out.push(Check { subject: Subject::Job { job: name.clone(), attr: *attr }, want, place: cx.place(&kp) });
    }
    if out.is_empty() {
        let names: Vec<&str> = JOB_ATTRS.iter().map(|a| a.0).collect();
        return cx.err(p, format!("say what to check of job {name}: one of {}", names.join(", ")));
    }
    Ok(out)
}

/// `run = { output = { … } }`: until the job emits a matching result.
pub(crate) fn parse_output_condition(cx: &Cx, sc: &Scenario, t: &toml::Table, p: &FieldPath) -> R<OutputFilter> {
    only_keys(cx, t, &["output"], p, "an output condition")?;
    let op = p.key("output");
    let Some(o) = t.get("output").and_then(toml::Value::as_table) else {
        return cx.err(&op, "expected a table: { job = \"…\", timing = \"ON_TIME\" }");
    };
    let f = parse_filter(cx, sc, o, &op)?;
    if f.published {
        return cx.err(&op.key("published"), "a run condition waits for a result to be emitted; `published` is for expectations");
    }
    Ok(f)
}

// ----- measuring -------------------------------------------------------------

fn job_index(world: &World, job: &str) -> Option<usize> {
    world.scenario.jobs.iter().position(|j| j.name == job)
}

fn line_of(world: &World, j: usize, p: &Pane) -> String {
    crate::stream::engines::format_out(&world.scenario.jobs[j], &Out::Pane(p.clone())).unwrap_or_else(|| format!("{} {}", p.key, p.value))
}

fn normalized(lines: &[String]) -> Vec<String> {
    lines.iter().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

/// Measures an `output` subject on the jobs' runs so far.
pub(crate) fn measure_output(world: &World, runs: &[JobRun], f: &OutputFilter, m: OutputMeasure) -> Actual {
    let Some((j, run)) = job_index(world, &f.job).and_then(|j| runs.get(j).map(|r| (j, r))) else {
        return Actual::Missing(format!("no job {}", f.job));
    };
    let source = if f.published { &run.published } else { &run.outputs };
    let matching: Vec<&Pane> = source.iter().filter(|p| f.matches(p)).collect();
    match m {
        OutputMeasure::Panes => {
            Actual::Matches { count: matching.len() as i64, lines: matching.iter().map(|p| line_of(world, j, p)).collect(), printed: normalized(&run.lines) }
        }
        OutputMeasure::Lines if !f.narrows() => Actual::List(normalized(&run.lines)),
        OutputMeasure::Lines => Actual::List(normalized(&matching.iter().map(|p| line_of(world, j, p)).collect::<Vec<_>>())),
        OutputMeasure::Values => Actual::List(matching.iter().map(|p| if p.retraction { format!("-{}", p.value) } else { p.value.to_string() }).collect()),
        OutputMeasure::Final => {
            let Some(o) = &run.oracle else {
                return Actual::Missing(format!("job {} has no ideal answer to fold its results with (feature pipelines and DStreams)", f.job));
            };
            let (Some(w), Some(k)) = (f.window, &f.key) else { return Actual::Missing("name a window and a key".into()) };
            match o.rows.iter().find(|r| w.matches(r.window) && r.key == *k) {
                Some(r) => Actual::Text(r.actual.as_ref().map_or("none".to_string(), Datum::to_string)),
                None => Actual::Text("none".into()),
            }
        }
    }
}

/// `duplicate-output` of one job alone: the metric sums every job's.
fn job_duplicates(world: &World, runs: &[JobRun], j: usize) -> i64 {
    let mut sc = world.scenario.clone();
    sc.jobs = vec![world.scenario.jobs[j].clone()];
    let m = crate::stream::check::metrics(&sc, std::slice::from_ref(&runs[j]), world.sim.trace().records());
    m.get("duplicate-output").copied().unwrap_or(0)
}

/// The job's event-time clock now: Spark's global watermark, else the
/// lowest of the latest watermarks of its non-source operators.
pub(crate) fn job_watermark(run: &JobRun) -> Option<EventTime> {
    if let Some(w) = run.watermarks.iter().rev().find(|w| w.op == "global") {
        return Some(w.wm);
    }
    let mut last: BTreeMap<&str, EventTime> = BTreeMap::new();
    for w in run.watermarks.iter().filter(|w| !w.op.starts_with("source[")) {
        last.insert(&w.op, w.wm);
    }
    last.values().min().copied()
}

/// Measures a `job` subject.
pub(crate) fn measure_job(world: &World, runs: &[JobRun], job: &str, attr: JobAttr) -> Actual {
    let Some((j, run)) = job_index(world, job).and_then(|j| runs.get(j).map(|r| (j, r))) else {
        return Actual::Missing(format!("no job {job}"));
    };
    let n = |x: usize| Actual::Num(x as i64);
    let oracle = || run.oracle.as_ref().ok_or_else(|| format!("job {job} has no ideal answer to compare with (feature pipelines and DStreams)"));
    let ms = |x: Option<u64>| {
        x.map(|v| Actual::Num((v / 1000) as i64)).unwrap_or_else(|| Actual::Missing(format!("no result of job {job} has included an input yet")))
    };
    let from_oracle = |f: &dyn Fn(&crate::stream::oracle::OracleReport) -> Actual| match oracle() {
        Ok(o) => f(o),
        Err(m) => Actual::Missing(m),
    };
    match attr {
        JobAttr::Inputs => n(run.inputs.len()),
        JobAttr::Results => n(run.outputs.len()),
        JobAttr::Published => n(run.published.len()),
        JobAttr::LateDropped => n(run.late.iter().filter(|l| l.fate == LateFate::Dropped).count()),
        JobAttr::SideOutput => n(run.late.iter().filter(|l| l.fate == LateFate::SideOutput).count()),
        JobAttr::Duplicates => Actual::Num(job_duplicates(world, runs, j)),
        JobAttr::Checkpoints => n(run.checkpoints.iter().filter(|c| c.phase == CheckpointPhase::Completed).count()),
        JobAttr::Failures => n(run.failures.len().max(run.restarts.len())),
        JobAttr::Batches => n(run.batches.len()),
        JobAttr::Watermark => job_watermark(run).map(Actual::Time).unwrap_or_else(|| Actual::Missing(format!("job {job} has no watermark yet"))),
        JobAttr::TableRows => match &run.table {
            Some(t) => n(t.len()),
            None => Actual::Missing(format!("job {job} does not write to an upsert sink")),
        },
        JobAttr::Ideal => from_oracle(&|o| Actual::Num(o.totals.ideal_rows as i64)),
        JobAttr::Correct => from_oracle(&|o| Actual::Num(o.totals.correct as i64)),
        JobAttr::Incorrect => from_oracle(&|o| Actual::Num(o.totals.incorrect as i64)),
        JobAttr::Missing => from_oracle(&|o| Actual::Num(o.totals.missing_rows as i64)),
        JobAttr::Incomplete => from_oracle(&|o| Actual::Num(o.totals.incomplete_rows as i64)),
        JobAttr::Extra => from_oracle(&|o| Actual::Num(o.totals.extra_rows as i64)),
        JobAttr::LatencyP50 => from_oracle(&|o| ms(o.latency.p50)),
        JobAttr::LatencyP99 => from_oracle(&|o| ms(o.latency.p99)),
        JobAttr::LatencyMax => from_oracle(&|o| ms(o.latency.max)),
    }
}

/// Whether one of `new_records` is a result of the filter's job that
/// matches it (for `run = { output = … }`; checked after every event, so it
/// looks at the new trace records only).
pub(crate) fn output_emitted(world: &World, f: &OutputFilter, new_records: &[TraceRecord<Event>]) -> bool {
    let Some(j) = job_index(world, &f.job) else { return false };
    new_records.iter().any(|r| match &r.ev {
        TraceEvent::Domain(Event::Stream(StreamEvent::Out { job, out: Out::Pane(p) })) => usize::from(*job) == j && f.matches(p),
        _ => false,
    })
}

/// One line per job for the runner's status notes: results so far, the
/// watermark and late records.
pub(crate) fn status(world: &World) -> Vec<String> {
    if world.scenario.jobs.is_empty() {
        return Vec::new();
    }
    let runs = crate::stream::report::collect(&world.scenario, world.sim.trace().records());
    runs.iter()
        .map(|run| {
            let mut s = format!("job {} ({}): {} inputs, {} results", run.name, run.engine, run.inputs.len(), run.outputs.len());
            if run.published.len() != run.outputs.len() {
                s += &format!(" ({} published)", run.published.len());
            }
            if let Some(wm) = job_watermark(run) {
                s += &format!(", watermark {}", clock(wm));
            }
            let dropped = run.late.iter().filter(|l| l.fate == LateFate::Dropped).count();
            let side = run.late.iter().filter(|l| l.fate == LateFate::SideOutput).count();
            if dropped + side > 0 {
                s += &format!(", late: {dropped} dropped, {side} side output");
            }
            let done = run.checkpoints.iter().filter(|c| c.phase == CheckpointPhase::Completed).count();
            if done > 0 {
                s += &format!(", {done} checkpoints");
            }
            if !run.batches.is_empty() {
                s += &format!(", {} batches", run.batches.len());
            }
            let fails = run.failures.len().max(run.restarts.len());
            if fails > 0 {
                s += &format!(", {fails} failures");
            }
            s
        })
        .collect()
}

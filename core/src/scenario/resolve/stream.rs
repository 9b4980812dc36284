//! Resolution of the stream parts: `clock`, `[[inputs]]`, `[[jobs]]`,
//! `[compare]` and `[[expect.outputs]]`.

use super::{root, Resolver, R};
use crate::kafka::config::{KafkaVersion, Props, Scope, Value};
use crate::scenario::jobs::*;
use crate::scenario::raw::*;
use crate::scenario::{FieldPath, TopicSpec};
use crate::stream::types::{Aggregate, Datum, EventTime, JobShape, WindowSpec};
use crate::time::{Duration, Micros};

/// The stream parts, resolved.
pub(crate) struct StreamParts {
    pub clock: EventTime,
    pub inputs: Vec<InputSpec>,
    pub jobs: Vec<JobSpec>,
    pub compare: Option<CompareSpec>,
}

const MAX_JOBS: usize = 32;
const MAX_INPUT_RECORDS: usize = 100_000;

impl Resolver<'_, '_> {
    pub(super) fn stream_parts(&self, raw: &RawScenario, topics: &[TopicSpec], v: KafkaVersion, duration: Duration) -> R<StreamParts> {
        let clock = match &raw.clock {
            None => 0,
            Some(c) => parse_clock(c).or_else(|m| self.err(&root().key("clock"), m))?,
        };
        let mut inputs: Vec<InputSpec> = Vec::new();
        for (i, inp) in raw.inputs.iter().enumerate() {
            let p = root().key("inputs").index(i);
            self.check_name(&inp.name, &p.key("name"))?;
            if inputs.iter().any(|o| o.name == inp.name) || topics.iter().any(|t| t.name == inp.name) {
                return self.err(&p.key("name"), format!("the name {:?} is already used by another input or a topic", inp.name));
            }
            if inp.records.len() > MAX_INPUT_RECORDS {
                return self.err(&p.key("records"), format!("at most {MAX_INPUT_RECORDS} scripted records per input"));
            }
            let mut records = Vec::new();
            for (j, r) in inp.records.iter().enumerate() {
                let rp = p.key("records").index(j);
                let at = self.arrival(&r.at, clock, duration, &rp.key("at"))?;
                let ts = self.event_time(&r.ts, &rp.key("ts"))?;
                let value = match &r.value {
                    None => Datum::Int(1),
                    Some(toml::Value::Integer(x)) => Datum::Int(*x),
                    Some(toml::Value::Float(x)) if x.is_finite() => Datum::Float(*x),
                    Some(toml::Value::String(s)) => Datum::Text(s.clone()),
                    Some(_) => return self.err(&rp.key("value"), "a value is an integer, a finite number or a string"),
                };
                records.push(InputRecord { at, ts, key: r.key.clone().unwrap_or_default(), value });
            }
            let mut watermarks = Vec::new();
            for (j, w) in inp.watermarks.iter().enumerate() {
                let wp = p.key("watermarks").index(j);
                watermarks.push((self.arrival(&w.at, clock, duration, &wp.key("at"))?, self.event_time(&w.wm, &wp.key("wm"))?));
            }
            let end = match &inp.end {
                None => None,
                Some(e) => Some(self.arrival(e, clock, duration, &p.key("end"))?),
            };
            inputs.push(InputSpec { name: inp.name.clone(), records, watermarks, end });
        }
        if raw.jobs.len() > MAX_JOBS {
            return self.err(&root().key("jobs"), format!("at most {MAX_JOBS} jobs"));
        }
        let mut jobs: Vec<JobSpec> = Vec::new();
        for (i, j) in raw.jobs.iter().enumerate() {
            let job = self.job(j, &root().key("jobs").index(i), &inputs, topics, v)?;
            if jobs.iter().any(|o| o.name == job.name) {
                return self.err(&root().key("jobs").index(i).key("name"), format!("job {:?} is declared twice", job.name));
            }
            jobs.push(job);
        }
        let compare = match &raw.compare {
            None => None,
            Some(c) => {
                let p = root().key("compare");
                if c.jobs.len() < 2 {
                    return self.err(&p.key("jobs"), "compare needs at least two jobs");
                }
                let mut idx = Vec::new();
                for (k, name) in c.jobs.iter().enumerate() {
                    match jobs.iter().position(|j| &j.name == name) {
                        Some(x) if !idx.contains(&x) => idx.push(x),
                        Some(_) => return self.err(&p.key("jobs").index(k), format!("job {name:?} is listed twice")),
                        None => return self.err(&p.key("jobs").index(k), format!("no job named {name:?} is declared in [[jobs]]")),
                    }
                }
                Some(CompareSpec { jobs: idx, description: c.description.clone() })
            }
        };
        Ok(StreamParts { clock, inputs, jobs, compare })
    }

    /// A processing time: integer ms since the start, or a clock string
    /// relative to the scenario's `clock`.
    fn arrival(&self, t: &RawTime, clock: EventTime, duration: Duration, p: &FieldPath) -> R<Micros> {
        let ms = match t {
            RawTime::Millis(ms) => *ms,
            RawTime::Text(s) => {
                if let Ok(d) = Duration::parse(s) {
                    (d.0 / 1000) as i64
                } else {
                    parse_clock(s).or_else(|m| self.err(p, m))? - clock
                }
            }
        };
        if ms < 0 {
            return self.err(p, format!("this time is before the start of the run (clock = {})", crate::stream::types::clock(clock)));
        }
        let us = (ms as u64).saturating_mul(1000);
        if us > duration.0 {
            return self.err(p, format!("this time is after the end of the run (duration = {duration})"));
        }
        Ok(us)
    }

    fn event_time(&self, t: &RawTime, p: &FieldPath) -> R<EventTime> {
        match t {
            RawTime::Millis(ms) => Ok(*ms),
            RawTime::Text(s) => parse_clock(s).or_else(|m| self.err(p, m)),
        }
    }

    fn job(&self, j: &RawJob, p: &FieldPath, inputs: &[InputSpec], topics: &[TopicSpec], v: KafkaVersion) -> R<JobSpec> {
        self.check_name(&j.name, &p.key("name"))?;
        let names: Vec<String> = match &j.source {
            RawSources::One(s) => vec![s.clone()],
            RawSources::Many(v) => v.clone(),
        };
        if names.is_empty() {
            return self.err(&p.key("source"), "a job needs at least one source");
        }
        let mut sources = Vec::new();
        let mut channels = Vec::new();
        for (k, n) in names.iter().enumerate() {
            let sp = if matches!(j.source, RawSources::One(_)) { p.key("source") } else { p.key("source").index(k) };
            if let Some(x) = inputs.iter().position(|i| &i.name == n) {
                sources.push(SourceRef::Input(x));
                channels.push(1);
            } else if let Some(x) = topics.iter().position(|t| &t.name == n) {
                sources.push(SourceRef::Topic(x));
                channels.push(topics[x].partitions);
            } else {
                return self.err(&sp, format!("no [[inputs]] or topic named {n:?}"));
            }
        }
        let flat_map = match j.flat_map.as_deref() {
            None => None,
            Some("split") => Some(FlatMap::Split),
            Some(o) => return self.err(&p.key("flatMap"), format!("unknown flatMap {o:?}; the modelled one is \"split\" (one record per word)")),
        };
        let window = match &j.window {
            None => WindowSpec::Global,
            Some(w) => self.window(w, &p.key("window"))?,
        };
        let aggregate = match j.aggregate.as_deref() {
            None => Aggregate::Count,
            Some(a) => parse_aggregate(a).or_else(|m| self.err(&p.key("aggregate"), m))?,
        };
        let parallelism = match j.parallelism {
            None => 1,
            Some(n) if (1..=64).contains(&n) => n as u32,
            Some(n) => return self.err(&p.key("parallelism"), format!("parallelism must be between 1 and 64, got {n}")),
        };
        let (engine, table) = match j.engine.as_str() {
            "beam" => (EngineSpec::Beam { spec: j.beam.clone().unwrap_or_default() }, "beam"),
            "flink" => (EngineSpec::Flink { spec: j.flink.clone().unwrap_or_default() }, "flink"),
            "spark" => (EngineSpec::Spark { spec: j.spark.clone().unwrap_or_default() }, "spark"),
            "dstream" => (EngineSpec::DStream { spec: j.dstream.clone().unwrap_or_default() }, "dstream"),
            "kstreams" => (EngineSpec::KStreams { spec: j.kstreams.clone().unwrap_or_default() }, "kstreams"),
            o => return self.err(&p.key("engine"), format!("unknown engine {o:?}; expected beam, flink, spark, dstream or kstreams")),
        };
        for (other, present) in [("beam", &j.beam), ("flink", &j.flink), ("spark", &j.spark), ("dstream", &j.dstream), ("kstreams", &j.kstreams)] {
            if other != table && present.is_some() {
                return self.err(&p.key(other), format!("[jobs.{other}] configures the {other} engine, but this job runs on {table}"));
            }
        }
        // Flink's KafkaSource: earliest offsets, no group commits (its
        // offsets live in checkpoints, C-10); no per-record processing delay.
        let mut consumer_config = Props::defaults(v, &[Scope::Consumer]);
        consumer_config.set("auto.offset.reset", Value::Str("earliest".into()));
        consumer_config.set("streamlab.commit.mode", Value::Str("none".into()));
        consumer_config.set("streamlab.processing.time.ms", Value::Time(Duration::ZERO));
        self.apply_config(&mut consumer_config, &j.config, &p.key("config"), &[Scope::Consumer], "consumer")?;
        let mut producer_config = Props::defaults(v, &[Scope::Producer]);
        let sink = match &j.sink {
            None => SinkSpec::Print,
            Some(s) => self.sink(s, &p.key("sink"), &j.name, topics, &mut producer_config)?,
        };
        let shape = JobShape { name: j.name.clone(), window, aggregate, sources: channels, parallelism };
        let explicit = j.sink.as_ref().is_some_and(|s| s.config.contains_key("enable.idempotence"));
        let producer_idempotent =
            crate::kafka::config::resolve_idempotence(&producer_config, explicit).or_else(|m| self.err(&p.key("sink").key("config"), m))?;
        if matches!(sink, SinkSpec::Kafka { guarantee: DeliveryGuarantee::ExactlyOnce, .. }) && parallelism > 1 {
            return self.err(&p.key("parallelism"), "an exactly-once kafka sink is modelled with one transactional producer: use parallelism = 1");
        }
        let spec = JobSpec { name: j.name.clone(), engine, shape, sources, flat_map, sink, consumer_config, producer_config, producer_idempotent };
        // Build the engine once: its own table is validated here, so that a
        // scenario that parsed always builds.
        if let Err(e) = crate::stream::engines::EngineBox::try_build(&spec) {
            let mut path = p.key(table);
            for part in e.field.split('.').filter(|x| !x.is_empty()) {
                path = path.key(part);
            }
            if self.loc.span_of(&path).is_none() {
                path = if j.engine_table(table) { p.key(table) } else { p.key("engine") };
            }
            return self.err(&path, e.message);
        }
        Ok(spec)
    }

    fn window(&self, w: &RawWindow, p: &FieldPath) -> R<WindowSpec> {
        let ms = |d: Option<Duration>| d.map(|d| (d.0 / 1000) as i64);
        let need = |d: Option<Duration>, f: &str| -> R<i64> {
            match d {
                Some(d) if d.0 >= 1000 => Ok((d.0 / 1000) as i64),
                Some(_) => self.err(&p.key(f), format!("{f} must be at least 1ms")),
                None => self.err(p, format!("a {} window needs `{f}`", w.kind)),
            }
        };
        let offset = ms(w.offset).unwrap_or(0);
        let spec = match w.kind.as_str() {
            "tumbling" | "fixed" => WindowSpec::Tumbling { size: need(w.size, "size")?, offset },
            "sliding" => {
                let (size, slide) = (need(w.size, "size")?, need(w.slide, "slide")?);
                if slide > size {
                    return self.err(&p.key("slide"), "slide must not be longer than size");
                }
                WindowSpec::Sliding { size, slide, offset }
            }
            "session" => WindowSpec::Session { gap: need(w.gap, "gap")? },
            "global" => WindowSpec::Global,
            o => return self.err(&p.key("type"), format!("unknown window type {o:?}; expected tumbling, sliding, session or global")),
        };
        let allowed: &[&str] = match &spec {
            WindowSpec::Tumbling { .. } => &["size", "offset"],
            WindowSpec::Sliding { .. } => &["size", "slide", "offset"],
            WindowSpec::Session { .. } => &["gap"],
            WindowSpec::Global => &[],
        };
        for (f, present) in [("size", w.size.is_some()), ("slide", w.slide.is_some()), ("gap", w.gap.is_some()), ("offset", w.offset.is_some())] {
            if present && !allowed.contains(&f) {
                return self.err(&p.key(f), format!("`{f}` does not apply to a {} window", w.kind));
            }
        }
        Ok(spec)
    }

    fn sink(&self, s: &RawSink, p: &FieldPath, job: &str, topics: &[TopicSpec], producer_config: &mut Props) -> R<SinkSpec> {
        match s.kind.as_str() {
            "print" | "upsert" => {
                for (f, present) in [
                    ("topic", s.topic.is_some()),
                    ("deliveryGuarantee", s.delivery_guarantee.is_some()),
                    ("transactionalIdPrefix", s.transactional_id_prefix.is_some()),
                ] {
                    if present {
                        return self.err(&p.key(f), format!("`{f}` applies to a kafka sink only"));
                    }
                }
                Ok(if s.kind == "print" { SinkSpec::Print } else { SinkSpec::Upsert })
            }
            "kafka" => {
                let Some(t) = &s.topic else { return self.err(p, "a kafka sink needs `topic`") };
                let Some(topic) = topics.iter().position(|x| &x.name == t) else {
                    return self.err(&p.key("topic"), format!("no topic named {t:?} is declared in [[topics]]"));
                };
                let guarantee = match s.delivery_guarantee.as_deref().map(|g| g.to_ascii_lowercase().replace('_', "-")) {
                    None => DeliveryGuarantee::None,
                    Some(g) if g == "exactly-once" => DeliveryGuarantee::ExactlyOnce,
                    Some(g) if g == "at-least-once" => DeliveryGuarantee::AtLeastOnce,
                    Some(g) if g == "none" => DeliveryGuarantee::None,
                    Some(g) => {
                        return self.err(&p.key("deliveryGuarantee"), format!("unknown delivery guarantee {g:?}; expected exactly-once, at-least-once or none"))
                    }
                };
                // Flink's KafkaSink: acks=all; exactly-once uses a
                // transactional producer (its id from the prefix).
                producer_config.set("acks", Value::Str("all".into()));
                self.apply_config(producer_config, &s.config, &p.key("config"), &[Scope::Producer], "producer")?;
                let prefix = s.transactional_id_prefix.clone().unwrap_or_else(|| job.to_string());
                if guarantee == DeliveryGuarantee::ExactlyOnce {
                    producer_config.set("transactional.id", Value::List(vec![format!("{prefix}-0")]));
                    producer_config.set("enable.idempotence", Value::Bool(true));
                }
                Ok(SinkSpec::Kafka { topic, guarantee, transactional_id_prefix: format!("{prefix}-0") })
            }
            o => self.err(&p.key("type"), format!("unknown sink type {o:?}; expected print, kafka or upsert")),
        }
    }

    /// `[[expect.outputs]]`.
    pub(super) fn output_expectations(&self, v: &toml::Value, jobs: &[JobSpec], file: &str) -> R<Vec<OutputExpectation>> {
        let p = root().key("expect").key("outputs");
        let toml::Value::Array(items) = v else {
            return self.err(&p, "expect.outputs is a list of tables: [[expect.outputs]] job = \"…\" lines = [\"…\"]");
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let ip = p.index(i);
            let toml::Value::Table(t) = item else { return self.err(&ip, "each expected output is a table with `job` and `lines`") };
            for k in t.keys() {
                if k != "job" && k != "lines" {
                    return self.err(&ip.key(k), format!("unknown field `{k}`, expected `job` or `lines`"));
                }
            }
            let Some(toml::Value::String(name)) = t.get("job") else { return self.err(&ip, "an expected output names its `job` (a string)") };
            let Some(job) = jobs.iter().position(|j| &j.name == name) else {
                return self.err(&ip.key("job"), format!("no job named {name:?} is declared in [[jobs]]"));
            };
            let Some(toml::Value::Array(ls)) = t.get("lines") else { return self.err(&ip, "an expected output lists its `lines` (strings)") };
            let mut lines = Vec::new();
            for (k, l) in ls.iter().enumerate() {
                match l {
                    toml::Value::String(s) => lines.push(s.split_whitespace().collect::<Vec<_>>().join(" ")),
                    _ => return self.err(&ip.key("lines").index(k), "each line is a string"),
                }
            }
            let line = self.loc.error_at(&ip, "").line;
            out.push(OutputExpectation { job, lines, location: format!("{file}:{line}") });
        }
        Ok(out)
    }
}

/// `count`, `sum`, `min`, `max`, `avg`, `p50`…`p100`, `concat`.
pub fn parse_aggregate(a: &str) -> Result<Aggregate, String> {
    Ok(match a {
        "count" => Aggregate::Count,
        "sum" => Aggregate::Sum,
        "min" => Aggregate::Min,
        "max" => Aggregate::Max,
        "avg" | "mean" => Aggregate::Avg,
        "concat" => Aggregate::Concat,
        p if p.starts_with('p') => match p[1..].parse::<f64>() {
            Ok(x) if x > 0.0 && x <= 100.0 => Aggregate::Percentile(x),
            _ => return Err(format!("{a:?} is not a percentile; write p50, p95, p99 …")),
        },
        _ => return Err(format!("unknown aggregate {a:?}; expected count, sum, min, max, avg, p50/p95/p99 or concat")),
    })
}

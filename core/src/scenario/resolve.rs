//! Raw scenario → checked [`Scenario`].

use super::error::{FieldPath, Locator, ScenarioError};
use super::raw::*;
use super::*;
use crate::check::metrics;
use crate::kafka::config::{self, coerce, resolve_idempotence, KafkaVersion, Props, Raw, Scope};
use crate::kernel::{CrashKind, LinkConfig, RandomFaultKind};
use crate::time::Duration;

mod stream;

/// Parses and validates a scenario. `file` is only used in messages.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let loc = Locator::new(file, text)?;
    let raw: RawScenario = toml::from_str(text).map_err(|e| loc.from_toml(&e))?;
    let hash = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()));
    Resolver { loc: &loc }.scenario(raw, file, text, hash)
}

struct Resolver<'a, 'i> {
    loc: &'a Locator<'i>,
}

type R<T> = Result<T, ScenarioError>;

fn root() -> FieldPath {
    FieldPath::root()
}

const MAX_BROKERS: i64 = 64;
const MAX_PARTITIONS: i64 = 1024;
const MAX_CLIENTS: usize = 256;

impl Resolver<'_, '_> {
    fn err<T>(&self, path: &FieldPath, msg: impl Into<String>) -> R<T> {
        Err(self.loc.error_at(path, msg))
    }

    fn scenario(&self, raw: RawScenario, file: &str, text: &str, hash: String) -> R<Scenario> {
        if raw.name.trim().is_empty() {
            return self.err(&root().key("name"), "the scenario needs a non-empty name");
        }
        let seed = match raw.seed {
            None => None,
            Some(s) if s >= 0 => Some(s as u64),
            Some(s) => return self.err(&root().key("seed"), format!("seed must be between 0 and {}, got {s}", i64::MAX)),
        };
        let duration = raw.duration.unwrap_or(DEFAULT_DURATION);
        if duration.0 == 0 {
            return self.err(&root().key("duration"), "duration must be longer than 0");
        }
        if duration.0 > 24 * 3600 * 1_000_000 {
            return self.err(&root().key("duration"), "duration must be at most 24h of simulated time");
        }
        let kafka_version = match &raw.kafka.version {
            None => KafkaVersion::DEFAULT,
            Some(v) => KafkaVersion::parse(v).or_else(|e| self.err(&root().key("kafka").key("version"), e))?,
        };

        // cluster
        // A scenario with only scripted stream inputs needs no cluster.
        let kafka_free = raw.topics.is_empty() && raw.producers.is_empty() && raw.consumers.is_empty();
        let brokers = raw.cluster.brokers.unwrap_or(if kafka_free && !raw.jobs.is_empty() { 0 } else { 3 });
        let min_brokers = if kafka_free { 0 } else { 1 };
        if !(min_brokers..=MAX_BROKERS).contains(&brokers) {
            return self.err(&root().key("cluster").key("brokers"), format!("brokers must be between 1 and {MAX_BROKERS}, got {brokers}"));
        }
        let brokers = brokers as u32;
        let mut broker_config = Props::defaults(kafka_version, &[Scope::Broker, Scope::Topic]);
        self.apply_config(&mut broker_config, &raw.cluster.config, &root().key("cluster").key("config"), &[Scope::Broker, Scope::Topic], "broker")?;

        // topics
        let mut topics: Vec<TopicSpec> = Vec::new();
        for (i, t) in raw.topics.iter().enumerate() {
            let p = root().key("topics").index(i);
            topics.push(self.topic(t, &p, brokers, &broker_config, kafka_version)?);
            if topics[..i].iter().any(|o| o.name == t.name) {
                return self.err(&p.key("name"), format!("topic {:?} is declared twice", t.name));
            }
        }

        // clients
        if raw.producers.len() + raw.consumers.len() > MAX_CLIENTS {
            return self.err(&root().key("producers"), format!("at most {MAX_CLIENTS} producers and consumers in all"));
        }
        let mut producers = Vec::new();
        for (i, pr) in raw.producers.iter().enumerate() {
            producers.push(self.producer(pr, i, &topics, kafka_version, duration)?);
        }
        let mut consumers = Vec::new();
        for (i, c) in raw.consumers.iter().enumerate() {
            consumers.push(self.consumer(c, i, &topics, kafka_version)?);
        }
        let stream = self.stream_parts(&raw, &topics, kafka_version, duration)?;
        let mut names = node_names(brokers, producers.iter().map(|p: &ProducerSpec| p.name.clone()), consumers.iter().map(|c: &ConsumerSpec| c.name.clone()));
        names.extend(stream.jobs.iter().map(|j| j.name.clone()));
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                let path = if let Some(pi) = producers.iter().position(|p| &p.name == n) {
                    root().key("producers").index(pi).key("name")
                } else if let Some(ci) = consumers.iter().position(|c| &c.name == n) {
                    root().key("consumers").index(ci).key("name")
                } else if let Some(ji) = stream.jobs.iter().position(|j| &j.name == n) {
                    root().key("jobs").index(ji).key("name")
                } else {
                    root()
                };
                return self.err(&path, format!("the node name {n:?} is used twice (brokers are b1..b{brokers}, plus \"controller\")"));
            }
        }

        let network = self.network(&raw.network, &names)?;
        let mut faults = Vec::new();
        for (i, f) in raw.faults.iter().enumerate() {
            faults.push(self.fault(f, &root().key("faults").index(i), i, &names, &topics, duration)?);
        }
        let nemesis = match &raw.nemesis {
            None => None,
            Some(n) => Some(self.nemesis(n, duration)?),
        };
        let mut expect = Vec::new();
        let mut expect_outputs = Vec::new();
        for (k, v) in &raw.expect {
            if k == "outputs" {
                expect_outputs = self.output_expectations(v, &stream.jobs, file)?;
            } else {
                expect.push(self.expectation(k, v, file)?);
            }
        }
        Ok(Scenario {
            name: raw.name.trim().to_string(),
            description: raw.description,
            file: file.to_string(),
            source: text.to_string(),
            hash,
            seed,
            duration,
            kafka_version,
            network,
            brokers,
            broker_config,
            topics,
            producers,
            consumers,
            faults,
            nemesis,
            expect,
            clock: stream.clock,
            inputs: stream.inputs,
            jobs: stream.jobs,
            compare: stream.compare,
            expect_outputs,
        })
    }

    /// Applies a config table (flattening dotted keys) to `props`.
    /// Returns the names that were set.
    fn apply_config(&self, props: &mut Props, table: &toml::Table, path: &FieldPath, scopes: &[Scope], what: &str) -> R<Vec<&'static str>> {
        let mut flat = Vec::new();
        flatten(table, path, "", &mut flat);
        let mut set = Vec::new();
        for (name, p, value) in flat {
            let raw = match value {
                Ok(r) => r,
                Err(m) => return self.err(&p, m),
            };
            let Some(def) = config::prop(&name) else {
                let hint = config::suggest(&name, scopes).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
                return self.err(&p, format!("unknown {what} property `{name}`{hint}; see docs/scenario-format.md for the modelled properties"));
            };
            if !scopes.contains(&def.scope) {
                let home = match def.scope {
                    Scope::Broker => "a broker property: set it in [cluster.config]",
                    Scope::Topic => "a topic property: set it in [[topics]] config or [cluster.config]",
                    Scope::Producer => "a producer property: set it in [[producers]] config",
                    Scope::Consumer => "a consumer property: set it in [[consumers]] config",
                };
                return self.err(&p, format!("`{name}` is {home}"));
            }
            let v = coerce(def, &raw).or_else(|m| self.err(&p, m))?;
            props.set(def.name, v);
            set.push(def.name);
        }
        Ok(set)
    }

    fn topic(&self, t: &RawTopic, p: &FieldPath, brokers: u32, broker_config: &Props, v: KafkaVersion) -> R<TopicSpec> {
        if t.name.is_empty() || t.name.len() > 249 || !t.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
            return self.err(&p.key("name"), "topic names use only letters, digits, '.', '_' and '-' (at most 249 characters), as in Kafka");
        }
        let partitions = t.partitions.unwrap_or_else(|| broker_config.int("num.partitions"));
        if !(1..=MAX_PARTITIONS).contains(&partitions) {
            return self.err(&p.key("partitions"), format!("partitions must be between 1 and {MAX_PARTITIONS}, got {partitions}"));
        }
        let partitions = partitions as u32;
        let assignment: Vec<Vec<u32>> = match &t.assignment {
            Some(a) => {
                if a.len() != partitions as usize && t.partitions.is_some() {
                    return self.err(&p.key("assignment"), format!("assignment lists {} partitions but partitions = {partitions}", a.len()));
                }
                let mut out = Vec::new();
                for (i, replicas) in a.iter().enumerate() {
                    let rp = p.key("assignment").index(i);
                    if replicas.is_empty() {
                        return self.err(&rp, "a partition needs at least one replica");
                    }
                    let mut ids = Vec::new();
                    for &b in replicas {
                        if b < 1 || b > i64::from(brokers) {
                            return self.err(&rp, format!("broker id {b} does not exist (brokers are 1..={brokers})"));
                        }
                        if ids.contains(&(b as u32)) {
                            return self.err(&rp, format!("broker {b} appears twice in one replica list"));
                        }
                        ids.push(b as u32);
                    }
                    if out.first().is_some_and(|f: &Vec<u32>| f.len() != ids.len()) {
                        return self.err(&rp, "every partition must have the same number of replicas");
                    }
                    out.push(ids);
                }
                out
            }
            None => {
                let rf = t.replication_factor.unwrap_or_else(|| broker_config.int("default.replication.factor"));
                if rf < 1 || rf > i64::from(brokers) {
                    return self.err(
                        &p.key("replication_factor"),
                        format!("replication_factor must be between 1 and the number of brokers ({brokers}), got {rf} (Kafka: INVALID_REPLICATION_FACTOR)"),
                    );
                }
                // Round-robin placement: replica i of partition p on broker
                // ((p + i) mod n) + 1, so preferred leaders are spread.
                (0..partitions).map(|part| (0..rf as u32).map(|i| (part + i) % brokers + 1).collect()).collect()
            }
        };
        if assignment.is_empty() {
            return self.err(&p.key("assignment"), "the assignment needs at least one partition (one list of broker ids per partition)");
        }
        if assignment.len() as i64 > MAX_PARTITIONS {
            return self.err(&p.key("assignment"), format!("at most {MAX_PARTITIONS} partitions"));
        }
        let rf = assignment[0].len() as u32;
        if let Some(given) = t.replication_factor {
            if given != i64::from(rf) {
                return self.err(&p.key("replication_factor"), format!("replication_factor = {given} but the assignment has {rf} replicas per partition"));
            }
        }
        let mut config = Props::defaults(v, &[Scope::Topic]);
        for (name, value) in broker_config.iter() {
            if config.get(name).is_some() {
                config.set(name, value.clone());
            }
        }
        self.apply_config(&mut config, &t.config, &p.key("config"), &[Scope::Topic], "topic")?;
        Ok(TopicSpec { name: t.name.clone(), partitions: assignment.len() as u32, replication_factor: rf, assignment, config })
    }

    fn producer(&self, pr: &RawProducer, i: usize, topics: &[TopicSpec], v: KafkaVersion, duration: Duration) -> R<ProducerSpec> {
        let p = root().key("producers").index(i);
        let name = pr.name.clone().unwrap_or_else(|| format!("p{}", i + 1));
        self.check_name(&name, &p.key("name"))?;
        let Some(topic) = topics.iter().find(|t| t.name == pr.topic) else {
            return self.err(&p.key("topic"), format!("no topic named {:?} is declared in [[topics]]", pr.topic));
        };
        let mut config = Props::defaults(v, &[Scope::Producer]);
        let set = self.apply_config(&mut config, &pr.config, &p.key("config"), &[Scope::Producer], "producer")?;
        let transactional = !config.list("transactional.id").is_empty();
        if config.list("transactional.id").len() > 1 {
            return self.err(&p.key("config").key("transactional.id"), "transactional.id is one id");
        }
        // A transactional producer is idempotent: explicitly disabling it, or
        // a conflicting setting, is a ConfigException (as in KafkaProducer).
        let idempotent = resolve_idempotence(&config, set.contains(&"enable.idempotence") || transactional)
            .or_else(|m| self.err(&p.key("config").key("enable.idempotence"), m))?;
        if transactional && !idempotent {
            return self.err(&p.key("config").key("enable.idempotence"), "transactional.id requires enable.idempotence=true (Kafka throws ConfigException)");
        }
        let workload = match pr.rate {
            None => {
                if pr.count.is_some() || pr.keys.is_some() {
                    return self.err(&p.key("rate"), "`count` and `keys` describe a generated workload: give its `rate` (records per second)");
                }
                None
            }
            Some(rate) => {
                if !rate.is_finite() || rate <= 0.0 || rate > 1_000_000.0 {
                    return self.err(&p.key("rate"), format!("rate must be a positive number of records per second (at most 1000000), got {rate}"));
                }
                let count = match pr.count {
                    None => None,
                    Some(c) if c >= 0 => Some(c as u64),
                    Some(c) => return self.err(&p.key("count"), format!("count must not be negative, got {c}")),
                };
                let start = pr.start.unwrap_or(Duration::ZERO).0;
                let stop = pr.stop.unwrap_or(duration).0;
                if stop < start {
                    return self.err(&p.key("stop"), "stop is before start");
                }
                let keys = match &pr.keys {
                    None => KeyDist::Uniform { count: 16, prefix: "k".into() },
                    Some(k) => self.keys(k, &p.key("keys"))?,
                };
                Some(Workload { rate, count, start, stop, keys })
            }
        };
        let mut records = Vec::new();
        for (j, r) in pr.records.iter().enumerate() {
            let rp = p.key("records").index(j);
            let partition = match r.partition {
                None => None,
                Some(x) if x >= 0 && (x as u64) < u64::from(topic.partitions) => Some(x as u32),
                Some(x) => return self.err(&rp.key("partition"), format!("topic {:?} has partitions 0..{}, got {x}", topic.name, topic.partitions)),
            };
            records.push(ScriptedRecord { at: r.at.0, key: r.key.clone(), value: r.value.clone(), event_time: r.event_time.unwrap_or(r.at).0, partition });
        }
        if workload.is_none() && records.is_empty() {
            return self.err(&p, format!("producer {name:?} sends nothing: give `rate` (records per second) or `records`"));
        }
        Ok(ProducerSpec { name, topic: pr.topic.clone(), config, idempotent, workload, records })
    }

    fn keys(&self, k: &RawKeys, p: &FieldPath) -> R<KeyDist> {
        let count = k.count.unwrap_or(16);
        if !(1..=1_000_000).contains(&count) {
            return self.err(&p.key("count"), format!("count must be between 1 and 1000000, got {count}"));
        }
        let count = count as u32;
        let prefix = k.prefix.clone().unwrap_or_else(|| "k".into());
        Ok(match k.distribution.as_str() {
            "none" => KeyDist::None,
            "uniform" => KeyDist::Uniform { count, prefix },
            "sequential" => KeyDist::Sequential { count, prefix },
            "zipf" => {
                let exponent = k.exponent.unwrap_or(1.0);
                if !exponent.is_finite() || exponent <= 0.0 {
                    return self.err(&p.key("exponent"), "exponent must be a positive number");
                }
                KeyDist::Zipf { count, exponent, prefix }
            }
            other => return self.err(&p.key("distribution"), format!("unknown key distribution {other:?}; expected uniform, zipf, sequential or none")),
        })
    }

    fn consumer(&self, c: &RawConsumer, i: usize, topics: &[TopicSpec], v: KafkaVersion) -> R<ConsumerSpec> {
        let p = root().key("consumers").index(i);
        let name = c.name.clone().unwrap_or_else(|| format!("c{}", i + 1));
        self.check_name(&name, &p.key("name"))?;
        if c.topics.is_empty() {
            return self.err(&p.key("topics"), "a consumer needs at least one topic");
        }
        for (j, t) in c.topics.iter().enumerate() {
            if !topics.iter().any(|x| &x.name == t) {
                return self.err(&p.key("topics").index(j), format!("no topic named {t:?} is declared in [[topics]]"));
            }
        }
        if let Some(g) = &c.group {
            if g.is_empty() {
                return self.err(&p.key("group"), "group must not be empty (leave it out to assign partitions manually)");
            }
        }
        let mut config = Props::defaults(v, &[Scope::Consumer]);
        self.apply_config(&mut config, &c.config, &p.key("config"), &[Scope::Consumer], "consumer")?;
        let assignors = config.list("partition.assignment.strategy");
        if assignors.is_empty() {
            return self.err(&p.key("config").key("partition.assignment.strategy"), "name at least one assignor: range, roundrobin or cooperative-sticky");
        }
        for a in assignors {
            if !matches!(a.as_str(), "range" | "roundrobin" | "cooperative-sticky") {
                return self.err(
                    &p.key("config").key("partition.assignment.strategy"),
                    format!("unknown assignor {a:?}; the modelled ones are range, roundrobin and cooperative-sticky"),
                );
            }
        }
        let start = c.start.unwrap_or(Duration::ZERO).0;
        let stop = c.stop.map(|d| d.0);
        if stop.is_some_and(|s| s < start) {
            return self.err(&p.key("stop"), "stop is before start");
        }
        Ok(ConsumerSpec { name, group: c.group.clone(), topics: c.topics.clone(), config, start, stop })
    }

    fn check_name(&self, name: &str, p: &FieldPath) -> R<()> {
        if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
            return self.err(p, "names use only letters, digits, '.', '_' and '-' (at most 64 characters)");
        }
        if name == "controller" || name == "world" || (name.starts_with('b') && name[1..].parse::<u32>().is_ok()) {
            return self.err(p, format!("{name:?} is reserved for the cluster's own nodes (controller, b1, b2, …)"));
        }
        Ok(())
    }

    fn network(&self, n: &RawNetwork, names: &[String]) -> R<NetworkSpec> {
        let p = root().key("network");
        let base = LinkConfig::default();
        let default = LinkConfig {
            latency: n.latency.clone().unwrap_or(base.latency),
            loss: n.loss.unwrap_or(0.0),
            duplicate: n.duplicate.unwrap_or(0.0),
            reorder: n.reorder.unwrap_or(0.0),
        };
        self.check_link(&default, &p)?;
        let mut links = Vec::new();
        for (i, l) in n.links.iter().enumerate() {
            let lp = p.key("links").index(i);
            for (field, name) in [("from", &l.from), ("to", &l.to)] {
                if !names.contains(name) {
                    return self.err(&lp.key(field), format!("no node named {name:?} (nodes: {})", names.join(", ")));
                }
            }
            let cfg = l.config(&default);
            self.check_link(&cfg, &lp)?;
            links.push((l.from.clone(), l.to.clone(), cfg.clone()));
            if l.symmetric {
                links.push((l.to.clone(), l.from.clone(), cfg));
            }
        }
        Ok(NetworkSpec { default, links })
    }

    fn check_link(&self, c: &LinkConfig, p: &FieldPath) -> R<()> {
        for (field, v) in [("loss", c.loss), ("duplicate", c.duplicate), ("reorder", c.reorder)] {
            if !v.is_finite() || !(0.0..=1.0).contains(&v) {
                return self.err(&p.key(field), format!("{field} is a probability between 0 and 1, got {v}"));
            }
        }
        if let crate::kernel::Latency::Uniform { min, max, .. } = &c.latency {
            if max < min {
                return self.err(&p.key("latency").key("max"), "max is below min");
            }
        }
        Ok(())
    }

    fn target(&self, s: &str, p: &FieldPath, names: &[String], topics: &[TopicSpec]) -> R<TargetSpec> {
        if let Some(part) = s.strip_prefix("leader:") {
            let (topic, partition) = self.partition_ref(part, p, topics)?;
            return Ok(TargetSpec::LeaderOf { topic, partition });
        }
        if names.iter().any(|n| n == s) {
            Ok(TargetSpec::Node(s.to_string()))
        } else {
            self.err(p, format!("no node named {s:?}; nodes are {}, or write \"leader:TOPIC-PARTITION\"", names.join(", ")))
        }
    }

    fn partition_ref(&self, s: &str, p: &FieldPath, topics: &[TopicSpec]) -> R<(String, u32)> {
        let Some((t, n)) = split_partition_name(s) else {
            return self.err(p, format!("{s:?} is not a partition name like \"orders-0\""));
        };
        match topics.iter().find(|x| x.name == t) {
            None => self.err(p, format!("no topic named {t:?}")),
            Some(topic) if n >= topic.partitions => self.err(p, format!("topic {t:?} has partitions 0..{}", topic.partitions)),
            Some(_) => Ok((t.to_string(), n)),
        }
    }

    fn fault(&self, f: &RawFault, p: &FieldPath, i: usize, names: &[String], topics: &[TopicSpec], run: Duration) -> R<FaultSpec> {
        let label = f.label.clone().unwrap_or_else(|| format!("faults[{i}] {}", f.action));
        let trigger = match (&f.at, &f.when) {
            (Some(_), Some(_)) => return self.err(&p.key("when"), "give either `at` or `when`, not both"),
            (None, None) => return self.err(p, "a fault needs `at = \"10s\"` or a `when = { … }` condition"),
            (Some(at), None) => {
                if f.after.is_some() || f.delay.is_some() {
                    return self.err(&p.key(if f.after.is_some() { "after" } else { "delay" }), "`after` and `delay` go with `when`, not `at`");
                }
                if at.0 > run.0 {
                    return self.err(&p.key("at"), format!("at = {at} is after the end of the run ({run})"));
                }
                TriggerSpec::At(at.0)
            }
            (None, Some(w)) => TriggerSpec::When {
                cond: self.condition(w, &p.key("when"), names, topics)?,
                after: f.after.unwrap_or(Duration::ZERO).0,
                delay: f.delay.unwrap_or(Duration::ZERO).0,
            },
        };
        let need = |field: &str, v: Option<&String>| -> R<String> {
            v.cloned().ok_or_else(|| self.loc.error_at(&p.key(field), format!("action {:?} needs `{field}`", f.action)))
        };
        let tgt = |field: &str, v: Option<&String>| -> R<TargetSpec> { self.target(&need(field, v)?, &p.key(field), names, topics) };
        let symmetric = f.symmetric.unwrap_or(true);
        let (action, allowed): (ActionSpec, &[&str]) = match f.action.as_str() {
            "kill" if f.mode.as_deref().is_some_and(|m| m != "process") => {
                return self.err(&p.key("mode"), "`kill` is a process crash (kill -9); for power loss write action = \"crash\" with mode = \"machine\"");
            }
            "crash" | "kill" => {
                let mode = match (f.action.as_str(), f.mode.as_deref()) {
                    ("kill", None) | ("crash", None) | (_, Some("process")) => CrashKind::Process,
                    ("crash", Some("machine")) => CrashKind::Machine,
                    (_, Some(m)) => return self.err(&p.key("mode"), format!("mode {m:?}: expected \"process\" (kill -9, page cache survives) or \"machine\" (power loss, unflushed data lost)")),
                    _ => CrashKind::Process,
                };
                (ActionSpec::Crash { target: tgt("target", f.target.as_ref())?, mode }, &["target", "mode", "duration"])
            }
            "restart" => (ActionSpec::Restart { target: tgt("target", f.target.as_ref())? }, &["target"]),
            "pause" => (ActionSpec::Pause { target: tgt("target", f.target.as_ref())? }, &["target", "duration"]),
            "resume" => (ActionSpec::Resume { target: tgt("target", f.target.as_ref())? }, &["target"]),
            "lose-disk" => (ActionSpec::LoseDisk { target: tgt("target", f.target.as_ref())? }, &["target", "duration"]),
            "clock-skew" => {
                let raw = need("skew", f.skew.as_ref())?;
                let (neg, body) = match raw.trim().strip_prefix('-') {
                    Some(b) => (true, b),
                    None => (false, raw.trim().strip_prefix('+').unwrap_or(raw.trim())),
                };
                let d = Duration::parse(body).or_else(|e| self.err(&p.key("skew"), e))?;
                let us = i64::try_from(d.0).or_else(|_| self.err(&p.key("skew"), "skew is too large"))?;
                (ActionSpec::ClockSkew { target: tgt("target", f.target.as_ref())?, skew_us: if neg { -us } else { us } }, &["target", "skew", "duration"])
            }
            "partition" => {
                let Some(sides) = &f.sides else {
                    return self.err(&p.key("sides"), "action \"partition\" needs `sides`, e.g. sides = [[\"b1\"], [\"b2\", \"b3\"]]");
                };
                if sides.len() < 2 {
                    return self.err(&p.key("sides"), "a partition needs at least two sides");
                }
                let mut out = Vec::new();
                for (si, side) in sides.iter().enumerate() {
                    let mut s = Vec::new();
                    for (ni, n) in side.iter().enumerate() {
                        s.push(self.target(n, &p.key("sides").index(si).index(ni), names, topics)?);
                    }
                    out.push(s);
                }
                (ActionSpec::Partition { sides: out }, &["sides", "duration"])
            }
            "isolate" => (ActionSpec::Isolate { target: tgt("target", f.target.as_ref())? }, &["target", "duration"]),
            "cut" => (ActionSpec::Cut { from: tgt("from", f.from.as_ref())?, to: tgt("to", f.to.as_ref())?, symmetric }, &["from", "to", "symmetric", "duration"]),
            "heal" => (ActionSpec::Heal { from: tgt("from", f.from.as_ref())?, to: tgt("to", f.to.as_ref())?, symmetric }, &["from", "to", "symmetric"]),
            "heal-all" => (ActionSpec::HealAll, &[]),
            "set-link" => {
                let base = LinkConfig::default();
                let config = LinkConfig {
                    latency: f.latency.clone().unwrap_or(base.latency),
                    loss: f.loss.unwrap_or(0.0),
                    duplicate: f.duplicate.unwrap_or(0.0),
                    reorder: f.reorder.unwrap_or(0.0),
                };
                self.check_link(&config, p)?;
                (
                    ActionSpec::SetLink { from: tgt("from", f.from.as_ref())?, to: tgt("to", f.to.as_ref())?, symmetric, config },
                    &["from", "to", "symmetric", "latency", "loss", "duplicate", "reorder", "duration"],
                )
            }
            "reset-link" => (ActionSpec::ResetLink { from: tgt("from", f.from.as_ref())?, to: tgt("to", f.to.as_ref())?, symmetric }, &["from", "to", "symmetric"]),
            other => {
                return self.err(
                    &p.key("action"),
                    format!("unknown action {other:?}; expected one of crash, kill, restart, pause, resume, lose-disk, clock-skew, partition, isolate, cut, heal, heal-all, set-link, reset-link"),
                )
            }
        };
        let present: [(&str, bool); 12] = [
            ("target", f.target.is_some()),
            ("mode", f.mode.is_some()),
            ("duration", f.duration.is_some()),
            ("sides", f.sides.is_some()),
            ("from", f.from.is_some()),
            ("to", f.to.is_some()),
            ("symmetric", f.symmetric.is_some()),
            ("skew", f.skew.is_some()),
            ("latency", f.latency.is_some()),
            ("loss", f.loss.is_some()),
            ("duplicate", f.duplicate.is_some()),
            ("reorder", f.reorder.is_some()),
        ];
        for (field, is) in present {
            if is && !allowed.contains(&field) {
                return self.err(&p.key(field), format!("`{field}` does not apply to action {:?}", f.action));
            }
        }
        if f.duration.is_some_and(|d| d.0 == 0) {
            return self.err(&p.key("duration"), "duration must be longer than 0 (leave it out for a fault that lasts)");
        }
        Ok(FaultSpec { label, trigger, action, duration: f.duration.map(|d| d.0) })
    }

    fn condition(&self, w: &RawCondition, p: &FieldPath, names: &[String], topics: &[TopicSpec]) -> R<ConditionSpec> {
        let kinds = [w.leader.is_some(), w.isr_at_most.is_some(), w.hw_at_least.is_some(), w.acked_at_least.is_some()];
        if kinds.iter().filter(|k| **k).count() != 1 {
            return self.err(p, "a condition needs exactly one of `leader`, `isr_at_most`, `hw_at_least` or `acked_at_least`");
        }
        if let Some(n) = w.acked_at_least {
            if w.partition.is_some() {
                return self.err(&p.key("partition"), "`acked_at_least` counts all producers: drop `partition`");
            }
            if n < 0 {
                return self.err(&p.key("acked_at_least"), "must not be negative");
            }
            return Ok(ConditionSpec::AckedAtLeast { count: n as u64 });
        }
        let Some(part) = &w.partition else {
            return self.err(p, "this condition needs `partition = \"TOPIC-N\"`");
        };
        let (topic, partition) = self.partition_ref(part, &p.key("partition"), topics)?;
        if let Some(l) = &w.leader {
            let broker = if l == "none" {
                None
            } else {
                match l.strip_prefix('b').and_then(|x| x.parse::<u32>().ok()) {
                    Some(b) if names.contains(l) => Some(b),
                    _ => return self.err(&p.key("leader"), format!("leader must be a broker name (b1, b2, …) or \"none\", got {l:?}")),
                }
            };
            return Ok(ConditionSpec::Leader { topic, partition, broker });
        }
        if let Some(n) = w.isr_at_most {
            if n < 0 {
                return self.err(&p.key("isr_at_most"), "must not be negative");
            }
            return Ok(ConditionSpec::IsrAtMost { topic, partition, size: n as u32 });
        }
        match w.hw_at_least {
            Some(n) if n >= 0 => Ok(ConditionSpec::HwAtLeast { topic, partition, offset: n as u64 }),
            _ => self.err(&p.key("hw_at_least"), "must not be negative"),
        }
    }

    fn nemesis(&self, n: &RawNemesis, run: Duration) -> R<NemesisSpec> {
        let p = root().key("nemesis");
        let mut kinds = Vec::new();
        for (i, k) in n.faults.iter().enumerate() {
            kinds.push(match k.as_str() {
                "kill" => RandomFaultKind::Kill,
                "machine-crash" => RandomFaultKind::MachineCrash,
                "pause" => RandomFaultKind::Pause,
                "isolate" => RandomFaultKind::Isolate,
                "cut-link" => RandomFaultKind::CutLink,
                "clock-skew" => RandomFaultKind::ClockSkew,
                "lose-disk" => RandomFaultKind::LoseDisk,
                other => {
                    return self.err(
                        &p.key("faults").index(i),
                        format!("unknown random fault {other:?}; expected kill, machine-crash, pause, isolate, cut-link, clock-skew or lose-disk"),
                    )
                }
            });
        }
        if kinds.is_empty() {
            return self.err(&p.key("faults"), "list at least one kind of fault");
        }
        let targets = n.targets.clone().unwrap_or_else(|| vec!["brokers".into()]);
        for (i, t) in targets.iter().enumerate() {
            if !matches!(t.as_str(), "brokers" | "controller" | "producers" | "consumers" | "jobs") {
                return self.err(&p.key("targets").index(i), format!("unknown group {t:?}; expected brokers, controller, producers, consumers or jobs"));
            }
        }
        if n.interval.0 == 0 {
            return self.err(&p.key("interval"), "interval must be longer than 0");
        }
        let start = n.start.unwrap_or(Duration::ZERO).0;
        let stop = n.stop.map(|d| d.0).unwrap_or(run.0 / 4 * 3);
        if stop <= start {
            return self.err(&p.key("stop"), format!("the random-fault phase must end after it starts (start {}, stop {})", Duration(start), Duration(stop)));
        }
        let max_concurrent = n.max_concurrent.unwrap_or(1);
        if !(0..=1000).contains(&max_concurrent) {
            return self.err(&p.key("max_concurrent"), "max_concurrent must be between 0 (unlimited) and 1000");
        }
        Ok(NemesisSpec {
            kinds,
            targets,
            interval: n.interval.0,
            duration: n.duration.unwrap_or(n.interval).0.max(1_000),
            start,
            stop,
            max_concurrent: max_concurrent as u32,
            max_skew: n.max_skew.unwrap_or(Duration::from_secs(1)).0,
        })
    }

    fn expectation(&self, metric: &str, v: &toml::Value, file: &str) -> R<Expectation> {
        let p = root().key("expect").key(metric);
        if !metrics::known(metric) {
            let names: Vec<&str> = metrics::METRICS.iter().map(|(n, _)| *n).collect();
            return self.err(&p, format!("unknown metric `{metric}`; expected one of {}", names.join(", ")));
        }
        let (cmp, value) = match v {
            toml::Value::Integer(i) => (Cmp::Eq, *i),
            toml::Value::String(s) => Cmp::parse(s).or_else(|m| self.err(&p, m))?,
            _ => return self.err(&p, "an expectation is an integer (`lost-write = 0`) or a comparison string (`duplicate = \"> 0\"`)"),
        };
        let span = self.loc.span_of(&p);
        let location = match span {
            Some(_) => {
                let e = self.loc.error_at(&p, "");
                format!("{file}:{}", e.line)
            }
            None => file.to_string(),
        };
        Ok(Expectation { metric: metric.to_string(), cmp, value, location })
    }
}

/// Flattens nested tables into dotted property names, keeping the path as
/// written so errors point at the right key.
fn flatten(t: &toml::Table, path: &FieldPath, prefix: &str, out: &mut Vec<(String, FieldPath, Result<Raw, String>)>) {
    for (k, v) in t {
        let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        let p = path.key(k);
        match v {
            toml::Value::Table(inner) => flatten(inner, &p, &name, out),
            other => {
                let raw = to_raw(other);
                out.push((name, p, raw));
            }
        }
    }
}

fn to_raw(v: &toml::Value) -> Result<Raw, String> {
    Ok(match v {
        toml::Value::Boolean(b) => Raw::Bool(*b),
        toml::Value::Integer(i) => Raw::Int(*i),
        toml::Value::Float(f) => Raw::Float(*f),
        toml::Value::String(s) => Raw::Str(s.clone()),
        toml::Value::Array(a) => Raw::List(a.iter().map(to_raw).collect::<Result<_, _>>()?),
        toml::Value::Datetime(_) => return Err("dates are not valid property values".into()),
        toml::Value::Table(_) => return Err("unexpected table".into()),
    })
}

#[cfg(test)]
mod tests;

//! Raw lesson → checked [`Lesson`].
//!
//! Validation walks the steps in order, keeping the state a run would have
//! (the current scenario and the settings changed so far), so that every
//! name a step uses — partitions, brokers, producers, fault targets,
//! properties — is checked against the scenario that step will really run,
//! and every error is reported before anything runs.
//!
//! Faults and settings are not re-implemented here: an `inject` table is
//! handed to the scenario resolver as one more `[[faults]]` entry, and a
//! `set` is applied to the scenario's TOML, which is parsed again. So the
//! lesson accepts exactly the scenario vocabulary, with the same messages,
//! relocated to the lesson file.

use super::expect::{parse_checks, parse_condition, parse_measure};
use super::raw::{RawLesson, RawQuestion, RawScenarioRef, RawStep};
use super::*;
use crate::scenario::error::{line_col, Locator, Seg};
use crate::scenario::{self as scen, ActionSpec, FieldPath, Scenario, ScenarioError, TargetSpec};
use crate::time::{Duration, Micros};

type R<T> = Result<T, ScenarioError>;

/// Locates errors and places in one lesson file.
pub(crate) struct Cx<'a, 'i> {
    pub loc: &'a Locator<'i>,
}

impl Cx<'_, '_> {
    pub fn err<T>(&self, p: &FieldPath, msg: impl Into<String>) -> R<T> {
        Err(self.loc.error_at(p, msg))
    }
    pub fn place(&self, p: &FieldPath) -> Place {
        let e = self.loc.error_at(p, "");
        Place { line: e.line, column: e.column, path: e.path }
    }
}

/// Whether a TOML text is a lesson rather than a scenario: it has a
/// top-level `steps` key. (`streamlab check` uses this to validate lesson
/// files found among scenarios.)
pub fn is_lesson_text(text: &str) -> bool {
    toml::from_str::<toml::Table>(text).is_ok_and(|t| t.contains_key("steps"))
}

/// Parses and validates a lesson. `file` is used in messages; `source`
/// returns the text of a scenario file by its path (`scenarios/…`).
pub fn parse(file: &str, text: &str, source: ScenarioSource<'_>) -> Result<Lesson, ScenarioError> {
    let loc = Locator::new(file, text)?;
    let raw: RawLesson = toml::from_str(text).map_err(|e| loc.from_toml(&e))?;
    let cx = Cx { loc: &loc };
    Resolver { cx, file, text }.lesson(raw, source)
}

struct Resolver<'a, 'i> {
    cx: Cx<'a, 'i>,
    file: &'a str,
    text: &'i str,
}

fn root() -> FieldPath {
    FieldPath::root()
}

/// The state of one scenario while the steps are walked: its current text
/// (with the `set` steps so far) and that text parsed.
#[derive(Clone)]
struct Version {
    text: String,
    scenario: Scenario,
}

impl Resolver<'_, '_> {
    fn err<T>(&self, p: &FieldPath, msg: impl Into<String>) -> R<T> {
        self.cx.err(p, msg)
    }

    fn lesson(&self, raw: RawLesson, source: ScenarioSource<'_>) -> R<Lesson> {
        let id = raw.id.trim();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return self.err(&root().key("id"), "the id uses only letters, digits, '-' and '_' (e.g. \"kafka-04-losing-a-broker\")");
        }
        if raw.title.trim().is_empty() {
            return self.err(&root().key("title"), "the lesson needs a title");
        }
        if !(1..=120).contains(&raw.minutes) {
            return self.err(&root().key("minutes"), format!("minutes is the estimated time for a student, 1 to 120 (aim for 10–20), got {}", raw.minutes));
        }
        if raw.goals.is_empty() {
            return self.err(&root().key("goals"), "list at least one learning goal: goals = [\"Explain …\"]");
        }
        for (i, g) in raw.goals.iter().enumerate() {
            if g.trim().is_empty() {
                return self.err(&root().key("goals").index(i), "a goal must not be empty");
            }
        }
        let mut scenarios = Vec::new();
        for (i, s) in raw.scenarios.iter().enumerate() {
            let ls = self.scenario_ref(s, i, source)?;
            if scenarios.iter().any(|o: &LessonScenario| o.name == ls.name) {
                return self.err(&root().key("scenarios").index(i).key("name"), format!("scenario {:?} is declared twice", ls.name));
            }
            scenarios.push(ls);
        }
        let mut versions: Vec<Version> = scenarios.iter().map(|s| Version { text: s.text.clone(), scenario: s.scenario.clone() }).collect();
        let mut current: Option<usize> = if scenarios.is_empty() { None } else { Some(0) };
        let mut steps = Vec::new();
        // Predictions not yet revealed by a run: (step path, step number).
        let mut unrevealed: Vec<FieldPath> = Vec::new();
        if raw.steps.is_empty() {
            return self.err(&root().key("steps"), "a lesson needs at least one step");
        }
        // Predictions whose `because` waits for the next run step: it is
        // checked against the scenario that run will use (a run may switch
        // scenario, or follow a `set`).
        let mut pending_because: Vec<usize> = Vec::new();
        for (i, st) in raw.steps.iter().enumerate() {
            let p = root().key("steps").index(i);
            let kind = self.step(st, &p, i + 1, &scenarios, &mut versions, &mut current, &mut unrevealed)?;
            let is_run = matches!(kind, StepKind::Run(_));
            if matches!(kind, StepKind::Predict(_)) && st.because.is_some() {
                pending_because.push(i);
            }
            steps.push(Step { number: i + 1, place: self.cx.place(&p), kind });
            if let (true, Some(ix)) = (is_run, current) {
                for k in pending_because.drain(..) {
                    let Some(b) = &raw.steps[k].because else { continue };
                    let checks = parse_checks(&self.cx, &versions[ix].scenario, b, &root().key("steps").index(k).key("because"))?;
                    if let StepKind::Predict(pr) = &mut steps[k].kind {
                        pr.because = checks;
                    }
                }
            }
        }
        if let Some(p) = unrevealed.first() {
            return self.err(p, "a prediction is revealed by the next run step: add a `run` step after it");
        }
        let mut quiz = Vec::new();
        for (i, q) in raw.quiz.iter().enumerate() {
            quiz.push(self.question(q, &root().key("quiz").index(i))?);
        }
        Ok(Lesson {
            file: self.file.to_string(),
            id: id.to_string(),
            title: raw.title.trim().to_string(),
            minutes: raw.minutes as u32,
            goals: raw.goals,
            summary: raw.summary,
            scenarios,
            steps,
            quiz,
        })
    }

    fn scenario_ref(&self, s: &RawScenarioRef, i: usize, source: ScenarioSource<'_>) -> R<LessonScenario> {
        let p = root().key("scenarios").index(i);
        if s.name.is_empty() || !s.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return self.err(&p.key("name"), "a scenario name uses letters, digits, '-', '_' and '.'");
        }
        let seed = match s.seed {
            None => None,
            Some(x) if x >= 0 => Some(x as u64),
            Some(x) => return self.err(&p.key("seed"), format!("seed must be between 0 and {}, got {x}", i64::MAX)),
        };
        let (origin, text, scenario) = match (&s.file, &s.inline) {
            (Some(_), Some(_)) => return self.err(&p.key("inline"), "give either `file` or `inline`, not both"),
            (None, None) => return self.err(&p, "a scenario needs `file = \"scenarios/….toml\"` or `inline = '''…'''`"),
            (Some(f), None) => {
                let fp = p.key("file");
                let ok = f.starts_with("scenarios/") && f.ends_with(".toml") && !f.contains("..") && !f.contains('\\') && !f.contains("//");
                if !ok {
                    return self.err(
                        &fp,
                        format!(
                            "{f:?}: name a scenario file under scenarios/, relative to the repository (e.g. \"scenarios/kafka/a2-acks1-failover-loss.toml\")"
                        ),
                    );
                }
                let text = source(f).or_else(|m| self.err(&fp, format!("cannot read {f}: {m}")))?;
                let sc = scen::parse(f, &text).or_else(|e| self.err(&fp, format!("the scenario is invalid: {e}")))?;
                (f.clone(), text, sc)
            }
            (None, Some(t)) => {
                let ip = p.key("inline");
                let label = format!("{} (scenario {:?})", self.file, s.name);
                let sc = scen::parse(&label, t).map_err(|e| self.relocate_inline(&ip, e))?;
                ("inline".to_string(), t.clone(), sc)
            }
        };
        Ok(LessonScenario { name: s.name.clone(), origin, text, seed, scenario })
    }

    /// Moves an error in an inline scenario to its place in the lesson file.
    fn relocate_inline(&self, ip: &FieldPath, e: ScenarioError) -> ScenarioError {
        let here = self.cx.loc.error_at(ip, "");
        let Some(span) = self.cx.loc.span_of(ip) else { return here };
        if e.line == 0 {
            return ScenarioError { message: format!("in the inline scenario: {}", e.message), ..here };
        }
        // Skip the opening delimiter (and the newline TOML trims after it).
        let rest = &self.text[span.start.min(self.text.len())..];
        let mut off = span.start;
        for delim in ["\"\"\"", "'''", "\"", "'"] {
            if rest.starts_with(delim) {
                off += delim.len();
                let after = &self.text[off.min(self.text.len())..];
                if delim.len() == 3 {
                    if after.starts_with("\r\n") {
                        off += 2;
                    } else if after.starts_with('\n') {
                        off += 1;
                    }
                }
                break;
            }
        }
        let (l0, c0) = line_col(self.text, off);
        let line = l0 + e.line - 1;
        let column = if e.line == 1 { c0 + e.column - 1 } else { e.column };
        let path = if e.path.is_empty() { format!("{}", ip) } else { format!("{ip} → {}", e.path) };
        ScenarioError { file: self.file.to_string(), line, column, path, message: e.message }
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        st: &RawStep,
        p: &FieldPath,
        number: usize,
        scenarios: &[LessonScenario],
        versions: &mut [Version],
        current: &mut Option<usize>,
        unrevealed: &mut Vec<FieldPath>,
    ) -> R<StepKind> {
        let kinds = [
            ("narrative", st.narrative.is_some()),
            ("run", st.run.is_some()),
            ("inject", st.inject.is_some()),
            ("set", st.set.is_some()),
            ("predict", st.predict.is_some()),
            ("expect", st.expect.is_some()),
        ];
        let given: Vec<&str> = kinds.iter().filter(|k| k.1).map(|k| k.0).collect();
        if given.len() != 1 {
            return self.err(
                p,
                format!(
                    "a step has exactly one of `narrative`, `run`, `inject`, `set`, `predict`, `expect`{}",
                    if given.is_empty() { String::new() } else { format!(" (this one has {})", given.join(", ")) }
                ),
            );
        }
        let kind = given[0];
        let extras: [(&str, bool, &[&str]); 8] = [
            ("scenario", st.scenario.is_some(), &["run", "set"]),
            ("restart", st.restart.is_some(), &["run"]),
            ("within", st.within.is_some(), &["run"]),
            ("choices", st.choices.is_some(), &["predict"]),
            ("answer", st.answer.is_some(), &["predict"]),
            ("tolerance", st.tolerance.is_some(), &["predict"]),
            ("explain", st.explain.is_some(), &["predict"]),
            ("because", st.because.is_some(), &["predict"]),
        ];
        for (field, is, owners) in extras {
            if is && !owners.contains(&kind) {
                return self.err(&p.key(field), format!("`{field}` belongs to a `{}` step, not a `{kind}` step", owners.join("` or `")));
            }
        }
        // `scenario` on a run or set step makes that scenario current.
        if let Some(name) = &st.scenario {
            match scenarios.iter().position(|s| &s.name == name) {
                Some(ix) => *current = Some(ix),
                None => {
                    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
                    return self.err(&p.key("scenario"), format!("no scenario named {name:?} in [[scenarios]] (declared: {})", names.join(", ")));
                }
            }
        }
        let need_scenario = |cur: Option<usize>, what: &str| -> R<usize> {
            cur.ok_or_else(|| self.cx.loc.error_at(&p.key(what), "this step needs a scenario: declare one in [[scenarios]]"))
        };
        Ok(match kind {
            "narrative" => {
                let t = st.narrative.clone().unwrap_or_default();
                if t.trim().is_empty() {
                    return self.err(&p.key("narrative"), "the narrative is empty");
                }
                StepKind::Narrative(t)
            }
            "run" => {
                let ix = need_scenario(*current, "run")?;
                let sc = &versions[ix].scenario;
                let rp = p.key("run");
                let until = match st.run.as_ref() {
                    Some(toml::Value::String(s)) => self.until_time(s, &rp, sc)?,
                    Some(toml::Value::Table(t)) => Until::Cond(parse_condition(&self.cx, sc, t, &rp)?),
                    _ => return self.err(&rp, "expected a time (\"12s\"), a time from now (\"+5s\"), \"end\", or a condition table such as { partition = \"orders-0\", leader = \"changes\" }"),
                };
                if let Some(w) = st.within {
                    if !matches!(until, Until::Cond(_)) {
                        return self.err(&p.key("within"), "`within` limits a run until a condition; this run stops at a time");
                    }
                    if w.0 == 0 {
                        return self.err(&p.key("within"), "within must be longer than 0");
                    }
                }
                unrevealed.clear();
                StepKind::Run(RunStep { scenario: st.scenario.clone(), restart: st.restart.unwrap_or(false), until, within: st.within.map(|d| d.0) })
            }
            "inject" => {
                let ix = need_scenario(*current, "inject")?;
                let t = st.inject.as_ref().cloned().unwrap_or_default();
                StepKind::Inject(self.inject(&t, &p.key("inject"), number, &versions[ix])?)
            }
            "set" => {
                let ix = need_scenario(*current, "set")?;
                let t = st.set.as_ref().cloned().unwrap_or_default();
                let (text, v) = self.set(&t, &p.key("set"), number, &versions[ix], &scenarios[ix])?;
                let step = SetStep { text, scenario_name: st.scenario.clone(), scenario: Box::new(v.scenario.clone()), source: v.text.clone() };
                versions[ix] = v;
                StepKind::Set(step)
            }
            "predict" => {
                let q = st.predict.clone().unwrap_or_default();
                if q.trim().is_empty() {
                    return self.err(&p.key("predict"), "the question is empty");
                }
                let answer = self.answer(st.choices.as_ref(), st.answer.as_ref(), st.tolerance.as_ref(), p, true)?;
                if st.because.is_some() {
                    need_scenario(*current, "because")?;
                }
                // Filled in by the next run step (see `lesson`).
                let because = Vec::new();
                if matches!(answer, Answer::Measured { .. }) {
                    need_scenario(*current, "answer")?;
                }
                unrevealed.push(p.key("predict"));
                StepKind::Predict(Prediction { question: q, answer, explain: st.explain.clone().unwrap_or_default(), because })
            }
            _ => {
                let ix = need_scenario(*current, "expect")?;
                let v = st.expect.as_ref().cloned().unwrap_or(toml::Value::Boolean(false));
                StepKind::Expect(parse_checks(&self.cx, &versions[ix].scenario, &v, &p.key("expect"))?)
            }
        })
    }

    fn until_time(&self, s: &str, p: &FieldPath, sc: &Scenario) -> R<Until> {
        let t = s.trim();
        if t == "end" {
            return Ok(Until::End);
        }
        if let Some(rel) = t.strip_prefix('+') {
            let d = Duration::parse(rel.trim()).or_else(|m| self.err(p, m))?;
            if d.0 == 0 {
                return self.err(p, "\"+0\" runs nothing; give a positive time");
            }
            return Ok(Until::For(d.0));
        }
        let d = Duration::parse(t).or_else(|m| self.err(p, format!("{m} (or write \"end\", or \"+5s\" for a time from now)")))?;
        if d.0 > sc.duration.0 {
            return self.err(p, format!("{d} is after the end of this step's scenario ({}); write \"end\" to run to its end", sc.duration));
        }
        Ok(Until::Time(d.0))
    }

    /// Validates an `inject` table by handing it to the scenario resolver
    /// as a `[[faults]]` entry firing at 0.
    fn inject(&self, t: &toml::Table, p: &FieldPath, number: usize, v: &Version) -> R<InjectStep> {
        for k in ["at", "when", "after", "delay"] {
            if t.contains_key(k) {
                return self.err(&p.key(k), "an injected fault fires when its step runs: leave out `at`, `when`, `after` and `delay`");
            }
        }
        let action = match t.get("action") {
            Some(toml::Value::String(a)) => a.clone(),
            Some(_) => return self.err(&p.key("action"), "expected a string such as \"crash\""),
            None => return self.err(p, "say which fault: action = \"crash\" (the actions of a scenario's [[faults]])"),
        };
        let mut doc: toml::Table = toml::from_str(&v.text).or_else(|e| self.err(p, format!("the scenario text cannot be read back: {e}")))?;
        let faults = doc.entry("faults").or_insert_with(|| toml::Value::Array(Vec::new()));
        let Some(arr) = faults.as_array_mut() else { return self.err(p, "the scenario's `faults` is not a list") };
        let n = arr.len();
        let mut f = t.clone();
        f.insert("at".into(), toml::Value::String("0".into()));
        if !f.contains_key("label") {
            f.insert("label".into(), toml::Value::String(format!("lesson step {number}: {action}")));
        }
        arr.push(toml::Value::Table(f));
        let synthetic = toml::to_string(&doc).or_else(|e| self.err(p, format!("cannot build the fault: {e}")))?;
        match scen::parse(&v.scenario.file, &synthetic) {
            Ok(sc) => {
                let Some(fs) = sc.faults.get(n) else { return self.err(p, "the fault was not understood") };
                let text = describe_action(&fs.action, fs.duration);
                Ok(InjectStep { label: fs.label.clone(), action: fs.action.clone(), duration: fs.duration, text })
            }
            Err(e) => {
                let prefix = format!("faults[{n}]");
                match e.path.strip_prefix(&prefix) {
                    Some(rest) => Err(self.cx.loc.error_at(&extend(p, rest), e.message)),
                    None => self.err(p, e.to_string()),
                }
            }
        }
    }

    /// Applies a `set` table to the scenario's TOML and parses the result.
    fn set(&self, t: &toml::Table, p: &FieldPath, number: usize, v: &Version, ls: &LessonScenario) -> R<(String, Version)> {
        const TARGETS: &[&str] = &["producer", "consumer", "topic", "cluster", "kafka", "job"];
        let given: Vec<&str> = TARGETS.iter().copied().filter(|k| t.contains_key(*k)).collect();
        if given.len() != 1 {
            return self.err(
                p,
                "say what to change: exactly one of producer = \"p1\", consumer = \"c1\", topic = \"orders\", cluster = { … }, kafka = \"3.6\" or job = \"…\"",
            );
        }
        let target = given[0];
        let allowed: &[&str] = match target {
            "producer" | "consumer" => &["config"],
            "topic" => &["config", "partitions"],
            "job" => &["config", "sink", "window", "beam", "flink", "spark", "dstream", "kstreams"],
            _ => &[],
        };
        for k in t.keys() {
            if k != target && !allowed.contains(&k.as_str()) {
                return self.err(&p.key(k), format!("`{k}` does not go with `{target}` in a set step"));
            }
        }
        let sc = &v.scenario;
        let mut job_ix: Option<usize> = None;
        let mut doc: toml::Table = toml::from_str(&v.text).or_else(|e| self.err(p, format!("the scenario text cannot be read back: {e}")))?;
        let name = |k: &str| -> R<String> {
            match t.get(k) {
                Some(toml::Value::String(s)) => Ok(s.clone()),
                _ => self.err(&p.key(k), "expected a name (a string)"),
            }
        };
        let config = |need: bool| -> R<Vec<(String, toml::Value)>> {
            match t.get("config") {
                None if need => self.err(p, "give the properties to change: config = { acks = \"all\" }"),
                None => Ok(Vec::new()),
                Some(toml::Value::Table(c)) if !c.is_empty() => {
                    let mut out = Vec::new();
                    flatten(c, "", &mut out);
                    Ok(out)
                }
                Some(_) => self.err(&p.key("config"), "expected a table of properties, e.g. { acks = \"all\" }"),
            }
        };
        let describe = |props: &[(String, toml::Value)]| props.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ");
        let text = match target {
            "producer" | "consumer" => {
                let who = name(target)?;
                let (list, names): (&str, Vec<&str>) = if target == "producer" {
                    ("producers", sc.producers.iter().map(|x| x.name.as_str()).collect())
                } else {
                    ("consumers", sc.consumers.iter().map(|x| x.name.as_str()).collect())
                };
                let Some(ix) = names.iter().position(|n| *n == who) else {
                    return self.err(&p.key(target), format!("no {target} named {who:?} in scenario {:?} ({list}: {})", ls.name, names.join(", ")));
                };
                let props = config(true)?;
                let entry = doc.get_mut(list).and_then(|a| a.as_array_mut()).and_then(|a| a.get_mut(ix)).and_then(|e| e.as_table_mut());
                let Some(entry) = entry else { return self.err(p, format!("cannot find {list}[{ix}] in the scenario text")) };
                apply_props(entry, &props);
                format!("{target} {who}: {}", describe(&props))
            }
            "topic" => {
                let topic = name("topic")?;
                let Some(ix) = sc.topics.iter().position(|x| x.name == topic) else {
                    let names: Vec<&str> = sc.topics.iter().map(|x| x.name.as_str()).collect();
                    return self.err(&p.key("topic"), format!("no topic named {topic:?} in scenario {:?} (topics: {})", ls.name, names.join(", ")));
                };
                let props = config(false)?;
                let partitions = match t.get("partitions") {
                    None => None,
                    Some(toml::Value::Integer(n)) => Some(*n),
                    Some(_) => return self.err(&p.key("partitions"), "expected an integer"),
                };
                if props.is_empty() && partitions.is_none() {
                    return self.err(p, "give `config = { … }` or `partitions = N`");
                }
                let entry = doc.get_mut("topics").and_then(|a| a.as_array_mut()).and_then(|a| a.get_mut(ix)).and_then(|e| e.as_table_mut());
                let Some(entry) = entry else { return self.err(p, format!("cannot find topics[{ix}] in the scenario text")) };
                if let Some(n) = partitions {
                    entry.insert("partitions".into(), toml::Value::Integer(n));
                }
                if !props.is_empty() {
                    apply_props(entry, &props);
                }
                let mut parts = Vec::new();
                if let Some(n) = partitions {
                    parts.push(format!("partitions = {n}"));
                }
                if !props.is_empty() {
                    parts.push(describe(&props));
                }
                format!("topic {topic}: {}", parts.join(", "))
            }
            "cluster" => {
                let Some(toml::Value::Table(c)) = t.get("cluster") else {
                    return self
                        .err(&p.key("cluster"), "expected a table of broker or topic-default properties, e.g. cluster = { \"min.insync.replicas\" = 2 }");
                };
                if c.is_empty() {
                    return self.err(&p.key("cluster"), "give at least one property");
                }
                let mut props = Vec::new();
                flatten(c, "", &mut props);
                let cl = doc.entry("cluster").or_insert_with(|| toml::Value::Table(toml::Table::new()));
                let Some(cl) = cl.as_table_mut() else { return self.err(p, "the scenario's [cluster] is not a table") };
                apply_props(cl, &props);
                format!("cluster: {}", describe(&props))
            }
            "job" => {
                let who = name("job")?;
                let Some(ix) = sc.jobs.iter().position(|j| j.name == who) else {
                    let names: Vec<&str> = sc.jobs.iter().map(|x| x.name.as_str()).collect();
                    return self.err(&p.key("job"), format!("no job named {who:?} in scenario {:?} (jobs: {})", ls.name, names.join(", ")));
                };
                job_ix = Some(ix);
                let engine = sc.jobs[ix].engine.name();
                for other in ["beam", "flink", "spark", "dstream", "kstreams"] {
                    if other != engine && t.contains_key(other) {
                        return self.err(&p.key(other), format!("job {who} runs on {engine}: change its options with `{engine} = {{ … }}`"));
                    }
                }
                let entry = doc.get_mut("jobs").and_then(|a| a.as_array_mut()).and_then(|a| a.get_mut(ix)).and_then(|e| e.as_table_mut());
                let Some(entry) = entry else { return self.err(p, format!("cannot find jobs[{ix}] in the scenario text")) };
                let mut parts = Vec::new();
                for key in [engine, "sink", "window", "config"] {
                    let Some(v) = t.get(key) else { continue };
                    let Some(tab) = v.as_table().filter(|x| !x.is_empty()) else {
                        return self.err(&p.key(key), "expected a non-empty table, e.g. { allowedLateness = \"1m\" }");
                    };
                    if key == engine || key == "config" {
                        // Options merge into the job's table: the others stay.
                        let e = entry.entry(key).or_insert_with(|| toml::Value::Table(toml::Table::new()));
                        if !e.is_table() {
                            *e = toml::Value::Table(toml::Table::new());
                        }
                        if let Some(e) = e.as_table_mut() {
                            for (k, x) in tab {
                                e.insert(k.clone(), x.clone());
                            }
                        }
                        parts.push(format!("{key} {}", tab.iter().map(|(k, x)| format!("{k} = {x}")).collect::<Vec<_>>().join(", ")));
                    } else {
                        // A sink or a window is replaced as a whole.
                        entry.insert(key.into(), v.clone());
                        parts.push(format!("{key} = {v}"));
                    }
                }
                if parts.is_empty() {
                    return self.err(p, format!("say what to change of job {who}: `{engine} = {{ … }}` (its engine options), `sink`, `window` or `config`"));
                }
                format!("job {who}: {}", parts.join("; "))
            }
            _ => {
                let ver = name("kafka")?;
                let k = doc.entry("kafka").or_insert_with(|| toml::Value::Table(toml::Table::new()));
                let Some(k) = k.as_table_mut() else { return self.err(p, "the scenario's [kafka] is not a table") };
                k.insert("version".into(), toml::Value::String(ver.clone()));
                format!("kafka.version = {ver:?}")
            }
        };
        let new_text = toml::to_string(&doc).or_else(|e| self.err(p, format!("cannot apply the change: {e}")))?;
        let label = format!("{} + step {number}", ls.origin);
        match scen::parse(&label, &new_text) {
            Ok(scenario) => Ok((text, Version { text: new_text, scenario })),
            Err(e) => {
                // Point at the property in the set table when the scenario
                // resolver names one (`producers[0].config.acks`).
                let in_job = job_ix.and_then(|ix| e.path.strip_prefix(&format!("jobs[{ix}]")));
                let at = match (target, e.path.find("config")) {
                    ("job", _) => match in_job {
                        Some(rest)
                            if ["beam", "flink", "spark", "dstream", "kstreams", "sink", "window", "config"]
                                .iter()
                                .any(|k| rest.starts_with(&format!(".{k}"))) =>
                        {
                            extend(p, rest)
                        }
                        _ => p.clone(),
                    },
                    ("cluster", Some(i)) => extend(&p.key("cluster"), &e.path[i + "config".len()..]),
                    (_, Some(i)) => extend(&p.key("config"), &e.path[i + "config".len()..]),
                    ("topic", None) if e.path.ends_with(".partitions") => p.key("partitions"),
                    _ => p.clone(),
                };
                let what = if e.path.is_empty() { e.message } else { format!("{}: {}", e.path, e.message) };
                self.err(&at, format!("with this change scenario {:?} is invalid: {what}", ls.name))
            }
        }
    }

    fn answer(&self, choices: Option<&Vec<String>>, answer: Option<&toml::Value>, tolerance: Option<&toml::Value>, p: &FieldPath, measured: bool) -> R<Answer> {
        let ap = p.key("answer");
        let Some(answer) = answer else { return self.err(p, "give the right `answer`") };
        if let Some(ch) = choices {
            let cp = p.key("choices");
            if ch.len() < 2 {
                return self.err(&cp, "give at least two choices");
            }
            for (i, c) in ch.iter().enumerate() {
                if c.trim().is_empty() {
                    return self.err(&cp.index(i), "a choice must not be empty");
                }
                if ch[..i].contains(c) {
                    return self.err(&cp.index(i), "the same choice twice");
                }
            }
            if tolerance.is_some() {
                return self.err(&p.key("tolerance"), "`tolerance` is for number answers, not choices");
            }
            let correct = match answer {
                toml::Value::Integer(k) if *k >= 1 && (*k as usize) <= ch.len() => (*k - 1) as usize,
                toml::Value::Integer(k) => return self.err(&ap, format!("answer {k}: choices are numbered 1 to {}", ch.len())),
                toml::Value::String(s) => match ch.iter().position(|c| c == s) {
                    Some(i) => i,
                    None => return self.err(&ap, "the answer must be the number of a choice (1 = the first) or its exact text"),
                },
                _ => return self.err(&ap, "the answer is the number of a choice (1 = the first) or its exact text"),
            };
            return Ok(Answer::Choice { choices: ch.clone(), correct });
        }
        let tol = match tolerance {
            None => Tolerance::Absolute(0),
            Some(toml::Value::Integer(t)) if *t >= 0 => Tolerance::Absolute(*t as u64),
            Some(toml::Value::String(s)) => match s.trim().strip_suffix('%').and_then(|x| x.trim().parse::<u32>().ok()) {
                Some(pc) if pc <= 100 => Tolerance::Percent(pc),
                _ => return self.err(&p.key("tolerance"), format!("{s:?}: write a number (10) or a percentage (\"10%\")")),
            },
            Some(_) => return self.err(&p.key("tolerance"), "a tolerance is a non-negative integer or a percentage string (\"10%\")"),
        };
        match answer {
            toml::Value::Integer(v) => Ok(Answer::Number { value: *v, tolerance: tol }),
            toml::Value::String(s) if measured => Ok(Answer::Measured { subject: parse_measure(&self.cx, s, &ap)?, tolerance: tol }),
            toml::Value::String(_) => self.err(&ap, "a quiz answer is a number or a choice (quiz questions do not depend on a run)"),
            _ => self.err(
                &ap,
                if measured {
                    "expected a number, a metric measured by the next run (\"lost-write\"), or a report pointer (\"/partitions/0/hw\"); or give `choices`"
                } else {
                    "expected a number, or give `choices`"
                },
            ),
        }
    }

    fn question(&self, q: &RawQuestion, p: &FieldPath) -> R<Question> {
        if q.question.trim().is_empty() {
            return self.err(&p.key("question"), "the question is empty");
        }
        let answer = self.answer(q.choices.as_ref(), Some(&q.answer), q.tolerance.as_ref(), p, false)?;
        Ok(Question { place: self.cx.place(p), question: q.question.clone(), answer, explain: q.explain.clone() })
    }
}

/// `base` followed by a path suffix as printed by [`FieldPath`]'s
/// `Display` (`.target`, `.sides[0][1]`, `.latency.max`).
fn extend(base: &FieldPath, suffix: &str) -> FieldPath {
    let mut p = base.clone();
    let mut rest = suffix;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            if let Ok(i) = r[..end].parse::<usize>() {
                p.0.push(Seg::Index(i));
            }
            rest = r.get(end + 1..).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix('"') {
            let end = r.find('"').unwrap_or(r.len());
            p.0.push(Seg::Key(r[..end].to_string()));
            rest = r.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            p.0.push(Seg::Key(rest[..end].to_string()));
            rest = &rest[end..];
        }
    }
    p
}

/// Flattens nested tables into dotted property names, as scenario config
/// tables are read (`linger.ms = 5` is `linger = { ms = 5 }` in TOML).
fn flatten(t: &toml::Table, prefix: &str, out: &mut Vec<(String, toml::Value)>) {
    for (k, v) in t {
        let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Table(inner) => flatten(inner, &name, out),
            other => out.push((name, other.clone())),
        }
    }
}

/// Sets properties in an entry's `config` table, replacing any earlier
/// value however it was written (flat `"linger.ms"` or nested `linger.ms`).
fn apply_props(entry: &mut toml::Table, props: &[(String, toml::Value)]) {
    let cfg = entry.entry("config").or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if !cfg.is_table() {
        *cfg = toml::Value::Table(toml::Table::new());
    }
    if let Some(cfg) = cfg.as_table_mut() {
        for (name, v) in props {
            remove_prop(cfg, name);
            cfg.insert(name.clone(), v.clone());
        }
    }
}

fn remove_prop(t: &mut toml::Table, name: &str) {
    t.remove(name);
    let keys: Vec<String> = t.keys().cloned().collect();
    for k in keys {
        if let Some(rest) = name.strip_prefix(&format!("{k}.")) {
            if let Some(toml::Value::Table(inner)) = t.get_mut(&k) {
                remove_prop(inner, rest);
                if inner.is_empty() {
                    t.remove(&k);
                }
            }
        }
    }
}

fn target_text(t: &TargetSpec) -> String {
    match t {
        TargetSpec::Node(n) => n.clone(),
        TargetSpec::LeaderOf { topic, partition } => format!("the leader of {topic}-{partition}"),
    }
}

/// `crash b1 (machine) for 10s`, for people.
pub(crate) fn describe_action(a: &ActionSpec, duration: Option<Micros>) -> String {
    let link = |from: &TargetSpec, to: &TargetSpec, sym: bool| format!("{} {} {}", target_text(from), if sym { "<->" } else { "->" }, target_text(to));
    let s = match a {
        ActionSpec::Crash { target, mode } => {
            format!("crash {} ({})", target_text(target), if *mode == crate::kernel::CrashKind::Machine { "machine: unflushed data may go" } else { "process" })
        }
        ActionSpec::Restart { target } => format!("restart {}", target_text(target)),
        ActionSpec::Pause { target } => format!("pause {}", target_text(target)),
        ActionSpec::Resume { target } => format!("resume {}", target_text(target)),
        ActionSpec::LoseDisk { target } => format!("lose the disk of {}", target_text(target)),
        ActionSpec::ClockSkew { target, skew_us } => {
            format!("skew the clock of {} by {}{}", target_text(target), if *skew_us < 0 { "-" } else { "+" }, Duration(skew_us.unsigned_abs()))
        }
        ActionSpec::Partition { sides } => {
            format!(
                "partition the network into {}",
                sides.iter().map(|s| format!("[{}]", s.iter().map(target_text).collect::<Vec<_>>().join(", "))).collect::<Vec<_>>().join(" | ")
            )
        }
        ActionSpec::Isolate { target } => format!("isolate {}", target_text(target)),
        ActionSpec::Cut { from, to, symmetric } => format!("cut {}", link(from, to, *symmetric)),
        ActionSpec::Heal { from, to, symmetric } => format!("heal {}", link(from, to, *symmetric)),
        ActionSpec::HealAll => "heal every link".to_string(),
        ActionSpec::SetLink { from, to, symmetric, .. } => format!("change the link {}", link(from, to, *symmetric)),
        ActionSpec::ResetLink { from, to, symmetric } => format!("reset the link {}", link(from, to, *symmetric)),
    };
    match duration {
        Some(d) => format!("{s} for {}", Duration(d)),
        None => s,
    }
}

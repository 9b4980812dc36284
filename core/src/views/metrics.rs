//! The metrics view: time series of the run, bucketed by processing time,
//! with the fault periods that explain their dips and spikes.
//!
//! What is measured, and how (all from the trace):
//! * **produce throughput** — `SendOk` per second ("acked"), and
//!   `SendFail` + `SendInfo` per second ("failed or unknown"): the client's
//!   view, like Kafka's `record-send-rate` / `record-error-rate`;
//! * **consume throughput** — records returned by polls per second
//!   (consumers and jobs reading Kafka), like `records-consumed-rate`;
//! * **consumer lag** — per consumer group that commits: the sum over the
//!   partitions it committed of leader HW − committed offset (what
//!   `kafka-consumer-groups.sh` prints as LAG, with the HW as the end); for
//!   a consumer (or job) whose group never commits: HW − its consumed
//!   position (the offset after the last record it polled). Sampled at the
//!   end of each bucket;
//! * **ISR** — the smallest ISR of any partition and the number of
//!   under-replicated partitions (ISR smaller than the replication factor,
//!   Kafka's `UnderReplicatedPartitions`); the minimum / maximum within each
//!   bucket, so a dip shorter than a bucket still shows;
//! * **end-to-end latency** p50/p95/p99 per bucket, nearest rank: for a
//!   stream job, arrival of an input at the job → first pane that includes
//!   it (the oracle's measure, `stream/oracle/latency.rs`), counted in the
//!   bucket of the pane; for Kafka, `Send` → first poll of that record by a
//!   consumer (produce → consume);
//! * **watermark lag** per job — processing time (as a clock, with the
//!   scenario's `clock`) − the job's watermark (least over its operators,
//!   as in the event-time view), sampled at the end of each bucket.
//!
//! Fault periods come from kernel events: `Crash` → `Restart` (down),
//! `Pause` → `Resume` (paused), and the time some link is cut (`LinkCut` →
//! every cut link `LinkHealed`); each carries the label of the
//! `FaultFired` record that started it.
//!
//! [`MetricsFold`] consumes only the records appended since the previous
//! frame (the in-progress bucket is recomputed every update). Charts that
//! do not apply to the scenario are left out (no stream charts for a pure
//! Kafka scenario).

use super::event_time::is_source_op;
use crate::kafka::events::KEvent;
use crate::kafka::types::Tp;
use crate::kafka::view::ClusterView;
use crate::kernel::{KernelEvent, NodeId, TraceEvent, TraceRecord};
use crate::model::Event;
use crate::scenario::jobs::{EngineSpec, SinkSpec, SourceRef};
use crate::stream::job::StreamEvent;
use crate::stream::types::{EventTime, Out, MAX_WATERMARK, MIN_WATERMARK};
use crate::time::Micros;
use crate::world::World;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[cfg(test)]
mod tests;

/// Where an incremental fold stands in a run's trace, and whether the trace
/// it read is still the one in the world.
///
/// The web app replaces the run on a load, an injected fault or a seek
/// backward; a fold notices it by itself: another scenario or seed, a trace
/// shorter than what was read, or a record at the read position that is not
/// the one read last (the trace was rolled back and re-run differently).
#[derive(Clone, Debug, Default)]
pub struct TraceCursor {
    run: Option<(String, u64)>,
    pos: usize,
    last: Option<TraceRecord<Event>>,
}

impl TraceCursor {
    /// The records appended since the last call, and whether the fold must
    /// start from scratch first (then the slice is the whole trace).
    pub fn advance<'w>(&mut self, world: &'w World) -> (bool, &'w [TraceRecord<Event>]) {
        let recs = world.sim.trace().records();
        let same_run = self.run.as_ref().is_some_and(|(h, s)| *h == world.scenario.hash && *s == world.seed);
        let continues = same_run && self.pos <= recs.len() && (self.pos == 0 || self.last.as_ref() == recs.get(self.pos - 1));
        if !continues {
            self.run = Some((world.scenario.hash.clone(), world.seed));
            self.pos = 0;
        }
        let new = &recs[self.pos..];
        self.pos = recs.len();
        if !new.is_empty() {
            self.last = recs.last().cloned();
        }
        (!continues, new)
    }
}

/// What kind of fault period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// A node crashed and is not back yet.
    Down,
    /// A node was paused (a GC pause, `SIGSTOP`).
    Paused,
    /// At least one network link was cut.
    Network,
}

/// A shaded period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultSpan {
    pub kind: FaultKind,
    /// The node (down, paused) or the links (`b1 → b2`, `6 links`).
    pub subject: String,
    /// The label of the fault that started it (`faults[1] crash`), or the
    /// kind in words when no fault record names it.
    pub label: String,
    pub start: Micros,
    /// None: still going on now.
    pub end: Option<Micros>,
}

/// One line of a chart: one value per bucket (None: no data).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Line {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// One small chart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Chart {
    /// Stable id (`produce-throughput`, `latency-flink-counts`).
    pub id: String,
    pub title: String,
    /// Unit of the y axis (`records/s`, `ms`, `s`, `records`, `replicas`).
    pub unit: String,
    /// A glossary term that explains the chart, if any.
    pub term: Option<String>,
    /// How the numbers are defined, in one sentence.
    pub note: String,
    pub lines: Vec<Line>,
}

/// The metrics of the run up to now.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricsModel {
    /// Bucket length (µs), chosen from the run's duration (100–200 buckets).
    pub bucket: Micros,
    pub now: Micros,
    /// End of the run (µs): the shared time axis is `[0, end]`.
    pub end: Micros,
    /// The time each value stands for: the end of its bucket, or `now` for
    /// the bucket in progress (the last one).
    pub times: Vec<Micros>,
    pub charts: Vec<Chart>,
    pub faults: Vec<FaultSpan>,
}

impl MetricsModel {
    pub fn chart(&self, id: &str) -> Option<&Chart> {
        self.charts.iter().find(|c| c.id == id)
    }
}

/// The smallest "nice" bucket (1, 2 or 5 × 10ⁿ ms) that cuts `end` into at
/// most 200 buckets.
pub fn bucket_for(end: Micros) -> Micros {
    let target = end.div_ceil(200).max(1000);
    let mut base: Micros = 1000;
    loop {
        for m in [1, 2, 5] {
            if base * m >= target {
                return base * m;
            }
        }
        base *= 10;
    }
}

/// Nearest-rank percentile of sorted samples.
fn nearest_rank(sorted: &[Micros], p: u64) -> Option<Micros> {
    let n = sorted.len() as u64;
    if n == 0 {
        return None;
    }
    Some(sorted[((p * n).div_ceil(100).clamp(1, n) - 1) as usize])
}

/// Chart indices of the charts that apply.
#[derive(Clone, Debug, Default)]
struct Slots {
    produce: Option<usize>,
    consume: Option<usize>,
    lag: Option<usize>,
    isr: Option<usize>,
    /// Kafka produce → consume latency.
    kafka_latency: Option<usize>,
    /// Per job.
    job_latency: Vec<Option<usize>>,
    watermark: Option<usize>,
}

#[derive(Clone, Debug, Default)]
struct JobState {
    /// Input id → first arrival, until a pane includes it.
    pending: BTreeMap<u64, Micros>,
    emitted: BTreeSet<u64>,
    samples: Vec<Micros>,
    ops: BTreeMap<String, EventTime>,
    sources: BTreeMap<String, EventTime>,
}

impl JobState {
    fn wm(&self) -> Option<EventTime> {
        self.ops.values().min().or_else(|| self.sources.values().min()).copied()
    }
}

/// The incremental metrics fold. Call [`MetricsFold::update`] every frame;
/// read [`MetricsFold::model`].
#[derive(Clone, Debug, Default)]
pub struct MetricsFold {
    cursor: TraceCursor,
    model: Option<MetricsModel>,
    slots: Slots,
    /// Index of the bucket in progress; values of earlier buckets are final.
    cur: usize,
    /// The in-progress bucket's values are in the model.
    partial: bool,
    // per-bucket counters
    acked: u64,
    failed: u64,
    polled: u64,
    kafka_samples: Vec<Micros>,
    isr_min: Option<u32>,
    urp_max: u32,
    // state
    cluster: ClusterView,
    replicas: BTreeMap<Tp, u32>,
    committed: BTreeMap<String, BTreeMap<Tp, u64>>,
    group_of: BTreeMap<NodeId, String>,
    position: BTreeMap<NodeId, BTreeMap<Tp, u64>>,
    send_at: BTreeMap<(NodeId, u64), Micros>,
    produced_at: BTreeMap<(Tp, u64), Micros>,
    topic_of_producer: BTreeMap<NodeId, u16>,
    jobs: Vec<JobState>,
    clock: EventTime,
    // faults
    label: Option<(Micros, String)>,
    open: BTreeMap<(u8, NodeId), usize>,
    cut: BTreeSet<(NodeId, NodeId)>,
    net_open: Option<(usize, usize)>,
}

fn chart(id: impl Into<String>, title: &str, unit: &str, term: Option<&str>, note: &str, lines: &[&str]) -> Chart {
    Chart {
        id: id.into(),
        title: title.into(),
        unit: unit.into(),
        term: term.map(str::to_string),
        note: note.into(),
        lines: lines.iter().map(|n| Line { name: n.to_string(), values: Vec::new() }).collect(),
    }
}

impl MetricsFold {
    pub fn new() -> Self {
        Self::default()
    }

    /// The model as of the last update (None before the first).
    pub fn model(&self) -> Option<&MetricsModel> {
        self.model.as_ref()
    }

    /// Consumes the trace records appended since the last call (starting
    /// again when the run changed or the trace was rolled back), then
    /// recomputes the bucket in progress.
    pub fn update(&mut self, world: &World) {
        let (restart, new) = self.cursor.advance(world);
        if restart || self.model.is_none() {
            self.start(world);
        }
        self.drop_partial();
        let b = self.model.as_ref().map_or(1, |m| m.bucket);
        for r in new {
            while r.t >= (self.cur as u64 + 1) * b {
                self.close(world, (self.cur as u64 + 1) * b, None);
            }
            self.observe(world, r);
        }
        let now = world.sim.now();
        while now >= (self.cur as u64 + 1) * b {
            self.close(world, (self.cur as u64 + 1) * b, None);
        }
        let elapsed = now.saturating_sub(self.cur as u64 * b);
        if elapsed > 0 {
            self.close(world, now, Some(elapsed));
        }
        if let Some(m) = self.model.as_mut() {
            m.now = now;
        }
    }

    fn start(&mut self, world: &World) {
        let sc = &world.scenario;
        let end = world.sim.end().max(1);
        let mut charts = Vec::new();
        let mut slots = Slots::default();
        let mut add = |c: Chart| {
            charts.push(c);
            Some(charts.len() - 1)
        };
        let kafka_sink = sc.jobs.iter().any(|j| matches!(j.sink, SinkSpec::Kafka { .. }));
        let kafka_source = sc.jobs.iter().any(|j| j.sources.iter().any(|s| matches!(s, SourceRef::Topic(_))));
        if !sc.producers.is_empty() || kafka_sink {
            slots.produce = add(chart(
                "produce-throughput",
                "Produce throughput",
                "records/s",
                Some("acks"),
                "Sends acknowledged per second, and sends that failed or whose outcome is unknown.",
                &["acked", "failed or unknown"],
            ));
        }
        if !sc.consumers.is_empty() || kafka_source {
            slots.consume = add(chart(
                "consume-throughput",
                "Consume throughput",
                "records/s",
                None,
                "Records returned by polls per second (consumers and jobs reading Kafka).",
                &["records read"],
            ));
            slots.lag = add(chart(
                "consumer-lag",
                "Consumer lag",
                "records",
                Some("lag"),
                "Per group: leader HW − committed offset, summed over its partitions; for a consumer that never commits: HW − its consumed position.",
                &[],
            ));
        }
        if !sc.topics.is_empty() {
            slots.isr = add(chart(
                "isr",
                "ISR size",
                "replicas / partitions",
                Some("ISR"),
                "The smallest ISR of any partition, and how many partitions have fewer in-sync replicas than their replication factor.",
                &["smallest ISR", "under-replicated partitions"],
            ));
        }
        if sc.jobs.is_empty() {
            if !sc.producers.is_empty() && !sc.consumers.is_empty() {
                slots.kafka_latency = add(chart(
                    "latency",
                    "End-to-end latency",
                    "ms",
                    None,
                    "From the producer's send to the first poll of the record by a consumer, percentiles per bucket.",
                    &["p50", "p95", "p99"],
                ));
            }
        } else {
            for j in &sc.jobs {
                let c = chart(
                    format!("latency-{}", j.name),
                    &format!("End-to-end latency: {}", j.name),
                    "ms",
                    None,
                    "From an input's arrival at the job to the first result that includes it, percentiles per bucket of the result.",
                    &["p50", "p95", "p99"],
                );
                slots.job_latency.push(add(c));
            }
            if sc.jobs.iter().any(|j| !matches!(j.engine, EngineSpec::DStream { .. })) {
                let names: Vec<&str> = sc.jobs.iter().filter(|j| !matches!(j.engine, EngineSpec::DStream { .. })).map(|j| j.name.as_str()).collect();
                slots.watermark = add(chart(
                    "watermark-lag",
                    "Watermark lag",
                    "s",
                    Some("watermark"),
                    "Processing time minus the job's watermark: how far behind the clock the job's event time is.",
                    &names,
                ));
            }
        }
        let name_id = |n: &str| world.sim.node_id(n);
        let topic_index = |t: &str| sc.topics.iter().position(|x| x.name == t).map(|i| i as u16);
        let mut topic_of_producer = BTreeMap::new();
        for p in &sc.producers {
            if let (Some(n), Some(t)) = (name_id(&p.name), topic_index(&p.topic)) {
                topic_of_producer.insert(n, t);
            }
        }
        for j in &sc.jobs {
            if let (Some(n), SinkSpec::Kafka { topic, .. }) = (name_id(&j.name), &j.sink) {
                topic_of_producer.insert(n, *topic as u16);
            }
        }
        let mut replicas = BTreeMap::new();
        for (ti, t) in sc.topics.iter().enumerate() {
            for p in 0..t.partitions {
                replicas.insert(Tp(ti as u16, p), t.replication_factor);
            }
        }
        *self = MetricsFold {
            cursor: std::mem::take(&mut self.cursor),
            model: Some(MetricsModel { bucket: bucket_for(end), now: 0, end, times: Vec::new(), charts, faults: Vec::new() }),
            slots,
            replicas,
            topic_of_producer,
            jobs: vec![JobState::default(); sc.jobs.len()],
            clock: sc.clock,
            ..MetricsFold::default()
        };
    }

    /// Removes the in-progress bucket's values (they are recomputed).
    fn drop_partial(&mut self) {
        if !std::mem::take(&mut self.partial) {
            return;
        }
        if let Some(m) = self.model.as_mut() {
            m.times.pop();
            for c in &mut m.charts {
                for l in &mut c.lines {
                    l.values.truncate(self.cur);
                }
            }
        }
    }

    fn put(&mut self, chart: Option<usize>, line: &str, v: Option<f64>) {
        let (Some(ci), Some(m)) = (chart, self.model.as_mut()) else { return };
        let i = self.cur;
        let c = &mut m.charts[ci];
        let l = match c.lines.iter().position(|l| l.name == line) {
            Some(k) => k,
            None => {
                c.lines.push(Line { name: line.to_string(), values: Vec::new() });
                c.lines.len() - 1
            }
        };
        let vals = &mut c.lines[l].values;
        vals.resize(i, None);
        vals.push(v);
    }

    /// Appends the values of the current bucket, as of time `t`. With
    /// `partial = Some(elapsed)` the bucket is still in progress: rates are
    /// over the elapsed part and nothing is reset.
    fn close(&mut self, world: &World, t: Micros, partial: Option<Micros>) {
        let b = self.model.as_ref().map_or(1, |m| m.bucket);
        let secs = partial.unwrap_or(b) as f64 / 1e6;
        // A rate over a sliver of a bucket is noise: wait for half of it.
        let rate_ok = partial.is_none_or(|e| e * 2 >= b);
        let rate = |n: u64| rate_ok.then(|| n as f64 / secs);
        self.put(self.slots.produce, "acked", rate(self.acked));
        self.put(self.slots.produce, "failed or unknown", rate(self.failed));
        self.put(self.slots.consume, "records read", rate(self.polled));
        if self.slots.lag.is_some() {
            for (name, v) in self.lags(world) {
                self.put(self.slots.lag, &name, Some(v as f64));
            }
        }
        if self.slots.isr.is_some() {
            let (min_now, urp_now) = self.isr_now();
            let min = self.isr_min.map_or(min_now, |m| m.min(min_now));
            let urp = self.urp_max.max(urp_now);
            self.put(self.slots.isr, "smallest ISR", Some(min as f64));
            self.put(self.slots.isr, "under-replicated partitions", Some(urp as f64));
        }
        let pct = |s: &mut Vec<Micros>| -> [Option<f64>; 3] {
            s.sort_unstable();
            [50, 95, 99].map(|p| nearest_rank(s, p).map(|v| v as f64 / 1000.0))
        };
        let k = pct(&mut self.kafka_samples);
        for (name, v) in ["p50", "p95", "p99"].iter().zip(k) {
            self.put(self.slots.kafka_latency, name, v);
        }
        for j in 0..self.jobs.len() {
            let v = pct(&mut self.jobs[j].samples);
            let slot = self.slots.job_latency.get(j).copied().flatten();
            for (name, x) in ["p50", "p95", "p99"].iter().zip(v) {
                self.put(slot, name, x);
            }
        }
        if self.slots.watermark.is_some() {
            let pt = self.clock as f64 + t as f64 / 1000.0;
            for (j, spec) in world.scenario.jobs.iter().enumerate() {
                if matches!(spec.engine, EngineSpec::DStream { .. }) {
                    continue;
                }
                let v = self.jobs[j].wm().filter(|w| *w != MAX_WATERMARK).map(|w| (pt - w as f64) / 1000.0);
                self.put(self.slots.watermark, &spec.name, v);
            }
        }
        if let Some(m) = self.model.as_mut() {
            m.times.push(t);
            let n = m.times.len();
            for c in &mut m.charts {
                for l in &mut c.lines {
                    l.values.resize(n, None);
                }
            }
        }
        if partial.is_some() {
            self.partial = true;
            return;
        }
        self.cur += 1;
        self.acked = 0;
        self.failed = 0;
        self.polled = 0;
        self.kafka_samples.clear();
        for j in &mut self.jobs {
            j.samples.clear();
        }
        // The next bucket starts from the state now.
        let (min_now, urp_now) = self.isr_now();
        self.isr_min = Some(min_now);
        self.urp_max = urp_now;
    }

    /// (smallest ISR, under-replicated partitions) now.
    fn isr_now(&self) -> (u32, u32) {
        let mut min = u32::MAX;
        let mut urp = 0;
        for (tp, rf) in &self.replicas {
            let isr = self.cluster.partitions.get(tp).map_or(*rf, |p| p.isr.len() as u32);
            min = min.min(isr);
            if isr < *rf {
                urp += 1;
            }
        }
        (if min == u32::MAX { 0 } else { min }, urp)
    }

    fn hw(&self, tp: &Tp) -> u64 {
        self.cluster.partitions.get(tp).map_or(0, |p| p.hw)
    }

    /// Lag per line name (see the module doc).
    fn lags(&self, world: &World) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        for (g, offsets) in &self.committed {
            let lag = offsets.iter().map(|(tp, c)| self.hw(tp).saturating_sub(*c)).sum();
            out.push((format!("group {g} (committed)"), lag));
        }
        for (node, pos) in &self.position {
            if self.group_of.get(node).is_some_and(|g| self.committed.contains_key(g)) {
                continue;
            }
            let lag = pos.iter().map(|(tp, p)| self.hw(tp).saturating_sub(*p)).sum();
            out.push((format!("{} (consumed)", world.sim.node_name(*node)), lag));
        }
        out
    }

    fn observe(&mut self, world: &World, r: &TraceRecord<Event>) {
        match &r.ev {
            TraceEvent::Kernel(k) => self.kernel(world, r.t, r.node, k),
            TraceEvent::Domain(Event::Kafka(k)) => self.kafka(world, r.t, r.node, k),
            TraceEvent::Domain(Event::Stream(s)) => self.stream(r.t, s),
        }
    }

    fn kafka(&mut self, world: &World, t: Micros, node: NodeId, k: &KEvent) {
        let isr_change = matches!(k, KEvent::PartitionChanged { .. });
        self.cluster.observe(t, node, k);
        match k {
            KEvent::Send { id, .. } => {
                self.send_at.insert((node, *id), t);
            }
            KEvent::SendOk { id, partition, offset } => {
                self.acked += 1;
                let sent = self.send_at.remove(&(node, *id));
                if let (Some(at), Some(topic), Ok(off)) = (sent, self.topic_of_producer.get(&node), u64::try_from(*offset)) {
                    self.produced_at.insert((Tp(*topic, *partition), off), at);
                }
            }
            KEvent::SendFail { id, .. } | KEvent::SendInfo { id, .. } => {
                self.failed += 1;
                self.send_at.remove(&(node, *id));
            }
            KEvent::Polled { tp, records } => {
                self.polled += records.len() as u64;
                let consumer = world.sim.node_group(node) == "consumers";
                for (off, _) in records {
                    if let Some(at) = self.produced_at.get(&(*tp, *off)).copied().filter(|_| consumer) {
                        self.produced_at.remove(&(*tp, *off));
                        self.kafka_samples.push(t.saturating_sub(at));
                    }
                }
                if let Some((last, _)) = records.last() {
                    self.position.entry(node).or_default().insert(*tp, last + 1);
                }
            }
            KEvent::PositionReset { tp, offset, .. } => {
                self.position.entry(node).or_default().insert(*tp, *offset);
            }
            KEvent::Committed { group, tp, offset, .. } => {
                self.committed.entry(group.clone()).or_default().insert(*tp, *offset);
            }
            KEvent::ConsumerGroup { group } => {
                self.group_of.insert(node, group.clone());
            }
            _ => {}
        }
        if isr_change {
            let (min, urp) = self.isr_now();
            self.isr_min = Some(self.isr_min.map_or(min, |m| m.min(min)));
            self.urp_max = self.urp_max.max(urp);
        }
    }

    fn stream(&mut self, t: Micros, s: &StreamEvent) {
        match s {
            StreamEvent::Input { job, id, .. } => {
                if let Some(j) = self.jobs.get_mut(*job as usize) {
                    if !j.emitted.contains(id) {
                        j.pending.entry(*id).or_insert(t);
                    }
                }
            }
            StreamEvent::SourceWatermark { job, channel, wm } => {
                if let Some(j) = self.jobs.get_mut(*job as usize) {
                    if *wm != MIN_WATERMARK {
                        j.sources.insert(format!("input {channel}"), *wm);
                    }
                }
            }
            StreamEvent::Out { job, out } => {
                let Some(j) = self.jobs.get_mut(*job as usize) else { return };
                match out {
                    Out::Pane(p) if !p.retraction => {
                        for id in &p.inputs {
                            if let Some(a) = j.pending.remove(id) {
                                j.emitted.insert(*id);
                                j.samples.push(t.saturating_sub(a));
                            }
                        }
                    }
                    Out::Watermark { op, wm } if *wm != MIN_WATERMARK => {
                        if is_source_op(op) {
                            j.sources.insert(op.clone(), *wm);
                        } else {
                            j.ops.insert(op.clone(), *wm);
                        }
                    }
                    _ => {}
                }
            }
            StreamEvent::Restarted { .. } => {}
        }
    }

    fn kernel(&mut self, world: &World, t: Micros, node: NodeId, k: &KernelEvent) {
        let name = |n: NodeId| world.sim.node_name(n).to_string();
        let label = |this: &Self, words: String| match &this.label {
            Some((at, l)) if *at == t => l.clone(),
            _ => words,
        };
        match k {
            KernelEvent::FaultFired { label } if !label.ends_with(" (end)") => {
                self.label = Some((t, label.clone()));
            }
            KernelEvent::Crash { .. } | KernelEvent::Pause => {
                let (kind, tag) = if matches!(k, KernelEvent::Pause) { (FaultKind::Paused, 1) } else { (FaultKind::Down, 0) };
                let words = format!("{} {}", name(node), if tag == 1 { "paused" } else { "down" });
                let span = FaultSpan { kind, subject: name(node), label: label(self, words), start: t, end: None };
                if let Some(m) = self.model.as_mut() {
                    m.faults.push(span);
                    self.open.insert((tag, node), m.faults.len() - 1);
                }
            }
            KernelEvent::Restart | KernelEvent::Resume => {
                let tag = u8::from(matches!(k, KernelEvent::Resume));
                if let (Some(i), Some(m)) = (self.open.remove(&(tag, node)), self.model.as_mut()) {
                    m.faults[i].end = Some(t);
                }
            }
            KernelEvent::LinkCut { from, to } => {
                let was_empty = self.cut.is_empty();
                self.cut.insert((*from, *to));
                let n = self.cut.len();
                if was_empty {
                    let span = FaultSpan {
                        kind: FaultKind::Network,
                        subject: format!("{} → {}", name(*from), name(*to)),
                        label: label(self, "link cut".into()),
                        start: t,
                        end: None,
                    };
                    if let Some(m) = self.model.as_mut() {
                        m.faults.push(span);
                        self.net_open = Some((m.faults.len() - 1, 1));
                    }
                } else if let (Some((i, max)), Some(m)) = (self.net_open, self.model.as_mut()) {
                    if n > max {
                        m.faults[i].subject = format!("{n} links");
                        self.net_open = Some((i, n));
                    }
                }
            }
            KernelEvent::LinkHealed { from, to } => {
                self.cut.remove(&(*from, *to));
                if self.cut.is_empty() {
                    if let (Some((i, _)), Some(m)) = (self.net_open.take(), self.model.as_mut()) {
                        m.faults[i].end = Some(t);
                    }
                }
            }
            _ => {}
        }
    }
}

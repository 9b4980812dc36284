//! The job node: one stream job of the scenario as a node of the simulated
//! world. It feeds the job's engine from its sources (scripted inputs at
//! their arrival times, or Kafka partitions through an embedded consumer),
//! wakes the engine when it asks, and records everything the engine reports
//! in the trace as [`StreamEvent`]s.
//!
//! Simplification: a job's tasks live in one node, so a crash of the node is
//! a failure of every task — which is also what Flink does for a job whose
//! `keyBy` connects all tasks (one failover region).

use super::engines::EngineBox;
use super::kafka_sink::KafkaSink;
use super::types::TxnPhase;
use super::types::{Datum, Elem, EventTime, Out};
use crate::kafka::consumer::{Consumer, ConsumerTimer};
use crate::kafka::producer::{Producer, ProducerTimer};
use crate::kafka::protocol::Msg;
use crate::kernel::{Ctx, NodeId};
use crate::model::{Event, Model, Timer};
use crate::scenario::jobs::SinkSpec;
use crate::scenario::jobs::{FlatMap, JobSpec, SourceRef};
use crate::scenario::ProducerSpec;
use crate::scenario::Scenario;
use crate::time::Micros;
use serde::Serialize;

/// A stream trace event. `job` is the index of the job in the scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "stream")]
pub enum StreamEvent {
    /// A record reached the job (before any `flatMap`).
    Input { job: u16, channel: u32, id: u64, key: String, value: Datum, ts: EventTime },
    /// A scripted watermark move reached the job.
    SourceWatermark { job: u16, channel: u32, wm: EventTime },
    /// What the engine reported.
    Out { job: u16, out: Out },
    /// The job process came back after a crash.
    Restarted { job: u16 },
}

/// Timers of a job node.
#[derive(Clone, Debug)]
pub enum JobTimer {
    /// The next scripted input event is due (`at`: the time it was armed
    /// for; a stale timer is ignored).
    Feed { at: Micros },
    /// The engine asked to be woken at this time.
    Wake { at: Micros },
}

#[derive(Clone, Debug)]
enum ScriptKind {
    Record(Elem),
    Watermark(EventTime),
    End,
}

#[derive(Clone, Debug)]
struct ScriptEvent {
    at: Micros,
    channel: u32,
    kind: ScriptKind,
}

/// Packs a Kafka record's identity into an input id.
pub fn kafka_id(source: usize, partition: u32, offset: u64) -> u64 {
    (1u64 << 63) | ((source as u64) << 48) | (u64::from(partition) << 36) | offset
}

/// The id of the `index`-th record of a scripted input.
pub fn script_id(source: usize, index: usize) -> u64 {
    ((source as u64) << 40) | index as u64
}

#[derive(Clone, Debug)]
pub struct JobNode {
    pub index: u16,
    pub spec: JobSpec,
    engine: EngineBox,
    /// Scripted input events in (arrival, file order) order.
    script: Vec<ScriptEvent>,
    cursor: usize,
    /// Per channel: positions (indices into `script`) of its records.
    channel_records: Vec<Vec<usize>>,
    /// Per channel: records handed to the engine (the source position).
    fed: Vec<u64>,
    /// Channels whose scripted input ended.
    ended: Vec<bool>,
    end_signalled: bool,
    /// Wake-up times with a timer armed.
    armed: Vec<Micros>,
    feed_armed: Option<Micros>,
    /// Scratch buffer for engine outputs.
    out: Vec<Out>,
    /// The process crashed and has not told the engine yet.
    crashed: bool,
    /// The Kafka source: an embedded consumer over the job's topics.
    kafka: Option<Box<Consumer>>,
    /// The Kafka sink, when the job writes to a topic.
    sink: Option<Box<KafkaSink>>,
    /// Per topic source: (topic index, first channel, source index,
    /// partitions).
    topic_channels: Vec<(u16, u32, usize, u32)>,
}

impl JobNode {
    pub fn new(index: u16, scenario: &Scenario) -> Self {
        let spec = scenario.jobs[index as usize].clone();
        let engine = EngineBox::build(&spec);
        let channels = spec.shape.channels() as usize;
        let mut script = Vec::new();
        let mut channel = 0u32;
        let mut topic_channels = Vec::new();
        for (src_index, src) in spec.sources.iter().enumerate() {
            match src {
                SourceRef::Input(i) => {
                    let inp = &scenario.inputs[*i];
                    for (k, r) in inp.records.iter().enumerate() {
                        let e = Elem { id: script_id(*i, k), key: r.key.clone(), value: r.value.clone(), ts: r.ts, arrival: r.at };
                        script.push((r.at, script.len(), ScriptEvent { at: r.at, channel, kind: ScriptKind::Record(e) }));
                    }
                    for (at, wm) in &inp.watermarks {
                        script.push((*at, script.len(), ScriptEvent { at: *at, channel, kind: ScriptKind::Watermark(*wm) }));
                    }
                    if let Some(end) = inp.end {
                        script.push((end, script.len(), ScriptEvent { at: end, channel, kind: ScriptKind::End }));
                    }
                    channel += 1;
                }
                SourceRef::Topic(t) => {
                    topic_channels.push((*t as u16, channel, src_index, scenario.topics[*t].partitions));
                    channel += scenario.topics[*t].partitions;
                }
            }
        }
        script.sort_by_key(|(at, seq, _)| (*at, *seq));
        let script: Vec<ScriptEvent> = script.into_iter().map(|(_, _, e)| e).collect();
        let mut channel_records = vec![Vec::new(); channels];
        for (i, e) in script.iter().enumerate() {
            if matches!(e.kind, ScriptKind::Record(_)) {
                channel_records[e.channel as usize].push(i);
            }
        }
        // Channels fed by Kafka never end.
        // Kafka channels never end, so a job with a Kafka source never sees
        // the end of its input.
        let ended = vec![false; channels];
        let kafka = (!topic_channels.is_empty()).then(|| {
            let names: Vec<String> = topic_channels.iter().map(|(t, _, _, _)| scenario.topics[*t as usize].name.clone()).collect();
            Box::new(Consumer::embedded(&spec.name, &names, &spec.consumer_config, &scenario.topics, scenario.brokers))
        });
        let sink = match &spec.sink {
            SinkSpec::Kafka { topic, guarantee, transactional_id_prefix } => {
                let pspec = ProducerSpec {
                    name: spec.name.clone(),
                    topic: scenario.topics[*topic].name.clone(),
                    config: spec.producer_config.clone(),
                    idempotent: spec.producer_idempotent,
                    workload: None,
                    records: Vec::new(),
                };
                let producer = Producer::embedded(&pspec, &scenario.topics, scenario.brokers);
                Some(Box::new(KafkaSink::new(*guarantee, producer, transactional_id_prefix.clone())))
            }
            _ => None,
        };
        JobNode {
            index,
            spec,
            engine,
            script,
            cursor: 0,
            channel_records,
            fed: vec![0; channels],
            ended,
            end_signalled: false,
            armed: Vec::new(),
            feed_armed: None,
            out: Vec::new(),
            crashed: false,
            kafka,
            sink,
            topic_channels,
        }
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    pub fn on_start(&mut self, ctx: &mut Ctx<'_, Model>) {
        if let Some(c) = self.kafka.as_mut() {
            c.on_start(ctx);
        }
        if let Some(s) = self.sink.as_mut() {
            s.on_start(ctx);
        }
        self.arm_feed(ctx);
        self.arm_wake(ctx);
    }

    /// The process died: in-memory state is gone; what survives is the
    /// engine's durable part (checkpoints, offset logs), which the engine
    /// keeps through [`EngineBox::crash`].
    pub fn on_crash(&mut self) {
        self.crashed = true;
        if let Some(c) = self.kafka.as_mut() {
            c.on_crash();
        }
        if let Some(s) = self.sink.as_mut() {
            s.on_crash();
        }
        self.armed.clear();
        self.feed_armed = None;
    }

    pub fn on_restart(&mut self, ctx: &mut Ctx<'_, Model>) {
        let job = self.index;
        ctx.emit(Event::Stream(StreamEvent::Restarted { job }));
        let now = ctx.now();
        if let Some(c) = self.kafka.as_mut() {
            c.on_restart(ctx);
        }
        // The engine learns of the failure now (Flink: the job fails and
        // restarts from its latest completed checkpoint after the restart
        // delay; Spark: the query restarts from its offset and commit logs).
        if std::mem::take(&mut self.crashed) {
            self.engine.crash(&self.spec, now, &mut self.out);
            self.engine.restart(now);
        }
        self.settle(ctx);
        self.arm_feed(ctx);
        self.arm_wake(ctx);
    }

    /// Re-reads sources from a restored checkpoint's positions: Kafka
    /// partitions are sought back; scripted inputs are durable, so the
    /// records between the position and what was already fed are handed
    /// over again now.
    fn rewind(&mut self, ctx: &mut Ctx<'_, Model>, positions: Vec<(u32, u64)>) {
        // A restore re-assigns the Kafka source its partitions at the
        // checkpoint's offsets (as Flink's KafkaSource does on recovery):
        // the history shows a new assignment, so replayed polls are not
        // mistaken for a consumer going backwards.
        if let Some(c) = self.kafka.as_ref() {
            let partitions = c.assignment();
            if !partitions.is_empty() {
                crate::model::emit(ctx, crate::kafka::events::KEvent::Assigned { generation: -1, partitions });
            }
        }
        for (channel, pos) in positions {
            if let Some((t, base)) = self.topic_of_channel(channel) {
                if let Some(c) = self.kafka.as_mut() {
                    c.seek(ctx, crate::kafka::types::Tp(t, channel - base), pos);
                }
                continue;
            }
            let c = channel as usize;
            if c >= self.fed.len() {
                continue;
            }
            let already = self.fed[c];
            self.fed[c] = pos.min(already);
            for k in pos..already {
                if let Some(&i) = self.channel_records[c].get(k as usize) {
                    if let ScriptKind::Record(e) = &self.script[i].kind {
                        let e = e.clone();
                        self.feed_record(ctx, channel, e);
                    }
                }
            }
            // The end of a bounded input is part of it: replayed too.
            if self.ended[c] {
                let now = ctx.now();
                let all = self.ended.iter().all(|e| *e);
                self.engine.on_channel_end(now, channel, all, &mut self.out);
            }
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, Model>, t: JobTimer) {
        match t {
            JobTimer::Feed { at } => {
                if self.feed_armed != Some(at) {
                    return;
                }
                self.feed_armed = None;
                self.feed_due(ctx);
                self.arm_feed(ctx);
            }
            JobTimer::Wake { at } => {
                self.armed.retain(|a| *a != at);
                let now = ctx.now();
                if self.engine.get().next_wakeup().is_some_and(|w| w <= now) {
                    self.engine.get().on_wakeup(now, &mut self.out);
                    self.settle(ctx);
                }
            }
        }
        self.arm_wake(ctx);
    }

    pub fn on_msg(&mut self, ctx: &mut Ctx<'_, Model>, from: NodeId, msg: Msg) {
        if let Some(s) = self.sink.as_mut() {
            s.on_msg(ctx, from, msg.clone());
        }
        if let Some(c) = self.kafka.as_mut() {
            c.on_msg(ctx, from, msg);
        }
        self.drain_kafka(ctx);
        self.settle(ctx);
        self.arm_wake(ctx);
    }

    pub fn on_consumer_timer(&mut self, ctx: &mut Ctx<'_, Model>, t: ConsumerTimer) {
        if let Some(c) = self.kafka.as_mut() {
            c.on_timer(ctx, t);
        }
        self.drain_kafka(ctx);
        self.arm_wake(ctx);
    }

    pub fn on_producer_timer(&mut self, ctx: &mut Ctx<'_, Model>, t: ProducerTimer) {
        if let Some(s) = self.sink.as_mut() {
            s.on_timer(ctx, t);
        }
        self.settle(ctx);
        self.arm_wake(ctx);
    }

    pub fn on_unreachable(&mut self, ctx: &mut Ctx<'_, Model>, peer: NodeId) {
        if let Some(s) = self.sink.as_mut() {
            s.on_unreachable(ctx, peer);
        }
        if let Some(c) = self.kafka.as_mut() {
            c.on_unreachable(ctx, peer);
        }
        self.drain_kafka(ctx);
        self.arm_wake(ctx);
    }

    /// `(topic, first channel)` of a Kafka channel.
    fn topic_of_channel(&self, channel: u32) -> Option<(u16, u32)> {
        self.topic_channels.iter().find(|(_, base, _, n)| (*base..base + n).contains(&channel)).map(|(t, base, _, _)| (*t, *base))
    }

    /// Hands the records the embedded consumer returned to the engine.
    fn drain_kafka(&mut self, ctx: &mut Ctx<'_, Model>) {
        let Some(c) = self.kafka.as_mut() else { return };
        for (tp, rec) in c.take_polled() {
            if rec.is_control {
                continue;
            }
            let Some(&(_, base, src, _)) = self.topic_channels.iter().find(|(t, _, _, _)| *t == tp.0) else { continue };
            let value = match rec.value.parse::<i64>() {
                Ok(i) => Datum::Int(i),
                Err(_) => match rec.value.parse::<f64>() {
                    Ok(f) if f.is_finite() => Datum::Float(f),
                    _ => Datum::Text(rec.value.clone()),
                },
            };
            let e =
                Elem { id: kafka_id(src, tp.1, rec.offset), key: rec.key.clone().unwrap_or_default(), value, ts: (rec.timestamp / 1000) as i64, arrival: 0 };
            self.feed_record_at(ctx, base + tp.1, e, rec.offset + 1);
        }
    }

    /// Hands every scripted event that is due to the engine.
    fn feed_due(&mut self, ctx: &mut Ctx<'_, Model>) {
        let now = ctx.now();
        while let Some(ev) = self.script.get(self.cursor) {
            if ev.at > now {
                break;
            }
            let (channel, kind) = (ev.channel, ev.kind.clone());
            self.cursor += 1;
            match kind {
                ScriptKind::Record(e) => self.feed_record(ctx, channel, e),
                ScriptKind::Watermark(wm) => {
                    let job = self.index;
                    ctx.emit(Event::Stream(StreamEvent::SourceWatermark { job, channel, wm }));
                    self.engine.on_watermark(now, channel, wm, &mut self.out);
                    self.settle(ctx);
                }
                ScriptKind::End => {
                    if let Some(x) = self.ended.get_mut(channel as usize) {
                        *x = true;
                    }
                    let all = !self.end_signalled && self.ended.iter().all(|e| *e);
                    self.end_signalled |= all;
                    self.engine.on_channel_end(now, channel, all, &mut self.out);
                    self.settle(ctx);
                }
            }
        }
    }

    /// One scripted record: its position is the count fed so far.
    fn feed_record(&mut self, ctx: &mut Ctx<'_, Model>, channel: u32, e: Elem) {
        let position = self.fed.get(channel as usize).copied().unwrap_or(0) + 1;
        self.feed_record_at(ctx, channel, e, position);
    }

    /// One source record: trace it, apply the `flatMap`, hand it over with
    /// the source position after it.
    fn feed_record_at(&mut self, ctx: &mut Ctx<'_, Model>, channel: u32, mut e: Elem, position: u64) {
        let now = ctx.now();
        e.arrival = now;
        let job = self.index;
        ctx.emit(Event::Stream(StreamEvent::Input { job, channel, id: e.id, key: e.key.clone(), value: e.value.clone(), ts: e.ts }));
        if let Some(f) = self.fed.get_mut(channel as usize) {
            *f = position;
        }
        match self.spec.flat_map {
            None => self.engine.on_record(now, channel, position, e, &mut self.out),
            Some(FlatMap::Split) => {
                let text = e.value.to_string();
                for w in text.split_whitespace() {
                    let word = Elem { id: e.id, key: w.to_string(), value: Datum::Int(1), ts: e.ts, arrival: e.arrival };
                    self.engine.on_record(now, channel, position, word, &mut self.out);
                }
            }
        }
        self.settle(ctx);
    }

    /// Records what the engine reported, hands results to the sink, serves
    /// the engine's sink flushes and source rewinds, until nothing is left.
    fn settle(&mut self, ctx: &mut Ctx<'_, Model>) {
        let job = self.index;
        loop {
            let outs: Vec<Out> = std::mem::take(&mut self.out);
            for out in outs {
                if let Some(s) = self.sink.as_mut() {
                    match &out {
                        Out::Pane(p) => s.write(ctx, p.txn, p.key.clone(), sink_value(p), p.out_ts.max(0) as u64 * 1000),
                        Out::Txn { id, phase: TxnPhase::Committed } => s.commit(ctx, *id),
                        Out::Txn { id, phase: TxnPhase::Aborted } => s.abort(ctx, *id),
                        _ => {}
                    }
                }
                ctx.emit(Event::Stream(StreamEvent::Out { job, out }));
            }
            let now = ctx.now();
            for (checkpoint, subtask, txn) in self.engine.take_sink_flushes() {
                match self.sink.as_mut() {
                    Some(s) => s.pre_commit(ctx, checkpoint, txn),
                    None => self.engine.sink_ack(now, checkpoint, subtask, &mut self.out),
                }
            }
            if let Some(s) = self.sink.as_mut() {
                for checkpoint in s.take_acked() {
                    self.engine.sink_ack(now, checkpoint, 0, &mut self.out);
                }
            }
            if let Some(positions) = self.engine.take_rewind() {
                self.rewind(ctx, positions);
            }
            if self.out.is_empty() {
                break;
            }
        }
    }

    fn arm_feed(&mut self, ctx: &mut Ctx<'_, Model>) {
        let Some(next) = self.script.get(self.cursor).map(|e| e.at) else { return };
        if self.feed_armed.is_some_and(|a| a <= next) {
            return;
        }
        self.feed_armed = Some(next);
        ctx.set_timer(next.saturating_sub(ctx.now()), Timer::Job(JobTimer::Feed { at: next }));
    }

    fn arm_wake(&mut self, ctx: &mut Ctx<'_, Model>) {
        let Some(at) = self.engine.get().next_wakeup() else { return };
        if self.armed.contains(&at) {
            return;
        }
        self.armed.push(at);
        ctx.set_timer(at.saturating_sub(ctx.now()), Timer::Job(JobTimer::Wake { at }));
    }
}

/// A result as a Kafka record value: compact JSON with the window, the
/// value and the ids of the inputs it includes (its lineage, which the
/// exactly-once checker reads back).
pub fn sink_value(p: &super::types::Pane) -> String {
    let window = match p.window {
        Some(w) => format!("[{},{}]", w.start, w.end),
        None => "null".into(),
    };
    let value = match &p.value {
        Datum::Text(t) => serde_json::to_string(t).unwrap_or_default(),
        v => v.to_string(),
    };
    let inputs: Vec<String> = p.inputs.iter().map(|i| i.to_string()).collect();
    format!("{{\"window\":{window},\"value\":{value},\"inputs\":[{}]}}", inputs.join(","))
}

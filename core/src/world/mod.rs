//! A runnable world built from a scenario and a seed: the kernel's
//! [`Sim`] over the streamlab [`Model`], plus everything needed to name
//! nodes and topics in reports.

use crate::kafka::broker::Broker;
use crate::kafka::consumer::Consumer;
use crate::kafka::controller::Controller;
use crate::kafka::producer::Producer;
use crate::kafka::types::Tp;
use crate::kernel::{FaultAction, NetworkConfig, NodeSpec, RandomFaults, ScriptedFault, Sim, SimConfig, Target, Trigger};
use crate::model::{Condition, Model, Node, Selector};
use crate::scenario::{ActionSpec, ConditionSpec, Scenario, TargetSpec, TriggerSpec};
use crate::stream::job::JobNode;
use std::collections::BTreeMap;

/// A scenario instantiated with a seed.
#[derive(Clone, Debug)]
pub struct World {
    pub scenario: Scenario,
    pub seed: u64,
    pub sim: Sim<Model>,
}

impl World {
    /// Builds the world. The scenario is already validated, so this cannot
    /// fail on user input.
    pub fn new(scenario: Scenario, seed: u64) -> Self {
        let names = scenario.node_names();
        let id_of = |n: &str| names.iter().position(|x| x == n).unwrap_or(0) as u32;
        let topic_index = |t: &str| scenario.topics.iter().position(|x| x.name == t).unwrap_or(0) as u16;
        let mut nodes = Vec::new();
        nodes.push(NodeSpec {
            name: "controller".into(),
            group: "controller".into(),
            node: Node::Controller(Box::new(Controller::new(scenario.kafka_version, &scenario.broker_config, &scenario.topics, scenario.brokers))),
        });
        for b in 1..=scenario.brokers {
            nodes.push(NodeSpec {
                name: format!("b{b}"),
                group: "brokers".into(),
                node: Node::Broker(Box::new(Broker::new(b, scenario.kafka_version, &scenario.broker_config, &scenario.topics))),
            });
        }
        for p in &scenario.producers {
            nodes.push(NodeSpec {
                name: p.name.clone(),
                group: "producers".into(),
                node: Node::Producer(Box::new(Producer::new(p, &scenario.topics, scenario.brokers))),
            });
        }
        for c in &scenario.consumers {
            nodes.push(NodeSpec {
                name: c.name.clone(),
                group: "consumers".into(),
                node: Node::Consumer(Box::new(Consumer::new(c, &scenario.topics, scenario.brokers))),
            });
        }
        for j in 0..scenario.jobs.len() {
            nodes.push(NodeSpec { name: scenario.jobs[j].name.clone(), group: "jobs".into(), node: Node::Job(Box::new(JobNode::new(j as u16, &scenario))) });
        }
        let mut links = BTreeMap::new();
        for (f, t, cfg) in &scenario.network.links {
            links.insert((id_of(f), id_of(t)), cfg.clone());
        }
        let network = NetworkConfig { default: scenario.network.default.clone(), links };
        let target = |t: &TargetSpec| -> Target<Selector> {
            match t {
                TargetSpec::Node(n) => Target::Node(id_of(n)),
                TargetSpec::LeaderOf { topic, partition } => Target::Select(Selector::LeaderOf(Tp(topic_index(topic), *partition))),
            }
        };
        let scripted = scenario
            .faults
            .iter()
            .map(|f| {
                let action = match &f.action {
                    ActionSpec::Crash { target: t, mode } => FaultAction::Crash { target: target(t), kind: *mode },
                    ActionSpec::Restart { target: t } => FaultAction::Restart { target: target(t) },
                    ActionSpec::Pause { target: t } => FaultAction::Pause { target: target(t) },
                    ActionSpec::Resume { target: t } => FaultAction::Resume { target: target(t) },
                    ActionSpec::LoseDisk { target: t } => FaultAction::LoseDisk { target: target(t) },
                    ActionSpec::ClockSkew { target: t, skew_us } => FaultAction::ClockSkew { target: target(t), skew_us: *skew_us },
                    ActionSpec::Partition { sides } => FaultAction::Partition { sides: sides.iter().map(|s| s.iter().map(target).collect()).collect() },
                    ActionSpec::Isolate { target: t } => FaultAction::Isolate { target: target(t) },
                    ActionSpec::Cut { from, to, symmetric } => FaultAction::CutLink { from: target(from), to: target(to), symmetric: *symmetric },
                    ActionSpec::Heal { from, to, symmetric } => FaultAction::HealLink { from: target(from), to: target(to), symmetric: *symmetric },
                    ActionSpec::HealAll => FaultAction::HealAll,
                    ActionSpec::SetLink { from, to, symmetric, config } => {
                        FaultAction::SetLink { from: target(from), to: target(to), symmetric: *symmetric, config: config.clone() }
                    }
                    ActionSpec::ResetLink { from, to, symmetric } => FaultAction::ResetLink { from: target(from), to: target(to), symmetric: *symmetric },
                };
                let trigger = match &f.trigger {
                    TriggerSpec::At(t) => Trigger::At(*t),
                    TriggerSpec::When { cond, after, delay } => Trigger::When {
                        cond: match cond {
                            ConditionSpec::Leader { topic, partition, broker } => Condition::Leader { tp: Tp(topic_index(topic), *partition), broker: *broker },
                            ConditionSpec::IsrAtMost { topic, partition, size } => Condition::IsrAtMost { tp: Tp(topic_index(topic), *partition), size: *size },
                            ConditionSpec::HwAtLeast { topic, partition, offset } => {
                                Condition::HwAtLeast { tp: Tp(topic_index(topic), *partition), offset: *offset }
                            }
                            ConditionSpec::AckedAtLeast { count } => Condition::AckedAtLeast { count: *count },
                        },
                        after: *after,
                        delay: *delay,
                    },
                };
                ScriptedFault { label: f.label.clone(), trigger, action, duration: f.duration }
            })
            .collect();
        let random = scenario.nemesis.as_ref().map(|n| RandomFaults {
            kinds: n.kinds.clone(),
            targets: n.targets.clone(),
            mean_interval: n.interval,
            mean_duration: n.duration,
            max_skew: n.max_skew,
            start: n.start,
            stop: n.stop,
            max_concurrent: n.max_concurrent,
        });
        let sim = Sim::new(SimConfig { seed, end: scenario.duration.0, network, scripted, random }, nodes);
        World { scenario, seed, sim }
    }

    /// `topic-partition` as people write it (`orders-0`).
    pub fn tp_name(&self, tp: Tp) -> String {
        match self.scenario.topics.get(tp.0 as usize) {
            Some(t) => format!("{}-{}", t.name, tp.1),
            None => tp.to_string(),
        }
    }

    /// The final logs of every replica (for checkers and the report).
    pub fn final_logs(&self) -> crate::check::FinalLogs {
        let mut logs: crate::check::FinalLogs = BTreeMap::new();
        for id in 0..self.sim.node_count() as u32 {
            if let Node::Broker(b) = self.sim.node(id) {
                for (tp, r) in b.final_replicas() {
                    logs.entry(tp).or_default().push(r);
                }
            }
        }
        logs
    }
}

#[cfg(test)]
mod tests;

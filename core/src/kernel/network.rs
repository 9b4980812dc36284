//! The simulated network: per-link latency, loss, duplication, reordering
//! and partitions.
//!
//! Links are directed (`from → to`). Kafka speaks TCP, so by default a link
//! is FIFO: a message never overtakes an earlier one on the same link, even
//! when latency is random. `reorder` is the probability that a message skips
//! that FIFO clamp (a retransmission through another connection, a proxy…).
//! Loss and duplication are per message. A partition blocks a link both at
//! send time and at delivery time, so messages in flight when a cut happens
//! are lost, as packets on a severed cable are.
//!
//! Every link draws from its own RNG stream named after its two endpoints, so
//! adding a node does not change the random choices on other links.

use super::actor::NodeId;
use crate::rng::RngStream;
use crate::time::{Duration, Micros};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A latency distribution. All variants may add uniform `jitter` on top.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum Latency {
    /// Always `value` (+ jitter).
    Constant {
        value: Duration,
        #[serde(default)]
        jitter: Duration,
    },
    /// Uniform in `[min, max]` (+ jitter).
    Uniform {
        min: Duration,
        max: Duration,
        #[serde(default)]
        jitter: Duration,
    },
    /// `min + Exp(mean)` (+ jitter): a long tail, as on a loaded network.
    Exponential {
        mean: Duration,
        #[serde(default)]
        min: Duration,
        #[serde(default)]
        jitter: Duration,
    },
}

impl Default for Latency {
    /// 1 ms with 0.5 ms jitter: a data-centre LAN.
    fn default() -> Self {
        Latency::Constant { value: Duration::from_micros(1_000), jitter: Duration::from_micros(500) }
    }
}

impl Latency {
    /// Draws one latency in microseconds.
    pub fn sample(&self, rng: &mut RngStream) -> Micros {
        let (base, jitter) = match self {
            Latency::Constant { value, jitter } => (value.0, jitter.0),
            Latency::Uniform { min, max, jitter } => (rng.range_inclusive(min.0, max.0.max(min.0)), jitter.0),
            Latency::Exponential { mean, min, jitter } => {
                let x = rng.exponential(mean.0 as f64);
                let x = if x.is_finite() { x.min(1e15).round() as u64 } else { 0 };
                (min.0.saturating_add(x), jitter.0)
            }
        };
        if jitter == 0 {
            base
        } else {
            base.saturating_add(rng.range_inclusive(0, jitter))
        }
    }
}

/// The behaviour of one directed link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkConfig {
    #[serde(default)]
    pub latency: Latency,
    /// Probability that a message is lost.
    #[serde(default)]
    pub loss: f64,
    /// Probability that a message is delivered twice.
    #[serde(default)]
    pub duplicate: f64,
    /// Probability that a message may overtake earlier ones on the link.
    #[serde(default)]
    pub reorder: f64,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig { latency: Latency::default(), loss: 0.0, duplicate: 0.0, reorder: 0.0 }
    }
}

/// The network's static configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NetworkConfig {
    pub default: LinkConfig,
    /// Per-link overrides, keyed by `(from, to)`.
    pub links: BTreeMap<(NodeId, NodeId), LinkConfig>,
}

#[derive(Clone, Debug)]
struct LinkState {
    rng: RngStream,
    /// Latest delivery time scheduled on this link (the FIFO clamp).
    last_delivery: Micros,
}

/// Where a message went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Blocked by a partition.
    Partitioned,
    /// Lost by the link.
    Lost,
    /// Delivered at these times (two for a duplicate).
    Deliver(Vec<Micros>),
}

/// The network's state.
#[derive(Clone, Debug)]
pub struct Network {
    seed: u64,
    config: NetworkConfig,
    overrides: BTreeMap<(NodeId, NodeId), LinkConfig>,
    blocked: BTreeSet<(NodeId, NodeId)>,
    links: BTreeMap<(NodeId, NodeId), LinkState>,
    names: Vec<String>,
}

impl Network {
    pub fn new(seed: u64, config: NetworkConfig, names: Vec<String>) -> Self {
        Network { seed, config, overrides: BTreeMap::new(), blocked: BTreeSet::new(), links: BTreeMap::new(), names }
    }

    /// The effective configuration of `from → to`.
    pub fn link_config(&self, from: NodeId, to: NodeId) -> &LinkConfig {
        self.overrides.get(&(from, to)).or_else(|| self.config.links.get(&(from, to))).unwrap_or(&self.config.default)
    }

    pub fn is_blocked(&self, from: NodeId, to: NodeId) -> bool {
        self.blocked.contains(&(from, to))
    }

    /// All blocked directed links, in order.
    pub fn blocked_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.blocked.iter().copied()
    }

    /// Blocks `from → to`; true if it was open.
    pub fn block(&mut self, from: NodeId, to: NodeId) -> bool {
        from != to && self.blocked.insert((from, to))
    }
    /// Unblocks `from → to`; true if it was blocked.
    pub fn unblock(&mut self, from: NodeId, to: NodeId) -> bool {
        self.blocked.remove(&(from, to))
    }
    /// Unblocks everything; returns the links that were blocked.
    pub fn heal_all(&mut self) -> Vec<(NodeId, NodeId)> {
        std::mem::take(&mut self.blocked).into_iter().collect()
    }
    pub fn set_override(&mut self, from: NodeId, to: NodeId, cfg: LinkConfig) {
        self.overrides.insert((from, to), cfg);
    }
    pub fn clear_override(&mut self, from: NodeId, to: NodeId) {
        self.overrides.remove(&(from, to));
    }

    /// Decides the fate of a message sent now on `from → to`.
    pub fn route(&mut self, now: Micros, from: NodeId, to: NodeId) -> Fate {
        if self.is_blocked(from, to) {
            return Fate::Partitioned;
        }
        let cfg = self.link_config(from, to).clone();
        let seed = self.seed;
        let names = &self.names;
        let link = self.links.entry((from, to)).or_insert_with(|| {
            let name =
                format!("net/{}->{}", names.get(from as usize).map(String::as_str).unwrap_or("?"), names.get(to as usize).map(String::as_str).unwrap_or("?"));
            LinkState { rng: RngStream::derive(seed, &name), last_delivery: 0 }
        });
        if link.rng.chance(cfg.loss) {
            return Fate::Lost;
        }
        let copies = if link.rng.chance(cfg.duplicate) { 2 } else { 1 };
        let mut times = Vec::with_capacity(copies);
        for _ in 0..copies {
            let mut at = now.saturating_add(cfg.latency.sample(&mut link.rng));
            if !link.rng.chance(cfg.reorder) {
                at = at.max(link.last_delivery);
            }
            link.last_delivery = link.last_delivery.max(at);
            times.push(at);
        }
        Fate::Deliver(times)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(cfg: LinkConfig) -> Network {
        Network::new(1, NetworkConfig { default: cfg, links: BTreeMap::new() }, vec!["a".into(), "b".into(), "c".into()])
    }

    #[test]
    fn fifo_by_default_even_with_random_latency() {
        let mut n = net(LinkConfig { latency: Latency::Uniform { min: Duration(10), max: Duration(10_000), jitter: Duration(0) }, ..LinkConfig::default() });
        let mut last = 0;
        for t in 0..1000 {
            match n.route(t, 0, 1) {
                Fate::Deliver(ts) => {
                    assert!(ts[0] >= last);
                    last = ts[0];
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn reorder_lets_messages_overtake() {
        let mut n = net(LinkConfig {
            latency: Latency::Uniform { min: Duration(10), max: Duration(10_000), jitter: Duration(0) },
            reorder: 1.0,
            ..LinkConfig::default()
        });
        let times: Vec<Micros> = (0..200)
            .map(|t| match n.route(t, 0, 1) {
                Fate::Deliver(ts) => ts[0],
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(times.windows(2).any(|w| w[1] < w[0]));
    }

    #[test]
    fn partitions_are_directed() {
        let mut n = net(LinkConfig::default());
        assert!(n.block(0, 1));
        assert_eq!(n.route(0, 0, 1), Fate::Partitioned);
        assert!(matches!(n.route(0, 1, 0), Fate::Deliver(_)));
        assert_eq!(n.heal_all(), vec![(0, 1)]);
        assert!(matches!(n.route(0, 0, 1), Fate::Deliver(_)));
    }

    #[test]
    fn loss_and_duplication_rates_are_roughly_right() {
        let mut n = net(LinkConfig { loss: 0.25, duplicate: 0.1, ..LinkConfig::default() });
        let (mut lost, mut dup) = (0, 0);
        for t in 0..10_000 {
            match n.route(t, 0, 1) {
                Fate::Lost => lost += 1,
                Fate::Deliver(ts) if ts.len() == 2 => dup += 1,
                _ => {}
            }
        }
        assert!((2000..3000).contains(&lost), "lost {lost}");
        assert!((500..1000).contains(&dup), "dup {dup}");
    }

    #[test]
    fn links_have_independent_streams() {
        let cfg = LinkConfig { latency: Latency::Exponential { mean: Duration(1000), min: Duration(0), jitter: Duration(0) }, ..LinkConfig::default() };
        let mut a = net(cfg.clone());
        let mut b = net(cfg);
        // b sends on another link first; a→b draws must be unaffected.
        for t in 0..10 {
            b.route(t, 2, 0);
        }
        for t in 0..50 {
            assert_eq!(a.route(t, 0, 1), b.route(t, 0, 1));
        }
    }
}

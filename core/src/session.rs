//! The facade the web app (and other embedders) drive: load a scenario,
//! step it, read its trace hash and summary. Thin over [`World`].

use crate::report::{report_json, summary_text, Outcome};
use crate::scenario::{self, Scenario};
use crate::time::fmt_time;
use crate::world::World;

pub use crate::scenario::ScenarioError;

/// A loaded scenario being run.
pub struct Session {
    world: World,
}

impl Session {
    /// Parses and builds; `seed` overrides the scenario's.
    pub fn load(file_name: &str, toml_text: &str, seed: Option<u64>) -> Result<Session, ScenarioError> {
        let sc: Scenario = scenario::parse(file_name, toml_text)?;
        let seed = sc.effective_seed(seed);
        Ok(Session { world: World::new(sc, seed) })
    }
    pub fn world(&self) -> &World {
        &self.world
    }
    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }
    pub fn scenario_name(&self) -> &str {
        &self.world.scenario.name
    }
    pub fn seed(&self) -> u64 {
        self.world.seed
    }
    pub fn now(&self) -> u64 {
        self.world.sim.now()
    }
    pub fn end_time(&self) -> u64 {
        self.world.sim.end()
    }
    pub fn step(&mut self) -> bool {
        self.world.sim.step()
    }
    pub fn run_until(&mut self, t: u64) {
        self.world.sim.run_until(t)
    }
    pub fn run_to_end(&mut self) {
        self.world.sim.run_to_end()
    }
    pub fn is_finished(&self) -> bool {
        self.world.sim.is_finished()
    }
    pub fn trace_len(&self) -> usize {
        self.world.sim.trace().len()
    }
    pub fn trace_hash(&self) -> String {
        self.world.sim.trace().hash_hex()
    }
    pub fn summary_text(&self) -> String {
        summary_text(&self.world, &Outcome::of(&self.world))
    }
    pub fn report_json(&self) -> String {
        serde_json::to_string_pretty(&report_json(&self.world, &Outcome::of(&self.world))).unwrap_or_default()
    }
    /// The last `n` trace records, one human-readable line each.
    pub fn recent_events(&self, n: usize) -> Vec<String> {
        let recs = self.world.sim.trace().records();
        let start = recs.len().saturating_sub(n);
        recs[start..]
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let ev = serde_json::to_string(&r.ev).unwrap_or_default();
                format!("#{:<7} {} {:<10} {}", start + i, fmt_time(r.t), self.world.sim.node_name(r.node), ev)
            })
            .collect()
    }
}

/// Example scenarios compiled into the binary: (file name relative to
/// `scenarios/`, TOML text). `tests/` checks that this list matches the
/// directory.
pub const BUILTIN_SCENARIOS: &[(&str, &str)] = &[
    ("basic.toml", include_str!("../../scenarios/basic.toml")),
    ("nemesis-kill-pause-partition.toml", include_str!("../../scenarios/nemesis-kill-pause-partition.toml")),
    ("kafka/a1-acks0-loss.toml", include_str!("../../scenarios/kafka/a1-acks0-loss.toml")),
    ("kafka/a12-last-replica-standing.toml", include_str!("../../scenarios/kafka/a12-last-replica-standing.toml")),
    ("kafka/a13-elr-prevents-loss.toml", include_str!("../../scenarios/kafka/a13-elr-prevents-loss.toml")),
    ("kafka/a2-acks1-failover-loss.toml", include_str!("../../scenarios/kafka/a2-acks1-failover-loss.toml")),
    ("kafka/a3-acks-all-no-loss.toml", include_str!("../../scenarios/kafka/a3-acks-all-no-loss.toml")),
    ("kafka/a5-not-enough-replicas.toml", include_str!("../../scenarios/kafka/a5-not-enough-replicas.toml")),
    ("kafka/a8-unclean-election-loss.toml", include_str!("../../scenarios/kafka/a8-unclean-election-loss.toml")),
    ("kafka/a9-no-unclean-unavailable.toml", include_str!("../../scenarios/kafka/a9-no-unclean-unavailable.toml")),
    ("kafka/c1-retry-duplicates.toml", include_str!("../../scenarios/kafka/c1-retry-duplicates.toml")),
    ("kafka/c3-idempotence-dedup.toml", include_str!("../../scenarios/kafka/c3-idempotence-dedup.toml")),
    ("kafka/kip101-hw-truncation-divergence.toml", include_str!("../../scenarios/kafka/kip101-hw-truncation-divergence.toml")),
    ("kafka/kip101-leader-epochs-consistent.toml", include_str!("../../scenarios/kafka/kip101-leader-epochs-consistent.toml")),
];

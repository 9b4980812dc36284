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

include!(concat!(env!("OUT_DIR"), "/builtin_scenarios.rs"));

//! Shared helpers for the integration tests (see `tests/*.rs`).

use std::path::PathBuf;
use streamlab_core::scenario::{self, Scenario};
use streamlab_core::world::World;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Loads a scenario by path relative to the repository root.
pub fn scenario(rel: &str) -> Scenario {
    let path = root().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    scenario::parse(rel, &text).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a scenario to its end with a seed.
pub fn run(rel: &str, seed: u64) -> World {
    let mut w = World::new(scenario(rel), seed);
    w.sim.run_to_end();
    w
}

/// Every scenario file under `scenarios/`, relative to the root, sorted.
pub fn all_scenarios() -> Vec<String> {
    fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect()).unwrap_or_default();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, base, out);
            } else if p.extension().is_some_and(|x| x == "toml") {
                out.push(p.strip_prefix(base).unwrap_or(&p).to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut v = Vec::new();
    let r = root();
    walk(&r.join("scenarios"), &r, &mut v);
    v
}

//! Every scenario file in `scenarios/` runs with its own seed and all of its
//! `[expect]` lines hold. The Kafka catalogue cases (reference
//! kafka-semantics.md §2) each come with a twin whose configuration
//! prevents the anomaly; both are checked here.

use streamlab_core::report::Outcome;
use streamlab_tests::{all_scenarios, scenario};

#[test]
fn every_scenario_meets_its_expectations() {
    let mut failures = Vec::new();
    let files = all_scenarios();
    assert!(files.len() >= 6, "scenario files: {files:?}");
    for file in files {
        let sc = scenario(&file);
        let seed = sc.effective_seed(None);
        let mut w = streamlab_core::world::World::new(sc, seed);
        w.sim.run_to_end();
        let out = Outcome::of(&w);
        for v in out.verdicts.iter().filter(|v| !v.ok) {
            failures.push(format!("{}: expected {} {} {}, got {} (seed {seed})", v.location, v.metric, v.cmp.symbol(), v.expected, v.actual));
        }
        for v in out.output_verdicts.iter().filter(|v| !v.ok) {
            failures.push(format!("{}: job {} printed other lines than expected: {:?} (seed {seed})", v.location, v.job, v.first_difference));
        }
    }
    assert!(failures.is_empty(), "failed expectations:\n{}", failures.join("\n"));
}

#[test]
fn builtin_scenarios_match_the_scenarios_directory() {
    let builtin: Vec<String> = streamlab_core::session::BUILTIN_SCENARIOS.iter().map(|(n, _)| format!("scenarios/{n}")).collect();
    let mut on_disk = all_scenarios();
    let mut b = builtin.clone();
    b.sort();
    on_disk.sort();
    assert_eq!(b, on_disk, "update BUILTIN_SCENARIOS in core/src/session.rs");
    for (name, text) in streamlab_core::session::BUILTIN_SCENARIOS {
        let disk = std::fs::read_to_string(streamlab_tests::root().join("scenarios").join(name)).unwrap();
        assert_eq!(*text, disk, "{name}");
    }
}

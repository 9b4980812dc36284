//! Bad input never panics: scenario files with random lines replaced,
//! deleted or inserted either parse or give a located error, and the ones
//! that parse also run.

use proptest::prelude::*;
use streamlab_core::scenario;
use streamlab_tests::{all_scenarios, root};

const VALUES: &[&str] = &[
    "-1",
    "0",
    "\"x\"",
    "true",
    "[]",
    "{}",
    "99999999999999999999",
    "\"-5s\"",
    "1e309",
    "nan",
    "\"leader:nope-0\"",
    "\"b99\"",
    "[[]]",
    "\"0.5us\"",
    "\"\"",
    "{ distribution = \"zipf\", count = 0 }",
    "[\"b1\"]",
];
const LINES: &[&str] =
    &["[[faults]]", "at = \"1s\"", "action = \"crash\"", "[nemesis]", "[[topics]]", "name = \"t\"", "[expect]", "duplicate = \"~3\"", "x.y.z = 1"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed), failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn mutated_scenarios_never_panic(file_ix in 0usize..1000, edits in prop::collection::vec((0usize..1000, 0u8..3, 0usize..100), 1..4)) {
        let files = all_scenarios();
        let file = &files[file_ix % files.len()];
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for (at, kind, pick) in edits {
            if lines.is_empty() { break; }
            let i = at % lines.len();
            match kind {
                0 => if let Some((k, _)) = lines[i].split_once('=') {
                    lines[i] = format!("{k}= {}", VALUES[pick % VALUES.len()]);
                },
                1 => { lines.remove(i); }
                _ => lines.insert(i, LINES[pick % LINES.len()].to_string()),
            }
        }
        let mutated = lines.join("\n");
        match scenario::parse("mutant.toml", &mutated) {
            Err(e) => prop_assert!(e.to_string().starts_with("mutant.toml"), "{e}"),
            Ok(sc) => {
                let mut w = streamlab_core::world::World::new(sc, 1);
                w.sim.set_end(w.sim.end().min(2_000_000));
                w.sim.run_to_end();
                let _ = streamlab_core::report::Outcome::of(&w);
            }
        }
    }
}

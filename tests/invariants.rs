//! Safety invariants under seeded random faults (proptest over seeds: each
//! seed is a different fault schedule and different network timing).
//!
//! With acks=all, min.insync.replicas=2, no unclean election and only
//! process kills, pauses and isolations, Kafka loses no acknowledged write,
//! never shows two values at one offset, and its replicas agree below the
//! high watermark. The seeds are fixed (CI must not be flaky; wide sweeps
//! belong to exploration): a failing seed is printed by proptest; replay it with
//! `streamlab run scenarios/nemesis-kill-pause-partition.toml --seed N`.

use proptest::prelude::*;
use streamlab_core::report::Outcome;
use streamlab_core::world::World;
use streamlab_tests::scenario;

fn metrics(seed: u64) -> std::collections::BTreeMap<&'static str, i64> {
    let mut w = World::new(scenario("scenarios/nemesis-kill-pause-partition.toml"), seed);
    w.sim.run_to_end();
    Outcome::of(&w).checks.metrics
}

/// Seeds that once broke these invariants (a broker that missed the
/// controller's metadata while partitioned stayed a zombie leader).
#[test]
fn regression_seeds() {
    for seed in [345, 358] {
        let m = metrics(seed);
        for k in ["lost-write", "inconsistent-offsets", "divergent-replicas", "consumed-offset-changed"] {
            assert_eq!(m[k], 0, "seed {seed}: {k}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed), failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn acks_all_with_min_isr_2_loses_nothing_under_kills_pauses_and_partitions(seed in any::<u64>()) {
        let m = metrics(seed);
        prop_assert_eq!(m["lost-write"], 0, "seed {}", seed);
        prop_assert_eq!(m["inconsistent-offsets"], 0, "seed {}", seed);
        prop_assert_eq!(m["divergent-replicas"], 0, "seed {}", seed);
        prop_assert_eq!(m["consumed-offset-changed"], 0, "seed {}", seed);
        prop_assert!(m["acked"] > 0, "seed {}: nothing acknowledged", seed);
    }
}

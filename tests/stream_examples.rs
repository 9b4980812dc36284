//! Every worked example of `streaming-semantics.md` (EX-B*, EX-F*, EX-S*,
//! EX-K*) is a scenario file whose `[[expect.outputs]]` pin the exact
//! output lines (for Spark, both version columns as two jobs); the
//! `scenarios` test runs them. This test makes sure none is missing.

use streamlab_tests::scenario;

#[test]
fn every_worked_example_has_a_scenario_with_exact_outputs() {
    let examples = [
        ("EX-B1", "beam/ex-b1-classic-batch.toml", 1),
        ("EX-B2", "beam/ex-b2-fixed-windows-batch.toml", 1),
        ("EX-B3", "beam/ex-b3-per-record-triggering.toml", 1),
        ("EX-B5", "beam/ex-b5-unaligned-delay.toml", 1),
        ("EX-B6", "beam/ex-b6-watermark-trigger.toml", 2),
        ("EX-B7", "beam/ex-b7-early-late.toml", 2),
        ("EX-B9", "beam/ex-b9-discarding.toml", 1),
        ("EX-B9 table", "beam/ex-b9-accumulation-modes.toml", 3),
        ("EX-B10", "beam/ex-b10-sessions.toml", 1),
        ("EX-B11", "beam/ex-b11-dataflow-paper.toml", 5),
        ("EX-F1", "flink/ex-f1-tumbling.toml", 1),
        ("EX-F2", "flink/ex-f2-sliding.toml", 1),
        ("EX-F3", "flink/ex-f3-side-output.toml", 1),
        ("EX-F5", "flink/ex-f5-lateness.toml", 2),
        ("EX-F6", "flink/ex-f6-sessions.toml", 2),
        ("EX-S1", "spark/ex-s1-quick-example-complete.toml", 1),
        ("EX-S2", "spark/ex-s2-windowed-counts.toml", 1),
        ("EX-S3", "spark/ex-s3-late-data-no-watermark.toml", 1),
        ("EX-S4", "spark/ex-s4-watermark-update-mode.toml", 2),
        ("EX-S5", "spark/ex-s5-watermark-append-mode.toml", 2),
        ("EX-K1", "kstreams/ex-k1.toml", 2),
    ];
    for (ex, file, min_jobs) in examples {
        let sc = scenario(&format!("scenarios/stream/{file}"));
        assert!(sc.expect_outputs.len() >= min_jobs, "{ex}: {file} pins the outputs of {} jobs, expected at least {min_jobs}", sc.expect_outputs.len());
        assert!(sc.expect_outputs.iter().all(|e| !e.lines.is_empty() || sc.jobs[e.job].name.contains("no-")), "{ex}: empty expectation in {file}");
    }
}

//! The `streamlab` binary: exit codes, messages for bad input, replay.

use std::process::Command;
fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn streamlab(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_streamlab")).args(args).current_dir(root()).output().expect("run streamlab");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn tmp(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("streamlab-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn json_field(stdout: &str, field: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(stdout).expect("--json prints one JSON document");
    v[field].clone()
}

#[test]
fn same_seed_same_hash_different_seed_different_hash() {
    let (c1, o1, _) = streamlab(&["run", "scenarios/basic.toml", "--seed", "5", "--json"]);
    let (c2, o2, _) = streamlab(&["run", "scenarios/basic.toml", "--seed", "5", "--json"]);
    let (_, o3, _) = streamlab(&["run", "scenarios/basic.toml", "--seed", "6", "--json"]);
    assert_eq!((c1, c2), (0, 0));
    let h1 = json_field(&o1, "trace_hash");
    assert_eq!(h1, json_field(&o2, "trace_hash"));
    assert_ne!(h1, json_field(&o3, "trace_hash"));
    assert_eq!(json_field(&o1, "seed"), 5);
    assert_eq!(json_field(&o1, "scenario"), "Three brokers, one producer");
    assert!(json_field(&o1, "config")["cluster"]["config"]["replica.lag.time.max.ms"].is_string(), "resolved configuration with defaults");
}

#[test]
fn default_seed_is_fixed_and_documented() {
    let (_, o, _) = streamlab(&["run", "scenarios/basic.toml", "--json"]);
    assert_eq!(json_field(&o, "seed"), 1, "docs/scenario-format.md: the default seed is 1");
}

#[test]
fn bad_input_exits_2_with_a_located_message_and_never_panics() {
    let cases = [
        ("wrong-type.toml", "name = \"x\"\n[[topics]]\nname = \"a\"\npartitions = \"three\"\n", ":4:14: topics[0].partitions"),
        ("unknown-field.toml", "name = \"x\"\nbrokers = 3\n", ":2:1: brokers: unknown field `brokers`"),
        ("bad-duration.toml", "name = \"x\"\nduration = \"5 parsecs\"\n", ":2:12: duration: "),
        ("negative-rate.toml", "name = \"x\"\n[[topics]]\nname = \"a\"\n[[producers]]\ntopic = \"a\"\nrate = -1\n", ":6:8: producers[0].rate"),
        ("syntax.toml", "name = \"x\n", "TOML syntax error"),
        ("unknown-prop.toml", "name = \"x\"\n[cluster]\nconfig = { \"replica.lag.time.max\" = 1 }\n", "did you mean `replica.lag.time.max.ms`"),
    ];
    for (name, text, needle) in cases {
        let p = tmp(name, text);
        let (code, _, err) = streamlab(&["run", &p]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(needle), "{name}: {err:?} should contain {needle:?}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    let (code, _, err) = streamlab(&["run", "no/such/file.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/file.toml") && err.contains("cannot read"), "{err}");
    let (code, _, _) = streamlab(&["run", "scenarios/basic.toml", "--seed", "banana"]);
    assert_eq!(code, 2);
    let (code, _, _) = streamlab(&["frobnicate"]);
    assert_eq!(code, 2);
}

#[test]
fn failed_expectation_exits_1() {
    let p = tmp(
        "expect-fail.toml",
        "name = \"x\"\nduration = \"2s\"\n[[topics]]\nname = \"a\"\n[[producers]]\ntopic = \"a\"\nrate = 10\n[expect]\nacked = \"> 1000000\"\n",
    );
    let (code, out, _) = streamlab(&["run", &p]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL acked > 1000000"), "{out}");
}

#[test]
fn trace_replays_to_the_same_hash_and_tampering_is_caught() {
    let trace = std::env::temp_dir().join(format!("streamlab-replay-{}.jsonl", std::process::id()));
    let t = trace.to_string_lossy().into_owned();
    // --until 4s: too early for the scenario's `acked >= 400`, so the run
    // (and its replay) exit 1 — the trace must still replay exactly.
    let (run_code, _, err) = streamlab(&["run", "scenarios/basic.toml", "--seed", "3", "--until", "4s", "--trace", &t, "--check-determinism"]);
    assert_eq!(run_code, 1, "{err}");
    assert!(err.contains("determinism: two runs gave the same trace"), "{err}");
    let (code, _, err) = streamlab(&["replay", &t]);
    assert_eq!(code, run_code, "{err}");
    assert!(err.contains("reproduced"), "{err}");
    // A changed footer hash: replay must report the mismatch (exit 1).
    let text = std::fs::read_to_string(&trace).unwrap();
    let last = text.lines().last().unwrap().to_string();
    let mut hacked: serde_json::Value = serde_json::from_str(&last).unwrap();
    hacked["trace_hash"] = serde_json::json!("00000000000000000000000000000000");
    std::fs::write(&trace, text.replace(&last, &hacked.to_string())).unwrap();
    let (code, _, err) = streamlab(&["replay", &t]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("did NOT reproduce"), "{err}");
    // A truncated file: bad input.
    std::fs::write(&trace, &text[..text.len() / 2]).unwrap();
    let (code, _, err) = streamlab(&["replay", &t]);
    assert_eq!(code, 2, "{err}");
    let _ = std::fs::remove_file(&trace);
}

#[test]
fn check_validates_directories() {
    let (code, out, _) = streamlab(&["check", "scenarios"]);
    assert_eq!(code, 0, "{out}");
    let bad = tmp("bad-for-check.toml", "name = 3\n");
    let (code, out, _) = streamlab(&["check", "scenarios", &bad]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("invalid"), "{out}");
}

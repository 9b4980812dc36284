use super::parse;
use crate::scenario::{ActionSpec, Cmp, TargetSpec, TriggerSpec};

const OK: &str = r#"
name = "basic"
seed = 7
duration = "30s"

[cluster]
brokers = 3
config = { "min.insync.replicas" = 2 }

[[topics]]
name = "orders"
partitions = 2
replication_factor = 3

[[producers]]
topic = "orders"
rate = 100
config = { acks = "all", linger.ms = 10 }

[[consumers]]
group = "g1"
topics = ["orders"]
config = { "auto.offset.reset" = "earliest" }

[[faults]]
at = "10s"
action = "crash"
target = "leader:orders-0"
duration = "5s"

[expect]
lost-write = 0
duplicate = "> 0"
"#;

fn err(text: &str) -> crate::scenario::ScenarioError {
    parse("t.toml", text).expect_err("should fail")
}

#[test]
fn parses_a_full_scenario_with_defaults() {
    let s = parse("t.toml", OK).unwrap();
    assert_eq!(s.seed, Some(7));
    assert_eq!(s.duration.0, 30_000_000);
    assert_eq!(s.topics[0].assignment, vec![vec![1, 2, 3], vec![2, 3, 1]]);
    assert_eq!(s.topics[0].config.int("min.insync.replicas"), 2, "broker default flows to topic");
    assert_eq!(s.producers[0].name, "p1");
    assert_eq!(s.producers[0].config.micros("linger.ms"), 10_000, "dotted keys flatten");
    assert!(s.producers[0].idempotent);
    assert_eq!(s.consumers[0].name, "c1");
    assert_eq!(s.node_names(), ["controller", "b1", "b2", "b3", "p1", "c1"]);
    assert_eq!(s.faults[0].trigger, TriggerSpec::At(10_000_000));
    assert!(matches!(&s.faults[0].action, ActionSpec::Crash { target: TargetSpec::LeaderOf { partition: 0, .. }, .. }));
    assert_eq!(s.expect.len(), 2);
    let dup = s.expect.iter().find(|e| e.metric == "duplicate").unwrap();
    assert_eq!((dup.cmp, dup.value), (Cmp::Gt, 0));
    assert!(dup.location.starts_with("t.toml:"));
}

#[test]
fn unknown_field_names_line_and_path() {
    let e = err("name = \"x\"\n[[topics]]\nname = \"a\"\npartitons = 3\n");
    assert_eq!(e.line, 4, "{e}");
    assert!(e.message.contains("unknown field `partitons`"), "{e}");
    assert!(e.path.starts_with("topics[0]"), "{e}");
}

#[test]
fn wrong_type_is_located() {
    let e = err("name = \"x\"\n[[topics]]\nname = \"a\"\npartitions = \"three\"\n");
    assert_eq!(e.line, 4, "{e}");
    assert_eq!(e.path, "topics[0].partitions", "{e}");
    assert!(e.message.contains("type"), "{e}");
}

#[test]
fn bad_duration_is_located() {
    let e = err("name = \"x\"\nduration = \"5 parsecs\"\n");
    assert_eq!((e.line, e.path.as_str()), (2, "duration"), "{e}");
    assert!(e.message.contains("unknown unit"), "{e}");
}

#[test]
fn negative_rate_is_rejected() {
    let e = err("name = \"x\"\n[[topics]]\nname = \"a\"\n[[producers]]\ntopic = \"a\"\nrate = -5\n");
    assert_eq!((e.line, e.path.as_str()), (6, "producers[0].rate"), "{e}");
    assert!(e.message.contains("positive"), "{e}");
}

#[test]
fn unknown_property_suggests() {
    let e = err("name = \"x\"\n[cluster]\nconfig = { \"min.insync.replica\" = 2 }\n");
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("did you mean `min.insync.replicas`"), "{e}");
    let e = err("name = \"x\"\n[cluster]\nconfig = { acks = \"all\" }\n");
    assert!(e.message.contains("producer property"), "{e}");
}

#[test]
fn c6_explicit_idempotence_conflict_is_an_error() {
    let e = err("name = \"x\"\n[[topics]]\nname = \"a\"\n[[producers]]\ntopic = \"a\"\nrate = 1\nconfig = { acks = \"1\", \"enable.idempotence\" = true }\n");
    assert!(e.message.contains("conflicts with acks=1"), "{e}");
    let s = parse("t", "name = \"x\"\n[[topics]]\nname = \"a\"\n[[producers]]\ntopic = \"a\"\nrate = 1\nconfig = { acks = \"1\" }\n").unwrap();
    assert!(!s.producers[0].idempotent);
}

#[test]
fn bad_seed_and_references() {
    let e = err("name = \"x\"\nseed = -1\n");
    assert_eq!((e.line, e.path.as_str()), (2, "seed"));
    let e = err("name = \"x\"\n[[faults]]\nat = \"1s\"\naction = \"crash\"\ntarget = \"b9\"\n");
    assert_eq!((e.line, e.path.as_str()), (5, "faults[0].target"), "{e}");
    let e = err("name = \"x\"\n[[faults]]\nat = \"1s\"\naction = \"crash\"\ntarget = \"b1\"\nsides = [[\"b1\"]]\n");
    assert!(e.message.contains("does not apply"), "{e}");
    let e = err("name = \"x\"\n[expect]\nlost-writes = 0\n");
    assert!(e.message.contains("unknown metric"), "{e}");
    let e = err("name = \"x\"\n[[topics]]\nname = \"a\"\nreplication_factor = 4\n");
    assert!(e.message.contains("INVALID_REPLICATION_FACTOR"), "{e}");
}

#[test]
fn syntax_error_and_missing_name() {
    let e = err("name = \n");
    assert!(e.line >= 1 && e.message.contains("syntax"), "{e}");
    let e = err("seed = 1\n");
    assert!(e.message.contains("name"), "{e}");
}

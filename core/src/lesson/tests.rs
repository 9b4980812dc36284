//! Lesson parsing (located errors), the runner (conditions, injected
//! faults and their undo, settings, predictions) and the messages.

use super::*;

fn src(path: &str) -> Result<String, String> {
    builtin_scenario(path)
}

/// A lesson header plus one scenario (basic.toml: 10 s, 50 records/s).
fn lesson(steps: &str) -> String {
    format!("id = \"t\"\ntitle = \"T\"\nminutes = 10\ngoals = [\"g\"]\n[[scenarios]]\nname = \"basic\"\nfile = \"scenarios/basic.toml\"\n{steps}")
}

fn parse_ok(text: &str) -> Lesson {
    parse("t.toml", text, &src).unwrap_or_else(|e| panic!("{e}"))
}

fn parse_err(text: &str) -> ScenarioError {
    match parse("t.toml", text, &src) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[test]
fn runs_steps_and_checks_expectations() {
    let l = parse_ok(&lesson(
        "[[steps]]\nrun = \"5s\"\n[[steps]]\nexpect = [{ partition = \"orders-0\", leader = \"b1\", isr_size = 3 }, { producer = \"p1\", sent = \">= 240\" }]\n\
         [[steps]]\nrun = \"end\"\n[[steps]]\nexpect = { lost-write = 0, acked = 500 }\n",
    ));
    let r = run(&l);
    assert!(r.passed(), "{:?}", r.failures());
    assert_eq!(r.checks().count(), 5);
    assert_eq!(r.steps[2].time, Some(10_000_000));
    // Deterministic: the same lesson gives the same outcome.
    assert_eq!(run(&l), r);
}

#[test]
fn a_failed_expectation_names_file_place_step_and_actual() {
    let l = parse_ok(&lesson("[[steps]]\nrun = \"end\"\n[[steps]]\nexpect = { acked = 499 }\n"));
    let r = run(&l);
    assert!(!r.passed());
    let f = r.failures();
    assert_eq!(f, vec!["t.toml:11:20: steps[1].expect.acked: step 2: expected acked == 499, got 500 (scenario \"basic\" at 10.000000s)".to_string()]);
}

#[test]
fn conditions_stop_the_run_at_the_event() {
    let l = parse_ok(&lesson(
        "[[steps]]\nrun = { acked_at_least = 100 }\n[[steps]]\nexpect = [{ metric = \"acked\", is = 100 }]\n\
         [[steps]]\nrun = { partition = \"orders-0\", leader = \"changes\" }\nwithin = \"2s\"\n",
    ));
    let r = run(&l);
    assert!(r.steps[1].checks[0].ok, "{:?}", r.steps[1]);
    // No failover in basic.toml: the condition does not hold within 2 s.
    let f = r.steps[2].failure.as_deref().unwrap_or("");
    assert!(f.contains("the leader of orders-0 changes") && f.contains("did not happen"), "{f}");
    assert_eq!(r.steps[2].time.zip(r.steps[1].time).map(|(a, b)| a - b), Some(2_000_000));
}

#[test]
fn injected_faults_fire_now_and_are_undone_after_their_duration() {
    let l = parse_ok(&lesson(
        "[[steps]]\nrun = \"2s\"\n[[steps]]\ninject = { action = \"crash\", target = \"leader:orders-0\", duration = \"3s\" }\n\
         [[steps]]\nexpect = [{ partition = \"orders-0\", replica = \"b1\", status = \"down\" }]\n\
         [[steps]]\nrun = \"5.5s\"\n[[steps]]\nexpect = [{ partition = \"orders-0\", replica = \"b1\", status = \"up\" }, { event = \"restart\", node = \"b1\", count = 1 }]\n\
         [[steps]]\ninject = { action = \"partition\", sides = [[\"b2\"], [\"b3\"]], duration = \"1s\" }\n\
         [[steps]]\nrun = { event = \"link_healed\" }\n[[steps]]\nexpect = [{ event = \"link_healed\", count = 2 }, { event = \"link_cut\", count = 2 }]\n",
    ));
    let r = run(&l);
    assert!(r.passed(), "{:?}", r.failures());
    assert!(r.steps[1].notes[0].contains("the leader of orders-0 was b1"), "{:?}", r.steps[1].notes);
    // The partition healed exactly 1 s after it was injected.
    assert_eq!(r.steps[6].time, Some(6_500_000));
}

#[test]
fn a_fault_that_does_not_apply_fails_the_step() {
    let l = parse_ok(&lesson("[[steps]]\nrun = \"1s\"\n[[steps]]\ninject = { action = \"restart\", target = \"b2\" }\n"));
    let r = run(&l);
    assert!(r.steps[1].failure.as_deref().is_some_and(|f| f.contains("did not apply")), "{:?}", r.steps[1]);
}

#[test]
fn set_restarts_the_scenario_with_the_change() {
    let l = parse_ok(&lesson(
        "[[steps]]\nrun = \"end\"\n[[steps]]\nset = { producer = \"p1\", config = { acks = \"0\" } }\n[[steps]]\nrun = \"3s\"\n\
         [[steps]]\nexpect = [{ report = \"/producers/0/sends/0/offset\", is = -1 }, { report = \"/config/producers/0/idempotent\", is = false }]\n",
    ));
    let r = run(&l);
    assert!(r.passed(), "{:?}", r.failures());
    assert_eq!(r.steps[2].time, Some(3_000_000));
    assert!(r.steps[1].notes[0].contains("starts again from time 0"));
}

#[test]
fn predictions_are_revealed_and_confirmed_by_the_next_run() {
    let l = parse_ok(&lesson(
        "[[steps]]\npredict = \"How many acks?\"\nanswer = \"acked\"\nbecause = [{ metric = \"acked\", is = 500 }]\n[[steps]]\nrun = \"end\"\n\
         [[steps]]\npredict = \"Lost?\"\nchoices = [\"yes\", \"no\"]\nanswer = \"no\"\nbecause = { lost-write = 1 }\n[[steps]]\nrun = \"+0.5s\"\nrestart = true\n",
    ));
    let r = run(&l);
    assert!(r.steps[1].notes.iter().any(|n| n.contains("revealed: acked = 500")), "{:?}", r.steps[1].notes);
    assert!(r.steps[1].checks[0].ok);
    // The second key is wrong: its `because` fails, attributed to step 3.
    let f = r.failures();
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].contains("step 3, checked after step 4: expected lost-write == 1, got 0"), "{f:?}");
}

#[test]
fn inline_scenarios_and_scenario_switches() {
    let text = "id = \"t\"\ntitle = \"T\"\nminutes = 10\ngoals = [\"g\"]\n[[scenarios]]\nname = \"a\"\nfile = \"scenarios/basic.toml\"\n\
                [[scenarios]]\nname = \"tiny\"\nseed = 4\ninline = '''\nname = \"tiny\"\nduration = \"3s\"\n[cluster]\nbrokers = 1\n[[topics]]\nname = \"t\"\n[[producers]]\ntopic = \"t\"\nrate = 10\n'''\n\
                [[steps]]\nrun = \"end\"\nscenario = \"tiny\"\n[[steps]]\nexpect = [{ partition = \"t-0\", leader = \"b1\", isr = [\"b1\"] }]\n[[steps]]\nrun = \"1s\"\nscenario = \"a\"\n";
    let l = parse_ok(text);
    let r = run(&l);
    assert!(r.passed(), "{:?}", r.failures());
    assert_eq!(r.steps[0].scenario.as_deref(), Some("tiny"));
    assert!(r.steps[0].notes[0].contains("seed 4"));
    assert_eq!((r.steps[2].scenario.as_deref(), r.steps[2].time), (Some("a"), Some(1_000_000)));
}

#[test]
fn errors_are_located_with_field_paths() {
    let cases: &[(&str, (usize, usize), &str, &str)] = &[
        ("[[steps]]\nrunn = \"5s\"\n", (9, 1), "steps[0].runn", "unknown field `runn`"),
        ("[[steps]]\nrun = \"5s\"\nexpect = { acked = 1 }\n", (8, 1), "steps[0]", "exactly one of"),
        ("[[steps]]\ninject = { action = \"crash\", target = \"b9\" }\n", (9, 39), "steps[0].inject.target", "no node named \"b9\""),
        ("[[steps]]\ninject = { action = \"crash\", target = \"b1\", at = \"1s\" }\n", (9, 50), "steps[0].inject.at", "fires when its step runs"),
        ("[[steps]]\nset = { producer = \"p1\", config = { ackz = \"1\" } }\n", (9, 44), "steps[0].set.config.ackz", "did you mean `acks`"),
        ("[[steps]]\nset = { producer = \"p9\", config = { acks = \"1\" } }\n", (9, 20), "steps[0].set.producer", "no producer named \"p9\""),
        ("[[steps]]\nrun = \"11s\"\n", (9, 7), "steps[0].run", "after the end"),
        ("[[steps]]\nrun = { partition = \"orders-7\", leader = \"changes\" }\n", (9, 21), "steps[0].run.partition", "no partition \"orders-7\""),
        ("[[steps]]\nrun = { event = \"truncate\" }\n", (9, 17), "steps[0].run.event", "did you mean `truncated`"),
        ("[[steps]]\nexpect = { lost-writes = 0 }\n", (9, 26), "steps[0].expect.lost-writes", "did you mean `lost-write`"),
        ("[[steps]]\nexpect = [{ partition = \"orders-0\", replica = \"b4\", hw = 1 }]\n", (9, 47), "steps[0].expect[0].replica", "not a broker"),
        ("[[steps]]\nexpect = [{ producer = \"p1\", acked = \">> 3\" }]\n", (9, 38), "steps[0].expect[0].acked", "not a comparison"),
        (
            "[[steps]]\nexpect = [{ output = { job = \"j\", window = \"[12:00:00, 12:02:00)\", value = 14, timing = \"ON_TIME\" } }]\n",
            (9, 30),
            "steps[0].expect[0].output.job",
            "no job named \"j\"",
        ),
        ("[[steps]]\npredict = \"q\"\nchoices = [\"a\", \"b\"]\nanswer = 3\n[[steps]]\nrun = \"1s\"\n", (11, 10), "steps[0].answer", "numbered 1 to 2"),
        ("[[steps]]\npredict = \"q\"\nanswer = 3\n", (9, 11), "steps[0].predict", "add a `run` step after it"),
        ("[[steps]]\nrun = \"1s\"\nchoices = [\"a\"]\n", (10, 1), "steps[0].choices", "belongs to a `predict` step"),
        ("[[steps]]\nrun = \"1s\"\nscenario = \"nope\"\n", (10, 12), "steps[0].scenario", "no scenario named \"nope\""),
        ("[[steps]]\nrun = \"1s\"\n[[quiz]]\nquestion = \"q\"\nanswer = \"lost-write\"\n", (12, 10), "quiz[0].answer", "do not depend on a run"),
    ];
    let mut bad = Vec::new();
    for (steps, (line, col), path, needle) in cases {
        let e = parse_err(&lesson(steps));
        if (e.line, e.column, e.path.as_str()) != (*line, *col, *path) || !e.message.contains(needle) {
            bad.push(format!("{steps:?}: got {e}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn output_filter_errors_are_located() {
    let with_jobs = |steps: &str| {
        format!(
            "id = \"t\"\ntitle = \"T\"\nminutes = 10\ngoals = [\"g\"]\n[[scenarios]]\nname = \"b7\"\nfile = \"scenarios/stream/beam/ex-b7-early-late.toml\"\n{steps}"
        )
    };
    let e = parse_err(&with_jobs("[[steps]]\nexpect = [{ output = { job = \"perfect\", timing = \"SOON\" } }]\n"));
    assert_eq!((e.line, e.column, e.path.as_str()), (9, 50, "steps[0].expect[0].output.timing"), "{e}");
    assert!(e.message.contains("EARLY, ON_TIME or LATE"), "{e}");
    let e = parse_err(&with_jobs("[[steps]]\nexpect = [{ output = { job = \"perfect\", count = 2 } }]\n"));
    assert_eq!(e.path.as_str(), "steps[0].expect[0].output.count", "{e}");
    assert!(e.message.contains("beside `output`"), "{e}");
}

#[test]
fn header_and_scenario_errors() {
    let e = parse_err("id = \"t\"\ntitle = \"T\"\nminutes = 0\ngoals = [\"g\"]\n[[steps]]\nnarrative = \"x\"\n");
    assert_eq!((e.line, e.path.as_str()), (3, "minutes"), "{e}");
    let e =
        parse_err("id = \"t\"\ntitle = \"T\"\nminutes = 10\ngoals = [\"g\"]\n[[scenarios]]\nname = \"x\"\nfile = \"/etc/passwd\"\n[[steps]]\nrun = \"1s\"\n");
    assert!(e.message.contains("under scenarios/"), "{e}");
    let e = parse_err(
        "id = \"t\"\ntitle = \"T\"\nminutes = 10\ngoals = [\"g\"]\n[[scenarios]]\nname = \"x\"\nfile = \"scenarios/nope.toml\"\n[[steps]]\nrun = \"1s\"\n",
    );
    assert!(e.message.contains("cannot read scenarios/nope.toml"), "{e}");
    // An error inside an inline scenario is located in the lesson file.
    let text = "id = \"t\"\ntitle = \"T\"\nminutes = 10\ngoals = [\"g\"]\n[[scenarios]]\nname = \"i\"\ninline = '''\nname = \"x\"\n[[topics]]\nname = \"a\"\npartitions = \"two\"\n'''\n[[steps]]\nrun = \"1s\"\n";
    let e = parse_err(text);
    assert_eq!((e.line, e.column), (11, 14), "{e}");
    assert!(e.path.contains("topics[0].partitions") && e.message.contains("wrong type"), "{e}");
    // TOML syntax errors and steps without a scenario.
    assert!(parse_err("id = = 3\n").message.contains("syntax"));
    let e = parse_err("id = \"t\"\ntitle = \"T\"\nminutes = 10\ngoals = [\"g\"]\n[[steps]]\nrun = \"1s\"\n");
    assert!(e.message.contains("needs a scenario"), "{e}");
}

#[test]
fn never_panics_on_odd_input() {
    for text in
        ["", "steps = 3", "id = \"x\"\nsteps = [1, 2]", "[[steps]]\nexpect = []", "id=\"a\"\ntitle=\"b\"\nminutes=10\ngoals=[\"g\"]\n[[steps]]\nexpect = \"x\""]
    {
        let _ = parse("t.toml", text, &src);
    }
    assert!(is_lesson_text("[[steps]]\nnarrative = \"x\"\n"));
    assert!(!is_lesson_text("name = \"scenario\"\n"));
}

#[test]
fn tolerances() {
    assert!(Tolerance::Absolute(2).accepts(10, 12));
    assert!(!Tolerance::Absolute(2).accepts(10, 13));
    assert!(Tolerance::Percent(10).accepts(100, 90));
    assert!(!Tolerance::Percent(10).accepts(100, 89));
    assert!(Tolerance::Percent(0).accepts(0, 0));
}

#[test]
fn the_text_rendering_shows_steps_and_results() {
    let l = parse_ok(&lesson("[[steps]]\nnarrative = \"Hello **world**\"\n[[steps]]\nrun = \"1s\"\n[[steps]]\nexpect = { acked = \">= 1\" }\n[[quiz]]\nquestion = \"q\"\nchoices = [\"a\", \"b\"]\nanswer = 2\n"));
    let t = render(&l, Some(&run(&l)));
    for needle in ["t — T (10 minutes)", "Hello **world**", "── Step 2 · run until 1s", "PASS acked >= 1", "answer: 2) b", "result: ok (1 of 1"] {
        assert!(t.contains(needle), "{needle:?} in\n{t}");
    }
}

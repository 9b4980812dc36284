//! `streamlab lesson check | show` and lessons in `streamlab check`: every
//! lesson in `lessons/` holds; a broken expectation fails with exit 1 and a
//! precise message; bad input exits 2 with file:line:column.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn streamlab(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_streamlab")).args(args).current_dir(root()).output().expect("run streamlab");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A fresh directory for one test's files (outside the repository, so the
/// lessons there resolve scenarios through the current directory or the
/// built-in copies).
fn tmp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("streamlab-lesson-test-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_lesson_holds() {
    let (code, out, err) = streamlab(&["lesson", "check", "lessons"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("lessons/04-losing-a-broker.toml"), "{out}");
    assert!(out.contains("lessons/examples/preferred-leader.toml"), "a lesson written from docs/writing-lessons.md alone: {out}");
    let n = out.lines().filter(|l| l.starts_with("ok ")).count();
    assert!(n >= 11, "{out}");
}

#[test]
fn a_broken_expectation_fails_with_a_precise_message() {
    let text = std::fs::read_to_string(root().join("lessons/04-losing-a-broker.toml")).unwrap();
    let broken = text.replacen("{ metric = \"lost-write\", is = 100 }", "{ metric = \"lost-write\", is = 99 }", 1);
    assert_ne!(text, broken);
    let line = broken.lines().position(|l| l.contains("is = 99")).unwrap() + 1;
    let file = tmp_dir("broken").join("04-broken.toml");
    std::fs::write(&file, broken).unwrap();
    let f = file.to_string_lossy().into_owned();
    let (code, out, _) = streamlab(&["lesson", "check", &f]);
    assert_eq!(code, 1, "{out}");
    let want = format!("FAILED   {f}:{line}:");
    assert!(out.contains(&want), "{want:?} in {out}");
    assert!(out.contains(".expect[0].is: step 13: expected lost-write == 99, got 100 (scenario \"acks1\" at 30.000000s)"), "{out}");
    // `lesson show` prints the same verdict and exits the same way.
    let (code, out, _) = streamlab(&["lesson", "show", &f]);
    assert_eq!(code, 1);
    assert!(out.contains("FAIL lost-write == 99 (actual 100)") && out.contains("result: FAILED"), "{out}");
}

#[test]
fn bad_lessons_exit_2_with_a_location() {
    let dir = tmp_dir("bad");
    let head = "id = \"bad\"\ntitle = \"B\"\nminutes = 10\ngoals = [\"g\"]\n[[scenarios]]\nname = \"s\"\nfile = \"scenarios/basic.toml\"\n";
    let cases = [
        ("typo.toml", "[[steps]]\nrunn = \"end\"\n", ":9:1: steps[0].runn: unknown field `runn`"),
        ("target.toml", "[[steps]]\ninject = { action = \"kill\", target = \"b7\" }\n", ":9:38: steps[0].inject.target: no node named \"b7\""),
        ("prop.toml", "[[steps]]\nset = { topic = \"orders\", config = { \"min.insync.replica\" = 2 } }\n", "steps[0].set.config.\"min.insync.replica\""),
    ];
    for (name, steps, needle) in cases {
        let p = dir.join(name);
        std::fs::write(&p, format!("{head}{steps}")).unwrap();
        let f = p.to_string_lossy().into_owned();
        let (code, out, err) = streamlab(&["lesson", "check", &f]);
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert!(out.contains(&format!("invalid  {f}")) && out.contains(needle), "{name}: {out:?} should contain {needle:?}");
        let (code, _, err) = streamlab(&["lesson", "show", &f]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(needle) && !err.contains("panicked"), "{err}");
        // `streamlab check` recognises the lesson and validates it too.
        let (code, out, _) = streamlab(&["check", &f]);
        assert_eq!(code, 2, "{out}");
        assert!(out.contains(needle), "{out}");
    }
    // Two lessons with one id.
    let a = dir.join("a.toml");
    let b = dir.join("b.toml");
    for p in [&a, &b] {
        std::fs::write(p, format!("{head}[[steps]]\nnarrative = \"x\"\n")).unwrap();
    }
    let (code, out, _) = streamlab(&["lesson", "check", &a.to_string_lossy(), &b.to_string_lossy()]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("is also the id of"), "{out}");
    let (code, _, err) = streamlab(&["lesson", "show", "no/such/lesson.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn check_validates_lessons_next_to_scenarios() {
    let (code, out, _) = streamlab(&["check", "lessons", "scenarios/lessons"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("valid    lessons/01-topics-partitions-keys.toml (lesson)"), "{out}");
    assert!(out.contains("valid    scenarios/lessons/keys-and-partitions.toml"), "{out}");
    let (code, out, _) = streamlab(&["lesson", "show", "--no-run", "lessons/01-topics-partitions-keys.toml"]);
    assert_eq!(code, 0);
    assert!(out.contains("Learning goals:") && out.contains("── Quiz"), "{out}");
}

#[test]
fn the_documented_example_is_the_example_file() {
    let doc = std::fs::read_to_string(root().join("docs/writing-lessons.md")).unwrap();
    let file = std::fs::read_to_string(root().join("lessons/examples/annotated.toml")).unwrap();
    let start = doc.find("## A complete annotated example").expect("section");
    let block = &doc[start..];
    let open = block.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let len = block[open..].find("```\n").expect("closed block");
    assert_eq!(&block[open..open + len], file, "docs/writing-lessons.md must show lessons/examples/annotated.toml verbatim");
}

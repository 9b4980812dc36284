//! `cargo xtask test`: every test the project has, in stages, with one
//! summary at the end. A failed stage does not stop the stages that do not
//! depend on it; the exit code is non-zero if any stage failed.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::tools::{self, say};
use crate::web;

#[derive(Default, Clone, Copy)]
struct Counts {
    passed: u64,
    failed: u64,
    skipped: u64,
}

enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

struct Stage {
    name: &'static str,
    outcome: Outcome,
    counts: Counts,
    seconds: f64,
}

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut browser = true;
    for arg in args {
        match arg.as_str() {
            "--no-browser" => browser = false,
            other => return Err(format!("unexpected argument `{other}` (usage: cargo xtask test [--no-browser])")),
        }
    }
    check_disk(root);
    let mut stages: Vec<Stage> = Vec::new();

    // 1. Native unit, property and integration tests of every crate but the web app.
    stages.push(stage("native tests (cargo test)", || {
        let mut counts = Counts::default();
        run_counting(tools::cargo().current_dir(root).args(["test", "--workspace", "--exclude", "streamlab-web"]), &mut counts)?;
        // The web app's pure logic (URL fragment, seeds, formatting), natively.
        run_counting(tools::cargo().current_dir(root).args(["test", "--package", "streamlab-web"]), &mut counts)?;
        Ok(counts)
    }));

    // 2. The web app as served: the web crate (and so core) compiled for
    // wasm32 in the wasm profile, wasm-bindgen, static files. (A separate
    // debug wasm build used to come first; it checked nothing this does
    // not, and took almost 4 minutes of CI.)
    stages.push(stage("web build (web/dist)", || web::build_web(root).map(|_| Counts::default())));
    let web_built = matches!(stages.last().map(|s| &s.outcome), Some(Outcome::Passed));

    // 3. Browser tests against web/dist in headless Chromium.
    if !browser {
        stages.push(skipped("browser tests", "--no-browser"));
    } else if !web_built {
        stages.push(skipped("browser tests", "the web build failed"));
    } else {
        stages.push(stage("browser tests (node --test tests/browser)", || browser_tests(root)));
    }

    report(&stages)
}

/// What a test run from scratch writes under the target directory (native
/// test build, wasm build, release CLI for the browser tests), with some
/// room to spare: a clean clone's run left 2.9 GiB in `target/` (2026-11-22).
const DISK_NEEDED_GIB: u64 = 6;

/// Says so up front when the disk is too full for a build from scratch: the
/// compiler's own error ("No space left on device" in the middle of a crate)
/// does not say what to do.
fn check_disk(root: &Path) {
    let target = tools::target_dir(root);
    if let Some(free) = tools::free_disk_bytes(&target) {
        let gib = free as f64 / (1u64 << 30) as f64;
        if free < DISK_NEEDED_GIB << 30 {
            say(format!(
                "warning: only {gib:.1} GiB free for {} — a test run from scratch needs about {DISK_NEEDED_GIB} GiB; \
                 free some space (for example `cargo clean` in other checkouts) if the build fails with \"No space left on device\"",
                target.display()
            ));
        }
    }
}

fn browser_tests(root: &Path) -> Result<Counts, String> {
    let chromium = tools::ensure_chromium()?;
    tools::ensure_node()?;
    let dir = root.join("tests").join("browser");
    tools::run(Command::new("npm").current_dir(&dir).args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]))?;
    // The native CLI, to compare its trace hash with the web app's.
    tools::run(tools::cargo().current_dir(root).args(["build", "--package", "streamlab-cli", "--bin", "streamlab"]))?;
    let cli = tools::target_dir(root).join("debug").join("streamlab");

    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.mjs"))
        .map(|name| format!("tests/browser/{name}"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err("no tests/browser/*.test.mjs files".into());
    }
    let screenshots = tools::target_dir(root).join("screenshots");
    let mut counts = Counts::default();
    run_counting(
        Command::new("node")
            .current_dir(root)
            .arg("--test")
            .arg("--test-reporter=spec")
            .args(&files)
            .env("STREAMLAB_CHROMIUM", &chromium)
            .env("STREAMLAB_DIST", root.join("web").join("dist"))
            .env("STREAMLAB_ROOT", root)
            .env("STREAMLAB_CLI", &cli)
            .env("STREAMLAB_SCREENSHOTS", &screenshots),
        &mut counts,
    )?;
    say(format!("screenshots in {}", screenshots.display()));
    Ok(counts)
}

fn stage(name: &'static str, body: impl FnOnce() -> Result<Counts, String>) -> Stage {
    say(format!("── {name} ──"));
    let started = Instant::now();
    LAST_COUNTS.set(None);
    let (outcome, counts) = match body() {
        Ok(counts) => (Outcome::Passed, counts),
        Err(message) => {
            say(format!("FAILED: {name}: {message}"));
            (Outcome::Failed(message), Counts::default())
        }
    };
    // A failing run still reports how many of its tests passed and failed.
    let counts = match (&outcome, LAST_COUNTS.take()) {
        (Outcome::Failed(_), Some(c)) => c,
        _ => counts,
    };
    Stage { name, outcome, counts, seconds: started.elapsed().as_secs_f64() }
}

fn skipped(name: &'static str, why: &str) -> Stage {
    say(format!("── {name} ── skipped ({why})"));
    Stage { name, outcome: Outcome::Skipped(why.to_string()), counts: Counts::default(), seconds: 0.0 }
}

thread_local! {
    /// Counts from the last `run_counting`, kept for a stage that then failed.
    static LAST_COUNTS: std::cell::Cell<Option<Counts>> = const { std::cell::Cell::new(None) };
}

/// Runs a test command, echoing its stdout while adding up the test counts
/// it prints (cargo test's `test result:` lines, node's `ℹ pass N` / `# pass N`).
fn run_counting(cmd: &mut Command, counts: &mut Counts) -> Result<(), String> {
    say(format!("$ {}", tools::show(cmd)));
    let mut child = cmd.stdout(Stdio::piped()).spawn().map_err(|e| format!("could not start `{}`: {e}", tools::show(cmd)))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut out = std::io::stdout();
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
        add_counts(&line, counts);
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    LAST_COUNTS.set(Some(*counts));
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", tools::show(cmd)))
    }
}

fn add_counts(line: &str, counts: &mut Counts) {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("test result: ") {
        // "test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s"
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            let n = words.iter().rev().nth(1).and_then(|w| w.parse::<u64>().ok());
            match (n, words.last()) {
                (Some(n), Some(&"passed")) => counts.passed += n,
                (Some(n), Some(&"failed")) => counts.failed += n,
                (Some(n), Some(&"ignored")) => counts.skipped += n,
                _ => {}
            }
        }
        return;
    }
    for prefix in ["ℹ ", "# "] {
        if let Some(rest) = line.strip_prefix(prefix) {
            let mut words = rest.split_whitespace();
            if let (Some(key), Some(n), None) = (words.next(), words.next(), words.next()) {
                if let Ok(n) = n.parse::<u64>() {
                    match key {
                        "pass" => counts.passed += n,
                        "fail" => counts.failed += n,
                        "skipped" | "todo" => counts.skipped += n,
                        _ => {}
                    }
                }
            }
        }
    }
}

fn report(stages: &[Stage]) -> Result<(), String> {
    println!();
    say("summary");
    let mut total = Counts::default();
    let mut failed_stages = 0;
    for s in stages {
        let (word, note) = match &s.outcome {
            Outcome::Passed => ("ok     ", String::new()),
            Outcome::Failed(m) => ("FAILED ", format!("  — {}", first_line(m))),
            Outcome::Skipped(why) => ("skipped", format!("  ({why})")),
        };
        let tests = if s.counts.passed + s.counts.failed + s.counts.skipped > 0 {
            format!("  [{} passed, {} failed, {} skipped]", s.counts.passed, s.counts.failed, s.counts.skipped)
        } else {
            String::new()
        };
        println!("  {word} {:<58} {:>7.1} s{tests}{note}", s.name, s.seconds);
        total.passed += s.counts.passed;
        total.failed += s.counts.failed;
        total.skipped += s.counts.skipped;
        if let Outcome::Failed(_) = s.outcome {
            failed_stages += 1;
            if s.counts.failed == 0 {
                total.failed += 1; // a stage that failed without a failing test (build error …) counts as one
            }
        }
    }
    if failed_stages > 0 {
        println!("streamlab: {failed_stages} of {} stages FAILED", stages.len());
    }
    // The last line, in the plain "N passed, N failed" form CI reads.
    println!("streamlab: {} passed, {} failed, {} skipped", total.passed, total.failed, total.skipped);
    let _ = std::io::stdout().flush();
    if failed_stages == 0 {
        Ok(())
    } else {
        Err(String::new()) // already reported above
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cargo_and_node_results() {
        let mut c = Counts::default();
        add_counts("test result: ok. 12 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.01s", &mut c);
        add_counts("test result: FAILED. 3 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.00s", &mut c);
        add_counts("ℹ pass 4", &mut c);
        add_counts("ℹ fail 1", &mut c);
        add_counts("# skipped 1", &mut c);
        add_counts("ℹ duration_ms 1234.5", &mut c);
        add_counts("# pass rate is high today", &mut c);
        assert_eq!((c.passed, c.failed, c.skipped), (19, 2, 3));
    }
}

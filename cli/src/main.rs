//! `streamlab`: run, replay and check simulation scenarios, check, show and
//! preview lessons, and print browser links to scenarios.
//!
//! Exit codes: 0 = ran and every expectation held; 1 = an expectation or
//! invariant failed (or a replay did not reproduce); 2 = bad input or usage.

mod files;
mod lessons;
mod preview;
mod url;

use clap::{Parser, Subcommand};
use files::collect;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use streamlab_core::export;
use streamlab_core::report::{report_json, summary_text, Outcome, VERSION};
use streamlab_core::scenario::{self, Scenario, ScenarioError};
use streamlab_core::time::Duration;
use streamlab_core::world::World;

#[derive(Parser)]
#[command(name = "streamlab", version, about = "Deterministic simulation sandbox for Kafka-style logs and stream processing")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a scenario and print a summary (or a JSON report).
    Run {
        /// The scenario file (TOML).
        file: PathBuf,
        /// Seed for every random choice (default: the scenario's, else 1).
        #[arg(long)]
        seed: Option<u64>,
        /// Run until this simulated time instead of the scenario's duration ("30s", "2m").
        #[arg(long, value_parser = parse_duration)]
        until: Option<Duration>,
        /// Print the JSON report on stdout.
        #[arg(long)]
        json: bool,
        /// Write the trace as JSON Lines to this file.
        #[arg(long, value_name = "OUT.jsonl")]
        trace: Option<PathBuf>,
        /// Run twice and fail (exit 1) unless both traces are identical.
        #[arg(long)]
        check_determinism: bool,
    },
    /// Re-run the scenario and seed recorded in a trace and verify its hash.
    Replay {
        /// A trace written by `streamlab run --trace`.
        trace: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Validate scenario and lesson files (a file, or every .toml under a directory).
    Check {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Also run each scenario (and lesson) and check its expectations.
        #[arg(long)]
        run: bool,
    },
    /// Print the address that opens a scenario file (with its seed) in the browser app.
    Url {
        /// The scenario file (TOML).
        file: PathBuf,
        /// Seed for the run (default: the scenario's, else 1).
        #[arg(long)]
        seed: Option<u64>,
        /// Where the app is served.
        #[arg(long, default_value = url::DEFAULT_BASE)]
        base: String,
    },
    /// Lessons: check them (run every step), show one step by step, or preview one in the browser.
    Lesson {
        #[command(subcommand)]
        cmd: LessonCmd,
    },
}

#[derive(Subcommand)]
enum LessonCmd {
    /// Run every lesson (a file, or every .toml under a directory) and check its expectations.
    Check {
        /// Lesson files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print a lesson as text, step by step, with what each step did.
    Show {
        /// The lesson file.
        file: PathBuf,
        /// Only print the lesson; do not run it.
        #[arg(long)]
        no_run: bool,
    },
    /// Serve the web app with this lesson, reloaded in the browser whenever the file is saved.
    Preview {
        /// The lesson file.
        file: PathBuf,
        /// The port on 127.0.0.1 (0: any free port).
        #[arg(long, default_value_t = 8088)]
        port: u16,
        /// The built web app (default: web/dist).
        #[arg(long)]
        dist: Option<PathBuf>,
    },
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    Duration::parse(s)
}

/// A failure with its exit code.
pub(crate) struct Fail(pub(crate) u8, pub(crate) String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Run { file, seed, until, json, trace, check_determinism } => run(&file, seed, until, json, trace.as_deref(), check_determinism),
        Cmd::Replay { trace, json } => replay(&trace, json),
        Cmd::Check { paths, run } => check(&paths, run),
        Cmd::Url { file, seed, base } => url::url(&file, seed, &base),
        Cmd::Lesson { cmd: LessonCmd::Check { paths } } => lessons::check(&paths),
        Cmd::Lesson { cmd: LessonCmd::Show { file, no_run } } => lessons::show(&file, no_run),
        Cmd::Lesson { cmd: LessonCmd::Preview { file, port, dist } } => preview::preview(&file, port, dist.as_deref()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Fail(code, msg)) => {
            eprintln!("streamlab: {msg}");
            ExitCode::from(code)
        }
    }
}

fn load(file: &Path) -> Result<Scenario, Fail> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| Fail(2, ScenarioError::whole_file(&name, format!("cannot read the file: {e}")).to_string()))?;
    scenario::parse(&name, &text).map_err(|e| Fail(2, e.to_string()))
}

fn simulate(sc: Scenario, seed: u64, until: Option<Duration>) -> World {
    let mut w = World::new(sc, seed);
    if let Some(u) = until {
        w.sim.set_end(u.0);
    }
    w.sim.run_to_end();
    w
}

fn write_trace(w: &World, path: &Path) -> Result<(), Fail> {
    let f = std::fs::File::create(path).map_err(|e| Fail(2, format!("{}: cannot create the trace file: {e}", path.display())))?;
    let mut out = BufWriter::new(f);
    let io = |e: std::io::Error| Fail(2, format!("{}: writing the trace failed: {e}", path.display()));
    writeln!(out, "{}", export::header(w)).map_err(io)?;
    for line in export::record_lines(w) {
        writeln!(out, "{line}").map_err(io)?;
    }
    writeln!(out, "{}", export::footer(w)).map_err(io)?;
    out.flush().map_err(io)
}

fn print_outcome(w: &World, json: bool) -> u8 {
    let out = Outcome::of(w);
    if json {
        let v = report_json(w, &out);
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print!("{}", summary_text(w, &out));
    }
    if out.passed() {
        0
    } else {
        1
    }
}

fn run(file: &Path, seed: Option<u64>, until: Option<Duration>, json: bool, trace: Option<&Path>, twice: bool) -> Result<u8, Fail> {
    let sc = load(file)?;
    let seed = sc.effective_seed(seed);
    let w = simulate(sc.clone(), seed, until);
    if twice {
        let again = simulate(sc, seed, until);
        if again.sim.trace().hash_hex() != w.sim.trace().hash_hex() || again.sim.trace().len() != w.sim.trace().len() {
            let first = w.sim.trace().records().iter().zip(again.sim.trace().records()).position(|(a, b)| a != b);
            return Err(Fail(
                1,
                format!(
                    "NOT deterministic: run 1 gave {} ({} records), run 2 gave {} ({} records); first difference at trace index {:?}",
                    w.sim.trace().hash_hex(),
                    w.sim.trace().len(),
                    again.sim.trace().hash_hex(),
                    again.sim.trace().len(),
                    first
                ),
            ));
        }
        eprintln!("determinism: two runs gave the same trace ({} records, hash {})", w.sim.trace().len(), w.sim.trace().hash_hex());
    }
    if let Some(p) = trace {
        write_trace(&w, p)?;
        eprintln!("trace: {} records written to {}", w.sim.trace().len(), p.display());
    }
    Ok(print_outcome(&w, json))
}

fn replay(path: &Path, json: bool) -> Result<u8, Fail> {
    let text = std::fs::read_to_string(path).map_err(|e| Fail(2, format!("{}: cannot read the trace: {e}", path.display())))?;
    let h = export::read_trace(&text).map_err(|e| Fail(2, format!("{}: {e}", path.display())))?;
    if h.version != VERSION {
        eprintln!("streamlab: warning: the trace was made by streamlab {}, this is {VERSION}; hashes may differ", h.version);
    }
    let sc = scenario::parse(&format!("{} (embedded in {})", h.file, path.display()), &h.source).map_err(|e| Fail(2, e.to_string()))?;
    let w = simulate(sc, h.seed, Some(Duration(h.until_us)));
    let Some(expected) = h.trace_hash.clone() else {
        return Err(Fail(
            2,
            format!(
                "{}: the trace has no footer line, so it may be truncated; re-run recorded hash unknown (replayed hash {})",
                path.display(),
                w.sim.trace().hash_hex()
            ),
        ));
    };
    let got = w.sim.trace().hash_hex();
    let code = print_outcome(&w, json);
    if got != expected || h.records.is_some_and(|n| n != w.sim.trace().len()) {
        return Err(Fail(
            1,
            format!("replay did NOT reproduce the trace: recorded {expected} ({:?} records), replayed {got} ({} records)", h.records, w.sim.trace().len()),
        ));
    }
    eprintln!("replay: reproduced trace hash {got} ({} records)", w.sim.trace().len());
    Ok(code)
}

fn check(paths: &[PathBuf], run_them: bool) -> Result<u8, Fail> {
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files)?;
    }
    if files.is_empty() {
        return Err(Fail(2, "no .toml files found".into()));
    }
    let (mut bad, mut failed) = (0, 0);
    for f in &files {
        if std::fs::read_to_string(f).is_ok_and(|t| streamlab_core::lesson::is_lesson_text(&t)) {
            match check_lesson(f, run_them) {
                Check::Invalid => bad += 1,
                Check::Failed => failed += 1,
                Check::Ok => {}
            }
            continue;
        }
        match load(f) {
            Err(Fail(_, msg)) => {
                bad += 1;
                println!("invalid  {msg}");
            }
            Ok(sc) => {
                if run_them {
                    let seed = sc.effective_seed(None);
                    let w = simulate(sc, seed, None);
                    let out = Outcome::of(&w);
                    if out.passed() {
                        println!("ok       {} ({} expectations held, seed {seed})", f.display(), out.verdicts.len());
                    } else {
                        failed += 1;
                        for v in out.verdicts.iter().filter(|v| !v.ok) {
                            println!("FAILED   {}: expected {} {} {}, got {} (seed {seed})", v.location, v.metric, v.cmp.symbol(), v.expected, v.actual);
                        }
                    }
                } else {
                    println!("valid    {}", f.display());
                }
            }
        }
    }
    println!(
        "{} files: {} valid, {} invalid{}",
        files.len(),
        files.len() - bad,
        bad,
        if run_them { format!(", {failed} with failed expectations") } else { String::new() }
    );
    Ok(if bad > 0 {
        2
    } else if failed > 0 {
        1
    } else {
        0
    })
}

enum Check {
    Ok,
    Failed,
    Invalid,
}

/// `streamlab check` on a lesson file: validate it (and with `--run`, run it).
fn check_lesson(f: &Path, run_it: bool) -> Check {
    let l = match lessons::load(f) {
        Ok(l) => l,
        Err(Fail(_, msg)) => {
            println!("invalid  {msg}");
            return Check::Invalid;
        }
    };
    if !run_it {
        println!("valid    {} (lesson)", f.display());
        return Check::Ok;
    }
    let r = streamlab_core::lesson::run(&l);
    if r.passed() {
        println!("ok       {} (lesson, {} expectations held)", f.display(), r.checks().count());
        Check::Ok
    } else {
        for m in r.failures() {
            println!("FAILED   {m}");
        }
        Check::Failed
    }
}

//! `streamlab lesson check | show`: validate and run lesson files.

use crate::files::{collect, read_scenario, repo_root};
use crate::Fail;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use streamlab_core::lesson::{self, Lesson};
use streamlab_core::scenario::ScenarioError;

/// Reads and validates one lesson (exit code 2 on any problem).
pub fn load(file: &Path) -> Result<Lesson, Fail> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| Fail(2, ScenarioError::whole_file(&name, format!("cannot read the file: {e}")).to_string()))?;
    let root = repo_root(file);
    let source = |rel: &str| read_scenario(&root, rel);
    lesson::parse(&name, &text, &source).map_err(|e| Fail(2, e.to_string()))
}

/// What checking one lesson file gave.
enum Verdict {
    Ok { id: String, line: String },
    Failed { id: String, lines: Vec<String> },
    Invalid(String),
}

fn check_one(f: &Path) -> Verdict {
    let l = match load(f) {
        Ok(l) => l,
        Err(Fail(_, msg)) => return Verdict::Invalid(msg),
    };
    let r = lesson::run(&l);
    let held = r.checks().filter(|c| c.ok).count();
    if r.passed() {
        let line = format!("{} ({} steps, {held} expectations held, {} quiz questions)", f.display(), l.steps.len(), l.quiz.len());
        Verdict::Ok { id: l.id, line }
    } else {
        Verdict::Failed { id: l.id, lines: r.failures() }
    }
}

/// Runs every lesson under `paths`. Exit 0: every expectation held; 1: an
/// expectation failed; 2: a file is invalid. Lessons are independent and
/// deterministic, so they run on several threads; the output keeps the
/// order of the files.
pub fn check(paths: &[PathBuf]) -> Result<u8, Fail> {
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files)?;
    }
    if files.is_empty() {
        return Err(Fail(2, "no lesson files (.toml) found".into()));
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8).min(files.len());
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Verdict>>> = Mutex::new((0..files.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(f) = files.get(i) else { break };
                let v = check_one(f);
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(v);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    let (mut bad, mut failed) = (0, 0);
    let mut ids: BTreeMap<String, &PathBuf> = BTreeMap::new();
    for (f, v) in files.iter().zip(results) {
        let v = v.unwrap_or_else(|| Verdict::Invalid(format!("{}: not checked", f.display())));
        let id = match &v {
            Verdict::Ok { id, .. } | Verdict::Failed { id, .. } => Some(id.clone()),
            Verdict::Invalid(_) => None,
        };
        if let Some(id) = id {
            if let Some(other) = ids.insert(id.clone(), f) {
                bad += 1;
                println!("invalid  {}: id {id:?} is also the id of {}", f.display(), other.display());
                continue;
            }
        }
        match v {
            Verdict::Ok { line, .. } => println!("ok       {line}"),
            Verdict::Failed { lines, .. } => {
                failed += 1;
                for m in lines {
                    println!("FAILED   {m}");
                }
            }
            Verdict::Invalid(msg) => {
                bad += 1;
                println!("invalid  {msg}");
            }
        }
    }
    println!("{} lesson{}: {} ok, {failed} failed, {bad} invalid", files.len(), if files.len() == 1 { "" } else { "s" }, files.len() - failed - bad);
    Ok(if bad > 0 {
        2
    } else if failed > 0 {
        1
    } else {
        0
    })
}

/// Prints a lesson step by step, with what each step did (unless `no_run`).
pub fn show(file: &Path, no_run: bool) -> Result<u8, Fail> {
    let l = load(file)?;
    if no_run {
        print!("{}", lesson::render(&l, None));
        return Ok(0);
    }
    let r = lesson::run(&l);
    print!("{}", lesson::render(&l, Some(&r)));
    Ok(if r.passed() { 0 } else { 1 })
}

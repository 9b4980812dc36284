//! A lesson as plain text, step by step, with the outcome of a run if one
//! is given (`streamlab lesson show`). Markdown is printed as written.

use super::*;
use crate::time::{fmt_time, Duration};
use std::fmt::Write;

fn indent(text: &str, by: &str) -> String {
    text.trim_end().lines().map(|l| if l.trim().is_empty() { String::new() } else { format!("{by}{l}") }).collect::<Vec<_>>().join("\n")
}

/// `run until the leader of orders-0 changes (within 30s)`.
pub fn describe_run(r: &RunStep) -> String {
    let mut s = match &r.until {
        Until::Time(t) => format!("run until {}", Duration(*t)),
        Until::For(d) => format!("run for {}", Duration(*d)),
        Until::End => "run to the end".to_string(),
        Until::Cond(c) => format!("run until {}", c.describe()),
    };
    if let Some(w) = r.within {
        s += &format!(" (within {})", Duration(w));
    }
    match (&r.scenario, r.restart) {
        (Some(n), _) => format!("{s} — scenario {n:?}"),
        (None, true) => format!("{s} — restarting the scenario from time 0"),
        _ => s,
    }
}

/// The right answer, for people (`2) They are lost`, `100 (± 10%)`).
pub(crate) fn answer_text(a: &Answer) -> String {
    match a {
        Answer::Choice { choices, correct } => format!("{}) {}", correct + 1, choices.get(*correct).map(String::as_str).unwrap_or("")),
        Answer::Number { value, tolerance: Tolerance::Absolute(0) } => value.to_string(),
        Answer::Number { value, tolerance } => format!("{value} ({tolerance})"),
        Answer::Measured { subject, tolerance } => format!("{} as measured by the next run ({tolerance})", subject.describe()),
    }
}

fn choices_text(a: &Answer) -> Option<String> {
    match a {
        Answer::Choice { choices, .. } => Some(choices.iter().enumerate().map(|(i, c)| format!("    {}) {c}", i + 1)).collect::<Vec<_>>().join("\n")),
        _ => None,
    }
}

/// The lesson as text; with `run`, each step's outcome follows it.
pub fn render(lesson: &Lesson, run: Option<&LessonRun>) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "{} — {} ({} minutes)", lesson.id, lesson.title, lesson.minutes);
    let _ = writeln!(t, "{}", lesson.file);
    let _ = writeln!(t, "\nLearning goals:");
    for g in &lesson.goals {
        let _ = writeln!(t, "  - {g}");
    }
    if !lesson.summary.trim().is_empty() {
        let _ = writeln!(t, "\n{}", lesson.summary.trim_end());
    }
    if !lesson.scenarios.is_empty() {
        let _ = writeln!(t, "\nScenarios:");
        for s in &lesson.scenarios {
            let seed = s.scenario.effective_seed(s.seed);
            let _ = writeln!(t, "  {:<12} {} — {} (seed {seed})", s.name, s.origin, s.scenario.name);
        }
    }
    for step in &lesson.steps {
        let head = match &step.kind {
            StepKind::Narrative(_) => "narrative".to_string(),
            StepKind::Run(r) => describe_run(r),
            StepKind::Inject(i) => format!("inject: {}", i.text),
            StepKind::Set(s) => match &s.scenario_name {
                Some(n) => format!("set {} in scenario {n:?} (re-runs it from time 0)", s.text),
                None => format!("set {} (re-runs the scenario from time 0)", s.text),
            },
            StepKind::Predict(_) => "predict".to_string(),
            StepKind::Expect(_) => "expect".to_string(),
        };
        let _ = writeln!(t, "\n── Step {} · {head}", step.number);
        match &step.kind {
            StepKind::Narrative(n) => {
                let _ = writeln!(t, "{}", indent(n, "  "));
            }
            StepKind::Predict(p) => {
                let _ = writeln!(t, "{}", indent(&format!("Q: {}", p.question.trim()), "  "));
                if let Some(c) = choices_text(&p.answer) {
                    let _ = writeln!(t, "{c}");
                }
                let _ = writeln!(t, "  (answer revealed after the next run: {})", answer_text(&p.answer));
                if !p.explain.trim().is_empty() {
                    let _ = writeln!(t, "{}", indent(&p.explain, "  | "));
                }
            }
            StepKind::Expect(checks) if run.is_none() => {
                for c in checks {
                    let _ = writeln!(t, "  expect {}", c.describe());
                }
            }
            _ => {}
        }
        let Some(out) = run.and_then(|r| r.steps.iter().find(|s| s.number == step.number)) else { continue };
        for n in &out.notes {
            let _ = writeln!(t, "  · {n}");
        }
        for c in &out.checks {
            let from = if c.step != out.number { format!(" (from step {})", c.step) } else { String::new() };
            let _ = writeln!(t, "  {} {}{from} (actual {})", if c.ok { "PASS" } else { "FAIL" }, c.text, c.actual);
        }
        if let Some(f) = &out.failure {
            let _ = writeln!(t, "  FAIL {f}");
        }
    }
    if !lesson.quiz.is_empty() {
        let _ = writeln!(t, "\n── Quiz");
        for (i, q) in lesson.quiz.iter().enumerate() {
            let _ = writeln!(t, "{}", indent(&format!("{}. {}", i + 1, q.question.trim()), "  "));
            if let Some(c) = choices_text(&q.answer) {
                let _ = writeln!(t, "{c}");
            }
            let _ = writeln!(t, "    answer: {}", answer_text(&q.answer));
            if !q.explain.trim().is_empty() {
                let _ = writeln!(t, "{}", indent(&q.explain, "    | "));
            }
        }
    }
    if let Some(r) = run {
        let held = r.checks().filter(|c| c.ok).count();
        let total = r.checks().count();
        let end = r.steps.iter().rev().find_map(|s| s.time.map(|x| (s.scenario.clone().unwrap_or_default(), x)));
        let _ = writeln!(t);
        if let Some((n, x)) = end {
            let _ = writeln!(t, "last scenario {n:?} at {}", fmt_time(x));
        }
        if r.passed() {
            let _ = writeln!(t, "result: ok ({held} of {total} expectations held)");
        } else {
            let _ = writeln!(t, "result: FAILED ({} of {total} expectations held)", held);
            for f in r.failures() {
                let _ = writeln!(t, "  {f}");
            }
        }
    }
    t
}

//! A student's answers and how they are judged, and the one-line
//! descriptions of steps the lesson page shows (pure, tested natively).

use crate::logic::format_time_short;
use serde::{Deserialize, Serialize};
use streamlab_core::lesson::{Actual, Answer, RunStep, StepKind, Until};

/// What a student answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Guess {
    /// A choice, 0-based.
    Choice(usize),
    Number(i64),
}

/// Whether `guess` is right. A measured answer is judged against the value
/// the run measured (`None` until revealed, or when it is not a number).
pub fn is_right(answer: &Answer, guess: Guess, measured: Option<&Actual>) -> Option<bool> {
    match (answer, guess) {
        (Answer::Choice { correct, .. }, Guess::Choice(i)) => Some(i == *correct),
        (Answer::Number { value, tolerance }, Guess::Number(n)) => Some(tolerance.accepts(*value, n)),
        (Answer::Measured { tolerance, .. }, Guess::Number(n)) => match measured {
            Some(Actual::Num(v)) => Some(tolerance.accepts(*v, n)),
            _ => None,
        },
        _ => Some(false),
    }
}

/// The right answer for people: `2) It elects b2…`, `9000`, `100 (± 10%)`,
/// `lost-write = 0` (measured).
pub fn answer_text(answer: &Answer, measured: Option<&Actual>) -> String {
    match answer {
        Answer::Choice { choices, correct } => format!("{}) {}", correct + 1, choices.get(*correct).map(String::as_str).unwrap_or("")),
        Answer::Number { value, tolerance } => with_tolerance(value.to_string(), tolerance),
        Answer::Measured { subject, tolerance } => match measured {
            Some(a) => with_tolerance(format!("{} = {a}", subject.describe()), tolerance),
            None => format!("{} (measured by the next run)", subject.describe()),
        },
    }
}

fn with_tolerance(s: String, t: &streamlab_core::lesson::Tolerance) -> String {
    use streamlab_core::lesson::Tolerance;
    match t {
        Tolerance::Absolute(0) => s,
        t => format!("{s} ({t} counts)"),
    }
}

/// The student's answer for people.
pub fn guess_text(answer: &Answer, guess: Guess) -> String {
    match (answer, guess) {
        (Answer::Choice { choices, .. }, Guess::Choice(i)) => format!("{}) {}", i + 1, choices.get(i).map(String::as_str).unwrap_or("")),
        (_, Guess::Number(n)) => n.to_string(),
        (_, Guess::Choice(i)) => format!("choice {}", i + 1),
    }
}

/// Reads a number typed by a student (`2,100`, ` 9000 ` and `1_000` are fine).
pub fn parse_number(s: &str) -> Result<i64, String> {
    let t: String = s.trim().chars().filter(|c| !matches!(c, ',' | '_' | ' ')).collect();
    if t.is_empty() {
        return Err("type a number".into());
    }
    t.parse::<i64>().map_err(|_| format!("“{}” is not a whole number", s.trim()))
}

/// `run until 10.5 s`, `run for 5 s`, `run to the end`, `run until the
/// leader of orders-0 changes (within 15 s)`.
pub fn describe_run(r: &RunStep) -> String {
    let mut s = match &r.until {
        Until::Time(t) => format!("Run until {}", format_time_short(*t)),
        Until::For(d) => format!("Run for {}", format_time_short(*d)),
        Until::End => "Run to the end".to_string(),
        Until::Cond(c) => format!("Run until {}", c.describe()),
    };
    if let Some(w) = r.within {
        s += &format!(" (within {})", format_time_short(w));
    }
    match (&r.scenario, r.restart) {
        (Some(n), _) => format!("{s} — scenario “{n}”"),
        (None, true) => format!("{s} — the scenario starts again"),
        _ => s,
    }
}

/// The heading of a step.
pub fn step_title(kind: &StepKind) -> String {
    match kind {
        StepKind::Narrative(_) => "Read".into(),
        StepKind::Run(r) => describe_run(r),
        StepKind::Inject(i) => format!("Fault: {}", i.text),
        StepKind::Set(s) => match &s.scenario_name {
            Some(n) => format!("Change {} in scenario “{n}”", s.text),
            None => format!("Change {}", s.text),
        },
        StepKind::Predict(_) => "Predict".into(),
        StepKind::Expect(_) => "Check".into(),
    }
}

/// The `data-kind` of a step.
pub fn kind_name(kind: &StepKind) -> &'static str {
    match kind {
        StepKind::Narrative(_) => "narrative",
        StepKind::Run(_) => "run",
        StepKind::Inject(_) => "inject",
        StepKind::Set(_) => "set",
        StepKind::Predict(_) => "predict",
        StepKind::Expect(_) => "expect",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use streamlab_core::lesson::Tolerance;

    #[test]
    fn judging() {
        let choice = Answer::Choice { choices: vec!["a".into(), "b".into()], correct: 1 };
        assert_eq!(is_right(&choice, Guess::Choice(1), None), Some(true));
        assert_eq!(is_right(&choice, Guess::Choice(0), None), Some(false));
        assert_eq!(guess_text(&choice, Guess::Choice(0)), "1) a");
        assert_eq!(answer_text(&choice, None), "2) b");
        let num = Answer::Number { value: 100, tolerance: Tolerance::Percent(10) };
        assert_eq!(is_right(&num, Guess::Number(110), None), Some(true));
        assert_eq!(is_right(&num, Guess::Number(111), None), Some(false));
        assert_eq!(answer_text(&num, None), "100 (± 10% counts)");
        let exact = Answer::Number { value: 9000, tolerance: Tolerance::Absolute(0) };
        assert_eq!(answer_text(&exact, None), "9000");
    }

    #[test]
    fn measured_answers_need_the_run() {
        let l = streamlab_core::lesson::parse(
            "t.toml",
            "id = \"t\"\ntitle = \"T\"\nminutes = 5\ngoals = [\"g\"]\n[[scenarios]]\nname = \"basic\"\nfile = \"scenarios/basic.toml\"\n\
             [[steps]]\npredict = \"How many?\"\nanswer = \"lost-write\"\ntolerance = 2\n[[steps]]\nrun = \"end\"\n",
            &streamlab_core::lesson::builtin_scenario,
        )
        .unwrap();
        let StepKind::Predict(p) = &l.steps[0].kind else { panic!() };
        assert_eq!(is_right(&p.answer, Guess::Number(0), None), None);
        assert_eq!(is_right(&p.answer, Guess::Number(2), Some(&Actual::Num(0))), Some(true));
        assert_eq!(is_right(&p.answer, Guess::Number(3), Some(&Actual::Num(0))), Some(false));
        assert_eq!(answer_text(&p.answer, Some(&Actual::Num(0))), "lost-write = 0 (± 2 counts)");
        assert_eq!(step_title(&l.steps[1].kind), "Run to the end");
    }

    #[test]
    fn numbers_typed_by_students() {
        assert_eq!(parse_number(" 2,100 "), Ok(2100));
        assert_eq!(parse_number("-5"), Ok(-5));
        assert!(parse_number("").is_err());
        assert_eq!(parse_number("ten"), Err("“ten” is not a whole number".into()));
    }
}

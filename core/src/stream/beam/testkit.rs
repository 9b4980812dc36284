//! Test driver: scripted schedules (processing time → record / watermark
//! move / end of input) run against a [`BeamEngine`] the way the job node
//! will drive it, waking the engine for its processing-time timers.

use super::{format_out, BeamEngine, BeamSpec};
use crate::stream::types::{Aggregate, Datum, Elem, Engine, EventTime, JobShape, Out, WindowSpec};
use crate::time::Micros;

/// `"HH:MM:SS"` → event time (ms since midnight).
pub fn et(clock: &str) -> EventTime {
    let p: Vec<i64> = clock.split(':').map(|x| x.parse().expect("clock")).collect();
    (p[0] * 3600 + p[1] * 60 + p[2]) * 1000
}

/// `"HH:MM:SS"` → processing time, with 12:00:00 = the start of the run.
pub fn pt(clock: &str) -> Micros {
    ((et(clock) - et("12:00:00")) * 1000) as Micros
}

pub const MIN: EventTime = 60_000;

#[derive(Clone, Debug)]
pub enum Ev {
    Rec { at: Micros, ts: EventTime, value: i64 },
    Wm { at: Micros, wm: EventTime },
    End { at: Micros },
}

impl Ev {
    fn at(&self) -> Micros {
        match self {
            Ev::Rec { at, .. } | Ev::Wm { at, .. } | Ev::End { at } => *at,
        }
    }
}

pub fn rec(at: &str, ts: &str, value: i64) -> Ev {
    Ev::Rec { at: pt(at), ts: et(ts), value }
}
pub fn wm(at: &str, to: &str) -> Ev {
    Ev::Wm { at: pt(at), wm: et(to) }
}
pub fn end(at: &str) -> Ev {
    Ev::End { at: pt(at) }
}

/// Which watermark a schedule carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WmKind {
    /// No moves until the input ends.
    Batch,
    Perfect,
    Heuristic,
}

pub fn shape(window: WindowSpec) -> JobShape {
    JobShape { name: "team-score".into(), window, aggregate: Aggregate::Sum, sources: vec![1], parallelism: 1 }
}

pub fn fixed2() -> WindowSpec {
    WindowSpec::Tumbling { size: 2 * MIN, offset: 0 }
}

pub fn spec(toml_text: &str) -> BeamSpec {
    toml::from_str(toml_text).expect("spec")
}

/// Runs a schedule: before each event, the engine is woken for every timer
/// due up to the event's time (the engine also fires due timers itself).
pub fn run(window: WindowSpec, spec_text: &str, events: &[Ev]) -> Vec<Out> {
    let mut engine = BeamEngine::new(&shape(window), &spec(spec_text)).expect("engine");
    let mut out = Vec::new();
    let mut next_id = 0u64;
    for ev in events {
        while let Some(t) = engine.next_wakeup() {
            if t > ev.at() {
                break;
            }
            engine.on_wakeup(t, &mut out);
        }
        match *ev {
            Ev::Rec { at, ts, value } => {
                let e = Elem { id: next_id, key: "TeamX".into(), value: Datum::Int(value), ts, arrival: at };
                next_id += 1;
                engine.on_record(at, 0, e, &mut out);
            }
            Ev::Wm { at, wm } => engine.on_watermark(at, 0, wm, &mut out),
            Ev::End { at } => engine.on_end_of_input(at, &mut out),
        }
    }
    assert_eq!(engine.next_wakeup(), None, "timers left after the end of input");
    out
}

pub fn lines(outs: &[Out]) -> Vec<String> {
    outs.iter().filter_map(format_out).collect()
}

/// The book's lines with its alignment padding collapsed to single spaces.
pub fn book(expected: &[&str]) -> Vec<String> {
    expected.iter().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

/// Asserts the exact emission order, and that the lines are the book's as
/// a multiset (the book's `PAssert.containsInAnyOrder`).
pub fn assert_lines(outs: &[Out], emission_order: &[&str], book_lines: &[&str]) {
    let got = lines(outs);
    assert_eq!(got, book(emission_order), "emission order");
    let (mut a, mut b) = (got, book(book_lines));
    a.sort();
    b.sort();
    assert_eq!(a, b, "same lines as the book");
}

/// The EX-B0 test schedule (`BeamModelTest.createStream`), with the three
/// deliberate deviations from `inputs.csv`: the 5 arrives at 12:04:59 (CSV
/// 12:05:19), the 7 has event time 12:02:24 (CSV 12:02:26) and the 9 has
/// event time 12:01:25 (CSV 12:01:26) — "fudged" so that Beam's strictly
/// overlapping sessions connect (B-7). `extra_six` adds Example 2-8's
/// 6 @ 12:00:53 at 12:06:39.
pub fn ex_b0(kind: WmKind, extra_six: bool) -> Vec<Ev> {
    use WmKind::*;
    let h = kind == Heuristic;
    let p = kind == Perfect;
    let mut v = Vec::new();
    if kind != Batch {
        v.push(wm("12:00:00", "12:00:00"));
    }
    v.push(rec("12:04:59", "12:00:26", 5));
    v.push(rec("12:05:39", "12:02:24", 7));
    if h {
        v.push(wm("12:06:00", "12:02:00"));
    }
    v.push(rec("12:06:13", "12:03:39", 3));
    v.push(rec("12:06:39", "12:04:19", 4));
    if extra_six {
        v.push(rec("12:06:39", "12:00:53", 6));
    }
    v.push(rec("12:07:06", "12:03:06", 8));
    v.push(rec("12:07:19", "12:06:39", 3));
    if h {
        v.push(wm("12:07:30", "12:04:00"));
        v.push(wm("12:07:40", "12:06:00"));
    }
    v.push(rec("12:08:19", "12:01:25", 9));
    if p {
        v.push(wm("12:08:39", "12:02:00"));
    }
    v.push(rec("12:08:39", "12:07:26", 8));
    v.push(rec("12:09:00", "12:07:46", 1));
    if p {
        v.push(wm("12:09:00", "12:04:00"));
        v.push(wm("12:09:10", "12:06:00"));
        v.push(wm("12:09:20", "12:08:00"));
    }
    if h {
        v.push(wm("12:09:30", "12:08:30"));
    }
    v.push(end("12:10:00"));
    v
}

/// The panes of one window, as (value, retraction) in emission order.
pub fn values_of(outs: &[Out], start: &str) -> Vec<(i64, bool)> {
    outs.iter()
        .filter_map(|o| match o {
            Out::Pane(p) if p.window.map(|w| w.start) == Some(et(start)) => match p.value {
                Datum::Int(v) => Some((v, p.retraction)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

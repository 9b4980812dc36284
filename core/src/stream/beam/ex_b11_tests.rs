//! EX-B11: the 10-value data set of the Dataflow paper and "Streaming 102"
//! (values 5, 7, 3, 4, 3, 8, 3, 9, 8, 1; sum 51). The sources state only
//! values and outcomes; **every timestamp below is invented** so that all
//! stated facts hold at once (see [`schedule`]). The processing-time order
//! of the values is exactly the order the sources list them in.
//!
//! Deviation from the sources: their early firings are aligned
//! (`AtPeriod(1 min)`, "at each 1-minute processing-time boundary"); ours
//! are `pastFirstElementInPane().plusDelayOf(1 min)`. The arrivals are
//! placed so that the unaligned timers fire where aligned ones would
//! (12:05:30, 12:06:30, …).

use super::testkit::*;
use crate::stream::types::{Out, WindowSpec};

const EARLY_LATE: &str = r#"
trigger = { type = "watermark", early = { processingTimeDelay = "1m" }, late = { elementCountAtLeast = 1 } }
allowedLateness = "1000d"
accumulationMode = "accumulatingFiredPanes"
"#;

/// The invented EX-B11 schedule.
///
/// | arrival (PT) | value @ event time | window (2 min) |
/// |---|---|---|
/// | 12:04:30 | 5 @ 12:00:30 | 1 |
/// | 12:04:30 | 7 @ 12:02:10 | 2 |
/// | 12:05:30 | 3 @ 12:03:40 | 2 |
/// | 12:05:45 | (6 @ 12:01:00, only with `extra_six`) | 1 |
/// | 12:05:50 | 4 @ 12:03:50 | 2 |
/// | 12:06:10 | 3 @ 12:04:30 | 3 |
/// | 12:07:00 | 8 @ 12:03:00 | 2 |
/// | 12:07:40 | 3 @ 12:06:10 | 4 |
/// | 12:08:00 | 9 @ 12:01:20 | 1 (late for the heuristic watermark) |
/// | 12:08:50 | 8 @ 12:06:50 | 4 |
/// | 12:09:00 | 1 @ 12:07:30 | 4 |
///
/// Heuristic watermark: 12:00 at 12:00:00, 12:02 at 12:05:35, 12:06 at
/// 12:07:30, 12:09 at 12:09:30. Perfect watermark: 12:00 at 12:00:00, 12:02
/// at 12:08:10 (after the 9), 12:04 at 12:08:50, 12:06 at 12:09:10, 12:08
/// at 12:09:20. Input ends at 12:10:00 (all variants).
///
/// Sessions (gap 1 min, strict overlap): {5}, {7}, {3, 4, 3} are apart
/// until the 8 @ 12:03:00 bridges {7} and {3, 4, 3}, and the 9 @ 12:01:20
/// bridges {5} and that; {3, 8, 1} starts more than a minute after 12:04:30.
pub fn schedule(kind: WmKind, extra_six: bool) -> Vec<Ev> {
    let h = kind == WmKind::Heuristic;
    let p = kind == WmKind::Perfect;
    let mut v = Vec::new();
    if kind != WmKind::Batch {
        v.push(wm("12:00:00", "12:00:00"));
    }
    v.push(rec("12:04:30", "12:00:30", 5));
    v.push(rec("12:04:30", "12:02:10", 7));
    v.push(rec("12:05:30", "12:03:40", 3));
    if h {
        v.push(wm("12:05:35", "12:02:00"));
    }
    if extra_six {
        v.push(rec("12:05:45", "12:01:00", 6));
    }
    v.push(rec("12:05:50", "12:03:50", 4));
    v.push(rec("12:06:10", "12:04:30", 3));
    v.push(rec("12:07:00", "12:03:00", 8));
    if h {
        v.push(wm("12:07:30", "12:06:00"));
    }
    v.push(rec("12:07:40", "12:06:10", 3));
    v.push(rec("12:08:00", "12:01:20", 9));
    if p {
        v.push(wm("12:08:10", "12:02:00"));
        v.push(wm("12:08:50", "12:04:00"));
    }
    v.push(rec("12:08:50", "12:06:50", 8));
    v.push(rec("12:09:00", "12:07:30", 1));
    if p {
        v.push(wm("12:09:10", "12:06:00"));
        v.push(wm("12:09:20", "12:08:00"));
    }
    if h {
        v.push(wm("12:09:30", "12:09:00"));
    }
    v.push(end("12:10:00"));
    v
}

fn first_emit(outs: &[Out], window_start: &str) -> u64 {
    outs.iter()
        .find_map(|o| match o {
            Out::Pane(p) if p.window.map(|w| w.start) == Some(et(window_start)) => Some(p.emit),
            _ => None,
        })
        .expect("a pane")
}

#[test]
fn classic_batch_is_51() {
    let outs = run(WindowSpec::Global, "", &schedule(WmKind::Batch, false));
    assert_eq!(lines(&outs), ["[global window]: TeamX:51 END_OF_GLOBAL_WINDOW ON_TIME index=0 onTimeIndex=0 isFirst isLast"]);
}

const FOUR_WINDOWS: [&str; 4] = [
    "[12:00:00, 12:02:00): TeamX:14 12:01:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
    "[12:02:00, 12:04:00): TeamX:22 12:03:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
    "[12:04:00, 12:06:00): TeamX:3 12:05:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
    "[12:06:00, 12:08:00): TeamX:12 12:07:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
];

#[test]
fn fixed_windows_batch_and_perfect_are_14_22_3_12() {
    assert_eq!(lines(&run(fixed2(), "", &schedule(WmKind::Batch, false))), FOUR_WINDOWS);
    let perfect = run(fixed2(), "", &schedule(WmKind::Perfect, false));
    assert_eq!(lines(&perfect), FOUR_WINDOWS);
    // On-time only with the perfect watermark: window 2's first result
    // comes at 12:08:50, "nearly seven minutes" after the window opened.
    assert_eq!(first_emit(&perfect, "12:02:00"), pt("12:08:50"));
}

#[test]
fn heuristic_on_time_only_misses_the_9() {
    let outs = run(fixed2(), "", &schedule(WmKind::Heuristic, false));
    assert_eq!(
        lines(&outs),
        [
            "[12:00:00, 12:02:00): TeamX:5 12:01:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
            "[12:02:00, 12:04:00): TeamX:22 12:03:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
            "[12:04:00, 12:06:00): TeamX:3 12:05:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
            "[12:06:00, 12:08:00): TeamX:12 12:07:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
        ]
    );
    assert!(outs.iter().any(|o| matches!(o, Out::Late { elem, .. } if elem.ts == et("12:01:20"))));
}

#[test]
fn early_and_late_firings_accumulating() {
    let outs = run(fixed2(), EARLY_LATE, &schedule(WmKind::Heuristic, false));
    assert_eq!(
        lines(&outs),
        [
            "[12:00:00, 12:02:00): TeamX:5 12:01:59 EARLY index=0 isFirst",
            "[12:02:00, 12:04:00): TeamX:7 12:03:59 EARLY index=0 isFirst",
            "[12:00:00, 12:02:00): TeamX:5 12:01:59 ON_TIME index=1 onTimeIndex=0",
            "[12:02:00, 12:04:00): TeamX:14 12:03:59 EARLY index=1",
            "[12:04:00, 12:06:00): TeamX:3 12:05:59 EARLY index=0 isFirst",
            "[12:02:00, 12:04:00): TeamX:22 12:03:59 ON_TIME index=2 onTimeIndex=0",
            "[12:04:00, 12:06:00): TeamX:3 12:05:59 ON_TIME index=1 onTimeIndex=0",
            "[12:00:00, 12:02:00): TeamX:14 12:01:59 LATE index=2 onTimeIndex=1",
            "[12:06:00, 12:08:00): TeamX:3 12:07:59 EARLY index=0 isFirst",
            "[12:06:00, 12:08:00): TeamX:12 12:07:59 ON_TIME index=1 onTimeIndex=0",
        ]
    );
    // Window 2's panes are 7, 14, 22; window 1's late 14 leaves with the 9.
    assert_eq!(values_of(&outs, "12:02:00"), [(7, false), (14, false), (22, false)]);
    let late_14 = outs.iter().find_map(|o| match o {
        Out::Pane(p) if p.timing == Some(crate::stream::types::Timing::Late) => Some(p.emit),
        _ => None,
    });
    assert_eq!(late_14, Some(pt("12:08:00")));
    // With the perfect watermark the early firing brings window 2's first
    // result to 12:05:30, three and a half minutes after it opened.
    let perfect = run(fixed2(), EARLY_LATE, &schedule(WmKind::Perfect, false));
    assert_eq!(first_emit(&perfect, "12:02:00"), pt("12:05:30"));
}

#[test]
fn allowed_lateness_one_minute() {
    let spec = EARLY_LATE.replace("1000d", "1m");
    let outs = run(fixed2(), &spec, &schedule(WmKind::Heuristic, true));
    let w1: Vec<String> = lines(&outs).into_iter().filter(|l| l.starts_with("[12:00:00")).collect();
    assert_eq!(
        w1,
        [
            "[12:00:00, 12:02:00): TeamX:5 12:01:59 EARLY index=0 isFirst",
            "[12:00:00, 12:02:00): TeamX:5 12:01:59 ON_TIME index=1 onTimeIndex=0",
            "[12:00:00, 12:02:00): TeamX:11 12:01:59 LATE index=2 onTimeIndex=1",
        ]
    );
    // The 6 came at wm 12:02 (12:01:59.999 + 1 min is not before it); the 9
    // at wm 12:06 is beyond the horizon.
    let dropped: Vec<i64> = outs
        .iter()
        .filter_map(|o| match o {
            Out::Late { elem, .. } => Some(elem.ts),
            _ => None,
        })
        .collect();
    assert_eq!(dropped, [et("12:01:20")]);
}

/// S-102 Table 1, window [12:02, 12:04) of the early/late run: panes [7],
/// [3, 4], [8]. The source's accumulating "total sum" says 51; the panes
/// 7 + 14 + 22 add up to 43 (51 is the whole data set) — flagged, we assert
/// the arithmetic.
#[test]
fn streaming_102_table_1() {
    let mut cols = Vec::new();
    for mode in ["discardingFiredPanes", "accumulatingFiredPanes", "accumulatingAndRetractingFiredPanes"] {
        let outs = run(fixed2(), &EARLY_LATE.replace("accumulatingFiredPanes", mode), &schedule(WmKind::Heuristic, false));
        cols.push(values_of(&outs, "12:02:00"));
    }
    assert_eq!(cols[0], [(7, false), (7, false), (8, false)]);
    assert_eq!(cols[1], [(7, false), (14, false), (22, false)]);
    assert_eq!(cols[2], [(7, false), (7, true), (14, false), (14, true), (22, false)]);
    let last = |c: &[(i64, bool)]| c.iter().rev().find(|(_, r)| !r).unwrap().0;
    let total = |c: &[(i64, bool)]| c.iter().map(|(v, r)| if *r { -v } else { *v }).sum::<i64>();
    assert_eq!([last(&cols[0]), last(&cols[1]), last(&cols[2])], [8, 22, 22]);
    assert_eq!([total(&cols[0]), total(&cols[1]), total(&cols[2])], [22, 43, 22]);
}

/// The Dataflow paper's sessions with retractions (Fig. 14 narrative):
/// 5 and 7 at the first boundary, 10 at the second; the 8 joins 7 and 10
/// (retract 7 and 10, emit 25 when the watermark passes); the late 9 joins
/// 5 and 25 (retract both, emit 39); 3, 8, 1 retract the first 3 and emit
/// 12. Our run also shows the ON_TIME refresh of the {5} session.
#[test]
fn sessions_with_retractions() {
    let spec = EARLY_LATE.replace("accumulatingFiredPanes", "accumulatingAndRetractingFiredPanes");
    let outs = run(WindowSpec::Session { gap: MIN }, &spec, &schedule(WmKind::Heuristic, false));
    assert_eq!(
        lines(&outs),
        [
            "[12:00:30, 12:01:30): TeamX:5 12:01:29 EARLY index=0 isFirst",
            "[12:02:10, 12:03:10): TeamX:7 12:03:09 EARLY index=0 isFirst",
            "[12:00:30, 12:01:30): TeamX:-5 12:01:29 ON_TIME index=1 onTimeIndex=0 isRetraction",
            "[12:00:30, 12:01:30): TeamX:5 12:01:29 ON_TIME index=1 onTimeIndex=0",
            "[12:03:40, 12:05:30): TeamX:10 12:05:29 EARLY index=0 isFirst",
            "[12:02:10, 12:03:10): TeamX:-7 12:03:09 ON_TIME index=0 onTimeIndex=0 isRetraction",
            "[12:03:40, 12:05:30): TeamX:-10 12:05:29 ON_TIME index=0 onTimeIndex=0 isRetraction",
            "[12:02:10, 12:05:30): TeamX:25 12:05:29 ON_TIME index=0 onTimeIndex=0 isFirst",
            "[12:00:30, 12:01:30): TeamX:-5 12:01:29 LATE index=0 onTimeIndex=0 isRetraction",
            "[12:02:10, 12:05:30): TeamX:-25 12:05:29 LATE index=0 onTimeIndex=0 isRetraction",
            "[12:00:30, 12:05:30): TeamX:39 12:05:29 LATE index=0 onTimeIndex=0 isFirst",
            "[12:06:10, 12:07:10): TeamX:3 12:07:09 EARLY index=0 isFirst",
            "[12:06:10, 12:07:10): TeamX:-3 12:07:09 ON_TIME index=0 onTimeIndex=0 isRetraction",
            "[12:06:10, 12:08:30): TeamX:12 12:08:29 ON_TIME index=0 onTimeIndex=0 isFirst",
        ]
    );
    // The boundaries: 5 and 7 at 12:05:30, 10 at 12:06:30.
    let emits: Vec<u64> = outs.iter().filter_map(|o| if let Out::Pane(p) = o { Some(p.emit) } else { None }).collect();
    assert_eq!(&emits[..2], &[pt("12:05:30"), pt("12:05:30")]);
    assert_eq!(emits[4], pt("12:06:30"));
    // Net of retractions the sessions end at 39 + 12 = 51.
    let net: i64 = outs
        .iter()
        .filter_map(|o| match o {
            Out::Pane(p) => p.value.as_f64().to_string().parse::<i64>().ok().map(|v| if p.retraction { -v } else { v }),
            _ => None,
        })
        .sum();
    assert_eq!(net, 51);
}

#[test]
fn tuple_based_windows_give_five_outputs() {
    // Repeat(AtCount(2)), discarding, global window: pairs adjacent in
    // processing time (5+7, 3+4, 3+8, 3+9, 8+1).
    let spec = r#"trigger = { type = "repeatedly", elementCountAtLeast = 2 }"#;
    let outs = run(WindowSpec::Global, spec, &schedule(WmKind::Heuristic, false));
    assert_eq!(
        lines(&outs),
        [
            "[global window]: TeamX:12 END_OF_GLOBAL_WINDOW EARLY index=0 isFirst",
            "[global window]: TeamX:7 END_OF_GLOBAL_WINDOW EARLY index=1",
            "[global window]: TeamX:11 END_OF_GLOBAL_WINDOW EARLY index=2",
            "[global window]: TeamX:12 END_OF_GLOBAL_WINDOW EARLY index=3",
            "[global window]: TeamX:9 END_OF_GLOBAL_WINDOW EARLY index=4",
        ]
    );
}

//! The *Streaming Systems* worked examples EX-B1..EX-B10 (S-BOOK,
//! `BeamModelTest` at takidau/streamingbook d5ee324), driven with the EX-B0
//! schedule. Each test asserts our exact emission order and that the lines
//! are, as a multiset, the book's expected strings (its alignment padding
//! collapsed to single spaces).

use super::testkit::*;
use crate::stream::types::{Datum, LateFate, Out, Window, WindowSpec};

const EARLY_LATE_ACCUMULATING: &str = r#"
trigger = { type = "watermark", early = { processingTimeDelay = "1m" }, late = { elementCountAtLeast = 1 } }
allowedLateness = "1000d"
accumulationMode = "accumulatingFiredPanes"
"#;

fn dropped(outs: &[Out]) -> Vec<(i64, Option<Window>)> {
    outs.iter()
        .filter_map(|o| match o {
            Out::Late { elem, window, fate: LateFate::Dropped } => match elem.value {
                Datum::Int(v) => Some((v, *window)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[test]
fn ex_b1_classic_batch() {
    let outs = run(WindowSpec::Global, "", &ex_b0(WmKind::Batch, false));
    let expected = ["[global window]: TeamX:48 END_OF_GLOBAL_WINDOW ON_TIME index=0 onTimeIndex=0 isFirst isLast"];
    assert_lines(&outs, &expected, &expected);
}

const EX_B2: [&str; 4] = [
    "[12:00:00, 12:02:00): TeamX:14 12:01:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
    "[12:02:00, 12:04:00): TeamX:18 12:03:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
    "[12:04:00, 12:06:00): TeamX:4  12:05:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
    "[12:06:00, 12:08:00): TeamX:12 12:07:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
];

#[test]
fn ex_b2_fixed_windows_batch() {
    let outs = run(fixed2(), "", &ex_b0(WmKind::Batch, false));
    assert_lines(&outs, &EX_B2, &EX_B2);
    // Every pane fires at the end of input (12:10:00).
    assert!(outs.iter().all(|o| !matches!(o, Out::Pane(p) if p.emit != pt("12:10:00"))));
}

#[test]
fn ex_b3_per_record_triggering() {
    let spec = r#"
        trigger = { type = "repeatedly", elementCountAtLeast = 1 }
        allowedLateness = "1000d"
        accumulationMode = "accumulatingFiredPanes""#;
    let outs = run(fixed2(), spec, &ex_b0(WmKind::Batch, false));
    let emission = [
        "[12:00:00, 12:02:00): TeamX:5 12:01:59 EARLY index=0 isFirst",
        "[12:02:00, 12:04:00): TeamX:7 12:03:59 EARLY index=0 isFirst",
        "[12:02:00, 12:04:00): TeamX:10 12:03:59 EARLY index=1",
        "[12:04:00, 12:06:00): TeamX:4 12:05:59 EARLY index=0 isFirst",
        "[12:02:00, 12:04:00): TeamX:18 12:03:59 EARLY index=2",
        "[12:06:00, 12:08:00): TeamX:3 12:07:59 EARLY index=0 isFirst",
        "[12:00:00, 12:02:00): TeamX:14 12:01:59 EARLY index=1",
        "[12:06:00, 12:08:00): TeamX:11 12:07:59 EARLY index=1",
        "[12:06:00, 12:08:00): TeamX:12 12:07:59 EARLY index=2",
    ];
    let book_lines = [
        "[12:00:00, 12:02:00): TeamX:5  12:01:59 EARLY   index=0 isFirst",
        "[12:00:00, 12:02:00): TeamX:14 12:01:59 EARLY   index=1",
        "[12:02:00, 12:04:00): TeamX:7  12:03:59 EARLY   index=0 isFirst",
        "[12:02:00, 12:04:00): TeamX:10 12:03:59 EARLY   index=1",
        "[12:02:00, 12:04:00): TeamX:18 12:03:59 EARLY   index=2",
        "[12:04:00, 12:06:00): TeamX:4  12:05:59 EARLY   index=0 isFirst",
        "[12:06:00, 12:08:00): TeamX:3  12:07:59 EARLY   index=0 isFirst",
        "[12:06:00, 12:08:00): TeamX:11 12:07:59 EARLY   index=1",
        "[12:06:00, 12:08:00): TeamX:12 12:07:59 EARLY   index=2",
    ];
    assert_lines(&outs, &emission, &book_lines);
}

#[test]
fn ex_b5_unaligned_processing_time_delay() {
    let spec = r#"
        trigger = { type = "repeatedly", processingTimeDelay = "2m" }
        allowedLateness = "1000d"
        accumulationMode = "accumulatingFiredPanes""#;
    let outs = run(fixed2(), spec, &ex_b0(WmKind::Batch, false));
    let emission = [
        "[12:00:00, 12:02:00): TeamX:5 12:01:59 EARLY index=0 isFirst",
        "[12:02:00, 12:04:00): TeamX:18 12:03:59 EARLY index=0 isFirst",
        "[12:04:00, 12:06:00): TeamX:4 12:05:59 EARLY index=0 isFirst",
        "[12:06:00, 12:08:00): TeamX:12 12:07:59 EARLY index=0 isFirst",
        "[12:00:00, 12:02:00): TeamX:14 12:01:59 ON_TIME index=1 onTimeIndex=0 isLast",
        "[12:02:00, 12:04:00): TeamX:18 12:03:59 ON_TIME index=1 onTimeIndex=0 isLast",
        "[12:04:00, 12:06:00): TeamX:4 12:05:59 ON_TIME index=1 onTimeIndex=0 isLast",
        "[12:06:00, 12:08:00): TeamX:12 12:07:59 ON_TIME index=1 onTimeIndex=0 isLast",
    ];
    let book_lines = [
        "[12:00:00, 12:02:00): TeamX:5  12:01:59 EARLY   index=0 isFirst",
        "[12:00:00, 12:02:00): TeamX:14 12:01:59 ON_TIME index=1 onTimeIndex=0 isLast",
        "[12:02:00, 12:04:00): TeamX:18 12:03:59 EARLY   index=0 isFirst",
        "[12:02:00, 12:04:00): TeamX:18 12:03:59 ON_TIME index=1 onTimeIndex=0 isLast",
        "[12:04:00, 12:06:00): TeamX:4  12:05:59 EARLY   index=0 isFirst",
        "[12:04:00, 12:06:00): TeamX:4  12:05:59 ON_TIME index=1 onTimeIndex=0 isLast",
        "[12:06:00, 12:08:00): TeamX:12 12:07:59 EARLY   index=0 isFirst",
        "[12:06:00, 12:08:00): TeamX:12 12:07:59 ON_TIME index=1 onTimeIndex=0 isLast",
    ];
    assert_lines(&outs, &emission, &book_lines);
    // The early panes fire exactly two minutes after each window's first record.
    let emits: Vec<u64> = outs.iter().filter_map(|o| if let Out::Pane(p) = o { Some(p.emit) } else { None }).collect();
    assert_eq!(&emits[..4], &[pt("12:06:59"), pt("12:07:39"), pt("12:08:39"), pt("12:09:19")]);
}

#[test]
fn ex_b6_watermark_trigger_perfect() {
    let outs = run(fixed2(), "", &ex_b0(WmKind::Perfect, false));
    assert_lines(&outs, &EX_B2, &EX_B2);
    assert!(dropped(&outs).is_empty());
}

#[test]
fn ex_b6_watermark_trigger_heuristic_drops_the_9() {
    let outs = run(fixed2(), "", &ex_b0(WmKind::Heuristic, false));
    let expected = [
        "[12:00:00, 12:02:00): TeamX:5  12:01:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
        "[12:02:00, 12:04:00): TeamX:18 12:03:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
        "[12:04:00, 12:06:00): TeamX:4  12:05:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
        "[12:06:00, 12:08:00): TeamX:12 12:07:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
    ];
    assert_lines(&outs, &expected, &expected);
    // B-6 with allowedLateness 0: 12:01:59.999 + 0 < wm 12:06:00.
    assert_eq!(dropped(&outs), vec![(9, Some(Window::new(et("12:00:00"), et("12:02:00"))))]);
}

const EX_B7_PERFECT_BOOK: [&str; 9] = [
    "[12:00:00, 12:02:00): TeamX:5  12:01:59 EARLY   index=0 isFirst",
    "[12:00:00, 12:02:00): TeamX:14 12:01:59 ON_TIME index=1 onTimeIndex=0",
    "[12:02:00, 12:04:00): TeamX:10 12:03:59 EARLY   index=0 isFirst",
    "[12:02:00, 12:04:00): TeamX:18 12:03:59 EARLY   index=1",
    "[12:02:00, 12:04:00): TeamX:18 12:03:59 ON_TIME index=2 onTimeIndex=0",
    "[12:04:00, 12:06:00): TeamX:4  12:05:59 EARLY   index=0 isFirst",
    "[12:04:00, 12:06:00): TeamX:4  12:05:59 ON_TIME index=1 onTimeIndex=0",
    "[12:06:00, 12:08:00): TeamX:3  12:07:59 EARLY   index=0 isFirst",
    "[12:06:00, 12:08:00): TeamX:12 12:07:59 ON_TIME index=1 onTimeIndex=0",
];

#[test]
fn ex_b7_early_on_time_late_perfect() {
    let outs = run(fixed2(), EARLY_LATE_ACCUMULATING, &ex_b0(WmKind::Perfect, false));
    let emission = [
        "[12:00:00, 12:02:00): TeamX:5 12:01:59 EARLY index=0 isFirst",
        "[12:02:00, 12:04:00): TeamX:10 12:03:59 EARLY index=0 isFirst",
        "[12:04:00, 12:06:00): TeamX:4 12:05:59 EARLY index=0 isFirst",
        "[12:02:00, 12:04:00): TeamX:18 12:03:59 EARLY index=1",
        "[12:06:00, 12:08:00): TeamX:3 12:07:59 EARLY index=0 isFirst",
        "[12:00:00, 12:02:00): TeamX:14 12:01:59 ON_TIME index=1 onTimeIndex=0",
        "[12:02:00, 12:04:00): TeamX:18 12:03:59 ON_TIME index=2 onTimeIndex=0",
        "[12:04:00, 12:06:00): TeamX:4 12:05:59 ON_TIME index=1 onTimeIndex=0",
        "[12:06:00, 12:08:00): TeamX:12 12:07:59 ON_TIME index=1 onTimeIndex=0",
    ];
    assert_lines(&outs, &emission, &EX_B7_PERFECT_BOOK);
}

const EX_B7_HEURISTIC_EMISSION: [&str; 9] = [
    "[12:00:00, 12:02:00): TeamX:5 12:01:59 EARLY index=0 isFirst",
    "[12:00:00, 12:02:00): TeamX:5 12:01:59 ON_TIME index=1 onTimeIndex=0",
    "[12:02:00, 12:04:00): TeamX:10 12:03:59 EARLY index=0 isFirst",
    "[12:02:00, 12:04:00): TeamX:18 12:03:59 ON_TIME index=1 onTimeIndex=0",
    "[12:04:00, 12:06:00): TeamX:4 12:05:59 EARLY index=0 isFirst",
    "[12:04:00, 12:06:00): TeamX:4 12:05:59 ON_TIME index=1 onTimeIndex=0",
    "[12:06:00, 12:08:00): TeamX:3 12:07:59 EARLY index=0 isFirst",
    "[12:00:00, 12:02:00): TeamX:14 12:01:59 LATE index=2 onTimeIndex=1",
    "[12:06:00, 12:08:00): TeamX:12 12:07:59 ON_TIME index=1 onTimeIndex=0",
];

#[test]
fn ex_b7_early_on_time_late_heuristic() {
    let outs = run(fixed2(), EARLY_LATE_ACCUMULATING, &ex_b0(WmKind::Heuristic, false));
    let book_lines = [
        "[12:00:00, 12:02:00): TeamX:5  12:01:59 EARLY   index=0 isFirst",
        "[12:00:00, 12:02:00): TeamX:5  12:01:59 ON_TIME index=1 onTimeIndex=0",
        "[12:00:00, 12:02:00): TeamX:14 12:01:59 LATE    index=2 onTimeIndex=1",
        "[12:02:00, 12:04:00): TeamX:10 12:03:59 EARLY   index=0 isFirst",
        "[12:02:00, 12:04:00): TeamX:18 12:03:59 ON_TIME index=1 onTimeIndex=0",
        "[12:04:00, 12:06:00): TeamX:4  12:05:59 EARLY   index=0 isFirst",
        "[12:04:00, 12:06:00): TeamX:4  12:05:59 ON_TIME index=1 onTimeIndex=0",
        "[12:06:00, 12:08:00): TeamX:3  12:07:59 EARLY   index=0 isFirst",
        "[12:06:00, 12:08:00): TeamX:12 12:07:59 ON_TIME index=1 onTimeIndex=0",
    ];
    assert_lines(&outs, &EX_B7_HEURISTIC_EMISSION, &book_lines);
    // The reference's walk-through: the late pane leaves with the 9 at 12:08:19;
    // window 2's pending early timer (12:08:06) died with its ON_TIME pane.
    let late = outs.iter().find_map(|o| match o {
        Out::Pane(p) if p.timing == Some(crate::stream::types::Timing::Late) => Some(p.clone()),
        _ => None,
    });
    let late = late.expect("a late pane");
    assert_eq!(late.emit, pt("12:08:19"));
    assert_eq!(late.inputs, vec![0, 6], "the 5 (record 0) and the 9 (record 6)");
}

#[test]
fn ex_b8_allowed_lateness_two_minutes() {
    // Book Example 2-8 (companion test `example2_8`, not in the reference's
    // list): the extra 6 is within the 2-minute horizon, the 9 beyond it.
    let spec = r#"
        trigger = { type = "watermark", early = { processingTimeDelay = "1m" }, late = { elementCountAtLeast = 1 } }
        allowedLateness = "2m"
        accumulationMode = "accumulatingFiredPanes""#;
    let outs = run(fixed2(), spec, &ex_b0(WmKind::Heuristic, true));
    let emission = [
        "[12:00:00, 12:02:00): TeamX:5 12:01:59 EARLY index=0 isFirst",
        "[12:00:00, 12:02:00): TeamX:5 12:01:59 ON_TIME index=1 onTimeIndex=0",
        "[12:02:00, 12:04:00): TeamX:10 12:03:59 EARLY index=0 isFirst",
        "[12:00:00, 12:02:00): TeamX:11 12:01:59 LATE index=2 onTimeIndex=1",
        "[12:02:00, 12:04:00): TeamX:18 12:03:59 ON_TIME index=1 onTimeIndex=0",
        "[12:04:00, 12:06:00): TeamX:4 12:05:59 EARLY index=0 isFirst",
        "[12:04:00, 12:06:00): TeamX:4 12:05:59 ON_TIME index=1 onTimeIndex=0",
        "[12:06:00, 12:08:00): TeamX:3 12:07:59 EARLY index=0 isFirst",
        "[12:06:00, 12:08:00): TeamX:12 12:07:59 ON_TIME index=1 onTimeIndex=0",
    ];
    let book_lines = [
        "[12:00:00, 12:02:00): TeamX:5  12:01:59 EARLY   index=0 isFirst",
        "[12:00:00, 12:02:00): TeamX:5  12:01:59 ON_TIME index=1 onTimeIndex=0",
        "[12:00:00, 12:02:00): TeamX:11 12:01:59 LATE    index=2 onTimeIndex=1",
        "[12:02:00, 12:04:00): TeamX:10 12:03:59 EARLY   index=0 isFirst",
        "[12:02:00, 12:04:00): TeamX:18 12:03:59 ON_TIME index=1 onTimeIndex=0",
        "[12:04:00, 12:06:00): TeamX:4  12:05:59 EARLY   index=0 isFirst",
        "[12:04:00, 12:06:00): TeamX:4  12:05:59 ON_TIME index=1 onTimeIndex=0",
        "[12:06:00, 12:08:00): TeamX:3  12:07:59 EARLY   index=0 isFirst",
        "[12:06:00, 12:08:00): TeamX:12 12:07:59 ON_TIME index=1 onTimeIndex=0",
    ];
    assert_lines(&outs, &emission, &book_lines);
    assert_eq!(dropped(&outs), vec![(9, Some(Window::new(et("12:00:00"), et("12:02:00"))))]);
}

const DISCARDING: &str = r#"
trigger = { type = "watermark", early = { processingTimeDelay = "1m" }, late = { elementCountAtLeast = 1 } }
allowedLateness = "1000d"
accumulationMode = "discardingFiredPanes"
"#;

#[test]
fn ex_b9_discarding() {
    let outs = run(fixed2(), DISCARDING, &ex_b0(WmKind::Heuristic, false));
    let emission = [
        "[12:00:00, 12:02:00): TeamX:5 12:01:59 EARLY index=0 isFirst",
        "[12:00:00, 12:02:00): TeamX:0 12:01:59 ON_TIME index=1 onTimeIndex=0",
        "[12:02:00, 12:04:00): TeamX:10 12:03:59 EARLY index=0 isFirst",
        "[12:02:00, 12:04:00): TeamX:8 12:03:59 ON_TIME index=1 onTimeIndex=0",
        "[12:04:00, 12:06:00): TeamX:4 12:05:59 EARLY index=0 isFirst",
        "[12:04:00, 12:06:00): TeamX:0 12:05:59 ON_TIME index=1 onTimeIndex=0",
        "[12:06:00, 12:08:00): TeamX:3 12:07:59 EARLY index=0 isFirst",
        "[12:00:00, 12:02:00): TeamX:9 12:01:59 LATE index=2 onTimeIndex=1",
        "[12:06:00, 12:08:00): TeamX:9 12:07:59 ON_TIME index=1 onTimeIndex=0",
    ];
    let book_lines = [
        "[12:00:00, 12:02:00): TeamX:5  12:01:59 EARLY   index=0 isFirst",
        "[12:00:00, 12:02:00): TeamX:0  12:01:59 ON_TIME index=1 onTimeIndex=0",
        "[12:00:00, 12:02:00): TeamX:9  12:01:59 LATE    index=2 onTimeIndex=1",
        "[12:02:00, 12:04:00): TeamX:10 12:03:59 EARLY   index=0 isFirst",
        "[12:02:00, 12:04:00): TeamX:8  12:03:59 ON_TIME index=1 onTimeIndex=0",
        "[12:04:00, 12:06:00): TeamX:4  12:05:59 EARLY   index=0 isFirst",
        "[12:04:00, 12:06:00): TeamX:0  12:05:59 ON_TIME index=1 onTimeIndex=0",
        "[12:06:00, 12:08:00): TeamX:3  12:07:59 EARLY   index=0 isFirst",
        "[12:06:00, 12:08:00): TeamX:9  12:07:59 ON_TIME index=1 onTimeIndex=0",
    ];
    assert_lines(&outs, &emission, &book_lines);
}

/// The comparison table for [12:06, 12:08) under the EX-B7 heuristic run:
/// panes [3] then [8, 1].
#[test]
fn accumulation_modes_for_the_last_window() {
    let modes = ["discardingFiredPanes", "accumulatingFiredPanes", "accumulatingAndRetractingFiredPanes"];
    let mut table = Vec::new();
    for mode in modes {
        let spec = EARLY_LATE_ACCUMULATING.replace("accumulatingFiredPanes", mode);
        let outs = run(fixed2(), &spec, &ex_b0(WmKind::Heuristic, false));
        table.push(values_of(&outs, "12:06:00"));
        if mode == "accumulatingAndRetractingFiredPanes" {
            let w4: Vec<String> = lines(&outs).into_iter().filter(|l| l.starts_with("[12:06:00")).collect();
            assert_eq!(
                w4,
                [
                    "[12:06:00, 12:08:00): TeamX:3 12:07:59 EARLY index=0 isFirst",
                    "[12:06:00, 12:08:00): TeamX:-3 12:07:59 ON_TIME index=1 onTimeIndex=0 isRetraction",
                    "[12:06:00, 12:08:00): TeamX:12 12:07:59 ON_TIME index=1 onTimeIndex=0",
                ]
            );
        }
    }
    assert_eq!(table[0], [(3, false), (9, false)]);
    assert_eq!(table[1], [(3, false), (12, false)]);
    assert_eq!(table[2], [(3, false), (3, true), (12, false)]);
    let final_value = |t: &[(i64, bool)]| t.iter().rev().find(|(_, r)| !r).map(|(v, _)| *v).unwrap();
    let sum = |t: &[(i64, bool)]| t.iter().map(|(v, r)| if *r { -v } else { *v }).sum::<i64>();
    assert_eq!([final_value(&table[0]), final_value(&table[1]), final_value(&table[2])], [9, 12, 12]);
    assert_eq!([sum(&table[0]), sum(&table[1]), sum(&table[2])], [12, 15, 12]);
}

#[test]
fn ex_b10_sessions() {
    let outs = run(WindowSpec::Session { gap: MIN }, EARLY_LATE_ACCUMULATING, &ex_b0(WmKind::Heuristic, false));
    let emission = [
        "[12:00:26, 12:01:26): TeamX:5 12:01:25 EARLY index=0 isFirst",
        "[12:00:26, 12:01:26): TeamX:5 12:01:25 ON_TIME index=1 onTimeIndex=0",
        "[12:02:24, 12:03:24): TeamX:7 12:03:23 EARLY index=0 isFirst",
        "[12:02:24, 12:05:19): TeamX:22 12:05:18 EARLY index=0 isFirst",
        "[12:02:24, 12:05:19): TeamX:22 12:05:18 ON_TIME index=1 onTimeIndex=0",
        "[12:06:39, 12:07:39): TeamX:3 12:07:38 EARLY index=0 isFirst",
        "[12:00:26, 12:05:19): TeamX:36 12:05:18 LATE index=0 onTimeIndex=0 isFirst",
        "[12:06:39, 12:08:46): TeamX:12 12:08:45 EARLY index=0 isFirst",
        "[12:06:39, 12:08:46): TeamX:12 12:08:45 ON_TIME index=1 onTimeIndex=0 isLast",
    ];
    let book_lines = [
        "[12:00:26, 12:01:26): TeamX:5  12:01:25 EARLY   index=0 isFirst",
        "[12:00:26, 12:01:26): TeamX:5  12:01:25 ON_TIME index=1 onTimeIndex=0",
        "[12:02:24, 12:03:24): TeamX:7  12:03:23 EARLY   index=0 isFirst",
        "[12:02:24, 12:05:19): TeamX:22 12:05:18 EARLY   index=0 isFirst",
        "[12:02:24, 12:05:19): TeamX:22 12:05:18 ON_TIME index=1 onTimeIndex=0",
        "[12:00:26, 12:05:19): TeamX:36 12:05:18 LATE    index=0 onTimeIndex=0 isFirst",
        "[12:06:39, 12:07:39): TeamX:3  12:07:38 EARLY   index=0 isFirst",
        "[12:06:39, 12:08:46): TeamX:12 12:08:45 EARLY   index=0 isFirst",
        "[12:06:39, 12:08:46): TeamX:12 12:08:45 ON_TIME index=1 onTimeIndex=0 isLast",
    ];
    assert_lines(&outs, &emission, &book_lines);
}

#[test]
fn touching_sessions_stay_apart_with_the_csv_times() {
    // With the CSV's 7 @ 12:02:26, [12:01:26, 12:02:26) from the 9 only
    // touches it: no bridge (B-7). Here: 5 @ 12:00:26 and 7 @ 12:01:26.
    let ev = [rec("12:01:00", "12:00:26", 5), rec("12:01:10", "12:01:26", 7), end("12:05:00")];
    let outs = run(WindowSpec::Session { gap: MIN }, "", &ev);
    assert_eq!(
        lines(&outs),
        [
            "[12:00:26, 12:01:26): TeamX:5 12:01:25 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
            "[12:01:26, 12:02:26): TeamX:7 12:02:25 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
        ]
    );
}

#[test]
fn watermark_trigger_without_late_firings_closes_the_window() {
    let spec = r#"
        trigger = { type = "watermark" }
        allowedLateness = "1000d""#;
    let outs = run(fixed2(), spec, &ex_b0(WmKind::Heuristic, false));
    let w1: Vec<String> = lines(&outs).into_iter().filter(|l| l.starts_with("[12:00:00")).collect();
    assert_eq!(w1, ["[12:00:00, 12:02:00): TeamX:5 12:01:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast"]);
    assert_eq!(dropped(&outs), vec![(9, Some(Window::new(et("12:00:00"), et("12:02:00"))))]);
}

#[test]
fn channels_combine_by_minimum_and_the_output_watermark_is_reported() {
    use super::{BeamEngine, BeamSpec, GBK};
    use crate::stream::types::{Elem, Engine};
    let mut s = shape(fixed2());
    s.sources = vec![2];
    let mut e = BeamEngine::new(&s, &BeamSpec::default()).unwrap();
    let mut out = Vec::new();
    let elem = Elem { id: 0, key: "k".into(), value: Datum::Int(1), ts: et("12:00:10"), arrival: 0 };
    e.on_record(0, 0, elem, &mut out);
    e.on_watermark(1, 0, et("12:03:00"), &mut out);
    assert!(lines(&out).is_empty(), "channel 1 still at -inf");
    e.on_watermark(2, 1, et("12:02:30"), &mut out);
    assert_eq!(lines(&out), ["[12:00:00, 12:02:00): k:1 12:01:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast"]);
    assert_eq!(e.input_watermark(), et("12:02:30"));
    assert!(out.contains(&Out::Watermark { op: GBK.into(), wm: et("12:02:30") }));
}

#[test]
fn bad_window_is_a_spec_error() {
    use super::{BeamEngine, BeamSpec};
    let err = BeamEngine::new(&shape(WindowSpec::Tumbling { size: 0, offset: 0 }), &BeamSpec::default()).unwrap_err();
    assert_eq!(err.field, "window.size");
}

#[test]
fn deterministic_and_clone_continues_identically() {
    use super::BeamEngine;
    use crate::stream::types::{Elem, Engine};
    let events = ex_b0(WmKind::Heuristic, false);
    let a = run(WindowSpec::Session { gap: MIN }, EARLY_LATE_ACCUMULATING, &events);
    let b = run(WindowSpec::Session { gap: MIN }, EARLY_LATE_ACCUMULATING, &events);
    assert_eq!(a, b);
    let mut e = BeamEngine::new(&shape(fixed2()), &spec(EARLY_LATE_ACCUMULATING)).unwrap();
    let mut out = Vec::new();
    e.on_record(0, 0, Elem { id: 0, key: "k".into(), value: Datum::Int(1), ts: et("12:00:10"), arrival: 0 }, &mut out);
    let mut c = e.clone();
    let (mut o1, mut o2) = (Vec::new(), Vec::new());
    e.on_wakeup(60_000_000, &mut o1);
    c.on_wakeup(60_000_000, &mut o2);
    assert_eq!(o1, o2);
    assert_eq!(lines(&o1), ["[12:00:00, 12:02:00): k:1 12:01:59 EARLY index=0 isFirst"]);
}

#[test]
fn sliding_windows_drop_per_window() {
    use super::{BeamEngine, BeamSpec};
    use crate::stream::types::{Elem, Engine};
    let mut e = BeamEngine::new(&shape(WindowSpec::Sliding { size: 3000, slide: 1000, offset: 0 }), &BeamSpec::default()).unwrap();
    let mut out = Vec::new();
    e.on_watermark(0, 0, 3500, &mut out);
    let elem = |id, ts| Elem { id, key: "k".into(), value: Datum::Int(1), ts, arrival: 0 };
    // ts 2500 belongs to [0,3000), [1000,4000), [2000,5000); only the first expired.
    e.on_record(1, 0, elem(0, 2500), &mut out);
    // ts 500 belongs to [-2000,1000), [-1000,2000), [0,3000): all expired.
    e.on_record(2, 0, elem(1, 500), &mut out);
    e.on_end_of_input(3, &mut out);
    assert_eq!(dropped(&out), vec![(1, Some(Window::new(0, 3000))), (1, None)]);
    assert_eq!(
        lines(&out),
        [
            "[00:00:01, 00:00:04): k:1 00:00:03 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
            "[00:00:02, 00:00:05): k:1 00:00:04 ON_TIME index=0 onTimeIndex=0 isFirst isLast",
        ]
    );
}

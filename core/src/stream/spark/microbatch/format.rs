//! One line per output, as scenario expectations and the views print them.
//!
//! * result row: `batch 1: 12:05-12:15 dog 2` — batch id, window, key, value;
//!   unwindowed (`groupBy(key)`): `batch 0: apache 1`;
//! * late drop: `late 12:04 donkey dropped for 12:00-12:10` — event time,
//!   key, the window it was dropped for. No batch id: `Out::Late` carries
//!   none; it is printed just before the rows of its batch.
//!
//! Times are `HH:MM` when both are whole minutes, else full clock times
//! (`12:00:30-12:01:00.500`, see [`clock`]). Batch and watermark reports
//! are not output lines (`None`); [`format_batch`] prints a batch for views.

use crate::stream::types::{clock, BatchInfo, EventTime, Out, Window};
use crate::time::fmt_time;

/// `HH:MM` for a whole minute, else the full clock time.
pub fn fmt_ts(ts: EventTime) -> String {
    if ts.rem_euclid(60_000) == 0 {
        clock(ts)[..5].to_string()
    } else {
        clock(ts)
    }
}

/// `12:00-12:10` (or full clock times when a bound is not a whole minute).
pub fn fmt_window(w: &Window) -> String {
    if w.start.rem_euclid(60_000) == 0 && w.end.rem_euclid(60_000) == 0 {
        format!("{}-{}", fmt_ts(w.start), fmt_ts(w.end))
    } else {
        format!("{}-{}", clock(w.start), clock(w.end))
    }
}

/// The expectation line of an output of the Spark engine.
pub fn format_out(out: &Out) -> Option<String> {
    match out {
        Out::Pane(p) => {
            let batch = p.batch.map_or_else(|| "batch ?".to_string(), |b| format!("batch {b}"));
            Some(match &p.window {
                Some(w) => format!("{batch}: {} {} {}", fmt_window(w), p.key, p.value),
                None => format!("{batch}: {} {}", p.key, p.value),
            })
        }
        Out::Late { elem, window, .. } => {
            let w = window.as_ref().map_or_else(|| "all windows".to_string(), fmt_window);
            Some(format!("late {} {} dropped for {w}", fmt_ts(elem.ts), elem.key))
        }
        _ => None,
    }
}

/// A batch for people: `batch 3 1500.000000s-1500.100000s wm 12:11 late-wm 12:04 in 3 out 4`,
/// plus ` rerun` / ` no-data` (processing times in seconds since the run start).
pub fn format_batch(b: &BatchInfo) -> String {
    let mut s = format!(
        "batch {} {}-{} wm {} late-wm {} in {} out {}",
        b.id,
        fmt_time(b.start),
        fmt_time(b.end),
        fmt_ts(b.watermark),
        fmt_ts(b.late_watermark),
        b.rows_in,
        b.rows_out
    );
    if b.rerun {
        s.push_str(" rerun");
    }
    if b.no_data {
        s.push_str(" no-data");
    }
    s
}

//! The output line of the *Streaming Systems* companion tests
//! (`BeamModel.FormatAsStrings`), with single spaces (the book pads values
//! and timings with `%-2d` / `%-7s` for alignment only):
//!
//! ```text
//! [12:00:00, 12:02:00): TeamX:14 12:01:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast
//! [global window]: TeamX:48 END_OF_GLOBAL_WINDOW ON_TIME index=0 onTimeIndex=0 isFirst isLast
//! ```
//!
//! Window bounds print with `types::clock` (milliseconds only when not
//! whole seconds); the result timestamp prints at whole seconds, as the
//! book's `Utils.formatTime` ("HH:mm:ss") does.
//!
//! A retraction (accumulating & retracting, B-5) prints the retracted
//! value with a `-` in front and ends with ` isRetraction`; it shows the
//! retracted window and timestamp and the new pane's timing and indices:
//!
//! ```text
//! [12:06:00, 12:08:00): TeamX:-3 12:07:59 ON_TIME index=1 onTimeIndex=0 isRetraction
//! ```

use crate::stream::types::{clock, Out, MAX_WATERMARK};

const END_OF_GLOBAL_WINDOW: &str = "END_OF_GLOBAL_WINDOW";

/// The book's line for a pane; None for every other report (dropped
/// records, watermarks), which are not outputs of the pipeline.
pub fn format_out(out: &Out) -> Option<String> {
    let Out::Pane(p) = out else {
        return None;
    };
    let window = match p.window {
        None => "[global window]".to_string(),
        Some(w) if w.is_global() => "[global window]".to_string(),
        Some(w) => format!("[{}, {})", clock(w.start), bound(w.end)),
    };
    let sign = if p.retraction { "-" } else { "" };
    let global = p.window.is_none_or(|w| w.is_global());
    // Utils.formatTime prints "HH:mm:ss": the result timestamp end − 1 ms
    // shows as 12:01:59, not 12:01:59.999.
    let ts = if global || p.out_ts == MAX_WATERMARK { END_OF_GLOBAL_WINDOW.to_string() } else { clock(p.out_ts - p.out_ts.rem_euclid(1000)) };
    let mut line = format!("{window}: {}:{sign}{} {ts}", p.key, p.value);
    if let Some(t) = p.timing {
        line.push_str(&format!(" {t}"));
    }
    line.push_str(&format!(" index={}", p.index));
    if let Some(i) = p.on_time_index {
        line.push_str(&format!(" onTimeIndex={i}"));
    }
    for (flag, name) in [(p.is_first, "isFirst"), (p.is_last, "isLast"), (p.retraction, "isRetraction")] {
        if flag {
            line.push(' ');
            line.push_str(name);
        }
    }
    Some(line)
}

fn bound(t: i64) -> String {
    if t == MAX_WATERMARK {
        END_OF_GLOBAL_WINDOW.to_string()
    } else {
        clock(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::types::{Datum, Pane, Timing, Window};

    fn pane(window: Window, value: i64) -> Pane {
        let mut p = Pane::plain(Some(window), "TeamX".into(), Datum::Int(value), window.max_timestamp(), 0);
        p.timing = Some(Timing::OnTime);
        p.on_time_index = Some(0);
        p.is_first = true;
        p.is_last = true;
        p
    }

    #[test]
    fn book_lines() {
        let w = Window::new(43_200_000, 43_320_000);
        assert_eq!(format_out(&Out::Pane(pane(w, 14))).unwrap(), "[12:00:00, 12:02:00): TeamX:14 12:01:59 ON_TIME index=0 onTimeIndex=0 isFirst isLast");
        assert_eq!(
            format_out(&Out::Pane(pane(Window::GLOBAL, 48))).unwrap(),
            "[global window]: TeamX:48 END_OF_GLOBAL_WINDOW ON_TIME index=0 onTimeIndex=0 isFirst isLast"
        );
        let mut r = pane(w, 7);
        r.retraction = true;
        r.is_first = false;
        r.is_last = false;
        r.index = 1;
        assert_eq!(format_out(&Out::Pane(r)).unwrap(), "[12:00:00, 12:02:00): TeamX:-7 12:01:59 ON_TIME index=1 onTimeIndex=0 isRetraction");
        assert_eq!(format_out(&Out::Watermark { op: "GroupByKey".into(), wm: 0 }), None);
    }
}

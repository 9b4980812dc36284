//! Where a row goes in event time: Spark's `window()` (S-1) and
//! `session_window()` (S-12).
//!
//! `window(ts, size, slide, startTime)` is resolved by catalyst's
//! `TimeWindowing` into an expansion of each row into every window that
//! contains it: `lastStart = ts − ((ts − startTime) mod slide)` (a
//! non-negative remainder, so windows before the epoch are right too), then
//! `lastStart − i·slide` for `i < ceil(size / slide)`, keeping windows with
//! `start ≤ ts < end`. That is why the 12:02 row of the guide's example also
//! lands in `[11:55, 12:05)`, which the guide's figure does not draw (EX-S2).
//! (Spark before 3.3 computed `ts − (ts − startTime + slide) % slide`, which
//! differs only for timestamps before the epoch; not modelled.)

use crate::stream::types::{EventTime, Window, WindowSpec};

/// The windows of a row at event time `ts`, by ascending start. Global: the
/// one global window (plain `groupBy(key)`); session: the row's proto
/// session `[ts, ts + gap)`.
pub fn assign(spec: &WindowSpec, ts: EventTime) -> Vec<Window> {
    match *spec {
        WindowSpec::Global => vec![Window::GLOBAL],
        WindowSpec::Tumbling { size, offset } => sliding(ts, size, size, offset),
        WindowSpec::Sliding { size, slide, offset } => sliding(ts, size, slide, offset),
        WindowSpec::Session { gap } => vec![Window::new(ts, ts.saturating_add(gap))],
    }
}

/// `TimeWindowing` (S-1): every `[start, start + size)` containing `ts`.
fn sliding(ts: EventTime, size: EventTime, slide: EventTime, start_time: EventTime) -> Vec<Window> {
    let last_start = ts.saturating_sub(ts.saturating_sub(start_time).rem_euclid(slide));
    let overlapping = size / slide + i64::from(size % slide != 0);
    let mut out: Vec<Window> = (0..overlapping)
        .map(|i| {
            let start = last_start.saturating_sub(i.saturating_mul(slide));
            Window::new(start, start.saturating_add(size))
        })
        .filter(|w| w.contains(ts))
        .collect();
    out.reverse();
    out
}

/// `MergingSessionsIterator` (S-12): sessions sorted by start merge while
/// the next one starts at or before the current end (touching sessions
/// merge, as in Flink). Returns, for each merged session, the indices of the
/// inputs it absorbed.
pub fn merge_sessions(sessions: &[Window]) -> Vec<(Window, Vec<usize>)> {
    let mut order: Vec<usize> = (0..sessions.len()).collect();
    order.sort_by_key(|&i| (sessions[i].start, sessions[i].end, i));
    let mut out: Vec<(Window, Vec<usize>)> = Vec::new();
    for i in order {
        let w = sessions[i];
        match out.last_mut() {
            Some((cur, members)) if w.start <= cur.end => {
                cur.end = cur.end.max(w.end);
                members.push(i);
            }
            _ => out.push((w, vec![i])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: EventTime = 60_000;
    fn hm(h: i64, m: i64) -> EventTime {
        (h * 60 + m) * MIN
    }

    #[test]
    fn sliding_windows_include_the_one_starting_before_noon() {
        let spec = WindowSpec::Sliding { size: 10 * MIN, slide: 5 * MIN, offset: 0 };
        assert_eq!(assign(&spec, hm(12, 2)), vec![Window::new(hm(11, 55), hm(12, 5)), Window::new(hm(12, 0), hm(12, 10))]);
        // "12:05 will be in the window [12:05,12:10) but not in [12:00,12:05)"
        let tumbling = WindowSpec::Tumbling { size: 5 * MIN, offset: 0 };
        assert_eq!(assign(&tumbling, hm(12, 5)), vec![Window::new(hm(12, 5), hm(12, 10))]);
        assert_eq!(assign(&spec, hm(12, 5)), vec![Window::new(hm(12, 0), hm(12, 10)), Window::new(hm(12, 5), hm(12, 15))]);
    }

    #[test]
    fn negative_timestamps_and_start_time() {
        let spec = WindowSpec::Tumbling { size: 1000, offset: 0 };
        assert_eq!(assign(&spec, -1), vec![Window::new(-1000, 0)]);
        let shifted = WindowSpec::Tumbling { size: 1000, offset: 300 };
        assert_eq!(assign(&shifted, 200), vec![Window::new(-700, 300)]);
        let uneven = WindowSpec::Sliding { size: 1000, slide: 300, offset: 0 };
        assert_eq!(assign(&uneven, 950), vec![Window::new(0, 1000), Window::new(300, 1300), Window::new(600, 1600), Window::new(900, 1900)]);
    }

    #[test]
    fn touching_sessions_merge() {
        let s = [Window::new(10, 15), Window::new(0, 5), Window::new(5, 10), Window::new(20, 25)];
        let m = merge_sessions(&s);
        assert_eq!(m, vec![(Window::new(0, 15), vec![1, 2, 0]), (Window::new(20, 25), vec![3])]);
    }
}

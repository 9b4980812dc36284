//! Session merging: `TimeWindow.mergeWindows` and the part of
//! `MergingWindowSet.addWindow` that decides what a new proto-window merges
//! with (F-7, F-10).
//!
//! Simplification: Flink keeps the state of a merged window under one of the
//! original windows (the "state window") to avoid copying; the simulator
//! moves the contents into the merged window instead. What is observable
//! (window bounds, contents, timers, lateness) is the same.

use crate::stream::types::Window;
use std::collections::BTreeSet;

/// `TimeWindow.intersects`: `start <= o.end && end >= o.start`, so windows
/// that merely touch intersect (F-7): events exactly `gap` apart are one
/// session (unlike Beam, B-7).
pub(crate) fn intersects(a: Window, b: Window) -> bool {
    a.start <= b.end && a.end >= b.start
}

/// `TimeWindow.cover`: the smallest window containing both.
pub(crate) fn cover(a: Window, b: Window) -> Window {
    Window::new(a.start.min(b.start), a.end.max(b.end))
}

/// `TimeWindow.mergeWindows`: sort by start, fold intersecting windows; the
/// groups of more than one window are the merges `(result, members)`.
pub(crate) fn merge_windows(windows: &BTreeSet<Window>) -> Vec<(Window, Vec<Window>)> {
    let mut groups: Vec<(Window, Vec<Window>)> = Vec::new();
    // BTreeSet iterates by (start, end): sorted by start as Flink sorts.
    for &w in windows {
        match groups.last_mut() {
            Some((cur, members)) if intersects(*cur, w) => {
                *cur = cover(*cur, w);
                members.push(w);
            }
            _ => groups.push((w, vec![w])),
        }
    }
    groups.retain(|(_, members)| members.len() > 1);
    groups
}

/// What adding a proto-window to a key's live session windows does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Added {
    /// The window the element goes to (`actualWindow`).
    pub(crate) window: Window,
    /// Existing windows absorbed by a real merge (the merge function runs:
    /// F-17 guard, trigger `onMerge`, timers of these windows deleted).
    /// Empty when the proto-window is new and alone, or lies inside an
    /// existing window (Flink then skips the merge function).
    pub(crate) absorbed: Vec<Window>,
}

/// `MergingWindowSet.addWindow` without the state bookkeeping. `live` holds
/// a key's current session windows, pairwise non-intersecting.
pub(crate) fn add_window(live: &BTreeSet<Window>, proto: Window) -> Added {
    let mut all = live.clone();
    all.insert(proto);
    for (result, members) in merge_windows(&all) {
        if !members.contains(&proto) {
            continue; // cannot happen: live windows never intersect each other
        }
        let absorbed: Vec<Window> = members.into_iter().filter(|w| *w != proto || live.contains(w)).collect();
        // "don't merge the new window itself ... if we are only merging one
        // pre-existing window into itself without extending it"
        if absorbed.len() == 1 && absorbed[0] == result {
            return Added { window: result, absorbed: Vec::new() };
        }
        return Added { window: result, absorbed };
    }
    Added { window: proto, absorbed: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ws: &[(i64, i64)]) -> BTreeSet<Window> {
        ws.iter().map(|&(s, e)| Window::new(s, e)).collect()
    }

    #[test]
    fn touching_windows_merge() {
        // events 1000 and 4000 with gap 3000: [1000,4000) and [4000,7000) touch
        let a = add_window(&set(&[(1000, 4000)]), Window::new(4000, 7000));
        assert_eq!(a, Added { window: Window::new(1000, 7000), absorbed: vec![Window::new(1000, 4000)] });
    }

    #[test]
    fn bridging_element_merges_two_sessions() {
        let a = add_window(&set(&[(1000, 7500), (8500, 11500)]), Window::new(7000, 10000));
        assert_eq!(a.window, Window::new(1000, 11500));
        assert_eq!(a.absorbed, vec![Window::new(1000, 7500), Window::new(8500, 11500)]);
    }

    #[test]
    fn proto_inside_existing_is_no_merge() {
        let a = add_window(&set(&[(1000, 11500)]), Window::new(2000, 5000));
        assert_eq!(a, Added { window: Window::new(1000, 11500), absorbed: vec![] });
        let b = add_window(&set(&[(1000, 4000)]), Window::new(1000, 4000));
        assert_eq!(b, Added { window: Window::new(1000, 4000), absorbed: vec![] });
        let c = add_window(&set(&[(1000, 4000)]), Window::new(5000, 8000));
        assert_eq!(c, Added { window: Window::new(5000, 8000), absorbed: vec![] });
    }
}

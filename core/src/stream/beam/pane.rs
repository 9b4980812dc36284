//! Pane metadata (`PaneInfo`, B-4): timing, index, on-time index, first and
//! last flags, computed as Beam's `PaneInfoTracker.describePane` does.

use crate::stream::types::{EventTime, Timing};

/// What Beam's `PaneInfo` says about one pane of a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaneMeta {
    pub timing: Timing,
    /// `getIndex()`: 0-based count of the window's emitted panes.
    pub index: u32,
    /// `getNonSpeculativeIndex()`: counts ON_TIME and LATE panes; None (Beam's
    /// −1) for EARLY panes.
    pub on_time_index: Option<u32>,
    pub is_first: bool,
    pub is_last: bool,
}

/// The clocks a pane is described against.
#[derive(Clone, Copy, Debug)]
pub struct Clocks {
    /// The window's (effective) max timestamp, `end − 1`.
    pub max_ts: EventTime,
    /// Whether the input watermark is past `max_ts`.
    pub end_passed: bool,
    /// The output watermark when the firing started (input watermark held
    /// back by the windows' holds).
    pub output_wm: EventTime,
}

/// `describePane`: LATE once a non-EARLY pane was emitted or when no
/// output timestamp can be on time any more (`max_ts` before the output
/// watermark); otherwise EARLY while the input watermark has not passed the
/// end of the window; otherwise the unique ON_TIME pane.
pub fn describe(prev: Option<&PaneMeta>, c: Clocks, is_final: bool) -> PaneMeta {
    let is_first = prev.is_none();
    let index = prev.map_or(0, |p| p.index + 1);
    // Beam keeps −1 for EARLY panes, so the first non-EARLY pane gets 0.
    let non_spec = prev.map_or(0, |p| p.on_time_index.map_or(0, |i| i + 1));
    let late_for_output = c.max_ts < c.output_wm;
    let only_early = prev.is_none_or(|p| p.timing == Timing::Early);
    let (timing, on_time_index) = if late_for_output || !only_early {
        (Timing::Late, Some(non_spec))
    } else if !c.end_passed {
        (Timing::Early, None)
    } else {
        (Timing::OnTime, Some(non_spec))
    };
    PaneMeta { timing, index, on_time_index, is_first, is_last: is_final }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_on_time_late_sequence() {
        let c = Clocks { max_ts: 99, end_passed: false, output_wm: 0 };
        let p0 = describe(None, c, false);
        assert_eq!(p0, PaneMeta { timing: Timing::Early, index: 0, on_time_index: None, is_first: true, is_last: false });
        let c = Clocks { end_passed: true, ..c };
        let p1 = describe(Some(&p0), c, false);
        assert_eq!((p1.timing, p1.index, p1.on_time_index, p1.is_first), (Timing::OnTime, 1, Some(0), false));
        let p2 = describe(Some(&p1), c, true);
        assert_eq!((p2.timing, p2.index, p2.on_time_index, p2.is_last), (Timing::Late, 2, Some(1), true));
    }

    #[test]
    fn a_window_born_behind_the_output_watermark_is_late() {
        let c = Clocks { max_ts: 99, end_passed: true, output_wm: 200 };
        let p = describe(None, c, false);
        assert_eq!((p.timing, p.index, p.on_time_index, p.is_first), (Timing::Late, 0, Some(0), true));
    }
}

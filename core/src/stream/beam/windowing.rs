//! *Where* in event time (B-1): Beam's window functions `GlobalWindows`,
//! `FixedWindows`, `SlidingWindows` and `Sessions`, and the session merge
//! rule of `MergeOverlappingIntervalWindows` (B-7).

use crate::stream::types::{EventTime, SpecError, Window, WindowSpec, MAX_WATERMARK};

/// Beam's `GlobalWindow.maxTimestamp()` is `END_OF_GLOBAL_WINDOW`, one day
/// before the end of time, so the final watermark (+∞) is *after* it. We
/// keep the shared `Window::GLOBAL` and only shift the comparisons: the
/// global window's effective max timestamp is `MAX_WATERMARK - 1`.
pub fn max_ts(w: &Window) -> EventTime {
    if w.is_global() {
        MAX_WATERMARK - 1
    } else {
        w.end - 1
    }
}

/// A window function.
#[derive(Clone, Debug, PartialEq)]
pub enum WindowFn {
    Global,
    /// `FixedWindows.of(size).withOffset(offset)`.
    Fixed {
        size: EventTime,
        offset: EventTime,
    },
    /// `SlidingWindows.of(size).every(period).withOffset(offset)`.
    Sliding {
        size: EventTime,
        period: EventTime,
        offset: EventTime,
    },
    /// `Sessions.withGapDuration(gap)`: proto-window `[t, t + gap)`.
    Sessions {
        gap: EventTime,
    },
}

impl WindowFn {
    pub fn new(spec: &WindowSpec) -> Result<WindowFn, SpecError> {
        let positive = |v: EventTime, what: &str| {
            if v > 0 {
                Ok(v)
            } else {
                Err(SpecError::new(format!("window.{what}"), "must be positive"))
            }
        };
        Ok(match *spec {
            WindowSpec::Global => WindowFn::Global,
            WindowSpec::Tumbling { size, offset } => WindowFn::Fixed { size: positive(size, "size")?, offset },
            WindowSpec::Sliding { size, slide, offset } => WindowFn::Sliding { size: positive(size, "size")?, period: positive(slide, "slide")?, offset },
            WindowSpec::Session { gap } => WindowFn::Sessions { gap: positive(gap, "gap")? },
        })
    }

    pub fn is_merging(&self) -> bool {
        matches!(self, WindowFn::Sessions { .. })
    }

    /// The windows a record at `ts` is assigned to, in ascending order.
    /// Fixed: `start = ts - (ts - offset) mod size`; sliding: every
    /// `start = lastStart - k·period > ts - size` (`SlidingWindows.assignWindows`).
    pub fn assign(&self, ts: EventTime) -> Vec<Window> {
        match *self {
            WindowFn::Global => vec![Window::GLOBAL],
            WindowFn::Fixed { size, offset } => {
                // Saturating: extreme user timestamps must not panic.
                let start = ts.saturating_sub(ts.saturating_sub(offset).rem_euclid(size));
                vec![Window::new(start, start.saturating_add(size))]
            }
            WindowFn::Sliding { size, period, offset } => {
                let last = ts.saturating_sub(ts.saturating_sub(offset).rem_euclid(period));
                let mut out = Vec::new();
                let mut start = Some(last);
                while let Some(s) = start.filter(|s| *s > ts.saturating_sub(size)) {
                    out.push(Window::new(s, s.saturating_add(size)));
                    start = s.checked_sub(period);
                }
                out.reverse();
                out
            }
            WindowFn::Sessions { gap } => vec![Window::new(ts, ts.saturating_add(gap))],
        }
    }
}

/// Beam's `IntervalWindow.intersects`: strict overlap, so `[a, b)` and
/// `[b, c)` do **not** merge (B-7; Flink, Spark and Kafka Streams do).
pub fn overlaps(a: &Window, b: &Window) -> bool {
    a.start < b.end && b.start < a.end
}

/// The span of two windows.
pub fn span(a: &Window, b: &Window) -> Window {
    Window::new(a.start.min(b.start), a.end.max(b.end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_and_sliding() {
        let f = WindowFn::new(&WindowSpec::Tumbling { size: 120_000, offset: 0 }).unwrap();
        assert_eq!(f.assign(43_226_000), vec![Window::new(43_200_000, 43_320_000)]);
        assert_eq!(f.assign(-1), vec![Window::new(-120_000, 0)]);
        let s = WindowFn::new(&WindowSpec::Sliding { size: 3000, slide: 1000, offset: 0 }).unwrap();
        assert_eq!(s.assign(2500), vec![Window::new(0, 3000), Window::new(1000, 4000), Window::new(2000, 5000)]);
        assert!(WindowFn::new(&WindowSpec::Session { gap: 0 }).is_err());
        // Extreme timestamps do not panic.
        assert_eq!(f.assign(i64::MIN).len(), 1);
        let _ = s.assign(i64::MIN + 5);
        assert_eq!(s.assign(i64::MAX).len(), 3);
    }

    #[test]
    fn touching_sessions_do_not_merge() {
        assert!(!overlaps(&Window::new(0, 60), &Window::new(60, 120)));
        assert!(overlaps(&Window::new(0, 61), &Window::new(60, 120)));
        assert_eq!(max_ts(&Window::new(0, 60)), 59);
        assert_eq!(max_ts(&Window::GLOBAL), MAX_WATERMARK - 1);
    }
}

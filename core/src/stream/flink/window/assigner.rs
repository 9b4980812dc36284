//! Window assigners: which event-time windows an element belongs to
//! (`TumblingEventTimeWindows`, `SlidingEventTimeWindows`,
//! `EventTimeSessionWindows`, `GlobalWindows`).
//!
//! Arithmetic is done in `i128` so that timestamps near `i64::MIN`/`MAX`
//! never overflow; a window that does not fit in `i64` is simply not
//! assigned (Flink would overflow silently or throw for `Long.MIN_VALUE`).

use crate::stream::types::{EventTime, SpecError, Window, WindowSpec};

/// The window assigner of a job, validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Assigner {
    Tumbling {
        size: EventTime,
        offset: EventTime,
    },
    Sliding {
        size: EventTime,
        slide: EventTime,
        offset: EventTime,
    },
    Session {
        gap: EventTime,
    },
    /// `GlobalWindows`: one window `[MIN, MAX)` per key. Not an event-time
    /// assigner (`isEventTime() == false`): no lateness, no cleanup timer;
    /// with `EventTimeTrigger` it fires once, at `MAX_WATERMARK` (F-18).
    Global,
}

impl Assigner {
    /// Validates the job's windowing with Flink's own preconditions.
    pub(crate) fn from_spec(w: &WindowSpec) -> Result<Self, SpecError> {
        match *w {
            WindowSpec::Tumbling { size, offset } => {
                // TumblingEventTimeWindows: "parameters must satisfy abs(offset) < size" (F-8)
                if size <= 0 {
                    return Err(SpecError::new("window.size", "TumblingEventTimeWindows needs a positive size"));
                }
                if offset.unsigned_abs() >= size.unsigned_abs() {
                    return Err(SpecError::new("window.offset", "TumblingEventTimeWindows parameters must satisfy abs(offset) < size"));
                }
                Ok(Assigner::Tumbling { size, offset })
            }
            WindowSpec::Sliding { size, slide, offset } => {
                // SlidingEventTimeWindows: "abs(offset) < slide and size > 0" (F-9)
                if size <= 0 {
                    return Err(SpecError::new("window.size", "SlidingEventTimeWindows parameters must satisfy abs(offset) < slide and size > 0"));
                }
                if slide <= 0 {
                    return Err(SpecError::new("window.slide", "SlidingEventTimeWindows needs a positive slide"));
                }
                if offset.unsigned_abs() >= slide.unsigned_abs() {
                    return Err(SpecError::new("window.offset", "SlidingEventTimeWindows parameters must satisfy abs(offset) < slide and size > 0"));
                }
                Ok(Assigner::Sliding { size, slide, offset })
            }
            WindowSpec::Session { gap } => {
                if gap <= 0 {
                    return Err(SpecError::new("window.gap", "EventTimeSessionWindows parameters must satisfy 0 < size"));
                }
                Ok(Assigner::Session { gap })
            }
            WindowSpec::Global => Ok(Assigner::Global),
        }
    }

    /// `WindowAssigner.isEventTime()`: lateness and cleanup apply only then.
    pub(crate) fn is_event_time(&self) -> bool {
        !matches!(self, Assigner::Global)
    }

    /// `MergingWindowAssigner`: sessions merge their windows.
    pub(crate) fn is_merging(&self) -> bool {
        matches!(self, Assigner::Session { .. })
    }

    /// `assignWindows(element, timestamp)`. Sliding windows come
    /// newest-first, as Flink lists them (F-9); sessions get the proto-window
    /// `[ts, ts + gap)` that the merging window set then merges (F-10).
    pub(crate) fn assign(&self, ts: EventTime) -> Vec<Window> {
        match *self {
            Assigner::Tumbling { size, offset } => window_start(ts, offset, size).and_then(|s| fit(s as i128, size)).into_iter().collect(),
            Assigner::Sliding { size, slide, offset } => {
                let mut out = Vec::new();
                let Some(last_start) = window_start(ts, offset, slide) else { return out };
                let (ts, size, slide) = (ts as i128, size as i128, slide as i128);
                let mut start = last_start as i128;
                while start > ts - size {
                    if let Some(w) = fit(start, size as i64) {
                        out.push(w);
                    }
                    start -= slide;
                }
                out
            }
            Assigner::Session { gap } => fit(ts as i128, gap).into_iter().collect(),
            Assigner::Global => vec![Window::GLOBAL],
        }
    }
}

/// `[start, start + size)` if it fits in `i64`.
fn fit(start: i128, size: EventTime) -> Option<Window> {
    let s = i64::try_from(start).ok()?;
    let e = i64::try_from(start + size as i128).ok()?;
    Some(Window::new(s, e))
}

/// `TimeWindow.getWindowStartWithOffset` as in Flink 2.x (F-8), correct for
/// negative timestamps:
///
/// ```text
/// r = (ts - offset) % size;  start = r < 0 ? ts - (r + size) : ts - r
/// ```
///
/// Flink 1.x used `start = ts - (ts - offset + size) % size`, which is wrong
/// as soon as `ts - offset < -size` (Java's and Rust's `%` keep the sign of
/// the dividend): for ts = -1001, size 1000 it gives -1000 instead of -2000,
/// i.e. a window that does not contain the element (pitfall 8 of the
/// reference). `None` if the start does not fit in `i64`.
pub(crate) fn window_start(ts: EventTime, offset: EventTime, size: EventTime) -> Option<EventTime> {
    let (ts, offset, size) = (ts as i128, offset as i128, size as i128);
    let r = (ts - offset) % size;
    let start = if r < 0 { ts - (r + size) } else { ts - r };
    i64::try_from(start).ok()
}

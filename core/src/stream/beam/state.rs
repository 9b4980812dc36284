//! Per-(key, window) state: the buffered records, the trigger phase, the
//! last pane's metadata, the watermark hold, and — for accumulating &
//! retracting — the values still to be retracted.

use super::pane::PaneMeta;
use super::trigger::Phase;
use crate::stream::types::{Datum, EventTime, Window};
use crate::time::Micros;

/// One buffered input record.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub id: u64,
    pub value: Datum,
    /// Processing time the record reached the engine (drives
    /// `pastFirstElementInPane` timers).
    pub arrival: Micros,
    /// Already included in an emitted (or at least fired) pane.
    pub fired: bool,
}

/// A value that was emitted and may have to be retracted (B-5).
#[derive(Clone, Debug, PartialEq)]
pub struct Emitted {
    pub window: Window,
    pub value: Datum,
    pub inputs: Vec<u64>,
}

/// The state of one window of one key.
#[derive(Clone, Debug, PartialEq)]
pub struct WinState {
    /// In arrival order. Discarding mode drops records once fired;
    /// accumulating modes keep them, marked `fired`.
    pub items: Vec<Item>,
    pub phase: Phase,
    /// The last emitted pane (Beam's `PaneInfoTracker` state).
    pub prev: Option<PaneMeta>,
    /// The watermark hold this window places on the output watermark
    /// (`WatermarkHold`: element, end-of-window or garbage-collection hold).
    pub hold: Option<EventTime>,
    /// The last value emitted for this window (accumulating & retracting).
    pub last: Option<Emitted>,
    /// Last values of sessions merged into this one, retracted before this
    /// window's next pane (accumulating & retracting).
    pub retract: Vec<Emitted>,
}

impl WinState {
    pub fn new() -> Self {
        WinState { items: Vec::new(), phase: Phase::Early, prev: None, hold: None, last: None, retract: Vec::new() }
    }

    pub fn unfired(&self) -> usize {
        self.items.iter().filter(|i| !i.fired).count()
    }

    /// Arrival of the pane's first record: the start of a
    /// `pastFirstElementInPane` delay.
    pub fn first_unfired_arrival(&self) -> Option<Micros> {
        self.items.iter().filter(|i| !i.fired).map(|i| i.arrival).min()
    }

    pub fn add_hold(&mut self, at: EventTime) {
        self.hold = Some(self.hold.map_or(at, |h| h.min(at)));
    }

    /// Merges a merged-away window's state into this one (Beam's
    /// `ReduceFnRunner.onMerge`): buffered records and holds combine; the
    /// merged-away window's last value (and whatever it still had to
    /// retract) becomes ours to retract. Its pane metadata is dropped: the
    /// merge result "gets to start fresh if it is new".
    pub fn absorb(&mut self, other: WinState) {
        self.items.extend(other.items);
        self.items.sort_by_key(|i| (i.arrival, i.id));
        if let Some(h) = other.hold {
            self.add_hold(h);
        }
        self.retract.extend(other.retract);
        self.retract.extend(other.last);
    }
}

impl Default for WinState {
    fn default() -> Self {
        Self::new()
    }
}

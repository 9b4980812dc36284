//! What the aggregation stores per window and key, and what it forwards:
//! an update of the windowed KTable (`Record<Windowed<K>, Change<V>>`) or
//! a skipped record.

use crate::stream::types::{Aggregate, Datum, EventTime, Window};

/// The stored aggregate of one window and key: the values in processing
/// order (so `concat` prints `"+5+6"` as the Kafka test's
/// `MockAggregator.toStringInstance("+")` does) and the input ids they came
/// from. `ts` is the stored `ValueAndTimestamp` timestamp: the maximum
/// record timestamp so far (`KStreamWindowAggregate`: `max(record.ts,
/// oldAgg.ts)`); for sessions, the session end.
#[derive(Clone, Debug, PartialEq)]
pub struct Agg {
    pub values: Vec<Datum>,
    pub ids: Vec<u64>,
    pub ts: EventTime,
}

impl Agg {
    pub fn value(&self, a: &Aggregate) -> Datum {
        a.apply(&self.values)
    }
}

/// One record forwarded downstream by the aggregation (before the record
/// cache and `suppress`).
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    /// The generic window (`[start, end)`; sessions `[first, last + gap)`);
    /// None for an un-windowed KTable.
    pub window: Option<Window>,
    pub key: String,
    /// The new value, or for a tombstone the value being deleted.
    pub value: Datum,
    /// The forwarded record's timestamp (time windows: max record
    /// timestamp of the window; sessions: the session end).
    pub ts: EventTime,
    pub ids: Vec<u64>,
    /// A delete of a session merged into a bigger one (`Change(null, old)`).
    pub tombstone: bool,
    /// `suppress` buffer time (`WindowEndTimeDefinition`): window end;
    /// for sessions the inclusive session end.
    pub buffer_time: EventTime,
}

/// One outcome of processing a record, in Kafka's order (windows by start).
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Update(Update),
    /// "Skipping record for expired window": `window` is the generic window
    /// (sessions: the merged session the record would have joined).
    Expired {
        window: Window,
    },
}

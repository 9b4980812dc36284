//! The window store of `KStreamWindowAggregate` (K-1, K-2) and the
//! `onWindowClose` range fetch (K-4).

use super::time_windows::windows_for;
use super::update::{Agg, Step, Update};
use crate::stream::types::{Aggregate, Elem, EventTime, Window};
use std::collections::BTreeMap;

/// Windows of one task, keyed by (window start, key): the order of the
/// time-ordered window store that `onWindowClose` fetches from (by start,
/// then key; the `testJoin` emit-final outputs list A, B, C, D of a window).
#[derive(Clone, Debug, Default)]
pub struct TimeStore {
    pub size: EventTime,
    pub advance: EventTime,
    windows: BTreeMap<(EventTime, String), Agg>,
}

impl TimeStore {
    pub fn new(size: EventTime, advance: EventTime) -> Self {
        TimeStore { size, advance, windows: BTreeMap::new() }
    }

    /// `KStreamWindowAggregateProcessor.process` for one record: every
    /// window of the record whose end is after `close` (= streamTime −
    /// grace) is updated; the others are skipped ("Skipping record for
    /// expired window", one `dropped-records` count each).
    pub fn process(&mut self, agg: &Aggregate, e: &Elem, close: EventTime, steps: &mut Vec<Step>) {
        for (start, end) in windows_for(e.ts, self.size, self.advance) {
            let window = Window::new(start, end);
            if end > close {
                let slot = self.windows.entry((start, e.key.clone())).or_insert_with(|| Agg { values: Vec::new(), ids: Vec::new(), ts: e.ts });
                slot.ts = slot.ts.max(e.ts);
                slot.values.push(e.value.clone());
                slot.ids.push(e.id);
                steps.push(Step::Update(Update {
                    window: Some(window),
                    key: e.key.clone(),
                    value: slot.value(agg),
                    ts: slot.ts,
                    ids: slot.ids.clone(),
                    tombstone: false,
                    buffer_time: end,
                }));
            } else {
                steps.push(Step::Expired { window });
            }
        }
    }

    /// `windowStore.fetchAll(lower, upper)`: the windows whose start is in
    /// `[lower, upper]`, by start then key, as final results. They are
    /// removed: nothing can update them any more (their end ≤ close).
    pub fn take_final(&mut self, agg: &Aggregate, lower: EventTime, upper: EventTime) -> Vec<Update> {
        let keys: Vec<(EventTime, String)> =
            self.windows.range((lower, String::new())..).take_while(|((s, _), _)| *s <= upper).map(|(k, _)| k.clone()).collect();
        let mut out = Vec::new();
        for k in keys {
            if let Some(a) = self.windows.remove(&k) {
                let end = k.0.saturating_add(self.size);
                out.push(Update {
                    window: Some(Window::new(k.0, end)),
                    key: k.1,
                    value: a.value(agg),
                    ts: a.ts,
                    ids: a.ids,
                    tombstone: false,
                    buffer_time: end,
                });
            }
        }
        out
    }

    /// Forgets windows whose end is before `t`. With `t = close + 1` these
    /// are the windows no record can update any more, which is also what
    /// the store stops returning once they fall out of its retention
    /// (`size + grace` by default).
    pub fn purge(&mut self, t: EventTime) {
        let size = self.size;
        self.windows.retain(|(s, _), _| s.saturating_add(size) >= t);
    }
}

//! The session store of `KStreamSessionWindowAggregate` (K-5).
//!
//! Kafka sessions are `[first, last]` with an inclusive end; a record at
//! `ts` merges with every session of its key found by `findSessions(key,
//! ts − gap, ts + gap)` (session end ≥ ts − gap and start ≤ ts + gap), so
//! two records exactly `gap` apart are in one session. The simulator shows
//! a session as the generic half-open window `[first, last + gap)` (what
//! Flink, Spark and Beam call the same session, and what the oracle
//! expects); the inclusive Kafka end is the result's timestamp.

use super::update::{Agg, Step, Update};
use crate::stream::types::{Aggregate, Elem, EventTime, Window};
use std::collections::BTreeMap;

/// Sessions of one task by (key, end, start): `findSessions` returns a
/// key's sessions by end time.
#[derive(Clone, Debug, Default)]
pub struct SessionStore {
    pub gap: EventTime,
    sessions: BTreeMap<(String, EventTime, EventTime), Agg>,
}

impl SessionStore {
    pub fn new(gap: EventTime) -> Self {
        SessionStore { gap, sessions: BTreeMap::new() }
    }

    fn window(&self, first: EventTime, last: EventTime) -> Window {
        Window::new(first, last.saturating_add(self.gap))
    }

    fn update(&self, key: &str, first: EventTime, last: EventTime, a: &Agg, agg: &Aggregate, tombstone: bool) -> Update {
        Update { window: Some(self.window(first, last)), key: key.to_string(), value: a.value(agg), ts: last, ids: a.ids.clone(), tombstone, buffer_time: last }
    }

    /// One record: merge with the sessions within `gap`, drop it if the
    /// merged session ended before `close` (= streamTime − grace − gap,
    /// `mergedWindow.end() < windowCloseTime`), else delete the merged
    /// sessions (tombstones) and put the new one.
    pub fn process(&mut self, agg: &Aggregate, e: &Elem, close: EventTime, steps: &mut Vec<Step>) {
        let lo = e.ts.saturating_sub(self.gap);
        let hi = e.ts.saturating_add(self.gap);
        let found: Vec<((String, EventTime, EventTime), Agg)> = self
            .sessions
            .range((e.key.clone(), lo, EventTime::MIN)..=(e.key.clone(), EventTime::MAX, EventTime::MAX))
            .filter(|((_, _, start), _)| *start <= hi)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let (mut first, mut last) = (e.ts, e.ts);
        for ((_, end, start), _) in &found {
            first = first.min(*start);
            last = last.max(*end);
        }
        if last < close {
            steps.push(Step::Expired { window: self.window(first, last) });
            return;
        }
        let grew = (first, last) != (e.ts, e.ts);
        let mut merged = Agg { values: Vec::new(), ids: Vec::new(), ts: last };
        for (k, a) in found {
            self.sessions.remove(&k);
            if grew {
                steps.push(Step::Update(self.update(&k.0, k.2, k.1, &a, agg, true)));
            }
            merged.values.extend(a.values);
            merged.ids.extend(a.ids);
        }
        merged.values.push(e.value.clone());
        merged.ids.push(e.id);
        steps.push(Step::Update(self.update(&e.key, first, last, &merged, agg, false)));
        self.sessions.insert((e.key.clone(), last, first), merged);
    }

    /// `findSessions(lower, upper)` on the time-ordered session store: the
    /// sessions whose end is in `[lower, upper]`, by end, key, start.
    pub fn closed(&self, agg: &Aggregate, lower: EventTime, upper: EventTime) -> Vec<Update> {
        let mut hits: Vec<(EventTime, &String, EventTime, &Agg)> =
            self.sessions.iter().filter(|((_, end, _), _)| *end >= lower && *end <= upper).map(|((k, end, start), a)| (*end, k, *start, a)).collect();
        hits.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
        hits.into_iter().map(|(end, k, start, a)| self.update(k, start, end, a, agg, false)).collect()
    }

    /// Forgets sessions that ended before `t`. With `t = close + 1` this
    /// is the session store's retention (`gap + grace` by default: the store
    /// stops returning sessions with `end < streamTime − retention + 1`), so
    /// a late record near an expired session starts a new one, as in Kafka.
    /// Simplification: the store's own stream time (max session end put)
    /// is taken to be the task's.
    pub fn purge(&mut self, t: EventTime) {
        self.sessions.retain(|(_, end, _), _| *end >= t);
    }
}

//! The ideal answer: every input once, windowed by event time with the
//! generic rules, aggregated in processing order (so `concat` lists values
//! as they arrived).

use super::IdealRow;
use crate::stream::types::{Datum, Elem, EventTime, JobShape, Window, WindowSpec};
use std::collections::BTreeMap;

/// Elements with their processing-order position.
type Members<'a> = Vec<(usize, &'a Elem)>;

/// The inputs without redeliveries: for each id, the elements of its first
/// arrival (a `flatMap` gives several elements one id and one arrival; a
/// replayed record arrives again later), in processing order (arrival,
/// then position in `inputs`).
pub fn dedupe(inputs: &[Elem]) -> Vec<&Elem> {
    let mut first: BTreeMap<u64, u64> = BTreeMap::new();
    for e in inputs {
        let a = first.entry(e.id).or_insert(e.arrival);
        *a = (*a).min(e.arrival);
    }
    let mut kept: Vec<(usize, &Elem)> = inputs.iter().enumerate().filter(|(_, e)| first.get(&e.id) == Some(&e.arrival)).collect();
    kept.sort_by_key(|(i, e)| (e.arrival, *i));
    kept.into_iter().map(|(_, e)| e).collect()
}

/// The fixed windows containing `ts`, by start: tumbling `start = ts −
/// (ts − offset) mod size`; sliding: every `[s, s + size)` with `s ≡
/// offset (mod slide)` and `ts − size < s ≤ ts` (Flink's
/// `SlidingEventTimeWindows`, without its negative-timestamp pitfall).
/// Global: the global window. Sessions have no fixed windows (empty).
pub fn windows_of(spec: &WindowSpec, ts: EventTime) -> Vec<Window> {
    let start_of = |size: EventTime, offset: EventTime| -> EventTime {
        let r = (i128::from(ts) - i128::from(offset)).rem_euclid(i128::from(size)) as i64;
        ts.saturating_sub(r)
    };
    match *spec {
        WindowSpec::Global => vec![Window::GLOBAL],
        WindowSpec::Tumbling { size, offset } if size > 0 => {
            let s = start_of(size, offset);
            vec![Window::new(s, s.saturating_add(size))]
        }
        WindowSpec::Sliding { size, slide, offset } if size > 0 && slide > 0 => {
            let mut out = Vec::new();
            let mut s = start_of(slide, offset);
            while s > ts.saturating_sub(size) {
                out.push(Window::new(s, s.saturating_add(size)));
                match s.checked_sub(slide) {
                    Some(n) => s = n,
                    None => break,
                }
            }
            out.reverse();
            out
        }
        _ => Vec::new(),
    }
}

/// The ideal rows of a job over `inputs`, sorted by (window, key). Global
/// aggregations give `window: None`. Sessions: per key, proto-windows
/// `[ts, ts + gap)` merge when they overlap, and when they touch iff
/// `sessions_merge_touching` (Beam: false, B-7; Flink/Spark/Kafka: true).
pub fn ideal(shape: &JobShape, sessions_merge_touching: bool, inputs: &[Elem]) -> Vec<IdealRow> {
    let elems = dedupe(inputs);
    // (window, key) → (processing-order position, element)
    let mut rows: BTreeMap<(Option<Window>, String), Members> = BTreeMap::new();
    match shape.window {
        WindowSpec::Session { gap } => {
            let mut by_key: BTreeMap<&str, Members> = BTreeMap::new();
            for (i, e) in elems.iter().enumerate() {
                by_key.entry(e.key.as_str()).or_default().push((i, e));
            }
            for (key, mut es) in by_key {
                es.sort_by_key(|(i, e)| (e.ts, *i));
                let mut cur: Option<(EventTime, EventTime, Members)> = None;
                for (i, e) in es {
                    let end = e.ts.saturating_add(gap.max(0));
                    match &mut cur {
                        Some((_, cend, members)) if e.ts < *cend || (sessions_merge_touching && e.ts == *cend) => {
                            *cend = (*cend).max(end);
                            members.push((i, e));
                        }
                        _ => {
                            if let Some((s, en, m)) = cur.take() {
                                rows.insert((Some(Window::new(s, en)), key.to_string()), m);
                            }
                            cur = Some((e.ts, end, vec![(i, e)]));
                        }
                    }
                }
                if let Some((s, en, m)) = cur {
                    rows.insert((Some(Window::new(s, en)), key.to_string()), m);
                }
            }
        }
        ref spec => {
            for (i, e) in elems.iter().enumerate() {
                for w in windows_of(spec, e.ts) {
                    let w = if w.is_global() { None } else { Some(w) };
                    rows.entry((w, e.key.clone())).or_default().push((i, e));
                }
            }
        }
    }
    rows.into_iter()
        .map(|((window, key), mut members)| {
            members.sort_by_key(|(i, _)| *i);
            let values: Vec<&Datum> = members.iter().map(|(_, e)| &e.value).collect();
            let mut ids: Vec<u64> = members.iter().map(|(_, e)| e.id).collect();
            ids.sort_unstable();
            ids.dedup();
            IdealRow { window, key, value: shape.aggregate.apply(values), inputs: ids }
        })
        .collect()
}

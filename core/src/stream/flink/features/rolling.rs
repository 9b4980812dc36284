//! A rolling (moving) average over event time, per key.
//!
//! For an element at `ts` the feature is the mean of the key's buffered
//! values with timestamps in `(ts - window, ts]` (the element included;
//! later timestamps excluded, so a feature never leaks the future, the
//! "point-in-time correctness" of feature stores). It is emitted as a
//! [`Pane`] without a window, timestamped `ts`.
//!
//! State is evicted by the watermark: a value at `t` can matter only to
//! elements with `ts < t + window`; since nothing `<= wm` is expected
//! (F-1), it is dropped once `t + window - 1 <= wm` (the same test as a
//! window's `maxTimestamp <= wm`, F-11).
//!
//! How stream anomalies distort it:
//! - a **late** element (`ts <= wm`) is still scored, but the values of its
//!   window older than `wm - window + 1` may already be evicted: its average
//!   is computed over an incomplete window, and it is never corrected;
//! - a **duplicate** (the same record delivered twice: an at-least-once
//!   source, a replay after a failure without exactly-once) is buffered
//!   twice and weighs double in every average it falls into;
//! - an element arriving **out of order** but not late is fine for itself,
//!   but the averages already emitted for later timestamps did not include
//!   it (earlier outputs are not revised).

use crate::stream::types::{Datum, Elem, EventTime, Operator, Out, Pane, SpecError, MIN_WATERMARK};
use crate::time::{Duration, Micros};
use serde::Deserialize;
use std::collections::BTreeMap;

/// `rolling = { window = "1m" }` in `[jobs.flink]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollingSpec {
    /// The event-time span averaged over, ending at each element's
    /// timestamp (inclusive). Whole milliseconds, positive; default `"1m"`.
    #[serde(default = "default_window")]
    pub window: Duration,
}

fn default_window() -> Duration {
    Duration::from_secs(60)
}

impl Default for RollingSpec {
    fn default() -> Self {
        RollingSpec { window: default_window() }
    }
}

/// One buffered value: `(ts, arrival seq) -> (record id, value)`.
type Buffer = BTreeMap<(EventTime, u64), (u64, f64)>;

/// The rolling-average operator.
#[derive(Clone, Debug)]
pub struct RollingAverage {
    /// Window length in ms.
    window: EventTime,
    wm: EventTime,
    seq: u64,
    state: BTreeMap<String, Buffer>,
    late: u64,
}

impl RollingAverage {
    pub fn new(spec: &RollingSpec) -> Result<Self, SpecError> {
        let us = spec.window.0;
        if us == 0 || !us.is_multiple_of(1000) {
            return Err(SpecError::new("rolling.window", "the rolling window must be a positive whole number of milliseconds"));
        }
        let window = i64::try_from(us / 1000).map_err(|_| SpecError::new("rolling.window", "the rolling window is too large"))?;
        Ok(RollingAverage { window, wm: MIN_WATERMARK, seq: 0, state: BTreeMap::new(), late: 0 })
    }

    /// Values held in state, over all keys.
    pub fn buffered(&self) -> usize {
        self.state.values().map(|b| b.len()).sum()
    }
    /// Elements that arrived at or behind the watermark (scored anyway).
    pub fn late_elements(&self) -> u64 {
        self.late
    }
}

impl Operator for RollingAverage {
    fn on_element(&mut self, pt: Micros, e: Elem, out: &mut Vec<Out>) {
        if e.ts <= self.wm {
            self.late += 1;
        }
        self.seq += 1;
        let buf = self.state.entry(e.key.clone()).or_default();
        buf.insert((e.ts, self.seq), (e.id, e.value.as_f64()));
        let lo = e.ts.saturating_sub(self.window);
        let (mut sum, mut ids) = (0.0, Vec::new());
        for (_, (id, v)) in buf.range((lo, u64::MAX)..=(e.ts, u64::MAX)) {
            sum += v;
            ids.push(*id);
        }
        // the element itself is always in range, so the count is >= 1
        let avg = sum / ids.len() as f64;
        let mut pane = Pane::plain(None, e.key, Datum::Float(avg), e.ts, pt);
        pane.inputs = ids;
        out.push(Out::Pane(pane));
    }

    fn on_watermark(&mut self, _pt: Micros, wm: EventTime, _out: &mut Vec<Out>) {
        if wm <= self.wm {
            return;
        }
        self.wm = wm;
        // keep t with t + window - 1 > wm, i.e. t >= wm - window + 2
        let keep_from = (wm as i128 - self.window as i128 + 2).clamp(i64::MIN as i128, i64::MAX as i128) as i64;
        for buf in self.state.values_mut() {
            *buf = buf.split_off(&(keep_from, 0));
        }
        self.state.retain(|_, b| !b.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct H {
        op: RollingAverage,
        pt: Micros,
    }
    impl H {
        fn el(&mut self, id: u64, ts: EventTime, v: i64) -> (f64, Vec<u64>) {
            self.pt += 1;
            let mut out = Vec::new();
            self.op.on_element(self.pt, Elem { id, key: "s1".into(), value: Datum::Int(v), ts, arrival: self.pt }, &mut out);
            match out.pop() {
                Some(Out::Pane(p)) => match p.value {
                    Datum::Float(x) => (x, p.inputs),
                    _ => panic!("float expected"),
                },
                _ => panic!("pane expected"),
            }
        }
        fn wm(&mut self, wm: EventTime) {
            self.pt += 1;
            self.op.on_watermark(self.pt, wm, &mut Vec::new());
        }
    }

    fn h() -> H {
        let spec: RollingSpec = toml::from_str("window = \"10s\"").unwrap();
        H { op: RollingAverage::new(&spec).unwrap(), pt: 0 }
    }

    /// Window 10 s: values 2, 4, 6 at 0, 4 s, 8 s average 2, 3, 4; at 12 s
    /// the value at 0 has left the window: (4 + 6 + 8) / 3 = 6.
    #[test]
    fn rolling_average_hand_computed() {
        let mut h = h();
        assert_eq!(h.el(0, 0, 2), (2.0, vec![0]));
        assert_eq!(h.el(1, 4000, 4), (3.0, vec![0, 1]));
        assert_eq!(h.el(2, 8000, 6), (4.0, vec![0, 1, 2]));
        assert_eq!(h.el(3, 12000, 8), (6.0, vec![1, 2, 3]));
        // boundary: (ts - window, ts] excludes exactly ts - window
        assert_eq!(h.el(4, 14000, 10), (8.0, vec![2, 3, 4]));
    }

    /// A duplicated record (same id, delivered twice) weighs double: the
    /// average at 8 s becomes (2 + 4 + 6 + 6) / 4 = 4.5 instead of 4, and
    /// at 14 s (6 + 6 + 8 + 10) / 4 = 7.5 instead of 8.
    #[test]
    fn duplicate_distorts_the_average() {
        let mut h = h();
        h.el(0, 0, 2);
        h.el(1, 4000, 4);
        assert_eq!(h.el(2, 8000, 6), (4.0, vec![0, 1, 2]));
        h.el(3, 12000, 8);
        assert_eq!(h.el(2, 8000, 6), (4.5, vec![0, 1, 2, 2]));
        assert_eq!(h.el(4, 14000, 10), (7.5, vec![2, 2, 3, 4]));
    }

    /// Eviction by the watermark and a late record: from wm 9999 on the value
    /// at 0 is gone (0 + 10000 - 1 <= wm), so a late value 3 at 5 s
    /// averages (4 + 3) / 2 = 3.5, where the complete window (-5 s, 5 s]
    /// would give (2 + 4 + 3) / 3 = 3.
    #[test]
    fn watermark_evicts_and_late_records_see_incomplete_windows() {
        let mut h = h();
        h.el(0, 0, 2);
        h.el(1, 4000, 4);
        h.el(2, 8000, 6);
        // the value at 0 matters only to timestamps <= 9999
        h.wm(9998);
        assert_eq!(h.op.buffered(), 3);
        h.wm(9999);
        assert_eq!(h.op.buffered(), 2);
        h.wm(13000);
        assert_eq!(h.op.buffered(), 2);
        assert_eq!(h.el(3, 5000, 3), (3.5, vec![1, 3]));
        assert_eq!(h.op.late_elements(), 1);
        h.wm(1_000_000);
        assert_eq!(h.op.buffered(), 0);
    }

    #[test]
    fn spec_errors() {
        assert_eq!(RollingAverage::new(&RollingSpec { window: Duration(0) }).unwrap_err().field, "rolling.window");
        assert_eq!(RollingAverage::new(&RollingSpec { window: Duration(1500) }).unwrap_err().field, "rolling.window");
        assert!(toml::from_str::<RollingSpec>("size = \"1m\"").is_err());
        assert_eq!(toml::from_str::<RollingSpec>("").unwrap(), RollingSpec::default());
    }
}

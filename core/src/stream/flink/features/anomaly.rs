//! The "model inference" step: a per-key streaming anomaly detector.
//!
//! Per key it keeps an exponentially weighted mean and variance (West /
//! Finch's incremental form, smoothing factor `alpha`):
//!
//! ```text
//! first value:  mean = x, var = 0
//! afterwards:   d = x - mean;  mean += alpha * d;  var = (1 - alpha) * (var + alpha * d * d)
//! ```
//!
//! Each incoming value is scored *before* it updates the state:
//! `z = (x - mean) / sqrt(var)`. Once `warmup` values of the key have been
//! absorbed, `|z| >= threshold` emits an alert [`Pane`] (no window; value =
//! z rounded to 3 decimals; timestamp = the element's). A zero variance
//! (constant history) gives no z: the value is counted as unscored.
//!
//! Determinism: plain `f64` arithmetic and `f64::sqrt`, which IEEE 754
//! requires to be correctly rounded, so results are identical on every
//! platform, native and wasm.
//!
//! What stream processing does to it: the state follows *arrival* order,
//! not event time (an out-of-order or late value is scored against a
//! history that already contains later values); a duplicate is absorbed
//! twice; and a spike inflates the variance so that a second spike soon
//! after is masked (shown in the tests).

use crate::stream::types::{Datum, Elem, EventTime, Operator, Out, Pane, SpecError};
use crate::time::Micros;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `anomaly = { alpha = 0.1, threshold = 3.0, warmup = 10 }` in
/// `[jobs.flink]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnomalySpec {
    /// Smoothing factor of the exponentially weighted mean and variance,
    /// in (0, 1]: the weight of the newest value. Default 0.1.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Alert when `|z| >= threshold`. Positive; default 3.0.
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// Values of a key absorbed before it is scored at all. Default 10.
    #[serde(default = "default_warmup")]
    pub warmup: u64,
}

fn default_alpha() -> f64 {
    0.1
}
fn default_threshold() -> f64 {
    3.0
}
fn default_warmup() -> u64 {
    10
}

impl Default for AnomalySpec {
    fn default() -> Self {
        AnomalySpec { alpha: default_alpha(), threshold: default_threshold(), warmup: default_warmup() }
    }
}

/// The detector's counters (for the report and the views).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AnomalyCounts {
    /// Elements received.
    pub seen: u64,
    /// Elements scored (past warmup, non-zero variance).
    pub scored: u64,
    /// Past warmup but not scorable: zero variance.
    pub unscored: u64,
    /// Alerts emitted.
    pub alerts: u64,
    /// Non-numeric or non-finite values, ignored.
    pub ignored: u64,
}

/// Exponentially weighted moments of one key.
#[derive(Clone, Debug, Default, PartialEq)]
struct Moments {
    n: u64,
    mean: f64,
    var: f64,
}

/// The anomaly-detector operator.
#[derive(Clone, Debug)]
pub struct AnomalyDetector {
    alpha: f64,
    threshold: f64,
    warmup: u64,
    state: BTreeMap<String, Moments>,
    counts: AnomalyCounts,
}

impl AnomalyDetector {
    pub fn new(spec: &AnomalySpec) -> Result<Self, SpecError> {
        if !(spec.alpha > 0.0 && spec.alpha <= 1.0) {
            return Err(SpecError::new("anomaly.alpha", "alpha must be in (0, 1]"));
        }
        if !(spec.threshold.is_finite() && spec.threshold > 0.0) {
            return Err(SpecError::new("anomaly.threshold", "threshold must be a positive number"));
        }
        Ok(AnomalyDetector { alpha: spec.alpha, threshold: spec.threshold, warmup: spec.warmup, state: BTreeMap::new(), counts: AnomalyCounts::default() })
    }

    pub fn counts(&self) -> AnomalyCounts {
        self.counts
    }

    /// The current (mean, variance, values absorbed) of a key.
    pub fn moments(&self, key: &str) -> Option<(f64, f64, u64)> {
        self.state.get(key).map(|m| (m.mean, m.var, m.n))
    }
}

/// Rounds to 3 decimals (ties away from zero), as the alert prints.
fn round3(z: f64) -> f64 {
    (z * 1000.0).round() / 1000.0
}

impl Operator for AnomalyDetector {
    fn on_element(&mut self, pt: Micros, e: Elem, out: &mut Vec<Out>) {
        self.counts.seen += 1;
        let x = match &e.value {
            Datum::Int(i) => *i as f64,
            Datum::Float(f) => *f,
            Datum::Text(s) => s.trim().parse().unwrap_or(f64::NAN),
        };
        if !x.is_finite() {
            self.counts.ignored += 1;
            return;
        }
        let m = self.state.entry(e.key.clone()).or_default();
        // score against the state before this value
        if m.n > 0 && m.n >= self.warmup {
            let sd = m.var.sqrt();
            if sd > 0.0 {
                self.counts.scored += 1;
                let z = (x - m.mean) / sd;
                if z.abs() >= self.threshold {
                    self.counts.alerts += 1;
                    let mut pane = Pane::plain(None, e.key.clone(), Datum::Float(round3(z)), e.ts, pt);
                    pane.inputs = vec![e.id];
                    out.push(Out::Pane(pane));
                }
            } else {
                self.counts.unscored += 1;
            }
        }
        if m.n == 0 {
            m.mean = x;
            m.var = 0.0;
        } else {
            let d = x - m.mean;
            let incr = self.alpha * d;
            m.mean += incr;
            m.var = (1.0 - self.alpha) * (m.var + d * incr);
        }
        m.n += 1;
    }

    /// The detector keeps no event-time state: watermarks change nothing.
    fn on_watermark(&mut self, _pt: Micros, _wm: EventTime, _out: &mut Vec<Out>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(op: &mut AnomalyDetector, key: &str, values: &[i64]) -> Vec<Pane> {
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let ts = i as i64 * 1000;
            op.on_element(ts as u64, Elem { id: i as u64, key: key.into(), value: Datum::Int(*v), ts, arrival: ts as u64 }, &mut out);
        }
        out.into_iter().map(|o| if let Out::Pane(p) = o { p } else { panic!("pane expected") }).collect()
    }

    /// alpha 0.5, warmup 3, threshold 3 on 10, 12, 10, 12, 30, 12, 30:
    /// mean/var go (10, 0), (11, 1), (10.5, 0.75); 12 scores
    /// 1.5 / sqrt(0.75) = 1.732 (no alert) -> (11.25, 0.9375); the spike 30
    /// scores 18.75 / sqrt(0.9375) = 19.365 -> alert. The state becomes
    /// (20.625, 88.359375): the second spike scores only 0.997 (masked).
    #[test]
    fn spike_raises_an_alert_and_masks_the_next_one() {
        let spec: AnomalySpec = toml::from_str("alpha = 0.5\nthreshold = 3.0\nwarmup = 3").unwrap();
        let mut op = AnomalyDetector::new(&spec).unwrap();
        let alerts = feed(&mut op, "s1", &[10, 12, 10, 12, 30]);
        assert_eq!(alerts.len(), 1);
        let a = &alerts[0];
        assert_eq!((a.key.as_str(), &a.value, a.out_ts, a.window, a.inputs.clone()), ("s1", &Datum::Float(19.365), 4000, None, vec![4]));
        assert_eq!(a.value.to_string(), "19.365");
        assert_eq!(op.moments("s1"), Some((20.625, 88.359375, 5)));
        assert!(feed(&mut op, "s1", &[12, 30]).is_empty());
        assert_eq!(op.counts(), AnomalyCounts { seen: 7, scored: 4, unscored: 0, alerts: 1, ignored: 0 });
    }

    /// Warmup and zero variance: a constant history cannot score, and keys
    /// are independent.
    #[test]
    fn warmup_zero_variance_and_keys() {
        let mut op = AnomalyDetector::new(&AnomalySpec { alpha: 0.5, threshold: 3.0, warmup: 2 }).unwrap();
        assert!(feed(&mut op, "a", &[5, 5, 5, 100]).is_empty());
        assert_eq!(op.counts().unscored, 2);
        // key b starts from scratch: 100 is its first value
        assert!(feed(&mut op, "b", &[100]).is_empty());
        assert_eq!(op.moments("b"), Some((100.0, 0.0, 1)));
        // 'a' now has variance: (1 - 0.5) * (0 + 95 * 47.5) = 2256.25, mean 52.5
        assert_eq!(op.moments("a"), Some((52.5, 2256.25, 4)));
    }

    #[test]
    fn spec_errors() {
        assert_eq!(toml::from_str::<AnomalySpec>("").unwrap(), AnomalySpec::default());
        assert!(toml::from_str::<AnomalySpec>("beta = 1").is_err());
        let bad = |a: f64, t: f64| AnomalyDetector::new(&AnomalySpec { alpha: a, threshold: t, warmup: 1 }).unwrap_err().field;
        assert_eq!(bad(0.0, 3.0), "anomaly.alpha");
        assert_eq!(bad(1.5, 3.0), "anomaly.alpha");
        assert_eq!(bad(f64::NAN, 3.0), "anomaly.alpha");
        assert_eq!(bad(0.1, 0.0), "anomaly.threshold");
        assert_eq!(bad(0.1, f64::INFINITY), "anomaly.threshold");
    }
}

//! Spark Streaming's legacy DStreams: `reduceByKeyAndWindow(func,
//! windowDuration, slideDuration)` over a receiver stream (rules D-1..D-4).
//!
//! There is no event time here: the input is chopped into one RDD per
//! batch interval by *arrival* (D-1) — batch time `B` holds the records that
//! arrived in `[B − batchInterval, B)` — and the windowed stream computes at
//! every batch time `T` that is a multiple of `slideDuration` (the context
//! starts at processing time 0, so batch times are epoch-aligned). Its
//! window unions the batches with times in `[T − windowDuration +
//! batchInterval, T]` (`WindowedDStream.compute`, D-3), i.e. the records
//! that arrived in `[T − windowDuration, T)`. Event timestamps are ignored:
//! a record that is an hour late in event time is counted in whatever
//! window it arrives in. Both durations must be multiples of the batch
//! interval (D-2, `WindowedDStream` throws otherwise).
//!
//! Results are emitted at the batch time `T` (a DStream job's own run time
//! is not modelled), one per key present in the window, by key. A window
//! with no records outputs nothing. `Pane.window` is the processing-time
//! window in milliseconds since the run start (clamped at 0: no batches
//! exist before the context started); `Pane.batch` is the batch number
//! `T / batchInterval`.

use crate::stream::types::{Aggregate, Datum, Elem, Engine, EventTime, JobShape, Out, Pane, SpecError, Window, WindowSpec};
use crate::time::{Duration, Micros};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The `[jobs.dstream]` table.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DStreamSpec {
    /// `batchInterval` of the `StreamingContext` (e.g. `"10s"`; required).
    #[serde(rename = "batchInterval")]
    pub batch_interval: Duration,
    /// `windowDuration` of `reduceByKeyAndWindow`; a multiple of the batch
    /// interval. Default: one batch interval (a plain `reduceByKey`).
    #[serde(rename = "windowDuration", default)]
    pub window_duration: Option<Duration>,
    /// `slideDuration`; a multiple of the batch interval. Default: one
    /// batch interval (the parent's slide, as in Spark).
    #[serde(rename = "slideDuration", default)]
    pub slide_duration: Option<Duration>,
}

/// A windowed DStream job.
#[derive(Clone, Debug)]
pub struct DStreamEngine {
    batch: Micros,
    window: Micros,
    slide: Micros,
    aggregate: Aggregate,
    /// Received records (arrival, record), in arrival order; records no
    /// future window needs are dropped.
    buffer: Vec<(Micros, Elem)>,
    /// The next batch time at which the windowed stream may compute.
    next: Micros,
}

impl DStreamEngine {
    pub fn new(shape: &JobShape, spec: &DStreamSpec) -> Result<Self, SpecError> {
        if shape.window != WindowSpec::Global {
            return Err(SpecError::new("window", "DStreams have no event-time windows; set windowDuration/slideDuration in [jobs.dstream]"));
        }
        let batch = spec.batch_interval.0;
        if batch == 0 {
            return Err(SpecError::new("batchInterval", "the batch interval must be positive"));
        }
        let window = spec.window_duration.map_or(batch, |d| d.0);
        let slide = spec.slide_duration.map_or(batch, |d| d.0);
        for (field, d) in [("windowDuration", window), ("slideDuration", slide)] {
            if d == 0 || !d.is_multiple_of(batch) {
                return Err(SpecError::new(
                    field,
                    format!("{field} {} must be a positive multiple of the batch interval {} (D-2)", Duration(d), spec.batch_interval),
                ));
            }
        }
        Ok(DStreamEngine { batch, window, slide, aggregate: shape.aggregate.clone(), buffer: Vec::new(), next: slide })
    }

    /// The first window time `T ≥ self.next` whose window holds a record.
    fn due(&self) -> Option<Micros> {
        self.buffer.iter().find_map(|(a, _)| {
            // smallest multiple of the slide after the arrival, not before `next`
            let t = self.next.max((a / self.slide + 1).saturating_mul(self.slide));
            (t.saturating_sub(self.window) <= *a).then_some(t)
        })
    }

    fn compute(&mut self, t: Micros, out: &mut Vec<Out>) {
        let from = t.saturating_sub(self.window);
        let mut by_key: BTreeMap<&str, (Vec<&Datum>, Vec<u64>)> = BTreeMap::new();
        for (a, e) in &self.buffer {
            if *a >= from && *a < t {
                let entry = by_key.entry(e.key.as_str()).or_default();
                entry.0.push(&e.value);
                entry.1.push(e.id);
            }
        }
        let ms = |us: Micros| (us / 1000) as EventTime;
        let window = Window::new(ms(from), ms(t));
        for (key, (values, ids)) in by_key {
            let mut p = Pane::plain(Some(window), key.to_string(), self.aggregate.apply(values), window.max_timestamp(), t);
            p.batch = Some(t / self.batch);
            p.inputs = ids;
            out.push(Out::Pane(p));
        }
        self.next = t.saturating_add(self.slide);
        let keep_from = self.next.saturating_sub(self.window);
        self.buffer.retain(|(a, _)| *a >= keep_from);
    }
}

impl Engine for DStreamEngine {
    fn on_record(&mut self, pt: Micros, _channel: u32, e: Elem, _out: &mut Vec<Out>) {
        self.buffer.push((pt, e));
    }
    /// Ignored: DStreams know no event time.
    fn on_watermark(&mut self, _pt: Micros, _channel: u32, _wm: EventTime, _out: &mut Vec<Out>) {}
    /// Nothing to do: windows still holding records keep computing.
    fn on_end_of_input(&mut self, _pt: Micros, _out: &mut Vec<Out>) {}
    fn next_wakeup(&self) -> Option<Micros> {
        self.due()
    }
    fn on_wakeup(&mut self, pt: Micros, out: &mut Vec<Out>) {
        while let Some(t) = self.due().filter(|t| *t <= pt) {
            self.compute(t, out);
        }
    }
}

/// `Time: 30000 ms [0, 30000): (spark,3)` — Spark's `DStream.print()` header
/// (batch time in ms, here since the run start) with the window's
/// processing-time bounds in ms and the `(key,value)` tuple.
pub fn format_out(out: &Out) -> Option<String> {
    match out {
        Out::Pane(p) => {
            let w = p.window?;
            Some(format!("Time: {} ms [{}, {}): ({},{})", p.emit / 1000, w.start, w.end, p.key, p.value))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000;

    fn shape() -> JobShape {
        JobShape { name: "wc".into(), window: WindowSpec::Global, aggregate: Aggregate::Sum, sources: vec![1], parallelism: 1 }
    }
    fn spec(b: &str, w: &str, s: &str) -> DStreamSpec {
        let d = |x: &str| Duration::parse(x).unwrap();
        DStreamSpec { batch_interval: d(b), window_duration: Some(d(w)), slide_duration: Some(d(s)) }
    }
    fn run(eng: &mut DStreamEngine, input: &[(u64, &str, i64)], until: Micros) -> Vec<Out> {
        let mut out = Vec::new();
        for (i, (ms, word, ts)) in input.iter().enumerate() {
            let pt = ms * 1000;
            while let Some(w) = eng.next_wakeup().filter(|w| *w <= pt) {
                eng.on_wakeup(w, &mut out);
            }
            let e = Elem { id: i as u64, key: word.to_string(), value: Datum::Int(1), ts: *ts, arrival: pt };
            eng.on_record(pt, 0, e, &mut out);
        }
        while let Some(w) = eng.next_wakeup().filter(|w| *w <= until) {
            eng.on_wakeup(w, &mut out);
        }
        out
    }

    /// D-4: `reduceByKeyAndWindow(_ + _, Seconds(30), Seconds(10))` with a
    /// 10 s batch interval: every 10 s, the word counts of the last 30 s of
    /// arrivals (event time ignored: the "late" spark at 25 s counts by arrival).
    #[test]
    fn d4_word_counts_over_the_last_30s_every_10s() {
        let mut eng = DStreamEngine::new(&shape(), &spec("10s", "30s", "10s")).unwrap();
        let input = [(1_000, "spark", 1_000), (5_000, "kafka", 5_000), (12_000, "spark", 12_000), (25_000, "spark", -3_600_000), (30_000, "flink", 30_000)];
        let out = run(&mut eng, &input, 120 * S);
        let lines: Vec<String> = out.iter().filter_map(format_out).collect();
        assert_eq!(
            lines,
            vec![
                "Time: 10000 ms [0, 10000): (kafka,1)",
                "Time: 10000 ms [0, 10000): (spark,1)",
                "Time: 20000 ms [0, 20000): (kafka,1)",
                "Time: 20000 ms [0, 20000): (spark,2)",
                "Time: 30000 ms [0, 30000): (kafka,1)",
                "Time: 30000 ms [0, 30000): (spark,3)",
                "Time: 40000 ms [10000, 40000): (flink,1)",
                "Time: 40000 ms [10000, 40000): (spark,2)",
                "Time: 50000 ms [20000, 50000): (flink,1)",
                "Time: 50000 ms [20000, 50000): (spark,1)",
                "Time: 60000 ms [30000, 60000): (flink,1)",
            ]
        );
        // the record arriving exactly at 30 s belongs to batch 40 s (arrivals in [30 s, 40 s))
        let Out::Pane(p) = &out[6] else { panic!() };
        assert_eq!((p.window, p.batch, p.emit, p.inputs.clone()), (Some(Window::new(10_000, 40_000)), Some(4), 40 * S, vec![4]));
    }

    #[test]
    fn slide_longer_than_batch_and_gaps() {
        // batch 5 s, window 10 s, slide 15 s: windows end at 15, 30, 45 s and cover [5,15), [20,30), [35,45)
        let mut eng = DStreamEngine::new(&shape(), &spec("5s", "10s", "15s")).unwrap();
        let out = run(&mut eng, &[(2_000, "a", 0), (7_000, "b", 0), (17_000, "c", 0), (44_000, "d", 0)], 100 * S);
        let lines: Vec<String> = out.iter().filter_map(format_out).collect();
        assert_eq!(lines, vec!["Time: 15000 ms [5000, 15000): (b,1)", "Time: 45000 ms [35000, 45000): (d,1)"]);
    }

    #[test]
    fn rejects_durations_that_are_not_multiples_of_the_batch_interval() {
        let e = DStreamEngine::new(&shape(), &spec("10s", "30s", "15s")).unwrap_err();
        assert_eq!(e.field, "slideDuration");
        let e = DStreamEngine::new(&shape(), &spec("10s", "25s", "10s")).unwrap_err();
        assert_eq!(e.field, "windowDuration");
        let windowed = JobShape { window: WindowSpec::Tumbling { size: 1000, offset: 0 }, ..shape() };
        assert_eq!(DStreamEngine::new(&windowed, &spec("1s", "1s", "1s")).unwrap_err().field, "window");
        let parsed: DStreamSpec = toml::from_str("batchInterval = \"1s\"\nwindowDuration = \"30s\"\nslideDuration = \"10s\"").unwrap();
        assert_eq!(parsed, spec("1s", "30s", "10s"));
        assert!(toml::from_str::<DStreamSpec>("batchInterval = \"1s\"\nwindow = \"30s\"").is_err());
    }
}

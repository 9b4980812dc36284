//! Watermark generation at a Flink source task: the generators of
//! `WatermarkStrategy` and the output that forwards their watermarks.
//!
//! * [`BoundedOutOfOrderness`] is `BoundedOutOfOrdernessWatermarks` (F-2),
//!   including its `− 1`: bound `B` means that after seeing `T`, nothing
//!   older than `T − B` follows, and a Flink watermark `W` promises nothing
//!   `≤ W` (F-1), hence `W = max − B − 1`. `forMonotonousTimestamps()` is the
//!   same generator with `B = 0`.
//! * [`IdlenessTimer`] and [`SourceWatermarks`] reproduce
//!   `WatermarksWithIdleness` (F-6): idleness is only evaluated at periodic
//!   emissions, so an input becomes idle no earlier than the timeout after its
//!   last record, and at worst the timeout plus up to three emission
//!   intervals after it.
//! * [`WatermarkOutput`] is `WatermarkToDataOutput` (F-4): only strictly
//!   increasing watermarks leave, and emitting one turns an idle output active
//!   again (an ACTIVE status precedes it).
//! * Scripted watermarks (the `watermarks = [...]` of a scenario input, or a
//!   harness's `processWatermark`) replace the generator: each move goes
//!   straight to the output, like a punctuated generator.
//!
//! The periodic schedule itself (every `pipeline.auto-watermark-interval` of
//! processing time, F-3, default 200 ms) is kept by the runtime, which calls
//! [`SourceWatermarks::on_periodic_emit`] on every tick.
//!
//! Simplification: Flink measures idleness with a relative clock that hides
//! periods in which the source was blocked (backpressure); our source tasks
//! are never blocked, so processing time is used directly.

use crate::stream::types::{EventTime, MAX_WATERMARK, MIN_WATERMARK};
use crate::time::Micros;

/// `BoundedOutOfOrdernessWatermarks` (F-2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundedOutOfOrderness {
    out_of_orderness: EventTime,
    max_timestamp: EventTime,
}

impl BoundedOutOfOrderness {
    /// `forBoundedOutOfOrderness(Duration.ofMillis(bound))`; Flink rejects a
    /// negative bound, we clamp it to 0.
    pub fn new(out_of_orderness_ms: EventTime) -> Self {
        let b = out_of_orderness_ms.max(0);
        // Java: Long.MIN_VALUE + outOfOrdernessMillis + 1, so that the first
        // periodic emission yields exactly Long.MIN_VALUE.
        BoundedOutOfOrderness { out_of_orderness: b, max_timestamp: MIN_WATERMARK.saturating_add(b).saturating_add(1) }
    }
    /// `forMonotonousTimestamps()`: bound 0, watermark = max − 1.
    pub fn monotonous() -> Self {
        Self::new(0)
    }
    /// `onEvent`: remember the largest timestamp seen.
    pub fn on_event(&mut self, ts: EventTime) {
        self.max_timestamp = self.max_timestamp.max(ts);
    }
    /// `onPeriodicEmit`: `maxTimestamp − outOfOrdernessMillis − 1`.
    pub fn on_periodic_emit(&self) -> EventTime {
        self.max_timestamp.saturating_sub(self.out_of_orderness).saturating_sub(1)
    }
}

/// `WatermarksWithIdleness.IdlenessTimer` (F-6): counts activity between
/// periodic checks; the countdown starts at the first check that saw no
/// activity, and the input is idle at the first check strictly more than the
/// timeout after that.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdlenessTimer {
    counter: u64,
    last_counter: u64,
    /// Flink uses 0 as "no countdown" on a nanosecond clock; our clock starts
    /// at 0, so the absence is explicit.
    start_of_inactivity: Option<Micros>,
    max_idle: Micros,
}

impl IdlenessTimer {
    pub fn new(timeout: Micros) -> Self {
        IdlenessTimer { counter: 0, last_counter: 0, start_of_inactivity: None, max_idle: timeout }
    }
    /// An event arrived.
    pub fn activity(&mut self) {
        self.counter = self.counter.wrapping_add(1);
    }
    /// `checkIfIdle()`, called from `onPeriodicEmit` at processing time `now`.
    pub fn check_if_idle(&mut self, now: Micros) -> bool {
        if self.counter != self.last_counter {
            self.last_counter = self.counter;
            self.start_of_inactivity = None;
            false
        } else if let Some(start) = self.start_of_inactivity {
            now.saturating_sub(start) > self.max_idle
        } else {
            self.start_of_inactivity = Some(now);
            false
        }
    }
}

/// What a source task sends downstream about event time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WmEmit {
    Watermark(EventTime),
    /// A `WatermarkStatus` change: `idle = true` is IDLE, false is ACTIVE.
    Status {
        idle: bool,
    },
}

/// `WatermarkToDataOutput` (F-4): forwards only strictly increasing
/// watermarks; an emitted watermark re-activates an idle output first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatermarkOutput {
    max_so_far: EventTime,
    idle: bool,
}

impl Default for WatermarkOutput {
    fn default() -> Self {
        WatermarkOutput { max_so_far: MIN_WATERMARK, idle: false }
    }
}

impl WatermarkOutput {
    pub fn emit_watermark(&mut self, wm: EventTime, out: &mut Vec<WmEmit>) {
        if wm <= self.max_so_far {
            return;
        }
        self.max_so_far = wm;
        if self.idle {
            self.idle = false;
            out.push(WmEmit::Status { idle: false });
        }
        out.push(WmEmit::Watermark(wm));
    }
    pub fn mark_idle(&mut self, out: &mut Vec<WmEmit>) {
        if !self.idle {
            self.idle = true;
            out.push(WmEmit::Status { idle: true });
        }
    }
    /// The largest watermark emitted so far.
    pub fn current(&self) -> EventTime {
        self.max_so_far
    }
    pub fn is_idle(&self) -> bool {
        self.idle
    }
}

/// Which generator a source runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GeneratorKind {
    /// `forBoundedOutOfOrderness(B)` (bound in ms; 0 = `forMonotonousTimestamps()`).
    BoundedOutOfOrderness(EventTime),
    /// Watermarks come from the input's scripted moves.
    Scripted,
}

/// A source's `WatermarkStrategy`, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatermarkStrategy {
    pub kind: GeneratorKind,
    /// `withIdleness(d)` timeout in µs of processing time.
    pub idleness: Option<Micros>,
    /// `pipeline.auto-watermark-interval` in µs (0 = no periodic emission).
    pub interval: Micros,
}

impl WatermarkStrategy {
    /// Whether the source needs periodic ticks at all (a scripted strategy
    /// without idleness does not).
    pub fn is_periodic(&self) -> bool {
        self.interval > 0 && (self.kind != GeneratorKind::Scripted || self.idleness.is_some())
    }
}

/// The event-time side of one source task: the generator, the optional
/// idleness wrapper, and the monotonic output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceWatermarks {
    generator: Option<BoundedOutOfOrderness>,
    idleness: Option<IdlenessTimer>,
    /// `WatermarksWithIdleness.isIdleNow`.
    is_idle_now: bool,
    output: WatermarkOutput,
}

impl SourceWatermarks {
    pub fn new(strategy: &WatermarkStrategy) -> Self {
        SourceWatermarks {
            generator: match strategy.kind {
                GeneratorKind::BoundedOutOfOrderness(b) => Some(BoundedOutOfOrderness::new(b)),
                GeneratorKind::Scripted => None,
            },
            idleness: strategy.idleness.map(IdlenessTimer::new),
            is_idle_now: false,
            output: WatermarkOutput::default(),
        }
    }

    /// A record with event time `ts` left the source. Note (Flink quirk
    /// kept): a record does not re-activate an idle output; only the next
    /// emitted watermark does, and only if it is larger than the last one.
    pub fn on_event(&mut self, ts: EventTime) {
        if let Some(g) = &mut self.generator {
            g.on_event(ts);
        }
        if let Some(t) = &mut self.idleness {
            t.activity();
        }
        self.is_idle_now = false;
    }

    /// `onPeriodicEmit` at processing time `now` (F-3, F-6).
    pub fn on_periodic_emit(&mut self, now: Micros, out: &mut Vec<WmEmit>) {
        if let Some(t) = &mut self.idleness {
            if t.check_if_idle(now) {
                if !self.is_idle_now {
                    self.output.mark_idle(out);
                    self.is_idle_now = true;
                }
                return;
            }
        }
        if let Some(g) = &self.generator {
            self.output.emit_watermark(g.on_periodic_emit(), out);
        }
    }

    /// A scripted watermark move (ignored when a generator runs).
    pub fn on_scripted(&mut self, wm: EventTime, out: &mut Vec<WmEmit>) {
        if self.generator.is_none() {
            self.output.emit_watermark(wm, out);
        }
    }

    /// End of a bounded input: `MAX_WATERMARK` (F-18).
    pub fn on_end_of_input(&mut self, out: &mut Vec<WmEmit>) {
        self.output.emit_watermark(MAX_WATERMARK, out);
    }

    pub fn current(&self) -> EventTime {
        self.output.current()
    }
    pub fn is_idle(&self) -> bool {
        self.output.is_idle()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Micros = 1000;

    #[test]
    fn bounded_out_of_orderness_values_f2() {
        let mut g = BoundedOutOfOrderness::new(5000);
        // nothing seen: exactly Long.MIN_VALUE
        assert_eq!(g.on_periodic_emit(), MIN_WATERMARK);
        g.on_event(10_000);
        assert_eq!(g.on_periodic_emit(), 4_999, "max − B − 1");
        g.on_event(7_000); // out of order: the max stays
        assert_eq!(g.on_periodic_emit(), 4_999);
        g.on_event(12_000);
        assert_eq!(g.on_periodic_emit(), 6_999);
        let mut m = BoundedOutOfOrderness::monotonous();
        m.on_event(3_000);
        assert_eq!(m.on_periodic_emit(), 2_999, "forMonotonousTimestamps: max − 1");
    }

    #[test]
    fn output_is_monotonic_and_reactivates_f4() {
        let mut o = WatermarkOutput::default();
        let mut v = Vec::new();
        o.emit_watermark(MIN_WATERMARK, &mut v);
        assert!(v.is_empty(), "MIN is not > MIN");
        o.emit_watermark(10, &mut v);
        o.emit_watermark(10, &mut v);
        o.emit_watermark(5, &mut v);
        assert_eq!(v, vec![WmEmit::Watermark(10)]);
        v.clear();
        o.mark_idle(&mut v);
        o.mark_idle(&mut v);
        o.emit_watermark(10, &mut v); // not larger: stays idle
        o.emit_watermark(11, &mut v);
        assert_eq!(v, vec![WmEmit::Status { idle: true }, WmEmit::Status { idle: false }, WmEmit::Watermark(11)]);
    }

    /// Drives a source with periodic emission every `interval` ms from 0 to
    /// `until` ms, feeding events at the given (pt ms, ts); at equal times the
    /// periodic emission runs first (as in the runtime). Returns
    /// (pt ms, emission) pairs.
    fn drive(strategy: &WatermarkStrategy, events: &[(u64, EventTime)], until: u64) -> Vec<(u64, WmEmit)> {
        let mut s = SourceWatermarks::new(strategy);
        let mut res = Vec::new();
        let interval = strategy.interval / MS;
        let mut ev = events.iter().peekable();
        let mut tick = interval;
        while tick <= until {
            while let Some(&&(pt, ts)) = ev.peek() {
                if pt >= tick {
                    break;
                }
                s.on_event(ts);
                ev.next();
            }
            let mut out = Vec::new();
            s.on_periodic_emit(tick * MS, &mut out);
            res.extend(out.into_iter().map(|e| (tick, e)));
            tick += interval;
        }
        res
    }

    #[test]
    fn periodic_emission_every_interval_f3() {
        let st = WatermarkStrategy { kind: GeneratorKind::BoundedOutOfOrderness(1000), idleness: None, interval: 200 * MS };
        // events at pt 50 (ts 5000) and pt 450 (ts 9000): the watermark moves
        // only at the 200 ms ticks that follow them
        let got = drive(&st, &[(50, 5_000), (450, 9_000)], 1000);
        assert_eq!(got, vec![(200, WmEmit::Watermark(3_999)), (600, WmEmit::Watermark(7_999))]);
    }

    #[test]
    fn idleness_worst_case_f6() {
        let st = WatermarkStrategy { kind: GeneratorKind::BoundedOutOfOrderness(0), idleness: Some(1000 * MS), interval: 200 * MS };
        // last event right after the tick at 200: tick 400 sees the activity
        // and resets, tick 600 starts the countdown, idle at the first tick
        // with now − 600 > 1000, i.e. 1800 (1600 is exactly 1000: not idle)
        let got = drive(&st, &[(201, 5_000)], 3000);
        assert_eq!(got, vec![(400, WmEmit::Watermark(4_999)), (1800, WmEmit::Status { idle: true })]);
        // i.e. 1599 ms after the last event: more than d, less than d + 3 intervals
        // best case: last event right before a tick: idle 1401 ms after it
        let got = drive(&st, &[(399, 5_000)], 3000);
        assert_eq!(got.last(), Some(&(1800, WmEmit::Status { idle: true })));
    }

    #[test]
    fn idle_source_resumes_with_a_larger_watermark() {
        let st = WatermarkStrategy { kind: GeneratorKind::BoundedOutOfOrderness(0), idleness: Some(500 * MS), interval: 200 * MS };
        // ticks 200 (activity), 400 (countdown starts), idle at 1000 (600 > 500)
        // an old record at pt 1100 does not raise the max: no watermark, still idle
        // a newer record at pt 1500 re-activates it at the next tick
        let got = drive(&st, &[(100, 5_000), (1100, 4_000), (1500, 6_000)], 1800);
        assert_eq!(
            got,
            vec![
                (200, WmEmit::Watermark(4_999)),
                (1000, WmEmit::Status { idle: true }),
                (1600, WmEmit::Status { idle: false }),
                (1600, WmEmit::Watermark(5_999)),
            ]
        );
    }

    #[test]
    fn scripted_and_end_of_input() {
        let st = WatermarkStrategy { kind: GeneratorKind::Scripted, idleness: None, interval: 200 * MS };
        assert!(!st.is_periodic());
        let mut s = SourceWatermarks::new(&st);
        let mut out = Vec::new();
        s.on_scripted(100, &mut out);
        s.on_scripted(50, &mut out);
        s.on_end_of_input(&mut out);
        assert_eq!(out, vec![WmEmit::Watermark(100), WmEmit::Watermark(MAX_WATERMARK)]);
        // with a generator, scripted moves are ignored
        let mut g = SourceWatermarks::new(&WatermarkStrategy { kind: GeneratorKind::BoundedOutOfOrderness(0), ..st });
        let mut out = Vec::new();
        g.on_scripted(100, &mut out);
        assert!(out.is_empty());
    }
}

//! Spark's `WatermarkTracker` (S-2, S-3, S-4).
//!
//! Each source with `withWatermark` is an `EventTimeWatermarkExec` that
//! collects the maximum event time of the rows it saw in a batch (before
//! any late-row filtering: the filter sits above it, in the stateful
//! operator). After the batch, `updateWatermark` turns that into the
//! operator's candidate `max − delay` (kept only if larger), gives operators
//! that never saw data 0, and moves the global watermark to the min (or max)
//! of the operators — only forward, from an initial 0 (the epoch). The new
//! value is what the *next* batch uses: it is written to `offsets/N+1` as
//! `batchWatermarkMs` and to `commits/N` as `nextBatchWatermarkMs`.
//!
//! Scripted watermark moves of the inputs (`on_watermark`) do not exist in
//! Spark and are ignored by the engine.

use super::spec::WatermarkPolicy;
use crate::stream::types::EventTime;

#[derive(Clone, Debug, PartialEq)]
pub struct WatermarkTracker {
    policy: WatermarkPolicy,
    /// Per `EventTimeWatermarkExec` (one per source with a watermark):
    /// None until the first update after the (re)start.
    ops: Vec<Option<EventTime>>,
    global: EventTime,
}

/// What an update changed, for the trace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    /// (operator index, new watermark).
    pub ops: Vec<(usize, EventTime)>,
    pub global: Option<EventTime>,
}

impl WatermarkTracker {
    /// `operators`: how many sources carry `withWatermark` (0: none).
    pub fn new(operators: usize, policy: WatermarkPolicy) -> Self {
        WatermarkTracker { policy, ops: vec![None; operators], global: 0 }
    }

    pub fn current(&self) -> EventTime {
        self.global
    }

    /// `setWatermark` on restart: the global value comes back from the
    /// offset/commit log, the per-operator values do not (they are rebuilt
    /// by the next update — a restart forgets which source was ahead).
    pub fn restore(&mut self, wm: EventTime) {
        self.global = wm;
        for op in &mut self.ops {
            *op = None;
        }
    }

    /// `updateWatermark`: `max_event_time[i]` is the largest event time the
    /// batch showed operator `i` (None: no rows).
    pub fn update(&mut self, max_event_time: &[Option<EventTime>], delays: &[EventTime]) -> Changes {
        let mut changes = Changes::default();
        if self.ops.is_empty() {
            return changes;
        }
        for (i, op) in self.ops.iter_mut().enumerate() {
            match max_event_time.get(i).copied().flatten() {
                Some(max) => {
                    let candidate = max.saturating_sub(delays.get(i).copied().unwrap_or(0));
                    if op.is_none_or(|prev| candidate > prev) {
                        *op = Some(candidate);
                        changes.ops.push((i, candidate));
                    }
                }
                None => {
                    if op.is_none() {
                        // "Populate 0 if we haven't seen any data yet for this watermark node."
                        *op = Some(0);
                    }
                }
            }
        }
        let values = self.ops.iter().map(|o| o.unwrap_or(0));
        let chosen = match self.policy {
            WatermarkPolicy::Min => values.min(),
            WatermarkPolicy::Max => values.max(),
        };
        if let Some(c) = chosen {
            if c > self.global {
                self.global = c;
                changes.global = Some(c);
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_policy_waits_for_a_silent_source_max_does_not() {
        let mut min = WatermarkTracker::new(2, WatermarkPolicy::Min);
        let c = min.update(&[Some(1000), None], &[100, 100]);
        assert_eq!(c.ops, vec![(0, 900)]);
        assert_eq!((c.global, min.current()), (None, 0));
        let mut max = WatermarkTracker::new(2, WatermarkPolicy::Max);
        assert_eq!(max.update(&[Some(1000), None], &[100, 100]).global, Some(900));
        // the slow source catches up: min moves to it
        assert_eq!(min.update(&[None, Some(700)], &[100, 100]).global, Some(600));
    }

    #[test]
    fn monotonic_and_restore_forgets_operators() {
        let mut t = WatermarkTracker::new(1, WatermarkPolicy::Min);
        t.update(&[Some(5000)], &[1000]);
        assert_eq!(t.current(), 4000);
        assert_eq!(t.update(&[Some(3000)], &[1000]), Changes::default());
        assert_eq!(t.current(), 4000);
        t.restore(4000);
        // after a restart the operator starts over; the global value never goes back
        let c = t.update(&[Some(3000)], &[1000]);
        assert_eq!((c.ops, c.global, t.current()), (vec![(0, 2000)], None, 4000));
    }
}

//! `StatusWatermarkValve` (F-5): how a task with several input channels
//! (after a `keyBy`, one channel per upstream subtask) turns per-channel
//! watermarks and idle/active statuses into its own event-time clock.
//!
//! * The task's watermark is the **minimum** over its *aligned* channels
//!   (active channels whose watermark has caught up with the last output).
//! * A channel watermark that is not larger than that channel's last one is
//!   ignored; a new minimum is emitted only if it is larger than the last
//!   output (monotonic, F-4).
//! * Idle channels are excluded from the minimum; when the channel holding
//!   the minimum goes idle, the minimum over the rest is emitted.
//! * When **all** channels are idle, the valve flushes the **maximum** over
//!   all channels' watermarks (if the channel that just went idle held the
//!   last output) and becomes idle itself.
//! * A channel that becomes active again rejoins the minimum only once its
//!   watermark is `≥` the last output.
//!
//! Mirrors Flink's `StatusWatermarkValve` (`findAndOutputNewMinWatermarkAcrossAlignedChannels`,
//! `findAndOutputMaxWatermarkAcrossAllChannels`) with a linear scan instead
//! of its heap (channel counts here are small).

use crate::stream::types::{EventTime, MIN_WATERMARK};

/// Per-channel state (`InputChannelStatus` / `SubpartitionStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelStatus {
    pub watermark: EventTime,
    pub idle: bool,
    /// Counted in the minimum (active and caught up with the last output).
    pub aligned: bool,
}

/// What feeding the valve produced, in emission order: first a watermark,
/// then a status change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ValveOutput {
    pub watermark: Option<EventTime>,
    /// `Some(true)`: the valve became idle; `Some(false)`: active again.
    pub idle: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusWatermarkValve {
    channels: Vec<ChannelStatus>,
    last_output_watermark: EventTime,
    last_output_idle: bool,
}

impl StatusWatermarkValve {
    /// A valve over `n` channels, all active at `Long.MIN_VALUE`.
    pub fn new(n: usize) -> Self {
        StatusWatermarkValve {
            channels: vec![ChannelStatus { watermark: MIN_WATERMARK, idle: false, aligned: true }; n],
            last_output_watermark: MIN_WATERMARK,
            last_output_idle: false,
        }
    }

    /// `inputWatermark`: returns the new task watermark, if any.
    pub fn input_watermark(&mut self, channel: usize, wm: EventTime) -> Option<EventTime> {
        let last = self.last_output_watermark;
        let ch = self.channels.get_mut(channel)?;
        // ignored if the channel or the whole valve is idle
        if self.last_output_idle || ch.idle || wm <= ch.watermark {
            return None;
        }
        ch.watermark = wm;
        if !ch.aligned && wm >= last {
            ch.aligned = true;
        }
        self.find_new_min()
    }

    /// `inputWatermarkStatus`: a channel became idle (`idle = true`) or
    /// active again.
    pub fn input_status(&mut self, channel: usize, idle: bool) -> ValveOutput {
        let last = self.last_output_watermark;
        let mut res = ValveOutput::default();
        let Some(ch) = self.channels.get_mut(channel) else { return res };
        if idle && !ch.idle {
            ch.idle = true;
            ch.aligned = false;
            let ch_wm = ch.watermark;
            if self.channels.iter().all(|c| c.idle) {
                if ch_wm == last {
                    res.watermark = self.find_max();
                }
                self.last_output_idle = true;
                res.idle = Some(true);
            } else if ch_wm == last {
                res.watermark = self.find_new_min();
            }
        } else if !idle && ch.idle {
            ch.idle = false;
            if ch.watermark >= last {
                ch.aligned = true;
            }
            if self.last_output_idle {
                self.last_output_idle = false;
                res.idle = Some(false);
            }
        }
        res
    }

    fn find_new_min(&mut self) -> Option<EventTime> {
        let min = self.channels.iter().filter(|c| c.aligned).map(|c| c.watermark).min()?;
        if min > self.last_output_watermark {
            self.last_output_watermark = min;
            Some(min)
        } else {
            None
        }
    }

    fn find_max(&mut self) -> Option<EventTime> {
        let max = self.channels.iter().map(|c| c.watermark).max()?;
        if max > self.last_output_watermark {
            self.last_output_watermark = max;
            Some(max)
        } else {
            None
        }
    }

    /// The task's current event time (last output watermark).
    pub fn watermark(&self) -> EventTime {
        self.last_output_watermark
    }
    pub fn is_idle(&self) -> bool {
        self.last_output_idle
    }
    pub fn channel(&self, i: usize) -> Option<&ChannelStatus> {
        self.channels.get(i)
    }
    pub fn channels(&self) -> &[ChannelStatus] {
        &self.channels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_over_channels() {
        let mut v = StatusWatermarkValve::new(2);
        assert_eq!(v.input_watermark(0, 10), None, "channel 1 still at MIN");
        assert_eq!(v.input_watermark(1, 5), Some(5));
        assert_eq!(v.input_watermark(1, 4), None, "not above the channel's last: ignored");
        assert_eq!(v.input_watermark(0, 8), None, "channel 0 stays at 10");
        assert_eq!(v.channel(0).unwrap().watermark, 10);
        assert_eq!(v.input_watermark(1, 12), Some(10), "min(10, 12)");
        assert_eq!(v.input_watermark(0, 11), Some(11));
        assert_eq!(v.watermark(), 11);
    }

    #[test]
    fn idle_channel_is_excluded() {
        let mut v = StatusWatermarkValve::new(2);
        assert_eq!(v.input_watermark(0, 10), None);
        // the idle channel held the minimum (MIN): the rest decide
        assert_eq!(v.input_status(1, true), ValveOutput { watermark: Some(10), idle: None });
        assert_eq!(v.input_watermark(0, 20), Some(20));
        assert_eq!(v.input_watermark(1, 30), None, "watermarks of an idle channel are ignored");
        assert_eq!(v.channel(1).unwrap().watermark, MIN_WATERMARK);
        // back to active below the output: not aligned until it catches up
        assert_eq!(v.input_status(1, false), ValveOutput::default());
        assert!(!v.channel(1).unwrap().aligned);
        assert_eq!(v.input_watermark(1, 15), None);
        assert_eq!(v.input_watermark(0, 25), Some(25), "channel 1 (15) is not aligned yet");
        assert_eq!(v.input_watermark(1, 26), None, "aligned again, min(25, 26) = 25 is not new");
        assert_eq!(v.input_watermark(0, 30), Some(26));
    }

    #[test]
    fn all_idle_flushes_the_maximum() {
        let mut v = StatusWatermarkValve::new(2);
        v.input_watermark(0, 10);
        assert_eq!(v.input_watermark(1, 20), Some(10));
        // channel 1 does not hold the minimum: nothing moves
        assert_eq!(v.input_status(1, true), ValveOutput::default());
        // the last active channel (holding the output) goes idle: flush max, then IDLE
        assert_eq!(v.input_status(0, true), ValveOutput { watermark: Some(20), idle: Some(true) });
        assert!(v.is_idle());
        // reactivation: channel 1 (20 ≥ 20) aligned, valve ACTIVE again
        assert_eq!(v.input_status(1, false), ValveOutput { watermark: None, idle: Some(false) });
        assert_eq!(v.input_watermark(1, 25), Some(25));
        assert_eq!(v.input_status(0, false), ValveOutput::default());
        assert_eq!(v.input_watermark(0, 22), None, "22 < 25: not aligned");
        assert_eq!(v.input_watermark(0, 30), None, "aligned, min(25, 30) = 25");
        assert_eq!(v.input_watermark(1, 27), Some(27));
    }

    #[test]
    fn all_idle_without_flush_when_not_holding_the_minimum() {
        let mut v = StatusWatermarkValve::new(2);
        v.input_watermark(0, 10);
        v.input_watermark(1, 20);
        // channel 0 (the minimum) idles first: min over the rest = 20
        assert_eq!(v.input_status(0, true).watermark, Some(20));
        // then channel 1: its wm equals the output, max is 20 already
        assert_eq!(v.input_status(1, true), ValveOutput { watermark: None, idle: Some(true) });
    }
}

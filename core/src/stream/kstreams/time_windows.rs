//! `TimeWindows.windowsFor` (K-1): epoch-aligned hopping/tumbling windows,
//! none before the epoch.

use crate::stream::types::EventTime;

/// The windows `[start, start + size)` containing `ts`, by start
/// (`TimeWindows.windowsFor`): `start = (max(0, ts − size + advance) /
/// advance) · advance; while start ≤ ts: add; start += advance`. Windows
/// that would start before 0 are not created (a record at ts 3 with size
/// 10, advance 5 only lands in `[0, 10)`). `ts` must be ≥ 0 (Kafka drops
/// records with negative timestamps before they reach the window).
pub fn windows_for(ts: EventTime, size: EventTime, advance: EventTime) -> Vec<(EventTime, EventTime)> {
    let mut out = Vec::new();
    if ts < 0 || size <= 0 || advance <= 0 {
        return out;
    }
    let mut start = ((ts - size).saturating_add(advance).max(0) / advance) * advance;
    while start <= ts {
        out.push((start, start.saturating_add(size)));
        start = match start.checked_add(advance) {
            Some(s) => s,
            None => break,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hopping_windows_start_at_epoch() {
        assert_eq!(windows_for(3, 10, 5), vec![(0, 10)]);
        assert_eq!(windows_for(5, 10, 5), vec![(0, 10), (5, 15)]);
        assert_eq!(windows_for(100, 10, 5), vec![(95, 105), (100, 110)]);
        assert_eq!(windows_for(7, 10, 10), vec![(0, 10)]);
        assert_eq!(windows_for(10, 10, 10), vec![(10, 20)]);
        assert!(windows_for(-1, 10, 5).is_empty());
    }
}

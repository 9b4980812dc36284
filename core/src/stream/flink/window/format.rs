//! Flink-test style output lines, as `WindowOperatorTest` writes its
//! expectations: `new StreamRecord<>(new Tuple2<>("key2", 3), 2999)` is
//! printed `(key2,3)@2999`.
//!
//! - a result of a tumbling or sliding window (or a keyed feature):
//!   `(key2,3)@2999` — key, value, record timestamp (`maxTimestamp`, F-13);
//! - a session result (via [`format_out_for`] with a session window):
//!   `(key2-5,1000,11500)@11499`, the `Tuple3<>("key2-5", 1000L, 11500L)` of
//!   the test's `ReducedSessionWindowFunction` (key-sum, start, end);
//! - an element sent to the late side output: `side output (key2,1)@1998`;
//! - an element late for all its windows and dropped (counted in
//!   `numLateRecordsDropped`): `dropped (key2,1)@1998`;
//! - an element late for some of its sliding windows only (F-15: kept in
//!   the others, neither side output nor counted by Flink):
//!   `dropped (key2,1)@2400 from [0,3000)`.
//!
//! Watermarks, idleness, checkpoints and the rest print nothing (`None`):
//! the runtime reports those.

use crate::stream::types::{LateFate, Out, WindowSpec};

/// Formats an output of a Flink window or feature operator; results use the
/// `(key,value)@ts` form whatever the window (an [`Out`] does not say which
/// assigner made it — use [`format_out_for`] to get the session form).
pub fn format_out(out: &Out) -> Option<String> {
    format_with(out, false)
}

/// Like [`format_out`], but results of a session-windowed job
/// (`window = { type = "session", ... }`) print as
/// `(key-value,start,end)@maxTs`, the form of Flink's session tests. The
/// job node should call this one with the job's window.
pub fn format_out_for(window: &WindowSpec, out: &Out) -> Option<String> {
    format_with(out, matches!(window, WindowSpec::Session { .. }))
}

fn format_with(out: &Out, session: bool) -> Option<String> {
    match out {
        Out::Pane(p) => Some(match p.window {
            Some(w) if session => format!("({}-{},{},{})@{}", p.key, p.value, w.start, w.end, p.out_ts),
            _ => format!("({},{})@{}", p.key, p.value, p.out_ts),
        }),
        Out::Late { elem, window, fate } => {
            let rec = format!("({},{})@{}", elem.key, elem.value, elem.ts);
            Some(match (fate, window) {
                (LateFate::SideOutput, _) => format!("side output {rec}"),
                (LateFate::Dropped, None) => format!("dropped {rec}"),
                (LateFate::Dropped, Some(w)) => format!("dropped {rec} from [{},{})", w.start, w.end),
            })
        }
        _ => None,
    }
}

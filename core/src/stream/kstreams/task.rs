//! One stream task: its stream time, its state store, the record cache in
//! front of the store, the `onWindowClose` emitter, the `suppress` buffer
//! and its metrics. Kafka assigns one task per input partition (task
//! `0_p`); the simulator gives each source channel its own task.

use super::metrics::{Skip, TaskMetrics};
use super::session_store::SessionStore;
use super::spec::{Config, Mode, WinKind};
use super::table_store::TableStore;
use super::time_store::TimeStore;
use super::time_windows::windows_for;
use super::update::{Step, Update};
use crate::stream::types::{Elem, EventTime, LateFate, Out, Pane, Timing, Window};
use crate::time::Micros;
use std::collections::BTreeMap;

/// `ConsumerRecord.NO_TIMESTAMP`: the initial stream time and
/// `lastEmitWindowCloseTime`.
const NO_TIMESTAMP: EventTime = -1;

#[derive(Clone, Debug)]
enum Store {
    Time(TimeStore),
    Session(SessionStore),
    Table(TableStore),
}

/// What was forwarded so far for a (window, key): the update count (the
/// pane index) and whether the last forward was a value (not a tombstone).
#[derive(Clone, Copy, Debug, Default)]
struct Forwarded {
    count: u32,
    live: bool,
}

type RowKey = (Option<Window>, String);

#[derive(Clone, Debug)]
pub struct Task {
    stream_time: EventTime,
    store: Store,
    /// `onWindowClose` state (`AbstractKStreamTimeWindowAggregateProcessor`).
    last_emit_close: EventTime,
    next_time_to_emit: EventTime,
    /// Record cache: the latest update per row, with the sequence number of
    /// its last put (`NamedCache` keeps dirty keys in last-put order).
    cache: BTreeMap<RowKey, (u64, Update)>,
    cache_seq: u64,
    /// `suppress(untilWindowCloses)` buffer by (buffer time, key, window).
    suppress: BTreeMap<(EventTime, String, Option<Window>), Update>,
    suppress_time: EventTime,
    forwarded: BTreeMap<RowKey, Forwarded>,
    pub metrics: TaskMetrics,
    pub skips: Vec<Skip>,
}

impl Task {
    pub fn new(cfg: &Config, channel: u32) -> Self {
        let store = match cfg.kind {
            WinKind::Time { size, advance } => Store::Time(TimeStore::new(size, advance)),
            WinKind::Session { gap } => Store::Session(SessionStore::new(gap)),
            WinKind::Table => Store::Table(TableStore::default()),
        };
        Task {
            stream_time: NO_TIMESTAMP,
            store,
            last_emit_close: NO_TIMESTAMP,
            next_time_to_emit: 0,
            cache: BTreeMap::new(),
            cache_seq: 0,
            suppress: BTreeMap::new(),
            suppress_time: NO_TIMESTAMP,
            forwarded: BTreeMap::new(),
            metrics: TaskMetrics { task: format!("0_{channel}"), ..TaskMetrics::default() },
            skips: Vec::new(),
        }
    }

    pub fn has_cached(&self) -> bool {
        !self.cache.is_empty()
    }

    /// The close time for a stream time (K-2; sessions K-5).
    fn close_time(&self, cfg: &Config) -> EventTime {
        match cfg.kind {
            WinKind::Session { gap } => self.stream_time.saturating_sub(cfg.grace).saturating_sub(gap),
            _ => self.stream_time.saturating_sub(cfg.grace),
        }
    }

    /// Processes one record at processing time `pt`.
    pub fn on_record(&mut self, cfg: &Config, pt: Micros, e: Elem, out: &mut Vec<Out>) {
        if e.ts < 0 {
            // RecordQueue: "Skipping record due to negative extracted
            // timestamp" (LogAndSkipOnInvalidTimestamp), counted as dropped.
            self.metrics.dropped_records_total += 1;
            out.push(Out::Late { elem: e, window: None, fate: LateFate::Dropped });
            return;
        }
        // PartitionGroup.nextRecord: lateness, then stream time.
        if e.ts > self.stream_time {
            self.metrics.record_lateness(0);
            self.stream_time = e.ts;
            self.metrics.stream_time = Some(e.ts);
            out.push(Out::Watermark { op: format!("stream-time {}", self.metrics.task), wm: e.ts });
        } else {
            self.metrics.record_lateness(self.stream_time - e.ts);
        }
        let close = self.close_time(cfg);
        let mut steps = Vec::new();
        match &mut self.store {
            Store::Time(s) => s.process(&cfg.aggregate, &e, close, &mut steps),
            Store::Session(s) => s.process(&cfg.aggregate, &e, close, &mut steps),
            Store::Table(s) => s.process(&cfg.aggregate, &e, &mut steps),
        }
        for step in steps {
            match step {
                Step::Update(u) => self.forward(cfg, pt, u, out),
                Step::Expired { window } => self.skip(cfg, &e, window, close, out),
            }
        }
        if cfg.mode == Mode::OnWindowClose {
            self.maybe_forward_final(cfg, pt, close, out);
        }
        self.purge(cfg, close);
        if cfg.cache && cfg.commit_interval == 0 {
            self.flush(cfg, pt, out);
        }
    }

    fn skip(&mut self, cfg: &Config, e: &Elem, window: Window, close: EventTime, out: &mut Vec<Out>) {
        self.metrics.dropped_records_total += 1;
        let kafka_window = match cfg.kind {
            WinKind::Session { gap } => format!("[{},{}]", window.start, window.end.saturating_sub(gap)),
            _ => format!("[{},{})", window.start, window.end),
        };
        self.skips.push(Skip {
            task: self.metrics.task.clone(),
            key: e.key.clone(),
            timestamp: e.ts,
            window,
            kafka_window,
            expiration: close,
            stream_time: self.stream_time,
        });
        out.push(Out::Late { elem: e.clone(), window: Some(window), fate: LateFate::Dropped });
    }

    /// `maybeForwardUpdate`: nothing under `onWindowClose`; through the
    /// record cache if enabled; else downstream now.
    fn forward(&mut self, cfg: &Config, pt: Micros, u: Update, out: &mut Vec<Out>) {
        if cfg.mode == Mode::OnWindowClose {
            return;
        }
        if cfg.cache {
            self.cache_seq += 1;
            self.cache.insert((u.window, u.key.clone()), (self.cache_seq, u));
        } else {
            self.deliver(cfg, pt, u, out);
        }
    }

    /// Commit: the cache's dirty entries go downstream in last-put order.
    pub fn flush(&mut self, cfg: &Config, pt: Micros, out: &mut Vec<Out>) {
        let mut entries: Vec<(u64, Update)> = std::mem::take(&mut self.cache).into_values().collect();
        entries.sort_by_key(|(seq, _)| *seq);
        for (_, u) in entries {
            self.deliver(cfg, pt, u, out);
        }
    }

    /// A forwarded update reaches the next processor: `suppress`, or the
    /// output topic. A tombstone for a row that was never forwarded (or is
    /// already deleted) is not sent (`CachingSessionStore` forwards only
    /// when the old or the new value is non-null).
    fn deliver(&mut self, cfg: &Config, pt: Micros, u: Update, out: &mut Vec<Out>) {
        let row = (u.window, u.key.clone());
        let f = self.forwarded.get(&row).copied().unwrap_or_default();
        if u.tombstone && !f.live {
            return;
        }
        if u.tombstone {
            self.forwarded.remove(&row);
        } else {
            self.forwarded.insert(row, Forwarded { count: f.count + 1, live: true });
        }
        if cfg.mode == Mode::Suppress {
            self.suppress_update(cfg, pt, u, out);
            return;
        }
        out.push(Out::Pane(Pane {
            window: u.window,
            key: u.key,
            value: u.value,
            retraction: u.tombstone,
            timing: None,
            index: f.count,
            on_time_index: None,
            is_first: f.count == 0,
            is_last: false,
            out_ts: u.ts,
            emit: pt,
            batch: None,
            inputs: u.ids,
            txn: None,
        }));
    }

    /// `KTableSuppressProcessor.process`: stream time = max timestamp of
    /// the updates it saw; buffer the update under its window end; emit
    /// every buffered row whose buffer time ≤ streamTime − grace (sessions:
    /// − grace − gap, `GraphGraceSearchUtil`). Tombstones are not emitted
    /// (final results drop them).
    fn suppress_update(&mut self, cfg: &Config, pt: Micros, u: Update, out: &mut Vec<Out>) {
        self.suppress_time = self.suppress_time.max(u.ts);
        self.suppress.insert((u.buffer_time, u.key.clone(), u.window), u);
        let duration = match cfg.kind {
            WinKind::Session { gap } => cfg.grace.saturating_add(gap),
            _ => cfg.grace,
        };
        let expiry = self.suppress_time.saturating_sub(duration);
        while let Some(entry) = self.suppress.first_entry() {
            if entry.key().0 > expiry {
                break;
            }
            let u = entry.remove();
            if !u.tombstone {
                out.push(Out::Pane(final_pane(u, pt)));
            }
        }
    }

    /// `maybeForwardFinalResult` (K-4): throttled by the emit interval
    /// (processing time, ms), only when the close time progressed; time
    /// windows fetch starts in `[lower, upper]` with `upper = close −
    /// size`, `lower = max(0, lastEmitClose − size) + 1` (0 the first time)
    /// and skip the fetch when no new window can have closed; sessions fetch
    /// ends in `[max(0, lastEmitClose), close − 1]`.
    fn maybe_forward_final(&mut self, cfg: &Config, pt: Micros, close: EventTime, out: &mut Vec<Out>) {
        let now = (pt / 1000) as EventTime;
        if now < self.next_time_to_emit {
            return;
        }
        self.next_time_to_emit = now.saturating_add(cfg.emit_interval);
        if !(self.last_emit_close == NO_TIMESTAMP || self.last_emit_close < close) {
            return;
        }
        let finals = match &mut self.store {
            Store::Time(s) => {
                let upper = close.saturating_sub(s.size);
                if upper < 0 {
                    return;
                }
                let first = self.last_emit_close == NO_TIMESTAMP;
                let lower = if first { 0 } else { (self.last_emit_close - s.size).max(0) + 1 };
                if !first && windows_for(upper, s.size, s.advance) == windows_for(lower - 1, s.size, s.advance) {
                    return;
                }
                s.take_final(&cfg.aggregate, lower, upper)
            }
            Store::Session(s) => {
                let upper = close.saturating_sub(1);
                if upper < 0 {
                    return;
                }
                let lower = self.last_emit_close.max(0);
                if upper < lower {
                    return;
                }
                s.closed(&cfg.aggregate, lower, upper)
            }
            Store::Table(_) => return,
        };
        for u in finals {
            self.metrics.window_aggregate_final_emit_total += 1;
            out.push(Out::Pane(final_pane(u, pt)));
        }
        self.last_emit_close = close;
    }

    /// Forgets state that can no longer change or be emitted: rows whose
    /// (Kafka) end is ≤ the close time, but under `onWindowClose` only once
    /// they were emitted.
    fn purge(&mut self, cfg: &Config, close: EventTime) {
        let live_from = close.saturating_add(1);
        let keep_from = if cfg.mode == Mode::OnWindowClose { live_from.min(self.last_emit_close) } else { live_from };
        match &mut self.store {
            Store::Time(s) => s.purge(keep_from),
            Store::Session(s) => s.purge(keep_from),
            Store::Table(_) => return,
        }
        let gap = match cfg.kind {
            WinKind::Session { gap } => gap,
            _ => 0,
        };
        let cache = &self.cache;
        // Keep a row's update counter while the row can still change or a
        // cached update for it is pending.
        self.forwarded.retain(|row, _| match row.0 {
            Some(w) => w.end.saturating_sub(gap) >= live_from || cache.contains_key(row),
            None => true,
        });
    }
}

/// A final result (`onWindowClose`, `suppress`): one per window, ON_TIME.
fn final_pane(u: Update, pt: Micros) -> Pane {
    Pane {
        window: u.window,
        key: u.key,
        value: u.value,
        retraction: false,
        timing: Some(Timing::OnTime),
        index: 0,
        on_time_index: Some(0),
        is_first: true,
        is_last: true,
        out_ts: u.ts,
        emit: pt,
        batch: None,
        inputs: u.ids,
        txn: None,
    }
}

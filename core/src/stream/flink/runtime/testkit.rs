//! Test operators and a stand-in for the job node (feeds scripted channels,
//! injects crashes, honours rewinds).

use super::FlinkJob;
use crate::stream::types::{Aggregate, Datum, Elem, Engine, EventTime, JobShape, LateFate, Operator, Out, Pane, Timing, Window, WindowSpec};
use crate::time::Micros;
use std::collections::BTreeMap;

/// Keyed running count: one result per element, value = the key's count so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunningCount {
    pub counts: BTreeMap<String, i64>,
}

impl Operator for RunningCount {
    fn on_element(&mut self, pt: Micros, e: Elem, out: &mut Vec<Out>) {
        let c = self.counts.entry(e.key.clone()).or_default();
        *c += 1;
        let mut p = Pane::plain(None, e.key, Datum::Int(*c), e.ts, pt);
        p.inputs = vec![e.id];
        out.push(Out::Pane(p));
    }
    fn on_watermark(&mut self, _pt: Micros, _wm: EventTime, _out: &mut Vec<Out>) {}
}

/// Keyed tumbling-window sum firing when the watermark reaches the
/// window's max timestamp (F-11, F-12); late elements are dropped.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowSum {
    pub size: EventTime,
    pub wm: EventTime,
    /// (window end, key) → (sum, input ids)
    pub windows: BTreeMap<(EventTime, String), (i64, Vec<u64>)>,
}

impl WindowSum {
    pub fn new(size: EventTime) -> Self {
        WindowSum { size, wm: EventTime::MIN, windows: BTreeMap::new() }
    }
}

impl Operator for WindowSum {
    fn on_element(&mut self, _pt: Micros, e: Elem, out: &mut Vec<Out>) {
        let start = e.ts - e.ts.rem_euclid(self.size);
        let w = Window::new(start, start + self.size);
        if w.max_timestamp() <= self.wm {
            out.push(Out::Late { elem: e, window: Some(w), fate: LateFate::Dropped });
            return;
        }
        let v = if let Datum::Int(i) = e.value { i } else { 0 };
        let slot = self.windows.entry((w.end, e.key)).or_default();
        slot.0 += v;
        slot.1.push(e.id);
    }
    fn on_watermark(&mut self, pt: Micros, wm: EventTime, out: &mut Vec<Out>) {
        self.wm = wm;
        let due: Vec<_> = self.windows.keys().filter(|(end, _)| end - 1 <= wm).cloned().collect();
        for k in due {
            let (sum, ids) = self.windows.remove(&k).expect("window");
            let w = Window::new(k.0 - self.size, k.0);
            let mut p = Pane::plain(Some(w), k.1, Datum::Int(sum), w.max_timestamp(), pt);
            p.timing = Some(Timing::OnTime);
            p.inputs = ids;
            out.push(Out::Pane(p));
        }
    }
}

pub fn shape(channels: u32, parallelism: u32) -> JobShape {
    JobShape { name: "op".into(), window: WindowSpec::Global, aggregate: Aggregate::Count, sources: vec![channels], parallelism }
}

pub fn elem(id: u64, key: &str, value: i64, ts: EventTime) -> Elem {
    Elem { id, key: key.into(), value: Datum::Int(value), ts, arrival: 0 }
}

/// What the job node would feed: per channel, records with arrival times,
/// scripted watermarks, the end of input; plus crash times.
#[derive(Clone, Debug, Default)]
pub struct Feed {
    pub records: Vec<Vec<(Micros, Elem)>>,
    pub watermarks: Vec<Vec<(Micros, EventTime)>>,
    pub ends: Vec<Option<Micros>>,
    pub crashes: Vec<Micros>,
}

impl Feed {
    pub fn new(channels: usize) -> Self {
        Feed { records: vec![Vec::new(); channels], watermarks: vec![Vec::new(); channels], ends: vec![None; channels], crashes: Vec::new() }
    }
    pub fn all_ids(&self) -> Vec<u64> {
        self.records.iter().flatten().map(|(_, e)| e.id).collect()
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Next {
    Wakeup,
    Crash,
    Record(usize),
    Wm(usize),
    End(usize),
}

/// Drives `job` like the job node: records at their arrival time (after a
/// rewind, records that already arrived are re-fed at once, in order),
/// scripted watermarks, ends, crashes, wakeups; until nothing is left or
/// `until`. Returns every `Out`.
pub fn drive<O: Operator>(job: &mut FlinkJob<O>, feed: &Feed, until: Micros) -> Vec<Out> {
    drive_timed(job, feed, until).into_iter().map(|x| x.1).collect()
}

/// [`drive`], with the processing time of the call that produced each `Out`
/// (exact: wakeups are delivered at the time the engine asked for).
pub fn drive_timed<O: Operator>(job: &mut FlinkJob<O>, feed: &Feed, until: Micros) -> Vec<(Micros, Out)> {
    let n = feed.records.len();
    let mut idx = vec![0usize; n];
    let mut wm_idx = vec![0usize; n];
    let mut ended = vec![false; n];
    let mut resume = vec![0 as Micros; n];
    let mut crash = 0usize;
    let mut out = Vec::new();
    let mut timed = Vec::new();
    loop {
        let mut best: Option<(Micros, Next)> = None;
        let mut consider = |t: Micros, k: Next| {
            if best.is_none_or(|b| (t, k) < b) {
                best = Some((t, k));
            }
        };
        if let Some(t) = job.next_wakeup() {
            consider(t, Next::Wakeup);
        }
        if let Some(&t) = feed.crashes.get(crash) {
            consider(t, Next::Crash);
        }
        for c in 0..n {
            if let Some((t, _)) = feed.records[c].get(idx[c]) {
                consider((*t).max(resume[c]), Next::Record(c));
            } else if let (Some(t), false) = (feed.ends[c], ended[c]) {
                consider(t.max(resume[c]), Next::End(c));
            }
            if let Some((t, _)) = feed.watermarks[c].get(wm_idx[c]) {
                consider(*t, Next::Wm(c));
            }
        }
        let Some((t, k)) = best else { break };
        if t > until {
            break;
        }
        match k {
            Next::Wakeup => job.on_wakeup(t, &mut out),
            Next::Crash => {
                crash += 1;
                job.fail(t, "op[0]", &mut out);
            }
            Next::Record(c) => {
                let mut e = feed.records[c][idx[c]].1.clone();
                e.arrival = t;
                idx[c] += 1;
                job.on_source_record(t, c as u32, idx[c] as u64, e, &mut out);
            }
            Next::Wm(c) => {
                let wm = feed.watermarks[c][wm_idx[c]].1;
                wm_idx[c] += 1;
                job.on_watermark(t, c as u32, wm, &mut out);
            }
            Next::End(c) => {
                ended[c] = true;
                job.on_source_end(t, c as u32, &mut out);
            }
        }
        timed.extend(out.drain(..).map(|o| (t, o)));
        if let Some(rw) = job.take_rewind() {
            for (c, p) in rw {
                idx[c as usize] = p as usize;
                ended[c as usize] = false;
                resume[c as usize] = t;
            }
        }
    }
    timed
}

/// A tiny deterministic generator for test inputs (SplitMix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo).max(1)
    }
}

pub fn panes(outs: &[Out]) -> Vec<&Pane> {
    outs.iter().filter_map(|o| if let Out::Pane(p) = o { Some(p) } else { None }).collect()
}

//! Fault periods — when a node was down, paused or had a skewed clock, and
//! when links were cut — derived from the trace, for shading plots and the
//! timeline.
//!
//! Periods are read from what the kernel *did* (`Crash` … `Restart`,
//! `Pause` … `Resume`, `LinkCut` … `LinkHealed`, `ClockSkew`), not from the
//! scenario's fault list, so scripted faults, conditional ones, the random
//! nemesis and faults injected in the browser all show, and a fault that
//! was skipped shows nothing. Links cut at the same moment and healed at
//! the same moment by the same fault form one period (a partition), with
//! both directions of a pair written `a ↔ b`.

use crate::kernel::{CrashKind, KernelEvent, NodeId, TraceEvent};
use crate::time::{fmt_time, Micros};
use crate::world::World;
use serde::Serialize;
use std::collections::BTreeMap;

/// One period of a fault's effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FaultPeriod {
    pub start: Micros,
    /// None while it lasts (at the world's current moment).
    pub end: Option<Micros>,
    /// `down`, `paused`, `clock-skew` or `links-cut`.
    pub kind: &'static str,
    /// For people: `b1 down (process crash)`, `links cut: b1 ↔ b2, b1 ↔ b3`.
    pub label: String,
    /// The label of the fault that started it (`faults[0] partition`,
    /// `nemesis#3`, `injected: crash b2 (machine)`), if one fired at that moment.
    pub cause: Option<String>,
}

#[derive(Default)]
struct Open {
    start: Micros,
    label: String,
    cause: Option<String>,
}

/// Every fault period up to the world's current moment, ordered by start.
/// A period: start, end (if healed), the fault label that caused it.
type Period = (Micros, Option<Micros>, Option<String>);
/// A cut link over a period: start, end, label, from, to.
type LinkCut = (Micros, Option<Micros>, Option<String>, NodeId, NodeId);

pub fn fault_periods(world: &World) -> Vec<FaultPeriod> {
    let name = |n: NodeId| world.sim.node_name(n).to_string();
    let mut out = Vec::new();
    let mut down: BTreeMap<NodeId, Open> = BTreeMap::new();
    let mut paused: BTreeMap<NodeId, Open> = BTreeMap::new();
    let mut skewed: BTreeMap<NodeId, Open> = BTreeMap::new();
    // Cut links: (from, to) → (start, cause); closed ones grouped later.
    let mut cut: BTreeMap<(NodeId, NodeId), (Micros, Option<String>)> = BTreeMap::new();
    let mut links: Vec<LinkCut> = Vec::new();
    let mut last_fault: Option<(Micros, String)> = None;
    let close = |out: &mut Vec<FaultPeriod>, kind: &'static str, o: Open, end: Option<Micros>| {
        out.push(FaultPeriod { start: o.start, end, kind, label: o.label, cause: o.cause });
    };
    for r in world.sim.trace().records() {
        let TraceEvent::Kernel(k) = &r.ev else { continue };
        let cause = || last_fault.as_ref().filter(|(t, _)| *t == r.t).map(|(_, l)| l.clone());
        match k {
            KernelEvent::FaultFired { label } => last_fault = Some((r.t, label.clone())),
            KernelEvent::Crash { kind } => {
                let how = match kind {
                    CrashKind::Process => "process crash",
                    CrashKind::Machine => "machine crash",
                };
                down.insert(r.node, Open { start: r.t, label: format!("{} down ({how})", name(r.node)), cause: cause() });
                if let Some(p) = paused.remove(&r.node) {
                    close(&mut out, "paused", p, Some(r.t));
                }
            }
            KernelEvent::DiskLost => {
                if let Some(o) = down.get_mut(&r.node) {
                    if !o.label.ends_with("disk lost)") {
                        o.label = format!("{}, disk lost)", o.label.trim_end_matches(')'));
                    }
                }
            }
            KernelEvent::Restart => {
                if let Some(o) = down.remove(&r.node) {
                    close(&mut out, "down", o, Some(r.t));
                }
            }
            KernelEvent::Pause => {
                paused.insert(r.node, Open { start: r.t, label: format!("{} paused", name(r.node)), cause: cause() });
            }
            KernelEvent::Resume => {
                if let Some(o) = paused.remove(&r.node) {
                    close(&mut out, "paused", o, Some(r.t));
                }
            }
            KernelEvent::ClockSkew { skew_us } => {
                if let Some(o) = skewed.remove(&r.node) {
                    close(&mut out, "clock-skew", o, Some(r.t));
                }
                if *skew_us != 0 {
                    let sign = if *skew_us < 0 { "-" } else { "+" };
                    let label = format!("{} clock {sign}{}", name(r.node), fmt_time(skew_us.unsigned_abs()));
                    skewed.insert(r.node, Open { start: r.t, label, cause: cause() });
                }
            }
            KernelEvent::LinkCut { from, to } => {
                cut.insert((*from, *to), (r.t, cause()));
            }
            KernelEvent::LinkHealed { from, to } => {
                if let Some((start, c)) = cut.remove(&(*from, *to)) {
                    links.push((start, Some(r.t), c, *from, *to));
                }
            }
            _ => {}
        }
    }
    for (kind, open) in [("down", down), ("paused", paused), ("clock-skew", skewed)] {
        for (_, o) in open {
            close(&mut out, kind, o, None);
        }
    }
    for ((from, to), (start, c)) in cut {
        links.push((start, None, c, from, to));
    }
    // Group links by (start, end, cause): one partition is one period.
    let mut groups: BTreeMap<Period, Vec<(NodeId, NodeId)>> = BTreeMap::new();
    for (start, end, c, from, to) in links {
        groups.entry((start, end, c)).or_default().push((from, to));
    }
    for ((start, end, c), mut pairs) in groups {
        pairs.sort_unstable();
        let mut parts = Vec::new();
        for &(a, b) in &pairs {
            let both = pairs.binary_search(&(b, a)).is_ok();
            if both && b < a {
                continue; // written once, as a ↔ b
            }
            parts.push(format!("{} {} {}", name(a), if both { "↔" } else { "→" }, name(b)));
        }
        let label = if parts.len() == 1 { format!("link cut: {}", parts[0]) } else { format!("links cut: {}", parts.join(", ")) };
        out.push(FaultPeriod { start, end, kind: "links-cut", label, cause: c });
    }
    out.sort_by(|a, b| (a.start, a.end.is_none(), a.end, a.kind, &a.label).cmp(&(b.start, b.end.is_none(), b.end, b.kind, &b.label)));
    out
}

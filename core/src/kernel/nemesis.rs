//! The nemesis: scripted faults (at a time, or when a condition on the
//! domain view first holds) and seeded random faults at given rates.
//!
//! As in Jepsen and TigerBeetle's VOPR, random faults run in a *safety
//! phase* `[start, stop)`; at `stop` the nemesis heals everything it broke —
//! restarts the nodes it crashed, resumes the ones it paused, heals the
//! network — so that a *liveness phase* can check that the system converges.

use super::fault::FaultAction;
use crate::time::Micros;
use serde::Serialize;

/// When a scripted fault fires.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger<C> {
    /// At a fixed simulated time.
    At(Micros),
    /// The first time `cond` holds at or after `after`, plus `delay`.
    When { cond: C, after: Micros, delay: Micros },
}

/// A fault from the scenario's script.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScriptedFault<C, S> {
    /// A label for the trace and the report (`"faults[2]"` by default).
    pub label: String,
    pub trigger: Trigger<C>,
    pub action: FaultAction<S>,
    /// If set, the inverse action is applied this long after the fault.
    pub duration: Option<Micros>,
}

/// Kinds of fault the random nemesis can choose from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RandomFaultKind {
    /// Process crash (`kill -9`), restarted after the fault's duration.
    Kill,
    /// Machine crash (unflushed data may be lost), restarted after.
    MachineCrash,
    /// GC-style pause, resumed after.
    Pause,
    /// The node is cut off from all others, healed after.
    Isolate,
    /// One direction of one link is cut, healed after.
    CutLink,
    /// The node's clock jumps by up to ±`max_skew`, reset after.
    ClockSkew,
    /// Machine crash plus disk loss, restarted (empty) after.
    LoseDisk,
}

/// Seeded random faults.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RandomFaults {
    pub kinds: Vec<RandomFaultKind>,
    /// Node groups that may be hit (`"brokers"`, `"consumers"` …).
    pub targets: Vec<String>,
    /// Mean time between fault starts (exponential inter-arrival).
    pub mean_interval: Micros,
    /// Mean fault duration (exponential, at least 1 ms).
    pub mean_duration: Micros,
    /// Largest clock skew, for `ClockSkew`.
    pub max_skew: Micros,
    /// The safety phase.
    pub start: Micros,
    pub stop: Micros,
    /// At most this many faults active at once (0 = unlimited).
    pub max_concurrent: u32,
}

//! Faults the kernel can apply to nodes and links.
//!
//! These are the failure modes of the machines and the network, independent
//! of what runs on them: Jepsen's nemesis vocabulary (kill, pause, partition,
//! clock skew) plus the storage faults that matter for a log (the unflushed
//! tail lost in a machine crash, a lost disk).

use super::actor::NodeId;
use super::network::LinkConfig;
use serde::Serialize;

/// How a node goes down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashKind {
    /// `kill -9` of the process: memory is lost, but everything written to the
    /// OS page cache survives (Kafka's docs: a process crash loses nothing it
    /// had appended, fsync or not).
    Process,
    /// Power loss or kernel panic: the page cache is gone too, so any suffix
    /// of data not yet fsynced may be lost.
    Machine,
}

/// Which node(s) a fault hits.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target<S> {
    /// A fixed node.
    Node(NodeId),
    /// Resolved against the domain view when the fault fires (e.g. "the
    /// current leader of orders-0"). If it resolves to nobody, the fault is
    /// recorded as skipped.
    Select(S),
}

/// One fault action. Those with an inverse (crash/restart, pause/resume,
/// cut/heal…) can be given a duration, after which the inverse is applied.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum FaultAction<S> {
    Crash {
        target: Target<S>,
        kind: CrashKind,
    },
    Restart {
        target: Target<S>,
    },
    Pause {
        target: Target<S>,
    },
    Resume {
        target: Target<S>,
    },
    /// The node's disk is lost. A node that is up is machine-crashed first;
    /// it stays down until restarted, and comes back empty.
    LoseDisk {
        target: Target<S>,
    },
    /// Sets the node's clock offset (microseconds, may be negative).
    ClockSkew {
        target: Target<S>,
        skew_us: i64,
    },
    /// Blocks every link between nodes on different sides. Nodes on no side
    /// are unaffected.
    Partition {
        sides: Vec<Vec<Target<S>>>,
    },
    /// Cuts the node off from every other node, both directions.
    Isolate {
        target: Target<S>,
    },
    /// Blocks one direction (`from → to`), or both when `symmetric`.
    CutLink {
        from: Target<S>,
        to: Target<S>,
        symmetric: bool,
    },
    /// Unblocks one direction (`from → to`), or both when `symmetric`.
    HealLink {
        from: Target<S>,
        to: Target<S>,
        symmetric: bool,
    },
    /// Unblocks every link (partitions end; per-link settings stay).
    HealAll,
    /// Changes the latency/loss/duplication/reordering of `from → to`
    /// (both directions when `symmetric`).
    SetLink {
        from: Target<S>,
        to: Target<S>,
        symmetric: bool,
        config: LinkConfig,
    },
    /// Restores the default link settings for `from → to`.
    ResetLink {
        from: Target<S>,
        to: Target<S>,
        symmetric: bool,
    },
}

impl<S: Clone> FaultAction<S> {
    /// The action that undoes this one, for faults with a duration. Undoing a
    /// partition heals exactly the links it cut (resolved at fire time by the
    /// kernel, which passes the concrete nodes).
    pub fn inverse(&self) -> Option<FaultAction<S>> {
        use FaultAction::*;
        Some(match self {
            Crash { target, .. } | LoseDisk { target } => Restart { target: target.clone() },
            Pause { target } => Resume { target: target.clone() },
            ClockSkew { target, .. } => ClockSkew { target: target.clone(), skew_us: 0 },
            CutLink { from, to, symmetric } => HealLink { from: from.clone(), to: to.clone(), symmetric: *symmetric },
            SetLink { from, to, symmetric, .. } => ResetLink { from: from.clone(), to: to.clone(), symmetric: *symmetric },
            Partition { .. } | Isolate { .. } => HealAll,
            Restart { .. } | Resume { .. } | HealLink { .. } | HealAll | ResetLink { .. } => return None,
        })
    }
}

//! Checkers and metrics over the trace (and the final replica logs).
//!
//! Checkers never look at node internals: they read the trace records and,
//! for replica agreement, the final logs that the world exports.

pub mod metrics;

use crate::kafka::types::{BrokerId, Tp};
use std::collections::BTreeMap;

/// One record of a final replica log, as the report shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FinalRecord {
    pub offset: u64,
    pub epoch: i32,
    pub key: Option<String>,
    pub value: String,
}

/// One replica's final state.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FinalReplica {
    pub broker: BrokerId,
    pub log_start: u64,
    pub leo: u64,
    pub hw: u64,
    pub records: Vec<FinalRecord>,
}

/// The final logs of every partition, replica by replica (brokers in id
/// order). Input to the replica-agreement checker and the report.
pub type FinalLogs = BTreeMap<Tp, Vec<FinalReplica>>;

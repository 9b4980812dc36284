//! Small shared Kafka types: partition ids, error codes, metadata.

use serde::Serialize;
use std::fmt;

/// A broker id (`broker.id`), 1-based; broker `b` is node `b` in the world.
pub type BrokerId = u32;

/// A topic-partition: topic index (into the scenario's topic list) and
/// partition number. Serialized compactly as `[topic, partition]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Tp(pub u16, pub u32);

impl Tp {
    pub fn topic(self) -> u16 {
        self.0
    }
    pub fn partition(self) -> u32 {
        self.1
    }
}

impl fmt::Display for Tp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}-{}", self.0, self.1)
    }
}

/// Kafka protocol error codes the model produces, with Kafka's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    None,
    NotLeaderOrFollower,
    LeaderNotAvailable,
    NotEnoughReplicas,
    NotEnoughReplicasAfterAppend,
    RequestTimedOut,
    OffsetOutOfRange,
    FencedLeaderEpoch,
    UnknownLeaderEpoch,
    OutOfOrderSequenceNumber,
    InvalidProducerEpoch,
    UnknownProducerId,
    /// The client gave up because no response came (a disconnect or a
    /// request timeout on the client side).
    NetworkException,
    /// The producer's `delivery.timeout.ms` expired.
    DeliveryTimeout,
    IllegalGeneration,
    UnknownMemberId,
    RebalanceInProgress,
    CoordinatorNotAvailable,
    InvalidUpdateVersion,
    StaleBrokerEpoch,
    IneligibleReplica,
    FencedInstanceId,
    UnknownTopicOrPartition,
    /// A batch larger than `segment.bytes`.
    RecordTooLarge,
    /// Client side: the transaction the send belonged to was aborted.
    TransactionAborted,
    /// The producer was fenced by a newer instance with the same
    /// transactional.id (`ProducerFencedException`).
    ProducerFenced,
}

impl ErrorCode {
    /// Whether the Java client retries this error.
    pub fn retriable(self) -> bool {
        use ErrorCode::*;
        matches!(
            self,
            NotLeaderOrFollower
                | LeaderNotAvailable
                | NotEnoughReplicas
                | NotEnoughReplicasAfterAppend
                | RequestTimedOut
                | FencedLeaderEpoch
                | UnknownLeaderEpoch
                | NetworkException
                | CoordinatorNotAvailable
                | UnknownTopicOrPartition
        )
    }

    /// Whether a produce that ended with this error may nevertheless have
    /// been appended (reference C7: timeouts, disconnects,
    /// NOT_LEADER_OR_FOLLOWER per KAFKA-13574, and A6's
    /// NOT_ENOUGH_REPLICAS_AFTER_APPEND are indefinite).
    pub fn ambiguous_for_produce(self) -> bool {
        use ErrorCode::*;
        matches!(self, RequestTimedOut | NetworkException | NotLeaderOrFollower | NotEnoughReplicasAfterAppend | DeliveryTimeout)
    }
}

/// What the controller publishes about one partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionMeta {
    pub tp: Tp,
    /// Assignment order: the first replica is the preferred leader.
    pub replicas: Vec<BrokerId>,
    pub leader: Option<BrokerId>,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
    pub isr: Vec<BrokerId>,
    /// KIP-966 eligible leader replicas.
    pub elr: Vec<BrokerId>,
}

/// One record of a final replica log, as checkers and the report see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FinalRecord {
    pub offset: u64,
    pub epoch: i32,
    pub key: Option<String>,
    pub value: String,
}

/// One replica's state at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FinalReplica {
    pub broker: BrokerId,
    pub log_start: u64,
    pub leo: u64,
    pub hw: u64,
    pub records: Vec<FinalRecord>,
}

//! The Kafka protocol as messages between nodes.
//!
//! Every request the real system sends over a TCP connection is a message
//! here, so network faults (loss, delay, partitions) apply to all of them.
//! Names follow Kafka's APIs (Produce, Fetch, AlterPartition, JoinGroup …).

use super::log::LogRecord;
use super::types::{BrokerId, ErrorCode, PartitionMeta, Tp};
use crate::time::Micros;

/// `acks` of a produce request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Acks {
    Zero,
    One,
    All,
}

/// One record as the producer sends it (the broker assigns offsets).
#[derive(Clone, Debug, PartialEq)]
pub struct SendRecord {
    /// The send's id in the history (producer-local counter).
    pub send_id: u64,
    pub key: Option<String>,
    pub value: String,
    pub timestamp: Micros,
}

#[derive(Clone, Debug)]
pub enum Msg {
    // ---- broker ↔ controller (KRaft) ----
    /// A broker (re)starts: `clean` tells whether it shut down cleanly
    /// (KIP-966 removes uncleanly restarted brokers from the ELR).
    BrokerRegistration {
        broker: BrokerId,
        incarnation: u64,
        clean: bool,
        logs: Vec<(Tp, u64)>,
    },
    BrokerRegistrationResponse {
        broker_epoch: u64,
    },
    BrokerHeartbeat {
        broker: BrokerId,
        broker_epoch: u64,
        /// The offset of the last metadata update the broker applied.
        metadata_offset: u64,
    },
    BrokerHeartbeatResponse {
        fenced: bool,
        broker_epoch: u64,
    },
    /// The leader asks to change the ISR (KIP-497).
    AlterPartition {
        tp: Tp,
        leader: BrokerId,
        broker_epoch: u64,
        leader_epoch: i32,
        partition_epoch: i32,
        new_isr: Vec<BrokerId>,
    },
    AlterPartitionResponse {
        tp: Tp,
        error: ErrorCode,
        meta: Option<PartitionMeta>,
    },
    /// Metadata pushed by the controller. In KRaft brokers pull the
    /// metadata log; here every change is pushed with its log `offset`, and
    /// a broker whose heartbeat shows it missed some (a partition, a lost
    /// message) is sent the full metadata — so, as with the pull, no
    /// broker stays behind once it can reach the controller.
    UpdateMetadata {
        partitions: Vec<PartitionMeta>,
        full: bool,
        offset: u64,
    },

    // ---- clients ↔ brokers ----
    MetadataRequest {
        corr: u64,
    },
    MetadataResponse {
        corr: u64,
        partitions: Vec<PartitionMeta>,
    },
    /// With a `transactional_id` this goes to the transaction coordinator,
    /// which bumps the epoch of an existing id (fencing the previous
    /// producer, aborting its open transaction).
    InitProducerId {
        corr: u64,
        transactional_id: Option<String>,
        txn_timeout: Micros,
    },
    InitProducerIdResponse {
        corr: u64,
        producer_id: i64,
        producer_epoch: i16,
    },
    Produce {
        corr: u64,
        tp: Tp,
        acks: Acks,
        timeout: Micros,
        producer_id: i64,
        producer_epoch: i16,
        base_sequence: i32,
        /// The batch belongs to a transaction.
        transactional: bool,
        records: Vec<SendRecord>,
    },
    ProduceResponse {
        corr: u64,
        tp: Tp,
        error: ErrorCode,
        base_offset: i64,
    },
    /// A fetch by a follower (`replica = Some`) or a consumer.
    Fetch {
        corr: u64,
        tp: Tp,
        replica: Option<BrokerId>,
        broker_epoch: u64,
        fetch_offset: u64,
        /// Epoch of the last record the fetcher has (KIP-101/279 divergence
        /// check), -1 if none or not sent.
        last_fetched_epoch: i32,
        /// The fetcher's idea of the leader epoch (KIP-320), -1 to skip.
        current_leader_epoch: i32,
        max_records: u32,
        read_committed: bool,
        max_wait: Micros,
    },
    FetchResponse {
        corr: u64,
        tp: Tp,
        error: ErrorCode,
        high_watermark: u64,
        last_stable_offset: u64,
        log_start_offset: u64,
        /// The leader's reply to a divergent fetch: `(epoch, end offset)`.
        diverging: Option<(i32, i64)>,
        records: Vec<LogRecord>,
    },
    /// `ListOffsets` for EARLIEST (-2) or LATEST (-1).
    ListOffsets {
        corr: u64,
        tp: Tp,
        latest: bool,
        read_committed: bool,
    },
    ListOffsetsResponse {
        corr: u64,
        tp: Tp,
        error: ErrorCode,
        offset: u64,
        leader_epoch: i32,
    },

    // ---- consumers ↔ group coordinator ----
    /// `client_id` is the client's `client.id` (the scenario name of the
    /// consumer); the coordinator builds member ids from it as Kafka does
    /// (`clientId + "-" + uuid`). `metadata` is the member's view of its
    /// subscribed topics, `(topic index, topic name, partition count)`: in
    /// Kafka the leader member computes the assignment from its own cluster
    /// metadata; here the coordinator computes it, so members supply what
    /// the leader would have known.
    JoinGroup {
        corr: u64,
        group: String,
        member: String,
        client_id: String,
        session_timeout: Micros,
        rebalance_timeout: Micros,
        topics: Vec<u16>,
        protocols: Vec<String>,
        owned: Vec<Tp>,
        metadata: Vec<(u16, String, u32)>,
    },
    JoinGroupResponse {
        corr: u64,
        error: ErrorCode,
        generation: i32,
        member: String,
        protocol: String,
        leader: String,
    },
    SyncGroup {
        corr: u64,
        group: String,
        member: String,
        generation: i32,
    },
    SyncGroupResponse {
        corr: u64,
        error: ErrorCode,
        assignment: Vec<Tp>,
    },
    Heartbeat {
        corr: u64,
        group: String,
        member: String,
        generation: i32,
    },
    HeartbeatResponse {
        corr: u64,
        error: ErrorCode,
    },
    LeaveGroup {
        group: String,
        member: String,
    },
    OffsetCommit {
        corr: u64,
        group: String,
        member: String,
        generation: i32,
        offsets: Vec<(Tp, u64)>,
    },
    OffsetCommitResponse {
        corr: u64,
        error: ErrorCode,
        offsets: Vec<(Tp, u64)>,
    },
    OffsetFetch {
        corr: u64,
        group: String,
        partitions: Vec<Tp>,
    },
    OffsetFetchResponse {
        corr: u64,
        offsets: Vec<(Tp, Option<u64>)>,
    },
    // ---- transactions (coordinator hosted on the controller node) ----
    AddPartitionsToTxn {
        corr: u64,
        txn_id: String,
        producer_id: i64,
        producer_epoch: i16,
        partitions: Vec<Tp>,
    },
    AddPartitionsToTxnResponse {
        corr: u64,
        error: ErrorCode,
    },
    EndTxn {
        corr: u64,
        txn_id: String,
        producer_id: i64,
        producer_epoch: i16,
        commit: bool,
    },
    EndTxnResponse {
        corr: u64,
        error: ErrorCode,
    },
    /// The coordinator asks a partition leader to write COMMIT/ABORT markers.
    WriteTxnMarkers {
        corr: u64,
        producer_id: i64,
        producer_epoch: i16,
        commit: bool,
        partitions: Vec<Tp>,
    },
    WriteTxnMarkersResponse {
        corr: u64,
        errors: Vec<(Tp, ErrorCode)>,
    },
    /// Tells a restarted client which node is which (bootstrap).
    Nop,
}

impl Msg {
    pub fn kind(&self) -> &'static str {
        match self {
            Msg::BrokerRegistration { .. } => "BrokerRegistration",
            Msg::BrokerRegistrationResponse { .. } => "BrokerRegistrationResponse",
            Msg::BrokerHeartbeat { .. } => "BrokerHeartbeat",
            Msg::BrokerHeartbeatResponse { .. } => "BrokerHeartbeatResponse",
            Msg::AlterPartition { .. } => "AlterPartition",
            Msg::AlterPartitionResponse { .. } => "AlterPartitionResponse",
            Msg::UpdateMetadata { .. } => "UpdateMetadata",
            Msg::MetadataRequest { .. } => "Metadata",
            Msg::MetadataResponse { .. } => "MetadataResponse",
            Msg::InitProducerId { .. } => "InitProducerId",
            Msg::InitProducerIdResponse { .. } => "InitProducerIdResponse",
            Msg::Produce { .. } => "Produce",
            Msg::ProduceResponse { .. } => "ProduceResponse",
            Msg::Fetch { replica: Some(_), .. } => "Fetch(replica)",
            Msg::Fetch { replica: None, .. } => "Fetch(consumer)",
            Msg::FetchResponse { .. } => "FetchResponse",
            Msg::ListOffsets { .. } => "ListOffsets",
            Msg::ListOffsetsResponse { .. } => "ListOffsetsResponse",
            Msg::JoinGroup { .. } => "JoinGroup",
            Msg::JoinGroupResponse { .. } => "JoinGroupResponse",
            Msg::SyncGroup { .. } => "SyncGroup",
            Msg::SyncGroupResponse { .. } => "SyncGroupResponse",
            Msg::Heartbeat { .. } => "Heartbeat",
            Msg::HeartbeatResponse { .. } => "HeartbeatResponse",
            Msg::LeaveGroup { .. } => "LeaveGroup",
            Msg::OffsetCommit { .. } => "OffsetCommit",
            Msg::OffsetCommitResponse { .. } => "OffsetCommitResponse",
            Msg::OffsetFetch { .. } => "OffsetFetch",
            Msg::OffsetFetchResponse { .. } => "OffsetFetchResponse",
            Msg::AddPartitionsToTxn { .. } => "AddPartitionsToTxn",
            Msg::AddPartitionsToTxnResponse { .. } => "AddPartitionsToTxnResponse",
            Msg::EndTxn { .. } => "EndTxn",
            Msg::EndTxnResponse { .. } => "EndTxnResponse",
            Msg::WriteTxnMarkers { .. } => "WriteTxnMarkers",
            Msg::WriteTxnMarkersResponse { .. } => "WriteTxnMarkersResponse",
            Msg::Nop => "Nop",
        }
    }
}

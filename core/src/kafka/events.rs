//! Kafka trace events: what the cluster and its clients did.
//!
//! These records are the single source of truth for checkers, metrics, the
//! report and the UI. Client operations follow Jepsen's history shape
//! (an invocation `Send`, then `SendOk` / `SendFail` / `SendInfo`).

use super::types::{BrokerId, ErrorCode, Tp};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "k")]
pub enum KEvent {
    // ---- controller ----
    /// A broker registered (after a start or restart) with a new epoch.
    BrokerRegistered {
        broker: BrokerId,
        broker_epoch: u64,
        clean: bool,
    },
    /// The controller fenced a broker (missed heartbeats, or it restarted).
    BrokerFenced {
        broker: BrokerId,
        reason: &'static str,
    },
    BrokerUnfenced {
        broker: BrokerId,
    },
    /// A partition's leadership or ISR changed (the controller's record).
    PartitionChanged {
        tp: Tp,
        leader: Option<BrokerId>,
        leader_epoch: i32,
        partition_epoch: i32,
        isr: Vec<BrokerId>,
        elr: Vec<BrokerId>,
        /// Why: "election", "unclean-election", "isr-shrink", "isr-expand",
        /// "fenced", "preferred-leader" …
        reason: &'static str,
    },
    /// The controller rejected an AlterPartition.
    AlterPartitionRejected {
        tp: Tp,
        from: BrokerId,
        error: ErrorCode,
    },

    // ---- brokers ----
    /// The broker took the leader or follower role for a partition.
    BecameLeader {
        tp: Tp,
        leader_epoch: i32,
        leo: u64,
        hw: u64,
    },
    BecameFollower {
        tp: Tp,
        leader: Option<BrokerId>,
        leader_epoch: i32,
    },
    /// A leader appended records `[base, base+values.len())`.
    Appended {
        tp: Tp,
        leader_epoch: i32,
        base: u64,
        values: Vec<String>,
    },
    /// A follower copied records `[from, to)` from the leader.
    Replicated {
        tp: Tp,
        from: u64,
        to: u64,
    },
    /// The replica's high watermark moved (may go down on followers).
    HwChanged {
        tp: Tp,
        hw: u64,
    },
    /// The replica truncated its log to `to` (dropping `[to, from_leo)`).
    Truncated {
        tp: Tp,
        to: u64,
        from_leo: u64,
        reason: &'static str,
    },
    /// The leader rejected a produce.
    ProduceRejected {
        tp: Tp,
        error: ErrorCode,
        producer: u32,
    },
    /// The leader found a retried batch it already has (idempotence).
    DuplicateBatch {
        tp: Tp,
        producer_id: i64,
        base_sequence: i32,
        base_offset: u64,
    },
    /// The leader asked the controller to change the ISR.
    IsrChangeRequested {
        tp: Tp,
        isr: Vec<BrokerId>,
    },
    /// After a restart: what survived on disk.
    Recovered {
        tp: Tp,
        leo: u64,
        hw: u64,
        log_start: u64,
    },
    /// Retention deleted whole segments; the log now starts at `log_start`.
    RetentionDeleted {
        tp: Tp,
        log_start: u64,
        segments: u32,
    },

    // ---- producers ----
    /// The application called send().
    Send {
        id: u64,
        key: Option<String>,
        value: String,
        partition: u32,
    },
    /// The send was acknowledged (`offset` -1 for acks=0).
    SendOk {
        id: u64,
        partition: u32,
        offset: i64,
    },
    /// The send definitely failed (nothing was appended).
    SendFail {
        id: u64,
        error: ErrorCode,
    },
    /// The send's outcome is unknown: it may or may not be in the log.
    SendInfo {
        id: u64,
        error: ErrorCode,
    },
    /// A batch is (re)sent: `attempt` 0 is the first try.
    BatchSent {
        tp: Tp,
        first_send: u64,
        count: u32,
        attempt: u32,
        broker: BrokerId,
    },

    // ---- consumers ----
    /// The consumer's assignment changed.
    Assigned {
        generation: i32,
        partitions: Vec<Tp>,
    },
    /// A poll returned records of one partition: `(offset, value)`.
    Polled {
        tp: Tp,
        records: Vec<(u64, String)>,
    },
    /// The application finished processing `[from, to)`.
    Processed {
        tp: Tp,
        from: u64,
        to: u64,
    },
    /// The consumer's position was reset (`auto.offset.reset`, truncation).
    PositionReset {
        tp: Tp,
        offset: u64,
        reason: &'static str,
    },
    /// An offset commit was accepted / rejected.
    Committed {
        group: String,
        tp: Tp,
        offset: u64,
        generation: i32,
    },
    CommitRejected {
        group: String,
        error: ErrorCode,
        generation: i32,
    },
    /// The group coordinator completed a rebalance.
    GroupRebalanced {
        group: String,
        generation: i32,
        members: Vec<String>,
    },
    /// A member left or was removed from its group.
    MemberLeft {
        group: String,
        member: String,
        reason: &'static str,
    },
    /// A consumer error the application sees (e.g. no reset policy).
    ConsumerError {
        tp: Tp,
        error: ErrorCode,
    },
    /// The consumer application started (or restarted) with this group: its
    /// `group.id`, or in assign mode with a committing
    /// `streamlab.commit.mode` the simple group named after the consumer.
    /// Not emitted by a consumer that has no group. Tells checkers which
    /// group a consumer's `Processed` records belong to. (New variants go at
    /// the end: the trace hash encodes the variant index.)
    ConsumerGroup {
        group: String,
    },
    // ---- transactions (new variants go at the end) ----
    /// A transactional producer began a transaction.
    TxnBegun {
        txn: String,
        producer_epoch: i16,
    },
    /// A transaction ended: committed or aborted, with its sends' ids.
    TxnEnded {
        txn: String,
        commit: bool,
        sends: Vec<u64>,
    },
    /// The producer learned it was fenced by a newer instance.
    ProducerFenced {
        txn: String,
        producer_epoch: i16,
    },
    /// A partition leader wrote a COMMIT/ABORT marker.
    TxnMarker {
        tp: Tp,
        producer_id: i64,
        commit: bool,
        offset: u64,
    },
    /// The transaction coordinator changed a transaction's state.
    TxnState {
        txn: String,
        producer_id: i64,
        producer_epoch: i16,
        state: &'static str,
    },
}

//! The names that expectations (`[expect]` in scenarios, lesson checks) can
//! test. Checker names follow Jepsen's Kafka workload so users can search
//! for them (`lost-write`, `duplicate`, `G1a` …).

/// `(name, what it counts)`.
pub const METRICS: &[(&str, &str)] = &[
    // producers
    ("sent", "records handed to producers (send() calls)"),
    ("acked", "sends acknowledged as successful"),
    ("failed", "sends that definitely failed"),
    ("indefinite", "sends whose outcome is unknown (timeout, NOT_LEADER_OR_FOLLOWER, disconnect)"),
    ("not-enough-replicas", "produce responses with NOT_ENOUGH_REPLICAS or NOT_ENOUGH_REPLICAS_AFTER_APPEND"),
    // consumers
    ("polled", "records returned by consumer polls"),
    ("commits", "offset commits accepted by the coordinator"),
    ("rejected-commits", "offset commits rejected (stale generation, unknown member)"),
    ("rebalances", "consumer group generations completed"),
    // cluster
    ("leader-elections", "leader changes of any partition"),
    ("unclean-elections", "leaders elected from outside the ISR"),
    ("isr-shrinks", "replicas removed from an ISR"),
    ("isr-expands", "replicas added to an ISR"),
    ("truncations", "replica log truncations"),
    ("offline-partitions", "partitions without a leader at the end of the run"),
    ("faults", "faults fired (scripted and random)"),
    // transactions
    ("committed-transactions", "transactions a producer committed"),
    ("aborted-transactions", "transactions that ended aborted (by the application, a failure or the coordinator)"),
    ("fenced-producers", "transactional producers fenced by a newer instance with the same transactional.id"),
    // Jepsen-named checkers
    ("lost-write", "acknowledged sends missing although later offsets were read (Jepsen :lost-write)"),
    ("unseen", "acknowledged sends never polled by the end of the run (Jepsen :unseen)"),
    ("duplicate", "values present at more than one offset (Jepsen :duplicate)"),
    ("inconsistent-offsets", "offsets observed with more than one value (Jepsen :inconsistent-offsets)"),
    ("poll-skip", "polls that skipped offsets with an unchanged assignment (Jepsen :poll-skip)"),
    ("nonmonotonic-poll", "polls that went backwards with an unchanged assignment (Jepsen :nonmonotonic-poll)"),
    ("nonmonotonic-send", "successive sends of one producer to one partition with decreasing offsets (Jepsen :nonmonotonic-send)"),
    ("G1a", "values of definitely failed sends that were read (Jepsen :G1a, aborted read)"),
    ("divergent-replicas", "offsets below the high watermark where two replicas disagree"),
    ("consumed-offset-changed", "consumed (offset, value) pairs that later changed or vanished (reference B9)"),
    // processing by consumer applications
    ("reprocessed", "records (group, partition, offset) processed more than once by the consumers of a group (reference B2, B5, B6)"),
    ("unprocessed", "offsets below a group's final committed offset that no consumer of the group processed (reference B1, B8)"),
    // stream jobs
    ("job-results", "results the readers of the jobs' sinks see (for a two-phase-commit sink: committed ones)"),
    ("late-dropped", "records dropped as late by a job (beyond allowed lateness or grace, or filtered by the watermark)"),
    ("late-side-output", "late records sent to a job's late side output"),
    ("duplicate-output", "the same job result delivered to the sink's readers more than once (at-least-once replays)"),
    ("job-failures", "job failures and restarts"),
    ("checkpoints-completed", "checkpoints completed by the jobs"),
    ("batches", "micro-batches run by the jobs"),
];

/// Whether `name` is a known metric.
pub fn known(name: &str) -> bool {
    METRICS.iter().any(|(n, _)| *n == name)
}

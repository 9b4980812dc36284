//! One-sentence explanations of the terms the views show, used as tooltips
//! (`title` attributes and the help panel). A student who has never seen
//! Kafka or Flink should be able to hover any label and learn what it means.

/// (term, one sentence). Terms are matched exactly by [`explain`].
pub const TERMS: &[(&str, &str)] = &[
    ("broker", "A Kafka server: it stores partition replicas and answers producers and consumers."),
    ("controller", "The node that decides which broker leads each partition and who is in its ISR."),
    ("leader", "The replica that takes all writes and reads for a partition; followers copy it."),
    ("follower", "A replica that copies the leader's log by fetching from it."),
    ("ISR", "In-sync replicas: the replicas that have caught up with the leader recently enough to be trusted with acknowledged writes."),
    ("ELR", "Eligible leader replicas (KIP-966): replicas that left the ISR but are known to hold every committed record, so they may still be elected."),
    ("HW", "High watermark: the offset up to which every ISR member has the records; consumers only see records below it."),
    ("LEO", "Log end offset: the offset the next record appended to this replica will get."),
    ("log start", "The first offset still kept in the log; retention deletes whole segments before it."),
    ("leader epoch", "A number that grows with every new leader; replicas use it to find where their log diverged from the leader's."),
    ("committed offset", "The position a consumer group saved: after a restart or rebalance, reading resumes there."),
    ("lag", "How many records a consumer group still has to read: the HW minus its committed offset."),
    ("acks", "How many replicas must have a write before the producer is told it succeeded: 0, 1 or all (the ISR)."),
    ("min.insync.replicas", "With acks=all, the smallest ISR a leader accepts writes with; below it writes fail with NOT_ENOUGH_REPLICAS."),
    ("event time", "When something happened, as stamped in the record itself."),
    ("processing time", "When the system handles a record, by the clock of the machine doing the work."),
    ("watermark", "An operator's claim that no more records with an earlier event time will arrive; windows fire when it passes their end."),
    ("window", "A bounded slice of event time (tumbling, sliding or session) whose records are aggregated together."),
    ("pane", "One firing of a window's result; a window may fire early, on time and late, one pane each time."),
    ("ON_TIME", "The pane fired when the watermark passed the end of the window."),
    ("EARLY", "The pane fired before the watermark reached the window's end (a speculative result)."),
    ("LATE", "The pane fired after the on-time one, because late data arrived within the allowed lateness."),
    ("allowed lateness", "How long after the watermark passes a window's end late records still update it instead of being dropped."),
    ("late data", "A record whose event time is already behind the watermark when it arrives."),
    ("checkpoint", "A consistent snapshot of every operator's state and source position, taken by barriers flowing with the data."),
    (
        "exactly-once",
        "Each input affects the published output once, even across crashes (needs replayable sources, checkpoints and a transactional or idempotent sink).",
    ),
    ("micro-batch", "Spark's model: the stream is processed as a series of small batches, one per trigger."),
    ("trace", "The ordered record of everything that happened in the run: every view is computed from it."),
];

/// The sentence for `term`, if it is in the glossary.
pub fn explain(term: &str) -> Option<&'static str> {
    TERMS.iter().find(|(t, _)| *t == term).map(|(_, s)| *s)
}

/// `term` followed by its explanation, for a `title` attribute; the term
/// alone if it is unknown.
pub fn tooltip(term: &str) -> String {
    match explain(term) {
        Some(s) => format!("{term}: {s}"),
        None => term.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_is_one_sentence_and_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for (term, sentence) in TERMS {
            assert!(seen.insert(*term), "{term} twice");
            assert!(sentence.ends_with('.'), "{term}");
            assert_eq!(sentence.matches(". ").count(), 0, "{term}: one sentence");
        }
        assert!(explain("ISR").unwrap().contains("in-sync") || explain("ISR").unwrap().contains("In-sync"));
        assert_eq!(tooltip("nope"), "nope");
    }
}

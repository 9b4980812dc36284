use super::*;
use crate::rng::RngStream;

fn builtin(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../scenarios/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

const A8: &str = "kafka/a8-unclean-election-loss.toml";

/// (now, events, trace length, hash) after a fresh run to each of `ts`
/// (sorted): one run, since `run_until` in steps equals one `run_until`.
fn fresh_states(file: &str, text: &str, seed: Option<u64>, ts: &[Micros]) -> Vec<(Micros, u64, usize, String)> {
    let mut s = crate::session::Session::load(file, text, seed).unwrap();
    ts.iter()
        .map(|&t| {
            s.run_until(t);
            (s.now(), s.world().sim.events_processed(), s.trace_len(), s.trace_hash())
        })
        .collect()
}

fn state(p: &Player) -> (Micros, u64, usize, String) {
    (p.now(), p.world().sim.events_processed(), p.trace_len(), p.trace_hash())
}

/// Seeks to `n` random moments in random order (backward and forward)
/// and compares each with a fresh run to the same moment.
fn seeks_match_fresh_runs(mut p: Player, text: &str, n: usize, draw: &str) {
    let end = p.end_time();
    let mut rng = RngStream::derive(7, draw);
    let mut ts: Vec<Micros> = (0..n).map(|_| rng.below(end + 1)).collect();
    ts.extend([0, end, end / 2, 1]);
    let mut sorted = ts.clone();
    sorted.sort_unstable();
    sorted.dedup();
    let fresh = fresh_states(p.file_name(), text, Some(p.seed()), &sorted);
    for &t in &ts {
        p.seek(t);
        let i = sorted.binary_search(&t).unwrap();
        assert_eq!(state(&p), fresh[i], "seek to {t}");
    }
    // And the run still ends where a fresh one does.
    p.run_to_end();
    assert_eq!(state(&p), *fresh.last().unwrap());
    assert!(p.is_finished());
}

#[test]
fn seek_backward_and_forward_equals_a_fresh_run() {
    let text = builtin(A8);
    let mut p = Player::load(A8, &text, None).unwrap();
    assert_eq!((p.seed(), p.end_time(), p.now()), (5, 60_000_000, 0));
    p.run_to_end();
    let (snaps, spacing) = p.snapshot_stats();
    assert_eq!(spacing, timeline::DEFAULT_SPACING);
    assert!((10..=20).contains(&snaps), "{snaps} snapshots for a 1-minute run");
    seeks_match_fresh_runs(p, &text, 120, "seeks");
}

#[test]
fn seek_works_from_the_start_and_with_a_thinned_timeline() {
    // Seeks before the run was ever run forward; then a tiny spacing and
    // cap, so the timeline thins many times and every path of `seek` runs.
    let text = builtin("basic.toml");
    let p = Player::load("basic.toml", &text, Some(3)).unwrap();
    seeks_match_fresh_runs(p.clone(), &text, 60, "from-start");
    let mut q = p;
    q.set_snapshot_policy(37, 6);
    q.run_to_end();
    let (snaps, spacing) = q.snapshot_stats();
    assert!(snaps <= 6 && spacing > 37, "{snaps} snapshots, spacing {spacing}");
    seeks_match_fresh_runs(q, &text, 80, "thinned");
}

#[test]
fn stepping_after_a_seek_continues_the_same_run() {
    let text = builtin("basic.toml");
    let mut p = Player::load("basic.toml", &text, None).unwrap();
    p.seek(7_000_000);
    p.seek(2_500_000);
    for _ in 0..500 {
        assert!(p.step());
    }
    let mut fresh = crate::session::Session::load("basic.toml", &text, None).unwrap();
    fresh.run_until(2_500_000);
    for _ in 0..500 {
        fresh.step();
    }
    assert_eq!(state(&p), (fresh.now(), fresh.world().sim.events_processed(), fresh.trace_len(), fresh.trace_hash()));
    // advance_to never goes back.
    let now = p.now();
    p.advance_to(1_000);
    assert_eq!(p.now(), now);
}

#[test]
fn injected_faults_become_scenario_text_and_replay_exactly() {
    let text = builtin(A8);
    let mut p = Player::load(A8, &text, Some(11)).unwrap();
    p.advance_to(3_123_457);
    let it = p.inject(UserFault::Crash { node: "b2".into(), hard: true }).unwrap();
    assert_eq!((it.t, it.kind), (3_123_457, "fault"));
    assert_eq!(it.text, "fault “injected: crash b2 (machine)” fired: b2 crashed (machine crash: data not yet fsynced may be lost)");
    assert_eq!(p.now(), 3_123_457);
    assert!(p.scenario_text().starts_with(&text), "the student's text is kept");
    assert_eq!(
        &p.scenario_text()[text.len()..],
        "\n# injected in the browser at 3.123457s\n[[faults]]\nlabel = \"injected: crash b2 (machine)\"\nat = \"3123457us\"\naction = \"crash\"\ntarget = \"b2\"\nmode = \"machine\"\n"
    );
    p.advance_to(9_000_000);
    let it = p.inject(UserFault::Restart { node: "b2".into() }).unwrap();
    assert_eq!(it.kind, "fault");
    assert!(it.text.ends_with("b2 restarted"), "{}", it.text);
    // Restarting a node that is up is not an error: the kernel skips it.
    let it = p.inject(UserFault::Restart { node: "b3".into() }).unwrap();
    assert_eq!((it.kind, it.text.as_str()), ("fault-skipped", "fault “injected: restart b3” did nothing: node is not down"));
    p.advance_to(12_000_000);
    p.inject(UserFault::Cut { from: "p1".into(), to: "b1".into(), symmetric: false }).unwrap();
    p.advance_to(13_000_000);
    p.inject(UserFault::HealAll).unwrap();
    // A fork diverges; the original is kept.
    let mut f = p.fork();
    f.inject(UserFault::Pause { node: "controller".into() }).unwrap();
    assert_ne!(f.scenario_text(), p.scenario_text());
    // Continue to the end; a fresh load of the text gives the same trace.
    let at = p.now();
    let before_end = state(&p);
    p.run_to_end();
    let mut q = Player::load(A8, p.scenario_text(), Some(11)).unwrap();
    q.seek(at);
    assert_eq!(state(&q), before_end);
    q.run_to_end();
    assert_eq!(state(&q), state(&p));
    f.run_to_end();
    assert_ne!(f.trace_hash(), p.trace_hash());
    let mut g = Player::load(A8, f.scenario_text(), Some(11)).unwrap();
    g.run_to_end();
    assert_eq!(g.trace_hash(), f.trace_hash());
    // The report and summary see the injected faults.
    assert!(p.summary_text().contains("injected: crash b2 (machine)") || p.report_json().contains("injected: crash b2 (machine)"));
}

#[test]
fn injection_after_a_seek_back_and_on_text_without_a_final_newline() {
    let text = builtin("basic.toml");
    let trimmed = text.trim_end();
    let mut p = Player::load("basic.toml", trimmed, None).unwrap();
    p.run_to_end();
    p.seek(4_000_000);
    p.inject(UserFault::Pause { node: "b1".into() }).unwrap();
    assert!(p.scenario_text().starts_with(&format!("{trimmed}\n\n# injected in the browser at 4.000000s\n[[faults]]")));
    assert!(p.scenario_text().contains("at = \"4s\"\n"));
    let mut q = Player::load("basic.toml", p.scenario_text(), None).unwrap();
    q.advance_to(4_000_000);
    assert_eq!(state(&q), state(&p));
    p.advance_to(5_000_000);
    p.inject(UserFault::Resume { node: "b1".into() }).unwrap();
    p.run_to_end();
    let mut q = Player::load("basic.toml", p.scenario_text(), None).unwrap();
    q.run_to_end();
    assert_eq!(q.trace_hash(), p.trace_hash());
}

#[test]
fn bad_injections_are_clear_errors_and_change_nothing() {
    let text = builtin("basic.toml");
    let mut p = Player::load("basic.toml", &text, None).unwrap();
    p.advance_to(1_000_000);
    let before = (state(&p), p.scenario_text().to_string());
    let e = p.inject(UserFault::Crash { node: "b9".into(), hard: false }).unwrap_err();
    assert_eq!(e, "there is no node “b9” in this scenario; its nodes are controller, b1, b2, b3, p1");
    let e = p.inject(UserFault::Cut { from: "b1".into(), to: "b1".into(), symmetric: true }).unwrap_err();
    assert!(e.contains("two different nodes"), "{e}");
    let e = p.inject(UserFault::Heal { from: "b1".into(), to: "zz".into(), symmetric: true }).unwrap_err();
    assert!(e.contains("no node “zz”"), "{e}");
    assert_eq!((state(&p), p.scenario_text().to_string()), before);
    // A scenario whose faults are an inline array cannot take a `[[faults]]` table.
    let inline = "name = \"x\"\nfaults = [{ at = \"1s\", action = \"heal-all\" }]\n[[topics]]\nname = \"t\"\n";
    let mut q = Player::load("inline.toml", inline, None).unwrap();
    let e = q.inject(UserFault::HealAll).unwrap_err();
    assert!(e.starts_with("the fault could not be added to the scenario: inline.toml:"), "{e}");
    assert_eq!(q.scenario_text(), inline);
}

#[test]
fn next_interesting_walks_the_story_of_a8() {
    let text = builtin(A8);
    let mut p = Player::load(A8, &text, None).unwrap();
    let mut seen = Vec::new();
    while let Some(it) = p.next_interesting() {
        assert_eq!(p.now(), it.t, "stops just after the event");
        let rec = &p.world().sim.trace().records()[it.index];
        assert_eq!(classify(p.world(), rec).map(|c| c.0), Some(it.kind));
        seen.push(it);
        if seen.len() == 11 {
            break;
        }
    }
    let story: Vec<(Micros, usize, &str, &str)> = seen.iter().map(|s| (s.t, s.index, s.kind, s.text.as_str())).collect();
    assert_eq!(
        story,
        vec![
            (1_294, 25, "election", "b1 became leader of orders-0 (epoch 0, created), ISR [b1, b2, b3]"),
            (2_000_000, 2153, "fault", "fault “faults[0] partition” fired: link b1 → b2 cut; link b1 → b3 cut; link b2 → b1 cut; link b3 → b1 cut"),
            (6_001_360, 2410, "isr", "ISR of orders-0 shrank to [b1] (leader epoch 0)"),
            (20_000_000, 10380, "fault", "fault “faults[1] crash” fired: b1 crashed (process crash: what it wrote survives in the page cache)"),
            (
                20_000_000,
                10382,
                "fault",
                "fault “faults[0] partition” ended: link b1 → b2 healed; link b1 → b3 healed; link b2 → b1 healed; link b3 → b1 healed"
            ),
            (27_250_000, 11149, "fenced", "the controller fenced b1 (session timeout)"),
            (27_250_000, 11150, "election", "b2 became leader of orders-0 (epoch 1, unclean-election), ISR [b2]"),
            (27_253_957, 11166, "isr", "ISR of orders-0 grew to [b2, b3] (leader epoch 1)"),
            (35_000_000, 20339, "fault", "fault “faults[1] crash” ended: b1 restarted"),
            (35_005_441, 20357, "truncation", "b1 truncated orders-0 to offset 100, dropping offsets 100..1000 (diverging-epoch)"),
            (35_010_609, 20381, "isr", "ISR of orders-0 grew to [b1, b2, b3] (leader epoch 1)"),
        ]
    );
    // Two interesting records of one step come one call at a time.
    let mut q = Player::load(A8, &text, None).unwrap();
    q.seek(27_000_000);
    assert_eq!(q.next_interesting().map(|i| (i.t, i.index)), Some((27_250_000, 11149)));
    let len = q.trace_len();
    assert_eq!(q.next_interesting().map(|i| (i.t, i.index)), Some((27_250_000, 11150)));
    assert_eq!(q.trace_len(), len, "no step between them");
}

#[test]
fn next_interesting_in_a_stream_job() {
    let f = "stream/flink/ex-f3-side-output.toml";
    let mut p = Player::load(f, &builtin(f), None).unwrap();
    let mut seen = Vec::new();
    while let Some(it) = p.next_interesting() {
        seen.push(it);
    }
    let first: Vec<(Micros, &str, &str)> = seen.iter().take(3).map(|s| (s.t, s.kind, s.text.as_str())).collect();
    assert_eq!(
        first,
        vec![
            (5_000, "pane", "tumbling-2s: window [0s, 2s) key “key2” = 2 (ON_TIME, pane 0)"),
            (6_000, "late-side-output", "tumbling-2s sent a late record (key “key2”, event time 1.998s) to the late side output"),
            (9_000, "pane", "tumbling-2s: window [2s, 4s) key “key2” = 1 (ON_TIME, pane 0)"),
        ]
    );
    assert!(p.is_finished());
    assert_eq!(p.next_interesting(), None);
}

#[test]
fn fault_periods_of_a8() {
    let text = builtin(A8);
    let mut p = Player::load(A8, &text, None).unwrap();
    p.seek(25_000_000);
    let mid = fault_periods(p.world());
    p.run_to_end();
    let all = fault_periods(p.world());
    assert_eq!(
        all,
        vec![
            FaultPeriod {
                start: 2_000_000,
                end: Some(20_000_000),
                kind: "links-cut",
                label: "links cut: b1 ↔ b2, b1 ↔ b3".into(),
                cause: Some("faults[0] partition".into())
            },
            FaultPeriod {
                start: 20_000_000,
                end: Some(35_000_000),
                kind: "down",
                label: "b1 down (process crash)".into(),
                cause: Some("faults[1] crash".into())
            },
        ]
    );
    assert_eq!(mid[1].end, None, "still down at 25 s");
}

#[test]
fn classify_texts() {
    assert_eq!(interesting::fmt_event_time(12_345), "12.345s");
    assert_eq!(interesting::fmt_event_time(-1_000), "-1s");
    assert_eq!(interesting::fmt_window(&crate::stream::types::Window::new(0, 10_000)), "[0s, 10s)");
    assert_eq!(interesting::fmt_window(&crate::stream::types::Window::GLOBAL), "global");
}

#[test]
fn the_step_button_always_shows_a_new_record() {
    let text = builtin(A8);
    let mut p = Player::load(A8, &text, Some(3)).unwrap();
    let mut silent_events = 0;
    let mut probe = Player::load(A8, &text, Some(3)).unwrap();
    // Raw steps: some queue events write nothing (cancelled or stale timers).
    for _ in 0..2_000 {
        let before = probe.trace_len();
        probe.step();
        silent_events += usize::from(probe.trace_len() == before);
    }
    assert!(silent_events > 0, "the scenario has events that write no record");
    for _ in 0..500 {
        let before = (p.trace_len(), p.world().sim.events_processed());
        assert!(p.step_to_next_record());
        assert!(p.trace_len() > before.0, "a step adds at least one record");
        assert!(p.world().sim.events_processed() > before.1);
    }
    p.run_to_end();
    assert!(!p.step_to_next_record(), "nothing to step at the end");
}

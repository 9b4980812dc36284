use super::*;
use crate::session::{Session, BUILTIN_SCENARIOS};

const PRODUCE: &str = r#"
name = "one acks=all produce"
duration = "6s"
[network]
latency = { distribution = "constant", value = "1ms" }
[cluster]
brokers = 3
[[topics]]
name = "orders"
partitions = 1
replication_factor = 3
[[producers]]
name = "p1"
topic = "orders"
config = { acks = "all", linger.ms = 0 }
records = [{ at = "5s", key = "a", value = "v" }]
"#;

fn produce_at(t: Micros) -> Session {
    let mut s = Session::load("t.toml", PRODUCE, Some(1)).expect("scenario");
    s.run_until(t);
    s
}

/// The indices matching `filter`, by brute force over the whole trace.
fn brute(world: &World, f: &TraceFilter) -> Vec<usize> {
    let needle = f.text.to_ascii_lowercase();
    world
        .sim
        .trace()
        .records()
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            let row = row(world, *i, r);
            let json = serde_json::to_string(&r.ev).unwrap().to_ascii_lowercase();
            f.node.as_ref().is_none_or(|n| *n == row.node)
                && f.kind.as_ref().is_none_or(|k| k == row.kind)
                && f.from.is_none_or(|t| r.t >= t)
                && f.to.is_none_or(|t| r.t <= t)
                && (!f.notable || row.notable)
                && (needle.is_empty()
                    || [row.node.to_ascii_lowercase(), row.kind.to_string(), row.summary.to_ascii_lowercase(), json].iter().any(|h| h.contains(&needle)))
        })
        .map(|(i, _)| i)
        .collect()
}

fn indices(m: &TraceTableModel) -> Vec<usize> {
    m.rows.iter().map(|r| r.index).collect()
}

#[test]
fn kind_tag_is_the_json_kind_for_every_record_of_every_builtin_scenario() {
    let mut kinds = std::collections::BTreeSet::new();
    for (name, text) in BUILTIN_SCENARIOS {
        let mut s = Session::load(name, text, None).expect("builtin");
        s.run_to_end();
        for r in s.world().sim.trace().records() {
            let v = serde_json::to_value(&r.ev).unwrap();
            let want = match (v.get("k"), v.get("stream")) {
                (Some(k), _) => k.as_str().unwrap().to_string(),
                (None, Some(st)) if st == "out" => {
                    let out = v.get("out").unwrap().as_object().unwrap();
                    format!("stream:{}", out.keys().next().unwrap())
                }
                (None, Some(st)) => format!("stream:{}", st.as_str().unwrap()),
                _ => panic!("no kind in {v}"),
            };
            assert_eq!(kind_tag(&r.ev), want, "{name}");
            kinds.insert(want);
        }
    }
    // The built-ins exercise kernel, Kafka and stream events alike.
    for k in ["msg_send", "crash", "partition_changed", "send_ok", "txn_marker", "stream:input", "stream:pane", "stream:watermark", "stream:checkpoint"] {
        assert!(kinds.contains(k), "{k} never seen");
    }
}

#[test]
fn rows_name_nodes_and_partitions() {
    let s = produce_at(5_010_000);
    let w = s.world();
    let f = TraceFilter { from: Some(5_000_000), to: Some(5_006_000), node: Some("b1".into()), ..Default::default() };
    let m = trace_rows(w, &f, Page::Follow { rows: 100 });
    let rows: Vec<(Micros, &str, &str, &str)> = m.rows.iter().map(|r| (r.t, r.node.as_str(), r.kind, r.summary.as_str())).collect();
    let id = |k: &str| {
        w.sim.trace().records().iter().find_map(|r| match &r.ev {
            TraceEvent::Kernel(KernelEvent::Send { id, kind, .. }) if *kind == k && r.t >= 5_000_000 => Some(*id),
            _ => None,
        })
    };
    let (produce, fr, resp) = (id("Produce").unwrap(), id("FetchResponse").unwrap(), id("ProduceResponse").unwrap());
    assert_eq!(
        rows,
        vec![
            (5_003_000, "b1", "msg_deliver", format!("received message #{produce} from p1").as_str()),
            (5_003_000, "b1", "appended", "orders-0: appended offset 0 (epoch 0): v"),
            (5_003_000, "b1", "msg_send", format!("FetchResponse → b2 (message #{fr})").as_str()),
            (5_003_000, "b1", "msg_send", format!("FetchResponse → b3 (message #{})", fr + 1).as_str()),
            (5_005_000, "b1", "msg_deliver", format!("received message #{} from b2", fr + 2).as_str()),
            (5_005_000, "b1", "msg_deliver", format!("received message #{} from b3", fr + 3).as_str()),
            (5_005_000, "b1", "hw_changed", "orders-0: HW → 1"),
            (5_005_000, "b1", "msg_send", format!("ProduceResponse → p1 (message #{resp})").as_str()),
        ]
    );
    assert_eq!((m.matched, m.older, m.newer), (MatchCount { n: 8, exact: true }, MatchCount { n: 0, exact: true }, MatchCount { n: 0, exact: true }));
    assert_eq!((m.older_page, m.newer_page), (None, None));
    // Indices are the trace's.
    for r in &m.rows {
        assert_eq!(w.sim.trace().records()[r.index].t, r.t);
    }
}

#[test]
fn filter_semantics_match_brute_force() {
    let s = produce_at(5_010_000);
    let w = s.world();
    let filters = [
        TraceFilter::default(),
        TraceFilter { kind: Some("msg_send".into()), ..Default::default() },
        TraceFilter { node: Some("p1".into()), kind: Some("msg_send".into()), from: Some(4_000_000), ..Default::default() },
        TraceFilter { text: "ORDERS-0".into(), ..Default::default() },
        TraceFilter { text: "fetch(replica)".into(), node: Some("b2".into()), ..Default::default() },
        TraceFilter { notable: true, ..Default::default() },
        TraceFilter { node: Some("world".into()), ..Default::default() },
        TraceFilter { from: Some(5_003_000), to: Some(5_003_000), ..Default::default() },
    ];
    for f in &filters {
        let want = brute(w, f);
        let m = trace_rows(w, f, Page::Follow { rows: 1_000_000 });
        assert_eq!(indices(&m), want, "{f:?}");
        assert_eq!(m.matched, MatchCount { n: want.len(), exact: true }, "{f:?}");
    }
    // Exact results for a few of them.
    let sends = trace_rows(w, &filters[2], Page::Follow { rows: 100 });
    assert_eq!(sends.rows.iter().map(|r| r.summary.split(" (").next().unwrap()).collect::<Vec<_>>(), ["Metadata → b2", "Produce → b1"]);
    let notable = trace_rows(w, &filters[5], Page::Follow { rows: 100 });
    assert_eq!(notable.rows.iter().map(|r| (r.node.as_str(), r.kind)).collect::<Vec<_>>(), [("controller", "partition_changed"), ("b1", "became_leader")]);
    assert!(notable.rows[0].summary.starts_with("orders-0: leader b1 (epoch 0), ISR [b1, b2, b3] — created"), "{}", notable.rows[0].summary);
    let at = trace_rows(w, &filters[7], Page::Follow { rows: 100 });
    assert_eq!(
        at.rows.iter().map(|r| (r.t, r.node.as_str(), r.kind)).collect::<Vec<_>>(),
        [(5_003_000, "b1", "msg_deliver"), (5_003_000, "b1", "appended"), (5_003_000, "b1", "msg_send"), (5_003_000, "b1", "msg_send")]
    );
    // A node name that is no node matches nothing.
    let none = trace_rows(w, &TraceFilter { node: Some("b9".into()), ..Default::default() }, Page::Follow { rows: 10 });
    assert_eq!((none.rows.len(), none.matched, none.older_page), (0, MatchCount { n: 0, exact: true }, None));
    // The same for an unknown kind.
    let none = trace_rows(w, &TraceFilter { kind: Some("nope".into()), ..Default::default() }, Page::Follow { rows: 10 });
    assert_eq!(none.matched, MatchCount { n: 0, exact: true });
}

#[test]
fn paging_is_exact_newest_last() {
    let s = produce_at(6_000_000);
    let w = s.world();
    let f = TraceFilter { kind: Some("msg_send".into()), ..Default::default() };
    let all = brute(w, &f);
    assert!(all.len() > 25, "{}", all.len());
    let n = all.len();
    let follow = trace_rows(w, &f, Page::Follow { rows: 10 });
    assert_eq!(indices(&follow), all[n - 10..]);
    assert_eq!((follow.older, follow.newer), (MatchCount { n: n - 10, exact: true }, MatchCount { n: 0, exact: true }));
    assert_eq!(follow.newer_page, None);
    assert_eq!(follow.older_page, Some(Page::Before { index: all[n - 10], rows: 10 }));
    let older = trace_rows(w, &f, follow.older_page.unwrap());
    assert_eq!(indices(&older), all[n - 20..n - 10]);
    assert_eq!((older.older.n, older.newer.n, older.matched.n), (n - 20, 10, n));
    // Back towards the end: the page after `older` is the followed one.
    let newer = trace_rows(w, &f, older.newer_page.unwrap());
    assert_eq!(indices(&newer), all[n - 10..]);
    assert_eq!(newer.newer_page, None);
    // From the very start.
    let first = trace_rows(w, &f, Page::From { index: 0, rows: 7 });
    assert_eq!(indices(&first), all[..7]);
    assert_eq!((first.older_page, first.older.n, first.newer.n), (None, 0, n - 7));
    // Before an index that is not a match.
    let mid = all[12] + 1;
    let before = trace_rows(w, &f, Page::Before { index: mid, rows: 5 });
    assert_eq!(indices(&before), all[8..13]);
    // Unfiltered: counts are arithmetic.
    let everything = trace_rows(w, &TraceFilter::default(), Page::Follow { rows: 3 });
    let len = w.sim.trace().len();
    assert_eq!(indices(&everything), [len - 3, len - 2, len - 1]);
    assert_eq!(everything.matched, MatchCount { n: len, exact: true });
}

#[test]
fn text_search_on_a_long_trace_stops_at_its_budget() {
    // 93k records: a text that matches nothing examines only the text
    // budget and says the count is a lower bound.
    let (name, text) = BUILTIN_SCENARIOS.iter().find(|(n, _)| n.contains("a2-acks1-failover-loss")).expect("builtin");
    let mut s = Session::load(name, text, None).unwrap();
    s.run_to_end();
    let w = s.world();
    assert!(w.sim.trace().len() > TEXT_BUDGET * 2);
    let f = TraceFilter { text: "no such text anywhere".into(), ..Default::default() };
    let m = trace_rows(w, &f, Page::Follow { rows: 50 });
    assert!(m.rows.is_empty());
    assert_eq!(m.matched, MatchCount { n: 0, exact: false });
    assert_eq!(m.matched.to_string(), "≥ 0");
    assert_eq!(m.older_page, Some(Page::Before { index: w.sim.trace().len() - TEXT_BUDGET, rows: 50 }));
    // A kind filter is cheap enough to count exactly.
    let f = TraceFilter { kind: Some("partition_changed".into()), ..Default::default() };
    let m = trace_rows(w, &f, Page::Follow { rows: 5 });
    assert!(m.matched.exact);
    assert_eq!(m.matched.n, brute(w, &f).len());
}

#[test]
fn kind_index_folds_incrementally_and_resets_when_the_trace_shrinks() {
    let mut s = Session::load("t.toml", PRODUCE, Some(1)).unwrap();
    let mut idx = KindIndex::default();
    s.run_until(1_000_000);
    idx.update(s.world());
    let snap = s.world().sim.snapshot();
    s.run_until(5_010_000);
    idx.update(s.world());
    let full = |w: &World| {
        let mut m: BTreeMap<&'static str, usize> = BTreeMap::new();
        for r in w.sim.trace().records() {
            *m.entry(kind_tag(&r.ev)).or_default() += 1;
        }
        m.into_iter().collect::<Vec<_>>()
    };
    assert_eq!(idx.kinds(), full(s.world()));
    assert!(idx.kinds().iter().any(|(k, n)| *k == "appended" && *n == 1));
    s.world_mut().sim.restore(&snap);
    idx.update(s.world());
    assert_eq!(idx.kinds(), full(s.world()));
    assert_eq!(idx.seen(), s.world().sim.trace().len());
}

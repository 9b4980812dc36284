//! Every view fold follows the player backward (a scrub) as well as
//! forward, and the metrics stay plottable numbers whichever way it went.

use super::metrics::MetricsFold;
use crate::player::Player;

/// Every value of every chart is a finite number of a plottable size.
fn assert_plottable(metrics: &MetricsFold, at: &str) {
    let m = metrics.model().expect("a model");
    for c in &m.charts {
        for l in &c.lines {
            for (i, v) in l.values.iter().enumerate() {
                if let Some(v) = v {
                    assert!(v.is_finite() && v.abs() < 1e12, "{at}: {} / {} [{i}] = {v}", c.id, l.name);
                }
            }
        }
    }
}

#[test]
fn folds_survive_scrubbing_back_and_forth() {
    let name = "stream/compare/flink-vs-spark.toml";
    let text = crate::lesson::builtin_scenario(name).unwrap();
    let mut p = Player::load(name, &text, Some(1)).unwrap();
    let mut metrics = MetricsFold::new();
    let mut et = super::event_time::EventTimeFold::default();
    let mut cluster = super::cluster::ClusterFold::new();
    let mut parts = super::partitions::PartitionsFold::new();
    let mut outs = super::outputs::OutputsFold::new();
    let mut all = |p: &Player, metrics: &mut MetricsFold, at: &str| {
        metrics.update(p.world());
        assert_plottable(metrics, at);
        et.update(p.world());
        cluster.advance(p.world());
        parts.advance(p.world());
        outs.advance(p.world(), 1);
        let _ = super::messages::messages(p.world(), 2_000_000, 200);
    };
    let end = p.end_time();
    let mut t = 0;
    while t < end {
        t += 250_000;
        p.advance_to(t);
        all(&p, &mut metrics, &format!("playing, at {t}"));
    }
    for target in [30_000_000, 45_000_000, 1_000_000, end, 0, 29_999_000] {
        p.seek(target);
        all(&p, &mut metrics, &format!("after seeking to {target}"));
        // A fold that first sees the run at this moment (a tab opened after the scrub).
        let mut fresh = MetricsFold::new();
        fresh.update(p.world());
        assert_plottable(&fresh, &format!("fresh fold at {target}"));
    }
}

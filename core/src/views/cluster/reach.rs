//! Who can still talk to whom under the current network cuts.
//!
//! Kafka's requests are request/response over TCP, so two nodes can work
//! together only if the link is open both ways: a one-way cut breaks the
//! conversation as surely as a full one (the requests, or their answers,
//! are lost). The "can talk" graph therefore has an undirected edge between
//! two nodes exactly when neither direction is blocked; its connected
//! components are the sides of a network partition. The side that holds the
//! controller keeps the cluster's metadata moving; brokers on another side
//! miss their heartbeats and get fenced.
//!
//! Simplification: a component is transitive (A–B and B–C open puts A and C
//! on one side even when A–C is cut), as the textbook picture of a
//! partition is; what a node can reach *directly* is reported separately
//! (`reaches_controller`).

use crate::kernel::network::Network;
use petgraph::algo::kosaraju_scc;
use petgraph::stable_graph::{NodeIndex, StableUnGraph};

/// The sides: each a list of positions into `nodes`, sorted; sides sorted by
/// their first member (so the side of the first node comes first).
pub fn sides(network: &Network, nodes: &[u32]) -> Vec<Vec<usize>> {
    let mut g: StableUnGraph<usize, ()> = StableUnGraph::default();
    let idx: Vec<NodeIndex> = (0..nodes.len()).map(|i| g.add_node(i)).collect();
    for i in 0..nodes.len() {
        for j in i + 1..nodes.len() {
            if !network.is_blocked(nodes[i], nodes[j]) && !network.is_blocked(nodes[j], nodes[i]) {
                g.add_edge(idx[i], idx[j], ());
            }
        }
    }
    let mut sides: Vec<Vec<usize>> = kosaraju_scc(&g).into_iter().map(|c| c.into_iter().map(|n| g[n]).collect::<Vec<usize>>()).collect();
    for s in &mut sides {
        s.sort_unstable();
    }
    sides.sort();
    sides
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::NetworkConfig;

    fn net(n: usize) -> Network {
        Network::new(1, NetworkConfig::default(), (0..n).map(|i| format!("n{i}")).collect())
    }

    #[test]
    fn no_cut_one_side() {
        assert_eq!(sides(&net(4), &[0, 1, 2, 3]), vec![vec![0, 1, 2, 3]]);
    }

    #[test]
    fn a_partition_makes_two_sides_and_one_way_cuts_count() {
        let mut n = net(5);
        // {1, 4} | {0, 2, 3}: cut every pair across, one of them one way only.
        for a in [1, 4] {
            for b in [0, 2, 3] {
                n.block(a, b);
                if (a, b) != (4, 3) {
                    n.block(b, a);
                }
            }
        }
        assert_eq!(sides(&n, &[0, 1, 2, 3, 4]), vec![vec![0, 2, 3], vec![1, 4]]);
        // Positions, not ids: listing the nodes in another order.
        assert_eq!(sides(&n, &[4, 0, 1]), vec![vec![0, 2], vec![1]]);
    }
}

//! The Cluster view: the nodes of the run as a graph (an SVG), drawn from
//! `streamlab_core::views::cluster`. A node's kind is its shape and a word,
//! its status a word and a pattern (never colour alone); a cut link is a
//! dashed line with a ✕, a one-way cut also shows which way is blocked.
//! Clicking a node or a link asks the app for its fault menu.

use super::{Poke, ViewProps};
use crate::glossary::{explain, tooltip};
use streamlab_core::views::cluster::{ClusterFold, ClusterModel, EdgeModel, LinkState, NodeKind, NodeModel, NODE_H, NODE_W};
use yew::prelude::*;

#[function_component(ClusterView)]
pub fn view(props: &ViewProps) -> Html {
    // The fold of the trace, kept across frames; started again for a new run.
    let fold = use_mut_ref(|| (u64::MAX, ClusterFold::new()));
    let model = {
        let mut f = fold.borrow_mut();
        if f.0 != props.run.run {
            *f = (props.run.run, ClusterFold::new());
        }
        let world = props.run.world();
        f.1.advance(&world);
        f.1.model(&world)
    };
    html! {
        <div class="cluster" data-sides={model.sides.len().to_string()}>
            { svg(&model, &props.on_poke) }
            { notes(&model) }
            { legend(&model) }
        </div>
    }
}

fn svg(m: &ClusterModel, on_poke: &Callback<Poke>) -> Html {
    let label = format!(
        "Cluster graph: {} nodes, {} links{}",
        m.nodes.len(),
        m.edges.len(),
        if m.sides.len() > 1 { format!(", network split into {} sides", m.sides.len()) } else { String::new() }
    );
    html! {
        <svg class="cluster-svg" viewBox={format!("0 0 {} {}", m.width, m.height)} role="group" aria-label={label}
            preserveAspectRatio="xMidYMin meet">
            <defs>
                <pattern id="cluster-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                    <line x1="0" y1="0" x2="0" y2="8" class="cluster-hatch-line" />
                </pattern>
            </defs>
            <g class="cluster-links">{ for m.edges.iter().map(|e| edge(e, on_poke)) }</g>
            <g class="cluster-nodes">{ for m.nodes.iter().map(|n| node(n, m, on_poke)) }</g>
        </svg>
    }
}

/// Click and Enter/Space both poke.
fn pokers(on_poke: &Callback<Poke>, poke: Poke) -> (Callback<MouseEvent>, Callback<KeyboardEvent>) {
    let (p1, p2) = (poke.clone(), poke);
    let (c1, c2) = (on_poke.clone(), on_poke.clone());
    (
        Callback::from(move |_: MouseEvent| c1.emit(p1.clone())),
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                c2.emit(p2.clone());
            }
        }),
    )
}

fn edge(e: &EdgeModel, on_poke: &Callback<Poke>) -> Html {
    let (onclick, onkeydown) = pokers(on_poke, Poke::Link { from: e.from.clone(), to: e.to.clone() });
    let d = e.curve.svg_path();
    let what = if e.roles.is_empty() { "no regular traffic".to_string() } else { e.roles.join("; ") };
    let title = format!("{} ↔ {}\n{}\nState: {}\nClick to cut or heal this link.", e.from, e.to, what, e.detail);
    let (mx, my) = (e.curve.mid.x, e.curve.mid.y);
    let mark = match e.state {
        LinkState::Cut => html! {
            <g class="cluster-link-mark">
                <circle cx={mx.to_string()} cy={my.to_string()} r="10" />
                <text x={mx.to_string()} y={(my + 5).to_string()} text-anchor="middle">{ "✕" }</text>
                <text class="cluster-link-word" x={mx.to_string()} y={(my + 24).to_string()} text-anchor="middle">{ "cut" }</text>
            </g>
        },
        LinkState::CutOneWay => {
            // The blocked direction, along the curve's tangent at its middle
            // (for a quadratic Bézier at t = ½: parallel to to − from).
            let (a, b) = if e.forward_cut { (e.curve.from, e.curve.to) } else { (e.curve.to, e.curve.from) };
            let angle = ((b.y - a.y) as f64).atan2((b.x - a.x) as f64).to_degrees().round();
            let blocked = if e.forward_cut { format!("{} → {}", e.from, e.to) } else { format!("{} → {}", e.to, e.from) };
            html! {
                <g class="cluster-link-mark">
                    <g transform={format!("translate({mx} {my}) rotate({angle})")}>
                        <polygon points="-11,-9 11,0 -11,9" />
                    </g>
                    <text x={mx.to_string()} y={(my - 12).to_string()} text-anchor="middle">{ "✕" }</text>
                    <text class="cluster-link-word" x={mx.to_string()} y={(my + 24).to_string()} text-anchor="middle">{ format!("{blocked} cut") }</text>
                </g>
            }
        }
        LinkState::Slow | LinkState::Lossy => html! {
            <text class="cluster-link-word" x={mx.to_string()} y={(my - 6).to_string()} text-anchor="middle">{ e.state.word() }</text>
        },
        LinkState::Ok => html! {},
    };
    html! {
        <g class={classes!("cluster-link", format!("cluster-link-{}", e.state.word()), e.roles.is_empty().then_some("cluster-link-idle"))}
            data-from={e.from.clone()} data-to={e.to.clone()} data-state={e.state.word()}
            data-forward-cut={e.forward_cut.to_string()} data-backward-cut={e.backward_cut.to_string()}
            tabindex="0" role="button" aria-label={format!("Link {} to {}: {}", e.from, e.to, e.detail)}
            {onclick} {onkeydown}>
            <title>{ title }</title>
            <path class="cluster-link-hit" d={d.clone()} />
            <path class="cluster-link-line" d={d} />
            { mark }
        </g>
    }
}

/// The outline of a node of this kind, centred on 0,0.
fn shape(kind: NodeKind) -> Html {
    let (w, h) = (NODE_W, NODE_H);
    let (hw, hh) = (w / 2, h / 2);
    match kind {
        // A hexagon: the one that decides.
        NodeKind::Controller => {
            let k = 14;
            html! { <polygon class="cluster-shape" points={format!("{},{} {},{} {},{} {},{} {},{} {},{}", -hw + k, -hh, hw - k, -hh, hw, 0, hw - k, hh, -hw + k, hh, -hw, 0)} /> }
        }
        // A server box.
        NodeKind::Broker => {
            html! { <rect class="cluster-shape" x={(-hw).to_string()} y={(-hh).to_string()} width={w.to_string()} height={h.to_string()} rx="4" /> }
        }
        // An arrow pointing right: it sends.
        NodeKind::Producer => {
            let k = 14;
            html! { <polygon class="cluster-shape" points={format!("{},{} {},{} {},{} {},{} {},{}", -hw, -hh, hw - k, -hh, hw, 0, hw - k, hh, -hw, hh)} /> }
        }
        // A pill: it reads.
        NodeKind::Consumer => {
            html! { <rect class="cluster-shape" x={(-hw).to_string()} y={(-hh).to_string()} width={w.to_string()} height={h.to_string()} rx={hh.to_string()} /> }
        }
        // A box with cut corners: a running program.
        NodeKind::Job => {
            let k = 12;
            html! { <polygon class="cluster-shape" points={format!("{},{} {},{} {},{} {},{} {},{} {},{} {},{} {},{}", -hw + k, -hh, hw - k, -hh, hw, -hh + k, hw, hh - k, hw - k, hh, -hw + k, hh, -hw, hh - k, -hw, -hh + k)} /> }
        }
    }
}

/// The third line of a node: the most important fact about it now.
fn fact(n: &NodeModel, m: &ClusterModel) -> String {
    let short = |v: &[String]| match v.len() {
        0 => String::new(),
        1 => v[0].clone(),
        k => format!("{} +{}", v[0], k - 1),
    };
    match n.kind {
        NodeKind::Controller => if n.active_controller { "★ active" } else { "inactive" }.to_string(),
        NodeKind::Broker if n.fenced => "⚠ fenced".to_string(),
        NodeKind::Broker if n.status == "up" && !n.reaches_controller && m.node("controller").is_some() => "⚠ no controller".to_string(),
        NodeKind::Broker if n.leads > 0 => format!("♛ leads {}", n.leads),
        NodeKind::Broker => "leads none".to_string(),
        NodeKind::Producer => format!("→ {}", short(&n.writes)),
        NodeKind::Consumer | NodeKind::Job => format!("← {}", short(&n.reads)),
    }
}

fn status_mark(status: &str) -> &'static str {
    match status {
        "down" => "✕ ",
        "paused" => "⏸ ",
        _ => "",
    }
}

fn node(n: &NodeModel, m: &ClusterModel, on_poke: &Callback<Poke>) -> Html {
    let (onclick, onkeydown) = pokers(on_poke, Poke::Node(n.name.clone()));
    let mut title = format!("{} — {}\nStatus: {}", n.name, tooltip(n.kind.word()), n.status);
    if n.kind == NodeKind::Broker {
        title.push_str(&format!("\nLeads {} partition(s) ({})", n.leads, explain("leader").unwrap_or("")));
        if n.fenced {
            title.push_str("\nFenced: the controller stopped trusting it (missed heartbeats or a restart); it leads nothing and is in no ISR.");
        }
    }
    if !n.reads.is_empty() {
        title.push_str(&format!("\nReads: {}", n.reads.join(", ")));
    }
    if !n.writes.is_empty() {
        title.push_str(&format!("\nWrites: {}", n.writes.join(", ")));
    }
    if m.sides.len() > 1 {
        title.push_str(&format!("\nNetwork side {} of {}", n.side + 1, m.sides.len()));
    }
    title.push_str("\nClick for faults (crash, restart, pause…).");
    let (hw, hh) = (NODE_W / 2, NODE_H / 2);
    html! {
        <g class={classes!("cluster-node", format!("cluster-node-{}", n.kind.word()), format!("cluster-status-{}", n.status))}
            data-node={n.name.clone()} data-kind={n.kind.word()} data-status={n.status}
            data-fenced={n.fenced.to_string()} data-active={n.active_controller.to_string()} data-leads={n.leads.to_string()}
            data-side={n.side.to_string()}
            transform={format!("translate({} {})", n.at.x, n.at.y)}
            tabindex="0" role="button" aria-label={format!("{} {} {}: {}", n.kind.word(), n.name, n.status, fact(n, m))}
            {onclick} {onkeydown}>
            <title>{ title }</title>
            { shape(n.kind) }
            if n.status != "up" {
                <rect class="cluster-status-overlay" x={(-hw).to_string()} y={(-hh).to_string()} width={NODE_W.to_string()} height={NODE_H.to_string()} rx="4" />
            }
            <text class="cluster-node-name" y="-9" text-anchor="middle">{ &n.name }</text>
            <text class="cluster-node-kind" y="7" text-anchor="middle">{ format!("{}{} · {}", status_mark(n.status), n.kind.word(), n.status) }</text>
            <text class="cluster-node-fact" y="22" text-anchor="middle">{ fact(n, m) }</text>
        </g>
    }
}

fn notes(m: &ClusterModel) -> Html {
    if m.notes.is_empty() {
        return html! {};
    }
    html! {
        <ul class="cluster-notes" aria-live="polite">
            { for m.notes.iter().map(|s| html! { <li>{ s }</li> }) }
        </ul>
    }
}

fn legend(m: &ClusterModel) -> Html {
    if m.nodes.is_empty() {
        return html! { <p class="muted">{ "No nodes." }</p> };
    }
    let has = |k: NodeKind| m.nodes.iter().any(|n| n.kind == k);
    let item = |k: NodeKind, sym: &str| has(k).then(|| html! { <span title={tooltip(k.word())}>{ format!("{sym} {}", k.word()) }</span> });
    html! {
        <p class="cluster-legend">
            { item(NodeKind::Controller, "⬡") }
            { item(NodeKind::Broker, "▭") }
            { item(NodeKind::Producer, "▷") }
            { item(NodeKind::Consumer, "⬭") }
            // An octagon like the job nodes (U+2BC3 "⯃" is missing from common fonts).
            if has(NodeKind::Job) {
                <span title={tooltip(NodeKind::Job.word())}>
                    <svg class="cluster-legend-octagon" width="13" height="11" viewBox="-1 -1 15 13" aria-hidden="true">
                        <polygon points="4,0 9,0 13,4 13,7 9,11 4,11 0,7 0,4" fill="none" stroke="currentColor" stroke-width="1.4" />
                    </svg>
                    { format!(" {}", NodeKind::Job.word()) }
                </span>
            }
            if !m.edges.is_empty() {
                <span class="cluster-legend-cut">{ "╌✕╌ cut link" }</span>
                <span class="cluster-legend-cut">{ "▶✕ one-way cut (the arrow shows the blocked way)" }</span>
                <span class="cluster-legend-slow">{ "┈ slow / lossy link" }</span>
            }
            <span class="muted">{ "Click a node or a link for faults." }</span>
        </p>
    }
}

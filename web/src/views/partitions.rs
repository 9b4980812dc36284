//! The Partitions view: one block per partition, one strip per replica,
//! drawn from `streamlab_core::views::partitions`. Each cell is one offset,
//! coloured by the leader epoch its record was written in (Okabe–Ito,
//! cycled) and labelled with that epoch; striped cells are above the high
//! watermark (consumers cannot read them yet), crossed-out cells diverge
//! from the leader. Markers show the log start, HW, LEO and each group's
//! committed offset; the leader wears a crown and the word "leader", ISR
//! membership is a badge in words. Clicking a replica's broker asks the app
//! for its fault menu.

use super::in_view::use_in_view;
use super::plot_canvas::use_resize_tick;
use super::strip_canvas::{MarkerKind, StripCanvas, StripMarker, StripNumber};
use super::{Poke, ViewProps};
use crate::glossary::tooltip;
use std::rc::Rc;
use streamlab_core::time::Micros;
use streamlab_core::views::partitions::{PartitionModel, PartitionsFold, ReplicaModel, Truncation, UNKNOWN_EPOCH};
use yew::prelude::*;

/// Cells per replica, fewer when there are many partitions (the view is
/// redrawn every frame, and must fit beside the cluster).
fn max_cells(partitions: usize) -> usize {
    match partitions {
        0..=2 => 40,
        3..=4 => 30,
        _ => 20,
    }
}

/// While playing, a large cluster's partitions are redrawn a slice at a
/// time, one slice per frame: all of them in one frame cost more than a
/// 60 fps frame allows on a slow machine (docs/performance.md). With three
/// slices at 60 frames a second each partition is still redrawn 20 times a
/// second. Paused, stepped or scrubbed, all are redrawn at once.
const SLICES: usize = 3;

/// Partitions up to this many are always redrawn together.
const SLICE_ABOVE: usize = 4;

#[function_component(PartitionsView)]
pub fn view(props: &ViewProps) -> Html {
    let fold = use_mut_ref(|| (u64::MAX, PartitionsFold::new()));
    // What each partition block shows, and the next slice to redraw.
    let shown = use_mut_ref(|| (Vec::<Rc<PartitionModel>>::new(), 0usize));
    let resized = use_resize_tick();
    let model = {
        let mut f = fold.borrow_mut();
        if f.0 != props.run.run {
            *f = (props.run.run, PartitionsFold::new());
        }
        let world = props.run.world();
        f.1.advance(&world);
        let n = world.scenario.topics.iter().map(|t| t.partitions as usize).sum();
        f.1.model(&world, max_cells(n))
    };
    if model.partitions.is_empty() {
        return html! { <p class="muted partitions-none">{ "This scenario has no Kafka topics: nothing to show here." }</p> };
    }
    let shown = {
        let mut s = shown.borrow_mut();
        let (models, next) = &mut *s;
        let sliced = props.run.live && model.partitions.len() > SLICE_ABOVE && models.len() == model.partitions.len();
        if sliced {
            for (i, p) in model.partitions.into_iter().enumerate() {
                if i % SLICES == *next {
                    models[i] = Rc::new(p);
                }
            }
            *next = (*next + 1) % SLICES;
        } else {
            *models = model.partitions.into_iter().map(Rc::new).collect();
        }
        models.clone()
    };
    html! {
        <div class="partitions">
            { legend() }
            { for shown.into_iter().map(|p| {
                let key = p.name.clone();
                html! { <PartitionBlock {key} model={p} on_poke={props.on_poke.clone()} {resized} live={props.run.live} /> }
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct BlockProps {
    /// Compared by value: an unchanged partition is not redrawn.
    model: Rc<PartitionModel>,
    on_poke: Callback<Poke>,
    resized: u32,
    /// The run is playing: out of sight, the block keeps what it drew.
    live: bool,
}

/// One partition: re-rendered only when what it shows changed, and while
/// a run plays only when in sight (`in_view`): a 12-partition cluster is
/// several screens tall.
#[function_component(PartitionBlock)]
fn partition_block(props: &BlockProps) -> Html {
    let node = use_node_ref();
    let in_view = use_in_view(node.clone());
    let shown = use_mut_ref(|| (Rc::clone(&props.model), props.resized));
    if in_view || !props.live {
        *shown.borrow_mut() = (Rc::clone(&props.model), props.resized);
    }
    let (model, resized) = shown.borrow().clone();
    // Out of sight while playing, its canvases are not painted either (see
    // partitions.css): each is a layer the browser sorts on every frame.
    let away = props.live && !in_view;
    partition(&model, &props.on_poke, resized, node, away)
}

/// The CSS class of an epoch's colour (Okabe–Ito, cycled).
fn epoch_class(epoch: i32) -> String {
    if epoch == UNKNOWN_EPOCH {
        "epoch-unknown".into()
    } else {
        format!("epoch-{}", epoch.rem_euclid(7))
    }
}

/// The row in words, for screen readers (the canvas is a picture).
fn strip_label(r: &ReplicaModel) -> String {
    let numbers = format!("LEO {}, HW {}, log start {}", r.leo, r.hw, r.log_start);
    let truncated = r.truncated.as_ref().map(|t| format!("; {}", truncation_note(t).0)).unwrap_or_default();
    let (Some(a), Some(b)) = (r.cells.first(), r.cells.last()) else {
        return format!("{}'s log: empty here; {numbers}{truncated}", r.broker);
    };
    let pending = r.cells.iter().filter(|c| !c.visible).count();
    let diverged = r.cells.iter().filter(|c| c.diverged).count();
    let epochs: std::collections::BTreeSet<i32> = r.cells.iter().map(|c| c.epoch).filter(|e| *e != UNKNOWN_EPOCH).collect();
    let epochs: Vec<String> = epochs.iter().map(i32::to_string).collect();
    format!(
        "{}'s log, offsets {} to {}: leader epoch {}; {pending} above the HW; {diverged} differing from the leader; {numbers}{truncated}",
        r.broker,
        a.offset,
        b.offset,
        if epochs.is_empty() { "unknown".to_string() } else { epochs.join(", ") }
    )
}

fn secs(t: Micros) -> String {
    format!("{:.1} s", t as f64 / 1e6)
}

fn legend() -> Html {
    html! {
        <p class="partitions-legend">
            <span title={tooltip("leader epoch")}>
                { "Cell = one offset, colour and number = " }<abbr>{ "leader epoch" }</abbr>
                <span class="legend-cells">
                    { for (0..4).map(|e| html! { <span class={classes!("cell", epoch_class(e))}>{ e }</span> }) }
                </span>
            </span>
            <span title={tooltip("HW")}><span class="cell epoch-0 cell-pending legend-cell">{ "0" }</span>{ " striped: above the HW, not visible to consumers yet" }</span>
            <span><span class="cell epoch-0 cell-diverged legend-cell">{ "0" }</span>{ " crossed: differs from the leader (will be truncated)" }</span>
        </p>
    }
}

fn partition(p: &PartitionModel, on_poke: &Callback<Poke>, resized: u32, node: NodeRef, away: bool) -> Html {
    let span = (p.end - p.first).max(1);
    let leader = p.leader.clone().unwrap_or_else(|| "none".into());
    html! {
        <section ref={node} class={classes!("partition", away.then_some("partition-away"))} data-tp={p.name.clone()} data-leader={leader.clone()} data-leader-epoch={p.leader_epoch.to_string()}
            data-hw={p.hw.to_string()} aria-label={format!("Partition {}", p.name)}>
            <header class="partition-head">
                <h3>{ &p.name }</h3>
                <span class="pill" title={tooltip("leader")}>{ "♛ leader " }<b>{ leader }</b></span>
                <span class="pill" title={tooltip("leader epoch")}>{ "epoch " }<b>{ p.leader_epoch }</b></span>
                <span class="pill" title={tooltip("ISR")}>{ "ISR [" }{ p.isr.join(", ") }{ "]" }</span>
                if !p.elr.is_empty() {
                    <span class="pill" title={tooltip("ELR")}>{ "ELR [" }{ p.elr.join(", ") }{ "]" }</span>
                }
                <span class="pill" title={tooltip("HW")}>{ "HW " }<b>{ p.hw }</b></span>
                if p.elided > 0 {
                    <span class="partition-elided muted" title="Only the newest offsets are drawn.">
                        { format!("offsets {}–{} shown, {} older not drawn", p.first, p.end.saturating_sub(1), p.elided) }
                    </span>
                }
            </header>
            <div class="replicas">
                { for p.replicas.iter().map(|r| replica(p, r, span, on_poke, resized)) }
                if !p.committed.is_empty() {
                    <div class="replica replica-groups" data-tp={p.name.clone()}>
                        <div class="replica-name-col" title={tooltip("committed offset")}>{ "groups" }</div>
                        <div class="strip-col">
                            <StripCanvas cells={Vec::new()} first={p.first} {span} groups=true {resized}
                                markers={p.committed.iter().map(|c| StripMarker {
                                    at: c.offset,
                                    label: c.group.clone(),
                                    kind: MarkerKind::Committed,
                                    title: format!("{} committed {}\n{}", c.group, c.offset, tooltip("committed offset")),
                                }).collect::<Vec<_>>()}
                                label={p.committed.iter().map(|c| format!("group {} committed offset {}", c.group, c.offset)).collect::<Vec<_>>().join("; ")} />
                        </div>
                    </div>
                }
            </div>
        </section>
    }
}

/// The note after the numbers when the replica dropped records from the
/// end of its log, and its hover text.
fn truncation_note(t: &Truncation) -> (String, String) {
    (
        format!("✂ dropped {}–{} at {} ({})", t.to, t.from_leo.saturating_sub(1), secs(t.at), t.reason),
        "Records this replica dropped from the end of its log.".to_string(),
    )
}

fn replica(p: &PartitionModel, r: &ReplicaModel, span: u64, on_poke: &Callback<Poke>, resized: u32) -> Html {
    let poke = {
        let on_poke = on_poke.clone();
        let name = r.broker.clone();
        Callback::from(move |_: MouseEvent| on_poke.emit(Poke::Node(name.clone())))
    };
    let deposed = r.role == "leader" && !r.is_leader;
    let role_word = if r.is_leader {
        "♛ leader"
    } else if deposed {
        "⚠ thinks it leads"
    } else if r.role == "offline" {
        "offline"
    } else {
        "follower"
    };
    let role_title = if deposed {
        "This broker still believes it is the leader, but the controller elected another one: a deposed (zombie) leader.".to_string()
    } else {
        tooltip(if r.is_leader { "leader" } else { "follower" })
    };
    let isr = if r.in_isr {
        "in ISR"
    } else if r.in_elr {
        "in ELR"
    } else {
        "out of ISR"
    };
    let markers = [(r.log_start, "start", MarkerKind::Start, "log start"), (r.hw, "HW", MarkerKind::Hw, "HW"), (r.leo, "LEO", MarkerKind::Leo, "LEO")];
    // Markers at the same offset share one label.
    let mut merged: Vec<StripMarker> = Vec::new();
    for (at, label, kind, term) in markers {
        if p.elided > 0 && kind == MarkerKind::Start && at < p.first {
            continue; // the log start is far left of the window: the header says so
        }
        let title = format!("{label} = {at}\n{}", tooltip(term));
        match merged.iter_mut().find(|m| m.at == at) {
            Some(m) => {
                m.label = format!("{} {label}", m.label);
                m.title = format!("{}\n\n{title}", m.title);
            }
            None => merged.push(StripMarker { at, label: label.to_string(), kind, title }),
        }
    }
    let numbers = vec![
        StripNumber { word: "LEO", value: r.leo, title: tooltip("LEO") },
        StripNumber { word: "HW", value: r.hw, title: tooltip("HW") },
        StripNumber { word: "log start", value: r.log_start, title: tooltip("log start") },
    ];
    let mut node_attrs = classes!("replica", format!("replica-{}", r.status));
    if r.is_leader {
        node_attrs.push("replica-leader");
    }
    html! {
        <div class={node_attrs} data-tp={p.name.clone()} data-replica={r.broker.clone()}
            data-hw={r.hw.to_string()} data-leo={r.leo.to_string()} data-log-start={r.log_start.to_string()}
            data-leader={r.is_leader.then_some("true")} data-role={r.role} data-status={r.status}
            data-isr={if r.in_isr { "in" } else { "out" }}>
            <div class="replica-name-col">
                <button type="button" class="replica-name" data-node={r.broker.clone()} onclick={poke}
                    title={format!("{}: click for faults (crash, restart, pause…)", r.broker)}>{ &r.broker }</button>
                <span class={classes!("badge", "badge-role", r.is_leader.then_some("badge-leader"), deposed.then_some("badge-deposed"))} title={role_title}>{ role_word }</span>
                <span class={classes!("badge", if r.in_isr { "badge-isr" } else { "badge-out" })} title={tooltip(if r.in_elr && !r.in_isr { "ELR" } else { "ISR" })}>{ isr }</span>
                if r.status != "up" {
                    <span class="badge badge-status">{ if r.status == "down" { "✕ down" } else { "⏸ paused" } }</span>
                }
            </div>
            <div class="strip-col">
                <StripCanvas cells={r.cells.clone()} first={p.first} {span} markers={merged} {numbers}
                    note={r.truncated.as_ref().map(truncation_note)} dim={r.status != "up"} label={strip_label(r)} {resized} />
            </div>
        </div>
    }
}

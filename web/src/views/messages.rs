//! The Messages view: a sequence diagram of the protocol messages of the
//! last moments (`streamlab_core::views::messages`), with its controls
//! (span, node, message families), a status line and a legend. The diagram
//! itself is drawn on a canvas (`messages_canvas`): one vertical lane per
//! node, time flowing down to "now", an arrow per message. Hover an arrow
//! for its details; click it to jump the player to its delivery (or send);
//! click a lane's name for the node's fault menu.

use super::messages_canvas::MessagesDiagram;
use super::plot_canvas::use_resize_tick;
use super::ViewProps;
use std::rc::Rc;
use streamlab_core::time::{fmt_time, Micros};
use streamlab_core::views::messages::{messages_filtered, Family, Fate, MessagesFilter, MessagesModel, DEFAULT_MAX_ARROWS, DEFAULT_SPAN, SPANS};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[function_component(MessagesView)]
pub fn view(props: &ViewProps) -> Html {
    let span = use_state(|| DEFAULT_SPAN);
    let hide = use_state(Vec::<Family>::new);
    let node = use_state(|| Option::<String>::None);
    let resized = use_resize_tick();

    let filter = MessagesFilter { hide: (*hide).clone(), node: (*node).clone() };
    let (model, names) = {
        let world = props.run.world();
        (Rc::new(messages_filtered(&world, *span, DEFAULT_MAX_ARROWS, &filter)), world.sim.node_names())
    };

    let on_node = {
        let node = node.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            node.set(if v.is_empty() { None } else { Some(v) });
        })
    };
    let span_buttons = SPANS.iter().map(|&s| {
        let span_set = span.clone();
        let pressed = *span == s;
        html! {
            <button class={classes!("msg-span", pressed.then_some("msg-span-on"))} data-span={s.to_string()}
                aria-pressed={pressed.to_string()} onclick={Callback::from(move |_| span_set.set(s))}>{ span_text(s) }</button>
        }
    });
    let family_toggles = model.family_counts.iter().map(|&(f, n)| {
        let hide = hide.clone();
        let shown = !hide.contains(&f);
        let toggle = Callback::from(move |_: Event| {
            let mut h = (*hide).clone();
            if let Some(p) = h.iter().position(|x| *x == f) {
                h.remove(p);
            } else {
                h.push(f);
            }
            hide.set(h);
        });
        html! {
            <label class={classes!("msg-fam", format!("fam-{}", f.name()))} title={f.explain()} data-family={f.name()}>
                <input type="checkbox" checked={shown} onchange={toggle} />
                <span class="msg-fam-swatch" aria-hidden="true"></span>
                { format!("{} ({n})", f.name()) }
            </label>
        }
    });

    html! {
        <div class="messages-view">
            <p class="msg-intro muted">
                { "Each arrow is one network message: it leaves the sender's lane when sent and reaches the receiver's lane when delivered; time flows down to now. Hover an arrow for details, click it to jump there, click a node's name to inject a fault." }
            </p>
            <div class="msg-controls">
                <div class="msg-spans" role="group" aria-label="Time span shown">
                    <span class="msg-label">{ "Span" }</span>
                    { for span_buttons }
                </div>
                <div class="field msg-node">
                    <label for="msg-filter-node">{ "Node" }</label>
                    <select id="msg-filter-node" onchange={on_node}>
                        <option value="" selected={node.is_none()}>{ "all nodes" }</option>
                        { for names.iter().map(|n| html! { <option value={n.clone()} selected={node.as_deref() == Some(n.as_str())}>{ n.clone() }</option> }) }
                    </select>
                </div>
                <div class="msg-fams" role="group" aria-label="Message families shown">{ for family_toggles }</div>
            </div>
            { status_line(&model) }
            <div class="msg-scroll"><MessagesDiagram model={Rc::clone(&model)} on_poke={props.on_poke.clone()} {resized} /></div>
            { legend() }
        </div>
    }
}

fn span_text(s: Micros) -> String {
    if s >= 1_000_000 {
        format!("{} s", s / 1_000_000)
    } else {
        format!("{} ms", s / 1_000)
    }
}

fn status_line(m: &MessagesModel) -> Html {
    let delivered = m.arrows.iter().filter(|a| matches!(a.fate, Fate::Delivered { .. })).count();
    let dropped = m.arrows.iter().filter(|a| matches!(a.fate, Fate::Dropped { .. })).count();
    let flying = m.arrows.len() - delivered - dropped;
    html! {
        <p class="msg-status" id="msg-status">
            { format!("{} messages from {} to {} (now): {delivered} delivered, {dropped} dropped, {flying} in flight", m.arrows.len(), fmt_time(m.start), fmt_time(m.now)) }
            if m.not_drawn > 0 {
                <span class="msg-more" id="msg-not-drawn">{ format!(" · {} more not drawn (older; choose a shorter span or filter)", m.not_drawn) }</span>
            }
        </p>
    }
}

fn legend() -> Html {
    html! {
        <p class="msg-legend muted">
            <span><svg width="34" height="10" aria-hidden="true"><line x1="2" y1="5" x2="30" y2="5" class="lg-line" /><path d="M26,1 L32,5 L26,9 z" class="lg-head" /></svg>{ " delivered" }</span>
            <span><svg width="34" height="10" aria-hidden="true"><line x1="2" y1="5" x2="24" y2="5" class="lg-line lg-dropped" /><text x="24" y="9" class="lg-x">{ "✕" }</text></svg>{ " dropped (the reason is written next to the ✕)" }</span>
            <span><svg width="34" height="10" aria-hidden="true"><line x1="2" y1="5" x2="30" y2="5" class="lg-line lg-flight" /></svg>{ " still in flight (or held by a paused node)" }</span>
            <span><svg width="34" height="10" aria-hidden="true">
                <defs><pattern id="msg-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                    <line x1="0" y1="0" x2="0" y2="6" class="msg-hatch-line" />
                </pattern></defs>
                <rect x="2" y="0" width="30" height="10" class="lg-down" /></svg>{ " node down / paused" }</span>
            <span>{ "“copy”: a second copy delivered by the link (duplication)" }</span>
        </p>
    }
}

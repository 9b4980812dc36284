//! The Messages view: a sequence diagram of the protocol messages of the
//! last moments (`streamlab_core::views::messages`). One vertical lane per
//! node, time flowing down to "now"; each message is an arrow from its
//! send to its delivery, dashed and ending in ✕ (with the reason) when it
//! was dropped, dotted and open-ended while still on the wire. Hover an
//! arrow for its details; click it to jump the player to its delivery (or
//! send); click a lane's name for the node's fault menu.

use super::{Poke, ViewProps};
use streamlab_core::time::{fmt_time, Micros};
use streamlab_core::views::messages::{
    drop_explain, drop_word, messages_filtered, Arrow, Family, Fate, Lane, Mark, MarkKind, MessagesFilter, MessagesModel, DEFAULT_MAX_ARROWS, DEFAULT_SPAN,
    SPANS,
};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Left margin for the time axis, lane header height, plot height.
const LEFT: f64 = 84.0;
const TOP: f64 = 50.0;
const PLOT_H: f64 = 520.0;
const RIGHT: f64 = 24.0;
/// Approximate width of one character of an arrow label (12 px font).
const CHAR_W: f64 = 6.6;

#[function_component(MessagesView)]
pub fn view(props: &ViewProps) -> Html {
    let span = use_state(|| DEFAULT_SPAN);
    let hide = use_state(Vec::<Family>::new);
    let node = use_state(|| Option::<String>::None);

    let filter = MessagesFilter { hide: (*hide).clone(), node: (*node).clone() };
    let (model, names) = {
        let world = props.run.world();
        (messages_filtered(&world, *span, DEFAULT_MAX_ARROWS, &filter), world.sim.node_names())
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
            <div class="msg-scroll">{ diagram(&model, &props.on_poke) }</div>
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
            <span><svg width="34" height="10" aria-hidden="true"><rect x="2" y="0" width="30" height="10" class="lg-down" /></svg>{ " node down / paused" }</span>
            <span>{ "“copy”: a second copy delivered by the link (duplication)" }</span>
        </p>
    }
}

/// Geometry shared by the drawing helpers.
struct Geo {
    start: Micros,
    span: f64,
    lane_w: f64,
    width: f64,
}

impl Geo {
    fn x(&self, lane: usize) -> f64 {
        LEFT + self.lane_w * (lane as f64 + 0.5)
    }
    fn y(&self, t: Micros) -> f64 {
        TOP + (t as f64 - self.start as f64) / self.span * PLOT_H
    }
}

/// Free spots for labels, on a coarse grid, so labels do not pile up.
struct Labels {
    cols: usize,
    taken: Vec<bool>,
}

impl Labels {
    const CELL_W: f64 = 20.0;
    const CELL_H: f64 = 13.0;
    fn new(width: f64) -> Self {
        let cols = (width / Self::CELL_W).ceil() as usize + 1;
        let rows = ((TOP + PLOT_H + 40.0) / Self::CELL_H).ceil() as usize + 1;
        Labels { cols, taken: vec![false; cols * rows] }
    }
    /// Takes the cells under a label centred at (x, y) if all are free.
    fn claim(&mut self, x: f64, y: f64, w: f64) -> bool {
        let rows = self.taken.len() / self.cols;
        let (c0, c1) = (((x - w / 2.0) / Self::CELL_W).floor().max(0.0) as usize, ((x + w / 2.0) / Self::CELL_W).floor().max(0.0) as usize);
        let r = (y / Self::CELL_H).floor().max(0.0) as usize;
        if r >= rows || c1 >= self.cols {
            return false;
        }
        let cells = (c0..=c1).map(|c| r * self.cols + c);
        if cells.clone().any(|i| self.taken[i]) {
            return false;
        }
        for i in cells {
            self.taken[i] = true;
        }
        true
    }
}

fn diagram(m: &MessagesModel, on_poke: &Callback<Poke>) -> Html {
    let n = m.lanes.len().max(1);
    let lane_w = (900.0 / n as f64).clamp(84.0, 170.0);
    let width = LEFT + lane_w * n as f64 + RIGHT;
    let height = TOP + PLOT_H + 26.0;
    let g = Geo { start: m.start, span: (m.now.saturating_sub(m.start)).max(1) as f64, lane_w, width };
    let mut labels = Labels::new(width);
    // Typical latency, to place open-ended and cut-in-flight arrows.
    let mut lat: Vec<Micros> = m.arrows.iter().filter_map(Arrow::latency).collect();
    lat.sort_unstable();
    let typical = lat.get(lat.len() / 2).copied().unwrap_or(1_000).max(1);

    let heads = Family::ALL.iter().map(|f| {
        html! {
            <marker id={format!("msg-head-{}", f.name())} class={format!("fam-{}", f.name())} viewBox="0 0 10 10" refX="9" refY="5"
                markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M0,0 L10,5 L0,10 z" class="msg-head" />
            </marker>
        }
    });
    // Marks first (behind the arrows, and their labels take room first),
    // then arrows oldest first (the newest on top; the newest get labels
    // first), then the labels that found room.
    let marks: Vec<Html> = m.marks.iter().map(|k| mark(k, &g, &mut labels, m)).collect();
    let mut arrow_labels = Vec::new();
    let arrows: Vec<Html> = m.arrows.iter().rev().map(|a| arrow(m, &g, a, typical, &mut labels, &mut arrow_labels, on_poke)).collect();
    let min_w = format!("min-width: {}px", (n as f64 * 64.0 + LEFT) as u32);
    html! {
        <svg class="msg-svg" id="msg-svg" viewBox={format!("0 0 {width:.0} {height:.0}")} width={format!("{width:.0}")} style={min_w}
            role="img" aria-label="Sequence diagram of the network messages: one lane per node, time flowing down">
            <defs>
                { for heads }
                <pattern id="msg-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                    <line x1="0" y1="0" x2="0" y2="6" class="msg-hatch-line" />
                </pattern>
                <clipPath id="msg-clip"><rect x="0" y={format!("{TOP}")} width={format!("{width:.0}")} height={format!("{PLOT_H}")} /></clipPath>
            </defs>
            { time_axis(m, &g) }
            { for m.lanes.iter().enumerate().map(|(i, l)| lane(i, l, &g, m.focus == Some(i), on_poke)) }
            <g class="msg-marks">{ for marks }</g>
            <g class="msg-arrows" clip-path="url(#msg-clip)">{ for arrows.into_iter().rev() }</g>
            <g class="msg-labels">{ for arrow_labels }</g>
            <line class="msg-now" x1={format!("{LEFT}")} x2={format!("{:.1}", width - RIGHT)} y1={f(TOP + PLOT_H)} y2={f(TOP + PLOT_H)} />
            <text class="msg-now-label" x={format!("{:.1}", LEFT - 6.0)} y={f(TOP + PLOT_H + 4.0)} text-anchor="end">{ "now" }</text>
        </svg>
    }
}

fn f(v: f64) -> String {
    format!("{v:.1}")
}

/// Tick labels down the left edge: absolute times at a round step.
fn time_axis(m: &MessagesModel, g: &Geo) -> Html {
    let span = m.now.saturating_sub(m.start).max(1);
    let step = [1_000u64, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000]
        .into_iter()
        .find(|s| span / s <= 6)
        .unwrap_or(5_000_000);
    let first = m.start.div_ceil(step) * step;
    let ticks = (0..).map(|k| first + k * step).take_while(|t| *t <= m.now).filter(|t| g.y(*t) < TOP + PLOT_H - 10.0);
    html! {
        <g class="msg-axis">
            { for ticks.map(|t| {
                let y = g.y(t);
                html! {
                    <g>
                        <line class="msg-tick" x1={f(LEFT - 4.0)} x2={format!("{:.1}", g.width - RIGHT)} y1={f(y)} y2={f(y)} />
                        <text class="msg-tick-label" x={f(LEFT - 6.0)} y={f(y + 4.0)} text-anchor="end">{ tick_text(t) }</text>
                    </g>
                }
            }) }
        </g>
    }
}

/// `12.350 s` (ms precision), or `12.3504 s` when ticks are finer.
fn tick_text(t: Micros) -> String {
    format!("{}.{:03} s", t / 1_000_000, (t % 1_000_000) / 1_000)
}

fn lane(i: usize, l: &Lane, g: &Geo, focus: bool, on_poke: &Callback<Poke>) -> Html {
    let x = g.x(i);
    let name = l.name.clone();
    let poke = on_poke.clone();
    let onclick = Callback::from(move |_: MouseEvent| poke.emit(Poke::Node(name.clone())));
    let state = (l.status != "up").then_some(l.status);
    let bar = |(a, b): (Micros, Micros), class: &'static str, word: &'static str| {
        let (ya, yb) = (g.y(a).max(TOP), g.y(b).min(TOP + PLOT_H));
        html! {
            <g class={class}>
                <rect x={f(x - 7.0)} y={f(ya)} width="14" height={f((yb - ya).max(1.0))} class="msg-lane-bar" />
                if yb - ya > 40.0 {
                    <text x={f(x + 10.0)} y={f(ya + 14.0)} class="msg-lane-word">{ word }</text>
                }
            </g>
        }
    };
    html! {
        <g class={classes!("msg-lane", format!("grp-{}", l.group), focus.then_some("msg-lane-focus"))} data-node={l.name.clone()} data-status={l.status}>
            <line class="msg-lane-line" x1={f(x)} x2={f(x)} y1={f(TOP)} y2={f(TOP + PLOT_H)} />
            { for l.down.iter().map(|p| bar(*p, "msg-down", "down")) }
            { for l.paused.iter().map(|p| bar(*p, "msg-paused", "paused")) }
            <g class="msg-lane-head" data-node={l.name.clone()} onclick={onclick} role="button">
                <title>{ format!("{} ({}), {} now — click for the fault menu", l.name, l.group, l.status) }</title>
                <rect x={f(x - g.lane_w / 2.0 + 4.0)} y="4" width={f(g.lane_w - 8.0)} height={f(TOP - 12.0)} rx="5" class="msg-lane-box" />
                <text x={f(x)} y={if state.is_some() { "21" } else { "27" }} text-anchor="middle" class="msg-lane-name">{ l.name.clone() }</text>
                if let Some(s) = state {
                    <text x={f(x)} y="35" text-anchor="middle" class="msg-lane-state">{ s }</text>
                }
            </g>
        </g>
    }
}

fn mark(k: &Mark, g: &Geo, labels: &mut Labels, m: &MessagesModel) -> Html {
    let y = g.y(k.t);
    let class = match k.kind {
        MarkKind::Crash | MarkKind::DiskLost => "mk-bad",
        MarkKind::Restart | MarkKind::Resume | MarkKind::LinkHealed | MarkKind::NemesisHealed => "mk-good",
        MarkKind::Pause | MarkKind::LinkCut | MarkKind::ConnectionRefused => "mk-warn",
        MarkKind::ClockSkew | MarkKind::LinkChanged | MarkKind::Fault | MarkKind::FaultSkipped => "mk-info",
    };
    let symbol = match k.kind {
        MarkKind::Crash => "✕",
        MarkKind::Restart => "↻",
        MarkKind::Pause => "⏸",
        MarkKind::Resume => "▶",
        MarkKind::DiskLost => "⛁",
        MarkKind::ClockSkew => "⏲",
        MarkKind::LinkCut => "✂",
        MarkKind::LinkHealed => "⚭",
        MarkKind::LinkChanged => "~",
        MarkKind::ConnectionRefused => "↯",
        MarkKind::Fault | MarkKind::FaultSkipped | MarkKind::NemesisHealed => "⚡",
    };
    let title = html! { <title>{ format!("{} at {}", k.label, fmt_time(k.t)) }</title> };
    match (k.lane, k.peer) {
        (None, _) => {
            // A world-wide fault: a line across the diagram.
            let text = format!("{symbol} {}", k.label);
            let show = labels.claim(LEFT + 4.0 + text.len() as f64 * CHAR_W / 2.0, y - 4.0, text.len() as f64 * CHAR_W);
            html! {
                <g class={classes!("msg-mark", "msg-mark-world", class)} data-kind={kind_word(k.kind)}>
                    { title }
                    <line x1={f(LEFT)} x2={f(g.width - RIGHT)} y1={f(y)} y2={f(y)} class="msg-mark-line" />
                    if show {
                        <text x={f(LEFT + 4.0)} y={f(y - 3.0)} class="msg-mark-text">{ text }</text>
                    }
                </g>
            }
        }
        (Some(a), Some(b)) if matches!(k.kind, MarkKind::LinkCut | MarkKind::LinkHealed | MarkKind::LinkChanged) => {
            let (xa, xb) = (g.x(a), g.x(b));
            let mid = (xa + xb) / 2.0;
            let word = match k.kind {
                MarkKind::LinkCut => "cut",
                MarkKind::LinkHealed => "healed",
                _ => "changed",
            };
            let text = format!("{symbol} {word}");
            let show = labels.claim(mid, y - 4.0, text.len() as f64 * CHAR_W);
            html! {
                <g class={classes!("msg-mark", "msg-mark-link", class)} data-kind={kind_word(k.kind)}
                    data-from={m.lanes[a].name.clone()} data-to={m.lanes[b].name.clone()}>
                    { title }
                    <line x1={f(xa)} x2={f(xb)} y1={f(y)} y2={f(y)} class="msg-mark-line" />
                    if show {
                        <text x={f(mid)} y={f(y - 3.0)} text-anchor="middle" class="msg-mark-text">{ text }</text>
                    }
                </g>
            }
        }
        (Some(a), _) => {
            let x = g.x(a);
            let show = labels.claim(x + 8.0 + k.label.len() as f64 * CHAR_W / 2.0, y, k.label.len() as f64 * CHAR_W + 12.0);
            html! {
                <g class={classes!("msg-mark", "msg-mark-node", class)} data-kind={kind_word(k.kind)} data-node={m.lanes[a].name.clone()}>
                    { title }
                    <circle cx={f(x)} cy={f(y)} r="7" class="msg-mark-dot" />
                    <text x={f(x)} y={f(y + 4.0)} text-anchor="middle" class="msg-mark-symbol">{ symbol }</text>
                    if show {
                        <text x={f(x + 10.0)} y={f(y + 4.0)} class="msg-mark-text">{ k.label.clone() }</text>
                    }
                </g>
            }
        }
    }
}

fn kind_word(k: MarkKind) -> &'static str {
    match k {
        MarkKind::Crash => "crash",
        MarkKind::Restart => "restart",
        MarkKind::Pause => "pause",
        MarkKind::Resume => "resume",
        MarkKind::DiskLost => "disk_lost",
        MarkKind::ClockSkew => "clock_skew",
        MarkKind::LinkCut => "link_cut",
        MarkKind::LinkHealed => "link_healed",
        MarkKind::LinkChanged => "link_changed",
        MarkKind::ConnectionRefused => "connection_refused",
        MarkKind::Fault => "fault",
        MarkKind::FaultSkipped => "fault_skipped",
        MarkKind::NemesisHealed => "nemesis_healed",
    }
}

fn fmt_latency(us: Micros) -> String {
    if us >= 1_000_000 {
        format!("{:.3} s", us as f64 / 1e6)
    } else {
        format!("{:.3} ms", us as f64 / 1e3)
    }
}

/// One arrow; its label goes to `out_labels` if there is room for it.
fn arrow(m: &MessagesModel, g: &Geo, a: &Arrow, typical: Micros, labels: &mut Labels, out_labels: &mut Vec<Html>, on_poke: &Callback<Poke>) -> Html {
    let (x1, y1) = (g.x(a.from), g.y(a.sent));
    let xt = g.x(a.to);
    let dir = if xt >= x1 { 1.0 } else { -1.0 };
    let part = |frac: f64| x1 + (xt - x1) * frac;
    let (x2, y2, fate, end_text) = match a.fate {
        Fate::Delivered { at } => (xt, g.y(at), "delivered", format!("delivered {} (latency {})", fmt_time(at), fmt_latency(at.saturating_sub(a.sent)))),
        Fate::Dropped { at, reason } => {
            let (x, y) = match reason {
                streamlab_core::kernel::DropReason::NodeDown => (xt - dir * 6.0, g.y(at)),
                streamlab_core::kernel::DropReason::CutInFlight => {
                    let frac = (at.saturating_sub(a.sent) as f64 / typical as f64).clamp(0.3, 0.8);
                    (part(frac), g.y(at))
                }
                _ => (part(0.35), g.y(at) + 4.0),
            };
            (x, y, "dropped", format!("dropped {}: {} — {}", fmt_time(at), drop_word(reason), drop_explain(reason)))
        }
        Fate::InFlight => {
            let frac = (m.now.saturating_sub(a.sent) as f64 / typical as f64).clamp(0.15, 0.85);
            (part(frac), g.y(m.now), "in-flight", format!("still in flight at {} (or held by a paused receiver)", fmt_time(m.now)))
        }
    };
    let (from, to) = (m.lanes[a.from].name.clone(), m.lanes[a.to].name.clone());
    let copy = a.copy_of.map_or(String::new(), |o| format!(" — a copy of #{o} made by the link"));
    let title = format!("{} #{}: {from} → {to}{copy}\nsent {}\n{end_text}\nclick to jump to this moment", a.kind, a.id, fmt_time(a.sent));
    let seek = a.end().unwrap_or(a.sent);
    let poke = on_poke.clone();
    let onclick = Callback::from(move |_: MouseEvent| poke.emit(Poke::Seek(seek)));
    let fam = a.family.name();
    let marker = (fate != "dropped").then(|| format!("url(#msg-head-{fam})"));

    // The label: the kind (and "copy"), at the middle, if there is room;
    // a dropped message always shows its ✕ and reason.
    let label = if a.copy_of.is_some() { format!("{} (copy)", a.kind) } else { a.kind.to_string() };
    let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
    let lw = label.len() as f64 * CHAR_W;
    if my > TOP + 6.0 && my < TOP + PLOT_H - 2.0 && labels.claim(mx, my - 4.0, lw) {
        out_labels.push(html! {
            <text key={format!("l{}", a.id)} x={f(mx)} y={f(my - 3.0)} text-anchor="middle" class={classes!("msg-label-text", format!("fam-{fam}"))}>{ label }</text>
        });
    }
    if let Fate::Dropped { reason, .. } = a.fate {
        let word = drop_word(reason);
        let anchor = if dir > 0.0 { "start" } else { "end" };
        if labels.claim(x2 + dir * (8.0 + word.len() as f64 * CHAR_W / 2.0), y2, word.len() as f64 * CHAR_W) {
            out_labels.push(html! {
                <text key={format!("r{}", a.id)} x={f(x2 + dir * 8.0)} y={f(y2 + 4.0)} text-anchor={anchor} class="msg-drop-reason">{ word }</text>
            });
        }
    }
    html! {
        <g key={a.id.to_string()} class={classes!("msg-arrow", format!("fam-{fam}"), format!("fate-{fate}"), a.copy_of.map(|_| "msg-copy"))}
            data-id={a.id.to_string()} data-from={from} data-to={to} data-kind={a.kind} data-fate={fate}
            data-sent={a.sent.to_string()} data-end={a.end().map(|e| e.to_string())} onclick={onclick}>
            <title>{ title }</title>
            <line class="msg-hit" x1={f(x1)} y1={f(y1)} x2={f(x2)} y2={f(y2)} />
            <line class="msg-line" x1={f(x1)} y1={f(y1)} x2={f(x2)} y2={f(y2)} marker-end={marker} />
            if fate == "dropped" {
                <text class="msg-x" x={f(x2)} y={f(y2 + 5.0)} text-anchor="middle">{ "✕" }</text>
            }
        </g>
    }
}

//! The Messages view's sequence diagram, drawn on a canvas: one lane per
//! node, time flowing down to "now"; each message an arrow from its send to
//! its delivery, dashed and ending in ✕ (with the reason) when it was
//! dropped, dotted while still on the wire. Hovering names what is under
//! the pointer (the canvas's title) and thickens it; clicking an arrow
//! jumps to its delivery (or send), clicking a lane's name opens the node's
//! fault menu.
//!
//! Why a canvas: as SVG, every redraw of a playing run moved all of the 300
//! arrows (the window slides with the clock), so the browser made, changed
//! and painted about 2,000 elements 20 times a second, and a 5-broker
//! cluster played at 10× held the page near 20 frames per second
//! (docs/performance.md). Here a redraw is [`layout`] (pure: the shapes
//! and the hover regions, tested natively) then [`paint`] (canvas calls).

use super::canvas_kit::{self, mono, sans, set_dash};
use super::canvas_size;
use super::Poke;
use std::rc::Rc;
use streamlab_core::kernel::DropReason;
use streamlab_core::time::{fmt_time, Micros};
use streamlab_core::views::messages::{drop_explain, drop_word, Arrow, Family, Fate, MarkKind, MessagesModel};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

/// Left margin for the time axis, lane header height, plot height, right
/// margin (CSS px). messages.css gives the canvas `HEIGHT`.
const LEFT: f64 = 84.0;
const TOP: f64 = 50.0;
const PLOT_H: f64 = 520.0;
const RIGHT: f64 = 24.0;
pub const HEIGHT: f64 = TOP + PLOT_H + 26.0;
/// The narrowest lane (CSS px): below it the diagram scrolls sideways.
pub const MIN_LANE_W: f64 = 64.0;
/// Approximate width of one character of a 12 px label, to find it room.
const CHAR_W: f64 = 6.6;
/// How far (CSS px) from an arrow the pointer still picks it.
const PICK: f64 = 5.0;

const LABEL_FONT: &str = sans!("600", "12");
const DROP_X_FONT: &str = sans!("700", "15");
const DROP_WORD_FONT: &str = sans!("600", "12");
const LANE_NAME_FONT: &str = sans!("700", "14");
const LANE_STATE_FONT: &str = sans!("700", "11");
const LANE_WORD_FONT: &str = sans!("700", "11");
const MARK_TEXT_FONT: &str = sans!("600", "12");
const MARK_SYMBOL_FONT: &str = sans!("700", "10");
const TICK_FONT: &str = mono!("400", "11");
const NOW_FONT: &str = mono!("700", "11");

/// A colour, named by role; [`Palette`] resolves it for the page's scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ink {
    Text,
    Muted,
    Panel,
    Border,
    CodeBg,
    Blue,
    Vermillion,
    Green,
    Orange,
    /// The text colour of warnings (darker than orange, for contrast).
    WarnText,
    Fam(Family),
    /// A lane header's fill, by the node's group.
    BoxBrokers,
    BoxController,
}

/// The colours of style.css and messages.css (a test checks they agree;
/// the lane headers' tints by group are only here).
pub struct Palette {
    text: &'static str,
    muted: &'static str,
    panel: &'static str,
    border: &'static str,
    code_bg: &'static str,
    blue: &'static str,
    box_brokers: &'static str,
    box_controller: &'static str,
    /// By [`Family::ALL`] order.
    fam: [&'static str; 8],
}

const VERMILLION: &str = "#d55e00";
const GREEN: &str = "#009e73";
const ORANGE: &str = "#e69f00";
const WARN_TEXT: &str = "#a36d00";

pub const LIGHT: Palette = Palette {
    text: "#1c2024",
    muted: "#5a636d",
    panel: "#ffffff",
    border: "#d3d9df",
    code_bg: "#f3f5f8",
    blue: "#0072b2",
    box_brokers: "#e3effa",
    box_controller: "#fcefd6",
    fam: ["#0072b2", "#009e73", "#cc79a7", "#7a8591", "#e69f00", "#56b4e9", "#b8860b", "#444"],
};
pub const DARK: Palette = Palette {
    text: "#e4e8ec",
    muted: "#9aa5b0",
    panel: "#181e24",
    border: "#334049",
    code_bg: "#12171c",
    blue: "#3a9ad9",
    box_brokers: "#12304a",
    box_controller: "#3a2c0a",
    fam: ["#3a9ad9", "#009e73", "#cc79a7", "#9aa5b0", "#e69f00", "#56b4e9", "#f0e442", "#ccc"],
};

impl Palette {
    pub fn of(&self, ink: Ink) -> &'static str {
        match ink {
            Ink::Text => self.text,
            Ink::Muted => self.muted,
            Ink::Panel => self.panel,
            Ink::Border => self.border,
            Ink::CodeBg => self.code_bg,
            Ink::Blue => self.blue,
            Ink::Vermillion => VERMILLION,
            Ink::Green => GREEN,
            Ink::Orange => ORANGE,
            Ink::WarnText => WARN_TEXT,
            Ink::Fam(f) => self.fam[Family::ALL.iter().position(|x| *x == f).unwrap_or(7)],
            Ink::BoxBrokers => self.box_brokers,
            Ink::BoxController => self.box_controller,
        }
    }
}

/// What a shape belongs to, for hover highlighting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `model.arrows[i]`.
    Arrow(usize),
    /// `model.marks[i]`.
    Mark(usize),
    /// The header of `model.lanes[i]`.
    Lane(usize),
}

/// Horizontal text alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Start,
    Center,
    End,
}

/// One drawn thing, in CSS pixels.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    Line {
        a: (f64, f64),
        b: (f64, f64),
        ink: Ink,
        width: f64,
        dash: &'static [f64],
        round: bool,
        of: Option<Target>,
    },
    /// A filled triangle: an arrowhead with its tip at `tip`, pointing away from `from`.
    Head {
        tip: (f64, f64),
        from: (f64, f64),
        ink: Ink,
        of: Option<Target>,
    },
    /// A rectangle, optionally rounded, filled, outlined or hatched.
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        radius: f64,
        fill: Option<Ink>,
        stroke: Option<(Ink, f64, &'static [f64])>,
        hatch: Option<Ink>,
        of: Option<Target>,
    },
    Circle {
        c: (f64, f64),
        r: f64,
        fill: Ink,
        stroke: (Ink, f64),
        of: Option<Target>,
    },
    /// Text at its baseline; `halo` outlines it in the panel colour so it
    /// reads over lines.
    Text {
        at: (f64, f64),
        text: String,
        font: &'static str,
        ink: Ink,
        align: Align,
        halo: bool,
    },
    /// Clip what follows to the plot (until `Unclip`).
    ClipPlot {
        x: f64,
        w: f64,
    },
    Unclip,
}

/// Where the pointer picks something.
#[derive(Clone, Debug, PartialEq)]
pub enum Region {
    /// Near a segment (within [`PICK`]).
    Segment {
        a: (f64, f64),
        b: (f64, f64),
    },
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
    },
    Circle {
        c: (f64, f64),
        r: f64,
    },
}

/// A drawn diagram: its shapes in drawing order and its hover regions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scene {
    pub shapes: Vec<Shape>,
    /// Picked in order: lane headers, then marks, then the nearest arrow.
    pub regions: Vec<(Region, Target)>,
    /// Canvas CSS width the scene was laid out for.
    pub width: f64,
}

/// Lane and time geometry.
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

/// The canvas width (CSS px) the diagram needs at least for `lanes` lanes.
pub fn min_width(lanes: usize) -> f64 {
    LEFT + lanes.max(1) as f64 * MIN_LANE_W + RIGHT
}

/// Lays the diagram out for a canvas `width` CSS pixels wide.
pub fn layout(m: &MessagesModel, width: f64) -> Scene {
    let n = m.lanes.len().max(1);
    let width = width.max(min_width(n));
    let lane_w = (width - LEFT - RIGHT) / n as f64;
    let g = Geo { start: m.start, span: (m.now.saturating_sub(m.start)).max(1) as f64, lane_w, width };
    let mut s = Scene { width, ..Scene::default() };
    let mut labels = Labels::new(width);
    time_axis(&mut s, m, &g);
    for i in 0..m.lanes.len() {
        lane(&mut s, m, i, &g);
    }
    // Marks first (behind the arrows, and their labels take room first),
    // then arrows oldest first (the newest on top; the newest get labels
    // first), then the labels that found room.
    for i in 0..m.marks.len() {
        mark(&mut s, m, i, &g, &mut labels);
    }
    // Typical latency, to place open-ended and cut-in-flight arrows.
    let mut lat: Vec<Micros> = m.arrows.iter().filter_map(Arrow::latency).collect();
    lat.sort_unstable();
    let typical = lat.get(lat.len() / 2).copied().unwrap_or(1_000).max(1);
    let mut texts = Vec::new();
    let mut arrows = Vec::with_capacity(m.arrows.len());
    for i in (0..m.arrows.len()).rev() {
        arrows.push(arrow(m, i, &g, typical, &mut labels, &mut texts));
    }
    s.shapes.push(Shape::ClipPlot { x: 0.0, w: width });
    for (shapes, region) in arrows.into_iter().rev() {
        s.shapes.extend(shapes);
        s.regions.push(region);
    }
    s.shapes.push(Shape::Unclip);
    s.shapes.extend(texts);
    let y = TOP + PLOT_H;
    s.shapes.push(Shape::Line { a: (LEFT, y), b: (width - RIGHT, y), ink: Ink::Text, width: 1.5, dash: &[], round: false, of: None });
    s.shapes.push(Shape::Text { at: (LEFT - 6.0, y + 4.0), text: "now".into(), font: NOW_FONT, ink: Ink::Text, align: Align::End, halo: false });
    // Lane headers are picked before marks, marks before arrows.
    s.regions.sort_by_key(|(_, t)| match t {
        Target::Lane(_) => 0,
        Target::Mark(_) => 1,
        Target::Arrow(_) => 2,
    });
    s
}

/// Tick lines and labels down the left edge: absolute times at a round step.
fn time_axis(s: &mut Scene, m: &MessagesModel, g: &Geo) {
    let span = m.now.saturating_sub(m.start).max(1);
    let step = [1_000u64, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000]
        .into_iter()
        .find(|st| span / st <= 6)
        .unwrap_or(5_000_000);
    let first = m.start.div_ceil(step) * step;
    for t in (0..).map(|k| first + k * step).take_while(|t| *t <= m.now) {
        let y = g.y(t);
        if y >= TOP + PLOT_H - 10.0 {
            continue;
        }
        s.shapes.push(Shape::Line { a: (LEFT - 4.0, y), b: (g.width - RIGHT, y), ink: Ink::Border, width: 1.0, dash: &[2.0, 4.0], round: false, of: None });
        s.shapes.push(Shape::Text { at: (LEFT - 6.0, y + 4.0), text: tick_text(t), font: TICK_FONT, ink: Ink::Muted, align: Align::End, halo: false });
    }
}

/// `12.350 s` (ms precision).
fn tick_text(t: Micros) -> String {
    format!("{}.{:03} s", t / 1_000_000, (t % 1_000_000) / 1_000)
}

/// A lane: its line, its down and paused periods, its header.
fn lane(s: &mut Scene, m: &MessagesModel, i: usize, g: &Geo) {
    let l = &m.lanes[i];
    let x = g.x(i);
    let focus = m.focus == Some(i);
    let (ink, width) = if focus { (Ink::Blue, 3.0) } else { (Ink::Border, 2.0) };
    s.shapes.push(Shape::Line { a: (x, TOP), b: (x, TOP + PLOT_H), ink, width, dash: &[], round: false, of: None });
    let mut bar = |(a, b): (Micros, Micros), down: bool| {
        let (ya, yb) = (g.y(a).max(TOP), g.y(b).min(TOP + PLOT_H));
        let h = (yb - ya).max(1.0);
        s.shapes.push(if down {
            Shape::Rect {
                x: x - 7.0,
                y: ya,
                w: 14.0,
                h,
                radius: 0.0,
                fill: None,
                stroke: Some((Ink::Vermillion, 1.0, &[])),
                hatch: Some(Ink::Vermillion),
                of: None,
            }
        } else {
            Shape::Rect {
                x: x - 7.0,
                y: ya,
                w: 14.0,
                h,
                radius: 0.0,
                fill: Some(Ink::CodeBg),
                stroke: Some((Ink::Muted, 1.0, &[3.0, 2.0])),
                hatch: None,
                of: None,
            }
        });
        if yb - ya > 40.0 {
            let (word, ink) = if down { ("down", Ink::Vermillion) } else { ("paused", Ink::Muted) };
            s.shapes.push(Shape::Text { at: (x + 10.0, ya + 14.0), text: word.into(), font: LANE_WORD_FONT, ink, align: Align::Start, halo: false });
        }
    };
    for p in &l.down {
        bar(*p, true);
    }
    for p in &l.paused {
        bar(*p, false);
    }
    let fill = match l.group.as_str() {
        "brokers" => Ink::BoxBrokers,
        "controller" => Ink::BoxController,
        _ => Ink::CodeBg,
    };
    let (bx, bw, bh) = (x - g.lane_w / 2.0 + 4.0, g.lane_w - 8.0, TOP - 12.0);
    let stroke = if focus { (Ink::Blue, 2.0, &[][..]) } else { (Ink::Border, 1.0, &[][..]) };
    s.shapes.push(Shape::Rect { x: bx, y: 4.0, w: bw, h: bh, radius: 5.0, fill: Some(fill), stroke: Some(stroke), hatch: None, of: Some(Target::Lane(i)) });
    let state = (l.status != "up").then_some(l.status);
    let name_y = if state.is_some() { 21.0 } else { 27.0 };
    s.shapes.push(Shape::Text { at: (x, name_y), text: l.name.clone(), font: LANE_NAME_FONT, ink: Ink::Text, align: Align::Center, halo: false });
    if let Some(st) = state {
        s.shapes.push(Shape::Text { at: (x, 35.0), text: st.to_uppercase(), font: LANE_STATE_FONT, ink: Ink::Vermillion, align: Align::Center, halo: false });
    }
    s.regions.push((Region::Rect { x: bx, y: 4.0, w: bw, h: bh }, Target::Lane(i)));
}

fn mark_ink(k: MarkKind) -> (Ink, Ink) {
    // (line / dot, text / symbol)
    match k {
        MarkKind::Crash | MarkKind::DiskLost => (Ink::Vermillion, Ink::Vermillion),
        MarkKind::Restart | MarkKind::Resume | MarkKind::LinkHealed | MarkKind::NemesisHealed => (Ink::Green, Ink::Green),
        MarkKind::Pause | MarkKind::LinkCut | MarkKind::ConnectionRefused => (Ink::Orange, Ink::WarnText),
        MarkKind::ClockSkew | MarkKind::LinkChanged | MarkKind::Fault | MarkKind::FaultSkipped => (Ink::Muted, Ink::Muted),
    }
}

fn mark_symbol(k: MarkKind) -> &'static str {
    match k {
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
    }
}

/// A lifecycle or fault mark: a line across the diagram (world-wide), a
/// line between two lanes (a link), or a dot on a lane (a node).
fn mark(s: &mut Scene, m: &MessagesModel, i: usize, g: &Geo, labels: &mut Labels) {
    let k = &m.marks[i];
    let y = g.y(k.t);
    let (line_ink, text_ink) = mark_ink(k.kind);
    let symbol = mark_symbol(k.kind);
    let of = Some(Target::Mark(i));
    match (k.lane, k.peer) {
        (None, _) => {
            let text = format!("{symbol} {}", k.label);
            let w = text.chars().count() as f64 * CHAR_W;
            s.shapes.push(Shape::Line { a: (LEFT, y), b: (g.width - RIGHT, y), ink: line_ink, width: 1.5, dash: &[2.0, 3.0], round: false, of });
            if labels.claim(LEFT + 4.0 + w / 2.0, y - 4.0, w) {
                s.shapes.push(Shape::Text { at: (LEFT + 4.0, y - 3.0), text, font: MARK_TEXT_FONT, ink: text_ink, align: Align::Start, halo: true });
            }
            s.regions.push((Region::Segment { a: (LEFT, y), b: (g.width - RIGHT, y) }, Target::Mark(i)));
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
            s.shapes.push(Shape::Line { a: (xa, y), b: (xb, y), ink: line_ink, width: 1.5, dash: &[5.0, 3.0], round: false, of });
            if labels.claim(mid, y - 4.0, text.chars().count() as f64 * CHAR_W) {
                s.shapes.push(Shape::Text { at: (mid, y - 3.0), text, font: MARK_TEXT_FONT, ink: text_ink, align: Align::Center, halo: true });
            }
            s.regions.push((Region::Segment { a: (xa, y), b: (xb, y) }, Target::Mark(i)));
        }
        (Some(a), _) => {
            let x = g.x(a);
            let w = k.label.chars().count() as f64 * CHAR_W;
            s.shapes.push(Shape::Circle { c: (x, y), r: 7.0, fill: Ink::Panel, stroke: (line_ink, 1.5), of });
            s.shapes.push(Shape::Text { at: (x, y + 3.5), text: symbol.into(), font: MARK_SYMBOL_FONT, ink: text_ink, align: Align::Center, halo: false });
            if labels.claim(x + 8.0 + w / 2.0, y, w + 12.0) {
                s.shapes.push(Shape::Text {
                    at: (x + 10.0, y + 4.0),
                    text: k.label.clone(),
                    font: MARK_TEXT_FONT,
                    ink: text_ink,
                    align: Align::Start,
                    halo: true,
                });
            }
            s.regions.push((Region::Circle { c: (x, y), r: 8.0 }, Target::Mark(i)));
        }
    }
}

/// Where an arrow ends: its delivery, where it was dropped, or how far it
/// has come if still on the wire.
fn arrow_end(m: &MessagesModel, a: &Arrow, g: &Geo, typical: Micros) -> (f64, f64) {
    let (x1, xt) = (g.x(a.from), g.x(a.to));
    let dir = if xt >= x1 { 1.0 } else { -1.0 };
    let part = |frac: f64| x1 + (xt - x1) * frac;
    match a.fate {
        Fate::Delivered { at } => (xt, g.y(at)),
        Fate::Dropped { at, reason } => match reason {
            DropReason::NodeDown => (xt - dir * 6.0, g.y(at)),
            DropReason::CutInFlight => (part((at.saturating_sub(a.sent) as f64 / typical as f64).clamp(0.3, 0.8)), g.y(at)),
            _ => (part(0.35), g.y(at) + 4.0),
        },
        Fate::InFlight => (part((m.now.saturating_sub(a.sent) as f64 / typical as f64).clamp(0.15, 0.85)), g.y(m.now)),
    }
}

/// One arrow's shapes and region; its labels go to `texts` (drawn above
/// every arrow) if there is room for them.
fn arrow(m: &MessagesModel, i: usize, g: &Geo, typical: Micros, labels: &mut Labels, texts: &mut Vec<Shape>) -> (Vec<Shape>, (Region, Target)) {
    let a = &m.arrows[i];
    let of = Some(Target::Arrow(i));
    let ink = Ink::Fam(a.family);
    let (x1, y1) = (g.x(a.from), g.y(a.sent));
    let (x2, y2) = arrow_end(m, a, g, typical);
    let dir = if g.x(a.to) >= x1 { 1.0 } else { -1.0 };
    let (width, dash, round): (f64, &'static [f64], bool) = match a.fate {
        Fate::Dropped { .. } => (1.6, &[6.0, 4.0], false),
        Fate::InFlight => (2.0, &[1.5, 3.0], true),
        Fate::Delivered { .. } if a.copy_of.is_some() => (1.6, &[10.0, 2.0, 2.0, 2.0], false),
        Fate::Delivered { .. } => (1.6, &[], false),
    };
    let mut shapes = vec![Shape::Line { a: (x1, y1), b: (x2, y2), ink, width, dash, round, of }];
    if let Fate::Dropped { reason, .. } = a.fate {
        shapes.push(Shape::Text { at: (x2, y2 + 5.0), text: "✕".into(), font: DROP_X_FONT, ink: Ink::Vermillion, align: Align::Center, halo: false });
        let word = drop_word(reason);
        if labels.claim(x2 + dir * (8.0 + word.len() as f64 * CHAR_W / 2.0), y2, word.len() as f64 * CHAR_W) {
            let align = if dir > 0.0 { Align::Start } else { Align::End };
            texts.push(Shape::Text { at: (x2 + dir * 8.0, y2 + 4.0), text: word.into(), font: DROP_WORD_FONT, ink: Ink::Vermillion, align, halo: true });
        }
    } else {
        shapes.push(Shape::Head { tip: (x2, y2), from: (x1, y1), ink, of });
    }
    // The kind (and "copy") at the middle, if there is room.
    let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
    let label = if a.copy_of.is_some() { format!("{} (copy)", a.kind) } else { a.kind.to_string() };
    if my > TOP + 6.0 && my < TOP + PLOT_H - 2.0 && labels.claim(mx, my - 4.0, label.len() as f64 * CHAR_W) {
        texts.push(Shape::Text { at: (mx, my - 3.0), text: label, font: LABEL_FONT, ink, align: Align::Center, halo: true });
    }
    (shapes, (Region::Segment { a: (x1, y1), b: (x2, y2) }, Target::Arrow(i)))
}

/// Distance from `p` to the segment `a`–`b`.
fn distance_to_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 { 0.0 } else { (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0) };
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt()
}

/// What the pointer at (x, y) picks: a lane header, a mark, else the
/// nearest arrow within [`PICK`] px (the newer on a tie: drawn on top).
pub fn pick(scene: &Scene, x: f64, y: f64) -> Option<Target> {
    let mut best: Option<(f64, Target)> = None;
    for (region, target) in &scene.regions {
        let d = match *region {
            Region::Rect { x: rx, y: ry, w, h } => {
                if x >= rx && x <= rx + w && y >= ry && y <= ry + h {
                    0.0
                } else {
                    continue;
                }
            }
            Region::Circle { c, r } => {
                let d = ((x - c.0).powi(2) + (y - c.1).powi(2)).sqrt();
                if d <= r {
                    0.0
                } else {
                    continue;
                }
            }
            Region::Segment { a, b } => distance_to_segment((x, y), a, b),
        };
        if d > PICK {
            continue;
        }
        if !matches!(target, Target::Arrow(_)) {
            // Headers and marks come first in the list and win outright.
            return Some(*target);
        }
        if best.is_none_or(|(bd, _)| d <= bd) {
            best = Some((d, *target));
        }
    }
    best.map(|(_, t)| t)
}

fn fmt_latency(us: Micros) -> String {
    if us >= 1_000_000 {
        format!("{:.3} s", us as f64 / 1e6)
    } else {
        format!("{:.3} ms", us as f64 / 1e3)
    }
}

/// The hover text for what was picked.
pub fn describe(m: &MessagesModel, t: Target) -> String {
    match t {
        Target::Lane(i) => {
            let l = &m.lanes[i];
            format!("{} ({}), {} now — click for the fault menu", l.name, l.group, l.status)
        }
        Target::Mark(i) => {
            let k = &m.marks[i];
            format!("{} at {}", k.label, fmt_time(k.t))
        }
        Target::Arrow(i) => {
            let a = &m.arrows[i];
            let (from, to) = (&m.lanes[a.from].name, &m.lanes[a.to].name);
            let copy = a.copy_of.map_or(String::new(), |o| format!(" — a copy of #{o} made by the link"));
            let end = match a.fate {
                Fate::Delivered { at } => format!("delivered {} (latency {})", fmt_time(at), fmt_latency(at.saturating_sub(a.sent))),
                Fate::Dropped { at, reason } => format!("dropped {}: {} — {}", fmt_time(at), drop_word(reason), drop_explain(reason)),
                Fate::InFlight => format!("still in flight at {} (or held by a paused receiver)", fmt_time(m.now)),
            };
            format!("{} #{}: {from} → {to}{copy}\nsent {}\n{end}\nclick to jump to this moment", a.kind, a.id, fmt_time(a.sent))
        }
    }
}

/// What clicking what was picked does.
pub fn poke(m: &MessagesModel, t: Target) -> Option<Poke> {
    match t {
        Target::Lane(i) => Some(Poke::Node(m.lanes[i].name.clone())),
        Target::Arrow(i) => {
            let a = &m.arrows[i];
            Some(Poke::Seek(a.end().unwrap_or(a.sent)))
        }
        Target::Mark(i) => Some(Poke::Seek(m.marks[i].t)),
    }
}

/// Paints the scene; what `hover` picks is drawn thicker.
fn paint(ctx: &CanvasRenderingContext2d, scene: &Scene, p: &Palette, hover: Option<Target>) {
    // The dash in effect: setting one is a call into JS with a new array.
    // `restore()` brings back the dash in effect at the matching `save()`,
    // so the saved ones are kept too.
    let mut dash_now: &[f64] = &[];
    let mut dash_saved: Vec<&[f64]> = Vec::new();
    let dash = |ctx: &CanvasRenderingContext2d, now: &mut &[f64], d: &'static [f64]| {
        if d != *now {
            set_dash(ctx, d);
            *now = d;
        }
    };
    for shape in &scene.shapes {
        match shape {
            Shape::Line { a, b, ink, width, dash: d, round, of } => {
                let hot = of.is_some() && *of == hover;
                dash(ctx, &mut dash_now, d);
                ctx.set_stroke_style_str(p.of(*ink));
                ctx.set_line_width(if hot { width * 2.0 } else { *width });
                ctx.set_line_cap(if *round { "round" } else { "butt" });
                ctx.begin_path();
                ctx.move_to(a.0, a.1);
                ctx.line_to(b.0, b.1);
                ctx.stroke();
            }
            Shape::Head { tip, from, ink, of } => {
                let hot = of.is_some() && *of == hover;
                let (len, half) = if hot { (13.0, 6.5) } else { (10.0, 5.0) };
                let (dx, dy) = (tip.0 - from.0, tip.1 - from.1);
                let d = (dx * dx + dy * dy).sqrt().max(1e-9);
                let (ux, uy) = (dx / d, dy / d);
                let (bx, by) = (tip.0 - ux * len, tip.1 - uy * len);
                ctx.set_fill_style_str(p.of(*ink));
                ctx.begin_path();
                ctx.move_to(tip.0, tip.1);
                ctx.line_to(bx - uy * half, by + ux * half);
                ctx.line_to(bx + uy * half, by - ux * half);
                ctx.close_path();
                ctx.fill();
            }
            Shape::Rect { x, y, w, h, radius, fill, stroke, hatch, of } => {
                let hot = of.is_some() && *of == hover;
                ctx.begin_path();
                if *radius > 0.0 {
                    let _ = ctx.round_rect_with_f64(*x, *y, *w, *h, *radius);
                } else {
                    ctx.rect(*x, *y, *w, *h);
                }
                if let Some(f) = fill {
                    ctx.set_fill_style_str(p.of(*f));
                    ctx.fill();
                }
                if let Some(ink) = hatch {
                    // Diagonal lines 6 px apart, like the legend's pattern.
                    ctx.save();
                    let before = dash_now;
                    ctx.clip();
                    dash(ctx, &mut dash_now, &[]);
                    ctx.set_stroke_style_str(p.of(*ink));
                    ctx.set_line_width(2.0);
                    ctx.begin_path();
                    let step = 6.0 * std::f64::consts::SQRT_2;
                    let mut s = -*w;
                    while s < *h + *w {
                        ctx.move_to(*x, *y + s);
                        ctx.line_to(*x + *w, *y + s + *w);
                        s += step;
                    }
                    ctx.stroke();
                    ctx.restore();
                    dash_now = before;
                    ctx.begin_path();
                    ctx.rect(*x, *y, *w, *h);
                }
                if let Some((ink, width, d)) = stroke {
                    dash(ctx, &mut dash_now, d);
                    let (ink, width) = if hot { (Ink::Blue, 2.0) } else { (*ink, *width) };
                    ctx.set_stroke_style_str(p.of(ink));
                    ctx.set_line_width(width);
                    ctx.stroke();
                }
            }
            Shape::Circle { c, r, fill, stroke, of } => {
                let hot = of.is_some() && *of == hover;
                dash(ctx, &mut dash_now, &[]);
                ctx.begin_path();
                let _ = ctx.arc(c.0, c.1, *r, 0.0, std::f64::consts::TAU);
                ctx.set_fill_style_str(p.of(*fill));
                ctx.fill();
                ctx.set_stroke_style_str(p.of(stroke.0));
                ctx.set_line_width(if hot { stroke.1 * 2.0 } else { stroke.1 });
                ctx.stroke();
            }
            Shape::Text { at, text, font, ink, align, halo } => {
                ctx.set_font(font);
                ctx.set_text_align(match align {
                    Align::Start => "left",
                    Align::Center => "center",
                    Align::End => "right",
                });
                ctx.set_text_baseline("alphabetic");
                if *halo {
                    dash(ctx, &mut dash_now, &[]);
                    ctx.set_stroke_style_str(p.panel);
                    ctx.set_line_width(3.0);
                    ctx.set_line_join("round");
                    let _ = ctx.stroke_text(text, at.0, at.1);
                }
                ctx.set_fill_style_str(p.of(*ink));
                let _ = ctx.fill_text(text, at.0, at.1);
            }
            Shape::ClipPlot { x, w } => {
                ctx.save();
                dash_saved.push(dash_now);
                ctx.begin_path();
                ctx.rect(*x, TOP, *w, PLOT_H);
                ctx.clip();
            }
            Shape::Unclip => {
                ctx.restore();
                dash_now = dash_saved.pop().unwrap_or(&[]);
            }
        }
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct DiagramProps {
    pub model: Rc<MessagesModel>,
    pub on_poke: Callback<Poke>,
    /// Changes when the window or a canvas was resized, or the colour
    /// scheme changed (redraw).
    pub resized: u32,
}

/// What the canvas keeps between redraws: the model and scene last drawn
/// (for hovering and clicking) and what is hovered.
#[derive(Default)]
struct Drawn {
    model: Option<Rc<MessagesModel>>,
    scene: Scene,
    hover: Option<Target>,
}

fn palette() -> &'static Palette {
    if canvas_kit::dark_scheme() {
        &DARK
    } else {
        &LIGHT
    }
}

fn repaint(canvas: &HtmlCanvasElement, drawn: &Drawn) {
    if let Some((ctx, _)) = canvas_kit::prepare(canvas, canvas_size::css_size(canvas)) {
        paint(&ctx, &drawn.scene, palette(), drawn.hover);
    }
}

#[function_component(MessagesDiagram)]
pub fn messages_diagram(props: &DiagramProps) -> Html {
    let node = use_node_ref();
    let drawn = use_mut_ref(Drawn::default);
    {
        let (node, drawn) = (node.clone(), drawn.clone());
        use_effect_with(props.clone(), move |p| {
            if let Some(canvas) = node.cast::<HtmlCanvasElement>() {
                let (cw, _) = canvas_size::css_size(&canvas);
                let mut d = drawn.borrow_mut();
                d.scene = layout(&p.model, cw as f64);
                d.model = Some(Rc::clone(&p.model));
                // What was hovered may be gone or be another thing now.
                d.hover = None;
                let _ = canvas.remove_attribute("title");
                repaint(&canvas, &d);
            }
        });
    }
    let onmousemove = {
        let drawn = drawn.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(canvas) = e.target().and_then(|t| t.dyn_into::<HtmlCanvasElement>().ok()) else { return };
            let mut d = drawn.borrow_mut();
            let hover = pick(&d.scene, e.offset_x() as f64, e.offset_y() as f64);
            if hover == d.hover {
                return;
            }
            d.hover = hover;
            let title = match (hover, &d.model) {
                (Some(t), Some(m)) => describe(m, t),
                _ => String::new(),
            };
            let _ = canvas.set_attribute("title", &title);
            // messages.css shows a pointer over anything hovered.
            let _ = match hover {
                Some(t) => canvas.set_attribute("data-hover", &target_word(t)),
                None => canvas.remove_attribute("data-hover"),
            };
            repaint(&canvas, &d);
        })
    };
    let onmouseleave = {
        let drawn = drawn.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(canvas) = e.target().and_then(|t| t.dyn_into::<HtmlCanvasElement>().ok()) else { return };
            let mut d = drawn.borrow_mut();
            if d.hover.take().is_some() {
                let _ = canvas.remove_attribute("data-hover");
                repaint(&canvas, &d);
            }
        })
    };
    let onclick = {
        let (drawn, on_poke) = (drawn.clone(), props.on_poke.clone());
        Callback::from(move |e: MouseEvent| {
            let d = drawn.borrow();
            let (Some(t), Some(m)) = (pick(&d.scene, e.offset_x() as f64, e.offset_y() as f64), &d.model) else { return };
            if let Some(p) = poke(m, t) {
                on_poke.emit(p);
            }
        })
    };
    let m = &props.model;
    let label = format!(
        "Sequence diagram of the network messages from {} to {}: one lane per node ({}), time flowing down; {} messages drawn",
        fmt_time(m.start),
        fmt_time(m.now),
        m.lanes.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(", "),
        m.arrows.len()
    );
    let style = format!("min-width: {}px; height: {}px", min_width(m.lanes.len()), HEIGHT);
    html! {
        <canvas ref={node} class="msg-canvas" id="msg-canvas" role="img" aria-label={label} {style}
            data-arrows={m.arrows.len().to_string()} data-marks={m.marks.len().to_string()} data-lanes={m.lanes.len().to_string()}
            {onmousemove} {onmouseleave} {onclick} />
    }
}

/// `arrow 12`, `mark 0`, `lane b1`: what is hovered, for tests and tools.
fn target_word(t: Target) -> String {
    match t {
        Target::Arrow(i) => format!("arrow {i}"),
        Target::Mark(i) => format!("mark {i}"),
        Target::Lane(i) => format!("lane {i}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use streamlab_core::views::messages::{Lane, Mark};

    fn lane(name: &str, group: &str) -> Lane {
        Lane { name: name.into(), group: group.into(), status: "up", down: vec![], paused: vec![] }
    }

    fn model() -> MessagesModel {
        let arrow = |id, from, to, sent, fate| Arrow { id, from, to, kind: "Produce", family: Family::Produce, sent, fate, copy_of: None };
        MessagesModel {
            now: 200_000,
            start: 0,
            lanes: vec![lane("b1", "brokers"), lane("b2", "brokers"), lane("p1", "producers")],
            arrows: vec![
                arrow(1, 2, 0, 10_000, Fate::Delivered { at: 20_000 }),
                arrow(2, 0, 1, 100_000, Fate::Dropped { at: 100_000, reason: DropReason::Partitioned }),
                arrow(3, 2, 0, 190_000, Fate::InFlight),
            ],
            marks: vec![Mark { t: 50_000, lane: Some(1), peer: None, kind: MarkKind::Crash, label: "crash (process)".into() }],
            not_drawn: 0,
            family_counts: vec![],
            focus: None,
        }
    }

    #[test]
    fn lanes_share_the_width() {
        let s = layout(&model(), 84.0 + 24.0 + 3.0 * 100.0);
        let g = Geo { start: 0, span: 200_000.0, lane_w: 100.0, width: s.width };
        assert_eq!(g.x(0), 134.0);
        // A narrow canvas is laid out at the minimum width (it scrolls).
        assert_eq!(layout(&model(), 10.0).width, min_width(3));
    }

    #[test]
    fn the_pointer_picks_the_arrow_under_it() {
        let m = model();
        let s = layout(&m, 408.0);
        // Arrow 1: p1 (x 334) at 10 ms (y 76) to b1 (x 134) at 20 ms (y 102).
        let mid = ((334.0 + 134.0) / 2.0, (76.0 + 102.0) / 2.0);
        assert_eq!(pick(&s, mid.0, mid.1), Some(Target::Arrow(0)));
        assert_eq!(pick(&s, mid.0, mid.1 + 4.0), Some(Target::Arrow(0)), "within the pick distance");
        assert_eq!(pick(&s, mid.0, mid.1 + 30.0), None);
        assert_eq!(poke(&m, Target::Arrow(0)), Some(Poke::Seek(20_000)), "a click jumps to the delivery");
        let title = describe(&m, Target::Arrow(0));
        assert!(title.starts_with("Produce #1: p1 → b1\nsent "), "{title}");
        assert!(title.contains("latency 10.000 ms"), "{title}");
    }

    #[test]
    fn headers_and_marks_win_over_arrows() {
        let m = model();
        let s = layout(&m, 408.0);
        assert_eq!(pick(&s, 134.0, 20.0), Some(Target::Lane(0)));
        assert_eq!(poke(&m, Target::Lane(0)), Some(Poke::Node("b1".into())));
        // The crash mark on b2 (x 234) at 50 ms (y 180).
        assert_eq!(pick(&s, 236.0, 181.0), Some(Target::Mark(0)));
        assert_eq!(describe(&m, Target::Mark(0)), "crash (process) at 0.050000s");
    }

    #[test]
    fn dropped_messages_end_in_a_cross_with_their_reason() {
        let s = layout(&model(), 408.0);
        let texts: Vec<&str> = s.shapes.iter().filter_map(|sh| if let Shape::Text { text, .. } = sh { Some(text.as_str()) } else { None }).collect();
        assert!(texts.contains(&"✕"));
        assert!(texts.contains(&drop_word(DropReason::Partitioned)));
        // Delivered and in-flight arrows get heads; the dropped one does not.
        let heads = s.shapes.iter().filter(|sh| matches!(sh, Shape::Head { .. })).count();
        assert_eq!(heads, 2);
        // The in-flight arrow is dotted, the dropped one dashed.
        let dashes: Vec<&[f64]> =
            s.shapes.iter().filter_map(|sh| if let Shape::Line { dash, of: Some(Target::Arrow(_)), .. } = sh { Some(*dash) } else { None }).collect();
        assert_eq!(dashes, vec![&[][..], &[6.0, 4.0][..], &[1.5, 3.0][..]]);
    }

    #[test]
    fn arrows_are_clipped_to_the_plot() {
        let s = layout(&model(), 408.0);
        let clip = s.shapes.iter().position(|sh| matches!(sh, Shape::ClipPlot { .. })).expect("clip");
        let unclip = s.shapes.iter().position(|sh| matches!(sh, Shape::Unclip)).expect("unclip");
        for (i, sh) in s.shapes.iter().enumerate() {
            if let Shape::Line { of: Some(Target::Arrow(_)), .. } = sh {
                assert!(clip < i && i < unclip);
            }
        }
    }

    #[test]
    fn colours_are_the_stylesheets() {
        let css = include_str!("../../static/views/messages.css");
        let style = include_str!("../../static/style.css");
        let light_fams = css.lines().find(|l| l.starts_with(".messages-view {")).expect("light families").to_string()
            + css.lines().skip_while(|l| !l.starts_with(".messages-view {")).nth(1).unwrap_or("");
        for (f, c) in Family::ALL.iter().zip(LIGHT.fam) {
            assert!(light_fams.contains(&format!("--fam-{}: {c};", f.name())), "{} {c} in {light_fams}", f.name());
        }
        let dark_fams = css.lines().skip_while(|l| !l.contains("prefers-color-scheme: dark")).nth(1).expect("dark families");
        for (f, (l, d)) in Family::ALL.iter().zip(LIGHT.fam.iter().zip(DARK.fam)) {
            let set = format!("--fam-{}: {d};", f.name());
            assert!(dark_fams.contains(&set) || (*l == d && !dark_fams.contains(&format!("--fam-{}:", f.name()))), "{set} in {dark_fams}");
        }
        for (var, light, dark) in [
            ("text", LIGHT.text, DARK.text),
            ("muted", LIGHT.muted, DARK.muted),
            ("panel", LIGHT.panel, DARK.panel),
            ("border", LIGHT.border, DARK.border),
            ("code-bg", LIGHT.code_bg, DARK.code_bg),
            ("blue", LIGHT.blue, DARK.blue),
        ] {
            let defs: Vec<&str> = style.lines().filter(|l| l.trim_start().starts_with(&format!("--{var}:"))).collect();
            assert!(defs.len() == 2 && defs[0].contains(light) && defs[1].contains(dark), "--{var}: {defs:?}");
        }
        assert!(style.contains(&format!("--vermillion: {VERMILLION};")) && style.contains(&format!("--green: {GREEN};")));
    }
}

//! One replica's row in the partitions view, drawn on a canvas: the log
//! strip (a cell per offset, coloured and numbered by leader epoch, striped
//! above the HW, outlined and struck through where it diverges from the
//! leader), the log start / HW / LEO markers with their labels, and the
//! line of numbers under it. The consumer groups' row (committed offsets)
//! is the same canvas without cells or numbers.
//!
//! Why a canvas: these rows change on every redraw while a run plays. As
//! elements (a cell per offset, then positioned markers and text), a
//! 5-broker, 12-partition cluster played at 10× spent most of each frame
//! in style, layout and paint, and held the page under 30 frames per second
//! (docs/performance.md). Drawn, a row is a few dozen canvas calls and no
//! layout at all. What the elements gave is kept: hovering a cell, a
//! marker or a number names it (the canvas's title), and the row has a
//! text label for screen readers with every number in it.

use super::canvas_kit::{self, mono, sans, set_dash};
use super::canvas_size;
use std::cell::RefCell;
use std::rc::Rc;
use streamlab_core::views::partitions::{Cell, UNKNOWN_EPOCH};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

/// Row geometry in CSS pixels (partitions.css gives the canvas the same
/// heights: `.strip-canvas` and `.strip-canvas-groups`).
const BAND_H: f64 = 17.0; // marker labels above the strip
const STRIP_H: f64 = 25.0;
const NUMS_GAP: f64 = 3.0;
const NUMS_H: f64 = 16.0;
const GROUPS_LINE_H: f64 = 8.0;
/// Room right of the strip for a LEO label at its end.
const RIGHT_ROOM: f64 = 30.0;
/// Text sizes (CSS px): marker labels 0.7rem bold, numbers 0.78rem, cells
/// 0.7rem; the fonts are partitions.css's (`--sans`, `--mono`).
const LABEL_PX: f64 = 11.0;
const CELL_PX: f64 = 11.0;
const LABEL_FONT: &str = sans!("700", "11");
const WORD_FONT: &str = sans!("400", "12.5");
const NOTE_FONT: &str = sans!("600", "12.5");
const VALUE_FONT: &str = mono!("700", "12.5");
const CELL_FONT: &str = mono!("600", "11");

/// What a marker stands for (its line style).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    /// The log start offset: dotted, muted.
    Start,
    /// The high watermark: solid; its label reads leftwards from the line.
    Hw,
    /// The log end offset: dashed.
    Leo,
    /// A consumer group's committed offset: thick, orange.
    Committed,
}

/// A vertical marker at the left edge of offset `at`.
#[derive(Clone, Debug, PartialEq)]
pub struct StripMarker {
    pub at: u64,
    pub label: String,
    pub kind: MarkerKind,
    /// The hover text.
    pub title: String,
}

/// One "word **number**" of the line under the strip.
#[derive(Clone, Debug, PartialEq)]
pub struct StripNumber {
    pub word: &'static str,
    pub value: u64,
    pub title: String,
}

#[derive(Properties, PartialEq, Clone)]
pub struct StripProps {
    /// The offsets drawn (none for the groups' row).
    pub cells: Vec<Cell>,
    /// The offset of the strip's first column.
    pub first: u64,
    /// Columns in the strip.
    pub span: u64,
    pub markers: Vec<StripMarker>,
    /// The line under the strip (empty for the groups' row).
    #[prop_or_default]
    pub numbers: Vec<StripNumber>,
    /// A note after the numbers, in the warning colour (and its hover text).
    #[prop_or_default]
    pub note: Option<(String, String)>,
    /// The replica is down or paused: the strip is drawn faded.
    #[prop_or_default]
    pub dim: bool,
    /// The consumer groups' row: markers on a dotted line, no strip.
    #[prop_or_default]
    pub groups: bool,
    /// What a screen reader says for the row.
    pub label: AttrValue,
    /// Changes when the window or a canvas was resized (redraw at the new size).
    pub resized: u32,
}

/// Background and text colour of a leader epoch, by epoch modulo 7, then
/// the unknown epoch's: the Okabe–Ito palette of partitions.css's
/// `.epoch-N` (a test checks they agree).
const EPOCH_CSS: [(&str, &str); 8] = [
    ("#0072b2", "#ffffff"),
    ("#e69f00", "#1c2024"),
    ("#009e73", "#ffffff"),
    ("#cc79a7", "#1c2024"),
    ("#56b4e9", "#1c2024"),
    ("#d55e00", "#ffffff"),
    ("#f0e442", "#1c2024"),
    ("#999999", "#ffffff"),
];

fn epoch_css(epoch: i32) -> (&'static str, &'static str) {
    EPOCH_CSS[if epoch == UNKNOWN_EPOCH { 7 } else { epoch.rem_euclid(7) as usize }]
}

const INK: &str = "#1c2024";

/// The words for one cell (the hover title).
pub fn describe(c: &Cell) -> String {
    let epoch = if c.epoch == UNKNOWN_EPOCH { "?".to_string() } else { c.epoch.to_string() };
    format!(
        "offset {} · leader epoch {}{}{}",
        c.offset,
        epoch,
        if c.visible { "" } else { " · above the HW: not visible to consumers yet" },
        if c.diverged { " · differs from the leader's record: will be truncated" } else { "" }
    )
}

/// The cell under canvas x (CSS pixels), if any.
pub fn cell_at(cells: &[Cell], first: u64, span: u64, width: f64, x: f64) -> Option<&Cell> {
    if width <= 0.0 || span == 0 || x < 0.0 {
        return None;
    }
    let col = (x / (width / span as f64)).floor() as u64;
    cells.iter().find(|c| c.offset == first + col)
}

/// Where a marker's line goes in a strip `strip_w` wide showing `span`
/// offsets from `first`, and the arrow its label gets when the offset is
/// outside the window (clamped to the nearer edge).
pub fn marker_x(at: u64, first: u64, span: u64, strip_w: f64) -> (f64, &'static str) {
    if at < first {
        (0.0, "◀ ")
    } else if at > first + span {
        (strip_w, "▶ ")
    } else {
        ((at - first) as f64 * strip_w / span.max(1) as f64, "")
    }
}

/// Does an HW label read leftwards from its line? Yes, so that HW and LEO
/// labels one offset apart do not overlap, unless the line is within the
/// strip's first tenth (no room on the left there).
pub fn reads_leftwards(kind: MarkerKind, x: f64, strip_w: f64) -> bool {
    kind == MarkerKind::Hw && x >= strip_w * 0.1
}

/// A rectangle of the canvas (CSS pixels) and what hovering it says.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
    pub title: String,
}

/// The hover text at (x, y): the first hit region containing it.
pub fn hit_at(hits: &[Hit], x: f64, y: f64) -> Option<&str> {
    hits.iter().find(|h| x >= h.x0 && x <= h.x1 && y >= h.y0 && y <= h.y1).map(|h| h.title.as_str())
}

/// The colours that depend on the page's light or dark scheme (style.css).
struct Theme {
    text: &'static str,
    muted: &'static str,
    panel: &'static str,
    strip_bg: &'static str,
    border: &'static str,
    committed_label: &'static str,
    warning: &'static str,
}

const LIGHT: Theme =
    Theme { text: "#1c2024", muted: "#5a636d", panel: "#ffffff", strip_bg: "#f3f5f8", border: "#d3d9df", committed_label: "#8a5a00", warning: "#d55e00" };
const DARK: Theme =
    Theme { text: "#e4e8ec", muted: "#9aa5b0", panel: "#181e24", strip_bg: "#12171c", border: "#334049", committed_label: "#e69f00", warning: "#d55e00" };

fn theme() -> &'static Theme {
    if canvas_kit::dark_scheme() {
        &DARK
    } else {
        &LIGHT
    }
}

#[function_component(StripCanvas)]
pub fn strip_canvas(props: &StripProps) -> Html {
    let node = use_node_ref();
    let hits = use_mut_ref(Vec::<Hit>::new);
    {
        let node = node.clone();
        let hits = hits.clone();
        // `resized` is among the props: a resize redraws at the new size.
        use_effect_with(props.clone(), move |p| {
            if let Some(canvas) = node.cast::<HtmlCanvasElement>() {
                *hits.borrow_mut() = draw(&canvas, canvas_size::css_size(&canvas), p);
            }
        });
    }
    let onmousemove = {
        let (cells, first, span, hits) = (props.cells.clone(), props.first, props.span, Rc::clone(&hits));
        let groups = props.groups;
        Callback::from(move |e: MouseEvent| {
            let Some(canvas) = e.target().and_then(|t| t.dyn_into::<HtmlCanvasElement>().ok()) else { return };
            let title = hover_title(&hits, &cells, first, span, groups, canvas_size::css_size(&canvas).0 as f64, e.offset_x() as f64, e.offset_y() as f64);
            if canvas.get_attribute("title").as_deref() != Some(title.as_str()) {
                let _ = canvas.set_attribute("title", &title);
            }
        })
    };
    html! {
        <canvas ref={node} class={classes!("strip-canvas", props.groups.then_some("strip-canvas-groups"), props.note.is_some().then_some("strip-canvas-note"))} role="img"
            aria-label={props.label.clone()} {onmousemove} data-cells={props.cells.len().to_string()} />
    }
}

/// What hovering (x, y) names: a marker or a number first, then the cell.
#[allow(clippy::too_many_arguments)]
fn hover_title(hits: &RefCell<Vec<Hit>>, cells: &[Cell], first: u64, span: u64, groups: bool, width: f64, x: f64, y: f64) -> String {
    if let Some(t) = hit_at(&hits.borrow(), x, y) {
        return t.to_string();
    }
    if !groups && (BAND_H..=BAND_H + STRIP_H).contains(&y) {
        if let Some(c) = cell_at(cells, first, span, (width - RIGHT_ROOM).max(0.0), x) {
            return describe(c);
        }
    }
    String::new()
}

/// Draws the row; returns the hover regions of its markers and numbers.
fn draw(canvas: &HtmlCanvasElement, (cw, ch): (i32, i32), p: &StripProps) -> Vec<Hit> {
    let mut hits = Vec::new();
    if p.span == 0 {
        return hits;
    }
    let Some((ctx, dpr)) = canvas_kit::prepare(canvas, (cw, ch)) else { return hits };
    let t = theme();
    let strip_w = (cw as f64 - RIGHT_ROOM).max(1.0);
    let line_bottom = if p.groups {
        // A dotted line for the committed offsets to stand on.
        let y = BAND_H + 0.5;
        set_dash(&ctx, &[1.0, 2.0]);
        ctx.set_stroke_style_str(t.border);
        ctx.set_line_width(1.0);
        ctx.begin_path();
        ctx.move_to(0.0, y);
        ctx.line_to(strip_w, y);
        ctx.stroke();
        set_dash(&ctx, &[]);
        BAND_H + GROUPS_LINE_H
    } else {
        ctx.set_global_alpha(if p.dim { 0.55 } else { 1.0 });
        draw_strip(&ctx, t, p, strip_w, dpr);
        ctx.set_global_alpha(1.0);
        BAND_H + STRIP_H + 3.0
    };
    // Markers: the line from the top of the label band down through the strip.
    ctx.set_font(LABEL_FONT);
    ctx.set_text_baseline("top");
    for m in &p.markers {
        let (x, arrow) = marker_x(m.at, p.first, p.span, strip_w);
        let x = x.clamp(1.0, strip_w - 1.0);
        let (color, width, dash): (&str, f64, &[f64]) = match m.kind {
            MarkerKind::Hw => (t.text, 2.0, &[]),
            MarkerKind::Leo => (t.text, 2.0, &[4.0, 3.0]),
            MarkerKind::Start => (t.muted, 2.0, &[2.0, 2.0]),
            MarkerKind::Committed => ("#e69f00", 3.0, &[]),
        };
        set_dash(&ctx, dash);
        ctx.set_stroke_style_str(color);
        ctx.set_line_width(width);
        ctx.begin_path();
        ctx.move_to(x, 0.0);
        ctx.line_to(x, line_bottom);
        ctx.stroke();
        set_dash(&ctx, &[]);
        let text = format!("{arrow}{}", m.label);
        let tw = text_width(&ctx, LABEL_FONT, &text);
        let lx = if reads_leftwards(m.kind, x, strip_w) { x - 2.0 - tw - 4.0 } else { x + 2.0 };
        ctx.set_fill_style_str(t.panel);
        ctx.fill_rect(lx, 0.0, tw + 4.0, LABEL_PX + 1.0);
        ctx.set_fill_style_str(match m.kind {
            MarkerKind::Start => t.muted,
            MarkerKind::Committed => t.committed_label,
            _ => t.text,
        });
        let _ = ctx.fill_text(&text, lx + 2.0, 0.5);
        hits.push(Hit { x0: lx, x1: lx + tw + 4.0, y0: 0.0, y1: LABEL_PX + 2.0, title: m.title.clone() });
        hits.push(Hit { x0: x - 3.0, x1: x + 3.0, y0: 0.0, y1: line_bottom, title: m.title.clone() });
    }
    // The numbers under the strip: "LEO 12   HW 11   log start 0".
    if !p.numbers.is_empty() || p.note.is_some() {
        let y = BAND_H + STRIP_H + NUMS_GAP;
        ctx.set_text_baseline("top");
        let mut x = 0.0;
        for n in &p.numbers {
            let x0 = x;
            ctx.set_font(WORD_FONT);
            ctx.set_fill_style_str(t.muted);
            let word = format!("{} ", n.word);
            let _ = ctx.fill_text(&word, x, y + 1.0);
            x += text_width(&ctx, WORD_FONT, &word);
            ctx.set_font(VALUE_FONT);
            ctx.set_fill_style_str(t.text);
            let value = n.value.to_string();
            let _ = ctx.fill_text(&value, x, y + 1.0);
            x += text_width(&ctx, VALUE_FONT, &value);
            hits.push(Hit { x0, x1: x, y0: y, y1: y + NUMS_H, title: n.title.clone() });
            x += 14.0;
        }
        if let Some((note, title)) = &p.note {
            // On a line of its own (partitions.css makes the canvas taller),
            // shortened with an ellipsis if even that is too narrow; the
            // hover text and the screen-reader label have all of it.
            ctx.set_font(NOTE_FONT);
            ctx.set_fill_style_str(t.warning);
            let y = y + NUMS_H;
            let room = cw as f64 - 2.0;
            let mut shown = note.clone();
            while text_width(&ctx, NOTE_FONT, &shown) > room && shown.chars().count() > 1 {
                let keep = shown.chars().count().saturating_sub(2);
                shown = shown.chars().take(keep).collect::<String>() + "…";
            }
            let _ = ctx.fill_text(&shown, 0.0, y + 1.0);
            let x1 = text_width(&ctx, NOTE_FONT, &shown);
            hits.push(Hit { x0: 0.0, x1, y0: y, y1: y + NUMS_H, title: format!("{note}\n{title}") });
        }
    }
    hits
}

thread_local! {
    /// Measured text widths by (font, text): the labels and words repeat
    /// on every row and every redraw, and measuring is a call into JS.
    static WIDTHS: RefCell<std::collections::BTreeMap<(&'static str, String), f64>> = const { RefCell::new(std::collections::BTreeMap::new()) };
}

/// The width of `s` in `font` (which must be the context's current font).
/// A number in the monospace font is measured as that many digits.
fn text_width(ctx: &CanvasRenderingContext2d, font: &'static str, s: &str) -> f64 {
    let digits = font == VALUE_FONT && s.bytes().all(|b| b.is_ascii_digit());
    let key = if digits { "0".to_string() } else { s.to_string() };
    let one = WIDTHS.with(|w| {
        if let Some(v) = w.borrow().get(&(font, key.clone())) {
            return *v;
        }
        let v = ctx.measure_text(&key).map(|m| m.width()).unwrap_or(key.chars().count() as f64 * 7.0);
        if w.borrow().len() < 512 {
            w.borrow_mut().insert((font, key), v);
        }
        v
    });
    if digits {
        one * s.len() as f64
    } else {
        one
    }
}

/// The strip's box and its cells (CSS pixels; the context is scaled).
fn draw_strip(ctx: &CanvasRenderingContext2d, t: &Theme, p: &StripProps, strip_w: f64, dpr: f64) {
    let (top, h) = (BAND_H, STRIP_H);
    ctx.set_fill_style_str(t.strip_bg);
    ctx.fill_rect(0.0, top, strip_w, h);
    ctx.set_stroke_style_str(t.border);
    ctx.set_line_width(1.0);
    ctx.stroke_rect(0.5, top + 0.5, strip_w - 1.0, h - 1.0);
    // The cells are copied from ready-drawn sprites, in device pixels
    // (whole pixels, so that equal cells are equal sprites).
    let (x_in, y_in, w_in, h_in) = ((1.0 * dpr).round(), ((top + 1.0) * dpr).round(), (strip_w - 2.0) * dpr, ((h - 2.0) * dpr).round());
    let cell_w = w_in / p.span as f64;
    let gap = dpr.round().max(1.0);
    ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0).ok();
    for c in &p.cells {
        if c.offset < p.first || c.offset >= p.first + p.span {
            continue;
        }
        let col = (c.offset - p.first) as f64;
        let x0 = (x_in + col * cell_w).round();
        let x1 = (x_in + (col + 1.0) * cell_w).round() - gap;
        let key = SpriteKey {
            epoch: c.epoch,
            visible: c.visible,
            diverged: c.diverged,
            w: (x1 - x0).max(1.0) as u32,
            h: h_in.max(1.0) as u32,
            dpr_milli: (dpr * 1000.0) as u32,
        };
        if let Some(sprite) = sprite(&key) {
            let _ = ctx.draw_image_with_html_canvas_element(&sprite, x0, y_in);
        }
    }
    ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0).ok();
}

/// What a cell looks like, in device pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct SpriteKey {
    epoch: i32,
    visible: bool,
    diverged: bool,
    w: u32,
    h: u32,
    dpr_milli: u32,
}

thread_local! {
    /// Drawn cells. A strip is mostly the same few cells (one epoch,
    /// visible or not); copying a drawn cell costs a fraction of drawing
    /// its text again, 700 times a redraw on a large cluster.
    static SPRITES: RefCell<std::collections::BTreeMap<SpriteKey, HtmlCanvasElement>> = const { RefCell::new(std::collections::BTreeMap::new()) };
}

/// Most sprites kept (a resize or a new epoch makes new ones).
const MAX_SPRITES: usize = 256;

fn sprite(key: &SpriteKey) -> Option<HtmlCanvasElement> {
    if let Some(s) = SPRITES.with(|m| m.borrow().get(key).cloned()) {
        return Some(s);
    }
    let canvas: HtmlCanvasElement = web_sys::window()?.document()?.create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(key.w);
    canvas.set_height(key.h);
    let ctx = canvas.get_context("2d").ok().flatten()?.dyn_into::<CanvasRenderingContext2d>().ok()?;
    draw_cell(&ctx, key);
    SPRITES.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= MAX_SPRITES {
            m.clear();
        }
        m.insert(*key, canvas.clone());
    });
    Some(canvas)
}

/// One cell: the epoch's colour and number, striped above the HW,
/// outlined and struck through where it diverges from the leader.
fn draw_cell(ctx: &CanvasRenderingContext2d, key: &SpriteKey) {
    let dpr = key.dpr_milli as f64 / 1000.0;
    let (w, h) = (key.w as f64 / dpr, key.h as f64 / dpr);
    ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0).ok();
    let (bg, fg) = epoch_css(key.epoch);
    ctx.set_fill_style_str(bg);
    ctx.fill_rect(0.0, 0.0, w, h);
    if !key.visible {
        // Striped: above the HW (not visible to consumers yet).
        ctx.set_stroke_style_str("rgba(255, 255, 255, 0.6)");
        ctx.set_line_width(3.0);
        let step = 6.0 * std::f64::consts::SQRT_2;
        let mut s = -h;
        while s < w {
            ctx.begin_path();
            ctx.move_to(s, h);
            ctx.line_to(s + h, 0.0);
            ctx.stroke();
            s += step;
        }
    }
    if key.diverged {
        ctx.set_stroke_style_str(INK);
        ctx.set_line_width(2.0);
        ctx.stroke_rect(1.0, 1.0, w - 2.0, h - 2.0);
    }
    if w >= CELL_PX * 0.9 {
        let label = if key.epoch == UNKNOWN_EPOCH { "?".to_string() } else { key.epoch.to_string() };
        ctx.set_font(CELL_FONT);
        ctx.set_text_align("center");
        ctx.set_text_baseline("middle");
        ctx.set_fill_style_str(fg);
        let _ = ctx.fill_text(&label, w / 2.0, h / 2.0);
        if key.diverged {
            ctx.set_stroke_style_str(INK);
            ctx.set_line_width(2.0);
            ctx.begin_path();
            ctx.move_to(w * 0.25, h / 2.0);
            ctx.line_to(w * 0.75, h / 2.0);
            ctx.stroke();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(offset: u64, epoch: i32) -> Cell {
        Cell { offset, epoch, visible: offset < 12, diverged: offset == 13 }
    }

    #[test]
    fn hover_finds_the_cell_under_the_pointer() {
        let cells: Vec<Cell> = (10..15).map(|o| cell(o, 1)).collect();
        // 20 columns of 10 px from offset 10.
        assert_eq!(cell_at(&cells, 10, 20, 200.0, 0.0).map(|c| c.offset), Some(10));
        assert_eq!(cell_at(&cells, 10, 20, 200.0, 39.9).map(|c| c.offset), Some(13));
        assert_eq!(cell_at(&cells, 10, 20, 200.0, 55.0), None, "no record at offset 15 yet");
        assert_eq!(cell_at(&cells, 10, 20, 0.0, 5.0), None);
        assert_eq!(
            describe(&cells[3]),
            "offset 13 · leader epoch 1 · above the HW: not visible to consumers yet · differs from the leader's record: will be truncated"
        );
        assert_eq!(describe(&cells[0]), "offset 10 · leader epoch 1");
    }

    #[test]
    fn colours_are_the_stylesheets() {
        let css = include_str!("../../static/views/partitions.css");
        for (i, (bg, fg)) in EPOCH_CSS.iter().enumerate() {
            let class = if i == 7 { ".epoch-unknown".to_string() } else { format!(".epoch-{i}") };
            let rule = css.lines().find(|l| l.starts_with(&format!("{class} {{"))).unwrap_or_else(|| panic!("{class} in partitions.css"));
            let short = |c: &str| {
                if c == "#ffffff" {
                    "#fff".to_string()
                } else if c == "#999999" {
                    "#999".to_string()
                } else {
                    c.to_string()
                }
            };
            assert!(rule.contains(&format!("background-color: {};", short(bg))), "{rule}");
            assert!(rule.contains(&format!("color: {};", short(fg))), "{rule}");
        }
    }

    #[test]
    fn markers_outside_the_window_sit_at_its_edges() {
        assert_eq!(marker_x(5, 10, 20, 200.0), (0.0, "◀ "));
        assert_eq!(marker_x(10, 10, 20, 200.0), (0.0, ""));
        assert_eq!(marker_x(20, 10, 20, 200.0), (100.0, ""));
        assert_eq!(marker_x(30, 10, 20, 200.0), (200.0, ""), "the end of the window is its right edge");
        assert_eq!(marker_x(31, 10, 20, 200.0), (200.0, "▶ "));
        assert!(reads_leftwards(MarkerKind::Hw, 100.0, 200.0));
        assert!(!reads_leftwards(MarkerKind::Hw, 10.0, 200.0), "no room on the left at the strip's start");
        assert!(!reads_leftwards(MarkerKind::Leo, 100.0, 200.0));
    }

    #[test]
    fn hover_prefers_the_first_region() {
        let hits = vec![Hit { x0: 0.0, x1: 10.0, y0: 0.0, y1: 10.0, title: "label".into() }, Hit { x0: 5.0, x1: 7.0, y0: 0.0, y1: 40.0, title: "line".into() }];
        assert_eq!(hit_at(&hits, 6.0, 5.0), Some("label"));
        assert_eq!(hit_at(&hits, 6.0, 30.0), Some("line"));
        assert_eq!(hit_at(&hits, 20.0, 5.0), None);
    }

    #[test]
    fn epochs_cycle_through_the_palette() {
        assert_eq!(epoch_css(0), epoch_css(7));
        assert_ne!(epoch_css(0).0, epoch_css(1).0);
        assert_eq!(epoch_css(UNKNOWN_EPOCH).0, "#999999");
    }
}

//! One replica's log strip drawn on a canvas: a cell per offset, coloured
//! and numbered by leader epoch, striped above the HW, outlined and struck
//! through where it diverges from the leader.
//!
//! Why a canvas: with one DOM element per offset, a 5-broker, 12-partition
//! cluster played at 10× rewrote about 700 elements per redraw, and style,
//! layout and paint of those cells alone held the page under 20 frames per
//! second (docs/performance.md). Drawing 20 rectangles is cheap. What the
//! elements gave is kept: hovering a cell names it (the canvas's title),
//! and the strip has a text label for screen readers.

use super::plot_canvas as pc;
use plotters::style::RGBColor;
use streamlab_core::views::partitions::{Cell, UNKNOWN_EPOCH};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

/// How long a measured canvas size is trusted (see `strip_canvas`).
const SIZE_TTL_MS: f64 = 250.0;

#[derive(Properties, PartialEq, Clone)]
pub struct StripProps {
    pub cells: Vec<Cell>,
    /// The offset of the strip's first column.
    pub first: u64,
    /// Columns in the strip.
    pub span: u64,
    /// What a screen reader says for the strip.
    pub label: AttrValue,
    /// Changes when the window is resized (redraw at the new width).
    pub resized: u32,
}

/// Background and text colour of a leader epoch (the Okabe–Ito palette of
/// partitions.css, in the same order).
pub fn epoch_colors(epoch: i32) -> (RGBColor, RGBColor) {
    const WHITE: RGBColor = RGBColor(0xff, 0xff, 0xff);
    if epoch == UNKNOWN_EPOCH {
        return (RGBColor(0x99, 0x99, 0x99), WHITE);
    }
    match epoch.rem_euclid(7) {
        0 => (pc::BLUE, WHITE),
        1 => (pc::ORANGE, pc::INK),
        2 => (pc::GREEN, WHITE),
        3 => (pc::PURPLE, pc::INK),
        4 => (pc::SKY, pc::INK),
        5 => (pc::VERMILLION, WHITE),
        _ => (RGBColor(0xf0, 0xe4, 0x42), pc::INK),
    }
}

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

#[function_component(StripCanvas)]
pub fn strip_canvas(props: &StripProps) -> Html {
    let node = use_node_ref();
    // The canvas's CSS size, read again only when the window was resized or
    // a quarter second has passed: during playback, reading it on every
    // redraw of every strip made the browser lay the page out there and
    // then, several times a frame.
    let size = use_mut_ref(|| None::<(u32, f64, (i32, i32))>);
    {
        let node = node.clone();
        use_effect_with(props.clone(), move |p| {
            if let Some(canvas) = node.cast::<HtmlCanvasElement>() {
                let now = web_sys::window().and_then(|w| w.performance()).map_or(0.0, |perf| perf.now());
                let known = size.borrow().filter(|(r, at, _)| *r == p.resized && now - at < SIZE_TTL_MS).map(|(_, _, s)| s);
                let css = known.unwrap_or_else(|| {
                    let s = (canvas.client_width(), canvas.client_height());
                    if s.0 > 0 && s.1 > 0 {
                        *size.borrow_mut() = Some((p.resized, now, s));
                    }
                    s
                });
                draw(&canvas, css, &p.cells, p.first, p.span);
            }
        });
    }
    let onmousemove = {
        let (cells, first, span) = (props.cells.clone(), props.first, props.span);
        Callback::from(move |e: MouseEvent| {
            let Some(canvas) = e.target().and_then(|t| t.dyn_into::<HtmlCanvasElement>().ok()) else { return };
            let title = cell_at(&cells, first, span, canvas.client_width() as f64, e.offset_x() as f64).map(describe).unwrap_or_default();
            if canvas.get_attribute("title").as_deref() != Some(title.as_str()) {
                let _ = canvas.set_attribute("title", &title);
            }
        })
    };
    html! {
        <canvas ref={node} class="strip-canvas" role="img" aria-label={props.label.clone()} {onmousemove}
            data-cells={props.cells.len().to_string()} />
    }
}

fn draw(canvas: &HtmlCanvasElement, (cw, ch): (i32, i32), cells: &[Cell], first: u64, span: u64) {
    let dpr = web_sys::window().map(|w| w.device_pixel_ratio()).filter(|d| *d > 0.0).unwrap_or(1.0);
    if cw <= 0 || ch <= 0 || span == 0 {
        return;
    }
    let (w, h) = ((cw as f64 * dpr).round() as u32, (ch as f64 * dpr).round() as u32);
    if canvas.width() != w {
        canvas.set_width(w);
    }
    if canvas.height() != h {
        canvas.set_height(h);
    }
    let Some(ctx) = canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok()) else { return };
    let (w, h) = (w as f64, h as f64);
    ctx.clear_rect(0.0, 0.0, w, h);
    let cell_w = w / span as f64;
    let gap = dpr.round().max(1.0);
    let font_px = (0.7 * 16.0 * dpr).round();
    ctx.set_font(&format!("600 {font_px}px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"));
    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    for c in cells {
        if c.offset < first || c.offset >= first + span {
            continue;
        }
        let x = (c.offset - first) as f64 * cell_w;
        let cw = (cell_w - gap).max(1.0);
        let (bg, fg) = epoch_colors(c.epoch);
        ctx.set_fill_style_str(&pc::css(bg));
        ctx.fill_rect(x, 0.0, cw, h);
        if !c.visible {
            // Striped: above the HW (the diagonal hatching of partitions.css).
            ctx.save();
            ctx.begin_path();
            ctx.rect(x, 0.0, cw, h);
            ctx.clip();
            ctx.set_stroke_style_str("rgba(255, 255, 255, 0.6)");
            ctx.set_line_width(3.0 * dpr);
            let step = 6.0 * dpr * std::f64::consts::SQRT_2;
            let mut s = x - h;
            while s < x + cw {
                ctx.begin_path();
                ctx.move_to(s, h);
                ctx.line_to(s + h, 0.0);
                ctx.stroke();
                s += step;
            }
            ctx.restore();
        }
        if c.diverged {
            ctx.set_stroke_style_str(&pc::css(pc::INK));
            ctx.set_line_width(2.0 * dpr);
            ctx.stroke_rect(x + dpr, dpr, cw - 2.0 * dpr, h - 2.0 * dpr);
        }
        if cw >= font_px * 0.9 {
            let label = if c.epoch == UNKNOWN_EPOCH { "?".to_string() } else { c.epoch.to_string() };
            ctx.set_fill_style_str(&pc::css(fg));
            let _ = ctx.fill_text(&label, x + cw / 2.0, h / 2.0);
            if c.diverged {
                ctx.set_stroke_style_str(&pc::css(pc::INK));
                ctx.set_line_width(2.0 * dpr);
                ctx.begin_path();
                ctx.move_to(x + cw * 0.25, h / 2.0);
                ctx.line_to(x + cw * 0.75, h / 2.0);
                ctx.stroke();
            }
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
    fn epochs_cycle_through_the_palette() {
        assert_eq!(epoch_colors(0), epoch_colors(7));
        assert_ne!(epoch_colors(0).0, epoch_colors(1).0);
        assert_eq!(epoch_colors(UNKNOWN_EPOCH).0, RGBColor(0x99, 0x99, 0x99));
    }
}

//! Canvas plumbing shared by the plotted views (event time, metrics): the
//! Okabe–Ito colours as plotters colours, a [`Frame`] that maps data to
//! canvas pixels and back (the same mapping draws the plot and answers
//! hover), tick choice in 1-2-5 steps and in clock-friendly time steps,
//! dashed polylines (plotters 0.3 draws only solid paths), and sizing the
//! canvas to its CSS box times the device pixel ratio so lines and text
//! stay sharp on a projector.
//!
//! Drawing goes through plotters' `CanvasBackend` on the root drawing area
//! in pixel coordinates: the views place their own ticks (clock times,
//! window boundaries) instead of plotters' decimal ones.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xb2);
pub const SKY: RGBColor = RGBColor(0x56, 0xb4, 0xe9);
pub const GREEN: RGBColor = RGBColor(0x00, 0x9e, 0x73);
pub const ORANGE: RGBColor = RGBColor(0xe6, 0x9f, 0x00);
pub const VERMILLION: RGBColor = RGBColor(0xd5, 0x5e, 0x00);
pub const PURPLE: RGBColor = RGBColor(0xcc, 0x79, 0xa7);
pub const INK: RGBColor = RGBColor(0x1c, 0x20, 0x24);
pub const MUTED: RGBColor = RGBColor(0x5a, 0x63, 0x6d);
pub const GRID: RGBColor = RGBColor(0xd3, 0xd9, 0xdf);
pub const BAND: RGBColor = RGBColor(0xe9, 0xf0, 0xf7);

/// The same colours for HTML legends (CSS hex).
pub fn css(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Smallest text on a canvas, in CSS pixels (readable from the back of a
/// lecture hall).
pub const FONT_PX: f64 = 14.0;

/// A plot area in canvas pixels and the data ranges it shows (y grows
/// upwards). `dpr` is the device pixel ratio the canvas was sized with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
    pub dpr: f64,
}

impl Frame {
    fn sx(&self) -> f64 {
        self.width / (self.x1 - self.x0).max(f64::MIN_POSITIVE)
    }
    fn sy(&self) -> f64 {
        self.height / (self.y1 - self.y0).max(f64::MIN_POSITIVE)
    }
    /// Canvas x of data x (clamped only to a generous off-canvas band, so
    /// that a line to a far point keeps its direction but never has a
    /// length of billions of pixels).
    pub fn px(&self, x: f64) -> i32 {
        far((self.left + (x - self.x0) * self.sx()).round())
    }
    /// Canvas y of data y (clamped like [`Frame::px`]).
    pub fn py(&self, y: f64) -> i32 {
        far((self.top + self.height - (y - self.y0) * self.sy()).round())
    }
    /// Data x at canvas x.
    pub fn x_of(&self, px: f64) -> f64 {
        self.x0 + (px - self.left) / self.sx()
    }
    pub fn right(&self) -> i32 {
        (self.left + self.width).round() as i32
    }
    pub fn bottom(&self) -> i32 {
        (self.top + self.height).round() as i32
    }
    /// Canvas pixels for `css` CSS pixels.
    pub fn s(&self, css: f64) -> i32 {
        (css * self.dpr).round().max(1.0) as i32
    }
    /// Data y clamped to the visible range.
    pub fn clamp_y(&self, y: f64) -> f64 {
        y.clamp(self.y0, self.y1)
    }
    pub fn clamp_x(&self, x: f64) -> f64 {
        x.clamp(self.x0, self.x1)
    }
}

/// The 1-2-5 step that cuts `span` into at most `max` intervals.
pub fn nice_step(span: f64, max: usize) -> f64 {
    let span = if span.is_finite() && span > 0.0 { span } else { 1.0 };
    let raw = span / max.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * mag >= raw {
            return m * mag;
        }
    }
    10.0 * mag
}

/// Multiples of `step` within `[lo, hi]`.
pub fn ticks_with(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    if step.is_nan() || step <= 0.0 || !lo.is_finite() || !hi.is_finite() || hi < lo {
        return Vec::new();
    }
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).take(1000).map(|k| k as f64 * step).collect()
}

/// Steps a clock axis may use (ms): 1-2-5 ms…s, then 10 s, 15 s, 30 s,
/// minutes and hours.
const TIME_STEPS_MS: &[f64] = &[
    1.0,
    2.0,
    5.0,
    10.0,
    20.0,
    50.0,
    100.0,
    200.0,
    500.0,
    1_000.0,
    2_000.0,
    5_000.0,
    10_000.0,
    15_000.0,
    30_000.0,
    60_000.0,
    120_000.0,
    300_000.0,
    600_000.0,
    900_000.0,
    1_800_000.0,
    3_600_000.0,
    7_200_000.0,
    21_600_000.0,
    43_200_000.0,
    86_400_000.0,
];

/// The smallest clock-friendly step (ms) that cuts `span_ms` into at most
/// `max` intervals.
pub fn time_step_ms(span_ms: f64, max: usize) -> f64 {
    let raw = span_ms / max.max(1) as f64;
    TIME_STEPS_MS.iter().copied().find(|s| *s >= raw).unwrap_or(86_400_000.0)
}

/// Clock-friendly ticks (ms) in `[lo, hi]`.
pub fn time_ticks(lo_ms: f64, hi_ms: f64, max: usize) -> Vec<f64> {
    ticks_with(lo_ms, hi_ms, time_step_ms(hi_ms - lo_ms, max))
}

/// Cuts a polyline into dashes of `on` pixels separated by `off` pixels.
pub fn dashes(points: &[(i32, i32)], on: f64, off: f64) -> Vec<[(i32, i32); 2]> {
    let mut out = Vec::new();
    if on <= 0.0 || off < 0.0 {
        return out;
    }
    let period = on + off;
    let mut phase = 0.0f64; // distance into the current period
    for w in points.windows(2) {
        let (a, b) = ((w[0].0 as f64, w[0].1 as f64), (w[1].0 as f64, w[1].1 as f64));
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        if len == 0.0 {
            continue;
        }
        let at = |d: f64| ((a.0 + (b.0 - a.0) * d / len).round() as i32, (a.1 + (b.1 - a.1) * d / len).round() as i32);
        let mut d = 0.0;
        while d < len {
            let in_on = phase < on;
            let step = if in_on { on - phase } else { period - phase };
            let next = (d + step).min(len);
            if next <= d {
                // The rest of this dash or gap is below the float resolution
                // at distance d: skip to its end, or the loop never moves.
                phase = if in_on { on } else { 0.0 };
                continue;
            }
            if in_on {
                out.push([at(d), at(next)]);
            }
            phase = (phase + (next - d)) % period;
            d = next;
        }
    }
    out
}

/// A canvas coordinate limited to ±100 000 px (NaN → 0).
fn far(v: f64) -> i32 {
    if v.is_nan() {
        0
    } else {
        v.clamp(-100_000.0, 100_000.0) as i32
    }
}

/// A line style: colour, width in CSS px, and dash pattern in CSS px
/// (None: solid).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stroke {
    pub color: RGBColor,
    pub width: f64,
    pub dash: Option<(f64, f64)>,
}

impl Stroke {
    pub const fn solid(color: RGBColor, width: f64) -> Self {
        Stroke { color, width, dash: None }
    }
    pub const fn dashed(color: RGBColor, width: f64, on: f64, off: f64) -> Self {
        Stroke { color, width, dash: Some((on, off)) }
    }
    /// The SVG `stroke-dasharray` of this stroke (for HTML legends).
    pub fn dasharray(&self) -> String {
        self.dash.map(|(a, b)| format!("{a} {b}")).unwrap_or_default()
    }
}

pub type Area = DrawingArea<CanvasBackend, plotters::coord::Shift>;

/// Draws a polyline (canvas pixels) with `stroke`.
pub fn polyline(area: &Area, f: &Frame, pts: Vec<(i32, i32)>, stroke: Stroke) {
    if pts.len() < 2 {
        return;
    }
    let style = ShapeStyle { color: stroke.color.to_rgba(), filled: false, stroke_width: f.s(stroke.width) as u32 };
    match stroke.dash {
        None => {
            let _ = area.draw(&PathElement::new(pts, style));
        }
        Some((on, off)) => {
            for [a, b] in dashes(&pts, on * f.dpr, off * f.dpr) {
                let _ = area.draw(&PathElement::new(vec![a, b], style));
            }
        }
    }
}

/// A text style `px` CSS pixels high.
pub fn font(f: &Frame, px: f64, color: RGBColor) -> TextStyle<'static> {
    ("sans-serif", px * f.dpr).into_font().color(&color)
}

/// Text anchored at `pos` (canvas pixels).
pub fn text(area: &Area, s: &str, at: (i32, i32), style: &TextStyle<'static>, h: HPos, v: VPos) {
    let _ = area.draw(&Text::new(s.to_string(), at, style.pos(Pos::new(h, v))));
}

/// Width of `s` in canvas pixels.
pub fn text_width(area: &Area, s: &str, style: &TextStyle<'static>) -> i32 {
    area.estimate_text_size(s, style).map(|(w, _)| w as i32).unwrap_or((s.len() * 8) as i32)
}

/// Sizes the canvas's backing store to its CSS box × devicePixelRatio;
/// returns the drawing area and the ratio (None if it has no size yet).
pub fn prepare(canvas: &HtmlCanvasElement) -> Option<(Area, f64)> {
    let dpr = super::canvas_kit::size_backing_store(canvas, super::canvas_size::css_size(canvas))?;
    let backend = CanvasBackend::with_canvas_object(canvas.clone())?;
    let area = backend.into_drawing_area();
    let _ = area.fill(&WHITE);
    Some((area, dpr))
}

/// A number that changes when the window or a drawn canvas is resized
/// (`canvas_size` reports the latter), so a view that depends on it redraws
/// its canvases at the new size.
#[hook]
pub fn use_resize_tick() -> u32 {
    let tick = use_state(|| 0u32);
    {
        let tick = tick.clone();
        use_effect_with((), move |_| {
            let count = Rc::new(Cell::new(0u32));
            let cb = Closure::<dyn Fn()>::new(move || {
                count.set(count.get().wrapping_add(1));
                tick.set(count.get());
            });
            let win = web_sys::window();
            if let Some(w) = &win {
                for event in ["resize", super::canvas_size::RESIZED_EVENT] {
                    let _ = w.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
                }
            }
            move || {
                if let Some(w) = &win {
                    for event in ["resize", super::canvas_size::RESIZED_EVENT] {
                        let _ = w.remove_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
                    }
                }
                drop(cb);
            }
        });
    }
    *tick
}

/// A stable id fragment from a name from a file (`Flink counts` →
/// `flink-counts`): ASCII letters and digits kept, the rest as `-`.
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let t = s.trim_matches('-');
    if t.is_empty() {
        "x".into()
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_maps_both_ways() {
        let f = Frame { left: 10.0, top: 20.0, width: 100.0, height: 50.0, x0: 0.0, x1: 1000.0, y0: -5.0, y1: 5.0, dpr: 2.0 };
        assert_eq!((f.px(0.0), f.px(500.0), f.px(1000.0)), (10, 60, 110));
        assert_eq!((f.py(-5.0), f.py(0.0), f.py(5.0)), (70, 45, 20));
        assert_eq!(f.x_of(60.0), 500.0);
        assert_eq!(f.s(14.0), 28);
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_step(100.0, 5), 20.0);
        assert_eq!(nice_step(7.0, 4), 2.0);
        assert_eq!(ticks_with(0.0, 100.0, nice_step(100.0, 5)), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(ticks_with(3.0, 3.0, 1.0), vec![3.0]);
        assert_eq!(ticks_with(0.0, 1.0, 0.0), Vec::<f64>::new());
        // A ten-minute clock axis gets whole minutes, a 40 s one 10 s steps.
        assert_eq!(time_step_ms(600_000.0, 8), 120_000.0);
        assert_eq!(time_step_ms(40_000.0, 6), 10_000.0);
        assert_eq!(time_ticks(43_200_000.0, 43_500_000.0, 6), vec![43_200_000.0, 43_260_000.0, 43_320_000.0, 43_380_000.0, 43_440_000.0, 43_500_000.0]);
    }

    #[test]
    fn dashes_end_when_a_dash_ends_below_float_resolution() {
        // A phase a hair below the end of a dash, far along a long line, used
        // to make no progress and push the same dash forever.
        let pts = [(0, 0), (0, 3_000_000)];
        let n = dashes(&pts, 0.1 + 0.2, 0.3).len();
        assert!((4_900_000..=5_100_000).contains(&n), "{n} dashes");
        for on in [0.7, 1.1, 2.9, 3.3, 6.0 * 1.25] {
            let n = dashes(&[(0, 0), (999, 777), (-5, 10), (100_000, 100_000)], on, on / 3.0).len();
            assert!(n > 0 && n < 1_000_000, "{on}: {n}");
        }
    }

    #[test]
    fn far_points_are_clamped() {
        let f = Frame { left: 0.0, top: 0.0, width: 100.0, height: 100.0, x0: 0.0, x1: 1.0, y0: 1e16, y1: 1e16 + 1.0, dpr: 1.0 };
        assert_eq!(f.px(1e300), 100_000);
        assert_eq!(f.py(-1e300), 100_000);
        assert_eq!(f.px(f64::NAN), 0);
    }

    #[test]
    fn dashes_split_a_polyline() {
        assert_eq!(dashes(&[(0, 0), (10, 0)], 3.0, 2.0), vec![[(0, 0), (3, 0)], [(5, 0), (8, 0)]]);
        // The pattern continues around a corner.
        assert_eq!(dashes(&[(0, 0), (4, 0), (4, 4)], 3.0, 2.0), vec![[(0, 0), (3, 0)], [(4, 1), (4, 4)]]);
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("flink-counts"), "flink-counts");
        assert_eq!(slug("Team score (heuristic)"), "team-score-heuristic");
        assert_eq!(slug("<>"), "x");
    }
}

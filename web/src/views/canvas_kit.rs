//! What the hand-drawn canvases share (the partition rows and the messages
//! diagram): the page's fonts spelled out for the canvas, the colour
//! scheme, sizing a canvas's backing store, and dash patterns.

use std::cell::Cell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// A CSS font in style.css's `--sans` stack: `sans!("700", "11")`. Spelled
/// out once per font because every string handed to the canvas is copied
/// into JS.
macro_rules! sans {
    ($w:literal, $px:literal) => {
        concat!($w, " ", $px, "px system-ui, -apple-system, \"Segoe UI\", \"Noto Sans\", \"DejaVu Sans\", \"Liberation Sans\", Arial, sans-serif")
    };
}
/// A CSS font in style.css's `--mono` stack.
macro_rules! mono {
    ($w:literal, $px:literal) => {
        concat!($w, " ", $px, "px ui-monospace, \"SFMono-Regular\", \"DejaVu Sans Mono\", \"Liberation Mono\", Menlo, Consolas, monospace")
    };
}
pub(crate) use {mono, sans};

thread_local! {
    /// The page's scheme, once asked (then kept up to date by a listener).
    static DARK: Cell<Option<bool>> = const { Cell::new(None) };
}

/// Is the page in its dark scheme (`prefers-color-scheme: dark`)? Asked of
/// the browser once; a change of scheme updates the answer and makes the
/// canvases redraw (the same event as a resize), since their colours are
/// drawn in, not styled.
pub fn dark_scheme() -> bool {
    if let Some(d) = DARK.with(Cell::get) {
        return d;
    }
    let Some(query) = web_sys::window().and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten()) else { return false };
    let dark = query.matches();
    DARK.with(|c| c.set(Some(dark)));
    let q = query.clone();
    let on_change = Closure::<dyn Fn()>::new(move || {
        DARK.with(|c| c.set(Some(q.matches())));
        if let (Some(w), Ok(ev)) = (web_sys::window(), web_sys::Event::new(super::canvas_size::RESIZED_EVENT)) {
            let _ = w.dispatch_event(&ev);
        }
    });
    let _ = query.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
    // Lives as long as the page, like the query.
    on_change.forget();
    dark
}

/// The device pixel ratio (1 when unknown).
pub fn device_pixel_ratio() -> f64 {
    web_sys::window().map(|w| w.device_pixel_ratio()).filter(|d| *d > 0.0).unwrap_or(1.0)
}

/// Sizes the canvas's backing store to its CSS size `(cw, ch)` × the
/// device pixel ratio, and returns its context cleared and scaled so that
/// drawing is in CSS pixels (None if it has no size or no context).
pub fn prepare(canvas: &HtmlCanvasElement, (cw, ch): (i32, i32)) -> Option<(CanvasRenderingContext2d, f64)> {
    let dpr = size_backing_store(canvas, (cw, ch))?;
    let ctx = canvas.get_context("2d").ok().flatten()?.dyn_into::<CanvasRenderingContext2d>().ok()?;
    ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0).ok();
    ctx.clear_rect(0.0, 0.0, cw as f64, ch as f64);
    Some((ctx, dpr))
}

/// Sizes the canvas's backing store to its CSS size × the device pixel
/// ratio (only if that changed: setting a size clears the canvas); returns
/// the ratio, or None if the canvas has no size.
pub fn size_backing_store(canvas: &HtmlCanvasElement, (cw, ch): (i32, i32)) -> Option<f64> {
    if cw <= 0 || ch <= 0 {
        return None;
    }
    let dpr = device_pixel_ratio();
    let (w, h) = ((cw as f64 * dpr).round() as u32, (ch as f64 * dpr).round() as u32);
    if canvas.width() != w {
        canvas.set_width(w);
    }
    if canvas.height() != h {
        canvas.set_height(h);
    }
    Some(dpr)
}

/// Sets the line dash (`&[]`: solid).
pub fn set_dash(ctx: &CanvasRenderingContext2d, dash: &[f64]) {
    let a = js_sys::Array::new();
    for d in dash {
        a.push(&JsValue::from_f64(*d));
    }
    let _ = ctx.set_line_dash(&a);
}

//! The CSS size of each canvas, kept up to date by one `ResizeObserver`
//! instead of read from `clientWidth` on every redraw.
//!
//! Why: reading `clientWidth` right after the DOM changed makes the browser
//! lay the page out there and then (a forced synchronous layout). The views
//! redraw 20 times a second while playing. A 12-partition cluster has 36
//! strip canvases, and those reads were a ninth of the main thread
//! (docs/performance.md). A canvas is measured once, when first drawn; after
//! that the observer reports its size when, and only when, it changes. The
//! views then redraw through [`use_resize_tick`](super::plot_canvas::use_resize_tick),
//! which hears [`RESIZED_EVENT`].

use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlCanvasElement, ResizeObserver, ResizeObserverEntry};

/// Dispatched on `window` when an observed canvas changed size.
pub const RESIZED_EVENT: &str = "streamlab-canvas-resized";

/// The JS property on the canvas element that holds its observed size.
const SIZE_KEY: &str = "__streamlabCssSize";

/// What the observer calls with the entries that changed.
type OnResize = Closure<dyn FnMut(js_sys::Array, ResizeObserver)>;

thread_local! {
    /// The one observer (made on first use) and its callback, kept alive.
    static OBSERVER: RefCell<Option<(ResizeObserver, OnResize)>> = const { RefCell::new(None) };
}

/// The canvas's CSS size in whole pixels, `(0, 0)` when it is not laid out.
pub fn css_size(canvas: &HtmlCanvasElement) -> (i32, i32) {
    if let Some(size) = stored(canvas) {
        return size;
    }
    // First sight: measure once, then let the observer keep it.
    let size = (canvas.client_width(), canvas.client_height());
    if size.0 > 0 && size.1 > 0 {
        store(canvas, size);
        observe(canvas);
    }
    size
}

fn stored(el: &Element) -> Option<(i32, i32)> {
    let v = js_sys::Reflect::get(el, &JsValue::from_str(SIZE_KEY)).ok()?;
    let a: js_sys::Int32Array = v.dyn_into().ok()?;
    (a.length() == 2).then(|| (a.get_index(0), a.get_index(1)))
}

fn store(el: &Element, (w, h): (i32, i32)) {
    let a = js_sys::Int32Array::new_with_length(2);
    a.set_index(0, w);
    a.set_index(1, h);
    let _ = js_sys::Reflect::set(el, &JsValue::from_str(SIZE_KEY), &a);
}

fn observe(el: &Element) {
    OBSERVER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let on_resize = OnResize::new(|entries: js_sys::Array, obs: ResizeObserver| {
                let mut changed = false;
                for entry in entries.iter() {
                    let Ok(entry) = entry.dyn_into::<ResizeObserverEntry>() else { continue };
                    let target = entry.target();
                    let rect = entry.content_rect();
                    // clientWidth rounds the same way: whole CSS pixels.
                    let size = (rect.width().round() as i32, rect.height().round() as i32);
                    if size.0 <= 0 || size.1 <= 0 {
                        // Removed or hidden (a tab switched away): forget it,
                        // so it is measured afresh if it is drawn again.
                        obs.unobserve(&target);
                        let _ = js_sys::Reflect::delete_property(&target, &JsValue::from_str(SIZE_KEY));
                    } else if stored(&target) != Some(size) {
                        store(&target, size);
                        changed = true;
                    }
                }
                if changed {
                    if let Some(w) = web_sys::window() {
                        if let Ok(ev) = web_sys::Event::new(RESIZED_EVENT) {
                            let _ = w.dispatch_event(&ev);
                        }
                    }
                }
            });
            match ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
                Ok(obs) => *slot = Some((obs, on_resize)),
                Err(_) => return,
            }
        }
        if let Some((obs, _)) = slot.as_ref() {
            obs.observe(el);
        }
    });
}

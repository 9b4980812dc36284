//! One `requestAnimationFrame` callback, cancelled when dropped.
//!
//! Playback advances once per displayed frame, in step with the screen's
//! refresh, rather than on a 16 ms timer: a timer drifts against vsync, so
//! some frames get two simulation steps and renders and others none, which
//! shows as dropped frames even when each step is cheap.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

pub struct AnimationFrame {
    id: i32,
    _callback: Closure<dyn FnMut(f64)>,
}

impl AnimationFrame {
    /// Calls `f` once, before the next repaint. None if the page has no
    /// window (then nothing is scheduled).
    pub fn request(f: impl FnOnce() + 'static) -> Option<Self> {
        let mut f = Some(f);
        let callback = Closure::<dyn FnMut(f64)>::new(move |_t: f64| {
            if let Some(f) = f.take() {
                f();
            }
        });
        let id = web_sys::window()?.request_animation_frame(callback.as_ref().unchecked_ref()).ok()?;
        Some(AnimationFrame { id, _callback: callback })
    }
}

impl Drop for AnimationFrame {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            let _ = w.cancel_animation_frame(self.id);
        }
    }
}

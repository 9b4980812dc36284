//! Which parts of the page are on screen, told by an
//! `IntersectionObserver`, so that a playing run redraws only what can be
//! seen.
//!
//! Why: the page is taller than the screen. With a 12-partition cluster the
//! partitions view is about 3,000 px tall and the tabs sit below it, so at
//! any moment most of what a playing run would redraw is out of sight, yet
//! redrawing it cost most of each frame (docs/performance.md). While a run
//! plays, a view out of sight keeps what it last drew; it redraws as it
//! comes into sight (a margin makes that happen just before), and paused,
//! stepped or scrubbed, everything redraws as before.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};
use yew::prelude::*;

/// How far outside the screen a view already counts as in sight (CSS).
const MARGIN: &str = "150px 0px";

type OnEntries = Closure<dyn FnMut(js_sys::Array, IntersectionObserver)>;

/// An observer that reports each watched element coming into or going
/// out of sight; disconnected when dropped.
pub struct Watch {
    observer: IntersectionObserver,
    _on_entries: OnEntries,
}

impl Watch {
    /// Calls `on_change(element, in_sight)` whenever a watched element
    /// crosses the edge of the screen (and once when first watched).
    pub fn new(mut on_change: impl FnMut(&Element, bool) + 'static) -> Option<Watch> {
        let on_entries = OnEntries::new(move |entries: js_sys::Array, _| {
            for entry in entries.iter() {
                if let Ok(entry) = entry.dyn_into::<IntersectionObserverEntry>() {
                    on_change(&entry.target(), entry.is_intersecting());
                }
            }
        });
        let init = IntersectionObserverInit::new();
        init.set_root_margin(MARGIN);
        let observer = IntersectionObserver::new_with_options(on_entries.as_ref().unchecked_ref(), &init).ok()?;
        Some(Watch { observer, _on_entries: on_entries })
    }

    pub fn watch(&self, el: &Element) {
        self.observer.observe(el);
    }

    pub fn unwatch(&self, el: &Element) {
        self.observer.unobserve(el);
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Is the element of `node` in sight? True until the observer first
/// answers (so a view draws when it is made); the component re-renders
/// when the answer changes.
#[hook]
pub fn use_in_view(node: NodeRef) -> bool {
    let in_view = use_state_eq(|| true);
    {
        let in_view = in_view.clone();
        use_effect_with(node, move |node| {
            // `use_state_eq`: an answer equal to the last re-renders nothing.
            let watch = Watch::new(move |_, seen| in_view.set(seen));
            if let (Some(w), Some(el)) = (&watch, node.cast::<Element>()) {
                w.watch(&el);
            }
            move || drop(watch)
        });
    }
    *in_view
}

//! Keyboard shortcuts: space plays or pauses, → steps one event, Shift+→
//! jumps to the next interesting event, ← / Shift+← scrub back 100 ms / 1 s,
//! `?` opens the help, Escape closes menus. Keys typed into a text field,
//! a select or a button's own activation are left alone.

use crate::{App, Msg};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;
use yew::html::Scope;

/// What a key press means, if anything (pure, so it is unit-tested).
pub fn action(key: &str, shift: bool, ctrl_or_meta: bool) -> Option<KeyAction> {
    if ctrl_or_meta {
        return None;
    }
    Some(match (key, shift) {
        (" ", _) | ("k", false) => KeyAction::TogglePlay,
        ("ArrowRight", false) | ("l", false) => KeyAction::Step,
        ("ArrowRight", true) | ("n", false) => KeyAction::NextInteresting,
        ("ArrowLeft", false) | ("j", false) => KeyAction::Back(100_000),
        ("ArrowLeft", true) => KeyAction::Back(1_000_000),
        ("?", _) => KeyAction::Help,
        ("Escape", _) => KeyAction::Close,
        _ => return None,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAction {
    TogglePlay,
    Step,
    NextInteresting,
    /// Scrub back by this many µs.
    Back(u64),
    Help,
    Close,
}

/// The shortcuts as the help panel lists them.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Space", "play / pause"),
    ("→", "process one event"),
    ("Shift + →", "run to the next interesting event (fault, election, ISR change, window firing)"),
    ("←", "scrub back 100 ms of simulated time"),
    ("Shift + ←", "scrub back 1 s"),
    ("?", "this help"),
    ("Esc", "close menus and dialogs"),
];

pub fn listen(window: &web_sys::Window, link: Scope<App>) {
    let on_key = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
        if typing_somewhere(&e) {
            return;
        }
        let Some(act) = action(&e.key(), e.shift_key(), e.ctrl_key() || e.meta_key() || e.alt_key()) else {
            return;
        };
        e.prevent_default();
        link.send_message(match act {
            KeyAction::TogglePlay => Msg::TogglePlay,
            KeyAction::Step => Msg::Step,
            KeyAction::NextInteresting => Msg::NextInteresting,
            KeyAction::Back(us) => Msg::Nudge(-(us as i64)),
            KeyAction::Help => Msg::ToggleHelp,
            KeyAction::Close => Msg::CloseOverlays,
        });
    });
    let _ = window.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
    on_key.forget(); // the app lives as long as the page
}

/// True when the key goes to a field (Escape still closes things).
fn typing_somewhere(e: &KeyboardEvent) -> bool {
    if e.key() == "Escape" {
        return false;
    }
    let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return false;
    };
    let tag = el.tag_name().to_ascii_lowercase();
    matches!(tag.as_str(), "input" | "textarea" | "select") || (tag == "button" && (e.key() == " " || e.key() == "Enter"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_actions() {
        assert_eq!(action(" ", false, false), Some(KeyAction::TogglePlay));
        assert_eq!(action("ArrowRight", false, false), Some(KeyAction::Step));
        assert_eq!(action("ArrowRight", true, false), Some(KeyAction::NextInteresting));
        assert_eq!(action("ArrowLeft", true, false), Some(KeyAction::Back(1_000_000)));
        assert_eq!(action("?", true, false), Some(KeyAction::Help));
        assert_eq!(action("r", false, true), None);
        assert_eq!(action(" ", false, true), None, "Ctrl+Space belongs to the browser");
        assert_eq!(action("x", false, false), None);
    }
}

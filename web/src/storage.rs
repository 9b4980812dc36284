//! What survives a reload: the scenario text being edited, its file name and
//! seed, and lesson progress, in the browser's local storage.
//!
//! Storage can be missing (private windows) or full; every function here
//! fails quietly, because losing a saved draft must never stop the app. What
//! is read back is checked like any other input.

use serde::{Deserialize, Serialize};

const DRAFT_KEY: &str = "streamlab.draft.v1";

/// The editor's content.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The built-in scenario it started from ("" = custom text).
    pub selected: String,
    pub text: String,
    pub seed: String,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

pub fn get(key: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(key).ok().flatten())
}

pub fn set(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

pub fn load_draft() -> Option<Draft> {
    get(DRAFT_KEY).and_then(|json| serde_json::from_str::<Draft>(&json).ok()).filter(|d| !d.text.trim().is_empty())
}

pub fn save_draft(draft: &Draft) {
    if let Ok(json) = serde_json::to_string(draft) {
        set(DRAFT_KEY, &json);
    }
}

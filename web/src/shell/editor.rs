//! The scenario editor: built-in scenarios, the TOML text with errors shown
//! at their line, a seed, loading a file from disk and downloading the
//! scenario as it stands (with the faults injected by clicking).

use crate::{builtin, App, Msg};
use streamlab_core::session::BUILTIN_SCENARIOS;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Files larger than this are refused before reading (a scenario is a few KiB).
const MAX_FILE_BYTES: f64 = 1024.0 * 1024.0;

impl App {
    pub(crate) fn view_editor(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let on_select = link.callback(|e: Event| Msg::Select(e.target_unchecked_into::<HtmlSelectElement>().value()));
        let on_seed = link.callback(|e: InputEvent| Msg::EditSeed(e.target_unchecked_into::<HtmlInputElement>().value()));
        let on_text = link.callback(|e: InputEvent| Msg::EditText(e.target_unchecked_into::<HtmlTextAreaElement>().value()));
        let on_load = link.callback(|e: SubmitEvent| {
            e.prevent_default();
            Msg::Load
        });
        let scope = link.clone();
        let on_file = Callback::from(move |e: Event| read_file(e.target_unchecked_into::<HtmlInputElement>(), scope.clone()));
        let edited = builtin(&self.selected).is_some_and(|t| t != self.text);
        html! {
            <aside class="panel editor" aria-labelledby="scenario-heading">
                <h2 id="scenario-heading">{ "Scenario" }</h2>
                <form class="load-form" onsubmit={on_load}>
                    <div class="field grow">
                        <label for="scenario-select">{ "Built-in scenario" }</label>
                        <select id="scenario-select" onchange={on_select} disabled={BUILTIN_SCENARIOS.is_empty()}>
                            if self.selected.is_empty() {
                                <option value="" selected=true>{ "(custom text)" }</option>
                            }
                            { for BUILTIN_SCENARIOS.iter().map(|(name, _)| html! {
                                <option value={*name} selected={self.selected == *name}>{ *name }</option>
                            }) }
                        </select>
                    </div>
                    <div class="field seed">
                        <label for="seed">{ "Seed" }</label>
                        <input id="seed" type="text" inputmode="numeric" autocomplete="off" spellcheck="false"
                            placeholder="from scenario" value={self.seed_text.clone()} oninput={on_seed} />
                    </div>
                    <button id="load" type="submit" class="primary" title="Parse the text and start the run from the beginning">{ "Load" }</button>
                </form>
                { self.view_error() }
                <div class="textarea-head">
                    <label for="toml">{ "Scenario file (TOML)" }</label>
                    if edited {
                        <span class="badge badge-edited">{ "edited" }</span>
                    }
                    <span class="editor-files">
                        <label class="file-button" for="file-input" title="Open a .toml scenario from your computer">{ "Open file…" }</label>
                        <input id="file-input" class="visually-hidden" type="file" accept=".toml,text/plain" onchange={on_file} />
                        <button id="download" type="button" onclick={link.callback(|_| Msg::Download)}
                            title="Save the scenario as it stands, with the faults you injected">{ "Download" }</button>
                    </span>
                </div>
                <textarea id="toml" ref={self.textarea_ref.clone()} spellcheck="false" autocomplete="off"
                    wrap="off" rows="24" value={self.text.clone()} oninput={on_text}
                    aria-invalid={if self.error.as_ref().is_some_and(|e| e.location.is_some()) { "true" } else { "false" }}
                    aria-describedby="error" />
                <p class="muted editor-note">{ "Your edits are kept in this browser, even after a reload." }</p>
            </aside>
        }
    }

    pub(crate) fn view_error(&self) -> Html {
        let Some(err) = &self.error else {
            return html! {};
        };
        html! {
            <div id="error" class="error-box" role="alert" data-line={err.line.to_string()}>
                <p class="error-title"><span class="error-icon" aria-hidden="true">{ "⚠" }</span>{ &err.title }</p>
                if let Some(location) = &err.location {
                    <p class="error-where">
                        <code class="error-location">{ location }</code>
                        if !err.path.is_empty() {
                            <span class="error-path">{ " at " }<code>{ &err.path }</code></span>
                        }
                    </p>
                }
                <p class="error-message">{ &err.message }</p>
                if let Some(excerpt) = &err.excerpt {
                    <pre class="error-excerpt">{ excerpt }</pre>
                }
            </div>
        }
    }
}

/// Reads the chosen file as text and hands it to the app (or an error).
fn read_file(input: HtmlInputElement, link: yew::html::Scope<App>) {
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return;
    };
    input.set_value(""); // choosing the same file again fires again
    let name = file.name();
    if file.size() > MAX_FILE_BYTES {
        link.send_message(Msg::FileError(format!("{name} is {:.0} KiB; a scenario file is at most 1024 KiB.", file.size() / 1024.0)));
        return;
    }
    let Ok(reader) = web_sys::FileReader::new() else {
        link.send_message(Msg::FileError("this browser cannot read files".into()));
        return;
    };
    let r = reader.clone();
    let on_load = Closure::once(move || {
        let msg = match r.result().ok().and_then(|v| v.as_string()) {
            Some(text) => Msg::FileChosen(name, text),
            None => Msg::FileError(format!("{name} is not a text file")),
        };
        link.send_message(msg);
    });
    reader.set_onload(Some(on_load.as_ref().unchecked_ref()));
    on_load.forget();
    let _ = reader.read_as_text(&file);
}

/// Offers `text` as a download named `name`.
pub fn download(name: &str, text: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let props = web_sys::BlobPropertyBag::new();
    props.set_type("application/toml;charset=utf-8");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &props) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        if let Ok(a) = doc.create_element("a") {
            let a: web_sys::HtmlAnchorElement = a.unchecked_into();
            a.set_href(&url);
            a.set_download(name);
            a.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

//! Sharing: a permalink that encodes the scenario (with injected faults),
//! the seed and the streamlab version in the URL fragment.

use crate::{App, Msg};
use streamlab_core::permalink;
use yew::prelude::*;

/// The full page URL that reopens this run.
pub fn url_for(file: &str, text: &str, seed: u64) -> String {
    let base = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    let base = base.split('#').next().unwrap_or("").to_string();
    let link = permalink::Link { scenario_file: file.to_string(), text: text.to_string(), seed, version: permalink::VERSION.to_string() };
    format!("{base}#{}", permalink::encode(&link))
}

impl App {
    pub(crate) fn view_share(&self, ctx: &Context<Self>) -> Html {
        let Some(url) = &self.share_url else {
            return html! {};
        };
        let link = ctx.link();
        html! {
            <div class="overlay" onclick={link.callback(|_| Msg::CloseOverlays)}>
                <div id="share-dialog" class="dialog dialog-small" role="dialog" aria-modal="true" aria-labelledby="share-heading"
                    onclick={|e: MouseEvent| e.stop_propagation()}>
                    <div class="dialog-head">
                        <h2 id="share-heading">{ "Share this run" }</h2>
                        <button onclick={link.callback(|_| Msg::CloseOverlays)}>{ "Close" }</button>
                    </div>
                    <p>{ "This link holds the whole scenario (with the faults you injected), the seed and the streamlab version. \
                          Whoever opens it gets the same run, event for event." }</p>
                    <textarea id="share-url" class="share-url" readonly=true rows="4" value={url.clone()} />
                    <p><a id="share-open" href={url.clone()} target="_blank" rel="noopener">{ "Open it in a new tab" }</a>
                        <span class="muted">{ format!(" · {} characters", url.len()) }</span></p>
                </div>
            </div>
        }
    }
}

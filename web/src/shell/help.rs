//! The help panel: keyboard shortcuts and a glossary of the terms the views
//! use, one sentence each.

use super::keys::SHORTCUTS;
use crate::glossary::TERMS;
use yew::prelude::*;

pub fn view(on_close: Callback<MouseEvent>) -> Html {
    html! {
        <div class="overlay" id="help" role="dialog" aria-modal="true" aria-labelledby="help-heading">
            <div class="dialog">
                <div class="dialog-head">
                    <h2 id="help-heading">{ "How to use streamlab" }</h2>
                    <button id="help-close" onclick={on_close} aria-label="Close help">{ "Close" }</button>
                </div>
                <p>{ "Everything you see is computed from one deterministic run: the same scenario and seed give the same trace, byte for byte. \
                      Play it, scrub the time slider back and forth, click a broker or a link in the cluster to break it, and watch what the \
                      replicas, consumers and jobs do about it. Every fault you inject is written into the scenario, so Share reproduces it exactly." }</p>
                <h3>{ "Keyboard" }</h3>
                <dl class="shortcuts">
                    { for SHORTCUTS.iter().map(|(k, what)| html! { <div><dt><kbd>{ *k }</kbd></dt><dd>{ *what }</dd></div> }) }
                </dl>
                <h3>{ "Words" }</h3>
                <dl class="glossary">
                    { for TERMS.iter().map(|(t, s)| html! { <div><dt>{ *t }</dt><dd>{ *s }</dd></div> }) }
                </dl>
            </div>
        </div>
    }
}

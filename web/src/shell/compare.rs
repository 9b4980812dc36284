//! Forks: the original run kept beside the fork, so a student sees what the
//! change did: simulated time, trace length and trace hash, side by side.

use crate::{App, Msg};
use yew::prelude::*;

impl App {
    pub(crate) fn view_compare(&self, ctx: &Context<Self>) -> Html {
        let (Some(original), Some(fork)) = (&self.original, &self.player) else {
            return html! {};
        };
        let link = ctx.link();
        let (original, fork) = (original.borrow(), fork.borrow());
        html! {
            <section id="compare" class="panel compare" aria-label="Fork compared with the original">
                <h2>{ "Fork compared with the original" }</h2>
                <table class="compare-table">
                    <thead><tr><th></th><th>{ "original" }</th><th>{ "fork" }</th></tr></thead>
                    <tbody>
                        <tr><th>{ "simulated time" }</th><td>{ crate::logic::format_time(original.now()) }</td><td>{ crate::logic::format_time(fork.now()) }</td></tr>
                        <tr><th>{ "trace records" }</th><td>{ original.trace_len() }</td><td>{ fork.trace_len() }</td></tr>
                        <tr><th>{ "trace hash" }</th><td><code id="compare-original-hash">{ original.trace_hash() }</code></td>
                            <td><code id="compare-fork-hash">{ fork.trace_hash() }</code></td></tr>
                    </tbody>
                </table>
                <button class="link-button" onclick={link.callback(|_| Msg::Unfork)}>{ "Stop comparing" }</button>
            </section>
        }
    }
}

//! The player bar: play / pause / step / next interesting event / run to the
//! end / reset, the speed, the time slider that scrubs to any moment, fork
//! and share, and the run's identity (scenario, seed, trace length and hash).

use crate::logic::{self, SPEEDS};
use crate::{App, Msg};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

impl App {
    pub(crate) fn view_player(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let Some(player) = &self.player else {
            return html! {
                <section id="player" class="player-bar" aria-label="Player">
                    <span id="state" class="state state-paused">{ "no run" }</span>
                    <span class="muted">{ "No scenario loaded." }</span>
                </section>
            };
        };
        let player = player.borrow();
        let finished = player.is_finished();
        let (state_class, state_label) = if finished {
            ("state state-finished", "finished")
        } else if self.playing {
            ("state state-playing", "playing")
        } else {
            ("state state-paused", "paused")
        };
        let now = player.now();
        let end = player.end_time();
        let on_speed = link.callback(|e: Event| Msg::SetSpeed(e.target_unchecked_into::<HtmlSelectElement>().value()));
        let speed_label = SPEEDS.iter().find(|(_, s)| *s == self.speed).map(|(l, _)| *l).unwrap_or("1");
        // Dragging seeks as it goes (input); the final position is applied on change too.
        let on_scrub = link.callback(|e: InputEvent| Msg::Seek(e.target_unchecked_into::<HtmlInputElement>().value().parse::<u64>().unwrap_or(0)));
        let forked = self.original.is_some();
        html! {
            <section id="player" class="player-bar" aria-label="Player">
                <div class="player-row">
                    <span id="state" class={state_class}>{ state_label }</span>
                    <div class="controls" role="toolbar" aria-label="Run controls">
                        if self.playing {
                            <button id="pause" class="primary" onclick={link.callback(|_| Msg::Pause)} title="Pause (Space)">
                                <span class="icon icon-pause" aria-hidden="true"></span>{ "Pause" }</button>
                            <button id="play" class="visually-hidden" disabled=true tabindex="-1">{ "Play" }</button>
                        } else {
                            <button id="play" class="primary" onclick={link.callback(|_| Msg::Play)} disabled={finished} title="Play (Space)">
                                <span class="icon icon-play" aria-hidden="true"></span>{ "Play" }</button>
                            <button id="pause" class="visually-hidden" disabled=true tabindex="-1">{ "Pause" }</button>
                        }
                        <button id="step" onclick={link.callback(|_| Msg::Step)} disabled={finished} title="Process one event (→)">{ "Step" }</button>
                        <button id="next-interesting" onclick={link.callback(|_| Msg::NextInteresting)} disabled={finished}
                            title="Run to the next fault, election, ISR change or window firing (Shift+→)">{ "Next ⚑" }</button>
                        <button id="run-to-end" onclick={link.callback(|_| Msg::RunToEnd)} disabled={finished}>{ "Run to end" }</button>
                        <button id="reset" onclick={link.callback(|_| Msg::Reset)} title="Load the same scenario and seed again">{ "Reset" }</button>
                    </div>
                    <label class="speed" for="speed">{ "Speed" }
                        <select id="speed" onchange={on_speed}>
                            { for SPEEDS.iter().map(|(label, _)| html! {
                                <option value={*label} selected={*label == speed_label}>{ logic::speed_text(label) }</option>
                            }) }
                        </select>
                    </label>
                    <div class="player-actions">
                        if forked {
                            <button id="unfork" onclick={link.callback(|_| Msg::Unfork)} title="Stop comparing with the original run">{ "Drop original" }</button>
                        } else {
                            <button id="fork" onclick={link.callback(|_| Msg::Fork)}
                                title="Keep this run as it is and go on with a copy you can change (inject a fault, then compare)">{ "Fork" }</button>
                        }
                        <button id="share" onclick={link.callback(|_| Msg::Share)} title="A link that reopens exactly this run">{ "Share" }</button>
                    </div>
                </div>
                <div class="player-row scrub-row">
                    <label class="visually-hidden" for="scrub">{ "Simulated time" }</label>
                    <input id="scrub" type="range" min="0" max={end.to_string()} step="1000" value={now.to_string()}
                        oninput={on_scrub} aria-valuetext={logic::format_time(now)} />
                    <span class="time"><span id="sim-time" data-us={now.to_string()}>{ logic::format_time(now) }</span>
                        <span class="muted">{ " of " }{ logic::format_time_short(end) }</span></span>
                </div>
                <div class="player-row run-identity">
                    <span><span class="muted">{ "Scenario " }</span><strong id="scenario-name">{ player.world().scenario.name.clone() }</strong></span>
                    <span><span class="muted">{ "seed " }</span><code id="seed-value">{ player.seed() }</code></span>
                    <span><span class="muted">{ "trace " }</span><code id="trace-len">{ player.trace_len() }</code><span class="muted">{ " records" }</span></span>
                    <span title="A fingerprint of every event so far: the same scenario and seed give the same hash, native or in the browser">
                        <span class="muted">{ "hash " }</span><code id="trace-hash" data-finished={finished.to_string()}>{ player.trace_hash() }</code></span>
                </div>
                if let Some(notice) = &self.notice {
                    <div id="notice" class={classes!("notice", format!("notice-{}", notice.kind))} role="status">
                        <span>{ &notice.text }</span>
                        <button class="link-button" onclick={link.callback(|_| Msg::DismissNotice)} aria-label="Dismiss">{ "dismiss" }</button>
                    </div>
                }
            </section>
        }
    }
}

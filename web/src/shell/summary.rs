//! The Summary tab: the run's summary text (as `streamlab run` prints it),
//! the most recent trace events and the JSON report.

use crate::views::ViewProps;
use crate::{App, Msg};
use streamlab_core::time::fmt_time;
use streamlab_core::world::World;
use yew::prelude::*;

/// How many trace lines the "Recent events" panel shows.
const RECENT_EVENTS: usize = 30;

impl App {
    pub(crate) fn view_summary(&self, ctx: &Context<Self>, events: ViewProps) -> Html {
        let link = ctx.link();
        let Some(player) = &self.player else {
            return html! {};
        };
        let player = player.borrow();
        html! {
            <div class="summary-tab">
                <h3>{ "Summary" }
                    if self.summary_stale {
                        <span class="muted summary-stale">
                            { if self.playing { " (a long run: updated when paused)" } else { " (updating…)" } }
                        </span>
                    }
                </h3>
                <pre id="summary" class="output">{ &self.summary }</pre>
                <h3>{ format!("Recent events (last {RECENT_EVENTS})") }</h3>
                <RecentEvents ..events />
                <div class="report">
                    <button id="toggle-report" class="link-button" onclick={link.callback(|_| Msg::ToggleReport)}
                        aria-expanded={self.show_report.to_string()}>
                        { if self.show_report { "Hide report (JSON)" } else { "Show report (JSON)" } }
                    </button>
                    if self.show_report {
                        <pre id="report" class="output">{ crate::logic::pretty_json(&player.report_json()) }</pre>
                    }
                </div>
            </div>
        }
    }
}

/// The newest trace lines. A view like the others (it redraws with the tab,
/// at most 20 times a second while playing), not part of the app's own
/// render, which runs every frame.
#[function_component(RecentEvents)]
fn recent_events_view(props: &ViewProps) -> Html {
    let events = recent_events(&props.run.world(), RECENT_EVENTS).join("\n");
    html! {
        // column-reverse keeps the newest line in view without reading the
        // layout back every frame (a forced reflow while playing).
        <div class="events-scroller" tabindex="0">
            <pre id="events" class="output events">
                if events.is_empty() { <span class="muted">{ "(no events yet)" }</span> } else { { events } }
            </pre>
        </div>
    }
}

/// The last `n` trace records, one line each (index, time, node, the event as JSON).
fn recent_events(world: &World, n: usize) -> Vec<String> {
    let recs = world.sim.trace().records();
    let start = recs.len().saturating_sub(n);
    recs[start..]
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let ev = serde_json::to_string(&r.ev).unwrap_or_default();
            format!("#{:<7} {} {:<10} {}", start + i, fmt_time(r.t), world.sim.node_name(r.node), ev)
        })
        .collect()
}

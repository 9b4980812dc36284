//! The Trace view: the run's trace as a filterable table
//! (`streamlab_core::views::trace_table`), newest last, following the end
//! of the run by default. Filter by node, kind, free text, or only faults
//! and elections; click a row to jump the player to its moment.

use super::{Poke, ViewProps};
use crate::glossary::tooltip;
use std::cell::RefCell;
use std::rc::Rc;
use streamlab_core::time::fmt_time;
use streamlab_core::views::trace_table::{trace_rows, KindIndex, Page, TraceFilter, TraceRow, DEFAULT_PAGE_ROWS};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Rows shown while following a playing run: as many as the box shows
/// (trace-table.css: 62% of the window's height, rows about 27 px), and
/// two more. At 10× a large cluster writes thousands of records between
/// two redraws, so every row is new each time, and each row costs layout
/// and text shaping (a page of 100 rows held the page near 30 frames per
/// second, docs/performance.md). Paused, the whole page of rows is back.
fn live_follow_rows() -> usize {
    let height = web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()).unwrap_or(900.0);
    live_rows_for(height)
}

fn live_rows_for(window_height: f64) -> usize {
    ((window_height * 0.62 / 27.0).ceil() as usize + 2).clamp(10, DEFAULT_PAGE_ROWS)
}

#[function_component(TraceTableView)]
pub fn view(props: &ViewProps) -> Html {
    let node = use_state(String::new);
    let kind = use_state(String::new);
    let text = use_state(String::new);
    let notable = use_state(|| false);
    // None: follow the end of the trace.
    let page = use_state(|| Option::<Page>::None);
    // The kinds present, folded incrementally per run.
    let kinds: Rc<RefCell<(u64, KindIndex)>> = use_mut_ref(|| (u64::MAX, KindIndex::default()));

    let filter = TraceFilter {
        node: Some((*node).clone()).filter(|s| !s.is_empty()),
        kind: Some((*kind).clone()).filter(|s| !s.is_empty()),
        text: (*text).clone(),
        notable: *notable,
        ..Default::default()
    };
    let (model, names, kind_list) = {
        let world = props.run.world();
        let mut k = kinds.borrow_mut();
        if k.0 != props.run.run {
            *k = (props.run.run, KindIndex::default());
        }
        k.1.update(&world);
        let follow_rows = if props.run.live { live_follow_rows() } else { DEFAULT_PAGE_ROWS };
        let want = page.unwrap_or(Page::Follow { rows: follow_rows });
        let mut names = world.sim.node_names();
        names.push("world".into());
        (trace_rows(&world, &filter, want), names, k.1.kinds())
    };

    // Any filter change goes back to following the end.
    let on_node = {
        let (node, page) = (node.clone(), page.clone());
        Callback::from(move |e: Event| {
            node.set(e.target_unchecked_into::<HtmlSelectElement>().value());
            page.set(None);
        })
    };
    let on_kind = {
        let (kind, page) = (kind.clone(), page.clone());
        Callback::from(move |e: Event| {
            kind.set(e.target_unchecked_into::<HtmlSelectElement>().value());
            page.set(None);
        })
    };
    let on_text = {
        let (text, page) = (text.clone(), page.clone());
        Callback::from(move |e: InputEvent| {
            text.set(e.target_unchecked_into::<HtmlInputElement>().value());
            page.set(None);
        })
    };
    let on_notable = {
        let (notable, page) = (notable.clone(), page.clone());
        Callback::from(move |e: Event| {
            notable.set(e.target_unchecked_into::<HtmlInputElement>().checked());
            page.set(None);
        })
    };
    let following = page.is_none();
    let on_follow = {
        let page = page.clone();
        let first = model.rows.first().map(|r| r.index);
        let rows = model.rows.len().max(DEFAULT_PAGE_ROWS);
        Callback::from(move |e: Event| {
            if e.target_unchecked_into::<HtmlInputElement>().checked() {
                page.set(None);
            } else {
                // Freeze on the rows shown now.
                page.set(Some(first.map_or(Page::Follow { rows }, |index| Page::From { index, rows })));
            }
        })
    };
    let go = |p: Option<Page>| {
        let page = page.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(p) = p {
                page.set(Some(p));
            }
        })
    };
    let on_poke = props.on_poke.clone();

    html! {
        <div class="trace-view">
            <div class="trace-filters">
                <div class="field">
                    <label for="trace-filter-node">{ "Node" }</label>
                    <select id="trace-filter-node" onchange={on_node}>
                        <option value="" selected={node.is_empty()}>{ "all nodes" }</option>
                        { for names.iter().map(|n| html! { <option value={n.clone()} selected={*node == *n}>{ n.clone() }</option> }) }
                    </select>
                </div>
                <div class="field">
                    <label for="trace-filter-kind">{ "Kind" }</label>
                    <select id="trace-filter-kind" onchange={on_kind}>
                        <option value="" selected={kind.is_empty()}>{ "all kinds" }</option>
                        if !kind.is_empty() && !kind_list.iter().any(|(k, _)| *k == kind.as_str()) {
                            <option value={(*kind).clone()} selected=true>{ format!("{} (0)", *kind) }</option>
                        }
                        { for kind_list.iter().map(|(k, n)| html! { <option value={*k} selected={kind.as_str() == *k}>{ format!("{k} ({n})") }</option> }) }
                    </select>
                </div>
                <div class="field grow">
                    <label for="trace-filter-text">{ "Contains" }</label>
                    <input id="trace-filter-text" type="text" spellcheck="false" autocomplete="off" placeholder="e.g. orders-0, NOT_ENOUGH_REPLICAS, b2"
                        value={(*text).clone()} oninput={on_text} />
                </div>
                <label class="trace-check" title="Crashes, restarts, pauses, link cuts and heals, faults, fencing, leader elections and ISR changes, truncations, task failures">
                    <input id="trace-filter-notable" type="checkbox" checked={*notable} onchange={on_notable} />
                    { "only faults & elections" }
                </label>
                <label class="trace-check" title="Keep showing the newest records while the run plays">
                    <input id="trace-follow" type="checkbox" checked={following} onchange={on_follow} />
                    { "follow the end" }
                </label>
            </div>
            <div class="trace-status">
                <span id="trace-count" title={tooltip("trace")}>
                    { format!("{} matching of {} records", model.matched, model.records) }
                    if let (Some(a), Some(b)) = (model.rows.first(), model.rows.last()) {
                        { format!(" · showing #{}–#{}", a.index, b.index) }
                    }
                </span>
                <span class="trace-pager">
                    <button id="trace-older" disabled={model.older_page.is_none()} onclick={go(model.older_page)}>{ format!("◀ Older ({})", model.older) }</button>
                    <button id="trace-newer" disabled={model.newer_page.is_none()} onclick={go(model.newer_page)}>{ format!("Newer ({}) ▶", model.newer) }</button>
                </span>
            </div>
            // Following, the box starts scrolled to its end (the newest).
            <div class={classes!("trace-scroll", following.then_some("trace-following"))}>
                <div class="trace-inner">
                    <table class="trace-table" id="trace-table">
                        <colgroup>
                            <col class="trace-col-i" /><col class="trace-col-t" /><col class="trace-col-node" /><col class="trace-col-kind" /><col />
                        </colgroup>
                        <thead>
                            <tr>
                                <th scope="col" class="trace-i">{ "#" }</th>
                                <th scope="col" class="trace-t">{ "time" }</th>
                                <th scope="col">{ "node" }</th>
                                <th scope="col">{ "kind" }</th>
                                <th scope="col">{ "what happened" }</th>
                            </tr>
                        </thead>
                        <tbody>
                            { for model.rows.iter().map(|r| row(r, &on_poke)) }
                        </tbody>
                    </table>
                    if model.rows.is_empty() {
                        <p class="empty trace-empty">
                            { if model.matched.exact { "No record matches these filters." } else { "No match among the newest records searched; use “Older” to search further back." } }
                        </p>
                    }
                </div>
            </div>
        </div>
    }
}

fn row(r: &TraceRow, on_poke: &Callback<Poke>) -> Html {
    let t = r.t;
    let poke = on_poke.clone();
    let onclick = Callback::from(move |_: MouseEvent| poke.emit(Poke::Seek(t)));
    // Unkeyed on purpose: while the table follows a playing run every row
    // shows a new record on each redraw, and updating the rows' text costs
    // far less than making every row anew (keyed by record, they were).
    html! {
        <tr class={classes!("trace-row", r.notable.then_some("trace-notable"))} data-index={r.index.to_string()} data-t={r.t.to_string()}
            data-kind={r.kind} onclick={onclick} title="Click to jump to this moment">
            <td class="trace-i">{ r.index }</td>
            <td class="trace-t">{ fmt_time(r.t) }</td>
            <td class="trace-node">{ r.node.clone() }</td>
            <td class="trace-kind">
                if r.notable {
                    <span class="trace-flag" aria-label="fault or election">{ "⚑ " }</span>
                }
                { r.kind }
            </td>
            <td class="trace-summary">{ r.summary.clone() }</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_playing_run_shows_the_rows_that_fit() {
        assert_eq!(live_rows_for(900.0), 23, "558 px of box: 21 rows and two more");
        assert_eq!(live_rows_for(100.0), 10);
        assert_eq!(live_rows_for(10_000.0), DEFAULT_PAGE_ROWS);
    }
}

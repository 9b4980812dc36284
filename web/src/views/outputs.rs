//! The Outputs and checkers view: per stream job, the results emitted so
//! far (pane timing, Spark batch, published or pending, the oracle's
//! verdict) and every checker hit as a button that jumps to its moment.
//!
//! The outputs come from an incremental fold (cheap every frame); the
//! checkers run the whole report, so they are recomputed at most every
//! [`CHECK_EVERY_MS`] while the run moves, and at once when it has ended
//! (a timer re-renders the view when it stopped moving in between, so a
//! paused run always shows fresh verdicts).

use super::{Poke, ViewProps};
use crate::glossary::tooltip;
use gloo_timers::callback::Timeout;
use std::collections::BTreeSet;
use streamlab_core::check::metrics::METRICS;
use streamlab_core::stream::types::{LateFate, Timing};
use streamlab_core::time::fmt_time;
use streamlab_core::views::outputs::{
    short_time, window_text, CheckerGroup, CheckersMemo, CheckersModel, JobOutputs, OutputRow, OutputsFold, Publish, RowKind,
};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// How often the checkers may run while the run moves.
const CHECK_EVERY_MS: f64 = 500.0;
/// Rows shown per job unless the student asks for all of them.
const ROWS_SHOWN: usize = 150;
/// Hits shown per checker unless expanded.
const HITS_SHOWN: usize = 8;

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

#[function_component(OutputsView)]
pub fn view(props: &ViewProps) -> Html {
    let fold = use_mut_ref(OutputsFold::new);
    let memo = use_mut_ref(CheckersMemo::new);
    let last_check = use_mut_ref(|| f64::NEG_INFINITY);
    // What the last checker pass took (ms).
    let check_cost = use_mut_ref(|| 0.0f64);
    let timer = use_mut_ref(|| None::<Timeout>);
    let force = use_force_update();
    let job_filter = use_state(String::new);
    let key_filter = use_state(String::new);
    let results_only = use_state(|| false);
    let show_all = use_state(|| false);
    let expanded = use_state(BTreeSet::<String>::new);

    let world = props.run.world();
    let run = props.run.run;
    fold.borrow_mut().advance(&world, run);
    // A pass over the whole trace that costs more than a frame's budget
    // waits for the pause while the run plays, as the Summary's does: done
    // every half second it dropped frames (docs/performance.md).
    let deferred = props.run.live && *check_cost.borrow() > crate::SUMMARY_BUDGET_MS && memo.borrow().latest(run).is_some();
    {
        let mut memo = memo.borrow_mut();
        if !memo.is_current(&world, run) && !deferred {
            let now = now_ms();
            let waited = now - *last_check.borrow();
            if world.sim.is_finished() || memo.latest(run).is_none() || waited >= CHECK_EVERY_MS {
                memo.get(&world, run);
                *last_check.borrow_mut() = now_ms();
                *check_cost.borrow_mut() = *last_check.borrow() - now;
                *timer.borrow_mut() = None;
            } else if timer.borrow().is_none() {
                // Come back when the wait is over, in case the run stops
                // moving (paused) and no new frame would re-render us.
                let (force, timer_slot) = (force.clone(), timer.clone());
                let ms = (CHECK_EVERY_MS - waited).clamp(1.0, CHECK_EVERY_MS) as u32;
                *timer.borrow_mut() = Some(Timeout::new(ms, move || {
                    timer_slot.borrow_mut().take();
                    force.force_update();
                }));
            }
        }
    }
    let fold = fold.borrow();
    let memo = memo.borrow();
    let checks = memo.latest(run);
    let jobs = fold.jobs();
    let seek = |t: u64| {
        let on_poke = props.on_poke.clone();
        Callback::from(move |_: MouseEvent| on_poke.emit(Poke::Seek(t)))
    };

    let on_job = {
        let job_filter = job_filter.clone();
        Callback::from(move |e: Event| job_filter.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_key = {
        let key_filter = key_filter.clone();
        Callback::from(move |e: Event| key_filter.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_results_only = {
        let results_only = results_only.clone();
        Callback::from(move |e: Event| results_only.set(e.target_unchecked_into::<HtmlInputElement>().checked()))
    };
    let toggle_all = {
        let show_all = show_all.clone();
        Callback::from(move |_: MouseEvent| show_all.set(!*show_all))
    };
    let keys: BTreeSet<&String> = jobs.iter().filter(|j| job_filter.is_empty() || j.name == *job_filter).flat_map(|j| j.keys.iter()).collect();

    let outputs = if jobs.is_empty() {
        html! {
            <p class="muted outputs-none">{ "This scenario has no stream jobs, so nothing is emitted. The checkers below read what the producers sent and the consumers polled." }</p>
        }
    } else {
        html! {
            <>
                <div class="outputs-filters">
                    <label>{ "Job " }
                        <select class="outputs-job-filter" onchange={on_job}>
                            <option value="" selected={job_filter.is_empty()}>{ "all jobs" }</option>
                            { for jobs.iter().map(|j| html! { <option value={j.name.clone()} selected={*job_filter == j.name}>{ &j.name }</option> }) }
                        </select>
                    </label>
                    <label>{ "Key " }
                        <select class="outputs-key-filter" onchange={on_key}>
                            <option value="" selected={key_filter.is_empty()}>{ "all keys" }</option>
                            { for keys.iter().map(|k| html! { <option value={(*k).clone()} selected={*key_filter == **k}>{ k.as_str() }</option> }) }
                        </select>
                    </label>
                    <label title="Hide late records, checkpoints, sink transactions and failures">
                        <input type="checkbox" class="outputs-results-only" checked={*results_only} onchange={on_results_only} />{ " results only" }
                    </label>
                    <button type="button" class="outputs-show-all" onclick={toggle_all}>
                        { if *show_all { "show the latest rows only".to_string() } else { format!("show all rows (not only the latest {ROWS_SHOWN})") } }
                    </button>
                </div>
                { for jobs.iter().enumerate().filter(|(_, j)| job_filter.is_empty() || j.name == *job_filter).map(|(ix, j)| {
                    job_table(ix, j, checks, &key_filter, *results_only, *show_all, &seek)
                }) }
            </>
        }
    };

    html! {
        <div class="outputs-view">
            <section id="outputs" aria-labelledby="outputs-heading">
                <h3 id="outputs-heading">{ "Outputs" }</h3>
                { outputs }
            </section>
            <section id="checkers" aria-labelledby="checkers-heading">
                <h3 id="checkers-heading">{ "Checkers" }</h3>
                { checkers_section(checks, deferred, &expanded, &seek) }
            </section>
        </div>
    }
}

/// One job: its counts, its oracle summary and its rows.
fn job_table(
    ix: usize,
    j: &JobOutputs,
    checks: Option<&CheckersModel>,
    key: &str,
    results_only: bool,
    show_all: bool,
    seek: &dyn Fn(u64) -> Callback<MouseEvent>,
) -> Html {
    let c = &j.counts;
    let matching: Vec<(usize, &OutputRow)> =
        j.rows.iter().enumerate().filter(|(_, r)| (!results_only || r.kind == RowKind::Result) && (key.is_empty() || r.key.as_deref() == Some(key))).collect();
    let hidden = if show_all { 0 } else { matching.len().saturating_sub(ROWS_SHOWN) };
    let spark = !j.batches.is_empty() || j.engine == "spark";
    let mut last_batch: Option<u64> = None;
    let mut body: Vec<Html> = Vec::new();
    for (rix, r) in matching.iter().skip(hidden) {
        if spark && r.batch.is_some() && r.batch != last_batch {
            last_batch = r.batch;
            let id = r.batch.unwrap_or(0);
            let head =
                j.batches.iter().rev().find(|b| b.info.id == id && b.trace_index >= r.trace_index).or_else(|| j.batches.iter().find(|b| b.info.id == id));
            body.push(html! {
                <tr class="batch-head" data-batch={id.to_string()}>
                    <th colspan="8" scope="rowgroup" title={tooltip("micro-batch")}>
                        { head.map_or_else(|| format!("batch {id}"), |b| b.text.clone()) }
                    </th>
                </tr>
            });
        }
        body.push(output_row(ix, *rix, r, j, checks, seek));
    }
    let published_note = if c.pending + c.aborted > 0 || c.emitted != c.published {
        format!(" · {} pending · {} never published (aborted)", c.pending, c.aborted)
    } else {
        String::new()
    };
    let oracle = checks.and_then(|m| m.oracles.get(ix)).and_then(|o| o.as_ref());
    html! {
        <section class="outputs-job" data-job={j.name.clone()} aria-label={format!("outputs of job {}", j.name)}>
            <h4>{ format!("{} ", j.name) }<span class="muted">{ format!("({}) → {}", j.engine, j.sink) }</span></h4>
            <p class="outputs-counts">
                { format!("{} results emitted, {} published{published_note}", c.emitted, c.published) }
                { format!(" · late: {} dropped, {} to the side output", c.late_dropped, c.side_output) }
                { if c.checkpoints_completed > 0 { format!(" · {} checkpoints completed", c.checkpoints_completed) } else { String::new() } }
                { if c.failures > 0 { format!(" · {} failures", c.failures) } else { String::new() } }
                { if c.duplicates > 0 { format!(" · {} duplicates", c.duplicates) } else { String::new() } }
            </p>
            { match oracle {
                Some(o) => html! { <p class="outputs-oracle">{ format!("Against the ideal answer (every input exactly once, by event time): {}", o.summary) }</p> },
                None => html! {},
            } }
            { if hidden > 0 { html! { <p class="muted outputs-hidden">{ format!("… {hidden} earlier rows not shown") }</p> } } else { html! {} } }
            { if matching.is_empty() {
                html! { <p class="muted">{ if j.rows.is_empty() { "Nothing emitted yet." } else { "No row matches the filter." } }</p> }
            } else {
                html! {
                    <div class="outputs-scroll">
                        <table class="outputs-table">
                            <thead>
                                <tr>
                                    <th scope="col" title={tooltip("processing time")}>{ "emitted at" }</th>
                                    <th scope="col" title="The line the engine prints: what `streamlab run` shows and [[expect.outputs]] compares">{ "printed line" }</th>
                                    <th scope="col" title={tooltip("window")}>{ "window" }</th>
                                    <th scope="col">{ "key" }</th>
                                    <th scope="col">{ "value" }</th>
                                    <th scope="col" title={tooltip("pane")}>{ "pane timing" }</th>
                                    <th scope="col" title="Whether a reader of the sink can see the result: at once, or when its sink transaction commits">{ "published" }</th>
                                    <th scope="col" title="What a reader holds for this window and key, against the ideal answer (every input exactly once, by event time)">{ "verdict" }</th>
                                </tr>
                            </thead>
                            <tbody>{ for body }</tbody>
                        </table>
                    </div>
                }
            } }
        </section>
    }
}

fn timing_badge(r: &OutputRow) -> Html {
    let (class, word, tip) = match r.timing {
        Some(Timing::Early) => ("timing-early", "EARLY", tooltip("EARLY")),
        Some(Timing::OnTime) => ("timing-on-time", "ON_TIME", tooltip("ON_TIME")),
        Some(Timing::Late) => ("timing-late", "LATE", tooltip("LATE")),
        None => ("timing-none", "no timing", "This engine gives its results no pane timing (Spark rows, rolling aggregates)".to_string()),
    };
    let pane = r.pane.map(|p| {
        let mut s = format!("pane {}", p.index);
        if p.is_first {
            s.push_str(" · first");
        }
        if p.is_last {
            s.push_str(" · final");
        }
        if p.retraction {
            s.push_str(" · retraction");
        }
        s
    });
    html! {
        <>
            <span class={classes!("badge", "timing-badge", class)} title={tip}>{ word }</span>
            { pane.map(|p| html! { <span class="pane-info">{ p }</span> }).unwrap_or_default() }
        </>
    }
}

fn publish_cell(r: &OutputRow) -> Html {
    let Some(p) = r.publish else { return html! {} };
    let (class, mark, word) = match p {
        Publish::AtEmit => ("pub-yes", "✓", "published".to_string()),
        Publish::Committed { txn, at, .. } => ("pub-yes", "✓", format!("published at {} (txn {txn})", short_time(at))),
        Publish::Pending { txn } => ("pub-pending", "…", format!("pending (txn {txn} open)")),
        Publish::Aborted { txn, .. } => ("pub-never", "✗", format!("never (txn {txn} aborted)")),
    };
    let mut extra = String::new();
    if let Some(n) = r.upsert_write.filter(|n| *n > 1) {
        extra = format!(" · overwrote {} earlier write{}", n - 1, if n > 2 { "s" } else { "" });
    }
    if r.duplicate_of.is_some() {
        extra = " · duplicate of an earlier result".into();
    }
    html! {
        <span class={classes!("publish", class)} title={p.words()} data-published={p.published().to_string()}>
            <span aria-hidden="true">{ mark }</span>{ format!(" {word}{extra}") }
        </span>
    }
}

fn output_row(job: usize, rix: usize, r: &OutputRow, j: &JobOutputs, checks: Option<&CheckersModel>, seek: &dyn Fn(u64) -> Callback<MouseEvent>) -> Html {
    let time = html! {
        <td class="out-time">
            <button type="button" class="seek" title={format!("Jump to {} (trace #{})", fmt_time(r.t), r.trace_index)} onclick={seek(r.t)}>{ short_time(r.t) }</button>
        </td>
    };
    let common = |kind: &'static str, cells: Html| {
        html! {
            <tr class={classes!("output-row", format!("row-{kind}"))} data-job={j.name.clone()} data-timing={r.timing_word()} data-kind={kind}
                data-row={rix.to_string()} data-index={r.trace_index.to_string()}>
                { time.clone() }
                { cells }
            </tr>
        }
    };
    match r.kind {
        RowKind::Result => {
            let verdict = checks.and_then(|c| c.verdict(job, r));
            let verdict = match (verdict, r.refined_by) {
                (Some(v), _) => html! {
                    <span class={classes!("verdict", if v.correct && v.complete { "verdict-ok" } else { "verdict-bad" })}>
                        <span aria-hidden="true">{ if v.correct && v.complete { "✓ " } else { "✗ " } }</span>{ &v.words }
                        { if checks.is_some_and(|c| !c.finished) { " (so far)" } else { "" } }
                    </span>
                },
                (None, Some(_)) => html! { <span class="muted verdict-refined">{ "refined by a later result" }</span> },
                (None, None) => html! {},
            };
            common(
                "result",
                html! {
                    <>
                        <td class="out-line"><code>{ r.line.clone().unwrap_or_default() }</code></td>
                        <td class="out-window">{ window_text(r.window) }</td>
                        <td class="out-key">{ r.key.clone().unwrap_or_default() }</td>
                        <td class="out-value">{ r.value.clone().unwrap_or_default() }</td>
                        <td class="out-timing">{ timing_badge(r) }</td>
                        <td class="out-published">{ publish_cell(r) }</td>
                        <td class="out-verdict">{ verdict }</td>
                    </>
                },
            )
        }
        RowKind::Late { fate } => {
            let (word, class, tip) = match fate {
                LateFate::Dropped => ("LATE DATA · dropped", "late-dropped", tooltip("late data")),
                LateFate::SideOutput => ("LATE DATA · side output", "late-side", tooltip("late data")),
            };
            common(
                "late",
                html! {
                    <>
                        <td class="out-line"><code>{ r.line.clone().unwrap_or_default() }</code></td>
                        <td class="out-window">{ r.window.map(|w| window_text(Some(w))).unwrap_or_else(|| "all its windows".into()) }</td>
                        <td class="out-key">{ r.key.clone().unwrap_or_default() }</td>
                        <td class="out-value">{ r.value.clone().unwrap_or_default() }</td>
                        <td colspan="3" class="out-note"><span class={classes!("badge", class)} title={tip}>{ word }</span>{ format!(" {}", r.text) }</td>
                    </>
                },
            )
        }
        RowKind::Checkpoint { .. } | RowKind::Txn { .. } | RowKind::Failure | RowKind::Restart => {
            let (kind, word, tip) = match r.kind {
                RowKind::Checkpoint { .. } => ("checkpoint", "CHECKPOINT", tooltip("checkpoint")),
                RowKind::Txn { .. } => ("txn", "SINK TXN", tooltip("exactly-once")),
                RowKind::Failure => ("failure", "FAILURE", "A task of the job failed; it restarts from its last completed checkpoint".to_string()),
                _ => ("restart", "RESTART", "The job's process came back".to_string()),
            };
            common(
                kind,
                html! {
                    <td colspan="7" class="out-note"><span class={classes!("badge", format!("badge-{kind}"))} title={tip}>{ word }</span>{ format!(" {}", r.text) }</td>
                },
            )
        }
    }
}

/// The hits grouped by checker, then the expectations.
fn checkers_section(
    checks: Option<&CheckersModel>,
    deferred: bool,
    expanded: &UseStateHandle<BTreeSet<String>>,
    seek: &dyn Fn(u64) -> Callback<MouseEvent>,
) -> Html {
    let Some(c) = checks else {
        return html! { <p class="muted">{ "Checking…" }</p> };
    };
    let status = if c.finished {
        format!("Checked the whole run ({} trace records).", c.trace_len)
    } else {
        format!(
            "Checked up to {} ({} trace records); checked again {}. Some checkers only judge at the end of the run.",
            fmt_time(c.at),
            c.trace_len,
            if deferred { "when the run is paused (a check of the whole trace would slow the playing down)" } else { "as the run goes on" }
        )
    };
    html! {
        <>
            <p class="muted checkers-status">{ status }</p>
            { if c.groups.is_empty() {
                html! { <p class="checkers-none" data-status="clean"><span aria-hidden="true">{ "✓ " }</span>{ "No checker flagged anything." }</p> }
            } else {
                html! { <>{ for c.groups.iter().map(|g| checker_group(g, expanded, seek)) }</> }
            } }
            { if c.notable.is_empty() { html! {} } else {
                html! {
                    <p class="checkers-notable">
                        { "Also counted: " }
                        { for c.notable.iter().enumerate().map(|(i, (n, v))| html! {
                            <>
                                { if i > 0 { " · " } else { "" } }
                                <span title={doc_of(n)}>{ format!("{n} {v}") }</span>
                            </>
                        }) }
                    </p>
                }
            } }
            { expectations(c) }
        </>
    }
}

fn doc_of(name: &str) -> String {
    METRICS.iter().find(|(n, _)| *n == name).map(|(n, d)| format!("{n}: {d}")).unwrap_or_else(|| name.to_string())
}

fn checker_group(g: &CheckerGroup, expanded: &UseStateHandle<BTreeSet<String>>, seek: &dyn Fn(u64) -> Callback<MouseEvent>) -> Html {
    let open = expanded.contains(&g.checker);
    let shown = if open { g.hits.len() } else { g.hits.len().min(HITS_SHOWN) };
    let toggle = {
        let expanded = expanded.clone();
        let name = g.checker.clone();
        Callback::from(move |_: MouseEvent| {
            let mut set = (*expanded).clone();
            if !set.remove(&name) {
                set.insert(name.clone());
            }
            expanded.set(set);
        })
    };
    html! {
        <section class="checker-group" data-checker={g.checker.clone()} data-count={g.count.to_string()}>
            <h4><span class="checker-name">{ &g.checker }</span>{ format!(" — {}", g.count) }</h4>
            <p class="muted checker-doc">{ format!("Counts {}.", g.doc) }</p>
            <ul class="checker-hits">
                { for g.hits.iter().take(shown).map(|h| html! {
                    <li>
                        <button type="button" class="checker-hit" data-t={h.t.to_string()} data-index={h.trace_index.to_string()} data-checker={h.checker.clone()}
                            title={format!("Jump to {} (trace #{})", fmt_time(h.t), h.trace_index)} onclick={seek(h.t)}>
                            { h.label() }
                        </button>
                        <span class="hit-message">{ format!(" {}", h.message) }</span>
                        { for h.related.iter().map(|m| html! {
                            <button type="button" class="checker-related seek" data-t={m.t.to_string()} data-index={m.trace_index.to_string()}
                                title={format!("Jump to {} (trace #{})", fmt_time(m.t), m.trace_index)} onclick={seek(m.t)}>
                                { format!("{} at {} (#{})", m.label, short_time(m.t), m.trace_index) }
                            </button>
                        }) }
                    </li>
                }) }
            </ul>
            { if g.hits.len() > HITS_SHOWN {
                html! { <button type="button" class="checker-more" onclick={toggle}>{ if open { "show fewer".to_string() } else { format!("show all {} listed hits", g.hits.len()) } }</button> }
            } else { html! {} } }
        </section>
    }
}

fn expectations(c: &CheckersModel) -> Html {
    if c.expectations.is_empty() && c.output_expectations.is_empty() {
        return html! { <p class="muted">{ "This scenario states no expectations." }</p> };
    }
    let word = |pass: bool| if pass { "PASS" } else { "FAIL" };
    let so_far = if c.finished { "" } else { " (so far: judged when the run ends)" };
    html! {
        <>
            <h4>{ format!("Expectations{so_far}") }</h4>
            <ul class="expectations">
                { for c.expectations.iter().map(|e| html! {
                    <li class="expectation" data-status={if e.pass { "pass" } else { "fail" }} data-final={c.finished.to_string()}>
                        <span class={classes!("badge", if e.pass { "exp-pass" } else { "exp-fail" })}>{ word(e.pass) }</span>
                        { " " }<code>{ &e.text }</code>{ " " }<span class="muted">{ &e.location }</span>
                    </li>
                }) }
                { for c.output_expectations.iter().map(|e| html! {
                    <li class="expectation expectation-outputs" data-status={if e.pass { "pass" } else { "fail" }} data-final={c.finished.to_string()} data-job={e.job.clone()}>
                        <span class={classes!("badge", if e.pass { "exp-pass" } else { "exp-fail" })}>{ word(e.pass) }</span>
                        { " " }{ &e.text }{ " " }<span class="muted">{ &e.location }</span>
                        { match &e.difference {
                            Some((n, expected, printed)) if !e.pass => html! {
                                <pre class="expectation-diff">{ format!("line {n}: expected {expected}\nline {n}: printed  {printed}") }</pre>
                            },
                            _ => html! {},
                        } }
                    </li>
                }) }
            </ul>
        </>
    }
}

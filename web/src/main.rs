//! The streamlab browser app: a thin Yew shell over `streamlab_core::session`.
//!
//! Load a built-in or edited scenario with a seed, then play, pause, step or
//! run it to the end while the simulated time, trace length, trace hash,
//! summary and recent events are shown. The page address can name a run:
//! `#scenario=<file name>&seed=<n>&run=1`.
//!
//! Everything shown is text that Yew escapes; no file content ever reaches
//! `inner_html`.

mod glossary;
mod logic;
mod views;

use gloo_timers::callback::{Interval, Timeout};
use std::cell::RefCell;
use std::rc::Rc;
use streamlab_core::session::{ScenarioError, Session, BUILTIN_SCENARIOS};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use logic::{format_time, parse_fragment, parse_seed, Speed, SPEEDS};
use views::{Poke, RunHandle, ViewProps};

/// How many trace lines the "Recent events" panel shows.
const RECENT_EVENTS: usize = 30;
/// Milliseconds between play ticks (about one animation frame).
const TICK_MS: u32 = 16;
/// The file name given to text that is not a built-in scenario.
const CUSTOM_FILE: &str = "custom.toml";

fn main() {
    std::panic::set_hook(Box::new(|info| show_panic(&info.to_string())));
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => yew::Renderer::<App>::with_root(root).render(),
        None => yew::Renderer::<App>::new().render(),
    };
}

/// A bug (a panic) stops the app: say so on the page and in the console,
/// rather than leaving a page that silently ignores every click.
fn show_panic(info: &str) {
    let message = format!("streamlab stopped because of a bug: {info}");
    web_sys::console::error_1(&JsValue::from_str(&message));
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let (Ok(banner), Some(body)) = (document.create_element("div"), document.body()) {
        banner.set_id("panic");
        banner.set_class_name("panic-banner");
        let _ = banner.set_attribute("role", "alert");
        banner.set_text_content(Some(&format!("{message}. Reload the page to start again.")));
        let _ = body.prepend_with_node_1(&banner);
    }
}

/// An error to show in the red box.
#[derive(Clone, Debug, PartialEq)]
struct ErrorView {
    title: String,
    /// `file:line:column`, for scenario errors.
    location: Option<String>,
    line: usize,
    /// The dotted path of the offending field, if any.
    path: String,
    message: String,
    /// The offending line with a caret under the column.
    excerpt: Option<String>,
}

impl ErrorView {
    fn plain(title: &str, message: String) -> Self {
        ErrorView { title: title.into(), location: None, line: 0, path: String::new(), message, excerpt: None }
    }

    fn from_scenario(e: &ScenarioError, text: &str) -> Self {
        let (line, column) = (e.line, e.column);
        ErrorView {
            title: "This scenario has an error".into(),
            location: Some(match (line, column) {
                (0, _) => e.file.clone(),
                (_, 0) => format!("{}:{line}", e.file),
                _ => format!("{}:{line}:{column}", e.file),
            }),
            line,
            path: e.path.clone(),
            // The Display form carries everything if a message is ever empty.
            message: if e.message.is_empty() { e.to_string() } else { e.message.clone() },
            excerpt: logic::excerpt(text, line, column),
        }
    }
}

/// What was loaded last, so Reset can load it again.
struct Loaded {
    file_name: String,
    text: String,
    builtin: bool,
}

pub enum Msg {
    Select(String),
    EditText(String),
    EditSeed(String),
    Load,
    Play,
    Pause,
    Step,
    RunToEnd,
    Reset,
    Tick,
    SetSpeed(String),
    HashChanged,
    ToggleReport,
    Tab(Tab),
    Poke(Poke),
}

/// The lower views, one shown at a time (the cluster and partitions are always shown).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Messages,
    EventTime,
    Metrics,
    Outputs,
    Trace,
}

const TABS: &[(Tab, &str, &str)] = &[
    (Tab::Messages, "tab-messages", "Messages"),
    (Tab::EventTime, "tab-event-time", "Event time"),
    (Tab::Metrics, "tab-metrics", "Metrics"),
    (Tab::Outputs, "tab-outputs", "Outputs & checkers"),
    (Tab::Trace, "tab-trace", "Trace"),
];

pub struct App {
    /// The built-in scenario chosen in the select ("" = none / custom).
    selected: String,
    text: String,
    seed_text: String,
    session: Option<Rc<RefCell<Session>>>,
    /// Bumped whenever the run moved; views re-render on a change.
    frame: u64,
    /// Bumped whenever the run was replaced.
    run: u64,
    tab: Tab,
    loaded: Option<Loaded>,
    error: Option<ErrorView>,
    playing: bool,
    speed: Speed,
    ticker: Option<Interval>,
    last_tick_ms: f64,
    show_report: bool,
    pending: Option<Timeout>,
    events_ref: NodeRef,
    textarea_ref: NodeRef,
    focus_error: bool,
    /// `summary_text()` reads the whole trace, so while playing it is
    /// refreshed a few times a second rather than every frame.
    summary: String,
    summary_ms: f64,
}

fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN_SCENARIOS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

fn location_hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        if let Some(window) = web_sys::window() {
            let link = ctx.link().clone();
            let on_hash = Closure::<dyn Fn()>::new(move || link.send_message(Msg::HashChanged));
            let _ = window.add_event_listener_with_callback("hashchange", on_hash.as_ref().unchecked_ref());
            on_hash.forget(); // the app lives as long as the page
        }
        let mut app = App {
            selected: String::new(),
            text: String::new(),
            seed_text: String::new(),
            session: None,
            frame: 0,
            run: 0,
            tab: Tab::Messages,
            loaded: None,
            error: None,
            playing: false,
            speed: Speed::Factor(1.0),
            ticker: None,
            last_tick_ms: 0.0,
            show_report: false,
            pending: None,
            events_ref: NodeRef::default(),
            textarea_ref: NodeRef::default(),
            focus_error: false,
            summary: String::new(),
            summary_ms: 0.0,
        };
        app.apply_fragment(ctx, &location_hash());
        app.refresh_summary(true);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        let is_tick = matches!(msg, Msg::Tick);
        match msg {
            Msg::Select(name) => {
                if let Some(text) = builtin(&name) {
                    self.text = text.to_string();
                }
                self.selected = name;
            }
            Msg::EditText(text) => self.text = text,
            Msg::EditSeed(seed) => self.seed_text = seed,
            Msg::Load => {
                self.pause();
                match parse_seed(&self.seed_text) {
                    Ok(seed) => {
                        let (file, builtin) = match builtin(&self.selected) {
                            Some(_) => (self.selected.clone(), true),
                            None => (CUSTOM_FILE.to_string(), false),
                        };
                        let text = self.text.clone();
                        self.load(&file, &text, seed, builtin);
                    }
                    Err(message) => self.error = Some(ErrorView::plain("The seed is not valid", message)),
                }
            }
            Msg::Play => self.play(ctx),
            Msg::Pause => self.pause(),
            Msg::Step => {
                if let Some(session) = &self.session {
                    session.borrow_mut().step();
                }
                if self.finished() {
                    self.pause();
                }
            }
            Msg::RunToEnd => {
                self.pending = None;
                self.pause();
                if let Some(session) = &self.session {
                    session.borrow_mut().run_to_end();
                }
            }
            Msg::Reset => {
                self.pause();
                let seed = self.session.as_ref().map(|s| s.borrow().seed());
                if let (Some(loaded), Some(seed)) = (self.loaded.take(), seed) {
                    self.load(&loaded.file_name, &loaded.text, Some(seed), loaded.builtin);
                }
            }
            Msg::Tick => self.tick(),
            Msg::SetSpeed(value) => {
                if let Some((_, speed)) = SPEEDS.iter().find(|(label, _)| *label == value) {
                    self.speed = *speed;
                }
            }
            Msg::HashChanged => {
                self.pause();
                self.apply_fragment(ctx, &location_hash());
            }
            Msg::ToggleReport => self.show_report = !self.show_report,
            Msg::Tab(tab) => self.tab = tab,
            Msg::Poke(poke) => self.poke(poke),
        }
        self.refresh_summary(!is_tick || !self.playing);
        self.frame += 1;
        true
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        // Keep the newest event in view.
        if let Some(events) = self.events_ref.cast::<web_sys::Element>() {
            events.set_scroll_top(events.scroll_height());
        }
        // Put the cursor on the line an error points at.
        if std::mem::take(&mut self.focus_error) {
            if let (Some(area), Some(err)) = (self.textarea_ref.cast::<HtmlTextAreaElement>(), self.error.as_ref()) {
                if err.line > 0 {
                    let offset = logic::utf16_offset_of_line(&self.text, err.line);
                    let _ = area.set_selection_range(offset, offset);
                }
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        html! {
            <>
                <header class="topbar">
                    <h1>{ "streamlab" }</h1>
                    <p class="tagline">{ "A deterministic sandbox for Kafka-style logs and stream processing" }</p>
                </header>
                <main class="layout">
                    { self.view_editor(ctx) }
                    { self.view_run(ctx) }
                </main>
                { self.view_views(ctx) }
            </>
        }
    }
}

/// How often the summary is recomputed while playing.
const SUMMARY_REFRESH_MS: f64 = 250.0;

impl App {
    fn refresh_summary(&mut self, force: bool) {
        let now = now_ms();
        if force || now - self.summary_ms >= SUMMARY_REFRESH_MS {
            self.summary = self.session.as_ref().map(|s| s.borrow().summary_text()).unwrap_or_default();
            self.summary_ms = now;
        }
    }

    fn finished(&self) -> bool {
        match &self.session {
            Some(session) => session.borrow().is_finished(),
            None => true,
        }
    }

    fn load(&mut self, file_name: &str, text: &str, seed: Option<u64>, builtin: bool) {
        self.show_report = false;
        match Session::load(file_name, text, seed) {
            Ok(session) => {
                self.seed_text = session.seed().to_string();
                self.session = Some(Rc::new(RefCell::new(session)));
                self.run += 1;
                self.loaded = Some(Loaded { file_name: file_name.into(), text: text.into(), builtin });
                self.error = None;
            }
            Err(e) => {
                // Keep the text as typed; drop the old run so nothing stale is shown.
                self.session = None;
                self.loaded = None;
                self.error = Some(ErrorView::from_scenario(&e, text));
                self.focus_error = true;
            }
        }
    }

    /// Applies `#scenario=<file name>&seed=<n>&run=1`; without a fragment,
    /// loads the first built-in scenario.
    fn apply_fragment(&mut self, ctx: &Context<Self>, hash: &str) {
        self.pending = None;
        self.error = None;
        let request = match parse_fragment(hash) {
            Ok(request) => request,
            Err(message) => {
                self.show_default_text();
                self.session = None;
                self.loaded = None;
                self.error = Some(ErrorView::plain("The page address is not valid", message));
                return;
            }
        };
        let Some(name) = request.scenario else {
            self.show_default_text();
            if self.session.is_none() && !self.selected.is_empty() {
                let text = self.text.clone();
                let name = self.selected.clone();
                self.load(&name, &text, request.seed, true);
            }
            return;
        };
        let Some(text) = builtin(&name) else {
            let known: Vec<&str> = BUILTIN_SCENARIOS.iter().map(|(n, _)| *n).collect();
            let known = if known.is_empty() { "none yet".to_string() } else { known.join(", ") };
            self.show_default_text();
            self.session = None;
            self.loaded = None;
            self.error = Some(ErrorView::plain(
                "Unknown scenario in the page address",
                format!("There is no built-in scenario named “{name}”. Built-in scenarios: {known}."),
            ));
            return;
        };
        self.selected = name.clone();
        self.text = text.to_string();
        self.load(&name, text, request.seed, true);
        if request.run && self.session.is_some() {
            // Let the loaded state paint first, then run.
            let link = ctx.link().clone();
            self.pending = Some(Timeout::new(0, move || link.send_message(Msg::RunToEnd)));
        }
    }

    fn show_default_text(&mut self) {
        if self.selected.is_empty() && self.text.is_empty() {
            if let Some((name, text)) = BUILTIN_SCENARIOS.first() {
                self.selected = name.to_string();
                self.text = text.to_string();
            }
        }
    }

    fn play(&mut self, ctx: &Context<Self>) {
        if self.playing || self.finished() {
            return;
        }
        self.playing = true;
        self.last_tick_ms = now_ms();
        let link = ctx.link().clone();
        self.ticker = Some(Interval::new(TICK_MS, move || link.send_message(Msg::Tick)));
    }

    fn pause(&mut self) {
        self.playing = false;
        self.ticker = None; // dropping the Interval cancels it
    }

    fn tick(&mut self) {
        if !self.playing {
            return;
        }
        let now = now_ms();
        // Wall time since the last tick, capped so a background tab does not leap.
        let elapsed_ms = (now - self.last_tick_ms).clamp(0.0, 100.0);
        self.last_tick_ms = now;
        if let Some(session) = &self.session {
            let mut session = session.borrow_mut();
            match self.speed {
                Speed::Factor(factor) => {
                    let advance_us = (elapsed_ms * 1000.0 * factor).round().max(1.0) as u64;
                    let target = session.now().saturating_add(advance_us).min(session.end_time());
                    session.run_until(target);
                }
                Speed::Max => {
                    // As many events as fit in most of a frame.
                    let deadline = now + 12.0;
                    'frame: loop {
                        for _ in 0..256 {
                            if !session.step() {
                                break 'frame;
                            }
                        }
                        if now_ms() >= deadline {
                            break;
                        }
                    }
                }
            }
        }
        if self.finished() {
            self.pause();
        }
    }

    /// What a click in a view asks for.
    fn poke(&mut self, poke: Poke) {
        match poke {
            Poke::Seek(_) | Poke::Node(_) | Poke::Link { .. } => {}
        }
    }

    /// The views of the run: the cluster and partitions, then one tab.
    fn view_views(&self, ctx: &Context<Self>) -> Html {
        let Some(session) = &self.session else {
            return html! {};
        };
        let link = ctx.link();
        let props = ViewProps { run: RunHandle::new(session.clone(), self.frame, self.run), on_poke: link.callback(Msg::Poke) };
        let tab_body = match self.tab {
            Tab::Messages => html! { <views::messages::MessagesView ..props.clone() /> },
            Tab::EventTime => html! { <views::event_time::EventTimeView ..props.clone() /> },
            Tab::Metrics => html! { <views::metrics::MetricsView ..props.clone() /> },
            Tab::Outputs => html! { <views::outputs::OutputsView ..props.clone() /> },
            Tab::Trace => html! { <views::trace_table::TraceTableView ..props.clone() /> },
        };
        html! {
            <section class="views" aria-label="Views of the run">
                <div class="views-top">
                    <section class="panel view view-cluster" aria-labelledby="cluster-heading">
                        <h2 id="cluster-heading">{ "Cluster" }</h2>
                        <views::cluster::ClusterView ..props.clone() />
                    </section>
                    <section class="panel view view-partitions" aria-labelledby="partitions-heading">
                        <h2 id="partitions-heading">{ "Partitions" }</h2>
                        <views::partitions::PartitionsView ..props.clone() />
                    </section>
                </div>
                <section class="panel view view-tabs">
                    <div class="tabs" role="tablist" aria-label="More views">
                        { for TABS.iter().map(|(tab, id, label)| {
                            let tab = *tab;
                            html! {
                                <button id={*id} role="tab" class={classes!("tab", (self.tab == tab).then_some("tab-active"))}
                                    aria-selected={(self.tab == tab).to_string()} onclick={link.callback(move |_| Msg::Tab(tab))}>{ *label }</button>
                            }
                        }) }
                    </div>
                    <div class="tab-panel" role="tabpanel">{ tab_body }</div>
                </section>
            </section>
        }
    }

    fn view_editor(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let on_select = link.callback(|e: Event| Msg::Select(e.target_unchecked_into::<HtmlSelectElement>().value()));
        let on_seed = link.callback(|e: InputEvent| Msg::EditSeed(e.target_unchecked_into::<HtmlInputElement>().value()));
        let on_text = link.callback(|e: InputEvent| Msg::EditText(e.target_unchecked_into::<HtmlTextAreaElement>().value()));
        let on_load = link.callback(|e: SubmitEvent| {
            e.prevent_default();
            Msg::Load
        });
        let edited = builtin(&self.selected).is_some_and(|t| t != self.text);
        html! {
            <section class="panel editor" aria-labelledby="scenario-heading">
                <h2 id="scenario-heading">{ "Scenario" }</h2>
                <form class="load-form" onsubmit={on_load}>
                    <div class="field grow">
                        <label for="scenario-select">{ "Built-in scenario" }</label>
                        <select id="scenario-select" onchange={on_select} disabled={BUILTIN_SCENARIOS.is_empty()}>
                            if BUILTIN_SCENARIOS.is_empty() {
                                <option value="" selected=true>{ "(none built in yet)" }</option>
                            } else {
                                if self.selected.is_empty() {
                                    <option value="" selected=true>{ "(custom text)" }</option>
                                }
                                { for BUILTIN_SCENARIOS.iter().map(|(name, _)| html! {
                                    <option value={*name} selected={self.selected == *name}>{ *name }</option>
                                }) }
                            }
                        </select>
                    </div>
                    <div class="field seed">
                        <label for="seed">{ "Seed" }</label>
                        <input id="seed" type="text" inputmode="numeric" autocomplete="off" spellcheck="false"
                            placeholder="from scenario" value={self.seed_text.clone()} oninput={on_seed} />
                    </div>
                    <button id="load" type="submit" class="primary">{ "Load" }</button>
                </form>
                { self.view_error() }
                <div class="textarea-head">
                    <label for="toml">{ "Scenario file (TOML)" }</label>
                    if edited {
                        <span class="badge badge-edited">{ "edited" }</span>
                    }
                </div>
                <textarea id="toml" ref={self.textarea_ref.clone()} spellcheck="false" autocomplete="off"
                    wrap="off" rows="24" value={self.text.clone()} oninput={on_text}
                    aria-invalid={if self.error.as_ref().is_some_and(|e| e.location.is_some()) { "true" } else { "false" }}
                    aria-describedby="error" />
            </section>
        }
    }

    fn view_error(&self) -> Html {
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

    fn view_run(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let Some(session) = &self.session else {
            return html! {
                <section class="panel run" aria-labelledby="run-heading">
                    <h2 id="run-heading">{ "Run" }</h2>
                    <p class="empty">{ "No scenario loaded. Choose one, then press Load." }</p>
                </section>
            };
        };
        let session = session.borrow();
        let finished = session.is_finished();
        let (state_class, state_label) = if finished {
            ("state state-finished", "finished")
        } else if self.playing {
            ("state state-playing", "playing")
        } else {
            ("state state-paused", "paused")
        };
        let now = session.now();
        let end = session.end_time();
        let progress = if end == 0 { 100.0 } else { (now as f64 / end as f64 * 100.0).clamp(0.0, 100.0) };
        let on_speed = link.callback(|e: Event| Msg::SetSpeed(e.target_unchecked_into::<HtmlSelectElement>().value()));
        let speed_label = SPEEDS.iter().find(|(_, s)| *s == self.speed).map(|(l, _)| *l).unwrap_or("1");
        let permalink =
            self.loaded.as_ref().filter(|l| l.builtin).map(|l| format!("#scenario={}&seed={}", logic::percent_encode(&l.file_name), session.seed()));
        let events = session.recent_events(RECENT_EVENTS).join("\n");
        html! {
            <section class="panel run" aria-labelledby="run-heading">
                <div class="run-head">
                    <h2 id="run-heading">{ "Run" }</h2>
                    <span id="state" class={state_class}>{ state_label }</span>
                    <label class="speed" for="speed">{ "Speed" }
                        <select id="speed" onchange={on_speed}>
                            { for SPEEDS.iter().map(|(label, _)| html! {
                                <option value={*label} selected={*label == speed_label}>{ logic::speed_text(label) }</option>
                            }) }
                        </select>
                    </label>
                </div>
                <div class="controls" role="toolbar" aria-label="Run controls">
                    <button id="play" class="primary" onclick={link.callback(|_| Msg::Play)}
                        disabled={self.playing || finished}><span class="icon icon-play" aria-hidden="true"></span>{ "Play" }</button>
                    <button id="pause" onclick={link.callback(|_| Msg::Pause)} disabled={!self.playing}><span class="icon icon-pause" aria-hidden="true"></span>{ "Pause" }</button>
                    <button id="step" onclick={link.callback(|_| Msg::Step)} disabled={finished}
                        title="Process one event">{ "Step" }</button>
                    <button id="run-to-end" onclick={link.callback(|_| Msg::RunToEnd)} disabled={finished}>{ "Run to end" }</button>
                    <button id="reset" onclick={link.callback(|_| Msg::Reset)}
                        title="Load the same scenario and seed again">{ "Reset" }</button>
                </div>
                <div class="progress" role="progressbar" aria-label="Simulated time"
                    aria-valuemin="0" aria-valuemax="100" aria-valuenow={format!("{progress:.0}")}>
                    <div class="progress-bar" style={format!("width: {progress:.2}%")}></div>
                </div>
                <dl class="status">
                    <div><dt>{ "Scenario" }</dt><dd id="scenario-name">{ session.scenario_name() }</dd></div>
                    <div><dt>{ "Seed" }</dt><dd id="seed-value">{ session.seed() }</dd></div>
                    <div><dt>{ "Simulated time" }</dt>
                        <dd><span id="sim-time" data-us={now.to_string()}>{ format_time(now) }</span>
                            <span class="muted">{ " of " }{ logic::format_time_short(end) }</span></dd></div>
                    <div><dt>{ "Trace length" }</dt><dd id="trace-len">{ session.trace_len() }</dd></div>
                    <div class="wide"><dt>{ "Trace hash" }</dt>
                        <dd><code id="trace-hash" data-finished={finished.to_string()}>{ session.trace_hash() }</code>
                            if let Some(href) = permalink {
                                <a class="permalink" href={href} title="A link to this scenario and seed">{ "link" }</a>
                            }
                        </dd></div>
                </dl>
                <h3>{ "Summary" }</h3>
                <pre id="summary" class="output">{ &self.summary }</pre>
                <h3>{ format!("Recent events (last {RECENT_EVENTS})") }</h3>
                <pre id="events" class="output events" ref={self.events_ref.clone()} tabindex="0">
                    if events.is_empty() { <span class="muted">{ "(no events yet)" }</span> } else { { events } }
                </pre>
                <div class="report">
                    <button id="toggle-report" class="link-button" onclick={link.callback(|_| Msg::ToggleReport)}
                        aria-expanded={self.show_report.to_string()}>
                        { if self.show_report { "Hide report (JSON)" } else { "Show report (JSON)" } }
                    </button>
                    if self.show_report {
                        <pre id="report" class="output">{ logic::pretty_json(&session.report_json()) }</pre>
                    }
                </div>
            </section>
        }
    }
}

//! The streamlab browser app: a Yew shell over `streamlab_core`.
//!
//! Load a built-in or edited scenario with a seed, then play, pause, step,
//! jump to the next interesting event or scrub anywhere in time, break things
//! by clicking them (every fault becomes part of the scenario, so the run
//! stays reproducible), fork the run to compare, and share it as a link.
//! The views (`views/`) draw the run at the current moment.
//!
//! Everything shown is text that Yew escapes; no file content ever reaches
//! `inner_html`.

mod frame;
mod glossary;
mod lesson;
mod logic;
mod shell;
mod storage;
mod views;

use gloo_timers::callback::Timeout;
use std::cell::RefCell;
use std::rc::Rc;
use streamlab_core::session::{ScenarioError, BUILTIN_SCENARIOS};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use logic::{parse_seed, Speed, SPEEDS};
use streamlab_core::permalink::{self, Decoded};
use streamlab_core::player::{Interesting, Player, UserFault};
use views::{Poke, RunHandle, ViewProps};

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
pub struct ErrorView {
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
    TogglePlay,
    Step,
    NextInteresting,
    RunToEnd,
    Reset,
    Tick,
    /// The deferred summary recomputation (see `refresh_summary`).
    RefreshSummary,
    SetSpeed(String),
    /// Scrub to a simulated time (µs).
    Seek(u64),
    /// Scrub by a signed number of µs.
    Nudge(i64),
    HashChanged,
    ToggleReport,
    Tab(Tab),
    Poke(Poke),
    Inject(UserFault),
    CloseMenu,
    ToggleHelp,
    CloseOverlays,
    ToggleEditor,
    SetMode(Mode),
    /// "Try it yourself": open a lesson's scenario in the sandbox.
    TryIt(String, String),
    Fork,
    Unfork,
    FileChosen(String, String),
    FileError(String),
    Download,
    Share,
    DismissNotice,
    /// A view (cluster, partitions, tab panel) came into sight or left it.
    InView(web_sys::Element, bool),
}

/// The lower views, one shown at a time (the cluster and partitions are always shown).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Summary,
    Messages,
    EventTime,
    Metrics,
    Outputs,
    Trace,
}

pub const TABS: &[(Tab, &str, &str)] = &[
    (Tab::Summary, "tab-summary", "Summary"),
    (Tab::Messages, "tab-messages", "Messages"),
    (Tab::EventTime, "tab-event-time", "Event time"),
    (Tab::Metrics, "tab-metrics", "Metrics"),
    (Tab::Outputs, "tab-outputs", "Outputs & checkers"),
    (Tab::Trace, "tab-trace", "Trace"),
];

/// The two halves of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Any scenario: play, scrub, break, share.
    Sandbox,
    /// The curriculum.
    Lessons,
}

/// A short message under the player bar (what a click did, a warning).
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub kind: &'static str,
    pub text: String,
}

pub struct App {
    /// The built-in scenario chosen in the select ("" = none / custom).
    selected: String,
    text: String,
    seed_text: String,
    player: Option<Rc<RefCell<Player>>>,
    /// The run as it was when the student forked (kept to compare).
    original: Option<Rc<RefCell<Player>>>,
    loaded: Option<Loaded>,
    error: Option<ErrorView>,
    playing: bool,
    speed: Speed,
    ticker: Option<frame::AnimationFrame>,
    last_tick_ms: f64,
    /// Playing at a speed factor: the simulated time the run should have
    /// reached. A tick that runs out of its budget leaves the rest to the
    /// next ones (see `tick`).
    sim_owed_to: u64,
    show_report: bool,
    pending: Option<Timeout>,
    textarea_ref: NodeRef,
    focus_error: bool,
    /// `summary_text()` reads the whole trace, so while playing it is
    /// refreshed a few times a second rather than every frame, and not at
    /// all once it costs more than a frame's budget (a long run): then it
    /// is refreshed when playback pauses.
    summary: String,
    summary_ms: f64,
    summary_cost_ms: f64,
    /// The summary text is older than the run shown.
    summary_stale: bool,
    summary_timer: Option<Timeout>,
    /// Bumped whenever the run moved; views re-render on a change. Indexed
    /// by `Slot`; while playing they are bumped in turn (`bump_views`).
    frames: [u64; 3],
    views_ms: [f64; 3],
    /// The views' sections by `Slot`, whether each is on screen (a
    /// playing run redraws only those), and the observer that tells.
    view_refs: [NodeRef; 3],
    in_view: [bool; 3],
    watched: [Option<web_sys::Element>; 3],
    watch: Option<views::in_view::Watch>,
    /// Made once: a new callback each render would make every view's props
    /// differ, and every view redraw, on every frame.
    on_poke: Callback<Poke>,
    /// Bumped whenever the run was replaced.
    run: u64,
    tab: Tab,
    mode: Mode,
    editor_open: bool,
    help_open: bool,
    /// The node or link whose fault menu is open.
    menu: Option<Poke>,
    notice: Option<Notice>,
    last_interesting: Option<Interesting>,
    share_url: Option<String>,
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
            shell::keys::listen(&window, ctx.link().clone());
        }
        let mut app = App {
            selected: String::new(),
            text: String::new(),
            seed_text: String::new(),
            player: None,
            original: None,
            loaded: None,
            error: None,
            playing: false,
            speed: Speed::Factor(1.0),
            ticker: None,
            last_tick_ms: 0.0,
            sim_owed_to: 0,
            show_report: false,
            pending: None,
            textarea_ref: NodeRef::default(),
            focus_error: false,
            summary: String::new(),
            summary_ms: 0.0,
            summary_cost_ms: 0.0,
            summary_stale: true,
            summary_timer: None,
            frames: [0; 3],
            views_ms: [0.0; 3],
            view_refs: Default::default(),
            in_view: [true; 3],
            watched: Default::default(),
            watch: None,
            on_poke: ctx.link().callback(Msg::Poke),
            run: 0,
            tab: Tab::Summary,
            mode: Mode::Sandbox,
            editor_open: true,
            help_open: false,
            menu: None,
            notice: None,
            last_interesting: None,
            share_url: None,
        };
        app.apply_fragment(ctx, &location_hash());
        app.refresh_summary(ctx, true);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        if let Msg::InView(el, seen) = &msg {
            return self.in_view_changed(el, *seen);
        }
        let is_tick = matches!(msg, Msg::Tick);
        let is_summary_refresh = matches!(msg, Msg::RefreshSummary);
        match msg {
            Msg::Select(name) => {
                if let Some(text) = builtin(&name) {
                    self.text = text.to_string();
                }
                self.selected = name;
                self.save_draft();
            }
            Msg::EditText(text) => {
                self.text = text;
                self.save_draft();
            }
            Msg::EditSeed(seed) => {
                self.seed_text = seed;
                self.save_draft();
            }
            Msg::Load => {
                self.pause();
                match parse_seed(&self.seed_text) {
                    Ok(seed) => {
                        let (file, builtin) = match builtin(&self.selected) {
                            Some(t) if t == self.text => (self.selected.clone(), true),
                            Some(_) => (self.selected.clone(), false),
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
            Msg::TogglePlay => {
                if self.playing {
                    self.pause()
                } else {
                    self.play(ctx)
                }
            }
            Msg::Step => {
                self.pause();
                if let Some(player) = &self.player {
                    player.borrow_mut().step_to_next_record();
                }
            }
            Msg::NextInteresting => {
                self.pause();
                if let Some(player) = &self.player {
                    let found = player.borrow_mut().next_interesting();
                    self.notice = Some(match &found {
                        Some(i) => Notice { kind: "info", text: format!("{}: {}", logic::format_time(i.t), i.text) },
                        None => Notice { kind: "info", text: "Nothing else interesting happens in this run.".into() },
                    });
                    self.last_interesting = found;
                }
            }
            Msg::RunToEnd => {
                self.pending = None;
                self.pause();
                if let Some(player) = &self.player {
                    player.borrow_mut().run_to_end();
                }
            }
            Msg::Reset => {
                self.pause();
                let seed = self.player.as_ref().map(|p| p.borrow().seed());
                if let (Some(loaded), Some(seed)) = (self.loaded.take(), seed) {
                    self.load(&loaded.file_name, &loaded.text, Some(seed), loaded.builtin);
                }
            }
            Msg::Tick => {
                self.tick();
                if self.playing {
                    self.schedule_tick(ctx);
                }
            }
            Msg::SetSpeed(value) => {
                if let Some((_, speed)) = SPEEDS.iter().find(|(label, _)| *label == value) {
                    self.speed = *speed;
                }
            }
            Msg::Seek(t) => self.seek(t),
            Msg::Nudge(delta) => {
                if let Some(player) = &self.player {
                    let now = player.borrow().now();
                    let t = if delta < 0 { now.saturating_sub(delta.unsigned_abs()) } else { now.saturating_add(delta as u64) };
                    self.seek(t);
                }
            }
            Msg::HashChanged => {
                self.pause();
                self.apply_fragment(ctx, &location_hash());
            }
            Msg::ToggleReport => self.show_report = !self.show_report,
            Msg::Tab(tab) => self.tab = tab,
            Msg::RefreshSummary => self.compute_summary(),
            Msg::Poke(poke) => self.poke(poke),
            Msg::Inject(fault) => self.inject(fault),
            Msg::CloseMenu => self.menu = None,
            Msg::ToggleHelp => self.help_open = !self.help_open,
            Msg::CloseOverlays => {
                self.help_open = false;
                self.menu = None;
                self.share_url = None;
            }
            Msg::ToggleEditor => self.editor_open = !self.editor_open,
            Msg::SetMode(mode) => {
                self.pause();
                self.mode = mode;
                if mode == Mode::Sandbox {
                    self.load_draft_if_idle();
                }
            }
            Msg::TryIt(file, text) => {
                self.pause();
                self.mode = Mode::Sandbox;
                self.selected = builtin(&file).filter(|t| *t == text).map(|_| file.clone()).unwrap_or_default();
                self.text = text.clone();
                self.editor_open = true;
                self.save_draft();
                let builtin_file = !self.selected.is_empty();
                self.load(&file, &text, None, builtin_file);
                self.notice =
                    Some(Notice { kind: "info", text: format!("This is the lesson's scenario ({file}): change anything, press Load, play, break it.") });
            }
            Msg::Fork => self.fork(),
            Msg::Unfork => {
                self.original = None;
                self.notice = Some(Notice { kind: "info", text: "Stopped comparing: the fork is now the only run.".into() });
            }
            Msg::FileChosen(name, text) => {
                self.selected = String::new();
                self.text = text.clone();
                self.save_draft();
                let seed = parse_seed(&self.seed_text).ok().flatten();
                self.load(&name, &text, seed, false);
            }
            Msg::FileError(message) => self.error = Some(ErrorView::plain("The file could not be read", message)),
            Msg::Download => shell::editor::download(&self.download_name(), &self.current_text()),
            Msg::Share => self.share(),
            Msg::DismissNotice => self.notice = None,
            Msg::InView(..) => {}
        }
        if !is_summary_refresh {
            self.refresh_summary(ctx, !is_tick || !self.playing);
        }
        self.bump_views(is_tick && self.playing);
        true
    }

    fn rendered(&mut self, ctx: &Context<Self>, _first_render: bool) {
        self.watch_views(ctx);
        // Put the cursor on the line an error points at.
        if std::mem::take(&mut self.focus_error) {
            if let (Some(area), Some(err)) = (self.textarea_ref.cast::<web_sys::HtmlTextAreaElement>(), self.error.as_ref()) {
                if err.line > 0 {
                    let offset = logic::utf16_offset_of_line(&self.text, err.line);
                    let _ = area.set_selection_range(offset, offset);
                }
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        html! {
            <>
                <header class="topbar">
                    <h1>{ "streamlab" }</h1>
                    <p class="tagline">{ "A deterministic sandbox for Kafka-style logs and stream processing" }</p>
                    <nav class="modes" aria-label="Sections">
                        <button id="mode-sandbox" class={classes!("mode", (self.mode == Mode::Sandbox).then_some("mode-active"))}
                            aria-pressed={(self.mode == Mode::Sandbox).to_string()} onclick={link.callback(|_| Msg::SetMode(Mode::Sandbox))}>{ "Sandbox" }</button>
                        <button id="mode-lessons" class={classes!("mode", (self.mode == Mode::Lessons).then_some("mode-active"))}
                            aria-pressed={(self.mode == Mode::Lessons).to_string()} onclick={link.callback(|_| Msg::SetMode(Mode::Lessons))}>{ "Lessons" }</button>
                    </nav>
                    <div class="topbar-actions">
                        if self.mode == Mode::Sandbox {
                        <button id="toggle-editor" class="topbar-button" onclick={link.callback(|_| Msg::ToggleEditor)}
                            aria-pressed={self.editor_open.to_string()}>{ if self.editor_open { "Hide editor" } else { "Show editor" } }</button>
                        }
                        <button id="help-button" class="topbar-button" onclick={link.callback(|_| Msg::ToggleHelp)}
                            title="Keyboard shortcuts and what the views show (?)">{ "? Help" }</button>
                    </div>
                </header>
                if self.mode == Mode::Lessons {
                    { self.view_lessons(ctx) }
                } else {
                    { self.view_player(ctx) }
                    <main class={classes!("workspace", self.editor_open.then_some("with-editor"))}>
                        if self.editor_open {
                            { self.view_editor(ctx) }
                        }
                        <div class="stage">
                            { self.view_compare(ctx) }
                            { self.view_views(ctx) }
                        </div>
                    </main>
                }
                { self.view_menu(ctx) }
                { self.view_share(ctx) }
                if self.help_open {
                    { shell::help::view(link.callback(|_| Msg::ToggleHelp)) }
                }
            </>
        }
    }
}

/// While playing, the cluster and the tab redraw at most this often (the
/// partitions redraw a slice every frame, see `bump_views`); the clock, the
/// slider and the trace counters move every frame. Redrawing every view on
/// every frame of a large cluster costs more than a frame
/// (docs/performance.md), and 20 redraws a second is smooth enough for
/// reading a log grow. Paused, stepped or scrubbed, the views redraw at once.
const VIEWS_REFRESH_MS: f64 = 50.0;

/// Playing at a speed factor: the wall time a frame may spend simulating
/// (a 60 fps frame is 16.7 ms, and the views and the browser need the
/// rest), less in a frame where the cluster or the tab redraws; the wall
/// time the run may fall behind before it stops catching up (it then runs
/// slower than asked, on a machine too slow for the speed); and the wall
/// time of simulation between two looks at the clock.
const SIM_BUDGET_MS: f64 = 7.0;
const SIM_BUDGET_REDRAW_MS: f64 = 2.0;
const SIM_OWED_MAX_MS: f64 = 250.0;
const SIM_SLICE_MS: f64 = 1.0;

/// The views that redraw in turn while playing.
#[derive(Clone, Copy)]
enum Slot {
    Cluster = 0,
    Partitions = 1,
    Tab = 2,
}

/// How long the slider must rest before an expensive summary is recomputed.
const SUMMARY_DEBOUNCE_MS: u32 = 150;

/// How often the summary is recomputed while playing.
const SUMMARY_REFRESH_MS: f64 = 250.0;
/// The longest a summary may take to be recomputed during playback without
/// dropping frames (a 60 fps frame is 16.7 ms, and the views need most of it).
pub(crate) const SUMMARY_BUDGET_MS: f64 = 4.0;

impl App {
    /// Recomputes the Summary tab's text when it is shown and due. The
    /// summary runs every checker over the whole trace (`Outcome::of`), so
    /// it is never computed for a hidden tab, and once it costs more than a
    /// frame's budget it waits: while playing until the pause, while
    /// scrubbing until the slider has rested for `SUMMARY_DEBOUNCE_MS`.
    fn refresh_summary(&mut self, ctx: &Context<Self>, force: bool) {
        if self.tab != Tab::Summary {
            self.summary_stale = true;
            return;
        }
        let now = now_ms();
        if !(force || self.summary_stale || now - self.summary_ms >= SUMMARY_REFRESH_MS) {
            return;
        }
        if self.summary_cost_ms <= SUMMARY_BUDGET_MS {
            self.compute_summary();
        } else {
            self.summary_stale = true;
            if !self.playing {
                let link = ctx.link().clone();
                self.summary_timer = Some(Timeout::new(SUMMARY_DEBOUNCE_MS, move || link.send_message(Msg::RefreshSummary)));
            }
        }
    }

    fn compute_summary(&mut self) {
        let start = now_ms();
        self.summary = self.player.as_ref().map(|s| s.borrow().summary_text()).unwrap_or_default();
        self.summary_ms = now_ms();
        self.summary_cost_ms = self.summary_ms - start;
        self.summary_stale = false;
        self.summary_timer = None;
    }

    fn finished(&self) -> bool {
        match &self.player {
            Some(player) => player.borrow().is_finished(),
            None => true,
        }
    }

    fn save_draft(&self) {
        storage::save_draft(&storage::Draft { selected: self.selected.clone(), text: self.text.clone(), seed: self.seed_text.clone() });
    }

    /// The scenario as it stands, with the faults injected by clicking.
    fn current_text(&self) -> String {
        match &self.player {
            Some(p) => p.borrow().scenario_text().to_string(),
            None => self.text.clone(),
        }
    }

    fn download_name(&self) -> String {
        let name = self.player.as_ref().map(|p| p.borrow().file_name().to_string()).unwrap_or_else(|| CUSTOM_FILE.into());
        logic::download_name(&name)
    }

    fn load(&mut self, file_name: &str, text: &str, seed: Option<u64>, builtin: bool) {
        self.show_report = false;
        self.menu = None;
        self.last_interesting = None;
        match Player::load(file_name, text, seed) {
            Ok(player) => {
                self.seed_text = player.seed().to_string();
                self.player = Some(Rc::new(RefCell::new(player)));
                self.original = None;
                self.run += 1;
                self.loaded = Some(Loaded { file_name: file_name.into(), text: text.into(), builtin });
                self.error = None;
                self.notice = None;
            }
            Err(e) => {
                // Keep the text as typed; drop the old run so nothing stale is shown.
                self.player = None;
                self.original = None;
                self.loaded = None;
                self.error = Some(ErrorView::from_scenario(&e, text));
                self.editor_open = true;
                self.focus_error = true;
            }
        }
    }

    /// Applies the page address: a permalink (`#v=…&seed=…&file=…&s=…&h=…`),
    /// the short form `#scenario=<built-in file>&seed=<n>&run=1`, or nothing
    /// (the saved draft, else the first built-in scenario). A bad address
    /// shows an error and leaves the current work as it was.
    fn apply_fragment(&mut self, ctx: &Context<Self>, hash: &str) {
        self.pending = None;
        self.error = None;
        if lesson::fragment_wants_lessons(hash) {
            self.mode = Mode::Lessons;
            self.show_default_text();
            return;
        }
        let (name, text, seed, run, builtin_file) = match permalink::decode(hash) {
            Err(e) => {
                self.show_default_text();
                self.load_draft_if_idle();
                self.editor_open = true;
                self.error = Some(ErrorView::plain("The page address is not valid", format!("{e}. Nothing was changed.")));
                return;
            }
            Ok(Decoded::Link { link, warning }) => {
                self.mode = Mode::Sandbox;
                self.selected = builtin(&link.scenario_file).filter(|t| *t == link.text).map(|_| link.scenario_file.clone()).unwrap_or_default();
                self.text = link.text.clone();
                self.seed_text = link.seed.to_string();
                let builtin_file = !self.selected.is_empty();
                self.load(&link.scenario_file, &link.text, Some(link.seed), builtin_file);
                if let Some(w) = warning {
                    self.notice = Some(Notice { kind: "error", text: w });
                }
                return;
            }
            Ok(Decoded::Builtin { scenario: None, seed, .. }) => {
                self.show_default_text();
                if seed.is_some() {
                    self.seed_text = seed.map(|s| s.to_string()).unwrap_or_default();
                }
                self.load_draft_if_idle();
                return;
            }
            Ok(Decoded::Builtin { scenario: Some(name), seed, run }) => match builtin(&name) {
                Some(text) => (name.clone(), text, seed, run, true),
                None => {
                    let known: Vec<&str> = BUILTIN_SCENARIOS.iter().map(|(n, _)| *n).collect();
                    self.show_default_text();
                    self.load_draft_if_idle();
                    self.editor_open = true;
                    self.error = Some(ErrorView::plain(
                        "Unknown scenario in the page address",
                        format!("There is no built-in scenario named “{name}”. Built-in scenarios: {}.", known.join(", ")),
                    ));
                    return;
                }
            },
        };
        self.mode = Mode::Sandbox;
        self.selected = name.clone();
        self.text = text.to_string();
        self.load(&name, text, seed, builtin_file);
        if run && self.player.is_some() {
            // Let the loaded state paint first, then run.
            let link = ctx.link().clone();
            self.pending = Some(Timeout::new(0, move || link.send_message(Msg::RunToEnd)));
        }
    }

    /// Loads the editor's text when nothing is loaded yet (the page just opened).
    fn load_draft_if_idle(&mut self) {
        if self.player.is_some() || self.text.is_empty() {
            return;
        }
        let text = self.text.clone();
        let (file, builtin) = match builtin(&self.selected) {
            Some(t) => (self.selected.clone(), t == text),
            None => (CUSTOM_FILE.to_string(), false),
        };
        let seed = parse_seed(&self.seed_text).ok().flatten();
        self.load(&file, &text, seed, builtin);
    }

    /// Fills the editor when it is empty: the saved draft, else the first built-in scenario.
    fn show_default_text(&mut self) {
        if !self.text.is_empty() {
            return;
        }
        if let Some(draft) = storage::load_draft() {
            self.selected = if builtin(&draft.selected).is_some() { draft.selected } else { String::new() };
            self.text = draft.text;
            self.seed_text = draft.seed;
        } else if let Some((name, text)) = BUILTIN_SCENARIOS.first() {
            self.selected = name.to_string();
            self.text = text.to_string();
        }
    }

    /// Marks the views to redraw. Playing: the partitions every frame (they
    /// redraw a third of the partitions at a time, see `partitions`), and
    /// at most one other view per frame, the one that has waited longest
    /// if it has waited `VIEWS_REFRESH_MS`. Each view of a large cluster
    /// costs several milliseconds to redraw, and all of them in one frame
    /// do not fit in a 60 fps frame (docs/performance.md). Otherwise
    /// (paused, stepped, scrubbed), all at once.
    fn bump_views(&mut self, playing_tick: bool) {
        let now = now_ms();
        if !playing_tick {
            for slot in 0..self.frames.len() {
                self.frames[slot] += 1;
                self.views_ms[slot] = now;
            }
            return;
        }
        let p = Slot::Partitions as usize;
        if self.in_view[p] {
            self.frames[p] += 1;
            self.views_ms[p] = now;
        }
        if let Some(slot) = self.view_due(now) {
            self.frames[slot] += 1;
            self.views_ms[slot] = now;
        }
    }

    /// While playing, the view (cluster or tab) whose turn it is to redraw
    /// at `now`, if any: of those in sight, the one that has waited
    /// longest, once it has waited `VIEWS_REFRESH_MS`.
    fn view_due(&self, now: f64) -> Option<usize> {
        [Slot::Cluster as usize, Slot::Tab as usize]
            .into_iter()
            .filter(|s| self.in_view[*s])
            .min_by(|a, b| self.views_ms[*a].total_cmp(&self.views_ms[*b]))
            .filter(|s| now - self.views_ms[*s] >= VIEWS_REFRESH_MS)
    }

    /// Watches the views' sections as they are made (they are made again
    /// when the page switches between the sandbox and the lessons).
    fn watch_views(&mut self, ctx: &Context<Self>) {
        if self.watch.is_none() {
            let link = ctx.link().clone();
            self.watch = views::in_view::Watch::new(move |el, seen| link.send_message(Msg::InView(el.clone(), seen)));
        }
        let Some(watch) = &self.watch else { return };
        for slot in 0..self.view_refs.len() {
            let el = self.view_refs[slot].cast::<web_sys::Element>();
            if el != self.watched[slot] {
                if let Some(old) = &self.watched[slot] {
                    watch.unwatch(old);
                }
                if let Some(new) = &el {
                    watch.watch(new);
                }
                self.watched[slot] = el;
                self.in_view[slot] = true;
            }
        }
    }

    /// A view came into sight (redraw it now, it may be behind) or left it
    /// (while playing, it is not redrawn until it is back).
    fn in_view_changed(&mut self, el: &web_sys::Element, seen: bool) -> bool {
        let Some(slot) = self.watched.iter().position(|w| w.as_ref() == Some(el)) else { return false };
        if self.in_view[slot] == seen {
            return false;
        }
        self.in_view[slot] = seen;
        if seen {
            self.frames[slot] += 1;
            self.views_ms[slot] = now_ms();
        }
        seen
    }

    fn play(&mut self, ctx: &Context<Self>) {
        if self.playing || self.finished() {
            return;
        }
        self.playing = true;
        self.menu = None;
        self.last_tick_ms = now_ms();
        self.sim_owed_to = self.player.as_ref().map_or(0, |p| p.borrow().now());
        self.schedule_tick(ctx);
    }

    /// Asks for a `Tick` at the next animation frame.
    fn schedule_tick(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.ticker = frame::AnimationFrame::request(move || link.send_message(Msg::Tick));
    }

    fn pause(&mut self) {
        self.playing = false;
        self.ticker = None; // dropping the frame request cancels it
    }

    fn tick(&mut self) {
        if !self.playing {
            return;
        }
        let now = now_ms();
        // Wall time since the last tick, capped so a background tab does not leap.
        let elapsed_ms = (now - self.last_tick_ms).clamp(0.0, 100.0);
        self.last_tick_ms = now;
        if let Some(player) = &self.player {
            let mut player = player.borrow_mut();
            match self.speed {
                Speed::Factor(factor) => {
                    // What this frame adds to what earlier frames could not
                    // fit, at most `SIM_OWED_MAX_MS` of wall time behind.
                    let us = |ms: f64| (ms * 1000.0 * factor).round().max(1.0) as u64;
                    let owed = self.sim_owed_to.max(player.now()).saturating_add(us(elapsed_ms));
                    self.sim_owed_to = owed.min(player.now().saturating_add(us(SIM_OWED_MAX_MS))).min(player.end_time());
                    // In slices, until done or out of budget: a burst of
                    // events then spreads over a few frames instead of
                    // making one frame long (and the next one longer).
                    // Less when the cluster or the tab redraws this frame.
                    let budget = if self.view_due(now).is_some() { SIM_BUDGET_REDRAW_MS } else { SIM_BUDGET_MS };
                    let deadline = now + budget;
                    let slice = us(SIM_SLICE_MS);
                    while player.now() < self.sim_owed_to {
                        let to = player.now().saturating_add(slice).min(self.sim_owed_to);
                        player.advance_to(to);
                        if now_ms() >= deadline {
                            break;
                        }
                    }
                }
                Speed::Max => {
                    // As many events as fit in most of a frame.
                    let deadline = now + 12.0;
                    'frame: loop {
                        for _ in 0..256 {
                            if !player.step() {
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

    fn seek(&mut self, t: u64) {
        self.pause();
        if let Some(player) = &self.player {
            let mut player = player.borrow_mut();
            let before = player.now();
            let end = player.end_time();
            player.seek(t.min(end));
            if player.now() < before {
                // The trace was rolled back: incremental views start again.
                self.run += 1;
            }
        }
    }

    /// What a click in a view asks for.
    fn poke(&mut self, poke: Poke) {
        match poke {
            Poke::Seek(t) => self.seek(t),
            Poke::Node(_) | Poke::Link { .. } => {
                self.pause();
                self.menu = Some(poke);
            }
        }
    }

    fn inject(&mut self, fault: UserFault) {
        self.menu = None;
        self.pause();
        let Some(player) = &self.player else {
            return;
        };
        let what = shell::fault_menu::describe(&fault);
        let result = player.borrow_mut().inject(fault);
        match result {
            Ok(_) => {
                self.run += 1;
                let at = logic::format_time(player.borrow().now());
                self.notice = Some(Notice { kind: "fault", text: format!("{what} at {at}. The fault is now part of the scenario (see the editor or Share).") });
                self.text = player.borrow().scenario_text().to_string();
                self.save_draft();
            }
            Err(message) => self.notice = Some(Notice { kind: "error", text: format!("Could not {what}: {message}") }),
        }
    }

    /// Keeps the run as it is (to compare) and goes on with a copy.
    fn fork(&mut self) {
        self.pause();
        let Some(player) = self.player.clone() else {
            return;
        };
        let copy = player.borrow().fork();
        self.original = Some(player);
        self.player = Some(Rc::new(RefCell::new(copy)));
        self.run += 1;
        self.notice = Some(Notice {
            kind: "info",
            text: "Forked: the original is kept as it is. Change the fork (click a node or a link to inject a fault) and play on to compare.".into(),
        });
    }

    fn share(&mut self) {
        let Some(player) = &self.player else {
            return;
        };
        let player = player.borrow();
        self.share_url = Some(shell::share::url_for(player.file_name(), player.scenario_text(), player.seed()));
    }

    /// The curriculum (the lesson player).
    fn view_lessons(&self, ctx: &Context<Self>) -> Html {
        let on_try_it = ctx.link().callback(|(file, text): (String, String)| Msg::TryIt(file, text));
        html! { <lesson::LessonsPage {on_try_it} /> }
    }

    /// The views of the run: the cluster and partitions, then one tab.
    fn view_views(&self, ctx: &Context<Self>) -> Html {
        let Some(player) = &self.player else {
            return html! {
                <section class="panel views-empty">
                    <p class="empty">{ "No scenario loaded. Choose one in the editor, then press Load." }</p>
                </section>
            };
        };
        let link = ctx.link();
        let props_for = |slot: Slot| ViewProps {
            run: RunHandle::new(player.clone(), self.frames[slot as usize], self.run).live(self.playing),
            on_poke: self.on_poke.clone(),
        };
        let props = props_for(Slot::Tab);
        let tab_body = match self.tab {
            Tab::Summary => self.view_summary(ctx, props.clone()),
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
                        <h2 id="cluster-heading">{ "Cluster" }<span class="view-hint">{ " · click a node or a link to break it" }</span></h2>
                        // Watched for sight, not the section: the grid row makes
                        // the section as tall as the partitions beside it.
                        <div ref={self.view_refs[Slot::Cluster as usize].clone()} class="cluster-sight">
                            <views::cluster::ClusterView ..props_for(Slot::Cluster) />
                        </div>
                    </section>
                    <section ref={self.view_refs[Slot::Partitions as usize].clone()} class="panel view view-partitions" aria-labelledby="partitions-heading">
                        <h2 id="partitions-heading">{ "Partitions" }</h2>
                        <views::partitions::PartitionsView ..props_for(Slot::Partitions) />
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
                    <div ref={self.view_refs[Slot::Tab as usize].clone()} class="tab-panel" role="tabpanel">{ tab_body }</div>
                </section>
            </section>
        }
    }
}

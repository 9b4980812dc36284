//! The lesson player: the list of lessons, and one lesson taken step by
//! step — the narrative on the left, the live views of its run on the
//! right, predictions asked before the run that reveals them, the quiz at
//! the end, and "Try it yourself", which hands the lesson's scenario (as
//! its `set` steps left it) to the sandbox editor.
//!
//! The page reads the address itself: `#lessons` (the list),
//! `#lesson=<id>` (a built-in lesson) and `#lesson-preview=<path>` (a
//! lesson being written, served by `streamlab lesson preview`, fetched
//! every second and reloaded when it changed). Progress is kept in local
//! storage per lesson (see [`progress`]).
//!
//! The steps run with `streamlab_core::lesson::stepper::LessonStepper`,
//! the very runner of `streamlab lesson check`, so what a student sees is
//! what the instructor checked.

mod catalog;
mod fetch;
mod grade;
mod markdown;
mod progress;
mod taking;
mod view;

use catalog::{BundleError, Entry, Route};
use gloo_timers::callback::{Interval, Timeout};
use grade::Guess;
use std::rc::Rc;
use taking::Taking;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::views::Poke;

/// Whether the page address belongs to the lessons page (`#lessons`,
/// `#lesson=<id>`, `#lesson-preview=<path>`).
pub fn fragment_wants_lessons(hash: &str) -> bool {
    catalog::route(hash).is_some()
}

#[derive(Properties, PartialEq)]
pub struct LessonsProps {
    /// "Try it yourself": (file name, scenario text) for the sandbox editor.
    /// The file name is relative to `scenarios/` when the scenario is a
    /// built-in one (`kafka/a2-acks1-failover-loss.toml`).
    pub on_try_it: Callback<(String, String)>,
}

/// The views beside a lesson, one shown at a time under the cluster and
/// partitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LessonTab {
    Metrics,
    Messages,
    EventTime,
    Outputs,
    Trace,
}

pub const LESSON_TABS: &[(LessonTab, &str, &str)] = &[
    (LessonTab::Metrics, "lesson-tab-metrics", "Metrics"),
    (LessonTab::Messages, "lesson-tab-messages", "Messages"),
    (LessonTab::EventTime, "lesson-tab-event-time", "Event time"),
    (LessonTab::Outputs, "lesson-tab-outputs", "Outputs & checkers"),
    (LessonTab::Trace, "lesson-tab-trace", "Trace"),
];

/// A lesson being written, polled from the preview server.
pub struct Preview {
    pub path: String,
    /// The last bundle received (to notice changes).
    pub last_body: Option<String>,
    /// The last version that parsed was loaded at this (browser) time.
    pub loaded_at: Option<String>,
    pub versions: u32,
    pub error: Option<PreviewError>,
    pub fetching: bool,
    _poll: Interval,
}

/// Why the newest preview could not be used (the last good one stays).
#[derive(Clone, Debug, PartialEq)]
pub struct PreviewError {
    /// `file:line:column` when known.
    pub location: Option<String>,
    pub message: String,
    pub excerpt: Option<String>,
}

pub enum Msg {
    HashChanged,
    Next,
    DoNext,
    RestoreTick,
    RunAll,
    Choose(usize),
    NumberInput(String),
    SubmitPrediction,
    QuizChoose(usize, usize),
    QuizNumber(usize, String),
    SubmitQuiz,
    RetakeQuiz,
    Tab(LessonTab),
    TryIt,
    Restart,
    Poke(Poke),
    DismissNotice,
    PreviewTick,
    PreviewFetched(Result<String, String>),
}

pub struct LessonsPage {
    route: Route,
    catalog: Rc<Vec<Entry>>,
    taking: Option<Taking>,
    preview: Option<Preview>,
    /// A problem with the address (an unknown lesson id …).
    error: Option<String>,
    notice: Option<String>,
    tab: LessonTab,
    /// A step is running (the button says so until it is done).
    busy: bool,
    timer: Option<Timeout>,
    /// Scroll the newest step into view after the next render.
    scroll: bool,
    newest_ref: NodeRef,
    on_hash: Option<Closure<dyn Fn()>>,
    /// Made once: a new callback each render would make every view's props
    /// differ, and every view redraw, on every frame.
    on_poke: Callback<crate::Poke>,
}

fn location_hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// The wall time, for "reloaded at 14:03:12".
fn clock_text() -> String {
    let d = js_sys::Date::new_0();
    format!("{:02}:{:02}:{:02}", d.get_hours(), d.get_minutes(), d.get_seconds())
}

/// How long one slice of a replay may run before the page paints again.
const RESTORE_SLICE_MS: f64 = 40.0;
/// How often a preview is fetched.
const PREVIEW_POLL_MS: u32 = 1000;

impl Component for LessonsPage {
    type Message = Msg;
    type Properties = LessonsProps;

    fn create(ctx: &Context<Self>) -> Self {
        let on_hash = web_sys::window().map(|window| {
            let link = ctx.link().clone();
            let cb = Closure::<dyn Fn()>::new(move || link.send_message(Msg::HashChanged));
            let _ = window.add_event_listener_with_callback("hashchange", cb.as_ref().unchecked_ref());
            cb
        });
        let mut page = LessonsPage {
            on_poke: ctx.link().callback(Msg::Poke),
            route: Route::List,
            catalog: Rc::new(catalog::builtin()),
            taking: None,
            preview: None,
            error: None,
            notice: None,
            tab: LessonTab::Metrics,
            busy: false,
            timer: None,
            scroll: false,
            newest_ref: NodeRef::default(),
            on_hash,
        };
        page.apply_route(ctx, catalog::route(&location_hash()).unwrap_or(Route::List));
        page
    }

    fn destroy(&mut self, _ctx: &Context<Self>) {
        if let (Some(window), Some(cb)) = (web_sys::window(), self.on_hash.take()) {
            let _ = window.remove_event_listener_with_callback("hashchange", cb.as_ref().unchecked_ref());
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::HashChanged => {
                // Another page's address: the app switches pages; keep ours.
                let Some(route) = catalog::route(&location_hash()) else { return false };
                if route == self.route {
                    return false;
                }
                self.apply_route(ctx, route);
            }
            Msg::Next => {
                if self.busy || !self.can_advance() {
                    return false;
                }
                self.busy = true;
                let link = ctx.link().clone();
                // Let the "Running…" state paint before the step runs.
                self.timer = Some(Timeout::new(30, move || link.send_message(Msg::DoNext)));
            }
            Msg::DoNext => {
                self.busy = false;
                self.timer = None;
                if let Some(t) = &mut self.taking {
                    if t.advance() {
                        self.scroll = true;
                    }
                }
            }
            Msg::RestoreTick => {
                self.timer = None;
                let more = match &mut self.taking {
                    Some(t) => {
                        let start = now_ms();
                        t.restore_some(|| now_ms() - start < RESTORE_SLICE_MS)
                    }
                    None => false,
                };
                if more {
                    self.schedule_restore(ctx);
                } else {
                    self.scroll = true;
                }
            }
            Msg::RunAll => {
                if let Some(t) = &mut self.taking {
                    t.restore_to = t.steps();
                    t.strict = false;
                    self.schedule_restore(ctx);
                }
            }
            Msg::Choose(i) => {
                if let Some(t) = &mut self.taking {
                    t.choice = Some(i);
                    t.answer_error = None;
                }
            }
            Msg::NumberInput(s) => {
                if let Some(t) = &mut self.taking {
                    t.number = s;
                    t.answer_error = None;
                }
            }
            Msg::SubmitPrediction => self.submit_prediction(),
            Msg::QuizChoose(q, i) => {
                if let Some(t) = &mut self.taking {
                    if !t.progress.quiz_submitted {
                        t.quiz_draft.insert(q, Guess::Choice(i));
                        t.quiz_error = None;
                    }
                }
            }
            Msg::QuizNumber(q, s) => {
                if let Some(t) = &mut self.taking {
                    if !t.progress.quiz_submitted {
                        match grade::parse_number(&s) {
                            Ok(n) => {
                                t.quiz_draft.insert(q, Guess::Number(n));
                            }
                            Err(_) => {
                                t.quiz_draft.remove(&q);
                            }
                        }
                        t.quiz_numbers.insert(q, s);
                        t.quiz_error = None;
                    }
                }
            }
            Msg::SubmitQuiz => {
                if let Some(t) = &mut self.taking {
                    if let Err(e) = t.submit_quiz() {
                        t.quiz_error = Some(e);
                    }
                }
            }
            Msg::RetakeQuiz => {
                if let Some(t) = &mut self.taking {
                    t.retake_quiz();
                }
            }
            Msg::Tab(tab) => self.tab = tab,
            Msg::TryIt => {
                if let Some(t) = &self.taking {
                    let scenario = t.world().stepper.scenario_text();
                    match scenario {
                        Some(s) => ctx.props().on_try_it.emit(s),
                        None => self.notice = Some("This lesson has no scenario to try.".into()),
                    }
                }
            }
            Msg::Restart => {
                let route = self.route.clone();
                if let Some(id) = self.taking.as_ref().and_then(|t| t.storage_id.clone()) {
                    progress::clear(&id);
                }
                self.taking = None;
                if let Route::Preview(_) = route {
                    // Reload the last good bundle from the start.
                    if let Some(p) = &mut self.preview {
                        p.last_body = None;
                    }
                    self.fetch_preview(ctx);
                } else {
                    self.apply_route(ctx, route);
                }
            }
            Msg::Poke(poke) => {
                let what = match poke {
                    Poke::Node(n) => format!("You clicked {n}. "),
                    Poke::Link { from, to } => format!("You clicked the link {from} → {to}. "),
                    Poke::Seek(_) => String::new(),
                };
                self.notice = Some(format!("{what}In a lesson the steps drive the run. At the end, “Try it yourself” opens this scenario in the sandbox, where you can break anything."));
            }
            Msg::DismissNotice => self.notice = None,
            Msg::PreviewTick => self.fetch_preview(ctx),
            Msg::PreviewFetched(result) => return self.preview_fetched(ctx, result),
        }
        true
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        if std::mem::take(&mut self.scroll) {
            if let Some(el) = self.newest_ref.cast::<web_sys::Element>() {
                el.scroll_into_view_with_bool(false);
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        self.view_page(ctx)
    }
}

impl LessonsPage {
    fn apply_route(&mut self, ctx: &Context<Self>, route: Route) {
        self.timer = None;
        self.busy = false;
        self.error = None;
        self.notice = None;
        self.route = route.clone();
        if !matches!(route, Route::Preview(_)) {
            self.preview = None;
        }
        match route {
            Route::List => self.taking = None,
            Route::Lesson(id) => {
                let found = self.catalog.iter().find(|e| e.lesson.as_ref().is_ok_and(|l| l.id == id));
                let Some(entry) = found else {
                    self.taking = None;
                    let ids: Vec<String> = self.catalog.iter().filter_map(|e| e.lesson.as_ref().ok().map(|l| l.id.clone())).collect();
                    self.error = Some(format!("There is no lesson “{id}”. Lessons: {}.", ids.join(", ")));
                    return;
                };
                let Ok(lesson) = entry.lesson.clone() else { return };
                let fp = progress::fingerprint(entry.text);
                let saved = progress::load(&lesson.id, &fp);
                if saved.is_none() && progress::exists(&lesson.id) {
                    self.notice = Some("This lesson changed since you last took it, so it starts again from the beginning.".into());
                }
                self.open(ctx, lesson, &fp, Some(id), saved, true);
            }
            Route::Preview(path) => {
                self.taking = None;
                if let Err(e) = catalog::preview_path_ok(&path) {
                    self.error = Some(e);
                    self.preview = None;
                    return;
                }
                let link = ctx.link().clone();
                self.preview = Some(Preview {
                    path,
                    last_body: None,
                    loaded_at: None,
                    versions: 0,
                    error: None,
                    fetching: false,
                    _poll: Interval::new(PREVIEW_POLL_MS, move || link.send_message(Msg::PreviewTick)),
                });
                self.fetch_preview(ctx);
            }
        }
    }

    fn open(
        &mut self,
        ctx: &Context<Self>,
        lesson: streamlab_core::lesson::Lesson,
        fp: &str,
        storage_id: Option<String>,
        saved: Option<progress::Progress>,
        strict: bool,
    ) {
        match Taking::new(lesson, fp, storage_id, saved, strict) {
            Ok(t) => {
                let restoring = t.restoring();
                self.taking = Some(t);
                if restoring {
                    self.schedule_restore(ctx);
                }
            }
            Err(e) => {
                self.taking = None;
                self.error = Some(e);
            }
        }
    }

    fn schedule_restore(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.timer = Some(Timeout::new(0, move || link.send_message(Msg::RestoreTick)));
    }

    fn can_advance(&self) -> bool {
        self.taking.as_ref().is_some_and(|t| !t.finished() && !t.restoring() && t.open_prediction().is_none())
    }

    fn submit_prediction(&mut self) {
        let Some(t) = &mut self.taking else { return };
        let Some(step) = t.open_prediction() else { return };
        let answer = {
            let lesson = t.lesson();
            match &lesson.steps[step - 1].kind {
                streamlab_core::lesson::StepKind::Predict(p) => p.answer.clone(),
                _ => return,
            }
        };
        let guess = match answer {
            streamlab_core::lesson::Answer::Choice { .. } => match t.choice {
                Some(i) => Ok(Guess::Choice(i)),
                None => Err("Pick one of the answers first.".to_string()),
            },
            _ => grade::parse_number(&t.number).map(Guess::Number),
        };
        match guess {
            Ok(g) => {
                t.answer(step, g);
                self.scroll = true;
            }
            Err(e) => t.answer_error = Some(e),
        }
    }

    fn fetch_preview(&mut self, ctx: &Context<Self>) {
        let Some(p) = &mut self.preview else { return };
        if p.fetching {
            return;
        }
        p.fetching = true;
        fetch::fetch_text(p.path.clone(), ctx.link().callback(Msg::PreviewFetched));
    }

    fn preview_fetched(&mut self, ctx: &Context<Self>, result: Result<String, String>) -> bool {
        let Some(p) = &mut self.preview else { return false };
        p.fetching = false;
        let body = match result {
            Ok(b) => b,
            Err(message) => {
                let e = Some(PreviewError { location: None, message: format!("{message}. Is `streamlab lesson preview` still running?"), excerpt: None });
                let changed = p.error != e;
                p.error = e;
                p.last_body = None;
                return changed;
            }
        };
        if p.last_body.as_deref() == Some(body.as_str()) {
            return false;
        }
        p.last_body = Some(body.clone());
        match catalog::parse_bundle(&body) {
            Err(BundleError::Malformed(m)) => p.error = Some(PreviewError { location: None, message: m, excerpt: None }),
            Err(BundleError::Lesson(e)) => {
                let text = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v.get("lesson").and_then(|l| l.as_str()).map(str::to_string))
                    .unwrap_or_default();
                p.error = Some(PreviewError {
                    location: Some(match (e.line, e.column) {
                        (0, _) => e.file.clone(),
                        (l, 0) => format!("{}:{l}", e.file),
                        (l, c) => format!("{}:{l}:{c}", e.file),
                    }),
                    message: if e.path.is_empty() { e.message.clone() } else { format!("{}: {}", e.path, e.message) },
                    excerpt: crate::logic::excerpt(&text, e.line, e.column),
                })
            }
            Ok((bundle, lesson)) => {
                p.error = None;
                p.versions += 1;
                p.loaded_at = Some(clock_text());
                // Keep the instructor's place: replay as many steps as before
                // (with the answers given), in the new version.
                let kept = self.taking.as_ref().map(|t| {
                    let mut pr = t.progress.clone();
                    pr.done = t.done().max(t.restore_to);
                    pr
                });
                let fp = progress::fingerprint(&bundle.lesson);
                self.open(ctx, lesson, &fp, None, kept, false);
            }
        }
        true
    }
}

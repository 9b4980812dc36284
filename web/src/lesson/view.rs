//! What the lessons page draws: the list, a lesson's steps, predictions,
//! quiz and the views of its run. Everything from a lesson file is text
//! (Yew escapes it) or goes through the safe Markdown renderer.

use super::catalog::{Entry, Route};
use super::grade::{answer_text, guess_text, is_right, kind_name, step_title, Guess};
use super::markdown;
use super::progress::{self, standing, Standing};
use super::taking::{quiz_right, Taking};
use super::{LessonTab, LessonsPage, Msg, LESSON_TABS};
use crate::logic::format_time_short;
use crate::views::{self, RunHandle, ViewProps};
use streamlab_core::lesson::{Answer, CheckOutcome, Lesson, Prediction, Step, StepKind, StepOutcome};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// The glossary term a check is about (`HW of orders-0 == 2000` → `HW`),
/// to explain it in a tooltip.
fn term_of(check: &str) -> Option<&'static str> {
    crate::glossary::TERMS.iter().map(|(t, _)| *t).filter(|t| check.strip_prefix(t).is_some_and(|rest| rest.starts_with(' '))).max_by_key(|t| t.len())
}

/// `1 step`, `21 steps`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn check_list(checks: &[CheckOutcome], number: usize) -> Html {
    if checks.is_empty() {
        return html! {};
    }
    html! {
        <ul class="checks">
            { for checks.iter().map(|c| {
                let from = (c.step != number).then(|| format!(" (confirms the prediction of step {})", c.step));
                html! {
                    <li class={classes!("check", if c.ok { "check-ok" } else { "check-failed" })} data-ok={c.ok.to_string()}>
                        <span class="check-mark">{ if c.ok { "✓ holds" } else { "✗ does not hold" } }</span>
                        <code class="check-text" title={term_of(&c.text).map(crate::glossary::tooltip)}>{ &c.text }</code>
                        <span class="check-actual">{ format!("actual: {}", c.actual) }</span>
                        if let Some(f) = from { <span class="muted">{ f }</span> }
                    </li>
                }
            }) }
        </ul>
    }
}

/// The predictions a run step revealed: those asked since the run before.
fn revealed_by(lesson: &Lesson, run_number: usize) -> Vec<(usize, &Prediction)> {
    let mut out = Vec::new();
    for s in lesson.steps[..run_number.saturating_sub(1)].iter().rev() {
        match &s.kind {
            StepKind::Run(_) => break,
            StepKind::Predict(p) => out.push((s.number, p)),
            _ => {}
        }
    }
    out.reverse();
    out
}

impl LessonsPage {
    pub(super) fn view_page(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let body = match (&self.route, &self.taking) {
            (Route::List, _) => self.view_list(),
            (_, Some(t)) => self.view_lesson(ctx, t),
            (Route::Preview(_), None) if self.error.is_none() => {
                html! { <p id="lesson-loading" class="panel muted">{ "Loading the lesson from the preview server…" }</p> }
            }
            (_, None) => self.view_list(),
        };
        html! {
            <div class="lessons-page">
                if let Some(e) = &self.error {
                    <div id="lesson-error" class="error-box" role="alert">
                        <p class="error-title"><span class="error-icon" aria-hidden="true">{ "⚠" }</span>{ "This lesson cannot be shown" }</p>
                        <p class="error-message">{ e }</p>
                    </div>
                }
                { self.view_preview_bar() }
                if let Some(n) = &self.notice {
                    <div class="notice notice-info lesson-notice" role="status">
                        <span>{ n }</span>
                        <button type="button" class="notice-dismiss" onclick={link.callback(|_| Msg::DismissNotice)}>{ "Dismiss" }</button>
                    </div>
                }
                { body }
            </div>
        }
    }

    fn view_list(&self) -> Html {
        let card = |e: &Entry| -> Html {
            let l = match &e.lesson {
                Ok(l) => l,
                Err(err) => {
                    return html! {
                        <article class="lesson-card lesson-card-broken" data-path={e.path}>
                            <h3>{ e.path }</h3>
                            <p class="error-message">{ err }</p>
                        </article>
                    }
                }
            };
            let fp = progress::fingerprint(e.text);
            let saved = progress::load(&l.id, &fp);
            let st = standing(saved.as_ref(), l.steps.len(), l.quiz.len(), |p| quiz_right(l, p));
            let action = match st {
                Standing::NotStarted => "Start",
                Standing::Completed { .. } => "Review",
                _ => "Continue",
            };
            let href = format!("#lesson={}", l.id);
            html! {
                <article class="lesson-card" data-lesson={l.id.clone()}>
                    <h3 class="lesson-card-title"><a href={href.clone()}>{ &l.title }</a></h3>
                    <p class="lesson-meta">
                        if let Some(n) = e.number() { <span class="lesson-number">{ format!("Lesson {n}") }</span>{ " · " } }
                        { format!("{} min · {} · {}", l.minutes, plural(l.steps.len(), "step"), plural(l.quiz.len(), "quiz question")) }
                    </p>
                    <ul class="lesson-goals">{ for l.goals.iter().map(|g| html! { <li>{ markdown::inline_text(g) }</li> }) }</ul>
                    <p class="lesson-card-foot">
                        <span class={classes!("badge", "lesson-standing", st.class())}>{ st.text() }</span>
                        <a class="lesson-open" href={href}>{ action }</a>
                    </p>
                </article>
            }
        };
        let (examples, course): (Vec<&Entry>, Vec<&Entry>) = self.catalog.iter().partition(|e| e.is_example());
        html! {
            <section id="lessons-list" class="panel lessons-list" aria-labelledby="lessons-heading">
                <h2 id="lessons-heading">{ "Lessons" }</h2>
                <p class="muted lessons-intro">
                    { "Each lesson walks you through one idea with the real simulator: read, predict what will happen, run it, and check. Your progress stays in this browser." }
                </p>
                <div class="lesson-cards">{ for course.iter().map(|e| card(e)) }</div>
                if !examples.is_empty() {
                    <h3 class="lessons-examples">{ "Examples for lesson writers" }</h3>
                    <div class="lesson-cards">{ for examples.iter().map(|e| card(e)) }</div>
                }
            </section>
        }
    }

    fn view_preview_bar(&self) -> Html {
        let Some(p) = &self.preview else { return html! {} };
        let file = self.taking.as_ref().map(|t| t.lesson().file.clone());
        html! {
            <div id="lesson-preview" class="lesson-preview-bar" data-versions={p.versions.to_string()} data-error={p.error.is_some().to_string()}>
                <p>
                    <strong>{ "Preview" }</strong>
                    if let Some(f) = file { { " of " }<code>{ f }</code> }
                    { " · reloads when you save the file" }
                    if let Some(at) = &p.loaded_at { { format!(" · version {} loaded at {at}", p.versions) } }
                </p>
                if let Some(e) = &p.error {
                    <div id="lesson-preview-error" class="error-box" role="alert">
                        <p class="error-title"><span class="error-icon" aria-hidden="true">{ "⚠" }</span>
                            { if p.versions > 0 { "The lesson as saved now has an error (the last good version stays below)" } else { "The lesson has an error" } }</p>
                        if let Some(loc) = &e.location { <p class="error-where"><code class="error-location">{ loc }</code></p> }
                        <p class="error-message">{ &e.message }</p>
                        if let Some(x) = &e.excerpt { <pre class="error-excerpt">{ x }</pre> }
                    </div>
                }
            </div>
        }
    }

    fn view_lesson(&self, ctx: &Context<Self>, t: &Taking) -> Html {
        let link = ctx.link();
        let w = t.world();
        let stepper = &w.stepper;
        let lesson = stepper.lesson();
        let (done, total) = (stepper.done(), lesson.steps.len());
        let pct = (done * 100).checked_div(total).unwrap_or(100);
        let preview = matches!(self.route, Route::Preview(_));
        let outcomes = stepper.outcomes();
        html! {
            <div id="lesson" class="lesson" data-lesson={lesson.id.clone()} data-done={done.to_string()} data-steps={total.to_string()}
                data-finished={stepper.finished().to_string()} data-restoring={t.restoring().to_string()}>
                <header class="panel lesson-head">
                    <a id="lesson-back" class="lesson-back" href="#lessons">{ "← All lessons" }</a>
                    <h2 class="lesson-title">{ &lesson.title }</h2>
                    <span class="lesson-meta" id="lesson-position">{ format!("{} min · step {done} of {total}", lesson.minutes) }</span>
                    <div class="progress lesson-progress" role="progressbar" aria-label="Steps done"
                        aria-valuemin="0" aria-valuemax={total.to_string()} aria-valuenow={done.to_string()}>
                        <div class="progress-bar" style={format!("width: {pct}%")}></div>
                    </div>
                    <span class="lesson-head-actions">
                        if preview {
                            <button id="lesson-run-all" type="button" onclick={link.callback(|_| Msg::RunAll)} disabled={stepper.finished() || t.restoring()}
                                title="Run every remaining step (predictions left unanswered)">{ "Run all steps" }</button>
                        }
                        <button id="lesson-restart" type="button" onclick={link.callback(|_| Msg::Restart)}
                            title="Forget your progress in this lesson and start from step 1">{ "Start over" }</button>
                    </span>
                </header>
                <div class="lesson-body">
                    <section class="lesson-narrative" aria-label="The lesson, step by step">
                        { self.view_intro(lesson) }
                        { for lesson.steps.iter().zip(outcomes).enumerate().map(|(i, (s, o))| self.view_step(ctx, t, lesson, s, o, i + 1 == done)) }
                        if t.restoring() {
                            <p class="lesson-restoring" role="status">{ format!("Replaying your progress: step {done} of {}…", t.restore_to) }</p>
                        } else if !stepper.finished() {
                            { self.view_next(ctx, t, lesson, done) }
                        } else {
                            { self.view_quiz(ctx, t, lesson) }
                            { self.view_end(ctx, t) }
                        }
                    </section>
                    { self.view_views(ctx, t) }
                </div>
            </div>
        }
    }

    fn view_intro(&self, lesson: &Lesson) -> Html {
        html! {
            <article class="lesson-intro">
                <h3>{ "In this lesson you will learn to" }</h3>
                <ul class="lesson-goals">{ for lesson.goals.iter().map(|g| html! { <li>{ markdown::inline_text(g) }</li> }) }</ul>
                if !lesson.summary.trim().is_empty() {
                    <div class="md">{ markdown::render(&lesson.summary) }</div>
                }
            </article>
        }
    }

    fn view_step(&self, ctx: &Context<Self>, t: &Taking, lesson: &Lesson, step: &Step, out: &StepOutcome, newest: bool) -> Html {
        let kind = kind_name(&step.kind);
        let failed = out.failure.is_some() || out.checks.iter().any(|c| !c.ok);
        let body = match &step.kind {
            StepKind::Narrative(text) => html! { <div class="md">{ markdown::render(text) }</div> },
            StepKind::Predict(p) => self.view_prediction(ctx, t, step.number, p),
            StepKind::Expect(_) => html! {},
            StepKind::Run(_) => {
                let reveals = revealed_by(lesson, step.number);
                html! {
                    <>
                        { self.view_notes(out) }
                        { for reveals.iter().map(|(n, p)| self.view_reveal(t, *n, p)) }
                    </>
                }
            }
            StepKind::Inject(_) | StepKind::Set(_) => self.view_notes(out),
        };
        html! {
            <article class={classes!("lesson-step", format!("step-{kind}"), newest.then_some("lesson-step-newest"), failed.then_some("lesson-step-failed"))}
                data-kind={kind} data-number={step.number.to_string()} ref={if newest { self.newest_ref.clone() } else { NodeRef::default() }}>
                <header class="lesson-step-head">
                    <span class="step-number">{ format!("Step {}", step.number) }</span>
                    <h3 class="step-title">{ step_title(&step.kind) }</h3>
                    if let Some(tm) = out.time.filter(|_| !matches!(step.kind, StepKind::Narrative(_) | StepKind::Predict(_))) {
                        <span class="step-time">{ format!("t = {}", format_time_short(tm)) }</span>
                    }
                </header>
                { body }
                { check_list(&out.checks, step.number) }
                if let Some(f) = &out.failure {
                    <p class="step-failure" role="alert">{ format!("⚠ This step could not do what it says: {f}") }</p>
                }
            </article>
        }
    }

    fn view_notes(&self, out: &StepOutcome) -> Html {
        let notes: Vec<&String> = out.notes.iter().filter(|n| !n.starts_with("the prediction of step")).collect();
        if notes.is_empty() {
            return html! {};
        }
        html! { <ul class="step-notes">{ for notes.iter().map(|n| html! { <li>{ n.as_str() }</li> }) }</ul> }
    }

    fn view_prediction(&self, ctx: &Context<Self>, t: &Taking, number: usize, p: &Prediction) -> Html {
        let link = ctx.link();
        let guess = t.progress.predictions.get(&number).copied();
        let open = t.open_prediction() == Some(number);
        let state = if open {
            "open"
        } else if guess.is_none() {
            "skipped"
        } else if t.revealed(number) {
            "revealed"
        } else {
            "answered"
        };
        let question = html! { <div class="md prediction-question">{ markdown::render(&p.question) }</div> };
        let form = if open {
            let input = match &p.answer {
                Answer::Choice { choices, .. } => html! {
                    <div class="prediction-choices" role="group" aria-label="Your prediction">
                        { for choices.iter().enumerate().map(|(i, c)| {
                            let picked = t.choice == Some(i);
                            html! {
                                <button type="button" class={classes!("prediction-choice", picked.then_some("picked"))} data-choice={i.to_string()}
                                    aria-pressed={picked.to_string()} onclick={link.callback(move |_| Msg::Choose(i))}>
                                    <span class="choice-number">{ format!("{})", i + 1) }</span>{ " " }{ markdown::inline_text(c) }
                                    if picked { <span class="choice-tag">{ "← your prediction" }</span> }
                                </button>
                            }
                        }) }
                    </div>
                },
                _ => html! {
                    <div class="field prediction-number-field">
                        <label for="prediction-number">{ "Your guess (a whole number)" }</label>
                        <input id="prediction-number" type="text" inputmode="numeric" autocomplete="off" value={t.number.clone()}
                            oninput={link.callback(|e: InputEvent| Msg::NumberInput(e.target_unchecked_into::<HtmlInputElement>().value()))}
                            onkeydown={link.batch_callback(|e: KeyboardEvent| (e.key() == "Enter").then_some(Msg::SubmitPrediction))} />
                    </div>
                },
            };
            let ready = match &p.answer {
                Answer::Choice { .. } => t.choice.is_some(),
                _ => !t.number.trim().is_empty(),
            };
            html! {
                <>
                    { input }
                    <div class="prediction-actions">
                        <button id="prediction-submit" type="button" class="primary" disabled={!ready} onclick={link.callback(|_| Msg::SubmitPrediction)}>{ "Lock in my prediction" }</button>
                        <span class="muted">{ "The next run reveals the answer." }</span>
                    </div>
                    if let Some(e) = &t.answer_error { <p class="field-error" role="alert">{ e }</p> }
                </>
            }
        } else {
            match guess {
                Some(g) => html! {
                    <p class="prediction-given">
                        <span class="prediction-label">{ "Your prediction: " }</span><strong>{ guess_text(&p.answer, g) }</strong>
                        if state == "answered" { <span class="muted">{ " — press Next step to run and find out." }</span> }
                    </p>
                },
                None => html! { <p class="prediction-given muted">{ "Not answered." }</p> },
            }
        };
        html! {
            <div class="prediction" data-state={state} data-step={number.to_string()}>
                { question }
                { form }
            </div>
        }
    }

    fn view_reveal(&self, t: &Taking, number: usize, p: &Prediction) -> Html {
        let w = t.world();
        let measured = w.stepper.measured(number);
        let answer = answer_text(&p.answer, measured);
        let guess = t.progress.predictions.get(&number).copied();
        let right = guess.and_then(|g| is_right(&p.answer, g, measured));
        let (verdict, class) = match right {
            Some(true) => ("✓ You predicted it.", "reveal-right"),
            Some(false) => ("✗ Not what happened.", "reveal-wrong"),
            None => ("", "reveal-unknown"),
        };
        let said = match guess {
            Some(g) => format!("You said {} — the answer is {answer}.", guess_text(&p.answer, g)),
            None => format!("The answer is {answer}."),
        };
        html! {
            <div class={classes!("prediction-reveal", class)} data-step={number.to_string()} data-right={right.map_or("unknown".to_string(), |r| r.to_string())}>
                <p class="reveal-head"><span class="reveal-label">{ format!("The prediction of step {number}") }</span>
                    if !verdict.is_empty() { <strong class="reveal-verdict">{ verdict }</strong> }</p>
                <p class="reveal-said">{ said }</p>
                if !p.explain.trim().is_empty() { <div class="md reveal-explain">{ markdown::render(&p.explain) }</div> }
            </div>
        }
    }

    fn view_next(&self, ctx: &Context<Self>, t: &Taking, lesson: &Lesson, done: usize) -> Html {
        let link = ctx.link();
        let waiting = t.open_prediction().is_some();
        let next = lesson.steps.get(done);
        let what = match (waiting, next) {
            (true, _) => "Lock in your prediction above first.".to_string(),
            (false, Some(s)) => format!("Next: step {} — {}", s.number, step_title(&s.kind)),
            (false, None) => String::new(),
        };
        html! {
            <div class="lesson-next-bar">
                <button id="lesson-next" type="button" class="primary" disabled={waiting || self.busy} onclick={link.callback(|_| Msg::Next)}
                    aria-describedby="lesson-next-what">
                    { if self.busy { "Running…" } else if done == 0 { "Start: step 1" } else { "Next step" } }
                </button>
                <span id="lesson-next-what" class="lesson-next-what">{ what }</span>
            </div>
        }
    }

    fn view_quiz(&self, ctx: &Context<Self>, t: &Taking, lesson: &Lesson) -> Html {
        if lesson.quiz.is_empty() {
            return html! {};
        }
        let link = ctx.link();
        let submitted = t.progress.quiz_submitted;
        let answers = if submitted { &t.progress.quiz } else { &t.quiz_draft };
        html! {
            <section id="quiz" class="lesson-quiz" data-submitted={submitted.to_string()} aria-labelledby="quiz-heading">
                <h3 id="quiz-heading">{ "Quiz" }</h3>
                { for lesson.quiz.iter().enumerate().map(|(qi, q)| {
                    let given = answers.get(&qi).copied();
                    let right = if submitted { given.and_then(|g| is_right(&q.answer, g, None)) } else { None };
                    let input = match &q.answer {
                        Answer::Choice { choices, .. } => html! {
                            <div class="quiz-choices" role="group" aria-label={format!("Question {}", qi + 1)}>
                                { for choices.iter().enumerate().map(|(ci, c)| {
                                    let picked = given == Some(Guess::Choice(ci));
                                    let correct = submitted && matches!(q.answer, Answer::Choice { correct, .. } if correct == ci);
                                    html! {
                                        <button type="button" class={classes!("quiz-choice", picked.then_some("picked"), correct.then_some("correct"))} data-choice={ci.to_string()}
                                            aria-pressed={picked.to_string()} disabled={submitted} onclick={link.callback(move |_| Msg::QuizChoose(qi, ci))}>
                                            <span class="choice-number">{ format!("{})", ci + 1) }</span>{ " " }{ markdown::inline_text(c) }
                                            if picked { <span class="choice-tag">{ "← your answer" }</span> }
                                            if correct { <span class="choice-tag choice-tag-answer">{ "✓ the answer" }</span> }
                                        </button>
                                    }
                                }) }
                            </div>
                        },
                        _ => {
                            let value = match (submitted, given) {
                                (true, Some(Guess::Number(n))) => n.to_string(),
                                _ => t.quiz_numbers.get(&qi).cloned().unwrap_or_default(),
                            };
                            html! {
                                <input class="quiz-number" type="text" inputmode="numeric" autocomplete="off" aria-label={format!("Answer to question {}", qi + 1)}
                                    value={value} disabled={submitted}
                                    oninput={link.callback(move |e: InputEvent| Msg::QuizNumber(qi, e.target_unchecked_into::<HtmlInputElement>().value()))} />
                            }
                        }
                    };
                    html! {
                        <div class={classes!("quiz-question", right.map(|r| if r { "quiz-right" } else { "quiz-wrong" }))}
                            data-index={qi.to_string()} data-right={right.map_or(String::new(), |r| r.to_string())}>
                            <div class="md quiz-text"><span class="quiz-number-label">{ format!("{}. ", qi + 1) }</span>{ markdown::render(&q.question) }</div>
                            { input }
                            if submitted {
                                <p class="quiz-result">
                                    { match right { Some(true) => "✓ Right.".to_string(), _ => format!("✗ The answer: {}.", answer_text(&q.answer, None)) } }
                                </p>
                                if !q.explain.trim().is_empty() { <div class="md quiz-explain">{ markdown::render(&q.explain) }</div> }
                            }
                        </div>
                    }
                }) }
                if let Some(e) = &t.quiz_error { <p class="field-error" role="alert">{ e }</p> }
                if submitted {
                    <p id="quiz-score" class="quiz-score" data-right={t.quiz_right().to_string()} data-questions={lesson.quiz.len().to_string()}>
                        { format!("You got {} of {} right.", t.quiz_right(), lesson.quiz.len()) }
                    </p>
                    <button id="quiz-retake" type="button" onclick={link.callback(|_| Msg::RetakeQuiz)}>{ "Retake the quiz" }</button>
                } else {
                    <button id="quiz-submit" type="button" class="primary" onclick={link.callback(|_| Msg::SubmitQuiz)}>{ "Check my answers" }</button>
                }
            </section>
        }
    }

    fn view_end(&self, ctx: &Context<Self>, t: &Taking) -> Html {
        let link = ctx.link();
        let w = t.world();
        let scenario = w.stepper.scenario_name().map(str::to_string);
        html! {
            <section class="lesson-end" aria-labelledby="lesson-end-heading">
                <h3 id="lesson-end-heading">{ "Try it yourself" }</h3>
                if let Some(name) = scenario {
                    <p>{ format!("Open scenario “{name}”, as this lesson left it, in the sandbox: change a setting, crash a broker, cut a link, and see what happens.") }</p>
                    <button id="try-it" type="button" class="primary" onclick={link.callback(|_| Msg::TryIt)}>{ "Try it yourself" }</button>
                }
                <p><a href="#lessons" class="lesson-back-end">{ "Back to the lessons" }</a></p>
            </section>
        }
    }

    fn view_views(&self, ctx: &Context<Self>, t: &Taking) -> Html {
        let link = ctx.link();
        let props = ViewProps { run: RunHandle::new(t.source.clone(), t.frame, t.run), on_poke: self.on_poke.clone() };
        let (label, time, started) = {
            let w = t.world();
            let world = crate::views::WorldSource::world(&*w);
            let name = w.stepper.scenario_name().map(|n| format!("“{n}” — {}", world.scenario.name)).unwrap_or_else(|| world.scenario.name.clone());
            (name, world.sim.now(), w.stepper.outcomes().iter().any(|o| o.time.is_some()))
        };
        let tab_body = match self.tab {
            LessonTab::Messages => html! { <views::messages::MessagesView ..props.clone() /> },
            LessonTab::EventTime => html! { <views::event_time::EventTimeView ..props.clone() /> },
            LessonTab::Metrics => html! { <views::metrics::MetricsView ..props.clone() /> },
            LessonTab::Outputs => html! { <views::outputs::OutputsView ..props.clone() /> },
            LessonTab::Trace => html! { <views::trace_table::TraceTableView ..props.clone() /> },
        };
        html! {
            <section class="lesson-views" aria-label="The run">
                <p class="lesson-world">
                    <span class="muted">{ "Scenario " }</span><strong>{ label }</strong>
                    <span id="lesson-time" class="lesson-time" data-us={time.to_string()}>{ format!("t = {}", format_time_short(time)) }</span>
                    if !started { <span class="muted">{ " (not started yet)" }</span> }
                </p>
                <section class="panel view view-cluster" aria-labelledby="lesson-cluster-heading">
                    <h2 id="lesson-cluster-heading">{ "Cluster" }</h2>
                    <views::cluster::ClusterView ..props.clone() />
                </section>
                <section class="panel view view-partitions" aria-labelledby="lesson-partitions-heading">
                    <h2 id="lesson-partitions-heading">{ "Partitions" }</h2>
                    <views::partitions::PartitionsView ..props.clone() />
                </section>
                <section class="panel view view-tabs">
                    <div class="tabs" role="tablist" aria-label="More views">
                        { for LESSON_TABS.iter().map(|(tab, id, label)| {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_name_their_glossary_term() {
        assert_eq!(term_of("HW of orders-0 == 2000"), Some("HW"));
        assert_eq!(term_of("leader epoch of orders-0 == 1"), Some("leader epoch"));
        assert_eq!(term_of("leader of orders-0 == b2"), Some("leader"));
        assert_eq!(term_of("lost-write == 0"), None);
    }

    #[test]
    fn plurals() {
        assert_eq!((plural(1, "step"), plural(21, "step")), ("1 step".to_string(), "21 steps".to_string()));
    }
}

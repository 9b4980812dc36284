//! The metrics view: small multiples over one shared processing-time axis
//! (the whole run, `[0, end]`), one plotters canvas per metric from
//! `streamlab_core::views::metrics`, with fault periods shaded and named on
//! every chart and the current time as a line. Only the metrics that apply
//! to the scenario are shown. Each line has its own dash pattern as well as
//! its colour; the values are also in `data-*` attributes and a visually
//! hidden table per chart.

use super::plot_canvas::{self as pc, Frame, Stroke};
use super::ViewProps;
use crate::glossary::tooltip;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use streamlab_core::time::{fmt_time, Duration};
use streamlab_core::views::metrics::{Chart, FaultKind, FaultSpan, MetricsFold, MetricsModel};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// Line styles in order: never colour alone (solid, dashed, dotted…).
const LINES: [Stroke; 6] = [
    Stroke::solid(pc::BLUE, 3.0),
    Stroke::dashed(pc::ORANGE, 3.0, 9.0, 5.0),
    Stroke::dashed(pc::VERMILLION, 3.0, 2.5, 4.0),
    Stroke::dashed(pc::GREEN, 3.0, 12.0, 4.0),
    Stroke::dashed(pc::PURPLE, 3.0, 5.0, 5.0),
    Stroke::dashed(pc::SKY, 3.0, 2.0, 2.0),
];
const NOW: Stroke = Stroke::dashed(pc::INK, 2.0, 4.0, 3.0);

fn fault_color(k: FaultKind) -> RGBColor {
    match k {
        FaultKind::Down => pc::VERMILLION,
        FaultKind::Paused => pc::ORANGE,
        FaultKind::Network => pc::SKY,
    }
}

fn fault_class(k: FaultKind) -> &'static str {
    match k {
        FaultKind::Down => "down",
        FaultKind::Paused => "paused",
        FaultKind::Network => "network",
    }
}

/// The period in a few words (`b1 down`, `links cut: 16 links`).
fn fault_words(s: &FaultSpan) -> String {
    match s.kind {
        FaultKind::Down => format!("{} down", s.subject),
        FaultKind::Paused => format!("{} paused", s.subject),
        FaultKind::Network => format!("links cut: {}", s.subject),
    }
}

fn num(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let a = v.abs();
    if a >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if a >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A processing-time axis label: `10s`, `1m`, `250ms`.
fn time_label(us: f64) -> String {
    Duration(us.max(0.0).round() as u64).to_string()
}

#[derive(Clone, Debug, PartialEq)]
struct Hover {
    chart: usize,
    x: i32,
    y: i32,
    lines: Vec<String>,
}

#[function_component(MetricsView)]
pub fn view(props: &ViewProps) -> Html {
    let fold = use_mut_ref(MetricsFold::new);
    fold.borrow_mut().update(&props.run.world());
    let frames = use_mut_ref(Vec::<Option<Frame>>::new);
    let canvases = use_mut_ref(Vec::<NodeRef>::new);
    let hover = use_state(|| None::<Hover>);
    let resized = pc::use_resize_tick();

    {
        let (fold, frames, canvases) = (fold.clone(), frames.clone(), canvases.clone());
        let _ = resized;
        use_effect(move || {
            let f = fold.borrow();
            let mut out = frames.borrow_mut();
            out.clear();
            if let Some(m) = f.model() {
                for (i, c) in m.charts.iter().enumerate() {
                    let canvas = canvases.borrow().get(i).and_then(|r| r.cast::<HtmlCanvasElement>());
                    out.push(canvas.and_then(|cv| draw(&cv, c, m)));
                }
            }
        });
    }

    let f = fold.borrow();
    let Some(m) = f.model() else { return html! {} };
    canvases.borrow_mut().resize_with(m.charts.len(), NodeRef::default);
    if m.charts.is_empty() {
        return html! { <p class="empty">{ "Nothing to measure in this scenario yet." }</p> };
    }

    let charts = m.charts.iter().enumerate().map(|(i, c)| {
        let node = canvases.borrow().get(i).cloned().unwrap_or_default();
        let onmove = {
            let (fold, frames, hover) = (fold.clone(), frames.clone(), hover.clone());
            Callback::from(move |e: MouseEvent| {
                let (ox, oy) = (e.offset_x(), e.offset_y());
                let found = {
                    let fr = frames.borrow();
                    let f = fold.borrow();
                    match (fr.get(i).copied().flatten(), f.model()) {
                        (Some(frame), Some(m)) => values_at(m, i, frame.x_of(ox as f64 * frame.dpr)),
                        _ => None,
                    }
                };
                let next = found.map(|lines| Hover { chart: i, x: ox, y: oy, lines });
                if *hover != next {
                    hover.set(next);
                }
            })
        };
        let onleave = {
            let hover = hover.clone();
            Callback::from(move |_: MouseEvent| {
                if hover.is_some() {
                    hover.set(None);
                }
            })
        };
        let names: Vec<&str> = c.lines.iter().map(|l| l.name.as_str()).collect();
        let last: Vec<String> = c.lines.iter().map(|l| l.values.iter().rev().flatten().next().map_or(String::new(), |v| num(*v))).collect();
        let tip = hover.as_ref().filter(|h| h.chart == i).map(|h| {
            html! {
                <div class="metric-tooltip" role="status" style={format!("left:{}px;top:{}px", h.x + 14, h.y + 10)}>
                    { for h.lines.iter().map(|l| html! { <div>{ l.clone() }</div> }) }
                </div>
            }
        });
        let title_tip = c.term.as_deref().map(tooltip).unwrap_or_else(|| c.note.clone());
        html! {
            <figure class="metric" data-chart={c.id.clone()}>
                <figcaption class="metric-head">
                    <span class="metric-title" title={title_tip}>{ c.title.clone() }</span>
                    <span class="metric-unit">{ format!("({})", c.unit) }</span>
                    <ul class="metric-legend" aria-label="Lines">
                        { for c.lines.iter().enumerate().map(|(k, l)| {
                            let s = LINES[k % LINES.len()];
                            html! {
                                <li data-line={l.name.clone()}>
                                    <svg class="metric-swatch" width="34" height="12" aria-hidden="true">
                                        <line x1="1" y1="6" x2="33" y2="6" stroke={pc::css(s.color)} stroke-width={s.width.to_string()} stroke-dasharray={s.dasharray()} />
                                    </svg>
                                    { l.name.clone() }
                                </li>
                            }
                        }) }
                    </ul>
                </figcaption>
                <div class="metric-canvas-wrap">
                    <canvas ref={node} id={format!("metric-{}", pc::slug(&c.id))} class="metric-canvas" role="img"
                        aria-label={format!("{} over processing time, {}", c.title, c.note)}
                        data-chart={c.id.clone()} data-lines={names.join("|")} data-last={last.join("|")}
                        data-buckets={m.times.len().to_string()} data-bucket={m.bucket.to_string()}
                        data-now={m.now.to_string()} data-faults={m.faults.len().to_string()}
                        onmousemove={onmove} onmouseleave={onleave} />
                    { for tip }
                </div>
                <p class="metric-note">{ c.note.clone() }</p>
                { table(c) }
            </figure>
        }
    });

    html! {
        <div class="metrics-view">
            <p class="metrics-intro">
                { format!("Measured from the trace in buckets of {} of processing time; shaded bands are fault periods, the dashed vertical line is now ({}).", time_label(m.bucket as f64), fmt_time(m.now)) }
            </p>
            { faults_list(m) }
            <div class="metrics-charts">{ for charts }</div>
        </div>
    }
}

fn faults_list(m: &MetricsModel) -> Html {
    if m.faults.is_empty() {
        return html! { <p class="metrics-faults-none muted">{ "No fault so far: nothing is shaded." }</p> };
    }
    html! {
        <ul class="metrics-faults" aria-label="Fault periods">
            { for m.faults.iter().map(|s| {
                let end = s.end.map_or_else(|| "still going on".to_string(), fmt_time);
                html! {
                    <li class={classes!("metrics-fault", format!("fault-{}", fault_class(s.kind)))} data-kind={fault_class(s.kind)}
                        data-subject={s.subject.clone()} data-start={s.start.to_string()} data-end={s.end.map(|e| e.to_string()).unwrap_or_default()}>
                        <span class="fault-swatch" aria-hidden="true"></span>
                        <strong>{ fault_words(s) }</strong>
                        { format!(" {} → {} ", fmt_time(s.start), end) }
                        <span class="muted">{ format!("({})", s.label) }</span>
                    </li>
                }
            }) }
        </ul>
    }
}

fn table(c: &Chart) -> Html {
    let stats = |v: &[Option<f64>]| {
        let xs: Vec<f64> = v.iter().flatten().copied().collect();
        let min = xs.iter().copied().reduce(f64::min);
        let max = xs.iter().copied().reduce(f64::max);
        (xs.last().copied(), min, max)
    };
    let show = |x: Option<f64>| x.map_or_else(|| "-".to_string(), num);
    html! {
        <table class="metrics-sr-only" data-chart={c.id.clone()}>
            <caption>{ format!("{} ({})", c.title, c.unit) }</caption>
            <thead><tr><th>{ "line" }</th><th>{ "latest" }</th><th>{ "min" }</th><th>{ "max" }</th></tr></thead>
            <tbody>
                { for c.lines.iter().map(|l| {
                    let (last, min, max) = stats(&l.values);
                    html! {
                        <tr data-line={l.name.clone()} data-last={last.map(|v| v.to_string()).unwrap_or_default()}
                            data-min={min.map(|v| v.to_string()).unwrap_or_default()} data-max={max.map(|v| v.to_string()).unwrap_or_default()}>
                            <td>{ l.name.clone() }</td><td>{ show(last) }</td><td>{ show(min) }</td><td>{ show(max) }</td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}

/// The values of chart `i` in the bucket nearest processing time `t` (µs).
fn values_at(m: &MetricsModel, i: usize, t: f64) -> Option<Vec<String>> {
    let c = m.charts.get(i)?;
    if t < 0.0 || t > m.now as f64 + m.bucket as f64 {
        return None;
    }
    let k = m.times.iter().position(|x| *x as f64 >= t).unwrap_or(m.times.len().checked_sub(1)?);
    let mut lines = vec![format!("{} – {}", fmt_time((k as u64) * m.bucket), fmt_time(m.times[k]))];
    for l in &c.lines {
        lines.push(format!("{}: {}", l.name, l.values.get(k).copied().flatten().map_or_else(|| "no data".to_string(), |v| format!("{} {}", num(v), c.unit))));
    }
    for s in m.faults.iter().filter(|s| s.start as f64 <= t && s.end.is_none_or(|e| (e as f64) > t)) {
        lines.push(format!("▨ {} ({})", fault_words(s), s.label));
    }
    Some(lines)
}

/// Draws one chart; returns its frame (for hover).
fn draw(canvas: &HtmlCanvasElement, c: &Chart, m: &MetricsModel) -> Option<Frame> {
    let (area, dpr) = pc::prepare(canvas)?;
    let (w, h) = area.dim_in_pixel();
    let all: Vec<f64> = c.lines.iter().flat_map(|l| l.values.iter().flatten().copied()).collect();
    let lo = all.iter().copied().fold(0.0f64, f64::min);
    let hi = all.iter().copied().fold(lo + 1.0, f64::max);
    let step = pc::nice_step(hi - lo, 3);
    let (y0, y1) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    let f = Frame {
        left: 64.0 * dpr,
        top: 8.0 * dpr,
        width: (w as f64 - 78.0 * dpr).max(10.0),
        height: (h as f64 - 34.0 * dpr).max(10.0),
        x0: 0.0,
        x1: m.end.max(1) as f64,
        y0,
        y1: if y1 > y0 { y1 } else { y0 + 1.0 },
        dpr,
    };
    let label = pc::font(&f, pc::FONT_PX, pc::INK);
    let (l, r, t, b) = (f.left as i32, f.right(), f.top as i32, f.bottom());

    // Fault periods: shaded, edged, named (stacked in rows when they overlap).
    let mut rows: Vec<f64> = Vec::new();
    for s in &m.faults {
        let end = s.end.unwrap_or(m.now) as f64;
        let (x0, x1) = (f.px(s.start as f64), f.px(end).max(f.px(s.start as f64) + f.s(2.0)));
        let color = fault_color(s.kind);
        let _ = area.draw(&Rectangle::new([(x0, t), (x1, b)], color.mix(0.16).filled()));
        let edge = match s.kind {
            FaultKind::Down => Stroke::solid(color, 1.5),
            FaultKind::Paused => Stroke::dashed(color, 1.5, 6.0, 4.0),
            FaultKind::Network => Stroke::dashed(color, 1.5, 2.0, 3.0),
        };
        pc::polyline(&area, &f, vec![(x0, t), (x0, b)], edge);
        if s.end.is_some() {
            pc::polyline(&area, &f, vec![(x1, t), (x1, b)], edge);
        }
        let row = rows.iter().position(|until| *until <= s.start as f64).unwrap_or(rows.len());
        let text = fault_words(s);
        let tw = pc::text_width(&area, &text, &pc::font(&f, 13.0, pc::INK));
        let until = f.x_of((x0 + tw + f.s(10.0)) as f64);
        if row == rows.len() {
            rows.push(until);
        } else {
            rows[row] = until;
        }
        let ty = t + f.s(2.0) + row as i32 * f.s(16.0);
        if ty + f.s(14.0) < b {
            pc::text(&area, &text, (x0 + f.s(4.0), ty), &pc::font(&f, 13.0, pc::INK), HPos::Left, VPos::Top);
        }
    }

    // Axes.
    for v in pc::ticks_with(f.y0, f.y1, step) {
        let y = f.py(v);
        pc::polyline(&area, &f, vec![(l, y), (r, y)], Stroke::solid(pc::GRID, 1.0));
        pc::text(&area, &num(v), (l - f.s(8.0), y), &label, HPos::Right, VPos::Center);
    }
    let x_ticks = pc::time_ticks(0.0, f.x1 / 1000.0, ((f.width / dpr) / 80.0).max(2.0) as usize);
    for tk in x_ticks {
        let x = f.px(tk * 1000.0);
        pc::polyline(&area, &f, vec![(x, b), (x, b + f.s(5.0))], Stroke::solid(pc::MUTED, 1.5));
        pc::text(&area, &time_label(tk * 1000.0), (x, b + f.s(7.0)), &label, HPos::Center, VPos::Top);
    }
    pc::polyline(&area, &f, vec![(l, t), (l, b), (r, b)], Stroke::solid(pc::INK, 1.5));

    // Lines: one point per bucket (at its end), broken where there is no data.
    for (k, line) in c.lines.iter().enumerate() {
        let stroke = LINES[k % LINES.len()];
        let mut run: Vec<(i32, i32)> = Vec::new();
        let flush = |run: &mut Vec<(i32, i32)>| {
            if run.len() == 1 {
                let _ = area.draw(&Circle::new(run[0], f.s(3.0), stroke.color.filled()));
            } else {
                pc::polyline(&area, &f, std::mem::take(run), stroke);
            }
            run.clear();
        };
        for (i, v) in line.values.iter().enumerate() {
            match (v, m.times.get(i)) {
                (Some(v), Some(x)) => run.push((f.px(*x as f64), f.py(*v))),
                _ => flush(&mut run),
            }
        }
        flush(&mut run);
    }

    // Now.
    let x = f.px(m.now as f64);
    pc::polyline(&area, &f, vec![(x, t), (x, b)], NOW);
    let _ = area.present();
    Some(f)
}

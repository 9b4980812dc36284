//! The event-time view: one event-time × processing-time plot per stream
//! job (the figures of *Streaming Systems*), drawn with plotters on a
//! canvas from `streamlab_core::views::event_time`, side by side when the
//! scenario compares jobs. Records are dots, the watermark is a thick step
//! curve, windows are horizontal bands and every fired pane a ◆ on its
//! window's band at the moment it was emitted. Hovering a dot or a pane
//! shows its key, value and timing. The numbers drawn are also on the
//! canvas as `data-*` attributes and in a visually hidden table (for screen
//! readers and browser tests).

use super::plot_canvas::{self as pc, Frame, Stroke};
use super::ViewProps;
use crate::glossary::tooltip;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use streamlab_core::stream::types::{clock, Timing, MAX_WATERMARK};
use streamlab_core::views::event_time::{CurveKind, DotFate, EventTimeFold, JobPlot, PaneMark};
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// What the pointer is over.
#[derive(Clone, Debug, PartialEq)]
struct Hover {
    job: usize,
    x: i32,
    y: i32,
    lines: Vec<String>,
}

const WM_JOB: Stroke = Stroke::solid(pc::INK, 3.0);
const WM_OP: Stroke = Stroke::solid(pc::MUTED, 1.5);
const WM_SOURCE: Stroke = Stroke::dashed(pc::SKY, 2.5, 7.0, 4.0);
const NOW: Stroke = Stroke::dashed(pc::MUTED, 2.0, 4.0, 3.0);

fn timing_color(t: Option<Timing>) -> RGBColor {
    match t {
        Some(Timing::Early) => pc::SKY,
        Some(Timing::Late) => pc::ORANGE,
        _ => pc::GREEN,
    }
}

fn fate_words(f: DotFate) -> &'static str {
    match f {
        DotFate::OnTime => "on time",
        DotFate::LateAccepted => "late (behind the watermark), but kept",
        DotFate::SideOutput => "late: sent to the side output",
        DotFate::Dropped => "late: dropped",
    }
}

fn wm_words(wm: Option<i64>) -> String {
    match wm {
        None => "none yet".into(),
        Some(MAX_WATERMARK) => "+∞ (end of input)".into(),
        Some(w) => clock(w),
    }
}

/// Processing time `at` (µs) as the scenario's clock reads it.
fn pt(clock0: i64, at: u64) -> String {
    clock(clock0 + (at / 1000) as i64)
}

fn window_words(p: &PaneMark) -> String {
    match p.window {
        Some(w) => format!("[{}, {})", clock(w.start), clock(w.end)),
        None => "global window".into(),
    }
}

fn pane_words(p: &PaneMark) -> String {
    let timing = match (p.timing, p.batch) {
        (Some(t), _) => format!("{t} (pane {})", p.index),
        (None, Some(b)) => format!("micro-batch {b}"),
        (None, None) => String::new(),
    };
    format!("{}{} = {} {timing}", if p.retraction { "retract " } else { "" }, p.key, p.value)
}

#[function_component(EventTimeView)]
pub fn view(props: &ViewProps) -> Html {
    let fold = use_mut_ref(EventTimeFold::default);
    fold.borrow_mut().update(&props.run.world());
    let frames = use_mut_ref(Vec::<Option<Frame>>::new);
    let canvases = use_mut_ref(Vec::<NodeRef>::new);
    let hover = use_state(|| None::<Hover>);
    let resized = pc::use_resize_tick();

    let f = fold.borrow();
    let m = f.model();
    {
        let mut c = canvases.borrow_mut();
        c.resize_with(m.jobs.len(), NodeRef::default);
    }
    {
        let (fold, frames, canvases) = (fold.clone(), frames.clone(), canvases.clone());
        let _ = resized;
        use_effect(move || {
            let f = fold.borrow();
            let m = f.model();
            let mut out = frames.borrow_mut();
            out.clear();
            for (j, plot) in m.jobs.iter().enumerate() {
                let canvas = canvases.borrow().get(j).and_then(|r| r.cast::<HtmlCanvasElement>());
                out.push(canvas.and_then(|c| draw(&c, plot, m.clock, m.now)));
            }
        });
    }

    if m.jobs.is_empty() {
        return html! {
            <div class="et-view">
                <p class="empty et-empty">{ "This scenario has no stream job. The event-time view plots a job's records, watermarks, windows and results: load one of the stream scenarios, e.g. stream/compare/flink-vs-spark.toml or stream/beam/ex-b7-early-late.toml." }</p>
            </div>
        };
    }

    let plots = m.jobs.iter().enumerate().map(|(j, plot)| {
        let node = canvases.borrow().get(j).cloned().unwrap_or_default();
        let onmove = {
            let (fold, frames, hover) = (fold.clone(), frames.clone(), hover.clone());
            Callback::from(move |e: MouseEvent| {
                let (ox, oy) = (e.offset_x(), e.offset_y());
                let found = {
                    let fr = frames.borrow();
                    let f = fold.borrow();
                    let m = f.model();
                    match (fr.get(j).copied().flatten(), m.jobs.get(j)) {
                        (Some(frame), Some(plot)) => nearest(plot, &frame, ox as f64 * frame.dpr, oy as f64 * frame.dpr, m.clock),
                        _ => None,
                    }
                };
                let next = found.map(|lines| Hover { job: j, x: ox, y: oy, lines });
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
        let late = plot.late_accepted + plot.side_output + plot.dropped;
        let wm = plot.watermark.current();
        let wm_attr = match wm {
            None => String::new(),
            Some(MAX_WATERMARK) => "inf".into(),
            Some(w) => w.to_string(),
        };
        let (y_min, y_max) = plot.y_range.map_or((String::new(), String::new()), |(a, b)| (a.to_string(), b.to_string()));
        let label = format!(
            "Event time against processing time for job {}: {} records, {} late, {} panes, watermark {}",
            plot.job,
            plot.dots.len(),
            late,
            plot.panes.len(),
            wm_words(wm)
        );
        let tip = hover.as_ref().filter(|h| h.job == j).map(|h| {
            html! {
                <div class="et-tooltip" role="status" style={format!("left:{}px;top:{}px", h.x + 14, h.y + 14)}>
                    { for h.lines.iter().map(|l| html! { <div>{ l.clone() }</div> }) }
                </div>
            }
        });
        html! {
            <figure class="et-plot" data-job={plot.job.clone()}>
                <figcaption class="et-caption">
                    <strong class="et-job">{ plot.job.clone() }</strong>
                    <span class="et-engine">{ format!("{} · {}", plot.engine, plot.windowing) }</span>
                </figcaption>
                <div class="et-canvas-wrap">
                    <canvas ref={node} id={format!("event-time-canvas-{}", pc::slug(&plot.job))} class="et-canvas" role="img" aria-label={label}
                        data-job={plot.job.clone()} data-engine={plot.engine.clone()}
                        data-points={plot.dots.len().to_string()} data-panes={plot.panes.len().to_string()}
                        data-late={late.to_string()} data-dropped={plot.dropped.to_string()}
                        data-side-output={plot.side_output.to_string()} data-late-accepted={plot.late_accepted.to_string()}
                        data-watermark={wm_attr} data-now={m.now.to_string()} data-x-max={plot.x_max.to_string()}
                        data-y-min={y_min} data-y-max={y_max} data-windows={plot.windows.len().to_string()}
                        onmousemove={onmove} onmouseleave={onleave} />
                    { for tip }
                </div>
                <p class="et-summary">
                    <span>{ format!("{} records", plot.dots.len()) }</span>
                    <span title={tooltip("late data")}>{ format!("{late} late: {} dropped ✕, {} side output ▲, {} kept ○", plot.dropped, plot.side_output, plot.late_accepted) }</span>
                    <span title={tooltip("pane")}>{ format!("{} panes ◆", plot.panes.len()) }</span>
                    <span title={tooltip("watermark")} class="et-wm">{ format!("watermark {}", wm_words(wm)) }</span>
                </p>
                { panes_table(plot, m.clock) }
            </figure>
        }
    });

    html! {
        <div class="et-view">
            <p class="et-intro">
                { "Each dot is an input record: across, when it reached the job (" }
                <abbr title={tooltip("processing time")}>{ "processing time" }</abbr>
                { "); up, when it happened (" }
                <abbr title={tooltip("event time")}>{ "event time" }</abbr>
                { "). A window fires once the " }
                <abbr title={tooltip("watermark")}>{ "watermark" }</abbr>
                { " climbs past its band; records below the watermark when they arrive are late." }
            </p>
            { legend(m.jobs.iter().any(|j| j.curves.iter().any(|c| c.kind == CurveKind::Source))) }
            <div class={classes!("et-plots", (m.jobs.len() > 1).then_some("et-plots-many"))}>
                { for plots }
            </div>
        </div>
    }
}

fn legend(sources: bool) -> Html {
    let swatch = |stroke: Stroke| {
        html! {
            <svg class="et-swatch" width="30" height="12" aria-hidden="true">
                <line x1="1" y1="6" x2="29" y2="6" stroke={pc::css(stroke.color)} stroke-width={stroke.width.to_string()} stroke-dasharray={stroke.dasharray()} />
            </svg>
        }
    };
    let glyph = |g: &'static str, c: RGBColor| html! { <span class="et-glyph" aria-hidden="true" style={format!("color:{}", pc::css(c))}>{ g }</span> };
    html! {
        <ul class="et-legend" aria-label="Legend">
            <li title={tooltip("event time")}>{ glyph("●", pc::BLUE) }{ "record (on time)" }</li>
            <li title={tooltip("late data")}>{ glyph("○", pc::ORANGE) }{ "late record, kept" }</li>
            <li title={tooltip("late data")}>{ glyph("✕", pc::VERMILLION) }{ "late record, dropped" }</li>
            <li title="Late records a Flink job routes to a separate late-data output instead of dropping them.">{ glyph("▲", pc::PURPLE) }{ "late record, side output" }</li>
            <li title={tooltip("ON_TIME")}>{ glyph("◆", pc::GREEN) }{ "pane ON_TIME (or a micro-batch result)" }</li>
            <li title={tooltip("EARLY")}>{ glyph("◆", pc::SKY) }{ "pane EARLY" }</li>
            <li title={tooltip("LATE")}>{ glyph("◆", pc::ORANGE) }{ "pane LATE" }</li>
            <li title={tooltip("watermark")}>{ swatch(WM_JOB) }{ "watermark of the job" }</li>
            if sources {
                <li title={tooltip("watermark")}>{ swatch(WM_SOURCE) }{ "source watermark" }</li>
            }
            <li title={tooltip("window")}><span class="et-band" aria-hidden="true"></span>{ "window (event-time band)" }</li>
            <li>{ swatch(NOW) }{ "now" }</li>
        </ul>
    }
}

fn panes_table(plot: &JobPlot, clock0: i64) -> Html {
    const MAX_ROWS: usize = 500;
    html! {
        <table class="et-sr-only" data-job={plot.job.clone()}>
            <caption>{ format!("Panes of {} ({} shown of {})", plot.job, plot.panes.len().min(MAX_ROWS), plot.panes.len()) }</caption>
            <thead><tr><th>{ "emitted" }</th><th>{ "window" }</th><th>{ "key" }</th><th>{ "value" }</th><th>{ "timing" }</th></tr></thead>
            <tbody>
                { for plot.panes.iter().take(MAX_ROWS).map(|p| html! {
                    <tr class="et-pane-row" data-at={p.at.to_string()} data-timing={p.timing.map(|t| t.to_string()).unwrap_or_default()}>
                        <td>{ pt(clock0, p.at) }</td>
                        <td>{ window_words(p) }</td>
                        <td>{ p.key.clone() }</td>
                        <td>{ p.value.clone() }</td>
                        <td>{ p.timing.map(|t| t.to_string()).or(p.batch.map(|b| format!("batch {b}"))).unwrap_or_default() }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

/// What is under the pointer (canvas pixels), as lines of text.
fn nearest(plot: &JobPlot, f: &Frame, px: f64, py: f64, clock0: i64) -> Option<Vec<String>> {
    let reach = 10.0 * f.dpr;
    let d2 = |x: i32, y: i32| (x as f64 - px).powi(2) + (y as f64 - py).powi(2);
    let pane_y = |p: &PaneMark| f.clamp_y(p.y().map_or(f.y1, |y| y as f64));
    let hits: Vec<&PaneMark> = plot.panes.iter().filter(|p| d2(f.px(p.at as f64), f.py(pane_y(p))) <= reach * reach).collect();
    if !hits.is_empty() {
        let mut lines = vec![format!("pane ◆ {} · emitted {}", window_words(hits[0]), pt(clock0, hits[0].at))];
        lines.extend(hits.iter().take(8).map(|p| pane_words(p)));
        if hits.len() > 8 {
            lines.push(format!("… and {} more", hits.len() - 8));
        }
        return Some(lines);
    }
    let best = plot
        .dots
        .iter()
        .map(|d| (d2(f.px(d.at as f64), f.py(d.ts as f64)), d))
        .filter(|(dist, _)| *dist <= reach * reach)
        .min_by(|a, b| a.0.total_cmp(&b.0))?;
    let d = best.1;
    let mut lines =
        vec![format!("record {} = {}", d.key, d.value), format!("event time {} · arrived {}", clock(d.ts), pt(clock0, d.at)), fate_words(d.fate).to_string()];
    if let Some(w) = d.late_for {
        lines.push(format!("too late for window [{}, {})", clock(w.start), clock(w.end)));
    }
    Some(lines)
}

/// Draws one job's plot; returns the frame (for hover).
fn draw(canvas: &HtmlCanvasElement, plot: &JobPlot, clock0: i64, now: u64) -> Option<Frame> {
    let (area, dpr) = pc::prepare(canvas)?;
    let (w, h) = area.dim_in_pixel();
    let (y0, y1) = plot.y_range.map_or((0.0, 1000.0), |(a, b)| (a as f64, b as f64));
    let f = Frame {
        left: 84.0 * dpr,
        top: 30.0 * dpr,
        width: (w as f64 - 100.0 * dpr).max(10.0),
        height: (h as f64 - 80.0 * dpr).max(10.0),
        x0: 0.0,
        x1: plot.x_max.max(1) as f64,
        y0,
        y1,
        dpr,
    };
    let label = pc::font(&f, pc::FONT_PX, pc::INK);
    let small = pc::font(&f, 13.0, pc::MUTED);
    let (l, r, t, b) = (f.left as i32, f.right(), f.top as i32, f.bottom());

    // Window bands, alternating shades, with their boundaries.
    let sliding = plot.windowing.starts_with("sliding");
    for (i, win) in plot.windows.iter().enumerate() {
        let (ws, we) = (f.clamp_y(win.start as f64), f.clamp_y(win.end as f64));
        if we <= ws {
            continue;
        }
        if !sliding && i % 2 == 0 {
            let _ = area.draw(&Rectangle::new([(l, f.py(we)), (r, f.py(ws))], pc::BAND.filled()));
        }
        for edge in [win.start, win.end] {
            let y = edge as f64;
            if y >= f.y0 && y <= f.y1 {
                pc::polyline(&area, &f, vec![(l, f.py(y)), (r, f.py(y))], Stroke::solid(pc::GRID, 1.0));
            }
        }
    }

    // Axes and ticks (clock times).
    let x_ticks = pc::time_ticks(clock0 as f64, clock0 as f64 + f.x1 / 1000.0, ((f.width / dpr) / 95.0).max(2.0) as usize);
    for tk in &x_ticks {
        let x = f.px((tk - clock0 as f64) * 1000.0);
        pc::polyline(&area, &f, vec![(x, t), (x, b)], Stroke::solid(pc::GRID, 1.0));
        pc::text(&area, &clock(*tk as i64), (x, b + f.s(6.0)), &label, HPos::Center, VPos::Top);
    }
    let edges: std::collections::BTreeSet<i64> =
        plot.windows.iter().flat_map(|w| [w.start, w.end]).filter(|y| *y as f64 >= f.y0 && *y as f64 <= f.y1).collect();
    let windows_in_view: Vec<f64> = edges.into_iter().map(|y| y as f64).collect();
    let max_y_ticks = ((f.height / dpr) / 34.0).max(2.0) as usize;
    let y_ticks = if !sliding && !windows_in_view.is_empty() && windows_in_view.len() <= max_y_ticks + 1 {
        windows_in_view
    } else {
        pc::time_ticks(f.y0, f.y1, max_y_ticks)
    };
    for tk in &y_ticks {
        let y = f.py(*tk);
        pc::polyline(&area, &f, vec![(l - f.s(5.0), y), (l, y)], Stroke::solid(pc::MUTED, 1.5));
        pc::text(&area, &clock(*tk as i64), (l - f.s(8.0), y), &label, HPos::Right, VPos::Center);
    }
    pc::polyline(&area, &f, vec![(l, t), (l, b), (r, b)], Stroke::solid(pc::INK, 1.5));
    pc::text(&area, "processing time →", ((l + r) / 2, b + f.s(28.0)), &small, HPos::Center, VPos::Top);
    pc::text(&area, "event time ↑", (f.s(6.0), f.s(8.0)), &small, HPos::Left, VPos::Top);

    // Spark micro-batches: a tick at each batch's start on the time axis.
    for batch in &plot.batches {
        let x = f.px(batch.start as f64);
        if x >= l && x <= r {
            pc::polyline(&area, &f, vec![(x, b), (x, b - f.s(9.0))], Stroke::solid(pc::PURPLE, 2.0));
        }
    }

    // Watermark curves: sources dashed, operators thin (when there are
    // several), the job's thick on top.
    let end_x = (now as f64).min(f.x1);
    let ops = plot.curves.iter().filter(|c| c.kind == CurveKind::Operator).count();
    for c in &plot.curves {
        let stroke = match c.kind {
            CurveKind::Source => WM_SOURCE,
            CurveKind::Operator if ops > 1 => WM_OP,
            _ => continue,
        };
        pc::polyline(&area, &f, step_path(&f, &c.steps, end_x), stroke);
    }
    let wm_path = step_path(&f, &plot.watermark.steps, end_x);
    pc::polyline(&area, &f, wm_path.clone(), WM_JOB);
    if let Some(&(x, y)) = wm_path.last() {
        let text = format!("watermark {}", wm_words(plot.watermark.current()));
        let wdt = pc::text_width(&area, &text, &label);
        let (anchor, dx) = if x + wdt + f.s(8.0) > r { (HPos::Right, -f.s(6.0)) } else { (HPos::Left, f.s(6.0)) };
        pc::text(&area, &text, (x + dx, (y - f.s(4.0)).max(t + f.s(8.0))), &label, anchor, VPos::Bottom);
    }

    // Records.
    let rad = f.s(4.5);
    for d in &plot.dots {
        let (x, y) = (f.px(d.at as f64), f.py(d.ts as f64));
        if x < l || x > r || y < t || y > b {
            continue;
        }
        match d.fate {
            DotFate::OnTime => {
                let _ = area.draw(&Circle::new((x, y), rad, pc::BLUE.filled()));
            }
            DotFate::LateAccepted => {
                let _ = area.draw(&Circle::new((x, y), f.s(6.0), ShapeStyle { color: pc::ORANGE.to_rgba(), filled: false, stroke_width: f.s(2.5) as u32 }));
            }
            DotFate::Dropped => {
                let _ = area.draw(&Cross::new((x, y), f.s(6.0), ShapeStyle { color: pc::VERMILLION.to_rgba(), filled: false, stroke_width: f.s(3.0) as u32 }));
            }
            DotFate::SideOutput => {
                let _ = area.draw(&TriangleMarker::new((x, y), f.s(7.5), pc::PURPLE.filled()));
            }
        }
    }

    // Panes: a diamond on the window's band at the emit time, labelled with
    // the values of every key that fired there and the timing.
    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
    let mut i = 0;
    while i < plot.panes.len() {
        let first = &plot.panes[i];
        let mut k = i + 1;
        while k < plot.panes.len() && plot.panes[k].at == first.at && plot.panes[k].window == first.window && plot.panes[k].timing == first.timing {
            k += 1;
        }
        let group = &plot.panes[i..k];
        i = k;
        let x = f.px(first.at as f64);
        if x < l || x > r {
            continue;
        }
        let y = f.py(f.clamp_y(first.y().map_or(f.y1, |v| v as f64)));
        let s = f.s(7.0);
        let diamond = vec![(x, y - s), (x + s, y), (x, y + s), (x - s, y)];
        let _ = area.draw(&Polygon::new(diamond.clone(), timing_color(first.timing).filled()));
        let mut outline = diamond;
        outline.push((x, y - s));
        pc::polyline(&area, &f, outline, Stroke::solid(pc::INK, 1.2));
        let values: Vec<String> = group.iter().take(3).map(|p| format!("{}{} {}", if p.retraction { "−" } else { "" }, p.key, p.value)).collect();
        let more = if group.len() > 3 { format!(" +{}", group.len() - 3) } else { String::new() };
        let timing = match (first.timing, first.batch) {
            (Some(tm), _) => tm.to_string(),
            (None, Some(bt)) => format!("batch {bt}"),
            _ => String::new(),
        };
        let text = format!("{}{more} {timing}", values.join(", "));
        let wdt = pc::text_width(&area, &text, &small);
        let hgt = f.s(15.0);
        let (mut tx, anchor) = (x + s + f.s(3.0), HPos::Left);
        if tx + wdt > r {
            tx = x - s - f.s(3.0) - wdt;
        }
        let ty = y - s - hgt;
        let rect = (tx, ty, tx + wdt, ty + hgt);
        let overlaps = placed.iter().any(|p| rect.0 < p.2 && p.0 < rect.2 && rect.1 < p.3 && p.1 < rect.3);
        if !overlaps && ty >= 0 {
            placed.push(rect);
            let _ = area.draw(&Rectangle::new([(rect.0 - 2, rect.1), (rect.2 + 2, rect.3)], WHITE.mix(0.85).filled()));
            pc::text(&area, &text, (tx, ty), &pc::font(&f, 13.0, pc::INK), anchor, VPos::Top);
        }
    }

    // Now.
    if (now as f64) <= f.x1 {
        let x = f.px(now as f64);
        pc::polyline(&area, &f, vec![(x, t), (x, b)], NOW);
        let text = format!("now {}", pt(clock0, now));
        let wdt = pc::text_width(&area, &text, &label);
        let (anchor, dx) = if x + wdt + f.s(6.0) > r { (HPos::Right, -f.s(4.0)) } else { (HPos::Left, f.s(4.0)) };
        pc::text(&area, &text, (x + dx, t - f.s(4.0)), &label, anchor, VPos::Bottom);
    }
    let _ = area.present();
    Some(f)
}

/// A watermark's step curve in canvas pixels, up to processing time
/// `end_x`: each value holds until the next move. `+∞` and values below
/// the axis are drawn at the plot's edge.
fn step_path(f: &Frame, steps: &[streamlab_core::views::event_time::WmStep], end_x: f64) -> Vec<(i32, i32)> {
    let mut pts = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let x = s.at as f64;
        if x > end_x {
            break;
        }
        let y = if s.wm == MAX_WATERMARK { f.y1 } else { f.clamp_y(s.wm as f64) };
        let (px, py) = (f.px(f.clamp_x(x)), f.py(y));
        if let Some(&(_, last_y)) = pts.last() {
            pts.push((px, last_y));
        }
        pts.push((px, py));
        let next = steps.get(i + 1).map_or(end_x, |n| (n.at as f64).min(end_x));
        pts.push((f.px(f.clamp_x(next)), py));
    }
    pts.dedup();
    pts
}

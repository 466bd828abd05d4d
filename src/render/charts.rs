//! Small charts with plotters on a canvas: scree, a models × models heatmap, a histogram and a
//! metric-versus-anchor-count curve. Each takes plain numbers and the canvas to draw on; the
//! canvas's backing store is sized to its CSS box × devicePixelRatio first, so text stays sharp.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

use crate::state::colors::viridis;

const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);

/// Size the backing store to the CSS box × dpr; returns the dpr (the scale for fonts and lines).
fn prepare(canvas: &HtmlCanvasElement) -> f64 {
    let dpr = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    let (w, h) = (canvas.client_width().max(1), canvas.client_height().max(1));
    canvas.set_width((f64::from(w) * dpr).round() as u32);
    canvas.set_height((f64::from(h) * dpr).round() as u32);
    dpr
}

type Area = DrawingArea<CanvasBackend, plotters::coord::Shift>;

/// A white drawing area over the whole canvas, and the scale (dpr) for fonts and lines.
fn blank(canvas: &HtmlCanvasElement) -> Result<(Area, f64), String> {
    let s = prepare(canvas);
    let root = CanvasBackend::with_canvas_object(canvas.clone())
        .ok_or("no canvas")?
        .into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    Ok((root, s))
}

fn font(size: f64, s: f64) -> TextStyle<'static> {
    ("sans-serif", size * s).into_font().into()
}

fn err<E: std::fmt::Display>(e: E) -> String {
    format!("chart: {e}")
}

/// Explained-variance ratio per component (bars) and its running total (line).
pub fn scree(canvas: &HtmlCanvasElement, ratios: &[f64]) -> Result<(), String> {
    let (root, s) = blank(canvas)?;
    let k = ratios.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .margin(8.0 * s)
        .caption("Explained variance", font(13.0, s))
        .x_label_area_size(34.0 * s)
        .y_label_area_size(44.0 * s)
        .build_cartesian_2d(0.5f64..k as f64 + 0.5, 0f64..1.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(k.min(10))
        .x_label_formatter(&|v| format!("{}", v.round() as i64))
        .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
        .x_desc("component")
        .y_desc("share of variance")
        .label_style(font(11.0, s))
        .axis_desc_style(font(11.0, s))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(ratios.iter().enumerate().map(|(i, &r)| {
            let x = i as f64 + 1.0;
            Rectangle::new([(x - 0.35, 0.0), (x + 0.35, r)], BLUE.filled())
        }))
        .map_err(err)?;
    let cumulative: Vec<(f64, f64)> = ratios
        .iter()
        .scan(0.0, |acc, &r| {
            *acc += r;
            Some(*acc)
        })
        .enumerate()
        .map(|(i, c)| (i as f64 + 1.0, c.min(1.0)))
        .collect();
    chart
        .draw_series(LineSeries::new(
            cumulative.clone(),
            ORANGE.stroke_width((2.0 * s) as u32),
        ))
        .map_err(err)?;
    chart
        .draw_series(
            cumulative
                .iter()
                .map(|&p| Circle::new(p, (3.0 * s) as i32, ORANGE.filled())),
        )
        .map_err(err)?;
    root.present().map_err(err)
}

/// A k × k matrix of values in [0, 1] (row-major), each cell coloured and labelled.
pub fn heatmap(
    canvas: &HtmlCanvasElement,
    names: &[String],
    values: &[f64],
    title: &str,
) -> Result<(), String> {
    let (root, s) = blank(canvas)?;
    let k = names.len();
    if k == 0 || values.len() != k * k {
        return root.present().map_err(err);
    }
    let short = |i: usize| {
        let n = &names[i];
        let max = if k > 2 { 10 } else { 16 };
        if n.chars().count() > max {
            format!("{}…", n.chars().take(max - 1).collect::<String>())
        } else {
            n.clone()
        }
    };
    let mut chart = ChartBuilder::on(&root)
        .margin(8.0 * s)
        .caption(title, font(13.0, s))
        .x_label_area_size(30.0 * s)
        .y_label_area_size(100.0 * s)
        .build_cartesian_2d((0..k).into_segmented(), (0..k).into_segmented())
        .map_err(err)?;
    // Row i is drawn at y = k − 1 − i, so the first space reads at the top as in a table.
    let x_label = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(i) if *i < k => short(*i),
        _ => String::new(),
    };
    let y_label = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(j) if *j < k => short(k - 1 - *j),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(k)
        .y_labels(k)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style(font(10.0, s))
        .draw()
        .map_err(err)?;
    for i in 0..k {
        for j in 0..k {
            let v = values[i * k + j];
            let [r, g, b] = viridis(v);
            let cell = [
                (SegmentValue::Exact(j), SegmentValue::Exact(k - 1 - i)),
                (SegmentValue::Exact(j + 1), SegmentValue::Exact(k - i)),
            ];
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    cell,
                    RGBColor(r, g, b).filled(),
                )))
                .map_err(err)?;
            let ink = if v > 0.6 { BLACK } else { WHITE };
            let style = font(12.0, s)
                .color(&ink)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                ));
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{v:.2}"),
                    (SegmentValue::CenterOf(j), SegmentValue::CenterOf(k - 1 - i)),
                    style,
                )))
                .map_err(err)?;
        }
    }
    root.present().map_err(err)
}

/// Counts of values in [0, 1] over `bins` equal bins.
pub fn histogram(
    canvas: &HtmlCanvasElement,
    values: &[f64],
    bins: usize,
    x_desc: &str,
) -> Result<(), String> {
    let (root, s) = blank(canvas)?;
    let bins = bins.max(1);
    let mut counts = vec![0usize; bins];
    for &v in values.iter().filter(|v| v.is_finite()) {
        counts[((v.clamp(0.0, 1.0) * bins as f64) as usize).min(bins - 1)] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.1;
    let mut chart = ChartBuilder::on(&root)
        .margin(8.0 * s)
        .caption("Per-item agreement", font(13.0, s))
        .x_label_area_size(34.0 * s)
        .y_label_area_size(44.0 * s)
        .build_cartesian_2d(0f64..1.0, 0f64..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc(x_desc)
        .y_desc("items")
        .label_style(font(11.0, s))
        .axis_desc_style(font(11.0, s))
        .draw()
        .map_err(err)?;
    let w = 1.0 / bins as f64;
    chart
        .draw_series(counts.iter().enumerate().map(|(i, &c)| {
            let x = i as f64 * w;
            Rectangle::new(
                [(x + w * 0.05, 0.0), (x + w * 0.95, c as f64)],
                BLUE.filled(),
            )
        }))
        .map_err(err)?;
    root.present().map_err(err)
}

/// Metric values (in [0, 1]) against the number of anchors (log axis), one line per series.
pub fn anchor_curve(
    canvas: &HtmlCanvasElement,
    anchors: &[usize],
    series: &[(&str, &[f64])],
) -> Result<(), String> {
    let (root, s) = blank(canvas)?;
    let lo = anchors.iter().copied().min().unwrap_or(1).max(1) as f64;
    let hi = (anchors.iter().copied().max().unwrap_or(10) as f64).max(lo * 2.0);
    let mut chart = ChartBuilder::on(&root)
        .margin(8.0 * s)
        .caption("Relative retrieval vs anchors", font(13.0, s))
        .x_label_area_size(34.0 * s)
        .y_label_area_size(44.0 * s)
        .build_cartesian_2d((lo * 0.9..hi * 1.1).log_scale(), 0f64..1.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("anchors")
        .y_desc("score")
        .x_labels(6)
        .x_label_formatter(&|v| format!("{}", v.round() as i64))
        .label_style(font(11.0, s))
        .axis_desc_style(font(11.0, s))
        .draw()
        .map_err(err)?;
    for (k, (name, ys)) in series.iter().enumerate() {
        let color = if k == 0 { BLUE } else { ORANGE };
        let points: Vec<(f64, f64)> = anchors
            .iter()
            .map(|&a| a as f64)
            .zip(ys.iter().copied())
            .collect();
        chart
            .draw_series(LineSeries::new(
                points.clone(),
                color.stroke_width((2.0 * s) as u32),
            ))
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3))
            });
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&p| Circle::new(p, (3.0 * s) as i32, color.filled())),
            )
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .label_font(font(11.0, s))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

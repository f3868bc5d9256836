//! The report's charts, drawn by plotters' SVG backend into strings that
//! are inlined in the page: the ranking with its grade bands, the heat map
//! of units by indicators, and each unit's composite across periods.
//!
//! Scores are exact decimals everywhere else; here, and only here, they are
//! turned into `f64` to place shapes. Text is drawn in the family
//! `sans-serif`; the page's style sheet gives SVG text its CJK font stack.

use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::RangedCoordi32;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Why a chart could not be drawn (plotters' error, as text).
#[derive(Debug)]
pub struct ChartError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError(e.to_string())
    }
}

type Result<T> = std::result::Result<T, ChartError>;

/// The width every chart is drawn at (pixels; the page scales it).
pub const WIDTH: u32 = 760;

const FONT: &str = "sans-serif";
const INK: RGBColor = RGBColor(0x1f, 0x29, 0x37);
const MUTED: RGBColor = RGBColor(0x6b, 0x72, 0x80);
const RULE: RGBColor = RGBColor(0xd1, 0xd5, 0xdb);

/// A grade band as the charts draw it.
#[derive(Debug, Clone)]
pub struct Band {
    /// Its label.
    pub label: String,
    /// Its lowest composite.
    pub min: f64,
    /// Its colour.
    pub color: RGBColor,
}

/// One bar of the ranking.
#[derive(Debug, Clone)]
pub struct Bar {
    /// The unit's label (rank and name).
    pub label: String,
    /// The composite.
    pub score: f64,
    /// The text at the bar's end.
    pub shown: String,
    /// The grade's colour.
    pub color: RGBColor,
}

/// A light tint of a colour (for the band backgrounds).
pub fn tint(c: RGBColor, amount: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * amount).round().clamp(0.0, 255.0) as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// The colour of a cell whose score is `ratio` of its weight: red at 0,
/// amber at a half, yellow at three quarters, green at full marks, deeper
/// green above (a completion rate may pay up to 120 %).
pub fn heat(ratio: f64) -> RGBColor {
    const STOPS: [(f64, (f64, f64, f64)); 6] = [
        (0.0, (180.0, 35.0, 24.0)),
        (0.5, (239.0, 138.0, 60.0)),
        (0.75, (246.0, 214.0, 107.0)),
        (0.9, (134.0, 197.0, 118.0)),
        (1.0, (46.0, 139.0, 87.0)),
        (1.2, (20.0, 92.0, 55.0)),
    ];
    let r = ratio.clamp(0.0, 1.2);
    let mut color = STOPS[0].1;
    for pair in STOPS.windows(2) {
        let ((a, ca), (b, cb)) = (pair[0], pair[1]);
        if r >= a && r <= b {
            let t = if b > a { (r - a) / (b - a) } else { 0.0 };
            color = (ca.0 + (cb.0 - ca.0) * t, ca.1 + (cb.1 - ca.1) * t, ca.2 + (cb.2 - ca.2) * t);
            break;
        }
    }
    RGBColor(color.0.round() as u8, color.1.round() as u8, color.2.round() as u8)
}

/// Black or white, whichever reads on `c`.
fn ink_on(c: RGBColor) -> RGBColor {
    let l = 0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2);
    if l > 150.0 { INK } else { WHITE }
}

/// About how wide `text` is drawn at `size` pixels (CJK characters are
/// square, others about 0.56 of the size): for placing labels only.
fn text_width(text: &str, size: u32) -> i32 {
    let size = f64::from(size);
    let w: f64 = text.chars().map(|c| if c >= '\u{2e80}' { size } else { size * 0.56 }).sum();
    w.round() as i32
}

fn style(size: u32, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    (FONT, size).into_font().color(&color).pos(Pos::new(h, v))
}

/// The x range of composites: 0 (or below, after penalties) to at least 100.
fn score_range(scores: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = scores.fold((0.0_f64, 100.0_f64), |(lo, hi), s| (lo.min(s), hi.max(s)));
    ((lo / 10.0).floor() * 10.0, (hi / 10.0).ceil() * 10.0)
}

/// The discrete range of `n` rows or columns for a segmented axis.
/// plotters' integer ranges include their end (`0..n` has `n + 1` values,
/// hence `n + 1` segments), so `n` slots are `0..n - 1`; a range of one
/// value is mapped to a fixed point, so a single slot gets two (the second
/// stays empty). `SegmentValue::Last` is the far edge of the plot.
fn slots(n: usize) -> SegmentedCoord<RangedCoordi32> {
    let n = i32::try_from(n).unwrap_or(i32::MAX).max(1);
    (0..(n - 1).max(1)).into_segmented()
}

/// Makes the SVG scale to its container.
fn responsive(svg: String, title: &str) -> String {
    let escaped = title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let svg = svg.replacen("<svg ", "<svg role=\"img\" preserveAspectRatio=\"xMidYMid meet\" ", 1);
    match svg.find('>') {
        Some(end) => format!("{}><title>{escaped}</title>{}", &svg[..end], &svg[end + 1..]),
        None => svg,
    }
}

/// The ranked composites as horizontal bars over the grade bands (highest
/// band first in `bands`), the threshold of each band marked and named.
pub fn ranking(bars: &[Bar], bands: &[Band], axis: &str, title: &str) -> Result<String> {
    let n = bars.len().max(1);
    let row = 24u32;
    let (top, bottom) = (40u32, 40u32);
    let height = top + bottom + row * n as u32;
    let (x_min, x_max) = score_range(bars.iter().map(|b| b.score));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let labels: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .margin_top(top)
            .margin_right(56)
            .margin_left(6)
            .x_label_area_size(bottom - 6)
            .y_label_area_size(200)
            .build_cartesian_2d(x_min..x_max, slots(n))?;
        let (y0, y1) = (SegmentValue::Exact(0), SegmentValue::Last);
        // The bands behind everything.
        for (i, b) in bands.iter().enumerate() {
            let lo = if i + 1 == bands.len() { x_min } else { b.min.max(x_min) };
            let hi = if i == 0 { x_max } else { bands[i - 1].min.min(x_max) };
            if hi > lo {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(lo, y0.clone()), (hi, y1.clone())],
                    tint(b.color, 0.86).filled(),
                )))?;
            }
        }
        let label_of = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => {
                usize::try_from(n as i32 - 1 - *i).ok().and_then(|k| labels.get(k)).cloned().unwrap_or_default()
            }
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(RULE.mix(0.8))
            .axis_style(MUTED)
            .x_labels(12)
            .y_labels(n)
            .y_label_formatter(&label_of)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_label_style((FONT, 12).into_font().color(&MUTED))
            .y_label_style((FONT, 13).into_font().color(&INK))
            .x_desc(axis)
            .axis_desc_style((FONT, 12).into_font().color(&MUTED))
            .draw()?;
        for (i, b) in bars.iter().enumerate() {
            let y = n as i32 - 1 - i as i32;
            let mut bar = Rectangle::new(
                [(0.0, SegmentValue::Exact(y)), (b.score, SegmentValue::Exact(y + 1))],
                b.color.filled(),
            );
            bar.set_margin(5, 5, 0, 0);
            chart.draw_series(std::iter::once(bar))?;
            chart.draw_series(std::iter::once(Text::new(
                b.shown.clone(),
                (b.score.max(0.0), SegmentValue::CenterOf(y)),
                style(12, INK, HPos::Left, VPos::Center),
            )))?;
        }
        // Each threshold: a dashed rule and the band's name above the plot.
        let mut taken: [Vec<(i32, i32)>; 2] = [Vec::new(), Vec::new()];
        for (i, b) in bands.iter().enumerate() {
            let edge = if i + 1 == bands.len() { x_min.max(b.min) } else { b.min };
            if b.min > x_min && b.min < x_max {
                chart.draw_series(DashedLineSeries::new(
                    [(b.min, y0.clone()), (b.min, y1.clone())],
                    4,
                    3,
                    b.color.stroke_width(1),
                ))?;
            }
            let hi = if i == 0 { x_max } else { bands[i - 1].min.min(x_max) };
            let (left, yy) = chart.backend_coord(&(edge.max(x_min), y1.clone()));
            let (right, _) = chart.backend_coord(&(hi, y1.clone()));
            if right > left {
                // Centred over its band, inside the picture, and one line
                // higher where it would run into a neighbour's name.
                let w = text_width(&b.label, 12);
                let centre = ((left + right) / 2).clamp(w / 2 + 2, WIDTH as i32 - w / 2 - 2);
                let span = (centre - w / 2 - 4, centre + w / 2 + 4);
                let line = (0..taken.len())
                    .find(|&l| taken[l].iter().all(|t: &(i32, i32)| span.1 <= t.0 || span.0 >= t.1))
                    .unwrap_or(0);
                taken[line].push(span);
                root.draw(&Text::new(
                    b.label.clone(),
                    (centre, yy - 6 - 15 * line as i32),
                    style(12, b.color, HPos::Center, VPos::Bottom),
                ))?;
            }
        }
        root.present()?;
    }
    Ok(responsive(svg, title))
}

/// A heat map: one row per unit, one column per indicator.
#[derive(Debug, Clone)]
pub struct Heat {
    /// The rows' labels (units, in rank order).
    pub rows: Vec<String>,
    /// The columns' labels (indicator ids).
    pub cols: Vec<String>,
    /// Groups of columns (category, first, last), drawn above the columns.
    pub groups: Vec<(String, usize, usize)>,
    /// Per row, per column: the score as a share of the weight and the text
    /// in the cell; `None` where there is no value.
    pub cells: Vec<Vec<Option<(f64, String)>>>,
    /// The legend's words: "share of the weight" and "no value".
    pub legend: (String, String),
}

/// The heat map of units by indicators.
pub fn heat_map(h: &Heat, title: &str) -> Result<String> {
    let (rows, cols) = (h.rows.len().max(1), h.cols.len().max(1));
    let cell_h = 22u32;
    let (top, bottom) = (40u32, 58u32);
    let height = top + bottom + cell_h * rows as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin_top(top)
            .margin_right(8)
            .margin_left(6)
            .margin_bottom(30)
            .x_label_area_size(bottom - 30)
            .y_label_area_size(178)
            .build_cartesian_2d(slots(cols), slots(rows))?;
        let col_of = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => {
                usize::try_from(*i).ok().and_then(|k| h.cols.get(k)).cloned().unwrap_or_default()
            }
            _ => String::new(),
        };
        let row_of = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => {
                usize::try_from(rows as i32 - 1 - *i).ok().and_then(|k| h.rows.get(k)).cloned().unwrap_or_default()
            }
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .axis_style(TRANSPARENT)
            .x_labels(cols)
            .y_labels(rows)
            .x_label_formatter(&col_of)
            .y_label_formatter(&row_of)
            .x_label_style((FONT, 12).into_font().color(&INK))
            .y_label_style((FONT, 12).into_font().color(&INK))
            .draw()?;
        for (r, line) in h.cells.iter().enumerate() {
            let y = rows as i32 - 1 - r as i32;
            for (c, cell) in line.iter().enumerate() {
                let x = c as i32;
                let fill = cell.as_ref().map_or(RGBColor(0xe5, 0xe7, 0xeb), |(ratio, _)| heat(*ratio));
                let mut rect = Rectangle::new(
                    [
                        (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                        (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                    ],
                    fill.filled(),
                );
                rect.set_margin(1, 1, 1, 1);
                chart.draw_series(std::iter::once(rect))?;
                let text = cell.as_ref().map_or_else(|| "—".to_owned(), |(_, t)| t.clone());
                chart.draw_series(std::iter::once(Text::new(
                    text,
                    (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                    style(10, if cell.is_some() { ink_on(fill) } else { MUTED }, HPos::Center, VPos::Center),
                )))?;
            }
        }
        // The categories above their columns, with a rule under each name.
        for (name, first, last) in &h.groups {
            let y = SegmentValue::Exact(rows as i32);
            let (l, yy) = chart.backend_coord(&(SegmentValue::Exact(*first as i32), y.clone()));
            let (r, _) = chart.backend_coord(&(SegmentValue::Exact(*last as i32 + 1), y));
            root.draw(&PathElement::new(vec![(l + 3, yy - 6), (r - 3, yy - 6)], MUTED.stroke_width(1)))?;
            root.draw(&Text::new(name.clone(), ((l + r) / 2, yy - 10), style(12, INK, HPos::Center, VPos::Bottom)))?;
        }
        // The colour scale, bottom right.
        let steps = [0.0, 0.25, 0.5, 0.75, 0.9, 1.0, 1.2];
        let (w, x0, y0) = (34i32, WIDTH as i32 - 8 - 34 * steps.len() as i32, height as i32 - 24);
        root.draw(&Text::new(h.legend.0.clone(), (x0 - 8, y0 + 7), style(11, MUTED, HPos::Right, VPos::Center)))?;
        for (i, s) in steps.iter().enumerate() {
            let x = x0 + w * i as i32;
            root.draw(&Rectangle::new([(x, y0), (x + w - 2, y0 + 14)], heat(*s).filled()))?;
            root.draw(&Text::new(
                format!("{:.0}%", s * 100.0),
                (x + w / 2 - 1, y0 + 7),
                style(9, ink_on(heat(*s)), HPos::Center, VPos::Center),
            ))?;
        }
        let gx = 8;
        root.draw(&Rectangle::new([(gx, y0), (gx + 28, y0 + 14)], RGBColor(0xe5, 0xe7, 0xeb).filled()))?;
        root.draw(&Text::new("—", (gx + 14, y0 + 7), style(10, MUTED, HPos::Center, VPos::Center)))?;
        root.draw(&Text::new(h.legend.1.clone(), (gx + 34, y0 + 7), style(11, MUTED, HPos::Left, VPos::Center)))?;
        root.present()?;
    }
    Ok(responsive(svg, title))
}

/// One unit's composites across periods.
#[derive(Debug, Clone)]
pub struct Series {
    /// The unit's label.
    pub label: String,
    /// Per period: the composite and the grade's colour; `None` where the
    /// unit was not assessed.
    pub points: Vec<Option<(f64, RGBColor)>>,
    /// The latest composite as recorded (exact), shown by the unit's name.
    pub latest: String,
}

/// Small multiples: one panel per unit, its composite across periods over
/// the grade bands, on one scale for all.
pub fn trend(periods: &[String], series: &[Series], bands: &[Band], title: &str) -> Result<String> {
    let cols = 5usize;
    let rows = series.len().div_ceil(cols).max(1);
    let (panel_h, gap) = (132u32, 4u32);
    let height = rows as u32 * panel_h + gap;
    let n = periods.len().max(1) as i32;
    let scores = series.iter().flat_map(|s| s.points.iter().flatten().map(|p| p.0));
    let (lo, hi) = scores.fold((f64::MAX, f64::MIN), |(lo, hi), s| (lo.min(s), hi.max(s)));
    let (y_min, y_max) =
        if lo > hi { (0.0, 100.0) } else { (((lo - 5.0) / 10.0).floor() * 10.0, ((hi + 5.0) / 10.0).ceil() * 10.0) };
    let short = |p: &str| if periods.len() > 4 && p.len() == 4 { format!("'{}", &p[2..]) } else { p.to_owned() };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let panels = root.margin(gap, 0, 0, 0).split_evenly((rows, cols));
        for (s, area) in series.iter().zip(panels.iter()) {
            // The caption names the unit and its latest composite.
            let caption = if s.latest.is_empty() { s.label.clone() } else { format!("{}  {}", s.label, s.latest) };
            let mut chart = ChartBuilder::on(area)
                .caption(&caption, (FONT, 13).into_font().color(&INK))
                .margin(6)
                .x_label_area_size(18)
                .y_label_area_size(26)
                .build_cartesian_2d(slots(periods.len()), y_min..y_max)?;
            for (i, b) in bands.iter().enumerate() {
                let lo = if i + 1 == bands.len() { y_min } else { b.min.max(y_min) };
                let hi = if i == 0 { y_max } else { bands[i - 1].min.min(y_max) };
                if hi > lo {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(SegmentValue::Exact(0), lo), (SegmentValue::Last, hi)],
                        tint(b.color, 0.86).filled(),
                    )))?;
                }
            }
            chart
                .configure_mesh()
                .disable_mesh()
                .axis_style(RULE)
                .x_labels(n as usize)
                .y_labels(4)
                .x_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(i) => {
                        usize::try_from(*i).ok().and_then(|k| periods.get(k)).map(|p| short(p)).unwrap_or_default()
                    }
                    _ => String::new(),
                })
                .y_label_formatter(&|y| format!("{y:.0}"))
                .x_label_style((FONT, 10).into_font().color(&MUTED))
                .y_label_style((FONT, 10).into_font().color(&MUTED))
                .draw()?;
            // The line through consecutive periods the unit was assessed in.
            let mut run: Vec<(SegmentValue<i32>, f64)> = Vec::new();
            for (i, p) in s.points.iter().enumerate() {
                match p {
                    Some((v, _)) => run.push((SegmentValue::CenterOf(i as i32), *v)),
                    None if !run.is_empty() => {
                        chart.draw_series(LineSeries::new(std::mem::take(&mut run), INK.stroke_width(2)))?;
                    }
                    None => {}
                }
            }
            if !run.is_empty() {
                chart.draw_series(LineSeries::new(run, INK.stroke_width(2)))?;
            }
            chart.draw_series(s.points.iter().enumerate().filter_map(|(i, p)| {
                p.map(|(v, c)| Circle::new((SegmentValue::CenterOf(i as i32), v), 4, c.filled()))
            }))?;
        }
        root.present()?;
    }
    Ok(responsive(svg, title))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn bands() -> Vec<Band> {
        [("excellent", 90.0), ("good", 80.0), ("pass", 60.0), ("poor", 0.0)]
            .iter()
            .map(|(l, m)| Band { label: (*l).into(), min: *m, color: RGBColor(0, 128, 0) })
            .collect()
    }

    #[test]
    fn the_ranking_is_an_svg_with_every_unit_and_threshold() {
        let bars = vec![
            Bar { label: "1 历下区 Lixia".into(), score: 95.5, shown: "95.50".into(), color: RGBColor(0, 128, 0) },
            Bar {
                label: "2 商河县 <Shanghe>".into(), score: 52.29, shown: "52.29".into(), color: RGBColor(200, 0, 0)
            },
        ];
        let svg = ranking(&bars, &bands(), "composite", "ranking").unwrap();
        assert!(svg.starts_with("<svg role=\"img\""), "{}", &svg[..80]);
        assert!(svg.contains("<title>ranking</title>"));
        assert!(svg.contains("历下区 Lixia") && svg.contains("&lt;Shanghe&gt;"), "text is escaped");
        for t in ["excellent", "good", "pass", "95.50", "52.29"] {
            assert!(svg.contains(t), "{t}");
        }
    }

    #[test]
    fn the_heat_scale_runs_from_red_through_amber_to_green() {
        assert_eq!(heat(0.0), RGBColor(180, 35, 24));
        assert_eq!(heat(1.0), RGBColor(46, 139, 87));
        assert_eq!(heat(5.0), heat(1.2));
        assert_eq!(heat(-1.0), heat(0.0));
        let amber = heat(0.5);
        assert!(amber.0 > amber.1 && amber.1 > amber.2);
    }

    #[test]
    fn a_trend_panel_for_a_unit_missing_a_period_breaks_its_line() {
        let s = vec![Series {
            label: "莱芜区".into(),
            points: vec![None, Some((70.0, RGBColor(0, 0, 0))), Some((75.5, RGBColor(0, 0, 0)))],
            latest: "75.50".into(),
        }];
        let periods = vec!["2018".to_owned(), "2019".to_owned(), "2020".to_owned()];
        let svg = trend(&periods, &s, &bands(), "trend").unwrap();
        assert!(svg.contains("莱芜区") && svg.contains("75.50") && svg.contains("2018"));
    }
}

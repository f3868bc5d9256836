//! The HTML page: the typed results turned into what the template shows
//! (texts in both languages, amounts with their units, the distance to the
//! next band, the charts), then rendered.

use crate::charts::{self, Band, Bar, Heat, Series};
use crate::words::{self, Bi, Lang};
use crate::{Error, Input};
use ledger_model::{BandRow, ChangedValue, Explanation, PeriodDetail, Status, UnitRow};
use minijinja::value::{Serde, Value};
use minijinja::{Environment, context};
use plotters::style::RGBColor;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;

const TEMPLATE: &str = include_str!("../templates/report.html");
const STYLE: &str = include_str!("../templates/report.css");

/// The colours of the bands, from the highest down: green, blue, amber,
/// red; a policy with more bands gets the middle ones again.
const BAND_COLORS: [RGBColor; 4] =
    [RGBColor(0x1a, 0x7f, 0x37), RGBColor(0x1d, 0x5f, 0xa8), RGBColor(0xb4, 0x6b, 0x00), RGBColor(0xb4, 0x23, 0x18)];
const VOID: RGBColor = RGBColor(0x6b, 0x72, 0x80);

fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// The colour of each band, highest first.
fn band_colors(n: usize) -> Vec<RGBColor> {
    (0..n)
        .map(|i| match (i, n) {
            (0, _) => BAND_COLORS[0],
            (i, n) if i + 1 == n => BAND_COLORS[3],
            (i, _) => BAND_COLORS[1 + (i - 1) % 2],
        })
        .collect()
}

fn grade_color(grade: &str, bands: &[BandRow]) -> RGBColor {
    let colors = band_colors(bands.len());
    bands.iter().position(|b| b.grade == grade).and_then(|i| colors.get(i).copied()).unwrap_or(VOID)
}

fn dec(text: &str) -> Option<Decimal> {
    Decimal::from_str(text).ok()
}

/// For drawing only.
fn f(text: &str) -> f64 {
    dec(text).and_then(|d| d.to_f64()).unwrap_or(0.0)
}

/// How far a composite is from the next band up, in plain words: "7.63
/// points short of pass / 距合格还差 7.63 分"; for the top band, how far
/// above its threshold; a veto that caps the grade is said too.
pub(crate) fn distance(score: &str, grade: &str, bands: &[BandRow], vetoes: &[String]) -> Bi {
    if grade == ledger_score::DISQUALIFIED {
        return Bi::new("成绩无效（数据造假认定），不评定等级", "result void (a data-fraud determination): no grade");
    }
    let (Some(score), false) = (dec(score), bands.is_empty()) else { return Bi::same("") };
    let mins: Vec<Decimal> = bands.iter().map(|b| dec(&b.min).unwrap_or(Decimal::ZERO)).collect();
    let at = mins.iter().position(|m| score >= *m).unwrap_or(bands.len() - 1);
    let mut text = if at == 0 {
        let name = words::grade(&bands[0].grade);
        let above = score - mins[0];
        Bi::new(
            format!("已达最高等级（{}），高出{}线 {above} 分", name.zh, name.zh),
            format!("in the top band ({}), {above} points above its threshold", name.en),
        )
    } else {
        let next = words::grade(&bands[at - 1].grade);
        let short = mins[at - 1] - score;
        Bi::new(format!("距{}还差 {short} 分", next.zh), format!("{short} points short of {}", next.en))
    };
    if bands[at].grade != grade && !vetoes.is_empty() {
        let capped = words::grade(grade);
        let ids = vetoes.join(", ");
        text.zh.push_str(&format!("；一票否决（{ids}）使等级降为{}", capped.zh));
        text.en.push_str(&format!("; the veto {ids} caps the grade at {}", capped.en));
    }
    text
}

#[derive(Serialize)]
struct Chain {
    ok: bool,
    origin: String,
    records: u64,
    head: Option<String>,
    head_seq: Option<u64>,
    method: Bi,
    findings: Vec<Finding>,
    more_findings: usize,
    roots: Vec<(String, String)>,
    checkpoint: Option<Checkpoint>,
    checkpoint_problem: Option<String>,
}

#[derive(Serialize)]
struct Finding {
    seq: u64,
    check: String,
    message: String,
}

#[derive(Serialize)]
struct Checkpoint {
    seq: u64,
    time: String,
    size: u64,
    root: String,
    behind: u64,
    signatures: Vec<Signature>,
    cosignatures: usize,
}

#[derive(Serialize)]
struct Signature {
    name: String,
    key_id: String,
    kind: Bi,
    time: Option<String>,
}

#[derive(Serialize)]
struct Chip {
    label: Bi,
    color: String,
    count: usize,
    min: String,
}

#[derive(Serialize)]
struct Legend {
    id: String,
    name: Bi,
    category: Bi,
    measure: Bi,
    weight: String,
    method: Bi,
}

#[derive(Serialize)]
struct PeriodView {
    id: String,
    year: i32,
    policy: String,
    policy_title: Option<String>,
    policy_note: Option<String>,
    state: Bi,
    state_detail: String,
    attested: Option<bool>,
    projection_hash: String,
    as_of: u64,
    units_count: usize,
    chips: Vec<Chip>,
    ranking_svg: String,
    heat_svg: String,
    legend: Vec<Legend>,
    units: Vec<UnitView>,
    findings: Vec<AuditView>,
    anomalies: Vec<String>,
    process: Vec<ProcessView>,
    measures: Vec<MeasureView>,
    land: Vec<LandView>,
}

/// A unit's in-year record in a period (process assessment).
#[derive(Serialize)]
struct ProcessView {
    unit: Bi,
    on_time: usize,
    late: usize,
    missing: usize,
    not_due: usize,
    open: usize,
    overdue: usize,
    closed: usize,
    closed_late: usize,
    /// What is late or missing, and the findings open or overdue.
    detail: Vec<String>,
    /// The process component's points, part by part ("Q1 3.00/6").
    points: String,
}

#[derive(Serialize)]
struct MeasureView {
    id: String,
    title: Bi,
    office: String,
    due: String,
    status: Bi,
    report: Option<(u64, String)>,
}

#[derive(Serialize)]
struct LandView {
    unit: Bi,
    supplied: String,
    used: String,
    projects: String,
    seq: u64,
}

#[derive(Serialize)]
struct UnitView {
    anchor: String,
    unit: String,
    name: Bi,
    kind: Bi,
    rank: Option<u32>,
    score: String,
    grade: Bi,
    color: String,
    distance: Bi,
    vetoes: Vec<(String, String)>,
    adjustments: Vec<(String, String, String)>,
    /// The process component's parts: id, points earned, full points, basis.
    process: Vec<(String, String, String, String)>,
    disqualified: Option<String>,
    indicators: Vec<IndicatorView>,
    due: Vec<DueView>,
    recorded: Vec<RecordedView>,
    findings: Vec<AuditView>,
}

#[derive(Serialize)]
struct IndicatorView {
    id: String,
    name: Bi,
    raw_value: Option<String>,
    value: String,
    target: String,
    baseline: String,
    score: String,
    weight: String,
    bar: f64,
    method: Bi,
    records: Vec<u64>,
    changed: bool,
}

#[derive(Serialize)]
struct DueView {
    kind: Bi,
    reward: bool,
    amount: Option<String>,
    clause: String,
    basis: String,
    recorded: bool,
}

#[derive(Serialize)]
struct RecordedView {
    kind: Bi,
    reward: bool,
    id: String,
    seq: u64,
    amount: Option<String>,
    basis: String,
    rescinded: Option<String>,
    rectifications: Vec<u64>,
    due: bool,
}

#[derive(Serialize)]
struct AuditView {
    unit: String,
    unit_name: Bi,
    finding: Bi,
    message: String,
    records: Vec<u64>,
    recorded: bool,
}

#[derive(Serialize)]
struct Change {
    period: String,
    unit: Bi,
    indicator: Bi,
    indicator_id: String,
    from: String,
    to: String,
    how: Bi,
    detail: String,
    seq: u64,
    office: Option<String>,
    time: Option<String>,
}

/// A composite in the trend table: the score, its grade's colour and name.
type TrendCell = (String, String, String);

#[derive(Serialize)]
struct TrendTable {
    periods: Vec<String>,
    rows: Vec<(Bi, Vec<Option<TrendCell>>)>,
}

fn name_of(zh: Option<&str>, en: Option<&str>, id: &str) -> Bi {
    Bi::new(zh.unwrap_or(id), en.unwrap_or(id))
}

fn unit_names(d: &PeriodDetail) -> BTreeMap<&str, &UnitRow> {
    d.scoreboard.units.iter().map(|u| (u.unit.as_str(), u)).collect()
}

fn chain(input: &Input<'_>) -> Chain {
    let c = input.chain;
    let v = &c.verification;
    let local = |t: &str| t.parse::<ledger_core::Timestamp>().map_or_else(|_| t.to_owned(), |t| t.local(input.zone));
    let method = match &v.method {
        ledger_model::Method::Full => Bi::new("从创世记录起完整验证", "every record verified from genesis"),
        ledger_model::Method::Incremental { since } => Bi::new(
            format!("第 {since} 号记录之前按本机上次验证结果重新计算哈希，其后的记录完整验证"),
            format!(
                "records up to seq {since} re-hashed against this machine's last verification, every record after it verified in full"
            ),
        ),
    };
    let checkpoint = c.checkpoint.as_ref().map(|cp| Checkpoint {
        seq: cp.seq,
        time: local(&cp.time),
        size: cp.size,
        root: cp.root.clone(),
        behind: v.records.saturating_sub(cp.size),
        cosignatures: cp.signatures.iter().filter(|s| s.kind == "cosignature").count(),
        signatures: cp
            .signatures
            .iter()
            .map(|s| Signature {
                name: s.name.clone(),
                key_id: s.key_id.clone(),
                kind: match s.kind.as_str() {
                    "log" => Bi::new("日志密钥签名（已验证）", "log key signature (verified)"),
                    "cosignature" => Bi::new("见证人联署", "witness cosignature"),
                    _ => Bi::new("其他签名", "other signature"),
                },
                time: s.time.as_deref().map(local),
            })
            .collect(),
    });
    Chain {
        ok: v.ok,
        origin: c.origin.clone(),
        records: v.records,
        head: v.head.clone(),
        head_seq: v.head_seq,
        method,
        findings: v
            .findings
            .iter()
            .take(20)
            .map(|x| Finding { seq: x.seq, check: x.check.name().to_owned(), message: x.message.clone() })
            .collect(),
        more_findings: v.findings.len().saturating_sub(20),
        roots: c.roots.iter().map(|r| (r.key_id.clone(), r.holder.clone())).collect(),
        checkpoint,
        checkpoint_problem: c.checkpoint_problem.clone(),
    }
}

fn short_name(u: &UnitRow, lang: Lang) -> String {
    let zh = u.name_zh.as_deref().unwrap_or(&u.unit);
    let en = u.name.as_deref().unwrap_or(&u.unit);
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
        Lang::Both => format!("{zh} {}", en.split_whitespace().next().unwrap_or(en)),
    }
}

fn period(d: &PeriodDetail, lang: Lang, zone: &ledger_core::time::Zone) -> Result<PeriodView, Error> {
    let b = &d.scoreboard;
    let colors = band_colors(d.bands.len());
    let bands: Vec<Band> = d
        .bands
        .iter()
        .zip(&colors)
        .map(|(x, c)| Band {
            label: format!("{} ≥ {}", words::grade(&x.grade).plain(lang), x.min),
            min: f(&x.min),
            color: *c,
        })
        .collect();
    // The lowest band takes every score below its minimum: no "≥ 0" label.
    let mut bands = bands;
    if let (Some(last), Some(x)) = (bands.last_mut(), d.bands.last()) {
        last.label = words::grade(&x.grade).plain(lang);
    }
    let bars: Vec<Bar> = b
        .units
        .iter()
        .map(|u| Bar {
            label: format!("{}  {}", u.rank.map_or_else(|| "—".to_owned(), |r| r.to_string()), short_name(u, lang)),
            score: f(&u.score),
            shown: if u.grade == ledger_score::DISQUALIFIED {
                words::grade(&u.grade).plain(lang)
            } else if u.vetoes.is_empty() {
                u.score.clone()
            } else {
                format!("{}  ({})", u.score, Bi::new("否决", "veto").plain(lang))
            },
            color: grade_color(&u.grade, &d.bands),
        })
        .collect();
    let ranking_svg = charts::ranking(
        &bars,
        &bands,
        &Bi::new("综合得分（分）", "composite score (points)").plain(lang),
        &Bi::new(format!("{} 年度综合得分排名", d.year), format!("Ranked composite scores, {}", b.period)).plain(lang),
    )?;
    // The heat map: the indicators in policy order, grouped by category.
    let mut groups: Vec<(String, usize, usize)> = Vec::new();
    for (i, ind) in d.indicators.iter().enumerate() {
        let label =
            Bi::new(ind.category_zh.clone().unwrap_or_else(|| ind.category.clone()), ind.category.replace('_', " "));
        let label = if lang == Lang::Both { label.zh } else { label.plain(lang) };
        match groups.last_mut() {
            Some(g) if g.0 == label => g.2 = i,
            _ => groups.push((label, i, i)),
        }
    }
    let weights: BTreeMap<&str, Decimal> =
        d.indicators.iter().map(|i| (i.id.as_str(), dec(&i.weight).unwrap_or(Decimal::ONE))).collect();
    let cells: Vec<Vec<Option<(f64, String)>>> = b
        .units
        .iter()
        .map(|u| {
            d.indicators
                .iter()
                .map(|ind| {
                    let row = u.indicators.iter().find(|r| r.indicator == ind.id)?;
                    row.value.as_ref()?;
                    let score = dec(&row.score)?;
                    let w = weights.get(ind.id.as_str()).copied().filter(|w| !w.is_zero()).unwrap_or(Decimal::ONE);
                    let ratio = (score / w).to_f64().unwrap_or(0.0);
                    Some((ratio, format!("{:.1}", score.round_dp(1))))
                })
                .collect()
        })
        .collect();
    let heat = Heat {
        rows: b.units.iter().map(|u| short_name(u, lang)).collect(),
        cols: d.indicators.iter().map(|i| i.id.clone()).collect(),
        groups,
        cells,
        legend: (
            Bi::new("得分占权重", "score as a share of the weight").plain(lang),
            Bi::new("无数值", "no value").plain(lang),
        ),
    };
    let heat_svg = charts::heat_map(
        &heat,
        &Bi::new(format!("{} 年度各单位指标得分热力图", d.year), format!("Indicator scores by unit, {}", b.period))
            .plain(lang),
    )?;
    let chips = d
        .bands
        .iter()
        .zip(&colors)
        .map(|(x, c)| Chip {
            label: words::grade(&x.grade),
            color: hex(*c),
            count: b.units.iter().filter(|u| u.grade == x.grade).count(),
            min: x.min.clone(),
        })
        .chain(
            Some(Chip {
                label: words::grade(ledger_score::DISQUALIFIED),
                color: hex(VOID),
                count: b.units.iter().filter(|u| u.grade == ledger_score::DISQUALIFIED).count(),
                min: String::new(),
            })
            .filter(|c| c.count > 0),
        )
        .collect();
    let legend = d
        .indicators
        .iter()
        .map(|i| Legend {
            id: i.id.clone(),
            name: Bi::new(i.name_zh.clone(), i.name_en.clone()),
            category: Bi::new(
                i.category_zh.clone().unwrap_or_else(|| i.category.clone()),
                i.category.replace('_', " "),
            ),
            measure: words::measure(&i.unit_of_measure),
            weight: i.weight.clone(),
            method: words::method(&i.method),
        })
        .collect();
    let names = unit_names(d);
    let audit = |f: &ledger_domain::audit::AuditFinding| AuditView {
        unit: f.unit.clone(),
        unit_name: names
            .get(f.unit.as_str())
            .map_or_else(|| Bi::same(f.unit.clone()), |u| name_of(u.name_zh.as_deref(), u.name.as_deref(), &u.unit)),
        finding: words::finding(&f.finding),
        message: f.message.clone(),
        records: f.events.clone(),
        recorded: false,
    };
    let inspector = |f: &ledger_model::RecordedFinding| AuditView {
        unit: f.unit.clone().unwrap_or_default(),
        unit_name: f.unit.as_deref().and_then(|u| names.get(u)).map_or_else(
            || Bi::same(f.unit.clone().unwrap_or_default()),
            |u| name_of(u.name_zh.as_deref(), u.name.as_deref(), &u.unit),
        ),
        finding: Bi::new(format!("审计记录 {}", f.finding), format!("inspector's finding {}", f.finding)),
        message: f.text.clone(),
        records: vec![f.seq],
        recorded: true,
    };
    let mut findings: Vec<AuditView> = d.findings.iter().map(audit).collect();
    findings.extend(d.recorded_findings.iter().map(inspector));
    let units = b.units.iter().zip(&d.units).map(|(row, e)| unit(row, e, d, lang, &findings)).collect();
    let (state, state_detail, attested) = match &b.status {
        Status::Open => (words::state("open"), String::new(), None),
        Status::Published { seq, window_until } => (
            words::state("published"),
            format!(
                "#{seq} · {}",
                window_until.parse::<ledger_core::Timestamp>().map_or_else(|_| window_until.clone(), |t| t.local(zone))
            ),
            None,
        ),
        Status::Finalized { seq, matches, .. } => (words::state("finalized"), format!("#{seq}"), Some(*matches)),
    };
    let mut anomalies: Vec<String> = b.anomalies.iter().map(|a| a.message.clone()).collect();
    anomalies.extend(b.replay_anomalies.iter().map(|a| format!("#{}: {}", a.seq, a.message)));
    Ok(PeriodView {
        id: b.period.clone(),
        year: d.year,
        policy: format!("{} v{}", b.policy.id, b.policy.version),
        policy_title: d.policy_title.clone(),
        policy_note: d.policy_note.clone(),
        state,
        state_detail,
        attested,
        projection_hash: b.projection_hash.clone(),
        as_of: b.as_of,
        units_count: b.units.len(),
        chips,
        ranking_svg,
        heat_svg,
        legend,
        units,
        findings: findings.into_iter().filter(|f| f.unit.is_empty() || !names.contains_key(f.unit.as_str())).collect(),
        anomalies,
        process: process_rows(d, &names, lang),
        measures: d
            .measures
            .iter()
            .map(|m| MeasureView {
                id: m.measure.clone(),
                title: Bi::new(m.title_zh.clone(), m.title_en.clone()),
                office: m.lead_office.clone(),
                due: m.due.clone().unwrap_or_else(|| "—".to_owned()),
                status: words::measure_status(&m.status),
                report: m.report.clone(),
            })
            .collect(),
        land: d
            .land_use
            .iter()
            .map(|l| LandView {
                unit: names.get(l.unit.as_str()).map_or_else(
                    || Bi::same(l.unit.clone()),
                    |u| name_of(u.name_zh.as_deref(), u.name.as_deref(), &u.unit),
                ),
                supplied: l.supplied_ha.clone(),
                used: l.used_ha.clone(),
                projects: l.projects.join(", "),
                seq: l.seq,
            })
            .collect(),
    })
}

/// The in-year record of each unit, in scoreboard order, with the points
/// its process component gave.
fn process_rows(d: &PeriodDetail, names: &BTreeMap<&str, &UnitRow>, lang: Lang) -> Vec<ProcessView> {
    use ledger_domain::process::ReportState as R;
    d.scoreboard
        .units
        .iter()
        .filter_map(|row| d.process.iter().find(|p| p.unit == row.unit).map(|p| (row, p)))
        .map(|(row, p)| {
            let n = |s: R| p.reports.iter().filter(|r| r.status == s).count();
            let f = |s: &str| p.findings.iter().filter(|x| x.status == s).count();
            let mut detail: Vec<String> = p
                .reports
                .iter()
                .filter(|r| matches!(r.status, R::Late | R::Missing))
                .map(|r| {
                    let what =
                        if r.status == R::Late { Bi::new("逾期", "late") } else { Bi::new("未报", "missing") };
                    let what = what.plain(lang);
                    format!("{} #{} {what}", r.round, r.indicator)
                })
                .collect();
            detail.extend(
                p.findings
                    .iter()
                    .filter(|x| matches!(x.status, "open" | "overdue" | "closed_late"))
                    .map(|x| format!("{} ({}, {}): {}", x.finding, x.status, x.follow_up_due, x.text)),
            );
            let unit = names.get(row.unit.as_str()).map_or_else(
                || Bi::same(row.unit.clone()),
                |u| name_of(u.name_zh.as_deref(), u.name.as_deref(), &u.unit),
            );
            ProcessView {
                unit,
                on_time: n(R::OnTime),
                late: n(R::Late),
                missing: n(R::Missing),
                not_due: n(R::NotDue),
                open: f("open"),
                overdue: f("overdue"),
                closed: f("closed"),
                closed_late: f("closed_late"),
                detail,
                points: row
                    .process
                    .iter()
                    .map(|x| format!("{} {}/{}", x.id, x.score, x.points))
                    .collect::<Vec<_>>()
                    .join(" · "),
            }
        })
        .collect()
}

fn unit(row: &UnitRow, e: &Explanation, d: &PeriodDetail, lang: Lang, findings: &[AuditView]) -> UnitView {
    let measure_of: BTreeMap<&str, &str> =
        d.indicators.iter().map(|i| (i.id.as_str(), i.unit_of_measure.as_str())).collect();
    let money = d.money_unit.as_deref().unwrap_or("");
    let amount = |v: &str, id: &str| words::amount(v, measure_of.get(id).copied().unwrap_or(""), lang);
    let indicators = e
        .indicators
        .iter()
        .map(|i| {
            let def = d.indicators.iter().find(|x| x.id == i.indicator);
            let weight = dec(&i.weight).filter(|w| !w.is_zero());
            let ratio = match (dec(&i.score), weight) {
                (Some(s), Some(w)) => (s / w).to_f64().unwrap_or(0.0),
                _ => 0.0,
            };
            let mut records: Vec<u64> = i.events.iter().copied().collect();
            records.extend(i.value_history.iter().map(|h| h.seq));
            records.sort_unstable();
            records.dedup();
            IndicatorView {
                id: i.indicator.clone(),
                name: def.map_or_else(
                    || Bi::same(i.name.clone().unwrap_or_default()),
                    |x| Bi::new(x.name_zh.clone(), x.name_en.clone()),
                ),
                raw_value: i.value.clone(),
                value: i.value.as_deref().map_or_else(|| "—".to_owned(), |v| amount(v, &i.indicator)),
                target: i.target.as_ref().map_or_else(|| "—".to_owned(), |t| amount(&t.target, &i.indicator)),
                baseline: i
                    .target
                    .as_ref()
                    .and_then(|t| t.baseline.as_deref())
                    .map_or_else(|| "—".to_owned(), |v| amount(v, &i.indicator)),
                score: i.score.clone(),
                weight: i.weight.clone(),
                bar: (ratio.clamp(0.0, 1.0) * 1000.0).round() / 10.0,
                method: words::method(&i.method),
                records,
                changed: i.value_history.len() > 1,
            }
        })
        .collect();
    let recorded_here: Vec<&ledger_model::RecordedDecision> =
        d.recorded.iter().filter(|r| r.unit == row.unit).collect();
    let standing = |kind: &str| recorded_here.iter().any(|r| r.kind == kind && r.rescinded.is_none());
    let due_kinds: Vec<&str> = row.consequences.iter().map(|c| c.kind.as_str()).collect();
    let due = row
        .consequences
        .iter()
        .map(|c| DueView {
            kind: words::consequence(&c.kind),
            reward: words::is_reward(&c.kind),
            amount: c.amount.as_deref().map(|a| words::amount(a, money, lang)),
            clause: c.clause.clone(),
            basis: c.basis.clone(),
            recorded: standing(&c.kind),
        })
        .collect();
    let recorded = recorded_here
        .iter()
        .map(|r| RecordedView {
            kind: words::consequence(&r.kind),
            reward: words::is_reward(&r.kind),
            id: r.id.clone(),
            seq: r.seq,
            amount: r.amount.as_deref().map(|a| words::amount(a, money, lang)),
            basis: r.basis.clone(),
            rescinded: r.rescinded.as_ref().map(|(seq, why)| format!("#{seq}: {why}")),
            rectifications: r.rectifications.clone(),
            due: due_kinds.contains(&r.kind.as_str()),
        })
        .collect();
    let vetoes: Vec<String> = row.vetoes.iter().map(|v| v.id.clone()).collect();
    UnitView {
        anchor: format!("p{}-{}", d.scoreboard.period, row.unit),
        unit: row.unit.clone(),
        name: name_of(row.name_zh.as_deref(), row.name.as_deref(), &row.unit),
        kind: words::unit_kind(
            row.kind.and_then(|k| serde_json::to_value(k).ok()).and_then(|v| v.as_str().map(str::to_owned)).as_deref(),
        ),
        rank: row.rank,
        score: row.score.clone(),
        grade: words::grade(&row.grade),
        color: hex(if row.grade == ledger_score::DISQUALIFIED { VOID } else { grade_color(&row.grade, &d.bands) }),
        distance: distance(&row.score, &row.grade, &d.bands, &vetoes),
        vetoes: row.vetoes.iter().map(|v| (v.id.clone(), v.basis.clone())).collect(),
        adjustments: e.adjustments.iter().map(|a| (a.id.clone(), a.points.to_string(), a.basis.clone())).collect(),
        process: e
            .process
            .iter()
            .map(|p| (p.part.id.clone(), p.part.score.to_string(), p.part.points.to_string(), p.part.basis.clone()))
            .collect(),
        disqualified: e.disqualification.as_ref().map(|x| x.basis.clone()),
        indicators,
        due,
        recorded,
        findings: findings
            .iter()
            .filter(|f| f.unit == row.unit)
            .map(|f| AuditView {
                unit: f.unit.clone(),
                unit_name: f.unit_name.clone(),
                finding: f.finding.clone(),
                message: f.message.clone(),
                records: f.records.clone(),
                recorded: f.recorded,
            })
            .collect(),
    }
}

/// Every change of a value after its submission (a correction, an upheld
/// objection), newest period first.
fn changes(changed: &[ChangedValue], lang: Lang, zone: &ledger_core::time::Zone) -> Vec<Change> {
    let mut out = Vec::new();
    for c in changed.iter().rev() {
        let unit = name_of(c.unit_name_zh.as_deref(), c.unit_name.as_deref(), &c.unit);
        let indicator = name_of(c.indicator_name_zh.as_deref(), c.indicator_name.as_deref(), &c.indicator);
        let measure = c.unit_of_measure.as_deref().unwrap_or("");
        for pair in c.history.windows(2) {
            let (before, after) = (&pair[0], &pair[1]);
            let (how, detail) = if let Some(reason) = after.how.strip_prefix("corrected: ") {
                (Bi::new("更正", "correction"), reason.to_owned())
            } else if let Some(rest) = after.how.strip_prefix("objection ") {
                (Bi::new("异议成立", "objection upheld"), rest.to_owned())
            } else {
                (Bi::same(after.how.clone()), String::new())
            };
            out.push(Change {
                period: c.period.clone(),
                unit: unit.clone(),
                indicator: indicator.clone(),
                indicator_id: c.indicator.clone(),
                from: words::amount(&before.value, measure, lang),
                to: words::amount(&after.value, measure, lang),
                how,
                detail,
                seq: after.seq,
                office: after.event.office.clone(),
                time: after
                    .event
                    .time
                    .as_deref()
                    .map(|t| t.parse::<ledger_core::Timestamp>().map_or_else(|_| t.to_owned(), |t| t.local(zone))),
            });
        }
    }
    out
}

/// The bilingual text as HTML: `<span lang="zh">…</span> <span class="en"
/// lang="en">…</span>`, or one language alone.
fn bi_html(zh: &str, en: &str, lang: Lang) -> String {
    let esc = |s: &str| minijinja::HtmlEscape(s).to_string();
    match lang {
        Lang::Zh => esc(zh),
        Lang::En => esc(en),
        Lang::Both if zh == en || en.is_empty() => esc(zh),
        Lang::Both if zh.is_empty() => format!("<span class=\"en\" lang=\"en\">{}</span>", esc(en)),
        Lang::Both => format!("{} <span class=\"en\" lang=\"en\">{}</span>", esc(zh), esc(en)),
    }
}

pub(crate) fn render(input: &Input<'_>) -> Result<String, Error> {
    let lang = input.lang;
    let mut periods: Vec<&PeriodDetail> = input.periods.iter().collect();
    periods.sort_by(|a, b| (b.year, &b.scoreboard.period).cmp(&(a.year, &a.scoreboard.period)));
    let views = periods.iter().map(|d| period(d, lang, input.zone)).collect::<Result<Vec<_>, _>>()?;
    // The trend, drawn over the bands of the newest period reported.
    let bands_rows: &[BandRow] = periods.first().map_or(&[], |d| d.bands.as_slice());
    let colors = band_colors(bands_rows.len());
    let bands: Vec<Band> = bands_rows
        .iter()
        .zip(&colors)
        .map(|(x, c)| Band { label: words::grade(&x.grade).plain(lang), min: f(&x.min), color: *c })
        .collect();
    let trend = input.trend;
    let series: Vec<Series> = trend
        .units
        .iter()
        .map(|u| Series {
            label: match lang {
                Lang::En => u.name.clone().unwrap_or_else(|| u.unit.clone()),
                _ => u.name_zh.clone().unwrap_or_else(|| u.unit.clone()),
            },
            points: u
                .points
                .iter()
                .map(|p| {
                    p.as_ref().map(|p| {
                        let color = if p.grade == ledger_score::DISQUALIFIED {
                            VOID
                        } else {
                            grade_color(&p.grade, bands_rows)
                        };
                        (f(&p.score), color)
                    })
                })
                .collect(),
            latest: u.points.iter().rev().flatten().next().map(|p| p.score.clone()).unwrap_or_default(),
        })
        .collect();
    let show_trend = !periods.is_empty() && !trend.periods.is_empty();
    let trend_svg = if show_trend {
        charts::trend(
            &trend.periods,
            &series,
            &bands,
            &Bi::new("各单位历年综合得分", "Each unit's composite across periods").plain(lang),
        )?
    } else {
        String::new()
    };
    let trend_table = TrendTable {
        periods: trend.periods.clone(),
        rows: trend
            .units
            .iter()
            .map(|u| {
                (
                    name_of(u.name_zh.as_deref(), u.name.as_deref(), &u.unit),
                    u.points
                        .iter()
                        .map(|p| {
                            p.as_ref().map(|p| {
                                let color = if p.grade == ledger_score::DISQUALIFIED {
                                    VOID
                                } else {
                                    grade_color(&p.grade, bands_rows)
                                };
                                (p.score.clone(), hex(color), words::grade(&p.grade).plain(lang))
                            })
                        })
                        .collect(),
                )
            })
            .collect(),
    };
    let changes = changes(input.changes, lang, input.zone);
    let title = match periods.as_slice() {
        [one] => {
            Bi::new(format!("{} 年度区县考核报告", one.year), format!("Assessment report {}", one.scoreboard.period))
        }
        [] => Bi::new("区县考核报告", "Assessment report"),
        many => Bi::new(
            format!("{}–{} 年度区县考核报告", many.last().map_or(0, |d| d.year), many[0].year),
            format!(
                "Assessment report {}–{}",
                many.last().map_or("", |d| d.scoreboard.period.as_str()),
                many[0].scoreboard.period
            ),
        ),
    };

    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)?;
    env.add_template("report.css", STYLE)?;
    env.add_function("t", move |zh: &str, en: &str| Value::from_safe_string(bi_html(zh, en, lang)));
    env.add_filter("bi", move |v: Value| -> Result<Value, minijinja::Error> {
        let get = |k: &str| v.get_attr(k).ok().filter(|x| !x.is_undefined()).map(|x| x.to_string()).unwrap_or_default();
        Ok(Value::from_safe_string(bi_html(&get("zh"), &get("en"), lang)))
    });
    env.add_filter("plain", move |v: Value| -> Result<String, minijinja::Error> {
        let get = |k: &str| v.get_attr(k).ok().filter(|x| !x.is_undefined()).map(|x| x.to_string()).unwrap_or_default();
        Ok(Bi::new(get("zh"), get("en")).plain(lang))
    });
    env.add_filter("seqs", |v: Vec<u64>| v.iter().map(|s| format!("#{s}")).collect::<Vec<_>>().join(" "));
    let template = env.get_template("report.html")?;
    let html = template.render(context! {
        lang => lang.code(),
        both => lang == Lang::Both,
        title => Serde(&title),
        title_text => title.joined(lang, " · "),
        generated => input.generated,
        chain => Serde(chain(input)),
        withheld => periods.is_empty(),
        periods => Serde(&views),
        show_trend => show_trend,
        trend_svg => Value::from_safe_string(trend_svg),
        trend => Serde(&trend_table),
        changes => Serde(&changes),
    })?;
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bands() -> Vec<BandRow> {
        [("excellent", "90"), ("good", "80"), ("pass", "60"), ("poor", "0")]
            .iter()
            .map(|(g, m)| BandRow { grade: (*g).into(), min: (*m).into() })
            .collect()
    }

    #[test]
    fn the_distance_to_the_next_band_is_exact_and_in_both_languages() {
        let d = distance("52.37", "poor", &bands(), &[]);
        assert_eq!(d.en, "7.63 points short of pass");
        assert_eq!(d.zh, "距合格还差 7.63 分");
        let d = distance("89.99", "good", &bands(), &[]);
        assert_eq!(d.en, "0.01 points short of excellent");
        let d = distance("101.71", "excellent", &bands(), &[]);
        assert_eq!(d.en, "in the top band (excellent), 11.71 points above its threshold");
        let d = distance("-3.50", "poor", &bands(), &[]);
        assert_eq!(d.en, "63.50 points short of pass");
    }

    #[test]
    fn a_veto_that_caps_the_grade_is_said() {
        let d = distance("85.00", "poor", &bands(), &["V1".to_owned()]);
        assert_eq!(d.en, "5.00 points short of excellent; the veto V1 caps the grade at poor");
        assert!(d.zh.ends_with("一票否决（V1）使等级降为较差"), "{}", d.zh);
        let d = distance("0.00", "disqualified", &bands(), &[]);
        assert!(d.en.starts_with("result void"));
    }

    #[test]
    fn bands_are_green_blue_amber_red_from_the_top() {
        assert_eq!(band_colors(4), BAND_COLORS.to_vec());
        assert_eq!(band_colors(2), vec![BAND_COLORS[0], BAND_COLORS[3]]);
        assert_eq!(grade_color("nonesuch", &bands()), VOID);
    }

    #[test]
    fn bilingual_text_is_escaped() {
        assert_eq!(bi_html("<合格>", "pass", Lang::Both), "&lt;合格&gt; <span class=\"en\" lang=\"en\">pass</span>");
        assert_eq!(bi_html("合格", "pass & more", Lang::En), "pass &amp; more");
    }
}

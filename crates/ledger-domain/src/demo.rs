//! The demonstration ledger's domain events: the plan's catalog and units,
//! the default policy, and five annual periods (2018-2022) with targets,
//! **synthetic** district values generated deterministically (every value
//! says so in its `note`), verification, a returned value, a correction,
//! published scores, an upheld and a dismissed objection, finalisation,
//! and the rewards and accountability actions the rules imply; and a
//! major-project library of twelve projects moving through its stages,
//! with a demotion and one refused skip of a stage; Shanghe's admonition
//! talks name an official by commitment, and the earliest is erased; four
//! policy measures and the land use of the units with projects, reported
//! every year.
//!
//! Writing is the caller's: it implements [`Writer`] (the CLI over SQLite,
//! tests over a `MemoryLedger`), so this module stays pure.

use crate::defaults;
use crate::events::{INVESTMENT_UNIT, Stage};
use crate::projects::project_stream;
use crate::scoring;
use crate::state::{Domain, PeriodState, period_stream};
use ledger_core::Timestamp;
use ledger_core::append::Submission;
use rust_decimal::Decimal;
use rust_decimal::RoundingStrategy;
use serde_json::json;

/// The offices of the demonstration: key name, holder, roles.
pub const OFFICES: [(&str, &str, &[&str]); 7] = [
    ("authority", "济南市人民政府 / Jinan Municipal People's Government (city authority)", &["authority"]),
    ("statistics", "济南市统计局 / Jinan Municipal Bureau of Statistics", &["statistics"]),
    ("assessment", "济南市考核办公室 / Jinan Municipal Assessment Office", &["assessment"]),
    ("inspector", "济南市审计局 / Jinan Municipal Audit Bureau (inspector)", &["inspector"]),
    ("shanghe", "商河县人民政府 / Shanghe County People's Government", &["unit"]),
    ("log", "考核账本日志运营方 / assessment ledger log operator", &["log"]),
    (
        "projects",
        "济南市发展和改革委员会 / Jinan Municipal Development and Reform Commission (project library)",
        &["projects"],
    ),
];

/// Who signs a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// An office of [`OFFICES`], by key name.
    Office(&'static str),
}

/// Writes batches for the demonstration.
pub trait Writer {
    /// Signs the batch with the office's key at time `at` and appends it
    /// (all or nothing); returns the sequence numbers.
    fn write(&mut self, signer: Signer, batch: Vec<Submission>, at: Timestamp) -> Result<Vec<u64>, String>;
    /// The domain state after everything written so far.
    fn domain(&self) -> &Domain;
    /// The public key (64 hex digits) of an office of [`OFFICES`].
    fn public_key(&self, office: &'static str) -> Option<String>;
    /// How many records the ledger holds.
    fn records(&self) -> Result<u64, String>;
    /// The salted commitment to a named official's details, to go in the
    /// `person` of an event of the next batch; the writer keeps the details
    /// and salt beside that event's record (`crate::personal`).
    fn seal_person(&mut self, details: &serde_json::Value) -> Result<String, String>;
}

/// The marker every synthetic value carries.
pub const SYNTHETIC: &str = "SYNTHETIC demonstration value, generated deterministically; not an official statistic";

const YEARS: std::ops::RangeInclusive<i32> = 2018..=2022;

/// Share of the city's totals, and how well each unit does (100 = on
/// track), in hundredths.
const PROFILE: [(&str, i64, i64); 15] = [
    ("lixia", 14, 110),
    ("shizhong", 10, 102),
    ("huaiyin", 7, 97),
    ("tianqiao", 7, 93),
    ("licheng", 13, 105),
    ("changqing", 5, 90),
    ("zhangqiu", 8, 100),
    ("jiyang", 4, 92),
    ("pingyin", 3, 88),
    ("shanghe", 3, 20),
    ("gaoxin", 12, 115),
    ("nanbu", 2, 85),
    ("xianxing", 3, 95),
    ("laiwu", 6, 96),
    ("gangcheng", 3, 90),
];

fn hundredths(x: i64) -> Decimal {
    Decimal::new(x, 2)
}

fn t(date_time: &str) -> Result<Timestamp, String> {
    date_time.parse().map_err(|e| format!("{e}"))
}

/// A deterministic number in [-1, 1] (in millionths) from a label.
fn noise(label: &str) -> Decimal {
    let h = blake3::hash(label.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&h.as_bytes()[..8]);
    let n = (u64::from_be_bytes(b) % 2_000_001) as i64 - 1_000_000;
    Decimal::new(n, 6)
}

/// A generated figure as a decimal string with `places` places.
fn dec(x: Decimal, places: u32) -> String {
    let d = x.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    let d = if d.is_zero() { Decimal::ZERO } else { d };
    format!("{:.*}", places as usize, d)
}

#[derive(Clone, Copy)]
enum Shape {
    /// Each unit is around the city's level (shares, per-capita figures).
    Level,
    /// Units split the city's total by their share.
    Total,
}

/// (indicator, shape, decimal places)
const SERIES: [(&str, Shape, u32); 17] = [
    ("1", Shape::Level, 1),
    ("2", Shape::Level, 1),
    ("3", Shape::Level, 1),
    ("4", Shape::Level, 1),
    ("5", Shape::Level, 1),
    ("6", Shape::Total, 0),
    ("7", Shape::Level, 2),
    ("8", Shape::Level, 1),
    ("9", Shape::Total, 0),
    ("10", Shape::Level, 1),
    ("11", Shape::Total, 0),
    ("12", Shape::Level, 1),
    ("13", Shape::Level, 0),
    ("14", Shape::Total, 2),
    ("15", Shape::Total, 1),
    ("16", Shape::Level, 1),
    ("17", Shape::Total, 1),
];

/// The city's baseline (2017) and 2022 target for an indicator, from the catalog.
fn city_path(indicator: &str) -> Result<(Decimal, Decimal), String> {
    let catalog: serde_json::Value = serde_json::from_str(defaults::CATALOG).map_err(|e| e.to_string())?;
    let entry =
        catalog.as_array().and_then(|a| a.iter().find(|e| e["id"] == indicator)).ok_or("indicator not in catalog")?;
    let num = |v: &serde_json::Value| v.as_str().and_then(|s| ledger_score::parse_decimal(s).ok());
    Ok((num(&entry["baseline"]["value"]).ok_or("no baseline")?, num(&entry["target"]["value"]).ok_or("no target")?))
}

/// The city's planned figure for a year (a straight line from 2017 to 2022).
fn planned(indicator: &str, year: i32) -> Result<Decimal, String> {
    let (b, t) = city_path(indicator)?;
    Ok(b + (t - b) * Decimal::from(year - 2017) / Decimal::from(5))
}

fn unit_figure(shape: Shape, city: Decimal, share: i64) -> Decimal {
    match shape {
        Shape::Level => city,
        Shape::Total => city * hundredths(share),
    }
}

/// Builds the whole demonstration on top of a ledger whose governance
/// (roots, office keys) is already in place. Returns what it showed being
/// refused.
pub fn build(w: &mut dyn Writer) -> Result<Built, String> {
    let start = t("2018-01-03T09:00:00Z")?;
    w.write(Signer::Office("authority"), defaults::catalog_events()?, start)?;
    w.write(
        Signer::Office("authority"),
        vec![Submission::new("settings", "time_zone_adopted", json!({"zone": "Asia/Shanghai"}), "time-zone")],
        start,
    )?;
    w.write(Signer::Office("authority"), defaults::unit_events()?, start)?;
    // Shanghe's key speaks for Shanghe only (`ledger key bind`).
    let shanghe = w.public_key("shanghe").ok_or("no key for shanghe")?;
    w.write(
        Signer::Office("authority"),
        vec![Submission::new(
            "unit/shanghe",
            "unit_key_bound",
            json!({"unit": "shanghe", "key": shanghe}),
            "bind-shanghe",
        )],
        start,
    )?;
    w.write(Signer::Office("authority"), vec![defaults::policy_event()?], start)?;
    w.write(
        Signer::Office("inspector"),
        vec![Submission::new("notes", "note", json!({"text": format!("This is a demonstration ledger. Every measured value in it is synthetic: {SYNTHETIC}.")}), "demo-notice")],
        start,
    )?;
    let mut built = Built::default();
    for year in YEARS {
        period(w, year)?;
        library_year(w, year, &mut built)?;
        monitoring_year(w, year)?;
    }
    // The earliest named official's details are erased: the record keeps its
    // commitment, the chain verifies as before.
    let first = w.domain().personal.keys().next().copied();
    if let Some(record) = first {
        w.write(
            Signer::Office("authority"),
            vec![Submission::new(
                crate::personal::STREAM,
                "personal_data_redacted",
                json!({"record": record, "reason": "retention period of the admonition record ended (synthetic demonstration)"}),
                "redact-first-official",
            )],
            t("2023-05-20T09:00:00Z")?,
        )?;
    }
    Ok(built)
}

fn units_of(domain: &Domain, year: i32) -> Vec<&'static str> {
    PROFILE.iter().map(|p| p.0).filter(|u| domain.units.get(*u).is_some_and(|unit| unit.exists_in(year))).collect()
}

fn period(w: &mut dyn Writer, year: i32) -> Result<(), String> {
    let p = year.to_string();
    let stream = period_stream(&p);
    let units = units_of(w.domain(), year);
    let indicators: Vec<String> = w.domain().indicators.keys().cloned().collect();
    let opened = t(&format!("{year}-01-05T09:00:00Z"))?;
    // 2022 is assessed with version 2 of the policy, which adds a process component.
    let version = if year == 2022 { 2 } else { 1 };
    if version == 2 {
        w.write(Signer::Office("authority"), vec![defaults::policy_2022_event()?], t("2022-01-04T09:00:00Z")?)?;
    }
    w.write(
        Signer::Office("authority"),
        vec![Submission::new(
            &stream,
            "period_opened",
            json!({"year": year, "units": units, "indicators": indicators, "policy": {"id": "jinan-nokec-2018", "version": version}}),
            &format!("open-{p}"),
        )],
        opened,
    )?;

    // Targets: the city's planned path for the year, per unit; 18 is the
    // figure the province assigns, 19 the air-quality standard.
    let mut targets = Vec::new();
    for &(unit, share, _) in PROFILE.iter().filter(|p| units.contains(&p.0)) {
        for (ind, shape, places) in SERIES {
            let target = unit_figure(shape, planned(ind, year)?, share);
            let baseline = unit_figure(shape, planned(ind, year - 1)?, share);
            let (target, baseline) =
                if places == 0 { (target.max(Decimal::ONE), baseline.max(Decimal::ZERO)) } else { (target, baseline) };
            targets.push(json!({"unit": unit, "indicator": ind, "target": dec(target, places), "baseline": dec(baseline, places)}));
        }
        targets.push(json!({"unit": unit, "indicator": "18", "target": "3.5", "note": "energy-intensity cut the province assigned for the year (illustrative)"}));
        targets.push(json!({"unit": unit, "indicator": "19", "target": "5.0", "note": "PM2.5 cut needed to stay on course to the standard (illustrative)"}));
    }
    let subs = targets
        .into_iter()
        .enumerate()
        .map(|(i, data)| Submission::new(&stream, "target_assigned", data, &format!("target-{p}-{i}")))
        .collect();
    w.write(Signer::Office("authority"), subs, t(&format!("{year}-01-10T09:00:00Z"))?)?;

    if year == 2022 {
        process_year(w, &stream, &p, year, &units)?;
    }

    // Values, reported early the next year.
    let reported = t(&format!("{}-02-01T09:00:00Z", year + 1))?;
    let mut values = Vec::new();
    for &(unit, share, perf) in PROFILE.iter().filter(|p| units.contains(&p.0)) {
        let perf = hundredths(perf);
        let d = |x: i64, scale: u32| Decimal::new(x, scale);
        let progress = |ind: &str| perf + d(12, 2) * noise(&format!("{unit}/{ind}/{year}"));
        for (ind, shape, places) in SERIES {
            let base = unit_figure(shape, planned(ind, year - 1)?, share);
            let goal = unit_figure(shape, planned(ind, year)?, share);
            let mut v =
                base + (goal - base) * progress(ind) + goal * d(1, 2) * noise(&format!("{unit}/{ind}/{year}/level"));
            if ind == "5" || ind == "8" {
                v = v.min(Decimal::from(99));
            }
            values.push((unit, ind, dec(v.max(Decimal::ZERO), places)));
        }
        // 18: the province's energy target is met by units at or near their plan.
        values.push((
            unit,
            "18",
            dec(d(35, 1) + d(4, 0) * (perf - d(9, 1)) + d(3, 1) * noise(&format!("{unit}/18/{year}")), 1),
        ));
        // 19: every unit meets the PM2.5 course but the southern mountains in
        // 2020 (a forest-fire year in this story), which shows the veto.
        let pm = if unit == "nanbu" && year == 2020 {
            d(42, 1)
        } else {
            d(60, 1) + d(5, 1) * noise(&format!("{unit}/19/{year}"))
        };
        values.push((unit, "19", dec(pm, 1)));
        let f = |label: &str| noise(&format!("{unit}/{label}/{year}"));
        values.push((unit, "F1", dec(d(60, 1) + d(50, 1) * (perf - d(9, 1)) + d(2, 0) * f("F1"), 1)));
        values.push((unit, "F2", dec(d(8, 1) + d(2, 0) * (perf - d(9, 1)) + f("F2"), 1)));
        values.push((unit, "F3", dec(d(60000, 0) * hundredths(share) * (Decimal::ONE + d(2, 1) * f("F3")), 1)));
    }
    let subs: Vec<Submission> = values
        .iter()
        .map(|(unit, ind, v)| {
            Submission::new(
                &stream,
                "measurement_submitted",
                json!({"unit": unit, "indicator": ind, "value": v, "note": SYNTHETIC,
                       "evidence": {"blake3": blake3::hash(format!("{unit}/{ind}/{year}: {v}").as_bytes()).to_hex().to_string(),
                                    "title": format!("{year} statistical report of {unit} (synthetic)")}}),
                &format!("value-{p}-{unit}-{ind}"),
            )
        })
        .collect();
    let seqs = w.write(Signer::Office("statistics"), subs, reported)?;
    let submitted: Vec<(&str, &str, u64)> = values.iter().zip(&seqs).map(|((u, i, _), s)| (*u, *i, *s)).collect();
    let seq_of = |unit: &str, ind: &str| submitted.iter().find(|(u, i, _)| *u == unit && *i == ind).map(|x| x.2);

    // 2019: one value goes back to the bureau and comes again.
    let mut returned = None;
    if year == 2019 {
        let m = seq_of("pingyin", "13").ok_or("missing value")?;
        w.write(
            Signer::Office("assessment"),
            vec![Submission::new(&stream, "measurement_returned", json!({"measurement": m, "reason": "per-capita figure computed on the registered instead of the resident population"}), "return-2019-pingyin-13")],
            t(&format!("{}-02-05T09:00:00Z", year + 1))?,
        )?;
        let again = w.write(
            Signer::Office("statistics"),
            vec![Submission::new(
                &stream,
                "measurement_submitted",
                json!({"unit": "pingyin", "indicator": "13", "value": "3050", "note": SYNTHETIC}),
                "value-2019-pingyin-13-resubmitted",
            )],
            t(&format!("{}-02-07T09:00:00Z", year + 1))?,
        )?;
        returned = Some((m, again.first().copied().ok_or("nothing written")?));
    }
    // 2020: a correction with a reason.
    if year == 2020 {
        let m = seq_of("huaiyin", "9").ok_or("missing value")?;
        w.write(
            Signer::Office("statistics"),
            vec![Submission::new(&stream, "measurement_corrected", json!({"corrects": m, "value": "118", "reason": "two enterprises certified in December were left out of the first count"}), "correct-2020-huaiyin-9")],
            t(&format!("{}-02-08T09:00:00Z", year + 1))?,
        )?;
    }
    // The assessment office verifies every current value.
    let current: Vec<u64> = submitted
        .iter()
        .map(|x| x.2)
        .filter(|s| returned.is_none_or(|(old, _)| *s != old))
        .chain(returned.map(|(_, new)| new))
        .collect();
    let subs = current
        .iter()
        .map(|s| {
            Submission::new(&stream, "measurement_verified", json!({"measurement": s}), &format!("verify-{p}-{s}"))
        })
        .collect();
    w.write(Signer::Office("assessment"), subs, t(&format!("{}-02-20T09:00:00Z", year + 1))?)?;

    // Publication, with a 15-day public notice.
    let published = t(&format!("{}-03-01T09:00:00Z", year + 1))?;
    let window = format!("{}-03-15", year + 1);
    let hash = projection_hash(w.domain(), &p, Some(published))?;
    w.write(
        Signer::Office("assessment"),
        vec![Submission::new(
            &stream,
            "scores_published",
            json!({"window_until": window, "projection_hash": hash}),
            &format!("publish-{p}"),
        )],
        published,
    )?;

    if year == 2022 {
        objections(w, &stream, &p)?;
    }

    let hash = projection_hash(w.domain(), &p, None)?;
    w.write(
        Signer::Office("assessment"),
        vec![Submission::new(&stream, "period_finalized", json!({"projection_hash": hash}), &format!("finalize-{p}"))],
        t(&format!("{}-03-20T09:00:00Z", year + 1))?,
    )?;
    consequences(w, &stream, &p, year)
}

/// The in-year record of 2022 (the first year of the policy's process
/// component, so the rounds start once the 2021 assessment is closed):
/// three quarterly monitoring rounds (Q2, Q3, Q4) asking for high-tech
/// enterprises (9) and new enterprises (14), cumulative, with reports on
/// time, late (Pingyin in Q2, Shanghe in Q2 and Q3), missing (Shanghe in
/// Q4) and corrected (Tianqiao in Q3); and three supervision findings, one
/// closed in time, one closed late and one left open past its date.
fn process_year(w: &mut dyn Writer, stream: &str, p: &str, year: i32, units: &[&str]) -> Result<(), String> {
    let next = year + 1;
    let open = |q: i64, due: String| {
        Submission::new(
            stream,
            "monitoring_round_opened",
            json!({"round": format!("{year}-Q{q}"), "due": due, "indicators": ["9", "14"],
                   "note": format!("quarterly monitoring, Q{q} (cumulative figures)")}),
            &format!("round-{year}-Q{q}"),
        )
    };
    let at = |md: &str| t(&format!("{year}-{md}T09:00:00Z"));
    // A quarter's cumulative figure: q/4 of the year's goal, give or take 5 %.
    let figure = |unit: &str, ind: &str, q: i64| -> Result<Decimal, String> {
        let share = PROFILE.iter().find(|x| x.0 == unit).map_or(1, |x| x.1);
        let goal = unit_figure(Shape::Total, planned(ind, year)?, share);
        Ok((goal * Decimal::new(q, 0) / Decimal::from(4)
            * (Decimal::ONE + Decimal::new(5, 2) * noise(&format!("{unit}/{ind}/{year}/Q{q}"))))
        .max(Decimal::ZERO))
    };
    let places = |ind: &str| if ind == "9" { 0 } else { 2 };
    let value = |unit: &str, ind: &str, q: i64| Ok::<_, String>(dec(figure(unit, ind, q)?, places(ind)));
    let reports = |q: i64, of: &dyn Fn(&str) -> bool| -> Result<Vec<Submission>, String> {
        let mut out = Vec::new();
        for unit in units.iter().copied().filter(|u| of(u)) {
            for ind in ["9", "14"] {
                out.push(Submission::new(
                    stream,
                    "measurement_submitted",
                    json!({"unit": unit, "indicator": ind, "value": value(unit, ind, q)?, "round": format!("{year}-Q{q}"), "note": SYNTHETIC}),
                    &format!("value-{p}-Q{q}-{unit}-{ind}"),
                ));
            }
        }
        Ok(out)
    };
    let finding = |id: &str, unit: &str, severity: &str, text: &str, due: &str, round: Option<&str>| {
        let mut data = json!({"finding": id, "unit": unit, "severity": severity, "text": text, "follow_up_due": format!("{year}-{due}")});
        if let Some(r) = round {
            data["round"] = json!(format!("{year}-{r}"));
        }
        Submission::new(stream, "supervision_recorded", data, &format!("supervision-{id}"))
    };
    let close = |id: &str, text: &str| {
        Submission::new(stream, "supervision_closed", json!({"finding": id, "text": text}), &format!("close-{id}"))
    };
    let (a, s) = (Signer::Office("assessment"), Signer::Office("statistics"));
    w.write(a, vec![open(2, format!("{year}-07-15"))], at("05-20")?)?;
    w.write(a, vec![open(3, format!("{year}-10-15"))], at("07-01")?)?;
    w.write(s, reports(2, &|u| u != "shanghe" && u != "pingyin")?, at("07-10")?)?;
    w.write(s, reports(2, &|u| u == "shanghe" || u == "pingyin")?, at("07-22")?)?;
    w.write(
        a,
        vec![
            finding(
                "sup-2022-1",
                "shanghe",
                "minor",
                "Q2 monitoring reports filed a week after the due date (SYNTHETIC)",
                "09-30",
                Some("Q2"),
            ),
            finding(
                "sup-2022-2",
                "changqing",
                "major",
                "the register of high-tech enterprises is not reconciled with the tax records (SYNTHETIC)",
                "10-31",
                None,
            ),
        ],
        at("08-10")?,
    )?;
    w.write(
        a,
        vec![close("sup-2022-1", "reporting calendar adopted by the county statistics office (SYNTHETIC)")],
        at("09-20")?,
    )?;
    w.write(a, vec![open(4, format!("{next}-01-15"))], at("10-01")?)?;
    let q3 = w.write(s, reports(3, &|u| u != "shanghe")?, at("10-12")?)?;
    // Tianqiao's Q3 count of new enterprises is corrected: a reason, a new event.
    let tianqiao = units.iter().filter(|u| **u != "shanghe").position(|u| *u == "tianqiao");
    if let Some(m) = tianqiao.and_then(|i| q3.get(2 * i + 1)) {
        w.write(
            s,
            vec![Submission::new(
                stream,
                "measurement_corrected",
                json!({"corrects": m, "value": dec(figure("tianqiao", "14", 3)? + Decimal::new(3, 2), 2),
                       "reason": "three enterprises registered on 30 September were left out (SYNTHETIC)"}),
                &format!("correct-{p}-Q3-tianqiao-14"),
            )],
            at("10-20")?,
        )?;
    }
    w.write(s, reports(3, &|u| u == "shanghe")?, at("11-05")?)?;
    w.write(
        a,
        vec![finding(
            "sup-2022-3",
            "shanghe",
            "major",
            "Q3 count of new enterprises is not supported by the registrations (SYNTHETIC)",
            "12-15",
            Some("Q3"),
        )],
        at("11-10")?,
    )?;
    w.write(a, vec![close("sup-2022-2", "register reconciled; 4 enterprises removed (SYNTHETIC)")], at("11-25")?)?;
    w.write(s, reports(4, &|u| u != "shanghe")?, t(&format!("{next}-01-10T09:00:00Z"))?)?;
    Ok(())
}

/// The projection hash a publication at `at` attests (its process
/// component counted as of then), or a finalisation (`None`).
fn projection_hash(domain: &Domain, period: &str, at: Option<Timestamp>) -> Result<String, String> {
    let p = domain.periods.get(period).ok_or("period missing")?;
    let cutoff = at.unwrap_or_else(|| crate::process::cutoff(domain, p));
    let (scores, _) = scoring::score_at(domain, p, cutoff)?;
    Ok(hex::encode(ledger_score::projection_hash(&scores)))
}

fn objections(w: &mut dyn Writer, stream: &str, p: &str) -> Result<(), String> {
    let filed = t("2023-03-06T09:00:00Z")?;
    // Shanghe contests its R&D personnel figure; the inspector, for
    // Changqing, contests its high-tech export share.
    let current =
        w.domain().periods.get(p).and_then(|x| {
            x.values.get(&("shanghe".to_owned(), "10".to_owned())).and_then(|v| v.last().map(|s| s.value))
        });
    let proposed =
        current.map(|v| (v * Decimal::new(125, 2)).round_dp(1).to_string()).unwrap_or_else(|| "100.0".into());
    w.write(
        Signer::Office("shanghe"),
        vec![Submission::new(
            stream,
            "objection_filed",
            json!({"objection": "obj-2022-1", "unit": "shanghe", "indicator": "10", "claim": "R&D staff of the county's new pharmaceutical park were counted under the pilot zone", "proposed_value": proposed}),
            "objection-2022-1",
        )],
        filed,
    )?;
    w.write(
        Signer::Office("inspector"),
        vec![Submission::new(
            stream,
            "objection_filed",
            json!({"objection": "obj-2022-2", "unit": "changqing", "indicator": "16", "claim": "the export share omits re-exports through the bonded zone"}),
            "objection-2022-2",
        )],
        filed,
    )?;
    let resolved = t("2023-03-14T09:00:00Z")?;
    w.write(
        Signer::Office("assessment"),
        vec![
            Submission::new(
                stream,
                "objection_resolved",
                json!({"objection": "obj-2022-1", "outcome": "upheld", "reasons": "payroll records confirm the staff work in Shanghe; figure recomputed", "corrected_value": proposed}),
                "resolve-2022-1",
            ),
            Submission::new(
                stream,
                "objection_resolved",
                json!({"objection": "obj-2022-2", "outcome": "dismissed", "reasons": "re-exports are excluded from the indicator by definition (customs statistics)"}),
                "resolve-2022-2",
            ),
        ],
        resolved,
    )?;
    Ok(())
}

/// Records exactly the rewards and accountability actions the rules imply.
fn consequences(w: &mut dyn Writer, stream: &str, p: &str, year: i32) -> Result<(), String> {
    let period = w.domain().periods.get(p).ok_or("period missing")?;
    if !matches!(period.state, PeriodState::Finalized { .. }) {
        return Err(format!("period {p} did not finalise"));
    }
    let scores = period.finalized_scores.clone().ok_or("no finalised scores")?;
    let mut rewards = Vec::new();
    let mut actions = Vec::new();
    for u in &scores.units {
        for c in &u.consequences {
            let id = format!("{}-{}", c.kind, u.unit);
            let basis = format!("{}: {}", c.clause, c.basis);
            match c.kind.as_str() {
                "policy_preference" => rewards.push(Submission::new(stream, "reward_granted", json!({"reward": id, "unit": u.unit, "kind": c.kind, "basis": basis}), &format!("{p}-{id}"))),
                "fiscal_reward" => rewards.push(Submission::new(
                    stream,
                    "reward_granted",
                    json!({"reward": id, "unit": u.unit, "kind": c.kind, "amount": c.amount.map(|a| a.to_string()), "basis": basis}),
                    &format!("{p}-{id}"),
                )),
                _ => {
                    let mut data = json!({"action": id, "unit": u.unit, "kind": c.kind, "basis": basis});
                    // Shanghe's admonition talks and accountability name the
                    // official concerned: by commitment only (docs/FORMAT.md 9.1).
                    if u.unit == "shanghe" && c.kind != "public_notice" {
                        let details = json!({"name": format!("Official {year}-A of Shanghe (synthetic)"), "position": "deputy county head (synthetic)"});
                        data["person"] = json!(w.seal_person(&details)?);
                    }
                    actions.push(Submission::new(stream, "accountability_action_taken", data, &format!("{p}-{id}")))
                }
            }
        }
    }
    let decided = t(&format!("{}-04-01T09:00:00Z", year + 1))?;
    let mut batch = rewards;
    batch.extend(actions);
    if !batch.is_empty() {
        w.write(Signer::Office("authority"), batch, decided)?;
    }
    // Shanghe answers an accountability action with a rectification report.
    let answer = w.domain().periods.get(p).and_then(|x| {
        x.decisions
            .values()
            .find(|d| d.unit == "shanghe" && d.kind != "policy_preference" && d.kind != "fiscal_reward")
            .map(|d| d.id.clone())
    });
    if let Some(action) = answer {
        w.write(
            Signer::Office("shanghe"),
            vec![Submission::new(
                stream,
                "rectification_submitted",
                json!({"action": action, "unit": "shanghe", "text": "rectification plan adopted by the county standing committee: R&D subsidy doubled, two incubators opened"}),
                &format!("rectify-{p}-shanghe"),
            )],
            t(&format!("{}-05-15T09:00:00Z", year + 1))?,
        )?;
    }
    Ok(())
}

/// What the demonstration showed being refused: the attempt, the refusal,
/// and the ledger's record count before and after (the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What was attempted.
    pub attempt: String,
    /// The refusal, as the rules gave it.
    pub message: String,
    /// Records before the attempt.
    pub records_before: u64,
    /// Records after it.
    pub records_after: u64,
}

/// What the demonstration built, beyond the ledger itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Built {
    /// The refusals it showed.
    pub refusals: Vec<Refusal>,
}

/// The major-project library of the demonstration: (id, zh, en, unit,
/// sector, planned investment in 万元, the year it enters the reserve).
const PROJECTS: [(&str, &str, &str, &str, &str, &str, i32); 12] = [
    (
        "jn-2018-001",
        "新一代信息技术产业园",
        "Next-generation IT industrial park",
        "lixia",
        "new-generation information technology",
        "350000",
        2018,
    ),
    ("jn-2018-002", "量子信息研究院", "Quantum information institute", "gaoxin", "quantum information", "120000", 2018),
    ("jn-2018-003", "智能装备产业基地", "Intelligent equipment base", "licheng", "high-end equipment", "280000", 2018),
    ("jn-2018-004", "新材料产业园", "New materials park", "zhangqiu", "new materials", "200000", 2018),
    (
        "jn-2019-005",
        "黄河北岸起步区配套工程",
        "Pilot-zone works north of the Yellow River",
        "xianxing",
        "infrastructure",
        "900000",
        2019,
    ),
    ("jn-2019-006", "温泉康养小镇", "Hot-spring wellness town", "shanghe", "health and wellness", "80000", 2019),
    ("jn-2019-007", "精品钢转型升级", "Fine steel upgrading", "laiwu", "advanced steel", "450000", 2019),
    ("jn-2020-008", "现代物流枢纽", "Modern logistics hub", "huaiyin", "modern logistics", "150000", 2020),
    ("jn-2020-009", "工业互联网平台", "Industrial internet platform", "tianqiao", "industrial internet", "60000", 2020),
    (
        "jn-2020-010",
        "大学城科创走廊",
        "University-town innovation corridor",
        "changqing",
        "science and education",
        "180000",
        2020,
    ),
    ("jn-2021-011", "生物医药产业园", "Biomedicine park", "pingyin", "biomedicine", "70000", 2021),
    ("jn-2021-012", "航空产业园", "Aviation industrial park", "jiyang", "aviation", "220000", 2021),
];

/// The Commission's moves, by the year they were recorded: (project, to,
/// basis, demotion reason).
const MOVES: [(i32, &str, Stage, &str, Option<&str>); 16] = [
    (2019, "jn-2018-001", Stage::Preparatory, "feasibility study approved (发改投资 2019-11)", None),
    (2019, "jn-2018-002", Stage::Preparatory, "feasibility study approved (发改投资 2019-12)", None),
    (2019, "jn-2018-003", Stage::Preparatory, "feasibility study approved (发改投资 2019-14)", None),
    (2019, "jn-2018-004", Stage::Preparatory, "feasibility study approved (发改投资 2019-15)", None),
    (2019, "jn-2018-004", Stage::Construction, "land, planning and environmental approvals complete", None),
    (2020, "jn-2018-001", Stage::Construction, "land, planning and environmental approvals complete", None),
    (2020, "jn-2018-002", Stage::Construction, "land, planning and environmental approvals complete", None),
    (2020, "jn-2019-005", Stage::Preparatory, "feasibility study approved (发改投资 2020-03)", None),
    (2020, "jn-2019-006", Stage::Preparatory, "feasibility study approved (发改投资 2020-07)", None),
    (2020, "jn-2019-007", Stage::Preparatory, "feasibility study approved (发改投资 2020-08)", None),
    (2021, "jn-2018-003", Stage::Construction, "land, planning and environmental approvals complete", None),
    (2021, "jn-2019-005", Stage::Construction, "land, planning and environmental approvals complete", None),
    (2021, "jn-2020-008", Stage::Preparatory, "feasibility study approved (发改投资 2021-05)", None),
    (2021, "jn-2020-010", Stage::Preparatory, "feasibility study approved (发改投资 2021-09)", None),
    (
        2022,
        "jn-2020-008",
        Stage::Reserve,
        "annual review of the library (2022)",
        Some("land-use approval lapsed; the site is being re-planned"),
    ),
    (2022, "jn-2021-012", Stage::Preparatory, "feasibility study approved (发改投资 2022-04)", None),
];

const APPROVER: &str = "Jinan Municipal Development and Reform Commission";

fn library_year(w: &mut dyn Writer, year: i32, built: &mut Built) -> Result<(), String> {
    let at = t(&format!("{}-05-10T09:00:00Z", year + 1))?;
    let stage_of = |w: &dyn Writer, id: &str| w.domain().projects.get(id).map(|p| p.stage);
    // Registrations of the year.
    let subs: Vec<Submission> = PROJECTS
        .iter()
        .filter(|p| p.6 == year)
        .map(|(id, zh, en, unit, sector, planned, _)| {
            Submission::new(
                &project_stream(id),
                "project_registered",
                json!({"project": id, "name_zh": zh, "name_en": en, "unit": unit, "sector": sector,
                       "planned_investment": planned, "investment_unit": INVESTMENT_UNIT, "stage": "reserve",
                       "note": "SYNTHETIC demonstration project"}),
                &format!("project-{id}"),
            )
        })
        .collect();
    if !subs.is_empty() {
        w.write(Signer::Office("projects"), subs, at)?;
    }
    // 2021: the corridor is proposed straight for construction; the rules
    // refuse the skip, and nothing is written.
    if year == 2021 {
        let id = "jn-2020-010";
        let before = w.records()?;
        let domain_before = w.domain().projects.clone();
        let attempt = Submission::new(
            &project_stream(id),
            "project_promoted",
            json!({"project": id, "from": "reserve", "to": "construction", "basis": "proposed for the 2021 construction list", "approved_by": APPROVER}),
            "promote-jn-2020-010-skip",
        );
        match w.write(Signer::Office("projects"), vec![attempt], at) {
            Ok(_) => return Err(format!("the demonstration's skip of {id} from reserve to construction was accepted")),
            Err(message) => {
                let after = w.records()?;
                if after != before || w.domain().projects != domain_before {
                    return Err(format!("the refused skip of {id} changed the ledger"));
                }
                built.refusals.push(Refusal {
                    attempt: format!("project_promoted {id} reserve -> construction"),
                    message,
                    records_before: before,
                    records_after: after,
                });
            }
        }
    }
    // Moves of the year.
    for (i, (_, id, to, basis, demotion)) in MOVES.iter().enumerate().filter(|(_, m)| m.0 == year) {
        let from = stage_of(&*w, id).ok_or_else(|| format!("project {id} is not registered"))?;
        let mut data =
            json!({"project": id, "from": from.name(), "to": to.name(), "basis": basis, "approved_by": APPROVER});
        if let Some(reason) = demotion {
            data["demotion"] = json!(true);
            data["reason"] = json!(reason);
        }
        let sub = Submission::new(&project_stream(id), "project_promoted", data, &format!("move-{year}-{i}"));
        w.write(Signer::Office("projects"), vec![sub], at)?;
    }
    // Progress of the projects past the reserve, for the year; Shanghe reports its own.
    let reporting: Vec<(String, String, Stage)> = w
        .domain()
        .projects
        .values()
        .filter(|p| p.stage != Stage::Reserve && p.completed.is_none())
        .map(|p| (p.id.clone(), p.unit.clone(), p.stage))
        .collect();
    for (id, unit, stage) in reporting {
        let planned = PROJECTS.iter().find(|p| p.0 == id).map(|p| p.5).ok_or("unknown project")?;
        let planned: Decimal = planned.parse().map_err(|e| format!("{e}"))?;
        let share = if stage == Stage::Construction { Decimal::new(25, 2) } else { Decimal::new(2, 2) };
        let amount = dec(planned * share * (Decimal::ONE + Decimal::new(1, 1) * noise(&format!("{id}/{year}"))), 1);
        let milestone = if stage == Stage::Construction { "construction on schedule" } else { "design and approvals" };
        let data = json!({"project": id, "period": year.to_string(), "investment_completed": amount, "milestone": milestone,
            "evidence": {"blake3": blake3::hash(format!("{id}/{year}: {amount}").as_bytes()).to_hex().to_string(),
                         "title": format!("{year} progress report of {id} (synthetic)")}});
        let signer = if unit == "shanghe" { "shanghe" } else { "projects" };
        let sub =
            Submission::new(&project_stream(&id), "project_progress_reported", data, &format!("progress-{id}-{year}"));
        w.write(Signer::Office(signer), vec![sub], at)?;
    }
    // 2021: the new-materials park is completed; 2022: it is evaluated, and
    // the IT park completed.
    let complete = |id: &str, date: &str| {
        Submission::new(
            &project_stream(id),
            "project_completed",
            json!({"project": id, "completed": date}),
            &format!("complete-{id}"),
        )
    };
    if year == 2021 {
        w.write(Signer::Office("projects"), vec![complete("jn-2018-004", "2021-11-30")], at)?;
    }
    if year == 2022 {
        w.write(Signer::Office("projects"), vec![complete("jn-2018-001", "2022-12-20")], at)?;
        let id = "jn-2018-004";
        let sub = Submission::new(
            &project_stream(id),
            "project_evaluated",
            json!({"project": id, "rating": "good", "summary": "built to plan and on budget; output in the first year below the forecast (synthetic)",
                   "evidence": {"blake3": blake3::hash(b"evaluation jn-2018-004").to_hex().to_string(), "title": "result evaluation of jn-2018-004 (synthetic)"}}),
            "evaluate-jn-2018-004",
        );
        w.write(Signer::Office("assessment"), vec![sub], at)?;
    }
    Ok(())
}

/// The demonstration's policy measures: (id, zh, en, lead office, due, the
/// year it is reported done). Titles are in the plan's spirit; the source
/// says they are illustrative.
const MEASURES: [(&str, &str, &str, &str, &str, i32); 4] = [
    (
        "m-fund",
        "设立新旧动能转换引导基金",
        "A guidance fund for the conversion",
        "Jinan Municipal Finance Bureau",
        "2019-12-31",
        2019,
    ),
    (
        "m-talent",
        "实施高层次人才引进计划",
        "A programme to attract high-level talent",
        "Jinan Municipal Human Resources Bureau",
        "2020-12-31",
        2021,
    ),
    (
        "m-land",
        "建立重大项目用地保障机制",
        "Land supply guaranteed for major projects",
        "Jinan Municipal Natural Resources Bureau",
        "2021-06-30",
        2022,
    ),
    (
        "m-permits",
        "推行项目审批“一次办成”",
        "Project approvals in one visit",
        "Jinan Municipal Administrative Approval Bureau",
        "2022-12-31",
        0,
    ),
];

/// Measures registered in 2018 and reported each year; land use reported
/// for the units with projects past the reserve, naming those in construction.
fn monitoring_year(w: &mut dyn Writer, year: i32) -> Result<(), String> {
    use crate::events::MeasureStatus;
    use crate::monitoring::{land_stream, measure_stream};
    let at = t(&format!("{}-05-12T09:00:00Z", year + 1))?;
    if year == 2018 {
        let subs = MEASURES
            .iter()
            .map(|(id, zh, en, office, due, _)| {
                Submission::new(
                    &measure_stream(id),
                    "measure_registered",
                    json!({"measure": id, "title_zh": zh, "title_en": en, "lead_office": office, "due": due,
                           "source": "the plan's policy support (lines 764-774; SYNTHETIC demonstration measure)"}),
                    &format!("measure-{id}"),
                )
            })
            .collect();
        w.write(Signer::Office("authority"), subs, at)?;
    }
    let mut reports = Vec::new();
    for (id, _, _, _, _, done) in MEASURES {
        if w.domain().measures.get(id).is_some_and(|m| m.status() == MeasureStatus::Done) {
            continue;
        }
        let status = if done == year { "done" } else { "in_progress" };
        reports.push(Submission::new(
            &measure_stream(id),
            "measure_progress_reported",
            json!({"measure": id, "period": year.to_string(), "status": status,
                   "text": format!("{} (synthetic)", if status == "done" { "carried out" } else { "under way" })}),
            &format!("measure-{id}-{year}"),
        ));
    }
    if !reports.is_empty() {
        w.write(Signer::Office("projects"), reports, at)?;
    }
    let mut land = Vec::new();
    let mut units: Vec<String> =
        w.domain().projects.values().filter(|p| p.stage != Stage::Reserve).map(|p| p.unit.clone()).collect();
    units.sort();
    units.dedup();
    for unit in units {
        let building: Vec<String> = w
            .domain()
            .projects
            .values()
            .filter(|p| p.unit == unit && p.stage == Stage::Construction && p.completed.is_none())
            .map(|p| p.id.clone())
            .collect();
        let supplied = Decimal::from(40) + Decimal::from(20) * noise(&format!("land/{unit}/{year}"));
        let used = supplied * (Decimal::new(6, 1) + Decimal::new(2, 1) * noise(&format!("land/{unit}/{year}/used")));
        land.push(Submission::new(
            &land_stream(&unit),
            "land_use_reported",
            json!({"unit": unit, "period": year.to_string(), "supplied_ha": dec(supplied, 2), "used_ha": dec(used, 2), "projects": building}),
            &format!("land-{unit}-{year}"),
        ));
    }
    if !land.is_empty() {
        w.write(Signer::Office("statistics"), land, at)?;
    }
    Ok(())
}

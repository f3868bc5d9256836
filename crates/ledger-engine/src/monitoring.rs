//! The plan's policy measures and land use (plan line 774): the events the
//! authority, the Commission and the statistics bureau write
//! (`ledger monitoring register|progress|land`), and the
//! listing of `ledger monitoring list`.

use crate::Error;
use crate::names::Names;
use crate::office::member;
use crate::remedy::{Input, Known, Remedy};
use ledger_core::append::Submission;
use ledger_domain::Domain;
use ledger_domain::events::{Date, Dec, LandUseReported, MeasureProgressReported, MeasureRegistered, Payload};
use ledger_domain::monitoring::{land_stream, measure_stream};
use serde_json::{Value, json};

fn decimal(input: Input, v: &str) -> Result<Dec, Error> {
    Dec::exact(v.trim()).map_err(|e| {
        Error::refused_with(format!("{} {v:?} is not a decimal: {e}", input.noun()), Remedy::FixInput { input })
    })
}

/// `measure_registered`.
pub fn register(
    id: &str,
    (title_zh, title_en): (&str, &str),
    lead_office: &str,
    source: &str,
    due: Option<&str>,
) -> Submission {
    let registered = MeasureRegistered {
        measure: id.to_owned(),
        title_zh: title_zh.to_owned(),
        title_en: title_en.to_owned(),
        lead_office: lead_office.to_owned(),
        source: source.to_owned(),
        // The date is checked by the rules, as any payload's.
        due: due.map(|d| Date(d.to_owned())),
    };
    registered.submission(&measure_stream(id), &crate::fresh_id())
}

/// `measure_progress_reported` (`status`: planned, in_progress, done).
pub fn progress(domain: &Domain, id: &str, period: &str, status: &str, text: &str) -> Result<Submission, Error> {
    if !domain.measures.contains_key(id) {
        let known: Vec<&str> = domain.measures.keys().map(String::as_str).take(20).collect();
        return Err(Error::refused_with(
            format!("measure {id:?} is not registered"),
            Remedy::choose(Known::Measures, known),
        ));
    }
    let report = MeasureProgressReported {
        measure: id.to_owned(),
        period: period.to_owned(),
        status: member(MeasureProgressReported::TYPE, "status", status)?,
        text: text.to_owned(),
        evidence: None,
    };
    Ok(report.submission(&measure_stream(id), &crate::fresh_id()))
}

/// `land_use_reported`: the unit by id or name, hectares as decimals.
pub fn land_use(
    domain: &Domain,
    unit: &str,
    period: &str,
    (supplied, used): (&str, &str),
    projects: &[String],
) -> Result<Submission, Error> {
    let unit = Names::new(domain).unit(unit)?;
    let report = LandUseReported {
        supplied_ha: decimal(Input::SuppliedArea, supplied)?,
        used_ha: decimal(Input::UsedArea, used)?,
        projects: projects.to_vec(),
        unit,
        period: period.to_owned(),
        evidence: None,
    };
    Ok(report.submission(&land_stream(&report.unit), &crate::fresh_id()))
}

/// `ledger monitoring list --json`: every measure with its reports and status,
/// the land use by unit, and the monitoring projection hash.
pub fn listing(domain: &Domain) -> Value {
    let measures: Vec<Value> = domain
        .measures
        .iter()
        .map(|(id, m)| {
            json!({"measure": id, "status": m.status(), "registered": m.registered, "definition": m.definition,
                   "reports": m.reports.iter().map(|(seq, r)| json!({"seq": seq, "report": r})).collect::<Vec<_>>()})
        })
        .collect();
    let land: Vec<Value> = domain
        .land_use
        .iter()
        .map(|(unit, v)| json!({"unit": unit, "reports": v.iter().map(|(seq, r)| json!({"seq": seq, "report": r})).collect::<Vec<_>>()}))
        .collect();
    json!({"measures": measures, "land_use": land, "monitoring_hash": ledger_domain::monitoring::projection_hash(domain)})
}

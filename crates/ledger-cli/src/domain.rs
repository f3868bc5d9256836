//! The assessment commands: demo, submit (CSV), catalog, units, publish,
//! finalize, scores, explain, audit.

use crate::commands::{
    LineResult, RulesFrom, append_with, fresh_id, open_read_only, open_store, read_private, report_appended,
    verify_store,
};
use crate::output::Out;
use crate::{Outcome, hinted};
use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use ledger_core::append::{KernelRules, Submission};
use ledger_core::authority::{Genesis, RootKey};
use ledger_core::verify::Options;
use ledger_core::{SigningKey, Timestamp};
use ledger_domain::demo::{OFFICES, Signer, Writer};
use ledger_domain::project;
use ledger_domain::state::{Period, PeriodState, period_stream};
use ledger_domain::{AsOf, Domain, Replay};
use ledger_store::{AppendTx, Store};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The assessment commands.
#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Build the demonstration ledger (keys, events, scores, verification) in DIR.
    Demo {
        /// Where: DIR/ledger.db and DIR/keys/. Rebuilt on each run.
        #[arg(long, default_value = "ledger/demo", value_name = "DIR")]
        dir: PathBuf,
    },
    /// Submit measured values from CSV (header unit,indicator,value[,evidence,evidence_title,measure,note]): all rows or none.
    Submit {
        /// The statistics office's private key.
        #[arg(long)]
        key: PathBuf,
        /// The period, e.g. 2022.
        #[arg(long)]
        period: String,
        /// The CSV file.
        file: PathBuf,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// List the indicator catalog.
    Catalog {
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// List the assessed units (of a period, or all with their history).
    Units {
        /// Only the units of this period.
        #[arg(long)]
        period: Option<String>,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Publish a period's scores (opens the objection window): computes and attests the projection hash.
    Publish {
        /// The assessment office's private key.
        #[arg(long)]
        key: PathBuf,
        /// The period.
        #[arg(long)]
        period: String,
        /// Last day objections may be filed (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        window_until: String,
    },
    /// Finalise a period: computes and attests the projection hash.
    Finalize {
        /// The assessment office's private key.
        #[arg(long)]
        key: PathBuf,
        /// The period.
        #[arg(long)]
        period: String,
    },
    /// Scores of a period: composite, rank, grade, per indicator, consequences.
    Scores(ScoresArgs),
    /// How each number of a unit's result was derived, event by event, clause by clause.
    Explain {
        /// The period.
        #[arg(long)]
        period: String,
        /// The unit.
        #[arg(long)]
        unit: String,
        /// Only this indicator.
        #[arg(long)]
        indicator: Option<String>,
        /// As the ledger stood at this sequence number or time.
        #[arg(long, value_name = "SEQ|TIME")]
        as_of: Option<String>,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Compare recorded rewards and sanctions with what the rules imply: exit 1 when there are findings.
    Audit {
        /// Only this period.
        #[arg(long)]
        period: Option<String>,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
}

/// Arguments of `ledger scores`.
#[derive(Debug, Args)]
pub struct ScoresArgs {
    /// The period.
    #[arg(long)]
    pub period: String,
    /// As the ledger stood at this sequence number, or time (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "SEQ|TIME")]
    pub as_of: Option<String>,
    /// One JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(db: &Path, command: DomainCommand, out: &mut Out) -> Result<Outcome> {
    match command {
        DomainCommand::Demo { dir } => demo(&dir, out),
        DomainCommand::Submit { key, period, file, json } => submit(db, &key, &period, &file, json, out),
        DomainCommand::Catalog { json } => catalog(db, json, out),
        DomainCommand::Units { period, json } => units(db, period.as_deref(), json, out),
        DomainCommand::Publish { key, period, window_until } => attest(db, &key, &period, Some(&window_until), out),
        DomainCommand::Finalize { key, period } => attest(db, &key, &period, None, out),
        DomainCommand::Scores(args) => scores(db, &args, out),
        DomainCommand::Explain { period, unit, indicator, as_of, json } => {
            explain(db, &period, &unit, indicator.as_deref(), as_of.as_deref(), json, out)
        }
        DomainCommand::Audit { period, json } => audit(db, period.as_deref(), json, out),
    }
}

// --- loading ---------------------------------------------------------------

/// The domain event types, for reading only what the replay needs.
fn domain_types() -> Vec<&'static str> {
    ledger_domain::events::TYPES.iter().map(|(t, _)| *t).filter(|t| *t != "checkpoint_signed").collect()
}

/// The domain state as the store holds it, inside an append transaction.
pub fn load_domain(tx: &AppendTx<'_>) -> Result<Domain> {
    let records = tx.records_of_types(&domain_types())?;
    let replay = Replay::run(records.iter().map(|r| (r, true)), AsOf::End);
    Ok(replay.domain)
}

/// The rules an append must pass: the verifiable log's, then the domain's.
pub fn ledger_rules(tx: &AppendTx<'_>) -> Result<crate::tlog::CheckpointRules<Domain>> {
    Ok(crate::tlog::CheckpointRules::new(load_domain(tx)?))
}

/// A verified, replayed ledger.
pub struct Loaded {
    pub replay: Replay,
    pub report: ledger_core::verify::Report,
    store: Store,
    position: u64,
}

impl Loaded {
    pub fn period(&self, id: &str) -> Result<&Period> {
        self.replay.domain.periods.get(id).ok_or_else(|| {
            let known: Vec<&str> = self.replay.domain.periods.keys().map(String::as_str).collect();
            hinted(format!("no period {id:?} in this ledger"), format!("periods: {}", known.join(", ")))
        })
    }

    /// The sequence number the view is as of.
    pub fn position(&self) -> u64 {
        self.position
    }
}

fn parse_as_of(text: Option<&str>) -> Result<AsOf> {
    let Some(text) = text else { return Ok(AsOf::End) };
    if let Ok(seq) = text.parse::<u64>() {
        return Ok(AsOf::Seq(seq));
    }
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(AsOf::Time(t));
    }
    if let Ok(t) = Timestamp::end_of_date(text) {
        return Ok(AsOf::Time(t));
    }
    Err(hinted(
        format!("--as-of {text:?} is neither a sequence number nor a time"),
        "give a sequence number (e.g. 1234), a time (2023-03-01T09:00:00Z) or a date (2023-03-01, meaning its end)",
    ))
}

/// Verifies the whole ledger and replays the records that pass, up to `as_of`.
pub fn load(db: &Path, as_of: AsOf) -> Result<Loaded> {
    let store = open_read_only(db)?;
    let crate::commands::Verified { report, replay } = verify_store(&store, Options::default())?;
    if !report.ok() {
        eprintln!(
            "warning: the ledger does not verify ({} problem(s)); records that fail are left out of what follows. Run `ledger verify`.",
            report.findings.len()
        );
    }
    // The verification replayed to the end already; replay again only to
    // stop earlier.
    let replay = match as_of {
        AsOf::End => replay,
        _ => ledger_node::verify::replay_verified(&store, &report.failed(), as_of)?,
    };
    let head = report.head_seq.unwrap_or(0);
    let position = match as_of {
        AsOf::Seq(n) => n.min(head),
        AsOf::End => head,
        AsOf::Time(_) => replay.position.unwrap_or(0),
    };
    Ok(Loaded { replay, report, store, position })
}

// --- attestation -----------------------------------------------------------

fn attest(db: &Path, key: &Path, period: &str, window: Option<&str>, out: &mut Out) -> Result<Outcome> {
    let author = read_private(key)?;
    let loaded = load(db, AsOf::End)?;
    let p = loaded.period(period)?;
    let (scores, _) = project::score(&loaded.replay.domain, p).map_err(|e| anyhow!(e))?;
    let hash = hex::encode(ledger_score::projection_hash(&scores));
    let (event_type, data) = match window {
        Some(w) => ("scores_published", json!({"window_until": w, "projection_hash": hash})),
        None => ("period_finalized", json!({"projection_hash": hash})),
    };
    let sub = Submission::new(&period_stream(period), event_type, data, &fresh_id());
    let mut store = open_store(db)?;
    // The hash is decided again inside the append transaction: if anything
    // changed since it was computed, the append is refused.
    let results = append_with(&mut store, &[(0, sub)], &author, &[], Timestamp::now(), RulesFrom::Ledger)?;
    report_appended(out, &results, false)?;
    out.line(format!("{event_type}: projection hash {hash}"))?;
    Ok(Outcome::Ok)
}

// --- CSV -------------------------------------------------------------------

fn submit(db: &Path, key: &Path, period: &str, file: &Path, json_out: bool, out: &mut Out) -> Result<Outcome> {
    let author = read_private(key)?;
    let bytes = ledger_node::files::read(file, ledger_node::files::CSV)?;
    let base = file.parent().unwrap_or(Path::new("."));
    let (columns, submissions) = csv_submissions(&bytes, period, base)?;
    let mut store = open_store(db)?;
    let results: Vec<LineResult> =
        append_with(&mut store, &submissions, &author, &[], Timestamp::now(), RulesFrom::Ledger)
            .map_err(|e| name_csv_column(e, &columns))?;
    report_appended(out, &results, json_out)?;
    Ok(Outcome::Ok)
}

const CSV_COLUMNS: [&str; 7] = ["unit", "indicator", "value", "evidence", "evidence_title", "measure", "note"];

/// Submissions with the line each came from.
pub type NumberedSubmissions = Vec<(usize, Submission)>;

/// A refusal of the rules names the payload field it is about ("value:
/// ...", "unknown unit ..."); in a CSV import, say which column that is.
fn name_csv_column(e: anyhow::Error, columns: &[String]) -> anyhow::Error {
    let text = format!("{e:#}");
    let Some((line, rest)) = text.split_once(": ").and_then(|(_, r)| r.split_once(": ")) else { return e };
    if !line.starts_with("line ") {
        return e;
    }
    let field = ["value", "unit", "indicator", "measure", "evidence", "note"].into_iter().find(|f| {
        rest.starts_with(&format!("{f}:"))
            || rest.starts_with(&format!("unknown {f} "))
            || rest.starts_with(&format!("{f} "))
    });
    match field.and_then(|f| columns.iter().position(|c| c == f).map(|i| (f, i + 1))) {
        Some((f, col)) => {
            let rest = rest.strip_prefix(&format!("{f}: ")).unwrap_or(rest);
            anyhow!("nothing was appended: {line}, column {col} ({f}): {rest}")
        }
        None => e,
    }
}

/// Turns a CSV file into submissions, numbered by CSV line, with the
/// header's column names. Event ids are derived from the period, unit,
/// indicator and value, so sending the same file twice records nothing new.
pub fn csv_submissions(bytes: &[u8], period: &str, base: &Path) -> Result<(Vec<String>, NumberedSubmissions)> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(bytes);
    let headers = reader.headers().map_err(|e| csv_error(&e, "header"))?.clone();
    let names: Vec<String> = headers.iter().map(|h| h.trim().to_owned()).collect();
    for (i, h) in names.iter().enumerate() {
        if !CSV_COLUMNS.contains(&h.as_str()) {
            bail!("line 1, column {}: unknown column {h:?} (columns: {})", i + 1, CSV_COLUMNS.join(", "));
        }
        if names[..i].contains(h) {
            bail!("line 1, column {}: column {h:?} appears twice", i + 1);
        }
    }
    for required in ["unit", "indicator", "value"] {
        if !names.iter().any(|n| n == required) {
            return Err(hinted(
                format!("line 1: the header has no {required:?} column"),
                "the header is unit,indicator,value (then optionally evidence,evidence_title,measure,note)",
            ));
        }
    }
    let col = |name: &str| names.iter().position(|n| n == name);
    let mut out = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(&e, "row"))?;
        let line = row.position().map_or(0, |p| p.line() as usize);
        let cell = |name: &str| col(name).and_then(|i| row.get(i)).map(str::trim).filter(|s| !s.is_empty());
        let column = |name: &str| col(name).map_or(0, |i| i + 1);
        let unit = cell("unit").ok_or_else(|| anyhow!("line {line}, column {} (unit): empty", column("unit")))?;
        let indicator = cell("indicator")
            .ok_or_else(|| anyhow!("line {line}, column {} (indicator): empty", column("indicator")))?;
        let value = cell("value").ok_or_else(|| anyhow!("line {line}, column {} (value): empty", column("value")))?;
        ledger_score::parse_decimal(value).map_err(|e| {
            hinted(
                format!("line {line}, column {} (value): {value:?} is not a decimal: {e}", column("value")),
                "write values like 25.6 or -3: a point for decimals, no thousands separators, no exponent",
            )
        })?;
        if let Some(first) = seen.insert((unit.to_owned(), indicator.to_owned()), line) {
            bail!("line {line}: unit {unit} and indicator {indicator} were already given on line {first}");
        }
        let mut data = json!({"unit": unit, "indicator": indicator, "value": value});
        if let Some(e) = cell("evidence") {
            let hash = if e.len() == 64 && e.bytes().all(|c| c.is_ascii_hexdigit()) {
                e.to_ascii_lowercase()
            } else {
                let doc = base.join(e);
                let hash = ledger_node::files::hash(&doc, ledger_node::files::EVIDENCE).map_err(|err| {
                    anyhow!("line {line}, column {} (evidence): {err}; give a file path relative to the CSV or a 64-hex-digit BLAKE3 hash", column("evidence"))
                })?;
                hash.to_hex().to_string()
            };
            let title = cell("evidence_title").map(str::to_owned).unwrap_or_else(|| e.to_owned());
            data["evidence"] = json!({"blake3": hash, "title": title});
        }
        if let Some(m) = cell("measure") {
            data["measure"] = json!(m);
        }
        if let Some(n) = cell("note") {
            data["note"] = json!(n);
        }
        let digest = blake3::hash(value.as_bytes()).to_hex();
        let id = format!("csv-{period}-{unit}-{indicator}-{}", &digest[..12]);
        out.push((line, Submission::new(&period_stream(period), "measurement_submitted", data, &id)));
    }
    if out.is_empty() {
        bail!("the CSV file has a header but no rows");
    }
    Ok((names, out))
}

fn csv_error(e: &csv::Error, what: &str) -> anyhow::Error {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { pos, expected_len, len } => {
            anyhow!("line {}: {len} columns where the header has {expected_len}", pos.as_ref().map_or(0, |p| p.line()))
        }
        csv::ErrorKind::Utf8 { pos, err } => {
            anyhow!("line {}, column {}: not valid UTF-8", pos.as_ref().map_or(0, |p| p.line()), err.field() + 1)
        }
        _ => anyhow!("CSV {what}: {e}"),
    }
}

// --- listings ----------------------------------------------------------------

fn catalog(db: &Path, json_out: bool, out: &mut Out) -> Result<Outcome> {
    let loaded = load(db, AsOf::End)?;
    let d = &loaded.replay.domain;
    if json_out {
        let items: Vec<Value> =
            d.indicators.values().map(|(seq, def)| json!({"seq": seq, "definition": def})).collect();
        out.json(&json!({"indicators": items}))?;
        return Ok(Outcome::Ok);
    }
    let mut defs: Vec<_> = d.indicators.values().collect();
    defs.sort_by_key(|(_, def)| (def.auxiliary, def.id.parse::<u32>().unwrap_or(u32::MAX), def.id.clone()));
    for (_, def) in defs {
        let point = |p: &ledger_domain::events::Point| {
            let v = p.value.map(|v| v.0.to_string()).unwrap_or_else(|| "-".into());
            let y = p.year.map(|y| format!(" ({y})")).unwrap_or_default();
            format!("{v}{y}")
        };
        out.line(format!(
            "{:>3}  {:<58} {:<20} {:>10} -> {:<10} {}",
            def.id,
            format!("{} {}", def.name_en, def.name_zh),
            def.unit,
            point(&def.baseline),
            point(&def.target),
            if def.auxiliary { "auxiliary" } else { "" }
        ))?;
    }
    Ok(Outcome::Ok)
}

fn units(db: &Path, period: Option<&str>, json_out: bool, out: &mut Out) -> Result<Outcome> {
    let loaded = load(db, AsOf::End)?;
    let d = &loaded.replay.domain;
    let ids: Vec<String> = match period {
        Some(p) => loaded.period(p)?.units.clone(),
        None => d.units.keys().cloned().collect(),
    };
    if json_out {
        let items: Vec<Value> = ids.iter().filter_map(|u| d.units.get(u)).map(|u| json!(u)).collect();
        out.json(&json!({"period": period, "units": items}))?;
        return Ok(Outcome::Ok);
    }
    for id in &ids {
        let Some(u) = d.units.get(id) else { continue };
        let until = u.until.as_ref().map(|d| format!(" until {}", d.0)).unwrap_or_default();
        out.line(format!("{:<10} {} {} ({:?}), from {}{until}", u.id, u.name_zh, u.name_en, u.kind, u.from.0))?;
        if period.is_none() {
            for (seq, date, what) in &u.history {
                out.line(format!("             seq {seq:>5}  {date}  {what}"))?;
            }
        }
    }
    Ok(Outcome::Ok)
}

// --- scores ------------------------------------------------------------------

fn scores_json(loaded: &Loaded, p: &Period) -> Result<Value> {
    let d = &loaded.replay.domain;
    let (scores, _) = project::score(d, p).map_err(|e| anyhow!(e))?;
    let hash = hex::encode(ledger_score::projection_hash(&scores));
    let units: Vec<Value> = scores
        .units
        .iter()
        .map(|u| {
            json!({
                "unit": u.unit,
                "name": d.units.get(&u.unit).map(|x| x.name_en.clone()),
                "score": u.score.to_string(),
                "rank": u.rank,
                "grade": u.grade,
                "vetoes": u.vetoes.iter().map(|v| json!({"id": v.id, "clause": v.clause, "basis": v.basis})).collect::<Vec<_>>(),
                "indicators": u.indicators.iter().map(|i| {
                    let mut events: BTreeSet<u64> = i.provenance.iter().copied().collect();
                    events.extend(&i.target_provenance);
                    json!({"indicator": i.indicator, "value": i.value.map(|v| v.to_string()), "score": i.score.to_string(),
                           "weight": i.weight.to_string(), "method": i.method, "clause": i.clause, "events": events})
                }).collect::<Vec<_>>(),
                "adjustments": u.adjustments.iter().map(|a| json!({"id": a.id, "points": a.points.to_string(), "clause": a.clause})).collect::<Vec<_>>(),
                "consequences": u.consequences.iter().map(|c| json!({"kind": c.kind, "amount": c.amount.map(|a| a.to_string()), "clause": c.clause, "basis": c.basis})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let state = match &p.state {
        PeriodState::Open => json!({"state": "open"}),
        PeriodState::Published { seq, window_until } => {
            json!({"state": "published", "seq": seq, "window_until": window_until.to_string()})
        }
        PeriodState::Finalized { seq, projection_hash } => {
            json!({"state": "finalized", "seq": seq, "attested_hash": projection_hash, "matches": *projection_hash == hash})
        }
    };
    Ok(json!({
        "period": p.id,
        "policy": {"id": p.policy.id, "version": p.policy.version},
        "as_of": loaded.position(),
        "ledger_verified": loaded.report.ok(),
        "status": state,
        "projection_hash": hash,
        "units": units,
        "anomalies": scores.anomalies,
        "replay_anomalies": loaded.replay.anomalies,
    }))
}

fn scores(db: &Path, args: &ScoresArgs, out: &mut Out) -> Result<Outcome> {
    let loaded = load(db, parse_as_of(args.as_of.as_deref())?)?;
    let p = loaded.period(&args.period)?;
    let value = scores_json(&loaded, p)?;
    if args.json {
        out.json(&value)?;
    } else {
        print_scoreboard(&value, out)?;
    }
    Ok(Outcome::Ok)
}

/// The scoreboard as text.
pub fn print_scoreboard(v: &Value, out: &mut Out) -> Result<()> {
    let status = &v["status"];
    let state = match status["state"].as_str() {
        Some("finalized") => format!("finalised at seq {}", status["seq"]),
        Some("published") => format!(
            "published at seq {}, objections until {}",
            status["seq"],
            status["window_until"].as_str().unwrap_or("")
        ),
        _ => "open".to_owned(),
    };
    out.line(format!(
        "Period {}  policy {} v{}  as of seq {}  ({state})",
        v["period"].as_str().unwrap_or(""),
        v["policy"]["id"].as_str().unwrap_or(""),
        v["policy"]["version"],
        v["as_of"]
    ))?;
    out.line(format!("projection hash {}", v["projection_hash"].as_str().unwrap_or("")))?;
    out.line(format!("{:>4}  {:<10} {:<38} {:>7}  {:<12} consequences", "rank", "unit", "name", "score", "grade"))?;
    for u in v["units"].as_array().into_iter().flatten() {
        let consequences: Vec<String> = u["consequences"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| match c["amount"].as_str() {
                Some(a) => format!("{} {a}", c["kind"].as_str().unwrap_or("")),
                None => c["kind"].as_str().unwrap_or("").to_owned(),
            })
            .collect();
        let vetoed = if u["vetoes"].as_array().is_some_and(|v| !v.is_empty()) { " (veto)" } else { "" };
        out.line(format!(
            "{:>4}  {:<10} {:<38} {:>7}  {:<12} {}",
            u["rank"].as_u64().map(|r| r.to_string()).unwrap_or_else(|| "-".into()),
            u["unit"].as_str().unwrap_or(""),
            u["name"].as_str().unwrap_or(""),
            u["score"].as_str().unwrap_or(""),
            format!("{}{vetoed}", u["grade"].as_str().unwrap_or("")),
            consequences.join(", ")
        ))?;
    }
    let anomalies =
        v["anomalies"].as_array().map_or(0, Vec::len) + v["replay_anomalies"].as_array().map_or(0, Vec::len);
    if anomalies > 0 {
        out.line(format!("{anomalies} anomaly(ies): see --json"))?;
    }
    Ok(())
}

// --- explain -------------------------------------------------------------------

fn explain(
    db: &Path,
    period: &str,
    unit: &str,
    indicator: Option<&str>,
    as_of: Option<&str>,
    json_out: bool,
    out: &mut Out,
) -> Result<Outcome> {
    let loaded = load(db, parse_as_of(as_of)?)?;
    let d = &loaded.replay.domain;
    let p = loaded.period(period)?;
    let (scores, _) = project::score(d, p).map_err(|e| anyhow!(e))?;
    let u = scores.units.iter().find(|x| x.unit == unit).ok_or_else(|| {
        hinted(format!("unit {unit:?} is not assessed in period {period}"), format!("units: {}", p.units.join(", ")))
    })?;
    if let Some(i) = indicator
        && !u.indicators.iter().any(|x| x.indicator == i)
    {
        return Err(hinted(format!("indicator {i:?} is not scored in period {period}"), "see `ledger catalog`"));
    }
    let describe = |seq: u64| -> Value {
        let record = loaded.store.get(seq).ok().flatten().and_then(|raw| raw.decode().ok());
        record.map_or(json!({"seq": seq}), |r| {
            json!({"seq": seq, "type": r.envelope.event_type, "time": r.envelope.time.to_string(), "signer": r.envelope.author.key_id().to_string()})
        })
    };
    let indicators: Vec<Value> = u
        .indicators
        .iter()
        .filter(|i| indicator.is_none_or(|x| x == i.indicator))
        .map(|i| {
            let key = (unit.to_owned(), i.indicator.clone());
            let history: Vec<Value> = p
                .values
                .get(&key)
                .into_iter()
                .flatten()
                .map(|s| json!({"seq": s.seq, "value": s.value.to_string(), "how": s.how, "event": describe(s.seq)}))
                .collect();
            let returned: Vec<Value> = p
                .measurements
                .values()
                .filter(|m| m.unit == unit && m.indicator == i.indicator)
                .filter_map(|m| {
                    m.returned
                        .as_ref()
                        .map(|(seq, why)| json!({"measurement": m.seq, "returned_at": seq, "reason": why}))
                })
                .collect();
            let target = p.targets.get(&key).map(|(seq, t)| {
                json!({"seq": seq, "target": t.target.0.to_string(), "baseline": t.baseline.map(|b| b.0.to_string())})
            });
            let def = p.indicators.get(&i.indicator);
            json!({
                "indicator": i.indicator,
                "name": def.map(|d| format!("{} {}", d.name_en, d.name_zh)),
                "unit_of_measure": def.map(|d| d.unit.clone()),
                "value": i.value.map(|v| v.to_string()),
                "value_history": history,
                "returned": returned,
                "target": target,
                "method": i.method,
                "clause": i.clause,
                "weight": i.weight.to_string(),
                "steps": i.steps,
                "score": i.score.to_string(),
                "events": i.provenance.iter().chain(&i.target_provenance).copied().collect::<BTreeSet<u64>>(),
            })
        })
        .collect();
    let value = json!({
        "period": period,
        "unit": unit,
        "as_of": loaded.position(),
        "policy": {"id": p.policy.id, "version": p.policy.version},
        "score": u.score.to_string(),
        "rank": u.rank,
        "grade": u.grade,
        "steps": u.steps,
        "indicators": indicators,
        "adjustments": u.adjustments,
        "vetoes": u.vetoes,
        "consequences": u.consequences,
        "disqualification": u.disqualification,
    });
    if json_out {
        out.json(&value)?;
        return Ok(Outcome::Ok);
    }
    out.line(format!(
        "{unit} in period {period} (policy {} v{}, as of seq {}): score {}, rank {}, grade {}",
        p.policy.id,
        p.policy.version,
        loaded.position(),
        u.score,
        u.rank.map(|r| r.to_string()).unwrap_or_else(|| "-".into()),
        u.grade
    ))?;
    for i in &indicators {
        out.line("")?;
        out.line(format!("indicator {}: {}", i["indicator"].as_str().unwrap_or(""), i["name"].as_str().unwrap_or("")))?;
        for h in i["value_history"].as_array().into_iter().flatten() {
            out.line(format!(
                "  seq {:>6}  {}  value {}  ({})",
                h["seq"],
                h["event"]["time"].as_str().unwrap_or(""),
                h["value"].as_str().unwrap_or(""),
                h["how"].as_str().unwrap_or("")
            ))?;
        }
        for r in i["returned"].as_array().into_iter().flatten() {
            out.line(format!(
                "  seq {:>6}  measurement {} returned: {}",
                r["returned_at"],
                r["measurement"],
                r["reason"].as_str().unwrap_or("")
            ))?;
        }
        if let Some(t) = i["target"].as_object() {
            out.line(format!(
                "  seq {:>6}  target {}{}",
                t["seq"],
                t["target"].as_str().unwrap_or(""),
                t["baseline"].as_str().map(|b| format!(", baseline {b}")).unwrap_or_default()
            ))?;
        }
        out.line(format!(
            "  method {} (clause {}), weight {}",
            i["method"].as_str().unwrap_or(""),
            i["clause"].as_str().unwrap_or(""),
            i["weight"].as_str().unwrap_or("")
        ))?;
        for s in i["steps"].as_array().into_iter().flatten() {
            out.line(format!("    {}", s.as_str().unwrap_or("")))?;
        }
    }
    if indicator.is_none() {
        out.line("")?;
        out.line("composite, grade, rank and consequences:")?;
        for s in &u.steps {
            out.line(format!("    {s}"))?;
        }
    }
    Ok(Outcome::Ok)
}

// --- audit ---------------------------------------------------------------------

fn audit(db: &Path, period: Option<&str>, json_out: bool, out: &mut Out) -> Result<Outcome> {
    let loaded = load(db, AsOf::End)?;
    if let Some(p) = period {
        loaded.period(p)?;
    }
    let findings = project::audit(&loaded.replay.domain, period);
    if json_out {
        out.json(&json!({"ok": findings.is_empty(), "findings": findings}))?;
    } else if findings.is_empty() {
        let n = loaded.replay.domain.periods.values().filter(|p| period.is_none_or(|x| x == p.id)).count();
        out.line(format!(
            "ok: every recorded reward and accountability action in {n} period(s) matches the adopted rules"
        ))?;
    } else {
        out.line(format!("{} finding(s):", findings.len()))?;
        for f in &findings {
            let events: Vec<String> = f.events.iter().map(u64::to_string).collect();
            out.line(format!(
                "  {} {:<10} {:<32} {} (seq {})",
                f.period,
                f.unit,
                f.finding,
                f.message,
                events.join(", ")
            ))?;
        }
    }
    Ok(if findings.is_empty() { Outcome::Ok } else { Outcome::Failed })
}

// --- demo ----------------------------------------------------------------------

const DEMO_ORIGIN: &str = "demo.jinan.example/assessment-ledger";
const DEMO_MARKER: &str = "DEMO-LEDGER";

struct StoreWriter {
    store: Store,
    keys: HashMap<&'static str, SigningKey>,
    domain: Domain,
}

impl Writer for StoreWriter {
    fn write(&mut self, signer: Signer, batch: Vec<Submission>, at: Timestamp) -> Result<Vec<u64>, String> {
        let Signer::Office(name) = signer;
        let key = self.keys.get(name).ok_or_else(|| format!("no key for {name}"))?;
        let numbered: Vec<(usize, Submission)> = batch.into_iter().enumerate().map(|(i, s)| (i + 1, s)).collect();
        let before = self.domain.clone();
        let result = append_with(&mut self.store, &numbered, key, &[], at, RulesFrom::Given(&mut self.domain));
        match result {
            Ok(r) => Ok(r.into_iter().map(|l| l.seq).collect()),
            Err(e) => {
                self.domain = before;
                Err(format!("{e:#}"))
            }
        }
    }
    fn domain(&self) -> &Domain {
        &self.domain
    }
}

fn demo(dir: &Path, out: &mut Out) -> Result<Outcome> {
    if dir.exists() {
        let marked = dir.join(DEMO_MARKER).is_file();
        let empty = std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !marked && !empty {
            return Err(hinted(
                format!("{} exists and is not a demonstration folder; refusing to replace it", dir.display()),
                "choose another --dir, or an empty folder",
            ));
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("removing the old demonstration in {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir.join("keys"))?;
    std::fs::write(
        dir.join(DEMO_MARKER),
        "This folder is rebuilt by `ledger demo`; everything in it is demonstration data with synthetic values.\n",
    )?;
    eprintln!("building the demonstration ledger in {} ...", dir.display());

    let mut keys: HashMap<&'static str, SigningKey> = HashMap::new();
    for name in std::iter::once("root").chain(OFFICES.iter().map(|o| o.0)) {
        let (_, paths) = ledger_keyfile::generate(&dir.join("keys").join(name))?;
        keys.insert(name, read_private(&paths.private)?);
    }
    let root = keys.get("root").cloned().ok_or_else(|| anyhow!("no root key"))?;
    let genesis = Genesis {
        roots: vec![RootKey {
            key: (&root).into(),
            holder: "Jinan Municipal People's Government (root of trust)".into(),
        }],
        threshold: 1,
        roles: serde_json::from_str(ledger_domain::defaults::ROLES)?,
    };
    let t0: Timestamp = "2018-01-02T09:00:00Z".parse()?;
    let record = ledger_core::append::genesis(DEMO_ORIGIN, &genesis, &root, &[], t0, "genesis".into())
        .map_err(|e| anyhow!(e))?;
    let db = dir.join("ledger.db");
    let mut store = Store::create(&db, &record)?;
    let subs: Vec<(usize, Submission)> = OFFICES
        .iter()
        .enumerate()
        .map(|(i, (name, holder, roles))| {
            let key = keys.get(name).map(|k| ledger_core::PublicKey::from(k).to_hex()).unwrap_or_default();
            (
                i + 1,
                Submission::new(
                    "ledger",
                    "key_authorized",
                    json!({"key": key, "holder": holder, "roles": roles}),
                    &format!("authorize-{name}"),
                ),
            )
        })
        .collect();
    append_with(&mut store, &subs, &root, &[], t0, RulesFrom::Given(&mut KernelRules))?;

    let mut writer = StoreWriter { store, keys, domain: Domain::default() };
    ledger_domain::demo::build(&mut writer).map_err(|e| anyhow!("building the demonstration: {e}"))?;
    let StoreWriter { store, keys, .. } = writer;
    drop(store);
    let log_key = keys.get("log").ok_or_else(|| anyhow!("no log key"))?;
    let checkpoint = crate::tlog::sign_and_record_checkpoint(&db, log_key, "2023-06-01T09:00:00Z".parse()?)?;
    std::fs::write(dir.join("checkpoint.txt"), &checkpoint.note)?;

    let loaded = load(&db, AsOf::End)?;
    let p = loaded.period("2022")?;
    print_scoreboard(&scores_json(&loaded, p)?, out)?;
    out.line("")?;
    let findings = project::audit(&loaded.replay.domain, None);
    let report = {
        let store = open_read_only(&db)?;
        verify_store(&store, Options { trusted_roots: vec![(&root).into()], expect_head: None })?.report
    };
    let head = report.head.map(|h| h.to_hex()).unwrap_or_default();
    if report.ok() {
        out.line(format!(
            "verify: ok, {} records, genesis names the root key in {}/keys/root.pub",
            report.records,
            dir.display()
        ))?;
    } else {
        out.line(format!("verify: FAILED with {} problem(s)", report.findings.len()))?;
    }
    out.line(format!("head {head}"))?;
    out.line(format!(
        "checkpoint: tree size {} signed by the log key, recorded at seq {}, saved in {}/checkpoint.txt",
        checkpoint.size,
        checkpoint.seq,
        dir.display()
    ))?;
    out.line(format!(
        "audit: {}",
        if findings.is_empty() {
            "ok, recorded rewards and sanctions match the rules".to_owned()
        } else {
            format!("{} finding(s)", findings.len())
        }
    ))?;
    let db_arg = db.display();
    let ledger = std::env::args().next().unwrap_or_else(|| "ledger".into());
    out.line("")?;
    out.line("All measured values are SYNTHETIC. Next, try:")?;
    out.line(format!(
        "  {ledger} --db {db_arg} scores --period 2022 --as-of 2023-03-05   # as published, before objections"
    ))?;
    out.line(format!("  {ledger} --db {db_arg} explain --period 2022 --unit shanghe --indicator 10"))?;
    out.line(format!("  {ledger} --db {db_arg} verify --trust {}/keys/root.pub", dir.display()))?;
    out.line(format!("  {ledger} --db {db_arg} audit"))?;
    out.line(format!("  {ledger} --db {db_arg} prove 4000 --out record-4000.proof   # an offline inclusion proof"))?;
    Ok(if report.ok() && findings.is_empty() { Outcome::Ok } else { Outcome::Failed })
}

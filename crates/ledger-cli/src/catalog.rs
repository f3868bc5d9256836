//! What an assessment is measured against: `adopt` (the catalog of
//! indicators, the units, a scoring policy, the time zone: the authority's
//! documents) and the listings `catalog` and `units`.

use crate::ctx::{Ctx, Out, Outcome, ReadArgs, Signing, numbered, one, table, verified_view, with_verification, write};
use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use ledger_domain::AsOf;
use ledger_engine::files;
use ledger_engine::office::{self, Adopt};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Adopt the catalog, the units or a policy (the authority): a fresh ledger becomes an assessment ledger.
    #[command(after_help = "Examples:
  ledger adopt catalog --key keys/authority.key          # likewise units, policy: the embedded ledger/*.json
  ledger adopt policy my-policy.json --key keys/authority.key
  ledger adopt time-zone Asia/Shanghai --key keys/authority.key")]
    Adopt {
        /// What to adopt.
        what: What,
        /// The document (default: the one embedded from ledger/); for time-zone, the zone's name.
        #[arg(value_name = "FILE|ZONE")]
        file: Option<PathBuf>,
        #[command(flatten)]
        signing: Signing,
    },
    /// List the indicator catalog.
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db catalog
  ledger catalog --json")]
    Catalog(ReadArgs),
    /// List the assessed units (of a period, or all with their history).
    #[command(after_help = "Examples:
  ledger --db ledger/demo/ledger.db units --period 2018   # no Laiwu yet: it joined in 2019
  ledger units                                            # every unit, with its history")]
    Units {
        /// Only the units of this period.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: Option<String>,
        #[command(flatten)]
        read: ReadArgs,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum What {
    /// The indicator catalog (default: the embedded ledger/catalog.json).
    Catalog,
    /// The assessed units and their history (default: ledger/units.json).
    Units,
    /// A scoring policy (default: ledger/policy.json).
    Policy,
    /// The time zone dates are read in (give its IANA name; default Asia/Shanghai). Recorded once.
    TimeZone,
}

pub fn run(ctx: &Ctx, command: Command, out: &mut Out) -> Result<Outcome> {
    match command {
        Command::Adopt { what: What::TimeZone, file, signing } => {
            let zone = file
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| ledger_core::time::DEFAULT_ZONE.to_owned());
            write(ctx, &signing, out, |_| Ok(one(office::time_zone(&zone)?)))
        }
        Command::Adopt { what, file, signing } => {
            let what = match what {
                What::Catalog => Adopt::Catalog,
                What::Units => Adopt::Units,
                What::Policy | What::TimeZone => Adopt::Policy,
            };
            let text = document(file.as_deref())?;
            write(ctx, &signing, out, |_| Ok(numbered(office::adoption(what, text.as_deref())?)))
        }
        Command::Catalog(read) => catalog(ctx, &read, out),
        Command::Units { period, read } => units(ctx, period.as_deref(), &read, out),
    }
}

fn document(file: Option<&Path>) -> Result<Option<String>> {
    match file {
        Some(p) => {
            let bytes = files::read(p, files::DOCUMENT)?;
            Ok(Some(String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", p.display()))?))
        }
        None => Ok(None),
    }
}

fn catalog(ctx: &Ctx, read: &ReadArgs, out: &mut Out) -> Result<Outcome> {
    let Some((_, view)) = verified_view(ctx, AsOf::End, read, out)? else { return Ok(Outcome::Failed) };
    let defs = view.catalog();
    if read.json {
        let items: Vec<Value> = defs.iter().map(|(seq, def)| json!({"seq": seq, "definition": def})).collect();
        out.json(&with_verification(json!({"indicators": items}), &view))?;
        return Ok(Outcome::Ok);
    }
    let point = |p: &ledger_domain::events::Point| {
        let v = p.value.map(|v| v.0.to_string()).unwrap_or_else(|| "-".into());
        let y = p.year.map(|y| format!(" ({y})")).unwrap_or_default();
        format!("{v}{y}")
    };
    let rows = defs
        .iter()
        .map(|(_, def)| {
            vec![
                def.id.clone(),
                def.name_zh.clone(),
                def.name_en.clone(),
                def.unit.clone(),
                point(&def.baseline),
                "->".to_owned(),
                point(&def.target),
                if def.auxiliary { "auxiliary".to_owned() } else { String::new() },
            ]
        })
        .collect();
    for line in table(None, rows, &[0, 4]) {
        out.line(line)?;
    }
    Ok(Outcome::Ok)
}

fn units(ctx: &Ctx, period: Option<&str>, read: &ReadArgs, out: &mut Out) -> Result<Outcome> {
    let Some((_, view)) = verified_view(ctx, AsOf::End, read, out)? else { return Ok(Outcome::Failed) };
    let units = view.units(period)?;
    // A period's units carry the names and kind they had in its year.
    let year = period.map(|p| view.period(p).map(|p| p.year)).transpose()?;
    if read.json {
        let listed: Vec<serde_json::Value> = units
            .iter()
            .map(|u| {
                let mut v = serde_json::to_value(u).unwrap_or_default();
                if let Some(then) = year.map(|y| u.as_of(y)) {
                    v["current"] = json!({"name_zh": u.name_zh, "name_en": u.name_en, "kind": u.kind});
                    v["name_zh"] = json!(then.name_zh);
                    v["name_en"] = json!(then.name_en);
                    v["kind"] = json!(then.kind);
                }
                v
            })
            .collect();
        out.json(&with_verification(json!({"period": period, "units": listed}), &view))?;
        return Ok(Outcome::Ok);
    }
    for u in units {
        let until = u.until.as_ref().map(|d| format!(" until {}", d.0)).unwrap_or_default();
        let (name_zh, name_en, kind) = match year.map(|y| u.as_of(y)) {
            Some(then) => (then.name_zh, then.name_en, then.kind),
            None => (u.name_zh.clone(), u.name_en.clone(), u.kind),
        };
        out.line(format!("{:<10} {name_zh} {name_en} ({}), from {}{until}", u.id, kind_words(kind), u.from.0))?;
        if period.is_none() {
            for (seq, date, what) in &u.history {
                out.line(format!("             seq {seq:>5}  {date}  {what}"))?;
            }
        }
    }
    Ok(Outcome::Ok)
}

/// A unit's kind as people say it: `district`, `county`, `functional zone`.
fn kind_words(kind: ledger_domain::events::UnitKind) -> &'static str {
    use ledger_domain::events::UnitKind;
    match kind {
        UnitKind::District => "district",
        UnitKind::County => "county",
        UnitKind::FunctionalZone => "functional zone",
    }
}

//! `ledger monitoring ...`: the plan's policy measures (registered by the
//! authority, their progress reported by the Commission) and the land use
//! the statistics bureau reports; `list` shows them with the monitoring
//! projection hash.

use crate::ctx::{Ctx, Out, Outcome, ReadArgs, Signing, event_word, one, verified_view, with_verification, write};
use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use ledger_domain::AsOf;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The plan's policy measures and land use: register a measure, report its progress, report land use, list them.
    #[command(
        subcommand,
        after_help = "Examples:\n  ledger monitoring register --id m-2023-01 --title-zh 推进新旧动能转换重大项目建设 --title-en \"Push the major conversion projects\" --lead-office \"Jinan Development and Reform Commission\" --source \"plan line 612\" --due 2023-12-31 --key keys/authority.key\n  ledger monitoring progress --id m-2023-01 --period 2023 --status in-progress --text \"12 of 20 projects started\" --key keys/projects.key\n  ledger --db ledger/demo/ledger.db monitoring list"
    )]
    Monitoring(MonitoringCommand),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MeasureStatusArg {
    /// Not started.
    Planned,
    /// Under way.
    InProgress,
    /// Carried out (no later report).
    Done,
}

#[derive(Debug, Subcommand)]
pub enum MonitoringCommand {
    /// Register a policy measure of the plan (the authority).
    #[command(
        after_help = "Examples:\n  ledger monitoring register --id m-2023-01 --title-zh 推进新旧动能转换重大项目建设 --title-en \"Push the major conversion projects\" --lead-office \"Jinan Development and Reform Commission\" --source \"plan line 612\" --due 2023-12-31 --key keys/authority.key"
    )]
    Register {
        /// The measure's id.
        #[arg(long)]
        id: String,
        /// Chinese title.
        #[arg(long, value_name = "TITLE")]
        title_zh: String,
        /// English title.
        #[arg(long, value_name = "TITLE")]
        title_en: String,
        /// The office that leads it.
        #[arg(long, value_name = "OFFICE")]
        lead_office: String,
        /// Where the plan sets it, e.g. "plan line 612".
        #[arg(long)]
        source: String,
        /// When it is due (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        due: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Report a policy measure's progress for a period (the Commission).
    #[command(
        after_help = "Examples:\n  ledger monitoring progress --id m-2023-01 --period 2023 --status in-progress --text \"12 of 20 projects started\" --key keys/projects.key"
    )]
    Progress {
        /// The measure.
        #[arg(long)]
        id: String,
        /// The period, e.g. 2023.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// Where it stands.
        #[arg(long, value_enum)]
        status: MeasureStatusArg,
        /// What was done.
        #[arg(long)]
        text: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// Report the land supplied and used in a unit in a period, in hectares (the statistics bureau).
    #[command(
        after_help = "Examples:\n  ledger monitoring land --unit 章丘区 --period 2023 --supplied-ha 120.5 --used-ha 86.25 --projects jn-2023-001 --key keys/statistics.key"
    )]
    Land {
        /// The unit: id or name.
        #[arg(long)]
        unit: String,
        /// The period, e.g. 2023.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// Land supplied for construction, ha.
        #[arg(long, allow_hyphen_values = true, value_name = "HA")]
        supplied_ha: String,
        /// Land used by the plan's projects, ha.
        #[arg(long, allow_hyphen_values = true, value_name = "HA")]
        used_ha: String,
        /// The major projects the land went to, comma-separated.
        #[arg(long, value_delimiter = ',', value_name = "IDS")]
        projects: Vec<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// List the plan's policy measures and the land use reported (and the monitoring projection hash).
    #[command(
        after_help = "Examples:\n  ledger --db ledger/demo/ledger.db monitoring list\n  ledger --db ledger/demo/ledger.db monitoring list --json"
    )]
    List(ReadArgs),
}

pub fn run(ctx: &Ctx, Command::Monitoring(command): Command, out: &mut Out) -> Result<Outcome> {
    match command {
        MonitoringCommand::Register { id, title_zh, title_en, lead_office, source, due, signing } => {
            write(ctx, &signing, out, |_| {
                Ok(one(ledger_engine::monitoring::register(
                    &id,
                    (&title_zh, &title_en),
                    &lead_office,
                    &source,
                    due.as_deref(),
                )))
            })
        }
        MonitoringCommand::Progress { id, period, status, text, signing } => write(ctx, &signing, out, |d| {
            Ok(one(ledger_engine::monitoring::progress(d, &id, &period, &event_word(status), &text)?))
        }),
        MonitoringCommand::Land { unit, period, supplied_ha, used_ha, projects, signing } => {
            write(ctx, &signing, out, |d| {
                Ok(one(ledger_engine::monitoring::land_use(d, &unit, &period, (&supplied_ha, &used_ha), &projects)?))
            })
        }
        MonitoringCommand::List(read) => list(ctx, &read, out),
    }
}

fn list(ctx: &Ctx, read: &ReadArgs, out: &mut Out) -> Result<Outcome> {
    let Some((_, view)) = verified_view(ctx, AsOf::End, read, out)? else { return Ok(Outcome::Failed) };
    let d = view.domain();
    if read.json {
        out.json(&with_verification(ledger_engine::monitoring::listing(d), &view))?;
        return Ok(Outcome::Ok);
    }
    for (id, m) in &d.measures {
        let due = m.definition.due.as_ref().map(|x| format!(", due {}", x.0)).unwrap_or_default();
        let status =
            serde_json::to_value(m.status()).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        out.line(format!(
            "measure {id} {} {} [{}{due}] — {status}",
            m.definition.title_zh, m.definition.title_en, m.definition.lead_office
        ))?;
        for (seq, r) in &m.reports {
            out.line(format!("    seq {seq:>5}  {}: {}", r.period, r.text))?;
        }
    }
    for (unit, reports) in &d.land_use {
        for (seq, r) in reports {
            let projects =
                if r.projects.is_empty() { String::new() } else { format!(", for {}", r.projects.join(", ")) };
            out.line(format!(
                "land {unit} {}: supplied {} ha, used {} ha{projects} (seq {seq})",
                r.period, r.supplied_ha.0, r.used_ha.0
            ))?;
        }
    }
    out.line(format!("monitoring hash {}", ledger_domain::monitoring::projection_hash(d)))?;
    Ok(Outcome::Ok)
}

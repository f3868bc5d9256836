//! `ledger project ...`: the major-project library (重大项目库): a
//! project registered in the reserve library moves to the preparatory and
//! construction libraries one stage at a time (or back, with a reason),
//! reports progress, is completed and evaluated; `list` shows the library
//! with each project's stage history and the library's projection hash.

use crate::ctx::{Ctx, Out, Outcome, ReadArgs, Signing, event_word, one, verified_view, with_verification, write};
use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use ledger_domain::AsOf;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The major-project library: register, promote, report progress, complete, evaluate, list.
    #[command(
        subcommand,
        after_help = "Examples:\n  ledger project register --id jn-2023-001 --name-zh 新材料产业园 --name-en \"New materials park\" --unit 章丘区 --sector \"new materials\" --planned-investment 200000 --key keys/projects.key\n  ledger project promote --id jn-2023-001 --stage preparatory --basis \"feasibility study approved (2023-17)\" --approved-by \"Jinan Development and Reform Commission\" --key keys/projects.key\n  ledger project list --unit 章丘区                  # the library, with each project's stages"
    )]
    Project(ProjectCommand),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StageArg {
    /// 储备库.
    Reserve,
    /// 预备库.
    Preparatory,
    /// 建设库.
    Construction,
}

impl StageArg {
    pub fn stage(self) -> ledger_domain::events::Stage {
        match self {
            Self::Reserve => ledger_domain::events::Stage::Reserve,
            Self::Preparatory => ledger_domain::events::Stage::Preparatory,
            Self::Construction => ledger_domain::events::Stage::Construction,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RatingArg {
    /// 优秀.
    Excellent,
    /// 良好.
    Good,
    /// 合格.
    Satisfactory,
    /// 不合格.
    Unsatisfactory,
}

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Register a major project in the reserve library (the Development and Reform Commission).
    #[command(
        after_help = "Examples:\n  ledger project register --id jn-2023-001 --name-zh 新材料产业园 --name-en \"New materials park\" --unit 章丘区 --sector \"new materials\" --planned-investment 200000 --key keys/projects.key"
    )]
    Register {
        /// The project's id, [a-z0-9][a-z0-9_.-]*.
        #[arg(long)]
        id: String,
        /// Chinese name.
        #[arg(long, value_name = "NAME")]
        name_zh: String,
        /// English name.
        #[arg(long, value_name = "NAME")]
        name_en: String,
        /// The unit it is in: id or name.
        #[arg(long)]
        unit: String,
        /// Sector.
        #[arg(long)]
        sector: String,
        /// Planned total investment, 万元 (10k yuan).
        #[arg(long, allow_hyphen_values = true, value_name = "AMOUNT")]
        planned_investment: String,
        /// A remark.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Move a project to the next stage; with --demotion-reason, back to an earlier one (the Commission).
    #[command(
        after_help = "Examples:\n  ledger project promote --id jn-2023-001 --stage preparatory --basis \"feasibility study approved (2023-17)\" --approved-by \"Jinan Development and Reform Commission\" --key keys/projects.key\n  ledger project promote --id jn-2023-001 --stage reserve --demotion-reason \"land-use approval lapsed\" --basis \"review 2024-3\" --approved-by \"Jinan Development and Reform Commission\" --key keys/projects.key"
    )]
    Promote {
        /// The project.
        #[arg(long)]
        id: String,
        /// The stage it moves to.
        #[arg(long, value_enum)]
        stage: StageArg,
        /// The basis: the approval, the review.
        #[arg(long)]
        basis: String,
        /// The approving office.
        #[arg(long, value_name = "OFFICE")]
        approved_by: String,
        /// A move back: why.
        #[arg(long, value_name = "REASON")]
        demotion_reason: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Report a project's progress for a period (its unit, or the Commission).
    #[command(
        after_help = "Examples:\n  ledger project progress --id jn-2023-001 --period 2023 --investment 45000 --milestone \"foundations complete\" --evidence 0f3a5c7e9b1d2f4a6c8e0b2d4f6a8c0e1f3a5c7e9b1d2f4a6c8e0b2d4f6a8c0e --evidence-title \"2023 progress report\" --key keys/projects.key"
    )]
    Progress {
        /// The project.
        #[arg(long)]
        id: String,
        /// The reporting period, e.g. 2023 or 2023-H1.
        #[arg(long, value_parser = crate::ctx::period_arg)]
        period: String,
        /// Investment completed in the period, 万元.
        #[arg(long, allow_hyphen_values = true, value_name = "AMOUNT")]
        investment: String,
        /// The milestone reached.
        #[arg(long)]
        milestone: String,
        /// The evidence document: its BLAKE3 hash (64 hex digits).
        #[arg(long, value_name = "HEX")]
        evidence: String,
        /// The evidence document's title.
        #[arg(long, value_name = "TITLE")]
        evidence_title: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// Record a project in construction as completed (the Commission).
    #[command(
        after_help = "Examples:\n  ledger project complete --id jn-2023-001 --date 2025-06-30 --note \"accepted on inspection\" --key keys/projects.key"
    )]
    Complete {
        /// The project.
        #[arg(long)]
        id: String,
        /// The date of completion (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        date: String,
        /// A remark.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// Record the result evaluation of a completed project (the assessment office).
    #[command(
        after_help = "Examples:\n  ledger project evaluate --id jn-2023-001 --rating good --summary \"capacity reached 90% of plan\" --evidence 0f3a5c7e9b1d2f4a6c8e0b2d4f6a8c0e1f3a5c7e9b1d2f4a6c8e0b2d4f6a8c0e --evidence-title \"evaluation report\" --key keys/assessment.key"
    )]
    Evaluate {
        /// The project.
        #[arg(long)]
        id: String,
        /// The rating.
        #[arg(long, value_enum)]
        rating: RatingArg,
        /// The findings.
        #[arg(long)]
        summary: String,
        /// The evaluation report: its BLAKE3 hash (64 hex digits).
        #[arg(long, value_name = "HEX", requires = "evidence_title")]
        evidence: Option<String>,
        /// The evaluation report's title.
        #[arg(long, value_name = "TITLE", requires = "evidence")]
        evidence_title: Option<String>,
        #[command(flatten)]
        signing: Signing,
    },
    /// List the major-project library with each project's stage history (and the library's projection hash).
    #[command(
        after_help = "Examples:\n  ledger --db ledger/demo/ledger.db project list\n  ledger --db ledger/demo/ledger.db project list --unit 章丘区 --stage construction\n  ledger --db ledger/demo/ledger.db project list --json"
    )]
    List {
        /// Only the projects of this unit (id or name).
        #[arg(long)]
        unit: Option<String>,
        /// Only the projects in this stage.
        #[arg(long, value_enum)]
        stage: Option<StageArg>,
        #[command(flatten)]
        read: ReadArgs,
    },
}

pub fn run(ctx: &Ctx, Command::Project(command): Command, out: &mut Out) -> Result<Outcome> {
    use ledger_engine::projects as p;
    match command {
        ProjectCommand::Register { id, name_zh, name_en, unit, sector, planned_investment, note, signing } => {
            let r = p::Registration { id, name_zh, name_en, unit, sector, planned_investment, note };
            write(ctx, &signing, out, |d| Ok(one(p::register(d, &r)?)))
        }
        ProjectCommand::Promote { id, stage, basis, approved_by, demotion_reason, signing } => {
            write(ctx, &signing, out, |d| {
                Ok(one(p::promote(d, &id, stage.stage(), &basis, &approved_by, demotion_reason.as_deref())?))
            })
        }
        ProjectCommand::Progress { id, period, investment, milestone, evidence, evidence_title, signing } => {
            write(ctx, &signing, out, |d| {
                Ok(one(p::progress(d, &id, &period, &investment, &milestone, (&evidence, &evidence_title))?))
            })
        }
        ProjectCommand::Complete { id, date, note, signing } => {
            write(ctx, &signing, out, |d| Ok(one(p::complete(d, &id, &date, note.as_deref())?)))
        }
        ProjectCommand::Evaluate { id, rating, summary, evidence, evidence_title, signing } => {
            let evidence = evidence.as_deref().zip(evidence_title.as_deref());
            write(ctx, &signing, out, |d| Ok(one(p::evaluate(d, &id, &event_word(rating), &summary, evidence)?)))
        }
        ProjectCommand::List { unit, stage, read } => list(ctx, unit.as_deref(), stage, &read, out),
    }
}

fn list(ctx: &Ctx, unit: Option<&str>, stage: Option<StageArg>, read: &ReadArgs, out: &mut Out) -> Result<Outcome> {
    let Some((_, view)) = verified_view(ctx, AsOf::End, read, out)? else { return Ok(Outcome::Failed) };
    let (rows, hash) = ledger_engine::projects::list(view.domain(), unit, stage.map(|s| s.stage()))?;
    if read.json {
        out.json(&with_verification(json!({"projects": rows, "library_hash": hash}), &view))?;
        return Ok(Outcome::Ok);
    }
    if rows.is_empty() {
        out.line("no projects")?;
    }
    for r in &rows {
        let p = r.project;
        let done = r.investment_completed.as_deref().unwrap_or("?");
        let state = match (&p.completed, &p.evaluation) {
            (_, Some((_, e))) => format!(
                "{}, evaluated {}",
                p.stage.name(),
                serde_json::to_value(e.rating).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
            ),
            (Some((_, date, _)), None) => format!("{}, completed {date}", p.stage.name()),
            (None, None) => p.stage.name().to_owned(),
        };
        out.line(format!(
            "{} {} {} [{}] {} — {state}; planned {} {}, completed so far {done} {}",
            p.id, p.name_zh, p.name_en, p.unit, p.sector, p.planned_investment.0, r.investment_unit, r.investment_unit
        ))?;
        for s in &p.stages {
            let from = s.from.map(|f| format!("{} -> ", f.name())).unwrap_or_default();
            let by = s.approved_by.as_deref().map(|b| format!(", approved by {b}")).unwrap_or_default();
            let demotion = s.demotion_reason.as_deref().map(|r| format!(", DEMOTION: {r}")).unwrap_or_default();
            out.line(format!("    seq {:>5}  {}{}  {}{by}{demotion}", s.seq, from, s.to.name(), s.basis))?;
        }
        for g in &p.progress {
            out.line(format!(
                "    seq {:>5}  progress {}: {} {}, {}",
                g.seq, g.period, g.investment_completed.0, r.investment_unit, g.milestone
            ))?;
        }
    }
    out.line(format!("library hash {hash}"))?;
    Ok(Outcome::Ok)
}

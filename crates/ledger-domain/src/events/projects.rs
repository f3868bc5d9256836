//! The payloads of the major-project library (plan lines 764-768; stream
//! `project/<id>`) (`docs/EVENTS.md`, "Major projects").

use super::values::{Date, Dec, Evidence};
use serde::{Deserialize, Serialize};

/// A stage of the major-project library (plan lines 764-768).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 储备库: the reserve library.
    Reserve,
    /// 预备库: the preparatory library.
    Preparatory,
    /// 建设库: the construction library.
    Construction,
}

impl Stage {
    /// The name used in payloads and views.
    pub fn name(self) -> &'static str {
        match self {
            Self::Reserve => "reserve",
            Self::Preparatory => "preparatory",
            Self::Construction => "construction",
        }
    }
    /// Its place in the library, 0 for the reserve.
    pub fn rank(self) -> u8 {
        match self {
            Self::Reserve => 0,
            Self::Preparatory => 1,
            Self::Construction => 2,
        }
    }
}

/// The unit planned investment is written in: 万元 (10k yuan).
pub const INVESTMENT_UNIT: &str = "万元";

/// Payload of `project_registered` (stream `project/<id>`): a major project
/// enters the reserve library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectRegistered {
    /// Project id, `[a-z0-9][a-z0-9_.-]*`, at most 64.
    pub project: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The unit (district, county or zone) it is in.
    pub unit: String,
    /// Sector, e.g. `new-generation IT`, `high-end equipment`.
    pub sector: String,
    /// Planned total investment, exact, more than zero.
    pub planned_investment: Dec,
    /// The unit of the investment: `万元`.
    pub investment_unit: String,
    /// Always `reserve`: every project enters the library there.
    pub stage: Stage,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Payload of `project_promoted`: a move to the next stage, or, with
/// `demotion` and a `reason`, back to an earlier one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectPromoted {
    /// The project.
    pub project: String,
    /// The stage it is in (must be the current one).
    pub from: Stage,
    /// The stage it moves to.
    pub to: Stage,
    /// The basis: the approval document, the review.
    pub basis: String,
    /// The office that approved the move, e.g. `Jinan Development and Reform Commission`.
    pub approved_by: String,
    /// True for a move back to an earlier stage.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demotion: bool,
    /// Why it moves back (required with `demotion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Payload of `project_progress_reported`: the investment completed and the
/// milestone reached in a reporting period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectProgressReported {
    /// The project.
    pub project: String,
    /// The reporting period, e.g. `2021` or `2021-H2`.
    pub period: String,
    /// Investment completed in the period (万元), exact, not negative.
    pub investment_completed: Dec,
    /// The milestone reached.
    pub milestone: String,
    /// The source document, by hash.
    pub evidence: Evidence,
}

/// Payload of `project_completed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectCompleted {
    /// The project.
    pub project: String,
    /// The date of completion (acceptance).
    pub completed: Date,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The result of a completed project's evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectRating {
    /// 优秀
    Excellent,
    /// 良好
    Good,
    /// 合格
    Satisfactory,
    /// 不合格
    Unsatisfactory,
}

/// Payload of `project_evaluated`: the result evaluation of a completed project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectEvaluated {
    /// The project.
    pub project: String,
    /// The rating.
    pub rating: ProjectRating,
    /// The findings, in words.
    pub summary: String,
    /// The evaluation report, by hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

//! The report's vocabulary in Chinese and English: grades, consequences,
//! methods, period states, units of measure, and how a pair of texts is
//! shown in each [`Lang`].

use serde::Serialize;

/// The languages a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Chinese only.
    Zh,
    /// English only.
    En,
    /// Chinese with English alongside (the default).
    #[default]
    Both,
}

impl Lang {
    /// `zh`, `en` or `both`.
    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            "both" => Some(Lang::Both),
            _ => None,
        }
    }

    /// The `lang` attribute of the document.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh | Lang::Both => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// A text in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bi {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Bi {
    /// A pair.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Bi {
        Bi { zh: zh.into(), en: en.into() }
    }

    /// The same text in both languages (a number, an id).
    pub fn same(text: impl Into<String>) -> Bi {
        let text = text.into();
        Bi { zh: text.clone(), en: text }
    }

    /// As plain text in `lang`: "综合排名 Ranking" for both.
    pub fn plain(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.zh.clone(),
            Lang::En => self.en.clone(),
            Lang::Both if self.zh == self.en || self.en.is_empty() => self.zh.clone(),
            Lang::Both if self.zh.is_empty() => self.en.clone(),
            Lang::Both => format!("{} {}", self.zh, self.en),
        }
    }

    /// As plain text with a separator between the languages.
    pub fn joined(&self, lang: Lang, sep: &str) -> String {
        match lang {
            Lang::Both if self.zh != self.en && !self.en.is_empty() && !self.zh.is_empty() => {
                format!("{}{sep}{}", self.zh, self.en)
            }
            _ => self.plain(lang),
        }
    }
}

/// A grade's name.
pub fn grade(grade: &str) -> Bi {
    match grade {
        "excellent" => Bi::new("优秀", "excellent"),
        "good" => Bi::new("良好", "good"),
        "pass" => Bi::new("合格", "pass"),
        "poor" => Bi::new("较差", "poor"),
        "disqualified" => Bi::new("成绩无效", "void (disqualified)"),
        other => Bi::same(other),
    }
}

/// A consequence's or recorded decision's kind.
pub fn consequence(kind: &str) -> Bi {
    match kind {
        "policy_preference" => Bi::new("政策倾斜", "policy preference"),
        "fiscal_reward" => Bi::new("财政奖励", "fiscal reward"),
        "public_notice" => Bi::new("通报", "public notice"),
        "admonition_talk" => Bi::new("约谈", "admonition talk"),
        "accountability" => Bi::new("问责", "accountability"),
        other => Bi::same(other.replace('_', " ")),
    }
}

/// Whether a kind is a reward (else a sanction).
pub fn is_reward(kind: &str) -> bool {
    matches!(kind, "policy_preference" | "fiscal_reward")
}

/// A scoring method's name.
pub fn method(method: &str) -> Bi {
    match method {
        "completion_rate" => Bi::new("完成率法", "completion rate"),
        "progress_to_target" => Bi::new("目标进度法", "progress to target"),
        "efficacy" => Bi::new("功效系数法", "efficacy coefficient"),
        "rank" => Bi::new("排名法", "rank"),
        "pass_fail" => Bi::new("达标法", "pass/fail"),
        other => Bi::same(other.replace('_', " ")),
    }
}

/// An audit finding's kind.
pub fn finding(finding: &str) -> Bi {
    match finding {
        "reward_without_basis" => Bi::new("奖励无依据", "reward without basis"),
        "sanction_without_basis" => Bi::new("处理无依据", "sanction without basis"),
        "due_consequence_not_recorded" => Bi::new("应有结果未记录", "due consequence not recorded"),
        "reward_not_revoked_after_fraud" => Bi::new("造假后奖励未撤销", "reward not revoked after fraud"),
        "amount_differs" => Bi::new("金额不符", "amount differs"),
        "period_not_finalized" => Bi::new("考核期未终结", "period not finalised"),
        other => Bi::same(other.replace('_', " ")),
    }
}

/// A policy measure's status.
pub fn measure_status(status: &str) -> Bi {
    match status {
        "planned" => Bi::new("未开始", "planned"),
        "in_progress" => Bi::new("推进中", "in progress"),
        "done" => Bi::new("已完成", "done"),
        other => Bi::same(other),
    }
}

/// A unit's kind.
pub fn unit_kind(kind: Option<&str>) -> Bi {
    match kind {
        Some("district") => Bi::new("区", "district"),
        Some("county") => Bi::new("县", "county"),
        Some("functional_zone") => Bi::new("功能区", "functional zone"),
        Some(other) => Bi::same(other),
        None => Bi::same(""),
    }
}

/// A unit of measure as the catalog writes it (English), in both
/// languages. Unknown ones are shown as written.
pub fn measure(unit: &str) -> Bi {
    match unit {
        "%" => Bi::same("%"),
        "10k yuan" => Bi::new("万元", "10k yuan"),
        "100M yuan" => Bi::new("亿元", "100M yuan"),
        "yuan" => Bi::new("元", "yuan"),
        "10k yuan/person" => Bi::new("万元/人", "10k yuan/person"),
        "firms" => Bi::new("家", "firms"),
        "10k firms" => Bi::new("万户", "10k firms"),
        "persons per 10k people" => Bi::new("人/万人", "persons per 10k people"),
        "patents per 10k people" => Bi::new("件/万人", "patents per 10k people"),
        "filings" => Bi::new("件", "filings"),
        "percentage points" => Bi::new("个百分点", "percentage points"),
        "index" => Bi::new("", ""),
        other => Bi::same(other),
    }
}

/// An amount with its unit of measure, in `lang` (`125.00 万元`,
/// `36.5%`). Chinese units in both languages: an amount is read with the
/// unit it was recorded in.
pub fn amount(value: &str, unit: &str, lang: Lang) -> String {
    let m = measure(unit);
    let m = if lang == Lang::En { m.en } else { m.zh };
    match m.as_str() {
        "" => value.to_owned(),
        "%" => format!("{value}%"),
        m => format!("{value} {m}"),
    }
}

/// A period's state.
pub fn state(state: &str) -> Bi {
    match state {
        "open" => Bi::new("进行中", "open"),
        "published" => Bi::new("已公布，异议期", "published, objections open"),
        "finalized" => Bi::new("已终结", "finalised"),
        other => Bi::same(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_carry_their_unit_of_measure() {
        assert_eq!(amount("125.00", "10k yuan", Lang::Both), "125.00 万元");
        assert_eq!(amount("12.5", "100M yuan", Lang::Zh), "12.5 亿元");
        assert_eq!(amount("12.5", "100M yuan", Lang::En), "12.5 100M yuan");
        assert_eq!(amount("36.5", "%", Lang::Both), "36.5%");
        assert_eq!(amount("71.2", "index", Lang::Both), "71.2");
    }

    #[test]
    fn pairs_show_as_the_language_asks() {
        let b = Bi::new("合格", "pass");
        assert_eq!(b.plain(Lang::Zh), "合格");
        assert_eq!(b.plain(Lang::En), "pass");
        assert_eq!(b.plain(Lang::Both), "合格 pass");
        assert_eq!(Bi::same("7").plain(Lang::Both), "7");
        assert_eq!(Lang::parse("de"), None);
    }
}

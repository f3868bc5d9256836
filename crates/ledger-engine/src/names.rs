//! Units and indicators as offices write them: by id, by Chinese name (with
//! or without its 区/县 suffix, current or former), by English name (any
//! case, with or without "District"/"County"), an indicator also by its
//! Table 1 number. An unknown name gets the nearest known one suggested.

use crate::Error;
use crate::remedy::{Input, Remedy};
use ledger_domain::Domain;

/// Why a name names nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// It names several: their ids.
    Ambiguous(Vec<String>),
    /// It names none; the nearest known name, if one is near enough to be
    /// a slip (`商河县 (shanghe)`).
    Unknown(Option<String>),
}

impl Miss {
    /// What is wrong, without the name (an importer shows it beside its
    /// cell), and the name suggested.
    pub fn reason(&self, what: &str) -> (String, Option<String>) {
        match self {
            Miss::Ambiguous(ids) => (format!("could be any {what} of {}; give its id", ids.join(", ")), None),
            Miss::Unknown(nearest) => (format!("unknown {what}"), nearest.clone()),
        }
    }

    fn into_error(self, what: &str, given: &str, input: Input) -> Error {
        match self {
            Miss::Ambiguous(ids) => {
                Error::refused(format!("{what} {given:?} could be any of {}; give its id", ids.join(", ")))
            }
            Miss::Unknown(Some(s)) => Error::refused(format!("unknown {what} {given}; did you mean {s}?")),
            Miss::Unknown(None) => Error::refused_with(format!("unknown {what} {given}"), Remedy::FixInput { input }),
        }
    }
}

/// What a name stands for, looked up in the domain state.
#[derive(Debug, Clone, Copy)]
pub struct Names<'d> {
    domain: &'d Domain,
}

/// The suffixes a Chinese unit name may be written without.
const ZH_SUFFIXES: [&str; 3] = ["区", "县", "市"];
/// The English words a unit name may be written without.
const EN_SUFFIXES: [&str; 3] = [" district", " county", " zone"];

fn trimmed(s: &str) -> &str {
    s.trim().trim_matches('\u{3000}')
}

fn zh_stem(s: &str) -> &str {
    ZH_SUFFIXES.iter().find_map(|suffix| s.strip_suffix(suffix).filter(|r| !r.is_empty())).unwrap_or(s)
}

fn en_stem(s: &str) -> String {
    let lower = s.to_lowercase();
    EN_SUFFIXES.iter().find_map(|suffix| lower.strip_suffix(suffix).map(str::to_owned)).unwrap_or(lower)
}

/// The known name nearest to `given`, if it is near enough to be a slip.
fn nearest<'a>(given: &str, candidates: impl Iterator<Item = (&'a str, String)>) -> Option<String> {
    let given = given.to_lowercase();
    let len = given.chars().count();
    let mut best: Option<(f64, String)> = None;
    for (name, shown) in candidates {
        let name = name.to_lowercase();
        // The distance is at least the difference of the lengths, so a score
        // of 0.5 needs lengths within a factor of two: skip the others, whose
        // distance takes time in proportion to the length (a CSV cell may be
        // megabytes long).
        let name_len = name.chars().count();
        if len > 2 * name_len || name_len > 2 * len {
            continue;
        }
        let score = strsim::normalized_levenshtein(&given, &name);
        if score >= 0.5 && best.as_ref().is_none_or(|(b, _)| score > *b) {
            best = Some((score, shown));
        }
    }
    best.map(|(_, shown)| shown)
}

impl<'d> Names<'d> {
    /// Names in this domain state.
    pub fn new(domain: &'d Domain) -> Names<'d> {
        Names { domain }
    }

    /// The id of the unit `given` names.
    pub fn unit(&self, given: &str) -> Result<String, Error> {
        self.find_unit(given).map_err(|m| m.into_error("unit", trimmed(given), Input::Unit))
    }

    /// The id of the unit `given` names, or why it names none.
    pub fn find_unit(&self, given: &str) -> Result<String, Miss> {
        let given = trimmed(given);
        let units = &self.domain.units;
        if units.contains_key(given) {
            return Ok(given.to_owned());
        }
        let lower = given.to_lowercase();
        if let Some(u) = units.values().find(|u| u.id.to_lowercase() == lower) {
            return Ok(u.id.clone());
        }
        let by = |matches: &dyn Fn(&str, &str) -> bool| -> Vec<&str> {
            let mut ids: Vec<&str> = units
                .values()
                .filter(|u| u.all_names().any(|(zh, en)| matches(zh, en)))
                .map(|u| u.id.as_str())
                .collect();
            ids.dedup();
            ids
        };
        // What depends on `given` alone is computed once (it may be long).
        let (given_zh_stem, given_en_stem) = (zh_stem(given), en_stem(given));
        for found in [
            by(&|zh, en| zh == given || en.to_lowercase() == lower),
            by(&|zh, en| zh_stem(zh) == given_zh_stem || en_stem(en) == given_en_stem),
        ] {
            match found.as_slice() {
                [one] => return Ok((*one).to_owned()),
                [] => {}
                many => return Err(Miss::Ambiguous(many.iter().map(|s| (*s).to_owned()).collect())),
            }
        }
        let candidates = units.values().flat_map(|u| {
            let shown = format!("{} ({})", u.name_zh, u.id);
            [u.id.clone(), u.name_zh.clone(), u.name_en.clone()].into_iter().map(move |n| (n, shown.clone()))
        });
        let owned: Vec<(String, String)> = candidates.collect();
        Err(Miss::Unknown(nearest(given, owned.iter().map(|(n, s)| (n.as_str(), s.clone())))))
    }

    /// The id of the indicator `given` names.
    pub fn indicator(&self, given: &str) -> Result<String, Error> {
        self.find_indicator(given).map_err(|m| m.into_error("indicator", trimmed(given), Input::Indicator))
    }

    /// The id of the indicator `given` names, or why it names none.
    pub fn find_indicator(&self, given: &str) -> Result<String, Miss> {
        let given = trimmed(given);
        let indicators = &self.domain.indicators;
        if indicators.contains_key(given) {
            return Ok(given.to_owned());
        }
        let lower = given.to_lowercase();
        let normalised = |s: &str| s.split_whitespace().collect::<String>().to_lowercase();
        let given_normalised = normalised(given);
        let found: Vec<&str> = indicators
            .values()
            .filter(|(_, d)| {
                d.id.to_lowercase() == lower
                    || normalised(&d.name_zh) == given_normalised
                    || d.name_en.to_lowercase() == lower
            })
            .map(|(_, d)| d.id.as_str())
            .collect();
        match found.as_slice() {
            [one] => return Ok((*one).to_owned()),
            [] => {}
            many => return Err(Miss::Ambiguous(many.iter().map(|s| (*s).to_owned()).collect())),
        }
        let owned: Vec<(String, String)> = indicators
            .values()
            .flat_map(|(_, d)| {
                let shown = format!("{} ({})", d.name_zh, d.id);
                [d.name_zh.clone(), d.name_en.clone()].into_iter().map(move |n| (n, shown.clone()))
            })
            .collect();
        Err(Miss::Unknown(nearest(given, owned.iter().map(|(n, s)| (n.as_str(), s.clone())))))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ledger_core::append::Submission;

    /// The embedded catalog and units, folded.
    fn domain() -> Domain {
        let mut d = Domain::default();
        let mut seq = 0;
        for sub in ledger_domain::defaults::catalog_events()
            .unwrap()
            .into_iter()
            .chain(ledger_domain::defaults::unit_events().unwrap())
        {
            seq += 1;
            let record = record(seq, sub);
            let decided = d.decide(&record.envelope).unwrap();
            d.apply(&record, decided);
        }
        d
    }

    fn record(seq: u64, sub: Submission) -> ledger_core::Record {
        let key = ledger_core::SigningKey::from_bytes(&[1; 32]);
        let genesis = ledger_core::append::genesis(
            "t.example/l",
            &ledger_core::authority::Genesis {
                roots: vec![ledger_core::authority::RootKey { key: (&key).into(), holder: "x".into() }],
                threshold: 1,
                roles: Default::default(),
            },
            &key,
            &[],
            "2026-01-01T00:00:00Z".parse().unwrap(),
            "g".into(),
        )
        .unwrap();
        let envelope = ledger_core::Envelope {
            origin: "t.example/l".into(),
            stream: sub.stream,
            version: 1,
            event_type: sub.event_type,
            schema: 1,
            data: sub.data,
            author: (&key).into(),
            time: "2026-01-01T00:00:00Z".parse().unwrap(),
            id: sub.id,
        };
        let signed = ledger_core::record::SignedEnvelope::sign(envelope, &key, &[]).unwrap();
        ledger_core::Record::seal(seq, genesis.hash, signed)
    }

    #[test]
    fn units_and_indicators_by_the_names_offices_write() {
        let d = domain();
        let n = Names::new(&d);
        for given in ["shanghe", "商河县", "商河", "Shanghe County", "shanghe county", "SHANGHE", " 商河县 "] {
            assert_eq!(n.unit(given).unwrap(), "shanghe", "{given}");
        }
        // A former name too: Jiyang was 济阳县 until 2018.
        assert_eq!(n.unit("济阳县").unwrap(), "jiyang");
        assert_eq!(n.unit("济阳区").unwrap(), "jiyang");
        let e = n.unit("商河镇").unwrap_err().to_string();
        assert!(e.contains("unknown unit 商河镇; did you mean 商河县 (shanghe)?"), "{e}");
        for given in ["1", "新经济占比", "new-economy share of GDP", "NEW-ECONOMY SHARE OF GDP"] {
            assert_eq!(n.indicator(given).unwrap(), "1", "{given}");
        }
        assert_eq!(n.indicator("PCT国际专利年申请量").unwrap(), "11");
        let e = n.indicator("新经济占").unwrap_err().to_string();
        assert!(e.contains("did you mean 新经济占比 (1)?"), "{e}");
    }

    /// Found by fuzzing the CSV import (fuzz/, target `csv`): a name of a
    /// few hundred kilobytes took seconds to refuse, the nearest name being
    /// sought by edit distance against every known one. A name more than
    /// twice as long (or short) as a known one cannot be near it.
    #[test]
    fn a_very_long_unknown_name_is_refused_at_once() {
        let d = domain();
        let n = Names::new(&d);
        // 4 MiB: seconds of edit distances each without the length bound, a
        // few passes over the name with it.
        for given in ["x".repeat(1 << 22), "商".repeat(1 << 21)] {
            let start = std::time::Instant::now();
            let e = n.unit(&given).unwrap_err().to_string();
            assert!(
                e.starts_with("unknown unit ") && !e.contains("did you mean"),
                "{}",
                e.chars().take(40).collect::<String>()
            );
            let e = n.indicator(&given).unwrap_err().to_string();
            assert!(
                e.starts_with("unknown indicator ") && !e.contains("did you mean"),
                "{}",
                e.chars().take(40).collect::<String>()
            );
            assert!(start.elapsed() < std::time::Duration::from_secs(2), "{:?}", start.elapsed());
        }
        // Lengths within a factor of two are still compared.
        let e = n.unit("shanghexx").unwrap_err().to_string();
        assert!(e.contains("did you mean 商河县 (shanghe)?"), "{e}");
    }
}

//! The catalogue of event types against what is written about it elsewhere.
//!
//! That every type has a `decide` arm and an `apply` arm is the compiler's
//! check: both match on `DomainEvent` without a catch-all arm. These tests
//! check the rest, for every type of `ledger_domain::events::CATALOGUE`:
//!
//! * a full payload of it decodes into its variant, and encodes back to
//!   the same canonical bytes (decode, encode, decode round-trips);
//! * `decide` answers it (accepts or refuses, never panics) on an empty
//!   state and on the demonstration's;
//! * `ledger/roles.json` gives it exactly its default roles, and nothing
//!   else is in that table but the log's `checkpoint_signed`;
//! * `docs/EVENTS.md` has a row for it with those roles, its stream and
//!   its payload's members, `?` marking exactly those that may be left out.
//!
//! (`docs/schema/ledger.schema.json` describes `--json` outputs, which hold
//! no payload by type; EVENTS.md is where payloads are documented.)

#![allow(clippy::unwrap_used)]

use ledger_core::{Envelope, PublicKey, SigningKey, Timestamp};
use ledger_domain::Domain;
use ledger_domain::events::{CATALOGUE, DomainEvent, EventType, Stream};
use serde::de::{DeserializeOwned, Visitor};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// A payload of each type with every member given (every optional one too).
fn sample(event_type: &str) -> Value {
    let evidence = json!({"blake3": "ab".repeat(32), "title": "report"});
    let point = json!({"year": 2017, "value": "12.5", "note": "2016 figure"});
    let definition = json!({
        "id": "1", "category": "innovation", "category_zh": "创新", "name_zh": "名称", "name_en": "Name",
        "unit": "%", "unit_zh": "%", "direction": "higher", "kind": "numeric", "value_type": "share",
        "baseline": point, "target": point, "source": "Table 1", "auxiliary": true,
    });
    match event_type {
        "indicator_defined" => definition,
        "indicator_revised" => json!({"indicator": definition, "reason": "typo"}),
        "unit_registered" => json!({"unit": "lixia", "name_zh": "历下区", "name_en": "Lixia", "kind": "district",
                                    "effective": "2018-01-01", "note": "n"}),
        "unit_renamed" => json!({"unit": "lixia", "name_zh": "历下区", "name_en": "Lixia", "effective": "2019-01-01",
                                 "note": "n"}),
        "unit_reclassified" => json!({"unit": "jiyang", "from": "county", "to": "district", "effective": "2018-06-01",
                                      "note": "n"}),
        "unit_merged" => json!({"unit": "laiwu", "into": "lixia", "effective": "2020-01-01", "note": "n"}),
        "unit_retired" => json!({"unit": "laiwu", "effective": "2020-01-01", "reason": "r"}),
        "policy_adopted" => json!({"policy": {"id": "p", "version": 1}}),
        "period_opened" => json!({"year": 2022, "units": ["lixia"], "indicators": ["1"],
                                  "policy": {"id": "p", "version": 1}, "note": "n"}),
        "target_assigned" => json!({"unit": "lixia", "indicator": "1", "target": "35.0", "baseline": "20",
                                    "note": "n"}),
        "measurement_submitted" => json!({"unit": "lixia", "indicator": "1", "value": "25.60", "measure": "%",
                                          "evidence": evidence, "note": "n", "round": "Q1"}),
        "measurement_corrected" => json!({"corrects": 7, "value": "-0.50", "reason": "r", "evidence": evidence}),
        "measurement_verified" => json!({"measurement": 7}),
        "measurement_returned" => json!({"measurement": 7, "reason": "r"}),
        "scores_published" => json!({"window_until": "2023-03-15", "projection_hash": "00".repeat(32),
                                     "missing_values": 2}),
        "objection_filed" => json!({"objection": "o", "unit": "lixia", "indicator": "1", "claim": "c",
                                    "proposed_value": "1.5"}),
        "objection_resolved" => json!({"objection": "o", "outcome": "upheld", "reasons": "r",
                                       "corrected_value": "1.5"}),
        "period_finalized" => json!({"projection_hash": "00".repeat(32)}),
        "reward_granted" => json!({"reward": "r", "unit": "lixia", "kind": "fiscal_reward", "amount": "746.20",
                                   "basis": "b"}),
        "accountability_action_taken" => json!({"action": "a", "unit": "lixia", "kind": "accountability",
                                                "basis": "b", "person": "cd".repeat(32)}),
        "rectification_submitted" => json!({"action": "a", "unit": "lixia", "text": "t"}),
        "action_rescinded" => json!({"target": "a", "reason": "r"}),
        "data_fraud_determined" => json!({"determination": "d", "unit": "lixia", "indicators": ["1"], "basis": "b"}),
        "audit_finding_recorded" => json!({"finding": "f", "period": "2022", "unit": "lixia", "text": "t"}),
        "time_zone_adopted" => json!({"zone": "Asia/Shanghai"}),
        "unit_key_bound" => json!({"unit": "lixia", "key": "ef".repeat(32)}),
        "project_registered" => json!({"project": "jn-1", "name_zh": "项目", "name_en": "Project", "unit": "lixia",
                                       "sector": "IT", "planned_investment": "125000", "investment_unit": "万元",
                                       "stage": "reserve", "note": "n"}),
        "project_promoted" => json!({"project": "jn-1", "from": "construction", "to": "preparatory", "basis": "b",
                                     "approved_by": "DRC", "demotion": true, "reason": "r"}),
        "project_progress_reported" => json!({"project": "jn-1", "period": "2021-H2",
                                              "investment_completed": "3500.5", "milestone": "m",
                                              "evidence": evidence}),
        "project_completed" => json!({"project": "jn-1", "completed": "2022-12-20", "note": "n"}),
        "project_evaluated" => json!({"project": "jn-1", "rating": "good", "summary": "s", "evidence": evidence}),
        "personal_data_redacted" => json!({"record": 7, "reason": "r"}),
        "measure_registered" => json!({"measure": "m", "title_zh": "标题", "title_en": "Title",
                                       "lead_office": "o", "source": "s", "due": "2025-12-31"}),
        "measure_progress_reported" => json!({"measure": "m", "period": "2021", "status": "done", "text": "t",
                                              "evidence": evidence}),
        "land_use_reported" => json!({"unit": "lixia", "period": "2021", "supplied_ha": "40.00",
                                      "used_ha": "30.5", "projects": ["jn-1"], "evidence": evidence}),
        "monitoring_round_opened" => json!({"round": "Q1", "due": "2022-04-15", "indicators": ["9"], "note": "n"}),
        "supervision_recorded" => json!({"finding": "f", "unit": "lixia", "text": "t", "severity": "major",
                                         "follow_up_due": "2022-06-30", "round": "Q1", "evidence": evidence}),
        "supervision_closed" => json!({"finding": "f", "text": "t", "evidence": evidence}),
        other => panic!("no sample payload for {other}: add one to tests/catalogue.rs"),
    }
}

fn object(v: Value) -> Map<String, Value> {
    let Value::Object(m) = v else { panic!("not an object") };
    m
}

fn canonical(m: &Map<String, Value>) -> Vec<u8> {
    ledger_core::canonical::to_vec(&Value::Object(m.clone())).unwrap()
}

#[test]
fn every_type_decodes_once_and_encodes_back_to_the_same_bytes() {
    let mut names = BTreeSet::new();
    for t in CATALOGUE {
        assert!(names.insert(t.name), "{} is in the catalogue twice", t.name);
        assert_eq!(t.schema, 1, "{}", t.name);
        assert_eq!(EventType::of(t.name), Some(t));
        let data = object(sample(t.name));
        let event = DomainEvent::decode(t.name, &data).unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(event.event_type(), t.name);
        assert_eq!(event.kind(), t);
        let encoded = event.to_data();
        assert_eq!(canonical(&encoded), canonical(&data), "{}: encode(decode(sample)) is not the sample", t.name);
        assert_eq!(DomainEvent::decode(t.name, &encoded).unwrap(), event, "{}", t.name);
        // Another type's name does not take this payload silently.
        assert!(DomainEvent::decode("no_such_type", &data).is_err());
    }
    // A decoded decimal is never a negative zero: `-0` decodes as 0, and a
    // record keeps the bytes it was written with (none is encoded again).
    let corrected = object(json!({"corrects": 7, "value": "-0", "reason": "r"}));
    let event = DomainEvent::decode("measurement_corrected", &corrected).unwrap();
    assert_eq!(event.to_data()["value"], json!("0"));
    assert_eq!(names.len(), 38);
}

#[test]
fn a_payload_that_does_not_decode_is_refused_naming_the_member() {
    let mut data = object(sample("measurement_submitted"));
    data.insert("value".into(), json!(25.6));
    let e = DomainEvent::decode("measurement_submitted", &data).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("value"));
    assert!(e.reason.starts_with("decimal values are written as strings"), "{e}");
    assert!(e.to_string().starts_with("measurement_submitted: value: decimal values"), "{e}");
    data.insert("evidence".into(), json!({"blake3": "x"}));
    data.insert("value".into(), json!("1"));
    let e = DomainEvent::decode("measurement_submitted", &data).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("evidence"));
    data.remove("evidence");
    data.remove("unit");
    let e = DomainEvent::decode("measurement_submitted", &data).unwrap_err();
    assert_eq!((e.field.as_deref(), e.to_string().as_str()), (None, "measurement_submitted: missing field `unit`"));
}

/// An envelope of a sample payload in the stream its type belongs in.
fn envelope(t: &EventType, data: Map<String, Value>) -> Envelope {
    let key = |v: &str| data.get(v).and_then(Value::as_str).unwrap_or("x").to_owned();
    let stream = match t.stream {
        Stream::Period => t.stream.of("2022"),
        Stream::Policy => t.stream.of("p"),
        Stream::Project => t.stream.of(&key("project")),
        Stream::Measure => t.stream.of(&key("measure")),
        Stream::Unit | Stream::Land => t.stream.of(&key("unit")),
        other => other.of(""),
    };
    Envelope {
        origin: "test.example/catalogue".into(),
        stream,
        version: 1,
        event_type: t.name.into(),
        schema: t.schema,
        data,
        author: PublicKey::from(&SigningKey::from_bytes(&[3; 32])),
        time: "2023-03-02T09:00:00Z".parse::<Timestamp>().unwrap(),
        id: "e".into(),
    }
}

#[test]
fn decide_answers_every_type_of_the_catalogue() {
    let mut w = ledger_testkit::World::with_defaults();
    ledger_domain::demo::build(&mut w).unwrap();
    for domain in [Domain::default(), w.domain.clone()] {
        for t in CATALOGUE {
            let env = envelope(t, object(sample(t.name)));
            // Accepted or refused: either is an answer of the rules.
            if let Ok(decided) = domain.decide(&env) {
                assert_eq!(decided.event.event_type(), t.name);
            }
        }
    }
}

/// The names of a struct's members, as its `Deserialize` gives them.
fn members<T: DeserializeOwned>() -> Vec<&'static str> {
    struct Probe<'a>(&'a mut Vec<&'static str>);
    impl<'de> serde::Deserializer<'de> for Probe<'_> {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.extend(fields);
            Err(serde::de::Error::custom("probed"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let mut out = Vec::new();
    let _ = T::deserialize(Probe(&mut out));
    out
}

/// Each type's payload members: name -> may be left out.
fn payload_members(t: &EventType) -> BTreeMap<String, bool> {
    use ledger_domain::events::*;
    let names = match t.name {
        IndicatorDef::TYPE => members::<IndicatorDef>(),
        IndicatorRevised::TYPE => members::<IndicatorRevised>(),
        UnitRegistered::TYPE => members::<UnitRegistered>(),
        UnitRenamed::TYPE => members::<UnitRenamed>(),
        UnitReclassified::TYPE => members::<UnitReclassified>(),
        UnitMerged::TYPE => members::<UnitMerged>(),
        UnitRetired::TYPE => members::<UnitRetired>(),
        PolicyAdopted::TYPE => members::<PolicyAdopted>(),
        PeriodOpened::TYPE => members::<PeriodOpened>(),
        TargetAssigned::TYPE => members::<TargetAssigned>(),
        MeasurementSubmitted::TYPE => members::<MeasurementSubmitted>(),
        MeasurementCorrected::TYPE => members::<MeasurementCorrected>(),
        MeasurementVerified::TYPE => members::<MeasurementVerified>(),
        MeasurementReturned::TYPE => members::<MeasurementReturned>(),
        ScoresPublished::TYPE => members::<ScoresPublished>(),
        ObjectionFiled::TYPE => members::<ObjectionFiled>(),
        ObjectionResolved::TYPE => members::<ObjectionResolved>(),
        PeriodFinalized::TYPE => members::<PeriodFinalized>(),
        RewardGranted::TYPE => members::<RewardGranted>(),
        ActionTaken::TYPE => members::<ActionTaken>(),
        RectificationSubmitted::TYPE => members::<RectificationSubmitted>(),
        ActionRescinded::TYPE => members::<ActionRescinded>(),
        DataFraudDetermined::TYPE => members::<DataFraudDetermined>(),
        AuditFindingRecorded::TYPE => members::<AuditFindingRecorded>(),
        TimeZoneAdopted::TYPE => members::<TimeZoneAdopted>(),
        UnitKeyBound::TYPE => members::<UnitKeyBound>(),
        ProjectRegistered::TYPE => members::<ProjectRegistered>(),
        ProjectPromoted::TYPE => members::<ProjectPromoted>(),
        ProjectProgressReported::TYPE => members::<ProjectProgressReported>(),
        ProjectCompleted::TYPE => members::<ProjectCompleted>(),
        ProjectEvaluated::TYPE => members::<ProjectEvaluated>(),
        PersonalDataRedacted::TYPE => members::<PersonalDataRedacted>(),
        MeasureRegistered::TYPE => members::<MeasureRegistered>(),
        MeasureProgressReported::TYPE => members::<MeasureProgressReported>(),
        LandUseReported::TYPE => members::<LandUseReported>(),
        MonitoringRoundOpened::TYPE => members::<MonitoringRoundOpened>(),
        SupervisionRecorded::TYPE => members::<SupervisionRecorded>(),
        SupervisionClosed::TYPE => members::<SupervisionClosed>(),
        other => panic!("{other} has no line here: add it"),
    };
    let full = object(sample(t.name));
    assert_eq!(
        full.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        names.iter().copied().collect::<BTreeSet<_>>(),
        "the sample of {} gives every member",
        t.name
    );
    names
        .into_iter()
        .map(|m| {
            let mut without = full.clone();
            without.remove(m);
            (m.to_owned(), DomainEvent::decode(t.name, &without).is_ok())
        })
        .collect()
}

#[test]
fn roles_json_gives_every_type_its_default_roles() {
    let table: BTreeMap<String, BTreeSet<String>> = serde_json::from_str(ledger_domain::defaults::ROLES).unwrap();
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in CATALOGUE {
        for role in t.roles {
            expected.entry((*role).to_owned()).or_default().insert(t.name.to_owned());
        }
    }
    // The log's one type is ledger-tlog's, not the domain's.
    expected.entry("log".into()).or_default().insert("checkpoint_signed".into());
    assert_eq!(table, expected, "ledger/roles.json is not the catalogue's default roles");
}

/// A row of one of EVENTS.md's tables: its cells by column name, and the
/// text of its section before the table.
struct Row {
    cells: BTreeMap<String, String>,
    section: String,
}

fn events_md() -> BTreeMap<String, Row> {
    let text = include_str!("../../../docs/EVENTS.md");
    let mut rows = BTreeMap::new();
    let (mut section, mut header): (String, Option<Vec<String>>) = (String::new(), None);
    let cells = |line: &str| line.trim().trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect::<Vec<_>>();
    for line in text.lines() {
        if line.starts_with("## ") {
            section.clear();
        }
        if !line.starts_with('|') {
            header = None;
            section.push_str(line);
            section.push('\n');
            continue;
        }
        let row = cells(line);
        match &header {
            None => header = Some(row),
            Some(_) if row.iter().all(|c| c.chars().all(|ch| ch == '-')) => {}
            Some(h) => {
                let Some(t) = row[0].strip_prefix('`').and_then(|c| c.strip_suffix('`')) else { continue };
                let cells = h.iter().cloned().zip(row.iter().cloned()).collect();
                rows.insert(t.to_owned(), Row { cells, section: section.clone() });
            }
        }
    }
    rows
}

/// The members a payload cell names: backticked names outside
/// parentheses, `?` after one marking it optional.
fn documented_members(cell: &str) -> BTreeMap<String, bool> {
    let mut outside = String::new();
    let mut depth = 0;
    for c in cell.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => outside.push(c),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    let mut rest = outside.as_str();
    while let Some(start) = rest.find('`') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('`') else { break };
        let name = &after[..end];
        rest = &after[end + 1..];
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            out.insert(name.to_owned(), rest.starts_with('?'));
        }
    }
    out
}

#[test]
fn events_md_documents_every_type_with_its_roles_stream_and_members() {
    let rows = events_md();
    for t in CATALOGUE {
        let row = rows.get(t.name).unwrap_or_else(|| panic!("docs/EVENTS.md has no table row for `{}`", t.name));
        let roles: BTreeSet<&str> = row.cells["role"].split(',').map(str::trim).collect();
        assert_eq!(roles, t.roles.iter().copied().collect(), "EVENTS.md: the roles of {}", t.name);
        match row.cells.get("stream") {
            Some(stream) => {
                assert_eq!(stream, &format!("`{}`", t.stream.pattern()), "EVENTS.md: the stream of {}", t.name)
            }
            None => assert!(
                row.section
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .contains(&format!("All in stream `{}`", t.stream.pattern())),
                "EVENTS.md: the section of {} says its stream ({})",
                t.name,
                t.stream.pattern()
            ),
        }
        assert_eq!(
            documented_members(&row.cells["payload"]),
            payload_members(t),
            "EVENTS.md: the payload members of {} (name -> may be left out)",
            t.name
        );
    }
    for t in rows.keys() {
        assert!(EventType::of(t).is_some(), "docs/EVENTS.md has a row for {t}, which the catalogue does not have");
    }
}

#[test]
fn the_rules_name_the_member_they_refuse() {
    let mut w = ledger_testkit::World::with_defaults();
    let indicators: Vec<String> = w.domain.indicators.keys().cloned().collect();
    w.ok(
        "authority",
        "period/2022",
        "period_opened",
        json!({"year": 2022, "units": ["lixia", "laiwu"], "indicators": indicators,
               "policy": {"id": "jinan-nokec-2018", "version": 1}}),
        "2022-01-05",
    );
    let seq = w.ok(
        "statistics",
        "period/2022",
        "measurement_submitted",
        json!({"unit": "lixia", "indicator": "1", "value": "25.6"}),
        "2022-02-01",
    );
    let refusal = |event_type: &str, data: Value| {
        let e = w.domain.decide(&envelope(EventType::of(event_type).unwrap(), object(data))).unwrap_err();
        (e.field.clone(), e.reason.clone(), e.to_string())
    };
    let some = |s: &str| Some(s.to_owned());
    let (field, reason, message) =
        refusal("target_assigned", json!({"unit": "atlantis", "indicator": "1", "target": "3"}));
    assert_eq!((field, reason.as_str()), (some("unit"), "unknown unit \"atlantis\""));
    assert_eq!(message, reason);
    let (field, reason, message) =
        refusal("measurement_submitted", json!({"unit": "laiwu", "indicator": "1", "value": "101"}));
    assert_eq!(field, some("value"));
    assert!(reason.starts_with("101 is not a share between 0 and 100"), "{reason}");
    assert_eq!(message, format!("value: {reason}"));
    let (field, ..) = refusal("measurement_submitted", json!({"unit": "laiwu", "indicator": "99", "value": "1"}));
    assert_eq!(field, some("indicator"));
    let (field, ..) =
        refusal("measurement_submitted", json!({"unit": "laiwu", "indicator": "1", "value": "1", "measure": "kg"}));
    assert_eq!(field, some("measure"));
    let evidence = json!({"blake3": "ab".repeat(32), "title": " "});
    let (field, _, message) = refusal(
        "measurement_submitted",
        json!({"unit": "laiwu", "indicator": "1", "value": "1", "evidence": evidence}),
    );
    assert_eq!((field, message.as_str()), (some("evidence.title"), "evidence.title must not be empty"));
    let (field, _, message) = refusal("measurement_corrected", json!({"corrects": seq, "value": "26", "reason": " "}));
    assert_eq!((field, message.as_str()), (some("reason"), "reason must not be empty"));
    // A refusal about no one member has no field.
    let (field, ..) = refusal("measurement_submitted", json!({"unit": "lixia", "indicator": "1", "value": "2"}));
    assert_eq!(field, None);
}

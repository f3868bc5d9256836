//! What a person can do about an error, typed: the engine says *what* can
//! be done and *who* can do it; each front end says *how* in its own words
//! (the command line as a `hint:` line naming the command and its options,
//! the HTTP service as a `code` and, for its client's own remedies, a
//! sentence). Nothing here names a command or an option of any front end.

/// Who can act on a [`Remedy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// Whoever made the request: an office signing and submitting events, a
    /// person giving a command its input, a client of the HTTP service. They
    /// can change what they send.
    Submitter,
    /// Whoever holds the ledger file and the keys that govern it (the root,
    /// the log key): they can verify it, repair it, sign its checkpoints,
    /// authorise and bind keys, create a ledger.
    Operator,
    /// Whoever checks a ledger from outside: with a copy of it, its tiles,
    /// its checkpoints and proofs, and what this machine remembers of it.
    Inspector,
}

impl Actor {
    /// A stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Actor::Submitter => "submitter",
            Actor::Operator => "operator",
            Actor::Inspector => "inspector",
        }
    }
}

/// What can be done about an error: one variant per distinct thing, with
/// the data a front end needs to say it exactly. Not `non_exhaustive`, nor
/// are the enums it carries: a front end renders every variant by an
/// exhaustive match, so a new one does not compile until each says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remedy {
    // --- the submitter -------------------------------------------------------
    /// The ledger moved on (a stream is past the version the event expects,
    /// or the event was signed before its last record): read it again,
    /// decide again, and sign again against it as it stands. Submitter.
    DecideAgain {
        /// The stream that moved on, when one did.
        stream: Option<String>,
    },
    /// An event signed offline whose stream's version is not known: sign
    /// against a copy of the ledger or its service, or state the version
    /// the stream's first event expects. Submitter.
    SignAgainstLedger {
        /// The stream.
        stream: String,
    },
    /// The event is dated too far after the appending machine's clock: set
    /// the signing machine's clock right and sign again (the operator sets
    /// the bound). Submitter.
    SetClock,
    /// The key may not write the event: see (or ask) which keys hold which
    /// roles, and sign with one that may. Submitter.
    CheckRoles,
    /// Another writer held the ledger: send the same request again in a
    /// moment. Submitter.
    RetryLater,
    /// The input holds more than one batch may: split it. Submitter.
    SplitInput {
        /// The most one batch (one file) may hold.
        max: usize,
    },
    /// An input given is not usable: give it as it should be. Submitter.
    FixInput {
        /// Which input.
        input: Input,
    },
    /// An input is needed and was not given: give it. Submitter.
    GiveInput {
        /// Which input.
        input: Input,
    },
    /// A value is not written the way the ledger takes it: write it so.
    /// Submitter.
    WriteAs {
        /// How.
        form: Form,
    },
    /// A name the ledger does not know where it knows these: choose one of
    /// them. Submitter.
    ChooseKnown {
        /// What kind of name.
        kind: Known,
        /// The names there are (empty: none).
        names: Vec<String>,
    },
    /// A sequence number past the ledger's last record: choose one it
    /// holds. Submitter.
    ChooseRecord {
        /// The last record's sequence number.
        last: u64,
    },
    /// What the request builds on is not recorded yet: record it first.
    /// Submitter.
    RecordFirst {
        /// What.
        what: Prerequisite,
    },
    /// A period with values missing or returned: see which and complete
    /// them, or publish anyway (the publication records the count).
    /// Submitter.
    CompletePeriod {
        /// The period.
        period: String,
    },

    // --- the operator --------------------------------------------------------
    /// Run the full verification of the ledger to see every problem (of
    /// one record, when `seq` is given). Operator.
    Verify {
        /// The record it is about, if one.
        seq: Option<u64>,
    },
    /// Verify, then rebuild the derived data (the Merkle tree table, the
    /// snapshots) from the records once they verify. Operator.
    RebuildTree,
    /// Carry out the erasures of personal data the ledger records and this
    /// file has not. Operator.
    EraseRedacted,
    /// The records themselves fail: see every problem, and restore the file
    /// from a copy if it is damaged. Operator.
    RestoreFromCopy,
    /// A key lacks a role: authorise it for the role (a root action).
    /// Operator.
    AuthoriseKey {
        /// The role.
        role: String,
    },
    /// A key with the unit role is bound to no unit: bind it to the unit it
    /// speaks for (the authority office). Operator.
    BindUnitKey {
        /// The unit.
        unit: String,
    },
    /// No checkpoint (or none recent enough) is signed: sign one with the
    /// log key. Operator.
    SignCheckpoint {
        /// A newer one than the latest is needed (then try again).
        newer: bool,
    },
    /// No ledger at the place given: create one, build the demonstration,
    /// or give the place of another. Operator.
    CreateLedger,

    // --- the inspector -------------------------------------------------------
    /// Check the ledger against a checkpoint trusted from before: it says
    /// where the ledger and the tree it signed part. Inspector.
    VerifyAgainstCheckpoint,
    /// A checkpoint not signed by the log key it was checked with: check
    /// that it comes from this ledger's log, or give the right log key.
    /// Inspector.
    MatchLogKey,
    /// This machine remembers another history of this ledger: if the file's
    /// is the one to accept (a backup restored on purpose), forget what was
    /// verified before. Inspector.
    Forget,
}

impl Remedy {
    /// Choose one of the `names` there are of this `kind`.
    pub fn choose<S: Into<String>>(kind: Known, names: impl IntoIterator<Item = S>) -> Remedy {
        Remedy::ChooseKnown { kind, names: names.into_iter().map(Into::into).collect() }
    }

    /// Who can act on it.
    pub fn actor(&self) -> Actor {
        match self {
            Remedy::DecideAgain { .. }
            | Remedy::SignAgainstLedger { .. }
            | Remedy::SetClock
            | Remedy::CheckRoles
            | Remedy::RetryLater
            | Remedy::SplitInput { .. }
            | Remedy::FixInput { .. }
            | Remedy::GiveInput { .. }
            | Remedy::WriteAs { .. }
            | Remedy::ChooseKnown { .. }
            | Remedy::ChooseRecord { .. }
            | Remedy::RecordFirst { .. }
            | Remedy::CompletePeriod { .. } => Actor::Submitter,
            Remedy::Verify { .. }
            | Remedy::RebuildTree
            | Remedy::EraseRedacted
            | Remedy::RestoreFromCopy
            | Remedy::AuthoriseKey { .. }
            | Remedy::BindUnitKey { .. }
            | Remedy::SignCheckpoint { .. }
            | Remedy::CreateLedger => Actor::Operator,
            Remedy::VerifyAgainstCheckpoint | Remedy::MatchLogKey | Remedy::Forget => Actor::Inspector,
        }
    }

    /// A stable snake_case name, for machines (the HTTP service's `code`).
    pub fn code(&self) -> &'static str {
        match self {
            Remedy::DecideAgain { .. } => "decide_again",
            Remedy::SignAgainstLedger { .. } => "sign_against_ledger",
            Remedy::SetClock => "set_clock",
            Remedy::CheckRoles => "check_roles",
            Remedy::RetryLater => "retry_later",
            Remedy::SplitInput { .. } => "split_input",
            Remedy::FixInput { .. } => "fix_input",
            Remedy::GiveInput { .. } => "give_input",
            Remedy::WriteAs { .. } => "write_as",
            Remedy::ChooseKnown { .. } => "choose_known",
            Remedy::ChooseRecord { .. } => "choose_record",
            Remedy::RecordFirst { .. } => "record_first",
            Remedy::CompletePeriod { .. } => "complete_period",
            Remedy::Verify { .. } => "verify",
            Remedy::RebuildTree => "rebuild_tree",
            Remedy::EraseRedacted => "erase_redacted",
            Remedy::RestoreFromCopy => "restore_from_copy",
            Remedy::AuthoriseKey { .. } => "authorise_key",
            Remedy::BindUnitKey { .. } => "bind_unit_key",
            Remedy::SignCheckpoint { .. } => "sign_checkpoint",
            Remedy::CreateLedger => "create_ledger",
            Remedy::VerifyAgainstCheckpoint => "verify_against_checkpoint",
            Remedy::MatchLogKey => "match_log_key",
            Remedy::Forget => "forget",
        }
    }

    /// The remedy a code names, for the remedies that carry no data (or
    /// whose data may be left out): what a client makes of the `code` of
    /// an answer. `None` for any other code.
    pub fn from_code(code: &str) -> Option<Remedy> {
        Some(match code {
            "decide_again" => Remedy::DecideAgain { stream: None },
            "set_clock" => Remedy::SetClock,
            "check_roles" => Remedy::CheckRoles,
            "retry_later" => Remedy::RetryLater,
            "verify" => Remedy::Verify { seq: None },
            "rebuild_tree" => Remedy::RebuildTree,
            "erase_redacted" => Remedy::EraseRedacted,
            "restore_from_copy" => Remedy::RestoreFromCopy,
            "create_ledger" => Remedy::CreateLedger,
            "verify_against_checkpoint" => Remedy::VerifyAgainstCheckpoint,
            "match_log_key" => Remedy::MatchLogKey,
            "forget" => Remedy::Forget,
            _ => return None,
        })
    }

    /// Every code, for documentation and tests.
    pub const CODES: [&'static str; 24] = [
        "decide_again",
        "sign_against_ledger",
        "set_clock",
        "check_roles",
        "retry_later",
        "split_input",
        "fix_input",
        "give_input",
        "write_as",
        "choose_known",
        "choose_record",
        "record_first",
        "complete_period",
        "verify",
        "rebuild_tree",
        "erase_redacted",
        "restore_from_copy",
        "authorise_key",
        "bind_unit_key",
        "sign_checkpoint",
        "create_ledger",
        "verify_against_checkpoint",
        "match_log_key",
        "forget",
    ];
}

/// An input the engine takes and may have to name: an option or argument
/// of a command, a setting. A front end maps each to how its user gives it
/// (the command line to its option); [`Input::noun`] names it in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    /// The place of the ledger file (a new one must not exist).
    Ledger,
    /// The folder the demonstration is built in.
    DemoFolder,
    /// A unit, by id or name.
    Unit,
    /// An indicator, by id or name.
    Indicator,
    /// A key of the ledger: key id, public key, or holder.
    Key,
    /// The name of a verifier key printed from a public key.
    KeyName,
    /// The year a period assesses.
    Year,
    /// The scoring policy, `ID@VERSION`.
    Policy,
    /// A value measured (a correction's).
    Value,
    /// The value an objector says is right.
    ProposedValue,
    /// The corrected value of an upheld objection.
    CorrectedValue,
    /// A fiscal reward's amount.
    Amount,
    /// Land supplied for construction, hectares.
    SuppliedArea,
    /// Land used by the plan's projects, hectares.
    UsedArea,
    /// A project's planned investment.
    PlannedInvestment,
    /// A project's investment completed in the period.
    Investment,
    /// A detail of a named official, `KEY=VALUE`.
    PersonDetail,
    /// The record whose personal data is asked for.
    PersonRecord,
    /// The log's verifier key (text, or a file holding it).
    LogVkey,
    /// A witness's verifier key (text, or a file holding it).
    WitnessVkey,
    /// The name a witness cosigns under.
    WitnessName,
    /// A record's hash, which an inclusion proof is about.
    RecordHash,
    /// A signed checkpoint file.
    Checkpoint,
    /// The older of two checkpoints a consistency proof is between.
    OlderCheckpoint,
    /// The checkpoint a witness is asked to cosign.
    CheckpointToCosign,
    /// An inclusion proof file.
    InclusionProof,
    /// A proof bundle file.
    ProofBundle,
    /// A consistency proof from a witness's state to a checkpoint.
    ConsistencyProof,
    /// Where a log's tiles are published (a URL or a folder).
    Tiles,
    /// The URL of the ledger's HTTP service.
    Service,
    /// The certificate chain and key the service serves TLS with.
    Tls,
    /// The certificates an HTTPS service is trusted by (`SSL_CERT_FILE`).
    TrustedCertificates,
}

impl Input {
    /// What it is, in words, for a message ("the log's verifier key").
    pub fn noun(self) -> &'static str {
        match self {
            Input::Ledger => "the ledger's path",
            Input::DemoFolder => "the demonstration folder",
            Input::Unit => "the unit",
            Input::Indicator => "the indicator",
            Input::Key => "the key",
            Input::KeyName => "the key name",
            Input::Year => "the year assessed",
            Input::Policy => "the policy",
            Input::Value => "the value",
            Input::ProposedValue => "the proposed value",
            Input::CorrectedValue => "the corrected value",
            Input::Amount => "the amount",
            Input::SuppliedArea => "the land supplied",
            Input::UsedArea => "the land used",
            Input::PlannedInvestment => "the planned investment",
            Input::Investment => "the investment completed",
            Input::PersonDetail => "the person's detail",
            Input::PersonRecord => "the record",
            Input::LogVkey => "the log's verifier key",
            Input::WitnessVkey => "the witness's verifier key",
            Input::WitnessName => "the witness name",
            Input::RecordHash => "the record hash",
            Input::Checkpoint => "the checkpoint",
            Input::OlderCheckpoint => "the older checkpoint",
            Input::CheckpointToCosign => "the checkpoint to cosign",
            Input::InclusionProof => "the proof",
            Input::ProofBundle => "the proof bundle",
            Input::ConsistencyProof => "the consistency proof",
            Input::Tiles => "the tiles",
            Input::Service => "the service",
            Input::Tls => "the TLS certificate and key",
            Input::TrustedCertificates => "the trusted certificates",
        }
    }

    /// The form its text takes, when it is one of the [`Form`]s.
    pub fn form(self) -> Option<Form> {
        match self {
            Input::Value | Input::ProposedValue | Input::CorrectedValue => Some(Form::Decimal),
            Input::Amount | Input::PlannedInvestment | Input::Investment => Some(Form::Amount),
            Input::SuppliedArea | Input::UsedArea => Some(Form::Hectares),
            _ => None,
        }
    }
}

/// How a value is written, where the ledger takes one form only. Its
/// [`Form::describe`] names no front end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// An exact decimal.
    Decimal,
    /// An exact decimal amount in 万元 (10k yuan).
    Amount,
    /// An exact decimal of hectares.
    Hectares,
    /// The value exactly as given, without the spaces around it.
    Exactly {
        /// The value without them.
        value: String,
    },
    /// CSV quoting.
    CsvQuotes,
    /// A CSV file's header.
    CsvHeader {
        /// The columns it must have.
        required: Vec<&'static str>,
        /// The columns it may have.
        optional: Vec<&'static str>,
    },
    /// A date (or a time).
    Date,
    /// An IANA time zone name.
    TimeZone,
    /// A ledger's origin.
    Origin,
    /// A known event type.
    EventType,
    /// A witness policy (c2sp.org/tlog-policy).
    WitnessPolicy,
}

impl Form {
    /// How to write it, in words.
    pub fn describe(&self) -> String {
        const DECIMAL: &str = "a point for decimals, no thousands separators, no exponent";
        match self {
            Form::Decimal => format!("write values like 25.6 or -3: {DECIMAL}"),
            Form::Amount => format!("write amounts like 125000 or 3500.5 (万元): {DECIMAL}"),
            Form::Hectares => format!("write hectares like 12.5: {DECIMAL}"),
            Form::Exactly { value } => format!("a value is recorded exactly as written: write {value:?}"),
            Form::CsvQuotes => "close the quote, or write a quote inside a quoted field as two quotes: \"\"".into(),
            Form::CsvHeader { required, optional } => format!(
                "the header is {} (then optionally {}), in English or Chinese",
                required.join(","),
                optional.join(",")
            ),
            Form::Date => "write dates as YYYY-MM-DD, e.g. 2027-12-31 (or an RFC 3339 time)".into(),
            Form::TimeZone => "give an IANA time zone name, e.g. Asia/Shanghai".into(),
            Form::Origin => {
                "1-128 printable ASCII characters without spaces or '+', e.g. jinan.example/assessment-ledger".into()
            }
            Form::EventType => {
                "known types: note, key_authorized, key_revoked, roles_defined, root_rotated and the domain types (see docs/EVENTS.md)"
                    .into()
            }
            Form::WitnessPolicy => {
                "lines `log VKEY`, `witness NAME VKEY`, `group NAME all|any|K NAME...`, `quorum NAME|none` (docs/TLOG.md section 5)"
                    .into()
            }
        }
    }
}

/// The kinds of name [`Remedy::ChooseKnown`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Known {
    /// The ledger's periods.
    Periods,
    /// A period's monitoring rounds.
    Rounds,
    /// A period's objections.
    Objections,
    /// A period's rewards and accountability actions.
    Decisions,
    /// A period's supervision findings.
    Findings,
    /// The units a period assesses.
    Units,
    /// The registered projects.
    Projects,
    /// The registered policy measures.
    Measures,
}

impl Known {
    /// What they are, plural, in words.
    pub fn plural(self) -> &'static str {
        match self {
            Known::Periods => "periods",
            Known::Rounds => "rounds",
            Known::Objections => "objections",
            Known::Decisions => "rewards and actions",
            Known::Findings => "findings",
            Known::Units => "units",
            Known::Projects => "projects",
            Known::Measures => "measures",
        }
    }
}

/// What [`Remedy::RecordFirst`] says to record first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prerequisite {
    /// The period (opened by the authority).
    Period,
    /// A monitoring round of the period.
    Round {
        /// The period.
        period: String,
    },
    /// A value of the period (of a round's in-year values, if `round`).
    Value {
        /// The period.
        period: String,
        /// The monitoring round, if the value is in-year.
        round: Option<String>,
    },
    /// The catalog, the units and a policy (adopted by the authority).
    Registry,
    /// The project (registered).
    Project,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_snake_case_and_listed() {
        let samples = [
            Remedy::DecideAgain { stream: None },
            Remedy::SignAgainstLedger { stream: "s".into() },
            Remedy::SetClock,
            Remedy::CheckRoles,
            Remedy::RetryLater,
            Remedy::SplitInput { max: 1 },
            Remedy::FixInput { input: Input::Value },
            Remedy::GiveInput { input: Input::Year },
            Remedy::WriteAs { form: Form::Decimal },
            Remedy::ChooseKnown { kind: Known::Periods, names: vec![] },
            Remedy::ChooseRecord { last: 1 },
            Remedy::RecordFirst { what: Prerequisite::Period },
            Remedy::CompletePeriod { period: "2022".into() },
            Remedy::Verify { seq: None },
            Remedy::RebuildTree,
            Remedy::EraseRedacted,
            Remedy::RestoreFromCopy,
            Remedy::AuthoriseKey { role: "log".into() },
            Remedy::BindUnitKey { unit: "u".into() },
            Remedy::SignCheckpoint { newer: false },
            Remedy::CreateLedger,
            Remedy::VerifyAgainstCheckpoint,
            Remedy::MatchLogKey,
            Remedy::Forget,
        ];
        let codes: Vec<&str> = samples.iter().map(Remedy::code).collect();
        assert_eq!(codes, Remedy::CODES);
        for c in codes {
            assert!(c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'), "{c}");
            if let Some(r) = Remedy::from_code(c) {
                assert_eq!(r.code(), c);
            }
        }
    }

    #[test]
    fn the_submitter_fixes_its_input_and_the_operator_its_file() {
        assert_eq!(Remedy::DecideAgain { stream: None }.actor(), Actor::Submitter);
        assert_eq!(Remedy::FixInput { input: Input::LogVkey }.actor(), Actor::Submitter);
        assert_eq!(Remedy::Verify { seq: Some(3) }.actor(), Actor::Operator);
        assert_eq!(Remedy::AuthoriseKey { role: "log".into() }.actor(), Actor::Operator);
        assert_eq!(Remedy::Forget.actor(), Actor::Inspector);
    }
}

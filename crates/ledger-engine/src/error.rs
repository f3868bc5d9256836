//! The one error type of the engine: evidence of tampering apart from
//! everything that merely stops a command.

use crate::files::InputError;
use crate::remedy::Remedy;
use ledger_store::StoreError;

/// Why an operation did not complete.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Evidence that the ledger is not what its signers wrote, found on the
    /// way (an append refuses to extend it). The CLI exits 1.
    #[error("{message}")]
    Tampered {
        /// The record where it shows.
        seq: u64,
        /// What is wrong.
        message: String,
    },
    /// The request was refused or cannot be carried out: bad input, an
    /// event the rules refuse, a key that may not sign, something missing.
    /// Nothing was written. The CLI exits 2.
    #[error("{message}")]
    Refused {
        /// What is wrong, naming the line and field where there is one.
        message: String,
        /// What can be done about it.
        remedy: Option<Remedy>,
        /// When the domain rules refused an event: which line of the input
        /// and the rules' typed refusal (the payload member at fault), so
        /// that an importer names the cell without reading the message.
        rule: Option<Box<RuleRefusal>>,
    },
    /// Refused because the ledger moved on (a stream is past the version
    /// the event expects) or holds another event under the same id: decide
    /// again against the ledger as it now stands. Nothing was written.
    #[error("{message}")]
    Conflict {
        /// What conflicts, naming the line.
        message: String,
        /// What can be done about it.
        remedy: Option<Remedy>,
    },
    /// Refused because the signer may not write the event (a key without
    /// the role, revoked, outside its window). Nothing was written.
    #[error("{message}")]
    Forbidden {
        /// Who may not write what, naming the line.
        message: String,
    },
    /// The ledger is locked by another writer (another process holds its
    /// write lock) past the wait for it: nothing was written; try again.
    #[error("{message}")]
    Busy {
        /// What waited for the lock.
        message: String,
    },
    /// A file named by the user could not be read.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The ledger file could not be read or written.
    #[error(transparent)]
    Store(StoreError),
}

/// A refusal of the rules, located in the input: `message` of
/// [`Error::Refused`] is `context`, then `line N: ` (for a line of a
/// file), then the refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRefusal {
    /// The input's line (0: an event a command built).
    pub line: usize,
    /// What the rules said: the member at fault and why.
    pub refusal: ledger_core::append::Refusal,
    /// What the message says before the line: the contexts added on the
    /// way out (`nothing was appended: `), each followed by `: `.
    pub context: String,
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        match e {
            StoreError::Tampered { seq, reason } => {
                Error::Tampered { seq, message: format!("the ledger fails verification at seq {seq}: {reason}") }
            }
            other if other.is_busy() => {
                Error::Busy { message: format!("the ledger is locked by another writer ({other})") }
            }
            other => Error::Store(other),
        }
    }
}

impl Error {
    /// A refusal with no remedy.
    pub fn refused(message: impl Into<String>) -> Error {
        Error::Refused { message: message.into(), remedy: None, rule: None }
    }

    /// A refusal with a remedy.
    pub fn refused_with(message: impl Into<String>, remedy: Remedy) -> Error {
        Error::Refused { message: message.into(), remedy: Some(remedy), rule: None }
    }

    /// The domain rules' refusal of the event of input line `line` (0: an
    /// event a command built, named by no line).
    pub fn rules(line: usize, refusal: ledger_core::append::Refusal, remedy: Option<Remedy>) -> Error {
        let message = if line == 0 { refusal.to_string() } else { format!("line {line}: {refusal}") };
        Error::Refused { message, remedy, rule: Some(Box::new(RuleRefusal { line, refusal, context: String::new() })) }
    }

    /// The rules' refusal this error carries, if it is one.
    pub fn rule(&self) -> Option<&RuleRefusal> {
        match self {
            Error::Refused { rule, .. } => rule.as_deref(),
            _ => None,
        }
    }

    /// What can be done about it, if anything: the remedy a refusal or a
    /// conflict carries; for the other kinds, the one that always applies
    /// (evidence of tampering: verify; a key that may not write: see who
    /// may; a ledger locked: try again).
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            Error::Refused { remedy, .. } | Error::Conflict { remedy, .. } => remedy.clone(),
            Error::Forbidden { .. } => Some(Remedy::CheckRoles),
            Error::Tampered { .. } => Some(Remedy::Verify { seq: None }),
            Error::Busy { .. } => Some(Remedy::RetryLater),
            Error::Store(StoreError::Corrupt { seq, .. }) => Some(Remedy::Verify { seq: Some(*seq) }),
            _ => None,
        }
    }

    /// The same refusal with `prefix: ` in front of its message (the line
    /// of an input, the command it came from).
    pub fn context(self, prefix: impl std::fmt::Display) -> Error {
        match self {
            Error::Refused { message, remedy, rule } => Error::Refused {
                message: format!("{prefix}: {message}"),
                remedy,
                rule: rule.map(|r| Box::new(RuleRefusal { context: format!("{prefix}: {}", r.context), ..*r })),
            },
            Error::Tampered { seq, message } => Error::Tampered { seq, message: format!("{prefix}: {message}") },
            Error::Conflict { message, remedy } => Error::Conflict { message: format!("{prefix}: {message}"), remedy },
            Error::Forbidden { message } => Error::Forbidden { message: format!("{prefix}: {message}") },
            Error::Busy { message } => Error::Busy { message: format!("{prefix}: {message}") },
            other => Error::Refused { message: format!("{prefix}: {other}"), remedy: None, rule: None },
        }
    }
}

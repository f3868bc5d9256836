//! The assessment ledger as an application.

#![forbid(unsafe_code)]

mod error;
pub mod files;
pub mod verify;

pub use error::Error;

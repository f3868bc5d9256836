//! End-to-end tests of the `ledger` binary: one test binary, a module per
//! area (the ripgrep layout). Each test works in its own temporary folder.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod support;

mod concurrency;
mod conventions;
mod domain;
mod engine;
mod hostile;
mod interop;
mod json_shapes;
mod kernel;
mod keys;
mod office;
mod personal;
mod progress;
mod projects;
mod report;
mod secrets;
mod security;
mod serve;
mod template;
mod tlog;
mod values_files;
mod vectors;

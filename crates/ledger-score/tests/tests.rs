//! One integration-test binary, a module per area.

#![allow(clippy::unwrap_used)]

mod common;
mod composite;
mod consequences;
mod determinism;
mod exact;
mod methods;
mod policy;
mod roundtrip;
mod vectors;

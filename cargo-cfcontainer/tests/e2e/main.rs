//! Every integration test of `cargo cfcontainer`, in one binary so the
//! support code (emulator, stack, fixtures) compiles and links once.
//!
//! Each module is one verb or area; tests that need the engine, workerd or
//! the registry skip when those are missing, and fail instead under
//! `CFCONTAINER_E2E=1` (as `.ci/run` sets).

mod support;

mod build;
mod deploy;
mod dev;
mod dev_secrets;
mod doctor;
mod egress;
mod egress_control;
mod inspect;
mod newcomer;
mod ops;
mod packages;
mod powers;
mod prune;
mod push;
mod readme;
mod registries;
mod runtime;
mod runtime_bench;
mod rust_container;
mod skew;
mod switch;
mod wrangler_export;

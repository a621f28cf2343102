//! fifsim: a Monte Carlo simulator of the Shanghai Future Industry Fund (上海未来产业基金).
//!
//! The fund (CNY 15 bn, 15 years) invests directly in start-ups and through 18 sub-funds run
//! by outside managers, across the frontier fields of Shanghai's 2025 measures on future
//! industries. fifsim simulates it path by path — exit market, field progress, manager skill,
//! company life cycles, sub-fund waterfalls, concessions, milestone tranches — and summarises
//! what the fund is likely to return, when cash comes back and how bad the bad cases are.
//!
//! The model is specified in `docs/model.md`; default numbers and their sources are in
//! `scenarios/base.toml`. Modules are named for what they model ([`model`]) or what they do
//! with results ([`stats`], [`metrics`], [`engine`]).
#![forbid(unsafe_code)]

pub mod calendar;
pub mod metrics;
pub mod model;
pub mod numeric;
pub mod output;
pub mod rng;
pub mod scenario;
pub mod stats;
pub mod charts;
pub mod engine;
pub mod report;
pub mod shard;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod coverage;
pub mod calibration;
pub mod app;
pub mod analysis;

//! Per-path performance measures computed from cash flows.

pub mod controls;
pub mod indicators;
pub mod irr;
pub mod liquidity;
pub mod path;

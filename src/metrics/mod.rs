//! Per-path performance measures computed from cash flows.

pub mod irr;
pub mod liquidity;
pub mod path;

//! Per-path performance measures computed from cash flows.

pub mod indicators;
pub mod irr;
pub mod controls;
pub mod path;

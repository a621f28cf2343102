//! Summaries across paths: means with standard errors, quantiles with order-statistic
//! intervals, tail measures, and bounded-memory quantile sketches for quarterly fans.

pub mod nan;
pub mod sketch;
pub mod summary;

//! Summaries across paths: means with standard errors, quantiles with order-statistic
//! intervals, tail measures, and bounded-memory quantile sketches for quarterly fans; and
//! estimates from observations correlated within blocks (the calibration report card's).

pub mod clustered;
pub mod control;
pub mod nan;
pub mod sketch;
pub mod summary;

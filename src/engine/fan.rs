//! A quarterly fan as analysts read it: the standard quantiles of a series at each quarter, read
//! off the run's mergeable sketches ([`Fan`]) once, with the series' key, label and unit.

use serde::{Deserialize, Serialize};

use crate::metrics::path::Unit;
use crate::stats::sketch::Fan;
use crate::stats::summary::STANDARD_PROBABILITIES;

/// A quarterly fan: quantiles of a series at each quarter, across paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FanReport {
    pub key: String,
    pub label: String,
    pub unit: Unit,
    /// Calendar label of each quarter, "2024Q3"...
    pub quarters: Vec<String>,
    /// Probabilities of the rows of `values` (P5, P25, P50, P75, P95).
    pub probabilities: Vec<f64>,
    /// `values[k][t]`: the `probabilities[k]` quantile at quarter `t`.
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub values: Vec<Vec<f64>>,
}

impl FanReport {
    /// The standard quantiles of `fan` at each of `quarters`.
    pub fn of(key: &str, label: &str, unit: Unit, quarters: &[String], fan: &Fan) -> FanReport {
        FanReport {
            key: key.to_string(),
            label: label.to_string(),
            unit,
            quarters: quarters.to_vec(),
            probabilities: STANDARD_PROBABILITIES.to_vec(),
            values: STANDARD_PROBABILITIES.iter().map(|&p| fan.quantiles(p)).collect(),
        }
    }
}

//! When a run stops: after a fixed number of paths, or once the 95% interval of mean fund TVPI
//! is as narrow as asked (`fifsim run --precision`). The rule lives here alone; the command line
//! and the commands only pass it on and report it.

use crate::stats::summary::Z95;

/// With a precision target: the fewest paths run, and the most unless the user caps it.
pub const PRECISION_MIN_PATHS: u64 = 1_000;
pub const PRECISION_MAX_PATHS: u64 = 1_000_000;

/// How many paths to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stopping {
    /// Exactly this many paths.
    Paths(u64),
    /// Add chunks until the 95% interval of mean fund TVPI is narrower than ±`half_width`,
    /// with at least `min_paths` and at most `max_paths` paths.
    Precision { half_width: f64, min_paths: u64, max_paths: u64 },
}

impl Stopping {
    /// A precision target of ±`half_width`, with at most `most_paths` paths
    /// ([`PRECISION_MAX_PATHS`] if `None`) and at least [`PRECISION_MIN_PATHS`] (or the most,
    /// if fewer).
    pub fn precision(half_width: f64, most_paths: Option<u64>) -> Stopping {
        let max_paths = most_paths.unwrap_or(PRECISION_MAX_PATHS);
        Stopping::Precision { half_width, min_paths: PRECISION_MIN_PATHS.min(max_paths), max_paths }
    }

    /// The most paths the run may take.
    pub fn most_paths(&self) -> u64 {
        match *self {
            Stopping::Paths(n) | Stopping::Precision { max_paths: n, .. } => n,
        }
    }

    /// The paths the run is sure to take: a precision run may stop long before its most.
    pub fn least_paths(&self) -> u64 {
        match *self {
            Stopping::Paths(n) => n,
            Stopping::Precision { min_paths, max_paths, .. } => min_paths.min(max_paths),
        }
    }

    /// Whether the run needs the fund TVPI of every path to decide when to stop.
    pub fn watches_tvpi(&self) -> bool {
        matches!(self, Stopping::Precision { .. })
    }

    /// Whether a run of `paths` paths whose mean fund TVPI has standard error `std_error` may
    /// stop before its most paths.
    pub fn is_met(&self, paths: u64, std_error: f64) -> bool {
        match *self {
            Stopping::Paths(_) => false,
            Stopping::Precision { half_width, min_paths, .. } => paths >= min_paths && interval(std_error) < half_width,
        }
    }

    /// How a precision run ended, from its mean fund TVPI's standard error and its paths; `None`
    /// for a run of fixed size.
    pub fn note(&self, paths: u64, std_error: f64) -> Option<String> {
        let Stopping::Precision { half_width, max_paths, .. } = *self else { return None };
        let reached = interval(std_error);
        Some(if reached < half_width {
            format!("precision reached after {paths} paths: 95% CI of mean fund TVPI ±{reached:.4} (target ±{half_width})")
        } else {
            format!("precision not reached: stopped at the cap of {max_paths} paths with 95% CI of mean fund TVPI ±{reached:.4} (target ±{half_width}); raise --paths to go further")
        })
    }
}

/// Half-width of the 95% interval of a mean with standard error `std_error`.
fn interval(std_error: f64) -> f64 {
    Z95 * std_error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_precision_target_has_its_defaults_and_respects_a_cap() {
        assert_eq!(Stopping::precision(0.01, None), Stopping::Precision { half_width: 0.01, min_paths: 1_000, max_paths: 1_000_000 });
        assert_eq!(Stopping::precision(0.01, Some(500)), Stopping::Precision { half_width: 0.01, min_paths: 500, max_paths: 500 });
        assert_eq!(Stopping::precision(0.01, Some(500)).most_paths(), 500);
        assert_eq!(Stopping::Paths(7).least_paths(), 7);
    }

    #[test]
    fn a_precision_run_stops_only_with_its_least_paths_and_a_narrow_interval() {
        let stopping = Stopping::precision(0.01, None);
        assert!(!stopping.is_met(999, 0.0));
        assert!(stopping.is_met(1_000, 0.005));
        assert!(!stopping.is_met(1_000, 0.0052));
        assert!(!Stopping::Paths(10).is_met(10, 0.0));
        assert_eq!(Stopping::Paths(10).note(10, 0.1), None);
        let note = stopping.note(4_096, 0.005).unwrap();
        assert!(note.starts_with("precision reached after 4096 paths"), "{note}");
    }
}

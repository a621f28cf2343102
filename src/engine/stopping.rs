//! When a run stops: after a fixed number of paths, or once the 95% interval of mean fund TVPI
//! is as narrow as asked (`fifsim run --precision`). The rule lives here alone; the command line
//! and the commands only pass it on and report it.
//!
//! The interval is the control-variate one ([`crate::stats::control`]). Under heavy tails a
//! run that has not yet drawn a large exit looks more precise than it is, so the rule is
//! checked only every [`CHECK_GROWTH`] more paths (from the least paths on), and a run stops
//! only when the last [`STABLE_CHECKS`] checks all had an interval narrower than the target
//! and estimates within the target of each other (docs/performance.md, "Stopping rule").

use crate::stats::control::MeanEstimate;
use crate::stats::summary::Z95;

/// A precision run's checks come after at least this factor more paths than the last.
pub const CHECK_GROWTH: f64 = 1.1;
/// Consecutive checks that must agree before a precision run stops.
pub const STABLE_CHECKS: usize = 3;

/// The checks of a precision run so far: paths, estimate and half-width of each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checks {
    history: Vec<(u64, f64, f64)>,
}

impl Checks {
    /// Records a check after `paths` paths; returns the checks so far.
    pub fn record(&mut self, paths: u64, estimate: MeanEstimate) -> &Checks {
        self.history.push((paths, estimate.estimate, interval(estimate.std_error)));
        self
    }

    fn last_paths(&self) -> Option<u64> {
        self.history.last().map(|&(paths, _, _)| paths)
    }

    /// Whether the last [`STABLE_CHECKS`] checks all had a half-width below `half_width` and
    /// estimates within `half_width` of each other.
    fn stable(&self, half_width: f64) -> bool {
        let Some(last) = self.history.len().checked_sub(STABLE_CHECKS).map(|start| &self.history[start..]) else { return false };
        let (low, high) = last.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, x, _)| (lo.min(x), hi.max(x)));
        last.iter().all(|&(_, _, reached)| reached < half_width) && high - low < half_width
    }
}

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

    /// The paths of the next check: the least paths, then `CHECK_GROWTH` times the paths of
    /// the last check (rounded up); `None` for a run of fixed size. The engine ends a chunk
    /// there, so a run stops at a check whatever its chunks.
    pub fn next_check(&self, checks: &Checks) -> Option<u64> {
        match *self {
            Stopping::Paths(_) => None,
            Stopping::Precision { min_paths, .. } => Some(checks.last_paths().map_or(min_paths, |last| ((last as f64 * CHECK_GROWTH).ceil() as u64).max(last + 1))),
        }
    }

    /// Whether a run of `paths` paths is due a check ([`Stopping::next_check`]).
    pub fn is_due(&self, paths: u64, checks: &Checks) -> bool {
        self.next_check(checks).is_some_and(|next| paths >= next)
    }

    /// Whether a run of `paths` paths with these `checks` (the last just made) may stop before
    /// its most paths.
    pub fn is_met(&self, paths: u64, checks: &Checks) -> bool {
        match *self {
            Stopping::Paths(_) => false,
            Stopping::Precision { half_width, min_paths, .. } => paths >= min_paths && checks.stable(half_width),
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

    fn estimate(estimate: f64, std_error: f64) -> MeanEstimate {
        MeanEstimate::new(estimate, std_error, 100, 0, crate::stats::control::Method::ControlVariates)
    }

    #[test]
    fn a_precision_run_stops_only_with_its_least_paths_and_stable_narrow_intervals() {
        let stopping = Stopping::precision(0.01, None);
        let mut checks = Checks::default();
        assert!(!stopping.is_due(999, &checks));
        assert!(stopping.is_due(1_000, &checks));
        checks.record(1_000, estimate(1.4, 0.004));
        assert!(!stopping.is_met(1_000, &checks), "one check is not enough");
        assert!(!stopping.is_due(1_099, &checks) && stopping.is_due(1_100, &checks));
        assert_eq!(stopping.next_check(&checks), Some(1_100));
        checks.record(1_100, estimate(1.405, 0.004));
        checks.record(1_210, estimate(1.402, 0.004));
        assert!(stopping.is_met(1_210, &checks));
        assert!(!stopping.is_met(999, &checks));
        let mut jumped = checks.clone();
        jumped.record(1_331, estimate(1.42, 0.004));
        assert!(!stopping.is_met(1_331, &jumped), "a tail event moved the estimate by more than the target");
        let mut wide = checks.clone();
        wide.record(1_331, estimate(1.402, 0.0052));
        assert!(!stopping.is_met(1_331, &wide));
        assert!(!Stopping::Paths(10).is_met(10, &checks));
        assert!(!Stopping::Paths(10).is_due(10, &Checks::default()));
        assert_eq!(Stopping::Paths(10).note(10, 0.1), None);
        let note = stopping.note(4_096, 0.005).unwrap();
        assert!(note.starts_with("precision reached after 4096 paths"), "{note}");
    }
}

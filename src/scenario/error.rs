//! What can be wrong with a scenario file, and the range checks that say so.
//!
//! Every error names the file, the field path (`subfunds.sf03_quantum.fund_share`,
//! `profiles.clinical.stages.b.outcome`) and what is allowed, so the user can fix it without
//! reading the code.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why a scenario file could not be turned into a [`super::Scenario`].
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file (or a file it extends) could not be read.
    #[error("{}: cannot read: {source}", .file.display())]
    Io { file: PathBuf, source: std::io::Error },
    /// Not valid TOML, or a key of the wrong type, unknown or missing. `field` is the key path
    /// (empty for a syntax error, whose `message` gives the line and column).
    #[error("{}", display_parse(.file, .field, .message))]
    Parse { file: PathBuf, field: String, message: String },
    /// A value out of its allowed range or inconsistent with others; `problem` says what is allowed.
    #[error("{}: {field}: {problem}", .file.display())]
    Invalid { file: PathBuf, field: String, problem: String },
    /// `extends` names a missing file, or files extend each other in a cycle.
    #[error("{}: extends: {message}", .file.display())]
    Extends { file: PathBuf, message: String },
}

fn display_parse(file: &Path, field: &str, message: &str) -> String {
    if field.is_empty() {
        format!("{}: {message}", file.display())
    } else {
        format!("{}: {field}: {message}", file.display())
    }
}

impl ScenarioError {
    /// The field path the error is about, if it is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            ScenarioError::Parse { field, .. } | ScenarioError::Invalid { field, .. } if !field.is_empty() => {
                Some(field)
            }
            _ => None,
        }
    }
}

/// One end of an allowed interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Bound {
    Closed(f64),
    Open(f64),
    None,
}

/// An allowed interval for a number, printed the way the error messages show it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Allowed {
    pub lo: Bound,
    pub hi: Bound,
}

impl Allowed {
    /// `[0, 1]`: probabilities and most shares.
    pub const UNIT: Allowed = Allowed { lo: Bound::Closed(0.0), hi: Bound::Closed(1.0) };
    /// `[0, 1)`.
    pub const UNIT_OPEN_HI: Allowed = Allowed { lo: Bound::Closed(0.0), hi: Bound::Open(1.0) };
    /// `(0, 1]`.
    pub const UNIT_OPEN_LO: Allowed = Allowed { lo: Bound::Open(0.0), hi: Bound::Closed(1.0) };
    /// `(-1, 1)`: correlations.
    pub const CORRELATION: Allowed = Allowed { lo: Bound::Open(-1.0), hi: Bound::Open(1.0) };
    /// `>= 0`.
    pub const NON_NEGATIVE: Allowed = Allowed { lo: Bound::Closed(0.0), hi: Bound::None };
    /// `> 0`.
    pub const POSITIVE: Allowed = Allowed { lo: Bound::Open(0.0), hi: Bound::None };
    /// Any finite number.
    pub const FINITE: Allowed = Allowed { lo: Bound::None, hi: Bound::None };

    /// `x` moved into the interval at a closed end (an open or missing end leaves it as it is).
    pub fn clamp(self, x: f64) -> f64 {
        let x = if let Bound::Closed(lo) = self.lo { x.max(lo) } else { x };
        if let Bound::Closed(hi) = self.hi { x.min(hi) } else { x }
    }

    pub const fn at_least(x: f64) -> Allowed {
        Allowed { lo: Bound::Closed(x), hi: Bound::None }
    }

    pub const fn above(x: f64) -> Allowed {
        Allowed { lo: Bound::Open(x), hi: Bound::None }
    }

    pub fn contains(self, x: f64) -> bool {
        let lo_ok = match self.lo {
            Bound::Closed(lo) => x >= lo,
            Bound::Open(lo) => x > lo,
            Bound::None => true,
        };
        let hi_ok = match self.hi {
            Bound::Closed(hi) => x <= hi,
            Bound::Open(hi) => x < hi,
            Bound::None => true,
        };
        x.is_finite() && lo_ok && hi_ok
    }
}

impl fmt::Display for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.lo, self.hi) {
            (Bound::None, Bound::None) => write!(f, "a finite number"),
            (Bound::Closed(lo), Bound::None) => write!(f, ">= {lo}"),
            (Bound::Open(lo), Bound::None) => write!(f, "> {lo}"),
            (Bound::None, Bound::Closed(hi)) => write!(f, "<= {hi}"),
            (Bound::None, Bound::Open(hi)) => write!(f, "< {hi}"),
            (Bound::Closed(lo) | Bound::Open(lo), Bound::Closed(hi) | Bound::Open(hi)) => {
                let open = if matches!(self.lo, Bound::Closed(_)) { '[' } else { '(' };
                let close = if matches!(self.hi, Bound::Closed(_)) { ']' } else { ')' };
                write!(f, "in {open}{lo}, {hi}{close}")
            }
        }
    }
}

/// Builds errors about one file; the validation code holds one of these.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checker<'a> {
    pub file: &'a Path,
}

impl Checker<'_> {
    /// An [`ScenarioError::Invalid`] for `field`.
    pub fn invalid(&self, field: impl Into<String>, problem: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid { file: self.file.to_path_buf(), field: field.into(), problem: problem.into() }
    }

    /// `x` if it is finite and in `allowed`, else an error saying so.
    pub fn number(&self, field: impl Into<String>, x: f64, allowed: Allowed) -> Result<f64, ScenarioError> {
        if allowed.contains(x) {
            Ok(x)
        } else if !x.is_finite() {
            let must =
                if allowed == Allowed::FINITE { allowed.to_string() } else { format!("a finite number {allowed}") };
            Err(self.invalid(field, format!("must be {must}, got {x}")))
        } else {
            Err(self.invalid(field, format!("must be {allowed}, got {x}")))
        }
    }

    /// A number of years as whole quarters: `4 × years` must be an integer (±1e-9).
    pub fn whole_quarters(
        &self,
        field: impl Into<String>,
        years: f64,
        allowed: Allowed,
    ) -> Result<usize, ScenarioError> {
        let field = field.into();
        let years = self.number(field.clone(), years, allowed)?;
        let quarters = 4.0 * years;
        if (quarters - quarters.round()).abs() > 1e-9 || quarters > 4.0 * 1000.0 {
            return Err(self.invalid(
                field,
                format!(
                    "must be a whole number of quarters (a multiple of 0.25 years, at most 1000 years), got {years}"
                ),
            ));
        }
        Ok(quarters.round() as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_ranges_print_as_intervals() {
        assert_eq!(Allowed::UNIT.to_string(), "in [0, 1]");
        assert_eq!(Allowed::UNIT_OPEN_HI.to_string(), "in [0, 1)");
        assert_eq!(Allowed::CORRELATION.to_string(), "in (-1, 1)");
        assert_eq!(Allowed::NON_NEGATIVE.to_string(), ">= 0");
        assert_eq!(Allowed::above(1.0).to_string(), "> 1");
        assert!(!Allowed::NON_NEGATIVE.contains(f64::INFINITY));
        assert!(!Allowed::FINITE.contains(f64::NAN));
        assert!(Allowed::UNIT_OPEN_LO.contains(1.0) && !Allowed::UNIT_OPEN_LO.contains(0.0));
    }

    #[test]
    fn checker_messages_name_field_and_range() {
        let c = Checker { file: Path::new("s.toml") };
        let e = c.number("fund.direct_share", 1.2, Allowed::UNIT).unwrap_err();
        assert_eq!(e.to_string(), "s.toml: fund.direct_share: must be in [0, 1], got 1.2");
        let e = c.number("x", f64::NAN, Allowed::UNIT).unwrap_err();
        assert_eq!(e.to_string(), "s.toml: x: must be a finite number in [0, 1], got NaN");
        assert_eq!(c.whole_quarters("y", 5.25, Allowed::POSITIVE).unwrap(), 21);
        assert!(
            c.whole_quarters("y", 5.1, Allowed::POSITIVE).unwrap_err().to_string().contains("whole number of quarters")
        );
    }
}

//! The quarterly calendar (docs/model.md §2): quarter 0 is the fund's first close, and every cash
//! flow is dated to a quarter index `0..=horizon_quarters`. Scenario files name quarters as
//! `"2025Q4"`; annual rates are converted to quarterly ones exactly.

use std::fmt;
use std::str::FromStr;

/// A calendar quarter such as 2025Q4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub quarter: u8,
}

impl Quarter {
    /// Quarters from `self` to `later` (negative when `later` is earlier).
    pub fn quarters_until(self, later: Quarter) -> i64 {
        (i64::from(later.year) - i64::from(self.year)) * 4 + i64::from(later.quarter) - i64::from(self.quarter)
    }

    /// The quarter `n` quarters after `self`.
    pub fn plus(self, n: usize) -> Quarter {
        let zero_based = i64::from(self.year) * 4 + i64::from(self.quarter) - 1 + n as i64;
        Quarter { year: zero_based.div_euclid(4) as i32, quarter: (zero_based.rem_euclid(4) + 1) as u8 }
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.quarter)
    }
}

/// Written as its label, "2025Q4".
impl serde::Serialize for Quarter {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Quarter {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let label = String::deserialize(deserializer)?;
        label.parse().map_err(serde::de::Error::custom)
    }
}

/// Why a quarter label could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a quarter like \"2025Q4\" (year, 'Q', 1-4), got {0:?}")]
pub struct QuarterParseError(pub String);

impl FromStr for Quarter {
    type Err = QuarterParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || QuarterParseError(s.to_string());
        let (year, quarter) = s.trim().split_once(['Q', 'q']).ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let quarter: u8 = quarter.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&quarter) || !(1900..=2200).contains(&year) {
            return Err(bad());
        }
        Ok(Quarter { year, quarter })
    }
}

/// The simulated calendar: a start quarter and the number of quarters after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    pub start: Quarter,
    pub horizon_quarters: usize,
}

impl Calendar {
    /// The calendar quarter of index `t`.
    pub fn quarter(&self, t: usize) -> Quarter {
        self.start.plus(t)
    }

    /// Quarter of the year of quarter 0, less one: quarter `t` lies in evaluation year
    /// `(t + year_offset()) / 4`, counted from the calendar's first year.
    pub fn year_offset(&self) -> usize {
        usize::from(self.start.quarter.saturating_sub(1))
    }

    /// Index of a calendar quarter, if it lies in `0..=horizon_quarters`.
    pub fn index_of(&self, q: Quarter) -> Option<usize> {
        let i = self.start.quarters_until(q);
        (0..=self.horizon_quarters as i64).contains(&i).then_some(i as usize)
    }
}

/// An annual compounding rate as the equivalent quarterly one: `(1 + r)^(1/4) - 1`.
pub fn quarterly_rate(annual: f64) -> f64 {
    (1.0 + annual).powf(0.25) - 1.0
}

/// A quarterly rate as the equivalent annual one: `(1 + r)^4 - 1`.
pub fn annual_rate(quarterly: f64) -> f64 {
    (1.0 + quarterly).powi(4) - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_quarters() {
        let q: Quarter = "2025Q4".parse().unwrap();
        assert_eq!(q, Quarter { year: 2025, quarter: 4 });
        assert_eq!(q.to_string(), "2025Q4");
        assert!("2025Q5".parse::<Quarter>().is_err());
        assert!("2025-4".parse::<Quarter>().is_err());
        assert!("Q1".parse::<Quarter>().is_err());
    }

    #[test]
    fn quarter_arithmetic_round_trips() {
        let start: Quarter = "2024Q3".parse().unwrap();
        assert_eq!(start.plus(2).to_string(), "2025Q1");
        assert_eq!(start.plus(60).to_string(), "2039Q3");
        assert_eq!(start.quarters_until(start.plus(37)), 37);
        let cal = Calendar { start, horizon_quarters: 60 };
        assert_eq!(cal.index_of("2026Q1".parse().unwrap()), Some(6));
        assert_eq!(cal.index_of("2024Q2".parse().unwrap()), None);
        assert_eq!(cal.index_of(start.plus(61)), None);
    }

    #[test]
    fn rate_conversion_is_exact() {
        let q = quarterly_rate(0.08);
        assert!(((1.0 + q).powi(4) - 1.08).abs() < 1e-15);
        assert!((annual_rate(q) - 0.08).abs() < 1e-15);
    }
}

//! Number formats shared by the decision tables (compare, sensitivity, frontier): levels, signed
//! differences and interval widths in a measure's unit; "–" for a number that does not exist.

use crate::analysis::headline::Unit;

/// Shown for a number that does not exist.
pub(crate) const NONE: &str = "–";

fn decimals(unit: Unit) -> usize {
    match unit {
        Unit::Multiple | Unit::CnyBn => 2,
        Unit::Percent | Unit::Years | Unit::Count => 1,
    }
}

fn scale(unit: Unit) -> f64 {
    match unit {
        Unit::Percent => 100.0,
        Unit::CnyBn => 1e-3,
        _ => 1.0,
    }
}

/// A level, e.g. "1.39", "18.6%", "6.33".
pub(crate) fn level(unit: Unit, x: f64) -> String {
    if !x.is_finite() {
        return NONE.to_string();
    }
    let d = decimals(unit);
    let v = x * scale(unit);
    if unit == Unit::Percent { format!("{v:.d$}%") } else { format!("{v:.d$}") }
}

/// A signed difference, e.g. "+0.23", "-1.2pp"; one more decimal than a level, since
/// differences measured on common random numbers are precise.
pub(crate) fn signed(unit: Unit, x: f64) -> String {
    if !x.is_finite() {
        return NONE.to_string();
    }
    let d = decimals(unit) + 1;
    let v = x * scale(unit);
    // Never "-0.000": a zero difference is shown as such.
    let v = zero_if_rounded_away(v, d);
    if unit == Unit::Percent { format!("{v:+.d$}pp") } else { format!("{v:+.d$}") }
}

/// `x`, or 0 where it rounds to zero at `decimals` places, so a signed figure never reads
/// "-0.00".
pub(crate) fn zero_if_rounded_away(x: f64, decimals: usize) -> f64 {
    if format!("{:.decimals$}", x.abs()).chars().all(|c| c == '0' || c == '.') { 0.0 } else { x }
}

/// A half-width, e.g. "±0.018", "±1.46pp".
pub(crate) fn half_width(unit: Unit, x: f64) -> String {
    if !x.is_finite() {
        return NONE.to_string();
    }
    let d = decimals(unit) + 1;
    let suffix = if unit == Unit::Percent { "pp" } else { "" };
    format!("±{:.d$}{suffix}", x * scale(unit))
}

/// How many times narrower a paired interval is than an independent one, e.g. "7.4×".
pub(crate) fn gain(x: f64) -> String {
    if x.is_infinite() {
        "exact".to_string()
    } else if x.is_finite() {
        format!("{x:.1}×")
    } else {
        NONE.to_string()
    }
}

/// An interval "lo to hi" of signed differences.
pub(crate) fn interval(unit: Unit, (lo, hi): (f64, f64)) -> String {
    format!("{} to {}", signed(unit, lo), signed(unit, hi))
}

/// `12345` as "12,345".
pub(crate) use crate::report::table::grouped as thousands;

/// `s` cut to `width` characters (with "…"), or padded to it.
pub(crate) fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        format!("{s:<width$}")
    } else {
        let mut cut: String = s.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(level(Unit::Multiple, 1.391), "1.39");
        assert_eq!(level(Unit::Percent, 0.1864), "18.6%");
        assert_eq!(level(Unit::CnyBn, 6330.0), "6.33");
        assert_eq!(signed(Unit::Multiple, 0.2345), "+0.234");
        assert_eq!(signed(Unit::Multiple, -0.00001), "+0.000");
        assert_eq!(signed(Unit::Percent, -0.0123), "-1.23pp");
        assert_eq!(half_width(Unit::Multiple, 0.01823), "±0.018");
        assert_eq!(gain(f64::INFINITY), "exact");
        assert_eq!(gain(7.43), "7.4×");
        assert_eq!(gain(f64::NAN), NONE);
        assert_eq!(level(Unit::Count, f64::NAN), NONE);
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("ab", 4), "ab  ");
    }
}

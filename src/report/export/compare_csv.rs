//! `compare.csv`: the comparison in long format, one row per measure and scenario.

use super::csv_number;
use crate::analysis::compare::Comparison;
use crate::analysis::headline::Statistic;
use crate::analysis::paired::Difference;

/// The comparison as CSV: a header, one row per measure and scenario (the provenance is in
/// `compare.json`); the difference columns are empty on the first scenario's rows.
pub fn to_csv(c: &Comparison) -> String {
    let mut out = String::new();
    out.push_str(
        "measure,label,statistic,scenario,estimate,std_error,n,difference_vs_first,paired_ci95_low,paired_ci95_high,\
         paired_half_width,independent_half_width,crn_gain,pairs\n",
    );
    let n = csv_number;
    for m in &c.metrics {
        let statistic = match m.statistic {
            Statistic::Mean => "mean",
            Statistic::ExpectedShortfall5 => "expected_shortfall_5",
        };
        for (k, l) in m.levels.iter().enumerate() {
            let diff = k.checked_sub(1).and_then(|i| m.differences.get(i)).map(|d| d.difference);
            let d = |f: fn(&Difference) -> f64| diff.as_ref().map_or(String::new(), |d| n(f(d)));
            let row = [
                m.key.clone(),
                format!("\"{}\"", m.label.replace('"', "\"\"")),
                statistic.to_string(),
                l.scenario.clone(),
                n(l.estimate),
                n(l.std_error),
                l.n.to_string(),
                d(|d| d.estimate),
                d(|d| d.paired_ci95.0),
                d(|d| d.paired_ci95.1),
                d(|d| d.paired_half_width),
                d(|d| d.independent_half_width),
                d(|d| if d.crn_gain().is_finite() { d.crn_gain() } else { f64::NAN }),
                diff.map_or(String::new(), |d| d.pairs.to_string()),
            ];
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    // The scorecard's mean score by year: the first scenario's level, then each difference.
    let mut years_done = Vec::new();
    for d in &c.scores {
        let (key, label) = (format!("score_{}", d.year), format!("\"Scorecard score {}\"", d.year));
        if !years_done.contains(&d.year) {
            years_done.push(d.year);
            let row = [key.clone(), label.clone(), "mean".into(), d.baseline.clone(), n(d.baseline_mean)];
            out.push_str(&row.join(","));
            out.push_str(&",".repeat(9));
            out.push('\n');
        }
        let x = &d.difference;
        let gain = if x.crn_gain().is_finite() { x.crn_gain() } else { f64::NAN };
        let row = [
            key,
            label,
            "mean".into(),
            d.scenario.clone(),
            n(d.mean),
            String::new(),
            String::new(),
            n(x.estimate),
            n(x.paired_ci95.0),
            n(x.paired_ci95.1),
            n(x.paired_half_width),
            n(x.independent_half_width),
            n(gain),
            x.pairs.to_string(),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}


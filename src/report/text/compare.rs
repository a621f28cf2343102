//! The `fifsim compare` table: each scenario's levels side by side, then each difference from the
//! first with its paired 95% interval and what pairing buys ([`crate::analysis::compare`]).

use std::fmt::Write as _;

use super::cells::{NONE, fit, gain, half_width, interval, level, signed, thousands};
use crate::analysis::compare::Comparison;

/// Largest number of scenario columns in one block of the levels table (keeps it ≤ 100 wide).
const COLUMNS_PER_BLOCK: usize = 6;

/// The comparison as a plain-text table, at most 100 columns wide.
pub fn render(c: &Comparison) -> String {
    let p = &c.provenance;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "COMPARISON · {} scenarios · {} paths each · seed {} · common random numbers (fifsim {})",
        p.scenarios.len(),
        thousands(p.paths),
        p.seed,
        p.version
    );
    for (k, s) in p.scenarios.iter().enumerate() {
        let _ = writeln!(out, "  {}  {}", letter(k), fit(&format!("{} ({}): {}", s.name, s.file, s.description), 94).trim_end());
    }
    let indices: Vec<usize> = (0..p.scenarios.len()).collect();
    for block in indices.chunks(COLUMNS_PER_BLOCK) {
        let _ = write!(out, "\n{:<40}", "LEVELS");
        for &k in block {
            let _ = write!(out, "{:>10}", letter(k));
        }
        out.push('\n');
        for m in &c.metrics {
            let _ = write!(out, "  {}", fit(&m.label, 38));
            for &k in block {
                let _ = write!(out, "{:>10}", m.levels.get(k).map_or(NONE.to_string(), |l| level(m.unit, l.estimate)));
            }
            out.push('\n');
        }
    }
    for k in 1..p.scenarios.len() {
        let _ = writeln!(
            out,
            "\n{}   {:>9}  {:<21} {:>9} {:>9} {:>7}",
            fit(&format!("{} − A ({} − {})", letter(k), p.scenarios[k].name, p.scenarios[0].name), 36),
            "diff",
            "paired 95% CI",
            "±paired",
            "±indep.",
            "gain"
        );
        for m in &c.metrics {
            let Some(d) = m.differences.get(k - 1).map(|d| &d.difference) else { continue };
            let line = format!(
                "  {} {:>9}  {:<21} {:>9} {:>9} {:>7}",
                fit(&m.label, 36),
                signed(m.unit, d.estimate),
                if d.estimate.is_finite() { interval(m.unit, d.paired_ci95) } else { NONE.to_string() },
                half_width(m.unit, d.paired_half_width),
                half_width(m.unit, d.independent_half_width),
                gain(d.crn_gain())
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    scores(&mut out, c);
    out.push_str(
        "\npaired: 95% CI from per-path differences on common random numbers, regressed on both runs' control\n\
         variates (HC3 SE) where every path has the value, else their plain mean (IRR, payback); ES5: paired\n\
         bootstrap. ±indep.: the half-width two independent runs of this size, estimated the same way, would\n\
         give; gain = ±indep. / ±paired.\n",
    );
    out
}

/// The scorecard's mean score by year: each scenario after the first against the first.
fn scores(out: &mut String, c: &Comparison) {
    let names = &c.provenance.scenarios;
    for (k, scenario) in names.iter().enumerate().skip(1) {
        let rows: Vec<_> = c.scores.iter().filter(|d| d.scenario_index == k).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{}   {:>7} {:>7} {:>7}  {:<15} {:>7} {:>7} {:>7}",
            fit(&format!("SCORE {} − A ({} − {})", letter(k), scenario.name, names[0].name), 30),
            "A",
            letter(k),
            "diff",
            "paired 95% CI",
            "±paired",
            "±indep.",
            "gain"
        );
        for d in rows {
            let x = &d.difference;
            let line = format!(
                "  {:<30} {:>7.1} {:>7.1} {:>+7.1}  {:<15} {:>7.1} {:>7.1} {:>7}",
                format!("score {}", d.year),
                d.baseline_mean,
                d.mean,
                x.estimate,
                format!("[{:+.1}, {:+.1}]", x.paired_ci95.0, x.paired_ci95.1),
                x.paired_half_width,
                x.independent_half_width,
                gain(x.crn_gain())
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
}

/// "A", "B", … "Z", then "S27", … for the k-th scenario.
fn letter(k: usize) -> String {
    if k < 26 { char::from(b'A' + k as u8).to_string() } else { format!("S{}", k + 1) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::compare::compare;
    use crate::scenario::Scenario;
    use crate::testing::run as results;

    #[test]
    fn a_scenario_against_itself_shows_zero_differences_within_100_columns() {
        let base = crate::testing::base();
        let r = results(&base, 200);
        let table = render(&compare(&[&base, &base], &[&r, &r]).unwrap());
        assert!(table.lines().all(|l| l.chars().count() <= 100), "table wider than 100 columns:\n{table}");
        assert!(table.contains("B − A (base − base)") && table.contains("+0.000"), "{table}");
    }

    #[test]
    fn many_scenarios_fit_the_width() {
        let base = crate::testing::base();
        let r = results(&base, 50);
        let scenarios: Vec<&Scenario> = vec![&base; 8];
        let c = compare(&scenarios, &[&r; 8]).unwrap();
        let table = render(&c);
        assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
        assert!(table.contains("H − A"));
    }
}

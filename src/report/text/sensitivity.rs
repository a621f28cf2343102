//! The `fifsim sensitivity` table: every shock's effects down and up with their paired 95%
//! intervals, then the shocks ranked by their effect on P(fund TVPI < 1)
//! ([`crate::analysis::sensitivity`]).

use std::fmt::Write as _;

use super::cells::{fit, thousands};
use crate::analysis::paired::Difference;
use crate::analysis::sensitivity::{Sensitivity, by_loss_effect};

/// The ranked effects as a plain-text table, at most 100 columns wide.
pub fn render(s: &Sensitivity) -> String {
    let p = &s.provenance;
    let mut out = String::new();
    let scenario = p.scenarios.first().map_or("?", |x| x.name.as_str());
    let _ = writeln!(out, "SENSITIVITY · {scenario} · {} paths per run · {} runs · seed {} (fifsim {})", thousands(p.paths), p.runs, p.seed, p.version);
    let b = &s.base;
    let _ = writeln!(
        out,
        "Base: mean fund TVPI {:.3}× (95% CI {:.3}–{:.3}) · P(TVPI < 1) {:.1}% (95% CI {:.1}–{:.1}%)",
        b.mean_tvpi,
        b.mean_tvpi_ci95.0,
        b.mean_tvpi_ci95.1,
        100.0 * b.loss_probability.estimate,
        100.0 * b.loss_probability.ci95.0,
        100.0 * b.loss_probability.ci95.1
    );
    out.push_str("One shock at a time, same seed; Δ = shocked − base with its paired 95% CI [lo, hi] (per-path\n\
         differences regressed on both runs' control variates, HC3 SE; base mean by control variates).\n\n");
    let _ = writeln!(out, "{:>2}  {} {:<7}  {:<23}  Δ P(TVPI < 1)", "#", fit("shock", 38), "move", "Δ mean TVPI (×)");
    for e in &s.shocks {
        for (i, m) in [&e.down, &e.up].into_iter().enumerate() {
            let (rank, label) = if i == 0 { (e.rank.to_string(), e.label.as_str()) } else { (String::new(), "") };
            let line = format!("{rank:>2}  {} {:<7}  {:<23}  {}", fit(label, 38), m.setting, tvpi(&m.tvpi), pp(&m.loss));
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    out.push_str("\nRanked by the larger |Δ P(TVPI < 1)| (down move / up move):\n");
    for (i, e) in by_loss_effect(s).into_iter().enumerate() {
        let (down, up) = (e.down.loss.estimate, e.up.loss.estimate);
        let _ = writeln!(out, "{:>2}  {} {:+.1}pp / {:+.1}pp", i + 1, fit(&e.label, 38), 100.0 * down, 100.0 * up);
    }
    out
}

fn tvpi(d: &Difference) -> String {
    if d.estimate.is_finite() {
        format!("{:+.3} [{:+.3}, {:+.3}]", d.estimate, d.paired_ci95.0, d.paired_ci95.1)
    } else {
        "–".to_string()
    }
}

fn pp(d: &Difference) -> String {
    if d.estimate.is_finite() {
        format!("{:+.1}pp [{:+.1}, {:+.1}]", 100.0 * d.estimate, 100.0 * d.paired_ci95.0, 100.0 * d.paired_ci95.1)
    } else {
        "–".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::sensitivity::run;
    use crate::engine::{RunOptions, Stopping};

    #[test]
    fn a_small_run_renders_within_100_columns() {
        let base = crate::testing::base();
        let options = RunOptions { seed: 5, stopping: Stopping::Paths(60), threads: Some(2) };
        let table = render(&run(&base, &options, &mut |_| {}).unwrap());
        assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
        assert!(table.contains("×1.25") && table.contains("Δ mean TVPI"), "{table}");
    }
}

//! The `fifsim frontier` table: the efficient allocations and the scenario as it is, then the best
//! tier splits at each direct share ([`crate::analysis::frontier`]).

use std::fmt::Write as _;

use super::cells::thousands;
use crate::analysis::frontier::{Frontier, PRIMARY_RISK, Point};

/// The efficient allocations and the reference as a plain-text table, at most 100 columns wide.
pub fn render(f: &Frontier) -> String {
    let p = &f.provenance;
    let scenario = p.scenarios.first().map_or("?", |s| s.name.as_str());
    let mut out = String::new();
    let shares: Vec<String> = f.direct_shares.iter().map(|d| format!("{d}")).collect();
    let _ = writeln!(out, "FRONTIER · {scenario} · {} allocations × {} paths · seed {} (fifsim {})", f.points.len(), thousands(p.paths), p.seed, p.version);
    let _ = writeln!(out, "Grid: direct share {} × tier splits in steps of 1/{} (industrialising/prototype/exploration).", shares.join(", "), f.divisions);
    let _ = writeln!(out, "Primary risk: {PRIMARY_RISK}; efficient = no other allocation with more mean TVPI and less risk.\n");
    let _ = writeln!(out, "{:<18} {:>6}  {:<11} {:>10} {:>10} {:>8} {:>11}  ES5-eff.", "allocation", "direct", "I/P/E (%)", "mean TVPI", "P(TVPI<1)", "ES5", "peak need");
    let mut rows: Vec<&Point> = f.points.iter().filter(|q| q.efficient || q.reference).collect();
    rows.sort_by(|a, b| a.loss_probability.total_cmp(&b.loss_probability).then(a.mean_tvpi.total_cmp(&b.mean_tvpi)));
    for q in rows {
        let pct = |x: f64| format!("{:.0}", 100.0 * x);
        let name = if q.reference { format!("as is{}", if q.efficient { " *" } else { "" }) } else { format!("{} *", q.label) };
        let _ = writeln!(
            out,
            "{:<18} {:>5}%  {:<11} {:>9.3}× {:>9.1}% {:>7.2}× {:>7.2} bn  {}",
            name,
            pct(q.direct_share),
            format!("{}/{}/{}", pct(q.tiers[0]), pct(q.tiers[1]), pct(q.tiers[2])),
            q.mean_tvpi,
            100.0 * q.loss_probability,
            q.es5,
            q.peak_need_cny_m / 1000.0,
            if q.efficient_es5 { "yes" } else { "no" }
        );
    }
    let efficient = f.points.iter().filter(|q| q.efficient).count();
    let _ = writeln!(out, "* efficient ({efficient} of {} allocations); every point is in frontier.csv.", f.points.len());
    out.push_str("\nBEST TIER SPLITS AT EACH DIRECT SHARE (efficient among allocations with that direct share)\n");
    for &d in &f.direct_shares {
        let mut best: Vec<&Point> = f.points.iter().filter(|q| !q.reference && q.direct_share == d && q.efficient_at_share).collect();
        best.sort_by(|a, b| a.loss_probability.total_cmp(&b.loss_probability));
        let list: Vec<String> = best.iter().map(|q| format!("{:.0}/{:.0}/{:.0}", 100.0 * q.tiers[0], 100.0 * q.tiers[1], 100.0 * q.tiers[2])).collect();
        let range = match (best.first(), best.last()) {
            (Some(a), Some(b)) if best.len() == 1 || (a.mean_tvpi == b.mean_tvpi && a.loss_probability == b.loss_probability) => {
                format!("mean TVPI {:.3}×, P(TVPI < 1) {:.1}%", a.mean_tvpi, 100.0 * a.loss_probability)
            }
            (Some(a), Some(b)) => {
                format!("mean TVPI {:.3}–{:.3}×, P(TVPI < 1) {:.1}–{:.1}%", a.mean_tvpi, b.mean_tvpi, 100.0 * a.loss_probability, 100.0 * b.loss_probability)
            }
            _ => "none".to_string(),
        };
        let count = if best.len() == 1 { "1 split".to_string() } else { format!("{} splits", best.len()) };
        let _ = writeln!(out, "  direct {:>3.0}%: {count}, {range}", 100.0 * d);
        let mut line = String::from("    I/P/E:");
        for item in list {
            if line.chars().count() + item.len() + 2 > 96 {
                let _ = writeln!(out, "{line}");
                line = String::from("          ");
            }
            line.push(' ');
            line.push_str(&item);
        }
        let _ = writeln!(out, "{line}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::frontier::run;
    use crate::engine::{RunOptions, Stopping};

    #[test]
    fn a_small_sweep_renders_within_100_columns() {
        let base = crate::testing::base();
        let table = render(&run(&base, &[0.1], 1, &RunOptions { seed: 3, stopping: Stopping::Paths(20), threads: Some(1) }, &mut |_| {}).unwrap());
        assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
    }
}

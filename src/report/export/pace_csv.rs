//! `pace.csv`: one row per candidate schedule of `fifsim pace`, with its yearly shares, whether it
//! meets the target, its shortfall probability, idle cash and P95 calls in its busiest year.

use super::csv_number;
use crate::analysis::pace::Pace;

/// The candidates as CSV: a header, one row per candidate (the rest is in `pace.json`).
pub fn to_csv(p: &Pace) -> String {
    let mut out = String::from(
        "schedule,chosen,meets_target,shares,direct_from,direct_to,last_vintage,p_any_shortfall,p_ci95_low,p_ci95_high,shortfall_p95_cny_m,idle_mean_cny_m,idle_peak_cny_m,peak_year_calls_p95_cny_m\n",
    );
    for (k, c) in p.candidates.iter().enumerate() {
        let l = &c.liquidity.life;
        let shares: Vec<String> = c.shares.iter().map(|(year, share)| format!("{year}:{share:.3}")).collect();
        let peak = c.liquidity.years.iter().map(|y| y.calls_cny_m.p95).fold(0.0, f64::max);
        let last_vintage = c.vintages.iter().map(|(_, q)| q.as_str()).max().unwrap_or("");
        let fields = [
            c.name.clone(),
            (p.chosen == Some(k)).to_string(),
            c.meets_target.to_string(),
            shares.join(" "),
            c.direct_window.0.clone(),
            c.direct_window.1.clone(),
            last_vintage.to_string(),
            csv_number(l.p_any_shortfall.estimate),
            csv_number(l.p_any_shortfall.ci95.0),
            csv_number(l.p_any_shortfall.ci95.1),
            csv_number(l.shortfall_cny_m.p95),
            csv_number(l.idle_mean_cny_m.mean),
            csv_number(l.idle_peak_cny_m.mean),
            csv_number(peak),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

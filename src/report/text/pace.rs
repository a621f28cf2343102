//! `fifsim pace`'s table: the target, each candidate schedule with its yearly shares, whether it
//! meets the target and why not, its chance of falling short, idle cash and busiest year; then
//! the verdict. At most 100 columns.

use std::fmt::Write as _;

use crate::analysis::pace::Pace;

fn bn(cny_m: f64) -> String {
    if cny_m.is_finite() { format!("{:.2}", cny_m / 1000.0) } else { super::cells::NONE.to_string() }
}

/// The table.
pub fn render(p: &Pace) -> String {
    let mut out = String::new();
    let t = &p.target;
    let _ = writeln!(
        out,
        "PACE · scenario {} · {} paths a schedule · seed {}",
        p.provenance.scenarios.first().map_or("", |s| s.name.as_str()),
        p.provenance.paths,
        p.provenance.seed
    );
    let _ = writeln!(
        out,
        "Capacity not yet committed: sub-funds CNY {} bn (vintage from {}), direct CNY {} bn",
        bn(p.capacity_subfunds_cny_m),
        t.from,
        bn(p.capacity_direct_cny_m)
    );
    let _ = writeln!(out, "Target: all committed by {}; at least {:.1}% of paths never short of the plan's cash", t.by, 100.0 * t.level);
    let _ = writeln!(out);
    let _ =
        writeln!(out, "  {:<12}{:>5}  {:<28}{:>9}{:>10}{:>10}{:>10}", "schedule", "meets", "yearly shares (%)", "P(short)", "idle bn", "peak bn", "P95 yr bn");
    for (k, c) in p.candidates.iter().enumerate() {
        let l = &c.liquidity.life;
        let shares = if c.shares.is_empty() {
            "(the scenario's own dates)".to_string()
        } else {
            c.shares.iter().map(|(_, s)| format!("{:.0}", 100.0 * s)).collect::<Vec<_>>().join("/")
        };
        let peak_year = c.liquidity.years.iter().map(|y| y.calls_cny_m.p95).fold(0.0, f64::max);
        let mark = if p.chosen == Some(k) { "*" } else { " " };
        let _ = writeln!(
            out,
            "{mark} {:<12}{:>5}  {:<28}{:>8.1}%{:>10}{:>10}{:>10}",
            c.name,
            if c.meets_target { "yes" } else { "no" },
            shares,
            100.0 * l.p_any_shortfall.estimate,
            bn(l.idle_mean_cny_m.mean),
            bn(l.idle_peak_cny_m.mean),
            bn(peak_year)
        );
        if let Some(problem) = &c.problem {
            for line in crate::report::table::wrap(problem, 90) {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    let _ = writeln!(out);
    let years: Vec<i32> = p.candidates.iter().find(|c| !c.shares.is_empty()).map(|c| c.shares.iter().map(|s| s.0).collect()).unwrap_or_default();
    let span = match (years.first(), years.last()) {
        (Some(first), Some(last)) => format!("{first}–{last}"),
        _ => String::new(),
    };
    let _ = writeln!(out, "  Shares by year {span}; idle = mean cash over the life; * = chosen (least idle cash)");
    for line in crate::report::table::wrap(&p.verdict, 96) {
        let _ = writeln!(out, "{line}");
    }
    out
}

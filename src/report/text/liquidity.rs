//! The LIQUIDITY block of `fifsim run`'s table, for a scenario with a funding plan: the plan, the
//! cash paid out each calendar year (mean, P50, P95, P99), the chance and size of a shortfall,
//! the schedule that covers the P95 path, and the idle cash over the fund's life. Amounts in
//! CNY m; at most 100 columns.

use std::fmt::Write as _;

use super::cells::{NONE, thousands};
use crate::analysis::liquidity::{LiquidityReport, Tail};
use crate::stats::summary::Proportion;

/// An amount in CNY m, "12,345" ("–" if it does not exist).
fn cny_m(x: f64) -> String {
    if !x.is_finite() {
        return NONE.to_string();
    }
    let digits = thousands(x.abs().round() as u64);
    if x < -0.5 { format!("-{digits}") } else { digits }
}

fn percent(x: f64) -> String {
    if x.is_finite() { format!("{:.1}%", 100.0 * x) } else { NONE.to_string() }
}

fn probability(p: &Proportion) -> String {
    format!("{} (95% CI {}–{})", percent(p.estimate), percent(p.ci95.0), percent(p.ci95.1))
}

/// One row of the yearly table: the label, the plan's money in, the payments' mean and tail, the
/// chance and P95 of a shortfall, and the covering schedule's part.
fn row(out: &mut String, label: &str, appropriated: f64, calls: &Tail, p_short: f64, short_p95: f64, covering: f64) {
    let _ = writeln!(
        out,
        "  {label:<6}{:>8}{:>10}{:>9}{:>9}{:>9}{:>17}{:>8}{:>16}",
        cny_m(appropriated),
        cny_m(calls.mean),
        cny_m(calls.p50),
        cny_m(calls.p95),
        cny_m(calls.p99),
        percent(p_short),
        cny_m(short_p95),
        cny_m(covering)
    );
}

/// The block, starting with a blank line.
pub fn render(l: &LiquidityReport) -> String {
    let mut out = String::from("\n");
    let plan = &l.plan;
    let bonds: f64 = plan.appropriations.iter().filter(|a| a.source == "special_bond").map(|a| a.amount_cny_m).sum();
    let _ = writeln!(out, "LIQUIDITY (CNY m)");
    let _ = writeln!(
        out,
        "  Plan {} ({} of it special bonds); distributions: {}; deposit rate {}/yr",
        cny_m(plan.total_cny_m),
        cny_m(bonds),
        plan.distributions,
        percent(plan.deposit_rate)
    );
    let _ = writeln!(out, "           plan   --------- paid out in the year ----------   P(short-   short   covering P95");
    let _ = writeln!(out, "  year       in      mean      P50      P95      P99            fall)     P95   by year start");
    for y in &l.years {
        let (short, covering) = (y.p_shortfall.estimate, y.covering_p95_cny_m);
        row(&mut out, &y.year.to_string(), y.appropriated_cny_m, &y.calls_cny_m, short, y.shortfall_cny_m.p95, covering);
    }
    let life = &l.life;
    let short = life.p_any_shortfall.estimate;
    row(&mut out, "life", plan.total_cny_m, &life.calls_cny_m, short, life.shortfall_cny_m.p95, life.covering_p95_total_cny_m);
    let _ = writeln!(out, "  P(any year's calls exceed the cash the plan provides) = {}", probability(&life.p_any_shortfall));
    if life.p_any_shortfall.successes > 0 {
        let s = &life.shortfall_cny_m;
        let _ = writeln!(
            out,
            "  Shortfall over the life (CNY m): mean {}, P95 {}, P99 {}; mean {} on the paths short",
            cny_m(s.mean),
            cny_m(s.p95),
            cny_m(s.p99),
            cny_m(life.shortfall_if_any_mean_cny_m)
        );
        let _ = writeln!(out, "  Half of the paths short are short by {}", life.first_shortfall_p50.as_deref().unwrap_or(NONE));
    }
    let (idle, peak) = (&life.idle_mean_cny_m, &life.idle_peak_cny_m);
    let _ = writeln!(out, "  Idle cash: mean balance {} (P95 {}); peak {} (P95 {})", cny_m(idle.mean), cny_m(idle.p95), cny_m(peak.mean), cny_m(peak.p95));
    let _ = writeln!(
        out,
        "  Deposit interest {}; cost of idle cash at {} cost of funds less {} deposit: {}",
        cny_m(life.deposit_income_cny_m.mean),
        percent(plan.cost_of_funds_rate),
        percent(plan.deposit_rate),
        cny_m(life.idle_cost_cny_m.mean)
    );
    let _ =
        writeln!(out, "  Returned to the budget {}; left in the account at the horizon {}", cny_m(life.returned_cny_m.mean), cny_m(life.left_over_cny_m.mean));
    let _ = writeln!(out, "  Covering P95: what must be in by the start of each year for the P95 path's calls (interest aside).");
    out
}

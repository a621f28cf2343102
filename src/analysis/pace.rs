//! Commitment pacing (docs/funding.md, "Pacing"): when should the capacity not yet committed be
//! committed, so that it is all committed by the end of the policy window while the fund's calls
//! stay within the city's funding plan?
//!
//! The capacity not yet committed is the commitments to sub-funds whose vintage is at or after
//! `from`, and the direct sleeve's budget. A *schedule* gives each calendar year from `from` to
//! `by` a share of that capacity. The family searched is small and fixed, so that every candidate
//! can be explained:
//!
//! | schedule | yearly weights, year `i` of `n` |
//! |---|---|
//! | `front-steep` | `(n − i)²` |
//! | `front` | `n − i` |
//! | `even` | `1` |
//! | `back` | `i + 1` |
//! | `back-steep` | `(i + 1)²` |
//!
//! plus the scenario as it stands. A sub-fund's vintage becomes the quarter in which the
//! schedule's running total passes the middle of its commitment (sub-funds in their stated order);
//! the direct sleeve, which the model deploys evenly over a window from its start, deploys over
//! the window whose middle is the schedule's mean commitment date. The direct share, the sizes of
//! the commitments and everything else stay as the scenario states them (the sub-fund/direct split
//! is kept by construction). Each candidate is validated as a scenario file would be and run with
//! the same seed as the others (common random numbers), so they differ by their timing alone.
//!
//! A candidate meets the target when everything is committed by `by` and at most `1 − level` of
//! the paths ever fall short of the plan's cash (with `level` 0.95: the P95 path's calls, every
//! year, are within the plan). Among those that meet it, pace chooses the one with the least idle
//! cash (the mean balance over the fund's life, averaged over paths: money the city raised before
//! it was needed); none meeting it is reported as infeasible, with the reason for the nearest.

use serde::Serialize;

use super::{AnalysisError, Provenance, engine_error, simulate};
use crate::calendar::Quarter;
use crate::engine::RunOptions;
use crate::analysis::liquidity::LiquidityReport;
use crate::scenario::{self, Scenario};

/// Default share of paths that must never fall short.
pub const DEFAULT_LEVEL: f64 = 0.95;

/// A schedule's weight of year `i` of `n`.
pub type Weight = fn(usize, usize) -> f64;

/// The schedules searched, by name, and their weight of year `i` of `n`.
pub const SCHEDULES: [(&str, Weight); 5] = [
    ("front-steep", |i, n| ((n - i) * (n - i)) as f64),
    ("front", |i, n| (n - i) as f64),
    ("even", |_, _| 1.0),
    ("back", |i, _| (i + 1) as f64),
    ("back-steep", |i, _| ((i + 1) * (i + 1)) as f64),
];

/// Name of the candidate that keeps the scenario's own timing.
pub const AS_STATED: &str = "as stated";

/// What pace is asked.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Target {
    /// Sub-funds with a vintage from this quarter on are not yet committed.
    #[serde(serialize_with = "display")]
    pub from: Quarter,
    /// Everything committed by this quarter (the end of the policy window).
    #[serde(serialize_with = "display")]
    pub by: Quarter,
    /// Share of paths whose cash must never fall short.
    pub level: f64,
}

fn display<S: serde::Serializer>(q: &Quarter, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&q.to_string())
}

/// One schedule and what it does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub name: String,
    /// Share of the capacity scheduled in each calendar year (empty for [`AS_STATED`]).
    pub shares: Vec<(i32, f64)>,
    /// Each re-dated sub-fund's vintage.
    pub vintages: Vec<(String, String)>,
    /// The direct sleeve's deployment window, first and last quarter.
    pub direct_window: (String, String),
    pub meets_target: bool,
    /// Why it does not meet the target.
    pub problem: Option<String>,
    pub liquidity: LiquidityReport,
}

/// The search's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pace {
    pub provenance: Provenance,
    pub target: Target,
    /// Commitments to sub-funds not yet committed, and the direct budget, CNY m.
    pub capacity_subfunds_cny_m: f64,
    pub capacity_direct_cny_m: f64,
    pub candidates: Vec<Candidate>,
    /// Index of the chosen candidate; `None` when none meets the target.
    pub chosen: Option<usize>,
    /// "feasible", or "infeasible: …" with the reason.
    pub verdict: String,
}

/// Why pace cannot run.
#[derive(Debug, thiserror::Error)]
pub enum PaceError {
    #[error("{}: has no [funding] plan; pace keeps the calls within the plan, so the scenario must state one (docs/funding.md)", .0.display())]
    NoPlan(std::path::PathBuf),
    #[error("{}: --{what} {quarter} must lie within the calendar and before the fund's life ends ({first} to {last})", .file.display())]
    OutOfLife { file: std::path::PathBuf, what: &'static str, quarter: Quarter, first: Quarter, last: Quarter },
    #[error("{}: --from {from} must come before --by {by}", .file.display())]
    Order { file: std::path::PathBuf, from: Quarter, by: Quarter },
    #[error("{}: --level must be in (0, 1], got {level}", .file.display())]
    Level { file: std::path::PathBuf, level: f64 },
    #[error("{}: the {name} schedule gives a scenario that does not validate: {source}", .file.display())]
    Candidate { file: std::path::PathBuf, name: String, source: scenario::ScenarioError },
}

/// Candidates pace runs: the scenario as stated and each schedule of [`SCHEDULES`].
pub fn runs() -> usize {
    SCHEDULES.len() + 1
}

/// Searches the schedules for `scenario`.
///
/// # Errors
/// [`AnalysisError::Pace`] for a scenario or target pace cannot use; [`AnalysisError::Engine`].
pub fn run(scenario: &Scenario, target: Target, options: &RunOptions, progress: &mut dyn FnMut(u64)) -> Result<Pace, AnalysisError> {
    let pace_error = |e: PaceError| AnalysisError::Pace(Box::new(e));
    let file = scenario.source.clone();
    if scenario.funding.is_none() {
        return Err(pace_error(PaceError::NoPlan(file)));
    }
    if !(target.level > 0.0 && target.level <= 1.0) {
        return Err(pace_error(PaceError::Level { file, level: target.level }));
    }
    let calendar = &scenario.calendar;
    let last = calendar.quarter(scenario.fund.life_quarters - 1);
    let index = |what: &'static str, q: Quarter| {
        calendar
            .index_of(q)
            .filter(|&t| t < scenario.fund.life_quarters)
            .ok_or_else(|| pace_error(PaceError::OutOfLife { file: file.clone(), what, quarter: q, first: calendar.start, last }))
    };
    let (from, by) = (index("from", target.from)?, index("by", target.by)?);
    if from >= by {
        return Err(pace_error(PaceError::Order { file, from: target.from, by: target.by }));
    }
    let open: Vec<usize> = (0..scenario.subfunds.len()).filter(|&k| scenario.subfunds[k].vintage >= from).collect();
    let mut candidates = Vec::with_capacity(runs());
    // Name, yearly shares and the re-dated scenario (none for the scenario as stated).
    type Plan = (String, Vec<(i32, f64)>, Option<Scenario>);
    let mut plans: Vec<Plan> = vec![(AS_STATED.to_string(), Vec::new(), None)];
    for (name, weight) in SCHEDULES {
        let shares = shares(target, weight);
        let text = variant(scenario, &open, from, by, &shares);
        let path = scenario.source.with_file_name(format!("pace-{}.toml", name));
        let variant = scenario::load_str(&text, &path)
            .map_err(|source| pace_error(PaceError::Candidate { file: scenario.source.clone(), name: name.to_string(), source }))?;
        plans.push((name.to_string(), shares, Some(variant)));
    }
    let quarters: Vec<String> = (0..=scenario.horizon()).map(|t| calendar.quarter(t).to_string()).collect();
    for (k, (name, shares, variant)) in plans.into_iter().enumerate() {
        let s = variant.as_ref().unwrap_or(scenario);
        let results = simulate(s, options, k as u64 * options.stopping.most_paths(), progress)?;
        let liquidity = results.liquidity.as_ref().map(|l| LiquidityReport::build(s, l, &quarters)).transpose().map_err(|e| engine_error(s, e))?.flatten();
        let Some(liquidity) = liquidity else { return Err(pace_error(PaceError::NoPlan(s.source.clone()))) };
        let last_vintage = open.iter().map(|&j| s.subfunds[j].vintage).max().unwrap_or(0);
        let direct_end = s.direct.first_quarter + s.direct.deploy_quarters.max(1) - 1;
        let short = liquidity.life.p_any_shortfall.estimate;
        let mut problems = Vec::new();
        if last_vintage > by || direct_end > by {
            problems.push(format!(
                "commits until {} (sub-funds) and {} (direct), after {}",
                calendar.quarter(last_vintage),
                calendar.quarter(direct_end),
                target.by
            ));
        }
        if short > 1.0 - target.level {
            problems.push(format!("falls short of the plan on {:.1}% of paths (at most {:.1}% allowed)", 100.0 * short, 100.0 * (1.0 - target.level)));
        }
        candidates.push(Candidate {
            name,
            shares,
            vintages: open.iter().map(|&j| (s.subfunds[j].key.clone(), calendar.quarter(s.subfunds[j].vintage).to_string())).collect(),
            direct_window: (calendar.quarter(s.direct.first_quarter).to_string(), calendar.quarter(direct_end).to_string()),
            meets_target: problems.is_empty(),
            problem: (!problems.is_empty()).then(|| problems.join("; ")),
            liquidity,
        });
    }
    let idle = |c: &Candidate| c.liquidity.life.idle_mean_cny_m.mean;
    let chosen = (0..candidates.len()).filter(|&k| candidates[k].meets_target).min_by(|&a, &b| idle(&candidates[a]).total_cmp(&idle(&candidates[b])));
    let verdict = match chosen {
        Some(k) => format!("feasible: {} meets the target with the least idle cash", candidates[k].name),
        None => {
            let nearest = candidates.iter().min_by(|a, b| a.liquidity.life.p_any_shortfall.estimate.total_cmp(&b.liquidity.life.p_any_shortfall.estimate));
            let reason = nearest.map_or_else(String::new, |c| format!("; the nearest, {}, {}", c.name, c.problem.as_deref().unwrap_or("")));
            format!("infeasible: no schedule commits everything by {} within the plan at {:.1}%{reason}", target.by, 100.0 * target.level)
        }
    };
    let capacity_subfunds_cny_m = open.iter().map(|&j| scenario.subfunds[j].commitment_cny_m).sum();
    let method = "schedules of the capacity not yet committed (front-loaded, even, back-loaded) and the scenario as stated, each run on the same seed; \
                  a schedule meets the target when it commits everything by the target quarter and at most 1 - level of paths fall short of the plan's cash; \
                  the one with the least mean idle cash is chosen";
    Ok(Pace {
        provenance: Provenance::new(&[scenario], options.seed, options.stopping.most_paths(), candidates.len(), method),
        target,
        capacity_subfunds_cny_m,
        capacity_direct_cny_m: scenario.direct.budget_cny_m,
        candidates,
        chosen,
        verdict,
    })
}

/// The share of each calendar year from `target.from` to `target.by` under `weight`.
pub fn shares(target: Target, weight: Weight) -> Vec<(i32, f64)> {
    let years: Vec<i32> = (target.from.year..=target.by.year).collect();
    let n = years.len();
    let weights: Vec<f64> = (0..n).map(|i| weight(i, n)).collect();
    let total: f64 = weights.iter().sum();
    years.into_iter().zip(weights).map(|(y, w)| (y, w / total)).collect()
}

/// The quarter (index, within `from..=by`) at which a schedule's running total reaches `point`
/// (a share of the capacity, in `[0, 1]`), spreading each year's share evenly over its quarters.
fn quarter_at(scenario: &Scenario, shares: &[(i32, f64)], from: usize, by: usize, point: f64) -> usize {
    let mut before = 0.0;
    for (k, &(year, share)) in shares.iter().enumerate() {
        if point <= before + share || k + 1 == shares.len() {
            let quarters: Vec<usize> = (from..=by).filter(|&t| scenario.calendar.quarter(t).year == year).collect();
            let within = if share > 0.0 { ((point - before) / share).clamp(0.0, 1.0) } else { 0.0 };
            let slot = ((within * quarters.len() as f64) as usize).min(quarters.len().saturating_sub(1));
            return quarters.get(slot).copied().unwrap_or(by);
        }
        before += share;
    }
    by
}

/// The scenario text that re-dates the open sub-funds and the direct window under `shares`.
fn variant(scenario: &Scenario, open: &[usize], from: usize, by: usize, shares: &[(i32, f64)]) -> String {
    let file = scenario.source.file_name().map_or_else(|| "base.toml".to_string(), |n| n.to_string_lossy().into_owned());
    let mut text = format!("extends = {}\n", toml_string(&file));
    let total: f64 = open.iter().map(|&j| scenario.subfunds[j].commitment_cny_m).sum();
    let mut so_far = 0.0;
    for &j in open {
        let sub = &scenario.subfunds[j];
        let middle = if total > 0.0 { (so_far + sub.commitment_cny_m / 2.0) / total } else { 0.5 };
        so_far += sub.commitment_cny_m;
        let vintage = scenario.calendar.quarter(quarter_at(scenario, shares, from, by, middle));
        text.push_str(&format!("[subfunds.{}]\nvintage = \"{vintage}\"\n", toml_key(&sub.key)));
    }
    // The direct window's middle is the schedule's mean commitment date (quarters, each year's
    // share at the middle of its quarters in the window).
    let mean: f64 = shares
        .iter()
        .map(|&(year, share)| {
            let quarters: Vec<usize> = (from..=by).filter(|&t| scenario.calendar.quarter(t).year == year).collect();
            let middle = quarters.iter().sum::<usize>() as f64 / quarters.len().max(1) as f64;
            share * middle
        })
        .sum();
    let start = scenario.direct.first_quarter;
    if start + 3 <= by {
        let end = (2.0 * mean - start as f64).round().clamp((start + 3) as f64, by as f64) as usize;
        let years = (end + 1 - start) as f64 / 4.0;
        text.push_str(&format!("[direct]\ndeploy_years = {years}\n"));
    }
    text
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn toml_key(key: &str) -> String {
    if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') { key.to_string() } else { toml_string(key) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Stopping;

    fn options() -> RunOptions {
        RunOptions { seed: 11, stopping: Stopping::Paths(200), threads: Some(2) }
    }

    fn target(level: f64) -> Target {
        Target { from: "2025Q1".parse().unwrap(), by: "2030Q3".parse().unwrap(), level }
    }

    fn tight() -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/tight_budget.toml");
        crate::scenario::load(&path).unwrap()
    }

    #[test]
    fn schedules_share_the_window_and_lean_as_named() {
        for (name, weight) in SCHEDULES {
            let shares = shares(target(0.95), weight);
            assert_eq!(shares.iter().map(|s| s.0).collect::<Vec<_>>(), (2025..=2030).collect::<Vec<_>>(), "{name}");
            assert!((shares.iter().map(|s| s.1).sum::<f64>() - 1.0).abs() < 1e-12, "{name}");
            let (first, last) = (shares[0].1, shares[5].1);
            assert_eq!(first > last, name.starts_with("front"), "{name}: {shares:?}");
        }
    }

    /// The base plan covers every schedule: the target is met, by the candidate with the least
    /// idle cash, and every re-dated sub-fund is committed by the target quarter.
    #[test]
    fn a_feasible_target_is_met() {
        let s = crate::testing::base();
        let pace = run(&s, target(0.95), &options(), &mut |_| {}).unwrap();
        assert_eq!(pace.candidates.len(), runs());
        let chosen = pace.chosen.expect("feasible");
        let c = &pace.candidates[chosen];
        assert!(c.meets_target && c.problem.is_none());
        assert!(c.liquidity.life.p_any_shortfall.estimate <= 0.05);
        let idle = |c: &Candidate| c.liquidity.life.idle_mean_cny_m.mean;
        assert!(pace.candidates.iter().filter(|c| c.meets_target).all(|other| idle(c) <= idle(other)));
        for candidate in &pace.candidates[1..] {
            assert_eq!(candidate.vintages.len(), s.subfunds.len(), "every sub-fund is open from 2025Q1");
            assert!(candidate.vintages.iter().all(|(_, q)| q.as_str() >= "2025Q1" && q.as_str() <= "2030Q3"), "{:?}", candidate.vintages);
            assert!(candidate.direct_window.1.as_str() <= "2030Q3");
        }
        // Front-loaded schedules date their sub-funds earlier than back-loaded ones.
        let mean_vintage = |k: usize| pace.candidates[k].vintages.iter().map(|(_, q)| q.parse::<Quarter>().unwrap().year as f64).sum::<f64>();
        assert!(mean_vintage(1) < mean_vintage(5));
        assert!(pace.verdict.starts_with("feasible"), "{}", pace.verdict);
    }

    /// On the tight budget, asking that 99.9% of paths never fall short cannot be met by any
    /// schedule: pace says so, and why.
    #[test]
    fn an_infeasible_target_is_reported_infeasible() {
        let pace = run(&tight(), target(0.999), &options(), &mut |_| {}).unwrap();
        assert_eq!(pace.chosen, None);
        assert!(pace.candidates.iter().all(|c| !c.meets_target && c.problem.as_deref().is_some_and(|p| p.contains("falls short of the plan"))));
        assert!(pace.verdict.starts_with("infeasible: no schedule commits everything by 2030Q3 within the plan at 99.9%"), "{}", pace.verdict);
        assert!(pace.verdict.contains("the nearest"), "{}", pace.verdict);
    }

    #[test]
    fn requests_pace_cannot_take_are_refused_before_simulating() {
        let s = crate::testing::base();
        let bad = |s: &Scenario, t: Target| run(s, t, &options(), &mut |_| panic!("simulated")).unwrap_err().to_string();
        assert!(bad(&s, Target { by: "2043Q1".parse().unwrap(), ..target(0.95) }).contains("--by 2043Q1 must lie within"));
        assert!(bad(&s, Target { from: "2031Q1".parse().unwrap(), ..target(0.95) }).contains("must come before --by"));
        assert!(bad(&s, target(0.0)).contains("--level must be in (0, 1]"));
        let s = crate::testing::edited(&s, |raw| raw.funding = None);
        assert!(bad(&s, target(0.95)).contains("has no [funding] plan"));
    }
}

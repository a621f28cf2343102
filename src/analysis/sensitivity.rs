//! `fifsim sensitivity`: one-at-a-time shocks ([`super::shocks`]) to a scenario, each run down and
//! up on the base run's seed, so every effect is a paired difference on common random numbers.
//!
//! The effect of a move is its mean fund TVPI minus the base's, and its P(fund TVPI < 1) minus the
//! base's, each with a paired 95 % interval by control variates ([`super::paired::controlled_difference`]). Shocks are ranked by the larger
//! of their two |effects| on mean TVPI (the tornado's order).

use serde::{Deserialize, Serialize};

use super::headline::{FUND_TVPI, LOSS_PROBABILITY};
use super::paired::{Difference, controlled_difference};
use super::shocks::{Direction, Shock, library};
use super::{AnalysisError, Provenance, changed, simulating, values};
use crate::engine::{RunOptions, RunResults};
use crate::scenario::Scenario;
use crate::stats::control;
use crate::stats::summary::{Proportion, Summary, probability_below};

/// How effects are computed, for the provenance of the outputs.
pub const METHOD: &str = "one shock at a time, each run down and up with the base run's seed (common random numbers); \
     effect = shocked − base from per-path differences: mean ± 1.96 SE by control variates (the differences regressed \
     on both runs' controls, HC3 SE); base mean fund TVPI by control variates; ranked by the larger |effect| on mean fund TVPI";

/// The base run and every shock's effects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    pub provenance: Provenance,
    pub base: BaseRun,
    /// Ranked, largest effect first.
    pub shocks: Vec<ShockEffects>,
}

/// The unshocked scenario's headline numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaseRun {
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub mean_tvpi: f64,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub mean_tvpi_ci95: (f64, f64),
    pub loss_probability: Proportion,
}

/// One shock's effects, down and up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShockEffects {
    /// 1 = the largest effect.
    pub rank: usize,
    pub key: String,
    pub label: String,
    pub down: Effect,
    pub up: Effect,
    /// The larger |effect| on mean TVPI of the two moves: what the ranking uses.
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub size: f64,
}

/// The effect of one move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Effect {
    pub direction: Direction,
    /// The move, e.g. "×1.25".
    pub setting: String,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub mean_tvpi: f64,
    #[serde(deserialize_with = "crate::stats::nan::deserialize")]
    pub loss_probability: f64,
    /// Shocked − base, mean fund TVPI.
    pub tvpi: Difference,
    /// Shocked − base, P(fund TVPI < 1).
    pub loss: Difference,
}

/// Runs the sensitivity analysis would make for `scenario`: the base and two per shock.
pub fn runs(scenario: &Scenario) -> usize {
    1 + 2 * library(scenario).len()
}

/// The runs the analysis makes of `scenario`, in order: the scenario itself, then every shock
/// of [`library`] down and up.
///
/// # Errors
/// [`AnalysisError::Allocation`] if the direct-share shock cannot be made,
/// [`AnalysisError::InvalidChange`] if a shock left a value out of range.
pub fn variants(scenario: &Scenario) -> Result<Vec<Scenario>, AnalysisError> {
    let mut variants = vec![scenario.clone()];
    for shock in &library(scenario) {
        for direction in Direction::BOTH {
            variants.push(shocked(scenario, shock, direction)?);
        }
    }
    Ok(variants)
}

/// Runs the base and every shock of [`library`] down and up with `options`; `progress` is told
/// the paths done across all runs.
///
/// # Errors
/// [`AnalysisError::Engine`] if a run fails, [`AnalysisError::Allocation`] if the direct-share
/// shock cannot be made, [`AnalysisError::InvalidChange`] if a shock left a value out of range.
pub fn run(scenario: &Scenario, options: &RunOptions, progress: &mut dyn FnMut(u64)) -> Result<Sensitivity, AnalysisError> {
    let variants = variants(scenario)?;
    of_runs(scenario, &variants, options.seed, &mut simulating(options, progress))
}

/// The analysis of `scenario` from the runs of its [`variants`], all made with `seed` and one
/// number of paths, wherever they were simulated: `results(i, variant)` gives the run of the
/// `i`-th; each is read in turn and dropped.
///
/// # Errors
/// What `results` returns, [`AnalysisError::Engine`] if a run's values cannot be read back.
pub fn of_runs<E: From<AnalysisError>>(
    scenario: &Scenario,
    variants: &[Scenario],
    seed: u64,
    results: &mut dyn FnMut(usize, &Scenario) -> Result<RunResults, E>,
) -> Result<Sensitivity, E> {
    let base = results(0, &variants[0])?;
    let base_tvpi = values(&FUND_TVPI, scenario, &base)?;
    let base_loss = values(&LOSS_PROBABILITY, scenario, &base)?;
    let base_controls = base.control_columns().map_err(|source| super::engine_error(scenario, source))?;
    let base_controls: Vec<&[f64]> = base_controls.iter().map(Vec::as_slice).collect();
    let base_level = control::mean(&base_tvpi, &base_controls);
    let paths = base.paths;
    drop(base);
    let shocks = library(scenario);
    let mut effects = Vec::with_capacity(shocks.len());
    for (k, shock) in shocks.iter().enumerate() {
        let mut moves = Vec::with_capacity(2);
        for (d, direction) in Direction::BOTH.into_iter().enumerate() {
            let i = 1 + 2 * k + d;
            let shocked = &variants[i];
            let results = results(i, shocked)?;
            let (tvpi, loss) = (values(&FUND_TVPI, shocked, &results)?, values(&LOSS_PROBABILITY, shocked, &results)?);
            let controls = results.control_columns().map_err(|source| super::engine_error(shocked, source))?;
            let controls: Vec<&[f64]> = controls.iter().map(Vec::as_slice).collect();
            moves.push(Effect {
                direction,
                setting: shock.setting(direction).to_string(),
                mean_tvpi: Summary::of(&tvpi).mean,
                loss_probability: Summary::of(&loss).mean,
                tvpi: controlled_difference(&base_tvpi, &tvpi, &base_controls, &controls),
                loss: controlled_difference(&base_loss, &loss, &base_controls, &controls),
            });
        }
        let [down, up]: [Effect; 2] = moves.try_into().unwrap_or_else(|_| unreachable!("two directions"));
        let size = down.tvpi.estimate.abs().max(up.tvpi.estimate.abs());
        effects.push(ShockEffects { rank: 0, key: shock.key.clone(), label: shock.label.clone(), down, up, size });
    }
    // Largest first; NaN (no effect measurable) last; ties in library order (stable sort).
    effects.sort_by(|a, b| match (a.size.is_nan(), b.size.is_nan()) {
        (false, false) => b.size.total_cmp(&a.size),
        (a_nan, b_nan) => a_nan.cmp(&b_nan),
    });
    for (i, e) in effects.iter_mut().enumerate() {
        e.rank = i + 1;
    }
    Ok(Sensitivity {
        provenance: Provenance::new(&[scenario], seed, paths, 1 + 2 * shocks.len(), METHOD),
        base: BaseRun {
            mean_tvpi: base_level.estimate,
            mean_tvpi_ci95: base_level.ci95,
            loss_probability: probability_below(&base_tvpi, 1.0),
        },
        shocks: effects,
    })
}

/// `scenario` with `shock` applied in `direction` to its raw scenario, validated again.
///
/// # Errors
/// [`AnalysisError::Allocation`] or [`AnalysisError::InvalidChange`].
pub fn shocked(scenario: &Scenario, shock: &Shock, direction: Direction) -> Result<Scenario, AnalysisError> {
    let change = format!("{} {}", shock.key, shock.setting(direction));
    changed(scenario, format!("shock {change}"), |raw| {
        raw.name = Some(format!("{} [{change}]", scenario.name));
        shock.apply(scenario, raw, direction)
    })
}

/// The shocks ordered by their larger effect on P(fund TVPI < 1), largest first (ties keep the
/// order of the mean-TVPI ranking).
pub fn by_loss_effect(s: &Sensitivity) -> Vec<&ShockEffects> {
    let size = |e: &ShockEffects| e.down.loss.estimate.abs().max(e.up.loss.estimate.abs());
    let mut ranked: Vec<&ShockEffects> = s.shocks.iter().collect();
    ranked.sort_by(|a, b| size(b).total_cmp(&size(a)));
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::paired::mean_difference;
    use crate::analysis::shocks::ShockKind;
    use crate::engine::{self, Stopping};

    /// Mean-TVPI difference of `shock` moved `direction` against the base, on `paths` paths.
    fn effect(kind: ShockKind, direction: Direction, paths: u64) -> Difference {
        let base = crate::testing::base();
        let shock = library(&base).into_iter().find(|s| s.kind == kind).unwrap();
        let options = RunOptions { seed: 5, stopping: Stopping::Paths(paths), threads: Some(2) };
        let a = engine::run(&base, &options, &mut |_| {}, None).unwrap();
        let b = engine::run(&shocked(&base, &shock, direction).unwrap(), &options, &mut |_| {}, None).unwrap();
        mean_difference(&FUND_TVPI.values(&a).unwrap(), &FUND_TVPI.values(&b).unwrap())
    }

    #[test]
    fn effects_have_the_signs_economics_says() {
        // Higher exit multiples raise mean TVPI; higher fees and a bigger buy-back concession lower
        // it. On common random numbers a few hundred paths settle the sign.
        let up = effect(ShockKind::ExitMultiples, Direction::Up, 300);
        assert!(up.paired_ci95.0 > 0.0, "higher exit multiples: {up:?}");
        let down = effect(ShockKind::ExitMultiples, Direction::Down, 300);
        assert!(down.paired_ci95.1 < 0.0, "lower exit multiples: {down:?}");
        let fees = effect(ShockKind::Fees, Direction::Up, 300);
        assert!(fees.paired_ci95.1 < 0.0, "higher fees: {fees:?}");
        let concession = effect(ShockKind::Buyback, Direction::Up, 300);
        assert!(concession.paired_ci95.1 < 0.0, "more concession: {concession:?}");
        let no_concession = effect(ShockKind::Buyback, Direction::Down, 300);
        assert!(no_concession.paired_ci95.0 > 0.0, "no concession: {no_concession:?}");
    }

    #[test]
    fn a_small_run_is_ranked() {
        let base = crate::testing::base();
        let options = RunOptions { seed: 5, stopping: Stopping::Paths(60), threads: Some(2) };
        let mut seen = 0;
        let s = run(&base, &options, &mut |done| seen = done).unwrap();
        assert_eq!(seen, 60 * runs(&base) as u64);
        assert_eq!(s.shocks.len(), library(&base).len());
        assert!(s.shocks.windows(2).all(|w| w[0].size >= w[1].size));
        assert!(s.shocks.iter().enumerate().all(|(i, e)| e.rank == i + 1));
    }
}

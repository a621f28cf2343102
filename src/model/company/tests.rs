use super::*;
use crate::model::Shocks;
use crate::rng::{Component, StreamKey};
use crate::scenario::Scenario;
use crate::testing;

fn run(scenario: &Scenario, entry: Stage, n: u64, backer: Backer) -> Vec<(Company, Vec<Round>)> {
    let shocks = Shocks::constant(scenario, 0);
    let env = shocks.environment(scenario);
    let law = ProfileLaw::new(&scenario.profiles[scenario.fields[0].profile]).unwrap();
    let key = StreamKey::new(5, Component::Direct);
    (0..n)
        .map(|i| {
            let mut rng = key.rng(i, 0);
            let mut rounds = Vec::new();
            let post = draw_entry_post_money(&env, &law, entry, 0, 0, &mut rng);
            let c = simulate(&env, &law, Start::deal(0, entry, 0, post), backer, &mut rng, &mut rounds);
            (c, rounds)
        })
        .collect()
}

/// With no shifts, a growth company's resolved outcomes follow p_k / (1 − p_hold): holding is
/// memoryless, so it only delays.
#[test]
fn outcome_shares_match_the_profile_without_shifts() {
    let scenario = testing::quiet();
    let p = scenario.profiles[scenario.fields[0].profile].stages[Stage::Growth.index()].outcome_probabilities;
    let companies = run(&scenario, Stage::Growth, 20_000, Backer::AVERAGE);
    let resolved: Vec<&Company> = companies.iter().map(|(c, _)| c).filter(|c| c.ending != Ending::Alive).collect();
    let n = resolved.len() as f64;
    assert!(n > 15_000.0, "most growth companies resolve within 15 years");
    let ipo = resolved.iter().filter(|c| matches!(c.ending, Ending::Exit { ipo: true, .. })).count() as f64 / n;
    let failed = resolved.iter().filter(|c| matches!(c.ending, Ending::Failed { .. })).count() as f64 / n;
    let expected_ipo = p[0] / (1.0 - p[3]);
    let expected_failed = p[2] / (1.0 - p[3]);
    let se = (0.25 / n).sqrt();
    assert!((ipo - expected_ipo).abs() < 4.0 * se, "IPO share {ipo} vs {expected_ipo}");
    assert!((failed - expected_failed).abs() < 4.0 * se, "failure share {failed} vs {expected_failed}");
}

#[test]
fn skill_raises_the_odds_of_advancing() {
    let scenario = testing::quiet();
    let advanced = |skill: f64| {
        run(&scenario, Stage::Seed, 4000, Backer::new(skill, 0.0))
            .iter()
            .filter(|(c, _)| !c.rounds.is_empty())
            .count()
    };
    assert!(advanced(1.0) > advanced(0.0) + 200, "one logit unit of skill must show");
}

/// With no dispersion, each round's post-money is the previous one × step-up / (1 − equity sold).
#[test]
fn rounds_step_up_and_dilute_exactly() {
    let scenario = testing::edited(&testing::quiet(), |raw| {
        for profile in raw.profiles.values_mut() {
            for stage in profile.stages.all_mut() {
                if let Some(step_up) = &mut stage.step_up {
                    step_up.sigma = 0.0;
                }
                stage.entry_post_money_cny_m.sigma = 0.0;
            }
        }
    });
    let profile = &scenario.profiles[scenario.fields[0].profile];
    let companies = run(&scenario, Stage::Seed, 300, Backer::AVERAGE);
    let mut checked = 0;
    for (company, rounds) in &companies {
        assert_eq!(company.entry_post_money, profile.stages[0].entry_post_money_cny_m.median);
        let mut post = company.entry_post_money;
        for round in rounds {
            let spec = &profile.stages[round.stage.index()];
            let expected = post * spec.step_up.median / (1.0 - spec.equity_sold);
            assert!((round.post_money / expected - 1.0).abs() < 1e-12);
            assert_eq!(round.equity_sold, spec.equity_sold);
            post = round.post_money;
            checked += 1;
        }
        let quarters: Vec<usize> = rounds.iter().map(|r| r.quarter).collect();
        assert!(quarters.windows(2).all(|w| w[0] <= w[1]), "rounds are dated in order");
    }
    assert!(checked > 100);
}

/// A spliced IPO law with its threshold at the body's `1 − tail_share` quantile, as validation
/// computes it.
fn spliced(median: f64, sigma: f64, tail_share: f64, tail_alpha: f64) -> SplicedTailSpec {
    let z = standard_normal().inverse_cdf(1.0 - tail_share);
    SplicedTailSpec { body: LogNormalSpec { median, sigma }, tail_share, tail_alpha, threshold: median * (sigma * z).exp() }
}

#[test]
fn spliced_tail_quantile_and_cdf_are_inverse() {
    let spec = spliced(2.0, 0.7, 0.1, 1.6);
    let mut last = 0.0;
    for i in 1..1000 {
        let u = i as f64 / 1000.0;
        let x = spliced_tail_quantile(&spec, u);
        assert!(x >= last, "quantile must be monotone");
        last = x;
        assert!((spliced_tail_cdf(&spec, x) - u).abs() < 1e-9, "u = {u}");
    }
    // The Pareto tail holds exactly `tail_share` of the mass above the threshold, and its
    // quantile doubles the threshold where (1/2)^alpha of the tail mass remains.
    assert!((1.0 - spliced_tail_cdf(&spec, spec.threshold) - 0.1).abs() < 1e-12);
    let u = 1.0 - 0.1 * 0.5f64.powf(1.6);
    assert!((spliced_tail_quantile(&spec, u) / (2.0 * spec.threshold) - 1.0).abs() < 1e-9);
}

/// The bounded multiple is the spliced law conditioned below its bound: P(X ≤ x | X ≤ max) =
/// F(x) / F(max) for every x below the bound, no draw exceeds it, and an infinite bound changes
/// no draw at all.
#[test]
fn the_truncated_ipo_multiple_is_the_law_conditioned_below_its_bound() {
    let spec = spliced(2.0, 0.35, 0.04, 1.6);
    let max = 40.0;
    let mass = spliced_tail_cdf(&spec, max);
    assert!(mass < 1.0 - 1e-4, "the bound must cut off some tail mass for the test to bite");
    for x in [0.5, 1.0, 2.0, spec.threshold, 10.0, 30.0, 39.9] {
        let u = spliced_tail_cdf(&spec, x) / mass;
        assert!((truncated_spliced_tail_quantile(&spec, u, max) / x - 1.0).abs() < 1e-9, "x = {x}");
    }
    for i in 0..=1000 {
        let u = f64::from(i) / 1000.0;
        assert!(truncated_spliced_tail_quantile(&spec, u, max) <= max);
        let free = spliced_tail_quantile(&spec, u);
        assert_eq!(truncated_spliced_tail_quantile(&spec, u, f64::INFINITY).to_bits(), free.to_bits());
    }
}

/// No exit, listing or trade sale, is worth more than the profile's bound, however rich the
/// draws: a bound below the cheapest growth company caps every exit at it.
#[test]
fn exits_never_exceed_the_profiles_bound() {
    let scenario = testing::edited(&testing::quiet(), |raw| {
        for profile in raw.profiles.values_mut() {
            profile.max_exit_cny_m = 1_000.0;
        }
    });
    let companies = run(&scenario, Stage::Growth, 5_000, Backer::AVERAGE);
    let values: Vec<f64> = companies.iter().filter_map(|(c, _)| match c.ending {
        Ending::Exit { value, .. } => Some(value),
        _ => None,
    }).collect();
    assert!(values.len() > 1_000);
    assert!(values.iter().all(|&v| v <= 1_000.0), "max {:?}", values.iter().copied().fold(0.0, f64::max));
    assert!(values.iter().filter(|&&v| v == 1_000.0).count() > 100, "most exits sit at the bound");
}

#[test]
fn a_closed_ipo_window_delays_listings() {
    let scenario = testing::base();
    let closed = scenario.market.states.iter().position(|s| s.key == "closed").unwrap();
    let open = scenario.market.states.iter().position(|s| s.key == "open").unwrap();
    let law = ProfileLaw::new(&scenario.profiles[scenario.fields[0].profile]).unwrap();
    let ipos_by_quarter_8 = |state: usize| {
        let shocks = Shocks::constant(&scenario, state);
        let env = shocks.environment(&scenario);
        let key = StreamKey::new(5, Component::Direct);
        (0..3000)
            .filter(|&i| {
                let mut rng = key.rng(i, 0);
                let c = simulate(&env, &law, Start::deal(0, Stage::Growth, 0, 1000.0), Backer::AVERAGE, &mut rng, &mut Vec::new());
                matches!(c.ending, Ending::Exit { ipo: true, quarter, .. } if quarter <= 8)
            })
            .count()
    };
    assert!(ipos_by_quarter_8(closed) * 5 < ipos_by_quarter_8(open));
}

/// Over managers (z standard normal), a manager's multipliers on the odds of advancing and on
/// exit values average exactly 1, whatever the dispersion; the median manager is below 1.
#[test]
fn manager_skill_is_mean_centred() {
    let density = |z: f64| (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    for dispersion in [0.0, 0.4, 1.0] {
        // Trapezoid rule on [-10, 10]: exact to ~1e-12 for these smooth, fast-decaying integrands.
        let (n, width) = (20_000, 20.0);
        let h = width / n as f64;
        let (mut odds, mut value) = (0.0, 0.0);
        for i in 0..=n {
            let z = -width / 2.0 + i as f64 * h;
            let weight = if i == 0 || i == n { h / 2.0 } else { h } * density(z);
            let b = Backer::manager(z, dispersion, 0.3);
            odds += weight * b.skill_odds;
            value += weight * b.skill_value;
        }
        assert!((odds - 1.0).abs() < 1e-9, "dispersion {dispersion}: mean odds multiplier {odds}");
        assert!((value - 1.0).abs() < 1e-9, "dispersion {dispersion}: mean value multiplier {value}");
        let median = Backer::manager(0.0, dispersion, 0.3);
        assert!(median.skill_odds <= 1.0 && (dispersion == 0.0) == (median.skill_odds == 1.0));
    }
}

/// The truncated mean is E[X | X ≤ max] = ∫₀^max (F(max) − F(x)) dx / F(max): checked by the
/// trapezoid rule on a log grid of a million points, for bounds in the body and in the tail,
/// without a tail, and for a tail whose untruncated mean is infinite.
#[test]
fn truncated_mean_matches_the_integral_of_the_quantile() {
    let spec = |tail_share: f64, tail_alpha: f64| {
        let body = LogNormalSpec { median: 3.0, sigma: 1.1 };
        let threshold = if tail_share > 0.0 { (3.0f64.ln() + 1.1 * Normal::standard().inverse_cdf(1.0 - tail_share)).exp() } else { f64::INFINITY };
        SplicedTailSpec { body, tail_share, tail_alpha, threshold }
    };
    let points = 1_000_000;
    for (tail_share, tail_alpha) in [(0.1, 1.5), (0.05, 1.0), (0.2, 0.8), (0.0, 2.0)] {
        let spec = spec(tail_share, tail_alpha);
        for max in [2.0, 10.0, 80.0, 5_000.0, 1e6] {
            let mass = spliced_tail_cdf(&spec, max);
            let (low, high) = (1e-9f64.ln(), max.ln());
            let step = (high - low) / points as f64;
            let integrand = |k: usize| {
                let x = (low + step * k as f64).exp();
                (mass - spliced_tail_cdf(&spec, x)) * x
            };
            let area = step * ((1..points).map(integrand).sum::<f64>() + (integrand(0) + integrand(points)) / 2.0);
            let integral = area / mass;
            let mean = truncated_spliced_tail_mean(&spec, max);
            assert!((mean / integral - 1.0).abs() < 2e-3, "tail {tail_share}, alpha {tail_alpha}, max {max}: {mean} vs {integral}");
        }
    }
    let free = spec(0.1, 1.5);
    let untruncated = truncated_spliced_tail_mean(&free, f64::INFINITY);
    assert!(untruncated.is_finite() && untruncated > truncated_spliced_tail_mean(&free, 1e6));
}

/// Across many companies the IPO exit surprise averages zero.
#[test]
fn exit_surprises_average_zero() {
    let scenario = testing::base();
    let companies = run(&scenario, Stage::Growth, 40_000, Backer::manager(0.7, 0.5, 0.6));
    let surprises: Vec<f64> = companies.iter().filter(|(c, _)| matches!(c.ending, Ending::Exit { ipo: true, .. })).map(|(c, _)| c.exit_surprise).collect();
    assert!(surprises.len() > 1_000, "{} IPOs", surprises.len());
    let s = crate::stats::summary::Summary::of(&surprises);
    assert!(s.mean.abs() < 4.0 * s.std_error, "mean surprise {} ± {}", s.mean, s.std_error);
    assert!(companies.iter().filter(|(c, _)| !matches!(c.ending, Ending::Exit { ipo: true, .. })).all(|(c, _)| c.exit_surprise == 0.0));
}

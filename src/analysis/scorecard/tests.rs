use super::*;
use crate::testing::run;

#[test]
fn the_base_scenario_has_a_grade_every_year() {
    let base = crate::testing::base();
    let results = run(&base, 60);
    let report = build(&base, &results).unwrap().unwrap();
    assert_eq!(report.years.len(), indicators::years(&base).len());
    assert_eq!((report.years[0].year, report.years[0].quarter.as_str()), (2024, "2024Q4"));
    let scores = scores(&base, &results).unwrap();
    for (year, path_scores) in report.years.iter().zip(&scores) {
        let total: f64 = year.grade_probabilities.iter().sum();
        assert!((total - 1.0).abs() < 1e-12, "{}: {total}", year.year);
        assert_eq!(year.score.n, 60);
        assert!(path_scores.iter().all(|s| (0.0..=110.0).contains(s)), "{}", year.year);
        assert_eq!(year.movers.len(), base.scorecard.items.len());
        assert!(year.movers.windows(2).all(|w| w[0].points_lost >= w[1].points_lost));
        // What an item costs is at most its weight, and it earns the rest on average.
        for m in &year.movers {
            assert!(m.points_lost >= -1e-9 && m.points_lost <= m.weight + 1e-9, "{m:?}");
        }
    }
    assert_eq!(report.indicators.len(), INDICATORS.len());
}

/// Raising the early-stage share raises the policy score; the paired interval is narrower than
/// an independent one, and a scenario against itself differs by exactly zero.
#[test]
fn compare_shows_score_differences_with_paired_intervals() {
    let base = crate::testing::base();
    let early = crate::testing::edited(&base, |raw| {
        raw.name = Some("early".into());
        for sub in raw.subfunds.values_mut() {
            sub.stage_mix = [("seed".to_string(), 0.5), ("a".to_string(), 0.5)].into_iter().collect();
        }
    });
    let (a, b) = (run(&base, 200), run(&early, 200));
    let same = compare(&[&base, &base], &[&a, &a]).unwrap();
    assert!(same.iter().all(|d| d.difference.estimate == 0.0 && d.difference.paired_half_width == 0.0));
    let diffs = compare(&[&base, &early], &[&a, &b]).unwrap();
    assert_eq!(diffs.len(), indicators::years(&base).len());
    let d = diffs.iter().find(|d| d.year == 2028).unwrap();
    assert_eq!((d.scenario_index, d.scenario.as_str(), d.baseline.as_str()), (1, "early", "base"));
    assert!(d.difference.estimate > 0.0 && d.difference.is_significant(), "{d:?}");
    assert!(d.difference.paired_half_width < d.difference.independent_half_width, "{d:?}");
    assert!((d.mean - d.baseline_mean - d.difference.estimate).abs() < 1e-9);
}

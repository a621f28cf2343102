//! `frontier.csv`: one row per allocation of the sweep.

use super::csv_number;
use crate::analysis::frontier::Frontier;

/// The points as CSV: a header, one row per point (the provenance is in `frontier.json`).
pub fn to_csv(f: &Frontier) -> String {
    let mut out = String::from("label,reference,direct_share,industrialising,prototype,exploration,mean_tvpi,tvpi_std_error,p_tvpi_below_1,p_ci95_low,p_ci95_high,es5_tvpi,peak_need_cny_m,efficient,efficient_es5,efficient_at_direct_share\n");
    for q in &f.points {
        let fields = [
            q.label.clone(),
            q.reference.to_string(),
            csv_number(q.direct_share),
            csv_number(q.tiers[0]),
            csv_number(q.tiers[1]),
            csv_number(q.tiers[2]),
            csv_number(q.mean_tvpi),
            csv_number(q.tvpi_std_error),
            csv_number(q.loss_probability),
            csv_number(q.loss_ci95.0),
            csv_number(q.loss_ci95.1),
            csv_number(q.es5),
            csv_number(q.peak_need_cny_m),
            q.efficient.to_string(),
            q.efficient_es5.to_string(),
            q.efficient_at_share.to_string(),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::frontier::run;
    use crate::engine::{RunOptions, Stopping};

    #[test]
    fn frontier_points_are_reproducible() {
        let base = crate::testing::base();
        let run_with = |threads| {
            let options = RunOptions { seed: 3, stopping: Stopping::Paths(40), threads: Some(threads) };
            to_csv(&run(&base, &[0.1, 0.4], 2, &options, &mut |_| {}).unwrap())
        };
        let first = run_with(1);
        assert_eq!(first, run_with(2), "same seed must give an identical frontier.csv");
        let lines: Vec<&str> = first.lines().collect();
        assert_eq!(lines.len(), 1 + 1 + 2 * 6, "header, reference and 2 × 6 allocations");
        assert!(lines[0].starts_with("label,reference,"), "{}", lines[0]);
        assert!(lines[1].starts_with("as is,true,0.2,"), "{}", lines[1]);
        assert!(lines.iter().skip(1).any(|l| l.ends_with(",true,true") || l.contains(",true,false")), "some point is efficient");
        // The ends of the direct share: no direct sleeve, no sub-funds.
        let ends = run(&base, &[0.0, 1.0], 1, &RunOptions { seed: 3, stopping: Stopping::Paths(20), threads: Some(2) }, &mut |_| {}).unwrap();
        assert!(ends.points.iter().all(|p| p.mean_tvpi.is_finite()), "{:?}", ends.points);
    }
}

//! `sensitivity.csv`: the base run, then one row per shock and direction in rank order.

use super::csv_number;
use crate::analysis::sensitivity::Sensitivity;
use crate::analysis::shocks::Direction;

/// The effects as CSV: a header, the base run (rank 0), then one row per shock and direction in
/// rank order (the provenance is in `sensitivity.json`).
pub fn to_csv(s: &Sensitivity) -> String {
    let scenario = s.provenance.scenarios.first().map_or("", |x| x.name.as_str());
    let mut out = String::new();
    out.push_str(
        "rank,shock,label,direction,setting,mean_tvpi,d_mean_tvpi,d_mean_tvpi_ci95_low,d_mean_tvpi_ci95_high,\
         d_mean_tvpi_independent_half_width,p_tvpi_below_1,d_p_tvpi_below_1,d_p_ci95_low,d_p_ci95_high,d_p_independent_half_width\n",
    );
    let n = csv_number;
    let b = &s.base;
    out.push_str(&format!("0,base,\"{scenario} as is\",,,{},,,,,{},,,,\n", n(b.mean_tvpi), n(b.loss_probability.estimate)));
    for e in &s.shocks {
        for m in [&e.down, &e.up] {
            let direction = match m.direction {
                Direction::Down => "down",
                Direction::Up => "up",
            };
            let row = [
                e.rank.to_string(),
                e.key.clone(),
                format!("\"{}\"", e.label.replace('"', "\"\"")),
                direction.to_string(),
                m.setting.clone(),
                n(m.mean_tvpi),
                n(m.tvpi.estimate),
                n(m.tvpi.paired_ci95.0),
                n(m.tvpi.paired_ci95.1),
                n(m.tvpi.independent_half_width),
                n(m.loss_probability),
                n(m.loss.estimate),
                n(m.loss.paired_ci95.0),
                n(m.loss.paired_ci95.1),
                n(m.loss.independent_half_width),
            ];
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    out
}


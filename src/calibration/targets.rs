//! The card's targets, in one table ([`TARGETS`]): for each row of the card that has one, the
//! published figure, its source, the target's own tolerance, and whether the base scenario
//! claims to meet it.
//!
//! **Passing.** A row passes when the model is within the target's own tolerance *plus*
//! [`MONTE_CARLO_Z`] standard errors of the model's estimate: `|model − value| ≤ tolerance +
//! 2 SE` for a figure (`Near`), `low − 2 SE ≤ model ≤ high + 2 SE` for a published range
//! (`Between`, whose width is its own tolerance), `model ≥ bound − 2 SE` or `≤ bound + 2 SE` for
//! a bound. The card prints the whole allowance (own tolerance plus Monte Carlo) as the row's
//! tolerance.
//!
//! **Own tolerances** (how far a faithful model of *this* fund may honestly sit from a figure
//! measured on other companies and funds):
//! - Correlation Ventures' shares are rounded to whole percent and come from US financings of
//!   2004–2013: ±5 pp on the two large buckets (65%, 25%), ±2 pp on 5–10× (6%), ±1 pp on 10–20×
//!   (about 2.5%) and ±0.3 pp on the two buckets of about 0.5%; the dollar-weighted multiple of
//!   about 2.2× ±0.4 (about 1.8× for rounds with a corporate investor: the spread between kinds
//!   of investor). By invested dollars, the share below 1× was 51% in the 2019 update and 37% in
//!   the 2023 one: the range between them.
//! - A stake is its entry financing plus follow-ons, so the per-position buckets are held to the
//!   per-financing figures as a reference, with the same tolerances; Horsley Bridge's
//!   investments (1985–2014, in Dixon 2015, "Performance data and the Babe Ruth effect in venture
//!   capital", a16z): about 6% returned 10× or more (±2 pp) and gave about 60% of the total
//!   returned (±10 pp).
//! - IT桔子 (2022): China's angel → next round about 45% (±8 pp: one source, one market; US
//!   cohorts graduate more); seed to IPO about 2% of angel-backed companies (±1 pp; read at 15
//!   years from seed); under 1% reach a USD 1 bn valuation (a bound).
//! - Cambridge Associates US VC benchmarks, mature vintages: median net TVPI 1.5–2.0×, top
//!   quartile above 2.5×, a quarter to a third of funds below 1× (the published ranges). A direct
//!   sleeve run by a new municipal team is held to at most the private-VC median (Brander, Du &
//!   Hellmann 2015: government-run venture capital underperforms private venture capital).
//! - PitchBook: funds of funds' horizon IRRs about 10–12% a year over 10–15 years (11% ±2 pp:
//!   a pooled benchmark's range, not one fund's median).
//! - 清科: RMB funds of the post-2015 vintages mostly at DPI ≤ 0.5 after 7+ years: the median
//!   DPI 7.5 years after the vintage is at most 0.5.
//!
//! `claimed` marks the targets the base scenario meets; a test holds base to every claimed row.

use serde::Serialize;

/// Standard errors of the model's estimate allowed beyond the target's own tolerance.
pub const MONTE_CARLO_Z: f64 = 2.0;

/// What a target asks of the model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Goal {
    /// `value`, give or take `tolerance` (the target's own uncertainty).
    Near { value: f64, tolerance: f64 },
    /// Inside a published range.
    Between { low: f64, high: f64 },
    AtLeast { bound: f64 },
    AtMost { bound: f64 },
}

impl Goal {
    /// The whole allowance for a model estimate with standard error `std_error`: the target's
    /// own tolerance (for [`Goal::Near`]) plus [`MONTE_CARLO_Z`] standard errors.
    pub fn tolerance(&self, std_error: f64) -> f64 {
        let monte_carlo = if std_error.is_finite() { MONTE_CARLO_Z * std_error } else { 0.0 };
        match *self {
            Goal::Near { tolerance, .. } => tolerance + monte_carlo,
            _ => monte_carlo,
        }
    }

    /// Whether `model` (with standard error `std_error`) meets the goal.
    pub fn met(&self, model: f64, std_error: f64) -> bool {
        let allowance = self.tolerance(std_error);
        match *self {
            Goal::Near { value, .. } => (model - value).abs() <= allowance,
            Goal::Between { low, high } => model >= low - allowance && model <= high + allowance,
            Goal::AtLeast { bound } => model >= bound - allowance,
            Goal::AtMost { bound } => model <= bound + allowance,
        }
    }
}

/// One row's target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// The row's key: the path of the model's value in the card's JSON.
    pub key: &'static str,
    pub goal: Goal,
    pub source: &'static str,
    /// Whether the base scenario claims to meet it (a test holds it to that).
    pub claimed: bool,
}

const CV: &str = "Correlation Ventures 2014";
const CV_REFERENCE: &str = "Correlation Ventures 2014, per financing";
const HORSLEY: &str = "Horsley Bridge 1985-2014 (Dixon 2015)";
const ITJUZI: &str = "IT桔子 2022";
const CAMBRIDGE: &str = "Cambridge Associates US VC";
const QINGKE: &str = "清科: RMB funds, 7+ years";

const fn near(key: &'static str, value: f64, tolerance: f64, source: &'static str, claimed: bool) -> Target {
    Target { key, goal: Goal::Near { value, tolerance }, source, claimed }
}

const fn goal(key: &'static str, goal: Goal, source: &'static str, claimed: bool) -> Target {
    Target { key, goal, source, claimed }
}

/// Every target of the card.
pub const TARGETS: &[Target] = &[
    near("financing_multiples.share[0]", 0.65, 0.05, CV, true),
    near("financing_multiples.share[1]", 0.25, 0.05, CV, true),
    near("financing_multiples.share[2]", 0.06, 0.02, CV, true),
    near("financing_multiples.share[3]", 0.025, 0.01, CV, true),
    near("financing_multiples.share[4]", 0.005, 0.003, CV, false),
    near("financing_multiples.share[5]", 0.005, 0.003, CV, false),
    near("financing_multiples.dollar_weighted_multiple", 2.2, 0.4, CV, true),
    goal("financing_multiples.dollar_share_below_1", Goal::Between { low: 0.37, high: 0.51 }, "Correlation Ventures 2019, 2023", false),
    near("position_multiples.direct.share[0]", 0.65, 0.05, CV_REFERENCE, false),
    near("position_multiples.direct.share[1]", 0.25, 0.05, CV_REFERENCE, false),
    near("position_multiples.direct.share[2]", 0.06, 0.02, CV_REFERENCE, true),
    near("position_multiples.direct.share[3]", 0.025, 0.01, CV_REFERENCE, true),
    near("position_multiples.direct.share[4]", 0.005, 0.003, CV_REFERENCE, false),
    near("position_multiples.direct.share[5]", 0.005, 0.003, CV_REFERENCE, false),
    near("position_multiples.subfund.share[0]", 0.65, 0.05, CV_REFERENCE, true),
    near("position_multiples.subfund.share[1]", 0.25, 0.05, CV_REFERENCE, true),
    near("position_multiples.subfund.share[2]", 0.06, 0.02, CV_REFERENCE, true),
    near("position_multiples.subfund.share[3]", 0.025, 0.01, CV_REFERENCE, false),
    near("position_multiples.subfund.share[4]", 0.005, 0.003, CV_REFERENCE, true),
    near("position_multiples.subfund.share[5]", 0.005, 0.003, CV_REFERENCE, false),
    near("funnel.seed_to_a", 0.45, 0.08, ITJUZI, true),
    near("funnel.outcomes_15y.ipo", 0.02, 0.01, ITJUZI, true),
    goal("funnel.outcomes_15y.valuation_1bn_usd", Goal::AtMost { bound: 0.01 }, ITJUZI, false),
    near("concentration.direct.share_positions_ge_10x", 0.06, 0.02, HORSLEY, false),
    near("concentration.direct.share_value_from_ge_10x", 0.60, 0.10, HORSLEY, false),
    near("concentration.subfund.share_positions_ge_10x", 0.06, 0.02, HORSLEY, false),
    near("concentration.subfund.share_value_from_ge_10x", 0.60, 0.10, HORSLEY, false),
    near("concentration.financing.share_positions_ge_10x", 0.04, 0.01, CV, true),
    goal("subfund_net.median", Goal::Between { low: 1.5, high: 2.0 }, CAMBRIDGE, false),
    goal("subfund_net.p75", Goal::AtLeast { bound: 2.5 }, CAMBRIDGE, false),
    goal("subfund_net.p_below_1", Goal::Between { low: 0.25, high: 1.0 / 3.0 }, CAMBRIDGE, false),
    goal("subfund_net.median_dpi_7_5y", Goal::AtMost { bound: 0.5 }, QINGKE, true),
    goal("direct_sleeve.median_tvpi", Goal::AtMost { bound: 2.0 }, "Cambridge Associates; Brander et al. 2015", true),
    near("subfund_sleeve.median_irr", 0.11, 0.02, "PitchBook funds of funds", false),
    goal("fund.median_dpi_7_5y", Goal::AtMost { bound: 0.5 }, QINGKE, true),
];

/// The target of the row `key`, if it has one.
pub fn target(key: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.key == key)
}

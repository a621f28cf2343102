//! The city's funding plan (`[funding]`, docs/funding.md): when money reaches the fund from the
//! municipal budget and special bonds, what happens to the distributions the fund receives, the
//! rate idle cash earns on deposit, and what a plan that cannot pay every call means.
//!
//! The file form ([`RawFunding`]) is checked once into a [`FundingPlan`] that the cash account
//! (`src/model/cash.rs`) reads without re-checking: appropriations are positive, dated within the
//! fund's life and sorted by quarter; rates are converted to quarterly ones; a plan whose
//! appropriations fall short of the fund's size is refused unless the scenario asks for the
//! shortfall to be reported.

use serde::{Deserialize, Serialize};

use super::FundSpec;
use super::error::{Allowed, Bound, Checker, ScenarioError};
use crate::calendar::{Calendar, Quarter, quarterly_rate};

/// Highest deposit rate or cost of funds a scenario may state (a year): far above any Chinese
/// deposit or government-bond rate of the last thirty years, so a percentage typed as a whole
/// number (`1` for 1%) is caught.
const MAX_RATE_PER_YEAR: f64 = 0.2;

/// `[funding]` as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFunding {
    pub appropriations: Vec<RawAppropriation>,
    /// `"return"`, or `"recycle until 2030Q3"` (the last quarter whose distributions stay in
    /// the fund): one string, so a scenario that extends another replaces the rule whole.
    pub distributions: String,
    pub deposit_rate: f64,
    /// Optional: what a yuan of the city's money costs a year (default: the deposit rate, so
    /// idle cash costs nothing beyond what it earns).
    #[serde(default)]
    pub cost_of_funds_rate: Option<f64>,
    pub on_shortfall: ShortfallRule,
}

/// One tranche of money from the city, as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAppropriation {
    pub quarter: String,
    pub amount_cny_m: f64,
    pub source: Source,
}

/// Where an appropriation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The municipal budget (财政预算).
    Budget,
    /// Proceeds of Shanghai's special bonds (专项债).
    SpecialBond,
}

impl Source {
    pub fn key(self) -> &'static str {
        match self {
            Source::Budget => "budget",
            Source::SpecialBond => "special_bond",
        }
    }
}

/// What the fund does with the distributions it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistributionRule {
    /// Paid back to the budget in the quarter received.
    Return,
    /// Kept in the fund's account to pay later calls while received in quarters up to this
    /// index; returned after it.
    RecycleUntil(usize),
}

/// What a quarter whose calls exceed the cash in the account means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortfallRule {
    /// The plan must total at least the fund's size; a shortfall on a path is still reported.
    Refuse,
    /// Any plan is accepted: shortfalls are the point of the scenario and are reported.
    Report,
}

/// One tranche of money from the city, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Appropriation {
    /// Quarter index in the calendar, within the fund's life.
    pub quarter: usize,
    pub amount_cny_m: f64,
    pub source: Source,
}

/// A checked funding plan.
#[derive(Debug, Clone, PartialEq)]
pub struct FundingPlan {
    /// Sorted by quarter (the file's order within a quarter).
    pub appropriations: Vec<Appropriation>,
    pub distributions: DistributionRule,
    /// Interest a quarter on the opening balance: `(1 + r)^(1/4) − 1`.
    pub deposit_rate_per_quarter: f64,
    /// The annual rates as written, for reports.
    pub deposit_rate: f64,
    pub cost_of_funds_rate: f64,
    pub on_shortfall: ShortfallRule,
}

impl FundingPlan {
    /// Total appropriated, CNY m.
    pub fn total_cny_m(&self) -> f64 {
        self.appropriations.iter().map(|a| a.amount_cny_m).sum()
    }

    /// Appropriations by quarter `0..=horizon`.
    pub fn by_quarter(&self, horizon: usize) -> Vec<f64> {
        let mut out = vec![0.0; horizon + 1];
        for a in &self.appropriations {
            out[a.quarter] += a.amount_cny_m;
        }
        out
    }

    /// Whether a distribution received in quarter `t` stays in the fund.
    pub fn keeps_distribution(&self, t: usize) -> bool {
        matches!(self.distributions, DistributionRule::RecycleUntil(last) if t <= last)
    }
}

/// Checks `[funding]` against the fund's size and life.
///
/// # Errors
/// [`ScenarioError::Invalid`] naming `funding.…` and what is allowed.
pub(crate) fn validate(c: &Checker, raw: &RawFunding, fund: &FundSpec, calendar: &Calendar) -> Result<FundingPlan, ScenarioError> {
    let life_end = calendar.quarter(fund.life_quarters - 1);
    let within_life = |field: &str, label: &str| -> Result<usize, ScenarioError> {
        let q: Quarter = label.parse().map_err(|e: crate::calendar::QuarterParseError| c.invalid(field, e.to_string()))?;
        let index = calendar.start.quarters_until(q);
        if index < 0 || index >= fund.life_quarters as i64 {
            return Err(c.invalid(field, format!("must lie within the fund's life, {} to {life_end} (fund.life_years), got {q}", calendar.start)));
        }
        Ok(index as usize)
    };
    if raw.appropriations.is_empty() {
        return Err(c.invalid("funding.appropriations", "at least one appropriation { quarter, amount_cny_m, source } is required"));
    }
    let mut appropriations = Vec::with_capacity(raw.appropriations.len());
    for (k, a) in raw.appropriations.iter().enumerate() {
        let field = format!("funding.appropriations[{k}]");
        appropriations.push(Appropriation {
            quarter: within_life(&format!("{field}.quarter"), &a.quarter)?,
            amount_cny_m: c.number(format!("{field}.amount_cny_m"), a.amount_cny_m, Allowed::POSITIVE)?,
            source: a.source,
        });
    }
    appropriations.sort_by_key(|a| a.quarter);
    let distributions = match raw.distributions.split_whitespace().collect::<Vec<_>>()[..] {
        ["return"] => DistributionRule::Return,
        ["recycle", "until", quarter] => DistributionRule::RecycleUntil(within_life("funding.distributions", quarter)?),
        _ => {
            return Err(c.invalid(
                "funding.distributions",
                format!("must be \"return\" or \"recycle until <quarter>\" (e.g. \"recycle until 2030Q3\"), got {:?}", raw.distributions),
            ));
        }
    };
    let rate = Allowed { lo: Bound::Closed(0.0), hi: Bound::Closed(MAX_RATE_PER_YEAR) };
    let deposit_rate = c.number("funding.deposit_rate", raw.deposit_rate, rate)?;
    let cost_of_funds_rate = raw.cost_of_funds_rate.map_or(Ok(deposit_rate), |r| c.number("funding.cost_of_funds_rate", r, rate))?;
    let plan = FundingPlan {
        appropriations,
        distributions,
        deposit_rate_per_quarter: quarterly_rate(deposit_rate),
        deposit_rate,
        cost_of_funds_rate,
        on_shortfall: raw.on_shortfall,
    };
    let total = plan.total_cny_m();
    if raw.on_shortfall == ShortfallRule::Refuse && total < fund.size_cny_m {
        return Err(c.invalid(
            "funding.appropriations",
            format!(
                "total CNY {total} m, less than fund.size_cny_m = {}: the plan cannot fund the fund's commitments; \
                 add appropriations, or set funding.on_shortfall = \"report\" (allowed: \"refuse\", \"report\") to simulate \
                 the shortfall",
                fund.size_cny_m
            ),
        ));
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scenario::load_str;

    fn load(funding: &str) -> Result<crate::scenario::Scenario, String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/funding_case.toml");
        load_str(&format!("extends = \"base.toml\"\n[funding]\n{funding}\n"), &path).map_err(|e| e.to_string())
    }

    #[track_caller]
    fn assert_refused(funding: &str, needles: &[&str]) {
        let message = load(funding).err().unwrap_or_else(|| panic!("accepted: {funding}"));
        for needle in ["funding_case.toml", "funding."].iter().chain(needles) {
            assert!(message.contains(needle), "{needle:?} not in: {message}");
        }
    }

    #[test]
    fn base_plan_is_the_announced_fifteen_billion() {
        let s = crate::testing::base();
        let plan = s.funding.as_ref().expect("base states a funding plan");
        assert_eq!(plan.total_cny_m(), 15_000.0);
        let paid_by_2025q3: f64 = plan.appropriations.iter().filter(|a| a.quarter <= 4).map(|a| a.amount_cny_m).sum();
        assert_eq!(paid_by_2025q3, 8_000.0, "CNY 8 bn paid in by 2025-09");
        let bonds: f64 = plan.appropriations.iter().filter(|a| a.source == Source::SpecialBond).map(|a| a.amount_cny_m).sum();
        assert_eq!(bonds, 5_000.0);
        assert_eq!(plan.distributions, DistributionRule::RecycleUntil(24), "2030Q3 is quarter 24 from 2024Q3");
        assert!(plan.keeps_distribution(24) && !plan.keeps_distribution(25));
        assert!((plan.deposit_rate_per_quarter - (1.01f64.powf(0.25) - 1.0)).abs() < 1e-15);
        assert_eq!(plan.by_quarter(s.horizon())[8], 4_500.0, "two tranches in 2026Q3");
    }

    #[test]
    fn a_plan_short_of_the_fund_is_refused_unless_its_shortfall_is_the_point() {
        let short = "appropriations = [{ quarter = \"2025Q1\", amount_cny_m = 9000.0, source = \"budget\" }]";
        assert_refused(short, &["funding.appropriations", "less than fund.size_cny_m = 15000", "\"report\""]);
        let reported = load(&format!("{short}\non_shortfall = \"report\"\ndistributions = \"return\"")).unwrap();
        let plan = reported.funding.clone().unwrap();
        assert_eq!((plan.total_cny_m(), plan.distributions), (9000.0, DistributionRule::Return));
        assert!(!plan.keeps_distribution(0));
    }

    #[test]
    fn bad_amounts_dates_rates_and_words_are_refused_naming_the_field() {
        let one = |quarter: &str, amount: &str, source: &str| {
            format!("appropriations = [{{ quarter = \"{quarter}\", amount_cny_m = {amount}, source = \"{source}\" }}]\non_shortfall = \"report\"")
        };
        assert_refused(&one("2025Q1", "-5.0", "budget"), &["appropriations[0].amount_cny_m", "must be > 0"]);
        assert_refused(&one("2025Q1", "0.0", "budget"), &["appropriations[0].amount_cny_m", "must be > 0"]);
        assert_refused(&one("2024Q2", "5.0", "budget"), &["appropriations[0].quarter", "within the fund's life, 2024Q3 to 2042Q2"]);
        assert_refused(&one("2042Q3", "5.0", "budget"), &["within the fund's life"]);
        assert_refused(&one("2025Q5", "5.0", "budget"), &["appropriations[0].quarter", "2025Q4"]);
        assert_refused(&one("2025Q1", "5.0", "bank"), &["appropriations[0].source", "`budget` or `special_bond`"]);
        assert_refused("appropriations = []", &["at least one appropriation"]);
        assert_refused("distributions = \"recycle\"", &["funding.distributions", "\"return\" or \"recycle until <quarter>\""]);
        assert_refused("distributions = \"recycle until 2050Q1\"", &["funding.distributions", "within the fund's life"]);
        assert_refused("deposit_rate = 1.0", &["funding.deposit_rate", "in [0, 0.2]"]);
        assert_refused("cost_of_funds_rate = -0.01", &["funding.cost_of_funds_rate", "in [0, 0.2]"]);
        assert_refused("on_shortfall = \"ignore\"", &["funding.on_shortfall", "`refuse` or `report`"]);
    }

    #[test]
    fn appropriations_are_sorted_by_quarter() {
        let text = "appropriations = [{ quarter = \"2026Q1\", amount_cny_m = 9000.0, source = \"budget\" }, \
                    { quarter = \"2024Q4\", amount_cny_m = 6000.0, source = \"special_bond\" }]";
        let plan = load(text).unwrap().funding.clone().unwrap();
        assert_eq!(plan.appropriations.iter().map(|a| a.quarter).collect::<Vec<_>>(), [1, 6]);
    }
}

//! What the fund's cash account says on one path (docs/funding.md): the cash paid out each
//! calendar year, the shortfalls, the funding a path needs by each year, and the idle cash.
//!
//! The values are a second per-path row beside [`super::path`]'s, kept only for a scenario with
//! a funding plan, so that a scenario's existing outputs stay as they were. Calendar years are
//! the city's budget years: the first and last are partial when the calendar starts or ends
//! within a year.

use crate::calendar::Calendar;
use crate::model::cash::CashAccount;
use crate::scenario::Scenario;

/// Per-path liquidity values that are not per year, in row order after the three yearly blocks.
pub const LIFE: [&str; 10] = [
    "calls_total_cny_m",
    "shortfall_total_cny_m",
    "any_shortfall",
    "first_shortfall_quarter",
    "idle_mean_cny_m",
    "idle_peak_cny_m",
    "deposit_income_cny_m",
    "idle_cost_cny_m",
    "returned_cny_m",
    "left_over_cny_m",
];

/// The quarterly series kept as fans: the account's closing balance and the shortfall so far.
pub const CASH_SERIES: [(&str, &str); 2] = [("cash_balance_cny_m", "Fund cash balance"), ("cash_shortfall_cumulative_cny_m", "Cumulative shortfall")];

/// The layout of a scenario's liquidity rows: for each calendar year the cash paid out, the
/// shortfall, and the funding needed by the year's end; then [`LIFE`].
#[derive(Debug, Clone, PartialEq)]
pub struct LiquiditySchema {
    /// Calendar years covered, first to last.
    pub years: Vec<i32>,
    /// Calendar year index (into `years`) of each quarter `0..=horizon`.
    year_of_quarter: Vec<usize>,
    /// Quarters of the fund's life (idle cash is averaged over them).
    life_quarters: usize,
    /// Cost of a yuan idle for a quarter: (cost of funds − deposit rate) / 4.
    idle_cost_per_quarter: f64,
}

impl LiquiditySchema {
    /// The layout for `scenario`; `None` without a funding plan.
    pub fn new(scenario: &Scenario) -> Option<LiquiditySchema> {
        let plan = scenario.funding.as_ref()?;
        let calendar: &Calendar = &scenario.calendar;
        let first = calendar.start.year;
        let year_of_quarter: Vec<usize> = (0..=scenario.horizon()).map(|t| (calendar.quarter(t).year - first) as usize).collect();
        let last = calendar.quarter(scenario.horizon()).year;
        Some(LiquiditySchema {
            years: (first..=last).collect(),
            year_of_quarter,
            life_quarters: scenario.fund.life_quarters,
            idle_cost_per_quarter: (plan.cost_of_funds_rate - plan.deposit_rate) / 4.0,
        })
    }

    /// Values in a row.
    pub fn len(&self) -> usize {
        3 * self.years.len() + LIFE.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// Column of year `k`'s payments; its shortfall and funding need follow a block later each.
    pub fn calls(&self, k: usize) -> usize {
        k
    }

    pub fn shortfall(&self, k: usize) -> usize {
        self.years.len() + k
    }

    pub fn need(&self, k: usize) -> usize {
        2 * self.years.len() + k
    }

    /// Column of the life value `key` of [`LIFE`].
    pub fn life(&self, key: &str) -> Option<usize> {
        LIFE.iter().position(|&k| k == key).map(|i| 3 * self.years.len() + i)
    }

    /// Calendar year index of quarter `t`.
    pub fn year_of(&self, t: usize) -> usize {
        self.year_of_quarter[t]
    }

    /// Fills `row` with `account`'s values in this layout.
    ///
    /// The funding need by year `y` is the most the path's payments, less the distributions the
    /// fund keeps, have added up to by the end of `y` (before deposit interest): an appropriation
    /// schedule whose running total reaches it by the start of each year pays every call.
    pub fn compute(&self, account: &CashAccount, row: &mut Vec<f64>) {
        let years = self.years.len();
        row.clear();
        row.resize(self.len(), 0.0);
        let (mut net, mut need) = (0.0_f64, 0.0_f64);
        let mut first_shortfall = None;
        for t in 0..account.len() {
            let y = self.year_of_quarter[t];
            row[y] += account.paid(t);
            row[years + y] += account.shortfall[t];
            net += account.paid(t) - account.kept(t);
            need = need.max(net);
            row[2 * years + y] = need;
            if account.shortfall[t] > 0.0 && first_shortfall.is_none() {
                first_shortfall = Some(t);
            }
        }
        let life = self.life_quarters.min(account.len());
        let idle = &account.closing[..life];
        let total = |values: &[f64]| values.iter().sum::<f64>();
        let shortfall = total(&account.shortfall);
        let calls = total(&row[..years]);
        row[3 * years..].copy_from_slice(&[
            calls,
            shortfall,
            f64::from(u8::from(shortfall > 0.0)),
            first_shortfall.map_or(f64::NAN, |t| t as f64),
            if life > 0 { total(idle) / life as f64 } else { 0.0 },
            idle.iter().copied().fold(0.0, f64::max),
            total(&account.interest),
            total(idle) * self.idle_cost_per_quarter,
            total(&account.returned),
            account.closing.last().copied().unwrap_or(0.0),
        ]);
    }
}

/// Fills `series` with the account's [`CASH_SERIES`].
pub fn series(account: &CashAccount, series: &mut [Vec<f64>; CASH_SERIES.len()]) {
    series[0].clone_from(&account.closing);
    let mut so_far = 0.0;
    series[1].clear();
    series[1].extend(account.shortfall.iter().map(|s| {
        so_far += s;
        so_far
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::funding::{DistributionRule, FundingPlan, RawAppropriation, RawFunding, ShortfallRule, Source};

    /// A two-year calendar from 2024Q3 (quarters 0–8: 2024 has 2, 2025 4, 2026 3) and an
    /// account worked by hand.
    #[test]
    fn yearly_values_of_an_account_worked_by_hand() {
        // A direct-only fund of two years (the account takes its flows from below, so the
        // plan's appropriation is not used). The account keeps distributions up to quarter 8, the
        // horizon: past the fund's life, where a file may not set the recycling rule's end, so
        // the account is kept on a copy of the plan with that rule.
        let scenario = crate::testing::edited(&crate::testing::base(), |raw| {
            raw.calendar.horizon_years = 2;
            raw.fund.life_years = 2;
            raw.fund.direct_share = 1.0;
            raw.subfunds.clear();
            raw.direct.deploy_years = 1.0;
            let amount_cny_m = raw.fund.size_cny_m;
            raw.funding = Some(RawFunding {
                appropriations: vec![RawAppropriation { quarter: "2024Q3".into(), amount_cny_m, source: Source::Budget }],
                distributions: "recycle until 2026Q2".into(),
                deposit_rate: 0.0,
                cost_of_funds_rate: Some(0.04),
                on_shortfall: ShortfallRule::Report,
            });
        });
        assert_eq!((scenario.horizon(), scenario.fund.life_quarters), (8, 8));
        let plan = FundingPlan { distributions: DistributionRule::RecycleUntil(8), ..scenario.funding.clone().unwrap() };
        assert_eq!((plan.deposit_rate_per_quarter, plan.deposit_rate, plan.cost_of_funds_rate), (0.0, 0.0, 0.04));
        let schema = LiquiditySchema::new(&scenario).unwrap();
        assert_eq!(schema.years, [2024, 2025, 2026]);
        let mut account = CashAccount::default();
        let appropriated = [100.0, 0.0, 0.0, 0.0, 0.0, 0.0, 50.0, 0.0, 0.0];
        let calls = [30.0, 50.0, 60.0, 10.0, 0.0, 0.0, 20.0, 0.0, 0.0];
        let distributions = [0.0, 0.0, 40.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0];
        let zeros = [0.0; 9];
        let flows = crate::model::cash::Flows {
            appropriated: &appropriated,
            subfund_calls: &calls,
            direct: &zeros,
            running_costs: &zeros,
            distributions: &distributions,
        };
        account.keep(&plan, flows);
        // Balances: 70, 20, 0 (20 + 40 − 60), 0 (short 10), 0, 0, 30, 30, 35 (the 5 kept).
        assert_eq!(account.closing, [70.0, 20.0, 0.0, 0.0, 0.0, 0.0, 30.0, 30.0, 35.0]);
        let mut row = Vec::new();
        schema.compute(&account, &mut row);
        assert_eq!(&row[0..3], [80.0, 70.0, 20.0], "paid by year");
        assert_eq!(&row[3..6], [0.0, 10.0, 0.0], "short by year");
        // Net need: 30, 80, 100, 110, 110, 110, 130, 130, 125 → running max by year end.
        assert_eq!(&row[6..9], [80.0, 110.0, 130.0], "need by year end");
        let life = |key| row[schema.life(key).unwrap()];
        assert_eq!((life("calls_total_cny_m"), life("shortfall_total_cny_m"), life("any_shortfall")), (170.0, 10.0, 1.0));
        assert_eq!(life("first_shortfall_quarter"), 3.0);
        assert_eq!(life("idle_mean_cny_m"), (70.0 + 20.0 + 30.0 + 30.0) / 8.0, "over the life's 8 quarters");
        assert_eq!(life("idle_peak_cny_m"), 70.0);
        assert!((life("idle_cost_cny_m") - 150.0 * 0.01).abs() < 1e-12);
        assert_eq!((life("returned_cny_m"), life("left_over_cny_m")), (0.0, 35.0));
        let mut fans: [Vec<f64>; 2] = Default::default();
        series(&account, &mut fans);
        assert_eq!(fans[1], [0.0, 0.0, 0.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0]);
    }
}

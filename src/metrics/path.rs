//! The numbers kept from each path (docs/model.md §6): one row of headline metrics per path, and a
//! few quarterly series that feed the fans.
//!
//! The row's columns are fixed per scenario by a [`Schema`] (the fund, each sleeve, each tier,
//! field and sub-fund, the policy outcomes), so the engine stores a path as a plain `Vec<f64>`
//! and every output names its columns from the same place. A value that does not exist on a path
//! — an IRR of flows that never change sign, a payback that never comes — is `NaN`, counted as
//! missing by the statistics, never a fake number.
//!
//! Value by field and tier is the fund's look-through share of what companies returned (proceeds
//! plus final NAV) over what was paid into them, before fees, carry and concessions: it answers
//! "where did the value come from", not "what did the fund net".

use super::irr::{Irr, irr};
use crate::model::flows::CashFlows;
use crate::model::fund::PathState;
use crate::scenario::{Scenario, Tier};

/// Unit of a metric, for reports and charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A multiple of money in (TVPI, DPI...).
    Multiple,
    /// An annual rate (IRR).
    Rate,
    /// Millions of CNY.
    CnyM,
    /// A quarter index from the first close.
    Quarter,
    Count,
    /// A share between 0 and 1.
    Share,
}

/// Where a metric belongs in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Fund,
    Sleeve,
    Tier,
    Field,
    SubFund,
    Policy,
}

/// One column of the per-path row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MetricDef {
    pub key: String,
    pub label: String,
    pub group: Group,
    pub unit: Unit,
    /// Why the metric can have no value on a path, so that a report can say why a figure
    /// uses fewer paths than were run.
    pub undefined: Undefined,
}

/// Why a metric has no value (`NaN`) on some paths. Each reason reads after a count of paths:
/// "30 paid nothing in".
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Undefined {
    /// It has a value on every path whose cash flows are finite numbers.
    Never,
    /// It has none where metric `column` is zero, for `reason` (a multiple of a paid-in of
    /// zero), and elsewhere for `otherwise`.
    WhereZero { column: String, reason: &'static str, otherwise: &'static str },
    /// An IRR: none where its flag metric `flag` says the flows never change sign or no rate
    /// was found (`irr_flag`).
    Irr { flag: String },
    /// It has none for `reason` alone (its denominator is not a column of the row).
    Because(&'static str),
}

/// Reason of a missing value where the scenario gives none: a number that overflowed.
pub const NOT_FINITE: &str = "had a value that is not a finite number";
/// Reasons of a missing IRR, by `irr_flag`: 2, then 3.
pub const NO_SIGN_CHANGE: &str = "had cash flows of one sign";
pub const NO_RATE_FOUND: &str = "had no rate found";

/// The columns of a scenario's per-path rows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Schema {
    pub metrics: Vec<MetricDef>,
}

/// The quarterly series kept (as fans) from every path: cumulative net cash flow, NAV and DPI
/// of the fund and of each sleeve.
pub const SERIES: [(&str, &str, Unit); 9] = [
    ("fund_cumulative_net_cny_m", "Fund cumulative net cash flow", Unit::CnyM),
    ("fund_nav_cny_m", "Fund NAV", Unit::CnyM),
    ("fund_dpi", "Fund DPI", Unit::Multiple),
    ("direct_cumulative_net_cny_m", "Direct sleeve cumulative net cash flow", Unit::CnyM),
    ("direct_nav_cny_m", "Direct sleeve NAV", Unit::CnyM),
    ("direct_dpi", "Direct sleeve DPI", Unit::Multiple),
    ("subfunds_cumulative_net_cny_m", "Sub-fund sleeve cumulative net cash flow", Unit::CnyM),
    ("subfunds_nav_cny_m", "Sub-fund sleeve NAV", Unit::CnyM),
    ("subfunds_dpi", "Sub-fund sleeve DPI", Unit::Multiple),
];

impl Schema {
    /// The columns for `scenario`, in the order [`compute`] fills them.
    pub fn new(scenario: &Scenario) -> Schema {
        let mut metrics = Vec::new();
        let mut add = |key: String, label: String, group: Group, unit: Unit| metrics.push(MetricDef { key, label, group, unit, undefined: Undefined::Never });
        for (prefix, name, group) in [("fund", "Fund", Group::Fund), ("direct", "Direct sleeve", Group::Sleeve), ("subfunds", "Sub-fund sleeve", Group::Sleeve)] {
            add(format!("{prefix}_tvpi"), format!("{name} TVPI"), group, Unit::Multiple);
            add(format!("{prefix}_dpi"), format!("{name} DPI"), group, Unit::Multiple);
            add(format!("{prefix}_rvpi"), format!("{name} RVPI"), group, Unit::Multiple);
            add(format!("{prefix}_irr"), format!("{name} IRR"), group, Unit::Rate);
            add(format!("{prefix}_irr_flag"), format!("{name} IRR flag (0 unique, 1 several roots, 2 no sign change, 3 not found)"), group, Unit::Count);
            add(format!("{prefix}_paid_in_cny_m"), format!("{name} paid-in"), group, Unit::CnyM);
            add(format!("{prefix}_distributed_cny_m"), format!("{name} distributions"), group, Unit::CnyM);
            add(format!("{prefix}_nav_cny_m"), format!("{name} NAV at horizon"), group, Unit::CnyM);
            add(format!("{prefix}_trough_cny_m"), format!("{name} J-curve trough (peak capital need)"), group, Unit::CnyM);
            add(format!("{prefix}_trough_quarter"), format!("{name} trough quarter"), group, Unit::Quarter);
            add(format!("{prefix}_payback_quarter"), format!("{name} payback quarter"), group, Unit::Quarter);
        }
        for tier in Tier::ALL {
            add(format!("tier_{}_multiple", tier.key()), format!("{} tier gross multiple", title(tier.key())), Group::Tier, Unit::Multiple);
            add(format!("tier_{}_value_created_cny_m", tier.key()), format!("{} tier value created", title(tier.key())), Group::Tier, Unit::CnyM);
        }
        for field in &scenario.fields {
            add(format!("field_{}_multiple", field.key), format!("{} gross multiple", field.label), Group::Field, Unit::Multiple);
            add(format!("field_{}_value_created_cny_m", field.key), format!("{} value created", field.label), Group::Field, Unit::CnyM);
        }
        for sub in &scenario.subfunds {
            add(format!("subfund_{}_tvpi", sub.key), format!("{} TVPI (fund's stake)", sub.label), Group::SubFund, Unit::Multiple);
        }
        for (key, label, unit) in POLICY {
            add(key.to_string(), label.to_string(), Group::Policy, unit);
        }
        for metric in &mut metrics {
            metric.undefined = undefined(&metric.key, metric.group);
        }
        Schema { metrics }
    }

    /// Column index of `key`.
    pub fn index(&self, key: &str) -> Option<usize> {
        self.metrics.iter().position(|m| m.key == key)
    }

    pub fn len(&self) -> usize {
        self.metrics.len()
    }

    pub fn is_empty(&self) -> bool {
        self.metrics.is_empty()
    }
}

const POLICY: [(&str, &str, Unit); 18] = [
    ("companies_backed", "Companies backed", Unit::Count),
    ("companies_reaching_growth", "Companies reaching growth stage", Unit::Count),
    ("ipos", "IPOs", Unit::Count),
    ("unicorn_exits", "Unicorn-size exits", Unit::Count),
    ("capital_mobilised_cny_m", "Capital mobilised from other LPs", Unit::CnyM),
    ("leverage", "Sub-fund leverage (sub-fund size / fund commitment)", Unit::Multiple),
    ("local_achievement_mean", "Local reinvestment achieved / required (mean over sub-funds)", Unit::Multiple),
    ("local_requirement_met_share", "Share of sub-funds meeting the local requirement", Unit::Share),
    ("concession_buyback_cny_m", "Value given away: buy-back option", Unit::CnyM),
    ("concession_profit_cession_cny_m", "Value given away: profit cession", Unit::CnyM),
    ("concession_loss_first_cny_m", "Value given away: first-loss", Unit::CnyM),
    ("buybacks_exercised", "Buy-backs exercised", Unit::Count),
    ("subfunds_beyond_loss_tolerance_share", "Share of sub-funds losing beyond tolerance", Unit::Share),
    ("direct_projects_beyond_loss_tolerance_share", "Share of direct projects losing beyond tolerance", Unit::Share),
    ("fees_cny_m", "Management fees (fund's share)", Unit::CnyM),
    ("carry_cny_m", "Carried interest (fund's share)", Unit::CnyM),
    ("running_costs_cny_m", "Fund running costs", Unit::CnyM),
    ("direct_lapsed_tranches_cny_m", "Direct tranches lapsed", Unit::CnyM),
];

/// Why metric `key` of `group` can be missing, as [`compute`] makes it.
fn undefined(key: &str, group: Group) -> Undefined {
    let sleeve = matches!(group, Group::Fund | Group::Sleeve).then(|| key.split_once('_')).flatten();
    match (sleeve, group) {
        (Some((prefix, "tvpi" | "dpi" | "rvpi")), _) => Undefined::WhereZero { column: format!("{prefix}_paid_in_cny_m"), reason: "paid nothing in", otherwise: NOT_FINITE },
        (Some((prefix, "irr")), _) => Undefined::Irr { flag: format!("{prefix}_irr_flag") },
        (Some((prefix, "payback_quarter")), _) => {
            Undefined::WhereZero { column: format!("{prefix}_trough_cny_m"), reason: "never went below zero", otherwise: "did not pay back by the horizon" }
        }
        (_, Group::Tier | Group::Field) if key.ends_with("_multiple") => Undefined::Because("invested nothing there"),
        (_, Group::SubFund) => Undefined::Because("paid nothing into it"),
        (_, Group::Policy) => match key {
            "leverage" => Undefined::Because("had no sub-fund commitments"),
            "local_achievement_mean" | "local_requirement_met_share" => Undefined::Because("had no local requirement"),
            "subfunds_beyond_loss_tolerance_share" => Undefined::Because("had no sub-funds"),
            "direct_projects_beyond_loss_tolerance_share" => Undefined::Because("had no direct project resolved"),
            _ => Undefined::Never,
        },
        _ => Undefined::Never,
    }
}

fn title(key: &str) -> String {
    let mut chars = key.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Cumulative net cash flow within this share of the flows' scale (total paid in plus total
/// distributed) of zero counts as zero for the trough and payback: a sum of a few dozen
/// quarterly flows carries rounding of order 1e-16 of that scale (0.7 + 0.3 − 1.0 = −5.6e-17), and
/// a flow that exactly repays the money must not read as a loss that delays payback.
pub const PAYBACK_TOLERANCE: f64 = 1e-12;

/// Headline measures of one investor's cash flows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowMetrics {
    pub tvpi: f64,
    pub dpi: f64,
    pub rvpi: f64,
    pub irr: Irr,
    pub paid_in: f64,
    pub distributed: f64,
    pub nav: f64,
    /// Lowest cumulative net cash flow (≤ 0) and its quarter.
    pub trough: f64,
    pub trough_quarter: usize,
    /// First quarter after the trough with cumulative net cash flow ≥ 0 (within
    /// [`PAYBACK_TOLERANCE`]); `None` when the flows never fall below zero by more than it.
    pub payback_quarter: Option<usize>,
}

impl FlowMetrics {
    pub fn of(flows: &CashFlows) -> FlowMetrics {
        let paid_in = flows.total_paid_in();
        let distributed = flows.total_distributed();
        let nav = flows.final_nav();
        let ratio = |x: f64| if paid_in > 0.0 { x / paid_in } else { f64::NAN };
        let zero = PAYBACK_TOLERANCE * (paid_in + distributed);
        // One pass: the first lowest point, and the first quarter at or above zero since it.
        let (mut trough_quarter, mut trough, mut payback_quarter) = (0, 0.0, None);
        for (t, x) in flows.cumulative_net().enumerate() {
            if x < trough {
                (trough_quarter, trough, payback_quarter) = (t, x, None);
            } else if x >= -zero && payback_quarter.is_none() {
                payback_quarter = Some(t);
            }
        }
        let payback_quarter = payback_quarter.filter(|_| trough < -zero);
        FlowMetrics {
            tvpi: ratio(distributed + nav),
            dpi: ratio(distributed),
            rvpi: ratio(nav),
            irr: irr(&flows.net_flows_with_terminal_nav()),
            paid_in,
            distributed,
            nav,
            trough,
            trough_quarter,
            payback_quarter,
        }
    }

    fn push(&self, row: &mut Vec<f64>) {
        row.extend([
            self.tvpi,
            self.dpi,
            self.rvpi,
            self.irr.any_root().unwrap_or(f64::NAN),
            irr_flag(self.irr),
            self.paid_in,
            self.distributed,
            self.nav,
            self.trough,
            self.trough_quarter as f64,
            self.payback_quarter.map_or(f64::NAN, |q| q as f64),
        ]);
    }
}

/// Fills `row` with the path's metrics in [`Schema`] order.
pub fn compute(scenario: &Scenario, state: &PathState, row: &mut Vec<f64>) {
    row.clear();
    for flows in [&state.fund, &state.direct.flows, &state.subfund_sleeve] {
        FlowMetrics::of(flows).push(row);
    }
    let mut fields = vec![(0.0, 0.0); scenario.fields.len()];
    for (f, v) in state.direct.book.by_field.iter().enumerate() {
        fields[f].0 += v.cost;
        fields[f].1 += v.value;
    }
    for (outcome, spec) in state.subfunds.iter().zip(&scenario.subfunds) {
        for (f, v) in outcome.book.by_field.iter().enumerate() {
            fields[f].0 += spec.fund_share * v.cost;
            fields[f].1 += spec.fund_share * v.value;
        }
    }
    for tier in Tier::ALL {
        let (cost, value) = scenario.fields.iter().zip(&fields).filter(|(f, _)| f.tier == tier).fold((0.0, 0.0), |acc, (_, v)| (acc.0 + v.0, acc.1 + v.1));
        row.extend([multiple(value, cost), value - cost]);
    }
    for &(cost, value) in &fields {
        row.extend([multiple(value, cost), value - cost]);
    }
    for outcome in &state.subfunds {
        let flows = &outcome.fund;
        row.push(multiple(flows.total_distributed() + flows.final_nav(), flows.total_paid_in()));
    }
    policy(scenario, state, row);
}

/// A number for each kind of [`Irr`] outcome, for the per-path table.
fn irr_flag(irr: Irr) -> f64 {
    match irr {
        Irr::Defined { .. } => 0.0,
        Irr::Ambiguous { .. } => 1.0,
        Irr::NoSignChange => 2.0,
        Irr::NotFound => 3.0,
    }
}

fn multiple(value: f64, cost: f64) -> f64 {
    if cost > 0.0 { value / cost } else { f64::NAN }
}

fn policy(scenario: &Scenario, state: &PathState, row: &mut Vec<f64>) {
    let mut counts = state.direct.book.counts;
    let (mut fees, mut carry, mut buyback, mut cession, mut loss_first) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut exercised, mut beyond, mut met, mut achievement, mut with_requirement) = (0u32, 0u32, 0u32, 0.0, 0u32);
    for (o, spec) in state.subfunds.iter().zip(&scenario.subfunds) {
        let c = o.book.counts;
        counts.backed += c.backed;
        counts.reached_growth += c.reached_growth;
        counts.ipos += c.ipos;
        counts.unicorn_exits += c.unicorn_exits;
        fees += spec.fund_share * o.fees;
        carry += spec.fund_share * o.carry;
        buyback += o.concessions.buyback;
        cession += o.concessions.profit_cession;
        loss_first += o.concessions.loss_first;
        exercised += u32::from(o.concessions.buyback_quarter.is_some());
        beyond += u32::from(o.beyond_loss_tolerance);
        if o.local_achievement.is_finite() {
            with_requirement += 1;
            achievement += o.local_achievement;
            met += u32::from(o.local_achievement >= 1.0);
        }
    }
    let committed = scenario.subfund_commitments_cny_m();
    let mobilised: f64 = scenario.subfunds.iter().map(|s| s.commitment_cny_m * (1.0 - s.fund_share) / s.fund_share).sum();
    let per_requirement = |x: f64| if with_requirement > 0 { x / f64::from(with_requirement) } else { f64::NAN };
    let subfund_count = scenario.subfunds.len() as f64;
    let direct = state.direct.book.counts;
    let resolved_direct = f64::from(direct.resolved);
    let running: f64 = state.running_costs.iter().sum();
    row.extend([
        f64::from(counts.backed),
        f64::from(counts.reached_growth),
        f64::from(counts.ipos),
        f64::from(counts.unicorn_exits),
        mobilised,
        if committed > 0.0 { (committed + mobilised) / committed } else { f64::NAN },
        per_requirement(achievement),
        per_requirement(f64::from(met)),
        buyback,
        cession,
        loss_first,
        f64::from(exercised),
        if subfund_count > 0.0 { f64::from(beyond) / subfund_count } else { f64::NAN },
        if resolved_direct > 0.0 { f64::from(direct.beyond_tolerance) / resolved_direct } else { f64::NAN },
        fees,
        carry,
        running,
        state.direct.lapsed,
    ]);
}

/// Fills `series[k]` with quarterly series `k` of [`SERIES`] for this path.
pub fn series(state: &PathState, series: &mut [Vec<f64>; SERIES.len()]) {
    for (flows, series) in [&state.fund, &state.direct.flows, &state.subfund_sleeve].into_iter().zip(series.chunks_exact_mut(3)) {
        flows.cumulative_net_into(&mut series[0]);
        series[1].clone_from(&flows.nav);
        dpi_into(flows, &mut series[2]);
    }
}

/// DPI to date at the end of each quarter: distributions over paid-in so far, 0 before anything
/// is paid in (nothing has come back yet).
fn dpi_into(flows: &CashFlows, out: &mut Vec<f64>) {
    let (mut paid, mut got) = (0.0, 0.0);
    out.clear();
    out.extend(flows.paid_in.iter().zip(&flows.distributed).map(|(p, d)| {
        paid += p;
        got += d;
        if paid > 0.0 { got / paid } else { 0.0 }
    }));
}

#[cfg(test)]
mod tests;

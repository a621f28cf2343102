use super::*;
use crate::model::fund::Simulator;
use crate::testing;

#[test]
fn flow_metrics_of_a_hand_case() {
    let flows = CashFlows {
        paid_in: vec![100.0, 50.0, 0.0, 0.0, 0.0],
        distributed: vec![0.0, 0.0, 60.0, 120.0, 0.0],
        nav: vec![100.0, 140.0, 100.0, 20.0, 30.0],
    };
    let m = FlowMetrics::of(&flows);
    assert!((m.tvpi - 210.0 / 150.0).abs() < 1e-12);
    assert!((m.dpi - 180.0 / 150.0).abs() < 1e-12);
    assert!((m.rvpi - 30.0 / 150.0).abs() < 1e-12);
    assert_eq!((m.trough, m.trough_quarter), (-150.0, 1));
    assert_eq!(m.payback_quarter, Some(3));
    assert!(m.irr.annual().is_some());
}

#[test]
fn payback_counts_only_after_the_deepest_trough() {
    // Cumulative net: +10, -50, +5, -80, -20, then +1 a quarter later if the sale closes.
    let net = [10.0, -60.0, 55.0, -85.0, 60.0];
    let flows_of = |net: &[f64]| CashFlows {
        paid_in: net.iter().map(|&x| (-x).max(0.0)).collect(),
        distributed: net.iter().map(|&x| x.max(0.0)).collect(),
        nav: vec![0.0; net.len()],
    };
    let m = FlowMetrics::of(&flows_of(&net));
    assert_eq!((m.trough, m.trough_quarter, m.payback_quarter), (-80.0, 3, None));
    let m = FlowMetrics::of(&flows_of(&[net.as_slice(), &[21.0]].concat()));
    assert_eq!((m.trough, m.trough_quarter, m.payback_quarter), (-80.0, 3, Some(5)));
}

/// 1.0 paid in, 0.7 and 0.3 back: the cumulative net flow is −5.6e-17 in floating point, which
/// is zero within the tolerance, so the money is paid back in quarter 2, not never.
#[test]
fn payback_allows_for_rounding_relative_to_the_flows() {
    let flows = CashFlows { paid_in: vec![1.0, 0.0, 0.0, 0.0], distributed: vec![0.0, 0.7, 0.3, 0.0], nav: vec![0.0; 4] };
    assert!(flows.cumulative_net().last().unwrap() < 0.0, "the hand case must round below zero");
    let m = FlowMetrics::of(&flows);
    assert_eq!((m.trough, m.trough_quarter, m.payback_quarter), (-1.0, 0, Some(2)));
    // At a billion the rounding is a billion times larger (−6e-8), and so is the tolerance.
    let big = CashFlows { paid_in: vec![1_050_433_536.7, 0.0, 0.0], distributed: vec![0.0, 545_891_578.4, 504_541_958.3], nav: vec![0.0; 3] };
    assert!(big.cumulative_net().last().unwrap() < -1e-8);
    assert_eq!(FlowMetrics::of(&big).payback_quarter, Some(2));
    // A real shortfall, however small against the flows, is not paid back.
    let short = CashFlows { paid_in: vec![1.0, 0.0, 0.0], distributed: vec![0.0, 0.7, 0.3 - 1e-9], nav: vec![0.0; 3] };
    assert_eq!(FlowMetrics::of(&short).payback_quarter, None);
    // Rounding alone is no trough (cumulative 0.3, then 0.3 + 0.7 − 1.0 = −5.6e-17, then 0.1):
    // nothing to pay back.
    let flat = CashFlows { paid_in: vec![0.0, 1.0, 0.0], distributed: vec![0.3, 0.7, 0.1], nav: vec![0.0; 3] };
    assert!(flat.cumulative_net().nth(1).unwrap() < 0.0);
    assert_eq!(FlowMetrics::of(&flat).payback_quarter, None);
}

#[test]
fn nothing_paid_in_is_undefined_not_zero() {
    let m = FlowMetrics::of(&CashFlows::zeros(4));
    assert!(m.tvpi.is_nan() && m.dpi.is_nan());
    assert_eq!(m.irr, Irr::NoSignChange);
    assert_eq!(m.payback_quarter, None);
}

#[test]
fn the_row_matches_its_schema() {
    let scenario = testing::base();
    let schema = Schema::new(&scenario);
    let simulator = Simulator::new(&scenario, 5).unwrap();
    let mut state = PathState::default();
    simulator.simulate_path(0, &mut state).unwrap();
    let mut row = Vec::new();
    compute(&scenario, &state, &mut row);
    assert_eq!(row.len(), schema.len());
    let get = |k: &str| row[schema.index(k).unwrap()];
    let fund = FlowMetrics::of(&state.fund);
    assert_eq!(get("fund_tvpi"), fund.tvpi);
    assert_eq!(get("subfunds_paid_in_cny_m"), state.subfund_sleeve.total_paid_in());
    assert!(get("companies_backed") > 100.0);
    let leverage = get("leverage");
    assert!((leverage - 1.0 / 0.25).abs() < 0.5, "base: the fund holds about a quarter of each sub-fund, got {leverage}");
    let keys: std::collections::HashSet<_> = schema.metrics.iter().map(|m| &m.key).collect();
    assert_eq!(keys.len(), schema.len(), "metric keys are unique");
}

/// Every sleeve has its DPI fan, as the fund has: the last quarter's DPI to date is the path's
/// DPI, and each series is named for its sleeve.
#[test]
fn series_hold_cash_nav_and_dpi_of_the_fund_and_each_sleeve() {
    let scenario = testing::base();
    let simulator = Simulator::new(&scenario, 5).unwrap();
    let mut state = PathState::default();
    simulator.simulate_path(3, &mut state).unwrap();
    let mut all: [Vec<f64>; SERIES.len()] = Default::default();
    series(&state, &mut all);
    for (k, (prefix, flows)) in [("fund", &state.fund), ("direct", &state.direct.flows), ("subfunds", &state.subfund_sleeve)].into_iter().enumerate() {
        let keys: Vec<&str> = SERIES[3 * k..3 * k + 3].iter().map(|s| s.0).collect();
        assert_eq!(keys, [format!("{prefix}_cumulative_net_cny_m"), format!("{prefix}_nav_cny_m"), format!("{prefix}_dpi")]);
        let dpi = &all[3 * k + 2];
        assert_eq!(dpi.len(), scenario.horizon() + 1);
        let last = dpi[scenario.horizon()];
        let expected = FlowMetrics::of(flows).dpi;
        assert!((last - expected).abs() <= 1e-12 * expected, "{prefix}: DPI {last} against {expected}");
        assert!(dpi.iter().all(|x| x.is_finite() && *x >= 0.0), "{prefix}: {dpi:?}");
    }
}

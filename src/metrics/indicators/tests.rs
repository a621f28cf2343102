use super::*;
use crate::model::flows::CashFlows;
use crate::model::subfund::SubFundOutcome;
use crate::scenario::scorecard::{Grade, Rule, ScoreItem, Scorecard};

fn at(key: &str) -> usize {
    INDICATORS.iter().position(|&k| k == key).unwrap()
}

/// Base with two sub-funds from the first quarter: 100 at a 25 % share (others 300) and 200 at a
/// 20 % share (others 800, of which half is raised on the path below).
fn two_subfunds() -> Scenario {
    let base = crate::testing::base();
    let s = crate::testing::edited(&base, |raw| {
        // Half of a fund of 600 in the sub-fund sleeve: commitments 300 × 100/300 and 300 × 200/300.
        raw.fund.size_cny_m = 600.0;
        raw.fund.direct_share = 0.5;
        let kept: Vec<String> = raw.subfunds.keys().take(2).cloned().collect();
        raw.subfunds.retain(|key, _| kept.contains(key));
        for (sub, (commitment, share)) in raw.subfunds.values_mut().zip([(100.0, 0.25), (200.0, 0.2)]) {
            sub.commitment_weight = commitment;
            sub.fund_share = share;
            sub.vintage = base.calendar.quarter(0).to_string();
            sub.loss_tolerance = 0.6;
        }
    });
    let set: Vec<_> = s.subfunds.iter().map(|sub| (sub.commitment_cny_m, sub.fund_share, sub.vintage, sub.loss_tolerance)).collect();
    assert_eq!(set, [(100.0, 0.25, 0, 0.6), (200.0, 0.2, 0, 0.6)]);
    s
}

/// A path set by hand: everything in 2024 (quarters 0 and 1 of a calendar starting in 2024Q3).
fn hand_path(s: &Scenario) -> PathState {
    let (h, fields, offset) = (s.horizon(), s.fields.len(), s.calendar.year_offset());
    let mut state = PathState::default();
    state.fund = CashFlows::zeros(h);
    state.subfund_sleeve = CashFlows::zeros(h);
    state.direct.flows = CashFlows::zeros(h);
    state.direct.book.reset(h, fields, offset);
    state.subfunds = (0..2).map(|_| SubFundOutcome { fund: CashFlows::zeros(h), ..Default::default() }).collect();
    for sub in &mut state.subfunds {
        sub.book.reset(h, fields, offset);
    }
    state.raised = vec![1.0, 0.5];
    // The fund paid 10 into the first sub-fund and 40 into the second; the first is marked at 2.
    state.subfunds[0].fund.paid_in[1] = 10.0;
    state.subfunds[0].fund.nav[1] = 2.0;
    state.subfunds[1].fund.paid_in[1] = 40.0;
    state.subfunds[1].fund.nav[1] = 40.0;
    state.fund.paid_in[1] = 100.0;
    state.fund.distributed[1] = 10.0;
    state.fund.nav[1] = 60.0;
    let direct = &mut state.direct.book.years[0];
    (direct.deals, direct.money, direct.seed_a_deals, direct.seed_a_money) = (4.0, 40.0, 3.0, 20.0);
    (direct.small_deals, direct.small_money, direct.tier_deals, direct.tier_money) = (2.0, 10.0, [1.0, 1.0, 2.0], [10.0, 10.0, 20.0]);
    (direct.resolved, direct.beyond_tolerance, direct.ipos, direct.growth, direct.follow_on_raised) = (2.0, 1.0, 1.0, 2.0, 90.0);
    let sub = &mut state.subfunds[0].book.years[0];
    (sub.deals, sub.money, sub.seed_a_deals, sub.seed_a_money, sub.tier_deals, sub.tier_money) = (2.0, 100.0, 2.0, 100.0, [0.0, 2.0, 0.0], [0.0, 100.0, 0.0]);
    sub.local_money = 60.0;
    state.direct.book.quarters[1].invested = 30.0;
    state.subfunds[0].book.quarters[0].invested = 40.0;
    state
}

#[test]
fn indicators_of_a_path_set_by_hand() {
    let s = two_subfunds();
    let state = hand_path(&s);
    let mut row = Vec::new();
    compute(&s, &state, &mut row);
    assert_eq!(row.len(), width(&s));
    assert_eq!(years(&s)[0], Year { year: 2024, end: 1 });
    assert_eq!(years(&s).last().map(|y| (y.year, y.end)), Some((2041, 69)));
    let v = |key: &str| row[slot(0, at(key))];
    // Paid-in basis: 10 buys 10 × 400/100 = 40 of the first sub-fund; 40 buys 40 × (200 + 400)/200
    // = 120 of the second, which raised half of its other LPs' 800: 160 / 50.
    assert_eq!(v("leverage_paid_in"), 160.0 / 50.0);
    // Commitments: (400 + 600) / 300; others 300 + 400.
    assert_eq!(v("leverage_committed"), 1000.0 / 300.0);
    assert_eq!(v("other_lp_commitments_cny_m"), 700.0);
    // Deals 4 + 2; money 40 + 25 % of 100 (look-through).
    assert_eq!(v("deals"), 6.0);
    assert_eq!(v("seed_a_deal_share"), 5.0 / 6.0);
    assert_eq!(v("seed_a_money_share"), 45.0 / 65.0);
    assert_eq!((v("small_deal_share"), v("small_money_share")), (2.0 / 6.0, 10.0 / 65.0));
    assert_eq!((v("tier_prototype_deal_share"), v("tier_prototype_money_share")), (3.0 / 6.0, 35.0 / 65.0));
    assert_eq!(v("tier_exploration_money_share"), 20.0 / 65.0);
    // Later rounds 90 over everything invested: 30 direct, 40 by the whole first sub-fund.
    assert_eq!(v("follow_on_per_invested"), 90.0 / 70.0);
    // Local: 60 by a sub-fund at full size, against 1.5 × 100 + 1.5 × 200 (base's requirement).
    let required: f64 = s.subfunds.iter().map(|x| x.local_requirement * x.commitment_cny_m).sum();
    assert_eq!(v("local_reinvestment"), 60.0 / required);
    // Deployment: 30 + 25 % of 40 against the plan of the first two quarters.
    let planned = s.direct.budget_cny_m * progress(1, s.direct.first_quarter, s.direct.deploy_quarters)
        + s.subfunds.iter().map(|x| x.commitment_cny_m * x.investable_share * 2.0 / x.investment_period_quarters as f64).sum::<f64>();
    assert_eq!(v("deployment_progress"), 40.0 / planned);
    // Losses: one of two projects; the first sub-fund lost 80 % (> 60 %), the second nothing; the
    // fund 1 − 70/100 = 30 %, within its 60 %.
    assert_eq!(v("project_beyond_tolerance_share"), 0.5);
    assert_eq!(v("subfund_beyond_tolerance_share"), 0.5);
    assert!(v("sleeve_beyond_tolerance_share").is_nan(), "no sleeve flows set");
    assert_eq!((v("fund_beyond_tolerance"), v("fund_loss_ratio")), (0.0, 30.0 / 100.0));
    assert_eq!((v("fund_tvpi"), v("fund_dpi")), (0.7, 0.1));
    assert_eq!((v("ipos"), v("growth_companies")), (1.0, 2.0));
    // 2025: nothing new, so the counts carry over.
    assert_eq!(row[slot(1, at("deals"))], 6.0);

    // The score by hand: leverage 3.2 ≥ 3 (10 points); money at seed/A 9/13 on a scale from 1/2
    // to 3/4 (40 × (9/13 − 1/2) × 4 = 400/13); DPI 0.1 on a scale to 0.2 (25 of 50).
    let item = |key: &str, weight: f64, rule: Rule| ScoreItem {
        indicator: at(key),
        key: key.into(),
        section: String::new(),
        label: key.into(),
        weight,
        bonus: false,
        rule,
        missing_points: weight,
    };
    let card = Scorecard {
        name: "hand".into(),
        source: String::new(),
        items: vec![
            item("leverage_paid_in", 10.0, Rule::AtLeast(vec![(3.0, 10.0)])),
            item("seed_a_money_share", 40.0, Rule::Linear { zero_at: 0.5, full_at: 0.75 }),
            item("fund_dpi", 50.0, Rule::Linear { zero_at: 0.0, full_at: 0.2 }),
        ],
        bonus_cap: 0.0,
        grades: vec![Grade { label: "good".into(), min_score: 60.0 }, Grade { label: "poor".into(), min_score: 0.0 }],
    };
    let score = card.score(&row[slot(0, 0)..slot(1, 0)], None);
    assert!((score - (10.0 + 400.0 / 13.0 + 25.0)).abs() < 1e-12, "{score}");
    assert_eq!(card.grades[card.grade(score)].label, "good");
}

/// A fundraising shortfall changes the leverage (and the capital beside the fund), never the
/// fund's own flows: every metric of the run and every other indicator is bit-identical.
#[test]
fn a_shortfall_lowers_leverage_and_nothing_else() {
    let with_shortfall = |shortfall: Option<crate::scenario::raw::RawShortfall>| {
        crate::testing::edited(&crate::testing::base(), |raw| {
            for sub in raw.subfunds.values_mut() {
                sub.fundraising_shortfall = shortfall;
            }
        })
    };
    let base = with_shortfall(None);
    let short = with_shortfall(Some(crate::scenario::raw::RawShortfall { probability: 1.0, max_share: 0.5 }));
    let (a, b) = (crate::testing::run(&base, 40), crate::testing::run(&short, 40));
    for k in 0..a.schema.len() {
        let bits = |r: &crate::engine::RunResults| r.column_at(k).unwrap().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b), "{}", a.schema.metrics[k].key);
    }
    let last = years(&base).len() - 1;
    for (i, key) in INDICATORS.iter().enumerate() {
        let (x, y) = (a.indicator_column(last, i).unwrap(), b.indicator_column(last, i).unwrap());
        let changes = ["leverage_paid_in", "leverage_committed", "other_lp_commitments_cny_m", "local_reinvestment"].contains(key);
        if changes {
            assert!(x.iter().zip(&y).all(|(x, y)| y < x), "{key}: {x:?} vs {y:?}");
        } else {
            assert_eq!(format!("{x:?}"), format!("{y:?}"), "{key}");
        }
    }
    // Without the risk, leverage on paid-in is the planned 1 / share of every sub-fund's calls.
    let leverage = a.indicator_column(last, at("leverage_committed")).unwrap();
    let planned = a.column("leverage").unwrap().unwrap();
    assert!(leverage.iter().zip(&planned).all(|(x, y)| (x - y).abs() < 1e-9), "{leverage:?} vs {planned:?}");
}

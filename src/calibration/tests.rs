use super::targets::{Goal, TARGETS};
use super::*;
use crate::model::fund::{PathState, Simulator};
use crate::testing;

/// A seeded card of modest size (about 0.3 s in the optimised test build).
fn modest_card() -> Card {
    report_card(&testing::base(), 1, 600, 10_000).unwrap()
}

/// The base scenario meets every target it claims, within its tolerance (the target's own plus
/// two standard errors at this size).
#[test]
fn base_passes_every_target_it_claims() {
    let card = modest_card();
    let failing: Vec<String> = card
        .failures()
        .filter(|c| c.claimed)
        .map(|c| format!("{}: model {:.4} ± {:.4}, target {:?}, tolerance {:.4}", c.key, c.model, c.std_error, c.target, c.tolerance.unwrap_or(f64::NAN)))
        .collect();
    assert!(failing.is_empty(), "claimed targets that fail:\n{}", failing.join("\n"));
    assert!(card.checks.iter().any(|c| c.claimed), "base claims some targets");
}

/// Every target names a row of the card, once.
#[test]
fn every_target_names_one_row() {
    let card = modest_card();
    for target in TARGETS {
        assert_eq!(card.checks.iter().filter(|c| c.key == target.key).count(), 1, "{}", target.key);
    }
}

/// The value at `path` (`a.b[2]`) of a JSON document.
fn at<'a>(json: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    path.split('.').fold(json, |value, part| match part.split_once('[') {
        Some((name, index)) => &value[name][index.trim_end_matches(']').parse::<usize>().unwrap()],
        None => &value[part],
    })
}

/// The JSON's stable keys: every one documented in the `--help` text, and every row's key
/// leads to the row's value.
#[test]
fn the_json_has_every_stable_key() {
    let card = modest_card();
    let json = serde_json::to_value(&card).unwrap();
    for table in ["financing_multiples", "position_multiples.direct", "position_multiples.subfund"] {
        assert_eq!(at(&json, &format!("{table}.edges")), &serde_json::json!([0.0, 1.0, 5.0, 10.0, 20.0, 50.0]), "{table}");
        let shares = at(&json, &format!("{table}.share")).as_array().unwrap();
        let total: f64 = shares.iter().map(|s| s.as_f64().unwrap()).sum();
        assert_eq!(shares.len(), 6);
        assert!((total - 1.0).abs() < 1e-9, "{table}: shares add to {total}");
    }
    let mut keys = vec!["financing_multiples.dollar_weighted_multiple".to_string(), "financing_multiples.dollar_share_below_1".to_string()];
    keys.extend(["seed_to_a", "a_to_b", "b_to_c", "c_to_growth"].map(|k| format!("funnel.{k}")));
    for when in ["outcomes_6_5y", "outcomes_15y"] {
        keys.extend(["failed", "trade_sale", "ipo", "alive", "valuation_1bn_usd"].map(|k| format!("funnel.{when}.{k}")));
    }
    for level in ["direct", "subfund", "financing"] {
        keys.extend(["share_positions_ge_10x", "share_value_from_ge_10x"].map(|k| format!("concentration.{level}.{k}")));
    }
    keys.extend(["mean", "median", "p25", "p75", "p_below_1", "median_irr", "median_dpi_7_5y"].map(|k| format!("subfund_net.{k}")));
    for sleeve in ["direct_sleeve", "subfund_sleeve", "fund"] {
        keys.extend(["mean_tvpi", "median_tvpi", "p_below_1", "median_irr", "median_dpi_7_5y"].map(|k| format!("{sleeve}.{k}")));
    }
    for key in &keys {
        assert!(at(&json, key).is_f64(), "{key} missing or not a number");
    }
    for check in &card.checks {
        assert_eq!(at(&json, &check.key).as_f64(), Some(check.model), "{}", check.key);
    }
    let checks = json["checks"].as_array().unwrap();
    for field in ["table", "key", "label", "unit", "model", "std_error", "target", "source", "tolerance", "pass", "claimed"] {
        assert!(checks.iter().all(|c| c.get(field).is_some()), "checks lack {field}");
    }
    assert!(checks.iter().any(|c| c["pass"].is_boolean() && c["target"]["kind"] == "near"));
}

/// Recording stakes changes nothing the path computes, and the records add up to the books.
#[test]
fn recording_stakes_leaves_the_path_as_it_is() {
    let scenario = testing::base();
    let simulator = Simulator::new(&scenario, 5).unwrap();
    let (mut plain, mut recording) = (PathState::default(), PathState::recording(&scenario));
    for path in [0, 3] {
        simulator.simulate_path(path, &mut plain).unwrap();
        simulator.simulate_path(path, &mut recording).unwrap();
        assert_eq!(plain.fund, recording.fund);
        assert!(plain.direct.book.stakes.is_none() && plain.subfunds.iter().all(|o| o.before_concessions.is_none()));
        let books = std::iter::once(&recording.direct.book).chain(recording.subfunds.iter().map(|o| &o.book));
        for book in books {
            let stakes = book.stakes.as_deref().unwrap();
            assert_eq!(stakes.len(), book.counts.backed as usize);
            let cost: f64 = stakes.iter().map(|s| s.cost).sum();
            let value: f64 = stakes.iter().map(|s| s.value).sum();
            assert!((cost - book.cost).abs() <= 1e-9 * book.cost.max(1.0));
            assert!((value - book.proceeds_total - book.final_nav).abs() <= 1e-9 * value.max(1.0));
        }
    }
}

#[test]
fn a_goal_allows_its_own_tolerance_plus_two_standard_errors() {
    let near = Goal::Near { value: 0.65, tolerance: 0.05 };
    assert!((near.tolerance(0.01) - 0.07).abs() < 1e-12);
    assert!(near.met(0.719, 0.01) && !near.met(0.721, 0.01) && near.met(0.581, 0.01));
    let between = Goal::Between { low: 1.5, high: 2.0 };
    assert!(between.met(1.45, 0.03) && !between.met(1.43, 0.03) && between.met(2.05, 0.03));
    assert!(Goal::AtLeast { bound: 2.5 }.met(2.45, 0.03) && !Goal::AtLeast { bound: 2.5 }.met(2.43, 0.03));
    assert!(Goal::AtMost { bound: 0.01 }.met(0.012, 0.001) && !Goal::AtMost { bound: 0.01 }.met(0.0121, 0.0005));
    // No standard error (a single block): the target's own tolerance alone.
    assert!(near.met(0.70, f64::NAN) && !near.met(0.71, f64::NAN));
    assert!(!near.met(f64::NAN, 0.01), "a missing estimate never passes");
}

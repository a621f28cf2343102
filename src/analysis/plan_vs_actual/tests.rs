use super::*;

fn as_of_2025q4() -> Scenario {
    crate::scenario::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/as_of_2025q4.toml")).unwrap()
}

#[test]
fn an_actual_is_placed_by_the_share_of_plan_paths_below_it() {
    let plan: Vec<f64> = (1..=100).map(f64::from).collect();
    let p = position("nav_cny_m", 10.5, &plan);
    assert_eq!(p.percentile, 10.0);
    assert!((p.plan_p10 - 10.9).abs() < 1e-12 && (p.plan_p50 - 50.5).abs() < 1e-12 && (p.plan_p90 - 90.1).abs() < 1e-12);
    assert!(p.lagging, "10.5 is below the plan's P10 of 10.9");
    // Ties count half; the top of the plan is P100 less half a tie.
    assert_eq!(position("x", 5.0, &plan).percentile, 4.5);
    assert_eq!(position("x", 100.0, &plan).percentile, 99.5);
    assert_eq!(position("x", 1000.0, &plan).percentile, 100.0);
    let p = position("x", 11.0, &plan);
    assert!(!p.lagging && p.percentile == 10.5);
    // Paths without a value are left out; an actual without one has no percentile.
    assert_eq!(position("dpi", 2.0, &[f64::NAN, 1.0, 3.0]).percentile, 50.0);
    assert!(position("dpi", f64::NAN, &plan).percentile.is_nan());
}

/// The plan's own history at the as-of quarter, taken as the book, sits in the middle of the
/// plan's fans: a sub-fund whose actuals are the plan's median is at about P50.
#[test]
fn a_book_at_the_plans_median_sits_at_about_p50() {
    let s = as_of_2025q4();
    let pva = measure(&s, 9, 400, Some(1)).unwrap().unwrap();
    let median_book = s.with_book(|book| {
        let book = book.as_mut().unwrap();
        for (actual, position) in book.subfunds.iter_mut().flatten().zip(&pva.subfunds) {
            actual.called_cny_m = position.positions[0].plan_p50;
            actual.nav_cny_m = position.positions[2].plan_p50;
        }
    });
    let again = measure(&median_book, 9, 400, Some(2)).unwrap().unwrap();
    for s in &again.subfunds {
        for m in [0, 2] {
            let p = s.positions[m].percentile;
            assert!((40.0..=60.0).contains(&p), "{} {}: P{p}", s.key, s.positions[m].measure);
        }
    }
    // The plan is the same on any thread count.
    assert_eq!(measure(&s, 9, 400, Some(2)).unwrap().unwrap(), pva);
}


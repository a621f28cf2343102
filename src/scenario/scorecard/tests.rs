use std::path::Path;

use super::*;

fn check(text: &str) -> Result<Scorecard, ScenarioError> {
    #[derive(Deserialize)]
    struct File {
        scorecard: RawScorecard,
    }
    let raw: File = toml::from_str(text).unwrap();
    scorecard(&Checker { file: Path::new("s.toml") }, &raw.scorecard)
}

const GRADES: &str = r#"grades = [{ label = "A", min_score = 90 }, { label = "B", min_score = 60 }, { label = "C", min_score = 0 }]"#;

fn card(items: &str) -> String {
    format!("[scorecard]\nname = \"t\"\nbonus_cap = 10\n{GRADES}\n{items}")
}

#[test]
fn the_shipped_scorecard_is_valid_and_keeps_the_provincial_sections() {
    let card = Scorecard::default_card();
    let section = |name: &str| card.items.iter().filter(|i| i.section == name && !i.bonus).map(|i| i.weight).sum::<f64>();
    assert!((40.0..=50.0).contains(&section("policy")), "policy {}", section("policy"));
    assert!((20.0..=25.0).contains(&section("compliance")));
    assert!((30.0..=40.0).contains(&section("performance")));
    assert_eq!(card.bonus_cap, 10.0);
    assert_eq!(card.grades.iter().map(|g| g.min_score).collect::<Vec<_>>(), [90.0, 80.0, 60.0, 0.0]);
}

/// A score by hand: linear 10 × (0.5 − 0.3) / (0.7 − 0.3) = 5; thresholds at least: 3.2 reaches
/// 3 (7 points); at most: 0.25 is within 0.4 (1 point); the rest of the 100 on a missing value
/// (full: 82); bonus 6 + 5 = 11, capped at 10. Total 5 + 7 + 1 + 82 + 10 = 105.
#[test]
fn a_score_by_hand() {
    let text = card(
        r#"
[[scorecard.items]]
indicator = "seed_a_money_share"
weight = 10
linear = { zero_at = 0.3, full_at = 0.7 }
[[scorecard.items]]
indicator = "leverage_paid_in"
weight = 7
at_least = [[2.0, 4], [3.0, 7]]
[[scorecard.items]]
indicator = "subfund_beyond_tolerance_share"
weight = 1
at_most = [[0.0, 1], [0.4, 1]]
[[scorecard.items]]
indicator = "local_reinvestment"
weight = 82
linear = { zero_at = 0.5, full_at = 1.0 }
[[scorecard.items]]
indicator = "ipos"
weight = 6
bonus = true
at_least = [[1, 6]]
[[scorecard.items]]
indicator = "growth_companies"
weight = 5
bonus = true
linear = { zero_at = 0, full_at = 2 }
"#,
    );
    let card = check(&text).unwrap();
    let mut values = vec![f64::NAN; INDICATORS.len()];
    let at = |key: &str| INDICATORS.iter().position(|&k| k == key).unwrap();
    values[at("seed_a_money_share")] = 0.5;
    values[at("leverage_paid_in")] = 3.2;
    values[at("subfund_beyond_tolerance_share")] = 0.25;
    values[at("ipos")] = 2.0;
    values[at("growth_companies")] = 7.0;
    assert_eq!(card.score(&values, None), 105.0);
    values[at("ipos")] = 0.0;
    values[at("leverage_paid_in")] = 1.9;
    values[at("subfund_beyond_tolerance_share")] = 0.5;
    values[at("local_reinvestment")] = 0.75;
    // 5 + 0 + 0 + 41 + 5.
    assert_eq!(card.score(&values, None), 51.0);
    // Local reinvestment at full points: 41 more.
    assert_eq!(card.score(&values, Some(3)), 92.0);
    // A lower-is-better linear scale.
    let item = ScoreItem { rule: Rule::Linear { zero_at: 0.8, full_at: 0.2 }, ..card.items[0].clone() };
    assert_eq!(item.points(0.5), 5.0);
    assert_eq!((item.points(0.9), item.points(0.1)), (0.0, 10.0));
}

#[test]
fn grade_boundaries_belong_to_the_better_grade() {
    let card = Scorecard::default_card();
    let grade = |score: f64| card.grades[card.grade(score)].label.clone();
    assert_eq!(grade(90.0), card.grades[0].label);
    assert_eq!(grade(89.999), card.grades[1].label);
    assert_eq!(grade(80.0), card.grades[1].label);
    assert_eq!(grade(60.0), card.grades[2].label);
    assert_eq!(grade(59.9), card.grades[3].label);
    assert_eq!(grade(0.0), card.grades[3].label);
    assert_eq!(grade(110.0), card.grades[0].label);
}

#[test]
fn bad_scorecards_say_what_is_wrong() {
    let item = |indicator: &str, weight: &str, rule: &str| format!("[[scorecard.items]]\nindicator = \"{indicator}\"\nweight = {weight}\n{rule}\n");
    let linear = "linear = { zero_at = 0, full_at = 1 }";
    let error = |text: String| check(&text).unwrap_err().to_string();

    let e = error(card(&(item("fund_tvpi", "60", linear) + &item("fund_dpi", "30", linear))));
    assert!(e.contains("s.toml: scorecard.items: weights of the items that are not bonus items must sum to 100, got 90 (fund_tvpi 60, fund_dpi 30)"), "{e}");

    let e = error(card(&item("fund_tvpj", "100", linear)));
    assert!(e.contains("scorecard.items[0].indicator: unknown indicator \"fund_tvpj\"; allowed: leverage_paid_in,"), "{e}");

    let e = error(card(&item("fund_tvpi", "100", "at_least = [[1.0, 50], [0.5, 100]]")));
    assert!(e.contains("scorecard.items[0].at_least[1][0]: thresholds must rise in the order listed: 0.5 is not above 1"), "{e}");

    let e = error(card(&item("fund_tvpi", "100", "at_most = [[0.5, 120]]")));
    assert!(e.contains("scorecard.items[0].at_most[0][1]: must be in [0, 100], got 120"), "{e}");

    let e = error(card(&item("fund_tvpi", "100", "")));
    assert!(e.contains("scorecard.items[0]: needs exactly one rule"), "{e}");

    let e = error(card(&item("fund_tvpi", "100", "linear = { zero_at = 1, full_at = 1 }")));
    assert!(e.contains("zero_at and full_at must differ"), "{e}");

    let grades = card(&item("fund_tvpi", "100", linear)).replace("min_score = 60", "min_score = 95");
    let e = error(grades);
    assert!(e.contains("scorecard.grades[1].min_score: grades are listed best first, so min_score must fall: 95 is not below 90 (A)"), "{e}");

    let e = error(card(&item("fund_tvpi", "100", linear)).replace("min_score = 0", "min_score = 10"));
    assert!(e.contains("scorecard.grades[2].min_score: the last (lowest) grade must have min_score = 0"), "{e}");

    // Bonus items do not count towards the 100.
    assert!(check(&card(&(item("fund_tvpi", "100", linear) + &item("ipos", "30", linear).replace("weight", "bonus = true\nweight")))).is_ok());
}

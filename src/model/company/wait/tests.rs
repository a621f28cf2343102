use statrs::distribution::{ContinuousCDF, Gamma};

use super::*;
use crate::rng::{Component, StreamKey};

/// Kolmogorov–Smirnov: 20,000 waits against statrs' gamma CDF, below the 1% critical distance.
#[test]
fn sampled_waits_follow_the_gamma_law() {
    for (shape, mean) in [(2.5, 8.0), (0.5, 3.0)] {
        let wait = Wait::new(shape, mean).unwrap();
        let law = Gamma::new(shape, shape / mean).unwrap();
        let mut rng = StreamKey::new(17, Component::Direct).rng(0, 0);
        let n = 20_000;
        let mut waits: Vec<f64> = (0..n).map(|_| wait.sample(&mut rng)).collect();
        waits.sort_by(f64::total_cmp);
        let distance = waits
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let cdf = law.cdf(x);
                (cdf - i as f64 / n as f64).max((i + 1) as f64 / n as f64 - cdf)
            })
            .fold(0.0, f64::max);
        assert!(distance < 1.63 / (n as f64).sqrt(), "shape {shape}: KS distance {distance}");
    }
}

#[test]
fn waits_reject_bad_laws_and_keep_fixed_ones() {
    for shape in [0.0, -1.0, f64::NAN, f64::NEG_INFINITY] {
        assert!(Wait::new(shape, 4.0).is_err(), "shape {shape}");
    }
    assert!(Wait::new(2.0, 0.0).is_err());
    let mut rng = StreamKey::new(1, Component::Direct).rng(0, 0);
    assert_eq!(Wait::new(f64::INFINITY, 4.5).unwrap().sample(&mut rng), 4.5);
}

/// Words spread evenly over (0, 2⁶⁴), tails included.
fn word_grid() -> impl Iterator<Item = u64> {
    (0..2000u64).map(|k| (k * (u64::MAX / 2000)).wrapping_add(12345))
}

/// The wait left after `e` quarters in the stage, from the uniform `u`, is the gamma law's
/// quantile of `F(e) + u (1 − F(e))` less `e`: checked against statrs' CDF, word by word.
#[test]
fn the_wait_left_follows_the_law_conditioned_on_the_time_spent() {
    for (shape, mean) in [(2.5, 8.0), (0.5, 3.0), (1.0, 6.0)] {
        let wait = Wait::new(shape, mean).unwrap();
        let law = Gamma::new(shape, shape / mean).unwrap();
        for elapsed in [0.5, 4.0, 12.0, 30.0] {
            let before = law.cdf(elapsed);
            let mut last = 0.0;
            for word in word_grid() {
                let left = wait.remaining(word, elapsed);
                assert!(left >= last, "shape {shape}, elapsed {elapsed}: the wait left must rise with the word");
                last = left;
                let u = (word as f64 + 0.5) / 2f64.powi(64);
                let expected = before + u * (1.0 - before);
                let got = law.cdf(elapsed + left);
                assert!((got - expected).abs() < 1e-3, "shape {shape}, elapsed {elapsed}, u {u}: F(e + left) = {got}, expected {expected}");
            }
        }
        // Nothing spent: the plain draw, word for word.
        for word in word_grid() {
            assert_eq!(wait.remaining(word, 0.0), match &wait {
                Wait::Gamma { quantiles, scale, .. } => scale * quantiles.quantile(word),
                Wait::Fixed(q) => *q,
            });
        }
    }
    let fixed = Wait::new(f64::INFINITY, 4.5).unwrap();
    let mut rng = StreamKey::new(1, Component::Direct).rng(0, 0);
    assert_eq!(fixed.sample_after(&mut rng, 1.5), 3.0);
    assert_eq!(fixed.sample_after(&mut rng, 6.0), 0.0);
}

/// With a rising hazard (shape above 1) a company long in its stage moves sooner, on average and
/// word by word, than one that has just entered it; the draws pair (one word each).
#[test]
fn a_company_long_in_its_stage_moves_sooner() {
    let wait = Wait::new(2.5, 8.0).unwrap();
    let n = word_grid().count() as f64;
    let fresh: f64 = word_grid().map(|w| wait.remaining(w, 0.0)).sum::<f64>() / n;
    let long: f64 = word_grid().map(|w| wait.remaining(w, 10.0)).sum::<f64>() / n;
    assert!(long < 0.8 * fresh, "mean wait left after 10 quarters {long}, fresh {fresh}");
    let (mut a, mut b) = (StreamKey::new(3, Component::Direct).rng(0, 0), StreamKey::new(3, Component::Direct).rng(0, 0));
    for _ in 0..100 {
        let (x, y) = (wait.sample(&mut a), wait.sample_after(&mut b, 10.0));
        assert!(y.is_finite() && y >= 0.0);
        assert!(x.is_finite());
    }
    // One word per draw: both generators are at the same place.
    assert_eq!(wait.sample(&mut a), wait.sample(&mut b));
}

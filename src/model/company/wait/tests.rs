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

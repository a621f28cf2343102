//! The mean of a per-path value by control variates, with a heteroskedasticity-robust (HC3)
//! standard error (docs/performance.md, "Control variates").
//!
//! With controls `c` whose expectation is known to be zero ([`crate::metrics::controls`]), the
//! least-squares fit `y = a + b·c + e` gives the estimate `a = ȳ − b·c̄`: the plain mean
//! corrected by how far this run's controls fell from their known means. It is consistent
//! whatever the relation of `y` to `c` (the fit need not be right); its bias from estimating `b`
//! on the same paths is of order 1/n, far below its standard error. The standard error is
//! HC3 (each squared residual over `(1 − leverage)²`, the jackknife's), valid when the residuals' variance
//! differs from path to path — as it does when rare large exits drive both the value and the
//! controls. HC3 rather than HC2: on 400 runs of 1,000 paths of a small scenario, HC2's
//! intervals covered the mean of a large run a little less often (docs/performance.md). With
//! no controls it is the plain mean, and its usual standard error times √(n / (n − 1)).
//!
//! Controls without variance in the run, or (numerically) a combination of the others, are
//! left out; with fewer than [`PATHS_PER_CONTROL`] paths per coefficient, or a value missing on
//! some paths (the controls' means are known over all paths, not over a selection of them), the
//! plain mean is used.

use serde::{Deserialize, Serialize};

use super::summary::Z95;

/// The fewest paths per fitted coefficient (controls plus the intercept) for the regression;
/// below that the plain mean is reported.
pub const PATHS_PER_CONTROL: usize = 20;

/// A control whose variance left after the controls before it is below this share of its own is
/// treated as collinear and left out.
const COLLINEAR: f64 = 1e-9;

/// How a mean was estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Regression on the control variates, HC3 standard error.
    ControlVariates,
    /// The plain average and its usual standard error (too few paths for the regression).
    Plain,
}

/// An estimate of a mean with its standard error and 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanEstimate {
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub estimate: f64,
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub std_error: f64,
    /// estimate ± 1.96 standard errors.
    #[serde(deserialize_with = "super::nan::deserialize")]
    pub ci95: (f64, f64),
    pub method: Method,
    /// Paths used (those where the value and every control are finite).
    pub n: usize,
    /// Controls used.
    pub controls: usize,
}

impl MeanEstimate {
    pub fn new(estimate: f64, std_error: f64, n: usize, controls: usize, method: Method) -> MeanEstimate {
        MeanEstimate { estimate, std_error, ci95: (estimate - Z95 * std_error, estimate + Z95 * std_error), method, n, controls }
    }
}

/// The mean of `y` by regression on `controls` (each as long as `y`, each of known mean
/// zero), over the paths where all are finite.
pub fn mean(y: &[f64], controls: &[&[f64]]) -> MeanEstimate {
    let rows: Vec<usize> = (0..y.len()).filter(|&i| y[i].is_finite() && controls.iter().all(|c| c[i].is_finite())).collect();
    let n = rows.len();
    let nf = n as f64;
    let p = controls.len();
    let y_mean = rows.iter().map(|&i| y[i]).sum::<f64>() / nf;
    // The controls' means are known over all paths, not over those where `y` happens to be
    // defined (an IRR needs flows that change sign, which the shocks decide): a metric
    // missing on some paths gets the plain mean of the paths that have it.
    if n < 2 || n < PATHS_PER_CONTROL * (p + 1) || n < y.len() {
        let plain: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
        return MeanEstimate::new(y_mean, super::summary::standard_error(&plain), n, 0, Method::Plain);
    }
    let c_mean: Vec<f64> = controls.iter().map(|c| rows.iter().map(|&i| c[i]).sum::<f64>() / nf).collect();
    // Cross-products of the centred controls (s) and with the centred value (t).
    let mut s = vec![0.0; p * p];
    let mut t = vec![0.0; p];
    let mut x = vec![0.0; p];
    for &i in &rows {
        for (k, (xk, c)) in x.iter_mut().zip(controls).enumerate() {
            *xk = c[i] - c_mean[k];
        }
        let dy = y[i] - y_mean;
        for j in 0..p {
            t[j] += x[j] * dy;
            for k in 0..=j {
                s[j * p + k] += x[j] * x[k];
            }
        }
    }
    let (l, kept) = cholesky(&s, p);
    let controls_used = kept.iter().filter(|&&k| k).count();
    // b = S⁻¹ t; g = L⁻¹ c̄ (so that c̄·S⁻¹·x = g·L⁻¹x).
    let z = forward(&l, &kept, &t);
    let b = backward(&l, &kept, &z);
    let g = forward(&l, &kept, &c_mean);
    let estimate = y_mean - b.iter().zip(&c_mean).map(|(b, c)| b * c).sum::<f64>();
    let mut variance = 0.0;
    for &i in &rows {
        for (k, (xk, c)) in x.iter_mut().zip(controls).enumerate() {
            *xk = c[i] - c_mean[k];
        }
        let q = forward(&l, &kept, &x);
        let leverage = 1.0 / nf + q.iter().map(|v| v * v).sum::<f64>();
        let weight = 1.0 / nf - g.iter().zip(&q).map(|(g, q)| g * q).sum::<f64>();
        let residual = y[i] - y_mean - b.iter().zip(&x).map(|(b, x)| b * x).sum::<f64>();
        if residual != 0.0 {
            let keep = (1.0 - leverage).max(f64::EPSILON);
            variance += weight * weight * residual * residual / (keep * keep);
        }
    }
    MeanEstimate::new(estimate, variance.sqrt(), n, controls_used, Method::ControlVariates)
}

/// Lower Cholesky factor of the symmetric `p × p` matrix whose lower triangle is `s`, skipping
/// (zero row and column, `kept[j] = false`) each column without variance of its own left.
fn cholesky(s: &[f64], p: usize) -> (Vec<f64>, Vec<bool>) {
    let mut l = vec![0.0; p * p];
    let mut kept = vec![false; p];
    for j in 0..p {
        let own = s[j * p + j];
        let rest = own - (0..j).map(|k| l[j * p + k] * l[j * p + k]).sum::<f64>();
        if !(own > 0.0 && rest > COLLINEAR * own) {
            continue;
        }
        kept[j] = true;
        let d = rest.sqrt();
        l[j * p + j] = d;
        for i in j + 1..p {
            let dot: f64 = (0..j).map(|k| l[i * p + k] * l[j * p + k]).sum();
            l[i * p + j] = (s[i * p + j] - dot) / d;
        }
    }
    (l, kept)
}

/// Solves `L z = v` over the kept columns (zero elsewhere).
fn forward(l: &[f64], kept: &[bool], v: &[f64]) -> Vec<f64> {
    let p = kept.len();
    let mut z = vec![0.0; p];
    for j in (0..p).filter(|&j| kept[j]) {
        let dot: f64 = (0..j).map(|k| l[j * p + k] * z[k]).sum();
        z[j] = (v[j] - dot) / l[j * p + j];
    }
    z
}

/// Solves `Lᵀ b = z` over the kept columns (zero elsewhere).
fn backward(l: &[f64], kept: &[bool], z: &[f64]) -> Vec<f64> {
    let p = kept.len();
    let mut b = vec![0.0; p];
    for j in (0..p).rev().filter(|&j| kept[j]) {
        let dot: f64 = (j + 1..p).map(|k| l[k * p + j] * b[k]).sum();
        b[j] = (z[j] - dot) / l[j * p + j];
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Component, StreamKey};

    /// `n` draws of a value `2 + 3 c₁ − c₂ + noise` whose noise grows with |c₁| (heteroskedastic)
    /// and has a heavy right tail; c₁ standard normal, c₂ uniform on [−1, 1], both of mean 0.
    fn sample(seed: u64, n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let key = StreamKey::new(seed, Component::Direct);
        let mut rng = key.rng(0, 0);
        let (mut y, mut c1, mut c2) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            let a = rng.normal();
            let b = 2.0 * rand::RngExt::random::<f64>(&mut rng) - 1.0;
            // Lognormal noise less its mean e^(1/2): mean zero, skewed.
            let noise = 0.5 * (1.0 + a.abs()) * (rng.normal().exp() - 0.5f64.exp());
            y.push(2.0 + 3.0 * a - b + noise);
            c1.push(a);
            c2.push(b);
        }
        (y, c1, c2)
    }

    #[test]
    fn without_controls_it_is_the_plain_mean() {
        let (y, _, _) = sample(1, 500);
        let e = mean(&y, &[]);
        let s = crate::stats::summary::Summary::of(&y);
        assert_eq!(e.method, Method::ControlVariates);
        assert!((e.estimate - s.mean).abs() < 1e-12);
        let n = y.len() as f64;
        assert!((e.std_error / s.std_error - (n / (n - 1.0)).sqrt()).abs() < 1e-9, "{} vs {}", e.std_error, s.std_error);
    }

    /// Over many independent samples the estimate averages the true mean (2) and its 95%
    /// interval covers it about 95% of the time; the plain mean's variance is several times
    /// larger.
    #[test]
    fn the_estimate_is_unbiased_and_its_interval_covers() {
        let runs = 400;
        let (mut sum, mut covered, mut cv_sq, mut plain_sq) = (0.0, 0, 0.0, 0.0);
        for seed in 0..runs {
            let (y, c1, c2) = sample(100 + seed, 400);
            let e = mean(&y, &[&c1, &c2]);
            assert_eq!((e.method, e.controls), (Method::ControlVariates, 2));
            sum += e.estimate;
            covered += usize::from(e.ci95.0 <= 2.0 && 2.0 <= e.ci95.1);
            cv_sq += (e.estimate - 2.0).powi(2);
            plain_sq += (y.iter().sum::<f64>() / y.len() as f64 - 2.0).powi(2);
        }
        let average = sum / runs as f64;
        let spread = (cv_sq / runs as f64).sqrt();
        assert!((average - 2.0).abs() < 4.0 * spread / (runs as f64).sqrt(), "average {average}");
        let coverage = covered as f64 / runs as f64;
        // Binomial standard error of a 95% rate over 400 runs: 1.1 points.
        assert!((coverage - 0.95).abs() < 0.035, "coverage {coverage}");
        assert!(plain_sq > 2.0 * cv_sq, "variance reduction {}", plain_sq / cv_sq);
    }

    #[test]
    fn constant_and_collinear_controls_are_left_out() {
        let (y, c1, _) = sample(3, 300);
        let constant = vec![0.0; 300];
        let twice: Vec<f64> = c1.iter().map(|x| 2.0 * x).collect();
        let e = mean(&y, &[&c1, &constant, &twice]);
        let alone = mean(&y, &[&c1]);
        assert_eq!(e.controls, 1);
        assert!((e.estimate - alone.estimate).abs() < 1e-9 && (e.std_error - alone.std_error).abs() < 1e-9);
    }

    #[test]
    fn missing_values_and_few_paths_fall_back_gracefully() {
        let (mut y, c1, _) = sample(4, 100);
        y[0] = f64::NAN;
        let e = mean(&y, &[&c1]);
        assert_eq!((e.n, e.method), (99, Method::Plain), "a value missing on a path: the plain mean of the others");
        let few = mean(&y[..30], &[&c1[..30]]);
        assert_eq!(few.method, Method::Plain);
        assert!(few.std_error > 0.0);
        assert!(mean(&[], &[]).estimate.is_nan());
    }
}

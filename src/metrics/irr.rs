//! Internal rate of return of a quarterly cash-flow series, from a root finder that cannot
//! silently fail (docs/model.md §6).
//!
//! Flows are indexed by quarter; positive is cash to the investor, negative is paid in. The
//! IRR is the quarterly rate `r` with `Σ flows[t] / (1+r)^t = 0`, reported annualised as
//! `(1+r)^4 - 1`. Every outcome is a variant of [`Irr`]: a rate that is proven unique, a rate
//! that is one of several, no rate because the flows never change sign, or no rate found.
//!
//! How it works. Leading and trailing zero quarters are trimmed (they do not move the roots).
//! The solver works in the log-rate `x = ln(1+r)`, so every `x` is a valid rate above -100 %
//! and a wipe-out (invest, get back almost nothing) is just a large negative `x`. It
//! evaluates a positive multiple of the NPV whose terms never exceed the flows themselves:
//! `Σ a_t e^{-xt}` for `x ≥ 0` and `Σ a_t e^{x(T-t)}` (the future value) for `x < 0`, so
//! nothing overflows for any `x`, and for `|x| > 745` the value is exactly the first
//! (respectively last) flow.
//!
//! 1. Newton from the multiple-based guess `x₀ = ln(inflows/outflows) / gap`, where `gap` is
//!    the cash-weighted mean time of inflows minus that of outflows, with damped steps.
//! 2. Uniqueness, if Newton found `x*`: Descartes' rule of signs — one sign change in the
//!    flows means exactly one root — or the project-balance criterion of Teichroew, Robichek
//!    & Montalbano (1965): if the investor's balance compounded at `x*` never changes sign,
//!    `x*` is the only root. (Proof: the balances are, up to positive factors, the
//!    coefficients of `NPV(v)/(v - v*)` in `v = 1/(1+r)`; with no sign change that quotient
//!    has no positive root.) Norström's (1972) cumulative-sum criterion is this test at rate
//!    0 and only rules out other *nonnegative* rates, so it alone is not used; the balance
//!    test at the root covers the whole range and holds for ordinary funds.
//! 3. Otherwise (rare) a scan of about 2,400 log-rates over `[-750, 750]`, dense (step
//!    0.001) for quarterly rates between -63 % and +172 %, brackets every sign change, and
//!    Brent's method refines each. One root gives `Defined`; several give `Ambiguous` with
//!    the root nearest the Newton root (or nearest `x₀` if Newton failed), because that is
//!    the root continuous with the fund's multiple and timing. A Newton root with no bracket
//!    around it (NPV touches zero without crossing, or two roots closer than a grid step) is
//!    also `Ambiguous`. Sign changes without any root found give `NotFound`.
//!
//! Every loop is bounded; no `NaN` is ever placed in `Defined` or `Ambiguous` (a rate above
//! `e^177` per quarter would annualise to `+inf`, impossible for flows between 1e-6 and 1e5).
//! Non-finite flows give `NotFound`.

use serde::Serialize;

/// The internal rate of return of a cash-flow series, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Irr {
    /// A unique root: the annualised IRR, (1 + r_q)^4 - 1.
    Defined {
        /// Annualised rate.
        annual: f64,
    },
    /// A root was found, but the flows admit more than one (reported, flagged).
    Ambiguous {
        /// Annualised rate of the root nearest the Newton root.
        annual: f64,
    },
    /// Flows never change sign (all paid in, nothing back — or vice versa): no IRR exists.
    NoSignChange,
    /// Sign changes but no root could be bracketed (should not happen for ordinary funds).
    NotFound,
}

impl Irr {
    /// The annual rate when uniquely defined.
    pub fn annual(&self) -> Option<f64> {
        match *self {
            Irr::Defined { annual } => Some(annual),
            _ => None,
        }
    }

    /// The annual rate when a root was found (Defined or Ambiguous).
    pub fn any_root(&self) -> Option<f64> {
        match *self {
            Irr::Defined { annual } | Irr::Ambiguous { annual } => Some(annual),
            _ => None,
        }
    }
}

/// NPV at a quarterly rate, `Σ flows[t] / (1+rate)^t`. `NaN` unless the rate is above -1.
pub fn npv(flows: &[f64], quarterly_rate: f64) -> f64 {
    if quarterly_rate.is_nan() || quarterly_rate <= -1.0 {
        return f64::NAN;
    }
    let discount = 1.0 / (1.0 + quarterly_rate);
    flows
        .iter()
        .rev()
        .fold(0.0, |acc, &flow| acc * discount + flow)
}

/// The quarterly rate equivalent to an annual one: (1 + annual)^(1/4) - 1.
pub fn quarterly_rate(annual: f64) -> f64 {
    ((1.0 + annual).ln() / 4.0).exp_m1()
}

/// IRR of quarterly flows, annualised.
///
/// ```
/// use fifsim::metrics::irr::{irr, Irr};
/// // Pay 100, get 121 a year (four quarters) later: 21 % a year.
/// let annual = irr(&[-100.0, 0.0, 0.0, 0.0, 121.0]).annual();
/// assert!(annual.is_some_and(|r| (r - 0.21).abs() < 1e-12));
/// // Two IRRs (10 % and 20 % a quarter): flagged, not silently picked.
/// assert!(matches!(irr(&[-100.0, 230.0, -132.0]), Irr::Ambiguous { .. }));
/// assert_eq!(irr(&[-100.0, 0.0]), Irr::NoSignChange);
/// ```
///
/// Flows smaller than `1e-12` of the largest are rounding dust (a NAV summed from marks that
/// cancel, say) and count as zero: left in, a −2e-12 after a run of zeros would add a spurious
/// sign change and a spurious root.
pub fn irr(flows: &[f64]) -> Irr {
    // The largest and the smallest nonzero magnitude in one pass the compiler vectorises, with
    // plain comparisons, not `f64::max`/`min` (whose NaN handling costs instructions on x86): a
    // `NaN` flow is skipped either way, and ends in `NotFound` below.
    let (largest, smallest) = flows.iter().fold((0.0, f64::INFINITY), |(largest, smallest), f| {
        let magnitude = f.abs();
        (
            if magnitude > largest { magnitude } else { largest },
            if magnitude != 0.0 && magnitude < smallest { magnitude } else { smallest },
        )
    });
    let dust = 1e-12 * largest;
    let cleaned: Vec<f64>;
    let flows = if smallest < dust {
        cleaned = flows.iter().map(|&f| if f.abs() < dust { 0.0 } else { f }).collect();
        &cleaned
    } else {
        flows
    };
    match Trimmed::new(flows) {
        Ok(trimmed) => solve(&trimmed, trimmed.start()),
        Err(status) => status,
    }
}

/// Newton steps are clamped to this many log-rate units (a factor e² in 1+r).
const MAX_NEWTON_STEP: f64 = 2.0;
const MAX_NEWTON_ITERATIONS: usize = 100;
const MAX_BRENT_ITERATIONS: usize = 200;
/// Beyond this log-rate every discount factor underflows: the NPV sign is the limit sign.
const X_LIMIT: f64 = 750.0;
/// Absolute log-rate tolerance of Brent's method.
const X_TOLERANCE: f64 = 1e-14;

/// The flows from the first to the last nonzero quarter (a polynomial in the discount factor).
struct Trimmed<'a> {
    flows: &'a [f64],
    /// Sign changes of the flows (zeros keep the previous sign), counted up to two: [`solve`]
    /// only asks whether there is exactly one.
    sign_changes: usize,
}

impl<'a> Trimmed<'a> {
    fn new(flows: &'a [f64]) -> Result<Trimmed<'a>, Irr> {
        // Non-finite flows are nonzero, so they all lie between the first and last nonzero one.
        let first = flows.iter().position(|&f| f != 0.0);
        let last = flows.iter().rposition(|&f| f != 0.0);
        let (Some(first), Some(last)) = (first, last) else {
            return Err(Irr::NoSignChange);
        };
        let flows = &flows[first..=last];
        // Finiteness in a loop the compiler vectorises; the sign changes then stop at the
        // second, which a fund's flows (calls, then distributions among calls) reach within a
        // few years, so a path's IRRs rarely scan their flows to the end.
        if !flows.iter().fold(true, |finite, flow| finite & flow.is_finite()) {
            return Err(Irr::NotFound);
        }
        let mut sign_changes = 0;
        let mut sign = flows[0].signum();
        for &flow in &flows[1..] {
            // Negative only against the opposite sign (never for a zero).
            if flow * sign < 0.0 {
                sign_changes += 1;
                if sign_changes == 2 {
                    break;
                }
                sign = -sign;
            }
        }
        if sign_changes == 0 {
            return Err(Irr::NoSignChange);
        }
        Ok(Trimmed {
            flows,
            sign_changes,
        })
    }

    /// Log-rate guess from the multiple and the cash-weighted gap between paying and getting.
    fn start(&self) -> f64 {
        let (mut inflow, mut outflow, mut time_in, mut time_out) = (0.0, 0.0, 0.0, 0.0);
        for (t, &flow) in self.flows.iter().enumerate() {
            if flow > 0.0 {
                inflow += flow;
                time_in += t as f64 * flow;
            } else {
                outflow -= flow;
                time_out -= t as f64 * flow;
            }
        }
        let gap = time_in / inflow - time_out / outflow;
        let guess = if gap.abs() < 0.25 {
            0.0
        } else {
            (inflow.ln() - outflow.ln()) / gap
        };
        if guess.is_finite() {
            guess.clamp(-50.0, 50.0)
        } else {
            0.0
        }
    }

    /// A positive multiple of the NPV at log-rate `x` and its derivative in `x`.
    fn evaluate(&self, x: f64) -> (f64, f64) {
        let (mut value, mut slope) = (0.0, 0.0);
        let factor = discount_factor(x);
        if x >= 0.0 {
            for &flow in self.flows.iter().rev() {
                slope = slope * factor + value;
                value = value * factor + flow;
            }
            (value, -factor * slope)
        } else {
            for &flow in self.flows {
                slope = slope * factor + value;
                value = value * factor + flow;
            }
            (value, factor * slope)
        }
    }

    /// The sum of the absolute terms at log-rate `x`: the scale against which the value is
    /// small or not. Apart from [`Trimmed::evaluate`] because Newton needs it only once, when
    /// it stops.
    fn scale(&self, x: f64) -> f64 {
        self.horner(x >= 0.0, discount_factor(x), f64::abs)
    }

    fn value(&self, x: f64) -> f64 {
        self.horner(x >= 0.0, discount_factor(x), |flow| flow)
    }

    /// Horner's rule in the factor [`discount_factor`] gives at a log-rate of sign
    /// `nonnegative`, over `term(flow)`: from the last flow for a nonnegative log-rate (present
    /// value), from the first otherwise (future value).
    fn horner(&self, nonnegative: bool, factor: f64, term: impl Fn(f64) -> f64) -> f64 {
        if nonnegative {
            self.flows
                .iter()
                .rev()
                .fold(0.0, |acc, &flow| acc * factor + term(flow))
        } else {
            self.flows.iter().fold(0.0, |acc, &flow| acc * factor + term(flow))
        }
    }

    /// The NPV multiples ([`Trimmed::value`]) at four log-rates of sign `nonnegative`, given
    /// their factors, in one pass over the flows: the four Horner chains run side by side in
    /// one vector register, each rounding as it would alone, so the results are those of four
    /// separate passes.
    fn values4(&self, nonnegative: bool, factors: [f64; 4]) -> [f64; 4] {
        let step = |mut acc: [f64; 4], &flow: &f64| {
            for (value, factor) in acc.iter_mut().zip(factors) {
                *value = *value * factor + flow;
            }
            acc
        };
        if nonnegative {
            self.flows.iter().rev().fold([0.0; 4], step)
        } else {
            self.flows.iter().fold([0.0; 4], step)
        }
    }

    /// Project-balance criterion at root `x`: the Horner partial sums (the deflated
    /// polynomial's coefficients) never change sign, so `x` is the only root.
    fn balances_keep_sign(&self, x: f64) -> bool {
        let (first, inner, last) = (
            self.flows[0],
            &self.flows[1..self.flows.len() - 1],
            self.flows[self.flows.len() - 1],
        );
        if x >= 0.0 {
            partial_sums_keep_sign(last, discount_factor(x), inner.iter().rev())
        } else {
            partial_sums_keep_sign(first, discount_factor(x), inner.iter())
        }
    }
}

/// The Horner factor at log-rate `x`: `e^{-x}` (discounting) for `x ≥ 0`, `e^{x}`
/// (compounding) below, so it never exceeds 1.
fn discount_factor(x: f64) -> f64 {
    if x >= 0.0 { (-x).exp() } else { x.exp() }
}

/// Whether Horner's partial sums `b ← b·factor + flow`, starting from `start`, keep its sign.
/// Zeros are ignored, as in Descartes' rule, and so is rounding dust: a balance within
/// `1e-9` of the largest magnitude seen so far counts as zero (a fund whose deals all earn the
/// same rate returns its balance exactly to zero at each exit, up to rounding).
fn partial_sums_keep_sign<'a>(
    start: f64,
    factor: f64,
    flows: impl Iterator<Item = &'a f64>,
) -> bool {
    const DUST: f64 = 1e-9;
    let positive = start > 0.0;
    let mut balance = start;
    let mut scale = start.abs();
    for &flow in flows {
        balance = balance * factor + flow;
        // Plain comparisons, not `f64::max` (whose NaN handling costs instructions on x86):
        // finite flows and a factor ≤ 1 give no NaN. The rare sign test goes first.
        let magnitude = balance.abs();
        scale = if magnitude > scale { magnitude } else { scale };
        scale = if flow.abs() > scale { flow.abs() } else { scale };
        if (balance > 0.0) != positive && magnitude > DUST * scale {
            return false;
        }
    }
    true
}

fn annualise(x: f64) -> f64 {
    (4.0 * x).exp_m1()
}

/// Newton's method in the log-rate; `None` if it stalls, diverges or runs out of steps.
fn newton(flows: &Trimmed, start: f64) -> Option<f64> {
    let mut x = start;
    for _ in 0..MAX_NEWTON_ITERATIONS {
        let (value, slope) = flows.evaluate(x);
        if value == 0.0 {
            return Some(x);
        }
        if !(value.is_finite() && slope.is_finite()) || slope == 0.0 {
            return None;
        }
        let step = (-value / slope).clamp(-MAX_NEWTON_STEP, MAX_NEWTON_STEP);
        let evaluated_at = x;
        x += step;
        if x.is_nan() || x.abs() >= X_LIMIT {
            return None;
        }
        if step.abs() <= 1e-13 * (1.0 + x.abs()) {
            // Accept only a true near-zero, not a flat stretch far from any root.
            return (value.abs() <= 1e-9 * flows.scale(evaluated_at)).then_some(x);
        }
    }
    None
}

/// Brent's method (zeroin) on a bracket `[a, b]` with `fa`, `fb` of opposite signs.
fn brent(flows: &Trimmed, mut a: f64, mut b: f64, mut fa: f64, mut fb: f64) -> f64 {
    let (mut c, mut fc) = (a, fa);
    let (mut d, mut e) = (b - a, b - a);
    for _ in 0..MAX_BRENT_ITERATIONS {
        if fc.abs() < fb.abs() {
            (a, b, c) = (b, c, b);
            (fa, fb, fc) = (fb, fc, fb);
        }
        let tol = 2.0 * f64::EPSILON * b.abs() + 0.5 * X_TOLERANCE;
        let half = 0.5 * (c - b);
        if half.abs() <= tol || fb == 0.0 {
            return b;
        }
        if e.abs() >= tol && fa.abs() > fb.abs() {
            // Secant or inverse quadratic interpolation, if it stays well inside the bracket.
            let s = fb / fa;
            let (mut p, mut q) = if a == c {
                (2.0 * half * s, 1.0 - s)
            } else {
                let (q, r) = (fa / fc, fb / fc);
                (
                    s * (2.0 * half * q * (q - r) - (b - a) * (r - 1.0)),
                    (q - 1.0) * (r - 1.0) * (s - 1.0),
                )
            };
            if p > 0.0 {
                q = -q;
            }
            p = p.abs();
            if 2.0 * p < 3.0 * half * q - (tol * q).abs() && p < (0.5 * e * q).abs() {
                e = d;
                d = p / q;
            } else {
                (d, e) = (half, half);
            }
        } else {
            (d, e) = (half, half);
        }
        (a, fa) = (b, fb);
        b += if d.abs() > tol { d } else { tol.copysign(half) };
        fb = flows.value(b);
        if (fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0) {
            (c, fc) = (a, fa);
            (d, e) = (b - a, b - a);
        }
    }
    b
}

/// Scan grid: step 0.004 on [-1, 1] (1.6% a year in the rate near zero), then steps growing 5 %
/// each out to ±X_LIMIT; built once. Two roots closer than a step can hide from the scan: such
/// flows are reported `Defined` at the root found. Each point comes with its
/// [`discount_factor`], so a scan (about 875 NPVs) takes no exponential.
fn scan_grid() -> &'static [(f64, f64)] {
    static GRID: std::sync::OnceLock<Vec<(f64, f64)>> = std::sync::OnceLock::new();
    GRID.get_or_init(|| build_scan_grid().into_iter().map(|x| (x, discount_factor(x))).collect())
}

fn build_scan_grid() -> Vec<f64> {
    let mut positive = Vec::with_capacity(400);
    let (mut x, mut step) = (0.0_f64, 4e-3);
    while x < X_LIMIT {
        positive.push(x);
        x += step;
        if x > 1.0 {
            step *= 1.05;
        }
    }
    positive.push(X_LIMIT);
    let mut grid: Vec<f64> = positive.iter().skip(1).rev().map(|x| -x).collect();
    grid.extend_from_slice(&positive);
    grid
}

/// Roots found on the scan grid (ascending): those where the NPV crosses zero, refined by
/// Brent's method, and grid points where it touches zero without crossing.
struct ScanRoots {
    crossing: Vec<f64>,
    touching: Vec<f64>,
}

fn scan_roots(flows: &Trimmed) -> ScanRoots {
    let mut roots = ScanRoots {
        crossing: Vec::new(),
        touching: Vec::new(),
    };
    let grid = scan_grid();
    let mut values = Vec::with_capacity(grid.len());
    for points in grid.chunks(4) {
        match *points {
            // The grid ascends: if the ends of four points have one sign, all four do.
            [(a, fa), (_, fb), (_, fc), (d, fd)] if (a >= 0.0) == (d >= 0.0) => {
                values.extend(flows.values4(a >= 0.0, [fa, fb, fc, fd]));
            }
            _ => values.extend(points.iter().map(|&(x, factor)| flows.horner(x >= 0.0, factor, |flow| flow))),
        }
    }
    let mut previous: Option<(f64, f64)> = None;
    let mut exact_zero: Option<f64> = None;
    for (&(x, _), &value) in grid.iter().zip(&values) {
        if value == 0.0 {
            exact_zero = exact_zero.or(Some(x));
            continue;
        }
        if !value.is_finite() {
            (previous, exact_zero) = (None, None);
            continue;
        }
        if let Some((x_prev, v_prev)) = previous {
            let crosses = (v_prev > 0.0) != (value > 0.0);
            match exact_zero {
                Some(zero) if crosses => roots.crossing.push(zero),
                Some(zero) => roots.touching.push(zero),
                None if crosses => roots.crossing.push(brent(flows, x_prev, x, v_prev, value)),
                None => {}
            }
        }
        (previous, exact_zero) = (Some((x, value)), None);
    }
    roots
}

/// Solve from a given start (separate from [`irr`] so tests can force Newton to fail).
fn solve(flows: &Trimmed, start: f64) -> Irr {
    let newton_root = newton(flows, start);
    if let Some(x) = newton_root
        && (flows.sign_changes == 1 || flows.balances_keep_sign(x))
    {
        return Irr::Defined {
            annual: annualise(x),
        };
    }
    // Only a single root where the NPV crosses zero is Defined; a Newton root the scan did
    // not bracket is a touching root (or one of two roots inside one grid step).
    let ScanRoots {
        crossing,
        mut touching,
    } = scan_roots(flows);
    if let Some(x) = newton_root {
        let is_near = |r: &f64| (r - x).abs() <= 1e-8 * (1.0 + x.abs());
        if !crossing.iter().chain(&touching).any(is_near) {
            touching.push(x);
        }
    }
    let anchor = newton_root.unwrap_or(start);
    let nearest = crossing
        .iter()
        .chain(&touching)
        .copied()
        .min_by(|a, b| (a - anchor).abs().total_cmp(&(b - anchor).abs()));
    match (nearest, crossing.len(), touching.len()) {
        (None, _, _) => Irr::NotFound,
        (Some(x), 1, 0) => Irr::Defined {
            annual: annualise(x),
        },
        (Some(x), _, _) => Irr::Ambiguous {
            annual: annualise(x),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn rounding_dust_is_not_a_cash_flow() {
        let flows = [-100.0, 0.0, 0.0, 0.0, 150.0, 0.0, -2e-12];
        match irr(&flows) {
            Irr::Defined { annual } => assert!((annual - 0.5).abs() < 1e-12),
            other => panic!("{other:?}"),
        }
    }
    use rand_chacha::ChaCha8Rng;

    fn defined(flows: &[f64]) -> f64 {
        match irr(flows) {
            Irr::Defined { annual } => annual,
            other => panic!("expected a defined IRR for {flows:?}, got {other:?}"),
        }
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + b.abs())
    }

    /// `[first, repeated × n, last]`.
    fn series(first: f64, repeated: f64, n: usize, last: f64) -> Vec<f64> {
        let mut flows = vec![first];
        flows.extend(std::iter::repeat_n(repeated, n));
        flows.push(last);
        flows
    }

    #[test]
    fn known_series() {
        let per_year = |quarterly: f64| (1.0 + quarterly).powi(4) - 1.0;
        // Price of 12 quarterly payments of 10 at 3 % a quarter: 10 (1 - 1.03^-12) / 0.03.
        let annuity_price = 10.0 * (1.0 - 1.03f64.powi(-12)) / 0.03;
        let cases: [(Vec<f64>, f64); 10] = [
            (vec![-100.0, 110.0], per_year(0.1)),
            (vec![-100.0, 0.0, 0.0, 0.0, 121.0], 0.21),
            // Leading and trailing zero quarters change nothing.
            (vec![0.0, -100.0, 0.0, 0.0, 0.0, 121.0, 0.0], 0.21),
            // A five-year bond at par yields its coupon.
            (series(-100.0, 2.0, 19, 102.0), per_year(0.02)),
            (series(-annuity_price, 10.0, 11, 10.0), per_year(0.03)),
            (vec![-100.0, 50.0], per_year(-0.5)),
            (vec![-100.0, 1.0], per_year(-0.99)),
            // Receive first, repay later: a loan at 10 % a quarter.
            (vec![100.0, -110.0], per_year(0.1)),
            // Tiny and huge amounts (CNY millions, 1e-6 to 1e5) work alike.
            (vec![-1e-6, 0.0, 1.21e-6], per_year(0.1)),
            (vec![-1e-6, 1e5], 1e44),
        ];
        for (flows, expected) in cases {
            let annual = defined(&flows);
            assert!(
                close(annual, expected, 1e-11),
                "{flows:?}: {annual} vs {expected}"
            );
        }
    }

    #[test]
    fn wipe_out_is_near_minus_one() {
        assert!(close(defined(&[-100.0, 1e-9]), -1.0, 1e-15));
        // Below 1e-12 of the largest flow an inflow is rounding dust, not an inflow.
        assert_eq!(irr(&[-100.0, 1e-300]), Irr::NoSignChange);
        assert!(defined(&[-100.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1e-6]) > -1.0);
        // A zero final inflow is not an inflow.
        assert_eq!(irr(&[-100.0, 0.0]), Irr::NoSignChange);
    }

    #[test]
    fn no_sign_change() {
        assert_eq!(irr(&[]), Irr::NoSignChange);
        assert_eq!(irr(&[0.0, 0.0, 0.0]), Irr::NoSignChange);
        assert_eq!(irr(&[-100.0]), Irr::NoSignChange);
        assert_eq!(irr(&[-100.0, -5.0, 0.0, -1.0]), Irr::NoSignChange);
        assert_eq!(irr(&[10.0, 0.0, 5.0]), Irr::NoSignChange);
        assert_eq!(irr(&[-100.0, 0.0]).annual(), None);
    }

    #[test]
    fn non_finite_flows_are_not_found() {
        assert_eq!(irr(&[-100.0, f64::NAN, 110.0]), Irr::NotFound);
        assert_eq!(irr(&[-100.0, f64::INFINITY]), Irr::NotFound);
    }

    #[test]
    fn two_root_series_is_ambiguous() {
        // -100 + 230 v - 132 v² = 0 at 1+r = 1.1 and 1.2.
        let result = irr(&[-100.0, 230.0, -132.0]);
        assert!(matches!(result, Irr::Ambiguous { .. }), "{result:?}");
        assert_eq!(result.annual(), None);
        let annual = result.any_root().unwrap_or(f64::NAN);
        let roots = [1.1f64.powi(4) - 1.0, 1.2f64.powi(4) - 1.0];
        assert!(roots.iter().any(|&r| close(annual, r, 1e-10)), "{annual}");
    }

    #[test]
    fn double_root_is_ambiguous() {
        // -(1 - v)²: NPV touches zero at r = 0 without crossing.
        let result = irr(&[-1.0, 2.0, -1.0]);
        assert!(matches!(result, Irr::Ambiguous { .. }), "{result:?}");
    }

    #[test]
    fn interleaved_fund_flows_are_certified_unique() {
        // Calls and distributions interleave (several sign changes), yet the balance at the
        // root stays negative, so the IRR is proven unique.
        let flows = [-30.0, -30.0, 5.0, -40.0, 10.0, 20.0, -5.0, 40.0, 60.0, 30.0];
        let result = irr(&flows);
        assert!(matches!(result, Irr::Defined { .. }), "{result:?}");
        let rate = quarterly_rate(result.any_root().unwrap_or(f64::NAN));
        assert!(npv(&flows, rate).abs() < 1e-9);
    }

    #[test]
    fn bracketing_rescues_failed_newton() {
        let flows = [-100.0, 20.0, 30.0, 40.0, 50.0];
        let expected = defined(&flows);
        let Ok(trimmed) = Trimmed::new(&flows) else {
            panic!("sign change expected")
        };
        // At x = 760 every discount factor underflows: zero slope, Newton gives up at once.
        assert_eq!(newton(&trimmed, 760.0), None);
        assert!(close(
            solve(&trimmed, 760.0).annual().unwrap_or(f64::NAN),
            expected,
            1e-12
        ));
        // From x = 600 the clamped steps cannot reach the root within the iteration limit.
        assert_eq!(newton(&trimmed, 600.0), None);
        assert!(close(
            solve(&trimmed, 600.0).annual().unwrap_or(f64::NAN),
            expected,
            1e-12
        ));
        // The two-root series from a hopeless start: the scan still finds both roots.
        let Ok(two) = Trimmed::new(&[-100.0, 230.0, -132.0]) else {
            panic!()
        };
        assert!(matches!(solve(&two, 760.0), Irr::Ambiguous { .. }));
        assert_eq!(scan_roots(&two).crossing.len(), 2);
    }

    #[test]
    fn npv_basics() {
        assert!(close(npv(&[-100.0, 110.0], 0.1), 0.0, 1e-13));
        assert_eq!(npv(&[-100.0, 110.0], 0.0), 10.0);
        assert!(npv(&[-100.0, 110.0], -1.0).is_nan());
        assert_eq!(npv(&[], 0.05), 0.0);
        assert!(close(quarterly_rate(1.1f64.powi(4) - 1.0), 0.1, 1e-14));
    }

    #[test]
    fn serialises_with_a_status_tag() {
        let json = serde_json::to_string(&Irr::Defined { annual: 0.5 }).unwrap_or_default();
        assert_eq!(json, r#"{"status":"defined","annual":0.5}"#);
        let json = serde_json::to_string(&Irr::NoSignChange).unwrap_or_default();
        assert_eq!(json, r#"{"status":"no_sign_change"}"#);
    }

    /// A J-curve: calls over the first years, distributions later, some interleaving.
    fn random_fund(rng: &mut ChaCha8Rng) -> Vec<f64> {
        let quarters = rng.random_range(12..80);
        let call_end = rng.random_range(2..quarters.min(24));
        let first_distribution = rng.random_range(1..quarters - 1);
        let multiple = (rng.random_range(-2.5f64..2.3)).exp();
        let mut calls = vec![0.0; quarters];
        let mut distributions = vec![0.0; quarters];
        for call in calls.iter_mut().take(call_end) {
            if rng.random_bool(0.8) {
                *call = rng.random_range(0.0..100.0);
            }
        }
        for distribution in distributions.iter_mut().skip(first_distribution) {
            if rng.random_bool(0.6) {
                *distribution = rng.random_range(0.0..100.0);
            }
        }
        let paid: f64 = calls.iter().sum();
        let got: f64 = distributions.iter().sum::<f64>().max(1e-9);
        (0..quarters)
            .map(|t| distributions[t] * multiple * paid / got - calls[t])
            .collect()
    }

    #[test]
    fn npv_vanishes_at_the_irr_of_random_funds() {
        let mut rng = ChaCha8Rng::seed_from_u64(20_240_601);
        let (mut defined_count, mut checked) = (0, 0);
        for _ in 0..400 {
            let flows = random_fund(&mut rng);
            let result = irr(&flows);
            if result == Irr::NoSignChange {
                continue;
            }
            checked += 1;
            let annual = result.any_root().unwrap_or(f64::NAN);
            assert!(annual.is_finite(), "{flows:?} gave {result:?}");
            // Relative to the discounted absolute flows: the NPV's own rounding scale.
            let rate = quarterly_rate(annual);
            let gross = npv(&flows.iter().map(|f| f.abs()).collect::<Vec<_>>(), rate);
            let residual = npv(&flows, rate);
            assert!(
                residual.abs() <= 1e-9 * gross,
                "{flows:?}: {result:?}, npv {residual}"
            );
            if matches!(result, Irr::Defined { .. }) {
                defined_count += 1;
            }
        }
        assert!(checked >= 350, "{checked}");
        assert!(
            defined_count * 100 >= checked * 95,
            "{defined_count} of {checked} defined"
        );
    }

    #[test]
    fn verdicts_agree_with_an_independent_scan() {
        // Arbitrary sign patterns: Defined must have one NPV sign change over a dense grid of
        // quarterly rates, NotFound none, and every reported root must zero the NPV.
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        let rates: Vec<f64> = (0..8_000).map(|k| -0.99 + k as f64 * 0.0005).collect();
        let mut verdicts = [0; 4];
        for _ in 0..300 {
            let flows: Vec<f64> = (0..rng.random_range(3..10))
                .map(|_| rng.random_range(-100.0..100.0))
                .collect();
            let npvs = rates.iter().map(|&r| npv(&flows, r));
            let changes = npvs
                .collect::<Vec<_>>()
                .windows(2)
                .filter(|w| (w[0] > 0.0) != (w[1] > 0.0))
                .count();
            let result = irr(&flows);
            match result {
                Irr::Defined { .. } => {
                    assert!(changes <= 1, "{flows:?}: {result:?}, {changes} changes")
                }
                Irr::NotFound => assert_eq!(changes, 0, "{flows:?}"),
                _ => {}
            }
            if let Some(annual) = result.any_root() {
                let rate = quarterly_rate(annual);
                let gross = npv(&flows.iter().map(|f| f.abs()).collect::<Vec<_>>(), rate);
                assert!(
                    npv(&flows, rate).abs() <= 1e-9 * gross,
                    "{flows:?}: {result:?}"
                );
            }
            verdicts[match result {
                Irr::Defined { .. } => 0,
                Irr::Ambiguous { .. } => 1,
                Irr::NoSignChange => 2,
                Irr::NotFound => 3,
            }] += 1;
        }
        // The mix really exercises every branch.
        assert!(verdicts.iter().all(|&v| v > 0), "{verdicts:?}");
    }
}

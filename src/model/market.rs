//! The exit market: a quarterly Markov chain over exit-window states (docs/model.md §3.1).
//!
//! States (by default open / tight / closed) shift the log-odds of IPOs, rounds, acquisitions
//! and holding, and the log of valuations (see [`crate::scenario::MarketState`]). A scenario may
//! pin the state of given quarters ("IPO window closed 2025Q1–2026Q4"); one uniform is drawn
//! every quarter whether or not it is pinned, so pinning a window leaves every other draw of the
//! path unchanged (common random numbers between a scenario and its pinned variant).

use rand::RngExt;

use crate::rng::PathRng;
use crate::scenario::ExitMarket;

/// Fills `states[t]` (t = 0..states.len()) with the market state of each quarter.
pub fn simulate(market: &ExitMarket, rng: &mut PathRng, states: &mut [usize]) {
    let mut current = market.initial;
    for (t, slot) in states.iter_mut().enumerate() {
        let u: f64 = rng.random();
        if t > 0 {
            current = next_state(&market.transition[current], u);
        }
        if let Some(pinned) = market.pinned.get(t).copied().flatten() {
            current = pinned;
        }
        *slot = current;
    }
}

/// The state a uniform `u` selects from a transition row (inverse CDF in state order).
fn next_state(row: &[f64], u: f64) -> usize {
    let mut cumulative = 0.0;
    for (j, p) in row.iter().enumerate() {
        cumulative += p;
        if u < cumulative {
            return j;
        }
    }
    // Rounding can leave the cumulative sum a hair below 1: fall back to the last state with
    // positive probability.
    row.iter().rposition(|&p| p > 0.0).unwrap_or(0)
}

/// Long-run share of quarters in each state (the chain's stationary distribution), by power
/// iteration; used by the calibration report and tests.
pub fn stationary_distribution(transition: &[Vec<f64>]) -> Vec<f64> {
    let n = transition.len();
    let mut pi = vec![1.0 / n as f64; n];
    for _ in 0..10_000 {
        let mut next = vec![0.0; n];
        for (i, row) in transition.iter().enumerate() {
            for (j, p) in row.iter().enumerate() {
                next[j] += pi[i] * p;
            }
        }
        let change: f64 = next.iter().zip(&pi).map(|(a, b)| (a - b).abs()).sum();
        pi = next;
        if change < 1e-15 {
            break;
        }
    }
    pi
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Component, StreamKey};
    use crate::scenario::MarketState;

    fn state(key: &str) -> MarketState {
        MarketState {
            key: key.into(),
            ipo_logit_shift: 0.0,
            round_logit_shift: 0.0,
            acquisition_logit_shift: 0.0,
            hold_logit_shift: 0.0,
            valuation_log_shift: 0.0,
        }
    }

    fn two_state(pinned: Vec<Option<usize>>) -> ExitMarket {
        ExitMarket {
            states: vec![state("open"), state("closed")],
            transition: vec![vec![0.9, 0.1], vec![0.3, 0.7]],
            initial: 0,
            pinned,
        }
    }

    #[test]
    fn occupancy_matches_the_stationary_distribution() {
        let market = two_state(vec![None; 41]);
        let pi = stationary_distribution(&market.transition);
        assert!((pi[0] - 0.75).abs() < 1e-12, "closed form: 0.3 / (0.1 + 0.3)");
        let key = StreamKey::new(9, Component::ExitMarket);
        let mut closed = 0usize;
        let mut total = 0usize;
        let mut states = vec![0; 41];
        for path in 0..4000 {
            simulate(&market, &mut key.rng(path, 0), &mut states);
            // Skip the burn-in from the initial state.
            closed += states[20..].iter().filter(|&&s| s == 1).count();
            total += states[20..].len();
        }
        let share = closed as f64 / total as f64;
        // 84,000 correlated draws: the standard error is about 0.004.
        assert!((share - 0.25).abs() < 0.015, "closed share {share}");
    }

    #[test]
    fn pins_fix_states_and_leave_other_quarters_alone() {
        let mut pinned = vec![None; 21];
        for slot in &mut pinned[4..=7] {
            *slot = Some(1);
        }
        let free = two_state(vec![None; 21]);
        let pinned_market = two_state(pinned);
        let key = StreamKey::new(3, Component::ExitMarket);
        let (mut a, mut b) = (vec![0; 21], vec![0; 21]);
        simulate(&free, &mut key.rng(5, 0), &mut a);
        simulate(&pinned_market, &mut key.rng(5, 0), &mut b);
        assert!(b[4..=7].iter().all(|&s| s == 1));
        assert_eq!(a[..4], b[..4], "quarters before the pin are unchanged");
    }

    #[test]
    fn next_state_inverts_the_cumulative_row() {
        let row = [0.2, 0.5, 0.3];
        assert_eq!(next_state(&row, 0.0), 0);
        assert_eq!(next_state(&row, 0.199), 0);
        assert_eq!(next_state(&row, 0.2), 1);
        assert_eq!(next_state(&row, 0.69), 1);
        assert_eq!(next_state(&row, 0.999_999), 2);
        assert_eq!(next_state(&[0.5, 0.5, 0.0], 1.0), 1);
    }
}

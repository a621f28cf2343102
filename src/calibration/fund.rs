//! The card's fund tables, read from the fund's own simulation
//! ([`crate::model::fund::Simulator::simulate_path`], the engine's paths, with each stake and
//! each sub-fund's flows before concessions recorded: [`PathState::recording`]), so that they
//! follow any change to the model's structure.
//!
//! - **Positions**: every stake each sleeve held, at its realised-or-marked multiple (proceeds,
//!   or the value held at the horizon, over all it cost); a sub-fund's stakes are the whole
//!   sub-fund's. Value shares weight a sub-fund's stakes by the fund's share of it (the fund's
//!   look-through value).
//! - **Sub-funds, net to their LPs**: each sub-fund's LP cash flows (before the fund's
//!   concessions, which only move money between the fund and the others), its TVPI, IRR and its
//!   DPI 7.5 years after its vintage; all sub-funds of all paths pooled.
//! - **Sleeves and the fund**: the direct sleeve's, the sub-fund sleeve's and the fund's cash
//!   flows on each path, as `fifsim run` reports them; DPI 7.5 years after the first close.
//!
//! Positions and sub-funds of one path share its shocks, so the path is the block of the
//! standard errors ([`crate::stats::clustered`]).

use super::companies::bucket;
use crate::metrics::path::FlowMetrics;
use super::CalibrationError;
use crate::model::flows::CashFlows;
use crate::model::fund::{PathState, Simulator};
use crate::model::holdings::StakeRecord;
use crate::scenario::Scenario;
use crate::stats::clustered::{Blocked, Estimate, ratio};

/// Quarters after which DPI is read: 7.5 years (清科's "after 7+ years" for RMB funds' DPI).
pub const DPI_QUARTERS: usize = 30;

/// One sleeve's positions.
#[derive(Debug, Clone, PartialEq)]
pub struct Positions {
    pub count: usize,
    /// Share of positions in each bucket of [`super::BUCKET_EDGES`].
    pub shares: [Estimate; 6],
    /// Share of positions at 10× or more, and their share of the value.
    pub share_ge_10x: Estimate,
    pub value_share_ge_10x: Estimate,
}

/// Distribution of one TVPI across paths (or sub-funds) with the IRR and early DPI.
#[derive(Debug, Clone, PartialEq)]
pub struct Returns {
    pub count: usize,
    pub mean_tvpi: Estimate,
    pub median_tvpi: Estimate,
    pub p25_tvpi: Estimate,
    pub p75_tvpi: Estimate,
    pub p_below_1: Estimate,
    pub median_irr: Estimate,
    pub median_dpi: Estimate,
}

/// What the fund's paths give.
#[derive(Debug, Clone, PartialEq)]
pub struct FundTables {
    pub direct_positions: Positions,
    pub subfund_positions: Positions,
    pub subfund_net: Returns,
    pub direct_sleeve: Returns,
    pub subfund_sleeve: Returns,
    pub fund: Returns,
}

/// Per-path sums over one sleeve's stakes.
#[derive(Debug, Clone, Copy, Default)]
struct PositionBlock {
    counts: [f64; 6],
    positions: f64,
    value: f64,
    value_ge_10x: f64,
}

impl PositionBlock {
    fn add(&mut self, stakes: &[StakeRecord], weight: f64) {
        for stake in stakes.iter().filter(|s| s.cost > 0.0) {
            let multiple = stake.value / stake.cost;
            self.counts[bucket(multiple)] += 1.0;
            self.positions += 1.0;
            self.value += weight * stake.value;
            self.value_ge_10x += if multiple >= 10.0 { weight * stake.value } else { 0.0 };
        }
    }
}

fn positions(blocks: &[PositionBlock]) -> Positions {
    let by = |f: &dyn Fn(&PositionBlock) -> (f64, f64)| ratio(&blocks.iter().map(f).collect::<Vec<_>>());
    Positions {
        count: blocks.iter().map(|b| b.positions as usize).sum(),
        shares: std::array::from_fn(|k| by(&|b| (b.counts[k], b.positions))),
        share_ge_10x: by(&|b| (b.counts[3..].iter().sum(), b.positions)),
        value_share_ge_10x: by(&|b| (b.value_ge_10x, b.value)),
    }
}

/// TVPI, IRR and DPI after `from + DPI_QUARTERS` quarters, of a set of flows grouped in blocks.
#[derive(Debug, Clone, Default)]
struct ReturnSample {
    tvpi: Blocked,
    irr: Blocked,
    dpi: Blocked,
}

impl ReturnSample {
    fn add(&mut self, flows: &CashFlows, from: usize) {
        let m = FlowMetrics::of(flows);
        self.tvpi.push(m.tvpi);
        self.irr.push(m.irr.any_root().unwrap_or(f64::NAN));
        let until = (from + DPI_QUARTERS).min(flows.len());
        let paid: f64 = flows.paid_in[..until].iter().sum();
        let distributed: f64 = flows.distributed[..until].iter().sum();
        self.dpi.push(if paid > 0.0 { distributed / paid } else { f64::NAN });
    }

    fn end_block(&mut self) {
        self.tvpi.end_block();
        self.irr.end_block();
        self.dpi.end_block();
    }

    fn returns(&self) -> Returns {
        Returns {
            count: self.tvpi.count(),
            mean_tvpi: self.tvpi.mean(),
            median_tvpi: self.tvpi.quantile(0.5),
            p25_tvpi: self.tvpi.quantile(0.25),
            p75_tvpi: self.tvpi.quantile(0.75),
            p_below_1: self.tvpi.share(|v| v < 1.0),
            median_irr: self.irr.quantile(0.5),
            median_dpi: self.dpi.quantile(0.5),
        }
    }
}

/// Simulates paths `0..paths` of `scenario` under `seed` and reads the fund tables off them.
///
/// # Errors
/// [`CalibrationError::Law`] if a profile's laws cannot be built (a validated scenario never
/// does this); [`CalibrationError::DealLimit`] if a path reaches a sleeve's deal limit.
pub fn simulate(scenario: &Scenario, seed: u64, paths: u64) -> Result<FundTables, CalibrationError> {
    let simulator = Simulator::new(scenario, seed)?;
    let mut state = PathState::recording(scenario);
    let (mut direct, mut subfund) = (Vec::new(), Vec::new());
    let (mut subfund_net, mut direct_sleeve, mut subfund_sleeve, mut fund) =
        (ReturnSample::default(), ReturnSample::default(), ReturnSample::default(), ReturnSample::default());
    for path in 0..paths {
        simulator.simulate_path(path, &mut state).map_err(|source| CalibrationError::DealLimit { path, source })?;
        let mut block = PositionBlock::default();
        block.add(state.direct.book.stakes.as_deref().unwrap_or_default(), 1.0);
        direct.push(block);
        let mut block = PositionBlock::default();
        for (outcome, spec) in state.subfunds.iter().zip(&scenario.subfunds) {
            block.add(outcome.book.stakes.as_deref().unwrap_or_default(), spec.fund_share);
            if let Some(flows) = &outcome.before_concessions {
                subfund_net.add(flows, spec.vintage);
            }
        }
        subfund.push(block);
        subfund_net.end_block();
        for (sample, flows) in [(&mut direct_sleeve, &state.direct.flows), (&mut subfund_sleeve, &state.subfund_sleeve), (&mut fund, &state.fund)] {
            sample.add(flows, 0);
            sample.end_block();
        }
    }
    Ok(FundTables {
        direct_positions: positions(&direct),
        subfund_positions: positions(&subfund),
        subfund_net: subfund_net.returns(),
        direct_sleeve: direct_sleeve.returns(),
        subfund_sleeve: subfund_sleeve.returns(),
        fund: fund.returns(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten hand-made stakes in two paths with known buckets: four below 1×, three at 1–5×, one
    /// each at 5–10×, 20–50× and ≥ 50×.
    #[test]
    fn positions_of_hand_made_stakes() {
        let stake = |cost: f64, value: f64| StakeRecord { cost, value };
        let first = [stake(10.0, 0.0), stake(10.0, 5.0), stake(10.0, 20.0), stake(10.0, 70.0), stake(10.0, 300.0)];
        let second = [stake(5.0, 0.0), stake(5.0, 4.0), stake(5.0, 10.0), stake(5.0, 20.0), stake(1.0, 60.0), stake(0.0, 1.0)];
        let mut blocks = [PositionBlock::default(), PositionBlock::default()];
        blocks[0].add(&first, 1.0);
        blocks[1].add(&second, 0.5);
        let p = positions(&blocks);
        assert_eq!(p.count, 10, "a stake that cost nothing has no multiple");
        let shares: Vec<f64> = p.shares.iter().map(|s| s.value).collect();
        assert_eq!(shares, [0.4, 0.3, 0.1, 0.0, 0.1, 0.1]);
        assert!((p.share_ge_10x.value - 0.2).abs() < 1e-12);
        // Value weighted by the holder's share: 300 of 395 in the first path, 30 of 47 in the
        // second (weight 0.5), so (300 + 30) / (395 + 47).
        assert!((p.value_share_ge_10x.value - 330.0 / 442.0).abs() < 1e-12, "{:?}", p.value_share_ge_10x);
        // Both paths put 2 of their 5 in the first bucket: no spread between paths, no error.
        // The second bucket holds 1 of 5 and 2 of 5: by the block formula
        // √(2 × ((1 − 0.3 × 5)² + (2 − 0.3 × 5)²)) / 10 = 0.1.
        assert_eq!(p.shares[0].std_error, 0.0);
        assert!((p.shares[1].std_error - 0.1).abs() < 1e-12, "{:?}", p.shares[1]);
    }
}

//! Quarterly cash flows of one investor in one vehicle, seen from the investor's side.
//!
//! `paid_in[t]` is what the investor paid in quarter `t` (calls, costs), `distributed[t]` what it
//! received, and `nav[t]` the value of what it still holds at the end of quarter `t`. All are in
//! CNY m and non-negative; the vectors share one length, `horizon + 1`.

/// Paid-in, distributions and NAV by quarter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CashFlows {
    pub paid_in: Vec<f64>,
    pub distributed: Vec<f64>,
    pub nav: Vec<f64>,
}

impl CashFlows {
    /// All-zero flows over quarters `0..=horizon`.
    pub fn zeros(horizon: usize) -> Self {
        let n = horizon + 1;
        CashFlows { paid_in: vec![0.0; n], distributed: vec![0.0; n], nav: vec![0.0; n] }
    }

    /// Sets every entry to zero, keeping the length (reuses the allocation).
    pub fn clear(&mut self) {
        self.paid_in.fill(0.0);
        self.distributed.fill(0.0);
        self.nav.fill(0.0);
    }

    /// Number of quarters covered (`horizon + 1`).
    pub fn len(&self) -> usize {
        self.paid_in.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paid_in.is_empty()
    }

    /// Adds `scale` times `other` to `self`, quarter by quarter.
    pub fn add_scaled(&mut self, other: &CashFlows, scale: f64) {
        for (a, b) in self.paid_in.iter_mut().zip(&other.paid_in) {
            *a += scale * b;
        }
        for (a, b) in self.distributed.iter_mut().zip(&other.distributed) {
            *a += scale * b;
        }
        for (a, b) in self.nav.iter_mut().zip(&other.nav) {
            *a += scale * b;
        }
    }

    pub fn total_paid_in(&self) -> f64 {
        self.paid_in.iter().sum()
    }

    pub fn total_distributed(&self) -> f64 {
        self.distributed.iter().sum()
    }

    /// NAV at the last quarter.
    pub fn final_nav(&self) -> f64 {
        self.nav.last().copied().unwrap_or(0.0)
    }

    /// Net flow to the investor per quarter, with the final NAV counted as received at the end:
    /// the series an IRR is computed on.
    pub fn net_flows_with_terminal_nav(&self) -> Vec<f64> {
        let mut flows: Vec<f64> = self.distributed.iter().zip(&self.paid_in).map(|(d, p)| d - p).collect();
        if let Some(last) = flows.last_mut() {
            *last += self.final_nav();
        }
        flows
    }

    /// Cumulative net cash flow (distributions minus paid-in) at the end of each quarter, the
    /// J-curve, written into `out` (reusing its allocation: this runs for every path).
    pub fn cumulative_net_into(&self, out: &mut Vec<f64>) {
        out.clear();
        out.extend(self.cumulative_net());
    }

    /// Cumulative net cash flow by quarter, lazily.
    pub fn cumulative_net(&self) -> impl Iterator<Item = f64> + '_ {
        let mut total = 0.0;
        self.distributed.iter().zip(&self.paid_in).map(move |(d, p)| {
            total += d - p;
            total
        })
    }
}

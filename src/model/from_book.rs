//! Companies the book records as held at the as-of quarter, going on from there
//! (docs/portfolio.md): a direct holding, or a holding a sub-fund lists, goes on from its stage,
//! the time it has spent in it and its last post-money, on a stream of its own.

use super::Environment;
use super::company::{self, Backer, Company, ProfileLaw, Round, Start};
use super::holdings::Entry;
use crate::rng::{PathRng, StreamKey, deal_item};
use crate::scenario::portfolio::Holding;

/// The slot of the `k`-th holding that stands for a book's value at the as-of quarter
/// ([`crate::rng::deal_item`]): far above any quarter's count of deals, so each holding draws
/// from a stream of its own and the deals a sleeve or sub-fund still makes keep the plan's
/// streams.
const HOLDING_SLOT: usize = 1 << 31;

/// The stream, on path `path` of `key`'s, of the `k`-th holding of a holder's book at the as-of
/// quarter `as_of`: a holding the book lists, or one that stands for a sub-fund's NAV.
pub fn stream(key: &StreamKey, path: u64, as_of: usize, k: usize) -> PathRng {
    key.rng(path, deal_item(as_of, HOLDING_SLOT + k))
}

/// The company of `holding` from the end of quarter `as_of`, drawn from `rng` (its [`stream`]),
/// its rounds appended to `rounds`. It has been in its stage since the start of `stage_since`,
/// so its first wait is drawn conditioned on being longer than the time spent by the end of the
/// as-of quarter ([`Start::held`]); its prices move from its last post-money.
pub fn go_on(env: &Environment<'_>, laws: &[ProfileLaw], holding: &Holding, as_of: usize, backer: Backer, rng: &mut PathRng, rounds: &mut Vec<Round>) -> Company {
    let law = &laws[env.scenario.fields[holding.field].profile];
    let elapsed = (as_of + 1 - holding.stage_since) as f64;
    let start = Start::held(holding.field, holding.stage, as_of, holding.last_post_money_cny_m, elapsed);
    company::simulate(env, law, start, backer, rng, rounds)
}

/// The holder's position in `holding`'s company as its book starts: the recorded ownership and
/// cost. The book keeps no entry post-money: the last one stands in for the small-company count.
pub fn entry(env: &Environment<'_>, holding: &Holding) -> Entry {
    Entry::new(env.scenario, holding.field, holding.last_post_money_cny_m, holding.ownership, holding.cost_cny_m, holding.local)
}

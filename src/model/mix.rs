//! Picking one item of a mix by weight: the field and entry stage of a new deal.
//!
//! A mix is fixed for a sleeve and path, and deals draw from it many times, so its weights are
//! cumulated once ([`cumulate`]) and each draw searches them ([`pick`]).

/// `(item, cumulative weight)` of the items with positive weight, in order: what [`pick`] searches.
pub fn cumulate<T>(items: impl Iterator<Item = (T, f64)>, out: &mut Vec<(T, f64)>) {
    out.clear();
    let mut cumulative = 0.0;
    out.extend(items.filter(|&(_, p)| p > 0.0).map(|(item, p)| {
        cumulative += p;
        (item, cumulative)
    }));
}

/// The item a uniform `u` selects from cumulative weights summing to 1 (from [`cumulate`]): the
/// first whose cumulative weight exceeds `u`, i.e. the one after all those at or below it.
///
/// Counted rather than searched: the weights rise, so the count is the first item's index, and
/// counting has no branch on `u` to mispredict (a search missed ~400 times a path, once in most
/// stage picks).
pub fn pick<T: Copy>(cumulative: &[(T, f64)], u: f64) -> T {
    let index = cumulative.iter().filter(|&&(_, c)| c <= u).count();
    let (item, _) = cumulative.get(index).or(cumulative.last()).expect("validated: weights sum to 1, so some item has positive weight");
    *item
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_skips_zero_weights_and_falls_back_to_the_last_item() {
        let mut weights = Vec::new();
        cumulate([('a', 0.25), ('b', 0.0), ('c', 0.75)].into_iter(), &mut weights);
        assert_eq!(weights, [('a', 0.25), ('c', 1.0)]);
        assert_eq!(pick(&weights, 0.0), 'a');
        assert_eq!(pick(&weights, 0.25), 'c', "a weight's interval is half-open");
        assert_eq!(pick(&weights, 1.0), 'c', "weights summing to just under 1 still select an item");
    }

    /// The count picks what a search for the first cumulative weight above `u` finds, at every
    /// boundary and between them.
    #[test]
    fn pick_is_the_first_item_whose_cumulative_weight_exceeds_u() {
        let mut weights = Vec::new();
        cumulate([(0, 0.1), (1, 0.0), (2, 0.3), (3, 0.2), (4, 0.0), (5, 0.4)].into_iter(), &mut weights);
        // Each (positive) boundary and its neighbouring doubles.
        let boundaries = weights.iter().flat_map(|&(_, c)| [c.to_bits() - 1, c.to_bits(), c.to_bits() + 1].map(f64::from_bits));
        let grid = (0..=1000).map(|k| f64::from(k) / 1000.0);
        for u in grid.chain(boundaries) {
            let searched = weights.iter().find(|&&(_, c)| u < c).or(weights.last()).unwrap().0;
            assert_eq!(pick(&weights, u), searched, "u = {u}");
        }
    }
}

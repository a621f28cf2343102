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
/// first whose cumulative weight exceeds `u`, else the last. Weights with another total take `u`
/// scaled to it (as the direct sleeve's field mix does).
pub fn pick<T: Copy>(cumulative: &[(T, f64)], u: f64) -> T {
    let (item, _) = cumulative.iter().find(|&&(_, c)| u < c).or(cumulative.last()).expect("validated: weights sum to 1, so some item has positive weight");
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
}

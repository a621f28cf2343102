use super::*;

/// The word whose uniform `(word + ½)/2⁶⁴` is `t` below ½ (`upper`: `1 − t`), `t` in words.
fn word(t: u64, upper: bool) -> u64 {
    if upper { !t } else { t }
}

/// Words spread over every binade of `t` from 2⁻⁴⁰ to ½, in both halves: 97 a binade, so at
/// varied places between the knots, and the middle of a binade's first piece for every number
/// of knots a binade (the interpolation errs most there).
fn probe_words() -> Vec<u64> {
    let mut words = Vec::new();
    for binade in 24..63 {
        let spread = (0..97).map(|step| (1u64 << binade) / 97 * step);
        let first_middles = (1..=11).map(|bits| (1u64 << binade) >> bits);
        for t in spread.chain(first_middles).map(|offset| (1u64 << binade) + offset) {
            words.extend([word(t, false), word(t, true)]);
        }
    }
    words
}

fn uniform_tail(word: u64) -> (Half, f64) {
    let half = if word >> 63 == 0 { Half::Lower } else { Half::Upper };
    let t = if half == Half::Lower { word } else { !word };
    (half, (t as f64 + 0.5) * 2f64.powi(-64))
}

/// The relative error of `x` as the quantile of the tail `t` of the unit gamma of `shape`, by
/// statrs' incomplete gamma functions: the error in the log tail over its slope in `ln x`.
fn relative_error(shape: f64, half: Half, t: f64, x: f64) -> f64 {
    let (tail, ln_density) = match half {
        Half::Lower => (gamma_lr(shape, x), shape * x.ln() - x - ln_gamma(shape)),
        Half::Upper => (gamma_ur(shape, x), shape * x.ln() - x - ln_gamma(shape)),
    };
    let elasticity = (ln_density - tail.ln()).exp();
    (tail.ln() - t.ln()).abs() / elasticity
}

#[test]
fn quantiles_are_within_1e_4_in_the_body_and_both_tails() {
    for shape in [0.5, 0.8, 1.0, 1.9, 2.0, 2.5, 7.0, 20_000.0] {
        let table = GammaQuantiles::shared(shape).unwrap();
        let worst = probe_words()
            .into_iter()
            .map(|w| {
                let (half, t) = uniform_tail(w);
                relative_error(shape, half, t, table.quantile(w))
            })
            .fold(0.0, f64::max);
        assert!(worst <= 1e-4, "shape {shape}: worst relative quantile error {worst}");
    }
}

/// The unit exponential (shape 1) has the closed form `Q(u) = −ln(1 − u)`.
#[test]
fn shape_one_is_the_exponential_quantile() {
    let table = GammaQuantiles::shared(1.0).unwrap();
    for w in probe_words() {
        let (half, t) = uniform_tail(w);
        let exact = match half {
            Half::Lower => -(-t).ln_1p(),
            Half::Upper => -t.ln(),
        };
        let x = table.quantile(w);
        assert!((x / exact - 1.0).abs() <= 1e-4, "t = {t:e} ({half:?}): {x} vs {exact}");
    }
}

/// A higher word never gives a shorter wait: checked across every piece boundary, the median
/// and the ends.
#[test]
fn quantiles_rise_with_the_word() {
    for shape in [0.5, 2.5] {
        let table = GammaQuantiles::shared(shape).unwrap();
        let pieces = table.pieces.len() / 2;
        let mut words = vec![0, u64::MAX, (1 << 63) - 1, 1 << 63];
        for index in 1..pieces {
            let start = piece_start(index, table.binade_bits);
            for t in [start - 1, start, start + 1] {
                words.extend([word(t, false), word(t, true)]);
            }
        }
        words.sort_unstable();
        let values: Vec<f64> = words.iter().map(|&w| table.quantile(w)).collect();
        for (pair, w) in values.windows(2).zip(&words) {
            assert!(pair[0] <= pair[1], "shape {shape}: falls after word {w:#x}: {} > {}", pair[0], pair[1]);
        }
        assert!(values[0] > 0.0 && values.last().unwrap().is_finite());
    }
}

/// Mean and variance of the tabulated law, integrated exactly over its linear pieces, are the
/// gamma's: `shape` and `shape` (unit scale).
#[test]
fn the_table_has_the_gamma_mean_and_variance() {
    for shape in [0.5, 2.0, 2.5] {
        let table = GammaQuantiles::shared(shape).unwrap();
        let per_half = table.pieces.len() / 2;
        let (mut mean, mut square) = (0.0, 0.0);
        for half in table.pieces.chunks(per_half) {
            for (index, piece) in half.iter().enumerate() {
                let width = (piece_start(index + 1, table.binade_bits) - piece_start(index, table.binade_bits)) as f64;
                let (a, b) = (piece.start, piece.start + width * piece.slope);
                let mass = width * 2f64.powi(-64);
                mean += mass * (a + b) / 2.0;
                square += mass * (a * a + a * b + b * b) / 3.0;
            }
        }
        let variance = square - mean * mean;
        assert!((mean / shape - 1.0).abs() <= 1e-4, "shape {shape}: mean {mean}");
        assert!((variance / shape - 1.0).abs() <= 1e-4, "shape {shape}: variance {variance}");
    }
}

#[test]
fn one_table_serves_each_shape_while_in_use() {
    let (a, b, c) = (GammaQuantiles::shared(2.5).unwrap(), GammaQuantiles::shared(2.5).unwrap(), GammaQuantiles::shared(2.0).unwrap());
    assert!(Arc::ptr_eq(&a.pieces, &b.pieces));
    assert!(!Arc::ptr_eq(&a.pieces, &c.pieces));
}

#[test]
fn extreme_shapes_build_finite_monotone_tables() {
    for shape in [0.05, 1e9] {
        let table = GammaQuantiles::shared(shape).unwrap();
        let mut words = probe_words();
        words.extend([0, u64::MAX]);
        words.sort_unstable();
        let values: Vec<f64> = words.iter().map(|&w| table.quantile(w)).collect();
        assert!(values.iter().all(|x| x.is_finite() && *x >= 0.0), "shape {shape}");
        assert!(values.windows(2).all(|p| p[0] <= p[1]), "shape {shape}");
    }
}

/// The table's values at its ends, a quarter of the way and on both sides of the median, pinned
/// bit for bit: a change of the knots' solver or of the interpolation fails here.
#[test]
fn the_table_is_value_stable() {
    let table = GammaQuantiles::shared(2.5).unwrap();
    let words = [0, 1 << 62, (1 << 63) - 1, 1 << 63, u64::MAX];
    let pinned = [2.409076543777381e-8, 1.337301404716084, 2.1757300955477694, 2.1757300955477694, 50.6878576820148];
    for (word, pinned) in words.into_iter().zip(pinned) {
        assert_eq!(table.quantile(word).to_bits(), f64::to_bits(pinned), "word {word:#x}: {} vs {pinned}", table.quantile(word));
    }
}

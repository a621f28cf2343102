//! A fan's exact state as bytes, so that the fans of a run's shards can be stored and merged
//! later into the fan one run would have (merging adds integer counts: see the parent module).
//!
//! Layout, all little-endian: the series count (`u64`) and the number of quarters (`u64`), then
//! per quarter: buckets per octave and minimum magnitude (`f64`), the positive and the negative
//! store (offset `i64`, length `u64`, then that many `u64` counts), the zero, finite and ignored
//! counts (`u64`), the minimum and maximum (`f64`, bit for bit).

use super::{Fan, QuantileSketch, Store};

/// Why bytes are not a fan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a fan: {0}")]
pub struct DecodeError(&'static str);

impl Fan {
    /// Appends this fan's exact state to `out` (read back by [`Fan::decode`]).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.series.to_le_bytes());
        out.extend_from_slice(&(self.sketches.len() as u64).to_le_bytes());
        for sketch in &self.sketches {
            sketch.encode(out);
        }
    }

    /// The fan at the start of `bytes`, which are advanced past it.
    ///
    /// # Errors
    /// [`DecodeError`] if the bytes end early or hold impossible values.
    pub fn decode(bytes: &mut &[u8]) -> Result<Fan, DecodeError> {
        let series = take_u64(bytes)?;
        let quarters = take_len(bytes, 8)?;
        let sketches = (0..quarters).map(|_| QuantileSketch::decode(bytes)).collect::<Result<_, _>>()?;
        Ok(Fan { sketches, series })
    }
}

impl QuantileSketch {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.buckets_per_octave.to_le_bytes());
        out.extend_from_slice(&self.min_magnitude.to_le_bytes());
        for store in [&self.positive, &self.negative] {
            out.extend_from_slice(&store.offset.to_le_bytes());
            out.extend_from_slice(&(store.counts.len() as u64).to_le_bytes());
            for count in &store.counts {
                out.extend_from_slice(&count.to_le_bytes());
            }
        }
        for count in [self.zero_count, self.count, self.ignored] {
            out.extend_from_slice(&count.to_le_bytes());
        }
        out.extend_from_slice(&self.min.to_le_bytes());
        out.extend_from_slice(&self.max.to_le_bytes());
    }

    fn decode(bytes: &mut &[u8]) -> Result<QuantileSketch, DecodeError> {
        let buckets_per_octave = take_f64(bytes)?;
        let min_magnitude = take_f64(bytes)?;
        let sane = (1.0..=1e6).contains(&buckets_per_octave) && buckets_per_octave.fract() == 0.0 && min_magnitude.is_finite() && min_magnitude > 0.0;
        if !sane {
            return Err(DecodeError("impossible sketch parameters"));
        }
        let mut stores = [Store::default(), Store::default()];
        for store in &mut stores {
            store.offset = take_u64(bytes)? as i64;
            let len = take_len(bytes, 8)?;
            store.counts = (0..len).map(|_| take_u64(bytes)).collect::<Result<_, _>>()?;
        }
        let [positive, negative] = stores;
        let (zero_count, count, ignored) = (take_u64(bytes)?, take_u64(bytes)?, take_u64(bytes)?);
        let (min, max) = (take_f64(bytes)?, take_f64(bytes)?);
        Ok(QuantileSketch { buckets_per_octave, min_magnitude, positive, negative, zero_count, count, ignored, min, max })
    }
}

fn take_u64(bytes: &mut &[u8]) -> Result<u64, DecodeError> {
    let (head, tail) = bytes.split_first_chunk::<8>().ok_or(DecodeError("the bytes end early"))?;
    *bytes = tail;
    Ok(u64::from_le_bytes(*head))
}

fn take_f64(bytes: &mut &[u8]) -> Result<f64, DecodeError> {
    take_u64(bytes).map(f64::from_bits)
}

/// A count of items of at least `item_bytes` bytes each, which the remaining bytes must hold
/// (so a corrupt length never allocates more than the input's size).
fn take_len(bytes: &mut &[u8], item_bytes: usize) -> Result<usize, DecodeError> {
    let len = take_u64(bytes)?;
    match usize::try_from(len) {
        Ok(len) if len <= bytes.len() / item_bytes => Ok(len),
        _ => Err(DecodeError("a length longer than the bytes")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fan() -> Fan {
        let mut fan = Fan::new(5, 0.01, 1e-6);
        for path in 0..200 {
            let series: Vec<f64> = (0..5).map(|q| (f64::from(path) - 50.0) * f64::from(q + 1) / 7.0).collect();
            fan.insert_series(&series);
        }
        fan.insert_series(&[f64::NAN, 0.0, -0.0, 1e-9, f64::INFINITY]);
        fan
    }

    #[test]
    fn a_fan_reads_back_equal_and_merges_as_the_original() {
        let fan = fan();
        let mut bytes = Vec::new();
        fan.encode(&mut bytes);
        fan.encode(&mut bytes);
        let mut rest = bytes.as_slice();
        let (first, second) = (Fan::decode(&mut rest).unwrap(), Fan::decode(&mut rest).unwrap());
        assert!(rest.is_empty());
        assert_eq!((&first, &second), (&fan, &fan));
        let mut merged = Fan::new(5, 0.01, 1e-6);
        merged.merge(&first);
        let mut original = Fan::new(5, 0.01, 1e-6);
        original.merge(&fan);
        assert_eq!(merged, original);
    }

    #[test]
    fn cut_or_corrupt_bytes_are_an_error_not_a_panic() {
        let mut bytes = Vec::new();
        fan().encode(&mut bytes);
        for cut in [0, 7, 8, 16, bytes.len() / 2, bytes.len() - 1] {
            assert!(Fan::decode(&mut &bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut huge = bytes.clone();
        huge[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(Fan::decode(&mut huge.as_slice()).is_err());
    }
}

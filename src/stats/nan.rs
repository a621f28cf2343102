//! JSON has no NaN: serde_json writes a NaN as `null`. Statistics that do not exist (the
//! standard deviation of one value, an empty quantile) are NaN here, so reading a report back
//! maps `null` to NaN again: `#[serde(deserialize_with = "crate::stats::nan::deserialize")]`.

use serde::{Deserialize, Deserializer};

/// A type whose floats may have been written as `null`.
pub trait NullableFloats: Sized {
    type Raw: for<'de> Deserialize<'de>;
    fn from_raw(raw: Self::Raw) -> Self;
}

impl NullableFloats for f64 {
    type Raw = Option<f64>;
    fn from_raw(raw: Option<f64>) -> f64 {
        raw.unwrap_or(f64::NAN)
    }
}

impl NullableFloats for (f64, f64) {
    type Raw = (Option<f64>, Option<f64>);
    fn from_raw((a, b): Self::Raw) -> Self {
        (f64::from_raw(a), f64::from_raw(b))
    }
}

impl<T: NullableFloats> NullableFloats for Vec<T> {
    type Raw = Vec<T::Raw>;
    fn from_raw(raw: Self::Raw) -> Self {
        raw.into_iter().map(T::from_raw).collect()
    }
}

impl NullableFloats for [Vec<f64>; 3] {
    type Raw = [Vec<Option<f64>>; 3];
    fn from_raw(raw: Self::Raw) -> Self {
        raw.map(Vec::from_raw)
    }
}

/// Deserialises floats, reading `null` as NaN.
pub fn deserialize<'de, D: Deserializer<'de>, T: NullableFloats>(deserializer: D) -> Result<T, D::Error> {
    T::Raw::deserialize(deserializer).map(T::from_raw)
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Probe {
        #[serde(deserialize_with = "super::deserialize")]
        x: f64,
        #[serde(deserialize_with = "super::deserialize")]
        v: Vec<Vec<f64>>,
    }

    #[test]
    fn nan_survives_a_json_round_trip() {
        let json = serde_json::to_string(&Probe { x: f64::NAN, v: vec![vec![1.0, f64::NAN]] }).unwrap();
        assert_eq!(json, r#"{"x":null,"v":[[1.0,null]]}"#);
        let back: Probe = serde_json::from_str(&json).unwrap();
        assert!(back.x.is_nan() && back.v[0][0] == 1.0 && back.v[0][1].is_nan());
    }
}

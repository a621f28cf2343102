//! Writing results to disk safely.

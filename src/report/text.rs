//! The decision commands' terminal tables, one module per command, each at most 100 columns
//! wide: [`compare`], [`sensitivity`], [`frontier`], sharing the number formats of `cells`.
//! (`fifsim run`'s table is [`super::table`]; its LIQUIDITY block is [`liquidity`].)

pub(crate) mod cells;
pub mod compare;
pub mod frontier;
pub mod liquidity;
pub mod pace;
pub mod sensitivity;

//! Impact models: from hazard intensity and exposed population to expected losses, their
//! uncertainty and an alert level. Pure computation on numbers; no I/O.

pub mod lognormal;
pub mod pager;

pub use pager::{AlertLevel, LossDistribution, PagerParams};

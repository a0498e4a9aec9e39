//! Impact models: from hazard intensity and exposed population to expected losses, their
//! uncertainty and an alert level. Pure computation on numbers; no I/O.

pub mod life_loss;
pub mod lognormal;
pub mod pager;

pub use life_loss::{LifeLoss, WarningParams};
pub use pager::{AlertLevel, LossDistribution, PagerParams};

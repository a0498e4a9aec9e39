//! Earthquake science: ground-motion models (NGA-West2), ruptures and source-to-site
//! distances, site conditions, spatially correlated ground-motion fields and intensity.
//!
//! Pure computation: no network, database or file output (file *input* is limited to parsing
//! rupture/event descriptions handed in by the caller).

pub mod component;
pub mod correlation;
pub mod field;
pub mod gmice;
pub mod gmpe;
pub mod logic_tree;
pub mod point_source;
pub mod regime;
pub mod rupture;
pub mod shaking;
pub mod site;
pub mod source_files;

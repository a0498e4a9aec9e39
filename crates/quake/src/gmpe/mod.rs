//! Ground-motion models: active shallow crust (NGA-West2), subduction in-slab (BC Hydro),
//! stable continental (Atkinson & Boore 2006, `ab06`), and PGV for a model without it
//! (Abrahamson & Bhasin 2020, `ab2020`, as ShakeMap 4 does).
//!
//! One model per module, each with its coefficient table (cited next to it) and its
//! verification test against OpenQuake's tables (tests/gmpe_*.rs) in ../shared/reference/gmpe/;
//! AB06's test quotes 48 rows of its table and reads the whole one when it is there.
//!
//! Conventions: `ln_median` is the natural log of the median in g (PGA, SA) or cm/s (PGV);
//! `sigma`, `tau` and `phi` are total, between-event and within-event standard deviations in
//! natural-log units.

pub mod ab06;
pub mod ab2020;
pub mod ask14;
pub mod bchydro;
pub mod bssa14;
pub mod cb14;
pub mod cy14;

use serde::{Deserialize, Serialize};

/// An intensity measure type.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Imt {
    /// Peak ground acceleration (g).
    Pga,
    /// Peak ground velocity (cm/s).
    Pgv,
    /// 5%-damped pseudo-spectral acceleration (g) at the period in seconds.
    Sa(f64),
}

impl Imt {
    /// Column-style name: `pga_g`, `pgv_cms`, `sa0_3_g`, `sa1_0_g`.
    pub fn column_name(&self) -> String {
        match self {
            Imt::Pga => "pga_g".into(),
            Imt::Pgv => "pgv_cms".into(),
            Imt::Sa(t) => format!("sa{}_g", format!("{t:.1}").replace('.', "_")),
        }
    }

    /// OpenQuake's name, as people read it: PGA, PGV, SA(1.0) (the inverse of the CLI's
    /// `--imt` parsing).
    pub fn oq_name(&self) -> String {
        match self {
            Imt::Pga => "PGA".into(),
            Imt::Pgv => "PGV".into(),
            Imt::Sa(t) => format!("SA({t:.1})"),
        }
    }

    /// Period in seconds used by correlation models (PGA = 0, PGV treated as 1 s by convention
    /// is NOT assumed here; callers decide).
    pub fn period_s(&self) -> Option<f64> {
        match self {
            Imt::Pga => Some(0.0),
            Imt::Pgv => None,
            Imt::Sa(t) => Some(*t),
        }
    }
}

/// Rupture parameters a model may use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RuptureParams {
    /// Moment magnitude.
    pub mag: f64,
    /// Rake angle in degrees (-180..180).
    pub rake_deg: f64,
    /// Dip angle in degrees (0..90].
    pub dip_deg: f64,
    /// Depth to the top of rupture, km.
    pub ztor_km: f64,
    /// Down-dip rupture width, km.
    pub width_km: f64,
    /// Hypocentral depth, km.
    pub hypo_depth_km: f64,
}

/// Source-to-site distances in km (definitions as in the NGA-West2 flatfile / OpenQuake).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Distances {
    /// Closest distance to the rupture surface.
    pub rrup_km: f64,
    /// Joyner-Boore distance (closest to the surface projection).
    pub rjb_km: f64,
    /// Horizontal distance perpendicular to the strike, positive on the hanging wall.
    pub rx_km: f64,
    /// Horizontal distance off the end of the rupture measured parallel to strike.
    pub ry0_km: f64,
    /// Hypocentral distance (used by the in-slab model; NaN where a caller has no hypocentre).
    pub rhypo_km: f64,
}

/// Site parameters a model may use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SiteParams {
    /// Time-averaged shear-wave velocity in the top 30 m, m/s.
    pub vs30_mps: f64,
    /// True when Vs30 was measured rather than inferred.
    pub vs30_measured: bool,
    /// Depth to Vs = 1.0 km/s, m. `None` means "use the model's default for this Vs30".
    pub z1pt0_m: Option<f64>,
    /// Depth to Vs = 2.5 km/s, km. `None` means "use the model's default for this Vs30".
    pub z2pt5_km: Option<f64>,
}

/// Median and standard deviations of one intensity measure at one site.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GroundMotion {
    /// ln of the median (g, or cm/s for PGV).
    pub ln_median: f64,
    /// Total standard deviation, ln units.
    pub sigma: f64,
    /// Between-event standard deviation, ln units.
    pub tau: f64,
    /// Within-event standard deviation, ln units.
    pub phi: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GmpeError {
    #[error("{model}: intensity measure {imt:?} is not supported")]
    UnsupportedImt { model: &'static str, imt: Imt },
    #[error("{model}: {field} = {value} is outside the model's valid range")]
    OutOfRange {
        model: &'static str,
        field: &'static str,
        value: f64,
    },
}

/// A ground-motion model.
pub trait Gmpe: Send + Sync {
    /// Short name, e.g. "BSSA14".
    fn name(&self) -> &'static str;
    /// The horizontal component the model's medians are for.
    fn component(&self) -> crate::component::Component;
    /// Whether the model has coefficients for `imt`.
    fn supports(&self, imt: Imt) -> bool;
    /// Median and sigmas of `imt` for one rupture/site pair.
    fn ground_motion(
        &self,
        imt: Imt,
        rup: &RuptureParams,
        dist: &Distances,
        site: &SiteParams,
    ) -> Result<GroundMotion, GmpeError>;
}

/// `Ok` when `ok`, else the model's out-of-range error naming `field` and its `value`.
pub(crate) fn require(
    model: &'static str,
    field: &'static str,
    value: f64,
    ok: bool,
) -> Result<(), GmpeError> {
    if ok {
        Ok(())
    } else {
        Err(GmpeError::OutOfRange {
            model,
            field,
            value,
        })
    }
}

/// Weight of the upper row when a coefficient at period `t_s` is interpolated linearly in
/// ln T between rows at `lo_s` and `hi_s` (as OpenQuake's `CoeffsTable` does).
pub(crate) fn ln_period_weight(t_s: f64, lo_s: f64, hi_s: f64) -> f64 {
    (t_s.ln() - lo_s.ln()) / (hi_s.ln() - lo_s.ln())
}

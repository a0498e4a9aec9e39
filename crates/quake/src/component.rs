//! Horizontal components of ground motion, and the conversion to the larger of the two
//! horizontal components that intensity is computed from.
//!
//! **Why.** The ground-motion models give the median of a *combined* horizontal component:
//! RotD50 for NGA-West2 (Ancheta et al. 2014), the geometric mean of the two recorded
//! components for Atkinson & Boore (2006) and BC Hydro (OpenQuake declares
//! `IMC.GEOMETRIC_MEAN` for both). The intensity conversion of Worden et al. (2012) was fitted
//! to ShakeMap's archived peak motions, which are the larger of the two horizontal components
//! ("We depict the larger of the two horizontal components", ShakeMap manual, "Use of peak
//! values rather than mean"). ShakeMap 4 therefore converts every model's median to
//! `GREATER_OF_TWO_HORIZONTAL` (its default `component`, shakemap/data/modelspec.conf) with
//! Boore & Kishida (2017) before the intensity conversion (shakelib/multigmpe.py,
//! "Convertions due to component definition"). Forewarn does the same, for intensity only:
//! the PGA, PGV and SA outputs and the simulated fields stay in the model's own component,
//! as OpenQuake computes them.
//!
//! **Model.** D. M. Boore and T. Kishida (2017), "Relations between some horizontal-component
//! ground-motion intensity measures used in practice", BSSA 107(1):334-343,
//! doi:10.1785/0120160250, fitted to the NGA-West2 records:
//!
//! ln(Y_larger / Y_in) = c0 + r1 ln(Rrup / 50) + m1 (M - 5.5) + m2 (M - 5.5)²
//!
//! with Rrup clipped to [0.01, 400] km and M to [2, 9] (the ranges of the fit). The
//! coefficients are the smoothed ones (`c0smooth`, `r1smooth`, `m1smooth`, `m2smooth`) of the
//! paper's electronic supplement, as ShakeMap 4 ships them
//! (shakelib/conversions/imc/data/nga-w2.lmR1M2_LargerD50… and …_LargerGMAR…), for the three
//! motions intensity can come from (PGV, PGA, SA(1.0); [`crate::gmice::MMI_IMT_PREFERENCE`]).
//! The conversion's own scatter (sigma 0.094-0.141 ln units) is not added to the models'
//! sigma: it is small against their total of about 0.6-0.7 (sqrt(0.65² + 0.1²) = 0.66).

use crate::gmpe::Imt;

/// The horizontal component a ground-motion model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// The median over rotation angles (Boore 2010), NGA-West2's component.
    RotD50,
    /// The geometric mean of the two recorded components ("GMAR" in Boore & Kishida).
    GeometricMean,
}

/// One row of Boore & Kishida (2017): ln(larger / input component).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bk17Row {
    c0: f64,
    r1: f64,
    m1: f64,
    m2: f64,
}

/// Boore & Kishida (2017), larger / RotD50 ("LargerD50"), smoothed coefficients.
fn larger_over_rotd50(imt: Imt) -> Option<Bk17Row> {
    let r = |c0, r1, m1, m2| Some(Bk17Row { c0, r1, m1, m2 });
    match imt {
        Imt::Pgv => r(
            0.124576699819479,
            -0.010187072147666,
            0.00121314885250292,
            -0.000764374621288474,
        ),
        Imt::Pga => r(
            0.11263282703123,
            -0.00961515801446688,
            -0.00360028833909088,
            -0.00158089043170841,
        ),
        Imt::Sa(t) if (t - 1.0).abs() < 1e-9 => r(
            0.136609329361722,
            -0.00750168720472429,
            -0.000587630347557134,
            -0.00237987858119227,
        ),
        _ => None,
    }
}

/// Boore & Kishida (2017), larger / geometric mean as recorded ("LargerGMAR"), smoothed.
fn larger_over_geometric_mean(imt: Imt) -> Option<Bk17Row> {
    let r = |c0, r1, m1, m2| Some(Bk17Row { c0, r1, m1, m2 });
    match imt {
        Imt::Pgv => r(
            0.146937930259807,
            -0.015735062276369,
            0.0023789283965034,
            -0.000257465356243077,
        ),
        Imt::Pga => r(
            0.126012384165617,
            -0.0145672395531217,
            -0.00673910722060916,
            -0.00136875909612275,
        ),
        Imt::Sa(t) if (t - 1.0).abs() < 1e-9 => r(
            0.173035948471341,
            -0.0144378856806267,
            -0.00180540008322995,
            -0.00349137238625714,
        ),
        _ => None,
    }
}

/// Rupture-distance range of the fit, km (ShakeMap clips to the same).
pub const BK17_RRUP_KM: (f64, f64) = (0.01, 400.0);
/// Magnitude range of the fit.
pub const BK17_MAGNITUDE: (f64, f64) = (2.0, 9.0);

/// The distance and magnitude terms' arguments: ln(Rrup / 50) and M - 5.5, clipped.
fn bk17_arguments(rrup_km: f64, mag: f64) -> (f64, f64) {
    let r = if rrup_km.is_nan() {
        BK17_RRUP_KM.0
    } else {
        rrup_km.clamp(BK17_RRUP_KM.0, BK17_RRUP_KM.1)
    };
    let dm = mag.clamp(BK17_MAGNITUDE.0, BK17_MAGNITUDE.1) - 5.5;
    ((r / 50.0).ln(), dm)
}

impl Bk17Row {
    fn ln_ratio(&self, ln_r_over_50: f64, dm: f64) -> f64 {
        self.c0 + self.r1 * ln_r_over_50 + self.m1 * dm + self.m2 * dm * dm
    }
}

/// The weighted mean of ln(larger / component) over `weights` (component, weight), computing
/// the distance term once; components without coefficients for `imt` add 0.
pub fn weighted_ln_to_larger(
    weights: &[(Component, f64)],
    imt: Imt,
    rrup_km: f64,
    mag: f64,
) -> f64 {
    let (ln_r, dm) = bk17_arguments(rrup_km, mag);
    weights
        .iter()
        .filter_map(|&(c, w)| c.row(imt).map(|row| w * row.ln_ratio(ln_r, dm)))
        .sum()
}

impl Component {
    fn row(self, imt: Imt) -> Option<Bk17Row> {
        match self {
            Component::RotD50 => larger_over_rotd50(imt),
            Component::GeometricMean => larger_over_geometric_mean(imt),
        }
    }

    /// ln(larger of the two horizontal components / this component) for `imt` at rupture
    /// distance `rrup_km` and magnitude `mag`; `None` for an IMT without coefficients here
    /// (only PGV, PGA and SA(1.0), the motions intensity is computed from).
    pub fn ln_to_larger(self, imt: Imt, rrup_km: f64, mag: f64) -> Option<f64> {
        let (ln_r, dm) = bk17_arguments(rrup_km, mag);
        Some(self.row(imt)?.ln_ratio(ln_r, dm))
    }

    /// Name as written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Component::RotD50 => "RotD50",
            Component::GeometricMean => "geometric mean",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_reference_point_the_ratio_is_c0() {
        // Rrup 50 km and M5.5 leave c0 alone: larger/RotD50 of PGV exp(0.1246) = 1.133.
        let l = Component::RotD50.ln_to_larger(Imt::Pgv, 50.0, 5.5).unwrap();
        assert!((l - 0.124576699819479).abs() < 1e-12, "{l}");
        assert!((l.exp() - 1.1327).abs() < 1e-4);
    }

    #[test]
    fn near_a_large_rupture_by_hand() {
        // PGV, RotD50, Rrup 5 km, M7.5: 0.12458 - 0.010187 ln(0.1) + 0.0012131 * 2
        // - 0.00076437 * 4 = 0.12458 + 0.023457 + 0.0024263 - 0.0030575 = 0.147401.
        let l = Component::RotD50.ln_to_larger(Imt::Pgv, 5.0, 7.5).unwrap();
        assert!((l - 0.147401).abs() < 1e-5, "{l}");
        // The geometric mean is further from the larger component than RotD50 is.
        let g = Component::GeometricMean
            .ln_to_larger(Imt::Pgv, 5.0, 7.5)
            .unwrap();
        assert!(g > l && g < 0.25, "{g}");
    }

    #[test]
    fn clipped_to_the_range_of_the_fit() {
        let c = Component::RotD50;
        assert_eq!(
            c.ln_to_larger(Imt::Pga, 1000.0, 9.5),
            c.ln_to_larger(Imt::Pga, 400.0, 9.0)
        );
        assert_eq!(
            c.ln_to_larger(Imt::Pga, 0.0, 1.0),
            c.ln_to_larger(Imt::Pga, 0.01, 2.0)
        );
        assert!(c.ln_to_larger(Imt::Sa(0.3), 10.0, 6.0).is_none());
        assert!(c.ln_to_larger(Imt::Sa(1.0), 10.0, 6.0).is_some());
    }

    #[test]
    fn the_larger_component_is_larger_everywhere_in_range() {
        for c in [Component::RotD50, Component::GeometricMean] {
            for imt in [Imt::Pgv, Imt::Pga, Imt::Sa(1.0)] {
                for r in [0.5, 5.0, 50.0, 300.0] {
                    for m in [4.0, 6.0, 8.0] {
                        let l = c.ln_to_larger(imt, r, m).unwrap();
                        assert!(l > 0.05 && l < 0.3, "{c:?} {imt:?} {r} {m}: {l}");
                    }
                }
            }
        }
    }
}

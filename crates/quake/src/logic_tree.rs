//! Weighted sets of ground-motion models (a one-level logic tree).
//!
//! Combination of branches for one site and IMT (weights w_i summing to 1):
//! - ln median: the weighted mean of the branch ln medians;
//! - tau² = sum w_i tau_i² + sum w_i (mu_i - mu)², i.e. the between-model spread is treated as
//!   event-wide (between-event) uncertainty;
//! - phi² = sum w_i phi_i²; sigma² = tau² + phi².

use crate::component::{self, Component};
use crate::gmpe::{Distances, Gmpe, GmpeError, GroundMotion, Imt, RuptureParams, SiteParams};
use crate::gmpe::{ab06::Ab06, ab2020::WithConditionalPgv, ask14::Ask14, bchydro::BcHydroSlab};
use crate::gmpe::{bssa14::Bssa14, cb14::Cb14, cy14::Cy14};
use crate::regime::{IN_SLAB_MODEL, STABLE_CONTINENTAL_MODEL};

/// A weighted set of ground-motion models.
pub struct LogicTree {
    pub name: String,
    pub branches: Vec<(Box<dyn Gmpe>, f64)>,
    /// The branches' weight summed by horizontal component, for the conversion to the
    /// larger component (one distance term per component, not per branch).
    component_weights: Vec<(Component, f64)>,
}

/// Names accepted by [`LogicTree::from_name`].
pub const CHOICES: [&str; 5] = ["bssa14", "cy14", "ask14", "cb14", "nga-west2"];

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LogicTreeError {
    #[error(
        "unknown ground-motion model '{0}' (choose one of: bssa14, cy14, ask14, cb14, nga-west2)"
    )]
    Unknown(String),
}

impl LogicTree {
    /// One model by name, or `nga-west2`: BSSA14, CY14, ASK14 and CB14 with equal weights.
    pub fn from_name(name: &str) -> Result<LogicTree, LogicTreeError> {
        let one = |g: Box<dyn Gmpe>| vec![(g, 1.0)];
        let branches: Vec<(Box<dyn Gmpe>, f64)> = match name.to_ascii_lowercase().as_str() {
            "bssa14" => one(Box::<Bssa14>::default()),
            "cy14" => one(Box::<Cy14>::default()),
            "ask14" => one(Box::<Ask14>::default()),
            "cb14" => one(Box::<Cb14>::default()),
            IN_SLAB_MODEL => one(Box::<BcHydroSlab>::default()),
            STABLE_CONTINENTAL_MODEL => one(Box::<Ab06>::default()),
            "nga-west2" => vec![
                (Box::new(Bssa14::default()) as Box<dyn Gmpe>, 0.25),
                (Box::new(Cy14::default()), 0.25),
                (Box::new(Ask14::default()), 0.25),
                (Box::new(Cb14::default()), 0.25),
            ],
            other => return Err(LogicTreeError::Unknown(other.to_string())),
        };
        // Every model without PGV of its own gets it through Abrahamson & Bhasin (2020), as
        // ShakeMap 4's MultiGMPE does (today: BC Hydro in-slab).
        let branches: Vec<(Box<dyn Gmpe>, f64)> = branches
            .into_iter()
            .map(|(g, w)| {
                if g.supports(Imt::Pgv) {
                    (g, w)
                } else {
                    (Box::new(WithConditionalPgv::new(g)) as Box<dyn Gmpe>, w)
                }
            })
            .collect();
        let mut component_weights: Vec<(Component, f64)> = Vec::new();
        for (g, w) in &branches {
            match component_weights
                .iter_mut()
                .find(|(c, _)| *c == g.component())
            {
                Some((_, total)) => *total += w,
                None => component_weights.push((g.component(), *w)),
            }
        }
        Ok(LogicTree {
            name: name.to_ascii_lowercase(),
            branches,
            component_weights,
        })
    }

    pub fn supports(&self, imt: Imt) -> bool {
        self.branches.iter().all(|(g, _)| g.supports(imt))
    }

    /// ln(larger horizontal component / the tree's median) of `imt` at rupture distance
    /// `rrup_km` and magnitude `mag`: the weighted mean of the branches' Boore & Kishida
    /// (2017) conversions ([`crate::component`]). ShakeMap converts each model before
    /// weighting; the conversion adds to ln, so this is the same. 0 for an IMT without
    /// conversion coefficients (intensity never comes from one).
    pub fn ln_to_larger(&self, imt: Imt, rrup_km: f64, mag: f64) -> f64 {
        component::weighted_ln_to_larger(&self.component_weights, imt, rrup_km, mag)
    }

    /// MMI as ShakeMap 4 computes it from this tree's ln median (or a simulated ln value)
    /// `ln_value` of `imt`: converted to the larger horizontal component, then Worden et al.
    /// (2012) with the distance and magnitude terms. 1 where the conversion has no answer.
    pub fn mmi(&self, imt: Imt, ln_value: f64, rrup_km: f64, mag: f64) -> f64 {
        let larger = ln_value + self.ln_to_larger(imt, rrup_km, mag);
        crate::gmice::mmi_with_terms_ln(imt, larger, rrup_km, mag).unwrap_or(1.0)
    }

    /// The components of the branches, for the outputs (each once, in branch order).
    pub fn components(&self) -> Vec<Component> {
        self.component_weights.iter().map(|&(c, _)| c).collect()
    }

    /// Weighted combination of the branches (see the module docs).
    pub fn ground_motion(
        &self,
        imt: Imt,
        rup: &RuptureParams,
        dist: &Distances,
        site: &SiteParams,
    ) -> Result<GroundMotion, GmpeError> {
        if self.branches.len() == 1 {
            return self.branches[0].0.ground_motion(imt, rup, dist, site);
        }
        let mut gms = [GroundMotion {
            ln_median: 0.0,
            sigma: 0.0,
            tau: 0.0,
            phi: 0.0,
        }; 8];
        let n = self.branches.len().min(8);
        let mut mu = 0.0;
        for (k, (g, w)) in self.branches.iter().take(n).enumerate() {
            gms[k] = g.ground_motion(imt, rup, dist, site)?;
            mu += w * gms[k].ln_median;
        }
        let (mut tau2, mut phi2) = (0.0, 0.0);
        for (k, (_, w)) in self.branches.iter().take(n).enumerate() {
            tau2 += w * (gms[k].tau.powi(2) + (gms[k].ln_median - mu).powi(2));
            phi2 += w * gms[k].phi.powi(2);
        }
        Ok(GroundMotion {
            ln_median: mu,
            sigma: (tau2 + phi2).sqrt(),
            tau: tau2.sqrt(),
            phi: phi2.sqrt(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_regimes_models_build_and_give_pgv() {
        // The names `regime::select` hands over must build, and each set has PGV (its own or
        // Abrahamson & Bhasin's), so that MMI comes from PGV in every regime.
        for name in CHOICES
            .iter()
            .copied()
            .chain([IN_SLAB_MODEL, STABLE_CONTINENTAL_MODEL])
        {
            let t = LogicTree::from_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(t.supports(Imt::Pgv), "{name}");
        }
        let scr = LogicTree::from_name("ab06").unwrap();
        assert_eq!(scr.branches.len(), 1);
        assert_eq!(scr.branches[0].0.name(), "AB06");
    }

    #[test]
    fn intensity_is_computed_from_the_larger_component() {
        // NGA-West2 (RotD50) PGV 60 cm/s at Rrup 5 km, M7.5: converted by exp(0.147401) to
        // 69.5 cm/s before Worden et al. (2012): 2.89 + 3.16 log10(69.5) + 0.90 - 0.18 * 7.3.
        let t = LogicTree::from_name("nga-west2").unwrap();
        let ln = 60f64.ln();
        let want = 2.89 + 3.16 * (60.0 * 0.147401f64.exp()).log10() + 0.90 - 0.18 * 7.3;
        let got = t.mmi(Imt::Pgv, ln, 5.0, 7.5);
        assert!((got - want).abs() < 1e-4, "{got} {want}");
        let plain = crate::gmice::mmi_with_terms(Imt::Pgv, 60.0, 5.0, 7.5).unwrap();
        assert!((got - plain - 3.16 * 0.147401 / 10f64.ln()).abs() < 1e-4);
        // A geometric-mean model is converted further; every branch of a tree alike.
        let scr = LogicTree::from_name("ab06").unwrap();
        assert!(scr.ln_to_larger(Imt::Pgv, 5.0, 7.5) > t.ln_to_larger(Imt::Pgv, 5.0, 7.5));
        assert_eq!(t.components(), vec![Component::RotD50]);
        assert_eq!(scr.components(), vec![Component::GeometricMean]);
    }

    #[test]
    fn nga_west2_mean_lies_between_branches() {
        let t = LogicTree::from_name("nga-west2").unwrap();
        let rup = RuptureParams {
            mag: 7.0,
            rake_deg: 90.0,
            dip_deg: 45.0,
            ztor_km: 2.0,
            width_km: 20.0,
            hypo_depth_km: 10.0,
        };
        let d = Distances {
            rrup_km: 20.0,
            rjb_km: 15.0,
            rx_km: 15.0,
            ry0_km: 0.0,
            rhypo_km: f64::NAN,
        };
        let s = SiteParams {
            vs30_mps: 400.0,
            vs30_measured: false,
            z1pt0_m: None,
            z2pt5_km: None,
        };
        let all = t.ground_motion(Imt::Pga, &rup, &d, &s).unwrap();
        let each: Vec<f64> = t
            .branches
            .iter()
            .map(|(g, _)| g.ground_motion(Imt::Pga, &rup, &d, &s).unwrap().ln_median)
            .collect();
        let lo = each.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = each.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        assert!(all.ln_median >= lo && all.ln_median <= hi);
        assert!(all.sigma > 0.4 && all.sigma < 1.2, "{all:?}");
        assert!(LogicTree::from_name("abc").is_err());
    }
}

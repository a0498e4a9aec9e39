//! PGV for a ground-motion model that has none: the conditional model of Abrahamson &
//! Bhasin (2020), as USGS ShakeMap 4 applies it.
//!
//! N. Abrahamson and S. Bhasin (2020), "Conditional ground-motion model for peak ground
//! velocity for active crustal regions", PEER Report 2020/05, Eq. 3.4 with the Table 3.2
//! coefficients for PSA at the reference period T_pgv(M):
//!
//! ln PGV = a1 + f1(M) ln PSA(T_pgv) + a4 (M - 6) + a5 (8.5 - M)²
//!        + a6 ln(Rrup + 5 exp(0.4 (M - 6))) + (a7 + a8 (M - 5)) ln(Vs30 / 425)
//!
//! with f1 = a2 below M5, a3 above M7.5 and linear between, PGV in cm/s and PSA in g. The
//! conditional sigmas combine with the model's own as sqrt(f1² s_model² + s_cond²) for the
//! total, between- and within-event parts.
//!
//! **Why.** ShakeMap 4 converts PGV to intensity first (Worden et al. 2012); for a model
//! without PGV (BC Hydro in-slab, which Forewarn uses for the Hindu Kush-Pamir
//! intermediate-depth zone) its MultiGMPE evaluates SA(T_pgv) and converts it with this model
//! (shakelib/multigmpe.py, shakelib/conversions/imt/abrahamson_bhasin_2020.py). T_pgv is
//! ShakeMap's step table: the first of 0.20, 0.28, 0.40, 0.95, 1.40, 2.80 s whose magnitude
//! bound (3.5, 4.5, 5.5, 6.5, 7.5, 8.5) is not below M, 2.80 s above M8.5. The model was fitted
//! to active crustal data; ShakeMap applies it to every model without PGV, and so does this.
//!
//! Verified against shakelib's own test values (tests below).

use super::{Distances, Gmpe, GmpeError, GroundMotion, Imt, RuptureParams, SiteParams};

// Abrahamson & Bhasin (2020) Table 3.2, the "PSA(T_pgv)" row: a1-a8, and the conditional
// standard deviations (natural-log units) phi, tau and sigma.
const A1: f64 = 5.39;
const A2: f64 = 0.799;
const A3: f64 = 0.654;
const A4: f64 = 0.479;
const A5: f64 = -0.062;
const A6: f64 = -0.359;
const A7: f64 = -0.134;
const A8: f64 = 0.023;
const PHI_LN: f64 = 0.29;
const TAU_LN: f64 = 0.16;
const SIGMA_LN: f64 = 0.33;
/// Reference Vs30 of the site term, m/s.
const VS30_REF_MPS: f64 = 425.0;
/// f1 is a2 below this magnitude and a3 above [`F1_MAG_HIGH`], linear between (Eq. 3.4).
const F1_MAG_LOW: f64 = 5.0;
const F1_MAG_HIGH: f64 = 7.5;

/// One step of ShakeMap's reference-period table: magnitudes up to `max_mag` use `period_s`.
struct TPgvStep {
    max_mag: f64,
    period_s: f64,
}

/// ShakeMap's step table of the reference period (shakelib abrahamson_bhasin_2020.py).
const T_PGV: [TPgvStep; 6] = [
    TPgvStep {
        max_mag: 3.5,
        period_s: 0.20,
    },
    TPgvStep {
        max_mag: 4.5,
        period_s: 0.28,
    },
    TPgvStep {
        max_mag: 5.5,
        period_s: 0.40,
    },
    TPgvStep {
        max_mag: 6.5,
        period_s: 0.95,
    },
    TPgvStep {
        max_mag: 7.5,
        period_s: 1.40,
    },
    TPgvStep {
        max_mag: 8.5,
        period_s: 2.80,
    },
];

/// The reference period for magnitude `mag`, s.
pub fn t_pgv_s(mag: f64) -> f64 {
    T_PGV
        .iter()
        .find(|s| mag <= s.max_mag)
        .map_or(T_PGV[T_PGV.len() - 1].period_s, |s| s.period_s)
}

fn f1(mag: f64) -> f64 {
    if mag < F1_MAG_LOW {
        A2
    } else if mag <= F1_MAG_HIGH {
        A2 + (A3 - A2) * (mag - F1_MAG_LOW) / (F1_MAG_HIGH - F1_MAG_LOW)
    } else {
        A3
    }
}

/// ln PGV (cm/s) and its sigmas from ln PSA(T_pgv) (g) and that PSA's sigmas.
pub fn conditional_pgv(psa: &GroundMotion, mag: f64, rrup_km: f64, vs30_mps: f64) -> GroundMotion {
    let f = f1(mag);
    let ln_median = A1
        + f * psa.ln_median
        + A4 * (mag - 6.0)
        + A5 * (8.5 - mag).powi(2)
        + A6 * (rrup_km + 5.0 * (0.4 * (mag - 6.0)).exp()).ln()
        + (A7 + A8 * (mag - 5.0)) * (vs30_mps / VS30_REF_MPS).ln();
    let comb = |model: f64, cond: f64| ((f * model).powi(2) + cond * cond).sqrt();
    GroundMotion {
        ln_median,
        sigma: comb(psa.sigma, SIGMA_LN),
        tau: comb(psa.tau, TAU_LN),
        phi: comb(psa.phi, PHI_LN),
    }
}

/// A model with PGV added through [`conditional_pgv`] when it has none of its own.
pub struct WithConditionalPgv {
    inner: Box<dyn Gmpe>,
}

impl WithConditionalPgv {
    pub fn new(inner: Box<dyn Gmpe>) -> WithConditionalPgv {
        WithConditionalPgv { inner }
    }
}

impl Gmpe for WithConditionalPgv {
    /// The inner model's: ShakeMap converts the component after the conditional PGV, by the
    /// model's declared component (shakelib/multigmpe.py).
    fn component(&self) -> crate::component::Component {
        self.inner.component()
    }

    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn supports(&self, imt: Imt) -> bool {
        self.inner.supports(imt)
            || (imt == Imt::Pgv
                && T_PGV
                    .iter()
                    .all(|s| self.inner.supports(Imt::Sa(s.period_s))))
    }

    fn ground_motion(
        &self,
        imt: Imt,
        rup: &RuptureParams,
        dist: &Distances,
        site: &SiteParams,
    ) -> Result<GroundMotion, GmpeError> {
        if imt != Imt::Pgv || self.inner.supports(Imt::Pgv) {
            return self.inner.ground_motion(imt, rup, dist, site);
        }
        let psa = self
            .inner
            .ground_motion(Imt::Sa(t_pgv_s(rup.mag)), rup, dist, site)?;
        Ok(conditional_pgv(&psa, rup.mag, dist.rrup_km, site.vs30_mps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// shakelib tests/shakelib/conversions/imt/abrahamson_bhasin_2020_test.py: M8.0, ln PSA,
    /// Rrup (km), Vs30 (m/s) and the expected ln PGV; model sigmas 0.72 / 0.4 / 0.6.
    #[test]
    fn matches_shakemaps_test_values() {
        let cases = [
            (2.0, 2.0, 200.0, 6.76516894),
            (1.8, 10.0, 180.0, 6.47038352),
            (1.6, 20.0, 420.0, 6.14539197),
            (1.0, 50.0, 550.0, 5.4931866),
            (0.4, 80.0, 480.0, 4.96628769),
            (0.1, 100.0, 600.0, 4.68435124),
        ];
        for (ln_psa, rrup, vs30, want) in cases {
            let psa = GroundMotion {
                ln_median: ln_psa,
                sigma: 0.72,
                tau: 0.4,
                phi: 0.6,
            };
            let g = conditional_pgv(&psa, 8.0, rrup, vs30);
            assert!(
                (g.ln_median - want).abs() < 1e-7,
                "{ln_psa}: {}",
                g.ln_median
            );
            assert!((g.sigma - 0.57500259).abs() < 1e-7);
            assert!((g.tau - 0.30665055).abs() < 1e-7);
            assert!((g.phi - 0.48793213).abs() < 1e-7);
        }
    }

    #[test]
    fn reference_period_steps_with_magnitude() {
        assert_eq!(t_pgv_s(3.0), 0.20);
        assert_eq!(t_pgv_s(6.5), 0.95);
        assert_eq!(t_pgv_s(6.6), 1.40);
        assert_eq!(t_pgv_s(7.5), 1.40);
        assert_eq!(t_pgv_s(9.0), 2.80);
    }

    #[test]
    fn bc_hydro_gets_pgv_and_keeps_its_own_imts() {
        let g = WithConditionalPgv::new(Box::<super::super::bchydro::BcHydroSlab>::default());
        assert!(g.supports(Imt::Pgv) && g.supports(Imt::Pga));
        let rup = RuptureParams {
            mag: 7.5,
            rake_deg: -90.0,
            dip_deg: 45.0,
            ztor_km: 200.0,
            width_km: 10.0,
            hypo_depth_km: 210.0,
        };
        let site = SiteParams {
            vs30_mps: 400.0,
            vs30_measured: false,
            z1pt0_m: None,
            z2pt5_km: None,
        };
        let at = |r: f64| Distances {
            rrup_km: r,
            rjb_km: (r * r - 210.0f64.powi(2)).max(0.0).sqrt(),
            rx_km: 0.0,
            ry0_km: 0.0,
            rhypo_km: r,
        };
        let near = g.ground_motion(Imt::Pgv, &rup, &at(215.0), &site).unwrap();
        let far = g.ground_motion(Imt::Pgv, &rup, &at(400.0), &site).unwrap();
        assert!(near.ln_median > far.ln_median);
        // PGV from SA(1.4 s) of the same model, by the conditional model.
        let sa = super::super::bchydro::BcHydroSlab::default()
            .ground_motion(Imt::Sa(1.4), &rup, &at(215.0), &site)
            .unwrap();
        let want = conditional_pgv(&sa, 7.5, 215.0, 400.0);
        assert_eq!(near, want);
    }
}

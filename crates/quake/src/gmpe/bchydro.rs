//! BC Hydro in-slab ground-motion model (Abrahamson, Gregor & Addo 2016).
//!
//! N. Abrahamson, N. Gregor and K. Addo (2016), "BC Hydro ground motion prediction equations
//! for subduction earthquakes", Earthquake Spectra 32(1):23-44. Equation numbers below refer to
//! that paper; the coefficients are its Tables 2 (period-independent) and 3 (period-dependent),
//! as tabulated in OpenQuake's `abrahamson_2015.py` (`AbrahamsonEtAl2015SSlab`).
//!
//! In-slab form (F_event = 1; the source is a point at the hypocentre, so the distance is the
//! hypocentral distance R and the depth term uses the hypocentral depth Z_h):
//!
//! ln Sa = theta1 + theta4 dC1 + f_mag(M)                                         (Eq. 1, 2)
//!       + (theta2 + theta14 + theta3 (M - 7.8)) ln(R + c4 exp((M - 6) theta9))
//!       + theta6 R + theta10                                                    (Eq. 1)
//!       + theta11 (min(Z_h, 120) - 60)                                          (Eq. 3)
//!       + F_FABA (theta7 + theta8 ln(max(R, 85) / 40))                          (Eq. 4)
//!       + f_site(PGA1000, Vs30)                                                 (Eq. 5)
//!
//! with f_mag = theta4 (M - C1 - dC1) + theta13 (10 - M)^2 below the break C1 + dC1 and
//! theta5 (M - C1 - dC1) + theta13 (10 - M)^2 above it, and PGA1000 the median PGA on rock
//! (Vs30 = 1000 m/s). [`BcHydroSlab::default()`] is the central model (dC1 = -0.3), forearc
//! sites (F_FABA = 0) and the ergodic sigma, as OpenQuake's default `AbrahamsonEtAl2015SSlab`.

use super::{Distances, Gmpe, GmpeError, GroundMotion, Imt, RuptureParams, SiteParams};

const MODEL: &str = "BCHydro-slab";

/// Period-independent coefficients (Abrahamson et al. 2016, Table 2).
const N: f64 = 1.18;
const C: f64 = 1.88;
const THETA3: f64 = 0.1;
const THETA4: f64 = 0.9;
const THETA5: f64 = 0.0;
const THETA9: f64 = 0.4;
const C4: f64 = 10.0;
const C1: f64 = 7.8;

/// dC1 of the in-slab models (Abrahamson et al. 2016, Table 8 as used by OpenQuake): central
/// -0.3, low -0.5, high -0.1.
pub const DC1_CENTRAL: f64 = -0.3;

/// Which side of the volcanic arc a site is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArcSide {
    /// Forearc or unknown (F_FABA = 0). OpenQuake's default.
    #[default]
    Forearc,
    /// Backarc (F_FABA = 1).
    Backarc,
}

/// The BC Hydro in-slab model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BcHydroSlab {
    /// Magnitude-scaling break adjustment dC1.
    pub dc1: f64,
    /// Arc side of every site.
    pub arc_side: ArcSide,
}

impl Default for BcHydroSlab {
    fn default() -> Self {
        BcHydroSlab {
            dc1: DC1_CENTRAL,
            arc_side: ArcSide::Forearc,
        }
    }
}

/// One row of Table 3 (period-dependent coefficients).
#[derive(Debug, Clone, Copy)]
struct Row {
    /// Period in s (0 = PGA).
    t: f64,
    vlin: f64,
    b: f64,
    theta1: f64,
    theta2: f64,
    theta6: f64,
    theta7: f64,
    theta8: f64,
    theta10: f64,
    theta11: f64,
    theta12: f64,
    theta13: f64,
    theta14: f64,
    phi: f64,
    tau: f64,
    sigma: f64,
}

const fn r(c: [f64; 16]) -> Row {
    Row {
        t: c[0],
        vlin: c[1],
        b: c[2],
        theta1: c[3],
        theta2: c[4],
        theta6: c[5],
        theta7: c[6],
        theta8: c[7],
        theta10: c[8],
        theta11: c[9],
        theta12: c[10],
        theta13: c[11],
        theta14: c[12],
        phi: c[13],
        tau: c[14],
        sigma: c[15],
    }
}

/// Abrahamson et al. (2016), Table 3 (period-dependent coefficients; theta15, theta16 and
/// sigma_ss, which the in-slab ergodic model does not use, are left out). Columns: T (s; 0 =
/// PGA), Vlin, b, theta1, theta2, theta6, theta7, theta8, theta10, theta11, theta12, theta13,
/// theta14, phi, tau, sigma. Rows for PGA and 0.02 s are identical in the paper.
#[rustfmt::skip]
const TABLE: [Row; 23] = [
    r([0.0,    865.1, -1.186,  4.2203, -1.35, -0.0012,  1.0988, -1.42, 3.12, 0.0130,  0.980, -0.0135, -0.40, 0.6, 0.43, 0.74]),
    r([0.02,   865.1, -1.186,  4.2203, -1.35, -0.0012,  1.0988, -1.42, 3.12, 0.0130,  0.980, -0.0135, -0.40, 0.6, 0.43, 0.74]),
    r([0.05,  1053.5, -1.346,  4.5371, -1.40, -0.0012,  1.2536, -1.65, 3.37, 0.0130,  1.288, -0.0138, -0.40, 0.6, 0.43, 0.74]),
    r([0.075, 1085.7, -1.471,  5.0733, -1.45, -0.0012,  1.4175, -1.80, 3.37, 0.0130,  1.483, -0.0142, -0.40, 0.6, 0.43, 0.74]),
    r([0.1,   1032.5, -1.624,  5.2892, -1.45, -0.0012,  1.3997, -1.80, 3.33, 0.0130,  1.613, -0.0145, -0.40, 0.6, 0.43, 0.74]),
    r([0.15,   877.6, -1.931,  5.4563, -1.45, -0.0014,  1.3582, -1.69, 3.25, 0.0130,  1.882, -0.0153, -0.40, 0.6, 0.43, 0.74]),
    r([0.2,    748.2, -2.188,  5.2684, -1.40, -0.0018,  1.1648, -1.49, 3.03, 0.0129,  2.076, -0.0162, -0.35, 0.6, 0.43, 0.74]),
    r([0.25,   654.3, -2.381,  5.0594, -1.35, -0.0023,  0.9940, -1.30, 2.80, 0.0129,  2.248, -0.0172, -0.31, 0.6, 0.43, 0.74]),
    r([0.3,    587.1, -2.518,  4.7945, -1.28, -0.0027,  0.8821, -1.18, 2.59, 0.0128,  2.348, -0.0183, -0.28, 0.6, 0.43, 0.74]),
    r([0.4,    503.0, -2.657,  4.4644, -1.18, -0.0035,  0.7046, -0.98, 2.20, 0.0127,  2.427, -0.0206, -0.23, 0.6, 0.43, 0.74]),
    r([0.5,    456.6, -2.669,  4.0181, -1.08, -0.0044,  0.5799, -0.82, 1.92, 0.0125,  2.399, -0.0231, -0.19, 0.6, 0.43, 0.74]),
    r([0.6,    430.3, -2.599,  3.6055, -0.99, -0.0050,  0.5021, -0.70, 1.70, 0.0124,  2.273, -0.0256, -0.16, 0.6, 0.43, 0.74]),
    r([0.75,   410.5, -2.401,  3.2174, -0.91, -0.0058,  0.3687, -0.54, 1.42, 0.0120,  1.993, -0.0296, -0.12, 0.6, 0.43, 0.74]),
    r([1.0,    400.0, -1.955,  2.7981, -0.85, -0.0062,  0.1746, -0.34, 1.10, 0.0114,  1.470, -0.0363, -0.07, 0.6, 0.43, 0.74]),
    r([1.5,    400.0, -1.025,  2.0123, -0.77, -0.0064, -0.0820, -0.05, 0.70, 0.0100,  0.408, -0.0493,  0.00, 0.6, 0.43, 0.74]),
    r([2.0,    400.0, -0.299,  1.4128, -0.71, -0.0064, -0.2821,  0.12, 0.70, 0.0085, -0.401, -0.0610,  0.00, 0.6, 0.43, 0.74]),
    r([2.5,    400.0,  0.0,    0.9976, -0.67, -0.0064, -0.4108,  0.25, 0.70, 0.0069, -0.723, -0.0711,  0.00, 0.6, 0.43, 0.74]),
    r([3.0,    400.0,  0.0,    0.6443, -0.64, -0.0064, -0.4466,  0.30, 0.70, 0.0054, -0.673, -0.0798,  0.00, 0.6, 0.43, 0.74]),
    r([4.0,    400.0,  0.0,    0.0657, -0.58, -0.0064, -0.4344,  0.30, 0.70, 0.0027, -0.627, -0.0935,  0.00, 0.6, 0.43, 0.74]),
    r([5.0,    400.0,  0.0,   -0.4624, -0.54, -0.0064, -0.4368,  0.30, 0.70, 0.0005, -0.596, -0.0980,  0.00, 0.6, 0.43, 0.74]),
    r([6.0,    400.0,  0.0,   -0.9809, -0.50, -0.0064, -0.4586,  0.30, 0.70, -0.0013, -0.566, -0.0980, 0.00, 0.6, 0.43, 0.74]),
    r([7.5,    400.0,  0.0,   -1.6017, -0.46, -0.0064, -0.4433,  0.30, 0.70, -0.0033, -0.528, -0.0980, 0.00, 0.6, 0.43, 0.74]),
    r([10.0,   400.0,  0.0,   -2.2937, -0.40, -0.0064, -0.4828,  0.30, 0.70, -0.0060, -0.504, -0.0980, 0.00, 0.6, 0.43, 0.74]),
];

/// The coefficients of `imt`: a row of the table, or, for a period between two rows, each
/// coefficient interpolated linearly in ln T between them (as OpenQuake's `CoeffsTable` does
/// for a period it does not tabulate). Periods outside 0.02-10 s are not supported.
fn row(imt: Imt) -> Option<Row> {
    let t = match imt {
        Imt::Pga => 0.0,
        Imt::Sa(t) if t > 0.0 => t,
        _ => return None,
    };
    if let Some(r) = TABLE.iter().find(|r| (r.t - t).abs() < 1e-6) {
        return Some(*r);
    }
    // TABLE[0] is PGA (T = 0); the spectral rows are sorted by period.
    let hi = TABLE[1..].iter().position(|r| r.t > t)? + 1;
    if hi < 2 {
        return None;
    }
    let (a, b) = (&TABLE[hi - 1], &TABLE[hi]);
    let w = super::ln_period_weight(t, a.t, b.t);
    let l = |x: f64, y: f64| x + (y - x) * w;
    Some(Row {
        t,
        vlin: l(a.vlin, b.vlin),
        b: l(a.b, b.b),
        theta1: l(a.theta1, b.theta1),
        theta2: l(a.theta2, b.theta2),
        theta6: l(a.theta6, b.theta6),
        theta7: l(a.theta7, b.theta7),
        theta8: l(a.theta8, b.theta8),
        theta10: l(a.theta10, b.theta10),
        theta11: l(a.theta11, b.theta11),
        theta12: l(a.theta12, b.theta12),
        theta13: l(a.theta13, b.theta13),
        theta14: l(a.theta14, b.theta14),
        phi: l(a.phi, b.phi),
        tau: l(a.tau, b.tau),
        sigma: l(a.sigma, b.sigma),
    })
}

impl BcHydroSlab {
    /// Everything but the site term (Eqs. 1-4).
    fn source_path(&self, c: &Row, mag: f64, rhypo: f64, zh: f64) -> f64 {
        let dmag = C1 + self.dc1;
        let f_mag = if mag > dmag {
            THETA5 * (mag - dmag)
        } else {
            THETA4 * (mag - dmag)
        } + c.theta13 * (10.0 - mag).powi(2);
        let base = c.theta1 + THETA4 * self.dc1 + f_mag;
        let dist = (c.theta2 + c.theta14 + THETA3 * (mag - 7.8))
            * (rhypo + C4 * ((mag - 6.0) * THETA9).exp()).ln()
            + c.theta6 * rhypo
            + c.theta10;
        let depth = c.theta11 * (zh.min(120.0) - 60.0);
        let faba = match self.arc_side {
            ArcSide::Forearc => 0.0,
            ArcSide::Backarc => c.theta7 + c.theta8 * (rhypo.max(85.0) / 40.0).ln(),
        };
        base + dist + depth + faba
    }

    /// Site term (Eq. 5, the Walling et al. 2008 form).
    fn site(c: &Row, vs30: f64, pga1000: f64) -> f64 {
        let arg = vs30.min(1000.0) / c.vlin;
        let lin = c.theta12 * arg.ln();
        if vs30 >= c.vlin {
            lin + c.b * N * arg.ln()
        } else {
            lin - c.b * (pga1000 + C).ln() + c.b * (pga1000 + C * arg.powf(N)).ln()
        }
    }
}

impl Gmpe for BcHydroSlab {
    /// Abrahamson et al. (2016): the geometric mean (OpenQuake: `IMC.GEOMETRIC_MEAN`).
    fn component(&self) -> crate::component::Component {
        crate::component::Component::GeometricMean
    }

    fn name(&self) -> &'static str {
        MODEL
    }

    fn supports(&self, imt: Imt) -> bool {
        row(imt).is_some()
    }

    fn ground_motion(
        &self,
        imt: Imt,
        rup: &RuptureParams,
        dist: &Distances,
        site: &SiteParams,
    ) -> Result<GroundMotion, GmpeError> {
        let c = row(imt).ok_or(GmpeError::UnsupportedImt { model: MODEL, imt })?;
        let out = |field: &'static str, value: f64| GmpeError::OutOfRange {
            model: MODEL,
            field,
            value,
        };
        if !(rup.mag.is_finite() && (4.0..=9.5).contains(&rup.mag)) {
            return Err(out("mag", rup.mag));
        }
        if !(dist.rhypo_km.is_finite() && dist.rhypo_km >= 0.0) {
            return Err(out("rhypo_km", dist.rhypo_km));
        }
        if !(rup.hypo_depth_km.is_finite() && rup.hypo_depth_km >= 0.0) {
            return Err(out("hypo_depth_km", rup.hypo_depth_km));
        }
        if !(site.vs30_mps.is_finite() && site.vs30_mps > 0.0) {
            return Err(out("vs30_mps", site.vs30_mps));
        }
        let (mag, rh, zh) = (rup.mag, dist.rhypo_km, rup.hypo_depth_km);
        // Median PGA on rock (Vs30 = 1000 m/s): linear site term only.
        let cp = TABLE[0];
        let pga1000 = (self.source_path(&cp, mag, rh, zh)
            + (cp.theta12 + cp.b * N) * (1000.0 / cp.vlin).ln())
        .exp();
        let ln_median = self.source_path(&c, mag, rh, zh) + Self::site(&c, site.vs30_mps, pga1000);
        Ok(GroundMotion {
            ln_median,
            sigma: c.sigma,
            tau: c.tau,
            phi: c.phi,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deeper_is_stronger_up_to_120_km_and_distance_attenuates() {
        let g = BcHydroSlab::default();
        let site = SiteParams {
            vs30_mps: 760.0,
            vs30_measured: false,
            z1pt0_m: None,
            z2pt5_km: None,
        };
        let at = |depth: f64, rh: f64| {
            let rup = RuptureParams {
                mag: 7.5,
                rake_deg: 0.0,
                dip_deg: 45.0,
                ztor_km: depth,
                width_km: 10.0,
                hypo_depth_km: depth,
            };
            let d = Distances {
                rrup_km: rh,
                rjb_km: rh,
                rx_km: 0.0,
                ry0_km: 0.0,
                rhypo_km: rh,
            };
            g.ground_motion(Imt::Pga, &rup, &d, &site)
                .map(|m| m.ln_median)
        };
        assert!(at(100.0, 150.0).unwrap() > at(60.0, 150.0).unwrap());
        assert_eq!(at(120.0, 250.0).unwrap(), at(210.0, 250.0).unwrap());
        assert!(at(210.0, 210.0).unwrap() > at(210.0, 400.0).unwrap());
        assert!(at(f64::NAN, 100.0).is_err());
        assert!(g.supports(Imt::Sa(1.0)) && !g.supports(Imt::Pgv));
        // Between two rows, ln T interpolation: SA(1.4 s) lies between SA(1.0) and SA(1.5).
        assert!(g.supports(Imt::Sa(1.4)) && !g.supports(Imt::Sa(12.0)));
    }
}

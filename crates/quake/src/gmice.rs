//! Ground-motion to intensity conversion: Worden, Gerstenberger, Rhoades & Wald (2012),
//! BSSA 102(1):204-221 (WGRW12, as used by USGS ShakeMap 4).
//!
//! MMI = c1 + c2 log10(Y) for log10(Y) <= t1, else c3 + c4 log10(Y), plus, when the rupture
//! distance and magnitude are known, the residual terms c5 + c6 log10(R) + c7 M with R
//! clipped to [10, 300] km and M to [3.0, 7.3] (Worden et al. 2012, the equations with
//! distance and magnitude terms). Y in cm/s² (PGA, SA) or cm/s (PGV). MMI is clipped to
//! [1, 10].
//!
//! **Which ground motion gives MMI.** ShakeMap 4's VirtualIPE (shakelib/virtualipe.py,
//! `VirtualIPE.fromFuncs`) uses the first of PGV, PGA, SA(1.0) that every ground-motion
//! model of the set provides, not a maximum or mixture of them, and converts it with the
//! distance and magnitude terms (`getMIfromGM(mgm, imt, rrup, mag)`). [`MMI_IMT_PREFERENCE`]
//! and [`select_mmi_imt`] implement that rule; [`mmi_with_terms`] the conversion.

use crate::gmpe::Imt;

/// Standard gravity, cm/s² per g.
pub const G_CMS2: f64 = 980.665;

/// One row of Worden et al. (2012): c1..c4, t1 and sigma(MMI) (Table 1) and the residual
/// terms c5, c6, c7 of the equations with distance and magnitude.
#[derive(Debug, Clone, Copy)]
pub struct WordenCoeffs {
    pub c1: f64,
    pub c2: f64,
    pub c3: f64,
    pub c4: f64,
    pub t1: f64,
    pub sigma_mmi: f64,
    pub c5: f64,
    pub c6: f64,
    pub c7: f64,
}

/// Worden et al. (2012) coefficients (see science.md); c5-c7 checked against ShakeMap 4's
/// transcription (shakelib/gmice/wgrw12.py, `_constants`: C5, C6, C7).
pub fn coeffs(imt: Imt) -> Option<WordenCoeffs> {
    #[allow(clippy::too_many_arguments)]
    let r = |c1, c2, c3, c4, t1, s, c5, c6, c7| WordenCoeffs {
        c1,
        c2,
        c3,
        c4,
        t1,
        sigma_mmi: s,
        c5,
        c6,
        c7,
    };
    match imt {
        Imt::Pga => Some(r(1.78, 1.55, -1.60, 3.70, 1.57, 0.66, -0.91, 1.02, -0.17)),
        Imt::Pgv => Some(r(3.78, 1.47, 2.89, 3.16, 0.53, 0.63, 0.90, 0.00, -0.18)),
        Imt::Sa(t) if (t - 0.3).abs() < 1e-9 => {
            Some(r(1.26, 1.69, -4.15, 4.14, 2.21, 0.82, -1.05, 0.60, 0.00))
        }
        Imt::Sa(t) if (t - 1.0).abs() < 1e-9 => {
            Some(r(2.50, 1.51, 0.20, 2.90, 1.65, 0.75, 2.27, -0.49, -0.29))
        }
        Imt::Sa(t) if (t - 3.0).abs() < 1e-9 => {
            Some(r(3.81, 1.17, 1.99, 3.01, 0.99, 0.89, 1.91, -0.57, -0.21))
        }
        _ => None,
    }
}

/// The order in which ShakeMap 4's VirtualIPE looks for the ground motion to convert.
pub const MMI_IMT_PREFERENCE: [Imt; 3] = [Imt::Pgv, Imt::Pga, Imt::Sa(1.0)];

/// The first IMT of [`MMI_IMT_PREFERENCE`] that `supports` accepts (for a logic tree: every
/// branch has it), or `None`.
pub fn select_mmi_imt(supports: impl Fn(Imt) -> bool) -> Option<Imt> {
    MMI_IMT_PREFERENCE.into_iter().find(|&i| supports(i))
}

/// Rupture-distance clip of the residual terms, km (ShakeMap wgrw12.py: 10-300 km).
pub const RESIDUAL_DISTANCE_KM: (f64, f64) = (10.0, 300.0);
/// Magnitude clip of the residual terms (ShakeMap wgrw12.py: M3.0-7.3).
pub const RESIDUAL_MAGNITUDE: (f64, f64) = (3.0, 7.3);

/// log10 of a ground motion in the relation's units (cm/s² for PGA and SA, cm/s for PGV)
/// from the natural log of its value in the models' units (g, or cm/s): -inf for a zero
/// value, NaN for a negative or NaN one (both end as MMI 1 below).
fn log10_y(imt: Imt, ln_value: f64) -> f64 {
    let unit_log10 = match imt {
        Imt::Pgv => 0.0,
        _ => G_CMS2.log10(),
    };
    ln_value * std::f64::consts::LOG10_E + unit_log10
}

/// The bilinear relation at l = log10(Y).
fn base_log10(c: &WordenCoeffs, l: f64) -> f64 {
    if l <= c.t1 {
        c.c1 + c.c2 * l
    } else {
        c.c3 + c.c4 * l
    }
}

/// MMI clipped to [1, 10]; 1 where it is undefined.
fn clip(m: f64) -> f64 {
    if m.is_nan() { 1.0 } else { m.clamp(1.0, 10.0) }
}

/// MMI from a ground-motion value in the model's units (g for PGA/SA, cm/s for PGV),
/// without the distance and magnitude terms.
pub fn mmi(imt: Imt, value: f64) -> Option<f64> {
    let c = coeffs(imt)?;
    Some(clip(base_log10(&c, log10_y(imt, value.ln()))))
}

/// MMI from a ground-motion value with the distance and magnitude terms, as ShakeMap 4
/// converts its grids (rupture distance `rrup_km`, moment magnitude `mag`).
pub fn mmi_with_terms(imt: Imt, value: f64, rrup_km: f64, mag: f64) -> Option<f64> {
    mmi_with_terms_ln(imt, value.ln(), rrup_km, mag)
}

/// [`mmi_with_terms`] from the natural log of the value (g, or cm/s for PGV), without taking
/// its exponential: the grids hold ln values.
pub fn mmi_with_terms_ln(imt: Imt, ln_value: f64, rrup_km: f64, mag: f64) -> Option<f64> {
    let c = coeffs(imt)?;
    let r = rrup_km.clamp(RESIDUAL_DISTANCE_KM.0, RESIDUAL_DISTANCE_KM.1);
    let mm = mag.clamp(RESIDUAL_MAGNITUDE.0, RESIDUAL_MAGNITUDE.1);
    let m = base_log10(&c, log10_y(imt, ln_value)) + c.c5 + c.c6 * r.log10() + c.c7 * mm;
    Some(clip(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_values_from_science_md() {
        assert!((mmi(Imt::Pga, 0.1).unwrap() - 5.77).abs() < 0.01);
        assert!((mmi(Imt::Pga, 0.5).unwrap() - 8.36).abs() < 0.01);
        assert!((mmi(Imt::Pgv, 10.0).unwrap() - 6.05).abs() < 0.01);
        assert_eq!(mmi(Imt::Pga, 0.0).unwrap(), 1.0);
        assert_eq!(mmi(Imt::Pga, 50.0).unwrap(), 10.0);
        assert!(mmi(Imt::Sa(2.0), 0.1).is_none());
    }

    #[test]
    fn residual_terms_by_hand() {
        // PGV 100 cm/s: 2.89 + 3.16 * 2 = 9.21; at M7.6 (clipped to 7.3), any distance:
        // + 0.90 + 0 - 0.18 * 7.3 = -0.414 -> 8.796.
        let m = mmi_with_terms(Imt::Pgv, 100.0, 5.0, 7.6).unwrap();
        assert!((m - 8.796).abs() < 1e-9, "{m}");
        // PGA 0.5 g at 50 km, M6: 8.355 - 0.91 + 1.02 log10(50) - 0.17 * 6 = 8.158.
        let m = mmi_with_terms(Imt::Pga, 0.5, 50.0, 6.0).unwrap();
        let want = -1.60 + 3.70 * (0.5 * G_CMS2).log10() - 0.91 + 1.02 * 50f64.log10() - 1.02;
        assert!((m - want).abs() < 1e-9 && (m - 8.158).abs() < 0.001, "{m}");
        // Distances below 10 km count as 10 km.
        assert_eq!(
            mmi_with_terms(Imt::Pga, 0.3, 1.0, 6.0),
            mmi_with_terms(Imt::Pga, 0.3, 10.0, 6.0)
        );
        assert_eq!(mmi_with_terms(Imt::Pgv, 0.0, 10.0, 6.0), Some(1.0));
    }

    #[test]
    fn from_the_log_as_from_the_value() {
        for (imt, v) in [
            (Imt::Pgv, 0.5),
            (Imt::Pgv, 100.0),
            (Imt::Pga, 0.02),
            (Imt::Pga, 1.2),
        ] {
            for r in [1.0, 30.0, 500.0] {
                let a = mmi_with_terms(imt, v, r, 6.5).unwrap();
                let b = mmi_with_terms_ln(imt, v.ln(), r, 6.5).unwrap();
                assert!((a - b).abs() < 1e-9, "{imt:?} {v} {r}: {a} {b}");
            }
        }
        assert_eq!(
            mmi_with_terms_ln(Imt::Pgv, f64::NEG_INFINITY, 10.0, 6.0),
            Some(1.0)
        );
        assert_eq!(mmi_with_terms_ln(Imt::Pgv, f64::NAN, 10.0, 6.0), Some(1.0));
    }

    #[test]
    fn selection_order_is_pgv_then_pga_then_sa1() {
        // Constructed model sets: everything; no PGV (as BC Hydro); only SA; nothing usable.
        assert_eq!(select_mmi_imt(|_| true), Some(Imt::Pgv));
        assert_eq!(select_mmi_imt(|i| i != Imt::Pgv), Some(Imt::Pga));
        assert_eq!(
            select_mmi_imt(|i| matches!(i, Imt::Sa(_))),
            Some(Imt::Sa(1.0))
        );
        assert_eq!(select_mmi_imt(|i| matches!(i, Imt::Sa(t) if t < 0.5)), None);
        // PGV wins even where PGA would give the higher intensity (a rule of order, not a
        // maximum): 10 cm/s -> 6.05 while 0.5 g -> 8.36.
        let imt = select_mmi_imt(|_| true).unwrap();
        assert!(mmi(imt, 10.0).unwrap() < mmi(Imt::Pga, 0.5).unwrap());
    }
}

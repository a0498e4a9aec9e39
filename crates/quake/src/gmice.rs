//! Ground-motion to intensity conversion: Worden, Gerstenberger, Rhoades & Wald (2012),
//! BSSA 102(1):204-221, Table 1 (as used by USGS ShakeMap), without the distance/magnitude
//! terms: MMI = c1 + c2 log10(Y) for log10(Y) <= t1, else c3 + c4 log10(Y);
//! Y in cm/s² (PGA, SA) or cm/s (PGV). MMI is clipped to [1, 10].

use crate::gmpe::Imt;

/// Standard gravity, cm/s² per g.
pub const G_CMS2: f64 = 980.665;

/// One row of Worden et al. (2012) Table 1: c1, c2, c3, c4, t1 and sigma(MMI).
#[derive(Debug, Clone, Copy)]
pub struct WordenCoeffs {
    pub c1: f64,
    pub c2: f64,
    pub c3: f64,
    pub c4: f64,
    pub t1: f64,
    pub sigma_mmi: f64,
}

/// Worden et al. (2012) Table 1 coefficients (see science.md).
pub fn coeffs(imt: Imt) -> Option<WordenCoeffs> {
    let r = |c1, c2, c3, c4, t1, s| WordenCoeffs {
        c1,
        c2,
        c3,
        c4,
        t1,
        sigma_mmi: s,
    };
    match imt {
        Imt::Pga => Some(r(1.78, 1.55, -1.60, 3.70, 1.57, 0.66)),
        Imt::Pgv => Some(r(3.78, 1.47, 2.89, 3.16, 0.53, 0.63)),
        Imt::Sa(t) if (t - 0.3).abs() < 1e-9 => Some(r(1.26, 1.69, -4.15, 4.14, 2.21, 0.82)),
        Imt::Sa(t) if (t - 1.0).abs() < 1e-9 => Some(r(2.50, 1.51, 0.20, 2.90, 1.65, 0.75)),
        Imt::Sa(t) if (t - 3.0).abs() < 1e-9 => Some(r(3.81, 1.17, 1.99, 3.01, 0.99, 0.89)),
        _ => None,
    }
}

/// MMI from a ground-motion value in the model's units (g for PGA/SA, cm/s for PGV).
pub fn mmi(imt: Imt, value: f64) -> Option<f64> {
    let c = coeffs(imt)?;
    let y = match imt {
        Imt::Pgv => value,
        _ => value * G_CMS2,
    };
    if y <= 0.0 || y.is_nan() {
        return Some(1.0);
    }
    let l = y.log10();
    let m = if l <= c.t1 {
        c.c1 + c.c2 * l
    } else {
        c.c3 + c.c4 * l
    };
    Some(m.clamp(1.0, 10.0))
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
}

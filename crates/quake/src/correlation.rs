//! Correlation models for ground-motion residuals.

use crate::gmpe::Imt;

/// Jayaram & Baker (2009), Earthquake Eng. Struct. Dyn. 38(15):1687-1708, eq. 17:
/// range b (km) of the exponential correlation rho(h) = exp(-3 h / b) of within-event
/// residuals. For T < 1 s: b = 8.5 + 17.2 T (case 1, no Vs30 clustering) or
/// b = 40.7 - 15.0 T (case 2, clustered Vs30); for T >= 1 s: b = 22.0 + 3.7 T.
pub fn jb2009_range_km(period_s: f64, vs30_clustered: bool) -> f64 {
    if period_s < 1.0 {
        if vs30_clustered {
            40.7 - 15.0 * period_s
        } else {
            8.5 + 17.2 * period_s
        }
    } else {
        22.0 + 3.7 * period_s
    }
}

/// JB2009 correlation at separation `h_km`.
pub fn jb2009_rho(h_km: f64, range_km: f64) -> f64 {
    (-3.0 * h_km / range_km).exp()
}

/// Correlation between residuals at two periods: Baker & Jayaram (2008), Earthquake Spectra
/// 24(1):299-317, eq. 7-10 (valid 0.01-10 s; PGA is treated as T = 0.01 s).
pub fn baker_jayaram_2008(t1_s: f64, t2_s: f64) -> f64 {
    let t_min = t1_s.min(t2_s).max(0.01);
    let t_max = t1_s.max(t2_s).max(0.01);
    let c1 = 1.0 - (std::f64::consts::FRAC_PI_2 - 0.366 * (t_max / t_min.max(0.109)).ln()).cos();
    let c2 = if t_max < 0.2 {
        1.0 - 0.105 * (1.0 - 1.0 / (1.0 + (100.0 * t_max - 5.0).exp())) * (t_max - t_min)
            / (t_max - 0.0099)
    } else {
        0.0
    };
    let c3 = if t_max < 0.109 { c2 } else { c1 };
    let c4 = c1 + 0.5 * (c3.sqrt() - c3) * (1.0 + (std::f64::consts::PI * t_min / 0.109).cos());
    if t_max < 0.109 {
        c2
    } else if t_min > 0.109 {
        c1
    } else if t_max < 0.2 {
        c2.min(c4)
    } else {
        c4
    }
}

/// Period used for correlation: PGA -> 0.01 s. PGV has no period in these models.
pub fn correlation_period(imt: Imt) -> Option<f64> {
    match imt {
        Imt::Pga => Some(0.01),
        Imt::Sa(t) => Some(t),
        Imt::Pgv => None,
    }
}

/// Lower-triangular Cholesky factor of the inter-IMT correlation matrix (row-major).
/// Returns `None` when the matrix is not positive definite or an IMT has no period.
pub fn cross_imt_cholesky(imts: &[Imt]) -> Option<Vec<f64>> {
    let n = imts.len();
    let periods: Vec<f64> = imts
        .iter()
        .map(|i| correlation_period(*i))
        .collect::<Option<_>>()?;
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            c[i * n + j] = if i == j {
                1.0
            } else {
                baker_jayaram_2008(periods[i], periods[j])
            };
        }
    }
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                let d = c[i * n + i] - s;
                if d <= 0.0 {
                    return None;
                }
                l[i * n + j] = d.sqrt();
            } else {
                l[i * n + j] = (c[i * n + j] - s) / l[j * n + j];
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert!((jb2009_range_km(0.0, false) - 8.5).abs() < 1e-12);
        assert!((jb2009_range_km(1.0, false) - 25.7).abs() < 1e-12);
        assert!((jb2009_range_km(0.3, true) - 36.2).abs() < 1e-12);
        assert!((jb2009_rho(8.5, 8.5) - (-3f64).exp()).abs() < 1e-12);
    }

    #[test]
    fn bj2008_is_one_on_the_diagonal_and_decreases_with_period_ratio() {
        assert!((baker_jayaram_2008(1.0, 1.0) - 1.0).abs() < 1e-9);
        let a = baker_jayaram_2008(0.01, 0.3);
        let b = baker_jayaram_2008(0.01, 1.0);
        assert!(a > b && b > 0.3 && a < 1.0, "{a} {b}");
        let l = cross_imt_cholesky(&[Imt::Pga, Imt::Sa(0.3), Imt::Sa(1.0)]).unwrap();
        assert!((l[0] - 1.0).abs() < 1e-12);
    }
}

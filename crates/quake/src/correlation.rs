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

/// Range b (km) of the JB2009 within-event correlation for `imt` (case 1). JB2009 covers
/// PGA and SA only; PGV takes the range of SA(1.0 s), b = 25.7 km, the period PGV is most
/// strongly correlated with (Bradley 2012, below: rho(PGV, SA(1 s)) = 0.79). OpenQuake's
/// `jbcorrelation` means the same (`period = 1.0 if imt.string == 'PGV'`) but evaluates
/// eq. 19 with PGV's period 0, which gives b = 22.0 km.
pub fn spatial_range_km(imt: Imt) -> f64 {
    jb2009_range_km(correlation_period(imt).unwrap_or(1.0), false)
}

/// Correlation of PGV with SA(T): Bradley (2012), "Empirical correlations between peak
/// ground velocity and spectrum-based intensity measures", Earthquake Spectra 28(1):17-35,
/// the piecewise PGV-SA(T) model: rho = (a_n + b_n)/2 - (a_n - b_n)/2 tanh(d_n ln(T / c_n)) for
/// T_{n-1} <= T < T_n (valid 0.01-10 s; T is clipped to that range). Coefficients checked
/// against OpenSHA's Bradley11_ImCorrRel (PGV-SA case).
pub fn bradley_2012_pgv_sa(t_s: f64) -> f64 {
    // (a_n, b_n, c_n, d_n, upper bound T_n in s)
    const ROWS: [(f64, f64, f64, f64, f64); 4] = [
        (0.73, 0.54, 0.045, 1.8, 0.1),
        (0.54, 0.81, 0.28, 1.5, 0.75),
        (0.80, 0.76, 1.1, 3.0, 2.5),
        (0.76, 0.70, 5.0, 3.2, 10.0),
    ];
    let t = t_s.clamp(0.01, 10.0);
    let (a, b, c, d, _) = ROWS.iter().copied().find(|r| t < r.4).unwrap_or(ROWS[3]);
    (a + b) / 2.0 - (a - b) / 2.0 * (d * (t / c).ln()).tanh()
}

/// Correlation of PGV with PGA: Bradley (2012), rho = 0.733 (also OpenSHA's
/// Bradley11_ImCorrRel, PGV-PGA case).
pub const BRADLEY_2012_PGV_PGA: f64 = 0.733;

/// Correlation between the residuals of two IMTs: Baker & Jayaram (2008) between PGA and SA
/// (PGA as 0.01 s), Bradley (2012) with PGV.
pub fn cross_imt_rho(a: Imt, b: Imt) -> f64 {
    match (a, b) {
        (Imt::Pgv, Imt::Pgv) => 1.0,
        (Imt::Pgv, Imt::Pga) | (Imt::Pga, Imt::Pgv) => BRADLEY_2012_PGV_PGA,
        (Imt::Pgv, Imt::Sa(t)) | (Imt::Sa(t), Imt::Pgv) => bradley_2012_pgv_sa(t),
        _ => match (correlation_period(a), correlation_period(b)) {
            (Some(ta), Some(tb)) if (ta - tb).abs() < 1e-12 => 1.0,
            (Some(ta), Some(tb)) => baker_jayaram_2008(ta, tb),
            _ => 0.0,
        },
    }
}

/// Lower-triangular Cholesky factor of the inter-IMT correlation matrix (row-major,
/// [`cross_imt_rho`]). Returns `None` when the matrix is not positive definite.
pub fn cross_imt_cholesky(imts: &[Imt]) -> Option<Vec<f64>> {
    let n = imts.len();
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            c[i * n + j] = if i == j {
                1.0
            } else {
                cross_imt_rho(imts[i], imts[j])
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

    #[test]
    fn pgv_correlations_from_bradley_2012() {
        // At the segment centres c_n the correlation is the mean of a_n and b_n.
        assert!((bradley_2012_pgv_sa(0.28) - (0.54 + 0.81) / 2.0).abs() < 1e-12);
        assert!((bradley_2012_pgv_sa(1.1) - 0.78).abs() < 1e-12);
        // Continuous across the segment bounds to within 0.02 and peaks near 0.5-1 s.
        for tb in [0.1, 0.75, 2.5] {
            let d = bradley_2012_pgv_sa(tb - 1e-9) - bradley_2012_pgv_sa(tb);
            assert!(d.abs() < 0.02, "{tb}: {d}");
        }
        assert!(bradley_2012_pgv_sa(1.0) > bradley_2012_pgv_sa(0.05));
        assert_eq!(cross_imt_rho(Imt::Pga, Imt::Pgv), 0.733);
        assert_eq!(cross_imt_rho(Imt::Pgv, Imt::Pgv), 1.0);
        // The four IMTs of a quake run (and with more periods) form a valid correlation matrix.
        let set = [Imt::Pga, Imt::Pgv, Imt::Sa(0.3), Imt::Sa(1.0)];
        assert!(cross_imt_cholesky(&set).is_some());
        let more = [
            Imt::Pga,
            Imt::Pgv,
            Imt::Sa(0.1),
            Imt::Sa(0.3),
            Imt::Sa(1.0),
            Imt::Sa(2.0),
            Imt::Sa(3.0),
        ];
        assert!(cross_imt_cholesky(&more).is_some());
        assert!((spatial_range_km(Imt::Pgv) - 25.7).abs() < 1e-12);
    }
}

//! ASK14: Abrahamson, Silva and Kamai (2014), "Summary of the ASK14 ground motion relation
//! for active crustal regions", Earthquake Spectra 30(3):1025-1055, doi:10.1193/070913EQS198M.
//!
//! Median (eq. 1): ln Sa = f1(M, Rrup) + FRV f7(M) + FN f8(M) + f5(Sa1180, Vs30)
//!                 + FHW f4(Rjb, Rrup, Rx, Ry0, W, dip, Ztor, M) + f6(Ztor) + f10(Z1, Vs30)
//!                 + regional terms (Taiwan, China, Japan; zero for California).
//! The aftershock term f11 is not included: events are treated as mainshocks (Class 1),
//! as in OpenQuake's `AbrahamsonEtAl2014`.
//!
//! Standard deviations (eqs. 24-30): magnitude-dependent phi_A and tau_A, modified by the
//! slope of the nonlinear site amplification with respect to ln Sa1180.
//!
//! `Ask14::default()` is the California/global model with OpenQuake's default configuration
//! (no region, no USGS basin scaling, no CyberShake basin adjustment, no epistemic shift).

use super::{Distances, Gmpe, GmpeError, GroundMotion, Imt, RuptureParams, SiteParams};

const MODEL: &str = "ASK14";

/// Regional variant of ASK14 (paper section "Regionalization").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    /// California and the global model (the paper's base model; all regional terms zero).
    #[default]
    California,
    /// Taiwan: Vs30 scaling term a31 and anelastic term a25.
    Taiwan,
    /// China: anelastic term a28.
    China,
    /// Japan: Vs30 scaling f13 (a36..a42), anelastic term a29, Japanese Z1.0 reference
    /// (eq. 19) and distance-dependent phi_A (s5, s6; eq. 26).
    Japan,
}

/// The ASK14 ground-motion model for active shallow crust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ask14 {
    /// Regional adjustment; `Region::California` by default.
    pub region: Region,
}

impl Ask14 {
    /// The model for one region.
    pub fn with_region(region: Region) -> Self {
        Ask14 { region }
    }
}

// ---------------------------------------------------------------------------------------------
// Period-independent constants (paper: n on p. 1033, M2 on p. 1032, h1..h3 and a2HW on
// pp. 1040-1041).

/// Exponent of the nonlinear site model.
const N_SITE: f64 = 1.5;
/// Magnitude below which the small-magnitude scaling (a6, a7) applies.
const M2: f64 = 5.0;
const H1: f64 = 0.25;
const H2: f64 = 1.5;
const H3: f64 = -0.75;
const A2_HW: f64 = 0.2;
/// Reference rock Vs30 (m/s) of the nonlinear site term.
const VS30_ROCK_MPS: f64 = 1180.0;
/// phi_amp of eq. 28.
const PHI_AMP: f64 = 0.4;

// ---------------------------------------------------------------------------------------------
// Coefficients.

/// One row of the coefficient table (column order of the published table; a14, the aftershock
/// coefficient, is not used because f11 is not included).
#[derive(Debug, Clone, Copy)]
struct Coeffs {
    m1: f64,
    vlin: f64,
    b: f64,
    c: f64,
    c4: f64,
    a1: f64,
    a2: f64,
    a3: f64,
    a4: f64,
    a5: f64,
    a6: f64,
    a7: f64,
    a8: f64,
    a10: f64,
    a11: f64,
    a12: f64,
    a13: f64,
    a15: f64,
    a17: f64,
    a43: f64,
    a44: f64,
    a45: f64,
    a46: f64,
    a25: f64,
    a28: f64,
    a29: f64,
    a31: f64,
    a36: f64,
    a37: f64,
    a38: f64,
    a39: f64,
    a40: f64,
    a41: f64,
    a42: f64,
    s1e: f64,
    s2e: f64,
    s3: f64,
    s4: f64,
    s1m: f64,
    s2m: f64,
    s5: f64,
    s6: f64,
    /// V1 of eq. 9 (m/s), derived from the period when the table is built.
    v1: f64,
}

/// Number of columns in the published table after the IMT column.
const NCOL: usize = 43;

/// Spectral periods (s) of the SA rows of `TABLE`, in table order (rows 2..).
const SA_PERIODS_S: [f64; 22] = [
    0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0,
    4.0, 5.0, 6.0, 7.5, 10.0,
];

/// ASK14 coefficients: Abrahamson, Silva and Kamai (2014), Earthquake Spectra 30(3):1025-1055,
/// the paper's coefficient tables for the median, regional and standard-deviation models
/// (Annex B / electronic supplement), as tabulated in OpenQuake hazardlib abrahamson_2014.py
/// (`AbrahamsonEtAl2014.COEFFS`).
///
/// Columns: m1 vlin b c c4 a1 a2 a3 a4 a5 a6 a7 a8 a10 a11 a12 a13 a14 a15 a17 a43 a44 a45
/// a46 a25 a28 a29 a31 a36 a37 a38 a39 a40 a41 a42 s1e s2e s3 s4 s1m s2m s5 s6.
/// Rows: PGA, PGV, then SA at `SA_PERIODS_S`. Units: vlin in m/s, c in g (cm/s for PGV).
#[rustfmt::skip]
const TABLE: [[f64; NCOL]; 24] = [
    [6.75, 660.0, -1.47, 2.4, 4.5, 0.587, -0.79, 0.275, -0.1, -0.41, 2.154, 0.0, -0.015, 1.735, 0.0, -0.1, 0.6, -0.3, 1.1, -0.0072, 0.1, 0.05, 0.0, -0.05, -0.0015, 0.0025, -0.0034, -0.1503, 0.265, 0.337, 0.188, 0.0, 0.088, -0.196, 0.044, 0.754, 0.52, 0.47, 0.36, 0.741, 0.501, 0.54, 0.63], // PGA
    [6.75, 330.0, -2.02, 2400.0, 4.5, 5.975, -0.919, 0.275, -0.1, -0.41, 2.366, 0.0, -0.094, 2.36, 0.0, -0.1, 0.25, 0.22, 0.3, -0.0005, 0.28, 0.15, 0.09, 0.07, -0.0001, 0.0005, -0.0037, -0.1462, 0.377, 0.212, 0.157, 0.0, 0.095, -0.038, 0.065, 0.662, 0.51, 0.38, 0.38, 0.66, 0.51, 0.58, 0.53], // PGV
    [6.75, 660.0, -1.47, 2.4, 4.5, 0.587, -0.79, 0.275, -0.1, -0.41, 2.154, 0.0, -0.015, 1.735, 0.0, -0.1, 0.6, -0.3, 1.1, -0.0072, 0.1, 0.05, 0.0, -0.05, -0.0015, 0.0025, -0.0034, -0.1503, 0.265, 0.337, 0.188, 0.0, 0.088, -0.196, 0.044, 0.754, 0.52, 0.47, 0.36, 0.741, 0.501, 0.54, 0.63], // SA(0.01 s)
    [6.75, 680.0, -1.46, 2.4, 4.5, 0.598, -0.79, 0.275, -0.1, -0.41, 2.146, 0.0, -0.015, 1.718, 0.0, -0.1, 0.6, -0.3, 1.1, -0.0073, 0.1, 0.05, 0.0, -0.05, -0.0015, 0.0024, -0.0033, -0.1479, 0.255, 0.328, 0.184, 0.0, 0.088, -0.194, 0.061, 0.76, 0.52, 0.47, 0.36, 0.747, 0.501, 0.54, 0.63], // SA(0.02 s)
    [6.75, 770.0, -1.39, 2.4, 4.5, 0.602, -0.79, 0.275, -0.1, -0.41, 2.157, 0.0, -0.015, 1.615, 0.0, -0.1, 0.6, -0.3, 1.1, -0.0075, 0.1, 0.05, 0.0, -0.05, -0.0016, 0.0023, -0.0034, -0.1447, 0.249, 0.32, 0.18, 0.0, 0.093, -0.175, 0.162, 0.781, 0.52, 0.47, 0.36, 0.769, 0.501, 0.55, 0.63], // SA(0.03 s)
    [6.75, 915.0, -1.22, 2.4, 4.5, 0.707, -0.79, 0.275, -0.1, -0.41, 2.085, 0.0, -0.015, 1.358, 0.0, -0.1, 0.6, -0.3, 1.1, -0.008, 0.1, 0.05, 0.0, -0.05, -0.002, 0.0027, -0.0033, -0.1326, 0.202, 0.289, 0.167, 0.0, 0.133, -0.09, 0.451, 0.81, 0.53, 0.47, 0.36, 0.798, 0.512, 0.56, 0.65], // SA(0.05 s)
    [6.75, 960.0, -1.15, 2.4, 4.5, 0.973, -0.79, 0.275, -0.1, -0.41, 2.029, 0.0, -0.015, 1.258, 0.0, -0.1, 0.6, -0.3, 1.1, -0.0089, 0.1, 0.05, 0.0, -0.05, -0.0027, 0.0032, -0.0029, -0.1353, 0.126, 0.275, 0.173, 0.0, 0.186, 0.09, 0.506, 0.81, 0.54, 0.47, 0.36, 0.798, 0.522, 0.57, 0.69], // SA(0.075 s)
    [6.75, 910.0, -1.23, 2.4, 4.5, 1.169, -0.79, 0.275, -0.1, -0.41, 2.041, 0.0, -0.015, 1.31, 0.0, -0.1, 0.6, -0.3, 1.1, -0.0095, 0.1, 0.05, 0.0, -0.05, -0.0033, 0.0036, -0.0025, -0.1128, 0.022, 0.256, 0.189, 0.0, 0.16, 0.006, 0.335, 0.81, 0.55, 0.47, 0.36, 0.795, 0.527, 0.57, 0.7], // SA(0.1 s)
    [6.75, 740.0, -1.59, 2.4, 4.5, 1.442, -0.79, 0.275, -0.1, -0.41, 2.121, 0.0, -0.022, 1.66, 0.0, -0.1, 0.6, -0.3, 1.1, -0.0095, 0.1, 0.05, 0.0, -0.05, -0.0035, 0.0033, -0.0025, 0.0383, -0.136, 0.162, 0.108, 0.0, 0.068, -0.156, -0.084, 0.801, 0.56, 0.47, 0.36, 0.773, 0.519, 0.58, 0.7], // SA(0.15 s)
    [6.75, 590.0, -2.01, 2.4, 4.5, 1.637, -0.79, 0.275, -0.1, -0.41, 2.224, 0.0, -0.03, 2.22, 0.0, -0.1, 0.6, -0.3, 1.1, -0.0086, 0.1, 0.05, 0.0, -0.03, -0.0033, 0.0027, -0.0031, 0.0775, -0.078, 0.224, 0.115, 0.0, 0.048, -0.274, -0.178, 0.789, 0.565, 0.47, 0.36, 0.753, 0.514, 0.59, 0.7], // SA(0.2 s)
    [6.75, 495.0, -2.41, 2.4, 4.5, 1.701, -0.79, 0.275, -0.1, -0.41, 2.312, 0.0, -0.038, 2.77, 0.0, -0.1, 0.6, -0.24, 1.1, -0.0074, 0.1, 0.05, 0.0, 0.0, -0.0029, 0.0024, -0.0036, 0.0741, 0.037, 0.248, 0.122, 0.0, 0.055, -0.248, -0.187, 0.77, 0.57, 0.47, 0.36, 0.729, 0.513, 0.61, 0.7], // SA(0.25 s)
    [6.75, 430.0, -2.76, 2.4, 4.5, 1.712, -0.79, 0.275, -0.1, -0.41, 2.338, 0.0, -0.045, 3.25, 0.0, -0.1, 0.6, -0.19, 1.03, -0.0064, 0.1, 0.05, 0.03, 0.03, -0.0027, 0.002, -0.0039, 0.2548, -0.091, 0.203, 0.096, 0.0, 0.073, -0.203, -0.159, 0.74, 0.58, 0.47, 0.36, 0.693, 0.519, 0.63, 0.7], // SA(0.3 s)
    [6.75, 360.0, -3.28, 2.4, 4.5, 1.662, -0.79, 0.275, -0.1, -0.41, 2.469, 0.0, -0.055, 3.99, 0.0, -0.1, 0.58, -0.11, 0.92, -0.0043, 0.1, 0.07, 0.06, 0.06, -0.0023, 0.001, -0.0048, 0.2136, 0.129, 0.232, 0.123, 0.0, 0.143, -0.154, -0.023, 0.699, 0.59, 0.47, 0.36, 0.644, 0.524, 0.66, 0.7], // SA(0.4 s)
    [6.75, 340.0, -3.6, 2.4, 4.5, 1.571, -0.79, 0.275, -0.1, -0.41, 2.559, 0.0, -0.065, 4.45, 0.0, -0.1, 0.56, -0.04, 0.84, -0.0032, 0.1, 0.1, 0.1, 0.09, -0.002, 0.0008, -0.005, 0.1542, 0.31, 0.252, 0.134, 0.0, 0.16, -0.159, -0.029, 0.676, 0.6, 0.47, 0.36, 0.616, 0.532, 0.69, 0.7], // SA(0.5 s)
    [6.75, 330.0, -3.8, 2.4, 4.5, 1.299, -0.79, 0.275, -0.1, -0.41, 2.682, 0.0, -0.095, 4.75, 0.0, -0.1, 0.53, 0.07, 0.68, -0.0025, 0.14, 0.14, 0.14, 0.13, -0.001, 0.0007, -0.0041, 0.0787, 0.505, 0.208, 0.129, 0.0, 0.158, -0.141, 0.061, 0.631, 0.615, 0.47, 0.36, 0.566, 0.548, 0.73, 0.69], // SA(0.75 s)
    [6.75, 330.0, -3.5, 2.4, 4.5, 1.043, -0.79, 0.275, -0.1, -0.41, 2.763, 0.0, -0.11, 4.3, 0.0, -0.1, 0.5, 0.15, 0.57, -0.0025, 0.17, 0.17, 0.17, 0.14, -0.0005, 0.0007, -0.0032, 0.0476, 0.358, 0.208, 0.152, 0.0, 0.145, -0.144, 0.062, 0.609, 0.63, 0.47, 0.36, 0.541, 0.565, 0.77, 0.68], // SA(1.0 s)
    [6.75, 330.0, -2.4, 2.4, 4.5, 0.665, -0.79, 0.275, -0.1, -0.41, 2.836, 0.0, -0.124, 2.6, 0.0, -0.1, 0.42, 0.27, 0.42, -0.0022, 0.22, 0.21, 0.2, 0.16, -0.0004, 0.0006, -0.002, -0.0163, 0.131, 0.108, 0.118, 0.0, 0.131, -0.126, 0.037, 0.578, 0.64, 0.47, 0.36, 0.506, 0.576, 0.8, 0.66], // SA(1.5 s)
    [6.75, 330.0, -1.0, 2.4, 4.5, 0.329, -0.79, 0.275, -0.1, -0.41, 2.897, 0.0, -0.138, 0.55, 0.0, -0.1, 0.35, 0.35, 0.31, -0.0019, 0.26, 0.25, 0.22, 0.16, -0.0002, 0.0003, -0.0017, -0.1203, 0.123, 0.068, 0.119, 0.0, 0.083, -0.075, -0.143, 0.555, 0.65, 0.47, 0.36, 0.48, 0.587, 0.8, 0.62], // SA(2.0 s)
    [6.82, 330.0, 0.0, 2.4, 4.5, -0.06, -0.79, 0.275, -0.1, -0.41, 2.906, 0.0, -0.172, -0.95, 0.0, -0.1, 0.2, 0.46, 0.16, -0.0015, 0.34, 0.3, 0.23, 0.16, 0.0, 0.0, -0.002, -0.2719, 0.109, -0.023, 0.093, 0.0, 0.07, -0.021, -0.028, 0.548, 0.64, 0.47, 0.36, 0.472, 0.576, 0.8, 0.55], // SA(3.0 s)
    [6.92, 330.0, 0.0, 2.4, 4.5, -0.299, -0.79, 0.275, -0.1, -0.41, 2.889, 0.0, -0.197, -0.95, 0.0, -0.1, 0.0, 0.54, 0.05, -0.001, 0.41, 0.32, 0.23, 0.14, 0.0, 0.0, -0.002, -0.2958, 0.135, 0.028, 0.084, 0.0, 0.101, 0.072, -0.097, 0.527, 0.63, 0.47, 0.36, 0.447, 0.565, 0.76, 0.52], // SA(4.0 s)
    [7.0, 330.0, 0.0, 2.4, 4.5, -0.562, -0.765, 0.275, -0.1, -0.41, 2.898, 0.0, -0.218, -0.93, 0.0, -0.1, 0.0, 0.61, -0.04, -0.001, 0.51, 0.32, 0.22, 0.13, 0.0, 0.0, -0.002, -0.2718, 0.189, 0.031, 0.058, 0.0, 0.095, 0.205, 0.015, 0.505, 0.63, 0.47, 0.36, 0.425, 0.568, 0.72, 0.5], // SA(5.0 s)
    [7.06, 330.0, 0.0, 2.4, 4.5, -0.875, -0.711, 0.275, -0.1, -0.41, 2.896, 0.0, -0.235, -0.91, 0.0, -0.2, 0.0, 0.65, -0.11, -0.001, 0.55, 0.32, 0.2, 0.1, 0.0, 0.0, -0.002, -0.2517, 0.215, 0.024, 0.065, 0.0, 0.133, 0.285, 0.104, 0.477, 0.63, 0.47, 0.36, 0.395, 0.571, 0.7, 0.5], // SA(6.0 s)
    [7.15, 330.0, 0.0, 2.4, 4.5, -1.303, -0.634, 0.275, -0.1, -0.41, 2.87, 0.0, -0.255, -0.87, 0.0, -0.2, 0.0, 0.72, -0.19, -0.001, 0.49, 0.28, 0.17, 0.09, 0.0, 0.0, -0.002, -0.14, 0.15, -0.07, 0.0, 0.0, 0.151, 0.329, 0.299, 0.457, 0.63, 0.47, 0.36, 0.378, 0.575, 0.67, 0.5], // SA(7.5 s)
    [7.25, 330.0, 0.0, 2.4, 4.5, -1.928, -0.529, 0.275, -0.1, -0.41, 2.843, 0.0, -0.285, -0.8, 0.0, -0.2, 0.0, 0.8, -0.3, -0.001, 0.42, 0.22, 0.14, 0.08, 0.0, 0.0, -0.002, -0.0216, 0.092, -0.159, -0.05, 0.0, 0.124, 0.301, 0.243, 0.429, 0.63, 0.47, 0.36, 0.359, 0.585, 0.64, 0.5], // SA(10.0 s)
];

/// V1 of eq. 9 (m/s): the Vs30 above which site amplification saturates. `period_s` is `None`
/// for PGA and PGV (V1 = 1500 m/s).
fn v1_mps(period_s: Option<f64>) -> f64 {
    match period_s {
        Some(t) if t > 0.5 && t < 3.0 => 1500.0 * (t / 0.5).powf(-0.35),
        Some(t) if t >= 3.0 => 800.0,
        _ => 1500.0,
    }
}

fn coeffs_from_row(r: &[f64; NCOL], period_s: Option<f64>) -> Coeffs {
    Coeffs {
        m1: r[0],
        vlin: r[1],
        b: r[2],
        c: r[3],
        c4: r[4],
        a1: r[5],
        a2: r[6],
        a3: r[7],
        a4: r[8],
        a5: r[9],
        a6: r[10],
        a7: r[11],
        a8: r[12],
        a10: r[13],
        a11: r[14],
        a12: r[15],
        a13: r[16],
        // r[17] = a14 (aftershock term, unused)
        a15: r[18],
        a17: r[19],
        a43: r[20],
        a44: r[21],
        a45: r[22],
        a46: r[23],
        a25: r[24],
        a28: r[25],
        a29: r[26],
        a31: r[27],
        a36: r[28],
        a37: r[29],
        a38: r[30],
        a39: r[31],
        a40: r[32],
        a41: r[33],
        a42: r[34],
        s1e: r[35],
        s2e: r[36],
        s3: r[37],
        s4: r[38],
        s1m: r[39],
        s2m: r[40],
        s5: r[41],
        s6: r[42],
        v1: v1_mps(period_s),
    }
}

/// Row index in `TABLE` for `imt`, or `None` when the model has no coefficients for it.
fn row_index(imt: Imt) -> Option<usize> {
    match imt {
        Imt::Pga => Some(0),
        Imt::Pgv => Some(1),
        Imt::Sa(t) => SA_PERIODS_S
            .iter()
            .position(|&p| (p - t).abs() <= 1e-6)
            .map(|i| i + 2),
    }
}

/// Coefficients for `imt` (no heap allocation: the row is copied into a stack struct).
fn coeffs(imt: Imt) -> Option<Coeffs> {
    let i = row_index(imt)?;
    let period_s = match imt {
        Imt::Sa(_) => Some(SA_PERIODS_S[i - 2]),
        _ => None,
    };
    Some(coeffs_from_row(&TABLE[i], period_s))
}

// ---------------------------------------------------------------------------------------------
// Median terms.

/// f1 (eqs. 2-4): magnitude scaling, geometric spreading with the magnitude-dependent
/// fictitious depth c4M, and the anelastic term a17 Rrup.
fn f1_base(c: &Coeffs, mag: f64, rrup_km: f64) -> f64 {
    // eq. 4: c4M tapers from c4 (M > 5) to 1 (M < 4).
    let c4m = if mag > 5.0 {
        c.c4
    } else if mag > 4.0 {
        c.c4 - (c.c4 - 1.0) * (5.0 - mag)
    } else {
        1.0
    };
    let ln_r = (rrup_km * rrup_km + c4m * c4m).sqrt().ln();
    let mag_terms = if mag >= c.m1 {
        c.a5 * (mag - c.m1) + c.a8 * (8.5 - mag).powi(2) + (c.a2 + c.a3 * (mag - c.m1)) * ln_r
    } else if mag >= M2 {
        c.a4 * (mag - c.m1) + c.a8 * (8.5 - mag).powi(2) + (c.a2 + c.a3 * (mag - c.m1)) * ln_r
    } else {
        let dm = mag - M2;
        c.a4 * (M2 - c.m1)
            + c.a8 * (8.5 - M2).powi(2)
            + c.a6 * dm
            + c.a7 * dm * dm
            + (c.a2 + c.a3 * (M2 - c.m1)) * ln_r
    };
    c.a1 + c.a17 * rrup_km + mag_terms
}

/// Style of faulting (eqs. 5-6): reverse for 30 < rake < 150, normal for -150 < rake < -30,
/// both tapered linearly to zero between M 5 and M 4.
fn f_style(c: &Coeffs, mag: f64, rake_deg: f64) -> f64 {
    let taper = (mag - 4.0).clamp(0.0, 1.0);
    if rake_deg > 30.0 && rake_deg < 150.0 {
        c.a11 * taper
    } else if rake_deg > -150.0 && rake_deg < -30.0 {
        c.a12 * taper
    } else {
        0.0
    }
}

/// Hanging-wall term f4 (eqs. 10-15), non-zero only for Rx > 0 and dip < 90.
fn f4_hanging_wall(c: &Coeffs, rup: &RuptureParams, dist: &Distances) -> f64 {
    if dist.rx_km <= 0.0 || rup.dip_deg >= 90.0 || c.a13 == 0.0 {
        return 0.0;
    }
    // T1: dip taper (eq. 11).
    let t1 = if rup.dip_deg <= 30.0 {
        60.0 / 45.0
    } else {
        (90.0 - rup.dip_deg) / 45.0
    };
    // T2: magnitude taper (eq. 12).
    let dm = rup.mag - 6.5;
    let t2 = if rup.mag >= 6.5 {
        1.0 + A2_HW * dm
    } else if rup.mag > 5.5 {
        1.0 + A2_HW * dm - (1.0 - A2_HW) * dm * dm
    } else {
        return 0.0;
    };
    // T3: Rx taper (eq. 13) with R1 = W cos(dip), R2 = 3 R1.
    let r1_km = rup.width_km * rup.dip_deg.to_radians().cos();
    let r2_km = 3.0 * r1_km;
    let t3 = if dist.rx_km < r1_km {
        let x = dist.rx_km / r1_km;
        H1 + H2 * x + H3 * x * x
    } else if dist.rx_km <= r2_km {
        1.0 - (dist.rx_km - r1_km) / (r2_km - r1_km)
    } else {
        return 0.0;
    };
    // T4: depth-to-top taper (eq. 14).
    let t4 = if rup.ztor_km <= 10.0 {
        1.0 - rup.ztor_km * rup.ztor_km / 100.0
    } else {
        return 0.0;
    };
    // T5: Ry0 taper (eq. 15a) with Ry1 = Rx tan(20 deg).
    let excess_km = dist.ry0_km - dist.rx_km * 20f64.to_radians().tan();
    let t5 = if excess_km <= 0.0 {
        1.0
    } else if excess_km < 5.0 {
        1.0 - excess_km / 5.0
    } else {
        return 0.0;
    };
    c.a13 * t1 * t2 * t3 * t4 * t5
}

/// Depth-to-top-of-rupture term f6 (eq. 16).
fn f6_ztor(c: &Coeffs, ztor_km: f64) -> f64 {
    c.a15 * (ztor_km / 20.0).min(1.0)
}

/// Site response f5 (eq. 7) for Vs30 (m/s) given the median rock motion `sa1180`
/// (g, cm/s for PGV).
fn f5_site(c: &Coeffs, vs30_mps: f64, sa1180: f64) -> f64 {
    let ln_ratio = (vs30_mps.min(c.v1) / c.vlin).ln();
    if vs30_mps >= c.vlin {
        (c.a10 + c.b * N_SITE) * ln_ratio
    } else {
        let ratio_n = (N_SITE * ln_ratio).exp();
        c.a10 * ln_ratio - c.b * (sa1180 + c.c).ln() + c.b * (sa1180 + c.c * ratio_n).ln()
    }
}

/// d ln(Amp) / d ln(Sa1180) (eq. 30); zero in the linear range Vs30 >= Vlin.
fn site_amp_slope(c: &Coeffs, vs30_mps: f64, sa1180: f64) -> f64 {
    if vs30_mps >= c.vlin {
        return 0.0;
    }
    let ratio_n = (vs30_mps / c.vlin).powf(N_SITE);
    c.b * sa1180 * (-1.0 / (sa1180 + c.c) + 1.0 / (sa1180 + c.c * ratio_n))
}

/// Reference Z1.0 (km) for a Vs30 (m/s): eq. 18 (California) or eq. 19 (Japan).
pub fn z1_ref_km(region: Region, vs30_mps: f64) -> f64 {
    match region {
        Region::Japan => {
            let num = vs30_mps * vs30_mps + 412.0f64.powi(2);
            let den = 1360.0f64.powi(2) + 412.0f64.powi(2);
            (-5.23 / 2.0 * (num / den).ln()).exp() / 1000.0
        }
        _ => {
            let num = vs30_mps.powi(4) + 610.0f64.powi(4);
            let den = 1360.0f64.powi(4) + 610.0f64.powi(4);
            (-7.67 / 4.0 * (num / den).ln()).exp() / 1000.0
        }
    }
}

/// Piecewise-linear interpolation through (x, y) knots with constant extension at both ends.
fn interp_flat(x: f64, knots_x: &[f64], knots_y: &[f64]) -> f64 {
    let last = knots_x.len() - 1;
    if x <= knots_x[0] {
        return knots_y[0];
    }
    if x >= knots_x[last] {
        return knots_y[last];
    }
    let mut i = 1;
    while knots_x[i] < x {
        i += 1;
    }
    let w = (x - knots_x[i - 1]) / (knots_x[i] - knots_x[i - 1]);
    knots_y[i - 1] + w * (knots_y[i] - knots_y[i - 1])
}

/// Soil-depth term f10 (eq. 17). The Vs30 dependence of the coefficient is linearly
/// interpolated between a43 (Vs30 <= 150), a44 (250), a45 (400) and a46 (>= 700 m/s), as in
/// the paper's application guidelines and OpenQuake.
fn f10_soil_depth(c: &Coeffs, vs30_mps: f64, z1_km: f64, z1_ref_km: f64) -> f64 {
    let coef = interp_flat(
        vs30_mps,
        &[150.0, 250.0, 400.0, 700.0],
        &[c.a43, c.a44, c.a45, c.a46],
    );
    coef * ((z1_km + 0.01) / (z1_ref_km + 0.01)).ln()
}

/// Regional term that depends on Vs30 (m/s): Taiwan a31 ln(Vs30*/Vlin) or Japan f13(Vs30).
fn f_regional_vs30(c: &Coeffs, region: Region, vs30_mps: f64) -> f64 {
    match region {
        Region::Taiwan => c.a31 * (vs30_mps.min(c.v1) / c.vlin).ln(),
        Region::Japan => {
            // f13: linear between the knots, linear extrapolation below 150 m/s and constant
            // (a42) above 1150 m/s, as in OpenQuake.
            const X: [f64; 7] = [150.0, 250.0, 350.0, 450.0, 600.0, 850.0, 1150.0];
            let y = [c.a36, c.a37, c.a38, c.a39, c.a40, c.a41, c.a42];
            if vs30_mps < X[0] {
                y[0] + (vs30_mps - X[0]) * (y[1] - y[0]) / (X[1] - X[0])
            } else {
                interp_flat(vs30_mps, &X, &y)
            }
        }
        Region::California | Region::China => 0.0,
    }
}

/// Regional anelastic attenuation term (per km of Rrup).
fn regional_anelastic_per_km(c: &Coeffs, region: Region) -> f64 {
    match region {
        Region::California => 0.0,
        Region::Taiwan => c.a25,
        Region::China => c.a28,
        Region::Japan => c.a29,
    }
}

// ---------------------------------------------------------------------------------------------
// Standard deviations.

/// phi_A (eq. 24, or eq. 26 for Japan).
fn phi_a(c: &Coeffs, region: Region, mag: f64, vs30_measured: bool, rrup_km: f64) -> f64 {
    if region == Region::Japan {
        return if rrup_km < 30.0 {
            c.s5
        } else if rrup_km <= 80.0 {
            c.s5 + (c.s6 - c.s5) / 50.0 * (rrup_km - 30.0)
        } else {
            c.s6
        };
    }
    let (s1, s2) = if vs30_measured {
        (c.s1m, c.s2m)
    } else {
        (c.s1e, c.s2e)
    };
    if mag < 4.0 {
        s1
    } else if mag <= 6.0 {
        s1 + (s2 - s1) / 2.0 * (mag - 4.0)
    } else {
        s2
    }
}

/// tau_A (eq. 25).
fn tau_a(c: &Coeffs, mag: f64) -> f64 {
    if mag < 5.0 {
        c.s3
    } else if mag <= 7.0 {
        c.s3 + (c.s4 - c.s3) / 2.0 * (mag - 5.0)
    } else {
        c.s4
    }
}

// ---------------------------------------------------------------------------------------------

fn check_finite(field: &'static str, value: f64) -> Result<(), GmpeError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(GmpeError::OutOfRange {
            model: MODEL,
            field,
            value,
        })
    }
}

fn validate(rup: &RuptureParams, dist: &Distances, site: &SiteParams) -> Result<(), GmpeError> {
    check_finite("mag", rup.mag)?;
    check_finite("rake_deg", rup.rake_deg)?;
    check_finite("ztor_km", rup.ztor_km)?;
    check_finite("width_km", rup.width_km)?;
    check_finite("rx_km", dist.rx_km)?;
    check_finite("ry0_km", dist.ry0_km)?;
    let out = |field, value| GmpeError::OutOfRange {
        model: MODEL,
        field,
        value,
    };
    if !(rup.dip_deg > 0.0 && rup.dip_deg <= 90.0) {
        return Err(out("dip_deg", rup.dip_deg));
    }
    if !(dist.rrup_km >= 0.0 && dist.rrup_km.is_finite()) {
        return Err(out("rrup_km", dist.rrup_km));
    }
    if !(site.vs30_mps > 0.0 && site.vs30_mps.is_finite()) {
        return Err(out("vs30_mps", site.vs30_mps));
    }
    Ok(())
}

impl Gmpe for Ask14 {
    /// NGA-West2: RotD50.
    fn component(&self) -> crate::component::Component {
        crate::component::Component::RotD50
    }

    fn name(&self) -> &'static str {
        MODEL
    }

    fn supports(&self, imt: Imt) -> bool {
        row_index(imt).is_some()
    }

    fn ground_motion(
        &self,
        imt: Imt,
        rup: &RuptureParams,
        dist: &Distances,
        site: &SiteParams,
    ) -> Result<GroundMotion, GmpeError> {
        let c = coeffs(imt).ok_or(GmpeError::UnsupportedImt { model: MODEL, imt })?;
        validate(rup, dist, site)?;
        let region = self.region;
        let vs30 = site.vs30_mps;

        // Terms that do not depend on the site.
        let source_path = f1_base(&c, rup.mag, dist.rrup_km)
            + f_style(&c, rup.mag, rup.rake_deg)
            + f4_hanging_wall(&c, rup, dist)
            + f6_ztor(&c, rup.ztor_km)
            + regional_anelastic_per_km(&c, region) * dist.rrup_km;

        // Median on reference rock (Vs30 = 1180 m/s, linear site response, Z1.0 equal to its
        // reference so that f10 = 0).
        let ln_sa1180 = source_path
            + f5_site(&c, VS30_ROCK_MPS, 0.0)
            + f_regional_vs30(&c, region, VS30_ROCK_MPS);
        let sa1180 = ln_sa1180.exp();

        // Z1.0: the site's value, or the model's reference depth for this Vs30 when unknown
        // (None, or a negative/non-finite placeholder such as OpenQuake's -999).
        let z1_ref = z1_ref_km(region, vs30);
        let z1_km = match site.z1pt0_m {
            Some(z) if z.is_finite() && z >= 0.0 => z / 1000.0,
            _ => z1_ref,
        };

        let ln_median = source_path
            + f5_site(&c, vs30, sa1180)
            + f10_soil_depth(&c, vs30, z1_km, z1_ref)
            + f_regional_vs30(&c, region, vs30);

        // Standard deviations (eqs. 27-29).
        let slope = site_amp_slope(&c, vs30, sa1180);
        let phi_al = phi_a(&c, region, rup.mag, site.vs30_measured, dist.rrup_km);
        // When phi_A is below phi_amp (small M, long periods), phi_amp is reduced to
        // 0.99 phi_A so that phi_B stays real (authors' recommendation, as in OpenQuake).
        let phi_amp = if phi_al < PHI_AMP {
            0.99 * phi_al
        } else {
            PHI_AMP
        };
        let phi_b2 = phi_al * phi_al - phi_amp * phi_amp;
        let phi = (phi_b2 * (1.0 + slope).powi(2) + phi_amp * phi_amp).sqrt();
        let tau = tau_a(&c, rup.mag) * (1.0 + slope);
        let sigma = (phi * phi + tau * tau).sqrt();

        Ok(GroundMotion {
            ln_median,
            sigma,
            tau,
            phi,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rup(mag: f64) -> RuptureParams {
        RuptureParams {
            mag,
            rake_deg: 0.0,
            dip_deg: 90.0,
            ztor_km: 0.0,
            width_km: 12.0,
            hypo_depth_km: 8.0,
        }
    }

    fn dist(r_km: f64) -> Distances {
        Distances {
            rrup_km: r_km,
            rjb_km: r_km,
            rx_km: r_km,
            ry0_km: 0.0,
            rhypo_km: f64::NAN,
        }
    }

    fn site(vs30_mps: f64) -> SiteParams {
        SiteParams {
            vs30_mps,
            vs30_measured: true,
            z1pt0_m: None,
            z2pt5_km: None,
        }
    }

    #[test]
    fn unsupported_period_is_an_error() {
        let m = Ask14::default();
        let imt = Imt::Sa(0.33);
        assert!(!m.supports(imt));
        let err = m.ground_motion(imt, &rup(6.0), &dist(10.0), &site(400.0));
        assert_eq!(
            err,
            Err(GmpeError::UnsupportedImt {
                model: "ASK14",
                imt
            })
        );
    }

    #[test]
    fn supports_every_tabulated_imt() {
        let m = Ask14::default();
        assert!(m.supports(Imt::Pga));
        assert!(m.supports(Imt::Pgv));
        for &t in &SA_PERIODS_S {
            assert!(m.supports(Imt::Sa(t)), "SA({t})");
            assert!(m.supports(Imt::Sa(t + 5e-7)), "SA({t}) within 1e-6");
        }
        assert!(!m.supports(Imt::Sa(0.0)));
        assert!(!m.supports(Imt::Sa(11.0)));
    }

    #[test]
    fn median_decreases_with_distance() {
        let m = Ask14::default();
        for imt in [Imt::Pga, Imt::Pgv, Imt::Sa(0.2), Imt::Sa(1.0), Imt::Sa(3.0)] {
            let mut prev = f64::INFINITY;
            for r_km in [1.0, 5.0, 10.0, 30.0, 100.0, 300.0] {
                let gm = m
                    .ground_motion(imt, &rup(6.5), &dist(r_km), &site(400.0))
                    .expect("valid input");
                assert!(gm.ln_median < prev, "{imt:?} at {r_km} km");
                prev = gm.ln_median;
            }
        }
    }

    #[test]
    fn median_increases_with_magnitude() {
        let m = Ask14::default();
        let mut prev = f64::NEG_INFINITY;
        for mag in [3.5, 4.5, 5.5, 6.5, 7.5] {
            let gm = m
                .ground_motion(Imt::Sa(1.0), &rup(mag), &dist(20.0), &site(760.0))
                .expect("valid input");
            assert!(gm.ln_median > prev, "M {mag}");
            prev = gm.ln_median;
        }
    }

    #[test]
    fn sigma_is_combination_of_tau_and_phi() {
        let m = Ask14::default();
        let gm = m
            .ground_motion(Imt::Pga, &rup(6.0), &dist(5.0), &site(250.0))
            .expect("valid input");
        assert!((gm.sigma - (gm.tau.powi(2) + gm.phi.powi(2)).sqrt()).abs() < 1e-12);
        // Soft soil near the source: nonlinear response reduces tau below tau_A.
        assert!(gm.tau < 0.47 - (0.47 - 0.36) / 2.0 + 1e-12);
    }

    #[test]
    fn default_z1_equals_reference_depth() {
        let m = Ask14::default();
        let vs30 = 350.0;
        let z1_ref_m = z1_ref_km(Region::California, vs30) * 1000.0;
        let mut with_z1 = site(vs30);
        with_z1.z1pt0_m = Some(z1_ref_m);
        let a = m
            .ground_motion(Imt::Sa(2.0), &rup(7.0), &dist(15.0), &site(vs30))
            .expect("valid input");
        let b = m
            .ground_motion(Imt::Sa(2.0), &rup(7.0), &dist(15.0), &with_z1)
            .expect("valid input");
        assert!((a.ln_median - b.ln_median).abs() < 1e-12);
        // A deeper basin amplifies long periods.
        with_z1.z1pt0_m = Some(z1_ref_m + 500.0);
        let deep = m
            .ground_motion(Imt::Sa(2.0), &rup(7.0), &dist(15.0), &with_z1)
            .expect("valid input");
        assert!(deep.ln_median > a.ln_median);
    }

    #[test]
    fn invalid_vs30_is_rejected() {
        let m = Ask14::default();
        let r = m.ground_motion(Imt::Pga, &rup(6.0), &dist(10.0), &site(0.0));
        assert!(matches!(
            r,
            Err(GmpeError::OutOfRange {
                field: "vs30_mps",
                ..
            })
        ));
    }

    #[test]
    fn regions_change_only_regional_terms() {
        let cal = Ask14::default();
        let chn = Ask14::with_region(Region::China);
        let a = cal
            .ground_motion(Imt::Pga, &rup(6.0), &dist(100.0), &site(760.0))
            .expect("valid input");
        let b = chn
            .ground_motion(Imt::Pga, &rup(6.0), &dist(100.0), &site(760.0))
            .expect("valid input");
        // Vs30 >= Vlin: linear site response, so the only change is a28 * Rrup.
        assert!((b.ln_median - a.ln_median - 0.0025 * 100.0).abs() < 1e-12);
        assert_eq!(a.sigma, b.sigma);
    }
}

//! Campbell & Bozorgnia (2014) NGA-West2 ground-motion model for active shallow crust.
//!
//! K. W. Campbell and Y. Bozorgnia (2014), "NGA-West2 ground motion model for the average
//! horizontal components of PGA, PGV, and 5% damped linear acceleration response spectra",
//! Earthquake Spectra 30(3):1087-1115. Equation numbers below refer to that paper.
//!
//! The median is the sum of magnitude, geometric spreading, style-of-faulting, hanging-wall,
//! shallow-site (linear and nonlinear), basin, hypocentral-depth, fault-dip and anelastic terms
//! (Eq. 1). The nonlinear site term and the site-dependent standard deviations need the median
//! PGA on rock with Vs30 = 1100 m/s (`A1100`), which is computed internally for every call.
//!
//! [`Cb14::default()`] is the model as OpenQuake's `CampbellBozorgnia2014` runs it by default:
//! global/California anelastic attenuation (`Δc20 = 0`), no Japan site or basin adjustment
//! (`S_J = 0`), the California Z2.5 model (Eq. 33) when Z2.5 is unknown, and the rule that
//! `SA(T) = PGA` on the same site when `T < 0.25 s` and `SA(T) < PGA`.

use super::{Distances, Gmpe, GmpeError, GroundMotion, Imt, RuptureParams, SiteParams};

const MODEL: &str = "CB14";

/// Regional anelastic-attenuation adjustment `Δc20` of CB14 (the `Δc20` columns of the
/// coefficient table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cb14Region {
    /// California and other global regions (`Δc20 = 0`). OpenQuake's default.
    #[default]
    Global,
    /// Regions with lower attenuation (higher Q), e.g. China and Turkey.
    HighQ,
    /// Regions with higher attenuation (lower Q), e.g. Japan and Italy (anelastic term only;
    /// the Japan site and basin terms are not implemented).
    LowQ,
}

/// The CB14 model. `Cb14::default()` is the global/California variant OpenQuake tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cb14 {
    /// Which `Δc20` column to use in the anelastic attenuation term (Eq. 25).
    pub region: Cb14Region,
}

impl Cb14 {
    /// The model with the anelastic attenuation of `region`.
    pub fn new(region: Cb14Region) -> Self {
        Cb14 { region }
    }
}

// Period-independent constants of the paper (c8, h4, c, n, φ_lnAF), listed with its
// coefficient tables and in OpenQuake hazardlib campbell_bozorgnia_2014.py (`CONSTS`).
/// Reverse-faulting coefficient c8.
const C8: f64 = 0.0;
/// Hanging-wall Rx-taper coefficient h4.
const H4: f64 = 1.0;
/// Nonlinear site-response constant c.
const C_NL: f64 = 1.88;
/// Nonlinear site-response exponent n.
const N_NL: f64 = 1.18;
/// Standard deviation of the site amplification, φ_lnAF.
const PHI_LN_AF: f64 = 0.3;
/// Vs30 of the reference rock for A1100, m/s.
const VS30_ROCK_MPS: f64 = 1100.0;
/// Z2.5 of that rock from the California model, Eq. 33: exp(7.089 - 1.144 ln 1100), km
/// (checked against the formula in the unit tests).
const Z2PT5_ROCK_KM: f64 = 0.3975212509323587;

/// Number of columns in one row of [`RAW_COEFFS`].
const NCOL: usize = 39;

/// Coefficients of Campbell & Bozorgnia (2014), Earthquake Spectra 30(3): the paper's
/// coefficient tables for the median and the aleatory variability, including the regional
/// Δc20 values (also in the authors' electronic supplement), as tabulated in OpenQuake
/// hazardlib campbell_bozorgnia_2014.py (classes
/// `CampbellBozorgnia2014`, `...HighQ`, `...LowQ`).
///
/// Row layout: period T (s; 0 = PGA, -1 = PGV), c0, c1, c2, c3, c4, c5, c6, c7, c9, c10,
/// c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, Δc20 (global/California), a2, h1, h2,
/// h3, h5, h6, k1, k2, k3, φ1, φ2, τ1, τ2, φC, ρ_lnPGA,lnY, Δc20 (high Q: China, Turkey),
/// Δc20 (low Q: Japan, Italy). Rows: PGA, PGV, then SA periods in increasing order.
#[rustfmt::skip]
const RAW_COEFFS: [[f64; NCOL]; 23] = [
    // PGA
    [0.0, -4.416, 0.984, 0.537, -1.499, -0.496, -2.773, 0.248, 6.768, -0.212, 0.720, 1.090, 2.186, 1.420, -0.0064, -0.202, 0.393, 0.0977, 0.0333, 0.00757, -0.0055, 0.0000, 0.167, 0.241, 1.474, -0.715, -0.337, -0.270, 865.0, -1.186, 1.839, 0.734, 0.492, 0.409, 0.322, 0.166, 1.000, 0.0036, -0.0035],
    // PGV
    [-1.0, -2.895, 1.510, 0.270, -1.299, -0.453, -2.466, 0.204, 5.837, -0.168, 0.305, 1.713, 2.602, 2.457, 0.1060, 0.332, 0.585, 0.0517, 0.0327, 0.00613, -0.0017, 0.0000, 0.596, 0.117, 1.616, -0.733, -0.128, -0.756, 400.0, -1.955, 1.929, 0.655, 0.494, 0.317, 0.297, 0.190, 0.684, 0.0017, -0.0006],
    // SA(0.01 s)
    [0.01, -4.365, 0.977, 0.533, -1.485, -0.499, -2.773, 0.248, 6.753, -0.214, 0.720, 1.094, 2.191, 1.416, -0.0070, -0.207, 0.390, 0.0981, 0.0334, 0.00755, -0.0055, 0.0000, 0.168, 0.242, 1.471, -0.714, -0.336, -0.270, 865.0, -1.186, 1.839, 0.734, 0.492, 0.404, 0.325, 0.166, 1.000, 0.0036, -0.0035],
    // SA(0.02 s)
    [0.02, -4.348, 0.976, 0.549, -1.488, -0.501, -2.772, 0.247, 6.502, -0.208, 0.730, 1.149, 2.189, 1.453, -0.0167, -0.199, 0.387, 0.1009, 0.0327, 0.00759, -0.0055, 0.0000, 0.166, 0.244, 1.467, -0.711, -0.339, -0.263, 865.0, -1.219, 1.840, 0.738, 0.496, 0.417, 0.326, 0.166, 0.998, 0.0036, -0.0035],
    // SA(0.03 s)
    [0.03, -4.024, 0.931, 0.628, -1.494, -0.517, -2.782, 0.246, 6.291, -0.213, 0.759, 1.290, 2.164, 1.476, -0.0422, -0.202, 0.378, 0.1095, 0.0331, 0.00790, -0.0057, 0.0000, 0.167, 0.246, 1.467, -0.713, -0.338, -0.259, 908.0, -1.273, 1.841, 0.747, 0.503, 0.446, 0.344, 0.165, 0.986, 0.0037, -0.0034],
    // SA(0.05 s)
    [0.05, -3.479, 0.887, 0.674, -1.388, -0.615, -2.791, 0.240, 6.317, -0.244, 0.826, 1.449, 2.138, 1.549, -0.0663, -0.339, 0.295, 0.1226, 0.0270, 0.00803, -0.0063, 0.0000, 0.173, 0.251, 1.449, -0.701, -0.338, -0.263, 1054.0, -1.346, 1.843, 0.777, 0.520, 0.508, 0.377, 0.162, 0.938, 0.0040, -0.0037],
    // SA(0.075 s)
    [0.075, -3.293, 0.902, 0.726, -1.469, -0.596, -2.745, 0.227, 6.861, -0.266, 0.815, 1.535, 2.446, 1.772, -0.0794, -0.404, 0.322, 0.1165, 0.0288, 0.00811, -0.0070, 0.0000, 0.198, 0.260, 1.435, -0.695, -0.347, -0.219, 1086.0, -1.471, 1.845, 0.782, 0.535, 0.504, 0.418, 0.158, 0.887, 0.0039, -0.0037],
    // SA(0.10 s)
    [0.10, -3.666, 0.993, 0.698, -1.572, -0.536, -2.633, 0.210, 7.294, -0.229, 0.831, 1.615, 2.969, 1.916, -0.0294, -0.416, 0.384, 0.0998, 0.0325, 0.00744, -0.0073, 0.0000, 0.174, 0.259, 1.449, -0.708, -0.391, -0.201, 1032.0, -1.624, 1.847, 0.769, 0.543, 0.445, 0.426, 0.170, 0.870, 0.0042, -0.0034],
    // SA(0.15 s)
    [0.15, -4.866, 1.267, 0.510, -1.669, -0.490, -2.458, 0.183, 8.031, -0.211, 0.749, 1.877, 3.544, 2.161, 0.0642, -0.407, 0.417, 0.0760, 0.0388, 0.00716, -0.0069, 0.0000, 0.198, 0.254, 1.461, -0.715, -0.449, -0.099, 878.0, -1.931, 1.852, 0.769, 0.543, 0.382, 0.387, 0.180, 0.876, 0.0042, -0.0030],
    // SA(0.20 s)
    [0.20, -5.411, 1.366, 0.447, -1.750, -0.451, -2.421, 0.182, 8.385, -0.163, 0.764, 2.069, 3.707, 2.465, 0.0968, -0.311, 0.404, 0.0571, 0.0437, 0.00688, -0.0060, 0.0000, 0.204, 0.237, 1.484, -0.721, -0.393, -0.198, 748.0, -2.188, 1.856, 0.761, 0.552, 0.339, 0.338, 0.186, 0.870, 0.0041, -0.0031],
    // SA(0.25 s)
    [0.25, -5.962, 1.458, 0.274, -1.711, -0.404, -2.392, 0.189, 7.534, -0.150, 0.716, 2.205, 3.343, 2.766, 0.1441, -0.172, 0.466, 0.0437, 0.0463, 0.00556, -0.0055, 0.0000, 0.185, 0.206, 1.581, -0.787, -0.339, -0.210, 654.0, -2.381, 1.861, 0.744, 0.545, 0.340, 0.316, 0.191, 0.850, 0.0036, -0.0033],
    // SA(0.30 s)
    [0.30, -6.403, 1.528, 0.193, -1.770, -0.321, -2.376, 0.195, 6.990, -0.131, 0.737, 2.306, 3.334, 3.011, 0.1597, -0.084, 0.528, 0.0323, 0.0508, 0.00458, -0.0049, 0.0000, 0.164, 0.210, 1.586, -0.795, -0.447, -0.121, 587.0, -2.518, 1.865, 0.727, 0.568, 0.340, 0.300, 0.198, 0.819, 0.0031, -0.0035],
    // SA(0.40 s)
    [0.40, -7.566, 1.739, -0.020, -1.594, -0.426, -2.303, 0.185, 7.012, -0.159, 0.738, 2.398, 3.544, 3.203, 0.1410, 0.085, 0.540, 0.0209, 0.0432, 0.00401, -0.0037, 0.0000, 0.160, 0.226, 1.544, -0.770, -0.525, -0.086, 503.0, -2.657, 1.874, 0.690, 0.593, 0.356, 0.264, 0.206, 0.743, 0.0028, -0.0034],
    // SA(0.50 s)
    [0.50, -8.379, 1.872, -0.121, -1.577, -0.440, -2.296, 0.186, 6.902, -0.153, 0.718, 2.355, 3.016, 3.333, 0.1474, 0.233, 0.638, 0.0092, 0.0405, 0.00388, -0.0027, 0.0000, 0.184, 0.217, 1.554, -0.770, -0.407, -0.281, 457.0, -2.669, 1.883, 0.663, 0.611, 0.379, 0.263, 0.208, 0.684, 0.0025, -0.0034],
    // SA(0.75 s)
    [0.75, -9.841, 2.021, -0.042, -1.757, -0.443, -2.232, 0.186, 5.522, -0.090, 0.795, 1.995, 2.616, 3.054, 0.1764, 0.411, 0.776, -0.0082, 0.0420, 0.00420, -0.0016, 0.0000, 0.216, 0.154, 1.626, -0.780, -0.371, -0.285, 410.0, -2.401, 1.906, 0.606, 0.633, 0.430, 0.326, 0.221, 0.562, 0.0016, -0.0032],
    // SA(1.00 s)
    [1.00, -11.011, 2.180, -0.069, -1.707, -0.527, -2.158, 0.169, 5.650, -0.105, 0.556, 1.447, 2.470, 2.562, 0.2593, 0.479, 0.771, -0.0131, 0.0426, 0.00409, -0.0006, 0.0000, 0.596, 0.117, 1.616, -0.733, -0.128, -0.756, 400.0, -1.955, 1.929, 0.579, 0.628, 0.470, 0.353, 0.225, 0.467, 0.0006, -0.0030],
    // SA(1.50 s)
    [1.50, -12.469, 2.270, 0.047, -1.621, -0.630, -2.063, 0.158, 5.795, -0.058, 0.480, 0.330, 2.108, 1.453, 0.2881, 0.566, 0.748, -0.0187, 0.0380, 0.00424, 0.0000, 0.0000, 0.596, 0.117, 1.616, -0.733, -0.128, -0.756, 400.0, -1.025, 1.974, 0.541, 0.603, 0.497, 0.399, 0.222, 0.364, 0.0000, -0.0019],
    // SA(2.00 s)
    [2.00, -12.969, 2.271, 0.149, -1.512, -0.768, -2.104, 0.158, 6.632, -0.028, 0.401, -0.514, 1.327, 0.657, 0.3112, 0.562, 0.763, -0.0258, 0.0252, 0.00448, 0.0000, 0.0000, 0.596, 0.117, 1.616, -0.733, -0.128, -0.756, 400.0, -0.299, 2.019, 0.529, 0.588, 0.499, 0.400, 0.226, 0.298, 0.0000, -0.0005],
    // SA(3.00 s)
    [3.00, -13.306, 2.150, 0.368, -1.315, -0.890, -2.051, 0.148, 6.759, 0.000, 0.206, -0.848, 0.601, 0.367, 0.3478, 0.534, 0.686, -0.0311, 0.0236, 0.00345, 0.0000, 0.0000, 0.596, 0.117, 1.616, -0.733, -0.128, -0.756, 400.0, 0.000, 2.110, 0.527, 0.578, 0.500, 0.417, 0.229, 0.234, 0.0000, 0.0000],
    // SA(4.00 s)
    [4.00, -14.020, 2.132, 0.726, -1.506, -0.885, -1.986, 0.135, 7.978, 0.000, 0.105, -0.793, 0.568, 0.306, 0.3747, 0.522, 0.691, -0.0413, 0.0102, 0.00603, 0.0000, 0.0000, 0.596, 0.117, 1.616, -0.733, -0.128, -0.756, 400.0, 0.000, 2.200, 0.521, 0.559, 0.543, 0.393, 0.237, 0.202, 0.0000, 0.0000],
    // SA(5.00 s)
    [5.00, -14.558, 2.116, 1.027, -1.721, -0.878, -2.021, 0.135, 8.538, 0.000, 0.000, -0.748, 0.356, 0.268, 0.3382, 0.477, 0.670, -0.0281, 0.0034, 0.00805, 0.0000, 0.0000, 0.596, 0.117, 1.616, -0.733, -0.128, -0.756, 400.0, 0.000, 2.291, 0.502, 0.551, 0.534, 0.421, 0.237, 0.184, 0.0000, 0.0000],
    // SA(7.50 s)
    [7.50, -15.509, 2.223, 0.169, -0.756, -1.077, -2.179, 0.165, 8.468, 0.000, 0.000, -0.664, 0.075, 0.374, 0.3754, 0.321, 0.757, -0.0205, 0.0050, 0.00280, 0.0000, 0.0000, 0.596, 0.117, 1.616, -0.733, -0.128, -0.756, 400.0, 0.000, 2.517, 0.457, 0.546, 0.523, 0.438, 0.271, 0.176, 0.0000, 0.0000],
    // SA(10.0 s)
    [10.0, -15.975, 2.132, 0.367, -0.800, -1.282, -2.244, 0.180, 6.564, 0.000, 0.000, -0.576, -0.027, 0.297, 0.3506, 0.174, 0.621, 0.0009, 0.0099, 0.00458, 0.0000, 0.0000, 0.596, 0.117, 1.616, -0.733, -0.128, -0.756, 400.0, 0.000, 2.744, 0.441, 0.543, 0.466, 0.438, 0.290, 0.154, 0.0000, 0.0000],
];

/// Number of SA periods in the table.
const N_SA: usize = 21;
/// Row of PGA in [`COEFFS`].
const ROW_PGA: usize = 0;
/// Row of PGV in [`COEFFS`].
const ROW_PGV: usize = 1;
/// First SA row in [`COEFFS`].
const ROW_SA0: usize = 2;

/// The coefficients one evaluation needs, taken from one row of [`RAW_COEFFS`].
/// (c12, c13, c15 and φC belong to the Japan site/basin terms and the arbitrary-component
/// sigma, which this implementation does not use.)
#[derive(Debug, Clone, Copy)]
struct Coeffs {
    period_s: f64,
    c0: f64,
    c1: f64,
    c2: f64,
    c3: f64,
    c4: f64,
    c5: f64,
    c6: f64,
    c7: f64,
    c9: f64,
    c10: f64,
    c11: f64,
    c14: f64,
    c16: f64,
    c17: f64,
    c18: f64,
    c19: f64,
    c20: f64,
    /// Δc20 for [Global, HighQ, LowQ].
    dc20: [f64; 3],
    a2: f64,
    h1: f64,
    h2: f64,
    h3: f64,
    h5: f64,
    h6: f64,
    k1: f64,
    k2: f64,
    k3: f64,
    phi1: f64,
    phi2: f64,
    tau1: f64,
    tau2: f64,
    rho: f64,
}

impl Coeffs {
    const fn from_row(r: &[f64; NCOL]) -> Coeffs {
        Coeffs {
            period_s: r[0],
            c0: r[1],
            c1: r[2],
            c2: r[3],
            c3: r[4],
            c4: r[5],
            c5: r[6],
            c6: r[7],
            c7: r[8],
            c9: r[9],
            c10: r[10],
            c11: r[11],
            c14: r[14],
            c16: r[16],
            c17: r[17],
            c18: r[18],
            c19: r[19],
            c20: r[20],
            dc20: [r[21], r[37], r[38]],
            a2: r[22],
            h1: r[23],
            h2: r[24],
            h3: r[25],
            h5: r[26],
            h6: r[27],
            k1: r[28],
            k2: r[29],
            k3: r[30],
            phi1: r[31],
            phi2: r[32],
            tau1: r[33],
            tau2: r[34],
            rho: r[36],
        }
    }
}

/// [`RAW_COEFFS`] as structs, built at compile time.
const COEFFS: [Coeffs; 23] = {
    let mut out = [Coeffs::from_row(&RAW_COEFFS[0]); 23];
    let mut i = 1;
    while i < 23 {
        out[i] = Coeffs::from_row(&RAW_COEFFS[i]);
        i += 1;
    }
    out
};

/// Row index of `imt` in [`COEFFS`], or `None` when the table has no such period
/// (SA periods must match a tabulated one within 1e-6 s).
fn row_of(imt: Imt) -> Option<usize> {
    match imt {
        Imt::Pga => Some(ROW_PGA),
        Imt::Pgv => Some(ROW_PGV),
        Imt::Sa(t) => {
            let sa = &COEFFS[ROW_SA0..ROW_SA0 + N_SA];
            // First tabulated period >= t - 1e-6 (periods increase down the table).
            let i = sa.partition_point(|c| c.period_s < t - 1e-6);
            (i < N_SA && (sa[i].period_s - t).abs() <= 1e-6).then_some(ROW_SA0 + i)
        }
    }
}

/// Rupture- and path-dependent quantities shared by every coefficient row of one call.
struct Scenario {
    mag: f64,
    dip_deg: f64,
    rrup_km: f64,
    rx_km: f64,
    /// Reverse / normal faulting indicators (Eq. 5).
    f_rv: f64,
    f_nm: f64,
    /// Magnitude taper of the style-of-faulting term (Eq. 6).
    f_flt_m: f64,
    /// R1 = W cos(δ), R2 = 62 M - 350 (Eq. 11, 12), km.
    r1_km: f64,
    r2_km: f64,
    /// Product of the coefficient-free hanging-wall factors f_hng,Rrup f_hng,Z f_hng,δ
    /// (Eq. 13, 15, 16).
    f_hng_geom: f64,
    /// Hypocentral-depth factor f_hyp,H (Eq. 22), km.
    f_hyp_h: f64,
}

impl Scenario {
    fn new(rup: &RuptureParams, dist: &Distances) -> Scenario {
        let mag = rup.mag;
        let rake = rup.rake_deg;
        let f_rv = if rake > 30.0 && rake < 150.0 {
            1.0
        } else {
            0.0
        };
        let f_nm = if rake > -150.0 && rake < -30.0 {
            1.0
        } else {
            0.0
        };
        let f_flt_m = (mag - 4.5).clamp(0.0, 1.0);
        let f_hng_rrup = if dist.rrup_km > 0.0 {
            (dist.rrup_km - dist.rjb_km) / dist.rrup_km
        } else {
            1.0
        };
        let f_hng_z = if rup.ztor_km <= 16.66 {
            1.0 - 0.06 * rup.ztor_km
        } else {
            0.0
        };
        let f_hng_dip = (90.0 - rup.dip_deg) / 45.0;
        Scenario {
            mag,
            dip_deg: rup.dip_deg,
            rrup_km: dist.rrup_km,
            rx_km: dist.rx_km,
            f_rv,
            f_nm,
            f_flt_m,
            r1_km: rup.width_km * rup.dip_deg.to_radians().cos(),
            r2_km: 62.0 * mag - 350.0,
            f_hng_geom: f_hng_rrup * f_hng_z * f_hng_dip,
            f_hyp_h: (rup.hypo_depth_km - 7.0).clamp(0.0, 13.0),
        }
    }
}

/// Magnitude-dependent interpolation between a small-magnitude (M <= 4.5) and a
/// large-magnitude (M >= 5.5) value (Eq. 27, 28).
fn mag_interp(small: f64, large: f64, mag: f64) -> f64 {
    if mag <= 4.5 {
        small
    } else if mag >= 5.5 {
        large
    } else {
        large + (small - large) * (5.5 - mag)
    }
}

/// California Z2.5 (km) for a Vs30 (m/s), Eq. 33.
fn z2pt5_california_km(vs30_mps: f64) -> f64 {
    (7.089 - 1.144 * vs30_mps.ln()).exp()
}

/// Site quantities one evaluation needs.
#[derive(Clone, Copy)]
struct Site {
    vs30_mps: f64,
    z2pt5_km: f64,
    /// Median PGA on rock, A1100 (g). Only read when Vs30 < k1.
    a1100_g: f64,
}

/// The source and path terms of Eq. 1 (all but the site and basin terms) for row `c`.
fn source_path_terms(c: &Coeffs, dc20: f64, s: &Scenario) -> f64 {
    let m = s.mag;

    // Magnitude term, Eq. 2.
    let mut f_mag = c.c0 + c.c1 * m;
    if m > 4.5 {
        f_mag += c.c2 * (m - 4.5);
    }
    if m > 5.5 {
        f_mag += c.c3 * (m - 5.5);
    }
    if m > 6.5 {
        f_mag += c.c4 * (m - 6.5);
    }

    // Geometric attenuation, Eq. 3.
    let f_dis = (c.c5 + c.c6 * m) * 0.5 * (s.rrup_km * s.rrup_km + c.c7 * c.c7).ln();

    // Style of faulting, Eq. 4-6.
    let f_flt = (C8 * s.f_rv + c.c9 * s.f_nm) * s.f_flt_m;

    // Hanging wall, Eq. 7-16.
    let f_hng = if s.f_hng_geom == 0.0 || s.rx_km < 0.0 {
        0.0
    } else {
        let f_rx = if s.rx_km < s.r1_km {
            let x = s.rx_km / s.r1_km;
            c.h1 + c.h2 * x + c.h3 * x * x
        } else {
            let x = (s.rx_km - s.r1_km) / (s.r2_km - s.r1_km);
            (H4 + c.h5 * x + c.h6 * x * x).max(0.0)
        };
        let f_m = if m <= 5.5 {
            0.0
        } else if m <= 6.5 {
            (m - 5.5) * (1.0 + c.a2 * (m - 6.5))
        } else {
            1.0 + c.a2 * (m - 6.5)
        };
        c.c10 * f_rx * f_m * s.f_hng_geom
    };

    // Hypocentral depth, Eq. 21-23.
    let f_hyp_m = if m <= 5.5 {
        c.c17
    } else if m <= 6.5 {
        c.c17 + (c.c18 - c.c17) * (m - 5.5)
    } else {
        c.c18
    };
    let f_hyp = s.f_hyp_h * f_hyp_m;

    // Rupture dip, Eq. 24.
    let f_dip = if m <= 4.5 {
        c.c19 * s.dip_deg
    } else if m <= 5.5 {
        c.c19 * (5.5 - m) * s.dip_deg
    } else {
        0.0
    };

    // Anelastic attenuation, Eq. 25.
    let f_atn = if s.rrup_km > 80.0 {
        (c.c20 + dc20) * (s.rrup_km - 80.0)
    } else {
        0.0
    };

    f_mag + f_dis + f_flt + f_hng + f_hyp + f_dip + f_atn
}

/// The shallow-site and basin terms of Eq. 1 for row `c`.
fn site_terms(c: &Coeffs, site: Site) -> f64 {
    // Shallow site response, Eq. 17-18 (S_J = 0).
    let v_ratio = site.vs30_mps / c.k1;
    let ln_v_ratio = v_ratio.ln();
    let f_site = if site.vs30_mps > c.k1 {
        (c.c11 + c.k2 * N_NL) * ln_v_ratio
    } else {
        let a = site.a1100_g;
        c.c11 * ln_v_ratio + c.k2 * ((a + C_NL * v_ratio.powf(N_NL)).ln() - (a + C_NL).ln())
    };

    // Basin response, Eq. 20 (S_J = 0).
    let z = site.z2pt5_km;
    let f_sed = if z < 1.0 {
        c.c14 * (z - 1.0)
    } else if z > 3.0 {
        c.c16 * c.k3 * (-0.75f64).exp() * (1.0 - (-0.25 * (z - 3.0)).exp())
    } else {
        0.0
    };

    f_site + f_sed
}

/// Check the inputs the equations cannot handle (logs, divisions, NaN).
fn validate(rup: &RuptureParams, dist: &Distances, site: &SiteParams) -> Result<(), GmpeError> {
    let bad = |field: &'static str, value: f64| GmpeError::OutOfRange {
        model: MODEL,
        field,
        value,
    };
    if !rup.mag.is_finite() {
        return Err(bad("mag", rup.mag));
    }
    if !(rup.dip_deg > 0.0 && rup.dip_deg <= 90.0) {
        return Err(bad("dip_deg", rup.dip_deg));
    }
    if !rup.rake_deg.is_finite() {
        return Err(bad("rake_deg", rup.rake_deg));
    }
    if !(rup.ztor_km >= 0.0 && rup.ztor_km.is_finite()) {
        return Err(bad("ztor_km", rup.ztor_km));
    }
    if !(rup.width_km >= 0.0 && rup.width_km.is_finite()) {
        return Err(bad("width_km", rup.width_km));
    }
    if !rup.hypo_depth_km.is_finite() {
        return Err(bad("hypo_depth_km", rup.hypo_depth_km));
    }
    if !(dist.rrup_km >= 0.0 && dist.rrup_km.is_finite()) {
        return Err(bad("rrup_km", dist.rrup_km));
    }
    if !(dist.rjb_km >= 0.0 && dist.rjb_km.is_finite()) {
        return Err(bad("rjb_km", dist.rjb_km));
    }
    if !dist.rx_km.is_finite() {
        return Err(bad("rx_km", dist.rx_km));
    }
    if !(site.vs30_mps > 0.0 && site.vs30_mps.is_finite()) {
        return Err(bad("vs30_mps", site.vs30_mps));
    }
    if let Some(z) = site.z2pt5_km
        && !(z >= 0.0 && z.is_finite())
    {
        return Err(bad("z2pt5_km", z));
    }
    Ok(())
}

impl Gmpe for Cb14 {
    /// NGA-West2: RotD50.
    fn component(&self) -> crate::component::Component {
        crate::component::Component::RotD50
    }

    fn name(&self) -> &'static str {
        MODEL
    }

    fn supports(&self, imt: Imt) -> bool {
        row_of(imt).is_some()
    }

    fn ground_motion(
        &self,
        imt: Imt,
        rup: &RuptureParams,
        dist: &Distances,
        site: &SiteParams,
    ) -> Result<GroundMotion, GmpeError> {
        let row = row_of(imt).ok_or(GmpeError::UnsupportedImt { model: MODEL, imt })?;
        validate(rup, dist, site)?;
        let region = self.region as usize;
        let c = &COEFFS[row];
        let c_pga = &COEFFS[ROW_PGA];
        let scen = Scenario::new(rup, dist);

        // A1100: median PGA on rock (Vs30 = 1100 m/s, Z2.5 from Eq. 33). Every k1 in the
        // table is below 1100 m/s, so the rock evaluation uses the linear site branch and
        // does not read `a1100_g`.
        let rock = Site {
            vs30_mps: VS30_ROCK_MPS,
            z2pt5_km: Z2PT5_ROCK_KM,
            a1100_g: 0.0,
        };
        let ln_pga_source_path = source_path_terms(c_pga, c_pga.dc20[region], &scen);
        let a1100_g = (ln_pga_source_path + site_terms(c_pga, rock)).exp();

        let here = Site {
            vs30_mps: site.vs30_mps,
            z2pt5_km: site
                .z2pt5_km
                .unwrap_or_else(|| z2pt5_california_km(site.vs30_mps)),
            a1100_g,
        };
        let ln_y = if row == ROW_PGA {
            ln_pga_source_path + site_terms(c_pga, here)
        } else {
            let ln_y = source_path_terms(c, c.dc20[region], &scen) + site_terms(c, here);
            // Short-period spectral ordinates are not allowed below PGA at the same site
            // (Campbell & Bozorgnia 2014, text after Eq. 1; OpenQuake applies it for
            // T < 0.25 s).
            if matches!(imt, Imt::Sa(t) if t < 0.25) {
                ln_y.max(ln_pga_source_path + site_terms(c_pga, here))
            } else {
                ln_y
            }
        };

        // Aleatory variability, Eq. 26-31.
        let m = rup.mag;
        let tau_pga_b = mag_interp(c_pga.tau1, c_pga.tau2, m);
        let phi_pga = mag_interp(c_pga.phi1, c_pga.phi2, m);
        let phi_pga_b = (phi_pga * phi_pga - PHI_LN_AF * PHI_LN_AF).sqrt();
        let tau_y_b = mag_interp(c.tau1, c.tau2, m);
        let phi_y = mag_interp(c.phi1, c.phi2, m);
        let phi_y_b = (phi_y * phi_y - PHI_LN_AF * PHI_LN_AF).sqrt();
        // Linearised nonlinear-site slope α, Eq. 31.
        let alpha = if site.vs30_mps < c.k1 {
            let v_term = C_NL * (site.vs30_mps / c.k1).powf(N_NL);
            c.k2 * a1100_g * (1.0 / (a1100_g + v_term) - 1.0 / (a1100_g + C_NL))
        } else {
            0.0
        };
        let tau = (tau_y_b * tau_y_b
            + alpha * alpha * tau_pga_b * tau_pga_b
            + 2.0 * alpha * c.rho * tau_y_b * tau_pga_b)
            .sqrt();
        let phi = (phi_y_b * phi_y_b
            + PHI_LN_AF * PHI_LN_AF
            + alpha * alpha * phi_pga_b * phi_pga_b
            + 2.0 * alpha * c.rho * phi_y_b * phi_pga_b)
            .sqrt();
        Ok(GroundMotion {
            ln_median: ln_y,
            sigma: (tau * tau + phi * phi).sqrt(),
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
            rake_deg: 90.0,
            dip_deg: 45.0,
            ztor_km: 2.0,
            width_km: 15.0,
            hypo_depth_km: 9.0,
        }
    }

    fn dist(r_km: f64) -> Distances {
        Distances {
            rrup_km: r_km,
            rjb_km: r_km,
            rx_km: -r_km,
            ry0_km: 0.0,
            rhypo_km: f64::NAN,
        }
    }

    fn site(vs30_mps: f64) -> SiteParams {
        SiteParams {
            vs30_mps,
            vs30_measured: false,
            z1pt0_m: None,
            z2pt5_km: None,
        }
    }

    #[test]
    fn table_is_ordered_and_complete() {
        assert_eq!(COEFFS[ROW_PGA].period_s, 0.0);
        assert_eq!(COEFFS[ROW_PGV].period_s, -1.0);
        let sa: Vec<f64> = COEFFS[ROW_SA0..].iter().map(|c| c.period_s).collect();
        assert_eq!(sa.len(), N_SA);
        assert!(sa.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sa[0], 0.01);
        assert_eq!(sa[N_SA - 1], 10.0);
        // Every site-term reference velocity is below the rock Vs30 of A1100.
        assert!(COEFFS.iter().all(|c| c.k1 < VS30_ROCK_MPS));
        let z = z2pt5_california_km(VS30_ROCK_MPS);
        assert!((z - Z2PT5_ROCK_KM).abs() <= 1e-15 * z);
    }

    #[test]
    fn imt_lookup() {
        let m = Cb14::default();
        assert!(m.supports(Imt::Pga));
        assert!(m.supports(Imt::Pgv));
        for t in [0.01, 0.075, 0.3, 1.0, 7.5, 10.0] {
            assert!(m.supports(Imt::Sa(t)), "{t}");
            assert!(m.supports(Imt::Sa(t + 5e-7)), "{t}");
        }
        assert_eq!(row_of(Imt::Sa(0.3)), Some(ROW_SA0 + 9));
        for t in [0.0, 0.005, 0.35, 0.3 + 1e-5, 12.0, -1.0, f64::NAN] {
            assert!(!m.supports(Imt::Sa(t)), "{t}");
        }
    }

    #[test]
    fn unsupported_period_is_an_error() {
        let err = Cb14::default()
            .ground_motion(Imt::Sa(0.33), &rup(6.0), &dist(10.0), &site(760.0))
            .unwrap_err();
        assert_eq!(
            err,
            GmpeError::UnsupportedImt {
                model: "CB14",
                imt: Imt::Sa(0.33)
            }
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        let m = Cb14::default();
        let e = m.ground_motion(Imt::Pga, &rup(6.0), &dist(10.0), &site(0.0));
        assert!(matches!(
            e,
            Err(GmpeError::OutOfRange {
                field: "vs30_mps",
                ..
            })
        ));
        let e = m.ground_motion(Imt::Pga, &rup(6.0), &dist(-1.0), &site(760.0));
        assert!(matches!(
            e,
            Err(GmpeError::OutOfRange {
                field: "rrup_km",
                ..
            })
        ));
        let mut r = rup(6.0);
        r.dip_deg = 0.0;
        let e = m.ground_motion(Imt::Pga, &r, &dist(10.0), &site(760.0));
        assert!(matches!(
            e,
            Err(GmpeError::OutOfRange {
                field: "dip_deg",
                ..
            })
        ));
    }

    #[test]
    fn median_decreases_with_distance() {
        let m = Cb14::default();
        for imt in [Imt::Pga, Imt::Pgv, Imt::Sa(0.2), Imt::Sa(1.0), Imt::Sa(5.0)] {
            let mut prev = f64::INFINITY;
            for r_km in [1.0, 5.0, 10.0, 30.0, 60.0, 100.0, 200.0, 300.0] {
                let gm = m
                    .ground_motion(imt, &rup(6.5), &dist(r_km), &site(400.0))
                    .unwrap();
                assert!(gm.ln_median < prev, "{imt:?} at {r_km} km");
                assert!(gm.sigma > 0.0 && gm.tau > 0.0 && gm.phi > 0.0);
                assert!((gm.sigma - gm.tau.hypot(gm.phi)).abs() < 1e-12);
                prev = gm.ln_median;
            }
        }
    }

    #[test]
    fn unknown_z2pt5_uses_the_california_model() {
        let m = Cb14::default();
        let vs30_mps = 300.0;
        let none = m
            .ground_motion(Imt::Sa(3.0), &rup(6.5), &dist(20.0), &site(vs30_mps))
            .unwrap();
        let given = SiteParams {
            z2pt5_km: Some((7.089 - 1.144 * vs30_mps.ln()).exp()),
            ..site(vs30_mps)
        };
        let some = m
            .ground_motion(Imt::Sa(3.0), &rup(6.5), &dist(20.0), &given)
            .unwrap();
        assert_eq!(none, some);
        // A deep basin (Z2.5 > 3 km) amplifies long periods.
        let deep = SiteParams {
            z2pt5_km: Some(6.0),
            ..site(vs30_mps)
        };
        let deep = m
            .ground_motion(Imt::Sa(3.0), &rup(6.5), &dist(20.0), &deep)
            .unwrap();
        assert!(deep.ln_median > none.ln_median);
    }

    #[test]
    fn median_increases_with_magnitude() {
        let m = Cb14::default();
        let mut prev = f64::NEG_INFINITY;
        for mag in [4.0, 5.0, 6.0, 7.0, 8.0] {
            let gm = m
                .ground_motion(Imt::Sa(1.0), &rup(mag), &dist(20.0), &site(760.0))
                .unwrap();
            assert!(gm.ln_median > prev, "M{mag}");
            prev = gm.ln_median;
        }
    }

    #[test]
    fn soft_soil_deamplifies_strong_short_period_motion() {
        // Nonlinear site response: close to a large event, softer soil amplifies PGA less
        // than it does far away (relative to rock).
        let m = Cb14::default();
        let ratio = |r_km: f64| {
            let soft = m.ground_motion(Imt::Pga, &rup(7.5), &dist(r_km), &site(200.0));
            let rock = m.ground_motion(Imt::Pga, &rup(7.5), &dist(r_km), &site(1100.0));
            soft.unwrap().ln_median - rock.unwrap().ln_median
        };
        assert!(ratio(1.0) < ratio(150.0));
    }

    #[test]
    fn regional_attenuation_only_matters_beyond_80_km() {
        let g = Cb14::default();
        let hq = Cb14::new(Cb14Region::HighQ);
        let lq = Cb14::new(Cb14Region::LowQ);
        let ln = |m: &Cb14, r_km: f64| {
            m.ground_motion(Imt::Sa(0.2), &rup(6.0), &dist(r_km), &site(760.0))
                .unwrap()
                .ln_median
        };
        assert_eq!(ln(&g, 50.0), ln(&hq, 50.0));
        assert_eq!(ln(&g, 50.0), ln(&lq, 50.0));
        assert!(ln(&hq, 200.0) > ln(&g, 200.0));
        assert!(ln(&lq, 200.0) < ln(&g, 200.0));
    }

    #[test]
    fn hanging_wall_raises_motion() {
        let m = Cb14::default();
        let r = rup(7.0);
        let foot = Distances {
            rrup_km: 10.0,
            rjb_km: 5.0,
            rx_km: -5.0,
            ry0_km: 0.0,
            rhypo_km: f64::NAN,
        };
        let hang = Distances { rx_km: 8.0, ..foot };
        let f = m.ground_motion(Imt::Pga, &r, &foot, &site(760.0)).unwrap();
        let h = m.ground_motion(Imt::Pga, &r, &hang, &site(760.0)).unwrap();
        assert!(h.ln_median > f.ln_median);
    }
}

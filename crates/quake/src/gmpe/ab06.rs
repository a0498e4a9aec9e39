//! Atkinson & Boore (2006) ground-motion model for stable continental regions (eastern North
//! America), with the 140-bar stress parameter, as OpenQuake's `AtkinsonBoore2006`.
//!
//! G. M. Atkinson and D. M. Boore (2006), "Earthquake ground-motion prediction equations for
//! eastern North America", BSSA 96(6):2181-2205, doi:10.1785/0120050245. Equation numbers below
//! refer to that paper. Distance is Rrup (km, taken as 1 km below 1 km, where the equations have
//! a singularity), magnitude Mw, component the horizontal geometric mean.
//!
//! log10 Y = c1 + c2 M + c3 M² + (c4 + c5 M) f1 + (c6 + c7 M) f2 + (c8 + c9 M) f0
//!         + c10 Rrup + S                                                         (Eq. 5)
//!
//! with f0 = max(log10(R0 / Rrup), 0), f1 = min(log10 Rrup, log10 R1),
//! f2 = max(log10(Rrup / R2), 0), R0 = 10, R1 = 70, R2 = 140 km; Y in cm/s² (PGA, SA) or cm/s
//! (PGV). Vs30 >= 2000 m/s uses the hard-rock coefficients (Table 6) and S = 0. Below, the
//! coefficients are those for the NEHRP B/C boundary (Vs30 = 760 m/s, Table 9) and S is the
//! Boore & Atkinson (2008) site amplification, linear plus nonlinear (BA08 Eqs. 6-8, 13),
//! driven by the median B/C PGA (g) at the site (the "Equations for soil sites" section).
//!
//! As OpenQuake and the authors' programs do (D. M. Boore, "ab06_gmpes_programs_and_tables"),
//! S uses the coefficients of the final BA08 paper rather than the preliminary ones printed in
//! the AB06 paper, and Tables 6 and 9 are at the precision of Boore's Fortran program. The
//! stress-parameter adjustment (Eq. 6, p. 2198) is not applied: this is the 140-bar model.
//!
//! A period between two tabulated ones takes each coefficient interpolated linearly in ln T
//! (as OpenQuake's `CoeffsTable`), in each table separately; 0.025-5 s are supported. As in
//! OpenQuake, magnitude and distance are not bounded (the paper fits M 3.5-8, Rrup <= 1000 km).
//!
//! Sigma is the paper's total, 0.30 log10 units for every intensity measure (Tables 6 and 9),
//! here 0.30 ln 10 = 0.691. The paper and OpenQuake give no between/within-event split, so
//! tau = phi = sigma / sqrt(2) (a convention of this crate, not of the paper).

use super::{Distances, Gmpe, GmpeError, GroundMotion, Imt, RuptureParams, SiteParams};
use std::f64::consts::{LN_10, LOG10_E, SQRT_2};

const MODEL: &str = "AB06";

/// Magnitudes accepted: any physically possible moment magnitude (the paper fits M 3.5-8;
/// OpenQuake sets no bound, and M² overflows nothing in this range).
const MAG_RANGE: (f64, f64) = (0.0, 10.0);
/// Vs30 accepted, m/s: from the softest soils (about 100 m/s) with room below, to hard rock
/// and beyond (the hard-rock table applies from 2,000 m/s); outside, the site term's
/// logarithms are meaningless.
const VS30_RANGE_MPS: (f64, f64) = (50.0, 10_000.0);

/// Hinge distances of Eq. 5, km.
const R0_KM: f64 = 10.0;
const R1_KM: f64 = 70.0;
const R2_KM: f64 = 140.0;
/// Distances below this are taken as this (the equations are singular at 0; OpenQuake's
/// `AtkinsonBoore2006` clips Rrup at 1 km too), km.
const R_MIN_KM: f64 = 1.0;
/// Sites at or above this Vs30 use the hard-rock table without site term, m/s.
const VS30_HARD_ROCK_MPS: f64 = 2000.0;
/// BA08 site term: reference velocity and the bounds of the nonlinear slope (Eq. 13), m/s.
const V_REF_MPS: f64 = 760.0;
const V1_MPS: f64 = 180.0;
const V2_MPS: f64 = 300.0;
/// BA08 nonlinear term (Eq. 8): a1, a2, pga_low and the reference 0.1 g.
const A1_G: f64 = 0.03;
const A2_G: f64 = 0.09;
const PGA_LOW_G: f64 = 0.06;
const PGA_REF_G: f64 = 0.1;
/// Standard gravity, m/s² (Y is in cm/s²).
const G_MPS2: f64 = 9.80665;
/// Total standard deviation, log10 units (Tables 6 and 9).
const SIGMA_LOG10: f64 = 0.30;
/// Key of the PGV row; PGA is 0 and SA its period in s.
const PGV_KEY: f64 = -1.0;
/// Index of the PGA row in [`HARD_ROCK`] and [`BC`].
const PGA_ROW: usize = 1;
/// Tolerance when matching a requested period to a tabulated one, s.
const PERIOD_TOL_S: f64 = 1e-6;

/// The Atkinson & Boore (2006) model, 140 bar. `Default` is OpenQuake's `AtkinsonBoore2006()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ab06;

/// Atkinson & Boore (2006), Table 6: hard rock (Vs30 >= 2000 m/s). Columns: key (-1 = PGV,
/// 0 = PGA, else the period in s, 1/f of the paper's frequencies), c1..c10. Y in cm/s² or cm/s.
#[rustfmt::skip]
const HARD_ROCK: [[f64; 11]; 26] = [
    [  -1.0, -1.442e+00,  9.909e-01, -5.848e-02, -2.701e+00,  2.155e-01, -2.436e+00,  2.659e-01,  8.479e-02, -6.927e-02, -3.734e-04],
    [   0.0,  9.069e-01,  9.830e-01, -6.595e-02, -2.698e+00,  1.594e-01, -2.795e+00,  2.120e-01, -3.011e-01, -6.532e-02, -4.484e-04],
    [ 0.025,  1.522e+00,  9.597e-01, -6.351e-02, -2.813e+00,  1.458e-01, -3.654e+00,  2.362e-01, -6.544e-01, -5.500e-02, -4.848e-05],
    [ 0.031,  1.436e+00,  9.592e-01, -6.276e-02, -2.714e+00,  1.400e-01, -3.728e+00,  2.343e-01, -5.430e-01, -6.448e-02, -3.230e-05],
    [ 0.040,  1.264e+00,  9.680e-01, -6.232e-02, -2.581e+00,  1.317e-01, -3.644e+00,  2.276e-01, -3.506e-01, -8.126e-02, -1.225e-04],
    [ 0.050,  1.105e+00,  9.719e-01, -6.197e-02, -2.466e+00,  1.276e-01, -3.390e+00,  2.144e-01, -1.391e-01, -9.839e-02, -3.167e-04],
    [ 0.063,  9.109e-01,  9.802e-01, -6.208e-02, -2.360e+00,  1.263e-01, -2.972e+00,  1.910e-01,  1.069e-01, -1.173e-01, -5.786e-04],
    [ 0.079,  6.906e-01,  9.974e-01, -6.276e-02, -2.262e+00,  1.246e-01, -2.487e+00,  1.636e-01,  2.139e-01, -1.207e-01, -8.469e-04],
    [ 0.100,  4.797e-01,  1.017e+00, -6.404e-02, -2.201e+00,  1.270e-01, -2.007e+00,  1.326e-01,  3.371e-01, -1.266e-01, -1.047e-03],
    [ 0.125,  2.144e-01,  1.054e+00, -6.664e-02, -2.154e+00,  1.295e-01, -1.608e+00,  1.046e-01,  4.273e-01, -1.303e-01, -1.153e-03],
    [ 0.158, -1.455e-01,  1.123e+00, -7.143e-02, -2.116e+00,  1.302e-01, -1.303e+00,  8.311e-02,  5.617e-01, -1.438e-01, -1.182e-03],
    [ 0.199, -6.153e-01,  1.227e+00, -7.886e-02, -2.087e+00,  1.312e-01, -1.120e+00,  6.788e-02,  6.055e-01, -1.459e-01, -1.125e-03],
    [ 0.251, -1.121e+00,  1.342e+00, -8.722e-02, -2.082e+00,  1.349e-01, -9.714e-01,  5.628e-02,  6.140e-01, -1.432e-01, -1.055e-03],
    [ 0.315, -1.721e+00,  1.483e+00, -9.739e-02, -2.080e+00,  1.382e-01, -8.893e-01,  4.869e-02,  6.101e-01, -1.389e-01, -9.538e-04],
    [ 0.397, -2.437e+00,  1.649e+00, -1.084e-01, -2.051e+00,  1.363e-01, -8.426e-01,  4.483e-02,  7.386e-01, -1.557e-01, -8.509e-04],
    [ 0.500, -3.216e+00,  1.826e+00, -1.201e-01, -2.018e+00,  1.344e-01, -8.134e-01,  4.437e-02,  8.839e-01, -1.751e-01, -7.704e-04],
    [ 0.629, -3.917e+00,  1.987e+00, -1.314e-01, -2.045e+00,  1.419e-01, -7.818e-01,  4.297e-02,  7.878e-01, -1.590e-01, -6.948e-04],
    [ 0.794, -4.604e+00,  2.132e+00, -1.406e-01, -2.062e+00,  1.468e-01, -7.974e-01,  4.345e-02,  7.748e-01, -1.558e-01, -5.790e-04],
    [ 1.000, -5.272e+00,  2.264e+00, -1.483e-01, -2.069e+00,  1.497e-01, -8.132e-01,  4.666e-02,  8.262e-01, -1.622e-01, -4.862e-04],
    [ 1.250, -5.724e+00,  2.324e+00, -1.505e-01, -2.104e+00,  1.565e-01, -8.202e-01,  5.186e-02,  8.563e-01, -1.661e-01, -4.329e-04],
    [ 1.587, -6.043e+00,  2.342e+00, -1.496e-01, -2.157e+00,  1.662e-01, -8.704e-01,  6.047e-02,  9.207e-01, -1.734e-01, -3.748e-04],
    [ 2.000, -6.183e+00,  2.302e+00, -1.442e-01, -2.223e+00,  1.770e-01, -9.370e-01,  7.067e-02,  9.518e-01, -1.768e-01, -3.220e-04],
    [ 2.500, -6.169e+00,  2.211e+00, -1.348e-01, -2.299e+00,  1.898e-01, -9.860e-01,  7.860e-02,  9.683e-01, -1.765e-01, -2.823e-04],
    [ 3.125, -6.038e+00,  2.080e+00, -1.221e-01, -2.367e+00,  2.002e-01, -1.073e+00,  8.950e-02,  1.002e+00, -1.803e-01, -2.306e-04],
    [ 4.000, -5.791e+00,  1.916e+00, -1.071e-01, -2.441e+00,  2.113e-01, -1.162e+00,  1.018e-01,  1.012e+00, -1.824e-01, -2.010e-04],
    [ 5.000, -5.408e+00,  1.714e+00, -9.012e-02, -2.537e+00,  2.267e-01, -1.268e+00,  1.162e-01,  9.792e-01, -1.767e-01, -1.757e-04],
];

/// Atkinson & Boore (2006), Table 9: NEHRP B/C boundary (Vs30 = 760 m/s). Columns as
/// [`HARD_ROCK`].
#[rustfmt::skip]
const BC: [[f64; 11]; 26] = [
    [  -1.0, -1.662e+00,  1.050e+00, -6.035e-02, -2.496e+00,  1.840e-01, -2.301e+00,  2.500e-01,  1.268e-01, -8.704e-02, -4.266e-04],
    [   0.0,  5.233e-01,  9.686e-01, -6.196e-02, -2.439e+00,  1.465e-01, -2.335e+00,  1.912e-01, -8.695e-02, -8.285e-02, -6.304e-04],
    [ 0.025,  1.052e+00,  9.030e-01, -5.768e-02, -2.571e+00,  1.483e-01, -2.652e+00,  2.065e-01, -4.084e-01, -5.769e-02, -5.122e-04],
    [ 0.031,  1.191e+00,  8.884e-01, -5.642e-02, -2.577e+00,  1.451e-01, -2.840e+00,  2.121e-01, -4.370e-01, -5.866e-02, -4.329e-04],
    [ 0.040,  1.261e+00,  8.789e-01, -5.515e-02, -2.536e+00,  1.388e-01, -2.994e+00,  2.158e-01, -3.908e-01, -6.746e-02, -3.881e-04],
    [ 0.050,  1.209e+00,  8.830e-01, -5.441e-02, -2.440e+00,  1.295e-01, -3.035e+00,  2.133e-01, -2.098e-01, -8.997e-02, -4.145e-04],
    [ 0.063,  1.109e+00,  8.875e-01, -5.386e-02, -2.334e+00,  1.229e-01, -2.881e+00,  2.007e-01, -3.189e-02, -1.069e-01, -5.483e-04],
    [ 0.079,  9.667e-01,  9.033e-01, -5.476e-02, -2.249e+00,  1.215e-01, -2.530e+00,  1.775e-01,  1.001e-01, -1.147e-01, -7.724e-04],
    [ 0.100,  7.818e-01,  9.235e-01, -5.555e-02, -2.165e+00,  1.191e-01, -2.097e+00,  1.483e-01,  2.847e-01, -1.319e-01, -9.897e-04],
    [ 0.125,  5.356e-01,  9.647e-01, -5.835e-02, -2.110e+00,  1.205e-01, -1.672e+00,  1.156e-01,  3.433e-01, -1.322e-01, -1.130e-03],
    [ 0.158,  1.194e-01,  1.057e+00, -6.473e-02, -2.054e+00,  1.190e-01, -1.355e+00,  9.160e-02,  5.164e-01, -1.503e-01, -1.178e-03],
    [ 0.199, -3.056e-01,  1.156e+00, -7.211e-02, -2.038e+00,  1.220e-01, -1.147e+00,  7.375e-02,  5.082e-01, -1.430e-01, -1.140e-03],
    [ 0.251, -8.756e-01,  1.293e+00, -8.193e-02, -2.014e+00,  1.226e-01, -1.027e+00,  6.341e-02,  5.808e-01, -1.491e-01, -1.053e-03],
    [ 0.315, -1.560e+00,  1.455e+00, -9.312e-02, -1.977e+00,  1.209e-01, -9.466e-01,  5.576e-02,  6.499e-01, -1.558e-01, -9.552e-04],
    [ 0.397, -2.281e+00,  1.629e+00, -1.054e-01, -1.967e+00,  1.227e-01, -8.880e-01,  5.033e-02,  6.839e-01, -1.582e-01, -8.587e-04],
    [ 0.500, -3.007e+00,  1.803e+00, -1.178e-01, -1.982e+00,  1.274e-01, -8.466e-01,  4.698e-02,  6.670e-01, -1.546e-01, -7.676e-04],
    [ 0.629, -3.748e+00,  1.973e+00, -1.294e-01, -1.997e+00,  1.313e-01, -8.417e-01,  4.820e-02,  6.772e-01, -1.557e-01, -6.763e-04],
    [ 0.794, -4.446e+00,  2.119e+00, -1.387e-01, -2.009e+00,  1.356e-01, -8.576e-01,  4.976e-02,  7.084e-01, -1.589e-01, -5.751e-04],
    [ 1.000, -5.058e+00,  2.233e+00, -1.454e-01, -2.030e+00,  1.408e-01, -8.744e-01,  5.412e-02,  7.922e-01, -1.697e-01, -4.886e-04],
    [ 1.250, -5.489e+00,  2.289e+00, -1.476e-01, -2.081e+00,  1.501e-01, -9.000e-01,  5.794e-02,  8.208e-01, -1.719e-01, -4.070e-04],
    [ 1.587, -5.754e+00,  2.287e+00, -1.450e-01, -2.131e+00,  1.582e-01, -9.568e-01,  6.762e-02,  8.670e-01, -1.789e-01, -3.429e-04],
    [ 2.000, -5.853e+00,  2.233e+00, -1.385e-01, -2.195e+00,  1.688e-01, -1.037e+00,  8.002e-02,  8.666e-01, -1.790e-01, -2.860e-04],
    [ 2.500, -5.800e+00,  2.126e+00, -1.278e-01, -2.257e+00,  1.790e-01, -1.123e+00,  9.539e-02,  8.911e-01, -1.797e-01, -2.601e-04],
    [ 3.125, -5.590e+00,  1.972e+00, -1.136e-01, -2.331e+00,  1.908e-01, -1.204e+00,  1.099e-01,  8.449e-01, -1.723e-01, -2.452e-04],
    [ 4.000, -5.256e+00,  1.787e+00, -9.785e-02, -2.435e+00,  2.068e-01, -1.307e+00,  1.210e-01,  7.340e-01, -1.560e-01, -1.959e-04],
    [ 5.000, -4.852e+00,  1.580e+00, -8.066e-02, -2.530e+00,  2.216e-01, -1.426e+00,  1.361e-01,  6.340e-01, -1.413e-01, -1.608e-04],
];

/// Site amplification: Boore & Atkinson (2008), "Ground-motion prediction equations for the
/// average horizontal component of PGA, PGV, and 5%-damped PSA at spectral periods between
/// 0.01 s and 10.0 s", Earthquake Spectra 24(1):99-138, Table 3 (blin, b1, b2), with the
/// periods 0.04, 0.06, 0.09, 0.12, 0.17, 0.24, 0.36, 0.46, 0.6 and 0.85 s that Boore's AB06
/// Fortran program (ab06_fmrvs_evaluate_gmpes.for) adds, as OpenQuake tabulates them.
/// Columns: key (as above), blin, b1, b2.
#[rustfmt::skip]
const SOIL: [[f64; 4]; 33] = [
    [  -1.0,      -0.60,      -0.50,      -0.06],
    [   0.0,      -0.36,      -0.64,      -0.14],
    [ 0.010,      -0.36,      -0.64,      -0.14],
    [ 0.020,      -0.34,      -0.63,      -0.12],
    [ 0.030,      -0.33,      -0.62,      -0.11],
    [ 0.040,      -0.31,      -0.61,      -0.11],
    [ 0.050,      -0.29,      -0.64,      -0.11],
    [ 0.060,      -0.25,      -0.64,      -0.11],
    [ 0.075,      -0.23,      -0.64,      -0.11],
    [ 0.090,      -0.23,      -0.64,      -0.12],
    [ 0.100,      -0.25,      -0.60,      -0.13],
    [ 0.120,      -0.26,      -0.56,      -0.14],
    [ 0.150,      -0.28,      -0.53,      -0.18],
    [ 0.170,      -0.29,      -0.53,      -0.19],
    [ 0.200,      -0.31,      -0.52,      -0.19],
    [ 0.240,      -0.38,      -0.52,      -0.16],
    [ 0.250,      -0.39,      -0.52,      -0.16],
    [ 0.300,      -0.44,      -0.52,      -0.14],
    [ 0.360,      -0.48,      -0.51,      -0.11],
    [ 0.400,      -0.50,      -0.51,      -0.10],
    [ 0.460,      -0.55,      -0.50,      -0.08],
    [ 0.500,      -0.60,      -0.50,      -0.06],
    [ 0.600,      -0.66,      -0.49,      -0.03],
    [ 0.750,      -0.69,      -0.47,      -0.00],
    [ 0.850,      -0.69,      -0.46,      -0.00],
    [ 1.000,      -0.70,      -0.44,      -0.00],
    [ 1.500,      -0.72,      -0.40,      -0.00],
    [ 2.000,      -0.73,      -0.38,      -0.00],
    [ 3.000,      -0.74,      -0.34,      -0.00],
    [ 4.000,      -0.75,      -0.31,      -0.00],
    [ 5.000,      -0.75,     -0.291,      -0.00],
    [ 7.500,     -0.692,     -0.247,      -0.00],
    [ 10.00,     -0.650,     -0.215,      -0.00],
];

/// The row of `table` for `key` (rows 0 and 1 are PGV and PGA, then periods ascending), or a
/// row interpolated linearly in ln T between the two periods around it.
fn lookup<const N: usize>(table: &[[f64; N]], key: f64) -> Option<[f64; N]> {
    if key <= 0.0 {
        return table.iter().take(2).find(|r| r[0] == key).copied();
    }
    let sa = table.get(2..)?;
    if let Some(r) = sa.iter().find(|r| (r[0] - key).abs() < PERIOD_TOL_S) {
        return Some(*r);
    }
    let hi = sa.iter().position(|r| r[0] > key)?;
    let (a, b) = (sa.get(hi.checked_sub(1)?)?, sa.get(hi)?);
    let w = super::ln_period_weight(key, a[0], b[0]);
    let mut out = *a;
    for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b)) {
        *o = x + (y - x) * w;
    }
    Some(out)
}

/// Table key of `imt`: -1 for PGV, 0 for PGA, the period for SA; `None` for a bad period.
fn key(imt: Imt) -> Option<f64> {
    match imt {
        Imt::Pgv => Some(PGV_KEY),
        Imt::Pga => Some(0.0),
        Imt::Sa(t) if t.is_finite() && t > 0.0 => Some(t),
        Imt::Sa(_) => None,
    }
}

/// The hard-rock, B/C and site coefficients of `imt`, if all three tables cover it.
fn coeffs(imt: Imt) -> Option<([f64; 11], [f64; 11], [f64; 4])> {
    let k = key(imt)?;
    Some((lookup(&HARD_ROCK, k)?, lookup(&BC, k)?, lookup(&SOIL, k)?))
}

/// Eq. 5 without S: log10 of Y (cm/s² or cm/s) for coefficients `c` (`c[0]` is the key).
fn log10_y(c: &[f64; 11], mag: f64, r_km: f64) -> f64 {
    let f0 = (R0_KM / r_km).log10().max(0.0);
    let f1 = r_km.log10().min(R1_KM.log10());
    let f2 = (r_km / R2_KM).log10().max(0.0);
    c[1] + c[2] * mag
        + c[3] * mag * mag
        + (c[4] + c[5] * mag) * f1
        + (c[6] + c[7] * mag) * f2
        + (c[8] + c[9] * mag) * f0
        + c[10] * r_km
}

/// BA08 site amplification, natural log (Eqs. 6-8 and 13), for `s` = [key, blin, b1, b2].
fn ln_site_amplification(s: &[f64; 4], vs30_mps: f64, pga_bc_g: f64) -> f64 {
    let (blin, b1, b2) = (s[1], s[2], s[3]);
    let lin = blin * (vs30_mps / V_REF_MPS).ln();
    let bnl = if vs30_mps <= V1_MPS {
        b1
    } else if vs30_mps <= V2_MPS {
        (b1 - b2) * (vs30_mps / V2_MPS).ln() / (V1_MPS / V2_MPS).ln() + b2
    } else if vs30_mps < V_REF_MPS {
        b2 * (vs30_mps / V_REF_MPS).ln() / (V2_MPS / V_REF_MPS).ln()
    } else {
        0.0
    };
    let low = bnl * (PGA_LOW_G / PGA_REF_G).ln();
    let nl = if pga_bc_g <= A1_G {
        low
    } else if pga_bc_g <= A2_G {
        let dx = (A2_G / A1_G).ln();
        let dy = bnl * (A2_G / PGA_LOW_G).ln();
        let c = (3.0 * dy - bnl * dx) / (dx * dx);
        let d = -(2.0 * dy - bnl * dx) / (dx * dx * dx);
        let x = (pga_bc_g / A1_G).ln();
        low + c * x * x + d * x * x * x
    } else {
        bnl * (pga_bc_g / PGA_REF_G).ln()
    };
    lin + nl
}

fn require(field: &'static str, value: f64, ok: bool) -> Result<(), GmpeError> {
    super::require(MODEL, field, value, ok)
}

impl Gmpe for Ab06 {
    /// Atkinson & Boore (2006): the geometric mean of the horizontals (OpenQuake: `IMC.GEOMETRIC_MEAN`).
    fn component(&self) -> crate::component::Component {
        crate::component::Component::GeometricMean
    }

    fn name(&self) -> &'static str {
        MODEL
    }

    fn supports(&self, imt: Imt) -> bool {
        coeffs(imt).is_some()
    }

    fn ground_motion(
        &self,
        imt: Imt,
        rup: &RuptureParams,
        dist: &Distances,
        site: &SiteParams,
    ) -> Result<GroundMotion, GmpeError> {
        let (hr, bc, soil) = coeffs(imt).ok_or(GmpeError::UnsupportedImt { model: MODEL, imt })?;
        let (mag, rrup_km, vs30_mps) = (rup.mag, dist.rrup_km, site.vs30_mps);
        require("mag", mag, (MAG_RANGE.0..=MAG_RANGE.1).contains(&mag))?;
        require("rrup_km", rrup_km, rrup_km.is_finite() && rrup_km >= 0.0)?;
        require(
            "vs30_mps",
            vs30_mps,
            (VS30_RANGE_MPS.0..=VS30_RANGE_MPS.1).contains(&vs30_mps),
        )?;
        let r_km = rrup_km.max(R_MIN_KM);
        let log10_median = if vs30_mps >= VS30_HARD_ROCK_MPS {
            log10_y(&hr, mag, r_km)
        } else {
            // Median PGA on B/C rock in g drives the nonlinear site term.
            let pga_bc_g = 10f64.powf(log10_y(&BC[PGA_ROW], mag, r_km)) * 0.01 / G_MPS2;
            log10_y(&bc, mag, r_km) + LOG10_E * ln_site_amplification(&soil, vs30_mps, pga_bc_g)
        };
        let ln_median = match imt {
            Imt::Pgv => log10_median * LN_10,
            // cm/s² to g.
            _ => log10_median * LN_10 + (0.01 / G_MPS2).ln(),
        };
        let sigma = SIGMA_LOG10 * LN_10;
        Ok(GroundMotion {
            ln_median,
            sigma,
            tau: sigma / SQRT_2,
            phi: sigma / SQRT_2,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(imt: Imt, mag: f64, rrup_km: f64, vs30_mps: f64) -> Result<GroundMotion, GmpeError> {
        let rup = RuptureParams {
            mag,
            rake_deg: 0.0,
            dip_deg: 90.0,
            ztor_km: 0.0,
            width_km: 10.0,
            hypo_depth_km: 10.0,
        };
        let dist = Distances {
            rrup_km,
            rjb_km: rrup_km,
            rx_km: 0.0,
            ry0_km: 0.0,
            rhypo_km: rrup_km,
        };
        let site = SiteParams {
            vs30_mps,
            vs30_measured: false,
            z1pt0_m: None,
            z2pt5_km: None,
        };
        Ab06.ground_motion(imt, &rup, &dist, &site)
    }

    #[test]
    fn tables_are_sorted_and_keyed() {
        for t in [&HARD_ROCK[..], &BC[..]] {
            assert_eq!((t[0][0], t[PGA_ROW][0]), (PGV_KEY, 0.0));
            assert!(t[2..].windows(2).all(|w| w[0][0] < w[1][0]));
            assert_eq!(
                t.iter().map(|r| r[0]).collect::<Vec<_>>(),
                HARD_ROCK.map(|r| r[0])
            );
        }
        assert_eq!((SOIL[0][0], SOIL[1][0]), (PGV_KEY, 0.0));
        assert!(SOIL[2..].windows(2).all(|w| w[0][0] < w[1][0]));
    }

    #[test]
    fn near_field_clip_hard_rock_and_sigma() {
        let ln = |r: f64, v: f64| at(Imt::Pga, 5.0, r, v).map(|g| g.ln_median).unwrap();
        // Distances below 1 km are taken as 1 km (OpenQuake's zero-distance test).
        assert_eq!(ln(0.0, 500.0), ln(1.0, 500.0));
        assert_eq!(ln(0.2, 2500.0), ln(1.0, 2500.0));
        // Vs30 >= 2000 m/s: hard rock, no site term.
        assert_eq!(ln(30.0, 2000.0), ln(30.0, 3000.0));
        assert!(ln(30.0, 1000.0) > ln(300.0, 1000.0));
        let g = at(Imt::Sa(0.3), 6.0, 20.0, 400.0).unwrap();
        assert!((g.sigma - 0.3 * LN_10).abs() < 1e-12);
        assert!((g.tau.hypot(g.phi) - g.sigma).abs() < 1e-12);
    }

    #[test]
    fn unsupported_periods_and_bad_inputs_are_errors() {
        assert!(Ab06.supports(Imt::Pgv) && Ab06.supports(Imt::Sa(0.3)));
        assert!(Ab06.supports(Imt::Sa(0.025)) && Ab06.supports(Imt::Sa(5.0)));
        for t in [0.0, 0.02, 5.5, 10.0, f64::NAN, f64::INFINITY, -1.0] {
            assert!(!Ab06.supports(Imt::Sa(t)), "{t}");
            let e = at(Imt::Sa(t), 6.0, 10.0, 400.0).unwrap_err();
            assert!(matches!(e, GmpeError::UnsupportedImt { .. }), "{e}");
        }
        for (m, r, v, field) in [
            (f64::NAN, 10.0, 400.0, "mag"),
            (1e155, 10.0, 400.0, "mag"),
            (-1.0, 10.0, 400.0, "mag"),
            (6.0, -1.0, 400.0, "rrup_km"),
            (6.0, f64::NAN, 400.0, "rrup_km"),
            (6.0, 10.0, 0.0, "vs30_mps"),
            (6.0, 10.0, 10.0, "vs30_mps"),
            (6.0, 10.0, f64::INFINITY, "vs30_mps"),
        ] {
            let e = at(Imt::Pga, m, r, v).unwrap_err();
            assert!(
                matches!(e, GmpeError::OutOfRange { field: f, .. } if f == field),
                "{e}"
            );
        }
    }
}

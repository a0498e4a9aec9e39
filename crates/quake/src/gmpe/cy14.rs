//! Chiou and Youngs (2014) ground-motion model for active shallow crust (NGA-West2).
//!
//! Chiou, B. S.-J. and Youngs, R. R. (2014). "Update of the Chiou and Youngs NGA model for
//! the average horizontal component of peak ground motion and response spectra",
//! Earthquake Spectra 30(3), 1117-1153, doi:10.1193/072813EQS219M.
//!
//! Implemented from the paper's equations:
//! - eq. 11: median on the reference rock (Vs30 = 1130 m/s): magnitude scaling, style of
//!   faulting, centred depth to top of rupture, dip, near-source geometric spreading,
//!   far-field spreading, magnitude-dependent anelastic attenuation, hanging wall;
//! - eq. 12: site response (linear and nonlinear, driven by the reference-rock motion of the
//!   same intensity measure) plus the sediment-depth term on the centred Z1.0;
//! - eq. 13: between-event (tau) and within-event (phi) standard deviations, both modified by
//!   the nonlinear-site derivative NL0, and the total sigma.
//!
//! Conventions follow OpenQuake's `ChiouYoungs2014` default configuration (California /
//! global region, hanging-wall term on, no directivity, i.e. centred DPP = 0): PSA at
//! T <= 0.3 s is floored at the PGA median (paper, p. 1144); the Vs30-based average Z1.0 is
//! used when Z1.0 is unknown (giving a zero sediment-depth term), and Z1.0 <= 0 turns the
//! sediment-depth term off. The regional variants Japan, Italy and Wenchuan follow the
//! paper's regional coefficients as OpenQuake applies them (the within-event sigma uses
//! sigma2 for every region, as in OpenQuake).

use super::{Distances, GmpeError, GroundMotion, Imt, RuptureParams, SiteParams};

const MODEL: &str = "CY14";

/// Regional variant of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cy14Region {
    /// California and other regions (the paper's global model; OpenQuake's default "CAL").
    #[default]
    California,
    /// Japan: regional anelastic factor for 6 < M < 6.9, Japan linear-site and
    /// sediment-depth coefficients and the Japan Z1.0(Vs30) relation.
    Japan,
    /// Italy: regional anelastic factor for 6 < M < 6.9, California site model.
    Italy,
    /// Wenchuan (calibrated on the M7.9 2008 event only): regional anelastic factor.
    Wenchuan,
}

/// The Chiou and Youngs (2014) model. `Cy14::default()` is the California/global variant
/// that OpenQuake's verification tests use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cy14 {
    pub region: Cy14Region,
}

impl Cy14 {
    /// The model for a given regional variant.
    pub fn new(region: Cy14Region) -> Self {
        Cy14 { region }
    }
}

// Period-independent coefficients (paper, Table 1; constant columns of the OpenQuake table).
const C2: f64 = 1.06;
const C4: f64 = -2.1;
const C4A: f64 = -0.5;
const CRB_KM: f64 = 50.0;
const C11: f64 = 0.0;
const PHI6_M: f64 = 300.0;
const PHI6_JP_M: f64 = 800.0;
/// Reference rock Vs30 of the model, m/s.
const VS_REF_MPS: f64 = 1130.0;

/// Period-dependent coefficients of one intensity measure.
#[derive(Debug, Clone, Copy)]
struct Coeffs {
    /// Period in s (0 for PGA, -1 for PGV).
    period_s: f64,
    c1: f64,
    c1a: f64,
    c1b: f64,
    c1c: f64,
    c1d: f64,
    cn: f64,
    cm: f64,
    c3: f64,
    c5: f64,
    chm: f64,
    c6: f64,
    c7: f64,
    c7b: f64,
    /// Directivity coefficients c8 and c8b: with the centred DPP at 0 (OpenQuake default,
    /// no directivity) the directivity term vanishes; kept as published.
    #[allow(dead_code)]
    c8: f64,
    #[allow(dead_code)]
    c8b: f64,
    c9: f64,
    c9a: f64,
    c9b: f64,
    c11b: f64,
    cg1: f64,
    cg2: f64,
    cg3: f64,
    phi1: f64,
    phi2: f64,
    phi3: f64,
    phi4: f64,
    phi5: f64,
    gjpit: f64,
    gwn: f64,
    phi1jp: f64,
    phi5jp: f64,
    tau1: f64,
    tau2: f64,
    sig1: f64,
    sig2: f64,
    sig3: f64,
}

const NCOL: usize = 37;

const fn row(r: [f64; NCOL]) -> Coeffs {
    Coeffs {
        period_s: r[0],
        c1: r[1],
        c1a: r[2],
        c1b: r[3],
        c1c: r[4],
        c1d: r[5],
        cn: r[6],
        cm: r[7],
        c3: r[8],
        c5: r[9],
        chm: r[10],
        c6: r[11],
        c7: r[12],
        c7b: r[13],
        c8: r[14],
        c8b: r[15],
        c9: r[16],
        c9a: r[17],
        c9b: r[18],
        c11b: r[19],
        cg1: r[20],
        cg2: r[21],
        cg3: r[22],
        phi1: r[23],
        phi2: r[24],
        phi3: r[25],
        phi4: r[26],
        phi5: r[27],
        gjpit: r[28],
        gwn: r[29],
        phi1jp: r[30],
        phi5jp: r[31],
        tau1: r[32],
        tau2: r[33],
        sig1: r[34],
        sig2: r[35],
        sig3: r[36],
    }
}

/// Coefficients of Chiou and Youngs (2014), Earthquake Spectra 30(3), Tables 1-5 (and the
/// electronic supplement's full coefficient table), as tabulated in OpenQuake hazardlib
/// chiou_youngs_2014.py (`ChiouYoungs2014.COEFFS`). The period-independent columns (c2, c4,
/// c4a, cRB, c8a, c11, phi6, phi6JP) are the constants above; sigma2,JP is not used.
///
/// Columns: T (s; 0 = PGA, -1 = PGV), c1, c1a, c1b, c1c, c1d, cn, cM, c3, c5, cHM, c6, c7,
/// c7b, c8, c8b, c9, c9a, c9b, c11b, cg1, cg2, cg3, phi1, phi2, phi3, phi4, phi5, gamma_JP-IT,
/// gamma_Wn, phi1,JP, phi5,JP, tau1, tau2, sigma1, sigma2, sigma3.
// sigma1 at 0.1 s (0.5236) happens to look like pi/6 to clippy; it is a published value.
#[allow(clippy::approx_constant)]
#[rustfmt::skip]
const TABLE: [[f64; NCOL]; 26] = [
    // pga
    [0.0, -1.5065, 0.165, -0.255, -0.165, 0.255, 16.0875, 4.9993, 1.9636, 6.4551, 3.0956, 0.4908, 0.0352, 0.0462, 0.0, 0.4833, 0.9228, 0.1202, 6.8607, -0.4536, -0.007146, -0.006758, 4.2542, -0.521, -0.1417, -0.00701, 0.102151, 0.0, 1.5817, 0.7594, -0.6846, 0.459, 0.4, 0.26, 0.4912, 0.3762, 0.8],
    // pgv
    [-1.0, 2.3549, 0.165, -0.0626, -0.165, 0.0626, 3.3024, 5.423, 2.3152, 5.8096, 3.0514, 0.4407, 0.0324, 0.0097, 0.2154, 5.0, 0.3079, 0.1, 6.5, -0.3834, -0.001852, -0.007403, 4.3439, -0.7936, -0.0699, -0.008444, 5.41, 0.0202, 2.2306, 0.335, -0.7966, 0.9488, 0.3894, 0.2578, 0.4785, 0.3629, 0.7504],
    // 0.01
    [0.01, -1.5065, 0.165, -0.255, -0.165, 0.255, 16.0875, 4.9993, 1.9636, 6.4551, 3.0956, 0.4908, 0.0352, 0.0462, 0.0, 0.4833, 0.9228, 0.1202, 6.8607, -0.4536, -0.007146, -0.006758, 4.2542, -0.521, -0.1417, -0.00701, 0.102151, 0.0, 1.5817, 0.7594, -0.6846, 0.459, 0.4, 0.26, 0.4912, 0.3762, 0.8],
    // 0.02
    [0.02, -1.4798, 0.165, -0.255, -0.165, 0.255, 15.7118, 4.9993, 1.9636, 6.4551, 3.0963, 0.4925, 0.0352, 0.0472, 0.0, 1.2144, 0.9296, 0.1217, 6.8697, -0.4536, -0.007249, -0.006758, 4.2386, -0.5055, -0.1364, -0.007279, 0.10836, 0.0, 1.574, 0.7606, -0.6681, 0.458, 0.4026, 0.2637, 0.4904, 0.3762, 0.8],
    // 0.03
    [0.03, -1.2972, 0.165, -0.255, -0.165, 0.255, 15.8819, 4.9993, 1.9636, 6.4551, 3.0974, 0.4992, 0.0352, 0.0533, 0.0, 1.6421, 0.9396, 0.1194, 6.9113, -0.4536, -0.007869, -0.006758, 4.2519, -0.4368, -0.1403, -0.007354, 0.119888, 0.0, 1.5544, 0.7642, -0.6314, 0.462, 0.4063, 0.2689, 0.4988, 0.3849, 0.8],
    // 0.04
    [0.04, -1.1007, 0.165, -0.255, -0.165, 0.255, 16.4556, 4.9993, 1.9636, 6.4551, 3.0988, 0.5037, 0.0352, 0.0596, 0.0, 1.9456, 0.9661, 0.1166, 7.0271, -0.4536, -0.008316, -0.006758, 4.296, -0.3752, -0.1591, -0.006977, 0.133641, 0.0, 1.5502, 0.7676, -0.5855, 0.453, 0.4095, 0.2736, 0.5049, 0.391, 0.8],
    // 0.05
    [0.05, -0.9292, 0.165, -0.255, -0.165, 0.255, 17.6453, 4.9993, 1.9636, 6.4551, 3.1011, 0.5048, 0.0352, 0.0639, 0.0, 2.181, 0.9794, 0.1176, 7.0959, -0.4536, -0.008743, -0.006758, 4.3578, -0.3469, -0.1862, -0.006467, 0.148927, 0.0, 1.5391, 0.7739, -0.5457, 0.436, 0.4124, 0.2777, 0.5096, 0.3957, 0.8],
    // 0.075
    [0.075, -0.658, 0.165, -0.254, -0.165, 0.254, 20.1772, 5.0031, 1.9636, 6.4551, 3.1094, 0.5048, 0.0352, 0.063, 0.0, 2.6087, 1.026, 0.1171, 7.3298, -0.4536, -0.009537, -0.00619, 4.5455, -0.3747, -0.2538, -0.005734, 0.190596, 0.0, 1.4804, 0.7956, -0.4685, 0.383, 0.4179, 0.2855, 0.5179, 0.4043, 0.8],
    // 0.1
    [0.1, -0.5613, 0.165, -0.253, -0.165, 0.253, 19.9992, 5.0172, 1.9636, 6.8305, 3.2381, 0.5048, 0.0352, 0.0532, 0.0, 2.9122, 1.0177, 0.1146, 7.2588, -0.4536, -0.00983, -0.005332, 4.7603, -0.444, -0.2943, -0.005604, 0.230662, 0.0, 1.4094, 0.7932, -0.4985, 0.375, 0.4219, 0.2913, 0.5236, 0.4104, 0.8],
    // 0.12
    [0.12, -0.5342, 0.165, -0.252, -0.165, 0.252, 18.7106, 5.0315, 1.9795, 7.1333, 3.3407, 0.5048, 0.0352, 0.0452, 0.0, 3.1045, 1.0008, 0.1128, 7.2372, -0.4536, -0.009913, -0.004732, 4.8963, -0.4895, -0.3077, -0.005696, 0.253169, 0.0, 1.3682, 0.7768, -0.5603, 0.377, 0.4244, 0.2949, 0.527, 0.4143, 0.8],
    // 0.15
    [0.15, -0.5462, 0.165, -0.25, -0.165, 0.25, 16.6246, 5.0547, 2.0362, 7.3621, 3.43, 0.5045, 0.0352, 0.0345, 0.0, 3.3399, 0.9801, 0.1106, 7.2109, -0.4536, -0.009896, -0.003806, 5.0644, -0.5477, -0.3113, -0.005845, 0.266468, 0.0, 1.3241, 0.7437, -0.6451, 0.379, 0.4275, 0.2993, 0.5308, 0.4191, 0.8],
    // 0.17
    [0.17, -0.5858, 0.165, -0.248, -0.165, 0.248, 15.3709, 5.0704, 2.0823, 7.4365, 3.4688, 0.5036, 0.0352, 0.0283, 0.0, 3.4719, 0.9652, 0.115, 7.2491, -0.4536, -0.009787, -0.00328, 5.1371, -0.5922, -0.3062, -0.005959, 0.26506, 0.0, 1.3071, 0.7219, -0.6981, 0.38, 0.4292, 0.3017, 0.5328, 0.4217, 0.8],
    // 0.2
    [0.2, -0.6798, 0.165, -0.2449, -0.165, 0.2449, 13.7012, 5.0939, 2.1521, 7.4972, 3.5146, 0.5016, 0.0352, 0.0202, 0.0, 3.6434, 0.9459, 0.1208, 7.2988, -0.444, -0.009505, -0.00269, 5.188, -0.6693, -0.2927, -0.006141, 0.255253, 0.0, 1.2931, 0.6922, -0.7653, 0.384, 0.4313, 0.3047, 0.5351, 0.4252, 0.8],
    // 0.25
    [0.25, -0.8663, 0.165, -0.2382, -0.165, 0.2382, 11.2667, 5.1315, 2.2574, 7.5416, 3.5746, 0.4971, 0.0352, 0.009, 0.0, 3.8787, 0.9196, 0.1208, 7.3691, -0.3539, -0.008918, -0.002128, 5.2164, -0.7766, -0.2662, -0.006439, 0.231541, 0.0, 1.315, 0.6579, -0.8469, 0.393, 0.4341, 0.3087, 0.5377, 0.4299, 0.7999],
    // 0.3
    [0.3, -1.0514, 0.165, -0.2313, -0.165, 0.2313, 9.1908, 5.167, 2.344, 7.56, 3.6232, 0.4919, 0.0352, -0.0004, 0.0, 4.0711, 0.8829, 0.1175, 6.8789, -0.2688, -0.008251, -0.001812, 5.1954, -0.8501, -0.2405, -0.006704, 0.207277, 0.001, 1.3514, 0.6362, -0.8999, 0.408, 0.4363, 0.3119, 0.5395, 0.4338, 0.7997],
    // 0.4
    [0.4, -1.3794, 0.165, -0.2146, -0.165, 0.2146, 6.5459, 5.2317, 2.4709, 7.5735, 3.6945, 0.4807, 0.0352, -0.0155, 0.0, 4.3745, 0.8302, 0.106, 6.5334, -0.1793, -0.007267, -0.001274, 5.0899, -0.9431, -0.1975, -0.007125, 0.165464, 0.004, 1.4051, 0.6049, -0.9618, 0.462, 0.4396, 0.3165, 0.5422, 0.4399, 0.7988],
    // 0.5
    [0.5, -1.6508, 0.165, -0.1972, -0.165, 0.1972, 5.2305, 5.2893, 2.5567, 7.5778, 3.7401, 0.4707, 0.0352, -0.0278, 0.0991, 4.6099, 0.7884, 0.1061, 6.526, -0.1428, -0.006492, -0.001074, 4.7854, -1.0044, -0.1633, -0.007435, 0.133828, 0.01, 1.4402, 0.5507, -0.9945, 0.524, 0.4419, 0.3199, 0.5433, 0.4446, 0.7966],
    // 0.75
    [0.75, -2.1511, 0.165, -0.162, -0.165, 0.162, 3.7896, 5.4109, 2.6812, 7.5808, 3.7941, 0.4575, 0.0352, -0.0477, 0.1982, 5.0376, 0.6754, 0.1, 6.5, -0.1138, -0.005147, -0.001115, 4.3304, -1.0602, -0.1028, -0.00812, 0.085153, 0.034, 1.528, 0.3582, -1.0225, 0.658, 0.4459, 0.3255, 0.5294, 0.4533, 0.7792],
    // 1
    [1.0, -2.5365, 0.165, -0.14, -0.165, 0.14, 3.3024, 5.5106, 2.7474, 7.5814, 3.8144, 0.4522, 0.0352, -0.0559, 0.2154, 5.3411, 0.6196, 0.1, 6.5, -0.1062, -0.004277, -0.001197, 4.1667, -1.0941, -0.0699, -0.008444, 0.058595, 0.067, 1.6523, 0.2003, -1.0002, 0.78, 0.4484, 0.3291, 0.5105, 0.4594, 0.7504],
    // 1.5
    [1.5, -3.0686, 0.165, -0.1184, -0.165, 0.1184, 2.8498, 5.6705, 2.8161, 7.5817, 3.8284, 0.4501, 0.0352, -0.063, 0.2154, 5.7688, 0.5101, 0.1, 6.5, -0.102, -0.002979, -0.001675, 4.0029, -1.1142, -0.0425, -0.007707, 0.031787, 0.143, 1.8872, 0.0356, -0.9245, 0.96, 0.4515, 0.3335, 0.4783, 0.468, 0.7136],
    // 2
    [2.0, -3.4148, 0.1645, -0.11, -0.1645, 0.11, 2.5417, 5.7981, 2.8514, 7.5818, 3.833, 0.45, 0.0352, -0.0665, 0.2154, 6.0723, 0.3917, 0.1, 6.5, -0.1009, -0.002301, -0.002349, 3.8949, -1.1154, -0.0302, -0.004792, 0.019716, 0.203, 2.1348, 0.0, -0.8626, 1.11, 0.4534, 0.3363, 0.4681, 0.4681, 0.7035],
    // 3
    [3.0, -3.9013, 0.1168, -0.104, -0.1168, 0.104, 2.1488, 5.9983, 2.8875, 7.5818, 3.8361, 0.45, 0.016, -0.0516, 0.2154, 6.5, 0.1244, 0.1, 6.5, -0.1003, -0.001344, -0.003306, 3.7928, -1.1081, -0.0129, -0.001828, 0.009643, 0.277, 3.5752, 0.0, -0.7882, 1.291, 0.4558, 0.3398, 0.4617, 0.4617, 0.7006],
    // 4
    [4.0, -4.2466, 0.0732, -0.102, -0.0732, 0.102, 1.8957, 6.1552, 2.9058, 7.5818, 3.8369, 0.45, 0.0062, -0.0448, 0.2154, 6.8035, 0.0086, 0.1, 6.5, -0.1001, -0.001084, -0.003566, 3.7443, -1.0603, -0.0016, -0.001523, 0.005379, 0.309, 3.8646, 0.0, -0.7195, 1.387, 0.4574, 0.3419, 0.4571, 0.4571, 0.7001],
    // 5
    [5.0, -4.5143, 0.0484, -0.101, -0.0484, 0.101, 1.7228, 6.2856, 2.9169, 7.5818, 3.8376, 0.45, 0.0029, -0.0424, 0.2154, 7.0389, 0.0, 0.1, 6.5, -0.1001, -0.00101, -0.00364, 3.709, -0.9872, 0.0, -0.00144, 0.003223, 0.321, 3.7292, 0.0, -0.656, 1.433, 0.4584, 0.3435, 0.4535, 0.4535, 0.7],
    // 7.5
    [7.5, -5.0009, 0.022, -0.101, -0.022, 0.101, 1.5737, 6.5428, 2.932, 7.5818, 3.838, 0.45, 0.0007, -0.0348, 0.2154, 7.4666, 0.0, 0.1, 6.5, -0.1, -0.000964, -0.003686, 3.6632, -0.8274, 0.0, -0.001369, 0.001134, 0.329, 2.3763, 0.0, -0.5202, 1.46, 0.4601, 0.3459, 0.4471, 0.4471, 0.7],
    // 10
    [10.0, -5.3461, 0.0124, -0.1, -0.0124, 0.1, 1.5265, 6.7415, 2.9396, 7.5818, 3.838, 0.45, 0.0003, -0.0253, 0.2154, 7.77, 0.0, 0.1, 6.5, -0.1, -0.00095, -0.0037, 3.623, -0.7053, 0.0, -0.001361, 0.000515, 0.33, 1.7679, 0.0, -0.4068, 1.464, 0.4612, 0.3474, 0.4426, 0.4426, 0.7],
];

const fn build_sa() -> [Coeffs; 24] {
    let mut out = [row(TABLE[2]); 24];
    let mut i = 0;
    while i < 24 {
        out[i] = row(TABLE[i + 2]);
        i += 1;
    }
    out
}

const PGA: Coeffs = row(TABLE[0]);
const PGV: Coeffs = row(TABLE[1]);
/// SA rows in increasing period, 0.01 s to 10 s.
const SA: [Coeffs; 24] = build_sa();

/// Tolerance for matching an SA period against the table, s.
const PERIOD_TOL_S: f64 = 1e-6;

fn coeffs_for(imt: Imt) -> Option<&'static Coeffs> {
    match imt {
        Imt::Pga => Some(&PGA),
        Imt::Pgv => Some(&PGV),
        Imt::Sa(t_s) => SA.iter().find(|c| (c.period_s - t_s).abs() <= PERIOD_TOL_S),
    }
}

/// Style-of-faulting flags (reverse, normal) from the rake, as in the paper and OpenQuake:
/// reverse for 30 <= rake <= 150, normal for -120 <= rake <= -60.
fn faulting_flags(rake_deg: f64) -> (bool, bool) {
    (
        (30.0..=150.0).contains(&rake_deg),
        (-120.0..=-60.0).contains(&rake_deg),
    )
}

/// Magnitude-dependent average Ztor (km) of the paper: reverse/reverse-oblique faulting,
/// and strike-slip/normal faulting.
fn mean_ztor_km(mag: f64, reverse: bool) -> f64 {
    let root = if reverse {
        2.704 - 1.226 * (mag - 5.849).max(0.0)
    } else {
        2.673 - 1.136 * (mag - 4.970).max(0.0)
    };
    let root = root.max(0.0);
    root * root
}

/// Vs30-dependent average Z1.0 in m from the paper (California/global and Japan relations).
fn mean_z1pt0_m(region: Cy14Region, vs30_mps: f64) -> f64 {
    match region {
        Cy14Region::Japan => {
            let v2 = vs30_mps * vs30_mps;
            let a2 = 412.39_f64 * 412.39;
            (-5.23 / 2.0 * ((v2 + a2) / (1360.0_f64 * 1360.0 + a2)).ln()).exp()
        }
        _ => {
            let v4 = vs30_mps.powi(4);
            let a4 = 570.94_f64.powi(4);
            (-7.15 / 4.0 * ((v4 + a4) / (1360.0_f64.powi(4) + a4)).ln()).exp()
        }
    }
}

/// Source-dependent quantities shared by every intensity measure of one rupture.
struct Source {
    mag: f64,
    reverse: bool,
    normal: bool,
    /// cosh(2 max(M - 4.5, 0)).
    cosh_m: f64,
    /// Ztor minus its magnitude-dependent average, km.
    dztor_km: f64,
    cos_dip: f64,
}

impl Source {
    fn new(rup: &RuptureParams) -> Self {
        let (reverse, normal) = faulting_flags(rup.rake_deg);
        Source {
            mag: rup.mag,
            reverse,
            normal,
            cosh_m: (2.0 * (rup.mag - 4.5).max(0.0)).cosh(),
            dztor_km: rup.ztor_km - mean_ztor_km(rup.mag, reverse),
            cos_dip: rup.dip_deg.to_radians().cos(),
        }
    }
}

/// ln of the median on the reference rock (Vs30 = 1130 m/s), eq. 11.
fn ln_y_ref(
    c: &Coeffs,
    region: Cy14Region,
    src: &Source,
    rup: &RuptureParams,
    dist: &Distances,
) -> f64 {
    let m = src.mag;
    let rrup = dist.rrup_km;

    // Magnitude scaling.
    let f_mag = C2 * (m - 6.0) + (C2 - c.c3) / c.cn * (c.cn * (c.cm - m)).exp().ln_1p();

    // Style of faulting, centred Ztor and dip.
    let mut f_src = 0.0;
    if src.reverse {
        f_src += c.c1a + c.c1c / src.cosh_m;
    }
    if src.normal {
        f_src += c.c1b + c.c1d / src.cosh_m;
    }
    f_src += (c.c7 + c.c7b / src.cosh_m) * src.dztor_km;
    f_src += (C11 + c.c11b / src.cosh_m) * src.cos_dip * src.cos_dip;

    // Near-source geometric spreading with magnitude-dependent finite-fault term.
    let f_geom = C4 * (rrup + c.c5 * (c.c6 * (m - c.chm).max(0.0)).cosh()).ln();
    // Far-field spreading change beyond cRB.
    let f_far = (C4A - C4) * (rrup * rrup + CRB_KM * CRB_KM).sqrt().ln();
    // Magnitude-dependent anelastic attenuation, with the regional factors.
    let gamma = c.cg1 + c.cg2 / (m - c.cg3).max(0.0).cosh();
    let region_factor = match region {
        Cy14Region::California => 1.0,
        Cy14Region::Japan | Cy14Region::Italy => {
            if m > 6.0 && m < 6.9 {
                c.gjpit
            } else {
                1.0
            }
        }
        Cy14Region::Wenchuan => c.gwn,
    };
    let f_anel = gamma * rrup * region_factor;

    // Hanging wall (F_HW = 1 for Rx >= 0).
    let f_hw = if dist.rx_km >= 0.0 {
        let f_dist =
            1.0 - (dist.rjb_km * dist.rjb_km + rup.ztor_km * rup.ztor_km).sqrt() / (rrup + 1.0);
        c.c9 * src.cos_dip * (c.c9a + (1.0 - c.c9a) * (dist.rx_km / c.c9b).tanh()) * f_dist
    } else {
        0.0
    };

    // The directivity term c8 ... delta_DPP is zero with the centred DPP at 0.
    c.c1 + f_mag + f_src + f_geom + f_far + f_anel + f_hw
}

/// Median (ln) and the NL0 site derivative plus the reference-rock motion for one IMT.
struct SiteResult {
    ln_median: f64,
    y_ref: f64,
    nl_scale: f64,
}

/// Site response, eq. 12: linear, nonlinear and sediment-depth terms.
fn with_site(c: &Coeffs, region: Cy14Region, ln_yref: f64, site: &SiteParams) -> SiteResult {
    let vs30 = site.vs30_mps;
    let y_ref = ln_yref.exp();
    let phi1 = if region == Cy14Region::Japan {
        c.phi1jp
    } else {
        c.phi1
    };
    let f_lin = phi1 * (vs30 / VS_REF_MPS).ln().min(0.0);
    let vs_cap = vs30.min(VS_REF_MPS);
    let nl_scale =
        c.phi2 * ((c.phi3 * (vs_cap - 360.0)).exp() - (c.phi3 * (VS_REF_MPS - 360.0)).exp());
    let f_nl = nl_scale * ((y_ref + c.phi4) / c.phi4).ln();
    // Sediment depth: unknown Z1.0 means the Vs30 average, i.e. a zero centred depth.
    let f_z1 = match site.z1pt0_m {
        Some(z1_m) if z1_m > 0.0 => {
            let dz1_m = z1_m - mean_z1pt0_m(region, vs30);
            if region == Cy14Region::Japan {
                c.phi5jp * (1.0 - (-dz1_m / PHI6_JP_M).exp())
            } else {
                c.phi5 * (1.0 - (-dz1_m / PHI6_M).exp())
            }
        }
        _ => 0.0,
    };
    SiteResult {
        ln_median: ln_yref + f_lin + f_nl + f_z1,
        y_ref,
        nl_scale,
    }
}

fn check_inputs(rup: &RuptureParams, dist: &Distances, site: &SiteParams) -> Result<(), GmpeError> {
    let bad = |field: &'static str, value: f64| GmpeError::OutOfRange {
        model: MODEL,
        field,
        value,
    };
    if !rup.mag.is_finite() {
        return Err(bad("mag", rup.mag));
    }
    if !(rup.rake_deg.is_finite() && rup.dip_deg.is_finite() && rup.ztor_km.is_finite()) {
        let (field, value) = if !rup.rake_deg.is_finite() {
            ("rake_deg", rup.rake_deg)
        } else if !rup.dip_deg.is_finite() {
            ("dip_deg", rup.dip_deg)
        } else {
            ("ztor_km", rup.ztor_km)
        };
        return Err(bad(field, value));
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
    Ok(())
}

impl super::Gmpe for Cy14 {
    /// NGA-West2: RotD50.
    fn component(&self) -> crate::component::Component {
        crate::component::Component::RotD50
    }

    fn name(&self) -> &'static str {
        MODEL
    }

    fn supports(&self, imt: Imt) -> bool {
        coeffs_for(imt).is_some()
    }

    fn ground_motion(
        &self,
        imt: Imt,
        rup: &RuptureParams,
        dist: &Distances,
        site: &SiteParams,
    ) -> Result<GroundMotion, GmpeError> {
        let c = coeffs_for(imt).ok_or(GmpeError::UnsupportedImt { model: MODEL, imt })?;
        check_inputs(rup, dist, site)?;
        let src = Source::new(rup);

        let ln_yref = ln_y_ref(c, self.region, &src, rup, dist);
        let res = with_site(c, self.region, ln_yref, site);
        let mut ln_median = res.ln_median;

        // PSA at T <= 0.3 s is not allowed below the PGA median (paper, p. 1144).
        // The tabulated period decides, so 0.3 s within the lookup tolerance is floored.
        if matches!(imt, Imt::Sa(_)) && c.period_s <= 0.3 {
            let ln_yref_pga = ln_y_ref(&PGA, self.region, &src, rup, dist);
            let pga = with_site(&PGA, self.region, ln_yref_pga, site);
            ln_median = ln_median.max(pga.ln_median);
        }

        // Standard deviations, eq. 13.
        let nl0 = res.nl_scale * res.y_ref / (res.y_ref + c.phi4);
        let m_clip = (src.mag - 5.0).clamp(0.0, 1.5);
        let tau0 = c.tau1 + (c.tau2 - c.tau1) / 1.5 * m_clip;
        let phi_m = c.sig1 + (c.sig2 - c.sig1) / 1.5 * m_clip;
        let vs30_var = if site.vs30_measured { 0.7 } else { c.sig3 };
        let one_nl = 1.0 + nl0;
        let phi = phi_m * (vs30_var + one_nl * one_nl).sqrt();
        let tau = (one_nl * tau0).abs();
        let sigma = (tau * tau + phi * phi).sqrt();

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
    use crate::gmpe::Gmpe;

    fn rup(mag: f64, rake_deg: f64, dip_deg: f64) -> RuptureParams {
        RuptureParams {
            mag,
            rake_deg,
            dip_deg,
            ztor_km: 2.0,
            width_km: 15.0,
            hypo_depth_km: 8.0,
        }
    }

    fn dist(rrup_km: f64, rjb_km: f64, rx_km: f64) -> Distances {
        Distances {
            rrup_km,
            rjb_km,
            rx_km,
            ry0_km: 0.0,
            rhypo_km: f64::NAN,
        }
    }

    fn site(vs30_mps: f64, z1pt0_m: Option<f64>) -> SiteParams {
        SiteParams {
            vs30_mps,
            vs30_measured: false,
            z1pt0_m,
            z2pt5_km: None,
        }
    }

    fn gm(
        model: &Cy14,
        imt: Imt,
        r: &RuptureParams,
        d: &Distances,
        s: &SiteParams,
    ) -> GroundMotion {
        model
            .ground_motion(imt, r, d, s)
            .expect("supported imt and valid inputs")
    }

    #[test]
    fn table_periods_are_increasing_and_complete() {
        assert_eq!(SA[0].period_s, 0.01);
        assert_eq!(SA[23].period_s, 10.0);
        assert!(SA.windows(2).all(|w| w[0].period_s < w[1].period_s));
        assert_eq!(PGA.period_s, 0.0);
        assert_eq!(PGV.period_s, -1.0);
    }

    #[test]
    fn unsupported_period_is_an_error() {
        let m = Cy14::default();
        assert!(!m.supports(Imt::Sa(0.33)));
        let err = m
            .ground_motion(
                Imt::Sa(0.33),
                &rup(6.0, 0.0, 90.0),
                &dist(10.0, 10.0, 10.0),
                &site(760.0, None),
            )
            .unwrap_err();
        assert!(matches!(
            err,
            GmpeError::UnsupportedImt { model: "CY14", .. }
        ));
        assert!(m.supports(Imt::Pga));
        assert!(m.supports(Imt::Pgv));
        assert!(m.supports(Imt::Sa(1.0 + 5e-7)));
        assert!(!m.supports(Imt::Sa(1.0 + 2e-6)));
    }

    #[test]
    fn invalid_inputs_are_rejected() {
        let m = Cy14::default();
        let r = rup(6.0, 0.0, 90.0);
        let d = dist(10.0, 10.0, 10.0);
        assert!(matches!(
            m.ground_motion(Imt::Pga, &r, &d, &site(0.0, None)),
            Err(GmpeError::OutOfRange {
                field: "vs30_mps",
                ..
            })
        ));
        assert!(matches!(
            m.ground_motion(Imt::Pga, &rup(f64::NAN, 0.0, 90.0), &d, &site(760.0, None)),
            Err(GmpeError::OutOfRange { field: "mag", .. })
        ));
        assert!(matches!(
            m.ground_motion(Imt::Pga, &r, &dist(-1.0, 0.0, 0.0), &site(760.0, None)),
            Err(GmpeError::OutOfRange {
                field: "rrup_km",
                ..
            })
        ));
    }

    #[test]
    fn median_decreases_with_distance() {
        let m = Cy14::default();
        let r = rup(7.0, 0.0, 90.0);
        let s = site(400.0, None);
        for imt in [Imt::Pga, Imt::Pgv, Imt::Sa(0.2), Imt::Sa(1.0), Imt::Sa(3.0)] {
            let mut last = f64::INFINITY;
            for r_km in [1.0, 5.0, 20.0, 50.0, 100.0, 200.0, 300.0] {
                let v = gm(&m, imt, &r, &dist(r_km, r_km, -r_km), &s).ln_median;
                assert!(v < last, "{imt:?} at {r_km} km: {v} >= {last}");
                last = v;
            }
        }
    }

    #[test]
    fn median_increases_with_magnitude() {
        let m = Cy14::default();
        let d = dist(30.0, 30.0, -30.0);
        let s = site(760.0, None);
        let mut last = f64::NEG_INFINITY;
        for mag in [4.0, 5.0, 6.0, 7.0, 8.0] {
            let v = gm(&m, Imt::Sa(1.0), &rup(mag, 0.0, 90.0), &d, &s).ln_median;
            assert!(v > last);
            last = v;
        }
    }

    #[test]
    fn short_period_psa_is_floored_at_pga() {
        // M3.5 on soft soil at Rrup = 0: the unfloored SA(0.02) is below PGA, so the floor applies
        // (the reference table shows the same effect for Ztor = 0).
        let m = Cy14::default();
        let r = rup(3.5, 90.0, 90.0);
        let d = dist(0.0, 0.0, 0.0);
        let s = site(180.0, Some(5.0));
        let pga = gm(&m, Imt::Pga, &r, &d, &s).ln_median;
        let c = coeffs_for(Imt::Sa(0.02)).expect("tabulated");
        let src = Source::new(&r);
        let raw = with_site(
            c,
            Cy14Region::California,
            ln_y_ref(c, Cy14Region::California, &src, &r, &d),
            &s,
        );
        assert!(raw.ln_median < pga);
        assert_eq!(gm(&m, Imt::Sa(0.02), &r, &d, &s).ln_median, pga);
        // Above 0.3 s no floor.
        let sa1 = gm(&m, Imt::Sa(1.0), &r, &d, &s).ln_median;
        assert!(sa1 < pga);
        // The floor follows the tabulated period, not the requested one.
        assert_eq!(gm(&m, Imt::Sa(0.02 + 5e-7), &r, &d, &s).ln_median, pga);
    }

    #[test]
    fn z1pt0_default_and_sediment_depth() {
        let m = Cy14::default();
        let r = rup(6.5, 0.0, 90.0);
        let d = dist(20.0, 20.0, -20.0);
        let vs30 = 400.0;
        let none = gm(&m, Imt::Sa(3.0), &r, &d, &site(vs30, None));
        let avg = gm(
            &m,
            Imt::Sa(3.0),
            &r,
            &d,
            &site(vs30, Some(mean_z1pt0_m(Cy14Region::California, vs30))),
        );
        assert!((none.ln_median - avg.ln_median).abs() < 1e-12);
        // Z1.0 = 0 switches the sediment term off.
        let zero = gm(&m, Imt::Sa(3.0), &r, &d, &site(vs30, Some(0.0)));
        assert_eq!(zero.ln_median, none.ln_median);
        // A deep basin amplifies long periods.
        let deep = gm(&m, Imt::Sa(3.0), &r, &d, &site(vs30, Some(1000.0)));
        assert!(deep.ln_median > none.ln_median + 0.1);
    }

    #[test]
    fn hanging_wall_amplifies_dipping_faults() {
        let m = Cy14::default();
        let r = RuptureParams {
            ztor_km: 0.0,
            ..rup(7.0, 90.0, 45.0)
        };
        let s = site(760.0, None);
        let hw = gm(&m, Imt::Pga, &r, &dist(10.0, 5.0, 15.0), &s).ln_median;
        let fw = gm(&m, Imt::Pga, &r, &dist(10.0, 5.0, -15.0), &s).ln_median;
        assert!(hw > fw);
    }

    #[test]
    fn sigma_components_are_consistent() {
        let m = Cy14::default();
        let r = rup(6.0, -90.0, 60.0);
        let d = dist(15.0, 12.0, 5.0);
        for vs30 in [180.0, 400.0, 1500.0] {
            let inferred = gm(&m, Imt::Sa(0.2), &r, &d, &site(vs30, None));
            assert!(
                (inferred.sigma.powi(2) - inferred.tau.powi(2) - inferred.phi.powi(2)).abs()
                    < 1e-12
            );
            let measured = SiteParams {
                vs30_measured: true,
                ..site(vs30, None)
            };
            let meas = gm(&m, Imt::Sa(0.2), &r, &d, &measured);
            // sigma3 = 0.8 > 0.7 at 0.2 s: measured Vs30 lowers phi.
            assert!(meas.phi < inferred.phi);
            assert_eq!(meas.tau, inferred.tau);
        }
        // On rock above the reference velocity there is no nonlinearity: tau = tau(M).
        let rock = gm(&m, Imt::Pga, &r, &d, &site(1500.0, None));
        assert!((rock.tau - (PGA.tau1 + (PGA.tau2 - PGA.tau1) / 1.5)).abs() < 1e-12);
    }

    #[test]
    fn regional_anelastic_factors() {
        let r = rup(7.9, 90.0, 45.0);
        let d = dist(150.0, 150.0, -150.0);
        let s = site(760.0, None);
        let cal = gm(&Cy14::default(), Imt::Sa(1.0), &r, &d, &s).ln_median;
        let wen = gm(&Cy14::new(Cy14Region::Wenchuan), Imt::Sa(1.0), &r, &d, &s).ln_median;
        // gamma_Wn = 0.2003 < 1 at 1 s: less anelastic decay than California.
        assert!(wen > cal);
        // Italy's factor applies only for 6 < M < 6.9.
        let ita = gm(&Cy14::new(Cy14Region::Italy), Imt::Sa(1.0), &r, &d, &s).ln_median;
        assert_eq!(ita, cal);
        let r65 = rup(6.5, 90.0, 45.0);
        let cal65 = gm(&Cy14::default(), Imt::Sa(1.0), &r65, &d, &s).ln_median;
        let ita65 = gm(&Cy14::new(Cy14Region::Italy), Imt::Sa(1.0), &r65, &d, &s).ln_median;
        // gamma_JP-IT = 1.6523 > 1 at 1 s: stronger decay.
        assert!(ita65 < cal65);
    }
}

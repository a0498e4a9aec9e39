//! USGS PAGER empirical loss models (Jaiswal & Wald 2010, Earthquake Spectra 26(4); Jaiswal &
//! Wald 2011 for economic losses; parameters from usgs/pager losspager/data/fatality.xml v2.2 and
//! economy.xml v1.3, as tabulated in science.md).
//!
//! - Fatality rate at intensity S: nu(S) = Phi(ln(S / theta) / beta).
//! - Expected deaths: E = sum over MMI bins S = 5..9 of nu(S) x people in bin S, with bin X
//!   folded into IX (as science.md specifies).
//! - Economic loss: sum over the same bins of people x GDP per capita x alpha x
//!   Phi(ln(S / theta_e) / beta_e).
//! - Uncertainty: the estimate is the median of a lognormal with log-sd G ("gnormvalue": the
//!   fatality G from fatality.xml for deaths, the economic G from economy.xml for losses);
//!   P(L in [a, b)) = Phi((ln b - ln E)/G) - Phi((ln a - ln E)/G). With several countries
//!   G = sqrt(sum G_i^2) over the countries with a loss of at least one (death or US$), or over
//!   all exposed countries when none has one, capped at 2.5 (PAGER's `getCombinedG`,
//!   losspager/models/emploss.py, which counts a country when `int(loss) > 0`).
//! - Physical limits: the distribution is censored at a cap (deaths: people exposed; losses: the
//!   exposed countries' GDP), so no quantile or band exceeds what can physically be lost.
//! - Alert levels. Deaths: green 0, yellow 1-99, orange 100-999, red >= 1000. Losses (US$):
//!   green < 1M, yellow < 100M, orange < 1B, red >= 1B.

use crate::lognormal::{phi, phi_inv};
use serde::{Deserialize, Serialize};

/// PAGER parameters for one country.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PagerParams {
    pub iso2: &'static str,
    pub fatality_theta: f64,
    pub fatality_beta: f64,
    /// Log-sd of the fatality estimate ("gnormvalue" in fatality.xml).
    pub fatality_g: f64,
    pub econ_theta: f64,
    pub econ_beta: f64,
    pub econ_alpha: f64,
    /// Log-sd of the economic loss estimate ("gnormvalue" in economy.xml).
    pub econ_g: f64,
    /// Where the values come from.
    pub source: &'static str,
}

#[allow(clippy::too_many_arguments)] // one argument per column of the published table
const fn p(
    iso2: &'static str,
    ft: f64,
    fb: f64,
    g: f64,
    et: f64,
    eb: f64,
    ea: f64,
    eg: f64,
    source: &'static str,
) -> PagerParams {
    PagerParams {
        iso2,
        fatality_theta: ft,
        fatality_beta: fb,
        fatality_g: g,
        econ_theta: et,
        econ_beta: eb,
        econ_alpha: ea,
        econ_g: eg,
        source,
    }
}

const SCI: &str = "usgs/pager fatality.xml v2.2 / economy.xml v1.3 (science.md table)";

/// Country parameters: usgs/pager fatality.xml v2.2 and economy.xml v1.3 (science.md table;
/// BY and MN read from the same files: fatality.xml at usgs/pager commit ab8be63, economy.xml
/// at commit 0f7107a). Columns: fatality theta, beta, G; economic theta, beta, alpha, G (the
/// economic G, "gnormvalue" of economy.xml, read for all 12 countries at commit 0f7107a). TJ, KG, KZ, UZ, RU and BY fatality values are group values, not
/// calibrated per country.
pub const PAGER_TABLE: [PagerParams; 12] = [
    p(
        "PK", 9.704905, 0.100000, 2.342961, 8.517250, 0.100000, 14.858200, 2.011920, SCI,
    ),
    p(
        "AF", 11.613073, 0.180683, 1.883609, 9.013810, 0.100000, 15.065400, 1.763800, SCI,
    ),
    p(
        "IN", 10.986839, 0.128601, 1.971188, 8.437910, 0.100000, 15.200200, 2.225850, SCI,
    ),
    p(
        "CN", 10.328811, 0.100058, 2.013134, 7.511120, 0.100328, 9.794960, 2.500000, SCI,
    ),
    p(
        "IR", 9.318099, 0.100001, 2.500000, 9.483180, 0.100000, 15.614500, 1.328670, SCI,
    ),
    p(
        "TJ", 20.476568, 0.280662, 1.462592, 8.712340, 0.100000, 15.614500, 1.752620, SCI,
    ),
    p(
        "KZ", 20.476568, 0.280662, 1.462592, 8.712340, 0.100000, 15.614500, 1.752620, SCI,
    ),
    p(
        "UZ", 20.476568, 0.280662, 1.462592, 8.712340, 0.100000, 15.614500, 1.752620, SCI,
    ),
    p(
        "KG", 20.476568, 0.280662, 1.462592, 9.025760, 0.130104, 15.614500, 2.455650, SCI,
    ),
    p(
        "RU", 24.800128, 0.310575, 1.687952, 8.223750, 0.104093, 21.860000, 1.848430, SCI,
    ),
    p(
        "BY", 24.800128, 0.310575, 1.687952, 8.223750, 0.104093, 19.934000, 1.848430, BYMN,
    ),
    p(
        "MN", 10.336322, 0.100007, 2.013090, 9.945520, 0.150000, 11.827600, 2.026670, BYMN,
    ),
];

const BYMN: &str =
    "usgs/pager fatality.xml v2.2 (ab8be63) / economy.xml v1.3 (0f7107a), group models";

/// Parameters for a country code; a code outside the table falls back to the Central Asian
/// group (TJ/KZ/UZ row), a documented regional fallback rather than a calibration.
pub fn params(iso2: &str) -> PagerParams {
    PAGER_TABLE
        .iter()
        .find(|p| p.iso2.eq_ignore_ascii_case(iso2))
        .copied()
        .unwrap_or_else(|| {
            let mut base = PAGER_TABLE[5];
            base.iso2 = "fallback";
            base.source = "regional fallback: Central Asian group (TJ/KZ/UZ row)";
            base
        })
}

/// Fatality rate at MMI `s`.
pub fn fatality_rate(p: &PagerParams, s: f64) -> f64 {
    phi((s / p.fatality_theta).ln() / p.fatality_beta)
}

/// Economic loss ratio at MMI `s`.
pub fn loss_ratio(p: &PagerParams, s: f64) -> f64 {
    phi((s / p.econ_theta).ln() / p.econ_beta)
}

/// PAGER MMI bin (1..=10) of a continuous MMI: nearest integer.
pub fn mmi_bin(mmi: f64) -> usize {
    (mmi.round() as i64).clamp(1, 10) as usize
}

/// The fatality rate PAGER applies to the people of MMI bin `bin` (1..=10): none below V,
/// and X at the rate of IX (the model's table stops at IX).
pub fn fatality_rate_in_bin(p: &PagerParams, bin: usize) -> f64 {
    if bin < 5 {
        0.0
    } else {
        fatality_rate(p, bin.min(9) as f64)
    }
}

/// Expected deaths from people per MMI bin (index 0 = MMI I ... 9 = MMI X).
pub fn expected_deaths(p: &PagerParams, people_by_mmi: &[f64; 10]) -> f64 {
    (5..=9)
        .map(|s| {
            let people = if s == 9 {
                people_by_mmi[8] + people_by_mmi[9]
            } else {
                people_by_mmi[s - 1]
            };
            fatality_rate_in_bin(p, s) * people
        })
        .sum()
}

/// Expected economic loss in US$.
pub fn expected_loss_usd(
    p: &PagerParams,
    gdp_per_capita_usd: f64,
    people_by_mmi: &[f64; 10],
) -> f64 {
    (5..=9)
        .map(|s| {
            let people = if s == 9 {
                people_by_mmi[8] + people_by_mmi[9]
            } else {
                people_by_mmi[s - 1]
            };
            people * gdp_per_capita_usd * p.econ_alpha * loss_ratio(p, s as f64)
        })
        .sum()
}

/// Combined log-sd over several countries: sqrt(sum G_i^2), capped at 2.5.
pub fn combined_g(gs: &[f64]) -> f64 {
    gs.iter().map(|g| g * g).sum::<f64>().sqrt().min(2.5)
}

/// PAGER's `getCombinedG` (losspager/models/emploss.py): the G of the countries whose loss is
/// at least one (PAGER keeps a country when `int(loss) > 0`), or of all the given countries
/// when none has a loss that large. `per_country` holds (loss, G) pairs.
pub fn combined_g_pager(per_country: &[(f64, f64)]) -> f64 {
    if per_country.is_empty() {
        return 0.0;
    }
    let with_loss: Vec<f64> = per_country
        .iter()
        .filter(|(loss, _)| loss.trunc() > 0.0)
        .map(|(_, g)| *g)
        .collect();
    if with_loss.is_empty() {
        combined_g(&per_country.iter().map(|(_, g)| *g).collect::<Vec<_>>())
    } else {
        combined_g(&with_loss)
    }
}

/// PAGER alert levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertLevel {
    Green,
    Yellow,
    Orange,
    Red,
}

impl AlertLevel {
    /// All levels, lowest first.
    pub const ALL: [AlertLevel; 4] = [
        AlertLevel::Green,
        AlertLevel::Yellow,
        AlertLevel::Orange,
        AlertLevel::Red,
    ];

    /// The level named by its lowercase spelling ([`AlertLevel::as_str`]).
    pub fn parse(s: &str) -> Option<AlertLevel> {
        AlertLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn for_deaths(d: f64) -> AlertLevel {
        if d >= 1000.0 {
            AlertLevel::Red
        } else if d >= 100.0 {
            AlertLevel::Orange
        } else if d >= 1.0 {
            AlertLevel::Yellow
        } else {
            AlertLevel::Green
        }
    }
    pub fn for_loss_usd(l: f64) -> AlertLevel {
        if l >= 1e9 {
            AlertLevel::Red
        } else if l >= 1e8 {
            AlertLevel::Orange
        } else if l >= 1e6 {
            AlertLevel::Yellow
        } else {
            AlertLevel::Green
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            AlertLevel::Green => "green",
            AlertLevel::Yellow => "yellow",
            AlertLevel::Orange => "orange",
            AlertLevel::Red => "red",
        }
    }
}

/// Band edges for deaths (PAGER's seven ranges) and for the alert levels.
pub const DEATH_BANDS: [f64; 8] = [0.0, 1.0, 10.0, 100.0, 1e3, 1e4, 1e5, f64::INFINITY];
pub const LOSS_BANDS_USD: [f64; 8] = [0.0, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, f64::INFINITY];

/// A loss distribution: a mixture of lognormals (one per shaking realisation, or one for the
/// median shaking) with common log-sd `g`.
#[derive(Debug, Clone, Serialize)]
pub struct LossDistribution {
    pub median: f64,
    pub p5: f64,
    pub p95: f64,
    /// Mean of the component estimates.
    pub mean_estimate: f64,
    pub g: f64,
    /// P(loss in each band of `band_edges`).
    pub band_edges: Vec<f64>,
    pub band_probabilities: Vec<f64>,
    /// P(each alert level): green, yellow, orange, red.
    pub alert_probabilities: [f64; 4],
    /// Physical limit the distribution is censored at (None: uncapped): P(loss >= cap) is put
    /// at the cap, so no quantile or band exceeds it.
    pub cap: Option<f64>,
    /// P(loss >= cap) before censoring (0 without a cap).
    pub p_at_cap: f64,
}

fn cdf(estimates: &[f64], g: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    estimates
        .iter()
        .map(|&e| {
            if e <= 0.0 {
                1.0
            } else if g <= 0.0 {
                if x >= e { 1.0 } else { 0.0 }
            } else {
                phi((x.ln() - e.ln()) / g)
            }
        })
        .sum::<f64>()
        / estimates.len() as f64
}

fn quantile(estimates: &[f64], g: f64, q: f64) -> f64 {
    let positive: Vec<f64> = estimates.iter().copied().filter(|e| *e > 0.0).collect();
    let zero_share = 1.0 - positive.len() as f64 / estimates.len().max(1) as f64;
    if q <= zero_share || positive.is_empty() {
        return 0.0;
    }
    if estimates.len() == 1 {
        return positive[0] * (g * phi_inv(q)).exp();
    }
    let (mut lo, mut hi) = (1e-6f64.ln(), 1e15f64.ln());
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cdf(estimates, g, mid.exp()) < q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

impl LossDistribution {
    /// The distribution of a mixture of lognormals centred on `estimates` with log-sd `g`,
    /// censored at `cap` when given.
    pub fn from_estimates(
        estimates: &[f64],
        g: f64,
        edges: &[f64],
        level_edges: [f64; 3],
        cap: Option<f64>,
    ) -> LossDistribution {
        let cap = cap.filter(|c| c.is_finite() && *c >= 0.0);
        // Censored distribution function: all the mass above the cap sits at the cap.
        let capped_cdf = |x: f64| match cap {
            Some(c) if x > c => 1.0,
            _ => cdf(estimates, g, x),
        };
        let band = |a: f64, b: f64| {
            let fb = if b.is_infinite() { 1.0 } else { capped_cdf(b) };
            let fa = if a <= 0.0 { 0.0 } else { capped_cdf(a) };
            (fb - fa).max(0.0)
        };
        let q = |p: f64| {
            let v = quantile(estimates, g, p);
            cap.map_or(v, |c| v.min(c))
        };
        let band_probabilities = edges.windows(2).map(|w| band(w[0], w[1])).collect();
        let l = level_edges;
        LossDistribution {
            median: q(0.5),
            p5: q(0.05),
            p95: q(0.95),
            mean_estimate: estimates.iter().sum::<f64>() / estimates.len().max(1) as f64,
            g,
            band_edges: edges.to_vec(),
            band_probabilities,
            alert_probabilities: [
                band(0.0, l[0]),
                band(l[0], l[1]),
                band(l[1], l[2]),
                band(l[2], f64::INFINITY),
            ],
            cap,
            p_at_cap: cap.map_or(0.0, |c| 1.0 - cdf(estimates, g, c)),
        }
    }

    /// Deaths, capped at the people exposed (`cap`).
    pub fn deaths(estimates: &[f64], g: f64, cap: Option<f64>) -> LossDistribution {
        Self::from_estimates(estimates, g, &DEATH_BANDS, [1.0, 100.0, 1000.0], cap)
    }

    /// Losses in US$, capped at the exposed countries' GDP (`cap`).
    pub fn losses_usd(estimates: &[f64], g: f64, cap: Option<f64>) -> LossDistribution {
        Self::from_estimates(estimates, g, &LOSS_BANDS_USD, [1e6, 1e8, 1e9], cap)
    }

    /// Band probabilities labelled as PAGER labels its ranges ("0-1", "1-10", ...,
    /// "100000+"), in `unit`s of the loss (1 for deaths, 1e6 for US$ millions).
    pub fn pager_bands(&self, unit: f64) -> Vec<(String, f64)> {
        self.band_edges
            .windows(2)
            .zip(&self.band_probabilities)
            .map(|(w, p)| {
                let label = if w[1].is_infinite() {
                    format!("{}+", w[0] / unit)
                } else {
                    format!("{}-{}", w[0] / unit, w[1] / unit)
                };
                (label, *p)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn india_test_vector_from_science_md() {
        let p = params("IN");
        assert!(
            (fatality_rate(&p, 8.0) - 6.81e-3).abs() < 0.02e-3,
            "{}",
            fatality_rate(&p, 8.0)
        );
        assert!(
            (fatality_rate(&p, 9.0) - 6.04e-2).abs() < 0.02e-2,
            "{}",
            fatality_rate(&p, 9.0)
        );
    }

    #[test]
    fn bin_ten_is_folded_into_nine() {
        let p = params("PK");
        let mut a = [0.0; 10];
        a[8] = 1000.0;
        let mut b = [0.0; 10];
        b[9] = 1000.0;
        assert_eq!(expected_deaths(&p, &a), expected_deaths(&p, &b));
    }

    #[test]
    fn alert_levels() {
        assert_eq!(AlertLevel::for_deaths(0.4), AlertLevel::Green);
        assert_eq!(AlertLevel::for_deaths(99.0), AlertLevel::Yellow);
        assert_eq!(AlertLevel::for_deaths(1000.0), AlertLevel::Red);
        assert_eq!(AlertLevel::for_loss_usd(5e8), AlertLevel::Orange);
        assert!(AlertLevel::Red > AlertLevel::Orange);
    }

    #[test]
    fn single_estimate_distribution_is_the_pager_lognormal() {
        let d = LossDistribution::deaths(&[500.0], 2.0, None);
        assert!((d.median - 500.0).abs() < 1e-6);
        assert!((d.p95 - 500.0 * (2.0f64 * 1.6448536).exp()).abs() / d.p95 < 1e-6);
        let total: f64 = d.band_probabilities.iter().sum();
        assert!((total - 1.0).abs() < 1e-9);
        let want = phi((1000f64.ln() - 500f64.ln()) / 2.0) - phi((100f64.ln() - 500f64.ln()) / 2.0);
        assert!((d.alert_probabilities[2] - want).abs() < 1e-12);
    }

    #[test]
    fn cap_censors_quantiles_and_bands() {
        // 40,000 people exposed, median 30,000 deaths, G 2.5: uncapped p95 is far above.
        let d = LossDistribution::deaths(&[30_000.0], 2.5, Some(40_000.0));
        assert!(d.p95 <= 40_000.0);
        assert!(d.p_at_cap > 0.4);
        let total: f64 = d.band_probabilities.iter().sum();
        assert!((total - 1.0).abs() < 1e-9);
        assert_eq!(d.band_probabilities[6], 0.0, "no mass above 100,000");
        let u = LossDistribution::deaths(&[30_000.0], 2.5, None);
        assert!(u.p95 > 1e6);
        let labels: Vec<String> = d.pager_bands(1.0).into_iter().map(|b| b.0).collect();
        assert_eq!(labels[0], "0-1");
        assert_eq!(labels[6], "100000+");
    }

    #[test]
    fn combined_g_counts_only_countries_with_a_loss() {
        // PK 2.342961 with deaths, IN 1.971188 with 0.4 deaths (int(0.4) = 0): PK alone.
        let g = combined_g_pager(&[(120.0, 2.342961), (0.4, 1.971188)]);
        assert!((g - 2.342961).abs() < 1e-12);
        // No country with a loss: all of them, capped.
        assert_eq!(combined_g_pager(&[(0.2, 2.342961), (0.4, 1.971188)]), 2.5);
        assert_eq!(combined_g_pager(&[]), 0.0);
        // The economic G is economy.xml's, not the fatality G.
        assert_eq!(params("PK").econ_g, 2.011920);
        assert_ne!(params("PK").econ_g, params("PK").fatality_g);
    }

    #[test]
    fn combined_g_is_capped() {
        assert!((combined_g(&[1.0]) - 1.0).abs() < 1e-12);
        assert_eq!(combined_g(&[2.34, 1.97]), 2.5);
    }
}

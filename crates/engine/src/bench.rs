//! Earthquake benchmarks (`forewarn bench quake`): ground-motion fields for many sites and
//! realisations, uncorrelated and with JB2009 correlation, and the whole Kashmir run.
//! Each case reports wall time and the process's peak resident memory (VmHWM); the CLI runs
//! each case in a fresh process so that peaks do not accumulate.

use crate::quake::IMTS;
use forewarn_core::LonLat;
use forewarn_quake::logic_tree::LogicTree;
use forewarn_quake::rupture::Rupture;
use forewarn_quake::shaking::{self, Correlation, GmfSettings, Site};
use serde::Serialize;
use std::time::Instant;

/// Peak resident set size of this process in MB (Linux /proc; 0 elsewhere).
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Result of one ground-motion-field case.
#[derive(Debug, Clone, Serialize)]
pub struct GmfBench {
    pub sites: usize,
    pub realizations: usize,
    pub imts: usize,
    pub correlation: Correlation,
    pub gmpe: String,
    pub median_s: f64,
    pub fields_s: f64,
    pub total_s: f64,
    pub peak_rss_mb: f64,
    pub values_per_s: f64,
    /// Mean of all simulated ln PGA values (a check that work was done).
    pub mean_ln_pga: f64,
}

/// `n` sites on a square lattice with 1 km spacing centred near the 2005 Kashmir epicentre.
pub fn lattice_sites(n: usize) -> Vec<Site> {
    let side = (n as f64).sqrt().ceil() as usize;
    let c = LonLat::new(73.63, 34.49);
    let dlat = 1.0 / 111.195;
    let dlon = dlat / c.lat.to_radians().cos();
    (0..n)
        .map(|k| {
            let (i, j) = ((k % side) as f64, (k / side) as f64);
            Site {
                lon: c.lon + (i - side as f64 / 2.0) * dlon,
                lat: c.lat + (j - side as f64 / 2.0) * dlat,
                vs30_mps: 300.0 + 200.0 * ((k * 7919) % 1000) as f64 / 1000.0,
            }
        })
        .collect()
}

/// Median shaking plus `realizations` fields for `n` sites and PGA, SA(0.3), SA(1.0).
pub fn gmf_case(
    n: usize,
    realizations: usize,
    correlation: Correlation,
    gmpe: &str,
) -> Result<GmfBench, crate::EngineError> {
    let rup = Rupture::from_hypocenter(LonLat::new(73.63, 34.49), 26.0, 7.6, 331.0, 29.0, 90.0)?;
    let tree = LogicTree::from_name(gmpe)?;
    let sites = lattice_sites(n);
    let t0 = Instant::now();
    let sh = shaking::median_shaking(&rup, &tree, &IMTS, &sites)?;
    let median_s = t0.elapsed().as_secs_f64();
    let settings = GmfSettings {
        realizations,
        correlation,
        truncation: 3.0,
        seed: 1,
    };
    let mut sum = 0.0f64;
    let t1 = Instant::now();
    shaking::simulate(&rup, &sites, &sh, &settings, |_, f| {
        sum += f[0].iter().map(|&v| v as f64).sum::<f64>();
    });
    let fields_s = t1.elapsed().as_secs_f64();
    let total_s = t0.elapsed().as_secs_f64();
    Ok(GmfBench {
        sites: n,
        realizations,
        imts: IMTS.len(),
        correlation,
        gmpe: gmpe.to_string(),
        median_s,
        fields_s,
        total_s,
        peak_rss_mb: peak_rss_mb(),
        values_per_s: (n * realizations * IMTS.len()) as f64 / fields_s.max(1e-9),
        mean_ln_pga: sum / (n * realizations.max(1)) as f64,
    })
}

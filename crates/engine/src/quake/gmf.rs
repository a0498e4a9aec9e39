//! gmf.csv: simulated ground-motion fields at the user's sites, every realisation and every
//! intensity measure, for comparison with OpenQuake's scenario calculator (its `gmf_data`).
//!
//! Format (one header line, then one row per realisation and site, realisation-major):
//!
//! ```text
//! site_id,lon,lat,realisation,pga_g,pgv_cms,sa0_3_g,sa1_0_g[,<extra IMTs>]
//! ```
//!
//! `site_id` is the row of the site in the sites file counted from 0 (as in sites.csv);
//! `realisation` counts from 0. Values are ground motions (g for PGA and SA, cm/s for PGV), not
//! logarithms, with 6 significant digits. The fields are drawn exactly as for the exposure
//! points ([`forewarn_quake::shaking::simulate`]): ln Y = ln median + tau eta + phi eps, eta
//! and eps truncated at `--truncation` sigma; eps spatially correlated with JB2009 (case 1;
//! PGV with the range of SA(1.0 s)); eta and eps correlated across IMTs (Baker & Jayaram 2008
//! between PGA and SA, Bradley 2012 with PGV) through one Cholesky factor. The random streams
//! are derived from `--seed` and [`GMF_SEED_STREAM`], so the file is byte-identical for the
//! same inputs and seed. For an event known only as a point, each realisation also draws one
//! rupture of the strike ensemble (docs/quake.md), as the exposure's realisations do, so the
//! fields hold the uncertainty of the unknown strike. IMTs the models do not provide (an SA period outside a model's table) have
//! no column; summary.json lists them under `gmf.imts_not_supported`.

use super::QuakeRun;
use crate::EngineError;
use forewarn_core::LonLat;
use forewarn_quake::rupture::Rupture;
use forewarn_quake::shaking::{self, GmfSettings, PointSourceCorrection, Shaking, Site};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// Stream id mixed into `--seed` for the user-site fields (different from the exposure
/// points' streams, which use the seed as it is).
pub const GMF_SEED_STREAM: u64 = 0x676d_662e_6373_7600;

/// Write gmf.csv for `run` into `path`; `Ok(false)` (nothing written) without user sites or
/// with 0 realisations.
pub fn write_gmf_csv(run: &QuakeRun, path: &Path) -> Result<bool, EngineError> {
    let Some(us) = &run.user_shaking else {
        return Ok(false);
    };
    if run.request.realizations == 0 || us.sites.is_empty() {
        return Ok(false);
    }
    let settings = GmfSettings {
        realizations: run.request.realizations,
        correlation: run.request.correlation,
        truncation: run.request.truncation,
        seed: run.request.seed,
    };
    write_gmf(
        path,
        &run.rupture,
        &us.sites,
        &us.shaking,
        us.point_source.as_deref(),
        &settings,
    )?;
    Ok(true)
}

/// Simulate `settings.realizations` fields of every IMT of `shaking` at `sites` and stream
/// them to gmf.csv at `path` (format in the module docs). `settings.seed` is the user seed;
/// the streams are derived from it and [`GMF_SEED_STREAM`]. With `point_source` (an event
/// known only as a point: the strike ensemble of `shaking`'s IMTs) each field draws one
/// rupture of the ensemble, and its values are that rupture's medians plus the residuals.
/// Returns the rows written.
pub fn write_gmf(
    path: &Path,
    rupture: &Rupture,
    sites: &[Site],
    shaking: &Shaking,
    point_source: Option<&PointSourceCorrection>,
    settings: &GmfSettings,
) -> Result<usize, EngineError> {
    let werr = |source: std::io::Error| EngineError::Write {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::create(path).map_err(werr)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut header = String::from("site_id,lon,lat,realisation");
    for imt in &shaking.imts {
        header.push(',');
        header.push_str(&imt.column_name());
    }
    header.push('\n');
    w.write_all(header.as_bytes()).map_err(werr)?;
    let settings = GmfSettings {
        seed: shaking::stream_seed(settings.seed, GMF_SEED_STREAM, 0),
        ..*settings
    };
    let weights: Vec<_> = point_source.map_or_else(Vec::new, |c| {
        sites
            .iter()
            .map(|s| c.site_weight(LonLat::new(s.lon, s.lat)))
            .collect()
    });
    let mut failed: Option<std::io::Error> = None;
    let mut rows = 0usize;
    let mut line = String::with_capacity(256);
    shaking::simulate(rupture, sites, shaking, &settings, |r, f| {
        if failed.is_some() {
            return;
        }
        // The drawn rupture's offset from the mean field (0 for a finite rupture).
        let member = point_source.map(|c| (c, super::drawn_member(c, settings.seed, r)));
        let to_member = |k: usize, i: usize| {
            member.map_or(0.0, |(c, m)| c.member(k, m, weights[i], 0.0).ln_offset)
        };
        for (i, s) in sites.iter().enumerate() {
            line.clear();
            let _ = write!(line, "{i},{},{},{r}", s.lon, s.lat);
            for (k, imt_values) in f.iter().enumerate() {
                let _ = write!(
                    line,
                    ",{:.5e}",
                    (imt_values[i] as f64 + to_member(k, i)).exp()
                );
            }
            line.push('\n');
            if let Err(e) = w.write_all(line.as_bytes()) {
                failed = Some(e);
                return;
            }
            rows += 1;
        }
    });
    if let Some(e) = failed {
        return Err(werr(e));
    }
    w.flush().map_err(werr)?;
    Ok(rows)
}

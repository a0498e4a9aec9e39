//! Median shaking and its uncertainty at many sites, and simulated ground-motion fields
//! (realisations) with between-event, within-event (spatially correlated) and inter-IMT
//! correlated residuals.
//!
//! ln Y(x) = ln median(x) + tau(x) eta + phi(x) eps(x), with eta ~ N(0,1) per event and IMT,
//! eps a unit-variance field, both truncated at `truncation` standard deviations.
//! Inter-IMT correlation (Baker & Jayaram 2008) enters through a Cholesky factor applied to
//! independent fields, one per IMT; with JB2009 each independent field has the spatial range of
//! its own IMT, so the first IMT's field has exactly the JB2009 correlation and the others
//! are mixtures (documented approximation). Fields are sampled on regular grids by circulant
//! embedding ([`crate::field`]) with spacing range/6 and assigned to sites by nearest node.

use crate::correlation::{cross_imt_cholesky, spatial_range_km};
use crate::field::CirculantSampler;
use crate::gmpe::{GmpeError, Imt, SiteParams};
use crate::logic_tree::LogicTree;
use crate::rupture::{DistanceCalculator, LocalFrame, Rupture};
use forewarn_core::LonLat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

/// A site: position and Vs30.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Site {
    pub lon: f64,
    pub lat: f64,
    pub vs30_mps: f64,
}

/// Median and standard deviations per IMT at every site (IMT-major arrays, f32).
pub struct Shaking {
    pub imts: Vec<Imt>,
    pub ln_median: Vec<Vec<f32>>,
    pub tau: Vec<Vec<f32>>,
    pub phi: Vec<Vec<f32>>,
    /// Rupture distance of each site, km (the intensity conversion's distance term).
    pub rrup_km: Vec<f32>,
}

impl Shaking {
    pub fn n_sites(&self) -> usize {
        self.ln_median.first().map_or(0, Vec::len)
    }
    pub fn sigma(&self, imt: usize, site: usize) -> f32 {
        (self.tau[imt][site].powi(2) + self.phi[imt][site].powi(2)).sqrt()
    }
}

/// One site's rupture distance (km) and [ln median, tau, phi] per IMT.
type SiteMedians = (f32, Vec<[f32; 3]>);

/// The ensemble correction of a point source's ln medians, per IMT and epicentral distance
/// (see [`crate::point_source`], "Ensemble correction").
pub struct PointSourceCorrection {
    repi_km: Vec<f64>,
    /// delta[imt][node], ln units.
    delta: Vec<Vec<f64>>,
    /// ln Y minus the ensemble's mean ln Y (the median the sites get, equivalent distances
    /// plus `delta`) for a site at relative azimuth sample `a` (the site's azimuth from the
    /// epicentre minus the strike, (a + 0.5) x 360 / strikes degrees) and hypocentre position
    /// `p`: offset[imt][node][a x positions + p], ln units (their mean over `a` and `p` is 0).
    offset: Vec<Vec<Vec<f32>>>,
    /// The rupture distance of the same samples, rrup_km[node][a x positions + p].
    rrup_km: Vec<Vec<f32>>,
    /// Strikes (and relative azimuth samples) and hypocentre positions of the ensemble.
    strikes: usize,
    positions: usize,
    /// A local frame around the epicentre, to place sites for [`Self::site_weight`].
    frame: LocalFrame,
}

/// One ensemble member at one site: its ln Y offset from the ensemble's mean ln Y (the
/// site's median) and its rupture distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemberAtSite {
    pub ln_offset: f64,
    pub rrup_km: f64,
}

/// Where a site falls in the tables: between which epicentral-distance nodes and which
/// relative-azimuth samples (computed once per site and reused for every member).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiteWeight {
    /// Lower distance node; `None` beyond the table (members equal the equivalent-distance
    /// median).
    lower: Option<usize>,
    t: f64,
    /// Azimuth sample below the site's azimuth for the strike 0 member, and the weight of the
    /// next one.
    az_lower: usize,
    az_t: f64,
}
impl PointSourceCorrection {
    /// `None` for a rupture that is not a point source.
    pub fn new(
        rup: &Rupture,
        tree: &LogicTree,
        imts: &[Imt],
    ) -> Result<Option<PointSourceCorrection>, GmpeError> {
        use crate::point_source::{ENSEMBLE_POSITIONS, ENSEMBLE_STRIKES, PointSource};
        let Some(ps) = &rup.point_source else {
            return Ok(None);
        };
        let rp = rup.gmpe_params();
        let rock = SiteParams {
            vs30_mps: 760.0,
            vs30_measured: false,
            z1pt0_m: None,
            z2pt5_km: None,
        };
        let table = ps.table();
        let planes = ps.planes(ENSEMBLE_POSITIONS);
        let repi_km = PointSource::repi_nodes();
        let h = rup.hypo_depth_km;
        let members = ENSEMBLE_STRIKES * ENSEMBLE_POSITIONS;
        // The members' distances per node (azimuth-major, as the sums below).
        let member_distances = |r: f64| -> Vec<crate::gmpe::Distances> {
            let rhypo = (r * r + h * h).sqrt();
            let mut out = Vec::with_capacity(members);
            for a in 0..ENSEMBLE_STRIKES {
                let az = ((a as f64 + 0.5) * 360.0 / ENSEMBLE_STRIKES as f64).to_radians();
                let (x, y) = (r * az.sin(), r * az.cos());
                for p in &planes {
                    let (rrup, rjb, rx, ry0) = p.distances(x, y);
                    out.push(crate::gmpe::Distances {
                        rrup_km: rrup,
                        rjb_km: rjb,
                        rx_km: rx,
                        ry0_km: ry0,
                        rhypo_km: rhypo,
                    });
                }
            }
            out
        };
        type NodeResult = (Vec<(f64, Vec<f32>)>, Vec<f32>);
        let per_node: Vec<Result<NodeResult, GmpeError>> = repi_km
            .par_iter()
            .map(|&r| {
                let (rjb, rrup) = table.at(r);
                let rhypo = (r * r + h * h).sqrt();
                let eq = crate::gmpe::Distances {
                    rrup_km: rrup,
                    rjb_km: rjb,
                    rx_km: 0.0,
                    ry0_km: 0.0,
                    rhypo_km: rhypo,
                };
                let ds = member_distances(r);
                let per_imt = imts
                    .iter()
                    .map(|&imt| {
                        let at_eq = tree.ground_motion(imt, &rp, &eq, &rock)?.ln_median;
                        let devs = ds
                            .iter()
                            .map(|d| Ok(tree.ground_motion(imt, &rp, d, &rock)?.ln_median - at_eq))
                            .collect::<Result<Vec<f64>, GmpeError>>()?;
                        let mean = devs.iter().sum::<f64>() / members as f64;
                        Ok((mean, devs.into_iter().map(|d| (d - mean) as f32).collect()))
                    })
                    .collect::<Result<Vec<_>, GmpeError>>()?;
                Ok((per_imt, ds.iter().map(|d| d.rrup_km as f32).collect()))
            })
            .collect();
        let mut delta = vec![Vec::with_capacity(repi_km.len()); imts.len()];
        let mut offset = vec![Vec::with_capacity(repi_km.len()); imts.len()];
        let mut rrup_km = Vec::with_capacity(repi_km.len());
        for node in per_node {
            let (per_imt, rrups) = node?;
            for (k, (d, devs)) in per_imt.into_iter().enumerate() {
                delta[k].push(d);
                offset[k].push(devs);
            }
            rrup_km.push(rrups);
        }
        Ok(Some(PointSourceCorrection {
            repi_km,
            delta,
            offset,
            rrup_km,
            strikes: ENSEMBLE_STRIKES,
            positions: ENSEMBLE_POSITIONS,
            frame: LocalFrame::new(rup.hypocenter),
        }))
    }

    /// Delta (ln units) of IMT `k` at epicentral distance `repi_km` (linear between nodes; 0
    /// beyond the last).
    pub fn at(&self, k: usize, repi_km: f64) -> f64 {
        let w = self.weight(repi_km, 0.0);
        let Some(i) = w.lower else {
            return 0.0;
        };
        let d = &self.delta[k];
        d[i] + w.t * (d[i + 1] - d[i])
    }

    /// Number of ensemble members: ruptures of `strikes` strikes (every 360 / strikes
    /// degrees from north) x `positions` hypocentre positions; member `m` has strike
    /// m / positions and position m % positions.
    pub fn members(&self) -> usize {
        self.strikes * self.positions
    }

    /// Where the site `at` falls in the tables, for [`Self::member`]: its epicentral distance
    /// (haversine, as [`DistanceCalculator`]'s) and its azimuth from the epicentre.
    pub fn site_weight(&self, at: LonLat) -> SiteWeight {
        let (x, y) = self.frame.to_xy(at);
        self.weight(
            at.distance_km(&self.frame.origin()),
            x.atan2(y).to_degrees(),
        )
    }

    /// [`Self::site_weight`] of a site at `repi_km` in direction `azimuth_deg` (clockwise
    /// from north).
    fn weight(&self, repi_km: f64, azimuth_deg: f64) -> SiteWeight {
        // Azimuth samples sit at (a + 0.5) x step; the strike 0 member sees the site at its
        // own azimuth.
        let step = 360.0 / self.strikes as f64;
        let u = if azimuth_deg.is_finite() {
            (azimuth_deg.rem_euclid(360.0) / step - 0.5).rem_euclid(self.strikes as f64)
        } else {
            0.0
        };
        let az_lower = (u.floor() as usize).min(self.strikes - 1);
        let az_t = (u - u.floor()).clamp(0.0, 1.0);
        let r = &self.repi_km;
        let last = r.len().saturating_sub(1);
        if r.len() < 2 || !repi_km.is_finite() || repi_km >= r[last] {
            return SiteWeight {
                lower: None,
                t: 0.0,
                az_lower,
                az_t,
            };
        }
        let i = r.partition_point(|&x| x <= repi_km).clamp(1, last);
        SiteWeight {
            lower: Some(i - 1),
            t: ((repi_km - r[i - 1]) / (r[i] - r[i - 1])).clamp(0.0, 1.0),
            az_lower,
            az_t,
        }
    }

    /// Member `m` (a rupture with its own strike and hypocentre position) of IMT `k` at a
    /// site that gave `w`, bilinear in epicentral distance and relative azimuth;
    /// `rrup_eq_km` is the site's equivalent rupture distance, used beyond the table.
    pub fn member(&self, k: usize, m: usize, w: SiteWeight, rrup_eq_km: f64) -> MemberAtSite {
        let Some(i) = w.lower else {
            return MemberAtSite {
                ln_offset: 0.0,
                rrup_km: rrup_eq_km,
            };
        };
        let (strike, pos) = (m / self.positions, m % self.positions);
        // The site's azimuth relative to this member's strike: `strike` samples back.
        let a0 = (w.az_lower + self.strikes - strike % self.strikes) % self.strikes;
        let a1 = (a0 + 1) % self.strikes;
        let (c0, c1) = (a0 * self.positions + pos, a1 * self.positions + pos);
        let bilinear = |v: &[Vec<f32>]| {
            let at = |n: usize| {
                let (x0, x1) = (f64::from(v[n][c0]), f64::from(v[n][c1]));
                x0 + w.az_t * (x1 - x0)
            };
            let (y0, y1) = (at(i), at(i + 1));
            y0 + w.t * (y1 - y0)
        };
        MemberAtSite {
            ln_offset: bilinear(&self.offset[k]),
            rrup_km: bilinear(&self.rrup_km),
        }
    }
}

/// Median shaking at `sites` (parallel over sites, deterministic); point sources get their
/// ensemble correction (computed here; see [`median_shaking_with`] to compute it once).
pub fn median_shaking(
    rup: &Rupture,
    tree: &LogicTree,
    imts: &[Imt],
    sites: &[Site],
) -> Result<Shaking, GmpeError> {
    let corr = PointSourceCorrection::new(rup, tree, imts)?;
    median_shaking_with(rup, tree, imts, sites, corr.as_ref())
}

/// [`median_shaking`] with a point source's correction computed beforehand for the same
/// `imts` (`None` for finite ruptures).
pub fn median_shaking_with(
    rup: &Rupture,
    tree: &LogicTree,
    imts: &[Imt],
    sites: &[Site],
    corr: Option<&PointSourceCorrection>,
) -> Result<Shaking, GmpeError> {
    let dc = DistanceCalculator::new(rup);
    let rp = rup.gmpe_params();
    let n_imt = imts.len();
    let per_site: Vec<Result<SiteMedians, GmpeError>> = sites
        .par_iter()
        .map(|s| {
            let sd = dc.at(LonLat::new(s.lon, s.lat));
            let d = sd.gmpe();
            let rrup = d.rrup_km as f32;
            let sp = SiteParams {
                vs30_mps: s.vs30_mps,
                vs30_measured: false,
                z1pt0_m: None,
                z2pt5_km: None,
            };
            let v = imts
                .iter()
                .enumerate()
                .map(|(k, &imt)| {
                    let gm = tree.ground_motion(imt, &rp, &d, &sp)?;
                    let delta = corr.map_or(0.0, |c| c.at(k, sd.repi_km));
                    Ok([(gm.ln_median + delta) as f32, gm.tau as f32, gm.phi as f32])
                })
                .collect::<Result<Vec<_>, GmpeError>>()?;
            Ok((rrup, v))
        })
        .collect();
    let mut out = Shaking {
        imts: imts.to_vec(),
        ln_median: vec![Vec::with_capacity(sites.len()); n_imt],
        tau: vec![Vec::with_capacity(sites.len()); n_imt],
        phi: vec![Vec::with_capacity(sites.len()); n_imt],
        rrup_km: Vec::with_capacity(sites.len()),
    };
    for r in per_site {
        let (rrup, v) = r?;
        out.rrup_km.push(rrup);
        for (k, v) in v.into_iter().enumerate() {
            out.ln_median[k].push(v[0]);
            out.tau[k].push(v[1]);
            out.phi[k].push(v[2]);
        }
    }
    Ok(out)
}

/// Spatial correlation model for within-event residuals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Correlation {
    None,
    /// Jayaram & Baker (2009), case 1 (no Vs30 clustering).
    Jb2009,
}

/// Settings for simulated fields.
#[derive(Debug, Clone, Copy)]
pub struct GmfSettings {
    pub realizations: usize,
    pub correlation: Correlation,
    pub truncation: f64,
    pub seed: u64,
}

/// A deterministic seed for one stream (realisation, IMT, purpose) derived from the user seed
/// (SplitMix64 finaliser).
pub fn stream_seed(seed: u64, a: u64, b: u64) -> u64 {
    let mut z =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn truncated_normal(rng: &mut ChaCha8Rng, trunc: f64) -> f64 {
    loop {
        let x: f64 = StandardNormal.sample(rng);
        if trunc <= 0.0 || x.abs() <= trunc {
            return x;
        }
    }
}

/// One regular grid per IMT for correlated fields, and each site's nearest node.
struct FieldGrid {
    sampler: CirculantSampler,
    node_of_site: Vec<u32>,
}

fn field_grid(frame: &LocalFrame, sites: &[Site], range_km: f64) -> FieldGrid {
    let xy: Vec<(f64, f64)> = sites
        .iter()
        .map(|s| frame.to_xy(LonLat::new(s.lon, s.lat)))
        .collect();
    let (mut x0, mut y0, mut x1, mut y1) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for &(x, y) in &xy {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let h = range_km / 6.0;
    let nx = (((x1 - x0) / h).floor() as usize + 1).max(1);
    let ny = (((y1 - y0) / h).floor() as usize + 1).max(1);
    let node_of_site = xy
        .iter()
        .map(|&(x, y)| {
            let i = (((x - x0) / h).round() as usize).min(nx - 1);
            let j = (((y - y0) / h).round() as usize).min(ny - 1);
            (j * nx + i) as u32
        })
        .collect();
    FieldGrid {
        sampler: CirculantSampler::new(nx, ny, h, h, range_km),
        node_of_site,
    }
}

/// Fill `buf` with a truncated standard-normal field value per site for IMT-stream `k`.
fn within_event_fields(
    grids: Option<&[FieldGrid]>,
    n_imt: usize,
    n_sites: usize,
    s: &GmfSettings,
    r: usize,
) -> Vec<Vec<f32>> {
    (0..n_imt)
        .into_par_iter()
        .map(|k| {
            let mut rng = ChaCha8Rng::seed_from_u64(stream_seed(s.seed, r as u64, 1 + k as u64));
            match grids {
                None => (0..n_sites)
                    .map(|_| truncated_normal(&mut rng, s.truncation) as f32)
                    .collect(),
                Some(g) => {
                    let (field, _) = g[k].sampler.sample_pair(&mut rng);
                    let t = s.truncation as f32;
                    g[k].node_of_site
                        .iter()
                        .map(|&n| {
                            let v = field[n as usize];
                            if t > 0.0 { v.clamp(-t, t) } else { v }
                        })
                        .collect()
                }
            }
        })
        .collect()
}

/// Simulate `settings.realizations` ground-motion fields and hand each to `on_field` as
/// ln values per IMT per site. Memory stays O(sites x IMTs) whatever the number of
/// realisations. Deterministic for a given seed (and independent of thread count).
pub fn simulate(
    rup: &Rupture,
    sites: &[Site],
    shaking: &Shaking,
    settings: &GmfSettings,
    mut on_field: impl FnMut(usize, &[Vec<f32>]),
) {
    let n_imt = shaking.imts.len();
    let n = shaking.n_sites();
    let chol = cross_imt_cholesky(&shaking.imts).unwrap_or_else(|| {
        let mut id = vec![0.0; n_imt * n_imt];
        for i in 0..n_imt {
            id[i * n_imt + i] = 1.0;
        }
        id
    });
    let frame = LocalFrame::new(rup.hypocenter);
    let grids: Option<Vec<FieldGrid>> = match settings.correlation {
        Correlation::None => None,
        Correlation::Jb2009 => Some(
            shaking
                .imts
                .par_iter()
                .map(|imt| field_grid(&frame, sites, spatial_range_km(*imt)))
                .collect(),
        ),
    };
    let mut out: Vec<Vec<f32>> = vec![vec![0.0; n]; n_imt];
    for r in 0..settings.realizations {
        let z = within_event_fields(grids.as_deref(), n_imt, n, settings, r);
        // Between-event terms, correlated across IMTs with the same Cholesky factor.
        let mut rng = ChaCha8Rng::seed_from_u64(stream_seed(settings.seed, r as u64, 0));
        let eta_ind: Vec<f64> = (0..n_imt)
            .map(|_| truncated_normal(&mut rng, settings.truncation))
            .collect();
        let eta: Vec<f64> = (0..n_imt)
            .map(|i| (0..=i).map(|j| chol[i * n_imt + j] * eta_ind[j]).sum())
            .collect();
        out.par_iter_mut().enumerate().for_each(|(i, o)| {
            let row = &chol[i * n_imt..(i + 1) * n_imt];
            let (mu, tau, phi) = (&shaking.ln_median[i], &shaking.tau[i], &shaking.phi[i]);
            let eta_i = eta[i] as f32;
            for s in 0..n {
                let mut e = 0.0f32;
                for j in 0..=i {
                    e += row[j] as f32 * z[j][s];
                }
                o[s] = mu[s] + tau[s] * eta_i + phi[s] * e;
            }
        });
        on_field(r, &out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(n: usize) -> (Rupture, Vec<Site>) {
        let rup = Rupture::from_hypocenter(LonLat::new(73.6, 34.5), 15.0, 7.0, 320.0, 30.0, 90.0)
            .unwrap();
        let sites = (0..n)
            .map(|i| Site {
                lon: 73.0 + (i % 50) as f64 * 0.02,
                lat: 34.0 + (i / 50) as f64 * 0.02,
                vs30_mps: 400.0,
            })
            .collect();
        (rup, sites)
    }

    #[test]
    fn each_ensemble_member_is_the_rupture_with_its_own_strike() {
        // A point source's member of strike 20 b with the hypocentre mid-length is the finite
        // rupture of that strike centred on the hypocentre: at sites on the tables' azimuth
        // samples and distance nodes the member's ln Y equals the finite rupture's (the
        // members are real ruptures, not rings of one relative geometry).
        use crate::point_source::{ENSEMBLE_POSITIONS, ENSEMBLE_STRIKES};
        let hypo = LonLat::new(73.6, 34.5);
        let (depth_km, mag, dip_deg, rake_deg) = (12.0, 7.4, 40.0, 90.0);
        let point =
            Rupture::point_source(hypo, depth_km, mag, Some(rake_deg), Some(dip_deg)).unwrap();
        let tree = LogicTree::from_name("bssa14").unwrap();
        let imts = [Imt::Pgv];
        let corr = PointSourceCorrection::new(&point, &tree, &imts)
            .unwrap()
            .unwrap();
        assert_eq!(corr.members(), ENSEMBLE_STRIKES * ENSEMBLE_POSITIONS);
        let step = 360.0 / ENSEMBLE_STRIKES as f64;
        let frame = LocalFrame::new(hypo);
        let repi = crate::point_source::PointSource::repi_nodes();
        for b in [0usize, 4, 9, 13] {
            let strike_deg = b as f64 * step;
            let finite =
                Rupture::from_hypocenter(hypo, depth_km, mag, strike_deg, dip_deg, rake_deg)
                    .unwrap();
            let m = b * ENSEMBLE_POSITIONS + ENSEMBLE_POSITIONS / 2;
            for a in [0usize, 3, 8, 12, 17] {
                for &r in [repi[40], repi[55], repi[62]].iter() {
                    let az_deg = strike_deg + (a as f64 + 0.5) * step;
                    let (x, y) = (r * az_deg.to_radians().sin(), r * az_deg.to_radians().cos());
                    let at = frame.to_lonlat(x, y);
                    let site = [Site {
                        lon: at.lon,
                        lat: at.lat,
                        vs30_mps: 760.0,
                    }];
                    let mean = median_shaking_with(&point, &tree, &imts, &site, Some(&corr))
                        .unwrap()
                        .ln_median[0][0] as f64;
                    let want = median_shaking(&finite, &tree, &imts, &site)
                        .unwrap()
                        .ln_median[0][0] as f64;
                    let w = corr.site_weight(at);
                    let got = mean + corr.member(0, m, w, 0.0).ln_offset;
                    assert!(
                        (got - want).abs() < 0.03,
                        "strike {strike_deg}, azimuth {az_deg}, repi {r:.1}: member {got:.3}, \
                         finite rupture {want:.3}"
                    );
                }
            }
        }
    }

    #[test]
    fn realisations_are_deterministic_and_centred_on_the_median() {
        let (rup, sites) = setup(500);
        let tree = LogicTree::from_name("bssa14").unwrap();
        let imts = [Imt::Pga, Imt::Sa(0.3), Imt::Sa(1.0)];
        let sh = median_shaking(&rup, &tree, &imts, &sites).unwrap();
        for corr in [Correlation::None, Correlation::Jb2009] {
            let s = GmfSettings {
                realizations: 200,
                correlation: corr,
                truncation: 3.0,
                seed: 7,
            };
            let mut sum = vec![0.0f64; sites.len()];
            let mut first: Option<Vec<f32>> = None;
            simulate(&rup, &sites, &sh, &s, |r, f| {
                if r == 0 {
                    first = Some(f[0].clone());
                }
                for (a, b) in sum.iter_mut().zip(&f[0]) {
                    *a += *b as f64;
                }
            });
            let mut again: Option<Vec<f32>> = None;
            let s1 = GmfSettings {
                realizations: 1,
                ..s
            };
            simulate(&rup, &sites, &sh, &s1, |_, f| again = Some(f[0].clone()));
            assert_eq!(first, again, "{corr:?} not deterministic");
            // Mean of ln PGA over realisations is close to the ln median (sigma ~0.7, 200 draws:
            // the between-event term dominates, standard error ~0.05).
            let dev: f64 = sum
                .iter()
                .zip(&sh.ln_median[0])
                .map(|(s, m)| s / 200.0 - *m as f64)
                .sum::<f64>()
                / sites.len() as f64;
            assert!(dev.abs() < 0.15, "{corr:?}: mean deviation {dev}");
        }
    }
}

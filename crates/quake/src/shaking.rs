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
    /// Each ensemble member's ln Y minus ln Y at the equivalent distances,
    /// member_dev[imt][node][member], ln units (their mean is `delta`).
    member_dev: Vec<Vec<Vec<f32>>>,
    /// Each ensemble member's rupture distance, member_rrup_km[node][member].
    member_rrup_km: Vec<Vec<f32>>,
}

/// One ensemble member at one site: its ln Y offset from the equivalent-distance median and
/// its rupture distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemberAtSite {
    pub ln_offset: f64,
    pub rrup_km: f64,
}

/// Where an epicentral distance falls among the table's nodes (computed once per site and
/// reused for every member).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodeWeight {
    /// Lower node; `None` beyond the table (members equal the equivalent-distance median).
    lower: Option<usize>,
    t: f64,
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
                        Ok((mean, devs.into_iter().map(|d| d as f32).collect()))
                    })
                    .collect::<Result<Vec<_>, GmpeError>>()?;
                Ok((per_imt, ds.iter().map(|d| d.rrup_km as f32).collect()))
            })
            .collect();
        let mut delta = vec![Vec::with_capacity(repi_km.len()); imts.len()];
        let mut member_dev = vec![Vec::with_capacity(repi_km.len()); imts.len()];
        let mut member_rrup_km = Vec::with_capacity(repi_km.len());
        for node in per_node {
            let (per_imt, rrups) = node?;
            for (k, (d, devs)) in per_imt.into_iter().enumerate() {
                delta[k].push(d);
                member_dev[k].push(devs);
            }
            member_rrup_km.push(rrups);
        }
        Ok(Some(PointSourceCorrection {
            repi_km,
            delta,
            member_dev,
            member_rrup_km,
        }))
    }

    /// Delta (ln units) of IMT `k` at epicentral distance `repi_km` (linear between nodes; 0
    /// beyond the last).
    pub fn at(&self, k: usize, repi_km: f64) -> f64 {
        self.delta_at(k, self.node_weight(repi_km))
    }

    /// Delta (ln units) of IMT `k` at a site whose epicentral distance gave `w`.
    pub fn delta_at(&self, k: usize, w: NodeWeight) -> f64 {
        let Some(i) = w.lower else {
            return 0.0;
        };
        let d = &self.delta[k];
        d[i] + w.t * (d[i + 1] - d[i])
    }

    /// Number of ensemble members (strikes x hypocentre positions).
    pub fn members(&self) -> usize {
        self.member_rrup_km.first().map_or(0, Vec::len)
    }

    /// Where `repi_km` falls among the nodes, for [`Self::member`].
    pub fn node_weight(&self, repi_km: f64) -> NodeWeight {
        let r = &self.repi_km;
        let last = r.len().saturating_sub(1);
        if r.is_empty() || !repi_km.is_finite() || repi_km >= r[last] {
            return NodeWeight {
                lower: None,
                t: 0.0,
            };
        }
        let i = r.partition_point(|&x| x <= repi_km).clamp(1, last);
        NodeWeight {
            lower: Some(i - 1),
            t: ((repi_km - r[i - 1]) / (r[i] - r[i - 1])).clamp(0.0, 1.0),
        }
    }

    /// Member `m` of IMT `k` at a site whose epicentral distance gave `w`; `rrup_eq_km` is
    /// the site's equivalent rupture distance, used beyond the table.
    pub fn member(&self, k: usize, m: usize, w: NodeWeight, rrup_eq_km: f64) -> MemberAtSite {
        let Some(i) = w.lower else {
            return MemberAtSite {
                ln_offset: 0.0,
                rrup_km: rrup_eq_km,
            };
        };
        let lerp = |a: f32, b: f32| a as f64 + w.t * (b as f64 - a as f64);
        let d = &self.member_dev[k];
        MemberAtSite {
            ln_offset: lerp(d[i][m], d[i + 1][m]),
            rrup_km: lerp(self.member_rrup_km[i][m], self.member_rrup_km[i + 1][m]),
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

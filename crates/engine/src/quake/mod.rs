//! The earthquake pipeline: rupture -> shaking (median and simulated fields) -> exposure by
//! intensity -> PAGER losses and alert level -> output files.

pub mod alert;
mod gmf;
mod outputs;

pub use gmf::{GMF_SEED_STREAM, write_gmf, write_gmf_csv};
pub use outputs::{contours_geojson, exposure_csv, mmi_color, summary_json, write_outputs};

use crate::limits;
use crate::sites_csv::UserSite;
use crate::{Cancel, EngineError, Progress};
use forewarn_core::{BBox, Grid, GridSpec, LonLat, Region};
use forewarn_exposure::{EventYear, Exposure, PopPoint};
use forewarn_impact::pager::{self, AlertLevel, LossDistribution};
use forewarn_quake::gmice;
use forewarn_quake::gmpe::{Imt, SiteParams};
use forewarn_quake::logic_tree::LogicTree;
use forewarn_quake::regime;
use forewarn_quake::rupture::Rupture;
use forewarn_quake::shaking::{self, Correlation, GmfSettings, Shaking, Site};
use forewarn_quake::site::{self, Vs30Source};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Intensity measures computed for every site (those the ground-motion models provide): PGA,
/// PGV, SA(0.3 s), SA(1.0 s). MMI comes from the first of PGV, PGA, SA(1.0) the models
/// provide, as in ShakeMap 4 ([`forewarn_quake::gmice`]).
pub const IMTS: [Imt; 4] = [Imt::Pga, Imt::Pgv, Imt::Sa(0.3), Imt::Sa(1.0)];

/// Where the rupture comes from.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuakeSource {
    Hypocenter {
        lon: f64,
        lat: f64,
        depth_km: f64,
        mag: f64,
        strike_deg: Option<f64>,
        dip_deg: Option<f64>,
        rake_deg: Option<f64>,
    },
    NrmlRupture {
        path: String,
    },
    UsgsEvent {
        path: String,
    },
}

/// What to run.
#[derive(Debug, Clone, Serialize)]
pub struct QuakeRequest {
    pub source: QuakeSource,
    pub gmpe: String,
    /// Output grid spacing in km; `None` chooses from the footprint size.
    pub spacing_km: Option<f64>,
    pub realizations: usize,
    pub correlation: Correlation,
    pub truncation: f64,
    pub seed: u64,
    #[serde(skip)]
    pub sites: Vec<UserSite>,
    /// Intensity measures asked for besides [`IMTS`] (`--imt`), at the user sites.
    pub extra_imts: Vec<Imt>,
    /// Vs30 raster (m/s, EPSG:4326) overriding slope-based values where it has data.
    #[serde(skip)]
    pub vs30_grid: Option<Arc<Grid<f32>>>,
    pub vs30_file: Option<String>,
    pub sites_file: Option<String>,
    pub event_name: Option<String>,
    /// Year of the event: the exposure is scaled to that year's national populations and the
    /// economic loss uses that year's GDP per capita (`country_years.csv`); `None` is today.
    pub event_year: Option<i32>,
}

/// Per-country results.
#[derive(Debug, Clone, Serialize)]
pub struct CountryImpact {
    pub iso2: String,
    pub name: String,
    /// People at each MMI bin I..X (median shaking; for a point source, the mean over the
    /// strike ensemble's ruptures).
    pub people_by_mmi: [f64; 10],
    pub deaths_median_shaking: f64,
    pub loss_usd_median_shaking: f64,
    pub pager: pager::PagerParams,
}

/// One settlement's shaking and expected deaths (median shaking; for a point source, `mmi`
/// is the mean field's and the deaths the mean over the strike ensemble).
#[derive(Debug, Clone, Serialize)]
pub struct SettlementImpact {
    pub name: String,
    pub country: String,
    pub admin1: String,
    pub lon: f64,
    pub lat: f64,
    pub population: f64,
    pub mmi: f64,
    /// For an event known only as a point: the lowest and highest median MMI over the
    /// unknown-strike ensemble (`mmi` is the mean field's); `None` for a finite fault.
    pub mmi_over_strikes: Option<[f64; 2]>,
    pub pga_g: f64,
    /// Median PGV (cm/s); `None` when the models have no PGV (every model set has it today: the
    /// in-slab model through Abrahamson & Bhasin 2020).
    pub pgv_cms: Option<f64>,
    pub expected_deaths: f64,
}

/// One user site.
#[derive(Debug, Clone, Serialize)]
pub struct SiteResult {
    /// Row of the site in the sites file, from 0 (as gmf.csv's `site_id`).
    pub site_id: usize,
    pub lon: f64,
    pub lat: f64,
    pub vs30_mps: f64,
    pub vs30_source: Vs30Source,
    /// (IMT column name, median, ln sigma).
    pub imts: Vec<(String, f64, f64)>,
    pub mmi: f64,
}

/// How many sites took their Vs30 from each source.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Vs30Counts {
    pub grid_cells: BTreeMap<&'static str, usize>,
    pub exposure_points: BTreeMap<&'static str, usize>,
    pub user_sites: BTreeMap<&'static str, usize>,
}

/// The user sites' medians for every IMT, kept for the simulated fields (gmf.csv).
pub struct UserSiteShaking {
    pub sites: Vec<Site>,
    pub shaking: Shaking,
    /// For an event known only as a point, the strike ensemble of the user sites' IMTs: each
    /// simulated field draws one of its ruptures.
    pub point_source: Option<Arc<shaking::PointSourceCorrection>>,
}

/// Everything a quake run produced.
pub struct QuakeRun {
    pub request: QuakeRequest,
    /// Which ground-motion models were used and why (by depth and regionalisation polygon).
    pub model_selection: regime::ModelSelection,
    pub rupture: Rupture,
    pub exposure_source: String,
    /// The national population and GDP per capita used (the event's year or today).
    pub exposure_year: EventYear,
    pub grid_mmi: Grid<f32>,
    pub grid_pga_g: Grid<f32>,
    /// The ground motion MMI was converted from (PGV, else PGA, else SA(1.0)).
    pub mmi_imt: Imt,
    /// The models' horizontal components, converted to the larger of the two before the
    /// intensity conversion (Boore & Kishida 2017, as ShakeMap 4).
    pub mmi_components_from: Vec<forewarn_quake::component::Component>,
    /// IMTs computed on the grid and at the exposure points.
    pub imts: Vec<Imt>,
    /// IMTs at the user sites (those of `imts` and the supported `--imt` extras).
    pub site_imts: Vec<Imt>,
    /// IMTs asked for that the models do not provide (not computed).
    pub imts_not_supported: Vec<Imt>,
    pub vs30_counts: Vs30Counts,
    pub user_shaking: Option<UserSiteShaking>,
    pub footprint: BBox,
    pub spacing_km: f64,
    pub countries: Vec<CountryImpact>,
    pub settlements: Vec<SettlementImpact>,
    pub sites: Vec<SiteResult>,
    /// PAGER's calibrated distribution: median shaking, lognormal with log-sd G (for a point
    /// source, a mixture of one per ruptures of the strike ensemble). Sets the
    /// alert level, as in PAGER.
    pub fatalities: LossDistribution,
    pub losses: LossDistribution,
    /// The spread of the expected losses over the simulated shaking fields, without PAGER's G
    /// (G already holds the shaking scatter); `None` with --realizations 0.
    pub fatalities_shaking: Option<LossDistribution>,
    pub losses_shaking: Option<LossDistribution>,
    pub alert_fatalities: AlertLevel,
    pub alert_economic: AlertLevel,
    pub alert_level: AlertLevel,
    pub max_mmi: f64,
    /// For an event known only as a point: the highest median MMI any rupture of the strike
    /// ensemble gives at an exposure point (`max_mmi` is the mean field's, the map's).
    pub max_mmi_over_strikes: Option<f64>,
    pub n_sites: usize,
    pub n_exposure_points: usize,
    pub event_name: String,
}

fn build_rupture(src: &QuakeSource) -> Result<(Rupture, Option<String>), EngineError> {
    match src {
        QuakeSource::Hypocenter {
            lon,
            lat,
            depth_km,
            mag,
            strike_deg,
            dip_deg,
            rake_deg,
        } => {
            let hypo = LonLat::new(*lon, *lat);
            let r = match strike_deg {
                // A known strike: one finite fault with the given (else regional) mechanism.
                Some(strike) => {
                    let regional =
                        forewarn_quake::point_source::regional_mechanism(hypo, *depth_km);
                    let rake = rake_deg.unwrap_or(regional.rake_deg);
                    let dip = dip_deg.unwrap_or(match rake_deg {
                        Some(r) => forewarn_quake::point_source::default_dip_deg(
                            forewarn_quake::rupture::Mechanism::from_rake(*r),
                        ),
                        None => regional.dip_deg,
                    });
                    Rupture::from_hypocenter(hypo, *depth_km, *mag, *strike, dip, rake)?
                }
                None => Rupture::point_source(hypo, *depth_km, *mag, *rake_deg, *dip_deg)?,
            };
            Ok((r, None))
        }
        QuakeSource::NrmlRupture { path } => {
            let text = limits::read_input_file(std::path::Path::new(path))
                .map_err(|e| EngineError::Input(format!("{path}: {e}")))?;
            Ok((
                forewarn_quake::source_files::parse_nrml_rupture(&text, path)?,
                None,
            ))
        }
        QuakeSource::UsgsEvent { path } => {
            let text = limits::read_input_file(std::path::Path::new(path))
                .map_err(|e| EngineError::Input(format!("{path}: {e}")))?;
            let ev = forewarn_quake::source_files::parse_usgs_event(&text, path)?;
            let r = Rupture::point_source(
                LonLat::new(ev.lon, ev.lat),
                ev.depth_km,
                ev.mag,
                None,
                None,
            )?;
            let name = ev
                .place
                .map(|p| format!("M{:.1} {p}", ev.mag))
                .unwrap_or(ev.id);
            Ok((r, Some(name)))
        }
    }
}

/// Distance (km) beyond which median MMI on soft soil (Vs30 180 m/s) stays below 3.5:
/// the footprint radius, between 30 and 1000 km. For a finite fault the distance is Rjb
/// (measured from the surface outline); for a point source it is the epicentral distance
/// (with the equivalent distances).
/// `corr` is the point source's ensemble correction, with `mmi_imt` at index `k_mmi`.
fn footprint_radius_km(
    rup: &Rupture,
    tree: &LogicTree,
    mmi_imt: Imt,
    corr: Option<&shaking::PointSourceCorrection>,
    k_mmi: usize,
) -> f64 {
    let rp = rup.gmpe_params();
    let site = SiteParams {
        vs30_mps: 180.0,
        vs30_measured: false,
        z1pt0_m: None,
        z2pt5_km: None,
    };
    let dc = forewarn_quake::rupture::DistanceCalculator::new(rup);
    let frame = forewarn_quake::rupture::LocalFrame::new(rup.hypocenter);
    let mut r = 30.0;
    while r < 1000.0 {
        let d = if rup.point_source.is_some() {
            dc.at(frame.to_lonlat(r, 0.0)).gmpe()
        } else {
            forewarn_quake::gmpe::Distances {
                rrup_km: (r * r + rp.ztor_km.powi(2)).sqrt(),
                rjb_km: r,
                rx_km: -r,
                ry0_km: 0.0,
                rhypo_km: (r * r + rp.hypo_depth_km.powi(2)).sqrt(),
            }
        };
        let delta = corr.map_or(0.0, |c| c.at(k_mmi, r));
        let mmi = tree
            .ground_motion(mmi_imt, &rp, &d, &site)
            .map_or(1.0, |g| {
                tree.mmi(mmi_imt, g.ln_median + delta, d.rrup_km, rup.mag)
            });
        if mmi < 3.5 {
            break;
        }
        r *= 1.15;
    }
    r.min(1000.0)
}

/// Check the event lies within the region's data coverage; the error names the coverage.
fn check_coverage(region: &Region, p: LonLat) -> Result<(), EngineError> {
    let inside = region.country_at(p).is_some();
    let near = region
        .settlement_index()
        .nearest(p)
        .is_some_and(|(_, d)| d <= 300.0);
    if inside || near {
        return Ok(());
    }
    let b = region.bbox();
    Err(EngineError::Input(format!(
        "epicentre ({:.3} E, {:.3} N) is outside the data coverage of the {} region ({} countries: {}; bbox {:.1}..{:.1} E, {:.1}..{:.1} N): it is in none of them and more than 300 km from every settlement",
        p.lon,
        p.lat,
        region.origin,
        region.countries.len(),
        region
            .countries
            .iter()
            .map(|c| c.iso2.as_str())
            .collect::<Vec<_>>()
            .join(","),
        b.west,
        b.east,
        b.south,
        b.north
    )))
}

/// MMI from the ln median (or simulated value) of `imt` at rupture distance `rrup_km`, as
/// ShakeMap 4: the larger horizontal component, then Worden et al. (2012) with the distance
/// and magnitude terms ([`LogicTree::mmi`]).
fn mmi_of(tree: &LogicTree, imt: Imt, ln_value: f32, rrup_km: f32, mag: f64) -> f64 {
    tree.mmi(imt, ln_value as f64, rrup_km as f64, mag)
}

/// People per MMI bin per country, point `j` at intensity `mmi(j)`.
fn people_by_mmi(
    points: &[PopPoint],
    n_countries: usize,
    mmi: impl Fn(usize) -> f64,
) -> Vec<[f64; 10]> {
    people_and_max_mmi(points, n_countries, mmi).people
}

/// People per MMI bin per country under one shaking field, and its highest intensity at a
/// populated point.
struct ExposureTable {
    people: Vec<[f64; 10]>,
    /// 1 without points.
    max_mmi: f64,
}

/// [`people_by_mmi`] and the highest intensity at any point.
fn people_and_max_mmi(
    points: &[PopPoint],
    n_countries: usize,
    mmi: impl Fn(usize) -> f64,
) -> ExposureTable {
    let mut t = vec![[0.0; 10]; n_countries];
    let mut max_mmi = 1.0f64;
    for (j, p) in points.iter().enumerate() {
        let m = mmi(j);
        max_mmi = max_mmi.max(m);
        if let Some(c) = p.country {
            t[c][pager::mmi_bin(m) - 1] += p.people;
        }
    }
    ExposureTable { people: t, max_mmi }
}

/// PAGER's expected deaths and economic loss of a people-per-MMI table, summed over countries.
struct ExpectedLosses {
    deaths: f64,
    loss_usd: f64,
}

fn losses(region: &Region, year: &EventYear, table: &[[f64; 10]]) -> ExpectedLosses {
    let mut d = 0.0;
    let mut l = 0.0;
    for ((c, people), gdp) in region
        .countries
        .iter()
        .zip(table)
        .zip(&year.gdp_per_capita_usd)
    {
        let p = pager::params(&c.iso2);
        d += pager::expected_deaths(&p, people);
        l += pager::expected_loss_usd(&p, *gdp, people);
    }
    ExpectedLosses {
        deaths: d,
        loss_usd: l,
    }
}

/// A point source's strike ensemble and where each exposure point sits in its tables.
struct Ensemble<'a> {
    corr: &'a shaking::PointSourceCorrection,
    /// One per exposure point.
    weights: Vec<shaking::SiteWeight>,
}

/// Stream id mixed into the seed to draw each realisation's member of a point source's strike
/// ensemble (the shaking streams use 0 and 1 + IMT index).
const STRIKE_STREAM: u64 = 0x7374_7269_6b65_0000;

/// The member of `corr`'s strike ensemble that realisation `r` of the streams seeded with
/// `seed` draws (uniform over the members).
pub(crate) fn drawn_member(corr: &shaking::PointSourceCorrection, seed: u64, r: usize) -> usize {
    (shaking::stream_seed(seed, r as u64, STRIKE_STREAM) % corr.members().max(1) as u64) as usize
}

/// Sites per chunk of the median-shaking stage (a cancellation check between chunks).
const SHAKING_CHUNK: usize = 50_000;

/// Checks the request against the [`limits`] that do not need the rupture (the grid-cell
/// limit is checked once the footprint is known).
pub fn check_limits(req: &QuakeRequest) -> Result<(), EngineError> {
    if let Some(s) = req.spacing_km {
        limits::check_spacing_km(s)?;
    }
    limits::check_realizations(req.realizations)?;
    limits::check_user_sites(req.sites.len())?;
    limits::check_extra_imts(req.extra_imts.len())?;
    limits::check_gmf_rows(req.sites.len(), req.realizations)?;
    Ok(())
}

/// Run the earthquake pipeline.
pub fn run(
    region: &Region,
    exposure: &Exposure,
    req: QuakeRequest,
    progress: Progress<'_>,
) -> Result<QuakeRun, EngineError> {
    run_cancellable(region, exposure, req, progress, &crate::never_cancel)
}

/// [`run`] that stops with [`EngineError::Cancelled`] soon after `cancel` answers true (it is
/// asked between stages, between chunks of sites and between realisations).
pub fn run_cancellable(
    region: &Region,
    exposure: &Exposure,
    req: QuakeRequest,
    progress: Progress<'_>,
    cancel: Cancel<'_>,
) -> Result<QuakeRun, EngineError> {
    let check = || {
        if cancel() {
            Err(EngineError::Cancelled)
        } else {
            Ok(())
        }
    };
    check_limits(&req)?;
    if let Some(g) = &req.vs30_grid
        && g.spec.crs != forewarn_core::Crs::Epsg4326
    {
        return Err(EngineError::Input(format!(
            "{}: Vs30 raster CRS is {}; expected EPSG:4326",
            req.vs30_file.as_deref().unwrap_or("vs30 raster"),
            g.spec.crs.describe()
        )));
    }
    if !(req.truncation >= 0.0 && req.truncation.is_finite()) {
        return Err(EngineError::Input(format!(
            "truncation {} must be >= 0",
            req.truncation
        )));
    }
    progress("rupture", 0, 1);
    // Validate the requested model name before anything else.
    LogicTree::from_name(&req.gmpe)?;
    let (rupture, event_name_from_file) = build_rupture(&req.source)?;
    let model_selection = regime::select(&req.gmpe, rupture.hypocenter, rupture.hypo_depth_km);
    let tree = LogicTree::from_name(&model_selection.models)?;
    check_coverage(region, rupture.hypocenter)?;
    // The IMTs the models provide, and the one MMI comes from (ShakeMap 4's order).
    let imts: Vec<Imt> = IMTS.iter().copied().filter(|&i| tree.supports(i)).collect();
    let Some(mmi_imt) = gmice::select_mmi_imt(|i| tree.supports(i)) else {
        return Err(EngineError::Input(format!(
            "{}: the ground-motion models provide none of PGV, PGA, SA(1.0) for the intensity conversion",
            model_selection.models
        )));
    };
    let mut site_imts = imts.clone();
    let mut imts_not_supported = Vec::new();
    for &i in IMTS.iter().chain(&req.extra_imts) {
        if !tree.supports(i) {
            if !imts_not_supported.contains(&i) {
                imts_not_supported.push(i);
            }
        } else if !site_imts.contains(&i) {
            site_imts.push(i);
        }
    }
    let k_mmi = imts.iter().position(|&i| i == mmi_imt).unwrap_or(0);
    let k_pga = imts.iter().position(|&i| i == Imt::Pga);
    let k_pgv = imts.iter().position(|&i| i == Imt::Pgv);
    // A point source's strike ensemble, once for every IMT of the run (`imts` is the
    // beginning of `site_imts`, so the grid's IMT indices are the same in it).
    let ps_corr = shaking::PointSourceCorrection::new(&rupture, &tree, &site_imts)?.map(Arc::new);
    let radius = footprint_radius_km(&rupture, &tree, mmi_imt, ps_corr.as_deref(), k_mmi);
    // A point source's outline is unknown: its footprint is a circle of `radius` in
    // epicentral distance around the epicentre.
    let mut footprint = BBox::around(rupture.hypocenter, radius);
    for ring in rupture.surface_outline() {
        for p in ring {
            let b = BBox::around(p, radius);
            footprint = BBox::new(
                footprint.west.min(b.west),
                footprint.south.min(b.south),
                footprint.east.max(b.east),
                footprint.north.max(b.north),
            );
        }
    }
    let spacing_km = req
        .spacing_km
        .unwrap_or_else(|| (radius / 200.0).clamp(1.0, 10.0));
    let dlat = spacing_km / 111.195;
    let dlon = spacing_km / (111.195 * rupture.hypocenter.lat.to_radians().cos().max(0.05));
    let ncols = (footprint.width() / dlon).ceil() as usize;
    let nrows = (footprint.height() / dlat).ceil() as usize;
    limits::check_grid_cells(ncols, nrows, spacing_km)?;
    check()?;
    let spec = GridSpec {
        x_min: footprint.west,
        y_max: footprint.north,
        dx: dlon,
        dy: dlat,
        ncols,
        nrows,
        crs: forewarn_core::Crs::Epsg4326,
    };
    progress("rupture", 1, 1);

    // Sites: output grid cells and exposure points (people scaled to the event year); the
    // user sites separately (all IMTs).
    let exposure_year = EventYear::for_year(region, req.event_year);
    let mut points = exposure.points(region, &footprint);
    exposure_year.scale(&mut points);
    let terrain = region.terrain.as_ref();
    let raster_vs30 = |lon: f64, lat: f64| -> Option<f64> {
        req.vs30_grid
            .as_ref()
            .and_then(|g| g.at(lon, lat))
            .filter(|v| v.is_finite() && *v > 0.0)
            .map(f64::from)
    };
    let mut vs30_counts = Vs30Counts::default();
    let mut sites: Vec<Site> = Vec::with_capacity(spec.len() + points.len());
    for i in 0..spec.len() {
        let c = spec.cell_center_lonlat(i);
        let (v, src) = site::vs30_for(None, raster_vs30(c.lon, c.lat), terrain, c.lon, c.lat);
        *vs30_counts.grid_cells.entry(src.as_str()).or_default() += 1;
        sites.push(Site {
            lon: c.lon,
            lat: c.lat,
            vs30_mps: v,
        });
    }
    for p in &points {
        let (v, src) = site::vs30_for(None, raster_vs30(p.lon, p.lat), terrain, p.lon, p.lat);
        *vs30_counts.exposure_points.entry(src.as_str()).or_default() += 1;
        sites.push(Site {
            lon: p.lon,
            lat: p.lat,
            vs30_mps: v,
        });
    }
    let mut user_sites = Vec::with_capacity(req.sites.len());
    let mut vs30_src = Vec::with_capacity(req.sites.len());
    for s in &req.sites {
        let (v, src) = site::vs30_for(s.vs30_mps, raster_vs30(s.lon, s.lat), terrain, s.lon, s.lat);
        *vs30_counts.user_sites.entry(src.as_str()).or_default() += 1;
        vs30_src.push(src);
        user_sites.push(Site {
            lon: s.lon,
            lat: s.lat,
            vs30_mps: v,
        });
    }
    let n_grid = spec.len();
    let n_pts = points.len();
    check()?;
    progress("median shaking", 0, sites.len() as u64);
    let mut sh = Shaking {
        imts: imts.clone(),
        ln_median: vec![Vec::with_capacity(sites.len()); imts.len()],
        tau: vec![Vec::with_capacity(sites.len()); imts.len()],
        phi: vec![Vec::with_capacity(sites.len()); imts.len()],
        rrup_km: Vec::with_capacity(sites.len()),
    };
    for chunk in sites.chunks(SHAKING_CHUNK) {
        check()?;
        let part = shaking::median_shaking_with(&rupture, &tree, &imts, chunk, ps_corr.as_deref())?;
        for k in 0..imts.len() {
            sh.ln_median[k].extend_from_slice(&part.ln_median[k]);
            sh.tau[k].extend_from_slice(&part.tau[k]);
            sh.phi[k].extend_from_slice(&part.phi[k]);
        }
        sh.rrup_km.extend_from_slice(&part.rrup_km);
        progress("median shaking", sh.n_sites() as u64, sites.len() as u64);
    }
    check()?;
    let user_shaking = if user_sites.is_empty() {
        None
    } else {
        Some(UserSiteShaking {
            shaking: shaking::median_shaking_with(
                &rupture,
                &tree,
                &site_imts,
                &user_sites,
                ps_corr.as_deref(),
            )?,
            sites: user_sites,
            point_source: ps_corr.clone(),
        })
    };
    check()?;
    let mag = rupture.mag;
    let mmi_at = |k: usize| mmi_of(&tree, mmi_imt, sh.ln_median[k_mmi][k], sh.rrup_km[k], mag);

    // Grids.
    let grid_pga_g = Grid {
        spec,
        data: match k_pga {
            Some(k) => sh.ln_median[k][..n_grid].iter().map(|l| l.exp()).collect(),
            None => vec![f32::NAN; n_grid],
        },
        nodata: None,
    };
    let grid_mmi = Grid {
        spec,
        data: (0..n_grid).map(|i| mmi_at(i) as f32).collect(),
        nodata: None,
    };
    let max_mmi = grid_mmi.data.iter().fold(1.0f32, |a, &b| a.max(b)) as f64;

    // Exposure and losses at median shaking; for a point source, the people expected at each
    // intensity over the strike ensemble (each member's median).
    let pt_mmi: Vec<f64> = (n_grid..n_grid + n_pts).map(mmi_at).collect();
    // A point source's strike ensemble with where each exposure point sits in its tables.
    let ensemble: Option<Ensemble> = ps_corr.as_deref().map(|corr| Ensemble {
        corr,
        weights: points
            .iter()
            .map(|p| corr.site_weight(LonLat::new(p.lon, p.lat)))
            .collect(),
    });
    // Member `m`'s MMI at exposure point `j` from a value `ln_value` of the mean field there.
    let member_mmi = |e: &Ensemble, j: usize, ln_value: f32, m: usize| {
        let mem = e
            .corr
            .member(k_mmi, m, e.weights[j], sh.rrup_km[n_grid + j] as f64);
        mmi_of(
            &tree,
            mmi_imt,
            (ln_value as f64 + mem.ln_offset) as f32,
            mem.rrup_km as f32,
            mag,
        )
    };
    // People per MMI per country for each member of the strike ensemble (one member, the
    // rupture itself, when the strike is known); the table reported is their mean, the
    // people expected at each intensity.
    let members: Vec<ExposureTable> = match &ensemble {
        Some(e) => (0..e.corr.members())
            .into_par_iter()
            .map(|m| {
                people_and_max_mmi(&points, region.countries.len(), |j| {
                    member_mmi(e, j, sh.ln_median[k_mmi][n_grid + j], m)
                })
            })
            .collect(),
        None => vec![people_and_max_mmi(&points, region.countries.len(), |j| {
            pt_mmi[j]
        })],
    };
    let max_mmi_over_strikes = ensemble
        .is_some()
        .then(|| members.iter().fold(1.0f64, |a, m| a.max(m.max_mmi)));
    let member_tables: Vec<Vec<[f64; 10]>> = members.into_iter().map(|m| m.people).collect();
    let mut table = vec![[0.0; 10]; region.countries.len()];
    for t in &member_tables {
        for (row, trow) in table.iter_mut().zip(t) {
            for (a, b) in row.iter_mut().zip(trow) {
                *a += b / member_tables.len() as f64;
            }
        }
    }
    let member_losses: Vec<ExpectedLosses> = member_tables
        .iter()
        .map(|t| losses(region, &exposure_year, t))
        .collect();
    let member_deaths: Vec<f64> = member_losses.iter().map(|l| l.deaths).collect();
    let member_loss_usd: Vec<f64> = member_losses.iter().map(|l| l.loss_usd).collect();

    // Realisations of the intensity's ground motion: shaking uncertainty into the losses.
    let mut death_estimates = Vec::with_capacity(req.realizations);
    let mut loss_estimates = Vec::with_capacity(req.realizations);
    if req.realizations > 0 && n_pts > 0 {
        let pt = n_grid..n_grid + n_pts;
        let pt_sites = &sites[pt.clone()];
        let pt_rrup = &sh.rrup_km[pt.clone()];
        let pt_shaking = Shaking {
            imts: vec![mmi_imt],
            ln_median: vec![sh.ln_median[k_mmi][pt.clone()].to_vec()],
            tau: vec![sh.tau[k_mmi][pt.clone()].to_vec()],
            phi: vec![sh.phi[k_mmi][pt.clone()].to_vec()],
            rrup_km: pt_rrup.to_vec(),
        };
        let settings = GmfSettings {
            realizations: req.realizations,
            correlation: req.correlation,
            truncation: req.truncation,
            seed: req.seed,
        };
        let mut cancelled = false;
        let mut field_mmi = vec![0.0f64; n_pts];
        shaking::simulate(&rupture, pt_sites, &pt_shaking, &settings, |r, f| {
            // The simulation itself cannot be stopped; once cancelled, its fields are skipped.
            if cancelled || cancel() {
                cancelled = true;
                return;
            }
            match &ensemble {
                // A point source: each realisation draws one member of the strike ensemble
                // (the strike is one per event, like the between-event term).
                Some(e) => {
                    let m = drawn_member(e.corr, req.seed, r);
                    for (j, (v, &l)) in field_mmi.iter_mut().zip(&f[0]).enumerate() {
                        *v = member_mmi(e, j, l, m);
                    }
                }
                None => {
                    for ((v, &l), &d) in field_mmi.iter_mut().zip(&f[0]).zip(pt_rrup) {
                        *v = mmi_of(&tree, mmi_imt, l, d, mag);
                    }
                }
            }
            let t = people_by_mmi(&points, region.countries.len(), |j| field_mmi[j]);
            let ExpectedLosses { deaths, loss_usd } = losses(region, &exposure_year, &t);
            death_estimates.push(deaths);
            loss_estimates.push(loss_usd);
            progress("realisations", r as u64 + 1, req.realizations as u64);
        });
        check()?;
    }
    // PAGER's combined G: per country (loss, G), fatality G from fatality.xml and economic G
    // from economy.xml, counting the countries with a loss of at least one.
    let mut g_deaths = Vec::new();
    let mut g_losses = Vec::new();
    let mut gdp_exposed_usd = 0.0;
    let mut countries = Vec::new();
    for (ci, (c, people)) in region.countries.iter().zip(&table).enumerate() {
        let total: f64 = people.iter().sum();
        if total <= 0.0 {
            continue;
        }
        let p = pager::params(&c.iso2);
        let gdp = exposure_year.gdp_per_capita_usd[ci];
        let d = pager::expected_deaths(&p, people);
        let l = pager::expected_loss_usd(&p, gdp, people);
        if people[4..].iter().sum::<f64>() > 0.0 {
            g_deaths.push((d, p.fatality_g));
            g_losses.push((l, p.econ_g));
            gdp_exposed_usd += exposure_year.population[ci] * gdp;
        }
        countries.push(CountryImpact {
            iso2: c.iso2.clone(),
            name: c.name_en.clone(),
            people_by_mmi: *people,
            deaths_median_shaking: d,
            loss_usd_median_shaking: l,
            pager: p,
        });
    }
    let g_f = pager::combined_g_pager(&g_deaths);
    let g_e = pager::combined_g_pager(&g_losses);
    // Physical limits: no more deaths than people exposed (MMI V and above, the bins the model
    // counts; for a point source, in the rupture of the ensemble that exposes most) and no
    // larger loss than the exposed countries' GDP. The combined G is the mean table's, the
    // same for every member.
    let people_exposed = member_tables
        .iter()
        .map(|t| t.iter().map(|c| c[4..].iter().sum::<f64>()).sum::<f64>())
        .fold(0.0f64, f64::max);
    let deaths_cap = Some(people_exposed.round());
    let losses_cap = (gdp_exposed_usd > 0.0).then_some(gdp_exposed_usd);
    // PAGER's lognormal around each member's losses, mixed with equal weights (one member
    // when the strike is known).
    let fatalities = LossDistribution::deaths(&member_deaths, g_f, deaths_cap);
    let losses_d = LossDistribution::losses_usd(&member_loss_usd, g_e, losses_cap);
    // The spread of the expected losses over the simulated shaking fields, without G: PAGER's
    // G was fitted to observed losses with ShakeMap shaking, so it already holds the shaking
    // scatter, and a mixture of G-lognormals over fields would count that scatter twice. This
    // block only shows how much of the range the shaking alone explains.
    let simulated = req.realizations > 0 && n_pts > 0;
    let fatalities_shaking =
        simulated.then(|| LossDistribution::deaths(&death_estimates, 0.0, deaths_cap));
    let losses_shaking =
        simulated.then(|| LossDistribution::losses_usd(&loss_estimates, 0.0, losses_cap));
    let alert_fatalities = AlertLevel::for_deaths(fatalities.median);
    let alert_economic = AlertLevel::for_loss_usd(losses_d.median);

    // Settlements.
    let mut settlements: Vec<SettlementImpact> = points
        .iter()
        .enumerate()
        .filter_map(|(j, p)| {
            let si = p.settlement?;
            let s = &region.settlements[si];
            let i = n_grid + j;
            let mmi = pt_mmi[j];
            let pp = pager::params(&s.country);
            // The mean over the strike ensemble's members (the rupture itself when known).
            let rate = |m: f64| pager::fatality_rate_in_bin(&pp, pager::mmi_bin(m));
            let (deaths, mmi_over_strikes) = match &ensemble {
                Some(e) => {
                    let (mut sum, mut lo, mut hi) = (0.0, f64::INFINITY, f64::NEG_INFINITY);
                    for m in 0..e.corr.members() {
                        let mm = member_mmi(e, j, sh.ln_median[k_mmi][i], m);
                        sum += rate(mm);
                        lo = lo.min(mm);
                        hi = hi.max(mm);
                    }
                    (p.people * sum / e.corr.members() as f64, Some([lo, hi]))
                }
                None => (p.people * rate(mmi), None),
            };
            Some(SettlementImpact {
                name: s.name.clone(),
                country: s.country.clone(),
                admin1: s.admin1.clone(),
                lon: s.lon,
                lat: s.lat,
                population: p.people,
                mmi,
                mmi_over_strikes,
                pga_g: k_pga.map_or(f64::NAN, |k| (sh.ln_median[k][i] as f64).exp()),
                pgv_cms: k_pgv.map(|k| (sh.ln_median[k][i] as f64).exp()),
                expected_deaths: deaths,
            })
        })
        .collect();
    settlements.sort_by(|a, b| {
        b.expected_deaths
            .total_cmp(&a.expected_deaths)
            .then(b.mmi.total_cmp(&a.mmi))
            .then(b.population.total_cmp(&a.population))
            .then(a.name.cmp(&b.name))
    });

    // User sites.
    let sites_out = match &user_shaking {
        None => Vec::new(),
        Some(us) => {
            let ush = &us.shaking;
            let k_mmi_u = site_imts.iter().position(|&i| i == mmi_imt).unwrap_or(0);
            us.sites
                .iter()
                .enumerate()
                .map(|(i, s)| SiteResult {
                    site_id: i,
                    lon: s.lon,
                    lat: s.lat,
                    vs30_mps: s.vs30_mps,
                    vs30_source: vs30_src[i],
                    imts: site_imts
                        .iter()
                        .enumerate()
                        .map(|(m, imt)| {
                            (
                                imt.column_name(),
                                (ush.ln_median[m][i] as f64).exp(),
                                ush.sigma(m, i) as f64,
                            )
                        })
                        .collect(),
                    mmi: mmi_of(
                        &tree,
                        mmi_imt,
                        ush.ln_median[k_mmi_u][i],
                        ush.rrup_km[i],
                        mag,
                    ),
                })
                .collect()
        }
    };
    let event_name = req
        .event_name
        .clone()
        .or(event_name_from_file)
        .unwrap_or_else(|| {
            format!(
                "M{:.1} earthquake at {:.2}N {:.2}E",
                rupture.mag, rupture.hypocenter.lat, rupture.hypocenter.lon
            )
        });
    Ok(QuakeRun {
        model_selection,
        exposure_source: format!(
            "{}; {}",
            exposure.source.describe(),
            if matches!(
                exposure.source,
                forewarn_exposure::ExposureSource::Proxy { .. }
            ) {
                format!("scaled to the {}", exposure_year.describe())
            } else {
                format!(
                    "raster scaled to the {} (assuming the raster matches today's totals)",
                    exposure_year.describe()
                )
            }
        ),
        exposure_year,
        n_sites: sites.len() + req.sites.len(),
        n_exposure_points: n_pts,
        mmi_imt,
        mmi_components_from: tree.components(),
        imts,
        site_imts,
        imts_not_supported,
        vs30_counts,
        user_shaking,
        request: req,
        rupture,
        grid_mmi,
        grid_pga_g,
        footprint,
        spacing_km,
        countries,
        settlements,
        sites: sites_out,
        alert_level: alert_fatalities.max(alert_economic),
        fatalities,
        losses: losses_d,
        fatalities_shaking,
        losses_shaking,
        alert_fatalities,
        alert_economic,
        max_mmi,
        max_mmi_over_strikes,
        event_name,
    })
}

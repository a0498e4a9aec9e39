//! Runs each hazard engine once per exercise and keeps what the consequence model needs:
//! people at risk, where, and when the hazard reaches them.
//!
//! - Earthquakes and aftershocks (`forewarn_engine::quake::run`, median shaking, no simulated
//!   fields): one unit per country with people at MMI VI or more; deaths are PAGER's median
//!   (per country) and happen at the onset, so no warning can precede them.
//! - Floods (`forewarn_flood::run` + `forewarn_flood::impact`): one unit per settlement whose
//!   cell floods to 0.1 m or more; the impact time is the onset plus the modelled arrival time.

use crate::consequence;
use crate::def::{HazardDef, HazardKind};
use crate::error::ExerciseError;
use crate::plan::Plan;
use forewarn_cap::{
    AlertLevel as CapLevel, CapTime, Hazard, ImpactArea, ImpactFacts, ImpactWarning, Status, Zone,
};
use forewarn_core::{Grid, Region};
use forewarn_engine::Cancel;
use forewarn_engine::place_names::valley_of;
use forewarn_engine::quake::{self, QuakeRequest, QuakeSource};
use forewarn_exposure::Exposure;
use geo::{BooleanOps, BoundingRect, Intersects, MultiPolygon};
use serde::Serialize;

/// People at risk in one place from one hazard.
#[derive(Debug, Clone, Serialize)]
pub struct AtRiskUnit {
    pub name: String,
    pub country: String,
    pub lon: f64,
    pub lat: f64,
    pub people: f64,
    /// Scenario time (s after the start) at which the hazard reaches the unit.
    pub impact_s: i64,
    /// Earthquakes: modelled deaths (PAGER median), independent of warnings.
    pub deaths_fixed: f64,
    /// Floods: fraction of people who stay in the water that die (depth mortality).
    pub mortality_if_unprotected: f64,
    /// People who need shelter and supplies afterwards.
    pub displaced: f64,
    /// People trapped alive in collapsed buildings, beyond what neighbours rescue.
    pub trapped: f64,
    pub mmi: Option<f64>,
    pub depth_m: Option<f64>,
}

/// One hazard's cached results.
#[derive(Debug, Clone, Serialize)]
pub struct HazardResult {
    pub id: String,
    pub kind: HazardKind,
    pub name: String,
    pub onset_s: i64,
    pub alert_level: String,
    pub units: Vec<AtRiskUnit>,
    /// Epicentre (earthquakes), [lon, lat].
    pub epicentre: Option<[f64; 2]>,
    /// Footprint rings (MMI >= VI, or flood depth >= 0.1 m), [lon, lat] pairs, for the map.
    pub footprint: Vec<Vec<[f64; 2]>>,
    /// CAP input with every affected country's area (status and times are set per message).
    #[serde(skip)]
    pub warning: Option<ImpactWarning>,
    /// Headline figures for the journal.
    pub max_mmi: Option<f64>,
    pub peak_depth_m: Option<f64>,
    pub engine_note: String,
}

impl HazardResult {
    pub fn people_at_risk(&self) -> f64 {
        self.units.iter().map(|u| u.people).sum()
    }
    pub fn countries(&self) -> Vec<String> {
        let mut c: Vec<String> = self.units.iter().map(|u| u.country.clone()).collect();
        c.sort();
        c.dedup();
        c
    }
}

/// All hazards of an exercise.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HazardSet {
    pub hazards: Vec<HazardResult>,
}

impl HazardSet {
    pub fn get(&self, id: &str) -> Option<&HazardResult> {
        self.hazards.iter().find(|h| h.id == id)
    }

    /// Runs every hazard engine once. `seed` seeds the quake engine (median shaking is
    /// deterministic anyway).
    pub fn compute(
        plan: &Plan,
        region: &Region,
        exposure: &Exposure,
        seed: u64,
    ) -> Result<HazardSet, ExerciseError> {
        Self::compute_cancellable(plan, region, exposure, seed, &forewarn_engine::never_cancel)
    }

    /// [`HazardSet::compute`] that stops with [`ExerciseError::Cancelled`] soon after
    /// `cancel` answers true (asked between hazards and inside earthquake runs).
    pub fn compute_cancellable(
        plan: &Plan,
        region: &Region,
        exposure: &Exposure,
        seed: u64,
        cancel: Cancel<'_>,
    ) -> Result<HazardSet, ExerciseError> {
        let mut hazards = Vec::with_capacity(plan.def.hazards.len());
        for (i, h) in plan.def.hazards.iter().enumerate() {
            if cancel() {
                return Err(ExerciseError::Cancelled);
            }
            let onset_s = plan.hazard_onset_s[i];
            let r = match h.kind {
                HazardKind::Earthquake | HazardKind::Aftershock => {
                    quake_hazard(plan, h, onset_s, region, exposure, seed, cancel)?
                }
                HazardKind::Flood => flood_hazard(plan, h, onset_s, region)?,
            };
            hazards.push(r);
        }
        Ok(HazardSet { hazards })
    }
}

fn herr(h: &HazardDef, m: impl std::fmt::Display) -> ExerciseError {
    ExerciseError::Hazard {
        hazard: h.id.clone(),
        message: m.to_string(),
    }
}

/// An engine error of hazard `h`: over a limit (the hazard's field is named) or cancelled.
fn engine_err(
    plan: &Plan,
    h: &HazardDef,
    index: usize,
    e: forewarn_engine::EngineError,
) -> ExerciseError {
    match e {
        forewarn_engine::EngineError::Cancelled => ExerciseError::Cancelled,
        forewarn_engine::EngineError::Limit(l) => ExerciseError::Hazard {
            hazard: h.id.clone(),
            message: format!("hazard[{index}].{}: {}", l.field, l.message),
        },
        other => herr(h, plan.files.scrub(&other.to_string())),
    }
}

fn rings(mp: &MultiPolygon<f64>, max_points: usize) -> Vec<Vec<[f64; 2]>> {
    mp.0.iter()
        .map(|p| {
            let pts: Vec<[f64; 2]> = p.exterior().0.iter().map(|c| [c.x, c.y]).collect();
            let step = pts.len().div_ceil(max_points).max(1);
            let mut out: Vec<[f64; 2]> = pts.iter().step_by(step).copied().collect();
            if let (Some(f), Some(l)) = (pts.first(), out.last())
                && f != l
            {
                out.push(*f);
            }
            out
        })
        .filter(|r| r.len() >= 4)
        .collect()
}

/// Scenario time `t_s` as a CAP time.
fn cap_time(plan: &Plan, t_s: i64) -> CapTime {
    CapTime(plan.start).plus_seconds(t_s)
}

fn quake_hazard(
    plan: &Plan,
    h: &HazardDef,
    onset_s: i64,
    region: &Region,
    exposure: &Exposure,
    seed: u64,
    cancel: Cancel<'_>,
) -> Result<HazardResult, ExerciseError> {
    let index = plan.hazard_index(&h.id).unwrap_or(0);
    let source = match &h.rupture {
        Some(r) => QuakeSource::NrmlRupture {
            path: plan
                .files
                .resolve(r)
                .map_err(|m| herr(h, m))?
                .path
                .display()
                .to_string(),
        },
        None => {
            let (Some(lon), Some(lat), Some(depth_km), Some(mag)) =
                (h.lon, h.lat, h.depth_km, h.mag)
            else {
                return Err(herr(h, "needs lon, lat, depth_km and mag"));
            };
            QuakeSource::Hypocenter {
                lon,
                lat,
                depth_km,
                mag,
                strike_deg: h.strike_deg,
                dip_deg: h.dip_deg,
                rake_deg: h.rake_deg,
            }
        }
    };
    let req = QuakeRequest {
        source,
        gmpe: h.gmpe.clone(),
        spacing_km: Some(h.spacing_km.unwrap_or(5.0)),
        realizations: 0,
        correlation: forewarn_quake::shaking::Correlation::None,
        truncation: 3.0,
        seed,
        sites: Vec::new(),
        extra_imts: Vec::new(),
        vs30_grid: None,
        vs30_file: None,
        sites_file: None,
        event_name: h.name.clone(),
        event_year: None,
    };
    let run = quake::run_cancellable(region, exposure, req, &|_, _, _| {}, cancel)
        .map_err(|e| engine_err(plan, h, index, e))?;
    let mut units = Vec::new();
    for c in &run.countries {
        let people: f64 = c.people_by_mmi[5..].iter().sum();
        if people < 1.0 {
            continue;
        }
        // Location: people-weighted centre of the country's settlements at MMI >= V, else
        // the epicentre.
        let (mut sw, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for s in run
            .settlements
            .iter()
            .filter(|s| s.country == c.iso2 && s.mmi >= 5.0)
        {
            sw += s.population;
            sx += s.population * s.lon;
            sy += s.population * s.lat;
        }
        let (lon, lat) = if sw > 0.0 {
            (sx / sw, sy / sw)
        } else {
            (run.rupture.hypocenter.lon, run.rupture.hypocenter.lat)
        };
        let displaced: f64 = c
            .people_by_mmi
            .iter()
            .enumerate()
            .map(|(k, p)| p * consequence::eq_displaced_fraction(k + 1))
            .sum();
        let deaths = c.deaths_median_shaking;
        let top = c
            .people_by_mmi
            .iter()
            .rposition(|p| *p >= 1.0)
            .map(|k| (k + 1) as f64);
        units.push(AtRiskUnit {
            name: format!("{} (MMI VI+ zone)", c.name),
            country: c.iso2.clone(),
            lon,
            lat,
            people,
            impact_s: onset_s,
            deaths_fixed: deaths,
            mortality_if_unprotected: 0.0,
            displaced,
            trapped: deaths * consequence::TRAPPED_ALIVE_PER_DEATH,
            mmi: top,
            depth_m: None,
        });
    }
    let warning = if units.is_empty() {
        None
    } else {
        let t = cap_time(plan, onset_s);
        let w = quake::alert::impact_warning(
            &run,
            region,
            Status::Exercise,
            t,
            t,
            "exercise@forewarn.example",
        );
        if w.areas.is_empty() { None } else { Some(w) }
    };
    let contour = forewarn_engine::contours::filled_contours(&run.grid_mmi, &[5.5])
        .pop()
        .map(|(_, mp)| mp)
        .unwrap_or_else(|| MultiPolygon(vec![]));
    Ok(HazardResult {
        id: h.id.clone(),
        kind: h.kind,
        name: h.name.clone().unwrap_or_else(|| run.event_name.clone()),
        onset_s,
        alert_level: run.alert_level.as_str().to_string(),
        units,
        epicentre: Some([run.rupture.hypocenter.lon, run.rupture.hypocenter.lat]),
        footprint: rings(&contour, 200),
        warning,
        max_mmi: Some((run.max_mmi * 10.0).round() / 10.0),
        peak_depth_m: None,
        engine_note: format!(
            "M{:.1}, {} GMPE, median shaking, {:.1} km grid; PAGER deaths {:.0}",
            run.rupture.mag, run.request.gmpe, run.spacing_km, run.fatalities.median
        ),
    })
}

fn flood_hazard(
    plan: &Plan,
    h: &HazardDef,
    onset_s: i64,
    region: &Region,
) -> Result<HazardResult, ExerciseError> {
    let Some(file) = &h.scenario else {
        return Err(herr(h, "needs scenario = \"file.toml\""));
    };
    let found = plan.files.resolve(file).map_err(|m| herr(h, m))?;
    let mut sc = if plan.files.is_confined() {
        forewarn_flood::Scenario::from_toml_path_within(&found.path, Some(region), &found.root)
    } else {
        forewarn_flood::Scenario::from_toml_path(&found.path, Some(region))
    }
    .map_err(|e| herr(h, plan.files.scrub(&e.to_string())))?;
    if let Some(d) = h.duration_h {
        sc.sim.end_time_s = d * 3600.0;
    }
    sc.sim.output_interval_s = 0.0;
    let fr = forewarn_flood::run(
        &sc,
        &forewarn_flood::RunOptions {
            threads: 1,
            progress: None,
            precision: None,
        },
    )
    .map_err(|e| herr(h, plan.files.scrub(&e.to_string())))?;
    let imp = forewarn_flood::impact(&fr, region, forewarn_flood::People::Settlements);
    let mut units = Vec::new();
    for s in &imp.settlements {
        let Some(arr) = s.arrival_time_s else {
            continue;
        };
        if s.affected <= 0.0 {
            continue;
        }
        units.push(AtRiskUnit {
            name: s.name.clone(),
            country: s.country.clone(),
            lon: s.lon,
            lat: s.lat,
            people: s.affected,
            impact_s: onset_s + arr.round() as i64,
            deaths_fixed: 0.0,
            mortality_if_unprotected: s.life_loss.lethality,
            displaced: s.affected,
            trapped: 0.0,
            mmi: None,
            depth_m: Some((s.max_depth_m * 10.0).round() / 10.0),
        });
    }
    units.sort_by(|a, b| a.impact_s.cmp(&b.impact_s).then(a.name.cmp(&b.name)));
    let footprint = flood_footprint(&fr.max_depth_m);
    let peak = units.iter().filter_map(|u| u.depth_m).fold(0.0, f64::max);
    let likelihood = forewarn_flood::impact::gdacs_alert_probability(
        imp.life_loss.without_warning,
        imp.affected,
        &imp.alert,
    );
    let warning = flood_warning(
        plan,
        h,
        onset_s,
        region,
        &units,
        &footprint,
        (imp.alert.as_str(), likelihood),
        peak,
    );
    Ok(HazardResult {
        id: h.id.clone(),
        kind: h.kind,
        name: h.name.clone().unwrap_or_else(|| sc.name.clone()),
        onset_s,
        alert_level: imp.alert.clone(),
        units,
        epicentre: None,
        footprint: rings(&footprint, 300),
        warning,
        max_mmi: None,
        peak_depth_m: Some(peak),
        engine_note: format!(
            "{}: {} steps over {:.0} h, {:.0} people affected, {:.0} deaths without warning, {:.0} with a warning at the flood's start",
            sc.name,
            fr.steps,
            fr.end_time_s / 3600.0,
            imp.affected,
            imp.life_loss.without_warning,
            imp.life_loss.with_warning
        ),
    })
}

fn flood_footprint(max_depth_m: &Grid<f32>) -> MultiPolygon<f64> {
    forewarn_engine::contours::filled_contours(
        max_depth_m,
        &[forewarn_flood::solver::FLOOD_DEPTH_M],
    )
    .pop()
    .map(|(_, mp)| mp)
    .unwrap_or_else(|| MultiPolygon(vec![]))
}

#[allow(clippy::too_many_arguments)]
fn flood_warning(
    plan: &Plan,
    h: &HazardDef,
    onset_s: i64,
    region: &Region,
    units: &[AtRiskUnit],
    footprint: &MultiPolygon<f64>,
    (alert, likelihood): (&str, f64),
    peak_m: f64,
) -> Option<ImpactWarning> {
    if units.is_empty() {
        return None;
    }
    let mut countries: Vec<&str> = units.iter().map(|u| u.country.as_str()).collect();
    countries.sort();
    countries.dedup();
    let mut areas = Vec::new();
    for iso in countries {
        let mut rings_ll: Vec<Vec<(f64, f64)>> = Vec::new();
        if let Ok(c) = region.country(iso)
            && let (Some(fb), Some(cb)) = (footprint.bounding_rect(), c.boundary.bounding_rect())
            && fb.intersects(&cb)
        {
            let part = footprint.intersection(&c.boundary);
            rings_ll = part
                .0
                .iter()
                .map(|p| p.exterior().0.iter().map(|c| (c.x, c.y)).collect())
                .collect();
        }
        if rings_ll.is_empty() {
            // A small box around each flooded settlement.
            for u in units.iter().filter(|u| u.country == iso) {
                let d = 0.02;
                rings_ll.push(vec![
                    (u.lon - d, u.lat - d),
                    (u.lon + d, u.lat - d),
                    (u.lon + d, u.lat + d),
                    (u.lon - d, u.lat + d),
                    (u.lon - d, u.lat - d),
                ]);
            }
        }
        areas.push(ImpactArea {
            country_iso2: iso.to_string(),
            zone: Zone::FloodZone,
            places: vec![],
            footprints_lon_lat: rings_ll,
            geocodes: vec![],
            urgency: None,
            onset: None,
        });
    }
    let level = match alert {
        "red" => CapLevel::Red,
        "orange" => CapLevel::Orange,
        "yellow" => CapLevel::Yellow,
        _ => CapLevel::Green,
    };
    let first = &units[0];
    let people: f64 = units.iter().map(|u| u.people).sum();
    // The text's death estimate assumes the warning this message starts goes out at the onset:
    // never the toll without a warning (issue 13, item 6).
    let deaths: f64 = units
        .iter()
        .map(|u| {
            let lead_h = (u.impact_s - onset_s) as f64 / 3600.0;
            forewarn_impact::LifeLoss::at(
                u.people,
                u.mortality_if_unprotected,
                Some(lead_h),
                &forewarn_impact::WarningParams::default(),
            )
            .with_warning
        })
        .sum();
    let t = CapTime(plan.start);
    Some(ImpactWarning {
        hazard: Hazard::Flood,
        event_id: format!("flood-{}", h.id)
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
        event_time: t.plus_seconds(first.impact_s),
        sent: t.plus_seconds(onset_s),
        alert_level: level,
        likelihood,
        place: valley_of(region, &first.name, &first.country),
        facts: ImpactFacts {
            people_affected: Some(people.round() as u64),
            peak_depth_m: Some((peak_m * 10.0).round() / 10.0),
            median_deaths: Some(deaths.round()),
            ..Default::default()
        },
        areas,
        status: Status::Exercise,
        sender: "exercise@forewarn.example".into(),
        languages: vec!["en".into()],
        observed: false,
    })
}

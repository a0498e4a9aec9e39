//! Exposure against USGS PAGER's exposure catalogue (EXPO-CAT; Allen et al. 2009, "An Atlas of
//! ShakeMaps and population exposure catalog for earthquake loss modeling", Bull. Earthquake
//! Eng. 7:701-718): each of the region's deadliest events is run as a point source at its
//! catalogue time, and Forewarn's people at MMI VII+, VIII+ and IX+ are compared with
//! EXPO-CAT's (LandScan population of the event's year under the event's ShakeMap).
//!
//! Run by `forewarn bench expocat`; the table and its reading are in docs/validation.md.

use crate::EngineError;
use crate::quake::{self, QuakeRequest, QuakeSource};
use forewarn_core::Region;
use forewarn_exposure::Exposure;
use forewarn_impact::{AlertLevel, pager};
use forewarn_quake::shaking::Correlation;
use serde::Serialize;

/// Population below which a catalogue and a Forewarn figure both count as "nobody" (they then
/// agree whatever their ratio).
pub const NEGLIGIBLE_PEOPLE: f64 = 1000.0;
/// Default depth for catalogue events without one, km (the centroid depth of a shallow crustal
/// event; EXPO-CAT leaves the field empty for some older events).
pub const DEFAULT_DEPTH_KM: f64 = 10.0;
/// Largest EXPO-CAT file read, bytes (the 2007 catalogue is about 0.6 MB).
const MAX_CATALOGUE_BYTES: u64 = 16 * 1024 * 1024;

/// One catalogue event.
#[derive(Debug, Clone, Serialize)]
pub struct ExpocatEvent {
    pub event_id: String,
    pub time: String,
    /// `time` as seconds since 1970 (UTC).
    pub epoch_s: i64,
    pub year: i32,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub depth_km: Option<f64>,
    pub mag: f64,
    pub country: String,
    /// People at MMI I..IX+ (the last bin holds IX and above).
    pub people_by_mmi: [f64; 9],
    pub deaths: f64,
}

impl ExpocatEvent {
    /// People at `mmi` and above (7, 8 or 9).
    pub fn at_or_above(&self, mmi: usize) -> f64 {
        self.people_by_mmi[mmi.clamp(1, 9) - 1..].iter().sum()
    }
}

/// Read EXPO-CAT (the CSV conversion in ../shared/reference/pager/expocat.csv).
pub fn read_catalogue(path: &std::path::Path) -> Result<Vec<ExpocatEvent>, EngineError> {
    let p = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| EngineError::Input(format!("{p}: {e}")))?;
    if meta.len() > MAX_CATALOGUE_BYTES {
        return Err(EngineError::Input(format!(
            "{p}: {} bytes is more than the {MAX_CATALOGUE_BYTES} bytes an EXPO-CAT file may have",
            meta.len()
        )));
    }
    let mut rdr =
        csv::Reader::from_path(path).map_err(|e| EngineError::Input(format!("{p}: {e}")))?;
    let hdr = rdr
        .headers()
        .map_err(|e| EngineError::Input(format!("{p}: {e}")))?
        .clone();
    let col = |n: &str| {
        hdr.iter()
            .position(|h| h == n)
            .ok_or_else(|| EngineError::Input(format!("{p}: no column '{n}'")))
    };
    let (ci, ct, cn, cla, clo, cd, cm, cc, ctd, csd) = (
        col("EventID")?,
        col("Time")?,
        col("Name")?,
        col("Lat")?,
        col("Lon")?,
        col("Depth")?,
        col("Magnitude")?,
        col("CountryCode")?,
        col("TotalDeaths")?,
        col("ShakingDeaths")?,
    );
    let mmi_cols: Vec<usize> = (1..=9)
        .map(|k| {
            col(&if k == 9 {
                "MMI9+".to_string()
            } else {
                format!("MMI{k}")
            })
        })
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (line, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| EngineError::Input(format!("{p}: {e}")))?;
        let num = |i: usize, field: &str| -> Result<f64, EngineError> {
            rec[i].trim().parse::<f64>().map_err(|_| {
                EngineError::Input(format!(
                    "{p}: line {}: {field} '{}' is not a number",
                    line + 2,
                    &rec[i]
                ))
            })
        };
        let opt = |i: usize| rec[i].trim().parse::<f64>().ok();
        let time = rec[ct].to_string();
        let parsed = chrono::DateTime::parse_from_rfc3339(&time).map_err(|e| {
            EngineError::Input(format!("{p}: line {}: Time '{time}': {e}", line + 2))
        })?;
        let (epoch_s, year) = (parsed.timestamp(), chrono::Datelike::year(&parsed));
        let mut people = [0.0; 9];
        for (k, &c) in mmi_cols.iter().enumerate() {
            people[k] = opt(c).unwrap_or(0.0);
        }
        out.push(ExpocatEvent {
            event_id: rec[ci].to_string(),
            time,
            epoch_s,
            year,
            name: rec[cn].trim_matches('"').to_string(),
            lat: num(cla, "Lat")?,
            lon: num(clo, "Lon")?,
            depth_km: opt(cd),
            mag: num(cm, "Magnitude")?,
            country: rec[cc].to_string(),
            people_by_mmi: people,
            deaths: finite(opt(ctd))
                .or(finite(opt(csd)))
                .filter(|d| *d >= 0.0)
                .unwrap_or(0.0),
        });
    }
    Ok(out)
}

/// `v` when it is a finite number ("NaN" and "inf" parse as floats but are no death count).
fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// The `n` deadliest events of M >= `min_mag` in the region's countries from `first_year` to
/// `last_year`, deadliest first (ties by event id); events without deaths only when
/// `with_no_deaths` (after the deadly ones). Each `EventID` once, with its deadliest row.
pub fn deadliest(
    events: &[ExpocatEvent],
    region: &Region,
    min_mag: f64,
    first_year: i32,
    last_year: i32,
    n: usize,
    with_no_deaths: bool,
) -> Selection {
    let mut v: Vec<ExpocatEvent> = events
        .iter()
        .filter(|e| {
            e.mag >= min_mag
                && (first_year..=last_year).contains(&e.year)
                && (with_no_deaths || e.deaths > 0.0)
                && region.countries.iter().any(|c| c.iso2 == e.country)
        })
        .cloned()
        .collect();
    v.sort_by(|a, b| {
        b.deaths
            .total_cmp(&a.deaths)
            .then(a.event_id.cmp(&b.event_id))
    });
    let (mut events, repeated_rows) = without_repeated_rows(v);
    events.truncate(n);
    Selection {
        events,
        repeated_rows,
    }
}

/// The events a bench runs.
#[derive(Debug, Clone)]
pub struct Selection {
    pub events: Vec<ExpocatEvent>,
    /// Rows of the catalogue's selection dropped because they repeat an event's `EventID` (the
    /// row with the most deaths is kept).
    pub repeated_rows: usize,
}

/// The events with each `EventID` once, and how many rows were dropped. EXPO-CAT repeats a few
/// events (10 of its 5,646 rows, among them Buyin-Zara 1962 in the region): the same id, time
/// and people per MMI, the deaths mostly blank or 0 in the repeat. The row kept is the first
/// of `sorted`, which [`deadliest`] orders deadliest first, so the row with the deaths stays.
fn without_repeated_rows(sorted: Vec<ExpocatEvent>) -> (Vec<ExpocatEvent>, usize) {
    let mut seen = std::collections::HashSet::new();
    let n = sorted.len();
    let kept: Vec<ExpocatEvent> = sorted
        .into_iter()
        .filter(|e| seen.insert(e.event_id.clone()))
        .collect();
    let dropped = n - kept.len();
    (kept, dropped)
}

/// Where and how long after a main shock its aftershocks fall.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AftershockWindow {
    pub distance_km: f64,
    pub duration_days: f64,
}

/// The aftershock window of a main shock of magnitude `mag`: the Gardner & Knopoff (1974)
/// table as parameterised by van Stiphout, Zhuang & Marsan (2012, "Seismicity declustering",
/// CORSSA, doi:10.5078/corssa-52382934): d = 10^(0.1238 M + 0.983) km; t = 10^(0.032 M +
/// 2.7389) days for M >= 6.5, else 10^(0.5409 M - 0.547).
pub fn gardner_knopoff_window(mag: f64) -> AftershockWindow {
    AftershockWindow {
        distance_km: 10f64.powf(0.1238 * mag + 0.983),
        duration_days: if mag >= 6.5 {
            10f64.powf(0.032 * mag + 2.7389)
        } else {
            10f64.powf(0.5409 * mag - 0.547)
        },
    }
}

/// The main shock `e` is an aftershock of, if any: the largest earlier catalogue event of
/// larger magnitude within whose Gardner & Knopoff window `e` falls (an equal magnitude
/// counts when it came first). PAGER-CAT counts the deaths of a sequence under its main
/// shock, so an aftershock's row says 0 or few deaths whatever its shaking did.
pub fn main_shock_of<'a>(
    e: &ExpocatEvent,
    catalogue: &'a [ExpocatEvent],
) -> Option<&'a ExpocatEvent> {
    let here = forewarn_core::LonLat::new(e.lon, e.lat);
    catalogue
        .iter()
        .filter(|m| {
            m.event_id != e.event_id
                && (m.mag > e.mag || (m.mag == e.mag && m.epoch_s < e.epoch_s))
                && m.epoch_s <= e.epoch_s
                && {
                    let w = gardner_knopoff_window(m.mag);
                    (e.epoch_s - m.epoch_s) as f64 <= w.duration_days * 86_400.0
                        && here.distance_km(&forewarn_core::LonLat::new(m.lon, m.lat))
                            <= w.distance_km
                }
        })
        .max_by(|a, b| a.mag.total_cmp(&b.mag).then(b.epoch_s.cmp(&a.epoch_s)))
}

/// One event's comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub event: ExpocatEvent,
    /// Forewarn's people at MMI VII+, VIII+, IX+ (median shaking, event-year population).
    pub forewarn: [f64; 3],
    /// EXPO-CAT's at the same levels.
    pub expocat: [f64; 3],
    pub max_mmi: f64,
    pub deaths_median: f64,
    /// Forewarn's alert level for deaths (PAGER's bands of the run's loss distribution).
    pub alert_fatalities: AlertLevel,
    /// PAGER's empirical fatality model for the event's country applied to EXPO-CAT's own
    /// exposure (MMI V..IX+; IX+ as PAGER's top bin): what PAGER's model gives on PAGER's
    /// shaking and population, a retrospective PAGER estimate.
    pub pager_model_deaths: f64,
    /// The event year used for the population (after clamping into the year table).
    pub year_used: Option<i32>,
    /// The main shock whose deaths include this event's, when it is an aftershock
    /// ([`main_shock_of`]): its event id.
    pub aftershock_of: Option<String>,
    /// The ground-motion models the run used (`regime::select`: `nga-west2`, `bchydro-slab`
    /// or `ab06`).
    pub models: String,
}

/// How many alert bands apart two levels are (0-3).
pub fn bands_apart(a: AlertLevel, b: AlertLevel) -> usize {
    let i = |l: AlertLevel| AlertLevel::ALL.iter().position(|x| *x == l).unwrap_or(0);
    i(a).abs_diff(i(b))
}

/// Deaths within a factor `f` of the observed toll, counts below one death taken as one (so an
/// event nobody died in agrees with a median below `f`).
pub fn deaths_within_factor(median: f64, observed: f64, f: f64) -> bool {
    let (m, o) = (median.max(1.0), observed.max(1.0));
    m / o <= f && o / m <= f
}

/// PAGER's fatality model for `e.country` on EXPO-CAT's people per MMI.
pub fn pager_model_deaths(e: &ExpocatEvent) -> f64 {
    let mut people = [0.0; 10];
    people[..9].copy_from_slice(&e.people_by_mmi);
    pager::expected_deaths(&pager::params(&e.country), &people)
}

/// Agreement within a factor `f` (both negligible also agrees).
pub fn within_factor(forewarn: f64, expocat: f64, f: f64) -> bool {
    if forewarn < NEGLIGIBLE_PEOPLE && expocat < NEGLIGIBLE_PEOPLE {
        return true;
    }
    if forewarn <= 0.0 || expocat <= 0.0 {
        return false;
    }
    let r = forewarn / expocat;
    r <= f && r >= 1.0 / f
}

/// Run one event as a point at its catalogue time (medians only, default models).
pub fn compare(
    region: &Region,
    exposure: &Exposure,
    e: &ExpocatEvent,
    catalogue: &[ExpocatEvent],
) -> Result<Comparison, EngineError> {
    let req = QuakeRequest {
        source: QuakeSource::Hypocenter {
            lon: e.lon,
            lat: e.lat,
            depth_km: e.depth_km.unwrap_or(DEFAULT_DEPTH_KM),
            mag: e.mag,
            strike_deg: None,
            dip_deg: None,
            rake_deg: None,
        },
        gmpe: "nga-west2".into(),
        spacing_km: None,
        realizations: 0,
        correlation: Correlation::None,
        truncation: 3.0,
        seed: 42,
        sites: Vec::new(),
        extra_imts: Vec::new(),
        vs30_grid: None,
        vs30_file: None,
        sites_file: None,
        event_name: Some(e.name.clone()),
        event_year: Some(e.year),
    };
    let run = quake::run(region, exposure, req, &|_, _, _| {})?;
    let mut f = [0.0; 3];
    for c in &run.countries {
        for (k, lvl) in [7usize, 8, 9].iter().enumerate() {
            f[k] += c.people_by_mmi[lvl - 1..].iter().sum::<f64>();
        }
    }
    Ok(Comparison {
        forewarn: f,
        expocat: [e.at_or_above(7), e.at_or_above(8), e.at_or_above(9)],
        max_mmi: run.max_mmi,
        deaths_median: run.fatalities.median,
        alert_fatalities: run.alert_fatalities,
        pager_model_deaths: pager_model_deaths(e),
        year_used: run.exposure_year.year,
        aftershock_of: main_shock_of(e, catalogue).map(|m| m.event_id.clone()),
        models: run.model_selection.models.clone(),
        event: e.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, time: &str, lat: f64, lon: f64, mag: f64) -> ExpocatEvent {
        ExpocatEvent {
            event_id: id.into(),
            time: time.into(),
            epoch_s: chrono::DateTime::parse_from_rfc3339(time)
                .unwrap()
                .timestamp(),
            year: time[..4].parse().unwrap(),
            name: id.into(),
            lat,
            lon,
            depth_km: None,
            mag,
            country: "CN".into(),
            people_by_mmi: [0.0; 9],
            deaths: 0.0,
        }
    }

    #[test]
    fn aftershocks_fall_in_their_main_shocks_gardner_knopoff_window() {
        // CORSSA's parameterisation: M7.6 reaches 84 km and 960 days; M6.0 53 km, 499 days.
        let w = gardner_knopoff_window(7.6);
        assert!((w.distance_km - 83.9).abs() < 0.1 && (w.duration_days - 959.6).abs() < 0.5);
        let w = gardner_knopoff_window(6.0);
        assert!((w.distance_km - 53.2).abs() < 0.1 && (w.duration_days - 499.0).abs() < 0.5);
        let cat = [
            event("tangshan", "1976-07-27T19:42:55Z", 39.57, 117.98, 7.6),
            // Luanxian, 15 h later and about 45 km away: an aftershock.
            event("luanxian", "1976-07-28T10:45:37Z", 39.75, 118.45, 7.0),
            // The same day 300 km away, and near but five years later: neither.
            event("far", "1976-07-28T12:00:00Z", 41.5, 120.5, 6.2),
            event("later", "1981-07-28T12:00:00Z", 39.6, 118.0, 6.2),
            // A smaller shock before the main one is not the main shock of it.
            event("foreshock", "1976-07-27T10:00:00Z", 39.6, 118.0, 5.0),
        ];
        let of = |i: usize| main_shock_of(&cat[i], &cat).map(|m| m.event_id.as_str());
        assert_eq!(of(1), Some("tangshan"));
        assert_eq!(of(0), None);
        assert_eq!(of(2), None);
        assert_eq!(of(3), None);
        assert_eq!(of(4), None);
    }

    #[test]
    fn a_repeated_row_runs_once_with_its_deaths() {
        // EXPO-CAT holds Buyin-Zara 1962 twice: 12,225 deaths, then the same row with 0.
        let mut with_deaths = event("196209011920", "1962-09-01T19:20:40Z", 35.563, 49.817, 6.9);
        with_deaths.deaths = 12_225.0;
        with_deaths.country = "IR".into();
        let mut repeat = with_deaths.clone();
        repeat.deaths = 0.0;
        let other = event("196001010000", "1960-01-01T00:00:00Z", 35.0, 50.0, 6.0);
        let region = forewarn_embedded::region().expect("embedded region");
        let mut other_ir = other.clone();
        other_ir.country = "IR".into();
        let cat = [repeat, other_ir, with_deaths];
        let sel = deadliest(&cat, &region, 6.0, 1960, 2007, 100, true);
        assert_eq!(sel.repeated_rows, 1);
        let ids: Vec<(&str, f64)> = sel
            .events
            .iter()
            .map(|e| (e.event_id.as_str(), e.deaths))
            .collect();
        assert_eq!(ids, [("196209011920", 12_225.0), ("196001010000", 0.0)]);
        // Without the events that have no deaths the repeat is not selected at all.
        let sel = deadliest(&cat, &region, 6.0, 1960, 2007, 100, false);
        assert_eq!((sel.events.len(), sel.repeated_rows), (1, 0));
    }

    #[test]
    fn factor_of_two_and_negligible_counts() {
        assert!(within_factor(150_000.0, 100_000.0, 2.0));
        assert!(!within_factor(250_000.0, 100_000.0, 2.0));
        assert!(!within_factor(40_000.0, 100_000.0, 2.0));
        assert!(within_factor(0.0, 500.0, 2.0));
        assert!(!within_factor(5000.0, 0.0, 2.0));
    }

    #[test]
    fn deaths_agree_within_a_factor_with_a_floor_of_one() {
        assert!(deaths_within_factor(8_000.0, 87_351.0, 11.0));
        assert!(!deaths_within_factor(8_000.0, 87_351.0, 10.0));
        assert!(deaths_within_factor(9.0, 0.0, 10.0));
        assert!(!deaths_within_factor(11.0, 0.0, 10.0));
        assert_eq!(bands_apart(AlertLevel::Green, AlertLevel::Red), 3);
        assert_eq!(bands_apart(AlertLevel::Orange, AlertLevel::Yellow), 1);
    }
}

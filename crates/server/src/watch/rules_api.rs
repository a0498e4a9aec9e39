//! Each organisation's watch rules, set by its admin through the API (and the web UI's Watch
//! screen): whether the watch alarms it at all, its area of interest (its country plus a
//! buffer), the minimum magnitude by depth, the sources it trusts and the alert level from
//! which the watch drafts a warning. One journaled `watch_rules` record per organisation;
//! a change applies to the running watch at once and survives restarts (stored rules replace
//! the `--demo` defaults). `…/area` draws the area for a map, `…/check` answers whether an
//! event at a point would concern the organisation.

use super::{DEMO_BUFFER_KM, OrgWatch, WatchService};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, Idem, JsonBody};
use crate::records::{self, Stored};
use crate::write::write_op;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forewarn_impact::AlertLevel;
use forewarn_store::{UserRole, Visibility};
use forewarn_watch::{AreaOfInterest, MagnitudeStep, OrgRules};
use geo::MultiPolygon;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The largest buffer around a country, km (the rule's distance is computed on a local
/// projection whose error stays well under 1 % up to a few hundred km; rules.rs).
pub const MAX_BUFFER_KM: f64 = 500.0;
/// The most magnitude-by-depth steps.
pub const MAX_STEPS: usize = 6;
/// The most trusted sources named.
pub const MAX_TRUSTED_SOURCES: usize = 32;
/// Magnitudes a step may name: the catalogues' smallest regional events to the largest
/// instrumental earthquake (M9.5, Chile 1960).
pub const MIN_MAG_RANGE: (f64, f64) = (2.0, 9.5);
/// The deepest earthquakes are about 700 km deep (the base of the transition zone).
pub const MAX_DEPTH_KM: f64 = 700.0;
/// Longest source name accepted in `trusted_sources`.
const MAX_SOURCE_NAME: usize = 64;

/// Whether the watch alarms the organisation at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RulesStatus {
    On,
    Off,
}

impl RulesStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RulesStatus::On => "on",
            RulesStatus::Off => "off",
        }
    }
}

/// One organisation's stored watch rules.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WatchRules {
    pub id: i64,
    pub org: String,
    #[schema(value_type = String)]
    pub visibility: Visibility,
    pub status: RulesStatus,
    pub buffer_km: f64,
    #[schema(value_type = Vec<Object>)]
    pub magnitude_steps: Vec<MagnitudeStep>,
    pub trusted_sources: Vec<String>,
    #[schema(value_type = String)]
    pub draft_from: AlertLevel,
    pub changed_by: String,
    pub created_at: String,
    pub updated_at: String,
}

records::impl_stored!(WatchRules, "watch_rules", unscoped);

/// Body of `PUT /api/orgs/{code}/watch-rules`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchRulesIn {
    pub enabled: bool,
    pub buffer_km: f64,
    /// `[{"max_depth_km": 70, "min_mag": 5.0}, {"max_depth_km": null, "min_mag": 6.0}]`:
    /// depth bounds strictly increasing, only the last may be null (any depth).
    #[schema(value_type = Vec<Object>)]
    pub magnitude_steps: Vec<MagnitudeStep>,
    #[serde(default)]
    pub trusted_sources: Vec<String>,
    pub draft_from: String,
}

/// Where an organisation's effective rules come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Set by the organisation's admin.
    Stored,
    /// The `--demo` defaults of a running watch.
    Demo,
    /// None: the watch alarms the organisation for nothing.
    None,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Origin::Stored => "stored",
            Origin::Demo => "demo",
            Origin::None => "none",
        }
    }
}

/// The rules as the API shows them (stored, demo defaults or none).
struct Effective {
    origin: Origin,
    enabled: bool,
    buffer_km: f64,
    steps: Vec<MagnitudeStep>,
    trusted: Vec<String>,
    draft_from: AlertLevel,
    changed_by: Option<String>,
    updated_at: Option<String>,
}

impl Effective {
    fn of_stored(r: &WatchRules) -> Effective {
        Effective {
            origin: Origin::Stored,
            enabled: r.status == RulesStatus::On,
            buffer_km: r.buffer_km,
            steps: r.magnitude_steps.clone(),
            trusted: r.trusted_sources.clone(),
            draft_from: r.draft_from,
            changed_by: Some(r.changed_by.clone()),
            updated_at: Some(r.updated_at.clone()),
        }
    }

    /// The demo defaults (also the starting point offered when there are none).
    fn defaults(origin: Origin) -> Effective {
        Effective {
            origin,
            enabled: origin != Origin::None,
            buffer_km: DEMO_BUFFER_KM,
            steps: OrgRules::default_steps(),
            trusted: vec![],
            draft_from: AlertLevel::Green,
            changed_by: None,
            updated_at: None,
        }
    }

    fn to_json(&self, org: &str, watch: Option<&WatchService>) -> Value {
        let sources: Vec<String> = watch
            .map(|w| w.sources().into_iter().map(|s| s.name).collect())
            .unwrap_or_default();
        json!({
            "org": org,
            "origin": self.origin.as_str(),
            "enabled": self.enabled,
            "buffer_km": self.buffer_km,
            "magnitude_steps": self.steps,
            "trusted_sources": self.trusted,
            "draft_from": self.draft_from.as_str(),
            "changed_by": self.changed_by,
            "updated_at": self.updated_at,
            "watching": watch.is_some(),
            "sources": sources,
            "limits": {
                "buffer_km_max": MAX_BUFFER_KM,
                "steps_max": MAX_STEPS,
                "trusted_sources_max": MAX_TRUSTED_SOURCES,
                "min_mag_min": MIN_MAG_RANGE.0,
                "min_mag_max": MIN_MAG_RANGE.1,
                "depth_km_max": MAX_DEPTH_KM,
            },
        })
    }
}

async fn stored(st: &AppState, org: &str) -> Result<Option<WatchRules>, ApiError> {
    records::one_of_org(&st.store, org).await
}

/// The rules in force for `org`: stored, else the running watch's demo defaults, else none.
async fn effective(st: &AppState, org: &str) -> Result<Effective, ApiError> {
    if let Some(r) = stored(st, org).await? {
        return Ok(Effective::of_stored(&r));
    }
    let demo = st.watch.get().and_then(|w| w.org(org)).is_some();
    Ok(Effective::defaults(if demo {
        Origin::Demo
    } else {
        Origin::None
    }))
}

/// The rules `org` is watched by: the running watch's; without a watch (an exercise feed on a
/// server that runs none), its stored rules, else the demo defaults for an organisation of a
/// country. `None`: the organisation is alarmed for nothing.
pub async fn in_force(st: &AppState, org: &str) -> Result<Option<OrgWatch>, ApiError> {
    if let Some(w) = st.watch.get() {
        return Ok(w.org(org));
    }
    let Some(iso2) = st.store.org(org).await?.and_then(|o| o.country_iso2) else {
        return Ok(None);
    };
    let boundary = boundary_of(&iso2)?;
    Ok(match stored(st, org).await? {
        Some(r) => org_watch(org, boundary, &r),
        None => Some(OrgWatch::demo(org, boundary)),
    })
}

/// The country (ISO 3166-1 alpha-2) of organisation `code`: 404 for an unknown organisation,
/// 422 naming `field` for one without a country (the regional centre).
async fn country_of(st: &AppState, code: &str, field: &str) -> Result<String, ApiError> {
    let org = st
        .store
        .org(code)
        .await?
        .ok_or_else(|| ApiError::not_found("organisation"))?;
    org.country_iso2.ok_or_else(|| {
        ApiError::invalid(
            format!("organisation '{code}' has no country, so no area of interest"),
            field,
        )
    })
}

/// The country's boundary from the embedded region.
pub(super) fn boundary_of(iso2: &str) -> Result<MultiPolygon<f64>, ApiError> {
    let w = crate::runner::world()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e, None))?;
    let c = w.region.country(iso2).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("no boundary for country {iso2}: {e}"),
            None,
        )
    })?;
    Ok(c.boundary.clone())
}

/// The running watch's entry for `org` made from stored rules (`None` when they are off).
fn org_watch(org: &str, boundary: MultiPolygon<f64>, r: &WatchRules) -> Option<OrgWatch> {
    (r.status == RulesStatus::On).then(|| OrgWatch {
        rules: OrgRules {
            org: org.to_string(),
            area: AreaOfInterest::new(boundary, r.buffer_km),
            magnitude_steps: r.magnitude_steps.clone(),
            trusted_sources: r.trusted_sources.clone(),
        },
        draft_from: r.draft_from,
    })
}

/// Replaces the starting rules (`--demo` defaults or none) of every organisation that stored
/// its own; called once when the watch starts.
pub async fn apply_stored(st: &AppState, svc: &WatchService) -> Result<(), String> {
    let rs = st
        .store
        .list_records(
            WatchRules::TYPE,
            &forewarn_store::Reader::All,
            &forewarn_store::RecordFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| format!("reading the stored watch rules: {e}"))?;
    for r in rs {
        let rules: WatchRules = records::from_record(&r).map_err(|e| e.error)?;
        let Some(iso2) = st
            .store
            .org(&rules.org)
            .await
            .map_err(|e| format!("reading organisation {}: {e}", rules.org))?
            .and_then(|o| o.country_iso2)
        else {
            continue;
        };
        let boundary = boundary_of(&iso2).map_err(|e| e.error)?;
        svc.set_org(&rules.org, org_watch(&rules.org, boundary, &rules));
    }
    Ok(())
}

/// `GET /api/orgs/{code}/watch-rules`.
pub async fn get(
    State(st): State<AppState>,
    _caller: Caller,
    Path(code): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    if st.store.org(&code).await?.is_none() {
        return Err(ApiError::not_found("organisation"));
    }
    let e = effective(&st, &code).await?;
    Ok(axum::Json(e.to_json(&code, st.watch.get().map(|w| &**w))))
}

/// The body checked against the limits; 422 naming the field otherwise.
fn checked(inp: &WatchRulesIn, watch: Option<&WatchService>) -> Result<AlertLevel, ApiError> {
    if !inp.buffer_km.is_finite() || !(0.0..=MAX_BUFFER_KM).contains(&inp.buffer_km) {
        return Err(ApiError::invalid(
            format!("buffer_km must be 0 to {MAX_BUFFER_KM} km"),
            "buffer_km",
        ));
    }
    let n = inp.magnitude_steps.len();
    if n == 0 || n > MAX_STEPS {
        return Err(ApiError::invalid(
            format!("magnitude_steps must have 1 to {MAX_STEPS} steps"),
            "magnitude_steps",
        ));
    }
    let mut prev_depth = 0.0_f64;
    for (i, s) in inp.magnitude_steps.iter().enumerate() {
        let field = |f: &str| format!("magnitude_steps[{i}].{f}");
        let (lo, hi) = MIN_MAG_RANGE;
        if !s.min_mag.is_finite() || !(lo..=hi).contains(&s.min_mag) {
            return Err(ApiError::invalid(
                format!("{} must be M{lo} to M{hi}", field("min_mag")),
                &field("min_mag"),
            ));
        }
        match s.max_depth_km {
            None if i + 1 < n => {
                return Err(ApiError::invalid(
                    format!(
                        "{} may be null (any depth) only in the last step",
                        field("max_depth_km")
                    ),
                    &field("max_depth_km"),
                ));
            }
            None => {}
            Some(d) if !d.is_finite() || d <= prev_depth || d > MAX_DEPTH_KM => {
                return Err(ApiError::invalid(
                    format!(
                        "{} must be more than {prev_depth} km (the step before) and at most {MAX_DEPTH_KM} km",
                        field("max_depth_km")
                    ),
                    &field("max_depth_km"),
                ));
            }
            Some(d) => prev_depth = d,
        }
    }
    if inp.trusted_sources.len() > MAX_TRUSTED_SOURCES {
        return Err(ApiError::invalid(
            format!("trusted_sources may name at most {MAX_TRUSTED_SOURCES} sources"),
            "trusted_sources",
        ));
    }
    for (i, s) in inp.trusted_sources.iter().enumerate() {
        let field = format!("trusted_sources[{i}]");
        let known = watch.is_none_or(|w| w.has_source(s));
        if s.is_empty() || s.len() > MAX_SOURCE_NAME || !known {
            return Err(ApiError::invalid(
                format!("{field} must name a watched source (1 to {MAX_SOURCE_NAME} characters)"),
                &field,
            ));
        }
    }
    AlertLevel::parse(&inp.draft_from).ok_or_else(|| {
        ApiError::invalid(
            format!(
                "draft_from '{}' is not one of green, yellow, orange, red",
                inp.draft_from.chars().take(32).collect::<String>()
            ),
            "draft_from",
        )
    })
}

/// `PUT /api/orgs/{code}/watch-rules`: the organisation's admin sets its rules (journaled
/// `watch_rules.changed`); the running watch uses them from the next report on.
pub async fn set(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(code): Path<String>,
    JsonBody(inp): JsonBody<WatchRulesIn>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::Admin)?;
    caller.require_org(&code)?;
    let iso2 = country_of(&st, &code, "org").await?;
    let watch = st.watch.get().cloned();
    let draft_from = checked(&inp, watch.as_deref())?;
    let boundary = boundary_of(&iso2)?;
    let existing = stored(&st, &code).await?.map(|r| (r.id, r.created_at));
    let c = caller.clone();
    let org = code.clone();
    let w = watch.clone();
    let resp = write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let rules = records::put_of_org(
            tx,
            &c.user.username,
            "watch_rules.changed",
            existing,
            |id, created_at, now| WatchRules {
                id,
                org: org.clone(),
                visibility: Visibility::Regional,
                status: if inp.enabled {
                    RulesStatus::On
                } else {
                    RulesStatus::Off
                },
                buffer_km: inp.buffer_km,
                magnitude_steps: inp.magnitude_steps,
                trusted_sources: inp.trusted_sources,
                draft_from,
                changed_by: c.user.username.clone(),
                created_at,
                updated_at: now,
            },
        )
        .await?;
        Ok(Effective::of_stored(&rules).to_json(&org, w.as_deref()))
    })
    .await?;
    // After the commit: the running watch takes the rules as stored now.
    if resp.status() == StatusCode::OK
        && let Some(w) = watch
        && let Some(r) = stored(&st, &code).await?
    {
        w.set_org(&code, org_watch(&code, boundary, &r));
    }
    Ok(resp)
}

/// Query of `…/watch-rules/area`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaQuery {
    pub buffer_km: Option<f64>,
}

/// `GET /api/orgs/{code}/watch-rules/area?buffer_km=`: the country and its area of interest
/// as GeoJSON (the current rules' buffer when `buffer_km` is not given).
pub async fn area(
    State(st): State<AppState>,
    _caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<AreaQuery>,
) -> Result<Response, ApiError> {
    let iso2 = country_of(&st, &code, "org").await?;
    let buffer_km = match q.buffer_km {
        Some(b) if !b.is_finite() || !(0.0..=MAX_BUFFER_KM).contains(&b) => {
            return Err(ApiError::invalid(
                format!("buffer_km must be 0 to {MAX_BUFFER_KM} km"),
                "buffer_km",
            ));
        }
        Some(b) => b,
        None => effective(&st, &code).await?.buffer_km,
    };
    let boundary = boundary_of(&iso2)?;
    let body = tokio::task::spawn_blocking(move || {
        let area = AreaOfInterest::new(boundary.clone(), buffer_km).drawn();
        let feature = |g: &MultiPolygon<f64>, props: Value| {
            json!({
                "type": "Feature",
                "properties": props,
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": forewarn_engine::contours::geojson_coordinates(g),
                },
            })
        };
        json!({
            "type": "FeatureCollection",
            "features": [
                feature(&boundary, json!({"part": "country", "country": iso2})),
                feature(&area, json!({"part": "area", "buffer_km": buffer_km})),
            ],
        })
        .to_string()
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), None))?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/geo+json")],
        body,
    )
        .into_response())
}

/// Query of `…/watch-rules/check`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckQuery {
    pub lat: f64,
    pub lon: f64,
    pub depth_km: f64,
    pub mag: f64,
}

/// `GET /api/orgs/{code}/watch-rules/check?lat=&lon=&depth_km=&mag=`: whether an event there
/// would concern the organisation under its current rules, and why.
pub async fn check(
    State(st): State<AppState>,
    _caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<CheckQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let bounds = [
        ("lat", q.lat, -90.0, 90.0),
        ("lon", q.lon, -180.0, 180.0),
        ("depth_km", q.depth_km, 0.0, MAX_DEPTH_KM),
        ("mag", q.mag, 0.0, 10.0),
    ];
    for (field, v, lo, hi) in bounds {
        if !v.is_finite() || !(lo..=hi).contains(&v) {
            return Err(ApiError::invalid(
                format!("{field} must be {lo} to {hi}"),
                field,
            ));
        }
    }
    let iso2 = country_of(&st, &code, "org").await?;
    let e = effective(&st, &code).await?;
    let boundary = boundary_of(&iso2)?;
    let rules = OrgRules {
        org: code.clone(),
        area: AreaOfInterest::new(boundary, e.buffer_km),
        magnitude_steps: e.steps.clone(),
        trusted_sources: vec![],
    };
    let distance_km = rules.area.distance_km(q.lon, q.lat);
    let in_area = distance_km <= e.buffer_km;
    let min_mag = rules.min_mag_at(q.depth_km);
    let magnitude_ok = min_mag.is_some_and(|m| q.mag >= m);
    Ok(axum::Json(json!({
        "passes": e.enabled && in_area && magnitude_ok,
        "enabled": e.enabled,
        "origin": e.origin.as_str(),
        "distance_km": (distance_km * 10.0).round() / 10.0,
        "buffer_km": e.buffer_km,
        "in_area": in_area,
        "min_mag": min_mag,
        "magnitude_ok": magnitude_ok,
    })))
}

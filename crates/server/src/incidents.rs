//! Incidents: an earthquake impact run in the background, its hazard layers and a CAP alert
//! proposal.

use crate::error::ApiError;
use crate::extract::{Caller, Idem, JsonBody};
use crate::records::{self, ListQuery, ParentParam, load, next_id, owner_only, visibility_or};
use crate::write::write_op;
use crate::{AppState, LiveEvent};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use forewarn_store::{UserRole, Visibility, now_ts};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

mod status;
pub use status::{IncidentAction, IncidentStatus};

/// Earthquake parameters of an incident.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuakeParams {
    pub lat: f64,
    pub lon: f64,
    pub depth_km: f64,
    pub mag: f64,
    #[serde(default)]
    pub strike_deg: Option<f64>,
    #[serde(default)]
    pub dip_deg: Option<f64>,
    #[serde(default)]
    pub rake_deg: Option<f64>,
    #[serde(default)]
    pub gmpe: Option<String>,
    #[serde(default)]
    pub realizations: Option<usize>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// When the earthquake happened (RFC 3339, e.g. `2026-12-06T03:50:40Z`): the alert's
    /// onset and the year of the exposure; absent, the time the run starts (a scenario).
    #[serde(default)]
    pub origin_time: Option<String>,
}

impl QuakeParams {
    /// The origin time, when given and readable.
    pub fn origin(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let t = self.origin_time.as_deref()?;
        if t.len() > 40 {
            return None;
        }
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc))
    }

    /// Range checks, naming the field.
    pub fn check(&self) -> Result<(), ApiError> {
        let range = |v: f64, lo: f64, hi: f64, f: &str| {
            if v.is_finite() && v >= lo && v <= hi {
                Ok(())
            } else {
                Err(ApiError::invalid(
                    format!("{f} must be within {lo} to {hi}"),
                    f,
                ))
            }
        };
        range(self.lat, -90.0, 90.0, "quake.lat")?;
        range(self.lon, -180.0, 180.0, "quake.lon")?;
        range(self.depth_km, 0.0, 700.0, "quake.depth_km")?;
        range(self.mag, 4.0, 9.5, "quake.mag")?;
        if let Some(s) = self.strike_deg {
            range(s, -360.0, 360.0, "quake.strike_deg")?;
        }
        if let Some(d) = self.dip_deg
            && !(d > 0.0 && d <= 90.0)
        {
            return Err(ApiError::invalid(
                "quake.dip_deg must be in (0, 90]",
                "quake.dip_deg",
            ));
        }
        if let Some(r) = self.rake_deg {
            range(r, -180.0, 180.0, "quake.rake_deg")?;
        }
        if let Some(t) = &self.origin_time {
            self.origin()
                .filter(|o| chrono::Datelike::year(o) >= 1900 && *o <= chrono::Utc::now() + chrono::Duration::hours(1))
                .ok_or_else(|| {
                    ApiError::invalid(
                        format!("quake.origin_time '{}' is not an RFC 3339 time between 1900 and now (e.g. 2026-12-06T03:50:40Z)", t.chars().take(40).collect::<String>()),
                        "quake.origin_time",
                    )
                })?;
        }
        if let Some(g) = &self.gmpe
            && !["bssa14", "cy14", "ask14", "cb14", "nga-west2"].contains(&g.as_str())
        {
            return Err(ApiError::invalid(
                "quake.gmpe must be one of bssa14, cy14, ask14, cb14, nga-west2",
                "quake.gmpe",
            ));
        }
        if let Some(n) = self.realizations
            && let Err(e) = forewarn_engine::limits::check_realizations(n)
        {
            return Err(ApiError::invalid(
                format!("quake.realizations: {}", e.message),
                "quake.realizations",
            ));
        }
        Ok(())
    }
}

/// Progress of a running incident (kept in memory, streamed as `incident.progress`).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Progress {
    pub stage: String,
    pub done: u64,
    pub total: u64,
}

/// What an incident is about (stored and sent in lowercase: "earthquake", "flood").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IncidentHazard {
    Earthquake,
    Flood,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Incident {
    pub id: i64,
    pub org: String,
    #[schema(value_type = String)]
    pub visibility: Visibility,
    pub title: String,
    pub hazard: IncidentHazard,
    pub status: IncidentStatus,
    /// The earthquake's parameters (absent for a flood incident).
    #[serde(default)]
    pub quake: Option<QuakeParams>,
    /// For a flood a gauge crossing started: the scenario and the crossing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub flood: Option<FloodParams>,
    #[serde(default)]
    pub progress: Option<Progress>,
    /// When the run left the queue and started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// While the run waits for the pool: its place in the fair queue (1 = next).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<usize>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub summary: Option<Value>,
    #[serde(default)]
    pub alert_level: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub layers: Vec<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    /// The live exercise this belongs to (absent for real records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise_id: Option<i64>,
    /// For an exercise incident: the exercise hazard it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise_hazard: Option<String>,
    /// `manual` (created by a person) or `auto` (created by the watch from a source event).
    #[serde(default)]
    pub origin: Origin,
    /// The agencies' ids of the event an automatic incident was made from (`us7000abcd`).
    #[serde(default)]
    pub source_event_ids: Vec<String>,
    /// For an automatic incident: its watch event and the last assessment drafts were made
    /// from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub watch: Option<crate::watch::WatchLink>,
    /// The server node or worker running it (node.rs), once one took its job from the queue
    /// (jobs.rs); a run whose node died is taken over by another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// How many times another node took the run over after its node died.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub takeovers: u32,
}

impl Incident {
    /// A flood incident: a gauge crossing's run or an exercise's flood hazard.
    pub fn is_flood(&self) -> bool {
        self.hazard == IncidentHazard::Flood
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The flood run of an incident a gauge crossing started (docs/watch.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FloodParams {
    /// The scenario file among the server's scenarios (`sarez-outburst.toml`).
    pub scenario: String,
    /// The gauge source whose crossing started it.
    pub gauge: String,
    /// When the gauge crossed (ms since 1970, UTC): the flood's start in the CAP message.
    pub crossing_time_ms: i64,
    /// The crossing as the watch recorded it (kind, value, detail).
    pub crossing: Value,
}

/// Who created an incident.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A person, through `POST /api/incidents` (and every incident made before the watch).
    #[default]
    Manual,
    /// The watch, from an event of its sources (docs/watch.md).
    Auto,
}

crate::records::impl_stored!(Incident, "incident", list_omits = ["summary"]);

impl Incident {
    /// A new real earthquake incident whose run is about to start (status running, nothing
    /// computed yet, made by a person); callers set what differs, such as the origin.
    pub fn new_quake_run(
        id: i64,
        org: &str,
        visibility: Visibility,
        title: String,
        quake: QuakeParams,
        created_by: &str,
    ) -> Incident {
        let mut inc = Incident::new_run(
            id,
            org,
            visibility,
            title,
            IncidentHazard::Earthquake,
            created_by,
        );
        inc.quake = Some(quake);
        inc
    }

    /// A new incident of `hazard` about to run.
    fn new_run(
        id: i64,
        org: &str,
        visibility: Visibility,
        title: String,
        hazard: IncidentHazard,
        created_by: &str,
    ) -> Incident {
        let now = now_ts();
        Incident {
            id,
            org: org.to_string(),
            visibility,
            title,
            hazard,
            status: IncidentStatus::Running,
            quake: None,
            flood: None,
            progress: None,
            started_at: None,
            queue_position: None,
            summary: None,
            alert_level: None,
            error: None,
            layers: vec![],
            created_by: created_by.to_string(),
            created_at: now.clone(),
            updated_at: now,
            exercise_id: None,
            exercise_hazard: None,
            origin: Origin::Manual,
            source_event_ids: vec![],
            watch: None,
            node: None,
            takeovers: 0,
        }
    }
}

impl Incident {
    /// A new flood incident whose run is about to start: the scenario a gauge crossing names.
    pub fn new_flood_run(
        id: i64,
        org: &str,
        title: String,
        flood: FloodParams,
        created_by: &str,
    ) -> Incident {
        let mut inc = Incident::new_run(
            id,
            org,
            Visibility::OwnOrg,
            title,
            IncidentHazard::Flood,
            created_by,
        );
        inc.flood = Some(flood);
        inc
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentIn {
    pub title: String,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub visibility: Option<Visibility>,
    pub quake: QuakeParams,
}

pub async fn create(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    JsonBody(inp): JsonBody<IncidentIn>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::DutyOfficer)?;
    let title = inp.title.trim().to_string();
    if title.is_empty() || title.len() > 200 {
        return Err(ApiError::invalid(
            "title must be 1 to 200 characters",
            "title",
        ));
    }
    inp.quake.check()?;
    let visibility = visibility_or(inp.visibility, Visibility::OwnOrg, false)?;
    let c = caller.clone();
    let quake = inp.quake.clone();
    let resp = write_op(&st, &caller, &idem, StatusCode::ACCEPTED, async move |tx| {
        let inc = Incident {
            exercise_id: c.exercise,
            ..Incident::new_quake_run(
                next_id::<Incident>(tx).await?,
                &c.user.org,
                visibility,
                title,
                quake,
                &c.user.username,
            )
        };
        records::insert(tx, &c.user.username, "incident.created", &inc).await?;
        crate::jobs::queue(tx, &inc).await?;
        Ok(inc)
    })
    .await?;
    // Wake the claimer only for a fresh creation, not for a replayed response.
    let (resp, fresh) = crate::write::created::<Incident>(resp, StatusCode::ACCEPTED).await?;
    if fresh.is_some() {
        crate::jobs::wake(&st);
    }
    Ok(resp)
}

/// The queue places of the running incidents among `incs` (none read when none runs).
async fn queue_places(
    st: &AppState,
    incs: &[Incident],
) -> Result<std::collections::HashMap<i64, usize>, ApiError> {
    if incs.iter().any(|i| i.status == IncidentStatus::Running) {
        Ok(crate::jobs::queue_positions(st).await?)
    } else {
        Ok(Default::default())
    }
}

fn with_progress(
    st: &AppState,
    places: &std::collections::HashMap<i64, usize>,
    mut inc: Incident,
) -> Incident {
    inc.queue_position = None;
    if inc.status == IncidentStatus::Running {
        inc.progress = st
            .progress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&inc.id)
            .cloned();
        inc.queue_position = places.get(&inc.id).copied();
    }
    inc
}

pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let page =
        records::list_page::<Incident>(&st, &caller, "/api/incidents", &q, ParentParam::None)
            .await?;
    let places = queue_places(&st, &page.items).await?;
    let items: Vec<Incident> = page
        .items
        .into_iter()
        // Read without the run's summary (`list_omits`): `GET /api/incidents/{id}` serves it.
        .map(|inc| with_progress(&st, &places, inc))
        .collect();
    Ok(axum::Json(json!({"items": items, "next": page.next})))
}

pub async fn get(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<Incident>, ApiError> {
    let inc = load::<Incident>(&st.store, &caller.reader(), caller.exercise, id).await?;
    let places = queue_places(&st, std::slice::from_ref(&inc)).await?;
    Ok(axum::Json(with_progress(&st, &places, inc)))
}

pub async fn close(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(_): JsonBody<crate::Empty>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::DutyOfficer)?;
    let c = caller.clone();
    let resp = write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let mut inc = records::load_tx::<Incident>(tx, &c.reader(), c.exercise, id).await?;
        owner_only(&c, &inc.org)?;
        inc.status = inc.status.after(IncidentAction::Close)?;
        inc.updated_at = now_ts();
        records::update(tx, &c.user.username, "incident.closed", &inc).await?;
        // A queued run never starts; a running one stops (at its holder's next renewal on
        // another node, crate::jobs).
        tx.delete_run_job(id).await?;
        Ok(inc)
    })
    .await?;
    crate::jobs::cancel_local(&st, id);
    Ok(resp)
}

/// Layer names served by `/layers/{name}` (an incident has those of its hazard).
pub const LAYERS: [&str; 3] = ["mmi_contours", "settlements", "flood_extent"];
/// Stored name of the CAP proposal.
pub const CAP_PROPOSAL: &str = "cap_proposal";

pub async fn layer(
    State(st): State<AppState>,
    caller: Caller,
    Path((id, name)): Path<(i64, String)>,
) -> Result<Response, ApiError> {
    // As the incident page: a download link carries no exercise header.
    let _inc = crate::incident_report::readable(&st, &caller, id).await?;
    if !LAYERS.contains(&name.as_str()) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no layer '{name}'; layers are {}", LAYERS.join(", ")),
            Some("name"),
        ));
    }
    let Some(g) = st.store.get_layer(id, &name).await? else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "the layer is not ready (the run has not completed)",
            Some("name"),
        ));
    };
    let mut r = g.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    Ok(r)
}

pub async fn cap_proposal(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, ApiError> {
    let _inc = load::<Incident>(&st.store, &caller.reader(), caller.exercise, id).await?;
    let Some(xml) = st.store.get_layer(id, CAP_PROPOSAL).await? else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no CAP proposal (the run has not completed)",
            Some("id"),
        ));
    };
    Ok(axum::Json(json!({"xml": xml})))
}

/// Publishes a progress event for a running incident.
pub fn publish_progress(st: &AppState, inc: &Incident, p: Progress) {
    st.progress
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(inc.id, p.clone());
    crate::node::publish_live(
        st,
        LiveEvent {
            org: inc.org.clone(),
            visibility: inc.visibility,
            party_org: None,
            kind: "incident.progress".into(),
            data: json!({"incident_id": inc.id, "org": inc.org, "stage": p.stage, "done": p.done, "total": p.total}),
            exercise_id: inc.exercise_id,
        },
    );
}

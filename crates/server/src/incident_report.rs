//! `GET /api/incidents/{id}/report.html`: the incident page of a completed earthquake run
//! (forewarn_engine::report, the same page the CLI writes as summary.html), with what changed
//! since the previous run of the same event; for a flood run, the flood's page (its life loss
//! without and with a warning, the settlements in the order the water reaches them); for an
//! exercise incident (earthquake or flood), the scenario's page: the places its hazard
//! reaches, the people there and when. Opened in a frame of the web UI and on its own
//! for printing. `GET /api/incidents/{id}/exposure.csv`: its people per country and intensity
//! for spreadsheets (the CLI's exposure.csv).

use crate::AppState;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::incidents::Incident;
use crate::records::{Stored, from_record};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use forewarn_store::{RecordFilter, RecordPage};
use serde::Deserialize;
use serde_json::Value;

/// How far (km) and how long before (hours) an earlier run may be and still count as the
/// same event for "what changed", when the caller names none. An operational choice (an
/// updated location of one event moves by tens of km; updates come within days), not a
/// published figure.
pub const SAME_EVENT_KM: f64 = 100.0;
pub const SAME_EVENT_HOURS: i64 = 7 * 24;
/// Earlier incidents looked at when choosing the previous run.
const PREVIOUS_SCAN: i64 = 50;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Page language (`en`, `ru`, `zh`, `ur`; another gives 422 naming `lang`).
    pub lang: Option<String>,
    /// The incident to compare with; 0 for none; absent: the latest earlier run of the same
    /// event ([`SAME_EVENT_KM`], [`SAME_EVENT_HOURS`]).
    pub previous: Option<i64>,
}

/// The incident `id` and its run's summary, for `what` (an earthquake run's page or file):
/// 409 for a flood incident, 404 while the run has not completed.
async fn quake_summary(
    st: &AppState,
    caller: &Caller,
    id: i64,
    what: &str,
) -> Result<(Incident, Value), ApiError> {
    run_summary(readable(st, caller, id).await?, what)
}

/// The run's summary of incident `inc`, as [`quake_summary`].
fn run_summary(inc: Incident, what: &str) -> Result<(Incident, Value), ApiError> {
    if inc.is_flood() {
        return Err(ApiError::conflict(format!(
            "{what} is an earthquake run's; a flood incident's figures are in its summary and its map layers (flood_extent, settlements)"
        )));
    }
    let Some(summary) = inc.summary.clone() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("{what} is not ready: the run has not completed"),
            Some("id"),
        ));
    };
    Ok((inc, summary))
}

/// `GET /api/incidents/{id}/exposure.csv`: people per country and intensity of a completed
/// earthquake run, as the CLI's exposure.csv, to save for a spreadsheet.
pub async fn exposure_csv(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (_, summary) = quake_summary(&st, &caller, id, "the exposure table").await?;
    let Some(csv) = forewarn_engine::quake::exposure_csv(&summary) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "the run's summary has no exposure by intensity",
            Some("id"),
        ));
    };
    let mut r = csv.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"incident-{id}-exposure.csv\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(r)
}

/// The incident `id` as the caller may read it: in the caller's scope, or (for a page or a
/// file opened from a link, without the exercise header) in the exercise the caller takes
/// part in. The incident page, its exposure table and its layers are read through this.
pub(crate) async fn readable(
    st: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Incident, ApiError> {
    let Some(r) = st.store.get_record(Incident::TYPE, id).await? else {
        return Err(ApiError::not_found("incident"));
    };
    if !r.readable_by(&caller.reader()) {
        return Err(ApiError::not_found("incident"));
    }
    match r.exercise_id {
        x if x == caller.exercise => from_record(&r),
        Some(x) => {
            crate::exercises::check_participant(st, x, &caller.user)
                .await
                .map_err(|_| ApiError::not_found("incident"))?;
            from_record(&r)
        }
        None => Err(ApiError::not_found("incident")),
    }
}

fn epicentre(s: &Value) -> Option<(f64, f64)> {
    let h = &s["rupture"]["hypocenter"];
    Some((h["lon"].as_f64()?, h["lat"].as_f64()?))
}

fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.1.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((b.0 - a.0).to_radians() / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

/// The latest earlier completed run of the same organisation and scope whose epicentre lies
/// within [`SAME_EVENT_KM`] and which was created at most [`SAME_EVENT_HOURS`] before.
async fn same_event_before(
    st: &AppState,
    caller: &Caller,
    inc: &Incident,
) -> Result<Option<Incident>, ApiError> {
    let Some(here) = inc.summary.as_ref().and_then(epicentre) else {
        return Ok(None);
    };
    let created = chrono::DateTime::parse_from_rfc3339(&inc.created_at).ok();
    let rs = st
        .store
        .list_records_page(
            Incident::TYPE,
            &caller.reader(),
            &RecordFilter {
                status: None,
                parent_id: None,
                exercise_id: inc.exercise_id,
                limit: PREVIOUS_SCAN,
            },
            &RecordPage {
                org: Some(inc.org.clone()),
                statuses: vec!["complete".into(), "closed".into()],
                before_id: Some(inc.id),
                // The run's summary is read: it holds the epicentre.
                omit_keys: &[],
            },
        )
        .await?;
    for r in rs {
        let Ok(p) = from_record::<Incident>(&r) else {
            continue;
        };
        let Some(there) = p.summary.as_ref().and_then(epicentre) else {
            continue;
        };
        let recent = match (created, chrono::DateTime::parse_from_rfc3339(&p.created_at)) {
            (Some(a), Ok(b)) => (a - b).num_hours() <= SAME_EVENT_HOURS,
            _ => false,
        };
        if recent && distance_km(here, there) <= SAME_EVENT_KM {
            return Ok(Some(p));
        }
    }
    Ok(None)
}

pub async fn report(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let lang = q.lang.unwrap_or_else(|| "en".into());
    if !forewarn_engine::report::words::LANGUAGES.contains(&lang.as_str()) {
        return Err(ApiError::invalid(
            format!(
                "lang must be one of {}",
                forewarn_engine::report::words::LANGUAGES.join(", ")
            ),
            "lang",
        ));
    }
    let inc = readable(&st, &caller, id).await?;
    if inc.exercise_hazard.is_some() {
        return scenario_page(&st, inc, lang).await;
    }
    if inc.is_flood() {
        return flood_page(&st, inc, lang).await;
    }
    let (inc, summary) = run_summary(inc, "the incident page")?;
    let previous = match q.previous {
        Some(0) => None,
        Some(p) if p == id => {
            return Err(ApiError::invalid(
                "previous must be another incident",
                "previous",
            ));
        }
        Some(p) => {
            let prev = readable(&st, &caller, p)
                .await
                .map_err(|_| ApiError::invalid(format!("no readable incident {p}"), "previous"))?;
            if prev.summary.is_none() {
                return Err(ApiError::invalid(
                    format!("incident {p} has no completed run"),
                    "previous",
                ));
            }
            Some(prev)
        }
        None => same_event_before(&st, &caller, &inc).await?,
    };
    let contours = layer_json(&st, id, "mmi_contours").await?;
    render_page(move |region| {
        let prev = previous.as_ref().and_then(|p| {
            p.summary
                .as_ref()
                .map(|s| (s, format!("#{} {} ({})", p.id, p.title, p.created_at)))
        });
        forewarn_engine::report::render_html(&forewarn_engine::report::ReportInput {
            summary: &summary,
            contours: contours.as_ref(),
            region,
            previous: prev,
            lang: &lang,
        })
    })
    .await
}

/// Layer `name` of incident `id` as JSON (none when absent or unreadable).
async fn layer_json(st: &AppState, id: i64, name: &str) -> Result<Option<Value>, ApiError> {
    Ok(st
        .store
        .get_layer(id, name)
        .await?
        .and_then(|g| serde_json::from_str(&g).ok()))
}

/// Renders a page off the async runtime, with the region when the server has it, as the
/// response.
async fn render_page(
    render: impl FnOnce(Option<&forewarn_core::Region>) -> String + Send + 'static,
) -> Result<Response, ApiError> {
    let html = tokio::task::spawn_blocking(move || {
        let world = crate::runner::world().ok();
        render(world.as_ref().map(|w| &w.region))
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), None))?;
    Ok(page_response(html))
}

/// An incident page as the response: HTML that runs no script, framed only by the web UI.
fn page_response(html: String) -> Response {
    let mut r = html.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The web UI shows the page in a frame of its own origin; the page runs no script.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'",
        ),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// The page of a completed flood run: its summary and its extent (forewarn_engine::report's
/// flood page, the CLI's flood summary.html). 404 naming `id` while the run has not completed.
async fn flood_page(st: &AppState, inc: Incident, lang: String) -> Result<Response, ApiError> {
    let Some(summary) = inc.summary.clone() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "the incident page is not ready: the run has not completed",
            Some("id"),
        ));
    };
    let extent = layer_json(st, inc.id, crate::flood_run::FLOOD_LAYERS[0]).await?;
    render_page(move |region| {
        forewarn_engine::report::render_flood_html(&forewarn_engine::report::FloodReportInput {
            summary: &summary,
            extent: extent.as_ref(),
            region,
            lang: &lang,
        })
    })
    .await
}

/// The page of an exercise incident: the scenario's figures and the places its hazard
/// reaches (its settlements layer), not a run's summary (forewarn_engine::report's scenario
/// page). Earthquake and flood alike.
async fn scenario_page(st: &AppState, inc: Incident, lang: String) -> Result<Response, ApiError> {
    let places = layer_json(st, inc.id, "settlements").await?;
    let area = layer_json(st, inc.id, "mmi_contours").await?;
    render_page(move |region| {
        let summary = inc.summary.as_ref().unwrap_or(&Value::Null);
        forewarn_engine::report::render_scenario_html(&forewarn_engine::report::ScenarioInput {
            title: &inc.title,
            hazard: if inc.is_flood() {
                forewarn_engine::report::ScenarioHazard::Flood
            } else {
                forewarn_engine::report::ScenarioHazard::Earthquake
            },
            alert_level: inc.alert_level.as_deref(),
            summary,
            places: places.as_ref(),
            area: area.as_ref(),
            region,
            lang: &lang,
        })
    })
    .await
}

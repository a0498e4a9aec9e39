//! CAP alerts: draft -> approved -> published, then Update or Cancel threads; validation,
//! the stable `/cap/{id}.xml` URL and per-sender Atom feeds.

use crate::error::ApiError;
use crate::extract::{Caller, Idem, JsonBody, MaybeCaller};
use crate::incidents::{CAP_PROPOSAL, Incident};
use crate::records::{
    self, ListQuery, Stored, bad_transition, load, load_tx, next_id, owner_only, visibility_or,
};
use crate::write::write_op;
use crate::{AppState, Empty};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use forewarn_cap::{CapTime, Certainty, Severity, UpdateChanges, Urgency};
use forewarn_store::{Reader, RecordFilter, Visibility, WriteTx, now_ts};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: i64,
    pub org: String,
    #[schema(value_type = String)]
    pub visibility: Visibility,
    pub status: String,
    pub msg_type: String,
    pub incident_id: Option<i64>,
    pub supersedes: Option<i64>,
    pub identifier: String,
    pub sender: String,
    pub sent: String,
    pub cap_status: String,
    pub headline: Option<String>,
    pub severity: Option<String>,
    pub event: Option<String>,
    pub xml: Option<String>,
    pub drafted_by: String,
    pub approved_by: Option<String>,
    pub published_by: Option<String>,
    pub rejection: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
    pub url: String,
    /// The live exercise this belongs to (absent for real records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise_id: Option<i64>,
}

crate::records::impl_stored!(Alert, "alert", parent = incident_id);

/// Runs CPU-bound parsing of request text on the blocking pool, never on an async worker.
async fn off_worker<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("parsing failed: {e}"),
            None,
        )
    })
}

/// Fills the CAP-derived fields from the XML; 422 naming `xml` when it does not parse. The
/// XML is parsed off the async workers.
async fn set_xml(a: &mut Alert, xml: String) -> Result<(), ApiError> {
    if xml.len() > 900_000 {
        return Err(ApiError::invalid("CAP XML is too large", "xml"));
    }
    let (parsed, xml) = off_worker(move || (forewarn_cap::read_alert(&xml), xml)).await?;
    let cap = parsed.map_err(|e| ApiError::invalid(format!("not a CAP alert: {e}"), "xml"))?;
    a.identifier = cap.identifier.clone();
    a.sender = cap.sender.clone();
    a.sent = cap.sent.to_string();
    a.cap_status = cap.status.as_str().to_string();
    if a.exercise_id.is_some() && cap.status != forewarn_cap::Status::Exercise {
        return Err(ApiError::invalid(
            "an alert drafted in an exercise must have <status>Exercise</status>",
            "xml",
        ));
    }
    a.msg_type = cap.msg_type.as_str().to_string();
    let info = cap
        .infos
        .iter()
        .find(|i| i.language.starts_with("en"))
        .or(cap.infos.first());
    a.headline = info.and_then(|i| i.headline.clone());
    a.severity = info.map(|i| i.severity.as_str().to_string());
    a.event = info.map(|i| i.event.clone());
    a.xml = Some(xml);
    Ok(())
}

/// 422 naming `xml` unless the XML passes the CAP validator.
fn check_valid(xml: &str) -> Result<(), ApiError> {
    let report = forewarn_cap::validate_xml(xml);
    if let Some(p) = report.problems.iter().find(|p| p.is_error()) {
        return Err(ApiError::invalid(
            format!("CAP XML is invalid: {}: {}", p.path, p.message),
            "xml",
        ));
    }
    Ok(())
}

fn new_alert(
    id: i64,
    org: &str,
    visibility: Visibility,
    incident_id: Option<i64>,
    supersedes: Option<i64>,
    by: &str,
    exercise_id: Option<i64>,
) -> Alert {
    let now = now_ts();
    Alert {
        exercise_id,
        id,
        org: org.to_string(),
        visibility,
        status: "draft".into(),
        msg_type: "Alert".into(),
        incident_id,
        supersedes,
        identifier: String::new(),
        sender: String::new(),
        sent: String::new(),
        cap_status: String::new(),
        headline: None,
        severity: None,
        event: None,
        xml: None,
        drafted_by: by.to_string(),
        approved_by: None,
        published_by: None,
        rejection: None,
        created_at: now.clone(),
        updated_at: now,
        published_at: None,
        url: format!("/cap/{id}.xml"),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateIn {
    pub xml: String,
}

/// Validates CAP XML off the async workers; 422 naming `xml` when the text exceeds a parser
/// limit (nesting depth, node count).
pub async fn validate(
    _caller: Caller,
    JsonBody(inp): JsonBody<ValidateIn>,
) -> Result<axum::Json<Value>, ApiError> {
    let report = off_worker(move || forewarn_cap::validate_xml(&inp.xml)).await?;
    if let Some(limit) = &report.limit {
        return Err(ApiError::invalid(
            format!("CAP XML refused: {limit}"),
            "xml",
        ));
    }
    let problems: Vec<Value> = report.problems.iter().map(|p| json!({"level": if p.is_error() { "error" } else { "warning" }, "path": p.path, "message": p.message})).collect();
    Ok(axum::Json(
        json!({"valid": report.is_valid(), "problems": problems}),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertIn {
    #[serde(default)]
    pub xml: Option<String>,
    #[serde(default)]
    pub incident_id: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub visibility: Option<Visibility>,
}

pub async fn create(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    JsonBody(inp): JsonBody<AlertIn>,
) -> Result<Response, ApiError> {
    caller.require("duty_officer")?;
    let visibility = visibility_or(inp.visibility, Visibility::OwnOrg, false)?;
    let xml = match (inp.xml, inp.incident_id) {
        (Some(x), _) => x,
        (None, Some(iid)) => {
            let inc = load::<Incident>(&st.store, &caller.reader(), caller.exercise, iid)
                .await
                .map_err(|_| ApiError::invalid("no such incident", "incident_id"))?;
            owner_only(&caller, &inc.org)?;
            st.store
                .get_layer(iid, CAP_PROPOSAL)
                .await?
                .ok_or_else(|| {
                    ApiError::invalid(
                        "the incident has no CAP proposal yet (run not complete)",
                        "incident_id",
                    )
                })?
        }
        (None, None) => return Err(ApiError::invalid("give xml or incident_id", "xml")),
    };
    if let Some(iid) = inp.incident_id {
        load::<Incident>(&st.store, &caller.reader(), caller.exercise, iid)
            .await
            .map_err(|_| ApiError::invalid("no such incident", "incident_id"))?;
    }
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::CREATED, async move |tx| {
        let mut a = new_alert(
            next_id::<Alert>(tx).await?,
            &c.user.org,
            visibility,
            inp.incident_id,
            None,
            &c.user.username,
            c.exercise,
        );
        set_xml(&mut a, xml).await?;
        records::insert(tx, &c.user.username, "alert.drafted", &a).await?;
        Ok(a)
    })
    .await
}

/// Loads an alert of the caller's organisation for a change.
async fn own_alert(tx: &mut WriteTx, c: &Caller, id: i64) -> Result<Alert, ApiError> {
    let a = load_tx::<Alert>(tx, &c.reader(), c.exercise, id).await?;
    owner_only(c, &a.org)?;
    Ok(a)
}

pub async fn revise(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<ValidateIn>,
) -> Result<Response, ApiError> {
    caller.require("duty_officer")?;
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let mut a = own_alert(tx, &c, id).await?;
        if a.status != "draft" {
            return Err(bad_transition("alert", &a.status, "revise"));
        }
        set_xml(&mut a, inp.xml).await?;
        a.rejection = None;
        a.updated_at = now_ts();
        records::update(tx, &c.user.username, "alert.revised", &a).await?;
        Ok(a)
    })
    .await
}

pub async fn approve(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(_): JsonBody<Empty>,
) -> Result<Response, ApiError> {
    caller.require("approver")?;
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let mut a = own_alert(tx, &c, id).await?;
        if a.status != "draft" {
            return Err(bad_transition("alert", &a.status, "approve"));
        }
        if a.drafted_by == c.user.username {
            return Err(ApiError::forbidden(
                "the approver must be a different user from the one who drafted the alert",
            ));
        }
        check_valid(a.xml.as_deref().unwrap_or(""))?;
        a.status = "approved".into();
        a.approved_by = Some(c.user.username.clone());
        a.updated_at = now_ts();
        records::update(tx, &c.user.username, "alert.approved", &a).await?;
        Ok(a)
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectIn {
    pub reason: String,
}

pub async fn reject(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<RejectIn>,
) -> Result<Response, ApiError> {
    caller.require("approver")?;
    if inp.reason.trim().is_empty() {
        return Err(ApiError::invalid("give a reason", "reason"));
    }
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let mut a = own_alert(tx, &c, id).await?;
        if a.status != "draft" {
            return Err(bad_transition("alert", &a.status, "reject"));
        }
        a.rejection = Some(inp.reason);
        a.updated_at = now_ts();
        records::update(tx, &c.user.username, "alert.rejected", &a).await?;
        Ok(a)
    })
    .await
}

pub async fn publish(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(_): JsonBody<Empty>,
) -> Result<Response, ApiError> {
    caller.require_any(&["duty_officer", "approver"])?;
    let c = caller.clone();
    let st2 = st.clone();
    write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let mut a = own_alert(tx, &c, id).await?;
        if a.status != "approved" {
            return Err(bad_transition("alert", &a.status, "publish"));
        }
        check_valid(a.xml.as_deref().unwrap_or(""))?;
        if a.exercise_id.is_some() && a.msg_type == "Alert" {
            // The consequence model hears of the public warning (its lead time sets the
            // protective-action fraction).
            let incident_hazard = match a.incident_id {
                Some(iid) => load_tx::<Incident>(tx, &Reader::All, c.exercise, iid)
                    .await
                    .ok()
                    .and_then(|i| i.exercise_hazard),
                None => None,
            };
            match crate::exercises::warning_hazard(&st2, &c, incident_hazard) {
                Some(hazard) => {
                    // A rejected warning (say, a second one for the same hazard) is in the
                    // exercise journal; the alert itself still publishes.
                    if let Err(e) = crate::exercises::act(
                        &st2,
                        &c,
                        forewarn_exercise::Action::PublicWarning {
                            hazard,
                            country: None,
                        },
                    ) {
                        tracing::info!(alert = a.id, error = %e.error, "exercise warning not counted");
                    }
                }
                None => tracing::info!(alert = a.id, "exercise alert names no hazard that has begun"),
            }
        }
        a.status = "published".into();
        a.visibility = Visibility::Public;
        a.published_by = Some(c.user.username.clone());
        a.published_at = Some(now_ts());
        a.updated_at = now_ts();
        records::update(tx, &c.user.username, "alert.published", &a).await?;
        if let Some(prev_id) = a.supersedes {
            let mut prev = load_tx::<Alert>(tx, &Reader::All, c.exercise, prev_id).await?;
            let (status, kind) = if a.msg_type == "Cancel" {
                ("cancelled", "alert.cancelled")
            } else {
                ("superseded", "alert.superseded")
            };
            prev.status = status.into();
            prev.updated_at = now_ts();
            records::update(tx, &c.user.username, kind, &prev).await?;
        }
        Ok(a)
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateIn {
    pub note: String,
    #[serde(default)]
    pub headline: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub instruction: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub severity: Option<Severity>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub urgency: Option<Urgency>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub certainty: Option<Certainty>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelIn {
    pub note: String,
}

/// `sent` for a follow-up: now, whole seconds, and after the previous message.
fn follow_up_time(prev: &forewarn_cap::Alert) -> CapTime {
    let now = CapTime::from_utc(
        chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap_or_default(),
    );
    if now > prev.sent {
        now
    } else {
        prev.sent.plus_seconds(1)
    }
}

async fn follow_up(
    st: &AppState,
    caller: &Caller,
    idem: &Idem,
    id: i64,
    note: String,
    changes: Option<UpdateChanges>,
) -> Result<Response, ApiError> {
    caller.require("duty_officer")?;
    if note.trim().is_empty() {
        return Err(ApiError::invalid("give a note", "note"));
    }
    let c = caller.clone();
    write_op(st, caller, idem, StatusCode::CREATED, async move |tx| {
        let prev = own_alert(tx, &c, id).await?;
        if prev.status != "published" {
            return Err(bad_transition(
                "alert",
                &prev.status,
                if changes.is_some() {
                    "update"
                } else {
                    "cancel"
                },
            ));
        }
        let cap = forewarn_cap::read_alert(prev.xml.as_deref().unwrap_or(""))
            .map_err(|e| ApiError::conflict(format!("stored CAP XML unreadable: {e}")))?;
        let sent = follow_up_time(&cap);
        let (next, kind) = match changes {
            Some(mut ch) => {
                ch.note = Some(note);
                (forewarn_cap::update(&cap, sent, &ch), "Update")
            }
            None => (forewarn_cap::cancel(&cap, sent, &note), "Cancel"),
        };
        let next =
            next.map_err(|e| ApiError::conflict(format!("cannot {}: {e}", kind.to_lowercase())))?;
        let mut a = new_alert(
            next_id::<Alert>(tx).await?,
            &c.user.org,
            Visibility::OwnOrg,
            prev.incident_id,
            Some(prev.id),
            &c.user.username,
            prev.exercise_id,
        );
        set_xml(&mut a, next.to_xml()).await?;
        records::insert(tx, &c.user.username, "alert.drafted", &a).await?;
        Ok(a)
    })
    .await
}

pub async fn update(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<UpdateIn>,
) -> Result<Response, ApiError> {
    let changes = UpdateChanges {
        note: None,
        expires: None,
        severity: inp.severity,
        urgency: inp.urgency,
        certainty: inp.certainty,
        response_types: None,
        headline: inp.headline,
        description: inp.description,
        instruction: inp.instruction,
    };
    follow_up(&st, &caller, &idem, id, inp.note, Some(changes)).await
}

pub async fn cancel(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<CancelIn>,
) -> Result<Response, ApiError> {
    follow_up(&st, &caller, &idem, id, inp.note, None).await
}

pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let rs = st
        .store
        .list_records(
            Alert::TYPE,
            &caller.reader(),
            &RecordFilter {
                exercise_id: caller.exercise,
                status: q.status,
                parent_id: q.incident_id,
                limit: q.limit.unwrap_or(100),
            },
        )
        .await?;
    let mut items = Vec::new();
    for r in &rs {
        let mut a: Alert = records::from_record(r)?;
        a.xml = None;
        items.push(a);
    }
    Ok(axum::Json(json!({"items": items})))
}

pub async fn get(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<Alert>, ApiError> {
    Ok(axum::Json(
        load::<Alert>(&st.store, &caller.reader(), caller.exercise, id).await?,
    ))
}

fn is_public(a: &Alert) -> bool {
    matches!(a.status.as_str(), "published" | "superseded" | "cancelled")
}

/// `GET /cap/{id}.xml`.
pub async fn cap_xml(
    State(st): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let id: i64 = file
        .strip_suffix(".xml")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ApiError::not_found("alert"))?;
    let reader = caller
        .as_ref()
        .map(|c| c.reader())
        .unwrap_or(Reader::Anonymous);
    let Some(r) = st.store.get_record(Alert::TYPE, id).await? else {
        return Err(ApiError::not_found("alert"));
    };
    let a: Alert = records::from_record(&r)?;
    // Exercise alerts are never public.
    if !(is_public(&a) && a.exercise_id.is_none() || caller.is_some() && r.readable_by(&reader)) {
        return Err(ApiError::not_found("alert"));
    }
    let mut resp = a.xml.unwrap_or_default().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/cap+xml"),
    );
    Ok(resp)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    pub lang: Option<String>,
}

async fn published_of(
    st: &AppState,
    org: &str,
) -> Result<Vec<(String, forewarn_cap::Alert)>, ApiError> {
    let mut out = Vec::new();
    for status in ["published", "superseded", "cancelled"] {
        let rs = st
            .store
            .list_records(
                Alert::TYPE,
                &Reader::Anonymous,
                &RecordFilter {
                    exercise_id: None,
                    status: Some(status.into()),
                    parent_id: None,
                    limit: 1000,
                },
            )
            .await?;
        for r in rs.iter().filter(|r| r.org == org) {
            let a: Alert = records::from_record(r)?;
            if let Ok(cap) = forewarn_cap::read_alert(a.xml.as_deref().unwrap_or("")) {
                out.push((a.url.clone(), cap));
            }
        }
    }
    Ok(out)
}

/// `GET /feeds/{org}.atom`.
pub async fn feed(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<FeedQuery>,
) -> Result<Response, ApiError> {
    let Some(org) = file.strip_suffix(".atom") else {
        return Err(ApiError::not_found("feed"));
    };
    let Some(o) = st.store.org(org).await? else {
        return Err(ApiError::not_found("feed"));
    };
    let base = crate::settings::link_base(&st.settings, &headers);
    let alerts = published_of(&st, &o.code).await?;
    let lang = q.lang.unwrap_or_else(|| "en".into());
    let feeds = forewarn_cap::atom_feeds(&alerts, &base);
    let xml = match feeds.iter().find(|f| f.language == lang).or(feeds.first()) {
        Some(f) => f.xml.clone(),
        None => empty_feed(&base, &o.code, &o.name),
    };
    let mut resp = xml.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml"),
    );
    Ok(resp)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn empty_feed(base: &str, org: &str, name: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <id>{base}/feeds/{org}.atom</id>\n  <title>{}</title>\n  <updated>1970-01-01T00:00:00Z</updated>\n  <author><name>{}</name></author>\n  <link rel=\"self\" href=\"{base}/feeds/{org}.atom\"/>\n</feed>\n",
        xml_escape(&format!("{name}: CAP alerts")),
        xml_escape(name)
    )
}

/// `GET /feeds/index.json`.
pub async fn feed_index(State(st): State<AppState>) -> Result<axum::Json<Value>, ApiError> {
    let orgs = st.store.orgs().await?;
    Ok(axum::Json(
        json!({"items": orgs.iter().map(|o| json!({"org": o.code, "url": format!("/feeds/{}.atom", o.code)})).collect::<Vec<_>>()}),
    ))
}

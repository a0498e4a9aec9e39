//! Situation reports, the activity log and the journal export.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, Idem, JsonBody};
use crate::records::{self, ListQuery, ParentParam, load, next_id, visibility_or};
use crate::write::write_op;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use forewarn_store::{Scope, UserRole, Visibility, now_ts};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The state of a situation report: issued when written, and never changed (a correction is a
/// new report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SitrepStatus {
    Issued,
}

impl SitrepStatus {
    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SitrepStatus::Issued => "issued",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Sitrep {
    pub id: i64,
    pub org: String,
    #[schema(value_type = String)]
    pub visibility: Visibility,
    pub incident_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub status: SitrepStatus,
    pub created_by: String,
    pub created_at: String,
    /// The live exercise this belongs to (absent for real records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise_id: Option<i64>,
}

crate::records::impl_stored!(Sitrep, "sitrep", parent = incident_id);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SitrepIn {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub incident_id: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub visibility: Option<Visibility>,
}

pub async fn create_sitrep(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    JsonBody(inp): JsonBody<SitrepIn>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::DutyOfficer)?;
    let title = inp.title.trim().to_string();
    if title.is_empty() || title.len() > 200 {
        return Err(ApiError::invalid(
            "title must be 1 to 200 characters",
            "title",
        ));
    }
    if inp.body.len() > 100_000 {
        return Err(ApiError::invalid(
            "body must be at most 100000 characters",
            "body",
        ));
    }
    let visibility = visibility_or(inp.visibility, Visibility::Regional, false)?;
    if let Some(iid) = inp.incident_id {
        load::<crate::incidents::Incident>(&st.store, &caller.reader(), caller.exercise, iid)
            .await
            .map_err(|_| ApiError::invalid("no such incident", "incident_id"))?;
    }
    let c = caller.clone();
    let st2 = st.clone();
    write_op(&st, &caller, &idem, StatusCode::CREATED, async move |tx| {
        if c.exercise.is_some() {
            crate::exercises::act(
                &st2,
                tx,
                &c,
                forewarn_exercise::Action::Sitrep {
                    text: format!("{}\n\n{}", title, inp.body),
                },
            )
            .await?;
        }
        let s = Sitrep {
            id: next_id::<Sitrep>(tx).await?,
            exercise_id: c.exercise,
            org: c.user.org.clone(),
            visibility,
            incident_id: inp.incident_id,
            title,
            body: inp.body,
            status: SitrepStatus::Issued,
            created_by: c.user.username.clone(),
            created_at: now_ts(),
        };
        records::insert(tx, &c.user.username, "sitrep.created", &s).await?;
        Ok(s)
    })
    .await
}

pub async fn list_sitreps(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let page =
        records::list_page::<Sitrep>(&st, &caller, "/api/sitreps", &q, ParentParam::Incident)
            .await?;
    Ok(axum::Json(json!({"items": page.items, "next": page.next})))
}

pub async fn get_sitrep(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<Sitrep>, ApiError> {
    Ok(axum::Json(
        load::<Sitrep>(&st.store, &caller.reader(), caller.exercise, id).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityQuery {
    pub limit: Option<i64>,
    pub before_seq: Option<i64>,
}

pub async fn activity(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<ActivityQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let items = st
        .store
        .journal(
            &caller.reader(),
            Scope::of(caller.exercise),
            None,
            q.before_seq,
            false,
            q.limit.unwrap_or(100),
        )
        .await?;
    Ok(axum::Json(json!({"items": items})))
}

/// `GET /api/journal/export`: JSON lines, oldest first.
pub async fn export(State(st): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    caller.require(UserRole::Admin)?;
    let reader = caller.reader();
    let mut out = String::new();
    let mut after = 0;
    loop {
        let page = st
            .store
            .journal(&reader, Scope::All, Some(after), None, true, 1000)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in &page {
            out.push_str(&serde_json::to_string(e).unwrap_or_default());
            out.push('\n');
        }
    }
    let mut r = out.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(r)
}

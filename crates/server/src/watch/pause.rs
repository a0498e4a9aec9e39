//! Pausing and resuming a watched source: the regional centre's admin stops a source that
//! misbehaves (or is under maintenance) without restarting the server. Each change is a
//! journaled `watch_source` record (one per source name, `active` or `paused`, with who and
//! why); a paused source is not polled, shows `"status": "paused"` in
//! `GET /api/watch/sources`, and stays paused across restarts.

use crate::error::ApiError;
use crate::extract::{Caller, Idem, JsonBody};
use crate::records::{self, Stored, next_id};
use crate::write::write_op;
use crate::{AppState, RC};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use forewarn_store::{Reader, RecordFilter, Visibility, now_ts};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Whether a source is polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SourceStatus {
    Active,
    Paused,
}

impl SourceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceStatus::Active => "active",
            SourceStatus::Paused => "paused",
        }
    }
}

/// The journaled state of one source.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourceState {
    pub id: i64,
    /// The regional centre, which runs the watch.
    pub org: String,
    #[schema(value_type = String)]
    pub visibility: Visibility,
    pub status: SourceStatus,
    /// The source's `name` in the `--watch` file.
    pub name: String,
    pub reason: Option<String>,
    pub changed_by: String,
    pub created_at: String,
    pub updated_at: String,
}

records::impl_stored!(SourceState, "watch_source", unscoped);

async fn states(st: &AppState) -> Result<Vec<SourceState>, ApiError> {
    let rs = st
        .store
        .list_records(
            SourceState::TYPE,
            &Reader::All,
            &RecordFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
    rs.iter().map(records::from_record).collect()
}

/// The names of the paused sources, as stored.
pub async fn paused_names(st: &AppState) -> Result<HashSet<String>, ApiError> {
    Ok(states(st)
        .await?
        .into_iter()
        .filter(|s| s.status == SourceStatus::Paused)
        .map(|s| s.name)
        .collect())
}

/// Body of `POST /api/watch/sources/{name}/pause` and `/resume`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceChangeIn {
    /// Why (shown in the source list and the journal).
    #[serde(default)]
    pub reason: Option<String>,
}

async fn set(
    st: AppState,
    caller: Caller,
    idem: Idem,
    name: String,
    inp: SourceChangeIn,
    status: SourceStatus,
) -> Result<Response, ApiError> {
    let svc = super::for_regional_admin(&st, &caller)?;
    if !svc.has_source(&name) {
        return Err(ApiError::not_found("watched source"));
    }
    // The text rules of every JSON body (crate::text_rules) already bound `reason`.
    let reason = inp.reason;
    let existing = states(&st).await?.into_iter().find(|s| s.name == name);
    let c = caller.clone();
    let key = name.clone();
    let resp = write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let now = now_ts();
        let kind = match status {
            SourceStatus::Paused => "watch_source.paused",
            SourceStatus::Active => "watch_source.resumed",
        };
        let s = match existing {
            Some(mut s) => {
                s.status = status;
                s.reason = reason;
                s.changed_by = c.user.username.clone();
                s.updated_at = now;
                records::update(tx, &c.user.username, kind, &s).await?;
                s
            }
            None => {
                let s = SourceState {
                    id: next_id::<SourceState>(tx).await?,
                    org: RC.into(),
                    visibility: Visibility::Regional,
                    status,
                    name: name.clone(),
                    reason,
                    changed_by: c.user.username.clone(),
                    created_at: now.clone(),
                    updated_at: now,
                };
                records::insert(tx, &c.user.username, kind, &s).await?;
                s
            }
        };
        Ok(s)
    })
    .await?;
    // The pollers follow the stored state only once it is committed.
    if resp.status().is_success() {
        let mut paused = svc.paused.lock().unwrap_or_else(|p| p.into_inner());
        match status {
            SourceStatus::Paused => paused.insert(key),
            SourceStatus::Active => paused.remove(&key),
        };
    }
    Ok(resp)
}

/// `POST /api/watch/sources/{name}/pause`.
pub async fn pause(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(name): Path<String>,
    JsonBody(inp): JsonBody<SourceChangeIn>,
) -> Result<Response, ApiError> {
    set(st, caller, idem, name, inp, SourceStatus::Paused).await
}

/// `POST /api/watch/sources/{name}/resume`.
pub async fn resume(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(name): Path<String>,
    JsonBody(inp): JsonBody<SourceChangeIn>,
) -> Result<Response, ApiError> {
    set(st, caller, idem, name, inp, SourceStatus::Active).await
}

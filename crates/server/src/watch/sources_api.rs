//! Sources added without a restart: the regional centre's admin posts a source with the keys
//! of a `[[source]]` table of the `--watch` file; it is checked by the same rules as the file
//! (forewarn_watch::config::parse_source_json), journaled (`watch_source.added`), polled at
//! once and kept for the next start (after the file's sources). Only http(s) sources: a
//! watched directory (`file://`) is for the operator's file, not for a request. Pausing works
//! as for the file's sources (pause.rs).

use crate::error::ApiError;
use crate::extract::{Caller, Idem, JsonBody};
use crate::records::{self, Stored, next_id};
use crate::write::write_op;
use crate::{AppState, RC};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use forewarn_store::{Reader, RecordFilter, Visibility, now_ts};
use forewarn_watch::{SourceConfig, WatchConfig};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Whether an added source is in the watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AddedStatus {
    Active,
}

impl AddedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AddedStatus::Active => "active",
        }
    }
}

/// A source added through the API, as stored (`definition` holds the keys as posted).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AddedSource {
    pub id: i64,
    pub org: String,
    #[schema(value_type = String)]
    pub visibility: Visibility,
    pub status: AddedStatus,
    pub name: String,
    #[schema(value_type = Object)]
    pub definition: Value,
    pub added_by: String,
    pub created_at: String,
    pub updated_at: String,
}

records::impl_stored!(AddedSource, "watch_source_added", unscoped);

/// Body of `POST /api/watch/sources`: the keys of a `[[source]]` table, for example
/// `{"name": "emsc", "kind": "fdsn-text", "url": "https://...", "poll_s": 60}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct SourceIn(pub Value);

/// The sources added earlier, checked again (a stored one that no longer passes, or whose
/// name the file now uses, is skipped with a warning).
pub async fn stored_sources(
    st: &AppState,
    file: &WatchConfig,
) -> Result<Vec<SourceConfig>, String> {
    let rs = st
        .store
        .list_records(
            AddedSource::TYPE,
            &Reader::All,
            &RecordFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| format!("reading the added watch sources: {e}"))?;
    let mut out: Vec<SourceConfig> = Vec::new();
    // Oldest first: the order they were added in.
    for r in rs.iter().rev() {
        let a: AddedSource = records::from_record(r).map_err(|e| e.error)?;
        match forewarn_watch::config::parse_source_json(&a.definition) {
            Ok(s) if file.sources.iter().chain(&out).any(|x| x.name == s.name) => {
                tracing::warn!(source = %s.name, "added watch source skipped: the name is taken");
            }
            Ok(s) => out.push(s),
            Err(e) => {
                tracing::warn!(source = %a.name, "added watch source skipped: {}: {}", e.field, e.message);
            }
        }
    }
    Ok(out)
}

/// `POST /api/watch/sources`: the regional centre's admin adds a source; 201 with the stored
/// record, the source polled from now on.
pub async fn add(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    JsonBody(SourceIn(def)): JsonBody<SourceIn>,
) -> Result<Response, ApiError> {
    let svc = super::for_regional_admin(&st, &caller)?;
    let src = forewarn_watch::config::parse_source_json(&def)
        .map_err(|e| ApiError::invalid(format!("{}: {}", e.field, e.message), &e.field))?;
    let scheme = src
        .url
        .split_once("://")
        .map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("http" | "https")) {
        return Err(ApiError::invalid(
            "url must be http:// or https:// (a watched directory belongs in the --watch file)",
            "url",
        ));
    }
    if let Some(f) = &src.flood_scenario
        && !st.scenarios_dir.join(f).is_file()
    {
        return Err(ApiError::invalid(
            format!("flood_scenario '{f}' is not among the server's scenarios"),
            "flood_scenario",
        ));
    }
    if svc.has_source(&src.name) {
        return Err(ApiError::invalid(
            format!("a source named '{}' is already watched", src.name),
            "name",
        ));
    }
    let c = caller.clone();
    let name = src.name.clone();
    let resp = write_op(&st, &caller, &idem, StatusCode::CREATED, async move |tx| {
        let now = now_ts();
        let rec = AddedSource {
            id: next_id::<AddedSource>(tx).await?,
            org: RC.into(),
            visibility: Visibility::Regional,
            status: AddedStatus::Active,
            name,
            definition: def,
            added_by: c.user.username.clone(),
            created_at: now.clone(),
            updated_at: now,
        };
        records::insert(tx, &c.user.username, "watch_source.added", &rec).await?;
        Ok(rec)
    })
    .await?;
    // After the commit (a replayed request finds the name taken and starts nothing).
    if resp.status() == StatusCode::CREATED
        && let Some(i) = svc.add_source(src)
    {
        tokio::spawn(super::poll::run_source(st.clone(), svc.clone(), i));
    }
    Ok(resp)
}

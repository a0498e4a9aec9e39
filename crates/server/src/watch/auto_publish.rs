//! Auto-publish: an organisation may choose that the watch's drafts at named alert levels are
//! published without the two-person approval (for example Red only, when minutes matter more
//! than review). Off unless the organisation's admin sets it; each change is a journaled
//! `auto_publish` record (one per organisation) that every logged-in user can read, and the web
//! UI shows it on the approvals screen. Only the watch's own first drafts of real incidents are
//! published this way; Updates and Cancels, and everything a person writes, still need an
//! approver.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, Idem, JsonBody};
use crate::records;
use crate::write::write_op;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use forewarn_impact::AlertLevel;
use forewarn_store::{UserRole, Visibility};
use serde::{Deserialize, Serialize};

/// Whether the setting publishes anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AutoPublishStatus {
    On,
    Off,
}

impl AutoPublishStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AutoPublishStatus::On => "on",
            AutoPublishStatus::Off => "off",
        }
    }
}

/// One organisation's auto-publish setting.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AutoPublish {
    pub id: i64,
    pub org: String,
    #[schema(value_type = String)]
    pub visibility: Visibility,
    pub status: AutoPublishStatus,
    /// The alert levels whose automatic drafts are published at once, lowest first.
    #[schema(value_type = Vec<String>)]
    pub levels: Vec<AlertLevel>,
    pub changed_by: String,
    pub created_at: String,
    pub updated_at: String,
}

records::impl_stored!(AutoPublish, "auto_publish", unscoped);

async fn find(st: &AppState, org: &str) -> Result<Option<AutoPublish>, ApiError> {
    records::one_of_org(&st.store, org).await
}

/// Whether organisation `org` publishes the watch's drafts at `level` without approval.
pub async fn covers(st: &AppState, org: &str, level: AlertLevel) -> Result<bool, ApiError> {
    Ok(find(st, org)
        .await?
        .is_some_and(|a| a.status == AutoPublishStatus::On && a.levels.contains(&level)))
}

/// Body of `PUT /api/orgs/{code}/auto-publish`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoPublishIn {
    /// Alert levels to publish without approval; empty turns auto-publish off.
    pub levels: Vec<String>,
}

/// `GET /api/orgs/{code}/auto-publish`: the setting (off when never set).
pub async fn get(
    State(st): State<AppState>,
    _caller: Caller,
    Path(code): Path<String>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let unset = serde_json::json!({"org": code, "status": "off", "levels": []});
    Ok(axum::Json(
        records::setting_of_org::<AutoPublish>(&st.store, &code, unset).await?,
    ))
}

/// `PUT /api/orgs/{code}/auto-publish`: the organisation's admin sets the levels.
pub async fn set(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(code): Path<String>,
    JsonBody(inp): JsonBody<AutoPublishIn>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::Admin)?;
    caller.require_org(&code)?;
    let mut levels: Vec<AlertLevel> = Vec::new();
    for (i, l) in inp.levels.iter().enumerate() {
        let level = AlertLevel::parse(l).ok_or_else(|| {
            ApiError::invalid(
                format!("levels[{i}] '{l}' is not one of green, yellow, orange, red"),
                "levels",
            )
        })?;
        if !levels.contains(&level) {
            levels.push(level);
        }
    }
    levels.sort();
    let status = if levels.is_empty() {
        AutoPublishStatus::Off
    } else {
        AutoPublishStatus::On
    };
    let existing = find(&st, &code).await?.map(|a| (a.id, a.created_at));
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let by = c.user.username.clone();
        records::put_of_org(
            tx,
            &by,
            "auto_publish.changed",
            existing,
            |id, created_at, now| AutoPublish {
                id,
                org: code,
                visibility: Visibility::Regional,
                status,
                levels,
                changed_by: c.user.username.clone(),
                created_at,
                updated_at: now,
            },
        )
        .await
    })
    .await
}

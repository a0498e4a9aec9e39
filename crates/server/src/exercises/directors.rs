//! The exercise-director right: who may create live exercises. The regional centre always
//! may; another organisation may once the regional centre's admin grants it the right
//! (`POST /api/orgs/{code}/exercise-director`). Each grant and revocation is a journaled
//! record (`exercise_director`, one per organisation), so the right is never taken from the
//! plan an organisation uploads.

use crate::error::ApiError;
use crate::extract::{Caller, Idem, JsonBody};
use crate::records::{self, next_id};
use crate::write::write_op;
use crate::{AppState, RC};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use forewarn_store::{UserRole, Visibility, now_ts};
use serde::{Deserialize, Serialize};

/// Whether an organisation holds the right (the record's `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    Granted,
    Revoked,
}

impl GrantStatus {
    fn as_str(self) -> &'static str {
        match self {
            GrantStatus::Granted => "granted",
            GrantStatus::Revoked => "revoked",
        }
    }
}

/// An organisation's exercise-director right.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DirectorGrant {
    pub id: i64,
    /// The organisation that holds (or held) the right.
    pub org: String,
    #[schema(value_type = String)]
    pub visibility: Visibility,
    pub status: GrantStatus,
    pub changed_by: String,
    pub created_at: String,
    pub updated_at: String,
}

crate::records::impl_stored!(DirectorGrant, "exercise_director", unscoped);

async fn grant_of(st: &AppState, org: &str) -> Result<Option<DirectorGrant>, ApiError> {
    records::one_of_org(&st.store, org).await
}

/// 403 unless the caller's organisation may direct exercises (the regional centre, or an
/// organisation granted the right).
pub async fn require_director_right(st: &AppState, caller: &Caller) -> Result<(), ApiError> {
    let org = caller.user.org.as_str();
    if org == RC
        || grant_of(st, org)
            .await?
            .is_some_and(|g| g.status == GrantStatus::Granted)
    {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "organisation '{org}' does not hold the exercise-director right (the regional centre's admin grants it)"
    )))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectorRightIn {
    /// true grants the right, false revokes it.
    pub granted: bool,
}

/// `POST /api/orgs/{code}/exercise-director`: the regional centre's admin grants or revokes
/// an organisation's exercise-director right.
pub async fn set_right(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(code): Path<String>,
    JsonBody(inp): JsonBody<DirectorRightIn>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::Admin)?;
    caller.require_org(RC)?;
    if code == RC {
        return Err(ApiError::invalid(
            "the regional centre always holds the right",
            "code",
        ));
    }
    if st.store.org(&code).await?.is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no organisation '{code}'"),
            Some("code"),
        ));
    }
    let existing = grant_of(&st, &code).await?;
    let status = if inp.granted {
        GrantStatus::Granted
    } else {
        GrantStatus::Revoked
    };
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let now = now_ts();
        let g = match existing {
            Some(mut g) => {
                g.status = status;
                g.changed_by = c.user.username.clone();
                g.updated_at = now;
                records::update(tx, &c.user.username, "exercise_director.changed", &g).await?;
                g
            }
            None => {
                let g = DirectorGrant {
                    id: next_id::<DirectorGrant>(tx).await?,
                    org: code,
                    visibility: Visibility::Regional,
                    status,
                    changed_by: c.user.username.clone(),
                    created_at: now.clone(),
                    updated_at: now,
                };
                records::insert(tx, &c.user.username, "exercise_director.changed", &g).await?;
                g
            }
        };
        Ok(g)
    })
    .await
}

//! What players and evaluators do in an exercise: actions through the normal endpoints
//! ([`act`]), acknowledgements of injects and ratings of objectives.

use super::control::{Outcome, change, now_ms};
use super::replay::{Input, InputOp, StartWith};
use super::{PendingAct, check_participant, live_of, lock};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, JsonBody};
use axum::extract::{Path, State};
use forewarn_exercise::def::Role;
use forewarn_exercise::{Action, Rating};
use forewarn_store::UserRole;
use serde::Deserialize;
use serde_json::{Value, json};

/// `action` by the team with `role` that `org` plays in exercise `id`, at the current
/// scenario time, applied to the state in memory at once (the caller's own transaction
/// journals the action; the exercise journal records it produces are copied by the next
/// change). Returns the exercise's id for what was created (requests).
/// Applies a team's action to the live state at once. With the result, the input to journal
/// (replay.rs), also when the state machine refused the action (it journals the refusal);
/// none when the action never reached it.
fn apply_as(
    st: &AppState,
    id: i64,
    org: &str,
    role: Role,
    action: Action,
) -> Result<(Result<Option<String>, ApiError>, forewarn_store::NewEntry), ApiError> {
    let held = live_of(st, id)?;
    let mut guard = lock(&held);
    let l = &mut *guard;
    let team = team_for(l, id, org, role)?;
    if l.ex.is_none() {
        return Err(ApiError::conflict(format!("exercise {id} has not started")));
    }
    let input = Input {
        n: l.take_input_number(),
        wall_ms: now_ms(),
        op: InputOp::Act { team, action },
    };
    let start = StartWith::new(&l.rec, &l.plan, &l.hazards, l.speed, &l.human);
    let r = input
        .apply(&mut l.ex, &start)
        .map_err(|e| ApiError::conflict(e.to_string()));
    let entry = input.entry(&l.rec, "exercise-player");
    if let Some(pending) = l.acts_during_change.as_mut() {
        pending.push(PendingAct { input });
    }
    Ok((r, entry))
}

fn team_for(l: &super::Live, id: i64, org: &str, role: Role) -> Result<String, ApiError> {
    if !l.rec.status.is_live() {
        return Err(ApiError::conflict(format!(
            "exercise {id} is {}",
            l.rec.status
        )));
    }
    l.team_as(org, role).map(|t| t.id.clone()).ok_or_else(|| {
        ApiError::forbidden(format!(
            "your organisation plays no {role:?} team in this exercise"
        ))
    })
}

/// `action` by the team with `role` that `org` plays, as a [`change`]: journaled before it
/// is applied to the state in memory.
async fn apply_committed(
    st: &AppState,
    id: i64,
    caller: &Caller,
    role: Role,
    action: Action,
) -> Result<(), ApiError> {
    let held = live_of(st, id)?;
    let team = team_for(&lock(&held), id, &caller.user.org, role)?;
    // A rejected action is journaled too (as rejected), then refused.
    let applied = change(st, &held, &caller.user.username, |sg| {
        if sg.ex.is_none() {
            return Err(ApiError::conflict(format!("exercise {id} has not started")));
        }
        Ok(Outcome::quiet(
            sg.apply_input(InputOp::Act { team, action }, now_ms()),
        ))
    })
    .await?;
    applied
        .map(|_| ())
        .map_err(|e| ApiError::conflict(e.to_string()))
}

/// A player's action through the normal endpoints, fed to the consequence model, its input
/// journaled in the caller's transaction `tx` (the player's own write). Returns the
/// exercise's id for what was created (requests). Outside an exercise: nothing.
pub async fn act(
    st: &AppState,
    tx: &mut forewarn_store::WriteTx,
    caller: &Caller,
    action: Action,
) -> Result<Option<String>, ApiError> {
    let Some(id) = caller.exercise else {
        return Ok(None);
    };
    let (r, entry) = apply_as(st, id, &caller.user.org, Role::Player, action)?;
    if r.is_ok() {
        tx.append(entry).await?;
    } else {
        // The caller's write will likely not commit (it fails with this refusal), but the
        // state machine journaled the refusal: its input is journaled on its own, after.
        let store = st.store.clone();
        tokio::spawn(async move {
            let r = async {
                let mut t = store.begin_write().await?;
                t.append(entry).await?;
                t.commit().await
            }
            .await;
            if let Err(e) = r {
                tracing::warn!(
                    exercise = id,
                    "cannot journal a refused exercise input: {e}"
                );
            }
        });
    }
    r
}

/// The hazard an exercise alert warns of: the incident's, else the latest one that has begun
/// and reaches the team's country.
pub fn warning_hazard(
    st: &AppState,
    caller: &Caller,
    incident_hazard: Option<String>,
) -> Option<String> {
    if incident_hazard.is_some() {
        return incident_hazard;
    }
    let live = st.exercises.get(caller.exercise?)?;
    let l = lock(&live);
    let team = l.team_as(&caller.user.org, Role::Player)?.id.clone();
    let country = l.plan.team_country.get(&team)?.clone();
    let now = l.ex.as_ref()?.now_s();
    l.hazards
        .hazards
        .iter()
        .filter(|h| h.onset_s <= now && h.countries().contains(&country))
        .max_by_key(|h| h.onset_s)
        .map(|h| h.id.clone())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckIn {
    pub inject: String,
}

/// `POST /api/exercises/{id}/acknowledge`: answered once the acknowledgement is journaled.
pub async fn acknowledge(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<AckIn>,
) -> Result<axum::Json<Value>, ApiError> {
    caller.require_any(&[UserRole::DutyOfficer, UserRole::Admin, UserRole::Approver])?;
    check_participant(&st, id, &caller.user).await?;
    let ack = Action::Acknowledge { inject: inp.inject };
    apply_committed(&st, id, &caller, Role::Player, ack)
        .await
        .map_err(|mut e| {
            e.field = Some("inject".into());
            e
        })?;
    Ok(axum::Json(json!({"acknowledged": true})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingIn {
    pub objective: String,
    /// P, S, M or U (HSEEP).
    #[schema(value_type = String)]
    pub rating: Rating,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/exercises/{id}/ratings`: an evaluator rates an objective.
pub async fn rate(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<RatingIn>,
) -> Result<axum::Json<Value>, ApiError> {
    caller.require_any(&[UserRole::DutyOfficer, UserRole::Admin, UserRole::Approver])?;
    check_participant(&st, id, &caller.user).await?;
    let held = live_of(&st, id)?;
    if !lock(&held)
        .rec
        .objectives
        .iter()
        .any(|o| o.id == inp.objective)
    {
        return Err(ApiError::invalid(
            format!("no objective '{}'", inp.objective),
            "objective",
        ));
    }
    if inp.note.as_ref().is_some_and(|n| n.len() > 2000) {
        return Err(ApiError::invalid("note is too long", "note"));
    }
    let rating = Action::Rate {
        objective: inp.objective.clone(),
        rating: inp.rating,
        note: inp.note.clone(),
    };
    apply_committed(&st, id, &caller, Role::Evaluator, rating).await?;
    Ok(axum::Json(
        json!({"objective": inp.objective, "rating": inp.rating.letter()}),
    ))
}

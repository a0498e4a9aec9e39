//! What a participant reads of an exercise: the exercise with the clock and the caller's
//! roles, the list, the injects delivered to the caller's teams, the director's scenario events
//! list, the report and metrics.

use super::{ExerciseRec, Live, check_participant, exercise_records, internal, live_of, lock};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::records::Stored;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use forewarn_exercise::def::{Channel, Role};
use serde::Serialize;
use serde_json::{Value, json};

/// The caller's place in an exercise.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExerciseView {
    #[serde(flatten)]
    pub exercise: ExerciseRec,
    pub scenario_time: String,
    /// Scenario time relative to the start, such as T+03:30.
    pub t_label: String,
    pub clock_paused: bool,
    /// The player team the caller's organisation plays, if any.
    pub my_team: Option<String>,
    /// The caller organisation's exercise roles (director, evaluator, player, ...).
    #[schema(value_type = Vec<String>)]
    pub my_roles: Vec<Role>,
}

pub(super) fn view(l: &Live, caller: &Caller) -> ExerciseView {
    let mut rec = l.rec.clone();
    let (t_s, paused) = match &l.ex {
        Some(ex) => (ex.now_s(), ex.clock().is_paused()),
        None => (rec.t_s, true),
    };
    rec.t_s = t_s;
    let org = caller.user.org.as_str();
    let mut my_roles: Vec<Role> = l.teams_of(org).map(|t| t.role).collect();
    my_roles.sort();
    my_roles.dedup();
    ExerciseView {
        scenario_time: forewarn_exercise::time::scenario_time(&l.plan.start, t_s),
        t_label: forewarn_exercise::time::label(t_s),
        clock_paused: paused,
        my_team: l.team_as(org, Role::Player).map(|t| t.id.clone()),
        my_roles,
        exercise: rec,
    }
}

/// The caller's view of an exercise: live (with the clock and the caller's roles), or as
/// stored once it is no longer held in memory.
fn view_json(st: &AppState, rec: &ExerciseRec, caller: &Caller) -> Result<Value, ApiError> {
    match st.exercises.get(rec.id) {
        Some(l) => serde_json::to_value(view(&lock(&l), caller)),
        None => serde_json::to_value(rec),
    }
    .map_err(internal)
}

/// `GET /api/exercises`: exercises the caller's organisation takes part in.
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<Value>, ApiError> {
    let items = exercise_records(&st)
        .await?
        .iter()
        .filter(|rec| rec.takes_part(&caller.user.org))
        .take(200)
        .map(|rec| view_json(&st, rec, &caller))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(axum::Json(json!({ "items": items })))
}

/// `GET /api/exercises/{id}`.
pub async fn get(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, ApiError> {
    let rec = check_participant(&st, id, &caller.user).await?;
    Ok(axum::Json(view_json(&st, &rec, &caller)?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InjectOut {
    pub inject: String,
    pub t_s: i64,
    pub scenario_time: String,
    pub from: String,
    #[schema(value_type = String)]
    pub channel: Channel,
    pub content: String,
    pub expected_action: Option<String>,
    pub acknowledged: bool,
    pub team: String,
}

/// `GET /api/exercises/{id}/injects`: the injects delivered to the caller's teams.
pub async fn injects(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, ApiError> {
    check_participant(&st, id, &caller.user).await?;
    let live = live_of(&st, id)?;
    let l = lock(&live);
    let mut items = Vec::new();
    if let Some(ex) = &l.ex {
        for t in l.teams_of(&caller.user.org) {
            for entry in ex.delivered_injects(&t.id) {
                let d = entry.inject;
                items.push(InjectOut {
                    scenario_time: forewarn_exercise::time::scenario_time(&l.plan.start, d.t_s),
                    inject: d.inject,
                    t_s: d.t_s,
                    from: d.from,
                    channel: d.channel,
                    content: d.content,
                    expected_action: d.expected_action,
                    acknowledged: entry.acknowledged,
                    team: t.id.clone(),
                });
            }
        }
    }
    items.sort_by(|a, b| b.t_s.cmp(&a.t_s).then(b.inject.cmp(&a.inject)));
    Ok(axum::Json(json!({ "items": items })))
}

/// `GET /api/exercises/{id}/msel`: every inject of the plan with its trigger, when it fired
/// and who acknowledged it, for the organisations that direct, control or evaluate the
/// exercise (players see only their own injects).
pub async fn msel(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, ApiError> {
    check_participant(&st, id, &caller.user).await?;
    let live = live_of(&st, id)?;
    let l = lock(&live);
    let org = caller.user.org.as_str();
    if ![Role::Director, Role::Controller, Role::Evaluator]
        .into_iter()
        .any(|r| l.team_as(org, r).is_some())
    {
        return Err(ApiError::forbidden(
            "the scenario events list is for the exercise's director, controllers and evaluators",
        ));
    }
    let Some(ex) = &l.ex else {
        return Ok(axum::Json(json!({ "t_s": 0, "items": [] })));
    };
    let items = ex
        .msel()
        .into_iter()
        .map(|e| {
            let mut v = serde_json::to_value(&e).map_err(internal)?;
            let at = e.fired_s.or(e.planned_s);
            v["time_label"] = json!(at.map(forewarn_exercise::time::label));
            Ok(v)
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(axum::Json(
        json!({ "t_s": ex.now_s(), "duration_s": l.plan.duration_s, "items": items }),
    ))
}

async fn document(
    st: &AppState,
    caller: &Caller,
    id: i64,
    name: &str,
    content_type: &'static str,
) -> Result<Response, ApiError> {
    check_participant(st, id, &caller.user).await?;
    let Some(body) = st.store.get_document(ExerciseRec::TYPE, id, name).await? else {
        return Err(ApiError::conflict(format!(
            "exercise {id} has no {name} yet: it is written when the exercise ends"
        )));
    };
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(r)
}

/// `GET /api/exercises/{id}/report`: the after-action report (HTML, self-contained).
pub async fn report(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    document(&st, &caller, id, "aar.html", "text/html; charset=utf-8").await
}

/// `GET /api/exercises/{id}/metrics`.
pub async fn metrics(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    document(&st, &caller, id, "metrics.json", "application/json").await
}

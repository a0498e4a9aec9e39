//! Journaled writes with idempotency: the helper every mutating endpoint goes through.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, Idem};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use forewarn_store::{StoredResponse, WriteTx};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn json_response(status: StatusCode, body: impl IntoResponse, replayed: bool) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if replayed {
        r.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    r
}

fn replay(stored: StoredResponse, idem: &Idem) -> Result<Response, ApiError> {
    if stored.method != idem.method || stored.path != idem.path {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "Idempotency-Key was already used for {} {}",
                stored.method, stored.path
            ),
            Some("Idempotency-Key"),
        ));
    }
    // Rows stored before request hashes were recorded have '' and are not compared.
    if !stored.request_hash.is_empty() && stored.request_hash != idem.request_hash {
        return Err(ApiError::invalid(
            format!(
                "Idempotency-Key was already used for a different {} {} request body; use a new key for a new request",
                stored.method, stored.path
            ),
            "Idempotency-Key",
        ));
    }
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    Ok(json_response(status, stored.body, true))
}

/// Runs `f` in one serialised write transaction. With an Idempotency-Key, a stored response
/// is replayed instead; otherwise `f`'s result is serialised, stored under the key in the
/// same transaction, and committed. An error rolls everything back.
pub async fn write_op<T, F>(
    st: &AppState,
    caller: &Caller,
    idem: &Idem,
    status: StatusCode,
    f: F,
) -> Result<Response, ApiError>
where
    T: Serialize,
    F: AsyncFnOnce(&mut WriteTx) -> Result<T, ApiError>,
{
    if let Some(k) = &idem.key
        && let Some(stored) = st.store.idempotent_response(caller.user.id, k).await?
    {
        return replay(stored, idem);
    }
    let mut tx = st.store.begin_write().await?;
    if let Some(k) = &idem.key
        && let Some(stored) = tx.idempotent_response(caller.user.id, k).await?
    {
        tx.rollback().await?;
        return replay(stored, idem);
    }
    let out = match f(&mut tx).await {
        Ok(v) => v,
        Err(e) => {
            tx.rollback().await?;
            return Err(e);
        }
    };
    let body = serde_json::to_string(&out).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("serialising the response: {e}"),
            None,
        )
    })?;
    if let Some(k) = &idem.key {
        tx.store_response(
            caller.user.id,
            k,
            &StoredResponse {
                method: idem.method.clone(),
                path: idem.path.clone(),
                status: status.as_u16(),
                body: body.clone(),
                request_hash: idem.request_hash.clone(),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(json_response(status, body, false))
}

/// For a create endpoint with work to start after the commit (a hazard run, an exercise held
/// in memory): the created record when `resp` is a fresh `status` response, `None` when it
/// failed or replays an earlier one; and the response to send.
pub async fn created<T: DeserializeOwned>(
    resp: Response,
    status: StatusCode,
) -> Result<(Response, Option<T>), ApiError> {
    if resp.status() != status || resp.headers().contains_key("idempotent-replayed") {
        return Ok((resp, None));
    }
    let internal = |e: String| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e, None);
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .map_err(|e| internal(e.to_string()))?;
    let v: T = serde_json::from_slice(&body).map_err(|e| internal(e.to_string()))?;
    Ok((json_response(status, body, false), Some(v)))
}

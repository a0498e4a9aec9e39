//! API errors: a status and a JSON body `{"error": ..., "field": ...}`. Internal errors (500)
//! and an unavailable database (503) are logged with an error id; their bodies carry only the
//! id, never the internal message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forewarn_store::StoreError;

/// An error answered to the client. Never a panic, never an HTML page.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub error: String,
    pub field: Option<String>,
    /// Extra headers (e.g. Retry-After).
    pub retry_after_s: Option<u64>,
    /// For 500 and a 503 from the store: the id of the log line with the details.
    pub error_id: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: impl Into<String>, field: Option<&str>) -> ApiError {
        ApiError {
            status,
            error: error.into(),
            field: field.map(str::to_string),
            retry_after_s: None,
            error_id: None,
        }
    }
    pub fn bad_request(error: impl Into<String>, field: Option<&str>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, error, field)
    }
    pub fn invalid(error: impl Into<String>, field: &str) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error, Some(field))
    }
    pub fn unauthorized(error: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, error, None)
    }
    pub fn forbidden(error: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, error, None)
    }
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("{what} not found"),
            Some("id"),
        )
    }
    pub fn conflict(error: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, error, None)
    }
    pub fn body(&self) -> serde_json::Value {
        match &self.error_id {
            Some(id) => {
                serde_json::json!({"error": self.error, "field": self.field, "error_id": id})
            }
            None => serde_json::json!({"error": self.error, "field": self.field}),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.error)
    }
}

/// Seconds a client is asked to wait when the database is unavailable.
pub const DB_RETRY_AFTER_S: u64 = 5;

/// A database that cannot be reached or is busy is 503 (retry later); anything else the store
/// reports (corrupt rows or files, constraint failures, decoding errors) is a fault, 500. Both
/// keep the database's message out of the body: it is logged with the error id the body names.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let id = error_id();
        let mut a = if e.is_unavailable() {
            tracing::warn!(error_id = %id, "store unavailable: {e}");
            let mut a = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("database unavailable; try again shortly (error id {id})"),
                None,
            );
            a.retry_after_s = Some(DB_RETRY_AFTER_S);
            a
        } else {
            tracing::error!(error_id = %id, "store: {e}");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("internal error; the server log has the details (error id {id})"),
                None,
            )
        };
        a.error_id = Some(id);
        a
    }
}

/// A fresh error id (16 hex digits) that joins a response to its log line.
fn error_id() -> String {
    let mut b = [0u8; 8];
    // Without system randomness the id is only less unique; the clock keeps it useful.
    if getrandom::fill(&mut b).is_err() {
        b = chrono::Utc::now()
            .timestamp_nanos_opt()
            .unwrap_or_default()
            .to_be_bytes();
    }
    crate::auth::hex(&b)
}

impl IntoResponse for ApiError {
    fn into_response(mut self) -> Response {
        // Any other 500: its message may hold internals; log it and answer with an id only.
        if self.status == StatusCode::INTERNAL_SERVER_ERROR && self.error_id.is_none() {
            let id = error_id();
            tracing::error!(error_id = %id, field = ?self.field, "{}", self.error);
            self.error = format!("internal error; the server log has the details (error id {id})");
            self.field = None;
            self.error_id = Some(id);
        }
        let body = self.body();
        let mut r = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after_s
            && let Ok(v) = axum::http::HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        r
    }
}

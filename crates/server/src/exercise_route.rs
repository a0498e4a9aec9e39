//! Players act through any node: a request that needs a live exercise's state (a write inside
//! the exercise, `Forewarn-Exercise` header; the exercise's own live endpoints,
//! `/api/exercises/{id}/...`) reaching a node that does not hold the exercise is forwarded to
//! the node that does (its `node_url`, crate::node::url), which answers as if asked directly:
//! sessions, tokens and idempotency records are in the shared database.
//!
//! A forwarded request carries `Forewarn-Forwarded` and is never forwarded again. When the
//! holding node is dead the request is answered here (the exercise is resumed on a live node
//! within seconds: exercises/replay.rs); when it does not answer, 503.

use crate::AppState;
use crate::error::ApiError;
use crate::exercises::ExerciseRec;
use crate::records::{self, Stored};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;
use std::time::Duration;

/// Marks a forwarded request (its value: the forwarding node).
pub const FORWARDED: &str = "forewarn-forwarded";
/// How long the holding node may take to answer a forwarded request.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The exercise a request needs live, if any.
fn exercise_of(req: &Request) -> Option<i64> {
    let path = req.uri().path();
    if let Some(rest) = path.strip_prefix("/api/exercises/")
        && let Some((id, sub)) = rest.split_once('/')
        && !sub.is_empty()
    {
        return id.parse().ok();
    }
    if req.method() == Method::GET || !path.starts_with("/api/") {
        return None;
    }
    req.headers()
        .get("forewarn-exercise")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn client() -> &'static reqwest::Client {
    static C: OnceLock<reqwest::Client> = OnceLock::new();
    C.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

/// The URL of the live node other than this one that holds exercise `id`, if any.
async fn holder_url(st: &AppState, id: i64) -> Option<String> {
    if st.exercises.holds(id) {
        return None;
    }
    let r = st.store.get_record(ExerciseRec::TYPE, id).await.ok()??;
    let rec: ExerciseRec = records::from_record(&r).ok()?;
    let node = rec.node.as_deref()?;
    if node == crate::node::id() {
        return None;
    }
    let url = rec.node_url?;
    crate::node::is_alive(&st.store, Some(node))
        .await
        .ok()?
        .then_some(url)
}

/// The middleware: forwards what another node must answer, passes the rest on.
pub async fn route(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if st.store.backend() != forewarn_store::Backend::Postgres
        || req.headers().contains_key(FORWARDED)
    {
        return next.run(req).await;
    }
    let Some(id) = exercise_of(&req) else {
        return next.run(req).await;
    };
    let Some(base) = holder_url(&st, id).await else {
        return next.run(req).await;
    };
    match forward(req, &base).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(exercise = id, node = %base, "forwarding to the exercise's node: {e}");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the server node that holds exercise {id} did not answer; try again in a few seconds"
                ),
                None,
            )
            .into_response()
        }
    }
}

/// Sends `req` to `base` (the holder's URL) and returns its answer.
async fn forward(req: Request, base: &str) -> Result<Response, String> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, crate::extract::BODY_LIMIT_BYTES)
        .await
        .map_err(|e| format!("reading the request: {e}"))?;
    let path = parts
        .uri
        .path_and_query()
        .map_or(parts.uri.path(), |p| p.as_str());
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let mut out = client().request(parts.method.clone(), &url);
    for (k, v) in &parts.headers {
        if is_hop_by_hop(k) {
            continue;
        }
        out = out.header(k, v);
    }
    let resp = out
        .header(FORWARDED, crate::node::id())
        .body(bytes)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let mut b = Response::builder().status(resp.status());
    for (k, v) in resp.headers() {
        if !is_hop_by_hop(k) {
            b = b.header(k, v);
        }
    }
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    b.body(Body::from(body)).map_err(|e| e.to_string())
}

fn is_hop_by_hop(k: &HeaderName) -> bool {
    matches!(
        k.as_str(),
        "connection"
            | "host"
            | "content-length"
            | "transfer-encoding"
            | "keep-alive"
            | "te"
            | "trailer"
            | "upgrade"
            | "proxy-connection"
            | "accept-encoding"
    )
}

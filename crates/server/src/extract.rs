//! Request extractors: JSON bodies with field-named errors and the text rules, the
//! authenticated caller, and the Idempotency-Key header with the hash of its request.

use crate::AppState;
use crate::auth;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use forewarn_store::{Reader, User, UserRole, now_ts};
use serde::de::DeserializeOwned;

/// Maximum request body, bytes.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// A JSON body. Errors: 415 without a JSON content type, 413 above the limit, 400 for malformed
/// JSON, 422 naming the field for unknown fields, wrong types and missing fields.
pub struct JsonBody<T>(pub T);

/// Maps a serde_path_to_error failure to 400 (syntax) or 422 (data), naming the field.
fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.inner();
    let msg = inner.to_string();
    // For an unknown field the path already ends with its key; for a missing one it names
    // the containing object, so the key is appended.
    let field = if let Some(rest) = msg.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or("");
        if path == "." || path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    } else {
        path
    };
    let field = if field == "." { None } else { Some(field) };
    let status = match inner.classify() {
        serde_json::error::Category::Syntax
        | serde_json::error::Category::Eof
        | serde_json::error::Category::Io => StatusCode::BAD_REQUEST,
        serde_json::error::Category::Data => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let what = if status == StatusCode::BAD_REQUEST {
        "malformed JSON"
    } else {
        "invalid request body"
    };
    ApiError {
        status,
        error: format!("{what}: {msg}"),
        field,
        retry_after_s: None,
        error_id: None,
    }
}

/// Parses JSON text into `T` with field-named errors, then checks every string of it against
/// the text rules ([`crate::text_rules`]: length per kind of field, no control characters).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = serde_path_to_error::deserialize(&mut de).map_err(json_error)?;
    de.end()
        .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}"), None))?;
    // The typed parse above accepted the text, so it is valid JSON; it is read again untyped
    // so that every string is seen, whatever `T` keeps of it.
    let all: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}"), None))?;
    crate::text_rules::check(&all)?;
    Ok(v)
}

/// A route's own body limit, smaller than [`BODY_LIMIT_BYTES`]; set with [`with_body_limit`].
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// `route` with a body limit of `bytes` (413 above it, naming the limit).
pub fn with_body_limit(
    route: axum::routing::MethodRouter<AppState>,
    bytes: usize,
) -> axum::routing::MethodRouter<AppState> {
    route
        .layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(bytes))
        .layer::<_, std::convert::Infallible>(axum::Extension(BodyLimit(bytes)))
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if mime != "application/json" && !mime.ends_with("+json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "expected Content-Type: application/json",
                Some("Content-Type"),
            ));
        }
        let limit = req
            .extensions()
            .get::<BodyLimit>()
            .map_or(BODY_LIMIT_BYTES, |l| l.0);
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("request body larger than {limit} bytes"),
                    None,
                )
            } else {
                ApiError::bad_request(format!("cannot read the body: {e}"), None)
            }
        })?;
        Ok(JsonBody(parse_json(&bytes)?))
    }
}

/// How the caller authenticated.
#[derive(Debug, Clone)]
pub enum AuthVia {
    Session {
        token_hash: String,
        csrf_token: String,
    },
    Token,
}

/// The authenticated user of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub via: AuthVia,
    /// The live exercise the request acts in (`Forewarn-Exercise` header), checked to be one
    /// the user's organisation takes part in; `None` for real work.
    pub exercise: Option<i64>,
}

impl Caller {
    pub fn org(&self) -> &str {
        &self.user.org
    }
    pub fn is_rc(&self) -> bool {
        self.user.org == crate::RC
    }
    pub fn reader(&self) -> Reader {
        if self.is_rc() {
            Reader::All
        } else {
            Reader::Org(self.user.org.clone())
        }
    }
    pub fn has_role(&self, role: UserRole) -> bool {
        self.user.roles.contains(&role)
    }
    /// 403 unless the caller has `role`.
    pub fn require(&self, role: UserRole) -> Result<(), ApiError> {
        if self.has_role(role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("this needs the {role} role")))
        }
    }
    /// 403 unless the caller has one of `roles`.
    pub fn require_any(&self, roles: &[UserRole]) -> Result<(), ApiError> {
        if roles.iter().any(|r| self.has_role(*r)) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::forbidden(format!(
                "this needs one of the roles {}",
                names.join(", ")
            )))
        }
    }
    /// 403 unless the caller belongs to `org`.
    pub fn require_org(&self, org: &str) -> Result<(), ApiError> {
        if self.user.org == org {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "only organisation '{org}' may do this"
            )))
        }
    }
}

pub(crate) fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// Authenticates from the bearer token or the session cookie; `Ok(None)` when neither is sent.
/// Checks the CSRF header for cookie-authenticated unsafe methods.
pub async fn authenticate(parts: &Parts, st: &AppState) -> Result<Option<Caller>, ApiError> {
    if let Some(h) = parts.headers.get(header::AUTHORIZATION) {
        let h = h
            .to_str()
            .map_err(|_| ApiError::unauthorized("invalid Authorization header"))?;
        let Some(token) = h.strip_prefix("Bearer ") else {
            return Err(ApiError::unauthorized(
                "Authorization must be 'Bearer <token>'",
            ));
        };
        let hash = auth::token_hash(token.trim());
        let cached = st
            .token_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&hash)
            .filter(|(_, at)| at.elapsed() < crate::TOKEN_CACHE_TTL)
            .map(|(u, _)| u.clone());
        let user = match cached {
            Some(u) => u,
            None => {
                let Some((_, user)) = st.store.token(&hash).await? else {
                    return Err(ApiError::unauthorized("invalid or revoked API token"));
                };
                let mut c = st.token_cache.lock().unwrap_or_else(|p| p.into_inner());
                if c.len() > 10_000 {
                    c.clear();
                }
                c.insert(hash, (user.clone(), std::time::Instant::now()));
                user
            }
        };
        let exercise = exercise_scope(parts, st, &user).await?;
        return Ok(Some(Caller {
            user,
            via: AuthVia::Token,
            exercise,
        }));
    }
    let Some(session) = cookie(parts, auth::SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = auth::token_hash(session);
    let Some((s, user)) = st.store.session(&hash, &now_ts()).await? else {
        return Err(ApiError::unauthorized(
            "session expired or invalid; log in again",
        ));
    };
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if sent.is_empty() || !auth::constant_time_eq(sent.as_bytes(), s.csrf_token.as_bytes()) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "missing or wrong CSRF token",
                Some("X-CSRF-Token"),
            ));
        }
    }
    let exercise = exercise_scope(parts, st, &user).await?;
    Ok(Some(Caller {
        user,
        via: AuthVia::Session {
            token_hash: hash,
            csrf_token: s.csrf_token,
        },
        exercise,
    }))
}

/// The header that puts a request in a live exercise's scope.
pub const EXERCISE_HEADER: &str = "forewarn-exercise";

/// The exercise scope of a request: the `Forewarn-Exercise` header, checked against the
/// exercise's participants.
async fn exercise_scope(
    parts: &Parts,
    st: &AppState,
    user: &User,
) -> Result<Option<i64>, ApiError> {
    let raw = parts
        .headers
        .get(EXERCISE_HEADER)
        .map(|v| v.to_str().unwrap_or("").to_string());
    let Some(raw) = raw else { return Ok(None) };
    let id: i64 = raw.trim().parse().map_err(|_| {
        ApiError::bad_request(
            "Forewarn-Exercise must be an exercise id",
            Some("Forewarn-Exercise"),
        )
    })?;
    crate::exercises::check_participant(st, id, user).await?;
    Ok(Some(id))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        authenticate(parts, st)
            .await?
            .ok_or_else(|| ApiError::unauthorized("log in or send an API token"))
    }
}

/// The caller if authenticated, else anonymous (bad credentials are still an error).
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        Ok(MaybeCaller(authenticate(parts, st).await?))
    }
}

/// The header of [`Idem`].
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// SHA-256 (hex) of a request's method, path and body, put in the request's extensions by
/// [`hash_idempotent_request`] for requests with an `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct RequestHash(pub String);

/// Middleware: for a request with an `Idempotency-Key`, reads the body (within
/// [`BODY_LIMIT_BYTES`]), records [`RequestHash`] of method, path and body, and passes the
/// request on with the same body. A key reused with another body is then refused (see
/// `write::write_op`).
pub async fn hash_idempotent_request(
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if !req.headers().contains_key(IDEMPOTENCY_HEADER) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("request body larger than {BODY_LIMIT_BYTES} bytes (or unreadable)"),
                None,
            )
            .into_response();
        }
    };
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(parts.method.as_str().as_bytes());
    h.update(b"\n");
    h.update(parts.uri.path().as_bytes());
    h.update(b"\n");
    h.update(&bytes);
    let digest = h.finalize();
    parts.extensions.insert(RequestHash(auth::hex(&digest)));
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// The optional `Idempotency-Key` header, with the request's method and path and the hash of
/// the whole request.
pub struct Idem {
    pub key: Option<String>,
    pub method: String,
    pub path: String,
    /// [`RequestHash`] ('' without a key).
    pub request_hash: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Idem {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let key = match parts.headers.get(IDEMPOTENCY_HEADER) {
            None => None,
            Some(v) => {
                let k = v.to_str().map_err(|_| {
                    ApiError::bad_request(
                        "Idempotency-Key must be visible ASCII",
                        Some("Idempotency-Key"),
                    )
                })?;
                if k.is_empty() || k.len() > 200 || !k.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(ApiError::bad_request(
                        "Idempotency-Key must be 1 to 200 visible ASCII characters",
                        Some("Idempotency-Key"),
                    ));
                }
                Some(k.to_string())
            }
        };
        let request_hash = parts
            .extensions
            .get::<RequestHash>()
            .map(|h| h.0.clone())
            .unwrap_or_default();
        if key.is_some() && request_hash.is_empty() {
            // The router always installs the hashing middleware; a key without a hash would
            // make a reused key with another body undetectable.
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Idempotency-Key without a request hash (hash_idempotent_request is not installed)",
                Some("Idempotency-Key"),
            ));
        }
        Ok(Idem {
            key,
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            request_hash,
        })
    }
}

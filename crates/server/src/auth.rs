//! Authentication: argon2 passwords, sessions with CSRF tokens, API tokens; the
//! login/logout/me/tokens/users endpoints. Login throttling is in [`crate::login_guard`].

use crate::AppState;
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::extract::{AuthVia, Caller, Idem, JsonBody};
use crate::login_guard::{account_key, address_key};
use crate::text_rules::TextKind;
use crate::write::write_op;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use forewarn_store::{NewEntry, Session, User, UserRole, Visibility, now_ts};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "fw_session";
pub const CSRF_COOKIE: &str = "fw_csrf";
/// Session lifetime.
pub const SESSION_HOURS: i64 = 12;
/// Body limit of `POST /api/login`: a user name and a password within their text limits fit
/// with room to spare; anything larger is refused before it is read.
pub const LOGIN_BODY_LIMIT_BYTES: usize = 4096;

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> Result<String, ApiError> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("no system randomness: {e}"),
            None,
        )
    })?;
    Ok(hex(&b))
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// SHA-256 of a token, hex: how session and API tokens are stored.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An argon2id (default parameters) PHC hash string.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("no system randomness: {e}"),
            None,
        )
    })?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("salt: {e}"),
            None,
        )
    })?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("hashing: {e}"),
                None,
            )
        })
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A user as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub org: String,
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<UserRole>,
    pub created_at: String,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> UserOut {
        UserOut {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            org: u.org.clone(),
            roles: u.roles.clone(),
            created_at: u.created_at.clone(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginIn {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeOut {
    pub user: UserOut,
    pub csrf_token: Option<String>,
}

fn cookie_header(
    st: &AppState,
    name: &str,
    value: &str,
    http_only: bool,
    max_age_s: i64,
) -> Result<HeaderValue, ApiError> {
    let mut c = format!("{name}={value}; Path=/; SameSite=Strict; Max-Age={max_age_s}");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if st.settings.secure_cookies {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).map_err(|e| ApiError::bad_request(format!("cookie: {e}"), None))
}

/// `POST /api/login`. In order, before any work that grows with the input: the body limit
/// ([`LOGIN_BODY_LIMIT_BYTES`]) and the text rules (user name and password lengths) in
/// `JsonBody`; then the attempt is counted ([`crate::login_guard`]); then one argon2 check in a
/// bounded pool; a right password gives the count back.
pub async fn login(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    JsonBody(inp): JsonBody<LoginIn>,
) -> Result<Response, ApiError> {
    // Already enforced for every JSON body; repeated here because the argon2 cost and the
    // limiter key must never see more.
    crate::text_rules::check_str(&inp.username, TextKind::Username, "username")?;
    crate::text_rules::check_str(&inp.password, TextKind::Password, "password")?;
    let (account, address) = (account_key(&inp.username), address_key(addr));
    let attempt = st
        .limiter
        .admit(account, address, std::time::Instant::now())
        .map_err(crate::login_guard::Refusal::into_api_error)?;
    // Every node's attempts, on PostgreSQL (login_shared.rs).
    let shared = match crate::login_shared::admit(&st, &account, address).await {
        Ok(s) => s,
        Err(e) => {
            st.limiter.not_checked(attempt);
            return Err(e);
        }
    };
    let give_back_shared = async |s: Option<crate::login_shared::SharedAttempt>| {
        if let Some(s) = s {
            crate::login_shared::give_back(&st, s).await;
        }
    };
    let user = match st.store.user_by_username(&inp.username).await {
        Ok(u) => u,
        Err(e) => {
            st.limiter.not_checked(attempt);
            give_back_shared(shared).await;
            return Err(e.into());
        }
    };
    // Unknown users cost the same check, so that user names cannot be probed by timing (the
    // dummy hash is made on first use, inside the bounded pool).
    let phc = user.as_ref().map(|u| u.password_hash.clone());
    let pw = inp.password;
    let ok = match st
        .password_checks
        .run(move || verify_password(&pw, phc.as_deref().unwrap_or(&DUMMY_HASH)))
        .await
    {
        Ok(ok) => ok,
        Err(e) => {
            st.limiter.not_checked(attempt);
            give_back_shared(shared).await;
            return Err(e);
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        return Err(ApiError::unauthorized("invalid username or password"));
    };
    st.limiter.succeeded(attempt);
    give_back_shared(shared).await;
    let token = random_hex(32)?;
    let csrf = random_hex(32)?;
    let now = chrono::Utc::now();
    let session = Session {
        token_hash: token_hash(&token),
        user_id: user.id,
        csrf_token: csrf.clone(),
        created_at: now_ts(),
        expires_at: (now + chrono::Duration::hours(SESSION_HOURS))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    };
    let mut tx = st.store.begin_write().await?;
    tx.insert_session(&session).await?;
    tx.commit().await?;
    let mut headers = HeaderMap::new();
    headers.append(
        header::SET_COOKIE,
        cookie_header(&st, SESSION_COOKIE, &token, true, SESSION_HOURS * 3600)?,
    );
    headers.append(
        header::SET_COOKIE,
        cookie_header(&st, CSRF_COOKIE, &csrf, false, SESSION_HOURS * 3600)?,
    );
    Ok((
        headers,
        axum::Json(MeOut {
            user: UserOut::from(&user),
            csrf_token: Some(csrf),
        }),
    )
        .into_response())
}

/// An argon2 hash of a random password, for constant-time failures on unknown users.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    random_hex(16)
        .and_then(|p| hash_password(&p))
        .unwrap_or_default()
});

pub async fn logout(State(st): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    if let AuthVia::Session { token_hash, .. } = &caller.via {
        let mut tx = st.store.begin_write().await?;
        tx.delete_session(token_hash, &now_ts()).await?;
        tx.commit().await?;
    }
    let mut headers = HeaderMap::new();
    headers.append(
        header::SET_COOKIE,
        cookie_header(&st, SESSION_COOKIE, "", true, 0)?,
    );
    headers.append(
        header::SET_COOKIE,
        cookie_header(&st, CSRF_COOKIE, "", false, 0)?,
    );
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}

pub async fn me(caller: Caller) -> axum::Json<MeOut> {
    let csrf = match &caller.via {
        AuthVia::Session { csrf_token, .. } => Some(csrf_token.clone()),
        AuthVia::Token => None,
    };
    axum::Json(MeOut {
        user: UserOut::from(&caller.user),
        csrf_token: csrf,
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenCreated {
    pub id: i64,
    pub name: String,
    pub token: String,
    pub created_at: String,
}

pub async fn create_token(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    JsonBody(inp): JsonBody<TokenIn>,
) -> Result<Response, ApiError> {
    let name = inp.name.trim().to_string();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::invalid(
            "name must be 1 to 100 characters",
            "name",
        ));
    }
    let token = format!("fwt_{}", random_hex(32)?);
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::CREATED, async move |tx| {
        let t = tx
            .insert_token(c.user.id, &name, &token_hash(&token))
            .await?;
        tx.append(NewEntry {
            actor: c.user.username.clone(),
            org: c.user.org.clone(),
            kind: "token.created".into(),
            record_type: "token".into(),
            record_id: t.id,
            visibility: Visibility::OwnOrg,
            party_org: None,
            payload: serde_json::json!({"id": t.id, "name": t.name, "user": c.user.username}),
            exercise_id: None,
        })
        .await?;
        Ok(TokenCreated {
            id: t.id,
            name: t.name,
            token,
            created_at: t.created_at,
        })
    })
    .await
}

pub async fn list_tokens(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let ts = st.store.tokens_of(caller.user.id).await?;
    Ok(axum::Json(serde_json::json!({"items": ts})))
}

pub async fn revoke_token(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let mut tx = st.store.begin_write().await?;
    if !tx.revoke_token(caller.user.id, id).await? {
        tx.rollback().await?;
        return Err(ApiError::not_found("token"));
    }
    tx.append(NewEntry {
        actor: caller.user.username.clone(),
        org: caller.user.org.clone(),
        kind: "token.revoked".into(),
        record_type: "token".into(),
        record_id: id,
        visibility: Visibility::OwnOrg,
        party_org: None,
        payload: serde_json::json!({"id": id, "user": caller.user.username}),
        exercise_id: None,
    })
    .await?;
    tx.commit().await?;
    st.token_cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clear();
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn list_users(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    caller.require(UserRole::Admin)?;
    let users = st
        .store
        .users(if caller.is_rc() {
            None
        } else {
            Some(caller.org())
        })
        .await?;
    Ok(axum::Json(
        serde_json::json!({"items": users.iter().map(UserOut::from).collect::<Vec<_>>()}),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    pub username: String,
    pub display_name: String,
    pub org: String,
    pub roles: Vec<String>,
    pub password: String,
}

pub async fn create_user(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    JsonBody(inp): JsonBody<UserIn>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::Admin)?;
    if inp.username.is_empty()
        || inp.username.len() > 64
        || !inp
            .username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(ApiError::invalid(
            "username must be 1 to 64 of a-z, 0-9, '.', '_', '-'",
            "username",
        ));
    }
    if inp.password.chars().count() < 8 || inp.password.len() > 200 {
        return Err(ApiError::invalid(
            "password must be 8 to 200 characters",
            "password",
        ));
    }
    let roles: Option<Vec<UserRole>> = inp.roles.iter().map(|r| UserRole::parse(r)).collect();
    let Some(roles) = roles.filter(|r| !r.is_empty()) else {
        let all: Vec<&str> = UserRole::ALL.iter().map(|r| r.as_str()).collect();
        return Err(ApiError::invalid(
            format!("roles must be a non-empty list of {}", all.join(", ")),
            "roles",
        ));
    };
    if st.store.org(&inp.org).await?.is_none() {
        return Err(ApiError::invalid(
            format!("unknown organisation '{}'", inp.org),
            "org",
        ));
    }
    if !caller.is_rc() && inp.org != caller.user.org {
        return Err(ApiError::forbidden(
            "admins create users of their own organisation only",
        ));
    }
    let pw = inp.password.clone();
    let hash = st.password_checks.run(move || hash_password(&pw)).await??;
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::CREATED, async move |tx| {
        if tx.user_by_username(&inp.username).await?.is_some() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("user '{}' exists", inp.username),
                Some("username"),
            ));
        }
        let u = tx
            .insert_user(&inp.username, &inp.display_name, &inp.org, &roles, &hash)
            .await?;
        let out = UserOut::from(&u);
        tx.append(NewEntry {
            actor: c.user.username.clone(),
            org: u.org.clone(),
            kind: "user.created".into(),
            record_type: "user".into(),
            record_id: u.id,
            visibility: Visibility::OwnOrg,
            party_org: None,
            payload: serde_json::to_value(&out).unwrap_or_default(),
            exercise_id: None,
        })
        .await?;
        Ok(out)
    })
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn token_hash_is_lowercase_hex_sha256() {
        assert_eq!(
            super::token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(super::hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }
}

//! The login limits across server nodes. With several nodes on one PostgreSQL database
//! (docs/deploy.md), each node's in-memory limits ([`crate::login_guard`]) see only the
//! attempts sent to it, so an attacker behind a proxy that spreads requests would get the
//! limits once per node. On PostgreSQL every attempt is therefore also recorded in the
//! database before its password check (one row per limit key), counted over every node's rows
//! with the same numbers as the local limits, and removed again when the password was right:
//!
//! - per (account, address): at most `pair_max_failures` in `pair_window`;
//! - per address: at most `address_max_failures` in `address_window`;
//! - per account: at most `account_burst` in `account_burst * account_refill` (a window in
//!   place of the local token bucket: the same long-run rate, a coarser shape).
//!
//! On SQLite there is one node and the local limits are the whole story. Rows older than the
//! longest window are deleted by the node's clean-up ([`prune`]).

use crate::AppState;
use crate::error::ApiError;
use crate::login_guard::{AccountKey, Limit, Refusal};
use forewarn_store::{Backend, now_ms};
use std::net::IpAddr;

/// One attempt recorded in the database, to be given back when its password was right.
pub struct SharedAttempt {
    id: String,
}

fn hex(k: &AccountKey) -> String {
    k.iter().map(|b| format!("{b:02x}")).collect()
}

/// Records and counts an attempt across the nodes (PostgreSQL only; `None` on SQLite).
pub async fn admit(
    st: &AppState,
    account: &AccountKey,
    address: IpAddr,
) -> Result<Option<SharedAttempt>, ApiError> {
    if st.store.backend() != Backend::Postgres {
        return Ok(None);
    }
    let l = st.limiter.limits();
    let acct = hex(account);
    let keys = [
        (
            format!("pair:{acct}:{address}"),
            l.pair_max_failures,
            l.pair_window,
            Limit::Pair,
        ),
        (
            format!("addr:{address}"),
            l.address_max_failures,
            l.address_window,
            Limit::Address,
        ),
        (
            format!("acct:{acct}"),
            l.account_burst,
            l.account_refill * l.account_burst,
            Limit::Account,
        ),
    ];
    let id = crate::auth::random_hex(16)?;
    let now = now_ms();
    let names: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
    st.store.add_login_attempt(&id, &names, now).await?;
    let attempt = SharedAttempt { id };
    for (key, max, window, which) in &keys {
        let w = window.as_millis() as i64;
        let (n, oldest) = st.store.login_attempts_since(key, now - w).await?;
        // This attempt is among the n counted: refuse when it is one over the limit.
        if n > i64::from(*max) {
            give_back(st, attempt).await;
            let until = oldest.unwrap_or(now) + w;
            let retry_after_s = ((until - now).max(1000) as u64).div_ceil(1000);
            return Err(Refusal::Limited {
                which: *which,
                retry_after_s,
            }
            .into_api_error());
        }
    }
    Ok(Some(attempt))
}

/// Removes an attempt whose password was right (or that was not checked).
pub async fn give_back(st: &AppState, a: SharedAttempt) {
    if let Err(e) = st.store.remove_login_attempt(&a.id).await {
        tracing::warn!("cannot give a login attempt back: {e}");
    }
}

/// Deletes the attempts older than every window.
pub async fn prune(st: &AppState) {
    if st.store.backend() != Backend::Postgres {
        return;
    }
    let l = st.limiter.limits();
    let longest = l
        .pair_window
        .max(l.address_window)
        .max(l.account_refill * l.account_burst);
    if let Err(e) = st
        .store
        .prune_login_attempts(now_ms() - longest.as_millis() as i64)
        .await
    {
        tracing::warn!("pruning the login attempts: {e}");
    }
}

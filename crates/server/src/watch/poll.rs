//! Polling one source: conditional GET (ETag / If-Modified-Since), a timeout per request, a
//! body limit, exponential backoff after failures, and the health record.
//!
//! Backoff: after `n` consecutive failures the next poll waits `poll_s * 2^n`, at most
//! [`MAX_BACKOFF_S`] (or `poll_s` when that is longer); the first success returns to
//! `poll_s`. A malformed item is rejected (logged with its reason, counted, kept among the
//! source's recent rejections) and never stops the source: the other items of the body are
//! still processed.

use super::{RECENT_REJECTIONS, SourceHealth, WatchService};
use crate::AppState;
use forewarn_store::now_ts;
use forewarn_watch::limits::MAX_BODY_BYTES;
use forewarn_watch::{Parsed, QuakeReport, Rejected, SourceConfig, SourceKind};
use std::sync::Arc;
use std::time::Duration;

/// The longest wait between two polls of a failing source, s.
pub const MAX_BACKOFF_S: f64 = 600.0;

/// What a poll fetched.
pub enum Fetched {
    NotModified,
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// The wait after `failures` consecutive failures.
pub fn backoff_s(poll_s: f64, failures: u32) -> f64 {
    if failures == 0 {
        return poll_s;
    }
    (poll_s * 2f64.powi(failures.min(30) as i32)).min(MAX_BACKOFF_S.max(poll_s))
}

/// GETs `url` with the validators of the last response, within the source's timeout and the
/// body limit.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    timeout: Duration,
    etag: Option<&str>,
    last_modified: Option<&str>,
) -> Result<Fetched, String> {
    let mut req = client.get(url).timeout(timeout);
    if let Some(e) = etag {
        req = req.header(reqwest::header::IF_NONE_MATCH, e);
    }
    if let Some(m) = last_modified {
        req = req.header(reqwest::header::IF_MODIFIED_SINCE, m);
    }
    let fut = async {
        let mut resp = req.send().await.map_err(|e| describe(&e))?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_BODY_BYTES as u64)
        {
            return Err(format!(
                "the body is larger than the limit of {MAX_BODY_BYTES} bytes"
            ));
        }
        let header = |n: reqwest::header::HeaderName| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .filter(|v| v.len() <= 512)
                .map(str::to_string)
        };
        let etag = header(reqwest::header::ETAG);
        let last_modified = header(reqwest::header::LAST_MODIFIED);
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| describe(&e))? {
            if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(format!(
                    "the body is larger than the limit of {MAX_BODY_BYTES} bytes"
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            bytes,
            etag,
            last_modified,
        })
    };
    // The request timeout covers the body too; this bounds everything once more.
    match tokio::time::timeout(timeout + Duration::from_millis(500), fut).await {
        Ok(r) => r,
        Err(_) => Err(format!("timed out after {} s", timeout.as_secs_f64())),
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        format!("cannot connect: {e}")
    } else {
        e.to_string()
    }
}

/// Reads a watched directory (`file:///DIR/`) of QuakeML files: every `*.xml` file, in name
/// order, at most [`forewarn_watch::limits::MAX_ITEMS`] files; the body of each is parsed on
/// its own.
fn read_dir_files(url: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let dir = url.trim_start_matches("file://");
    let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the directory {dir}: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    names.sort();
    names.truncate(forewarn_watch::limits::MAX_ITEMS);
    let mut out = Vec::new();
    for p in names {
        let meta = std::fs::metadata(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.len() > MAX_BODY_BYTES as u64 {
            tracing::warn!(file = %p.display(), "watched file larger than {MAX_BODY_BYTES} bytes, skipped");
            continue;
        }
        let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        out.push((p.display().to_string(), bytes));
    }
    Ok(out)
}

fn update_health(
    svc: &WatchService,
    name: &str,
    f: impl FnOnce(&mut SourceHealth),
) -> SourceHealth {
    let mut h = svc.health.lock().unwrap_or_else(|p| p.into_inner());
    let e = h.entry(name.to_string()).or_default();
    f(e);
    e.clone()
}

/// Logs rejected items and counts them in the source's health.
pub fn rejected(svc: &WatchService, src: &SourceConfig, rejected: &[Rejected]) {
    for r in rejected {
        tracing::warn!(source = %src.name, at = %r.at, id = ?r.id, reason = %r.reason, "watch item rejected");
    }
    if rejected.is_empty() {
        return;
    }
    update_health(svc, &src.name, |h| {
        h.items_rejected += rejected.len() as u64;
        for r in rejected {
            h.recent_rejections.push(serde_json::json!({
                "at": r.at, "id": r.id, "reason": r.reason, "time": now_ts()
            }));
        }
        let n = h.recent_rejections.len();
        if n > RECENT_REJECTIONS {
            h.recent_rejections.drain(..n - RECENT_REJECTIONS);
        }
    });
}

/// Adds to a source's seen and accepted item counts.
pub fn count(svc: &WatchService, name: &str, seen: usize, accepted: usize) {
    update_health(svc, name, |h| {
        h.items_seen += seen as u64;
        h.items_accepted += accepted as u64;
    });
}

/// Processes one fetched body of `src`; returns an error for a body refused whole.
async fn process(
    st: &AppState,
    svc: &WatchService,
    src: &SourceConfig,
    bytes: Vec<u8>,
) -> Result<(), String> {
    match src.kind {
        k if k.is_quake() => {
            let (name, agency) = (src.name.clone(), src.agency.clone());
            let parsed: Parsed<QuakeReport> = tokio::task::spawn_blocking(move || {
                forewarn_watch::parse_quakes(k, &name, &agency, &bytes)
            })
            .await
            .map_err(|e| format!("parser task failed: {e}"))?
            .map_err(|e| e.to_string())?;
            update_health(svc, &src.name, |h| {
                h.items_seen += (parsed.items.len() + parsed.rejected.len()) as u64;
            });
            rejected(svc, src, &parsed.rejected);
            for r in parsed.items {
                let changed = super::act::take_report(st, svc, r).await;
                update_health(svc, &src.name, |h| match &changed {
                    Ok(true) => h.items_accepted += 1,
                    Ok(false) => h.items_unchanged += 1,
                    Err(_) => {}
                });
                if let Err(e) = changed {
                    tracing::error!(source = %src.name, "watch: cannot act on a report: {e}");
                }
            }
            Ok(())
        }
        SourceKind::CapAtom => super::act::take_cap_feed(st, svc, src, bytes).await,
        _ => {
            let thresholds = src.thresholds;
            let kind = src.kind;
            let parsed = tokio::task::spawn_blocking(move || match kind {
                SourceKind::Sensorthings => forewarn_watch::gauge::parse_sensorthings(&bytes),
                _ => forewarn_watch::gauge::parse_csv(&bytes),
            })
            .await
            .map_err(|e| format!("parser task failed: {e}"))?
            .map_err(|e| e.to_string())?;
            update_health(svc, &src.name, |h| {
                h.items_seen += (parsed.items.len() + parsed.rejected.len()) as u64;
                h.items_accepted += parsed.items.len() as u64;
            });
            rejected(svc, src, &parsed.rejected);
            if let Some(t) = thresholds {
                super::act::take_gauge(st, svc, src, &parsed.items, &t).await;
            }
            Ok(())
        }
    }
}

/// One poll of source `i`: fetch (or read the watched directory), process, record health.
pub async fn poll_once(st: &AppState, svc: &WatchService, i: usize) -> SourceHealth {
    let Some(src) = svc.source(i) else {
        return SourceHealth::default();
    };
    let src = &src;
    let (etag, lm) = {
        let h = svc.health.lock().unwrap_or_else(|p| p.into_inner());
        h.get(&src.name)
            .map(|h| (h.etag.clone(), h.last_modified.clone()))
            .unwrap_or_default()
    };
    let timeout = Duration::from_secs_f64(src.timeout_s);
    let result: Result<bool, String> = if src.url.starts_with("file://") {
        match tokio::task::spawn_blocking({
            let url = src.url.clone();
            move || read_dir_files(&url)
        })
        .await
        {
            Ok(Ok(files)) => {
                let mut err = None;
                for (name, bytes) in files {
                    if let Err(e) = process(st, svc, src, bytes).await {
                        tracing::warn!(source = %src.name, file = %name, "watch file refused: {e}");
                        err = Some(format!("{name}: {e}"));
                    }
                }
                err.map_or(Ok(true), Err)
            }
            Ok(Err(e)) => Err(e),
            Err(e) => Err(e.to_string()),
        }
    } else {
        match fetch(
            &svc.client,
            &src.url,
            timeout,
            etag.as_deref(),
            lm.as_deref(),
        )
        .await
        {
            Ok(Fetched::NotModified) => Ok(false),
            Ok(Fetched::Body {
                bytes,
                etag,
                last_modified,
            }) => {
                update_health(svc, &src.name, |h| {
                    h.etag = etag;
                    h.last_modified = last_modified;
                });
                process(st, svc, src, bytes).await.map(|_| true)
            }
            Err(e) => Err(e),
        }
    };
    let now = now_ts();
    let h = update_health(svc, &src.name, |h| {
        h.polls += 1;
        h.last_poll = Some(now.clone());
        match &result {
            Ok(body) => {
                if !body {
                    h.not_modified += 1;
                }
                h.status = "ok".into();
                h.last_success = Some(now.clone());
                h.consecutive_failures = 0;
            }
            Err(e) => {
                tracing::warn!(source = %src.name, url = %src.url, "watch poll failed: {e}");
                h.status = "failing".into();
                h.last_error = Some(e.clone());
                h.last_error_at = Some(now.clone());
                h.consecutive_failures = h.consecutive_failures.saturating_add(1);
            }
        }
        h.next_poll_in_s = backoff_s(src.poll_s, h.consecutive_failures);
    });
    if let Ok(v) = serde_json::to_value(&h) {
        let stored = async {
            let mut tx = st.store.begin_write().await?;
            tx.put_source_health(&src.name, &v).await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = stored {
            tracing::warn!(source = %src.name, "cannot store the source health: {e}");
        }
    }
    h
}

/// How often a paused source checks whether it was resumed, seconds.
pub const PAUSED_CHECK_S: f64 = 1.0;

/// Polls source `i` for as long as the process runs, while this node holds the watch lease
/// and the source is not paused.
pub async fn run_source(st: AppState, svc: Arc<WatchService>, i: usize) {
    loop {
        // Another node polls (leader.rs): wait until this one takes the lease.
        if !svc.may_poll() {
            let mut leading = svc.leading.subscribe();
            let _ = tokio::time::timeout(
                Duration::from_secs_f64(PAUSED_CHECK_S),
                leading.wait_for(|l| *l),
            )
            .await;
            continue;
        }
        let name = svc.source(i).map(|s| s.name);
        let paused = name.as_ref().is_some_and(|n| {
            svc.paused
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(n)
        });
        if let (true, Some(n)) = (paused, &name) {
            update_health(&svc, n, |h| {
                h.status = "paused".into();
                h.next_poll_in_s = PAUSED_CHECK_S;
            });
            tokio::time::sleep(Duration::from_secs_f64(PAUSED_CHECK_S)).await;
            continue;
        }
        let h = poll_once(&st, &svc, i).await;
        tokio::time::sleep(Duration::from_secs_f64(h.next_poll_in_s.max(0.05))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_s(2.0, 0), 2.0);
        assert_eq!(backoff_s(2.0, 1), 4.0);
        assert_eq!(backoff_s(2.0, 3), 16.0);
        assert_eq!(backoff_s(2.0, 20), MAX_BACKOFF_S);
        assert_eq!(backoff_s(3600.0, 5), 3600.0);
    }
}

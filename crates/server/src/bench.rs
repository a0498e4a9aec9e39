//! Load benchmark: concurrent clients POSTing journaled writes (situation reports, bearer
//! token auth) to a real server on 127.0.0.1, measuring committed writes per second and the
//! latency distribution.

pub mod feed;
pub mod soak;
pub mod watch;

/// The throwaway PostgreSQL of the cluster benchmark (`forewarn bench cluster`).
pub use forewarn_store::pg_temp::TempPostgres;

use crate::http_client::Conn;
use crate::{AppState, auth, router};
use forewarn_store::{Org, Store};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Results of one benchmark run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BenchFigures {
    pub backend: String,
    /// Server nodes on the database, each with its own connection pool and HTTP listener;
    /// clients are spread over them in turn.
    pub nodes: usize,
    pub clients: usize,
    pub seconds: f64,
    /// Writes acknowledged with 2xx.
    pub writes: u64,
    pub errors: u64,
    /// Journal entries in the database after the run (checked: at least `writes`).
    pub journal_entries: i64,
    pub writes_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Errors of a benchmark run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Store(#[from] forewarn_store::StoreError),
    #[error("{0}")]
    Setup(String),
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Runs the benchmark against the database `db_url` (fresh or not), `clients` concurrent
/// connections for `seconds`.
pub async fn run_async(
    db_url: &str,
    clients: usize,
    seconds: f64,
) -> Result<BenchFigures, BenchError> {
    run_nodes_async(db_url, 1, clients, seconds).await
}

/// [`run_async`] with `nodes` server nodes on the same database (in this process, each with
/// its own store: pool, write batch and journal tailer; see docs/deploy.md).
pub async fn run_nodes_async(
    db_url: &str,
    nodes: usize,
    clients: usize,
    seconds: f64,
) -> Result<BenchFigures, BenchError> {
    let store = Store::open(db_url).await?;
    let backend = store.backend().as_str().to_string();
    let st = AppState::new(store.clone(), crate::default_web_dir(), false);
    // One organisation and user with an API token.
    let token = format!(
        "fwt_{}",
        auth::random_hex(32).map_err(|e| BenchError::Setup(e.to_string()))?
    );
    let username = format!(
        "bench.{}",
        auth::random_hex(4).map_err(|e| BenchError::Setup(e.to_string()))?
    );
    let hash =
        auth::hash_password("benchmark-password").map_err(|e| BenchError::Setup(e.to_string()))?;
    let mut tx = store.begin_write().await?;
    tx.ensure_org(&Org {
        code: "pk".into(),
        name: "Pakistan".into(),
        country_iso2: Some("PK".into()),
        cap_sender: "pk@forewarn.example".into(),
    })
    .await?;
    let u = tx
        .insert_user(
            &username,
            "Benchmark",
            "pk",
            &[forewarn_store::UserRole::DutyOfficer],
            &hash,
        )
        .await?;
    tx.insert_token(u.id, "bench", &auth::token_hash(&token))
        .await?;
    tx.commit().await?;

    let mut addrs = Vec::new();
    let mut servers = Vec::new();
    let mut stores = vec![store.clone()];
    for n in 0..nodes.max(1) {
        let st = if n == 0 {
            st.clone()
        } else {
            let s = Store::open(db_url).await?;
            stores.push(s.clone());
            AppState::new(s, crate::default_web_dir(), false)
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| BenchError::Setup(e.to_string()))?;
        addrs.push(
            listener
                .local_addr()
                .map_err(|e| BenchError::Setup(e.to_string()))?,
        );
        servers.push(tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                router(st).into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        }));
    }

    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let token = token.clone();
        let addr: SocketAddr = addrs[c % addrs.len()];
        tasks.push(tokio::spawn(async move {
            let mut lat_ms = Vec::new();
            let mut errors = 0u64;
            let Ok(mut conn) = Conn::connect(addr).await else {
                return (lat_ms, 1u64);
            };
            let auth_h = format!("Bearer {token}");
            let mut i = 0u64;
            while Instant::now() < deadline {
                i += 1;
                let body = format!("{{\"title\":\"bench {c}-{i}\",\"body\":\"load test\"}}");
                let t = Instant::now();
                match conn
                    .request(
                        "POST",
                        "/api/sitreps",
                        &[
                            ("Authorization", &auth_h),
                            ("Content-Type", "application/json"),
                        ],
                        Some(body.as_bytes()),
                    )
                    .await
                {
                    Ok(r) if (200..300).contains(&r.status) => {
                        lat_ms.push(t.elapsed().as_secs_f64() * 1e3)
                    }
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        match Conn::connect(addr).await {
                            Ok(c2) => conn = c2,
                            Err(_) => break,
                        }
                    }
                }
            }
            (lat_ms, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    for s in servers {
        s.abort();
    }
    // Every acknowledged write is a committed journal entry (the setup wrote none).
    let journal_entries = store.last_seq().await?;
    for s in stores {
        s.close().await;
    }
    if journal_entries < all.len() as i64 {
        return Err(BenchError::Setup(format!(
            "{} writes were acknowledged but the journal holds {journal_entries} entries",
            all.len()
        )));
    }
    all.sort_by(f64::total_cmp);
    let round = |v: f64| (v * 100.0).round() / 100.0;
    Ok(BenchFigures {
        backend,
        nodes: nodes.max(1),
        clients,
        seconds: round(elapsed),
        writes: all.len() as u64,
        errors,
        journal_entries,
        writes_per_s: round(all.len() as f64 / elapsed),
        p50_ms: round(pct(&all, 0.50)),
        p99_ms: round(pct(&all, 0.99)),
        max_ms: round(all.last().copied().unwrap_or(0.0)),
    })
}

/// [`run_async`] on its own multi-threaded runtime.
pub fn run(db_url: &str, clients: usize, seconds: f64) -> Result<BenchFigures, BenchError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| BenchError::Setup(e.to_string()))?;
    rt.block_on(run_async(db_url, clients, seconds))
}

/// `forewarn bench cluster`'s write figures: 1, 2 and 3 nodes on one temporary PostgreSQL
/// database (a fresh one each), `clients` clients for `seconds`.
pub fn run_cluster(seconds: f64, clients: usize) -> Result<Vec<BenchFigures>, BenchError> {
    let pg = forewarn_store::pg_temp::TempPostgres::start()
        .map_err(|e| BenchError::Setup(format!("PostgreSQL: {e}")))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| BenchError::Setup(e.to_string()))?;
    let mut out = Vec::new();
    for nodes in 1..=3 {
        let url = pg
            .create_database(&format!("cluster_{nodes}"))
            .map_err(|e| BenchError::Setup(e.to_string()))?;
        out.push(rt.block_on(run_nodes_async(&url, nodes, clients, seconds))?);
    }
    Ok(out)
}

/// The standard matrix: 50 and 200 clients on a fresh SQLite file and, when PostgreSQL is
/// installed, on a temporary PostgreSQL server.
pub fn run_matrix(seconds: f64) -> Result<Vec<BenchFigures>, BenchError> {
    let dir = tempfile::tempdir().map_err(|e| BenchError::Setup(e.to_string()))?;
    let mut out = Vec::new();
    for clients in [50, 200] {
        let db = dir.path().join(format!("bench-{clients}.db"));
        out.push(run(&db.display().to_string(), clients, seconds)?);
    }
    match forewarn_store::pg_temp::TempPostgres::start() {
        Ok(pg) => {
            for clients in [50, 200] {
                let url = pg
                    .create_database(&format!("bench_{clients}"))
                    .map_err(|e| BenchError::Setup(e.to_string()))?;
                out.push(run(&url, clients, seconds)?);
            }
        }
        Err(e) => eprintln!("PostgreSQL benchmark skipped: {e}"),
    }
    Ok(out)
}

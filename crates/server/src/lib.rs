//! Forewarn's operations platform: the HTTP API (axum) over the journaled store, with
//! sessions, API tokens and per-organisation access control, live Server-Sent Events, CAP
//! alert publication and the static web UI. The contract is docs/api.md.

pub mod activity;
pub mod alarms;
pub mod alerts;
pub mod auth;
pub mod bench;
pub mod cap_texts;
pub mod client_addr;
pub mod demo;
pub mod error;
pub mod events;
pub mod exercise_route;
pub mod exercises;
pub mod extract;
mod flood_run;
pub mod http_client;
pub mod incident_report;
pub mod incidents;
pub mod jobs;
pub mod login_guard;
pub mod login_shared;
pub mod node;
pub mod openapi;
pub mod pool;
pub mod public;
pub mod records;
pub mod requests;
pub mod routes;
pub mod runner;
pub mod settings;
pub mod text_rules;
pub mod watch;
pub mod web_assets;
pub mod write;

use axum::Router;
use axum::http::{HeaderValue, Request, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use forewarn_store::{Store, Visibility};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// The regional centre's organisation code.
pub const RC: &str = "rc";
/// The member states' organisation codes (lowercase ISO 3166 alpha-2).
pub const COUNTRY_ORGS: [&str; 12] = [
    "af", "by", "cn", "in", "ir", "kg", "kz", "mn", "pk", "ru", "tj", "uz",
];

/// An empty JSON object body (`{}`); anything else is rejected.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// An event that is streamed but not journaled (incident progress).
#[derive(Debug, Clone)]
pub struct LiveEvent {
    pub org: String,
    pub visibility: Visibility,
    pub party_org: Option<String>,
    pub kind: String,
    pub data: serde_json::Value,
    /// The live exercise the event belongs to (`None`: real).
    pub exercise_id: Option<i64>,
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// This process's name among the nodes on one database ([`node::id`]).
    pub node_id: Arc<str>,
    /// Login attempts, counted before their password checks.
    pub limiter: Arc<login_guard::LoginLimiter>,
    /// The bounded pool of argon2 checks.
    pub password_checks: Arc<login_guard::PasswordChecks>,
    pub live: broadcast::Sender<LiveEvent>,
    pub progress: Arc<Mutex<HashMap<i64, incidents::Progress>>>,
    /// The bounded, fair pool hazard engines run on (incident runs, exercise hazards).
    pub pool: Arc<pool::RunPool>,
    /// The web UI directory (`--web-dir`); `None` serves the copy embedded in the binary.
    pub web_dir: Option<PathBuf>,
    /// Public URL, trusted proxies, Secure cookies, login limits.
    pub settings: Arc<settings::HttpSettings>,
    /// Bearer token hash -> user, for [`TOKEN_CACHE_TTL`]; cleared when a token is revoked here.
    pub token_cache: Arc<Mutex<HashMap<String, (forewarn_store::User, std::time::Instant)>>>,
    /// This node's side of the run queue (the jobs it holds, its claimer).
    pub jobs: Arc<jobs::Jobs>,
    /// Live exercises of this process.
    pub exercises: Arc<exercises::Registry>,
    /// Bundled exercise plans (and the hazard scenario files they name): `--scenarios-dir`,
    /// or the embedded ones written to a private temporary directory.
    pub scenarios_dir: PathBuf,
    /// The Vs30 raster of every incident run (`--vs30`), as `forewarn quake --vs30`.
    pub vs30: Option<Arc<Vs30Raster>>,
    /// The proactive watch, when the server runs with `--watch` (set once at start).
    pub watch: Arc<std::sync::OnceLock<Arc<watch::WatchService>>>,
    /// Association of each live exercise's own feed reports (watch/act.rs), by exercise id.
    pub exercise_feeds:
        Arc<tokio::sync::Mutex<std::collections::BTreeMap<i64, forewarn_watch::Associator>>>,
    /// That temporary directory, removed when the last clone of the state is dropped.
    pub scenarios_tmp: Option<Arc<tempfile::TempDir>>,
}

/// A Vs30 raster (m/s, EPSG:4326) loaded at start.
pub struct Vs30Raster {
    pub path: String,
    pub grid: Arc<forewarn_core::Grid<f32>>,
}

impl Vs30Raster {
    /// Reads and checks the raster (GeoTIFF, EPSG:4326); the error names the file.
    pub fn load(path: &std::path::Path) -> Result<Vs30Raster, String> {
        let grid = forewarn_core::raster_tiff::read_geotiff(path)
            .map_err(|e| format!("--vs30 {}: {e}", path.display()))?;
        if grid.spec.crs != forewarn_core::Crs::Epsg4326 {
            return Err(format!(
                "--vs30 {}: Vs30 raster CRS is {}; expected EPSG:4326",
                path.display(),
                grid.spec.crs.describe()
            ));
        }
        Ok(Vs30Raster {
            path: path.display().to_string(),
            grid: Arc::new(grid),
        })
    }
}

/// How long a verified API token is trusted without asking the database again. A token
/// revoked through another server process stays usable here for at most this long.
pub const TOKEN_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

impl AppState {
    /// The state with default settings (links from the `Host` header, no trusted proxy),
    /// serving the web UI from `web_dir`.
    pub fn new(store: Store, web_dir: PathBuf, secure_cookies: bool) -> AppState {
        AppState::with_settings(
            store,
            Some(web_dir),
            settings::HttpSettings {
                secure_cookies,
                ..settings::HttpSettings::default()
            },
        )
    }

    /// `web_dir: None` serves the embedded web UI; the scenarios are the embedded ones.
    pub fn with_settings(
        store: Store,
        web_dir: Option<PathBuf>,
        settings: settings::HttpSettings,
    ) -> AppState {
        let scenarios_tmp = match web_assets::scenarios_dir() {
            Ok(d) => Some(Arc::new(d)),
            Err(e) => {
                tracing::error!(error = %e, "cannot write the bundled scenarios to a temporary directory; bundled exercise plans are unavailable (use --scenarios-dir)");
                None
            }
        };
        AppState {
            store,
            node_id: node::id().into(),
            limiter: Arc::new(login_guard::LoginLimiter::new(settings.login.clone())),
            password_checks: Arc::new(login_guard::PasswordChecks::new(
                settings.login.concurrent_checks,
                settings.login.check_wait,
            )),
            live: broadcast::channel(1024).0,
            progress: Arc::new(Mutex::new(HashMap::new())),
            pool: Arc::new(pool::RunPool::new(pool::PoolConfig::default())),
            web_dir,
            settings: Arc::new(settings),
            token_cache: Arc::new(Mutex::new(HashMap::new())),
            jobs: Arc::new(jobs::Jobs::default()),
            exercises: Arc::new(exercises::Registry::default()),
            scenarios_dir: scenarios_tmp
                .as_ref()
                .map_or_else(default_scenarios_dir, |d| d.path().to_path_buf()),
            scenarios_tmp,
            vs30: None,
            watch: Arc::new(std::sync::OnceLock::new()),
            exercise_feeds: Arc::new(tokio::sync::Mutex::new(Default::default())),
        }
    }
}

impl AppState {
    /// Reads the bundled exercise plans (and the scenario files they name) from `dir`
    /// (`--scenarios-dir`) instead of the embedded copies.
    fn use_scenarios_dir(&mut self, dir: &std::path::Path) -> Result<(), ServeError> {
        if !dir.is_dir() {
            return Err(ServeError::Setup(format!(
                "--scenarios-dir {} is not a directory",
                dir.display()
            )));
        }
        self.scenarios_dir = dir.to_path_buf();
        self.scenarios_tmp = None;
        Ok(())
    }
}

/// The repository's web/ (where the embedded UI was compiled from).
pub fn default_web_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web"))
}

/// The repository's scenarios/ (where the embedded scenarios were compiled from; used only
/// when they cannot be written out).
pub fn default_scenarios_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios"))
}

async fn security_headers(req: Request<axum::body::Body>, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let mut r = next.run(req).await;
    // Rejections produced by axum itself (bad path or query parameters, wrong method) are
    // plain text: give API clients the JSON error shape instead.
    let is_json = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_api && (r.status().is_client_error() || r.status().is_server_error()) && !is_json {
        let status = r.status();
        let bytes = axum::body::to_bytes(std::mem::take(r.body_mut()), 64 * 1024)
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).trim().to_string();
        let msg = if text.is_empty() {
            status.canonical_reason().unwrap_or("error").to_string()
        } else {
            text
        };
        let field = if msg.starts_with("Invalid URL") || msg.contains("path") {
            Some("id")
        } else if msg.contains("query") {
            Some("query")
        } else {
            None
        };
        r = error::ApiError::new(status, msg, field).into_response();
    }
    let h = r.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A handler may set a stricter policy of its own (the incident page, shown in a frame).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; child-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'"),
    );
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

async fn api_not_found() -> error::ApiError {
    error::ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "no such endpoint; see /api/openapi.json",
        None,
    )
}

/// The complete router.
pub fn router(st: AppState) -> Router {
    let mut r = Router::new();
    for e in routes::endpoints() {
        r = r.route(e.path, e.route);
    }
    r.route("/api/{*rest}", axum::routing::any(api_not_found))
        // Innermost: what reaches the holding node of a live exercise is the request as sent.
        .layer(axum::middleware::from_fn_with_state(
            st.clone(),
            exercise_route::route,
        ))
        .fallback(axum::routing::get(public::static_file))
        .layer(axum::extract::DefaultBodyLimit::max(
            extract::BODY_LIMIT_BYTES,
        ))
        .layer(axum::middleware::from_fn(extract::hash_idempotent_request))
        .layer(axum::middleware::from_fn(security_headers))
        // Outermost: what the handlers and the idempotency records see is uncompressed.
        // The default predicate leaves small bodies, images and event streams alone.
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(st)
}

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub db: String,
    pub bind: SocketAddr,
    pub demo: Option<String>,
    /// `--web-dir`: serve the web UI from this directory; `None`: the embedded UI.
    pub web_dir: Option<PathBuf>,
    /// `--scenarios-dir`: bundled exercise plans from this directory; `None`: the embedded.
    pub scenarios_dir: Option<PathBuf>,
    /// Where clients reach the server (`--public-url`); required unless `bind` is loopback.
    pub public_url: Option<settings::PublicUrl>,
    /// Reverse proxies whose forwarding headers name the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Vs30 raster for the incident runs (`--vs30`); `None`: slope-based and default Vs30.
    pub vs30: Option<PathBuf>,
    /// The sources to watch (`--watch FILE.toml`, validated).
    pub watch: Option<forewarn_watch::WatchConfig>,
    /// Whether this node runs incidents from the shared queue (`--no-runs`: only `forewarn
    /// worker` processes do).
    pub runs: bool,
    /// How the other nodes reach this one (`--node-url`); `None`: `http://` and the bind
    /// address, unless that is unspecified (0.0.0.0).
    pub node_url: Option<String>,
}

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] forewarn_store::StoreError),
    #[error("{0}")]
    Setup(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Opens the store, seeds the demo if asked, and returns the state and router.
pub async fn prepare(cfg: &ServerConfig) -> Result<(AppState, Router), ServeError> {
    let loopback = cfg.bind.ip().is_loopback();
    if cfg.public_url.is_none() && !loopback {
        return Err(ServeError::Setup(format!(
            "--public-url is required with the non-loopback address {}: it is the address clients use (https:// gives Secure cookies; feed and CAP links are built from it, never from the Host header)",
            cfg.bind
        )));
    }
    let vs30 = match &cfg.vs30 {
        Some(p) => Some(Arc::new(Vs30Raster::load(p).map_err(ServeError::Setup)?)),
        None => None,
    };
    let store = Store::open(&cfg.db).await?;
    let settings = settings::HttpSettings {
        secure_cookies: cfg
            .public_url
            .as_ref()
            .map_or(!loopback, settings::PublicUrl::is_https),
        public_url: cfg.public_url.clone(),
        trusted_proxies: cfg.trusted_proxies.clone(),
        login: login_guard::LoginLimits::default(),
    };
    if let Some(dir) = &cfg.web_dir
        && !public::web_root(dir).join("index.html").is_file()
    {
        tracing::warn!(dir = %dir.display(), "--web-dir holds no index.html: the web UI will answer 404");
    }
    let mut st = AppState::with_settings(store, cfg.web_dir.clone(), settings);
    if let Some(dir) = &cfg.scenarios_dir {
        st.use_scenarios_dir(dir)?;
    }
    st.vs30 = vs30;
    match &cfg.node_url {
        Some(u) => node::set_url(u.trim_end_matches('/').to_string()),
        None if !cfg.bind.ip().is_unspecified() => node::set_url(format!("http://{}", cfg.bind)),
        None => {
            if st.store.backend() == forewarn_store::Backend::Postgres {
                tracing::warn!(
                    "no --node-url with the unspecified address {}: the other nodes cannot forward the requests of this node's live exercises to it",
                    cfg.bind
                );
            }
        }
    }
    // This node's heartbeat first, then the work dead nodes (or this node's previous
    // process) left: runs taken over, exercises interrupted (node.rs).
    node::beat(&st.store)
        .await
        .map_err(|e| ServeError::Setup(format!("node heartbeat: {e}")))?;
    if !cfg.runs {
        if st.store.backend() == forewarn_store::Backend::Sqlite {
            return Err(ServeError::Setup(
                "--no-runs needs a PostgreSQL database shared with `forewarn worker` processes (on a SQLite file no other process would run the incidents)".into(),
            ));
        }
        jobs::disable(&st);
    }
    jobs::requeue_orphans(&st)
        .await
        .map_err(|e| ServeError::Setup(e.to_string()))?;
    jobs::start(&st);
    // The exercises this database's dead nodes (or this node's previous process) held are
    // rebuilt in the background: a few seconds of hazard runs each.
    let s = st.clone();
    tokio::spawn(async move {
        if let Err(e) = exercises::resume_stale(&s).await {
            tracing::error!("resuming exercises: {}", e.error);
        }
    });
    node::start(&st);
    if let Some(pw) = &cfg.demo {
        demo::seed(&st, pw)
            .await
            .map_err(|e| ServeError::Setup(format!("demo seeding: {e}")))?;
    }
    if let Some(w) = &cfg.watch {
        // Rules: the demo defaults with --demo; without it no organisation has rules yet
        // (the sources are still polled and their health shown).
        let orgs = if cfg.demo.is_some() {
            watch::demo_rules().map_err(ServeError::Setup)?
        } else {
            Vec::new()
        };
        let svc = watch::WatchService::new(&st, w.clone(), orgs)
            .await
            .map_err(ServeError::Setup)?;
        watch::start(&st, Arc::new(svc));
    }
    Ok((st.clone(), router(st)))
}

/// Runs the server until Ctrl-C / SIGTERM. `on_ready` gets the bound address.
pub async fn serve(cfg: ServerConfig, on_ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let (st, app) = prepare(&cfg).await?;
    let listener = tokio::net::TcpListener::bind(cfg.bind)
        .await
        .map_err(|source| ServeError::Bind {
            addr: cfg.bind,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: cfg.bind,
        source,
    })?;
    on_ready(addr);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|source| ServeError::Bind { addr, source })?;
    jobs::release(&st).await;
    Ok(())
}

/// A `forewarn worker`'s settings.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The PostgreSQL database the server nodes use.
    pub db: String,
    /// `--scenarios-dir` (the flood scenarios gauge runs name); `None`: the embedded ones.
    pub scenarios_dir: Option<PathBuf>,
    /// Vs30 raster for the earthquake runs, as `serve --vs30`.
    pub vs30: Option<PathBuf>,
    /// Runs at the same time (`--slots`); `None`: one per two cores.
    pub slots: Option<usize>,
}

/// Runs incidents from the queue the server nodes share (crate::jobs), with no HTTP, until
/// Ctrl-C / SIGTERM; then gives its runs up so that another worker or node takes them at
/// once. `on_ready` gets this worker's node name.
pub async fn work(cfg: WorkerConfig, on_ready: impl FnOnce(&str)) -> Result<(), ServeError> {
    let store = Store::open(&cfg.db).await?;
    if store.backend() != forewarn_store::Backend::Postgres {
        return Err(ServeError::Setup(format!(
            "--db {}: a worker takes runs from a PostgreSQL database shared with `forewarn serve` nodes; with a SQLite file `forewarn serve` runs them itself",
            cfg.db
        )));
    }
    let mut st = AppState::with_settings(store, None, settings::HttpSettings::default());
    if let Some(dir) = &cfg.scenarios_dir {
        st.use_scenarios_dir(dir)?;
    }
    if let Some(p) = &cfg.vs30 {
        st.vs30 = Some(Arc::new(Vs30Raster::load(p).map_err(ServeError::Setup)?));
    }
    if let Some(n) = cfg.slots {
        st.pool.set_config(pool::PoolConfig {
            slots: n,
            per_org: n,
            ..st.pool.config()
        });
    }
    node::beat(&st.store)
        .await
        .map_err(|e| ServeError::Setup(format!("node heartbeat: {e}")))?;
    node::start(&st);
    jobs::start(&st);
    on_ready(node::id());
    shutdown_signal().await;
    jobs::release(&st).await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// [`work`] on its own multi-threaded runtime, for synchronous callers (the CLI).
pub fn work_blocking(cfg: WorkerConfig, on_ready: impl FnOnce(&str)) -> Result<(), ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServeError::Setup(format!("starting the async runtime: {e}")))?;
    rt.block_on(work(cfg, on_ready))
}

/// [`serve`] on its own multi-threaded runtime, for synchronous callers (the CLI).
pub fn serve_blocking(
    cfg: ServerConfig,
    on_ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServeError::Setup(format!("starting the async runtime: {e}")))?;
    rt.block_on(serve(cfg, on_ready))
}

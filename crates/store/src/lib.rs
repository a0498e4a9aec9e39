//! Forewarn's journaled store on SQLite or PostgreSQL (one set of migrations for both).
//!
//! - Every state change is an immutable [`JournalEntry`] appended by a [`WriteTx`] in the
//!   same transaction as the projections it changes ([`Record`]s, layers, users, ...).
//! - Writes are serialised: an in-process lock, plus `LOCK TABLE journal IN EXCLUSIVE MODE` on
//!   PostgreSQL so that several server processes also serialise. Journal sequence numbers are
//!   therefore gapless and in commit order, and ids are allocated inside the transaction.
//!   Consecutive writers share one database transaction (group commit); rows that only add
//!   (journal entries, new records, idempotent responses) are queued and written as multi-row
//!   INSERTs before the next read and the COMMIT (see `write.rs`).
//! - Idempotency: stored responses keyed by (user, Idempotency-Key) in the same transaction.
//! - Committed entries are broadcast to [`Store::subscribe`]rs (live events).
//!
//! The crate knows nothing of HTTP; access rules are expressed with [`Reader`].

pub mod pg_temp;
mod read;
mod types;
mod write;

pub use types::*;
pub use write::WriteTx;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;
use tokio::sync::{Mutex, broadcast};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database URL '{0}': expected sqlite://PATH, a file path, or postgres://...")]
    Url(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database commit failed: {0}")]
    Commit(String),
}

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The store: a connection pool, the write lock and the live-event channel. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    shared: Arc<write::Shared>,
}

/// Turns a `--db` argument into a sqlx URL and its backend. A plain path is a SQLite file.
pub fn database_url(arg: &str) -> Result<(String, Backend), StoreError> {
    if arg.starts_with("postgres://") || arg.starts_with("postgresql://") {
        return Ok((arg.to_string(), Backend::Postgres));
    }
    let path = arg
        .strip_prefix("sqlite://")
        .or_else(|| arg.strip_prefix("sqlite:"))
        .unwrap_or(arg);
    if path.is_empty() || arg.contains("://") && !arg.starts_with("sqlite://") {
        return Err(StoreError::Url(arg.to_string()));
    }
    let (file, query) = match path.split_once('?') {
        Some((f, q)) => (f, q.to_string()),
        None => (path, String::new()),
    };
    let query = if query.contains("mode=") {
        query
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok((format!("sqlite://{file}?{query}"), Backend::Sqlite))
}

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database.
    pub async fn open(db: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (url, backend) = database_url(db)?;
        let opts = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(30));
        let opts = match backend {
            Backend::Sqlite => opts.after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL: readers never block the (single) writer. synchronous=NORMAL keeps every
                    // committed transaction across a process crash (SIGKILL); only an OS crash or
                    // power loss can lose the last transactions. See docs/operations.md.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    Ok(())
                })
            }),
            Backend::Postgres => opts,
        };
        let pool = opts.connect(&url).await?;
        MIGRATOR.run(&pool).await?;
        let (events, _) = broadcast::channel(4096);
        let shared = Arc::new(write::Shared {
            batch: Arc::new(Mutex::new(write::Batch::default())),
            waiting: AtomicUsize::new(0),
            events,
            lock_journal: backend == Backend::Postgres,
            sqls: write::insert_sqls_for(backend == Backend::Postgres),
            pool: pool.clone(),
        });
        Ok(Store {
            pool,
            backend,
            shared,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Live journal entries, as they are committed (by this process).
    pub fn subscribe(&self) -> broadcast::Receiver<JournalEntry> {
        self.shared.events.subscribe()
    }

    /// Starts a serialised write (group-committed: see [`WriteTx`]).
    pub async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        self.shared.begin().await
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

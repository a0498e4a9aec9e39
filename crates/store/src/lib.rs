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
//! - Committed entries are broadcast to [`Store::subscribe`]rs (live events): on SQLite by the
//!   process that committed them, on PostgreSQL by each process's journal tailer, so that every
//!   node's subscribers see every node's entries in order (`tail.rs`).
//!
//! The crate knows nothing of HTTP; access rules are expressed with [`Reader`].

mod jobs;
mod lease;
mod login_attempts;
pub mod pg_temp;
mod read;
mod tail;
mod types;
mod watch;
mod write;

pub use jobs::{ClaimedRun, RunJob};
pub use lease::now_ms;
pub use types::*;
pub use watch::WatchEventRow;
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
    /// The batch this write was part of did not commit; `unavailable` as for
    /// [`StoreError::is_unavailable`].
    #[error("database commit failed: {message}")]
    Commit { message: String, unavailable: bool },
}

impl StoreError {
    /// Whether the database is unreachable or busy (connection refused or lost, pool timed out
    /// or closed, database locked, disk full or I/O error): a retry later may succeed, and the
    /// server answers 503. Everything else (corrupt rows or files, constraint violations,
    /// decoding errors, bad SQL) is a fault of the data or the program: 500.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(e) => sqlx_unavailable(e),
            StoreError::Commit { unavailable, .. } => *unavailable,
            StoreError::Migrate(_) | StoreError::Url(_) | StoreError::Corrupt(_) => false,
        }
    }
}

/// SQLite primary result codes that mean "busy or unreachable", not "bad data"
/// (<https://www.sqlite.org/rescode.html>): BUSY 5, LOCKED 6, NOMEM 7, READONLY 8, IOERR 10,
/// FULL 13, CANTOPEN 14, PROTOCOL 15.
const SQLITE_UNAVAILABLE: [i64; 8] = [5, 6, 7, 8, 10, 13, 14, 15];

/// PostgreSQL SQLSTATE classes and codes that mean "unreachable, overloaded or retry"
/// (<https://www.postgresql.org/docs/current/errcodes-appendix.html>): 08 connection
/// exception, 53 insufficient resources, 57P01-57P05 operator intervention (shutdown, cannot
/// connect now, idle session timeout), 58 system error (I/O), 40001 serialization failure,
/// 40P01 deadlock, 55P03 lock not available, 57014 query cancelled (statement timeout).
const PG_UNAVAILABLE_PREFIXES: [&str; 8] =
    ["08", "53", "57P", "58", "40001", "40P01", "55P03", "57014"];

/// [`StoreError::is_unavailable`] for a sqlx error.
pub(crate) fn sqlx_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                code.parse::<i64>()
                    .is_ok_and(|c| SQLITE_UNAVAILABLE.contains(&(c & 0xff)))
            } else {
                PG_UNAVAILABLE_PREFIXES.iter().any(|p| code.starts_with(p))
            }
        }
        _ => false,
    }
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

/// Journal entries the live fan-out keeps for subscribers that fall behind. Each holds its
/// record in full (an alert with its XML is tens of kB), and a subscriber that falls further
/// behind catches up from the journal itself (crates/server/src/events.rs), so a short ring is
/// enough: 4096 entries held about 12 MB of old records in a long-running server
/// (docs/reliability.md, "Soak").
pub const JOURNAL_RING_ENTRIES: usize = 256;

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
                    // 512 KiB of page cache per connection (SQLite's default is 2 MiB): WAL
                    // and the OS page cache serve the reads, and eight connections each
                    // filling 2 MiB with copies of the same pages made a long-running server
                    // grow by 16 MiB (docs/reliability.md, "Soak").
                    conn.execute("PRAGMA cache_size = -512").await?;
                    Ok(())
                })
            }),
            Backend::Postgres => opts,
        };
        let pool = opts.connect(&url).await?;
        // A migration this binary does not know is a newer version's: during a rolling upgrade
        // old and new nodes run against the same database (migrations only add; docs/deploy.md).
        let mut migrator = sqlx::migrate!("./migrations");
        migrator.set_ignore_missing(true);
        migrator.run(&pool).await?;
        let (events, _) = broadcast::channel(JOURNAL_RING_ENTRIES);
        let (live, _) = broadcast::channel(JOURNAL_RING_ENTRIES);
        let tail = match backend {
            Backend::Postgres => {
                let t = Arc::new(tail::Tail {
                    poke: tokio::sync::Notify::new(),
                });
                let from = tail::last_seq(&pool).await?;
                tail::spawn(
                    pool.clone(),
                    url.clone(),
                    events.clone(),
                    live.clone(),
                    &t,
                    from,
                );
                Some(t)
            }
            Backend::Sqlite => None,
        };
        let shared = Arc::new(write::Shared {
            batch: Arc::new(Mutex::new(write::Batch::default())),
            waiting: AtomicUsize::new(0),
            events,
            live,
            tail,
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

    /// Live journal entries, as they are committed: by this process on SQLite, by any process
    /// on the same PostgreSQL database (in sequence order, see `tail.rs`).
    pub fn subscribe(&self) -> broadcast::Receiver<JournalEntry> {
        self.shared.events.subscribe()
    }

    /// Sends a live event that is not journaled (a run's progress) to the other nodes on the
    /// same PostgreSQL database, whose [`Store::subscribe_live`] receive it; nothing on SQLite
    /// (one node). Payloads over [`tail::MAX_LIVE_PAYLOAD`] bytes are not sent.
    pub async fn notify_live(&self, payload: &str) -> Result<(), StoreError> {
        if self.backend != Backend::Postgres || payload.len() > tail::MAX_LIVE_PAYLOAD {
            return Ok(());
        }
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(tail::LIVE_CHANNEL)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Live events other nodes sent with [`Store::notify_live`] (this node's own included:
    /// PostgreSQL delivers a notification to every listener).
    pub fn subscribe_live(&self) -> broadcast::Receiver<String> {
        self.shared.live.subscribe()
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

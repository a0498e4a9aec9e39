//! The pool the hazard engines run on (docs/operations.md, "Limits"): a bounded number of
//! runs at a time ([`PoolConfig::slots`]), at most [`PoolConfig::per_org`] of them for one
//! organisation, a fair queue that takes the organisations in turn (round-robin, so one
//! organisation's queued runs never hold back another's), a time limit per run and
//! cancellation.
//!
//! A run is a blocking closure that gets a [`CancelToken`] and asks it between chunks of work;
//! the pool stops the token when the run exceeds [`PoolConfig::timeout`], when its owner
//! cancels it ([`RunPool::cancel`], e.g. the incident was closed) or when the one waiting for
//! it went away ([`Job`] dropped). A queued run that is cancelled never starts.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// How the pool runs jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConfig {
    /// Runs at the same time (each engine run uses the cores rayon gives it).
    pub slots: usize,
    /// Runs of one organisation at the same time (its concurrency share).
    pub per_org: usize,
    /// Longest a run may take once started; then it ends as failed.
    pub timeout: Duration,
}

impl Default for PoolConfig {
    /// One run at a time per two cores (at least one), one per organisation, 10 minutes.
    fn default() -> PoolConfig {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        PoolConfig {
            slots: (cores / 2).max(1),
            per_org: 1,
            timeout: Duration::from_secs(600),
        }
    }
}

/// Why a run was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Its owner cancelled it (the incident was closed).
    Cancelled,
    /// It ran longer than [`PoolConfig::timeout`].
    TimedOut,
    /// Nobody waits for it any more (the request that asked for it went away).
    Abandoned,
}

impl Stop {
    fn code(self) -> u8 {
        match self {
            Stop::Cancelled => 1,
            Stop::TimedOut => 2,
            Stop::Abandoned => 3,
        }
    }
    fn from_code(c: u8) -> Option<Stop> {
        match c {
            1 => Some(Stop::Cancelled),
            2 => Some(Stop::TimedOut),
            3 => Some(Stop::Abandoned),
            _ => None,
        }
    }
}

/// A run's stop flag; the first stop wins.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicU8>);

impl CancelToken {
    pub fn stop(&self, why: Stop) {
        let _ = self
            .0
            .compare_exchange(0, why.code(), Ordering::SeqCst, Ordering::SeqCst);
    }
    /// Why the run was stopped, if it was.
    pub fn stopped(&self) -> Option<Stop> {
        Stop::from_code(self.0.load(Ordering::SeqCst))
    }
    pub fn is_stopped(&self) -> bool {
        self.stopped().is_some()
    }
}

type Work = Box<dyn FnOnce(CancelToken) + Send>;

struct Queued {
    id: u64,
    key: Option<String>,
    token: CancelToken,
    work: Work,
}

struct Running {
    org: String,
    key: Option<String>,
    token: CancelToken,
}

#[derive(Default)]
struct Inner {
    queues: BTreeMap<String, VecDeque<Queued>>,
    running: BTreeMap<u64, Running>,
    /// The organisation the last run started for (the round-robin cursor).
    last_org: Option<String>,
}

impl Inner {
    fn running_of(&self, org: &str) -> usize {
        self.running.values().filter(|r| r.org == org).count()
    }
    /// Organisations with queued runs, in the order their turns come (after `last_org`).
    fn turn_order(&self) -> Vec<String> {
        let orgs: Vec<&String> = self.queues.keys().collect();
        let split = match &self.last_org {
            Some(l) => orgs.iter().position(|o| *o > l).unwrap_or(orgs.len()),
            None => 0,
        };
        orgs[split..]
            .iter()
            .chain(&orgs[..split])
            .map(|o| o.to_string())
            .collect()
    }
}

/// The bounded, fair run pool.
pub struct RunPool {
    cfg: Mutex<PoolConfig>,
    inner: Mutex<Inner>,
    next_id: AtomicU64,
}

/// A submitted run: await [`Job::result`]; dropping it unfinished abandons the run.
pub struct Job<R> {
    pub id: u64,
    pool: Arc<RunPool>,
    rx: Option<oneshot::Receiver<R>>,
}

impl<R> Job<R> {
    /// The run's result, or how it was stopped before it could give one (cancelled while
    /// queued).
    pub async fn result(mut self) -> Result<R, Stop> {
        let rx = self.rx.take();
        let r = match rx {
            Some(rx) => rx.await.map_err(|_| Stop::Cancelled),
            None => Err(Stop::Cancelled),
        };
        // Finished: nothing to abandon.
        self.id = 0;
        r
    }
}

impl<R> Drop for Job<R> {
    fn drop(&mut self) {
        if self.id != 0 {
            self.pool.stop_id(self.id, Stop::Abandoned);
        }
    }
}

impl RunPool {
    pub fn new(cfg: PoolConfig) -> RunPool {
        RunPool {
            cfg: Mutex::new(cfg),
            inner: Mutex::new(Inner::default()),
            next_id: AtomicU64::new(1),
        }
    }

    pub fn config(&self) -> PoolConfig {
        *self.cfg.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes the limits (for runs that start from now on).
    pub fn set_config(self: &Arc<Self>, cfg: PoolConfig) {
        *self.cfg.lock().unwrap_or_else(|p| p.into_inner()) = cfg;
        self.dispatch();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `work` for organisation `org`; `key` names it for [`RunPool::cancel`]. Must be
    /// called inside the tokio runtime.
    pub fn submit<R: Send + 'static>(
        self: &Arc<Self>,
        org: &str,
        key: Option<String>,
        work: impl FnOnce(&CancelToken) -> R + Send + 'static,
    ) -> Job<R> {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = oneshot::channel();
        let job: Work = Box::new(move |token: CancelToken| {
            let _ = tx.send(work(&token));
        });
        self.lock()
            .queues
            .entry(org.to_string())
            .or_default()
            .push_back(Queued {
                id,
                key,
                token: CancelToken::default(),
                work: job,
            });
        self.dispatch();
        Job {
            id,
            pool: self.clone(),
            rx: Some(rx),
        }
    }

    /// Starts queued runs while there are free slots, taking organisations in turn.
    fn dispatch(self: &Arc<Self>) {
        let cfg = self.config();
        loop {
            let (id, token, work) = {
                let mut inner = self.lock();
                if inner.running.len() >= cfg.slots {
                    return;
                }
                let Some(org) = inner
                    .turn_order()
                    .into_iter()
                    .find(|o| inner.running_of(o) < cfg.per_org.max(1))
                else {
                    return;
                };
                let Some(q) = inner.queues.get_mut(&org).and_then(VecDeque::pop_front) else {
                    return;
                };
                if inner.queues.get(&org).is_some_and(VecDeque::is_empty) {
                    inner.queues.remove(&org);
                }
                inner.running.insert(
                    q.id,
                    Running {
                        org: org.clone(),
                        key: q.key,
                        token: q.token.clone(),
                    },
                );
                inner.last_org = Some(org);
                (q.id, q.token, q.work)
            };
            self.start(id, token, work, cfg.timeout);
        }
    }

    fn start(self: &Arc<Self>, id: u64, token: CancelToken, work: Work, timeout: Duration) {
        let watchdog = {
            let token = token.clone();
            tokio::spawn(async move {
                tokio::time::sleep(timeout).await;
                token.stop(Stop::TimedOut);
            })
        };
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            work(token);
            watchdog.abort();
            pool.lock().running.remove(&id);
            pool.dispatch();
        });
    }

    fn stop_id(self: &Arc<Self>, id: u64, why: Stop) {
        let mut inner = self.lock();
        if let Some(r) = inner.running.get(&id) {
            r.token.stop(why);
            return;
        }
        for q in inner.queues.values_mut() {
            q.retain(|j| j.id != id);
        }
        inner.queues.retain(|_, q| !q.is_empty());
    }

    /// Stops the run named `key`: a queued run is dropped (it never starts), a running one is
    /// told to stop. Returns whether there was one.
    pub fn cancel(self: &Arc<Self>, key: &str, why: Stop) -> bool {
        let mut inner = self.lock();
        if let Some(r) = inner
            .running
            .values()
            .find(|r| r.key.as_deref() == Some(key))
        {
            r.token.stop(why);
            return true;
        }
        let mut found = false;
        for q in inner.queues.values_mut() {
            let before = q.len();
            q.retain(|j| j.key.as_deref() != Some(key));
            found |= q.len() != before;
        }
        inner.queues.retain(|_, q| !q.is_empty());
        found
    }

    /// Runs started and not yet finished, and runs queued.
    pub fn counts(&self) -> (usize, usize) {
        let inner = self.lock();
        (
            inner.running.len(),
            inner.queues.values().map(VecDeque::len).sum(),
        )
    }
}

//! Login throttling: which password checks may run, counted before they run, and how many
//! argon2 checks run at once. The design (docs/operations.md, "Login limits"):
//!
//! - **Per (account, address)**: at most [`LoginLimits::pair_max_failures`] failed checks in a
//!   [`LoginLimits::pair_window`]; then that pair is refused until the window ends. An
//!   attacker at one address cannot lock out the account's owner at another.
//! - **Per address, across accounts** (password spraying): at most
//!   [`LoginLimits::address_max_failures`] per [`LoginLimits::address_window`]. IPv6 addresses
//!   count by /64, the block one subscriber usually gets.
//! - **Per account, across addresses** (a slow-down, not a lock-out): a token bucket of
//!   [`LoginLimits::account_burst`] checks refilled one per
//!   [`LoginLimits::account_refill`]; when it is empty the answer is 429 with a
//!   `Retry-After` of at most one refill interval.
//!
//! Every attempt is counted as a failure *before* its password is checked, so parallel guesses
//! cannot overtake the count; a correct password gives its count back. Accounts are keyed by a
//! SHA-256 of the user name (entries have a fixed size whatever was sent), entries are dropped
//! once their window has passed, and each table holds at most [`LoginLimits::max_entries`]
//! (beyond that new keys are refused with 503 rather than memory growing).
//!
//! [`PasswordChecks`] bounds the argon2 checks running at once (each uses 19 MiB): a request
//! waits up to [`LoginLimits::check_wait`] for a slot, then gets 503 with `Retry-After`.

use crate::error::ApiError;
use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The numbers of the login limits.
#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Failed checks allowed per (account, address) in `pair_window`. 5 per 5 minutes: the
    /// limit this server always had (OWASP Authentication Cheat Sheet, "Account Lockout":
    /// a small threshold with a lock of minutes).
    pub pair_max_failures: u32,
    pub pair_window: Duration,
    /// Failed checks allowed per address across all accounts in `address_window` (30 per 5
    /// minutes: six accounts' worth of typos from one office behind NAT).
    pub address_max_failures: u32,
    pub address_window: Duration,
    /// Per account across all addresses: a burst of `account_burst` checks, then one per
    /// `account_refill`. 10 + one per 36 s keeps an account near 100 failed attempts per hour,
    /// the OWASP ASVS 4.0.3 requirement 2.2.1 ceiling, while its owner waits at most 36 s.
    pub account_burst: u32,
    pub account_refill: Duration,
    /// Largest number of entries of each table (pairs, addresses, accounts).
    pub max_entries: usize,
    /// Argon2 checks running at once (each holds 19 MiB: argon2id defaults, RFC 9106 §4
    /// second recommended option as implemented by the `argon2` crate).
    pub concurrent_checks: usize,
    /// How long a login waits for a check slot before 503.
    pub check_wait: Duration,
}

impl Default for LoginLimits {
    fn default() -> LoginLimits {
        LoginLimits {
            pair_max_failures: 5,
            pair_window: Duration::from_secs(300),
            address_max_failures: 30,
            address_window: Duration::from_secs(300),
            account_burst: 10,
            account_refill: Duration::from_secs(36),
            max_entries: 100_000,
            concurrent_checks: 4,
            check_wait: Duration::from_secs(2),
        }
    }
}

/// An account key: the first 16 bytes of SHA-256 of the user name as sent.
pub type AccountKey = [u8; 16];

/// The key of a user name.
pub fn account_key(username: &str) -> AccountKey {
    let d = Sha256::digest(username.as_bytes());
    let mut k = [0u8; 16];
    k.copy_from_slice(&d[..16]);
    k
}

/// The address an attempt is counted under: IPv4 as is (also when IPv4-mapped), IPv6 by its
/// /64 prefix; `None` (an in-process request without a peer) counts as 0.0.0.0.
pub fn address_key(addr: Option<IpAddr>) -> IpAddr {
    match addr {
        None => IpAddr::from([0u8, 0, 0, 0]),
        Some(IpAddr::V4(a)) => IpAddr::V4(a),
        Some(IpAddr::V6(a)) => match a.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = a.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// A fixed window: failures counted since `start`.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    count: u32,
}

/// A token bucket as GCRA: `tat` is the theoretical arrival time of the next check.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tat: Instant,
}

/// Why an attempt was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A limit is reached: 429 after `retry_after_s`.
    Limited { which: Limit, retry_after_s: u64 },
    /// A table is full of live entries: 503.
    Full,
}

/// Which of the three limits refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Pair,
    Address,
    Account,
}

/// An admitted attempt, counted as a failure until [`LoginLimiter::succeeded`] or
/// [`LoginLimiter::not_checked`] gives it back.
#[derive(Debug)]
pub struct Attempt {
    account: AccountKey,
    address: IpAddr,
    pair_start: Instant,
    address_start: Instant,
}

#[derive(Default)]
struct Tables {
    pairs: HashMap<(AccountKey, IpAddr), Window>,
    addresses: HashMap<IpAddr, Window>,
    accounts: HashMap<AccountKey, Bucket>,
    last_prune: Option<Instant>,
}

/// The three login limits, in memory (per process; reset on restart).
pub struct LoginLimiter {
    limits: LoginLimits,
    tables: Mutex<Tables>,
}

/// Seconds until `until`, at least 1.
fn secs_until(until: Instant, now: Instant) -> u64 {
    let d = until.saturating_duration_since(now);
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> LoginLimiter {
        LoginLimiter {
            limits,
            tables: Mutex::new(Tables::default()),
        }
    }

    pub fn limits(&self) -> &LoginLimits {
        &self.limits
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Entries held now (pairs + addresses + accounts).
    pub fn entry_count(&self) -> usize {
        let t = self.lock();
        t.pairs.len() + t.addresses.len() + t.accounts.len()
    }

    /// Drops the entries that no longer limit anything.
    fn prune(&self, t: &mut Tables, now: Instant) {
        let l = &self.limits;
        t.pairs
            .retain(|_, w| now.duration_since(w.start) < l.pair_window && w.count > 0);
        t.addresses
            .retain(|_, w| now.duration_since(w.start) < l.address_window && w.count > 0);
        t.accounts.retain(|_, b| b.tat > now);
        t.last_prune = Some(now);
    }

    /// Counts an attempt for (`account`, `address`) before its check, or refuses it.
    pub fn admit(
        &self,
        account: AccountKey,
        address: IpAddr,
        now: Instant,
    ) -> Result<Attempt, Refusal> {
        let l = &self.limits;
        let mut t = self.lock();
        let full = |t: &Tables| {
            t.pairs.len() >= l.max_entries
                || t.addresses.len() >= l.max_entries
                || t.accounts.len() >= l.max_entries
        };
        // Prune once per window, or once a second while a table is full (pruning walks it).
        let every = if full(&t) {
            Duration::from_secs(1)
        } else {
            l.pair_window
        };
        if t.last_prune.is_none_or(|p| now.duration_since(p) >= every) {
            self.prune(&mut t, now);
        }
        let live = |w: Option<&Window>, window: Duration| {
            w.copied().filter(|w| now.duration_since(w.start) < window)
        };
        let address_w = live(t.addresses.get(&address), l.address_window);
        if let Some(w) = address_w
            && w.count >= l.address_max_failures
        {
            return Err(Refusal::Limited {
                which: Limit::Address,
                retry_after_s: secs_until(w.start + l.address_window, now),
            });
        }
        let pair_w = live(t.pairs.get(&(account, address)), l.pair_window);
        if let Some(w) = pair_w
            && w.count >= l.pair_max_failures
        {
            return Err(Refusal::Limited {
                which: Limit::Pair,
                retry_after_s: secs_until(w.start + l.pair_window, now),
            });
        }
        let tolerance = l.account_refill * l.account_burst.saturating_sub(1);
        let bucket = t.accounts.get(&account).copied();
        let tat = bucket.map_or(now, |b| b.tat.max(now));
        let ahead = tat.saturating_duration_since(now);
        if ahead > tolerance {
            return Err(Refusal::Limited {
                which: Limit::Account,
                retry_after_s: secs_until(now + (ahead - tolerance), now),
            });
        }
        let new_keys = (bucket.is_none(), pair_w.is_none(), address_w.is_none());
        if (new_keys.0 && t.accounts.len() >= l.max_entries)
            || (new_keys.1 && t.pairs.len() >= l.max_entries)
            || (new_keys.2 && t.addresses.len() >= l.max_entries)
        {
            return Err(Refusal::Full);
        }
        let address_w = t.addresses.entry(address).or_insert(Window {
            start: now,
            count: 0,
        });
        if now.duration_since(address_w.start) >= l.address_window {
            *address_w = Window {
                start: now,
                count: 0,
            };
        }
        address_w.count += 1;
        let address_start = address_w.start;
        let pair_w = t.pairs.entry((account, address)).or_insert(Window {
            start: now,
            count: 0,
        });
        if now.duration_since(pair_w.start) >= l.pair_window {
            *pair_w = Window {
                start: now,
                count: 0,
            };
        }
        pair_w.count += 1;
        let pair_start = pair_w.start;
        t.accounts.insert(
            account,
            Bucket {
                tat: tat + l.account_refill,
            },
        );
        Ok(Attempt {
            account,
            address,
            pair_start,
            address_start,
        })
    }

    /// Gives an attempt's count back (its password was right, or it was never checked).
    fn give_back(&self, a: Attempt) {
        let mut t = self.lock();
        if let Some(w) = t.pairs.get_mut(&(a.account, a.address))
            && w.start == a.pair_start
        {
            w.count = w.count.saturating_sub(1);
        }
        if let Some(w) = t.addresses.get_mut(&a.address)
            && w.start == a.address_start
        {
            w.count = w.count.saturating_sub(1);
        }
        let refill = self.limits.account_refill;
        if let Some(b) = t.accounts.get_mut(&a.account) {
            b.tat = b.tat.checked_sub(refill).unwrap_or(b.tat);
        }
    }

    /// The password was right: the attempt does not count.
    pub fn succeeded(&self, a: Attempt) {
        self.give_back(a);
    }

    /// The password was not checked (no check slot): the attempt does not count.
    pub fn not_checked(&self, a: Attempt) {
        self.give_back(a);
    }
}

impl Refusal {
    /// The answer to the client.
    pub fn into_api_error(self) -> ApiError {
        match self {
            Refusal::Limited {
                which,
                retry_after_s,
            } => {
                let what = match which {
                    Limit::Pair => "too many failed logins for this user from this address",
                    Limit::Address => "too many failed logins from this address",
                    Limit::Account => "too many login attempts for this user; slowing down",
                };
                let mut e = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("{what}; try again in {retry_after_s} s"),
                    Some("username"),
                );
                e.retry_after_s = Some(retry_after_s);
                e
            }
            Refusal::Full => {
                tracing::warn!("login limiter tables are full; refusing new login keys");
                let mut e = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too many distinct login attempts right now; try again shortly",
                    None,
                );
                e.retry_after_s = Some(5);
                e
            }
        }
    }
}

/// A job for a check thread.
type Job = Box<dyn FnOnce() + Send>;

/// The bounded pool of argon2 checks (password verification and hashing): a fixed set of
/// threads of its own. Not tokio's blocking pool: that starts a new thread whenever none is
/// idle at the moment of asking, and each new thread gets its own allocator arena that keeps
/// its 19 MiB after the check (measured: 30 checks, 4 at a time, left 525 MB resident). With
/// fixed threads the memory is bounded by the number of threads.
pub struct PasswordChecks {
    slots: std::sync::Arc<Semaphore>,
    wait: Duration,
    done: AtomicU64,
    jobs: Mutex<std::sync::mpsc::Sender<Job>>,
}

impl PasswordChecks {
    pub fn new(concurrent: usize, wait: Duration) -> PasswordChecks {
        let n = concurrent.max(1);
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        for i in 0..n {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-check-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while taking a job; the pool ends when the
                        // sender is dropped.
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(p) => p.into_inner().recv(),
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => break,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("cannot start password-check thread {i}: {e}");
            }
        }
        PasswordChecks {
            slots: std::sync::Arc::new(Semaphore::new(n)),
            wait,
            done: AtomicU64::new(0),
            jobs: Mutex::new(tx),
        }
    }

    /// Checks started since the server started (argon2 runs; a metric for the log and tests).
    pub fn started(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Runs `f` (an argon2 check) on a check thread once a slot is free; 503 with Retry-After
    /// when none frees up within the wait. The slot is held until `f` ends, even if the request
    /// is abandoned meanwhile.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let busy = || {
            let mut e = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many password checks at once; try again shortly",
                None,
            );
            e.retry_after_s = Some(1);
            e
        };
        let permit = match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await
        {
            Ok(Ok(p)) => p,
            Ok(Err(_)) | Err(_) => return Err(busy()),
        };
        self.done.fetch_add(1, Ordering::Relaxed);
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(f());
            drop(permit);
        });
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .is_ok();
        let lost = || {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "password check threads are gone",
                None,
            )
        };
        if !sent {
            return Err(lost());
        }
        result.await.map_err(|_| lost())
    }

    /// Whether no slot is free right now.
    pub fn saturated(&self) -> bool {
        self.slots.available_permits() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> LoginLimiter {
        LoginLimiter::new(LoginLimits::default())
    }
    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_pair_is_locked_after_five_until_its_window_ends() {
        let l = limiter();
        let t0 = Instant::now();
        let (a, x) = (account_key("pk.duty"), ip("192.0.2.1"));
        for _ in 0..5 {
            l.admit(a, x, t0).unwrap();
        }
        let r = l.admit(a, x, t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(
            r,
            Refusal::Limited {
                which: Limit::Pair,
                retry_after_s: 290
            }
        );
        // Another address is not locked out.
        l.admit(a, ip("198.51.100.7"), t0).unwrap();
        // The window ends.
        assert!(l.admit(a, x, t0 + Duration::from_secs(300)).is_ok());
    }

    #[test]
    fn a_success_gives_its_count_back() {
        let l = limiter();
        let t0 = Instant::now();
        let (a, x) = (account_key("u"), ip("192.0.2.1"));
        for _ in 0..4 {
            l.admit(a, x, t0).unwrap();
        }
        let ok = l.admit(a, x, t0).unwrap();
        l.succeeded(ok);
        // 4 failures counted: one more try.
        l.admit(a, x, t0).unwrap();
        assert!(l.admit(a, x, t0).is_err());
    }

    #[test]
    fn an_address_is_limited_across_accounts_and_ipv6_counts_by_64() {
        let l = limiter();
        let t0 = Instant::now();
        for i in 0..30 {
            let x = address_key(Some(ip(&format!("2001:db8:1:2::{i:x}"))));
            l.admit(account_key(&format!("user{i}")), x, t0).unwrap();
        }
        let r = l
            .admit(
                account_key("another"),
                address_key(Some(ip("2001:db8:1:2:ffff::1"))),
                t0,
            )
            .unwrap_err();
        assert!(matches!(
            r,
            Refusal::Limited {
                which: Limit::Address,
                ..
            }
        ));
        assert_eq!(address_key(Some(ip("::ffff:192.0.2.9"))), ip("192.0.2.9"));
    }

    #[test]
    fn an_account_is_slowed_down_not_locked_across_addresses() {
        let l = limiter();
        let t0 = Instant::now();
        let a = account_key("victim");
        for i in 0..10 {
            l.admit(a, ip(&format!("203.0.113.{i}")), t0).unwrap();
        }
        let r = l.admit(a, ip("203.0.113.200"), t0).unwrap_err();
        assert_eq!(
            r,
            Refusal::Limited {
                which: Limit::Account,
                retry_after_s: 36
            }
        );
        // One refill later the owner, at a new address, gets a check.
        assert!(
            l.admit(a, ip("198.51.100.1"), t0 + Duration::from_secs(36))
                .is_ok()
        );
    }

    #[test]
    fn entries_are_pruned_and_bounded() {
        let l = LoginLimiter::new(LoginLimits {
            max_entries: 50,
            address_max_failures: 1000,
            ..LoginLimits::default()
        });
        let t0 = Instant::now();
        let x = ip("192.0.2.1");
        let mut refused_full = 0;
        for i in 0..200 {
            match l.admit(account_key(&format!("u{i}")), x, t0) {
                Ok(_) => {}
                Err(Refusal::Full) => refused_full += 1,
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(refused_full, 150);
        assert!(l.entry_count() <= 101, "{}", l.entry_count());
        // After the windows pass, new keys are admitted again and old entries are gone.
        let later = t0 + Duration::from_secs(3600);
        l.admit(account_key("fresh"), x, later).unwrap();
        assert_eq!(l.entry_count(), 3);
    }
}

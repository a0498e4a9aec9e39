//! Plain data types of the store: visibility and readers, records, journal entries, users.

use serde::{Deserialize, Serialize};

/// Who may read a record or journal entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// The owning organisation (and any party organisation), plus the regional centre.
    OwnOrg,
    /// Every logged-in user.
    Regional,
    /// Everyone, including anonymous clients.
    Public,
}

impl Visibility {
    pub fn as_str(&self) -> &'static str {
        match self {
            Visibility::OwnOrg => "own_org",
            Visibility::Regional => "regional",
            Visibility::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Option<Visibility> {
        match s {
            "own_org" => Some(Visibility::OwnOrg),
            "regional" => Some(Visibility::Regional),
            "public" => Some(Visibility::Public),
            _ => None,
        }
    }
}

/// What a user may do (stored comma-separated in `users.roles`, sent in snake case). Each
/// write handler of the server names the roles it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    /// Manages the users (and, in the regional centre, the exercise-director right) of the
    /// organisation.
    Admin,
    /// Creates incidents, drafts alerts, requests and offers help, writes situation reports.
    DutyOfficer,
    /// Approves and publishes alerts (never the ones they wrote).
    Approver,
    /// Reads only.
    Viewer,
}

impl UserRole {
    /// Every role, in the order error messages list them.
    pub const ALL: [UserRole; 4] = [
        UserRole::Admin,
        UserRole::DutyOfficer,
        UserRole::Approver,
        UserRole::Viewer,
    ];

    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Admin => "admin",
            UserRole::DutyOfficer => "duty_officer",
            UserRole::Approver => "approver",
            UserRole::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<UserRole> {
        UserRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for UserRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The reading side of an access check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reader {
    /// No login: public records only.
    Anonymous,
    /// A logged-in user of this organisation.
    Org(String),
    /// The regional centre: everything.
    All,
}

impl Reader {
    /// Whether this reader may see something owned by `org`, shared with `party_org`, with
    /// `visibility`. The single rule used for records, journal entries and live events.
    pub fn can_read(&self, org: &str, party_org: Option<&str>, visibility: Visibility) -> bool {
        match self {
            Reader::All => true,
            Reader::Anonymous => visibility == Visibility::Public,
            Reader::Org(o) => {
                visibility != Visibility::OwnOrg || o == org || party_org == Some(o.as_str())
            }
        }
    }
}

/// One domain record's current state (the projection).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub record_type: String,
    pub id: i64,
    pub org: String,
    pub visibility: Visibility,
    pub party_org: Option<String>,
    pub status: String,
    pub parent_id: Option<i64>,
    pub data: serde_json::Value,
    pub created_at: String,
    pub updated_at: String,
    /// The live exercise the record belongs to; `None` for real records.
    pub exercise_id: Option<i64>,
}

impl Record {
    pub fn readable_by(&self, r: &Reader) -> bool {
        r.can_read(&self.org, self.party_org.as_deref(), self.visibility)
    }
}

/// A journal entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub actor: String,
    pub org: String,
    pub kind: String,
    pub record_type: String,
    pub record_id: i64,
    pub visibility: Visibility,
    pub party_org: Option<String>,
    pub payload: serde_json::Value,
    /// The live exercise the entry belongs to; `None` for real work.
    pub exercise_id: Option<i64>,
}

/// An appended journal entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub seq: i64,
    pub ts: String,
    pub actor: String,
    pub org: String,
    pub kind: String,
    pub record_type: String,
    pub record_id: i64,
    pub visibility: Visibility,
    pub party_org: Option<String>,
    pub payload: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise_id: Option<i64>,
}

impl JournalEntry {
    pub fn readable_by(&self, r: &Reader) -> bool {
        r.can_read(&self.org, self.party_org.as_deref(), self.visibility)
    }
}

/// An organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Org {
    pub code: String,
    pub name: String,
    pub country_iso2: Option<String>,
    pub cap_sender: String,
}

/// A user account (the password hash stays in the store crate's callers' hands only for
/// verification).
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub org: String,
    pub roles: Vec<UserRole>,
    pub password_hash: String,
    pub created_at: String,
}

/// A login session.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: String,
    pub expires_at: String,
}

/// An API token (only its hash is stored).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    #[serde(skip)]
    pub token_hash: String,
    pub created_at: String,
    pub revoked: bool,
}

/// A stored response for an idempotent POST.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub body: String,
    /// SHA-256 (hex) of the request's method, path and body; a replay must match it ('' for
    /// rows stored before it was recorded: not compared).
    pub request_hash: String,
}

/// Which journal entries a read covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Real work only (entries without an exercise).
    Real,
    /// One live exercise's entries.
    Exercise(i64),
    /// Everything (the audit export).
    All,
}

impl Scope {
    /// `Real` for `None`, else that exercise.
    pub fn of(exercise: Option<i64>) -> Scope {
        exercise.map_or(Scope::Real, Scope::Exercise)
    }
}

/// Filters for listing records.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    pub status: Option<String>,
    pub parent_id: Option<i64>,
    /// Only records of this live exercise; `None`: only real records.
    pub exercise_id: Option<i64>,
    /// Newest first; at most this many (capped at 1000; 0 means 100).
    pub limit: i64,
}

/// More conditions for [`crate::Store::list_records_page`]: keyset paging (newest first) and
/// the owner and status columns, so that lists and feeds filter in the query, never after a
/// truncated read.
#[derive(Debug, Clone, Default)]
pub struct RecordPage {
    /// Only records owned by this organisation (the `org` column).
    pub org: Option<String>,
    /// Only records in one of these statuses (empty: any status).
    pub statuses: Vec<String>,
    /// Only records with an id below this one: the cursor of the next page.
    pub before_id: Option<i64>,
    /// Top-level keys of `data` left out in the query (a list's heavy fields, such as an
    /// alert's CAP XML, served by the record's own GET), so that neither the database driver
    /// nor the decoder ever holds them.
    pub omit_keys: &'static [&'static str],
}

/// Current UTC time as RFC 3339 with milliseconds, the store's timestamp format.
pub fn now_ts() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

//! Domain records as stored projections: typed structs in [`Record::data`], with the access
//! columns (org, visibility, party org, status, parent) kept in step.

use crate::error::ApiError;
use crate::extract::Caller;
use axum::http::StatusCode;
use forewarn_store::{NewEntry, Reader, Record, Store, Visibility, WriteTx, now_ts};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The access columns of a typed record.
pub trait Stored: Serialize + DeserializeOwned {
    const TYPE: &'static str;
    fn id(&self) -> i64;
    fn org(&self) -> &str;
    fn visibility(&self) -> Visibility;
    fn party_org(&self) -> Option<&str> {
        None
    }
    fn status(&self) -> &str;
    fn parent_id(&self) -> Option<i64> {
        None
    }
    fn created_at(&self) -> &str;
    /// The live exercise the record belongs to (`None`: real).
    fn exercise_id(&self) -> Option<i64> {
        None
    }
    /// Heavy fields a list page leaves out (read by the database without them; each one an
    /// `Option` that the record's own GET serves).
    const LIST_OMITS: &'static [&'static str] = &[];
}

/// Implements [`Stored`] for a record struct with the usual fields (`id`, `org`,
/// `visibility`, `status` (a `String` or a status enum with `AsRef<str>`), `created_at`,
/// `exercise_id`, and optionally a parent field). `unscoped` is for the records that are never
/// inside an exercise and have no `exercise_id` (exercises and director grants themselves).
/// `list_omits = [..]` names the heavy fields lists leave out ([`Stored::LIST_OMITS`]).
macro_rules! impl_stored {
    ($ty:ty, $name:literal $(, list_omits = $omits:expr)?) => {
        $crate::records::impl_stored!(@impl $ty, $name,
            |_s: &$ty| -> Option<i64> { None }, |s: &$ty| -> Option<i64> { s.exercise_id }
            $(, $omits)?);
    };
    ($ty:ty, $name:literal, parent = $parent:ident $(, list_omits = $omits:expr)?) => {
        $crate::records::impl_stored!(@impl $ty, $name,
            |s: &$ty| -> Option<i64> { s.$parent }, |s: &$ty| -> Option<i64> { s.exercise_id }
            $(, $omits)?);
    };
    ($ty:ty, $name:literal, unscoped) => {
        $crate::records::impl_stored!(@impl $ty, $name,
            |_s: &$ty| -> Option<i64> { None }, |_s: &$ty| -> Option<i64> { None });
    };
    (@impl $ty:ty, $name:literal, $parent:expr, $exercise:expr $(, $omits:expr)?) => {
        impl $crate::records::Stored for $ty {
            const TYPE: &'static str = $name;
            $(const LIST_OMITS: &'static [&'static str] = &$omits;)?
            fn id(&self) -> i64 {
                self.id
            }
            fn org(&self) -> &str {
                &self.org
            }
            fn visibility(&self) -> forewarn_store::Visibility {
                self.visibility
            }
            fn status(&self) -> &str {
                self.status.as_str()
            }
            fn parent_id(&self) -> Option<i64> {
                ($parent)(self)
            }
            fn created_at(&self) -> &str {
                &self.created_at
            }
            fn exercise_id(&self) -> Option<i64> {
                ($exercise)(self)
            }
        }
    };
}
pub(crate) use impl_stored;

fn to_record<T: Stored>(v: &T) -> Result<Record, ApiError> {
    Ok(Record {
        record_type: T::TYPE.to_string(),
        id: v.id(),
        org: v.org().to_string(),
        visibility: v.visibility(),
        party_org: v.party_org().map(str::to_string),
        status: v.status().to_string(),
        parent_id: v.parent_id(),
        data: serde_json::to_value(v)
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), None))?,
        created_at: v.created_at().to_string(),
        updated_at: now_ts(),
        exercise_id: v.exercise_id(),
    })
}

pub fn from_record<T: Stored>(r: &Record) -> Result<T, ApiError> {
    serde_json::from_value(r.data.clone()).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("stored {} {} is unreadable: {e}", r.record_type, r.id),
            None,
        )
    })
}

fn entry<T: Stored>(actor: &str, kind: &str, v: &T) -> Result<NewEntry, ApiError> {
    Ok(NewEntry {
        actor: actor.to_string(),
        org: v.org().to_string(),
        kind: kind.to_string(),
        record_type: T::TYPE.to_string(),
        record_id: v.id(),
        visibility: v.visibility(),
        party_org: v.party_org().map(str::to_string),
        payload: serde_json::to_value(v)
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), None))?,
        exercise_id: v.exercise_id(),
    })
}

/// Inserts a new record and journals `kind`.
pub async fn insert<T: Stored>(
    tx: &mut WriteTx,
    actor: &str,
    kind: &str,
    v: &T,
) -> Result<(), ApiError> {
    tx.insert_record(&to_record(v)?).await?;
    tx.append(entry(actor, kind, v)?).await?;
    Ok(())
}

/// Updates a record and journals `kind`.
pub async fn update<T: Stored>(
    tx: &mut WriteTx,
    actor: &str,
    kind: &str,
    v: &T,
) -> Result<(), ApiError> {
    tx.update_record(&to_record(v)?).await?;
    tx.append(entry(actor, kind, v)?).await?;
    Ok(())
}

/// The one record of its type for an organisation (a setting such as auto-publish): `make`
/// builds it from the id and creation time it keeps (new ones when `existing` is `None`), and
/// it is inserted or updated with `kind` journaled.
pub async fn put_of_org<T: Stored>(
    tx: &mut WriteTx,
    actor: &str,
    kind: &str,
    existing: Option<(i64, String)>,
    make: impl FnOnce(i64, String, String) -> T,
) -> Result<T, ApiError> {
    let now = now_ts();
    let v = match existing {
        Some((id, created_at)) => {
            let v = make(id, created_at, now);
            update(tx, actor, kind, &v).await?;
            v
        }
        None => {
            let v = make(next_id::<T>(tx).await?, now.clone(), now);
            insert(tx, actor, kind, &v).await?;
            v
        }
    };
    Ok(v)
}

/// Reads a record the caller may see in the exercise scope `exercise` (real records when
/// `None`), inside a write transaction; 404 otherwise.
pub async fn load_tx<T: Stored>(
    tx: &mut WriteTx,
    reader: &Reader,
    exercise: Option<i64>,
    id: i64,
) -> Result<T, ApiError> {
    match tx.get_record(T::TYPE, id).await? {
        Some(r) if r.readable_by(reader) && r.exercise_id == exercise => from_record(&r),
        _ => Err(ApiError::not_found(T::TYPE)),
    }
}

/// Reads a record the reader may see in the exercise scope `exercise` (404 otherwise).
pub async fn load<T: Stored>(
    store: &Store,
    reader: &Reader,
    exercise: Option<i64>,
    id: i64,
) -> Result<T, ApiError> {
    match store.get_record(T::TYPE, id).await? {
        Some(r) if r.readable_by(reader) && r.exercise_id == exercise => from_record(&r),
        _ => Err(ApiError::not_found(T::TYPE)),
    }
}

/// The next id of `T`.
/// The record of type `T` that organisation `org` holds, for the types kept one per
/// organisation (exercise-director grants, auto-publish settings).
pub async fn one_of_org<T: Stored>(store: &Store, org: &str) -> Result<Option<T>, ApiError> {
    let rs = store
        .list_records(
            T::TYPE,
            &Reader::All,
            &forewarn_store::RecordFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
    rs.iter()
        .find(|r| r.org == org)
        .map(from_record)
        .transpose()
}

/// `GET /api/orgs/{code}/...` of an organisation's single setting record: the record, or
/// `unset` when the organisation never set it; 404 for an unknown organisation.
pub async fn setting_of_org<T: Stored + serde::Serialize>(
    store: &Store,
    org: &str,
    unset: serde_json::Value,
) -> Result<serde_json::Value, ApiError> {
    if store.org(org).await?.is_none() {
        return Err(ApiError::not_found("organisation"));
    }
    Ok(match one_of_org::<T>(store, org).await? {
        Some(v) => serde_json::to_value(v).unwrap_or_default(),
        None => unset,
    })
}

pub async fn next_id<T: Stored>(tx: &mut WriteTx) -> Result<i64, ApiError> {
    Ok(tx.next_record_id(T::TYPE).await?)
}

/// 409 for a transition not allowed from `status`.
pub fn bad_transition(what: &str, status: &str, action: &str) -> ApiError {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    ApiError::conflict(format!("cannot {action} {article} {what} that is {status}"))
}

/// The visibility requested for a new record, checked against the allowed set.
pub fn visibility_or(
    v: Option<Visibility>,
    default: Visibility,
    allow_public: bool,
) -> Result<Visibility, ApiError> {
    let v = v.unwrap_or(default);
    if v == Visibility::Public && !allow_public {
        return Err(ApiError::invalid(
            "visibility 'public' is not allowed here; use own_org or regional",
            "visibility",
        ));
    }
    Ok(v)
}

/// 403 unless the caller writes for the record's owning organisation.
pub fn owner_only(caller: &Caller, org: &str) -> Result<(), ApiError> {
    caller.require_org(org)
}

/// Query of the list endpoints: `?limit=&before=&status=` and the parent filter of the list
/// (`incident_id` or `request_id`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub limit: Option<i64>,
    /// Only records with an id below this one (the cursor in `next`).
    pub before: Option<i64>,
    pub status: Option<String>,
    pub incident_id: Option<i64>,
    pub request_id: Option<i64>,
}

/// Items per page of a list when `limit` is not given.
pub const LIST_LIMIT_DEFAULT: i64 = 100;
/// The largest `limit` a list accepts.
pub const LIST_LIMIT_MAX: i64 = 500;

/// Which query parameter of a list selects the parent record (`parent_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentParam {
    /// The list has no parent filter.
    None,
    /// `incident_id`.
    Incident,
    /// `request_id`.
    Request,
}

/// One page of a list, newest first, and the relative URL of the next page.
pub struct ListPage<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// `limit` checked against `1..=max` (default `default`); 422 naming `field` otherwise.
pub fn page_limit(
    limit: Option<i64>,
    default: i64,
    max: i64,
    field: &str,
) -> Result<i64, ApiError> {
    match limit {
        None => Ok(default),
        Some(l) if (1..=max).contains(&l) => Ok(l),
        Some(_) => Err(ApiError::invalid(
            format!("{field} must be 1 to {max}"),
            field,
        )),
    }
}

/// A `before` cursor: a positive id; 422 naming `before` otherwise.
pub fn page_cursor(before: Option<i64>) -> Result<Option<i64>, ApiError> {
    match before {
        Some(b) if b < 1 => Err(ApiError::invalid(
            "before must be a positive record id",
            "before",
        )),
        b => Ok(b),
    }
}

/// The list pages of every record type: records of `T` the caller may read in its scope,
/// newest first, filtered in the query (status, parent, cursor) and then cut to `limit`, with
/// `next` set when more records follow. `path` is the list's own path (for `next`).
pub async fn list_page<T: Stored>(
    st: &crate::AppState,
    caller: &Caller,
    path: &str,
    q: &ListQuery,
    parent: ParentParam,
) -> Result<ListPage<T>, ApiError> {
    let limit = page_limit(q.limit, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, "limit")?;
    let before = page_cursor(q.before)?;
    if let Some(s) = &q.status
        && (s.is_empty() || s.len() > 32 || !s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
    {
        return Err(ApiError::invalid(
            "status must be 1 to 32 characters a-z or _",
            "status",
        ));
    }
    let given = [
        ("incident_id", ParentParam::Incident, q.incident_id),
        ("request_id", ParentParam::Request, q.request_id),
    ];
    let mut parent_id = None;
    for (name, kind, value) in given {
        match value {
            Some(v) if kind == parent => parent_id = Some((name, v)),
            Some(_) => {
                return Err(ApiError::invalid(
                    format!("{name} does not filter {path}"),
                    name,
                ));
            }
            None => {}
        }
    }
    let rs = st
        .store
        .list_records_page(
            T::TYPE,
            &caller.reader(),
            &forewarn_store::RecordFilter {
                exercise_id: caller.exercise,
                status: q.status.clone(),
                parent_id: parent_id.map(|p| p.1),
                limit: limit + 1,
            },
            &forewarn_store::RecordPage {
                before_id: before,
                omit_keys: T::LIST_OMITS,
                ..Default::default()
            },
        )
        .await?;
    let more = rs.len() as i64 > limit;
    let items: Vec<T> = rs
        .iter()
        .take(limit as usize)
        .map(from_record)
        .collect::<Result<_, _>>()?;
    let next = match items.last() {
        Some(last) if more => {
            let mut url = format!("{path}?limit={limit}&before={}", last.id());
            if let Some(s) = &q.status {
                url.push_str(&format!("&status={s}"));
            }
            if let Some((name, v)) = parent_id {
                url.push_str(&format!("&{name}={v}"));
            }
            Some(url)
        }
        _ => None,
    };
    Ok(ListPage { items, next })
}

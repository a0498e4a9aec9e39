//! An organisation's own words in the alerts drafted for it: `<senderName>` in each language,
//! `<web>` and `<contact>` (the generator's defaults are the generic "Forewarn impact
//! estimate"). One journaled `cap_texts` record per organisation, set by its admin and
//! readable by every logged-in user; the drafts made from an incident's CAP proposal, by a
//! person or by the watch, carry them. XML a person writes is kept as written.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, Idem, JsonBody};
use crate::records;
use crate::write::write_op;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use forewarn_store::{UserRole, Visibility};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Languages one organisation may name itself in.
pub const MAX_LANGUAGES: usize = 8;
/// Characters of a sender name.
pub const MAX_SENDER_NAME_CHARS: usize = 160;

/// Whether an organisation's texts say anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CapTextsStatus {
    Set,
    Empty,
}

impl CapTextsStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CapTextsStatus::Set => "set",
            CapTextsStatus::Empty => "empty",
        }
    }

    fn of(t: &CapTextsIn) -> CapTextsStatus {
        if t.sender_name.is_empty() && t.web.is_none() && t.contact.is_none() {
            CapTextsStatus::Empty
        } else {
            CapTextsStatus::Set
        }
    }
}

/// One organisation's texts.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CapTexts {
    pub id: i64,
    pub org: String,
    #[schema(value_type = String)]
    pub visibility: Visibility,
    pub status: CapTextsStatus,
    /// `<senderName>` by language code (the issuing authority's name in that language).
    pub sender_name: BTreeMap<String, String>,
    /// `<web>`: an http(s) address for more information.
    pub web: Option<String>,
    /// `<contact>`: how the public reaches the authority.
    pub contact: Option<String>,
    pub changed_by: String,
    pub created_at: String,
    pub updated_at: String,
}

records::impl_stored!(CapTexts, "cap_texts", unscoped);

/// Body of `PUT /api/orgs/{code}/cap-texts` (replaces the texts).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapTextsIn {
    #[serde(default)]
    pub sender_name: BTreeMap<String, String>,
    pub web: Option<String>,
    pub contact: Option<String>,
}

async fn find(st: &AppState, org: &str) -> Result<Option<CapTexts>, ApiError> {
    records::one_of_org(&st.store, org).await
}

/// The texts of `inp` checked: the error names the field and the limit. Length, NUL and
/// control characters of every string were checked with the body (`text_rules`, 200
/// characters for a short field); these are the rules of these fields.
fn checked(inp: CapTextsIn) -> Result<CapTextsIn, ApiError> {
    let bad = |m: String, field: &str| Err(ApiError::invalid(m, field));
    if inp.sender_name.len() > MAX_LANGUAGES {
        return bad(
            format!("sender_name has more than {MAX_LANGUAGES} languages"),
            "sender_name",
        );
    }
    let mut names = BTreeMap::new();
    for (lang, name) in inp.sender_name {
        let field = format!("sender_name.{lang}");
        let lang_ok = (2..=12).contains(&lang.len())
            && lang.starts_with(|c: char| c.is_ascii_lowercase())
            && lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !lang_ok {
            return bad(
                format!("'{lang}' is not a language code such as en, ru, zh or ur"),
                "sender_name",
            );
        }
        let name = name.trim().to_string();
        if name.is_empty() || name.chars().count() > MAX_SENDER_NAME_CHARS {
            return bad(
                format!("{field} must have 1 to {MAX_SENDER_NAME_CHARS} characters"),
                &field,
            );
        }
        // A right-to-left field that starts with a Latin letter is laid out left to right.
        if forewarn_cap::is_rtl(&lang)
            && name
                .chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(|c| c.is_ascii_alphabetic())
        {
            return bad(
                format!("{field} must start with text in the language's script, not Latin"),
                &field,
            );
        }
        names.insert(lang, name);
    }
    let web = match inp
        .web
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
    {
        Some(w)
            if !(w.starts_with("https://") || w.starts_with("http://"))
                || w.chars().any(char::is_whitespace) =>
        {
            return bad(
                "web must be an http(s) address without spaces".to_string(),
                "web",
            );
        }
        w => w,
    };
    let contact = inp
        .contact
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    Ok(CapTextsIn {
        sender_name: names,
        web,
        contact,
    })
}

/// `GET /api/orgs/{code}/cap-texts`: the texts (empty when never set).
/// Every organisation's name per language as it set it (`sender_name`), by organisation code:
/// how the UI names an organisation in the reader's language.
pub async fn names_by_org(
    st: &AppState,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, ApiError> {
    use records::Stored;
    let rs = st
        .store
        .list_records(
            CapTexts::TYPE,
            &forewarn_store::Reader::All,
            &forewarn_store::RecordFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
    let mut out = BTreeMap::new();
    for r in &rs {
        let t: CapTexts = records::from_record(r)?;
        out.entry(t.org).or_insert(t.sender_name);
    }
    Ok(out)
}

/// Seeds `names` (language -> the organisation's name) as the sender names of an organisation
/// that has no CAP texts yet, checked by the same rules as `PUT`; journaled as
/// `cap_texts.changed` by `actor`. Used by the demo.
pub async fn seed_names(
    st: &AppState,
    org: &str,
    names: BTreeMap<String, String>,
    actor: &str,
) -> Result<(), ApiError> {
    if find(st, org).await?.is_some() {
        return Ok(());
    }
    let inp = checked(CapTextsIn {
        sender_name: names,
        web: None,
        contact: None,
    })?;
    let mut tx = st.store.begin_write().await?;
    put(&mut tx, actor, org, None, inp).await?;
    tx.commit().await?;
    Ok(())
}

/// Stores `inp` (checked) as organisation `org`'s CAP texts, journaled `cap_texts.changed` by
/// `actor`; `existing` keeps the record's id and creation time.
async fn put(
    tx: &mut forewarn_store::WriteTx,
    actor: &str,
    org: &str,
    existing: Option<(i64, String)>,
    inp: CapTextsIn,
) -> Result<CapTexts, ApiError> {
    let status = CapTextsStatus::of(&inp);
    records::put_of_org(
        tx,
        actor,
        "cap_texts.changed",
        existing,
        |id, created_at, now| CapTexts {
            id,
            org: org.to_string(),
            visibility: Visibility::Regional,
            status,
            sender_name: inp.sender_name,
            web: inp.web,
            contact: inp.contact,
            changed_by: actor.to_string(),
            created_at,
            updated_at: now,
        },
    )
    .await
}

pub async fn get(
    State(st): State<AppState>,
    _caller: Caller,
    Path(code): Path<String>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let unset = serde_json::json!({"org": code, "status": "empty", "sender_name": {}, "web": null, "contact": null});
    Ok(axum::Json(
        records::setting_of_org::<CapTexts>(&st.store, &code, unset).await?,
    ))
}

/// `PUT /api/orgs/{code}/cap-texts`: the organisation's admin sets them.
pub async fn set(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(code): Path<String>,
    JsonBody(inp): JsonBody<CapTextsIn>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::Admin)?;
    caller.require_org(&code)?;
    let inp = checked(inp)?;
    let existing = find(&st, &code).await?.map(|t| (t.id, t.created_at));
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        put(tx, &c.user.username, &code, existing, inp).await
    })
    .await
}

/// A CAP proposal with organisation `org`'s texts: its sender name in each language it has
/// one for, its web address and contact in every block. Unchanged when it set none.
pub(crate) async fn apply(st: &AppState, org: &str, xml: String) -> Result<String, ApiError> {
    let Some(t) = find(st, org).await? else {
        return Ok(xml);
    };
    let mut alert = forewarn_cap::read_alert(&xml)
        .map_err(|e| ApiError::invalid(format!("CAP proposal: {e}"), "incident_id"))?;
    for info in &mut alert.infos {
        let lang = info.language.to_ascii_lowercase();
        let base = lang.split('-').next().unwrap_or("");
        if let Some(n) = t.sender_name.get(&lang).or_else(|| t.sender_name.get(base)) {
            info.sender_name = Some(n.clone());
        }
        if t.web.is_some() {
            info.web = t.web.clone();
        }
        if t.contact.is_some() {
            info.contact = t.contact.clone();
        }
    }
    Ok(alert.to_xml())
}

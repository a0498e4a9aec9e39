//! Requests for assistance and offers, with an EDXL-RM style lifecycle: request
//! (RequestResource), offer (ResponseToRequestResource), accept (RequisitionResource), deploy
//! status (ReportResourceDeploymentStatus), release (ReleaseResource).

use crate::error::ApiError;
use crate::extract::{Caller, Idem, JsonBody};
use crate::records::{
    self, ListQuery, ParentParam, Stored, bad_transition, load, load_tx, next_id, owner_only,
    visibility_or,
};
use crate::write::write_op;
use crate::{AppState, Empty};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use forewarn_store::{Reader, RecordFilter, RecordPage, UserRole, Visibility, now_ts};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The life of a request for assistance. Every transition is in [`RequestStatus::after`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RequestStatus {
    /// Offers are welcome.
    Open,
    /// Closed by the requesting organisation.
    Closed,
}

/// What happens to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestAction {
    /// Another organisation offers (the request stays open).
    OfferOn,
    Close,
}

impl RequestStatus {
    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Closed => "closed",
        }
    }

    /// The state after `action`; 409 when `action` is not allowed in this state.
    pub fn after(self, action: RequestAction) -> Result<RequestStatus, ApiError> {
        match (self, action) {
            (RequestStatus::Open, RequestAction::OfferOn) => Ok(RequestStatus::Open),
            (RequestStatus::Open, RequestAction::Close) => Ok(RequestStatus::Closed),
            _ => Err(bad_transition("request", self.as_str(), action.as_str())),
        }
    }
}

impl RequestAction {
    fn as_str(self) -> &'static str {
        match self {
            RequestAction::OfferOn => "offer on",
            RequestAction::Close => "close",
        }
    }
}

/// The life of an offer (EDXL-RM). Every transition is in [`OfferStatus::after`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OfferStatus {
    Offered,
    /// Accepted by the requesting organisation (RequisitionResource).
    Accepted,
    /// Declined by the requesting organisation.
    Declined,
    /// Withdrawn by the offering organisation.
    Withdrawn,
    /// Released by the requesting organisation after use (ReleaseResource).
    Released,
}

/// What happens to an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferAction {
    Accept,
    Decline,
    Withdraw,
    /// The offering organisation reports a deployment state (the offer stays accepted).
    ReportDeployment,
    Release,
}

impl OfferStatus {
    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OfferStatus::Offered => "offered",
            OfferStatus::Accepted => "accepted",
            OfferStatus::Declined => "declined",
            OfferStatus::Withdrawn => "withdrawn",
            OfferStatus::Released => "released",
        }
    }

    /// The state after `action`; 409 when `action` is not allowed in this state.
    pub fn after(self, action: OfferAction) -> Result<OfferStatus, ApiError> {
        use OfferAction as A;
        use OfferStatus as S;
        match (self, action) {
            (S::Offered, A::Accept) => Ok(S::Accepted),
            (S::Offered, A::Decline) => Ok(S::Declined),
            (S::Offered, A::Withdraw) => Ok(S::Withdrawn),
            (S::Accepted, A::ReportDeployment) => Ok(S::Accepted),
            (S::Accepted, A::Release) => Ok(S::Released),
            _ => Err(bad_transition("offer", self.as_str(), action.as_str())),
        }
    }
}

impl OfferAction {
    fn as_str(self) -> &'static str {
        match self {
            OfferAction::Accept => "accept",
            OfferAction::Decline => "decline",
            OfferAction::Withdraw => "withdraw",
            OfferAction::ReportDeployment => "report deployment status of",
            OfferAction::Release => "release",
        }
    }
}

/// Where an accepted offer's resources are (EDXL-RM ReportResourceDeploymentStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeployStatus {
    Mobilising,
    EnRoute,
    OnSite,
    Demobilising,
    Returned,
}

impl DeployStatus {
    /// Every deployment state, in order.
    pub const ALL: [DeployStatus; 5] = [
        DeployStatus::Mobilising,
        DeployStatus::EnRoute,
        DeployStatus::OnSite,
        DeployStatus::Demobilising,
        DeployStatus::Returned,
    ];

    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DeployStatus::Mobilising => "mobilising",
            DeployStatus::EnRoute => "en_route",
            DeployStatus::OnSite => "on_site",
            DeployStatus::Demobilising => "demobilising",
            DeployStatus::Returned => "returned",
        }
    }

    /// The state spelled `s`; 422 naming `deploy_status` and the allowed values otherwise.
    pub fn parse(s: &str) -> Result<DeployStatus, ApiError> {
        DeployStatus::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<&str> = DeployStatus::ALL.iter().map(|d| d.as_str()).collect();
                ApiError::invalid(
                    format!("deploy_status must be one of {}", all.join(", ")),
                    "deploy_status",
                )
            })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResourceRequest {
    pub id: i64,
    pub org: String,
    #[schema(value_type = String)]
    pub visibility: Visibility,
    pub incident_id: Option<i64>,
    pub title: String,
    pub resource_type: String,
    pub quantity: f64,
    pub unit: String,
    pub description: Option<String>,
    pub needed_by: Option<String>,
    pub status: RequestStatus,
    #[serde(default)]
    pub offers: Vec<Offer>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    /// The live exercise this belongs to (absent for real records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise_id: Option<i64>,
    /// For an exercise request: the exercise's own request id (EDXL-RM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise_ref: Option<String>,
}

crate::records::impl_stored!(ResourceRequest, "request", parent = incident_id);

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Offer {
    pub id: i64,
    pub request_id: i64,
    pub org: String,
    pub request_org: String,
    pub quantity: f64,
    pub description: Option<String>,
    pub eta_hours: Option<f64>,
    pub status: OfferStatus,
    pub deploy_status: Option<DeployStatus>,
    pub deploy_note: Option<String>,
    pub decline_reason: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    /// The live exercise this belongs to (absent for real records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise_id: Option<i64>,
}

impl Stored for Offer {
    const TYPE: &'static str = "offer";
    fn id(&self) -> i64 {
        self.id
    }
    fn org(&self) -> &str {
        &self.org
    }
    /// Offers are readable by the offering org, the requesting org (party) and the centre.
    fn visibility(&self) -> Visibility {
        Visibility::OwnOrg
    }
    fn party_org(&self) -> Option<&str> {
        Some(&self.request_org)
    }
    fn status(&self) -> &str {
        self.status.as_str()
    }
    fn parent_id(&self) -> Option<i64> {
        Some(self.request_id)
    }
    fn created_at(&self) -> &str {
        &self.created_at
    }
    fn exercise_id(&self) -> Option<i64> {
        self.exercise_id
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestIn {
    pub title: String,
    pub resource_type: String,
    pub quantity: f64,
    pub unit: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub incident_id: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub visibility: Option<Visibility>,
    #[serde(default)]
    pub needed_by: Option<String>,
}

fn text(v: &str, field: &str, max: usize) -> Result<String, ApiError> {
    let t = v.trim();
    if t.is_empty() || t.len() > max {
        return Err(ApiError::invalid(
            format!("{field} must be 1 to {max} characters"),
            field,
        ));
    }
    Ok(t.to_string())
}

fn positive(v: f64, field: &str) -> Result<f64, ApiError> {
    if v.is_finite() && v > 0.0 && v < 1e9 {
        Ok(v)
    } else {
        Err(ApiError::invalid(
            format!("{field} must be a positive number"),
            field,
        ))
    }
}

/// The exercise resource a request type counts as: search and rescue, or relief (Sphere
/// water, food, shelter); other types have no modelled consequence.
fn exercise_resource(resource_type: &str) -> Option<forewarn_exercise::def::ResourceKind> {
    use forewarn_exercise::def::ResourceKind;
    match resource_type {
        "usar_team" => Some(ResourceKind::Usar),
        "food" | "water_purification" | "shelter_tents" | "blankets" => Some(ResourceKind::Relief),
        _ => None,
    }
}

pub async fn create(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    JsonBody(inp): JsonBody<RequestIn>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::DutyOfficer)?;
    let title = text(&inp.title, "title", 200)?;
    let resource_type = text(&inp.resource_type, "resource_type", 100)?;
    let unit = text(&inp.unit, "unit", 50)?;
    let quantity = positive(inp.quantity, "quantity")?;
    let visibility = visibility_or(inp.visibility, Visibility::Regional, false)?;
    if let Some(iid) = inp.incident_id {
        load::<crate::incidents::Incident>(&st.store, &caller.reader(), caller.exercise, iid)
            .await
            .map_err(|_| ApiError::invalid("no such incident", "incident_id"))?;
    }
    if let Some(n) = &inp.needed_by
        && chrono::DateTime::parse_from_rfc3339(n).is_err()
    {
        return Err(ApiError::invalid(
            "needed_by must be an RFC 3339 time",
            "needed_by",
        ));
    }
    let c = caller.clone();
    let st2 = st.clone();
    write_op(&st, &caller, &idem, StatusCode::CREATED, async move |tx| {
        // In an exercise, the consequence model hears of the request (EDXL-RM RequestResource).
        let exercise_ref = match exercise_resource(&resource_type) {
            Some(resource) if c.exercise.is_some() => {
                crate::exercises::act(
                    &st2,
                    tx,
                    &c,
                    forewarn_exercise::Action::Request {
                        resource,
                        country: None,
                    },
                )
                .await?
            }
            _ => None,
        };
        let now = now_ts();
        let r = ResourceRequest {
            id: next_id::<ResourceRequest>(tx).await?,
            exercise_id: c.exercise,
            exercise_ref,
            org: c.user.org.clone(),
            visibility,
            incident_id: inp.incident_id,
            title,
            resource_type,
            quantity,
            unit,
            description: inp.description,
            needed_by: inp.needed_by,
            status: RequestStatus::Open,
            offers: vec![],
            created_by: c.user.username.clone(),
            created_at: now.clone(),
            updated_at: now,
        };
        records::insert(tx, &c.user.username, "request.created", &r).await?;
        Ok(r)
    })
    .await
}

/// Every offer on request `request_id` that `reader` may see, newest first (read in pages of
/// 1000 until the end: a request's offers are never cut short).
async fn offers_of(
    st: &AppState,
    reader: &Reader,
    exercise: Option<i64>,
    request_id: i64,
) -> Result<Vec<Offer>, ApiError> {
    let mut out: Vec<Offer> = Vec::new();
    loop {
        let rs = st
            .store
            .list_records_page(
                Offer::TYPE,
                reader,
                &RecordFilter {
                    exercise_id: exercise,
                    status: None,
                    parent_id: Some(request_id),
                    limit: 1000,
                },
                &RecordPage {
                    before_id: out.last().map(|o| o.id),
                    ..Default::default()
                },
            )
            .await?;
        let full = rs.len() == 1000;
        for r in &rs {
            out.push(records::from_record(r)?);
        }
        if !full {
            return Ok(out);
        }
    }
}

pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let reader = caller.reader();
    let page = records::list_page::<ResourceRequest>(
        &st,
        &caller,
        "/api/requests",
        &q,
        ParentParam::Incident,
    )
    .await?;
    let mut items = page.items;
    for req in &mut items {
        req.offers = offers_of(&st, &reader, caller.exercise, req.id).await?;
    }
    Ok(axum::Json(json!({"items": items, "next": page.next})))
}

pub async fn get(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<ResourceRequest>, ApiError> {
    let reader = caller.reader();
    let mut req = load::<ResourceRequest>(&st.store, &reader, caller.exercise, id).await?;
    req.offers = offers_of(&st, &reader, caller.exercise, id).await?;
    Ok(axum::Json(req))
}

pub async fn close(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(_): JsonBody<Empty>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::DutyOfficer)?;
    let c = caller.clone();
    write_op(&st, &caller, &idem, StatusCode::OK, async move |tx| {
        let mut r = load_tx::<ResourceRequest>(tx, &c.reader(), c.exercise, id).await?;
        owner_only(&c, &r.org)?;
        r.status = r.status.after(RequestAction::Close)?;
        r.updated_at = now_ts();
        records::update(tx, &c.user.username, "request.closed", &r).await?;
        Ok(r)
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferIn {
    pub quantity: f64,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub eta_hours: Option<f64>,
}

pub async fn create_offer(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(request_id): Path<i64>,
    JsonBody(inp): JsonBody<OfferIn>,
) -> Result<Response, ApiError> {
    caller.require(UserRole::DutyOfficer)?;
    let quantity = positive(inp.quantity, "quantity")?;
    if let Some(h) = inp.eta_hours
        && !(h.is_finite() && (0.0..1e5).contains(&h))
    {
        return Err(ApiError::invalid(
            "eta_hours must be 0 or more",
            "eta_hours",
        ));
    }
    let c = caller.clone();
    let st2 = st.clone();
    write_op(&st, &caller, &idem, StatusCode::CREATED, async move |tx| {
        let req = load_tx::<ResourceRequest>(tx, &c.reader(), c.exercise, request_id).await?;
        if req.org == c.user.org {
            return Err(ApiError::forbidden(
                "an organisation cannot offer on its own request",
            ));
        }
        req.status.after(RequestAction::OfferOn)?;
        // In an exercise, the offer commits the resource (EDXL-RM CommitResource): the
        // consequence model deploys it.
        if let Some(xref) = &req.exercise_ref {
            crate::exercises::act(
                &st2,
                tx,
                &c,
                forewarn_exercise::Action::Offer {
                    request: xref.clone(),
                },
            )
            .await?;
        }
        let now = now_ts();
        let o = Offer {
            id: next_id::<Offer>(tx).await?,
            exercise_id: req.exercise_id,
            request_id,
            org: c.user.org.clone(),
            request_org: req.org.clone(),
            quantity,
            description: inp.description,
            eta_hours: inp.eta_hours,
            status: OfferStatus::Offered,
            deploy_status: None,
            deploy_note: None,
            decline_reason: None,
            created_by: c.user.username.clone(),
            created_at: now.clone(),
            updated_at: now,
        };
        records::insert(tx, &c.user.username, "offer.created", &o).await?;
        Ok(o)
    })
    .await
}

pub async fn list_offers(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let page =
        records::list_page::<Offer>(&st, &caller, "/api/offers", &q, ParentParam::Request).await?;
    Ok(axum::Json(json!({"items": page.items, "next": page.next})))
}

/// Which side of an offer may act.
#[derive(Clone, Copy)]
enum Side {
    Requester,
    Offerer,
}

async fn offer_action(
    st: &AppState,
    caller: &Caller,
    idem: &Idem,
    id: i64,
    side: Side,
    action: &'static str,
    apply: impl FnOnce(&mut Offer) -> Result<&'static str, ApiError> + Send,
) -> Result<Response, ApiError> {
    caller.require(UserRole::DutyOfficer)?;
    let c = caller.clone();
    write_op(st, caller, idem, StatusCode::OK, async move |tx| {
        let mut o = load_tx::<Offer>(tx, &c.reader(), c.exercise, id).await?;
        let org = match side {
            Side::Requester => &o.request_org,
            Side::Offerer => &o.org,
        };
        if *org != c.user.org {
            return Err(ApiError::forbidden(format!(
                "only organisation '{org}' may {action} this offer"
            )));
        }
        let kind = apply(&mut o)?;
        o.updated_at = now_ts();
        records::update(tx, &c.user.username, kind, &o).await?;
        Ok(o)
    })
    .await
}

pub async fn accept(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(_): JsonBody<Empty>,
) -> Result<Response, ApiError> {
    offer_action(&st, &caller, &idem, id, Side::Requester, "accept", |o| {
        o.status = o.status.after(OfferAction::Accept)?;
        Ok("offer.accepted")
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineIn {
    #[serde(default)]
    pub reason: Option<String>,
}

pub async fn decline(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<DeclineIn>,
) -> Result<Response, ApiError> {
    offer_action(&st, &caller, &idem, id, Side::Requester, "decline", |o| {
        o.status = o.status.after(OfferAction::Decline)?;
        o.decline_reason = inp.reason;
        Ok("offer.declined")
    })
    .await
}

pub async fn withdraw(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(_): JsonBody<Empty>,
) -> Result<Response, ApiError> {
    offer_action(&st, &caller, &idem, id, Side::Offerer, "withdraw", |o| {
        o.status = o.status.after(OfferAction::Withdraw)?;
        Ok("offer.withdrawn")
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusIn {
    pub deploy_status: String,
    #[serde(default)]
    pub note: Option<String>,
}

pub async fn deploy_status(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(inp): JsonBody<StatusIn>,
) -> Result<Response, ApiError> {
    let deploy_status = DeployStatus::parse(&inp.deploy_status)?;
    offer_action(
        &st,
        &caller,
        &idem,
        id,
        Side::Offerer,
        "report status of",
        |o| {
            o.status = o.status.after(OfferAction::ReportDeployment)?;
            o.deploy_status = Some(deploy_status);
            o.deploy_note = inp.note;
            Ok("offer.status")
        },
    )
    .await
}

pub async fn release(
    State(st): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(id): Path<i64>,
    JsonBody(_): JsonBody<Empty>,
) -> Result<Response, ApiError> {
    offer_action(&st, &caller, &idem, id, Side::Requester, "release", |o| {
        o.status = o.status.after(OfferAction::Release)?;
        Ok("offer.released")
    })
    .await
}

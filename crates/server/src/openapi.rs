//! The OpenAPI 3.1 document, built with utoipa from the endpoint table and the request and
//! response types' schemas.

use crate::routes::{Access, endpoints};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApiBuilder, Paths, Ref, Required,
    ResponseBuilder, ResponsesBuilder,
};

/// The error body of every 4xx/5xx response.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    /// What went wrong.
    error: String,
    /// The offending field (dotted path) or header, if any.
    field: Option<String>,
}

/// A list response: one page of items, newest first.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct List {
    #[schema(value_type = Vec<Object>)]
    items: Vec<serde_json::Value>,
    /// The relative URL of the next page; absent or null on the last page (and on lists
    /// that are not paged).
    next: Option<String>,
}

/// The database part of [`Health`].
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct HealthDatabase {
    /// `ok` or `error`.
    status: String,
    /// `sqlite` or `postgres`.
    backend: String,
    /// Round trip of the check, milliseconds (when ok).
    latency_ms: Option<f64>,
    /// The last journal sequence number (when ok).
    journal_seq: Option<i64>,
    /// What failed (when not ok).
    error: Option<String>,
}

/// `GET /api/health`: `ok`, or `degraded` (with status 503) when the database fails.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Health {
    status: String,
    /// The server's version.
    version: String,
    database: HealthDatabase,
}

/// A string schema (path and header parameters).
fn string_schema() -> utoipa::openapi::schema::Schema {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .build()
        .into()
}

fn method(m: &str) -> HttpMethod {
    match m {
        "POST" => HttpMethod::Post,
        "DELETE" => HttpMethod::Delete,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        _ => HttpMethod::Get,
    }
}

fn json_ref(name: &str) -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(name)))
        .build()
}

fn err(desc: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(desc)
        .content("application/json", json_ref("ErrorBody"))
        .build()
}

/// Builds the document.
pub fn document() -> utoipa::openapi::OpenApi {
    use crate::{activity, alarms, alerts, auth, exercises, incidents, requests};
    let components = ComponentsBuilder::new()
        .schema_from::<ErrorBody>()
        .schema_from::<List>()
        .schema_from::<HealthDatabase>()
        .schema_from::<Health>()
        .schema_from::<crate::Empty>()
        .schema_from::<auth::LoginIn>()
        .schema_from::<auth::MeOut>()
        .schema_from::<auth::UserOut>()
        .schema_from::<auth::UserIn>()
        .schema_from::<auth::TokenIn>()
        .schema_from::<auth::TokenCreated>()
        .schema_from::<incidents::QuakeParams>()
        .schema_from::<incidents::Progress>()
        .schema_from::<incidents::IncidentIn>()
        .schema_from::<incidents::Incident>()
        .schema_from::<incidents::IncidentStatus>()
        .schema_from::<incidents::IncidentHazard>()
        .schema_from::<incidents::Origin>()
        .schema_from::<crate::cap_texts::CapTexts>()
        .schema_from::<crate::cap_texts::CapTextsIn>()
        .schema_from::<crate::cap_texts::CapTextsStatus>()
        .schema_from::<crate::watch::auto_publish::AutoPublish>()
        .schema_from::<crate::watch::auto_publish::AutoPublishStatus>()
        .schema_from::<crate::watch::auto_publish::AutoPublishIn>()
        .schema_from::<crate::watch::rules_api::WatchRules>()
        .schema_from::<crate::watch::rules_api::WatchRulesIn>()
        .schema_from::<crate::watch::rules_api::RulesStatus>()
        .schema_from::<crate::watch::sources_api::AddedSource>()
        .schema_from::<crate::watch::sources_api::AddedStatus>()
        .schema_from::<crate::watch::sources_api::SourceIn>()
        .schema_from::<crate::watch::pause::SourceState>()
        .schema_from::<crate::watch::pause::SourceStatus>()
        .schema_from::<crate::watch::pause::SourceChangeIn>()
        .schema_from::<alarms::Alarm>()
        .schema_from::<alarms::AlarmStatus>()
        .schema_from::<alarms::Delivery>()
        .schema_from::<alarms::DeliveryChannel>()
        .schema_from::<alerts::Alert>()
        .schema_from::<alerts::AlertStatus>()
        .schema_from::<alerts::Revision>()
        .schema_from::<alerts::AlertIn>()
        .schema_from::<alerts::ValidateIn>()
        .schema_from::<alerts::RejectIn>()
        .schema_from::<alerts::UpdateIn>()
        .schema_from::<alerts::CancelIn>()
        .schema_from::<requests::ResourceRequest>()
        .schema_from::<requests::Offer>()
        .schema_from::<requests::RequestStatus>()
        .schema_from::<requests::OfferStatus>()
        .schema_from::<requests::DeployStatus>()
        .schema_from::<requests::RequestIn>()
        .schema_from::<requests::OfferIn>()
        .schema_from::<requests::DeclineIn>()
        .schema_from::<requests::StatusIn>()
        .schema_from::<activity::Sitrep>()
        .schema_from::<activity::SitrepStatus>()
        .schema_from::<activity::SitrepIn>()
        .schema_from::<exercises::ExerciseRec>()
        .schema_from::<exercises::ExerciseStatus>()
        .schema_from::<exercises::ExerciseView>()
        .schema_from::<exercises::TeamOut>()
        .schema_from::<exercises::ObjectiveOut>()
        .schema_from::<exercises::ExerciseIn>()
        .schema_from::<exercises::ControlIn>()
        .schema_from::<exercises::AckIn>()
        .schema_from::<exercises::RatingIn>()
        .schema_from::<exercises::InjectOut>()
        .schema_from::<exercises::UploadedFile>()
        .schema_from::<exercises::directors::DirectorRightIn>()
        .schema_from::<exercises::directors::DirectorGrant>()
        .schema_from::<exercises::directors::GrantStatus>()
        .security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()))
        .security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description("fw_session", "Session cookie from POST /api/login; unsafe methods also need the X-CSRF-Token header"))))
        .build();
    let mut paths = Paths::new();
    for e in endpoints() {
        let mut op = OperationBuilder::new()
            .summary(Some(e.summary))
            .description(Some(format!("{} See docs/api.md.", e.access.describe())))
            .operation_id(Some(format!("{} {}", e.method, e.path)));
        let tag = e
            .path
            .trim_start_matches('/')
            .split('/')
            .nth(if e.path.starts_with("/api/") { 1 } else { 0 })
            .unwrap_or("api")
            .to_string();
        op = op.tag(tag);
        for seg in e.path.split('/').filter(|s| s.starts_with('{')) {
            let name = seg.trim_matches(|c| c == '{' || c == '}');
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(string_schema()))
                    .build(),
            );
        }
        if e.method == "POST" {
            op = op.parameter(
                ParameterBuilder::new()
                    .name("Idempotency-Key")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some(
                        "Replays the stored response of an earlier request with the same key",
                    ))
                    .schema(Some(string_schema()))
                    .build(),
            );
        }
        if let Some(req) = e.request {
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content("application/json", json_ref(req))
                    .build(),
            ));
        }
        let ok = if e.response.starts_with(|c: char| c.is_ascii_uppercase())
            && !e.response.contains(' ')
        {
            ResponseBuilder::new()
                .description("Success")
                .content("application/json", json_ref(e.response))
                .build()
        } else {
            ResponseBuilder::new()
                .description(format!("Success: {}", e.response))
                .build()
        };
        let mut responses = ResponsesBuilder::new().response(e.status.to_string(), ok);
        if e.request.is_some() {
            responses = responses
                .response("400", err("Malformed JSON"))
                .response("413", err("Body larger than 1 MiB"))
                .response("415", err("Not application/json"))
                .response(
                    "422",
                    err("Unknown field, wrong type or invalid value; `field` names it"),
                );
        }
        if e.access != Access::Public {
            responses = responses
                .response("401", err("Not authenticated"))
                .response("403", err("Role, organisation or CSRF check failed"));
            op = op.securities(Some([
                SecurityRequirement::new("bearer", Vec::<String>::new()),
                SecurityRequirement::new("session", Vec::<String>::new()),
            ]));
        }
        if e.path.contains("{id}") || e.path.contains("{file}") {
            responses =
                responses.response("404", err("No such record, or not readable by the caller"));
        }
        if e.method == "POST" && e.path.contains("{id}") {
            responses = responses.response("409", err("Invalid state transition"));
        }
        op = op.responses(responses.build());
        paths.add_path_operation(e.path, vec![method(e.method)], op.build());
    }
    OpenApiBuilder::new()
        .info(InfoBuilder::new().title("Forewarn operations platform API").version(env!("CARGO_PKG_VERSION")).description(Some("Incidents, hazard layers, CAP alerts, requests and offers, situation reports and live events for the SCO region.")).build())
        .paths(paths)
        .components(Some(components))
        .build()
}

/// The document as JSON (built once).
pub fn json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        document()
            .to_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    })
}

pub async fn serve() -> Response {
    let mut r = json().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

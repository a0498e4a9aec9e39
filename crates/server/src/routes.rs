//! The endpoint table: one row per endpoint, used both to build the router and the OpenAPI
//! document, so that every endpoint is documented.

use crate::{
    AppState, activity, alarms, alerts, auth, cap_texts, events, exercises, incidents, public,
    requests, watch,
};
use axum::routing::{MethodRouter, delete, get, post, put};
use forewarn_store::UserRole;

/// Who may call an endpoint (for the documentation; enforced in the handlers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    LoggedIn,
    Role(UserRole),
    /// Several roles, or a role with a condition, described.
    Roles(&'static str),
}

impl Access {
    pub fn describe(&self) -> String {
        match self {
            Access::Public => "No authentication.".into(),
            Access::LoggedIn => "Any logged-in user (session cookie + X-CSRF-Token for unsafe methods, or bearer token).".into(),
            Access::Role(r) => format!("Role `{r}`; organisation and visibility rules apply."),
            Access::Roles(r) => format!("Roles {r}; organisation and visibility rules apply."),
        }
    }
}

pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub access: Access,
    /// Schema name of the JSON request body.
    pub request: Option<&'static str>,
    /// Success status and schema name (or a description of a non-JSON body).
    pub status: u16,
    pub response: &'static str,
    pub route: MethodRouter<AppState>,
}

/// One route as the router mounts it: what the access-matrix test must exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    /// The path template, as given to the router (`/api/alerts/{id}`).
    pub path: &'static str,
    pub access: Access,
}

/// Every route [`crate::router`] mounts, in table order (the router is built from the same
/// [`endpoints`]).
pub fn route_table() -> Vec<Route> {
    endpoints()
        .iter()
        .map(|e| Route {
            method: e.method,
            path: e.path,
            access: e.access,
        })
        .collect()
}

macro_rules! ep {
    ($m:literal, $p:literal, $s:literal, $a:expr, $req:expr, $st:literal, $resp:literal, $route:expr) => {
        Endpoint {
            method: $m,
            path: $p,
            summary: $s,
            access: $a,
            request: $req,
            status: $st,
            response: $resp,
            route: $route,
        }
    };
}

/// Every endpoint of the server.
pub fn endpoints() -> Vec<Endpoint> {
    use Access::*;
    vec![
        ep!(
            "GET",
            "/api/health",
            "Server and database status",
            Public,
            None,
            200,
            "Health",
            get(public::health)
        ),
        ep!(
            "GET",
            "/api/openapi.json",
            "This OpenAPI document",
            Public,
            None,
            200,
            "OpenAPI document",
            get(crate::openapi::serve)
        ),
        ep!(
            "POST",
            "/api/login",
            "Log in; sets the fw_session and fw_csrf cookies",
            Public,
            Some("LoginIn"),
            200,
            "MeOut",
            crate::extract::with_body_limit(post(auth::login), auth::LOGIN_BODY_LIMIT_BYTES)
        ),
        ep!(
            "POST",
            "/api/logout",
            "End the session",
            LoggedIn,
            None,
            204,
            "empty",
            post(auth::logout)
        ),
        ep!(
            "GET",
            "/api/me",
            "The current user and CSRF token",
            LoggedIn,
            None,
            200,
            "MeOut",
            get(auth::me)
        ),
        ep!(
            "POST",
            "/api/tokens",
            "Create an API token for the current user",
            LoggedIn,
            Some("TokenIn"),
            201,
            "TokenCreated",
            post(auth::create_token)
        ),
        ep!(
            "GET",
            "/api/tokens",
            "The current user's API tokens",
            LoggedIn,
            None,
            200,
            "List",
            get(auth::list_tokens)
        ),
        ep!(
            "DELETE",
            "/api/tokens/{id}",
            "Revoke one of the current user's tokens",
            LoggedIn,
            None,
            204,
            "empty",
            delete(auth::revoke_token)
        ),
        ep!(
            "GET",
            "/api/users",
            "Users of the admin's organisation (all for rc)",
            Role(UserRole::Admin),
            None,
            200,
            "List",
            get(auth::list_users)
        ),
        ep!(
            "POST",
            "/api/users",
            "Create a user",
            Role(UserRole::Admin),
            Some("UserIn"),
            201,
            "UserOut",
            post(auth::create_user)
        ),
        ep!(
            "GET",
            "/api/orgs",
            "Organisations",
            Public,
            None,
            200,
            "List",
            get(public::orgs)
        ),
        ep!(
            "POST",
            "/api/orgs/{code}/exercise-director",
            "Grant or revoke an organisation's right to create live exercises",
            Roles("admin of the regional centre"),
            Some("DirectorRightIn"),
            200,
            "DirectorGrant",
            post(exercises::directors::set_right)
        ),
        ep!(
            "GET",
            "/api/region/countries.geojson",
            "Country boundaries (GeoJSON)",
            Public,
            None,
            200,
            "GeoJSON FeatureCollection",
            get(public::countries)
        ),
        ep!(
            "GET",
            "/api/region/admin1.geojson",
            "First-level administrative units (GeoJSON: ISO 3166-2 code, names in en, ru, zh, ur), ?country= (ISO alpha-2) for one country's",
            Public,
            None,
            200,
            "GeoJSON FeatureCollection",
            get(public::admin_units)
        ),
        ep!(
            "GET",
            "/api/region/settlements.geojson",
            "Settlements (GeoJSON), ?min_population=&lang= (en, ru, zh, ur: adds each name in that language as label)",
            Public,
            None,
            200,
            "GeoJSON FeatureCollection",
            get(public::settlements)
        ),
        ep!(
            "POST",
            "/api/incidents",
            "Create an earthquake incident; the run starts in the background",
            Role(UserRole::DutyOfficer),
            Some("IncidentIn"),
            202,
            "Incident",
            post(incidents::create)
        ),
        ep!(
            "GET",
            "/api/incidents",
            "Incidents the caller can read",
            LoggedIn,
            None,
            200,
            "List",
            get(incidents::list)
        ),
        ep!(
            "GET",
            "/api/incidents/{id}",
            "One incident with its summary",
            LoggedIn,
            None,
            200,
            "Incident",
            get(incidents::get)
        ),
        ep!(
            "POST",
            "/api/incidents/{id}/close",
            "Close a complete or failed incident",
            Role(UserRole::DutyOfficer),
            Some("Empty"),
            200,
            "Incident",
            post(incidents::close)
        ),
        ep!(
            "GET",
            "/api/incidents/{id}/layers/{name}",
            "Hazard layer (mmi_contours or settlements) as GeoJSON",
            LoggedIn,
            None,
            200,
            "GeoJSON FeatureCollection",
            get(incidents::layer)
        ),
        ep!(
            "GET",
            "/api/incidents/{id}/cap-proposal",
            "CAP alert generated from the run",
            LoggedIn,
            None,
            200,
            "{xml}",
            get(incidents::cap_proposal)
        ),
        ep!(
            "GET",
            "/api/incidents/{id}/report.html",
            "The incident page of a completed run (?lang=en|ru, ?previous=ID or 0)",
            LoggedIn,
            None,
            200,
            "text/html page",
            get(crate::incident_report::report)
        ),
        ep!(
            "GET",
            "/api/incidents/{id}/exposure.csv",
            "People per country and intensity of a completed earthquake run (CSV, for spreadsheets)",
            LoggedIn,
            None,
            200,
            "text/csv",
            get(crate::incident_report::exposure_csv)
        ),
        ep!(
            "POST",
            "/api/alerts/validate",
            "Validate CAP XML (changes nothing); with the page the public would read, as a preview",
            LoggedIn,
            Some("ValidateIn"),
            200,
            "{valid, problems, preview_html}",
            post(alerts::validate)
        ),
        ep!(
            "POST",
            "/api/alerts",
            "Draft an alert from CAP XML or an incident's proposal",
            Role(UserRole::DutyOfficer),
            Some("AlertIn"),
            201,
            "Alert",
            post(alerts::create)
        ),
        ep!(
            "GET",
            "/api/alerts",
            "Alerts the caller can read; ?status=draft is the approval queue",
            LoggedIn,
            None,
            200,
            "List",
            get(alerts::list)
        ),
        ep!(
            "GET",
            "/api/alerts/{id}",
            "One alert with its XML",
            LoggedIn,
            None,
            200,
            "Alert",
            get(alerts::get)
        ),
        ep!(
            "POST",
            "/api/alerts/{id}/revise",
            "Replace a draft's XML",
            Role(UserRole::DutyOfficer),
            Some("ValidateIn"),
            200,
            "Alert",
            post(alerts::revise)
        ),
        ep!(
            "POST",
            "/api/alerts/{id}/approve",
            "Approve a draft (not your own)",
            Role(UserRole::Approver),
            Some("Empty"),
            200,
            "Alert",
            post(alerts::approve)
        ),
        ep!(
            "POST",
            "/api/alerts/{id}/reject",
            "Send a draft back with a reason",
            Role(UserRole::Approver),
            Some("RejectIn"),
            200,
            "Alert",
            post(alerts::reject)
        ),
        ep!(
            "POST",
            "/api/alerts/{id}/publish",
            "Publish an approved alert",
            Roles("duty_officer or approver"),
            Some("Empty"),
            200,
            "Alert",
            post(alerts::publish)
        ),
        ep!(
            "POST",
            "/api/alerts/{id}/update",
            "Draft a CAP Update of a published alert",
            Role(UserRole::DutyOfficer),
            Some("UpdateIn"),
            201,
            "Alert",
            post(alerts::update)
        ),
        ep!(
            "POST",
            "/api/alerts/{id}/cancel",
            "Draft a CAP Cancel of a published alert",
            Role(UserRole::DutyOfficer),
            Some("CancelIn"),
            201,
            "Alert",
            post(alerts::cancel)
        ),
        ep!(
            "GET",
            "/cap/{file}",
            "A CAP alert at its stable URL /cap/{id}.xml, and its page /cap/{id}.html",
            Public,
            None,
            200,
            "application/xml (application/cap+xml when asked for), or text/html for .html",
            get(alerts::cap_xml)
        ),
        ep!(
            "GET",
            "/feeds/index.json",
            "The Atom feeds",
            Public,
            None,
            200,
            "List",
            get(alerts::feed_index)
        ),
        ep!(
            "GET",
            "/feeds/{file}",
            "Atom feed of an organisation's published alerts, /feeds/{org}.atom?lang=en",
            Public,
            None,
            200,
            "application/atom+xml; charset=utf-8",
            get(alerts::feed)
        ),
        ep!(
            "POST",
            "/api/requests",
            "Request assistance",
            Role(UserRole::DutyOfficer),
            Some("RequestIn"),
            201,
            "ResourceRequest",
            post(requests::create)
        ),
        ep!(
            "GET",
            "/api/requests",
            "Requests the caller can read, with their readable offers",
            LoggedIn,
            None,
            200,
            "List",
            get(requests::list)
        ),
        ep!(
            "GET",
            "/api/requests/{id}",
            "One request with its readable offers",
            LoggedIn,
            None,
            200,
            "ResourceRequest",
            get(requests::get)
        ),
        ep!(
            "POST",
            "/api/requests/{id}/close",
            "Close an open request",
            Role(UserRole::DutyOfficer),
            Some("Empty"),
            200,
            "ResourceRequest",
            post(requests::close)
        ),
        ep!(
            "POST",
            "/api/requests/{id}/offers",
            "Offer resources on another organisation's open request",
            Role(UserRole::DutyOfficer),
            Some("OfferIn"),
            201,
            "Offer",
            post(requests::create_offer)
        ),
        ep!(
            "GET",
            "/api/offers",
            "Offers the caller can read",
            LoggedIn,
            None,
            200,
            "List",
            get(requests::list_offers)
        ),
        ep!(
            "POST",
            "/api/offers/{id}/accept",
            "Accept an offer (requesting org)",
            Role(UserRole::DutyOfficer),
            Some("Empty"),
            200,
            "Offer",
            post(requests::accept)
        ),
        ep!(
            "POST",
            "/api/offers/{id}/decline",
            "Decline an offer (requesting org)",
            Role(UserRole::DutyOfficer),
            Some("DeclineIn"),
            200,
            "Offer",
            post(requests::decline)
        ),
        ep!(
            "POST",
            "/api/offers/{id}/withdraw",
            "Withdraw an offer (offering org)",
            Role(UserRole::DutyOfficer),
            Some("Empty"),
            200,
            "Offer",
            post(requests::withdraw)
        ),
        ep!(
            "POST",
            "/api/offers/{id}/status",
            "Report deployment status of an accepted offer (offering org)",
            Role(UserRole::DutyOfficer),
            Some("StatusIn"),
            200,
            "Offer",
            post(requests::deploy_status)
        ),
        ep!(
            "POST",
            "/api/offers/{id}/release",
            "Release an accepted offer (requesting org)",
            Role(UserRole::DutyOfficer),
            Some("Empty"),
            200,
            "Offer",
            post(requests::release)
        ),
        ep!(
            "POST",
            "/api/sitreps",
            "Write a situation report",
            Role(UserRole::DutyOfficer),
            Some("SitrepIn"),
            201,
            "Sitrep",
            post(activity::create_sitrep)
        ),
        ep!(
            "GET",
            "/api/sitreps",
            "Situation reports the caller can read",
            LoggedIn,
            None,
            200,
            "List",
            get(activity::list_sitreps)
        ),
        ep!(
            "GET",
            "/api/sitreps/{id}",
            "One situation report",
            LoggedIn,
            None,
            200,
            "Sitrep",
            get(activity::get_sitrep)
        ),
        ep!(
            "GET",
            "/api/activity",
            "Journal entries the caller can read, newest first",
            LoggedIn,
            None,
            200,
            "List",
            get(activity::activity)
        ),
        ep!(
            "GET",
            "/api/journal/export",
            "The readable journal as JSON lines",
            Role(UserRole::Admin),
            None,
            200,
            "application/x-ndjson",
            get(activity::export)
        ),
        ep!(
            "GET",
            "/api/events",
            "Server-Sent Events of readable journal entries and incident progress",
            LoggedIn,
            None,
            200,
            "text/event-stream",
            get(events::events)
        ),
        ep!(
            "GET",
            "/api/watch/sources",
            "The watched sources (--watch) with their health: last success, last error, items seen, accepted and rejected",
            LoggedIn,
            None,
            200,
            "List",
            get(watch::sources)
        ),
        ep!(
            "GET",
            "/api/orgs/{code}/auto-publish",
            "An organisation's auto-publish setting (levels whose automatic drafts publish without approval)",
            LoggedIn,
            None,
            200,
            "AutoPublish",
            get(watch::auto_publish::get)
        ),
        ep!(
            "PUT",
            "/api/orgs/{code}/auto-publish",
            "Set the organisation's auto-publish levels (empty: off); journaled",
            Roles("admin of the organisation"),
            Some("AutoPublishIn"),
            200,
            "AutoPublish",
            put(watch::auto_publish::set)
        ),
        ep!(
            "GET",
            "/api/orgs/{code}/watch-rules",
            "An organisation's watch rules in force (stored by its admin, the --demo defaults, or none): on/off, buffer around its country, minimum magnitude by depth, trusted sources, the level drafts start from; with the watched sources and the limits",
            LoggedIn,
            None,
            200,
            "the rules in force, with the watched sources and the limits",
            get(watch::rules_api::get)
        ),
        ep!(
            "PUT",
            "/api/orgs/{code}/watch-rules",
            "Set the organisation's watch rules (journaled; the running watch uses them at once); 422 names the field and its limit",
            Roles("admin of the organisation"),
            Some("WatchRulesIn"),
            200,
            "the rules in force, as GET answers",
            put(watch::rules_api::set)
        ),
        ep!(
            "GET",
            "/api/orgs/{code}/watch-rules/area",
            "The organisation's country and its area of interest (grown by ?buffer_km=, else the rules' buffer) as GeoJSON, for a map",
            LoggedIn,
            None,
            200,
            "GeoJSON FeatureCollection (part: country, area)",
            get(watch::rules_api::area)
        ),
        ep!(
            "GET",
            "/api/orgs/{code}/watch-rules/check",
            "Whether an earthquake at ?lat=&lon=&depth_km=&mag= would concern the organisation under its rules, and why",
            LoggedIn,
            None,
            200,
            "passes, in_area, distance_km, buffer_km, min_mag, magnitude_ok, enabled",
            get(watch::rules_api::check)
        ),
        ep!(
            "GET",
            "/api/orgs/{code}/cap-texts",
            "An organisation's sender name per language, web address and contact, carried by the alerts drafted from its incidents",
            LoggedIn,
            None,
            200,
            "CapTexts",
            get(cap_texts::get)
        ),
        ep!(
            "PUT",
            "/api/orgs/{code}/cap-texts",
            "Set the organisation's sender name per language, web address and contact; journaled",
            Roles("admin of the organisation"),
            Some("CapTextsIn"),
            200,
            "CapTexts",
            put(cap_texts::set)
        ),
        ep!(
            "POST",
            "/api/watch/sources",
            "Add a watched source without a restart: the keys of a [[source]] table of the --watch file (http or https only), checked like the file; journaled, polled at once, kept across restarts",
            Roles("admin of the regional centre"),
            Some("SourceIn"),
            201,
            "AddedSource",
            post(watch::sources_api::add)
        ),
        ep!(
            "POST",
            "/api/watch/sources/{name}/pause",
            "Stop polling a watched source (journaled; survives restarts)",
            Roles("admin of the regional centre"),
            Some("SourceChangeIn"),
            200,
            "SourceState",
            post(watch::pause::pause)
        ),
        ep!(
            "POST",
            "/api/watch/sources/{name}/resume",
            "Poll a paused source again",
            Roles("admin of the regional centre"),
            Some("SourceChangeIn"),
            200,
            "SourceState",
            post(watch::pause::resume)
        ),
        ep!(
            "GET",
            "/api/alarms",
            "The organisation's alarms (raised by the watch's drafts), with their deliveries and escalation",
            LoggedIn,
            None,
            200,
            "List",
            get(alarms::list)
        ),
        ep!(
            "GET",
            "/api/alarms/dead-letters",
            "Alarm deliveries (e-mail, webhook) that failed after every attempt",
            LoggedIn,
            None,
            200,
            "List",
            get(alarms::dead_letters)
        ),
        ep!(
            "POST",
            "/api/alarms/{id}/acknowledge",
            "Acknowledge an alarm of your organisation; its escalation stops",
            Roles("duty_officer, approver or admin of the alarm's organisation"),
            Some("Empty"),
            200,
            "Alarm",
            post(alarms::acknowledge)
        ),
        ep!(
            "GET",
            "/api/exercises/scenarios",
            "Bundled exercise plans a director can start from",
            LoggedIn,
            None,
            200,
            "List",
            get(exercises::scenarios)
        ),
        ep!(
            "POST",
            "/api/exercises",
            "Create a live exercise from a plan (an organisation with the exercise-director right)",
            Roles("duty_officer or admin"),
            Some("ExerciseIn"),
            201,
            "ExerciseRec",
            post(exercises::create)
        ),
        ep!(
            "GET",
            "/api/exercises",
            "Exercises the caller's organisation takes part in",
            LoggedIn,
            None,
            200,
            "List",
            get(exercises::list)
        ),
        ep!(
            "GET",
            "/api/exercises/{id}",
            "One exercise, with the clock and the caller's teams and roles",
            LoggedIn,
            None,
            200,
            "ExerciseView",
            get(exercises::get)
        ),
        ep!(
            "POST",
            "/api/exercises/{id}/control",
            "Director: start, pause, resume, speed, jump or end",
            Roles("duty_officer or admin of the director's organisation"),
            Some("ControlIn"),
            200,
            "ExerciseView",
            post(exercises::control)
        ),
        ep!(
            "GET",
            "/api/exercises/{id}/injects",
            "Injects delivered to the caller's teams, newest first",
            LoggedIn,
            None,
            200,
            "List",
            get(exercises::injects)
        ),
        ep!(
            "GET",
            "/api/exercises/{id}/msel",
            "The scenario events list: every inject with its trigger, firing time and acknowledgements",
            Roles("any user of the director's, a controller's or an evaluator's organisation"),
            None,
            200,
            "{t_s, duration_s, items}",
            get(exercises::msel)
        ),
        ep!(
            "POST",
            "/api/exercises/{id}/acknowledge",
            "A player team acknowledges an inject",
            Roles("duty_officer, approver or admin of a player organisation"),
            Some("AckIn"),
            200,
            "{acknowledged}",
            post(exercises::acknowledge)
        ),
        ep!(
            "POST",
            "/api/exercises/{id}/ratings",
            "An evaluator rates an objective P, S, M or U",
            Roles("duty_officer, approver or admin of the evaluators' organisation"),
            Some("RatingIn"),
            200,
            "{objective, rating}",
            post(exercises::rate)
        ),
        ep!(
            "GET",
            "/api/exercises/{id}/report",
            "The after-action report, written when the exercise ends",
            LoggedIn,
            None,
            200,
            "text/html",
            get(exercises::report)
        ),
        ep!(
            "GET",
            "/api/exercises/{id}/metrics",
            "Objective metrics and ratings, written when the exercise ends",
            LoggedIn,
            None,
            200,
            "application/json",
            get(exercises::metrics)
        ),
    ]
}

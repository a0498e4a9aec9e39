//! Endpoints without authentication: health, organisations, region reference layers, and the
//! static web UI.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

pub async fn health(State(st): State<AppState>) -> Response {
    let t0 = Instant::now();
    let backend = st.store.backend().as_str();
    match st.store.last_seq().await {
        Ok(seq) => axum::Json(json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "node": &*st.node_id,
            "database": {"status": "ok", "backend": backend, "latency_ms": (t0.elapsed().as_secs_f64() * 1e4).round() / 10.0, "journal_seq": seq},
        }))
        .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"status": "degraded", "version": env!("CARGO_PKG_VERSION"), "database": {"status": "error", "backend": backend, "error": e.to_string()}})),
        )
            .into_response(),
    }
}

/// `GET /api/orgs`: the organisations, each with `names`: its name per language as its admin
/// set it for its alerts (`sender_name`, crates/server/src/cap_texts.rs; empty when unset).
pub async fn orgs(State(st): State<AppState>) -> Result<axum::Json<Value>, ApiError> {
    let names = crate::cap_texts::names_by_org(&st).await?;
    let items: Vec<Value> = st
        .store
        .orgs()
        .await?
        .into_iter()
        .map(|o| {
            let mut v = json!(o);
            v["names"] = json!(names.get(&o.code).cloned().unwrap_or_default());
            v
        })
        .collect();
    Ok(axum::Json(json!({ "items": items })))
}

fn geojson(v: String) -> Response {
    let mut r = v.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    r
}

fn world() -> Result<std::sync::Arc<crate::runner::World>, ApiError> {
    crate::runner::world().map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e, None))
}

pub async fn countries() -> Result<Response, ApiError> {
    let w = tokio::task::spawn_blocking(world)
        .await
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string(), None))??;
    let features: Vec<Value> = w
        .region
        .countries
        .iter()
        .map(|c| {
            json!({
                "type": "Feature",
                "properties": {"iso2": c.iso2, "iso3": c.iso3, "name_en": c.name_en, "name_ru": c.name_ru, "name_zh": c.name_zh, "population": c.population},
                "geometry": multipolygon_json(&c.boundary),
            })
        })
        .collect();
    Ok(geojson(
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    ))
}

/// A boundary as a GeoJSON MultiPolygon (the engine's rounding, as the MMI contours).
fn multipolygon_json(mp: &geo::MultiPolygon<f64>) -> Value {
    json!({"type": "MultiPolygon", "coordinates": forewarn_engine::contours::geojson_coordinates(mp)})
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminUnitsQuery {
    /// Only this country's units (ISO 3166-1 alpha-2, one of the region's).
    pub country: Option<String>,
}

/// `GET /api/region/admin1.geojson?country=`: first-level administrative units with their ISO
/// 3166-2 code and names in the warning languages (Natural Earth; data/ATTRIBUTION.md).
pub async fn admin_units(Query(q): Query<AdminUnitsQuery>) -> Result<Response, ApiError> {
    let w = tokio::task::spawn_blocking(world)
        .await
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string(), None))??;
    let country = match q.country.as_deref() {
        None => None,
        Some(c) => Some(
            w.region
                .country(c)
                .map_err(|e| ApiError::invalid(e.to_string(), "country"))?
                .iso2
                .clone(),
        ),
    };
    let features: Vec<Value> = w
        .region
        .admin_units
        .iter()
        .filter(|u| country.as_ref().is_none_or(|c| &u.country == c))
        .map(|u| {
            json!({
                "type": "Feature",
                "properties": {"code": u.code, "country": u.country, "type": u.kind, "name_en": u.name_en, "name_ru": u.name("ru"), "name_zh": u.name("zh"), "name_ur": u.name("ur")},
                "geometry": multipolygon_json(&u.boundary),
            })
        })
        .collect();
    Ok(geojson(
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementsQuery {
    pub min_population: Option<u64>,
    /// Adds each settlement's name in this language as `label` (en, ru, zh, ur: the reviewed
    /// form where there is one, else the fallback of the warning texts).
    pub lang: Option<String>,
}

pub async fn settlements(Query(q): Query<SettlementsQuery>) -> Result<Response, ApiError> {
    let w = tokio::task::spawn_blocking(world)
        .await
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string(), None))??;
    let min = q.min_population.unwrap_or(100_000);
    let lang = match q.lang.as_deref() {
        None => None,
        Some(l) if forewarn_engine::place_names::LANGUAGES.contains(&l) => Some(l),
        Some(_) => {
            return Err(ApiError::invalid(
                format!(
                    "lang must be one of {}",
                    forewarn_engine::place_names::LANGUAGES.join(", ")
                ),
                "lang",
            ));
        }
    };
    let features: Vec<Value> = w
        .region
        .settlements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.population >= min)
        .map(|(i, s)| {
            let mut f = json!({
                "type": "Feature",
                "properties": {"name": s.name, "country": s.country, "admin1": s.admin1, "population": s.population},
                "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
            });
            if let Some(l) = lang {
                f["properties"]["label"] = Value::String(w.region.settlement_name(i, l));
            }
            f
        })
        .collect();
    Ok(geojson(
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    ))
}

/// The directory actually served: `dir/dist` when it holds an index.html, else `dir`.
pub fn web_root(dir: &Path) -> PathBuf {
    let dist = dir.join("dist");
    if dist.join("index.html").is_file() {
        dist
    } else {
        dir.to_path_buf()
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "geojson" => "application/geo+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "pbf" => "application/x-protobuf",
        "txt" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// Directories of the web checkout that are not the UI (browser tests, their packages) and
/// are never served.
pub const NOT_SERVED: [&str; 4] = ["e2e", "node_modules", "tests", "test"];

/// Whether `rel` (relative to the web root) is part of the UI: only plain components, no
/// hidden files, nothing under [`NOT_SERVED`].
pub fn servable(rel: &Path) -> bool {
    rel.components().all(|c| match c {
        Component::Normal(n) => {
            let n = n.to_string_lossy();
            !n.starts_with('.') && !NOT_SERVED.contains(&n.as_ref())
        }
        _ => false,
    })
}

/// Static files of the web UI (from `--web-dir`, else the copy embedded in the binary);
/// paths without an extension fall back to index.html.
pub async fn static_file(State(st): State<AppState>, uri: Uri) -> Response {
    let rel = uri.path().trim_start_matches('/');
    let rel = if rel.is_empty() { "index.html" } else { rel };
    let rel_path = Path::new(rel);
    if !servable(rel_path) {
        return ApiError::not_found("file").into_response();
    }
    let Some(dir) = &st.web_dir else {
        return embedded_file(rel, rel_path);
    };
    let root = web_root(dir);
    let mut path = root.join(rel_path);
    if !path.is_file() {
        if rel_path.extension().is_none() {
            path = root.join("index.html");
        } else {
            return ApiError::not_found("file").into_response();
        }
    }
    match tokio::fs::read(&path).await {
        Ok(bytes) => file_response(bytes, &path),
        Err(_) => ApiError::new(
            StatusCode::NOT_FOUND,
            format!("web UI not found in {}", root.display()),
            None,
        )
        .into_response(),
    }
}

fn file_response(bytes: impl Into<axum::body::Body>, path: &Path) -> Response {
    let mut r = Response::new(bytes.into());
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

fn embedded_file(rel: &str, rel_path: &Path) -> Response {
    let found = crate::web_assets::web_file(rel).map(|b| (b, rel_path.to_path_buf()));
    let found = match found {
        Some(f) => Some(f),
        None if rel_path.extension().is_none() => {
            crate::web_assets::web_file("index.html").map(|b| (b, PathBuf::from("index.html")))
        }
        None => None,
    };
    match found {
        Some((bytes, path)) => file_response(bytes.into_owned(), &path),
        None => ApiError::not_found("file").into_response(),
    }
}

//! Validation: the schema rules plus the CAP, WMO and Google Public Alerts rules the schema
//! cannot express (listed in `shared/docs/science.md`, section "Warning: CAP 1.2").

use std::collections::HashSet;
use std::fmt;

use crate::dsig::{self, SignatureStatus};
use crate::error::CapError;
use crate::geometry;
use crate::model::{Alert, Circle, LatLon, MsgType, Polygon, Scope};
use crate::reader;
use crate::schema::{self, CapVersion};
use crate::xml_tree;

/// Most vertices a polygon may have (WMO / Google Public Alerts practice).
pub const MAX_POLYGON_VERTICES: usize = 100;
/// Most decimals a coordinate may have (WMO / Google Public Alerts practice).
pub const MAX_COORD_DECIMALS: usize = 6;
/// Longest `event` text (Google Public Alerts practice).
pub const MAX_EVENT_CHARS: usize = 35;

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Breaks the CAP 1.2 schema or standard: the message is invalid.
    Error,
    /// Breaks WMO / Google Public Alerts practice (at most 100 vertices and 6 decimals per
    /// polygon, `expires`, `description` and `area` present, `event` at most 35 characters).
    /// Real alerts in circulation (e.g. the WMO `tg` test message, with 762-vertex polygons)
    /// break these, so they do not make a message invalid. Forewarn's own messages have none.
    Warning,
}

/// One problem in a message: where (an element path such as `/alert/info[2]/area[1]/polygon[1]`),
/// what, and how serious.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
    pub level: Level,
}

impl Problem {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
            level: Level::Error,
        }
    }

    /// A practice warning at `path`.
    pub fn warning(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
            level: Level::Warning,
        }
    }

    /// True for [`Level::Error`].
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(f, "{tag}: {}: {}", self.path, self.message)
    }
}

/// Everything known about one XML file: its problems and its signature status.
#[derive(Debug, Clone)]
pub struct XmlReport {
    /// CAP version of the root element, when it is a CAP alert.
    pub version: Option<CapVersion>,
    /// Every problem found; empty when the message is valid.
    pub problems: Vec<Problem>,
    /// Signature status. An invalid signature is reported here, never as a problem: CAP says
    /// an unverifiable signature must not make a message unusable.
    pub signature: SignatureStatus,
    /// Set when the text exceeds a parser limit ([`crate::MAX_XML_DEPTH`],
    /// [`crate::MAX_XML_NODES`]): the message, also the only problem. Callers that take the
    /// text from a request refuse it (the server answers 422) rather than report on it.
    pub limit: Option<String>,
}

impl XmlReport {
    /// True when no error was found (warnings and the signature status do not count).
    pub fn is_valid(&self) -> bool {
        self.problems.iter().all(|p| !p.is_error())
    }
}

/// Validates raw XML text: well-formedness (with line and column), namespace, the schema's
/// content model and simple types, then every rule of [`validate`], and the signature.
pub fn validate_xml(xml: &str) -> XmlReport {
    let text = xml_tree::normalize(xml);
    let doc = match xml_tree::parse(&text) {
        Ok(d) => d,
        Err(e) => {
            let limit = matches!(e, CapError::Limit { .. }).then(|| e.to_string());
            return XmlReport {
                version: None,
                problems: vec![Problem::new("/", e.to_string())],
                signature: SignatureStatus::NotSigned,
                limit,
            };
        }
    };
    let version = match reader::root_version(&doc) {
        Ok(v) => v,
        Err(e) => {
            return XmlReport {
                version: None,
                problems: vec![Problem::new(
                    format!("/{}", xml_tree::qname(doc.root_element())),
                    e.to_string(),
                )],
                signature: SignatureStatus::NotSigned,
                limit: None,
            };
        }
    };
    let signature = dsig::verify_document(&doc);
    let mut problems = schema::check(doc.root_element(), version);
    if problems.is_empty() {
        match reader::read_alert(xml) {
            Ok(alert) => problems.extend(validate(&alert)),
            Err(CapError::Invalid(more)) => problems.extend(more),
            Err(other) => problems.push(Problem::new("/alert", other.to_string())),
        }
    }
    XmlReport {
        version: Some(version),
        problems,
        signature,
        limit: None,
    }
}

/// `Ok` when `xml` passes [`validate_xml`] (warnings allowed); else [`CapError::Invalid`] with
/// the errors. The one check every message we generate or publish goes through.
pub fn require_valid(xml: &str) -> Result<(), CapError> {
    let errors: Vec<Problem> = validate_xml(xml)
        .problems
        .into_iter()
        .filter(Problem::is_error)
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CapError::Invalid(errors))
    }
}

/// Serialises an alert we generated and checks it with [`require_valid`]: a message that
/// fails our own validator never leaves the program.
pub fn to_valid_xml(alert: &Alert) -> Result<String, CapError> {
    let xml = alert.to_xml();
    require_valid(&xml)?;
    Ok(xml)
}

/// Checks the rules of CAP 1.2 and common practice that the schema cannot express:
///
/// - `identifier` and `sender` contain no spaces, commas, `<` or `&`;
/// - `restriction` only with scope Restricted (where it is required); `addresses` required
///   with scope Private;
/// - `references` required for Update, Cancel, Ack and Error, and never to the message itself;
/// - one info block per language and urgency (CAP 1.2 allows several per language, "each set
///   of info blocks containing the same language identifier SHALL be treated as a separate
///   sequence"; a flood warning gives each urgency of its downstream reaches its own block);
/// - in every info block: `expires`, `description` and at least one `area`; `event` at most
///   35 characters; `expires` after `effective` (or `sent`);
/// - polygons: at least 4 points, closed, not self-intersecting, at most 100 vertices,
///   at most 6 decimals, coordinates in range; circles: valid centre, radius >= 0;
/// - `ceiling` only with `altitude`, and not below it.
pub fn validate(alert: &Alert) -> Vec<Problem> {
    let mut out = Vec::new();
    for (name, value) in [("identifier", &alert.identifier), ("sender", &alert.sender)] {
        if value.trim().is_empty() {
            out.push(Problem::new(
                format!("/alert/{name}"),
                format!("{name} is empty"),
            ));
        }
        if let Some(bad) = value
            .chars()
            .find(|c| c.is_whitespace() || matches!(c, ',' | '<' | '&'))
        {
            out.push(Problem::new(
                format!("/alert/{name}"),
                format!("{name} '{value}' contains a forbidden character {bad:?} (no spaces, commas, '<' or '&')"),
            ));
        }
    }
    match alert.scope {
        Scope::Restricted => {
            if alert
                .restriction
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
            {
                out.push(Problem::new(
                    "/alert/restriction",
                    "scope Restricted requires a restriction",
                ));
            }
        }
        _ => {
            if alert.restriction.is_some() {
                out.push(Problem::new(
                    "/alert/restriction",
                    format!(
                        "restriction is only allowed with scope Restricted (scope is {})",
                        alert.scope
                    ),
                ));
            }
        }
    }
    if alert.scope == Scope::Private
        && alert
            .addresses
            .as_deref()
            .is_none_or(|a| a.trim().is_empty())
    {
        out.push(Problem::new(
            "/alert/addresses",
            "scope Private requires addresses",
        ));
    }
    if matches!(
        alert.msg_type,
        MsgType::Update | MsgType::Cancel | MsgType::Ack | MsgType::Error
    ) && alert.references.is_empty()
    {
        out.push(Problem::new(
            "/alert/references",
            format!(
                "msgType {} requires references to earlier messages",
                alert.msg_type
            ),
        ));
    }
    for (i, r) in alert.references.iter().enumerate() {
        if r.sender == alert.sender && r.identifier == alert.identifier {
            out.push(Problem::new(
                "/alert/references",
                format!("reference {} points to this message itself", i + 1),
            ));
        }
        if r.sender.contains(char::is_whitespace) || r.identifier.contains(char::is_whitespace) {
            out.push(Problem::new(
                "/alert/references",
                format!("reference {} contains spaces", i + 1),
            ));
        }
    }
    let mut languages = HashSet::new();
    for (i, info) in alert.infos.iter().enumerate() {
        let ipath = format!("/alert/info[{}]", i + 1);
        if !languages.insert((info.language.to_ascii_lowercase(), info.urgency)) {
            out.push(Problem::new(
                format!("{ipath}/language"),
                format!(
                    "a second info block in language '{}' with urgency {} (one info block per \
                     language and urgency)",
                    info.language,
                    info.urgency.as_str()
                ),
            ));
        }
        if info.categories.is_empty() {
            out.push(Problem::new(
                format!("{ipath}/category"),
                "at least one category is required",
            ));
        }
        let event_chars = info.event.chars().count();
        if info.event.trim().is_empty() {
            out.push(Problem::new(format!("{ipath}/event"), "event is empty"));
        } else if event_chars > MAX_EVENT_CHARS {
            out.push(Problem::warning(
                format!("{ipath}/event"),
                format!(
                    "event has {event_chars} characters; at most {MAX_EVENT_CHARS} are allowed"
                ),
            ));
        }
        match info.expires {
            None => out.push(Problem::warning(
                format!("{ipath}/expires"),
                "expires should be set",
            )),
            Some(expires) => {
                let start = info.effective.unwrap_or(alert.sent);
                if expires <= start {
                    out.push(Problem::new(
                        format!("{ipath}/expires"),
                        format!(
                            "expires {expires} is not after {}",
                            if info.effective.is_some() {
                                "effective"
                            } else {
                                "sent"
                            }
                        ),
                    ));
                }
            }
        }
        if info
            .description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
        {
            out.push(Problem::warning(
                format!("{ipath}/description"),
                "description should be set",
            ));
        }
        if info.areas.is_empty() {
            out.push(Problem::warning(
                format!("{ipath}/area"),
                "at least one area should be given",
            ));
        }
        for (k, area) in info.areas.iter().enumerate() {
            let apath = format!("{ipath}/area[{}]", k + 1);
            if area.area_desc.trim().is_empty() {
                out.push(Problem::new(
                    format!("{apath}/areaDesc"),
                    "areaDesc is empty",
                ));
            }
            for (j, poly) in area.polygons.iter().enumerate() {
                let ppath = format!("{apath}/polygon[{}]", j + 1);
                out.extend(
                    polygon_problems(poly)
                        .into_iter()
                        .map(|(level, m)| Problem {
                            path: ppath.clone(),
                            message: m,
                            level,
                        }),
                );
            }
            for (j, circle) in area.circles.iter().enumerate() {
                let cpath = format!("{apath}/circle[{}]", j + 1);
                out.extend(
                    circle_problems(circle)
                        .into_iter()
                        .map(|m| Problem::new(&cpath, m)),
                );
            }
            match (area.altitude_ft, area.ceiling_ft) {
                (None, Some(_)) => out.push(Problem::new(
                    format!("{apath}/ceiling"),
                    "ceiling is only allowed together with altitude",
                )),
                (Some(alt), Some(ceil)) if ceil < alt => out.push(Problem::new(
                    format!("{apath}/ceiling"),
                    format!("ceiling {ceil} is below altitude {alt}"),
                )),
                _ => {}
            }
        }
    }
    out
}

fn point_problems(p: &LatLon) -> Option<String> {
    if !(-90.0..=90.0).contains(&p.lat) || !(-180.0..=180.0).contains(&p.lon) {
        Some(format!(
            "point {},{} is outside lat -90..90, lon -180..180",
            p.lat, p.lon
        ))
    } else {
        None
    }
}

fn decimals(v: f64) -> usize {
    let s = format!("{v}");
    s.split_once('.').map_or(0, |(_, f)| f.len())
}

/// Problems with one polygon (empty when it is a valid CAP polygon that also follows practice).
pub fn polygon_problems(poly: &Polygon) -> Vec<(Level, String)> {
    let pts = &poly.0;
    let mut out = Vec::new();
    if pts.len() < 4 {
        out.push((
            Level::Error,
            format!(
                "polygon has {} points; at least 4 are required (first = last)",
                pts.len()
            ),
        ));
    }
    if let (Some(first), Some(last)) = (pts.first(), pts.last())
        && first != last
    {
        out.push((
            Level::Error,
            format!(
                "polygon is not closed: first point {},{} differs from last point {},{}",
                first.lat, first.lon, last.lat, last.lon
            ),
        ));
    }
    if pts.len() > MAX_POLYGON_VERTICES {
        out.push((
            Level::Warning,
            format!(
                "polygon has {} points; at most {MAX_POLYGON_VERTICES} are recommended",
                pts.len()
            ),
        ));
    }
    if let Some(p) = pts
        .iter()
        .find(|p| decimals(p.lat).max(decimals(p.lon)) > MAX_COORD_DECIMALS)
    {
        out.push((
            Level::Warning,
            format!(
                "coordinate {},{} has more than {MAX_COORD_DECIMALS} decimals",
                p.lat, p.lon
            ),
        ));
    }
    if let Some(m) = pts.iter().find_map(point_problems) {
        out.push((Level::Error, m));
    }
    if !out.iter().any(|(l, _)| *l == Level::Error) {
        if let Some((a, b)) = geometry::self_intersection(pts) {
            out.push((
                Level::Error,
                format!("polygon intersects itself (edges {} and {})", a + 1, b + 1),
            ));
        } else if geometry::ring_area(pts) == 0.0 {
            out.push((Level::Error, "polygon has zero area".to_string()));
        }
    }
    out
}

fn circle_problems(c: &Circle) -> Vec<String> {
    let mut out: Vec<String> = point_problems(&c.center).into_iter().collect();
    if c.radius_km < 0.0 {
        out.push(format!("circle radius {} km is negative", c.radius_km));
    }
    out
}

//! Reads CAP 1.2 and CAP 1.1 messages into an [`Alert`].

use std::str::FromStr;

use crate::error::CapError;
use crate::model::{
    Alert, Area, Certainty, Circle, Info, Polygon, Resource, ValuePair, parse_references,
};
use crate::schema::{self, CapVersion};
use crate::time::CapTime;
use crate::validate::Problem;
use roxmltree::Document;

use crate::xml_tree::{self, XNode};

/// Parses a CAP 1.2 or 1.1 message.
///
/// Malformed XML gives [`CapError::Xml`] with line and column; a root that is not a CAP alert
/// gives [`CapError::Namespace`]; schema problems (missing or misplaced elements, bad
/// enumerations, bad time formats, unparsable polygons) give [`CapError::Invalid`] with every
/// problem found. A signature, if present, is ignored here (see [`crate::verify`]).
pub fn read_alert(xml: &str) -> Result<Alert, CapError> {
    let text = xml_tree::normalize(xml);
    let doc = xml_tree::parse(&text)?;
    let version = root_version(&doc)?;
    let problems = schema::check(doc.root_element(), version);
    if !problems.is_empty() {
        return Err(CapError::Invalid(problems));
    }
    build(doc.root_element(), version).map_err(CapError::Invalid)
}

/// The CAP version of a parsed document, or a namespace error.
pub(crate) fn root_version(doc: &Document<'_>) -> Result<CapVersion, CapError> {
    let root = doc.root_element();
    schema::version_of(root).ok_or_else(|| {
        let (line, column) = xml_tree::pos(root);
        CapError::Namespace {
            name: xml_tree::qname(root).to_string(),
            namespace: xml_tree::ns(root).unwrap_or_default().to_string(),
            line,
            column,
        }
    })
}

struct Cursor<'a> {
    ns: &'a str,
    problems: Vec<Problem>,
}

impl<'a> Cursor<'a> {
    fn all<'e>(
        &self,
        e: XNode<'e>,
        name: &'a str,
    ) -> impl Iterator<Item = XNode<'e>> + use<'e, 'a> {
        let ns = self.ns;
        e.children().filter(move |c| xml_tree::is(*c, ns, name))
    }

    fn opt(&self, e: XNode<'_>, name: &'a str) -> Option<String> {
        self.all(e, name).next().map(xml_tree::text)
    }

    fn req(&self, e: XNode<'_>, name: &'a str) -> String {
        self.opt(e, name).unwrap_or_default()
    }

    fn parsed<T: FromStr<Err = String>>(
        &mut self,
        e: XNode<'_>,
        name: &'a str,
        path: &str,
    ) -> Option<T> {
        let child = self.all(e, name).next()?;
        match xml_tree::text(child).trim().parse::<T>() {
            Ok(v) => Some(v),
            Err(msg) => {
                self.problems.push(Problem::new(
                    format!("{path}/{name}"),
                    format!("{msg} {}", xml_tree::at(child)),
                ));
                None
            }
        }
    }

    fn time(&mut self, e: XNode<'_>, name: &'a str, path: &str) -> Option<CapTime> {
        let child = self.all(e, name).next()?;
        match CapTime::parse(xml_tree::text(child).trim()) {
            Ok(t) => Some(t),
            Err(msg) => {
                self.problems
                    .push(Problem::new(format!("{path}/{name}"), msg));
                None
            }
        }
    }

    fn pairs(&self, e: XNode<'_>, name: &'a str) -> Vec<ValuePair> {
        self.all(e, name)
            .map(|c| ValuePair::new(self.req(c, "valueName"), self.req(c, "value")))
            .collect()
    }

    fn enums<T: FromStr<Err = String>>(
        &mut self,
        e: XNode<'_>,
        name: &'a str,
        path: &str,
    ) -> Vec<T> {
        let mut out = Vec::new();
        let children: Vec<XNode<'_>> = self.all(e, name).collect();
        for (i, c) in children.into_iter().enumerate() {
            match xml_tree::text(c).parse::<T>() {
                Ok(v) => out.push(v),
                Err(msg) => self
                    .problems
                    .push(Problem::new(format!("{path}/{name}[{}]", i + 1), msg)),
            }
        }
        out
    }
}

fn build(root: XNode<'_>, version: CapVersion) -> Result<Alert, Vec<Problem>> {
    let ns = match version {
        CapVersion::V1_2 => crate::model::CAP12_NS,
        CapVersion::V1_1 => crate::model::CAP11_NS,
    };
    let mut c = Cursor {
        ns,
        problems: Vec::new(),
    };
    let path = "/alert";
    let sent = c.time(root, "sent", path);
    let status = c.parsed(root, "status", path);
    let msg_type = c.parsed(root, "msgType", path);
    let scope = c.parsed(root, "scope", path);
    let references = match c.opt(root, "references") {
        None => Vec::new(),
        Some(text) => parse_references(&text).unwrap_or_else(|msg| {
            c.problems.push(Problem::new("/alert/references", msg));
            Vec::new()
        }),
    };
    let info_elements: Vec<XNode<'_>> = c.all(root, "info").collect();
    let mut infos = Vec::new();
    for (i, ie) in info_elements.into_iter().enumerate() {
        let ipath = format!("/alert/info[{}]", i + 1);
        if let Some(info) = build_info(&mut c, ie, &ipath, version) {
            infos.push(info);
        }
    }
    let (Some(sent), Some(status), Some(msg_type), Some(scope)) = (sent, status, msg_type, scope)
    else {
        return Err(c.problems);
    };
    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    Ok(Alert {
        identifier: c.req(root, "identifier"),
        sender: c.req(root, "sender"),
        sent,
        status,
        msg_type,
        source: c.opt(root, "source"),
        scope,
        restriction: c.opt(root, "restriction"),
        addresses: c.opt(root, "addresses"),
        codes: c.all(root, "code").map(xml_tree::text).collect(),
        note: c.opt(root, "note"),
        references,
        incidents: c.opt(root, "incidents"),
        infos,
    })
}

fn build_info(c: &mut Cursor<'_>, e: XNode<'_>, path: &str, version: CapVersion) -> Option<Info> {
    let categories = c.enums(e, "category", path);
    let response_types = c.enums(e, "responseType", path);
    let urgency = c.parsed(e, "urgency", path);
    let severity = c.parsed(e, "severity", path);
    let certainty = match (version, c.opt(e, "certainty").as_deref()) {
        // CAP 1.1's "Very Likely" became "Likely" in CAP 1.2.
        (CapVersion::V1_1, Some("Very Likely")) => Some(Certainty::Likely),
        _ => c.parsed(e, "certainty", path),
    };
    let effective = c.time(e, "effective", path);
    let onset = c.time(e, "onset", path);
    let expires = c.time(e, "expires", path);
    let resources = c
        .all(e, "resource")
        .map(|r| Resource {
            resource_desc: c.req(r, "resourceDesc"),
            mime_type: c.req(r, "mimeType"),
            size: c
                .opt(r, "size")
                .and_then(|s| s.trim().trim_start_matches('+').parse().ok()),
            uri: c.opt(r, "uri"),
            deref_uri: c.opt(r, "derefUri"),
            digest: c.opt(r, "digest"),
        })
        .collect();
    let area_elements: Vec<XNode<'_>> = c.all(e, "area").collect();
    let mut areas = Vec::new();
    for (k, a) in area_elements.into_iter().enumerate() {
        let apath = format!("{path}/area[{}]", k + 1);
        let mut polygons = Vec::new();
        for (j, pe) in c.all(a, "polygon").enumerate() {
            match xml_tree::text(pe).parse::<Polygon>() {
                Ok(p) => polygons.push(p),
                Err(msg) => c.problems.push(Problem::new(
                    format!("{apath}/polygon[{}]", j + 1),
                    format!("{msg} {}", xml_tree::at(pe)),
                )),
            }
        }
        let mut circles = Vec::new();
        for (j, ce) in c.all(a, "circle").enumerate() {
            match xml_tree::text(ce).parse::<Circle>() {
                Ok(v) => circles.push(v),
                Err(msg) => c.problems.push(Problem::new(
                    format!("{apath}/circle[{}]", j + 1),
                    format!("{msg} {}", xml_tree::at(ce)),
                )),
            }
        }
        areas.push(Area {
            area_desc: c.req(a, "areaDesc"),
            polygons,
            circles,
            geocodes: c.pairs(a, "geocode"),
            altitude_ft: c.opt(a, "altitude").and_then(|s| s.trim().parse().ok()),
            ceiling_ft: c.opt(a, "ceiling").and_then(|s| s.trim().parse().ok()),
        });
    }
    Some(Info {
        language: c
            .opt(e, "language")
            .map_or_else(|| "en-US".to_string(), |l| l.trim().to_string()),
        categories,
        event: c.req(e, "event"),
        response_types,
        urgency: urgency?,
        severity: severity?,
        certainty: certainty?,
        audience: c.opt(e, "audience"),
        event_codes: c.pairs(e, "eventCode"),
        effective,
        onset,
        expires,
        sender_name: c.opt(e, "senderName"),
        headline: c.opt(e, "headline"),
        description: c.opt(e, "description"),
        instruction: c.opt(e, "instruction"),
        web: c.opt(e, "web").map(|w| w.trim().to_string()),
        contact: c.opt(e, "contact"),
        parameters: c.pairs(e, "parameter"),
        resources,
        areas,
    })
}

//! The rules of the CAP 1.2 XML Schema (`cap12.xsd`), checked on a parsed tree.
//!
//! The content model below is transcribed from the OASIS schema (the copy in
//! `shared/reference/cap/schema/cap12.xsd`): element names, order, occurrence and simple types.
//! Every problem found is reported, each with its element path.

use crate::model::{
    CAP11_NS, CAP12_NS, Category, Certainty, MsgType, ResponseType, Scope, Severity, Status,
    Urgency,
};
use crate::time::CapTime;
use crate::validate::Problem;
use crate::xml_tree::{self, XNode};

/// XML-DSig namespace: the only foreign elements the schema allows (at the end of `alert`).
pub(crate) const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Which CAP version a document declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapVersion {
    V1_2,
    V1_1,
}

#[derive(Clone, Copy)]
enum Simple {
    String,
    DateTime,
    Language,
    AnyUri,
    Integer,
    Decimal,
    Enum(fn(&str, CapVersion) -> Result<(), String>),
}

#[derive(Clone, Copy)]
enum Content {
    Simple(Simple),
    Complex(&'static [Particle]),
}

#[derive(Clone, Copy)]
struct Particle {
    name: &'static str,
    min: u32,
    /// `None` = unbounded.
    max: Option<u32>,
    content: Content,
}

const fn p(name: &'static str, min: u32, max: Option<u32>, content: Content) -> Particle {
    Particle {
        name,
        min,
        max,
        content,
    }
}

const ONE: Option<u32> = Some(1);
const MANY: Option<u32> = None;
const S: Content = Content::Simple(Simple::String);
const DT: Content = Content::Simple(Simple::DateTime);

fn enum_check<T: std::str::FromStr<Err = String>>(s: &str) -> Result<(), String> {
    s.parse::<T>().map(|_| ())
}

fn certainty_check(s: &str, v: CapVersion) -> Result<(), String> {
    if v == CapVersion::V1_1 && s == "Very Likely" {
        return Ok(());
    }
    enum_check::<Certainty>(s)
}

const PAIR: &[Particle] = &[p("valueName", 1, ONE, S), p("value", 1, ONE, S)];

const RESOURCE: &[Particle] = &[
    p("resourceDesc", 1, ONE, S),
    p("mimeType", 1, ONE, S),
    p("size", 0, ONE, Content::Simple(Simple::Integer)),
    p("uri", 0, ONE, Content::Simple(Simple::AnyUri)),
    p("derefUri", 0, ONE, S),
    p("digest", 0, ONE, S),
];

const AREA: &[Particle] = &[
    p("areaDesc", 1, ONE, S),
    p("polygon", 0, MANY, S),
    p("circle", 0, MANY, S),
    p("geocode", 0, MANY, Content::Complex(PAIR)),
    p("altitude", 0, ONE, Content::Simple(Simple::Decimal)),
    p("ceiling", 0, ONE, Content::Simple(Simple::Decimal)),
];

const INFO: &[Particle] = &[
    p("language", 0, ONE, Content::Simple(Simple::Language)),
    p(
        "category",
        1,
        MANY,
        Content::Simple(Simple::Enum(|s, _| enum_check::<Category>(s))),
    ),
    p("event", 1, ONE, S),
    p(
        "responseType",
        0,
        MANY,
        Content::Simple(Simple::Enum(|s, _| enum_check::<ResponseType>(s))),
    ),
    p(
        "urgency",
        1,
        ONE,
        Content::Simple(Simple::Enum(|s, _| enum_check::<Urgency>(s))),
    ),
    p(
        "severity",
        1,
        ONE,
        Content::Simple(Simple::Enum(|s, _| enum_check::<Severity>(s))),
    ),
    p(
        "certainty",
        1,
        ONE,
        Content::Simple(Simple::Enum(certainty_check)),
    ),
    p("audience", 0, ONE, S),
    p("eventCode", 0, MANY, Content::Complex(PAIR)),
    p("effective", 0, ONE, DT),
    p("onset", 0, ONE, DT),
    p("expires", 0, ONE, DT),
    p("senderName", 0, ONE, S),
    p("headline", 0, ONE, S),
    p("description", 0, ONE, S),
    p("instruction", 0, ONE, S),
    p("web", 0, ONE, Content::Simple(Simple::AnyUri)),
    p("contact", 0, ONE, S),
    p("parameter", 0, MANY, Content::Complex(PAIR)),
    p("resource", 0, MANY, Content::Complex(RESOURCE)),
    p("area", 0, MANY, Content::Complex(AREA)),
];

const ALERT: &[Particle] = &[
    p("identifier", 1, ONE, S),
    p("sender", 1, ONE, S),
    p("sent", 1, ONE, DT),
    p(
        "status",
        1,
        ONE,
        Content::Simple(Simple::Enum(|s, _| enum_check::<Status>(s))),
    ),
    p(
        "msgType",
        1,
        ONE,
        Content::Simple(Simple::Enum(|s, _| enum_check::<MsgType>(s))),
    ),
    p("source", 0, ONE, S),
    p(
        "scope",
        1,
        ONE,
        Content::Simple(Simple::Enum(|s, _| enum_check::<Scope>(s))),
    ),
    p("restriction", 0, ONE, S),
    p("addresses", 0, ONE, S),
    p("code", 0, MANY, S),
    p("note", 0, ONE, S),
    p("references", 0, ONE, S),
    p("incidents", 0, ONE, S),
    p("info", 0, MANY, Content::Complex(INFO)),
];

/// Checks that the root is a CAP alert and returns its version.
pub(crate) fn version_of(root: XNode<'_>) -> Option<CapVersion> {
    if root.tag_name().name() != "alert" {
        return None;
    }
    match xml_tree::ns(root) {
        Some(CAP12_NS) => Some(CapVersion::V1_2),
        Some(CAP11_NS) => Some(CapVersion::V1_1),
        _ => None,
    }
}

/// Checks the whole tree against the schema's content model. `root` must be a CAP alert.
pub(crate) fn check(root: XNode<'_>, version: CapVersion) -> Vec<Problem> {
    let ns = match version {
        CapVersion::V1_2 => CAP12_NS,
        CapVersion::V1_1 => CAP11_NS,
    };
    let mut problems = Vec::new();
    let ctx = Ctx { ns, version };
    ctx.complex(root, "/alert", ALERT, true, &mut problems);
    problems
}

struct Ctx {
    ns: &'static str,
    version: CapVersion,
}

fn at(e: XNode<'_>) -> String {
    xml_tree::at(e)
}

impl Ctx {
    fn check_attrs(&self, e: XNode<'_>, path: &str, problems: &mut Vec<Problem>) {
        for a in e.attributes() {
            if a.namespace() == Some(XSI_NS) {
                continue;
            }
            problems.push(Problem::new(
                path,
                format!("attribute '{}' is not allowed here {}", a.name(), at(e)),
            ));
        }
    }

    fn complex(
        &self,
        e: XNode<'_>,
        path: &str,
        particles: &[Particle],
        is_alert: bool,
        problems: &mut Vec<Problem>,
    ) {
        self.check_attrs(e, path, problems);
        for n in e.children() {
            if n.is_text()
                && let Some(t) = n.text()
                && !t.trim().is_empty()
            {
                problems.push(Problem::new(
                    path,
                    format!(
                        "text '{}' is not allowed between elements {}",
                        t.trim(),
                        at(e)
                    ),
                ));
            }
        }
        let mut idx = 0usize;
        let mut count = 0u32;
        let mut seen_dsig = false;
        let mut occurrence: std::collections::HashMap<&str, usize> = Default::default();
        for child in xml_tree::child_elements(e) {
            let child_ns = xml_tree::ns(child);
            let local = child.tag_name().name();
            let in_cap = child_ns == Some(self.ns);
            if !in_cap {
                if is_alert && child_ns == Some(DSIG_NS) {
                    seen_dsig = true;
                    continue;
                }
                problems.push(Problem::new(
                    format!("{path}/{}", xml_tree::qname(child)),
                    format!(
                        "element <{}> in namespace '{}' is not allowed here {}",
                        xml_tree::qname(child),
                        child_ns.unwrap_or(""),
                        at(child)
                    ),
                ));
                continue;
            }
            let n = occurrence
                .entry(particle_key(particles, local))
                .or_insert(0);
            *n += 1;
            let child_path = format!("{path}/{local}[{n}]");
            if seen_dsig {
                problems.push(Problem::new(
                    &child_path,
                    format!("<{local}> must come before the signature {}", at(child)),
                ));
            }
            let Some(pos) = particles.iter().position(|p| p.name == local) else {
                problems.push(Problem::new(
                    &child_path,
                    format!("<{local}> is not a CAP element allowed here {}", at(child)),
                ));
                continue;
            };
            if pos < idx {
                problems.push(Problem::new(
                    &child_path,
                    format!(
                        "<{local}> is out of schema order: it must come before <{}> {}",
                        particles[idx].name,
                        at(child)
                    ),
                ));
                continue;
            }
            if pos > idx {
                // Close the current particle and any skipped ones.
                if count < particles[idx].min {
                    self.missing(path, &particles[idx], e, problems);
                }
                for skipped in &particles[idx + 1..pos] {
                    if skipped.min > 0 {
                        self.missing(path, skipped, e, problems);
                    }
                }
                idx = pos;
                count = 0;
            }
            count += 1;
            if let Some(max) = particles[idx].max
                && count > max
            {
                problems.push(Problem::new(
                    &child_path,
                    format!(
                        "<{local}> may appear at most {max} time(s) here {}",
                        at(child)
                    ),
                ));
            }
            match particles[idx].content {
                Content::Simple(t) => self.simple(child, &child_path, t, problems),
                Content::Complex(inner) => self.complex(child, &child_path, inner, false, problems),
            }
        }
        if idx < particles.len() {
            if count < particles[idx].min {
                self.missing(path, &particles[idx], e, problems);
            }
            for rest in &particles[idx + 1..] {
                if rest.min > 0 {
                    self.missing(path, rest, e, problems);
                }
            }
        }
    }

    fn missing(
        &self,
        path: &str,
        particle: &Particle,
        parent: XNode<'_>,
        problems: &mut Vec<Problem>,
    ) {
        problems.push(Problem::new(
            format!("{path}/{}", particle.name),
            format!(
                "required element <{}> is missing in <{}> {}",
                particle.name,
                parent.tag_name().name(),
                at(parent)
            ),
        ));
    }

    fn simple(&self, e: XNode<'_>, path: &str, t: Simple, problems: &mut Vec<Problem>) {
        self.check_attrs(e, path, problems);
        let local = e.tag_name().name();
        if xml_tree::child_elements(e).next().is_some() {
            problems.push(Problem::new(
                path,
                format!("<{local}> must contain text only, not elements {}", at(e)),
            ));
            return;
        }
        let raw = xml_tree::text(e);
        let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let result = match t {
            Simple::String => Ok(()),
            Simple::Enum(check) => check(&raw, self.version),
            Simple::DateTime => CapTime::parse(&collapsed).map(|_| ()),
            Simple::Language => check_language(&collapsed),
            Simple::AnyUri => {
                if collapsed.is_empty() && !raw.is_empty() {
                    Err("empty URI".to_string())
                } else {
                    Ok(())
                }
            }
            Simple::Integer => check_integer(&collapsed),
            Simple::Decimal => check_decimal(&collapsed),
        };
        if let Err(message) = result {
            problems.push(Problem::new(
                path,
                format!("<{local}>: {message} {}", at(e)),
            ));
        }
    }
}

/// The particle name used to number repeated elements (unknown names count on their own).
fn particle_key<'a>(particles: &'a [Particle], name: &'a str) -> &'a str {
    particles
        .iter()
        .find(|p| p.name == name)
        .map_or(name, |p| p.name)
}

/// `xs:language`: `[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*`.
fn check_language(s: &str) -> Result<(), String> {
    let mut parts = s.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if first_ok && rest_ok {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not a language code (RFC 3066, e.g. en-US)"
        ))
    }
}

fn check_integer(s: &str) -> Result<(), String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("'{s}' is not an integer"))
    }
}

fn check_decimal(s: &str) -> Result<(), String> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let ok = !(int.is_empty() && frac.is_empty())
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit())
        && !body.is_empty()
        && body != ".";
    if ok {
        Ok(())
    } else {
        Err(format!("'{s}' is not a decimal number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_types() {
        assert!(check_language("en-US").is_ok());
        assert!(check_language("zh").is_ok());
        assert!(check_language("en_US").is_err());
        assert!(check_decimal("-12.5").is_ok());
        assert!(check_decimal("1e3").is_err());
        assert!(check_decimal(".").is_err());
        assert!(check_integer("42").is_ok());
        assert!(check_integer("4.2").is_err());
    }
}

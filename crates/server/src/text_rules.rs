//! The text rules of every JSON request body: a length limit per kind of field and no control
//! characters. [`check`] is applied by [`crate::extract::parse_json`], so every handler that
//! takes a `JsonBody` gets it; the kind of a string is read from its field name
//! ([`TextKind::of_field`]), so a new input struct is covered without code of its own.

use crate::error::ApiError;
use serde_json::Value;

/// What a string field holds; sets its length limit and which line breaks it may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// `username`: an account name.
    Username,
    /// `password`.
    Password,
    /// `title`, `headline`, `display_name`, `name`: a one-line label.
    Title,
    /// `body`, `description`, `instruction`, `note`, `reason`: free text.
    Text,
    /// `xml`, `toml`, `text`: a whole document pasted or uploaded (CAP XML, an exercise plan,
    /// a file uploaded with a plan).
    Document,
    /// Every other string (codes, enum values, ids, list items, object keys).
    Short,
}

impl TextKind {
    /// The kind of the string at field `name` (the last object key of its path).
    pub fn of_field(name: &str) -> TextKind {
        match name {
            "username" => TextKind::Username,
            "password" => TextKind::Password,
            "title" | "headline" | "display_name" | "name" => TextKind::Title,
            "body" | "description" | "instruction" | "note" | "reason" => TextKind::Text,
            "xml" | "toml" | "text" => TextKind::Document,
            _ => TextKind::Short,
        }
    }

    /// The longest string allowed, in characters (Unicode scalar values).
    pub fn max_chars(self) -> usize {
        match self {
            // Matches the user-creation rule (1 to 64 of a-z, 0-9, '.', '_', '-').
            TextKind::Username => 64,
            // Matches the user-creation rule; argon2's work does not depend on it, but the
            // request size does.
            TextKind::Password => 200,
            TextKind::Title => 300,
            TextKind::Text => 20_000,
            // Bounded by the 1 MiB body limit anyway.
            TextKind::Document => crate::extract::BODY_LIMIT_BYTES,
            TextKind::Short => 200,
        }
    }

    /// Whether carriage returns are allowed (documents may have CRLF line ends).
    fn allows_cr(self) -> bool {
        self == TextKind::Document
    }

    fn describe(self) -> &'static str {
        match self {
            TextKind::Username => "user names",
            TextKind::Password => "passwords",
            TextKind::Title => "titles and names",
            TextKind::Text => "free text",
            TextKind::Document => "documents",
            TextKind::Short => "short fields",
        }
    }
}

/// Whether `c` is refused in text of `kind`: C0 controls (NUL, ESC, ...) except tab and line
/// feed (and carriage return in documents), DEL, and the C1 controls U+0080..U+009F.
fn forbidden(c: char, kind: TextKind) -> bool {
    match c {
        '\t' | '\n' => false,
        '\r' => !kind.allows_cr(),
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        _ => false,
    }
}

/// One step of a path into a JSON value.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The dotted path of `steps` (`quake.gmpe`, `roles[2]`), as field names are reported.
fn path_of(steps: &[Step]) -> String {
    let mut s = String::new();
    for st in steps {
        match st {
            Step::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Checks one string against the rules of `kind`; the error names `field` and the limit.
pub fn check_str(s: &str, kind: TextKind, field: &str) -> Result<(), ApiError> {
    let max = kind.max_chars();
    // Byte length bounds the character count from above: only count when it can matter.
    if s.len() > max && s.chars().count() > max {
        return Err(ApiError::invalid(
            format!(
                "{field} is longer than {max} characters (the limit for {})",
                kind.describe()
            ),
            field,
        ));
    }
    if let Some((i, c)) = s.chars().enumerate().find(|&(_, c)| forbidden(c, kind)) {
        let allowed = if kind.allows_cr() {
            "tab, line feed and carriage return"
        } else {
            "tab and line feed"
        };
        return Err(ApiError::invalid(
            format!(
                "{field} contains the control character U+{:04X} at character {i}; only {allowed} are allowed",
                u32::from(c)
            ),
            field,
        ));
    }
    Ok(())
}

fn walk<'a>(v: &'a Value, kind: TextKind, steps: &mut Vec<Step<'a>>) -> Result<(), ApiError> {
    match v {
        Value::String(s) => check_str(s, kind, &path_of(steps)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                steps.push(Step::Index(i));
                walk(item, kind, steps)?;
                steps.pop();
            }
            Ok(())
        }
        Value::Object(map) => {
            for (k, item) in map {
                steps.push(Step::Key(k));
                check_str(k, TextKind::Short, &path_of(steps))?;
                walk(item, TextKind::of_field(k), steps)?;
                steps.pop();
            }
            Ok(())
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// Checks every string (and object key) of a request body: 422 naming the first offending
/// field and its limit.
pub fn check(body: &Value) -> Result<(), ApiError> {
    walk(body, TextKind::Short, &mut Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limits_follow_the_field_name() {
        assert!(check(&json!({"username": "a".repeat(64)})).is_ok());
        let e = check(&json!({"username": "a".repeat(65)})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("username"));
        assert!(e.error.contains("64"), "{}", e.error);
        assert!(check(&json!({"body": "é".repeat(20_000)})).is_ok());
        let e = check(&json!({"quake": {"gmpe": "x".repeat(201)}})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("quake.gmpe"));
        let e = check(&json!({"roles": ["viewer", "v".repeat(201)]})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("roles[1]"));
    }

    #[test]
    fn control_characters_are_refused_except_tab_and_newline() {
        assert!(check(&json!({"body": "line 1\n\tline 2"})).is_ok());
        for bad in [
            "a\0b",
            "a\u{1b}[2Jb",
            "a\rb",
            "a\u{7f}",
            "a\u{85}b",
            "a\u{9b}31m",
        ] {
            let e = check(&json!({"title": bad})).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("title"), "{bad:?}");
            assert_eq!(e.status, 422);
        }
        // Documents may have CRLF line ends, but no other controls.
        assert!(check(&json!({"xml": "<a>\r\n</a>"})).is_ok());
        assert!(check(&json!({"xml": "<a>\u{0}</a>"})).is_err());
        // Object keys are checked too.
        let e = check(&json!({"a\u{1b}": 1})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("a\u{1b}"));
    }
}

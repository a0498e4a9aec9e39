//! HTTP-facing settings of a running server: the public URL clients use (`--public-url`),
//! the trusted reverse proxies (`--trusted-proxy`), the login limits, and what follows from
//! them: `Secure` cookies and the absolute links of feeds and CAP alerts.

use crate::login_guard::LoginLimits;
use axum::http::{HeaderMap, header};
use std::net::IpAddr;

/// The validated public base URL: `http` or `https`, a host, an optional port and path
/// prefix, no user info, query or fragment. Held without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    base: String,
    https: bool,
}

/// Errors in a `--public-url`.
#[derive(Debug, thiserror::Error)]
pub enum PublicUrlError {
    #[error("--public-url '{0}' is not a URL: {1}")]
    Parse(String, url::ParseError),
    #[error("--public-url '{0}' must start with https:// (or http://)")]
    Scheme(String),
    #[error("--public-url '{0}' must name a host")]
    Host(String),
    #[error("--public-url '{0}' must not contain a user name, password, query or fragment")]
    Extra(String),
}

impl std::str::FromStr for PublicUrl {
    type Err = PublicUrlError;
    fn from_str(s: &str) -> Result<PublicUrl, PublicUrlError> {
        let u = url::Url::parse(s.trim()).map_err(|e| PublicUrlError::Parse(s.into(), e))?;
        let https = match u.scheme() {
            "https" => true,
            "http" => false,
            _ => return Err(PublicUrlError::Scheme(s.into())),
        };
        if u.host_str().is_none_or(str::is_empty) {
            return Err(PublicUrlError::Host(s.into()));
        }
        if !u.username().is_empty()
            || u.password().is_some()
            || u.query().is_some()
            || u.fragment().is_some()
        {
            return Err(PublicUrlError::Extra(s.into()));
        }
        let base = u.as_str().trim_end_matches('/').to_string();
        Ok(PublicUrl { base, https })
    }
}

impl PublicUrl {
    /// The base URL without a trailing slash (`https://warn.example.org/forewarn`).
    pub fn base(&self) -> &str {
        &self.base
    }
    pub fn is_https(&self) -> bool {
        self.https
    }
}

/// Settings that shape requests and responses.
#[derive(Debug, Clone, Default)]
pub struct HttpSettings {
    /// Where clients reach the server; `None`: links are built from the `Host` header (only
    /// allowed on a loopback bind, see [`crate::prepare`]).
    pub public_url: Option<PublicUrl>,
    /// Peers whose `X-Forwarded-For` / `Forwarded` headers are believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Add `Secure` to cookies: the public URL is https (without one: when the bind address
    /// is not loopback, as before).
    pub secure_cookies: bool,
    pub login: LoginLimits,
}

/// The scheme, host and path prefix of absolute links (feeds, CAP alert URLs): the public URL;
/// without one, the request's `Host` header (loopback servers only: see [`HttpSettings`]).
pub fn link_base(settings: &HttpSettings, headers: &HeaderMap) -> String {
    if let Some(u) = &settings.public_url {
        return u.base().to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_are_validated() {
        let u: PublicUrl = "https://warn.example.org/forewarn/".parse().unwrap();
        assert_eq!(u.base(), "https://warn.example.org/forewarn");
        assert!(u.is_https());
        let u: PublicUrl = "http://127.0.0.1:8080".parse().unwrap();
        assert_eq!(u.base(), "http://127.0.0.1:8080");
        assert!(!u.is_https());
        for bad in [
            "warn.example.org",
            "ftp://warn.example.org",
            "https://user:pw@warn.example.org",
            "https://warn.example.org/?x=1",
            "https://warn.example.org/#top",
            "file:///etc/passwd",
        ] {
            let e = bad.parse::<PublicUrl>().unwrap_err();
            assert!(e.to_string().contains("--public-url"), "{bad}: {e}");
        }
    }

    #[test]
    fn links_use_the_public_url_over_the_host_header() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "evil.example".parse().unwrap());
        let s = HttpSettings {
            public_url: Some("https://warn.example.org".parse().unwrap()),
            ..HttpSettings::default()
        };
        assert_eq!(link_base(&s, &h), "https://warn.example.org");
        assert_eq!(
            link_base(&HttpSettings::default(), &h),
            "http://evil.example"
        );
    }
}

//! The client's address: the TCP peer, or, when the peer is a configured trusted proxy
//! (`forewarn serve --trusted-proxy IP`), the address that proxy reports in
//! `X-Forwarded-For` (or, without it, `Forwarded`). Forwarding headers from any other peer are
//! ignored, so a client cannot choose the address its login attempts count under.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};

/// The client's address; `None` for an in-process request (no TCP peer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

/// An IP address as written in `X-Forwarded-For` or a `Forwarded` `for=` value: bare, or with a
/// port (`192.0.2.1:4711`, `[2001:db8::1]:4711`), optionally quoted. Obfuscated identifiers
/// (`unknown`, `_hidden`) give `None`.
fn parse_node(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Some(sa.ip());
    }
    s.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|r| r.parse().ok())
}

/// The hops a request went through, nearest last, from `X-Forwarded-For` (all its lines), or
/// when absent from the `for=` parameters of `Forwarded` (RFC 7239).
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let xff: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !xff.is_empty() {
        return xff
            .iter()
            .flat_map(|v| v.split(','))
            .map(parse_node)
            .collect();
    }
    headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| parse_node(v))
                    .flatten()
            })
        })
        .collect()
}

/// The client address of a request from `peer`: the peer itself unless it is one of `trusted`;
/// then the nearest hop in the forwarding headers that is not a trusted proxy (each trusted
/// proxy appends the address it received from). A hop that does not parse, or headers that
/// name only trusted proxies, leave the nearest trusted address.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.contains(ip);
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_hops(headers).into_iter().rev() {
        match hop {
            Some(ip) if is_trusted(&ip) => client = ip,
            Some(ip) => return ip,
            None => return client,
        }
    }
    client
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddr(peer.map(|p| {
            resolve(p, &parts.headers, &st.settings.trusted_proxies)
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }
    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        // No trusted proxy: the header is ignored.
        assert_eq!(resolve(ip("198.51.100.2"), &h, &[]), ip("198.51.100.2"));
        // The peer is a trusted proxy: the header names the client.
        let proxy = [ip("10.0.0.5")];
        assert_eq!(resolve(ip("10.0.0.5"), &h, &proxy), ip("203.0.113.9"));
        // A spoofed left part is skipped: the proxy appended the real address last.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9")]);
        assert_eq!(resolve(ip("10.0.0.5"), &h, &proxy), ip("203.0.113.9"));
        // Two trusted proxies in a row.
        let proxies = [ip("10.0.0.5"), ip("10.0.0.6")];
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.6")]);
        assert_eq!(resolve(ip("10.0.0.5"), &h, &proxies), ip("203.0.113.9"));
        // Garbage nearest the proxy: the proxy's own address.
        let h = headers(&[("x-forwarded-for", "203.0.113.9, junk")]);
        assert_eq!(resolve(ip("10.0.0.5"), &h, &proxy), ip("10.0.0.5"));
    }

    #[test]
    fn forwarded_header_is_read_without_x_forwarded_for() {
        let proxy = [ip("10.0.0.5")];
        let h = headers(&[(
            "forwarded",
            "for=1.2.3.4, for=\"[2001:db8::7]:4711\";proto=https",
        )]);
        assert_eq!(resolve(ip("10.0.0.5"), &h, &proxy), ip("2001:db8::7"));
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(resolve(ip("10.0.0.5"), &h, &proxy), ip("10.0.0.5"));
        let h = headers(&[("forwarded", "for=192.0.2.60:8080;by=10.0.0.5")]);
        assert_eq!(resolve(ip("10.0.0.5"), &h, &proxy), ip("192.0.2.60"));
    }
}

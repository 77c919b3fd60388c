//! `Host` and `Origin` allow-lists (DNS-rebinding and cross-origin guards).
//!
//! Host entries are `host` (any port) or `host:port`. Origin entries are
//! `scheme://host` (the scheme's default port), `scheme://host:port`, or
//! `scheme://host:*` (any port). A request without `Origin` (every non-browser
//! client) passes; a present `Origin` that matches no entry gets 403.

use http::HeaderMap;
use http::uri::Authority;

use super::resource::{is_loopback, request_authority};

/// A parsed allow-list entry or request origin.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OriginEntry {
    scheme: String,
    host: String,
    /// `None` = any port.
    port: Option<u16>,
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

fn normalize_host(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

fn parse_origin(value: &str, allow_wildcard: bool) -> Option<OriginEntry> {
    let value = value.trim();
    let (value, any_port) = match value.strip_suffix(":*") {
        Some(base) if allow_wildcard => (base, true),
        Some(_) => return None,
        None => (value, false),
    };
    let uri: http::Uri = value.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let authority = uri.authority()?;
    if uri.path() != "/" && !uri.path().is_empty() {
        return None;
    }
    let port = if any_port {
        if authority.port().is_some() {
            return None;
        }
        None
    } else {
        Some(authority.port_u16().or_else(|| default_port(&scheme))?)
    };
    Some(OriginEntry {
        host: normalize_host(authority.host()),
        scheme,
        port,
    })
}

/// Which `Origin` values may call the MCP route.
#[derive(Debug, Clone, Default)]
pub(crate) struct OriginPolicy {
    /// `None` = any origin.
    allowed: Option<Vec<OriginEntry>>,
    /// Entries that did not parse (reported by the builder).
    invalid: Vec<String>,
}

impl OriginPolicy {
    /// Any origin is allowed (no check).
    pub(crate) fn any() -> Self {
        Self {
            allowed: None,
            invalid: Vec::new(),
        }
    }

    /// The default list: the resource URL's origin (when configured) and
    /// loopback origins on any port, plus `extra`.
    pub(crate) fn with_defaults<'a>(
        resource_origin: Option<&str>,
        extra: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut list: Vec<String> = Vec::new();
        if let Some(o) = resource_origin {
            list.push(o.to_owned());
        }
        for scheme in ["http", "https"] {
            for host in ["localhost", "127.0.0.1", "[::1]"] {
                list.push(format!("{scheme}://{host}:*"));
            }
        }
        list.extend(extra.into_iter().map(str::to_owned));
        let mut allowed = Vec::with_capacity(list.len());
        let mut invalid = Vec::new();
        for raw in list {
            match parse_origin(&raw, true) {
                Some(e) => allowed.push(e),
                None => invalid.push(raw),
            }
        }
        Self {
            allowed: Some(allowed),
            invalid,
        }
    }

    /// Entries that could not be parsed.
    pub(crate) fn invalid(&self) -> &[String] {
        &self.invalid
    }

    /// Whether `origin` (an `Origin` header value) may call.
    pub(crate) fn allows(&self, origin: &[u8]) -> bool {
        let Some(allowed) = &self.allowed else {
            return true;
        };
        let Ok(origin) = std::str::from_utf8(origin) else {
            return false;
        };
        let Some(o) = parse_origin(origin, false) else {
            return false;
        };
        allowed.iter().any(|a| {
            a.scheme == o.scheme && a.host == o.host && (a.port.is_none() || a.port == o.port)
        })
    }

    /// Checks the request's `Origin` header (absent passes).
    pub(crate) fn check(&self, headers: &HeaderMap) -> bool {
        match headers.get(http::header::ORIGIN) {
            None => true,
            Some(v) => self.allows(v.as_bytes()),
        }
    }
}

/// Which `Host` values may call the MCP route.
#[derive(Debug, Clone)]
pub(crate) struct HostPolicy {
    /// `(host, port)`; an empty list allows any host.
    allowed: Vec<(String, Option<u16>)>,
}

impl HostPolicy {
    /// From entries `host` or `host:port` (the same syntax rmcp's `allowed_hosts` uses).
    pub(crate) fn new<'a>(entries: impl IntoIterator<Item = &'a str>) -> Self {
        let allowed = entries
            .into_iter()
            .filter_map(|e| {
                let e = e.trim();
                if e.is_empty() {
                    return None;
                }
                match e.parse::<http::uri::Authority>() {
                    Ok(a) => Some((normalize_host(a.host()), a.port_u16())),
                    Err(_) => Some((normalize_host(e), None)),
                }
            })
            .collect();
        Self { allowed }
    }

    /// Whether the request's `Host` is allowed.
    pub(crate) fn check(&self, headers: &HeaderMap) -> bool {
        if self.allowed.is_empty() {
            return true;
        }
        let Some(authority) = request_authority(headers) else {
            return false;
        };
        self.allows_authority(&authority)
    }

    /// Whether an already parsed (strict) `Host` is allowed.
    pub(crate) fn allows_authority(&self, authority: &Authority) -> bool {
        if self.allowed.is_empty() {
            return true;
        }
        let h = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let p = authority.port_u16();
        self.allowed
            .iter()
            .any(|(ah, ap)| ah.eq_ignore_ascii_case(h) && (ap.is_none() || *ap == p))
    }
}

/// The default host list: loopback names plus the resource URL's host.
pub(crate) fn default_hosts(resource_host: Option<&str>) -> Vec<String> {
    let mut hosts = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Some(h) = resource_host
        && !is_loopback(h)
    {
        hosts.push(normalize_host(h));
    }
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_origins_allow_resource_and_loopback() {
        let p = OriginPolicy::with_defaults(Some("https://mcp.example.com"), []);
        assert!(p.invalid().is_empty());
        assert!(p.allows(b"https://mcp.example.com"));
        assert!(p.allows(b"https://mcp.example.com:443"));
        assert!(!p.allows(b"https://mcp.example.com:8443"));
        assert!(!p.allows(b"http://mcp.example.com"));
        assert!(p.allows(b"http://localhost:6274"));
        assert!(p.allows(b"http://127.0.0.1:3000"));
        assert!(p.allows(b"http://[::1]:1"));
        assert!(!p.allows(b"https://evil.example"));
        assert!(!p.allows(b"null"));
        assert!(!p.allows(b"not a url"));
    }

    #[test]
    fn extra_origins_and_invalid_entries() {
        let p = OriginPolicy::with_defaults(None, ["https://app.example.com:*", "ftp//x"]);
        assert!(p.allows(b"https://app.example.com:9999"));
        assert_eq!(p.invalid(), ["ftp//x"]);
        assert!(OriginPolicy::any().allows(b"https://evil.example"));
    }

    #[test]
    fn hosts() {
        let p = HostPolicy::new(
            default_hosts(Some("mcp.example.com"))
                .iter()
                .map(String::as_str),
        );
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(http::header::HOST, v.parse().unwrap());
            m
        };
        assert!(p.check(&h("mcp.example.com")));
        assert!(p.check(&h("MCP.example.com:443")));
        assert!(p.check(&h("127.0.0.1:8080")));
        assert!(p.check(&h("[::1]:8080")));
        assert!(!p.check(&h("evil.example")));
        assert!(!p.check(&HeaderMap::new()));
        // a Host with userinfo or a broken port is refused, not matched by its host
        for bad in [
            "x@localhost:3000",
            "a:b@127.0.0.1",
            "localhost:",
            "localhost:99999",
        ] {
            assert!(!p.check(&h(bad)), "{bad}");
        }
        let exact = HostPolicy::new(["example.com:8080"]);
        assert!(exact.check(&h("example.com:8080")));
        assert!(!exact.check(&h("example.com:8081")));
    }
}

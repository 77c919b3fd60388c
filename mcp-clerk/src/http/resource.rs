//! The protected resource's identity: its public URL and where its metadata lives.
//!
//! With a configured resource URL (`https://mcp.example.com/mcp`) everything
//! is fixed at build time. Without one (local development) the URL is derived
//! per request from the `Host` header and the MCP path, but only when that
//! host is a loopback name (`localhost`, `127.0.0.0/8`, `::1`); any other host
//! gets no metadata, because a public deployment must say which URL clients
//! connect to (RFC 9728 §3.3: `resource` must equal that URL exactly).

use std::borrow::Cow;
use std::net::IpAddr;

use http::HeaderMap;
use http::uri::Authority;

use super::origin::HostPolicy;

/// The path of the RFC 9728 well-known document.
pub(crate) const PRM_WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// The resource URL and the metadata URL clients are pointed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// The canonical resource URL (scheme, host, port, path; no trailing slash).
    pub(crate) resource: String,
    /// `{origin}/.well-known/oauth-protected-resource{path}`.
    pub(crate) metadata_url: String,
}

impl Resolved {
    fn from_url(resource: String) -> Self {
        let (origin, path) = split_origin(&resource);
        let metadata_url = format!("{origin}{PRM_WELL_KNOWN}{path}");
        Self {
            resource,
            metadata_url,
        }
    }
}

/// Splits `scheme://authority/path` into (`scheme://authority`, `/path` or "").
pub(crate) fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => {
            let (origin, path) = url.split_at(after_scheme + i);
            (origin, if path == "/" { "" } else { path })
        }
        None => (url, ""),
    }
}

/// How the resource URL is found.
#[derive(Debug, Clone)]
pub(crate) struct ResourceInfo {
    configured: Option<Resolved>,
    mcp_path: String,
    /// Derived URLs are only for hosts the MCP route accepts.
    hosts: HostPolicy,
}

impl ResourceInfo {
    /// `configured`: the normalised resource URL from the config, if any.
    pub(crate) fn new(configured: Option<&str>, mcp_path: &str) -> Self {
        Self {
            configured: configured.map(|u| Resolved::from_url(u.to_owned())),
            mcp_path: mcp_path.to_owned(),
            hosts: HostPolicy::new([]),
        }
    }

    /// Derives URLs only for hosts `hosts` accepts (the MCP route's policy),
    /// so the metadata never names a URL the MCP route would refuse.
    pub(crate) fn with_hosts(mut self, hosts: HostPolicy) -> Self {
        self.hosts = hosts;
        self
    }

    /// The path part of the public resource URL (`/mcp`), or the MCP path
    /// when derived per request.
    pub(crate) fn public_path(&self) -> &str {
        match &self.configured {
            Some(r) => split_origin(&r.resource).1,
            None => &self.mcp_path,
        }
    }

    /// The configured resource, if any.
    pub(crate) fn configured(&self) -> Option<&Resolved> {
        self.configured.as_ref()
    }

    /// The resource for a request with these headers, or `None` when no URL is
    /// configured and the request's `Host` is not a loopback host.
    pub(crate) fn resolve(&self, headers: &HeaderMap) -> Option<Cow<'_, Resolved>> {
        if let Some(r) = &self.configured {
            return Some(Cow::Borrowed(r));
        }
        let authority = request_authority(headers)?;
        if !is_loopback(authority.host()) || !self.hosts.allows_authority(&authority) {
            return None;
        }
        let authority = authority.as_str().to_ascii_lowercase();
        Some(Cow::Owned(Resolved::from_url(format!(
            "http://{authority}{}",
            self.mcp_path
        ))))
    }
}

/// HTTP/2 carries the host in `:authority`, and some routers drop the `Host`
/// header hyper synthesises from it: restore it so every check sees one.
pub(crate) fn ensure_host(uri: &http::Uri, headers: &mut HeaderMap) {
    if headers.contains_key(http::header::HOST) {
        return;
    }
    if let Some(value) = uri
        .authority()
        .and_then(|a| http::HeaderValue::from_str(a.as_str()).ok())
    {
        headers.insert(http::header::HOST, value);
    }
}

/// The request's `Host`, strictly (RFC 9110 §7.2: `uri-host [ ":" port ]`):
/// no userinfo, and a `:` after the host introduces a valid port.
pub(crate) fn request_authority(headers: &HeaderMap) -> Option<Authority> {
    let value = headers.get(http::header::HOST)?.to_str().ok()?;
    if value.contains('@') {
        return None;
    }
    let authority: Authority = value.parse().ok()?;
    let after_host = authority.as_str().get(authority.host().len()..)?;
    if !after_host.is_empty() && authority.port_u16().is_none() {
        return None;
    }
    Some(authority)
}

/// Whether `host` (as in a `Host` header, IPv6 in brackets) is a loopback host.
pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(http::header::HOST, host.parse().unwrap());
        h
    }

    #[test]
    fn configured_resource_is_used_verbatim() {
        let info = ResourceInfo::new(Some("https://mcp.example.com/mcp"), "/other");
        let r = info.resolve(&headers("evil.example")).unwrap();
        assert_eq!(r.resource, "https://mcp.example.com/mcp");
        assert_eq!(
            r.metadata_url,
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(info.public_path(), "/mcp");
    }

    #[test]
    fn root_resource_has_root_metadata() {
        let info = ResourceInfo::new(Some("https://mcp.example.com"), "/mcp");
        let r = info.resolve(&HeaderMap::new()).unwrap();
        assert_eq!(
            r.metadata_url,
            "https://mcp.example.com/.well-known/oauth-protected-resource"
        );
        assert_eq!(info.public_path(), "");
    }

    #[test]
    fn host_is_restored_from_the_authority() {
        let uri: http::Uri = "http://127.0.0.1:8080/mcp".parse().unwrap();
        let mut h = HeaderMap::new();
        ensure_host(&uri, &mut h);
        assert_eq!(h[http::header::HOST], "127.0.0.1:8080");
        let mut h = headers("localhost:1");
        ensure_host(&uri, &mut h);
        assert_eq!(h[http::header::HOST], "localhost:1");
    }

    #[test]
    fn derived_only_for_loopback_hosts() {
        let info = ResourceInfo::new(None, "/mcp");
        for host in [
            "127.0.0.1:3000",
            "localhost:8080",
            "[::1]:9000",
            "LOCALHOST",
        ] {
            let r = info.resolve(&headers(host)).expect(host);
            assert_eq!(
                r.resource,
                format!("http://{}/mcp", host.to_ascii_lowercase())
            );
        }
        assert!(info.resolve(&headers("mcp.example.com")).is_none());
        assert!(info.resolve(&headers("10.0.0.1:80")).is_none());
        assert!(info.resolve(&HeaderMap::new()).is_none());
        // no userinfo, no empty or out-of-range port: such a Host is not echoed
        for bad in [
            "x@localhost:3000",
            "a:b@127.0.0.1:3000",
            "localhost:",
            "localhost:99999",
        ] {
            assert!(info.resolve(&headers(bad)).is_none(), "{bad}");
        }
        // and only hosts the MCP route accepts
        let info = info.with_hosts(HostPolicy::new(["localhost", "127.0.0.1"]));
        assert!(info.resolve(&headers("127.0.0.1:3000")).is_some());
        assert!(info.resolve(&headers("127.0.0.2:3000")).is_none());
    }
}

//! Parsing and validation of single settings (URLs, keys, lists, durations).

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use jsonwebtoken::DecodingKey;

use super::ConfigError;

/// Standard base64 that accepts input with or without `=` padding.
const STANDARD_ANY_PAD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Whether `host` is a loopback host (`localhost`, 127.0.0.0/8, `::1`).
pub(crate) fn is_loopback_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        url::Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

/// Validates an absolute `https://` URL (or `http://` on a loopback host) and
/// returns it normalised: lower-case scheme and host, no default port, no
/// trailing slash. Query strings, fragments and credentials are refused.
pub(crate) fn web_url(
    var: &'static str,
    value: &str,
    help: &'static str,
) -> Result<String, ConfigError> {
    let value = value.trim();
    let url = url::Url::parse(value).map_err(|e| {
        ConfigError::invalid(var, format!("`{value}` is not an absolute URL ({e})"), help)
    })?;
    let host = url
        .host()
        .ok_or_else(|| ConfigError::invalid(var, format!("`{value}` has no host"), help))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&host) => {}
        "http" => {
            return Err(ConfigError::invalid(
                var,
                format!("`{value}` uses http:// on a non-loopback host"),
                "use an https:// URL (http:// is accepted only for localhost, 127.0.0.0/8 and ::1)",
            ));
        }
        other => {
            return Err(ConfigError::invalid(
                var,
                format!("`{value}` has scheme `{other}`"),
                help,
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::invalid(
            var,
            "the URL contains credentials",
            help,
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::invalid(
            var,
            format!("`{value}` has a query or fragment"),
            help,
        ));
    }
    let mut out = url.to_string();
    while out.ends_with('/') {
        out.pop();
    }
    Ok(out)
}

/// Derives the Frontend API URL from a publishable key:
/// `pk_test_`/`pk_live_` + base64(`<host>$`) → `https://<host>`.
pub(crate) fn issuer_from_publishable_key(value: &str) -> Result<String, ConfigError> {
    const VAR: &str = "CLERK_PUBLISHABLE_KEY";
    const HELP: &str = "copy the publishable key (pk_test_… or pk_live_…) from the Clerk Dashboard → API keys, \
                        or set CLERK_FRONTEND_API_URL instead";
    let value = value.trim();
    let encoded = value
        .strip_prefix("pk_test_")
        .or_else(|| value.strip_prefix("pk_live_"))
        .ok_or_else(|| {
            ConfigError::invalid(VAR, "it does not start with pk_test_ or pk_live_", HELP)
        })?;
    let decoded = STANDARD_ANY_PAD.decode(encoded).map_err(|_| {
        ConfigError::invalid(VAR, "the part after pk_test_/pk_live_ is not base64", HELP)
    })?;
    let decoded = String::from_utf8(decoded)
        .map_err(|_| ConfigError::invalid(VAR, "the decoded key is not text", HELP))?;
    let host = decoded
        .strip_suffix('$')
        .ok_or_else(|| ConfigError::invalid(VAR, "the decoded key does not end with `$`", HELP))?;
    let valid_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
    if !valid_host {
        return Err(ConfigError::invalid(
            VAR,
            "the decoded key does not contain a host name",
            HELP,
        ));
    }
    web_url(VAR, &format!("https://{host}"), HELP)
}

/// Parses `CLERK_JWT_KEY`: an RSA public key as PEM, with or without the
/// armor lines, on one line or many, with real or escaped (`\n`) newlines.
pub(crate) fn rsa_public_key(value: &str) -> Result<DecodingKey, ConfigError> {
    const VAR: &str = "CLERK_JWT_KEY";
    const HELP: &str = "paste the PEM public key from the Clerk Dashboard → API keys → \
                        \"Show JWT public key\" (an RSA `-----BEGIN PUBLIC KEY-----` block, armor optional)";
    let text = value.replace("\\n", "\n").replace("\\r", "");
    let pkcs1 = text.contains("BEGIN RSA PUBLIC KEY");
    if text.contains("PRIVATE KEY") {
        return Err(ConfigError::invalid(VAR, "this is a private key", HELP));
    }
    let body = strip_armor(&text);
    if body.is_empty() {
        return Err(ConfigError::invalid(VAR, "the value is empty", HELP));
    }
    let der = STANDARD_ANY_PAD
        .decode(body.as_bytes())
        .map_err(|_| ConfigError::invalid(VAR, "the key body is not base64", HELP))?;
    let label = if pkcs1 {
        "RSA PUBLIC KEY"
    } else {
        "PUBLIC KEY"
    };
    let pem = armor(label, &der);
    let key = DecodingKey::from_rsa_pem(pem.as_bytes())
        .map_err(|_| ConfigError::invalid(VAR, "the value is not an RSA public key", HELP))?;
    // jsonwebtoken accepts any SPKI here (an EC key, a 1024-bit RSA key) and
    // would then refuse every token; check that the key can verify RS256.
    let usable = match key.kind() {
        // `from_rsa_pem` leaves the PKCS#1 `RSAPublicKey` DER here.
        jsonwebtoken::DecodingKeyKind::SecretOrDer(der) => {
            aws_lc_rs::signature::RsaParameters::public_modulus_len(der)
                .is_ok_and(|bits| (2048..=8192).contains(&bits))
        }
        jsonwebtoken::DecodingKeyKind::RsaModulusExponent { .. } => true,
    };
    if !usable {
        return Err(ConfigError::invalid(
            VAR,
            "the value is not an RSA public key of 2048 to 8192 bits",
            HELP,
        ));
    }
    Ok(key)
}

/// Removes `-----BEGIN …-----` / `-----END …-----` markers and all whitespace.
fn strip_armor(text: &str) -> String {
    let mut rest = text;
    let mut out = String::with_capacity(text.len());
    while let Some(start) = rest.find("-----") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 5..];
        rest = match after.find("-----") {
            Some(end) => &after[end + 5..],
            None => "",
        };
    }
    out.push_str(rest);
    out.retain(|c| !c.is_whitespace());
    out
}

fn armor(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Splits a space- or comma-separated list, dropping empty items and duplicates.
pub(crate) fn list(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in value.split(|c: char| c == ',' || c.is_whitespace()) {
        if !item.is_empty() && !out.iter().any(|o| o == item) {
            out.push(item.to_owned());
        }
    }
    out
}

/// Parses a duration: `30` (seconds), `30s`, `500ms` or `5m`.
pub(crate) fn duration(var: &'static str, value: &str) -> Result<Duration, ConfigError> {
    const HELP: &str =
        "write a whole number of seconds (`30`), or use a unit: `500ms`, `30s`, `5m`";
    let v = value.trim();
    let (digits, unit) = match v.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => v.split_at(i),
        None => (v, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| ConfigError::invalid(var, format!("`{v}` is not a duration"), HELP))?;
    match unit.trim() {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => n
            .checked_mul(60)
            .map(Duration::from_secs)
            .ok_or_else(|| ConfigError::invalid(var, format!("`{v}` is too large"), HELP)),
        _ => Err(ConfigError::invalid(
            var,
            format!("`{v}` has an unknown unit"),
            HELP,
        )),
    }
}

/// Parses a duration that must not be zero (a timeout or an idle time).
pub(crate) fn positive_duration(var: &'static str, value: &str) -> Result<Duration, ConfigError> {
    let d = duration(var, value)?;
    if d.is_zero() {
        return Err(ConfigError::invalid(
            var,
            "a zero duration would end everything at once".to_owned(),
            "give a duration such as 10s",
        ));
    }
    Ok(d)
}

/// Parses a count that must be at least 1 (a cap); `help` gives an example.
pub(crate) fn positive_count(
    var: &'static str,
    value: &str,
    help: &'static str,
) -> Result<usize, ConfigError> {
    value
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            ConfigError::invalid(
                var,
                format!("`{value}` is not a positive whole number"),
                help,
            )
        })
}

/// Parses a boolean: `true/false`, `1/0`, `yes/no`, `on/off`.
pub(crate) fn boolean(var: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        other => Err(ConfigError::invalid(
            var,
            format!("`{other}` is not a boolean"),
            "use true or false",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_normalised_and_http_is_loopback_only() {
        let h = "help";
        assert_eq!(
            web_url("V", "https://Clerk.Example.com/", h).unwrap(),
            "https://clerk.example.com"
        );
        assert_eq!(
            web_url("V", "https://x.dev:443/mcp/", h).unwrap(),
            "https://x.dev/mcp"
        );
        assert_eq!(
            web_url("V", "http://127.0.0.7:3000", h).unwrap(),
            "http://127.0.0.7:3000"
        );
        assert_eq!(
            web_url("V", "http://[::1]:3000/mcp", h).unwrap(),
            "http://[::1]:3000/mcp"
        );
        assert_eq!(
            web_url("V", "http://localhost:3000", h).unwrap(),
            "http://localhost:3000"
        );
        assert!(web_url("V", "http://example.com", h).is_err());
        assert!(web_url("V", "http://128.0.0.1", h).is_err());
        assert!(web_url("V", "ftp://example.com", h).is_err());
        assert!(web_url("V", "https://u:p@example.com", h).is_err());
        assert!(web_url("V", "https://example.com/#x", h).is_err());
        assert!(web_url("V", "example.com", h).is_err());
    }

    #[test]
    fn lists_split_on_commas_and_spaces() {
        assert_eq!(list(" a, b  c,,a "), ["a", "b", "c"]);
        assert!(list(" , ").is_empty());
    }

    #[test]
    fn durations() {
        assert_eq!(duration("V", "30").unwrap(), Duration::from_secs(30));
        assert_eq!(duration("V", "250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(duration("V", "5m").unwrap(), Duration::from_secs(300));
        assert!(duration("V", "5h").is_err());
        assert!(duration("V", "-1").is_err());
        assert!(duration("V", "").is_err());
    }
}

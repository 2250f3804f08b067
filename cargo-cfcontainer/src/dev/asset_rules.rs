//! What the simulator's readers of the assets' `_redirects` and `_headers`
//! share (workers-shared's configuration utilities, in Node.js, which dev
//! does not run): JavaScript's idea of whitespace and line length, its
//! `validateUrl` for the paths and URLs a rule names, and the skipped
//! lines it reports.

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Longer lines are skipped (counted in UTF-16 units, as JavaScript does).
pub const MAX_LINE_LENGTH: usize = 2000;

/// A line the simulator leaves out, and why.
#[derive(Debug, PartialEq)]
pub struct Skipped {
    /// The line's number (from 1), where the simulator names one.
    pub number: Option<usize>,
    /// The line's text, where the simulator shows it.
    pub text: Option<String>,
    /// The simulator's message.
    pub message: String,
}

impl Skipped {
    /// A skipped line named by its number and text.
    pub fn line(number: usize, text: &str, message: String) -> Skipped {
        Skipped { number: Some(number), text: Some(text.to_string()), message }
    }

    /// A message about the file rather than one line.
    pub fn file(message: String) -> Skipped {
        Skipped { number: None, text: None, message }
    }
}

/// JavaScript's `\s` (and `trim`): Unicode spaces and line ends, and the
/// byte order mark, but not U+0085.
pub fn is_js_space(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'
}

/// Whether `line` is longer than the simulator takes.
pub fn too_long(line: &str) -> bool {
    line.encode_utf16().count() > MAX_LINE_LENGTH
}

/// How `validateUrl` is asked to read a token.
#[derive(Debug, Clone, Copy, Default)]
pub struct UrlRules {
    /// Absolute URLs are refused; a leading `/` is added when missing.
    pub only_relative: bool,
    /// An absolute URL naming a port is refused.
    pub disallow_ports: bool,
    /// The query and fragment are kept.
    pub with_rest: bool,
}

/// workers-shared's `validateUrl`: `token` as a normalised path, or an
/// `https://` URL (its host as written, its path normalised); the
/// simulator's message when it refuses it.
pub fn validate_url(token: &str, rules: UrlRules) -> Result<String, String> {
    let unparsable = |token: &str| format!("Error parsing URL segment {token}. Skipping.");
    if let Some((host, path)) = host_and_path(token) {
        if rules.only_relative {
            return Err(format!("Only relative URLs are allowed. Skipping absolute URL {token}."));
        }
        if rules.disallow_ports && has_port(host) {
            return Err(format!("Specifying ports is not supported. Skipping absolute URL {token}."));
        }
        let path = url_path(path, rules.with_rest).ok_or_else(|| unparsable(token))?;
        return Ok(format!("https://{host}{path}"));
    }
    let token = if rules.only_relative && !token.starts_with('/') { format!("/{token}") } else { token.to_string() };
    if token.starts_with('/') {
        return url_path(&token, rules.with_rest).ok_or_else(|| unparsable(&token));
    }
    Err(if rules.only_relative {
        "URLs should begin with a forward-slash.".into()
    } else {
        "URLs should either be relative (e.g. begin with a forward-slash), or use HTTPS (e.g. begin with \"https://\")."
            .into()
    })
}

/// An `https://` URL's host and the rest (after one optional `/`).
pub fn host_and_path(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("https:/")?;
    let rest = rest.trim_start_matches('/');
    if token.len() - rest.len() < "https://".len() {
        return None;
    }
    let end = rest.find('/').unwrap_or(rest.len());
    if end == 0 {
        return None;
    }
    let (host, path) = rest.split_at(end);
    // `(?<path>.*)`: JavaScript's `.` stops at a line end.
    let path = path.split(['\r', '\u{2028}', '\u{2029}']).next().unwrap_or_default();
    Some((host, path.strip_prefix('/').unwrap_or(path)))
}

/// `.*:\d+$`: the host names a port.
fn has_port(host: &str) -> bool {
    host.rsplit_once(':').is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
}

/// workers-shared's `extractPathname`: the path (and with `with_rest` the
/// query and fragment) of `//<path>` against `relative://`, as the URL
/// standard parses it (dot segments resolved, characters percent-encoded).
fn url_path(path: &str, with_rest: bool) -> Option<String> {
    let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
    let base = url::Url::parse("relative://").ok()?;
    let url = base.join(&format!("//{path}")).ok()?;
    let mut out = url.path().to_string();
    if with_rest {
        // As JavaScript's `search` and `hash`: nothing for an empty one.
        for (mark, part) in [('?', url.query()), ('#', url.fragment())] {
            if let Some(part) = part.filter(|p| !p.is_empty()) {
                out.push(mark);
                out.push_str(part);
            }
        }
    }
    Some(out)
}

/// Serialises `(key, value)` pairs as one JSON object in their order (as a
/// JavaScript object keeps its keys), where the asset worker's outcome
/// depends on that order.
pub fn in_order<S: Serializer, V: Serialize>(entries: &[(String, V)], serializer: S) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(entries.len()))?;
    for (key, value) in entries {
        map.serialize_entry(key, value)?;
    }
    map.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_and_absolute_urls_refused_as_the_options_ask() {
        let relative = UrlRules { only_relative: true, ..UrlRules::default() };
        assert_eq!(validate_url("a/../b c", relative).as_deref(), Ok("/b%20c"));
        assert_eq!(
            validate_url("https://example.com/x", relative),
            Err("Only relative URLs are allowed. Skipping absolute URL https://example.com/x.".into())
        );
        let no_ports = UrlRules { disallow_ports: true, ..UrlRules::default() };
        assert_eq!(validate_url("https://example.com/./a/", no_ports).as_deref(), Ok("https://example.com/a/"));
        assert_eq!(
            validate_url("https://example.com:8443/a", no_ports),
            Err("Specifying ports is not supported. Skipping absolute URL https://example.com:8443/a.".into())
        );
        let with_rest = UrlRules { with_rest: true, ..UrlRules::default() };
        assert_eq!(validate_url("/a?q=1#top", with_rest).as_deref(), Ok("/a?q=1#top"));
        assert_eq!(validate_url("/a?q=1#top", UrlRules::default()).as_deref(), Ok("/a"));
        assert!(validate_url("http://example.com/a", UrlRules::default())
            .unwrap_err()
            .starts_with("URLs should either"));
        // The simulator's pattern takes the path up to a line end only.
        assert_eq!(validate_url("https://example.com/a\rb", no_ports).as_deref(), Ok("https://example.com/a"));
        assert_eq!(validate_url("https://example.com/a\u{2028}b", no_ports).as_deref(), Ok("https://example.com/a"));
    }
}

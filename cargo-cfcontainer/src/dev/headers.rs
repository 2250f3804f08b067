//! The static assets' `_headers`, read as the official simulator reads it
//! (workers-shared's `parseHeaders`, then `constructHeaders`) into the
//! asset worker's `headers` config. A line that begins with `/` or
//! `scheme://` opens a rule for that path (normalised as a URL path; an
//! absolute URL must be `https://` without a port); `Name: value` lines
//! below it set a header (the name lowercased, a repeated name's values
//! joined with `, `) and `! Name` lines remove one. The asset worker
//! applies every rule that matches in the file's order, so a later rule's
//! `! Name` removes what an earlier one set: the rules keep that order.
//! About 100 rules are read; lines the simulator skips are reported in its
//! words.

use serde::Serialize;

use super::asset_rules::{in_order, is_js_space, too_long, validate_url, Skipped, UrlRules, MAX_LINE_LENGTH};

/// Rules read before the rest of the file is skipped (the check runs as
/// a path line opens a rule, on the rules closed so far, so one more is
/// kept, as in the simulator).
const MAX_RULES: usize = 100;

/// The asset worker's `headers`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headers {
    version: u8,
    /// In the file's order; a path given twice keeps its first place and
    /// its last headers.
    #[serde(serialize_with = "in_order")]
    rules: Vec<(String, Rule)>,
}

/// The headers one path pattern sets and removes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
struct Rule {
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "in_order")]
    set: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unset: Vec<String>,
}

impl Rule {
    fn is_empty(&self) -> bool {
        self.set.is_empty() && self.unset.is_empty()
    }

    /// Sets `name` (lowercased), after its earlier values if it has any.
    fn set(&mut self, name: String, value: &str) {
        match self.set.iter_mut().find(|(n, _)| *n == name) {
            Some((_, earlier)) => *earlier = format!("{earlier}, {value}"),
            None => self.set.push((name, value.to_string())),
        }
    }
}

/// The rule being read: its path, the line that opened it, its headers.
struct Open {
    path: String,
    text: String,
    rule: Rule,
}

/// What a `_headers` file gives.
#[derive(Debug, PartialEq)]
pub struct Parsed {
    /// The rules; `None` without any valid one.
    pub headers: Option<Headers>,
    /// The lines left out.
    pub skipped: Vec<Skipped>,
}

/// Reads `text` as the simulator does.
pub fn parse(text: &str) -> Parsed {
    let (rules, skipped) = rules(text);
    if rules.is_empty() {
        return Parsed { headers: None, skipped };
    }
    let mut kept: Vec<(String, Rule)> = Vec::new();
    for (path, rule) in rules {
        match kept.iter_mut().find(|(p, _)| *p == path) {
            Some((_, earlier)) => *earlier = rule,
            None => kept.push((path, rule)),
        }
    }
    Parsed { headers: Some(Headers { version: 2, rules: kept }), skipped }
}

/// The rules in the file's order and the skipped lines (workers-shared's
/// `parseHeaders`).
fn rules(text: &str) -> (Vec<(String, Rule)>, Vec<Skipped>) {
    let all: Vec<&str> = text.split('\n').collect();
    let mut rules: Vec<(String, Rule)> = Vec::new();
    let mut skipped = Vec::new();
    let mut open: Option<Open> = None;
    for (i, raw) in all.iter().enumerate() {
        let number = i + 1;
        let line = raw.trim_matches(is_js_space);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let skip = |message: &str| Skipped::line(number, line, message.to_string());
        if too_long(line) {
            let message =
                format!("Ignoring line {number} as it exceeds the maximum allowed length of {MAX_LINE_LENGTH}.");
            skipped.push(Skipped::file(message));
            continue;
        }
        if is_path(line) {
            if rules.len() >= MAX_RULES {
                let message = format!(
                    "Maximum number of rules supported is {MAX_RULES}. Skipping remaining {} lines of file.",
                    all.len() - i
                );
                skipped.push(Skipped::file(message));
                break;
            }
            match open.take() {
                // Named by the line that opens the next rule, as the
                // simulator names it.
                Some(done) if done.rule.is_empty() => {
                    skipped.push(Skipped::line(number, &done.text, "No headers specified".into()))
                }
                Some(done) => rules.push((done.path, done.rule)),
                None => {}
            }
            match validate_url(line, UrlRules { disallow_ports: true, ..UrlRules::default() }) {
                Ok(path) => open = Some(Open { path, text: line.to_string(), rule: Rule::default() }),
                Err(message) => skipped.push(skip(&message)),
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            match (&mut open, line.strip_prefix("! ")) {
                (None, _) => skipped.push(skip("Expected a path beginning with at least one forward-slash")),
                (Some(open), Some(name)) => open.rule.unset.push(name.to_string()),
                (Some(_), None) => skipped.push(skip("Expected a colon-separated header pair (e.g. name: value)")),
            }
            continue;
        };
        let (name, value) = (name.trim_matches(is_js_space).to_lowercase(), value.trim_matches(is_js_space));
        if name.contains(' ') {
            skipped.push(skip("Header name cannot include spaces"));
        } else if name.is_empty() {
            skipped.push(skip("No header name specified"));
        } else if value.is_empty() {
            skipped.push(skip("No header value specified"));
        } else if let Some(open) = &mut open {
            open.rule.set(name, value);
        } else {
            skipped.push(skip(&format!("Path should come before header ({name}: {value})")));
        }
    }
    match open {
        Some(done) if done.rule.is_empty() => {
            skipped.push(Skipped { number: None, text: Some(done.text), message: "No headers specified".into() })
        }
        Some(done) => rules.push((done.path, done.rule)),
        None => {}
    }
    (rules, skipped)
}

/// `^([^\s]+:\/\/|^\/)`: a path, or something before `://` without spaces.
fn is_path(line: &str) -> bool {
    line.starts_with('/') || line.match_indices("://").any(|(at, _)| at > 0 && !line[..at].contains(is_js_space))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Each skipped line's number (0 when unnamed) and message.
    fn skipped(text: &str) -> Vec<(usize, String)> {
        parse(text).skipped.into_iter().map(|s| (s.number.unwrap_or(0), s.message)).collect()
    }

    #[test]
    fn headers_are_read_as_the_official_simulator_reads_them() {
        let text = "# site-wide\n/*\n  X-Frame-Options: DENY\n  Link: </a.css>\n  Link: </b.js>\n/api/*\n  ! X-Frame-Options\n/empty\nno colon here\n";
        let parsed = parse(text);
        assert_eq!(
            serde_json::to_value(parsed.headers.unwrap()).unwrap(),
            json!({ "version": 2, "rules": {
                "/*": { "set": { "x-frame-options": "DENY", "link": "</a.css>, </b.js>" } },
                "/api/*": { "unset": ["X-Frame-Options"] },
            } })
        );
        assert_eq!(parse("# nothing\n").headers, None);
    }

    #[test]
    fn the_rules_keep_the_files_order_and_a_path_given_twice_keeps_its_first_place_and_last_headers() {
        // The asset worker applies matching rules in this order. Sorted by
        // path, `/*` would come first and `/secret`'s `!` would then remove
        // the header `/*` sets; in the file's order `/*` sets it afterwards.
        let text = "/secret\n  X-Zone: first\n/*\n  X-Robots-Tag: noindex\n  X-Area: all\n/secret\n  ! X-Robots-Tag\n  X-Zone: secret\n";
        let rules = serde_json::to_string(&parse(text).headers.unwrap()).unwrap();
        let expected = r#"{"version":2,"rules":{"/secret":{"set":{"x-zone":"secret"},"unset":["X-Robots-Tag"]},"/*":{"set":{"x-robots-tag":"noindex","x-area":"all"}}}}"#;
        assert_eq!(rules, expected);
    }

    #[test]
    fn paths_are_normalised_and_absolute_urls_need_https_without_a_port() {
        let text = "/a/./b/../c d\n  X: 1\nhttps://example.com//x\n  X: 2\nhttps://example.com:8443/y\n  X: 3\nhttp://example.com/z\n  X: 4\n";
        let parsed = parse(text);
        let rules = serde_json::to_value(parsed.headers.unwrap()).unwrap();
        assert_eq!(
            rules["rules"].as_object().unwrap().keys().collect::<Vec<_>>(),
            ["/a/c%20d", "https://example.com/x"]
        );
        assert_eq!(
            parsed.skipped.iter().map(|s| (s.number, s.message.as_str())).collect::<Vec<_>>(),
            [
                (Some(5), "Specifying ports is not supported. Skipping absolute URL https://example.com:8443/y."),
                (Some(6), "Path should come before header (x: 3)"),
                (Some(7), "URLs should either be relative (e.g. begin with a forward-slash), or use HTTPS (e.g. begin with \"https://\")."),
                (Some(8), "Path should come before header (x: 4)"),
            ]
        );
    }

    #[test]
    fn malformed_lines_are_skipped_in_the_simulators_words() {
        let text = "X-Early: 1\n/a\n  Bad Name: 1\n  : nameless\n  X-Empty:\n  just words\n/b\n/c\n  X: ok\nloose\n";
        assert_eq!(
            skipped(text),
            [
                (1, "Path should come before header (x-early: 1)".to_string()),
                (3, "Header name cannot include spaces".to_string()),
                (4, "No header name specified".to_string()),
                (5, "No header value specified".to_string()),
                (6, "Expected a colon-separated header pair (e.g. name: value)".to_string()),
                (7, "No headers specified".to_string()),
                (8, "No headers specified".to_string()),
                (10, "Expected a colon-separated header pair (e.g. name: value)".to_string()),
            ]
        );
    }

    #[test]
    fn a_hundred_and_one_rules_are_read_and_the_rest_of_the_file_is_skipped() {
        let text: String = (0..105).map(|i| format!("/p{i}\n  X: {i}\n")).collect();
        let parsed = parse(&text);
        let rules = serde_json::to_value(parsed.headers.unwrap()).unwrap();
        assert_eq!(rules["rules"].as_object().unwrap().len(), 101);
        assert_eq!(
            skipped(&text),
            [(0, "Maximum number of rules supported is 100. Skipping remaining 9 lines of file.".to_string())]
        );
    }
}

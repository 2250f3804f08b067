//! The static assets' `_redirects`, read as the official simulator reads
//! it (in Node.js, which dev does not run: workers-shared's
//! `parseRedirects`, then `constructRedirects`) into the asset worker's
//! `redirects` config, which then applies them as it does under `wrangler
//! dev`. A line is `from to [status]`; `from` is a path, with `*` (the
//! splat) and `:name` placeholders that `to` may repeat; `to` is a path or
//! an `https://` URL; the status is 301, 302 (the default), 303, 307, 308
//! or 200 (served from `to` without a redirect). Rules without splat or
//! placeholder, above the first that has one, are looked up by path
//! (2,000 at most); the others are tried in order (100 at most). Lines
//! the simulator skips are reported with its own words.

use std::collections::BTreeMap;

use cfcontainer_meta::wrangler::HtmlHandling;
use serde::Serialize;

use super::asset_rules::{
    host_and_path, in_order, is_js_space, too_long, validate_url, Skipped, UrlRules, MAX_LINE_LENGTH,
};
/// Rules looked up by path.
const MAX_STATIC_RULES: usize = 2000;
/// Rules with a splat or a placeholder (or below one).
const MAX_DYNAMIC_RULES: usize = 100;
const STATUSES: [u16; 6] = [200, 301, 302, 303, 307, 308];
const LOOP: &str = "Infinite loop detected in this rule and has been ignored. This will cause a redirect to strip `.html` or `/index` and end up triggering this rule again. Please fix or remove this rule to silence this warning.";

/// The asset worker's `redirects`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Redirects {
    version: u8,
    #[serde(rename = "staticRules")]
    static_rules: BTreeMap<String, StaticRule>,
    /// In the file's order: the first match wins.
    #[serde(serialize_with = "in_order")]
    rules: Vec<(String, Rule)>,
}

/// A rule looked up by its exact path; of two that match (with and
/// without host), the earlier line wins.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct StaticRule {
    status: u16,
    to: String,
    #[serde(rename = "lineNumber")]
    line_number: usize,
}

/// A rule matched as a pattern.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Rule {
    status: u16,
    to: String,
}

/// What a `_redirects` file gives.
#[derive(Debug, PartialEq)]
pub struct Parsed {
    /// The rules; `None` without any valid one.
    pub redirects: Option<Redirects>,
    /// The lines left out.
    pub skipped: Vec<Skipped>,
    /// Rules that work but would be faster higher up (the simulator's
    /// advice, as it gives it).
    pub advice: Vec<String>,
}

/// One valid line.
struct Line {
    from: String,
    to: String,
    status: u16,
    number: usize,
}

/// Reads `text` as the simulator does for assets with `html_handling`.
pub fn parse(text: &str, html_handling: Option<HtmlHandling>) -> Parsed {
    let (lines, skipped) = lines(text, html_handling);
    let mut advice = Vec::new();
    if lines.is_empty() {
        return Parsed { redirects: None, skipped, advice };
    }
    let mut redirects = Redirects { version: 1, static_rules: BTreeMap::new(), rules: Vec::new() };
    let mut static_allowed = true;
    for line in lines {
        if !is_dynamic(&line.from) {
            if static_allowed {
                let rule = StaticRule { status: line.status, to: line.to, line_number: line.number };
                redirects.static_rules.insert(line.from, rule);
                continue;
            }
            advice.push(format!(
                "The redirect rule {} \u{2192} {} {} could be made more performant by bringing it above any lines with splats or placeholders.",
                line.from, line.status, line.to
            ));
        }
        redirects.rules.push((line.from, Rule { status: line.status, to: line.to }));
        static_allowed = false;
    }
    Parsed { redirects: Some(redirects), skipped, advice }
}

/// The valid lines and the skipped ones (workers-shared's `parseRedirects`).
fn lines(text: &str, html_handling: Option<HtmlHandling>) -> (Vec<Line>, Vec<Skipped>) {
    let all: Vec<&str> = text.split('\n').collect();
    let mut valid: Vec<Line> = Vec::new();
    let mut skipped = Vec::new();
    let (mut statics, mut dynamics, mut static_allowed) = (0, 0, true);
    for (i, raw) in all.iter().enumerate() {
        let number = i + 1;
        let line = raw.trim_matches(is_js_space);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let skip = |message: String| Skipped::line(number, line, message);
        if too_long(line) {
            let message =
                format!("Ignoring line {number} as it exceeds the maximum allowed length of {MAX_LINE_LENGTH}.");
            skipped.push(Skipped::file(message));
            continue;
        }
        let tokens: Vec<&str> = without_comment(line).split(is_js_space).filter(|t| !t.is_empty()).collect();
        if !(2..=3).contains(&tokens.len()) {
            skipped.push(skip(format!("Expected exactly 2 or 3 whitespace-separated tokens. Got {}.", tokens.len())));
            continue;
        }
        let from = match validate_url(tokens[0], UrlRules { only_relative: true, ..UrlRules::default() }) {
            Ok(from) => from,
            Err(message) => {
                skipped.push(skip(message));
                continue;
            }
        };
        if static_allowed && !is_dynamic(&from) {
            statics += 1;
            if statics > MAX_STATIC_RULES {
                let message = format!("Maximum number of static rules supported is {MAX_STATIC_RULES}. Skipping line.");
                skipped.push(Skipped::file(message));
                continue;
            }
        } else {
            dynamics += 1;
            static_allowed = false;
            if dynamics > MAX_DYNAMIC_RULES {
                let message = format!(
                    "Maximum number of dynamic rules supported is {MAX_DYNAMIC_RULES}. Skipping remaining {} lines of file.",
                    all.len() - i
                );
                skipped.push(Skipped::file(message));
                break;
            }
        }
        let to = match validate_url(tokens[1], UrlRules { with_rest: true, ..UrlRules::default() }) {
            Ok(to) => to,
            Err(message) => {
                skipped.push(skip(message));
                continue;
            }
        };
        let written_status = tokens.get(2).copied().unwrap_or("302");
        let Some(status) = status(written_status) else {
            skipped.push(skip(format!(
                "Valid status codes are 200, 301, 302 (default), 303, 307, or 308. Got {written_status}."
            )));
            continue;
        };
        let relative = host_and_path(&to).is_none();
        let any_to_index = from.ends_with("/*") && ends_with_index(&to);
        let root_to_index = from.ends_with('/') && ends_with_index(&to) && html_handling != Some(HtmlHandling::None);
        if relative && (any_to_index || root_to_index) {
            skipped.push(skip(LOOP.to_string()));
            continue;
        }
        if valid.iter().any(|l| l.from == from) {
            skipped.push(skip(format!("Ignoring duplicate rule for path {from}.")));
            continue;
        }
        if status == 200 && !relative {
            skipped.push(skip(format!("Proxy (200) redirects can only point to relative paths. Got {to}")));
            continue;
        }
        valid.push(Line { from, to, status, number });
    }
    (valid, skipped)
}

/// The line without a trailing comment (`\s+#.*$`: spaces, then `#` and
/// the rest, where the rest holds no line end).
fn without_comment(line: &str) -> &str {
    let line_end = |c: char| matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
    for (start, _) in line.char_indices().filter(|&(_, c)| is_js_space(c)) {
        let rest = line[start..].trim_start_matches(is_js_space);
        if rest.strip_prefix('#').is_some_and(|comment| !comment.contains(line_end)) {
            return &line[..start];
        }
    }
    line
}

/// A splat (`*`) or a placeholder (`:` and a letter) makes a rule a pattern.
fn is_dynamic(from: &str) -> bool {
    from.contains('*') || from.as_bytes().windows(2).any(|w| w[0] == b':' && w[1].is_ascii_alphabetic())
}

/// `/index` or `/index.html` at the end (any one character for the dot,
/// as the simulator's pattern has it unescaped).
fn ends_with_index(to: &str) -> bool {
    let b = to.as_bytes();
    to.ends_with("/index") || (b.len() >= 11 && b.ends_with(b"html") && b[..b.len() - 5].ends_with(b"/index"))
}

/// The status a token gives, read as JavaScript's `Number()` does
/// (`301.0` and `0x12d` are 301 too), if it is one of the permitted.
fn status(token: &str) -> Option<u16> {
    let value = js_number(token)?;
    STATUSES.into_iter().find(|&s| f64::from(s) == value)
}

/// JavaScript's `Number()` of a token without spaces; `None` for `NaN`.
fn js_number(token: &str) -> Option<f64> {
    if token.is_empty() {
        return Some(0.0);
    }
    for (prefix, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] {
        if let Some(digits) = token.strip_prefix(prefix) {
            if digits.is_empty() {
                return None;
            }
            return digits.chars().try_fold(0.0, |n, c| c.to_digit(radix).map(|d| n * f64::from(radix) + f64::from(d)));
        }
    }
    let unsigned = token.strip_prefix(['+', '-']).unwrap_or(token);
    if unsigned == "Infinity" {
        return Some(if token.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY });
    }
    // Rust's float syntax is JavaScript's decimal one, but for its words
    // (`inf`, `nan`), which only letters other than `e` spell.
    let decimal = unsigned.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if decimal {
        token.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A valid line: `(from, to, status, line number)`.
    type Valid = (String, String, u16, usize);

    /// Each valid line, and each skipped line's number (0 when unnamed)
    /// and message: the simulator's `parseRedirects` result.
    fn read(text: &str, html_handling: Option<HtmlHandling>) -> (Vec<Valid>, Vec<(usize, String)>) {
        let (valid, skipped) = lines(text, html_handling);
        let valid = valid.into_iter().map(|l| (l.from, l.to, l.status, l.number)).collect();
        let skipped = skipped.into_iter().map(|s| (s.number.unwrap_or(0), s.message)).collect();
        (valid, skipped)
    }

    fn rule(from: &str, to: &str, status: u16, line: usize) -> Valid {
        (from.to_string(), to.to_string(), status, line)
    }

    // The cases below are the official simulator's own test cases
    // (workers-shared's parseRedirects tests), with its answers.

    #[test]
    fn blank_lines_comments_and_surrounding_spaces_are_ignored_and_302_is_the_default() {
        let (valid, skipped) =
            read("\n  # This is a comment\n  /a /b 301\n  /c /d\n  /e /f 302 # trailing note\n", None);
        assert_eq!(valid, [rule("/a", "/b", 301, 3), rule("/c", "/d", 302, 4), rule("/e", "/f", 302, 5)]);
        assert!(skipped.is_empty());
    }

    #[test]
    fn a_line_needs_two_or_three_tokens_and_a_permitted_status() {
        let text =
            "\n    # Single token\n    /c\n    # Four tokens\n    /d /e 302 !important\n    /a /b 301\n    /c /d 418\n";
        let (valid, skipped) = read(text, None);
        assert_eq!(valid, [rule("/a", "/b", 301, 6)]);
        assert_eq!(
            skipped,
            [
                (3, "Expected exactly 2 or 3 whitespace-separated tokens. Got 1.".to_string()),
                (5, "Expected exactly 2 or 3 whitespace-separated tokens. Got 4.".to_string()),
                (7, "Valid status codes are 200, 301, 302 (default), 303, 307, or 308. Got 418.".to_string()),
            ]
        );
    }

    #[test]
    fn a_status_is_read_as_a_javascript_number() {
        let (valid, skipped) = read("/a /b 301.0\n/c /d 0x12D\n/e /f 30x\n/g /h 3.01e2\n", None);
        assert_eq!(valid, [rule("/a", "/b", 301, 1), rule("/c", "/d", 301, 2), rule("/g", "/h", 301, 4)]);
        assert_eq!(skipped.len(), 1);
    }

    #[test]
    fn a_second_rule_for_one_path_is_ignored() {
        let (valid, skipped) = read("\n    /a /b\n    /b /a\n    /a /c\n", None);
        assert_eq!(valid, [rule("/a", "/b", 302, 2), rule("/b", "/a", 302, 3)]);
        assert_eq!(skipped, [(4, "Ignoring duplicate rule for path /a.".to_string())]);
    }

    #[test]
    fn urls_are_normalised_and_from_must_be_relative() {
        let text = "\n  /some page /somewhere else\n  /some%20page /somewhere%20else\n  /://so;`me /nons:/&@%+~{}ense\n  https://yeah.com https://nah.com\n  /nah https://yeah.com\n  yeah.com https://nah.com\n  /c?this=rejected /d 301\n  /x/../y /z/./w\n";
        let (valid, skipped) = read(text, None);
        assert_eq!(
            valid,
            [
                rule("/some%20page", "/somewhere%20else", 302, 3),
                rule("/://so;%60me", "/nons:/&@%+~%7B%7Dense", 302, 4),
                rule("/nah", "https://yeah.com/", 302, 6),
                rule("/yeah.com", "https://nah.com/", 302, 7),
                rule("/c", "/d", 301, 8),
                rule("/y", "/z/w", 302, 9),
            ]
        );
        assert_eq!(
            skipped,
            [
                (2, "Expected exactly 2 or 3 whitespace-separated tokens. Got 4.".to_string()),
                (5, "Only relative URLs are allowed. Skipping absolute URL https://yeah.com.".to_string()),
            ]
        );
    }

    #[test]
    fn a_destination_keeps_its_query_fragment_and_port() {
        let text = "/a /b?query=string\n/b /c##blah-1\n/ext https://some.domain:1234/route?q=string#anchor\n/cat https://cat.com:12345\n/rel b\n";
        let (valid, skipped) = read(text, None);
        assert_eq!(
            valid,
            [
                rule("/a", "/b?query=string", 302, 1),
                rule("/b", "/c##blah-1", 302, 2),
                rule("/ext", "https://some.domain:1234/route?q=string#anchor", 302, 3),
                rule("/cat", "https://cat.com:12345/", 302, 4),
            ]
        );
        let relative_or_https = "URLs should either be relative (e.g. begin with a forward-slash), or use HTTPS (e.g. begin with \"https://\").";
        assert_eq!(skipped, [(5, relative_or_https.to_string())]);
    }

    #[test]
    fn a_proxy_rule_must_stay_on_the_site_and_rules_to_index_that_would_loop_are_refused() {
        let text = "\n\t/a https://example.com/b 200\n/* /index.html 200\n/* /index 200\n/ /index.html\n/ /index\n/* /foo 200\n/foo https://bar.com/index.html\n";
        let (valid, skipped) = read(text, None);
        assert_eq!(valid, [rule("/*", "/foo", 200, 7), rule("/foo", "https://bar.com/index.html", 302, 8)]);
        let messages: Vec<&str> = skipped.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Proxy (200) redirects can only point to relative paths. Got https://example.com/b",
                LOOP,
                LOOP,
                LOOP,
                LOOP
            ]
        );
        // Without html_handling nothing strips `/index.html`: `/` may go there.
        let (valid, _) = read("/* /index.html 200\n/ /index.html\n/ /index\n", Some(HtmlHandling::None));
        assert_eq!(valid, [rule("/", "/index.html", 302, 2)]);
    }

    #[test]
    fn the_simulators_limits_skip_long_lines_and_rules_past_2000_static_and_100_dynamic() {
        let long = format!("/{} /b 301", "a".repeat(MAX_LINE_LENGTH));
        let (valid, skipped) = read(&format!("/a /b\n{}\n{long}\n", "#".repeat(MAX_LINE_LENGTH + 1)), None);
        assert_eq!(valid, [rule("/a", "/b", 302, 1)]);
        assert_eq!(skipped, [(0, "Ignoring line 3 as it exceeds the maximum allowed length of 2000.".to_string())]);

        let statics: Vec<String> = (0..MAX_STATIC_RULES + 50).map(|i| format!("/a/{i} /b/{i}")).collect();
        let dynamics: Vec<String> = (0..MAX_DYNAMIC_RULES + 50).map(|i| format!("/a/{i}/* /b/{i}/:splat")).collect();
        let text = format!(
            "\n# comments do not count\n{}\n{}\n# but count as lines skipped\n",
            statics.join("\n"),
            dynamics.join("\n")
        );
        let (valid, skipped) = read(&text, None);
        assert_eq!(valid.len(), MAX_STATIC_RULES + MAX_DYNAMIC_RULES);
        assert_eq!(valid.last().unwrap(), &rule("/a/99/*", "/b/99/:splat", 302, MAX_STATIC_RULES + 53 + 99));
        assert_eq!(skipped.len(), 51);
        assert_eq!(skipped[0].1, "Maximum number of static rules supported is 2000. Skipping line.");
        assert_eq!(
            skipped[50].1,
            "Maximum number of dynamic rules supported is 100. Skipping remaining 52 lines of file."
        );
    }

    #[test]
    fn the_asset_worker_gets_static_rules_by_path_and_the_rest_in_the_files_order() {
        let parsed = parse("/old /new 301\n/blog/* /posts/:splat\n/late /here 308\n/users/:id /u/:id 200\n", None);
        assert_eq!(
            serde_json::to_string(&parsed.redirects).unwrap(),
            json!({
                "version": 1,
                "staticRules": { "/old": { "status": 301, "to": "/new", "lineNumber": 1 } },
                "rules": {
                    "/blog/*": { "status": 302, "to": "/posts/:splat" },
                    "/late": { "status": 308, "to": "/here" },
                    "/users/:id": { "status": 200, "to": "/u/:id" },
                },
            })
            .to_string()
        );
        assert_eq!(
            parsed.advice,
            ["The redirect rule /late \u{2192} 308 /here could be made more performant by bringing it above any lines with splats or placeholders."]
        );
        assert_eq!(parse("# none\n/bad\n", None).redirects, None);
    }
}

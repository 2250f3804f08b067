//! Host matching as the JS library (`@cloudflare/containers` 0.3.7) does
//! it: `*` matches any run of characters, dots and nothing included; no
//! other wildcard; a pattern without `*` matches exactly.

/// Whether `pattern` matches `host`.
pub fn matches(pattern: &str, host: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    let Some((last, middle)) = rest.split_last() else { return pattern == host };
    if !host.starts_with(first) || host.len() < first.len() + last.len() {
        return false;
    }
    // The middle parts in order, left to right, none overlapping the
    // suffix the last part must be.
    let end = host.len() - last.len();
    let mut at = first.len();
    for part in middle {
        match host[at..end].find(part) {
            Some(found) => at += found + part.len(),
            None => return false,
        }
    }
    host.ends_with(last)
}

/// Whether any pattern of `list` matches `host`.
pub fn any(list: &[String], host: &str) -> bool {
    list.iter().any(|p| matches(p, host))
}

/// The host of a request as patterns see it: lowercase, no port, no
/// trailing dots (URL parsing lowercases and drops the port already).
pub fn normalize(host: &str) -> &str {
    host.trim_end_matches('.')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs_match_as_the_js_librarys_documented_table_says() {
        let table: &[(&str, &[&str], &[&str])] = &[
            ("example.com", &["example.com"], &["sub.example.com"]),
            ("*.example.com", &["api.example.com", "a.b.example.com", ".example.com"], &["example.com"]),
            ("google.*", &["google.com", "google.co.uk"], &["maps.google.com"]),
            ("api.*.com", &["api.stripe.com", "api.test.com"], &["api.stripe.co.uk"]),
            ("*", &["anything", ""], &[]),
            ("a*a", &["aa", "aba"], &["a"]),
        ];
        for (pattern, yes, no) in table {
            for host in *yes {
                assert!(matches(pattern, host), "{pattern} should match {host}");
            }
            for host in *no {
                assert!(!matches(pattern, host), "{pattern} should not match {host}");
            }
        }
    }
}

//! Hostname globs as workerd matches them (`hostnameGlobMatches` in
//! `container-client.c++`): only `*` is special and it matches any run of
//! characters, dots and the empty run included. Case does not matter.

/// True if `name` matches `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut pi, mut ni) = (0, 0);
    // Where the last `*` was, and how much of `name` it has taken so far.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ni));
            pi += 1;
        } else if pi < p.len() && p[pi].eq_ignore_ascii_case(&n[ni]) {
            pi += 1;
            ni += 1;
        } else if let Some((sp, sn)) = star {
            // Let the last `*` take one more character and retry from there.
            star = Some((sp, sn + 1));
            pi = sp + 1;
            ni = sn + 1;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == b'*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn the_glob_table_of_the_containers_docs_holds() {
        let cases = [
            ("example.com", "example.com", true),
            ("example.com", "sub.example.com", false),
            ("*.example.com", "api.example.com", true),
            ("*.example.com", "a.b.example.com", true),
            ("*.example.com", "example.com", false),
            ("google.*", "google.com", true),
            ("google.*", "google.co.uk", true),
            ("google.*", "maps.google.com", false),
            ("api.*.com", "api.stripe.com", true),
            ("api.*.com", "api.stripe.co.uk", false),
            ("*", "anything.at.all", true),
            ("*", "", true),
        ];
        for (pattern, name, want) in cases {
            assert_eq!(matches(pattern, name), want, "{pattern} vs {name}");
        }
    }

    #[test]
    fn case_does_not_matter_on_either_side() {
        assert!(matches("*.Example.COM", "API.example.com"));
    }

    #[test]
    fn a_star_may_match_nothing_but_the_rest_must_match_exactly() {
        assert!(matches("a*b", "ab"));
        assert!(!matches("a*a", "a"));
        assert!(matches("*a*b*", "xxaxxbxx"));
        assert!(!matches("?", "a"), "only * is special");
    }
}

//! Host patterns of egress control (`allowed_hosts`, `denied_hosts`,
//! `outbound_by_host`, and the run-time changes): one rule for the
//! attribute, checked at compile time, and for `Control`, checked at run
//! time.

/// Why `pattern` is no host pattern, if it is not one: a hostname (or IP)
/// in lowercase, `*` standing for any run of characters, without scheme,
/// port or path.
///
/// ```
/// use cfcontainer_meta::host_pattern_problem;
/// assert_eq!(host_pattern_problem("*.example.com"), None);
/// assert!(host_pattern_problem("example.com:8080").is_some());
/// ```
pub fn host_pattern_problem(pattern: &str) -> Option<&'static str> {
    if pattern.is_empty() {
        return Some("a host pattern is not empty");
    }
    if pattern.contains("://") || pattern.contains('/') {
        return Some("a host pattern is a host, without scheme or path: e.g. \"api.example.com\"");
    }
    if pattern.starts_with('[') {
        let inner = pattern.strip_prefix('[').and_then(|p| p.strip_suffix(']'));
        let valid = inner.is_some_and(|i| i.parse::<std::net::Ipv6Addr>().is_ok());
        return (!valid).then_some("an IPv6 host is written in brackets, without port: e.g. \"[2001:db8::1]\"");
    }
    if pattern.contains(':') {
        return Some("a host pattern has no port: requests are matched by host alone");
    }
    if pattern.chars().any(|c| c.is_ascii_uppercase()) {
        return Some("host patterns are lowercase (hosts are compared lowercase)");
    }
    if !pattern.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '*')) {
        return Some("a host pattern has only letters, digits, `.`, `-` and `*`");
    }
    if pattern.split('.').any(str::is_empty) && pattern != "*" {
        return Some("a host pattern has no empty label (`..`, or a leading or trailing `.`)");
    }
    None
}

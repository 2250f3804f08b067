//! `.dockerignore` rules, applied the way Docker applies them.
//!
//! Each non-comment line is a pattern relative to the context root (a
//! leading `/` or `./` is dropped); `*` and `?` stop at `/`, `**` crosses
//! directories; a pattern also excludes everything under a directory it
//! matches; a line starting with `!` re-includes; the last matching line
//! decides.

use globset::{GlobBuilder, GlobMatcher};

/// Compiled `.dockerignore` rules.
#[derive(Debug, Default)]
pub struct IgnoreRules {
    rules: Vec<(GlobMatcher, bool)>,
}

impl IgnoreRules {
    /// Parses the text of a `.dockerignore` file.
    pub fn parse(text: &str) -> Result<IgnoreRules, String> {
        let mut rules = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (exception, pattern) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let pattern = clean(pattern);
            if pattern.is_empty() {
                return Err(format!("line {}: `{line}` has no pattern", number + 1));
            }
            let glob = GlobBuilder::new(&pattern)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| format!("line {}: {e}", number + 1))?;
            rules.push((glob.compile_matcher(), exception));
        }
        Ok(IgnoreRules { rules })
    }

    /// Whether any rule is an exception (`!pattern`).
    pub fn has_exceptions(&self) -> bool {
        self.rules.iter().any(|(_, exception)| *exception)
    }

    /// Whether `path` (relative to the context root, `/`-separated) is left
    /// out of the build context.
    pub fn excludes(&self, path: &str) -> bool {
        let mut excluded = false;
        for (glob, exception) in &self.rules {
            if self_or_parent_matches(glob, path) {
                excluded = !exception;
            }
        }
        excluded
    }
}

fn self_or_parent_matches(glob: &GlobMatcher, path: &str) -> bool {
    let mut candidate = path;
    loop {
        if glob.is_match(candidate) {
            return true;
        }
        match candidate.rfind('/') {
            Some(cut) => candidate = &candidate[..cut],
            None => return false,
        }
    }
}

/// Go's `filepath.Clean` for patterns, minus the leading `/`.
fn clean(pattern: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in pattern.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::IgnoreRules;

    #[test]
    fn docker_semantics() {
        let rules =
            IgnoreRules::parse("# comment\n/node_modules\n**/*.tmp\ndocs/*\n!docs/README.md\n./secret.env\n").unwrap();
        assert!(rules.excludes("node_modules/x/y.js"));
        assert!(rules.excludes("a/b/c.tmp"));
        assert!(rules.excludes("c.tmp"));
        assert!(rules.excludes("docs/guide.md"));
        assert!(!rules.excludes("docs/README.md"));
        assert!(!rules.excludes("docs"));
        assert!(rules.excludes("secret.env"));
        assert!(!rules.excludes("src/node_modules.rs"));
        // `*` does not cross directories.
        assert!(!IgnoreRules::parse("*.md\n").unwrap().excludes("docs/a.md"));
    }

    #[test]
    fn bad_lines_are_errors() {
        assert!(IgnoreRules::parse("!\n").is_err());
        assert!(IgnoreRules::parse("[unterminated\n").is_err());
    }

    #[test]
    fn dockerignore_rules_exclude_matches_unless_an_exception_keeps_them() {
        let rules = IgnoreRules::parse("target\n*.log\n!keep.log\n").unwrap();
        assert!(rules.excludes("target/debug/app"));
        assert!(rules.excludes("build.log"));
        assert!(!rules.excludes("keep.log"));
        assert!(!rules.excludes("src/main.rs"));
    }
}

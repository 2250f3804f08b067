//! A new crate's names: the package name checked as `cargo new` checks
//! it, and the Worker's name made from it (lowercase, dashes), which the
//! API takes for a script.

use crate::Error;

/// Names Rust reserves: a package called so would not build.
const KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro",
    "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super",
    "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Names of the standard crates and of Windows' reserved files, which
/// cargo refuses too.
const RESERVED: &[&str] = &[
    "alloc",
    "core",
    "proc_macro",
    "std",
    "test",
    "con",
    "prn",
    "aux",
    "nul",
    "com1",
    "com2",
    "com3",
    "com4",
    "lpt1",
    "lpt2",
    "lpt3",
];

/// `name` if cargo takes it for a package, else an error saying why.
pub fn check_package(name: &str) -> Result<(), Error> {
    let refuse = |why: String| Err(Error::BadPackageName { name: name.to_string(), why });
    let Some(first) = name.chars().next() else { return refuse("it is empty".into()) };
    if first.is_ascii_digit() {
        return refuse("it starts with a digit".into());
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
        return refuse(format!("`{bad}` is not a letter, digit, `-` or `_`"));
    }
    if KEYWORDS.contains(&name) {
        return refuse("it is a Rust keyword".into());
    }
    if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
        return refuse("it is reserved (a standard crate or a Windows file name)".into());
    }
    Ok(())
}

/// The Worker's name for package `name`: lowercase, `_` as `-` (the API
/// takes 1 to 63 lowercase letters, digits and dashes).
pub fn worker_name(name: &str) -> Result<String, Error> {
    let worker = name.to_ascii_lowercase().replace('_', "-");
    let fits = (1..=63).contains(&worker.len()) && !worker.starts_with('-') && !worker.ends_with('-');
    match fits {
        true => Ok(worker),
        false => Err(Error::BadPackageName {
            name: name.to_string(),
            why: format!("the Worker's name would be `{worker}`, and one must be 1 to 63 letters, digits and dashes, not starting or ending with a dash"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_package_name_is_refused_as_cargo_refuses_it() {
        for (name, why) in [
            ("1st", "it starts with a digit"),
            ("my app", "` ` is not a letter, digit, `-` or `_`"),
            ("fn", "it is a Rust keyword"),
            ("std", "it is reserved (a standard crate or a Windows file name)"),
            ("", "it is empty"),
        ] {
            let error = check_package(name).unwrap_err().to_string();
            assert_eq!(
                error,
                format!("the name `{name}` cannot be used as a package name: {why}; pick another with --name <name>")
            );
        }
        assert!(check_package("hello-world_2").is_ok());
    }

    #[test]
    fn the_workers_name_is_the_package_name_in_lowercase_with_dashes() {
        assert_eq!(worker_name("My_App").unwrap(), "my-app");
        assert!(worker_name("-x").is_err());
    }
}

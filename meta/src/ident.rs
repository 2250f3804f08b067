//! Name rules shared by the attribute and the subcommand.

const JS_RESERVED: &[&str] = &[
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// True if `name` can be used as a JavaScript identifier (class or binding
/// name): ASCII letters, digits, `_` and `$`, not starting with a digit, and
/// not a reserved word.
///
/// ```
/// use cfcontainer_meta::is_js_identifier;
/// assert!(is_js_identifier("MY_CONTAINER"));
/// assert!(!is_js_identifier("my-container"));
/// assert!(!is_js_identifier("class"));
/// ```
pub fn is_js_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else { return false };
    (first.is_ascii_alphabetic() || first == '_' || first == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !JS_RESERVED.contains(&name)
}

fn words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let chars: Vec<char> = name.chars().collect();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let boundary = c.is_ascii_uppercase()
            && !current.is_empty()
            && (chars[i - 1].is_ascii_lowercase()
                || chars[i - 1].is_ascii_digit()
                || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()));
        if boundary {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `MyContainer` → `MY_CONTAINER`, the default binding name.
///
/// ```
/// assert_eq!(cfcontainer_meta::shouty_snake_case("MyContainer"), "MY_CONTAINER");
/// assert_eq!(cfcontainer_meta::shouty_snake_case("HTTPServer2"), "HTTP_SERVER2");
/// ```
pub fn shouty_snake_case(name: &str) -> String {
    words(name).iter().map(|w| w.to_ascii_uppercase()).collect::<Vec<_>>().join("_")
}

/// `MyContainer` → `my-container`, used for default image and application names.
///
/// ```
/// assert_eq!(cfcontainer_meta::kebab_case("MyContainer"), "my-container");
/// ```
pub fn kebab_case(name: &str) -> String {
    words(name).iter().map(|w| w.to_ascii_lowercase()).collect::<Vec<_>>().join("-")
}

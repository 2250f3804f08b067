//! Argument errors as every other failure: one line (what is wrong, the
//! parser's tip, where the options are listed), and a JSON message too
//! when the arguments ask for `--message-format json`. Help and version
//! are printed as the parser renders them.

use std::ffi::OsString;

use clap::error::ErrorKind;
use clap::CommandFactory;

use crate::output::{MessageFormat, Output, Verbosity};
use crate::Error;

/// Reports `error` met parsing `args`; the exit code.
pub fn report(error: clap::Error, args: &[OsString]) -> i32 {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            return 0;
        }
        // `cargo cfcontainer` alone: the list of verbs is the answer.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            return 2;
        }
        _ => {}
    }
    let message = one_line(&error.render().to_string(), verb(args).as_deref());
    let format = if wants_json(args) { MessageFormat::Json } else { MessageFormat::Human };
    Output::new(format, Verbosity::Normal).error(&Error::Usage { message });
    2
}

/// The parser's several lines as one: the error, the items it lists, its
/// tips, and the command whose `--help` lists the options.
fn one_line(rendered: &str, verb: Option<&str>) -> String {
    let lines: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    let Some((first, rest)) = lines.split_first() else { return "invalid arguments".into() };
    let first = first.trim_start_matches("error: ");
    let (tips, listed): (Vec<&str>, Vec<&str>) = rest.iter().partition(|l| l.starts_with("tip:"));
    let mut text = match listed.is_empty() {
        true => first.to_string(),
        false => format!("{first} {}", listed.join(", ")),
    };
    for tip in tips {
        text.push_str(&format!("; {tip}"));
    }
    let command = verb.map(|v| format!("cargo cfcontainer {v}")).unwrap_or_else(|| "cargo cfcontainer".into());
    text.push_str(&format!("; `{command} --help` lists the options"));
    text
}

/// The verb among `args`, if one was named.
fn verb(args: &[OsString]) -> Option<String> {
    let command = super::Cargo::command();
    let cfcontainer = command.find_subcommand("cfcontainer")?;
    args.iter()
        .skip(2)
        .filter_map(|a| a.to_str())
        .find_map(|a| cfcontainer.get_subcommands().find(|s| s.get_name() == a).map(|s| s.get_name().to_string()))
}

/// True if `args` ask for JSON messages.
fn wants_json(args: &[OsString]) -> bool {
    let args: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    args.contains(&"--message-format=json") || args.windows(2).any(|w| w == ["--message-format", "json"])
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::Cargo;

    fn parse(args: &[&str]) -> (String, Option<String>) {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let error = Cargo::try_parse_from(&args).unwrap_err();
        (one_line(&error.render().to_string(), verb(&args).as_deref()), verb(&args))
    }

    #[test]
    fn a_misspelled_option_is_one_line_with_the_parsers_tip() {
        let (line, verb) = parse(&["cargo", "cfcontainer", "dev", "--prot", "8080"]);
        assert_eq!(verb.as_deref(), Some("dev"));
        assert_eq!(
            line,
            "unexpected argument '--prot' found; tip: a similar argument exists: '--port'; `cargo cfcontainer dev --help` lists the options"
        );
    }

    #[test]
    fn a_misspelled_verb_is_one_line_with_the_parsers_tip() {
        let (line, _) = parse(&["cargo", "cfcontainer", "deplyo"]);
        assert_eq!(
            line,
            "unrecognized subcommand 'deplyo'; tip: a similar subcommand exists: 'deploy'; `cargo cfcontainer --help` lists the options"
        );
    }

    #[test]
    fn json_is_asked_for_in_either_spelling() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(wants_json(&args(&["cargo", "cfcontainer", "--message-format", "json", "dev"])));
        assert!(wants_json(&args(&["cargo", "cfcontainer", "dev", "--message-format=json"])));
        assert!(!wants_json(&args(&["cargo", "cfcontainer", "dev"])));
    }
}

//! The targets of the workspace's members, as `cargo metadata` lists
//! them: where `#[container(binary = "...")]` finds its binary.

use std::path::PathBuf;

use cargo_metadata::Package;

/// One target of a workspace member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberTarget {
    /// Its package's name.
    pub package: String,
    /// Its package's Cargo.toml.
    pub manifest_path: PathBuf,
    /// The target's name (`--bin` takes it).
    pub name: String,
    /// Its kinds: `bin`, `lib`, `cdylib`, `example`, `test`, ...
    pub kinds: Vec<String>,
    /// The features its package declares.
    pub features: Vec<String>,
}

impl MemberTarget {
    /// Every target of `package`.
    pub fn of(package: &Package) -> Vec<MemberTarget> {
        let features: Vec<String> = package.features.keys().cloned().collect();
        package
            .targets
            .iter()
            .map(|t| MemberTarget {
                package: package.name.to_string(),
                manifest_path: package.manifest_path.clone().into_std_path_buf(),
                name: t.name.clone(),
                kinds: t.kind.iter().map(|k| k.to_string()).collect(),
                features: features.clone(),
            })
            .collect()
    }

    /// True for a binary target (`src/main.rs`, `src/bin/*`, `[[bin]]`).
    pub fn is_binary(&self) -> bool {
        self.kinds.iter().any(|k| k == "bin")
    }
}

/// Why the workspace has no single binary of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinaryLookup {
    /// No member has a target of that name; the binaries there are.
    Missing { binaries: Vec<String> },
    /// Targets of that name exist, none a binary: `(package, kinds)`.
    NotABinary { package: String, kinds: Vec<String> },
    /// Several members have one and no package was named.
    Ambiguous { packages: Vec<String> },
}

impl BinaryLookup {
    /// The reason and what to do, for the one-line error.
    pub fn explain(&self, binary: &str) -> String {
        match self {
            BinaryLookup::Missing { binaries } if binaries.is_empty() => format!(
                "no member of the workspace has a binary target `{binary}` (it has no binaries at all); add the server crate to the workspace's `members` with a src/main.rs or a `[[bin]] name = \"{binary}\"`"
            ),
            BinaryLookup::Missing { binaries } => format!(
                "no member of the workspace has a binary target `{binary}` (its binaries: {}); fix `binary`, or add the crate that has it to the workspace's `members`",
                binaries.join(", ")
            ),
            BinaryLookup::NotABinary { package, kinds } => format!(
                "`{binary}` of package `{package}` is a {} target, not a binary; give that package a src/main.rs or a `[[bin]] name = \"{binary}\"`, or point `binary` at one",
                kinds.join("/")
            ),
            BinaryLookup::Ambiguous { packages } => format!(
                "packages {} each have a binary `{binary}`; add `package = \"...\"` to the attribute to pick one",
                packages.join(" and ")
            ),
        }
    }
}

/// The binary target `name` (of `package`, when given) among `targets`.
pub fn find_binary<'a>(
    targets: &'a [MemberTarget],
    name: &str,
    package: Option<&str>,
) -> Result<&'a MemberTarget, BinaryLookup> {
    let in_package = |t: &&MemberTarget| package.is_none_or(|p| t.package == p);
    let named: Vec<&MemberTarget> = targets.iter().filter(in_package).filter(|t| t.name == name).collect();
    let binaries: Vec<&MemberTarget> = named.iter().copied().filter(|t| t.is_binary()).collect();
    match (binaries.as_slice(), named.first()) {
        ([one], _) => Ok(one),
        ([], Some(other)) => {
            Err(BinaryLookup::NotABinary { package: other.package.clone(), kinds: other.kinds.clone() })
        }
        ([], None) => {
            let mut binaries: Vec<String> = targets
                .iter()
                .filter(in_package)
                .filter(|t| t.is_binary())
                .map(|t| format!("{} ({})", t.name, t.package))
                .collect();
            binaries.sort();
            Err(BinaryLookup::Missing { binaries })
        }
        (several, _) => Err(BinaryLookup::Ambiguous { packages: several.iter().map(|t| t.package.clone()).collect() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(package: &str, name: &str, kind: &str) -> MemberTarget {
        MemberTarget {
            package: package.into(),
            manifest_path: PathBuf::from(format!("/w/{package}/Cargo.toml")),
            name: name.into(),
            kinds: vec![kind.into()],
            features: Vec::new(),
        }
    }

    #[test]
    fn a_binary_is_found_by_name_and_package_and_every_miss_says_why() {
        let targets = [
            target("server", "api-server", "bin"),
            target("worker", "worker", "cdylib"),
            target("tools", "api-server", "bin"),
            target("tools", "migrate", "bin"),
        ];
        let found = find_binary(&targets, "api-server", Some("tools")).unwrap();
        assert_eq!((found.package.as_str(), found.name.as_str()), ("tools", "api-server"));
        assert_eq!(find_binary(&targets, "migrate", None).unwrap().package, "tools");
        assert_eq!(
            find_binary(&targets, "api-server", None),
            Err(BinaryLookup::Ambiguous { packages: vec!["server".into(), "tools".into()] })
        );
        assert_eq!(
            find_binary(&targets, "worker", None),
            Err(BinaryLookup::NotABinary { package: "worker".into(), kinds: vec!["cdylib".into()] })
        );
        let missing = find_binary(&targets, "nope", Some("server")).unwrap_err();
        assert_eq!(missing, BinaryLookup::Missing { binaries: vec!["api-server (server)".into()] });
        assert!(missing.explain("nope").contains("its binaries: api-server (server)"));
    }
}

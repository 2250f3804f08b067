//! Every failure `cargo cfcontainer` reports: one line saying what failed,
//! why, and what to do.

use std::path::PathBuf;

/// A failure of a verb, displayed as one readable line. Variant fields are
/// the parts of that line, named for what they hold.
#[allow(missing_docs)]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The arguments do not parse (the parser's message, on one line).
    #[error("{message}")]
    Usage { message: String },
    /// `cargo metadata` failed.
    #[error("cannot read the cargo project at {manifest}: {why}; check --manifest-path")]
    Metadata { manifest: String, why: String },
    /// No `Cargo.toml` here or above, and no `--manifest-path`.
    #[error("could not find Cargo.toml in {} or any parent directory; run this in a worker crate, pass --manifest-path, or create one with `cargo cfcontainer new <name>`", dir.display())]
    NoManifest { dir: PathBuf },
    /// `new`: a name cargo would refuse.
    #[error("the name `{name}` cannot be used as a package name: {why}; pick another with --name <name>")]
    BadPackageName { name: String, why: String },
    /// `new` into a path that exists.
    #[error("destination {} already exists; make the crate in it with `cargo cfcontainer init {}`, or pick another path", dir.display(), dir.display())]
    DestinationExists { dir: PathBuf },
    /// `init` in a directory that does not exist.
    #[error("{} does not exist; create it first, or make the crate with `cargo cfcontainer new {}`", dir.display(), dir.display())]
    NoDirectory { dir: PathBuf },
    /// `init` where a package is already.
    #[error("{} is a Cargo package already, so `cargo cfcontainer init` leaves it alone; make a new crate with `cargo cfcontainer new <name>`", manifest.display())]
    ExistingPackage { manifest: PathBuf },
    /// `init` would overwrite files.
    #[error("{} already has {files}, which `cargo cfcontainer init` would overwrite; move them away first, or make the crate elsewhere with `cargo cfcontainer new <name>`", dir.display())]
    WouldOverwrite { dir: PathBuf, files: String },
    /// `-p` names no workspace member.
    #[error("package `{name}` is not in the workspace; members: {members}")]
    NoSuchPackage { name: String, members: String },
    /// A workspace with several members (or several workers) and no `-p`.
    #[error("the workspace has several packages ({members}); pick the worker with -p <name>")]
    AmbiguousPackage { members: String },
    /// `[package.metadata.cfcontainer]` does not parse.
    #[error(
        "[package.metadata.cfcontainer] of `{package}` is invalid: {why}; see the settings reference in the README"
    )]
    Settings { package: String, why: String },
    /// The package has no library target.
    #[error("package `{package}` has no library target; a worker crate needs `[lib] crate-type = [\"cdylib\"]`")]
    NoLibrary { package: String },
    /// The library is no `cdylib`, so there is no Worker to build.
    #[error("package `{package}` builds no cdylib, which a Worker is; add `[lib] crate-type = [\"cdylib\"]` to {}", manifest.display())]
    NotCdylib { package: String, manifest: PathBuf },
    /// The package does not use workers-rs.
    #[error("package `{package}` does not depend on workers-rs (`worker`) or `cfcontainer`, so it is no Worker crate; add them to its [dependencies] (`cargo cfcontainer new` writes a crate that has them), or pick the worker with -p <name>")]
    NotAWorker { package: String },
    /// `cargo build` could not be run or failed.
    #[error("building `{package}` for {target} failed: {why}; {fix}")]
    Build { package: String, target: String, why: String, fix: String },
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file can be read but not used as it is.
    #[error("cannot use {}: {why}", path.display())]
    Unusable { path: PathBuf, why: String },
    /// A local file or OS resource could not be set up.
    #[error("cannot {what}: {source}; check permissions and free space")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// Something local could not be prepared, for a reason that is no OS error.
    #[error("cannot {what}: {why}")]
    Local { what: String, why: String },
    /// The artifact's metadata section is malformed.
    #[error("the container metadata in {} is unreadable: {why}", path.display())]
    Section { path: PathBuf, why: String },
    /// The Docker engine cannot be reached or refused a call.
    #[error("the Docker engine at {host} failed: {why}; start dockerd or point DOCKER_HOST at a running engine")]
    Engine { host: String, why: String },
    /// The engine answers but cannot run workerd's containers.
    #[error("the Docker engine at {host} cannot run workerd's containers: {why}; {fix}")]
    EngineUnsuitable { host: String, why: String, fix: String },
    /// `doctor` found problems.
    #[error("{failed} of {total} checks failed ({names}); each row above names its fix")]
    Doctor { failed: usize, total: usize, names: String },
    /// The crate was built with a runtime newer than this tool reads.
    #[error("{} was built with cfcontainer {runtime} (container metadata schema {schema}), newer than cargo-cfcontainer {cli} reads (schemas {} to {}); run `cargo install cargo-cfcontainer@{runtime}`, or `cargo update -p cfcontainer --precise {cli}` to build with the runtime this tool knows", path.display(), cfcontainer_meta::OLDEST_SCHEMA, cfcontainer_meta::SCHEMA_VERSION)]
    RuntimeNewer { path: PathBuf, runtime: String, schema: u32, cli: &'static str },
    /// The crate was built with a runtime older than this tool reads.
    #[error("{} was built with cfcontainer {runtime} (container metadata schema {schema}), older than cargo-cfcontainer {cli} reads (schemas {} to {}); run `cargo update -p cfcontainer` to build with a newer runtime, or install the cargo-cfcontainer of that runtime", path.display(), cfcontainer_meta::OLDEST_SCHEMA, cfcontainer_meta::SCHEMA_VERSION)]
    RuntimeOlder { path: PathBuf, runtime: String, schema: u32, cli: &'static str },
    /// A container's `binary` names no single binary of the workspace.
    #[error("container `{class}` is assembled from binary `{binary}`, but {why}")]
    NoBinary { class: String, binary: String, why: String },
    /// A binary for an assembled image is not static.
    #[error("binary `{binary}` ({}) is not static: {why}, and the image has no C library or loader; build it for x86_64-unknown-linux-musl without `-C target-feature=-crt-static` and without linking shared libraries (e.g. rustls instead of OpenSSL)", path.display())]
    NotStatic { binary: String, path: PathBuf, why: String },
    /// An image build failed.
    #[error("building the image of `{class}` failed: {why}")]
    ImageBuild { class: String, why: String },
    /// The networking sidecar's image cannot be had.
    #[error("the egress image {reference} is not available: {why}; {fix}")]
    EgressImage { reference: String, why: String, fix: String },
    /// worker-build failed.
    #[error("building worker `{package}` with worker-build failed: {why}")]
    WorkerBuild { package: String, why: String },
    /// A tool could not be found or fetched.
    #[error("{tool} is not available: {why}; {fix}")]
    Tool { tool: &'static str, why: String, fix: String },
    /// workerd failed.
    #[error("workerd failed: {why}")]
    Workerd { why: String },
    /// A `dev(remote = true)` container in local dev.
    #[error("container `{class}` has dev(remote = true), so it cannot be a local binding in `cargo cfcontainer dev`; remove `remote` to run it locally")]
    RemoteInDev { class: String },
    /// Two containers (possibly from different crates) share a name.
    #[error("containers `{first}` and `{second}` both use the {what} `{name}`; give one of them another `{what}`")]
    Duplicate { what: &'static str, name: String, first: String, second: String },
    /// No API token in the environment.
    #[error(
        "CLOUDFLARE_API_TOKEN is not set; create an API token (Workers Scripts Edit, Containers Edit) and export it"
    )]
    NoToken,
    /// No account id anywhere.
    #[error("no Cloudflare account id; set CLOUDFLARE_ACCOUNT_ID or `account_id` in [package.metadata.cfcontainer]")]
    NoAccount,
    /// The API refused the token itself (code 9109, or 1000 from the
    /// token check): it is mistyped, revoked or expired, whatever the call.
    #[error("the Cloudflare API refused CLOUDFLARE_API_TOKEN on {call} (HTTP {status}, code {code}: {message}): the token is mistyped, revoked or expired; create a new API token (Workers Scripts Edit, Containers Edit) and export it")]
    InvalidToken { call: String, status: u16, code: u32, message: String },
    /// The API answered with an error.
    #[error("Cloudflare API {call} failed: HTTP {status}{}: {message}; {hint}", code.map(|c| format!(", code {c}")).unwrap_or_default())]
    Api { call: String, status: u16, code: Option<u32>, message: String, hint: String },
    /// The API could not be reached.
    #[error(
        "cannot reach the Cloudflare API at {base} for {call}: {why}; check the network or CLOUDFLARE_API_BASE_URL"
    )]
    ApiUnreachable { call: String, base: String, why: String },
    /// An environment variable holds a value that cannot be what it names.
    #[error("{name} is `{value}`, which is not {what}; {fix}")]
    BadVariable { name: &'static str, value: String, what: &'static str, fix: &'static str },
    /// The registry refused or failed a push.
    #[error("pushing to {host} failed: {why}; {hint}")]
    Registry { host: String, why: String, hint: &'static str },
    /// `images delete`'s argument is no image name.
    #[error("`{image}` is no IMAGE:TAG: {why}; name a tag as `cargo cfcontainer images` lists it (e.g. web:0a1b2c3d)")]
    BadImageName { image: String, why: String },
    /// `images delete` of a repository the registry does not have.
    #[error("repository `{repository}` is not in the account's namespace of {registry}; {hint}")]
    NoSuchRepository { repository: String, registry: String, hint: String },
    /// `images delete` of a tag the repository does not have.
    #[error("repository `{repository}` has no tag `{tag}` (it has: {tags}); `cargo cfcontainer images` lists them")]
    NoSuchTag { repository: String, tag: String, tags: String },
    /// `images delete` of the image something live runs.
    #[error("refusing to delete {image}: {by}; deploy or roll back to another image first")]
    ImageInUse { image: String, by: String },
    /// `images delete` of an image a kept version recorded.
    #[error("{image} is the image of {versions}, which `rollback` could no longer go back to without it; rerun with --force to delete it anyway, or let `images prune --keep-versions N` choose")]
    ImageRecorded { image: String, versions: String },
    /// A planned tag became live between the plan and the deleting.
    #[error("refusing to prune: application `{application}` runs {image} now (a deploy or rollback since the plan was read); nothing was deleted; run `images prune` again for a plan that keeps it")]
    PruneWouldDeleteLive { image: String, application: String },
    /// The registry refused or failed a delete.
    #[error("deleting from the registry {host} failed: {why}; what was deleted stays deleted, so rerun `images prune` to finish")]
    RegistryDelete { host: String, why: String },
    /// The registry's catalog or a manifest could not be read.
    #[error("reading the registry {host} failed: {why}; check that it is reachable and that CLOUDFLARE_CONTAINER_REGISTRY is right, then rerun")]
    RegistryRead { host: String, why: String },
    /// An application name is taken by an application of another namespace.
    #[error("container application `{name}` (id {other}) already exists but serves another Durable Object namespace, so class `{class}` cannot use that name; delete it (`cargo cfcontainer destroy` of its worker) or rename the class")]
    AppConflict { name: String, class: String, other: String },
    /// The account lists no namespace for a class right after the upload
    /// that defines it (eventual consistency, or a concurrent change).
    #[error("the worker upload finished but the account lists no Durable Object namespace for class `{class}` yet; rerun the deploy (it picks up where this one stopped)")]
    NoNamespace { class: String },
    /// `--containers-rollout none` with a class deleted whose application
    /// still serves it.
    #[error("class `{class}` is deleted but its application `{application}` still serves it, and --containers-rollout none leaves applications as they are; deploy without --containers-rollout none to delete both")]
    RolloutLeavesApplication { class: String, application: String },
    /// The Worker exists but this tool did not deploy it.
    #[error("worker `{worker}` exists but was not deployed by cargo cfcontainer (no cfcontainer- tag), so {verb} would {effect}; rerun with {flag} if you mean to take it over")]
    NotOurs { worker: String, verb: &'static str, effect: &'static str, flag: &'static str },
    /// A deploy would delete Durable Object classes.
    #[error("this deploy would delete Durable Object class(es) {classes} and all their data; {fix}")]
    WouldDelete { classes: String, fix: String },
    /// The account has a class the wrangler file's migrations know nothing of.
    #[error("{}: worker `{worker}` has Durable Object class `{class}`, which the file's `migrations` neither define nor delete; to delete it with its data add a [[migrations]] entry with `deleted_classes = [\"{class}\"]`, to keep its data under another name one with `renamed_classes = [{{ from = \"{class}\", to = \"NewName\" }}]`, or declare it with `new_sqlite_classes = [\"{class}\"]` in the first entry", path.display())]
    MigrationsLackClass { path: PathBuf, worker: String, class: String },
    /// Classes to migrate, and the file's migrations already applied.
    #[error("{}: the account is at migration `{tag}`, the file's last, yet {classes} still need a migration; add a [[migrations]] entry with a new tag and `new_sqlite_classes = [...]` for them (`cargo cfcontainer wrangler` writes it), so both tools agree on what was applied", path.display())]
    MigrationsUpToDate { path: PathBuf, tag: String, classes: String },
    /// A Worker secret has no value anywhere.
    #[error("Worker secret `{name}` has no value: export {name}=... for this deploy, or set it once with `wrangler secret put {name}`")]
    MissingSecret { name: String },
    /// The wrangler config cannot be merged into.
    #[error("cannot merge into {}: {why}; fix the file or pass --config <new file>", path.display())]
    WranglerConfig { path: PathBuf, why: String },
    /// The crate's wrangler config cannot be read, or contradicts the
    /// crate's settings.
    #[error("{}: {why}", path.display())]
    WranglerSource { path: PathBuf, why: String },
    /// The wrangler config sets something this tool does not deploy yet.
    #[error("{}: `{key}` is not applied by cargo cfcontainer deploy yet, so deploying would leave it out; deploy this Worker with the official CLI (`cargo cfcontainer wrangler` writes the containers into its config)", path.display())]
    NotApplied { path: PathBuf, key: String },
    /// A `containers` entry of the wrangler file contradicts the attribute.
    #[error("{}: `containers` sets {field} of container class `{class}` to {theirs}, its #[container] attribute to {ours}; the attribute decides at the top level: change one (an [env.NAME] section may set it for that environment)", path.display())]
    ContainerEntryMismatch { path: PathBuf, class: String, field: String, ours: String, theirs: String },
    /// A queue the wrangler file names does not exist.
    #[error("queue `{name}` does not exist in this account; create it (`wrangler queues create {name}`) and rerun")]
    NoQueue { name: String },
    /// A resource the wrangler file binds (or a route's zone) is not in
    /// the account. `what` is the binding and what it names: ``kv_namespaces `CACHE`
    /// names KV namespace `ffff` ``.
    #[error("{place}: {what}, which account {account} does not have ({known}); {fix}")]
    NoResource { place: String, what: String, account: String, known: String, fix: &'static str },
    /// The account has no registry of that host.
    #[error("account {account} has no container registry {host}{}; {}", if *chosen { " (CLOUDFLARE_CONTAINER_REGISTRY)" } else { "" }, if *chosen { "unset CLOUDFLARE_CONTAINER_REGISTRY to push to Cloudflare's registry, or name a registry the account has" } else { "check that Containers is enabled for the account" })]
    NoRegistry { host: String, account: String, chosen: bool },
    /// Two bindings of the Worker share a name.
    #[error("binding name `{name}` is used twice ({first} and {second}); rename one")]
    DuplicateBinding { name: String, first: String, second: String },
    /// The wrangler config binds a container class differently than its attribute.
    #[error("{}: `durable_objects.bindings` binds container class `{class}` as `{theirs}`, its #[container] attribute as `{ours}`; the attribute decides: change the file or the attribute's `binding`", path.display())]
    ContainerBindingMismatch { path: PathBuf, class: String, ours: String, theirs: String },
    /// A Worker secret named after a credentials variable.
    #[error("Worker secret `{name}` is named after the variable that holds the Cloudflare API credentials, so deploying would upload them as the secret; rename the secret")]
    SecretNamedLikeCredential { name: String },
    /// A day-2 verb on a Worker the account does not have.
    #[error("worker `{worker}` is not deployed in account {account}; deploy it first (`cargo cfcontainer deploy`), or pick the environment with --env")]
    NotDeployed { worker: String, account: String },
    /// `dev`'s address is taken.
    #[error("cannot listen on {address}: it is already in use{}; stop that or pick another port with --port", holder.as_ref().map(|h| format!(" by {h}")).unwrap_or_default())]
    AddressInUse { address: String, holder: Option<String> },
    /// A container class the Worker does not have.
    #[error("container class `{class}` is not one of worker `{worker}`'s; its classes: {known}")]
    NoSuchClass { class: String, worker: String, known: String },
    /// A version the Worker does not have.
    #[error("version `{version}` is not one of worker `{worker}`'s deployable versions: {known}; see `cargo cfcontainer versions`")]
    NoSuchVersion { version: String, worker: String, known: String },
    /// No version to roll back to by default.
    #[error("worker `{worker}` has no earlier deployment to roll back to; name one of its other versions ({others}), as `cargo cfcontainer versions` lists them")]
    NoPreviousVersion { worker: String, others: String },
    /// The live version is the Worker's only one.
    #[error("worker `{worker}` has only one version, the live {live}, so there is nothing to roll back to; a later deploy makes this one a version to come back to")]
    OnlyLiveVersion { worker: String, live: String },
    /// A change to confirm, and no terminal to confirm it on.
    #[error("{verb} changes the account and there is no terminal to confirm it on; read the plan above and rerun with --yes")]
    NeedsYes { verb: &'static str },
    /// The user said no.
    #[error("{verb} cancelled; nothing was changed")]
    Declined { verb: &'static str },
    /// Rolling back would bring back older secret values.
    #[error("version `{version}` runs other values of the secrets {secrets} than the live version, and rolling back restores them; rerun with --restore-secrets if you mean that")]
    SecretsChanged { version: String, secrets: String },
    /// A bad filter for the live logs.
    #[error("{why}")]
    BadFilter { why: String },
    /// The live log could not be followed.
    #[error("the live log of worker `{worker}` {why}; rerun `cargo cfcontainer logs`")]
    Tail { worker: String, why: String },
    /// `registries`: a URL where a registry host belongs.
    #[error("`{domain}` is a URL, not a registry host; give the host alone (docker.io, not https://docker.io)")]
    RegistryUrl { domain: String },
    /// `registries`: no host at all.
    #[error("`{domain}` is not a registry host ({why}); give a host such as docker.io")]
    RegistryHost { domain: String, why: String },
    /// `registries configure`: a host of a provider credentials cannot be configured for.
    #[error("{host} is not a registry whose credentials can be configured: only AWS ECR (<account>.dkr.ecr.<region>.amazonaws.com), Docker Hub (docker.io) and Google Artifact Registry (<location>-docker.pkg.dev) are; push the image to one of them, or to Cloudflare's registry with `cargo cfcontainer push`")]
    RegistryUnsupported { host: String },
    /// `registries configure`: Cloudflare's registry needs no credentials.
    #[error("{host} is Cloudflare's own registry, which deploys use without configuration; nothing to configure")]
    RegistryIsCloudflare { host: String },
    /// `registries configure`: the public credential of another kind of registry.
    #[error("{flag} gives the public credential of {flag_kind}, but {domain} is {kind}; give {right_flag} instead")]
    RegistryCredentialKind {
        flag: &'static str,
        flag_kind: &'static str,
        domain: String,
        kind: &'static str,
        right_flag: &'static str,
    },
    /// `registries configure`: no public credential.
    #[error("{domain} is {kind}, whose public credential is missing; give it with {flag}")]
    RegistryNoCredential { domain: String, kind: &'static str, flag: &'static str },
    /// `registries configure -y` without the secret's name.
    #[error("--yes needs --secret-name: the name of the secret to create, or to reuse when it exists; add --secret-name <NAME>")]
    YesNeedsSecretName,
    /// A Secrets Store name with other characters.
    #[error("secret name `{name}` may only contain letters, digits, underscores and dashes; pick another with --secret-name")]
    SecretName { name: String },
    /// The secret would be read from a terminal, which would show it.
    #[error("the {what} is read from stdin, which is a terminal here; pipe it in (`... < key-file`) or pass --secret-file <PATH>")]
    SecretFromTerminal { what: &'static str },
    /// The secret input is empty.
    #[error("no {what} given: {source_name} is empty; pipe the secret into stdin or pass --secret-file <PATH>")]
    EmptySecret { what: &'static str, source_name: String },
    /// A Google service account key that cannot be used.
    #[error("{why}; give the service account's JSON key file as it was downloaded (with --secret-file, or on stdin)")]
    GarKey { why: String },
    /// Several Secrets Stores and none chosen.
    #[error(
        "the account has {count} Secrets Stores ({ids}); pick the one for the credential with --secret-store-id <ID>"
    )]
    SeveralStores { count: usize, ids: String },
    /// The secret's name is taken in the store.
    #[error("secret `{name}` exists already in Secrets Store {store}; rerun with --yes to use it as the credential, or pick another --secret-name")]
    SecretExists { name: String, store: String },
    /// The registry is configured already.
    #[error("registry {domain} is configured already; to change its credentials, delete it first with `cargo cfcontainer registries delete {domain}`")]
    RegistryExists { domain: String },
    /// `registries delete` without --yes and no terminal to ask on.
    #[error("deleting registry {domain} needs a confirmation and there is no terminal to ask on; rerun with --yes (which also deletes the secret it leaves in the Secrets Store)")]
    DeleteNeedsYes { domain: String },
    /// The registry is not configured.
    #[error(
        "registry {domain} is not configured on the account; `cargo cfcontainer registries list` shows those that are"
    )]
    RegistryNotConfigured { domain: String },
    /// A container env var reads a Worker var the settings do not define.
    #[error("container `{class}` reads env var {env} from Worker var `{name}`, which [package.metadata.cfcontainer] `vars` does not define; add `vars = {{ {name} = \"...\" }}`")]
    MissingVar { class: String, env: String, name: String },
    /// A container env var reads a Secrets Store binding the wrangler
    /// config does not declare.
    #[error("container `{class}` reads env var {env} from Secrets Store binding `{binding}`, which is not declared in {}; add `secrets_store_secrets = [{{ binding = \"{binding}\", store_id = \"<store id>\", secret_name = \"<secret name>\" }}]` there", file.as_ref().map(|f| f.display().to_string()).unwrap_or_else(|| "a wrangler config (the crate has none: create wrangler.toml beside Cargo.toml)".into()))]
    MissingSecretsStoreBinding { class: String, env: String, binding: String, file: Option<PathBuf> },
}

/// A multi-line message (cargo's "Caused by:" chains) folded onto one
/// line. The source excerpt cargo draws under a message (` --> file:6:7`,
/// then `6 | foo =` and a caret line) becomes ` at file:6:7`: the drawing
/// means nothing once folded.
pub fn one_line(text: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(place) = line.strip_prefix("--> ") {
            if let Some(message) = parts.last_mut() {
                message.push_str(&format!(" at {}", place.trim()));
            }
            continue;
        }
        if line.is_empty() || line == "Caused by:" || is_excerpt(line) {
            continue;
        }
        parts.push(line.trim_start_matches("error: ").to_string());
    }
    if parts.is_empty() {
        return "unknown error".to_string();
    }
    parts.join(": ").replace("exited with an error: error: ", "failed: ")
}

/// A line of a drawn source excerpt: the gutter (`|`), a numbered source
/// line (`6 | foo =`) or the marks under it (`|      ^`).
fn is_excerpt(line: &str) -> bool {
    line.trim_start_matches(|c: char| c.is_ascii_digit()).trim_start().starts_with('|')
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn a_caused_by_chain_is_folded_onto_one_line() {
        let chain = "error: failed to get `serde` as a dependency of package `x`\n\nCaused by:\n  failed to read `/tmp/nope/Cargo.toml`\n\nCaused by:\n  No such file or directory (os error 2)\n";
        assert_eq!(
            one_line(chain),
            "failed to get `serde` as a dependency of package `x`: failed to read `/tmp/nope/Cargo.toml`: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn a_drawn_source_excerpt_becomes_the_place_it_points_at() {
        let toml = "error: string values must be quoted, expected literal string\n --> Cargo.toml:6:7\n  |\n6 | foo = \n  |       ^\n";
        assert_eq!(one_line(toml), "string values must be quoted, expected literal string at Cargo.toml:6:7");
    }
}

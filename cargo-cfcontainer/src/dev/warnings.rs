//! What `dev` leaves out, said as warnings: lines of `_redirects` and
//! `_headers` the simulator skips (in `wrangler dev`'s words) and
//! bindings not provided locally.

use std::path::Path;

use cfcontainer_meta::wrangler::{BindingKind, HtmlHandling};

use super::asset_rules::Skipped;
use super::headers::{self, Headers};
use super::redirects::{self, Redirects};
use crate::output::{Output, Reason};
use crate::project::Project;

/// The rules of the assets' `_redirects` (at `path`), as `wrangler dev`
/// reads them: each line it leaves out is a warning in its words.
pub fn redirects(text: &str, path: &Path, html_handling: Option<HtmlHandling>, out: &Output) -> Option<Redirects> {
    let parsed = redirects::parse(text, html_handling);
    warn_skipped(Reason::DevRedirectSkipped, path, &parsed.skipped, out);
    for advice in &parsed.advice {
        out.verbose(advice);
    }
    parsed.redirects
}

/// The rules of the assets' `_headers` (at `path`), likewise.
pub fn headers(text: &str, path: &Path, out: &Output) -> Option<Headers> {
    let parsed = headers::parse(text);
    warn_skipped(Reason::DevHeaderSkipped, path, &parsed.skipped, out);
    parsed.headers
}

/// One warning (event `reason`) for each line of the file at `path` that
/// the simulator leaves out.
fn warn_skipped(reason: Reason, path: &Path, skipped: &[Skipped], out: &Output) {
    for skipped in skipped {
        let Skipped { number, text, message } = skipped;
        let value = SkippedLine { file: path, line: *number, text: text.as_deref(), message };
        out.event(reason, &value, || {
            let at = number.map(|n| format!(":{n}")).unwrap_or_default();
            let shown = text.as_ref().map(|t| format!(" ({t})")).unwrap_or_default();
            format!("warning: {}{at}: {message}{shown}", path.display())
        });
    }
}

/// Bindings of the wrangler config that local runs do not provide yet:
/// the Worker would fail where it reads them, so say which.
pub fn warn_unprovided(project: &Project, out: &Output) {
    let Some(source) = &project.settings.wrangler else { return };
    let provided = [
        BindingKind::TextVar,
        BindingKind::JsonVar,
        BindingKind::KvNamespace,
        BindingKind::R2Bucket,
        BindingKind::D1Database,
        BindingKind::QueueProducer,
        BindingKind::SecretsStoreSecret,
    ];
    // Durable Objects of this Worker are; another Worker's are not.
    let own_object =
        |name: &str| source.bindings.durable_objects.bindings.iter().any(|d| d.name == name && d.script_name.is_none());
    let unprovided = source.bindings.named().into_iter().filter(|b| {
        let provided_here = provided.contains(&b.kind) || (b.kind == BindingKind::DurableObject && own_object(&b.name));
        !provided_here
    });
    for binding in unprovided {
        let (key, name) = (binding.kind.config_key(), &binding.name);
        out.event(Reason::DevUnprovidedBinding, &Unprovided { key, name }, || {
            format!(
                "warning: {}: `{key}` binding `{name}` is not provided locally yet; reading it fails",
                source.path.display()
            )
        });
    }
}

/// A line of `_redirects` or `_headers` left out (events
/// `dev-redirect-skipped`, `dev-header-skipped`).
#[derive(serde::Serialize)]
struct SkippedLine<'a> {
    file: &'a Path,
    /// Its number, when the line is one.
    line: Option<usize>,
    /// The line.
    text: Option<&'a str>,
    /// Why it is left out.
    message: &'a str,
}

/// A binding not provided locally (event `dev-unprovided-binding`).
#[derive(serde::Serialize)]
struct Unprovided<'a> {
    /// The wrangler file's key of its kind.
    key: &'a str,
    name: &'a str,
}

//! `GET /v2/_catalog?tags=true` as Cloudflare's registry answers it: the
//! account's repositories with their tags, paged by `n` and `last` with a
//! `Link` to the next page. The real (distribution) registry ignores
//! `tags=true`, so the front lists each repository's tags itself.

use std::collections::BTreeMap;

use hyper::header::{HeaderMap, CONTENT_TYPE, LINK};
use hyper::{Method, Response};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

use super::registry_error;
use super::upstream::{self, full, Body};
use crate::registry::Registry;

/// Repositories per page when the client does not say (distribution's
/// default page; a real catalog of many repositories takes several).
const DEFAULT_PAGE: usize = 100;
/// The most a client may ask for in one page (distribution's limit).
const MAX_PAGE: usize = 1000;

/// What a repository name keeps escaped in a query: all but RFC 3986's
/// unreserved characters.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A page of the real registry's `GET /v2/_catalog`.
#[derive(Deserialize)]
struct Names {
    repositories: Vec<String>,
}

/// The real registry's `GET /v2/<name>/tags/list`; `null` once every tag
/// of a repository was deleted.
#[derive(Deserialize)]
struct Tags {
    tags: Option<Vec<String>>,
}

/// A page of the catalog with tags.
#[derive(Serialize)]
struct WithTags {
    repositories: BTreeMap<String, Vec<String>>,
}

/// One page of the catalog of `account`'s repositories, from `query`
/// (`tags=true`, optional `n` and `last`); `Err` if the real registry
/// failed.
pub async fn page(real: &Registry, account: &str, query: &str) -> Result<Response<Body>, String> {
    let mut n = DEFAULT_PAGE;
    let mut last = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match (key.as_ref(), value.parse()) {
            ("n", Ok(number)) if (1..=MAX_PAGE).contains(&number) => n = number,
            ("n", _) => {
                return Ok(registry_error(400, "PAGINATION_NUMBER_INVALID", "invalid number of results requested"))
            }
            ("last", _) => last = Some(value.into_owned()),
            _ => {}
        }
    }
    let encode = |text: &str| utf8_percent_encode(text, QUERY_VALUE).to_string();
    let mut path = format!("/v2/_catalog?n={n}");
    if let Some(last) = &last {
        path.push_str(&format!("&last={}", encode(last)));
    }
    let answer = upstream::send(real, Method::GET, &path, &HeaderMap::new(), upstream::empty()).await?;
    let more = answer.headers().contains_key(LINK);
    let (status, body) = upstream::read(answer).await?;
    let names: Names = match status {
        200 => serde_json::from_slice(&body).map_err(|e| format!("the registry's catalog: {e}"))?,
        _ => return Err(format!("the registry answered {status} to {path}")),
    };
    let mut repositories = BTreeMap::new();
    let prefix = format!("{account}/");
    for name in names.repositories.iter().filter(|r| r.starts_with(&prefix)) {
        let path = format!("/v2/{name}/tags/list");
        let (status, body) =
            upstream::read(upstream::send(real, Method::GET, &path, &HeaderMap::new(), upstream::empty()).await?)
                .await?;
        let tags: Tags = match status {
            200 => serde_json::from_slice(&body).map_err(|e| format!("the tags of {name}: {e}"))?,
            _ => return Err(format!("the registry answered {status} to {path}")),
        };
        repositories.insert(name.clone(), tags.tags.unwrap_or_default());
    }
    let json = serde_json::to_vec(&WithTags { repositories }).expect("a catalog page serializes");
    let mut response = Response::builder()
        .header(CONTENT_TYPE, "application/json; charset=utf-8")
        .header("docker-distribution-api-version", "registry/2.0");
    if let (true, Some(cursor)) = (more, names.repositories.last()) {
        response =
            response.header(LINK, format!("</v2/_catalog?tags=true&n={n}&last={}>; rel=\"next\"", encode(cursor)));
    }
    Ok(response.body(full(json)).expect("a catalog answer builds"))
}

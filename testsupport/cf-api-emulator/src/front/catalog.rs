//! `GET /v2/_catalog?tags=true` as Cloudflare's registry answers it: the
//! account's repositories with their tags, paged by `n` and `last` with a
//! `Link` to the next page. The real (distribution) registry ignores
//! `tags=true`, so the front lists each repository's tags itself; and it
//! holds every account's repositories, the account's being the ones named
//! `<account>/...`, which sort together.

use std::collections::BTreeMap;

use hyper::header::{HeaderMap, CONTENT_TYPE, LINK};
use hyper::{Method, Response};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

use super::registry_error;
use super::upstream::{self, full, Body};
use crate::registry::Registry;

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
/// (`tags=true`, optional `n`, else `default_page`, and `last`); `Err` if
/// the real registry failed.
pub async fn page(real: &Registry, account: &str, default_page: usize, query: &str) -> Result<Response<Body>, String> {
    let mut n = default_page;
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
    // The account's repositories from `last` on (or from the first), one
    // more than a page to know whether another page follows.
    let prefix = format!("{account}/");
    let start = last.filter(|l| *l > prefix).unwrap_or_else(|| prefix.clone());
    let path = format!("/v2/_catalog?n={}&last={}", n + 1, encode(&start));
    let (status, body) =
        upstream::read(upstream::send(real, Method::GET, &path, &HeaderMap::new(), upstream::empty()).await?).await?;
    let names: Names = match status {
        200 => serde_json::from_slice(&body).map_err(|e| format!("the registry's catalog: {e}"))?,
        _ => return Err(format!("the registry answered {status} to {path}")),
    };
    let mut names: Vec<String> = names.repositories.into_iter().take_while(|r| r.starts_with(&prefix)).collect();
    let more = names.len() > n;
    names.truncate(n);
    let mut repositories = BTreeMap::new();
    for name in &names {
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
    if let (true, Some(cursor)) = (more, names.last()) {
        response =
            response.header(LINK, format!("</v2/_catalog?tags=true&n={n}&last={}>; rel=\"next\"", encode(cursor)));
    }
    Ok(response.body(full(json)).expect("a catalog answer builds"))
}

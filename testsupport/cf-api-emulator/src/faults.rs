//! Fault injection: make a given call fail the next `times` times.

use serde::Deserialize;

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status (and `Retry-After` seconds, if given) and a
    /// failure envelope, without doing anything.
    Status {
        /// The HTTP status, e.g. 429 or 500.
        status: u16,
        /// Seconds for the `Retry-After` header, if any.
        retry_after: Option<u64>,
    },
    /// Close the connection without answering, without doing anything.
    Drop,
    /// Do the work, then close the connection without answering.
    DropAfter,
    /// Do the work, then answer with this status (a gateway's 502, say)
    /// and a failure envelope: the work is done, the answer says it failed.
    StatusAfter {
        /// The HTTP status, e.g. 502.
        status: u16,
    },
}

/// A fault for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Fault {
    /// HTTP method, e.g. `PUT`.
    pub method: String,
    /// Path after `/client/v4`, without the query.
    pub path: String,
    /// What happens.
    pub kind: FaultKind,
    /// How many matching requests it affects.
    pub times: u32,
}

/// Takes the first pending fault for this call, if any.
pub fn take(faults: &mut Vec<Fault>, method: &str, path: &str) -> Option<FaultKind> {
    let index = faults.iter().position(|f| f.method == method && f.path == path && f.times > 0)?;
    let fault = &mut faults[index];
    fault.times -= 1;
    let kind = fault.kind.clone();
    if fault.times == 0 {
        faults.remove(index);
    }
    Some(kind)
}

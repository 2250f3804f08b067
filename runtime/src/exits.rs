//! The latest run's exit, kept in the object's storage until the next
//! start: an object evicted after its job ended (workerd evicts one about
//! ten seconds after its last request) still reports the job's exit code.
//! Stored as a JS array `[code, at_ms]`, as the schedules are.

use worker::js_sys::{Array, Promise};
use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Result, Storage};

/// The storage key; a prefix no user key is likely to have.
const KEY: &str = "__cfcontainer_last_exit";

/// One run's end, as stored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredExit {
    /// The process's exit code.
    pub code: i32,
    /// When it was seen, in ms since the epoch.
    pub at_ms: f64,
}

/// The stored exit, if any.
pub async fn load(storage: &Storage) -> Result<Option<StoredExit>> {
    let promise: Promise = storage.as_raw().get(KEY)?;
    let value = JsFuture::from(promise).await?;
    if !Array::is_array(&value) {
        return Ok(None);
    }
    let pair = Array::from(&value);
    Ok(pair.get(0).as_f64().zip(pair.get(1).as_f64()).map(|(code, at_ms)| StoredExit { code: code as i32, at_ms }))
}

/// Keeps `exit` in place of the one stored.
pub async fn save(storage: &Storage, exit: StoredExit) -> Result<()> {
    let pair = Array::of2(&JsValue::from_f64(exit.code as f64), &JsValue::from_f64(exit.at_ms));
    storage.put_raw(KEY, pair).await
}

/// Forgets the stored exit (a new run begins).
pub async fn clear(storage: &Storage) -> Result<()> {
    storage.delete(KEY).await.map(drop)
}

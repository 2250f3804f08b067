//! Schedules set with `Control::schedule`, kept in the object's storage
//! (so they outlive an eviction) as a JS array of `[at_ms, name]`.

use worker::js_sys::{Array, Promise};
use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Result, Storage};

/// The storage key; a prefix no user key is likely to have.
const KEY: &str = "__cfcontainer_schedules";

/// One pending schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// When it is due, in ms since the epoch.
    pub at_ms: f64,
    /// The name given to `on_schedule`.
    pub name: String,
}

/// Every pending schedule, soonest first (as [`add`] keeps them).
pub async fn load(storage: &Storage) -> Result<Vec<Entry>> {
    let promise: Promise = storage.as_raw().get(KEY)?;
    let value = JsFuture::from(promise).await?;
    if !Array::is_array(&value) {
        return Ok(Vec::new());
    }
    let entries = Array::from(&value)
        .iter()
        .filter_map(|pair| {
            let pair = Array::from(&pair);
            Some(Entry { at_ms: pair.get(0).as_f64()?, name: pair.get(1).as_string()? })
        })
        .collect();
    Ok(entries)
}

/// Replaces the pending schedules.
pub async fn save(storage: &Storage, entries: &[Entry]) -> Result<()> {
    if entries.is_empty() {
        storage.delete(KEY).await?;
        return Ok(());
    }
    let array: Array = entries
        .iter()
        .map(|e| JsValue::from(Array::of2(&JsValue::from_f64(e.at_ms), &JsValue::from_str(&e.name))))
        .collect();
    storage.put_raw(KEY, array).await
}

/// Adds a schedule in its place by time (after those due at the same
/// time), so the list stays sorted without a sort.
pub async fn add(storage: &Storage, entry: Entry) -> Result<()> {
    let mut entries = load(storage).await?;
    let at = entries.iter().position(|e| e.at_ms > entry.at_ms).unwrap_or(entries.len());
    entries.insert(at, entry);
    save(storage, &entries).await
}

/// Removes and returns the schedules due at `now_ms`, soonest first.
pub async fn take_due(storage: &Storage, now_ms: f64) -> Result<Vec<Entry>> {
    let entries = load(storage).await?;
    let (due, later): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(|e| e.at_ms <= now_ms);
    if !due.is_empty() {
        save(storage, &later).await?;
    }
    Ok(due)
}

/// When the soonest pending schedule is due.
pub async fn earliest(storage: &Storage) -> Result<Option<f64>> {
    Ok(load(storage).await?.first().map(|e| e.at_ms))
}

//! A realistic Worker: a note's text is kept in R2, its row (size, when it
//! was saved) in D1, the id of the latest one in KV; a container renders
//! a note, and a nightly cron sweeps old ones. Every binding is reached
//! through `cfcontainer::bindings!()`'s accessors, checked against
//! `wrangler.toml` at compile time.
//!
//! - `PUT /notes/<id>` (the text as body) saves a note, then reads it back
//!   from R2, D1 and KV and answers with the container's rendering.
//! - `GET /notes/<id>` answers with the rendering of a saved note.
//! - `GET /notes` lists the saved notes (from D1).
//! - `GET /log` lists the saves, as the queue consumer logged them.
//! - Everything else is a static asset of `public/` (the page at `/`).

use cfcontainer::container;
use serde::{Deserialize, Serialize};
use worker::wasm_bindgen::JsValue;
use worker::{
    durable_object, event, Context, Date, DurableObject, Env, Headers, MessageBatch, Method, Request, RequestInit,
    Response, Result, RouteContext, Router, ScheduleContext, ScheduledEvent, State,
};

cfcontainer::bindings!();

/// busybox httpd whose `note.cgi` renders a note from what the Worker sends.
#[container(port = 8080, sleep_after = "2m")]
pub struct Renderer;

/// How often one note was read: its own Durable Object (by the note's id)
/// counts in its storage.
#[durable_object]
pub struct Views {
    state: State,
}

impl DurableObject for Views {
    fn new(state: State, _env: Env) -> Self {
        Views { state }
    }

    async fn fetch(&self, _req: Request) -> Result<Response> {
        let storage = self.state.storage();
        let reads = storage.get::<u64>("reads").await?.unwrap_or(0) + 1;
        storage.put("reads", reads).await?;
        Response::ok(reads.to_string())
    }
}

/// A note's row in D1.
#[derive(Deserialize)]
struct Note {
    id: String,
    bytes: u32,
    /// Milliseconds since the epoch.
    saved_at: f64,
}

impl Note {
    fn saved(&self) -> String {
        worker::js_sys::Date::new(&JsValue::from_f64(self.saved_at)).to_iso_string().into()
    }
}

/// What the queue carries: one save.
#[derive(Serialize, Deserialize)]
struct Saved {
    id: String,
    bytes: u32,
}

const LOG_SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS log (id TEXT NOT NULL, bytes INTEGER NOT NULL, seq INTEGER PRIMARY KEY)";

const SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY, bytes INTEGER NOT NULL, saved_at INTEGER NOT NULL)";

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Router::new()
        .put_async("/notes/:id", |mut req, ctx| async move {
            let text = req.text().await?;
            save(&ctx, &text).await?;
            render(&ctx).await
        })
        .get_async("/notes/:id", |_, ctx| async move { render(&ctx).await })
        .get_async("/notes", |_, ctx| async move { list(&ctx.env).await })
        .get_async("/log", |_, ctx| async move { log(&ctx.env).await })
        .run(req, env)
        .await
}

/// Writes the note to R2, D1 and KV.
async fn save(ctx: &RouteContext<()>, text: &str) -> Result<()> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let bindings = Bindings::of(&ctx.env);
    bindings.notes()?.put(format!("notes/{id}"), text.to_string()).execute().await?;
    let db = bindings.db()?;
    db.exec(SCHEMA).await?;
    let saved_at = Date::now().as_millis() as f64;
    db.prepare("INSERT OR REPLACE INTO notes (id, bytes, saved_at) VALUES (?1, ?2, ?3)")
        .bind(&[JsValue::from_str(&id), JsValue::from(text.len() as u32), JsValue::from_f64(saved_at)])?
        .run()
        .await?;
    bindings.latest()?.put("latest", id.as_str())?.execute().await?;
    bindings.events()?.send(Saved { id, bytes: text.len() as u32 }).await?;
    Ok(())
}

/// The queue's consumer: each save, logged in D1.
#[event(queue)]
async fn log_saves(batch: MessageBatch<Saved>, env: Env, _ctx: Context) -> Result<()> {
    let db = Bindings::of(&env).db()?;
    db.exec(LOG_SCHEMA).await?;
    for message in batch.messages()? {
        let saved = message.body();
        db.prepare("INSERT INTO log (id, bytes) VALUES (?1, ?2)")
            .bind(&[saved.id.as_str().into(), JsValue::from(saved.bytes)])?
            .run()
            .await?;
    }
    Ok(())
}

/// The logged saves, oldest first, one per line.
async fn log(env: &Env) -> Result<Response> {
    #[derive(Deserialize)]
    struct Line {
        id: String,
        bytes: u32,
    }
    let db = Bindings::of(env).db()?;
    db.exec(LOG_SCHEMA).await?;
    let lines: Vec<Line> = db.prepare("SELECT id, bytes FROM log ORDER BY seq").all().await?.results()?;
    Response::ok(lines.iter().map(|l| format!("saved {} ({} bytes)\n", l.id, l.bytes)).collect::<String>())
}

/// Reads the note back from R2, D1 and KV and has the container render it.
async fn render(ctx: &RouteContext<()>) -> Result<Response> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let bindings = Bindings::of(&ctx.env);
    let Some(object) = bindings.notes()?.get(format!("notes/{id}")).execute().await? else {
        // The static page, through the assets binding.
        let page = bindings.assets()?.fetch("http://assets/missing.html", None).await?;
        return Ok(page.with_status(404));
    };
    let text = match object.body() {
        Some(body) => body.text().await?,
        None => String::new(),
    };
    let db = bindings.db()?;
    db.exec(SCHEMA).await?;
    let note: Option<Note> =
        db.prepare("SELECT * FROM notes WHERE id = ?1").bind(&[id.as_str().into()])?.first(None).await?;
    let Some(note) = note else { return Response::error(format!("note {id} has no row"), 500) };
    let latest = bindings.latest()?.get("latest").text().await?.unwrap_or_default();
    let views = bindings.views()?.id_from_name(&id)?.get_stub()?;
    let reads = views.fetch_with_str("http://views/read").await?.text().await?;

    let headers = Headers::new();
    headers.set("x-title", &bindings.title()?.to_string())?;
    headers.set("x-note-id", &note.id)?;
    headers.set("x-note-bytes", &note.bytes.to_string())?;
    headers.set("x-note-saved", &note.saved())?;
    headers.set("x-latest", &latest)?;
    headers.set("x-reads", &reads)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(JsValue::from_str(&text)));
    let request = Request::new_with_init("http://renderer/cgi-bin/note.cgi", &init)?;
    Renderer::named(&ctx.env, "renderer")?.fetch(request).await
}

/// The saved notes, newest first, one per line.
async fn list(env: &Env) -> Result<Response> {
    let db = Bindings::of(env).db()?;
    db.exec(SCHEMA).await?;
    let notes: Vec<Note> = db.prepare("SELECT * FROM notes ORDER BY saved_at DESC").all().await?.results()?;
    let lines: Vec<String> = notes.iter().map(|n| format!("{} {} {}\n", n.id, n.bytes, n.saved())).collect();
    Response::ok(lines.concat())
}

/// Nightly: forgets the notes saved more than `KEEP_DAYS` before the
/// run's scheduled time, text and row. Under `cargo cfcontainer dev`:
/// `curl "localhost:8787/cdn-cgi/handler/scheduled?cron=0+3+*+*+*"`.
#[event(scheduled)]
async fn sweep(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    if let Err(e) = sweep_old(&env, event.schedule()).await {
        worker::console_error!("sweeping old notes failed: {e}");
    }
}

async fn sweep_old(env: &Env, now_ms: f64) -> Result<()> {
    let bindings = Bindings::of(env);
    let keep_days: u64 = bindings.keep_days()?;
    let cutoff = now_ms - (keep_days * 86_400_000) as f64;
    let db = bindings.db()?;
    db.exec(SCHEMA).await?;
    let old: Vec<Note> = db
        .prepare("SELECT * FROM notes WHERE saved_at < ?1")
        .bind(&[JsValue::from_f64(cutoff)])?
        .all()
        .await?
        .results()?;
    for note in old {
        bindings.notes()?.delete(format!("notes/{}", note.id)).await?;
        db.prepare("DELETE FROM notes WHERE id = ?1").bind(&[note.id.as_str().into()])?.run().await?;
    }
    Ok(())
}

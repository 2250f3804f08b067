// One typed accessor per binding of a wrangler file, with the workers-rs
// type of each kind. (The path is relative to the crate trybuild makes,
// target/tests/trybuild/cfcontainer.)
cfcontainer::bindings!("../../../../runtime/tests/ui/wrangler/app.toml");

use worker::{Env, Result};

#[derive(serde::Deserialize)]
struct Limits {
    max_items: u32,
}

#[allow(dead_code)]
fn typed(env: &Env) -> Result<()> {
    let env = Bindings::of(env);
    let _: worker::Var = env.mode()?;
    let limits: Limits = env.limits()?;
    let _ = limits.max_items;
    let _: worker::KvStore = env.my_cache()?;
    let _: worker::Bucket = env.assets()?;
    let _: worker::D1Database = env.db()?;
    let _: worker::Fetcher = env.auth()?;
    let _: worker::Queue = env.jobs()?;
    let _: worker::ObjectNamespace = env.counter()?;
    let _: worker::Ai = env.ai()?;
    let _: worker::Hyperdrive = env.pg()?;
    let _: worker::AnalyticsEngineDataset = env.events()?;
    let _: worker::DynamicDispatcher = env.tenants()?;
    let _: worker::SecretStore = env.stripe()?;
    let _: worker::SendEmail = env.mailer()?;
    let _: worker::wasm_bindgen::JsValue = env.search()?;
    let _: worker::Fetcher = env.r#static()?;
    Ok(())
}

fn main() {}

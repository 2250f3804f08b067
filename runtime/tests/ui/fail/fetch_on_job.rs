// A class without `port` is a job: it takes no requests.
#[cfcontainer::container(image = "registry.cloudflare.com/acct/job:1")]
pub struct Nightly;

async fn handle(env: worker::Env, req: worker::Request) -> worker::Result<worker::Response> {
    Nightly::named(&env, "run")?.fetch(req).await
}

fn main() {}

// A job: no port; started from code, its exit code read from its state.
#[cfcontainer::container(image = "registry.cloudflare.com/acct/job:1", env(TASK = "nightly"))]
pub struct Nightly;

async fn run(env: worker::Env) -> worker::Result<Option<i32>> {
    let job = Nightly::named(&env, "run")?;
    job.start(cfcontainer::StartOptions::default()).await?;
    Ok(job.state().await?.last_exit_code)
}

fn main() {}

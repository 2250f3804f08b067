#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080)]
pub struct MyContainer;

fn route(env: &worker::Env) -> worker::Result<()> {
    let _ = MyContainer::nmaed(env, "container")?;
    Ok(())
}

fn main() {}

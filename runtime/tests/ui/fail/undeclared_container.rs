pub struct NotAContainer;

fn route(env: &worker::Env) -> worker::Result<()> {
    let _ = cfcontainer::Namespace::<NotAContainer>::from_env(env)?;
    Ok(())
}

fn main() {}

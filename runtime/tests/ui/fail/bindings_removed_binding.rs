// A binding that is not (or no longer) in the wrangler file has no accessor.
cfcontainer::bindings!("../../../../runtime/tests/ui/wrangler/app.toml");

fn read(env: &worker::Env) -> worker::Result<worker::Bucket> {
    Bindings::of(env).uploads()
}

fn main() {}

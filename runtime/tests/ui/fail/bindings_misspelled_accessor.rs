// A typo in an accessor does not compile; rustc suggests the binding.
cfcontainer::bindings!("../../../../runtime/tests/ui/wrangler/app.toml");

fn read(env: &worker::Env) -> worker::Result<worker::KvStore> {
    Bindings::of(env).my_cahce()
}

fn main() {}

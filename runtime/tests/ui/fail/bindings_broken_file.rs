// A wrangler file that does not parse: one error, with its path and line.
cfcontainer::bindings!("../../../../runtime/tests/ui/wrangler/broken.toml");

fn main() {}

// Two bindings that become the same accessor name.
cfcontainer::bindings!("../../../../runtime/tests/ui/wrangler/collide.toml");

fn main() {}

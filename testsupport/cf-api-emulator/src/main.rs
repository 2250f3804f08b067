//! Runs the emulator for benchmarks and manual use. Settings come from the
//! environment (never argv, since one of them is a password):
//! `CFEMU_PORT` (default 0 = any), `CFEMU_ACCOUNT`, `CFEMU_TOKEN`,
//! `CFEMU_REGISTRY`, `CFEMU_REGISTRY_USER`, `CFEMU_REGISTRY_PASSWORD`,
//! `CFEMU_MAX_PER_PAGE` (the real API's pages are larger than the tests').
//! Prints the API base URL, then serves until killed.

fn main() {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut config = cf_api_emulator::Config::for_tests();
    if let Some(account) = var("CFEMU_ACCOUNT") {
        config.account_id = account;
    }
    if let Some(token) = var("CFEMU_TOKEN") {
        config.token = token;
    }
    if let (Some(host), Some(username), Some(password)) =
        (var("CFEMU_REGISTRY"), var("CFEMU_REGISTRY_USER"), var("CFEMU_REGISTRY_PASSWORD"))
    {
        config.registry = Some(cf_api_emulator::Registry { host, username, password });
    }
    if let Some(per_page) = var("CFEMU_MAX_PER_PAGE").and_then(|p| p.parse().ok()) {
        config.max_per_page = per_page;
    }
    let port = var("CFEMU_PORT").and_then(|p| p.parse().ok()).unwrap_or(0);
    let emulator = cf_api_emulator::Emulator::start_on(config, port);
    println!("{}", emulator.base_url());
    loop {
        std::thread::park();
    }
}

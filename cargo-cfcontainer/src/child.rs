//! What the programs `cargo cfcontainer` runs (cargo, and through it every
//! build script and proc macro of every dependency; worker-build; workerd)
//! may see of its environment: never the account's credentials.

use cfcontainer_meta::CREDENTIAL_VARS;

/// A command whose environment can lose variables.
pub trait WithoutCredentials {
    /// Removes [`CREDENTIAL_VARS`] from the command's environment.
    fn without_credentials(&mut self) -> &mut Self;
}

impl WithoutCredentials for std::process::Command {
    fn without_credentials(&mut self) -> &mut Self {
        for var in CREDENTIAL_VARS {
            self.env_remove(var);
        }
        self
    }
}

impl WithoutCredentials for tokio::process::Command {
    fn without_credentials(&mut self) -> &mut Self {
        for var in CREDENTIAL_VARS {
            self.env_remove(var);
        }
        self
    }
}

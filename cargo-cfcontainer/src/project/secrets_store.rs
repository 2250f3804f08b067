//! Container env vars read from the Secrets Store (`env(K =
//! secrets_store("BINDING"))`): the Worker has the binding only when the
//! wrangler config declares it, so `dev` and `deploy` refuse to go on
//! without it instead of failing each container start.

use cfcontainer_meta::{ContainerMeta, EnvValue};

use super::WorkerSettings;
use crate::Error;

/// The first container env var whose Secrets Store binding the selected
/// section of the wrangler config does not declare, as an error.
pub fn check_bindings(settings: &WorkerSettings, containers: &[ContainerMeta]) -> Result<(), Error> {
    let declared = |binding: &str| {
        let file = settings.wrangler.as_ref().map(|w| &w.bindings.secrets_store_secrets);
        file.is_some_and(|entries| entries.iter().any(|s| s.binding == binding))
    };
    for c in containers {
        for var in &c.env {
            if let EnvValue::SecretsStore(binding) = &var.value {
                if !declared(binding) {
                    return Err(Error::MissingSecretsStoreBinding {
                        class: c.class.clone(),
                        env: var.name.clone(),
                        binding: binding.clone(),
                        file: settings.wrangler.as_ref().map(|w| w.path.clone()),
                    });
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use cfcontainer_meta::{ContainerMeta, EnvValue, EnvVar};

    use super::check_bindings;
    use crate::testing::project;

    fn reading(binding: &str) -> Vec<ContainerMeta> {
        let mut meta = ContainerMeta::example("Api");
        meta.env.push(EnvVar { name: "API_KEY".into(), value: EnvValue::SecretsStore(binding.into()) });
        vec![meta]
    }

    const FILE: &str = r#"
        name = "api"
        secrets_store_secrets = [{ binding = "API_KEY", store_id = "0123abcd", secret_name = "api-key" }]
        [env.staging]
        name = "api-staging"
    "#;

    #[test]
    fn a_binding_the_wrangler_file_declares_is_accepted() {
        let (_dir, project) = project("api", &[("wrangler.toml", FILE)], None);
        assert!(check_bindings(&project.settings, &reading("API_KEY")).is_ok());
    }

    #[test]
    fn an_undeclared_binding_is_one_line_naming_the_class_the_file_and_the_entry_to_add() {
        let (_dir, project) = project("api", &[("wrangler.toml", FILE)], None);
        let message = check_bindings(&project.settings, &reading("API_TOKEN")).unwrap_err().to_string();
        assert!(message.starts_with("container `Api` reads env var API_KEY from Secrets Store binding `API_TOKEN`, which is not declared in /"), "{message}");
        assert!(message.contains("wrangler.toml; add `secrets_store_secrets = [{ binding = \"API_TOKEN\", store_id = \"<store id>\", secret_name = \"<secret name>\" }]` there"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn an_environment_without_its_own_secrets_store_secrets_does_not_have_the_top_levels() {
        // As the official CLI: bindings are not inherited by an environment.
        let (_dir, project) = project("api", &[("wrangler.toml", FILE)], Some("staging"));
        let message = check_bindings(&project.settings, &reading("API_KEY")).unwrap_err().to_string();
        assert!(message.contains("binding `API_KEY`, which is not declared in"), "{message}");
    }

    #[test]
    fn a_crate_without_a_wrangler_file_is_told_to_create_one() {
        let (_dir, project) = project("api", &[], None);
        let message = check_bindings(&project.settings, &reading("API_KEY")).unwrap_err().to_string();
        assert!(
            message.contains(
                "not declared in a wrangler config (the crate has none: create wrangler.toml beside Cargo.toml)"
            ),
            "{message}"
        );
    }
}

//! The rules a container's labels follow, checked before a start is sent:
//! workerd (1.20261117.1, `requireValidLabels`) throws on the same ones, in
//! the object, where the message would not say which label or what to do.

use std::collections::BTreeMap;

/// At most this many labels on one container.
pub const MAX_LABELS: usize = 10;
/// A label's name is 1 to this many bytes.
pub const MAX_NAME_BYTES: usize = 16;
/// A label's value is at most this many bytes.
pub const MAX_VALUE_BYTES: usize = 64;

/// Why `labels` cannot be sent, as one line that says what to change.
pub fn check(labels: &BTreeMap<String, String>) -> Result<(), String> {
    if labels.len() > MAX_LABELS {
        return Err(format!(
            "{} container labels given, at most {MAX_LABELS} are allowed: drop some from StartOptions::labels",
            labels.len()
        ));
    }
    for (name, value) in labels {
        if name.is_empty() {
            return Err("a container label has an empty name: give it a name of 1 to 16 bytes".into());
        }
        if name.len() > MAX_NAME_BYTES {
            return Err(format!(
                "container label name `{name}` is {} bytes, at most {MAX_NAME_BYTES} are allowed: shorten it",
                name.len()
            ));
        }
        if value.len() > MAX_VALUE_BYTES {
            return Err(format!(
                "the value of container label `{name}` is {} bytes, at most {MAX_VALUE_BYTES} are allowed: shorten it",
                value.len()
            ));
        }
        if has_control(name) {
            return Err(format!("container label name {name:?} has a control character: remove it"));
        }
        if has_control(value) {
            return Err(format!("the value of container label `{name}` has a control character: remove it"));
        }
    }
    Ok(())
}

/// A byte below 0x20 (what workerd calls a control character; DEL is not).
fn has_control(text: &str) -> bool {
    text.bytes().any(|b| b < 0x20)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::check;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn ten_labels_at_the_longest_name_and_value_are_accepted() {
        let value = "v".repeat(64);
        let names: Vec<String> = (0..10).map(|i| format!("{i}{}", "n".repeat(15))).collect();
        let given: BTreeMap<String, String> = names.iter().map(|n| (n.clone(), value.clone())).collect();
        assert_eq!(check(&given), Ok(()));
    }

    #[test]
    fn an_eleventh_label_is_refused_with_the_limit() {
        let given: BTreeMap<String, String> = (0..11).map(|i| (format!("l{i}"), String::new())).collect();
        let error = check(&given).unwrap_err();
        assert!(error.contains("11 container labels") && error.contains("at most 10"), "{error}");
    }

    #[test]
    fn a_name_of_seventeen_bytes_is_refused_and_named() {
        let error = check(&labels(&[("a-name-too-long-x", "v")])).unwrap_err();
        assert!(error.contains("`a-name-too-long-x` is 17 bytes"), "{error}");
    }

    #[test]
    fn an_empty_name_is_refused() {
        assert!(check(&labels(&[("", "v")])).unwrap_err().contains("empty name"));
    }

    #[test]
    fn a_value_of_sixty_five_bytes_is_refused_and_its_label_named() {
        let error = check(&labels(&[("team", &"v".repeat(65))])).unwrap_err();
        assert!(error.contains("`team` is 65 bytes"), "{error}");
    }

    #[test]
    fn control_characters_are_refused_in_names_and_values_but_not_multibyte_text() {
        assert!(check(&labels(&[("te\tam", "v")])).unwrap_err().contains("control character"));
        assert!(check(&labels(&[("team", "a\nb")])).unwrap_err().contains("control character"));
        assert_eq!(check(&labels(&[("équipe", "café ☕")])), Ok(()));
    }
}

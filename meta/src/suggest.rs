//! "Did you mean" suggestions for misspelled names: the `#[container]`
//! attribute's keys (in cfcontainer-macros) and the wrangler file's keys
//! (in `cargo cfcontainer`) are suggested the same way.

/// The closest of `known` to `unknown`, if it is close enough to be a
/// typo: at most a third of the known name's length (and one more) edits
/// away.
///
/// ```
/// use cfcontainer_meta::suggest::closest;
/// let known = ["compatibility_date", "compatibility_flags", "workers_dev"];
/// assert_eq!(closest("compatability_flags", &known), Some("compatibility_flags"));
/// assert_eq!(closest("kv", &known), None);
/// ```
pub fn closest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(unknown, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(1) + 1)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance between `a` and `b`, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

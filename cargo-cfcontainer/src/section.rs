//! Reading the `#[container]` metadata section back out of an artifact:
//! a custom section of a wasm module, or a named section of a native
//! library (ELF, Mach-O).

use std::path::Path;

use cfcontainer_meta::{decode_records, ContainerMeta, SECTION};
use object::{Object, ObjectSection};

use crate::Error;

/// Every container the artifact declares, sorted by class; checks that no
/// two share a class or binding (they may come from different crates).
pub fn containers(path: &Path, bytes: &[u8]) -> Result<Vec<ContainerMeta>, Error> {
    let bad = |why: String| Error::Section { path: path.to_path_buf(), why };
    let section = if bytes.starts_with(b"\0asm") {
        wasm_custom_section(bytes, SECTION).map_err(bad)?
    } else {
        native_section(bytes).map_err(bad)?
    };
    let containers = decode_records(&section).map_err(|e| bad(e.to_string()))?;
    check_unique(&containers)?;
    Ok(containers)
}

/// Concatenates every custom section called `name` (the linker merges
/// them into one, but nothing forbids several).
pub fn wasm_custom_section(wasm: &[u8], name: &str) -> Result<Vec<u8>, String> {
    if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
        return Err("not a wasm module".into());
    }
    let mut found = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        let (size, body) = leb128(wasm, at + 1).ok_or("truncated section header")?;
        let end = body.checked_add(size).filter(|e| *e <= wasm.len()).ok_or("section runs past the end of the file")?;
        if id == 0 {
            let (name_len, name_at) = leb128(wasm, body).ok_or("truncated custom section name")?;
            let payload = name_at + name_len;
            if payload <= end && &wasm[name_at..payload] == name.as_bytes() {
                found.extend_from_slice(&wasm[payload..end]);
            }
        }
        at = end;
    }
    Ok(found)
}

fn leb128(bytes: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let mut value = 0usize;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= ((byte & 0x7f) as usize) << shift;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
    }
    None
}

fn native_section(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let file = object::File::parse(bytes).map_err(|e| format!("not a library cargo-cfcontainer can read: {e}"))?;
    let wanted = ["__cfcontainer", SECTION];
    let section = file.sections().find(|s| s.name().is_ok_and(|n| wanted.contains(&n)));
    match section {
        Some(s) => s.data().map(<[u8]>::to_vec).map_err(|e| e.to_string()),
        None => Ok(Vec::new()),
    }
}

fn check_unique(containers: &[ContainerMeta]) -> Result<(), Error> {
    for (i, a) in containers.iter().enumerate() {
        for b in &containers[i + 1..] {
            let clash = if a.class == b.class {
                Some(("class", &a.class))
            } else if a.binding == b.binding {
                Some(("binding", &a.binding))
            } else {
                None
            };
            if let Some((what, name)) = clash {
                return Err(Error::Duplicate { what, name: name.clone(), first: a.rust_type.clone(), second: b.rust_type.clone() });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::wasm_custom_section;

    fn custom(name: &str, payload: &[u8]) -> Vec<u8> {
        let mut body = vec![name.len() as u8];
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(payload);
        let mut section = vec![0, body.len() as u8];
        section.extend(body);
        section
    }

    #[test]
    fn finds_and_joins_named_custom_sections() {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend(custom("other", b"zzz"));
        wasm.extend(custom("cfcontainer.meta", b"abc"));
        wasm.extend([1, 1, 0]); // a type section with no types
        wasm.extend(custom("cfcontainer.meta", b"def"));
        assert_eq!(wasm_custom_section(&wasm, "cfcontainer.meta").unwrap(), b"abcdef");
        assert_eq!(wasm_custom_section(&wasm, "missing").unwrap(), b"");
    }

    #[test]
    fn truncated_modules_are_errors() {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend([0, 50, 1]);
        assert!(wasm_custom_section(&wasm, "x").is_err());
        assert!(wasm_custom_section(b"ELF", "x").is_err());
    }
}

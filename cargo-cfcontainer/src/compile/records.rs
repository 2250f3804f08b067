//! Reading the `#[container]` metadata section back out of an artifact:
//! a custom section of a wasm module, or a named section of a native
//! library (ELF, Mach-O).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use cfcontainer_meta::{decode_records, ContainerMeta, RecordError, SCHEMA_VERSION, SECTION};
use cfcontainer_protocol::record::ProtocolRecord;
use object::{Object, ObjectSection};

use crate::Error;

/// Every container the artifact at `path` declares, sorted by class;
/// checks that no two share a class or binding (they may come from
/// different crates). A wasm module is read section header by section
/// header, so a large debug build costs a few reads, not its size.
pub fn containers(path: &Path) -> Result<Vec<ContainerMeta>, Error> {
    let bad = |why: String| Error::Section { path: path.to_path_buf(), why };
    let read_error = |e: std::io::Error| Error::Read { path: path.to_path_buf(), source: e };
    let mut file = File::open(path).map_err(read_error)?;
    let mut magic = [0u8; 4];
    let is_wasm = file.read_exact(&mut magic).is_ok() && &magic == b"\0asm";
    file.rewind().map_err(read_error)?;
    let section = if is_wasm {
        wasm_custom_section(&mut BufReader::new(file), SECTION).map_err(bad)?
    } else {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(read_error)?;
        native_section(&bytes).map_err(bad)?
    };
    let containers = decode_records(&section).map_err(|e| match e {
        RecordError::Schema { schema, runtime } => {
            let runtime = runtime.unwrap_or_else(|| "an unknown version".into());
            let (path, cli) = (path.to_path_buf(), env!("CARGO_PKG_VERSION"));
            match schema > SCHEMA_VERSION {
                true => Error::RuntimeNewer { path, runtime, schema, cli },
                false => Error::RuntimeOlder { path, runtime, schema, cli },
            }
        }
        RecordError::Corrupt(why) => bad(why),
    })?;
    check_unique(&containers)?;
    Ok(containers)
}

/// The `#[protocol]`s a wasm module calls (the records of their clients).
pub fn protocols_in_wasm(wasm: &[u8]) -> Result<Vec<ProtocolRecord>, String> {
    let section = wasm_custom_section(&mut std::io::Cursor::new(wasm), cfcontainer_protocol::record::SECTION)?;
    cfcontainer_protocol::record::decode(&section)
}

/// Concatenates every custom section called `name` (the linker merges
/// them into one, but nothing forbids several), seeking past the rest.
pub fn wasm_custom_section<R: Read + Seek>(wasm: &mut R, name: &str) -> Result<Vec<u8>, String> {
    let mut header = [0u8; 8];
    wasm.read_exact(&mut header).map_err(|_| "not a wasm module")?;
    if &header[..4] != b"\0asm" {
        return Err("not a wasm module".into());
    }
    let mut found = Vec::new();
    loop {
        let mut id = [0u8; 1];
        match wasm.read(&mut id) {
            Ok(0) => return Ok(found),
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
        let size = leb128(wasm).ok_or("truncated section header")?;
        if id[0] != 0 {
            wasm.seek(SeekFrom::Current(size as i64)).map_err(|e| e.to_string())?;
            continue;
        }
        let mut counter = Counted { inner: &mut *wasm, count: 0 };
        let name_len = leb128(&mut counter).ok_or("truncated custom section name")?;
        let header_len = counter.count;
        let rest = size.checked_sub(header_len + name_len).ok_or("custom section name runs past its section")?;
        let mut section_name = vec![0u8; name_len];
        wasm.read_exact(&mut section_name).map_err(|_| "section runs past the end of the file")?;
        if section_name != name.as_bytes() {
            wasm.seek(SeekFrom::Current(rest as i64)).map_err(|e| e.to_string())?;
            continue;
        }
        let start = found.len();
        found.resize(start + rest, 0);
        wasm.read_exact(&mut found[start..]).map_err(|_| "section runs past the end of the file")?;
    }
}

/// The module without its custom sections called `name`: the metadata
/// section is for this tool only, so deploys do not upload it (and a
/// deploy-only setting such as `max_instances` leaves the code unchanged).
pub fn strip_wasm_custom_section(wasm: &[u8], name: &str) -> Result<Vec<u8>, String> {
    if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
        return Err("not a wasm module".into());
    }
    let mut out = wasm[..8].to_vec();
    let mut rest = &wasm[8..];
    while !rest.is_empty() {
        let mut reader = Counted { inner: &mut &rest[1..], count: 0 };
        let size = leb128(&mut reader).ok_or("truncated section header")?;
        let start = 1 + reader.count;
        let end =
            start.checked_add(size).filter(|e| *e <= rest.len()).ok_or("section runs past the end of the module")?;
        let body = &rest[start..end];
        let mut name_reader = Counted { inner: &mut &body[..], count: 0 };
        let is_named = rest[0] == 0
            && leb128(&mut name_reader)
                .is_some_and(|len| body.get(name_reader.count..name_reader.count + len) == Some(name.as_bytes()));
        if !is_named {
            out.extend_from_slice(&rest[..end]);
        }
        rest = &rest[end..];
    }
    Ok(out)
}

/// Counts the bytes read through it.
struct Counted<'a, R> {
    inner: &'a mut R,
    count: usize,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n;
        Ok(n)
    }
}

fn leb128<R: Read>(input: &mut R) -> Option<usize> {
    let mut value = 0usize;
    for shift in (0..35).step_by(7) {
        let mut byte = [0u8; 1];
        input.read_exact(&mut byte).ok()?;
        value |= ((byte[0] & 0x7f) as usize) << shift;
        if byte[0] & 0x80 == 0 {
            return Some(value);
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
                return Err(Error::Duplicate {
                    what,
                    name: name.clone(),
                    first: a.rust_type.clone(),
                    second: b.rust_type.clone(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::wasm_custom_section;
    use std::io::Cursor;

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
        assert_eq!(wasm_custom_section(&mut Cursor::new(&wasm), "cfcontainer.meta").unwrap(), b"abcdef");
        assert_eq!(wasm_custom_section(&mut Cursor::new(&wasm), "missing").unwrap(), b"");
    }

    #[test]
    fn stripping_removes_only_the_named_sections() {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend(custom("cfcontainer.meta", b"abc"));
        wasm.extend([1, 1, 0]);
        wasm.extend(custom("other", b"zzz"));
        let stripped = super::strip_wasm_custom_section(&wasm, "cfcontainer.meta").unwrap();
        let mut expected = b"\0asm\x01\0\0\0".to_vec();
        expected.extend([1, 1, 0]);
        expected.extend(custom("other", b"zzz"));
        assert_eq!(stripped, expected);
        assert!(super::strip_wasm_custom_section(&wasm[..12], "x").is_err());
    }

    #[test]
    fn truncated_modules_are_errors() {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend([0, 50, 1]);
        assert!(wasm_custom_section(&mut Cursor::new(&wasm), "x").is_err());
        assert!(wasm_custom_section(&mut Cursor::new(b"ELF"), "x").is_err());
    }
}

//! Whether a Linux executable runs on its own: an image assembled from a
//! binary has no C library and no dynamic loader, so the binary must be
//! static. Rust's musl target links static-PIE executables: they keep a
//! dynamic section for their own relocations, but ask for no interpreter
//! (`PT_INTERP`) and need no shared library (`DT_NEEDED`).

use object::elf::{DT_NEEDED, EM_X86_64, PT_DYNAMIC, PT_INTERP};
use object::read::elf::{Dyn, FileHeader, ProgramHeader};
use object::{elf, Endianness};

/// How an executable is linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linkage {
    /// Runs with nothing else in the image.
    Static,
    /// Needs a dynamic loader (its path) or shared libraries (how many).
    Dynamic {
        /// The `PT_INTERP` path, e.g. `/lib/ld-musl-x86_64.so.1`.
        interpreter: Option<String>,
        /// The number of `DT_NEEDED` libraries.
        needed: usize,
    },
}

/// The linkage of the x86-64 ELF executable `bytes`; an error for any
/// other file.
pub fn linkage(bytes: &[u8]) -> Result<Linkage, String> {
    let header = elf::FileHeader64::<Endianness>::parse(bytes).map_err(|_| "it is no 64-bit ELF executable")?;
    let endian = header.endian().map_err(|e| e.to_string())?;
    if header.e_machine(endian) != EM_X86_64 {
        return Err("it is not built for x86-64, the platform's architecture".into());
    }
    let segments = header.program_headers(endian, bytes).map_err(|e| e.to_string())?;
    let mut interpreter = None;
    let mut needed = 0;
    for segment in segments {
        match segment.p_type(endian) {
            PT_INTERP => {
                let data = segment.data(endian, bytes).map_err(|_| "its interpreter segment is truncated")?;
                let path = data.split(|b| *b == 0).next().unwrap_or_default();
                interpreter = Some(String::from_utf8_lossy(path).into_owned());
            }
            PT_DYNAMIC => {
                let entries = segment.dynamic(endian, bytes).map_err(|e| e.to_string())?.unwrap_or_default();
                needed += entries.iter().filter(|d| d.d_tag(endian) == u64::from(DT_NEEDED)).count();
            }
            _ => {}
        }
    }
    Ok(match (interpreter, needed) {
        (None, 0) => Linkage::Static,
        (interpreter, needed) => Linkage::Dynamic { interpreter, needed },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal x86-64 ELF executable with the given segments, each
    /// `(type, bytes)`, laid after the program headers.
    fn elf(machine: u16, segments: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let phoff = 64u64;
        let data_start = phoff + 56 * segments.len() as u64;
        let mut out = Vec::new();
        out.extend(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
        out.extend(3u16.to_le_bytes()); // ET_DYN, as static-PIE is
        out.extend(machine.to_le_bytes());
        out.extend(1u32.to_le_bytes());
        out.extend(0u64.to_le_bytes()); // entry
        out.extend(phoff.to_le_bytes());
        out.extend(0u64.to_le_bytes()); // no section headers
        out.extend(0u32.to_le_bytes());
        out.extend(64u16.to_le_bytes());
        out.extend(56u16.to_le_bytes());
        out.extend((segments.len() as u16).to_le_bytes());
        out.extend([0u8; 6]);
        let mut offset = data_start;
        for (kind, data) in segments {
            out.extend(kind.to_le_bytes());
            out.extend(4u32.to_le_bytes());
            for field in [offset, offset, offset, data.len() as u64, data.len() as u64, 8] {
                out.extend(field.to_le_bytes());
            }
            offset += data.len() as u64;
        }
        for (_, data) in segments {
            out.extend(data);
        }
        out
    }

    fn dynamic(entries: &[(u64, u64)]) -> Vec<u8> {
        entries.iter().flat_map(|(tag, value)| [tag.to_le_bytes(), value.to_le_bytes()].concat()).collect()
    }

    #[test]
    fn a_static_pie_is_static_and_an_interpreter_or_a_needed_library_is_not() {
        const DT_RELA: u64 = 7;
        let load = (object::elf::PT_LOAD, vec![0u8; 16]);
        let own_relocations = (PT_DYNAMIC, dynamic(&[(DT_RELA, 0), (0, 0)]));
        assert_eq!(linkage(&elf(EM_X86_64, &[load.clone(), own_relocations])), Ok(Linkage::Static));

        let interp = (PT_INTERP, b"/lib/ld-musl-x86_64.so.1\0".to_vec());
        let needs_libc = (PT_DYNAMIC, dynamic(&[(u64::from(DT_NEEDED), 1), (0, 0)]));
        let dynamic_exe = elf(EM_X86_64, &[interp, load.clone(), needs_libc.clone()]);
        let expected = Linkage::Dynamic { interpreter: Some("/lib/ld-musl-x86_64.so.1".into()), needed: 1 };
        assert_eq!(linkage(&dynamic_exe), Ok(expected));
        assert_eq!(linkage(&elf(EM_X86_64, &[needs_libc])), Ok(Linkage::Dynamic { interpreter: None, needed: 1 }));
    }

    #[test]
    fn other_architectures_and_other_files_are_refused() {
        const EM_AARCH64: u16 = 183;
        assert!(linkage(&elf(EM_AARCH64, &[])).unwrap_err().contains("x86-64"));
        assert!(linkage(b"#!/bin/sh\necho hi\n").is_err());
    }
}

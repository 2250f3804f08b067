//! Where a new crate's container gets its server: busybox (its `httpd`
//! and shell), as a static x86-64 program copied into the image `FROM
//! scratch`, so the image builds with nothing pulled (on machines that
//! cannot pull an image, like our test machines). It is taken from
//! `CFCONTAINER_BUSYBOX`, else `busybox` on PATH, /bin or /usr/bin
//! (Debian's and Ubuntu's `busybox-static` install one there), when it
//! is a static x86-64 executable (what Cloudflare runs); without one the
//! image starts from Docker Hub's `busybox` instead, pulled on its first
//! build.

use std::path::{Path, PathBuf};

use object::Object;

/// The image the Dockerfile starts from when no static busybox is here.
pub const PULLED_IMAGE: &str = "busybox:1.37-musl";

/// Where busybox comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Busybox {
    /// This static executable, copied into the crate.
    Copied(PathBuf),
    /// [`PULLED_IMAGE`], pulled by the first build.
    Pulled,
}

/// A static x86-64 busybox of this machine, if there is one.
pub fn find() -> Busybox {
    let named = std::env::var_os("CFCONTAINER_BUSYBOX").map(PathBuf::from);
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|dir| dir.join("busybox")).collect::<Vec<_>>())
        .unwrap_or_default();
    let usual = [PathBuf::from("/bin/busybox"), PathBuf::from("/usr/bin/busybox")];
    named.into_iter().chain(on_path).chain(usual).find(|p| is_static_x86_64(p)).map_or(Busybox::Pulled, Busybox::Copied)
}

/// True for an x86-64 ELF executable that needs no dynamic loader.
pub fn is_static_x86_64(path: &Path) -> bool {
    let Ok(data) = std::fs::read(path) else { return false };
    let Ok(file) = object::File::parse(&*data) else { return false };
    file.format() == object::BinaryFormat::Elf
        && file.architecture() == object::Architecture::X86_64
        && file.kind() == object::ObjectKind::Executable
        && file.section_by_name(".interp").is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_static_x86_64_executable_is_taken() {
        // The test binary itself is dynamically linked on this platform.
        let me = std::env::current_exe().unwrap();
        assert!(!is_static_x86_64(&me), "{} is no static executable", me.display());
        assert!(!is_static_x86_64(Path::new("/nonexistent/busybox")));
    }
}

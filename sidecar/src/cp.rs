//! `cp -a`, for when the binary runs as `/bin/cp`: workerd clones snapshot
//! volumes by running the sidecar image as `/bin/cp -a /src/. /dst/`.
//! Copies recursively and keeps what `-a` keeps: modes, owners, times,
//! symlinks as symlinks, hard links as links, and special files. Extended
//! attributes and ACLs are not copied. Any option but `-a` is refused.

use std::collections::HashMap;
use std::ffi::{CString, OsStr, OsString};
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{lchown, symlink, FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// What `cp` was asked.
#[derive(Debug, PartialEq)]
pub struct Copy {
    /// What to copy.
    pub sources: Vec<PathBuf>,
    /// Where to.
    pub dest: PathBuf,
}

/// Parses `cp`'s arguments (without the program name).
pub fn parse(args: &[OsString]) -> Result<Copy, String> {
    let mut archive = false;
    let mut paths = Vec::new();
    let mut options_done = false;
    for arg in args {
        let bytes = arg.as_bytes();
        if options_done || !bytes.starts_with(b"-") || bytes == b"-" {
            paths.push(PathBuf::from(arg));
        } else if bytes == b"--" {
            options_done = true;
        } else if bytes == b"-a" || bytes == b"--archive" {
            archive = true;
        } else {
            return Err(format!("option {} is not supported; this cp knows only -a", arg.to_string_lossy()));
        }
    }
    if !archive {
        return Err("only cp -a is supported; pass -a".to_string());
    }
    let dest = paths.pop().filter(|_| !paths.is_empty()).ok_or("usage: cp -a SOURCE... DEST")?;
    Ok(Copy { sources: paths, dest })
}

/// Runs `cp` with `args` and returns the exit status.
pub fn main(args: &[OsString]) -> i32 {
    let result = parse(args).and_then(|copy| run(&copy));
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("cp: {e}");
            1
        }
    }
}

/// Copies every source as `cp -a` would.
pub fn run(copy: &Copy) -> Result<(), String> {
    let dest_is_dir = fs::metadata(&copy.dest).map(|m| m.is_dir()).unwrap_or(false);
    if copy.sources.len() > 1 && !dest_is_dir {
        return Err(format!("target {} is not a directory", copy.dest.display()));
    }
    let mut links = HashMap::new();
    for source in &copy.sources {
        let target = if !dest_is_dir {
            copy.dest.clone()
        } else if names_its_contents(source) {
            // `SRC/.`: the contents of SRC go into DEST itself.
            copy.dest.clone()
        } else {
            let name = source.file_name().ok_or_else(|| format!("cannot copy {}", source.display()))?;
            copy.dest.join(name)
        };
        copy_entry(source, &target, &mut links)?;
    }
    Ok(())
}

/// True if `path`'s last component is `.` (`/src/.`, `.`, `src/./`).
fn names_its_contents(path: &Path) -> bool {
    let bytes = path.as_os_str().as_bytes();
    let trimmed = {
        let mut end = bytes.len();
        while end > 1 && bytes[end - 1] == b'/' {
            end -= 1;
        }
        &bytes[..end]
    };
    trimmed == b"." || trimmed.ends_with(b"/.")
}

/// Copies `src` (not following it if it is a symlink) to `dst`. `links`
/// maps (device, inode) of multiply-linked files to their first copy.
fn copy_entry(src: &Path, dst: &Path, links: &mut HashMap<(u64, u64), PathBuf>) -> Result<(), String> {
    let fail = |what: &str, e: io::Error| format!("{what} {} to {}: {e}", src.display(), dst.display());
    let meta = fs::symlink_metadata(src).map_err(|e| fail("reading", e))?;
    let kind = meta.file_type();
    if kind.is_dir() {
        match fs::symlink_metadata(dst) {
            Ok(existing) if existing.is_dir() => {}
            Ok(_) => return Err(format!("cannot overwrite non-directory {} with a directory", dst.display())),
            Err(_) => fs::create_dir(dst).map_err(|e| fail("creating directory", e))?,
        }
        let mut entries: Vec<_> = fs::read_dir(src)
            .map_err(|e| fail("listing", e))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()
            .map_err(|e| fail("listing", e))?;
        entries.sort();
        for name in entries {
            copy_entry(&src.join(&name), &dst.join(&name), links)?;
        }
        return preserve(dst, &meta).map_err(|e| fail("keeping the attributes of", e));
    }
    if let Ok(existing) = fs::symlink_metadata(dst) {
        if existing.is_dir() {
            return Err(format!("cannot overwrite directory {} with a non-directory", dst.display()));
        }
        fs::remove_file(dst).map_err(|e| fail("replacing", e))?;
    }
    if meta.nlink() > 1 {
        if let Some(first) = links.get(&(meta.dev(), meta.ino())) {
            return fs::hard_link(first, dst).map_err(|e| fail("linking", e));
        }
        links.insert((meta.dev(), meta.ino()), dst.to_path_buf());
    }
    if kind.is_symlink() {
        let target = fs::read_link(src).map_err(|e| fail("reading the link", e))?;
        symlink(&target, dst).map_err(|e| fail("linking", e))?;
    } else if kind.is_file() {
        fs::copy(src, dst).map_err(|e| fail("copying", e))?;
    } else if kind.is_fifo() || kind.is_char_device() || kind.is_block_device() || kind.is_socket() {
        make_node(dst, meta.mode(), meta.rdev()).map_err(|e| fail("creating the special file", e))?;
    } else {
        return Err(format!("cannot copy {}: unknown file type", src.display()));
    }
    preserve(dst, &meta).map_err(|e| fail("keeping the attributes of", e))
}

/// Gives `path` the owner, mode and times of `meta` (owner first: a
/// change of owner clears set-id bits). A non-root user cannot give files
/// away; as GNU cp does, that failure is not an error then.
fn preserve(path: &Path, meta: &fs::Metadata) -> io::Result<()> {
    match lchown(path, Some(meta.uid()), Some(meta.gid())) {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) && !is_root() => {}
        other => other?,
    }
    if !meta.file_type().is_symlink() {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    }
    let times = [
        libc::timespec { tv_sec: meta.atime(), tv_nsec: meta.atime_nsec() },
        libc::timespec { tv_sec: meta.mtime(), tv_nsec: meta.mtime_nsec() },
    ];
    let c_path = c_path(path)?;
    // SAFETY: utimensat with a NUL-terminated path and two timespecs.
    let rc = unsafe { libc::utimensat(libc::AT_FDCWD, c_path.as_ptr(), times.as_ptr(), libc::AT_SYMLINK_NOFOLLOW) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn make_node(path: &Path, mode: u32, rdev: u64) -> io::Result<()> {
    let c_path = c_path(path)?;
    // SAFETY: mknod with a NUL-terminated path.
    let rc = unsafe { libc::mknod(c_path.as_ptr(), mode as libc::mode_t, rdev as libc::dev_t) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| io::Error::other("a path with a NUL byte"))
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// True if `argv0` names this program as `cp`.
pub fn invoked_as_cp(argv0: &OsStr) -> bool {
    Path::new(argv0).file_name() == Some(OsStr::new("cp"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn workerd_s_command_line_parses() {
        assert_eq!(
            parse(&args(&["-a", "/src/.", "/dst/"])),
            Ok(Copy { sources: vec!["/src/.".into()], dest: "/dst/".into() })
        );
    }

    #[test]
    fn other_options_and_missing_paths_are_refused() {
        assert!(parse(&args(&["-r", "a", "b"])).unwrap_err().contains("-r"));
        assert!(parse(&args(&["-a", "--reflink", "a", "b"])).unwrap_err().contains("--reflink"));
        assert!(parse(&args(&["a", "b"])).unwrap_err().contains("-a"));
        assert!(parse(&args(&["-a", "a"])).is_err());
        assert_eq!(parse(&args(&["-a", "--", "-x", "b"])).unwrap().sources, vec![PathBuf::from("-x")]);
    }

    #[test]
    fn only_a_last_component_of_dot_means_the_contents() {
        assert!(names_its_contents(Path::new("/src/.")));
        assert!(names_its_contents(Path::new("/src/./")));
        assert!(names_its_contents(Path::new(".")));
        assert!(!names_its_contents(Path::new("/src")));
        assert!(!names_its_contents(Path::new("/src/.hidden")));
    }

    fn set_mtime(path: &Path, secs: i64) {
        let times = [libc::timespec { tv_sec: secs, tv_nsec: 5 }, libc::timespec { tv_sec: secs, tv_nsec: 7 }];
        let c = c_path(path).unwrap();
        assert_eq!(
            unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), times.as_ptr(), libc::AT_SYMLINK_NOFOLLOW) },
            0
        );
    }

    #[test]
    fn the_contents_of_a_tree_are_copied_with_modes_times_links_and_owners() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        let dst = tmp.path().join("dst");
        fs::create_dir_all(src.join("sub/deeper")).unwrap();
        fs::create_dir(&dst).unwrap();
        fs::write(src.join("sub/file.txt"), b"content").unwrap();
        fs::hard_link(src.join("sub/file.txt"), src.join("hard")).unwrap();
        symlink("sub/file.txt", src.join("link")).unwrap();
        symlink("/nowhere", src.join("dangling")).unwrap();
        make_node(&src.join("fifo"), libc::S_IFIFO | 0o640, 0).unwrap();
        fs::set_permissions(src.join("sub/deeper"), fs::Permissions::from_mode(0o700)).unwrap();
        if is_root() {
            lchown(src.join("sub/file.txt"), Some(1234), Some(5678)).unwrap();
            lchown(src.join("link"), Some(4321), Some(8765)).unwrap();
        }
        // After the change of owner, which clears set-id bits.
        fs::set_permissions(src.join("sub/file.txt"), fs::Permissions::from_mode(0o4751)).unwrap();
        set_mtime(&src.join("sub/file.txt"), 1_000_000);
        set_mtime(&src.join("link"), 2_000_000);
        set_mtime(&src.join("sub/deeper"), 3_000_000);
        set_mtime(&src.join("sub"), 4_000_000);
        set_mtime(&src, 5_000_000);

        let status = main(&args(&["-a", &format!("{}/.", src.display()), &format!("{}/", dst.display())]));
        assert_eq!(status, 0);

        assert_eq!(fs::read(dst.join("sub/file.txt")).unwrap(), b"content");
        let file = fs::metadata(dst.join("sub/file.txt")).unwrap();
        assert_eq!(file.mode() & 0o7777, 0o4751, "set-id bits survive the change of owner");
        assert_eq!((file.mtime(), file.mtime_nsec()), (1_000_000, 7));
        assert_eq!(fs::metadata(dst.join("hard")).unwrap().ino(), file.ino(), "a hard link stays a link");
        assert_eq!(fs::read_link(dst.join("link")).unwrap(), PathBuf::from("sub/file.txt"));
        assert_eq!(fs::symlink_metadata(dst.join("link")).unwrap().mtime(), 2_000_000);
        assert_eq!(fs::read_link(dst.join("dangling")).unwrap(), PathBuf::from("/nowhere"));
        assert!(fs::symlink_metadata(dst.join("fifo")).unwrap().file_type().is_fifo());
        let deeper = fs::metadata(dst.join("sub/deeper")).unwrap();
        assert_eq!((deeper.mode() & 0o7777, deeper.mtime()), (0o700, 3_000_000));
        assert_eq!(fs::metadata(dst.join("sub")).unwrap().mtime(), 4_000_000, "kept after its contents were written");
        assert_eq!(fs::metadata(&dst).unwrap().mtime(), 5_000_000, "DEST takes the attributes of SRC/.");
        assert!(!dst.join("src").exists(), "SRC/. copies the contents, not the directory");
        if is_root() {
            assert_eq!((file.uid(), file.gid()), (1234, 5678));
            let link = fs::symlink_metadata(dst.join("link")).unwrap();
            assert_eq!((link.uid(), link.gid()), (4321, 8765));
        }
    }

    #[test]
    fn a_directory_source_without_dot_lands_inside_an_existing_destination() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("src/inner")).unwrap();
        fs::create_dir(tmp.path().join("dst")).unwrap();
        let copy = Copy { sources: vec![tmp.path().join("src")], dest: tmp.path().join("dst") };
        run(&copy).unwrap();
        assert!(tmp.path().join("dst/src/inner").is_dir());
    }

    #[test]
    fn an_existing_file_is_replaced_and_a_missing_source_fails() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("a"), b"new").unwrap();
        fs::write(tmp.path().join("b"), b"old and longer").unwrap();
        run(&Copy { sources: vec![tmp.path().join("a")], dest: tmp.path().join("b") }).unwrap();
        assert_eq!(fs::read(tmp.path().join("b")).unwrap(), b"new");
        let err = run(&Copy { sources: vec![tmp.path().join("missing")], dest: tmp.path().join("c") }).unwrap_err();
        assert!(err.contains("missing"), "{err}");
    }

    #[test]
    fn the_program_is_cp_by_the_file_name_it_was_started_as() {
        assert!(invoked_as_cp(OsStr::new("/bin/cp")));
        assert!(invoked_as_cp(OsStr::new("cp")));
        assert!(!invoked_as_cp(OsStr::new("/cfcontainer-sidecar")));
        assert!(!invoked_as_cp(OsStr::new("/bin/cpio")));
    }
}

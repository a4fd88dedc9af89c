//! Files on disk, written so that a crash leaves either the old file or the new one: write to a
//! temp name in the same folder, fsync, rename, fsync the folder. Callers commit the file's
//! database row only after this returns, so a row never points at a half-written file.
//!
//! Paths under the data dir are built only from an org's slug and content hashes or ids, never
//! from names a user typed.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The folder for an org's uploads: `uploads/{slug}/`.
pub fn uploads_dir(data_dir: &Path, org_slug: &str) -> PathBuf {
    data_dir.join("uploads").join(org_slug)
}

/// The folder for an org's outputs: `outputs/{slug}/`.
pub fn outputs_dir(data_dir: &Path, org_slug: &str) -> PathBuf {
    data_dir.join("outputs").join(org_slug)
}

/// The folder of the stamped copies the system viewer opens for withdrawn documents' PDFs:
/// `withdrawn-copies/`. Each is made again on every Open, so none is a record.
pub fn viewer_copies_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("withdrawn-copies")
}

/// Removes the viewer copies last written more than `older_than` ago; returns how many went.
/// A copy a viewer still holds open (Windows refuses to remove it) stays until the next pass.
pub fn sweep_viewer_copies(data_dir: &Path, older_than: std::time::Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(viewer_copies_dir(data_dir)) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let stale = path.is_file() && modified_ago(&path).is_some_and(|age| age > older_than);
        if stale && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The sha256 of a file, read in chunks so that size does not matter.
pub fn sha256_file(path: &Path) -> Result<String> {
    let file =
        File::open(path).map_err(|e| Error::io(format!("Could not open {}", path.display()), e))?;
    sha256_of(file, path)
}

/// The sha256 of the file at `relative` within `folder`, opened one part at a time without
/// following a link anywhere below `folder`: an inbox file, or the org subfolder it is in, may
/// have been swapped for a link since it was looked at, and must not bring in what the link
/// points to. With the stored copy checked against this hash ([`copy_atomic_verified`]), what
/// is kept is what was found in the folder itself. A link on the way is an I/O error.
pub fn sha256_within(folder: &Path, relative: &Path) -> Result<String> {
    let path = folder.join(relative);
    let file = open_within(folder, relative)
        .map_err(|e| Error::io(format!("Could not open {}", path.display()), e))?;
    sha256_of(file, &path)
}

/// Opens `relative` within `folder` for reading, refusing a link in any of its parts.
#[cfg(unix)]
fn open_within(folder: &Path, relative: &Path) -> std::io::Result<File> {
    use rustix::fs::{Mode, OFlags};
    let parts = plain_parts(relative)?;
    let Some((file_name, folders)) = parts.split_last() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "no file is named",
        ));
    };
    let read = OFlags::RDONLY | OFlags::CLOEXEC;
    let mut dir = rustix::fs::open(folder, read | OFlags::DIRECTORY, Mode::empty())?;
    for name in folders {
        let flags = read | OFlags::DIRECTORY | OFlags::NOFOLLOW;
        dir = rustix::fs::openat(&dir, *name, flags, Mode::empty())?;
    }
    let file = rustix::fs::openat(&dir, *file_name, read | OFlags::NOFOLLOW, Mode::empty())?;
    Ok(File::from(file))
}

/// Opens `relative` within `folder` for reading, refusing a link in any of its parts. Without
/// `openat`, each part is looked at before the file is opened: a narrower window, not none.
#[cfg(not(unix))]
fn open_within(folder: &Path, relative: &Path) -> std::io::Result<File> {
    let mut at = folder.to_path_buf();
    for name in plain_parts(relative)? {
        at.push(name);
        if std::fs::symlink_metadata(&at)?.file_type().is_symlink() {
            return Err(std::io::Error::other("a link is on the way"));
        }
    }
    File::open(at)
}

/// The names in `relative`, refused if it is not a plain path downwards (a root, `..`).
fn plain_parts(relative: &Path) -> std::io::Result<Vec<&std::ffi::OsStr>> {
    relative
        .components()
        .map(|part| match part {
            std::path::Component::Normal(name) => Ok(name),
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{} is not a path within the folder", relative.display()),
            )),
        })
        .collect()
}

fn sha256_of(mut file: File, path: &Path) -> Result<String> {
    copy_hashing(&mut file, &mut std::io::sink())
        .map_err(|e| Error::io(format!("Could not read {}", path.display()), e))
}

/// Lowercase hex SHA-256 of `bytes`, the form every stored hash takes.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The pid of the process that wrote a temp file (`.{name}.{pid}.part`), if the name is one.
pub(crate) fn temp_file_writer(file_name: &str) -> Option<u32> {
    let inner = file_name.strip_prefix('.')?.strip_suffix(".part")?;
    inner.rsplit_once('.')?.1.parse().ok()
}

fn temp_name(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.{}.part", std::process::id()))
}

/// A new file only this OS account can read (0600 on Unix), for everything in the data dir.
fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Creates a folder (and its parents) that only this OS account can open (0700 on Unix).
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// Creates an empty private file at `path` unless one is there.
pub fn create_private_file_if_missing(path: &Path) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    create_private(path)
        .map(drop)
        .map_err(|e| Error::io(format!("Could not create {}", path.display()), e))
}

/// Makes the data dir this OS account's alone, on Unix: the folders 0700 and the files 0600, so
/// another account on a shared office PC cannot read workbooks, bills, the audit log or password
/// hashes around the gate. Run when the core opens; repairs a data dir made looser (by an older
/// version, a copy, a restore), and says so in the log. Elsewhere the data dir lives in the
/// user's own profile folder, which other standard accounts cannot open (see the README).
pub fn keep_private(data_dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let is_loose = |path: &Path| -> Result<bool> {
            let metadata = std::fs::symlink_metadata(path)
                .map_err(|e| Error::io(format!("Could not read {}", path.display()), e))?;
            Ok(!metadata.file_type().is_symlink() && metadata.permissions().mode() & 0o077 != 0)
        };
        // Everything Sitebook creates is private already, and a private data dir shuts out
        // other accounts whatever lies inside; so the walk, which every command would pay for
        // at start-up, runs only to repair a data dir that is itself open.
        if !is_loose(data_dir)? {
            return Ok(());
        }
        let mut repaired = 0usize;
        let mut folders = vec![data_dir.to_path_buf()];
        while let Some(folder) = folders.pop() {
            let mut tighten = |path: &Path, wanted: u32| -> Result<()> {
                if is_loose(path)? {
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted))
                        .map_err(|e| {
                            Error::io(format!("Could not protect {}", path.display()), e)
                        })?;
                    repaired += 1;
                }
                Ok(())
            };
            tighten(&folder, 0o700)?;
            let entries = std::fs::read_dir(&folder)
                .map_err(|e| Error::io(format!("Could not read {}", folder.display()), e))?;
            for entry in entries.flatten() {
                match entry.file_type() {
                    Ok(kind) if kind.is_dir() => folders.push(entry.path()),
                    Ok(kind) if kind.is_file() => tighten(&entry.path(), 0o600)?,
                    _ => {}
                }
            }
        }
        tracing::warn!(
            repaired,
            data_dir = %data_dir.display(),
            "the data folder was readable by other accounts; it is now private to this one"
        );
    }
    #[cfg(not(unix))]
    let _ = data_dir;
    Ok(())
}

fn create_parent(target: &Path) -> Result<()> {
    if let Some(parent) = target.parent() {
        create_private_dir(parent)
            .map_err(|e| Error::io(format!("Could not create {}", parent.display()), e))?;
    }
    Ok(())
}

fn sync_parent(target: &Path) {
    if let Some(parent) = target.parent() {
        sync_folder(parent);
    }
}

/// Makes the renames into `folder` durable. Not every filesystem allows opening a folder, and
/// a failure here cannot lose a file, so it is not an error.
pub fn sync_folder(folder: &Path) {
    if let Ok(dir) = File::open(folder) {
        let _ = dir.sync_all();
    }
}

/// Writes `bytes` to `target` atomically and durably.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_leaving_folder_unsynced(target, bytes)?;
    sync_parent(target);
    Ok(())
}

/// [`write_atomic`] but for the folder's sync: the file's bytes are durable, its new name is
/// not until the caller syncs the folder ([`sync_folder`]), which it must do before it commits
/// a row naming the file. A batch of files in one folder then costs one folder sync.
pub fn write_atomic_leaving_folder_unsynced(target: &Path, bytes: &[u8]) -> Result<()> {
    create_parent(target)?;
    write_durably_then(target, bytes, create_private, |temp| {
        std::fs::rename(temp, target)
    })
}

/// Writes `bytes` to a temp file beside `target` (in a folder that exists) made by `create`,
/// durably, then lets `name` give it its name (or not). On any failure the temp file is removed
/// and the error names `target`.
fn write_durably_then<T>(
    target: &Path,
    bytes: &[u8],
    create: fn(&Path) -> std::io::Result<File>,
    name: impl FnOnce(&Path) -> std::io::Result<T>,
) -> Result<T> {
    let temp = temp_name(target);
    let written = (|| {
        let mut file = create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        name(&temp)
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        Error::io(format!("Could not write {}", target.display()), e)
    })
}

/// [`write_atomic_leaving_folder_unsynced`] that never replaces a file at `target`: when a file
/// is there, however lately it came, nothing is written and `false` is returned. The name is
/// given by a hard link, which the file system refuses when the name is taken; where it has no
/// hard links, a look before the rename stands in.
pub fn write_new_leaving_folder_unsynced(target: &Path, bytes: &[u8]) -> Result<bool> {
    create_parent(target)?;
    write_durably_then(target, bytes, create_private, |temp| {
        let placed = match std::fs::hard_link(temp, target) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
            Err(_) if target.exists() => false,
            Err(_) => {
                std::fs::rename(temp, target)?;
                return Ok(true);
            }
        };
        std::fs::remove_file(temp)?;
        Ok(placed)
    })
}

/// Copies `source` into the data dir at `target` atomically and durably, private to this OS
/// account like everything there, only if what it read is the content `sha256` names. A stored
/// upload is named and found by its hash, and the file may have been saved again (or swapped)
/// since it was hashed: kept anyway, the copy would stand under another content's name and its
/// job fail as a damaged copy. Refused, nothing is kept, and the error says so.
pub fn copy_atomic_verified(source: &Path, target: &Path, sha256: &str) -> Result<()> {
    create_parent(target)?;
    copy_atomic_with(source, target, create_private, Some(sha256))
}

/// Copies `source` out of the data dir to a place the person chose: an ordinary file there,
/// with the permissions new files get in that folder, and any folder on the way made as the
/// person's own folders are (not private to this account, as the data dir's are).
pub fn copy_out_atomic(source: &Path, target: &Path) -> Result<()> {
    create_parent_out(target)?;
    copy_atomic_with(source, target, |path| File::create(path), None)
}

/// Writes `bytes` out of the data dir to a place the person chose, as [`copy_out_atomic`]
/// copies a file there: a copy made for them (a withdrawn PDF, stamped).
pub fn write_out_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    create_parent_out(target)?;
    write_durably_then(
        target,
        bytes,
        |path| File::create(path),
        |temp| std::fs::rename(temp, target),
    )?;
    sync_parent(target);
    Ok(())
}

/// The folders on the way to `target` outside the data dir, made as the person's own are.
fn create_parent_out(target: &Path) -> Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("Could not create {}", parent.display()), e))?;
    }
    Ok(())
}

/// Copies `source` to `target` by way of a temp file beside it, in a folder that exists; with
/// `expected`, only when the bytes read hash to it.
fn copy_atomic_with(
    source: &Path,
    target: &Path,
    create: fn(&Path) -> std::io::Result<File>,
    expected: Option<&str>,
) -> Result<()> {
    let temp = temp_name(target);
    let copied = (|| -> std::io::Result<bool> {
        let mut from = File::open(source)?;
        let mut to = create(&temp)?;
        match expected {
            Some(expected) => {
                if copy_hashing(&mut from, &mut to)? != expected {
                    return Ok(false);
                }
            }
            // Unchecked, the kernel may copy it without passing it through here.
            None => {
                std::io::copy(&mut from, &mut to)?;
            }
        }
        to.sync_all()?;
        std::fs::rename(&temp, target)?;
        Ok(true)
    })();
    match copied {
        Ok(true) => {}
        Ok(false) => {
            let _ = std::fs::remove_file(&temp);
            return Err(Error::Conflict(format!(
                "{} changed while it was being stored, so nothing was kept. Upload it again \
                 once it is saved.",
                source.display()
            )));
        }
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            return Err(Error::io(
                format!(
                    "Could not copy {} to {}",
                    source.display(),
                    target.display()
                ),
                e,
            ));
        }
    }
    sync_parent(target);
    Ok(())
}

/// Copies `from` to `to` and returns the sha256 of what it read, in chunks so that size does
/// not matter: so a copy is checked in the same pass that makes it.
fn copy_hashing(from: &mut File, to: &mut impl Write) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match from.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buffer[..read]);
        to.write_all(&buffer[..read])?;
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Whether a process of this machine with this pid still runs (a job's owner, a temp file's
/// writer). Where that cannot be told, it is assumed to run, which only ever keeps things.
pub(crate) fn process_is_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // Signal 0 checks existence without touching the process.
        let result = unsafe { libc::kill(pid, 0) };
        result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// How long ago the file at `path` was last modified; `None` when it cannot be read or its time
/// lies in the future.
pub(crate) fn modified_ago(path: &Path) -> Option<std::time::Duration> {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|modified| modified.elapsed().ok())
}

/// Runs file work that blocks (hashing a file, writing one and waiting for its fsync) on
/// tokio's blocking threads: on the async threads it stalled every other job's database round
/// trips for the length of a disk flush.
pub(crate) async fn off_the_async_threads<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(format!("a file step stopped: {e}")))?
}

#[cfg(test)]
mod temp_name_tests {
    use super::*;

    #[test]
    fn a_temp_file_names_its_writer() {
        let temp = temp_name(Path::new("/d/outputs/moh/bill-1.pdf"));
        let name = temp.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(temp_file_writer(&name), Some(std::process::id()));
        assert_eq!(temp_file_writer("bill-1.pdf"), None);
        assert_eq!(temp_file_writer(".bill-1.pdf.part"), None);
        assert!(process_is_alive(std::process::id()));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// A workbook hashed, then saved again before it is copied: the copy would be stored under
    /// the first content's hash, and its job would fail as a damaged copy.
    #[test]
    fn a_copy_whose_bytes_no_longer_match_the_hash_is_refused_and_nothing_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("road.xlsx");
        std::fs::write(&source, b"first save").unwrap();
        let hashed_then = sha256_file(&source).unwrap();
        std::fs::write(&source, b"second save, longer").unwrap();

        let stored = dir.path().join("uploads").join("moh").join("stored.xlsx");
        let error = copy_atomic_verified(&source, &stored, &hashed_then).unwrap_err();
        assert!(matches!(error, Error::Conflict(_)), "{error:?}");
        let message = error.to_string();
        assert!(
            message.contains("road.xlsx") && message.contains("nothing was kept"),
            "{message}"
        );
        assert!(!stored.exists());
        let left: Vec<_> = std::fs::read_dir(stored.parent().unwrap())
            .unwrap()
            .flatten()
            .map(|entry| entry.file_name())
            .collect();
        assert!(left.is_empty(), "no temp file stays behind: {left:?}");

        // The content it now has is stored, under its own hash.
        copy_atomic_verified(&source, &stored, &sha256_bytes(b"second save, longer")).unwrap();
        assert_eq!(std::fs::read(&stored).unwrap(), b"second save, longer");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_anywhere_on_the_way_is_not_hashed_through() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("road.xlsx"), b"not for the inbox").unwrap();
        let inbox = dir.path().join("inbox");
        std::fs::create_dir_all(inbox.join("MOH")).unwrap();
        std::fs::write(inbox.join("road.xlsx"), b"top").unwrap();
        std::fs::write(inbox.join("MOH").join("road.xlsx"), b"in MOH").unwrap();
        assert_eq!(
            sha256_within(&inbox, Path::new("road.xlsx")).unwrap(),
            sha256_bytes(b"top")
        );
        assert_eq!(
            sha256_within(&inbox, Path::new("MOH/road.xlsx")).unwrap(),
            sha256_bytes(b"in MOH")
        );

        // The file swapped for a link, and the org subfolder swapped for one.
        std::fs::remove_file(inbox.join("road.xlsx")).unwrap();
        std::os::unix::fs::symlink(elsewhere.join("road.xlsx"), inbox.join("road.xlsx")).unwrap();
        std::fs::remove_dir_all(inbox.join("MOH")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, inbox.join("MOH")).unwrap();
        assert!(
            sha256_file(&inbox.join("MOH/road.xlsx")).is_ok(),
            "a plain open follows"
        );
        for relative in ["road.xlsx", "MOH/road.xlsx"] {
            let error = sha256_within(&inbox, Path::new(relative)).unwrap_err();
            assert!(matches!(error, Error::Io { .. }), "{relative}: {error:?}");
        }
        assert!(sha256_within(&inbox, Path::new("../elsewhere/road.xlsx")).is_err());
    }

    #[test]
    fn viewer_copies_older_than_the_grace_go_and_newer_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(sweep_viewer_copies(dir.path(), Duration::from_secs(60)), 0);
        let copies = viewer_copies_dir(dir.path());
        std::fs::create_dir_all(&copies).unwrap();
        let old = copies.join("output-3-bill.pdf");
        let fresh = copies.join("output-4-bill.pdf");
        std::fs::write(&old, b"old").unwrap();
        std::fs::write(&fresh, b"fresh").unwrap();
        let two_days_ago = std::time::SystemTime::now() - Duration::from_secs(2 * 24 * 60 * 60);
        File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(two_days_ago)
            .unwrap();
        assert_eq!(
            sweep_viewer_copies(dir.path(), Duration::from_secs(24 * 60 * 60)),
            1
        );
        assert!(!old.exists());
        assert_eq!(std::fs::read(&fresh).unwrap(), b"fresh");
    }

    #[test]
    fn a_new_file_never_replaces_one_already_there_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("outputs/bill.pdf");
        assert!(write_new_leaving_folder_unsynced(&target, b"first").unwrap());
        assert!(!write_new_leaving_folder_unsynced(&target, b"second").unwrap());
        assert_eq!(std::fs::read(&target).unwrap(), b"first");
        let names: Vec<_> = std::fs::read_dir(target.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["bill.pdf"]);
    }

    #[test]
    fn atomic_writes_replace_whole_files_and_leave_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a/b/out.json");
        write_atomic(&target, b"first").unwrap();
        write_atomic(&target, b"second").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(target.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.json"]);
    }

    #[test]
    fn hashes_match_between_files_and_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(sha256_file(&path).unwrap(), sha256_bytes(b"abc"));
        assert_eq!(
            sha256_bytes(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

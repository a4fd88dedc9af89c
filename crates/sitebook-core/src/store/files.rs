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

/// The sha256 of a file, read in chunks so that size does not matter.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file =
        File::open(path).map_err(|e| Error::io(format!("Could not open {}", path.display()), e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|e| Error::io(format!("Could not read {}", path.display()), e))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex::encode(hasher.finalize()))
}

pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn temp_name(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.{}.part", std::process::id()))
}

fn create_parent(target: &Path) -> Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("Could not create {}", parent.display()), e))?;
    }
    Ok(())
}

fn sync_parent(target: &Path) {
    // Making the rename itself durable; not every filesystem allows opening a folder, and a
    // failure here cannot lose the file, so it is not an error.
    if let Some(parent) = target.parent() {
        if let Ok(dir) = File::open(parent) {
            let _ = dir.sync_all();
        }
    }
}

/// Writes `bytes` to `target` atomically and durably.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    create_parent(target)?;
    let temp = temp_name(target);
    let written = (|| -> std::io::Result<()> {
        let mut file = File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(Error::io(
            format!("Could not write {}", target.display()),
            e,
        ));
    }
    sync_parent(target);
    Ok(())
}

/// Copies `source` to `target` atomically and durably.
pub fn copy_atomic(source: &Path, target: &Path) -> Result<()> {
    create_parent(target)?;
    let temp = temp_name(target);
    let copied = (|| -> std::io::Result<()> {
        std::fs::copy(source, &temp)?;
        File::open(&temp)?.sync_all()?;
        std::fs::rename(&temp, target)
    })();
    if let Err(e) = copied {
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
    sync_parent(target);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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

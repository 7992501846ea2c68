//! The master key file: reading it, creating it, and replacing it during a
//! rotation.
//!
//! A rotation writes the new key to `master.key.new` (the pending key file)
//! before it commits the rewrapped data keys, then renames that file over
//! `master.key`. A process that dies between the commit and the rename
//! leaves a database that only the pending key file opens. `Store::open`
//! detects this and finishes the rename.

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::{MasterKey, MasterKeyError};

/// Largest key file accepted, in bytes: 64 hexadecimal characters leave
/// room for surrounding whitespace such as a trailing newline.
const MAX_KEY_FILE_BYTES: usize = 128;

/// Reads a key file. Rejects a file whose mode grants any access to its
/// group or to other users, because the master key opens every value.
pub(super) fn read_key_file(path: &Path) -> Result<MasterKey, MasterKeyError> {
    let io_error = |source| MasterKeyError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return Err(MasterKeyError::Missing {
                path: path.to_owned(),
            })
        }
        Err(error) => return Err(io_error(error)),
    };

    // Check the mode of the opened file rather than of the path, so that a
    // file swapped in after the check cannot be read without one.
    let mode = file.metadata().map_err(io_error)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(MasterKeyError::TooPermissive {
            path: path.to_owned(),
            mode,
        });
    }

    // Read into a fixed zeroizing buffer: a growing `String` would leave
    // copies of the key in the allocations it outgrows.
    let malformed = || MasterKeyError::Malformed {
        source_name: path.display().to_string(),
    };
    let mut buffer = Zeroizing::new([0_u8; MAX_KEY_FILE_BYTES]);
    let mut length = 0;
    loop {
        let read = file.read(&mut buffer[length..]).map_err(io_error)?;
        if read == 0 {
            break;
        }
        length += read;
        if length == MAX_KEY_FILE_BYTES {
            return Err(malformed());
        }
    }
    let text = std::str::from_utf8(&buffer[..length]).map_err(|_| malformed())?;

    let mut key = MasterKey::from_hex(text, &path.display().to_string())?;
    key.file = Some(path.to_owned());
    Ok(key)
}

/// Generates a random key and writes it to a new key file at `path`.
pub(super) fn create_key_file(path: &Path) -> Result<MasterKey, MasterKeyError> {
    let mut key = MasterKey::generate();
    write_new_key_file(path, &key).map_err(|source| MasterKeyError::Io {
        path: path.to_owned(),
        source,
    })?;
    key.file = Some(path.to_owned());
    Ok(key)
}

/// Returns the path of the pending key file of `key_file`: the same path
/// with `.new` appended.
pub fn pending_key_file(key_file: &Path) -> PathBuf {
    let mut path = key_file.as_os_str().to_owned();
    path.push(".new");
    PathBuf::from(path)
}

/// Writes `key` to the pending key file of `key_file`, with mode 0600, and
/// flushes it to disk. Returns the pending file's path.
///
/// A pending key file that already exists is replaced. `Store::open` has
/// installed any pending key file that the database needs, so one left
/// over contains a key that sealed nothing.
pub fn write_pending_key_file(key_file: &Path, key: &MasterKey) -> Result<PathBuf, MasterKeyError> {
    let pending = pending_key_file(key_file);
    let io_error = |source| MasterKeyError::Io {
        path: pending.clone(),
        source,
    };
    match fs::remove_file(&pending) {
        Ok(()) => {
            tracing::warn!(path = %pending.display(), "replaced a pending master key file left by an earlier rotation")
        }
        Err(error) if error.kind() == ErrorKind::NotFound => {}
        Err(error) => return Err(io_error(error)),
    }
    write_new_key_file(&pending, key).map_err(io_error)?;
    Ok(pending)
}

/// Renames the pending key file over `key_file` and flushes the directory,
/// so that the rename survives a crash.
pub fn install_pending_key_file(key_file: &Path) -> io::Result<()> {
    fs::rename(pending_key_file(key_file), key_file)?;
    let directory = match key_file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(directory)?.sync_all()
}

/// Creates a key file that only its owner can access and writes `key` to
/// it, hex-encoded. The mode is set when the file is created, so the key
/// is never readable by others, not even briefly.
fn write_new_key_file(path: &Path, key: &MasterKey) -> io::Result<()> {
    let text = key.to_hex();
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use std::fs::Permissions;

    use super::*;

    #[test]
    fn key_file_round_trip() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("master.key");

        let created = create_key_file(&path).expect("create");
        let read = read_key_file(&path).expect("read");

        assert_eq!(created.id(), read.id());
        assert_eq!(read.file(), Some(path.as_path()));
    }

    #[test]
    fn key_file_group_or_other_access_rejected() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("master.key");
        create_key_file(&path).expect("create");

        for mode in [0o640, 0o604, 0o620, 0o602, 0o610, 0o601, 0o644] {
            fs::set_permissions(&path, Permissions::from_mode(mode)).expect("chmod");
            let read = read_key_file(&path);
            assert!(
                matches!(read, Err(MasterKeyError::TooPermissive { mode: found, .. }) if found == mode),
                "{mode:o}: {read:?}"
            );
        }

        fs::set_permissions(&path, Permissions::from_mode(0o400)).expect("chmod");
        assert!(read_key_file(&path).is_ok());
    }

    #[test]
    fn key_file_oversized_rejected() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("master.key");
        let text = format!("{}\n{}", "a".repeat(64), " ".repeat(MAX_KEY_FILE_BYTES));
        fs::write(&path, text).expect("write");
        fs::set_permissions(&path, Permissions::from_mode(0o600)).expect("chmod");

        let read = read_key_file(&path);

        assert!(
            matches!(read, Err(MasterKeyError::Malformed { .. })),
            "{read:?}"
        );
    }

    #[test]
    fn pending_key_file_installed() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("master.key");
        create_key_file(&path).expect("create");
        let new_key = MasterKey::generate();

        let pending = write_pending_key_file(&path, &new_key).expect("write pending");
        assert_eq!(pending, dir.path().join("master.key.new"));
        let mode = fs::metadata(&pending)
            .expect("pending")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        install_pending_key_file(&path).expect("install");

        assert!(!pending.exists());
        assert_eq!(read_key_file(&path).expect("read").id(), new_key.id());
    }
}

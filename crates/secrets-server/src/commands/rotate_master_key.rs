//! `secrets-server rotate-master-key`

use std::fs;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::{StorageArgs, DATABASE_URL_ENV};
use crate::crypto::{
    environment_key_text, install_pending_key_file, write_pending_key_file, MasterKey,
    MasterKeySource, MASTER_KEY_ENV, NEW_MASTER_KEY_ENV,
};
use crate::store::{MasterKeyRotation, Store, DATABASE_FILE};

/// The long help of `rotate-master-key`.
pub(super) const LONG_ABOUT: &str = "\
Replace the master key and rewrap every company's data key with the new one.

The data keys and the master key check are rewrapped in one transaction, so \
the database uses either the old key or the new one. With a key file, the new \
key is first written to DATA_DIR/master.key.new (mode 0600), and after the \
commit that file is renamed over DATA_DIR/master.key. Running servers load the \
new key file when they next need the master key, without a restart. If this \
command stops between the commit and the rename, the next secrets-server \
command that opens the data directory finishes the rename.

With SECRETS_MASTER_KEY set, no key file is written: pass the new key with \
--new-key-file or SECRETS_NEW_MASTER_KEY, then restart every server with the \
new key in SECRETS_MASTER_KEY.";

/// Arguments of `rotate-master-key`.
#[derive(Debug, clap::Args)]
pub(super) struct RotateMasterKeyArgs {
    /// Directory of the master key file, and of the SQLite database unless
    /// --database-url is given.
    #[arg(long)]
    data_dir: PathBuf,
    /// PostgreSQL database to use instead of the SQLite file; see `serve
    /// --help`.
    #[arg(long, env = DATABASE_URL_ENV, hide_env_values = true)]
    database_url: Option<String>,
    /// File that contains the new master key as 64 hexadecimal characters,
    /// readable only by its owner (mode 0600). Without this option and
    /// without SECRETS_NEW_MASTER_KEY, a random key is generated.
    #[arg(long, value_name = "PATH")]
    new_key_file: Option<PathBuf>,
}

/// Rotates the master key of `args.data_dir` and prints what changed.
pub(super) fn run(args: RotateMasterKeyArgs) -> anyhow::Result<()> {
    let data_dir = args.data_dir.as_path();

    // Load the current key. A rotation creates neither a database nor a
    // key file.
    let storage = StorageArgs {
        data_dir: args.data_dir.clone(),
        database_url: args.database_url.clone(),
        database_connections: 1,
    };
    if !storage.is_installed()? {
        match &storage.database_url {
            None => bail!(
                "no database found at {}; check --data-dir",
                data_dir.join(DATABASE_FILE).display()
            ),
            Some(_) => bail!("the PostgreSQL database of --database-url contains no installation"),
        }
    }
    // Hold the rotation lock until the command exits. A second rotation
    // would otherwise replace this one's pending key file, or remove its
    // own after this one committed, and leave no file with the key that the
    // database needs.
    let _rotation_lock = lock_rotation(data_dir)?;
    let (current_key, source) = MasterKey::load_existing(data_dir).with_context(|| {
        format!("failed to load the current master key (set {MASTER_KEY_ENV} or check --data-dir)")
    })?;

    // Load or generate the new key before anything changes.
    let new_key = new_master_key(args.new_key_file.as_deref(), &source)?;

    // Opening the store checks the current key, and finishes an earlier
    // rotation that stopped before it renamed its key file.
    let store = match &storage.database_url {
        None => Store::open(data_dir, current_key)
            .with_context(|| format!("failed to open the data directory {}", data_dir.display()))?,
        Some(url) => Store::open_postgres(url, 1, data_dir, current_key)
            .context("failed to open the PostgreSQL database of --database-url")?,
    };

    match source {
        MasterKeySource::Environment => {
            let rotation = rotate_database(&store, new_key)?;
            print_rotation(&rotation);
            println!(
                "{MASTER_KEY_ENV} still contains the old key: set it to the new key and restart \
                 every server that uses {}. Until then, they fail on requests that need a data key \
                 they have not cached.",
                data_dir.display()
            );
        }
        MasterKeySource::File(key_file) | MasterKeySource::NewFile(key_file) => {
            let rotation = rotate_with_key_file(&store, new_key, &key_file)?;
            print_rotation(&rotation);
            println!(
                "The new master key is in {}. Servers that use this data directory load it \
                 without a restart.",
                key_file.display()
            );
        }
    }
    Ok(())
}

/// Name of the lock file that one rotation at a time holds, in the data
/// directory.
const ROTATION_LOCK_FILE: &str = "rotate-master-key.lock";

/// Takes the data directory's rotation lock, or fails at once when another
/// rotation holds it. The operating system releases the lock when the file
/// closes, also when the process dies.
fn lock_rotation(data_dir: &Path) -> anyhow::Result<fs::File> {
    let path = data_dir.join(ROTATION_LOCK_FILE);
    let file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("failed to open the rotation lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => bail!(
            "another rotate-master-key is running on {}; wait until it has finished",
            data_dir.display()
        ),
        Err(fs::TryLockError::Error(error)) => Err(error)
            .with_context(|| format!("failed to lock the rotation lock file {}", path.display())),
    }
}

/// Returns the new master key: from `--new-key-file`, from
/// [`NEW_MASTER_KEY_ENV`], or generated.
fn new_master_key(
    new_key_file: Option<&Path>,
    source: &MasterKeySource,
) -> anyhow::Result<MasterKey> {
    let from_environment = environment_key_text(NEW_MASTER_KEY_ENV);
    match (new_key_file, from_environment) {
        (Some(_), Some(_)) => {
            bail!("both --new-key-file and {NEW_MASTER_KEY_ENV} are set; use only one of them")
        }
        (Some(path), None) => MasterKey::from_file(path)
            .context("failed to read the new master key from --new-key-file"),
        (None, Some(text)) => Ok(MasterKey::from_hex(&text, NEW_MASTER_KEY_ENV)?),
        (None, None) if *source == MasterKeySource::Environment => bail!(
            "{MASTER_KEY_ENV} is set, so servers read the master key from the environment and no \
             key file can receive a generated key; pass the new key with --new-key-file PATH or \
             {NEW_MASTER_KEY_ENV}"
        ),
        (None, None) => Ok(MasterKey::generate()),
    }
}

fn rotate_database(store: &Store, new_key: MasterKey) -> anyhow::Result<MasterKeyRotation> {
    store
        .rotate_master_key(new_key)
        .context("failed to rewrap the data keys; the database still uses the current master key")
}

/// Writes the new key to the pending key file, rewraps the database, then
/// renames the pending file over `key_file`.
fn rotate_with_key_file(
    store: &Store,
    new_key: MasterKey,
    key_file: &Path,
) -> anyhow::Result<MasterKeyRotation> {
    let pending = write_pending_key_file(key_file, &new_key)
        .context("failed to write the new master key file")?;

    let rotation = match rotate_database(store, new_key) {
        Ok(rotation) => rotation,
        Err(error) => {
            // The database still uses the current key, so the pending key
            // file would only mislead.
            if let Err(remove_error) = fs::remove_file(&pending) {
                tracing::warn!(path = %pending.display(), error = %remove_error, "failed to remove the unused new master key file");
            }
            return Err(error);
        }
    };

    install_pending_key_file(key_file).with_context(|| {
        format!(
            "the database now uses the new master key (key id {}), but renaming {} to {} failed; \
             rename it by hand, or start any secrets-server command, which finishes the rename",
            rotation.new_key_id,
            pending.display(),
            key_file.display()
        )
    })?;
    Ok(rotation)
}

fn print_rotation(rotation: &MasterKeyRotation) {
    println!(
        "Rewrapped {} data keys and the master key check with the new master key (key id {}).",
        rotation.data_keys, rotation.new_key_id
    );
    println!(
        "The old master key (key id {}) no longer opens this database, but backups made before \
         the rotation still need it.",
        rotation.old_key_id
    );
}

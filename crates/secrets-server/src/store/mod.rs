//! Storage of conglomerates, companies, members, credentials, secrets,
//! activity events, runners and tasks, in one SQLite file (`secrets.db` in
//! the data directory, the default) or in a PostgreSQL database.
//!
//! Every write runs in a transaction that takes the database's write lock
//! before the first read: `BEGIN IMMEDIATE` on SQLite, a row lock on
//! PostgreSQL (see the `postgres` module). A check such as "fewer than 50
//! secrets" and the insert it guards therefore see the same data, also when
//! a second process writes to the same database. On SQLite the writes of
//! one process share one connection behind a mutex. Reads take connections
//! of their own from a pool (see `sqlite_readers`), because WAL mode lets
//! them run beside a writer.
//!
//! The functions here are blocking; the HTTP layer calls them on tokio's
//! blocking thread pool.

mod activity;
mod company_keys;
mod create_secret;
mod credentials;
mod data_keys;
mod delete_secret;
mod import_secrets;
mod list_secrets;
mod members;
mod open_value;
mod organization;
mod postgres;
mod rotate_master_key;
mod runners;
mod schema;
mod sql;
mod sqlite_readers;
mod tasks;
mod update_description;

use std::fs::{self, DirBuilder, OpenOptions, Permissions};
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{OpenFlags, TransactionBehavior};
use secrets_core::{CompanyId, SecretKey};

use crate::crypto::{CryptoError, KeyId, MasterKey, MasterKeyError, MASTER_KEY_ENV};
use data_keys::KeyRing;
use postgres::PostgresPool;
use sql::{Connection, Transaction};
use sqlite_readers::ReadPool;

pub use company_keys::CompanyPublicKey;
pub use credentials::{
    CredentialKind, RedeemedLogin, RevokedToken, Token, TokenInfo, LOGIN_LINK_TTL, SESSION_TTL,
};
pub use members::{Member, MemberName, MemberNameError, RemovedMember};
pub use organization::{ConglomerateId, ConglomerateIdError};
pub use postgres::{
    is_installed as postgres_is_installed, run_as_blocking_task, DEFAULT_MAX_CONNECTIONS,
};
pub use rotate_master_key::MasterKeyRotation;
pub use runners::{RevokedRunner, Runner, RunnerInfo, RunnerName, RunnerNameError};
pub use sql::DatabaseError;
pub use tasks::{HandedOver, NewTask};

/// Name of the database file inside the data directory.
pub const DATABASE_FILE: &str = "secrets.db";

/// How long a connection waits for another connection's write lock before
/// it fails: SQLite's busy timeout ("database is locked") and PostgreSQL's
/// lock timeout in write transactions.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The database, its master key and the cache of unwrapped data keys.
#[derive(Debug)]
pub struct Store {
    database: Database,
    data_dir: PathBuf,
    keys: KeyRing,
}

/// The database behind the store: a SQLite file or a PostgreSQL pool.
#[derive(Debug)]
enum Database {
    /// A SQLite file, with the connection that every write of this process
    /// uses and the idle connections of reads.
    Sqlite {
        readers: ReadPool,
        writer: Mutex<rusqlite::Connection>,
    },
    /// A PostgreSQL database.
    Postgres(Box<PostgresPool>),
}

impl Database {
    /// Runs `operation` in a write transaction and commits it when the
    /// operation succeeds; an error rolls everything back.
    fn write<T: Send>(
        &self,
        operation: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        match self {
            Self::Sqlite { writer, .. } => {
                // A panic while the lock was held cannot leave a
                // transaction open: dropping the `Transaction` rolled it
                // back. So a poisoned mutex still guards a usable
                // connection.
                let mut connection = writer.lock().unwrap_or_else(PoisonError::into_inner);
                let transaction =
                    connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let result = operation(&Connection::Sqlite(&transaction))?;
                transaction.commit()?;
                Ok(result)
            }
            Self::Postgres(pool) => pool.write(operation),
        }
    }

    /// Runs `operation` on a connection outside a transaction.
    fn read<T: Send>(
        &self,
        operation: impl FnOnce(&Connection<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        match self {
            Self::Sqlite { readers, .. } => {
                readers.read(|connection| operation(&Connection::Sqlite(connection)))
            }
            Self::Postgres(pool) => pool.read(operation),
        }
    }
}

/// Reason why a store operation failed. The first variants are outcomes
/// that a client can act on; the others are server failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The company already has a secret with this key.
    #[error("a secret with this key already exists")]
    DuplicateKey,
    /// The company already stores the maximum number of secrets.
    #[error("the company has reached its secret limit")]
    LimitReached,
    /// An import contains keys that the company has already: each with its
    /// index in the import.
    #[error("the company already has secrets with {} of the imported keys", .0.len())]
    KeysExist(Vec<(usize, SecretKey)>),
    /// An import would take the company past the maximum number of
    /// secrets.
    #[error("the company has {existing} secrets, so an import of {requested} would pass its secret limit")]
    ImportLimitReached {
        /// Number of secrets the company has.
        existing: usize,
        /// Number of secrets in the import.
        requested: usize,
    },
    /// The company has no secret with this key.
    #[error("no secret with this key exists")]
    SecretNotFound,
    /// The value was sealed to a public key that is not the company's
    /// current one.
    #[error("the value was sealed to a public key that is not the company's current one")]
    StalePublicKey,
    /// The conglomerate already exists.
    #[error("conglomerate {0} already exists")]
    ConglomerateExists(ConglomerateId),
    /// No conglomerate has this ID.
    #[error("no conglomerate {0} exists; create it with `secrets-server conglomerate create {0}`")]
    ConglomerateNotFound(ConglomerateId),
    /// The company already exists.
    #[error("company {0} already exists")]
    CompanyExists(CompanyId),
    /// No company has this ID.
    #[error("no company {0} exists; create it with `secrets-server company create {0} --conglomerate CONGLOMERATE_ID`")]
    CompanyNotFound(CompanyId),
    /// The conglomerate already has a member with this name.
    #[error("conglomerate {conglomerate} already has a member named {name:?}")]
    MemberExists {
        /// The conglomerate.
        conglomerate: ConglomerateId,
        /// The member's name.
        name: String,
    },
    /// The conglomerate has no current member with this name.
    #[error("conglomerate {conglomerate} has no member named {name:?}; add one with `secrets-server member add --conglomerate {conglomerate} --name NAME`")]
    MemberNotFound {
        /// The conglomerate.
        conglomerate: ConglomerateId,
        /// The member's name.
        name: String,
    },
    /// The member was removed, or lost access to the company, after the
    /// request was authorized.
    #[error("the member no longer has access to this company")]
    AccessRevoked,
    /// No runner has this ID.
    #[error("no runner has the ID {0}; `secrets-server runner list --company ID` shows a company's runners")]
    RunnerNotFound(i64),
    /// The runner was revoked after its request was authenticated.
    #[error("the runner was revoked")]
    RunnerRevoked,
    /// The task token does not belong to this task, or the task finished
    /// or expired.
    #[error("the task token is invalid, or the task finished or expired")]
    TaskNotAuthorized,
    /// No API token has this ID.
    #[error("no API token has the ID {0}; `secrets-server token list` shows a member's tokens")]
    TokenNotFound(i64),
    /// A migration left rows that reference missing rows.
    #[error("a database migration left {0} broken references; the database was not changed")]
    BrokenReferences(usize),
    /// The master key cannot decrypt the check value stored in the database.
    #[error(
        "the master key does not match the one the database is encrypted with ({}); \
         set SECRETS_MASTER_KEY to the original key, or restore the original master.key file in {data_dir} \
         (after `rotate-master-key`, the original key is the one that it installed)",
        expected.as_ref().map_or("key id unknown".to_owned(), |key_id| format!("key id {key_id}"))
    )]
    WrongMasterKey {
        /// The data directory whose database contains the check value.
        data_dir: PathBuf,
        /// The key id of the master key that the database needs, when the
        /// database records it.
        expected: Option<KeyId>,
    },
    /// The database needs another master key after a rotation, and this
    /// store cannot read one, because its key came from the environment.
    #[error(
        "the master key was rotated: the database needs the master key with key id {database_key_id}, \
         but this server has key id {server_key_id} and no key file to read the new key from; \
         restart the server with the new key in {MASTER_KEY_ENV}"
    )]
    MasterKeyNotReloadable {
        /// The key id that the database records.
        database_key_id: KeyId,
        /// The key id of the store's master key.
        server_key_id: KeyId,
    },
    /// The database needs another master key after a rotation, and neither
    /// the key file nor the pending key file contains it.
    #[error(
        "the master key was rotated: the database needs the master key with key id {database_key_id}, \
         but neither {} nor its pending .new file contains it; restore the key file that rotate-master-key installed",
        path.display()
    )]
    MasterKeyFileOutdated {
        /// The key file.
        path: PathBuf,
        /// The key id that the database records.
        database_key_id: KeyId,
    },
    /// The master key file could not be read again.
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    /// A rotation was given the master key that the database uses already.
    #[error(
        "the new master key is the current master key (key id {key_id}); give a different key"
    )]
    SameMasterKey {
        /// The key id of both keys.
        key_id: KeyId,
    },
    /// The company has secrets or a key pair but no data key, so the
    /// database was changed by hand.
    #[error("the company {company} has no data key")]
    MissingDataKey {
        /// The company.
        company: CompanyId,
    },
    /// The database was written by a newer version of this program.
    #[error("the database schema version {found} is newer than this program supports ({supported}); upgrade secrets-server")]
    SchemaTooNew {
        /// Version found in the database.
        found: i64,
        /// Newest schema version that this program can migrate to.
        supported: i64,
    },
    /// The company has secrets but no key pair, or a key pair that cannot
    /// be read, so the database was changed by hand.
    #[error("the company {company} has no valid key pair")]
    MissingCompanyKey {
        /// The company.
        company: CompanyId,
    },
    /// A stored value failed to decrypt, or a value failed to encrypt.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A stored value cannot be opened with its company's secret key, or
    /// is not valid UTF-8, or breaks the value rules.
    #[error("a stored value cannot be opened as a valid secret value")]
    CorruptValue,
    /// A database file could not be created or made private.
    #[error("failed to create or restrict the permissions of {path}")]
    DatabaseFile {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The data directory could not be created.
    #[error("failed to create the data directory {path}")]
    DataDir {
        /// The data directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A background task running the operation panicked.
    #[error("the database task stopped unexpectedly")]
    TaskFailed,
    /// The database failed.
    #[error("database error")]
    Database(#[from] DatabaseError),
    /// Every connection of the PostgreSQL pool stayed in use for the
    /// pool's wait time.
    #[error("all {max_connections} database connections stayed in use for 10 seconds; raise --database-connections or PostgreSQL's capacity")]
    PoolTimeout {
        /// The pool's size.
        max_connections: usize,
    },
    /// The `--database-url` cannot be parsed. The parse error is left out,
    /// because it can quote the URL and so its password.
    #[error("the database URL is invalid; give a URL such as postgres://USER@HOST:5432/DATABASE")]
    InvalidDatabaseUrl,
}

impl StoreError {
    /// Returns `true` when the database rejected a write because it
    /// violates a constraint.
    pub fn is_constraint_violation(&self) -> bool {
        matches!(self, Self::Database(error) if error.is_constraint_violation())
    }
}

impl Store {
    /// Opens (or creates) the database in `data_dir`, runs pending
    /// migrations and checks that `master_key` is the database's current
    /// master key.
    ///
    /// When `master_key` came from a key file that the database rejects,
    /// and the pending key file next to it (`master.key.new`) contains the
    /// right key, a rotation stopped between its commit and its rename. The
    /// store then renames the pending file over the key file and uses it.
    pub fn open(data_dir: &Path, master_key: MasterKey) -> Result<Self, StoreError> {
        create_data_dir(data_dir)?;
        warn_if_data_dir_shared(data_dir);
        let path = data_dir.join(DATABASE_FILE);
        restrict_database_files(&path)?;
        let mut connection = open_connection(&path)?;

        let journal_mode: String =
            connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !journal_mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(journal_mode, "SQLite did not switch to WAL mode");
        }
        // Every write goes through this connection, and with this setting
        // SQLite overwrites deleted content with zeros. So free space in
        // the file keeps no ciphertext or wrapped data key that a
        // migration, rotation or delete replaced.
        connection.pragma_update(None, "secure_delete", true)?;
        schema::migrate(&mut connection, &master_key, data_dir)?;

        let database = Database::Sqlite {
            readers: ReadPool::new(path),
            writer: Mutex::new(connection),
        };
        Self::with_database(database, data_dir, master_key)
    }

    /// Opens the PostgreSQL database at `url` (a `postgres://` URL or a
    /// key=value connection string), runs pending migrations and checks
    /// that `master_key` is the database's current master key. The data
    /// directory holds only the master key file, if the key comes from one.
    pub fn open_postgres(
        url: &str,
        max_connections: u16,
        data_dir: &Path,
        master_key: MasterKey,
    ) -> Result<Self, StoreError> {
        create_data_dir(data_dir)?;
        let database = Database::Postgres(Box::new(PostgresPool::open(url, max_connections)?));
        Self::with_database(database, data_dir, master_key)
    }

    /// Checks the master key against `database`, finishing an interrupted
    /// rotation when the key file's pending replacement is the right key.
    fn with_database(
        database: Database,
        data_dir: &Path,
        master_key: MasterKey,
    ) -> Result<Self, StoreError> {
        let key_file = master_key.file().map(Path::to_owned);
        let master_key = match schema::check_master_key(&database, &master_key, data_dir) {
            Ok(()) => master_key,
            Err(error @ StoreError::WrongMasterKey { .. }) => {
                let Some(key_file) = &key_file else {
                    return Err(error);
                };
                rotate_master_key::finish_interrupted_rotation(&database, key_file, data_dir)?
                    .ok_or(error)?
            }
            Err(error) => return Err(error),
        };

        Ok(Self {
            database,
            data_dir: data_dir.to_owned(),
            keys: KeyRing::new(master_key, key_file),
        })
    }

    /// Returns the path of the SQLite database file, or `None` for
    /// PostgreSQL.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.database {
            Database::Sqlite { readers, .. } => Some(readers.path()),
            Database::Postgres(_) => None,
        }
    }

    /// Checks that the database can be read, for the readiness check. The
    /// master key needs no check: the store cannot open without it.
    ///
    /// A SQLite file is opened read-only and never created, so that a
    /// missing file fails instead of being replaced by an empty one.
    pub fn check_readable(&self) -> Result<(), StoreError> {
        let count_companies = |connection: &Connection<'_>| {
            connection.query_row("SELECT COUNT(*) FROM companies", (), |row| {
                row.get::<_, i64>(0)
            })
        };
        match &self.database {
            Database::Sqlite { readers, .. } => {
                let path = readers.path();
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let connection = rusqlite::Connection::open_with_flags(path, flags)?;
                connection.busy_timeout(BUSY_TIMEOUT)?;
                count_companies(&Connection::Sqlite(&connection))?;
            }
            Database::Postgres(pool) => {
                pool.read(count_companies)?;
            }
        }
        Ok(())
    }

    /// Returns `true` when no company exists yet, as in a new data directory.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        let count: i64 = self.read(|connection| {
            connection.query_row("SELECT COUNT(*) FROM companies", (), |row| row.get(0))
        })?;
        Ok(count == 0)
    }

    /// Runs `operation` in a write transaction and commits it when the
    /// operation succeeds; an error rolls everything back.
    fn write<T: Send>(
        &self,
        operation: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        self.database.write(operation)
    }

    /// Runs `operation` on a connection outside a transaction.
    fn read<T: Send>(
        &self,
        operation: impl FnOnce(&Connection<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        self.database.read(operation)
    }
}

/// Opens a connection with the settings every connection needs. The
/// `synchronous = FULL` setting makes each commit durable once it returns,
/// even in WAL mode, at the cost of one more fsync per commit.
fn open_connection(path: &Path) -> Result<rusqlite::Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = rusqlite::Connection::open_with_flags(path, flags)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    Ok(connection)
}

/// Creates the data directory, readable only by its owner, if it is missing.
pub fn create_data_dir(data_dir: &Path) -> Result<(), StoreError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data_dir)
        .map_err(|source| StoreError::DataDir {
            path: data_dir.to_owned(),
            source,
        })
}

/// Logs a warning when users other than the owner may enter the data
/// directory, as when it existed before the first start with the usual
/// mode 0755. The directory is left as it is, because it may be shared on
/// purpose, for example the current directory.
fn warn_if_data_dir_shared(data_dir: &Path) {
    match fs::metadata(data_dir) {
        Ok(metadata) if metadata.permissions().mode() & 0o077 != 0 => tracing::warn!(
            path = %data_dir.display(),
            mode = format!("{:o}", metadata.permissions().mode() & 0o777),
            "other users can access the data directory; restrict it with `chmod 700 {}`",
            data_dir.display()
        ),
        Ok(_) => {}
        Err(error) => tracing::warn!(
            path = %data_dir.display(),
            %error,
            "failed to read the permissions of the data directory"
        ),
    }
}

/// Creates the database file with mode 0600 before SQLite opens it, and
/// restricts an existing database, `-wal` or `-shm` file that other users
/// could read to 0600. SQLite creates the `-wal` and `-shm` files with the
/// permissions of the database file, so all three stay private even in a
/// data directory that others can enter.
fn restrict_database_files(path: &Path) -> Result<(), StoreError> {
    let file_error = |file: &Path| {
        let file = file.to_owned();
        move |source| StoreError::DatabaseFile { path: file, source }
    };

    // `create` without `truncate` leaves an existing database unchanged.
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(file_error(path))?;

    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let mut shm = path.as_os_str().to_owned();
    shm.push("-shm");
    for file in [path.to_owned(), PathBuf::from(wal), PathBuf::from(shm)] {
        let metadata = match fs::metadata(&file) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == ErrorKind::NotFound => continue,
            Err(error) => return Err(file_error(&file)(error)),
        };
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            fs::set_permissions(&file, Permissions::from_mode(0o600)).map_err(file_error(&file))?;
            tracing::warn!(
                path = %file.display(),
                old_mode = format!("{mode:o}"),
                "other users could read a database file; restricted it to mode 600"
            );
        }
    }
    Ok(())
}

/// Returns the current time as seconds since the Unix epoch, the unit of
/// every timestamp column.
fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Formats a timestamp column as RFC 3339 in UTC.
fn format_timestamp(seconds: i64) -> String {
    let format = &time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|moment| moment.format(format).ok())
        .unwrap_or_default()
}

/// Parses a company ID read back from the database. Only validated IDs are
/// written, so a failure means the file was changed by hand.
fn company_from_column(text: String) -> Result<CompanyId, StoreError> {
    CompanyId::try_from(text).map_err(|error| {
        StoreError::Database(DatabaseError::InvalidColumn {
            column: 0,
            source: Box::new(error),
        })
    })
}

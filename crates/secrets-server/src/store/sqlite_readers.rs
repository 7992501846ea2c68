//! The SQLite connections that reads use, kept open for reuse.
//!
//! Opening a connection costs a file open, the connection's pragmas and a
//! fresh statement cache, so every query of a new connection is parsed
//! again. A read takes an idle connection instead, and its prepared
//! statements stay cached in the connection (rusqlite's `prepare_cached`).
//! WAL mode lets any number of these readers run beside the writer. Each
//! statement outside a transaction reads the newest committed data, so a
//! reused connection reads every write committed before the read began.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::{open_connection, StoreError};

/// Maximum number of idle read connections kept open. Reads run on
/// tokio's blocking threads, so more can be in flight at once: a read that
/// finds no idle connection opens one, and a connection that returns to a
/// full pool is closed.
pub const MAX_IDLE_READERS: usize = 16;

/// Idle read connections to one SQLite file.
#[derive(Debug)]
pub struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl ReadPool {
    /// Creates an empty pool for the database file at `path`.
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Returns the database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `operation` on an idle connection, or on a new one when none
    /// is idle, and returns the connection to the pool afterwards.
    pub fn read<T>(
        &self,
        operation: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let connection = match self.lock_idle().pop() {
            Some(connection) => connection,
            None => open_connection(&self.path)?,
        };
        // A panic in `operation` drops the connection instead of returning
        // it, which closes it.
        let result = operation(&connection);
        self.put_back(connection);
        result
    }

    /// Returns the number of idle connections.
    #[cfg(test)]
    pub fn idle_count(&self) -> usize {
        self.lock_idle().len()
    }

    fn put_back(&self, connection: rusqlite::Connection) {
        // A connection left inside a transaction would keep reading an old
        // snapshot, so it is closed, which rolls the transaction back.
        if !connection.is_autocommit() {
            tracing::warn!("closed a read connection that was left inside a transaction");
            return;
        }
        let mut idle = self.lock_idle();
        if idle.len() < MAX_IDLE_READERS {
            idle.push(connection);
        }
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<rusqlite::Connection>> {
        // The vector is valid after any panic: pushes and pops complete.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Barrier;

    use secrets_core::CompanyId;

    use super::*;
    use crate::crypto::MasterKey;
    use crate::store::{MemberName, Store, DATABASE_FILE};

    fn open_store(dir: &Path) -> Store {
        let master_key = MasterKey::from_hex(&"3c".repeat(32), "test").expect("valid key");
        Store::open(dir, master_key).expect("open store")
    }

    fn readers(store: &Store) -> &ReadPool {
        match &store.database {
            super::super::Database::Sqlite { readers, .. } => readers,
            super::super::Database::Postgres(_) => unreachable!("a SQLite store"),
        }
    }

    fn count_companies(pool: &ReadPool) -> i64 {
        pool.read(|connection| {
            Ok(connection.query_row("SELECT COUNT(*) FROM companies", [], |row| row.get(0))?)
        })
        .expect("count companies")
    }

    #[test]
    fn read_reuses_idle_connection() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let pool = ReadPool::new(dir.path().join(DATABASE_FILE));
        // A temporary table exists only on the connection that created it.
        pool.read(|connection| Ok(connection.execute_batch("CREATE TEMP TABLE marker (x)")?))
            .expect("first read");
        assert_eq!(pool.idle_count(), 1);

        let markers: i64 = pool
            .read(|connection| {
                Ok(connection.query_row(
                    "SELECT COUNT(*) FROM temp.sqlite_master WHERE name = 'marker'",
                    [],
                    |row| row.get(0),
                )?)
            })
            .expect("second read");
        assert_eq!(markers, 1, "the second read opened a new connection");
        assert_eq!(pool.idle_count(), 1);
    }

    #[test]
    fn pooled_reader_sees_later_write() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = open_store(dir.path());
        // The read leaves a connection in the pool, opened before the write.
        assert_eq!(count_companies(readers(&store)), 0);
        assert_eq!(readers(&store).idle_count(), 1);

        let company = CompanyId::parse("acme").expect("valid company");
        let owner = MemberName::parse("owner").expect("valid name");
        store.ensure_member(&company, &owner).expect("member");

        assert_eq!(readers(&store).idle_count(), 1);
        assert_eq!(count_companies(readers(&store)), 1);
    }

    #[test]
    fn pooled_reader_sees_other_connection_write() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = open_store(dir.path());
        assert_eq!(count_companies(readers(&store)), 0);

        // A connection of its own, as another process would open.
        let other = open_connection(readers(&store).path()).expect("open connection");
        other
            .execute(
                "INSERT INTO conglomerates (id, created_at) VALUES ('group', 0)",
                [],
            )
            .expect("insert conglomerate");
        other
            .execute(
                "INSERT INTO companies (id, conglomerate_id, created_at) VALUES ('acme', 'group', 0)",
                [],
            )
            .expect("insert company");

        assert_eq!(count_companies(readers(&store)), 1);
    }

    #[test]
    fn idle_connections_bounded() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let pool = ReadPool::new(dir.path().join(DATABASE_FILE));
        let readers = MAX_IDLE_READERS + 4;
        // Every read waits until all hold a connection, so all are open at
        // once and all return to the pool.
        let all_open = Barrier::new(readers);
        std::thread::scope(|scope| {
            for _ in 0..readers {
                scope.spawn(|| {
                    pool.read(|_| {
                        all_open.wait();
                        Ok(())
                    })
                    .expect("read");
                });
            }
        });
        assert_eq!(pool.idle_count(), MAX_IDLE_READERS);
    }

    #[test]
    fn connection_left_in_transaction_closed() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let pool = ReadPool::new(dir.path().join(DATABASE_FILE));
        pool.read(|connection| Ok(connection.execute_batch("BEGIN")?))
            .expect("begin");
        assert_eq!(pool.idle_count(), 0);
    }

    #[test]
    fn failed_read_returns_connection() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let pool = ReadPool::new(dir.path().join(DATABASE_FILE));
        let result: Result<(), StoreError> = pool.read(|connection| {
            connection.execute_batch("SELECT * FROM missing_table")?;
            Ok(())
        });
        assert!(result.is_err());
        assert_eq!(pool.idle_count(), 1);
    }
}

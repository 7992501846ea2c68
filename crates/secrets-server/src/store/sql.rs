//! One SQL interface over the two databases the store supports: SQLite
//! through rusqlite and PostgreSQL through the `postgres` crate.
//!
//! Queries are written once, in the subset of SQL that both understand,
//! with SQLite's numbered placeholders (`?1`, `?2`, ...). For PostgreSQL
//! they become `$1`, `$2`, ... The API follows rusqlite's names
//! (`execute`, `query_row`, `prepare` with `query_map`, `optional`), so the
//! store's functions read the same for both databases.
//!
//! Values cross this boundary as four types, as in SQLite: integers (64
//! bits), text, bytes and NULL. The PostgreSQL schema uses `BIGINT`,
//! `TEXT` and `BYTEA`, so each maps to one column type.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use bytes::BytesMut;
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};

use super::StoreError;

/// A failure of the database itself, as opposed to an outcome the store
/// reports on its own.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// SQLite failed.
    #[error("SQLite error")]
    Sqlite(#[source] rusqlite::Error),
    /// PostgreSQL failed, or the connection to it did.
    #[error("PostgreSQL error")]
    Postgres(#[source] postgres::Error),
    /// A query that expects one row returned none.
    #[error("the query returned no rows")]
    NoRows,
    /// A column held a value of another type than the store expects.
    #[error("column {column} holds {found}, not {expected}")]
    ColumnType {
        /// Index of the column in the query's result.
        column: usize,
        /// The type the store expects.
        expected: &'static str,
        /// The type found.
        found: &'static str,
    },
    /// A column held text that fails validation. Only validated text is
    /// written, so the database was changed by hand.
    #[error("column {column} holds a value that fails validation")]
    InvalidColumn {
        /// Index of the column in the query's result.
        column: usize,
        /// The validation error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl DatabaseError {
    /// Returns `true` for a violated constraint (unique, primary key,
    /// foreign key, check or not-null), in either database.
    pub fn is_constraint_violation(&self) -> bool {
        match self {
            Self::Sqlite(error) => {
                error.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation)
            }
            // Class 23 is "integrity constraint violation".
            Self::Postgres(error) => error
                .code()
                .is_some_and(|state| state.code().starts_with("23")),
            _ => false,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        match error {
            rusqlite::Error::QueryReturnedNoRows => Self::Database(DatabaseError::NoRows),
            error => Self::Database(DatabaseError::Sqlite(error)),
        }
    }
}

impl From<postgres::Error> for StoreError {
    fn from(error: postgres::Error) -> Self {
        Self::Database(DatabaseError::Postgres(error))
    }
}

/// Turns "no rows" into `None`, as rusqlite's extension of the same name.
pub trait OptionalExtension<T> {
    /// Returns `Ok(None)` when the query returned no rows.
    fn optional(self) -> Result<Option<T>, StoreError>;
}

impl<T> OptionalExtension<T> for Result<T, StoreError> {
    fn optional(self) -> Result<Option<T>, StoreError> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(StoreError::Database(DatabaseError::NoRows)) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// A parameter value of a query.
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    /// SQL NULL.
    Null,
    /// A 64-bit integer.
    Integer(i64),
    /// UTF-8 text.
    Text(&'a str),
    /// Bytes.
    Blob(&'a [u8]),
}

/// A Rust value that can be a query parameter.
pub trait ToValue {
    /// Returns the value as a parameter.
    fn to_value(&self) -> Value<'_>;
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl<const N: usize> ToValue for [u8; N] {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl ToValue for i64 {
    fn to_value(&self) -> Value<'_> {
        Value::Integer(*self)
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Integer(i64::from(*self))
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value<'_> {
        match self {
            Some(value) => value.to_value(),
            None => Value::Null,
        }
    }
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Integer(integer) => ValueRef::Integer(integer),
            Value::Text(text) => ValueRef::Text(text.as_bytes()),
            Value::Blob(bytes) => ValueRef::Blob(bytes),
        }))
    }
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        // PostgreSQL infers each parameter's type from the query, so an
        // integer may be asked for as a smaller integer or a boolean.
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(integer) => match *ty {
                Type::INT8 => integer.to_sql(ty, out),
                Type::INT4 => i32::try_from(integer)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(integer)?.to_sql(ty, out),
                Type::BOOL => (integer != 0).to_sql(ty, out),
                _ => Err(format!("an integer parameter cannot be {ty}").into()),
            },
            Value::Text(text) => text.to_sql(ty, out),
            Value::Blob(bytes) => bytes.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        // `to_sql` checks the type of each value.
        true
    }

    to_sql_checked!();
}

/// The parameters of a query.
pub trait Params {
    /// Returns the parameters in order.
    fn values(&self) -> Vec<Value<'_>>;
}

impl Params for () {
    fn values(&self) -> Vec<Value<'_>> {
        Vec::new()
    }
}

impl Params for &[&dyn ToValue] {
    fn values(&self) -> Vec<Value<'_>> {
        self.iter().map(|value| value.to_value()).collect()
    }
}

impl Params for [&dyn ToValue; 0] {
    fn values(&self) -> Vec<Value<'_>> {
        Vec::new()
    }
}

macro_rules! impl_params_for_arrays {
    ($($length:literal),*) => {
        $(
            impl<T: ToValue> Params for [T; $length] {
                fn values(&self) -> Vec<Value<'_>> {
                    self.iter().map(ToValue::to_value).collect()
                }
            }
        )*
    };
}

impl_params_for_arrays!(1, 2, 3, 4);

/// Builds the parameters of a query from values of different types.
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::store::sql::ToValue]
    };
    ($($value:expr),+ $(,)?) => {
        &[$(&$value as &dyn $crate::store::sql::ToValue),+] as &[&dyn $crate::store::sql::ToValue]
    };
}

pub(crate) use params;

/// A column value read from a row.
#[derive(Debug)]
pub enum ColumnValue {
    /// SQL NULL.
    Null,
    /// An integer; PostgreSQL booleans arrive as 0 or 1.
    Integer(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl ColumnValue {
    fn type_name(&self) -> &'static str {
        match self {
            Self::Null => "NULL",
            Self::Integer(_) => "an integer",
            Self::Text(_) => "text",
            Self::Blob(_) => "bytes",
        }
    }
}

/// A Rust type that a column value converts to.
pub trait FromColumn: Sized {
    /// Converts the value of column `column`.
    fn from_column(value: ColumnValue, column: usize) -> Result<Self, DatabaseError>;
}

fn wrong_type(value: &ColumnValue, column: usize, expected: &'static str) -> DatabaseError {
    DatabaseError::ColumnType {
        column,
        expected,
        found: value.type_name(),
    }
}

impl FromColumn for i64 {
    fn from_column(value: ColumnValue, column: usize) -> Result<Self, DatabaseError> {
        match value {
            ColumnValue::Integer(integer) => Ok(integer),
            other => Err(wrong_type(&other, column, "an integer")),
        }
    }
}

impl FromColumn for bool {
    fn from_column(value: ColumnValue, column: usize) -> Result<Self, DatabaseError> {
        i64::from_column(value, column).map(|integer| integer != 0)
    }
}

impl FromColumn for String {
    fn from_column(value: ColumnValue, column: usize) -> Result<Self, DatabaseError> {
        match value {
            ColumnValue::Text(text) => Ok(text),
            other => Err(wrong_type(&other, column, "text")),
        }
    }
}

impl FromColumn for Vec<u8> {
    fn from_column(value: ColumnValue, column: usize) -> Result<Self, DatabaseError> {
        match value {
            ColumnValue::Blob(bytes) => Ok(bytes),
            other => Err(wrong_type(&other, column, "bytes")),
        }
    }
}

impl<T: FromColumn> FromColumn for Option<T> {
    fn from_column(value: ColumnValue, column: usize) -> Result<Self, DatabaseError> {
        match value {
            ColumnValue::Null => Ok(None),
            value => T::from_column(value, column).map(Some),
        }
    }
}

/// A column index; only `usize` is one, so that an integer literal
/// needs no suffix.
pub trait ColumnIndex {
    /// Returns the index.
    fn index(self) -> usize;
}

impl ColumnIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// A row of a query's result.
pub enum Row<'r> {
    /// A row from SQLite.
    Sqlite(&'r rusqlite::Row<'r>),
    /// A row from PostgreSQL.
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    /// Returns the value of column `index` converted to `T`. The unused
    /// first type parameter keeps rusqlite's `row.get::<_, T>(index)`.
    pub fn get<I: ColumnIndex, T: FromColumn>(&self, index: I) -> Result<T, StoreError> {
        let index = index.index();
        let value = self.column_value(index)?;
        Ok(T::from_column(value, index)?)
    }

    fn column_value(&self, index: usize) -> Result<ColumnValue, StoreError> {
        match self {
            Self::Sqlite(row) => {
                use rusqlite::types::ValueRef;
                Ok(match row.get_ref(index)? {
                    ValueRef::Null => ColumnValue::Null,
                    ValueRef::Integer(integer) => ColumnValue::Integer(integer),
                    ValueRef::Text(text) => ColumnValue::Text(
                        std::str::from_utf8(text)
                            .map_err(|error| DatabaseError::InvalidColumn {
                                column: index,
                                source: Box::new(error),
                            })?
                            .to_owned(),
                    ),
                    ValueRef::Blob(bytes) => ColumnValue::Blob(bytes.to_vec()),
                    ValueRef::Real(_) => {
                        return Err(DatabaseError::ColumnType {
                            column: index,
                            expected: "an integer, text or bytes",
                            found: "a real number",
                        }
                        .into())
                    }
                })
            }
            Self::Postgres(row) => postgres_column_value(row, index),
        }
    }
}

fn postgres_column_value(row: &postgres::Row, index: usize) -> Result<ColumnValue, StoreError> {
    let Some(column) = row.columns().get(index) else {
        return Err(DatabaseError::ColumnType {
            column: index,
            expected: "a column",
            found: "no column",
        }
        .into());
    };
    let value = match *column.type_() {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(index)?
            .map(ColumnValue::Integer),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(index)?
            .map(|integer| ColumnValue::Integer(integer.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(index)?
            .map(|integer| ColumnValue::Integer(integer.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(index)?
            .map(|flag| ColumnValue::Integer(flag.into())),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => row
            .try_get::<_, Option<String>>(index)?
            .map(ColumnValue::Text),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(index)?
            .map(ColumnValue::Blob),
        _ => {
            return Err(DatabaseError::ColumnType {
                column: index,
                expected: "an integer, text or bytes",
                found: "another PostgreSQL type",
            }
            .into())
        }
    };
    Ok(value.unwrap_or(ColumnValue::Null))
}

/// A PostgreSQL client with the statements it has prepared, by query
/// text, so that each query is parsed once per connection.
pub struct PostgresClient {
    pub(super) client: postgres::Client,
    statements: HashMap<&'static str, postgres::Statement>,
}

impl fmt::Debug for PostgresClient {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("PostgresClient")
            .field("statements", &self.statements.len())
            .finish_non_exhaustive()
    }
}

impl PostgresClient {
    /// Wraps a connected client.
    pub fn new(client: postgres::Client) -> Self {
        Self {
            client,
            statements: HashMap::new(),
        }
    }

    fn statement(&mut self, sql: &'static str) -> Result<postgres::Statement, StoreError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(&postgres_placeholders(sql))?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }

    fn query(
        &mut self,
        sql: &'static str,
        values: &[Value<'_>],
    ) -> Result<Vec<postgres::Row>, StoreError> {
        let statement = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|value| value as &(dyn ToSql + Sync))
            .collect();
        Ok(self.client.query(&statement, &params)?)
    }

    fn execute(&mut self, sql: &'static str, values: &[Value<'_>]) -> Result<usize, StoreError> {
        let statement = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|value| value as &(dyn ToSql + Sync))
            .collect();
        let changed = self.client.execute(&statement, &params)?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }
}

/// Rewrites SQLite's `?N` placeholders to PostgreSQL's `$N`. Question
/// marks inside string literals or quoted names stay as they are.
pub fn postgres_placeholders(sql: &str) -> String {
    let mut rewritten = String::with_capacity(sql.len());
    let mut quote = None;
    for character in sql.chars() {
        match (quote, character) {
            (None, '\'' | '"') => quote = Some(character),
            (Some(open), _) if character == open => quote = None,
            (None, '?') => {
                rewritten.push('$');
                continue;
            }
            _ => {}
        }
        rewritten.push(character);
    }
    rewritten
}

/// A connection to the store's database, in a write transaction or not.
pub enum Connection<'c> {
    /// A SQLite connection; a `rusqlite::Transaction` dereferences to one.
    Sqlite(&'c rusqlite::Connection),
    /// A PostgreSQL client. Its methods need `&mut`, and the store's
    /// functions share one connection by `&`, so it sits in a `RefCell`.
    Postgres(RefCell<&'c mut PostgresClient>),
}

/// A connection inside a write transaction: the store's write functions
/// take this name to say that they must run in one.
pub type Transaction<'c> = Connection<'c>;

impl<'c> Connection<'c> {
    /// Runs a statement and returns the number of rows it changed.
    pub fn execute(&self, sql: &'static str, params: impl Params) -> Result<usize, StoreError> {
        let values = params.values();
        match self {
            Self::Sqlite(connection) => {
                let mut statement = connection.prepare_cached(sql)?;
                Ok(statement.execute(rusqlite::params_from_iter(values.iter()))?)
            }
            Self::Postgres(client) => client.borrow_mut().execute(sql, &values),
        }
    }

    /// Runs statements without parameters, separated by semicolons.
    pub fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(connection) => Ok(connection.execute_batch(sql)?),
            Self::Postgres(client) => Ok(client.borrow_mut().client.batch_execute(sql)?),
        }
    }

    /// Runs a query and converts its first row with `map`. Fails with
    /// [`DatabaseError::NoRows`] when there is none; see
    /// [`OptionalExtension::optional`].
    pub fn query_row<T>(
        &self,
        sql: &'static str,
        params: impl Params,
        map: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let values = params.values();
        match self {
            Self::Sqlite(connection) => {
                let mut statement = connection.prepare_cached(sql)?;
                let mut rows = statement.query(rusqlite::params_from_iter(values.iter()))?;
                match rows.next()? {
                    Some(row) => map(&Row::Sqlite(row)),
                    None => Err(DatabaseError::NoRows.into()),
                }
            }
            Self::Postgres(client) => {
                let rows = client.borrow_mut().query(sql, &values)?;
                match rows.first() {
                    Some(row) => map(&Row::Postgres(row)),
                    None => Err(DatabaseError::NoRows.into()),
                }
            }
        }
    }

    /// Returns a statement to run with [`Statement::query_map`].
    pub fn prepare(&self, sql: &'static str) -> Result<Statement<'_, 'c>, StoreError> {
        Ok(Statement {
            connection: self,
            sql,
        })
    }
}

/// A query to run on a connection.
pub struct Statement<'s, 'c> {
    connection: &'s Connection<'c>,
    sql: &'static str,
}

impl Statement<'_, '_> {
    /// Runs the query and converts every row with `map`. All rows are read
    /// before the first is converted.
    pub fn query_map<T>(
        &mut self,
        params: impl Params,
        mut map: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<std::vec::IntoIter<Result<T, StoreError>>, StoreError> {
        let values = params.values();
        let mut converted = Vec::new();
        match self.connection {
            Connection::Sqlite(connection) => {
                let mut statement = connection.prepare_cached(self.sql)?;
                let mut rows = statement.query(rusqlite::params_from_iter(values.iter()))?;
                while let Some(row) = rows.next()? {
                    converted.push(map(&Row::Sqlite(row)));
                }
            }
            Connection::Postgres(client) => {
                let rows = client.borrow_mut().query(self.sql, &values)?;
                for row in &rows {
                    converted.push(map(&Row::Postgres(row)));
                }
            }
        }
        Ok(converted.into_iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_numbered_for_postgres() {
        assert_eq!(
            postgres_placeholders("SELECT a FROM t WHERE b = ?1 AND c = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = $12"
        );
    }

    #[test]
    fn placeholders_inside_quotes_kept() {
        assert_eq!(
            postgres_placeholders("SELECT '?1', \"a?\" FROM t WHERE b = ?2"),
            "SELECT '?1', \"a?\" FROM t WHERE b = $2"
        );
    }
}

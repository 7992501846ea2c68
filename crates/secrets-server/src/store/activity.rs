//! Reading a company's activity events.

use super::sql::{params, DatabaseError, Row, Transaction};
use secrets_core::api::{ActivityAction, ActivityEvent, ActivityPage};
use secrets_core::{CompanyId, SecretKey};

use super::list_secrets::conversion_error;
use super::{format_timestamp, Member, Store, StoreError};

/// Records that `member` did `action` to the secret `key` of `company` at
/// `occurred_at`, inside the transaction that made the change. The
/// member's name is copied, so the event stays readable after the member
/// is removed.
pub(super) fn record_event(
    transaction: &Transaction<'_>,
    company: &CompanyId,
    action: ActivityAction,
    key: &SecretKey,
    member: &Member,
    occurred_at: i64,
) -> Result<(), StoreError> {
    transaction.execute(
        "INSERT INTO activity_events (company_id, action, key, member_id, member_name, occurred_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            company.as_str(),
            action.as_str(),
            key.as_str(),
            member.id,
            member.name,
            occurred_at
        ],
    )?;
    Ok(())
}

impl Store {
    /// Returns up to `limit` activity events of `company` older than the
    /// event `before` (all events when `None`), newest first.
    ///
    /// Event IDs grow with every insert, so they order events by time
    /// without ties and make a cursor that stays valid while new events
    /// arrive.
    pub fn list_activity(
        &self,
        company: &CompanyId,
        before: Option<i64>,
        limit: usize,
    ) -> Result<ActivityPage, StoreError> {
        self.read(|connection| {
            // Reading one row more than requested shows whether an older page exists.
            let mut statement = connection.prepare(
                "SELECT id, action, key, member_name, occurred_at FROM activity_events
                 WHERE company_id = ?1 AND id < ?2
                 ORDER BY id DESC LIMIT ?3",
            )?;
            let rows = statement.query_map(
                params![
                    company.as_str(),
                    before.unwrap_or(i64::MAX),
                    limit as i64 + 1
                ],
                event_from_row,
            )?;
            let mut events = rows.collect::<Result<Vec<_>, _>>()?;

            let next_before = if events.len() > limit {
                events.truncate(limit);
                events.last().map(|event| event.id)
            } else {
                None
            };
            Ok(ActivityPage {
                events,
                next_before,
            })
        })
    }
}

fn event_from_row(row: &Row<'_>) -> Result<ActivityEvent, StoreError> {
    let action = match row.get::<_, String>(1)?.as_str() {
        text if text == ActivityAction::Added.as_str() => ActivityAction::Added,
        text if text == ActivityAction::Updated.as_str() => ActivityAction::Updated,
        text if text == ActivityAction::Removed.as_str() => ActivityAction::Removed,
        _ => {
            return Err(StoreError::Database(DatabaseError::ColumnType {
                column: 1,
                expected: "an activity action",
                found: "other text",
            }))
        }
    };
    let key = SecretKey::try_from(row.get::<_, String>(2)?)
        .map_err(|error| conversion_error(2, error))?;
    Ok(ActivityEvent {
        id: row.get(0)?,
        action,
        key,
        member: row.get(3)?,
        occurred_at: format_timestamp(row.get(4)?),
    })
}

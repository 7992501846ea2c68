//! Reading a company's activity events.

use rusqlite::{params, Row};
use secrets_core::api::{ActivityAction, ActivityEvent, ActivityPage};
use secrets_core::{CompanyId, SecretKey};

use super::list_secrets::conversion_error;
use super::{format_timestamp, Store, StoreError};

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

fn event_from_row(row: &Row<'_>) -> rusqlite::Result<ActivityEvent> {
    let action = match row.get::<_, String>(1)?.as_str() {
        "added" => ActivityAction::Added,
        "updated" => ActivityAction::Updated,
        "removed" => ActivityAction::Removed,
        _ => {
            return Err(rusqlite::Error::InvalidColumnType(
                1,
                "action".to_owned(),
                rusqlite::types::Type::Text,
            ))
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

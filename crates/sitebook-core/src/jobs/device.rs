//! The device's own settings: how many days never-downloaded outputs are kept before the daily
//! cleanup removes them, and how many jobs run at once. They belong to the data dir, not to an
//! organization, so only a superuser changes them (`device.settings`), and every change is
//! audited. Saved values win over the built-in defaults ([`JobSettings`]); the worker count
//! takes effect when the app or `sitebook worker` starts again, the retention at the next
//! cleanup.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::jobs::Ctx;
use crate::jobs::JobSettings;
use crate::tenancy::audit::{AuditEvent, Outcome};
use crate::tenancy::gate::GlobalGrant;
use crate::tenancy::session::Session;

/// The bounds a value must keep, as the table's checks do.
pub const RETENTION_DAYS: std::ops::RangeInclusive<u32> = 1..=3650;
/// How many jobs a device may run at once, as the table's check allows.
pub const WORKERS: std::ops::RangeInclusive<u32> = 1..=16;

/// This device's own settings, shared by every organization in its data folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeviceSettings {
    /// Outputs never downloaded are removed after this many days.
    pub retention_days: u32,
    /// Jobs run at once (parse workers, document renders).
    pub workers: u32,
}

impl DeviceSettings {
    /// The built-in values, taken from the job engine's settings, for a device that saved none.
    pub fn defaults(jobs: &JobSettings) -> Self {
        Self {
            retention_days: jobs.retention_days,
            workers: u32::try_from(jobs.workers).unwrap_or(2),
        }
    }
}

/// The saved settings, or the built-in defaults.
pub async fn current(ctx: &Ctx) -> Result<DeviceSettings> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT retention_days, workers FROM device_settings WHERE id = 1")
            .fetch_optional(&ctx.db)
            .await?;
    Ok(match row {
        Some((retention_days, workers)) => DeviceSettings {
            retention_days: u32::try_from(retention_days).unwrap_or(ctx.jobs.retention_days),
            workers: u32::try_from(workers).unwrap_or(1),
        },
        None => DeviceSettings::defaults(&ctx.jobs),
    })
}

/// Checks and saves new settings, naming every problem at once.
pub async fn save(
    ctx: &Ctx,
    session: &Session,
    _grant: &GlobalGrant,
    new: DeviceSettings,
) -> Result<DeviceSettings> {
    let mut problems = Vec::new();
    if !RETENTION_DAYS.contains(&new.retention_days) {
        problems.push(format!(
            "retention must be {} to {} days, not {}",
            RETENTION_DAYS.start(),
            RETENTION_DAYS.end(),
            new.retention_days
        ));
    }
    if !WORKERS.contains(&new.workers) {
        problems.push(format!(
            "the worker count must be {} to {}, not {}",
            WORKERS.start(),
            WORKERS.end(),
            new.workers
        ));
    }
    if !problems.is_empty() {
        return Err(Error::Validation(format!(
            "The settings were not saved: {}.",
            problems.join("; ")
        )));
    }
    let before = current(ctx).await?;
    let mut tx = ctx.write_tx().await?;
    sqlx::query(
        "INSERT INTO device_settings (id, retention_days, workers, updated_at, updated_by) \
         VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET \
         retention_days = excluded.retention_days, workers = excluded.workers, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(new.retention_days)
    .bind(new.workers)
    .bind(ctx.now_text())
    .bind(session.user().id)
    .execute(&mut *tx)
    .await?;
    AuditEvent::new("device.settings", Outcome::Success)
        .by(session.user())
        .reason(format!(
            "retention {} -> {} days, workers {} -> {}",
            before.retention_days, new.retention_days, before.workers, new.workers
        ))
        .write_with(ctx, &mut tx)
        .await?;
    tx.commit().await?;
    Ok(new)
}

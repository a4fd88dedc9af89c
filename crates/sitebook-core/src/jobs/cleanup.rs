//! Retention: outputs never downloaded and older than the retention period are removed, files
//! and rows. People run it for their org (`sitebook outputs cleanup`); the desktop app runs it
//! at start and daily for every org as the maintenance principal, through the same gate and
//! audit, and then also clears what a crash left behind (temp files of cut-short writes, and
//! output files no row refers to, which go to `lost+found/`), and removes the stamped copies of
//! withdrawn PDFs opened in the viewer a day before. The same daily pass verifies the audit
//! log's hash chain and anchors its head (`store::audit_anchor`).

use std::time::Duration;

use crate::domain::permissions::Action;
use crate::error::Result;
use crate::jobs::Ctx;
use crate::store::outputs::{self, CleanupReport};
use crate::tenancy::gate::{authorize_write, WriteScope};
use crate::tenancy::session::system_session;

/// The maintenance principal's write scope in every active org, each through the gate.
async fn cleanup_scopes(ctx: &Ctx) -> Result<Vec<WriteScope>> {
    let orgs: Vec<i64> = sqlx::query_scalar("SELECT id FROM organizations WHERE active = 1")
        .fetch_all(&ctx.db)
        .await?;
    let mut scopes = Vec::with_capacity(orgs.len());
    for org_id in orgs {
        let session = system_session(ctx, org_id).await?;
        scopes.push(authorize_write(ctx, &session, Action::OutputsCleanup).await?);
    }
    Ok(scopes)
}

/// Cleans every active org once; returns the totals.
pub async fn all_orgs(ctx: &Ctx, days: u32) -> Result<CleanupReport> {
    let mut total = CleanupReport::default();
    for scope in cleanup_scopes(ctx).await? {
        let report = outputs::cleanup(ctx, &scope, days).await?;
        total.removed_files += report.removed_files;
        total.removed_rows += report.removed_rows;
        outputs::sweep_leftovers(ctx, &scope, outputs::LEFTOVER_GRACE).await?;
    }
    Ok(total)
}

/// Clears only what crashes left behind, in every active org (see
/// [`outputs::sweep_leftovers`]): what `sitebook worker` does as it starts.
pub async fn leftovers_all_orgs(ctx: &Ctx) -> Result<()> {
    for scope in cleanup_scopes(ctx).await? {
        outputs::sweep_leftovers(ctx, &scope, outputs::LEFTOVER_GRACE).await?;
    }
    Ok(())
}

/// How long a stamped copy opened in the system viewer is kept: long enough for the viewer to
/// have read it (and to reload it while it stays open), and it is made again on the next Open.
const VIEWER_COPY_LIFE: Duration = Duration::from_secs(24 * 60 * 60);

/// Runs [`all_orgs`] now and then once a day, until the task is dropped; each time it also
/// verifies the audit chain and anchors its head outside the database.
pub async fn daily(ctx: Ctx) {
    loop {
        if let Err(error) = crate::store::audit_anchor::verify_and_anchor(&ctx).await {
            tracing::warn!(%error, "could not verify the audit log");
        }
        let days = match super::device::current(&ctx).await {
            Ok(settings) => settings.retention_days,
            Err(_) => ctx.jobs.retention_days,
        };
        let data_dir = ctx.data_dir.clone();
        let viewer_copies = tokio::task::spawn_blocking(move || {
            crate::store::files::sweep_viewer_copies(&data_dir, VIEWER_COPY_LIFE)
        });
        if let Ok(removed) = viewer_copies.await {
            if removed > 0 {
                tracing::info!(removed, "removed withdrawn documents' viewer copies");
            }
        }
        match all_orgs(&ctx, days).await {
            Ok(report) if report.removed_rows > 0 => {
                tracing::info!(
                    files = report.removed_files,
                    rows = report.removed_rows,
                    "removed old outputs"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "the daily output cleanup failed"),
        }
        tokio::time::sleep(Duration::from_secs(24 * 60 * 60)).await;
    }
}

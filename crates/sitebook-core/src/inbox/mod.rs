//! The watched inbox folder: workbooks saved or copied into it import themselves, into the right
//! organization, once each, and never half-written.
//!
//! [`settings`] keeps which folder and for whom; [`names`] decides which files are taken and
//! where they go; [`watcher`] does the watching, settling, importing and moving out, and
//! `filed` remembers the files it filed as failed until their jobs are retried. The
//! supervisor here runs the watcher for the saved settings and restarts it when they change. An
//! import goes through the same door as a drop ([`crate::jobs::intake`]), behind the gate, as the
//! person who set the inbox up.

mod filed;
pub mod names;
pub mod settings;
pub mod watcher;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

pub use settings::{InboxPlan, InboxView};
pub use watcher::{InboxNews, InboxOutcome, InboxSignals, InboxState, InboxStatus};

use crate::jobs::Ctx;

/// How long the inbox waits, and for what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxTiming {
    /// How long a file must stay untouched before it is taken.
    pub settle: Duration,
    /// How long a file that looks cut short (a copy stalled half-way) may stay untouched before
    /// it is read all the same, and fails as damaged if it is.
    pub unfinished_patience: Duration,
    /// How often a paused inbox (its person may not upload) asks the gate again while files
    /// wait. Each asking is an audited attempt, so not on every look at the folder.
    pub paused_recheck: Duration,
}

impl Default for InboxTiming {
    fn default() -> Self {
        Self {
            settle: Duration::from_secs(2),
            // Longer than a network share's reconnect, short enough that a copy given up on is
            // reported the same morning.
            unfinished_patience: Duration::from_secs(5 * 60),
            // Access given back by a manager is noticed within minutes; a day of waiting files
            // adds under 300 refusals to the audit log, not one per file per look.
            paused_recheck: Duration::from_secs(5 * 60),
        }
    }
}

/// The inbox side of one open core: the watcher's signals, and the bell rung when the settings
/// change.
pub(crate) struct InboxRuntime {
    pub signals: InboxSignals,
    pub changed: Notify,
    pub timing: InboxTiming,
}

impl InboxRuntime {
    pub fn new(timing: InboxTiming) -> Self {
        Self {
            signals: InboxSignals::default(),
            changed: Notify::new(),
            timing,
        }
    }
}

/// Runs the watcher for the saved settings, forever, starting it again whenever they change.
pub(crate) async fn supervise(ctx: Ctx, runtime: Arc<InboxRuntime>) {
    loop {
        // Registered before reading, so a change made while reading is not missed.
        let changed = runtime.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let plan = match settings::plan(&ctx).await {
            Ok(plan) => plan,
            Err(e) => {
                tracing::error!(error = %e, "could not read the inbox settings");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        match plan {
            None => {
                runtime.signals.status.send_replace(InboxStatus::off());
                changed.await;
            }
            Some(plan) => {
                tokio::select! {
                    () = watcher::run(ctx.clone(), plan, runtime.timing, runtime.signals.clone()) => {}
                    () = &mut changed => {}
                }
            }
        }
    }
}

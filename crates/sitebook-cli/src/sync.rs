//! The `sync` commands: set, show, pause and forget the active organization's S3 target. The
//! secret access key comes from SITEBOOK_S3_SECRET or a hidden prompt, never from a flag, and
//! goes straight to the OS keyring.

use clap::{Args, Subcommand};
use sitebook_core::domain::permissions::Action;
use sitebook_core::secrets::Secret;
use sitebook_core::store::outbox::OutboxCounts;
use sitebook_core::store::outputs::OutputView;
use sitebook_core::sync::config::{SecretWhereabouts, SyncSettings, SyncTargetView};
use sitebook_core::sync::restore::RestoreOutcome;
use sitebook_core::sync::syncer::BucketCheckReport;
use sitebook_core::tenancy::session::Session;
use sitebook_core::Sitebook;

use crate::output::{counted, print_table, Printer};
use crate::{secrets, Failure};

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Set where the active organization's outputs sync to, and turn sync on
    Config(ConfigArgs),
    /// The active organization's sync target (never the secret)
    Show,
    /// Write, read back and delete a probe object in the bucket
    Test,
    /// How many outputs are waiting, synced, in conflict or failed, and the last error
    Status,
    /// Sync the active organization's waiting outputs now (one pass)
    Run {
        /// Keep going until nothing is waiting: retry what the network or the server refused
        /// for now, with a progress bar
        #[arg(long)]
        wait: bool,
    },
    /// Check that the synced outputs are still in the bucket as sent; send again any that
    /// were deleted or replaced there (nothing in the bucket is overwritten)
    Check {
        /// Download every object and compare its sha256, not only its size (slower; notices
        /// other bytes of the very same size)
        #[arg(long)]
        deep: bool,
    },
    /// Turn sync on again with the saved settings
    Enable,
    /// Pause sync, keeping the settings
    Disable,
    /// Remove the target and delete its secret from the keyring
    Forget,
    /// Fetch the organization's outputs that this computer lacks from the bucket (a new laptop)
    Restore {
        /// Run the restore now, in this process, and wait for it
        #[arg(long)]
        wait: bool,
    },
}

#[derive(Args)]
pub struct ConfigArgs {
    /// The S3 endpoint, like https://s3.ap-south-1.amazonaws.com or http://garage.lan:3900
    #[arg(long, value_name = "URL")]
    endpoint: String,
    /// The bucket's name
    #[arg(long)]
    bucket: String,
    /// The region (auto for Cloudflare R2)
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// A folder in the bucket that every key starts with
    #[arg(long, default_value = "")]
    prefix: String,
    /// Address the bucket in the path (Garage, MinIO) instead of the host name
    #[arg(long)]
    path_style: bool,
    /// The access key's id (its secret comes from SITEBOOK_S3_SECRET or a prompt)
    #[arg(long, value_name = "ID")]
    access_key_id: String,
    /// Keep the secret already in the keyring instead of asking for one
    #[arg(long)]
    keep_secret: bool,
}

pub async fn sync(
    core: &Sitebook,
    session: &Session,
    command: &SyncCommand,
    out: &Printer,
) -> Result<(), Failure> {
    let view = match command {
        SyncCommand::Config(args) => {
            let settings = SyncSettings {
                endpoint: args.endpoint.clone(),
                region: args.region.clone(),
                bucket: args.bucket.clone(),
                prefix: args.prefix.clone(),
                path_style: args.path_style,
                access_key_id: args.access_key_id.clone(),
            };
            // The gate first: someone who may not configure sync is refused (and audited)
            // before being asked for a secret they could not store.
            core.authorize(session, Action::SyncConfigure).await?;
            let secret = if args.keep_secret {
                None
            } else {
                Some(Secret::new(secrets::s3_secret()?))
            };
            Some(
                core.sync_configure(session, &settings, secret.as_ref())
                    .await?,
            )
        }
        SyncCommand::Show => {
            let view = core.sync_settings(session).await?;
            let secret = match view {
                Some(_) => core.sync_secret_whereabouts(session).await?,
                None => None,
            };
            print_target(view.as_ref(), secret.as_ref(), out);
            return Ok(());
        }
        SyncCommand::Test => {
            out.done(&core.sync_test(session).await?);
            return Ok(());
        }
        SyncCommand::Status => {
            let status = core.sync_status(session).await?;
            if out.is_json() {
                out.json(&status);
            } else {
                print_counts(&status.counts, status.target.is_some());
                if let Some(target) = status.target {
                    if let Some(at) = target.checked_at {
                        say!("Bucket last checked: {at}");
                    }
                    if let Some(halted) = target.halted {
                        tell!("{halted}");
                    }
                }
            }
            return Ok(());
        }
        SyncCommand::Run { wait } => {
            let status = core.sync_status(session).await?;
            if let Some(halted) = status
                .target
                .as_ref()
                .and_then(|target| target.halted.as_ref())
            {
                tell!("{halted}");
            }
            if status.target.as_ref().is_some_and(|target| !target.enabled) {
                tell!(
                    "Sync is paused for {}: nothing was sent. `sitebook sync enable` resumes it.",
                    session
                        .active_org()
                        .map_or("this organization", |org| org.code.as_str())
                );
            }
            let counts = if *wait {
                drain(core, session, out).await?
            } else {
                core.sync_run(session).await?
            };
            if out.is_json() {
                out.json(&counts);
            } else {
                print_counts(&counts, true);
            }
            // Outputs the bucket refused for good are a failure of the command, for a script
            // as for a person; outputs waiting for a retry are not (yet).
            if counts.failed > 0 {
                let outputs = core.outputs_list(session, None).await?;
                if !tell_sync_problems(&outputs, &["failed"]) {
                    tell!(
                        "{} output(s) could not be sent: {}",
                        counts.failed,
                        counts
                            .last_error
                            .as_deref()
                            .unwrap_or("see `sitebook sync status`")
                    );
                }
                return Err(crate::Failure::Reported(1));
            }
            return Ok(());
        }
        SyncCommand::Check { deep } => {
            let report = check(core, session, *deep, out).await?;
            if out.is_json() {
                out.json(&report);
            } else {
                out.done(&report.summary);
            }
            // As for `run`: what the bucket refused for good fails the command.
            if report.counts.failed > 0 {
                return Err(crate::Failure::Reported(1));
            }
            return Ok(());
        }
        SyncCommand::Enable => Some(core.sync_set_enabled(session, true).await?),
        SyncCommand::Disable => Some(core.sync_set_enabled(session, false).await?),
        SyncCommand::Restore { wait } => {
            let request = core.sync_restore(session).await?;
            let job_id = request.job_id;
            if !wait {
                if out.is_json() {
                    out.json(&request);
                } else if request.already_underway {
                    say!(
                        "A restore is already under way as job {job_id}; the app or `sitebook \
                         worker` runs it, and it fetches every file once."
                    );
                } else {
                    say!("Restore queued as job {job_id}; the app or `sitebook worker` runs it.");
                }
                return Ok(());
            }
            if request.already_underway && !out.is_json() {
                tell!("A restore is already under way as job {job_id}; following it.");
            }
            let pool = core.start_workers_for(session, Some(1), &[job_id]).await?;
            // The temp files of a restore killed mid-write, now that its job is back in line.
            core.sweep_crash_leftovers().await;
            let mut last_step = String::new();
            let job = core
                .job_wait(session, job_id, |view| {
                    if !out.is_json() && view.current_step != last_step {
                        last_step = view.current_step.clone();
                        tell!("  {:>3} %  {}", view.progress, view.current_step);
                    }
                })
                .await;
            pool.shutdown().await;
            let job = job?;
            if out.is_json() {
                out.json(&job);
            } else if job.status == sitebook_core::jobs::JobStatus::Completed {
                let outcome = core
                    .sync_restore_outcome(session, job.id)
                    .await?
                    .unwrap_or_default();
                say!("{}", restore_summary(&outcome, job.id));
            }
            // Files the restore passed over (not Sitebook's, damaged) are named, and fail the
            // command: a script must not take a partial restore for a whole one.
            let passed_over: Vec<&str> = job
                .error_log
                .iter()
                .filter(|entry| entry.attempt == job.attempts)
                .filter_map(|entry| entry.error.strip_prefix("Not restored: "))
                .collect();
            if job.status == sitebook_core::jobs::JobStatus::Completed && !passed_over.is_empty() {
                for reason in &passed_over {
                    tell!("Not restored: {reason}");
                }
                tell!(
                    "{} file(s) in the bucket were not restored; see above.",
                    passed_over.len()
                );
                return Err(crate::Failure::Reported(1));
            }
            if job.status != sitebook_core::jobs::JobStatus::Completed {
                return Err(sitebook_core::Error::SyncFailed(format!(
                    "The restore (job {}) did not finish: {}",
                    job.id,
                    job.error_message
                        .unwrap_or_else(|| job.status.as_str().to_string())
                ))
                .into());
            }
            return Ok(());
        }
        SyncCommand::Forget => {
            core.sync_forget(session).await?;
            out.done("Sync target removed; its secret was deleted from the keyring.");
            return Ok(());
        }
    };
    // Every other command that shows the target has just saved it, secret and all.
    print_target(view.as_ref(), None, out);
    Ok(())
}

/// Checks the bucket with a progress bar on a terminal, fed by the core's sync feed: the names
/// listed, then (deep) the outputs read back.
async fn check(
    core: &Sitebook,
    session: &Session,
    deep: bool,
    out: &Printer,
) -> Result<BucketCheckReport, Failure> {
    use indicatif::{ProgressBar, ProgressStyle};
    use std::io::IsTerminal;
    let bar = if out.is_json() || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let spinner = ProgressBar::new_spinner();
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
        spinner
    };
    let mut feed = core.subscribe_sync(session).await?;
    let shown = bar.clone();
    let follower = tokio::spawn(async move {
        while let Some(status) = feed.next().await {
            let Some(checking) = status.checking else {
                continue;
            };
            if checking.outputs == 0 || !checking.deep {
                shown.set_message(format!(
                    "Listing the bucket: {} so far",
                    counted(checking.listed, "name", "names")
                ));
            } else if shown.length().is_none() {
                shown.set_style(
                    ProgressStyle::with_template("{bar:30} {pos}/{len} outputs compared  {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                shown.set_length(checking.outputs);
                shown.set_message("");
            }
            shown.set_position(checking.compared);
        }
    });
    let report = core.sync_check(session, deep).await;
    follower.abort();
    bar.finish_and_clear();
    Ok(report?)
}

/// Passes over the outbox until nothing is waiting (or only permanent failures are left), with
/// a progress bar fed by the core's sync feed as each file settles.
async fn drain(core: &Sitebook, session: &Session, out: &Printer) -> Result<OutboxCounts, Failure> {
    use indicatif::{ProgressBar, ProgressStyle};
    use std::io::IsTerminal;
    let start = core.sync_status(session).await?.counts;
    let total = start.pending + start.uploading + start.failed + start.synced + start.conflict;
    let bar = if out.is_json() || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(u64::try_from(total).unwrap_or(0))
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} outputs in the bucket  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut feed = core.subscribe_sync(session).await?;
    let shown = bar.clone();
    let follower = tokio::spawn(async move {
        while let Some(status) = feed.next().await {
            let counts = status.counts;
            shown.set_position(u64::try_from(counts.synced + counts.conflict).unwrap_or(0));
            if let Some(error) = counts.last_error.filter(|_| counts.pending > 0) {
                shown.set_message(format!("waiting: {error}"));
            }
        }
    });
    let counts = loop {
        let counts = core.sync_run(session).await?;
        if counts.pending + counts.uploading == 0 {
            break counts;
        }
        // Something is waiting for its retry time: look again shortly.
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    };
    follower.abort();
    bar.finish_and_clear();
    Ok(counts)
}

/// How many outputs of one reason are named before the rest are counted.
const NAMED_PER_REASON: usize = 10;

/// The word for an output's place in the sync outbox, as `outputs list` shows it.
pub(crate) fn sync_word(state: &str) -> &str {
    match state {
        "local" => "off",
        "pending" => "waiting",
        "uploading" => "sending",
        other => other,
    }
}

/// Names the outputs in one of `states` that have a sync problem, grouped by the reason, so a
/// bucket that refuses everything for one cause says it once. Returns whether any was named.
pub(crate) fn tell_sync_problems(outputs: &[OutputView], states: &[&str]) -> bool {
    let mut by_reason: Vec<(&str, &str, Vec<&OutputView>)> = Vec::new();
    for output in outputs {
        let Some(problem) = output.sync_problem.as_deref() else {
            continue;
        };
        let state = output.sync_state.as_str();
        if !states.contains(&state) {
            continue;
        }
        match by_reason
            .iter_mut()
            .find(|(s, reason, _)| *s == state && *reason == problem)
        {
            Some((_, _, named)) => named.push(output),
            None => by_reason.push((state, problem, vec![output])),
        }
    }
    for (state, reason, named) in &by_reason {
        let what = match *state {
            "failed" => "could not be sent",
            "conflict" => "kept under a conflict name",
            _ => "waiting to be tried again",
        };
        tell!(
            "{} {what}: {}",
            counted(named.len() as u64, "output", "outputs"),
            reason
        );
        for output in named.iter().take(NAMED_PER_REASON) {
            tell!("  {} (output {})", output.filename, output.id);
        }
        if named.len() > NAMED_PER_REASON {
            tell!(
                "  … and {} more; `sitebook outputs list` shows each.",
                named.len() - NAMED_PER_REASON
            );
        }
    }
    !by_reason.is_empty()
}

fn print_counts(counts: &OutboxCounts, configured: bool) {
    if !configured {
        let waiting = match counts.pending {
            1 => "1 output waits".to_string(),
            n => format!("{n} outputs wait"),
        };
        say!("No sync target is set; {waiting} on this computer.");
        return;
    }
    print_table(
        &["waiting", "uploading", "synced", "conflict", "failed"],
        &[vec![
            counts.pending.to_string(),
            counts.uploading.to_string(),
            counts.synced.to_string(),
            counts.conflict.to_string(),
            counts.failed.to_string(),
        ]],
    );
    if let Some(when) = &counts.last_success {
        say!("Last output synced: {when}");
    }
    if let Some(error) = &counts.last_error {
        say!("Last problem: {error}");
    }
}

/// What a restore did, in one sentence: new outputs, this device's files fetched back, and
/// outputs already here. A restore that only put back missing files says so, where counting new
/// outputs alone said "Restored 0 outputs".
fn restore_summary(outcome: &RestoreOutcome, job_id: i64) -> String {
    let mut parts = vec![format!(
        "Restored {} from the bucket (job {job_id})",
        crate::output::counted(outcome.restored, "output", "outputs")
    )];
    if outcome.fetched_back > 0 {
        parts.push(format!(
            "fetched back {} missing from this computer",
            crate::output::counted(outcome.fetched_back, "file", "files")
        ));
    }
    if outcome.already_here > 0 {
        parts.push(format!(
            "{} already here",
            crate::output::counted(outcome.already_here, "output was", "outputs were")
        ));
    }
    format!("{}.", parts.join("; "))
}

/// The target's settings, and where its secret is when that was looked up.
fn print_target(view: Option<&SyncTargetView>, secret: Option<&SecretWhereabouts>, out: &Printer) {
    if out.is_json() {
        let mut shown = serde_json::to_value(view).unwrap_or_default();
        if let (Some(object), Some(secret)) = (shown.as_object_mut(), secret) {
            object.insert(
                "secret".into(),
                serde_json::to_value(secret).unwrap_or_default(),
            );
        }
        return out.json(&shown);
    }
    let Some(view) = view else {
        say!("No sync target is set; outputs stay on this computer. Set one with `sync config`.");
        return;
    };
    let s = &view.settings;
    let rows = [
        (
            "state",
            match (view.enabled, &view.halted) {
                (false, _) => "paused".to_string(),
                (true, None) => "on".to_string(),
                (true, Some(halted)) => format!("on, but held up. {halted}"),
            },
        ),
        ("endpoint", s.endpoint.clone()),
        ("region", s.region.clone()),
        ("bucket", s.bucket.clone()),
        ("prefix", s.prefix.clone()),
        (
            "addressing",
            if s.path_style {
                "path-style"
            } else {
                "virtual-hosted"
            }
            .to_string(),
        ),
        ("access key id", s.access_key_id.clone()),
        (
            "secret",
            match secret {
                None | Some(SecretWhereabouts::InTheKeyring) => "in the system keyring".to_string(),
                Some(SecretWhereabouts::Missing) => "missing from the system keyring; nothing \
                    can be sent until it is entered again (`sync config` with these settings)"
                    .to_string(),
                Some(SecretWhereabouts::KeyringUnreachable(why)) => {
                    format!("not known: the keyring could not be asked. {why}")
                }
            },
        ),
        ("changed", view.updated_at.clone()),
        (
            "bucket checked",
            view.checked_at
                .clone()
                .unwrap_or_else(|| "not since these settings were saved".into()),
        ),
    ];
    print_table(
        &["setting", "value"],
        &rows
            .iter()
            .map(|(name, value)| vec![name.to_string(), value.clone()])
            .collect::<Vec<_>>(),
    );
}

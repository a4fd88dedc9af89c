//! The ingestion commands: `estimate`, `upload`, `jobs`, `worker` and `outputs`. Progress is
//! drawn with indicatif on a terminal and written as one line per job otherwise.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use sitebook_core::api::stateless;
use sitebook_core::inbox::InboxState;
use sitebook_core::jobs::queue::{JobFilesView, JobView};
use sitebook_core::jobs::{JobKind, JobStatus};
use sitebook_core::store::estimates::EstimateSummary;
use sitebook_core::store::outputs::IfExists;
use sitebook_core::tenancy::session::Session;
use sitebook_core::{Error, Sitebook};

use crate::output::{clipped, print_table, Printer};
use crate::Failure;

/// Uploads of up to this many files get a progress bar each; more get one bar for them all.
const BARS_PER_JOB_UP_TO: usize = 8;

#[derive(Subcommand)]
pub enum EstimateCommand {
    /// Parse a workbook and print the estimate, storing nothing (no database, no org)
    Parse {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Estimates of the active organization
    List,
    /// One estimate: items, totals and parse warnings
    Show {
        #[arg(value_name = "ID")]
        id: i64,
    },
    /// Render the estimate abstract (items and footer) as PDF and XLSX
    Abstract {
        #[arg(value_name = "ID")]
        id: i64,
        /// Render now, in this process, and wait
        #[arg(long)]
        wait: bool,
    },
}

#[derive(Args)]
pub struct UploadArgs {
    /// Workbooks (.xlsx, .xlsm, .xls, .ods)
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// Parse them now, in this process, and wait until every job has finished
    #[arg(long)]
    wait: bool,
}

#[derive(Subcommand)]
pub enum JobsCommand {
    /// Jobs of the active organization, newest first
    List {
        /// At most this many of the newest
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
        limit: u32,
    },
    /// One job, with its error log
    Show {
        #[arg(value_name = "ID")]
        id: i64,
    },
    /// Cancel a queued or running job
    Cancel {
        #[arg(value_name = "ID")]
        id: i64,
    },
    /// Queue a failed or cancelled job again, or have a completed one make again its files that
    /// were deleted from the data folder
    Retry {
        #[arg(value_name = "ID")]
        id: i64,
    },
    /// Wait until a job has finished (exit 1 if it failed or was cancelled)
    Wait {
        #[arg(value_name = "ID")]
        id: i64,
    },
}

/// `--workers`, which both commands that run the job workers take.
#[derive(Args)]
pub struct PoolSize {
    /// How many jobs to read or render at once, 1 to 64 [default: the number of cores]. A few
    /// more are kept claimed so that the next starts at once: `jobs list` shows them running
    /// at "Waiting for a reader" (or "Waiting to render"), and a read one at "Storing results"
    /// until its results are stored
    #[arg(long, value_parser = worker_count)]
    workers: Option<usize>,
}

#[derive(Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pool: PoolSize,
    /// Stop once no job is left to run
    #[arg(long)]
    exit_when_idle: bool,
}

#[derive(Args)]
pub struct WatchArgs {
    /// Watch this folder instead of the inbox set in Settings. Files directly in it import into
    /// the active organization, files in a subfolder named after an org code into that org,
    /// all as the signed-in user.
    #[arg(long, value_name = "DIR")]
    inbox: Option<PathBuf>,
    #[command(flatten)]
    pool: PoolSize,
}

/// The most job workers one command starts: each holds a parse process and database
/// connections, and 100,000 of them took 1.6 GB and filled the log with busy retries.
const MAX_WORKERS: usize = 64;

fn worker_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(count) if (1..=MAX_WORKERS).contains(&count) => Ok(count),
        _ => Err(format!("give a whole number from 1 to {MAX_WORKERS}")),
    }
}

#[derive(Subcommand)]
pub enum OutputsCommand {
    /// Output files of the active organization
    List {
        /// Only the outputs of this job
        #[arg(long, value_name = "ID")]
        job: Option<i64>,
    },
    /// Copy an output file out (a file path, or a folder to put it in); counts a download
    Export {
        #[arg(value_name = "ID")]
        id: i64,
        #[arg(value_name = "DEST")]
        destination: PathBuf,
        /// Replace a file already at DEST (without it, such a file is kept and nothing written)
        #[arg(long)]
        overwrite: bool,
    },
    /// A link that downloads a synced output without signing in (default: valid 7 days)
    Share {
        #[arg(value_name = "ID")]
        id: i64,
        /// How long the link works: 7d, 12h, 30m or 90s; at most 7d
        #[arg(long, default_value = "7d", value_parser = parse_lifetime)]
        expires: Duration,
    },
    /// Remove outputs never downloaded and older than N days, files and records (admin)
    Cleanup {
        /// Older than this many days
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
}

/// `sitebook estimate parse FILE`: the parse runs in a worker process, as uploads do.
pub async fn parse_file(file: &std::path::Path, out: &Printer) -> Result<(), Failure> {
    let parsed = stateless::parse_workbook(file)
        .await
        .map_err(|(code, message)| {
            out.error(&code, &message);
            Failure::Reported(1)
        })?;
    if out.is_json() {
        out.json(&parsed);
        return Ok(());
    }
    for sheet in &parsed.sheets {
        let items = crate::output::counted(sheet.items.len() as u64, "item", "items");
        match sheet.items.first() {
            Some(first) => say!(
                "{}: {items} from row {} (header on row {})",
                sheet.name,
                first.row,
                sheet.header_row
            ),
            None => say!(
                "{}: no items (header on row {})",
                sheet.name,
                sheet.header_row
            ),
        }
        if let Some(name) = &sheet.metadata.name_of_work {
            say!("  Name of the work: {name}");
        }
        for line in &sheet.footer.rows {
            if let Some(amount) = line.amount {
                say!(
                    "  {:<45} {:>16}",
                    line.label,
                    sitebook_core::domain::money::format_indian(amount)
                );
            }
        }
    }
    if !parsed.warnings.is_empty() {
        say!(
            "{}:",
            crate::output::counted(parsed.warnings.len() as u64, "warning", "warnings")
        );
        for warning in &parsed.warnings {
            say!("  {:<14} {}", warning.cell, warning.message);
        }
    }
    Ok(())
}

pub async fn estimate(
    core: &Sitebook,
    session: &Session,
    command: &EstimateCommand,
    out: &Printer,
) -> Result<(), Failure> {
    match command {
        EstimateCommand::Parse { .. } => unreachable!("handled without a session"),
        EstimateCommand::Abstract { id, wait } => {
            return crate::documents::estimate_abstract(core, session, *id, *wait, out).await;
        }
        EstimateCommand::List => {
            let estimates = core.estimates_list(session).await?;
            out.table(
                &estimates,
                &[
                    "ID",
                    "NAME",
                    "FILE",
                    "ITEMS",
                    "ECV",
                    "GRAND TOTAL",
                    "WARNINGS",
                ],
                |e| {
                    vec![
                        e.id.to_string(),
                        clipped(&e.name, LIST_CELL_CHARS),
                        clipped(&e.file_name, LIST_CELL_CHARS),
                        e.item_count.to_string(),
                        grouped(e.ecv.as_deref()),
                        grouped(e.grand_total.as_deref()),
                        e.warning_count.to_string(),
                    ]
                },
            );
        }
        EstimateCommand::Show { id } => {
            let detail = core.estimate_show(session, *id).await?;
            if out.is_json() {
                out.json(&detail);
                return Ok(());
            }
            say!(
                "{} ({}, sheet {})",
                detail.name,
                detail.file_name,
                detail.sheet_name
            );
            for line in &detail.metadata {
                say!("  {}: {}", line.label, line.value);
            }
            let rows: Vec<Vec<String>> = detail
                .items
                .iter()
                .map(|i| {
                    vec![
                        i.row.to_string(),
                        i.sl_no.clone(),
                        if i.flagged {
                            format!("! {}", i.description)
                        } else {
                            i.description.clone()
                        },
                        i.quantity.clone().unwrap_or_default(),
                        i.unit.clone(),
                        grouped(i.rate.as_deref()),
                        grouped(i.amount.as_deref()),
                    ]
                })
                .collect();
            print_table(
                &["ROW", "SL", "DESCRIPTION", "QTY", "UNIT", "RATE", "AMOUNT"],
                &rows,
            );
            for line in &detail.footer {
                say!("  {:<45} {:>16}", line.label, grouped(Some(&line.amount)));
            }
            for warning in &detail.warnings {
                say!("warning {:<14} {}", warning.cell, warning.message);
            }
        }
    }
    Ok(())
}

/// What the outputs table says of a file beside its name: a withdrawn document's file looks
/// like any other, and a restored one came from the bucket.
fn output_note(output: &sitebook_core::store::outputs::OutputView) -> &'static str {
    if output.withdrawn {
        "withdrawn"
    } else if output.restored {
        "restored"
    } else {
        ""
    }
}

/// A workbook's figure as the documents print it, Indian grouping and every decimal it has
/// (`1,00,000.00`); text that is not a number (none given) as it is.
fn grouped(figure: Option<&str>) -> String {
    let figure = figure.unwrap_or_default();
    figure
        .parse::<rust_decimal::Decimal>()
        .map(sitebook_core::render::format_figure)
        .unwrap_or_else(|_| figure.to_owned())
}

/// How a finished job ended, in a line. `made` is what a completed upload stored: every
/// estimate named (a workbook may hold several), and their parse warnings counted, so that an
/// import with mistakes in it does not read as a clean one.
fn finished_line(job: &JobView, made: &[EstimateSummary]) -> String {
    let file = job.file_name.as_deref().unwrap_or("-");
    match job.status {
        JobStatus::Completed => {
            let ids: Vec<String> = made.iter().map(|e| e.id.to_string()).collect();
            let estimates = match ids.as_slice() {
                [] => return format!("job {} completed: {file}", job.id),
                [one] => format!("estimate {one}"),
                [first @ .., last] => format!("estimates {} and {last}", first.join(", ")),
            };
            let warnings: i64 = made.iter().map(|e| e.warning_count).sum();
            let see = match ids.as_slice() {
                [one] => format!("`sitebook estimate show {one}`"),
                _ => "`sitebook estimate show` for each".to_owned(),
            };
            if warnings > 0 {
                format!(
                    "job {} completed: {file} -> {estimates}, with {} (see {see})",
                    job.id,
                    crate::output::counted(warnings as u64, "warning", "warnings")
                )
            } else {
                format!("job {} completed: {file} -> {estimates}", job.id)
            }
        }
        JobStatus::Failed => format!(
            "job {} failed: {}",
            job.id,
            job.error_message.as_deref().unwrap_or("no reason recorded")
        ),
        other => format!("job {} {}: {file}", job.id, other.as_str()),
    }
}

/// The estimates a completed job stored; none for a job that has not completed.
async fn made_by(
    core: &Sitebook,
    session: &Session,
    job: &JobView,
) -> Result<Vec<EstimateSummary>, Failure> {
    if job.status != JobStatus::Completed {
        return Ok(Vec::new());
    }
    Ok(core.job_estimates(session, job.id).await?)
}

pub async fn upload(
    core: &Sitebook,
    session: &Session,
    args: &UploadArgs,
    out: &Printer,
) -> Result<(), Failure> {
    let outcomes = core.upload(session, &args.files).await?;
    // Only this command's own jobs: another org's queue is not its business. A duplicate's
    // job is this org's, and may not have run yet: waiting means waiting for it too.
    let own_jobs: Vec<i64> = outcomes
        .iter()
        .filter(|o| o.error.is_none())
        .filter_map(|o| o.job_id)
        .collect();
    let pool = if args.wait && !own_jobs.is_empty() {
        Some(core.start_workers_for(session, None, &own_jobs).await?)
    } else {
        None
    };
    let interactive = std::io::stderr().is_terminal() && !out.is_json();
    let json = out.is_json();
    if !out.is_json() {
        for outcome in &outcomes {
            match (&outcome.error, outcome.duplicate, outcome.job_id) {
                // Nothing of it was kept, not even a job recording a refusal.
                (Some(error), _, None) => {
                    tell!("not stored {}: {}", outcome.file_name, error.message)
                }
                (Some(error), _, job) => tell!(
                    "refused {}{}: {}",
                    outcome.file_name,
                    job.map(|j| format!(" (job {j})")).unwrap_or_default(),
                    error.message
                ),
                (None, true, Some(job)) if outcome.read_again => say!(
                    "{} was uploaded to this organization before, but job {job} had not read \
                     it; job {job} is queued to read it again.",
                    outcome.file_name
                ),
                (None, true, Some(job)) => say!(
                    "{} was already uploaded to this organization (job {job}); nothing new was stored.",
                    outcome.file_name
                ),
                (None, _, Some(job)) => say!("job {job} queued: {}", outcome.file_name),
                (None, _, None) => say!("{}: nothing to do", outcome.file_name),
            }
        }
    }
    let mut failed = outcomes.iter().any(|o| o.error.is_some());
    if args.wait {
        let bars = MultiProgress::new();
        let style = ProgressStyle::with_template("{prefix:>4} [{bar:30}] {pos:>3}% {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let mut jobs: Vec<(i64, String)> = outcomes
            .iter()
            .filter(|o| o.error.is_none())
            .filter_map(|o| o.job_id.map(|job| (job, o.file_name.clone())))
            .collect();
        // Two names for one content wait for its one job once.
        let mut seen = std::collections::HashSet::new();
        jobs.retain(|(job, _)| seen.insert(*job));
        // A bar a job reads well for a few files; a burst gets one bar that counts the jobs.
        let one_bar_each = jobs.len() <= BARS_PER_JOB_UP_TO;
        let overall = (interactive && !one_bar_each).then(|| {
            let bar = bars.add(ProgressBar::new(jobs.len() as u64));
            bar.set_style(
                ProgressStyle::with_template("jobs [{bar:30}] {pos}/{len} done {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar
        });
        let waits = jobs.into_iter().map(|(job, file)| {
            let overall = overall.clone();
            let bar = (interactive && one_bar_each).then(|| {
                let bar = bars.add(ProgressBar::new(100));
                bar.set_style(style.clone());
                bar.set_prefix(job.to_string());
                bar.set_message(file.clone());
                bar
            });
            async move {
                let mut told = RetryTeller::default();
                let result = core
                    .job_wait(session, job, |view| {
                        if let Some(bar) = &bar {
                            bar.set_position(u64::from(view.progress));
                            bar.set_message(format!("{file}: {}", view.current_step));
                        } else if let Some(line) = told.line_for(view, Some(&file)) {
                            match &overall {
                                Some(overall) => overall.println(line),
                                None if !json => tell!("{line}"),
                                None => {}
                            }
                        }
                    })
                    .await;
                if let Some(bar) = &bar {
                    bar.finish();
                }
                if let Some(overall) = &overall {
                    overall.inc(1);
                    overall.set_message(format!("(last: {file})"));
                }
                result
            }
        });
        let finished = futures::future::join_all(waits).await;
        if let Some(overall) = &overall {
            overall.finish();
        }
        if let Some(pool) = pool {
            pool.shutdown().await;
        }
        let mut views = Vec::new();
        for result in finished {
            let view = result?;
            failed |= view.status != JobStatus::Completed;
            views.push(view);
        }
        if out.is_json() {
            out.json(&serde_json::json!({ "uploads": outcomes, "jobs": views }));
        } else {
            for view in &views {
                let made = made_by(core, session, view).await?;
                say!("{}", finished_line(view, &made));
            }
        }
    } else if out.is_json() {
        out.json(&outcomes);
    }
    if failed {
        return Err(Failure::Reported(1));
    }
    Ok(())
}

/// Widest free text (a step, a file name, a name of work) `jobs list` and `estimate list` show:
/// one of 250 characters widened every row. `jobs show`, `estimate show` and `--json` give it
/// whole.
const LIST_CELL_CHARS: usize = 60;

/// The job's status as a person should read it: a running job whose worker has stopped is
/// "interrupted", since nothing runs it.
fn status_word(job: &JobView) -> &'static str {
    if job.interrupted {
        "interrupted"
    } else {
        job.status.as_str()
    }
}

fn print_job(job: &JobView) {
    say!(
        "job {} ({}): {}",
        job.id,
        job.kind.as_str(),
        status_word(job)
    );
    if job.interrupted {
        say!(
            "  note      it shows as running, but the worker that ran it has stopped; it runs \
             again once a worker starts (`sitebook worker`, or the desktop app)"
        );
    }
    say!("  file      {}", job.file_name.as_deref().unwrap_or("-"));
    say!("  progress  {}% {}", job.progress, job.current_step);
    say!("  by        {}", job.username);
    if !job.source.is_empty() {
        say!("  from      {}", job.source);
    }
    say!("  attempts  {}", job.attempts);
    say!("  created   {}", job.created_at);
    if let Some(estimate) = job.estimate_id {
        say!("  estimate  {estimate}");
    }
    if let Some(error) = &job.error_message {
        say!("  error     {error}");
    }
    for entry in &job.error_log {
        say!(
            "  log       {} attempt {} [{}] {}",
            entry.at,
            entry.attempt,
            entry.step,
            entry.error
        );
    }
}

pub async fn jobs(
    core: &Sitebook,
    session: &Session,
    command: &JobsCommand,
    out: &Printer,
) -> Result<(), Failure> {
    let job = match command {
        JobsCommand::List { limit } => {
            let jobs = core.jobs_list(session, *limit).await?;
            out.table(
                &jobs,
                &["ID", "KIND", "STATUS", "DONE", "STEP", "FILE", "BY", "FROM"],
                |j| {
                    vec![
                        j.id.to_string(),
                        j.kind.as_str().to_string(),
                        status_word(j).to_string(),
                        format!("{}%", j.progress),
                        // A reason or a file name of 250 characters widened every row; `jobs
                        // show` gives them whole.
                        clipped(&j.current_step, LIST_CELL_CHARS),
                        clipped(j.file_name.as_deref().unwrap_or_default(), LIST_CELL_CHARS),
                        j.username.clone(),
                        j.source.clone(),
                    ]
                },
            );
            return Ok(());
        }
        JobsCommand::Show { id } => core.job_show(session, *id).await?,
        JobsCommand::Cancel { id } => {
            let job = core.job_cancel(session, *id).await?;
            // The document stays recorded, and the next one of its chain counts it: say so.
            let document = match job.kind {
                JobKind::GenerateBill => Some("bill"),
                JobKind::GenerateWorkslip => Some("work slip"),
                _ => None,
            };
            // A running job is asked to stop, and answers at its next step: the view is taken
            // before it has, so "running" alone read as if the cancel had done nothing.
            if job.status == JobStatus::Running && !out.is_json() {
                tell!(
                    "Cancel requested: job {id} stops at its next step (one whose worker has \
                     stopped, when a worker next starts); `sitebook jobs show {id}` says when it \
                     has."
                );
            }
            let cancelled = job.status == JobStatus::Cancelled && !out.is_json();
            if let Some(document) = document.filter(|_| cancelled) {
                tell!(
                    "The {document} this job draws stays recorded, and the next {document} counts \
                     it; only its files are not made. `sitebook jobs retry {id}` makes them \
                     (withdraw the {document} if it was wrong)."
                );
            }
            job
        }
        JobsCommand::Retry { id } => core.job_retry(session, *id).await?,
        JobsCommand::Wait { id } => {
            let mut told = RetryTeller::default();
            let waiting = core.job_wait(session, *id, |view| {
                if let Some(line) = told.line_for(view, None) {
                    if !out.is_json() {
                        tell!("{line}");
                    }
                }
            });
            tokio::pin!(waiting);
            let job = tokio::select! {
                job = &mut waiting => job?,
                () = tokio::time::sleep(NO_WORKER_HINT_AFTER) => {
                    hint_if_no_worker_runs(core, session, *id).await;
                    waiting.await?
                }
            };
            if out.is_json() {
                out.json(&job);
            } else {
                let made = made_by(core, session, &job).await?;
                say!("{}", finished_line(&job, &made));
            }
            return match job.status {
                JobStatus::Completed => Ok(()),
                _ => Err(Failure::Reported(1)),
            };
        }
    };
    if out.is_json() {
        out.json(&job);
    } else {
        print_job(&job);
    }
    Ok(())
}

/// Tells, once each time, that a job waited for has failed in a way that may pass (a full disk,
/// a bucket out of reach) and waits to run again: without it, a script's log shows nothing for
/// the minutes the retries take.
#[derive(Default)]
struct RetryTeller {
    /// The attempt last told of.
    told: Option<u32>,
}

impl RetryTeller {
    fn line_for(&mut self, view: &JobView, file: Option<&str>) -> Option<String> {
        let reason = view.waiting_to_retry()?;
        if self.told == Some(view.attempts) {
            return None;
        }
        self.told = Some(view.attempts);
        let file = file.map(|file| format!(" ({file})")).unwrap_or_default();
        Some(format!(
            "job {}{file} will be tried again after attempt {} failed: {reason}",
            view.id, view.attempts
        ))
    }
}

/// How long `jobs wait` lets a job sit in the queue before it checks that anything will run it.
const NO_WORKER_HINT_AFTER: Duration = Duration::from_secs(3);

/// Jobs run only where a worker does (`sitebook worker`, `sitebook watch`, the desktop app), so
/// a job still queued while none of the organization's jobs runs is waiting for a program that
/// is not open, and so is a running job whose worker has stopped. Says so once, and the wait
/// goes on: one may be started now.
async fn hint_if_no_worker_runs(core: &Sitebook, session: &Session, id: i64) {
    let Ok(jobs) = core.jobs_list(session, 500).await else {
        return;
    };
    // A job waiting to retry has a worker that will run it, or had one: it was told above.
    let still_queued = jobs.iter().any(|job| {
        job.id == id && job.status == JobStatus::Queued && job.waiting_to_retry().is_none()
    });
    // A job shown as running whose worker has stopped is run by nothing.
    let any_running = jobs
        .iter()
        .any(|job| job.status == JobStatus::Running && !job.interrupted);
    let interrupted = jobs.iter().any(|job| job.id == id && job.interrupted);
    if still_queued && !any_running {
        tell!(
            "Job {id} is still queued and no worker is running: start `sitebook worker` (or \
             open the desktop app) to run it. Still waiting; Ctrl-C stops the wait, not the job."
        );
    } else if interrupted {
        // Shown as running, at the step it had reached, while nothing runs it.
        tell!(
            "Job {id} shows as running, but the worker that ran it has stopped: it runs again \
             once a worker starts (`sitebook worker`, or the desktop app). Still waiting; \
             Ctrl-C stops the wait, not the job."
        );
    }
}

pub async fn worker(core: &Sitebook, args: &WorkerArgs, out: &Printer) -> Result<(), Failure> {
    // SIGTERM (a service manager, `timeout`, `kill`) stops it as Ctrl-C does: the pool is shut
    // down, its parse workers with it.
    let stop = StopSignal::listen()?.received();
    tokio::pin!(stop);
    // Before the pool starts, so that no job can end unheard.
    let mut ended = core.ended_jobs();
    let pool = core.start_workers(args.pool.workers).await?;
    // What an earlier worker's crash left, now that the pool has put its jobs back in line.
    core.sweep_crash_leftovers().await;
    if !out.is_json() {
        tell!(
            "Running jobs from {} ({}). Press Ctrl-C to stop.",
            core.data_dir().display(),
            if args.exit_when_idle {
                "until none is left"
            } else {
                "until stopped"
            }
        );
    }
    // A line per job as it ends, so that someone running the worker by hand sees it work.
    let mut report_each = Box::pin(async {
        while let Some(job) = ended.next().await {
            out.job_ended(&job);
        }
        std::future::pending::<()>().await
    });
    if args.exit_when_idle {
        tokio::select! {
            done = core.wait_until_no_unfinished_jobs(Duration::from_millis(200)) => done?,
            stopped = &mut stop => stopped?,
            () = &mut report_each => {}
        }
    } else {
        // A long-running worker also syncs outputs for the orgs that turned sync on.
        let syncer = core.spawn_syncer();
        tokio::select! {
            stopped = &mut stop => stopped?,
            () = &mut report_each => {}
        }
        syncer.abort();
    }
    pool.shutdown().await;
    // The jobs that ended while the worker was stopping, or just before it found none left.
    drop(report_each);
    while let Some(job) = ended.next_already_ended().await {
        out.job_ended(&job);
    }
    Ok(())
}

/// `sitebook watch`: the inbox watcher, the job workers and the syncer, until Ctrl-C or SIGTERM.
pub async fn watch(
    core: &Sitebook,
    session: &Session,
    args: &WatchArgs,
    out: &Printer,
) -> Result<(), Failure> {
    let stop = StopSignal::listen()?.received();
    tokio::pin!(stop);
    let mut news = core.inbox_news();
    let mut status = core.inbox_status_changes();
    let watcher = match &args.inbox {
        Some(folder) => {
            // Typed in a shell, a relative folder means one under where it was typed; the core
            // takes only full paths, since a desktop field has no "here" to resolve against.
            let folder = std::path::absolute(folder)
                .map_err(|e| crate::UsageError(format!("--inbox {}: {e}", folder.display())))?;
            core.watch_folder(session, &folder).await?
        }
        None => {
            if core.inbox_settings(session).await?.is_none() {
                return Err(crate::UsageError(
                    "No inbox folder is set on this device: pass --inbox DIR, or choose one in \
                     the desktop app's Settings."
                        .into(),
                )
                .into());
            }
            core.spawn_inbox()
        }
    };
    let pool = core.start_workers(args.pool.workers).await?;
    // What an earlier worker's crash left, now that the pool has put its jobs back in line.
    core.sweep_crash_leftovers().await;
    let syncer = core.spawn_syncer();
    let mut shown = None;
    let mut paused_in = None;
    loop {
        tokio::select! {
            result = &mut stop => {
                result?;
                break;
            }
            Ok(()) = status.changed() => {
                let now = status.borrow_and_update().clone();
                // A file starting or ending its wait was told as news; the text says the state
                // again only when the state has changed. JSON lines carry every change.
                let state = (now.state, now.folder.clone(), now.watched_by.clone());
                if out.is_json() || shown.as_ref() != Some(&state) {
                    out.inbox_status(&now);
                    shown = Some(state);
                }
                // A watch cannot change whom it imports as, so a paused one would only sit
                // there: it stops, and the person starts it again as told.
                if now.state == InboxState::Paused {
                    paused_in = now.folder;
                    break;
                }
            }
            Ok(item) = news.recv() => out.inbox_news(&item),
        }
    }
    watcher.abort();
    syncer.abort();
    pool.shutdown().await;
    match paused_in {
        Some(folder) => Err(Error::Denied(format!(
            "The watch stopped. The files in {folder} were left as they are."
        ))
        .into()),
        None => Ok(()),
    }
}

/// Ctrl-C, or SIGTERM (how a service manager stops `worker` and `watch`), listened for from the
/// moment it is made: a signal sent right after "Running jobs" appears must stop the command
/// cleanly, not kill it as an unhandled SIGTERM does (which left its parse workers orphaned).
struct StopSignal {
    #[cfg(unix)]
    signals: [tokio::signal::unix::Signal; 2],
}

impl StopSignal {
    fn listen() -> Result<Self, Failure> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let listen = |kind: SignalKind, name: &str| {
                signal(kind).map_err(|e| Error::Internal(format!("could not wait for {name}: {e}")))
            };
            Ok(Self {
                signals: [
                    listen(SignalKind::interrupt(), "Ctrl-C")?,
                    listen(SignalKind::terminate(), "SIGTERM")?,
                ],
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Resolves when either signal arrives.
    async fn received(self) -> Result<(), Failure> {
        #[cfg(unix)]
        {
            let [mut interrupt, mut terminate] = self.signals;
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            Ok(())
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c()
                .await
                .map_err(|e| Error::Internal(format!("could not wait for Ctrl-C: {e}")).into())
        }
    }
}

/// Below one job's outputs: which of its files are gone, and the command that makes them again.
fn tell_how_to_make_again(job: i64, files: JobFilesView) {
    if files.removed > 0 {
        tell!(
            "{} of job {job} {} removed by the cleanup of outputs never saved.",
            crate::output::counted(files.removed, "file", "files"),
            if files.removed == 1 { "was" } else { "were" },
        );
    }
    if files.missing > 0 {
        tell!(
            "{} of job {job} {} missing from the data folder.",
            crate::output::counted(files.missing, "file", "files"),
            if files.missing == 1 { "is" } else { "are" },
        );
    }
    if files.can_make_again {
        tell!("`sitebook jobs retry {job}` makes them again, with the same content.");
    }
}

pub async fn outputs(
    core: &Sitebook,
    session: &Session,
    command: &OutputsCommand,
    out: &Printer,
) -> Result<(), Failure> {
    match command {
        OutputsCommand::List { job } => {
            // Asked first, so that a job that is not there is told alone, not under an empty table.
            let gone = match job {
                Some(job) => Some((*job, core.job_files(session, *job).await?)),
                None => None,
            };
            let outputs = core.outputs_list(session, *job).await?;
            out.table(
                &outputs,
                &[
                    "ID",
                    "JOB",
                    "KIND",
                    "FILE",
                    "BYTES",
                    "DOWNLOADS",
                    "CREATED",
                    "SYNC",
                    "NOTE",
                ],
                |o| {
                    vec![
                        o.id.to_string(),
                        o.job_id.to_string(),
                        o.kind.clone(),
                        o.filename.clone(),
                        o.size.to_string(),
                        o.download_count.to_string(),
                        o.created_at.clone(),
                        crate::sync::sync_word(&o.sync_state).to_owned(),
                        output_note(o).to_owned(),
                    ]
                },
            );
            if !out.is_json() {
                crate::sync::tell_sync_problems(&outputs, &["failed", "conflict", "pending"]);
            }
            if let Some((job, files)) = gone {
                tell_how_to_make_again(job, files);
            }
        }
        OutputsCommand::Export {
            id,
            destination,
            overwrite,
        } => {
            let if_exists = if *overwrite {
                IfExists::Replace
            } else {
                IfExists::Refuse
            };
            let written = core
                .output_export(session, *id, destination, if_exists)
                .await?;
            out.done(&format!("Wrote {}.", written.display()));
            // Read alone: the whole list, to find one output, grew with the organization.
            if core.output_show(session, *id).await?.withdrawn {
                tell!(
                    "It is a file of a withdrawn bill or work slip, so the copy is marked WITHDRAWN \
                     (the stored file is kept as it was): it is not the document in force."
                );
            }
        }
        OutputsCommand::Share { id, expires } => {
            let link = core.output_share(session, *id, *expires).await?;
            if out.is_json() {
                out.json(&link);
            } else {
                say!("{}", link.url);
                tell!("The link works until {}.", link.expires_at);
            }
        }
        OutputsCommand::Cleanup { days } => {
            let report = core.outputs_cleanup(session, *days).await?;
            if out.is_json() {
                out.json(&report);
            } else {
                say!(
                    "Removed {} and {} of outputs older than {} that were never downloaded.",
                    crate::output::counted(report.removed_files, "file", "files"),
                    crate::output::counted(report.removed_rows, "record", "records"),
                    crate::output::counted(*days, "day", "days"),
                );
            }
        }
    }
    Ok(())
}

/// `7d`, `12h`, `30m`, `90s` or a number of seconds.
fn parse_lifetime(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "s"),
    };
    let count: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration; write 7d, 12h, 30m or 90s"))?;
    let seconds = match unit {
        "d" => count.checked_mul(86_400),
        "h" => count.checked_mul(3_600),
        "m" => count.checked_mul(60),
        "s" => Some(count),
        _ => None,
    }
    .ok_or_else(|| format!("'{text}' is not a duration; write 7d, 12h, 30m or 90s"))?;
    Ok(Duration::from_secs(seconds))
}

//! `sitebook`: the command-line face of the Sitebook core.
//!
//! Each command signs in (when it needs a person), calls one core operation and prints the
//! result, as a table for people or as JSON with `--json`. It holds no rules of its own.
//! Exit codes: 0 success, 2 usage, 3 denied, 4 not found, 1 anything else.

/// `println!` for results: when the reader has gone away (`sitebook … | head -5`), the program
/// ends quietly with success instead of panicking on the broken pipe. Whatever it was doing is
/// durable already (jobs and outputs live in the database), so nothing is lost by stopping.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::output::write_line(format_args!($($arg)*))
    };
}

/// `eprintln!` for messages, with the same guard against terminal control sequences.
macro_rules! tell {
    ($($arg:tt)*) => {
        $crate::output::tell_line(format_args!($($arg)*))
    };
}

mod deductions;
mod documents;
mod ingest;
mod output;
mod secrets;
mod sync;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sitebook_core::api::{stateless, OpenOptions};
use sitebook_core::domain::money::CurrencyMark;
use sitebook_core::domain::permissions::{MembershipRole, UserKind};
use sitebook_core::tenancy::accounts::NewAccount;
use sitebook_core::tenancy::audit_log::AuditFilter;
use sitebook_core::tenancy::orgs::{NewOrg, OrgType};
use sitebook_core::tenancy::session::Session;
use sitebook_core::{Error, ErrorCode, Sitebook};

use crate::output::Printer;

/// Where every command's help lists the options every command takes, apart from its own.
const GLOBAL: &str = "Global options";

#[derive(Parser)]
#[command(
    name = "sitebook",
    version,
    about = "Sitebook: estimates, bills and work slips for public-works offices",
    propagate_version = true
)]
struct Cli {
    /// Folder holding the database and files [default: SITEBOOK_DATA_DIR, else the OS app-data dir]
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Sign in as this user; the password comes from SITEBOOK_PASSWORD or a prompt
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "NAME", env = "SITEBOOK_USER")]
    user: Option<String>,
    /// Act in this organization for this one command (code, any case)
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "CODE")]
    org: Option<String>,
    /// Print machine-readable JSON
    #[arg(long, global = true, help_heading = GLOBAL)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the first account on this device (a superuser) with its personal organization
    Init {
        /// Full name of the person
        #[arg(long = "name", value_name = "FULL NAME")]
        full_name: String,
    },
    /// Accounts
    #[command(subcommand)]
    User(UserCommand),
    /// Organizations: the picker list, switching, creating and importing
    #[command(subcommand)]
    Org(OrgCommand),
    /// Members of the active organization
    #[command(subcommand)]
    Member(MemberCommand),
    /// The audit log
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Estimates: parse a workbook without storing it, or list and show stored ones
    #[command(subcommand)]
    Estimate(ingest::EstimateCommand),
    /// Upload estimate workbooks into the active organization and queue their parsing
    Upload(ingest::UploadArgs),
    /// Background jobs of the active organization
    #[command(subcommand)]
    Jobs(ingest::JobsCommand),
    /// Run the job workers in the foreground, for every organization on this device (the desktop
    /// app runs the same pool itself)
    Worker(ingest::WorkerArgs),
    /// Watch an inbox folder and import the workbooks saved into it, running the job workers
    /// too (for a shared office machine; Ctrl-C stops)
    Watch(ingest::WatchArgs),
    /// Files produced by jobs
    #[command(subcommand)]
    Outputs(ingest::OutputsCommand),
    /// Work data of an estimate, entered once and used by every document
    #[command(subcommand)]
    Work(documents::WorkCommand),
    /// Bills: the running-account chain of an estimate
    #[command(subcommand)]
    Bill(documents::BillCommand),
    /// Work slips (working estimates), phase by phase
    #[command(subcommand)]
    Workslip(documents::WorkslipCommand),
    /// The additions and deductions bills are paid by (security deposit, TDS, cess…)
    #[command(subcommand)]
    Deductions(deductions::DeductionsCommand),
    /// Sync of outputs to an S3-compatible bucket: the active organization's target
    #[command(subcommand)]
    Sync(sync::SyncCommand),
    /// Change your password: the current one from SITEBOOK_PASSWORD or a prompt, the new one
    /// from SITEBOOK_NEW_PASSWORD or a prompt asked twice. Also how a temporary password an
    /// admin set is replaced.
    Password,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account (password from SITEBOOK_NEW_PASSWORD or a prompt)
    Add(UserAddArgs),
    /// Disable an account: it signs in nowhere, and its open sessions are refused (superusers)
    Disable {
        #[arg(value_name = "USER")]
        username: String,
    },
    /// Enable a disabled account again (superusers)
    Enable {
        #[arg(value_name = "USER")]
        username: String,
    },
    /// Every account on this computer: kind, state and organizations (superusers, operations
    /// and oversight)
    List,
}

#[derive(Args)]
struct UserAddArgs {
    /// Username (letters, digits, '.', '_' or '-')
    #[arg(value_name = "NAME")]
    username: String,
    /// Full name of the person
    #[arg(long = "name", value_name = "FULL NAME")]
    full_name: String,
    /// Account kind; only a superuser may create kinds other than standard
    #[arg(long, value_enum, default_value_t = KindArg::Standard)]
    kind: KindArg,
    /// Role in the active organization [default: member for standard accounts]
    #[arg(long, value_enum)]
    role: Option<RoleArg>,
    /// Do not create "<First name>'s Organization" for the person
    #[arg(long)]
    no_personal_org: bool,
}

#[derive(Subcommand)]
enum OrgCommand {
    /// The organizations you may enter, with your role; * marks the active one
    List,
    /// Switch the active organization and remember it
    Switch {
        #[arg(value_name = "CODE")]
        code: String,
    },
    /// Details of the active organization
    Show,
    /// How the active organization's documents write amounts: `Rs.` (the default) or `₹`.
    /// With no MARK, shows it; with one, sets it for documents made from now on (owners and
    /// admins). Documents already made keep theirs.
    Currency {
        #[arg(value_name = "MARK")]
        mark: Option<String>,
    },
    /// Give the active organization a new name (its owners, and superusers). Its code, folders
    /// and bucket keys stay; documents already made keep the name they were made with.
    Rename {
        /// The new name (the code stays)
        #[arg(long)]
        name: String,
    },
    /// Create an organization (superuser)
    Create {
        #[arg(value_name = "CODE")]
        code: String,
        /// The organization's name, as the picker and documents show it
        #[arg(long)]
        name: String,
        /// What kind of body it is
        #[arg(long = "type", value_enum, default_value_t = OrgTypeArg::Office)]
        org_type: OrgTypeArg,
    },
    /// Import organizations from a CSV with the header code,name,type (all or nothing)
    Import {
        #[arg(value_name = "FILE.csv")]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum MemberCommand {
    /// Members of the active organization
    List,
    /// Add an existing account to the active organization
    Add {
        #[arg(value_name = "USER")]
        username: String,
        /// Their role in the active organization
        #[arg(long, value_enum, default_value_t = RoleArg::Member)]
        role: RoleArg,
    },
    /// Change a member's role
    Role {
        #[arg(value_name = "USER")]
        username: String,
        #[arg(value_enum, value_name = "ROLE")]
        role: RoleArg,
    },
    /// Remove a member (or yourself, to leave)
    Remove {
        #[arg(value_name = "USER")]
        username: String,
    },
    /// Lift a member's sign-in lockout after too many wrong passwords
    Unlock {
        #[arg(value_name = "USER")]
        username: String,
    },
    /// Set a temporary password for a member who forgot theirs (from SITEBOOK_NEW_PASSWORD or
    /// a prompt); they must choose their own at their next sign-in
    ResetPassword {
        #[arg(value_name = "USER")]
        username: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Newest audit rows first
    List {
        /// Only refused or failed attempts
        #[arg(long)]
        denied: bool,
        /// How many rows at most
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One audit row
    Show {
        #[arg(value_name = "ID")]
        id: i64,
    },
    /// Check the log's hash chain and its anchor; exits 5 and names the first broken entry
    /// when the log was tampered with
    Verify,
    /// Accept the log as it stands as its new anchor, when the anchor file was lost (a disk
    /// restored without it) and cannot be fetched from the sync bucket (superusers). Refused
    /// when the log's own chain is broken; the reason is kept in the log
    ReAnchor {
        /// Why, in one line: kept in the audit log with what it replaced
        #[arg(long)]
        reason: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Standard,
    Operations,
    Oversight,
    Superuser,
}

impl From<KindArg> for UserKind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Standard => UserKind::Standard,
            KindArg::Operations => UserKind::Operations,
            KindArg::Oversight => UserKind::Oversight,
            KindArg::Superuser => UserKind::Superuser,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Owner,
    Admin,
    Member,
    Viewer,
}

impl From<RoleArg> for MembershipRole {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Owner => MembershipRole::Owner,
            RoleArg::Admin => MembershipRole::Admin,
            RoleArg::Member => MembershipRole::Member,
            RoleArg::Viewer => MembershipRole::Viewer,
        }
    }
}

// Mirrors the core's `OrgType` without `Personal` (made only with an account), so `--help`
// lists the types a person may choose, and the core stays free of clap.
#[derive(Clone, Copy, ValueEnum)]
enum OrgTypeArg {
    Ministry,
    Office,
    Agency,
    Special,
    Commission,
    Company,
}

impl From<OrgTypeArg> for OrgType {
    fn from(kind: OrgTypeArg) -> Self {
        match kind {
            OrgTypeArg::Ministry => OrgType::Ministry,
            OrgTypeArg::Office => OrgType::Office,
            OrgTypeArg::Agency => OrgType::Agency,
            OrgTypeArg::Special => OrgType::Special,
            OrgTypeArg::Commission => OrgType::Commission,
            OrgTypeArg::Company => OrgType::Company,
        }
    }
}

/// A failure of the command line itself, before the core is involved (exit 2).
#[derive(Debug)]
struct UsageError(String);

enum Failure {
    Usage(UsageError),
    Core(Error),
    /// Already reported in full; exit with this code.
    Reported(u8),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Core(error)
    }
}

impl From<UsageError> for Failure {
    fn from(error: UsageError) -> Self {
        Failure::Usage(error)
    }
}

/// See [`sitebook_core::Allocator`].
#[global_allocator]
static ALLOCATOR: sitebook_core::Allocator = sitebook_core::Allocator;

/// A command line clap refused. With `--json` anywhere on it, the refusal is one JSON object
/// like every other error (`{"code": "usage", "message": …}`), so a script reading JSON is not
/// handed clap's text; help and the version print as usual.
fn usage_error(error: clap::Error, args: &[std::ffi::OsString]) -> ExitCode {
    use clap::error::ErrorKind;
    let wants_json = args.iter().any(|arg| arg == "--json");
    let informational = matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if !wants_json || informational {
        error.exit();
    }
    let text = error.render().to_string();
    let message = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("the command line could not be read")
        .trim_start_matches("error: ");
    Printer::new(true).error(ErrorCode::Usage.as_str(), message);
    ExitCode::from(2)
}

fn main() -> ExitCode {
    // The same binary parses untrusted workbooks in a child process of itself. Arguments are
    // read as the OS gives them: a file name that is not UTF-8 (from a FAT drive, say) is a
    // path like any other, and `std::env::args` would panic on it.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).and_then(|arg| arg.to_str()) == Some(stateless::worker::ARG) {
        // The worker's own arguments are JSON and numbers that this program wrote.
        let worker_args: Vec<String> = args[2..]
            .iter()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        let code = stateless::worker::run(&worker_args);
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => return usage_error(error, &args),
    };
    let printer = Printer::new(cli.json);
    let user = cli.user.clone();
    // One async thread per core: `sitebook worker` polls every job's database round trips and
    // handles its parse results on these threads, and on one thread a burst of jobs kept the
    // second core idle.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tell!("error: could not start: {error}");
            return ExitCode::from(1);
        }
    };
    // The log's writer outlives `run`, so that the error reported below (`to_api` writes its
    // detail to the log, which the message may point to) still reaches the file.
    let mut log = None;
    let outcome = runtime.block_on(run(cli, &printer, &mut log));
    let code = report(outcome, &printer, user.as_deref());
    drop(log);
    code
}

/// Prints how the command ended, and gives its exit code.
fn report(outcome: Result<(), Failure>, printer: &Printer, user: Option<&str>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(UsageError(message))) => {
            printer.error(ErrorCode::Usage.as_str(), &message);
            ExitCode::from(2)
        }
        Err(Failure::Core(error)) => {
            let mut said = error.to_api();
            if let (Error::PasswordChangeRequired(_), Some(user)) = (&error, user) {
                said.message.push_str(&format!(
                    " Run `sitebook --user {user} password` to choose it."
                ));
            }
            printer.error(said.code.as_str(), &said.message);
            ExitCode::from(exit_code(&error))
        }
        Err(Failure::Reported(code)) => ExitCode::from(code),
    }
}

fn exit_code(error: &Error) -> u8 {
    match error {
        Error::Denied(_)
        | Error::NoActiveOrg
        | Error::AuthFailed(_)
        | Error::AccountLocked(_)
        | Error::PasswordChangeRequired(_)
        | Error::NotSignedIn => 3,
        Error::NotFound(_) => 4,
        _ => 1,
    }
}

/// Opens the core, and its log in `data_dir/logs/` as the desktop app keeps it, so what a
/// `sitebook worker` or `sitebook watch` saw is on disk afterwards. The guard goes into `log`,
/// which `main` keeps until the command's outcome is reported, so that an error's detail is
/// logged too; a log that cannot be opened is no reason to refuse the command.
async fn open(
    cli: &Cli,
    log: &mut Option<sitebook_core::logging::LogGuard>,
) -> Result<Sitebook, Failure> {
    let data_dir = sitebook_core::api::stateless::data_dir(cli.data_dir.as_deref())?;
    // A person's command needs an account, so a folder without a database is a mistyped path;
    // `init` starts one, and a worker may be started on a new device before it (as the window
    // is).
    let may_start_one = matches!(cli.command, Command::Init { .. } | Command::Worker(_));
    if !may_start_one && !stateless::holds_data(&data_dir) {
        return Err(UsageError(format!(
            "There is no Sitebook data in {}. Check --data-dir or SITEBOOK_DATA_DIR, or start \
             here with `sitebook init --user NAME`.",
            data_dir.display()
        ))
        .into());
    }
    // A worker named a folder that is not there: a typo, which would start an empty database
    // that no one's jobs reach. The default folder may be new: a service may start a worker
    // before the window first opens.
    let named = cli.data_dir.is_some()
        || std::env::var_os("SITEBOOK_DATA_DIR").is_some_and(|dir| !dir.is_empty());
    if matches!(cli.command, Command::Worker(_)) && named && !data_dir.exists() {
        return Err(UsageError(format!(
            "There is no folder {}. Check --data-dir or SITEBOOK_DATA_DIR: a worker runs the jobs \
             of an existing data folder (`sitebook init --user NAME` starts one).",
            data_dir.display()
        ))
        .into());
    }
    stateless::prepare_data_dir(&data_dir)?;
    *log = sitebook_core::api::stateless::start_logging(&data_dir).ok();
    let options = OpenOptions::new(data_dir).with_test_environment();
    Ok(Sitebook::open(options).await?)
}

/// Signs in as `--user`, entering `--org` for this command if given.
async fn sign_in(cli: &Cli, core: &Sitebook) -> Result<Session, Failure> {
    let username = cli.user.as_deref().ok_or_else(|| {
        UsageError(
            "This command needs a signed-in user: pass --user NAME (or set SITEBOOK_USER).".into(),
        )
    })?;
    let password = secrets::password_for(username)?;
    Ok(core.sign_in(username, password, cli.org.as_deref()).await?)
}

async fn run(
    cli: Cli,
    out: &Printer,
    log: &mut Option<sitebook_core::logging::LogGuard>,
) -> Result<(), Failure> {
    // The stateless parse needs no database and no organization.
    if let Command::Estimate(ingest::EstimateCommand::Parse { file }) = &cli.command {
        return ingest::parse_file(file, out).await;
    }
    if let Command::Bill(command @ documents::BillCommand::Render { .. }) = &cli.command {
        return documents::render_quick(command, out).await;
    }
    if let (Command::Worker(_), Some(org)) = (&cli.command, &cli.org) {
        // Said rather than ignored: someone who names an org expects only its jobs to run.
        return Err(UsageError(format!(
            "`sitebook worker` runs the queued jobs of every organization on this device, each \
             under the rights of the person who queued it; --org {org} cannot narrow that. Leave \
             --org out."
        ))
        .into());
    }
    let core = open(&cli, log).await?;
    if let Command::Worker(args) = &cli.command {
        return ingest::worker(&core, args, out).await;
    }
    if let Command::Init { full_name } = &cli.command {
        let username = cli
            .user
            .as_deref()
            .ok_or_else(|| UsageError("init needs --user NAME for the first account.".into()))?;
        let password = secrets::new_password_for(username)?;
        let session = core
            .init_first_account(username, full_name, password)
            .await?;
        let view = core.view(&session).await?;
        out.session_created(&view, core.data_dir());
        return Ok(());
    }
    if let Command::Password = &cli.command {
        let username = cli.user.as_deref().ok_or_else(|| {
            UsageError("password needs --user NAME (or SITEBOOK_USER): whose password.".into())
        })?;
        let current = secrets::password_for(username)?;
        let new = secrets::new_password_for(username)?;
        // A password is the account's, not an organization's: --org is not read here, so a
        // mistyped one cannot fail the command after the password has changed.
        core.change_password(username, current, new, None).await?;
        out.done(&format!(
            "The password of {username} is changed; sign in with the new one from now on."
        ));
        return Ok(());
    }
    // Every other command acts as a signed-in person.
    let mut session = sign_in(&cli, &core).await?;
    if cli.org.is_none() {
        if let Some(left) = core.org_fallen_back_from(&session).await? {
            let now = session
                .active_org()
                .map_or("no organization".to_owned(), |org| org.code.clone());
            tell!(
                "You can no longer act in {left} (your membership was removed, or it was \
                 closed), so this runs in {now}. `sitebook org list` shows where you can act, and \
                 `sitebook org switch` picks one for good."
            );
        }
    }
    match &cli.command {
        Command::User(UserCommand::Add(args)) => {
            // The gate first: someone who may not make the account is refused (and audited)
            // before being asked twice for a password that could not be used.
            core.user_add_permitted(
                &session,
                &args.username,
                args.kind.into(),
                args.role.map(Into::into),
            )
            .await?;
            let password = secrets::new_password_for(&args.username)?;
            let created = core
                .user_add(
                    &session,
                    NewAccount {
                        username: args.username.clone(),
                        full_name: args.full_name.clone(),
                        kind: args.kind.into(),
                        password,
                        personal_org: !args.no_personal_org,
                    },
                    args.role.map(Into::into),
                )
                .await?;
            let joined = sitebook_core::tenancy::accounts::joins_active_org(
                &session,
                created.kind,
                args.role.map(Into::into),
            );
            out.user_created(
                &created,
                session
                    .active_org()
                    .filter(|_| joined)
                    .map(|org| org.code.as_str()),
            );
        }
        Command::User(UserCommand::Disable { username }) => {
            let changed = core.account_set_enabled(&session, username, false).await?;
            out.done(&if changed {
                format!("{username} is disabled: it signs in nowhere until enabled again.")
            } else {
                format!("{username} was already disabled.")
            });
        }
        Command::User(UserCommand::List) => out.accounts(&core.accounts_list(&session).await?),
        Command::User(UserCommand::Enable { username }) => {
            let changed = core.account_set_enabled(&session, username, true).await?;
            out.done(&if changed {
                format!("{username} is enabled and may sign in again.")
            } else {
                format!("{username} was not disabled.")
            });
        }
        Command::Org(command) => match command {
            OrgCommand::List => out.org_list(&core.org_list(&session).await?),
            OrgCommand::Switch { code } => {
                core.org_switch(&mut session, code).await?;
                out.session(&core.view(&session).await?);
            }
            OrgCommand::Show => out.org_details(&core.org_show(&session).await?),
            OrgCommand::Currency { mark: None } => {
                let mark = core.currency_mark(&session).await?;
                if out.is_json() {
                    out.json(&serde_json::json!({ "currencyMark": mark }));
                } else {
                    say!("Documents print amounts like {}", mark.amount(1200.into()));
                }
            }
            OrgCommand::Currency { mark: Some(text) } => {
                let mark = CurrencyMark::parse(text).ok_or_else(|| {
                    Error::Validation(format!(
                        "\"{text}\" is not a currency mark: use Rs. (the default) or ₹ \
                             (also accepted: rupee, INR)."
                    ))
                })?;
                core.currency_mark_set(&session, mark).await?;
                out.done(&format!(
                    "New documents print amounts like {}; documents already made keep theirs.",
                    mark.amount(1200.into())
                ));
            }
            OrgCommand::Rename { name } => {
                let renamed = core.org_rename(&session, name).await?;
                if out.is_json() {
                    out.org_details(&renamed);
                } else {
                    out.done(&format!(
                        "{} is now named \"{}\"; its code and folders stay, and documents \
                         already made keep the name they were made with.",
                        renamed.code, renamed.name
                    ));
                }
            }
            OrgCommand::Create {
                code,
                name,
                org_type,
            } => {
                core.org_create(
                    &session,
                    NewOrg {
                        code: code.clone(),
                        name: name.clone(),
                        org_type: (*org_type).into(),
                    },
                )
                .await?;
                out.done(&format!("Created organization {code}."));
            }
            OrgCommand::Import { file } => {
                let text = sitebook_core::csv_text::read_csv_file(file)?;
                let name = file.display().to_string();
                let report = core.org_import(&session, &name, &text).await?;
                out.import_report(&report);
            }
        },
        Command::Member(command) => match command {
            MemberCommand::List => out.members(&core.member_list(&session).await?),
            MemberCommand::Add { username, role } => {
                let member = core.member_add(&session, username, (*role).into()).await?;
                out.member(&member);
            }
            MemberCommand::Role { username, role } => {
                let member = core
                    .member_set_role(&session, username, (*role).into())
                    .await?;
                out.member(&member);
            }
            MemberCommand::Remove { username } => {
                core.member_remove(&session, username).await?;
                out.done(&format!("Removed {username}."));
            }
            MemberCommand::Unlock { username } => {
                if core.member_unlock(&session, username).await? {
                    out.done(&format!("Unlocked {username}: they may sign in again now."));
                } else {
                    out.done(&format!("{username} was not locked."));
                }
            }
            MemberCommand::ResetPassword { username } => {
                // As for `user add`: the gate before the prompt.
                core.member_reset_password_permitted(&session, username)
                    .await?;
                let temporary = secrets::new_password_for(username)?;
                core.member_reset_password(&session, username, temporary)
                    .await?;
                out.done(&format!(
                    "{username} has a temporary password: give it to them in person. They must \
                     choose their own when they next sign in (`sitebook --user {username} \
                     password`, or the window)."
                ));
            }
        },
        Command::Audit(command) => match command {
            AuditCommand::List { denied, limit } => {
                let filter = AuditFilter {
                    denied_only: *denied,
                    limit: *limit,
                };
                out.audit(&core.audit_list(&session, filter).await?);
            }
            AuditCommand::Show { id } => {
                out.audit(&[core.audit_show(&session, *id).await?]);
            }
            AuditCommand::ReAnchor { reason } => {
                let anchor = core.audit_reanchor(&session, reason).await?;
                out.audit_reanchored(&anchor);
            }
            AuditCommand::Verify => {
                let verification = core.audit_verify(&session).await?;
                out.audit_verification(&verification);
                if !verification.is_intact() {
                    return Err(Failure::Reported(5));
                }
            }
        },
        Command::Estimate(command) => ingest::estimate(&core, &session, command, out).await?,
        Command::Sync(command) => sync::sync(&core, &session, command, out).await?,
        Command::Upload(args) => ingest::upload(&core, &session, args, out).await?,
        Command::Jobs(command) => ingest::jobs(&core, &session, command, out).await?,
        Command::Outputs(command) => ingest::outputs(&core, &session, command, out).await?,
        Command::Work(command) => documents::work(&core, &session, command, out).await?,
        Command::Bill(command) => documents::bill(&core, &session, command, out).await?,
        Command::Workslip(command) => documents::workslip(&core, &session, command, out).await?,
        Command::Deductions(command) => {
            deductions::deductions(&core, &session, command, out).await?
        }
        Command::Watch(args) => ingest::watch(&core, &session, args, out).await?,
        Command::Init { .. } | Command::Worker(_) | Command::Password => {
            unreachable!("handled before signing in")
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every option of `cmd` and of its subcommands that has no help text, as `path --option`.
    fn options_without_help(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let said = arg.get_help().is_some() || arg.get_long_help().is_some();
            if let (Some(long), false, false) = (arg.get_long(), said, arg.is_hide_set()) {
                missing.push(format!("{path} --{long}"));
            }
        }
        for sub in cmd.get_subcommands() {
            options_without_help(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }

    #[test]
    fn every_option_of_every_command_says_what_it_is_for() {
        let mut missing = Vec::new();
        options_without_help(&super::Cli::command(), "sitebook", &mut missing);
        assert!(missing.is_empty(), "{missing:#?}");
    }
}

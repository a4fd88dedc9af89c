//! The document commands: `work`, `bill`, `workslip` and `estimate abstract`. They turn what a
//! person typed (flags, CSV files) into core calls; the rules live in the core.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use clap::{Args, Subcommand, ValueEnum};
use rust_decimal::Decimal;
use sitebook_core::api::stateless;
use sitebook_core::documents::withdraw::{ChainDocument, Withdrawn};
use sitebook_core::documents::{QueuedDocument, WorkChanges};
use sitebook_core::domain::bill::{BillKind, TenderPremium, TpType};
use sitebook_core::domain::money::format_indian;
use sitebook_core::jobs::JobStatus;
use sitebook_core::store::outputs::IfExists;
use sitebook_core::tenancy::session::Session;
use sitebook_core::ErrorCode;
use sitebook_core::{Error, Sitebook};

use crate::output::Printer;
use crate::{Failure, UsageError};

#[derive(Subcommand)]
pub enum WorkCommand {
    /// The work data of an estimate (pre-filled from the workbook until edited)
    Show {
        #[arg(value_name = "ESTIMATE_ID")]
        estimate: i64,
    },
    /// Change the work data of an estimate
    Edit(Box<WorkEditArgs>),
}

#[derive(Args)]
pub struct WorkEditArgs {
    #[arg(value_name = "ESTIMATE_ID")]
    estimate: i64,
    /// The name of the work, as every document's header prints it
    #[arg(long)]
    name_of_work: Option<String>,
    /// An original work, or a repair (whose estimate deducts old material)
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
    /// Annual maintenance contract (no QC charge)
    #[arg(long)]
    amc: Option<bool>,
    /// Within municipal limits or outside them
    #[arg(long, value_enum)]
    area: Option<AreaArg>,
    /// The Estimate Amount the headers print
    #[arg(long, allow_negative_numbers = true, value_name = "AMOUNT")]
    estimate_amount: Option<String>,
    /// The sanctioned grand total that work slips balance to
    #[arg(long, allow_negative_numbers = true, value_name = "AMOUNT")]
    grand_total: Option<String>,
    /// Reference to the administrative sanction (e.g. "AS No. 12/2024 dt. 01-04-2024")
    #[arg(long, value_name = "REF")]
    admin_sanction: Option<String>,
    /// Reference to the technical sanction
    #[arg(long, value_name = "REF")]
    tech_sanction: Option<String>,
    /// Reference to the agreement (e.g. "Agt 7/2024")
    #[arg(long, value_name = "REF")]
    agreement: Option<String>,
    /// Name of the agency (the contractor)
    #[arg(long)]
    agency: Option<String>,
    /// The agency is an individual or a Hindu undivided family (income-tax TDS at their rate)
    #[arg(long, value_name = "BOOL")]
    agency_individual: Option<bool>,
    /// Tender premium percentage, 0 to 100 (with --tp-type)
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "PERCENT",
        requires = "tp_type"
    )]
    tp: Option<String>,
    /// Whether the premium is above (excess) or below (less) the estimate
    #[arg(long, value_enum, requires = "tp")]
    tp_type: Option<TpArg>,
    /// Measurement book of the measurements, as BOOK:FIRST-LAST (e.g. 123:1-20)
    #[arg(long, value_name = "BOOK:FIRST-LAST", requires = "mb_abstract")]
    mb_measurements: Option<String>,
    /// Measurement book of the abstract, as BOOK:FIRST-LAST
    #[arg(long, value_name = "BOOK:FIRST-LAST", requires = "mb_measurements")]
    mb_abstract: Option<String>,
    /// Date of intimation (dd-mm-yyyy)
    #[arg(long)]
    doi: Option<String>,
    /// Date of completion (dd-mm-yyyy)
    #[arg(long)]
    doc: Option<String>,
    /// Date of measurement recording (dd-mm-yyyy)
    #[arg(long)]
    domr: Option<String>,
    /// Date of bill recording (dd-mm-yyyy)
    #[arg(long)]
    dobr: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Original,
    Repair,
}

#[derive(Clone, Copy, ValueEnum)]
enum AreaArg {
    Municipal,
    NonMunicipal,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TpArg {
    Excess,
    Less,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum BillKindArg {
    FirstPart,
    FirstFinal,
    NthPart,
    NthFinal,
}

impl From<BillKindArg> for BillKind {
    fn from(kind: BillKindArg) -> Self {
        match kind {
            BillKindArg::FirstPart => BillKind::FirstPart,
            BillKindArg::FirstFinal => BillKind::FirstFinal,
            BillKindArg::NthPart => BillKind::NthPart,
            BillKindArg::NthFinal => BillKind::NthFinal,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FirstBillKindArg {
    FirstPart,
    FirstFinal,
}

#[derive(Subcommand)]
pub enum BillCommand {
    /// Record the next bill of an estimate and render it as PDF and XLSX
    Create {
        #[arg(value_name = "ESTIMATE_ID")]
        estimate: i64,
        /// Which bill: the first or a later one, part (running account) or final
        #[arg(long, value_enum)]
        kind: BillKindArg,
        /// Till-date quantities, a CSV with the header sl_no,till_date_qty [default: a first
        /// bill takes the latest work slip's quantities, else the estimate's; a later bill
        /// repeats the previous bill's, so it pays for nothing new, and an item left out of
        /// the file keeps its previous figure]
        #[arg(long, value_name = "FILE.csv")]
        quantities: Option<PathBuf>,
        /// A one-off recovery of this bill, LABEL=AMOUNT (repeatable), e.g.
        /// "Mobilisation advance=25000"
        #[arg(long, value_name = "LABEL=AMOUNT")]
        recovery: Vec<String>,
        /// Render now, in this process, and wait
        #[arg(long)]
        wait: bool,
    },
    /// The bills of an estimate
    List {
        #[arg(value_name = "ESTIMATE_ID")]
        estimate: i64,
        /// The bills withdrawn from the chain instead: when, by whom and why
        #[arg(long)]
        withdrawn: bool,
    },
    /// Withdraw the latest bill of an estimate (admins and owners); its files are kept,
    /// marked withdrawn, and the bill can be made again
    Withdraw {
        #[arg(value_name = "ESTIMATE_ID")]
        estimate: i64,
        #[arg(value_name = "BILL_NUMBER")]
        number: u32,
        /// Why, for the audit log
        #[arg(long)]
        reason: String,
    },
    /// Parse a workbook and write a first bill at the estimate quantities (no database): a
    /// preview of its figures, without the memorandum of payments or the bill form, which
    /// need the organization's deduction table (`bill create` makes the bill to pay)
    Render {
        #[arg(value_name = "FILE.xlsx")]
        file: PathBuf,
        /// A first part bill or a first and final one
        #[arg(long, value_enum)]
        kind: FirstBillKindArg,
        /// Tender premium percentage, 0 to 100 (with --tp-type)
        #[arg(
            long,
            allow_negative_numbers = true,
            value_name = "PERCENT",
            requires = "tp_type"
        )]
        tp: Option<String>,
        /// Whether the premium is above (excess) or below (less) the estimate
        #[arg(long, value_enum, requires = "tp")]
        tp_type: Option<TpArg>,
        /// Folder for the PDF and the XLSX
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Replace a bill already in the folder (without it, such a file is kept and nothing
        /// written)
        #[arg(long)]
        overwrite: bool,
        /// The estimate sheet to bill, when the workbook has several [default: the one with
        /// the estimate's footer, named like an estimate]
        #[arg(long, value_name = "NAME")]
        sheet: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum WorkslipCommand {
    /// Record the next work slip (phase) of an estimate and render it
    Create {
        #[arg(value_name = "ESTIMATE_ID")]
        estimate: i64,
        /// Executed quantities, a CSV with the header sl_no,executed_qty
        #[arg(long, value_name = "FILE.csv")]
        executed: PathBuf,
        /// Supplemental items: sl_no,description,unit,rate,executed_qty
        #[arg(long, value_name = "FILE.csv")]
        supplemental: Option<PathBuf>,
        /// Rates that replace estimate items' rates from this work slip on: sl_no,rate (an
        /// item's estimate rate again lifts its override)
        #[arg(long, value_name = "FILE.csv")]
        rates: Option<PathBuf>,
        /// Render now, in this process, and wait
        #[arg(long)]
        wait: bool,
    },
    /// The work slips of an estimate (the phase numbers `workslip withdraw` takes)
    List {
        #[arg(value_name = "ESTIMATE_ID")]
        estimate: i64,
        /// The work slips withdrawn from the chain instead: when, by whom and why
        #[arg(long)]
        withdrawn: bool,
    },
    /// Withdraw the latest work slip of an estimate (admins and owners), when no bill follows it
    Withdraw {
        #[arg(value_name = "ESTIMATE_ID")]
        estimate: i64,
        #[arg(value_name = "PHASE")]
        phase: u32,
        /// Why, for the audit log
        #[arg(long)]
        reason: String,
    },
}

fn decimal(flag: &str, text: &str) -> Result<Decimal, UsageError> {
    sitebook_core::domain::money::parse_number_text(text)
        .or_else(|| Decimal::from_str(text.trim()).ok())
        .ok_or_else(|| UsageError(format!("--{flag}: '{text}' is not a number")))
}

fn tender_premium(
    tp: &Option<String>,
    kind: Option<TpArg>,
) -> Result<Option<TenderPremium>, Failure> {
    let (Some(tp), Some(kind)) = (tp, kind) else {
        return Ok(None);
    };
    let percent = decimal("tp", tp)?;
    let kind = match kind {
        TpArg::Excess => TpType::Excess,
        TpArg::Less => TpType::Less,
    };
    TenderPremium::new(percent, kind)
        .map(Some)
        .map_err(|e| Failure::Core(Error::Validation(format!("--tp: {e}."))))
}

/// The flags as typed; the core's work-data form reads and checks them, as it does the
/// desktop's form.
fn changes(args: &WorkEditArgs) -> WorkChanges {
    WorkChanges {
        name_of_work: args.name_of_work.clone(),
        work_mode: args.mode.map(|m| {
            match m {
                ModeArg::Original => "original",
                ModeArg::Repair => "repair",
            }
            .to_owned()
        }),
        is_amc: args.amc,
        area: args.area.map(|a| {
            match a {
                AreaArg::Municipal => "municipal",
                AreaArg::NonMunicipal => "non_municipal",
            }
            .to_owned()
        }),
        estimate_amount: args.estimate_amount.clone(),
        grand_total: args.grand_total.clone(),
        administrative_sanction_ref: args.admin_sanction.clone(),
        technical_sanction_ref: args.tech_sanction.clone(),
        agreement_ref: args.agreement.clone(),
        agency: args.agency.clone(),
        agency_is_individual: args.agency_individual,
        tp_percent: args.tp.clone(),
        tp_type: args.tp_type.map(|kind| {
            match kind {
                TpArg::Excess => "excess",
                TpArg::Less => "less",
            }
            .to_owned()
        }),
        mb_measurements: args.mb_measurements.clone(),
        mb_abstract: args.mb_abstract.clone(),
        doi: args.doi.clone(),
        doc: args.doc.clone(),
        domr: args.domr.clone(),
        dobr: args.dobr.clone(),
    }
}

fn read_text(path: &Path) -> Result<String, Failure> {
    sitebook_core::csv_text::read_csv_file(path).map_err(Failure::Core)
}

fn print_work(work: &sitebook_core::domain::work::WorkMetadata, out: &Printer) {
    if out.is_json() {
        return out.json(work);
    }
    for line in work.header_block() {
        say!("{}", line.text());
    }
    say!(
        "Mode: {:?}; AMC: {}; agency: {}; area: {:?}; grand total: {}; tender premium: {}",
        work.work_mode,
        if work.is_amc { "yes" } else { "no" },
        if work.agency_is_individual {
            "individual or HUF"
        } else {
            "other than an individual or HUF"
        },
        work.area,
        format_indian(work.grand_total),
        work.tender_premium
            .map(|tp| tp.bill_label())
            .unwrap_or_else(|| "none".into())
    );
}

fn print_withdrawn(withdrawn: &Withdrawn, out: &Printer) {
    if out.is_json() {
        out.json(withdrawn);
    } else {
        say!(
            "Withdrew {} {} ({}); {} file(s) kept, marked withdrawn. It can be made again.",
            withdrawn.document,
            withdrawn.number,
            withdrawn.reason,
            withdrawn.files_marked
        );
    }
}

/// Runs the job in this process when asked, then reports it.
async fn finish(
    core: &Sitebook,
    session: &Session,
    queued: QueuedDocument,
    wait: bool,
    what: &str,
    out: &Printer,
) -> Result<(), Failure> {
    if !out.is_json() {
        if let Some(caps_from) = &queued.caps_from {
            say!("{what}: items and caps as per {caps_from}.");
        }
        for warning in &queued.warnings {
            tell!("warning: {warning}");
        }
    }
    if !wait {
        if out.is_json() {
            out.json(&queued);
        } else {
            say!(
                "{what}: job {} queued (inputs sha256 {}).",
                queued.job_id,
                queued.inputs_sha256
            );
        }
        return Ok(());
    }
    let ran = async {
        let pool = core
            .start_workers_for(session, Some(1), &[queued.job_id])
            .await?;
        let job = core.job_wait(session, queued.job_id, |_| {}).await;
        pool.shutdown().await;
        let job = job?;
        let outputs = core.outputs_list(session, Some(job.id)).await?;
        Ok::<_, sitebook_core::Error>((job, outputs))
    };
    let (job, outputs) = match ran.await {
        Ok(ran) => ran,
        Err(error) => {
            // The document is recorded whatever stopped the wait (a full disk): saying only
            // the error would have it made a second time.
            tell!(
                "{what} is recorded, and job {} that draws it is queued, but it could not be \
                 run now; it runs when the app or `sitebook worker` does (`sitebook jobs wait \
                 {}` follows it). Do not make it again.",
                queued.job_id,
                queued.job_id
            );
            return Err(error.into());
        }
    };
    if out.is_json() {
        out.json(&serde_json::json!({ "queued": queued, "job": job, "outputs": outputs }));
    } else if job.status == JobStatus::Completed {
        say!("{what}: job {} completed.", job.id);
        // What the drawing had to say (a character no font has, a soft time limit), which the
        // job keeps in its log: said here too, not only by `jobs show`.
        for entry in job.error_log.iter().filter(|e| e.attempt == job.attempts) {
            tell!("warning: {}", entry.error);
        }
        for output in &outputs {
            say!(
                "  output {}  {}  ({} bytes)",
                output.id,
                output.filename,
                output.size
            );
        }
    }
    if job.status != JobStatus::Completed {
        out.error(
            ErrorCode::JobFailed.as_str(),
            &format!(
                "{what}: job {} {}: {}",
                job.id,
                job.status.as_str(),
                job.error_message.as_deref().unwrap_or("no reason recorded")
            ),
        );
        return Err(Failure::Reported(1));
    }
    Ok(())
}

pub async fn work(
    core: &Sitebook,
    session: &Session,
    command: &WorkCommand,
    out: &Printer,
) -> Result<(), Failure> {
    match command {
        WorkCommand::Show { estimate } => {
            print_work(&core.work_show(session, *estimate).await?, out)
        }
        WorkCommand::Edit(args) => {
            let work = core
                .work_edit(session, args.estimate, changes(args))
                .await?;
            print_work(&work, out);
        }
    }
    Ok(())
}

pub async fn bill(
    core: &Sitebook,
    session: &Session,
    command: &BillCommand,
    out: &Printer,
) -> Result<(), Failure> {
    match command {
        BillCommand::Create {
            estimate,
            kind,
            quantities,
            recovery,
            wait,
        } => {
            let recoveries = recovery
                .iter()
                .map(|text| crate::deductions::recovery(text))
                .collect::<Result<Vec<_>, _>>()?;
            let quantities = match quantities {
                Some(path) => Some(stateless::quantities_from_csv(
                    &path.display().to_string(),
                    &read_text(path)?,
                    "till_date_qty",
                )?),
                None => None,
            };
            let queued = core
                .bill_create_with(session, *estimate, (*kind).into(), quantities, recoveries)
                .await?;
            let what = format!("Bill {}", queued.number.unwrap_or_default());
            finish(core, session, queued, *wait, &what, out).await
        }
        BillCommand::List {
            estimate,
            withdrawn: true,
        } => withdrawals(core, session, (ChainDocument::Bill, *estimate), true, out).await,
        BillCommand::List { estimate, .. } => {
            let bills = core.bill_list(session, *estimate).await?;
            out.table(
                &bills,
                &[
                    "BILL",
                    "KIND",
                    "GROSS",
                    "NET PAYABLE",
                    "JOB",
                    "CREATED",
                    "INPUTS SHA256",
                ],
                |b| {
                    let money = |figure: Option<rust_decimal::Decimal>| {
                        figure.map_or_else(|| "-".to_owned(), format_indian)
                    };
                    vec![
                        b.number.to_string(),
                        if b.is_final { "final" } else { "part" }.to_string(),
                        money(b.gross),
                        money(b.net_payable),
                        b.job_id.map(|j| j.to_string()).unwrap_or_default(),
                        b.created_at.clone(),
                        b.inputs_sha256.chars().take(16).collect(),
                    ]
                },
            );
            withdrawals(core, session, (ChainDocument::Bill, *estimate), false, out).await
        }
        BillCommand::Withdraw {
            estimate,
            number,
            reason,
        } => {
            let withdrawn = core
                .document_withdraw(session, *estimate, ChainDocument::Bill, *number, reason)
                .await?;
            print_withdrawn(&withdrawn, out);
            Ok(())
        }
        BillCommand::Render { .. } => unreachable!("handled without a database"),
    }
}

/// The withdrawn documents of a chain: listed, for `bill list --withdrawn` and `workslip list
/// --withdrawn`; otherwise, after the chain's own list, counted with how to see them, since the
/// list shows the chain as it stands, and a number made again would hide that an earlier one
/// was issued.
async fn withdrawals(
    core: &Sitebook,
    session: &Session,
    (document, estimate): (ChainDocument, i64),
    listed: bool,
    out: &Printer,
) -> Result<(), Failure> {
    if !listed && out.is_json() {
        return Ok(());
    }
    let withdrawn = core
        .document_withdrawn_list(session, document, estimate)
        .await?;
    let (number, one, many, command) = match document {
        ChainDocument::Bill => ("BILL", "bill was", "bills were", "bill"),
        ChainDocument::Workslip => ("WORK SLIP", "work slip was", "work slips were", "workslip"),
    };
    if listed {
        out.table(
            &withdrawn,
            &[number, "JOB", "CREATED", "WITHDRAWN", "BY", "REASON"],
            |w| {
                vec![
                    w.number.to_string(),
                    w.job_id.map(|j| j.to_string()).unwrap_or_default(),
                    w.created_at.clone(),
                    w.withdrawn_at.clone(),
                    w.withdrawn_by.clone(),
                    w.reason.clone(),
                ]
            },
        );
        return Ok(());
    }
    let show = format!("`sitebook {command} list {estimate} --withdrawn`");
    match withdrawn.len() {
        0 => {}
        1 => tell!("1 {one} withdrawn; {show} shows it."),
        count => tell!("{count} {many} withdrawn; {show} shows them."),
    }
    Ok(())
}

/// `sitebook bill render`: parse in the worker process, then render a first bill.
pub async fn render_quick(command: &BillCommand, out: &Printer) -> Result<(), Failure> {
    let BillCommand::Render {
        file,
        kind,
        tp,
        tp_type,
        out: dir,
        sheet,
        overwrite,
    } = command
    else {
        unreachable!("only bill render comes here");
    };
    let premium = tender_premium(tp, *tp_type)?;
    let parsed = stateless::parse_workbook(file)
        .await
        .map_err(|(code, message)| {
            out.error(&code, &message);
            Failure::Reported(1)
        })?;
    let bill = stateless::write_quick_first_bill(
        &parsed,
        file,
        sheet.as_deref(),
        matches!(kind, FirstBillKindArg::FirstFinal),
        premium,
        dir,
        if *overwrite {
            IfExists::Replace
        } else {
            IfExists::Refuse
        },
    )?;
    // A workbook of several estimates (an old copy, often hidden) is billed from one: which,
    // and what the parse found on it, are said whatever the output's form.
    if !bill.other_sheets.is_empty() {
        let others: Vec<String> = bill
            .other_sheets
            .iter()
            .map(|name| format!("'{name}'"))
            .collect();
        tell!(
            "note: billed from sheet '{}'; the workbook's other estimate sheets ({}) can be \
             billed with --sheet NAME.",
            bill.sheet,
            others.join(", ")
        );
    }
    for warning in &bill.warnings {
        tell!("warning {:<14} {}", warning.cell, warning.message);
    }
    let written: Vec<String> = bill
        .written
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    if out.is_json() {
        out.json(&written);
    } else {
        for path in written {
            say!("Wrote {path}");
        }
        tell!(
            "note: a preview without the memorandum of payments or the bill form; upload the \
             workbook and use `bill create` for the bill to pay."
        );
    }
    Ok(())
}

pub async fn workslip(
    core: &Sitebook,
    session: &Session,
    command: &WorkslipCommand,
    out: &Printer,
) -> Result<(), Failure> {
    let (estimate, executed, supplemental, rates, wait) = match command {
        WorkslipCommand::Create {
            estimate,
            executed,
            supplemental,
            rates,
            wait,
        } => (estimate, executed, supplemental, rates, wait),
        WorkslipCommand::List {
            estimate,
            withdrawn: true,
        } => {
            let chain = (ChainDocument::Workslip, *estimate);
            return withdrawals(core, session, chain, true, out).await;
        }
        WorkslipCommand::List { estimate, .. } => {
            let slips = core.workslip_list(session, *estimate).await?;
            out.table(
                &slips,
                // A work slip a bill follows cannot be withdrawn before that bill.
                &[
                    "WORK SLIP",
                    "JOB",
                    "CREATED",
                    "INPUTS SHA256",
                    "FOLLOWED BY",
                ],
                |w| {
                    vec![
                        w.phase.to_string(),
                        w.job_id.map(|j| j.to_string()).unwrap_or_default(),
                        w.created_at.clone(),
                        w.inputs_sha256.chars().take(16).collect(),
                        w.followed_by_bill
                            .map(|bill| format!("bill {bill}"))
                            .unwrap_or_default(),
                    ]
                },
            );
            return withdrawals(
                core,
                session,
                (ChainDocument::Workslip, *estimate),
                false,
                out,
            )
            .await;
        }
        WorkslipCommand::Withdraw {
            estimate,
            phase,
            reason,
        } => {
            let withdrawn = core
                .document_withdraw(session, *estimate, ChainDocument::Workslip, *phase, reason)
                .await?;
            print_withdrawn(&withdrawn, out);
            return Ok(());
        }
    };
    let executed = stateless::quantities_from_csv(
        &executed.display().to_string(),
        &read_text(executed)?,
        "executed_qty",
    )?;
    let supplemental = match supplemental {
        Some(path) => {
            stateless::supplemental_from_csv(&path.display().to_string(), &read_text(path)?)?
        }
        None => Vec::new(),
    };
    let rates = match rates {
        Some(path) => stateless::rates_from_csv(&path.display().to_string(), &read_text(path)?)?,
        None => Vec::new(),
    };
    let queued = core
        .workslip_create(session, *estimate, executed, supplemental, rates)
        .await?;
    let what = format!("Work slip {}", queued.number.unwrap_or_default());
    finish(core, session, queued, *wait, &what, out).await
}

pub async fn estimate_abstract(
    core: &Sitebook,
    session: &Session,
    estimate: i64,
    wait: bool,
    out: &Printer,
) -> Result<(), Failure> {
    let queued = core.estimate_abstract(session, estimate).await?;
    finish(core, session, queued, wait, "Estimate abstract", out).await
}

//! Shared fixtures for the core integration tests: a core on a temp data dir with a clock the
//! test controls, and short-hands for creating people and organizations, uploading estimates
//! and queueing bills and work slips through the real API.

#![allow(dead_code)]

pub mod libreoffice;
pub mod s3_server;

use chrono::{TimeZone, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use sitebook_core::api::OpenOptions;
use sitebook_core::clock::Clock;
use sitebook_core::documents::input_csv::SupplementalLine;
use sitebook_core::documents::{BillView, QueuedDocument, WorkChanges, WorkslipView};
use sitebook_core::domain::bill::{BillKind, ItemQuantity};
use sitebook_core::domain::permissions::{MembershipRole, UserKind};
use sitebook_core::domain::work::WorkMetadata;
use sitebook_core::tenancy::accounts::{NewAccount, Password};
use sitebook_core::tenancy::orgs::{NewOrg, OrgType};
use sitebook_core::tenancy::session::Session;
use sitebook_core::Sitebook;
use tempfile::TempDir;

pub const PASSWORD: &str = "correct horse";

pub struct Fixture {
    pub core: Sitebook,
    pub root: Session,
    pub dir: TempDir,
    /// The keyring this core keeps secrets in: an in-memory mock, never the machine's own.
    pub keyring: std::sync::Arc<keyring_core::CredentialStore>,
}

/// Options for a test device: a manual clock, a fixed device name, and the dedicated worker
/// program for parsing.
pub fn test_options(dir: &std::path::Path, clock: Clock) -> OpenOptions {
    let mut options = OpenOptions::new(dir);
    options.clock = clock;
    options.device = Some("test-device".into());
    options.jobs.worker_program = sitebook_core::jobs::WorkerProgram::Program(
        env!("CARGO_BIN_EXE_sitebook-parse-worker").into(),
    );
    options.jobs.poll_interval = std::time::Duration::from_millis(50);
    options.keyring = sitebook_core::secrets::KeyringChoice::Store(
        keyring_core::mock::Store::new().expect("mock keyring"),
    );
    options
}

pub fn test_clock() -> Clock {
    Clock::manual(Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap())
}

/// A fresh device with its first account (`root`, a superuser) signed in.
pub async fn fixture() -> Fixture {
    fixture_with(|_| {}).await
}

/// A fresh device (as [`fixture`]) with `workbook` uploaded and parsed, and its estimate id.
pub async fn fixture_with_estimate(workbook: Vec<u8>) -> (Fixture, i64) {
    let fx = fixture().await;
    let estimate = fx.parsed_estimate(workbook).await;
    (fx, estimate)
}

/// Like [`fixture`], with the options adjusted first.
pub async fn fixture_with(adjust: impl FnOnce(&mut OpenOptions)) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut options = test_options(dir.path(), test_clock());
    adjust(&mut options);
    let keyring = match &options.keyring {
        sitebook_core::secrets::KeyringChoice::Store(store) => store.clone(),
        _ => keyring_core::mock::Store::new().expect("mock keyring"),
    };
    let core = Sitebook::open(options).await.expect("core opens");
    let root = core
        .init_first_account("root", "Root Admin", Password::new(PASSWORD))
        .await
        .expect("first account");
    Fixture {
        core,
        root,
        dir,
        keyring,
    }
}

impl Fixture {
    /// The estimate's items as root sees them shown: serial, quantity and rate, parsed from the
    /// text the estimate view gives (headings and unnumbered rows left out).
    #[allow(dead_code)]
    pub async fn items_shown(&self, estimate: i64) -> Vec<(String, Decimal, Decimal)> {
        let shown = self.core.estimate_show(&self.root, estimate).await.unwrap();
        shown
            .items
            .iter()
            .filter(|i| !i.heading && !i.sl_no.is_empty())
            .map(|i| {
                (
                    i.sl_no.clone(),
                    i.quantity.as_deref().unwrap().parse().unwrap(),
                    i.rate.as_deref().unwrap().parse().unwrap(),
                )
            })
            .collect()
    }

    /// Runs the queued jobs on one worker until `job_id` ends, asserts it completed, and
    /// returns it.
    pub async fn completed_job(&self, job_id: i64) -> sitebook_core::jobs::queue::JobView {
        self.completed_job_as(&self.root, job_id).await
    }

    /// [`Fixture::completed_job`], waited for as `session` (a job of another org's).
    pub async fn completed_job_as(
        &self,
        session: &Session,
        job_id: i64,
    ) -> sitebook_core::jobs::queue::JobView {
        let pool = self.core.start_workers(Some(1)).await.unwrap();
        let job = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            self.core.job_wait(session, job_id, |_| {}),
        )
        .await
        .expect("the job ends")
        .unwrap();
        pool.shutdown().await;
        assert_eq!(
            job.status,
            sitebook_core::jobs::JobStatus::Completed,
            "{job:?}"
        );
        job
    }

    /// Writes `workbook` as `name` in the device's folder, uploads it as `session` and waits
    /// for its parse job to end (workers must be running); returns that job.
    pub async fn upload_and_wait(
        &self,
        session: &Session,
        name: &str,
        workbook: Vec<u8>,
    ) -> sitebook_core::jobs::queue::JobView {
        let path = self.dir.path().join(name);
        std::fs::write(&path, workbook).unwrap();
        let outcome = self.core.upload(session, &[path]).await.unwrap();
        self.core
            .job_wait(session, outcome[0].job_id.unwrap(), |_| {})
            .await
            .unwrap()
    }

    /// Uploads a workbook as root, runs its parse job to the end and returns the estimate id.
    pub async fn parsed_estimate(&self, workbook: Vec<u8>) -> i64 {
        let path = self.dir.path().join("works.xlsx");
        std::fs::write(&path, workbook).unwrap();
        let outcome = self.core.upload(&self.root, &[path]).await.unwrap();
        let job = self.completed_job(outcome[0].job_id.unwrap()).await;
        job.estimate_id.unwrap()
    }

    /// Runs the queued jobs until `job_id` ends, asserts it completed, and returns the paths of
    /// its PDF and XLSX outputs (in root's own org folder).
    pub async fn rendered(&self, job_id: i64) -> (std::path::PathBuf, std::path::PathBuf) {
        let files = self.rendered_all(job_id).await;
        let main = |extension: &str| {
            files
                .iter()
                .find(|path| {
                    let name = path.file_name().unwrap().to_string_lossy();
                    name.ends_with(extension) && !name.contains("-deviation")
                })
                .unwrap_or_else(|| panic!("no {extension} among {files:?}"))
                .clone()
        };
        (main(".pdf"), main(".xlsx"))
    }

    /// Runs the queued jobs until `job_id` ends, asserts it completed, and returns the paths of
    /// every file it wrote (a work slip's deviation statement too).
    pub async fn rendered_all(&self, job_id: i64) -> Vec<std::path::PathBuf> {
        self.completed_job(job_id).await;
        self.core
            .outputs_list(&self.root, Some(job_id))
            .await
            .unwrap()
            .iter()
            .map(|output| self.dir.path().join("outputs/root").join(&output.filename))
            .collect()
    }

    /// Saves `changes` to the work data of `estimate` as root and returns the work as saved.
    pub async fn edit_work(&self, estimate: i64, changes: WorkChanges) -> WorkMetadata {
        self.core
            .work_edit(&self.root, estimate, changes)
            .await
            .expect("work data saved")
    }

    /// Sets the sanctioned grand total in the work data of `estimate` (a workbook without a
    /// Grand Total row leaves it 0, and a work slip waits for it).
    pub async fn set_grand_total(&self, estimate: i64, grand_total: &str) {
        self.edit_work(
            estimate,
            WorkChanges {
                grand_total: Some(grand_total.into()),
                ..WorkChanges::default()
            },
        )
        .await;
    }

    /// Queues a bill of `kind` on `estimate` as root (`None`: the default quantities).
    pub async fn queue_bill(
        &self,
        estimate: i64,
        kind: BillKind,
        quantities: Option<Vec<ItemQuantity>>,
    ) -> QueuedDocument {
        self.core
            .bill_create(&self.root, estimate, kind, quantities)
            .await
            .expect("bill queued")
    }

    /// Queues a bill of `kind` on `estimate` as root at these till-date quantities by item.
    pub async fn queue_bill_at(
        &self,
        estimate: i64,
        kind: BillKind,
        items: &[(&str, Decimal)],
    ) -> QueuedDocument {
        self.queue_bill(estimate, kind, Some(quantities(items)))
            .await
    }

    /// Queues a work slip on `estimate` as root with these executed and supplemental items.
    pub async fn queue_workslip(
        &self,
        estimate: i64,
        executed: Vec<ItemQuantity>,
        supplemental: Vec<SupplementalLine>,
    ) -> QueuedDocument {
        self.core
            .workslip_create(&self.root, estimate, executed, supplemental, Vec::new())
            .await
            .expect("work slip queued")
    }

    /// The bills saved on `estimate`, as root lists them.
    pub async fn bills(&self, estimate: i64) -> Vec<BillView> {
        self.core
            .bill_list(&self.root, estimate)
            .await
            .expect("bill list")
    }

    /// The work slips saved on `estimate`, as root lists them.
    pub async fn workslips(&self, estimate: i64) -> Vec<WorkslipView> {
        self.core
            .workslip_list(&self.root, estimate)
            .await
            .expect("work slip list")
    }

    /// Two orgs, AAA and BBB, with `alice` and `bert` holding `role` in one each, signed in.
    pub async fn two_orgs(&self, role: MembershipRole) -> (Session, Session) {
        self.org("AAA").await;
        self.org("BBB").await;
        self.user("alice", UserKind::Standard, Some(("AAA", role)))
            .await;
        self.user("bert", UserKind::Standard, Some(("BBB", role)))
            .await;
        (self.sign_in("alice").await, self.sign_in("bert").await)
    }

    pub async fn org(&self, code: &str) {
        self.core
            .org_create(
                &self.root,
                NewOrg {
                    code: code.into(),
                    name: format!("Organization {code}"),
                    org_type: OrgType::Ministry,
                },
            )
            .await
            .expect("org created");
    }

    /// An account of `kind` with no personal org, and a membership in `org` when given.
    pub async fn user(&self, name: &str, kind: UserKind, org: Option<(&str, MembershipRole)>) {
        let mut root = self.root.clone();
        let role = match org {
            Some((code, role)) => {
                self.core
                    .org_switch(&mut root, code)
                    .await
                    .expect("root enters");
                Some(role)
            }
            None => {
                // A root session with no active org adds nobody anywhere.
                root = self.sign_in_without_org("root").await;
                None
            }
        };
        self.core
            .user_add(
                &root,
                NewAccount {
                    username: name.into(),
                    full_name: format!("{name} Person"),
                    kind,
                    password: Password::new(PASSWORD),
                    personal_org: false,
                },
                role,
            )
            .await
            .expect("user added");
    }

    /// A standard account holding `role` in `org` (which must exist), with no personal org.
    pub async fn member(&self, name: &str, org: &str, role: MembershipRole) {
        self.user(name, UserKind::Standard, Some((org, role))).await;
    }

    /// Root's session switched into `org`.
    pub async fn root_in(&self, org: &str) -> Session {
        let mut root = self.root.clone();
        self.core
            .org_switch(&mut root, org)
            .await
            .expect("root enters");
        root
    }

    pub async fn sign_in(&self, name: &str) -> Session {
        self.core
            .sign_in(name, Password::new(PASSWORD), None)
            .await
            .expect("sign in")
    }

    pub async fn sign_in_to(&self, name: &str, org: &str) -> Session {
        self.core
            .sign_in(name, Password::new(PASSWORD), Some(org))
            .await
            .expect("sign in to org")
    }

    async fn sign_in_without_org(&self, name: &str) -> Session {
        // Root's default org is its personal one; step outside every org explicitly.
        self.sign_in(name).await.without_active_org()
    }

    /// Every audit row, newest first, as seen by root.
    pub async fn audit(&self) -> Vec<sitebook_core::tenancy::audit_log::AuditEntry> {
        self.core
            .audit_list(
                &self.root,
                sitebook_core::tenancy::audit_log::AuditFilter {
                    denied_only: false,
                    limit: 100_000,
                },
            )
            .await
            .expect("audit list")
    }
}

/// Rounds to paise, halves away from zero (DOMAIN.md's ROUND2).
pub fn round2(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Indian grouping (12,34,567.89, a sign before a negative), written out here so the tests
/// share no code with the renderer.
pub fn indian(value: Decimal) -> String {
    let text = format!("{:.2}", round2(value).abs());
    let (whole, paise) = text.split_once('.').unwrap();
    let digits: Vec<char> = whole.chars().collect();
    let mut out = String::new();
    let n = digits.len();
    for (i, d) in digits.iter().enumerate() {
        let left = n - i;
        if i > 0 && (left == 3 || (left > 3 && (left - 3).is_multiple_of(2))) {
            out.push(',');
        }
        out.push(*d);
    }
    let sign = if value < Decimal::ZERO { "-" } else { "" };
    format!("{sign}{out}.{paise}")
}

/// Work data with only the agreement's tender premium set: `percent` % less.
pub fn less_premium(percent: &str) -> WorkChanges {
    WorkChanges {
        tp_percent: Some(percent.into()),
        tp_type: Some("less".into()),
        ..WorkChanges::default()
    }
}

/// A bill's warnings other than those about its work data (no DOBR, or the previous bill's MB
/// pages or DOBR printed again), for tests about the quantities that leave the dates unset.
#[allow(dead_code)]
pub fn besides_work_data(warnings: &[String]) -> Vec<String> {
    warnings
        .iter()
        .filter(|w| {
            !w.starts_with("The work data has no date of bill recording")
                && !w.contains(" prints the same ")
        })
        .cloned()
        .collect()
}

/// Executed quantities by item number, as a bill or a work slip takes them.
pub fn quantities(items: &[(&str, Decimal)]) -> Vec<ItemQuantity> {
    items
        .iter()
        .map(|&(sl_no, quantity)| ItemQuantity::new(sl_no, quantity))
        .collect()
}

/// Supplemental item S1, extra earth work excavation in Cum at `rate`, `executed` of it.
pub fn extra_excavation(rate: Decimal, executed: Decimal) -> SupplementalLine {
    SupplementalLine {
        sl_no: "S1".into(),
        description: "Extra earth work excavation".into(),
        unit: "Cum".into(),
        rate,
        executed,
        origin: None,
    }
}

/// A PDF's text as `pdftotext -layout` gives it (installed by scripts/install-system-deps.sh).
pub fn pdf_text(path: &std::path::Path) -> String {
    let output = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext is installed by scripts/install-system-deps.sh");
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

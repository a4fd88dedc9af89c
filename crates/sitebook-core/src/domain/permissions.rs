//! Who may do what: user kinds, membership roles, the effective role they combine into, and the
//! one static permission table (effective role × action).
//!
//! This is pure data and logic so that the rules can be read in one screen and pinned by a golden
//! test. The gate (`tenancy::gate`) is the only caller that turns a verdict into access.
//!
//! How a user's kind and membership combine:
//! - `superuser` acts as [`EffectiveRole::Superuser`] in every org, member or not.
//! - `oversight` acts as [`EffectiveRole::Oversight`] in every org, even one where it holds a
//!   membership: oversight staff change nothing anywhere, so the kind outranks the membership.
//! - `operations` acts as [`EffectiveRole::Operations`] (admin powers, never owner) in every org;
//!   only a real owner membership makes it an owner there.
//! - `standard` acts with its membership role, and cannot enter an org without one.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A global account kind, independent of any organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum UserKind {
    /// An ordinary account: it acts only with its membership role, and only in organizations it
    /// belongs to.
    Standard,
    /// Staff with admin powers in every organization; an owner only where it holds an owner
    /// membership.
    Operations,
    /// Read-only staff: may look at every organization and its audit log, and change nothing.
    Oversight,
    /// Full powers in every organization, plus the actions outside any organization (creating
    /// accounts and organizations, device settings).
    Superuser,
}

impl UserKind {
    /// Every kind, for going through them all (parsing, tests, pickers).
    pub const ALL: [UserKind; 4] = [
        UserKind::Standard,
        UserKind::Operations,
        UserKind::Oversight,
        UserKind::Superuser,
    ];

    /// The lowercase name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::Standard => "standard",
            UserKind::Operations => "operations",
            UserKind::Oversight => "oversight",
            UserKind::Superuser => "superuser",
        }
    }

    /// Reads a kind from its stored name, ignoring case and surrounding spaces; `None` if unknown.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// Kinds whose audit view spans every organization.
    pub fn reads_every_audit(self) -> bool {
        permits_global(self, GlobalAction::AuditViewAll)
    }

    /// Kinds that may enter every active organization without a membership.
    pub fn reaches_every_org(self) -> bool {
        !matches!(self, UserKind::Standard)
    }
}

/// A role held through a membership in one organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum MembershipRole {
    // Declared weakest first so that `Ord` ranks roles.
    /// May look at the organization's estimates, jobs and outputs, and change nothing.
    Viewer,
    /// May upload workbooks, edit work data and generate documents.
    Member,
    /// A member who also manages members, settings, sync and deductions, and may withdraw
    /// documents.
    Admin,
    /// Full control of the organization, including renaming, deleting it and managing owners.
    Owner,
}

impl MembershipRole {
    /// Every role, strongest first.
    pub const ALL: [MembershipRole; 4] = [
        MembershipRole::Owner,
        MembershipRole::Admin,
        MembershipRole::Member,
        MembershipRole::Viewer,
    ];

    /// The lowercase name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            MembershipRole::Owner => "owner",
            MembershipRole::Admin => "admin",
            MembershipRole::Member => "member",
            MembershipRole::Viewer => "viewer",
        }
    }

    /// Reads a role from its stored name, ignoring case and surrounding spaces; `None` if unknown.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// The role a user actually acts with inside the active organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum EffectiveRole {
    /// Holds an owner membership: may do everything in the organization.
    Owner,
    /// Holds an admin membership: manages members and settings, but not owners.
    Admin,
    /// Holds a member membership: does the everyday work on estimates and documents.
    Member,
    /// Holds a viewer membership: reads only.
    Viewer,
    /// An operations account: acts as an admin in every organization, without being a member.
    Operations,
    /// An oversight account: reads everything, including the audit log, and changes nothing.
    Oversight,
    /// A superuser account: may do everything in every organization.
    Superuser,
}

impl EffectiveRole {
    /// Every effective role, in the column order of the permission table.
    pub const ALL: [EffectiveRole; 7] = [
        EffectiveRole::Owner,
        EffectiveRole::Admin,
        EffectiveRole::Member,
        EffectiveRole::Viewer,
        EffectiveRole::Operations,
        EffectiveRole::Oversight,
        EffectiveRole::Superuser,
    ];

    /// The lowercase name used in the audit log and the TypeScript bindings.
    pub fn as_str(self) -> &'static str {
        match self {
            EffectiveRole::Owner => "owner",
            EffectiveRole::Admin => "admin",
            EffectiveRole::Member => "member",
            EffectiveRole::Viewer => "viewer",
            EffectiveRole::Operations => "operations",
            EffectiveRole::Oversight => "oversight",
            EffectiveRole::Superuser => "superuser",
        }
    }

    /// The words a person sees on the role badge.
    pub fn label(self) -> &'static str {
        match self {
            EffectiveRole::Owner => "Owner",
            EffectiveRole::Admin => "Admin",
            EffectiveRole::Member => "Member",
            EffectiveRole::Viewer => "Viewer",
            EffectiveRole::Operations => "Operations",
            EffectiveRole::Oversight => "Oversight · read-only",
            EffectiveRole::Superuser => "Superuser",
        }
    }

    /// True when no write action is permitted to this role.
    pub fn is_read_only(self) -> bool {
        // Leaving the org oneself changes no one's work, so a viewer who may leave is still a
        // read-only role.
        Action::ALL
            .iter()
            .filter(|action| action.is_write() && **action != Action::MembershipLeave)
            .all(|&action| !permits(self, action))
    }

    fn column(self) -> usize {
        match self {
            EffectiveRole::Owner => 0,
            EffectiveRole::Admin => 1,
            EffectiveRole::Member => 2,
            EffectiveRole::Viewer => 3,
            EffectiveRole::Operations => 4,
            EffectiveRole::Oversight => 5,
            EffectiveRole::Superuser => 6,
        }
    }
}

/// Combines a global kind with an optional membership. `None` means the user may not enter the
/// organization at all.
pub fn effective_role(kind: UserKind, membership: Option<MembershipRole>) -> Option<EffectiveRole> {
    match (kind, membership) {
        (UserKind::Superuser, _) => Some(EffectiveRole::Superuser),
        (UserKind::Oversight, _) => Some(EffectiveRole::Oversight),
        (UserKind::Operations, Some(MembershipRole::Owner)) => Some(EffectiveRole::Owner),
        (UserKind::Operations, _) => Some(EffectiveRole::Operations),
        (UserKind::Standard, Some(role)) => Some(match role {
            MembershipRole::Owner => EffectiveRole::Owner,
            MembershipRole::Admin => EffectiveRole::Admin,
            MembershipRole::Member => EffectiveRole::Member,
            MembershipRole::Viewer => EffectiveRole::Viewer,
        }),
        (UserKind::Standard, None) => None,
    }
}

/// Whether an action only reads, or changes something. Read-only roles get no writes, whatever
/// the table says; a unit test holds the table to that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The action only looks at data.
    Read,
    /// The action changes data, so read-only roles never get it.
    Write,
}

/// Every org-scoped thing a person can ask to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Action {
    /// Open the organization and see its name.
    OrgView,
    /// Give the organization a new name.
    OrgRename,
    /// Delete the organization.
    OrgDelete,
    /// Grant or revoke the owner role.
    OwnersManage,
    /// See the list of members and their roles.
    MembersView,
    /// Add or remove members and change their roles (other than owner).
    MembersManage,
    /// Read the organization's audit log.
    AuditView,
    /// Change the organization's settings, such as the currency mark printed before amounts.
    SettingsEdit,
    /// Upload estimate workbooks to be parsed, by hand or through the inbox folder.
    UploadCreate,
    /// See the parsed estimates.
    EstimatesView,
    /// See the job queue and each job's progress.
    JobsView,
    /// Cancel a job one started oneself.
    JobCancelOwn,
    /// Cancel a job anyone in the organization started.
    JobCancelAny,
    /// Queue again a failed or cancelled job one started oneself.
    JobRetry,
    /// Queue again anyone's failed or cancelled job: it can undo another person's cancelling,
    /// so it takes the rights that cancel anyone's job.
    JobRetryAny,
    /// Change a work's details (entered once per work, printed on every bill and work slip).
    WorkEdit,
    /// Generate bills and work slips.
    DocumentGenerate,
    /// See the generated documents.
    OutputsView,
    /// Copy a generated document out of the data folder; it counts as a download.
    OutputExport,
    /// Delete generated documents never downloaded and older than a given number of days.
    OutputsCleanup,
    /// See the sync target and how far the outputs are synced.
    SyncView,
    /// Set up, test, run or turn off sync to the bucket, and restore outputs from it.
    SyncConfigure,
    /// Make a link that downloads a synced document without signing in.
    OutputShare,
    /// Set or clear this device's inbox folder, whose new workbooks are uploaded on their own.
    InboxConfigure,
    /// Leaving an organization oneself (removing others is `MembersManage`).
    MembershipLeave,
    /// Seeing the table of additions and deductions bills are paid by.
    DeductionsView,
    /// Changing that table (owners and admins, DOMAIN.md §2a).
    DeductionsEdit,
    /// Withdrawing the latest bill or work slip of a chain, with a reason.
    DocumentWithdraw,
}

const Y: bool = true;
const N: bool = false;

/// The permission matrix: one row per action, one column per effective role.
/// Columns: Owner, Admin, Member, Viewer, Operations, Oversight, Superuser.
#[rustfmt::skip]
const MATRIX: [(Action, &str, Access, [bool; 7]); 28] = [
    //  action                    audit name             access         Own Adm Mem Vie Ops Ovs Sup
    (Action::OrgView,          "org.view",            Access::Read,  [Y,  Y,  Y,  Y,  Y,  Y,  Y]),
    (Action::OrgRename,        "org.rename",          Access::Write, [Y,  N,  N,  N,  N,  N,  Y]),
    (Action::OrgDelete,        "org.delete",          Access::Write, [Y,  N,  N,  N,  N,  N,  Y]),
    (Action::OwnersManage,     "owners.manage",       Access::Write, [Y,  N,  N,  N,  N,  N,  Y]),
    (Action::MembersView,      "members.view",        Access::Read,  [Y,  Y,  N,  N,  Y,  Y,  Y]),
    (Action::MembersManage,    "members.manage",      Access::Write, [Y,  Y,  N,  N,  Y,  N,  Y]),
    (Action::AuditView,        "audit.view",          Access::Read,  [Y,  Y,  N,  N,  Y,  Y,  Y]),
    (Action::SettingsEdit,     "settings.edit",       Access::Write, [Y,  Y,  N,  N,  Y,  N,  Y]),
    (Action::UploadCreate,     "upload.create",       Access::Write, [Y,  Y,  Y,  N,  Y,  N,  Y]),
    (Action::EstimatesView,    "estimates.view",      Access::Read,  [Y,  Y,  Y,  Y,  Y,  Y,  Y]),
    (Action::JobsView,         "jobs.view",           Access::Read,  [Y,  Y,  Y,  Y,  Y,  Y,  Y]),
    (Action::JobCancelOwn,     "job.cancel_own",      Access::Write, [Y,  Y,  Y,  N,  Y,  N,  Y]),
    (Action::JobCancelAny,     "job.cancel_any",      Access::Write, [Y,  Y,  N,  N,  Y,  N,  Y]),
    (Action::JobRetry,         "job.retry",           Access::Write, [Y,  Y,  Y,  N,  Y,  N,  Y]),
    (Action::JobRetryAny,      "job.retry_any",       Access::Write, [Y,  Y,  N,  N,  Y,  N,  Y]),
    (Action::WorkEdit,         "work.edit",           Access::Write, [Y,  Y,  Y,  N,  Y,  N,  Y]),
    (Action::DocumentGenerate, "document.generate",   Access::Write, [Y,  Y,  Y,  N,  Y,  N,  Y]),
    (Action::OutputsView,      "outputs.view",        Access::Read,  [Y,  Y,  Y,  Y,  Y,  Y,  Y]),
    (Action::OutputExport,     "output.export",       Access::Read,  [Y,  Y,  Y,  Y,  Y,  Y,  Y]),
    (Action::OutputsCleanup,   "outputs.cleanup",     Access::Write, [Y,  Y,  N,  N,  Y,  N,  Y]),
    (Action::SyncView,         "sync.view",           Access::Read,  [Y,  Y,  Y,  Y,  Y,  Y,  Y]),
    (Action::SyncConfigure,    "sync.configure",      Access::Write, [Y,  Y,  N,  N,  Y,  N,  Y]),
    (Action::OutputShare,      "output.share",        Access::Write, [Y,  Y,  Y,  N,  Y,  N,  Y]),
    (Action::InboxConfigure,   "inbox.configure",     Access::Write, [Y,  Y,  Y,  N,  Y,  N,  Y]),
    (Action::MembershipLeave,  "membership.leave",    Access::Write, [Y,  Y,  Y,  Y,  Y,  N,  Y]),
    (Action::DeductionsView,   "deductions.view",     Access::Read,  [Y,  Y,  Y,  Y,  Y,  Y,  Y]),
    (Action::DeductionsEdit,   "deductions.edit",     Access::Write, [Y,  Y,  N,  N,  Y,  N,  Y]),
    (Action::DocumentWithdraw, "document.withdraw",   Access::Write, [Y,  Y,  N,  N,  Y,  N,  Y]),
];

impl Action {
    /// Every action, in the row order of the permission table.
    pub const ALL: [Action; 28] = {
        let mut all = [Action::OrgView; 28];
        let mut i = 0;
        while i < MATRIX.len() {
            all[i] = MATRIX[i].0;
            i += 1;
        }
        all
    };

    fn row(self) -> &'static (Action, &'static str, Access, [bool; 7]) {
        MATRIX
            .iter()
            .find(|row| row.0 == self)
            .expect("every action has a row in MATRIX")
    }

    /// The stable name written to the audit log.
    pub fn audit_name(self) -> &'static str {
        self.row().1
    }

    /// Whether the action only reads or also writes, from the permission table.
    pub fn access(self) -> Access {
        self.row().2
    }

    /// True when the action changes something, so read-only roles are refused it.
    pub fn is_write(self) -> bool {
        self.access() == Access::Write
    }

    /// What the action does, in words for a refusal message ("…does not allow you to …").
    pub fn describe(self) -> &'static str {
        match self {
            Action::OrgView => "open this organization",
            Action::OrgRename => "rename this organization",
            Action::OrgDelete => "delete this organization",
            Action::OwnersManage => "grant or revoke the owner role",
            Action::MembersView => "see the members",
            Action::MembersManage => "add, remove or change members",
            Action::AuditView => "see the audit log",
            Action::SettingsEdit => "change settings",
            Action::UploadCreate => "upload workbooks",
            Action::EstimatesView => "see estimates",
            Action::JobsView => "see jobs",
            Action::JobCancelOwn => "cancel your jobs",
            Action::JobCancelAny => "cancel other people's jobs",
            Action::JobRetry => "retry jobs",
            Action::JobRetryAny => "retry other people's jobs",
            Action::WorkEdit => "edit work data",
            Action::DocumentGenerate => "make documents (bills, work slips, abstracts)",
            Action::OutputsView => "see outputs",
            Action::OutputExport => "export outputs",
            Action::OutputsCleanup => "clean up outputs",
            Action::SyncView => "see the sync settings",
            Action::SyncConfigure => "set up or run the sync of outputs",
            Action::InboxConfigure => "set up the inbox folder",
            Action::MembershipLeave => "leave this organization",
            Action::OutputShare => "share outputs by link",
            Action::DeductionsView => "see the deductions table",
            Action::DeductionsEdit => "change the deductions table",
            Action::DocumentWithdraw => "withdraw a bill or work slip",
        }
    }
}

/// Actions that belong to no single organization. Only kinds, not memberships, decide them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum GlobalAction {
    /// Create an account of any kind other than `standard`, or a standard one outside any org.
    AccountCreate,
    /// Create a new organization.
    OrgCreate,
    /// Create organizations in bulk from a CSV file (`code,name,type`).
    OrgImport,
    /// Read the audit rows of every organization.
    AuditViewAll,
    /// Change this device's settings (output retention, worker count).
    DeviceSettings,
    /// Disable an account, so it signs in nowhere, or enable it again.
    AccountDisable,
    /// Accept the audit log as it stands as its new anchor, when the anchor file was lost.
    AuditReanchor,
    /// See every account on this computer, with its kind, state and organizations.
    AccountsView,
}

impl GlobalAction {
    /// Every global action.
    pub const ALL: [GlobalAction; 8] = [
        GlobalAction::AccountCreate,
        GlobalAction::OrgCreate,
        GlobalAction::OrgImport,
        GlobalAction::AuditViewAll,
        GlobalAction::DeviceSettings,
        GlobalAction::AccountDisable,
        GlobalAction::AuditReanchor,
        GlobalAction::AccountsView,
    ];

    /// The stable name written to the audit log.
    pub fn audit_name(self) -> &'static str {
        match self {
            GlobalAction::AccountCreate => "account.create",
            GlobalAction::OrgCreate => "org.create",
            GlobalAction::OrgImport => "org.import",
            GlobalAction::AuditViewAll => "audit.view_all",
            GlobalAction::DeviceSettings => "device.settings",
            GlobalAction::AccountDisable => "account.disable",
            GlobalAction::AuditReanchor => "audit.reanchor",
            GlobalAction::AccountsView => "accounts.view",
        }
    }

    /// What the action does, in words for a refusal message ("…does not allow you to …").
    pub fn describe(self) -> &'static str {
        match self {
            GlobalAction::AccountCreate => {
                "create accounts outside an organization or of a privileged kind"
            }
            GlobalAction::OrgCreate => "create organizations",
            GlobalAction::OrgImport => "import organizations",
            GlobalAction::AuditViewAll => "see the audit log of every organization",
            GlobalAction::DeviceSettings => "change this computer's settings",
            GlobalAction::AccountDisable => "disable or enable accounts",
            GlobalAction::AuditReanchor => "anchor the audit log afresh",
            GlobalAction::AccountsView => "see every account on this computer",
        }
    }
}

/// The verdict for actions outside any organization.
pub fn permits_global(kind: UserKind, action: GlobalAction) -> bool {
    match action {
        GlobalAction::AccountCreate
        | GlobalAction::OrgCreate
        | GlobalAction::OrgImport
        | GlobalAction::DeviceSettings
        | GlobalAction::AccountDisable
        | GlobalAction::AuditReanchor => kind == UserKind::Superuser,
        GlobalAction::AuditViewAll => matches!(kind, UserKind::Superuser | UserKind::Oversight),
        // Those who manage, or oversee, every organization see whom they work with; a
        // standard account sees the members of its own organizations only.
        GlobalAction::AccountsView => matches!(
            kind,
            UserKind::Superuser | UserKind::Operations | UserKind::Oversight
        ),
    }
}

/// The verdict of the permission table for one role and one action.
pub fn permits(role: EffectiveRole, action: Action) -> bool {
    action.row().3[role.column()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_appears_exactly_once() {
        for action in Action::ALL {
            assert_eq!(MATRIX.iter().filter(|row| row.0 == action).count(), 1);
        }
        let mut names: Vec<_> = MATRIX.iter().map(|row| row.1).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), MATRIX.len(), "audit names must be unique");
    }

    #[test]
    fn read_only_roles_have_no_write() {
        for role in [EffectiveRole::Viewer, EffectiveRole::Oversight] {
            assert!(role.is_read_only(), "{role:?} must not write");
        }
        for role in [
            EffectiveRole::Member,
            EffectiveRole::Admin,
            EffectiveRole::Owner,
        ] {
            assert!(!role.is_read_only());
        }
    }

    #[test]
    fn superuser_and_owner_may_do_everything() {
        for action in Action::ALL {
            assert!(permits(EffectiveRole::Superuser, action));
            assert!(permits(EffectiveRole::Owner, action));
        }
    }

    #[test]
    fn operations_acts_as_admin_never_owner() {
        for action in Action::ALL {
            assert_eq!(
                permits(EffectiveRole::Operations, action),
                permits(EffectiveRole::Admin, action),
                "{action:?}"
            );
        }
        assert!(!permits(EffectiveRole::Operations, Action::OwnersManage));
    }

    #[test]
    fn oversight_reads_everything_a_viewer_reads_and_the_audit() {
        for action in Action::ALL.into_iter().filter(|a| !a.is_write()) {
            assert!(permits(EffectiveRole::Oversight, action), "{action:?}");
        }
    }

    #[test]
    fn standard_users_need_a_membership() {
        assert_eq!(effective_role(UserKind::Standard, None), None);
        assert_eq!(
            effective_role(UserKind::Standard, Some(MembershipRole::Admin)),
            Some(EffectiveRole::Admin)
        );
        assert_eq!(
            effective_role(UserKind::Oversight, Some(MembershipRole::Owner)),
            Some(EffectiveRole::Oversight)
        );
        assert_eq!(
            effective_role(UserKind::Operations, Some(MembershipRole::Viewer)),
            Some(EffectiveRole::Operations)
        );
    }

    #[test]
    fn kinds_and_roles_parse_case_insensitively() {
        assert_eq!(UserKind::parse("Oversight"), Some(UserKind::Oversight));
        assert_eq!(
            MembershipRole::parse(" ADMIN "),
            Some(MembershipRole::Admin)
        );
        assert_eq!(MembershipRole::parse("boss"), None);
    }
}

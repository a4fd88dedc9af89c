//! The plain descriptions the tenancy modules share: who is acting ([`Principal`]) and what
//! kind of organization on which plan. They sit below the gate, the session, the audit log and
//! the organizations, so that none of those has to import another to name them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::domain::permissions::UserKind;

/// The signed-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The account's id in the `users` table.
    pub id: i64,
    /// The name the person signs in with.
    pub username: String,
    /// The person's name as shown and printed.
    pub full_name: String,
    /// The account's global kind, which with its membership decides its role in an organization.
    pub kind: UserKind,
}

/// What kind of body an organization is: chosen when it is created, shown, and used in no
/// permission check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum OrgType {
    /// A government ministry or department.
    Ministry,
    /// A government office.
    Office,
    /// A government agency.
    Agency,
    /// A special-purpose body that fits none of the other types.
    Special,
    /// A commission.
    Commission,
    /// A private company.
    Company,
    /// The personal organization made for an account on its own, which owns it.
    Personal,
}

impl OrgType {
    /// Every type, in the order messages list them.
    pub const ALL: [OrgType; 7] = [
        OrgType::Ministry,
        OrgType::Office,
        OrgType::Agency,
        OrgType::Special,
        OrgType::Commission,
        OrgType::Company,
        OrgType::Personal,
    ];

    /// The lowercase name stored in the database and written in import files.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgType::Ministry => "ministry",
            OrgType::Office => "office",
            OrgType::Agency => "agency",
            OrgType::Special => "special",
            OrgType::Commission => "commission",
            OrgType::Company => "company",
            OrgType::Personal => "personal",
        }
    }

    /// Reads a type from its stored name, ignoring case and surrounding spaces; `None` if unknown.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// The types an organization can be created or imported with: a personal one is made only
    /// with its account.
    pub(crate) fn expected() -> String {
        Self::ALL
            .into_iter()
            .filter(|t| *t != OrgType::Personal)
            .map(Self::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An organization's subscription plan; every new organization starts on `Free`, and no
/// permission depends on it yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Plan {
    /// The plan every organization starts on.
    Free,
    /// The first paid plan.
    Starter,
    /// A paid plan above `Starter`.
    Professional,
    /// The largest plan.
    Enterprise,
}

impl Plan {
    /// Every plan, smallest first.
    pub const ALL: [Plan; 4] = [
        Plan::Free,
        Plan::Starter,
        Plan::Professional,
        Plan::Enterprise,
    ];

    /// The lowercase name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Starter => "starter",
            Plan::Professional => "professional",
            Plan::Enterprise => "enterprise",
        }
    }

    /// Reads a plan from its stored name, ignoring case and surrounding spaces; `None` if unknown.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

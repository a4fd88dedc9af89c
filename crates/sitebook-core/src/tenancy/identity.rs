//! The plain descriptions the tenancy modules share: who is acting ([`Principal`]) and what
//! kind of organization on which plan. They sit below the gate, the session, the audit log and
//! the organizations, so that none of those has to import another to name them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::domain::permissions::UserKind;

/// The signed-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub kind: UserKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum OrgType {
    Ministry,
    Office,
    Agency,
    Special,
    Commission,
    Company,
    Personal,
}

impl OrgType {
    pub const ALL: [OrgType; 7] = [
        OrgType::Ministry,
        OrgType::Office,
        OrgType::Agency,
        OrgType::Special,
        OrgType::Commission,
        OrgType::Company,
        OrgType::Personal,
    ];

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

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
    }

    pub(crate) fn expected() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Plan {
    Free,
    Starter,
    Professional,
    Enterprise,
}

impl Plan {
    pub const ALL: [Plan; 4] = [
        Plan::Free,
        Plan::Starter,
        Plan::Professional,
        Plan::Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Starter => "starter",
            Plan::Professional => "professional",
            Plan::Enterprise => "enterprise",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

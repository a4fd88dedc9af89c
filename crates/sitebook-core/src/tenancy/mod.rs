//! Accounts, organizations, memberships, the session with its active organization, the gate,
//! and the audit log: who is acting, where, and whether they may.

pub mod accounts;
pub mod audit;
pub mod audit_chain;
pub mod audit_log;
pub mod gate;
pub mod identity;
pub mod memberships;
pub mod orgs;
pub mod session;

//! Each organisation runs itself. Its profile (names, contacts, rota, requirements) and its own
//! versions of policies and pages live in the store, are versioned and keep their history; the
//! profile file in `content/organisations/` is only the seed of a new organisation, imported
//! once. Several organisations share one deployment, each found by its host name.
//!
//! - [`profile`]: the stored profile; every save is checked with the content check's rules and
//!   kept in the history (who changed what, when).
//! - [`policies`]: an organisation's own versions of the provided AUPs and pages, and its own
//!   pages, published as minor or major versions after the content check.
//! - [`hosts`]: which organisation a host name serves, and the organisations of a deployment.
//! - [`directory`]: each organisation's content, cached per process and refreshed when a new
//!   version is saved or published (one read of a stamp at most every few seconds).

pub mod compare;
pub mod deployment;
pub mod directory;
pub mod hosts;
pub mod policies;
pub mod profile;

use crate::store::StoreError;
use crate::store::record::Malformed;

pub use deployment::{Deployment, DeploymentConfig};
pub use directory::{BaseContent, Directory, OrgContent};

/// Who made a change, as the history shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Author {
    pub id: String,
    pub name: String,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum TenancyError {
    /// What is wrong, one reason per problem; nothing was saved.
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
    /// Someone saved or published in between: nothing was saved; reload and try again.
    #[error("someone else changed it first")]
    Conflict,
    #[error("nothing changed")]
    NoChange,
    #[error("not found")]
    NotFound,
    /// Refused, with the reason for the person.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Corrupt(String),
}

impl From<Malformed> for TenancyError {
    fn from(m: Malformed) -> Self {
        TenancyError::Corrupt(m.to_string())
    }
}

/// Whether a transaction failed only because one of its conditions did not hold.
pub(crate) fn lost_race(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::ConditionFailed | StoreError::TransactionConditionFailed { .. }
    )
}

#[cfg(test)]
mod tests;

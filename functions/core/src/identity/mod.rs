//! Identity: the people of each organisation, their roles and what each role may do, and how
//! they sign in (emailed single-use links, short-lived signed sessions, CSRF tokens, rate
//! limits). No HTTP here: the web layer reads cookies and forms and calls these functions.
//!
//! Every function that touches the store takes the [`OrgId`](crate::org::OrgId) and builds its
//! keys through [`crate::keys`], so one organisation's people, links and sessions can never be
//! reached through another's.

pub mod csrf;
pub mod family;
pub mod import;
pub mod import_job;
pub mod jwt_crypto;
pub mod magic_link;
pub mod people;
pub mod safeguarders;
pub mod session;
pub mod sign_in_mail;
pub mod sso;

pub use import::{ImportPreview, ImportResult, RowFailure, RowPlan};
pub use import_job::{ImportJob, JobStatus};
pub use magic_link::{MagicLink, MagicLinkError};
pub use people::{NewPerson, PeopleError, Person};
pub use session::{SessionClaims, SessionError, SessionKeys};

#[cfg(test)]
mod tests;

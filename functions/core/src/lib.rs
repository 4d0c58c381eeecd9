//! The core of the online safety platform: everything that is true whatever the transport.
//! No HTTP and no UI here; the `web` function and the Leptos app call into this library.
//!
//! The modules import one way, each only from the layers below it (checked by
//! `module_graph_tests`, which fails on any cycle between these top-level modules):
//!
//! 1. `crypto`, `dates` (UK time), `env` (variables), `http_client`, `roles` (the permission
//!    table): import nothing of the crate.
//! 2. `store`, `secrets`, `mail` (mailers, links in emails), `org` (organisation id and profile).
//! 3. `keys` (every key built from the organisation id).
//! 4. `rate_limit`, `learning_state` (the learning records).
//! 5. `counters` (the dashboard counters; knows a person as `counters::Counted`).
//! 6. `identity` (people, sign-in, sessions, SSO, imports; writes the counters).
//! 7. `routing` (who reads which worry; the profile's safeguarding people and placeholders).
//! 8. `content` (the library, with the profile's and the routing's placeholders), `notify`.
//! 9. `learning`, `worry`, `governance` (safeguarding-role changes), `tenancy` (stored
//!    profiles, own policies, host names).
//! 10. `compliance`, `export` (read learning and the counters), `reports` (the safeguarding
//!     reports: read the worries' report entries), `concerns` (low-level concerns about staff;
//!     uses `worry`'s text checks).
//! 11. `reminders`; `function_main` (the functions' start-up) only reads `env`.
//! 12. `records` (person records: worries linked to a person, read through their routing).
//! 13. `retention` (retention periods, legal holds, deletion with tombstones: reads records).

pub mod compliance;
pub mod concerns;
pub mod content;
pub mod counters;
pub mod crypto;
pub mod dates;
pub mod env;
pub mod export;
#[cfg(feature = "function-main")]
pub mod function_main;
pub mod governance;
pub mod http_client;
pub mod identity;
pub mod keys;
pub mod learning;
pub mod learning_state;
pub mod mail;
#[cfg(test)]
mod module_graph_tests;
pub mod notify;
pub mod org;
pub mod rate_limit;
#[cfg(test)]
mod record_layout_tests;
pub mod records;
pub mod reminders;
pub mod reports;
pub mod retention;
pub mod roles;
pub mod routing;
pub mod secrets;
pub mod store;
pub mod tenancy;
pub mod worry;

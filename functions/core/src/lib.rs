//! The core of the online safety platform: everything that is true whatever the transport.
//! No HTTP and no UI here; the `web` function and the Leptos app call into this library.

pub mod compliance;
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
pub mod reminders;
pub mod roles;
pub mod secrets;
pub mod store;
pub mod worry;

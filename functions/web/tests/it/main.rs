//! The web function's integration tests, in one binary (one link instead of one per file).
//! Each module tests one area; `support` starts the real `web` binary as a child process (its
//! configuration is its environment, its logs are its standard output) and talks HTTP to it.

mod support;

mod auth;
mod budgets;
mod concerns;
mod decisions;
mod deploy_commands;
mod easy_read;
mod email_alarm;
mod export;
mod family;
mod http_surface;
mod import;
mod inbox_order;
mod infra_headers;
mod lambda_runtime;
mod learning;
mod organisation;
mod organisations;
mod policies;
mod public_cache;
mod records;
mod reports;
mod retention;
mod routing;
mod sso;
mod store_down;
mod transfer;

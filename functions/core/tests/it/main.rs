//! The core's integration tests, one binary (each former `tests/*.rs` file is a module here):
//! linking the AWS SDK and redb once instead of once per file. Each test that needs DynamoDB
//! Local still starts its own (on a free port, stopped when the test ends); the test threads
//! (one per core by default) bound how many run at once.

mod compliance;
mod decisions;
mod dynamo_conflicts;
mod dynamo_lost_answers;
mod dynamo_wait_timer;
mod easy_read;
mod family;
mod identity;
mod inbox_counts;
mod infra_template;
mod learning;
mod records;
mod reminders;
mod reports;
mod retention;
mod retention_low_level;
mod retention_records;
mod routing_shapes;
mod secrets;
mod ses;
mod sso_cross_library;
mod store_conformance;
mod support;
mod tenancy;
mod transfer;
mod worries;

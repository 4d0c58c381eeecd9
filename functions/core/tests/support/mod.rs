//! Test support shared by integration tests.
pub use test_support::dynamodb_local;

//! Test support shared by integration tests.
pub mod dynamodb_local;

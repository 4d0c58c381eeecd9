//! Every key of the single table, next to the access pattern it serves. Every key starts with
//! the organisation (`ORG#<org>#`), and the only way to build one is through these functions,
//! which take an [`OrgId`]: tenant isolation is a property of the keys, not of each handler.
//!
//! | access pattern                                   | pk / gsi1pk                          | sk / gsi1sk              |
//! |--------------------------------------------------|--------------------------------------|--------------------------|
//! | a worry by id                                    | `ORG#<org>#WORRY#<id>`               | `WORRY`                  |
//! | an organisation's worries, newest first (gsi1)   | `ORG#<org>#WORRIES`                  | `<created_at>#<id>`      |
//! | a worry by the hash of its follow-up code        | `ORG#<org>#FOLLOWUP#<sha256(code)>`  | `FOLLOWUP`               |
//! | a submission by the hash of its form token (TTL) | `ORG#<org>#IDEM#<sha256(token)>`     | `IDEM`                   |
//! | a person by id                                   | `ORG#<org>#PERSON#<id>`              | `PERSON`                 |
//! | a person's id by email (uniqueness, same tx)     | `ORG#<org>#EMAIL#<sha256(email)>`    | `EMAIL`                  |
//! | an organisation's people by name (gsi1)          | `ORG#<org>#PEOPLE`                   | `<lowercase name>#<id>`  |
//! | a sign-in link by the hash of its token (TTL)    | `ORG#<org>#MAGIC#<sha256(token)>`    | `MAGIC`                  |
//! | a rate-limit counter for one window (TTL)        | `ORG#<org>#RATE#<bucket>#<start>`    | `RATE`                   |
//! | a single sign-on attempt by its state hash (TTL) | `ORG#<org>#SSOSTATE#<sha256(state)>` | `SSOSTATE`               |
//! | an import job: who, when, progress, counts (TTL) | `ORG#<org>#IMPORTJOB#<id>`           | `JOB`                    |
//! | an import job's planned rows, in order (TTL)     | `ORG#<org>#IMPORTJOB#<id>`           | `CHUNK#<n, 0-based>`     |
//! | what each chunk of a job did, in order (TTL)     | `ORG#<org>#IMPORTJOB#<id>`           | `DONE#<n, 0-based>`      |

use crate::org::OrgId;
use crate::store::Key;

fn org(org: &OrgId) -> String {
    format!("ORG#{}", org.as_str())
}

pub fn worry(o: &OrgId, worry_id: &str) -> Key {
    Key::new(format!("{}#WORRY#{worry_id}", org(o)), "WORRY")
}

/// gsi1 partition listing an organisation's worries.
pub fn worries_index(o: &OrgId) -> String {
    format!("{}#WORRIES", org(o))
}

pub fn worries_index_sort(created_at: &str, worry_id: &str) -> String {
    format!("{created_at}#{worry_id}")
}

pub fn follow_up(o: &OrgId, code_hash_hex: &str) -> Key {
    Key::new(format!("{}#FOLLOWUP#{code_hash_hex}", org(o)), "FOLLOWUP")
}

pub fn idempotency(o: &OrgId, token_hash_hex: &str) -> Key {
    Key::new(format!("{}#IDEM#{token_hash_hex}", org(o)), "IDEM")
}

pub fn person(o: &OrgId, person_id: &str) -> Key {
    Key::new(format!("{}#PERSON#{person_id}", org(o)), "PERSON")
}

/// The item that makes an email unique within an organisation; holds the person's id.
pub fn email(o: &OrgId, email_hash_hex: &str) -> Key {
    Key::new(format!("{}#EMAIL#{email_hash_hex}", org(o)), "EMAIL")
}

/// gsi1 partition listing an organisation's people.
pub fn people_index(o: &OrgId) -> String {
    format!("{}#PEOPLE", org(o))
}

pub fn people_index_sort(lowercase_name: &str, person_id: &str) -> String {
    format!("{lowercase_name}#{person_id}")
}

pub fn magic_link(o: &OrgId, token_hash_hex: &str) -> Key {
    Key::new(format!("{}#MAGIC#{token_hash_hex}", org(o)), "MAGIC")
}

/// One fixed window of a rate-limit bucket; `window_start` is epoch seconds.
pub fn rate_limit(o: &OrgId, bucket: &str, window_start: u64) -> Key {
    Key::new(format!("{}#RATE#{bucket}#{window_start}", org(o)), "RATE")
}

/// A started single sign-on, by the hash of its `state` (the state itself is only in the
/// browser's cookie and the provider's redirect).
pub fn sso_state(o: &OrgId, state_hash_hex: &str) -> Key {
    Key::new(format!("{}#SSOSTATE#{state_hash_hex}", org(o)), "SSOSTATE")
}

/// The partition of one import job: the job, its chunks of planned rows and their results.
pub fn import_job_partition(o: &OrgId, job_id: &str) -> String {
    format!("{}#IMPORTJOB#{job_id}", org(o))
}

pub fn import_job(o: &OrgId, job_id: &str) -> Key {
    Key::new(import_job_partition(o, job_id), "JOB")
}

/// Sort-key prefix of an import job's chunks of planned rows.
pub const IMPORT_CHUNK_PREFIX: &str = "CHUNK#";
/// Sort-key prefix of the results of an import job's applied chunks.
pub const IMPORT_DONE_PREFIX: &str = "DONE#";

/// Chunk `n` (0-based) of an import job's planned rows; zero-padded so they sort in order.
pub fn import_job_chunk(o: &OrgId, job_id: &str, n: usize) -> Key {
    Key::new(
        import_job_partition(o, job_id),
        format!("{IMPORT_CHUNK_PREFIX}{n:05}"),
    )
}

/// What applying chunk `n` of an import job did (written once, with the job's progress).
pub fn import_job_done(o: &OrgId, job_id: &str, n: usize) -> Key {
    Key::new(
        import_job_partition(o, job_id),
        format!("{IMPORT_DONE_PREFIX}{n:05}"),
    )
}

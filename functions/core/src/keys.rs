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

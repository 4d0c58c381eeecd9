//! Parents and carers linked to their children, and a child's date of birth.
//!
//! An admin links a parent (a person with the parent role) to a child (a person with the
//! learner role) of the same organisation, on the person's family page or with the `parents`
//! column of the people import; and unlinks them. A linked parent sees their children's AUP
//! status and may co-sign the learner AUP of a child under 16
//! ([`crate::learning::cosign`]).
//!
//! Rules enforced here:
//! * only an admin (the `manage_people` action) links, unlinks or records a date of birth: a
//!   learner cannot link themselves to anyone, nor a parent to a child;
//! * both people are read through the organisation's own keys, so a link never crosses
//!   organisations (another organisation's id is simply not found);
//! * the link is two items (one in each person's family partition) written in one transaction,
//!   checked against both people's versions as read (a role removed meanwhile refuses it);
//! * why a date of birth and not an "under 16" tick box: a tick box goes stale on the child's
//!   birthday, and a year group does not give the age (a Year 11 class holds 15- and
//!   16-year-olds). The date is entered only for children, used only to decide whether a parent
//!   may co-sign, and shown only on the admin's family page.

use super::people::{self, PeopleError, Person};
use crate::keys;
use crate::org::OrgId;
use crate::roles::{Action, Role, allows};
use crate::store::record::{self, Record, to_item};
use crate::store::{Condition, Query, Store, StoreError, TxOp};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The most children one parent, or parents one child, may be linked to.
pub const MAX_LINKS: usize = 20;

/// The age below which a parent co-signs their child's learner AUP.
pub const COSIGN_UNDER_AGE: u32 = 16;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FamilyError {
    #[error("only an administrator links parents and children")]
    NotAllowed,
    #[error("the parent does not have the parent or carer role")]
    NotAParent,
    #[error("the child does not have the learner role")]
    NotALearner,
    #[error("a person cannot be linked to themselves")]
    SamePerson,
    #[error("one of the people is deactivated")]
    Inactive,
    #[error("too many links")]
    TooManyLinks,
    #[error("the two people are not linked")]
    NotLinked,
    #[error("invalid date of birth: {0}")]
    InvalidBirthDate(&'static str),
    #[error(transparent)]
    People(#[from] PeopleError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored family record is malformed: {0}")]
    Corrupt(String),
}

impl FamilyError {
    /// A plain message for the admin, saying what to do.
    pub fn user_message(&self) -> String {
        match self {
            FamilyError::NotAllowed => "Only an administrator can link parents and children.".into(),
            FamilyError::NotAParent => "That person is not a parent or carer here. Give them the parent or carer role first.".into(),
            FamilyError::NotALearner => "That person is not a learner here. Only learners can be linked as children.".into(),
            FamilyError::SamePerson => "A person cannot be linked to themselves.".into(),
            FamilyError::Inactive => "One of them has been deactivated. Only active people can be linked.".into(),
            FamilyError::TooManyLinks => format!("A person can be linked to at most {MAX_LINKS} others."),
            FamilyError::NotLinked => "These two people are not linked.".into(),
            FamilyError::InvalidBirthDate(why) => format!("Please check the date of birth: {why}. Write it as YYYY-MM-DD, for example 2013-09-01."),
            FamilyError::People(e) => e.user_message(),
            FamilyError::Store(_) | FamilyError::Corrupt(_) => {
                "Sorry, we could not save or load this just now. Nothing was changed. Please try again in a minute.".into()
            }
        }
    }
}

/// A person's family as the admin's family page shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Family {
    /// The linked children (when the person is a parent), by name.
    pub children: Vec<Person>,
    /// The linked parents (when the person is a child), by name.
    pub parents: Vec<Person>,
    /// The person's date of birth, when an admin recorded one.
    pub birth_date: Option<NaiveDate>,
}

fn require_admin(actor: &Person, org: &OrgId) -> Result<(), FamilyError> {
    if actor.org != *org || !actor.active || !allows(&actor.roles, Action::ManagePeople) {
        tracing::warn!(%org, person_id = actor.id, "refused: not allowed to link families");
        return Err(FamilyError::NotAllowed);
    }
    Ok(())
}

/// Reads a date of birth as typed (`YYYY-MM-DD`, or `DD/MM/YYYY` as UK spreadsheets write it)
/// and checks it is a plausible child's or adult's date: not in the future, not before 1900.
pub fn parse_birth_date(text: &str, today: NaiveDate) -> Result<NaiveDate, FamilyError> {
    let text = text.trim();
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| FamilyError::InvalidBirthDate("it is not a date"))?;
    if date > today {
        return Err(FamilyError::InvalidBirthDate("it is in the future"));
    }
    if date.year() < 1900 {
        return Err(FamilyError::InvalidBirthDate("it is before 1900"));
    }
    Ok(date)
}

/// The age in whole years on `today` of someone born on `birth`. Someone born on 29 February
/// has their birthday on 1 March in other years.
pub fn age_on(birth: NaiveDate, today: NaiveDate) -> u32 {
    if today < birth {
        return 0;
    }
    let mut years = (today.year() - birth.year()) as u32;
    let birthday_this_year = NaiveDate::from_ymd_opt(today.year(), birth.month(), birth.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 3, 1).expect("1 March exists"));
    if today < birthday_this_year {
        years -= 1;
    }
    years
}

/// Whether a child born on `birth` is under 16 on `today`.
pub fn under_cosign_age(birth: NaiveDate, today: NaiveDate) -> bool {
    age_on(birth, today) < COSIGN_UNDER_AGE
}

/// Checks a would-be link between two people as read.
fn check_pair(parent: &Person, child: &Person) -> Result<(), FamilyError> {
    if parent.id == child.id {
        return Err(FamilyError::SamePerson);
    }
    if !parent.active || !child.active {
        return Err(FamilyError::Inactive);
    }
    if !parent.roles.contains(&Role::Parent) {
        return Err(FamilyError::NotAParent);
    }
    if !child.roles.contains(&Role::Learner) {
        return Err(FamilyError::NotALearner);
    }
    Ok(())
}

async fn count_prefix<S: Store>(
    store: &S,
    org: &OrgId,
    person_id: &str,
    prefix: &str,
) -> Result<usize, FamilyError> {
    let page = store
        .query(
            &Query::partition(keys::family_partition(org, person_id))
                .prefix(prefix)
                .limit(MAX_LINKS + 1),
        )
        .await?;
    Ok(page.items.len())
}

/// The writes of a link between two people as read (both items, checked against both people's
/// versions). Writing it again is harmless: it puts the same two items.
pub(crate) fn link_ops(parent: &Person, child: &Person, by: &str, now: DateTime<Utc>) -> Vec<TxOp> {
    let org = &parent.org;
    let link = FamilyLinkRecord {
        parent_id: parent.id.clone(),
        child_id: child.id.clone(),
        linked_at: now,
        linked_by: by.to_string(),
    };
    vec![
        TxOp::Check {
            key: keys::person(org, &parent.id),
            condition: Condition::version(parent.version),
        },
        TxOp::Check {
            key: keys::person(org, &child.id),
            condition: Condition::version(child.version),
        },
        TxOp::Put {
            item: to_item(&keys::family_child(org, &parent.id, &child.id), &link),
            condition: Condition::Always,
        },
        TxOp::Put {
            item: to_item(&keys::family_parent(org, &child.id, &parent.id), &link),
            condition: Condition::Always,
        },
    ]
}

/// Links a parent to a child of the same organisation. Only an admin may; linking twice is
/// harmless.
pub async fn link<S: Store>(
    store: &S,
    org: &OrgId,
    actor: &Person,
    parent_id: &str,
    child_id: &str,
    now: DateTime<Utc>,
) -> Result<(), FamilyError> {
    require_admin(actor, org)?;
    let parent = people::get(store, org, parent_id).await?;
    let child = people::get(store, org, child_id).await?;
    link_people(store, &parent, &child, &actor.id, now).await
}

/// Links two people already read (the import resolves them by email).
pub(crate) async fn link_people<S: Store>(
    store: &S,
    parent: &Person,
    child: &Person,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), FamilyError> {
    check_pair(parent, child)?;
    let org = &parent.org;
    let already = store
        .get(&keys::family_child(org, &parent.id, &child.id))
        .await?
        .is_some();
    if already {
        return Ok(());
    }
    if count_prefix(store, org, &parent.id, keys::FAMILY_CHILD_PREFIX).await? >= MAX_LINKS
        || count_prefix(store, org, &child.id, keys::FAMILY_PARENT_PREFIX).await? >= MAX_LINKS
    {
        return Err(FamilyError::TooManyLinks);
    }
    match store.transact(link_ops(parent, child, by, now)).await {
        Ok(()) => {
            tracing::info!(%org, parent_id = parent.id, child_id = child.id, "parent linked to child");
            Ok(())
        }
        Err(StoreError::TransactionConditionFailed { .. }) => {
            Err(FamilyError::People(PeopleError::VersionConflict))
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes the link between a parent and a child. Only an admin may.
pub async fn unlink<S: Store>(
    store: &S,
    org: &OrgId,
    actor: &Person,
    parent_id: &str,
    child_id: &str,
) -> Result<(), FamilyError> {
    require_admin(actor, org)?;
    // Ids are checked (and found in this organisation) before any key is built from them.
    let parent = people::get(store, org, parent_id).await?;
    let child = people::get(store, org, child_id).await?;
    let ops = vec![
        TxOp::Delete {
            key: keys::family_child(org, &parent.id, &child.id),
            condition: Condition::Exists,
        },
        TxOp::Delete {
            key: keys::family_parent(org, &child.id, &parent.id),
            condition: Condition::Always,
        },
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, parent_id, child_id, "parent unlinked from child");
            Ok(())
        }
        Err(StoreError::TransactionConditionFailed { .. }) => Err(FamilyError::NotLinked),
        Err(e) => Err(e.into()),
    }
}

/// Records (or, with `None`, removes) a learner's date of birth. Only an admin may.
pub async fn set_birth_date<S: Store>(
    store: &S,
    org: &OrgId,
    actor: &Person,
    child_id: &str,
    birth: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<(), FamilyError> {
    require_admin(actor, org)?;
    let child = people::get(store, org, child_id).await?;
    set_birth_date_of(store, &child, birth, &actor.id, now).await
}

pub(crate) async fn set_birth_date_of<S: Store>(
    store: &S,
    child: &Person,
    birth: Option<NaiveDate>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), FamilyError> {
    let key = keys::family_birth(&child.org, &child.id);
    match birth {
        Some(date) => {
            if !child.roles.contains(&Role::Learner) {
                return Err(FamilyError::NotALearner);
            }
            if date > now.date_naive() {
                return Err(FamilyError::InvalidBirthDate("it is in the future"));
            }
            store
                .put(
                    to_item(
                        &key,
                        &BirthDateRecord {
                            person_id: child.id.clone(),
                            date: date.format("%Y-%m-%d").to_string(),
                            recorded_at: now,
                            recorded_by: by.to_string(),
                        },
                    ),
                    Condition::Always,
                )
                .await?;
        }
        None => {
            store
                .transact(vec![TxOp::Delete {
                    key,
                    condition: Condition::Always,
                }])
                .await?;
        }
    }
    Ok(())
}

/// A link between a parent and a child, stored twice: as seen from the parent
/// (`keys::family_child`) and from the child (`keys::family_parent`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FamilyLinkRecord {
    pub parent_id: String,
    pub child_id: String,
    #[serde(with = "record::time")]
    pub linked_at: DateTime<Utc>,
    pub linked_by: String,
}

impl Record for FamilyLinkRecord {
    const TYPE: &'static str = "family_link";
}

/// A child's date of birth (`keys::family_birth`), `YYYY-MM-DD`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BirthDateRecord {
    pub person_id: String,
    pub date: String,
    #[serde(with = "record::time")]
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

impl Record for BirthDateRecord {
    const TYPE: &'static str = "birth_date";
}

fn read<R: Record>(item: &crate::store::Item) -> Result<R, FamilyError> {
    record::from_item(item).map_err(|e| FamilyError::Corrupt(e.to_string()))
}

fn birth_of(item: &crate::store::Item) -> Result<NaiveDate, FamilyError> {
    NaiveDate::parse_from_str(&read::<BirthDateRecord>(item)?.date, "%Y-%m-%d")
        .map_err(|_| FamilyError::Corrupt("bad date of birth".into()))
}

/// The ids of a person's linked children (when a parent) and parents (when a child), and their
/// date of birth: one query of their family partition.
async fn family_ids<S: Store>(
    store: &S,
    org: &OrgId,
    person_id: &str,
) -> Result<(Vec<String>, Vec<String>, Option<NaiveDate>), FamilyError> {
    let page = store
        .query(&Query::partition(keys::family_partition(org, person_id)).limit(2 * MAX_LINKS + 1))
        .await?;
    let (mut children, mut parents, mut birth) = (Vec::new(), Vec::new(), None);
    for item in &page.items {
        let sk = crate::store::Key::of(item)
            .map(|k| k.sk)
            .unwrap_or_default();
        if sk.starts_with(keys::FAMILY_CHILD_PREFIX) {
            children.push(read::<FamilyLinkRecord>(item)?.child_id);
        } else if sk.starts_with(keys::FAMILY_PARENT_PREFIX) {
            parents.push(read::<FamilyLinkRecord>(item)?.parent_id);
        } else if sk == "BIRTH" {
            birth = Some(birth_of(item)?);
        }
    }
    Ok((children, parents, birth))
}

async fn people_of<S: Store>(
    store: &S,
    org: &OrgId,
    ids: &[String],
) -> Result<Vec<Person>, FamilyError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match people::get(store, org, id).await {
            Ok(p) => out.push(p),
            // A link to someone no longer there shows nothing.
            Err(PeopleError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    out.sort_by_key(|p| p.name.to_lowercase());
    Ok(out)
}

/// A person's family: linked children, linked parents, date of birth.
pub async fn family_of<S: Store>(
    store: &S,
    org: &OrgId,
    person_id: &str,
) -> Result<Family, FamilyError> {
    people::get(store, org, person_id).await?;
    let (children, parents, birth_date) = family_ids(store, org, person_id).await?;
    Ok(Family {
        children: people_of(store, org, &children).await?,
        parents: people_of(store, org, &parents).await?,
        birth_date,
    })
}

/// The active children linked to a parent.
pub async fn children_of<S: Store>(
    store: &S,
    org: &OrgId,
    parent: &Person,
) -> Result<Vec<Person>, FamilyError> {
    if parent.org != *org {
        return Ok(Vec::new());
    }
    let (children, _, _) = family_ids(store, org, &parent.id).await?;
    Ok(people_of(store, org, &children)
        .await?
        .into_iter()
        .filter(|c| c.active)
        .collect())
}

/// Whether this parent is linked to this child (one read).
pub async fn is_linked<S: Store>(
    store: &S,
    org: &OrgId,
    parent_id: &str,
    child_id: &str,
) -> Result<bool, FamilyError> {
    if uuid::Uuid::parse_str(parent_id).is_err() || uuid::Uuid::parse_str(child_id).is_err() {
        return Ok(false);
    }
    Ok(store
        .get(&keys::family_child(org, parent_id, child_id))
        .await?
        .is_some())
}

/// A child's date of birth, if recorded (one read).
pub async fn birth_date<S: Store>(
    store: &S,
    org: &OrgId,
    child_id: &str,
) -> Result<Option<NaiveDate>, FamilyError> {
    let Some(item) = store.get(&keys::family_birth(org, child_id)).await? else {
        return Ok(None);
    };
    birth_of(&item).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn age_turns_on_the_birthday_and_leap_day_children_on_1_march() {
        assert_eq!(age_on(d(2010, 12, 5), d(2026, 12, 4)), 15);
        assert_eq!(age_on(d(2010, 12, 5), d(2026, 12, 5)), 16);
        assert!(under_cosign_age(d(2010, 12, 6), d(2026, 12, 5)));
        assert!(!under_cosign_age(d(2010, 12, 5), d(2026, 12, 5)));
        assert_eq!(age_on(d(2012, 2, 29), d(2028, 2, 28)), 15);
        assert_eq!(age_on(d(2012, 2, 29), d(2028, 2, 29)), 16);
        assert_eq!(age_on(d(2012, 2, 29), d(2027, 2, 28)), 14);
        assert_eq!(age_on(d(2012, 2, 29), d(2027, 3, 1)), 15);
        assert_eq!(age_on(d(2030, 1, 1), d(2026, 1, 1)), 0);
    }

    #[test]
    fn birth_dates_are_read_in_iso_and_uk_forms_and_checked() {
        let today = d(2026, 12, 5);
        assert_eq!(parse_birth_date(" 2013-09-01 ", today), Ok(d(2013, 9, 1)));
        assert_eq!(parse_birth_date("01/09/2013", today), Ok(d(2013, 9, 1)));
        assert!(parse_birth_date("2027-01-01", today).is_err());
        assert!(parse_birth_date("1899-12-31", today).is_err());
        assert!(parse_birth_date("2013-02-30", today).is_err());
        assert!(parse_birth_date("soon", today).is_err());
    }
}

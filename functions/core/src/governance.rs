//! The roles that read worries are governed (the safeguarding rules of `DESIGN.md`):
//! * nobody gives themselves, or takes from themselves, a safeguarding role (DSL, deputy DSL,
//!   allegations lead, chair): an admin who is also the DSL cannot make themselves the
//!   allegations lead to read the worry about themselves;
//! * no change may leave a kind of worry with nobody to read it (removing, deactivating or
//!   changing the last holder is refused, saying who must be named first);
//! * every change to a safeguarding role is kept in a permanent record that the DSL, the
//!   allegations lead and the chair can read, and they are emailed in the same transaction.
//!
//! The admin pages change people through these functions; the plain ones in [`crate::identity::people`]
//! stay for imports of people without safeguarding roles and for tests.

use crate::identity::people::{self, NewPerson, PeopleError, Person};
use crate::keys;
use crate::org::OrgId;
use crate::roles::Role;
use crate::roles::SAFEGUARDING_ROLES;
use crate::routing;
use crate::store::record::{self, Record, to_item};
use crate::store::{Condition, Query, Store, TxOp};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One change to someone's safeguarding roles, as kept: the record of `keys::role_change`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChange {
    #[serde(with = "record::time")]
    pub at: DateTime<Utc>,
    pub by_id: String,
    pub by_name: String,
    pub person_id: String,
    pub person_name: String,
    #[serde(default)]
    pub added: Vec<Role>,
    #[serde(default)]
    pub removed: Vec<Role>,
    /// "Dr Lou Head was made Chair by Chris Admin." (also the email's text)
    pub summary: String,
}

impl Record for RoleChange {
    const TYPE: &'static str = "role_change";
}

fn safeguarding(roles: &[Role]) -> Vec<Role> {
    roles
        .iter()
        .copied()
        .filter(|r| SAFEGUARDING_ROLES.contains(r))
        .collect()
}

fn names(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Who may read the record of role changes: the DSL, the allegations lead and the chair.
pub fn may_read_record(person: &Person) -> bool {
    person.active
        && person
            .roles
            .iter()
            .any(|r| matches!(r, Role::Dsl | Role::AllegationsLead | Role::Chair))
}

/// What made a change of someone's roles: a change of the roles themselves, or of whether they
/// are active.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    Roles,
    Deactivated,
    Reactivated,
}

/// The record and notification writes for a change from `before` to `after` roles, if any
/// safeguarding role changed.
#[allow(clippy::too_many_arguments)]
fn record_ops(
    org: &OrgId,
    actor: &Person,
    person_id: &str,
    person_name: &str,
    before: &[Role],
    after: &[Role],
    why: Why,
    now: DateTime<Utc>,
) -> Vec<TxOp> {
    let (b, a) = (safeguarding(before), safeguarding(after));
    let added: Vec<Role> = a.iter().copied().filter(|r| !b.contains(r)).collect();
    let removed: Vec<Role> = b.iter().copied().filter(|r| !a.contains(r)).collect();
    if added.is_empty() && removed.is_empty() {
        return Vec::new();
    }
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!(
            "{} {}",
            if why == Why::Reactivated {
                "was reactivated, so holds again"
            } else {
                "was given"
            },
            names(&added)
        ));
    }
    if !removed.is_empty() {
        parts.push(format!(
            "{} {}",
            if why == Why::Deactivated {
                "was deactivated, so no longer holds"
            } else {
                "no longer holds"
            },
            names(&removed)
        ));
    }
    let summary = format!(
        "{person_name} {}; changed by {}.",
        parts.join(" and "),
        actor.name
    );
    let at = crate::store::timestamp(now);
    let id = uuid::Uuid::now_v7().to_string();
    vec![
        TxOp::Put {
            item: to_item(
                &keys::role_change(org, &at, &id),
                &RoleChange {
                    at: now,
                    by_id: actor.id.clone(),
                    by_name: actor.name.clone(),
                    person_id: person_id.to_string(),
                    person_name: person_name.to_string(),
                    added,
                    removed,
                    summary: summary.clone(),
                },
            ),
            condition: Condition::NotExists,
        },
        crate::notify::new_role_change(org, &summary, now),
    ]
}

/// The people as they would be after `change` is applied to the person `id`.
fn with_change(people: &[Person], id: &str, change: impl Fn(&mut Person)) -> Vec<Person> {
    people
        .iter()
        .cloned()
        .map(|mut p| {
            if p.id == id {
                change(&mut p);
            }
            p
        })
        .collect()
}

fn refuse_gaps(before: &[Person], after: &[Person]) -> Result<(), PeopleError> {
    let opened = routing::new_gaps(before, after);
    if opened.is_empty() {
        Ok(())
    } else {
        Err(PeopleError::WouldLeaveUnread(
            opened
                .iter()
                .map(|g| g.message())
                .collect::<Vec<_>>()
                .join("; "),
        ))
    }
}

/// `actor` changes the roles (and, when given, groups) of the person `id`, governed.
#[allow(clippy::too_many_arguments)]
pub async fn change_roles<S: Store>(
    store: &S,
    org: &OrgId,
    actor: &Person,
    id: &str,
    roles: &[Role],
    groups: Option<&[String]>,
    expected_version: u64,
    now: DateTime<Utc>,
) -> Result<Person, PeopleError> {
    let roles = people::normalise_roles(roles)?;
    let everyone = people::list_all(store, org).await?;
    let before = everyone
        .iter()
        .find(|p| p.id == id)
        .ok_or(PeopleError::NotFound)?;
    if before.version != expected_version {
        return Err(PeopleError::VersionConflict);
    }
    let changes_safeguarding = safeguarding(&before.roles) != safeguarding(&roles);
    if changes_safeguarding && actor.id == id {
        tracing::warn!(%org, person_id = id, "refused: a person tried to change their own safeguarding roles");
        return Err(PeopleError::OwnSafeguardingRole);
    }
    let after = with_change(&everyone, id, |p| p.roles = roles.clone());
    refuse_gaps(&everyone, &after)?;
    let extra = record_ops(
        org,
        actor,
        id,
        &before.name,
        &before.roles,
        &roles,
        Why::Roles,
        now,
    );
    people::set_roles_and_groups_with(store, org, id, &roles, groups, expected_version, extra).await
}

/// `actor` deactivates the person `id`, governed: refused when it would leave a kind of worry
/// unread; recorded when they held a safeguarding role.
pub async fn deactivate<S: Store>(
    store: &S,
    org: &OrgId,
    actor: &Person,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Person, PeopleError> {
    let everyone = people::list_all(store, org).await?;
    let before = everyone
        .iter()
        .find(|p| p.id == id)
        .ok_or(PeopleError::NotFound)?;
    if actor.id == id && !safeguarding(&before.roles).is_empty() {
        return Err(PeopleError::OwnSafeguardingRole);
    }
    let after = with_change(&everyone, id, |p| p.active = false);
    refuse_gaps(&everyone, &after)?;
    let extra = if before.active {
        record_ops(
            org,
            actor,
            id,
            &before.name,
            &before.roles,
            &[],
            Why::Deactivated,
            now,
        )
    } else {
        Vec::new()
    };
    people::deactivate_with(store, org, id, extra, now).await
}

/// `actor` reactivates the person `id`: they may sign in again and are counted again. It opens
/// no gap (it only adds a reader), but a safeguarding role they hold reads worries again, so it
/// is recorded and announced like any other change of who reads them. Nobody reactivates
/// themselves (a deactivated person cannot sign in anyway).
pub async fn reactivate<S: Store>(
    store: &S,
    org: &OrgId,
    actor: &Person,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Person, PeopleError> {
    let before = people::get(store, org, id).await?;
    if before.active {
        return Ok(before);
    }
    if actor.id == id && !safeguarding(&before.roles).is_empty() {
        return Err(PeopleError::OwnSafeguardingRole);
    }
    let extra = record_ops(
        org,
        actor,
        id,
        &before.name,
        &[],
        &before.roles,
        Why::Reactivated,
        now,
    );
    people::reactivate_with(store, org, id, extra).await
}

/// `actor` invites a new person; a safeguarding role given at once is recorded.
pub async fn invite<S: Store>(
    store: &S,
    org: &OrgId,
    actor: &Person,
    new: &NewPerson,
    now: DateTime<Utc>,
) -> Result<Person, PeopleError> {
    let person = people::new_person(org, new.validate()?, now);
    let extra = record_ops(
        org,
        actor,
        &person.id,
        &person.name,
        &[],
        &person.roles,
        Why::Roles,
        now,
    );
    people::invite_person(store, org, person, extra).await
}

/// The record of changes to safeguarding roles, newest first (at most `limit`), for someone who
/// may read it (`None` otherwise).
pub async fn record<S: Store>(
    store: &S,
    org: &OrgId,
    reader: &Person,
    limit: usize,
) -> Result<Option<Vec<RoleChange>>, PeopleError> {
    if !may_read_record(reader) {
        return Ok(None);
    }
    let page = store
        .query(
            &Query::partition(keys::role_changes(org))
                .descending()
                .limit(limit.max(1)),
        )
        .await?;
    let mut out = Vec::new();
    for item in &page.items {
        out.push(
            record::from_item::<RoleChange>(item)
                .map_err(|e| PeopleError::Corrupt(e.to_string()))?,
        );
    }
    Ok(Some(out))
}

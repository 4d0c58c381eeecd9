//! Easy read: a learner may read the easy-read versions of their modules, quizzes and the learner
//! AUP (content in `easy-read/` folders: the same ids, versions and sections in easier words,
//! Flesch reading ease 80 or more). The choice is kept on the server, per person.
//!
//! Who decides, most recent first:
//! * the person's own level, set by **themselves** (the switch on the module and training pages) or
//!   **assigned** to them by a DSL, a deputy or an admin (those who see training records,
//!   [`Action::ViewCompletion`]); whichever was set last stands, so the learner may still switch
//!   after an assignment, and a DSL can assign again later (the record says who set it and when);
//! * otherwise a **group** the person is in that a DSL set to easy read;
//! * otherwise the standard pages.
//!
//! The learner is never locked out of either version: both carry the same facts, contacts and
//! steps, and some learners who need support read the standard text with a screen reader.
//!
//! Completions and signatures are of the same module and AUP whichever version was read: the
//! easy-read library ([`Library::in_easy_read`]) has the same ids and versions, so the learning
//! core records them exactly as it records the standard ones. Changing the level starts any quiz
//! in progress again (the easy-read bank has other questions).
//!
//! Round trips: [`reading_of`] 1 get (2 when the person is in a group).

use crate::content::Library;
use crate::identity::{Person, people};
use crate::keys;
use crate::learning_state::{REV, StateBody};
use crate::org::OrgId;
use crate::roles::{Action, allows};
use crate::store::record::{Record, from_item, to_item};
use crate::store::{Condition, Query, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A person's own reading level, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingLevel {
    pub easy_read: bool,
    /// Who set it: the person's own id, or the id of the member of staff who assigned it.
    pub set_by: String,
    pub set_by_name: String,
    /// Whether it was assigned by a member of staff (not chosen by the person).
    pub assigned: bool,
    pub set_at: String,
}

/// Why a person reads what they read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Because {
    /// They chose it themselves.
    Chosen,
    /// A DSL, deputy or admin assigned it to them (by name).
    Assigned { by: String },
    /// A group they are in is set to easy read.
    Group(String),
    /// Nobody chose: the standard pages.
    Default,
}

/// What a person reads, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    pub easy_read: bool,
    pub because: Because,
}

impl Reading {
    /// The content as this person reads it.
    pub fn library<'a>(&self, library: &'a Library) -> &'a Library {
        if self.easy_read {
            library.in_easy_read()
        } else {
            library
        }
    }

    /// The level as a form field carries it.
    pub fn as_str(&self) -> &'static str {
        if self.easy_read { "easy" } else { "standard" }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EasyReadError {
    #[error("only a DSL, a deputy or an admin may assign easy read")]
    NotAllowed,
    #[error("no such person in this organisation")]
    NotFound,
    #[error("invalid group: {0}")]
    InvalidGroup(String),
    #[error("changed at the same time; nothing was saved")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored reading level is malformed: {0}")]
    Corrupt(String),
}

impl EasyReadError {
    /// A plain message, saying what to do. Details stay in the log.
    pub fn user_message(&self) -> String {
        match self {
            EasyReadError::NotAllowed => {
                "Only the Designated Safeguarding Lead, a deputy or an admin can set easy read for someone else.".into()
            }
            EasyReadError::NotFound => "We could not find that person. Go back and try again.".into(),
            EasyReadError::InvalidGroup(why) => format!("Please check the group: {why}."),
            EasyReadError::Conflict => {
                "This was changed from another window at the same moment. Please reload the page and check.".into()
            }
            EasyReadError::Store(_) | EasyReadError::Corrupt(_) => {
                "Sorry, we could not save this just now. Please try again in a minute.".into()
            }
        }
    }
}

/// A person's reading level (`keys::reading_level`), an entry of gsi1
/// (`keys::reading_levels_index`, sorted by person id) so an export reads them all at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadingLevelRecord {
    pub person_id: String,
    pub level: ReadingLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
}

impl Record for ReadingLevelRecord {
    const TYPE: &'static str = "reading_level";
}

/// The groups set to easy read (`keys::easy_read_groups`); `rev` is what a write is conditional
/// on ([`REV`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EasyReadGroupsRecord {
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev: Option<u64>,
}

impl Record for EasyReadGroupsRecord {
    const TYPE: &'static str = "easy_read_groups";
}

fn read<R: Record>(item: &crate::store::Item) -> Result<R, EasyReadError> {
    from_item(item).map_err(|e| EasyReadError::Corrupt(e.to_string()))
}

/// The person's own level, if anyone set one (1 get).
pub async fn own_level<S: Store>(
    store: &S,
    org: &OrgId,
    person_id: &str,
) -> Result<Option<ReadingLevel>, EasyReadError> {
    match store.get(&keys::reading_level(org, person_id)).await? {
        Some(item) => Ok(Some(read::<ReadingLevelRecord>(&item)?.level)),
        None => Ok(None),
    }
}

/// The groups set to easy read (1 get), sorted.
pub async fn easy_read_groups<S: Store>(
    store: &S,
    org: &OrgId,
) -> Result<Vec<String>, EasyReadError> {
    Ok(read_groups(store, org).await?.0)
}

async fn read_groups<S: Store>(
    store: &S,
    org: &OrgId,
) -> Result<(Vec<String>, Option<u64>), EasyReadError> {
    match store.get(&keys::easy_read_groups(org)).await? {
        Some(item) => {
            let r: EasyReadGroupsRecord = read(&item)?;
            Ok((r.groups, r.rev))
        }
        None => Ok((Vec::new(), None)),
    }
}

/// What the person reads and why: their own level, else a group's, else the standard pages.
pub async fn reading_of<S: Store>(store: &S, person: &Person) -> Result<Reading, EasyReadError> {
    let own = own_level(store, &person.org, &person.id).await?;
    let groups = if own.is_none() && !person.groups.is_empty() {
        easy_read_groups(store, &person.org).await?
    } else {
        Vec::new()
    };
    Ok(decide(own, person, &groups))
}

/// The rule of [`reading_of`] on what was read: the person's own level, else the first of their
/// groups set to easy read, else the standard pages.
pub fn decide(own: Option<ReadingLevel>, person: &Person, easy_read_groups: &[String]) -> Reading {
    if let Some(level) = own {
        return Reading {
            easy_read: level.easy_read,
            because: if level.assigned {
                Because::Assigned {
                    by: level.set_by_name,
                }
            } else {
                Because::Chosen
            },
        };
    }
    match person.groups.iter().find(|g| easy_read_groups.contains(g)) {
        Some(g) => Reading {
            easy_read: true,
            because: Because::Group(g.clone()),
        },
        None => Reading {
            easy_read: false,
            because: Because::Default,
        },
    }
}

/// Everyone's own reading level in the organisation, by person id: one query of gsi1 per 1,000
/// people who have one (people who never chose, nor were assigned, have none).
pub async fn levels_of_org<S: Store>(
    store: &S,
    org: &OrgId,
) -> Result<std::collections::HashMap<String, ReadingLevel>, EasyReadError> {
    let mut out = std::collections::HashMap::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(keys::reading_levels_index(org))
                    .on_index(crate::store::Index::Gsi1)
                    .limit(1000)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            let r: ReadingLevelRecord = read(item)?;
            out.insert(r.person_id, r.level);
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(out)
}

/// The person chooses their own level (the switch). Only ever for the person signed in: there is
/// no way to name somebody else.
pub async fn choose<S: Store>(
    store: &S,
    person: &Person,
    easy_read: bool,
    now: DateTime<Utc>,
) -> Result<(), EasyReadError> {
    let level = ReadingLevel {
        easy_read,
        set_by: person.id.clone(),
        set_by_name: person.name.clone(),
        assigned: false,
        set_at: crate::store::timestamp(now),
    };
    set(store, person, level).await
}

/// Whether this person may assign easy read to others (a DSL, a deputy or an admin).
pub fn may_assign(actor: &Person) -> bool {
    allows(&actor.roles, Action::ViewCompletion)
}

/// A DSL, deputy or admin sets a person's level (of their own organisation). Returns the person.
pub async fn assign<S: Store>(
    store: &S,
    actor: &Person,
    person_id: &str,
    easy_read: bool,
    now: DateTime<Utc>,
) -> Result<Person, EasyReadError> {
    if !may_assign(actor) {
        return Err(EasyReadError::NotAllowed);
    }
    let person = match people::get(store, &actor.org, person_id).await {
        Ok(p) => p,
        Err(people::PeopleError::Store(e)) => return Err(e.into()),
        Err(_) => return Err(EasyReadError::NotFound),
    };
    let level = ReadingLevel {
        easy_read,
        set_by: actor.id.clone(),
        set_by_name: actor.name.clone(),
        assigned: true,
        set_at: crate::store::timestamp(now),
    };
    set(store, &person, level).await?;
    tracing::info!(org = %actor.org, by = actor.id, person_id, easy_read, "easy read assigned");
    Ok(person)
}

/// A DSL, deputy or admin sets a group to easy read (or takes it off). People of the group who,
/// or for whom someone, set their own level keep it. Returns the groups now set.
pub async fn assign_group<S: Store>(
    store: &S,
    actor: &Person,
    group: &str,
    easy_read: bool,
) -> Result<Vec<String>, EasyReadError> {
    if !may_assign(actor) {
        return Err(EasyReadError::NotAllowed);
    }
    let group = match people::normalise_groups(&[group.to_string()]) {
        Ok(g) if g.len() == 1 => g.into_iter().next().unwrap_or_default(),
        Ok(_) => return Err(EasyReadError::InvalidGroup("name a group".into())),
        Err(e) => return Err(EasyReadError::InvalidGroup(e.user_message())),
    };
    let (mut groups, rev) = read_groups(store, &actor.org).await?;
    groups.retain(|g| *g != group);
    if easy_read {
        groups.push(group);
    }
    groups.sort();
    let item = to_item(
        &keys::easy_read_groups(&actor.org),
        &EasyReadGroupsRecord {
            groups: groups.clone(),
            rev: Some(rev.map_or(1, |r| r + 1)),
        },
    );
    let condition = match rev {
        Some(r) => Condition::Equals(REV.into(), Value::from(r)),
        None => Condition::NotExists,
    };
    match store.put(item, condition).await {
        Ok(()) => Ok(groups),
        Err(StoreError::ConditionFailed) => Err(EasyReadError::Conflict),
        Err(e) => Err(e.into()),
    }
}

/// Stores the level and, when it changes what the person reads, drops any quiz attempt they have
/// in progress (its questions were drawn from the other version's bank; the next start draws
/// afresh). Submitted attempts and completions are untouched.
async fn set<S: Store>(
    store: &S,
    person: &Person,
    level: ReadingLevel,
) -> Result<(), EasyReadError> {
    let before = reading_of(store, person).await?;
    if before.easy_read != level.easy_read {
        drop_attempts_in_progress(store, person).await?;
    }
    let item = to_item(
        &keys::reading_level(&person.org, &person.id),
        &ReadingLevelRecord {
            person_id: person.id.clone(),
            level,
            gsi1pk: Some(keys::reading_levels_index(&person.org)),
            gsi1sk: Some(person.id.clone()),
        },
    );
    store.put(item, Condition::Always).await?;
    Ok(())
}

async fn drop_attempts_in_progress<S: Store>(
    store: &S,
    person: &Person,
) -> Result<(), EasyReadError> {
    let mut cursor = None;
    let mut states = Vec::new();
    loop {
        let page = store
            .query(
                &Query::partition(keys::learning_partition(&person.org, &person.id))
                    .prefix(keys::LEARNING_STATE_PREFIX)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            let s = crate::learning_state::StoredState::from_item(item)
                .map_err(|e| EasyReadError::Corrupt(super::LearningError::from(e).to_string()))?;
            states.push(s);
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    for mut state in states {
        let counted_before = crate::counters::counter_of(&state);
        let StateBody::Module(m) = &mut state.body else {
            continue;
        };
        if m.current_attempt
            .as_ref()
            .is_some_and(|a| a.graded.is_none())
        {
            m.current_attempt = None;
            match super::write_state(store, person, counted_before, &state).await {
                Ok(()) => {}
                Err(StoreError::ConditionFailed) => return Err(EasyReadError::Conflict),
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

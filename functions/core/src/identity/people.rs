//! People of an organisation: who they are, their roles and groups, whether they may sign in.
//!
//! Rules enforced here:
//! * an email belongs to at most one person per organisation: a uniqueness item keyed by the
//!   hash of the email is written in the same transaction as the person, create-once;
//! * every function takes the [`OrgId`] and builds its keys from it, so one organisation can
//!   never read or change another's people, whatever id it passes;
//! * deactivating keeps the records (completion, AUP signatures and worries still point at the
//!   person) and bumps `session_epoch`, which refuses every session issued before;
//!   reactivating lets them sign in again (with a new link; the epoch stays moved on) and puts
//!   them back in the dashboard's counters in the same transaction;
//! * changes use optimistic locking on `version`, so two admins cannot silently overwrite each
//!   other.

use crate::crypto;
use crate::keys;
use crate::org::OrgId;
use crate::roles::Role;
use crate::store::record::{self, Record, to_item};
use crate::store::{Condition, Cursor, Index, Item, Query, Store, StoreError, TxOp, Update};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const MAX_EMAIL_LEN: usize = 254;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_GROUP_CHARS: usize = 60;
/// Keeps a person item small and a person's page readable.
pub const MAX_GROUPS: usize = 50;
/// The most people one page of [`list`] returns.
pub const MAX_PAGE: usize = 1000;

/// A person known to one organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub org: OrgId,
    /// A UUID v7: unguessable enough and sortable by creation.
    pub id: String,
    /// Trimmed and lowercased.
    pub email: String,
    pub name: String,
    /// At least one, in [`Role::ALL`] order, no repeats.
    pub roles: Vec<Role>,
    /// Sorted, no repeats.
    pub groups: Vec<String>,
    pub active: bool,
    /// Sessions carry the epoch they were issued in; bumping it revokes them all.
    pub session_epoch: u32,
    pub created_at: DateTime<Utc>,
    /// Optimistic-locking version: pass it back to change the person.
    pub version: u64,
}

/// The counters know a person by these (and sit below identity).
impl crate::counters::Counted for Person {
    fn org(&self) -> &OrgId {
        &self.org
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn roles(&self) -> &[Role] {
        &self.roles
    }
    fn groups(&self) -> &[String] {
        &self.groups
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn email(&self) -> &str {
        &self.email
    }
}

/// What an admin enters to invite someone, before checking.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewPerson {
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub groups: Vec<String>,
}

/// A person's details after checking and normalising: what is stored and compared.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PersonDetails {
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub groups: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PeopleError {
    #[error("invalid email address: {0}")]
    InvalidEmail(&'static str),
    #[error("invalid name: {0}")]
    InvalidName(&'static str),
    #[error("no role was given")]
    NoRoles,
    #[error("invalid group: {0}")]
    InvalidGroup(String),
    #[error("someone in this organisation already has that email")]
    DuplicateEmail,
    #[error("no such person in this organisation")]
    NotFound,
    #[error("the person was changed by someone else since it was read")]
    VersionConflict,
    #[error("the list position is not valid for this list")]
    InvalidCursor,
    /// Nobody gives themselves, or takes from themselves, a role that reads worries.
    #[error("a person cannot change their own safeguarding roles")]
    OwnSafeguardingRole,
    /// The change would leave a kind of worry with nobody to read it.
    #[error("the change would leave worries unread: {0}")]
    WouldLeaveUnread(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored person is malformed: {0}")]
    Corrupt(String),
}

impl PeopleError {
    /// A plain message for the admin, saying what to do. Details stay in the log.
    pub fn user_message(&self) -> String {
        match self {
            PeopleError::InvalidEmail(why) => {
                format!("That email address does not look right ({why}). Please check it.")
            }
            PeopleError::InvalidName(why) => format!("Please check the name: {why}."),
            PeopleError::NoRoles => "Please choose at least one role.".into(),
            PeopleError::InvalidGroup(why) => format!("Please check the groups: {why}."),
            PeopleError::DuplicateEmail => {
                "Someone in your organisation already has this email address. Find them in the list of people instead.".into()
            }
            PeopleError::NotFound => {
                "We could not find that person. They may be in another organisation, or the link is wrong.".into()
            }
            PeopleError::VersionConflict => {
                "Someone else changed this person while you were editing. Please reload the page and make your change again.".into()
            }
            PeopleError::InvalidCursor => {
                "This list has changed. Please go back to the first page.".into()
            }
            PeopleError::OwnSafeguardingRole => {
                "You cannot give yourself, or take away from yourself, a role that reads worries (DSL, deputy DSL, allegations lead, chair). Another administrator must make this change; the DSL, the allegations lead and the chair are told of every change.".into()
            }
            PeopleError::WouldLeaveUnread(why) => format!(
                "Nothing was changed: {why}. Every kind of worry must always reach someone who can act on it."
            ),
            PeopleError::Store(_) | PeopleError::Corrupt(_) => {
                "Sorry, we could not save or load this just now. Nothing was changed. Please try again in a minute.".into()
            }
        }
    }
}

/// Trims and lowercases an email, then checks its shape. Deliberately simple: one `@`, something
/// either side, a dot in the domain, no spaces; whether it exists is proved by the sign-in link.
pub fn normalise_email(input: &str) -> Result<String, PeopleError> {
    let email = input.trim().to_lowercase();
    if email.is_empty() {
        return Err(PeopleError::InvalidEmail("it is empty"));
    }
    if email.len() > MAX_EMAIL_LEN {
        return Err(PeopleError::InvalidEmail("it is over 254 characters"));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(PeopleError::InvalidEmail("it has a space in it"));
    }
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(PeopleError::InvalidEmail("it needs exactly one @"));
    };
    if local.is_empty() {
        return Err(PeopleError::InvalidEmail("nothing before the @"));
    }
    if domain.is_empty()
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(PeopleError::InvalidEmail(
            "the part after the @ is not a domain",
        ));
    }
    Ok(email)
}

/// Characters that change the direction of the text around them (U+202A-U+202E,
/// U+2066-U+2069, U+200E, U+200F, U+061C): kept, they make a worry or a name read backwards on
/// the handler's screen.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Trims a name, drops direction overrides (U+202E and the like, which make a name read
/// backwards on every page it appears on) and folds any run of blank space (including line
/// breaks) into one space.
pub fn normalise_name(input: &str) -> Result<String, PeopleError> {
    let input: String = input.chars().filter(|c| !is_bidi_control(*c)).collect();
    let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(PeopleError::InvalidName("it is missing"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(PeopleError::InvalidName("it is over 100 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(PeopleError::InvalidName(
            "it has invisible control characters",
        ));
    }
    Ok(name)
}

/// Sorts roles into their canonical order and drops repeats; at least one is required.
pub fn normalise_roles(roles: &[Role]) -> Result<Vec<Role>, PeopleError> {
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err(PeopleError::NoRoles);
    }
    Ok(roles)
}

/// Trims groups, drops empty entries and repeats, sorts them.
pub fn normalise_groups(groups: &[String]) -> Result<Vec<String>, PeopleError> {
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        let g = g.split_whitespace().collect::<Vec<_>>().join(" ");
        if g.is_empty() {
            continue;
        }
        if g.chars().count() > MAX_GROUP_CHARS {
            return Err(PeopleError::InvalidGroup(format!(
                "“{}…” is over {MAX_GROUP_CHARS} characters",
                g.chars().take(20).collect::<String>()
            )));
        }
        if g.contains(';') {
            return Err(PeopleError::InvalidGroup(
                "a group name cannot contain “;” (it separates groups in a spreadsheet)".into(),
            ));
        }
        if g.chars().any(char::is_control) {
            return Err(PeopleError::InvalidGroup(
                "a group name has invisible control characters".into(),
            ));
        }
        out.push(g);
    }
    out.sort();
    out.dedup();
    if out.len() > MAX_GROUPS {
        return Err(PeopleError::InvalidGroup(format!(
            "a person can be in at most {MAX_GROUPS} groups"
        )));
    }
    Ok(out)
}

impl NewPerson {
    pub fn validate(&self) -> Result<PersonDetails, PeopleError> {
        Ok(PersonDetails {
            email: normalise_email(&self.email)?,
            name: normalise_name(&self.name)?,
            roles: normalise_roles(&self.roles)?,
            groups: normalise_groups(&self.groups)?,
        })
    }
}

impl PersonDetails {
    /// Checks again (details can be built by hand, e.g. in an import preview).
    pub fn revalidate(&self) -> Result<PersonDetails, PeopleError> {
        NewPerson {
            email: self.email.clone(),
            name: self.name.clone(),
            roles: self.roles.clone(),
            groups: self.groups.clone(),
        }
        .validate()
    }
}

/// The key of the uniqueness item of an email (already normalised).
pub(crate) fn email_key(org: &OrgId, email: &str) -> crate::store::Key {
    keys::email(org, &crypto::sha256_hex(email.as_bytes()))
}

/// Person ids are UUIDs in their canonical form; anything else cannot name a person, and is
/// refused before it reaches a key.
fn check_id(id: &str) -> Result<(), PeopleError> {
    match uuid::Uuid::parse_str(id) {
        Ok(u) if u.hyphenated().to_string() == id => Ok(()),
        _ => Err(PeopleError::NotFound),
    }
}

fn index_sort(name: &str, id: &str) -> String {
    keys::people_index_sort(&name.to_lowercase(), id)
}

/// A person (`keys::person`), listed by name on gsi1 (`keys::people_index`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonRecord {
    pub org: String,
    pub person_id: String,
    pub email: String,
    #[serde(flatten)]
    pub details: PersonDetailsRecord,
    pub active: bool,
    /// When they were deactivated (their leaving date, for retention: a low-level concern
    /// about them is kept until they leave); cleared when they are reactivated. `None` on a
    /// deactivation made before this was recorded.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "record::time_opt"
    )]
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Moved on by one ([`PersonRecord::SESSION_EPOCH`]) to end every session issued before.
    pub session_epoch: u32,
    #[serde(with = "record::time")]
    pub created_at: DateTime<Utc>,
    pub version: u64,
    #[serde(default)]
    pub gsi1pk: String,
}

impl Record for PersonRecord {
    const TYPE: &'static str = "person";
}

impl PersonRecord {
    /// The attribute of [`PersonRecord::session_epoch`]: a counter, added to atomically.
    pub const SESSION_EPOCH: &'static str = "session_epoch";
}

/// The part of a [`PersonRecord`] an import may change (not the email: that is the identity it
/// matches on), written whole by [`update_details_op`]: the name (and the index's sort key made
/// from it), roles and groups, and when they changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonDetailsRecord {
    pub name: String,
    pub roles: Vec<Role>,
    pub groups: Vec<String>,
    /// Set by the updates that change a person's details.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "record::time_opt"
    )]
    pub updated_at: Option<DateTime<Utc>>,
    /// `keys::people_index_sort` of the name.
    #[serde(default)]
    pub gsi1sk: String,
}

/// The item that makes an email unique within an organisation (`keys::email`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmailRecord {
    pub person_id: String,
}

impl Record for EmailRecord {
    const TYPE: &'static str = "email";
}

fn person_item(p: &Person) -> Item {
    let record = PersonRecord {
        org: p.org.as_str().to_string(),
        person_id: p.id.clone(),
        email: p.email.clone(),
        details: PersonDetailsRecord {
            name: p.name.clone(),
            roles: p.roles.clone(),
            groups: p.groups.clone(),
            updated_at: None,
            gsi1sk: index_sort(&p.name, &p.id),
        },
        active: p.active,
        deactivated_at: None,
        session_epoch: p.session_epoch,
        created_at: p.created_at,
        version: p.version,
        gsi1pk: keys::people_index(&p.org),
    };
    to_item(&keys::person(&p.org, &p.id), &record)
}

fn corrupt(e: record::Malformed) -> PeopleError {
    PeopleError::Corrupt(e.to_string())
}

/// Reads a stored person, checking it belongs to the organisation asked about.
fn person_from_item(org: &OrgId, item: &Item) -> Result<Person, PeopleError> {
    person_from_record(org, record::from_item(item).map_err(corrupt)?)
}

/// A stored person as read, checking it belongs to the organisation asked about.
fn person_from_record(org: &OrgId, r: PersonRecord) -> Result<Person, PeopleError> {
    if r.org != org.as_str() {
        // Cannot happen through the keys; refuse rather than hand over another tenant's data.
        return Err(PeopleError::NotFound);
    }
    Ok(Person {
        org: org.clone(),
        id: r.person_id,
        email: r.email,
        name: r.details.name,
        roles: r.details.roles,
        groups: r.details.groups,
        active: r.active,
        session_epoch: r.session_epoch,
        created_at: r.created_at,
        version: r.version,
    })
}

/// A new, active person with a fresh id (not stored yet).
pub(crate) fn new_person(org: &OrgId, details: PersonDetails, now: DateTime<Utc>) -> Person {
    Person {
        org: org.clone(),
        id: uuid::Uuid::now_v7().to_string(),
        email: details.email,
        name: details.name,
        roles: details.roles,
        groups: details.groups,
        active: true,
        session_epoch: 0,
        created_at: now,
        version: 1,
    }
}

/// The two create-once writes that add a person: the person, then the email's uniqueness item
/// (index 1 failing means the email is taken), then the count of their cohort.
pub(crate) fn create_ops(p: &Person) -> Vec<TxOp> {
    let email_item = to_item(
        &email_key(&p.org, &p.email),
        &EmailRecord {
            person_id: p.id.clone(),
        },
    );
    let mut counts = crate::counters::Tally::default();
    counts.people(&p.org, &crate::counters::Cohort::of(p), 1);
    let mut ops = vec![
        TxOp::Put {
            item: person_item(p),
            condition: Condition::NotExists,
        },
        TxOp::Put {
            item: email_item,
            condition: Condition::NotExists,
        },
    ];
    ops.extend(counts.into_ops());
    // The index of safeguarding roles, when they hold one.
    ops.extend(super::safeguarders::index_op(None, p));
    ops
}

/// The write that changes a person's name, roles and groups (not the email: that is the identity
/// the import matches on), only if nobody changed them since `version` was read.
pub(crate) fn update_details_op(
    org: &OrgId,
    person_id: &str,
    version: u64,
    details: &PersonDetails,
    now: DateTime<Utc>,
) -> TxOp {
    let part = PersonDetailsRecord {
        name: details.name.clone(),
        roles: details.roles.clone(),
        groups: details.groups.clone(),
        updated_at: Some(now),
        gsi1sk: index_sort(&details.name, person_id),
    };
    TxOp::Update {
        key: keys::person(org, person_id),
        update: Update::default().set_fields(&part).bump_version(),
        condition: Condition::version(version),
    }
}

/// Adds a person to the organisation, active, with no sessions yet.
pub async fn invite<S: Store>(
    store: &S,
    org: &OrgId,
    new: &NewPerson,
    now: DateTime<Utc>,
) -> Result<Person, PeopleError> {
    invite_with(store, org, new, now, Vec::new()).await
}

/// [`invite`] with more writes in the same transaction (the record of a safeguarding role).
pub(crate) async fn invite_with<S: Store>(
    store: &S,
    org: &OrgId,
    new: &NewPerson,
    now: DateTime<Utc>,
    extra: Vec<TxOp>,
) -> Result<Person, PeopleError> {
    let person = new_person(org, new.validate()?, now);
    invite_person(store, org, person, extra).await
}

/// Writes a person made by [`new_person`], with more writes in the same transaction.
pub(crate) async fn invite_person<S: Store>(
    store: &S,
    org: &OrgId,
    person: Person,
    extra: Vec<TxOp>,
) -> Result<Person, PeopleError> {
    let mut ops = create_ops(&person);
    // Their "not started" entries in the lists behind the dashboard's numbers.
    let indexed = crate::counters::not_started_items(store, org)
        .await
        .map_err(compliance_error)?;
    ops.extend(crate::counters::not_started_puts(&person, &indexed));
    ops.extend(extra);
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, person_id = person.id, "person invited");
            Ok(person)
        }
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&1) => {
            Err(PeopleError::DuplicateEmail)
        }
        Err(e) => Err(e.into()),
    }
}

/// The person with this id in this organisation.
pub async fn get<S: Store>(store: &S, org: &OrgId, id: &str) -> Result<Person, PeopleError> {
    Ok(get_stored(store, org, id).await?.1)
}

/// The person as stored, and as read.
async fn get_stored<S: Store>(
    store: &S,
    org: &OrgId,
    id: &str,
) -> Result<(PersonRecord, Person), PeopleError> {
    check_id(id)?;
    match store.get(&keys::person(org, id)).await? {
        Some(item) => {
            let r: PersonRecord = record::from_item(&item).map_err(corrupt)?;
            Ok((r.clone(), person_from_record(org, r)?))
        }
        None => Err(PeopleError::NotFound),
    }
}

/// The person with this email in this organisation, if any (any case, surrounding spaces).
pub async fn find_by_email<S: Store>(
    store: &S,
    org: &OrgId,
    email: &str,
) -> Result<Option<Person>, PeopleError> {
    let Ok(email) = normalise_email(email) else {
        return Ok(None);
    };
    let Some(pointer) = store.get(&email_key(org, &email)).await? else {
        return Ok(None);
    };
    let id = &record::from_item::<EmailRecord>(&pointer)
        .map_err(corrupt)?
        .person_id;
    match get(store, org, id).await {
        Ok(p) => Ok(Some(p)),
        Err(PeopleError::NotFound) => Err(PeopleError::Corrupt(format!(
            "email item points at missing person {id}"
        ))),
        Err(e) => Err(e),
    }
}

/// One page of the organisation's people, by name. Pass the returned cursor to get the next.
pub async fn list<S: Store>(
    store: &S,
    org: &OrgId,
    cursor: Option<Cursor>,
    limit: usize,
) -> Result<(Vec<Person>, Option<Cursor>), PeopleError> {
    let query = Query::partition(keys::people_index(org))
        .on_index(Index::Gsi1)
        .limit(limit.clamp(1, MAX_PAGE))
        .after(cursor);
    let page = store.query(&query).await.map_err(|e| match e {
        StoreError::InvalidItem(_) => PeopleError::InvalidCursor,
        e => PeopleError::Store(e),
    })?;
    let people = page
        .items
        .iter()
        .map(|i| person_from_item(org, i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((people, page.next))
}

/// Every person of the organisation (follows the pages). For imports, which compare a whole file.
pub async fn list_all<S: Store>(store: &S, org: &OrgId) -> Result<Vec<Person>, PeopleError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let (page, next) = list(store, org, cursor, MAX_PAGE).await?;
        all.extend(page);
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}

/// After a failed conditional write: was the person missing, or changed since it was read?
async fn missing_or_conflict<S: Store>(store: &S, org: &OrgId, id: &str) -> PeopleError {
    match store.get(&keys::person(org, id)).await {
        Ok(None) => PeopleError::NotFound,
        Ok(Some(_)) => PeopleError::VersionConflict,
        Err(e) => e.into(),
    }
}

/// Replaces a person's roles, if nobody changed the person since `expected_version`.
///
/// Sessions keep working: authorise with the roles of the person [`super::session::check_live`]
/// returns, which are read fresh, not with the roles copied into the token.
pub async fn set_roles<S: Store>(
    store: &S,
    org: &OrgId,
    id: &str,
    roles: &[Role],
    expected_version: u64,
) -> Result<Person, PeopleError> {
    set_roles_and_groups(store, org, id, roles, None, expected_version).await
}

/// Changes a person's roles and, when `groups` is given, their groups, if nobody changed the
/// person since `expected_version`.
pub async fn set_roles_and_groups<S: Store>(
    store: &S,
    org: &OrgId,
    id: &str,
    roles: &[Role],
    groups: Option<&[String]>,
    expected_version: u64,
) -> Result<Person, PeopleError> {
    set_roles_and_groups_with(store, org, id, roles, groups, expected_version, Vec::new()).await
}

/// [`set_roles_and_groups`] with more writes in the same transaction.
pub(crate) async fn set_roles_and_groups_with<S: Store>(
    store: &S,
    org: &OrgId,
    id: &str,
    roles: &[Role],
    groups: Option<&[String]>,
    expected_version: u64,
    extra: Vec<TxOp>,
) -> Result<Person, PeopleError> {
    check_id(id)?;
    let roles = normalise_roles(roles)?;
    let groups = groups.map(normalise_groups).transpose()?;
    let condition = Condition::version(expected_version);
    let (stored, before) = get_stored(store, org, id).await?;
    if before.version != expected_version {
        return Err(PeopleError::VersionConflict);
    }
    let after = Person {
        roles,
        groups: groups.unwrap_or_else(|| before.groups.clone()),
        ..before.clone()
    };
    let mut changed = stored.clone();
    changed.details.roles = after.roles.clone();
    changed.details.groups = after.groups.clone();
    let update = Update::changes(&stored, &changed).bump_version();
    // The dashboard's counters move with the person, in the same transaction.
    let moves = if before.active {
        crate::counters::person_moves(store, org, id, Some(&before), Some(&after))
            .await
            .map_err(compliance_error)?
    } else {
        Vec::new()
    };
    let mut ops = vec![TxOp::Update {
        key: keys::person(org, id),
        update,
        condition,
    }];
    ops.extend(moves);
    let after = Person {
        version: before.version + 1,
        ..after
    };
    ops.extend(super::safeguarders::index_op(Some(&before), &after));
    ops.extend(extra);
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, person_id = id, "roles changed");
            get(store, org, id).await
        }
        Err(StoreError::TransactionConditionFailed { .. }) => {
            Err(missing_or_conflict(store, org, id).await)
        }
        Err(e) => Err(e.into()),
    }
}

fn compliance_error(e: crate::counters::CountError) -> PeopleError {
    match e {
        crate::counters::CountError::Store(s) => PeopleError::Store(s),
        other => PeopleError::Corrupt(other.to_string()),
    }
}

/// Ends every session of the person (signing out ends them on all devices: a stolen copy of a
/// session cookie stops working too). They can sign in again.
pub async fn end_sessions<S: Store>(
    store: &S,
    org: &OrgId,
    id: &str,
) -> Result<Person, PeopleError> {
    check_id(id)?;
    let update = Update::default()
        .add(PersonRecord::SESSION_EPOCH, 1)
        .bump_version();
    match store
        .update(&keys::person(org, id), update, Condition::Exists)
        .await
    {
        Ok(item) => person_from_item(org, &item),
        Err(StoreError::ConditionFailed) => Err(PeopleError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Stops a person signing in and ends their current sessions, now. Their records stay.
pub async fn deactivate<S: Store>(store: &S, org: &OrgId, id: &str) -> Result<Person, PeopleError> {
    deactivate_with(store, org, id, Vec::new(), Utc::now()).await
}

/// Whether a person is still here, for retention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    Active,
    /// Deactivated, at this time (`None`: before the platform recorded when).
    Left(Option<DateTime<Utc>>),
}

/// Whether the person `id` is still active, or when they left.
pub async fn presence<S: Store>(store: &S, org: &OrgId, id: &str) -> Result<Presence, PeopleError> {
    let (stored, person) = get_stored(store, org, id).await?;
    Ok(if person.active {
        Presence::Active
    } else {
        Presence::Left(stored.deactivated_at)
    })
}

/// [`deactivate`] at `now` (kept as the date they left), with more writes in the same
/// transaction. Deactivating someone already deactivated keeps the first date.
pub(crate) async fn deactivate_with<S: Store>(
    store: &S,
    org: &OrgId,
    id: &str,
    extra: Vec<TxOp>,
    now: DateTime<Utc>,
) -> Result<Person, PeopleError> {
    check_id(id)?;
    let (stored, before) = get_stored(store, org, id).await?;
    let deactivated = PersonRecord {
        active: false,
        deactivated_at: if before.active {
            Some(now)
        } else {
            stored.deactivated_at
        },
        ..stored.clone()
    };
    let update = Update::changes(&stored, &deactivated)
        .add(PersonRecord::SESSION_EPOCH, 1)
        .bump_version();
    // A deactivated person leaves the dashboard's counters (their records stay).
    let moves = if before.active {
        crate::counters::person_moves(store, org, id, Some(&before), None)
            .await
            .map_err(compliance_error)?
    } else {
        Vec::new()
    };
    let mut ops = vec![TxOp::Update {
        key: keys::person(org, id),
        update,
        condition: Condition::version(before.version),
    }];
    ops.extend(moves);
    let after = Person {
        active: false,
        version: before.version + 1,
        ..before.clone()
    };
    ops.extend(super::safeguarders::index_op(Some(&before), &after));
    ops.extend(extra);
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, person_id = id, "person deactivated; sessions revoked");
            get(store, org, id).await
        }
        Err(StoreError::TransactionConditionFailed { .. }) => {
            // Changed in between (a sign-out, a completion): the caller may simply try again.
            Err(missing_or_conflict(store, org, id).await)
        }
        Err(e) => Err(e.into()),
    }
}

/// Lets a deactivated person sign in again (with a new link: the sessions ended by the
/// deactivation stay ended) and counts them again on the dashboard. An active person is
/// answered as they are, with nothing written.
pub async fn reactivate<S: Store>(store: &S, org: &OrgId, id: &str) -> Result<Person, PeopleError> {
    reactivate_with(store, org, id, Vec::new()).await
}

/// [`reactivate`] with more writes in the same transaction.
pub(crate) async fn reactivate_with<S: Store>(
    store: &S,
    org: &OrgId,
    id: &str,
    extra: Vec<TxOp>,
) -> Result<Person, PeopleError> {
    check_id(id)?;
    let (stored, before) = get_stored(store, org, id).await?;
    if before.active {
        return Ok(before);
    }
    // Back: they have not left (a later deactivation records its own date).
    let reactivated = PersonRecord {
        active: true,
        deactivated_at: None,
        ..stored.clone()
    };
    // The session epoch stays where the deactivation moved it: old sessions stay refused.
    let update = Update::changes(&stored, &reactivated).bump_version();
    // Back in the dashboard's counters, with their learning as it stands (the mirror of
    // `deactivate_with`), in the same transaction.
    let moves = crate::counters::person_moves(store, org, id, None, Some(&before))
        .await
        .map_err(compliance_error)?;
    let mut ops = vec![TxOp::Update {
        key: keys::person(org, id),
        update,
        condition: Condition::version(before.version),
    }];
    ops.extend(moves);
    let after = Person {
        active: true,
        version: before.version + 1,
        ..before.clone()
    };
    ops.extend(super::safeguarders::index_op(Some(&before), &after));
    ops.extend(extra);
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, person_id = id, "person reactivated");
            get(store, org, id).await
        }
        Err(StoreError::TransactionConditionFailed { .. }) => {
            Err(missing_or_conflict(store, org, id).await)
        }
        Err(e) => Err(e.into()),
    }
}

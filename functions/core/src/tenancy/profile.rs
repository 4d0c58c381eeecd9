//! The organisation's profile in the store: read, seeded once from its file, saved as a new
//! version after the content check's rules, with a history entry per version.

use super::{Author, TenancyError, lost_race};
use crate::content::{Kind, Page, profile_problems};
use crate::keys;
use crate::learning_state::ItemRef;
use crate::org::{OrgId, OrgProfile, Requirement, SsoKind, SsoProvider};
use crate::store::record::{self, Record, from_item, to_item};
use crate::store::{Condition, Query, Store, TxOp, Update};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The current profile ([`keys::org_profile`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileRecord {
    pub profile: OrgProfile,
    /// 1 when seeded; one more at every save (optimistic locking).
    pub version: u64,
    pub changed_by: String,
    #[serde(with = "record::time")]
    pub changed_at: DateTime<Utc>,
}

impl Record for ProfileRecord {
    const TYPE: &'static str = "org_profile";
}

/// One saved version, in the history ([`keys::org_profile_change`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileChangeRecord {
    pub version: u64,
    pub profile: OrgProfile,
    pub by_id: String,
    pub by_name: String,
    #[serde(with = "record::time")]
    pub at: DateTime<Utc>,
    /// What changed, one line each ("DSL phone: 01632 960001 → 01632 960002").
    pub changes: Vec<String>,
}

impl Record for ProfileChangeRecord {
    const TYPE: &'static str = "org_profile_change";
}

/// The profile as stored now, if the organisation has one. 1 read.
pub async fn read<S: Store>(store: &S, org: &OrgId) -> Result<Option<ProfileRecord>, TenancyError> {
    match store.get(&keys::org_profile(org)).await? {
        Some(item) => Ok(Some(from_item(&item)?)),
        None => Ok(None),
    }
}

/// The stamp update every change of an organisation's content carries.
pub(crate) fn bump_stamp(org: &OrgId) -> TxOp {
    TxOp::Update {
        key: keys::org_stamp(org),
        update: Update::default()
            .set(record::TYPE, "org_stamp")
            .bump_version(),
        condition: Condition::Always,
    }
}

/// Stores `profile` as the organisation's first version unless it already has one (then
/// nothing is written and the answer is `false`): the seed is imported once, and edits made in
/// the app are never overwritten by the file.
pub async fn seed<S: Store>(
    store: &S,
    profile: &OrgProfile,
    pages: &[Page],
    source: &str,
    now: DateTime<Utc>,
) -> Result<bool, TenancyError> {
    let problems = profile_problems(profile, pages);
    if !problems.is_empty() {
        return Err(TenancyError::Invalid(problems));
    }
    let ops = seed_ops(profile, pages, source, now, None);
    match store.transact(ops).await {
        Ok(()) => Ok(true),
        Err(e) if lost_race(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The writes that store a seed profile as version 1 (each refused if it exists), list the
/// organisation in the deployment, and move its stamp.
pub(crate) fn seed_ops(
    profile: &OrgProfile,
    pages: &[Page],
    source: &str,
    now: DateTime<Utc>,
    base_url: Option<String>,
) -> Vec<TxOp> {
    let org = &profile.id;
    let current = ProfileRecord {
        profile: profile.clone(),
        version: 1,
        changed_by: source.to_string(),
        changed_at: now,
    };
    let first = ProfileChangeRecord {
        version: 1,
        profile: profile.clone(),
        by_id: String::new(),
        by_name: source.to_string(),
        at: now,
        changes: vec![format!("Imported from {source}")],
    };
    vec![
        TxOp::Put {
            item: to_item(&keys::org_profile(org), &current),
            condition: Condition::NotExists,
        },
        TxOp::Put {
            item: to_item(&keys::org_profile_change(org, 1), &first),
            condition: Condition::NotExists,
        },
        bump_stamp(org),
        super::hosts::listed(org, &profile.name, now, base_url),
        // The index behind the dashboard's lists is complete for an organisation of nobody:
        // marked built (with a "not started" range for every module and AUP), every write
        // keeps it from here, and nothing on AWS would ever rebuild it.
        TxOp::Put {
            item: to_item(
                &keys::standings_built(org),
                &crate::counters::StandingsBuiltRecord {
                    at: now,
                    entries: 0,
                    not_started: pages
                        .iter()
                        .filter_map(|p| match p.kind {
                            Kind::Module => Some(ItemRef::module(&p.id)),
                            Kind::Aup => Some(ItemRef::aup(&p.id)),
                            _ => None,
                        })
                        .map(|i| i.key_part())
                        .collect(),
                    building: Vec::new(),
                },
            ),
            condition: Condition::Always,
        },
    ]
}

/// Saves `new` as the next version of the organisation's profile, if it was at
/// `expected_version` and passes the content check's rules against `pages`. Nothing is saved
/// otherwise: [`TenancyError::Invalid`] says why, [`TenancyError::Conflict`] that someone saved
/// in between. 1 read, 1 transaction (the profile, its history entry, the stamp).
pub async fn save<S: Store>(
    store: &S,
    org: &OrgId,
    pages: &[Page],
    expected_version: u64,
    new: OrgProfile,
    by: &Author,
    now: DateTime<Utc>,
) -> Result<ProfileRecord, TenancyError> {
    if new.id != *org {
        return Err(TenancyError::Refused(
            "a profile cannot be moved to another organisation".into(),
        ));
    }
    let problems = profile_problems(&new, pages);
    if !problems.is_empty() {
        return Err(TenancyError::Invalid(problems));
    }
    let current = read(store, org).await?.ok_or(TenancyError::NotFound)?;
    if current.version != expected_version {
        return Err(TenancyError::Conflict);
    }
    let changes = describe_changes_in(&current.profile, &new, pages);
    if changes.is_empty() {
        return Err(TenancyError::NoChange);
    }
    let moved = sign_in_services_moved(store, org, &current.profile, &new).await?;
    if !moved.is_empty() {
        return Err(TenancyError::Invalid(moved));
    }
    let version = expected_version + 1;
    let saved = ProfileRecord {
        profile: new.clone(),
        version,
        changed_by: by.name.clone(),
        changed_at: now,
    };
    let entry = ProfileChangeRecord {
        version,
        profile: new,
        by_id: by.id.clone(),
        by_name: by.name.clone(),
        at: now,
        changes,
    };
    let ops = vec![
        TxOp::Put {
            item: to_item(&keys::org_profile(org), &saved),
            condition: Condition::version(expected_version),
        },
        TxOp::Put {
            item: to_item(&keys::org_profile_change(org, version), &entry),
            condition: Condition::NotExists,
        },
        bump_stamp(org),
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(org = %org, version, by = %by.id, "organisation profile saved");
            Ok(saved)
        }
        Err(e) if lost_race(&e) => Err(TenancyError::Conflict),
        Err(e) => Err(e.into()),
    }
}

/// Where a single sign-on provider sends people and its client secret: its kind, issuer (an
/// Entra tenant's is made from the tenant) and Google domain.
fn sign_in_service(p: &SsoProvider) -> (SsoKind, Result<String, String>, Option<String>) {
    (p.kind, p.issuer(), p.domain.clone())
}

/// The providers of `new` whose sign-in service is not the one their id had in the current
/// profile or in any earlier version, as the content check's reasons. An id's service is fixed
/// for good: its client secret is configured by id, outside the app, so moving an id to another
/// issuer (in one save, or by removing it and adding it again later) would send the secret to
/// that issuer and accept its tokens, which an administrator could use to sign in as anyone,
/// the DSL included. A new service takes a new id, whose secret someone running the platform
/// must configure. Reads the history only when an id is new to the current profile.
async fn sign_in_services_moved<S: Store>(
    store: &S,
    org: &OrgId,
    current: &OrgProfile,
    new: &OrgProfile,
) -> Result<Vec<String>, TenancyError> {
    let reason = |p: &SsoProvider| {
        format!(
            "sso `{}`: its sign-in service cannot be changed, because its client secret would be sent to the new one; add a provider with a new short name",
            p.id
        )
    };
    let mut moved = Vec::new();
    let mut unseen = Vec::new();
    for p in &new.sso {
        match current.sso.iter().find(|c| c.id == p.id) {
            Some(c) if sign_in_service(c) != sign_in_service(p) => moved.push(reason(p)),
            Some(_) => {}
            None => unseen.push(p),
        }
    }
    if unseen.is_empty() {
        return Ok(moved);
    }
    let mut cursor = None;
    loop {
        let query = Query::partition(keys::org_profile_partition(org))
            .prefix(keys::PROFILE_CHANGE_PREFIX)
            .limit(1000)
            .after(cursor.take());
        let page = store.query(&query).await?;
        for item in &page.items {
            let version: ProfileChangeRecord = from_item(item)?;
            for p in &unseen {
                let was = version.profile.sso.iter().find(|o| o.id == p.id);
                if was.is_some_and(|o| sign_in_service(o) != sign_in_service(p)) {
                    let why = reason(p);
                    if !moved.contains(&why) {
                        moved.push(why);
                    }
                }
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(moved),
        }
    }
}

/// The profile's history, newest first (at most `limit` entries). 1 query.
pub async fn history<S: Store>(
    store: &S,
    org: &OrgId,
    limit: usize,
) -> Result<Vec<ProfileChangeRecord>, TenancyError> {
    let page = store
        .query(
            &Query::partition(keys::org_profile_partition(org))
                .prefix(keys::PROFILE_CHANGE_PREFIX)
                .descending()
                .limit(limit.clamp(1, 1000)),
        )
        .await?;
    page.items
        .iter()
        .map(|i| from_item(i).map_err(TenancyError::from))
        .collect()
}

/// What changed between two profiles, one line per changed value, in the profile's order:
/// "DSL › phone: 01632 960001 → 01632 960002", "On duty 2 › name: (none) → Sam Lee".
/// Requirements are compared by who they are for (role and group), single sign-on providers by
/// their id, so adding one does not read as every later one changing: "Requirement for Staff
/// member › modules: added `staff-adults-at-risk`". Modules and AUPs are named by their ids;
/// [`describe_changes_in`] names them by their titles.
pub fn describe_changes(before: &OrgProfile, after: &OrgProfile) -> Vec<String> {
    describe_changes_in(before, after, &[])
}

/// [`describe_changes`], naming modules and AUPs by their titles in `pages` (by their ids when
/// not there): what the history keeps.
pub fn describe_changes_in(before: &OrgProfile, after: &OrgProfile, pages: &[Page]) -> Vec<String> {
    let (Ok(Value::Object(b)), Ok(Value::Object(a))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Vec::new();
    };
    let mut keys: Vec<&String> = a.keys().collect();
    keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
    let mut out = Vec::new();
    for key in keys {
        match key.as_str() {
            "requirements" => out.extend(requirement_changes(
                &before.requirements,
                &after.requirements,
                pages,
            )),
            "sso" => out.extend(sso_changes(&before.sso, &after.sso)),
            _ => out.extend(leaf_changes(
                b.get(key),
                a.get(key),
                std::slice::from_ref(key),
            )),
        }
    }
    out
}

/// One line per leaf value that differs under `prefix` ("Deputy 2 › name: A → B").
fn leaf_changes(before: Option<&Value>, after: Option<&Value>, prefix: &[String]) -> Vec<String> {
    let (mut before_leaves, mut after_leaves) = (Vec::new(), Vec::new());
    if let Some(b) = before {
        leaves(b, &mut prefix.to_vec(), &mut before_leaves);
    }
    if let Some(a) = after {
        leaves(a, &mut prefix.to_vec(), &mut after_leaves);
    }
    let find = |all: &[(Vec<String>, String)], path: &[String]| {
        all.iter()
            .find(|(p, _)| p.as_slice() == path)
            .map(|(_, v)| v.clone())
    };
    let mut paths: Vec<Vec<String>> = after_leaves.iter().map(|(p, _)| p.clone()).collect();
    for (p, _) in &before_leaves {
        if !paths.contains(p) {
            paths.push(p.clone());
        }
    }
    paths
        .into_iter()
        .filter_map(|path| {
            let (old, new) = (find(&before_leaves, &path), find(&after_leaves, &path));
            (old != new).then(|| {
                let shown = |v: Option<String>| match v {
                    Some(v) if !v.is_empty() => v,
                    _ => "(none)".into(),
                };
                format!("{}: {} → {}", path_label(&path), shown(old), shown(new))
            })
        })
        .collect()
}

/// Who a requirement is for, in words: "Staff member", "Learner, in Sept 2026 intake".
pub fn requirement_who(r: &Requirement) -> String {
    let role = crate::roles::Role::parse(&r.role)
        .map_or_else(|| r.role.clone(), |role| role.label().to_string());
    match &r.group {
        Some(g) => format!("{role}, in {g}"),
        None => role,
    }
}

/// “Title”, or `id` when no page of `kind` has that id.
fn item_name(pages: &[Page], kind: Kind, id: &str) -> String {
    pages
        .iter()
        .find(|p| p.kind == kind && p.id == id)
        .map_or_else(|| format!("`{id}`"), |p| format!("“{}”", p.title))
}

/// The requirements by who they are for (role and group), in order: two entries for the same
/// people are one.
fn by_who(requirements: &[Requirement]) -> Vec<Requirement> {
    let mut out: Vec<Requirement> = Vec::new();
    for r in requirements {
        let at = match out
            .iter()
            .position(|o| o.role == r.role && o.group == r.group)
        {
            Some(i) => i,
            None => {
                out.push(Requirement {
                    role: r.role.clone(),
                    group: r.group.clone(),
                    modules: Vec::new(),
                    aups: Vec::new(),
                });
                out.len() - 1
            }
        };
        let merged = &mut out[at];
        for m in &r.modules {
            if !merged.modules.contains(m) {
                merged.modules.push(m.clone());
            }
        }
        for a in &r.aups {
            if !merged.aups.contains(a) {
                merged.aups.push(a.clone());
            }
        }
    }
    out
}

/// What changed in the requirements, by who they are for.
fn requirement_changes(
    before: &[Requirement],
    after: &[Requirement],
    pages: &[Page],
) -> Vec<String> {
    let (old, new) = (by_who(before), by_who(after));
    let names = |kind: Kind, ids: &[String]| -> String {
        ids.iter()
            .map(|id| item_name(pages, kind, id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let whole = |r: &Requirement| -> String {
        let mut parts = Vec::new();
        if !r.modules.is_empty() {
            parts.push(format!("modules {}", names(Kind::Module, &r.modules)));
        }
        if !r.aups.is_empty() {
            parts.push(format!("AUPs {}", names(Kind::Aup, &r.aups)));
        }
        if parts.is_empty() {
            "nothing".into()
        } else {
            parts.join("; ")
        }
    };
    let same_people = |a: &Requirement, b: &Requirement| a.role == b.role && a.group == b.group;
    let mut lines = Vec::new();
    for r in &new {
        match old.iter().find(|o| same_people(o, r)) {
            None => lines.push(format!(
                "Requirement added for {}: {}",
                requirement_who(r),
                whole(r)
            )),
            Some(o) => {
                for (what, kind, was, now) in [
                    ("modules", Kind::Module, &o.modules, &r.modules),
                    ("AUPs", Kind::Aup, &o.aups, &r.aups),
                ] {
                    let added: Vec<String> =
                        now.iter().filter(|x| !was.contains(x)).cloned().collect();
                    let removed: Vec<String> =
                        was.iter().filter(|x| !now.contains(x)).cloned().collect();
                    let mut said = Vec::new();
                    if !added.is_empty() {
                        said.push(format!("added {}", names(kind, &added)));
                    }
                    if !removed.is_empty() {
                        said.push(format!("removed {}", names(kind, &removed)));
                    }
                    if said.is_empty() && was != now {
                        said.push("put in another order".into());
                    }
                    if !said.is_empty() {
                        lines.push(format!(
                            "Requirement for {} › {what}: {}",
                            requirement_who(r),
                            said.join("; ")
                        ));
                    }
                }
            }
        }
    }
    for o in &old {
        if !new.iter().any(|r| same_people(o, r)) {
            lines.push(format!(
                "Requirement removed for {}: {}",
                requirement_who(o),
                whole(o)
            ));
        }
    }
    if lines.is_empty() && before != after {
        lines.push("Requirements: put in another order".into());
    }
    lines
}

/// What changed in the single sign-on providers, by their id.
fn sso_changes(before: &[SsoProvider], after: &[SsoProvider]) -> Vec<String> {
    let kind = |p: &SsoProvider| match p.kind {
        SsoKind::Entra => "Microsoft Entra ID",
        SsoKind::Google => "Google Workspace",
        SsoKind::Oidc => "OpenID Connect",
    };
    let mut lines = Vec::new();
    for p in after {
        match before.iter().find(|o| o.id == p.id) {
            None => lines.push(format!(
                "Single sign-on added: `{}` ({}, “{}”)",
                p.id,
                kind(p),
                p.label
            )),
            Some(o) => {
                let prefix = vec![format!("Single sign-on `{}`", p.id)];
                lines.extend(leaf_changes(
                    serde_json::to_value(o).ok().as_ref(),
                    serde_json::to_value(p).ok().as_ref(),
                    &prefix,
                ));
            }
        }
    }
    for o in before {
        if !after.iter().any(|p| p.id == o.id) {
            lines.push(format!(
                "Single sign-on removed: `{}` ({}, “{}”)",
                o.id,
                kind(o),
                o.label
            ));
        }
    }
    if lines.is_empty() && before != after {
        lines.push("Single sign-on: put in another order".into());
    }
    lines
}

/// Every leaf value of a JSON document with its path.
fn leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                path.push(k.clone());
                leaves(v, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push((i + 1).to_string());
                leaves(v, path, out);
                path.pop();
            }
        }
        Value::Null => {}
        Value::String(s) => out.push((path.clone(), s.clone())),
        other => out.push((path.clone(), other.to_string())),
    }
}

/// "DSL › phone" for `["dsl", "phone"]`, "On duty 2 › name" for `["on_duty", "2", "name"]`.
fn path_label(path: &[String]) -> String {
    let word = |s: &str| -> String {
        match s {
            "dsl" => "DSL".into(),
            "deputies" => "Deputy".into(),
            "allegations_lead" => "Allegations lead".into(),
            "chair" => "Chair".into(),
            "on_duty" => "On duty".into(),
            "out_of_hours" => "Out of hours".into(),
            "out_of_hours_contacts" => "Out-of-hours contact".into(),
            "local" => "Local services".into(),
            "lado_phone" => "LADO phone".into(),
            "front_door_phone" => "children's services front door".into(),
            "adult_services_phone" => "adult social care phone".into(),
            "partnership_site" => "safeguarding partnership site".into(),
            "renewal_months" => "Renewal (months)".into(),
            "escalate_after_minutes" => "Escalate urgent worries after (minutes)".into(),
            "requirements" => "Requirement".into(),
            "sso" => "Single sign-on".into(),
            other => other.replace('_', " "),
        }
    };
    let mut parts: Vec<String> = Vec::new();
    for p in path {
        if p.chars().all(|c| c.is_ascii_digit())
            && let Some(last) = parts.last_mut()
        {
            last.push(' ');
            last.push_str(p);
            continue;
        }
        parts.push(word(p));
    }
    parts.join(" › ")
}

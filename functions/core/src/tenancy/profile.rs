//! The organisation's profile in the store: read, seeded once from its file, saved as a new
//! version after the content check's rules, with a history entry per version.

use super::{Author, TenancyError, lost_race};
use crate::content::{Page, profile_problems};
use crate::keys;
use crate::org::{OrgId, OrgProfile};
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
    let ops = seed_ops(profile, source, now, None);
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
    let changes = describe_changes(&current.profile, &new);
    if changes.is_empty() {
        return Err(TenancyError::NoChange);
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
pub fn describe_changes(before: &OrgProfile, after: &OrgProfile) -> Vec<String> {
    let (Ok(b), Ok(a)) = (serde_json::to_value(before), serde_json::to_value(after)) else {
        return Vec::new();
    };
    let (mut before_leaves, mut after_leaves) = (Vec::new(), Vec::new());
    leaves(&b, &mut Vec::new(), &mut before_leaves);
    leaves(&a, &mut Vec::new(), &mut after_leaves);
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

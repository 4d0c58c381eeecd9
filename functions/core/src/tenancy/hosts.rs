//! Several organisations on one deployment: each host name maps to one organisation (a domain
//! per organisation), and the deployment lists its organisations (for the functions that work
//! on each: reminders, the notifier).

use super::{TenancyError, lost_race};
use crate::content::Page;
use crate::identity::{NewPerson, Person, people};
use crate::keys;
use crate::org::{OrgId, OrgProfile};
use crate::roles::Role;
use crate::store::record::{self, Record, from_item, to_item};
use crate::store::{Condition, Query, Store, TxOp};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A host name's organisation ([`keys::host`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostRecord {
    pub host: String,
    pub org: OrgId,
}

impl Record for HostRecord {
    const TYPE: &'static str = "org_host";
}

/// One organisation of the deployment ([`keys::deployment_org`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeploymentOrgRecord {
    pub org: OrgId,
    pub name: String,
    #[serde(with = "record::time")]
    pub listed_at: DateTime<Utc>,
    /// Where its people's emails link to (`https://<its first host>`); none: the deployment's
    /// own address (`APP_BASE_URL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

impl Record for DeploymentOrgRecord {
    const TYPE: &'static str = "deployment_org";
}

/// The write that lists an organisation in the deployment (kept if it is listed already).
pub(crate) fn listed(
    org: &OrgId,
    name: &str,
    now: DateTime<Utc>,
    base_url: Option<String>,
) -> TxOp {
    TxOp::Put {
        item: to_item(
            &keys::deployment_org(org),
            &DeploymentOrgRecord {
                org: org.clone(),
                name: name.to_string(),
                listed_at: now,
                base_url,
            },
        ),
        condition: Condition::NotExists,
    }
}

/// A host name as a request names it, made comparable: lowercase, without the port or a
/// trailing dot. `None` when it is not a host name.
pub fn normalise_host(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    // `[::1]:3000`: an address, not a name; `name:port`: drop the port.
    if host.starts_with('[') {
        return None;
    }
    let name = host.rsplit_once(':').map_or(host.as_str(), |(name, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            name
        } else {
            ""
        }
    });
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    ok.then(|| name.to_string())
}

/// The organisation a host name serves, if one was mapped. 1 read.
pub async fn org_of_host<S: Store>(store: &S, host: &str) -> Result<Option<OrgId>, TenancyError> {
    let Some(host) = normalise_host(host) else {
        return Ok(None);
    };
    match store.get(&keys::host(&host)).await? {
        Some(item) => Ok(Some(from_item::<HostRecord>(&item)?.org)),
        None => Ok(None),
    }
}

/// The write that maps a host to an organisation; refused (in the transaction) when the host
/// already serves one.
fn map_host(host: &str, org: &OrgId) -> TxOp {
    TxOp::Put {
        item: to_item(
            &keys::host(host),
            &HostRecord {
                host: host.to_string(),
                org: org.clone(),
            },
        ),
        condition: Condition::NotExists,
    }
}

/// Every organisation of the deployment, in id order.
pub async fn list<S: Store>(store: &S) -> Result<Vec<DeploymentOrgRecord>, TenancyError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(keys::DEPLOYMENT_ORGS)
                    .limit(1000)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            out.push(from_item::<DeploymentOrgRecord>(item)?);
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// The deployment's entry of one organisation. 1 read.
pub async fn entry<S: Store>(
    store: &S,
    org: &OrgId,
) -> Result<Option<DeploymentOrgRecord>, TenancyError> {
    match store.get(&keys::deployment_org(org)).await? {
        Some(item) => Ok(Some(from_item(&item)?)),
        None => Ok(None),
    }
}

/// What a platform operator gives to create an organisation.
#[derive(Clone, Debug)]
pub struct NewOrganisation {
    /// The seed profile (its `id` is the new organisation's).
    pub profile: OrgProfile,
    /// The host names it is served at (none: only as the deployment's default, `APP_ORG`).
    pub hosts: Vec<String>,
    /// Its first administrator, who then adds everyone else.
    pub admin_email: String,
    pub admin_name: String,
}

/// Creates an organisation: its profile (from the seed, checked), its host names (refused when
/// one already serves another organisation) and its first administrator. Refused, writing
/// nothing, when the organisation exists.
pub async fn create<S: Store>(
    store: &S,
    pages: &[Page],
    new: &NewOrganisation,
    now: DateTime<Utc>,
) -> Result<Person, TenancyError> {
    let org = &new.profile.id;
    if super::profile::read(store, org).await?.is_some() {
        return Err(TenancyError::Refused(format!(
            "the organisation `{org}` exists already"
        )));
    }
    let problems = crate::content::profile_problems(&new.profile, pages);
    if !problems.is_empty() {
        return Err(TenancyError::Invalid(problems));
    }
    let mut hosts = Vec::new();
    for h in &new.hosts {
        match normalise_host(h) {
            Some(h) if !hosts.contains(&h) => hosts.push(h),
            Some(_) => {}
            None => {
                return Err(TenancyError::Invalid(vec![format!(
                    "`{h}` is not a host name"
                )]));
            }
        }
    }
    let base_url = hosts.first().map(|h| format!("https://{h}"));
    let mut ops =
        super::profile::seed_ops(&new.profile, pages, "the platform operator", now, base_url);
    ops.extend(hosts.iter().map(|h| map_host(h, org)));
    if let Err(e) = store.transact(ops).await {
        return Err(if lost_race(&e) {
            TenancyError::Refused(format!(
                "`{org}` exists already, or one of its host names ({}) serves another organisation",
                hosts.join(", ")
            ))
        } else {
            e.into()
        });
    }
    let admin = people::invite(
        store,
        org,
        &NewPerson {
            email: new.admin_email.clone(),
            name: new.admin_name.clone(),
            roles: vec![Role::Admin],
            groups: vec![],
        },
        now,
    )
    .await
    .map_err(|e| TenancyError::Invalid(vec![format!("the first administrator: {e}")]))?;
    tracing::info!(org = %org, hosts = ?hosts, admin = %admin.id, "organisation created");
    Ok(admin)
}

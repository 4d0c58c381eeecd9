//! The organisations of a deployment as an event function (notify, reminders) sees them: each
//! one's content read through a [`Directory`] refreshed by its stamp, the organisations to work
//! on (every listed one, and always the default one), and the default organisation's profile
//! file imported into the store the first time it is needed, so a fresh deployment works
//! whichever function starts first.

use super::{BaseContent, Directory, OrgContent, TenancyError, hosts, profile};
use crate::env::var;
use crate::mail::Links;
use crate::org::{OrgId, OrgProfile};
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

pub struct Deployment<S> {
    directory: Directory<OrgContent, S>,
    /// The deployment's address (`APP_BASE_URL`): the links of an organisation without its own.
    links: Links,
    /// The default organisation's profile file in the content, imported into the store the
    /// first time that organisation is needed without a stored profile.
    seed: Option<OrgProfile>,
}

/// What the event functions read from the environment, the same way as the web function:
/// `APP_ORG` (default `demo`), `APP_CONTENT_REFRESH_SECS` (default 10), `APP_BASE_URL`
/// (required), and the content compiled in (checked).
pub struct DeploymentConfig {
    pub base: Arc<BaseContent>,
    pub default_org: OrgId,
    pub refresh: Duration,
    pub links: Links,
}

impl DeploymentConfig {
    pub fn from_env() -> Result<Self, String> {
        let org_name = var("APP_ORG").unwrap_or_else(|| "demo".into());
        let default_org = OrgId::parse(&org_name)
            .ok_or_else(|| format!("APP_ORG `{org_name}` is not a valid organisation id"))?;
        let refresh = match var("APP_CONTENT_REFRESH_SECS") {
            None => Duration::from_secs(10),
            Some(v) => Duration::from_secs(v.parse().map_err(|_| {
                format!("APP_CONTENT_REFRESH_SECS must be a number of seconds, not `{v}`")
            })?),
        };
        let files = crate::content::embedded_files();
        let library = crate::content::load(files.clone()).map_err(|problems| {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            format!("the content does not pass the check:\n{}", list.join("\n"))
        })?;
        let base_url =
            var("APP_BASE_URL").ok_or("APP_BASE_URL must be set: the emails link to the site")?;
        Ok(DeploymentConfig {
            base: Arc::new(BaseContent {
                files,
                library: Arc::new(library),
            }),
            default_org,
            refresh,
            links: Links { base_url },
        })
    }
}

impl<S: Store> Deployment<S> {
    pub fn new(store: S, config: DeploymentConfig) -> Self {
        let seed = config
            .base
            .library
            .org(config.default_org.as_str())
            .cloned();
        Deployment {
            directory: Directory::new(
                store,
                config.base,
                Some(config.default_org),
                config.refresh,
                |c| c,
            ),
            links: config.links,
            seed,
        }
    }

    pub fn store(&self) -> &S {
        self.directory.store()
    }

    /// The default organisation (`APP_ORG`).
    pub fn default_org(&self) -> &OrgId {
        self.directory
            .default_org()
            .expect("a deployment always has a default organisation")
    }

    /// Where an organisation's emails link to: its own address, else the deployment's.
    pub fn links_of(&self, content: &OrgContent) -> Links {
        Links::of_organisation(content.base_url.as_deref(), &self.links.base_url)
    }

    /// An organisation's content as stored now; `None` when it has no stored profile. The
    /// default organisation without one is first seeded from its file (once: the seed is
    /// refused when a profile exists, and an edited profile is never overwritten).
    pub async fn content(
        &self,
        org: &OrgId,
        now: DateTime<Utc>,
    ) -> Result<Option<Arc<OrgContent>>, TenancyError> {
        if let Some(content) = self.directory.get(org).await? {
            return Ok(Some(content));
        }
        let Some(seed) = self.seed.as_ref().filter(|s| s.id == *org) else {
            return Ok(None);
        };
        let source = format!("content/organisations/{org}.toml");
        let base = self.directory.base();
        if profile::seed(self.store(), seed, &base.library.pages, &source, now).await? {
            tracing::info!(org = %org, source, "organisation profile imported into the store");
        }
        self.directory.get(org).await
    }

    /// A cold start's init (before the first event): the organisations listed and the default
    /// one read (and cached, its file imported when it has no stored profile), so the store's
    /// connection is open and the first event waits for neither.
    pub async fn warm(&self, now: DateTime<Utc>) -> Result<(), TenancyError> {
        self.organisations().await?;
        self.content(self.default_org(), now).await?;
        Ok(())
    }

    /// The organisations to work on: every one the deployment lists, and the default one
    /// (listed only once its file has been imported, which may not have happened yet).
    pub async fn organisations(&self) -> Result<Vec<OrgId>, TenancyError> {
        let mut orgs: Vec<OrgId> = hosts::list(self.store())
            .await?
            .into_iter()
            .map(|o| o.org)
            .collect();
        if !orgs.contains(self.default_org()) {
            orgs.insert(0, self.default_org().clone());
        }
        Ok(orgs)
    }
}

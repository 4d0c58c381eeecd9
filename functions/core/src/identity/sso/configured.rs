//! Which of an organisation's single sign-on providers this deployment offers: those of its
//! stored profile whose client secret is configured, named by
//! [`SsoProvider::secret_variables`] (`APP_SSO_<ORG>__<ID>_CLIENT_SECRET`; for the default
//! organisation also `APP_SSO_<ID>_CLIENT_SECRET`), with the issuer of an `oidc` provider moved
//! by the matching `..._ISSUER` variable.
//!
//! The variables are read once, when the configuration is read ([`SsoSettings`]), environment
//! and Parameter Store alike (`APP_SECRET_PARAMETERS` is read at cold start): a provider an
//! administrator adds later in the app is offered as soon as its organisation's site is rebuilt
//! if its secret was configured by then; a secret configured later takes a new configuration
//! (on AWS: a deployment, which starts new instances). Secrets never go into the store.

use crate::org::{OrgId, SsoKind, SsoProvider};
use std::collections::BTreeMap;

/// The deployment's single sign-on variables (`APP_SSO_*`), as read at start.
#[derive(Clone, Default)]
pub struct SsoSettings {
    vars: BTreeMap<String, String>,
}

impl std::fmt::Debug for SsoSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The names only: the values are secrets.
        f.debug_struct("SsoSettings")
            .field("names", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A provider this deployment can sign people in with: the profile's entry (its issuer moved
/// when configured so) and its client secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Configured {
    pub provider: SsoProvider,
    client_secret: String,
}

impl Configured {
    pub fn new(provider: SsoProvider, client_secret: String) -> Configured {
        Configured {
            provider,
            client_secret,
        }
    }

    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }
}

impl std::fmt::Debug for Configured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Configured")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// What an organisation offers: the providers, and what is wrong with the configuration of
/// others (each left out).
#[derive(Debug, Default)]
pub struct Offered {
    pub providers: Vec<Configured>,
    pub problems: Vec<String>,
}

impl SsoSettings {
    /// The variables (name, value) starting with `APP_SSO_`; others are ignored.
    pub fn new(vars: impl IntoIterator<Item = (String, String)>) -> SsoSettings {
        SsoSettings {
            vars: vars
                .into_iter()
                .filter(|(name, value)| name.starts_with("APP_SSO_") && !value.trim().is_empty())
                .collect(),
        }
    }

    fn first_set(&self, names: &[String]) -> Option<(&str, &str)> {
        names.iter().find_map(|name| {
            self.vars
                .get_key_value(name)
                .map(|(k, v)| (k.as_str(), v.as_str()))
        })
    }

    /// The providers of organisation `org` (`default_org`: the deployment's `APP_ORG`) that
    /// have a client secret; the others are left out, and a wrong issuer variable is a problem
    /// (its provider left out: it would otherwise sign in at the profile's issuer).
    pub fn offered(&self, org: &OrgId, default_org: bool, providers: &[SsoProvider]) -> Offered {
        let mut offered = Offered::default();
        for p in providers {
            let mut provider = p.clone();
            if let Some((name, issuer)) =
                self.first_set(&p.issuer_variables(org.as_str(), default_org))
            {
                if provider.kind != SsoKind::Oidc {
                    offered.problems.push(format!(
                        "{name}: only an `oidc` provider's issuer can be set"
                    ));
                    continue;
                }
                provider.issuer = Some(issuer.to_string());
                if let Some(why) = provider.problem() {
                    offered.problems.push(format!("{name}: {why}"));
                    continue;
                }
            }
            let names = p.secret_variables(org.as_str(), default_org);
            match self.first_set(&names) {
                Some((_, secret)) => offered
                    .providers
                    .push(Configured::new(provider, secret.to_string())),
                None => tracing::info!(
                    %org,
                    provider = p.id,
                    variable = p.secret_variable(org.as_str(), default_org),
                    "single sign-on provider not offered: its client secret is not configured"
                ),
            }
        }
        offered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(id: &str, kind: SsoKind) -> SsoProvider {
        SsoProvider {
            id: id.into(),
            label: format!("Sign in with {id}"),
            kind,
            issuer: (kind == SsoKind::Oidc).then(|| "https://id.example.org".into()),
            tenant: (kind == SsoKind::Entra).then(|| "00000000-0000-0000-0000-000000000001".into()),
            domain: (kind == SsoKind::Google).then(|| "school.example.org".into()),
            client_id: format!("{id}-client"),
        }
    }

    fn settings(vars: &[(&str, &str)]) -> SsoSettings {
        SsoSettings::new(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    fn ids(o: &Offered) -> Vec<(&str, &str)> {
        o.providers
            .iter()
            .map(|c| (c.provider.id.as_str(), c.client_secret()))
            .collect()
    }

    #[test]
    fn each_organisation_is_offered_only_the_providers_with_its_own_secret() {
        let s = settings(&[
            ("APP_SSO_ENTRA_CLIENT_SECRET", "old-style"),
            ("APP_SSO_BETA__ENTRA_CLIENT_SECRET", "beta's"),
            ("APP_SSO_DEMO__GOOGLE_CLIENT_SECRET", "demo's google"),
            ("APP_SSO_BETA__EMPTY_CLIENT_SECRET", "  "),
            ("APP_SECRET", "not an sso variable"),
        ]);
        let providers = [
            provider("entra", SsoKind::Entra),
            provider("google", SsoKind::Google),
            provider("empty", SsoKind::Oidc),
        ];
        let demo = OrgId::parse("demo").unwrap();
        let beta = OrgId::parse("beta").unwrap();
        let o = s.offered(&demo, true, &providers);
        assert_eq!(
            ids(&o),
            [("entra", "old-style"), ("google", "demo's google")]
        );
        assert!(o.problems.is_empty());
        assert_eq!(
            ids(&s.offered(&beta, false, &providers)),
            [("entra", "beta's")],
            "not the default organisation's old-style secret, nor an empty one"
        );
        // Beta as the default organisation: its old-style name first.
        assert_eq!(
            ids(&s.offered(&beta, true, &providers)),
            [("entra", "old-style")]
        );
        assert!(
            !format!("{o:?} {s:?}").contains("old-style"),
            "no secret in Debug output"
        );
    }

    #[test]
    fn an_issuer_variable_moves_only_an_oidc_provider_and_must_be_usable() {
        let beta = OrgId::parse("beta").unwrap();
        let providers = [provider("local", SsoKind::Oidc)];
        let s = settings(&[
            ("APP_SSO_BETA__LOCAL_CLIENT_SECRET", "x"),
            ("APP_SSO_BETA__LOCAL_ISSUER", "http://127.0.0.1:9999"),
            ("APP_SSO_LOCAL_ISSUER", "http://127.0.0.1:1"),
        ]);
        let o = s.offered(&beta, false, &providers);
        assert_eq!(
            o.providers[0].provider.issuer.as_deref(),
            Some("http://127.0.0.1:9999"),
            "its own variable, not the default organisation's"
        );
        let bad = settings(&[
            ("APP_SSO_BETA__LOCAL_CLIENT_SECRET", "x"),
            ("APP_SSO_BETA__LOCAL_ISSUER", "http://id.example.org"),
            ("APP_SSO_BETA__ENTRA_CLIENT_SECRET", "x"),
            ("APP_SSO_BETA__ENTRA_ISSUER", "https://id.example.org"),
        ]);
        let o = bad.offered(
            &beta,
            false,
            &[
                provider("local", SsoKind::Oidc),
                provider("entra", SsoKind::Entra),
            ],
        );
        assert!(o.providers.is_empty(), "{o:?}");
        assert_eq!(o.problems.len(), 2, "{:?}", o.problems);
        assert!(o.problems[0].starts_with("APP_SSO_BETA__LOCAL_ISSUER: "));
        assert!(o.problems[1].contains("only an `oidc` provider"));
    }
}

//! Organisations (tenants): the profile pages substitute in (names and contacts), and the scope
//! every stored item lives in.

use serde::{Deserialize, Serialize};

/// The id of an organisation. Every key in the store starts with it (see `keys`), so one
/// organisation's items can never be read through another's.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgId(String);

impl OrgId {
    /// Accepts 1-40 characters of lowercase letters, digits and hyphens.
    pub fn parse(s: &str) -> Option<OrgId> {
        let ok = !s.is_empty()
            && s.len() <= 40
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        ok.then(|| OrgId(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OrgId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    pub title: String,
    pub phone: String,
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalServices {
    pub authority: String,
    pub lado_phone: String,
    pub front_door_phone: String,
    /// Adult social care, for an adult at risk (adult learning services; optional elsewhere).
    #[serde(default)]
    pub adult_services_phone: String,
    /// The local safeguarding partnership's site: its procedures and thresholds (https).
    #[serde(default)]
    pub partnership_site: String,
}

/// An organisation's profile, from `content/organisations/<id>.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgProfile {
    pub id: OrgId,
    pub name: String,
    pub kind: String,
    /// Months after which staff training must be renewed (default 12).
    #[serde(default = "default_renewal")]
    pub renewal_months: u32,
    pub out_of_hours: String,
    pub dsl: Contact,
    #[serde(default)]
    pub deputies: Vec<Contact>,
    pub allegations_lead: Contact,
    /// The chair of governors, trustee, proprietor or owner: reads worries about the head (and
    /// about the DSL when the DSL is also the head). Required when the DSL is the allegations
    /// lead, or worries about them would reach nobody.
    #[serde(default)]
    pub chair: Option<Contact>,
    pub local: LocalServices,
    /// An urgent worry nobody acknowledges within this many minutes is emailed again to its
    /// readers and the on-duty contacts (default 30).
    #[serde(default = "default_escalate_after")]
    pub escalate_after_minutes: u32,
    /// Single sign-on providers people of this organisation may sign in with (none: email
    /// links only). Client secrets are configuration, never content.
    #[serde(default)]
    pub sso: Vec<SsoProvider>,
    /// What people must complete, by role (and optionally group). Checked against the content.
    #[serde(default)]
    pub requirements: Vec<Requirement>,
    /// Who is on safeguarding duty, per site (or per day): shown on the worry page and to the
    /// people handling worries. Who receives a worry is still decided by role (routing).
    #[serde(default)]
    pub on_duty: Vec<OnDuty>,
    /// Whom to call when the organisation is closed (e.g. the council's emergency duty team),
    /// besides the `out_of_hours` sentence.
    #[serde(default)]
    pub out_of_hours_contacts: Vec<OutOfHoursContact>,
    /// Who reads the low-level concerns about staff ([`LowLevelConcernsTo`]).
    #[serde(default)]
    pub low_level_concerns_to: LowLevelConcernsTo,
    /// How long each kind of record is kept ([`Retention`]; the guidance's defaults).
    #[serde(default)]
    pub retention: Retention,
}

fn default_escalate_after() -> u32 {
    30
}

/// The safeguarding lead on duty at one site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnDuty {
    /// "Site A", "Evening classes", "Mondays and Tuesdays"...
    pub site: String,
    pub name: String,
    pub title: String,
    pub phone: String,
    #[serde(default)]
    pub email: String,
}

/// A service to call out of hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutOfHoursContact {
    pub name: String,
    pub description: String,
    pub phone: String,
}

/// Modules and AUPs everyone with `role` (and, when set, in `group`) must complete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// A role id, e.g. `learner`, `staff`, `parent`.
    pub role: String,
    /// Only people in this group (e.g. "Site B staff"); none: everyone with the role.
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub modules: Vec<String>,
    #[serde(default)]
    pub aups: Vec<String>,
}

impl OrgProfile {
    /// The module and AUP ids required of someone with these roles and groups, each once, in
    /// the order the profile lists them.
    pub fn required_of(&self, roles: &[&str], groups: &[String]) -> (Vec<String>, Vec<String>) {
        let mut modules: Vec<String> = Vec::new();
        let mut aups: Vec<String> = Vec::new();
        // A role as the content check reads it ("Staff" is `staff`), so a requirement the
        // check accepts applies.
        let applies = |r: &Requirement| {
            crate::roles::Role::parse(&r.role).is_some_and(|role| roles.contains(&role.as_str()))
                && r.group.as_ref().is_none_or(|g| groups.contains(g))
        };
        for r in self.requirements.iter().filter(|r| applies(r)) {
            for m in &r.modules {
                if !modules.contains(m) {
                    modules.push(m.clone());
                }
            }
            for a in &r.aups {
                if !aups.contains(a) {
                    aups.push(a.clone());
                }
            }
        }
        (modules, aups)
    }
}

/// Which identity service an [`SsoProvider`] is; decides the issuer and the extra claim checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SsoKind {
    /// Microsoft Entra ID, one tenant: issuer `https://login.microsoftonline.com/<tenant>/v2.0`,
    /// and the token's `tid` must be that tenant.
    Entra,
    /// Google Workspace: issuer `https://accounts.google.com`, and the token's `hd` (hosted
    /// domain) must be the organisation's domain, so personal Gmail accounts are refused.
    Google,
    /// Any other OpenID Connect provider, by its issuer (e.g. the local demo provider).
    Oidc,
}

/// One single sign-on provider of an organisation (`[[sso]]` in its profile).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoProvider {
    /// In the sign-in addresses (`/sign-in/sso/<id>`): 1-20 of `a-z 0-9 -`.
    pub id: String,
    /// The button's words, e.g. "Sign in with your college Microsoft account".
    pub label: String,
    pub kind: SsoKind,
    /// Required for `oidc`; derived for `entra` and `google`.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Entra tenant id (a GUID).
    #[serde(default)]
    pub tenant: Option<String>,
    /// Google Workspace domain (required for `google`).
    #[serde(default)]
    pub domain: Option<String>,
    pub client_id: String,
}

impl SsoProvider {
    /// The issuer its ID tokens must carry, or why the profile is wrong.
    pub fn issuer(&self) -> Result<String, String> {
        match (self.kind, &self.issuer, &self.tenant, &self.domain) {
            (SsoKind::Entra, None, Some(tenant), _) => {
                Ok(format!("https://login.microsoftonline.com/{tenant}/v2.0"))
            }
            (SsoKind::Entra, _, _, _) => {
                Err("an `entra` provider needs `tenant` (and no `issuer`)".into())
            }
            (SsoKind::Google, None, _, Some(_)) => Ok("https://accounts.google.com".into()),
            (SsoKind::Google, _, _, _) => {
                Err("a `google` provider needs `domain` (and no `issuer`)".into())
            }
            (SsoKind::Oidc, Some(issuer), _, _) => Ok(issuer.trim_end_matches('/').to_string()),
            (SsoKind::Oidc, None, _, _) => Err("an `oidc` provider needs `issuer`".into()),
        }
    }

    /// What is wrong with this entry, if anything.
    pub fn problem(&self) -> Option<String> {
        let id_ok = (1..=20).contains(&self.id.len())
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return Some(format!(
                "sso id `{}` must be 1-20 of lowercase letters, digits and hyphens",
                self.id
            ));
        }
        if self.client_id.trim().is_empty() || self.label.trim().is_empty() {
            return Some(format!("sso `{}` needs a label and a client_id", self.id));
        }
        let issuer = match self.issuer() {
            Ok(i) => i,
            Err(e) => return Some(format!("sso `{}`: {e}", self.id)),
        };
        if !crate::http_client::allowed_url(&issuer) {
            return Some(format!(
                "sso `{}`: the issuer must be an https address (http only on loopback)",
                self.id
            ));
        }
        None
    }
}

fn default_renewal() -> u32 {
    12
}

/// The kinds of organisation a profile may be (`kind = "..."`). A module's `required_in` names
/// some of them: every organisation of those kinds requires it of the module's audience.
pub const ORG_KINDS: &[&str] = &["school", "college", "adult-learning", "training-provider"];

impl OrgProfile {
    /// Whether this organisation is of one of `kinds` (none: it is not).
    pub fn is_one_of(&self, kinds: &[String]) -> bool {
        kinds.contains(&self.kind)
    }
}

/// The placeholders content may use, so the content check can refuse unknown ones.
pub const PLACEHOLDERS: &[&str] = &[
    "org.name",
    "dsl.name",
    "dsl.title",
    "dsl.phone",
    "dsl.email",
    "deputies",
    "allegations_lead.name",
    "allegations_lead.title",
    "allegations_lead.phone",
    "allegations_lead.email",
    "chair.name",
    "chair.title",
    "out_of_hours",
    "local.authority",
    "local.lado_phone",
    "local.front_door_phone",
    "local.adult_services_phone",
    "local.partnership_site",
    "routing.team",
    "routing.staff",
    "routing.dsl",
    "routing.head",
];

impl OrgProfile {
    /// The value of a content placeholder for this organisation, but for `routing.<queue>`,
    /// which [`crate::routing::placeholder`] answers (content asks that, which asks this for the
    /// rest).
    pub fn placeholder(&self, name: &str) -> Option<String> {
        let chair = self.chair.as_ref();
        Some(match name {
            "org.name" => self.name.clone(),
            "dsl.name" => self.dsl.name.clone(),
            "dsl.title" => self.dsl.title.clone(),
            "dsl.phone" => self.dsl.phone.clone(),
            "dsl.email" => self.dsl.email.clone(),
            "deputies" => join_names(self.deputies.iter().map(|d| d.name.as_str())),
            "allegations_lead.name" => self.allegations_lead.name.clone(),
            "allegations_lead.title" => self.allegations_lead.title.clone(),
            "allegations_lead.phone" => self.allegations_lead.phone.clone(),
            "allegations_lead.email" => self.allegations_lead.email.clone(),
            // Without a chair in the profile: no name, and the title says who that would be.
            "chair.name" => chair.map(|c| c.name.clone()).unwrap_or_default(),
            "chair.title" => chair.map_or_else(
                || "the chair of governors or trustees (or the proprietor or owner)".into(),
                |c| c.title.clone(),
            ),
            "out_of_hours" => self.out_of_hours.clone(),
            "local.authority" => self.local.authority.clone(),
            "local.lado_phone" => self.local.lado_phone.clone(),
            "local.front_door_phone" => self.local.front_door_phone.clone(),
            "local.adult_services_phone" => self.local.adult_services_phone.clone(),
            "local.partnership_site" => self.local.partnership_site.clone(),
            _ => return None,
        })
    }
}

/// "A", "A and B", "A, B and C".
pub(crate) fn join_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A national help service (999, CEOP, Childline...), from `content/help.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelpService {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub url: String,
    pub description: String,
}

/// One part of a single sign-on variable's name: upper case, `-` as `_`. `None` when the part
/// could be read two ways in a name (empty, `--`, or a hyphen at either end), so that no two
/// organisations' providers can ever share a variable.
fn variable_part(part: &str) -> Option<String> {
    let plain = !part.is_empty()
        && !part.starts_with('-')
        && !part.ends_with('-')
        && !part.contains("--")
        && part
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    plain.then(|| part.to_ascii_uppercase().replace('-', "_"))
}

/// The variables single sign-on settings of a provider are read from, in the order they are
/// tried: `APP_SSO_<ORG>__<ID>_<what>` for every organisation (a double `_` between the
/// organisation and the provider, which neither can contain), and first, for the deployment's
/// default organisation only, the older `APP_SSO_<ID>_<what>` (existing deployments keep
/// working). A name that could be read two ways is never accepted: with a single `_` between
/// them, organisation `beta` with provider `school-x` and organisation `beta-school` with
/// provider `x` would share one variable, and one organisation's administrator could point
/// their provider at another issuer and be sent the other's client secret.
fn sso_variables(org: &str, id: &str, default_org: bool, what: &str) -> Vec<String> {
    let Some(id) = variable_part(id) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    if default_org {
        names.push(format!("APP_SSO_{id}_{what}"));
    }
    if let Some(org) = variable_part(org) {
        names.push(format!("APP_SSO_{org}__{id}_{what}"));
    }
    names
}

impl SsoProvider {
    /// The variable (or Parameter Store entry named in `APP_SECRET_PARAMETERS`) holding this
    /// provider's client secret, for organisation `org` (`default_org`: the deployment's
    /// default organisation, `APP_ORG`): `APP_SSO_<ID>_CLIENT_SECRET` for the default
    /// organisation, `APP_SSO_<ORG>__<ID>_CLIENT_SECRET` for any other (upper case, `-` as
    /// `_`). The default organisation may also use the second form; see
    /// [`SsoProvider::secret_variables`] for every name accepted (none when an id could be read
    /// two ways, e.g. with `--`).
    pub fn secret_variable(&self, org: &str, default_org: bool) -> String {
        self.secret_variables(org, default_org)
            .into_iter()
            .next()
            .unwrap_or_else(|| {
                format!(
                    "APP_SSO_{}__{}_CLIENT_SECRET",
                    org.to_ascii_uppercase().replace('-', "_"),
                    self.id.to_ascii_uppercase().replace('-', "_")
                )
            })
    }

    /// Every variable the client secret is read from, the first set one winning.
    pub fn secret_variables(&self, org: &str, default_org: bool) -> Vec<String> {
        sso_variables(org, &self.id, default_org, "CLIENT_SECRET")
    }

    /// Every variable that can move an `oidc` provider's issuer (`..._ISSUER`, named like the
    /// client secret's), the first set one winning.
    pub fn issuer_variables(&self, org: &str, default_org: bool) -> Vec<String> {
        sso_variables(org, &self.id, default_org, "ISSUER")
    }
}

#[cfg(test)]
mod sso_variable_tests {
    use super::*;

    fn provider(id: &str) -> SsoProvider {
        SsoProvider {
            id: id.into(),
            label: "Sign in".into(),
            kind: SsoKind::Oidc,
            issuer: Some("https://id.example.org".into()),
            tenant: None,
            domain: None,
            client_id: "client".into(),
        }
    }

    #[test]
    fn the_default_organisation_keeps_the_old_name_and_may_use_its_own() {
        let p = provider("college-entra");
        assert_eq!(
            p.secret_variable("demo", true),
            "APP_SSO_COLLEGE_ENTRA_CLIENT_SECRET"
        );
        assert_eq!(
            p.secret_variables("demo", true),
            [
                "APP_SSO_COLLEGE_ENTRA_CLIENT_SECRET",
                "APP_SSO_DEMO__COLLEGE_ENTRA_CLIENT_SECRET"
            ]
        );
        assert_eq!(
            p.issuer_variables("demo", true),
            [
                "APP_SSO_COLLEGE_ENTRA_ISSUER",
                "APP_SSO_DEMO__COLLEGE_ENTRA_ISSUER"
            ]
        );
    }

    #[test]
    fn another_organisation_has_only_its_own_name() {
        let p = provider("entra");
        assert_eq!(
            p.secret_variable("st-marys", false),
            "APP_SSO_ST_MARYS__ENTRA_CLIENT_SECRET"
        );
        assert_eq!(
            p.secret_variables("st-marys", false),
            ["APP_SSO_ST_MARYS__ENTRA_CLIENT_SECRET"]
        );
        assert_eq!(
            p.issuer_variables("st-marys", false),
            ["APP_SSO_ST_MARYS__ENTRA_ISSUER"]
        );
    }

    #[test]
    fn no_two_organisations_providers_share_a_variable() {
        // With one `_` between them these would all be APP_SSO_BETA_SCHOOL_X_CLIENT_SECRET.
        let a = provider("school-x").secret_variables("beta", false);
        let b = provider("x").secret_variables("beta-school", false);
        let legacy = provider("beta-school-x").secret_variables("demo", true);
        for name in &a {
            assert!(!b.contains(name) && !legacy.contains(name), "{name}");
        }
        for name in &b {
            assert!(!legacy.contains(name), "{name}");
        }
        // A part that could be read two ways gets no name at all.
        assert!(provider("a--b").secret_variables("demo", true).is_empty());
        assert!(provider("-a").secret_variables("org", false).is_empty());
        assert!(provider("a").secret_variables("org--b", false).is_empty());
        assert!(provider("a").secret_variables("org-", false).is_empty());
        assert_eq!(
            provider("a").secret_variables("org--b", true),
            ["APP_SSO_A_CLIENT_SECRET"],
            "the default organisation's old name still works"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_ids_are_restricted_to_safe_characters() {
        assert!(OrgId::parse("demo-college").is_some());
        for bad in ["", "Demo", "a#b", "a/b", "ORG#x", &"a".repeat(41)] {
            assert!(OrgId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn requirements_apply_by_role_and_group_each_once() {
        let req = |role: &str, group: Option<&str>, modules: &[&str], aups: &[&str]| Requirement {
            role: role.into(),
            group: group.map(Into::into),
            modules: modules.iter().map(|m| m.to_string()).collect(),
            aups: aups.iter().map(|a| a.to_string()).collect(),
        };
        let toml = include_str!("../../../content/organisations/demo.toml");
        let mut org: OrgProfile = toml::from_str(toml).unwrap();
        org.requirements = vec![
            req("learner", None, &["a", "b"], &["learner-aup"]),
            req("staff", None, &["s1"], &["staff-aup"]),
            req("staff", Some("Site B staff"), &["s2", "s1"], &[]),
        ];
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            org.required_of(&["learner"], &[]),
            (strings(&["a", "b"]), strings(&["learner-aup"]))
        );
        assert_eq!(
            org.required_of(&["staff"], &strings(&["Site A staff"])),
            (strings(&["s1"]), strings(&["staff-aup"]))
        );
        assert_eq!(
            org.required_of(&["staff", "dsl"], &strings(&["Site B staff"])),
            (strings(&["s1", "s2"]), strings(&["staff-aup"]))
        );
        assert_eq!(org.required_of(&["admin"], &[]), (vec![], vec![]));
    }

    #[test]
    fn a_requirement_applies_to_its_role_however_the_file_spells_it() {
        let toml = include_str!("../../../content/organisations/demo.toml");
        let mut org: OrgProfile = toml::from_str(toml).unwrap();
        org.requirements = vec![Requirement {
            role: "Deputy DSL".into(),
            group: None,
            modules: vec!["m".into()],
            aups: vec![],
        }];
        assert_eq!(
            org.required_of(&["deputy_dsl"], &[]).0,
            ["m".to_string()],
            "the content check accepts `Deputy DSL` as the role deputy_dsl"
        );
    }

    #[test]
    fn an_organisation_is_of_the_kinds_that_name_its_own() {
        let toml = include_str!("../../../content/organisations/demo.toml");
        let mut org: OrgProfile = toml::from_str(toml).unwrap();
        assert_eq!(org.kind, "college");
        assert!(ORG_KINDS.contains(&org.kind.as_str()));
        let kinds = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let adult = kinds(&["adult-learning"]);
        assert!(
            !org.is_one_of(&adult),
            "a college is not an adult learning service"
        );
        assert!(!org.is_one_of(&[]), "no kinds: none");
        assert!(org.is_one_of(&kinds(&["school", "college"])));
        org.kind = "adult-learning".into();
        assert!(org.is_one_of(&adult));
    }

    #[test]
    fn deputies_are_joined_in_plain_english() {
        assert_eq!(join_names(["A"].into_iter()), "A");
        assert_eq!(join_names(["A", "B"].into_iter()), "A and B");
        assert_eq!(join_names(["A", "B", "C"].into_iter()), "A, B and C");
    }
}

/// Who low-level concerns about staff are shared with (KCSIE Part 4 section 2: the DSL or the
/// head, as the organisation's policy says). The head (the allegations lead, who manages every
/// concern about staff) reads them either way: KCSIE asks that the head is told of every
/// low-level concern, so "the DSL" adds the DSL rather than replacing the head.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LowLevelConcernsTo {
    /// The head or managing director (the allegations lead) only: the default, as the issue's
    /// routing and KCSIE's "the head is informed of all low-level concerns" both put the head
    /// in every configuration.
    #[default]
    Head,
    /// The DSL, and the head.
    Dsl,
}

impl LowLevelConcernsTo {
    pub fn as_str(self) -> &'static str {
        match self {
            LowLevelConcernsTo::Head => "head",
            LowLevelConcernsTo::Dsl => "dsl",
        }
    }

    pub fn parse(s: &str) -> Option<LowLevelConcernsTo> {
        [LowLevelConcernsTo::Head, LowLevelConcernsTo::Dsl]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// How the profile page says it.
    pub fn label(self) -> &'static str {
        match self {
            LowLevelConcernsTo::Head => "The head or managing director (the allegations lead)",
            LowLevelConcernsTo::Dsl => "The DSL, and the head or managing director",
        }
    }
}

/// How long the organisation keeps each kind of safeguarding record, in whole years. The
/// defaults are the guidance's ([`Retention::SOURCE`]): the IRMS Information Management Toolkit
/// for Schools (the edition after the Data Protection Act 2018; its exact year was not
/// confirmed here) for child protection files, and Keeping Children Safe in Education 2025
/// (in force from 1 September 2025), Part 4, for allegations and low-level concerns. The rules that use them are in `retention`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Child protection records: until the child's birthday of this age (IRMS: 25).
    pub child_protection_until_age: u32,
    /// Allegations about staff: at least this many years from the allegation (KCSIE: 10)...
    pub allegation_years: u32,
    /// ...or until the person's normal retirement age, whichever is later (the platform does
    /// not know it: this age, with the date of birth on the linked record; default 67, the
    /// State Pension age from 2028).
    pub retirement_age: u32,
    /// Low-level concerns: kept at least until the person leaves, and this many years after.
    pub low_level_years_after_leaving: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            child_protection_until_age: 25,
            allegation_years: 10,
            retirement_age: 67,
            low_level_years_after_leaving: 0,
        }
    }
}

impl Retention {
    /// The bounds each setting is checked against, with what the form says: (least, most).
    pub const CHILD_PROTECTION_AGE: (u32, u32) = (25, 100);
    pub const ALLEGATION_YEARS: (u32, u32) = (10, 100);
    pub const RETIREMENT_AGE: (u32, u32) = (55, 80);
    pub const LOW_LEVEL_YEARS: (u32, u32) = (0, 50);
    /// Where the defaults come from, as the pages name it.
    pub const SOURCE: &'static str = "The defaults are the guidance's: the IRMS Information Management Toolkit for Schools (irms.org.uk, the edition revised for the Data Protection Act 2018) keeps a child protection file until the child's date of birth plus 25 years, then reviews it; Keeping Children Safe in Education 2025 (in force from 1 September 2025), Part 4, keeps records of allegations about staff until the person's normal retirement age or for 10 years from the allegation, whichever is longer, and low-level concerns at least until the person leaves.";
}

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
}

fn default_escalate_after() -> u32 {
    30
}

impl OrgProfile {
    /// The safeguarding roles as the profile names them, one pretend person per email address
    /// (someone named twice holds both roles): for checking that every kind of worry has a
    /// reader before the profile is used.
    pub fn safeguarding_people(&self) -> Vec<crate::identity::Person> {
        use crate::roles::Role;
        let mut people: Vec<crate::identity::Person> = Vec::new();
        let mut add = |c: &Contact, role: Role| {
            let email = c.email.trim().to_lowercase();
            let key = if email.is_empty() {
                c.name.trim().to_lowercase()
            } else {
                email
            };
            match people.iter_mut().find(|p| p.email == key) {
                Some(p) => {
                    if !p.roles.contains(&role) {
                        p.roles.push(role);
                    }
                }
                None => people.push(crate::identity::Person {
                    org: self.id.clone(),
                    id: key.clone(),
                    email: key,
                    name: c.name.clone(),
                    roles: vec![role],
                    groups: vec![],
                    active: true,
                    session_epoch: 0,
                    created_at: chrono::DateTime::UNIX_EPOCH,
                    version: 0,
                }),
            }
        };
        add(&self.dsl, Role::Dsl);
        for d in &self.deputies {
            add(d, Role::DeputyDsl);
        }
        add(&self.allegations_lead, Role::AllegationsLead);
        if let Some(chair) = &self.chair {
            add(chair, Role::Chair);
        }
        people
    }

    /// Problems with who would read worries: every kind of worry must reach someone who is not
    /// the person it is about (e.g. a DSL who is also the head needs a chair).
    pub fn routing_problems(&self) -> Vec<String> {
        crate::worry::routing::gaps(&self.safeguarding_people())
            .iter()
            .map(|g| format!("as this profile names its people, {}", g.message()))
            .collect()
    }
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
        let applies = |r: &Requirement| {
            roles.contains(&r.role.as_str()) && r.group.as_ref().is_none_or(|g| groups.contains(g))
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
    "routing.team",
    "routing.staff",
    "routing.dsl",
    "routing.head",
];

impl OrgProfile {
    /// The value of a content placeholder for this organisation.
    ///
    /// `routing.<queue>` says who reads a worry in that queue, with this organisation's names:
    /// the roles come from the routing table ([`Queue::readers`]) and the people from
    /// [`route`] over the profile's safeguarding people, so a page cannot name someone the
    /// routing leaves out (the person a worry is about, or someone holding their role too).
    ///
    /// [`Queue::readers`]: crate::worry::routing::Queue::readers
    /// [`route`]: crate::worry::routing::route
    pub fn placeholder(&self, name: &str) -> Option<String> {
        use crate::identity::Person;
        use crate::roles::Role;
        use crate::worry::routing::{Queue, route};

        /// The profile's people holding `role` (none for roles the profile does not name).
        fn holders(org: &OrgProfile, role: Role) -> Vec<&Contact> {
            match role {
                Role::Dsl => vec![&org.dsl],
                Role::DeputyDsl => org.deputies.iter().collect(),
                Role::AllegationsLead => vec![&org.allegations_lead],
                Role::Chair => org.chair.iter().collect(),
                _ => Vec::new(),
            }
        }

        /// "Priya Marsh (Designated Safeguarding Lead)", "the deputies, A and B": the people
        /// holding `role` among `who`.
        fn in_words(role: Role, who: &[&Contact]) -> Option<String> {
            let named = |c: &&Contact| match c.title.trim() {
                "" => c.name.clone(),
                title => format!("{} ({title})", c.name),
            };
            match (role, who) {
                (_, []) => None,
                (Role::DeputyDsl, [one]) => Some(format!("the deputy, {}", one.name)),
                (Role::DeputyDsl, many) => Some(format!(
                    "the deputies, {}",
                    join_names(many.iter().map(|c| c.name.as_str()))
                )),
                (_, who) => Some(join_with(who.iter().map(named).collect(), "and")),
            }
        }

        /// "A", "A and B", "A, B and C" (or with "or").
        fn join_with(parts: Vec<String>, word: &str) -> String {
            match parts.as_slice() {
                [] => String::new(),
                [one] => one.clone(),
                [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
            }
        }

        /// Who reads a worry sent to `queue`, and who never does.
        fn routing_in_words(org: &OrgProfile, queue: Queue) -> String {
            let people = org.safeguarding_people();
            let route = route(queue, &people);
            // The person `safeguarding_people` made of this contact (keyed the same way).
            let person = |c: &Contact| {
                let email = c.email.trim().to_lowercase();
                let key = if email.is_empty() {
                    c.name.trim().to_lowercase()
                } else {
                    email
                };
                people.iter().find(|p| p.id == key)
            };
            // Each role's holders for whom `keep` holds, each person once, in the roles' order.
            let in_order = |roles: &[Role], keep: &dyn Fn(&Person) -> bool| {
                let mut seen: Vec<&str> = Vec::new();
                let mut parts: Vec<String> = Vec::new();
                for &role in roles {
                    let mut who: Vec<&Contact> = Vec::new();
                    for c in holders(org, role) {
                        if let Some(p) = person(c)
                            && keep(p)
                            && !seen.contains(&p.id.as_str())
                        {
                            seen.push(&p.id);
                            who.push(c);
                        }
                    }
                    parts.extend(in_words(role, &who));
                }
                parts
            };
            let readers = in_order(route.queue.readers(), &|p| route.may_read(p));
            let never = in_order(route.concerned.as_slice(), &|_| true);
            match (readers.len(), never.is_empty()) {
                // Nobody to name (a profile the content check refuses): the table's own words.
                (0, _) => route.queue.readers_in_words().to_string(),
                (_, true) => join_with(readers, "and"),
                (1, false) => format!("{} only, never {}", readers[0], join_with(never, "or")),
                (_, false) => format!(
                    "{}, never {}",
                    join_with(readers, "and"),
                    join_with(never, "or")
                ),
            }
        }

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
            "routing.team" => routing_in_words(self, Queue::Team),
            "routing.staff" => routing_in_words(self, Queue::Staff),
            "routing.dsl" => routing_in_words(self, Queue::Dsl),
            "routing.head" => routing_in_words(self, Queue::Head),
            _ => return None,
        })
    }
}

/// "A", "A and B", "A, B and C".
fn join_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
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

    /// Start-up refuses a profile whose worries could not all be read: the content check runs
    /// this on every organisation profile.
    #[test]
    fn a_profile_whose_dsl_is_the_head_needs_a_chair() {
        let toml = include_str!("../../../content/organisations/demo.toml");
        let demo: OrgProfile = toml::from_str(toml).unwrap();
        assert!(demo.routing_problems().is_empty());
        let mut small = demo.clone();
        small.allegations_lead = small.dsl.clone();
        small.chair = None;
        let problems = small.routing_problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("worries about the DSL would reach nobody"));
        assert!(problems[1].contains("worries about the head would reach nobody"));
        small.chair = demo.chair.clone();
        assert!(small.routing_problems().is_empty());
        // The same person named twice (case and spaces aside) is one person with two roles.
        small.chair = None;
        small.allegations_lead.email = format!(" {} ", small.dsl.email.to_uppercase());
        assert_eq!(small.routing_problems().len(), 2);
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

//! The organisation's profile for the people who keep it: the form (`/admin/organisation`) and
//! its history (`/admin/organisation/history`). An admin edits the whole of it; the DSL edits
//! the safeguarding contacts only. Thin: the rules (what a valid profile is, the version check,
//! the history lines) are in `safety_core::tenancy::profile` and the content check.
//!
//! A new profile is always the CURRENT stored profile with only the sections the person may
//! edit replaced by what they sent: a DSL's form cannot carry a new name, new requirements or
//! new single sign-on providers (refused when it tries, ignored when it sends them unchanged).
//! A provider's client secret is never in the form or the store: the page names the
//! configuration variable it goes in.

use super::{Outcome, SiteState, Viewer, may};
use chrono::{DateTime, Utc};
use safety_core::org::{
    Contact, LocalServices, ORG_KINDS, OnDuty, OrgProfile, OutOfHoursContact, Requirement, SsoKind,
    SsoProvider,
};
use safety_core::roles::Action;
use safety_core::tenancy::{Author, TenancyError, profile};

/// Empty rows shown under each list (deputies, on duty, out-of-hours contacts): fill one in to
/// add a row. A row left (or made) empty is dropped on save.
pub const BLANK_ROWS: usize = 2;
/// Empty requirements shown after the organisation's (each is a list of every module and
/// policy, so one: save, and another empty one comes).
pub const BLANK_REQUIREMENTS: usize = 1;
/// Rows a list may have; a form with more is refused.
pub const MAX_ROWS: usize = 50;
/// Modules and policies one requirement may tick; a form with more is refused.
pub const MAX_TICKED: usize = 200;
/// Characters a one-line field may have.
pub const MAX_FIELD_CHARS: usize = 200;
/// Characters the out-of-hours sentence and a contact's description may have.
pub const MAX_TEXT_CHARS: usize = 1000;
/// History entries shown.
const HISTORY_LIMIT: usize = 200;

/// A person's contact as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactFields {
    pub name: String,
    pub title: String,
    pub phone: String,
    pub email: String,
}

/// One row of the on-duty rota as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DutyFields {
    pub site: String,
    pub name: String,
    pub title: String,
    pub phone: String,
    pub email: String,
}

/// One out-of-hours contact as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutOfHoursFields {
    pub name: String,
    pub description: String,
    pub phone: String,
}

/// The local authority's services as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalFields {
    pub authority: String,
    pub lado_phone: String,
    pub front_door_phone: String,
    pub adult_services_phone: String,
    pub partnership_site: String,
}

/// The admin-only section as typed (numbers as text, so what was typed can come back).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrganisationFields {
    pub name: String,
    pub kind: String,
    pub renewal_months: String,
    pub escalate_after_minutes: String,
    /// Who low-level concerns are shared with (`LowLevelConcernsTo` names).
    pub low_level_concerns_to: String,
    /// The retention periods in years (`None`: not sent, by a form from before they were
    /// offered; left as they are).
    pub retention_child_age: Option<String>,
    pub retention_allegation_years: Option<String>,
    pub retention_retirement_age: Option<String>,
    pub retention_low_level_years: Option<String>,
}

/// The safeguarding contacts section as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactsFields {
    pub dsl: ContactFields,
    pub deputies: Vec<ContactFields>,
    pub allegations_lead: ContactFields,
    pub chair: ContactFields,
    pub on_duty: Vec<DutyFields>,
    pub out_of_hours: String,
    pub out_of_hours_contacts: Vec<OutOfHoursFields>,
    pub local: LocalFields,
}

/// One requirement as typed: the role's id, the group (empty: everyone with the role) and the
/// ids of the modules and AUPs ticked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequirementFields {
    pub role: String,
    pub group: String,
    pub modules: Vec<String>,
    pub aups: Vec<String>,
}

impl RequirementFields {
    fn of(r: &Requirement) -> Self {
        RequirementFields {
            role: r.role.clone(),
            group: r.group.clone().unwrap_or_default(),
            modules: r.modules.clone(),
            aups: r.aups.clone(),
        }
    }
    /// Nothing ticked: it requires nothing, so it is not saved.
    fn requires_nothing(&self) -> bool {
        self.modules.is_empty() && self.aups.is_empty()
    }
    /// Nothing typed or ticked at all (an empty row of the form).
    fn is_blank(&self) -> bool {
        self.requires_nothing() && self.role.trim().is_empty() && self.group.trim().is_empty()
    }
    /// The role as stored: its id when it is one ("Staff" is `staff`), else as typed, for the
    /// content check to refuse.
    fn role_id(&self) -> String {
        safety_core::roles::Role::parse(&self.role)
            .map_or_else(|| self.role.trim().to_string(), |r| r.as_str().to_string())
    }
}

/// The rows of the form as the organisation's requirements: a row that requires nothing is
/// dropped; each row's modules and AUPs keep the order `current` gives them for the same
/// people (learners see their modules in that order), new ones after, in the form's order.
fn requirements_of(rows: &[RequirementFields], current: &[Requirement]) -> Vec<Requirement> {
    fn ordered(ticked: &[String], was: &[String]) -> Vec<String> {
        let mut out: Vec<String> = was.iter().filter(|x| ticked.contains(x)).cloned().collect();
        for t in ticked {
            let t = t.trim();
            if !t.is_empty() && !out.iter().any(|x| x == t) {
                out.push(t.to_string());
            }
        }
        out
    }
    rows.iter()
        .filter(|r| !r.requires_nothing())
        .map(|r| {
            let role = r.role_id();
            let group = Some(r.group.trim().to_string()).filter(|g| !g.is_empty());
            let same = current.iter().find(|c| c.role == role && c.group == group);
            let (was_modules, was_aups) = same.map_or((&[][..], &[][..]), |c| {
                (c.modules.as_slice(), c.aups.as_slice())
            });
            Requirement {
                role,
                group,
                modules: ordered(&r.modules, was_modules),
                aups: ordered(&r.aups, was_aups),
            }
        })
        .collect()
}

/// The typed rows as the form shows them again: rows with anything typed, then
/// [`BLANK_REQUIREMENTS`] empty ones.
fn requirement_rows_for_the_form(mut rows: Vec<RequirementFields>) -> Vec<RequirementFields> {
    rows.retain(|r| !r.is_blank());
    for _ in 0..BLANK_REQUIREMENTS {
        rows.push(RequirementFields::default());
    }
    rows
}

/// Empty single sign-on providers shown after the organisation's: fill one in to add one.
pub const BLANK_SSO: usize = 1;

/// One single sign-on provider as typed. Only the extra field of its kind is kept (`tenant` for
/// Entra, `domain` for Google, `issuer` for any other OpenID Connect provider): the form shows
/// all three.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SsoFields {
    pub id: String,
    /// `entra`, `google` or `oidc` (empty: not chosen).
    pub kind: String,
    pub label: String,
    pub client_id: String,
    pub tenant: String,
    pub issuer: String,
    pub domain: String,
}

impl SsoFields {
    fn of(p: &SsoProvider) -> Self {
        SsoFields {
            id: p.id.clone(),
            kind: kind_value(p.kind).into(),
            label: p.label.clone(),
            client_id: p.client_id.clone(),
            tenant: p.tenant.clone().unwrap_or_default(),
            issuer: p.issuer.clone().unwrap_or_default(),
            domain: p.domain.clone().unwrap_or_default(),
        }
    }
    fn is_blank(&self) -> bool {
        [
            &self.id,
            &self.kind,
            &self.label,
            &self.client_id,
            &self.tenant,
            &self.issuer,
            &self.domain,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
    /// The provider it says, when its kind is one.
    fn provider(&self) -> Option<SsoProvider> {
        let kind = match self.kind.trim() {
            "entra" => SsoKind::Entra,
            "google" => SsoKind::Google,
            "oidc" => SsoKind::Oidc,
            _ => return None,
        };
        let some = |s: &str, of: SsoKind| {
            Some(s.trim().to_string()).filter(|s| !s.is_empty() && kind == of)
        };
        Some(SsoProvider {
            id: self.id.trim().into(),
            label: self.label.trim().into(),
            kind,
            issuer: some(&self.issuer, SsoKind::Oidc),
            tenant: some(&self.tenant, SsoKind::Entra),
            domain: some(&self.domain, SsoKind::Google),
            client_id: self.client_id.trim().into(),
        })
    }
}

/// A kind as the form sends it.
fn kind_value(kind: SsoKind) -> &'static str {
    match kind {
        SsoKind::Entra => "entra",
        SsoKind::Google => "google",
        SsoKind::Oidc => "oidc",
    }
}

/// The kinds of single sign-on the form offers: (value, label).
pub fn sso_kind_choices() -> Vec<(&'static str, &'static str)> {
    vec![
        ("entra", "Microsoft Entra ID (Microsoft 365)"),
        ("google", "Google Workspace"),
        ("oidc", "Another OpenID Connect provider"),
    ]
}

/// The rows of the form as providers (empty rows dropped; a row whose kind is not one is left
/// out, and said by [`sso_problems`]).
fn providers_of(rows: &[SsoFields]) -> Vec<SsoProvider> {
    rows.iter()
        .filter(|r| !r.is_blank())
        .filter_map(SsoFields::provider)
        .collect()
}

/// The typed rows as the form shows them again, then [`BLANK_SSO`] empty ones.
fn sso_rows_for_the_form(mut rows: Vec<SsoFields>) -> Vec<SsoFields> {
    rows.retain(|r| !r.is_blank());
    for _ in 0..BLANK_SSO {
        rows.push(SsoFields::default());
    }
    rows
}

/// What is wrong with the provider rows that the content check cannot say: no kind, boxes too
/// long.
fn sso_problems(rows: &[SsoFields], problems: &mut Vec<Problem>) {
    for (i, r) in rows.iter().enumerate() {
        if r.is_blank() {
            continue;
        }
        if r.provider().is_none() {
            problems.push(Problem {
                text: format!("Choose the kind of sign-in service for provider {}.", i + 1),
                field: Some(field_id(&format!("sso.{i}.kind"))),
            });
        }
        for (f, v) in [
            ("id", &r.id),
            ("label", &r.label),
            ("client_id", &r.client_id),
            ("tenant", &r.tenant),
            ("issuer", &r.issuer),
            ("domain", &r.domain),
        ] {
            if v.trim().chars().count() > MAX_FIELD_CHARS {
                problems.push(Problem {
                    text: format!("Each box must be {MAX_FIELD_CHARS} characters or fewer."),
                    field: Some(field_id(&format!("sso.{i}.{f}"))),
                });
            }
        }
    }
}

/// A reason of the content check about a single sign-on provider, said for the form's rows.
/// `None`: not about one.
fn sso_problem(reason: &str, rows: &[SsoFields]) -> Option<Problem> {
    if !reason.starts_with("sso ") {
        return None;
    }
    let id = reason.split('`').nth(1).unwrap_or_default();
    let at: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.is_blank() && r.id.trim() == id)
        .map(|(i, _)| i)
        .collect();
    let problem = |i: usize, field: &str, text: String| Problem {
        text,
        field: Some(field_id(&format!("sso.{i}.{field}"))),
    };
    if reason.ends_with("is used twice") {
        let i = *at.get(1).or(at.first())?;
        return Some(problem(
            i,
            "id",
            format!(
                "Provider {} has the same short name as another: give each its own.",
                i + 1
            ),
        ));
    }
    let i = *at.first()?;
    let r = &rows[i];
    let n = i + 1;
    Some(if reason.contains("must be 1-20 of lowercase") {
        problem(
            i,
            "id",
            format!(
                "Enter a short name for provider {n}: 1 to 20 lowercase letters, digits or hyphens."
            ),
        )
    } else if reason.contains("needs a label and a client_id") {
        if r.label.trim().is_empty() {
            problem(
                i,
                "label",
                format!("Enter the button's words for provider {n}."),
            )
        } else {
            problem(
                i,
                "client_id",
                format!("Enter the client ID for provider {n}."),
            )
        }
    } else if reason.contains("needs `tenant`") {
        problem(
            i,
            "tenant",
            format!("Enter the Microsoft Entra tenant ID for provider {n}."),
        )
    } else if reason.contains("needs `domain`") {
        problem(
            i,
            "domain",
            format!("Enter the Google Workspace domain for provider {n}."),
        )
    } else if reason.contains("needs `issuer`") {
        problem(
            i,
            "issuer",
            format!("Enter the issuer address for provider {n}."),
        )
    } else if reason.contains("sign-in service cannot be changed") {
        let field = match r.kind.trim() {
            "entra" => "tenant",
            "google" => "domain",
            _ => "issuer",
        };
        problem(
            i,
            field,
            format!(
                "Provider {n} signs people in with another service than before. Its client secret would be sent to the new one, so it cannot be changed here: put back what it was, or add a provider with a new short name and ask whoever runs the platform to configure its secret."
            ),
        )
    } else if reason.contains("must be an https address") {
        let field = if r.kind.trim() == "entra" {
            "tenant"
        } else {
            "issuer"
        };
        problem(
            i,
            field,
            format!("Provider {n}: the issuer must be an https:// address."),
        )
    } else {
        return None;
    })
}

/// The posted profile form. Its fields are named as the profile is: `name`, `dsl.phone`,
/// `deputies.0.name`, `on_duty.1.site`, `out_of_hours_contacts.0.phone`, `local.lado_phone`,
/// `requirements.0.role` (and `requirements.0.modules`, `requirements.0.aups`: one each per
/// ticked box), and `version` (the version the form was made from). A section none of whose
/// fields were sent is `None` (left as it is).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(from = "Vec<(String, String)>")]
pub struct OrganisationForm {
    pub version: String,
    pub organisation: Option<OrganisationFields>,
    pub contacts: Option<ContactsFields>,
    pub requirements: Option<Vec<RequirementFields>>,
    pub sso: Option<Vec<SsoFields>>,
    /// A row numbered past [`MAX_ROWS`] was sent.
    pub too_many_rows: bool,
}

/// The row of `rows` numbered `index` (made when missing), unless past [`MAX_ROWS`].
fn row<'a, T: Default>(
    rows: &'a mut Vec<T>,
    index: &str,
    too_many: &mut bool,
) -> Option<&'a mut T> {
    let i: usize = index.parse().ok()?;
    if i >= MAX_ROWS {
        *too_many = true;
        return None;
    }
    if rows.len() <= i {
        rows.resize_with(i + 1, T::default);
    }
    rows.get_mut(i)
}

fn contact_field<'a>(c: &'a mut ContactFields, field: &str) -> Option<&'a mut String> {
    Some(match field {
        "name" => &mut c.name,
        "title" => &mut c.title,
        "phone" => &mut c.phone,
        "email" => &mut c.email,
        _ => return None,
    })
}

impl From<Vec<(String, String)>> for OrganisationForm {
    fn from(pairs: Vec<(String, String)>) -> Self {
        let mut form = OrganisationForm::default();
        let mut org = OrganisationFields::default();
        let mut contacts = ContactsFields::default();
        let mut requirements: Vec<RequirementFields> = Vec::new();
        let mut sso: Vec<SsoFields> = Vec::new();
        let (mut org_sent, mut contacts_sent, mut requirements_sent, mut sso_sent) =
            (false, false, false, false);
        let mut too_many = false;
        for (key, value) in pairs {
            let parts: Vec<&str> = key.split('.').collect();
            if let ["requirements", i, f] = parts.as_slice() {
                // Ticked boxes come one pair each: a list, not one value.
                if let Some(r) = row(&mut requirements, i, &mut too_many) {
                    requirements_sent = true;
                    match *f {
                        "role" => r.role = value,
                        "group" => r.group = value,
                        "modules" | "aups" if r.modules.len() + r.aups.len() >= MAX_TICKED => {
                            too_many = true
                        }
                        "modules" => r.modules.push(value),
                        "aups" => r.aups.push(value),
                        _ => {}
                    }
                }
                continue;
            }
            let slot: Option<&mut String> = match parts.as_slice() {
                ["version"] => Some(&mut form.version),
                ["name"] => Some(&mut org.name),
                ["kind"] => Some(&mut org.kind),
                ["renewal_months"] => Some(&mut org.renewal_months),
                ["escalate_after_minutes"] => Some(&mut org.escalate_after_minutes),
                ["low_level_concerns_to"] => Some(&mut org.low_level_concerns_to),
                ["retention_child_age"] => Some(org.retention_child_age.get_or_insert_default()),
                ["retention_allegation_years"] => {
                    Some(org.retention_allegation_years.get_or_insert_default())
                }
                ["retention_retirement_age"] => {
                    Some(org.retention_retirement_age.get_or_insert_default())
                }
                ["retention_low_level_years"] => {
                    Some(org.retention_low_level_years.get_or_insert_default())
                }
                ["dsl", f] => contact_field(&mut contacts.dsl, f),
                ["allegations_lead", f] => contact_field(&mut contacts.allegations_lead, f),
                ["chair", f] => contact_field(&mut contacts.chair, f),
                ["deputies", i, f] => {
                    row(&mut contacts.deputies, i, &mut too_many).and_then(|c| contact_field(c, f))
                }
                ["on_duty", i, f] => {
                    row(&mut contacts.on_duty, i, &mut too_many).and_then(|d| match *f {
                        "site" => Some(&mut d.site),
                        "name" => Some(&mut d.name),
                        "title" => Some(&mut d.title),
                        "phone" => Some(&mut d.phone),
                        "email" => Some(&mut d.email),
                        _ => None,
                    })
                }
                ["out_of_hours"] => Some(&mut contacts.out_of_hours),
                ["out_of_hours_contacts", i, f] => {
                    row(&mut contacts.out_of_hours_contacts, i, &mut too_many).and_then(
                        |c| match *f {
                            "name" => Some(&mut c.name),
                            "description" => Some(&mut c.description),
                            "phone" => Some(&mut c.phone),
                            _ => None,
                        },
                    )
                }
                ["local", f] => match *f {
                    "authority" => Some(&mut contacts.local.authority),
                    "lado_phone" => Some(&mut contacts.local.lado_phone),
                    "front_door_phone" => Some(&mut contacts.local.front_door_phone),
                    "adult_services_phone" => Some(&mut contacts.local.adult_services_phone),
                    "partnership_site" => Some(&mut contacts.local.partnership_site),
                    _ => None,
                },
                _ => None,
            };
            if let ["sso", i, f] = parts.as_slice() {
                if let Some(p) = row(&mut sso, i, &mut too_many) {
                    let slot = match *f {
                        "id" => Some(&mut p.id),
                        "kind" => Some(&mut p.kind),
                        "label" => Some(&mut p.label),
                        "client_id" => Some(&mut p.client_id),
                        "tenant" => Some(&mut p.tenant),
                        "issuer" => Some(&mut p.issuer),
                        "domain" => Some(&mut p.domain),
                        _ => None,
                    };
                    if let Some(slot) = slot {
                        sso_sent = true;
                        *slot = value;
                    }
                }
                continue;
            }
            if let Some(slot) = slot {
                match parts.first() {
                    Some(&"version") => {}
                    Some(
                        &("name"
                        | "kind"
                        | "renewal_months"
                        | "escalate_after_minutes"
                        | "low_level_concerns_to"
                        | "retention_child_age"
                        | "retention_allegation_years"
                        | "retention_retirement_age"
                        | "retention_low_level_years"),
                    ) => org_sent = true,
                    _ => contacts_sent = true,
                }
                *slot = value;
            }
        }
        form.organisation = org_sent.then_some(org);
        form.contacts = contacts_sent.then_some(contacts);
        form.requirements = requirements_sent.then_some(requirements);
        form.sso = sso_sent.then_some(sso);
        form.too_many_rows = too_many;
        form
    }
}

/// The `id` of the input named `name` (`dsl.phone` is `dsl-phone`): the page gives its inputs
/// these ids, and a problem links to one.
pub fn field_id(name: &str) -> String {
    name.replace(['.', '_'], "-")
}

/// One reason the profile was not saved, and the field it is about (its input's id), if one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub text: String,
    pub field: Option<String>,
}

/// What the page says above the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Saved as this version (after the redirect).
    Saved(u64),
    /// The form was the same as the profile: nothing was saved.
    NoChange,
    /// Someone saved another version first: theirs is shown.
    Conflict,
}

/// What `/admin/organisation` shows.
#[derive(Clone, Debug)]
pub struct OrganisationScreen {
    /// The organisation's name as stored (the page's heading).
    pub org_name: String,
    /// The viewer may edit the organisation section (an admin); otherwise only the contacts.
    pub may_organisation: bool,
    /// The version the form is made from (its hidden `version`).
    pub version: u64,
    pub organisation: OrganisationFields,
    /// The contacts, each list with its rows and [`BLANK_ROWS`] empty ones.
    pub contacts: ContactsFields,
    /// Why it was not saved (empty when nothing is wrong).
    pub problems: Vec<Problem>,
    pub notice: Option<Notice>,
    /// What people must complete (admins only): the rows and [`BLANK_REQUIREMENTS`] empty ones.
    pub requirements: Vec<RequirementFields>,
    /// The modules a requirement may tick, in the content's order.
    pub module_choices: Vec<ItemChoice>,
    /// The acceptable use policies a requirement may tick.
    pub aup_choices: Vec<ItemChoice>,
    /// The single sign-on providers (admins only): the rows and [`BLANK_SSO`] empty ones.
    pub sso: Vec<SsoRow>,
}

/// One single sign-on provider of the form, and where its client secret goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoRow {
    pub fields: SsoFields,
    /// The configuration variable of its client secret (`APP_SSO_<ID>_CLIENT_SECRET`...).
    pub secret_variable: String,
}

/// A module or policy a requirement may tick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemChoice {
    pub id: String,
    pub title: String,
    /// "For learners", "For staff"... (empty when the content says no audience).
    pub audience: String,
}

/// The organisation's modules (or AUPs) as the content library has them, with their titles:
/// those for learners first, then staff, then parents and carers, each in the content's order.
fn item_choices(site: &SiteState, kind: safety_core::content::Kind) -> Vec<ItemChoice> {
    use safety_core::content::Audience;
    let rank = |p: &&safety_core::content::Page| {
        [Audience::Learners, Audience::Staff, Audience::Parents]
            .iter()
            .position(|a| p.is_for(*a))
            .unwrap_or(3)
    };
    let mut pages: Vec<&safety_core::content::Page> = site.pages_of(kind).collect();
    pages.sort_by_key(rank);
    pages
        .into_iter()
        .map(|p| {
            let audience = super::policies::audience_list(p);
            ItemChoice {
                id: p.id.clone(),
                title: p.title.clone(),
                audience: if audience.is_empty() {
                    String::new()
                } else {
                    format!("For {audience}")
                },
            }
        })
        .collect()
}

/// The roles a requirement may be for: (id, label).
pub fn role_choices() -> Vec<(&'static str, &'static str)> {
    safety_core::roles::Role::ALL
        .iter()
        .map(|r| (r.as_str(), r.label()))
        .collect()
}

/// The page, or why not.
#[derive(Clone, Debug)]
pub struct OrganisationPage(pub Result<OrganisationScreen, (Outcome, String)>);

impl super::Ended for OrganisationPage {
    fn outcome(&self) -> Outcome {
        match &self.0 {
            Ok(_) => Outcome::Ok,
            Err((o, _)) => *o,
        }
    }
}

/// What a save ended with.
#[derive(Clone, Debug)]
pub enum SaveAnswer {
    /// Saved as this version: the edge answers with the page again, as a new request, so it
    /// shows the organisation's new site.
    Saved(u64),
    /// Not saved: the page to show, and how it ended.
    Shown(Outcome, Box<OrganisationPage>),
}

const NOT_ALLOWED: &str = "Only an administrator or the designated safeguarding lead can change the organisation's profile.";

impl OrganisationFields {
    fn of(p: &OrgProfile) -> Self {
        OrganisationFields {
            name: p.name.clone(),
            kind: p.kind.clone(),
            renewal_months: p.renewal_months.to_string(),
            escalate_after_minutes: p.escalate_after_minutes.to_string(),
            low_level_concerns_to: p.low_level_concerns_to.as_str().to_string(),
            retention_child_age: Some(p.retention.child_protection_until_age.to_string()),
            retention_allegation_years: Some(p.retention.allegation_years.to_string()),
            retention_retirement_age: Some(p.retention.retirement_age.to_string()),
            retention_low_level_years: Some(p.retention.low_level_years_after_leaving.to_string()),
        }
    }
}

impl ContactFields {
    fn of(c: &Contact) -> Self {
        ContactFields {
            name: c.name.clone(),
            title: c.title.clone(),
            phone: c.phone.clone(),
            email: c.email.clone(),
        }
    }
    fn is_blank(&self) -> bool {
        [&self.name, &self.title, &self.phone, &self.email]
            .iter()
            .all(|s| s.trim().is_empty())
    }
    fn contact(&self) -> Contact {
        Contact {
            name: self.name.trim().into(),
            title: self.title.trim().into(),
            phone: self.phone.trim().into(),
            email: self.email.trim().into(),
        }
    }
}

impl DutyFields {
    fn is_blank(&self) -> bool {
        [
            &self.site,
            &self.name,
            &self.title,
            &self.phone,
            &self.email,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
}

impl OutOfHoursFields {
    fn is_blank(&self) -> bool {
        [&self.name, &self.description, &self.phone]
            .iter()
            .all(|s| s.trim().is_empty())
    }
}

impl ContactsFields {
    fn of(p: &OrgProfile) -> Self {
        ContactsFields {
            dsl: ContactFields::of(&p.dsl),
            deputies: p.deputies.iter().map(ContactFields::of).collect(),
            allegations_lead: ContactFields::of(&p.allegations_lead),
            chair: p.chair.as_ref().map(ContactFields::of).unwrap_or_default(),
            on_duty: p
                .on_duty
                .iter()
                .map(|d| DutyFields {
                    site: d.site.clone(),
                    name: d.name.clone(),
                    title: d.title.clone(),
                    phone: d.phone.clone(),
                    email: d.email.clone(),
                })
                .collect(),
            out_of_hours: p.out_of_hours.clone(),
            out_of_hours_contacts: p
                .out_of_hours_contacts
                .iter()
                .map(|c| OutOfHoursFields {
                    name: c.name.clone(),
                    description: c.description.clone(),
                    phone: c.phone.clone(),
                })
                .collect(),
            local: LocalFields {
                authority: p.local.authority.clone(),
                lado_phone: p.local.lado_phone.clone(),
                front_door_phone: p.local.front_door_phone.clone(),
                adult_services_phone: p.local.adult_services_phone.clone(),
                partnership_site: p.local.partnership_site.clone(),
            },
        }
    }

    /// The rows people typed (empty ones dropped, so a row's number is its place in the saved
    /// profile), then [`BLANK_ROWS`] empty ones to add to each list.
    fn for_the_form(mut self) -> Self {
        self.deputies.retain(|c| !c.is_blank());
        self.on_duty.retain(|d| !d.is_blank());
        self.out_of_hours_contacts.retain(|c| !c.is_blank());
        for _ in 0..BLANK_ROWS {
            self.deputies.push(ContactFields::default());
            self.on_duty.push(DutyFields::default());
            self.out_of_hours_contacts.push(OutOfHoursFields::default());
        }
        self
    }

    /// Replaces the contacts of `p` with these (trimmed; empty rows dropped; an empty chair is
    /// none).
    fn apply(&self, p: &mut OrgProfile) {
        p.dsl = self.dsl.contact();
        p.deputies = self
            .deputies
            .iter()
            .filter(|c| !c.is_blank())
            .map(ContactFields::contact)
            .collect();
        p.allegations_lead = self.allegations_lead.contact();
        p.chair = (!self.chair.is_blank()).then(|| self.chair.contact());
        p.on_duty = self
            .on_duty
            .iter()
            .filter(|d| !d.is_blank())
            .map(|d| OnDuty {
                site: d.site.trim().into(),
                name: d.name.trim().into(),
                title: d.title.trim().into(),
                phone: d.phone.trim().into(),
                email: d.email.trim().into(),
            })
            .collect();
        p.out_of_hours = self.out_of_hours.trim().into();
        p.out_of_hours_contacts = self
            .out_of_hours_contacts
            .iter()
            .filter(|c| !c.is_blank())
            .map(|c| OutOfHoursContact {
                name: c.name.trim().into(),
                description: c.description.trim().into(),
                phone: c.phone.trim().into(),
            })
            .collect();
        p.local = LocalServices {
            authority: self.local.authority.trim().into(),
            lado_phone: self.local.lado_phone.trim().into(),
            front_door_phone: self.local.front_door_phone.trim().into(),
            adult_services_phone: self.local.adult_services_phone.trim().into(),
            partnership_site: self.local.partnership_site.trim().into(),
        };
    }

    /// Fields longer than they may be.
    fn too_long(&self, problems: &mut Vec<Problem>) {
        let mut check = |name: String, value: &str, max: usize, what: &str| {
            if value.trim().chars().count() > max {
                problems.push(Problem {
                    text: format!("{what} must be {max} characters or fewer."),
                    field: Some(field_id(&name)),
                });
            }
        };
        for (prefix, c) in [
            ("dsl".to_string(), &self.dsl),
            ("allegations_lead".to_string(), &self.allegations_lead),
            ("chair".to_string(), &self.chair),
        ]
        .into_iter()
        .chain(
            self.deputies
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("deputies.{i}"), c)),
        ) {
            for (f, v) in [
                ("name", &c.name),
                ("title", &c.title),
                ("phone", &c.phone),
                ("email", &c.email),
            ] {
                check(format!("{prefix}.{f}"), v, MAX_FIELD_CHARS, "Each box");
            }
        }
        for (i, d) in self.on_duty.iter().enumerate() {
            for (f, v) in [
                ("site", &d.site),
                ("name", &d.name),
                ("title", &d.title),
                ("phone", &d.phone),
                ("email", &d.email),
            ] {
                check(format!("on_duty.{i}.{f}"), v, MAX_FIELD_CHARS, "Each box");
            }
        }
        for (i, c) in self.out_of_hours_contacts.iter().enumerate() {
            check(
                format!("out_of_hours_contacts.{i}.name"),
                &c.name,
                MAX_FIELD_CHARS,
                "Each box",
            );
            check(
                format!("out_of_hours_contacts.{i}.description"),
                &c.description,
                MAX_TEXT_CHARS,
                "A description",
            );
            check(
                format!("out_of_hours_contacts.{i}.phone"),
                &c.phone,
                MAX_FIELD_CHARS,
                "Each box",
            );
        }
        check(
            "out_of_hours".into(),
            &self.out_of_hours,
            MAX_TEXT_CHARS,
            "What to do out of hours",
        );
        let l = &self.local;
        for (f, v) in [
            ("authority", &l.authority),
            ("lado_phone", &l.lado_phone),
            ("front_door_phone", &l.front_door_phone),
            ("adult_services_phone", &l.adult_services_phone),
            ("partnership_site", &l.partnership_site),
        ] {
            check(format!("local.{f}"), v, MAX_FIELD_CHARS, "Each box");
        }
    }
}

/// What is wrong with the requirement rows (as the form shows them again) that the content
/// check does not say in the form's words: one ticking something for nobody, a group too long.
fn requirement_problems(rows: &[RequirementFields], problems: &mut Vec<Problem>) {
    for (i, r) in rows.iter().enumerate() {
        if r.requires_nothing() {
            continue;
        }
        if r.role.trim().is_empty() {
            problems.push(Problem {
                text: format!("Choose who requirement {} is for.", i + 1),
                field: Some(field_id(&format!("requirements.{i}.role"))),
            });
        }
        if r.group.trim().chars().count() > MAX_FIELD_CHARS {
            problems.push(Problem {
                text: format!("A group must be {MAX_FIELD_CHARS} characters or fewer."),
                field: Some(field_id(&format!("requirements.{i}.group"))),
            });
        }
    }
}

/// A reason of the content check about a requirement, said for the form's rows: which row, and
/// the field it is about. `None`: not about a requirement.
fn requirement_problem(reason: &str, rows: &[RequirementFields]) -> Option<Problem> {
    let quoted: Vec<&str> = reason.split('`').skip(1).step_by(2).collect();
    let counted = |r: &&RequirementFields| !r.requires_nothing();
    if reason.starts_with("requirement for unknown role") {
        let role = quoted.first().copied().unwrap_or_default();
        let (i, _) = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| counted(r))
            .find(|(_, r)| r.role_id() == role)?;
        let text = if role.is_empty() {
            format!("Choose who requirement {} is for.", i + 1)
        } else {
            format!(
                "Requirement {}: “{role}” is not a role. Choose one from the list.",
                i + 1
            )
        };
        return Some(Problem {
            text,
            field: Some(field_id(&format!("requirements.{i}.role"))),
        });
    }
    if !reason.starts_with("requirement for `") {
        return None;
    }
    let (role, id) = (*quoted.first()?, *quoted.get(1)?);
    let (list, what) = if reason.ends_with("is not a module") {
        ("modules", "module")
    } else if reason.ends_with("is not an AUP") {
        ("aups", "acceptable use policy")
    } else {
        return None;
    };
    let (i, _) = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| counted(r))
        .find(|(_, r)| {
            r.role_id() == role
                && match list {
                    "modules" => r.modules.iter().any(|m| m.trim() == id),
                    _ => r.aups.iter().any(|a| a.trim() == id),
                }
        })?;
    Some(Problem {
        text: format!(
            "Requirement {}: there is no {what} “{id}”. Untick it, or choose one from the list.",
            i + 1
        ),
        field: Some(field_id(&format!("requirements.{i}.{list}"))),
    })
}

/// The typed organisation section applied to `p`: the numbers that could not be read leave
/// `p`'s own and say so.
fn apply_organisation(o: &OrganisationFields, p: &mut OrgProfile, problems: &mut Vec<Problem>) {
    p.name = o.name.trim().into();
    p.kind = o.kind.trim().into();
    if o.name.trim().chars().count() > MAX_FIELD_CHARS {
        problems.push(Problem {
            text: format!("The organisation's name must be {MAX_FIELD_CHARS} characters or fewer."),
            field: Some(field_id("name")),
        });
    }
    match o.renewal_months.trim().parse::<u32>() {
        Ok(n) => p.renewal_months = n,
        Err(_) => problems.push(Problem {
            text: "Enter the training renewal period as a whole number of months, like 12.".into(),
            field: Some(field_id("renewal_months")),
        }),
    }
    match o.escalate_after_minutes.trim().parse::<u32>() {
        Ok(n) => p.escalate_after_minutes = n,
        Err(_) => problems.push(Problem {
            text: "Enter the escalation time as a whole number of minutes, like 30.".into(),
            field: Some(field_id("escalate_after_minutes")),
        }),
    }
    // A form from before the setting was offered leaves it as it is.
    if !o.low_level_concerns_to.trim().is_empty() {
        match safety_core::org::LowLevelConcernsTo::parse(o.low_level_concerns_to.trim()) {
            Some(to) => p.low_level_concerns_to = to,
            None => problems.push(Problem {
                text: "Choose who low-level concerns about staff are shared with.".into(),
                field: Some(field_id("low_level_concerns_to")),
            }),
        }
    }
}

/// The typed retention periods applied to `p`: each a whole number of years within its bounds
/// (never shorter than the guidance), or a problem naming the bounds.
fn apply_retention(o: &OrganisationFields, p: &mut OrgProfile, problems: &mut Vec<Problem>) {
    use safety_core::org::Retention;
    let r = &mut p.retention;
    let settings = [
        (
            &o.retention_child_age,
            &mut r.child_protection_until_age,
            Retention::CHILD_PROTECTION_AGE,
            "retention_child_age",
            "the age until which child protection records are kept",
        ),
        (
            &o.retention_allegation_years,
            &mut r.allegation_years,
            Retention::ALLEGATION_YEARS,
            "retention_allegation_years",
            "the least number of years records of allegations are kept",
        ),
        (
            &o.retention_retirement_age,
            &mut r.retirement_age,
            Retention::RETIREMENT_AGE,
            "retention_retirement_age",
            "the normal retirement age",
        ),
        (
            &o.retention_low_level_years,
            &mut r.low_level_years_after_leaving,
            Retention::LOW_LEVEL_YEARS,
            "retention_low_level_years",
            "the years low-level concerns are kept after the person leaves",
        ),
    ];
    for (typed, slot, (least, most), name, what) in settings {
        let Some(typed) = typed else { continue };
        match typed.trim().parse::<u32>() {
            Ok(n) if (least..=most).contains(&n) => *slot = n,
            _ => problems.push(Problem {
                text: format!("Enter {what} as a whole number of years, from {least} to {most}."),
                field: Some(field_id(name)),
            }),
        }
    }
}

/// Whether the typed organisation section says what `p` already says.
fn same_organisation(o: &OrganisationFields, p: &OrgProfile) -> bool {
    let same = |typed: &Option<String>, n: u32| {
        typed
            .as_deref()
            .is_none_or(|t| t.trim().parse::<u32>().ok() == Some(n))
    };
    let r = &p.retention;
    if !(same(&o.retention_child_age, r.child_protection_until_age)
        && same(&o.retention_allegation_years, r.allegation_years)
        && same(&o.retention_retirement_age, r.retirement_age)
        && same(
            &o.retention_low_level_years,
            r.low_level_years_after_leaving,
        ))
    {
        return false;
    }
    o.name.trim() == p.name
        && o.kind.trim() == p.kind
        && o.renewal_months.trim().parse::<u32>().ok() == Some(p.renewal_months)
        && o.escalate_after_minutes.trim().parse::<u32>().ok() == Some(p.escalate_after_minutes)
        && (o.low_level_concerns_to.trim().is_empty()
            || o.low_level_concerns_to.trim() == p.low_level_concerns_to.as_str())
}

/// A reason from the content check (written for the profile's file) for people, with the field
/// it is about in `candidate` (the profile that was checked, whose rows are the form's rows).
/// A contact missing what it needs is said as GOV.UK says it: "Enter the DSL's phone number".
fn problem_of(reason: &str, candidate: &OrgProfile) -> Problem {
    let quoted = |after: &str| -> Option<String> {
        let start = reason.find(after)? + after.len();
        let rest = &reason[start..];
        let open = rest.find('`')? + 1;
        let len = rest[open..].find('`')?;
        Some(rest[open..open + len].to_string())
    };
    // The empty required fields of one contact: (field, label, value).
    let missing = |(before, after): (&str, &str), prefix: &str, fields: &[(&str, &str, &str)]| {
        let blank: Vec<&(&str, &str, &str)> = fields
            .iter()
            .filter(|(_, _, v)| v.trim().is_empty())
            .collect();
        let first = blank.first()?;
        let labels: Vec<String> = blank.iter().map(|(_, l, _)| l.to_string()).collect();
        Some(Problem {
            text: format!("Enter {before}{}{after}.", super::and_list(&labels)),
            field: Some(field_id(&format!("{prefix}.{}", first.0))),
        })
    };
    let person = |whose: &str, prefix: &str, c: &Contact| {
        missing(
            (whose, ""),
            prefix,
            &[
                ("name", "name", &c.name),
                ("title", "job title", &c.title),
                ("phone", "phone number", &c.phone),
            ],
        )
    };
    let specific = if reason.starts_with("the DSL needs") {
        person("the DSL's ", "dsl", &candidate.dsl)
    } else if reason.starts_with("the allegations lead needs") {
        person(
            "the allegations lead's ",
            "allegations_lead",
            &candidate.allegations_lead,
        )
    } else if reason.starts_with("the chair needs") {
        candidate
            .chair
            .as_ref()
            .and_then(|c| person("the chair's ", "chair", c))
    } else if reason.starts_with("a deputy needs") {
        let name = quoted("number").unwrap_or_default();
        candidate
            .deputies
            .iter()
            .enumerate()
            .find(|(_, d)| d.name == name)
            .and_then(|(i, d)| person(&format!("deputy {}'s ", i + 1), &format!("deputies.{i}"), d))
    } else if reason.starts_with("an `on_duty` entry") {
        let site = quoted("site").unwrap_or_default();
        candidate
            .on_duty
            .iter()
            .enumerate()
            .find(|(_, d)| d.site == site)
            .and_then(|(i, d)| {
                missing(
                    ("", &format!(" for on duty {}", i + 1)),
                    &format!("on_duty.{i}"),
                    &[
                        ("site", "the site or days", &d.site),
                        ("name", "the name", &d.name),
                        ("title", "the job title", &d.title),
                        ("phone", "the phone number", &d.phone),
                    ],
                )
            })
    } else if reason.starts_with("an `out_of_hours_contacts` entry") {
        let name = quoted("phone").unwrap_or_default();
        candidate
            .out_of_hours_contacts
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
            .and_then(|(i, c)| {
                missing(
                    ("", &format!(" for out-of-hours contact {}", i + 1)),
                    &format!("out_of_hours_contacts.{i}"),
                    &[
                        ("name", "the name of the service", &c.name),
                        ("description", "what it is and when to call", &c.description),
                        ("phone", "the phone number", &c.phone),
                    ],
                )
            })
    } else if reason.starts_with("the local authority") {
        let l = &candidate.local;
        missing(
            ("the ", ""),
            "local",
            &[
                ("authority", "local authority", &l.authority),
                ("lado_phone", "LADO phone number", &l.lado_phone),
                (
                    "front_door_phone",
                    "children's services front door phone number",
                    &l.front_door_phone,
                ),
            ],
        )
    } else {
        None
    };
    if let Some(problem) = specific {
        return problem;
    }
    let field = if reason.starts_with("the organisation needs a name") {
        Some("name".to_string())
    } else if reason.starts_with("unknown kind") {
        Some("kind".into())
    } else if reason.starts_with("training renewal") {
        Some("renewal_months".into())
    } else if reason.starts_with("an unacknowledged urgent worry") {
        Some("escalate_after_minutes".into())
    } else if reason.starts_with("say what to do out of hours") {
        Some("out_of_hours".into())
    } else if reason.starts_with("the DSL's email") {
        Some("dsl.email".into())
    } else if reason.starts_with("the allegations lead's email") {
        Some("allegations_lead.email".into())
    } else if reason.starts_with("the chair's email") {
        Some("chair.email".into())
    } else if reason.starts_with("a deputy's email") {
        let email = quoted("email").unwrap_or_default();
        candidate
            .deputies
            .iter()
            .position(|d| d.email == email)
            .map(|i| format!("deputies.{i}.email"))
    } else if reason.contains("local.partnership_site") {
        Some("local.partnership_site".into())
    } else if reason.contains("local.adult_services_phone") {
        Some("local.adult_services_phone".into())
    } else {
        None
    };
    Problem {
        text: for_people(reason),
        field: field.map(|f| field_id(&f)),
    }
}

/// The content check's reason in the page's words: no file names, quotes for what was typed, a
/// capital and a full stop.
fn for_people(reason: &str) -> String {
    if reason.contains("local.adult_services_phone") {
        return "An adult learning service needs the adult social care phone number (for an adult at risk).".into();
    }
    let mut s = reason
        .replace("an `on_duty` entry", "each on-duty row")
        .replace(
            "an `out_of_hours_contacts` entry",
            "each out-of-hours contact",
        )
        .replace(" (`out_of_hours`)", "")
        .replace(
            "`local.partnership_site`",
            "the safeguarding partnership site",
        )
        .replace(" (site ``)", "")
        .replace(" (``)", "");
    let mut open = true;
    s = s
        .chars()
        .map(|c| {
            if c == '`' {
                open = !open;
                if open { '”' } else { '“' }
            } else {
                c
            }
        })
        .collect();
    let mut chars = s.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

fn unavailable(e: &TenancyError) -> (Outcome, String) {
    tracing::error!(error = %e, "the organisation's profile could not be read or saved");
    (
        Outcome::Unavailable,
        "The organisation's profile cannot be reached just now. Please try again in a minute."
            .into(),
    )
}

/// What the form shows for a stored profile: every section as it is.
struct Typed {
    organisation: OrganisationFields,
    contacts: ContactsFields,
    requirements: Vec<RequirementFields>,
    sso: Vec<SsoFields>,
}

impl Typed {
    fn of(p: &OrgProfile) -> Self {
        Typed {
            organisation: OrganisationFields::of(p),
            contacts: ContactsFields::of(p),
            requirements: p.requirements.iter().map(RequirementFields::of).collect(),
            sso: p.sso.iter().map(SsoFields::of).collect(),
        }
    }
}

/// Where the page is: whether this organisation is the deployment's default one (which decides
/// the name of its client secrets' variables).
#[derive(Clone, Copy, Debug, Default)]
pub struct Place {
    pub is_default_org: bool,
}

fn screen(
    site: &SiteState,
    place: Place,
    viewer_may_org: bool,
    version: u64,
    stored: &OrgProfile,
    typed: Typed,
) -> OrganisationScreen {
    let (mut module_choices, mut aup_choices) = if viewer_may_org {
        (
            item_choices(site, safety_core::content::Kind::Module),
            item_choices(site, safety_core::content::Kind::Aup),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let requirements = if viewer_may_org {
        requirement_rows_for_the_form(typed.requirements)
    } else {
        Vec::new()
    };
    // An id the content does not have (typed, or left in the profile by an older content) is
    // offered too, ticked, so what was there is shown and kept.
    for r in &requirements {
        for (ids, choices) in [
            (&r.modules, &mut module_choices),
            (&r.aups, &mut aup_choices),
        ] {
            for id in ids {
                if !choices.iter().any(|c| c.id == *id) {
                    choices.push(ItemChoice {
                        id: id.clone(),
                        title: id.clone(),
                        audience: "Not in the content".into(),
                    });
                }
            }
        }
    }
    OrganisationScreen {
        org_name: stored.name.clone(),
        may_organisation: viewer_may_org,
        version,
        organisation: typed.organisation,
        contacts: typed.contacts.for_the_form(),
        problems: Vec::new(),
        notice: None,
        requirements,
        module_choices,
        aup_choices,
        sso: if viewer_may_org {
            sso_rows_for_the_form(typed.sso)
                .into_iter()
                .map(|fields| {
                    let secret_variable = secret_variable(&site.org_id, &fields.id, place);
                    SsoRow {
                        fields,
                        secret_variable,
                    }
                })
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// The configuration variable a provider's client secret goes in (`<ID>` while it has no
/// usable id).
fn secret_variable(org: &safety_core::org::OrgId, id: &str, place: Place) -> String {
    let id = id.trim();
    let usable = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let provider = SsoProvider {
        id: if usable { id.into() } else { "id".into() },
        label: String::new(),
        kind: SsoKind::Oidc,
        issuer: None,
        tenant: None,
        domain: None,
        client_id: String::new(),
    };
    let name = provider.secret_variable(org.as_str(), place.is_default_org);
    if usable {
        name
    } else {
        name.replace("_ID_CLIENT_SECRET", "_<ID>_CLIENT_SECRET")
    }
}

/// The form of the profile as the site has it, and the confirmation of a save (`saved`: the
/// version the redirect after a save names).
pub fn page(
    site: &SiteState,
    place: Place,
    viewer: &Viewer,
    saved: Option<u64>,
) -> OrganisationPage {
    if !may(site, viewer, Action::EditContacts) {
        return OrganisationPage(Err((Outcome::Forbidden, NOT_ALLOWED.into())));
    }
    let org = &site.org;
    let mut s = screen(
        site,
        place,
        may(site, viewer, Action::ManageOrganisation),
        site.profile_version,
        org,
        Typed::of(org),
    );
    s.notice = saved.map(Notice::Saved);
    OrganisationPage(Ok(s))
}

/// Saves what the form says, in the sections the viewer may edit, over the profile as stored
/// now. Not saved: the form again with what was typed and why (invalid), the stored version
/// (someone saved first), or a refusal (a section the viewer may not edit was changed).
pub async fn save(
    site: &SiteState,
    place: Place,
    viewer: &Viewer,
    form: OrganisationForm,
    now: DateTime<Utc>,
) -> SaveAnswer {
    let shown = |outcome, page| SaveAnswer::Shown(outcome, Box::new(page));
    if !may(site, viewer, Action::EditContacts) {
        return shown(
            Outcome::Forbidden,
            OrganisationPage(Err((Outcome::Forbidden, NOT_ALLOWED.into()))),
        );
    }
    let may_org = may(site, viewer, Action::ManageOrganisation);
    // The profile as stored now (not the site's copy, which may be a few seconds old): the
    // sections the viewer may not edit are kept exactly as they are.
    let current = match profile::read(&site.store, &site.org_id).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return shown(
                Outcome::NotFound,
                OrganisationPage(Err((
                    Outcome::NotFound,
                    "This organisation has no profile.".into(),
                ))),
            );
        }
        Err(e) => return shown(Outcome::Unavailable, OrganisationPage(Err(unavailable(&e)))),
    };
    let reloaded = |notice: Notice| {
        let mut s = screen(
            site,
            place,
            may_org,
            current.version,
            &current.profile,
            Typed::of(&current.profile),
        );
        s.notice = Some(notice);
        OrganisationPage(Ok(s))
    };
    let expected = form.version.trim().parse::<u64>().ok();
    if expected != Some(current.version) {
        tracing::info!(
            person_id = viewer.person.id,
            sent = form.version,
            stored = current.version,
            "organisation profile not saved: someone saved another version first"
        );
        return shown(Outcome::Conflict, reloaded(Notice::Conflict));
    }
    let typed_org = form.organisation.clone();
    let typed_contacts = form
        .contacts
        .clone()
        .unwrap_or_else(|| ContactsFields::of(&current.profile));
    let typed_requirements: Option<Vec<RequirementFields>> =
        form.requirements.clone().filter(|_| may_org);
    // The requirement rows as the form shows them again (their numbers are the problems').
    let requirement_rows: Vec<RequirementFields> =
        requirement_rows_for_the_form(typed_requirements.clone().unwrap_or_else(|| {
            current
                .profile
                .requirements
                .iter()
                .map(RequirementFields::of)
                .collect()
        }));
    let typed_sso: Option<Vec<SsoFields>> = form.sso.clone().filter(|_| may_org);
    let sso_rows: Vec<SsoFields> = sso_rows_for_the_form(
        typed_sso
            .clone()
            .unwrap_or_else(|| current.profile.sso.iter().map(SsoFields::of).collect()),
    );
    // What the form comes back with when it is not saved: what was typed, in the sections the
    // viewer may edit.
    let again = |problems: Vec<Problem>| {
        let mut typed = Typed::of(&current.profile);
        if let (Some(o), true) = (&typed_org, may_org) {
            typed.organisation = o.clone();
        }
        typed.contacts = typed_contacts.clone();
        if let Some(r) = &typed_requirements {
            typed.requirements = r.clone();
        }
        if let Some(r) = &typed_sso {
            typed.sso = r.clone();
        }
        let mut s = screen(
            site,
            place,
            may_org,
            current.version,
            &current.profile,
            typed,
        );
        s.problems = problems;
        OrganisationPage(Ok(s))
    };
    if !may_org
        && let Some(o) = &typed_org
        && !same_organisation(o, &current.profile)
    {
        tracing::warn!(
            person_id = viewer.person.id,
            "refused: not allowed to change the organisation's name, kind, renewal or escalation (contacts only)"
        );
        return shown(
            Outcome::Forbidden,
            again(vec![Problem {
                text: "Only an administrator can change the organisation's name, kind, training renewal period or escalation time. Nothing was saved.".into(),
                field: None,
            }]),
        );
    }
    if !may_org
        && let Some(rows) = &form.requirements
        && requirements_of(rows, &current.profile.requirements) != current.profile.requirements
    {
        tracing::warn!(
            person_id = viewer.person.id,
            "refused: not allowed to change what people must complete (contacts only)"
        );
        return shown(
            Outcome::Forbidden,
            again(vec![Problem {
                text:
                    "Only an administrator can change what people must complete. Nothing was saved."
                        .into(),
                field: None,
            }]),
        );
    }
    if !may_org
        && let Some(rows) = &form.sso
        && providers_of(rows) != current.profile.sso
    {
        tracing::warn!(
            person_id = viewer.person.id,
            "refused: not allowed to change single sign-on (contacts only)"
        );
        return shown(
            Outcome::Forbidden,
            again(vec![Problem {
                text: "Only an administrator can change single sign-on. Nothing was saved.".into(),
                field: None,
            }]),
        );
    }
    let mut new = current.profile.clone();
    let mut problems = Vec::new();
    if form.too_many_rows {
        problems.push(Problem {
            text: format!("A list can have at most {MAX_ROWS} rows."),
            field: None,
        });
    }
    if may_org && let Some(o) = &typed_org {
        apply_organisation(o, &mut new, &mut problems);
        apply_retention(o, &mut new, &mut problems);
    }
    if let Some(rows) = &typed_requirements {
        new.requirements = requirements_of(rows, &current.profile.requirements);
        requirement_problems(&requirement_rows, &mut problems);
    }
    if let Some(rows) = &typed_sso {
        new.sso = providers_of(rows);
        sso_problems(&sso_rows, &mut problems);
    }
    if form.contacts.is_some() {
        typed_contacts.apply(&mut new);
        // The rows as saved are the rows the form shows again (empty ones dropped).
        typed_contacts
            .clone()
            .for_the_form()
            .too_long(&mut problems);
    }
    let for_people = |reason: &String| {
        requirement_problem(reason, &requirement_rows)
            .or_else(|| sso_problem(reason, &sso_rows))
            .unwrap_or_else(|| problem_of(reason, &new))
    };
    if !problems.is_empty() {
        // Everything else that is wrong too, so it is all said at once (once per field).
        for p in safety_core::content::profile_problems(&new, &site.library.pages)
            .iter()
            .map(for_people)
        {
            if p.field.is_none() || !problems.iter().any(|q| q.field == p.field) {
                problems.push(p);
            }
        }
        return shown(Outcome::Invalid, again(problems));
    }
    let author = Author {
        id: viewer.person.id.clone(),
        name: viewer.person.name.clone(),
    };
    match profile::save(
        &site.store,
        &site.org_id,
        &site.library.pages,
        current.version,
        new.clone(),
        &author,
        now,
    )
    .await
    {
        Ok(saved) => SaveAnswer::Saved(saved.version),
        Err(TenancyError::Invalid(reasons)) => {
            tracing::info!(
                person_id = viewer.person.id,
                problems = reasons.len(),
                "organisation profile not saved: invalid"
            );
            shown(
                Outcome::Invalid,
                again(reasons.iter().map(for_people).collect()),
            )
        }
        Err(TenancyError::Conflict) => {
            // Saved by someone else between our read and our write: show theirs.
            match profile::read(&site.store, &site.org_id).await {
                Ok(Some(latest)) => {
                    let mut s = screen(
                        site,
                        place,
                        may_org,
                        latest.version,
                        &latest.profile,
                        Typed::of(&latest.profile),
                    );
                    s.notice = Some(Notice::Conflict);
                    shown(Outcome::Conflict, OrganisationPage(Ok(s)))
                }
                Ok(None) => shown(Outcome::Conflict, reloaded(Notice::Conflict)),
                Err(e) => shown(Outcome::Unavailable, OrganisationPage(Err(unavailable(&e)))),
            }
        }
        Err(TenancyError::NoChange) => {
            let mut page = again(Vec::new());
            if let Ok(s) = &mut page.0 {
                s.notice = Some(Notice::NoChange);
            }
            shown(Outcome::Ok, page)
        }
        Err(TenancyError::Refused(why)) => {
            tracing::warn!(person_id = viewer.person.id, reason = %why, "organisation profile refused");
            shown(
                Outcome::Forbidden,
                OrganisationPage(Err((Outcome::Forbidden, why))),
            )
        }
        Err(TenancyError::NotFound) => shown(
            Outcome::NotFound,
            OrganisationPage(Err((
                Outcome::NotFound,
                "This organisation has no profile.".into(),
            ))),
        ),
        Err(e @ (TenancyError::Store(_) | TenancyError::Corrupt(_))) => {
            shown(Outcome::Unavailable, OrganisationPage(Err(unavailable(&e))))
        }
    }
}

/// One saved version in the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub version: u64,
    /// When, in UK time ("6 December 2026, 09:12 GMT").
    pub at: String,
    /// The person's name (or, for the first version, the file it was imported from).
    pub by: String,
    pub changes: Vec<String>,
}

/// What `/admin/organisation/history` shows: the versions, newest first.
#[derive(Clone, Debug)]
pub struct HistoryPage(pub Result<Vec<HistoryEntry>, (Outcome, String)>);

impl super::Ended for HistoryPage {
    fn outcome(&self) -> Outcome {
        match &self.0 {
            Ok(_) => Outcome::Ok,
            Err((o, _)) => *o,
        }
    }
}

/// The profile's history, newest first (the latest [`HISTORY_LIMIT`] versions).
pub async fn history(site: &SiteState, viewer: &Viewer) -> HistoryPage {
    if !may(site, viewer, Action::EditContacts) {
        return HistoryPage(Err((Outcome::Forbidden, NOT_ALLOWED.into())));
    }
    match profile::history(&site.store, &site.org_id, HISTORY_LIMIT).await {
        Ok(entries) => HistoryPage(Ok(entries
            .into_iter()
            .map(|e| HistoryEntry {
                version: e.version,
                at: safety_core::dates::show_date_time(e.at),
                by: e.by_name,
                changes: e.changes,
            })
            .collect())),
        Err(e) => HistoryPage(Err(unavailable(&e))),
    }
}

/// The kinds of organisation the form offers: (value, label).
pub fn kind_choices() -> Vec<(&'static str, &'static str)> {
    ORG_KINDS
        .iter()
        .map(|&k| {
            let label = match k {
                "school" => "School",
                "college" => "College",
                "adult-learning" => "Adult learning service",
                "training-provider" => "Training provider",
                other => other,
            };
            (k, label)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_form_reads_its_sections_and_rows() {
        let f = OrganisationForm::from(pairs(&[
            ("csrf", "x"),
            ("version", "3"),
            ("dsl.name", "Priya"),
            ("deputies.1.phone", "01632 960000"),
            ("on_duty.0.site", "Site A"),
            ("local.lado_phone", "1"),
        ]));
        assert_eq!(f.version, "3");
        assert!(f.organisation.is_none(), "no organisation field was sent");
        let c = f.contacts.unwrap();
        assert_eq!(c.dsl.name, "Priya");
        assert_eq!(c.deputies.len(), 2);
        assert_eq!(c.deputies[1].phone, "01632 960000");
        assert_eq!(c.on_duty[0].site, "Site A");
        assert_eq!(c.local.lado_phone, "1");
        assert!(!f.too_many_rows);

        let f = OrganisationForm::from(pairs(&[("name", "X"), ("deputies.99.name", "Y")]));
        assert_eq!(f.organisation.unwrap().name, "X");
        assert!(f.too_many_rows);
        assert!(f.contacts.is_none(), "a row past the limit is not read");
    }

    #[test]
    fn requirements_are_read_with_their_ticked_boxes_and_keep_their_order() {
        let f = OrganisationForm::from(pairs(&[
            ("requirements.0.role", "Staff"),
            ("requirements.0.modules", "c"),
            ("requirements.0.modules", "a"),
            ("requirements.0.aups", "staff-aup"),
            ("requirements.1.role", "learner"),
            ("requirements.1.group", " Year 7 "),
            ("requirements.2.role", "parent"),
        ]));
        assert!(f.organisation.is_none() && f.contacts.is_none());
        let rows = f.requirements.unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].modules, ["c", "a"]);
        let current = vec![Requirement {
            role: "staff".into(),
            group: None,
            modules: vec!["a".into(), "b".into(), "c".into()],
            aups: vec![],
        }];
        assert_eq!(
            requirements_of(&rows, &current),
            vec![Requirement {
                role: "staff".into(),
                group: None,
                modules: vec!["a".into(), "c".into()],
                aups: vec!["staff-aup".into()],
            }],
            "the role by its id, the stored order kept, a row that requires nothing dropped"
        );
        let mut ticked = rows.clone();
        ticked[1].modules.push("m".into());
        assert_eq!(
            requirements_of(&ticked, &current)[1].group.as_deref(),
            Some("Year 7")
        );
        let many: Vec<(String, String)> = (0..=MAX_TICKED)
            .map(|i| ("requirements.0.modules".to_string(), format!("m{i}")))
            .collect();
        assert!(OrganisationForm::from(many).too_many_rows);
    }

    #[test]
    fn reasons_about_requirements_point_at_their_row() {
        let rows = vec![
            RequirementFields {
                role: "learner".into(),
                modules: vec!["a".into()],
                ..Default::default()
            },
            RequirementFields::default(),
            RequirementFields {
                role: "staff".into(),
                modules: vec!["nope".into()],
                aups: vec!["nada".into()],
                ..Default::default()
            },
        ];
        let p =
            requirement_problem("requirement for `staff`: `nope` is not a module", &rows).unwrap();
        assert_eq!(p.field.as_deref(), Some("requirements-2-modules"));
        assert!(
            p.text
                .starts_with("Requirement 3: there is no module “nope”")
        );
        let p =
            requirement_problem("requirement for `staff`: `nada` is not an AUP", &rows).unwrap();
        assert_eq!(p.field.as_deref(), Some("requirements-2-aups"));
        assert_eq!(
            requirement_problem(
                "the DSL needs a name, a title and a phone number (``)",
                &rows
            ),
            None
        );
    }

    #[test]
    fn a_provider_keeps_only_its_kinds_box_and_its_reasons_point_at_their_row() {
        let f = OrganisationForm::from(pairs(&[
            ("sso.0.id", "ms"),
            ("sso.0.kind", "entra"),
            ("sso.0.label", "Sign in"),
            ("sso.0.client_id", "c"),
            ("sso.0.tenant", " t "),
            ("sso.0.issuer", "https://stray.example.org"),
            ("sso.0.client_secret", "never"),
            ("sso.1.id", ""),
        ]));
        let rows = f.sso.unwrap();
        let providers = providers_of(&rows);
        assert_eq!(providers.len(), 1, "the empty row dropped");
        assert_eq!(providers[0].tenant.as_deref(), Some("t"));
        assert_eq!(providers[0].issuer, None, "not an Entra provider's box");
        let rows = vec![
            SsoFields {
                id: "g".into(),
                kind: "google".into(),
                ..Default::default()
            },
            SsoFields {
                id: "g".into(),
                kind: "oidc".into(),
                ..Default::default()
            },
        ];
        let p = sso_problem(
            "sso `g`: a `google` provider needs `domain` (and no `issuer`)",
            &rows,
        )
        .unwrap();
        assert_eq!(p.field.as_deref(), Some("sso-0-domain"));
        let p = sso_problem("sso id `g` is used twice", &rows).unwrap();
        assert_eq!(p.field.as_deref(), Some("sso-1-id"));
        let p = sso_problem(
            "sso `g`: its sign-in service cannot be changed, because its client secret would be sent to the new one; add a provider with a new short name",
            &rows,
        )
        .unwrap();
        assert_eq!(
            p.field.as_deref(),
            Some("sso-0-domain"),
            "a Google provider's domain"
        );
        assert!(
            p.text
                .starts_with("Provider 1 signs people in with another service")
        );
        let p = sso_problem("sso `g` needs a label and a client_id", &rows).unwrap();
        assert_eq!(p.field.as_deref(), Some("sso-0-label"));
        let org = safety_core::org::OrgId::parse("org-b").unwrap();
        let other = Place {
            is_default_org: false,
        };
        assert_eq!(
            secret_variable(&org, "ms", other),
            "APP_SSO_ORG_B__MS_CLIENT_SECRET"
        );
        assert_eq!(
            secret_variable(&org, "", other),
            "APP_SSO_ORG_B__<ID>_CLIENT_SECRET"
        );
        assert_eq!(
            secret_variable(
                &org,
                "Bad Id",
                Place {
                    is_default_org: true
                }
            ),
            "APP_SSO_<ID>_CLIENT_SECRET"
        );
    }

    #[test]
    fn reasons_read_as_sentences_and_point_at_their_field() {
        let library = safety_core::content::load_embedded().expect("the content");
        let mut p: OrgProfile = library.org("demo").cloned().expect("the demo profile");
        p.on_duty[1].name = String::new();
        let problem = problem_of(
            "an `on_duty` entry needs a site, name, title and phone (site `Site B (Vale Street)`)",
            &p,
        );
        assert_eq!(
            problem,
            Problem {
                text: "Enter the name for on duty 2.".into(),
                field: Some("on-duty-1-name".into())
            }
        );
        p.dsl.phone = " ".into();
        p.dsl.title = String::new();
        assert_eq!(
            problem_of(
                "the DSL needs a name, a title and a phone number (`Priya Marsh`)",
                &p
            ),
            Problem {
                text: "Enter the DSL's job title and phone number.".into(),
                field: Some("dsl-title".into())
            }
        );
        assert_eq!(
            problem_of(
                "an `on_duty` entry needs a site, name, title and phone (site ``)",
                &p
            )
            .text,
            "Each on-duty row needs a site, name, title and phone.",
            "a reason about a row that is not there is said as it is"
        );
        assert_eq!(
            problem_of("say what to do out of hours (`out_of_hours`)", &p),
            Problem {
                text: "Say what to do out of hours.".into(),
                field: Some("out-of-hours".into())
            }
        );
    }
}

//! Server-side state and the use cases the pages and server functions share. Thin: the rules
//! live in `safety-core`; this turns their results into what a page shows.

pub mod admin;
pub mod compliance;
pub mod concerns;
pub mod easy_read;
pub mod exports;
pub mod family;
pub mod learning;
pub mod organisation;
mod outcome;
pub mod policies;
pub mod public_pages;
pub mod records;
pub mod reports;
pub mod retention;
pub mod roles;
pub mod sign_in;
pub mod sso;
pub mod transfer;
pub mod worries;

pub use outcome::{Ended, Outcome};

use crate::model::{Choice, KindChoice, SignedIn, WorryChoices, WorryFormState};
use chrono::{DateTime, Utc};
use safety_core::content::{Kind, Page};
use safety_core::crypto::Secret;
use safety_core::org::{HelpService, OrgId, OrgProfile};
use safety_core::routing::{self, About, Involves, Queue};
use safety_core::store::AnyStore;
use safety_core::worry::code::FormToken;
use safety_core::worry::{self, Urgency};
use std::sync::Arc;

/// The signed-in person of this request, with the CSRF token their forms must carry.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub person: safety_core::identity::Person,
    pub csrf: String,
}

/// Whether the viewer may do `action` here: the core's one permission table
/// (`safety_core::roles::allows`), for an active person of this organisation.
pub fn may(site: &SiteState, viewer: &Viewer, action: safety_core::roles::Action) -> bool {
    viewer.person.active
        && viewer.person.org == site.org_id
        && safety_core::roles::allows(&viewer.person.roles, action)
}

/// What the sign-in pages show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInView {
    /// The email form, with what was typed and why it was refused.
    Form {
        email: String,
        error: Option<String>,
    },
    /// Asked for a link: the same answer whether or not the email is known.
    Sent { email: String },
    /// Opened a link: one button to finish (mail scanners that open links do not sign anyone in).
    Confirm { token: String },
    /// The link did not work.
    LinkFailed { message: String },
    /// Single sign-on did not work.
    SsoFailed { message: String },
}

/// A single sign-on provider offered on the sign-in page (configured, with its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoButton {
    pub id: String,
    pub label: String,
    /// `scheme://host[:port]` of the provider, for the page's `form-action` policy.
    pub origin: String,
}

impl SsoButton {
    fn of(c: &safety_core::identity::sso::Configured) -> SsoButton {
        let issuer = c.provider.issuer().unwrap_or_default();
        let (scheme, rest) = issuer.split_once("://").unwrap_or(("https", &issuer));
        SsoButton {
            id: c.provider.id.clone(),
            label: c.provider.label.clone(),
            origin: format!("{scheme}://{}", rest.split('/').next().unwrap_or_default()),
        }
    }
}

/// The Content-Security-Policy of every response. Leptos adds a few small inline scripts to a
/// rendered page, each carrying the per-response nonce; nothing else inline may run.
///
/// `form_origins`: where forms may lead besides this site. Browsers apply `form-action` to the
/// redirects that follow a form post too, so the single sign-on buttons need their providers'
/// origins here.
pub fn content_security_policy(nonce: Option<&str>, form_origins: &[String]) -> String {
    let inline = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    policy_allowing(&inline, form_origins)
}

/// The same policy for a page rendered once and served to everyone signed out
/// ([`public_pages`]): its inline scripts are allowed by their SHA-256 (`script_hashes`, standard
/// base64) instead of a nonce, which must be new on every response and so would force a render
/// each time.
pub fn content_security_policy_hashed(script_hashes: &[String], form_origins: &[String]) -> String {
    let inline: String = script_hashes
        .iter()
        .map(|h| format!(" 'sha256-{h}'"))
        .collect();
    policy_allowing(&inline, form_origins)
}

fn policy_allowing(inline: &str, form_origins: &[String]) -> String {
    let forms: String = form_origins.iter().map(|o| format!(" {o}")).collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{inline}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'{forms}; frame-ancestors 'none'"
    )
}

/// Hashed addresses of the built CSS and the islands' boot script (absent when the browser
/// bundle has not been built: pages still work, unstyled and without JavaScript).
#[derive(Clone, Debug, Default)]
pub struct Assets {
    pub css: Option<String>,
    pub boot_js: Option<String>,
}

/// Everything a request needs: one organisation's site, built from its stored content when it
/// is first asked for and rebuilt when that content changes (see [`Sites`]).
#[derive(Clone)]
pub struct SiteState(Arc<SiteInner>);

pub struct SiteInner {
    pub org_id: OrgId,
    pub org: OrgProfile,
    /// The stored profile's version, for the profile form's optimistic lock.
    pub profile_version: u64,
    /// The content with this organisation's names and contacts substituted in.
    pub pages: Vec<Page>,
    /// The content as loaded, with the organisation's own versions in place (the learning core
    /// substitutes the names itself, so what it hashes and grades is what the pages show).
    pub library: Arc<safety_core::content::Library>,
    /// The current version of each of the organisation's own files (their "what changed").
    pub own: Vec<safety_core::tenancy::policies::PolicyVersionRecord>,
    /// Where this organisation's emails link to, when it has a host of its own.
    pub base_url: Option<String>,
    /// The provided content, which own versions start from and are checked against.
    pub base: Arc<safety_core::tenancy::BaseContent>,
    pub help: Vec<HelpService>,
    pub store: AnyStore,
    pub secret: Secret,
    pub assets: Assets,
    /// The single sign-on providers this organisation offers: those of its stored profile whose
    /// client secret is configured (may be none). Its client secrets are here, never in a page.
    pub sso: Vec<safety_core::identity::sso::Configured>,
    /// The sign-in page's buttons for them.
    pub sso_buttons: Vec<SsoButton>,
    /// Worries one address may send per 10 minutes (`APP_WORRY_LIMIT`).
    pub worry_limit_per_address: u32,
    /// The kinds of worry the form offers (`content/worries.toml`).
    pub worry_kinds: Vec<safety_core::content::WorryKind>,
    /// Called once a worry or a reply is stored: wakes the local notifier, when there is one
    /// (on AWS the table's stream does it).
    pub on_worry_stored: Arc<dyn Fn() + Send + Sync>,
    /// The pages rendered for everyone signed out, kept for this version of the site: a new
    /// version (the organisation's content or profile changed) is a new site, with none kept.
    pub public_pages: public_pages::PublicPages,
}

/// What every organisation's site of this deployment shares.
#[derive(Clone)]
pub struct Shared {
    pub store: AnyStore,
    pub secret: Secret,
    pub assets: Assets,
    /// The single sign-on variables, as read at start: each organisation is offered the
    /// providers of its own profile that have their secret here.
    pub sso: safety_core::identity::sso::SsoSettings,
    pub worry_limit_per_address: u32,
    pub on_worry_stored: Arc<dyn Fn() + Send + Sync>,
}

/// The organisations this process serves: each one's site built from its stored content, kept
/// in memory, refreshed when it changes (`safety_core::tenancy::directory`).
pub type Sites = Arc<safety_core::tenancy::Directory<SiteInner>>;

/// The deployment's sites. `default_org` serves hosts that are not mapped to an organisation.
pub fn sites(
    shared: Shared,
    base: Arc<safety_core::tenancy::BaseContent>,
    default_org: Option<OrgId>,
    refresh: std::time::Duration,
) -> Sites {
    let store = shared.store.clone();
    let for_sites = base.clone();
    let default = default_org.clone();
    Arc::new(safety_core::tenancy::Directory::new(
        store,
        base,
        default_org,
        refresh,
        move |c| {
            let is_default = default.as_ref() == Some(&c.org);
            SiteInner::of(&shared, for_sites.clone(), is_default, c)
        },
    ))
}

impl SiteInner {
    fn of(
        shared: &Shared,
        base: Arc<safety_core::tenancy::BaseContent>,
        default_org: bool,
        c: safety_core::tenancy::OrgContent,
    ) -> SiteInner {
        let offered = shared.sso.offered(&c.org, default_org, &c.profile.sso);
        for problem in &offered.problems {
            tracing::error!(org = %c.org, problem, "single sign-on provider not offered");
        }
        let sso_buttons = offered.providers.iter().map(SsoButton::of).collect();
        SiteInner {
            pages: c
                .library
                .pages
                .iter()
                .map(|p| p.for_org(&c.profile))
                .collect(),
            help: c.library.help.clone(),
            worry_kinds: c.library.worry_kinds.clone(),
            org_id: c.org,
            org: c.profile,
            profile_version: c.profile_version,
            library: c.library,
            own: c.own,
            base_url: c.base_url,
            base,
            store: shared.store.clone(),
            secret: shared.secret.clone(),
            assets: shared.assets.clone(),
            sso: offered.providers,
            sso_buttons,
            worry_limit_per_address: shared.worry_limit_per_address,
            on_worry_stored: shared.on_worry_stored.clone(),
            public_pages: public_pages::PublicPages::default(),
        }
    }

    /// Where this site's forms may lead besides itself (its single sign-on providers), for the
    /// CSP's `form-action`.
    pub fn form_origins(&self) -> Vec<String> {
        self.sso_buttons.iter().map(|b| b.origin.clone()).collect()
    }
}

impl std::ops::Deref for SiteState {
    type Target = SiteInner;
    fn deref(&self) -> &SiteInner {
        &self.0
    }
}

impl SiteState {
    pub fn new(inner: SiteInner) -> Self {
        SiteState(Arc::new(inner))
    }

    /// The site [`Sites`] built.
    pub fn from_arc(inner: Arc<SiteInner>) -> Self {
        SiteState(inner)
    }

    /// The organisation's own current version of a content file, if it has published one.
    pub fn own_version(
        &self,
        path: &str,
    ) -> Option<&safety_core::tenancy::policies::PolicyVersionRecord> {
        self.own.iter().find(|v| v.path == path)
    }

    /// Where this organisation's emails link to: its own host, else the deployment's address.
    pub fn links(&self, deployment: &str) -> safety_core::mail::Links {
        safety_core::mail::Links::of_organisation(self.base_url.as_deref(), deployment)
    }

    pub fn page(&self, kind: Kind, id: &str) -> Option<&Page> {
        self.pages.iter().find(|p| p.kind == kind && p.id == id)
    }

    pub fn pages_of(&self, kind: Kind) -> impl Iterator<Item = &Page> {
        self.pages.iter().filter(move |p| p.kind == kind)
    }

    /// What the learning core needs: the content and this organisation.
    pub fn setting(&self) -> safety_core::learning::Setting<'_> {
        safety_core::learning::Setting {
            library: &self.library,
            profile: &self.org,
        }
    }

    pub fn help(&self, id: &str) -> Option<&HelpService> {
        self.help.iter().find(|h| h.id == id)
    }

    /// A fresh worry form with a new token.
    pub fn new_worry_form(&self) -> WorryFormState {
        WorryFormState {
            token: FormToken::issue(&self.secret, worry::FORM_PURPOSE, Utc::now().timestamp()),
            text: String::new(),
            urgency: None,
            about: None,
            involves: None,
            email_replies: None,
            kind: None,
            wants_contact: None,
            contact_how: String::new(),
            identity: None,
            error: None,
        }
    }

    /// What the worry form offers `viewer` (signed-in people may send it with their name).
    pub fn worry_choices(&self, viewer: Option<&Viewer>) -> WorryChoices {
        WorryChoices {
            urgencies: urgency_choices(),
            abouts: About::ALL
                .iter()
                .map(|a| (a.as_str().to_string(), a.label().to_string()))
                .collect(),
            involves: self.involves_choices(),
            kinds: self
                .worry_kinds
                .iter()
                .map(|k| KindChoice {
                    id: k.id.clone(),
                    label: k.label.clone(),
                    hint: k.hint.clone(),
                })
                .collect(),
            max_text_chars: worry::MAX_TEXT_CHARS,
            signed_in: viewer.map(|v| SignedIn {
                name: v.person.name.clone(),
                csrf: v.csrf.clone(),
            }),
        }
    }

    /// "Is an adult who works or volunteers here involved?": the DSL and the head by name, and
    /// what the routing then does where the sender may need to know (from the routing table over
    /// the profile's people, so the words cannot contradict it).
    fn involves_choices(&self) -> Vec<KindChoice> {
        let (dsl, lead) = (&self.org.dsl, &self.org.allegations_lead);
        Involves::ALL
            .iter()
            .map(|&i| {
                let who_reads = self.who_reads(i.queue());
                let (label, hint) = match i {
                    Involves::Nobody => ("No".to_string(), String::new()),
                    Involves::Staff => (
                        "Yes, a member of staff or a volunteer".to_string(),
                        String::new(),
                    ),
                    Involves::Dsl => (
                        format!("Yes, {}, the {}", dsl.name, dsl.title),
                        who_reads.not_seen_by(),
                    ),
                    Involves::Head => (
                        format!("Yes, {}, the {}", lead.name, lead.title),
                        who_reads.not_seen_by(),
                    ),
                    Involves::Unsure => (
                        "I'm not sure".to_string(),
                        format!(
                            "Then it goes to {}, as for a member of staff: never to the safeguarding team alone.",
                            who_reads.names()
                        ),
                    ),
                };
                KindChoice {
                    id: i.as_str().to_string(),
                    label,
                    hint,
                }
            })
            .collect()
    }

    /// Who reads a worry that starts in `queue`, routed over the safeguarding people the
    /// profile names, exactly as a sent worry is routed.
    pub fn who_reads(&self, queue: Queue) -> WhoReads {
        let people = safety_core::routing::safeguarding_people(&self.org);
        let route = routing::route(queue, &people);
        let title_of = |p: &safety_core::identity::Person| {
            let org = &self.org;
            std::iter::once(&org.dsl)
                .chain(org.deputies.iter())
                .chain(std::iter::once(&org.allegations_lead))
                .chain(org.chair.iter())
                // Keyed as `safeguarding_people` keys them: by email, else by name.
                .find(|c| {
                    let email = c.email.trim().to_lowercase();
                    let key = if email.is_empty() {
                        c.name.trim().to_lowercase()
                    } else {
                        email
                    };
                    key == p.email
                })
                .map(|c| c.title.clone())
                .unwrap_or_default()
        };
        let named = |p: &safety_core::identity::Person| (p.name.clone(), title_of(p));
        WhoReads {
            queue: route.queue,
            readers: route.readers(&people).into_iter().map(named).collect(),
            never: people
                .iter()
                .filter(|p| route.excluded.contains(&p.id))
                .map(named)
                .collect(),
        }
    }

    /// One line per row of the routing table, for the worry page: which answers to "is an adult
    /// here involved?" lead there, and who reads it.
    pub fn who_reads_lines(&self) -> Vec<(Vec<&'static str>, WhoReads)> {
        Queue::ALL
            .iter()
            .map(|&q| {
                let answers = Involves::ALL
                    .iter()
                    .filter(|i| i.queue() == q)
                    .map(|i| i.as_str())
                    .collect();
                (answers, self.who_reads(q))
            })
            .collect()
    }
}

/// Who reads the worries of one queue of the routing table, by name (from the profile).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhoReads {
    /// Where it ends up (a worry about the DSL goes on to the chair when nobody else is left).
    pub queue: Queue,
    /// (name, title) of each reader.
    pub readers: Vec<(String, String)>,
    /// (name, title) of the people it is about, who never see it.
    pub never: Vec<(String, String)>,
}

impl WhoReads {
    /// "Priya Marsh (Designated Safeguarding Lead) and Daniel Okafor (...)".
    pub fn names(&self) -> String {
        and_list(
            &self
                .readers
                .iter()
                .map(|(n, t)| {
                    if t.is_empty() {
                        n.clone()
                    } else {
                        format!("{n} ({t})")
                    }
                })
                .collect::<Vec<_>>(),
        )
    }

    /// "Priya Marsh cannot see it." (empty when it is about nobody named).
    pub fn not_seen_by(&self) -> String {
        if self.never.is_empty() {
            return String::new();
        }
        let names: Vec<String> = self.never.iter().map(|(n, _)| n.clone()).collect();
        format!("{} cannot see it.", and_list(&names))
    }
}

/// "a", "a and b", "a, b and c".
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

pub fn urgency_choices() -> Vec<Choice> {
    Urgency::ALL
        .iter()
        .map(|u| (u.as_str().to_string(), u.label().to_string()))
        .collect()
}

/// A date for people: stored in UTC, shown as the UK date.
pub fn date_for_people(t: DateTime<Utc>) -> String {
    safety_core::dates::show_date(t)
}

/// The client's network address (for per-address rate limits only; never stored with a worry).
/// The web function provides it to server functions as context.
#[derive(Clone, Debug, Default)]
pub struct ClientAddress(pub String);

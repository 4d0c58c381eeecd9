//! The curriculum: Markdown pages with TOML front matter in `content/`, organisation profiles and
//! the national help services. Loaded and checked once (embedded in the binary at build time and
//! parsed at start-up), never per request.
//!
//! `check` reports every problem as `file:line: reason`; the same rules decide whether the
//! server starts, so content that passes the check is content that serves.

mod page_text;
mod prebuilt;
pub mod quiz;
pub mod readability;
pub mod render;
pub mod review;

use crate::org::{HelpService, ORG_KINDS, OrgProfile, PLACEHOLDERS};
use chrono::NaiveDate;
use render::{Finding, Section};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A guide for parents and carers: public, no sign-in.
    Guide,
    /// A learning module (induction for learners, annual training for staff).
    Module,
    /// The quiz at the end of a module.
    Quiz,
    /// An Acceptable Use Policy: a versioned document people sign.
    Aup,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    Learners,
    Staff,
    Parents,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: String,
    kind: Kind,
    audience: Vec<Audience>,
    title: String,
    summary: String,
    version: String,
    source: String,
    /// Where the page's facts come from beyond the seeds: guidance, legislation, services.
    #[serde(default)]
    sources: Vec<String>,
    /// Staff pages: the edition of Keeping Children Safe in Education they reflect.
    kcsie: Option<String>,
    last_reviewed: toml::value::Datetime,
    next_review: toml::value::Datetime,
    minutes: u32,
    /// Quizzes: the module they belong to.
    module: Option<String>,
    /// Quizzes: how many questions must be answered correctly.
    pass_mark: Option<u32>,
    /// Modules: whether a completion of an older MAJOR version is due again (default false:
    /// it still counts as passed, shown as an older version).
    recomplete_on_major: Option<bool>,
    /// Modules: the UKCIS "Education for a Connected World" strands they cover (ids of
    /// [`UKCIS_STRANDS`]); at least one on every learner module.
    #[serde(default)]
    ukcis: Vec<String>,
    /// Modules: the kinds of organisation ([`ORG_KINDS`]) whose people of the module's audience
    /// must complete it, whatever the profile's requirements; other kinds may still use it, but
    /// do not get it by default.
    #[serde(default)]
    required_in: Vec<String>,
    /// Where the page comes in lists of its kind (lowest first; pages without one come after,
    /// by title): the four Cs, the introduction, is 1.
    order: Option<u32>,
}

/// The eight strands of the UKCIS framework "Education for a Connected World" (2020 edition):
/// (the id content uses in `ukcis = [...]`, the strand's name), in the framework's order.
pub const UKCIS_STRANDS: &[(&str, &str)] = &[
    ("self-image-and-identity", "Self-image and identity"),
    ("online-relationships", "Online relationships"),
    ("online-reputation", "Online reputation"),
    ("online-bullying", "Online bullying"),
    ("managing-online-information", "Managing online information"),
    (
        "health-wellbeing-and-lifestyle",
        "Health, well-being and lifestyle",
    ),
    ("privacy-and-security", "Privacy and security"),
    ("copyright-and-ownership", "Copyright and ownership"),
];

/// One content page, rendered.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub id: String,
    pub kind: Kind,
    pub audience: Vec<Audience>,
    pub title: String,
    pub summary: String,
    pub version: String,
    /// The policy section(s) the page comes from.
    pub source: String,
    /// The guidance, legislation and services its facts come from (required, at least one).
    pub sources: Vec<String>,
    /// Staff pages: the KCSIE edition they reflect, e.g. "KCSIE 2025" (required on staff pages).
    pub kcsie: Option<String>,
    pub last_reviewed: NaiveDate,
    pub next_review: NaiveDate,
    pub minutes: u32,
    pub sections: Vec<Section>,
    /// Quizzes: the module they belong to, and the questions.
    pub module: Option<String>,
    pub quiz: Option<quiz::Quiz>,
    /// Modules: a completion of an older MAJOR version counts as due again (front matter
    /// `recomplete_on_major = true`). When false, it still counts as passed and is reported as an
    /// older version.
    pub recomplete_on_major: bool,
    /// Modules: the UKCIS "Education for a Connected World" strands they cover (ids of
    /// [`UKCIS_STRANDS`], in the front matter's order).
    pub ukcis: Vec<String>,
    /// Modules: the kinds of organisation whose people of the module's audience must complete
    /// it (front matter `required_in`; empty: only where a profile requires it).
    pub required_in: Vec<String>,
    /// Where the page comes in lists (front matter `order`, lowest first; `None` after, by title).
    pub order: Option<u32>,
    /// Flesch reading ease of the body.
    pub reading_ease: Option<f64>,
    /// The file it came from, relative to `content/`.
    pub file: String,
}

impl Page {
    /// The page's address on the site.
    pub fn url(&self) -> String {
        match (self.kind, &self.module) {
            (Kind::Quiz, Some(module)) => format!("/learn/{module}/quiz"),
            _ => url_of(self.kind, &self.id),
        }
    }

    pub fn is_for(&self, audience: Audience) -> bool {
        self.audience.contains(&audience)
    }

    /// The page with an organisation's names and contacts substituted in.
    pub fn for_org(&self, org: &OrgProfile) -> Page {
        let plain = |s: &str| {
            // Titles and summaries are text, escaped where they are shown: substitute raw values.
            let mut out = s.to_string();
            for (_, name) in render::placeholders(s) {
                if let Some(v) = crate::routing::placeholder(org, name) {
                    out = out.replace(&format!("{{{{{name}}}}}"), &v);
                }
            }
            out
        };
        Page {
            title: plain(&self.title),
            summary: plain(&self.summary),
            sections: self
                .sections
                .iter()
                .map(|s| Section {
                    anchor: s.anchor.clone(),
                    title: plain(&s.title),
                    html: render::substitute(&s.html, |n| crate::routing::placeholder(org, n)),
                })
                .collect(),
            quiz: self.quiz.as_ref().map(|q| {
                let sub =
                    |html: &str| render::substitute(html, |n| crate::routing::placeholder(org, n));
                quiz::Quiz {
                    pass_mark: q.pass_mark,
                    questions: q
                        .questions
                        .iter()
                        .map(|question| quiz::Question {
                            section: question.section.clone(),
                            prompt_html: sub(&question.prompt_html),
                            explanation_html: sub(&question.explanation_html),
                            options: question
                                .options
                                .iter()
                                .map(|o| quiz::QuizOption {
                                    html: sub(&o.html),
                                    correct: o.correct,
                                })
                                .collect(),
                        })
                        .collect(),
                }
            }),
            ..self.clone()
        }
    }
}

fn url_of(kind: Kind, id: &str) -> String {
    match kind {
        Kind::Guide => format!("/parents/{id}"),
        Kind::Module => format!("/learn/{id}"),
        Kind::Quiz => format!("/learn/{id}"),
        Kind::Aup => format!("/aup/{id}"),
    }
}

/// Site paths content may link to besides its own pages.
pub const FIXED_ROUTES: &[&str] = &["/", "/parents", "/learn", "/tell", "/follow-up"];

/// Help services the pages rely on: the footer and the worry pages show them.
pub const REQUIRED_HELP: &[&str] = &["emergency", "ceop", "childline"];

/// A content file: its path relative to `content/`, and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// A problem in the content, reported as `file:line: reason`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "content/{}:{}: {}", self.file, self.line, self.reason)
    }
}

/// Everything in `content/`, checked.
#[derive(Clone, Debug)]
pub struct Library {
    pub pages: Vec<Page>,
    pub orgs: Vec<OrgProfile>,
    pub help: Vec<HelpService>,
    /// What a worry can be about (`worries.toml`), in the form's order.
    pub worry_kinds: Vec<WorryKind>,
    /// Things to fix soon that do not stop the content from serving (a review date passed).
    pub warnings: Vec<Problem>,
    /// Easy-read versions of learner pages (files in an `easy-read/` folder): the same kind, id,
    /// version and sections as the page they retell in easier words. Not in `pages`.
    pub easy_read: Vec<Page>,
    /// The library as an easy-read learner meets it, built once at load.
    easy_view: Option<std::sync::Arc<Library>>,
}

impl Library {
    pub fn page(&self, kind: Kind, id: &str) -> Option<&Page> {
        self.pages.iter().find(|p| p.kind == kind && p.id == id)
    }
    pub fn pages_of(&self, kind: Kind) -> impl Iterator<Item = &Page> {
        self.pages.iter().filter(move |p| p.kind == kind)
    }
    pub fn org(&self, id: &str) -> Option<&OrgProfile> {
        self.orgs.iter().find(|o| o.id.as_str() == id)
    }
    /// The quiz of a module.
    pub fn quiz_of(&self, module_id: &str) -> Option<&Page> {
        self.pages
            .iter()
            .find(|p| p.kind == Kind::Quiz && p.module.as_deref() == Some(module_id))
    }
    /// The easy-read version of a page, if it has one.
    pub fn easy_read_of(&self, kind: Kind, id: &str) -> Option<&Page> {
        self.easy_read.iter().find(|p| p.kind == kind && p.id == id)
    }
    /// The library as a learner who reads easy read meets it: every page that has an easy-read
    /// version replaced by it (same id and version, so completions and signatures are of the
    /// same module and AUP), in the same order; everything else as it is.
    pub fn in_easy_read(&self) -> &Library {
        self.easy_view.as_deref().unwrap_or(self)
    }
}

/// Whether a content file is an easy-read version (it is in an `easy-read/` folder).
pub fn is_easy_read_file(path: &str) -> bool {
    path.split('/').rev().skip(1).any(|dir| dir == "easy-read")
}

/// Checks each easy-read page against the page it retells and gives it that page's section
/// anchors (so a reading position, a link to a section and a quiz question's section mean the
/// same in both versions).
fn check_easy_read(pages: &[Page], easy: &mut [Page], problems: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for page in easy.iter_mut() {
        let mut problem = |reason: String| {
            problems.push(Problem {
                file: page.file.clone(),
                line: 2,
                reason,
            })
        };
        if !seen.insert((page.kind as u8, page.id.clone())) {
            problem(format!("a second easy-read version of `{}`", page.id));
        }
        if page.kind == Kind::Guide || page.audience != [Audience::Learners] {
            problem("easy-read versions are of learner modules, quizzes and AUPs: audience = [\"learners\"]".into());
            continue;
        }
        let Some(standard) = pages
            .iter()
            .find(|p| p.kind == page.kind && p.id == page.id)
        else {
            problem(format!(
                "easy-read version of `{}`, which is not a {:?} page (the id must be the standard page's)",
                page.id, page.kind
            ).to_lowercase());
            continue;
        };
        if standard.audience != page.audience {
            problem(format!(
                "the audience must be the same as `{}`'s",
                standard.file
            ));
        }
        // A quiz's own version records nothing (attempts and completions carry the module's).
        if page.kind != Kind::Quiz && standard.version != page.version {
            problem(format!(
                "version {} must be the version of `{}` ({}): it is the same page in easier words; change both together",
                page.version, standard.file, standard.version
            ));
        }
        if standard.module != page.module {
            problem(format!(
                "the module must be the same as `{}`'s",
                standard.file
            ));
        }
        if page.ukcis.is_empty() {
            page.ukcis = standard.ukcis.clone();
        } else if page.ukcis != standard.ukcis {
            problem(format!(
                "ukcis must be the same as `{}`'s (or left out: an easy-read version takes its strands)",
                standard.file
            ));
        }
        page.required_in = standard.required_in.clone();
        page.order = standard.order;
        if page.kind != Kind::Quiz {
            if standard.sections.len() != page.sections.len() {
                problem(format!(
                    "has {} sections; `{}` has {}: retell each `## ` section in the same order",
                    page.sections.len(),
                    standard.file,
                    standard.sections.len()
                ));
            } else {
                for (mine, theirs) in page.sections.iter_mut().zip(&standard.sections) {
                    mine.anchor = theirs.anchor.clone();
                }
            }
        }
    }
}

/// The library with the easy-read versions in place of the pages they retell.
fn easy_view(library: &Library) -> Library {
    let pages = library
        .pages
        .iter()
        .map(|p| library.easy_read_of(p.kind, &p.id).unwrap_or(p).clone())
        .collect();
    Library {
        pages,
        easy_read: Vec::new(),
        easy_view: None,
        ..library.clone()
    }
}

mod embedded_files {
    include!(concat!(env!("OUT_DIR"), "/content_files.rs"));
}

/// The content files compiled into this binary (`content/` at build time).
pub fn embedded_files() -> Vec<SourceFile> {
    embedded_files::FILES
        .iter()
        .map(|(path, text)| SourceFile {
            path: path.to_string(),
            text: text.to_string(),
        })
        .collect()
}

/// The content compiled into this binary (`content/` at build time).
pub fn load_embedded() -> Result<Library, Vec<Problem>> {
    load(embedded_files())
}

/// Every `.md` and `.toml` file below `dir`, with its path relative to `dir`.
pub fn read_dir_files(dir: &Path) -> Result<Vec<SourceFile>, Vec<Problem>> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<SourceFile>) -> std::io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.path());
        for entry in entries {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out)?;
            } else if is_content_file(&path) {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                out.push(SourceFile {
                    path: rel.to_string_lossy().replace('\\', "/"),
                    text: std::fs::read_to_string(&path)?,
                });
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files).map_err(|e| {
        vec![Problem {
            file: dir.display().to_string(),
            line: 0,
            reason: format!("cannot read the content folder: {e}"),
        }]
    })?;
    Ok(files)
}

/// Reads every `.md` and `.toml` file below `dir` (the content check reads the working tree, so
/// an author sees their edit without a rebuild).
pub fn load_dir(dir: &Path) -> Result<Library, Vec<Problem>> {
    load(read_dir_files(dir)?)
}

/// Content files are `.md` and `.toml`, except the authors' guide `README.md`.
pub fn is_content_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("md" | "toml")
    ) && path.file_name().and_then(|n| n.to_str()) != Some("README.md")
}

/// Line number (1-based) of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses and checks every file; returns every problem found, not just the first.
pub fn load(files: Vec<SourceFile>) -> Result<Library, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut pages = Vec::new();
    let mut orgs = Vec::new();
    let mut help = Vec::new();
    let mut worry_kinds = Vec::new();
    // (file, line, target) of internal links, resolved once every page is known.
    let mut links = Vec::new();

    for file in &files {
        let mut problem = |line: usize, reason: String| {
            problems.push(Problem {
                file: file.path.clone(),
                line,
                reason,
            })
        };
        if file.path.ends_with(".md") {
            if let Some(page) = parse_page(file, &mut problem, &mut links) {
                pages.push(page);
            }
        } else if file.path == "help.toml" {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct HelpFile {
                service: Vec<HelpService>,
            }
            match toml::from_str::<HelpFile>(&file.text) {
                Ok(h) => {
                    let ids: Vec<&str> = h.service.iter().map(|s| s.id.as_str()).collect();
                    for required in REQUIRED_HELP {
                        if !ids.contains(required) {
                            problem(1, format!("help service `{required}` is missing"));
                        }
                    }
                    for s in &h.service {
                        if s.phone.is_empty() && s.url.is_empty() {
                            problem(
                                1,
                                format!("help service `{}` has no phone and no url", s.id),
                            );
                        }
                        if !s.url.is_empty() && !s.url.starts_with("https://") {
                            problem(
                                1,
                                format!("help service `{}`: url must start with https://", s.id),
                            );
                        }
                    }
                    help = h.service;
                }
                Err(e) => problem(toml_line(&file.text, &e, 0), toml_reason(&e)),
            }
        } else if file.path == "worries.toml" {
            match toml::from_str::<WorryKindsFile>(&file.text) {
                Ok(k) => {
                    for why in check_worry_kinds(&k.kind) {
                        problem(1, why);
                    }
                    worry_kinds = k.kind;
                }
                Err(e) => problem(toml_line(&file.text, &e, 0), toml_reason(&e)),
            }
        } else if let Some(stem) = file
            .path
            .strip_prefix("organisations/")
            .and_then(|p| p.strip_suffix(".toml"))
        {
            match toml::from_str::<OrgProfile>(&file.text) {
                Ok(org) if org.id.as_str() != stem => problem(
                    1,
                    format!(
                        "organisation id `{}` must match the file name `{stem}`",
                        org.id
                    ),
                ),
                Ok(org) => orgs.push(org),
                Err(e) => problem(toml_line(&file.text, &e, 0), toml_reason(&e)),
            }
        } else {
            problem(
                1,
                "unexpected file: pages are .md, organisations are organisations/<id>.toml, help services are help.toml, worry kinds are worries.toml"
                    .into(),
            );
        }
    }

    let (mut easy, pages): (Vec<Page>, Vec<Page>) =
        pages.into_iter().partition(|p| is_easy_read_file(&p.file));
    check_easy_read(&pages, &mut easy, &mut problems);
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for page in &pages {
        if let Some(first) = seen.insert(&page.id, &page.file) {
            problems.push(Problem {
                file: page.file.clone(),
                line: 2,
                reason: format!("id `{}` is already used by {first}", page.id),
            });
        }
    }
    let known: HashSet<String> = pages
        .iter()
        .map(Page::url)
        .chain(FIXED_ROUTES.iter().map(|s| s.to_string()))
        .collect();
    for (file, line, target) in links {
        let path = target.split(['#', '?']).next().unwrap_or_default();
        let path = if path.len() > 1 {
            path.trim_end_matches('/')
        } else {
            path
        };
        if !known.contains(path) {
            problems.push(Problem {
                file,
                line,
                reason: format!("link to `{target}` does not resolve to a page or route"),
            });
        }
    }
    if help.is_empty() && !problems.iter().any(|p| p.file == "help.toml") {
        problems.push(Problem {
            file: "help.toml".into(),
            line: 0,
            reason: "help.toml is missing: the footer needs the national help services".into(),
        });
    }
    if worry_kinds.is_empty() && !problems.iter().any(|p| p.file == "worries.toml") {
        problems.push(Problem {
            file: "worries.toml".into(),
            line: 0,
            reason: "worries.toml is missing: the worry form needs its list of kinds".into(),
        });
    }
    if orgs.is_empty() {
        problems.push(Problem {
            file: "organisations/".into(),
            line: 0,
            reason: "no organisation profile found".into(),
        });
    }

    check_quizzes(&pages, &mut problems);
    // An easy-read module ends in its easy-read quiz, and the reverse.
    check_quizzes(&easy, &mut problems);
    for org in &orgs {
        for reason in profile_problems(org, &pages) {
            problems.push(Problem {
                file: format!("organisations/{}.toml", org.id),
                line: 0,
                reason,
            });
        }
    }
    // Both sets' reviews, without copying every page (and its HTML) into one list first.
    let today = chrono::Utc::now().date_naive();
    let mut warnings = review_warnings(&pages, today);
    warnings.extend(review_warnings(&easy, today));
    warnings.sort();

    if problems.is_empty() {
        let mut pages = pages;
        // In the order the content gives, then by title.
        pages.sort_by(|a, b| {
            (a.order.unwrap_or(u32::MAX), &a.title).cmp(&(b.order.unwrap_or(u32::MAX), &b.title))
        });
        let mut library = Library {
            pages,
            orgs,
            help,
            worry_kinds,
            warnings,
            easy_read: easy,
            easy_view: None,
        };
        if !library.easy_read.is_empty() {
            library.easy_view = Some(std::sync::Arc::new(easy_view(&library)));
        }
        Ok(library)
    } else {
        problems.sort();
        problems.dedup();
        Err(problems)
    }
}

/// How many days ahead of a page's `next_review` the check starts to warn.
pub const REVIEW_WARNING_DAYS: i64 = 60;

/// Reviews due within [`REVIEW_WARNING_DAYS`] of `today` ("warning: review due on ...") or
/// already past ("overdue: review was due on ..."). Quizzes are reviewed with their module.
/// Neither stops the content from serving; `check-content` fails on an overdue one
/// ([`Problem::is_overdue_review`]).
pub fn review_warnings(pages: &[Page], today: NaiveDate) -> Vec<Problem> {
    let mut out: Vec<Problem> = pages
        .iter()
        .filter(|p| p.kind != Kind::Quiz)
        .filter_map(|p| {
            let days = (p.next_review - today).num_days();
            let reason = if days < 0 {
                format!(
                    "{OVERDUE_REVIEW}{} (review it, then move last_reviewed and next_review on)",
                    p.next_review
                )
            } else if days <= REVIEW_WARNING_DAYS {
                format!("warning: review due on {} (in {days} days)", p.next_review)
            } else {
                return None;
            };
            Some(Problem {
                file: p.file.clone(),
                line: 2,
                reason,
            })
        })
        .collect();
    out.sort();
    out
}

const OVERDUE_REVIEW: &str = "overdue: review was due on ";

impl Problem {
    /// A review date that has passed (the content check fails on it; serving goes on).
    pub fn is_overdue_review(&self) -> bool {
        self.reason.starts_with(OVERDUE_REVIEW)
    }
}

/// One kind of worry the form offers (`content/worries.toml`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorryKind {
    /// Stored with each worry: never changed or reused.
    pub id: String,
    pub label: String,
    pub hint: String,
}

/// The kind every list must keep: a person unsure which to choose is never stuck.
pub const OTHER_WORRY_KIND: &str = "other";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorryKindsFile {
    kind: Vec<WorryKind>,
}

/// What is wrong with a list of worry kinds (nothing: empty).
pub fn check_worry_kinds(kinds: &[WorryKind]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids = HashSet::new();
    for k in kinds {
        let id_ok = !k.id.is_empty()
            && k.id.len() <= 40
            && k.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            problems.push(format!(
                "worry kind id `{}`: use 1 to 40 lower-case letters, digits and hyphens",
                k.id
            ));
        }
        if !ids.insert(k.id.as_str()) {
            problems.push(format!("worry kind `{}` is listed twice", k.id));
        }
        if k.label.trim().is_empty() || k.hint.trim().is_empty() {
            problems.push(format!("worry kind `{}` needs a label and a hint", k.id));
        }
    }
    if !ids.contains(OTHER_WORRY_KIND) {
        problems.push(format!(
            "worry kind `{OTHER_WORRY_KIND}` is missing: people unsure which to choose need it"
        ));
    }
    problems
}

/// Every learner and staff module ends in exactly one quiz, and every quiz belongs to a module
/// with the same audience.
fn check_quizzes(pages: &[Page], problems: &mut Vec<Problem>) {
    for quiz in pages.iter().filter(|p| p.kind == Kind::Quiz) {
        let module = quiz.module.as_deref().unwrap_or_default();
        match pages
            .iter()
            .find(|p| p.kind == Kind::Module && p.id == module)
        {
            None => problems.push(Problem {
                file: quiz.file.clone(),
                line: 2,
                reason: format!("the quiz's module `{module}` does not exist"),
            }),
            Some(m) if m.audience != quiz.audience => problems.push(Problem {
                file: quiz.file.clone(),
                line: 2,
                reason: format!(
                    "the quiz's audience must be the same as its module's ({:?})",
                    m.audience
                ),
            }),
            Some(m) => check_quiz_sections(quiz, m, problems),
        }
    }
    for module in pages.iter().filter(|p| p.kind == Kind::Module) {
        let quizzes = pages
            .iter()
            .filter(|p| p.kind == Kind::Quiz && p.module.as_deref() == Some(module.id.as_str()))
            .count();
        if quizzes != 1 && (module.is_for(Audience::Learners) || module.is_for(Audience::Staff)) {
            problems.push(Problem {
                file: module.file.clone(),
                line: 2,
                reason: format!(
                    "a module ends in exactly one quiz; `{}` has {quizzes} (write content/quizzes/{}-quiz.md)",
                    module.id, module.id
                ),
            });
        }
    }
}

/// Every question names a section (a `## ` heading's anchor) of its module, so a learner who
/// fails twice can be sent back to it.
fn check_quiz_sections(quiz: &Page, module: &Page, problems: &mut Vec<Problem>) {
    let Some(q) = &quiz.quiz else { return };
    let anchors: Vec<&str> = module.sections.iter().map(|s| s.anchor.as_str()).collect();
    for (i, question) in q.questions.iter().enumerate() {
        if !anchors.contains(&question.section.as_str()) {
            problems.push(Problem {
                file: quiz.file.clone(),
                line: 2,
                reason: format!(
                    "question {} names section `{}`, which is not a `## ` heading of the module `{}` (its sections: {})",
                    i + 1,
                    question.section,
                    module.id,
                    anchors.join(", ")
                ),
            });
        }
    }
}

/// A module's UKCIS strands are known ones, each once, and a learner module names at least one
/// (an easy-read version may leave them out: it takes its standard page's). Only modules have
/// strands or `required_in`, whose kinds must be known ones.
fn check_ukcis(
    fm: &FrontMatter,
    easy_read: bool,
    field_line: &impl Fn(&str) -> usize,
    problem: &mut impl FnMut(usize, String),
) {
    let strands = || {
        UKCIS_STRANDS
            .iter()
            .map(|(id, _)| *id)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if fm.kind != Kind::Module {
        if !fm.ukcis.is_empty() {
            problem(field_line("ukcis"), "only modules have `ukcis`".into());
        }
        if !fm.required_in.is_empty() {
            problem(
                field_line("required_in"),
                "only modules have `required_in`".into(),
            );
        }
        return;
    }
    let mut seen = HashSet::new();
    for strand in &fm.ukcis {
        if !UKCIS_STRANDS.iter().any(|(id, _)| id == strand) {
            problem(
                field_line("ukcis"),
                format!(
                    "unknown UKCIS strand `{strand}`; the eight strands of Education for a Connected World (2020) are: {}",
                    strands()
                ),
            );
        } else if !seen.insert(strand) {
            problem(
                field_line("ukcis"),
                format!("UKCIS strand `{strand}` is listed twice"),
            );
        }
    }
    if fm.ukcis.is_empty() && fm.audience.contains(&Audience::Learners) && !easy_read {
        problem(
            field_line("audience"),
            format!(
                "a learner module must name the UKCIS Education for a Connected World strands it covers, at least one: ukcis = [\"online-relationships\"] (strands: {})",
                strands()
            ),
        );
    }
    for kind in fm
        .required_in
        .iter()
        .filter(|k| !ORG_KINDS.contains(&k.as_str()))
    {
        problem(
            field_line("required_in"),
            format!(
                "unknown kind of organisation `{kind}` in `required_in` (kinds: {})",
                ORG_KINDS.join(", ")
            ),
        );
    }
}

/// `KCSIE` and a four-digit year.
fn is_kcsie_edition(s: &str) -> bool {
    s.strip_prefix("KCSIE ")
        .is_some_and(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
}

fn toml_reason(e: &toml::de::Error) -> String {
    e.message().trim().to_string()
}

fn toml_line(text: &str, e: &toml::de::Error, first_line: usize) -> usize {
    first_line + e.span().map(|s| line_at(text, s.start)).unwrap_or(1)
}

fn parse_date(d: &toml::value::Datetime) -> Option<NaiveDate> {
    match (d.date, d.time) {
        (Some(date), None) => {
            NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())
        }
        _ => None,
    }
}

fn parse_page(
    file: &SourceFile,
    problem: &mut impl FnMut(usize, String),
    links: &mut Vec<(String, usize, String)>,
) -> Option<Page> {
    let text = file.text.replace("\r\n", "\n");
    let (fm_text, body, body_offset) = match page_text::split(&text) {
        Ok(parts) => parts,
        Err(page_text::SplitError::NotOpened) => {
            problem(
                1,
                "missing front matter: the file must start with a line `+++`".into(),
            );
            return None;
        }
        Err(page_text::SplitError::NotClosed) => {
            problem(1, "front matter is not closed by a line `+++`".into());
            return None;
        }
    };
    let body_first_line = line_at(&text, body_offset);

    let fm: FrontMatter = match toml::from_str(fm_text) {
        Ok(fm) => fm,
        Err(e) => {
            problem(toml_line(fm_text, &e, 1), toml_reason(&e));
            return None;
        }
    };
    let field_line = |name: &str| {
        fm_text
            .lines()
            .position(|l| l.trim_start().starts_with(name))
            .map(|i| i + 2)
            .unwrap_or(1)
    };

    let stem = file
        .path
        .rsplit('/')
        .next()
        .and_then(|n| n.strip_suffix(".md"))
        .unwrap_or_default();
    if fm.id != stem {
        problem(
            field_line("id"),
            format!("id `{}` must match the file name `{stem}.md`", fm.id),
        );
    }
    if fm.id.is_empty()
        || !fm
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        problem(
            field_line("id"),
            "id must be lowercase letters, digits and hyphens".into(),
        );
    }
    let expected_dir = match fm.kind {
        Kind::Guide => "guidance/",
        Kind::Module => "modules/",
        Kind::Quiz => "quizzes/",
        Kind::Aup => "aups/",
    };
    if !file.path.starts_with(expected_dir) {
        problem(
            field_line("kind"),
            format!("a {:?} page belongs under content/{expected_dir}", fm.kind).to_lowercase(),
        );
    }
    if fm.audience.is_empty() {
        problem(
            field_line("audience"),
            "audience must name at least one of learners, staff, parents".into(),
        );
    }
    if fm.kind == Kind::Guide && !fm.audience.contains(&Audience::Parents) {
        problem(
            field_line("audience"),
            "guides are for parents: audience must include \"parents\"".into(),
        );
    }
    match (fm.kind, &fm.module, fm.pass_mark) {
        (Kind::Quiz, None, _) => problem(1, "a quiz needs `module = \"<module id>\"`".into()),
        (Kind::Quiz, _, _) => {}
        (_, Some(_), _) => problem(field_line("module"), "only quizzes have `module`".into()),
        (_, _, Some(_)) => problem(
            field_line("pass_mark"),
            "only quizzes have `pass_mark`".into(),
        ),
        _ => {}
    }
    if fm.recomplete_on_major.is_some() && fm.kind != Kind::Module {
        problem(
            field_line("recomplete_on_major"),
            "only modules have `recomplete_on_major`".into(),
        );
    }
    check_ukcis(
        &fm,
        is_easy_read_file(&file.path),
        &field_line,
        &mut *problem,
    );
    for (name, value, max) in [
        ("title", &fm.title, 120),
        ("summary", &fm.summary, 300),
        ("source", &fm.source, 500),
    ] {
        if value.trim().is_empty() {
            problem(field_line(name), format!("{name} must not be empty"));
        } else if value.chars().count() > max {
            problem(
                field_line(name),
                format!("{name} is longer than {max} characters"),
            );
        }
    }
    if fm.sources.is_empty() {
        problem(
            field_line("source"),
            "`sources` is missing: name where the page's facts come from (guidance, legislation, services), e.g. sources = [\"KCSIE 2025 (DfE)\"]".into(),
        );
    }
    for s in &fm.sources {
        if s.trim().is_empty() || s.chars().count() > 300 {
            problem(
                field_line("sources"),
                "each of `sources` must be 1 to 300 characters".into(),
            );
        }
    }
    let staff_page = fm.audience.contains(&Audience::Staff);
    match &fm.kcsie {
        None if staff_page => problem(
            field_line("audience"),
            "a staff page must say which edition of Keeping Children Safe in Education it reflects: kcsie = \"KCSIE 2025\"".into(),
        ),
        Some(_) if !staff_page => problem(
            field_line("kcsie"),
            "only staff pages have `kcsie`".into(),
        ),
        Some(edition) if !is_kcsie_edition(edition) => problem(
            field_line("kcsie"),
            format!("kcsie `{edition}` must be written `KCSIE YYYY`, e.g. \"KCSIE 2025\""),
        ),
        _ => {}
    }
    let semver = fm.version.split('.').collect::<Vec<_>>();
    if semver.len() != 3
        || semver
            .iter()
            .any(|p| p.is_empty() || p.parse::<u32>().is_err())
    {
        problem(
            field_line("version"),
            format!("version `{}` must be MAJOR.MINOR.PATCH", fm.version),
        );
    }
    if !(1..=30).contains(&fm.minutes) {
        problem(
            field_line("minutes"),
            "minutes must be between 1 and 30".into(),
        );
    }
    let last_reviewed = parse_date(&fm.last_reviewed);
    let next_review = parse_date(&fm.next_review);
    match (last_reviewed, next_review) {
        (Some(l), Some(n)) if n <= l => problem(
            field_line("next_review"),
            "next_review must be after last_reviewed".into(),
        ),
        (None, _) => problem(
            field_line("last_reviewed"),
            "last_reviewed must be a date (YYYY-MM-DD)".into(),
        ),
        (_, None) => problem(
            field_line("next_review"),
            "next_review must be a date (YYYY-MM-DD)".into(),
        ),
        _ => {}
    }
    for (name, value) in [("title", &fm.title), ("summary", &fm.summary)] {
        for (_, p) in render::placeholders(value) {
            if !PLACEHOLDERS.contains(&p) {
                problem(
                    field_line(name),
                    format!("unknown placeholder `{{{{{p}}}}}`"),
                );
            }
        }
    }

    let body_line = |offset: usize| body_first_line + line_at(body, offset) - 1;
    for (offset, p) in render::placeholders(body) {
        if !PLACEHOLDERS.contains(&p) {
            problem(
                body_line(offset),
                format!(
                    "unknown placeholder `{{{{{p}}}}}`; known: {}",
                    PLACEHOLDERS.join(", ")
                ),
            );
        }
    }
    // Worked out at build time for the embedded pages (issue 23, the cold start).
    let (rendered, reading_ease) = prebuilt::render_and_score(body);
    for finding in &rendered.findings {
        match finding {
            Finding::RawHtml { offset } => problem(
                body_line(*offset),
                "raw HTML is not allowed in content; write it in Markdown".into(),
            ),
            Finding::UnsafeLink { offset, target } => problem(
                body_line(*offset),
                format!(
                    "link target `{target}` is not allowed (use /site-paths, https://, mailto: or tel:)"
                ),
            ),
            Finding::Image { offset } => problem(
                body_line(*offset),
                "images are not supported in content yet".into(),
            ),
            Finding::Heading1 { offset } => problem(
                body_line(*offset),
                "use `## ` for sections; the page title comes from the front matter".into(),
            ),
            Finding::InternalLink { offset, target } => {
                links.push((file.path.clone(), body_line(*offset), target.clone()))
            }
        }
    }
    if rendered.sections.iter().all(|s| s.title.is_empty()) && fm.kind == Kind::Module {
        problem(
            body_first_line,
            "a module needs at least one `## ` section".into(),
        );
    }
    if body.trim().is_empty() {
        problem(body_first_line, "the page has no text".into());
    }
    let quiz = if fm.kind == Kind::Quiz {
        let (quiz, quiz_problems) = quiz::with_pass_mark(prebuilt::quiz_bank(body), fm.pass_mark);
        for p in quiz_problems {
            let line = if p.offset == 0 && p.reason.contains("pass_mark") {
                field_line("pass_mark").max(1)
            } else {
                body_line(p.offset)
            };
            problem(line, p.reason);
        }
        if let Some(q) = &quiz {
            let (longest, single) = quiz::longest_is_correct(q);
            if longest * 3 > single {
                problem(
                    body_first_line,
                    format!(
                        "the answer is given away by its length: in {longest} of {single} single-answer questions the correct option is the only longest; at most a third may be (make the wrong options as full and plausible)"
                    ),
                );
            }
        }
        quiz
    } else {
        None
    };
    if is_easy_read_file(&file.path)
        && let Some(score) = reading_ease
        && score < readability::EASY_READ_MINIMUM
    {
        problem(
            body_first_line,
            format!(
                "too hard for easy read: Flesch reading ease {score:.0}, needs {:.0} or more (one idea per sentence, short everyday words)",
                readability::EASY_READ_MINIMUM
            ),
        );
    } else if fm.audience.contains(&Audience::Learners)
        && let Some(score) = reading_ease
        && score < readability::LEARNER_MINIMUM
    {
        problem(
            body_first_line,
            format!(
                "too hard to read for learners: Flesch reading ease {score:.0}, needs {:.0} or more (shorter sentences, simpler words)",
                readability::LEARNER_MINIMUM
            ),
        );
    }

    Some(Page {
        id: fm.id,
        kind: fm.kind,
        audience: fm.audience,
        title: fm.title,
        summary: fm.summary,
        version: fm.version,
        source: fm.source,
        sources: fm.sources,
        kcsie: fm.kcsie,
        last_reviewed: last_reviewed.unwrap_or_default(),
        next_review: next_review.unwrap_or_default(),
        minutes: fm.minutes,
        sections: if fm.kind == Kind::Quiz {
            Vec::new()
        } else {
            rendered.sections
        },
        module: fm.module,
        quiz,
        recomplete_on_major: fm.recomplete_on_major.unwrap_or(false),
        ukcis: fm.ukcis,
        required_in: fm.required_in,
        order: fm.order,
        reading_ease,
        file: file.path.clone(),
    })
}

/// The content compiled in and the profile of the organisation `APP_ORG` names (default
/// `demo`), as the `notify` and `reminders` functions start with.
pub fn library_and_org() -> Result<(Library, crate::org::OrgProfile), String> {
    let org_name = crate::env::var("APP_ORG").unwrap_or_else(|| "demo".into());
    load_library_and_org(None, &org_name).map_err(|e| format!("APP_ORG: {e}"))
}

/// The content (compiled in, or an edited copy in `content_dir`) if it passes the check, and
/// the profile of the organisation `org`.
pub fn load_library_and_org(
    content_dir: Option<&Path>,
    org: &str,
) -> Result<(Library, crate::org::OrgProfile), String> {
    let loaded = match content_dir {
        Some(dir) => load_dir(dir),
        None => load_embedded(),
    };
    let library = loaded.map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        format!("the content does not pass the check:\n{}", list.join("\n"))
    })?;
    let profile = library
        .org(org)
        .cloned()
        .ok_or_else(|| format!("no organisation profile `{org}` in content/organisations"))?;
    Ok((library, profile))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod easy_read_tests;

/// What is wrong with an organisation's profile, against the pages it can require: the rules
/// the content check applies to `organisations/<id>.toml`, and the profile form to every save
/// (an invalid profile is never stored). Empty: it may be used.
pub fn profile_problems(org: &OrgProfile, pages: &[Page]) -> Vec<String> {
    let mut problems = Vec::new();
    let blank = |s: &str| s.trim().is_empty();
    if blank(&org.name) {
        problems.push("the organisation needs a name".into());
    }
    if !ORG_KINDS.contains(&org.kind.as_str()) {
        problems.push(format!(
            "unknown kind of organisation `{}` (kinds: {})",
            org.kind,
            ORG_KINDS.join(", ")
        ));
    }
    if !(1..=60).contains(&org.renewal_months) {
        problems.push("training renewal must be between 1 and 60 months".into());
    }
    if org.escalate_after_minutes > 1440 {
        problems.push(
            "an unacknowledged urgent worry must be escalated within 1440 minutes (a day)".into(),
        );
    }
    if blank(&org.out_of_hours) {
        problems.push("say what to do out of hours (`out_of_hours`)".into());
    }
    let mut ids = std::collections::HashSet::new();
    for p in &org.sso {
        if let Some(why) = p.problem() {
            problems.push(why);
        } else if !ids.insert(p.id.clone()) {
            problems.push(format!("sso id `{}` is used twice", p.id));
        }
    }
    check_requirements(org, pages, &mut problems);
    check_duty_contacts(org, &mut problems);
    problems
}

/// Contacts shown to someone in trouble must be complete: a name to ask for and a number.
fn check_duty_contacts(org: &OrgProfile, problems: &mut Vec<String>) {
    let blank = |s: &str| s.trim().is_empty();
    let mut problem = |reason: String| problems.push(reason);
    for (what, c) in std::iter::once(("the DSL", &org.dsl))
        .chain(org.deputies.iter().map(|d| ("a deputy", d)))
        .chain(std::iter::once((
            "the allegations lead",
            &org.allegations_lead,
        )))
        .chain(org.chair.iter().map(|c| ("the chair", c)))
    {
        if blank(&c.name) || blank(&c.title) || blank(&c.phone) {
            problem(format!(
                "{what} needs a name, a title and a phone number (`{}`)",
                c.name
            ));
        }
        let email = c.email.trim();
        if !email.is_empty() && (!email.contains('@') || email.contains(char::is_whitespace)) {
            problem(format!("{what}'s email `{email}` is not an email address"));
        }
    }
    for d in &org.on_duty {
        if blank(&d.site) || blank(&d.name) || blank(&d.title) || blank(&d.phone) {
            problem(format!(
                "an `on_duty` entry needs a site, name, title and phone (site `{}`)",
                d.site
            ));
        }
    }
    if blank(&org.local.authority)
        || blank(&org.local.lado_phone)
        || blank(&org.local.front_door_phone)
    {
        problem(
            "the local authority needs its name, the LADO's number and the children's services front door number"
                .into(),
        );
    }
    let site = org.local.partnership_site.trim();
    if !site.is_empty() && !site.starts_with("https://") {
        problem(format!(
            "`local.partnership_site` must be an https:// address (`{site}`)"
        ));
    }
    if org.kind == "adult-learning" && blank(&org.local.adult_services_phone) {
        problem(
            "an adult learning service needs `local.adult_services_phone` (adult social care, for an adult at risk)"
                .into(),
        );
    }
    // Every kind of worry must reach someone who is not the person it is about.
    for why in crate::routing::profile_problems(org) {
        problem(why);
    }
    for c in &org.out_of_hours_contacts {
        if blank(&c.name) || blank(&c.description) || blank(&c.phone) {
            problem(format!(
                "an `out_of_hours_contacts` entry needs a name, description and phone (`{}`)",
                c.name
            ));
        }
    }
}

/// Every requirement of an organisation names a real role, and modules and AUPs that exist.
fn check_requirements(org: &OrgProfile, pages: &[Page], problems: &mut Vec<String>) {
    let of_kind = |id: &str, kind: Kind| pages.iter().any(|p| p.id == id && p.kind == kind);
    for r in &org.requirements {
        let mut problem = |reason: String| problems.push(reason);
        if crate::roles::Role::parse(&r.role).is_none() {
            problem(format!("requirement for unknown role `{}`", r.role));
        }
        for m in r.modules.iter().filter(|m| !of_kind(m, Kind::Module)) {
            problem(format!(
                "requirement for `{}`: `{m}` is not a module",
                r.role
            ));
        }
        for a in r.aups.iter().filter(|a| !of_kind(a, Kind::Aup)) {
            problem(format!("requirement for `{}`: `{a}` is not an AUP", r.role));
        }
    }
}

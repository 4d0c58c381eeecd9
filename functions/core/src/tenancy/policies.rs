//! An organisation's own versions of the provided policies and pages, and its own pages.
//!
//! An admin (or the DSL) starts from the provided file or the organisation's current version,
//! edits the Markdown (front matter included) and publishes it as a new version:
//! - **minor** (wording): `MAJOR.MINOR+1.0`; signatures of the same major version stay valid;
//! - **major**: `MAJOR+1.0.0`; everyone who signed must sign again, and sees the publisher's
//!   "what changed" summary;
//! - **new**: an own page (a new guide, `guidance/<name>.md`), version 1.0.0, listed with the
//!   guides of its audience.
//!
//! What is published passes the whole content check first, over the provided content with the
//! organisation's versions in place (the same rules and messages, by file and line), and the
//! organisation's profile is checked against the pages it would then have. Each version is kept
//! (the text people signed stays readable by its hash, as for the provided AUPs).

use super::directory::BaseContent;
use super::profile::bump_stamp;
use super::{Author, TenancyError, lost_race};
use crate::content::{self, Kind, Library, Problem, SourceFile};
use crate::keys;
use crate::org::{OrgId, OrgProfile};
use crate::store::record::{self, Record, from_item, to_item};
use crate::store::{Condition, Query, Store, TxOp};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a published version differs from the one before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Wording: signatures and completions stay valid.
    Minor,
    /// People must sign (or complete) again.
    Major,
    /// The first version of an own page.
    New,
}

impl Change {
    pub fn parse(s: &str) -> Option<Change> {
        match s {
            "minor" => Some(Change::Minor),
            "major" => Some(Change::Major),
            "new" => Some(Change::New),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Change::Minor => "Minor (wording; signatures stay valid)",
            Change::Major => "Major (everyone signs again)",
            Change::New => "New page",
        }
    }
}

/// One published version ([`keys::org_policy`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyVersionRecord {
    /// The content file it replaces or adds, e.g. `aups/learner-aup.md`, `guidance/phones.md`.
    pub path: String,
    /// 1, 2, 3... per path.
    pub number: u64,
    /// The page's version (`MAJOR.MINOR.PATCH`) as published.
    pub version: String,
    pub change: Change,
    /// "What changed", written by the publisher (shown to people signing a major version).
    pub summary: String,
    /// The whole file: front matter and Markdown.
    pub text: String,
    pub by_id: String,
    pub by_name: String,
    #[serde(with = "record::time")]
    pub at: DateTime<Utc>,
}

impl Record for PolicyVersionRecord {
    const TYPE: &'static str = "org_policy_version";
}

/// The most a published file may hold (a long policy is about 20 KB).
pub const MAX_TEXT_BYTES: usize = 100_000;

/// Where an organisation's own pages (guides) go.
pub const OWN_FOLDER: &str = "guidance/";

/// Whether `path` names a file an organisation may publish its own version of: a provided AUP,
/// guidance page or module (not a quiz, whose questions are checked against the module, nor an
/// easy-read retelling); a new file under `guidance/` is an own page.
pub fn is_editable(path: &str) -> bool {
    let safe = path.bytes().all(|b| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'/' || b == b'.'
    });
    safe && path.ends_with(".md")
        && !path.contains("..")
        && !content::is_easy_read_file(path)
        && ["aups/", "modules/", OWN_FOLDER]
            .iter()
            .any(|d| path.starts_with(d))
}

/// The current version of each of the organisation's own files (the highest number per path),
/// in path order. One query (paged).
pub async fn current<S: Store>(
    store: &S,
    org: &OrgId,
) -> Result<Vec<PolicyVersionRecord>, TenancyError> {
    let mut latest: std::collections::BTreeMap<String, PolicyVersionRecord> = Default::default();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(keys::org_policies(org))
                    .limit(1000)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            let v: PolicyVersionRecord = from_item(item)?;
            // Sort keys are `<path>#V#<n>`, so the last seen of a path is its newest.
            latest.insert(v.path.clone(), v);
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(latest.into_values().collect()),
        }
    }
}

/// Every published version of one file, newest first.
pub async fn versions_of<S: Store>(
    store: &S,
    org: &OrgId,
    path: &str,
) -> Result<Vec<PolicyVersionRecord>, TenancyError> {
    let page = store
        .query(
            &Query::partition(keys::org_policies(org))
                .prefix(format!("{path}#V#"))
                .descending()
                .limit(1000),
        )
        .await?;
    page.items
        .iter()
        .map(|i| from_item(i).map_err(TenancyError::from))
        .collect()
}

/// The content files of an organisation: the provided ones with its own versions in place and
/// its own pages added. A provided page it has its own version of loses its easy-read
/// retelling (that retells the provided wording, not the organisation's).
pub fn org_files(base: &[SourceFile], own: &[(String, String)]) -> Vec<SourceFile> {
    let retells_own = |path: &str| {
        content::is_easy_read_file(path)
            && own.iter().any(|(p, _)| {
                let (dir, name) = p.rsplit_once('/').unwrap_or(("", p));
                path == format!("{dir}/easy-read/{name}")
            })
    };
    let mut files: Vec<SourceFile> = base
        .iter()
        .filter(|f| !retells_own(&f.path))
        .map(|f| match own.iter().find(|(p, _)| *p == f.path) {
            Some((_, text)) => SourceFile {
                path: f.path.clone(),
                text: text.clone(),
            },
            None => f.clone(),
        })
        .collect();
    for (path, text) in own {
        if !base.iter().any(|f| f.path == *path) {
            files.push(SourceFile {
                path: path.clone(),
                text: text.clone(),
            });
        }
    }
    files
}

/// The library of an organisation with these own versions, checked. The own pages' problems
/// come first.
pub fn org_library(
    base: &[SourceFile],
    own: &[PolicyVersionRecord],
) -> Result<Library, Vec<Problem>> {
    let own: Vec<(String, String)> = own
        .iter()
        .map(|v| (v.path.clone(), v.text.clone()))
        .collect();
    content::load(org_files(base, &own))
}

/// What someone asks to publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub path: String,
    pub text: String,
    pub change: Change,
    pub summary: String,
}

/// A draft that passed every check: the text with its new version, ready to store.
#[derive(Clone, Debug)]
pub struct Checked {
    pub path: String,
    pub text: String,
    pub version: String,
    pub number: u64,
    /// The organisation's library with it in place (for a preview).
    pub library: Library,
}

/// Why a draft cannot be published: the content check's problems (by file and line), or a
/// reason for the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DraftProblem {
    Content(Vec<Problem>),
    Refused(String),
}

/// The file as it is now for the organisation: its own current version, else the provided one.
pub fn text_now<'a>(
    base: &'a BaseContent,
    own: &'a [PolicyVersionRecord],
    path: &str,
) -> Option<&'a str> {
    own.iter()
        .find(|v| v.path == path)
        .map(|v| v.text.as_str())
        .or_else(|| {
            base.files
                .iter()
                .find(|f| f.path == path)
                .map(|f| f.text.as_str())
        })
}

/// Checks a draft against everything the organisation has: whether the file may be published,
/// its new version (from the current one and the kind of change), the whole content check and
/// the profile's requirements. Writes nothing: the preview and [`publish`] both use it.
pub fn check(
    base: &BaseContent,
    own: &[PolicyVersionRecord],
    profile: &OrgProfile,
    draft: &Draft,
) -> Result<Checked, DraftProblem> {
    let refused = |why: &str| Err(DraftProblem::Refused(why.to_string()));
    if !is_editable(&draft.path) {
        return refused("That page cannot be edited here.");
    }
    if draft.text.len() > MAX_TEXT_BYTES {
        return refused("The text is too long (at most 100,000 characters).");
    }
    let summary = draft.summary.trim();
    if draft.change == Change::Major && summary.chars().count() < 10 {
        return refused(
            "Say what changed (at least 10 characters): everyone who signed sees it before signing again.",
        );
    }
    if summary.chars().count() > 1000 {
        return refused("Keep \"what changed\" under 1,000 characters.");
    }
    let existing = text_now(base, own, &draft.path);
    let is_own_page =
        draft.path.starts_with(OWN_FOLDER) && !base.files.iter().any(|f| f.path == draft.path);
    let version = match (existing, draft.change) {
        (None, Change::New) if is_own_page => "1.0.0".to_string(),
        (None, _) if is_own_page => return refused("A new page is published as a new page."),
        (None, _) => return refused("There is no such page."),
        (Some(_), Change::New) => {
            return refused("That page exists: publish a minor or major version.");
        }
        (Some(text), change) => {
            let Some(now) = front_matter_version(text) else {
                return refused("The current version has no version number.");
            };
            next_version(&now, change)
        }
    };
    let text = with_version(&draft.text, &version);
    let number = own
        .iter()
        .find(|v| v.path == draft.path)
        .map_or(1, |v| v.number + 1);
    let mut versions: Vec<PolicyVersionRecord> = own
        .iter()
        .filter(|v| v.path != draft.path)
        .cloned()
        .collect();
    versions.push(PolicyVersionRecord {
        path: draft.path.clone(),
        number,
        version: version.clone(),
        change: draft.change,
        summary: summary.to_string(),
        text: text.clone(),
        by_id: String::new(),
        by_name: String::new(),
        at: DateTime::<Utc>::UNIX_EPOCH,
    });
    let library = org_library(&base.files, &versions).map_err(|mut problems| {
        // This file's problems first: they are the ones the person can fix here.
        problems.sort_by_key(|p| (p.file != draft.path, p.file.clone(), p.line));
        DraftProblem::Content(problems)
    })?;
    if let Some(page) = library.pages.iter().find(|p| p.file == draft.path)
        && is_own_page
        && page.kind != Kind::Guide
    {
        return refused("An own page is a guide (kind = \"guide\").");
    }
    let profile_problems = content::profile_problems(profile, &library.pages);
    if !profile_problems.is_empty() {
        return Err(DraftProblem::Content(
            profile_problems
                .into_iter()
                .map(|reason| Problem {
                    file: format!("organisations/{}.toml", profile.id),
                    line: 0,
                    reason,
                })
                .collect(),
        ));
    }
    Ok(Checked {
        path: draft.path.clone(),
        text,
        version,
        number,
        library,
    })
}

/// Publishes a draft as the organisation's next version of the file, after [`check`]. One
/// transaction (the version, refused if someone published the same number first; the stamp),
/// whatever the number of people: who must sign again is worked out when their standing is read
/// (a signature of an older major version no longer counts).
pub async fn publish<S: Store>(
    store: &S,
    base: &BaseContent,
    profile: &OrgProfile,
    draft: &Draft,
    by: &Author,
    now: DateTime<Utc>,
) -> Result<PolicyVersionRecord, PublishError> {
    let org = &profile.id;
    let own = current(store, org).await?;
    let checked = check(base, &own, profile, draft).map_err(PublishError::Draft)?;
    let record = PolicyVersionRecord {
        path: checked.path,
        number: checked.number,
        version: checked.version,
        change: draft.change,
        summary: draft.summary.trim().to_string(),
        text: checked.text,
        by_id: by.id.clone(),
        by_name: by.name.clone(),
        at: now,
    };
    let ops = vec![
        TxOp::Put {
            item: to_item(&keys::org_policy(org, &record.path, record.number), &record),
            condition: Condition::NotExists,
        },
        bump_stamp(org),
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(org = %org, path = %record.path, version = %record.version, by = %by.id, "policy version published");
            Ok(record)
        }
        Err(e) if lost_race(&e) => Err(PublishError::Tenancy(TenancyError::Conflict)),
        Err(e) => Err(PublishError::Tenancy(e.into())),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PublishError {
    Draft(DraftProblem),
    Tenancy(TenancyError),
}

impl From<TenancyError> for PublishError {
    fn from(e: TenancyError) -> Self {
        PublishError::Tenancy(e)
    }
}

/// The `version = "..."` of a file's front matter.
pub fn front_matter_version(text: &str) -> Option<String> {
    let fm = text.strip_prefix("+++")?.split("+++").next()?;
    fm.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == "version").then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The version after `now` for a change: `2.0.0` after `1.3.1` for a major change, `1.4.0` for
/// a minor one.
pub fn next_version(now: &str, change: Change) -> String {
    let mut parts = now.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(1), parts.next().unwrap_or(0));
    match change {
        Change::Major => format!("{}.0.0", major + 1),
        Change::Minor => format!("{major}.{}.0", minor + 1),
        Change::New => "1.0.0".into(),
    }
}

/// The text with its front matter's version set to `version` (added when it has none; the
/// content check then reports a file without front matter).
pub fn with_version(text: &str, version: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let Some(rest) = text.strip_prefix("+++\n") else {
        return text;
    };
    let Some((fm, body)) = rest.split_once("\n+++") else {
        return text;
    };
    let line = format!("version = \"{version}\"");
    let mut replaced = false;
    let lines: Vec<String> = fm
        .lines()
        .map(|l| match l.split_once('=') {
            Some((k, _)) if k.trim() == "version" && !replaced => {
                replaced = true;
                line.clone()
            }
            _ => l.to_string(),
        })
        .collect();
    let mut fm = lines.join("\n");
    if !replaced {
        fm.push('\n');
        fm.push_str(&line);
    }
    format!("+++\n{fm}\n+++{body}")
}

//! An organisation's own policies and pages for the pages: the list of what it may edit, the
//! editor (preview and publish), the published versions, and for people signing a new major
//! version of an AUP, "what changed" and a comparison with the text they signed. Thin: the
//! rules (what may be edited, the version numbers, the content check) are in
//! `safety_core::tenancy::policies`, the comparison in `safety_core::tenancy::compare`.

use super::learning::Refused;
use super::{Ended, Outcome, SiteState, Viewer};
use chrono::{DateTime, Utc};
use safety_core::content::{Audience, Kind, Page};
use safety_core::dates;
use safety_core::learning::{self as core, AupDocument, Status, TrainingItem};
use safety_core::tenancy::compare::{self, Row};
use safety_core::tenancy::policies::{
    self, Change, Draft, DraftProblem, PolicyVersionRecord, PublishError,
};
use safety_core::tenancy::{Author, TenancyError};

// ---------------------------------------------------------------------------------------------
// The list

/// One page an organisation may publish its own version of.
#[derive(Clone, Debug)]
pub struct PolicyRow {
    /// The content file, e.g. `aups/staff-aup.md`.
    pub path: String,
    pub title: String,
    /// Who it is for, in words ("Staff", "Parents and carers, learners").
    pub audience: String,
    /// The version people see now.
    pub version: String,
    /// The organisation's own current version, when it published one.
    pub own: Option<VersionShown>,
    /// A page of its own (not a provided page).
    pub own_page: bool,
    /// Where people read it.
    pub url: String,
}

/// A heading and its pages.
#[derive(Clone, Debug)]
pub struct PolicyGroup {
    pub heading: &'static str,
    pub id: &'static str,
    pub rows: Vec<PolicyRow>,
}

/// What `/admin/policies` shows.
#[derive(Clone, Debug)]
pub struct PolicyList(pub Vec<PolicyGroup>);

/// Who a page is for, as a list ("learners and staff"); empty when the content names nobody.
pub(super) fn audience_list(page: &Page) -> String {
    let words: Vec<String> = page
        .audience
        .iter()
        .map(|a| {
            match a {
                Audience::Learners => "learners",
                Audience::Staff => "staff",
                Audience::Parents => "parents and carers",
            }
            .to_string()
        })
        .collect();
    super::and_list(&words)
}

fn audience_words(page: &Page) -> String {
    let text = audience_list(page);
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The pages the organisation may edit: AUPs first, then the guides, its own pages and the
/// modules.
pub fn list(site: &SiteState) -> PolicyList {
    let row = |p: &Page| PolicyRow {
        path: p.file.clone(),
        title: p.title.clone(),
        audience: audience_words(p),
        version: p.version.clone(),
        own: site.own_version(&p.file).map(shown),
        own_page: !site.base.files.iter().any(|f| f.path == p.file),
        url: p.url(),
    };
    let editable: Vec<&Page> = site
        .pages
        .iter()
        .filter(|p| matches!(p.kind, Kind::Aup | Kind::Guide | Kind::Module))
        .filter(|p| policies::is_editable(&p.file))
        .collect();
    let of = |kind: Kind, own_page: bool| -> Vec<PolicyRow> {
        editable
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| row(p))
            .filter(|r| r.own_page == own_page)
            .collect()
    };
    PolicyList(vec![
        PolicyGroup {
            heading: "Acceptable use policies",
            id: "aups",
            rows: of(Kind::Aup, false),
        },
        PolicyGroup {
            heading: "Guides for parents and carers",
            id: "guides",
            rows: of(Kind::Guide, false),
        },
        PolicyGroup {
            heading: "Your own pages",
            id: "own-pages",
            rows: of(Kind::Guide, true),
        },
        PolicyGroup {
            heading: "Modules",
            id: "modules",
            rows: of(Kind::Module, false),
        },
    ])
}

// ---------------------------------------------------------------------------------------------
// Versions

/// A published version as the pages show it.
#[derive(Clone, Debug)]
pub struct VersionShown {
    pub number: u64,
    pub version: String,
    pub change: Change,
    pub summary: String,
    pub by: String,
    pub on: String,
}

fn shown(v: &PolicyVersionRecord) -> VersionShown {
    VersionShown {
        number: v.number,
        version: v.version.clone(),
        change: v.change,
        summary: v.summary.clone(),
        by: v.by_name.clone(),
        on: dates::show_date_time(v.at),
    }
}

/// What `/admin/policies/versions?path=...` shows.
#[derive(Clone, Debug)]
pub struct VersionsView {
    pub path: String,
    pub title: String,
    /// Where people read it.
    pub url: String,
    /// The provided version it started from (none for an own page).
    pub provided_version: Option<String>,
    /// Newest first.
    pub versions: Vec<VersionShown>,
    /// The number just published, for the confirmation.
    pub published: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct VersionsScreen(pub Result<VersionsView, (Outcome, String)>);

impl Ended for VersionsScreen {
    fn outcome(&self) -> Outcome {
        self.0.outcome()
    }
}

fn unavailable(e: &TenancyError) -> (Outcome, String) {
    tracing::error!(error = %e, "policy versions could not be read");
    (
        Outcome::Unavailable,
        "The versions could not be read just now. Try again in a minute.".into(),
    )
}

fn no_such_page() -> (Outcome, String) {
    (
        Outcome::NotFound,
        "There is no such page to edit. Go back to the list of policies and pages.".into(),
    )
}

fn page_of<'a>(site: &'a SiteState, path: &str) -> Option<&'a Page> {
    site.pages.iter().find(|p| p.file == path)
}

/// The published versions of one file.
pub async fn versions(site: &SiteState, path: &str, published: Option<u64>) -> VersionsScreen {
    VersionsScreen(
        async {
            if !policies::is_editable(path) {
                return Err(no_such_page());
            }
            let page = page_of(site, path).ok_or_else(no_such_page)?;
            let versions = policies::versions_of(&site.store, &site.org_id, path)
                .await
                .map_err(|e| unavailable(&e))?;
            Ok(VersionsView {
                path: path.to_string(),
                title: page.title.clone(),
                url: page.url(),
                provided_version: site
                    .base
                    .library
                    .pages
                    .iter()
                    .find(|p| p.file == path)
                    .map(|p| p.version.clone()),
                versions: versions.iter().map(shown).collect(),
                published,
            })
        }
        .await,
    )
}

/// What `/admin/policies/version?path=...&number=...` shows: one version's whole text.
#[derive(Clone, Debug)]
pub struct VersionView {
    pub path: String,
    pub title: String,
    pub version: VersionShown,
    /// As published: front matter and Markdown.
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct VersionScreen(pub Result<VersionView, (Outcome, String)>);

impl Ended for VersionScreen {
    fn outcome(&self) -> Outcome {
        self.0.outcome()
    }
}

/// One published version of a file.
pub async fn version(site: &SiteState, path: &str, number: u64) -> VersionScreen {
    VersionScreen(
        async {
            if !policies::is_editable(path) {
                return Err(no_such_page());
            }
            let versions = policies::versions_of(&site.store, &site.org_id, path)
                .await
                .map_err(|e| unavailable(&e))?;
            let v = versions
                .iter()
                .find(|v| v.number == number)
                .ok_or_else(|| {
                    (
                        Outcome::NotFound,
                        "There is no such version of this page.".to_string(),
                    )
                })?;
            Ok(VersionView {
                path: path.to_string(),
                title: page_of(site, path).map_or_else(|| path.to_string(), |p| p.title.clone()),
                version: shown(v),
                text: v.text.clone(),
            })
        }
        .await,
    )
}

// ---------------------------------------------------------------------------------------------
// The editor

/// The editor's form as posted (or first shown).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EditorForm {
    /// The file edited; empty for a new page (then `name` says which).
    pub path: String,
    /// A new page's name: its address and file (`guidance/<name>.md`).
    pub name: String,
    pub text: String,
    /// `minor`, `major` or `new`.
    pub change: String,
    pub summary: String,
}

/// A problem of the content check, as the error summary shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProblemShown {
    /// "aups/staff-aup.md, line 4" (or the file alone).
    pub place: String,
    pub reason: String,
    /// In the file being edited (the others are the organisation's profile or other pages).
    pub here: bool,
}

/// The page as it would be published, for the preview.
#[derive(Clone, Debug)]
pub struct Preview {
    pub page: Page,
    /// The version it would be published as.
    pub version: String,
}

/// What the editor shows.
#[derive(Clone, Debug)]
pub struct Editor {
    pub is_new: bool,
    /// The page's title now (a new page: "New page").
    pub title: String,
    /// The version people see now (none for a new page).
    pub current_version: Option<String>,
    /// The organisation's own current version, when it has one.
    pub own: Option<VersionShown>,
    /// Where people read it now.
    pub url: Option<String>,
    /// What is in the form: as typed, never lost.
    pub form: EditorForm,
    pub preview: Option<Preview>,
    pub problems: Vec<ProblemShown>,
    /// A refusal that is not the content check's (no "what changed" for a major version...).
    pub refused: Option<String>,
    /// Which field the refusal is about (`summary`, `change`, `name`), for its link.
    pub refused_field: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct EditorScreen(pub Result<Editor, (Outcome, String)>, pub Outcome);

impl Ended for EditorScreen {
    fn outcome(&self) -> Outcome {
        match &self.0 {
            Ok(_) => self.1,
            Err((o, _)) => *o,
        }
    }
}

/// What a new page starts as: a guide for parents and learners, to make one's own.
pub fn new_page_template(today: chrono::NaiveDate) -> String {
    let next = today
        .checked_add_months(chrono::Months::new(12))
        .unwrap_or(today);
    format!(
        r#"+++
id = "our-rules-for-phones"
kind = "guide"
audience = ["parents", "learners"]
title = "Our rules for phones"
summary = "When phones can be used here, where they are kept, and what happens when the rules are broken."
version = "1.0.0"
source = "Our own policy"
sources = ["Our behaviour policy"]
last_reviewed = {today}
next_review = {next}
minutes = 3
+++
## Our rules

Write your rules here. Use short sentences.

## If something worries you

Tell {{{{dsl.name}}}}, our {{{{dsl.title}}}}, or [tell us online](/tell).
"#
    )
}

/// The editor of a file as it is now (`path`), or of a new page (`new`).
pub fn editor(site: &SiteState, path: Option<&str>, new: bool, now: DateTime<Utc>) -> EditorScreen {
    let shown = if new {
        Ok(new_editor(
            site,
            EditorForm {
                name: "our-rules-for-phones".into(),
                text: new_page_template(dates::to_london(now).date_naive()),
                change: "new".into(),
                ..EditorForm::default()
            },
        ))
    } else {
        let path = path.unwrap_or_default();
        match policies::text_now(&site.base, &site.own, path) {
            Some(text) if policies::is_editable(path) && page_of(site, path).is_some() => {
                Ok(existing_editor(
                    site,
                    EditorForm {
                        path: path.to_string(),
                        text: text.to_string(),
                        change: "minor".into(),
                        ..EditorForm::default()
                    },
                ))
            }
            _ => Err(no_such_page()),
        }
    };
    EditorScreen(shown, Outcome::Ok)
}

fn new_editor(_site: &SiteState, form: EditorForm) -> Editor {
    Editor {
        is_new: true,
        title: "New page".into(),
        current_version: None,
        own: None,
        url: None,
        form,
        preview: None,
        problems: Vec::new(),
        refused: None,
        refused_field: None,
    }
}

fn existing_editor(site: &SiteState, form: EditorForm) -> Editor {
    let page = page_of(site, &form.path);
    Editor {
        is_new: false,
        title: page.map_or_else(|| form.path.clone(), |p| p.title.clone()),
        current_version: page.map(|p| p.version.clone()),
        own: site.own_version(&form.path).map(shown),
        url: page.map(Page::url),
        form,
        preview: None,
        problems: Vec::new(),
        refused: None,
        refused_field: None,
    }
}

/// Whether the form is for a new page: an own page that does not exist yet.
fn is_new_form(site: &SiteState, form: &EditorForm) -> bool {
    form.path.is_empty() || (form.change == "new" && page_of(site, &form.path).is_none())
}

/// The draft a form asks for, or why it cannot be one (with the field it is about).
fn draft_of(site: &SiteState, form: &EditorForm) -> Result<Draft, (String, &'static str)> {
    let path = if is_new_form(site, form) {
        let name = form.name.trim();
        let ok = !name.is_empty()
            && name.len() <= 80
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err((
                "Give the page a short name: lowercase letters, digits and hyphens, like our-rules-for-phones.".into(),
                "name",
            ));
        }
        format!("{}{name}.md", policies::OWN_FOLDER)
    } else {
        form.path.clone()
    };
    let change = if is_new_form(site, form) {
        Change::New
    } else {
        match Change::parse(&form.change) {
            Some(c @ (Change::Minor | Change::Major)) => c,
            _ => return Err(("Choose a minor or a major version.".into(), "change")),
        }
    };
    Ok(Draft {
        path,
        text: form.text.clone(),
        change,
        summary: form.summary.clone(),
    })
}

fn problems_shown(path: &str, problems: Vec<safety_core::content::Problem>) -> Vec<ProblemShown> {
    problems
        .into_iter()
        .map(|p| ProblemShown {
            here: p.file == path,
            place: if p.line == 0 {
                p.file.clone()
            } else {
                format!("{}, line {}", p.file, p.line)
            },
            reason: p.reason,
        })
        .collect()
}

/// The editor again with what was typed, and why it was refused.
fn with_problem(mut editor: Editor, draft_path: &str, problem: DraftProblem) -> Editor {
    match problem {
        DraftProblem::Content(problems) => editor.problems = problems_shown(draft_path, problems),
        DraftProblem::Refused(why) => {
            editor.refused_field = if why.contains("what changed") {
                Some("summary")
            } else {
                None
            };
            editor.refused = Some(why);
        }
    }
    editor
}

fn editor_for(site: &SiteState, form: EditorForm) -> Editor {
    if is_new_form(site, &form) {
        new_editor(site, form)
    } else {
        existing_editor(site, form)
    }
}

/// Checks what was typed and shows the page as it would be published. Writes nothing.
pub fn preview(site: &SiteState, form: EditorForm) -> EditorScreen {
    if !is_new_form(site, &form) && page_of(site, &form.path).is_none() {
        return EditorScreen(Err(no_such_page()), Outcome::NotFound);
    }
    let draft = draft_of(site, &form);
    let editor = editor_for(site, form);
    let draft = match draft {
        Ok(d) => d,
        Err((why, field)) => return refused_editor(editor, why, field),
    };
    match policies::check(&site.base, &site.own, &site.org, &draft) {
        Ok(checked) => {
            let page = checked
                .library
                .pages
                .iter()
                .find(|p| p.file == draft.path)
                .map(|p| p.for_org(&site.org));
            let mut editor = editor;
            editor.preview = page.map(|page| Preview {
                page,
                version: checked.version,
            });
            EditorScreen(Ok(editor), Outcome::Ok)
        }
        Err(problem) => EditorScreen(
            Ok(with_problem(editor, &draft.path, problem)),
            Outcome::Invalid,
        ),
    }
}

fn refused_editor(mut editor: Editor, why: String, field: &'static str) -> EditorScreen {
    editor.refused = Some(why);
    editor.refused_field = Some(field);
    EditorScreen(Ok(editor), Outcome::Invalid)
}

/// Publishes what was typed as the organisation's next version; on a refusal, the editor again
/// with what was typed and why (nothing saved).
pub async fn publish(
    site: &SiteState,
    viewer: &Viewer,
    form: EditorForm,
    now: DateTime<Utc>,
) -> Result<PolicyVersionRecord, EditorScreen> {
    if !is_new_form(site, &form) && page_of(site, &form.path).is_none() {
        return Err(EditorScreen(Err(no_such_page()), Outcome::NotFound));
    }
    let draft = draft_of(site, &form);
    let editor = editor_for(site, form);
    let draft = match draft {
        Ok(d) => d,
        Err((why, field)) => return Err(refused_editor(editor, why, field)),
    };
    let by = Author {
        id: viewer.person.id.clone(),
        name: viewer.person.name.clone(),
    };
    match policies::publish(&site.store, &site.base, &site.org, &draft, &by, now).await {
        Ok(record) => {
            tracing::info!(person_id = %viewer.person.id, path = %record.path, version = %record.version, "policy published");
            Ok(record)
        }
        Err(PublishError::Draft(problem)) => {
            tracing::info!(path = %draft.path, "policy refused");
            Err(EditorScreen(
                Ok(with_problem(editor, &draft.path, problem)),
                Outcome::Invalid,
            ))
        }
        Err(PublishError::Tenancy(TenancyError::Conflict)) => {
            let EditorScreen(e, _) = refused_editor(
                editor,
                "Someone else published a version of this page first. Nothing was saved: copy your text, reload the page and try again.".into(),
                "text",
            );
            Err(EditorScreen(e, Outcome::Conflict))
        }
        Err(PublishError::Tenancy(e)) => {
            tracing::error!(error = %e, "a policy version could not be published");
            let mut editor = editor;
            editor.refused = Some(
                "It could not be published just now. Nothing was saved: try again in a minute."
                    .into(),
            );
            editor.refused_field = Some("text");
            Err(EditorScreen(Ok(editor), Outcome::Unavailable))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What people signing a new major version see

/// "What changed", from the organisation's publisher, for someone whose signature is of an
/// older major version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatChanged {
    pub summary: String,
    pub by: String,
    pub on: String,
    pub version: String,
    /// The version the person signed.
    pub signed_version: String,
    /// The side-by-side comparison with the text they signed.
    pub compare_url: String,
}

/// What changed since the person signed, when they must sign again because the organisation
/// published a new major version (otherwise `None`).
pub fn what_changed(
    site: &SiteState,
    aup_id: &str,
    item: Option<&TrainingItem>,
) -> Option<WhatChanged> {
    let item = item?;
    let signature = item.signature.as_ref()?;
    if item.status != Status::DueAgain {
        return None;
    }
    let page = site.page(Kind::Aup, aup_id)?;
    let own = site
        .own_version(&page.file)
        .filter(|v| v.change == Change::Major)?;
    Some(WhatChanged {
        summary: own.summary.clone(),
        by: own.by_name.clone(),
        on: dates::show_date(own.at),
        version: own.version.clone(),
        signed_version: signature.version.clone(),
        compare_url: format!("/aup/{aup_id}/compare"),
    })
}

/// What `/aup/{id}/compare` shows: the text the person signed beside the current one.
#[derive(Clone, Debug)]
pub struct CompareView {
    pub aup_id: String,
    pub title: String,
    pub signed_version: String,
    pub signed_on: String,
    pub current_version: String,
    pub what_changed: Option<WhatChanged>,
    pub rows: Vec<Row>,
    /// Paragraphs added and removed.
    pub added: usize,
    pub removed: usize,
}

#[derive(Clone, Debug)]
pub struct CompareScreen(pub Result<CompareView, Refused>);

impl Ended for CompareScreen {
    fn outcome(&self) -> Outcome {
        self.0.outcome()
    }
}

/// The person's last signed text of an AUP beside its current text.
pub async fn compare_aup(
    site: &SiteState,
    viewer: &Viewer,
    aup_id: &str,
    now: DateTime<Utc>,
) -> CompareScreen {
    CompareScreen(
        async {
            let setting = super::easy_read::learning_setting(site, viewer).await;
            let doc = AupDocument::for_person(&setting, &viewer.person, aup_id)?;
            let not_signed = || Refused {
                message: "You have not signed this policy yet, so there is nothing to compare. Read it and sign it below.".into(),
                outcome: Outcome::NotFound,
            };
            let item = super::learning::aup_item(site, viewer, aup_id, now).await?;
            let signature = item
                .as_ref()
                .and_then(|i| i.signature.clone())
                .ok_or_else(not_signed)?;
            let signed = core::signed_text(&site.store, &site.org_id, &signature.sha256)
                .await?
                .ok_or_else(not_signed)?;
            let rows = compare::rows(&signed, &doc.html);
            Ok(CompareView {
                aup_id: doc.id.clone(),
                title: doc.title.clone(),
                signed_version: signature.version.clone(),
                signed_on: dates::parse(&signature.signed_at)
                    .map(dates::show_date_time)
                    .unwrap_or(signature.signed_at.clone()),
                current_version: doc.version.clone(),
                what_changed: what_changed(site, aup_id, item.as_ref()),
                added: rows.iter().filter(|r| !r.same && r.new.is_some()).count(),
                removed: rows.iter().filter(|r| !r.same && r.old.is_some()).count(),
                rows,
            })
        }
        .await,
    )
}

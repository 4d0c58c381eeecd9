//! Person records: searching them, a record's page (one chronology across its linked worries,
//! as routing lets the viewer read them), merging a duplicate, and linking a worry to a person
//! from the worry's page. The rules (who sees what, audit) are in `safety_core::records`.

use super::worries::time_for_people;
use super::{Outcome, SiteState, Viewer};
use chrono::Utc;
use safety_core::records::{self, DetailsInput, FileError, LinkTo};
use serde::Deserialize;

/// One chronology or audit line, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordLine {
    pub when: String,
    pub who: String,
    pub what: String,
    pub text: String,
    /// The worry it belongs to (linked from the line).
    pub worry_id: Option<String>,
}

/// A record found by a search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundRow {
    pub record_id: String,
    pub name: String,
    /// Date of birth, group and whether they are on the platform, in words.
    pub details: String,
    /// The linked concerns the viewer may read.
    pub concerns: usize,
}

/// A person on the platform with no record yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRow {
    pub person_id: String,
    pub name: String,
    pub groups: String,
}

/// The search page (`/records`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordsView {
    pub q: String,
    pub searched: bool,
    pub files: Vec<FoundRow>,
    pub more: bool,
    pub error: Option<String>,
    /// The viewer may import a transferred file (the DSL).
    pub may_import: bool,
}

/// A linked concern, as the record lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConcernRow {
    pub worry_id: String,
    pub sent: String,
    pub kind: String,
    pub status: String,
    pub queue: String,
}

/// A record's page (`/records/:id`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordView {
    pub id: String,
    pub name: String,
    pub date_of_birth: Option<String>,
    pub group: Option<String>,
    pub note: Option<String>,
    pub on_platform: bool,
    pub created: String,
    /// Oldest first.
    pub chronology: Vec<RecordLine>,
    pub concerns: Vec<ConcernRow>,
    /// The record's audit trail, for the DSL.
    pub audit: Option<Vec<RecordLine>>,
    /// What was typed to find a duplicate, and what it found (other records only).
    pub merge_q: String,
    pub merge: Option<Vec<FoundRow>>,
    pub csrf: String,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// The viewer may export it for transfer (the DSL and deputies).
    pub may_transfer: bool,
}

/// A record page with only a problem to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordProblem(pub String);

/// The records a worry is linked to, for its case page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedPeople {
    pub worry_id: String,
    /// (record id, name)
    pub linked: Vec<(String, String)>,
}

/// A new record's details as typed on the link page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct NewRecordForm {
    pub name: String,
    pub date_of_birth: String,
    pub group: String,
    pub note: String,
}

/// Linking a worry to a person (`/worries/:id/people`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkView {
    pub worry_id: String,
    pub linked: Vec<(String, String)>,
    pub q: String,
    pub searched: bool,
    pub files: Vec<FoundRow>,
    pub people: Vec<PersonRow>,
    pub more: bool,
    pub csrf: String,
    pub typed: NewRecordForm,
    /// (field, message) for the error summary.
    pub errors: Vec<(String, String)>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

/// A search's query string.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    pub q: String,
}

/// A record page's query string: a search for a duplicate.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RecordQuery {
    pub merge_q: String,
}

/// The link form: one of an existing record, a platform person, or a new record's details.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LinkForm {
    pub record_id: String,
    pub person_id: String,
    #[serde(flatten)]
    pub new: NewRecordForm,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct UnlinkForm {
    pub record_id: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MergeForm {
    pub absorbed_id: String,
}

/// How a refusal ends.
pub fn outcome_of(e: &FileError) -> Outcome {
    match e {
        FileError::NotFound => Outcome::NotFound,
        FileError::Store(_) | FileError::Corrupt(_) => {
            tracing::warn!(error = %e, "a person record could not be read or changed");
            Outcome::Unavailable
        }
        FileError::MergedInto(_) | FileError::Refused(_) | FileError::Invalid(_) => {
            Outcome::Invalid
        }
    }
}

fn found_row(f: records::Found) -> FoundRow {
    let mut details = Vec::new();
    if let Some(d) = f.date_of_birth {
        details.push(format!("born {}", d.format("%-d %B %Y")));
    }
    if let Some(g) = f.group {
        details.push(g);
    }
    if f.on_platform {
        details.push("on the platform".into());
    }
    FoundRow {
        record_id: f.record_id,
        name: f.name,
        details: details.join(", "),
        concerns: f.concerns,
    }
}

/// Searching the records by name. An empty query is the empty page.
pub async fn search(site: &SiteState, viewer: &Viewer, q: &str) -> (RecordsView, Outcome) {
    let q: String = q.chars().take(100).collect();
    let mut view = RecordsView {
        q: q.clone(),
        may_import: super::may(site, viewer, safety_core::roles::Action::ImportPersonFiles),
        ..RecordsView::default()
    };
    if q.trim().is_empty() {
        return (view, Outcome::Ok);
    }
    view.searched = true;
    match records::search(&site.store, &site.org_id, &viewer.person, &q, false).await {
        Ok(found) => {
            view.files = found.files.into_iter().map(found_row).collect();
            view.more = found.more;
            (view, Outcome::Ok)
        }
        Err(e) => {
            view.error = Some(e.user_message());
            let outcome = outcome_of(&e);
            (view, outcome)
        }
    }
}

/// A record's page (audited), with a search for a duplicate when one was typed.
pub async fn open(
    site: &SiteState,
    viewer: &Viewer,
    record_id: &str,
    merge_q: &str,
) -> Result<RecordView, FileError> {
    let shown = records::open(
        &site.store,
        &site.org_id,
        &viewer.person,
        record_id,
        Utc::now(),
    )
    .await?;
    let line = |e: records::Entry| RecordLine {
        when: time_for_people(e.at),
        who: e.by_name,
        what: e.what,
        text: e.text,
        worry_id: e.worry_id,
    };
    let merge_q: String = merge_q.chars().take(100).collect();
    let mut error = None;
    let merge = if merge_q.trim().is_empty() {
        None
    } else {
        match records::search(&site.store, &site.org_id, &viewer.person, &merge_q, false).await {
            Ok(found) => Some(
                found
                    .files
                    .into_iter()
                    .filter(|f| f.record_id != shown.file.id)
                    .map(found_row)
                    .collect(),
            ),
            Err(e) => {
                error = Some(e.user_message());
                None
            }
        }
    };
    let f = shown.file;
    Ok(RecordView {
        id: f.id,
        name: f.name,
        date_of_birth: f.date_of_birth.map(|d| d.format("%-d %B %Y").to_string()),
        group: f.group,
        note: f.note,
        on_platform: f.person_id.is_some(),
        created: time_for_people(f.created_at),
        chronology: shown.chronology.into_iter().map(line).collect(),
        concerns: shown
            .worries
            .into_iter()
            .map(|lw| ConcernRow {
                worry_id: lw.worry.id.clone(),
                sent: time_for_people(lw.worry.created_at),
                kind: site
                    .worry_kinds
                    .iter()
                    .find(|k| k.id == lw.worry.kind)
                    .map(|k| k.label.clone())
                    .unwrap_or_else(|| lw.worry.kind.clone()),
                status: lw.worry.status.label().to_string(),
                queue: lw.worry.route.queue.label().to_string(),
            })
            .collect(),
        audit: shown.audit.map(|a| {
            a.into_iter()
                .map(|a| RecordLine {
                    when: time_for_people(a.at),
                    who: a.by_name,
                    what: a.what,
                    text: String::new(),
                    worry_id: None,
                })
                .collect()
        }),
        merge_q,
        merge,
        csrf: viewer.csrf.clone(),
        notice: None,
        error,
        may_transfer: super::may(
            site,
            viewer,
            safety_core::roles::Action::TransferPersonFiles,
        ),
    })
}

/// Merges a duplicate into this record; the page again, saying what happened.
pub async fn merge(
    site: &SiteState,
    viewer: &Viewer,
    record_id: &str,
    form: MergeForm,
) -> Result<(RecordView, Outcome), FileError> {
    let merged = records::merge(
        &site.store,
        &site.org_id,
        &viewer.person,
        record_id,
        form.absorbed_id.trim(),
        Utc::now(),
    )
    .await;
    let mut view = open(site, viewer, record_id, "").await?;
    match merged {
        Ok(()) => {
            view.notice = Some("Merged: its concerns are now linked to this record.".into());
            Ok((view, Outcome::Ok))
        }
        Err(e @ (FileError::Store(_) | FileError::Corrupt(_))) => Err(e),
        Err(e) => {
            view.error = Some(e.user_message());
            Ok((view, outcome_of(&e)))
        }
    }
}

/// The records a worry is linked to, for its case page (`None` when the viewer may not use
/// records or the worry is not theirs).
pub async fn linked_people(
    site: &SiteState,
    viewer: &Viewer,
    worry_id: &str,
) -> Option<LinkedPeople> {
    let linked =
        records::linked_to_worry(&site.store, &site.org_id, &viewer.person, worry_id).await;
    match linked {
        Ok(l) => Some(LinkedPeople {
            worry_id: worry_id.to_string(),
            linked: l.into_iter().map(|l| (l.record_id, l.name)).collect(),
        }),
        Err(e) => {
            if !matches!(e, FileError::NotFound) {
                tracing::warn!(error = %e, "a worry's person records could not be read");
            }
            None
        }
    }
}

/// The link page of a worry: who it is linked to, and a search.
pub async fn link_page(
    site: &SiteState,
    viewer: &Viewer,
    worry_id: &str,
    q: &str,
) -> Result<LinkView, FileError> {
    let linked =
        records::linked_to_worry(&site.store, &site.org_id, &viewer.person, worry_id).await?;
    let q: String = q.chars().take(100).collect();
    let mut view = LinkView {
        worry_id: worry_id.to_string(),
        linked: linked.into_iter().map(|l| (l.record_id, l.name)).collect(),
        q: q.clone(),
        csrf: viewer.csrf.clone(),
        ..LinkView::default()
    };
    if !q.trim().is_empty() {
        view.searched = true;
        match records::search(&site.store, &site.org_id, &viewer.person, &q, true).await {
            Ok(found) => {
                view.files = found.files.into_iter().map(found_row).collect();
                view.people = found
                    .people
                    .into_iter()
                    .map(|p| PersonRow {
                        person_id: p.person_id,
                        name: p.name,
                        groups: p.groups.join(", "),
                    })
                    .collect();
                view.more = found.more;
            }
            Err(FileError::Invalid(errors)) => {
                view.errors = errors
                    .into_iter()
                    .map(|e| (e.field.to_string(), e.message))
                    .collect();
            }
            Err(e) => return Err(e),
        }
    }
    Ok(view)
}

/// Links the worry to a record, a platform person or a new record; the link page again.
pub async fn link(
    site: &SiteState,
    viewer: &Viewer,
    worry_id: &str,
    form: LinkForm,
) -> Result<(LinkView, Outcome), FileError> {
    let to = if !form.record_id.trim().is_empty() {
        Ok(LinkTo::File(form.record_id.trim().to_string()))
    } else if !form.person_id.trim().is_empty() {
        Ok(LinkTo::Person(form.person_id.trim().to_string()))
    } else {
        DetailsInput {
            name: form.new.name.clone(),
            date_of_birth: form.new.date_of_birth.clone(),
            group: form.new.group.clone(),
            note: form.new.note.clone(),
        }
        .validate(Utc::now().date_naive())
        .map(LinkTo::New)
        .map_err(FileError::Invalid)
    };
    let linked = match to {
        Ok(to) => {
            records::link(
                &site.store,
                &site.org_id,
                &viewer.person,
                worry_id,
                to,
                Utc::now(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    let mut view = link_page(site, viewer, worry_id, "").await?;
    match linked {
        Ok(l) => {
            view.notice = Some(if l.created {
                format!(
                    "A record was made for {} and this concern linked to it.",
                    l.name
                )
            } else {
                format!("Linked to the record of {}.", l.name)
            });
            Ok((view, Outcome::Ok))
        }
        Err(FileError::Invalid(errors)) => {
            view.typed = form.new;
            view.errors = errors
                .into_iter()
                .map(|e| (e.field.to_string(), e.message))
                .collect();
            Ok((view, Outcome::Invalid))
        }
        Err(e @ (FileError::Store(_) | FileError::Corrupt(_) | FileError::NotFound)) => Err(e),
        Err(e) => {
            view.typed = form.new;
            view.error = Some(e.user_message());
            Ok((view, outcome_of(&e)))
        }
    }
}

/// Unlinks the worry from a record; the link page again.
pub async fn unlink(
    site: &SiteState,
    viewer: &Viewer,
    worry_id: &str,
    form: UnlinkForm,
) -> Result<(LinkView, Outcome), FileError> {
    let done = records::unlink(
        &site.store,
        &site.org_id,
        &viewer.person,
        worry_id,
        form.record_id.trim(),
        Utc::now(),
    )
    .await;
    let mut view = link_page(site, viewer, worry_id, "").await?;
    match done {
        Ok(name) => {
            view.notice = Some(format!("Unlinked from the record of {name}."));
            Ok((view, Outcome::Ok))
        }
        Err(e @ (FileError::Store(_) | FileError::Corrupt(_) | FileError::NotFound)) => Err(e),
        Err(e) => {
            view.error = Some(e.user_message());
            Ok((view, outcome_of(&e)))
        }
    }
}

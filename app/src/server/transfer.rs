//! Transfer of a child's file to another organisation on the platform: the printable page and
//! the JSON file of a record (both audited), and the receiving DSL's import (upload, check,
//! preview, confirm). The rules (what leaves, the checks, idempotency, who reads what) are in
//! `safety_core::records::transfer`; this layer only turns them into views.

use super::worries::{kind_label, time_for_people};
use super::{Outcome, SiteState, Viewer};
use chrono::{DateTime, Utc};
use safety_core::records::FileError;
use safety_core::records::transfer::{self, Checked, ExportFormat, TransferFile};

/// One entry of a transferred concern's chronology, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferEntryView {
    pub when: String,
    pub who: String,
    pub what: String,
    pub text: String,
    /// (label, value): a decision's own fields.
    pub fields: Vec<(String, String)>,
}

/// One concern in a transfer file, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferConcernView {
    pub reference: String,
    pub transferred_from: Option<String>,
    pub sent: String,
    pub sent_by: String,
    pub kind: String,
    pub urgency: String,
    pub status: String,
    pub text: String,
    pub entries: Vec<TransferEntryView>,
}

/// A transfer file, as the printable page and the import's preview show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferDocView {
    pub name: String,
    pub date_of_birth: Option<String>,
    pub group: Option<String>,
    pub note: Option<String>,
    pub from: String,
    pub exported: String,
    pub exported_by: String,
    pub concerns: Vec<TransferConcernView>,
}

/// `/records/:id/transfer`: the printable file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferPrintView {
    pub record_id: String,
    pub doc: TransferDocView,
}

/// `/transfers/import`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferImportView {
    /// The upload form, with what was wrong with the last file.
    Form { csrf: String, errors: Vec<String> },
    /// A file that passed every check: what importing it makes.
    Preview {
        csrf: String,
        doc: TransferDocView,
        /// The file as uploaded, posted again to confirm (it is checked again).
        json: String,
        /// It was imported already: (record id, name).
        already: Option<(String, String)>,
    },
    /// Imported (or found imported already).
    Done {
        record_id: String,
        name: String,
        from: String,
        exported: String,
        duplicate: bool,
    },
}

fn when(s: &str) -> String {
    DateTime::parse_from_rfc3339(s)
        .map(|t| time_for_people(t.with_timezone(&Utc)))
        .unwrap_or_else(|_| s.to_string())
}

fn doc_of(f: &TransferFile) -> TransferDocView {
    TransferDocView {
        name: f.person.name.clone(),
        date_of_birth: f.person.date_of_birth.as_ref().map(|d| {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(|d| d.format("%-d %B %Y").to_string())
                .unwrap_or_else(|_| d.clone())
        }),
        group: f.person.group.clone(),
        note: f.person.note.clone(),
        from: f.sending_organisation.clone(),
        exported: when(&f.exported_at),
        exported_by: f.exported_by.clone(),
        concerns: f
            .concerns
            .iter()
            .map(|c| TransferConcernView {
                reference: c.reference.clone(),
                transferred_from: c.transferred_from.clone(),
                sent: when(&c.sent_at),
                sent_by: c.sent_by.clone(),
                kind: c.kind.clone(),
                urgency: c.urgency.clone(),
                status: c.status.clone(),
                text: c.text.clone(),
                entries: c
                    .entries
                    .iter()
                    .map(|e| TransferEntryView {
                        when: when(&e.at),
                        who: e.by.clone(),
                        what: e.what.clone(),
                        text: e.text.clone(),
                        fields: e
                            .fields
                            .iter()
                            .map(|f| (f.label.clone(), f.value.clone()))
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

async fn export(
    site: &SiteState,
    viewer: &Viewer,
    record_id: &str,
    format: ExportFormat,
) -> Result<TransferFile, FileError> {
    if !super::may(
        site,
        viewer,
        safety_core::roles::Action::TransferPersonFiles,
    ) {
        return Err(FileError::NotFound);
    }
    let label = |kind: &str| kind_label(site, kind);
    transfer::export(
        &site.store,
        &site.org_id,
        &site.org.name,
        &site.secret,
        &viewer.person,
        record_id,
        format,
        &label,
        Utc::now(),
    )
    .await
}

/// The printable file of a record (audited as a download).
pub async fn printable(
    site: &SiteState,
    viewer: &Viewer,
    record_id: &str,
) -> Result<TransferPrintView, FileError> {
    let file = export(site, viewer, record_id, ExportFormat::Printable).await?;
    Ok(TransferPrintView {
        record_id: record_id.to_string(),
        doc: doc_of(&file),
    })
}

/// The JSON file of a record (audited as a download): its file name and its text.
pub async fn json(
    site: &SiteState,
    viewer: &Viewer,
    record_id: &str,
) -> Result<(String, String), FileError> {
    let file = export(site, viewer, record_id, ExportFormat::Json).await?;
    let slug: String = file
        .person
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let name = format!(
        "transfer-{}-{}.json",
        if slug.is_empty() { "record" } else { &slug },
        Utc::now().format("%Y-%m-%d")
    );
    Ok((name, file.to_json()))
}

/// The empty upload form.
pub fn import_form(viewer: &Viewer) -> TransferImportView {
    TransferImportView::Form {
        csrf: viewer.csrf.clone(),
        errors: Vec::new(),
    }
}

fn refused(viewer: &Viewer, errors: Vec<String>) -> (TransferImportView, Outcome) {
    (
        TransferImportView::Form {
            csrf: viewer.csrf.clone(),
            errors,
        },
        Outcome::Invalid,
    )
}

fn checked(site: &SiteState, bytes: &[u8]) -> Result<Checked, Vec<String>> {
    transfer::check(bytes, &site.secret, Utc::now())
        .map_err(|es| es.into_iter().map(|e| e.message).collect())
}

/// Checks an uploaded file and shows what importing it makes. Stores nothing.
pub async fn preview(
    site: &SiteState,
    viewer: &Viewer,
    bytes: &[u8],
) -> (TransferImportView, Outcome) {
    let c = match checked(site, bytes) {
        Ok(c) => c,
        Err(errors) => return refused(viewer, errors),
    };
    let already = match transfer::imported_already(&site.store, &site.org_id, &c.key).await {
        Ok(a) => a.map(|r| (r.record_id, r.name)),
        Err(e) => {
            tracing::warn!(error = %e, "a transfer's earlier import could not be read");
            return (
                TransferImportView::Form {
                    csrf: viewer.csrf.clone(),
                    errors: vec![e.user_message()],
                },
                Outcome::Unavailable,
            );
        }
    };
    (
        TransferImportView::Preview {
            csrf: viewer.csrf.clone(),
            doc: doc_of(&c.file),
            json: String::from_utf8_lossy(bytes).into_owned(),
            already,
        },
        Outcome::Ok,
    )
}

/// Imports a file confirmed from its preview (checked again: the form could have been changed).
pub async fn confirm(
    site: &SiteState,
    viewer: &Viewer,
    json: &str,
) -> Result<(TransferImportView, Outcome), FileError> {
    let c = match checked(site, json.as_bytes()) {
        Ok(c) => c,
        Err(errors) => return Ok(refused(viewer, errors)),
    };
    let done = transfer::import(&site.store, &site.org_id, &viewer.person, &c, Utc::now()).await?;
    Ok((
        TransferImportView::Done {
            record_id: done.record_id,
            name: done.name,
            from: done.from,
            exported: when(&done.exported_at),
            duplicate: done.duplicate,
        },
        Outcome::Ok,
    ))
}

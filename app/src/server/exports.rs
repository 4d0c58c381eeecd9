//! The exports' use cases for the pages and handlers: who may export, the export page, the
//! evidence summary, and opening a CSV export. The rules are in `safety_core::export`.
//!
//! Every export is authorised here on every request: the viewer must be active, hold a role
//! allowed [`Action::ExportCompletion`] (DSL, deputy DSL, admin) and belong to this site's
//! organisation; everyone else is refused (403).

use super::{SiteState, Viewer};
use chrono::{DateTime, Utc};
use safety_core::export::{self as core, Evidence, ExportError, Matrix, Signatures};

/// What `/compliance/export` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportScreen {
    pub org_name: String,
    pub matrix_file: String,
    pub signatures_file: String,
}

pub fn export_screen(site: &SiteState, now: DateTime<Utc>) -> ExportScreen {
    ExportScreen {
        org_name: site.org.name.clone(),
        matrix_file: core::file_name("completion", &site.org_id, now),
        signatures_file: core::file_name("aup-signatures", &site.org_id, now),
    }
}

/// What `/compliance/evidence` shows: the summary, or why it could not be made.
#[derive(Clone, Debug)]
pub struct EvidenceScreen(pub Result<Evidence, String>);

pub async fn evidence(site: &SiteState, viewer: &Viewer, now: DateTime<Utc>) -> EvidenceScreen {
    EvidenceScreen(
        core::evidence(
            &site.store,
            site.setting(),
            &site.org_id,
            &viewer.person,
            now,
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "the evidence summary could not be made");
            e.user_message()
        }),
    )
}

/// Which CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvKind {
    Completion,
    Signatures,
}

impl CsvKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CsvKind::Completion => "completion",
            CsvKind::Signatures => "aup-signatures",
        }
    }
}

/// An export ready to be written page by page of people (the standings are read).
pub enum CsvExport<'a> {
    Completion(Matrix<'a>),
    Signatures(Signatures<'a>),
}

impl<'a> CsvExport<'a> {
    /// Reads where everyone stands (one pass per item); the people come page by page after.
    pub async fn open(
        site: &'a SiteState,
        kind: CsvKind,
        now: DateTime<Utc>,
    ) -> Result<CsvExport<'a>, ExportError> {
        Ok(match kind {
            CsvKind::Completion => CsvExport::Completion(
                Matrix::load(&site.store, site.setting(), &site.org_id, now).await?,
            ),
            CsvKind::Signatures => CsvExport::Signatures(
                Signatures::load(&site.store, site.setting(), &site.org_id, now).await?,
            ),
        })
    }

    pub fn write_header(&self, w: &mut core::csv::CsvWriter) {
        match self {
            CsvExport::Completion(m) => m.write_header(w),
            CsvExport::Signatures(s) => s.write_header(w),
        }
    }

    pub fn write_rows(
        &self,
        people: &[safety_core::identity::Person],
        w: &mut core::csv::CsvWriter,
    ) -> usize {
        match self {
            CsvExport::Completion(m) => m.write_rows(people, w),
            CsvExport::Signatures(s) => s.write_rows(people, w),
        }
    }
}

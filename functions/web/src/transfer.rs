//! Transfer of a child's file over HTTP: the printable file (`/records/:id/transfer`), the JSON
//! file (`/records/:id/transfer.json`), and the receiving DSL's import (`/transfers/import`: a
//! multipart upload that is checked and previewed, then a CSRF-checked confirm). Only HTTP
//! here: what leaves, the checks and the audit are in `safety_core::records::transfer`, called
//! through `app::server::transfer`. Every response is `no-store`.
//!
//! The downloads are GETs that write to the audit trails (as opening a record does): a read of
//! personal data that must be recorded, not a change anyone asked for, so no CSRF token.

use crate::edge::permission::{ImportPersonFiles, TransferPersonFiles};
use crate::edge::{Allowed, Answer, AppError, CsrfForm, Form, Here, Page, no_store};
use app::server::Outcome;
use app::server::records::{RecordProblem, outcome_of};
use app::server::transfer::{self as uc, TransferImportView};
use axum::extract::{Multipart, Path};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use safety_core::crypto::constant_time_eq;
use safety_core::records::FileError;
use safety_core::records::transfer::MAX_FILE_BYTES;

/// An upload: the file and the form's other fields.
const MAX_UPLOAD_BYTES: usize = MAX_FILE_BYTES + 64 * 1024;
/// The confirm form: the file again, form-encoded (percent-encoding can triple it).
const MAX_CONFIRM_BYTES: usize = 3 * MAX_FILE_BYTES + 64 * 1024;
const IMPORT_PATH: &str = "/transfers/import";

/// A page with only a problem to show (a record merged away goes to the one it went into).
fn problem(e: FileError, then: &str) -> Answer {
    if let FileError::MergedInto(into) = &e {
        return Err(AppError::Redirect(format!("/records/{into}{then}")));
    }
    let ending = outcome_of(&e);
    Ok(Page::of(RecordProblem(e.user_message())).outcome(ending))
}

pub async fn printable_get(
    state: Here,
    Allowed(who, ..): Allowed<TransferPersonFiles>,
    Path(id): Path<String>,
) -> Answer {
    match uc::printable(&state.site, &who, &id).await {
        Ok(view) => Ok(Page::of(view)),
        Err(e) => problem(e, "/transfer"),
    }
}

pub async fn json_get(
    state: Here,
    Allowed(who, ..): Allowed<TransferPersonFiles>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (name, body) = match uc::json(&state.site, &who, &id).await {
        Ok(file) => file,
        Err(FileError::MergedInto(into)) => {
            return Err(AppError::Redirect(format!("/records/{into}/transfer.json")));
        }
        Err(e) => return Err(AppError::refused(outcome_of(&e), e.user_message())),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(no_store(response))
}

fn import_page((view, outcome): (TransferImportView, Outcome)) -> Page {
    Page::of(view).outcome(outcome).at(IMPORT_PATH)
}

pub async fn import_get(Allowed(who, ..): Allowed<ImportPersonFiles>) -> Page {
    import_page((uc::import_form(&who), Outcome::Ok))
}

/// Checks an uploaded file and shows what importing it makes. Stores nothing.
pub async fn import_post(
    state: Here,
    Allowed(who, ..): Allowed<ImportPersonFiles>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Answer {
    let form = |error: String, outcome| {
        import_page((
            TransferImportView::Form {
                csrf: who.csrf.clone(),
                errors: vec![error],
            },
            outcome,
        ))
    };
    let Ok(mut multipart) = multipart else {
        return Ok(form(
            "Choose the transfer file and press Check the file".into(),
            Outcome::Unreadable,
        ));
    };
    let (mut csrf, mut file) = (None, None);
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("csrf") => csrf = field.text().await.ok(),
                Some("file") => match field.bytes().await {
                    Ok(b) => file = Some(b),
                    Err(e) => {
                        tracing::info!(error = %e, "a transfer upload could not be read");
                        return Ok(form(
                            format!(
                                "The file is too large: a transfer file is at most {} MB",
                                MAX_FILE_BYTES / (1024 * 1024)
                            ),
                            Outcome::TooLarge,
                        ));
                    }
                },
                _ => {}
            },
            Ok(None) => break,
            Err(e) => {
                tracing::info!(error = %e, "a transfer upload could not be read");
                return Ok(form(
                    format!(
                        "The file could not be read. A transfer file is at most {} MB",
                        MAX_FILE_BYTES / (1024 * 1024)
                    ),
                    Outcome::TooLarge,
                ));
            }
        }
    }
    if !csrf.is_some_and(|t| constant_time_eq(t.as_bytes(), who.csrf.as_bytes())) {
        return Err(AppError::StaleForm);
    }
    let shown = uc::preview(&state.site, &who, &file.unwrap_or_default()).await;
    Ok(import_page(shown))
}

/// Imports a previewed file (checked again), and shows the record it made.
pub async fn confirm_post(
    state: Here,
    _: Allowed<ImportPersonFiles>,
    CsrfForm(who, form): CsrfForm<Form, MAX_CONFIRM_BYTES>,
) -> Answer {
    let json = form.get("file").unwrap_or_default();
    match uc::confirm(&state.site, &who, json).await {
        Ok(shown) => Ok(import_page(shown)),
        Err(e) => problem(e, "").map(|p| p.at(IMPORT_PATH)),
    }
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use app::routes::{axum_path as page, paths};
    use axum::extract::DefaultBodyLimit;
    use axum::routing::{get, post};
    axum::Router::new()
        .route(&page(paths::TRANSFER), get(printable_get))
        .route("/records/{id}/transfer.json", get(json_get))
        .route(
            &page(paths::TRANSFER_IMPORT),
            get(import_get)
                .post(import_post)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/transfers/import/confirm",
            post(confirm_post).layer(DefaultBodyLimit::max(MAX_CONFIRM_BYTES)),
        )
}

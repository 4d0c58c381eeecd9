//! The learning journey's HTTP handlers: my training, a module section by section, its quiz,
//! AUP sign-off and the signed text, certificates, the public certificate check, and the
//! easy-read switch. Only HTTP here: the rules are in `safety_core::learning`, called through
//! `app::server::learning` and `app::server::easy_read`. Forms are answered at the page's own
//! address; every signed-in response is `no-store` (the edge's [`Page`] rule).

use crate::edge::Here;
use crate::edge::permission::ViewCompletion;
use crate::edge::{
    Allowed, Answer, AnyForm, AppError, Client, CsrfForm, Form, MaybeSignedIn, Page,
    QueryOrDefault, SignedIn,
};
use app::server::easy_read as reading_level;
use app::server::learning::{self as uc, Refused};
use app::server::{Outcome, Viewer};
use axum::extract::Path;
use chrono::Utc;
use safety_core::learning::SignAup;

/// A refusal with nothing else to show, as plain text.
fn refused(r: Refused) -> AppError {
    AppError::Refused(r.outcome, r.message)
}

/// The page with the easy-read switch beside what it shows.
async fn with_switch(state: &Here, who: &Viewer, page: Page, return_to: &str) -> Page {
    let level = reading_level::reading_level(&state.site, who).await;
    page.and(reading_level::switch_of(&level, return_to))
}

/// The easy-read switch and the DSL's assignment forms.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct LevelForm {
    /// `easy` or `standard`.
    level: String,
    return_to: String,
    group: String,
    /// The person whose record the group form was sent from.
    person: String,
}

impl LevelForm {
    /// Easy read (`true`) or standard, or the refusal when it is neither.
    fn easy_read(&self) -> Result<bool, AppError> {
        reading_level::parse_level(Some(&self.level)).ok_or_else(|| {
            AppError::refused(
                Outcome::Invalid,
                "Choose easy read or the standard version.",
            )
        })
    }
}

/// The signed-in person switches between easy read and the standard version of their
/// learning pages, then goes back to the page they switched on.
pub async fn reading_level_post(state: Here, CsrfForm(who, form): CsrfForm<LevelForm>) -> AppError {
    let easy_read = match form.easy_read() {
        Ok(e) => e,
        Err(refusal) => return refusal,
    };
    let back = reading_level::safe_return(&form.return_to);
    match reading_level::choose(&state.site, &who, easy_read, Utc::now()).await {
        Ok(()) => AppError::Redirect(back),
        Err(e) => refused(reading_level::refusal(&e)),
    }
}

/// A DSL, a deputy or an admin sets a person's version (easy read or standard), from the
/// person's record. Anyone else is refused (403) and nothing is written.
pub async fn assign_reading_level_post(
    state: Here,
    Path(id): Path<String>,
    CsrfForm(who, form): CsrfForm<LevelForm>,
) -> AppError {
    let easy_read = match form.easy_read() {
        Ok(e) => e,
        Err(refusal) => return refusal,
    };
    match reading_level::assign(&state.site, &who, &id, easy_read, Utc::now()).await {
        Ok(()) => AppError::Redirect(format!("/compliance/people/{id}")),
        Err(e) => {
            tracing::warn!(person_id = who.person.id, target = id, error = %e, "easy read not assigned");
            refused(reading_level::refusal(&e))
        }
    }
}

/// A DSL, a deputy or an admin sets a group to easy read (or takes it off), from a person's
/// record; back to that record. Anyone else is refused (403) and nothing is written.
pub async fn assign_group_reading_level_post(
    state: Here,
    CsrfForm(who, form): CsrfForm<LevelForm>,
) -> AppError {
    let easy_read = match form.easy_read() {
        Ok(e) => e,
        Err(refusal) => return refusal,
    };
    let person: String = form
        .person
        .chars()
        .filter(|c| c.is_ascii_hexdigit() || *c == '-')
        .take(40)
        .collect();
    match reading_level::assign_group(&state.site, &who, &form.group, easy_read).await {
        Ok(_) if person.is_empty() => AppError::Redirect("/compliance".into()),
        Ok(_) => AppError::Redirect(format!("/compliance/people/{person}")),
        Err(e) => {
            tracing::warn!(person_id = who.person.id, error = %e, "group easy read not set");
            refused(reading_level::refusal(&e))
        }
    }
}

/// `/me/training`.
pub async fn training_get(state: Here, SignedIn(who): SignedIn) -> Page {
    let training = uc::my_training(&state.site, &who, Utc::now()).await;
    with_switch(&state, &who, Page::shown(training), "/me/training").await
}

/// `?section=N`.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SectionQuery {
    section: Option<String>,
}

/// A section of a module the person must do.
async fn reading(state: &Here, who: &Viewer, id: &str, section: Option<&str>) -> Page {
    let reading = match uc::section_index(section) {
        Ok(go_to) => uc::read(&state.site, who, id, go_to).await,
        Err(r) => uc::Reading(Err(r)),
    };
    with_switch(state, who, Page::shown(reading), &format!("/learn/{id}")).await
}

/// `/learn/{id}`: the public page, or for a person who must do it, the section where they
/// stopped (or `?section=N`).
pub async fn module_get(
    state: Here,
    MaybeSignedIn(who): MaybeSignedIn,
    Path(id): Path<String>,
    QueryOrDefault(query): QueryOrDefault<SectionQuery>,
) -> Page {
    match who.filter(|v| uc::is_required_module(&state.site, v, &id)) {
        Some(who) => reading(&state, &who, &id, query.section.as_deref()).await,
        None => Page::plain().public(),
    }
}

/// Previous / next: saves the position and shows that section.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SectionForm {
    section: Option<String>,
}

pub async fn module_post(
    state: Here,
    Path(id): Path<String>,
    CsrfForm(who, form): CsrfForm<SectionForm>,
) -> Page {
    reading(&state, &who, &id, form.section.as_deref()).await
}

/// Starts (or resumes) a quiz attempt.
pub async fn quiz_get(state: Here, SignedIn(who): SignedIn, Path(id): Path<String>) -> Page {
    Page::shown(uc::start_quiz(&state.site, &who, &id, Utc::now()).await)
}

/// Sends the answers (`answer-<question>` fields, and the `attempt`): the result, or the
/// questions again with what was ticked.
pub async fn quiz_post(
    state: Here,
    Path(id): Path<String>,
    CsrfForm(who, form): CsrfForm<Form>,
) -> Page {
    let answers = uc::answers_from_fields(form.pairs());
    let attempt = form.get("attempt").unwrap_or_default();
    Page::shown(uc::submit_quiz(&state.site, &who, &id, attempt, answers, Utc::now()).await)
}

/// `/aup/{id}`: the public page, or for a person who must sign it, the text and the form.
pub async fn aup_get(
    state: Here,
    MaybeSignedIn(who): MaybeSignedIn,
    Path(id): Path<String>,
) -> Answer {
    let Some(who) = who.filter(|v| uc::is_required_aup(&state.site, v, &id)) else {
        return Ok(Page::plain().public());
    };
    match uc::aup(&state.site, &who, &id, Utc::now()).await {
        Ok(screen) => Ok(Page::of(screen)),
        Err(r) => Err(refused(r)),
    }
}

/// The AUP signing form.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SignForm {
    version: String,
    sha256: String,
    typed_name: String,
    declaration: String,
}

/// Signs the AUP.
pub async fn aup_post(
    state: Here,
    Path(id): Path<String>,
    CsrfForm(who, form): CsrfForm<SignForm>,
) -> Answer {
    let form = SignAup {
        aup_id: id,
        version: form.version,
        sha256: form.sha256,
        typed_name: form.typed_name,
        declaration: !form.declaration.is_empty(),
    };
    match uc::sign_aup(&state.site, &who, form, Utc::now()).await {
        Ok(screen) => {
            let outcome = screen.outcome;
            Ok(Page::of(screen).outcome(outcome))
        }
        Err(r) => Err(refused(r)),
    }
}

/// The exact text the person signed.
pub async fn signed_text_get(
    state: Here,
    SignedIn(who): SignedIn,
    Path((id, sha)): Path<(String, String)>,
) -> Page {
    Page::shown(uc::signed_text(&state.site, &who, &id, &sha, Utc::now()).await)
}

/// A certificate, for its owner to print.
pub async fn certificate_get(
    state: Here,
    SignedIn(who): SignedIn,
    Path(code): Path<String>,
) -> Page {
    let base = crate::auth::base_url(&state);
    Page::shown(uc::own_certificate(&state.site, &who, &code, &base, Utc::now()).await)
}

/// The certificate check's one field.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: Option<String>,
}

/// The public check: `?code=` (the GET form).
pub async fn verify_get(
    state: Here,
    Client(address): Client,
    QueryOrDefault(query): QueryOrDefault<CodeForm>,
) -> Page {
    Page::shown(uc::verify(&state.site, query.code.as_deref(), &address).await)
}

/// The public check: a posted `code`.
pub async fn verify_post(
    state: Here,
    Client(address): Client,
    AnyForm(form): AnyForm<CodeForm>,
) -> Page {
    let code = form.and_then(|f| f.code);
    Page::shown(uc::verify(&state.site, code.as_deref(), &address).await)
}

/// `/completions/{module}`: who has completed a module, and which version (DSL, deputies, admins).
pub async fn roster_get(state: Here, _: Allowed<ViewCompletion>, Path(id): Path<String>) -> Page {
    Page::shown(uc::roster(&state.site, &id).await)
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use app::routes::{axum_path as page, paths};
    use axum::routing::{get, post};
    axum::Router::new()
        .route(&page(paths::MY_TRAINING), get(training_get))
        .route("/me/reading-level", post(reading_level_post))
        .route(
            "/compliance/people/{id}/reading-level",
            post(assign_reading_level_post),
        )
        .route(
            "/compliance/reading-level/group",
            post(assign_group_reading_level_post),
        )
        .route(&page(paths::COMPLETIONS), get(roster_get))
        .route(&page(paths::MODULE), get(module_get).post(module_post))
        .route(&page(paths::QUIZ), get(quiz_get).post(quiz_post))
        .route(&page(paths::AUP), get(aup_get).post(aup_post))
        .route(&page(paths::AUP_SIGNED), get(signed_text_get))
        .route(&page(paths::CERTIFICATE), get(certificate_get))
        .route(&page(paths::VERIFY), get(verify_get).post(verify_post))
}

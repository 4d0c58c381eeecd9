//! Families over HTTP: an admin's family page of a person (`/admin/people/{id}/family`: link a
//! parent and a child, unlink, a learner's date of birth) and a parent's children
//! (`/me/children`: their AUP status, co-signing). Only HTTP here: who may do what is decided
//! in `safety_core` (and checked here first by the extractors: the right role, the CSRF token).

use crate::edge::Here;
use crate::edge::permission::{ManagePeople, Parent};
use crate::edge::{Allowed, Answer, AppError, CsrfForm, Page};
use app::server::Outcome;
use app::server::family::{self as uc, FamilyAction};
use axum::extract::Path;
use chrono::Utc;
use safety_core::learning::cosign::CoSign;

/// `GET /admin/people/{id}/family`.
pub async fn family_get(state: Here, _: Allowed<ManagePeople>, Path(id): Path<String>) -> Page {
    Page::shown(uc::family_page(&state.site, &id).await)
}

/// The family page's form: `action` is `link-parent` or `link-child` (with `email`), `unlink`
/// (with `other`, a person id) or `birth` (with `date_of_birth`, empty to remove).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct FamilyForm {
    action: String,
    email: String,
    other: String,
    date_of_birth: String,
}

/// `POST /admin/people/{id}/family`.
pub async fn family_post(
    state: Here,
    _: Allowed<ManagePeople>,
    Path(id): Path<String>,
    CsrfForm(who, form): CsrfForm<FamilyForm>,
) -> Answer {
    let action = match form.action.as_str() {
        "link-parent" => FamilyAction::LinkParent { email: form.email },
        "link-child" => FamilyAction::LinkChild { email: form.email },
        "unlink" => FamilyAction::Unlink {
            other_id: form.other,
        },
        "birth" => FamilyAction::BirthDate {
            date: form.date_of_birth,
        },
        _ => {
            return Err(AppError::refused(
                Outcome::Invalid,
                "That action is not one this page offers.",
            ));
        }
    };
    let (outcome, page) = uc::family_act(&state.site, &who, &id, action, Utc::now()).await;
    Ok(Page::of(page).outcome(outcome))
}

/// `GET /me/children`.
pub async fn children_get(state: Here, Allowed(who, _): Allowed<Parent>) -> Page {
    Page::shown(uc::children_page(&state.site, &who, Utc::now()).await)
}

/// The co-signing form.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CoSignForm {
    child: String,
    aup: String,
    signature: String,
    typed_name: String,
    declaration: String,
}

/// `POST /me/children`: co-signs a linked child's learner AUP.
pub async fn children_post(
    state: Here,
    _: Allowed<Parent>,
    CsrfForm(who, form): CsrfForm<CoSignForm>,
) -> Page {
    let form = CoSign {
        child_id: form.child,
        aup_id: form.aup,
        signature_id: form.signature,
        typed_name: form.typed_name,
        declaration: !form.declaration.is_empty(),
    };
    let (outcome, page) = uc::cosign(&state.site, &who, form, Utc::now()).await;
    Page::of(page).outcome(outcome)
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use app::routes::{axum_path as page, paths};
    use axum::routing::get;
    axum::Router::new()
        .route(&page(paths::FAMILY), get(family_get).post(family_post))
        .route(
            &page(paths::CHILDREN),
            get(children_get).post(children_post),
        )
}

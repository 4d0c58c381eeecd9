//! Families over HTTP: an admin's family page of a person (`/admin/people/{id}/family`: link a
//! parent and a child, unlink, a learner's date of birth) and a parent's children
//! (`/me/children`: their AUP status, co-signing). Only HTTP here: who may do what is decided
//! in `safety_core` (and checked here first: signed in, the right role, the CSRF token).

use crate::auth::{csrf_ok, forbidden, viewer};
use crate::learning::{STALE_FORM, show, status_of};
use crate::routes::{AppState, no_store, read_form, sign_in_first};
use app::server::Viewer;
use app::server::family::{self as uc, FamilyAction};
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use safety_core::identity::{Action, Role, allows};
use safety_core::learning::cosign::CoSign;

/// The signed-in admin, or the response refusing the request.
fn admin_of(req: &Request) -> Result<Viewer, Box<Response>> {
    match viewer(req) {
        None => Err(Box::new(sign_in_first())),
        Some(v) if allows(&v.person.roles, Action::ManagePeople) => Ok(v),
        Some(v) => {
            tracing::warn!(
                person_id = v.person.id,
                "refused: family page of a non-admin"
            );
            Err(Box::new(no_store(
                forbidden("You do not have access to this page."),
                StatusCode::FORBIDDEN,
            )))
        }
    }
}

/// `GET /admin/people/{id}/family`.
pub async fn family_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    if let Err(refused) = admin_of(&req) {
        return *refused;
    }
    let page = uc::family_page(&state.site, &id).await;
    let status = match &page.0 {
        Ok(_) => StatusCode::OK,
        Err((o, _)) => status_of(*o),
    };
    show(&state, req, page, status).await
}

/// `POST /admin/people/{id}/family`: `action` is `link-parent` or `link-child` (with `email`),
/// `unlink` (with `other`, a person id) or `birth` (with `date_of_birth`, empty to remove).
pub async fn family_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let who = match admin_of(&req) {
        Ok(w) => w,
        Err(refused) => return *refused,
    };
    let (req, fields) = read_form(req).await;
    let Some(f) = fields.filter(|f| csrf_ok(&who, f)) else {
        return no_store(forbidden(STALE_FORM), StatusCode::FORBIDDEN);
    };
    let field = |name: &str| f.get(name).unwrap_or_default().to_string();
    let action = match f.get("action").unwrap_or_default() {
        "link-parent" => FamilyAction::LinkParent {
            email: field("email"),
        },
        "link-child" => FamilyAction::LinkChild {
            email: field("email"),
        },
        "unlink" => FamilyAction::Unlink {
            other_id: field("other"),
        },
        "birth" => FamilyAction::BirthDate {
            date: field("date_of_birth"),
        },
        _ => {
            return no_store(
                forbidden("That action is not one this page offers."),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let (outcome, page) = uc::family_act(&state.site, &who, &id, action, Utc::now()).await;
    show(&state, req, page, status_of(outcome)).await
}

/// The signed-in parent, or the response refusing the request.
fn parent_of(req: &Request) -> Result<Viewer, Box<Response>> {
    match viewer(req) {
        None => Err(Box::new(sign_in_first())),
        Some(v) if v.person.roles.contains(&Role::Parent) => Ok(v),
        Some(v) => {
            tracing::warn!(
                person_id = v.person.id,
                "refused: children page of a non-parent"
            );
            Err(Box::new(no_store(
                forbidden("This page is for parents and carers."),
                StatusCode::FORBIDDEN,
            )))
        }
    }
}

/// `GET /me/children`.
pub async fn children_get(State(state): State<AppState>, req: Request) -> Response {
    let who = match parent_of(&req) {
        Ok(w) => w,
        Err(refused) => return *refused,
    };
    let page = uc::children_page(&state.site, &who, Utc::now()).await;
    let status = match &page.0 {
        Ok(_) => StatusCode::OK,
        Err((o, _)) => status_of(*o),
    };
    show(&state, req, page, status).await
}

/// `POST /me/children`: co-signs a linked child's learner AUP (`child`, `aup`, `signature`,
/// `typed_name`, `declaration`).
pub async fn children_post(State(state): State<AppState>, req: Request) -> Response {
    let who = match parent_of(&req) {
        Ok(w) => w,
        Err(refused) => return *refused,
    };
    let (req, fields) = read_form(req).await;
    let Some(f) = fields.filter(|f| csrf_ok(&who, f)) else {
        return no_store(forbidden(STALE_FORM), StatusCode::FORBIDDEN);
    };
    let field = |name: &str| f.get(name).unwrap_or_default().to_string();
    let form = CoSign {
        child_id: field("child"),
        aup_id: field("aup"),
        signature_id: field("signature"),
        typed_name: field("typed_name"),
        declaration: f.get("declaration").is_some_and(|v| !v.is_empty()),
    };
    let (outcome, page) = uc::cosign(&state.site, &who, form, Utc::now()).await;
    show(&state, req, page, status_of(outcome)).await
}

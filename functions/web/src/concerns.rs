//! The staff concern pages' HTTP handlers: the staff concern form (a worry from a member of
//! staff) and the low-level concerns log. Only HTTP here: every rule is in the core, called
//! through `app::server::concerns`. Every response is `no-store` (the edge's [`Page`] rule).

use crate::edge::permission::Permission;
use crate::edge::{
    Allowed, Answer, AnyForm, AppError, Client, CsrfForm, Here, MaybeSignedIn, Page,
};
use app::server::concerns::{self as uc, LowLevelForm, StaffConcernForm};
use app::server::{Outcome, SiteState, Viewer};

/// Staff of this organisation (the safeguarding roles and administrators are staff too):
/// learners and parents have the worry form instead.
pub struct Staff;
impl Permission for Staff {
    const WHAT: &'static str = "use the staff forms (not staff)";
    const REFUSAL: &'static str = "This page is for staff and volunteers. To tell someone about a worry, use the Tell someone page.";
    fn allows(site: &SiteState, viewer: &Viewer) -> bool {
        uc::is_staff(site, viewer)
    }
}

/// The staff concern form, fresh.
pub async fn staff_concern_get(state: Here, Allowed(who, ..): Allowed<Staff>) -> Page {
    Page::of(uc::staff_concern_form(&state.site, &who))
}

/// The staff concern form sent. Signed out meanwhile, the form comes back with everything
/// typed (nothing stored); signed in as someone who is not staff, refused.
pub async fn staff_concern_post(
    state: Here,
    Client(address): Client,
    MaybeSignedIn(who): MaybeSignedIn,
    AnyForm(form): AnyForm<StaffConcernForm>,
) -> Answer {
    if let Some(v) = &who
        && !Staff::allows(&state.site, v)
    {
        tracing::warn!(
            person_id = v.person.id,
            "refused: not allowed to {}",
            Staff::WHAT
        );
        return Err(AppError::NotAllowed(Staff::REFUSAL));
    }
    let Some(form) = form else {
        tracing::warn!("the staff concern form post could not be read");
        let Some(v) = &who else {
            return Err(AppError::StaleForm);
        };
        let mut view = uc::staff_concern_form(&state.site, v);
        view.problem = Some(
            "We could not read what was sent, so nothing was stored. Please fill in the form again and press Send."
                .into(),
        );
        return Ok(Page::of(view).outcome(Outcome::Unreadable));
    };
    let (view, ending) = uc::send_staff_concern(&state.site, who.as_ref(), form, &address).await;
    Ok(Page::of(view).outcome(ending))
}

/// The people low-level concerns are shared with here (the profile's setting): the log.
pub struct LogReader;
impl Permission for LogReader {
    const WHAT: &'static str = "read the low-level concerns log";
    const REFUSAL: &'static str =
        "This log is only for the people low-level concerns are shared with.";
    fn allows(site: &SiteState, viewer: &Viewer) -> bool {
        uc::may_open_log(site, viewer)
    }
}

/// The low-level concern form, with the person's own earlier ones.
pub async fn low_level_get(state: Here, Allowed(who, ..): Allowed<Staff>) -> Page {
    let (view, ending) = uc::low_level_form(&state.site, &who).await;
    Page::of(view).outcome(ending)
}

/// A low-level concern recorded (or refused, the form back with what was typed).
pub async fn low_level_post(
    state: Here,
    Allowed(..): Allowed<Staff>,
    CsrfForm(who, form): CsrfForm<LowLevelForm>,
) -> Page {
    let (view, ending) = uc::record_low_level(&state.site, &who, form).await;
    Page::of(view).outcome(ending)
}

/// The log (audited).
pub async fn low_level_log_get(state: Here, Allowed(who, ..): Allowed<LogReader>) -> Page {
    let (view, ending) = uc::low_level_log(&state.site, &who).await;
    Page::of(view).outcome(ending)
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use app::routes::{axum_path as page, paths};
    use axum::routing::get;
    axum::Router::new()
        .route(
            &page(paths::STAFF_CONCERN),
            get(staff_concern_get).post(staff_concern_post),
        )
        .route(
            &page(paths::LOW_LEVEL),
            get(low_level_get).post(low_level_post),
        )
        .route(&page(paths::LOW_LEVEL_LOG), get(low_level_log_get))
}

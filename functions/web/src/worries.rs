//! The worry pages' HTTP handlers: sending one, its sender following it up, and its handlers'
//! inbox and case page. Only HTTP here: every rule (routing, who may see what, audit) is in the
//! core, called through `app::server::worries`. Every response is `no-store` (the edge's
//! [`Page`] rule): these pages carry a child's words or a form token.

use crate::edge::Here;
use crate::edge::permission::HandleWorries;
use crate::edge::{
    Allowed, Answer, AnyForm, AppError, Client, CsrfForm, MaybeSignedIn, Page, QueryOrDefault,
    SignedIn,
};
use app::model::{FollowUpOutcome, FollowUpResult, TellForm, TellOutcome};
use app::server::Outcome;
use app::server::worries::{
    self as uc, ActForm, InboxQuery, OwnWorries, PageProblem, outcome_of_case, outcome_of_follow_up,
};
use axum::extract::Path;
use safety_core::worry::case::CaseError;
use safety_core::worry::sender::SenderProof;

/// The worry form with JavaScript off.
pub async fn tell_post(
    state: Here,
    Client(address): Client,
    MaybeSignedIn(who): MaybeSignedIn,
    AnyForm(form): AnyForm<TellForm>,
) -> Page {
    let (outcome, ending) = match form {
        Some(form) => uc::tell(&state.site, form, &address, who.as_ref()).await,
        None => {
            tracing::warn!("the worry form post could not be read");
            let mut form = state.site.new_worry_form();
            form.error = Some(
                "We could not read what was sent, so nothing was stored. Please write your message in the box and press Send."
                    .into(),
            );
            (TellOutcome::NotSent(form), Outcome::Unreadable)
        }
    };
    Page::of(outcome).outcome(ending)
}

/// What a sender typed and what became of it.
fn follow_up_page(typed: String, outcome: FollowUpOutcome) -> Page {
    let ending = outcome_of_follow_up(&outcome);
    Page::of(FollowUpResult { typed, outcome }).outcome(ending)
}

fn unreadable() -> Page {
    follow_up_page(
        String::new(),
        FollowUpOutcome::Invalid(
            "We could not read what was sent. Please type your code and try again.".into(),
        ),
    )
    .outcome(Outcome::Unreadable)
}

/// The follow-up code as typed (at most 100 characters are looked at).
fn code_of(typed: &str) -> String {
    typed.chars().take(100).collect()
}

/// The follow-up look-up's form (a plain form: the code is never put in an address).
#[derive(serde::Deserialize)]
pub struct CodeForm {
    code: String,
}

/// The follow-up look-up.
pub async fn follow_up_post(
    state: Here,
    Client(address): Client,
    AnyForm(form): AnyForm<CodeForm>,
) -> Page {
    let Some(form) = form else {
        return unreadable();
    };
    let typed = code_of(&form.code);
    let outcome = uc::follow_up(&state.site, &typed, &address).await;
    let empty = typed.is_empty() && matches!(outcome, FollowUpOutcome::Invalid(_));
    let page = follow_up_page(typed, outcome);
    if empty {
        page.outcome(Outcome::Unreadable)
    } else {
        page
    }
}

/// Information added to a worry by its sender.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct AddForm {
    code: String,
    form_id: String,
    text: String,
}

/// Information added by an anonymous sender (proved by the follow-up code in the form).
pub async fn follow_up_add_post(
    state: Here,
    Client(address): Client,
    AnyForm(form): AnyForm<AddForm>,
) -> Page {
    let Some(form) = form else {
        return unreadable().at("/follow-up");
    };
    let typed = code_of(&form.code);
    let outcome = uc::add_information(
        &state.site,
        SenderProof::Code(&typed),
        &form.form_id,
        &form.text,
        &address,
    )
    .await;
    follow_up_page(typed, outcome).at("/follow-up")
}

/// A signed-in person's own named worries.
pub async fn own_list(state: Here, SignedIn(who): SignedIn) -> Page {
    let list = OwnWorries(uc::own_worries(&state.site, &who).await);
    let ending = if list.0.is_ok() {
        Outcome::Ok
    } else {
        Outcome::Unavailable
    };
    Page::of(list).outcome(ending)
}

/// One of the signed-in person's own worries (not found unless it is theirs).
pub async fn own_get(state: Here, SignedIn(who): SignedIn, Path(id): Path<String>) -> Page {
    let outcome = uc::own_worry(&state.site, &who, &id).await;
    let ending = outcome_of_follow_up(&outcome);
    Page::of(outcome).outcome(ending)
}

/// Information added by a named sender, signed in.
pub async fn own_add_post(
    state: Here,
    Client(address): Client,
    Path(id): Path<String>,
    CsrfForm(who, form): CsrfForm<AddForm>,
) -> Page {
    let proof = SenderProof::Person {
        person_id: &who.person.id,
        worry_id: &id,
    };
    let outcome =
        uc::add_information(&state.site, proof, &form.form_id, &form.text, &address).await;
    let ending = outcome_of_follow_up(&outcome);
    Page::of(outcome)
        .outcome(ending)
        .at(format!("/me/worries/{id}"))
}

/// The inbox. A query that cannot be read shows the unfiltered first page.
pub async fn inbox_get(
    state: Here,
    Allowed(who, ..): Allowed<HandleWorries>,
    QueryOrDefault(query): QueryOrDefault<InboxQuery>,
) -> Page {
    let view = uc::inbox(&state.site, &who, query).await;
    let ending = if view.error.is_some() {
        Outcome::Unavailable
    } else {
        Outcome::Ok
    };
    Page::of(view).outcome(ending)
}

/// The case page with only a problem to show.
fn case_problem(e: CaseError) -> Page {
    let ending = outcome_of_case(&e);
    Page::of(PageProblem(e.user_message())).outcome(ending)
}

pub async fn case_get(
    state: Here,
    Allowed(who, ..): Allowed<HandleWorries>,
    Path(id): Path<String>,
) -> Page {
    match uc::open_case(&state.site, &who, &id).await {
        Ok(view) => Page::of(view)
            .and_maybe(app::server::records::linked_people(&state.site, &who, &id).await),
        Err(e) => case_problem(e),
    }
}

pub async fn case_act_post(
    state: Here,
    Allowed(..): Allowed<HandleWorries>,
    Path(id): Path<String>,
    CsrfForm(who, form): CsrfForm<ActForm>,
) -> Answer {
    match uc::act(&state.site, &who, &id, form).await {
        Ok(uc::ActOutcome::Shown(view, refused)) => {
            let ending = if refused {
                Outcome::Invalid
            } else {
                Outcome::Ok
            };
            let people = app::server::records::linked_people(&state.site, &who, &id).await;
            Ok(Page::of(*view)
                .and_maybe(people)
                .outcome(ending)
                .at(format!("/worries/{id}")))
        }
        Ok(uc::ActOutcome::Left(to)) => Err(AppError::Redirect(to)),
        Err(e) => Ok(case_problem(e).at(format!("/worries/{id}"))),
    }
}

/// The reason given for closing a group.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    text: String,
}

/// Closes the open worries of a flood group that the handler may read, with a reason; on a
/// refusal, the inbox again saying why.
pub async fn group_dismiss_post(
    state: Here,
    Allowed(..): Allowed<HandleWorries>,
    Path(group_id): Path<String>,
    CsrfForm(who, form): CsrfForm<ReasonForm>,
) -> Answer {
    let e = match uc::dismiss_group(&state.site, &who, &group_id, &form.text).await {
        Ok(closed) => return Err(AppError::Redirect(format!("/worries?dismissed={closed}"))),
        Err(e) => e,
    };
    if matches!(e, CaseError::NotFound) {
        tracing::warn!(
            person_id = who.person.id,
            "refused: closing a group with nothing this person may read"
        );
    }
    let ending = outcome_of_case(&e);
    let mut view = uc::inbox(&state.site, &who, InboxQuery::default()).await;
    view.error = Some(e.user_message());
    Ok(Page::of(view).outcome(ending).at("/worries"))
}

/// This area's routes (merged into the app's in `routes::router`).
pub fn router() -> axum::Router<crate::routes::AppState> {
    use app::routes::{axum_path as page, paths};
    use axum::routing::{get, post};
    axum::Router::new()
        .route(&page(paths::TELL), get(crate::routes::page).post(tell_post))
        .route(
            &page(paths::FOLLOW_UP),
            get(crate::routes::page).post(follow_up_post),
        )
        .route("/follow-up/add", post(follow_up_add_post))
        .route(&page(paths::MY_WORRIES), get(own_list))
        .route(&page(paths::MY_WORRY), get(own_get))
        .route("/me/worries/{id}/add", post(own_add_post))
        .route(&page(paths::INBOX), get(inbox_get))
        .route(&page(paths::CASE), get(case_get))
        .route("/worries/{id}/act", post(case_act_post))
        .route("/worries/groups/{id}/dismiss", post(group_dismiss_post))
}

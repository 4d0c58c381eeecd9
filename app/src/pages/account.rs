//! Signing in (by emailed link), the signed-in person's own page, and signing out.

use crate::server::{SignInView, SiteState, Viewer};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignInPage() -> impl IntoView {
    let site = expect_context::<SiteState>();
    let view = use_context::<SignInView>().unwrap_or(SignInView::Form {
        email: String::new(),
        error: None,
    });
    let body = match view {
        SignInView::Form { email, error } => {
            let invalid = error.is_some();
            view! {
                {error.map(|e| view! {
                    <div class="error-summary" role="alert" id="form-error">
                        <h2>"We could not send a sign-in link"</h2>
                        <p>{e}</p>
                    </div>
                })}
                <SsoChoices/>
                <p class="lead">"Enter the email address " {site.org.name.clone()} " has for you. We will email you a link that signs you in."</p>
                <form method="post" action="/sign-in">
                    <div class="field">
                        <label for="email">"Email address"</label>
                        <input type="email" id="email" name="email" value=email autocomplete="email" spellcheck="false"
                            aria-invalid=invalid.then_some("true") required/>
                    </div>
                    <button type="submit" class="button">"Email me a sign-in link"</button>
                </form>
                <p>"You do not need to sign in to read the guidance for parents or to " <a href="/tell">"tell someone about a worry"</a> "."</p>
            }
            .into_any()
        }
        SignInView::Sent { email } => view! {
            <section class="confirmation" aria-labelledby="sent-heading">
                <h2 id="sent-heading">"Check your email"</h2>
                <p>
                    "If " <strong>{email}</strong> " belongs to someone at " {site.org.name.clone()}
                    ", we have sent it a sign-in link. The link works once, for the next 15 minutes."
                </p>
                <p>"No email? Check your junk folder, or " <a href="/sign-in">"ask for another link"</a> "."</p>
            </section>
        }
        .into_any(),
        SignInView::Confirm { token } => view! {
            <p class="lead">"Press the button to finish signing in."</p>
            <form method="post" action="/sign-in/link">
                <input type="hidden" name="token" value=token/>
                <button type="submit" class="button">"Sign in"</button>
            </form>
        }
        .into_any(),
        SignInView::SsoFailed { message } => view! {
            <div class="error-summary" role="alert" id="form-error">
                <h2>"We could not sign you in with your account"</h2>
                <p>{message}</p>
            </div>
            <SsoChoices/>
            <p><a class="button secondary" href="/sign-in">"Sign in with an email link instead"</a></p>
        }
        .into_any(),
        SignInView::LinkFailed { message } => view! {
            <div class="error-summary" role="alert" id="form-error">
                <h2>"That sign-in link did not work"</h2>
                <p>{message}</p>
            </div>
            <p><a class="button" href="/sign-in">"Get a new sign-in link"</a></p>
        }
        .into_any(),
    };
    view! {
        <Title text="Sign in"/>
        <h1>"Sign in"</h1>
        {body}
    }
}

/// One button per single sign-on provider (plain forms: they work without JavaScript). Nothing
/// when the organisation has none.
#[component]
fn SsoChoices() -> impl IntoView {
    let site = expect_context::<SiteState>();
    if site.sso_buttons.is_empty() {
        return None;
    }
    let buttons = site
        .sso_buttons
        .iter()
        .map(|b| {
            view! {
                <form method="post" action=format!("/sign-in/sso/{}", b.id) class="inline-form">
                    <button type="submit" class="button">{b.label.clone()}</button>
                </form>
            }
        })
        .collect_view();
    Some(view! {
        <section class="sso" aria-labelledby="sso-heading">
            <h2 id="sso-heading">"With your organisation account"</h2>
            {buttons}
        </section>
        <h2>"Or with an email link"</h2>
    })
}

#[component]
pub fn MePage() -> impl IntoView {
    let Some(viewer) = use_context::<Viewer>() else {
        return view! { <SignInPage/> }.into_any();
    };
    let p = viewer.person;
    let roles = p
        .roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join(", ");
    let groups = if p.groups.is_empty() {
        "None".to_string()
    } else {
        p.groups.join(", ")
    };
    view! {
        <Title text="Your account"/>
        <h1>"Your account"</h1>
        <dl class="summary">
            <dt>"Name"</dt><dd data-testid="me-name">{p.name.clone()}</dd>
            <dt>"Email"</dt><dd>{p.email.clone()}</dd>
            <dt>"Roles"</dt><dd data-testid="me-roles">{roles}</dd>
            <dt>"Groups"</dt><dd>{groups}</dd>
        </dl>
        <ul>
            <li><a href="/me/training">"My training: your modules, quizzes, certificates and policies to sign"</a></li>
            <li><a href="/me/worries">"Messages you sent to the safeguarding team with your name, and their replies"</a></li>
            {safety_core::roles::allows(&p.roles, safety_core::roles::Action::EditContacts).then(|| view! {
                <li><a href="/admin/organisation">"Organisation profile: the safeguarding contacts, who is on duty and the local services"</a></li>
            })}
        </ul>
        <SignOutForm csrf=viewer.csrf/>
    }
    .into_any()
}

#[component]
pub fn SignOutForm(csrf: String) -> impl IntoView {
    view! {
        <form method="post" action="/sign-out" class="inline-form">
            <input type="hidden" name="csrf" value=csrf/>
            <button type="submit" class="button secondary">"Sign out"</button>
        </form>
    }
}

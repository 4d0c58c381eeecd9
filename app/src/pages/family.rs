//! Families: an admin's family page of one person (`/admin/people/{id}/family`) and a parent's
//! page of their linked children (`/me/children`), where they co-sign a child's learner AUP.
//! Plain forms with the CSRF token; the server decides who may do what.

use crate::server::Viewer;
use crate::server::family::{ChildrenPage, FamilyPage};
use leptos::prelude::*;
use leptos_meta::Title;
use safety_core::dates;
use safety_core::roles::Role;

fn shown_at(at: &str) -> String {
    dates::parse(at).map_or_else(|| at.to_string(), dates::show_date_time)
}

#[component]
pub fn FamilyAdminPage() -> impl IntoView {
    let (Some(viewer), Some(FamilyPage(result))) =
        (use_context::<Viewer>(), use_context::<FamilyPage>())
    else {
        return view! { <super::not_found::NotFound/> }.into_any();
    };
    let s = match result {
        Ok(s) => s,
        Err((_, message)) => {
            return view! {
                <Title text="Family"/>
                <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/admin/people">"People"</a></nav>
                <h1>"Family"</h1>
                <div class="error-summary" role="alert" data-testid="refused"><p>{message}</p></div>
            }
            .into_any();
        }
    };
    let csrf = viewer.csrf.clone();
    let p = s.person.clone();
    let action = format!("/admin/people/{}/family", p.id);
    let is_parent = p.roles.contains(&Role::Parent);
    let is_learner = p.roles.contains(&Role::Learner);
    let unlink = |other: &safety_core::identity::Person| {
        let (csrf, action) = (csrf.clone(), action.clone());
        view! {
            <li>
                {other.name.clone()} " (" {other.email.clone()} ") "
                <form method="post" action=action class="inline-form">
                    <input type="hidden" name="csrf" value=csrf/>
                    <input type="hidden" name="action" value="unlink"/>
                    <input type="hidden" name="other" value=other.id.clone()/>
                    <button type="submit" class="button secondary">
                        "Unlink" <span class="visually-hidden">" " {other.name.clone()}</span>
                    </button>
                </form>
            </li>
        }
    };
    let link_form = |relation: &'static str, label: &'static str| {
        let id = format!("link-{relation}");
        view! {
            <form method="post" action=action.clone()>
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <input type="hidden" name="action" value=format!("link-{relation}")/>
                <div class="field">
                    <label for=id.clone()>{label}</label>
                    <input type="email" id=id name="email" autocomplete="off" required value=s.typed_email.clone()/>
                </div>
                <button type="submit" class="button">"Link"</button>
            </form>
        }
    };
    let children = is_parent.then(|| {
        let list = if s.family.children.is_empty() {
            view! { <p data-testid="no-children">"No children linked."</p> }.into_any()
        } else {
            view! { <ul data-testid="children">{s.family.children.iter().map(unlink).collect_view()}</ul> }.into_any()
        };
        view! {
            <section aria-labelledby="children-heading">
                <h2 id="children-heading">"Children"</h2>
                {list}
                {link_form("child", "Email address of a child (a learner here) to link")}
            </section>
        }
    });
    let parents = is_learner.then(|| {
        let list = if s.family.parents.is_empty() {
            view! { <p data-testid="no-parents">"No parents or carers linked."</p> }.into_any()
        } else {
            view! { <ul data-testid="parents">{s.family.parents.iter().map(unlink).collect_view()}</ul> }.into_any()
        };
        let birth = s
            .family
            .birth_date
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        view! {
            <section aria-labelledby="parents-heading">
                <h2 id="parents-heading">"Parents and carers"</h2>
                {list}
                {link_form("parent", "Email address of a parent or carer here to link")}
            </section>
            <section aria-labelledby="birth-heading">
                <h2 id="birth-heading">"Date of birth"</h2>
                <p>"Used only to decide whether a linked parent or carer co-signs this learner's acceptable use policy (under 16). Leave it empty to remove it."</p>
                <form method="post" action=action.clone()>
                    <input type="hidden" name="csrf" value=csrf.clone()/>
                    <input type="hidden" name="action" value="birth"/>
                    <div class="field">
                        <label for="date-of-birth">"Date of birth"</label>
                        <input type="date" id="date-of-birth" name="date_of_birth" value=birth/>
                    </div>
                    <button type="submit" class="button secondary">"Save date of birth"</button>
                </form>
            </section>
        }
    });
    let neither = (!is_parent && !is_learner)
        .then(|| view! { <p>"Only parents or carers and learners are linked as families."</p> });
    view! {
        <Title text=format!("Family of {}", p.name)/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/admin/people">"People"</a></nav>
        <h1>"Family of " {p.name.clone()}</h1>
        {s.notice.clone().map(|n| view! { <div class="confirmation" role="status"><p>{n}</p></div> })}
        {s.error.clone().map(|e| view! { <div class="error-summary" role="alert" id="form-error"><h2>"That did not work"</h2><p>{e}</p></div> })}
        <p>"A linked parent or carer sees their child's acceptable use policy status and, while the child is under 16, co-signs it."</p>
        {neither}
        {children}
        {parents}
    }
    .into_any()
}

#[component]
pub fn ChildrenPageView() -> impl IntoView {
    let (Some(viewer), Some(ChildrenPage(result))) =
        (use_context::<Viewer>(), use_context::<ChildrenPage>())
    else {
        return view! { <super::not_found::NotFound/> }.into_any();
    };
    let s = match result {
        Ok(s) => s,
        Err((_, message)) => {
            return view! {
                <Title text="Your children"/>
                <h1>"Your children"</h1>
                <div class="error-summary" role="alert" data-testid="refused"><p>{message}</p></div>
            }
            .into_any();
        }
    };
    let csrf = viewer.csrf.clone();
    let parent_name = viewer.person.name.clone();
    let children = s
        .children
        .iter()
        .map(|c| {
            let aups = c
                .aups
                .iter()
                .map(|a| {
                    let signed = match &a.signed_at {
                        Some(at) => format!("{} signed it on {}.", c.name, shown_at(at)),
                        None => format!("{} has not signed the current version yet.", c.name),
                    };
                    let cosigned = a.cosignature.as_ref().map(|co| {
                        view! { <p data-testid="cosigned">"Co-signed on " {shown_at(&co.cosigned_at)} " as " <strong>{co.typed_name.clone()}</strong> "."</p> }
                    });
                    let form = a.can_cosign.then(|| {
                        let ids = format!("{}-{}", c.child_id, a.aup_id);
                        view! {
                            <form method="post" action="/me/children" data-testid="cosign-form">
                                <input type="hidden" name="csrf" value=csrf.clone()/>
                                <input type="hidden" name="child" value=c.child_id.clone()/>
                                <input type="hidden" name="aup" value=a.aup_id.clone()/>
                                <input type="hidden" name="signature" value=a.signature_id.clone().unwrap_or_default()/>
                                <div class="field">
                                    <label for=format!("typed-{ids}")>"Type your full name to co-sign"</label>
                                    <p class="hint" id=format!("typed-hint-{ids}")>"As it is on your account: " {parent_name.clone()}</p>
                                    <input type="text" id=format!("typed-{ids}") name="typed_name" autocomplete="name" maxlength="200" required
                                        aria-describedby=format!("typed-hint-{ids}")/>
                                </div>
                                <div class="checkbox">
                                    <input type="checkbox" id=format!("declaration-{ids}") name="declaration" value="yes" required/>
                                    <label for=format!("declaration-{ids}")>"I have read this policy (version " {a.version.clone()} ") with " {c.name.clone()} " and I will support them in following it."</label>
                                </div>
                                <button type="submit" class="button">"Co-sign" <span class="visually-hidden">" " {a.title.clone()} " for " {c.name.clone()}</span></button>
                            </form>
                        }
                    });
                    view! {
                        <li>
                            <h3><a href=format!("/aup/{}", a.aup_id)>{a.title.clone()}</a> " (version " {a.version.clone()} ")"</h3>
                            <p>"Status: " {a.status.label()} ". " {signed}</p>
                            {cosigned}
                            {form}
                        </li>
                    }
                })
                .collect_view();
            let age = match c.under_16 {
                Some(true) => "Under 16: you co-sign their acceptable use policy after they sign it.",
                Some(false) => "16 or over: they sign their acceptable use policy on their own.",
                None => "Their date of birth is not recorded, so co-signing is not offered. Ask the organisation if you need to co-sign.",
            };
            view! {
                <section class="child" data-testid="child">
                    <h2>{c.name.clone()}</h2>
                    <p class="note">{age}</p>
                    <ul class="plain">{aups}</ul>
                </section>
            }
        })
        .collect_view();
    let empty = s.children.is_empty().then(|| {
        view! { <p data-testid="no-children">"No children are linked to your account. If your child learns here, ask the organisation to link you."</p> }
    });
    view! {
        <Title text="Your children"/>
        <h1>"Your children"</h1>
        {s.notice.clone().map(|n| view! { <div class="confirmation" role="status"><p>{n}</p></div> })}
        {s.error.clone().map(|e| view! { <div class="error-summary" role="alert" id="form-error"><h2>"That did not work"</h2><p>{e}</p></div> })}
        {empty}
        {children}
    }
    .into_any()
}

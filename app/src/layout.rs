//! The frame of every page: who this is for, where to go, and where to get help.

use crate::server::{SiteState, Viewer};
use leptos::prelude::*;
use leptos_router::components::A;
use safety_core::roles::{Action, allows};

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let site = expect_context::<SiteState>();
    view! {
        <a class="skip-link" href="#main">"Skip to main content"</a>
        <header class="site-header">
            <div class="wrap">
                <a class="brand" href="/">
                    <span class="brand-org">{site.org.name.clone()}</span>
                    <span class="brand-sub">"Online safety"</span>
                </a>
                // On a phone the links fold into a "Menu" button; a `<details>` opens it with no
                // script. On a wider screen the CSS shows the links and hides the button.
                <details class="site-menu">
                    <summary>"Menu"</summary>
                    <nav aria-label="Main">
                        <ul>
                            <li><A href="/" exact=true>"Home"</A></li>
                            <li><A href="/learn">"Learning"</A></li>
                            <li><A href="/parents">"Parents and carers"</A></li>
                            <li><A href="/tell">"Tell someone"</A></li>
                            <li><A href="/follow-up">"Follow up"</A></li>
                            {account_links()}
                        </ul>
                    </nav>
                </details>
            </div>
        </header>
        <main id="main" class="wrap" tabindex="-1">{children()}</main>
        <HelpFooter/>
    }
}

/// "Sign in", or the signed-in person's links.
fn account_links() -> impl IntoView {
    match use_context::<Viewer>() {
        None => view! { <li><A href="/sign-in">"Sign in"</A></li> }.into_any(),
        Some(v) => {
            let compliance = allows(&v.person.roles, Action::ViewCompletion)
                .then(|| view! { <li><A href="/compliance">"Compliance"</A></li> });
            let admin = allows(&v.person.roles, Action::ManagePeople)
                .then(|| view! { <li><A href="/admin/people">"People"</A></li> });
            let policies = allows(&v.person.roles, Action::PublishPolicies)
                .then(|| view! { <li><A href="/admin/policies">"Policies"</A></li> });
            let concerns = crate::server::worries::handles_worries(&v.person)
                .then(|| view! { <li><A href="/worries">"Concerns"</A></li> });
            let roles = safety_core::governance::may_read_record(&v.person)
                .then(|| view! { <li><A href="/safeguarding-roles">"Safeguarding roles"</A></li> });
            let children = v
                .person
                .roles
                .contains(&safety_core::roles::Role::Parent)
                .then(|| view! { <li><A href="/me/children">"Your children"</A></li> });
            let reports = crate::server::reports::first_report(&v)
                .map(|href| view! { <li><A href=href>"Reports"</A></li> });
            let records = safety_core::records::may_use(&v.person)
                .then(|| view! { <li><A href="/records">"Person records"</A></li> });
            let staff_concern = safety_core::worry::staff_report::is_staff(&v.person.roles)
                .then(|| view! { <li><A href="/staff-concern">"Report a concern"</A></li> });
            let low_level = use_context::<crate::server::SiteState>()
                .is_some_and(|site| crate::server::concerns::may_open_log(&site, &v))
                .then(|| view! { <li><A href="/low-level-concerns">"Low-level concerns"</A></li> });
            let retention = safety_core::retention::may_review(&v.person)
                .then(|| view! { <li><A href="/retention">"Retention"</A></li> });
            view! {
                {concerns}
                {roles}
                {compliance}
                {admin}
                {policies}
                {children}
                {reports}
                {records}
                {staff_concern}
                {low_level}
                {retention}
                <li><A href="/me/training">"My training"</A></li>
                <li><A href="/me" exact=true>"Your account"</A></li>
            }
            .into_any()
        }
    }
}

/// Always on every page: 999, the national services and the organisation's own DSL.
#[component]
pub fn HelpFooter() -> impl IntoView {
    let site = expect_context::<SiteState>();
    let dsl = site.org.dsl.clone();
    let services = site.help.iter().take(4).cloned().collect::<Vec<_>>();
    view! {
        <footer class="site-footer">
            <div class="wrap">
                <h2>"Need help?"</h2>
                <p class="danger-note">
                    <strong>"If you or someone else is in immediate danger, call "<a href="tel:999">"999"</a>"."</strong>
                </p>
                <ul class="help-list">
                    {services
                        .into_iter()
                        .filter(|s| s.id != "emergency")
                        .map(|s| view! { <li><HelpService service=s/></li> })
                        .collect_view()}
                </ul>
                <p>
                    "At " {site.org.name.clone()} ", talk to " <strong>{dsl.name.clone()}</strong> ", " {dsl.title.clone()}
                    ": " <a href=tel_href(&dsl.phone)>{dsl.phone.clone()}</a> " or "
                    <a href=format!("mailto:{}", dsl.email)>{dsl.email.clone()}</a> ". Or "
                    <a href="/tell">"tell someone here"</a> ", without giving your name."
                </p>
                <p><a href="/curriculum">"What our online safety curriculum covers"</a></p>
            </div>
        </footer>
    }
}

#[component]
pub fn HelpService(service: safety_core::org::HelpService) -> impl IntoView {
    let phone = (!service.phone.is_empty()).then(|| {
        let href = tel_href(&service.phone);
        view! { " " <a href=href>{service.phone.clone()}</a> }
    });
    let web = (!service.url.is_empty()).then(|| {
        view! { " " <a href=service.url.clone()>"Website" <span class="visually-hidden">" of " {service.name.clone()}</span></a> }
    });
    view! {
        <strong>{service.name.clone()}</strong> ": " {service.description.clone()} {phone} {web}
    }
}

pub fn tel_href(phone: &str) -> String {
    format!(
        "tel:{}",
        phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect::<String>()
    )
}

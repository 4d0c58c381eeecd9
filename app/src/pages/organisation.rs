//! The organisation's profile (`/admin/organisation`) and its history
//! (`/admin/organisation/history`). One plain form (no script): an admin sees every section,
//! the DSL the safeguarding contacts. Each list shows its rows and two empty ones to add to it;
//! a row is removed by emptying it. What people must complete is one requirement per role (and
//! group) with a checkbox per module and policy, and one empty requirement to add one; one with
//! nothing ticked is removed. Single sign-on providers are rows like the contacts; a client
//! secret is never asked for: each provider says the configuration variable it goes in. The
//! server decides who may change what.

use crate::server::Viewer;
use crate::server::organisation::{
    BLANK_REQUIREMENTS, BLANK_ROWS, BLANK_SSO, ContactFields, HistoryPage, ItemChoice,
    MAX_FIELD_CHARS, MAX_TEXT_CHARS, Notice, OrganisationPage, OrganisationScreen, Problem,
    RequirementFields, field_id, kind_choices, role_choices, sso_kind_choices,
};
use leptos::prelude::*;
use leptos_meta::Title;

const FORM_PATH: &str = "/admin/organisation";
const HISTORY_PATH: &str = "/admin/organisation/history";

/// What kind of box a field is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Input {
    Text,
    Tel,
    Email,
    Url,
    /// A whole number (GOV.UK: a text box with a numeric keyboard, not `type=number`).
    Number,
}

/// One labelled field named `name`, with its own error message when a problem is about it.
fn field(
    name: &str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    input: Input,
    problems: &[Problem],
) -> AnyView {
    let id = field_id(name);
    let error = problems
        .iter()
        .find(|p| p.field.as_deref() == Some(id.as_str()))
        .map(|p| p.text.clone());
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described: Vec<&str> = hint
        .map(|_| hint_id.as_str())
        .into_iter()
        .chain(error.as_ref().map(|_| error_id.as_str()))
        .collect();
    let described = (!described.is_empty()).then(|| described.join(" "));
    let invalid = error.is_some().then_some("true");
    let (kind, spellcheck, inputmode, class) = match input {
        Input::Text => ("text", None, None, None),
        Input::Tel => ("tel", None, None, Some("input-phone")),
        Input::Email => ("email", Some("false"), None, None),
        Input::Url => ("url", Some("false"), None, None),
        Input::Number => ("text", Some("false"), Some("numeric"), Some("input-short")),
    };
    view! {
        <div class="field" class:field-with-error=error.is_some()>
            <label for=id.clone()>{label.to_string()}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h.to_string()}</p> })}
            {error.clone().map(|e| view! {
                <p class="field-error" id=error_id.clone()><span class="visually-hidden">"Error: "</span>{e}</p>
            })}
            <input type=kind id=id.clone() name=name.to_string() value=value.to_string()
                class=class autocomplete="off" spellcheck=spellcheck inputmode=inputmode
                maxlength=MAX_FIELD_CHARS.to_string()
                aria-describedby=described aria-invalid=invalid/>
        </div>
    }
    .into_any()
}

/// A labelled box for a sentence or two, named `name`, with its own error message.
fn long_field(
    name: &str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    problems: &[Problem],
) -> AnyView {
    let id = field_id(name);
    let error = problems
        .iter()
        .find(|p| p.field.as_deref() == Some(id.as_str()))
        .map(|p| p.text.clone());
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described: Vec<&str> = hint
        .map(|_| hint_id.as_str())
        .into_iter()
        .chain(error.as_ref().map(|_| error_id.as_str()))
        .collect();
    let described = (!described.is_empty()).then(|| described.join(" "));
    view! {
        <div class="field" class:field-with-error=error.is_some()>
            <label for=id.clone()>{label.to_string()}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h.to_string()}</p> })}
            {error.clone().map(|e| view! {
                <p class="field-error" id=error_id.clone()><span class="visually-hidden">"Error: "</span>{e}</p>
            })}
            <textarea id=id.clone() name=name.to_string() rows="3" maxlength=MAX_TEXT_CHARS.to_string()
                aria-describedby=described aria-invalid=error.is_some().then_some("true")>{value.to_string()}</textarea>
        </div>
    }
    .into_any()
}

/// A person's contact: name, job title, phone, email.
fn contact(
    prefix: &str,
    legend: String,
    hint: Option<&str>,
    c: &ContactFields,
    problems: &[Problem],
) -> AnyView {
    let hint_id = format!("{}-hint", field_id(prefix));
    view! {
        <fieldset class="fieldset contact" aria-describedby=hint.map(|_| hint_id.clone())>
            <legend>{legend}</legend>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h.to_string()}</p> })}
            {field(&format!("{prefix}.name"), "Name", None, &c.name, Input::Text, problems)}
            {field(&format!("{prefix}.title"), "Job title", None, &c.title, Input::Text, problems)}
            {field(&format!("{prefix}.phone"), "Phone number", None, &c.phone, Input::Tel, problems)}
            {field(&format!("{prefix}.email"), "Email address", None, &c.email, Input::Email, problems)}
        </fieldset>
    }
    .into_any()
}

/// "Deputy 2", or "Deputy 3 (new)" for one of the empty rows at the end.
fn row_legend(what: &str, i: usize, rows: usize) -> String {
    new_row_legend(what, i, rows, BLANK_ROWS)
}

fn new_row_legend(what: &str, i: usize, rows: usize, blank: usize) -> String {
    if i + blank >= rows {
        format!("{what} {} (new)", i + 1)
    } else {
        format!("{what} {}", i + 1)
    }
}

/// The GOV.UK error summary: "There is a problem" and each reason, linked to its field.
fn error_summary(problems: &[Problem]) -> impl IntoView + use<> {
    let items = problems
        .iter()
        .map(|p| match &p.field {
            Some(id) => view! { <li><a href=format!("#{id}")>{p.text.clone()}</a></li> }.into_any(),
            None => view! { <li>{p.text.clone()}</li> }.into_any(),
        })
        .collect_view();
    view! {
        <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" data-testid="error-summary">
            <h2 id="error-summary-title">"There is a problem"</h2>
            <ul class="error-summary-list">{items}</ul>
        </div>
    }
}

fn notice(n: &Notice) -> AnyView {
    match n {
        Notice::Saved(version) => view! {
            <div class="confirmation saved-banner" role="status" data-testid="saved">
                <p>{format!("Saved. Version {version}. ")} <a href=HISTORY_PATH>"See what changed"</a></p>
            </div>
        }
        .into_any(),
        Notice::NoChange => view! {
            <div class="notice" role="status" data-testid="no-change">
                <p>"Nothing was saved: nothing had changed."</p>
            </div>
        }
        .into_any(),
        Notice::Conflict => view! {
            <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" data-testid="conflict">
                <h2 id="error-summary-title">"There is a problem"</h2>
                <p>"Someone else saved a change to the profile while you were editing it, so yours was not saved. "
                   "Their version is shown below: make your change again and save."</p>
            </div>
        }
        .into_any(),
    }
}

fn organisation_section(s: &OrganisationScreen) -> AnyView {
    let o = &s.organisation;
    let p = &s.problems;
    let kind_error = p
        .iter()
        .find(|x| x.field.as_deref() == Some("kind"))
        .map(|x| x.text.clone());
    let options = kind_choices()
        .into_iter()
        .map(|(value, label)| {
            view! { <option value=value selected=o.kind == value>{label}</option> }
        })
        .collect_view();
    view! {
        <fieldset class="fieldset section">
            <legend><h2>"Organisation"</h2></legend>
            {field("name", "Name of the organisation", Some("Shown at the top of every page and in emails."), &o.name, Input::Text, p)}
            <div class="field" class:field-with-error=kind_error.is_some()>
                <label for="kind">"Kind of organisation"</label>
                <p class="hint" id="kind-hint">"Decides which modules its people must complete."</p>
                {kind_error.clone().map(|e| view! {
                    <p class="field-error" id="kind-error"><span class="visually-hidden">"Error: "</span>{e}</p>
                })}
                <select id="kind" name="kind"
                    aria-describedby=if kind_error.is_some() { "kind-hint kind-error" } else { "kind-hint" }>
                    {options}
                </select>
            </div>
            {field("renewal_months", "Training renewal, in months", Some("Staff take their training again after this many months (1 to 60)."), &o.renewal_months, Input::Number, p)}
            {field("escalate_after_minutes", "Escalate an urgent worry after, in minutes", Some("An urgent worry nobody has acknowledged by then is emailed again, also to whoever is on duty (5 to 1440)."), &o.escalate_after_minutes, Input::Number, p)}
            <div class="field">
                <label for="low-level-concerns-to">"Low-level concerns about staff are shared with"</label>
                <p class="hint" id="low-level-concerns-to-hint">"As your staff conduct policy says. The head reads them either way (KCSIE asks that the head is told of every one); a concern about the head goes to the chair, and never to the person it is about."</p>
                <select id="low-level-concerns-to" name="low_level_concerns_to" aria-describedby="low-level-concerns-to-hint">
                    {[safety_core::org::LowLevelConcernsTo::Head, safety_core::org::LowLevelConcernsTo::Dsl].into_iter().map(|to| view! {
                        <option value=to.as_str() selected=o.low_level_concerns_to == to.as_str()>{to.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <fieldset class="fieldset" data-testid="retention-periods">
                <legend><h3>"Retention periods"</h3></legend>
                <p class="hint">{safety_core::org::Retention::SOURCE}" A shorter period than the guidance's is not accepted. Records past their period are listed on the Retention page for review."</p>
                {field("retention_child_age", "Keep child protection records until the child reaches this age", Some("In whole years, from 25 to 100. The date of birth comes from a person record linked to the concern."), o.retention_child_age.as_deref().unwrap_or_default(), Input::Number, p)}
                {field("retention_allegation_years", "Keep records of allegations about staff for at least, in years", Some("From the allegation, in whole years, from 10 to 100."), o.retention_allegation_years.as_deref().unwrap_or_default(), Input::Number, p)}
                {field("retention_retirement_age", "Normal retirement age: allegations are kept until the person reaches it, if that is later", Some("The platform does not know anyone's retirement date: this age is used with the date of birth on a linked person record (55 to 80; 67 is the State Pension age from 2028)."), o.retention_retirement_age.as_deref().unwrap_or_default(), Input::Number, p)}
                {field("retention_low_level_years", "Keep low-level concerns after the person leaves, in years", Some("They are kept at least until the person leaves (0 to 50 more years)."), o.retention_low_level_years.as_deref().unwrap_or_default(), Input::Number, p)}
            </fieldset>
        </fieldset>
    }
    .into_any()
}

fn contacts_section(s: &OrganisationScreen) -> AnyView {
    let c = &s.contacts;
    let p = &s.problems;
    let deputies = c
        .deputies
        .iter()
        .enumerate()
        .map(|(i, d)| {
            contact(
                &format!("deputies.{i}"),
                row_legend("Deputy", i, c.deputies.len()),
                None,
                d,
                p,
            )
        })
        .collect_view();
    let on_duty = c
        .on_duty
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let n = |f: &str| format!("on_duty.{i}.{f}");
            view! {
                <fieldset class="fieldset contact">
                    <legend>{row_legend("On duty", i, c.on_duty.len())}</legend>
                    {field(&n("site"), "Site, or days", Some("For example “Site A” or “Mondays and Tuesdays”."), &d.site, Input::Text, p)}
                    {field(&n("name"), "Name", None, &d.name, Input::Text, p)}
                    {field(&n("title"), "Job title", None, &d.title, Input::Text, p)}
                    {field(&n("phone"), "Phone number", None, &d.phone, Input::Tel, p)}
                    {field(&n("email"), "Email address (optional)", None, &d.email, Input::Email, p)}
                </fieldset>
            }
        })
        .collect_view();
    let out_of_hours = c
        .out_of_hours_contacts
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let n = |f: &str| format!("out_of_hours_contacts.{i}.{f}");
            view! {
                <fieldset class="fieldset contact">
                    <legend>{row_legend("Out-of-hours contact", i, c.out_of_hours_contacts.len())}</legend>
                    {field(&n("name"), "Name of the service", None, &o.name, Input::Text, p)}
                    {long_field(&n("description"), "What it is and when to call", None, &o.description, p)}
                    {field(&n("phone"), "Phone number", None, &o.phone, Input::Tel, p)}
                </fieldset>
            }
        })
        .collect_view();
    let l = &c.local;
    view! {
        <section class="section" aria-labelledby="contacts-heading">
            <h2 id="contacts-heading">"Safeguarding contacts"</h2>
            <p>"Shown to people on the worry and tell pages, in the staff modules and in emails. "
               "Worries are sent to people by their role, not by these names."</p>
            {contact("dsl", "Designated safeguarding lead (DSL)".into(), None, &c.dsl, p)}

            <h3 id="deputies-heading">"Deputy safeguarding leads"</h3>
            <p class="hint">"To add one, fill in an empty row. To remove one, empty all its boxes."</p>
            {deputies}

            {contact("allegations_lead", "Allegations lead".into(),
                Some("Usually the head or principal: reads worries about staff, and about the DSL."),
                &c.allegations_lead, p)}
            {contact("chair", "Chair of governors, trustee or proprietor".into(),
                Some("Reads worries about the head or principal. Needed when the DSL is also the allegations lead. Leave every box empty if there is none."),
                &c.chair, p)}

            <h3>"On duty"</h3>
            <p class="hint">"Who is on safeguarding duty at each site, or on which days. To add one, fill in an empty row. To remove one, empty all its boxes."</p>
            {on_duty}

            <h3>"Out of hours"</h3>
            {long_field("out_of_hours", "What to do when the organisation is closed",
                Some("One or two sentences, shown on the tell page."), &c.out_of_hours, p)}
            <p class="hint">"Services to call out of hours. To add one, fill in an empty row. To remove one, empty all its boxes."</p>
            {out_of_hours}

            <fieldset class="fieldset contact">
                <legend>"Local authority services"</legend>
                {field("local.authority", "Local authority", None, &l.authority, Input::Text, p)}
                {field("local.lado_phone", "LADO phone number", Some("The local authority designated officer, for allegations against staff."), &l.lado_phone, Input::Tel, p)}
                {field("local.front_door_phone", "Children's services front door phone number", Some("Where referrals about a child go."), &l.front_door_phone, Input::Tel, p)}
                {field("local.adult_services_phone", "Adult social care phone number", Some("For an adult at risk. Needed by an adult learning service."), &l.adult_services_phone, Input::Tel, p)}
                {field("local.partnership_site", "Local safeguarding partnership website (optional)", Some("Its procedures and thresholds. Starts with https://"), &l.partnership_site, Input::Url, p)}
            </fieldset>
        </section>
    }
    .into_any()
}

/// The error message of the field whose input has the id `id`, if a problem is about it.
fn error_of(problems: &[Problem], id: &str) -> Option<String> {
    problems
        .iter()
        .find(|p| p.field.as_deref() == Some(id))
        .map(|p| p.text.clone())
}

/// One list of checkboxes named `name` (a pair per ticked box), in groups by audience ("For
/// learners"...), each group a labelled group: the first box has the list's id, so an error
/// links to it.
fn checkboxes(
    name: &str,
    legend: &str,
    choices: &[ItemChoice],
    ticked: &[String],
    problems: &[Problem],
) -> AnyView {
    let id = field_id(name);
    let error = error_of(problems, &id);
    let error_id = format!("{id}-error");
    // The choices come grouped by audience (the server's order): one group per run.
    let mut groups: Vec<(String, Vec<(usize, &ItemChoice)>)> = Vec::new();
    for (k, c) in choices.iter().enumerate() {
        match groups.last_mut() {
            Some((audience, boxes)) if *audience == c.audience => boxes.push((k, c)),
            _ => groups.push((c.audience.clone(), vec![(k, c)])),
        }
    }
    let groups = groups
        .into_iter()
        .enumerate()
        .map(|(g, (audience, boxes))| {
            let title_id = format!("{id}-group-{g}");
            let boxes = boxes
                .into_iter()
                .map(|(k, c)| {
                    let box_id = if k == 0 { id.clone() } else { format!("{id}-{k}") };
                    view! {
                        <div class="checkbox">
                            <input type="checkbox" id=box_id.clone() name=name.to_string() value=c.id.clone()
                                checked=ticked.iter().any(|t| t.trim() == c.id)/>
                            <label for=box_id.clone()>{c.title.clone()}</label>
                        </div>
                    }
                })
                .collect_view();
            if audience.is_empty() {
                view! { <div class="checkboxes">{boxes}</div> }.into_any()
            } else {
                view! {
                    <div role="group" aria-labelledby=title_id.clone() class="checkbox-audience">
                        <p class="checkbox-audience-title" id=title_id.clone()>{audience}</p>
                        <div class="checkboxes">{boxes}</div>
                    </div>
                }
                .into_any()
            }
        })
        .collect_view();
    view! {
        <fieldset class="fieldset checkboxes-group" class:field-with-error=error.is_some()
            aria-describedby=error.is_some().then(|| error_id.clone())>
            <legend>{legend.to_string()}</legend>
            {error.clone().map(|e| view! {
                <p class="field-error" id=error_id.clone()><span class="visually-hidden">"Error: "</span>{e}</p>
            })}
            {groups}
        </fieldset>
    }
    .into_any()
}

/// One requirement: who (role, and optionally group), and what they must complete.
fn requirement_row(
    s: &OrganisationScreen,
    i: usize,
    r: &RequirementFields,
    problems: &[Problem],
) -> AnyView {
    let n = |f: &str| format!("requirements.{i}.{f}");
    // A role as the server reads it ("Staff" is `staff`), else as sent.
    let chosen = safety_core::roles::Role::parse(&r.role)
        .map_or_else(|| r.role.trim().to_string(), |r| r.as_str().to_string());
    view! {
        <fieldset class="fieldset contact requirement" data-testid="requirement">
            <legend>{new_row_legend("Requirement", i, s.requirements.len(), BLANK_REQUIREMENTS)}</legend>
            {select_field(&n("role"), "Who must complete it", None, &role_choices(), &chosen, problems)}
            {field(&n("group"), "Only people in this group (optional)",
                Some("As written in the people list, for example “Site B staff”. Leave empty for everyone with the role."),
                &r.group, Input::Text, problems)}
            {checkboxes(&n("modules"), "Modules", &s.module_choices, &r.modules, problems)}
            {checkboxes(&n("aups"), "Acceptable use policies to sign", &s.aup_choices, &r.aups, problems)}
        </fieldset>
    }
    .into_any()
}

/// What people must complete, by role and group (admins only).
fn requirements_section(s: &OrganisationScreen) -> AnyView {
    let rows = s
        .requirements
        .iter()
        .enumerate()
        .map(|(i, r)| requirement_row(s, i, r, &s.problems))
        .collect_view();
    view! {
        <section class="section" aria-labelledby="requirements-heading" data-testid="requirements">
            <h2 id="requirements-heading">"What people must complete"</h2>
            <p>"Who must complete which modules and sign which acceptable use policies. "
               "Someone with several roles, or in a group, does everything each of them asks. "
               "The compliance figures count what is asked here."</p>
            <p class="hint">"To add a requirement, fill in the empty one at the end (save, and another empty one comes). "
               "To remove one, untick all its modules and policies. "
               "With no requirements at all, everyone does what the content writes for them: learners, staff, and parents and carers. "
               "Some modules are asked of every organisation of a kind (for example adults at risk, of adult learning services) whatever is ticked here."</p>
            {rows}
        </section>
    }
    .into_any()
}

/// A labelled list named `name` of `(value, label)` choices, the first "Choose…" (empty).
fn select_field(
    name: &str,
    label: &str,
    hint: Option<&str>,
    choices: &[(&str, &str)],
    chosen: &str,
    problems: &[Problem],
) -> AnyView {
    let id = field_id(name);
    let error = error_of(problems, &id);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described: Vec<&str> = hint
        .map(|_| hint_id.as_str())
        .into_iter()
        .chain(error.as_ref().map(|_| error_id.as_str()))
        .collect();
    let described = (!described.is_empty()).then(|| described.join(" "));
    let chosen = chosen.trim().to_string();
    let mut all: Vec<(String, String)> = choices
        .iter()
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .collect();
    if !chosen.is_empty() && !all.iter().any(|(v, _)| *v == chosen) {
        // Not one of them: shown as sent, so it is kept (and the error says so).
        all.push((chosen.clone(), chosen.clone()));
    }
    let options = all
        .into_iter()
        .map(|(value, label)| {
            let selected = value == chosen;
            view! { <option value=value selected=selected>{label}</option> }
        })
        .collect_view();
    view! {
        <div class="field" class:field-with-error=error.is_some()>
            <label for=id.clone()>{label.to_string()}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h.to_string()}</p> })}
            {error.clone().map(|e| view! {
                <p class="field-error" id=error_id.clone()><span class="visually-hidden">"Error: "</span>{e}</p>
            })}
            <select id=id.clone() name=name.to_string() aria-describedby=described
                aria-invalid=error.is_some().then_some("true")>
                <option value="" selected=chosen.is_empty()>"Choose one"</option>
                {options}
            </select>
        </div>
    }
    .into_any()
}

/// The single sign-on providers (admins only). Never the client secret: the variable it goes in.
fn sso_section(s: &OrganisationScreen) -> AnyView {
    let p = &s.problems;
    let kinds = sso_kind_choices();
    let rows = s
        .sso
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let n = |f: &str| format!("sso.{i}.{f}");
            let r = &row.fields;
            view! {
                <fieldset class="fieldset contact" data-testid="sso-provider">
                    <legend>{new_row_legend("Provider", i, s.sso.len(), BLANK_SSO)}</legend>
                    {field(&n("id"), "Short name", Some("In the sign-in address: 1 to 20 lowercase letters, digits or hyphens, like “microsoft”."), &r.id, Input::Text, p)}
                    {select_field(&n("kind"), "Kind of sign-in service", None, &kinds, &r.kind, p)}
                    {field(&n("label"), "Words on the sign-in button", Some("For example “Sign in with your college Microsoft account”."), &r.label, Input::Text, p)}
                    {field(&n("client_id"), "Client ID", Some("The ID of the application registered with the service for this site."), &r.client_id, Input::Text, p)}
                    {field(&n("tenant"), "Tenant ID (Microsoft Entra ID only)", Some("The directory (tenant) ID: only accounts of that directory can sign in."), &r.tenant, Input::Text, p)}
                    {field(&n("domain"), "Domain (Google Workspace only)", Some("Like “college.example.org”: accounts of other domains, and personal Gmail accounts, are refused."), &r.domain, Input::Text, p)}
                    {field(&n("issuer"), "Issuer address (other OpenID Connect providers only)", Some("Starts with https://"), &r.issuer, Input::Url, p)}
                    <p class="sso-secret" data-testid="sso-secret">"Client secret: not entered here. Whoever runs the platform puts it in the configuration variable "
                        <code>{row.secret_variable.clone()}</code> "."</p>
                </fieldset>
            }
        })
        .collect_view();
    view! {
        <section class="section" aria-labelledby="sso-heading" data-testid="sso">
            <h2 id="sso-heading">"Single sign-on"</h2>
            <p>"People can sign in with their work or college account, as well as with an emailed link. "
               "A provider is offered on the sign-in page once its client secret is in the configuration."</p>
            <p class="hint">"To add a provider, fill in the empty one at the end. To remove one, empty all its boxes and choose no kind. "
               "Only the box of the provider's kind is kept."</p>
            {rows}
        </section>
    }
    .into_any()
}

#[component]
pub fn OrganisationProfilePage() -> impl IntoView {
    let (Some(viewer), Some(OrganisationPage(result))) =
        (use_context::<Viewer>(), use_context::<OrganisationPage>())
    else {
        return view! { <super::not_found::NotFound/> }.into_any();
    };
    let s = match result {
        Ok(s) => s,
        Err((_, message)) => {
            return view! {
                <Title text="Organisation profile"/>
                <h1>"Organisation profile"</h1>
                <div class="error-summary" role="alert" data-testid="refused"><p>{message}</p></div>
            }
            .into_any();
        }
    };
    let title = if s.problems.is_empty() {
        "Organisation profile".to_string()
    } else {
        "Error: Organisation profile".to_string()
    };
    let org_part = if s.may_organisation {
        organisation_section(&s)
    } else {
        view! {
            <p class="note" data-testid="contacts-only">"You can change the safeguarding contacts. Only an administrator can change the organisation's name, kind, training renewal period and escalation time."</p>
        }
        .into_any()
    };
    view! {
        <Title text=title/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/me">"Your account"</a></nav>
        <h1>"Organisation profile"</h1>
        {s.notice.as_ref().map(notice)}
        {(!s.problems.is_empty()).then(|| error_summary(&s.problems))}
        <p class="lead">{s.org_name.clone()} ": who people contact about a worry, and how the organisation runs its training."</p>
        <p><a href=HISTORY_PATH>"Changes to this profile: who changed what, and when"</a></p>
        <form method="post" action=FORM_PATH class="profile-form" novalidate>
            <input type="hidden" name="csrf" value=viewer.csrf.clone()/>
            <input type="hidden" name="version" value=s.version.to_string()/>
            {org_part}
            {s.may_organisation.then(|| requirements_section(&s))}
            {s.may_organisation.then(|| sso_section(&s))}
            {contacts_section(&s)}
            <button type="submit" class="button">"Save the profile"</button>
        </form>
    }
    .into_any()
}

#[component]
pub fn OrganisationHistoryPage() -> impl IntoView {
    let Some(HistoryPage(result)) = use_context::<HistoryPage>() else {
        return view! { <super::not_found::NotFound/> }.into_any();
    };
    let body = match result {
        Err((_, message)) => {
            view! { <div class="error-summary" role="alert" data-testid="refused"><p>{message}</p></div> }
                .into_any()
        }
        Ok(entries) => view! {
            <ol class="timeline profile-history" data-testid="history">
                {entries.into_iter().map(|e| view! {
                    <li data-testid="version">
                        <h2>{format!("Version {}", e.version)}</h2>
                        <p class="message-meta">{format!("{} by {}", e.at, e.by)}</p>
                        <ul class="changes">{e.changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
                    </li>
                }).collect_view()}
            </ol>
        }
        .into_any(),
    };
    view! {
        <Title text="Changes to the organisation profile"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href=FORM_PATH>"Organisation profile"</a></nav>
        <h1>"Changes to the organisation profile"</h1>
        <p>"Every saved version, newest first: who saved it, when, and what changed."</p>
        {body}
    }
    .into_any()
}

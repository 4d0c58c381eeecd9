//! The staff concern form (a worry from a member of staff, with the seed policy's "logging a
//! concern" fields) and the low-level concerns pages. Plain forms: they work with JavaScript
//! off, and what was typed never goes into a script.

use crate::islands::SentConfirmation;
use crate::layout::tel_href;
use crate::model::{KindChoice, PhoneContact};
use crate::server::concerns::{ReportLines, StaffConcernSent, StaffConcernView};
use leptos::prelude::*;
use leptos_meta::Title;

/// A report's fields as a definition list, the child's words exactly as typed (white space kept,
/// escaped like every text).
#[component]
pub fn ReportList(lines: ReportLines) -> impl IntoView {
    let ReportLines { rows, child_words } = lines;
    let (first, rest) = rows.split_at(rows.len().min(4));
    let row = |(label, value): &(&'static str, String)| {
        view! { <div><dt>{*label}</dt><dd class="message-text">{value.clone()}</dd></div> }
    };
    let words = if child_words.is_empty() {
        view! { <dd>"Not given"</dd> }.into_any()
    } else {
        view! { <dd class="message-text child-words" dir="auto" data-testid="child-words">{child_words}</dd> }
            .into_any()
    };
    view! {
        <dl class="summary-list" data-testid="staff-report">
            {first.iter().map(row).collect_view()}
            <div><dt>"What the child said, in their own words"</dt>{words}</div>
            {rest.iter().map(row).collect_view()}
        </dl>
    }
}

/// The people to tell now, with their phones.
#[component]
fn TellNow(contacts: Vec<PhoneContact>) -> impl IntoView {
    view! {
        <ul>
            {contacts.into_iter().map(|c| view! {
                <li><strong>{c.name}</strong> " (" {c.what} "): " <a href=tel_href(&c.phone)>{c.phone.clone()}</a></li>
            }).collect_view()}
        </ul>
    }
}

/// What a member of staff sees once their report is stored.
#[component]
fn StaffSent(sent: StaffConcernSent) -> impl IntoView {
    let StaffConcernSent {
        confirmation,
        danger,
        tell_now,
        report,
    } = sent;
    let danger_box = danger.then(|| {
        view! {
            <section class="danger-box" aria-labelledby="danger-now" data-testid="danger-now">
                <h2 id="danger-now">"Someone is in danger: call " <a href="tel:999">"999"</a> " now if you have not"</h2>
                <p><strong>"Then tell the safeguarding lead now, in person or by phone: do not wait for them to read this."</strong></p>
                {(!tell_now.is_empty()).then(|| view! { <TellNow contacts=tell_now.clone()/> })}
            </section>
        }
    });
    view! {
        <Title text="Report sent - Report a concern about a child"/>
        <h1>"Report a concern about a child"</h1>
        {danger_box}
        <SentConfirmation sent=confirmation/>
        <section aria-labelledby="what-sent">
            <h2 id="what-sent">"What you sent"</h2>
            <ReportList lines=report/>
        </section>
        <p><a href="/staff-concern">"Report another concern"</a></p>
    }
}

/// One labelled text field, with its error under the label.
fn text_field(
    id: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    value: String,
    error: Option<String>,
    area: Option<u32>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = [
        hint.map(|_| hint_id.clone()),
        error.as_ref().map(|_| error_id.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let described = (!described.is_empty()).then_some(described);
    let class = if error.is_some() {
        "field field-with-error"
    } else {
        "field"
    };
    let input = match area {
        Some(rows) => view! {
            <textarea id=id name=id rows=rows aria-describedby=described.clone() aria-invalid=error.is_some().then_some("true")>
                {crate::pages::textarea_text(&value)}
            </textarea>
        }
        .into_any(),
        None => view! {
            <input type="text" id=id name=id value=value aria-describedby=described.clone() aria-invalid=error.is_some().then_some("true")/>
        }
        .into_any(),
    };
    view! {
        <div class=class>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {error.map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })}
            {input}
        </div>
    }
}

/// "Report a concern about a child": the staff concern form.
#[component]
pub fn StaffConcernPage() -> impl IntoView {
    let Some(view) = use_context::<StaffConcernView>() else {
        return view! {
            <Title text="Report a concern about a child"/>
            <h1>"Report a concern about a child"</h1>
            <p>"Sign in with your staff account to report a concern."</p>
        }
        .into_any();
    };
    let StaffConcernView {
        typed,
        token,
        csrf,
        errors,
        problem,
        involves,
        sent,
    } = view;
    if let Some(sent) = sent {
        return view! { <StaffSent sent/> }.into_any();
    }
    let error_of = |field: &str| {
        errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
    };
    let summary = (!errors.is_empty() || problem.is_some()).then(|| {
        view! {
            <div class="error-summary" role="alert" id="form-error" tabindex="-1">
                <h2>{if errors.is_empty() { "Your report was not sent" } else { "There is a problem: your report was not sent" }}</h2>
                {problem.clone().map(|p| view! { <p>{p}</p> })}
                <ul>
                    {errors.iter().map(|(f, m)| view! { <li><a href=format!("#{f}")>{m.clone()}</a></li> }).collect_view()}
                </ul>
            </div>
        }
    });
    let unsure = typed.when_unsure.as_deref() == Some("yes");
    let date_error = error_of("date");
    let time_error = error_of("time");
    let when = view! {
        <fieldset class=if date_error.is_some() || time_error.is_some() { "field field-with-error" } else { "field" }>
            <legend>"When did it happen?"</legend>
            <p class="hint" id="when-hint">"The date, and the time if you know it. If you are not sure, tick the box."</p>
            {date_error.clone().map(|e| view! { <p class="field-error" id="date-error">{e}</p> })}
            {time_error.clone().map(|e| view! { <p class="field-error" id="time-error">{e}</p> })}
            <div class="date-time">
                <div>
                    <label for="date">"Date"</label>
                    <input type="date" id="date" name="date" value=typed.date.clone() aria-describedby="when-hint" aria-invalid=date_error.is_some().then_some("true")/>
                </div>
                <div>
                    <label for="time">"Time (optional)"</label>
                    <input type="time" id="time" name="time" value=typed.time.clone() aria-invalid=time_error.is_some().then_some("true")/>
                </div>
            </div>
            <div class="checkbox">
                <input type="checkbox" id="when_unsure" name="when_unsure" value="yes" checked=unsure/>
                <label for="when_unsure">"I'm not sure when"</label>
            </div>
        </fieldset>
    }
    .into_any();
    let radio_group = |name: &'static str,
                       legend: &'static str,
                       hint: Option<&'static str>,
                       options: Vec<KindChoice>,
                       chosen: Option<String>| {
        let error = error_of(name);
        let hint_id = format!("{name}-hint");
        let class = if error.is_some() {
            "field field-with-error"
        } else {
            "field"
        };
        view! {
            <fieldset class=class id=name aria-describedby=hint.map(|_| hint_id.clone())>
                <legend>{legend}</legend>
                {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
                {error.map(|e| view! { <p class="field-error">{e}</p> })}
                {options.into_iter().map(|k| {
                    let id = format!("{name}-{}", k.id);
                    let checked = chosen.as_deref() == Some(k.id.as_str());
                    let hint = (!k.hint.is_empty()).then(|| view! { <p class="hint">{k.hint.clone()}</p> });
                    view! {
                        <div class="radio">
                            <input type="radio" id=id.clone() name=name value=k.id checked=checked/>
                            <label for=id>{k.label}</label>
                            {hint}
                        </div>
                    }
                }).collect_view()}
            </fieldset>
        }
        .into_any()
    };
    let yes_no = vec![
        KindChoice {
            id: "yes".into(),
            label: "Yes".into(),
            hint: "Call 999 now if you have not, then send this: it goes to the safeguarding team as urgent, and the page will tell you who to phone.".into(),
        },
        KindChoice {
            id: "no".into(),
            label: "No".into(),
            hint: String::new(),
        },
    ];
    let child = view! {
        {text_field("child_name", "The child's name", None, typed.child_name.clone(), error_of("child_name"), None)}
        {text_field("child_group", "Their group or class (optional)", None, typed.child_group.clone(), error_of("child_group"), None)}
    }
    .into_any();
    let account = view! {
        {text_field("place", "Where did it happen?", Some("Or where you were told, for example \"the IT suite\" or \"online, in a group chat\"."), typed.place.clone(), error_of("place"), None)}
        {text_field("child_words", "What did the child say, in their own words?", Some("Write exactly what they said, even if it is rude or does not make sense. Do not tidy it up or ask leading questions. Leave it empty if they said nothing."), typed.child_words.clone(), error_of("child_words"), Some(6))}
        {text_field("noticed", "What did you see or notice?", Some("Facts: what you saw and heard, not what you think it means."), typed.noticed.clone(), error_of("noticed"), Some(5))}
        {text_field("did", "What did you do, and what did you say?", Some("Even if you only listened. Do not promise to keep it secret."), typed.did.clone(), error_of("did"), Some(4))}
        {text_field("present", "Who else was present? (optional)", None, typed.present.clone(), error_of("present"), None)}
    }
    .into_any();
    let routing = view! {
        {radio_group("danger", "Is anyone in immediate danger?", None, yes_no, typed.danger.clone())}
        {radio_group("involves", "Does it involve a member of staff, a volunteer or the DSL?", Some("This decides who reads it. It never goes to the person it is about."), involves, typed.involves.clone())}
    }
    .into_any();
    view! {
        <Title text=if summary.is_some() { "Error: Report a concern about a child" } else { "Report a concern about a child" }/>
        <h1>"Report a concern about a child"</h1>
        {summary}
        <section class="danger-box" aria-labelledby="danger-heading">
            <h2 id="danger-heading">"A child in danger now? Call " <a href="tel:999">"999"</a></h2>
            <p>"Then tell the safeguarding lead in person or by phone. This form does not replace that."</p>
        </section>
        <p>"For staff and volunteers: record what you saw or were told about a child as soon as you can, in the child's own words. It goes to the safeguarding team with your name, as the policy's \"logging a concern\" form."</p>
        <p>"About how a colleague behaves, and below the harm threshold? "<a href="/staff-concern/low-level">"Record a low-level concern"</a>" instead (you can report yourself too)."</p>
                <form method="post" action="/staff-concern" class="worry-form" novalidate>
            <input type="hidden" name="token" value=token/>
            <input type="hidden" name="csrf" value=csrf/>
            {child}
            {when}
            {account}
            {routing}
            <button type="submit" class="button">"Send"</button>
        </form>
    }
    .into_any()
}

use crate::server::concerns::{LowLevelDone, LowLevelLogView, LowLevelView};

/// "Record a low-level concern": about a colleague or oneself.
#[component]
pub fn LowLevelPage() -> impl IntoView {
    let Some(view) = use_context::<LowLevelView>() else {
        return view! {
            <Title text="Record a low-level concern"/>
            <h1>"Record a low-level concern"</h1>
            <p>"Sign in with your staff account to record a low-level concern."</p>
        }
        .into_any();
    };
    let LowLevelView {
        typed,
        csrf,
        staff,
        errors,
        problem,
        done,
        readers,
        own,
    } = view;
    let error_of = |field: &str| {
        errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
    };
    let done = done.map(|d| match d {
        LowLevelDone::Recorded { repeated, reached_nobody } => view! {
            <div class="notice" role="status" data-testid="recorded">
                <p>{if repeated { "This form had already been sent: it is recorded once." } else { "Thank you: it is recorded, and shared in confidence with the people named below." }}</p>
                {reached_nobody.then(|| view! { <p><strong>"Nobody can read it on the platform right now: please also tell the head or the chair in person."</strong></p> })}
            </div>
        }
        .into_any(),
        LowLevelDone::AboveThreshold => view! {
            <section class="danger-box" aria-labelledby="above" data-testid="above-threshold">
                <h2 id="above">"Then it is not a low-level concern: nothing was recorded here"</h2>
                <p>"If it might have harmed a child, or might be a crime, it is an allegation. Report it now on the "
                    <a href="/staff-concern">"staff concern form"</a>
                    " (answer that it involves a member of staff), and tell the head or managing director today. If a child is in danger now, call "
                    <a href="tel:999">"999"</a> "."</p>
            </section>
        }
        .into_any(),
    });
    let summary = (!errors.is_empty() || problem.is_some()).then(|| {
        view! {
            <div class="error-summary" role="alert" id="form-error" tabindex="-1">
                <h2>"There is a problem: nothing was recorded"</h2>
                {problem.clone().map(|p| view! { <p>{p}</p> })}
                <ul>
                    {errors.iter().map(|(f, m)| view! { <li><a href=format!("#{f}")>{m.clone()}</a></li> }).collect_view()}
                </ul>
            </div>
        }
    });
    let about_error = error_of("about");
    let chosen = typed.about.clone();
    let about = view! {
        <div class=if about_error.is_some() { "field field-with-error" } else { "field" }>
            <label for="about">"Who is it about?"</label>
            {about_error.clone().map(|e| view! { <p class="field-error" id="about-error">{e}</p> })}
            <select id="about" name="about" aria-invalid=about_error.is_some().then_some("true")>
                <option value="" selected=chosen.is_empty()>"Choose someone"</option>
                <option value="self" selected=chosen == "self">"Myself (a self-report)"</option>
                {staff.into_iter().map(|(id, name)| {
                    let selected = chosen == id;
                    view! { <option value=id selected=selected>{name}</option> }
                }).collect_view()}
                <option value="other" selected=chosen == "other">"Someone not on this list"</option>
            </select>
        </div>
        {text_field("about_other", "If they are not on the list: their name and role", Some("For example a visiting coach, a supply teacher or a contractor."), typed.about_other.clone(), error_of("about_other"), None)}
    }
    .into_any();
    let date_error = error_of("date");
    let unsure = typed.when_unsure.as_deref() == Some("yes");
    let when = view! {
        <fieldset class=if date_error.is_some() { "field field-with-error" } else { "field" }>
            <legend>"When did it happen?"</legend>
            {date_error.clone().map(|e| view! { <p class="field-error" id="date-error">{e}</p> })}
            <label for="date">"Date"</label>
            <input type="date" id="date" name="date" value=typed.date.clone() aria-invalid=date_error.is_some().then_some("true")/>
            <div class="checkbox">
                <input type="checkbox" id="when_unsure" name="when_unsure" value="yes" checked=unsure/>
                <label for="when_unsure">"I'm not sure when"</label>
            </div>
        </fieldset>
    }
    .into_any();
    let threshold_error = error_of("threshold");
    let threshold = typed.threshold.clone();
    let threshold_class = if threshold_error.is_some() {
        "field field-with-error"
    } else {
        "field"
    };
    let threshold = view! {
        <fieldset class=threshold_class id="threshold" aria-describedby="threshold-hint">
            <legend>"Could it have harmed a child, or be a crime?"</legend>
            <p class="hint" id="threshold-hint">"Or does it suggest they may be unsuitable to work with children? If so it is an allegation, not a low-level concern."</p>
            {threshold_error.map(|e| view! { <p class="field-error">{e}</p> })}
            <div class="radio">
                <input type="radio" id="threshold-no" name="threshold" value="no" checked=threshold.as_deref() == Some("no")/>
                <label for="threshold-no">"No, it is a low-level concern"</label>
            </div>
            <div class="radio">
                <input type="radio" id="threshold-yes" name="threshold" value="yes" checked=threshold.as_deref() == Some("yes")/>
                <label for="threshold-yes">"Yes, or it might"</label>
            </div>
        </fieldset>
    }
    .into_any();
    let own = (!own.is_empty()).then(|| {
        view! {
            <section aria-labelledby="own-heading">
                <h2 id="own-heading">"Concerns you have recorded"</h2>
                <p>"Only you see this list. Concerns others recorded are never shown here."</p>
                <table class="list stacked" data-testid="own-concerns">
                    <thead><tr><th scope="col">"Recorded"</th><th scope="col">"About"</th><th scope="col">"When"</th><th scope="col">"What happened"</th></tr></thead>
                    <tbody>
                        {own.into_iter().map(|c| view! {
                            <tr>
                                <td data-label="Recorded">{c.recorded_on}</td>
                                <td data-label="About">{c.about}{c.self_report.then_some(" (self-report)")}</td>
                                <td data-label="When">{c.when}</td>
                                <td data-label="What happened" class="message-text">{c.what}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        }
    });
    view! {
        <Title text=if summary.is_some() { "Error: Record a low-level concern" } else { "Record a low-level concern" }/>
        <h1>"Record a low-level concern"</h1>
        {done}
        {summary}
        <div class="note">
            <p>"A low-level concern is a sense, however small, that an adult working here has behaved in a way that does not fit the staff code of conduct, inside or outside work, but not so badly that it could have harmed a child or be a crime. For example: being over-friendly with a pupil, having favourites, taking photos of pupils on a personal phone, being alone with a pupil behind a closed door, or using language that is not right."</p>
            <p><strong>"You can report yourself."</strong> " If you have done something that could be misread, or found yourself in a difficult situation, recording it yourself is welcome and is seen as professional: it protects you as well as the children."</p>
            <p>"It goes, in confidence, to " {readers.clone()} ". It is never shown to the person it is about, and a concern that is not confirmed is not mentioned in a reference."</p>
        </div>
        <form method="post" action="/staff-concern/low-level" novalidate>
            <input type="hidden" name="csrf" value=csrf/>
            <input type="hidden" name="form_id" value=typed.form_id.clone()/>
            {about}
            {text_field("what", "What happened?", Some("What you saw or heard, as facts. Who else was there, if anyone."), typed.what.clone(), error_of("what"), Some(5))}
            {when}
            {threshold}
            <button type="submit" class="button">"Record it"</button>
        </form>
        {own}
    }
    .into_any()
}

/// The low-level concerns log: a pattern per member of staff.
#[component]
pub fn LowLevelLogPage() -> impl IntoView {
    let Some(view) = use_context::<LowLevelLogView>() else {
        return view! {
            <Title text="Low-level concerns"/>
            <h1>"Low-level concerns"</h1>
            <p>"Sign in to read this page."</p>
        }
        .into_any();
    };
    let LowLevelLogView {
        people,
        audit,
        readers,
        error,
    } = view;
    if let Some(e) = error {
        return view! {
            <Title text="Low-level concerns"/>
            <h1>"Low-level concerns"</h1>
            <div class="error-summary" role="alert" data-testid="refused"><p>{e}</p></div>
        }
        .into_any();
    }
    let summary = if people.is_empty() {
        view! { <p data-testid="no-concerns">"No low-level concerns you may read have been recorded."</p> }.into_any()
    } else {
        view! {
            <table class="list stacked" data-testid="patterns">
                <caption id="pattern-caption">"Concerns per member of staff, most first"</caption>
                <thead><tr><th scope="col">"About"</th><th scope="col">"Concerns"</th><th scope="col">"Self-reported"</th><th scope="col">"First"</th><th scope="col">"Latest"</th></tr></thead>
                <tbody>
                    {people.iter().enumerate().map(|(i, p)| view! {
                        <tr>
                            <td data-label="About"><a href=format!("#person-{i}")>{p.name.clone()}</a>{(!p.on_platform).then_some(" (not on the platform)")}</td>
                            <td data-label="Concerns">{p.count}</td>
                            <td data-label="Self-reported">{p.self_reports}</td>
                            <td data-label="First">{p.first.clone()}</td>
                            <td data-label="Latest">{p.latest.clone()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    let details = people
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let id = format!("person-{i}");
            let labelled = id.clone();
            view! {
                <section aria-labelledby=labelled class="low-level-person">
                    <h3 id=id>{p.name} " (" {p.count} ")"</h3>
                    <ol>
                        {p.entries.into_iter().map(|e| view! {
                            <li>
                                <p><strong>{e.when}</strong> {format!(" (recorded {} by {})", e.recorded_on, e.recorded_by)}
                                    {e.self_report.then(|| view! { " " <span class="tag">"Self-report"</span> })}</p>
                                <p class="message-text">{e.what}</p>
                            </li>
                        }).collect_view()}
                    </ol>
                </section>
            }
        })
        .collect_view();
    view! {
        <Title text="Low-level concerns"/>
        <h1>"Low-level concerns"</h1>
        <p>"Shared with " {readers} ". Each is shown only to the people it is shared with, never to the person it is about. Look for patterns: several concerns about one person, from different people, over time. Every time this page is opened it is recorded below."</p>
        {summary}
        <h2>"Each person's concerns, oldest first"</h2>
        {details}
        <section aria-labelledby="audit-heading">
            <h2 id="audit-heading">"Who has read this log"</h2>
            <ul data-testid="log-audit">
                {audit.into_iter().map(|(when, who, what)| view! { <li>{when} ": " {who} ", " {what}</li> }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

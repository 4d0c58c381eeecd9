//! The learning journey's pages for signed-in people: my training, a module section by
//! section, its quiz and result, AUP sign-off, the signed text, certificates, and the public
//! certificate check. Plain server-rendered forms: everything works with JavaScript off. The
//! handlers put what to show in context (`crate::server::learning`); no rule lives here.

use crate::server::Viewer;
use crate::server::learning::{
    AupScreen, CertificateScreen, MyTraining, QuizScreen, Reading, Refused, SignedTextScreen,
    VerifyScreen, next_item,
};
use leptos::prelude::*;
use leptos_meta::Title;
use safety_core::learning::{ItemKind, QuizResult, QuizView, Status, TrainingItem};

fn csrf() -> String {
    use_context::<Viewer>().map(|v| v.csrf).unwrap_or_default()
}

fn refused_view(r: &Refused) -> impl IntoView + use<> {
    view! {
        <div class="error-summary" role="alert" data-testid="refused">
            <p>{r.message.clone()}</p>
        </div>
        <p><a href="/me/training">"Go to My training"</a></p>
    }
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Passed => "status done",
        Status::Expired | Status::DueAgain => "status overdue",
        Status::ExpiringSoon => "status soon",
        Status::InProgress => "status progress",
        Status::NotStarted => "status todo",
    }
}

/// Where an item's next step is done.
fn next_href(i: &TrainingItem) -> String {
    if let Some(first) = i.read_again.first() {
        return section_href(i, first.number);
    }
    match (i.kind, &i.next) {
        (ItemKind::Module, safety_core::learning::NextStep::TakeQuiz)
        | (ItemKind::Module, safety_core::learning::NextStep::RetakeQuiz) => {
            format!("{}/quiz", i.url)
        }
        _ => i.url.clone(),
    }
}

/// A section of a module to read again.
fn section_href(i: &TrainingItem, number: usize) -> String {
    format!("{}?section={number}", i.url)
}

/// A quiz locked after two failed attempts in a row, in plain words: the sections to read again
/// first, each a link (instead of the quiz).
fn read_again_first(i: &TrainingItem) -> impl IntoView + use<> {
    let last = i.read_again.len().saturating_sub(1);
    let links = i
        .read_again
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let sep = match n {
                0 => "",
                n if n == last => " and ",
                _ => ", ",
            };
            view! { {sep} <a href=section_href(i, s.number)>{s.title.clone()}</a> }
        })
        .collect_view();
    view! {
        <span data-testid="read-again-first">"Read the sections again before your next try: " {links} "."</span>
    }
}

// ---------------------------------------------------------------------------------------------
// My training

#[component]
pub fn MyTrainingPage() -> impl IntoView {
    let body = match use_context::<MyTraining>().map(|t| t.0) {
        Some(Ok(training)) if training.items.is_empty() => view! {
            <p data-testid="training-empty">"There is nothing you need to do. When your organisation asks you to complete training or sign a policy, it will appear here."</p>
            <p><a href="/learn">"Browse the learning pages"</a></p>
        }
        .into_any(),
        Some(Ok(training)) => {
            let next = match next_item(&training) {
                Some(i) if !i.read_again.is_empty() => view! {
                    <div class="next-step" data-testid="next-step">
                        <h2 id="next-heading">"What to do next"</h2>
                        <p><strong>{i.title.clone()}</strong> ": " {read_again_first(i)}</p>
                        <p><a class="button" href=next_href(i)>"Read again" <span class="visually-hidden">": " {i.title.clone()}</span></a></p>
                    </div>
                }
                .into_any(),
                Some(i) => view! {
                    <div class="next-step" data-testid="next-step">
                        <h2 id="next-heading">"What to do next"</h2>
                        <p><strong>{i.title.clone()}</strong> ": " {i.next_text.clone()} "."</p>
                        <p><a class="button" href=next_href(i)>{i.next_text.clone()} <span class="visually-hidden">": " {i.title.clone()}</span></a></p>
                    </div>
                }
                .into_any(),
                None => view! {
                    <div class="confirmation" data-testid="next-step">
                        <h2 id="next-heading">"What to do next"</h2>
                        <p>"Nothing: you are up to date. Well done."</p>
                    </div>
                }
                .into_any(),
            };
            let todo = training.to_do();
            let rows = training.items.into_iter().map(training_row).collect_view();
            view! {
                <section aria-labelledby="next-heading">{next}</section>
                <p>{match todo { 0 => "Everything is done.".to_string(), 1 => "1 thing to do.".to_string(), n => format!("{n} things to do.") }}</p>
                <div class="table-scroll" role="region" aria-labelledby="training-caption" tabindex="0">
                    <table class="list training stacked">
                        <caption class="visually-hidden" id="training-caption">"Your training and policies"</caption>
                        <thead><tr>
                            <th scope="col">"What"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Due"</th>
                            <th scope="col">"Score"</th>
                            <th scope="col">"Next"</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
        Some(Err(r)) => refused_view(&r).into_any(),
        None => ().into_any(),
    };
    view! {
        <Title text="My training"/>
        <h1>"My training"</h1>
        <crate::pages::easy_read::EasyReadSwitch/>
        {body}
    }
}

fn training_row(i: TrainingItem) -> impl IntoView {
    let kind = match i.kind {
        ItemKind::Module => "Module",
        ItemKind::Aup => "Policy to sign",
    };
    let due = match (&i.due_shown, i.status) {
        (Some(d), _) => d.clone(),
        (None, Status::Passed) => "No renewal needed".to_string(),
        (None, _) => "Now".to_string(),
    };
    let score = match (i.best_score, i.last_score) {
        (Some(best), Some(last)) if best != last => format!("Best {best}, last {last}"),
        (Some(best), _) => format!("{best}"),
        _ => "—".to_string(),
    };
    let older = i.older_version.then(|| {
        view! { <br/><span class="hint">"Done for version " {i.done_version.clone()} "; the current version is " {i.version.clone()} "."</span> }
    });
    let certificate = i.completion.as_ref().map(|c| {
        let href = format!("/certificates/{}", c.certificate_code);
        view! { <br/><a href=href>"Certificate" <span class="visually-hidden">" for " {i.title.clone()}</span></a> }
    });
    let signed = i.signature.as_ref().map(|s| {
        let href = format!("/aup/{}/signed/{}", i.id, s.sha256);
        view! { <br/><a href=href>"What you signed" <span class="visually-hidden">" (" {i.title.clone()} ")"</span></a> }
    });
    let next = if !i.read_again.is_empty() {
        read_again_first(&i).into_any()
    } else if i.status.is_due() {
        view! { <a href=next_href(&i)>{i.next_text.clone()} <span class="visually-hidden">": " {i.title.clone()}</span></a> }.into_any()
    } else {
        view! { <span>{i.next_text.clone()}</span> }.into_any()
    };
    view! {
        <tr data-testid=format!("training-{}", i.id)>
            <td><a href=i.url.clone()>{i.title.clone()}</a><br/><span class="hint">{kind}</span>{older}</td>
            <td data-label="Status"><span class=status_class(i.status)>{i.status.label()}</span>{certificate}{signed}</td>
            <td data-label="Due">{due}</td>
            <td data-label="Score">{score}</td>
            <td data-label="Next">{next}</td>
        </tr>
    }
}

// ---------------------------------------------------------------------------------------------
// Reading a module

/// One section of a module, with previous / next forms that save the position.
#[component]
pub fn ReadingPage(reading: Reading) -> impl IntoView {
    let r = match reading.0 {
        Ok(r) => r,
        Err(e) => {
            return view! {
                <Title text="Learning"/>
                <h1>"Learning"</h1>
                {refused_view(&e)}
            }
            .into_any();
        }
    };
    let action = format!("/learn/{}", r.module_id);
    let csrf = csrf();
    let nav_form = |to: usize, label: &'static str, class: &'static str| {
        view! {
            <form method="post" action=action.clone() class="inline-form">
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <input type="hidden" name="section" value=(to + 1).to_string()/>
                <button type="submit" class=class>{label}</button>
            </form>
        }
    };
    let previous = r
        .previous
        .map(|p| nav_form(p, "Previous", "button secondary"));
    let next = match r.next {
        Some(n) => nav_form(n, "Next", "button").into_any(),
        None => view! {
            <p>"That is the end of this module."</p>
            <a class="button" href=format!("/learn/{}/quiz", r.module_id)>"Take the quiz"</a>
        }
        .into_any(),
    };
    let heading_id = format!("section-{}", r.section.anchor);
    let labelled_by = heading_id.clone();
    let section_title = if r.section.title.is_empty() {
        "Introduction".to_string()
    } else {
        r.section.title.clone()
    };
    let minutes = match r.minutes_left {
        0 | 1 => "About 1 minute left".to_string(),
        m => format!("About {m} minutes left"),
    };
    view! {
        <Title text=format!("{} – part {} of {}", r.title, r.index + 1, r.count)/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/me/training">"My training"</a></nav>
        <article class="module reading">
            <p class="meta" data-testid="reading-position">"Part " {r.index + 1} " of " {r.count} " · " {minutes}</p>
            <h1>{r.title.clone()}</h1>
            <crate::pages::easy_read::EasyReadSwitch/>
            <progress max=r.count.to_string() value=(r.index + 1).to_string() aria-label="Your progress through this module">{r.index + 1} " of " {r.count}</progress>
            <section class="prose" aria-labelledby=labelled_by>
                <h2 id=heading_id>{section_title}</h2>
                <div inner_html=r.section.html.clone()></div>
            </section>
            <div class="reading-nav">{previous}{next}</div>
            <aside class="card card-tell" aria-labelledby="module-tell">
                <h2 id="module-tell">"Did something here worry you?"</h2>
                <p><a href="/tell">"Tell someone"</a> ". You do not have to give your name."</p>
            </aside>
        </article>
    }
    .into_any()
}

// ---------------------------------------------------------------------------------------------
// Quizzes

#[component]
pub fn QuizPage() -> impl IntoView {
    match use_context::<QuizScreen>() {
        Some(QuizScreen::Questions {
            quiz,
            chosen,
            error,
        }) => questions_view(quiz, chosen, error).into_any(),
        Some(QuizScreen::Result { result, repeat }) => result_view(result, repeat).into_any(),
        Some(QuizScreen::ReadAgain {
            module_id,
            message,
            sections,
        }) => view! {
            <Title text="Read the module again first"/>
            <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/me/training">"My training"</a></nav>
            <h1>"Read the module again first"</h1>
            <div class="notice" data-testid="read-again">
                <p>{message}</p>
                {read_again_list(&module_id, sections)}
            </div>
        }
        .into_any(),
        Some(QuizScreen::Refused(r)) => view! {
            <Title text="Quiz"/>
            <h1>"Quiz"</h1>
            {refused_view(&r)}
        }
        .into_any(),
        None => view! { <super::not_found::NotFound/> }.into_any(),
    }
}

fn questions_view(
    quiz: QuizView,
    chosen: safety_core::learning::Answers,
    error: Option<String>,
) -> impl IntoView {
    let action = format!("/learn/{}/quiz", quiz.module_id);
    let missing: Vec<String> = quiz
        .questions
        .iter()
        .filter(|q| !chosen.contains_key(&q.id))
        .map(|q| q.id.clone())
        .collect();
    let error = error.map(|e| {
        view! {
            <div class="error-summary" role="alert" tabindex="-1" data-testid="quiz-error">
                <h2>"There is a problem"</h2>
                <p>{e}</p>
            </div>
        }
    });
    let show_missing = !chosen.is_empty();
    let questions = quiz
        .questions
        .into_iter()
        .map(|q| {
            let picked = chosen.get(&q.id).cloned().unwrap_or_default();
            let unanswered = show_missing && missing.contains(&q.id);
            let legend_id = format!("legend-{}", q.id);
            let input_type = if q.multiple { "checkbox" } else { "radio" };
            // Said once: the prompt often says it already.
            let hint = q.multiple && !q.prompt_html.contains("hoose all that apply");
            let name = format!("answer-{}", q.id);
            let options = q
                .options
                .into_iter()
                .map(|o| {
                    let id = format!("{}-{}", q.id, o.id);
                    let checked = picked.contains(&o.id);
                    view! {
                        <div class="radio">
                            <input type=input_type id=id.clone() name=name.clone() value=o.id.clone() checked=checked/>
                            <label for=id inner_html=o.html></label>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="field question">
                    <legend id=legend_id>
                        <span>"Question " {q.number}</span>
                        <span class="question-prompt" inner_html=q.prompt_html></span>
                    </legend>
                    {hint.then(|| view! { <p class="hint">"Choose all that apply."</p> })}
                    {unanswered.then(|| view! { <p class="field-error">"Please answer this question."</p> })}
                    {options}
                </fieldset>
            }
        })
        .collect_view();
    view! {
        <Title text=format!("Quiz: {}", quiz.module_title)/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/me/training">"My training"</a></nav>
        <h1>"Quiz: " {quiz.module_title.clone()}</h1>
        <p class="lead">{quiz.out_of} " questions. You pass with " {quiz.pass_mark} " or more right."</p>
        {error}
        <form method="post" action=action class="quiz">
            <input type="hidden" name="csrf" value=csrf()/>
            <input type="hidden" name="attempt" value=quiz.attempt_id.clone()/>
            {questions}
            <button type="submit" class="button">"Send my answers"</button>
        </form>
    }
}

/// Links to the sections to open again, each saying whether it has been.
fn read_again_list(
    module_id: &str,
    sections: Vec<safety_core::learning::SectionToRead>,
) -> impl IntoView + use<> {
    let items = sections
        .into_iter()
        .map(|s| {
            let href = format!("/learn/{module_id}?section={}", s.number);
            let done = s
                .opened
                .then(|| view! { " " <strong class="tag">"Read again"</strong> });
            view! { <li><a href=href>{s.title}</a>{done}</li> }
        })
        .collect_view();
    view! { <ul data-testid="read-again-sections">{items}</ul> }
}

fn result_view(result: QuizResult, repeat: bool) -> impl IntoView {
    let certificate = result.completion.as_ref().map(|c| {
        let href = format!("/certificates/{}", c.certificate_code);
        view! { <p><a class="button" href=href data-testid="certificate-link">"See your certificate"</a></p> }
    });
    let verdict = if result.passed {
        view! {
            <div class="confirmation" data-testid="quiz-verdict">
                <h2>"You passed"</h2>
                <p>"You scored " {result.score} " out of " {result.out_of} "."</p>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="error-summary" data-testid="quiz-verdict">
                <h2>"Not passed this time"</h2>
                <p>"You scored " {result.score} " out of " {result.out_of} ". You need " {result.pass_mark} " to pass. Below you can see which questions you got wrong, with an explanation of each. The right answers are not shown, so that the next try still tests what you know: read the explanations, look back at the module, then try again. Each try asks questions drawn afresh from the quiz's bank, in a new order."</p>
            </div>
        }
        .into_any()
    };
    let repeat = repeat.then(|| {
        view! { <p class="notice">"These answers had already been sent: this is their result. Nothing was sent twice."</p> }
    });
    let retry_href = format!("/learn/{}/quiz", result.module_id);
    let module_href = format!("/learn/{}", result.module_id);
    let read_again = !result.read_again.is_empty();
    let retry = (!result.passed && !read_again).then(|| {
        view! {
            <p>
                <a class="button" href=retry_href data-testid="retry">"Try the quiz again"</a>
                " " <a href=module_href>"Look back at the module"</a>
            </p>
        }
    });
    let sections = result.read_again.clone();
    let read_again = (!result.passed && read_again).then(|| {
        view! {
            <div class="notice" data-testid="read-again">
                <h2>"Read these parts of the module again"</h2>
                <p>"You have not passed this quiz two times in a row. Before your next try, open each of these parts of the module and read it again. They are where the questions you missed come from. Then the quiz opens again."</p>
                {read_again_list(&result.module_id, sections)}
            </div>
        }
    });
    let questions = result
        .questions
        .into_iter()
        .map(|q| {
            let heading_id = format!("result-{}", q.id);
            let labelled_by = heading_id.clone();
            let mark = if q.correct { "Right" } else { "Not right" };
            let options = q
                .options
                .into_iter()
                .map(|o| {
                    // A question answered wrongly in an attempt that did not pass does not say
                    // which option is right (`correct` is None): only which one they chose.
                    let note = match (o.chosen, o.correct) {
                        (true, Some(true)) => "Your answer, correct",
                        (true, Some(false)) => "Your answer, not correct",
                        (true, None) => "Your answer",
                        (false, Some(true)) => "Correct answer",
                        (false, _) => "",
                    };
                    view! {
                        <li class=if o.correct == Some(true) { "correct" } else { "" }>
                            <span inner_html=o.html></span>
                            {(!note.is_empty()).then(|| view! { " " <strong class="tag">{note}</strong> })}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="question-result" aria-labelledby=labelled_by>
                    <h3 id=heading_id>"Question " {q.number} ": " {mark}</h3>
                    <div class="question-prompt" inner_html=q.prompt_html></div>
                    <ul class="options">{options}</ul>
                    <div class="explanation" inner_html=q.explanation_html></div>
                </section>
            }
        })
        .collect_view();
    view! {
        <Title text="Quiz result"/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/me/training">"My training"</a></nav>
        <h1>"Your quiz result"</h1>
        {repeat}
        {verdict}
        {certificate}
        {retry}
        {read_again}
        <h2>"Your answers"</h2>
        {questions}
        <p><a href="/me/training">"Back to My training"</a></p>
    }
}

// ---------------------------------------------------------------------------------------------
// AUPs

/// An AUP as a signed-in person reads and signs it: exactly the text that is hashed.
#[component]
pub fn AupSignPage(screen: AupScreen) -> impl IntoView {
    let doc = screen.doc.clone();
    let can_sign = screen.can_sign();
    let signature = screen.item.as_ref().and_then(|i| i.signature.clone());
    let status = signature.filter(|_| !can_sign).map(|s| {
        let when = safety_core::dates::parse(&s.signed_at)
            .map(safety_core::dates::show_date_time)
            .unwrap_or_default();
        let href = format!("/aup/{}/signed/{}", doc.id, s.sha256);
        let until = screen.item.as_ref().and_then(|i| i.due_shown.clone());
        let heading = if screen.just_signed {
            "Thank you: signed"
        } else {
            "You have signed this policy"
        };
        view! {
            <div class="confirmation" role="status" data-testid="aup-signed">
                <h2>{heading}</h2>
                <p>"Signed on " {when} " as " <strong>{s.typed_name.clone()}</strong> ", version " {s.version.clone()} "."</p>
                {until.map(|u| view! { <p>"Sign it again by " {u} "."</p> })}
                <p><a href=href>"See exactly what you signed"</a></p>
            </div>
        }
    });
    let due_note = screen.item.as_ref().filter(|_| can_sign).map(|i| {
        view! { <p class="notice" data-testid="aup-due">{i.status.label()} ": " {i.next_text.clone()} "."</p> }
    });
    let error = screen.error.clone().map(|e| {
        view! {
            <div class="error-summary" role="alert" data-testid="aup-error">
                <h2>"There is a problem"</h2>
                <p>{e}</p>
            </div>
        }
    });
    let form = can_sign.then(|| {
        let name_invalid = screen.error.is_some().then_some("true");
        view! {
            <form method="post" action=format!("/aup/{}", doc.id) class="aup-sign">
                <h2 id="sign-heading">"Sign this policy"</h2>
                <input type="hidden" name="csrf" value=csrf()/>
                <input type="hidden" name="version" value=doc.version.clone()/>
                <input type="hidden" name="sha256" value=doc.sha256.clone()/>
                <div class="field">
                    <label for="typed-name">"Type your full name"</label>
                    <p class="hint" id="typed-name-hint">"As it appears on your account."</p>
                    <input type="text" id="typed-name" name="typed_name" autocomplete="name" maxlength="200" required
                        aria-describedby="typed-name-hint" aria-invalid=name_invalid value=screen.form.typed_name.clone()/>
                </div>
                <div class="field radio">
                    <input type="checkbox" id="declaration" name="declaration" value="yes" checked=screen.form.declaration/>
                    <label for="declaration">"I have read this policy (version " {doc.version.clone()} ") and I agree to follow it."</label>
                </div>
                <button type="submit" class="button">"Sign"</button>
            </form>
        }
    });
    view! {
        <Title text=doc.title.clone()/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/me/training">"My training"</a></nav>
        <article class="aup">
            <h1>{doc.title.clone()}</h1>
            <p class="meta">"Version " {doc.version.clone()}</p>
            {error}
            {status}
            {due_note}
            {screen.what_changed.clone().filter(|_| can_sign).map(|what| view! { <crate::pages::policies::WhatChangedBox what/> })}
            <div class="prose aup-text" data-testid="aup-text" inner_html=doc.html.clone()></div>
            {form}
        </article>
    }
}

#[component]
pub fn SignedTextPage() -> impl IntoView {
    match use_context::<Result<SignedTextScreen, Refused>>() {
        Some(Ok(s)) => view! {
            <Title text=format!("What you signed: {}", s.title)/>
            <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/me/training">"My training"</a></nav>
            <h1>"What you signed: " {s.title.clone()}</h1>
            <p class="notice">"Version " {s.version.clone()} ", signed on " {s.signed_on.clone()} " as " <strong>{s.typed_name.clone()}</strong> ". This is exactly the text you read and signed."</p>
            <div class="prose aup-text" data-testid="signed-text" inner_html=s.html></div>
            <p><a href=format!("/aup/{}", s.aup_id)>"See the current version"</a></p>
        }
        .into_any(),
        Some(Err(r)) => view! {
            <Title text="What you signed"/>
            <h1>"What you signed"</h1>
            {refused_view(&r)}
        }
        .into_any(),
        None => view! { <super::not_found::NotFound/> }.into_any(),
    }
}

// ---------------------------------------------------------------------------------------------
// Certificates

#[component]
pub fn CertificatePage() -> impl IntoView {
    match use_context::<Result<CertificateScreen, Refused>>() {
        Some(Ok(c)) => {
            let qr = qr_svg(&c.verify_url);
            let validity = match (&c.valid_until, c.renewal_months) {
                (Some(until), Some(months)) => format!(
                    "Valid until {until}. Renewed every {months} month{}.",
                    if months == 1 { "" } else { "s" }
                ),
                (Some(until), None) => format!("Valid until {until}."),
                _ => "Does not need renewing.".to_string(),
            };
            view! {
            <Title text=format!("Certificate: {}", c.module_title)/>
            <nav aria-label="Breadcrumb" class="breadcrumb no-print"><a href="/me/training">"My training"</a></nav>
            <article class="certificate" data-testid="certificate">
                <p class="certificate-org" data-testid="certificate-org">{c.org_name.clone()}</p>
                <p class="certificate-kicker">"Certificate of completion"</p>
                <h1>{c.module_title.clone()}</h1>
                <p class="certificate-line">"This certifies that"</p>
                <p class="certificate-name" data-testid="certificate-name">{c.name.clone()}</p>
                <p class="certificate-line">"completed this online safety module (version " {c.module_version.clone()} ") and passed its quiz with " {c.score} " out of " {c.out_of} "."</p>
                <dl class="summary">
                    <dt>"Completed on"</dt><dd>{c.completed_on.clone()}</dd>
                    <dt>"Validity"</dt><dd data-testid="certificate-validity">{validity}</dd>
                    <dt>"Certificate code"</dt><dd><span class="code certificate-code" data-testid="certificate-code">{c.code.clone()}</span></dd>
                </dl>
                <div class="certificate-signature">
                    <p class="certificate-signatory" data-testid="certificate-signatory">{c.signatory.name.clone()}</p>
                    <p class="certificate-role">{c.signatory.role.clone()} ", " {c.org_name.clone()}</p>
                </div>
                <div class="certificate-check">
                    <div class="certificate-qr" role="img" aria-label="QR code that opens the address below" inner_html=qr></div>
                    <p>
                        "Check this certificate at "
                        <a class="certificate-url" href=c.verify_url.clone() data-testid="certificate-url">{c.verify_url.clone()}</a>
                    </p>
                </div>
            </article>
            <p class="no-print">"Use your browser's Print command to print it or save it as a PDF."</p>
            }
            .into_any()
        }
        Some(Err(r)) => view! {
            <Title text="Certificate"/>
            <h1>"Certificate"</h1>
            {refused_view(&r)}
        }
        .into_any(),
        None => view! { <super::not_found::NotFound/> }.into_any(),
    }
}

#[component]
pub fn VerifyPage() -> impl IntoView {
    let screen = use_context::<VerifyScreen>().unwrap_or(VerifyScreen::Form);
    let typed = match &screen {
        VerifyScreen::Form => String::new(),
        VerifyScreen::Found { typed, .. } | VerifyScreen::Refused { typed, .. } => typed.clone(),
    };
    let answer = match screen {
        VerifyScreen::Form => None,
        VerifyScreen::Found {
            name, what, when, ..
        } => Some(
            view! {
                <div class="confirmation" role="status" data-testid="verify-found">
                    <h2>"This certificate is genuine"</h2>
                    <dl class="summary">
                        <dt>"Name"</dt><dd data-testid="verify-name">{name}</dd>
                        <dt>"Completed"</dt><dd data-testid="verify-what">{what}</dd>
                        <dt>"On"</dt><dd data-testid="verify-when">{when}</dd>
                    </dl>
                </div>
            }
            .into_any(),
        ),
        VerifyScreen::Refused { message, .. } => Some(
            view! {
                <div class="error-summary" role="alert" data-testid="verify-refused">
                    <h2>"Not found"</h2>
                    <p>{message}</p>
                </div>
            }
            .into_any(),
        ),
    };
    view! {
        <Title text="Check a certificate"/>
        <h1>"Check a certificate"</h1>
        <p class="lead">"Type the code printed on a certificate to see who it was given to, for what, and when."</p>
        {answer}
        <form method="get" action="/verify">
            <div class="field">
                <label for="code">"Certificate code"</label>
                <p class="hint" id="code-hint">"16 letters and numbers, for example 7K2M-9QXD-4HPT-B3WN."</p>
                <input type="text" id="code" name="code" autocomplete="off" spellcheck="false" maxlength="60"
                    aria-describedby="code-hint" value=typed/>
            </div>
            <button type="submit" class="button">"Check"</button>
        </form>
    }
}

/// Who has completed a module, and which version (for the people who check completion).
#[component]
pub fn RosterPage() -> impl IntoView {
    let Some(screen) = use_context::<crate::server::learning::RosterScreen>() else {
        return ().into_any();
    };
    let roster = match screen.0 {
        Ok(r) => r,
        Err(refused) => {
            return view! {
                <Title text="Completions"/>
                <h1>"Completions"</h1>
                <div class="error-summary" role="alert"><p>{refused.message}</p></div>
            }
            .into_any();
        }
    };
    let date = |s: &str| {
        safety_core::dates::parse(s)
            .map(safety_core::dates::show_date)
            .unwrap_or_else(|| s.to_string())
    };
    let older = roster.rows.iter().filter(|r| r.older_version).count();
    let total = roster.rows.len();
    let body = if roster.rows.is_empty() {
        view! { <p data-testid="roster-empty">"Nobody has completed this module yet."</p> }
            .into_any()
    } else {
        view! {
            <p data-testid="roster-summary">
                {total} " completed. " {older} " of them completed an older version than the current " {roster.current_version.clone()} "."
            </p>
            <table class="list" data-testid="roster">
                <caption class="visually-hidden">"Each person's latest completion, oldest first"</caption>
                <thead><tr>
                    <th scope="col">"Name"</th><th scope="col">"Version"</th><th scope="col">"Score"</th>
                    <th scope="col">"Completed"</th><th scope="col">"Valid until"</th>
                </tr></thead>
                <tbody>
                    {roster.rows.into_iter().map(|r| {
                        let c = r.completion;
                        view! {
                            <tr>
                                <td>{r.name}</td>
                                <td>{c.module_version.clone()}
                                    {r.older_version.then_some(view! { <span class="tag">"older version"</span> })}</td>
                                <td>{c.score} " / " {c.out_of}</td>
                                <td>{date(&c.completed_at)}</td>
                                <td>{c.valid_until.as_deref().map(date).unwrap_or_else(|| "Does not expire".into())}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <Title text=format!("Completions of {}", roster.title)/>
        <h1>"Who has completed " {roster.title.clone()}</h1>
        <p class="meta">"Current version " {roster.current_version.clone()}</p>
        {body}
    }
    .into_any()
}

/// The QR code that opens `url`, as inline SVG drawn by the `qrcode` crate from the address
/// alone (the code in it is a parsed certificate code, the rest is the site's own address).
fn qr_svg(url: &str) -> String {
    use qrcode::render::svg;
    match qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => {
            let svg = code
                .render::<svg::Color>()
                .min_dimensions(140, 140)
                .quiet_zone(true)
                .build();
            // Inline in HTML: without the XML declaration.
            match svg.find("<svg") {
                Some(i) => svg[i..].to_string(),
                None => String::new(),
            }
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_qr_code_is_inline_svg_of_the_address() {
        let svg = super::qr_svg("https://safety.example.org/verify?code=7K2M-9QXD-4HPT-B3WN");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("<path") && svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("<?xml"));
    }
}

//! An organisation's own policies and pages: the list of what it may edit
//! (`/admin/policies`), the editor with its preview (`/admin/policies/edit`), the published
//! versions (`/admin/policies/versions`, `/admin/policies/version`), and for someone signing a
//! new major version of an AUP, "what changed" and the comparison with the text they signed
//! (`/aup/:id/compare`). Plain forms with the CSRF token; works without JavaScript.

use super::Sections;
use super::not_found::NotFound;
use crate::server::Viewer;
use crate::server::policies::{
    CompareScreen, EditorScreen, PolicyList, VersionScreen, VersionShown, VersionsScreen,
    WhatChanged,
};
use leptos::prelude::*;
use leptos_meta::Title;
use safety_core::tenancy::policies::Change;

const LIST: &str = "/admin/policies";

fn breadcrumb() -> impl IntoView {
    view! { <nav aria-label="Breadcrumb" class="breadcrumb"><a href=LIST>"Policies and pages"</a></nav> }
}

fn refused(title: &'static str, message: String) -> AnyView {
    view! {
        <Title text=title/>
        {breadcrumb()}
        <h1>{title}</h1>
        <div class="error-summary" role="alert" data-testid="refused"><p>{message}</p></div>
    }
    .into_any()
}

fn versions_href(path: &str) -> String {
    format!("/admin/policies/versions?path={}", urlencoding(path))
}

fn edit_href(path: &str) -> String {
    format!("/admin/policies/edit?path={}", urlencoding(path))
}

/// Paths are lowercase letters, digits, `-`, `.` and `/` (checked by the core): only `/` needs
/// escaping in a query, and even that is read back as it is.
fn urlencoding(path: &str) -> String {
    path.replace('/', "%2F")
}

fn change_word(c: Change) -> &'static str {
    match c {
        Change::Minor => "Minor",
        Change::Major => "Major",
        Change::New => "New page",
    }
}

/// "Your version 2 (2.0.0), published by Ada Admin on 6 December 2026, 09:00 GMT".
fn own_line(v: &VersionShown) -> String {
    format!(
        "Your version {} ({}), published by {} on {}",
        v.number, v.version, v.by, v.on
    )
}

#[component]
pub fn PoliciesPage() -> impl IntoView {
    let Some(PolicyList(groups)) = use_context::<PolicyList>() else {
        return view! { <NotFound/> }.into_any();
    };
    let groups = groups
        .into_iter()
        .filter(|g| !g.rows.is_empty() || g.id == "own-pages")
        .map(|g| {
            let heading_id = format!("{}-heading", g.id);
            let labelled = heading_id.clone();
            let empty = g.rows.is_empty().then(|| {
                view! { <p data-testid="no-own-pages">"You have not added a page of your own yet."</p> }
            });
            let rows = g
                .rows
                .into_iter()
                .map(|r| {
                    let wording = match &r.own {
                        Some(v) => own_line(v),
                        None => format!("The provided wording, version {}", r.version),
                    };
                    let tag = r.own.is_some().then(|| view! { <strong class="tag status-active">"Your own"</strong> });
                    let versions = r.own.is_some().then(|| {
                        view! { " · " <a href=versions_href(&r.path)>"Versions" <span class="visually-hidden">" of " {r.title.clone()}</span></a> }
                    });
                    view! {
                        <li data-testid=format!("policy-{}", r.path)>
                            <h3>{r.title.clone()} {tag}</h3>
                            <p class="meta">{r.audience.clone()} " · " <span data-testid="wording">{wording}</span></p>
                            <p><a href=edit_href(&r.path)>"Edit" <span class="visually-hidden">" " {r.title.clone()}</span></a> " · "
                                <a href=r.url.clone()>"Read it" <span class="visually-hidden">" (" {r.title.clone()} ")"</span></a> {versions}</p>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section aria-labelledby=labelled>
                    <h2 id=heading_id>{g.heading}</h2>
                    {empty}
                    <ul class="page-list policy-list">{rows}</ul>
                </section>
            }
        })
        .collect_view();
    view! {
        <Title text="Policies and pages"/>
        <h1>"Policies and pages"</h1>
        <p class="lead">"Use your own wording for the acceptable use policies, guides and modules, and add pages of your own."</p>
        <p>"A " <strong>"minor"</strong> " version changes the wording: signatures stay valid. A " <strong>"major"</strong>
            " version means everyone who signed must read and sign again; they see what you say changed."</p>
        <p><a href="/admin/policies/edit?new=1" class="button secondary" data-testid="add-page">"Add a page"</a></p>
        {groups}
    }
    .into_any()
}

#[component]
pub fn PolicyEditorPage() -> impl IntoView {
    let (Some(viewer), Some(EditorScreen(result, _))) =
        (use_context::<Viewer>(), use_context::<EditorScreen>())
    else {
        return view! { <NotFound/> }.into_any();
    };
    let e = match result {
        Ok(e) => e,
        Err((_, message)) => return refused("Edit a page", message),
    };
    let title = if e.is_new {
        "Add a page".to_string()
    } else {
        format!("Edit: {}", e.title)
    };
    let has_errors = !e.problems.is_empty() || e.refused.is_some();
    let here_problem = e.problems.iter().any(|p| p.here);
    // The GOV.UK error summary: each problem links to the field to fix.
    let summary = has_errors.then(|| {
        let field_of = |f: Option<&'static str>| match f {
            Some("summary") => "#summary",
            Some("change") => "#change-minor",
            Some("name") => "#page-name",
            _ => "#policy-text",
        };
        let refused = e.refused.clone().map(|r| {
            view! { <li><a href=field_of(e.refused_field)>{r}</a></li> }
        });
        let problems = e
            .problems
            .iter()
            .map(|p| {
                view! { <li><a href="#policy-text"><span class="problem-place">{p.place.clone()}</span> ": " {p.reason.clone()}</a></li> }
            })
            .collect_view();
        view! {
            <div class="error-summary" role="alert" tabindex="-1" data-testid="problems" aria-labelledby="problems-heading">
                <h2 id="problems-heading">"There is a problem"</h2>
                <p>"Nothing was published. Your text is below as you typed it."</p>
                <ul>{refused}{problems}</ul>
            </div>
        }
    });
    let current = (!e.is_new).then(|| {
        let now = match &e.own {
            Some(v) => own_line(v),
            None => format!(
                "The provided wording, version {}",
                e.current_version.clone().unwrap_or_default()
            ),
        };
        view! {
            <p class="meta" data-testid="current">"Now: " {now} "."
                {e.url.clone().map(|u| view! { " " <a href=u>"Read it as people see it"</a> })}
                {e.own.is_some().then(|| view! { " " <a href=versions_href(&e.form.path)>"See all versions"</a> })}
            </p>
        }
    });
    let name_field = e.is_new.then(|| {
        let invalid = (e.refused_field == Some("name")).then_some("true");
        view! {
            <div class="field">
                <label for="page-name">"Short name"</label>
                <p class="hint" id="page-name-hint">"Lowercase letters, digits and hyphens. It must be the same as "
                    <code>"id"</code> " in the text. The page will be at /parents/<short name>."</p>
                <input type="text" id="page-name" name="name" value=e.form.name.clone() autocomplete="off"
                    spellcheck="false" maxlength="80" aria-describedby="page-name-hint" aria-invalid=invalid/>
            </div>
        }
    });
    let text_invalid = (here_problem || e.refused_field == Some("text")).then_some("true");
    let text_error = here_problem.then(|| {
        view! { <p class="field-error" id="policy-text-error"><span class="visually-hidden">"Error: "</span>"The text has problems: see the list above."</p> }
    });
    let described = if here_problem {
        "policy-text-hint policy-text-error"
    } else {
        "policy-text-hint"
    };
    let change = if e.is_new {
        view! {
            <input type="hidden" name="change" value="new"/>
            <p>"It will be published as a new page, version 1.0.0. A guide must be for parents and carers (audience \"parents\"); add \"learners\" to list it for learners too."</p>
        }
        .into_any()
    } else {
        let radio = |value: &'static str, label: &'static str, hint: &'static str| {
            let id = format!("change-{value}");
            let hint_id = format!("{id}-hint");
            view! {
                <div class="radio">
                    <input type="radio" id=id.clone() name="change" value=value checked=e.form.change == value aria-describedby=hint_id.clone()/>
                    <label for=id>{label}</label>
                    <p class="hint" id=hint_id>{hint}</p>
                </div>
            }
        };
        view! {
            <fieldset class="field">
                <legend>"What kind of change is it?"</legend>
                {radio("minor", "Minor: wording", "Signatures and completions stay valid.")}
                {radio("major", "Major: people must sign again", "Everyone who signed must read and sign the new version. Say what changed below.")}
            </fieldset>
        }
        .into_any()
    };
    let summary_invalid = (e.refused_field == Some("summary")).then_some("true");
    let preview = e.preview.clone().map(|p| {
        let page = p.page.clone();
        view! {
            <section class="policy-preview" aria-labelledby="preview-heading" data-testid="preview">
                <h2 id="preview-heading">"Preview: " {page.title.clone()}</h2>
                <p class="notice">"Not published yet. It would be published as version " {p.version.clone()} "."</p>
                <div class="preview-page">
                    <p class="lead">{page.summary.clone()}</p>
                    <Sections page/>
                </div>
            </section>
        }
    });
    view! {
        <Title text=title.clone()/>
        {breadcrumb()}
        <h1>{title}</h1>
        {summary}
        {current}
        <form method="post" action="/admin/policies/edit" class="policy-form">
            <input type="hidden" name="csrf" value=viewer.csrf.clone()/>
            <input type="hidden" name="path" value=e.form.path.clone()/>
            {name_field}
            <div class="field">
                <label for="policy-text">"Text"</label>
                <p class="hint" id="policy-text-hint">"The front matter between the +++ lines, then the page in Markdown. "
                    "Names like {{dsl.name}} are filled in from your profile. The version number is set when you publish."</p>
                {text_error}
                <textarea id="policy-text" name="text" rows="24" spellcheck="true" class="policy-text"
                    aria-describedby=described aria-invalid=text_invalid>{crate::pages::textarea_text(&e.form.text)}</textarea>
            </div>
            {change}
            <div class="field">
                <label for="summary">"What changed"</label>
                <p class="hint" id="summary-hint">"Required for a major version (at least 10 characters): everyone who signed sees it before signing again. Optional for a minor one."</p>
                <textarea id="summary" name="summary" rows="3" maxlength="1000" aria-describedby="summary-hint"
                    aria-invalid=summary_invalid>{crate::pages::textarea_text(&e.form.summary)}</textarea>
            </div>
            <div class="button-group">
                <button type="submit" name="action" value="preview" class="button secondary">"Preview"</button>
                <button type="submit" name="action" value="publish" class="button">"Publish"</button>
            </div>
        </form>
        {preview}
    }
    .into_any()
}

#[component]
pub fn PolicyVersionsPage() -> impl IntoView {
    let Some(VersionsScreen(result)) = use_context::<VersionsScreen>() else {
        return view! { <NotFound/> }.into_any();
    };
    let v = match result {
        Ok(v) => v,
        Err((_, message)) => return refused("Versions", message),
    };
    let published = v.published.and_then(|n| v.versions.iter().find(|x| x.number == n)).map(|x| {
        view! {
            <div class="confirmation" role="status" data-testid="published">
                <h2>"Published"</h2>
                <p>"Version " {x.version.clone()} " is what people see now. "
                    <a href=v.url.clone()>"Read it as people see it"</a></p>
                {(x.change == Change::Major).then(|| view! { <p>"Everyone who signed an earlier version must sign again; they see what you said changed."</p> })}
            </div>
        }
    });
    let path = v.path.clone();
    let rows = v
        .versions
        .iter()
        .map(|x| {
            let href = format!(
                "/admin/policies/version?path={}&number={}",
                urlencoding(&path),
                x.number
            );
            let summary = if x.summary.is_empty() {
                "(none given)".to_string()
            } else {
                x.summary.clone()
            };
            view! {
                <li data-testid=format!("version-{}", x.number)>
                    <h3><a href=href>"Version " {x.version.clone()}</a> " " <span class="tag">{change_word(x.change)}</span></h3>
                    <dl class="summary">
                        <dt>"Number"</dt><dd>{x.number}</dd>
                        <dt>"What changed"</dt><dd class="what-changed-text">{summary}</dd>
                        <dt>"Published by"</dt><dd>{x.by.clone()}</dd>
                        <dt>"On"</dt><dd>{x.on.clone()}</dd>
                    </dl>
                </li>
            }
        })
        .collect_view();
    let none = v
        .versions
        .is_empty()
        .then(|| view! { <p>"You have not published a version of this page: people see the provided wording."</p> });
    let provided = v.provided_version.clone().map(|p| {
        view! { <p class="meta">"Provided wording: version " {p} "."</p> }
    });
    view! {
        <Title text=format!("Versions: {}", v.title)/>
        {breadcrumb()}
        <h1>"Versions: " {v.title.clone()}</h1>
        {published}
        <p><a href=edit_href(&v.path) class="button secondary">"Edit" <span class="visually-hidden">" " {v.title.clone()}</span></a></p>
        <h2>"Published versions, newest first"</h2>
        {none}
        <ul class="page-list">{rows}</ul>
        {provided}
    }
    .into_any()
}

#[component]
pub fn PolicyVersionPage() -> impl IntoView {
    let Some(VersionScreen(result)) = use_context::<VersionScreen>() else {
        return view! { <NotFound/> }.into_any();
    };
    let v = match result {
        Ok(v) => v,
        Err((_, message)) => return refused("Version", message),
    };
    let x = v.version.clone();
    view! {
        <Title text=format!("{}: version {}", v.title, x.version)/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href=LIST>"Policies and pages"</a> " › "
            <a href=versions_href(&v.path)>"Versions"</a></nav>
        <h1>{v.title.clone()} ": version " {x.version.clone()}</h1>
        <dl class="summary">
            <dt>"Kind of change"</dt><dd>{change_word(x.change)}</dd>
            <dt>"What changed"</dt><dd>{if x.summary.is_empty() { "(none given)".to_string() } else { x.summary.clone() }}</dd>
            <dt>"Published by"</dt><dd>{x.by.clone()}</dd>
            <dt>"On"</dt><dd>{x.on.clone()}</dd>
        </dl>
        <h2>"The text as published"</h2>
        <pre class="policy-source" data-testid="version-text" tabindex="0" aria-label="The text as published">{v.text.clone()}</pre>
    }
    .into_any()
}

/// "What changed" on an AUP page, for someone who must sign a new major version the
/// organisation published, with the link to compare it with the version they signed.
#[component]
pub fn WhatChangedBox(what: WhatChanged) -> impl IntoView {
    let paragraphs = what
        .summary
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| view! { <p class="what-changed-text">{p.to_string()}</p> })
        .collect_view();
    view! {
        <section class="what-changed" aria-labelledby="what-changed-heading" data-testid="what-changed">
            <h2 id="what-changed-heading">"What changed in version " {what.version.clone()}</h2>
            <p class="hint">"You signed version " {what.signed_version.clone()} ". " {what.by.clone()} " published this version on " {what.on.clone()} " and says:"</p>
            {paragraphs}
            <p><a href=what.compare_url.clone() data-testid="compare-link">"Compare with the version you signed"</a></p>
        </section>
    }
}

#[component]
pub fn AupComparePage() -> impl IntoView {
    let Some(CompareScreen(result)) = use_context::<CompareScreen>() else {
        return view! { <NotFound/> }.into_any();
    };
    let c = match result {
        Ok(c) => c,
        Err(r) => {
            return view! {
                <Title text="Compare versions"/>
                <nav aria-label="Breadcrumb" class="breadcrumb"><a href="/me/training">"My training"</a></nav>
                <h1>"Compare versions"</h1>
                <div class="error-summary" role="alert" data-testid="refused"><p>{r.message}</p></div>
            }
            .into_any();
        }
    };
    let old_label = format!("The version you signed ({})", c.signed_version);
    let new_label = format!("The current version ({})", c.current_version);
    let render = |r: &safety_core::tenancy::compare::Row| {
        if r.same {
            let html = r.new.clone().unwrap_or_default();
            return view! {
                <div class="compare-row compare-same">
                    <div class="compare-cell compare-both">
                        <p class="compare-label">"In both versions"</p>
                        <div class="prose" inner_html=html></div>
                    </div>
                </div>
            }
            .into_any();
        }
        let old = match r.old.clone() {
                Some(html) => view! {
                    <div class="compare-cell compare-old">
                        <p class="compare-label"><strong class="tag compare-tag-removed">"Removed"</strong> " from the version you signed"</p>
                        <del class="prose" data-testid="removed" inner_html=html></del>
                    </div>
                }
                .into_any(),
                None => view! { <div class="compare-cell compare-old compare-empty" aria-hidden="true"></div> }.into_any(),
            };
        let new = match r.new.clone() {
                Some(html) => view! {
                    <div class="compare-cell compare-new">
                        <p class="compare-label"><strong class="tag compare-tag-added">"Added"</strong> " in the current version"</p>
                        <ins class="prose" data-testid="added" inner_html=html></ins>
                    </div>
                }
                .into_any(),
                None => view! { <div class="compare-cell compare-new compare-empty" aria-hidden="true"></div> }.into_any(),
            };
        view! { <div class="compare-row compare-changed">{old}{new}</div> }.into_any()
    };
    // Long stretches in both versions folded, so the changes are not lost among them.
    let rows = safety_core::tenancy::compare::folded(&c.rows)
        .into_iter()
        .map(|shown| match shown {
            safety_core::tenancy::compare::Shown::Row(i) => render(&c.rows[i]),
            safety_core::tenancy::compare::Shown::Folded(range) => {
                let n = range.len();
                let folded = c.rows[range].iter().map(render).collect_view();
                view! {
                    <details class="compare-fold" data-testid="compare-fold">
                        <summary>{format!("Show {n} paragraphs that are the same in both versions")}</summary>
                        {folded}
                    </details>
                }
                .into_any()
            }
        })
        .collect_view();
    let counts = format!(
        "{} paragraph{} removed and {} added.",
        c.removed,
        if c.removed == 1 { "" } else { "s" },
        c.added
    );
    let what = c.what_changed.clone().map(|w| {
        let paragraphs = w
            .summary
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| view! { <p class="what-changed-text">{p.to_string()}</p> })
            .collect_view();
        view! {
            <section class="what-changed" aria-labelledby="what-changed-heading" data-testid="what-changed">
                <h2 id="what-changed-heading">"What " {w.by.clone()} " says changed"</h2>
                {paragraphs}
            </section>
        }
    });
    view! {
        <Title text=format!("Compare versions: {}", c.title)/>
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href=format!("/aup/{}", c.aup_id)>{c.title.clone()}</a></nav>
        <h1>"Compare versions: " {c.title.clone()}</h1>
        <p class="lead">"You signed version " {c.signed_version.clone()} " on " {c.signed_on.clone()} ". The current version is "
            {c.current_version.clone()} ". " <span data-testid="compare-counts">{counts}</span></p>
        {what}
        <div class="compare" data-testid="compare">
            <div class="compare-row compare-head" aria-hidden="true">
                <p class="compare-cell">{old_label}</p>
                <p class="compare-cell">{new_label}</p>
            </div>
            {rows}
        </div>
        <p><a href=format!("/aup/{}", c.aup_id) class="button">"Back to the policy to sign it"</a></p>
    }
    .into_any()
}

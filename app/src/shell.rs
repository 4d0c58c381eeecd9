//! The HTML document around every page (the pages' routes are in `routes.rs`).

use crate::layout::Layout;
use crate::server::SiteState;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::Router;

/// The pages that load the islands' bundle; every other page ships no JavaScript. None does now:
/// module contents are a `<details>`, and the worry form's island (about 200 KB gzip of WASM
/// and JS) is not worth its weight against the 60 KB budget for `/tell`: the plain form sends,
/// keeps what was typed and explains refusals on its own. An island is added here only when
/// what it adds justifies its size (budgets: `functions/web/tests/it/budgets.rs`).
const ISLAND_PAGES: &[&str] = &[];

fn needs_islands(path: &str) -> bool {
    ISLAND_PAGES.contains(&path)
}

pub fn shell(site: SiteState) -> impl IntoView {
    // Islands mode: only islands hydrate, so the rest of the page carries no hydration markers.
    if let Some(sc) = Owner::current_shared_context() {
        sc.set_is_hydrating(false);
    }
    let path = use_context::<http::request::Parts>()
        .map(|p| p.uri.path().to_string())
        .unwrap_or_default();
    let boot = site.assets.boot_js.clone().filter(|_| needs_islands(&path));
    let css = site.assets.css.clone();
    let description = format!(
        "Online safety at {}: short modules and quizzes, guidance for parents and carers, and a safe way to tell someone about a worry, with or without your name.",
        site.org.name
    );
    let form_origins = site.form_origins();
    provide_context(site);
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        let nonce = leptos::nonce::use_nonce().map(|n| n.as_inner().to_string());
        let csp = crate::server::content_security_policy(nonce.as_deref(), &form_origins);
        if let Ok(value) = http::HeaderValue::from_str(&csp) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    view! {
        <!DOCTYPE html>
        <html lang="en-GB">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="referrer" content="same-origin"/>
                <meta name="description" content=description/>
                // a small SVG shield, inline: no request, and no /favicon.ico asked for
                <link rel="icon" type="image/svg+xml" href=FAVICON/>
                {css.map(|href| view! { <link rel="stylesheet" href=href/> })}
                {boot.map(|src| view! { <script type="module" src=src></script> })}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The favicon: a white shield on the brand's blue, as an inline SVG (the CSP allows `data:`
/// images).
const FAVICON: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='6' fill='%231d4f91'/%3E%3Cpath d='M16 5l9 3.5v7c0 5.6-3.8 9.8-9 11.5-5.2-1.7-9-5.9-9-11.5v-7z' fill='%23fff'/%3E%3Cpath d='M11.5 16l3 3 6-6.5' fill='none' stroke='%231d4f91' stroke-width='2.6' stroke-linecap='round' stroke-linejoin='round'/%3E%3C/svg%3E";

/// The service's name, as the home page's title and after every other page's: "Page – Online
/// safety at <organisation>".
pub fn service_name(site: &SiteState) -> String {
    format!("Online safety at {}", site.org.name)
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let service = service_name(&expect_context::<SiteState>());
    let formatter = move |page: String| {
        if page.is_empty() || page == service {
            service.clone()
        } else {
            format!("{page} – {service}")
        }
    };
    view! {
        <Title formatter/>
        <Router>
            <Layout>
                <crate::routes::PageRoutes/>
            </Layout>
        </Router>
    }
}

//! The Leptos UI. Pages are rendered on the server only; the few interactive parts are islands,
//! hydrated in the browser, so a content page ships no JavaScript at all. Every form is also a
//! plain HTML form that works with JavaScript off.
//!
//! * `model`: the serialisable types shared by server and browser;
//! * `api`: server functions (called by islands; run on the server);
//! * `islands`: the interactive components (compiled for both);
//! * `server`, `shell`, `layout`, `pages`: server-only rendering;
//! * `routes`: every page's address, declared once (the app's routes and the web function's).

pub mod api;
pub mod islands;
pub mod model;

#[cfg(feature = "ssr")]
mod layout;
#[cfg(feature = "ssr")]
mod pages;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod shell;

/// The browser entry point: hydrates every island on the page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}

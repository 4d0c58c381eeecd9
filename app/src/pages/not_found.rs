use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <h1>"Page not found"</h1>
        <p>"We could not find that page. It may have moved, or the address may have a typing mistake."</p>
        <ul>
            <li><a href="/">"Go to the home page"</a></li>
            <li><a href="/parents">"Guidance for parents and carers"</a></li>
            <li><a href="/tell">"Tell someone about a worry"</a></li>
        </ul>
    }
}

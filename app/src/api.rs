//! Server functions: the islands call these with JavaScript on. With JavaScript off the same
//! forms post to the page's own address and the `web` function calls the same code.

use crate::model::TellOutcome;
use leptos::prelude::*;

/// Sends the worry form. Field names match the HTML form's, so the browser can post the form's
/// own data.
#[server(prefix = "/api", endpoint = "tell")]
pub async fn submit_worry(
    token: String,
    text: String,
    urgency: Option<String>,
) -> Result<TellOutcome, ServerFnError> {
    let site = expect_context::<crate::server::SiteState>();
    let address = use_context::<crate::server::ClientAddress>().unwrap_or_default();
    let form = crate::server::TellForm {
        token,
        text,
        urgency,
    };
    Ok(crate::server::tell(&site, form, &address.0).await.0)
}

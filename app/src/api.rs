//! Server functions: the islands call these with JavaScript on. With JavaScript off the same
//! forms post to the page's own address and the `web` function calls the same code.

use crate::model::TellOutcome;
use leptos::prelude::*;

/// Sends the worry form. Field names match the HTML form's, so the browser can post the form's
/// own data.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "tell")]
pub async fn submit_worry(
    token: String,
    text: String,
    urgency: Option<String>,
    about: Option<String>,
    involves: Option<String>,
    email_replies: Option<String>,
    kind: Option<String>,
    wants_contact: Option<String>,
    contact_how: Option<String>,
    identity: Option<String>,
    csrf: Option<String>,
) -> Result<TellOutcome, ServerFnError> {
    let site = expect_context::<crate::server::SiteState>();
    let address = use_context::<crate::server::ClientAddress>().unwrap_or_default();
    let viewer = use_context::<crate::server::Viewer>();
    let form = crate::server::worries::TellForm {
        token,
        text,
        urgency,
        about,
        involves,
        email_replies,
        kind,
        wants_contact,
        contact_how: contact_how.unwrap_or_default(),
        identity,
        csrf,
    };
    Ok(
        crate::server::worries::tell(&site, form, &address.0, viewer.as_ref())
            .await
            .0,
    )
}

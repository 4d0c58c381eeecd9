//! Server functions: the islands call these with JavaScript on. With JavaScript off the same
//! forms post to the page's own address and the `web` function calls the same code.

use crate::model::{TellForm, TellOutcome};
use leptos::prelude::*;

/// Sends the worry form. The form's own fields are the function's (flattened), so the browser
/// can post the form's own data.
#[server(prefix = "/api", endpoint = "tell")]
pub async fn submit_worry(#[server(flatten)] form: TellForm) -> Result<TellOutcome, ServerFnError> {
    let site = expect_context::<crate::server::SiteState>();
    let address = use_context::<crate::server::ClientAddress>().unwrap_or_default();
    let viewer = use_context::<crate::server::Viewer>();
    Ok(
        crate::server::worries::tell(&site, form, &address.0, viewer.as_ref())
            .await
            .0,
    )
}

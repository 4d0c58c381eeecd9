//! Reading configuration from the environment (twelve-factor), shared by the functions so that
//! they read the same variables the same way (README.md lists every variable).

/// A variable's value, trimmed; unset and empty are the same.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The content compiled in and the profile of the organisation `APP_ORG` names (default
/// `demo`), as the `notify` and `reminders` functions start with.
pub fn library_and_org() -> Result<(crate::content::Library, crate::org::OrgProfile), String> {
    let org_name = var("APP_ORG").unwrap_or_else(|| "demo".into());
    load_library_and_org(None, &org_name).map_err(|e| format!("APP_ORG: {e}"))
}

/// The content (compiled in, or an edited copy in `content_dir`) if it passes the check, and
/// the profile of the organisation `org`.
pub fn load_library_and_org(
    content_dir: Option<&std::path::Path>,
    org: &str,
) -> Result<(crate::content::Library, crate::org::OrgProfile), String> {
    let loaded = match content_dir {
        Some(dir) => crate::content::load_dir(dir),
        None => crate::content::load_embedded(),
    };
    let library = loaded.map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        format!("the content does not pass the check:\n{}", list.join("\n"))
    })?;
    let profile = library
        .org(org)
        .cloned()
        .ok_or_else(|| format!("no organisation profile `{org}` in content/organisations"))?;
    Ok((library, profile))
}

/// The mailer of a function that sends email: files in `APP_OUTBOX_DIR` (trying it out), else SES
/// as `APP_MAIL_FROM`; `what` names the emails in the error when neither is set.
pub fn mailer(what: &str) -> Result<crate::identity::AnyMailer, String> {
    use crate::identity::ses::{SesConfig, SesMailer};
    use crate::identity::{AnyMailer, OutboxMailer};
    match (var("APP_OUTBOX_DIR"), var("APP_MAIL_FROM")) {
        (Some(dir), _) => Ok(AnyMailer::Outbox(OutboxMailer::new(dir))),
        (None, Some(from)) => Ok(AnyMailer::Ses(Box::new(SesMailer::new(
            SesConfig::from_env(from)?,
            crate::http_client::HttpClient::new(),
        )))),
        (None, None) => Err(format!(
            "APP_MAIL_FROM must be set (the SES sender of the {what})"
        )),
    }
}

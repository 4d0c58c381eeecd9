//! Reading configuration from the environment (twelve-factor), shared by the functions so that
//! they read the same variables the same way (README.md lists every variable).

use std::cell::RefCell;
use std::collections::HashMap;

thread_local! {
    /// Variables that replace the whole environment on this thread, while [`with_vars`] runs.
    static OVERRIDE: RefCell<Option<HashMap<String, String>>> = const { RefCell::new(None) };
}

/// A variable's value, trimmed; unset and empty are the same.
pub fn var(name: &str) -> Option<String> {
    let value = OVERRIDE.with(|o| o.borrow().as_ref().map(|vars| vars.get(name).cloned()));
    value
        .unwrap_or_else(|| std::env::var(name).ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Every set variable whose name starts with `prefix`, trimmed (empty ones left out), as
/// [`var`] would read each.
pub fn vars_with_prefix(prefix: &str) -> Vec<(String, String)> {
    let all: Vec<(String, String)> = OVERRIDE
        .with(|o| {
            o.borrow()
                .as_ref()
                .map(|vars| vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        })
        .unwrap_or_else(|| std::env::vars().collect());
    all.into_iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(k, v)| (k, v.trim().to_string()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// Runs `f` with `vars` as the whole environment seen by [`var`] on this thread (nothing of the
/// process's own environment shows through): how a test starts a function in its own process
/// with a configuration of its own, as if it were a fresh process.
pub fn with_vars<R>(vars: &[(&str, String)], f: impl FnOnce() -> R) -> R {
    let map = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let before = OVERRIDE.with(|o| o.borrow_mut().replace(map));
    let result = f();
    OVERRIDE.with(|o| *o.borrow_mut() = before);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_vars_replaces_the_whole_environment_on_this_thread_only() {
        assert!(var("PATH").is_some(), "the process environment is read");
        with_vars(
            &[("APP_X", " set ".into()), ("APP_EMPTY", "".into())],
            || {
                assert_eq!(var("APP_X").as_deref(), Some("set"));
                assert_eq!(var("APP_EMPTY"), None);
                assert_eq!(var("PATH"), None, "nothing of the process shows through");
                assert_eq!(
                    vars_with_prefix("APP_"),
                    [("APP_X".to_string(), "set".to_string())],
                    "the overriding variables, trimmed, empty ones left out"
                );
                let other = std::thread::spawn(|| var("APP_X")).join().unwrap();
                assert_eq!(other, None, "another thread sees its own environment");
            },
        );
        assert!(var("PATH").is_some(), "restored afterwards");
    }
}

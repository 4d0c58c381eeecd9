//! Reading configuration from the environment (twelve-factor), shared by the functions so that
//! they read the same variables the same way (README.md lists every variable).

/// A variable's value, trimmed; unset and empty are the same.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

//! `check-content [DIR]`: checks every file in the content folder (default `content/`) and
//! prints each problem as `file:line: reason`. Exits 1 when there is any.

fn main() -> std::process::ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "content".into());
    match safety_core::content::load_dir(std::path::Path::new(&dir)) {
        Ok(lib) => {
            println!(
                "content OK: {} pages ({} modules, {} guidance), {} organisation(s), {} help services",
                lib.pages.len(),
                lib.pages_of(safety_core::content::Kind::Module).count(),
                lib.pages_of(safety_core::content::Kind::Guidance).count(),
                lib.orgs.len(),
                lib.help.len()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!("content check failed: {} problem(s)", problems.len());
            std::process::ExitCode::FAILURE
        }
    }
}

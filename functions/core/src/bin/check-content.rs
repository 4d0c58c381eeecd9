//! `check-content [DIR]`: checks every file in the content folder (default `content/`), prints
//! each problem as `file:line: reason` and exits 1 when there is any. When all is well it prints
//! every page with its minutes, questions and reading score, and any warnings.

use safety_core::content::{Kind, load_dir};

fn main() -> std::process::ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "content".into());
    match load_dir(std::path::Path::new(&dir)) {
        Ok(lib) => {
            println!(
                "{:<7} {:<48} {:>4} {:>9} {:>8}  audience",
                "kind", "id", "min", "questions", "reading"
            );
            let mut pages: Vec<_> = lib.pages.iter().collect();
            pages.sort_by_key(|p| (format!("{:?}", p.kind), p.id.clone()));
            for p in pages {
                println!(
                    "{:<7} {:<48} {:>4} {:>9} {:>8}  {:?}",
                    format!("{:?}", p.kind).to_lowercase(),
                    p.id,
                    p.minutes,
                    p.quiz
                        .as_ref()
                        .map(|q| format!("{} ({})", q.questions.len(), q.pass_mark))
                        .unwrap_or_default(),
                    p.reading_ease
                        .map(|r| format!("{r:.0}"))
                        .unwrap_or_default(),
                    p.audience
                );
            }
            for w in &lib.warnings {
                println!("{w}");
            }
            let count = |k: Kind| lib.pages_of(k).count();
            println!(
                "content OK: {} modules, {} quizzes, {} guides, {} AUPs, {} organisation(s), {} help services",
                count(Kind::Module),
                count(Kind::Quiz),
                count(Kind::Guide),
                count(Kind::Aup),
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

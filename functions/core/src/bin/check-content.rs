//! `check-content [DIR]`: checks every file in the content folder (default `content/`), prints
//! each problem as `file:line: reason` and exits 1 when there is any. When all is well it prints
//! every page with its minutes, questions, reading score and (quizzes) in how many single-answer
//! questions the correct option is the only longest, and any warnings: a review due within 60
//! days is a warning; a review date that has passed fails the check (the server still serves it).

use safety_core::content::{Kind, load_dir, quiz::longest_is_correct};

fn main() -> std::process::ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "content".into());
    match load_dir(std::path::Path::new(&dir)) {
        Ok(lib) => {
            println!(
                "{:<7} {:<48} {:>4} {:>9} {:>8} {:>8}  audience",
                "kind", "id", "min", "questions", "reading", "longest"
            );
            let mut pages: Vec<_> = lib.pages.iter().collect();
            pages.sort_by_key(|p| (format!("{:?}", p.kind), p.id.clone()));
            for p in pages {
                println!(
                    "{:<7} {:<48} {:>4} {:>9} {:>8} {:>8}  {:?}",
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
                    p.quiz
                        .as_ref()
                        .map(|q| {
                            let (longest, single) = longest_is_correct(q);
                            format!("{longest}/{single}")
                        })
                        .unwrap_or_default(),
                    p.audience
                );
            }
            // Easy-read versions (learners who read easy read see these instead), with the
            // reading score of the page each retells.
            for p in &lib.easy_read {
                let standard = lib
                    .page(p.kind, &p.id)
                    .and_then(|s| s.reading_ease)
                    .map(|r| format!("{r:.0}"))
                    .unwrap_or_default();
                println!(
                    "{:<7} {:<48} {:>4} {:>9} {:>8} {:>8}  easy read (standard page: {standard})",
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
                    p.quiz
                        .as_ref()
                        .map(|q| {
                            let (longest, single) = longest_is_correct(q);
                            format!("{longest}/{single}")
                        })
                        .unwrap_or_default(),
                );
            }
            for w in &lib.warnings {
                println!("{w}");
            }
            let overdue = lib
                .warnings
                .iter()
                .filter(|w| w.is_overdue_review())
                .count();
            if overdue > 0 {
                eprintln!(
                    "content check failed: {overdue} review date(s) passed (the content still serves; review it and move the dates on)"
                );
                return std::process::ExitCode::FAILURE;
            }
            let count = |k: Kind| lib.pages_of(k).count();
            println!(
                "content OK: {} modules, {} quizzes, {} guides, {} AUPs ({} easy-read versions), {} organisation(s), {} help services",
                count(Kind::Module),
                count(Kind::Quiz),
                count(Kind::Guide),
                count(Kind::Aup),
                lib.easy_read.len(),
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

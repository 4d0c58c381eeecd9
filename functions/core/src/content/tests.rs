use super::*;

const ORG: &str = r#"
id = "demo"
name = "Demo College"
kind = "college"
out_of_hours = "Call 01632 960999."
[dsl]
name = "Sam Lee"
title = "Designated Safeguarding Lead"
phone = "01632 960100"
email = "dsl@demo.example.org"
[allegations_lead]
name = "Pat Kay"
title = "Principal"
phone = "01632 960101"
email = "principal@demo.example.org"
[local]
authority = "Example County Council"
lado_phone = "01632 960200"
front_door_phone = "01632 960201"
"#;

const HELP: &str = r#"
[[service]]
id = "emergency"
name = "Police emergency"
phone = "999"
description = "If someone is in danger now."
[[service]]
id = "ceop"
name = "CEOP"
url = "https://www.ceop.police.uk/Safety-Centre/"
description = "Report online sexual abuse."
[[service]]
id = "childline"
name = "Childline"
phone = "0800 1111"
description = "Talk to someone."
"#;

fn page(id: &str, extra_body: &str) -> String {
    format!(
        "+++\nid = \"{id}\"\nkind = \"guidance\"\naudience = [\"parents\"]\ntitle = \"Talking with {{{{org.name}}}}\"\nsummary = \"S\"\nversion = \"1.0.0\"\nsource = \"Kent policy, section 8\"\nlast_reviewed = 2026-01-01\nnext_review = 2027-01-01\nminutes = 5\n+++\n## First\n\nAsk {{{{dsl.name}}}} on {{{{dsl.phone}}}}.\n{extra_body}"
    )
}

fn files(pages: &[(&str, String)]) -> Vec<SourceFile> {
    let mut out = vec![
        SourceFile {
            path: "organisations/demo.toml".into(),
            text: ORG.into(),
        },
        SourceFile {
            path: "help.toml".into(),
            text: HELP.into(),
        },
    ];
    for (path, text) in pages {
        out.push(SourceFile {
            path: path.to_string(),
            text: text.clone(),
        });
    }
    out
}

fn problems(pages: &[(&str, String)]) -> Vec<String> {
    load(files(pages))
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_valid_page_loads_and_substitutes_the_organisation() {
    let lib = load(files(&[(
        "guidance/talk.md",
        page("talk", "\nSee [more](/tell).\n"),
    )]))
    .unwrap();
    let org = lib.org("demo").unwrap();
    let p = lib.page(Kind::Guidance, "talk").unwrap().for_org(org);
    assert_eq!(p.title, "Talking with Demo College");
    assert_eq!(p.url(), "/parents/talk");
    assert!(
        p.sections[0].html.contains("Ask Sam Lee on 01632 960100."),
        "{:?}",
        p.sections
    );
}

#[test]
fn problems_name_the_file_and_line() {
    let found = problems(&[
        (
            "guidance/a.md",
            page(
                "a",
                "\n<b>bold</b>\n\n[x](/parents/nowhere)\n\n{{dsl.shoe}}\n",
            ),
        ),
        ("guidance/b.md", page("a", "")),
    ]);
    let expect = [
        "content/guidance/a.md:17: raw HTML is not allowed",
        "content/guidance/a.md:19: link to `/parents/nowhere` does not resolve",
        "content/guidance/a.md:21: unknown placeholder `{{dsl.shoe}}`",
        "content/guidance/b.md:2: id `a` must match the file name `b.md`",
        "content/guidance/b.md:2: id `a` is already used by guidance/a.md",
    ];
    for e in expect {
        assert!(
            found.iter().any(|f| f.starts_with(e)),
            "expected `{e}` in {found:#?}"
        );
    }
}

#[test]
fn front_matter_errors_point_at_the_field() {
    let bad = page("c", "").replace("audience = [\"parents\"]", "audience = [\"aliens\"]");
    let found = problems(&[("guidance/c.md", bad)]);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("content/guidance/c.md:4:") && f.contains("aliens")),
        "{found:#?}"
    );

    let missing = "## no front matter\n".to_string();
    let found = problems(&[("guidance/d.md", missing)]);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("content/guidance/d.md:1: missing front matter")),
        "{found:#?}"
    );

    let unknown_field = page("e", "").replace("minutes = 5", "minutes = 5\ncolour = \"red\"");
    let found = problems(&[("guidance/e.md", unknown_field)]);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("content/guidance/e.md:12:") && f.contains("colour")),
        "{found:#?}"
    );
}

#[test]
fn modules_need_sections_and_review_dates_must_move_forward() {
    let module = page("m", "")
        .replace("kind = \"guidance\"", "kind = \"module\"")
        .replace("next_review = 2027-01-01", "next_review = 2025-01-01");
    let found = problems(&[("guidance/m.md", module)]);
    assert!(
        found
            .iter()
            .any(|f| f.contains(":3: a module page belongs under content/modules/")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.contains(":10: next_review must be after last_reviewed")),
        "{found:#?}"
    );
}

#[test]
fn the_repository_content_passes_the_check() {
    if let Err(problems) = load_embedded() {
        panic!(
            "content problems:\n{}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

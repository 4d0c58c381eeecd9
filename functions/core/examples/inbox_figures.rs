//! Figures for the handlers' inbox (a benchmark, not a test): store round trips and time per
//! inbox page, the inbox counts and the case page's reassign list with 10,000 open worries in an
//! organisation of 5,300 people, on the embedded store, and on DynamoDB when `DYNAMODB_ENDPOINT`
//! is set (e.g. DynamoDB Local: a fresh table is created).
//!
//! `cargo run --release -p safety-core --example inbox_figures` (scripts/bench.sh runs it).
//! `FIGURES_WORRIES` / `FIGURES_PEOPLE` change the size.

mod stores;

use chrono::{Duration, Utc};
use safety_core::crypto::Secret;
use safety_core::identity::{NewPerson, import, people};
use safety_core::org::OrgId;
use safety_core::roles::Role;
use safety_core::store::Store;
use safety_core::store::counting::CountingStore;
use safety_core::worry::code::FormToken;
use safety_core::worry::inbox::{self, Filter};
use safety_core::worry::{self, FORM_PURPOSE, Sender, WorryInput};
use std::time::Instant;

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    stores::on_each_store("inbox-figures", |name, store| {
        run(name, CountingStore::new(store))
    })
    .await;
}

async fn run<S: Store>(name: &str, store: CountingStore<S>) {
    let org = OrgId::parse("figures").unwrap();
    let secret = Secret::new("inbox-figures-secret-inbox-figures-secret").unwrap();
    let kinds = safety_core::content::load_embedded()
        .expect("the content")
        .worry_kinds;
    let now = Utc::now();
    let worries = size("FIGURES_WORRIES", 10_000);
    let everyone = size("FIGURES_PEOPLE", 5_300);
    // What the local start-up does: the inbox counters and the index of safeguarding roles,
    // built once for the (empty) organisation, then kept by every write.
    worry::counts::ensure_counters(&store, &org, now)
        .await
        .expect("the counters");
    let dsl = people::invite(
        &store,
        &org,
        &NewPerson {
            email: "dsl@figures.example.org".into(),
            name: "Figures DSL".into(),
            roles: vec![Role::Dsl, Role::Staff],
            groups: vec![],
        },
        now,
    )
    .await
    .expect("the DSL");
    for (n, roles) in [
        vec![Role::DeputyDsl, Role::Staff],
        vec![Role::DeputyDsl, Role::Staff],
        vec![Role::AllegationsLead, Role::Staff],
        vec![Role::Chair],
    ]
    .into_iter()
    .enumerate()
    {
        people::invite(
            &store,
            &org,
            &NewPerson {
                email: format!("lead{n}@figures.example.org"),
                name: format!("Figures Lead {n}"),
                roles,
                groups: vec![],
            },
            now,
        )
        .await
        .expect("a safeguarding lead");
    }
    let started = Instant::now();
    let writes = store.writes();
    for i in 0..worries {
        let at = now - Duration::minutes((worries - i) as i64);
        let input = WorryInput {
            text: format!("Figures worry {i}"),
            urgency: Some(if i % 10 == 0 { "urgent" } else { "soon" }.into()),
            about: Some("me".into()),
            involves: Some(if i % 20 == 0 { "staff" } else { "nobody" }.into()),
            email_replies: None,
            kind: Some(kinds[i % kinds.len()].id.clone()),
            wants_contact: Some("no".into()),
            contact_how: String::new(),
        };
        let token = FormToken::issue(&secret, FORM_PURPOSE, at.timestamp());
        worry::submit(
            &store,
            &org,
            &secret,
            &token,
            &input,
            &kinds,
            &Sender::Anonymous,
            at,
        )
        .await
        .expect("a worry");
    }
    println!(
        "{name}: {worries} worries stored in {:.1} s ({} write requests)",
        started.elapsed().as_secs_f64(),
        store.writes() - writes
    );
    // The rest of the organisation (after the worries, so that storing them measures the
    // worries, not the routing's read of the people): an import, as an admin would.
    let started = Instant::now();
    let mut done = 5;
    while done < everyone {
        let mut csv = String::from("email,name,roles,groups\n");
        for n in done..everyone.min(done + 5_000) {
            let roles = if n % 18 == 0 { "staff" } else { "learner" };
            csv.push_str(&format!(
                "p{n}@figures.example.org,Person {n:05},{roles},Year {}\n",
                7 + n % 5
            ));
        }
        let preview = import::preview(&store, &org, &csv).await.expect("preview");
        import::apply(&store, &org, &preview, now, |_, _| {})
            .await
            .expect("import");
        done += 5_000;
    }
    println!(
        "{name}: {everyone} people in the organisation (imported in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    let measure = |label: &'static str, reads_before: usize, t: Instant, rows: usize| {
        println!(
            "{name}: {label}: {} store round trips, {rows} rows, {:.2} ms",
            store.reads() - reads_before,
            t.elapsed().as_secs_f64() * 1000.0
        );
    };
    let (r, t) = (store.reads(), Instant::now());
    let first = inbox::list(
        &store,
        &org,
        &dsl,
        &Filter::default(),
        inbox::Order::NewestFirst,
        None,
        now,
    )
    .await
    .unwrap();
    measure("inbox page 1 (list)", r, t, first.rows.len());
    let (r, t) = (store.reads(), Instant::now());
    let second = inbox::list(
        &store,
        &org,
        &dsl,
        &Filter::default(),
        inbox::Order::NewestFirst,
        first.next.as_deref(),
        now,
    )
    .await
    .unwrap();
    measure("inbox page 2 (list)", r, t, second.rows.len());
    let (r, t) = (store.reads(), Instant::now());
    let kind = Filter {
        kind: Some(kinds[1].id.clone()),
        within_days: Some(7),
        ..Filter::default()
    };
    let filtered = inbox::list(
        &store,
        &org,
        &dsl,
        &kind,
        inbox::Order::NewestFirst,
        None,
        now,
    )
    .await
    .unwrap();
    measure("inbox page 1 filtered by kind", r, t, filtered.rows.len());
    let (r, t) = (store.reads(), Instant::now());
    let counts = inbox::counts(&store, &org, &dsl, now, 30).await.unwrap();
    measure(
        "inbox counts from the counters (rows: open worries counted)",
        r,
        t,
        counts.open,
    );
    let (r, t) = (store.reads(), Instant::now());
    let recounted = inbox::recount(&store, &org, &dsl, now, 30).await.unwrap();
    measure(
        "inbox counts by reading every open worry (as before the counters)",
        r,
        t,
        recounted.open,
    );
    assert_eq!(counts, recounted, "the counters equal a recount");
    let (r, t) = (store.reads(), Instant::now());
    let worry_id = first.rows[0].worry_id.clone();
    let route = worry::case::route_for(&store, &org, &dsl, &worry_id)
        .await
        .unwrap()
        .expect("the DSL reads it");
    let assignable = worry::case::assignable_people(&store, &org, &route)
        .await
        .unwrap();
    measure(
        "case page reassign list (route + the index of safeguarding roles)",
        r,
        t,
        assignable.len(),
    );
    let (r, t) = (store.reads(), Instant::now());
    let route = worry::case::route_for(&store, &org, &dsl, &worry_id)
        .await
        .unwrap()
        .expect("the DSL reads it");
    let all = people::list_all(&store, &org).await.unwrap();
    let read = route.readers(&all).len();
    measure(
        "case page reassign list by reading every person (as before the index)",
        r,
        t,
        read,
    );
    assert_eq!(read, assignable.len());
    let (w, t) = (store.writes(), Instant::now());
    let rebuilt = worry::counts::rebuild(&store, &org, now).await.unwrap();
    println!(
        "{name}: inbox counters rebuilt from {} open worries (once, for worries stored before them): {:.0} ms, {} writes",
        rebuilt.open,
        t.elapsed().as_secs_f64() * 1000.0,
        store.writes() - w
    );
    let (r, t) = (store.reads(), Instant::now());
    let pending = safety_core::notify::undelivered(&store, &org, &dsl, 50, now)
        .await
        .unwrap();
    measure(
        "undelivered notifications (none delivered here)",
        r,
        t,
        pending.len(),
    );
}

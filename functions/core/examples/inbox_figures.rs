//! Figures for the handlers' inbox (a benchmark, not a test): store round trips and time per
//! inbox page with 1,000 worries, on the embedded store, and on DynamoDB when
//! `DYNAMODB_ENDPOINT` is set (e.g. DynamoDB Local: a fresh table is created).
//!
//! `cargo run --release -p safety-core --example inbox_figures` (scripts/bench.sh runs it).

mod stores;

use chrono::{Duration, Utc};
use safety_core::crypto::Secret;
use safety_core::identity::{NewPerson, people};
use safety_core::org::OrgId;
use safety_core::roles::Role;
use safety_core::store::Store;
use safety_core::store::counting::CountingStore;
use safety_core::worry::code::FormToken;
use safety_core::worry::inbox::{self, Filter};
use safety_core::worry::{self, FORM_PURPOSE, Sender, WorryInput};
use std::time::Instant;

const WORRIES: usize = 1_000;

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
    let started = Instant::now();
    for i in 0..WORRIES {
        let at = now - Duration::minutes((WORRIES - i) as i64);
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
        "{name}: {WORRIES} worries stored in {:.1} s ({} write requests)",
        started.elapsed().as_secs_f64(),
        store.writes()
    );
    let measure = |label: &'static str, reads_before: usize, t: Instant, rows: usize| {
        println!(
            "{name}: {label}: {} store round trips, {rows} rows, {:.2} ms",
            store.reads() - reads_before,
            t.elapsed().as_secs_f64() * 1000.0
        );
    };
    let (r, t) = (store.reads(), Instant::now());
    let first = inbox::list(&store, &org, &dsl, &Filter::default(), None, now)
        .await
        .unwrap();
    measure("inbox page 1 (list)", r, t, first.rows.len());
    let (r, t) = (store.reads(), Instant::now());
    let second = inbox::list(
        &store,
        &org,
        &dsl,
        &Filter::default(),
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
    let filtered = inbox::list(&store, &org, &dsl, &kind, None, now)
        .await
        .unwrap();
    measure("inbox page 1 filtered by kind", r, t, filtered.rows.len());
    let (r, t) = (store.reads(), Instant::now());
    let counts = inbox::counts(&store, &org, &dsl, now, 30).await.unwrap();
    measure(
        "dashboard counts (reads every open worry)",
        r,
        t,
        counts.open,
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

//! The log of each server running in the test process. The server names itself in its
//! requests' spans (`server`, from `web::start`'s log tag); this layer keeps every event at
//! INFO or above inside such a span as a JSON line like the function's own (`{"level": ..,
//! "fields": {"message": .., ..}}`), under that server's name.

use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, Once};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

static LINES: LazyLock<Mutex<HashMap<String, Vec<String>>>> = LazyLock::new(Default::default);
static INSTALL: Once = Once::new();

/// The server a span belongs to.
struct Server(String);

#[derive(Default)]
struct Fields(Map<String, Value>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
}

struct Capture;

impl Capture {
    fn remember<S: Subscriber + for<'a> LookupSpan<'a>>(
        fields: Fields,
        id: &Id,
        ctx: &Context<'_, S>,
    ) {
        if let (Some(Value::String(name)), Some(span)) = (fields.0.get("server"), ctx.span(id)) {
            span.extensions_mut().insert(Server(name.clone()));
        }
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        Capture::remember(fields, id, &ctx);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        Capture::remember(fields, id, &ctx);
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(scope) = ctx.event_scope(event) else {
            return;
        };
        let server = scope
            .from_root()
            .find_map(|span| span.extensions().get::<Server>().map(|s| s.0.clone()));
        let Some(server) = server else {
            return;
        };
        let mut fields = Fields::default();
        event.record(&mut fields);
        let line = json!({"level": event.metadata().level().as_str(), "fields": fields.0});
        LINES
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(server)
            .or_default()
            .push(line.to_string());
    }
}

/// Installs the layer as the test process's subscriber (once).
pub fn install() {
    INSTALL.call_once(|| {
        let subscriber =
            tracing_subscriber::registry().with(Capture.with_filter(LevelFilter::INFO));
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

/// Everything `server` has logged so far, a JSON line each.
pub fn of(server: &str) -> String {
    LINES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(server)
        .map(|lines| lines.join("\n"))
        .unwrap_or_default()
}

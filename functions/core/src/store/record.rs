//! Typed records: every kind of stored item is one `#[derive(Serialize, Deserialize)]` struct,
//! and [`to_item`] / [`from_item`] are the one conversion between a record and the [`Item`] the
//! [`Store`](super::Store) reads and writes (through `serde_json::to_value` / `from_value`, so a
//! record's fields are the item's attributes, with the same names and types as before records
//! existed: `#[serde(rename)]` where a field is named differently, `skip_serializing_if` where an
//! attribute is written only when it has a value).
//!
//! Which record each key holds is listed next to the key, in the tables of `crate::keys`.
//!
//! Conventions:
//! * the item's `type` attribute is the record's [`Record::TYPE`], written by [`to_item`] (not a
//!   field of the record; reading does not check it, the key says what an item is);
//! * the key attributes (`pk`, `sk`) come from the [`Key`], never from a record field;
//! * index attributes (`gsi1pk`, `gsi1sk`) and the TTL attribute are fields of the records that
//!   have them, renamed to [`layout`](super::layout)'s names;
//! * times are RFC 3339 strings ([`super::timestamp`]): fields of type `DateTime<Utc>` use
//!   `#[serde(with = "crate::store::record::time")]` (or `time_opt` for an `Option`);
//! * optimistic locking uses the one [`VERSION`] attribute: [`Condition::version`] to require a
//!   version, [`Update::bump_version`] to move it on.

use super::{Condition, Item, Key, Update};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The attribute that holds an item's version, for optimistic locking.
pub const VERSION: &str = "version";

/// The attribute that says which record an item is ([`Record::TYPE`]).
pub const TYPE: &str = "type";

/// A kind of stored item.
pub trait Record: Serialize + DeserializeOwned {
    /// The item's `type` attribute.
    const TYPE: &'static str;
}

/// A stored item that is not the record its key says it is.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[error("a stored {kind} is malformed: {detail}")]
pub struct Malformed {
    pub kind: &'static str,
    pub detail: String,
}

impl From<Malformed> for super::StoreError {
    fn from(m: Malformed) -> Self {
        super::StoreError::InvalidItem(m.to_string())
    }
}

/// The item that stores `record` under `key`: its fields, the `type` attribute and the key.
pub fn to_item<R: Record>(key: &Key, record: &R) -> Item {
    let mut item = match serde_json::to_value(record) {
        Ok(Value::Object(m)) => m,
        // A record is a struct of strings, numbers, booleans, lists and maps: it always
        // serialises to an object.
        Ok(other) => unreachable!("record {} serialised to {other}", R::TYPE),
        Err(e) => unreachable!("record {} did not serialise: {e}", R::TYPE),
    };
    item.insert(TYPE.into(), Value::String(R::TYPE.into()));
    key.item(Value::Object(item))
}

/// Reads a stored item as the record `R` (attributes the record does not name are ignored).
pub fn from_item<R: Record>(item: &Item) -> Result<R, Malformed> {
    R::deserialize(Value::Object(item.clone())).map_err(|e| Malformed {
        kind: R::TYPE,
        detail: e.to_string(),
    })
}

/// The `type` attribute of a stored item: which record it is, where one partition holds several
/// kinds (a person's learning history).
pub fn type_of(item: &Item) -> Option<&str> {
    item.get(TYPE).and_then(Value::as_str)
}

/// Whether a stored item is an `R`.
pub fn is<R: Record>(item: &Item) -> bool {
    type_of(item) == Some(R::TYPE)
}

impl Condition {
    /// The item must exist at this version (optimistic locking).
    pub fn version(version: u64) -> Condition {
        Condition::Equals(VERSION.into(), Value::from(version))
    }
}

impl Update {
    /// Moves the item's version on by one (every change of a versioned item does).
    pub fn bump_version(self) -> Self {
        self.add(VERSION, 1)
    }

    /// The update that turns the stored `before` into `after`: sets each attribute whose value
    /// differs and removes each attribute `after` no longer has, so a change is written as a
    /// change of the record's fields (named by the compiler, not by strings). The `type` and key
    /// attributes are never part of it; a versioned record keeps its `version` and adds
    /// [`Update::bump_version`].
    pub fn changes<R: Record>(before: &R, after: &R) -> Self {
        let (Ok(Value::Object(before)), Ok(Value::Object(after))) =
            (serde_json::to_value(before), serde_json::to_value(after))
        else {
            return Update::default();
        };
        let mut update = Update::default();
        for (name, value) in &after {
            if before.get(name) != Some(value) {
                update.set.insert(name.clone(), value.clone());
            }
        }
        for name in before.keys() {
            if !after.contains_key(name) {
                update.remove.push(name.clone());
            }
        }
        update
    }

    /// Sets every attribute `record` writes and its `type`, as [`to_item`] does (without the
    /// key): an update that makes the item when it is missing (a counter item).
    pub fn set_record<R: Record>(self, record: &R) -> Self {
        self.set(TYPE, R::TYPE).set_fields(record)
    }

    /// Sets every attribute of `fields`: a part of a record (a struct flattened into it), so an
    /// update writes those attributes exactly as the record does.
    pub fn set_fields<T: Serialize>(mut self, fields: &T) -> Self {
        if let Ok(Value::Object(m)) = serde_json::to_value(fields) {
            self.set.extend(m);
        }
        self
    }
}

/// A time as stored: RFC 3339 in UTC with milliseconds ([`super::timestamp`]); any RFC 3339
/// time is read.
pub mod time {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::store::timestamp(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).map_err(serde::de::Error::custom)
    }

    pub(crate) fn parse(s: &str) -> Result<DateTime<Utc>, String> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("`{s}` is not an RFC 3339 time: {e}"))
    }
}

/// [`time`] for an optional time (absent when `None`: use with
/// `#[serde(default, skip_serializing_if = "Option::is_none")]`).
pub mod time_opt {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&crate::store::timestamp(*t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(s) => time::parse(&s).map(Some).map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Example {
        name: String,
        #[serde(with = "time")]
        at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(rename = "expires_at")]
        ttl: u64,
    }

    impl Record for Example {
        const TYPE: &'static str = "example";
    }

    #[test]
    fn a_record_is_its_attributes_plus_type_and_key() {
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678Z")
            .unwrap()
            .with_timezone(&Utc);
        let record = Example {
            name: "n".into(),
            at,
            note: None,
            ttl: 7,
        };
        let item = to_item(&Key::new("P", "S"), &record);
        assert_eq!(
            Value::Object(item.clone()),
            serde_json::json!({
                "pk": "P", "sk": "S", "type": "example", "name": "n",
                "at": "2026-01-02T03:04:05.678Z", "expires_at": 7,
            })
        );
        assert_eq!(from_item::<Example>(&item).unwrap(), record);
    }

    #[test]
    fn a_malformed_item_names_its_kind() {
        let item = Key::new("P", "S").item(serde_json::json!({ "name": 3 }));
        let e = from_item::<Example>(&item).unwrap_err();
        assert_eq!(e.kind, "example");
    }

    #[test]
    fn an_update_is_the_change_between_two_records() {
        let before = Example {
            name: "n".into(),
            at: DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678Z")
                .unwrap()
                .with_timezone(&Utc),
            note: Some("x".into()),
            ttl: 7,
        };
        let after = Example {
            name: before.name.clone(),
            at: before.at,
            note: None,
            ttl: 8,
        };
        let update = Update::changes(&before, &after);
        assert_eq!(
            Value::Object(update.set),
            serde_json::json!({ "expires_at": 8 })
        );
        assert_eq!(update.remove, ["note"]);
        assert!(update.add.is_empty());
        assert_eq!(Update::changes(&before, &before), Update::default());
    }

    #[test]
    fn set_record_writes_the_attributes_to_item_writes_without_the_key() {
        let record = Example {
            name: "n".into(),
            at: DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678Z")
                .unwrap()
                .with_timezone(&Utc),
            note: None,
            ttl: 7,
        };
        let mut item = to_item(&Key::new("P", "S"), &record);
        item.remove(crate::store::layout::PK);
        item.remove(crate::store::layout::SK);
        assert_eq!(Update::default().set_record(&record).set, item);
    }

    #[test]
    fn the_version_condition_and_update_use_one_attribute() {
        assert_eq!(
            Condition::version(3),
            Condition::Equals("version".into(), Value::from(3))
        );
        assert_eq!(
            Update::default().bump_version().add,
            vec![("version".to_string(), 1)]
        );
    }
}

use super::*;
use crate::crypto::Secret;
use crate::keys;
use crate::rate_limit::*;
use crate::store::{Store, StoreError, layout};
use chrono::Duration;

fn secret() -> Secret {
    Secret::new("rate-limit-tests-secret-rate-limit").unwrap()
}

#[tokio::test]
async fn the_limit_plus_first_call_waits_for_the_next_window() {
    let (_d, store) = store();
    let ip9 = bucket(&secret(), "signin-ip", "203.0.113.9");
    // 10:00:00 is the start of a 60 s window; call at 10:00:20.
    let t = now() + Duration::seconds(20);
    for i in 0..3 {
        let d = check(&store, &org_a(), &ip9, 3, 60, t).await.unwrap();
        assert_eq!(
            d,
            RateDecision {
                allowed: true,
                retry_after_secs: 0
            },
            "call {i}"
        );
    }
    let refused = check(&store, &org_a(), &ip9, 3, 60, t).await.unwrap();
    assert_eq!(
        refused,
        RateDecision {
            allowed: false,
            retry_after_secs: 40
        }
    );
    // Still refused at the end of the window, allowed in the next.
    let late = check(&store, &org_a(), &ip9, 3, 60, now() + Duration::seconds(59))
        .await
        .unwrap();
    assert_eq!(
        late,
        RateDecision {
            allowed: false,
            retry_after_secs: 1
        }
    );
    let next = check(&store, &org_a(), &ip9, 3, 60, now() + Duration::seconds(60))
        .await
        .unwrap();
    assert!(next.allowed);
    // Other buckets and organisations count on their own.
    let other = bucket(&secret(), "signin-ip", "203.0.113.10");
    assert!(
        check(&store, &org_a(), &other, 3, 60, t)
            .await
            .unwrap()
            .allowed
    );
    assert!(
        check(&store, &org_b(), &ip9, 3, 60, t)
            .await
            .unwrap()
            .allowed
    );
}

#[tokio::test]
async fn no_raw_address_is_stored_and_counters_expire() {
    let (_d, store) = store();
    let ip = "203.0.113.9";
    let b = bucket(&secret(), "worry-ip", ip);
    assert!(!b.contains(ip));
    check(&store, &org_a(), &b, 5, 60, now()).await.unwrap();
    let item = store
        .get(&keys::rate_limit(&org_a(), &b, now().timestamp() as u64))
        .await
        .unwrap()
        .unwrap();
    assert!(!serde_json::to_string(&item).unwrap().contains(ip));
    assert_eq!(
        item[layout::TTL].as_i64(),
        Some(now().timestamp() + 60 + 3600)
    );
    // Buckets not made by `bucket` (e.g. holding a raw IP) are refused.
    for raw in [
        format!("signin-ip:{ip}"),
        "".into(),
        format!("Signin:{}", "a".repeat(64)),
    ] {
        assert!(
            matches!(
                check(&store, &org_a(), &raw, 5, 60, now()).await,
                Err(StoreError::InvalidItem(_))
            ),
            "{raw}"
        );
    }
}

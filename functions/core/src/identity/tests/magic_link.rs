use super::*;
use crate::crypto::{self, Secret};
use crate::identity::magic_link::*;
use crate::identity::people::deactivate;
use crate::keys;
use crate::store::{Store, layout};
use chrono::Duration;

fn secret() -> Secret {
    Secret::new("magic-link-tests-secret-magic-link").unwrap()
}

/// Ada, a person of organisation A, and a sign-in link for her.
async fn link_for_ada(store: &crate::store::embedded::EmbeddedStore) -> MagicLink {
    ada(store, &org_a()).await;
    request(store, &org_a(), "ada@example.org", &secret(), now())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_link_signs_in_once() {
    let (_d, store) = store();
    let p = ada(&store, &org_a()).await;
    let link = request(&store, &org_a(), " ADA@example.org", &secret(), now())
        .await
        .unwrap()
        .expect("a registered, active email gets a link");
    assert_eq!(link.token.len(), 43);
    assert_eq!(link.person_id, p.id);
    assert_eq!(link.expires_at, now() + Duration::minutes(15));
    assert!(
        !format!("{link:?}").contains(&link.token),
        "Debug hides the token"
    );

    let signed_in = consume(&store, &org_a(), &link.token, now() + Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(signed_in, p);
    let again = consume(&store, &org_a(), &link.token, now() + Duration::minutes(6)).await;
    assert!(
        matches!(again, Err(MagicLinkError::Invalid | MagicLinkError::Used)),
        "{again:?}"
    );
}

#[tokio::test]
async fn concurrent_uses_of_one_link_sign_in_once() {
    let (_d, store) = store();
    let link = link_for_ada(&store).await;
    let org = org_a();
    let (a, b) = tokio::join!(
        consume(&store, &org, &link.token, now()),
        consume(&store, &org, &link.token, now())
    );
    assert_eq!(
        [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "{a:?} {b:?}"
    );
}

#[tokio::test]
async fn an_expired_link_is_refused_even_if_still_stored() {
    let (_d, store) = store();
    let link = link_for_ada(&store).await;
    assert_eq!(
        consume(&store, &org_a(), &link.token, now() + Duration::minutes(16)).await,
        Err(MagicLinkError::Expired)
    );
}

#[tokio::test]
async fn unknown_malformed_and_other_organisations_tokens_are_refused() {
    let (_d, store) = store();
    ada(&store, &org_a()).await;
    ada(&store, &org_b()).await;
    let link = request(&store, &org_a(), "ada@example.org", &secret(), now())
        .await
        .unwrap()
        .unwrap();
    // The same token at organisation B: B has a person with that email, still nothing.
    assert_eq!(
        consume(&store, &org_b(), &link.token, now()).await,
        Err(MagicLinkError::Invalid)
    );
    let unknown = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        crypto::random_bytes::<32>(),
    );
    for bad in [
        unknown.as_str(),
        "",
        "short",
        &"A".repeat(44),
        &"*".repeat(43),
    ] {
        assert_eq!(
            consume(&store, &org_a(), bad, now()).await,
            Err(MagicLinkError::Invalid),
            "{bad}"
        );
    }
    // The refusals did not use up the real link.
    assert!(consume(&store, &org_a(), &link.token, now()).await.is_ok());
}

#[tokio::test]
async fn unknown_and_deactivated_emails_get_no_link_and_no_difference() {
    let (_d, store) = store();
    let p = ada(&store, &org_a()).await;
    assert_eq!(
        request(&store, &org_a(), "nobody@example.org", &secret(), now()).await,
        Ok(None)
    );
    // Registered in B only: A answers as for anyone unknown.
    assert_eq!(
        request(&store, &org_b(), "ada@example.org", &secret(), now()).await,
        Ok(None)
    );
    let link = request(&store, &org_a(), "ada@example.org", &secret(), now())
        .await
        .unwrap()
        .unwrap();
    deactivate(&store, &org_a(), &p.id).await.unwrap();
    assert_eq!(
        request(&store, &org_a(), "ada@example.org", &secret(), now()).await,
        Ok(None)
    );
    // A link asked for before the deactivation no longer signs in.
    assert_eq!(
        consume(&store, &org_a(), &link.token, now()).await,
        Err(MagicLinkError::Inactive)
    );
    assert!(matches!(
        request(&store, &org_a(), "not an email", &secret(), now()).await,
        Err(MagicLinkError::InvalidEmail(_))
    ));
}

#[tokio::test]
async fn only_the_hash_of_the_token_is_stored() {
    let (_d, store) = store();
    let link = link_for_ada(&store).await;
    let key = keys::magic_link(&org_a(), &crypto::sha256_hex(link.token.as_bytes()));
    let item = store
        .get(&key)
        .await
        .unwrap()
        .expect("stored under the hash");
    let dump = serde_json::to_string(&item).unwrap();
    assert!(!dump.contains(&link.token), "{dump}");
    let mut attributes: Vec<&str> = item.keys().map(String::as_str).collect();
    attributes.sort();
    assert_eq!(
        attributes,
        ["created_at", "expires_at", "person_id", "pk", "sk", "type"]
    );
    assert_eq!(
        item[layout::TTL].as_i64(),
        Some((now() + Duration::minutes(15)).timestamp())
    );
}

#[tokio::test]
async fn asking_for_many_links_is_limited_for_every_address_alike() {
    let (_d, store) = store();
    ada(&store, &org_a()).await;
    for email in ["ada@example.org", "nobody@example.org"] {
        for _ in 0..PER_EMAIL_LIMIT {
            request(&store, &org_a(), email, &secret(), now())
                .await
                .unwrap();
        }
        let refused = request(&store, &org_a(), email, &secret(), now()).await;
        assert!(
            matches!(refused, Err(MagicLinkError::RateLimited { retry_after_secs }) if retry_after_secs > 0),
            "{email}: {refused:?}"
        );
    }
}

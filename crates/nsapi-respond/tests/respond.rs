//! The respond namespace in-process, with pinned host and client facts.

use actix_web::test::TestRequest;
use nsapi::testing::TestClient;
use nsapi::{ClientInfo, Facts, HostInfo};
use nsapi_respond::RespondNamespace;
use serde_json::json;

static RESPOND: RespondNamespace = RespondNamespace;

fn fixed_facts() -> Facts {
    Facts::fixed(
        HostInfo { hostname: "test-host".into(), system: "Darwin".into() },
        ClientInfo { address: "203.0.113.7".into(), system: "Windows".into() },
    )
}

async fn client() -> TestClient {
    TestClient::start(&[&RESPOND], fixed_facts()).await
}

#[actix_web::test]
async fn echo_returns_string() {
    let client = client().await;
    for string in ["hi", "bye", "xxx", "123!", "-12312"] {
        let response = client.get(&format!("/respond/{string}")).await;
        assert_eq!(response.status, 200, "GET /respond/{string}");
        assert_eq!(response.json(), json!({ "response": string }), "GET /respond/{string}");
    }
}

#[actix_web::test]
async fn wrong_urls_are_not_found() {
    let client = client().await;
    // The raw backslash and space of the original cases are not valid in
    // an in-process URI; the end-to-end tests send them over a socket.
    for path in ["/respond/../", "/respond/%5C//..", "/respond/cd%20..//"] {
        let response = client.get(path).await;
        assert_eq!(response.status, 404, "GET {path}");
        assert_eq!(response.json()["status"], 404, "GET {path}");
    }
}

#[actix_web::test]
async fn hostname_reports_fixed_facts() {
    let client = client().await;
    let response = client.get("/respond/hostname").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json(),
        json!({
            "host": { "hostname_or_ip": "test-host", "system": "Darwin" },
            "client": { "hostname_or_ip": "203.0.113.7", "system": "Windows" },
        })
    );
}

#[actix_web::test]
async fn hostname_detects_client_os() {
    let facts = Facts::with_host(HostInfo { hostname: "h".into(), system: "Linux".into() })
        .expect("rules compile");
    let client = TestClient::start(&[&RESPOND], facts).await;
    let agent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15";
    let request = TestRequest::get()
        .uri("/respond/hostname")
        .insert_header(("User-Agent", agent))
        .peer_addr("198.51.100.4:5123".parse().expect("address"));
    let body = client.send(request).await.json();
    assert_eq!(body["client"], json!({ "hostname_or_ip": "198.51.100.4", "system": "Mac OS X" }));
    assert_eq!(body["host"], json!({ "hostname_or_ip": "h", "system": "Linux" }));
}

#[actix_web::test]
async fn hostname_wins_over_string_in_any_order() {
    // The namespace registers `/{string}` first; the static route still wins.
    let client = client().await;
    let body = client.get("/respond/hostname").await.json();
    assert!(body.get("host").is_some(), "{body}");
    assert!(body.get("response").is_none(), "{body}");
}

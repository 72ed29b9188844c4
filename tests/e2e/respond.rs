//! The respond namespace as a client sees it.

use crate::support::Server;

#[test]
fn echo_returns_each_segment() {
    let server = Server::start(&[]);
    let cases = [
        ("hi", "hi"),
        ("bye", "bye"),
        ("xxx", "xxx"),
        ("123!", "123!"),
        ("-12312", "-12312"),
        ("h%C3%A9llo", "héllo"),
        ("a%20b?ignored=1", "a b"),
    ];
    for (segment, expected) in cases {
        let response = server.get(&format!("/respond/{segment}"));
        assert_eq!(response.status, 200, "GET /respond/{segment}");
        assert_eq!(response.json(), serde_json::json!({ "response": expected }));
    }
}

#[test]
fn hostname_reports_server_and_client() {
    let server = Server::start(&[]);
    let agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36";
    let response = server.request("GET", "/respond/hostname", &[("User-Agent", agent)]);
    assert_eq!(response.status, 200);

    let body = response.json();
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    if !hostname.is_empty() {
        assert_eq!(body["host"]["hostname_or_ip"], hostname.trim());
    }
    if cfg!(target_os = "linux") {
        assert_eq!(body["host"]["system"], "Linux");
    }
    assert_eq!(body["client"]["hostname_or_ip"], "127.0.0.1");
    assert_eq!(body["client"]["system"], "Windows");
}

#[test]
fn hostname_without_user_agent_has_empty_system() {
    let server = Server::start(&[]);
    let body = server.get("/respond/hostname").json();
    assert_eq!(body["client"]["system"], "");
    assert!(body["host"]["hostname_or_ip"].as_str().is_some_and(|h| !h.is_empty()));
}

#[test]
fn field_masks_filter_responses() {
    let server = Server::start(&[]);
    // Each row: path, X-Fields value, expected body.
    let cases = [
        ("/respond/hostname", "host{system}", serde_json::json!({ "host": { "system": "Linux" } })),
        (
            "/respond/hostname",
            "client{hostname_or_ip}",
            serde_json::json!({ "client": { "hostname_or_ip": "127.0.0.1" } }),
        ),
        ("/respond/hi", "response", serde_json::json!({ "response": "hi" })),
        ("/respond/hi", "other", serde_json::json!({})),
    ];
    for (path, mask, expected) in cases {
        let response = server.request("GET", path, &[("X-Fields", mask)]);
        assert_eq!(response.status, 200, "{path} with {mask}");
        if cfg!(target_os = "linux") || !mask.contains("system") {
            assert_eq!(response.json(), expected, "{path} with {mask}");
        }
    }

    let malformed = server.request("GET", "/respond/hi", &[("X-Fields", "response{")]);
    assert_eq!(malformed.status, 400);
    let detail = malformed.json()["detail"].as_str().unwrap_or_default().to_owned();
    assert!(detail.contains("invalid X-Fields header"), "{detail}");
}

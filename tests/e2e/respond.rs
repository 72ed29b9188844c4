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
fn wrong_urls_get_problem_responses() {
    let server = Server::start(&[]);
    // Each row: raw request target, expected status, why.
    let cases = [
        ("/respond/../", 404, "dot segment with a trailing slash"),
        (r"/respond/\//..", 404, "backslash, empty segment and dot segment"),
        ("/respond/cd%20..//", 404, "the space travels encoded; then two slashes"),
        ("/respond/..", 404, "plain dot-dot segment"),
        ("/respond/%2e%2E", 404, "percent-encoded dot-dot segment"),
        ("/respond/a%2Fb", 404, "encoded slash inside the segment"),
        ("/respond/", 404, "empty value"),
        ("/respond", 404, "no value"),
        ("/respond/hostname/", 404, "trailing slash"),
        ("/respond/%FF", 400, "not UTF-8 once decoded"),
        ("/respond/%zz", 400, "invalid percent-encoding"),
        ("/nope", 404, "no namespace"),
    ];
    for (target, status, why) in cases {
        let response = server.get(target);
        assert_eq!(response.status, status, "GET {target}: {why}");
        assert_eq!(
            response.header("content-type"),
            Some("application/problem+json"),
            "GET {target}: {why}"
        );
        let problem = response.json();
        assert_eq!(problem["status"], status, "GET {target}: {why}");
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "{why}");
        assert_eq!(
            problem["request_id"].as_str(),
            response.header("x-request-id"),
            "GET {target}: {why}"
        );
    }
}

#[test]
fn raw_space_in_target_is_bad_request() {
    let server = Server::start(&[]);
    let response = server.get("/respond/cd ..//");
    assert_eq!(response.status, 400);
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
fn methods_get_allow_header() {
    let server = Server::start(&[]);

    let head = server.request("HEAD", "/respond/hi", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "HEAD has no body");

    let options = server.request("OPTIONS", "/respond/hi", &[]);
    assert_eq!(options.status, 204);
    assert_eq!(options.header("allow"), Some("GET, HEAD, OPTIONS"));

    let post = server.request("POST", "/respond/hi", &[("Content-Length", "0")]);
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD, OPTIONS"));
    assert_eq!(post.json()["status"], 405);
}

#[test]
fn request_id_is_reused_or_made() {
    let server = Server::start(&[]);
    let reused = server.request("GET", "/respond/hi", &[("X-Request-Id", "trace-42")]);
    assert_eq!(reused.header("x-request-id"), Some("trace-42"));

    let invalid = "x".repeat(129);
    let replaced = server.request("GET", "/respond/hi", &[("X-Request-Id", &invalid)]);
    let made = replaced.header("x-request-id").expect("a request id");
    assert_ne!(made, invalid);
    assert!(!made.is_empty());
}

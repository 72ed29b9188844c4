//! The HTTP contract of the server, row by row, over raw request lines.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{Response, Server};

/// Expected body of a row.
#[derive(Debug, Clone, Copy)]
enum Body {
    /// `{"response": ...}` with this value.
    Echo(&'static str),
    /// The hostname model.
    Hostname,
    /// A problem body whose `status` and `request_id` match the response.
    Problem,
    /// HTML.
    Html,
    /// A JSON document with this top-level version key.
    Document(&'static str),
    /// `{"status": "ok"}` of the probes.
    Healthy,
    /// No body.
    Empty,
}

/// Each row: method, raw request target, expected status, expected body, why.
const ROWS: &[(&str, &str, u16, Body, &str)] = &[
    ("GET", "/respond/hi", 200, Body::Echo("hi"), "plain segment"),
    ("GET", "/respond/bye", 200, Body::Echo("bye"), "plain segment"),
    ("GET", "/respond/xxx", 200, Body::Echo("xxx"), "plain segment"),
    ("GET", "/respond/123!", 200, Body::Echo("123!"), "sub-delimiter in the segment"),
    ("GET", "/respond/-12312", 200, Body::Echo("-12312"), "leading dash"),
    ("GET", "/respond/h%C3%A9llo", 200, Body::Echo("héllo"), "percent-decoded UTF-8"),
    ("GET", "/respond/a%20b?q=1", 200, Body::Echo("a b"), "query string is ignored"),
    ("GET", "/respond/%2Fetc", 404, Body::Problem, "decodes to contain '/'"),
    ("GET", "/respond/a%2fb", 404, Body::Problem, "lowercase encoded slash"),
    ("GET", "/respond/hostname", 200, Body::Hostname, "static route wins over {string}"),
    ("GET", "/respond/../", 404, Body::Problem, "dot segment, then trailing slash"),
    ("GET", r"/respond/\//..", 404, Body::Problem, "backslash, empty and dot segments"),
    ("GET", "/respond/cd%20..//", 404, Body::Problem, "encoded space, then two slashes"),
    ("GET", "/respond/..", 404, Body::Problem, "plain dot-dot segment"),
    ("GET", "/respond/.", 404, Body::Problem, "plain dot segment"),
    ("GET", "/respond/%2e%2E", 404, Body::Problem, "encoded dot-dot segment"),
    ("GET", "/respond/.%2e", 404, Body::Problem, "half-encoded dot-dot segment"),
    ("GET", "/respond/", 404, Body::Problem, "empty value"),
    ("GET", "/respond", 404, Body::Problem, "no value"),
    ("GET", "/respond/hostname/", 404, Body::Problem, "trailing slash"),
    ("GET", "/respond/%FF", 400, Body::Problem, "not UTF-8 once decoded"),
    ("GET", "/respond/%C3%28", 400, Body::Problem, "invalid UTF-8 sequence"),
    ("GET", "/respond/%zz", 400, Body::Problem, "invalid percent-encoding"),
    ("GET", "/respond/abc%4", 400, Body::Problem, "percent-encoding cut short"),
    ("GET", "/respond/cd ..//", 400, Body::Empty, "raw space: not a valid request target"),
    ("GET", "/nope", 404, Body::Problem, "no such route"),
    ("GET", "/respond/hi/extra", 404, Body::Problem, "one segment too many"),
    ("HEAD", "/respond/hi", 200, Body::Empty, "HEAD on a GET route"),
    ("HEAD", "/respond/hostname", 200, Body::Empty, "HEAD on a GET route"),
    ("HEAD", "/swagger.json", 200, Body::Empty, "HEAD on a document"),
    ("OPTIONS", "/respond/hi", 204, Body::Empty, "OPTIONS lists the methods"),
    ("OPTIONS", "/openapi.json", 204, Body::Empty, "OPTIONS on a document"),
    ("POST", "/respond/hi", 405, Body::Problem, "method the route lacks"),
    ("DELETE", "/respond/hostname", 405, Body::Problem, "method the route lacks"),
    ("PUT", "/swagger.json", 405, Body::Problem, "documents are read-only"),
    ("GET", "/", 200, Body::Html, "docs UI"),
    ("GET", "/swagger.json", 200, Body::Document("swagger"), "Swagger 2.0 document"),
    ("GET", "/openapi.json", 200, Body::Document("openapi"), "OpenAPI 3.0 document"),
    ("GET", "/healthz", 200, Body::Healthy, "liveness probe"),
    ("GET", "/readyz", 200, Body::Healthy, "readiness probe"),
];

#[test]
fn contract_rows_hold() {
    let server = Server::start(&[]);
    for &(method, target, status, body, why) in ROWS {
        let headers = if method == "GET" || method == "HEAD" || method == "OPTIONS" {
            vec![]
        } else {
            vec![("Content-Length", "0")]
        };
        let response = server.request(method, target, &headers);
        let row = format!("{method} {target} ({why})");
        assert_eq!(response.status, status, "{row}: {}", response.text());
        if response.status != 400 || !matches!(body, Body::Empty) {
            assert!(response.header("x-request-id").is_some(), "{row}: no X-Request-Id");
        }
        check_body(&response, body, &row);
        if matches!(status, 204 | 405) {
            assert_eq!(response.header("allow"), Some("GET, HEAD, OPTIONS"), "{row}");
        }
    }
}

fn check_body(response: &Response, body: Body, row: &str) {
    match body {
        Body::Echo(value) => {
            assert_eq!(response.json(), serde_json::json!({ "response": value }), "{row}")
        }
        Body::Hostname => {
            let model = response.json();
            for side in ["host", "client"] {
                for key in ["hostname_or_ip", "system"] {
                    assert!(model[side][key].is_string(), "{row}: {side}.{key} is not a string");
                }
            }
        }
        Body::Problem => check_problem(response, row),
        Body::Html => assert!(response.text().starts_with("<!DOCTYPE html>"), "{row}"),
        Body::Document(key) => assert!(response.json().get(key).is_some(), "{row}"),
        Body::Healthy => {
            assert_eq!(response.json(), serde_json::json!({ "status": "ok" }), "{row}")
        }
        Body::Empty => assert!(response.body.is_empty(), "{row}: {}", response.text()),
    }
}

fn check_problem(response: &Response, row: &str) {
    assert_eq!(response.header("content-type"), Some("application/problem+json"), "{row}");
    let problem = response.json();
    assert_eq!(problem["type"], "about:blank", "{row}");
    assert_eq!(problem["status"], response.status, "{row}");
    assert!(problem["title"].as_str().is_some_and(|t| !t.is_empty()), "{row}");
    assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "{row}");
    assert_eq!(problem["request_id"].as_str(), response.header("x-request-id"), "{row}");
}

#[test]
fn request_id_is_reused_or_replaced() {
    let server = Server::start(&[]);
    let reused = server.request("GET", "/respond/hi", &[("X-Request-Id", "trace-42")]);
    assert_eq!(reused.header("x-request-id"), Some("trace-42"));

    let problem = server.request("GET", "/nope", &[("X-Request-Id", "trace-43")]);
    assert_eq!(problem.json()["request_id"], "trace-43");

    let too_long = "x".repeat(129);
    for invalid in [too_long.as_str(), "has space", "tab\there"] {
        let response = server.request("GET", "/respond/hi", &[("X-Request-Id", invalid)]);
        let made = response.header("x-request-id").expect("a request id");
        assert_ne!(made, invalid, "invalid id {invalid:?} was reused");
        assert_eq!(made.len(), 32, "generated id {made:?}");
    }
}

#[test]
fn forwarded_headers_need_trusted_proxy() {
    let spoof = [("X-Forwarded-For", "203.0.113.9"), ("Forwarded", "for=198.51.100.2")];

    let untrusted = Server::start(&[]);
    let body = untrusted.request("GET", "/respond/hostname", &spoof).json();
    assert_eq!(body["client"]["hostname_or_ip"], "127.0.0.1", "headers from an untrusted peer");

    let trusted = Server::start(&["--trusted-proxy", "127.0.0.0/8"]);
    let body = trusted.request("GET", "/respond/hostname", &spoof).json();
    assert_eq!(body["client"]["hostname_or_ip"], "203.0.113.9", "X-Forwarded-For by default");

    let chain = [("X-Forwarded-For", "6.6.6.6, 203.0.113.9, 127.0.0.5")];
    let body = trusted.request("GET", "/respond/hostname", &chain).json();
    assert_eq!(body["client"]["hostname_or_ip"], "203.0.113.9", "nearest untrusted hop");

    let malformed = [("X-Forwarded-For", "not-an-address")];
    let body = trusted.request("GET", "/respond/hostname", &malformed).json();
    assert_eq!(body["client"]["hostname_or_ip"], "127.0.0.1", "malformed hop");

    let rfc = Server::start(&["--trusted-proxy", "127.0.0.1", "--forwarded-header", "forwarded"]);
    let body = rfc.request("GET", "/respond/hostname", &spoof).json();
    assert_eq!(body["client"]["hostname_or_ip"], "198.51.100.2", "Forwarded when configured");
    let ipv6 = [("Forwarded", r#"for="[2001:db8::1]:4711""#)];
    let body = rfc.request("GET", "/respond/hostname", &ipv6).json();
    assert_eq!(body["client"]["hostname_or_ip"], "2001:db8::1");
}

#[test]
fn invalid_trusted_proxy_is_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_nsapi"))
        .args(["serve", "--bind", "127.0.0.1:0", "--trusted-proxy", "10.0.0.0/33"])
        .output()
        .expect("run nsapi");
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("invalid trusted proxy '10.0.0.0/33'"), "{message}");
}

#[test]
fn oversized_headers_get_431() {
    let server = Server::start(&["--max-header-size", "4096"]);
    let big = "a".repeat(5000);
    let response = server.request("GET", "/respond/hi", &[("X-Padding", &big)]);
    assert_eq!(response.status, 431);
    check_problem(&response, "header over --max-header-size");

    let fits = "a".repeat(3000);
    assert_eq!(server.request("GET", "/respond/hi", &[("X-Padding", &fits)]).status, 200);
}

#[test]
fn long_user_agent_still_parsed() {
    let server = Server::start(&[]);
    let agent = format!("Mozilla/5.0 (X11; Linux x86_64) {}", "x".repeat(12_000));
    let response = server.request("GET", "/respond/hostname", &[("User-Agent", &agent)]);
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["client"]["system"], "Linux");
}

#[test]
fn slow_client_is_cut_off() {
    let server = Server::start(&["--client-request-timeout", "1"]);
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("set timeout");
    stream.write_all(b"GET /respond/hi HTTP/1.1\r\nHost: x\r\n").expect("send part of the head");

    let started = Instant::now();
    let mut response = Vec::new();
    // The read ends when the server closes the connection.
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    assert!(started.elapsed() < Duration::from_secs(9), "the server waited for the read timeout");
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");

    assert_eq!(server.get("/respond/hi").status, 200, "the server still serves");
}

/// Splits pipelined responses and returns how many are complete, or an
/// error when the bytes end inside a response.
fn count_complete_responses(bytes: &[u8]) -> Result<usize, String> {
    let mut rest = bytes;
    let mut complete = 0;
    while !rest.is_empty() {
        let head_end = rest
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| format!("response {} ends inside its head", complete + 1))?;
        let head = String::from_utf8_lossy(&rest[..head_end]).to_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse().ok())
            .ok_or_else(|| format!("response {} has no Content-Length", complete + 1))?;
        let body = &rest[head_end + 4..];
        if body.len() < length {
            return Err(format!(
                "response {} stops after {} of {length} body bytes",
                complete + 1,
                body.len()
            ));
        }
        rest = &body[length..];
        complete += 1;
    }
    Ok(complete)
}

#[test]
fn signals_let_responses_in_flight_finish() {
    // Ten pipelined requests for the 1.7 MB Swagger UI bundle, unread, keep
    // the server writing a response when the signal arrives.
    let request = "GET /swagger-ui/swagger-ui-bundle.js HTTP/1.1\r\nHost: x\r\n\r\n".repeat(10);
    for signal in ["-TERM", "-INT"] {
        let mut server = Server::start(&[]);
        let mut stream = TcpStream::connect(server.addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(15))).expect("set timeout");
        stream.write_all(request.as_bytes()).expect("send the requests");
        std::thread::sleep(Duration::from_millis(500));

        let status = Command::new("kill")
            .args([signal, &server.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());

        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).expect("read until the server closes");
        let complete =
            count_complete_responses(&bytes).unwrap_or_else(|e| panic!("kill {signal}: {e}"));
        assert!(complete >= 1, "kill {signal}: no complete response");

        let exit = server.wait_for_exit(Duration::from_secs(10)).expect("exited within 10 s");
        assert_eq!(exit.code(), Some(0), "kill {signal}");
        let log = server.log_lines().join("\n");
        assert!(log.contains("server stopped"), "kill {signal}: {log}");
    }
}

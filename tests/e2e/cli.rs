//! The command line of the `nsapi` binary.

use std::process::Command;

use crate::support::Server;

fn nsapi(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nsapi")).args(args).output().expect("run nsapi")
}

#[test]
fn help_lists_commands_and_options() {
    let output = nsapi(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in ["serve", "openapi", "--bind", "NSAPI_BIND", "127.0.0.1:5000"] {
        assert!(help.contains(expected), "--help lacks {expected:?}:\n{help}");
    }
}

#[test]
fn version_prints_crate_version() {
    let output = nsapi(&["--version"]);
    assert!(output.status.success());
    let version = String::from_utf8_lossy(&output.stdout);
    assert!(version.contains(env!("CARGO_PKG_VERSION")), "{version}");
}

#[test]
fn openapi_uses_title_option() {
    let output = nsapi(&["openapi", "--title", "Demo API", "--api-version", "9.9"]);
    assert!(output.status.success());
    let spec: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(spec["info"]["title"], "Demo API");
    assert_eq!(spec["info"]["version"], "9.9");
}

#[test]
fn invalid_options_fail_with_message() {
    let bad_docs = nsapi(&["openapi", "--docs-path", "docs"]);
    assert_eq!(bad_docs.status.code(), Some(2));
    let message = String::from_utf8_lossy(&bad_docs.stderr);
    assert!(message.contains("docs path 'docs' is invalid"), "{message}");

    let bad_bind = nsapi(&["serve", "--bind", "not-an-address"]);
    assert_eq!(bad_bind.status.code(), Some(2));
    let message = String::from_utf8_lossy(&bad_bind.stderr);
    assert!(message.contains("'not-an-address' is not HOST:PORT"), "{message}");

    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let address = busy.local_addr().expect("address").to_string();
    let in_use = nsapi(&["serve", "--bind", &address]);
    assert_eq!(in_use.status.code(), Some(1));
    let message = String::from_utf8_lossy(&in_use.stderr);
    assert!(message.contains(&format!("failed to listen on {address}")), "{message}");

    for (option, value) in [("--keep-alive", "86401"), ("--workers", "513"), ("--workers", "0")] {
        let output = nsapi(&["serve", option, value]);
        assert_eq!(output.status.code(), Some(2), "{option} {value}");
    }

    let unknown = nsapi(&["--no-such-flag"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn startup_log_lists_mounts() {
    let server = Server::start(&[]);
    // The listening line comes after the mount lines.
    let log = server.log_lines().join("\n");
    assert!(log.contains("mounted namespace"), "{log}");
    assert!(log.contains("prefix=/respond"), "{log}");
}

#[test]
fn json_access_log_has_request_fields() {
    let server = Server::start(&["--log-format", "json"]);
    let response = server.request("GET", "/respond/hi", &[("X-Request-Id", "log-test-1")]);
    assert_eq!(response.status, 200);

    // The log line is written after the response, so poll for it briefly.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut lines = Vec::new();
    let entry = loop {
        lines.extend(server.log_lines());
        let found = lines
            .iter()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .find(|entry| entry["request_id"] == "log-test-1");
        if let Some(entry) = found {
            break entry;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no access log line in:\n{}",
            lines.join("\n")
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(entry["method"], "GET");
    assert_eq!(entry["path"], "/respond/hi");
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["peer"], "127.0.0.1");
    assert!(entry["latency_us"].is_u64(), "{entry}");
    assert_eq!(entry["level"], "INFO");
}

#[test]
fn default_build_has_respond_only() {
    // A namespace crate that failed to link would be missing from this list.
    let output = nsapi(&["namespaces"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let names: Vec<&str> =
        text.lines().skip(1).filter_map(|line| line.split_whitespace().next()).collect();
    assert_eq!(names, vec!["respond"], "{text}");
    assert!(text.lines().nth(1).is_some_and(|line| line.contains("/respond")), "{text}");
}

#[test]
fn unknown_namespace_exits_2() {
    for args in [vec!["openapi", "--namespace", "nope"], vec!["openapi", "--mount", "nope=/x"]] {
        let output = nsapi(&args);
        assert_eq!(output.status.code(), Some(2), "nsapi {args:?}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains("no namespace is named 'nope'"), "{message}");
        assert!(message.contains("'respond'"), "the message lists the namespaces: {message}");
    }

    let malformed = nsapi(&["openapi", "--mount", "respond"]);
    assert_eq!(malformed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&malformed.stderr).contains("NAME=PREFIX"));
}

#[test]
fn mount_moves_namespace_and_documents() {
    let server = Server::start(&["--namespace", "respond", "--mount", "respond=/api/v1/respond"]);
    assert_eq!(server.get("/api/v1/respond/hi").json()["response"], "hi");
    assert_eq!(server.get("/api/v1/respond/hostname").status, 200);
    assert_eq!(server.get("/respond/hi").status, 404);

    let spec = server.get("/swagger.json").json();
    assert!(spec["paths"]["/api/v1/respond/{string}"].is_object(), "{spec}");
    assert!(spec["paths"]["/respond/{string}"].is_null());
    let log = server.log_lines().join("\n");
    assert!(log.contains("prefix=/api/v1/respond"), "{log}");
}

#[test]
fn empty_environment_values_mean_unset() {
    let output = Command::new(env!("CARGO_BIN_EXE_nsapi"))
        .arg("openapi")
        .env("NSAPI_NAMESPACES", "")
        .env("NSAPI_MOUNTS", "")
        .env("NSAPI_NO_DOCS", "1")
        .output()
        .expect("run nsapi");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let spec: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(spec["paths"]["/respond/{string}"].is_object());
}

//! The generated documents and the docs UI as a client sees them.

use serde_json::Value;

use crate::support::Server;

fn respond_tag(document: &Value) -> &Value {
    let tags = document["tags"].as_array().expect("tags is an array");
    tags.iter().find(|tag| tag["name"] == "respond").expect("a respond tag")
}

#[test]
fn swagger_v2_lists_respond_namespace() {
    let server = Server::start(&[]);
    let response = server.get("/swagger.json");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));

    let spec = response.json();
    assert_eq!(spec["swagger"], "2.0");
    assert_eq!(spec["info"]["title"], "nsapi");
    assert!(respond_tag(&spec)["description"].as_str().is_some_and(|d| !d.is_empty()));

    let echo = &spec["paths"]["/respond/{string}"]["get"];
    assert_eq!(echo["operationId"], "echo_string");
    assert_eq!(echo["tags"], serde_json::json!(["respond"]));
    assert_eq!(echo["responses"]["200"]["schema"]["$ref"], "#/definitions/Respond");

    let hostname = &spec["paths"]["/respond/hostname"]["get"];
    assert_eq!(hostname["operationId"], "get_hostname");
    assert_eq!(hostname["tags"], serde_json::json!(["respond"]));
    assert_eq!(hostname["responses"]["200"]["schema"]["$ref"], "#/definitions/Hostname");

    let respond = &spec["definitions"]["Respond"]["properties"]["response"];
    assert_eq!(respond["description"], "The string provided.");
    let host = &spec["definitions"]["Hostname"]["properties"]["host"]["properties"];
    assert_eq!(host["hostname_or_ip"]["description"], "Network name or IP address.");
    assert!(host["system"]["description"].as_str().is_some_and(|d| d.contains("Linux")));
}

#[test]
fn openapi_v3_lists_respond_namespace() {
    let server = Server::start(&[]);
    let spec = server.get("/openapi.json").json();
    assert!(spec["openapi"].as_str().is_some_and(|v| v.starts_with("3.0")));
    assert!(respond_tag(&spec)["description"].as_str().is_some_and(|d| !d.is_empty()));

    let echo = &spec["paths"]["/respond/{string}"]["get"];
    assert_eq!(echo["tags"], serde_json::json!(["respond"]));
    let schema = &echo["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(schema["$ref"], "#/components/schemas/Respond");
    assert_eq!(spec["paths"]["/respond/hostname"]["get"]["operationId"], "get_hostname");
    assert!(spec["components"]["schemas"]["Hostname"].is_object());
}

#[test]
fn served_documents_match_openapi_command() {
    let server = Server::start(&[]);
    for (path, args) in
        [("/swagger.json", vec!["openapi"]), ("/openapi.json", vec!["openapi", "--v3"])]
    {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_nsapi"))
            .args(&args)
            .output()
            .expect("run nsapi openapi");
        assert!(output.status.success(), "nsapi {args:?}");
        let printed: Value = serde_json::from_slice(&output.stdout).expect("printed JSON");
        assert_eq!(printed, server.get(path).json(), "nsapi {args:?} against GET {path}");
    }
}

#[test]
fn docs_page_loads_fixed_spec_url() {
    let server = Server::start(&[]);
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    let html = page.text();
    assert!(html.contains(r#"data-spec-url="openapi.json""#), "{html}");
    assert!(html.contains(r#"src="swagger-ui/swagger-ui-bundle.js""#), "{html}");

    // A spec URL in the query string changes nothing.
    let spoofed = server.get("/?url=https://attacker.invalid/spec.json&configUrl=x");
    assert_eq!(spoofed.text(), html);

    for asset in ["/swagger-ui/swagger-ui-bundle.js", "/swagger-ui/swagger-ui.css"] {
        let response = server.get(asset);
        assert_eq!(response.status, 200, "GET {asset}");
        assert!(response.body.len() > 10_000, "GET {asset} returned {} bytes", response.body.len());
    }
    assert_eq!(server.get("/swagger-ui/missing.js").status, 404);
}

#[test]
fn docs_page_moves_and_turns_off() {
    let moved = Server::start(&["--docs-path", "/docs"]);
    let page = moved.get("/docs/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains(r#"data-spec-url="../openapi.json""#));
    let redirect = moved.get("/docs");
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location"), Some("docs/"));
    assert_eq!(moved.get("/docs/swagger-ui/swagger-ui.css").status, 200);
    assert_eq!(moved.get("/").status, 404);

    let off = Server::start(&["--no-docs"]);
    assert_eq!(off.get("/").status, 404);
    assert_eq!(off.get("/swagger.json").status, 200);
}

/// Directory of the checked-in documents of the default build.
fn checked_in_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi")
}

/// Returns the first differing line of two texts with a few lines of context.
fn first_difference(expected: &str, actual: &str) -> String {
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    let line = expected
        .iter()
        .zip(&actual)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    let start = line.saturating_sub(3);
    let show =
        |lines: &[&str]| lines.iter().skip(start).take(7).copied().collect::<Vec<_>>().join("\n");
    format!(
        "first difference at line {}:\n--- checked in\n{}\n+++ generated\n{}",
        line + 1,
        show(&expected),
        show(&actual)
    )
}

#[test]
fn checked_in_documents_match() {
    // NSAPI_UPDATE_SPECS=1 rewrites the files from the current build.
    let update = std::env::var_os("NSAPI_UPDATE_SPECS").is_some_and(|v| v == "1");
    for (file, args) in
        [("swagger.json", vec!["openapi"]), ("openapi.json", vec!["openapi", "--v3"])]
    {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_nsapi"))
            .args(&args)
            .output()
            .expect("run nsapi openapi");
        assert!(output.status.success(), "nsapi {args:?}");
        let generated = String::from_utf8(output.stdout).expect("UTF-8 document");
        let path = checked_in_dir().join(file);
        if update {
            std::fs::create_dir_all(checked_in_dir()).expect("create docs/openapi");
            std::fs::write(&path, &generated).expect("write the document");
            continue;
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!("{} is missing ({error}); run NSAPI_UPDATE_SPECS=1 cargo test", path.display())
        });
        assert!(
            checked_in == generated,
            "{} differs from `nsapi {}`; if the change is intended, run \
             NSAPI_UPDATE_SPECS=1 cargo test -p nsapi-server --test e2e checked_in\n{}",
            path.display(),
            args.join(" "),
            first_difference(&checked_in, &generated)
        );
    }
}

#[test]
fn documents_are_deterministic() {
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_nsapi"))
            .args(["openapi", "--v3"])
            .output()
            .expect("run nsapi openapi")
            .stdout
    };
    let first = run();
    for _ in 0..3 {
        assert!(run() == first, "two runs printed different documents");
    }
}

#[test]
fn redoc_page_uses_same_spec() {
    let server = Server::start(&[]);
    let page = server.get("/redoc");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains(r#"<redoc spec-url="openapi.json">"#), "{html}");
    assert!(html.contains(r#"src="redoc-assets/redoc.standalone.js""#), "{html}");
    assert!(!html.contains("http"), "the page loads nothing from another host: {html}");
    let script = server.get("/redoc-assets/redoc.standalone.js");
    assert_eq!(script.status, 200);
    assert!(script.body.len() > 500_000, "{} bytes", script.body.len());
}

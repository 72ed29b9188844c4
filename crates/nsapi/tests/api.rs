//! Building an `Api` from namespaces: mounting, conflicts and documents.

use nsapi::testing::TestClient;
use nsapi::{
    register_namespace, Api, ClientInfo, ConfigProblem, Facts, HostInfo, Namespace, Routes, Segment,
};
use paperclip::actix::{api_v2_operation, web::Json, Apiv2Schema};
use serde::Serialize;
use serde_json::json;

/// A value with its origin.
#[derive(Serialize, Apiv2Schema)]
struct Tagged {
    /// Which route answered.
    route: String,
    /// The path value, if any.
    value: String,
}

/// Report the static route.
#[api_v2_operation(operation_id = "fixed_route")]
async fn fixed() -> Json<Tagged> {
    Json(Tagged { route: "fixed".into(), value: String::new() })
}

/// Report the parameter route and its value.
#[api_v2_operation(operation_id = "param_route")]
async fn param(value: Segment) -> Json<Tagged> {
    Json(Tagged { route: "param".into(), value: value.into_inner() })
}

/// Report the static route.of the second namespace.
#[api_v2_operation(operation_id = "other_fixed_route")]
async fn other_fixed() -> Json<Tagged> {
    Json(Tagged { route: "fixed".into(), value: String::new() })
}

/// Report the parameter route and its value.of the second namespace.
#[api_v2_operation(operation_id = "other_param_route")]
async fn other_param(value: Segment) -> Json<Tagged> {
    Json(Tagged { route: "param".into(), value: value.into_inner() })
}

/// Report a route that has no operation id.
#[api_v2_operation]
async fn anonymous() -> Json<Tagged> {
    Json(Tagged { route: "anonymous".into(), value: String::new() })
}

/// A namespace whose name, prefix and routes a test chooses.
struct TestNamespace {
    name: &'static str,
    prefix: Option<&'static str>,
    add_routes: fn(&mut Routes),
}

impl Namespace for TestNamespace {
    fn name(&self) -> &'static str {
        self.name
    }

    fn description(&self) -> &'static str {
        "A namespace for tests"
    }

    fn prefix(&self) -> String {
        self.prefix.map_or_else(|| format!("/{}", self.name), str::to_owned)
    }

    fn routes(&self, routes: &mut Routes) {
        (self.add_routes)(routes);
    }
}

fn param_first(routes: &mut Routes) {
    routes.get("/{value}", param);
    routes.get("/fixed", fixed);
}

fn fixed_first(routes: &mut Routes) {
    routes.get("/fixed", other_fixed);
    routes.get("/{value}", other_param);
}

fn no_routes(_: &mut Routes) {}

static PARAM_FIRST: TestNamespace =
    TestNamespace { name: "alpha", prefix: None, add_routes: param_first };
static FIXED_FIRST: TestNamespace =
    TestNamespace { name: "beta", prefix: None, add_routes: fixed_first };

register_namespace!(TestNamespace { name: "registered", prefix: None, add_routes: no_routes });

fn facts() -> Facts {
    Facts::fixed(
        HostInfo { hostname: "h".into(), system: "Linux".into() },
        ClientInfo { address: "192.0.2.1".into(), system: String::new() },
    )
}

fn build(namespaces: Vec<&'static dyn Namespace>) -> Result<Api, nsapi::ConfigError> {
    Api::builder().namespaces(namespaces).facts(facts()).build()
}

#[test]
fn registered_namespaces_include_macro_registration() {
    let names: Vec<&str> = nsapi::registered_namespaces().iter().map(|ns| ns.name()).collect();
    assert_eq!(names, vec!["registered"]);
}

#[actix_web::test]
async fn static_segment_wins_in_any_order() {
    // Routes match in registration order in actix-web; the core reorders them.
    let api = build(vec![&PARAM_FIRST, &FIXED_FIRST]).expect("valid configuration");
    let client = TestClient::new(&api).await;
    for prefix in ["/alpha", "/beta"] {
        let fixed = client.get(&format!("{prefix}/fixed")).await.json();
        assert_eq!(fixed["route"], "fixed", "GET {prefix}/fixed");
        let param = client.get(&format!("{prefix}/other")).await.json();
        assert_eq!(param, json!({ "route": "param", "value": "other" }), "GET {prefix}/other");
    }
}

#[test]
fn mounts_and_tags_are_sorted() {
    let api = build(vec![&FIXED_FIRST, &PARAM_FIRST]).expect("valid configuration");
    let prefixes: Vec<String> = api.mounts().iter().map(|mount| mount.prefix()).collect();
    assert_eq!(prefixes, vec!["/alpha", "/beta"]);

    for document in [api.specs().swagger_v2(), api.specs().openapi_v3()] {
        let tags: Vec<&str> = document["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert_eq!(tags, vec!["alpha", "beta"]);
    }
}

#[test]
fn same_name_and_prefix_are_all_reported() {
    static DUPLICATE_NAME: TestNamespace =
        TestNamespace { name: "alpha", prefix: Some("/other"), add_routes: no_routes };
    static SAME_PREFIX: TestNamespace =
        TestNamespace { name: "gamma", prefix: Some("/beta"), add_routes: no_routes };

    let error = build(vec![&PARAM_FIRST, &FIXED_FIRST, &DUPLICATE_NAME, &SAME_PREFIX])
        .err()
        .expect("conflicts are an error");
    assert_eq!(error.problems().len(), 2, "{error}");
    assert!(error
        .problems()
        .contains(&ConfigProblem::DuplicateName { name: "alpha".into(), count: 2 }));
    assert!(error.problems().contains(&ConfigProblem::DuplicatePrefix {
        prefix: "/beta".into(),
        namespaces: vec!["beta".into(), "gamma".into()],
    }));

    let message = error.to_string();
    assert!(message.contains("2 problems"), "{message}");
    assert!(message.contains("'beta', 'gamma'"), "{message}");
}

#[test]
fn invalid_names_prefixes_and_paths_are_reported() {
    fn regex_route(routes: &mut Routes) {
        routes.get(r"/{id:\d+}", param);
    }
    fn duplicate_route(routes: &mut Routes) {
        routes.get("/{a}", param);
        routes.get("/{b}", param);
    }
    static BAD_NAME: TestNamespace =
        TestNamespace { name: "Bad Name", prefix: Some("/bad"), add_routes: no_routes };
    static BAD_PREFIX: TestNamespace =
        TestNamespace { name: "badprefix", prefix: Some("/a/"), add_routes: no_routes };
    static RESERVED: TestNamespace =
        TestNamespace { name: "reserved", prefix: Some("/openapi.json"), add_routes: no_routes };
    static REGEX: TestNamespace =
        TestNamespace { name: "regex", prefix: None, add_routes: regex_route };
    static DUPLICATE: TestNamespace =
        TestNamespace { name: "dup", prefix: None, add_routes: duplicate_route };

    let error = build(vec![&BAD_NAME, &BAD_PREFIX, &RESERVED, &REGEX, &DUPLICATE])
        .err()
        .expect("invalid configuration");
    let problems = error.problems();
    assert!(problems.iter().any(|p| matches!(p, ConfigProblem::InvalidName { .. })), "{error}");
    assert!(problems.iter().any(|p| matches!(p, ConfigProblem::InvalidPrefix { .. })), "{error}");
    assert!(problems.iter().any(|p| matches!(p, ConfigProblem::ReservedPrefix { .. })), "{error}");
    assert!(
        problems.iter().any(|p| matches!(p, ConfigProblem::InvalidRoutePath { .. })),
        "{error}"
    );
    assert!(problems.iter().any(|p| matches!(p, ConfigProblem::DuplicateRoute { .. })), "{error}");
}

#[test]
fn operations_need_unique_ids() {
    fn anonymous_route(routes: &mut Routes) {
        routes.get("/x", anonymous);
    }
    static ANONYMOUS: TestNamespace =
        TestNamespace { name: "anon", prefix: None, add_routes: anonymous_route };
    let error = build(vec![&ANONYMOUS]).err().expect("missing operation id");
    assert!(error.to_string().contains("has no operation_id"), "{error}");

    static SAME_IDS: TestNamespace =
        TestNamespace { name: "copy", prefix: None, add_routes: param_first };
    let error = build(vec![&PARAM_FIRST, &SAME_IDS]).err().expect("duplicate operation ids");
    assert!(
        error.problems().iter().any(|p| matches!(p, ConfigProblem::DuplicateOperationId { .. })),
        "{error}"
    );
}

#[test]
fn documents_carry_info_and_prefixed_paths() {
    let info =
        nsapi::ApiInfo { title: "T".into(), version: "1.2.3".into(), description: "D".into() };
    let api = Api::builder()
        .namespaces(vec![&PARAM_FIRST])
        .facts(facts())
        .info(info)
        .build()
        .expect("valid configuration");
    let v2 = api.specs().swagger_v2();
    assert_eq!(v2["info"], json!({ "title": "T", "version": "1.2.3", "description": "D" }));
    assert_eq!(v2["paths"]["/alpha/{value}"]["get"]["operationId"], "param_route");
    assert_eq!(v2["paths"]["/alpha/{value}"]["get"]["parameters"][0]["name"], "value");
    assert!(v2["paths"]["/alpha/fixed"]["head"].is_null(), "HEAD is not documented");
    assert_eq!(api.specs().openapi_v3()["info"]["title"], "T");
}

#[test]
fn nested_prefixes_conflict() {
    static INNER: TestNamespace =
        TestNamespace { name: "inner", prefix: Some("/alpha/inner"), add_routes: no_routes };
    let error = build(vec![&PARAM_FIRST, &INNER]).err().expect("nested prefixes conflict");
    assert_eq!(
        error.problems(),
        &[ConfigProblem::NestedPrefix {
            outer: "alpha".into(),
            outer_prefix: "/alpha".into(),
            inner: "inner".into(),
            inner_prefix: "/alpha/inner".into(),
        }]
    );
    assert!(error.to_string().contains("'inner'"), "{error}");
    assert!(error.to_string().contains("'alpha'"), "{error}");
}

#[test]
fn selection_and_moves() {
    let selected = Api::builder()
        .namespaces(vec![&PARAM_FIRST, &FIXED_FIRST])
        .select(["beta"])
        .mount_at("beta", "/v2/beta")
        .facts(facts())
        .build()
        .expect("valid configuration");
    let mounts: Vec<(String, &str)> =
        selected.mounts().iter().map(|m| (m.prefix(), m.name())).collect();
    assert_eq!(mounts, vec![("/v2/beta".to_owned(), "beta")]);
    assert!(selected.specs().swagger_v2()["paths"]["/v2/beta/fixed"].is_object());

    let unknown = Api::builder()
        .namespaces(vec![&PARAM_FIRST])
        .select(["gamma"])
        .mount_at("delta", "/d")
        .facts(facts())
        .build()
        .err()
        .expect("unknown names");
    assert_eq!(unknown.problems().len(), 2, "{unknown}");
    assert!(unknown.is_usage_error());

    let moved_onto_other = Api::builder()
        .namespaces(vec![&PARAM_FIRST, &FIXED_FIRST])
        .mount_at("beta", "/alpha")
        .facts(facts())
        .build()
        .err()
        .expect("same prefix");
    assert!(!moved_onto_other.is_usage_error());
    assert!(moved_onto_other.to_string().contains("share prefix '/alpha'"), "{moved_onto_other}");
}

//! The greet namespace in-process.

use greet_example::GreetNamespace;
use nsapi::testing::{example_facts, TestClient};

static GREET: GreetNamespace = GreetNamespace;

#[actix_web::test]
async fn greet_says_hello() {
    let client = TestClient::start(&[&GREET], example_facts()).await;

    let response = client.get("/greet/World").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), serde_json::json!({ "message": "Hello, World!" }));

    let spec = client.api().specs().swagger_v2();
    assert_eq!(spec["paths"]["/greet/{name}"]["get"]["tags"][0], "greet");
}

#[actix_web::test]
async fn greet_rejects_dot_segment() {
    let client = TestClient::start(&[&GREET], example_facts()).await;
    let response = client.get("/greet/..").await;
    assert_eq!(response.status, 404);
    assert_eq!(response.header("content-type"), Some("application/problem+json"));
}

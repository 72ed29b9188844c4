//! The greet namespace in-process.

use greet_example::GreetNamespace;
use nsapi::testing::TestClient;
use nsapi::{Api, Namespace};

static GREET: GreetNamespace = GreetNamespace;

#[actix_web::test]
async fn greet_says_hello() {
    let namespaces: Vec<&'static dyn Namespace> = vec![&GREET];
    let api = Api::builder().namespaces(namespaces).build().expect("valid configuration");
    let client = TestClient::new(&api).await;

    let response = client.get("/greet/World").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), serde_json::json!({ "message": "Hello, World!" }));

    let spec = api.specs().swagger_v2();
    assert_eq!(spec["paths"]["/greet/{name}"]["get"]["tags"][0], "greet");
}

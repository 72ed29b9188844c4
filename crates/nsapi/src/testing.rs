//! Helpers for testing namespaces in-process, without a socket.

use actix_service::boxed::{self, BoxService};
use actix_web::body::{to_bytes, BoxBody};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::test::{init_service, TestRequest};

use crate::app::Api;
use crate::facts::{ClientInfo, Facts, HostInfo};
use crate::namespace::Namespace;

/// A running in-process instance of an [`Api`] that tests call like a client.
///
/// ```
/// # use nsapi::{Namespace, Routes};
/// # struct Status;
/// # impl Namespace for Status {
/// #     fn name(&self) -> &'static str { "status" }
/// #     fn description(&self) -> &'static str { "Service status" }
/// #     fn routes(&self, _routes: &mut Routes) {}
/// # }
/// static STATUS: Status = Status;
///
/// # actix_web::rt::System::new().block_on(async {
/// let client = nsapi::testing::TestClient::start(&[&STATUS], nsapi::testing::example_facts()).await;
/// assert_eq!(client.get("/status/missing").await.status, 404);
/// assert!(client.api().specs().swagger_v2()["tags"][0]["name"] == "status");
/// # });
/// ```
pub struct TestClient {
    api: Api,
    service: BoxService<actix_http::Request, ServiceResponse<BoxBody>, actix_web::Error>,
}

/// Fixed facts for tests: host `test-host` on `Linux`, client `192.0.2.10`
/// (a documentation address) with no recognised OS.
pub fn example_facts() -> Facts {
    Facts::fixed(
        HostInfo { hostname: "test-host".into(), system: "Linux".into() },
        ClientInfo { address: "192.0.2.10".into(), system: String::new() },
    )
}

/// A response read in full.
#[derive(Debug)]
pub struct TestResponse {
    /// Status code.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// Parses the body as JSON; panics with the body text when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!("body is not JSON ({error}): {}", String::from_utf8_lossy(&self.body))
        })
    }

    /// Returns a header as text, or `None` when it is missing or not text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

impl TestClient {
    /// Starts the app of `api` in-process.
    pub async fn new(api: &Api) -> Self {
        let service = init_service(api.app()).await;
        Self { api: api.clone(), service: boxed::service(service) }
    }

    /// Builds an API with these namespaces and facts and starts it.
    ///
    /// Panics with every configuration problem when the namespaces conflict,
    /// which is what a test wants to see.
    pub async fn start(namespaces: &[&'static dyn Namespace], facts: Facts) -> Self {
        let api = Api::builder()
            .namespaces(namespaces.to_vec())
            .facts(facts)
            .build()
            .unwrap_or_else(|error| panic!("{error}"));
        Self::new(&api).await
    }

    /// Returns the API this client calls, for its documents and mounts.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// Sends `GET path`.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(TestRequest::get().uri(path)).await
    }

    /// Sends `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> TestResponse {
        self.send(TestRequest::post().uri(path).set_json(body)).await
    }

    /// Sends `PUT path` with a JSON body.
    pub async fn put_json(&self, path: &str, body: &serde_json::Value) -> TestResponse {
        self.send(TestRequest::put().uri(path).set_json(body)).await
    }

    /// Sends `DELETE path`.
    pub async fn delete(&self, path: &str) -> TestResponse {
        self.send(TestRequest::delete().uri(path)).await
    }

    /// Sends any request built with actix-web's `TestRequest`.
    pub async fn send(&self, request: TestRequest) -> TestResponse {
        let response = match self.service.call(request.to_request()).await {
            Ok(response) => response,
            Err(error) => {
                ServiceResponse::from_err(error, TestRequest::default().to_http_request())
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body()).await.map(|b| b.to_vec()).unwrap_or_default();
        TestResponse { status, headers, body }
    }
}

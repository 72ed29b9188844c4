//! Helpers for testing namespaces in-process, without a socket.

use actix_service::boxed::{self, BoxService};
use actix_web::body::{to_bytes, BoxBody};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::test::{init_service, TestRequest};

use crate::app::Api;

/// A running in-process instance of an [`Api`] that tests call like a client.
pub struct TestClient {
    service: BoxService<actix_http::Request, ServiceResponse<BoxBody>, actix_web::Error>,
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
        Self { service: boxed::service(service) }
    }

    /// Sends `GET path`.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(TestRequest::get().uri(path)).await
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

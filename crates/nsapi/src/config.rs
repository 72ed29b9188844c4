//! Settings of the generated documents and the docs UI.

/// Title, version and description of the API, shown in both documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiInfo {
    /// API title; `nsapi` by default.
    pub title: String,
    /// API version; the version of the `nsapi` crate by default.
    pub version: String,
    /// One or more sentences about the API.
    pub description: String,
}

impl Default for ApiInfo {
    fn default() -> Self {
        Self {
            title: "nsapi".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description:
                "HTTP API built from pluggable namespaces, each under its own path prefix.".into(),
        }
    }
}

/// Path of the Swagger 2.0 document.
pub const SWAGGER_JSON_PATH: &str = "/swagger.json";

/// Path of the OpenAPI 3.0 document.
pub const OPENAPI_JSON_PATH: &str = "/openapi.json";

/// Path of the liveness probe; outside every namespace and not in the documents.
pub const HEALTHZ_PATH: &str = "/healthz";

/// Path of the readiness probe; outside every namespace and not in the documents.
pub const READYZ_PATH: &str = "/readyz";

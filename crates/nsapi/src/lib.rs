//! HTTP APIs built from pluggable namespaces, with generated OpenAPI docs.
//!
//! A *namespace* is a group of related operations with a name, a
//! description and a path prefix, like a namespace in flask-restx. Each
//! namespace lives in its own crate, implements [`Namespace`] and
//! registers itself with [`register_namespace!`]. No central file lists
//! the namespaces: [`Api::builder`] collects every registered one from the
//! crates linked into the binary.
//!
//! The core mounts each namespace under its prefix, in a fixed order, and
//! stops at startup with a [`ConfigError`] that lists every conflict (two
//! namespaces with one name or prefix, duplicate routes or operation ids).
//! It serves the Swagger 2.0 document at `/swagger.json`, the OpenAPI 3.0
//! document at `/openapi.json`, and Swagger UI at `/`. Each namespace is
//! one tag of the documents, and all its operations carry that tag.
//!
//! Handlers use paperclip's `#[api_v2_operation]` attribute, whose
//! `operation_id` and doc comment become the operation's id and summary,
//! and return models that derive `Apiv2Schema`:
//!
//! ```
//! use nsapi::{register_namespace, Namespace, Routes, Segment};
//! use paperclip::actix::{api_v2_operation, web::Json, Apiv2Schema};
//! use serde::Serialize;
//!
//! /// A greeting.
//! #[derive(Serialize, Apiv2Schema)]
//! struct Greeting {
//!     /// The greeting text.
//!     message: String,
//! }
//!
//! /// Greet someone by name.
//! #[api_v2_operation(operation_id = "greet_person")]
//! async fn greet(name: Segment) -> Json<Greeting> {
//!     Json(Greeting { message: format!("Hello, {}!", name.into_inner()) })
//! }
//!
//! struct Greet;
//!
//! impl Namespace for Greet {
//!     fn name(&self) -> &'static str {
//!         "greet"
//!     }
//!
//!     fn description(&self) -> &'static str {
//!         "Greetings"
//!     }
//!
//!     fn routes(&self, routes: &mut Routes) {
//!         routes.get("/{name}", greet);
//!     }
//! }
//!
//! register_namespace!(Greet);
//!
//! let api = nsapi::Api::builder().build().expect("valid configuration");
//! assert!(api.mounts().iter().any(|mount| mount.prefix() == "/greet"));
//! ```
//!
//! A binary serves a namespace only if it names the namespace's crate
//! once, for example with `use nsapi_respond as _;`. Without that line
//! the linker drops the crate and its registration without an error.

mod app;
mod body;
mod config;
mod context;
mod docs;
mod error;
mod facts;
mod fields;
mod forwarded;
mod namespace;
mod registry;
mod responses;
mod routes;
mod segment;
mod spec;
pub mod testing;

pub use app::{Api, ApiBuilder, Limits};
pub use body::JsonBody;
pub use config::{ApiInfo, HEALTHZ_PATH, OPENAPI_JSON_PATH, READYZ_PATH, SWAGGER_JSON_PATH};
pub use context::{RequestId, REQUEST_ID_HEADER};
pub use error::{ApiError, PROBLEM_JSON};
pub use facts::{system_name, ClientInfo, Facts, HostInfo, OsDetector};
pub use fields::{
    mask_pattern, FieldMask, MaskError, MaskedJson, FIELDS_HEADER, MAX_MASK_BYTES, MAX_MASK_DEPTH,
};
pub use forwarded::{ForwardedHeader, TrustedProxies};
pub use ipnet::IpNet;
pub use namespace::{registered_namespaces, Namespace};
pub use registry::{ConfigError, ConfigProblem, Mount};
pub use responses::Created;
pub use routes::Routes;
pub use segment::{decode_segment, Segment};
pub use spec::Specs;

/// Re-exports for the macros; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::namespace::Registration;
    pub use inventory;
}

//! The `greet` namespace: `GET /greet/{name}` returns a greeting.

use nsapi::{register_namespace, Namespace, Routes, Segment};
use paperclip::actix::{api_v2_operation, web::Json, Apiv2Schema};
use serde::Serialize;

/// The `greet` namespace.
pub struct GreetNamespace;

impl Namespace for GreetNamespace {
    fn name(&self) -> &'static str {
        "greet"
    }

    fn description(&self) -> &'static str {
        "Greet someone by name"
    }

    fn routes(&self, routes: &mut Routes) {
        routes.get("/{name}", greet);
    }
}

register_namespace!(GreetNamespace);

/// A greeting for one person.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct Greeting {
    /// The greeting, such as "Hello, World!".
    pub message: String,
}

/// Greet someone by name.
#[api_v2_operation(operation_id = "greet_by_name")]
async fn greet(name: Segment) -> Json<Greeting> {
    Json(Greeting { message: format!("Hello, {}!", name.into_inner()) })
}

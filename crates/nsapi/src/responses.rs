//! Typed responses that document themselves in the OpenAPI documents.

use actix_web::body::BoxBody;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, Responder};
use paperclip::actix::{CreatedJson, OperationModifier};
use paperclip::v2::models::{DataType, DefaultOperationRaw, DefaultSchemaRaw, Either, Header};
use paperclip::v2::schema::Apiv2Schema;
use serde::Serialize;

/// A 201 Created response with a JSON body and a `Location` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created<T> {
    /// URL of the new resource, usually a path such as `/todos/7`.
    pub location: String,
    /// The new resource.
    pub body: T,
}

impl<T: Serialize> Responder for Created<T> {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse<BoxBody> {
        match serde_json::to_string(&self.body) {
            Ok(body) => HttpResponse::Created()
                .content_type("application/json")
                .insert_header((header::LOCATION, self.location))
                .body(body),
            Err(error) => HttpResponse::from_error(crate::error::ApiError::internal(format!(
                "failed to serialize the response: {error}"
            ))),
        }
    }
}

impl<T: Serialize + Apiv2Schema> Apiv2Schema for Created<T> {
    fn name() -> Option<String> {
        T::name()
    }

    fn raw_schema() -> DefaultSchemaRaw {
        T::raw_schema()
    }
}

impl<T: Serialize + Apiv2Schema> OperationModifier for Created<T> {
    fn update_response(op: &mut DefaultOperationRaw) {
        <CreatedJson<T> as OperationModifier>::update_response(op);
        if let Some(Either::Right(response)) = op.responses.get_mut("201") {
            response.headers.insert(
                "Location".into(),
                Header {
                    description: Some("URL of the new resource".into()),
                    data_type: Some(DataType::String),
                    ..Default::default()
                },
            );
        }
    }

    fn update_definitions(map: &mut std::collections::BTreeMap<String, DefaultSchemaRaw>) {
        <CreatedJson<T> as OperationModifier>::update_definitions(map);
    }
}

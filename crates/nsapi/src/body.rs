//! A JSON request body whose errors name the field that failed.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest};
use paperclip::actix::OperationModifier;
use paperclip::v2::models::{DefaultOperationRaw, DefaultSchemaRaw};
use paperclip::v2::schema::Apiv2Schema;
use serde::de::DeserializeOwned;

use crate::context::RequestLimits;
use crate::error::ApiError;

/// A JSON request body, documented like paperclip's `web::Json<T>`.
///
/// Extraction fails with 400 when the content type is not JSON or the body
/// is not valid for `T`. The detail then names the field, such as
/// `field 'priority': invalid type: string "high", expected u8`. A body
/// over the configured limit fails with 413.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonBody<T>(pub T);

impl<T> JsonBody<T> {
    /// Returns the parsed body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for JsonBody<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_error = check_content_type(req);
        let encoded = req.headers().get(header::CONTENT_ENCODING).is_some_and(|v| v != "identity");
        let limits = req.app_data::<web::Data<RequestLimits>>().map(|limits| *limits.get_ref());
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if let Some(error) = content_type_error {
                return Err(error);
            }
            let bytes = match limits {
                Some(limits) => actix_web::rt::time::timeout(limits.body_timeout, bytes)
                    .await
                    .map_err(|_| {
                        ApiError::new(
                            StatusCode::REQUEST_TIMEOUT,
                            format!(
                                "the request body did not arrive within {} s",
                                limits.body_timeout.as_secs()
                            ),
                        )
                    })?,
                None => bytes.await,
            };
            let bytes = bytes.map_err(|error| body_error(&error, limits, encoded))?;
            parse_json(&bytes).map(JsonBody)
        })
    }
}

/// Describes a failure to read the body without actix-web's internal detail.
fn body_error(error: &actix_web::Error, limits: Option<RequestLimits>, encoded: bool) -> ApiError {
    use actix_web::error::PayloadError;

    match error.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => {
            let maximum =
                limits.map_or_else(String::new, |l| format!(" of {} bytes", l.max_body_bytes));
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than the maximum{maximum}"),
            )
        }
        // actix-web reports a body that fails to decompress as incomplete.
        Some(PayloadError::Incomplete(_)) if encoded => ApiError::bad_request(
            "the request body does not decode with its Content-Encoding, or it ended early",
        ),
        Some(PayloadError::Incomplete(_)) => ApiError::bad_request(
            "the request body ended before its declared length or its last chunk",
        ),
        Some(PayloadError::EncodingCorrupted) => {
            ApiError::bad_request("the request body does not match its Content-Encoding")
        }
        _ => {
            let status = actix_web::ResponseError::status_code(error.as_response_error());
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                let maximum = limits.map_or(0, |l| l.max_body_bytes);
                ApiError::new(
                    status,
                    format!("the request body is larger than the maximum of {maximum} bytes"),
                )
            } else {
                ApiError::new(status, "failed to read the request body")
            }
        }
    }
}

fn check_content_type(req: &HttpRequest) -> Option<ApiError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let essence = content_type.unwrap_or_default().split(';').next().unwrap_or_default().trim();
    let is_json = essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json");
    (!is_json).then(|| {
        ApiError::bad_request(format!(
            "invalid Content-Type {:?}: the body must be application/json",
            content_type.unwrap_or("(missing)")
        ))
    })
}

/// Parses `bytes` as `T` and names the failing field in the error.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if path == "." {
            ApiError::bad_request(format!("invalid JSON body: {inner}"))
        } else {
            ApiError::bad_request(format!("invalid JSON body: field '{path}': {inner}"))
        }
    })?;
    deserializer
        .end()
        .map_err(|error| ApiError::bad_request(format!("invalid JSON body: {error}")))?;
    Ok(value)
}

impl<T: Apiv2Schema> Apiv2Schema for JsonBody<T> {
    fn name() -> Option<String> {
        T::name()
    }

    fn raw_schema() -> DefaultSchemaRaw {
        T::raw_schema()
    }
}

impl<T: Apiv2Schema> OperationModifier for JsonBody<T> {
    fn update_parameter(op: &mut DefaultOperationRaw) {
        <paperclip::actix::web::Json<T> as OperationModifier>::update_parameter(op);
    }

    fn update_definitions(map: &mut std::collections::BTreeMap<String, DefaultSchemaRaw>) {
        <paperclip::actix::web::Json<T> as OperationModifier>::update_definitions(map);
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Note {
        title: String,
        priority: u8,
        tags: Vec<String>,
    }

    #[test]
    fn parse_json_names_fields() {
        // Each row: body, text expected in the detail.
        let cases = [
            (r#"{"title": "a", "tags": []}"#, "missing field `priority`"),
            (r#"{"title": "a", "priority": "high", "tags": []}"#, "field 'priority'"),
            (r#"{"title": "a", "priority": 1, "tags": [1]}"#, "field 'tags[0]'"),
            (r#"{"title": "a", "priority": 1, "tags": [], "x": 1}"#, "unknown field `x`"),
            ("{", "EOF"),
            (r#"{"title": "a", "priority": 1, "tags": []} trailing"#, "trailing characters"),
        ];
        for (body, expected) in cases {
            let error = parse_json::<Note>(body.as_bytes()).expect_err(body);
            assert!(error.detail().contains(expected), "{body}: {}", error.detail());
            assert_eq!(error.status(), actix_web::http::StatusCode::BAD_REQUEST);
        }
    }
}

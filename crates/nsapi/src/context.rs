//! The middleware every request passes: request id, problem bodies, access log.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use futures_util::FutureExt;

use crate::error::{ApiError, Problem, PROBLEM_JSON};

/// Header that carries the request id in both directions.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Maximum length of an incoming request id that the server reuses.
const MAX_REQUEST_ID_LEN: usize = 128;

/// Id of the current request, stored in the request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(Arc<str>);

impl RequestId {
    /// Reuses a valid incoming id (1 to 128 visible ASCII characters) or
    /// makes a new random one.
    fn from_header(value: Option<&HeaderValue>) -> Self {
        let incoming = value
            .map(HeaderValue::as_bytes)
            .filter(|bytes| is_valid_request_id(bytes))
            .and_then(|bytes| std::str::from_utf8(bytes).ok());
        match incoming {
            Some(id) => Self(Arc::from(id)),
            None => Self(Arc::from(uuid::Uuid::new_v4().simple().to_string())),
        }
    }

    /// Returns the id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_valid_request_id(bytes: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_graphic)
}

/// Limits the middleware enforces on every request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestLimits {
    pub(crate) max_header_bytes: usize,
    pub(crate) max_body_bytes: usize,
    pub(crate) body_timeout: std::time::Duration,
}

/// Assigns the request id, rejects oversized headers, turns a handler
/// panic into a 500, turns every error response into a problem body that
/// carries the request id, and logs one line when the request completes.
pub(crate) async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = RequestId::from_header(req.headers().get(&REQUEST_ID_HEADER));
    req.extensions_mut().insert(request_id.clone());

    // The request is gone when the line is written, so keep what it needs,
    // and nothing when the access log is off.
    let access = tracing::enabled!(target: "nsapi::access", tracing::Level::INFO).then(|| {
        (req.method().clone(), req.path().to_owned(), req.peer_addr().map(|addr| addr.ip()))
    });
    let log_completed = |status: StatusCode| {
        let Some((method, path, peer)) = &access else {
            return;
        };
        let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        tracing::info!(
            target: "nsapi::access",
            method = %method,
            path = %path,
            status = status.as_u16(),
            latency_us,
            request_id = request_id.as_str(),
            peer = peer.map(tracing::field::display),
            "request completed"
        );
    };

    if let Some(error) = check_header_size(&req) {
        let response =
            req.into_response(error.with_request_id(request_id.as_str()).error_response());
        log_completed(response.status());
        return Ok(response);
    }

    // The router needs sole ownership of the request, so no clone of it may
    // be held here. An error after this point carries the id in itself.
    let outcome = AssertUnwindSafe(async move { next.call(req).await }).catch_unwind().await;
    let response = match outcome {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => {
            tracing::error!(request_id = request_id.as_str(), %error, "middleware failed");
            let api_error =
                ApiError::internal(error.to_string()).with_request_id(request_id.as_str());
            log_completed(api_error.status());
            return Err(api_error.into());
        }
        Err(panic) => {
            let message = panic_message(panic.as_ref());
            tracing::error!(request_id = request_id.as_str(), panic = message, "handler panicked");
            let api_error = ApiError::internal(format!("handler panicked: {message}"))
                .with_request_id(request_id.as_str());
            log_completed(api_error.status());
            return Err(api_error.into());
        }
    };

    let mut response = into_problem_if_error(response.map_into_boxed_body(), &request_id);
    if let Ok(value) = HeaderValue::from_str(request_id.as_str()) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    log_completed(response.status());
    Ok(response)
}

/// Returns 431 when the request line and headers exceed the configured limit.
fn check_header_size(req: &ServiceRequest) -> Option<ApiError> {
    let limits = req.app_data::<web::Data<RequestLimits>>()?;
    let target_bytes = req.uri().path_and_query().map_or(0, |target| target.as_str().len());
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum::<usize>()
        + target_bytes;
    (header_bytes > limits.max_header_bytes).then(|| {
        ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "the request line and headers are {header_bytes} bytes; the maximum is {}",
                limits.max_header_bytes
            ),
        )
    })
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a non-string payload")
}

/// Renders an error response as a problem that carries the request id.
///
/// An [`ApiError`] keeps its detail. Other error responses come from
/// actix-web's extractors or from handlers with other error types. A 4xx
/// of that kind gets the error's message as detail. A 5xx gets a generic
/// detail, and its message goes to the log only.
fn into_problem_if_error(
    response: ServiceResponse<BoxBody>,
    request_id: &RequestId,
) -> ServiceResponse<BoxBody> {
    let status = response.status();
    if !status.is_client_error() && !status.is_server_error() {
        return response;
    }

    let problem = match response.response().error() {
        Some(error) => match error.as_error::<ApiError>() {
            Some(api_error) => {
                if let Some(internal) = api_error.internal_message() {
                    tracing::error!(
                        request_id = request_id.as_str(),
                        error = internal,
                        "request failed"
                    );
                }
                api_error.problem(Some(request_id.as_str()))
            }
            None => other_error_problem(status, &error.to_string(), request_id),
        },
        None if is_problem(response.response()) => return response,
        None => Problem::new(status, default_detail(status), Some(request_id.as_str())),
    };

    let (request, mut http_response) = response.into_parts();
    http_response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    http_response.headers_mut().remove(header::CONTENT_LENGTH);
    let body = serde_json::to_string(&problem).unwrap_or_default();
    ServiceResponse::new(request, http_response.set_body(BoxBody::new(body)))
}

fn other_error_problem(status: StatusCode, message: &str, request_id: &RequestId) -> Problem {
    if status.is_server_error() {
        tracing::error!(request_id = request_id.as_str(), error = message, "request failed");
        return ApiError::internal(message).problem(Some(request_id.as_str()));
    }
    Problem::new(status, message.to_owned(), Some(request_id.as_str()))
}

fn default_detail(status: StatusCode) -> String {
    if status.is_server_error() {
        ApiError::internal("").detail().to_owned()
    } else {
        status.canonical_reason().unwrap_or("request failed").to_lowercase()
    }
}

fn is_problem(response: &HttpResponse<BoxBody>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_id_reuse_rules() {
        let valid = HeaderValue::from_static("abc-123_XYZ");
        assert_eq!(RequestId::from_header(Some(&valid)).as_str(), "abc-123_XYZ");

        let long = "a".repeat(MAX_REQUEST_ID_LEN);
        let value = HeaderValue::from_str(&long).expect("valid header");
        assert_eq!(RequestId::from_header(Some(&value)).as_str(), long);

        let rejected = ["a".repeat(MAX_REQUEST_ID_LEN + 1), "has space".into(), "".into()];
        for id in rejected {
            let value = HeaderValue::from_str(&id).expect("valid header");
            let assigned = RequestId::from_header(Some(&value));
            assert_ne!(assigned.as_str(), id, "id {id:?} must be replaced");
            assert_eq!(assigned.as_str().len(), 32);
        }
    }
}

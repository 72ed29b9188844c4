//! The one error type at the HTTP edge and its `application/problem+json` body.

use std::fmt;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use paperclip::v2::schema::Apiv2Errors;
use serde::Serialize;

/// Media type of every error body (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error returned to the client as an RFC 9457 problem.
///
/// `detail` is shown to the client. Text passed to [`ApiError::internal`]
/// goes to the log only, and the client sees a generic detail instead.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    internal: Option<String>,
    request_id: Option<String>,
}

impl ApiError {
    /// Creates an error with a status and a detail meant for the client.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self { status, detail: detail.into(), internal: None, request_id: None }
    }

    /// 400 Bad Request: the request is invalid, and `detail` names the part.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 404 Not Found.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// 500 Internal Server Error. `message` is logged, never sent.
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            detail: "the server failed to handle the request; the log has the details".into(),
            internal: Some(message.into()),
            request_id: None,
        }
    }

    /// Sets the request id that the response body and header carry. The
    /// request middleware sets it; handlers need not.
    pub(crate) fn with_request_id(mut self, request_id: &str) -> Self {
        self.request_id = Some(request_id.to_owned());
        self
    }

    /// HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Detail sent to the client.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// Message for the log only, if any.
    pub fn internal_message(&self) -> Option<&str> {
        self.internal.as_deref()
    }

    /// Builds the problem body for this error.
    pub(crate) fn problem(&self, request_id: Option<&str>) -> Problem {
        Problem::new(self.status, self.detail.clone(), request_id)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.internal {
            Some(internal) => write!(f, "{} ({internal})", self.status),
            None => write!(f, "{}: {}", self.status, self.detail),
        }
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        // Errors returned by handlers get the request id from the
        // middleware, which renders the body again.
        let mut response = self.problem(self.request_id.as_deref()).response();
        if let Some(value) =
            self.request_id.as_deref().and_then(|id| HeaderValue::from_str(id).ok())
        {
            response.headers_mut().insert(crate::context::REQUEST_ID_HEADER, value);
        }
        response
    }
}

impl Apiv2Errors for ApiError {}

/// Body of an error response (RFC 9457 problem details).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Problem {
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

impl Problem {
    pub(crate) fn new(status: StatusCode, detail: String, request_id: Option<&str>) -> Self {
        Self {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            request_id: request_id.map(str::to_owned),
        }
    }

    pub(crate) fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
            .body(serde_json::to_string(self).unwrap_or_default())
    }
}

/// Responds to a method that the matched resource has no route for: 204 with
/// `Allow` for `OPTIONS`, otherwise 405 with `Allow` and a problem body.
pub(crate) async fn method_not_allowed(req: HttpRequest, allowed: Vec<Method>) -> HttpResponse {
    let allow = allowed.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
    if req.method() == Method::OPTIONS {
        return HttpResponse::NoContent().insert_header((header::ALLOW, allow)).finish();
    }

    let error = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} is not allowed on {}; allowed methods: {allow}", req.method(), req.path()),
    );
    let mut response = HttpResponse::from_error(error);
    if let Ok(value) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// Default service of the whole app: a problem for every unmatched route.
pub(crate) async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    // An authority-form target (CONNECT host:port) has an empty path.
    let target = if req.path().is_empty() { req.uri().to_string() } else { req.path().to_owned() };
    Err(ApiError::not_found(format!("no route matches {} {target}", req.method())))
}

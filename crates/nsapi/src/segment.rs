//! A path parameter decoded strictly from the raw request target.
//!
//! actix-web's `web::Path<String>` decodes `%2F` to `/` and replaces invalid
//! UTF-8 with U+FFFD. [`Segment`] reads the raw path instead and rejects
//! what cannot be one segment's value.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use paperclip::actix::OperationModifier;
use paperclip::v2::models::{DataType, DefaultOperationRaw, Either, Parameter, ParameterIn};
use paperclip::v2::schema::Apiv2Schema;

use crate::error::ApiError;

/// The value of the route's only path parameter, percent-decoded.
///
/// Extraction fails with 404 when the value is a dot segment (`.` or `..`,
/// plain or percent-encoded) or decodes to contain `/`, because such a
/// value names another path. It fails with 400 when the segment is not
/// valid percent-encoding or does not decode to UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment(pub String);

impl Segment {
    /// Returns the decoded value.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl FromRequest for Segment {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(extract_segment(req).map(Segment))
    }
}

fn extract_segment(req: &HttpRequest) -> Result<String, ApiError> {
    // TODO: find the segment index once per route; match_pattern() rebuilds
    // the pattern on every request (about 5% of an echo request).
    let pattern = req
        .match_pattern()
        .ok_or_else(|| ApiError::internal("Segment used outside a matched route"))?;
    let mut parameters = pattern.split('/').enumerate().filter(|(_, s)| s.starts_with('{'));
    let index = match (parameters.next(), parameters.next()) {
        (Some((index, _)), None) => index,
        _ => {
            return Err(ApiError::internal(format!(
                "Segment needs a route with exactly one path parameter, got '{pattern}'"
            )))
        }
    };

    let raw = req.uri().path().split('/').nth(index).unwrap_or_default();
    decode_segment(raw)
}

/// Decodes one raw path segment by the rules on [`Segment`].
pub fn decode_segment(raw: &str) -> Result<String, ApiError> {
    validate_percent_encoding(raw)?;
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8().map_err(|_| {
        ApiError::bad_request(format!(
            "path segment '{raw}' does not decode to valid UTF-8; percent-encode text as UTF-8"
        ))
    })?;

    if decoded == "." || decoded == ".." {
        return Err(ApiError::not_found(format!(
            "path segment '{raw}' is a dot segment, which names no resource"
        )));
    }
    if decoded.contains('/') {
        return Err(ApiError::not_found(format!(
            "path segment '{raw}' decodes to a value containing '/', which names no resource"
        )));
    }
    Ok(decoded.into_owned())
}

fn validate_percent_encoding(raw: &str) -> Result<(), ApiError> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let valid = bytes.len() > i + 2
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit();
            if !valid {
                return Err(ApiError::bad_request(format!(
                    "path segment '{raw}' has invalid percent-encoding at byte {i}; \
                     '%' must be followed by two hex digits"
                )));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(())
}

impl Apiv2Schema for Segment {}

impl OperationModifier for Segment {
    fn update_parameter(op: &mut DefaultOperationRaw) {
        // paperclip names the parameter after the route template.
        op.parameters.push(Either::Right(Parameter {
            name: String::new(),
            in_: ParameterIn::Path,
            required: true,
            data_type: Some(DataType::String),
            description: Some("One path segment, percent-decoded as UTF-8".into()),
            ..Default::default()
        }));
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::StatusCode;

    use super::*;

    #[test]
    fn decode_segment_cases() {
        let ok = [("hi", "hi"), ("h%C3%A9llo", "héllo"), ("123!", "123!"), ("a%20b", "a b")];
        for (raw, expected) in ok {
            assert_eq!(decode_segment(raw).ok().as_deref(), Some(expected), "segment {raw:?}");
        }

        let rejected = [
            (".", StatusCode::NOT_FOUND, "plain dot segment"),
            ("..", StatusCode::NOT_FOUND, "plain dot-dot segment"),
            ("%2E%2e", StatusCode::NOT_FOUND, "encoded dot-dot segment"),
            ("a%2Fb", StatusCode::NOT_FOUND, "encoded slash"),
            ("%FF", StatusCode::BAD_REQUEST, "invalid UTF-8"),
            ("%C3", StatusCode::BAD_REQUEST, "truncated UTF-8 sequence"),
            ("%zz", StatusCode::BAD_REQUEST, "non-hex escape"),
            ("abc%4", StatusCode::BAD_REQUEST, "escape cut short"),
        ];
        for (raw, status, reason) in rejected {
            let error = decode_segment(raw).expect_err(reason);
            assert_eq!(error.status(), status, "{reason}: {raw:?}");
        }
    }
}

//! The `{id}` path parameter of a task.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use nsapi::{ApiError, Segment};
use paperclip::actix::OperationModifier;
use paperclip::v2::models::{
    DataType, DataTypeFormat, DefaultOperationRaw, Either, Parameter, ParameterIn,
};
use paperclip::v2::schema::Apiv2Schema;

/// Largest task id: 2^53, the largest integer every JSON client reads exactly.
pub const MAX_ID: u64 = 1 << 53;

/// A task id from the path: a decimal number from 1 to [`MAX_ID`], written
/// without a sign or leading zeros, so each task has one URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TodoId(pub u64);

impl TodoId {
    fn parse(text: &str) -> Result<Self, ApiError> {
        let canonical =
            !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0');
        let id = text.parse::<u64>().ok().filter(|id| canonical && *id <= MAX_ID);
        id.map(TodoId).ok_or_else(|| {
            ApiError::bad_request(format!(
                "invalid path parameter 'id': '{text}' is not a task id from 1 to {MAX_ID} \
                 (decimal digits, no sign or leading zeros)"
            ))
        })
    }
}

impl FromRequest for TodoId {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let segment = Segment::from_request(req, payload).into_inner();
        ready(segment.and_then(|segment| Self::parse(&segment.into_inner())))
    }
}

impl Apiv2Schema for TodoId {}

impl OperationModifier for TodoId {
    fn update_parameter(op: &mut DefaultOperationRaw) {
        // paperclip names the parameter after the route template.
        op.parameters.push(Either::Right(Parameter {
            name: String::new(),
            in_: ParameterIn::Path,
            required: true,
            data_type: Some(DataType::Integer),
            format: Some(DataTypeFormat::Int64),
            minimum: Some(1.0),
            // 2^53 is exact in an f32, the type paperclip uses here.
            maximum: Some(MAX_ID as f32),
            description: Some("The task unique identifier".into()),
            ..Default::default()
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_canonical_ids_only() {
        assert_eq!(TodoId::parse("1").ok(), Some(TodoId(1)));
        assert_eq!(TodoId::parse("9007199254740992").ok(), Some(TodoId(MAX_ID)));
        for invalid in
            ["", "0", "01", "+1", "-1", "1e3", "9007199254740993", "18446744073709551616"]
        {
            assert!(TodoId::parse(invalid).is_err(), "id {invalid:?}");
        }
    }
}

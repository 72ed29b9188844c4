//! Field masks: the `X-Fields` request header selects the response fields.
//!
//! The syntax follows flask-restx's masks: `host{system},client` keeps the
//! `system` field of `host` and all of `client`. Fields are separated by
//! commas, braces select nested fields, and `*` keeps every field not
//! named. An empty mask keeps everything. Arrays apply the mask to each
//! element. Fields that the response does not have are ignored.
//!
//! A mask travels in a header, so it is printable ASCII without spaces
//! (HTTP strips spaces at the ends of a header value anyway): field names
//! use any of it but `,`, `{`, `}` and `*`. The grammar is
//! regular up to the depth limit, and [`mask_pattern`] is that regular
//! expression, which the documents give as the header's `pattern`.

use std::collections::BTreeMap;
use std::future::{ready, Ready};

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::http::header::HeaderName;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder};
use paperclip::actix::OperationModifier;
use paperclip::v2::models::{
    DataType, DefaultOperationRaw, DefaultSchemaRaw, Either, Parameter, ParameterIn,
};
use paperclip::v2::schema::Apiv2Schema;
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiError;

/// Header that carries the mask.
pub const FIELDS_HEADER: HeaderName = HeaderName::from_static("x-fields");

/// Maximum length of a mask in bytes.
pub const MAX_MASK_BYTES: usize = 1024;

/// Maximum nesting depth of braces in a mask. The documented pattern doubles
/// in size with each level, which is what keeps this small.
pub const MAX_MASK_DEPTH: usize = 4;

/// Description of the header parameter in the documents, which the core
/// also uses to find the operations that accept a mask.
pub(crate) const FIELDS_PARAMETER_DESCRIPTION: &str =
    "Field mask that selects the response fields, such as host{system},client. \
     Fields are separated by commas, braces select nested fields (up to 4 \
     levels) and * keeps the fields not named. No spaces; an empty mask keeps \
     every field.";

/// A parsed field mask; the default keeps every field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMask {
    /// `None` keeps every field.
    fields: Option<Fields>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Fields {
    named: BTreeMap<String, FieldMask>,
    wildcard: bool,
}

impl FieldMask {
    /// Parses a mask such as `host{system},client`.
    pub fn parse(text: &str) -> Result<Self, MaskError> {
        if text.len() > MAX_MASK_BYTES {
            return Err(MaskError::TooLong { length: text.len() });
        }
        if text.is_empty() {
            return Ok(Self::default());
        }
        let mut parser =
            Parser { chars: text.char_indices().peekable(), depth: 0, end: text.len() };
        let fields = parser.fields()?;
        if let Some((position, c)) = parser.chars.next() {
            return Err(MaskError::Unexpected { found: c, position });
        }
        Ok(Self { fields: Some(fields) })
    }

    /// Returns whether this mask keeps every field.
    pub fn keeps_all(&self) -> bool {
        self.fields.is_none()
    }

    /// Removes the fields the mask does not select.
    pub fn apply(&self, value: Value) -> Value {
        let Some(fields) = &self.fields else {
            return value;
        };
        match value {
            Value::Object(object) => {
                let kept =
                    object.into_iter().filter_map(|(key, value)| match fields.named.get(&key) {
                        Some(nested) => Some((key, nested.apply(value))),
                        None if fields.wildcard => Some((key, value)),
                        None => None,
                    });
                Value::Object(kept.collect())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.apply(v)).collect()),
            other => other,
        }
    }

    /// Serializes `body` as the JSON response, keeping only the selected fields.
    pub fn respond<T: Serialize>(self, body: T) -> MaskedJson<T> {
        MaskedJson { mask: self, body }
    }
}

/// Reason a mask failed to parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MaskError {
    /// The mask is longer than [`MAX_MASK_BYTES`].
    #[error("the mask is {length} bytes long; the maximum is {MAX_MASK_BYTES}")]
    TooLong {
        /// Length of the mask in bytes.
        length: usize,
    },
    /// Braces nest deeper than [`MAX_MASK_DEPTH`].
    #[error("braces nest deeper than {MAX_MASK_DEPTH} levels")]
    TooDeep,
    /// A field name is missing, as in `a,,b`, `{}` or a trailing comma.
    #[error("a field name is missing at byte {position}")]
    MissingName {
        /// Byte offset in the mask.
        position: usize,
    },
    /// A `{` has no matching `}`.
    #[error("a '{{' has no matching '}}'")]
    Unclosed,
    /// A character that cannot stand where it does.
    #[error("unexpected {found:?} at byte {position}")]
    Unexpected {
        /// The character.
        found: char,
        /// Byte offset in the mask.
        position: usize,
    },
}

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    depth: usize,
    /// Length of the mask, the position reported at its end.
    end: usize,
}

impl Parser<'_> {
    fn eat(&mut self, expected: char) -> bool {
        self.chars.next_if(|&(_, c)| c == expected).is_some()
    }

    fn position(&mut self) -> usize {
        self.chars.peek().map_or(self.end, |&(position, _)| position)
    }

    /// Parses `field (',' field)*`.
    fn fields(&mut self) -> Result<Fields, MaskError> {
        let mut fields = Fields::default();
        loop {
            self.field(&mut fields)?;
            if !self.eat(',') {
                return Ok(fields);
            }
        }
    }

    /// Parses `'*'` or `name ('{' fields '}')?` into `fields`.
    fn field(&mut self, fields: &mut Fields) -> Result<(), MaskError> {
        if self.eat('*') {
            fields.wildcard = true;
            return Ok(());
        }

        let start = self.position();
        let mut name = String::new();
        while let Some((_, c)) = self.chars.next_if(|&(_, c)| is_name_char(c)) {
            name.push(c);
        }
        if name.is_empty() {
            return Err(match self.chars.peek() {
                Some(&(position, found)) if !matches!(found, ',' | '}') => {
                    MaskError::Unexpected { found, position }
                }
                _ => MaskError::MissingName { position: start },
            });
        }

        let nested = if self.eat('{') {
            self.depth += 1;
            if self.depth > MAX_MASK_DEPTH {
                return Err(MaskError::TooDeep);
            }
            let nested = self.fields()?;
            if !self.eat('}') {
                return Err(MaskError::Unclosed);
            }
            self.depth -= 1;
            FieldMask { fields: Some(nested) }
        } else {
            FieldMask::default()
        };
        // A field named twice, as in `host{system},host{hostname_or_ip}`,
        // keeps what either mention selects.
        let merged = match fields.named.remove(&name) {
            Some(earlier) => earlier.merge(nested),
            None => nested,
        };
        fields.named.insert(name, merged);
        Ok(())
    }
}

impl FieldMask {
    fn merge(self, other: FieldMask) -> FieldMask {
        let (Some(mut left), Some(right)) = (self.fields, other.fields) else {
            return FieldMask::default();
        };
        for (name, mask) in right.named {
            let merged = match left.named.remove(&name) {
                Some(existing) => existing.merge(mask),
                None => mask,
            };
            left.named.insert(name, merged);
        }
        left.wildcard |= right.wildcard;
        FieldMask { fields: Some(left) }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, ',' | '{' | '}' | '*')
}

/// Returns the regular expression that matches exactly the masks
/// [`FieldMask::parse`] accepts (apart from the length limit), in a syntax
/// that Python's `re`, ECMAScript and Rust's `regex` read alike.
pub fn mask_pattern() -> String {
    const NAME: &str = "[!-)+\\--z|~]+";

    // Literal braces and the star stand in classes, not as escapes.
    // Schemathesis 4.32 rewrites `\}` and `[}]` to a bare `}`, which
    // ECMAScript's unicode mode rejects, but keeps the range `[}-}]`.
    const OPEN: &str = "[{]";
    const CLOSE: &str = "[}-}]";
    const STAR: &str = "[*]";

    // A field at the deepest level has no braces; each level up may wrap
    // the list of the level below. Commas are required, so the expression
    // is unambiguous and matches in linear time without backtracking blowup.
    let mut field = format!("(?:{STAR}|{NAME})");
    let mut list = format!("{field}(?:,{field})*");
    for _ in 0..MAX_MASK_DEPTH {
        field = format!("(?:{STAR}|{NAME}(?:{OPEN}{list}{CLOSE})?)");
        list = format!("{field}(?:,{field})*");
    }
    format!("^(?:{list})?$")
}

impl FromRequest for FieldMask {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(header) = req.headers().get(FIELDS_HEADER) else {
            return ready(Ok(Self::default()));
        };
        let parsed = header
            .to_str()
            .map_err(|_| ApiError::bad_request("invalid X-Fields header: it must be visible ASCII"))
            .and_then(|text| {
                Self::parse(text).map_err(|error| {
                    ApiError::bad_request(format!("invalid X-Fields header: {error}"))
                })
            });
        ready(parsed)
    }
}

impl Apiv2Schema for FieldMask {}

impl OperationModifier for FieldMask {
    fn update_parameter(op: &mut DefaultOperationRaw) {
        op.parameters.push(Either::Right(Parameter {
            name: "X-Fields".into(),
            in_: ParameterIn::Header,
            required: false,
            data_type: Some(DataType::String),
            description: Some(FIELDS_PARAMETER_DESCRIPTION.into()),
            max_length: u32::try_from(MAX_MASK_BYTES).ok(),
            pattern: Some(mask_pattern()),
            // Without a default, Swagger UI builds a sample value from the
            // pattern, which its nested repetitions make take minutes.
            default: Some(serde_json::Value::String(String::new())),
            ..Default::default()
        }));
    }
}

/// A JSON response filtered by a [`FieldMask`], documented like `Json<T>`.
#[derive(Debug, Clone)]
pub struct MaskedJson<T> {
    mask: FieldMask,
    body: T,
}

impl<T: Serialize> Responder for MaskedJson<T> {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse<BoxBody> {
        let serialized = if self.mask.keeps_all() {
            serde_json::to_vec(&self.body)
        } else {
            serde_json::to_value(&self.body)
                .and_then(|value| serde_json::to_vec(&self.mask.apply(value)))
        };
        match serialized {
            Ok(bytes) => HttpResponse::Ok().content_type("application/json").body(bytes),
            Err(error) => HttpResponse::from_error(ApiError::internal(format!(
                "failed to serialize the response: {error}"
            ))),
        }
    }
}

impl<T: Apiv2Schema> Apiv2Schema for MaskedJson<T> {
    fn name() -> Option<String> {
        T::name()
    }

    fn raw_schema() -> DefaultSchemaRaw {
        T::raw_schema()
    }
}

impl<T: Apiv2Schema> OperationModifier for MaskedJson<T> {
    fn update_response(op: &mut DefaultOperationRaw) {
        <paperclip::actix::web::Json<T> as OperationModifier>::update_response(op);
    }

    fn update_definitions(map: &mut BTreeMap<String, DefaultSchemaRaw>) {
        <paperclip::actix::web::Json<T> as OperationModifier>::update_definitions(map);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn hostname() -> Value {
        json!({
            "host": { "hostname_or_ip": "h", "system": "Linux" },
            "client": { "hostname_or_ip": "1.2.3.4", "system": "" }
        })
    }

    #[test]
    fn masks_select_fields() {
        // Each row: mask, expected output for the hostname model.
        let cases = [
            ("host{system}", json!({ "host": { "system": "Linux" } })),
            (
                "host{system},client",
                json!({
                    "host": { "system": "Linux" },
                    "client": { "hostname_or_ip": "1.2.3.4", "system": "" }
                }),
            ),
            ("host,client", hostname()),
            ("", hostname()),
            (
                "host{system},host{hostname_or_ip}",
                json!({
                    "host": { "hostname_or_ip": "h", "system": "Linux" }
                }),
            ),
            (
                "host{system},host",
                json!({
                    "host": { "hostname_or_ip": "h", "system": "Linux" }
                }),
            ),
            ("client", json!({ "client": { "hostname_or_ip": "1.2.3.4", "system": "" } })),
            ("*", hostname()),
            (
                "host{system},*",
                json!({
                    "host": { "system": "Linux" },
                    "client": { "hostname_or_ip": "1.2.3.4", "system": "" }
                }),
            ),
            ("missing", json!({})),
            ("host{system{deeper}}", json!({ "host": { "system": "Linux" } })),
        ];
        for (mask, expected) in cases {
            let parsed = FieldMask::parse(mask).unwrap_or_else(|e| panic!("{mask:?}: {e}"));
            assert_eq!(parsed.apply(hostname()), expected, "mask {mask:?}");
        }
    }

    #[test]
    fn masks_apply_to_array_items() {
        let mask = FieldMask::parse("id").expect("valid mask");
        let items = json!([{ "id": 1, "task": "a" }, { "id": 2, "task": "b" }]);
        assert_eq!(mask.apply(items), json!([{ "id": 1 }, { "id": 2 }]));
    }

    #[test]
    fn malformed_masks_are_rejected() {
        let cases = [
            ("a,,b", MaskError::MissingName { position: 2 }),
            ("host{", MaskError::MissingName { position: 5 }),
            ("a,", MaskError::MissingName { position: 2 }),
            ("a{}", MaskError::MissingName { position: 2 }),
            ("a{b", MaskError::Unclosed),
            ("{a}", MaskError::Unexpected { found: '{', position: 0 }),
            ("a{b}c", MaskError::Unexpected { found: 'c', position: 4 }),
            ("a}", MaskError::Unexpected { found: '}', position: 1 }),
            ("a\nb", MaskError::Unexpected { found: '\n', position: 1 }),
            ("a b", MaskError::Unexpected { found: ' ', position: 1 }),
            (" a", MaskError::Unexpected { found: ' ', position: 0 }),
            ("caf\u{e9}", MaskError::Unexpected { found: '\u{e9}', position: 3 }),
        ];
        for (mask, expected) in cases {
            assert_eq!(FieldMask::parse(mask), Err(expected), "mask {mask:?}");
        }

        let deep =
            format!("{}x{}", "a{".repeat(MAX_MASK_DEPTH + 1), "}".repeat(MAX_MASK_DEPTH + 1));
        assert_eq!(FieldMask::parse(&deep), Err(MaskError::TooDeep));
        let long = "a,".repeat(MAX_MASK_BYTES);
        assert!(matches!(FieldMask::parse(&long), Err(MaskError::TooLong { .. })));
    }
}

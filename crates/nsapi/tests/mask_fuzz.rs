//! Property tests of the X-Fields mask parser: no input panics, parsing
//! stays bounded on deep nesting, and every well-formed mask parses.

use std::sync::LazyLock;

use nsapi::{mask_pattern, FieldMask, MaskError, MAX_MASK_BYTES, MAX_MASK_DEPTH};
use proptest::prelude::*;
use serde_json::json;

/// Well-formed masks of one to three fields, nested up to four levels.
fn valid_mask() -> impl Strategy<Value = String> {
    let name = "[a-z_][a-z0-9_-]{0,8}";
    let leaf = prop_oneof![name.prop_map(|n| n), Just("*".to_owned())];
    let field = leaf.prop_recursive(4, 32, 4, move |inner| {
        (name, proptest::collection::vec(inner, 1..4))
            .prop_map(|(name, nested)| format!("{name}{{{}}}", nested.join(",")))
    });
    proptest::collection::vec(field, 1..4).prop_map(|fields| fields.join(","))
}

/// The documented pattern, compiled once.
static PATTERN: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(&mask_pattern()).expect("the pattern compiles"));

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_text_parses_or_errs(text in "\\PC{0,300}") {
        let _ = FieldMask::parse(&text);
    }

    #[test]
    fn mask_alphabet_parses_or_errs(text in "[a-c{},* \t]{0,200}") {
        if let Ok(mask) = FieldMask::parse(&text) {
            let value = json!({ "a": { "b": [1, { "c": 2 }] }, "c": null });
            let _ = mask.apply(value);
        }
    }

    #[test]
    fn valid_masks_parse(mask in valid_mask()) {
        prop_assert!(FieldMask::parse(&mask).is_ok(), "{}", mask);
        prop_assert!(PATTERN.is_match(&mask), "{}", mask);
    }

    #[test]
    fn pattern_agrees_with_parser(text in "[ab{},* \t~!é\n]{0,40}") {
        prop_assert_eq!(PATTERN.is_match(&text), FieldMask::parse(&text).is_ok(), "{:?}", text);
    }
}

#[test]
fn pattern_agrees_at_depth_limit() {
    let nested = |depth: usize| format!("{}x{}", "a{".repeat(depth), "}".repeat(depth));
    for depth in [MAX_MASK_DEPTH - 1, MAX_MASK_DEPTH, MAX_MASK_DEPTH + 1] {
        for mask in [nested(depth), format!("b,{},c", nested(depth))] {
            let parsed = FieldMask::parse(&mask).is_ok();
            assert_eq!(parsed, depth <= MAX_MASK_DEPTH, "{mask}");
            assert_eq!(PATTERN.is_match(&mask), parsed, "{mask}");
        }
    }
}

/// A recursive parser without the depth limit would overflow the stack
/// on these inputs instead of returning an error.
#[test]
fn deep_nesting_is_rejected() {
    for depth in [MAX_MASK_DEPTH + 1, 100, 500] {
        let mask = format!("{}x{}", "a{".repeat(depth), "}".repeat(depth));
        let result = FieldMask::parse(&mask);
        if mask.len() > MAX_MASK_BYTES {
            assert!(matches!(result, Err(MaskError::TooLong { .. })), "depth {depth}");
        } else {
            assert_eq!(result, Err(MaskError::TooDeep), "depth {depth}");
        }
    }
    let unclosed = "{".repeat(1_000_000);
    assert!(FieldMask::parse(&unclosed).is_err());
}

//! The OS-only User-Agent parser against uap-core's own OS test cases.
//!
//! The YAML files are uap-core 0.15.0's `tests/test_os.yaml` and
//! `test_resources/additional_os_tests.yaml`, the version of the vendored
//! `regexes.yaml`.

use nsapi::OsDetector;
use serde::Deserialize;

#[derive(Deserialize)]
struct TestFile {
    test_cases: Vec<TestCase>,
}

#[derive(Deserialize)]
struct TestCase {
    user_agent_string: String,
    family: String,
}

#[test]
fn os_parser_matches_uap_core_cases() {
    let detector = OsDetector::new().expect("vendored rules compile");
    let files = [
        include_str!("data/uap-core/test_os.yaml"),
        include_str!("data/uap-core/additional_os_tests.yaml"),
    ];

    let mut checked = 0;
    let mut failures = Vec::new();
    for text in files {
        let file: TestFile = serde_yaml::from_str(text).expect("valid test file");
        for case in file.test_cases {
            let expected = if case.family == "Other" { "" } else { case.family.as_str() };
            let detected = detector.os_family(&case.user_agent_string);
            if detected != expected {
                failures
                    .push(format!("{:?}: {detected:?} != {expected:?}", case.user_agent_string));
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 466, "number of uap-core OS cases");
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

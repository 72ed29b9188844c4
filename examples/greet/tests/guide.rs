//! Checks that every Rust and TOML snippet of docs/adding-a-namespace.md
//! appears, line for line, in a source file that the workspace compiles,
//! so the guide cannot drift from code that builds.

const GUIDE: &str = include_str!("../../../docs/adding-a-namespace.md");

/// The files the guide quotes, all compiled by `cargo test --workspace`.
const SOURCES: [(&str, &str); 6] = [
    ("examples/greet/Cargo.toml", include_str!("../Cargo.toml")),
    ("examples/greet/src/lib.rs", include_str!("../src/lib.rs")),
    ("examples/greet/src/main.rs", include_str!("../src/main.rs")),
    ("examples/greet/tests/greet.rs", include_str!("greet.rs")),
    ("crates/nsapi-server/Cargo.toml", include_str!("../../../crates/nsapi-server/Cargo.toml")),
    ("crates/nsapi-server/src/main.rs", include_str!("../../../crates/nsapi-server/src/main.rs")),
];

/// Returns the fenced blocks of `language`, each as its non-blank lines, trimmed.
fn snippets(language: &str) -> Vec<Vec<&'static str>> {
    let fence = format!("```{language}");
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in GUIDE.lines() {
        match current.as_mut() {
            None if line.trim() == fence => current = Some(Vec::new()),
            None => {}
            Some(block) if line.trim() == "```" => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) if !line.trim().is_empty() => block.push(line.trim()),
            Some(_) => {}
        }
    }
    blocks
}

fn contains_lines(source: &str, snippet: &[&str]) -> bool {
    let lines: Vec<&str> = source.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    lines.windows(snippet.len()).any(|window| window == snippet)
}

#[test]
fn guide_snippets_are_compiled_code() {
    let mut checked = 0;
    for language in ["rust", "toml"] {
        for snippet in snippets(language) {
            let found = SOURCES.iter().any(|(_, source)| contains_lines(source, &snippet));
            assert!(
                found,
                "this {language} snippet of the guide is in none of {:?}:\n{}",
                SOURCES.map(|(path, _)| path),
                snippet.join("\n")
            );
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} snippets found; did the fences change?");
}

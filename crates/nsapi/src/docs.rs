//! The Swagger UI and ReDoc pages and their embedded assets.
//!
//! The page is generated here, not taken from Swagger UI's own
//! `index.html`: the spec URL is fixed by the server and never read from
//! the query string, and every link is relative, so the page also works
//! behind a reverse proxy that adds a path prefix.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse};

use crate::config::OPENAPI_JSON_PATH;
use crate::routes::plain_get_resource;

const SWAGGER_UI_JS: &[u8] = include_bytes!("../assets/swagger-ui/swagger-ui-bundle.js");
const SWAGGER_UI_CSS: &[u8] = include_bytes!("../assets/swagger-ui/swagger-ui.css");
const REDOC_JS: &[u8] = include_bytes!("../assets/redoc/redoc.standalone.js");

/// Folder below the page that contains the Swagger UI assets.
const ASSETS_DIR: &str = "swagger-ui";

/// Path of the ReDoc page, below the Swagger UI page.
const REDOC_PAGE: &str = "redoc";

/// Folder below the Swagger UI page that contains the ReDoc assets.
const REDOC_ASSETS_DIR: &str = "redoc-assets";

/// Location and pages of the docs UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DocsUi {
    /// Path of the page, always ending in `/`.
    page: String,
    /// The page path without its trailing `/`, which redirects to the page;
    /// `None` when the page is `/`.
    redirect_from: Option<String>,
    html: String,
    redoc_html: String,
}

impl DocsUi {
    /// Checks a docs path such as `/` or `/docs` and prepares the page.
    pub(crate) fn new(path: &str, title: &str) -> Result<Self, String> {
        let trimmed = path.trim_end_matches('/');
        let valid = path.starts_with('/')
            && trimmed.split('/').skip(1).all(|segment| {
                !segment.is_empty()
                    && segment != "."
                    && segment != ".."
                    && segment.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
            });
        if !valid {
            return Err(format!(
                "docs path '{path}' is invalid: use '/' or a path such as '/docs' \
                 with letters, digits, '-', '.', '_' and '~'"
            ));
        }

        let page = format!("{trimmed}/");
        let depth = page.matches('/').count() - 1;
        let spec_url = format!("{}{}", "../".repeat(depth), &OPENAPI_JSON_PATH[1..]);
        Ok(Self {
            redirect_from: (!trimmed.is_empty()).then(|| trimmed.to_owned()),
            html: index_html(title, &spec_url),
            redoc_html: redoc_html(title, &spec_url),
            page,
        })
    }

    /// Returns the paths this UI serves, which no namespace may cover.
    pub(crate) fn reserved_paths(&self) -> Vec<String> {
        let mut paths = vec![
            format!("{}{ASSETS_DIR}", self.page),
            format!("{}{REDOC_PAGE}", self.page),
            format!("{}{REDOC_ASSETS_DIR}", self.page),
        ];
        paths.extend(self.redirect_from.clone());
        paths
    }

    /// Path of the page, ending in `/`.
    pub(crate) fn page_path(&self) -> &str {
        &self.page
    }

    pub(crate) fn configure(&self, cfg: &mut web::ServiceConfig) {
        add_page(cfg, &self.page, self.html.clone());

        if let Some(from) = &self.redirect_from {
            // Relative, so it also works behind a proxy that adds a prefix.
            let last_segment = from.rsplit('/').next().unwrap_or_default();
            let location = format!("{last_segment}/");
            cfg.service(plain_get_resource(from, move || {
                let location = location.clone();
                async move {
                    HttpResponse::PermanentRedirect()
                        .insert_header((header::LOCATION, location))
                        .finish()
                }
            }));
        }

        let assets = format!("{}{ASSETS_DIR}", self.page);
        add_asset(cfg, &format!("{assets}/swagger-ui-bundle.js"), SWAGGER_UI_JS, "text/javascript");
        add_asset(cfg, &format!("{assets}/swagger-ui.css"), SWAGGER_UI_CSS, "text/css");

        // ReDoc's page sits beside the Swagger UI page, so both resolve the
        // same relative spec URL.
        add_page(cfg, &format!("{}{REDOC_PAGE}", self.page), self.redoc_html.clone());
        let redoc_assets = format!("{}{REDOC_ASSETS_DIR}", self.page);
        add_asset(cfg, &format!("{redoc_assets}/redoc.standalone.js"), REDOC_JS, "text/javascript");
    }
}

fn add_page(cfg: &mut web::ServiceConfig, path: &str, html: String) {
    cfg.service(plain_get_resource(path, move || {
        let html = html.clone();
        async move {
            HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
                .insert_header((header::CACHE_CONTROL, "no-cache"))
                .body(html)
        }
    }));
}

fn add_asset(cfg: &mut web::ServiceConfig, path: &str, bytes: &'static [u8], mime: &'static str) {
    cfg.service(plain_get_resource(path, move || async move {
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(mime)))
            .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
            .body(bytes)
    }));
}

fn index_html(title: &str, spec_url: &str) -> String {
    let spec_url = escape_html(spec_url);
    let head = format!(r#"<link rel="stylesheet" href="{ASSETS_DIR}/swagger-ui.css">"#);
    let body = format!(
        r#"<div id="swagger-ui" data-spec-url="{spec_url}"></div>
  <script src="{ASSETS_DIR}/swagger-ui-bundle.js"></script>
  <script>
    window.addEventListener("load", function () {{
      var root = document.getElementById("swagger-ui");
      window.ui = SwaggerUIBundle({{
        url: new URL(root.dataset.specUrl, document.baseURI).href,
        domNode: root,
        queryConfigEnabled: false,
        deepLinking: true
      }});
    }});
  </script>"#
    );
    html_page(title, &head, &body)
}

fn redoc_html(title: &str, spec_url: &str) -> String {
    let spec_url = escape_html(spec_url);
    let body = format!(
        r#"<redoc spec-url="{spec_url}"></redoc>
  <script src="{REDOC_ASSETS_DIR}/redoc.standalone.js"></script>"#
    );
    html_page(title, "", &body)
}

/// Wraps `head` and `body`, which must be escaped already, in a page titled `title`.
fn html_page(title: &str, head: &str, body: &str) -> String {
    let title = escape_html(title);
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  {head}
</head>
<body>
  {body}
</body>
</html>
"#
    )
}

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_ui_paths() {
        let root = DocsUi::new("/", "t").expect("valid");
        assert_eq!(root.page_path(), "/");
        assert!(root.html.contains(r#"data-spec-url="openapi.json""#));
        assert_eq!(root.reserved_paths(), vec!["/swagger-ui", "/redoc", "/redoc-assets"]);
        assert!(root.redoc_html.contains(r#"<redoc spec-url="openapi.json">"#));

        let nested = DocsUi::new("/api/docs", "t").expect("valid");
        assert_eq!(nested.page_path(), "/api/docs/");
        assert!(nested.html.contains(r#"data-spec-url="../../openapi.json""#));
        assert!(nested.redoc_html.contains(r#"spec-url="../../openapi.json""#));

        for invalid in ["", "docs", "/a//b", "/a/../b", "/a b"] {
            assert!(DocsUi::new(invalid, "t").is_err(), "path {invalid:?}");
        }
    }

    #[test]
    fn title_is_escaped() {
        let ui = DocsUi::new("/", "<script>&").expect("valid");
        assert!(ui.html.contains("<title>&lt;script&gt;&amp;</title>"));
    }
}

//! Turns the mounted namespaces into an actix-web `App`.

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse, ResponseError};

use crate::config::{ApiInfo, HEALTHZ_PATH, OPENAPI_JSON_PATH, READYZ_PATH, SWAGGER_JSON_PATH};
use crate::context::{request_context, RequestLimits};
use crate::docs::DocsUi;
use crate::error::{not_found, ApiError};
use crate::facts::Facts;
use crate::forwarded::TrustedProxies;
use crate::namespace::{registered_namespaces, Namespace};
use crate::registry::{covers, plan_mounts, ConfigError, ConfigProblem, Mount, Selection};
use crate::routes::plain_get_resource;
use crate::spec::{build_specs, Specs};

/// A checked set of namespaces with its documents, ready to serve.
///
/// Cloning is cheap; every actix-web worker builds its `App` from a clone.
#[derive(Clone)]
pub struct Api {
    inner: Arc<ApiInner>,
}

struct ApiInner {
    limits: Limits,
    mounts: Vec<Mount>,
    specs: Specs,
    v2_json: web::Bytes,
    v3_json: web::Bytes,
    docs: Option<DocsUi>,
    facts: web::Data<Facts>,
}

/// Request size limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum size in bytes of the request line and headers; larger
    /// requests get 431. actix-web closes connections whose request head
    /// exceeds 128 KiB, so larger values have no effect.
    pub max_header_bytes: usize,
    /// Maximum size in bytes of a request body; larger bodies get 413.
    pub max_body_bytes: usize,
    /// Maximum time a [`JsonBody`](crate::JsonBody) waits for the whole
    /// body; slower bodies get 408.
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_header_bytes: 16 * 1024,
            max_body_bytes: 1024 * 1024,
            body_timeout: Duration::from_secs(30),
        }
    }
}

/// Builder for [`Api`]; see [`Api::builder`].
pub struct ApiBuilder {
    limits: Limits,
    trusted_proxies: TrustedProxies,
    info: ApiInfo,
    docs_path: Option<String>,
    namespaces: Option<Vec<&'static dyn Namespace>>,
    selection: Selection,
    facts: Option<Facts>,
}

impl Api {
    /// Starts an API with the defaults: every registered namespace, the
    /// default [`ApiInfo`], the docs UI at `/` and facts read from the
    /// machine and each request.
    pub fn builder() -> ApiBuilder {
        ApiBuilder {
            limits: Limits::default(),
            trusted_proxies: TrustedProxies::default(),
            info: ApiInfo::default(),
            docs_path: Some("/".into()),
            namespaces: None,
            selection: Selection::default(),
            facts: None,
        }
    }

    /// Returns the mounted namespaces, in mounting order.
    pub fn mounts(&self) -> &[Mount] {
        &self.inner.mounts
    }

    /// Returns the generated documents.
    pub fn specs(&self) -> &Specs {
        &self.inner.specs
    }

    /// Path of the docs UI page, or `None` when the UI is off.
    pub fn docs_path(&self) -> Option<&str> {
        self.inner.docs.as_ref().map(DocsUi::page_path)
    }

    /// Builds the actix-web `App`: the namespaces under their prefixes, the
    /// documents, the docs UI, problem bodies for every error and the access log.
    pub fn app(
        &self,
    ) -> App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<BoxBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    > {
        let api = self.clone();
        let limits = self.inner.limits;
        App::new()
            .app_data(self.inner.facts.clone())
            .app_data(web::Data::new(RequestLimits {
                max_header_bytes: limits.max_header_bytes,
                max_body_bytes: limits.max_body_bytes,
                body_timeout: limits.body_timeout,
            }))
            .app_data(web::PayloadConfig::new(limits.max_body_bytes))
            .app_data(web::JsonConfig::default().limit(limits.max_body_bytes).error_handler(
                |error, _| {
                    let status = error.status_code();
                    ApiError::new(status, format!("invalid JSON body: {error}")).into()
                },
            ))
            .app_data(web::PathConfig::default().error_handler(|error, _| {
                ApiError::bad_request(format!("invalid path parameter: {error}")).into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|error, _| {
                ApiError::bad_request(format!("invalid query string: {error}")).into()
            }))
            .wrap(from_fn(request_context))
            .configure(move |cfg| api.configure(cfg))
            .default_service(web::to(not_found))
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        for mount in &self.inner.mounts {
            let built = mount.routes().build();
            let mut scope = web::scope(&mount.prefix());
            for add_data in built.app_data {
                scope = add_data(scope);
            }
            for resource in built.resources {
                scope = scope.service(resource);
            }
            cfg.service(scope);
        }

        let v2 = self.inner.v2_json.clone();
        cfg.service(plain_get_resource(SWAGGER_JSON_PATH, move || serve_json(v2.clone())));
        let v3 = self.inner.v3_json.clone();
        cfg.service(plain_get_resource(OPENAPI_JSON_PATH, move || serve_json(v3.clone())));
        cfg.service(plain_get_resource(HEALTHZ_PATH, health));
        cfg.service(plain_get_resource(READYZ_PATH, health));

        if let Some(docs) = &self.inner.docs {
            docs.configure(cfg);
        }
    }
}

/// Responds to the liveness and readiness probes. A worker that runs this
/// handler has a built app with every namespace mounted, so both are ready.
async fn health() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "status": "ok" }))
}

async fn serve_json(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

impl ApiBuilder {
    /// Sets the title, version and description of the documents.
    pub fn info(mut self, info: ApiInfo) -> Self {
        self.info = info;
        self
    }

    /// Serves the docs UI at `path` (`/` by default), or not at all with `None`.
    pub fn docs_path(mut self, path: Option<&str>) -> Self {
        self.docs_path = path.map(str::to_owned);
        self
    }

    /// Mounts these namespaces instead of every registered one.
    pub fn namespaces(mut self, namespaces: Vec<&'static dyn Namespace>) -> Self {
        self.namespaces = Some(namespaces);
        self
    }

    /// Mounts only the namespaces with these names. A name that no
    /// namespace has is a configuration error.
    pub fn select<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.selection.names = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Mounts the namespace named `name` under `prefix` instead of its own
    /// prefix; the documents follow.
    pub fn mount_at(mut self, name: impl Into<String>, prefix: impl Into<String>) -> Self {
        self.selection.prefixes.insert(name.into(), prefix.into());
        self
    }

    /// Sets the request size limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Lets peers in these networks set the client address through
    /// `Forwarded` or `X-Forwarded-For`. No peer is trusted by default.
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// Uses these facts instead of reading the machine and each request.
    pub fn facts(mut self, facts: Facts) -> Self {
        self.facts = Some(facts);
        self
    }

    /// Checks the configuration and builds the documents.
    ///
    /// Every problem found is in the error, not only the first one.
    pub fn build(self) -> Result<Api, ConfigError> {
        // Compiling the User-Agent rules is the slowest step of startup, so
        // it runs on its own thread while the documents are built.
        let detecting = self.facts.is_none().then(|| std::thread::spawn(Facts::detect));

        let docs = match self.docs_path.as_deref().map(|p| DocsUi::new(p, &self.info.title)) {
            Some(Ok(docs)) => Some(docs),
            Some(Err(reason)) => {
                return Err(ConfigError::single(ConfigProblem::InvalidDocsPath { reason }))
            }
            None => None,
        };

        let mut reserved: Vec<String> =
            [SWAGGER_JSON_PATH, OPENAPI_JSON_PATH, HEALTHZ_PATH, READYZ_PATH]
                .map(str::to_owned)
                .to_vec();
        if let Some(docs) = &docs {
            let page = docs.page_path().trim_end_matches('/');
            if let Some(clash) = reserved.iter().find(|path| !page.is_empty() && covers(path, page))
            {
                let reason = format!(
                    "docs path '{page}' lies at or under '{clash}', which the server serves itself"
                );
                return Err(ConfigError::single(ConfigProblem::InvalidDocsPath { reason }));
            }
            reserved.extend(docs.reserved_paths());
        }
        let namespaces = self.namespaces.unwrap_or_else(registered_namespaces);
        let mounts = plan_mounts(&namespaces, &self.selection, &reserved)?;
        let specs = build_specs(&mounts, &self.info)?;

        let mut facts = match self.facts {
            Some(facts) => facts,
            None => {
                let detected = match detecting {
                    Some(thread) => {
                        thread.join().map_err(|_| "the compiling thread panicked".to_owned())
                    }
                    None => Ok(Facts::detect()),
                };
                detected.and_then(|result| result.map_err(|error| error.to_string())).map_err(
                    |reason| ConfigError::single(ConfigProblem::UserAgentRules { reason }),
                )?
            }
        };

        facts.set_trusted_proxies(self.trusted_proxies);

        Ok(Api {
            inner: Arc::new(ApiInner {
                limits: self.limits,
                v2_json: json_bytes(specs.swagger_v2()),
                v3_json: json_bytes(specs.openapi_v3()),
                mounts,
                specs,
                docs,
                facts: web::Data::new(facts),
            }),
        })
    }
}

fn json_bytes(value: &serde_json::Value) -> web::Bytes {
    web::Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}

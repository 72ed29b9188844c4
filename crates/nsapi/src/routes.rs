//! The builder a namespace adds its routes to.
//!
//! The core, not the namespace, turns the routes into actix-web resources.
//! That lets it order static segments before parameters, respond to `HEAD` on
//! every `GET` route, respond to `OPTIONS` and unsupported methods with the
//! allowed methods, and collect the OpenAPI operations of each route.

use std::collections::BTreeMap;
use std::fmt;

use actix_web::dev::Handler;
use actix_web::http::Method;
use actix_web::{FromRequest, Responder};
use paperclip::actix::web as doc_web;
use paperclip::actix::Mountable;
use paperclip::v2::models::{DefaultPathItemRaw, DefaultSchemaRaw, HttpMethod};
use paperclip::v2::schema::Apiv2Operation;

use crate::error::method_not_allowed;

/// Routes of one namespace, with paths relative to its prefix.
///
/// Handlers must carry paperclip's `#[api_v2_operation]` attribute, so that
/// every route becomes an operation of the OpenAPI documents.
///
/// Paths start with `/` and consist of literal segments and whole-segment
/// parameters such as `/{id}`. Regex parameters (`{id:\d+}`) and tail
/// matches are rejected at startup because the OpenAPI documents cannot
/// express them.
#[derive(Default)]
pub struct Routes {
    entries: Vec<RouteEntry>,
    app_data: Vec<ScopeData>,
}

/// Adds one value to the namespace's actix-web scope.
type ScopeData = Box<dyn FnOnce(actix_web::Scope) -> actix_web::Scope>;

struct RouteEntry {
    path: String,
    method: Method,
    route: doc_web::Route,
    implicit: bool,
}

impl Routes {
    /// Adds a `GET` route. The server also responds to `HEAD` on it, without a body.
    pub fn get<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
        F::Future: Apiv2Operation,
    {
        self.push(path, Method::HEAD, doc_web::head().to(handler.clone()), true);
        self.route(path, Method::GET, handler)
    }

    /// Adds a `POST` route.
    pub fn post<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
        F::Future: Apiv2Operation,
    {
        self.route(path, Method::POST, handler)
    }

    /// Adds a `PUT` route.
    pub fn put<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
        F::Future: Apiv2Operation,
    {
        self.route(path, Method::PUT, handler)
    }

    /// Adds a `PATCH` route.
    pub fn patch<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
        F::Future: Apiv2Operation,
    {
        self.route(path, Method::PATCH, handler)
    }

    /// Adds a `DELETE` route.
    pub fn delete<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
        F::Future: Apiv2Operation,
    {
        self.route(path, Method::DELETE, handler)
    }

    /// Adds a route for any method.
    pub fn route<F, Args>(&mut self, path: &str, method: Method, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
        F::Future: Apiv2Operation,
    {
        self.push(path, method.clone(), doc_web::method(method).to(handler), false);
        self
    }

    /// Adds a value that the namespace's handlers extract, usually as
    /// `web::Data<T>`.
    ///
    /// [`Namespace::routes`](crate::Namespace::routes) runs once per worker
    /// thread, so state that all workers share must be created outside it
    /// (in the namespace struct, for example) and cloned in, such as an
    /// `actix_web::web::Data`.
    pub fn app_data<U: 'static>(&mut self, data: U) -> &mut Self {
        self.app_data.push(Box::new(move |scope| scope.app_data(data)));
        self
    }

    fn push(&mut self, path: &str, method: Method, route: doc_web::Route, implicit: bool) {
        self.entries.push(RouteEntry { path: path.to_owned(), method, route, implicit });
    }

    /// Returns each path with its methods, in the order the router tries them.
    pub(crate) fn summary(&self) -> Vec<(String, Vec<Method>)> {
        group_by_path(self.entries.iter().filter(|e| !e.implicit).map(|e| (&e.path, &e.method)))
    }

    /// Turns the routes into actix-web resources and their OpenAPI paths.
    pub(crate) fn build(self) -> BuiltRoutes {
        let mut by_path: BTreeMap<PathKey, Vec<RouteEntry>> = BTreeMap::new();
        for entry in self.entries {
            by_path.entry(PathKey::new(&entry.path)).or_default().push(entry);
        }

        let mut built = BuiltRoutes { app_data: self.app_data, ..BuiltRoutes::default() };
        for (key, mut entries) in by_path {
            // An explicit HEAD route replaces the one added for GET.
            let explicit_head = entries.iter().any(|e| !e.implicit && e.method == Method::HEAD);
            entries.retain(|e| !(e.implicit && explicit_head));

            let allowed = allowed_methods(&entries);
            let mut resource = doc_web::resource(&key.path);
            for entry in entries {
                resource = resource.route(entry.route);
            }

            resource = resource.default_service(actix_web::web::to(move |req| {
                method_not_allowed(req, allowed.clone())
            }));

            let mut paths = BTreeMap::new();
            resource.update_operations(&mut paths);
            for (path, mut item) in paths {
                // The HEAD added for GET mirrors it, so it stays out of the documents.
                if !explicit_head {
                    item.methods.remove(&HttpMethod::Head);
                }
                if !item.methods.is_empty() {
                    built.paths.insert(path, item);
                }
            }
            built.definitions.extend(resource.definitions());
            built.resources.push(resource);
        }
        built
    }
}

/// Builds an undocumented resource that responds to `GET` and `HEAD` with
/// `handler`, `OPTIONS` with 204 and other methods with 405, each with `Allow`.
pub(crate) fn plain_get_resource<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let allowed = vec![Method::GET, Method::HEAD, Method::OPTIONS];
    actix_web::web::resource(path)
        .route(actix_web::web::get().to(handler.clone()))
        .route(actix_web::web::head().to(handler))
        .default_service(actix_web::web::to(move |req| method_not_allowed(req, allowed.clone())))
}

/// Actix-web resources of one namespace with their OpenAPI paths and models.
#[derive(Default)]
pub(crate) struct BuiltRoutes {
    pub(crate) app_data: Vec<ScopeData>,
    pub(crate) resources: Vec<doc_web::Resource>,
    pub(crate) paths: BTreeMap<String, DefaultPathItemRaw>,
    pub(crate) definitions: BTreeMap<String, DefaultSchemaRaw>,
}

fn allowed_methods(entries: &[RouteEntry]) -> Vec<Method> {
    let mut methods: Vec<Method> = entries.iter().map(|e| e.method.clone()).collect();
    methods.push(Method::OPTIONS);
    methods.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    methods.dedup();
    methods
}

fn group_by_path<'a>(
    routes: impl Iterator<Item = (&'a String, &'a Method)>,
) -> Vec<(String, Vec<Method>)> {
    let mut by_path: BTreeMap<PathKey, Vec<Method>> = BTreeMap::new();
    for (path, method) in routes {
        by_path.entry(PathKey::new(path)).or_default().push(method.clone());
    }
    by_path.into_iter().map(|(key, methods)| (key.path, methods)).collect()
}

/// Sort key that puts literal segments before parameters, segment by
/// segment, so `/hostname` is tried before `/{string}`.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct PathKey {
    segments: Vec<(bool, String)>,
    path: String,
}

impl PathKey {
    fn new(path: &str) -> Self {
        let segments = split_segments(path)
            .map(|segment| (is_parameter(segment), segment.to_owned()))
            .collect();
        Self { segments, path: path.to_owned() }
    }
}

fn split_segments(path: &str) -> impl Iterator<Item = &str> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// Returns the path template with every parameter name replaced by `{}`,
/// so that `/{id}` and `/{key}` compare equal.
pub(crate) fn path_shape(path: &str) -> String {
    let mut shape = String::new();
    for segment in split_segments(path) {
        shape.push('/');
        shape.push_str(if is_parameter(segment) { "{}" } else { segment });
    }
    shape
}

/// Checks a route path and returns what is wrong with it, if anything.
pub(crate) fn validate_route_path(path: &str) -> Result<(), InvalidPath> {
    if !path.starts_with('/') {
        return Err(InvalidPath::MissingLeadingSlash);
    }
    if path == "/" {
        return Ok(());
    }
    for segment in split_segments(path) {
        if segment.is_empty() {
            return Err(InvalidPath::EmptySegment);
        }
        if is_parameter(segment) {
            let name = &segment[1..segment.len() - 1];
            let valid =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(InvalidPath::InvalidParameter(segment.to_owned()));
            }
        } else if segment.contains(['{', '}']) {
            return Err(InvalidPath::InvalidParameter(segment.to_owned()));
        }
    }
    Ok(())
}

/// Reason a route path is rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InvalidPath {
    MissingLeadingSlash,
    EmptySegment,
    InvalidParameter(String),
}

impl fmt::Display for InvalidPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingLeadingSlash => write!(f, "it must start with '/'"),
            Self::EmptySegment => write!(f, "it has an empty segment ('//' or a trailing '/')"),
            Self::InvalidParameter(segment) => write!(
                f,
                "segment '{segment}' is not a plain parameter such as '{{id}}' \
                 (names use letters, digits and '_'; regex parameters are not supported)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_key_puts_literals_first() {
        let mut keys = [PathKey::new("/{string}"), PathKey::new("/hostname")];
        keys.sort();
        assert_eq!(keys[0].path, "/hostname");
        assert_eq!(keys[1].path, "/{string}");
    }

    #[test]
    fn path_shape_ignores_parameter_names() {
        assert_eq!(path_shape("/items/{id}"), path_shape("/items/{key}"));
        assert_ne!(path_shape("/items/{id}"), path_shape("/items/id"));
    }

    #[test]
    fn validate_route_path_cases() {
        assert_eq!(validate_route_path("/"), Ok(()));
        assert_eq!(validate_route_path("/a/{b_1}"), Ok(()));
        assert_eq!(validate_route_path("a"), Err(InvalidPath::MissingLeadingSlash));
        assert_eq!(validate_route_path("/a/"), Err(InvalidPath::EmptySegment));
        assert_eq!(validate_route_path("//a"), Err(InvalidPath::EmptySegment));
        assert!(matches!(validate_route_path(r"/{id:\d+}"), Err(InvalidPath::InvalidParameter(_))));
        assert!(matches!(validate_route_path("/{tail}*"), Err(InvalidPath::InvalidParameter(_))));
        assert!(matches!(validate_route_path("/{}"), Err(InvalidPath::InvalidParameter(_))));
    }
}

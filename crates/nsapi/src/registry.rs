//! Checks the namespaces to mount and reports every conflict at once.

use std::collections::BTreeMap;
use std::fmt;

use crate::namespace::Namespace;
use crate::routes::{path_shape, validate_route_path, Routes};

/// A namespace with the prefix it is mounted under.
#[derive(Clone)]
pub struct Mount {
    namespace: &'static dyn Namespace,
    prefix: String,
}

impl Mount {
    /// Returns the mounted namespace.
    pub fn namespace(&self) -> &'static dyn Namespace {
        self.namespace
    }

    /// Name of the namespace, which is also its OpenAPI tag.
    pub fn name(&self) -> &'static str {
        self.namespace.name()
    }

    /// Path prefix every route of the namespace is mounted under: the
    /// namespace's own prefix unless the server moved it.
    pub fn prefix(&self) -> String {
        self.prefix.clone()
    }

    /// Description of the namespace.
    pub fn description(&self) -> &'static str {
        self.namespace.description()
    }

    /// Returns the routes of the namespace.
    pub(crate) fn routes(&self) -> Routes {
        let mut routes = Routes::default();
        self.namespace.routes(&mut routes);
        routes
    }
}

impl fmt::Debug for Mount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mount").field("name", &self.name()).field("prefix", &self.prefix()).finish()
    }
}

/// A configuration mistake found at startup.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// A namespace name that is empty or has characters outside `[a-z0-9_-]`.
    InvalidName {
        /// The rejected name.
        name: String,
    },
    /// Two or more namespaces with one name.
    DuplicateName {
        /// The shared name.
        name: String,
        /// How many namespaces have it.
        count: usize,
    },
    /// A prefix that is not a valid path prefix.
    InvalidPrefix {
        /// The namespace.
        namespace: String,
        /// The rejected prefix.
        prefix: String,
    },
    /// A namespace name that is not registered, in a selection or a move.
    UnknownNamespace {
        /// The requested name.
        name: String,
        /// The registered names.
        available: Vec<String>,
    },
    /// A prefix inside another namespace's prefix, whose scope would
    /// receive every request meant for the inner one.
    NestedPrefix {
        /// The namespace with the shorter prefix.
        outer: String,
        /// Its prefix.
        outer_prefix: String,
        /// The namespace with the longer prefix.
        inner: String,
        /// Its prefix.
        inner_prefix: String,
    },
    /// Two or more namespaces on one prefix.
    DuplicatePrefix {
        /// The shared prefix.
        prefix: String,
        /// The namespaces on it.
        namespaces: Vec<String>,
    },
    /// A prefix that covers, or lies inside, a path the server itself serves.
    ReservedPrefix {
        /// The namespace.
        namespace: String,
        /// Its prefix.
        prefix: String,
        /// The server path it covers.
        reserved: String,
    },
    /// A route path that cannot be mounted or documented.
    InvalidRoutePath {
        /// The namespace.
        namespace: String,
        /// The route path.
        path: String,
        /// Reason for the rejection.
        reason: String,
    },
    /// One method registered twice on the same path shape in a namespace.
    DuplicateRoute {
        /// The namespace.
        namespace: String,
        /// The method.
        method: String,
        /// The paths, which differ at most in parameter names.
        paths: Vec<String>,
    },
    /// An operation without an `operation_id` or a summary.
    UndocumentedOperation {
        /// The namespace.
        namespace: String,
        /// The method.
        method: String,
        /// The full path.
        path: String,
        /// The missing part: `operation_id` or `summary`.
        missing: &'static str,
    },
    /// Two operations with one `operationId`.
    DuplicateOperationId {
        /// The shared id.
        operation_id: String,
        /// `namespace: METHOD path` of each operation.
        operations: Vec<String>,
    },
    /// Two namespaces that define a model with one name but different schemas.
    ConflictingModel {
        /// The model name.
        model: String,
        /// The namespaces.
        namespaces: Vec<String>,
    },
    /// A model patch for a model that the documents do not have.
    UnknownModel {
        /// The namespace with the patch.
        namespace: String,
        /// The model name.
        model: String,
    },
    /// A docs UI path that cannot be served.
    InvalidDocsPath {
        /// Reason for the rejection.
        reason: String,
    },
    /// The vendored `uap-core` rules failed to compile.
    UserAgentRules {
        /// The parser's error.
        reason: String,
    },
    /// paperclip failed to produce the OpenAPI documents.
    DocumentGeneration {
        /// What failed.
        reason: String,
    },
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidName { name } => write!(
                f,
                "namespace name '{name}' is invalid: use lowercase letters, digits, '-' and '_', \
                 starting with a letter"
            ),
            Self::DuplicateName { name, count } => {
                write!(f, "{count} namespaces are named '{name}'; names must be unique")
            }
            Self::InvalidPrefix { namespace, prefix } => write!(
                f,
                "namespace '{namespace}' has invalid prefix '{prefix}': a prefix starts with '/', \
                 has no trailing '/', no empty segments and no parameters"
            ),
            Self::UnknownNamespace { name, available } => write!(
                f,
                "no namespace is named '{name}'; the namespaces in this build are {}",
                if available.is_empty() { "none".to_owned() } else { quote_list(available) }
            ),
            Self::NestedPrefix { outer, outer_prefix, inner, inner_prefix } => write!(
                f,
                "namespace '{inner}' with prefix '{inner_prefix}' lies inside prefix \
                 '{outer_prefix}' of namespace '{outer}', which would receive its requests; \
                 move one of them"
            ),
            Self::DuplicatePrefix { prefix, namespaces } => write!(
                f,
                "namespaces {} share prefix '{prefix}'; give each its own prefix",
                quote_list(namespaces)
            ),
            Self::ReservedPrefix { namespace, prefix, reserved } => write!(
                f,
                "namespace '{namespace}' with prefix '{prefix}' overlaps '{reserved}', \
                 which the server serves itself; choose another prefix"
            ),
            Self::InvalidRoutePath { namespace, path, reason } => {
                write!(f, "namespace '{namespace}' has invalid route path '{path}': {reason}")
            }
            Self::DuplicateRoute { namespace, method, paths } => write!(
                f,
                "namespace '{namespace}' registers {method} more than once on {}",
                quote_list(paths)
            ),
            Self::UndocumentedOperation { namespace, method, path, missing } => write!(
                f,
                "operation {method} {path} of namespace '{namespace}' has no {missing}; \
                 give the handler #[api_v2_operation] with operation_id and a doc comment"
            ),
            Self::DuplicateOperationId { operation_id, operations } => write!(
                f,
                "operationId '{operation_id}' is used by {}; operation ids must be unique",
                operations.join(" and ")
            ),
            Self::ConflictingModel { model, namespaces } => write!(
                f,
                "namespaces {} define different models named '{model}'; rename one",
                quote_list(namespaces)
            ),
            Self::UnknownModel { namespace, model } => write!(
                f,
                "namespace '{namespace}' patches model '{model}', which no operation uses"
            ),
            Self::InvalidDocsPath { reason } => write!(f, "{reason}"),
            Self::UserAgentRules { reason } => {
                write!(f, "the User-Agent rules failed to compile: {reason}")
            }
            Self::DocumentGeneration { reason } => {
                write!(f, "the OpenAPI documents could not be generated: {reason}")
            }
        }
    }
}

fn quote_list(items: &[String]) -> String {
    items.iter().map(|item| format!("'{item}'")).collect::<Vec<_>>().join(", ")
}

/// Every configuration mistake found while building an [`Api`](crate::Api).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    problems: Vec<ConfigProblem>,
}

impl ConfigError {
    pub(crate) fn from_problems(problems: Vec<ConfigProblem>) -> Result<(), Self> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Self { problems })
        }
    }

    pub(crate) fn single(problem: ConfigProblem) -> Self {
        Self { problems: vec![problem] }
    }

    /// Returns whether every problem comes from the server's options (an
    /// unknown namespace name, an invalid docs path) rather than from a
    /// namespace's code.
    pub fn is_usage_error(&self) -> bool {
        self.problems.iter().all(|problem| {
            matches!(
                problem,
                ConfigProblem::UnknownNamespace { .. } | ConfigProblem::InvalidDocsPath { .. }
            )
        })
    }

    /// Returns the mistakes, in the order they were found.
    pub fn problems(&self) -> &[ConfigProblem] {
        &self.problems
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid API configuration ({} problem", self.problems.len())?;
        if self.problems.len() != 1 {
            write!(f, "s")?;
        }
        write!(f, "):")?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

/// Selection of the registered namespaces to mount, with moved prefixes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    /// Names to mount; `None` mounts every namespace.
    pub(crate) names: Option<Vec<String>>,
    /// Prefixes that replace a namespace's own, by name.
    pub(crate) prefixes: BTreeMap<String, String>,
}

impl Selection {
    /// Applies the selection and returns each chosen namespace with its prefix.
    fn apply(
        &self,
        namespaces: &[&'static dyn Namespace],
        problems: &mut Vec<ConfigProblem>,
    ) -> Vec<(&'static dyn Namespace, String)> {
        let available: Vec<String> = namespaces.iter().map(|ns| ns.name().to_owned()).collect();
        let requested = self.names.iter().flatten().chain(self.prefixes.keys());
        for name in requested.filter(|name| !available.contains(name)) {
            problems.push(ConfigProblem::UnknownNamespace {
                name: name.clone(),
                available: available.clone(),
            });
        }

        namespaces
            .iter()
            .filter(|ns| {
                self.names.as_ref().is_none_or(|names| names.iter().any(|n| n == ns.name()))
            })
            .map(|&ns| {
                let prefix = self.prefixes.get(ns.name()).cloned().unwrap_or_else(|| ns.prefix());
                (ns, prefix)
            })
            .collect()
    }
}

/// Checks namespaces for mounting and returns them in mounting order.
///
/// `reserved` are the paths the server serves itself (documents, docs UI).
pub(crate) fn plan_mounts(
    namespaces: &[&'static dyn Namespace],
    selection: &Selection,
    reserved: &[String],
) -> Result<Vec<Mount>, ConfigError> {
    let mut problems = Vec::new();
    let chosen = selection.apply(namespaces, &mut problems);
    let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_prefix: BTreeMap<String, Vec<String>> = BTreeMap::new();

    for (namespace, prefix) in &chosen {
        let name = namespace.name();
        *by_name.entry(name).or_default() += 1;
        if !is_valid_name(name) {
            problems.push(ConfigProblem::InvalidName { name: name.to_owned() });
        }

        let prefix = prefix.clone();
        if !is_valid_prefix(&prefix) {
            problems.push(ConfigProblem::InvalidPrefix {
                namespace: name.to_owned(),
                prefix: prefix.clone(),
            });
        }
        let overlaps = |path: &&String| covers(&prefix, path) || covers(path, &prefix);
        for path in reserved.iter().filter(overlaps) {
            problems.push(ConfigProblem::ReservedPrefix {
                namespace: name.to_owned(),
                prefix: prefix.clone(),
                reserved: path.clone(),
            });
        }
        by_prefix.entry(prefix).or_default().push(name.to_owned());
        check_routes(*namespace, &mut problems);
    }
    check_nesting(&chosen, &mut problems);

    for (name, count) in by_name.into_iter().filter(|(_, count)| *count > 1) {
        problems.push(ConfigProblem::DuplicateName { name: name.to_owned(), count });
    }
    for (prefix, names) in by_prefix.into_iter().filter(|(_, names)| names.len() > 1) {
        problems.push(ConfigProblem::DuplicatePrefix { prefix, namespaces: names });
    }
    ConfigError::from_problems(problems)?;

    let mut mounts: Vec<Mount> =
        chosen.into_iter().map(|(namespace, prefix)| Mount { namespace, prefix }).collect();
    mounts.sort_by_key(|mount| (mount.prefix(), mount.name()));
    Ok(mounts)
}

fn check_nesting(chosen: &[(&'static dyn Namespace, String)], problems: &mut Vec<ConfigProblem>) {
    for (outer, outer_prefix) in chosen {
        for (inner, inner_prefix) in chosen {
            if inner_prefix != outer_prefix && covers(outer_prefix, inner_prefix) {
                problems.push(ConfigProblem::NestedPrefix {
                    outer: outer.name().to_owned(),
                    outer_prefix: outer_prefix.clone(),
                    inner: inner.name().to_owned(),
                    inner_prefix: inner_prefix.clone(),
                });
            }
        }
    }
}

fn check_routes(namespace: &'static dyn Namespace, problems: &mut Vec<ConfigProblem>) {
    let mut routes = Routes::default();
    namespace.routes(&mut routes);

    let mut by_shape: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (path, methods) in routes.summary() {
        if let Err(reason) = validate_route_path(&path) {
            problems.push(ConfigProblem::InvalidRoutePath {
                namespace: namespace.name().to_owned(),
                path: path.clone(),
                reason: reason.to_string(),
            });
        }
        for method in methods {
            let key = (method.to_string(), path_shape(&path));
            by_shape.entry(key).or_default().push(path.clone());
        }
    }

    for ((method, _), paths) in by_shape.into_iter().filter(|(_, paths)| paths.len() > 1) {
        problems.push(ConfigProblem::DuplicateRoute {
            namespace: namespace.name().to_owned(),
            method,
            paths,
        });
    }
}

fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn is_valid_prefix(prefix: &str) -> bool {
    let Some(rest) = prefix.strip_prefix('/') else {
        return false;
    };
    !rest.is_empty()
        && rest.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
        })
}

/// Returns whether a namespace on `prefix` would receive requests for `path`.
pub(crate) fn covers(prefix: &str, path: &str) -> bool {
    path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_prefixes() {
        assert!(is_valid_name("respond"));
        assert!(is_valid_name("todo-v2_x"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("Respond"));
        assert!(!is_valid_name("2fa"));
        assert!(!is_valid_name("a/b"));

        assert!(is_valid_prefix("/respond"));
        assert!(is_valid_prefix("/api/v1.2"));
        assert!(!is_valid_prefix("/"));
        assert!(!is_valid_prefix("respond"));
        assert!(!is_valid_prefix("/respond/"));
        assert!(!is_valid_prefix("/a//b"));
        assert!(!is_valid_prefix("/a/{id}"));
        assert!(!is_valid_prefix("/a/.."));
    }

    #[test]
    fn covers_whole_segments_only() {
        assert!(covers("/swagger.json", "/swagger.json"));
        assert!(covers("/docs", "/docs/swagger-ui.css"));
        assert!(!covers("/doc", "/docs"));
    }
}

//! The `Namespace` trait and its registration through `inventory`.

use crate::routes::Routes;

/// A group of related operations mounted under one path prefix.
///
/// A namespace becomes one tag in the generated OpenAPI documents. Every
/// operation it registers carries that tag, and the tag carries the
/// namespace's description.
pub trait Namespace: Send + Sync + 'static {
    /// Unique name of the namespace, which is also its OpenAPI tag.
    ///
    /// Use lowercase ASCII letters, digits, `-` and `_`, starting with a letter.
    fn name(&self) -> &'static str;

    /// One or two sentences for the docs UI, shown beside the tag.
    fn description(&self) -> &'static str;

    /// Path prefix the namespace is mounted under, `/<name>` unless overridden.
    ///
    /// A prefix starts with `/`, has no trailing `/` and no path parameters.
    fn prefix(&self) -> String {
        format!("/{}", self.name())
    }

    /// Returns JSON merge patches (RFC 7386) for this namespace's models,
    /// by model name, applied to both documents.
    ///
    /// paperclip's derive cannot express constraints such as `minLength`,
    /// `pattern` or `additionalProperties`; a patch adds them, for example
    /// `("TodoInput", json!({"additionalProperties": false}))`. A patch for
    /// a model the documents lack is a configuration error.
    fn model_patches(&self) -> Vec<(&'static str, serde_json::Value)> {
        Vec::new()
    }

    /// Adds the namespace's routes, with paths relative to the prefix.
    ///
    /// The server calls this once per worker thread and once more to build
    /// the OpenAPI documents, so it must add the same routes every time.
    fn routes(&self, routes: &mut Routes);
}

/// A namespace submitted with [`register_namespace!`](crate::register_namespace).
///
/// Construct it only through that macro.
#[doc(hidden)]
pub struct Registration {
    pub namespace: &'static dyn Namespace,
}

inventory::collect!(Registration);

/// Registers a namespace so that every server linking its crate mounts it.
///
/// The argument is a constant expression of a type that implements
/// [`Namespace`], usually a unit struct, or the name of a `static` holding
/// one (needed when the type has interior mutability, such as a store):
///
/// ```
/// use nsapi::{register_namespace, Namespace, Routes};
///
/// struct Status;
///
/// impl Namespace for Status {
///     fn name(&self) -> &'static str {
///         "status"
///     }
///
///     fn description(&self) -> &'static str {
///         "Service status"
///     }
///
///     fn routes(&self, _routes: &mut Routes) {}
/// }
///
/// register_namespace!(Status);
/// ```
///
/// The linker drops a dependency that the binary never names, and the
/// registration vanishes with it without an error. A binary that should
/// serve the namespace therefore names its crate once, for example with
/// `use nsapi_respond as _;`.
#[macro_export]
macro_rules! register_namespace {
    ($namespace:expr) => {
        $crate::__private::inventory::submit! {
            $crate::__private::Registration { namespace: &$namespace }
        }
    };
}

/// Returns every namespace registered in the linked crates, sorted by name.
///
/// `inventory` yields registrations in link order, which is unspecified,
/// so the sort is what makes mounting and the documents deterministic.
pub fn registered_namespaces() -> Vec<&'static dyn Namespace> {
    let mut namespaces: Vec<&'static dyn Namespace> =
        inventory::iter::<Registration>.into_iter().map(|r| r.namespace).collect();
    namespaces.sort_by(|a, b| a.name().cmp(b.name()).then_with(|| a.prefix().cmp(&b.prefix())));
    namespaces
}

//! The `todo` namespace: list, create, read, update and delete tasks.
//!
//! The tasks live in memory, in one store per process that every worker
//! thread shares, so each replica of a server has its own list and a
//! restart empties it.

mod id;
mod store;

use std::sync::LazyLock;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use nsapi::{register_namespace, ApiError, Created, JsonBody, Namespace, Routes};
use paperclip::actix::{api_v2_operation, web::Json, Apiv2Schema, NoContent};
use serde::{Deserialize, Serialize};

pub use id::{TodoId, MAX_ID};
pub use store::TodoStore;

/// Maximum length of a task's text, in characters.
pub const MAX_TASK_CHARS: usize = 1000;

/// Pattern of a task's text: at least one character that is neither white
/// space nor a control character, the rule [`TodoInput`] checks.
const TASK_PATTERN: &str = "[^\\s\\x00-\\x1f\\x7f-\\x9f]";

/// Maximum number of tasks a store holds. It bounds the memory of the
/// store (about 4 MB of text at most) and the size of the list response.
pub const MAX_TODOS: usize = 1000;

/// The `todo` namespace with its own store.
pub struct TodoNamespace {
    store: LazyLock<web::Data<TodoStore>>,
}

impl TodoNamespace {
    /// Creates the namespace with an empty store; usable in a `static`.
    pub const fn new() -> Self {
        Self { store: LazyLock::new(|| web::Data::new(TodoStore::default())) }
    }
}

impl Default for TodoNamespace {
    fn default() -> Self {
        Self::new()
    }
}

impl Namespace for TodoNamespace {
    fn name(&self) -> &'static str {
        "todo"
    }

    fn description(&self) -> &'static str {
        "TODO operations: a list of tasks kept in memory"
    }

    /// Collections are plural in the path: `/todos/` lists the tasks.
    fn prefix(&self) -> String {
        "/todos".into()
    }

    /// Constraints of the input model that paperclip's derive cannot express.
    fn model_patches(&self) -> Vec<(&'static str, serde_json::Value)> {
        let task = serde_json::json!({
            "minLength": 1,
            "maxLength": MAX_TASK_CHARS,
            "pattern": TASK_PATTERN,
        });
        vec![(
            "TodoInput",
            serde_json::json!({ "additionalProperties": false, "properties": { "task": task } }),
        )]
    }

    fn routes(&self, routes: &mut Routes) {
        routes.app_data(LazyLock::force(&self.store).clone());
        routes.get("/", list_todos);
        routes.post("/", create_todo);
        routes.get("/{id}", get_todo);
        routes.put("/{id}", update_todo);
        routes.delete("/{id}", delete_todo);
    }
}

/// The namespace the server mounts. Its store lives as long as the process.
static TODOS: TodoNamespace = TodoNamespace::new();

register_namespace!(TODOS);

/// A task to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Apiv2Schema)]
pub struct Todo {
    /// The task unique identifier, assigned by the server.
    pub id: u64,
    /// The task details.
    pub task: String,
}

/// The fields a client sends to create or replace a task.
#[derive(Debug, Clone, Deserialize, Apiv2Schema)]
#[serde(deny_unknown_fields)]
pub struct TodoInput {
    /// The task details: 1 to 1000 characters, not only white space or
    /// control characters.
    pub task: String,
}

impl TodoInput {
    fn validate(self) -> Result<String, ApiError> {
        // Python's \s, which JSON Schema validators use, also counts the
        // controls 0x1C to 0x1F as space, so controls are excluded as well.
        if !self.task.chars().any(|c| !c.is_whitespace() && !c.is_control()) {
            return Err(ApiError::bad_request(
                "field 'task' must contain a character that is not white space",
            ));
        }
        let length = self.task.chars().count();
        if length > MAX_TASK_CHARS {
            return Err(ApiError::bad_request(format!(
                "field 'task' has {length} characters; the maximum is {MAX_TASK_CHARS}"
            )));
        }
        Ok(self.task)
    }
}

fn not_found(id: u64) -> ApiError {
    ApiError::not_found(format!("todo {id} does not exist"))
}

/// List all tasks.
///
/// Tasks are sorted by id, oldest first.
#[api_v2_operation(operation_id = "list_todos")]
async fn list_todos(store: web::Data<TodoStore>) -> Json<Vec<Todo>> {
    Json(store.list())
}

/// Create a task.
///
/// The response's `Location` header is the URL of the new task.
#[api_v2_operation(operation_id = "create_todo")]
async fn create_todo(
    req: HttpRequest,
    store: web::Data<TodoStore>,
    input: JsonBody<TodoInput>,
) -> Result<Created<Todo>, ApiError> {
    let task = input.into_inner().validate()?;
    let todo = store.create(task).ok_or_else(|| {
        ApiError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            format!("the list holds the maximum of {MAX_TODOS} tasks; delete one first"),
        )
    })?;
    // The list path ends in '/', whatever prefix the namespace is mounted at.
    let location = format!("{}{}", req.path(), todo.id);
    Ok(Created { location, body: todo })
}

/// Fetch a task by id.
#[api_v2_operation(operation_id = "get_todo")]
async fn get_todo(store: web::Data<TodoStore>, id: TodoId) -> Result<Json<Todo>, ApiError> {
    let TodoId(id) = id;
    store.get(id).map(Json).ok_or_else(|| not_found(id))
}

/// Replace the text of a task.
#[api_v2_operation(operation_id = "update_todo")]
async fn update_todo(
    store: web::Data<TodoStore>,
    id: TodoId,
    input: JsonBody<TodoInput>,
) -> Result<Json<Todo>, ApiError> {
    let TodoId(id) = id;
    let task = input.into_inner().validate()?;
    store.update(id, task).map(Json).ok_or_else(|| not_found(id))
}

/// Delete a task.
#[api_v2_operation(operation_id = "delete_todo")]
async fn delete_todo(store: web::Data<TodoStore>, id: TodoId) -> Result<NoContent, ApiError> {
    let TodoId(id) = id;
    if store.delete(id) {
        Ok(NoContent)
    } else {
        Err(not_found(id))
    }
}

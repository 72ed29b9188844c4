//! The in-memory task store.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::{Todo, MAX_TODOS};

/// Tasks by id behind one lock, so concurrent requests neither lose nor
/// duplicate a task and ids are never reused.
#[derive(Debug, Default)]
pub struct TodoStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    todos: BTreeMap<u64, Todo>,
    last_id: u64,
}

impl TodoStore {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map half-written:
        // every change is a single insert or remove.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Returns every task, sorted by id.
    pub fn list(&self) -> Vec<Todo> {
        self.lock().todos.values().cloned().collect()
    }

    /// Stores a new task under the next id and returns it, or `None` when
    /// the store contains [`MAX_TODOS`] tasks.
    pub fn create(&self, task: String) -> Option<Todo> {
        let mut inner = self.lock();
        if inner.todos.len() >= MAX_TODOS {
            return None;
        }
        inner.last_id += 1;
        let todo = Todo { id: inner.last_id, task };
        inner.todos.insert(todo.id, todo.clone());
        Some(todo)
    }

    /// Returns the task with this id.
    pub fn get(&self, id: u64) -> Option<Todo> {
        self.lock().todos.get(&id).cloned()
    }

    /// Replaces the text of a task and returns it, or `None` when it does not exist.
    pub fn update(&self, id: u64, task: String) -> Option<Todo> {
        let mut inner = self.lock();
        let todo = inner.todos.get_mut(&id)?;
        todo.task = task;
        Some(todo.clone())
    }

    /// Deletes a task and returns whether it existed.
    pub fn delete(&self, id: u64) -> bool {
        self.lock().todos.remove(&id).is_some()
    }
}

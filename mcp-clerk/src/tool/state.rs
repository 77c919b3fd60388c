//! Application state shared by tools: [`State<T>`], given to the server with
//! [`McpServer::state`](crate::McpServer::state).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use rmcp::ErrorData;

use super::ToolCall;
use super::inject::FromToolCall;

/// A value the server was given with [`McpServer::state`](crate::McpServer::state),
/// cloned into each call that asks for it (like axum's `State`): give it a
/// type that is cheap to clone, such as a pool, a client or an `Arc`.
///
/// A tool that takes a `State<T>` the server was not given is a
/// [`BuildError::MissingState`](crate::BuildError::MissingState) when the
/// server is built, never a failed call.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::{Arc, Mutex};
/// use mcp_clerk::prelude::*;
/// use mcp_clerk::testing::call_tool;
/// use serde_json::json;
///
/// #[derive(Clone, Default)]
/// struct Notes(Arc<Mutex<Vec<String>>>);
///
/// /// Adds a note and says how many there are.
/// #[tool]
/// async fn add_note(State(notes): State<Notes>, text: String) -> String {
///     let mut notes = notes.0.lock().unwrap();
///     notes.push(text);
///     format!("{} notes", notes.len())
/// }
///
/// let server = McpServer::new("notes", "1").state(Notes::default()).tools(tools![add_note]);
/// let bound = server.bind("127.0.0.1:0").await?;
/// let url = format!("http://{}/mcp", bound.local_addr());
/// tokio::spawn(bound.run_until(std::future::pending()));
/// call_tool(&url, None, "add_note", json!({"text": "one"})).await?;
/// let answer = call_tool(&url, None, "add_note", json!({"text": "two"})).await?;
/// assert_eq!(answer["result"]["content"][0]["text"], "2 notes");
///
/// // Without `.state(..)` the server is not built:
/// let missing = McpServer::new("notes", "1").tools(tools![add_note]).into_router();
/// assert!(matches!(missing, Err(mcp_clerk::BuildError::MissingState { .. })));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct State<T>(pub T);

impl<T> std::ops::Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A state type a tool needs: its `TypeId` and its name, for the build error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateKey {
    id: TypeId,
    name: &'static str,
}

impl StateKey {
    /// The key of state type `T`.
    pub fn of<T: 'static>() -> Self {
        Self {
            id: TypeId::of::<T>(),
            name: std::any::type_name::<T>(),
        }
    }

    /// The type's name (`std::any::type_name`).
    pub fn type_name(&self) -> &'static str {
        self.name
    }
}

/// The states a server was given, by type. Cheap to clone (one `Arc`).
#[derive(Clone, Default)]
pub(crate) struct States(Arc<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>);

impl std::fmt::Debug for States {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("States")
            .field("types", &self.0.len())
            .finish()
    }
}

impl States {
    /// Adds (or replaces) the state of type `T`.
    pub(crate) fn insert<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        Arc::make_mut(&mut self.0).insert(TypeId::of::<T>(), Arc::new(value));
    }

    pub(crate) fn contains(&self, key: &StateKey) -> bool {
        self.0.contains_key(&key.id)
    }

    pub(crate) fn get<T: Clone + 'static>(&self) -> Option<T> {
        self.0.get(&TypeId::of::<T>())?.downcast_ref::<T>().cloned()
    }
}

impl<T: Clone + Send + Sync + 'static> FromToolCall for State<T> {
    fn from_tool_call(call: &mut ToolCall) -> Result<Self, ErrorData> {
        call.states.get::<T>().map(State).ok_or_else(|| {
            // Unreachable through `McpServer` (checked when it is built); a
            // hand-made `ToolCall` may lack it.
            ErrorData::internal_error(
                format!(
                    "the server was not given a state of type `{}`",
                    std::any::type_name::<T>()
                ),
                None,
            )
        })
    }

    fn required_state() -> Option<StateKey> {
        Some(StateKey::of::<T>())
    }
}

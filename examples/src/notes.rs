//! A small notes server: application state (an in-memory store, given once
//! with `McpServer::state`), tools, an organization-scoped resource template
//! and a prompt, all under one organization policy. Each organization sees
//! only its own notes, in every component.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use mcp_clerk::prelude::*;
use mcp_clerk::{ClerkConfig, McpServer};

/// At most this many notes per organization.
pub const MAX_NOTES_PER_ORG: usize = 1000;

/// One note.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(crate = "mcp_clerk::schemars")]
pub struct Note {
    /// Its number within the organization.
    pub id: usize,
    /// Who wrote it.
    pub author: String,
    /// What it says.
    pub text: String,
}

/// The store: notes by organization id (swap in a database pool).
#[derive(Clone, Default)]
pub struct NoteStore(Arc<Mutex<HashMap<String, Vec<Note>>>>);

impl NoteStore {
    fn with<R>(&self, org: &str, f: impl FnOnce(&mut Vec<Note>) -> R) -> R {
        let mut all = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(all.entry(org.to_owned()).or_default())
    }
}

/// Adds a note to the caller's organization.
#[tool(org = required)]
pub async fn add_note(
    user: ClerkUser,
    org: ClerkOrg,
    State(store): State<NoteStore>,
    #[arg(description = "The note's text")] text: String,
) -> Result<String, ToolError> {
    store.with(org.id(), |notes| {
        if notes.len() >= MAX_NOTES_PER_ORG {
            return Err(ToolError::invalid_input(
                "this organization has too many notes",
            ));
        }
        let id = notes.len();
        notes.push(Note {
            id,
            author: user.id().to_owned(),
            text,
        });
        Ok(format!("note {id} added"))
    })
}

/// Lists the caller's organization's notes.
#[tool(org = required, annotations(read_only))]
pub async fn list_notes(org: ClerkOrg, State(store): State<NoteStore>) -> Json<Vec<Note>> {
    Json(store.with(org.id(), |notes| notes.clone()))
}

/// One note of the caller's organization, as JSON.
#[resource("notes://notes/{id}", org = required, mime_type = "application/json")]
pub async fn note(
    org: ClerkOrg,
    State(store): State<NoteStore>,
    id: usize,
) -> Result<String, ToolError> {
    let found = store.with(org.id(), |notes| notes.get(id).cloned());
    let note = found.ok_or_else(|| ToolError::not_found(format!("no note {id}")))?;
    serde_json::to_string(&note).map_err(ToolError::from_error)
}

/// Asks the model to summarise the caller's organization's notes.
#[prompt(org = required)]
pub async fn summarise_notes(org: ClerkOrg, State(store): State<NoteStore>) -> String {
    let notes = store.with(org.id(), |notes| notes.clone());
    let lines: Vec<String> = notes
        .iter()
        .map(|n| format!("- {} (by {})", n.text, n.author))
        .collect();
    format!(
        "Summarise the notes of {} in three sentences:\n{}",
        org.slug().unwrap_or(org.id()),
        lines.join("\n")
    )
}

/// The notes server trusting `config`, with an empty store.
pub fn server(config: ClerkConfig) -> McpServer {
    McpServer::new("mcp-clerk-notes", env!("CARGO_PKG_VERSION"))
        .clerk(config)
        .state(NoteStore::default())
        .tools(tools![add_note, list_notes])
        .resources(resources![note])
        .prompts(prompts![summarise_notes])
}

//! Everything a tool module needs: `use mcp_clerk::prelude::*;`
//!
//! ```
//! use mcp_clerk::prelude::*;
//!
//! #[derive(Serialize, JsonSchema)]
//! #[serde(crate = "mcp_clerk::serde")]
//! #[schemars(crate = "mcp_clerk::schemars")]
//! struct Profile {
//!     id: String,
//! }
//!
//! /// Who am I?
//! #[tool(auth = required)]
//! async fn whoami(user: ClerkUser) -> Json<Profile> {
//!     Json(Profile { id: user.id().to_owned() })
//! }
//!
//! let tools: Vec<ToolDef> = tools![whoami];
//! assert_eq!(tools[0].name(), "whoami");
//! ```
//!
//! `Deserialize`, `Serialize` and `JsonSchema` are re-exported so a crate can
//! define argument and output types without depending on serde or schemars
//! itself; such a crate names the re-exported crates in its derives with
//! `#[serde(crate = "mcp_clerk::serde")]` and
//! `#[schemars(crate = "mcp_clerk::schemars")]` (a crate that depends on serde
//! and schemars directly needs neither attribute).

pub use crate::backend::Clerk;
pub use crate::complete::CompletionRequest;
pub use crate::error::ToolError;
pub use crate::identity::{ClerkOrg, ClerkUser};
pub use crate::prompt::PromptDef;
pub use crate::resource::AnyResource;
pub use crate::tool::state::State;
pub use crate::tool::{ToolDef, ToolSet};
pub use crate::{ClerkConfig, McpServer};
#[cfg(feature = "macros")]
pub use crate::{prompt, prompts, resource, resources, tool, tool_impl, tools};
pub use rmcp::Json;
pub use schemars::JsonSchema;
pub use serde::{Deserialize, Serialize};

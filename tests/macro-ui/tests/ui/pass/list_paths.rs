//! `tools![..]`, `resources![..]` and `prompts![..]` take any path to the
//! function: local to a block, `self::`, `crate::`, through a module, and
//! through a `use` (which brings the hidden type along with the function),
//! and `self::` for a tool whose name a glob import also brings.
use mcp_clerk::__private::rmcp::model::{PromptMessage, Role};
use mcp_clerk::prelude::*;

mod kit {
    /// Answers pong.
    #[mcp_clerk::tool]
    pub async fn ping() -> &'static str {
        "pong"
    }

    /// The message of the day.
    #[mcp_clerk::resource("notes://motd")]
    pub async fn motd() -> String {
        "hello".to_owned()
    }
}

use kit::motd;

mod glob {
    pub fn drop_table() {}
}

mod wrapper {
    use super::glob::*;
    use mcp_clerk::prelude::*;

    /// Wraps the glob-imported function of the same name.
    #[tool]
    pub async fn drop_table() -> &'static str {
        "dropped"
    }

    /// `self::`: the glob's `drop_table` makes a bare name ambiguous.
    pub fn tools() -> Vec<ToolDef> {
        tools![self::drop_table]
    }
}

/// Says hi.
#[tool]
async fn hi() -> &'static str {
    "hi"
}

/// Asks for a greeting.
#[prompt]
async fn greet() -> Vec<PromptMessage> {
    vec![PromptMessage::new_text(Role::User, "Say hi")]
}

fn main() {
    /// Local to `main`.
    #[tool]
    async fn local() -> &'static str {
        "local"
    }
    let tools = tools![local, hi, self::kit::ping, crate::hi];
    assert_eq!(tools.len(), 4);
    assert_eq!(wrapper::tools().len(), 1);
    assert_eq!(resources![motd, kit::motd].len(), 2);
    assert_eq!(prompts![greet, crate::greet].len(), 2);
}

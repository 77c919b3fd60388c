//! The descriptors `#[tool]` generates, compared with the expected JSON in
//! `tests/snapshots/<tool>.json`.
//!
//! After an intended change, rewrite the snapshots and review the diff:
//!
//! ```text
//! UPDATE_SNAPSHOTS=1 cargo test -p mcp-clerk --all-features --test integration macro_schema::
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use mcp_clerk::__private::rmcp::handler::server::tool::schema_for_input;
use mcp_clerk::__private::serde_json::{self, Value};
use mcp_clerk::prelude::*;

/// Colors a shape can have.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Color {
    Red,
    Green,
}

/// A point on the canvas.
#[derive(Serialize, Deserialize, JsonSchema)]
struct Point {
    x: f64,
    y: f64,
}

/// A shape to draw.
#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Shape {
    /// Where the shape starts.
    origin: Point,
    /// Further corners.
    corners: Vec<Point>,
    color: Option<Color>,
    /// Free-form labels.
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

/// A created project.
#[derive(Serialize, JsonSchema)]
struct Project {
    id: String,
    /// Whether only members see it.
    private: bool,
    tags: Vec<String>,
}

/// Answers pong.
#[tool]
async fn ping() -> &'static str {
    "pong"
}

/// Greets someone.
///
/// Second paragraph of the description.
#[tool(title = "Greeter", annotations(read_only, open_world = false))]
async fn greet(
    #[arg(description = "Who to greet")] name: String,
    #[arg(description = "How many times", default = 1)] times: u32,
    punctuation: Option<char>,
    #[arg(default)] shout: bool,
) -> String {
    let _ = (times, punctuation, shout);
    name
}

/// Draws shapes.
#[tool(auth = required, scopes("canvas:write"))]
async fn draw(
    user: ClerkUser,
    shapes: Vec<Shape>,
    #[arg(default = Color::Green)] fill: Color,
    at: Option<Point>,
) -> Result<String, ToolError> {
    let _ = (user, shapes, fill, at);
    Ok(String::new())
}

/// Draws one shape.
#[tool(name = "draw.one")]
fn draw_one(#[args] shape: Shape) -> String {
    let _ = shape;
    String::new()
}

/// Creates a project.
#[tool(org = required, permission = "org:projects:create")]
async fn create_project(org: ClerkOrg, name: String) -> Result<Json<Project>, ToolError> {
    Ok(Json(Project {
        id: format!("{}/{name}", org.id()),
        private: false,
        tags: Vec::new(),
    }))
}

/// Lists points.
#[tool]
fn points() -> Json<Vec<Point>> {
    Json(Vec::new())
}

fn snapshot_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.json"))
}

#[test]
fn descriptors_match_snapshots() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut mismatches = Vec::new();
    for tool in tools![ping, greet, draw, draw_one, create_project, points] {
        let actual = serde_json::to_value(tool.descriptor()).unwrap();
        let path = snapshot_path(tool.name());
        if update {
            let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
            std::fs::write(&path, text).unwrap();
            continue;
        }
        let expected: Value = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).unwrap(),
            Err(e) => panic!("{}: {e} (run with UPDATE_SNAPSHOTS=1)", path.display()),
        };
        if actual != expected {
            mismatches.push(format!(
                "{}:\n{}",
                path.display(),
                serde_json::to_string_pretty(&actual).unwrap()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "descriptors changed:\n{}",
        mismatches.join("\n")
    );
}

/// The input schema of plain arguments is what schemars derives for the
/// equivalent struct (rmcp's `Parameters<T>` route), plus the defaults.
#[test]
fn plain_arguments_match_a_derived_struct() {
    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct DrawArgs {
        shapes: Vec<Shape>,
        #[serde(default = "green")]
        fill: Color,
        at: Option<Point>,
    }
    fn green() -> Color {
        Color::Green
    }
    let derived = schema_for_input::<DrawArgs>().unwrap();
    let tool = &tools![draw][0];
    let generated = &tool.descriptor().input_schema;
    assert_eq!(
        Value::Object((**generated).clone()),
        Value::Object((*derived).clone())
    );
}

#[test]
fn struct_arguments_use_the_struct_schema() {
    let tool = &tools![draw_one][0];
    let derived = schema_for_input::<Shape>().unwrap();
    assert_eq!(*tool.descriptor().input_schema, *derived);
}

//! Tool arguments read from the client's JSON, and the input schema that
//! describes them.
//!
//! `#[tool]` generates calls into this module; it is usable by hand too. Each
//! plain argument becomes an [`Arg<T>`] (one property of the input schema);
//! a single `#[args]` argument becomes a [`StructArgs<T>`] whose fields are
//! the properties. [`Arguments`] reads a call's JSON object and collects every
//! problem into one [`ToolError::invalid_input`] result.
//!
//! ```
//! use mcp_clerk::tool::args::{Arg, Arguments, InputSchema};
//! use mcp_clerk::__private::serde_json::json;
//!
//! let name = Arg::<String>::new("name");
//! let count = Arg::<u32>::new("count").with_default(|| 1);
//! let schema = InputSchema::new()
//!     .arg(&name, Some("Who to greet"), None)
//!     .arg(&count, None, Some(json!(1)))
//!     .finish();
//! assert_eq!(schema["required"], json!(["name"]));
//!
//! let object = json!({"name": "Ada"}).as_object().cloned();
//! let mut args = Arguments::new(object);
//! let (Some(name), Some(count)) = (args.take(&name), args.take(&count)) else {
//!     panic!("{:?}", args.errors());
//! };
//! assert_eq!((name.as_str(), count), ("Ada", 1));
//! ```

use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::handler::server::tool::schema_for_input;
use rmcp::model::{CallToolResponse, JsonObject};
use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ToolError;
use crate::tool::output::IntoToolOutput;

/// A type a tool can take as one named argument: anything `Deserialize + JsonSchema`.
///
/// `Option<T>` is the one type a client may leave out:
///
/// ```
/// use mcp_clerk::tool::args::ToolArgument;
/// use serde_json::json;
///
/// assert_eq!(u32::from_json(json!(3))?, 3);
/// assert!(u32::when_missing().is_none()); // required
/// assert_eq!(Option::<u32>::when_missing(), Some(None)); // optional
/// # Ok::<(), serde_json::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool argument",
    label = "tool arguments must implement `Deserialize` and `JsonSchema`",
    note = "derive both on your type: `#[derive(Deserialize, JsonSchema)]` (re-exported in `mcp_clerk::prelude`)",
    note = "`ClerkUser`, `ClerkOrg` and rmcp context types are injected; other injected types need `#[inject]`"
)]
pub trait ToolArgument: Sized {
    /// Reads the value from the JSON the client sent.
    fn from_json(value: Value) -> Result<Self, serde_json::Error>;
    /// The value of an argument the client left out, if leaving it out is
    /// allowed (`Option<T>` gives `None`).
    fn when_missing() -> Option<Self>;
    /// The argument's schema.
    fn schema(generator: &mut SchemaGenerator) -> Schema;
}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned + JsonSchema> ToolArgument for T {
    fn from_json(value: Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(value)
    }

    fn when_missing() -> Option<Self> {
        T::deserialize(Missing).ok()
    }

    fn schema(generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<T>()
    }
}

/// A type a tool can take as all its arguments (`#[args]`): a
/// `Deserialize + JsonSchema` struct whose schema is an object.
///
/// ```
/// use mcp_clerk::prelude::*;
/// use mcp_clerk::tool::args::ToolArguments;
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Search {
///     query: String,
///     limit: Option<u32>,
/// }
///
/// let schema = Search::input_schema()?;
/// assert_eq!(schema["required"], serde_json::json!(["query"]));
/// // MCP needs an object schema: a bare string cannot be an `#[args]` type.
/// assert!(<String as ToolArguments>::input_schema().is_err());
/// # Ok::<(), String>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool's `#[args]` struct",
    label = "an `#[args]` struct must implement `Deserialize` and `JsonSchema`",
    note = "derive both on your struct: `#[derive(Deserialize, JsonSchema)]` (re-exported in `mcp_clerk::prelude`)"
)]
pub trait ToolArguments: Sized {
    /// Reads the value from the arguments object the client sent.
    fn from_object(object: JsonObject) -> Result<Self, serde_json::Error>;
    /// The input schema (an object schema), or why the type cannot have one.
    fn input_schema() -> Result<Arc<JsonObject>, String>;
}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned + JsonSchema + 'static> ToolArguments for T {
    fn from_object(object: JsonObject) -> Result<Self, serde_json::Error> {
        serde_json::from_value(Value::Object(object))
    }

    fn input_schema() -> Result<Arc<JsonObject>, String> {
        schema_for_input::<T>()
    }
}

/// A deserializer for an absent value: only `Option` accepts it (as `None`).
struct Missing;

impl<'de> serde::Deserializer<'de> for Missing {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("missing"))
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple tuple_struct
        map struct enum identifier ignored_any
    }
}

/// One named argument: how to read it and describe it.
///
/// Built with [`Arg::new`], the only place that needs `T: ToolArgument`, so a
/// type that is not an argument type yields exactly one compile error.
///
/// ```
/// use mcp_clerk::tool::args::{Arg, Arguments};
///
/// let limit = Arg::<u32>::new("limit").with_default(|| 10);
/// assert!(!limit.is_required());
/// assert_eq!(Arguments::new(None).take(&limit), Some(10));
/// assert!(Arg::<String>::new("query").is_required());
/// ```
pub struct Arg<T> {
    name: &'static str,
    parse: fn(Value) -> Result<T, serde_json::Error>,
    missing: fn() -> Option<T>,
    schema: fn(&mut SchemaGenerator) -> Schema,
    default: Option<fn() -> T>,
}

impl<T> Clone for Arg<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Arg<T> {}

impl<T> std::fmt::Debug for Arg<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Arg")
            .field("name", &self.name)
            .field("has_default", &self.default.is_some())
            .finish()
    }
}

impl<T> Arg<T> {
    /// An argument named `name` (the JSON property).
    pub fn new(name: &'static str) -> Self
    where
        T: ToolArgument,
    {
        Self {
            name,
            parse: T::from_json,
            missing: T::when_missing,
            schema: T::schema,
            default: None,
        }
    }

    /// The value used when the client leaves the argument out (or sends `null`).
    pub fn with_default(mut self, default: fn() -> T) -> Self {
        self.default = Some(default);
        self
    }

    /// The JSON property name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether the client must send the argument.
    pub fn is_required(&self) -> bool {
        self.default.is_none() && (self.missing)().is_none()
    }
}

/// The arguments of a tool that takes one `#[args]` struct.
///
/// ```
/// use mcp_clerk::prelude::*;
/// use mcp_clerk::tool::args::{Arguments, StructArgs};
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Search {
///     query: String,
/// }
///
/// let args = StructArgs::<Search>::new();
/// assert_eq!(args.input_schema("search")["type"], "object");
/// let sent = serde_json::json!({"query": "rust"}).as_object().cloned();
/// let search = Arguments::new(sent).take_struct(&args).expect("valid arguments");
/// assert_eq!(search.query, "rust");
/// ```
pub struct StructArgs<T> {
    parse: fn(JsonObject) -> Result<T, serde_json::Error>,
    schema: fn() -> Result<Arc<JsonObject>, String>,
}

impl<T> Clone for StructArgs<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for StructArgs<T> {}

impl<T> std::fmt::Debug for StructArgs<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StructArgs").finish_non_exhaustive()
    }
}

impl<T> StructArgs<T> {
    /// Arguments read into `T`.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self
    where
        T: ToolArguments,
    {
        Self {
            parse: T::from_object,
            schema: T::input_schema,
        }
    }

    /// The input schema.
    ///
    /// # Panics
    ///
    /// When `T`'s schema is not an object (an enum of strings, a tuple…): MCP
    /// requires an object. This happens when the tool list is built, at startup.
    pub fn input_schema(&self, tool: &str) -> Arc<JsonObject> {
        match (self.schema)() {
            Ok(schema) => schema,
            Err(e) => panic!("tool `{tool}`: invalid `#[args]` type: {e}"),
        }
    }
}

/// Builds the input schema of a tool with plain arguments (JSON Schema 2020-12).
///
/// ```
/// use mcp_clerk::tool::args::{Arg, InputSchema};
/// use serde_json::json;
///
/// let schema = InputSchema::new()
///     .arg(&Arg::<String>::new("query"), Some("What to look for"), None)
///     .arg(&Arg::<u32>::new("limit").with_default(|| 10), None, Some(json!(10)))
///     .finish();
/// assert_eq!(schema["properties"]["query"]["description"], "What to look for");
/// assert_eq!(schema["properties"]["limit"]["default"], 10);
/// assert_eq!(schema["required"], json!(["query"]));
/// ```
pub struct InputSchema {
    generator: SchemaGenerator,
    properties: JsonObject,
    required: Vec<Value>,
}

impl std::fmt::Debug for InputSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputSchema")
            .field("properties", &self.properties)
            .finish_non_exhaustive()
    }
}

impl Default for InputSchema {
    fn default() -> Self {
        Self::new()
    }
}

impl InputSchema {
    /// An object schema without properties.
    pub fn new() -> Self {
        Self {
            generator: SchemaSettings::draft2020_12().into_generator(),
            properties: JsonObject::new(),
            required: Vec::new(),
        }
    }

    /// Adds a property for `arg`, with an optional description and default value.
    pub fn arg<T>(
        mut self,
        arg: &Arg<T>,
        description: Option<&str>,
        default: Option<Value>,
    ) -> Self {
        let mut schema = (arg.schema)(&mut self.generator);
        if let Some(description) = description {
            schema.insert("description".into(), Value::from(description));
        }
        if let Some(default) = default {
            schema.insert("default".into(), default);
        }
        if arg.is_required() {
            self.required.push(Value::from(arg.name));
        }
        self.properties.insert(arg.name.into(), schema.to_value());
        self
    }

    /// The finished schema.
    pub fn finish(mut self) -> Arc<JsonObject> {
        let mut object = JsonObject::new();
        if let Some(meta) = self.generator.settings().meta_schema.as_deref() {
            object.insert("$schema".into(), Value::from(meta));
        }
        object.insert("type".into(), Value::from("object"));
        object.insert("properties".into(), Value::Object(self.properties));
        if !self.required.is_empty() {
            object.insert("required".into(), Value::Array(self.required));
        }
        let definitions = self.generator.take_definitions(true);
        if !definitions.is_empty() {
            object.insert("$defs".into(), Value::Object(definitions));
        }
        Arc::new(object)
    }
}

/// Reads a call's arguments, collecting every problem.
///
/// The client gets them all in one tool error, not just the first:
///
/// ```
/// use mcp_clerk::tool::args::{Arg, Arguments};
///
/// let (query, limit) = (Arg::<String>::new("query"), Arg::<u32>::new("limit"));
/// let sent = serde_json::json!({"limit": "ten"}).as_object().cloned();
/// let mut args = Arguments::new(sent);
/// assert!(args.take(&query).is_none() && args.take(&limit).is_none());
/// assert_eq!(args.errors().len(), 2);
/// let error = args.into_error().to_string();
/// assert!(error.starts_with("invalid input: missing argument `query`; argument `limit`:"));
/// ```
#[derive(Debug)]
pub struct Arguments {
    object: JsonObject,
    errors: Vec<String>,
    /// Values arrive as strings (URI template parameters, prompt arguments).
    strings: bool,
}

impl Arguments {
    /// The arguments object the client sent (`None` is an empty object).
    pub fn new(object: Option<JsonObject>) -> Self {
        Self {
            object: object.unwrap_or_default(),
            errors: Vec::new(),
            strings: false,
        }
    }

    /// Arguments whose values the protocol sends as strings (a resource
    /// template's parameters, a prompt's arguments): a string that does not
    /// fit the argument's type is read once more as JSON, so `"42"` gives a
    /// `u32` and `"true"` a `bool`, while a `String` argument keeps `"42"`.
    ///
    /// ```
    /// use mcp_clerk::tool::args::{Arg, Arguments};
    ///
    /// let sent = serde_json::json!({"id": "42", "name": "42"}).as_object().cloned();
    /// let mut args = Arguments::from_strings(sent);
    /// assert_eq!(args.take(&Arg::<u32>::new("id")), Some(42));
    /// assert_eq!(args.take(&Arg::<String>::new("name")).as_deref(), Some("42"));
    /// ```
    pub fn from_strings(object: Option<JsonObject>) -> Self {
        Self {
            strings: true,
            ..Self::new(object)
        }
    }

    /// Reads one argument; `None` when it is missing or invalid (the problem is recorded).
    pub fn take<T>(&mut self, arg: &Arg<T>) -> Option<T> {
        let value = self.object.remove(arg.name);
        if let (Some(default), None | Some(Value::Null)) = (arg.default, &value) {
            return Some(default());
        }
        let result = match value {
            Some(Value::String(text)) if self.strings => (arg.parse)(Value::String(text.clone()))
                .or_else(|e| {
                    serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|v| (arg.parse)(v).ok())
                        .ok_or(e)
                })
                .map_err(|e| format!("argument `{}`: {e}", arg.name)),
            Some(value) => (arg.parse)(value).map_err(|e| format!("argument `{}`: {e}", arg.name)),
            None => (arg.missing)().ok_or_else(|| format!("missing argument `{}`", arg.name)),
        };
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    /// Reads the whole object into an `#[args]` struct.
    pub fn take_struct<T>(&mut self, args: &StructArgs<T>) -> Option<T> {
        let mut object = std::mem::take(&mut self.object);
        if self.strings {
            // Strings that are JSON numbers, booleans, arrays or objects are
            // read as such; a field of type `String` still accepts the text
            // only when it is not valid JSON of another kind.
            if let Ok(value) = (args.parse)(object.clone()) {
                return Some(value);
            }
            for value in object.values_mut() {
                if let Value::String(text) = value
                    && let Ok(parsed) = serde_json::from_str::<Value>(text)
                {
                    *value = parsed;
                }
            }
        }
        match (args.parse)(object) {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(error.to_string());
                None
            }
        }
    }

    /// The problems found so far.
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// The tool error reporting every problem (`isError: true`, not a protocol error).
    pub fn into_error(self) -> ToolError {
        ToolError::invalid_input(if self.errors.is_empty() {
            "invalid arguments".to_owned()
        } else {
            self.errors.join("; ")
        })
    }

    /// Every problem as one JSON-RPC `invalid_params` error: how resource
    /// reads and prompts (which have no tool error results) report bad
    /// arguments.
    pub fn into_error_data(self) -> ErrorData {
        ErrorData::invalid_params(self.into_error().message().to_owned(), None)
    }

    /// [`Arguments::into_error`] as the call's response.
    pub fn into_response(self) -> Result<CallToolResponse, ErrorData> {
        self.into_error().into_tool_output()
    }
}

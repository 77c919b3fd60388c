//! mcp-clerk procedural macros.

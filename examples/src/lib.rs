//! Examples live in `examples/*.rs` style binaries under `src/bin`.

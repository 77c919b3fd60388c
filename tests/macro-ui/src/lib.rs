//! Holds the trybuild UI tests of `#[tool]` and `tools![]` in `tests/`; the
//! library itself is empty.

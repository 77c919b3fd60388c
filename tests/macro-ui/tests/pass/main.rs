//! Expansions that must compile, warning-free (each module denies warnings), and
//! whose `tools![]` lists must hold what was listed.
//!
//! These are ordinary tests rather than trybuild `pass` cases: with a `pass` case
//! trybuild builds its whole project with code generation (twice, under two
//! rustflag sets); with only `compile_fail` cases it type-checks, which is all the
//! error messages need, in a fraction of the time.

mod all_keys;
mod plain_rmcp_types;

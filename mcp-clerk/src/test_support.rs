//! Helpers shared by the crate's unit tests.

/// A proptest configuration: `cases` cases, and no failure-persistence files
/// written into the source tree.
pub(crate) fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}

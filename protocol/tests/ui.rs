//! Each mistake in a protocol, its types or its uses is one compile error
//! at the place to fix (`TRYBUILD=overwrite` records a changed message).

#[test]
fn protocol_mistakes_are_one_error_each_with_a_span() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}

//! Compile-time behaviour of `#[container]`: every bad input is a compile
//! error pointing at the offending token (tests/ui/fail, with the expected
//! stderr beside each case), and good input compiles to working typed
//! accessors and settings (tests/ui/pass, which also run).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}

//! The `web` function's binary: everything is in the library (`lib.rs`), so tests and
//! benchmarks can build the same router in their own process.

fn main() -> std::process::ExitCode {
    web::run()
}

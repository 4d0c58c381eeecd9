//! How long the content takes to load and check at start-up (issue 23, the cold start): the
//! embedded files parsed and checked as the functions do at init, 20 times, median and min.
//!
//!     cargo run --release -p safety-core --example content_figures

fn main() {
    let mut times = Vec::new();
    for _ in 0..20 {
        let started = std::time::Instant::now();
        let files = safety_core::content::embedded_files();
        let library = safety_core::content::load(files).expect("the content passes its check");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(library);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "content load and check: median {:.2} ms, min {:.2} ms, max {:.2} ms (20 runs)",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
}

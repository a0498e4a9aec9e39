//! Prints the flood benchmark figures: `cargo run --release -p forewarn-flood --example bench_flood [n] [steps]`.

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let steps: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(100);
    let r = forewarn_flood::bench::run_benchmark(n, steps, forewarn_flood::Sweep::default());
    for b in [&r.one_thread, &r.two_threads] {
        println!(
            "{} x {} dam break, {} steps, {} thread(s): {:.3} s, {:.1} M cell-updates/s, {:.1} GB/s at {} B/update",
            b.n,
            b.n,
            b.steps,
            b.threads,
            b.seconds,
            b.cell_updates_per_s / 1e6,
            b.achieved_gb_s,
            b.bytes_per_cell_update
        );
    }
    println!("speed-up on 2 threads: {:.2}x", r.speedup);
    println!(
        "copy bandwidth: {:.1} GB/s (1 thread), {:.1} GB/s (2 threads)",
        r.copy_gb_s_one_thread, r.copy_gb_s_two_threads
    );
}

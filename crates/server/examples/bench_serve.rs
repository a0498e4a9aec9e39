//! Load benchmark of the API: `cargo run --release -p forewarn-server --example bench_serve
//! [-- SECONDS]`. 50 and 200 concurrent clients POSTing journaled writes, on a fresh SQLite
//! file and (when installed) a temporary PostgreSQL server. `forewarn bench serve` runs the
//! same code.

fn main() -> std::process::ExitCode {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10.0);
    match forewarn_server::bench::run_matrix(seconds) {
        Ok(rows) => {
            println!(
                "{:<9} {:>7} {:>9} {:>10} {:>8} {:>8} {:>8} {:>7}",
                "backend", "clients", "writes", "writes/s", "p50 ms", "p99 ms", "max ms", "errors"
            );
            for r in rows {
                println!(
                    "{:<9} {:>7} {:>9} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>7}",
                    r.backend,
                    r.clients,
                    r.writes,
                    r.writes_per_s,
                    r.p50_ms,
                    r.p99_ms,
                    r.max_ms,
                    r.errors
                );
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

//! A fixed USGS GeoJSON summary feed on a loopback port, for the cluster benchmark and tests:
//! one M6.6 near Islamabad (automatic), answered in full (no ETag) to every request, with a
//! count of the requests. Plain threads, so that callers need no runtime.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The feed's one event (USGS id `us7000abcd`).
pub const FEED: &str = r#"{"type":"FeatureCollection","metadata":{"title":"USGS test feed"},"features":[{"type":"Feature","properties":{"mag":6.6,"place":"12 km NE of Islamabad, Pakistan","time":1736481040000,"updated":1736481300000,"status":"automatic","net":"us","code":"7000abcd","ids":",us7000abcd,","sources":",us,","magType":"mww","type":"earthquake"},"geometry":{"type":"Point","coordinates":[73.15,33.75,12.0]},"id":"us7000abcd"}]}"#;

/// Serves [`FEED`] at any path; its address and the number of requests so far.
pub fn serve() -> std::io::Result<(SocketAddr, Arc<AtomicUsize>)> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    let addr = l.local_addr()?;
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            h.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut r = BufReader::new(s);
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{FEED}",
                    FEED.len()
                );
                let _ = r.get_mut().write_all(resp.as_bytes());
            });
        }
    });
    Ok((addr, hits))
}

/// A `--watch` file with one source: this feed at `addr`, polled every second.
pub fn watch_toml(addr: SocketAddr) -> String {
    format!(
        "[[source]]\nname = \"usgs\"\nkind = \"usgs-geojson\"\nurl = \"http://{addr}/summary.geojson\"\npoll_s = 1\n"
    )
}

//! A minimal HTTP/1.1 client over one keep-alive TCP connection, for the load benchmark and
//! the tests (no TLS, no redirects).

use std::net::SocketAddr;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A logged-in session: the `Cookie` header value and the CSRF token for writes.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// One connection.
pub struct Conn {
    stream: BufReader<TcpStream>,
    host: String,
}

fn bad(msg: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg.into())
}

impl Conn {
    pub async fn connect(addr: SocketAddr) -> std::io::Result<Conn> {
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        Ok(Conn {
            stream: BufReader::new(s),
            host: addr.to_string(),
        })
    }

    /// Sends a request and reads the whole response.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> std::io::Result<Resp> {
        use std::fmt::Write as _;
        let body = body.unwrap_or(&[]);
        let mut req = String::with_capacity(128 + path.len());
        // Writing to a String cannot fail.
        let _ = write!(req, "{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        for (k, v) in headers {
            let _ = write!(req, "{k}: {v}\r\n");
        }
        if !body.is_empty() || method != "GET" {
            let _ = write!(req, "Content-Length: {}\r\n", body.len());
        }
        req.push_str("\r\n");
        // Head and body in one write: one segment, one syscall (TCP_NODELAY is on).
        let mut buf = req.into_bytes();
        buf.extend_from_slice(body);
        let w = self.stream.get_mut();
        w.write_all(&buf).await?;
        w.flush().await?;
        self.read_response().await
    }

    /// Logs in as `user` with a JSON `POST /api/login`; the session's cookie header value and
    /// its CSRF token. The error says which step failed and the response.
    pub async fn login(&mut self, user: &str, password: &str) -> Result<Session, String> {
        let body = serde_json::json!({"username": user, "password": password}).to_string();
        let r = self
            .request(
                "POST",
                "/api/login",
                &[("Content-Type", "application/json")],
                Some(body.as_bytes()),
            )
            .await
            .map_err(|e| format!("login: {e}"))?;
        if r.status != 200 {
            return Err(format!("login: status {}: {}", r.status, r.text()));
        }
        let cookie = r
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.split(';').next())
            .collect::<Vec<_>>()
            .join("; ");
        let csrf = r.json()["csrf_token"].as_str().unwrap_or("").to_string();
        Ok(Session { cookie, csrf })
    }

    async fn read_line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        if self.stream.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }

    async fn read_response(&mut self) -> std::io::Result<Resp> {
        let status_line = self.read_line().await?;
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(format!("bad status line '{status_line}'")))?;
        let mut headers = Vec::new();
        loop {
            let l = self.read_line().await?;
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let get = |n: &str| {
            headers
                .iter()
                .find(|(k, _): &&(String, String)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        };
        let mut body = Vec::new();
        if let Some(len) = get("content-length") {
            let n: usize = len.parse().map_err(|_| bad("bad content-length"))?;
            body.resize(n, 0);
            self.stream.read_exact(&mut body).await?;
        } else if get("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
            loop {
                let size_line = self.read_line().await?;
                let n = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                    .map_err(|_| bad("bad chunk size"))?;
                let mut chunk = vec![0; n];
                self.stream.read_exact(&mut chunk).await?;
                body.extend_from_slice(&chunk);
                self.read_line().await?;
                if n == 0 {
                    break;
                }
            }
        } else if status != 204 && status != 304 {
            self.stream.read_to_end(&mut body).await?;
        }
        Ok(Resp {
            status,
            headers,
            body,
        })
    }
}

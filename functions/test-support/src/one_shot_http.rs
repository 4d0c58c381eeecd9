//! A stand-in for an HTTP service (SES, in the mail tests) on loopback: it reads one whole
//! request (headers and a `Content-Length` body), answers it, and hands the raw request over.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

/// Listens on a free loopback port for one request and answers it with `status`, the extra
/// header lines `headers` (each ending `\r\n`, may be empty) and the JSON `body`. Returns the
/// endpoint (`http://127.0.0.1:port`) and where the raw request arrives once read.
pub fn serve(
    status: u16,
    headers: &'static str,
    body: &'static str,
) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let raw = read_request(&mut stream);
        let answer = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(answer.as_bytes());
        let _ = tx.send(raw);
    });
    (format!("http://{addr}"), rx)
}

/// Reads one request: up to the end of the headers, then as many bytes as `Content-Length` says.
pub fn read_request(stream: &mut impl Read) -> String {
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf).unwrap_or(0);
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw).to_string();
        if let Some((head, rest)) = text.split_once("\r\n\r\n") {
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .and_then(|v| v.trim().parse::<usize>().ok())
                })
                .unwrap_or(0);
            if rest.len() >= len {
                return text;
            }
        }
        if n == 0 {
            return text;
        }
    }
}

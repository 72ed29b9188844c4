//! A running `nsapi` binary and a raw HTTP/1.1 client for it.
//!
//! The client writes the request line exactly as given, so tests can send
//! paths that ordinary clients would normalise (`..`, `//`, `\`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Maximum time the server gets to print its listening address.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// Maximum time one request may take before the test fails.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// The `nsapi` binary serving on a free loopback port; killed on drop.
pub(crate) struct Server {
    child: Child,
    pub(crate) addr: SocketAddr,
    log: mpsc::Receiver<String>,
}

impl Server {
    /// Starts `nsapi serve` with extra arguments on 127.0.0.1, port 0.
    pub(crate) fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nsapi"))
            .args(["serve", "--bind", "127.0.0.1:0", "--workers", "1"])
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the nsapi binary");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (log, addr) = read_log_until_listening(stderr);
        match addr {
            Some(addr) => Self { child, addr, log },
            None => {
                let _ = child.kill();
                let lines: Vec<String> = log.try_iter().collect();
                panic!("server printed no listening address:\n{}", lines.join("\n"));
            }
        }
    }

    /// Sends a raw request and returns the parsed response.
    pub(crate) fn send(&self, raw_request: &str) -> Response {
        send_raw(self.addr, raw_request)
    }

    /// Sends `METHOD target` with the given extra header lines.
    pub(crate) fn request(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> Response {
        let mut raw = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        for (name, value) in headers {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        raw.push_str("Connection: close\r\n\r\n");
        self.send(&raw)
    }

    /// Sends `GET target`.
    pub(crate) fn get(&self, target: &str) -> Response {
        self.request("GET", target, &[])
    }

    /// Returns the process id of the server.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the server to exit and returns its status, or `None` on timeout.
    pub(crate) fn wait_for_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Returns the log lines printed so far.
    pub(crate) fn log_lines(&self) -> Vec<String> {
        self.log.try_iter().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Forwards stderr lines to a channel and returns the listening address
/// once the server has printed it.
fn read_log_until_listening(stderr: ChildStderr) -> (mpsc::Receiver<String>, Option<SocketAddr>) {
    let (line_tx, line_rx) = mpsc::channel();
    let (addr_tx, addr_rx) = mpsc::channel();
    thread::spawn(move || {
        let mut addr_tx = Some(addr_tx);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = parse_listening_addr(&line) {
                if let Some(tx) = addr_tx.take() {
                    let _ = tx.send(addr);
                }
            }
            if line_tx.send(line).is_err() {
                break;
            }
        }
    });
    (line_rx, addr_rx.recv_timeout(STARTUP_TIMEOUT).ok())
}

fn parse_listening_addr(line: &str) -> Option<SocketAddr> {
    let rest = line.split("listening on http://").nth(1)?;
    rest.split(|c: char| c == ',' || c.is_whitespace()).next()?.parse().ok()
}

/// A response read until the server closed the connection.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// Returns the first header with this name, compared case-insensitively.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Parses the body as JSON; panics with the body when it is not JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!("body is not JSON ({error}): {}", String::from_utf8_lossy(&self.body))
        })
    }

    /// Returns the body as text.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn send_raw(addr: SocketAddr, raw_request: &str) -> Response {
    let mut stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect to the server");
    stream.set_read_timeout(Some(IO_TIMEOUT)).expect("set read timeout");
    stream.write_all(raw_request.as_bytes()).expect("send the request");

    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).expect("read the response");
    parse_response(&bytes)
}

fn parse_response(bytes: &[u8]) -> Response {
    let split = bytes
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("invalid status line {status_line:?}"));
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    Response { status, headers, body: bytes[split + 4..].to_vec() }
}

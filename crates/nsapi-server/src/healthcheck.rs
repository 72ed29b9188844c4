//! `nsapi healthcheck`: requests `/healthz` from a running server, for container
//! health checks in images that have no shell and no HTTP client.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Sends `GET /healthz` to the server listening on `bind` and returns an
/// error unless it responds 200 within `timeout`.
pub(crate) fn check(bind: &str, timeout: Duration) -> io::Result<()> {
    let addr = probe_address(bind)?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n",
        nsapi::HEALTHZ_PATH
    );
    stream.write_all(request.as_bytes())?;

    let mut head = [0u8; 64];
    let read = stream.read(&mut head)?;
    let status_line = String::from_utf8_lossy(&head[..read]);
    let status = status_line.split(' ').nth(1).unwrap_or_default();
    if status == "200" {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{addr}{} responded with status {status:?}",
            nsapi::HEALTHZ_PATH
        )))
    }
}

/// Resolves the listening address and replaces an unspecified IP
/// (`0.0.0.0`, `::`) with loopback, which is where a local probe connects.
fn probe_address(bind: &str) -> io::Result<SocketAddr> {
    let mut addr = bind.to_socket_addrs()?.next().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("'{bind}' resolves to no address"))
    })?;
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => addr.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        IpAddr::V6(ip) if ip.is_unspecified() => addr.set_ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        _ => {}
    }
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_address_uses_loopback_for_unspecified() {
        let v4 = probe_address("0.0.0.0:5000").expect("valid address");
        assert_eq!(v4, "127.0.0.1:5000".parse().expect("valid address"));
        let v6 = probe_address("[::]:5000").expect("valid address");
        assert_eq!(v6, "[::1]:5000".parse().expect("valid address"));
        let kept = probe_address("127.0.0.2:80").expect("valid address");
        assert_eq!(kept, "127.0.0.2:80".parse().expect("valid address"));
    }
}

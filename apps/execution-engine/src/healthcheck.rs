//! `execution-engine healthcheck`: the container's HEALTHCHECK. The runtime image has no
//! shell or curl, so the binary probes its own `/healthz` over loopback.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Whether an HTTP response starts with a 2xx status line.
pub fn is_success(response: &[u8]) -> bool {
    let line = response.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut parts = line.split(|&b| b == b' ');
    let version = parts.next().unwrap_or_default();
    let status = parts.next().unwrap_or_default();
    version.starts_with(b"HTTP/1.") && status.len() == 3 && status[0] == b'2'
}

/// GET /healthz on `addr`; Ok when it answers 2xx within `timeout`.
pub fn probe(addr: SocketAddr, timeout: Duration) -> Result<(), String> {
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("send: {e}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| format!("read: {e}"))?;
    if is_success(&response) {
        Ok(())
    } else {
        Err(format!(
            "unhealthy: {}",
            String::from_utf8_lossy(response.split(|&b| b == b'\r').next().unwrap_or_default())
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    #[test]
    fn recognises_success_status_lines() {
        assert!(is_success(b"HTTP/1.1 200 OK\r\n\r\nok"));
        assert!(is_success(b"HTTP/1.0 204 No Content\r\n"));
        assert!(!is_success(b"HTTP/1.1 503 Service Unavailable\r\n"));
        assert!(!is_success(b"HTTP/1.1 2000 OK\r\n"));
        assert!(!is_success(b"SSH-2.0-OpenSSH\r\n"));
        assert!(!is_success(b""));
    }

    fn serve_once(reply: &'static [u8]) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let mut request = [0u8; 256];
            let _ = socket.read(&mut request);
            socket.write_all(reply).unwrap();
        });
        addr
    }

    #[test]
    fn probes_a_live_server() {
        let healthy = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assert_eq!(probe(healthy, Duration::from_secs(2)), Ok(()));
        let sick = serve_once(b"HTTP/1.1 503 Service Unavailable\r\n\r\n");
        assert_eq!(
            probe(sick, Duration::from_secs(2)),
            Err("unhealthy: HTTP/1.1 503 Service Unavailable".into())
        );
    }

    #[test]
    fn reports_a_refused_connection() {
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let error = probe(addr, Duration::from_millis(500)).unwrap_err();
        assert!(error.starts_with(&format!("connect {addr}")), "{error}");
    }
}

//! Helpers shared by the binary's integration tests (each test file uses some of them).

use std::process::Child;

use reqwest::{redirect, Client, StatusCode};
use tokio::io::AsyncReadExt;

/// A child process killed and reaped when the test ends, passed or not.
pub struct Kill(pub Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port free at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Signs in through the login form (an account without a second factor) and returns the
/// client holding its session cookie; redirects are not followed.
pub async fn sign_in(base: &str, email: &str, password: &str) -> Client {
    let c = Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let html = c
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let res = c
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "login {email}");
    assert_eq!(res.headers()["location"], "/", "{email}: no second factor");
    c
}

/// A page's status and body.
pub async fn page(c: &Client, url: &str) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// Reads one HTTP/1.1 request (headers up to the blank line, then `content-length` bytes of body)
/// from a webhook receiver's socket: its headers with lower-case names, and its body. `None` when
/// the peer closes before the headers end.
pub async fn read_http_request(
    sock: &mut tokio::net::TcpStream,
) -> Option<(Vec<(String, String)>, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let (head_end, len) = loop {
        let n = sock.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..p]).to_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (p + 4, len);
        }
    };
    while buf.len() < head_end + len {
        let n = sock.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
    Some((headers, body))
}

/// The demo accounts' credentials as `vigie demo` or `vigie up --demo` print them once, when the
/// demo is created: e-mail → (password, TOTP secret for the accounts with a second factor).
pub fn demo_credentials(out: &str) -> std::collections::HashMap<String, (String, Option<String>)> {
    let mut creds = std::collections::HashMap::new();
    for line in out.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() >= 4 && w[2] == "password" && w[0].ends_with("@vigie.example") {
            let totp = w
                .windows(3)
                .find(|x| x[0] == "TOTP" && x[1] == "secret")
                .map(|x| x[2].to_string());
            creds.insert(w[0].to_string(), (w[3].to_string(), totp));
        }
    }
    assert!(
        creds.len() >= 8,
        "the demo's credentials are not in its output:\n{out}"
    );
    creds
}

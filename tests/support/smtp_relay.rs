//! A real SMTP relay on loopback for tests (`scripts/smtp_server.py`), and a test CA.
//!
//! Include with `#[path = "support/smtp_relay.rs"] mod smtp_relay;`. Needs `/usr/bin/python3`
//! with aiosmtpd (`apt-get install -y python3-aiosmtpd`) and the `openssl` command.

// Each test crate that includes this file uses only part of it.
#![allow(dead_code)]

use std::{
    fs,
    io::{BufRead, BufReader, Read},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    thread,
    time::Duration,
};

use tempfile::TempDir;

/// The Python that has aiosmtpd; `SPR_TEST_PYTHON` overrides it (e.g. a virtualenv's).
fn python() -> String {
    std::env::var("SPR_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".to_owned())
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/smtp_server.py")
}

/// A test certificate authority and a server certificate it signed for 127.0.0.1/localhost.
pub struct TestCa {
    dir: TempDir,
    /// PEM text of the CA certificate, as `mail set smtp --ca-file` would store it.
    pub ca_pem: String,
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
}

impl TestCa {
    /// Makes a CA and a `CA:FALSE` server certificate (rustls refuses a CA certificate as a
    /// server's own) with subjectAltName `IP:127.0.0.1,DNS:localhost`.
    pub fn new() -> TestCa {
        TestCa::for_names("IP:127.0.0.1,DNS:localhost")
    }

    /// Like [`TestCa::new`], with the server certificate valid for `subject_alt_names` only.
    pub fn for_names(subject_alt_names: &str) -> TestCa {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        // A name of its own per CA: two CAs with one name would be told apart only by a
        // signature check, and a test of an unknown issuer would see a bad signature instead.
        let unique = dir
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let ca_subject = format!("/CN=spr-console test CA {unique}");
        openssl(
            dir.path(),
            "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
             -out ca.pem -days 2 -addext basicConstraints=critical,CA:TRUE \
             -addext keyUsage=critical,keyCertSign,cRLSign",
            &["-subj", &ca_subject],
        );
        openssl(
            dir.path(),
            "req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
             -out server.csr -subj /CN=localhost",
            &[],
        );
        fs::write(
            path("server.ext"),
            format!(
                "basicConstraints=critical,CA:FALSE\n\
                 keyUsage=critical,digitalSignature\n\
                 extendedKeyUsage=serverAuth\n\
                 subjectAltName={subject_alt_names}\n"
            ),
        )
        .unwrap();
        openssl(
            dir.path(),
            "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
             -out server.pem -days 2 -extfile server.ext",
            &[],
        );
        TestCa {
            ca_pem: fs::read_to_string(path("ca.pem")).unwrap(),
            cert_path: path("server.pem"),
            key_path: path("server.key"),
            dir,
        }
    }
}

/// Runs `openssl` with the words of `command` (none has a space) and then `extra`.
fn openssl(dir: &Path, command: &str, extra: &[&str]) {
    let args: Vec<&str> = command
        .split_whitespace()
        .chain(extra.iter().copied())
        .collect();
    let output = Command::new("openssl")
        .args(&args)
        .current_dir(dir)
        .output()
        .expect("the openssl command is needed to make test certificates");
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What the relay should be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Plain,
    Starttls,
    Tls,
    /// Accepts TCP connections and never answers.
    Silent,
}

/// Options for [`Relay::start`].
#[derive(Clone, Copy)]
pub struct RelayOptions<'a> {
    pub mode: Mode,
    /// Certificate for starttls/tls.
    pub ca: Option<&'a TestCa>,
    /// Required login as (user, password).
    pub auth: Option<(&'a str, &'a str)>,
    /// Mechanisms offered, e.g. "PLAIN" or "LOGIN".
    pub mechanisms: &'a str,
}

impl RelayOptions<'_> {
    pub fn new(mode: Mode) -> Self {
        RelayOptions {
            mode,
            ca: None,
            auth: None,
            mechanisms: "PLAIN,LOGIN",
        }
    }
}

/// One message as the relay received it.
#[derive(Debug)]
pub struct Received {
    pub raw: String,
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
}

impl Received {
    /// The value of the first header with this name (unfolded), if any.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or("");
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    /// The body after the header block.
    pub fn body(&self) -> &str {
        self.raw.split_once("\r\n\r\n").map_or("", |(_, body)| body)
    }
}

/// A running relay; killed when dropped.
pub struct Relay {
    child: Child,
    pub port: u16,
    dir: TempDir,
}

impl Relay {
    /// Starts the relay on a free loopback port and waits until it listens.
    pub fn start(options: RelayOptions<'_>) -> Relay {
        let dir = tempfile::tempdir().unwrap();
        let mut command = Command::new(python());
        command
            .arg(script())
            .args(["--port", "0", "--mode"])
            .arg(match options.mode {
                Mode::Plain => "plain",
                Mode::Starttls => "starttls",
                Mode::Tls => "tls",
                Mode::Silent => "silent",
            })
            .arg("--maildir")
            .arg(dir.path().join("mail"))
            .args(["--auth-mechanisms", options.mechanisms]);
        if let Some(ca) = options.ca {
            command
                .arg("--tls-cert")
                .arg(&ca.cert_path)
                .arg("--tls-key")
                .arg(&ca.key_path);
        }
        if let Some((user, password)) = options.auth {
            command.arg("--auth").arg(format!("{user}:{password}"));
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("could not start /usr/bin/python3 scripts/smtp_server.py");

        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        let port = line
            .strip_prefix("READY ")
            .and_then(|port| port.trim().parse::<u16>().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            let mut stderr = String::new();
            if let Some(mut err) = child.stderr.take() {
                let _ = err.read_to_string(&mut stderr);
            }
            panic!(
                "the test SMTP relay did not start (is python3-aiosmtpd installed?): {line:?} {stderr}"
            );
        };
        // Nothing reads the relay's stderr from here on; a full pipe must not block it.
        if let Some(mut err) = child.stderr.take() {
            thread::spawn(move || {
                let _ = std::io::copy(&mut err, &mut std::io::sink());
            });
        }
        Relay { child, port, dir }
    }

    /// The messages received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let maildir = self.dir.path().join("mail");
        let mut received = Vec::new();
        for n in 1.. {
            let base = maildir.join(n.to_string());
            let Ok(raw) = fs::read(base.with_extension("eml")) else {
                break;
            };
            received.push(Received {
                raw: String::from_utf8_lossy(&raw).into_owned(),
                envelope_from: fs::read_to_string(base.with_extension("from")).unwrap_or_default(),
                envelope_to: fs::read_to_string(base.with_extension("rcpt"))
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_owned)
                    .collect(),
            });
        }
        received
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port with nothing listening on it.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

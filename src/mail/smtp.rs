//! Delivery through an SMTP relay (SPEC §3.11), with lettre over rustls.
//!
//! The SMTP dialogue is driven step by step with lettre's `SmtpConnection` rather than its
//! `SmtpTransport`, so that every failure can be told apart by the step it happened in
//! ("refused the username or password" versus "rejected the recipient") and turned into one
//! plain sentence for the person at the console.

use std::{error::Error as StdError, fmt, io, str::FromStr, time::Duration};

use lettre::{
    Address, Message,
    message::{
        Mailbox,
        header::{self, ContentType},
    },
    transport::smtp::{
        Error as SmtpError,
        authentication::{Credentials, Mechanism},
        client::{Certificate, CertificateStore, SmtpConnection, TlsParameters},
        commands::{Data, Mail, Rcpt},
        extension::{ClientId, Extension, MailBodyParameter, MailParameter},
        response::Response,
    },
};
use serde::{Deserialize, Serialize};

use super::{MailError, OutgoingMessage};

/// The timeout used when none is given (SPEC §3.11).
pub const DEFAULT_TIMEOUT_SECS: u64 = 10;
/// The longest timeout accepted, in seconds.
pub const MAX_TIMEOUT_SECS: u64 = 300;

/// The sign-in mechanisms offered to the relay, in order of preference.
const MECHANISMS: &[Mechanism] = &[Mechanism::Plain, Mechanism::Login];

/// How the connection to the relay is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// No TLS at all (a relay on a trusted network or on this machine).
    None,
    /// Plain connection upgraded with STARTTLS before anything else is sent; TLS is required.
    #[default]
    Starttls,
    /// TLS from the first byte ("implicit TLS", SMTPS).
    Tls,
}

impl Security {
    /// Every value, in the order shown to people.
    pub const ALL: [Security; 3] = [Security::None, Security::Starttls, Security::Tls];

    /// The word used on the command line and in storage.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Security::None => "none",
            Security::Starttls => "starttls",
            Security::Tls => "tls",
        }
    }

    /// The port relays conventionally use for this security.
    #[must_use]
    pub fn default_port(self) -> u16 {
        match self {
            Security::None => 25,
            Security::Starttls => 587,
            Security::Tls => 465,
        }
    }
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Security {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Security::ALL
            .into_iter()
            .find(|security| security.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("The security must be none, starttls or tls, not \"{s}\"."))
    }
}

fn default_timeout_secs() -> u64 {
    DEFAULT_TIMEOUT_SECS
}

/// Settings of the SMTP relay, stored in the database as JSON.
///
/// `Debug` is written by hand so that the password never reaches a log or a panic message.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpSettings {
    /// Host name or IP address of the relay; also the name its certificate must carry.
    pub host: String,
    /// TCP port of the relay.
    pub port: u16,
    /// How the connection is protected.
    pub security: Security,
    /// Login for AUTH; no AUTH when `None`.
    #[serde(default)]
    pub username: Option<String>,
    /// Password for AUTH. Never shown back, logged or exported.
    #[serde(default)]
    pub password: Option<String>,
    /// The From address (`spr@example.org` or `Helpdesk <spr@example.org>`).
    pub from: String,
    /// Limit for connecting and for each wait for the relay's answer, in seconds.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// PEM text of an extra root certificate to trust, for relays signed by a private CA.
    #[serde(default)]
    pub ca_pem: Option<String>,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("timeout_secs", &self.timeout_secs)
            .field(
                "ca_pem",
                &self
                    .ca_pem
                    .as_ref()
                    .map(|pem| format!("<{} bytes of PEM>", pem.len())),
            )
            .finish()
    }
}

impl SmtpSettings {
    /// `host:port`, as named in messages.
    #[must_use]
    pub fn relay_name(&self) -> String {
        if self.host.contains(':') {
            // An IPv6 literal needs brackets to be read apart from the port.
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Checks settings before they are stored; contacts nothing.
///
/// # Errors
/// One sentence naming the bad value.
pub fn check_settings(settings: &SmtpSettings) -> Result<(), String> {
    let host = settings.host.trim();
    if host.is_empty() {
        return Err("The mail server's host name is empty.".to_owned());
    }
    if host.chars().any(char::is_whitespace) || host != settings.host {
        return Err(format!(
            "The mail server's host name \"{}\" contains spaces.",
            settings.host
        ));
    }
    if settings.username.is_some() && settings.security == Security::None {
        // The password would cross the network in the clear.
        return Err(
            "Signing in to the mail server needs encryption: choose --security starttls or tls, or leave out --username."
                .to_owned(),
        );
    }
    if settings.port == 0 {
        return Err("The mail server's port must be between 1 and 65535.".to_owned());
    }
    if !(1..=MAX_TIMEOUT_SECS).contains(&settings.timeout_secs) {
        return Err(format!(
            "The timeout must be between 1 and {MAX_TIMEOUT_SECS} seconds, not {}.",
            settings.timeout_secs
        ));
    }
    if settings
        .username
        .as_ref()
        .is_some_and(|username| username.trim().is_empty())
    {
        return Err("The username is empty; leave it out for a relay without sign-in.".to_owned());
    }
    parse_from(&settings.from).map_err(|MailError(sentence)| sentence)?;
    if let Some(pem) = &settings.ca_pem {
        root_certificate(pem).map_err(|MailError(sentence)| sentence)?;
    }
    Ok(())
}

/// The mailer that sends through an SMTP relay with these settings.
#[derive(Debug)]
pub struct Smtp<'a> {
    settings: &'a SmtpSettings,
}

impl<'a> Smtp<'a> {
    /// A mailer for the relay these settings name.
    pub fn new(settings: &'a SmtpSettings) -> Self {
        Self { settings }
    }
}

impl super::Mailer for Smtp<'_> {
    fn transport(&self) -> &'static str {
        "smtp"
    }

    fn send(&self, msg: &OutgoingMessage) -> Result<String, MailError> {
        send(self.settings, msg)
    }
}

/// Sends one message through the relay and returns the relay's answer (e.g. "250 OK ...").
///
/// Blocking: run it off the UI thread. The certificate of a TLS relay is always verified
/// against the system's roots plus `ca_pem`.
///
/// # Errors
/// One plain sentence naming the cause: an invalid address, a relay that cannot be reached or
/// does not answer in time, an untrusted certificate, a refused sign-in, sender or recipient.
pub fn send(settings: &SmtpSettings, msg: &OutgoingMessage) -> Result<String, MailError> {
    let email = build_message(settings, msg)?;
    let relay = Relay {
        name: settings.relay_name(),
        timeout_secs: settings.timeout_secs.clamp(1, MAX_TIMEOUT_SECS),
        password: settings.password.as_deref(),
    };
    let mut conn = open_session(settings, &relay)?;
    let answer = transfer(&mut conn, &relay, &settings.from, &email)?;
    // The message is accepted at this point; a relay that fumbles QUIT changes nothing.
    let _ = conn.quit();
    Ok(describe_response(&answer))
}

fn build_message(settings: &SmtpSettings, msg: &OutgoingMessage) -> Result<Message, MailError> {
    let from = parse_from(&settings.from)?;
    let to: Mailbox = msg.to.trim().parse().map_err(|_| {
        MailError(format!(
            "The recipient address \"{}\" is not a valid email address.",
            msg.to
        ))
    })?;
    // lettre adds Date itself but not these two, which spam filters look for.
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .message_id(None)
        .header(header::MIME_VERSION_1_0)
        .header(ContentType::TEXT_PLAIN);
    if let Some(subject) = &msg.subject {
        builder = builder.subject(subject.as_str());
    }
    builder
        .body(msg.body.clone())
        .map_err(|err| MailError(format!("The message could not be built: {err}.")))
}

/// Connects, reads the greeting, says EHLO, starts TLS and signs in, as the settings ask.
fn open_session(settings: &SmtpSettings, relay: &Relay<'_>) -> Result<SmtpConnection, MailError> {
    let tls = match settings.security {
        Security::None => None,
        Security::Starttls | Security::Tls => Some(tls_parameters(settings)?),
    };
    let wrapper = match settings.security {
        Security::Tls => tls.as_ref(),
        Security::None | Security::Starttls => None,
    };
    let hello = ClientId::default();

    let mut conn = SmtpConnection::connect(
        (settings.host.as_str(), settings.port),
        Some(Duration::from_secs(relay.timeout_secs)),
        &hello,
        wrapper,
        None,
    )
    .map_err(|err| relay.explain(Step::Greeting, &err))?;

    if let (Security::Starttls, Some(tls)) = (settings.security, &tls) {
        if !conn.can_starttls() {
            conn.abort();
            return Err(MailError(format!(
                "The mail server at {} does not offer STARTTLS, so nothing was sent over the unencrypted connection.",
                relay.name
            )));
        }
        conn.starttls(tls, &hello)
            .map_err(|err| relay.fail(&mut conn, Step::Starttls, &err))?;
    }

    if let Some(username) = &settings.username {
        if conn.server_info().get_auth_mechanism(MECHANISMS).is_none() {
            conn.abort();
            return Err(MailError(format!(
                "The mail server at {} does not offer a sign-in this console supports (PLAIN or LOGIN){}.",
                relay.name,
                if conn.is_encrypted() {
                    ""
                } else {
                    "; it may offer one only over TLS"
                }
            )));
        }
        let credentials = Credentials::new(
            username.clone(),
            settings.password.clone().unwrap_or_default(),
        );
        conn.auth(MECHANISMS, &credentials)
            .map_err(|err| relay.fail(&mut conn, Step::Auth, &err))?;
    }
    Ok(conn)
}

/// MAIL FROM, RCPT TO, DATA: done one by one (not with `SmtpConnection::send`) so that a
/// refusal can name the step it came from.
fn transfer(
    conn: &mut SmtpConnection,
    relay: &Relay<'_>,
    from: &str,
    email: &Message,
) -> Result<Response, MailError> {
    let envelope = email.envelope();
    let raw = email.formatted();
    let mut mail_parameters = Vec::new();
    let non_ascii = envelope
        .from()
        .into_iter()
        .chain(envelope.to())
        .any(|address: &Address| !AsRef::<str>::as_ref(address).is_ascii());
    if non_ascii {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            conn.abort();
            return Err(MailError(format!(
                "The mail server at {} does not accept addresses with non-ASCII characters (no SMTPUTF8).",
                relay.name
            )));
        }
        mail_parameters.push(MailParameter::SmtpUtfEight);
    }
    if !raw.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
        mail_parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }

    conn.command(Mail::new(envelope.from().cloned(), mail_parameters))
        .map_err(|err| relay.fail(conn, Step::Sender(from), &err))?;
    for recipient in envelope.to() {
        conn.command(Rcpt::new(recipient.clone(), Vec::new()))
            .map_err(|err| relay.fail(conn, Step::Recipient(recipient.as_ref()), &err))?;
    }
    conn.command(Data)
        .map_err(|err| relay.fail(conn, Step::Data, &err))?;
    conn.message(&raw)
        .map_err(|err| relay.fail(conn, Step::Data, &err))
}

fn parse_from(from: &str) -> Result<Mailbox, MailError> {
    from.trim().parse::<Mailbox>().map_err(|_| {
        MailError(format!(
            "The From address \"{from}\" is not a valid email address."
        ))
    })
}

/// Parses the extra root certificate and checks that rustls accepts it as a trust anchor.
fn root_certificate(pem: &str) -> Result<Certificate, MailError> {
    let invalid =
        || MailError("The extra root certificate is not a valid PEM certificate.".to_owned());
    // lettre's PEM reader accepts text with no certificate in it; that would trust nothing.
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(invalid());
    }
    let certificate = Certificate::from_pem(pem.as_bytes()).map_err(|_| invalid())?;
    // Building a throwaway rustls configuration parses the DER, which from_pem does not.
    TlsParameters::builder("localhost".to_owned())
        .certificate_store(CertificateStore::None)
        .add_root_certificate(certificate.clone())
        .build_rustls()
        .map_err(|_| invalid())?;
    Ok(certificate)
}

fn tls_parameters(settings: &SmtpSettings) -> Result<TlsParameters, MailError> {
    // CertificateStore::Default is the system's store here (lettre's rustls-native-certs
    // feature). There is deliberately no way to turn verification off.
    let mut builder =
        TlsParameters::builder(settings.host.clone()).certificate_store(CertificateStore::Default);
    if let Some(pem) = &settings.ca_pem {
        builder = builder.add_root_certificate(root_certificate(pem)?);
    }
    builder.build_rustls().map_err(|err| {
        MailError(format!(
            "The secure connection could not be prepared: {}.",
            trim_sentence(&err.to_string())
        ))
    })
}

/// "250 OK message accepted" from a relay's reply.
fn describe_response(response: &Response) -> String {
    let text = response.message().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        response.code().to_string()
    } else {
        format!("{} {}", response.code(), text)
    }
}

/// The step of the dialogue in which a failure happened.
#[derive(Clone, Copy)]
enum Step<'a> {
    /// TCP connect, TLS handshake (implicit TLS), greeting and EHLO.
    Greeting,
    Starttls,
    Auth,
    Sender(&'a str),
    Recipient(&'a str),
    Data,
}

struct Relay<'a> {
    name: String,
    timeout_secs: u64,
    password: Option<&'a str>,
}

impl Relay<'_> {
    /// Text that came from outside (the relay's reply, an OS or TLS error) made fit for a
    /// sentence: one line, and never the password, whatever a relay might echo.
    fn outside_text(&self, text: &str) -> String {
        redact(trim_sentence(text), self.password)
    }

    /// Explains `err` and closes the connection politely when the relay is still talking.
    fn fail(&self, conn: &mut SmtpConnection, step: Step<'_>, err: &SmtpError) -> MailError {
        // QUIT after a negative reply is polite; after a network failure it would only wait
        // for a second timeout, so the socket is just dropped.
        if err.status().is_some() {
            conn.abort();
        }
        self.explain(step, err)
    }

    fn explain(&self, step: Step<'_>, err: &SmtpError) -> MailError {
        let relay = &self.name;
        if let Some(code) = err.status() {
            let reply = self.outside_text(&format!("{code} {}", server_text(err)));
            let code = code.to_string();
            return MailError(match step {
                Step::Greeting => {
                    format!("The mail server at {relay} refused the connection: {reply}.")
                }
                Step::Starttls => format!("The mail server refused to start TLS: {reply}."),
                Step::Auth if code == "535" => {
                    "The mail server refused the username or password.".to_owned()
                }
                Step::Auth => format!("The mail server refused the sign-in: {reply}."),
                Step::Sender(_) if code == "530" => {
                    format!("The mail server requires a username and password: {reply}.")
                }
                Step::Sender(from) => {
                    format!("The mail server rejected the sender {from}: {reply}.")
                }
                Step::Recipient(to) => {
                    format!("The mail server rejected the recipient {to}: {reply}.")
                }
                Step::Data => format!("The mail server refused the message: {reply}."),
            });
        }

        if let Some(io_err) = find_io_error(err) {
            return MailError(self.explain_io(io_err));
        }

        let detail = self.outside_text(&err.to_string());
        MailError(if detail.contains("incomplete response") {
            format!("The mail server at {relay} closed the connection without answering.")
        } else if err.is_response() {
            format!(
                "The mail server at {relay} answered with something that is not SMTP; check the port and the security setting."
            )
        } else if matches!(step, Step::Greeting) {
            format!(
                "Could not connect to the mail server at {relay}: {}.",
                strip_lettre_prefix(&detail)
            )
        } else {
            format!(
                "Sending through the mail server at {relay} failed: {}.",
                strip_lettre_prefix(&detail)
            )
        })
    }

    fn explain_io(&self, io_err: &io::Error) -> String {
        let relay = &self.name;
        match io_err.kind() {
            // Unix reports an expired read timeout as WouldBlock, Windows as TimedOut.
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => format!(
                "The mail server at {relay} did not answer within {} second{}.",
                self.timeout_secs,
                if self.timeout_secs == 1 { "" } else { "s" }
            ),
            io::ErrorKind::ConnectionRefused => {
                format!("Could not connect to the mail server at {relay}: connection refused.")
            }
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof => format!(
                "The mail server at {relay} closed the connection; check the port and the security setting."
            ),
            // std gives name-resolution failures no ErrorKind of their own, only this text.
            _ if io_err.to_string().contains("failed to lookup address") => format!(
                "Could not find the mail server {}: no such host name is known.",
                relay_host(relay)
            ),
            io::ErrorKind::InvalidData => {
                explain_tls(relay, &self.outside_text(&io_err.to_string()))
            }
            _ => format!(
                "Could not connect to the mail server at {relay}: {}.",
                self.outside_text(&io_err.to_string())
            ),
        }
    }
}

/// rustls reports through an `io::Error` of kind `InvalidData`; its text is all there is to go
/// on, since rustls is not a direct dependency whose types could be matched.
fn explain_tls(relay: &str, detail: &str) -> String {
    let lower = detail.to_ascii_lowercase();
    if lower.contains("unknownissuer") {
        "The mail server's certificate is not trusted (unknown issuer); add the root certificate of its CA with --ca-file.".to_owned()
    } else if lower.contains("not valid for name") || lower.contains("notvalidforname") {
        format!(
            "The mail server's certificate is not valid for the name {}: {}.",
            relay_host(relay),
            trim_sentence(detail.trim_start_matches("invalid peer certificate: "))
        )
    } else if lower.contains("expired") {
        "The mail server's certificate has expired.".to_owned()
    } else if lower.contains("not valid yet") || lower.contains("notvalidyet") {
        "The mail server's certificate is not valid yet (check this computer's clock).".to_owned()
    } else if lower.contains("badsignature") {
        "The mail server's certificate is not trusted (its signature does not match the CA it names).".to_owned()
    } else if lower.contains("causedasendentity") {
        "The mail server's certificate is a CA certificate, which cannot identify a server."
            .to_owned()
    } else if lower.contains("invalid peer certificate") {
        format!(
            "The mail server's certificate is not trusted ({}).",
            trim_sentence(detail.trim_start_matches("invalid peer certificate: "))
        )
    } else {
        format!(
            "Could not set up a secure connection to the mail server at {relay} ({}); check that the security setting matches the port.",
            trim_sentence(detail)
        )
    }
}

fn relay_host(relay: &str) -> &str {
    relay
        .rsplit_once(':')
        .map_or(relay, |(host, _)| host)
        .trim_start_matches('[')
        .trim_end_matches(']')
}

/// The text of the relay's negative reply, which lettre keeps as the error's source.
fn server_text(err: &SmtpError) -> String {
    err.source().map(ToString::to_string).unwrap_or_default()
}

fn find_io_error(err: &SmtpError) -> Option<&io::Error> {
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(io_err) = cause.downcast_ref::<io::Error>() {
            return Some(io_err);
        }
        source = cause.source();
    }
    None
}

/// lettre's own words ("Connection error: ") add nothing for the person reading.
fn strip_lettre_prefix(detail: &str) -> &str {
    for prefix in [
        "Connection error: ",
        "network error: ",
        "internal client error: ",
        "response error: ",
        "tls error: ",
    ] {
        if let Some(rest) = detail.strip_prefix(prefix) {
            return rest;
        }
    }
    detail
}

/// One line, no trailing full stop (the sentence adds its own), and not endless.
fn trim_sentence(text: &str) -> String {
    const MAX_CHARS: usize = 300;
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let trimmed = one_line.trim_end_matches(['.', ' ']);
    if trimmed.chars().count() > MAX_CHARS {
        let mut cut: String = trimmed.chars().take(MAX_CHARS).collect();
        cut.push('…');
        cut
    } else {
        trimmed.to_owned()
    }
}

fn redact(sentence: String, password: Option<&str>) -> String {
    match password {
        Some(password) if !password.is_empty() && sentence.contains(password) => {
            sentence.replace(password, "<redacted>")
        }
        _ => sentence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SmtpSettings {
        SmtpSettings {
            host: "smtp.example.org".to_owned(),
            port: 587,
            security: Security::Starttls,
            username: Some("relay-user".to_owned()),
            password: Some("hunter2-secret".to_owned()),
            from: "spr@example.org".to_owned(),
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            ca_pem: None,
        }
    }

    #[test]
    fn security_reads_and_writes_its_three_words() {
        for security in Security::ALL {
            assert_eq!(security.to_string().parse::<Security>(), Ok(security));
        }
        assert_eq!("STARTTLS".parse::<Security>(), Ok(Security::Starttls));
        assert!("ssl".parse::<Security>().is_err());
        assert_eq!(
            serde_json::to_string(&Security::Starttls).unwrap(),
            "\"starttls\""
        );
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let shown = format!("{:?}", settings());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(shown.contains("relay-user"), "{shown}");
    }

    #[test]
    fn settings_round_trip_through_json_and_old_json_gets_defaults() {
        let json = serde_json::to_string(&settings()).unwrap();
        assert_eq!(
            serde_json::from_str::<SmtpSettings>(&json).unwrap(),
            settings()
        );
        let minimal: SmtpSettings =
            serde_json::from_str(r#"{"host":"h","port":25,"security":"none","from":"a@b.org"}"#)
                .unwrap();
        assert_eq!(minimal.timeout_secs, DEFAULT_TIMEOUT_SECS);
        assert_eq!(minimal.username, None);
    }

    #[test]
    fn check_settings_accepts_good_settings() {
        assert_eq!(check_settings(&settings()), Ok(()));
        let named_from = SmtpSettings {
            from: "Helpdesk <spr@example.org>".to_owned(),
            ..settings()
        };
        assert_eq!(check_settings(&named_from), Ok(()));
    }

    #[test]
    fn check_settings_names_each_bad_value() {
        let cases = [
            (
                SmtpSettings {
                    host: " ".to_owned(),
                    ..settings()
                },
                "host name is empty",
            ),
            (
                SmtpSettings {
                    host: "a b".to_owned(),
                    ..settings()
                },
                "contains spaces",
            ),
            (
                SmtpSettings {
                    port: 0,
                    ..settings()
                },
                "port",
            ),
            (
                SmtpSettings {
                    timeout_secs: 0,
                    ..settings()
                },
                "between 1 and 300 seconds",
            ),
            (
                SmtpSettings {
                    timeout_secs: 301,
                    ..settings()
                },
                "between 1 and 300 seconds",
            ),
            (
                SmtpSettings {
                    from: "not an address".to_owned(),
                    ..settings()
                },
                "From address",
            ),
            (
                SmtpSettings {
                    username: Some(String::new()),
                    ..settings()
                },
                "username is empty",
            ),
            (
                SmtpSettings {
                    ca_pem: Some("hello".to_owned()),
                    ..settings()
                },
                "not a valid PEM certificate",
            ),
            (
                SmtpSettings {
                    ca_pem: Some(
                        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_owned(),
                    ),
                    ..settings()
                },
                "not a valid PEM certificate",
            ),
        ];
        for (bad, expected) in cases {
            let err = check_settings(&bad).unwrap_err();
            assert!(err.contains(expected), "{bad:?}: {err}");
            assert!(err.ends_with('.'), "{err}");
        }
    }

    #[test]
    fn a_bad_recipient_is_refused_before_any_connection() {
        let msg = OutgoingMessage {
            to: "nobody".to_owned(),
            subject: None,
            body: "x".to_owned(),
        };
        // Port 9 on a name that cannot resolve: reaching the network would give another error.
        let settings = SmtpSettings {
            host: "relay.invalid".to_owned(),
            port: 9,
            ..settings()
        };
        let MailError(sentence) = send(&settings, &msg).unwrap_err();
        assert!(
            sentence.contains("recipient address \"nobody\""),
            "{sentence}"
        );
    }

    #[test]
    fn sentences_never_carry_the_password() {
        assert_eq!(
            redact("echo hunter2-secret".to_owned(), Some("hunter2-secret")),
            "echo <redacted>"
        );
        assert_eq!(redact("fine".to_owned(), Some("")), "fine");
    }

    #[test]
    fn tls_failures_become_plain_sentences() {
        let unknown = explain_tls("127.0.0.1:465", "invalid peer certificate: UnknownIssuer");
        assert!(
            unknown.contains("not trusted (unknown issuer)"),
            "{unknown}"
        );
        let wrong_name = explain_tls(
            "mail.example.org:465",
            "invalid peer certificate: certificate not valid for name \"mail.example.org\"; certificate is only valid for localhost",
        );
        assert!(
            wrong_name.contains("not valid for the name mail.example.org"),
            "{wrong_name}"
        );
        let mismatch = explain_tls(
            "127.0.0.1:25",
            "received corrupt message of type InvalidContentType",
        );
        assert!(mismatch.contains("security setting"), "{mismatch}");
    }
}

//! SMTP delivery against a real relay on loopback (`scripts/smtp_server.py`, aiosmtpd).
//!
//! Needs `/usr/bin/python3` with `python3-aiosmtpd` and the `openssl` command.

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

#[path = "support/smtp_relay.rs"]
mod smtp_relay;

use std::time::{Duration, Instant};

use smtp_relay::{Mode, Relay, RelayOptions, TestCa, closed_port};
use spr_console::mail::{
    MailError, OutgoingMessage,
    smtp::{Security, SmtpSettings, send},
};

const USER: &str = "relay-user";
const PASSWORD: &str = "correct horse battery staple";

fn settings(port: u16, security: Security) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".to_owned(),
        port,
        security,
        username: None,
        password: None,
        from: "spr@example.org".to_owned(),
        timeout_secs: 10,
        ca_pem: None,
    }
}

fn signed_in(port: u16, security: Security, ca: &TestCa) -> SmtpSettings {
    SmtpSettings {
        username: Some(USER.to_owned()),
        password: Some(PASSWORD.to_owned()),
        ca_pem: Some(ca.ca_pem.clone()),
        ..settings(port, security)
    }
}

fn token_email() -> OutgoingMessage {
    OutgoingMessage {
        to: "pat.doe@example.org".to_owned(),
        subject: Some("Password Reset Token".to_owned()),
        body: "Your password token is K7QX-4M2P. It is valid for 15 minutes.\n\
               If you did not ask for this, contact your administrator."
            .to_owned(),
    }
}

fn sentence(result: Result<String, MailError>) -> String {
    match result {
        Ok(answer) => panic!("expected a failure, the relay answered {answer:?}"),
        Err(MailError(sentence)) => {
            assert!(sentence.ends_with('.'), "not a sentence: {sentence}");
            assert!(!sentence.contains('\n'), "more than one line: {sentence}");
            assert!(!sentence.contains("Error {"), "a Debug dump: {sentence}");
            sentence
        }
    }
}

#[test]
fn plain_delivery_arrives_with_from_to_subject_and_body() {
    let relay = Relay::start(RelayOptions::new(Mode::Plain));

    let answer = send(&settings(relay.port, Security::None), &token_email()).unwrap();

    assert!(answer.starts_with("250 "), "{answer}");
    let received = relay.received();
    assert_eq!(received.len(), 1);
    let mail = &received[0];
    assert_eq!(mail.envelope_from, "spr@example.org");
    assert_eq!(mail.envelope_to, ["pat.doe@example.org"]);
    assert_eq!(mail.header("From").as_deref(), Some("spr@example.org"));
    assert_eq!(mail.header("To").as_deref(), Some("pat.doe@example.org"));
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Password Reset Token")
    );
    assert!(mail.body().contains("K7QX-4M2P"), "{}", mail.raw);
    assert!(
        mail.body().contains("contact your administrator"),
        "{}",
        mail.raw
    );
}

#[test]
fn text_message_without_subject_has_no_subject_header() {
    let relay = Relay::start(RelayOptions::new(Mode::Plain));
    let text = OutgoingMessage {
        to: "5551234567@msg.fi.google.com".to_owned(),
        subject: None,
        body: "SPR token K7QX-4M2P, valid 15 min.".to_owned(),
    };

    send(&settings(relay.port, Security::None), &text).unwrap();

    let received = relay.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].header("Subject"), None, "{}", received[0].raw);
    assert_eq!(received[0].envelope_to, ["5551234567@msg.fi.google.com"]);
    assert!(received[0].body().contains("K7QX-4M2P"));
}

#[test]
fn starttls_with_auth_plain_delivers_when_the_private_ca_is_given() {
    let ca = TestCa::new();
    let relay = Relay::start(RelayOptions {
        ca: Some(&ca),
        auth: Some((USER, PASSWORD)),
        mechanisms: "PLAIN",
        ..RelayOptions::new(Mode::Starttls)
    });

    let answer = send(
        &signed_in(relay.port, Security::Starttls, &ca),
        &token_email(),
    )
    .unwrap();

    assert!(answer.starts_with("250 "), "{answer}");
    assert_eq!(relay.received().len(), 1);
}

#[test]
fn starttls_with_auth_login_delivers_when_the_private_ca_is_given() {
    let ca = TestCa::new();
    let relay = Relay::start(RelayOptions {
        ca: Some(&ca),
        auth: Some((USER, PASSWORD)),
        mechanisms: "LOGIN",
        ..RelayOptions::new(Mode::Starttls)
    });

    let answer = send(
        &signed_in(relay.port, Security::Starttls, &ca),
        &token_email(),
    )
    .unwrap();

    assert!(answer.starts_with("250 "), "{answer}");
    assert_eq!(relay.received().len(), 1);
}

#[test]
fn implicit_tls_with_auth_delivers_when_the_private_ca_is_given() {
    let ca = TestCa::new();
    let relay = Relay::start(RelayOptions {
        ca: Some(&ca),
        auth: Some((USER, PASSWORD)),
        ..RelayOptions::new(Mode::Tls)
    });

    let answer = send(&signed_in(relay.port, Security::Tls, &ca), &token_email()).unwrap();

    assert!(answer.starts_with("250 "), "{answer}");
    let received = relay.received();
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].header("Subject").as_deref(),
        Some("Password Reset Token")
    );
}

#[test]
fn tls_host_name_localhost_matches_the_certificate_too() {
    let ca = TestCa::new();
    let relay = Relay::start(RelayOptions {
        ca: Some(&ca),
        ..RelayOptions::new(Mode::Tls)
    });
    let by_name = SmtpSettings {
        host: "localhost".to_owned(),
        ca_pem: Some(ca.ca_pem.clone()),
        ..settings(relay.port, Security::Tls)
    };

    // localhost may resolve to ::1 first; the relay listens on 127.0.0.1 only, and the
    // client must fall through to it.
    send(&by_name, &token_email()).unwrap();

    assert_eq!(relay.received().len(), 1);
}

#[test]
fn wrong_relay_password_is_refused_in_a_sentence_that_does_not_repeat_it() {
    let ca = TestCa::new();
    let relay = Relay::start(RelayOptions {
        ca: Some(&ca),
        auth: Some((USER, PASSWORD)),
        ..RelayOptions::new(Mode::Starttls)
    });
    let wrong = SmtpSettings {
        password: Some("wrong-password-1234".to_owned()),
        ..signed_in(relay.port, Security::Starttls, &ca)
    };

    let sentence = sentence(send(&wrong, &token_email()));

    assert_eq!(
        sentence,
        "The mail server refused the username or password."
    );
    assert!(relay.received().is_empty());
}

#[test]
fn relay_that_requires_sign_in_says_so_when_no_username_is_set() {
    let ca = TestCa::new();
    let relay = Relay::start(RelayOptions {
        ca: Some(&ca),
        auth: Some((USER, PASSWORD)),
        ..RelayOptions::new(Mode::Starttls)
    });
    let anonymous = SmtpSettings {
        ca_pem: Some(ca.ca_pem.clone()),
        ..settings(relay.port, Security::Starttls)
    };

    let sentence = sentence(send(&anonymous, &token_email()));

    assert!(
        sentence.contains("requires a username and password"),
        "{sentence}"
    );
    assert!(relay.received().is_empty());
}

#[test]
fn certificate_from_an_untrusted_issuer_is_refused_with_starttls() {
    let ca = TestCa::new();
    let relay = Relay::start(RelayOptions {
        ca: Some(&ca),
        ..RelayOptions::new(Mode::Starttls)
    });

    let sentence = sentence(send(
        &settings(relay.port, Security::Starttls),
        &token_email(),
    ));

    assert!(
        sentence.starts_with("The mail server's certificate is not trusted (unknown issuer)"),
        "{sentence}"
    );
    assert!(relay.received().is_empty());
}

#[test]
fn certificate_from_an_untrusted_issuer_is_refused_with_implicit_tls() {
    let ca = TestCa::new();
    let other_ca = TestCa::new();
    let relay = Relay::start(RelayOptions {
        ca: Some(&ca),
        ..RelayOptions::new(Mode::Tls)
    });
    // Trusting some other private CA does not make this relay's certificate trusted.
    let wrong_root = SmtpSettings {
        ca_pem: Some(other_ca.ca_pem.clone()),
        ..settings(relay.port, Security::Tls)
    };

    let sentence = sentence(send(&wrong_root, &token_email()));

    assert!(
        sentence.contains("not trusted (unknown issuer)"),
        "{sentence}"
    );
    assert!(relay.received().is_empty());
}

#[test]
fn certificate_for_another_name_is_refused() {
    let ca = TestCa::for_names("DNS:mail.example.test");
    let relay = Relay::start(RelayOptions {
        ca: Some(&ca),
        ..RelayOptions::new(Mode::Tls)
    });
    let trusting = SmtpSettings {
        ca_pem: Some(ca.ca_pem.clone()),
        ..settings(relay.port, Security::Tls)
    };

    let sentence = sentence(send(&trusting, &token_email()));

    assert!(
        sentence.contains("certificate is not valid for the name 127.0.0.1"),
        "{sentence}"
    );
    assert!(relay.received().is_empty());
}

#[test]
fn starttls_is_required_when_chosen_so_a_relay_without_it_is_refused() {
    let relay = Relay::start(RelayOptions::new(Mode::Plain));

    let sentence = sentence(send(
        &settings(relay.port, Security::Starttls),
        &token_email(),
    ));

    assert!(sentence.contains("does not offer STARTTLS"), "{sentence}");
    assert!(relay.received().is_empty());
}

#[test]
fn implicit_tls_against_a_plain_relay_points_at_the_security_setting() {
    let relay = Relay::start(RelayOptions::new(Mode::Plain));

    let sentence = sentence(send(&settings(relay.port, Security::Tls), &token_email()));

    assert!(sentence.contains("security setting"), "{sentence}");
    assert!(relay.received().is_empty());
}

#[test]
fn recipient_refused_by_the_relay_is_named_in_the_sentence() {
    let relay = Relay::start(RelayOptions::new(Mode::Plain));
    let msg = OutgoingMessage {
        to: "ghost@rejected.test".to_owned(),
        ..token_email()
    };

    let sentence = sentence(send(&settings(relay.port, Security::None), &msg));

    assert!(
        sentence.starts_with("The mail server rejected the recipient ghost@rejected.test: 550"),
        "{sentence}"
    );
    assert!(relay.received().is_empty());
}

#[test]
fn relay_that_is_down_fails_at_once_with_connection_refused() {
    let port = closed_port();
    let started = Instant::now();

    let sentence = sentence(send(&settings(port, Security::None), &token_email()));

    assert_eq!(
        sentence,
        format!("Could not connect to the mail server at 127.0.0.1:{port}: connection refused.")
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn silent_relay_fails_after_the_timeout_instead_of_hanging() {
    let relay = Relay::start(RelayOptions::new(Mode::Silent));
    let quick = SmtpSettings {
        timeout_secs: 2,
        ..settings(relay.port, Security::None)
    };
    let started = Instant::now();

    let sentence = sentence(send(&quick, &token_email()));

    let elapsed = started.elapsed();
    assert_eq!(
        sentence,
        format!(
            "The mail server at 127.0.0.1:{} did not answer within 2 seconds.",
            relay.port
        )
    );
    assert!(elapsed >= Duration::from_millis(1900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn silent_relay_with_implicit_tls_fails_after_the_timeout_instead_of_hanging() {
    let relay = Relay::start(RelayOptions::new(Mode::Silent));
    let quick = SmtpSettings {
        timeout_secs: 2,
        ..settings(relay.port, Security::Tls)
    };
    let started = Instant::now();

    let sentence = sentence(send(&quick, &token_email()));

    assert!(
        sentence.contains("did not answer within 2 seconds"),
        "{sentence}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

//! Carriers' email-to-SMS gateways and their status (SPEC §3.12).
//!
//! The list is data, shipped in `assets/carriers.json` and compiled in, so that it can be
//! corrected without touching code. Several US carriers have shut their gateways down; a
//! gateway with an announced end date counts as retired from that date on, so the console's
//! warnings stay right after the date passes without a new release.

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

const CARRIERS_JSON: &str = include_str!("../../assets/carriers.json");

/// Whether a carrier's gateway still delivers, as last known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GatewayStatus {
    /// Delivers (possibly with an announced end date, see [`Carrier::ends_on`]).
    Active,
    /// Shut down: messages sent to it do not arrive.
    Retired,
}

impl GatewayStatus {
    /// The word used in the data file and on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            GatewayStatus::Active => "active",
            GatewayStatus::Retired => "retired",
        }
    }
}

/// One carrier and its email-to-SMS gateway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carrier {
    /// The carrier's name as people know it ("AT&T").
    pub name: String,
    /// The gateway's domain: a text address is `<10 digits>@<domain>`.
    pub domain: String,
    /// Status as recorded in the data file.
    pub status: GatewayStatus,
    /// When a retired gateway stopped (`YYYY-MM-DD`, or `YYYY-MM` when only the month is known).
    pub retired_on: Option<String>,
    /// The announced last day of a gateway that still delivers (`YYYY-MM-DD`).
    pub ends_on: Option<String>,
    /// Where the facts come from.
    pub source: String,
}

impl Carrier {
    /// True when messages to this gateway no longer arrive on `today`.
    #[must_use]
    pub fn is_retired_on(&self, today: NaiveDate) -> bool {
        match self.status {
            GatewayStatus::Retired => true,
            GatewayStatus::Active => self
                .ends_on
                .as_deref()
                .and_then(parse_date)
                .is_some_and(|end| today > end),
        }
    }

    /// The warning to show next to an address on this gateway on `today`, if any.
    #[must_use]
    pub fn warning_on(&self, today: NaiveDate) -> Option<String> {
        let (name, domain) = (&self.name, &self.domain);
        if self.status == GatewayStatus::Retired {
            let when = self
                .retired_on
                .as_deref()
                .map(|date| format!(" {}", when_words(date)))
                .unwrap_or_default();
            return Some(format!(
                "{name} retired its text gateway {domain}{when}: messages to this address will not arrive."
            ));
        }
        let end = self.ends_on.as_deref()?;
        Some(if self.is_retired_on(today) {
            format!(
                "{name} ended its text gateway {domain} {}: messages to this address will not arrive.",
                when_words(end)
            )
        } else {
            format!(
                "{name}'s text gateway {domain} is scheduled to end {}: messages to this address will stop arriving then, so add an email address too.",
                when_words(end)
            )
        })
    }
}

/// An address built by the helper, with the warning to show beside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GatewayAddress {
    /// `5551234567@vtext.com`.
    pub address: String,
    /// Why messages to it may not arrive, when that is known.
    pub warning: Option<String>,
}

/// All known carriers, in the order of the data file.
#[must_use]
pub fn carriers() -> &'static [Carrier] {
    static CARRIERS: OnceLock<Vec<Carrier>> = OnceLock::new();
    // The file is compiled in and a unit test parses it, so the empty fallback is never
    // taken by a released build; it keeps a broken edit from crashing the console.
    CARRIERS.get_or_init(|| serde_json::from_str(CARRIERS_JSON).unwrap_or_default())
}

/// The carrier with this name, ignoring case, spaces and punctuation ("at&t", "T Mobile").
#[must_use]
pub fn find_carrier(name: &str) -> Option<&'static Carrier> {
    let wanted = name_key(name);
    if wanted.is_empty() {
        return None;
    }
    carriers()
        .iter()
        .find(|carrier| name_key(&carrier.name) == wanted)
}

/// The carrier whose gateway serves this address's domain, if any.
#[must_use]
pub fn carrier_for_address(address: &str) -> Option<&'static Carrier> {
    let (_, domain) = address.trim().rsplit_once('@')?;
    let domain = domain.trim_end_matches('.');
    carriers()
        .iter()
        .find(|carrier| carrier.domain.eq_ignore_ascii_case(domain))
}

/// The 10 digits of a US phone number written with spaces, dashes, dots, parentheses or a
/// leading `+1`/`1`.
///
/// # Errors
/// A sentence saying the text is not a 10-digit US number.
pub fn us_number_digits(number: &str) -> Result<String, String> {
    let invalid = || {
        format!(
            "\"{}\" is not a 10-digit US phone number (like 555-123-4567).",
            number.trim()
        )
    };
    let trimmed = number.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut digits = String::with_capacity(11);
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(invalid()),
        }
    }
    let national = match (plus, digits.len()) {
        (false, 10) => digits.as_str(),
        (_, 11) if digits.starts_with('1') => &digits[1..],
        _ => return Err(invalid()),
    };
    // North American area codes never start with 0 or 1; one that does is a typo.
    if national.starts_with(['0', '1']) {
        return Err(invalid());
    }
    Ok(national.to_owned())
}

/// Builds the Phone/Text Message Email for a number and a carrier, with its warning.
///
/// # Errors
/// A sentence naming an unknown carrier or a number that is not 10 US digits.
pub fn gateway_address(number: &str, carrier_name: &str) -> Result<GatewayAddress, String> {
    gateway_address_on(number, carrier_name, today())
}

/// [`gateway_address`] as of a given day (for tests and previews).
///
/// # Errors
/// As [`gateway_address`].
pub fn gateway_address_on(
    number: &str,
    carrier_name: &str,
    today: NaiveDate,
) -> Result<GatewayAddress, String> {
    let carrier = find_carrier(carrier_name).ok_or_else(|| {
        let names = carriers()
            .iter()
            .map(|carrier| carrier.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "Unknown carrier \"{}\"; choose one of {names}.",
            carrier_name.trim()
        )
    })?;
    let digits = us_number_digits(number)?;
    Ok(GatewayAddress {
        address: format!("{digits}@{}", carrier.domain),
        warning: carrier.warning_on(today),
    })
}

/// The warning for an address on a retired or ending gateway (domain compared ignoring case).
#[must_use]
pub fn warning_for_address(address: &str) -> Option<String> {
    warning_for_address_on(address, today())
}

/// [`warning_for_address`] as of a given day.
#[must_use]
pub fn warning_for_address_on(address: &str, today: NaiveDate) -> Option<String> {
    carrier_for_address(address)?.warning_on(today)
}

/// True when the address is on a gateway that no longer delivers (not one that merely has
/// an end date ahead).
#[must_use]
pub fn is_retired_gateway(address: &str) -> bool {
    is_retired_gateway_on(address, today())
}

/// [`is_retired_gateway`] as of a given day.
#[must_use]
pub fn is_retired_gateway_on(address: &str, today: NaiveDate) -> bool {
    carrier_for_address(address).is_some_and(|carrier| carrier.is_retired_on(today))
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Reads `YYYY-MM-DD`, or `YYYY-MM` as the first of that month.
fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d"))
        .ok()
}

/// "on 2025-06-17" for a day, "in December 2024" for a month.
fn when_words(text: &str) -> String {
    match parse_date(text) {
        Some(date) if text.len() == "YYYY-MM".len() => format!("in {}", date.format("%B %Y")),
        Some(date) => format!("on {}", date.format("%Y-%m-%d")),
        None => format!("on {text}"),
    }
}

fn name_key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn shipped_list_parses_and_every_entry_is_complete() {
        let parsed: Vec<Carrier> = serde_json::from_str(CARRIERS_JSON).unwrap();
        assert!(parsed.len() >= 10);
        assert_eq!(carriers(), parsed.as_slice());
        for carrier in carriers() {
            assert!(
                !carrier.name.is_empty() && !carrier.source.is_empty(),
                "{carrier:?}"
            );
            assert!(carrier.domain.contains('.'), "{carrier:?}");
            assert_eq!(
                carrier.domain,
                carrier.domain.to_ascii_lowercase(),
                "{carrier:?}"
            );
            match carrier.status {
                GatewayStatus::Retired => {
                    assert!(
                        carrier.retired_on.as_deref().and_then(parse_date).is_some(),
                        "{carrier:?}"
                    );
                }
                GatewayStatus::Active => assert!(carrier.retired_on.is_none(), "{carrier:?}"),
            }
            if let Some(end) = &carrier.ends_on {
                assert!(
                    NaiveDate::parse_from_str(end, "%Y-%m-%d").is_ok(),
                    "{carrier:?}"
                );
            }
        }
        let mut keys: Vec<String> = carriers().iter().map(|c| name_key(&c.name)).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), carriers().len(), "two carriers share a name");
    }

    #[test]
    fn the_known_shutdowns_are_recorded() {
        let att = find_carrier("AT&T").unwrap();
        assert_eq!(
            (att.domain.as_str(), att.status),
            ("txt.att.net", GatewayStatus::Retired)
        );
        assert_eq!(att.retired_on.as_deref(), Some("2025-06-17"));
        let tmobile = find_carrier("T-Mobile").unwrap();
        assert_eq!(
            (tmobile.domain.as_str(), tmobile.status),
            ("tmomail.net", GatewayStatus::Retired)
        );
        let verizon = find_carrier("Verizon").unwrap();
        assert_eq!(
            (verizon.domain.as_str(), verizon.status),
            ("vtext.com", GatewayStatus::Active)
        );
        assert_eq!(verizon.ends_on.as_deref(), Some("2027-03-31"));
        for (name, domain) in [
            ("US Cellular", "email.uscc.net"),
            ("Boost", "sms.myboostmobile.com"),
            ("Cricket", "mms.cricketwireless.net"),
            ("Google Fi", "msg.fi.google.com"),
            ("Metro by T-Mobile", "mymetropcs.com"),
            ("Consumer Cellular", "mailmymobile.net"),
            ("C Spire", "cspire1.com"),
        ] {
            let found = carriers().iter().find(|c| c.domain == domain).unwrap();
            assert!(found.name.starts_with(name), "{found:?}");
        }
    }

    #[test]
    fn carrier_names_match_ignoring_case_and_punctuation() {
        assert_eq!(find_carrier("at&t").unwrap().domain, "txt.att.net");
        assert_eq!(find_carrier(" ATT ").unwrap().domain, "txt.att.net");
        assert_eq!(find_carrier("t mobile").unwrap().domain, "tmomail.net");
        assert_eq!(
            find_carrier("metro by t-mobile").unwrap().domain,
            "mymetropcs.com"
        );
        assert!(find_carrier("").is_none());
        assert!(find_carrier("Sprint").is_none());
    }

    #[test]
    fn numbers_in_the_usual_spellings_become_ten_digits() {
        for spelled in [
            "5551234567",
            "555-123-4567",
            "(555) 123-4567",
            "555.123.4567",
            " 555 123 4567 ",
            "+1 555 123 4567",
            "+15551234567",
            "1-555-123-4567",
            "15551234567",
        ] {
            assert_eq!(
                us_number_digits(spelled).as_deref(),
                Ok("5551234567"),
                "{spelled}"
            );
        }
    }

    #[test]
    fn numbers_that_are_not_ten_us_digits_are_refused_in_a_sentence() {
        for bad in [
            "",
            "555123456",
            "555-123-45678",
            "+44 20 7946 0958",
            "25551234567",
            "+5551234567",
            "555-CALL-NOW",
            "555/123/4567",
            "0551234567",
            "1551234567",
        ] {
            let err = us_number_digits(bad).unwrap_err();
            assert!(err.contains("10-digit US phone number"), "{bad}: {err}");
            assert!(err.ends_with('.'), "{err}");
        }
    }

    #[test]
    fn helper_fills_in_the_address_for_an_active_gateway_without_warning() {
        let built = gateway_address_on("(555) 123-4567", "Google Fi", day("2026-11-28")).unwrap();
        assert_eq!(built.address, "5551234567@msg.fi.google.com");
        assert_eq!(built.warning, None);
    }

    #[test]
    fn helper_warns_that_att_retired_its_gateway() {
        let built = gateway_address_on("555-123-4567", "AT&T", day("2026-11-28")).unwrap();
        assert_eq!(built.address, "5551234567@txt.att.net");
        assert_eq!(
            built.warning.as_deref(),
            Some(
                "AT&T retired its text gateway txt.att.net on 2025-06-17: messages to this address will not arrive."
            )
        );
    }

    #[test]
    fn tmobile_warning_names_the_month_it_was_reported_retired() {
        let warning = warning_for_address_on("5551234567@tmomail.net", day("2026-11-28")).unwrap();
        assert!(
            warning.contains("T-Mobile retired its text gateway tmomail.net in December 2024"),
            "{warning}"
        );
    }

    #[test]
    fn verizon_is_softly_warned_before_its_end_date_and_retired_after() {
        let before = day("2026-11-28");
        let warning = warning_for_address_on("5551234567@vtext.com", before).unwrap();
        assert!(
            warning.contains("scheduled to end on 2027-03-31"),
            "{warning}"
        );
        assert!(!is_retired_gateway_on("5551234567@vtext.com", before));
        assert!(!is_retired_gateway_on(
            "5551234567@vtext.com",
            day("2027-03-31")
        ));

        let after = day("2027-04-01");
        assert!(is_retired_gateway_on("5551234567@vtext.com", after));
        let warning = warning_for_address_on("5551234567@vtext.com", after).unwrap();
        assert!(
            warning.contains("ended its text gateway vtext.com on 2027-03-31"),
            "{warning}"
        );
        assert!(warning.contains("will not arrive"), "{warning}");
    }

    #[test]
    fn addresses_are_matched_by_domain_ignoring_case() {
        let today = day("2026-11-28");
        assert!(is_retired_gateway_on("5551234567@TXT.ATT.NET", today));
        assert!(is_retired_gateway_on("5551234567@Tmomail.Net.", today));
        assert!(!is_retired_gateway_on("someone@att.net", today));
        assert!(!is_retired_gateway_on(
            "5551234567@msg.fi.google.com",
            today
        ));
        assert!(!is_retired_gateway_on("not an address", today));
        assert_eq!(warning_for_address_on("pat@example.org", today), None);
    }

    #[test]
    fn unknown_carrier_is_a_sentence_listing_the_known_ones() {
        let err = gateway_address("5551234567", "Sprint").unwrap_err();
        assert!(err.starts_with("Unknown carrier \"Sprint\""), "{err}");
        assert!(err.contains("Verizon") && err.ends_with('.'), "{err}");
    }

    #[test]
    fn the_clock_based_functions_agree_with_the_dated_ones_for_retired_gateways() {
        assert!(is_retired_gateway("5551234567@txt.att.net"));
        assert!(warning_for_address("5551234567@txt.att.net").is_some());
    }
}

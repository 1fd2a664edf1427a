//! Validated text values that come from people: usernames, client codes and their team pattern,
//! place names, notes. Each parses from outside input once and is then known good; serde goes
//! through the same parse, so a sync batch cannot smuggle in what a form would refuse.

use crate::error::{ValidationError, invalid};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $parse:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parse outside input; the error names the field and the rule.
            pub fn parse(s: impl AsRef<str>) -> Result<Self, ValidationError> {
                $parse(s.as_ref()).map(Self)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, ValidationError> {
                Self::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, ValidationError> {
                Self::parse(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

pub const USERNAME_MAX: usize = 32;
pub const CLIENT_CODE_MAX: usize = 16;
pub const PLACE_NAME_MAX: usize = 80;
pub const NOTE_MAX_CHARS: usize = 4000;
pub const NAME_MAX: usize = 120;
pub const PURPOSE_MAX: usize = 200;
pub const ADDRESS_MAX: usize = 200;

fn parse_username(s: &str) -> Result<String, ValidationError> {
    let s = s.trim();
    let len = s.chars().count();
    if !(2..=USERNAME_MAX).contains(&len) {
        return invalid(
            "username",
            format!("must be 2–{USERNAME_MAX} characters long"),
        );
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    {
        return invalid(
            "username",
            "may hold only lowercase letters a–z, digits and . _ -",
        );
    }
    Ok(s.to_owned())
}

fn parse_client_code(s: &str) -> Result<String, ValidationError> {
    let s = s.trim();
    if s.is_empty() || s.len() > CLIENT_CODE_MAX {
        return invalid(
            "code",
            format!("must be 1–{CLIENT_CODE_MAX} characters long"),
        );
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
    {
        return invalid(
            "code",
            "may hold only capital letters A–Z, digits and -, like K-017 (it is a pseudonym, not a name)",
        );
    }
    Ok(s.to_owned())
}

fn parse_place_name(s: &str) -> Result<String, ValidationError> {
    let s = s.trim();
    let len = s.chars().count();
    if len == 0 || len > PLACE_NAME_MAX {
        return invalid(
            "place",
            format!("must be 1–{PLACE_NAME_MAX} characters long"),
        );
    }
    // Places are kept at village level (docs/design.md §3): a digit means a street number, a postcode
    // or coordinates, all of which say more about where a client lives than the team may keep.
    if s.chars().any(|c| c.is_ascii_digit()) {
        return invalid(
            "place",
            "must be a town or village name without numbers, never a street address or coordinates",
        );
    }
    if s.chars().any(char::is_control) {
        return invalid("place", "must not contain control characters");
    }
    Ok(s.to_owned())
}

fn parse_note(s: &str) -> Result<String, ValidationError> {
    let len = s.chars().count();
    if len > NOTE_MAX_CHARS {
        return invalid(
            "note",
            format!(
                "must be at most {NOTE_MAX_CHARS} characters (got {len}); the case record belongs in the journal system"
            ),
        );
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return invalid("note", "must not contain control characters");
    }
    Ok(s.to_owned())
}

fn parse_person_name(s: &str) -> Result<String, ValidationError> {
    let s = s.trim();
    let len = s.chars().count();
    if len == 0 || len > NAME_MAX {
        return invalid("name", format!("must be 1–{NAME_MAX} characters long"));
    }
    if s.chars().any(char::is_control) {
        return invalid("name", "must not contain control characters");
    }
    Ok(s.to_owned())
}

fn parse_address(s: &str) -> Result<String, ValidationError> {
    let s = s.trim();
    let len = s.chars().count();
    if len == 0 || len > ADDRESS_MAX {
        return invalid(
            "address",
            format!("must be 1–{ADDRESS_MAX} characters long"),
        );
    }
    if s.chars().any(char::is_control) {
        return invalid("address", "must not contain control characters");
    }
    Ok(s.to_owned())
}

fn parse_purpose(s: &str) -> Result<String, ValidationError> {
    let s = s.trim();
    let len = s.chars().count();
    if len == 0 || len > PURPOSE_MAX {
        return invalid(
            "purpose",
            format!("must be 1–{PURPOSE_MAX} characters long (the errand, e.g. Hembesök)"),
        );
    }
    if s.chars().any(char::is_control) {
        return invalid("purpose", "must not contain control characters");
    }
    Ok(s.to_owned())
}

text_type!(/// A login name: lowercase ASCII, 2–32 characters.
    Username, parse_username);
text_type!(/// A client's pseudonymous code, unique in the team (`K-017`).
    ClientCode, parse_client_code);
text_type!(/// A town or village, never a street address.
    PlaceName, parse_place_name);
text_type!(/// A short note (sensitive; sealed on the phone), at most 4,000 characters.
    Note, parse_note);
text_type!(/// A person's full name (sensitive for clients).
    PersonName, parse_person_name);
text_type!(/// A street address of a trip's end (sensitive; optional, sealed on the phone).
    Address, parse_address);
text_type!(/// The errand of a trip (ärende), e.g. "Hembesök".
    Purpose, parse_purpose);

/// A team's pattern for client codes: `#` stands for a digit, `@` for a capital letter, anything
/// else for itself. The default `K-###` accepts `K-017`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CodePattern(pub String);

impl Default for CodePattern {
    fn default() -> Self {
        Self("K-###".into())
    }
}

impl CodePattern {
    pub fn matches(&self, code: &ClientCode) -> bool {
        let p: Vec<char> = self.0.chars().collect();
        let c: Vec<char> = code.as_str().chars().collect();
        p.len() == c.len()
            && p.iter().zip(&c).all(|(p, c)| match p {
                '#' => c.is_ascii_digit(),
                '@' => c.is_ascii_uppercase(),
                other => other == c,
            })
    }

    /// Check a code against the pattern, with a message that shows the expected shape.
    pub fn check(&self, code: &ClientCode) -> Result<(), ValidationError> {
        if self.matches(code) {
            Ok(())
        } else {
            invalid(
                "code",
                format!(
                    "does not match the team's pattern {} (# is a digit, @ a capital letter)",
                    self.0
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn place_refuses_street_addresses() {
        assert!(PlaceName::parse("Töre").is_ok());
        let e = PlaceName::parse("Storgatan 5").unwrap_err();
        assert_eq!(e.field, "place");
        assert!(e.rule.contains("street address"));
        assert!(PlaceName::parse("65.9, 22.6").is_err());
        assert!(PlaceName::parse("  ").is_err());
    }

    #[test]
    fn note_limit_counts_characters_not_bytes() {
        assert!(Note::parse("å".repeat(NOTE_MAX_CHARS)).is_ok());
        let e = Note::parse("x".repeat(NOTE_MAX_CHARS + 1)).unwrap_err();
        assert!(e.to_string().starts_with("note: must be at most 4000"));
        assert!(
            !e.to_string().contains("xxx"),
            "message must not echo the note"
        );
    }

    #[test]
    fn code_pattern() {
        let p = CodePattern::default();
        assert!(p.matches(&ClientCode::parse("K-017").unwrap()));
        assert!(!p.matches(&ClientCode::parse("K-0175").unwrap()));
        assert!(!p.matches(&ClientCode::parse("X-017").unwrap()));
        let e = p.check(&ClientCode::parse("K-1").unwrap()).unwrap_err();
        assert!(e.rule.contains("K-###"));
        assert!(
            ClientCode::parse("Anna").is_err(),
            "lowercase looks like a name"
        );
    }

    #[test]
    fn serde_goes_through_parse() {
        assert!(serde_json::from_str::<Username>("\"Anna Karlsson\"").is_err());
        let u: Username = serde_json::from_str("\"anna.k\"").unwrap();
        assert_eq!(serde_json::to_string(&u).unwrap(), "\"anna.k\"");
    }

    proptest! {
        #[test]
        fn usernames_that_parse_round_trip(s in "[a-z0-9._-]{2,32}") {
            let u = Username::parse(&s).unwrap();
            let back: Username = serde_json::from_str(&serde_json::to_string(&u).unwrap()).unwrap();
            prop_assert_eq!(back, u);
        }

        #[test]
        fn any_text_either_parses_or_names_its_field(s in ".{0,120}") {
            match PlaceName::parse(&s) {
                Ok(p) => prop_assert!(!p.as_str().chars().any(|c| c.is_ascii_digit())),
                Err(e) => prop_assert_eq!(e.field, "place"),
            }
        }
    }
}

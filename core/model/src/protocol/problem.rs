//! The error document of every route (RFC 9457, `application/problem+json`). The server fills it
//! from its error enum; the phone reads `type` to decide (wipe, update, back off) and shows
//! `detail`. Every field is optional when read, so a proxy's or an older server's document still
//! parses.

use serde::{Deserialize, Serialize};

/// Every problem `type` is this followed by a slug, e.g. `…/device-revoked`.
pub const PROBLEM_BASE: &str = "https://uppsok.se/problems/";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// Stable URI identifying the kind of problem ([`PROBLEM_BASE`] + slug).
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub status: u16,
    /// What went wrong, in words for a person; never a copy of what was sent.
    #[serde(default)]
    pub detail: String,
    /// For `validation-failed`: the field that broke a rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `device-revoked`: whether the phone must destroy its local data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wipe: Option<bool>,
    /// For `account-locked`: when logins are accepted again (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<String>,
}

impl Problem {
    /// The slug of `kind` when it is one of ours (`device-revoked`), else `None`.
    pub fn slug(&self) -> Option<&str> {
        self.kind.strip_prefix(PROBLEM_BASE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_partial_document_and_writes_type() {
        let p: Problem = serde_json::from_str(
            r#"{"type":"https://uppsok.se/problems/device-revoked","wipe":true}"#,
        )
        .unwrap();
        assert_eq!(p.slug(), Some("device-revoked"));
        assert_eq!(p.wipe, Some(true));
        let back = serde_json::to_value(&p).unwrap();
        assert_eq!(back["type"], "https://uppsok.se/problems/device-revoked");
        assert!(back.get("field").is_none());
        let foreign: Problem =
            serde_json::from_str(r#"{"type":"about:blank","status":502}"#).unwrap();
        assert_eq!(foreign.slug(), None);
    }
}

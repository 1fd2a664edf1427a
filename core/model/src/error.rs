//! The one error type of the model: a validation failure that names the field and the rule.
//!
//! Messages are meant for a person (a case manager at a phone, an administrator reading a log) and
//! never repeat the rejected value when it could be personal data (names, notes, addresses): they
//! say which rule was broken, not what was typed.

use std::fmt;

/// A value from outside (a form, the CLI, a sync batch) broke one of the model's rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct ValidationError {
    /// The serde name of the field, e.g. `minutes` or `odometer_end`.
    pub field: &'static str,
    /// The rule in words, e.g. "must be between 1 and 1440 minutes (got 0)".
    pub rule: String,
}

impl ValidationError {
    pub fn new(field: &'static str, rule: impl fmt::Display) -> Self {
        Self {
            field,
            rule: rule.to_string(),
        }
    }
}

/// Shorthand for `Err(ValidationError::new(..))` in validation code.
pub(crate) fn invalid<T>(
    field: &'static str,
    rule: impl fmt::Display,
) -> Result<T, ValidationError> {
    Err(ValidationError::new(field, rule))
}

//! Uppsök device core.

//! Uppsök server.

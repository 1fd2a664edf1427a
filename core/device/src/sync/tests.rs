//! Unit tests of the sync client against a small in-process stub server.

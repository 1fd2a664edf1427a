//! Hybrid logical clock (Kulkarni et al., 2014): a stamp that follows wall time when clocks are
//! sane, never goes backwards, and orders causally related edits even when a phone's clock is off
//! by a day.
//!
//! It is used only to settle conflicts between edits of the same record (last writer wins, per
//! field for clients). The order of sync is the server's sequence, never a device clock
//! (docs/design.md §5, §10).
//!
//! A stamp's text form, `{wall_ms:013}-{counter:04x}-{node:08x}`, sorts the same way as the stamp,
//! so it can be stored in a plain text column and compared there.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One stamp: wall time in Unix milliseconds, a counter for events in the same millisecond, and
/// the node (device) that made it, to break ties deterministically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hlc {
    pub wall_ms: i64,
    pub counter: u32,
    pub node: u32,
}

impl Hlc {
    pub const ZERO: Hlc = Hlc {
        wall_ms: 0,
        counter: 0,
        node: 0,
    };
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:013}-{:08x}-{:08x}",
            self.wall_ms.max(0),
            self.counter,
            self.node
        )
    }
}

impl FromStr for Hlc {
    type Err = crate::ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            crate::ValidationError::new(
                "clock",
                "is not a clock stamp (expected MILLIS-COUNTER-NODE)",
            )
        };
        let mut parts = s.split('-');
        let (Some(w), Some(c), Some(n), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        Ok(Hlc {
            wall_ms: w.parse().map_err(|_| bad())?,
            counter: u32::from_str_radix(c, 16).map_err(|_| bad())?,
            node: u32::from_str_radix(n, 16).map_err(|_| bad())?,
        })
    }
}

impl Serialize for Hlc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The clock of one node: hands out stamps and absorbs stamps seen from others.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HlcClock {
    last: Hlc,
    node: u32,
}

impl HlcClock {
    pub fn new(node: u32) -> Self {
        Self {
            last: Hlc { node, ..Hlc::ZERO },
            node,
        }
    }

    /// Resume a clock from the last stamp it handed out (kept in the store).
    pub fn resume(node: u32, last: Hlc) -> Self {
        Self { last, node }
    }

    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A stamp for a local event at wall time `now_ms`: later than every stamp this clock has
    /// made or seen, even if the wall clock stepped back.
    pub fn tick(&mut self, now_ms: i64) -> Hlc {
        let next = if now_ms > self.last.wall_ms {
            Hlc {
                wall_ms: now_ms,
                counter: 0,
                node: self.node,
            }
        } else {
            Hlc {
                wall_ms: self.last.wall_ms,
                counter: self.last.counter.saturating_add(1),
                node: self.node,
            }
        };
        self.last = next;
        next
    }

    /// Absorb a stamp received from another node, so the next local stamp comes after it.
    pub fn observe(&mut self, remote: Hlc, now_ms: i64) {
        let wall = now_ms.max(self.last.wall_ms).max(remote.wall_ms);
        let counter = if wall == self.last.wall_ms && wall == remote.wall_ms {
            self.last.counter.max(remote.counter)
        } else if wall == self.last.wall_ms {
            self.last.counter
        } else if wall == remote.wall_ms {
            remote.counter
        } else {
            0
        };
        self.last = Hlc {
            wall_ms: wall,
            counter,
            node: self.node,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tick_is_monotonic_when_wall_clock_steps_back() {
        let mut c = HlcClock::new(1);
        let a = c.tick(1_000);
        let b = c.tick(500);
        let d = c.tick(1_000);
        assert!(a < b && b < d);
        assert_eq!(b.wall_ms, 1_000);
    }

    #[test]
    fn observe_moves_past_a_clock_that_runs_ahead() {
        let mut phone = HlcClock::new(1);
        let remote = Hlc {
            wall_ms: 90_000_000,
            counter: 7,
            node: 2,
        };
        phone.observe(remote, 1_000);
        let next = phone.tick(1_000);
        assert!(next > remote);
    }

    #[test]
    fn text_form_round_trips_and_rejects_junk() {
        let h = Hlc {
            wall_ms: 1_763_000_000_000,
            counter: 3,
            node: 0xdead,
        };
        assert_eq!(h.to_string().parse::<Hlc>().unwrap(), h);
        assert_eq!(serde_json::to_string(&h).unwrap(), format!("\"{h}\""));
        assert!("12-zz-1".parse::<Hlc>().is_err());
        assert!("1-2".parse::<Hlc>().is_err());
    }

    proptest! {
        #[test]
        fn text_order_matches_stamp_order(a in 0i64..9_999_999_999_999, b in 0i64..9_999_999_999_999,
                                           ca: u32, cb: u32, na: u32, nb: u32) {
            let x = Hlc { wall_ms: a, counter: ca, node: na };
            let y = Hlc { wall_ms: b, counter: cb, node: nb };
            prop_assert_eq!(x.cmp(&y), x.to_string().cmp(&y.to_string()));
        }

        #[test]
        fn ticks_never_go_backwards(walls in proptest::collection::vec(0i64..1_000_000, 1..50)) {
            let mut c = HlcClock::new(9);
            let mut prev = Hlc::ZERO;
            for w in walls {
                let t = c.tick(w);
                prop_assert!(t > prev);
                prev = t;
            }
        }
    }
}

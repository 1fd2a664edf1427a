//! When to try again after a failed sync: exponential backoff with full jitter, so that a
//! hundred phones coming out of the same dead zone (or a restarted server) do not all knock at
//! the same second. The policy is a plain value the apps can ask ("when next?"); WorkManager
//! and BGTaskScheduler schedule their own wake-ups from it.

use chrono::{DateTime, Utc};
use rand::Rng;
use std::time::Duration;

/// Exponential backoff: the n-th failure in a row waits a random time in
/// `[ceiling / 2, ceiling]`, where `ceiling = min(base · 2^(n-1), max)`. "Equal jitter" rather
/// than full jitter, so a phone never hammers the server right after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    /// Between sync runs on a phone: 15 s after the first failure, at most 30 minutes.
    pub const BETWEEN_RUNS: Backoff = Backoff {
        base: Duration::from_secs(15),
        max: Duration::from_secs(30 * 60),
    };

    /// Between attempts inside one run (a cut connection on a weak link is usually gone a
    /// moment later): 300 ms, at most 5 s.
    pub const WITHIN_RUN: Backoff = Backoff {
        base: Duration::from_millis(300),
        max: Duration::from_secs(5),
    };

    /// The upper bound of the wait after `failures` failures in a row (0 → no wait).
    pub fn ceiling(&self, failures: u32) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        // 2^20 × any sane base is far past `max`; capping the shift avoids overflow.
        let factor = 1u32 << (failures - 1).min(20);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// A jittered wait after `failures` failures in a row.
    pub fn delay(&self, failures: u32) -> Duration {
        self.delay_with(failures, &mut rand::rng())
    }

    pub fn delay_with(&self, failures: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = self.ceiling(failures);
        if ceiling.is_zero() {
            return ceiling;
        }
        let half = ceiling / 2;
        let span = (ceiling - half).as_millis().min(u64::MAX as u128) as u64;
        half + Duration::from_millis(rng.random_range(0..=span))
    }

    /// When the next attempt is due after the last one at `last_attempt` failed `failures`
    /// times in a row.
    pub fn next_attempt(&self, last_attempt: DateTime<Utc>, failures: u32) -> DateTime<Utc> {
        let d =
            chrono::Duration::from_std(self.delay(failures)).unwrap_or(chrono::Duration::zero());
        last_attempt + d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn grows_doubles_and_caps_with_jitter_in_the_upper_half() {
        let b = Backoff::BETWEEN_RUNS;
        assert_eq!(b.ceiling(0), Duration::ZERO);
        assert_eq!(b.ceiling(1), Duration::from_secs(15));
        assert_eq!(b.ceiling(2), Duration::from_secs(30));
        assert_eq!(b.ceiling(3), Duration::from_secs(60));
        assert_eq!(b.ceiling(40), Duration::from_secs(1800));
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let d = b.delay_with(3, &mut rng);
            assert!(
                d >= Duration::from_secs(30) && d <= Duration::from_secs(60),
                "{d:?}"
            );
            seen.insert(d.as_millis());
        }
        assert!(seen.len() > 50, "jitter spreads the waits");
        assert_eq!(b.delay(0), Duration::ZERO);
    }
}

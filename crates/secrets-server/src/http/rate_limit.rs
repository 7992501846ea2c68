//! A per-member limit on changes: each member has a bucket of write
//! tokens that refills at a steady rate (a token bucket). Reads take no
//! token, so listing secrets and activity is never slowed. A second
//! limiter of the same kind limits the task starts of each runner.
//!
//! NOTE: buckets live in the memory of one process. With several server
//! processes behind a load balancer, each enforces its own limit.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Number of buckets kept before full ones are dropped. A full bucket carries
/// no information, so dropping it changes no decision.
const PRUNE_THRESHOLD: usize = 10_000;

/// Settings of the write limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteRateLimit {
    /// Changes a member may make at once after a pause (the bucket's size).
    pub burst: u32,
    /// Changes per minute a member may make in the long run (the refill
    /// rate).
    pub per_minute: u32,
}

impl Default for WriteRateLimit {
    /// 60 changes at once and 60 per minute: more than an owner makes by
    /// hand, and enough for a script that fills a company's 50 secrets.
    fn default() -> Self {
        Self {
            burst: 60,
            per_minute: 60,
        }
    }
}

/// Settings of the limit on task starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskRateLimit {
    /// Tasks a runner may start at once after a pause (the bucket's size).
    pub burst: u32,
    /// Tasks per minute a runner may start in the long run (the refill
    /// rate).
    pub per_minute: u32,
}

impl Default for TaskRateLimit {
    /// 120 task starts at once and 120 per minute: two a second in the long
    /// run, enough for a runner that starts many short tasks, while a
    /// stolen runner token cannot start tasks in a tight loop.
    fn default() -> Self {
        Self {
            burst: 120,
            per_minute: 120,
        }
    }
}

/// The buckets of every member (or runner) that made a change (or started
/// a task) recently. One limiter keeps the buckets of one kind of caller.
#[derive(Debug)]
pub struct RateLimiter {
    limit: WriteRateLimit,
    buckets: Mutex<HashMap<i64, Bucket>>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// Creates a limiter in which every member starts with a full bucket.
    /// A burst of 0 counts as 1, because a bucket with room for no token
    /// would reject every change while promising a time to retry.
    pub fn new(limit: WriteRateLimit) -> Self {
        Self {
            limit: WriteRateLimit {
                burst: limit.burst.max(1),
                ..limit
            },
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Creates a limiter of task starts, in which every runner starts with
    /// a full bucket.
    pub fn for_task_starts(limit: TaskRateLimit) -> Self {
        Self::new(WriteRateLimit {
            burst: limit.burst,
            per_minute: limit.per_minute,
        })
    }

    /// Takes one token from the bucket of `caller_id` at time `now`: a
    /// member's ID in a limiter of changes, a runner's ID in a limiter of
    /// task starts. Returns how long to wait until a token is available
    /// when the bucket is empty.
    pub fn try_acquire(&self, caller_id: i64, now: Instant) -> Result<(), Duration> {
        let capacity = f64::from(self.limit.burst);
        let per_second = f64::from(self.limit.per_minute) / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= PRUNE_THRESHOLD {
            buckets.retain(|_, bucket| refilled(*bucket, now, per_second, capacity) < capacity);
        }

        let bucket = buckets.entry(caller_id).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let tokens = refilled(*bucket, now, per_second, capacity);
        if tokens >= 1.0 {
            *bucket = Bucket {
                tokens: tokens - 1.0,
                updated: now,
            };
            return Ok(());
        }
        *bucket = Bucket {
            tokens,
            updated: now,
        };
        if per_second <= 0.0 {
            return Err(Duration::MAX);
        }
        Err(Duration::from_secs_f64((1.0 - tokens) / per_second))
    }
}

/// Returns the tokens in `bucket` at `now`, refilled since its last update.
fn refilled(bucket: Bucket, now: Instant, per_second: f64, capacity: f64) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
    (bucket.tokens + elapsed * per_second).min(capacity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(burst: u32, per_minute: u32) -> RateLimiter {
        RateLimiter::new(WriteRateLimit { burst, per_minute })
    }

    #[test]
    fn rate_limiter_allows_burst_then_rejects() {
        let limiter = limiter(3, 60);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.try_acquire(1, start), Ok(()));
        }
        let wait = limiter.try_acquire(1, start).expect_err("bucket empty");
        assert_eq!(wait, Duration::from_secs(1));
    }

    #[test]
    fn rate_limiter_refills_over_time() {
        let limiter = limiter(2, 60);
        let start = Instant::now();
        assert!(limiter.try_acquire(1, start).is_ok());
        assert!(limiter.try_acquire(1, start).is_ok());
        assert!(limiter.try_acquire(1, start).is_err());
        let later = start + Duration::from_millis(1500);
        assert!(limiter.try_acquire(1, later).is_ok());
        assert!(limiter.try_acquire(1, later).is_err());
    }

    #[test]
    fn rate_limiter_refill_caps_at_burst() {
        let limiter = limiter(2, 60);
        let start = Instant::now();
        assert!(limiter.try_acquire(1, start).is_ok());
        let much_later = start + Duration::from_secs(3600);
        assert!(limiter.try_acquire(1, much_later).is_ok());
        assert!(limiter.try_acquire(1, much_later).is_ok());
        assert!(limiter.try_acquire(1, much_later).is_err());
    }

    #[test]
    fn rate_limiter_members_are_independent() {
        let limiter = limiter(1, 1);
        let start = Instant::now();
        assert!(limiter.try_acquire(1, start).is_ok());
        assert!(limiter.try_acquire(1, start).is_err());
        assert!(limiter.try_acquire(2, start).is_ok());
    }

    #[test]
    fn rate_limiter_wait_matches_rate() {
        let limiter = limiter(1, 6);
        let start = Instant::now();
        assert!(limiter.try_acquire(7, start).is_ok());
        let wait = limiter.try_acquire(7, start).expect_err("bucket empty");
        assert_eq!(wait, Duration::from_secs(10));
    }

    #[test]
    fn rate_limiter_prunes_full_buckets() {
        let limiter = limiter(1, 60);
        let start = Instant::now();
        for member in 0..PRUNE_THRESHOLD as i64 {
            assert!(limiter.try_acquire(member, start).is_ok());
        }
        let later = start + Duration::from_secs(5);
        assert!(limiter.try_acquire(-1, later).is_ok());
        let remaining = limiter.buckets.lock().expect("not poisoned").len();
        assert_eq!(remaining, 1);
    }
}

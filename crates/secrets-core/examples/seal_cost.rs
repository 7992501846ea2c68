//! Measures the cost of sealing a value of the maximum size and of opening
//! it again. Two baselines run on the same bytes in the same process: a
//! copy of the bytes (memcpy), and their base64 encoding, which every
//! sealed value gets on its way through the API.
//!
//!   cargo run --release -p secrets-core --example seal_cost -- [ROUNDS]
//!
//! Each operation runs ROUNDS times (default 2000) after 100 rounds of
//! warm-up. The output has the median and the 95th percentile of each, in
//! microseconds, and their ratios to the medians of the baselines.

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use secrets_core::sealed::{open_sealed, SealingKey};
use secrets_core::{SecretValue, VALUE_MAX_BYTES};
use zeroize::Zeroizing;

/// Rounds run and thrown away before the measured rounds, so that caches
/// and the CPU's frequency settle.
const WARM_UP_ROUNDS: usize = 100;

/// Measured rounds when no count is given.
const DEFAULT_ROUNDS: usize = 2000;

/// The median and the 95th percentile of one operation's durations.
struct Timing {
    name: &'static str,
    median: Duration,
    p95: Duration,
}

/// Runs `operation` for the warm-up and then `rounds` measured times, and
/// returns the median and the 95th percentile of the measured durations.
fn measure(name: &'static str, rounds: usize, mut operation: impl FnMut()) -> Timing {
    for _ in 0..WARM_UP_ROUNDS {
        operation();
    }
    let mut durations: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            operation();
            start.elapsed()
        })
        .collect();
    durations.sort_unstable();
    Timing {
        name,
        median: durations[rounds / 2],
        p95: durations[(rounds * 95 / 100).min(rounds - 1)],
    }
}

fn main() {
    let rounds = match std::env::args().nth(1) {
        None => DEFAULT_ROUNDS,
        Some(text) => match text.parse::<usize>() {
            Ok(rounds) if rounds > 0 => rounds,
            _ => {
                eprintln!("error: ROUNDS must be a positive whole number, not {text:?}");
                std::process::exit(2);
            }
        },
    };

    // A printable ASCII value of the maximum size, so each character is one byte.
    let plaintext: String = (0..VALUE_MAX_BYTES)
        .map(|index| char::from(b'!' + (index % 94) as u8))
        .collect();
    let value = SecretValue::new(Zeroizing::new(plaintext)).expect("a valid value");

    let secret_key = crypto_box::SecretKey::generate(&mut crypto_box::aead::OsRng);
    let public_key = STANDARD.encode(secret_key.public_key().as_bytes());
    let sealing_key = SealingKey::from_base64("bench", &public_key).expect("a valid public key");
    let secret_key_bytes = secret_key.to_bytes();
    let sealed = sealing_key.seal(&value);
    let opened = open_sealed(&secret_key_bytes, sealed.as_bytes()).expect("the value opens");
    assert_eq!(
        &opened[..],
        value.expose().as_bytes(),
        "the opened value differs"
    );

    let bytes = value.expose().as_bytes();
    let copy = measure("memcpy (baseline)", rounds, || {
        black_box(black_box(bytes).to_vec());
    });
    let base64 = measure("base64 encode (baseline)", rounds, || {
        black_box(STANDARD.encode(black_box(bytes)));
    });
    let seal = measure("seal", rounds, || {
        black_box(sealing_key.seal(black_box(&value)));
    });
    let open = measure("open", rounds, || {
        black_box(open_sealed(&secret_key_bytes, black_box(sealed.as_bytes())));
    });

    println!(
        "Value of {VALUE_MAX_BYTES} bytes, {rounds} rounds each after {WARM_UP_ROUNDS} of warm-up; \
         {} cores",
        std::thread::available_parallelism().map_or(0, |cores| cores.get())
    );
    println!();
    println!("| operation | median us | p95 us | median / memcpy | median / base64 |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for timing in [&copy, &base64, &seal, &open] {
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {:.2} |",
            timing.name,
            micros(timing.median),
            micros(timing.p95),
            ratio(timing.median, copy.median),
            ratio(timing.median, base64.median),
        );
    }
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn ratio(duration: Duration, baseline: Duration) -> f64 {
    duration.as_secs_f64() / baseline.as_secs_f64().max(f64::MIN_POSITIVE)
}

//! Sealed values: a value encrypted by the client to its company's public
//! key, so that the server stores a value that it cannot read while it
//! handles a request from the dashboard.
//!
//! A sealed value is an anonymous sealed box, the format of libsodium's
//! `crypto_box_seal`: a fresh X25519 public key (32 bytes), then the
//! XSalsa20-Poly1305 ciphertext of the value with its 16-byte tag. Any
//! libsodium binding (PyNaCl's `SealedBox`, libsodium.js'
//! `crypto_box_seal`) makes the same format. The server opens sealed values
//! only to hand them to a task of the same company.

use std::fmt;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use zeroize::Zeroizing;

use crate::value::value_too_large_message;
use crate::{SecretValue, VALUE_MAX_BYTES};

/// Size of a company's X25519 public key, in bytes.
pub const PUBLIC_KEY_BYTES: usize = 32;

/// Bytes that sealing adds to a value: the sender's ephemeral public key
/// and the authentication tag.
pub const SEALED_BOX_OVERHEAD: usize = 48;

/// Largest sealed value: a value of [`VALUE_MAX_BYTES`], sealed.
pub const SEALED_VALUE_MAX_BYTES: usize = VALUE_MAX_BYTES + SEALED_BOX_OVERHEAD;

/// Length of the largest sealed value in padded base64, in characters:
/// each group of up to 3 bytes becomes 4 characters.
pub const SEALED_VALUE_MAX_BASE64_CHARS: usize = SEALED_VALUE_MAX_BYTES.div_ceil(3) * 4;

/// Decoding config of sealed values: padding optional, because some
/// libraries (libsodium.js by default) leave it out.
const DECODE_CONFIG: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);

/// Standard base64, with or without padding.
const STANDARD_ANY_PADDING: GeneralPurpose =
    GeneralPurpose::new(&alphabet::STANDARD, DECODE_CONFIG);

/// URL-safe base64, with or without padding.
const URL_SAFE_ANY_PADDING: GeneralPurpose =
    GeneralPurpose::new(&alphabet::URL_SAFE, DECODE_CONFIG);

/// A company's public key, which clients seal values to, with the key id
/// that a create request names.
#[derive(Clone)]
pub struct SealingKey {
    key_id: String,
    public_key: crypto_box::PublicKey,
}

/// Reason why a public key from the server cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SealingKeyError {
    /// The public key is not base64 of exactly [`PUBLIC_KEY_BYTES`] bytes.
    #[error("The server sent a public key that is not 32 bytes of base64.")]
    Malformed,
}

impl SealingKey {
    /// Builds the key from the fields of a
    /// [`PublicKeyResponse`](crate::api::PublicKeyResponse).
    pub fn from_base64(key_id: &str, public_key: &str) -> Result<Self, SealingKeyError> {
        let bytes = STANDARD
            .decode(public_key)
            .map_err(|_| SealingKeyError::Malformed)?;
        let bytes: [u8; PUBLIC_KEY_BYTES] =
            bytes.try_into().map_err(|_| SealingKeyError::Malformed)?;
        Ok(Self {
            key_id: key_id.to_owned(),
            public_key: crypto_box::PublicKey::from(bytes),
        })
    }

    /// Returns the key id that a create request sends beside the sealed
    /// value.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Seals `value` to this key with a fresh ephemeral key pair from the
    /// operating system's (or the browser's) random number generator.
    /// The value was validated as a [`SecretValue`], so its size limit was
    /// checked on the plaintext.
    pub fn seal(&self, value: &SecretValue) -> SealedValue {
        let sealed = self
            .public_key
            .seal(&mut crypto_box::aead::OsRng, value.expose().as_bytes())
            // In crypto_box 0.9.1 the error comes only from XSalsa20-Poly1305,
            // which rejects plaintexts of 256 GiB and more; a value has at
            // most 32 KiB. A failing random number generator panics inside.
            .expect("a value of at most 32 KiB can be sealed");
        SealedValue(sealed)
    }
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SealingKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A value sealed to a company's public key, whose length passed the
/// check that [`VALUE_MAX_BYTES`] implies. It is ciphertext, so it may be
/// stored and sent, but never logged: `Debug` prints only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedValue(Vec<u8>);

/// Reason why a sealed value is rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SealedValueError {
    /// Not base64, or shorter than a sealed box can be.
    #[error("The value is not a sealed box in base64. Seal it with the company's public key, as the REST API documentation describes.")]
    NotSealed,

    /// The value inside the sealed box is empty.
    #[error("Enter a value.")]
    Empty,

    /// The value inside the sealed box is larger than [`VALUE_MAX_BYTES`].
    #[error("{}", value_too_large_message(*bytes))]
    TooLarge {
        /// Size of the value inside the sealed box, in bytes.
        bytes: usize,
    },
}

impl SealedValue {
    /// Checks the length of `sealed` against the limits of a sealed value.
    pub fn from_bytes(sealed: Vec<u8>) -> Result<Self, SealedValueError> {
        match sealed.len() {
            length if length < SEALED_BOX_OVERHEAD => Err(SealedValueError::NotSealed),
            SEALED_BOX_OVERHEAD => Err(SealedValueError::Empty),
            length if length > SEALED_VALUE_MAX_BYTES => Err(SealedValueError::TooLarge {
                bytes: length - SEALED_BOX_OVERHEAD,
            }),
            _ => Ok(Self(sealed)),
        }
    }

    /// Decodes base64, standard or URL-safe, with or without padding, and
    /// checks the length.
    pub fn from_base64(text: &str) -> Result<Self, SealedValueError> {
        // Reject before decoding what cannot fit, so that a huge body
        // costs no large allocation. Every 4 characters without padding
        // hold 3 bytes.
        let unpadded = text.trim_end_matches('=').len();
        if unpadded > SEALED_VALUE_MAX_BASE64_CHARS {
            return Err(SealedValueError::TooLarge {
                bytes: (unpadded * 3 / 4).saturating_sub(SEALED_BOX_OVERHEAD),
            });
        }
        let bytes = STANDARD_ANY_PADDING
            .decode(text)
            .or_else(|_| URL_SAFE_ANY_PADDING.decode(text))
            .map_err(|_| SealedValueError::NotSealed)?;
        Self::from_bytes(bytes)
    }

    /// Returns the sealed box in standard base64, as a create request
    /// sends it.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.0)
    }

    /// Returns the sealed box.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Returns the size of the value inside, in bytes.
    pub fn plaintext_len(&self) -> usize {
        self.0.len() - SEALED_BOX_OVERHEAD
    }
}

impl fmt::Debug for SealedValue {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "SealedValue({} bytes)", self.0.len())
    }
}

/// Opens `sealed` with a company's X25519 secret key. Only the server
/// calls it, and only to hand a value to a task of that company.
pub fn open_sealed(
    secret_key: &[u8; PUBLIC_KEY_BYTES],
    sealed: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let secret_key = crypto_box::SecretKey::from(*secret_key);
    secret_key.unseal(sealed).ok().map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_pair() -> (crypto_box::SecretKey, SealingKey) {
        let secret_key = crypto_box::SecretKey::generate(&mut crypto_box::aead::OsRng);
        let public_key = STANDARD.encode(secret_key.public_key().as_bytes());
        let sealing_key = SealingKey::from_base64("key-1", &public_key).expect("valid key");
        (secret_key, sealing_key)
    }

    fn value(text: &str) -> SecretValue {
        SecretValue::new(Zeroizing::new(text.to_owned())).expect("valid value")
    }

    #[test]
    fn sealed_value_opens_byte_for_byte() {
        let (secret_key, sealing_key) = key_pair();
        let plaintext = "-----BEGIN KEY-----\r\n  Gr\u{fc}\u{df}e \u{65e5}\u{672c}\n";
        let sealed = sealing_key.seal(&value(plaintext));
        assert_eq!(sealed.plaintext_len(), plaintext.len());
        let opened = open_sealed(&secret_key.to_bytes(), sealed.as_bytes()).expect("opens");
        assert_eq!(&opened[..], plaintext.as_bytes());
    }

    #[test]
    fn sealing_twice_gives_different_boxes() {
        let (_, sealing_key) = key_pair();
        let first = sealing_key.seal(&value("same"));
        let second = sealing_key.seal(&value("same"));
        assert_ne!(first, second);
    }

    #[test]
    fn another_key_cannot_open() {
        let (_, sealing_key) = key_pair();
        let (other_secret_key, _) = key_pair();
        let sealed = sealing_key.seal(&value("v"));
        assert!(open_sealed(&other_secret_key.to_bytes(), sealed.as_bytes()).is_none());
    }

    #[test]
    fn length_limits_follow_the_value_limit() {
        assert_eq!(
            SealedValue::from_bytes(vec![0; SEALED_BOX_OVERHEAD - 1]),
            Err(SealedValueError::NotSealed)
        );
        assert_eq!(
            SealedValue::from_bytes(vec![0; SEALED_BOX_OVERHEAD]),
            Err(SealedValueError::Empty)
        );
        assert!(SealedValue::from_bytes(vec![0; SEALED_VALUE_MAX_BYTES]).is_ok());
        assert_eq!(
            SealedValue::from_bytes(vec![0; SEALED_VALUE_MAX_BYTES + 1]),
            Err(SealedValueError::TooLarge {
                bytes: VALUE_MAX_BYTES + 1
            })
        );
    }

    #[test]
    fn largest_value_fits_after_sealing() {
        let (_, sealing_key) = key_pair();
        let sealed = sealing_key.seal(&value(&"x".repeat(VALUE_MAX_BYTES)));
        let decoded = SealedValue::from_base64(&sealed.to_base64()).expect("within the limit");
        assert_eq!(decoded.plaintext_len(), VALUE_MAX_BYTES);
    }

    #[test]
    fn base64_that_cannot_fit_is_rejected_before_decoding() {
        let text = "A".repeat(SEALED_VALUE_MAX_BYTES * 2);
        assert!(matches!(
            SealedValue::from_base64(&text),
            Err(SealedValueError::TooLarge { .. })
        ));
        assert_eq!(
            SealedValue::from_base64("not base64!"),
            Err(SealedValueError::NotSealed)
        );
    }

    #[test]
    fn base64_of_any_common_variant_decodes() {
        use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

        // 50 bytes, so the text needs padding and, at byte 0xfb, contains
        // characters that differ between the two alphabets.
        let bytes: Vec<u8> = (0..50).map(|index| 0xfb_u8.wrapping_add(index)).collect();
        for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
            let text = engine.encode(&bytes);
            let decoded = SealedValue::from_base64(&text).expect("decodes");
            assert_eq!(decoded.as_bytes(), &bytes[..], "{text}");
        }
    }

    #[test]
    fn too_large_reports_the_exact_size() {
        for sealed_bytes in [SEALED_VALUE_MAX_BYTES + 2, SEALED_VALUE_MAX_BYTES + 30] {
            let text = STANDARD.encode(vec![7u8; sealed_bytes]);
            assert_eq!(
                SealedValue::from_base64(&text),
                Err(SealedValueError::TooLarge {
                    bytes: sealed_bytes - SEALED_BOX_OVERHEAD
                }),
                "{sealed_bytes}"
            );
        }
    }

    #[test]
    fn debug_shows_only_the_length() {
        let (_, sealing_key) = key_pair();
        let sealed = sealing_key.seal(&value("canary-51"));
        assert_eq!(format!("{sealed:?}"), "SealedValue(57 bytes)");
    }

    #[test]
    fn malformed_public_keys_are_rejected() {
        for text in ["", "AAAA", "not base64", &STANDARD.encode([0u8; 33])] {
            assert_eq!(
                SealingKey::from_base64("k", text).err(),
                Some(SealingKeyError::Malformed),
                "{text}"
            );
        }
    }
}

//! Secrets that Vigie must be able to read back (TOTP seeds, webhook signing keys) are stored
//! encrypted with the deployment's secret key, so that a copy of the database or of a backup
//! alone does not let anyone pass the second factor of CERT and regional accounts or forge
//! webhook signatures. Passwords and API tokens are not here: they are hashed, never read back.
//!
//! Format of a sealed value: `enc:v1:` + base64 (standard, padded) of a 24-byte random nonce
//! followed by the XChaCha20-Poly1305 ciphertext and tag. The column's name is the associated
//! data, so a sealed value cannot be moved to another column. A value without the prefix is a
//! legacy clear value: it is read as is, and `Store::seal_clear_secrets` encrypts such values
//! in place.
//!
//! This module is pure cryptography: the store holds the key (`Store::with_secret_key`), and each
//! slice names the columns it seals.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use vigie_domain::problem::Problem;

use crate::error::StoreError;

const PREFIX: &str = "enc:v1:";

/// The deployment's 256-bit secret key.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// A fresh random key.
    pub fn generate() -> SecretKey {
        let mut k = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut k);
        SecretKey(k)
    }

    pub fn from_bytes(k: [u8; 32]) -> SecretKey {
        SecretKey(k)
    }

    /// Reads a key written as 64 hexadecimal digits or as base64 of 32 bytes.
    pub fn parse(text: &str) -> Result<SecretKey, StoreError> {
        let t = text.trim();
        let bytes = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(t).ok()
        } else {
            base64::engine::general_purpose::STANDARD.decode(t).ok()
        };
        match bytes {
            Some(b) if b.len() == 32 => {
                let mut k = [0u8; 32];
                k.copy_from_slice(&b);
                Ok(SecretKey(k))
            }
            _ => Err(StoreError::Invalid(Problem::new("secrets-key-malformed"))),
        }
    }

    /// The key as 64 hexadecimal digits (for the key file).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Encrypts `clear` for column `column`.
    pub fn seal(&self, column: &str, clear: &str) -> String {
        self.seal_bytes(column, clear.as_bytes())
    }

    /// Encrypts bytes (an attachment's content) under associated data `aad` (the column, and
    /// for an attachment its uuid, so that a sealed content cannot be moved to another row).
    pub fn seal_bytes(&self, aad: &str, clear: &[u8]) -> String {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce cannot fail for inputs of this size.
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: clear,
                    aad: aad.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(out)
        )
    }

    /// Decrypts a value of column `column`; a value without the prefix is returned as is.
    pub fn open(&self, column: &str, stored: &str) -> Result<String, StoreError> {
        let Some(b64) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let clear = self.open_sealed(column, b64)?;
        String::from_utf8(clear).map_err(|_| undecryptable(column))
    }

    /// Decrypts bytes sealed by [`SecretKey::seal_bytes`] under `aad`; anything not sealed, or
    /// sealed under another key or other associated data, is an error.
    pub fn open_bytes(&self, aad: &str, stored: &str) -> Result<Vec<u8>, StoreError> {
        let b64 = stored
            .strip_prefix(PREFIX)
            .ok_or_else(|| undecryptable(aad))?;
        self.open_sealed(aad, b64)
    }

    fn open_sealed(&self, aad: &str, b64: &str) -> Result<Vec<u8>, StoreError> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| undecryptable(aad))?;
        if raw.len() < 24 + 16 {
            return Err(undecryptable(aad));
        }
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        cipher
            .decrypt(
                XNonce::from_slice(&raw[..24]),
                Payload {
                    msg: &raw[24..],
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| undecryptable(aad))
    }
}

fn undecryptable(column: &str) -> StoreError {
    StoreError::Internal(format!(
        "{column}: a stored secret cannot be decrypted with this deployment's secret key \
         (was the database restored without its key, or do several nodes use different keys?)"
    ))
}

/// Whether a stored value is sealed.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_column() {
        let k = SecretKey::generate();
        let s = k.seal("totp_secret", "JBSWY3DPEHPK3PXP");
        assert!(is_sealed(&s));
        assert!(!s.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(s, k.seal("totp_secret", "JBSWY3DPEHPK3PXP"), "random nonce");
        assert_eq!(k.open("totp_secret", &s).unwrap(), "JBSWY3DPEHPK3PXP");
        assert!(k.open("secret", &s).is_err(), "bound to its column");
        assert!(SecretKey::generate().open("totp_secret", &s).is_err());
        let mut tampered = s.clone();
        tampered.pop();
        tampered.push('A');
        assert!(k.open("totp_secret", &tampered).is_err());
        assert_eq!(k.open("totp_secret", "CLEAR").unwrap(), "CLEAR");
    }

    #[test]
    fn sealed_bytes_open_only_under_their_key_and_associated_data() {
        let k = SecretKey::generate();
        let content = b"%PDF-1.7\n\x00\xff binary";
        let s = k.seal_bytes("incident_attachments.content:u1", content);
        assert!(is_sealed(&s));
        assert_eq!(
            k.open_bytes("incident_attachments.content:u1", &s).unwrap(),
            content
        );
        assert!(k.open_bytes("incident_attachments.content:u2", &s).is_err());
        assert!(SecretKey::generate()
            .open_bytes("incident_attachments.content:u1", &s)
            .is_err());
        assert!(
            k.open_bytes("incident_attachments.content:u1", "clear")
                .is_err(),
            "never read in clear"
        );
    }

    #[test]
    fn keys_parse_from_hex_or_base64() {
        let k = SecretKey::generate();
        let hex = k.to_hex();
        assert_eq!(SecretKey::parse(&hex).unwrap().0, k.0);
        let b64 = base64::engine::general_purpose::STANDARD.encode(k.0);
        assert_eq!(SecretKey::parse(&b64).unwrap().0, k.0);
        assert!(SecretKey::parse("short").is_err());
        assert!(SecretKey::parse(&"ab".repeat(31)).is_err());
    }
}

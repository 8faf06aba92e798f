//! Secrets that Vigie must be able to read back (TOTP seeds, webhook signing keys) are stored
//! encrypted with the deployment's secret key, so that a copy of the database or of a backup
//! alone does not let anyone pass the second factor of CERT and regional accounts or forge
//! webhook signatures. Passwords and API tokens are not here: they are hashed, never read back.
//!
//! Format of a sealed value: `enc:v1:` + base64 (standard, padded) of a 24-byte random nonce
//! followed by the XChaCha20-Poly1305 ciphertext and tag. The column's name is the associated
//! data, so a sealed value cannot be moved to another column. A value without the prefix is a
//! legacy clear value: it is read as is, and [`Store::seal_clear_secrets`] encrypts such values
//! in place.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use crate::db::{Sql, Store};
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
            _ => Err(StoreError::Invalid(
                "secret key: expected 32 bytes written as 64 hexadecimal digits or in base64 \
                 (generate one with: openssl rand -hex 32)"
                    .into(),
            )),
        }
    }

    /// The key as 64 hexadecimal digits (for the key file).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Encrypts `clear` for column `column`.
    pub fn seal(&self, column: &str, clear: &str) -> String {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce cannot fail for inputs of this size.
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: clear.as_bytes(),
                    aad: column.as_bytes(),
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
        let undecryptable = || {
            StoreError::Invalid(format!(
                "{column}: a stored secret cannot be decrypted with this deployment's secret key \
                 (was the database restored without its key, or do several nodes use different keys?)"
            ))
        };
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| undecryptable())?;
        if raw.len() < 24 + 16 {
            return Err(undecryptable());
        }
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let clear = cipher
            .decrypt(
                XNonce::from_slice(&raw[..24]),
                Payload {
                    msg: &raw[24..],
                    aad: column.as_bytes(),
                },
            )
            .map_err(|_| undecryptable())?;
        String::from_utf8(clear).map_err(|_| undecryptable())
    }
}

/// Whether a stored value is sealed.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The columns holding secrets that are read back, as (table, key column, secret column).
const SEALED_COLUMNS: &[(&str, &str, &str)] =
    &[("users", "id", "totp_secret"), ("webhooks", "id", "secret")];

impl Store {
    /// Uses `key` to seal and open stored secrets. Without a key (library tests only), secrets
    /// are stored in clear.
    pub fn with_secret_key(mut self, key: SecretKey) -> Store {
        self.secrets = Some(std::sync::Arc::new(key));
        self
    }

    pub(crate) fn seal(&self, column: &str, clear: &str) -> String {
        match &self.secrets {
            Some(k) => k.seal(column, clear),
            None => clear.to_string(),
        }
    }

    pub(crate) fn open(&self, column: &str, stored: &str) -> Result<String, StoreError> {
        match &self.secrets {
            Some(k) => k.open(column, stored),
            None if is_sealed(stored) => Err(StoreError::Invalid(format!(
                "{column}: a stored secret is encrypted but no secret key is configured"
            ))),
            None => Ok(stored.to_string()),
        }
    }

    /// Encrypts in place the secrets still stored in clear (written before encryption existed,
    /// or restored from such a backup). Returns how many were sealed. Idempotent.
    pub async fn seal_clear_secrets(&self) -> Result<u64, StoreError> {
        let Some(key) = &self.secrets else {
            return Ok(0);
        };
        let mut sealed = 0;
        for (table, id_col, col) in SEALED_COLUMNS {
            let rows: Vec<(i64, String)> = Sql::new(&format!(
                "SELECT {id_col}, {col} FROM {table} WHERE {col} IS NOT NULL AND {col} NOT LIKE 'enc:v1:%'"
            ))
            .fetch_all(&self.pool)
            .await?;
            for (id, clear) in rows {
                sealed += Sql::new(&format!(
                    "UPDATE {table} SET {col} = $1 WHERE {id_col} = $2 AND {col} = $3"
                ))
                .arg(key.seal(col, &clear))
                .arg(id)
                .arg(clear.as_str())
                .execute(&self.pool)
                .await?;
            }
        }
        Ok(sealed)
    }
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

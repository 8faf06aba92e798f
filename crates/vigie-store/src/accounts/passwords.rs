//! Passwords (argon2id), random secrets and the hashes under which tokens are kept.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use vigie_domain::problem::Problem;

use crate::error::StoreError;

/// Hashes a password with argon2id (the crate's OWASP-recommended defaults).
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Internal(format!("cannot hash password: {e}")))
}

/// Checks a password against a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Minimum rules for a password chosen by a person.
pub fn check_password_policy(password: &str) -> Result<(), StoreError> {
    let n = password.chars().count();
    if n < 12 {
        return Err(StoreError::Invalid(
            Problem::new("accounts-password-too-short")
                .arg("min", 12u32)
                .arg("count", n),
        ));
    }
    if n > 256 {
        return Err(StoreError::Invalid(
            Problem::new("accounts-password-too-long").arg("max", 256u32),
        ));
    }
    Ok(())
}

/// A random secret, URL-safe base64 of `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// SHA-256 of a high-entropy secret (session ids, API tokens): enough for random secrets.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

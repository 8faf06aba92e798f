//! One limiter for every secret a person types: the password of the sign-in form, the codes of
//! the second factor, the current password of the account page.
//!
//! Failures are counted in `auth_failures`, per *subject* and per *source*:
//!
//! - a password is counted under `login:<the e-mail as typed>` and the client's address (an IPv6
//!   address by its /64). At the limit that address is locked out of that name for the lockout
//!   time; other addresses are not. A stranger can therefore lock only themselves out of a real
//!   account, and a name that matches no account locks exactly like one that does (same counts,
//!   same answer: no enumeration);
//! - second-factor codes are counted under `mfa:<user id>` for every address (`*`): only someone
//!   who has just given the right password can make them, so the whole account's second factor
//!   locks at the limit, whichever address the guesses come from.
//!
//! Each session also counts the wrong secrets typed in it (`sessions.secret_failures`) and ends
//! at the limit. The per-address throttle (attempts a minute, before any secret is checked) is the
//! web side's (`vigie_web::auth::Throttle`).
//!
//! A window: failures older than the lockout time are forgotten, so that a few mistakes spread
//! over weeks never lock anyone. Locks that follow each other (within a day of the end of the
//! last one) double, up to 64 times the lockout time: with the defaults (5 failures, 15 minutes),
//! a patient guesser gets 5 tries every 16 hours after the sixth lock.

use crate::accounts::passwords::token_hash;
use crate::db::{now, Sql, Store};
use crate::error::StoreError;

/// How many failures lock, and for how long.
#[derive(Clone, Copy, Debug)]
pub struct Lockout {
    pub max_failures: i64,
    pub lock_secs: i64,
}

/// The longest e-mail address (RFC 5321's path limit) a subject keeps; longer input is cut.
pub const MAX_EMAIL_CHARS: usize = 254;

/// A text as typed, cut to `max` characters with an ellipsis marker when longer: what the audit
/// log keeps and a page echoes of something a stranger typed.
pub fn bounded(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

/// The subject of the password of `email` (normalised as the sign-in form does).
pub fn login_subject(email: &str) -> String {
    format!(
        "login:{}",
        bounded(&email.trim().to_lowercase(), MAX_EMAIL_CHARS)
    )
}

/// The subject of the second factor of an account.
pub fn mfa_subject(user_id: i64) -> String {
    format!("mfa:{user_id}")
}

/// The source that stands for every address.
pub const ANY_SOURCE: &str = "*";

impl Store {
    /// Until when `subject` is locked for `source` (a lock for every address counts too); `None`
    /// when it is not.
    pub async fn auth_locked_until(
        &self,
        subject: &str,
        source: &str,
    ) -> Result<Option<i64>, StoreError> {
        let until = Sql::new(
            "SELECT COALESCE(MAX(locked_until), 0) FROM auth_failures \
             WHERE subject = $1 AND (source = $2 OR source = $3) AND locked_until > $4",
        )
        .arg(subject)
        .arg(source)
        .arg(ANY_SOURCE)
        .arg(now())
        .scalar(&self.pool)
        .await?;
        Ok((until > 0).then_some(until))
    }

    /// Counts a failure of `subject` from `source`; true when it locks (the count starts again).
    pub async fn auth_failed(
        &self,
        subject: &str,
        source: &str,
        lockout: Lockout,
    ) -> Result<bool, StoreError> {
        let at = now();
        let (failures, locks): (i64, i64) = Sql::new(
            "INSERT INTO auth_failures (subject, source, failures, first_at, locked_until, locks) \
             VALUES ($1, $2, 1, $3, 0, 0) \
             ON CONFLICT (subject, source) DO UPDATE SET \
             failures = CASE WHEN auth_failures.first_at < $4 THEN 1 ELSE auth_failures.failures + 1 END, \
             first_at = CASE WHEN auth_failures.first_at < $4 THEN $3 ELSE auth_failures.first_at END, \
             locks = CASE WHEN auth_failures.locked_until < $5 THEN 0 ELSE auth_failures.locks END \
             RETURNING failures, locks",
        )
        .arg(subject)
        .arg(source)
        .arg(at)
        .arg(at - lockout.lock_secs)
        .arg(at - 86_400)
        .fetch_one(&self.pool)
        .await?;
        if failures >= lockout.max_failures {
            let secs = lockout.lock_secs.saturating_mul(1 << locks.clamp(0, 6));
            Sql::new(
                "UPDATE auth_failures SET locked_until = $1, failures = 0, first_at = $2, \
                 locks = locks + 1 WHERE subject = $3 AND source = $4",
            )
            .arg(at.saturating_add(secs))
            .arg(at)
            .arg(subject)
            .arg(source)
            .execute(&self.pool)
            .await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Forgets the failures of `subject` from `source` (after the right secret).
    pub async fn auth_succeeded(&self, subject: &str, source: &str) -> Result<(), StoreError> {
        Sql::new(
            "DELETE FROM auth_failures WHERE subject = $1 AND source = $2 AND locked_until <= $3",
        )
        .arg(subject)
        .arg(source)
        .arg(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Counts a wrong secret typed in a session; true when the session ended (it reached `max`).
    pub async fn session_secret_failed(&self, token: &str, max: i64) -> Result<bool, StoreError> {
        let h = token_hash(token);
        let n: Option<(i64,)> = Sql::new(
            "UPDATE sessions SET secret_failures = secret_failures + 1 WHERE id_hash = $1 \
             RETURNING secret_failures",
        )
        .arg(h.as_str())
        .fetch_optional(&self.pool)
        .await?;
        match n {
            Some((n,)) if n < max => Ok(false),
            _ => {
                Sql::new("DELETE FROM sessions WHERE id_hash = $1")
                    .arg(h.as_str())
                    .execute(&self.pool)
                    .await?;
                crate::cache::auth_changed();
                Ok(true)
            }
        }
    }

    /// Forgets the failures whose window and lock are over (a day after, to keep it simple).
    pub async fn purge_auth_failures(&self) -> Result<u64, StoreError> {
        let at = now();
        Sql::new("DELETE FROM auth_failures WHERE locked_until <= $1 AND first_at < $2")
            .arg(at)
            .arg(at - 86_400)
            .execute(&self.pool)
            .await
    }
}
